/* The resume set: which jobs a results file already holds. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "eval/resume.h"
#include "test_util.h"

static const char header[] = "dataset,split,algorithm,params,cutoff,mrr\n";

static sbr_done_set *load(const char *path)
{
    sbr_done_set *d = NULL;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_done_set_load(path, &d, &e), SBR_OK);
    CU_ASSERT_PTR_NOT_NULL(d);
    return d;
}

static void test_a_missing_file_gives_an_empty_set(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/no-such-metrics.csv", test_tmpdir());
    sbr_done_set *d = load(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sbr_done_set_count(d), 0);
    const char *key[SBR_METRICS_KEY_COLS] = {"a", "b", "c", "d", "20"};
    CU_ASSERT_FALSE(sbr_done_set_has(d, key));
    size_t cut = 20;
    CU_ASSERT_FALSE(sbr_done_set_has_job(d, "a", "b", "c", "d", &cut, 1));
    sbr_done_set_free(d);
}

static void test_a_header_only_file_gives_an_empty_set(void)
{
    sbr_done_set *d = load(test_write_text("header_only.csv", header));
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sbr_done_set_count(d), 0);
    sbr_done_set_free(d);
    d = sbr_done_set_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sbr_done_set_count(d), 0);
    sbr_done_set_free(d);
    sbr_done_set_free(NULL);
}

static void test_keys_present_and_absent(void)
{
    char text[1024];
    snprintf(text, sizeof text,
             "%s"
             "rsc15,window0,vmis,k=100;m=500,20,0.31\n"
             "rsc15,window0,vmis,k=100;m=500,10,0.29\n"
             "rsc15,window1,vmis,k=100;m=500,20,0.30\n"
             "\"a,b\",w,ar,,5,0.1\n"
             "short,row\n",
             header);
    sbr_done_set *d = load(test_write_text("keys.csv", text));
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sbr_done_set_count(d), 4); /* the short row is no key */
    const char *hit[SBR_METRICS_KEY_COLS] = {"rsc15", "window0", "vmis", "k=100;m=500", "10"};
    const char *quoted[SBR_METRICS_KEY_COLS] = {"a,b", "w", "ar", "", "5"};
    const char *other_cut[SBR_METRICS_KEY_COLS] = {"rsc15", "window0", "vmis", "k=100;m=500", "5"};
    const char *other_params[SBR_METRICS_KEY_COLS] = {"rsc15", "window0", "vmis", "k=100", "20"};
    CU_ASSERT_TRUE(sbr_done_set_has(d, hit));
    CU_ASSERT_TRUE(sbr_done_set_has(d, quoted));
    CU_ASSERT_FALSE(sbr_done_set_has(d, other_cut));
    CU_ASSERT_FALSE(sbr_done_set_has(d, other_params));
    /* A job is done only when every cutoff is there. */
    size_t both[2] = {10, 20}, three[3] = {5, 10, 20};
    CU_ASSERT_TRUE(sbr_done_set_has_job(d, "rsc15", "window0", "vmis", "k=100;m=500", both, 2));
    CU_ASSERT_FALSE(sbr_done_set_has_job(d, "rsc15", "window0", "vmis", "k=100;m=500", three, 3));
    CU_ASSERT_FALSE(sbr_done_set_has_job(d, "rsc15", "window1", "vmis", "k=100;m=500", both, 2));
    CU_ASSERT_TRUE(sbr_done_set_has_job(d, "rsc15", "window1", "vmis", "k=100;m=500", both + 1, 1));
    CU_ASSERT_TRUE(sbr_done_set_has_job(d, "x", "y", "z", "", NULL, 0));
    sbr_done_set_free(d);
}

static void test_duplicate_rows_count_once(void)
{
    char text[1024];
    snprintf(text, sizeof text,
             "%s"
             "ds,s,pop,,20,0.1\n"
             "ds,s,pop,,20,0.2\n"
             "ds,s,ar,,20,0.3\n"
             "ds,s,pop,,20,0.1\n",
             header);
    sbr_done_set *d = load(test_write_text("dups.csv", text));
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sbr_done_set_count(d), 2);
    const char *pop[SBR_METRICS_KEY_COLS] = {"ds", "s", "pop", "", "20"};
    const char *ar[SBR_METRICS_KEY_COLS] = {"ds", "s", "ar", "", "20"};
    CU_ASSERT_TRUE(sbr_done_set_has(d, pop));
    CU_ASSERT_TRUE(sbr_done_set_has(d, ar));
    sbr_done_set_free(d);
}

static void test_an_unreadable_file_is_an_error(void)
{
    /* A folder in place of the file: it exists but cannot be read as a table. */
    sbr_done_set *d = (sbr_done_set *)&d;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_NOT_EQUAL(sbr_done_set_load(test_tmpdir(), &d, &e), SBR_OK);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT(e.msg[0] != '\0');
}

static CU_TestInfo tests[] = {
    {"a missing file gives an empty set", test_a_missing_file_gives_an_empty_set},
    {"a header-only file gives an empty set", test_a_header_only_file_gives_an_empty_set},
    {"keys present and absent, a job done only at every cutoff", test_keys_present_and_absent},
    {"duplicate rows count once", test_duplicate_rows_count_once},
    {"an unreadable file is an error", test_an_unreadable_file_is_an_error},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_resume = {"resume", NULL, NULL, NULL, NULL, tests};
