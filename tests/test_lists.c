/* Recommendation lists: session-rec's lists file, its path, the verification CRC, cutoffs. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "algorithms/algo.h"
#include "data/load.h"
#include "eval/lists.h"
#include "test_util.h"

static void test_lists_paths_name_the_configuration_when_several_share_one(void)
{
    char out[256], other[256];
    sbr_lists_path("dir/recs.csv", "ar", "pruning=20", false, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "dir/recs.csv");
    sbr_lists_path("dir/recs.csv", "ar", "pruning=20", true, out, sizeof out);
    char want[64];
    snprintf(want, sizeof want, "dir/recs.ar-%08llx.csv",
             (unsigned long long)(sbr_hash53("pruning=20", 10) & 0xffffffffULL));
    CU_ASSERT_STRING_EQUAL(out, want);
    sbr_lists_path("dir/recs", "sr", "steps=1", true, out, sizeof out);
    CU_ASSERT_EQUAL(strncmp(out, "dir/recs.sr-", 12), 0);
    CU_ASSERT_EQUAL(strlen(out), 12 + 8);
    sbr_lists_path("d.x/recs", "sr", "steps=1", true, out, sizeof out);
    CU_ASSERT_EQUAL(strncmp(out, "d.x/recs.sr-", 12), 0);
    sbr_lists_path("recs.tsv.gz", "pop", "", true, out, sizeof out);
    CU_ASSERT_EQUAL(strncmp(out, "recs.tsv.pop-", 13), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, ".gz"));
    /* One algorithm, two configurations: two files. */
    sbr_lists_path("r.csv", "vmis", "compat=clean;k=500", true, out, sizeof out);
    sbr_lists_path("r.csv", "vmis", "compat=serenade;k=500", true, other, sizeof other);
    CU_ASSERT_STRING_NOT_EQUAL(out, other);
    /* A label is never a path. */
    sbr_lists_path("r.csv", "../a b/c", "", true, out, sizeof out);
    CU_ASSERT_EQUAL(strncmp(out, "r.___a_b_c-", 11), 0);
}

static void test_cutoff_lists_are_ascending_integers(void)
{
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_cutoffs_parse("1,5,10,20", &eo, &e), SBR_OK);
    CU_ASSERT_EQUAL(eo.n_cutoffs, 4);
    CU_ASSERT_EQUAL(eo.cutoffs[0], 1);
    CU_ASSERT_EQUAL(eo.cutoffs[3], 20);
    CU_ASSERT_EQUAL(sbr_cutoffs_parse("7", &eo, &e), SBR_OK);
    CU_ASSERT_EQUAL(eo.n_cutoffs, 1);
    const char *bad[] = {"20,5", "5,5", "0", "1,,2", "x", "", "1,100001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(sbr_cutoffs_parse(bad[i], &eo, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "--cutoffs '1,100001': give up to 16 ascending"));
    char many[128] = "1";
    for (int k = 2; k <= 17; k++)
        snprintf(many + strlen(many), sizeof many - strlen(many), ",%d", k);
    CU_ASSERT_EQUAL(sbr_cutoffs_parse(many, &eo, &e), SBR_EINVAL); /* 17 > SBR_MAX_CUTOFFS */
    char huge[400];
    memset(huge, '1', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    CU_ASSERT_EQUAL(sbr_cutoffs_parse(huge, &eo, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is too long"));
}

/* The CRC recomputed from the written lists file: "<item>:<score>" per entry, "\n" per list. */
static unsigned long crc_of_file(const char *text)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    const char *line = strchr(text, '\n') + 1; /* after the header */
    while (*line) {
        const char *end = strchr(line, '\n');
        const char *items = strchr(strchr(line, ';') + 1, ';') + 1;
        const char *scores = strchr(items, ';') + 1;
        const char *items_end = scores - 1;
        while (items < items_end) {
            const char *ie = items + strcspn(items, ",;");
            const char *se = scores + strcspn(scores, ",\n");
            crc = crc32(crc, (const Bytef *)items, (uInt)(ie - items));
            crc = crc32(crc, (const Bytef *)":", 1);
            crc = crc32(crc, (const Bytef *)scores, (uInt)(se - scores));
            items = ie + 1;
            scores = se + 1;
        }
        crc = crc32(crc, (const Bytef *)"\n", 1);
        line = end + 1;
    }
    return (unsigned long)crc;
}

static void test_the_lists_file_and_the_crc_agree(void)
{
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_err e = {SBR_OK, ""};
    sbr_load_stats ls;
    sbr_dataset *ds = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(SBR_FIXTURES "/sessions-small.tsv", &lo, &ds, &ls, &e),
                          SBR_OK);
    sbr_spec spec = SBR_SPEC_EMPTY;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&spec, "ar", &e), SBR_OK);
    sbr_model *model = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(spec.algo, spec.config, ds, &model, &e), SBR_OK);
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    eo.cutoffs[0] = 3;
    eo.keep_lists = true;
    eo.latency = false;
    eo.threads = 1;
    sbr_eval_result r;
    CU_ASSERT_EQUAL_FATAL(sbr_evaluate(model, ds, ds, &eo, &r, &e), SBR_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/lists.csv", test_tmpdir());
    CU_ASSERT_EQUAL(sbr_lists_write(path, ds->item_ids, ds, &r, &e), SBR_OK);
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(strncmp(text, "SessionId;Position;Recommendations;Scores\n", 42), 0);
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, r.n_predictions + 1);
    CU_ASSERT(r.n_predictions > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n1;0;11,12,13;1,")); /* session 1, first position */
    CU_ASSERT_EQUAL(sbr_lists_crc32(ds->item_ids, &r), crc_of_file(text));
    CU_ASSERT_EQUAL(sbr_lists_crc32(ds->item_ids, &r), sbr_lists_crc32(ds->item_ids, &r));
    free(text);
    sbr_eval_result_fini(&r);
    spec.algo->free(model);
    sbr_spec_fini(&spec);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {
    {"lists paths name the algorithm when several share one",
     test_lists_paths_name_the_configuration_when_several_share_one},
    {"cutoff lists are ascending integers", test_cutoff_lists_are_ascending_integers},
    {"the lists file and the CRC agree", test_the_lists_file_and_the_crc_agree},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_lists = {"lists", NULL, NULL, NULL, NULL, tests};
