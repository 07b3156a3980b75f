/* The results store: fingerprints, varints, rows keyed and replaced, the CSV export, latency
 * kept or cleared, the import of a CSV from before the store, ranks. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/job.h"
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
    /* Rows kept implicitly (0, 1, 2, ...) hash as the same rows stored would. */
    CU_ASSERT_PTR_NULL_FATAL(a->rows);
    b->rows = malloc(b->n_clicks * sizeof *b->rows);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b->rows);
    for (size_t k = 0; k < b->n_clicks; k++)
        b->rows[k] = k;
    sbr_rstore_fingerprint(b, b, "split=given", fb);
    CU_ASSERT_STRING_EQUAL(fa, fb);
    b->rows[1] = 7;
    sbr_rstore_fingerprint(b, b, "split=given", fb);
    CU_ASSERT_STRING_NOT_EQUAL(fa, fb);
    /* Session ids kept as runs hash as the same ids stored would. */
    sbr_click run[20];
    for (size_t k = 0; k < 20; k++)
        run[k] = (sbr_click){1 + k, 10 + k % 2, (double)k, k};
    sbr_dataset *r = NULL;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(run, 20, &r, &e), SBR_OK);
    CU_ASSERT_PTR_NULL_FATAL(r->session_ids);
    char fr[SBR_RSTORE_FINGERPRINT], fr2[SBR_RSTORE_FINGERPRINT];
    sbr_rstore_fingerprint(r, NULL, "x", fr);
    r->session_ids = malloc(20 * sizeof *r->session_ids);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->session_ids);
    for (size_t k = 0; k < 20; k++)
        r->session_ids[k] = 1 + k;
    sbr_rstore_fingerprint(r, NULL, "x", fr2);
    CU_ASSERT_STRING_EQUAL(fr, fr2);
    r->session_ids[19] = 99;
    sbr_rstore_fingerprint(r, NULL, "x", fr2);
    CU_ASSERT_STRING_NOT_EQUAL(fr, fr2);
    sbr_dataset_free(r);
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

/* text (lines ending in '\n') with ",<cells[i]>" appended to line i (malloc'ed). */
static char *with_last_column(const char *text, const char *const *cells)
{
    size_t n = strlen(text), extra = 0, lines = 0;
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            extra += strlen(cells[lines++]) + 1;
    char *out = malloc(n + extra + 1), *o = out;
    if (out == NULL)
        return NULL;
    lines = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            o += sprintf(o, ",%s", cells[lines++]);
        *o++ = *p;
    }
    *o = '\0';
    return out;
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
    sbr_rstore_job jb = {b.ptrs, 2, "sr-b", "fp1", true, NULL};
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
    /* ... with each row's [algo] label after the other columns. */
    char *got = test_read_file(exported, NULL), *plain = test_read_file(expected, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    const char *labels[] = {"label", "sr-b", "sr-b", "sr", "sr"};
    char *want = with_last_column(plain, labels);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    free(plain);
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
    /* The rows as they were, labelled with their algorithm (the old file had no labels). */
    const char *labels[] = {"label", "pop", "pop"};
    char *want = with_last_column(before, labels);
    CU_ASSERT_STRING_EQUAL(after, want);
    free(want);
    sbr_rstore_free(st);
    /* An export (labelled) imports into a new store with its labels. */
    sbr_rstore_job j = {r.ptrs, 2, "pop-tuned", "fp", true, NULL};
    st = open_store("labelled.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(sbr_rstore_put_job(st, &j, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rstore_export_metrics(st, csv, &e), SBR_OK);
    sbr_rstore_free(st);
    char *labelled = test_read_file(csv, NULL);
    st = open_store("relabelled.db", csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(sbr_rstore_export_metrics(st, csv, &e), SBR_OK);
    char *again = test_read_file(csv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(labelled);
    CU_ASSERT_PTR_NOT_NULL_FATAL(again);
    CU_ASSERT_STRING_EQUAL(again, labelled);
    CU_ASSERT_PTR_NOT_NULL(strstr(again, ",pop-tuned\n"));
    free(labelled);
    free(again);
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

static void test_labels_and_latency_by_length_round_trip(void)
{
    sbr_rstore *st = open_store("lenlat.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    rows2 r;
    make_rows(&r, "pop", "", 0.1, 1);
    sbr_rstore_job j = {r.ptrs, 2, "pop-label", "fp", true, NULL};
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_rstore_put_job(st, &j, &e), SBR_OK);
    char label[64];
    CU_ASSERT_EQUAL(sbr_rstore_get_label(st, "ds", "pop", "", label, sizeof label, &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(label, "pop-label");
    CU_ASSERT_EQUAL(sbr_rstore_get_label(st, "ds", "ar", "", label, sizeof label, &e), SBR_EINVAL);
    sbr_lat_len in[SBR_LEN_BUCKETS] = {{0, 0, 0}};
    in[0] = (sbr_lat_len){7, 1.5, 2.25};
    in[SBR_LEN_BUCKETS - 1] = (sbr_lat_len){2, 30, 40};
    sbr_lat_len out[SBR_LEN_BUCKETS];
    CU_ASSERT_EQUAL(sbr_rstore_get_latency_len(st, "ds", "s0", "pop", "", out, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_rstore_put_latency_len(st, "ds", "s0", "pop", "", "fp", in, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rstore_get_latency_len(st, "ds", "s0", "pop", "", out, &e), SBR_OK);
    for (size_t b = 0; b < SBR_LEN_BUCKETS; b++) {
        CU_ASSERT_EQUAL(out[b].n, in[b].n);
        CU_ASSERT_DOUBLE_EQUAL(out[b].p50_us, in[b].p50_us, 0);
        CU_ASSERT_DOUBLE_EQUAL(out[b].p90_us, in[b].p90_us, 0);
    }
    sbr_rstore_free(st);
}

/* A pseudo-random click log (an LCG): n sessions from first_id, 2 to 8 clicks over 150 items,
 * mostly walking to a next item, so that sequential rules find something. */
static sbr_dataset *lcg_sessions(uint64_t first_id, size_t n, uint64_t seed)
{
    sbr_click *c = malloc(n * 8 * sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t k = 0;
    uint64_t x = seed;
    for (size_t s = 0; s < n; s++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = 2 + (x >> 33) % 7;
        uint64_t item = (x >> 40) % 150;
        for (size_t t = 0; t < len; t++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            item = (x >> 60) < 4 ? (x >> 35) % 150 : (item + 1 + (x >> 50) % 3) % 150;
            c[k] = (sbr_click){first_id + s, item, (double)(1000 * (first_id + s) + t), k};
            k++;
        }
    }
    sbr_dataset *ds = NULL;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_dataset_from_clicks(c, k, &ds, &e), SBR_OK);
    free(c);
    return ds;
}

static void test_stored_ranks_give_back_the_stored_metrics(void)
{
    sbr_dataset *train = lcg_sessions(1, 800, 7), *test = lcg_sessions(10000, 200, 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(train);
    CU_ASSERT_PTR_NOT_NULL_FATAL(test);
    sbr_experiment *x = calloc(1, sizeof *x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    x->cutoffs[0] = 5;
    x->cutoffs[1] = 20;
    x->n_cutoffs = 2;
    x->threads = 2;
    x->latency = false;
    x->per_session = true;
    sbr_err e = {SBR_OK, ""};
    sbr_job_spec j = {SBR_SPEC_EMPTY, "", "sr", 0};
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&j.spec, "sr:steps=3", &e), SBR_OK);
    sbr_algo_format_params(j.spec.algo, j.spec.config, j.params, sizeof j.params);
    sbr_eval_result res;
    double fit_s;
    size_t bytes;
    CU_ASSERT_EQUAL_FATAL(sbr_job_evaluate(x, &j, train, test, &res, &fit_s, &bytes, &e), SBR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res.ranks);
    sbr_rstore *st = open_store("persession.db", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    char fp[SBR_RSTORE_FINGERPRINT];
    sbr_rstore_fingerprint(train, test, "split=given", fp);
    sbr_run_info ri = {"lcg", "given", 2, 1, "test"};
    sbr_rstore_ranks ranks = {res.ranks, res.n_predictions};
    CU_ASSERT_EQUAL(sbr_job_store_rows(st, x, &ri, &j, &res, fit_s, bytes, fp, &ranks, &e), SBR_OK);
    bool has = false;
    CU_ASSERT_EQUAL(sbr_rstore_has_ranks(st, "lcg", "given", "sr", j.params, fp, &has, &e), SBR_OK);
    CU_ASSERT_TRUE(has);
    CU_ASSERT_EQUAL(sbr_rstore_has_ranks(st, "lcg", "given", "sr", j.params, "other", &has, &e),
                    SBR_OK);
    CU_ASSERT_FALSE(has);
    sbr_eval_result_fini(&res);
    uint32_t *rank = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(sbr_rstore_get_ranks(st, "lcg", "given", "sr", j.params, &rank, &n, &e),
                          SBR_OK);
    sbr_rstore_free(st);
    /* The stored metrics, read back with SQL as a user would. */
    char path[4096];
    snprintf(path, sizeof path, "%s/persession.db", test_tmpdir());
    sqlite3 *db = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "SELECT cutoff, n_predictions, mrr, hr FROM results "
                                             "ORDER BY cutoff",
                                             -1, &q, NULL),
                          SQLITE_OK);
    int rows = 0, hits20 = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        uint32_t cut = (uint32_t)sqlite3_column_int(q, 0);
        CU_ASSERT_EQUAL((size_t)sqlite3_column_int64(q, 1), n);
        double mrr = 0, hr = 0;
        for (size_t p = 0; p < n; p++) {
            if (rank[p] > 0 && rank[p] <= cut) {
                hr += 1;
                mrr += 1.0 / rank[p];
            }
        }
        hits20 = cut == 20 ? (int)hr : hits20;
        mrr /= (double)n;
        hr /= (double)n;
        /* HR is a count: exact. MRR is the same sum in another grouping (the harness adds per
         * session first): equal to rounding. */
        CU_ASSERT_DOUBLE_EQUAL(sqlite3_column_double(q, 3), hr, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(sqlite3_column_double(q, 2), mrr, 1e-12);
        rows++;
    }
    CU_ASSERT_EQUAL(rows, 2);
    CU_ASSERT(hits20 > 0 && (size_t)hits20 < n); /* the data is neither trivial nor hopeless */
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(rank);
    sbr_spec_fini(&j.spec);
    free(x);
    sbr_dataset_free(train);
    sbr_dataset_free(test);
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
    {"labels and latency by length round-trip", test_labels_and_latency_by_length_round_trip},
    {"stored ranks give back the stored MRR@N and HR@N",
     test_stored_ranks_give_back_the_stored_metrics},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_store = {"store", NULL, NULL, NULL, NULL, tests};
