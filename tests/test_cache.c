/* The binary dataset cache (data/cache.c): a round trip gives the identical dataset through
 * every loading entry point; every corrupted header field, section byte, truncation, wrong
 * version, broken invariant and stale source is refused with a message naming the file and
 * the fault. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/cache.h"
#include "data/load.h"
#include "test_util.h"

static const char source_text[] = "SessionId\tItemId\tTime\tCatId\n"
                                  "3\t30\t100.5\tx\n"
                                  "1\t10\t10\tx\n"
                                  "1\t20\t5\ty\n"
                                  "2\t10\t7.25\tz\n"
                                  "3\t40\t99\tx\n"
                                  "1\t10\t12e0\ty\n";

static bool same_dataset(const sbr_dataset *a, const sbr_dataset *b)
{
    return a->n_sessions == b->n_sessions && a->n_clicks == b->n_clicks &&
           a->n_items == b->n_items &&
           memcmp(a->offsets, b->offsets, (a->n_sessions + 1) * sizeof *a->offsets) == 0 &&
           memcmp(a->items, b->items, a->n_clicks * sizeof *a->items) == 0 &&
           memcmp(a->times, b->times, a->n_clicks * sizeof *a->times) == 0 &&
           test_same_rows(a, b) && test_same_session_ids(a, b) &&
           memcmp(a->item_ids, b->item_ids, a->n_items * sizeof *a->item_ids) == 0;
}

static sbr_dataset *load_source(const char **path)
{
    *path = test_write_text("source.tsv", source_text);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(*path, &opt, &ds, NULL, &err), SBR_OK);
    return ds;
}

/* A valid cache of the source at cache.sbrd, its bytes in *bytes (caller frees). */
static const char *write_cache(sbr_dataset **ds, unsigned char **bytes, size_t *len)
{
    const char *src;
    *ds = load_source(&src);
    static char path[4096];
    snprintf(path, sizeof path, "%s/cache.sbrd", test_tmpdir());
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_cache_write(*ds, path, src, &err), SBR_OK);
    *bytes = (unsigned char *)test_read_file(path, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(*bytes);
    return path;
}

/* Writes bytes to bad.sbrd and expects the load to fail with rc and the fragment. */
static void expect_refused(const unsigned char *bytes, size_t len, sbr_rc rc, const char *frag)
{
    const char *path = test_write_file("bad.sbrd", bytes, len, false);
    sbr_dataset *ds = (sbr_dataset *)&ds;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_cache_load(path, &ds, &err), rc);
    CU_ASSERT_PTR_NULL(ds);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bad.sbrd"));
    if (strstr(err.msg, frag) == NULL) {
        fprintf(stderr, "\nexpected \"%s\" in \"%s\"\n", frag, err.msg);
        CU_FAIL("the message does not name the fault");
    }
}

/* The end of the padded source path: where the sections start. */
static size_t sections_start(const unsigned char *bytes)
{
    uint64_t path_len;
    memcpy(&path_len, bytes + 64, sizeof path_len);
    return 144 + (size_t)(path_len + 7) / 8 * 8;
}

/* Recomputes the header checksum after a deliberate change to a header field. */
static void reseal(unsigned char *bytes)
{
    uint64_t sum =
        sbr_cache_hash(bytes, 136) ^ sbr_cache_hash(bytes + 144, sections_start(bytes) - 144);
    memcpy(bytes + 136, &sum, sizeof sum);
}

static void test_a_round_trip_gives_the_identical_dataset(void)
{
    sbr_dataset *ds;
    unsigned char *bytes;
    size_t len;
    const char *path = write_cache(&ds, &bytes, &len);
    sbr_dataset *back = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_cache_load(path, &back, &err), SBR_OK);
    CU_ASSERT(same_dataset(ds, back));
    sbr_dataset_free(back);

    /* The loading entry points take it transparently, alone and beside a session file. */
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_load_stats st;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &opt, &back, &st, &err), SBR_OK);
    CU_ASSERT(same_dataset(ds, back));
    CU_ASSERT(st.cache);
    CU_ASSERT_EQUAL(st.rows_kept, ds->n_clicks);
    sbr_dataset_free(back);
    const char *src = test_write_text("copy.tsv", source_text); /* source.tsv stays as it is */
    const char *mixed[2] = {path, src}, *plain[2] = {src, src};
    sbr_dataset *a = NULL, *b = NULL;
    sbr_rc rc = sbr_load_sessions_many(mixed, 2, &opt, &a, NULL, &err);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions_many(plain, 2, &opt, &b, NULL, &err), SBR_OK);
    CU_ASSERT(same_dataset(a, b));
    sbr_dataset_free(a);
    sbr_dataset_free(b);
    sbr_dataset_free(ds);
    free(bytes);
}

static void test_every_corrupted_byte_is_refused(void)
{
    sbr_dataset *ds;
    unsigned char *bytes;
    size_t len;
    write_cache(&ds, &bytes, &len);
    /* The magic bytes, the version and byte order, the rest of the header and the source's
     * path (its checksum), then the sections (theirs) and their padding. */
    size_t start = sections_start(bytes);
    for (size_t i = 0; i < len; i++) {
        bytes[i] ^= 0x10;
        if (i < 8)
            expect_refused(bytes, len, SBR_EPARSE, "not an sbr dataset cache");
        else if (i < 8 + 4 + 4)
            expect_refused(bytes, len, SBR_EPARSE, "version");
        else if (i < start)
            expect_refused(bytes, len, SBR_EPARSE, "header's checksum");
        else
            expect_refused(bytes, len, SBR_EPARSE, "corrupt cache");
        bytes[i] ^= 0x10;
    }
    free(bytes);
    sbr_dataset_free(ds);
}

static void test_each_section_is_named_when_its_bytes_are_wrong(void)
{
    sbr_dataset *ds;
    unsigned char *bytes;
    size_t len;
    write_cache(&ds, &bytes, &len);
    size_t at = sections_start(bytes);
    size_t sizes[6] = {(ds->n_sessions + 1) * 8, ds->n_clicks * 4,   ds->n_clicks * 8,
                       ds->n_clicks * 8,         ds->n_sessions * 8, ds->n_items * 8};
    const char *names[6] = {"offsets", "items", "times", "rows", "session_ids", "item_ids"};
    for (int k = 0; k < 6; k++) {
        bytes[at] ^= 1;
        char frag[64];
        snprintf(frag, sizeof frag, "section %s is wrong", names[k]);
        expect_refused(bytes, len, SBR_EPARSE, frag);
        bytes[at] ^= 1;
        at += (sizes[k] + 7) / 8 * 8;
    }
    CU_ASSERT_EQUAL(at, len);
    free(bytes);
    sbr_dataset_free(ds);
}

static void test_truncation_wrong_version_and_counts_are_refused(void)
{
    sbr_dataset *ds;
    unsigned char *bytes;
    size_t len;
    write_cache(&ds, &bytes, &len);
    expect_refused(bytes, 0, SBR_EPARSE, "not an sbr dataset cache");
    expect_refused(bytes, 100, SBR_EPARSE, "not an sbr dataset cache");
    for (size_t cut = 144; cut < len; cut += 8) /* in the path, its checksum fails first */
        expect_refused(bytes, cut, SBR_EPARSE,
                       cut < sections_start(bytes) ? "corrupt" : "truncated");
    uint32_t version = SBR_CACHE_VERSION + 1;
    memcpy(bytes + 8, &version, sizeof version);
    reseal(bytes);
    char want[64];
    snprintf(want, sizeof want, "cache format version %d", SBR_CACHE_VERSION + 1);
    expect_refused(bytes, len, SBR_EPARSE, want);
    version = SBR_CACHE_VERSION;
    memcpy(bytes + 8, &version, sizeof version);
    for (int field = 0; field < 3; field++) { /* n_sessions, n_clicks, n_items */
        uint64_t v;
        memcpy(&v, bytes + 16 + 8 * field, sizeof v);
        v += 1;
        memcpy(bytes + 16 + 8 * field, &v, sizeof v);
        reseal(bytes);
        expect_refused(bytes, len, SBR_EPARSE, "need");
        v = UINT64_MAX;
        memcpy(bytes + 16 + 8 * field, &v, sizeof v);
        reseal(bytes);
        expect_refused(bytes, len, SBR_EPARSE, "need");
        v = field == 0 ? ds->n_sessions : field == 1 ? ds->n_clicks : ds->n_items;
        memcpy(bytes + 16 + 8 * field, &v, sizeof v);
    }
    reseal(bytes);
    const char *path = test_write_file("good.sbrd", bytes, len, false);
    sbr_dataset *back = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_cache_load(path, &back, &err), SBR_OK); /* restored: valid again */
    sbr_dataset_free(back);
    free(bytes);
    sbr_dataset_free(ds);
}

/* Writes a deliberately broken dataset (the writer does not check) and expects the fault. */
static void expect_invariant(sbr_dataset *ds, const char *frag)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/broken.sbrd", test_tmpdir());
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_cache_write(ds, path, NULL, &err), SBR_OK);
    sbr_dataset *back = (sbr_dataset *)&back;
    CU_ASSERT_EQUAL(sbr_cache_load(path, &back, &err), SBR_EPARSE);
    CU_ASSERT_PTR_NULL(back);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "broken.sbrd"));
    if (strstr(err.msg, frag) == NULL) {
        fprintf(stderr, "\nexpected \"%s\" in \"%s\"\n", frag, err.msg);
        CU_FAIL("the message does not name the broken invariant");
    }
}

static void test_broken_invariants_are_refused(void)
{
    const char *src;
    sbr_dataset *ds = load_source(&src);
    uint32_t item = ds->items[2];
    ds->items[2] = (uint32_t)ds->n_items;
    expect_invariant(ds, "item index");
    ds->items[2] = item;
    size_t off = ds->offsets[1];
    ds->offsets[1] = ds->offsets[2];
    expect_invariant(ds, "offsets do not ascend");
    ds->offsets[1] = off;
    ds->offsets[0] = 1;
    expect_invariant(ds, "offsets run from 1");
    ds->offsets[0] = 0;
    uint64_t sid = ds->session_ids[1];
    ds->session_ids[1] = ds->session_ids[0];
    expect_invariant(ds, "session ids do not ascend");
    ds->session_ids[1] = sid;
    uint64_t iid = ds->item_ids[1];
    ds->item_ids[1] = ds->item_ids[0];
    expect_invariant(ds, "item ids do not ascend");
    ds->item_ids[1] = iid;
    double t = ds->times[1];
    ds->times[1] = ds->times[0] - 1; /* session 1's clicks out of time order */
    expect_invariant(ds, "out of order");
    ds->times[1] = nan("");
    expect_invariant(ds, "bad time");
    ds->times[1] = t;
    sbr_dataset_free(ds);
}

static void test_a_changed_source_makes_the_cache_stale(void)
{
    sbr_dataset *ds;
    unsigned char *bytes;
    size_t len;
    const char *path = write_cache(&ds, &bytes, &len);
    sbr_dataset *back = NULL;
    sbr_err err = {SBR_OK, ""};
    /* A different size. */
    char longer[sizeof source_text + 16];
    snprintf(longer, sizeof longer, "%s4\t10\t1\tx\n", source_text);
    test_write_text("source.tsv", longer);
    CU_ASSERT_EQUAL(sbr_cache_load(path, &back, &err), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "stale cache"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "source.tsv"));
    /* The same size, written again later (a new modification time). */
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    test_write_text("source.tsv", source_text);
    CU_ASSERT_EQUAL(sbr_cache_load(path, &back, &err), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "modified after"));
    /* Through the loader too, never silently used. */
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    CU_ASSERT_EQUAL(sbr_load_sessions(path, &opt, &back, NULL, &err), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "stale cache"));
    free(bytes);
    sbr_dataset_free(ds);
}

/* A dataset whose rows are implicit (a file in dataset order) round-trips with an empty rows
 * section, and the flag cannot be flipped without the header checksum noticing. */
static void test_implicit_rows_round_trip_with_an_empty_section(void)
{
    const char *src = test_write_text("ordered.tsv", "SessionId\tItemId\tTime\n"
                                                     "1\t10\t5\n1\t20\t6\n2\t10\t7\n");
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL, *back = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(src, &opt, &ds, NULL, &err), SBR_OK);
    CU_ASSERT_PTR_NULL_FATAL(ds->rows);
    char path[4096];
    snprintf(path, sizeof path, "%s/ordered.sbrd", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_cache_write(ds, path, src, &err), SBR_OK);
    size_t len;
    unsigned char *bytes = (unsigned char *)test_read_file(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    /* header, path, offsets 3 x 8, items 3 x 4 padded to 16, times 3 x 8, no rows, session
     * ids 2 x 8, item ids 2 x 8 */
    CU_ASSERT_EQUAL(len, sections_start(bytes) + 24 + 16 + 24 + 16 + 16);
    CU_ASSERT_EQUAL_FATAL(sbr_cache_load(path, &back, &err), SBR_OK);
    CU_ASSERT(same_dataset(ds, back));
    CU_ASSERT_PTR_NULL(back->rows);
    sbr_dataset_free(back);
    bytes[72] ^= 1; /* the flags */
    expect_refused(bytes, len, SBR_EPARSE, "header's checksum");
    reseal(bytes);
    expect_refused(bytes, len, SBR_EPARSE, "need"); /* now it promises a rows section */
    bytes[72] ^= 3;
    reseal(bytes);
    expect_refused(bytes, len, SBR_EPARSE, "unknown flags 0x3");
    free(bytes);
    sbr_dataset_free(ds);
}

/* Session ids that mostly step by one are kept as runs; the cache keeps them so, and a run
 * table that does not start at session 0 is refused. */
static void test_session_id_runs_round_trip(void)
{
    /* 40 sessions, ids 1..20 and 31..50: two runs (2 x 16 <= 40). */
    char text[4096] = "SessionId\tItemId\tTime\n";
    for (int k = 0; k < 40; k++) {
        char line[64];
        snprintf(line, sizeof line, "%d\t%d\t%d\n", k < 20 ? k + 1 : k + 11, 10 + k % 3, k);
        strcat(text, line);
    }
    const char *src = test_write_text("runs.tsv", text);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL, *back = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(src, &opt, &ds, NULL, &err), SBR_OK);
    CU_ASSERT_PTR_NULL_FATAL(ds->session_ids);
    CU_ASSERT_EQUAL_FATAL(ds->n_id_runs, 2);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 19), 20);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 20), 31);
    char path[4096];
    snprintf(path, sizeof path, "%s/runs.sbrd", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_cache_write(ds, path, src, &err), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_cache_load(path, &back, &err), SBR_OK);
    CU_ASSERT(same_dataset(ds, back));
    sbr_dataset_free(back);
    size_t len;
    unsigned char *bytes = (unsigned char *)test_read_file(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    uint64_t runs;
    memcpy(&runs, bytes + 80, sizeof runs);
    CU_ASSERT_EQUAL(runs, 2);
    /* The first run's start (the first 8 bytes of section 5, after offsets, items, times) set to
     * 1, the section's checksum recomputed: the invariant check names the run. */
    size_t at = sections_start(bytes) + 41 * 8 + 40 * 4 + 40 * 8;
    uint64_t start;
    memcpy(&start, bytes + at, sizeof start);
    CU_ASSERT_EQUAL(start, 0);
    start = 1;
    memcpy(bytes + at, &start, sizeof start);
    uint64_t sum = sbr_cache_hash(bytes + at, 32);
    memcpy(bytes + 88 + 4 * 8, &sum, sizeof sum); /* sums[4] */
    reseal(bytes);
    expect_refused(bytes, len, SBR_EPARSE, "run 0 starts at session 1");
    /* Back to 0, and the second run's first id set to the first run's last (20). */
    start = 0;
    memcpy(bytes + at, &start, sizeof start);
    uint64_t id = 20;
    memcpy(bytes + at + 24, &id, sizeof id);
    sum = sbr_cache_hash(bytes + at, 32);
    memcpy(bytes + 88 + 4 * 8, &sum, sizeof sum);
    reseal(bytes);
    expect_refused(bytes, len, SBR_EPARSE, "session ids do not ascend at session 20");
    free(bytes);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {
    {"a round trip gives the identical dataset", test_a_round_trip_gives_the_identical_dataset},
    {"every corrupted byte is refused", test_every_corrupted_byte_is_refused},
    {"each section is named when its bytes are wrong",
     test_each_section_is_named_when_its_bytes_are_wrong},
    {"truncation, a wrong version and wrong counts are refused",
     test_truncation_wrong_version_and_counts_are_refused},
    {"broken invariants are refused", test_broken_invariants_are_refused},
    {"session id runs round-trip", test_session_id_runs_round_trip},
    {"implicit rows round-trip with an empty section",
     test_implicit_rows_round_trip_with_an_empty_section},
    {"a changed source makes the cache stale", test_a_changed_source_makes_the_cache_stale},
    CU_TEST_INFO_NULL};
CU_SuiteInfo sbr_suite_cache = {"cache", NULL, NULL, NULL, NULL, tests};
