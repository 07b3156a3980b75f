/* The raw-data importers (data/prepare.h): one small fixture per format in its exact raw layout
 * (tests/fixtures/prepare/ or written inline), every bad-input case with its rc and message, and
 * the shared raw samples. Expected values of the hand fixtures are worked out by hand in the
 * comments; those of the shared samples come from a separate python3 script, quoted next to each
 * constant. Epoch values were checked with python3's datetime (UTC). */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/prepare.h"
#include "test_util.h"

#define FIXTURE(name) SBR_FIXTURES "/prepare/" name

/* The format's defaults; with no_filter, all three filters off (1 disables a rule), so the
 * dataset shows the sessions exactly as built. */
static void init_options(sbr_prepare_options *opt, const char *format, bool no_filter)
{
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_prepare_options_init(opt, format, &err), SBR_OK);
    if (no_filter) {
        opt->filter.first_min_session_length = 1;
        opt->filter.min_item_support = 1;
        opt->filter.min_session_length = 1;
    }
}

/* sbr_prepare that must succeed. */
static sbr_dataset *prepare_ok(const char *path, const sbr_prepare_options *opt,
                               sbr_prepare_stats *st)
{
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = sbr_prepare(path, opt, &ds, st, &err);
    if (rc != SBR_OK)
        fprintf(stderr, "\nsbr_prepare(%s): %s\n", path, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
    return ds;
}

/* sbr_prepare that must fail with rc and a message holding each of the texts in `want`
 * (NULL-terminated). */
static void prepare_fails(const char *path, const sbr_prepare_options *opt, sbr_rc rc,
                          const char *const *want)
{
    sbr_dataset sentinel;
    sbr_dataset *ds = &sentinel; /* must be reset to NULL */
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_prepare(path, opt, &ds, NULL, &err), rc);
    CU_ASSERT_EQUAL(err.rc, rc);
    CU_ASSERT_PTR_NULL(ds);
    for (const char *const *w = want; *w != NULL; w++) {
        if (strstr(err.msg, *w) == NULL)
            fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", err.msg, *w);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, *w));
    }
}

/* Session s has id `id` and the clicks of data rows rows[0..n) in this order. */
static void check_session(const sbr_dataset *ds, size_t s, uint64_t id, const uint64_t *rows,
                          size_t n)
{
    CU_ASSERT_FATAL(s < ds->n_sessions);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, s), id);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_session_len(ds, s), n);
    for (size_t k = 0; k < n; k++)
        CU_ASSERT_EQUAL(sbr_dataset_row(ds, ds->offsets[s] + k), rows[k]);
}

/* The original item id of the click read from data row `row`. */
static uint64_t item_of_row(const sbr_dataset *ds, uint64_t row)
{
    for (size_t c = 0; c < ds->n_clicks; c++)
        if (sbr_dataset_row(ds, c) == row)
            return ds->item_ids[ds->items[c]];
    CU_FAIL("no click has this row");
    return 0;
}

static double time_of_row(const sbr_dataset *ds, uint64_t row)
{
    for (size_t c = 0; c < ds->n_clicks; c++)
        if (sbr_dataset_row(ds, c) == row)
            return ds->times[c];
    CU_FAIL("no click has this row");
    return -1;
}

static uint64_t hash_text(const char *s)
{
    return sbr_hash53(s, strlen(s));
}

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_formats_are_listed_in_help_order_with_a_summary(void)
{
    static const char *const names[] = {"sessions",   "lastfm1k", "retailrocket", "yoochoose",
                                        "diginetica", "30music",  "nowplaying",   "online-retail"};
    size_t n = 0;
    const sbr_format_info *f = sbr_prepare_formats(&n);
    CU_ASSERT_EQUAL_FATAL(n, 8);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(f[i].name, names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f[i].summary);
        CU_ASSERT(strlen(f[i].summary) > 10);
        CU_ASSERT(strlen(f[i].summary) <= 62);          /* an 80-column --help line */
        CU_ASSERT_PTR_NULL(strchr(f[i].summary, '\n')); /* one line */
        sbr_prepare_options opt;
        sbr_err err = {SBR_OK, ""};
        CU_ASSERT_EQUAL(sbr_prepare_options_init(&opt, names[i], &err), SBR_OK);
        CU_ASSERT_STRING_EQUAL(opt.format, names[i]);
    }
}

static void test_an_unknown_format_is_rejected_naming_the_known_ones(void)
{
    sbr_prepare_options opt;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_prepare_options_init(&opt, "lastfm", &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\"lastfm\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "lastfm1k"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "online-retail"));
    CU_ASSERT_EQUAL(sbr_prepare_options_init(&opt, NULL, &err), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "sessions, lastfm1k"));
    /* A caller that edits format after init gets the same answer from sbr_prepare. */
    init_options(&opt, "sessions", false);
    opt.format = "csv";
    static const char *const want[] = {"unknown format \"csv\"", "retailrocket", NULL};
    prepare_fails(SBR_FIXTURES "/sessions-small.tsv", &opt, SBR_EINVAL, want);
}

static void test_filter_defaults_follow_session_rec_per_format(void)
{
    /* session-rec conf/preprocess: music data 2 / support 2 / length 5; e-commerce 2 / 5 / 2
     * (rsc15 and diginetica run the first pass with min_session_length, which is 2). */
    static const struct {
        const char *format;
        size_t first, support, length;
    } want[] = {{"sessions", 2, 5, 2},   {"lastfm1k", 2, 2, 5},     {"retailrocket", 2, 5, 2},
                {"yoochoose", 2, 5, 2},  {"diginetica", 2, 5, 2},   {"30music", 2, 2, 5},
                {"nowplaying", 2, 2, 5}, {"online-retail", 2, 5, 2}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sbr_prepare_options opt;
        init_options(&opt, want[i].format, false);
        CU_ASSERT_EQUAL(opt.filter.first_min_session_length, want[i].first);
        CU_ASSERT_EQUAL(opt.filter.min_item_support, want[i].support);
        CU_ASSERT_EQUAL(opt.filter.min_session_length, want[i].length);
        CU_ASSERT_FALSE(opt.filter.collapse_repeats);
        CU_ASSERT_DOUBLE_EQUAL(opt.session_gap_s, 1800.0, 0);
        CU_ASSERT_STRING_EQUAL(opt.events, "view");
        CU_ASSERT_FALSE(opt.load.skip_bad_rows);
    }
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", false);
    CU_ASSERT_FALSE(opt.load.has_header);
    CU_ASSERT_EQUAL(opt.load.table.delimiter, '\t');
    CU_ASSERT_FALSE(opt.load.table.quoting);
    init_options(&opt, "yoochoose", false);
    CU_ASSERT_FALSE(opt.load.has_header);
    CU_ASSERT_EQUAL(opt.load.table.delimiter, ',');
    init_options(&opt, "diginetica", false);
    CU_ASSERT_TRUE(opt.load.has_header);
    CU_ASSERT_EQUAL(opt.load.table.delimiter, ';');
}

static void test_bad_options_are_rejected_naming_the_option(void)
{
    const char *path = FIXTURE("retailrocket-events.csv");
    sbr_prepare_options opt;
    static const char *const gap[] = {"session_gap_s", NULL};
    static const double bad_gaps[] = {0.0, -60.0, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        init_options(&opt, "retailrocket", false);
        opt.session_gap_s = bad_gaps[i];
        prepare_fails(path, &opt, SBR_EINVAL, gap);
    }
    static const char *const events_empty[] = {"events=\"\"", "empty event type", NULL};
    init_options(&opt, "retailrocket", false);
    opt.events = "";
    prepare_fails(path, &opt, SBR_EINVAL, events_empty);
    static const char *const events_hole[] = {"events=\"view,,addtocart\"", NULL};
    opt.events = "view,,addtocart";
    prepare_fails(path, &opt, SBR_EINVAL, events_hole);
    static const char *const events_null[] = {"events", NULL};
    opt.events = NULL;
    prepare_fails(path, &opt, SBR_EINVAL, events_null);

    static const char *const support[] = {"min_item_support", NULL};
    init_options(&opt, "retailrocket", false);
    opt.filter.min_item_support = 0;
    prepare_fails(path, &opt, SBR_EINVAL, support);

    /* Raw dumps have fixed columns and time units: settings that would be ignored are errors. */
    static const char *const columns[] = {"lastfm1k has fixed columns", NULL};
    init_options(&opt, "lastfm1k", false);
    opt.load.columns[SBR_COL_ITEM] = "3";
    prepare_fails(FIXTURE("lastfm1k-gap.tsv"), &opt, SBR_EINVAL, columns);
    static const char *const scale[] = {"retailrocket has a fixed time unit", NULL};
    init_options(&opt, "retailrocket", false);
    opt.load.time_scale = 0.001;
    prepare_fails(path, &opt, SBR_EINVAL, scale);
}

static void test_a_missing_or_empty_file_is_an_error(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "retailrocket", false);
    static const char *const missing[] = {"no-such-events.csv", "cannot open", NULL};
    prepare_fails(FIXTURE("no-such-events.csv"), &opt, SBR_EIO, missing);
    const char *path =
        test_write_text("rr-header-only.csv", "timestamp,visitorid,event,itemid,transactionid\n");
    static const char *const header_only[] = {"rr-header-only.csv", "no data rows", NULL};
    prepare_fails(path, &opt, SBR_EPARSE, header_only);
    init_options(&opt, "diginetica", false);
    path = test_write_text("dg-no-timeframe.csv",
                           "sessionId;userId;itemId;eventdate\n1;NA;5;2016-05-09\n");
    static const char *const no_column[] = {"dg-no-timeframe.csv:1:", "no timeframe column",
                                            "\"eventdate\"", NULL};
    prepare_fails(path, &opt, SBR_EPARSE, no_column);
}

/* ------------------------------------------------------------------------------------------ */
/* sessions, 30music, nowplaying                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_sessions_format_reads_a_session_file(void)
{
    /* sessions-small.tsv: 12 rows, sessions 1-5 (session 5 has one click), items 10, 11, 12,
     * 13, 99, counted by eye. */
    sbr_prepare_options opt;
    init_options(&opt, "sessions", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(SBR_FIXTURES "/sessions-small.tsv", &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 12);
    CU_ASSERT_EQUAL(st.load.rows_kept, 12);
    CU_ASSERT_EQUAL(st.n_counters, 0);
    CU_ASSERT_EQUAL(st.sessions_built, 5);
    CU_ASSERT_EQUAL(ds->n_sessions, 5);
    CU_ASSERT_EQUAL(ds->n_items, 5);
    sbr_dataset_free(ds);
}

/* music-sessions.tsv (UserId, SessionId, ItemId, Time, ArtistId):
 *   s10: 1 2 3 4 5 1   s11: 1 2 3 4 9   s12: 1   s13: 1 2 3 4
 * Music defaults (2 / 2 / 5): step 1 drops s12 (1 click); supports after it: item 1 = 4,
 * 2 = 3, 3 = 3, 4 = 3, 5 = 1, 9 = 1, so step 2 drops items 5 and 9 (2 clicks); step 3 drops
 * s11 (now 4 clicks) and s13 (4 clicks). Left: s10 = 1 2 3 4 1, 5 clicks, 4 items. */
static void test_music_formats_apply_the_music_filter_defaults(void)
{
    static const char *const music[] = {"30music", "nowplaying"};
    for (size_t f = 0; f < 2; f++) {
        sbr_prepare_options opt;
        init_options(&opt, music[f], false);
        sbr_prepare_stats st;
        sbr_dataset *ds = prepare_ok(FIXTURE("music-sessions.tsv"), &opt, &st);
        CU_ASSERT_EQUAL(st.load.rows_read, 16);
        CU_ASSERT_EQUAL(st.sessions_built, 4);
        CU_ASSERT_EQUAL(st.filter.short_first_sessions, 1);
        CU_ASSERT_EQUAL(st.filter.short_first_clicks, 1);
        CU_ASSERT_EQUAL(st.filter.rare_items, 2);
        CU_ASSERT_EQUAL(st.filter.rare_clicks, 2);
        CU_ASSERT_EQUAL(st.filter.short_sessions, 2);
        CU_ASSERT_EQUAL(st.filter.short_clicks, 8);
        CU_ASSERT_EQUAL_FATAL(ds->n_sessions, 1);
        static const uint64_t rows[] = {0, 1, 2, 3, 5}; /* row 4 was item 5 */
        check_session(ds, 0, 10, rows, 5);
        CU_ASSERT_EQUAL(ds->n_items, 4);
        sbr_dataset_free(ds);
    }
    /* The e-commerce defaults (2 / 5 / 2) remove everything here: no item has 5 clicks. */
    sbr_prepare_options opt;
    init_options(&opt, "sessions", false);
    sbr_dataset *ds = prepare_ok(FIXTURE("music-sessions.tsv"), &opt, NULL);
    CU_ASSERT_EQUAL(ds->n_sessions, 0);
    sbr_dataset_free(ds);
}

/* ------------------------------------------------------------------------------------------ */
/* lastfm1k                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* lastfm1k-gap.tsv, newest first as in the real file, users interleaved (times on 2009-05-04):
 *   row 0 u2 11:29:59   row 1 u10 12:00:00  row 2 u2 11:00:01   row 3 u1 12:00:00
 *   row 4 u1 10:20:00   row 5 u2 10:30:00   row 6 u1 10:10:00   row 7 u2 10:00:00
 * u2: 10:00:00 -> 10:30:00 is exactly 1800 s (same session), -> 11:00:01 is 1801 s (new),
 * -> 11:29:59 is 1798 s (same). u1: 10:10, 10:20, then 6000 s to 12:00 (new). u10: one click.
 * By (first time, user text): 1 = u2 10:00 (rows 7, 5), 2 = u1 10:10 (rows 6, 4),
 * 3 = u2 11:00:01 (rows 2, 0), 4 = u1 12:00 (row 3), 5 = u10 12:00 (row 1): "u1" < "u10",
 * although u10 comes first in the file. */
static void test_lastfm1k_cuts_sessions_per_user_at_the_gap_whatever_the_row_order(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(FIXTURE("lastfm1k-gap.tsv"), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 8);
    CU_ASSERT_EQUAL(st.load.rows_kept, 8);
    CU_ASSERT_EQUAL(sbr_load_stats_dropped(&st.load), 0);
    CU_ASSERT_EQUAL(st.sessions_built, 5);
    CU_ASSERT_EQUAL_FATAL(ds->n_sessions, 5);
    static const uint64_t s1[] = {7, 5}, s2[] = {6, 4}, s3[] = {2, 0}, s4[] = {3}, s5[] = {1};
    check_session(ds, 0, 1, s1, 2);
    check_session(ds, 1, 2, s2, 2);
    check_session(ds, 2, 3, s3, 2);
    check_session(ds, 3, 4, s4, 1);
    check_session(ds, 4, 5, s5, 1);
    /* 2009-05-04T10:00:00Z = 1241431200 (python3 datetime, UTC). */
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 7), 1241431200.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 0), 1241431200.0 + 5399, 0);
    /* Items are the hashed track ids; t-1 is listened to by u1 and u2; the quote in row 0's
     * track name is text (quoting is off). */
    CU_ASSERT_EQUAL(item_of_row(ds, 7), hash_text("t-1"));
    CU_ASSERT_EQUAL(item_of_row(ds, 6), hash_text("t-1"));
    CU_ASSERT_EQUAL(item_of_row(ds, 0), hash_text("t-4"));
    CU_ASSERT_EQUAL(item_of_row(ds, 4), hash_text("Art\tSong")); /* empty track id */
    CU_ASSERT_EQUAL(ds->n_items, 7);
    sbr_dataset_free(ds);
}

static void test_lastfm1k_gap_threshold_follows_session_gap_s(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    /* Gap 1801 s: u2's 1801 s pause no longer splits, so u2 has one session of 4 clicks:
     * 1 = u2 10:00 (rows 7, 5, 2, 0), 2 = u1 10:10, 3 = u1 12:00, 4 = u10 12:00. */
    opt.session_gap_s = 1801;
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(FIXTURE("lastfm1k-gap.tsv"), &opt, &st);
    CU_ASSERT_EQUAL(st.sessions_built, 4);
    static const uint64_t a1[] = {7, 5, 2, 0}, a2[] = {6, 4}, a3[] = {3}, a4[] = {1};
    check_session(ds, 0, 1, a1, 4);
    check_session(ds, 1, 2, a2, 2);
    check_session(ds, 2, 3, a3, 1);
    check_session(ds, 3, 4, a4, 1);
    sbr_dataset_free(ds);
    /* Gap 1799 s: the 1800 s pause splits too; the 1798 s one does not. Sessions by first
     * time: u2 10:00, u1 10:10, u2 10:30, u2 11:00:01, u1 12:00, u10 12:00. */
    opt.session_gap_s = 1799;
    ds = prepare_ok(FIXTURE("lastfm1k-gap.tsv"), &opt, &st);
    CU_ASSERT_EQUAL(st.sessions_built, 6);
    static const uint64_t b1[] = {7}, b2[] = {6, 4}, b3[] = {5}, b4[] = {2, 0}, b5[] = {3},
                          b6[] = {1};
    check_session(ds, 0, 1, b1, 1);
    check_session(ds, 1, 2, b2, 2);
    check_session(ds, 2, 3, b3, 1);
    check_session(ds, 3, 4, b4, 2);
    check_session(ds, 4, 5, b5, 1);
    check_session(ds, 5, 6, b6, 1);
    sbr_dataset_free(ds);
}

static void test_lastfm1k_without_a_track_id_hashes_artist_and_track_name(void)
{
    /* Rows 0 and 1: same artist and track, no track id: one item, hash of "Art\tSong".
     * Row 2: same track name by another artist: another item. Row 3: a track id wins. */
    const char *path =
        test_write_text("lastfm-names.tsv", "u1\t2009-05-04T10:00:00Z\ta1\tArt\t\tSong\n"
                                            "u1\t2009-05-04T10:01:00Z\ta1\tArt\t\tSong\n"
                                            "u1\t2009-05-04T10:02:00Z\ta2\tOther\t\tSong\n"
                                            "u1\t2009-05-04T10:03:00Z\ta1\tArt\tmb-1\tSong\n");
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    sbr_dataset *ds = prepare_ok(path, &opt, NULL);
    CU_ASSERT_EQUAL(ds->n_sessions, 1);
    CU_ASSERT_EQUAL(ds->n_items, 3);
    CU_ASSERT_EQUAL(item_of_row(ds, 0), hash_text("Art\tSong"));
    CU_ASSERT_EQUAL(item_of_row(ds, 1), hash_text("Art\tSong"));
    CU_ASSERT_EQUAL(item_of_row(ds, 2), hash_text("Other\tSong"));
    CU_ASSERT_EQUAL(item_of_row(ds, 3), hash_text("mb-1"));
    sbr_dataset_free(ds);
}

static void test_lastfm1k_reads_the_shared_extract(void)
{
    if (test_data_dir() == NULL)
        return;
    const char *path = test_data_path("raw-samples/lastfm-1k-extract.tsv");
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(path, &opt, &st);
    /* python3: split lines on '\t' -> 5000 rows of 6 fields; group by user, sort (time, row),
     * new session when t - prev > 1800 -> 323 sessions; distinct (traid or artname+'\t'+
     * traname) -> 1192 items. */
    CU_ASSERT_EQUAL(st.load.rows_read, 5000);
    CU_ASSERT_EQUAL(st.load.rows_kept, 5000);
    CU_ASSERT_EQUAL(sbr_load_stats_dropped(&st.load), 0);
    CU_ASSERT_EQUAL(st.sessions_built, 323);
    CU_ASSERT_EQUAL(ds->n_sessions, 323);
    CU_ASSERT_EQUAL(ds->n_clicks, 5000);
    CU_ASSERT_EQUAL(ds->n_items, 1192);
    /* Ids are 1..323 and follow time (first clicks never go back). */
    for (size_t s = 0; s < ds->n_sessions; s++) {
        CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, s), s + 1);
        if (s > 0)
            CU_ASSERT(ds->times[ds->offsets[s]] >= ds->times[ds->offsets[s - 1]]);
    }
    sbr_dataset_free(ds);
    /* The same script, then session-rec's one pass with 2 / 2 / 5 (len > 1, then items with
     * >= 2 clicks, then len >= 5) -> 222 sessions, 4336 clicks, 743 items. */
    init_options(&opt, "lastfm1k", false);
    ds = prepare_ok(path, &opt, &st);
    CU_ASSERT_EQUAL(st.sessions_built, 323);
    CU_ASSERT_EQUAL(ds->n_sessions, 222);
    CU_ASSERT_EQUAL(ds->n_clicks, 4336);
    CU_ASSERT_EQUAL(ds->n_items, 743);
    sbr_dataset_free(ds);
}

static void test_lastfm1k_reads_gzip(void)
{
    size_t len = 0;
    char *text = test_read_file(FIXTURE("lastfm1k-gap.tsv"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    const char *path = test_write_file("lastfm-gap.tsv.gz", text, len, true);
    free(text);
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(path, &opt, &st);
    CU_ASSERT_EQUAL(st.sessions_built, 5); /* as the plain fixture */
    CU_ASSERT_EQUAL(ds->n_clicks, 8);
    sbr_dataset_free(ds);
}

static void test_lastfm1k_bad_rows_name_file_line_column_and_text(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    const char *good = "u1\t2009-05-04T10:00:00Z\ta\tA\tt\tT\n";
    char text[256];

    snprintf(text, sizeof text, "%su1\t2009-05-04T10:05:00Z\ta\n", good);
    static const char *const fields[] = {"lf-fields.tsv:2:", "the row has 3 fields",
                                         "column 6 is needed", "--skip-bad-rows", NULL};
    prepare_fails(test_write_text("lf-fields.tsv", text), &opt, SBR_EPARSE, fields);

    snprintf(text, sizeof text, "%s\t2009-05-04T10:05:00Z\ta\tA\tt\tT\n", good);
    static const char *const user[] = {"lf-user.tsv:2:", "column 1 \"userid\": \"\" is empty",
                                       NULL};
    prepare_fails(test_write_text("lf-user.tsv", text), &opt, SBR_EPARSE, user);

    snprintf(text, sizeof text, "%su1\t2009-13-04T10:05:00Z\ta\tA\tt\tT\n", good);
    static const char *const time[] = {
        "lf-time.tsv:2:", "column 2 \"timestamp\": \"2009-13-04T10:05:00Z\"",
        "not a valid calendar date", NULL};
    prepare_fails(test_write_text("lf-time.tsv", text), &opt, SBR_EPARSE, time);

    snprintf(text, sizeof text, "%su1\tyesterday\ta\tA\tt\tT\n", good);
    static const char *const word[] = {"lf-word.tsv:2:", "\"yesterday\"", NULL};
    prepare_fails(test_write_text("lf-word.tsv", text), &opt, SBR_EPARSE, word);
}

static void test_lastfm1k_skip_bad_rows_counts_each_reason(void)
{
    /* Rows: good, 3 fields, empty user, bad time, good (2 min later: same session). */
    const char *path = test_write_text("lf-skip.tsv", "u1\t2009-05-04T10:00:00Z\ta\tA\tt\tT\n"
                                                      "u1\t2009-05-04T10:05:00Z\ta\n"
                                                      "\t2009-05-04T10:05:00Z\ta\tA\tt\tT\n"
                                                      "u1\t2009-05-04T10:61:00Z\ta\tA\tt\tT\n"
                                                      "u1\t2009-05-04T10:02:00Z\ta\tA\tu\tU\n");
    sbr_prepare_options opt;
    init_options(&opt, "lastfm1k", true);
    opt.load.skip_bad_rows = true;
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(path, &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 5);
    CU_ASSERT_EQUAL(st.load.rows_kept, 2);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_MISSING_FIELD], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_SESSION], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_TIME], 1);
    CU_ASSERT_EQUAL(sbr_load_stats_dropped(&st.load), 3);
    static const uint64_t rows[] = {0, 4};
    check_session(ds, 0, 1, rows, 2);
    sbr_dataset_free(ds);

    /* Every row bad: nothing is left to build from, which is an error even when skipping. */
    path = test_write_text("lf-all-bad.tsv", "u1\tnow\ta\tA\tt\tT\nu1\n");
    static const char *const all_bad[] = {"lf-all-bad.tsv", "all 2 data rows", NULL};
    prepare_fails(path, &opt, SBR_EPARSE, all_bad);
}

/* ------------------------------------------------------------------------------------------ */
/* retailrocket                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* retailrocket-events.csv (CRLF), timestamps in ms, file rows:
 *   0 G v3 view      1433221350.250   5 C v7 transaction 1433221500
 *   1 A v7 view      1433221300       6 F v7 view        1433225200
 *   2 B v7 addtocart 1433221400       7 E v7 view        1433225100.500
 *   3 H v3 addtocart 1433221360       8 J v3 transaction 1433231000
 *   4 D v7 view      1433223300       9 I v3 addtocart   1433230000
 * Sessions over all events: v7 {A B C D} (D - C = 1800 s exactly: same session, although
 * D - A = 2000 s: the non-view events bridge it), v7 {E F} (E - D = 1800.5 s), v3 {G H},
 * v3 {I J} (I - H = 8640 s). */
static void test_retailrocket_builds_sessions_over_all_events_then_keeps_views(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "retailrocket", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(FIXTURE("retailrocket-events.csv"), &opt, &st);
    /* Views only: A, D | G | E, F kept; B, C, H, I, J removed (5). v3 {I J} has no view and
     * does not exist. By first view time: 1 = v7 {A D} 1433221300, 2 = v3 {G} 1433221350.25,
     * 3 = v7 {E F} 1433225100.5. */
    CU_ASSERT_EQUAL(st.load.rows_read, 10);
    CU_ASSERT_EQUAL(st.load.rows_kept, 5);
    CU_ASSERT_EQUAL(sbr_load_stats_dropped(&st.load), 0);
    CU_ASSERT_EQUAL_FATAL(st.n_counters, 1);
    CU_ASSERT_STRING_EQUAL(st.counters[0].name, "other_event");
    CU_ASSERT_EQUAL(st.counters[0].count, 5);
    CU_ASSERT_EQUAL(st.sessions_built, 3);
    CU_ASSERT_EQUAL_FATAL(ds->n_sessions, 3);
    static const uint64_t s1[] = {1, 4}, s2[] = {0}, s3[] = {7, 6};
    check_session(ds, 0, 1, s1, 2);
    check_session(ds, 1, 2, s2, 1);
    check_session(ds, 2, 3, s3, 2);
    /* ms -> s: 1433221350250 ms / 1000 = 1433221350.25 and 1433225100500 / 1000 =
     * 1433225100.5, both exact in a double. */
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 0), 1433221350.25, 0);
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 7), 1433225100.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 4), 1433223300.0, 0);
    CU_ASSERT_EQUAL(item_of_row(ds, 4), 101);
    CU_ASSERT_EQUAL(ds->n_items, 4); /* 100, 101, 102, 200 */
    sbr_dataset_free(ds);

    /* A 1799 s gap also splits v7 {A B C} | {D} (1800 s); by first view: 1 = {A}, 2 = {G},
     * 3 = {D}, 4 = {E F}. */
    opt.session_gap_s = 1799;
    ds = prepare_ok(FIXTURE("retailrocket-events.csv"), &opt, &st);
    CU_ASSERT_EQUAL(st.sessions_built, 4);
    static const uint64_t t1[] = {1}, t2[] = {0}, t3[] = {4}, t4[] = {7, 6};
    check_session(ds, 0, 1, t1, 1);
    check_session(ds, 1, 2, t2, 1);
    check_session(ds, 2, 3, t3, 1);
    check_session(ds, 3, 4, t4, 2);
    sbr_dataset_free(ds);
}

static void test_retailrocket_keeps_the_event_types_asked_for(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "retailrocket", true);
    opt.events = "view, addtocart"; /* blanks around names are allowed */
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(FIXTURE("retailrocket-events.csv"), &opt, &st);
    /* Removed: the transactions C and J (2). Sessions: 1 = v7 {A B D} 1433221300,
     * 2 = v3 {G H} 1433221350.25, 3 = v7 {E F} 1433225100.5, 4 = v3 {I} 1433230000. */
    CU_ASSERT_EQUAL(st.load.rows_kept, 8);
    CU_ASSERT_EQUAL(st.counters[0].count, 2);
    CU_ASSERT_EQUAL(st.sessions_built, 4);
    CU_ASSERT_EQUAL_FATAL(ds->n_sessions, 4);
    static const uint64_t s1[] = {1, 2, 4}, s2[] = {0, 3}, s3[] = {7, 6}, s4[] = {9};
    check_session(ds, 0, 1, s1, 3);
    check_session(ds, 1, 2, s2, 2);
    check_session(ds, 2, 3, s3, 2);
    check_session(ds, 3, 4, s4, 1);
    sbr_dataset_free(ds);
    /* An event type that never occurs leaves no session at all. */
    opt.events = "purchase";
    ds = prepare_ok(FIXTURE("retailrocket-events.csv"), &opt, &st);
    CU_ASSERT_EQUAL(ds->n_sessions, 0);
    CU_ASSERT_EQUAL(st.sessions_built, 0);
    CU_ASSERT_EQUAL(st.counters[0].count, 10);
    sbr_dataset_free(ds);
}

static void test_retailrocket_bad_rows_name_file_line_column_and_text(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "retailrocket", true);
    const char *head = "timestamp,visitorid,event,itemid,transactionid\n"
                       "1433221300000,7,view,100,\n";
    char text[256];
    snprintf(text, sizeof text, "%s1433221300000,abc,view,100,\n", head);
    static const char *const visitor[] = {"rr-visitor.csv:3:", "column 2 \"visitorid\": \"abc\"",
                                          "not a non-negative integer", NULL};
    prepare_fails(test_write_text("rr-visitor.csv", text), &opt, SBR_EPARSE, visitor);

    snprintf(text, sizeof text, "%s14332213x0000,7,view,100,\n", head);
    static const char *const time[] = {
        "rr-time.csv:3:", "column 1 \"timestamp\": \"14332213x0000\"", NULL};
    prepare_fails(test_write_text("rr-time.csv", text), &opt, SBR_EPARSE, time);

    snprintf(text, sizeof text, "%s1433221300000,7,view,-5,\n", head);
    static const char *const item[] = {"rr-item.csv:3:", "column 4 \"itemid\": \"-5\"", NULL};
    prepare_fails(test_write_text("rr-item.csv", text), &opt, SBR_EPARSE, item);

    snprintf(text, sizeof text, "%s1433221300000,7\n", head);
    static const char *const fields[] = {"rr-fields.csv:3:", "the row has 2 fields",
                                         "column 4 is needed", NULL};
    prepare_fails(test_write_text("rr-fields.csv", text), &opt, SBR_EPARSE, fields);

    /* Skipping: good, bad visitor, bad time, 2 fields, good (v7, 100 s later). */
    snprintf(text, sizeof text,
             "%s1433221300000,abc,view,100,\n14332213x0000,7,view,100,\n1433221300000,7\n"
             "1433221400000,7,view,101,\n",
             head);
    opt.load.skip_bad_rows = true;
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(test_write_text("rr-skip.csv", text), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 5);
    CU_ASSERT_EQUAL(st.load.rows_kept, 2);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_SESSION], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_TIME], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_MISSING_FIELD], 1);
    CU_ASSERT_EQUAL(st.counters[0].count, 0);
    static const uint64_t rows[] = {0, 4};
    check_session(ds, 0, 1, rows, 2);
    sbr_dataset_free(ds);
}

/* ------------------------------------------------------------------------------------------ */
/* yoochoose                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_yoochoose_reads_iso_times_as_utc_and_ignores_the_category(void)
{
    /* yoochoose-clicks.dat: sessions 1 (3 clicks), 2 (2 clicks of item 214662742, category
     * "S"), 3 (1 click); 5 distinct items. */
    sbr_prepare_options opt;
    init_options(&opt, "yoochoose", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(FIXTURE("yoochoose-clicks.dat"), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 6);
    CU_ASSERT_EQUAL(st.load.rows_kept, 6);
    CU_ASSERT_EQUAL(st.sessions_built, 3);
    CU_ASSERT_EQUAL(ds->n_items, 5);
    static const uint64_t s1[] = {0, 1, 2}, s2[] = {3, 4}, s3[] = {5};
    check_session(ds, 0, 1, s1, 3);
    check_session(ds, 1, 2, s2, 2);
    check_session(ds, 2, 3, s3, 1);
    CU_ASSERT_EQUAL(item_of_row(ds, 3), 214662742);
    CU_ASSERT_EQUAL(item_of_row(ds, 4), 214662742);
    /* 2014-04-07T10:51:09.277Z: 16167 days since 1970 (44 years with 11 leap days = 16071,
     * + 96 days of 2014) * 86400 = 1396828800, + 10:51:09 (39069 s) = 1396867869, + .277. */
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 0), 1396867869.277, 1e-6);
    /* 2014-04-02T13:17:46.940Z = 1396444666.94 (five days earlier; python3 agrees). */
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 5), 1396444666.94, 1e-6);
    sbr_dataset_free(ds);
}

static void test_yoochoose_bad_rows_name_file_line_column_and_text(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "yoochoose", true);
    const char *good = "1,2014-04-07T10:51:09.277Z,214536502,0\n";
    char text[256];
    snprintf(text, sizeof text, "%s4,2014-04-07T25:00:00.000Z,214536502,0\n", good);
    static const char *const time[] = {
        "yc-time.dat:2:", "column 2 \"Time\": \"2014-04-07T25:00:00.000Z\"",
        "not a valid time of day", NULL};
    prepare_fails(test_write_text("yc-time.dat", text), &opt, SBR_EPARSE, time);
    snprintf(text, sizeof text, "%s4,2014-04-07T10:00:00.000Z,x1,S\n", good);
    static const char *const item[] = {"yc-item.dat:2:", "column 3 \"ItemId\": \"x1\"", NULL};
    prepare_fails(test_write_text("yc-item.dat", text), &opt, SBR_EPARSE, item);

    snprintf(text, sizeof text,
             "%s4,2014-04-07T25:00:00.000Z,214536502,0\n4,2014-04-07T10:00:00.000Z,x1,S\n"
             "1,2014-04-07T10:52:00.000Z,214536503,0\n",
             good);
    opt.load.skip_bad_rows = true;
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(test_write_text("yc-skip.dat", text), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 4);
    CU_ASSERT_EQUAL(st.load.rows_kept, 2);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_TIME], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_ITEM], 1);
    static const uint64_t rows[] = {0, 3};
    check_session(ds, 0, 1, rows, 2);
    sbr_dataset_free(ds);
}

/* ------------------------------------------------------------------------------------------ */
/* diginetica                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_diginetica_time_is_midnight_utc_plus_timeframe(void)
{
    /* Both header spellings, same rows. 2016-05-09: 46 years with 11 leap days = 16801 days,
     * + Jan 31 + Feb 29 + Mar 31 + Apr 30 + 8 = 129 days -> 16930 days * 86400 = 1462752000
     * (python3's datetime(2016, 5, 9, tzinfo=utc).timestamp() agrees); timeframe 526309 ms
     * adds 526.309 s. */
    const char *snake =
        test_write_text("dg-snake.csv", "session_id;user_id;item_id;timeframe;eventdate\n"
                                        "1;NA;81766;526309;2016-05-09\n"
                                        "1;NA;31331;1031018;2016-05-09\n"
                                        "2;5;9654;75848;2016-05-10\n");
    for (int k = 0; k < 2; k++) {
        const char *path = k == 0 ? FIXTURE("diginetica-views.csv") : snake;
        sbr_prepare_options opt;
        init_options(&opt, "diginetica", true);
        sbr_prepare_stats st;
        sbr_dataset *ds = prepare_ok(path, &opt, &st);
        CU_ASSERT_EQUAL(st.load.rows_read, 3);
        CU_ASSERT_EQUAL(st.load.rows_kept, 3);
        CU_ASSERT_EQUAL(st.sessions_built, 2);
        static const uint64_t s1[] = {0, 1}, s2[] = {2};
        check_session(ds, 0, 1, s1, 2);
        check_session(ds, 1, 2, s2, 1);
        CU_ASSERT_EQUAL(item_of_row(ds, 0), 81766);
        CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 0), 1462752526.309, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 1), 1462753031.018, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 2), 1462838475.848, 1e-6); /* + 86400 */
        sbr_dataset_free(ds);
    }
}

static void test_diginetica_reads_the_shared_sample(void)
{
    if (test_data_dir() == NULL)
        return;
    const char *path = test_data_path("raw-samples/diginetica-sample_train-item-views.csv");
    sbr_prepare_options opt;
    init_options(&opt, "diginetica", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(path, &opt, &st);
    /* python3 csv.reader(delimiter=';') and awk -F';' 'NR>1': 12391 data rows (the last line
     * has no newline), 2986 distinct session_id, 7139 distinct item_id. */
    CU_ASSERT_EQUAL(st.load.rows_read, 12391);
    CU_ASSERT_EQUAL(st.load.rows_kept, 12391);
    CU_ASSERT_EQUAL(st.sessions_built, 2986);
    CU_ASSERT_EQUAL(ds->n_sessions, 2986);
    CU_ASSERT_EQUAL(ds->n_items, 7139);
    /* First row 1;NA;81766;526309;2016-05-09: 1462752000 + 526.309 (python3). */
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 0), 1462752526.309, 1e-6);
    sbr_dataset_free(ds);
    /* The same script with session-rec's 2 / 5 / 2 one pass -> 525 sessions, 1877 clicks,
     * 317 items. */
    init_options(&opt, "diginetica", false);
    ds = prepare_ok(path, &opt, &st);
    CU_ASSERT_EQUAL(ds->n_sessions, 525);
    CU_ASSERT_EQUAL(ds->n_clicks, 1877);
    CU_ASSERT_EQUAL(ds->n_items, 317);
    sbr_dataset_free(ds);
}

static void test_diginetica_bad_rows_name_file_line_column_and_text(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "diginetica", true);
    const char *head = "sessionId;userId;itemId;timeframe;eventdate\n1;NA;5;100;2016-05-09\n";
    char text[256];
    snprintf(text, sizeof text, "%s2;NA;6;100;2016-02-30\n", head);
    static const char *const date[] = {"dg-date.csv:3:", "column 5 \"eventdate\": \"2016-02-30\"",
                                       "not a valid calendar date", NULL};
    prepare_fails(test_write_text("dg-date.csv", text), &opt, SBR_EPARSE, date);
    snprintf(text, sizeof text, "%s2;NA;6;100;2016/05/09\n", head);
    static const char *const layout[] = {"dg-layout.csv:3:", "\"2016/05/09\"",
                                         "is not a date YYYY-MM-DD", NULL};
    prepare_fails(test_write_text("dg-layout.csv", text), &opt, SBR_EPARSE, layout);
    snprintf(text, sizeof text, "%s2;NA;6;12a;2016-05-09\n", head);
    static const char *const frame[] = {"dg-frame.csv:3:", "column 4 \"timeframe\": \"12a\"", NULL};
    prepare_fails(test_write_text("dg-frame.csv", text), &opt, SBR_EPARSE, frame);
    snprintf(text, sizeof text, "%sNA;NA;6;100;2016-05-09\n", head);
    static const char *const session[] = {"dg-session.csv:3:", "column 1 \"sessionId\": \"NA\"",
                                          NULL};
    prepare_fails(test_write_text("dg-session.csv", text), &opt, SBR_EPARSE, session);

    snprintf(text, sizeof text,
             "%s2;NA;6;100;2016-02-30\n2;NA;6;100;2016/05/09\n2;NA;6;12a;2016-05-09\n"
             "1;NA;7;200;2016-05-09\n",
             head);
    opt.load.skip_bad_rows = true;
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(test_write_text("dg-skip.csv", text), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 5);
    CU_ASSERT_EQUAL(st.load.rows_kept, 2);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_TIME], 3);
    static const uint64_t rows[] = {0, 4};
    check_session(ds, 0, 1, rows, 2);
    sbr_dataset_free(ds);
}

/* ------------------------------------------------------------------------------------------ */
/* online-retail                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* online-retail.csv (CRLF): rows 0, 1 invoice 536365 at 12/1/2010 8:26 (row 1's Description
 * is quoted and holds a comma); row 2 invoice 536366 at ISO 2010-12-01 08:28:00 (quoted, two
 * commas); row 3 C536379 (cancelled); row 4 A563185 (adjustment); row 5 536366 at
 * 12/1/2010 8:28. 2010-12-01: 40 years with 10 leap days (14610 days) + 334 days = 14944 days
 * = 1291161600 s; 8:26 adds 30360 s -> 1291191960, 8:28 -> 1291192080 (python3 agrees). */
static void test_online_retail_sessions_are_invoices_and_cancellations_are_counted(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "online-retail", true);
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(FIXTURE("online-retail.csv"), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 6);
    CU_ASSERT_EQUAL(st.load.rows_kept, 4);
    CU_ASSERT_EQUAL(sbr_load_stats_dropped(&st.load), 0);
    CU_ASSERT_EQUAL_FATAL(st.n_counters, 2);
    CU_ASSERT_STRING_EQUAL(st.counters[0].name, "cancelled");
    CU_ASSERT_EQUAL(st.counters[0].count, 1);
    CU_ASSERT_STRING_EQUAL(st.counters[1].name, "adjustment");
    CU_ASSERT_EQUAL(st.counters[1].count, 1);
    CU_ASSERT_EQUAL(st.sessions_built, 2);
    static const uint64_t s1[] = {0, 1}, s2[] = {2, 5}; /* equal times keep file order */
    check_session(ds, 0, 536365, s1, 2);
    check_session(ds, 1, 536366, s2, 2);
    CU_ASSERT_EQUAL(item_of_row(ds, 0), hash_text("85123A"));
    CU_ASSERT_EQUAL(item_of_row(ds, 1), hash_text("71053"));
    CU_ASSERT_EQUAL(item_of_row(ds, 2), hash_text("22633"));
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 0), 1291191960.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 2), 1291192080.0, 0); /* ISO */
    CU_ASSERT_DOUBLE_EQUAL(time_of_row(ds, 5), 1291192080.0, 0); /* M/D/YYYY H:MM */
    sbr_dataset_free(ds);
}

static void test_online_retail_bad_rows_name_file_line_column_and_text(void)
{
    sbr_prepare_options opt;
    init_options(&opt, "online-retail", true);
    const char *head = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
                       "CustomerID,Country\n536365,71053,\"LANTERN, WHITE\",6,12/1/2010 8:26,3.39,"
                       "17850,United Kingdom\n";
    char text[512];
    snprintf(text, sizeof text, "%s536366,22633,X,6,13/1/2010 8:26,1,1,UK\n", head);
    static const char *const month[] = {
        "or-month.csv:3:", "column 5 \"InvoiceDate\": \"13/1/2010 8:26\"",
        "not a valid calendar date", NULL};
    prepare_fails(test_write_text("or-month.csv", text), &opt, SBR_EPARSE, month);
    snprintf(text, sizeof text, "%s536366,22633,X,6,12/1/10 8:26,1,1,UK\n", head);
    static const char *const year[] = {"or-year.csv:3:", "\"12/1/10 8:26\"",
                                       "is not a date-time M/D/YYYY H:MM", NULL};
    prepare_fails(test_write_text("or-year.csv", text), &opt, SBR_EPARSE, year);
    snprintf(text, sizeof text, "%s536366,22633,X,6,12/1/2010 24:00,1,1,UK\n", head);
    static const char *const hour[] = {"or-hour.csv:3:", "not a valid time of day", NULL};
    prepare_fails(test_write_text("or-hour.csv", text), &opt, SBR_EPARSE, hour);
    snprintf(text, sizeof text, "%s53x65,22633,X,6,12/1/2010 8:26,1,1,UK\n", head);
    static const char *const invoice[] = {"or-invoice.csv:3:", "column 1 \"InvoiceNo\": \"53x65\"",
                                          NULL};
    prepare_fails(test_write_text("or-invoice.csv", text), &opt, SBR_EPARSE, invoice);
    snprintf(text, sizeof text, "%s536366,,X,6,12/1/2010 8:26,1,1,UK\n", head);
    static const char *const stock[] = {"or-stock.csv:3:", "column 2 \"StockCode\": \"\" is empty",
                                        NULL};
    prepare_fails(test_write_text("or-stock.csv", text), &opt, SBR_EPARSE, stock);

    /* Skipping: month 13, 2-digit year, bad invoice, empty StockCode, broken quoting, then a
     * good row of invoice 536365 (8:27). */
    snprintf(text, sizeof text,
             "%s536366,22633,X,6,13/1/2010 8:26,1,1,UK\n536366,22633,X,6,12/1/10 8:26,1,1,UK\n"
             "53x65,22633,X,6,12/1/2010 8:26,1,1,UK\n536366,,X,6,12/1/2010 8:26,1,1,UK\n"
             "536366,22633,\"A \"B\" C\",6,12/1/2010 8:26,1,1,UK\n"
             "536365,22632,X,6,12/1/2010 8:27,1,1,UK\n",
             head);
    opt.load.skip_bad_rows = true;
    sbr_prepare_stats st;
    sbr_dataset *ds = prepare_ok(test_write_text("or-skip.csv", text), &opt, &st);
    CU_ASSERT_EQUAL(st.load.rows_read, 7);
    CU_ASSERT_EQUAL(st.load.rows_kept, 2);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_TIME], 2);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_SESSION], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_BAD_ITEM], 1);
    CU_ASSERT_EQUAL(st.load.dropped[SBR_DROP_MALFORMED], 1);
    CU_ASSERT_EQUAL(ds->n_sessions, 1);
    CU_ASSERT_EQUAL(ds->n_clicks, 2);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {
    {"formats are listed in help order with a summary",
     test_formats_are_listed_in_help_order_with_a_summary},
    {"an unknown format is rejected naming the known ones",
     test_an_unknown_format_is_rejected_naming_the_known_ones},
    {"filter defaults follow session-rec per format",
     test_filter_defaults_follow_session_rec_per_format},
    {"bad options are rejected naming the option", test_bad_options_are_rejected_naming_the_option},
    {"a missing or empty file is an error", test_a_missing_or_empty_file_is_an_error},
    {"sessions format reads a session file", test_sessions_format_reads_a_session_file},
    {"music formats apply the music filter defaults",
     test_music_formats_apply_the_music_filter_defaults},
    {"lastfm1k cuts sessions per user at the gap, whatever the row order",
     test_lastfm1k_cuts_sessions_per_user_at_the_gap_whatever_the_row_order},
    {"lastfm1k gap threshold follows session_gap_s",
     test_lastfm1k_gap_threshold_follows_session_gap_s},
    {"lastfm1k without a track id hashes artist and track name",
     test_lastfm1k_without_a_track_id_hashes_artist_and_track_name},
    {"lastfm1k reads the shared extract", test_lastfm1k_reads_the_shared_extract},
    {"lastfm1k reads gzip", test_lastfm1k_reads_gzip},
    {"lastfm1k bad rows name file, line, column and text",
     test_lastfm1k_bad_rows_name_file_line_column_and_text},
    {"lastfm1k skip_bad_rows counts each reason", test_lastfm1k_skip_bad_rows_counts_each_reason},
    {"retailrocket builds sessions over all events, then keeps views",
     test_retailrocket_builds_sessions_over_all_events_then_keeps_views},
    {"retailrocket keeps the event types asked for",
     test_retailrocket_keeps_the_event_types_asked_for},
    {"retailrocket bad rows name file, line, column and text",
     test_retailrocket_bad_rows_name_file_line_column_and_text},
    {"yoochoose reads ISO times as UTC and ignores the category",
     test_yoochoose_reads_iso_times_as_utc_and_ignores_the_category},
    {"yoochoose bad rows name file, line, column and text",
     test_yoochoose_bad_rows_name_file_line_column_and_text},
    {"diginetica time is midnight UTC plus timeframe",
     test_diginetica_time_is_midnight_utc_plus_timeframe},
    {"diginetica reads the shared sample", test_diginetica_reads_the_shared_sample},
    {"diginetica bad rows name file, line, column and text",
     test_diginetica_bad_rows_name_file_line_column_and_text},
    {"online-retail sessions are invoices and cancellations are counted",
     test_online_retail_sessions_are_invoices_and_cancellations_are_counted},
    {"online-retail bad rows name file, line, column and text",
     test_online_retail_bad_rows_name_file_line_column_and_text},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_prepare = {"prepare", NULL, NULL, NULL, NULL, tests};
