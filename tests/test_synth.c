/* The synthetic click log: deterministic from its seed, structurally valid, checked options. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/load.h"
#include "data/synth.h"
#include "test_util.h"

static const char *synth(const char *name, const sbr_synth_options *o)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    sbr_err e;
    sbr_synth_stats st;
    CU_ASSERT_EQUAL_FATAL(sbr_synth_write(o, path, NULL, NULL, &st, &e), SBR_OK);
    CU_ASSERT_EQUAL(st.sessions, o->sessions);
    return path;
}

static void test_the_same_seed_gives_the_same_bytes(void)
{
    sbr_synth_options o;
    sbr_synth_options_init(&o);
    o.sessions = 3000;
    char *a = test_read_file(synth("a.tsv", &o), NULL);
    char *b = test_read_file(synth("b.tsv", &o), NULL);
    o.seed = 2;
    char *c = test_read_file(synth("c.tsv", &o), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT(strcmp(a, c) != 0);
    free(a);
    free(b);
    free(c);
}

static void test_the_log_has_the_requested_shape(void)
{
    sbr_synth_options o;
    sbr_synth_options_init(&o);
    o.sessions = 5000;
    o.items = 800;
    o.days = 10;
    const char *path = synth("shape.tsv.gz", &o);
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &lo, &ds, NULL, &e), SBR_OK);
    CU_ASSERT_EQUAL(ds->n_sessions, 5000);
    CU_ASSERT(ds->n_items <= 800);
    CU_ASSERT(ds->item_ids[ds->n_items - 1] <= 800);
    size_t short_sessions = 0, repeats = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        short_sessions += sbr_dataset_session_len(ds, s) < 2;
        for (size_t c = ds->offsets[s] + 1; c < ds->offsets[s + 1]; c++)
            repeats += ds->items[c] == ds->items[c - 1];
    }
    CU_ASSERT_EQUAL(short_sessions, 0);
    /* Mean length within 10% of the requested 5.5; some, but not mostly, repeats. */
    double mean = (double)ds->n_clicks / (double)ds->n_sessions;
    CU_ASSERT(mean > 4.95 && mean < 6.05);
    CU_ASSERT(repeats > 0 && repeats < ds->n_clicks / 4);
    double first, last;
    sbr_dataset_time_range(ds, &first, &last);
    CU_ASSERT(first >= 1577836800.0);
    CU_ASSERT(last - first < 11 * 86400.0);
    sbr_dataset_free(ds);
}

static void test_bad_options_are_named(void)
{
    sbr_synth_options o;
    sbr_synth_options_init(&o);
    sbr_err e;
    char path[4096];
    snprintf(path, sizeof path, "%s/bad.tsv", test_tmpdir());
    o.p_sequential = 0.9;
    o.p_repeat = 0.2;
    CU_ASSERT_EQUAL(sbr_synth_write(&o, path, NULL, NULL, NULL, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sum to at most 1"));
    sbr_synth_options_init(&o);
    o.clusters = 10000;
    CU_ASSERT_EQUAL(sbr_synth_write(&o, path, NULL, NULL, NULL, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "clusters=10000"));
}

static void test_an_options_spec_is_parsed_and_checked(void)
{
    sbr_synth_options o, d;
    sbr_synth_options_init(&d);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_synth_options_parse("sessions=300,items=50,zipf=0.8,seed=7", &o, &e),
                    SBR_OK);
    CU_ASSERT_EQUAL(o.sessions, 300);
    CU_ASSERT_EQUAL(o.items, 50);
    CU_ASSERT_DOUBLE_EQUAL(o.zipf, 0.8, 0);
    CU_ASSERT_EQUAL(o.seed, 7);
    CU_ASSERT_EQUAL(o.clusters, d.clusters); /* the rest keep their defaults */
    CU_ASSERT_EQUAL(sbr_synth_options_parse("", &o, &e), SBR_OK);
    CU_ASSERT_EQUAL(o.sessions, d.sessions);
    CU_ASSERT_EQUAL(sbr_synth_options_parse("sessions=10,colour=3", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown key 'colour'"));
    CU_ASSERT_EQUAL(sbr_synth_options_parse("sessions", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "synth 'sessions': expected key=number"));
    CU_ASSERT_EQUAL(sbr_synth_options_parse("days=-1", &o, &e), SBR_EINVAL);
}

/* A count too large for size_t was converted first ("sessions=1e20" reported "sessions=0");
 * now the range is checked on the number, and the message quotes the value as written. */
static void test_counts_are_range_checked_before_conversion(void)
{
    sbr_synth_options o;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_synth_options_parse("sessions=1e20", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sessions=1e20"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "1..1e8"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "sessions=0"));
    CU_ASSERT_EQUAL(sbr_synth_options_parse("items=5e30", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "items=5e30"));
    CU_ASSERT_EQUAL(sbr_synth_options_parse("clusters=1e300", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "clusters=1e300"));
    CU_ASSERT_EQUAL(sbr_synth_options_parse("seed=1e40", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "seed=1e40"));
    CU_ASSERT_EQUAL(sbr_synth_options_parse("sessions=0", &o, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sessions=0"));
    /* In range: truncated to an integer as before. */
    CU_ASSERT_EQUAL(sbr_synth_options_parse("sessions=1e8,items=100.7,seed=4294967296", &o, &e),
                    SBR_OK);
    CU_ASSERT_EQUAL(o.sessions, 100000000);
    CU_ASSERT_EQUAL(o.items, 100);
    CU_ASSERT_EQUAL(o.seed, 4294967296u);
}

/* The bytes a seed gives are fixed across releases: experiments and their saved results use
 * them. The CRC-32 is that of the output of the generator before its formatting was rewritten
 * (sbr at ad65b1a). */
static void test_a_seed_gives_the_bytes_it_always_gave(void)
{
    sbr_synth_options o;
    sbr_synth_options_init(&o);
    o.sessions = 3000;
    o.items = 800;
    o.seed = 9;
    size_t len = 0;
    char *text = test_read_file(synth("fixed.tsv", &o), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(len, 324562);
    CU_ASSERT_EQUAL(crc32(0, (const Bytef *)text, (uInt)len), 0x3482438aUL);
    free(text);
}

/* Lines of a text, as pointers into it (the text is modified). */
static size_t split_lines(char *text, char ***lines)
{
    size_t n = 0, cap = 1024;
    *lines = malloc(cap * sizeof **lines);
    for (char *p = text; *p != '\0';) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (n == cap)
            *lines = realloc(*lines, (cap *= 2) * sizeof **lines);
        (*lines)[n++] = p;
        p = nl != NULL ? nl + 1 : p + strlen(p);
    }
    return n;
}

static void test_cover_adds_exactly_the_missing_items_and_nothing_else(void)
{
    sbr_synth_options o;
    sbr_synth_options_init(&o);
    o.sessions = 3000;
    o.items = 800;
    o.seed = 9;
    sbr_synth_stats plain_st, cover_st;
    sbr_err e;
    char path[4096];
    snprintf(path, sizeof path, "%s/plain.tsv", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_synth_write(&o, path, NULL, NULL, &plain_st, &e), SBR_OK);
    char *plain = test_read_file(path, NULL);
    o.cover = true;
    snprintf(path, sizeof path, "%s/cover.tsv", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_synth_write(&o, path, NULL, NULL, &cover_st, &e), SBR_OK);
    char *cover = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cover);
    CU_ASSERT(plain_st.items < 800); /* the Zipf tail is not all drawn: the case cover fixes */
    CU_ASSERT_EQUAL(cover_st.items, 800);
    CU_ASSERT_EQUAL(cover_st.clicks, plain_st.clicks + (800 - plain_st.items));

    /* The plain lines appear in order within the covered ones; the others are the extras,
     * each a new item, each the last click(s) of its session and 45 s after the one before. */
    char **a, **b;
    size_t na = split_lines(plain, &a), nb = split_lines(cover, &b), i = 0, extras = 0;
    for (size_t j = 0; j < nb; j++) {
        if (i < na && strcmp(a[i], b[j]) == 0) {
            i++;
            continue;
        }
        extras++;
        CU_ASSERT(j > 0 && strncmp(b[j], b[j - 1], strcspn(b[j], "\t") + 1) == 0);
    }
    CU_ASSERT_EQUAL(i, na);
    CU_ASSERT_EQUAL(extras, 800 - plain_st.items);
    free(a);
    free(b);
    free(plain);
    free(cover);

    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_dataset *ds = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &lo, &ds, NULL, &e), SBR_OK);
    CU_ASSERT_EQUAL(ds->n_items, 800);
    CU_ASSERT_EQUAL(ds->item_ids[0], 1);
    CU_ASSERT_EQUAL(ds->item_ids[799], 800);
    sbr_dataset_free(ds);
    CU_ASSERT_EQUAL(sbr_synth_options_parse("cover=1", &o, &e), SBR_OK);
    CU_ASSERT(o.cover);
    CU_ASSERT_EQUAL(sbr_synth_options_parse("cover=2", &o, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_synth_options_parse("cover=0.5", &o, &e), SBR_EINVAL);
}

static CU_TestInfo tests[] = {
    {"the same seed gives the same bytes", test_the_same_seed_gives_the_same_bytes},
    {"a seed gives the bytes it always gave", test_a_seed_gives_the_bytes_it_always_gave},
    {"cover adds exactly the missing items and nothing else",
     test_cover_adds_exactly_the_missing_items_and_nothing_else},
    {"the log has the requested shape", test_the_log_has_the_requested_shape},
    {"bad options are named", test_bad_options_are_named},
    {"an options spec is parsed and checked", test_an_options_spec_is_parsed_and_checked},
    {"counts are range-checked before conversion", test_counts_are_range_checked_before_conversion},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_synth = {"synth", NULL, NULL, NULL, NULL, tests};
