/* Time splits: session-rec's sliding windows and its single last-days split. Every dataset is
 * built by hand and its expected split is worked out in the comments from the rules in
 * data/split.h, independently of the code. D is one day in seconds. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/dataset.h"
#include "data/split.h"

#define D 86400.0

/* An (original SessionId, original ItemId) pair of an expected click, in dataset order. */
typedef struct expect_click {
    uint64_t session;
    uint64_t item;
} expect_click;

/* Builds a dataset; rows are the array positions (the file order). */
static sbr_dataset *build(sbr_click *clicks, size_t n)
{
    sbr_dataset *ds = NULL;
    sbr_err err;
    for (size_t c = 0; c < n; c++)
        clicks[c].row = c;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, n, &ds, &err), SBR_OK);
    return ds;
}

/* Checks that ds holds exactly the clicks `want`, in order (sessions by id, clicks by time). */
static void expect_clicks(const sbr_dataset *ds, const expect_click *want, size_t n)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
    CU_ASSERT_EQUAL_FATAL(ds->n_clicks, n);
    size_t k = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++, k++) {
            CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, s), want[k].session);
            CU_ASSERT_EQUAL(ds->item_ids[ds->items[c]], want[k].item);
        }
    }
    CU_ASSERT_EQUAL(k, n);
}

static sbr_window_options window(double days_train, double days_test, unsigned slices,
                                 double days_offset, double days_shift)
{
    sbr_window_options w = {days_train, days_test, slices, days_offset, days_shift};
    return w;
}

static void test_only_the_last_click_places_a_session_in_the_window(void)
{
    /* t0 = 0 (session 1). Window: offset 5, train 10, test 2, so start = 5D, middle = 15D,
     * end = 17D. */
    sbr_click clicks[] = {
        {1, 100, 0, 0},
        {1, 101, 1 * D, 0}, /* last 1D < start: outside */
        {2, 100, 3 * D, 0},
        {2, 102, 6 * D, 0}, /* first click before start, last in
                               train: the whole session is train */
        {3, 102, 14 * D, 0},
        {3, 100, 16 * D, 0}, /* starts before middle, ends after:
                                the whole session is test */
        {4, 100, 8 * D, 0},
        {4, 101, 9 * D, 0}, /* train */
        {5, 100, 20 * D, 0},
        {5, 102, 20 * D + 1, 0}, /* last 20D > end: outside */
    };
    sbr_dataset *ds = build(clicks, sizeof clicks / sizeof clicks[0]);
    sbr_window_options w = window(10, 2, 1, 5, 0);
    sbr_split sp;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_OK);
    const expect_click train[] = {{2, 100}, {2, 102}, {4, 100}, {4, 101}};
    const expect_click test[] = {{3, 102}, {3, 100}};
    expect_clicks(sp.train, train, 4);
    expect_clicks(sp.test, test, 2);
    CU_ASSERT_DOUBLE_EQUAL(sp.start, 5 * D, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.middle, 15 * D, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.end, 17 * D, 0);
    CU_ASSERT_EQUAL(sp.sessions_outside, 2); /* sessions 1 and 5 */
    CU_ASSERT_EQUAL(sp.test_clicks_unseen, 0);
    CU_ASSERT_EQUAL(sp.test_sessions_short, 0);
    CU_ASSERT_EQUAL(sp.test_clicks_short, 0);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

static void test_window_boundaries_include_start_and_end_and_middle_is_test(void)
{
    /* t0 = 0 (session 1). Offset 1, train 2, test 1: start = 1D, middle = 3D, end = 4D. */
    sbr_click clicks[] = {
        {1, 100, 0, 0},                                  /* last 0 < start: outside */
        {2, 100, 0.5 * D, 0},    {2, 101, 1 * D, 0},     /* last == start: in, train */
        {3, 100, 1 * D + 10, 0}, {3, 102, 2 * D, 0},     /* train */
        {4, 100, 2.5 * D, 0},    {4, 101, 3 * D, 0},     /* last == middle: test */
        {5, 102, 3.5 * D, 0},    {5, 100, 4 * D, 0},     /* last == end: in, test */
        {6, 100, 3.9 * D, 0},    {6, 101, 4 * D + 1, 0}, /* 1 s after end: outside */
        {7, 101, 0.9 * D, 0},    {7, 100, 1 * D - 1, 0}, /* 1 s before start: outside */
    };
    sbr_dataset *ds = build(clicks, sizeof clicks / sizeof clicks[0]);
    sbr_window_options w = window(2, 1, 1, 1, 0);
    sbr_split sp;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_OK);
    const expect_click train[] = {{2, 100}, {2, 101}, {3, 100}, {3, 102}};
    const expect_click test[] = {{4, 100}, {4, 101}, {5, 102}, {5, 100}};
    expect_clicks(sp.train, train, 4);
    expect_clicks(sp.test, test, 4);
    CU_ASSERT_DOUBLE_EQUAL(sp.start, 86400, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.middle, 259200, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.end, 345600, 0);
    CU_ASSERT_EQUAL(sp.sessions_outside, 3); /* sessions 1, 6 and 7 */
    CU_ASSERT_EQUAL(sp.test_clicks_unseen, 0);
    CU_ASSERT_EQUAL(sp.test_sessions_short, 0);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

static void test_unseen_test_items_are_removed_then_short_test_sessions_dropped(void)
{
    /* Offset 0, train 2, test 1: start = 0, middle = 2D, end = 3D. Train items: 10..13. */
    sbr_click clicks[] = {
        {1, 10, 0, 0},
        {1, 11, 3600, 0},
        {1, 12, 7200, 0}, /* train */
        {2, 11, 1 * D, 0},
        {2, 13, 1 * D + 60, 0}, /* train */
        {3, 10, 2 * D, 0},
        {3, 99, 2 * D + 1, 0},
        {3, 11, 2 * D + 2, 0},
        /* test: a, X, b with X = 99 unseen becomes a, b (1 unseen) */
        {4, 10, 2 * D + 10, 0},
        {4, 98, 2 * D + 11, 0}, /* 98 unseen: 1 click left, dropped */
        {5, 97, 2 * D + 20, 0},
        {5, 96, 2 * D + 21, 0}, /* both unseen: nothing left, dropped */
        {6, 12, 2 * D + 30, 0},
        {6, 13, 2 * D + 31, 0},
        {6, 12, 2 * D + 32, 0}, /* all seen */
        {7, 95, 3.5 * D, 0},
        {7, 10, 3.6 * D, 0}, /* after end: outside */
        {8, 11, 2 * D + 40, 0},
        {8, 95, 2 * D + 41, 0},
        {8, 12, 2 * D + 42, 0},
        /* 95 occurs only in the outside session 7, so it is unseen: becomes 11, 12 */
    };
    sbr_dataset *ds = build(clicks, sizeof clicks / sizeof clicks[0]);
    sbr_window_options w = window(2, 1, 1, 0, 0);
    sbr_split sp;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_OK);
    const expect_click train[] = {{1, 10}, {1, 11}, {1, 12}, {2, 11}, {2, 13}};
    const expect_click test[] = {{3, 10}, {3, 11}, {6, 12}, {6, 13}, {6, 12}, {8, 11}, {8, 12}};
    expect_clicks(sp.train, train, 5);
    expect_clicks(sp.test, test, 7);
    CU_ASSERT_EQUAL(sp.test->n_sessions, 3);
    CU_ASSERT_EQUAL(sp.sessions_outside, 1); /* session 7 */
    /* Unseen: 99 (s3), 98 (s4), 97 and 96 (s5), 95 (s8). */
    CU_ASSERT_EQUAL(sp.test_clicks_unseen, 5);
    /* Short: s4 with 1 click left and s5 with none (counted as a short session, 0 clicks). */
    CU_ASSERT_EQUAL(sp.test_sessions_short, 2);
    CU_ASSERT_EQUAL(sp.test_clicks_short, 1);
    /* Test items are renumbered on their own: 10, 11, 12, 13 (no 95..99). */
    CU_ASSERT_EQUAL_FATAL(sp.test->n_items, 4);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(sp.test->item_ids[i], 10u + i);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

static void test_sliding_windows_move_by_days_shift_after_days_offset(void)
{
    /* Offset 1, shift 3, train 2, test 1, 3 slices; t0 = 0 (session 1). Window i has
     * start = (1 + 3i)D, middle = (3 + 3i)D, end = (4 + 3i)D, so slice 0's end is slice 1's
     * start: a session ending exactly at 4D is test in slice 0 and train in slice 1. Each
     * two-click session clicks item 1 an hour before its last click on item 2. */
    const struct {
        uint64_t session;
        double last;
    } sessions[] = {
        {10, 2 * D},   /* slice 0 train */
        {11, 3.5 * D}, /* slice 0 test */
        {12, 4 * D},   /* slice 0 test, slice 1 train */
        {13, 5 * D},   /* slice 1 train */
        {14, 6.5 * D}, /* slice 1 test */
        {15, 7.5 * D}, /* slice 2 train */
        {16, 9.5 * D}, /* slice 2 test */
        {17, 12 * D},  /* after every window */
    };
    sbr_click clicks[17];
    size_t n = 0;
    clicks[n++] = (sbr_click){1, 1, 0, 0}; /* t0; before every window */
    for (size_t i = 0; i < 8; i++) {
        clicks[n++] = (sbr_click){sessions[i].session, 1, sessions[i].last - 3600, 0};
        clicks[n++] = (sbr_click){sessions[i].session, 2, sessions[i].last, 0};
    }
    sbr_dataset *ds = build(clicks, n);
    sbr_window_options w = window(2, 1, 3, 1, 3);
    const uint64_t want_train[3][2] = {{10, 0}, {12, 13}, {15, 0}};
    const uint64_t want_test[3][2] = {{11, 12}, {14, 0}, {16, 0}};
    const size_t n_train[3] = {1, 2, 1}, n_test[3] = {2, 1, 1};
    for (unsigned i = 0; i < 3; i++) {
        sbr_split sp;
        sbr_err err;
        CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, i, &sp, &err), SBR_OK);
        CU_ASSERT_DOUBLE_EQUAL(sp.start, (1 + 3 * i) * D, 0);
        CU_ASSERT_DOUBLE_EQUAL(sp.middle, (3 + 3 * i) * D, 0);
        CU_ASSERT_DOUBLE_EQUAL(sp.end, (4 + 3 * i) * D, 0);
        CU_ASSERT_EQUAL(sp.train->n_sessions, n_train[i]);
        CU_ASSERT_EQUAL(sp.test->n_sessions, n_test[i]);
        for (size_t s = 0; s < sp.train->n_sessions && s < 2; s++)
            CU_ASSERT_EQUAL(sbr_dataset_session_id(sp.train, s), want_train[i][s]);
        for (size_t s = 0; s < sp.test->n_sessions && s < 2; s++)
            CU_ASSERT_EQUAL(sbr_dataset_session_id(sp.test, s), want_test[i][s]);
        /* 9 sessions in all; the rest of them are outside the window. */
        CU_ASSERT_EQUAL(sp.sessions_outside, 9 - n_train[i] - n_test[i]);
        CU_ASSERT_EQUAL(sp.test_clicks_unseen, 0);
        sbr_split_fini(&sp);
    }
    sbr_dataset_free(ds);
}

static void test_an_empty_test_set_is_not_an_error(void)
{
    /* Train 2, test 1 from t0 = 0: middle = 2D. Nothing ends in [2D, 3D], and the only session
     * ending later (5D) is outside. */
    sbr_click clicks[] = {{1, 1, 0, 0}, {1, 2, 1 * D, 0}, {2, 1, 4 * D, 0}, {2, 2, 5 * D, 0}};
    sbr_dataset *ds = build(clicks, 4);
    sbr_window_options w = window(2, 1, 1, 0, 0);
    sbr_split sp;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_OK);
    CU_ASSERT_EQUAL(sp.train->n_sessions, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp.test);
    CU_ASSERT_EQUAL(sp.test->n_sessions, 0);
    CU_ASSERT_EQUAL(sp.test->n_clicks, 0);
    CU_ASSERT_EQUAL(sp.sessions_outside, 1);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

static void test_last_days_split_and_its_validation_split(void)
{
    /* t1 = 5D (session 6), days_test 1: sessions ending before 4D are train, the others
     * test. */
    sbr_click clicks[] = {
        {1, 1, 0, 0},        {1, 2, 0.5 * D, 0}, /* train */
        {2, 1, 1 * D, 0},    {2, 3, 1.5 * D, 0}, /* train */
        {3, 2, 2 * D, 0},    {3, 3, 2.5 * D, 0}, /* train */
        {4, 1, 3.4 * D, 0},  {4, 4, 3.5 * D, 0}, /* train */
        {5, 1, 3.9 * D, 0},  {5, 2, 4.5 * D, 0}, /* starts before 4D, ends after: test */
        {6, 4, 4.8 * D, 0},  {6, 9, 5 * D, 0},   /* test; 9 unseen, 1 click left: dropped */
        {7, 2, 3.95 * D, 0}, {7, 3, 4 * D, 0},   /* last == 4D: test */
    };
    sbr_dataset *ds = build(clicks, sizeof clicks / sizeof clicks[0]);
    sbr_split sp;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_split_last_days(ds, 1, &sp, &err), SBR_OK);
    const expect_click train[] = {{1, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 2}, {3, 3}, {4, 1}, {4, 4}};
    const expect_click test[] = {{5, 1}, {5, 2}, {7, 2}, {7, 3}};
    expect_clicks(sp.train, train, 8);
    expect_clicks(sp.test, test, 4);
    CU_ASSERT_DOUBLE_EQUAL(sp.start, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.middle, 4 * D, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.end, 5 * D, 0);
    CU_ASSERT_EQUAL(sp.sessions_outside, 0);
    CU_ASSERT_EQUAL(sp.test_clicks_unseen, 1);
    CU_ASSERT_EQUAL(sp.test_sessions_short, 1);
    CU_ASSERT_EQUAL(sp.test_clicks_short, 1);

    /* Validation: the same rule on train, whose last click is 3.5D, so the cut is 2.5D.
     * train_tr = sessions 1 and 2 (items 1, 2, 3); train_valid = session 3 (last == 2.5D);
     * session 4 loses the unseen item 4 and is dropped with its 1 click left. */
    sbr_split vs;
    CU_ASSERT_EQUAL_FATAL(sbr_split_last_days(sp.train, 1, &vs, &err), SBR_OK);
    const expect_click train_tr[] = {{1, 1}, {1, 2}, {2, 1}, {2, 3}};
    const expect_click train_valid[] = {{3, 2}, {3, 3}};
    expect_clicks(vs.train, train_tr, 4);
    expect_clicks(vs.test, train_valid, 2);
    CU_ASSERT_DOUBLE_EQUAL(vs.start, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(vs.middle, 2.5 * D, 0);
    CU_ASSERT_DOUBLE_EQUAL(vs.end, 3.5 * D, 0);
    CU_ASSERT_EQUAL(vs.test_clicks_unseen, 1);
    CU_ASSERT_EQUAL(vs.test_sessions_short, 1);
    CU_ASSERT_EQUAL(vs.test_clicks_short, 1);
    sbr_split_fini(&vs);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

/* Expects sbr_split_window to fail with SBR_EINVAL, a message containing `needle`, and no
 * datasets left in the split (which starts out as garbage). */
static void expect_window_error(const sbr_dataset *ds, sbr_window_options w, unsigned slice,
                                const char *needle)
{
    sbr_split sp;
    sbr_err err = {SBR_OK, ""};
    memset(&sp, 0xA5, sizeof sp);
    CU_ASSERT_EQUAL(sbr_split_window(ds, &w, slice, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
    CU_ASSERT_PTR_NULL(sp.train);
    CU_ASSERT_PTR_NULL(sp.test);
    sbr_split_fini(&sp);
}

static void test_bad_window_options_are_rejected_naming_the_option(void)
{
    sbr_click clicks[] = {{1, 1, 0, 0}, {1, 2, 1 * D, 0}, {2, 1, 4 * D, 0}, {2, 2, 5 * D, 0}};
    sbr_dataset *ds = build(clicks, 4);
    expect_window_error(ds, window(0, 1, 1, 0, 0), 0, "days_train");
    expect_window_error(ds, window(-2, 1, 1, 0, 0), 0, "days_train");
    expect_window_error(ds, window(NAN, 1, 1, 0, 0), 0, "days_train");
    expect_window_error(ds, window(2, 0, 1, 0, 0), 0, "days_test");
    expect_window_error(ds, window(2, INFINITY, 1, 0, 0), 0, "days_test");
    expect_window_error(ds, window(2, 1, 1, -1, 0), 0, "days_offset");
    expect_window_error(ds, window(2, 1, 1, NAN, 0), 0, "days_offset");
    expect_window_error(ds, window(2, 1, 2, 0, -1), 0, "days_shift");
    expect_window_error(ds, window(2, 1, 2, 0, NAN), 0, "days_shift");
    /* A zero shift with several slices would cut the same window every time. */
    expect_window_error(ds, window(2, 1, 3, 0, 0), 0, "days_shift");
    expect_window_error(ds, window(2, 1, 0, 0, 1), 0, "slices");
    expect_window_error(ds, window(2, 1, 2, 0, 1), 2, "slice 2");
    expect_window_error(ds, window(2, 1, 2, 0, 1), 7, "slices=2");
    /* Finite options whose window lies beyond any representable time. */
    expect_window_error(ds, window(2, 1, 1, 1e308, 0), 0, "window");

    sbr_split sp;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_split_last_days(ds, 0, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "days_test"));
    CU_ASSERT_EQUAL(sbr_split_last_days(ds, NAN, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "days_test"));
    CU_ASSERT_EQUAL(sbr_split_last_days(ds, -1, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "days_test"));
    CU_ASSERT_PTR_NULL(sp.train);
    CU_ASSERT_PTR_NULL(sp.test);
    sbr_dataset_free(ds);
}

static void test_a_window_without_training_sessions_is_rejected_with_its_dates(void)
{
    /* Data from 2014-04-01 00:00:00 UTC (1396310400) to 5 days later. */
    const double t = 1396310400;
    sbr_click clicks[] = {
        {1, 1, t, 0}, {1, 2, t + 1 * D, 0}, {2, 1, t + 4 * D, 0}, {2, 2, t + 5 * D, 0}};
    sbr_dataset *ds = build(clicks, 4);
    /* Offset 100 days: the window starts 2014-07-10, after every click. */
    expect_window_error(ds, window(2, 1, 1, 100, 0), 0, "window");
    sbr_split sp;
    sbr_err err = {SBR_OK, ""};
    sbr_window_options w = window(2, 1, 1, 100, 0);
    CU_ASSERT_EQUAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2014-07-10 00:00:00")); /* window start */
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2014-04-01 00:00:00")); /* data start */
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2014-04-06 00:00:00")); /* data end */
    /* Slice 1 of offset 0, shift 2, train 2: train part [2D, 4D) holds no session end (1D,
     * 5D), though its test part [4D, 5D] holds session 2: still no training session. */
    expect_window_error(ds, window(2, 1, 2, 0, 2), 1, "window 1");
    /* The last-days split with days_test covering the whole data leaves no train either. */
    memset(&sp, 0xA5, sizeof sp);
    CU_ASSERT_EQUAL(sbr_split_last_days(ds, 10, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "days_test"));
    CU_ASSERT_PTR_NULL(sp.train);
    CU_ASSERT_PTR_NULL(sp.test);
    sbr_dataset_free(ds);

    /* An empty dataset has no window with training sessions. */
    sbr_dataset *empty = build(clicks, 0);
    expect_window_error(empty, window(2, 1, 1, 0, 0), 0, "window");
    CU_ASSERT_EQUAL(sbr_split_last_days(empty, 1, &sp, &err), SBR_EINVAL);
    sbr_dataset_free(empty);
}

static void test_original_ids_times_and_rows_survive_the_split(void)
{
    /* Window from t0 = T: train [T, T + 1D), test [T + 1D, T + 2D]. File rows in comments. */
    const double T = 1396310400;
    sbr_click clicks[] = {
        {900, 7000000000u, T + 3600, 0}, /* row 0: train */
        {5, 42, T + D + 100, 0},         /* row 1: test */
        {900, 123456789012u, T, 0},      /* row 2: train */
        {5, 7000000000u, T + D + 50, 0}, /* row 3: test */
        {77, 42, T + 7200, 0},           /* row 4: train (one click) */
        {5, 99, T + D + 75, 0},          /* row 5: test, item 99 unseen: removed */
    };
    sbr_dataset *ds = build(clicks, 6);
    sbr_window_options w = window(1, 1, 1, 0, 0);
    sbr_split sp;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_OK);

    /* Train: session 77 (row 4), then 900 by time (row 2 at T, row 0 at T + 3600). */
    const sbr_dataset *tr = sp.train;
    CU_ASSERT_EQUAL_FATAL(tr->n_sessions, 2);
    CU_ASSERT_EQUAL_FATAL(tr->n_clicks, 3);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(tr, 0), 77);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(tr, 1), 900);
    CU_ASSERT_EQUAL_FATAL(tr->n_items, 3);
    CU_ASSERT_EQUAL(tr->item_ids[0], 42);
    CU_ASSERT_EQUAL(tr->item_ids[1], 7000000000u);
    CU_ASSERT_EQUAL(tr->item_ids[2], 123456789012u);
    const uint64_t tr_items[] = {42, 123456789012u, 7000000000u};
    const double tr_times[] = {T + 7200, T, T + 3600};
    const uint64_t tr_rows[] = {4, 2, 0};
    for (size_t c = 0; c < 3; c++) {
        CU_ASSERT_EQUAL(tr->item_ids[tr->items[c]], tr_items[c]);
        CU_ASSERT_DOUBLE_EQUAL(tr->times[c], tr_times[c], 0);
        CU_ASSERT_EQUAL(sbr_dataset_row(tr, c), tr_rows[c]);
    }

    /* Test: session 5 by time: row 3 (7000000000), row 5 (99, removed), row 1 (42). */
    const sbr_dataset *te = sp.test;
    CU_ASSERT_EQUAL_FATAL(te->n_sessions, 1);
    CU_ASSERT_EQUAL_FATAL(te->n_clicks, 2);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(te, 0), 5);
    CU_ASSERT_EQUAL_FATAL(te->n_items, 2);
    CU_ASSERT_EQUAL(te->item_ids[0], 42);
    CU_ASSERT_EQUAL(te->item_ids[1], 7000000000u);
    CU_ASSERT_EQUAL(te->item_ids[te->items[0]], 7000000000u);
    CU_ASSERT_EQUAL(te->item_ids[te->items[1]], 42);
    CU_ASSERT_DOUBLE_EQUAL(te->times[0], T + D + 50, 0);
    CU_ASSERT_DOUBLE_EQUAL(te->times[1], T + D + 100, 0);
    CU_ASSERT_EQUAL(sbr_dataset_row(te, 0), 3);
    CU_ASSERT_EQUAL(sbr_dataset_row(te, 1), 1);
    CU_ASSERT_EQUAL(sp.test_clicks_unseen, 1);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

static void test_fini_accepts_null_a_failed_split_and_a_second_call(void)
{
    sbr_split_fini(NULL);
    sbr_click clicks[] = {{1, 1, 0, 0}, {1, 2, 1 * D, 0}};
    sbr_dataset *ds = build(clicks, 2);
    sbr_split sp;
    sbr_err err;
    sbr_window_options w = window(0, 1, 1, 0, 0);
    CU_ASSERT_EQUAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_EINVAL);
    sbr_split_fini(&sp);
    sbr_split_fini(&sp);
    w = window(2, 1, 1, 0, 0);
    CU_ASSERT_EQUAL_FATAL(sbr_split_window(ds, &w, 0, &sp, &err), SBR_OK);
    sbr_split_fini(&sp);
    CU_ASSERT_PTR_NULL(sp.train);
    CU_ASSERT_PTR_NULL(sp.test);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

/* The latest share of sessions by last click: with times that are an ordering (synthetic
 * time, session ordinal x 1000 + position) and no notion of days. */
static void test_the_latest_sessions_validate(void)
{
    /* Session ends: 1 -> 1001, 2 -> 3000, 3 -> 2001, 4 -> 4001, 5 -> 5002. Sorted ends: 1001,
     * 2001, 3000, 4001, 5002; share 0.4 of 5 = 2 sessions: middle = 4001, so sessions 4 and 5
     * are test. Session 5's item 109 is not in train: removed, 2 clicks left. */
    sbr_click clicks[] = {{1, 100, 1000, 0}, {1, 101, 1001, 0}, {2, 101, 2999, 0},
                          {2, 102, 3000, 0}, {3, 100, 2000, 0}, {3, 102, 2001, 0},
                          {4, 100, 4000, 0}, {4, 101, 4001, 0}, {5, 102, 5000, 0},
                          {5, 109, 5001, 0}, {5, 100, 5002, 0}};
    sbr_dataset *ds = build(clicks, sizeof clicks / sizeof clicks[0]);
    sbr_split sp;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_split_last_sessions(ds, 0.4, &sp, &err), SBR_OK);
    expect_clicks(
        sp.train,
        (const expect_click[]){{1, 100}, {1, 101}, {2, 101}, {2, 102}, {3, 100}, {3, 102}}, 6);
    expect_clicks(sp.test, (const expect_click[]){{4, 100}, {4, 101}, {5, 102}, {5, 100}}, 4);
    CU_ASSERT_EQUAL(sp.test_clicks_unseen, 1);
    CU_ASSERT_DOUBLE_EQUAL(sp.middle, 4001, 0);
    sbr_split_fini(&sp);
    /* A tiny share still takes one session (the latest, 5). */
    CU_ASSERT_EQUAL_FATAL(sbr_split_last_sessions(ds, 0.01, &sp, &err), SBR_OK);
    expect_clicks(sp.test, (const expect_click[]){{5, 102}, {5, 100}}, 2);
    sbr_split_fini(&sp);
    /* A share outside (0, 1) or one that leaves no training session is an error. */
    CU_ASSERT_EQUAL(sbr_split_last_sessions(ds, 1, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "(0, 1)"));
    CU_ASSERT_EQUAL(sbr_split_last_sessions(ds, 0, &sp, &err), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_split_last_sessions(ds, 0.99, &sp, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no training session"));
    CU_ASSERT_PTR_NULL(sp.train);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {
    {"the latest sessions validate", test_the_latest_sessions_validate},
    {"only the last click places a session in the window",
     test_only_the_last_click_places_a_session_in_the_window},
    {"window boundaries include start and end and middle is test",
     test_window_boundaries_include_start_and_end_and_middle_is_test},
    {"unseen test items are removed then short test sessions dropped",
     test_unseen_test_items_are_removed_then_short_test_sessions_dropped},
    {"sliding windows move by days_shift after days_offset",
     test_sliding_windows_move_by_days_shift_after_days_offset},
    {"an empty test set is not an error", test_an_empty_test_set_is_not_an_error},
    {"last-days split and its validation split", test_last_days_split_and_its_validation_split},
    {"bad window options are rejected naming the option",
     test_bad_window_options_are_rejected_naming_the_option},
    {"a window without training sessions is rejected with its dates",
     test_a_window_without_training_sessions_is_rejected_with_its_dates},
    {"original ids, times and rows survive the split",
     test_original_ids_times_and_rows_survive_the_split},
    {"fini accepts NULL, a failed split and a second call",
     test_fini_accepts_null_a_failed_split_and_a_second_call},
    CU_TEST_INFO_NULL};
CU_SuiteInfo sbr_suite_split = {"split", NULL, NULL, NULL, NULL, tests};
