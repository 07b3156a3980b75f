/* The results store: fingerprints, varints, rows keyed and replaced, the CSV export, latency
 * kept or cleared, the import of a CSV from before the store, ranks. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/report.h"
#include "eval/results.h"
#include "eval/store.h"
#include "test_util.h"

static sbr_dataset *small_dataset(double shift)
{
    sbr_click c[6] = {{1, 10, 100, 0},         {1, 11, 101, 1}, {2, 10, 200, 2},
                      {2, 12, 201 + shift, 3}, {3, 11, 300, 4}, {3, 12, 301, 5}};
    sbr_dataset *ds = NULL;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_dataset_from_clicks(c, 6, &ds, &e), SBR_OK);
    return ds;
}

static void test_fingerprints_follow_the_data_and_settings(void)
{
    sbr_dataset *a = small_dataset(0), *b = small_dataset(0), *c = small_dataset(0.5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char fa[SBR_RSTORE_FINGERPRINT], fb[SBR_RSTORE_FINGERPRINT], fc[SBR_RSTORE_FINGERPRINT],
        fs[SBR_RSTORE_FINGERPRINT], fswap[SBR_RSTORE_FINGERPRINT];
    sbr_rstore_fingerprint(a, a, "split=given", fa);
    sbr_rstore_fingerprint(b, b, "split=given", fb);
    sbr_rstore_fingerprint(a, c, "split=given", fc); /* one test click half a second later */
    sbr_rstore_fingerprint(a, a, "split=last-days 1", fs);
    sbr_rstore_fingerprint(NULL, a, "split=given", fswap);
    CU_ASSERT_EQUAL(strlen(fa), 32);
    CU_ASSERT_STRING_EQUAL(fa, fb); /* equal content, other memory: the same */
    CU_ASSERT_STRING_NOT_EQUAL(fa, fc);
    CU_ASSERT_STRING_NOT_EQUAL(fa, fs);
    CU_ASSERT_STRING_NOT_EQUAL(fa, fswap);
    /* The streaming hash separates the boundaries of its pieces. */
    sbr_hash128 h1, h2;
    char x1[SBR_RSTORE_FINGERPRINT], x2[SBR_RSTORE_FINGERPRINT];
    sbr_hash128_init(&h1);
    sbr_hash128_init(&h2);
    sbr_hash128_bytes(&h1, "ab", 2);
    sbr_hash128_bytes(&h1, "c", 1);
    sbr_hash128_bytes(&h2, "a", 1);
    sbr_hash128_bytes(&h2, "bc", 2);
    sbr_hash128_hex(&h1, x1);
    sbr_hash128_hex(&h2, x2);
    CU_ASSERT_STRING_NOT_EQUAL(x1, x2);
    sbr_dataset_free(a);
    sbr_dataset_free(b);
    sbr_dataset_free(c);
}

static void test_varints_round_trip_and_refuse_bad_bytes(void)
{
    uint32_t v[7] = {0, 1, 127, 128, 20, 16383, UINT32_MAX}, back[7];
    unsigned char buf[7 * 5];
    size_t len = sbr_varint_encode(v, 7, buf);
    CU_ASSERT_EQUAL(len, 1 + 1 + 1 + 2 + 1 + 2 + 5);
    CU_ASSERT_TRUE(sbr_varint_decode(buf, len, back, 7));
    CU_ASSERT_EQUAL(memcmp(v, back, sizeof v), 0);
    CU_ASSERT_FALSE(sbr_varint_decode(buf, len - 1, back, 7)); /* ends early */
    CU_ASSERT_FALSE(sbr_varint_decode(buf, len, back, 6));     /* bytes left over */
    unsigned char big[5] = {0xff, 0xff, 0xff, 0xff, 0x1f};     /* 35 bits */
    CU_ASSERT_FALSE(sbr_varint_decode(big, 5, back, 1));
    CU_ASSERT_TRUE(sbr_varint_decode(buf, 0, back, 0));
}

static void test_store_paths(void)
{
    char out[256];
    sbr_rstore_path_for("results/metrics.csv", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "results/metrics.db");
    sbr_rstore_path_for("m", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "m.db");
    sbr_rstore_path_for("a.csv.gz", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "a.csv.gz.db");
}

/* One job's rows at cutoffs 5 and 20, as sbr_metrics_row formats them. */
typedef struct rows2 {
    char cells[2 * SBR_METRICS_COLS][SBR_METRICS_CELL];
    const char *ptrs[2 * SBR_METRICS_COLS];
} rows2;

static void make_rows(rows2 *r, const char *algorithm, const char *params, double mrr,
                      double p90_us)
{
    sbr_run_info ri = {"ds", "s0", 2, 1, "test-version"};
    sbr_eval_result res;
    memset(&res, 0, sizeof res);
    res.n_predictions = 100;
    res.n_sessions = 30;
    res.eval_s = 0.25;
    for (int l = 0; l < SBR_LAT_N; l++)
        res.latency_us[l] = p90_us * (l + 1) / 2.0;
    size_t cuts[2] = {5, 20};
    for (int c = 0; c < 2; c++) {
        res.at[c].mrr = mrr + c * 0.01;
        res.at[c].hr = 1.0 / 3.0 + c;
        sbr_metrics_row(r->cells + c * SBR_METRICS_COLS, SBR_METRICS_CELL, &ri, algorithm, params,
                        cuts[c], &res, &res.at[c], 0.5, 1234);
    }
    for (int k = 0; k < 2 * SBR_METRICS_COLS; k++)
        r->ptrs[k] = r->cells[k];
}

static sbr_rstore *open_store(const char *name, const char *csv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    remove(path);
    sbr_rstore *st = NULL;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_rstore_open(path, csv, NULL, &st, &e), SBR_OK);
    if (st == NULL)
        fprintf(stderr, "%s\n", e.msg);
    return st;
}

static const size_t cutoffs[2] = {5, 20};

static void test_rows_are_keyed_replaced_and_exported_as_the_csv_was(void)
{
    sbr_rstore *st = open_store("keyed.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    sbr_err e = {SBR_OK, ""};
    rows2 a, b, a2;
    make_rows(&a, "sr", "steps=1;weighting=div", 0.3, 2.5);
    make_rows(&b, "sr", "steps=2;weighting=div", 0.31, 3.5);
    make_rows(&a2, "sr", "steps=1;weighting=div", 0.4, 4.5);
    sbr_rstore_job ja = {a.ptrs, 2, "sr", "fp1", true, NULL};
    sbr_rstore_job jb = {b.ptrs, 2, "sr", "fp1", true, NULL};
    sbr_rstore_job ja2 = {a2.ptrs, 2, "sr", "fp1", true, NULL};
    bool done, changed;
    CU_ASSERT_EQUAL(sbr_rstore_has_job(st, "ds", "s0", "sr", "steps=1;weighting=div", cutoffs, 2,
                                       "fp1", &done, &changed, &e),
                    SBR_OK);
    CU_ASSERT_FALSE(done);
    CU_ASSERT_FALSE(changed);
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &ja, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &jb, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &ja2, &e), SBR_OK); /* replaces a: moves to the end */
    CU_ASSERT_EQUAL(sbr_rstore_has_job(st, "ds", "s0", "sr", "steps=1;weighting=div", cutoffs, 2,
                                       "fp1", &done, &changed, &e),
                    SBR_OK);
    CU_ASSERT_TRUE(done);
    CU_ASSERT_EQUAL(sbr_rstore_has_job(st, "ds", "s0", "sr", "steps=1;weighting=div", cutoffs, 2,
                                       "fp2", &done, &changed, &e),
                    SBR_OK);
    CU_ASSERT_FALSE(done);
    CU_ASSERT_TRUE(changed);
    size_t three[3] = {5, 10, 20};
    CU_ASSERT_EQUAL(sbr_rstore_has_job(st, "ds", "s0", "sr", "steps=1;weighting=div", three, 3,
                                       NULL, &done, &changed, &e),
                    SBR_OK);
    CU_ASSERT_FALSE(done); /* cutoff 10 is missing */
    /* The export equals what the CSV writer made of the same rows, in the same order. */
    char exported[4096], expected[4096];
    snprintf(exported, sizeof exported, "%s/keyed.csv", test_tmpdir());
    snprintf(expected, sizeof expected, "%s/keyed-expected.csv", test_tmpdir());
    remove(expected);
    CU_ASSERT_EQUAL(sbr_rstore_export_metrics(st, exported, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_csv_append(expected, sbr_metrics_header, SBR_METRICS_COLS,
                                   SBR_METRICS_KEY_COLS, b.ptrs, 2, &e),
                    SBR_OK);
    CU_ASSERT_EQUAL(sbr_csv_append(expected, sbr_metrics_header, SBR_METRICS_COLS,
                                   SBR_METRICS_KEY_COLS, a2.ptrs, 2, &e),
                    SBR_OK);
    char *got = test_read_file(exported, NULL), *want = test_read_file(expected, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    free(want);
    sbr_rstore_free(st);
    sbr_rstore_free(NULL);
}

/* The lat_p90_us cell of the export's line `line` (1 = the first row). */
static void export_p90(sbr_rstore *st, int line, char *out, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lat.csv", test_tmpdir());
    sbr_err e = {SBR_OK, ""};
    out[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(sbr_rstore_export_metrics(st, path, &e), SBR_OK);
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *p = text;
    for (int l = 0; l < line && p != NULL; l++)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    for (int c = 0; c < 21 && p != NULL; c++) /* lat_p90_us is column 22 */
        p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    if (p != NULL)
        snprintf(out, size, "%.*s", (int)strcspn(p, ","), p);
    free(text);
}

static void test_a_run_without_latency_keeps_a_measured_latency_of_the_same_inputs(void)
{
    sbr_rstore *st = open_store("lat.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    sbr_err e = {SBR_OK, ""};
    rows2 measured, unmeasured;
    make_rows(&measured, "ar", "pruning=20", 0.3, 7.25);
    make_rows(&unmeasured, "ar", "pruning=20", 0.3, 0);
    sbr_rstore_job j = {measured.ptrs, 2, "ar", "fp1", true, NULL};
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &j, &e), SBR_OK);
    char p90[64];
    export_p90(st, 1, p90, sizeof p90);
    CU_ASSERT_STRING_EQUAL(p90, "7.250");
    /* The same inputs without latency: the measurement stays. */
    sbr_rstore_job again = {unmeasured.ptrs, 2, "ar", "fp1", false, NULL};
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &again, &e), SBR_OK);
    export_p90(st, 1, p90, sizeof p90);
    CU_ASSERT_STRING_EQUAL(p90, "7.250");
    /* Other inputs without latency: it is not a measurement of them, so NULL ("0.000"). */
    sbr_rstore_job other = {unmeasured.ptrs, 2, "ar", "fp2", false, NULL};
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &other, &e), SBR_OK);
    export_p90(st, 1, p90, sizeof p90);
    CU_ASSERT_STRING_EQUAL(p90, "0.000");
    sbr_rstore_free(st);
}

static void test_a_csv_from_before_the_store_is_imported(void)
{
    char csv[4096];
    snprintf(csv, sizeof csv, "%s/legacy.csv", test_tmpdir());
    remove(csv);
    rows2 r;
    make_rows(&r, "pop", "", 0.1, 0);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_csv_append(csv, sbr_metrics_header, SBR_METRICS_COLS,
                                         SBR_METRICS_KEY_COLS, r.ptrs, 2, &e),
                          SBR_OK);
    char *before = test_read_file(csv, NULL);
    sbr_rstore *st = open_store("legacy.db", csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    bool done, changed;
    CU_ASSERT_EQUAL(
        sbr_rstore_has_job(st, "ds", "s0", "pop", "", cutoffs, 2, NULL, &done, &changed, &e),
        SBR_OK);
    CU_ASSERT_TRUE(done);
    /* Its inputs are unknown: a resume runs it again. */
    CU_ASSERT_EQUAL(
        sbr_rstore_has_job(st, "ds", "s0", "pop", "", cutoffs, 2, "fp", &done, &changed, &e),
        SBR_OK);
    CU_ASSERT_FALSE(done);
    CU_ASSERT_TRUE(changed);
    CU_ASSERT_EQUAL(sbr_rstore_export_metrics(st, csv, &e), SBR_OK);
    char *after = test_read_file(csv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(before);
    CU_ASSERT_PTR_NOT_NULL_FATAL(after);
    CU_ASSERT_STRING_EQUAL(before, after);
    free(before);
    free(after);
    sbr_rstore_free(st);
    /* A CSV with other columns is refused, naming it, and no store is left half made. */
    const char *bad = test_write_text("other.csv", "dataset,split,x\na,b,c\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/other.db", test_tmpdir());
    remove(path);
    st = (sbr_rstore *)&st;
    CU_ASSERT_EQUAL(sbr_rstore_open(path, bad, NULL, &st, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NULL(st);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "other.csv"));
    /* Not a database at all. */
    const char *junk = test_write_text("junk.db", "this is not an SQLite file, not at all....");
    CU_ASSERT_EQUAL(sbr_rstore_open(junk, NULL, NULL, &st, &e), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "junk.db"));
}

static void test_a_bad_number_is_refused_and_nothing_is_written(void)
{
    sbr_rstore *st = open_store("badnum.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    rows2 r;
    make_rows(&r, "pop", "", 0.1, 1);
    snprintf(r.cells[SBR_METRICS_COLS + 10], SBR_METRICS_CELL, "banana"); /* row 2's mrr */
    sbr_rstore_job j = {r.ptrs, 2, "pop", "fp", true, NULL};
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &j, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "mrr: \"banana\""));
    bool done, changed;
    size_t five = 5;
    CU_ASSERT_EQUAL(
        sbr_rstore_has_job(st, "ds", "s0", "pop", "", &five, 1, NULL, &done, &changed, &e), SBR_OK);
    CU_ASSERT_FALSE(done); /* row 1 was rolled back with row 2 */
    sbr_rstore_free(st);
}

static void test_ranks_round_trip(void)
{
    sbr_rstore *st = open_store("ranks.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    rows2 r;
    make_rows(&r, "pop", "", 0.1, 1);
    uint32_t rank[5] = {1, 0, 20, 3, 300};
    sbr_rstore_ranks rk = {rank, 5};
    sbr_rstore_job j = {r.ptrs, 2, "pop", "fp", true, &rk};
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &j, &e), SBR_OK);
    uint32_t *back = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(sbr_rstore_get_ranks(st, "ds", "s0", "pop", "", &back, &n, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(n, 5);
    CU_ASSERT_EQUAL(memcmp(back, rank, sizeof rank), 0);
    free(back);
    CU_ASSERT_EQUAL(sbr_rstore_get_ranks(st, "ds", "s0", "ar", "", &back, &n, &e), SBR_EINVAL);
    /* Rerun on other inputs without ranks: the old ranks go. */
    sbr_rstore_job j2 = {r.ptrs, 2, "pop", "fp2", true, NULL};
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &j2, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rstore_get_ranks(st, "ds", "s0", "pop", "", &back, &n, &e), SBR_EINVAL);
    sbr_rstore_free(st);
}

static CU_TestInfo tests[] = {
    {"fingerprints follow the data and the settings",
     test_fingerprints_follow_the_data_and_settings},
    {"varints round-trip and refuse bad bytes", test_varints_round_trip_and_refuse_bad_bytes},
    {"a CSV's store is beside it", test_store_paths},
    {"rows are keyed, replaced and exported as the CSV writer wrote them",
     test_rows_are_keyed_replaced_and_exported_as_the_csv_was},
    {"a run without latency keeps a latency measured on the same inputs",
     test_a_run_without_latency_keeps_a_measured_latency_of_the_same_inputs},
    {"a CSV from before the store is imported; bad files are refused",
     test_a_csv_from_before_the_store_is_imported},
    {"a bad number is refused and the job's rows are rolled back",
     test_a_bad_number_is_refused_and_nothing_is_written},
    {"ranks round-trip and go when the inputs change", test_ranks_round_trip},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_store = {"store", NULL, NULL, NULL, NULL, tests};
