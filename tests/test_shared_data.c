/* Every shared real dataset loads, with the row counts (and, where listed, the session and
 * item counts) stated in ../shared/data/README.md and ../shared/reference/vmis-knn.md §9.
 * Those documents are the source of every expected number here. */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "data/load.h"
#include "test_util.h"

typedef struct expected {
    const char *file;
    size_t rows, sessions, items; /* 0: not stated in the documents */
} expected;

static const expected files[] = {
    {"serenade-toy/train.tsv.gz", 113601, 23753, 18009},
    {"serenade-toy/valid.tsv.gz", 1451, 330, 995},
    {"serenade-toy/test.tsv.gz", 1233, 302, 862},
    {"rsc15-100k/train_full.tsv.gz", 70278, 0, 0},
    {"rsc15-100k/train_tr.tsv.gz", 53254, 0, 0},
    {"rsc15-100k/train_valid.tsv.gz", 16539, 0, 0},
    {"rsc15-100k/test.tsv.gz", 13568, 0, 0},
    {"rsc15-64/train_full.tsv.gz", 99943, 0, 0},
    {"rsc15-64/train_tr.tsv.gz", 93880, 0, 0},
    {"rsc15-64/train_valid.tsv.gz", 5668, 0, 0},
    {"rsc15-64/test.tsv.gz", 7299, 0, 0},
    {"retailrocket/train.tsv.gz", 685984, 126168, 36968},
    {"retailrocket/test.tsv.gz", 24602, 4735, 0},
    {"diginetica/train.tsv.gz", 906140, 186670, 43097},
    {"diginetica/test.tsv.gz", 76821, 15963, 0},
    {"nowplaying/train.tsv.gz", 953381, 128077, 60416},
    {"nowplaying/test.tsv.gz", 104303, 14479, 0},
    {"tmall/train.tsv.gz", 416554, 65286, 0},
    {"tmall/test.tsv.gz", 26925, 1027, 0},
    {"30music/slice0.tsv.gz", 23718, 0, 0},
    {"30music/slice1.tsv.gz", 21021, 0, 0},
    {"30music/slice2.tsv.gz", 21226, 0, 0},
    {"30music/slice3.tsv.gz", 22796, 0, 0},
    {"30music/slice4.tsv.gz", 32786, 0, 0},
};

static void test_every_shared_file_loads_with_its_documented_counts(void)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const expected *e = &files[i];
        sbr_load_options opt;
        sbr_load_options_init(&opt);
        sbr_dataset *ds = NULL;
        sbr_load_stats st;
        sbr_err err = {SBR_OK, ""};
        sbr_rc rc = sbr_load_sessions(test_data_path(e->file), &opt, &ds, &st, &err);
        if (rc != SBR_OK) {
            fprintf(stderr, "\n%s\n", err.msg);
            CU_FAIL("a shared file did not load");
            continue;
        }
        CU_ASSERT_EQUAL(st.rows_read, e->rows);
        CU_ASSERT_EQUAL(st.rows_kept, e->rows);
        CU_ASSERT_EQUAL(ds->n_clicks, e->rows);
        if (e->sessions)
            CU_ASSERT_EQUAL(ds->n_sessions, e->sessions);
        if (e->items)
            CU_ASSERT_EQUAL(ds->n_items, e->items);
        if (ds->n_clicks != e->rows || (e->sessions && ds->n_sessions != e->sessions) ||
            (e->items && ds->n_items != e->items))
            fprintf(stderr, "\n%s: %zu clicks, %zu sessions, %zu items\n", e->file, ds->n_clicks,
                    ds->n_sessions, ds->n_items);
        sbr_dataset_free(ds);
    }
}

static void test_serenade_toy_test_has_931_next_item_evaluations(void)
{
    /* vmis-knn.md §9: test has 931 evaluations (sum of length - 1), valid 1,121. */
    const char *names[2] = {"serenade-toy/test.tsv.gz", "serenade-toy/valid.tsv.gz"};
    const size_t evals[2] = {931, 1121};
    for (int k = 0; k < 2; k++) {
        sbr_load_options opt;
        sbr_load_options_init(&opt);
        sbr_dataset *ds = NULL;
        sbr_err err;
        CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(test_data_path(names[k]), &opt, &ds, NULL, &err),
                              SBR_OK);
        CU_ASSERT_EQUAL(ds->n_clicks - ds->n_sessions, evals[k]);
        sbr_dataset_free(ds);
    }
}

static void test_rsc15_100k_test_has_10152_next_item_evaluations(void)
{
    /* ../shared/data/README.md: 10,152 next-item evaluations on test. */
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(
        sbr_load_sessions(test_data_path("rsc15-100k/test.tsv.gz"), &opt, &ds, NULL, &err), SBR_OK);
    CU_ASSERT_EQUAL(ds->n_clicks - ds->n_sessions, 10152);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {{"every shared file loads with its documented counts",
                               test_every_shared_file_loads_with_its_documented_counts},
                              {"serenade-toy test has 931 next-item evaluations",
                               test_serenade_toy_test_has_931_next_item_evaluations},
                              {"rsc15-100k test has 10,152 next-item evaluations",
                               test_rsc15_100k_test_has_10152_next_item_evaluations},
                              CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_shared_data = {"shared_data", NULL, NULL, NULL, NULL, tests};
