/* The synthetic click log: deterministic from its seed, structurally valid, checked options. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static CU_TestInfo tests[] = {
    {"the same seed gives the same bytes", test_the_same_seed_gives_the_same_bytes},
    {"the log has the requested shape", test_the_log_has_the_requested_shape},
    {"bad options are named", test_bad_options_are_named},
    {"an options spec is parsed and checked", test_an_options_spec_is_parsed_and_checked},
    {"counts are range-checked before conversion", test_counts_are_range_checked_before_conversion},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_synth = {"synth", NULL, NULL, NULL, NULL, tests};
