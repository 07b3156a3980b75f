/* Every registered algorithm through the plugin interface alone, so a new algorithm is covered
 * the moment it is in the registry:
 *  - predict allocates nothing: the allocator hook (alloc_hook.h) counts every allocation the
 *    predicting thread makes, libc's own included (qsort's buffer), on queries up to 1,200
 *    clicks with 300 distinct items, and on the real rsc15-100k test sessions;
 *  - fit -> save -> load gives a model whose predictions are identical (items and scores bit
 *    for bit), and saving it again gives the same bytes;
 *  - a corrupt, truncated, foreign or other-version file is refused with a clear message;
 *  - predict_batch, where an algorithm has it, answers as predict called query by query.
 * Besides each algorithm's defaults, the variants below reach their other code paths. */
#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "alloc_hook.h"
#include "algorithms/algo.h"
#include "algorithms/live.h"
#include "algorithms/model_file.h"
#include "data/rng.h"
#include "test_util.h"

/* ---- data ------------------------------------------------------------------------------- */

enum { N_ITEMS = 400, N_SESSIONS = 1500, MAX_QUERY = 1200, N_OUT = 50 };

/* Sessions of 1..60 clicks over N_ITEMS items (popularity skewed, some repeats), times
 * increasing through the log. */
static sbr_dataset *synthetic_train(uint32_t seed)
{
    gsl_rng *r = sbr_rng_new(seed);
    sbr_click *c = malloc(N_SESSIONS * 60 * sizeof *c);
    CU_ASSERT_FATAL(r != NULL && c != NULL);
    size_t n = 0;
    double t = 1e9;
    for (uint64_t s = 1; s <= N_SESSIONS; s++) {
        size_t len = 1 + (size_t)gsl_rng_uniform_int(r, s % 10 == 0 ? 60 : 8);
        for (size_t k = 0; k < len; k++) {
            double u = gsl_rng_uniform(r);
            uint64_t item = 1 + (uint64_t)(N_ITEMS * u * u);
            if (k > 0 && gsl_rng_uniform(r) < 0.1)
                item = c[n - 1].item; /* a repeat */
            t += 1 + (double)gsl_rng_uniform_int(r, 100);
            c[n] = (sbr_click){s, item, t, n};
            n++;
        }
    }
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, n, &ds, &e), SBR_OK);
    free(c);
    gsl_rng_free(r);
    return ds;
}

/* A query of `len` clicks over about `distinct` items of ds, with an unknown item now and
 * then; times ascending, `now` after the last. */
static void random_query(gsl_rng *r, const sbr_dataset *ds, size_t len, size_t distinct,
                         uint32_t *items, double *times, sbr_query *q)
{
    double last = 0; /* queries happen just after training ends (STAN decays with time) */
    for (size_t c = 0; c < ds->n_clicks; c++)
        last = ds->times[c] > last ? ds->times[c] : last;
    size_t span = distinct < ds->n_items ? distinct : ds->n_items;
    size_t base = (size_t)gsl_rng_uniform_int(r, (unsigned long)(ds->n_items - span + 1));
    for (size_t k = 0; k < len; k++) {
        items[k] = (uint32_t)(base + gsl_rng_uniform_int(r, (unsigned long)span));
        if (gsl_rng_uniform(r) < 0.02)
            items[k] = SBR_ITEM_UNKNOWN;
        times[k] = last + 100 + (double)k * 10;
    }
    *q = (sbr_query){items, times, len, times[len - 1] + 5, N_OUT, NULL};
}

/* ---- checks ---------------------------------------------------------------------------- */

typedef struct fitted {
    sbr_spec spec;
    sbr_model *model;
    void *scratch;
    sbr_vocab vocab; /* of the training set */
} fitted;

static int fit_spec(const char *text, const sbr_dataset *train, fitted *f)
{
    sbr_err e = {SBR_OK, ""};
    f->spec = (sbr_spec)SBR_SPEC_EMPTY;
    f->model = NULL;
    f->scratch = NULL;
    if (sbr_vocab_from_dataset(train, &f->vocab, &e) != SBR_OK ||
        sbr_spec_parse(&f->spec, text, &e) != SBR_OK ||
        sbr_algo_fit(f->spec.algo, f->spec.config, train, &f->model, &e) != SBR_OK) {
        fprintf(stderr, "\n  %s: %s\n", text, e.msg);
        return 0;
    }
    f->scratch = f->spec.algo->scratch_new(f->model);
    return f->scratch != NULL;
}

static void fitted_fini(fitted *f)
{
    if (f->spec.algo != NULL) {
        f->spec.algo->scratch_free(f->scratch);
        f->spec.algo->free(f->model);
    }
    sbr_spec_fini(&f->spec);
    sbr_vocab_fini(&f->vocab);
}

/* Predicts q with the allocator guard on; counts the queries that allocated. */
static size_t guarded_predict(const fitted *f, const sbr_query *q, sbr_scored *out, size_t *n_out)
{
    sbr_err e;
    alloc_guard_begin();
    sbr_rc rc = f->spec.algo->predict(f->model, q, f->scratch, out, n_out, &e);
    size_t allocs = alloc_guard_end();
    CU_ASSERT_EQUAL(rc, SBR_OK);
    return allocs;
}

static void check_no_allocation(const char *spec, const sbr_dataset *train)
{
    fitted f;
    CU_ASSERT_FATAL(fit_spec(spec, train, &f));
    static uint32_t items[MAX_QUERY];
    static double times[MAX_QUERY];
    sbr_scored out[N_OUT];
    gsl_rng *r = sbr_rng_new(7);
    size_t allocating = 0, non_empty = 0;
    const size_t lens[] = {1, 2, 3, 5, 12, 40, 300, 1000, 1200};
    const size_t distincts[] = {1, 2, 3, 5, 10, 30, 300, 300, 400};
    for (size_t round = 0; round < 20; round++) {
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            sbr_query q;
            random_query(r, train, lens[l], distincts[l], items, times, &q);
            size_t n_out = 0;
            size_t allocs = guarded_predict(&f, &q, out, &n_out);
            if (allocs > 0 && allocating++ == 0)
                fprintf(stderr, "\n  %s: %zu allocations in one predict (query of %zu clicks)",
                        spec, allocs, lens[l]);
            non_empty += n_out > 0;
        }
    }
    CU_ASSERT_EQUAL(allocating, 0);
    CU_ASSERT(non_empty > 0); /* the queries reached the scoring code */
    if (non_empty == 0)
        fprintf(stderr, "\n  %s: every list empty", spec);
    gsl_rng_free(r);
    fitted_fini(&f);
}

static void test_predict_allocates_nothing_for_every_algorithm(void)
{
    if (!alloc_hook_available()) {
        printf("\n    skipped: the allocator hook is off under AddressSanitizer\n");
        return;
    }
    /* The hook sees this thread's allocations: a sanity check that it is live. */
    void *volatile p;
    void *volatile s;
    alloc_guard_begin();
    p = malloc(16);
    s = calloc(4, 4);
    size_t seen = alloc_guard_end();
    CU_ASSERT_EQUAL(seen, 2);
    free(p);
    free(s);
    sbr_dataset *train = synthetic_train(11);
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64);
    for (size_t i = 0; i < n; i++)
        check_no_allocation(specs[i], train);
    sbr_dataset_free(train);
}

/* scratch_bytes states exactly the bytes scratch_new asks the allocator for, so a server can
 * size its threads' memory from it. */
static void test_scratch_bytes_states_what_scratch_new_allocates(void)
{
    if (!alloc_hook_available()) {
        printf("\n    skipped: the allocator hook is off under AddressSanitizer\n");
        return;
    }
    sbr_dataset *train = synthetic_train(17);
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64);
    for (size_t i = 0; i < n; i++) {
        fitted f;
        CU_ASSERT_FATAL(fit_spec(specs[i], train, &f));
        alloc_guard_begin();
        void *s = f.spec.algo->scratch_new(f.model);
        alloc_guard_end();
        size_t got = alloc_guard_bytes(), said = f.spec.algo->scratch_bytes(f.model);
        CU_ASSERT_EQUAL(got, said);
        if (got != said)
            fprintf(stderr, "\n  %s: scratch_new allocated %zu bytes, scratch_bytes says %zu",
                    specs[i], got, said);
        f.spec.algo->scratch_free(s);
        fitted_fini(&f);
    }
    sbr_dataset_free(train);
}

/* A fit reports its progress through sbr_fit_opts: at least the "fit" stage from 0 to 1 of 1,
 * and never more done than total. */
typedef struct progress_log {
    size_t calls, bad;
    uint64_t last_done;
} progress_log;

static void log_progress(void *user, const sbr_fit_progress *p)
{
    progress_log *l = user;
    l->calls++;
    l->bad += p->stage == NULL || (p->total > 0 && p->done > p->total);
    l->last_done = p->done;
}

static void test_fits_report_progress(void)
{
    sbr_dataset *train = synthetic_train(19);
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    for (size_t i = 0; i < n; i++) {
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, test_algo_spec(all[i]->name), &e), SBR_OK);
        progress_log log = {0, 0, 0};
        sbr_fit_opts fo = {log_progress, &log, NULL, NULL};
        sbr_model *m = NULL;
        CU_ASSERT_EQUAL_FATAL(sbr_algo_fit_with(sp.algo, sp.config, train, &fo, &m, &e), SBR_OK);
        CU_ASSERT(log.calls >= 2);
        CU_ASSERT_EQUAL(log.bad, 0);
        CU_ASSERT_EQUAL(log.last_done, 1);
        sp.algo->free(m);
        sbr_spec_fini(&sp);
    }
    sbr_dataset_free(train);
}

/* Saves f's model, loads it back and compares predictions on `n_queries` random queries; the
 * second save of the loaded model must give the same bytes. */
static void check_round_trip(const char *spec, const sbr_dataset *train)
{
    fitted f;
    CU_ASSERT_FATAL(fit_spec(spec, train, &f));
    char path[512], again[512];
    snprintf(path, sizeof path, "%s/model-%s.sbrm", test_tmpdir(), f.spec.algo->name);
    snprintf(again, sizeof again, "%s/model-%s-again.sbrm", test_tmpdir(), f.spec.algo->name);
    sbr_err e = {SBR_OK, ""};
    sbr_rc src = sbr_model_save(f.model, &f.spec, &f.vocab, path, &e);
    if (src != SBR_OK)
        fprintf(stderr, "\n  %s: %s\n", spec, e.msg);
    CU_ASSERT_EQUAL_FATAL(src, SBR_OK);
    fitted g = {SBR_SPEC_EMPTY, NULL, NULL, {0, NULL, NULL}};
    sbr_rc rc = sbr_model_load(path, &g.spec, &g.vocab, &g.model, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "\n  %s: %s\n", spec, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    CU_ASSERT_PTR_EQUAL(g.spec.algo, f.spec.algo);
    CU_ASSERT_EQUAL(memcmp(g.spec.config, f.spec.config, f.spec.algo->config_size), 0);
    CU_ASSERT_EQUAL(g.spec.algo->model_bytes(g.model), f.spec.algo->model_bytes(f.model));
    g.scratch = g.spec.algo->scratch_new(g.model);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g.scratch);

    static uint32_t items[MAX_QUERY];
    static double times[MAX_QUERY];
    sbr_scored a[N_OUT], b[N_OUT];
    gsl_rng *r = sbr_rng_new(3);
    size_t differ = 0, non_empty = 0;
    for (size_t k = 0; k < 300; k++) {
        sbr_query q;
        random_query(r, train, 1 + k % 25, 1 + k % 40, items, times, &q);
        size_t na = 0, nb = 0;
        CU_ASSERT_EQUAL(f.spec.algo->predict(f.model, &q, f.scratch, a, &na, &e), SBR_OK);
        CU_ASSERT_EQUAL(g.spec.algo->predict(g.model, &q, g.scratch, b, &nb, &e), SBR_OK);
        bool same = na == nb;
        for (size_t j = 0; same && j < na; j++)
            same = a[j].item == b[j].item && memcmp(&a[j].score, &b[j].score, sizeof(double)) == 0;
        differ += !same;
        non_empty += na > 0;
    }
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(non_empty > 100);
    if (differ > 0)
        fprintf(stderr, "\n  %s: %zu of 300 lists differ after load\n", spec, differ);
    /* Deterministic bytes: the loaded model saves to the same file. */
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(g.model, &g.spec, &f.vocab, again, &e), SBR_OK);
    size_t la = 0, lb = 0;
    char *fa = test_read_file(path, &la), *fb = test_read_file(again, &lb);
    CU_ASSERT_FATAL(fa != NULL && fb != NULL);
    CU_ASSERT(la == lb && memcmp(fa, fb, la) == 0);
    free(fa);
    free(fb);
    gsl_rng_free(r);
    fitted_fini(&f);
    fitted_fini(&g);
}

static void test_save_load_round_trips_for_every_algorithm(void)
{
    sbr_dataset *train = synthetic_train(5);
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64);
    for (size_t i = 0; i < n; i++)
        check_round_trip(specs[i], train);
    sbr_dataset_free(train);
}

/* predict_batch on m queries answers as m predict calls in that order (items and scores bit
 * for bit) and allocates nothing: batches of 1..SBR_PREDICT_BATCH queries mixing prefixes of
 * one session (as the harness sends them), unrelated sessions, long queries and queries of
 * unknown items only. */
static void check_batch(const char *spec, const sbr_dataset *train, size_t *checked)
{
    fitted f, g; /* g predicts one by one on its own scratch */
    CU_ASSERT_FATAL(fit_spec(spec, train, &f));
    if (f.spec.algo->predict_batch == NULL) {
        fitted_fini(&f);
        return;
    }
    g = f;
    g.scratch = f.spec.algo->scratch_new(f.model);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g.scratch);
    enum { B = SBR_PREDICT_BATCH, LEN = 64 };
    static uint32_t items[B][LEN],
        unknown[3] = {SBR_ITEM_UNKNOWN, SBR_ITEM_UNKNOWN, SBR_ITEM_UNKNOWN};
    static double times[B][LEN];
    static sbr_scored a[B * N_OUT], b[N_OUT];
    sbr_query q[B];
    size_t n_a[B];
    gsl_rng *r = sbr_rng_new(17);
    size_t differ = 0, allocating = 0, non_empty = 0;
    sbr_err e;
    for (size_t round = 0; round < 60; round++) {
        size_t m = 1 + round % B;
        for (size_t j = 0; j < m; j++) {
            size_t kind = (size_t)gsl_rng_uniform_int(r, 4);
            if (kind == 0 && j > 0 && q[j - 1].len < LEN && q[j - 1].items == items[j - 1]) {
                /* the next prefix of the previous query's session */
                memcpy(items[j], items[j - 1], LEN * sizeof items[j][0]);
                memcpy(times[j], times[j - 1], LEN * sizeof times[j][0]);
                q[j] = q[j - 1];
                q[j].items = items[j];
                q[j].times = times[j];
                q[j].len++;
            } else if (kind == 1) {
                q[j] = (sbr_query){unknown, times[j], 3, 1e12, N_OUT, NULL};
                times[j][0] = times[j][1] = times[j][2] = 1e12 - 10;
            } else {
                random_query(r, train, LEN, 30, items[j], times[j], &q[j]);
                if (kind == 3) { /* a short prefix: later queries may extend it */
                    q[j].len = 1 + (size_t)gsl_rng_uniform_int(r, 9);
                    q[j].now = times[j][q[j].len - 1] + 5;
                }
            }
        }
        alloc_guard_begin();
        CU_ASSERT_EQUAL(f.spec.algo->predict_batch(f.model, q, m, f.scratch, a, n_a, &e), SBR_OK);
        allocating += alloc_guard_end() > 0;
        for (size_t j = 0; j < m; j++) {
            size_t nb = 0;
            CU_ASSERT_EQUAL(g.spec.algo->predict(g.model, &q[j], g.scratch, b, &nb, &e), SBR_OK);
            bool same = n_a[j] == nb;
            for (size_t k = 0; same && k < nb; k++)
                same = a[j * N_OUT + k].item == b[k].item &&
                       memcmp(&a[j * N_OUT + k].score, &b[k].score, sizeof(double)) == 0;
            differ += !same;
            non_empty += nb > 0;
            (*checked)++;
        }
    }
    if (!alloc_hook_available())
        allocating = 0;
    if (differ > 0 || allocating > 0)
        fprintf(stderr, "\n  %s: %zu batched lists differ, %zu batches allocated", spec, differ,
                allocating);
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT_EQUAL(allocating, 0);
    CU_ASSERT(non_empty > 500);
    gsl_rng_free(r);
    f.spec.algo->scratch_free(g.scratch);
    fitted_fini(&f);
}

static void test_predict_batch_answers_as_predict(void)
{
    sbr_dataset *train = synthetic_train(29);
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64), checked = 0;
    for (size_t i = 0; i < n; i++)
        check_batch(specs[i], train, &checked);
    CU_ASSERT(checked > 0); /* some registered algorithm has predict_batch */
    sbr_dataset_free(train);
}

/* Streaming: a live session fed click by click predicts what the batch query of its last
 * max_len clicks predicts, for every algorithm. */
static void check_live(const char *spec, const sbr_dataset *train)
{
    enum { MAX_LEN = 16 };
    fitted f;
    CU_ASSERT_FATAL(fit_spec(spec, train, &f));
    sbr_live *live = sbr_live_new(f.model, MAX_LEN);
    CU_ASSERT_PTR_NOT_NULL_FATAL(live);
    static uint32_t items[MAX_QUERY];
    static double times[MAX_QUERY];
    sbr_scored a[N_OUT], b[N_OUT];
    gsl_rng *r = sbr_rng_new(21);
    size_t differ = 0, compared = 0;
    sbr_err e;
    for (size_t session = 0; session < 40; session++) {
        sbr_query whole;
        random_query(r, train, 1 + session % 37, 30, items, times, &whole);
        sbr_live_reset(live);
        for (size_t t = 0; t < whole.len; t++) {
            CU_ASSERT_EQUAL_FATAL(sbr_live_update(live, items[t], times[t], &e), SBR_OK);
            size_t first = t + 1 > MAX_LEN ? t + 1 - MAX_LEN : 0;
            sbr_query batch = {items + first, times + first, t + 1 - first,
                               times[t] + 5,  N_OUT,         NULL};
            sbr_query streamed;
            sbr_live_query(live, N_OUT, times[t] + 5, &streamed);
            CU_ASSERT_EQUAL(sbr_live_len(live), batch.len);
            size_t na = 0, nb = 0;
            CU_ASSERT_EQUAL(f.spec.algo->predict(f.model, &batch, f.scratch, a, &na, &e), SBR_OK);
            CU_ASSERT_EQUAL(f.spec.algo->predict(f.model, &streamed, f.scratch, b, &nb, &e),
                            SBR_OK);
            bool same = na == nb;
            for (size_t j = 0; same && j < na; j++)
                same = a[j].item == b[j].item && a[j].score == b[j].score;
            differ += !same;
            compared++;
        }
    }
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(compared > 500);
    CU_ASSERT(sbr_live_bytes(live) >= 2 * MAX_LEN * sizeof(uint32_t));
    gsl_rng_free(r);
    sbr_live_free(live);
    sbr_live_free(NULL);
    fitted_fini(&f);
}

static void test_live_sessions_predict_as_their_click_lists(void)
{
    sbr_dataset *train = synthetic_train(13);
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64);
    for (size_t i = 0; i < n; i++)
        check_live(specs[i], train);
    sbr_dataset_free(train);
}

/* Writes bytes as a file and expects sbr_model_load to refuse it with `needle` in the
 * message. */
static void expect_refused(const char *name, const void *bytes, size_t len, bool gz,
                           const char *needle)
{
    const char *path = test_write_file(name, bytes, len, gz);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_model *m = (sbr_model *)&sp; /* must be reset */
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_model_load(path, &sp, NULL, &m, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NULL(sp.config);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, needle));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, name)); /* the message names the file */
    if (strstr(e.msg, needle) == NULL)
        fprintf(stderr, "\n  %s: '%s' lacks '%s'\n", name, e.msg, needle);
}

/* A model file of the given header, an empty vocabulary unless `payload` brings its own, and
 * the payload, with a correct checksum. */
static size_t forge(unsigned char *buf, uint32_t format, uint32_t abi, const char *name,
                    const char *params, bool own_vocab, const void *payload, size_t payload_len)
{
    size_t n = 0;
    memcpy(buf, "SBRMODEL", 8);
    n = 8;
    memcpy(buf + n, &format, 4);
    memcpy(buf + n + 4, &abi, 4);
    n += 8;
    uint32_t l = (uint32_t)strlen(name);
    memcpy(buf + n, &l, 4);
    memcpy(buf + n + 4, name, l);
    n += 4 + l;
    l = (uint32_t)strlen(params);
    memcpy(buf + n, &l, 4);
    memcpy(buf + n + 4, params, l);
    n += 4 + l;
    if (!own_vocab) {
        const unsigned char empty[12] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0};
        memcpy(buf + n, empty, 12);
        memcpy(buf + n + 12, empty, 12);
        n += 24;
    }
    memcpy(buf + n, payload, payload_len);
    n += payload_len;
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)n);
    memcpy(buf + n, &crc, 4);
    return n + 4;
}

static void test_bad_model_files_are_refused_with_a_clear_message(void)
{
    sbr_dataset *train = synthetic_train(9);
    fitted f;
    CU_ASSERT_FATAL(fit_spec("ar", train, &f));
    char path[512];
    snprintf(path, sizeof path, "%s/good.sbrm", test_tmpdir());
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(f.model, &f.spec, &f.vocab, path, &e), SBR_OK);
    size_t len = 0;
    unsigned char *good = (unsigned char *)test_read_file(path, &len);
    CU_ASSERT_FATAL(good != NULL && len > 64);
    unsigned char *bad = malloc(len + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bad);

    expect_refused("not-a-model.sbrm", "SessionId\tItemId\n", 17, false, "not an sbr model");
    memcpy(bad, good, len);
    bad[len / 2] ^= 0x40; /* one flipped bit in the payload */
    expect_refused("flipped.sbrm", bad, len, false, "checksum");
    expect_refused("truncated.sbrm", good, len - 9, false, "checksum");
    expect_refused("truncated.sbrm.gz", good, 20, true, "truncated");

    unsigned char forged[256];
    uint64_t none = 0;
    size_t n =
        forge(forged, SBR_MODEL_FORMAT + 1, SBR_ALGO_ABI, "ar", "pruning=20", false, &none, 8);
    expect_refused("future-format.sbrm", forged, n, false, "format");
    n = forge(forged, SBR_MODEL_FORMAT, SBR_ALGO_ABI - 1, "ar", "pruning=20", false, &none, 8);
    expect_refused("old-interface.sbrm", forged, n, false, "interface");
    n = forge(forged, SBR_MODEL_FORMAT, SBR_ALGO_ABI, "nosuch", "k=1", false, &none, 8);
    expect_refused("unknown-algo.sbrm", forged, n, false, "unknown algorithm 'nosuch'");
    n = forge(forged, SBR_MODEL_FORMAT, SBR_ALGO_ABI, "ar", "pruning=-5", false, &none, 8);
    expect_refused("bad-params.sbrm", forged, n, false, "pruning");
    /* A payload that does not match the algorithm: an array of the wrong element size. */
    unsigned char payload[12] = {1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0};
    n = forge(forged, SBR_MODEL_FORMAT, SBR_ALGO_ABI, "ar", "pruning=20", false, payload, 12);
    expect_refused("wrong-payload.sbrm", forged, n, false, "elements");
    /* The payload of another algorithm under this one's name. */
    fitted p;
    CU_ASSERT_FATAL(fit_spec("pop", train, &p));
    char pop_path[512];
    snprintf(pop_path, sizeof pop_path, "%s/pop.sbrm", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(p.model, &p.spec, &p.vocab, pop_path, &e), SBR_OK);
    size_t plen = 0;
    unsigned char *pop_file = (unsigned char *)test_read_file(pop_path, &plen);
    CU_ASSERT_FATAL(pop_file != NULL);
    size_t header = 8 + 8 + 4 + 3 + 4 + strlen("top_n=0");
    unsigned char *mixed = malloc(plen + 64);
    CU_ASSERT_FATAL(mixed != NULL);
    n = forge(mixed, SBR_MODEL_FORMAT, SBR_ALGO_ABI, "markov", "pruning=20", true,
              pop_file + header, plen - header - 4);
    expect_refused("pop-as-markov.sbrm", mixed, n, false, "model array");
    free(mixed);
    free(pop_file);
    /* A model saved with another algorithm's spec is refused before anything is written. */
    CU_ASSERT_EQUAL(sbr_model_save(f.model, &p.spec, &f.vocab, path, &e), SBR_EINVAL);
    fitted_fini(&p);
    /* A missing file is an I/O error naming it. */
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL(sbr_model_load("/nonexistent/x.sbrm", &sp, NULL, &m, &e), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/x.sbrm"));
    free(bad);
    free(good);
    fitted_fini(&f);
    sbr_dataset_free(train);
}

/* Found by tests/fuzz/fuzz_model: a vstan model whose stored last-click positions exceeded its
 * longest session loaded, and its predict indexed its distance table past the end. Every
 * single-field corruption of a small model of each algorithm (a u32 at every byte offset
 * raised by 1 or by 16, the checksum made right again) must be refused or give a model that
 * predicts without error; the sanitizer build turns any read out of bounds into a failure.
 * A file past 16 KiB (STAMP's d x d weight matrices: 200 KiB of floats even for 9 items) has
 * every offset of its first and last 8 KiB corrupted and 4,096 offsets evenly spread over the
 * floats between, so that the test stays within its time. */
static void test_corrupt_payloads_are_refused_or_harmless(void)
{
    sbr_click c[40];
    size_t n = 0;
    for (uint64_t s = 1; s <= 8; s++)
        for (uint64_t k = 0; k < 2 + s % 4; k++, n++)
            c[n] = (sbr_click){s, 1 + (s * 7 + k * 3) % 9, 1e9 + (double)n * 60, n};
    sbr_dataset *train = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, n, &train, &e), SBR_OK);
    size_t n_algos;
    const sbr_algo *const *all = sbr_algo_list(&n_algos);
    for (size_t a = 0; a < n_algos; a++) {
        fitted f;
        CU_ASSERT_FATAL(fit_spec(test_algo_spec(all[a]->name), train, &f));
        char path[512];
        snprintf(path, sizeof path, "%s/corrupt-%s.sbrm", test_tmpdir(), all[a]->name);
        CU_ASSERT_EQUAL_FATAL(sbr_model_save(f.model, &f.spec, &f.vocab, path, &e), SBR_OK);
        size_t len = 0;
        unsigned char *good = (unsigned char *)test_read_file(path, &len);
        unsigned char *bad = malloc(len);
        CU_ASSERT_FATAL(good != NULL && bad != NULL && len > 24);
        size_t loaded = 0;
        size_t tried = 0, middle_step = len > 16384 ? (len - 16384) / 4096 + 1 : 1;
        for (size_t v = 0; v < 2 * len; v++) {
            size_t at = v / 2;
            if (at < 16 || at + 8 > len)
                continue;
            if (at >= 8192 && at + 8192 < len && (at - 8192) % middle_step != 0)
                continue;
            tried++;
            memcpy(bad, good, len);
            uint32_t word;
            memcpy(&word, bad + at, 4);
            word += v % 2 ? 16 : 1; /* one past a bound, and well past it */
            memcpy(bad + at, &word, 4);
            uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), bad, (uInt)(len - 4));
            memcpy(bad + len - 4, &crc, 4);
            const char *bad_path = test_write_file("corrupt.sbrm", bad, len, false);
            fitted g = {SBR_SPEC_EMPTY, NULL, NULL, {0, NULL, NULL}};
            if (sbr_model_load(bad_path, &g.spec, &g.vocab, &g.model, &e) != SBR_OK)
                continue;
            loaded++;
            g.scratch = g.spec.algo->scratch_new(g.model);
            /* One query per known item (and an unknown one), so every pair of items that
             * share a session is scored once. */
            for (size_t i = 0; g.scratch != NULL && i < g.vocab.n_items; i++) {
                uint32_t items[2] = {SBR_ITEM_UNKNOWN, (uint32_t)i};
                double times[2] = {1e9 + 3000, 1e9 + 3001};
                sbr_query q = {items, times, 2, 1e9 + 3002, 5, NULL};
                sbr_scored out[5];
                size_t n_out = 0;
                CU_ASSERT_EQUAL(g.spec.algo->predict(g.model, &q, g.scratch, out, &n_out, &e),
                                SBR_OK);
            }
            fitted_fini(&g);
        }
        CU_ASSERT(loaded < tried); /* the loaders do check something */
        free(bad);
        free(good);
        fitted_fini(&f);
    }
    sbr_dataset_free(train);
}

/* Model files tests/fuzz/fuzz_model found (checksums valid), each crashing a predict before
 * the session index's load checked it; tests/fixtures/models/ names what each breaks. */
static void test_fuzzed_model_files_are_refused(void)
{
    static const char *const files[] = {"sknn-unsorted-item-sessions.sbrm",
                                        "vstan-last-click-past-longest.sbrm"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/models/%s", SBR_FIXTURES, files[k]);
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_model *m = NULL;
        sbr_err e = {SBR_OK, ""};
        CU_ASSERT_EQUAL(sbr_model_load(path, &sp, NULL, &m, &e), SBR_EPARSE);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "inconsistent arrays"));
        CU_ASSERT_PTR_NULL(m);
        if (m != NULL) {
            m->algo->free(m);
            sbr_spec_fini(&sp);
        }
    }
}

/* ---- on real data (rsc15-100k) ------------------------------------------------------------ */

static sbr_dataset *rsc_train, *rsc_test;

static int rsc_setup(void)
{
    return test_load_rsc15(&rsc_train, &rsc_test);
}

static int rsc_teardown(void)
{
    sbr_dataset_free(rsc_train);
    sbr_dataset_free(rsc_test);
    return 0;
}

/* Every prefix of every test session (known items only, as the harness does), with the
 * allocation guard on, and the predictions of a saved-and-loaded model compared with the
 * fitted one's. */
static void test_real_sessions_allocate_nothing_and_survive_save_load(void)
{
    const char *specs[64];
    size_t n_specs = test_algo_specs(specs, 64);
    static uint32_t items[4096];
    static double times[4096];
    sbr_scored a[20], b[20];
    for (size_t i = 0; i < n_specs; i++) {
        fitted f, g = {SBR_SPEC_EMPTY, NULL, NULL, {0, NULL, NULL}};
        CU_ASSERT_FATAL(fit_spec(specs[i], rsc_train, &f));
        char path[512];
        snprintf(path, sizeof path, "%s/rsc-%zu.sbrm.gz", test_tmpdir(), i);
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_model_save(f.model, &f.spec, &f.vocab, path, &e), SBR_OK);
        CU_ASSERT_EQUAL_FATAL(sbr_model_load(path, &g.spec, &g.vocab, &g.model, &e), SBR_OK);
        g.scratch = g.spec.algo->scratch_new(g.model);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g.scratch);
        size_t allocating = 0, differ = 0, predictions = 0, longest = 0;
        for (size_t s = 0; s < rsc_test->n_sessions; s++) {
            size_t len = 0;
            for (size_t c = rsc_test->offsets[s]; c < rsc_test->offsets[s + 1] && len < 4096; c++) {
                uint32_t idx;
                if (!sbr_dataset_find_item(rsc_train, rsc_test->item_ids[rsc_test->items[c]], &idx))
                    continue;
                items[len] = idx;
                times[len] = rsc_test->times[c];
                len++;
                sbr_query q = {items, times, len, times[len - 1], 20, NULL};
                size_t na = 0, nb = 0;
                allocating += guarded_predict(&f, &q, a, &na) > 0;
                CU_ASSERT_EQUAL(g.spec.algo->predict(g.model, &q, g.scratch, b, &nb, &e), SBR_OK);
                bool same = na == nb;
                for (size_t j = 0; same && j < na; j++)
                    same = a[j].item == b[j].item &&
                           memcmp(&a[j].score, &b[j].score, sizeof(double)) == 0;
                differ += !same;
                predictions++;
            }
            longest = len > longest ? len : longest;
        }
        if (!alloc_hook_available())
            allocating = 0;
        if (allocating > 0 || differ > 0)
            fprintf(stderr, "\n  %s: %zu of %zu predictions allocated, %zu differ after load",
                    specs[i], allocating, predictions, differ);
        CU_ASSERT_EQUAL(allocating, 0);
        CU_ASSERT_EQUAL(differ, 0);
        CU_ASSERT(predictions > 10000 && longest >= 50);
        fitted_fini(&f);
        fitted_fini(&g);
    }
}

static CU_TestInfo tests[] = {
    {"predict allocates nothing, for every algorithm",
     test_predict_allocates_nothing_for_every_algorithm},
    {"scratch_bytes states what scratch_new allocates",
     test_scratch_bytes_states_what_scratch_new_allocates},
    {"fits report progress", test_fits_report_progress},
    {"save and load round-trip, for every algorithm",
     test_save_load_round_trips_for_every_algorithm},
    {"live sessions predict as their click lists", test_live_sessions_predict_as_their_click_lists},
    {"predict_batch answers as predict", test_predict_batch_answers_as_predict},
    {"bad model files are refused with a clear message",
     test_bad_model_files_are_refused_with_a_clear_message},
    {"corrupt payloads are refused or harmless", test_corrupt_payloads_are_refused_or_harmless},
    {"fuzzed model files are refused", test_fuzzed_model_files_are_refused},
    CU_TEST_INFO_NULL};

static CU_TestInfo data_tests[] = {{"real sessions allocate nothing and survive save/load",
                                    test_real_sessions_allocate_nothing_and_survive_save_load},
                                   CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_models = {"models", NULL, NULL, NULL, NULL, tests};
CU_SuiteInfo sbr_suite_models_data = {"models_data", rsc_setup, rsc_teardown,
                                      NULL,          NULL,      data_tests};
