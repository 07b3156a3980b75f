/* Dataset statistics (data/stats.h); expectations worked out by hand. */
#include <CUnit/CUnit.h>

#include "data/stats.h"

static void test_percentiles_are_nearest_rank(void)
{
    const size_t v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    /* ceil(p/100 * 10): p25 -> rank 3, p50 -> 5, p90 -> 9, p99 -> 10, p0 -> rank 1. */
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 10, 25), 3);
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 10, 50), 5);
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 10, 90), 9);
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 10, 99), 10);
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 10, 0), 1);
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 10, 100), 10);
    CU_ASSERT_EQUAL(sbr_percentile_sorted(v, 0, 50), 0);
}

static void test_stats_describe_a_small_dataset(void)
{
    /* Sessions: 1 = a a b (a repeat), 2 = b c, 3 = a b c d e f (6 clicks).
     * Lengths 2, 3, 6: mean 11/3, median 3, max 6. Item clicks: a 3, b 3, c 2, d 1, e 1, f 1:
     * sorted 1 1 1 2 3 3, median rank 3 -> 1, p90 rank ceil(5.4) = 6 -> 3. One repeat of 11
     * clicks. Times 0 .. 172800 s: 2 days. */
    sbr_click clicks[] = {{1, 1, 0, 0},  {1, 1, 1, 1},  {1, 2, 2, 2},      {2, 2, 10, 3},
                          {2, 3, 11, 4}, {3, 1, 20, 5}, {3, 2, 21, 6},     {3, 3, 22, 7},
                          {3, 4, 23, 8}, {3, 5, 24, 9}, {3, 6, 172800, 10}};
    sbr_dataset *ds = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, 11, &ds, &err), SBR_OK);
    sbr_stats st;
    CU_ASSERT_EQUAL_FATAL(sbr_stats_compute(ds, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.sessions, 3);
    CU_ASSERT_EQUAL(st.clicks, 11);
    CU_ASSERT_EQUAL(st.items, 6);
    CU_ASSERT_DOUBLE_EQUAL(st.session_len_mean, 11.0 / 3.0, 1e-12);
    CU_ASSERT_EQUAL(st.session_len_pct[0], 2); /* min */
    CU_ASSERT_EQUAL(st.session_len_pct[2], 3); /* p50 */
    CU_ASSERT_EQUAL(st.session_len_pct[5], 6); /* max */
    CU_ASSERT_EQUAL(st.item_clicks_pct[2], 1);
    CU_ASSERT_EQUAL(st.item_clicks_pct[3], 3);
    CU_ASSERT_DOUBLE_EQUAL(st.item_clicks_mean, 11.0 / 6.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(st.span_days, 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(st.repeat_share, 1.0 / 11.0, 1e-12);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {
    {"percentiles are nearest-rank", test_percentiles_are_nearest_rank},
    {"stats describe a small dataset", test_stats_describe_a_small_dataset},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_stats = {"stats", NULL, NULL, NULL, NULL, tests};
