/* stan, vstan, iknn and sscf: unit tests.
 *
 *  - Hand-computed cases: tiny training sets whose expected scores are written out from the
 *    formulas of ../shared/reference/session-rec.md sections 2.3, 2.4 and 2.8 (STAN, VSTAN,
 *    ItemKNN) and of Park et al. 2011 (sscf), worked by hand in the comments.
 *  - Brute-force references on seeded random data: for each algorithm a plain implementation
 *    written here from the same formulas (loops over every training session, no index, no
 *    stamps, full sorts) must give the same scores (relative 1e-12) and the same ranked items
 *    for every query, over several parameter settings. For sscf the reference computes the
 *    full mean-centred prediction P(i) of every item and ranks the whole item space; the test
 *    shows the listed items are that ranking's head and the unlisted ones its tied tail.
 *  - Parameter validation: out-of-range values fail with a message naming the parameter. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/iknn.h"
#include "data/rng.h"
#include "algorithms/sscf.h"
#include "algorithms/stan.h"
#include "algorithms/vstan.h"
#include "data/dataset.h"
#include "eval/harness.h"
#include "test_util.h"

#define U SBR_ITEM_UNKNOWN

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct clicks {
    sbr_click *c;
    size_t n, cap;
} clicks;

/* Appends a session whose clicks are `step` seconds apart and whose last click is at `end`. */
static void add_session(clicks *cl, uint64_t id, const uint64_t *items, size_t len, double end,
                        double step)
{
    for (size_t t = 0; t < len; t++) {
        if (cl->n == cl->cap) {
            cl->cap = cl->cap ? 2 * cl->cap : 64;
            cl->c = realloc(cl->c, cl->cap * sizeof *cl->c);
            CU_ASSERT_PTR_NOT_NULL_FATAL(cl->c);
        }
        cl->c[cl->n] = (sbr_click){id, items[t], end - (double)(len - 1 - t) * step, cl->n};
        cl->n++;
    }
}

static sbr_dataset *build(clicks *cl)
{
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(cl->c, cl->n, &ds, &e), SBR_OK);
    free(cl->c);
    memset(cl, 0, sizeof *cl);
    return ds;
}

typedef struct fitted {
    const sbr_algo *a;
    sbr_model *m;
    void *scratch;
} fitted;

static void fit(const sbr_algo *a, const void *cfg, const sbr_dataset *train, fitted *f)
{
    sbr_err e = {SBR_OK, ""};
    f->a = a;
    f->m = NULL;
    sbr_rc rc = sbr_algo_fit(a, cfg, train, &f->m, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    CU_ASSERT_PTR_EQUAL(f->m->algo, a);
    CU_ASSERT(a->model_bytes(f->m) > 0);
    f->scratch = a->scratch_new(f->m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->scratch);
}

static void unfit(fitted *f)
{
    f->a->scratch_free(f->scratch);
    f->a->free(f->m);
}

static size_t predict(const fitted *f, const uint32_t *items, size_t len, double now, size_t n,
                      sbr_scored *out)
{
    double times[64] = {0};
    sbr_query q = {items, times, len, now, n, NULL};
    size_t n_out = 99999;
    sbr_err e;
    CU_ASSERT_EQUAL(f->a->predict(f->m, &q, f->scratch, out, &n_out, &e), SBR_OK);
    CU_ASSERT(n_out <= n);
    return n_out;
}

static bool close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fabs(b);
}

/* Asserts a list equals the expected items and scores (relative 1e-12). */
static void expect_list(const sbr_scored *out, size_t n_out, const uint32_t *items,
                        const double *scores, size_t n)
{
    CU_ASSERT_EQUAL(n_out, n);
    for (size_t p = 0; p < n && p < n_out; p++) {
        CU_ASSERT_EQUAL(out[p].item, items[p]);
        CU_ASSERT(close_rel(out[p].score, scores[p], 1e-12));
        if (out[p].item != items[p] || !close_rel(out[p].score, scores[p], 1e-12))
            fprintf(stderr, "\nposition %zu: got %u %.17g, expected %u %.17g\n", p, out[p].item,
                    out[p].score, items[p], scores[p]);
    }
}

/* ---- STAN and VSTAN: hand-computed -------------------------------------------------------- */

/* Training: A (id 1) = 10 20 30 ending at 120; B (id 2) = 20 40 ending at 210; dense items
 * 10, 20, 30, 40 -> 0, 1, 2, 3. */
static sbr_dataset *stan_hand_train(bool with_c)
{
    clicks cl = {0};
    add_session(&cl, 1, (const uint64_t[]){10, 20, 30}, 3, 120, 10);
    add_session(&cl, 2, (const uint64_t[]){20, 40}, 2, 210, 10);
    if (with_c) /* C (id 3) = 20 50, the same shape and end time as B */
        add_session(&cl, 3, (const uint64_t[]){20, 50}, 2, 210, 10);
    return build(&cl);
}

static void stan_defaults(stan_config *c)
{
    sbr_algo_defaults(&sbr_algo_stan, c);
    c->sample_size = 0;
    c->lambda_snh = 1; /* one day */
}

static void test_stan_hand_computed_scores(void)
{
    sbr_dataset *train = stan_hand_train(false);
    stan_config c;
    stan_defaults(&c);
    fitted f;
    fit(&sbr_algo_stan, &c, train, &f);
    /* Session [20], target at 210. L = 1, w(20) = 1, |w| = 1. A has 3 distinct items and is
     * 90 s old, B has 2 and is 0 s old:
     *   sim(A) = 1 / sqrt(3) * exp(-90 / 86400),  sim(B) = 1 / sqrt(2).
     * star(A) = 2 (20 is A's 2nd click), star(B) = 1. With e = exp(-1 / 2.05):
     *   20: sim(A) + sim(B);  40: sim(B) e;  10 and 30: sim(A) e (tied: item order). */
    const double sa = 1 / sqrt(3.0) * exp(-90.0 / 86400), sb = 1 / sqrt(2.0);
    const double e = exp(-1 / 2.05);
    sbr_scored out[8];
    size_t n = predict(&f, (const uint32_t[]){1}, 1, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 3, 0, 2},
                (const double[]){sa + sb, sb * e, sa * e, sa * e}, 4);
    n = predict(&f, (const uint32_t[]){1}, 1, 210, 2, out); /* a shorter list is the head */
    expect_list(out, n, (const uint32_t[]){1, 3}, (const double[]){sa + sb, sb * e}, 2);
    /* An unknown click is skipped: [U, 20, U] is [20]; a session of unknown items gets none. */
    n = predict(&f, (const uint32_t[]){U, 1, U}, 3, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 3, 0, 2},
                (const double[]){sa + sb, sb * e, sa * e, sa * e}, 4);
    CU_ASSERT_EQUAL(predict(&f, (const uint32_t[]){U, U}, 2, 210, 8, out), 0);
    unfit(&f);

    /* remind = 0: the session's own item 20 is not scored. */
    c.remind = 0;
    fit(&sbr_algo_stan, &c, train, &f);
    n = predict(&f, (const uint32_t[]){1}, 1, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){3, 0, 2}, (const double[]){sb * e, sa * e, sa * e}, 3);
    unfit(&f);

    /* Session [10, 20]: L = 2, w(20) = 1, w(10) = exp(-1 / 1.02), |w| = sqrt(1 + w10^2).
     *   sim(A) = (1 + w10) / (|w| sqrt(3)) exp(-90 / 86400),  sim(B) = 1 / (|w| sqrt(2)).
     * star(A) = 2 (the last of A's clicks on 10 or 20), star(B) = 1.
     *   20: sim(A) + sim(B);  10, 30: sim(A) e;  40: sim(B) e. */
    c.remind = 1;
    fit(&sbr_algo_stan, &c, train, &f);
    const double w10 = exp(-1 / 1.02), nw = sqrt(1 + w10 * w10);
    const double sa2 = (1 + w10) / (nw * sqrt(3.0)) * exp(-90.0 / 86400),
                 sb2 = 1 / (nw * sqrt(2.0));
    n = predict(&f, (const uint32_t[]){0, 1}, 2, 210, 8, out);
    CU_ASSERT(sa2 > sb2); /* so 10 and 30 now lead 40 */
    expect_list(out, n, (const uint32_t[]){1, 0, 2, 3},
                (const double[]){sa2 + sb2, sa2 * e, sa2 * e, sb2 * e}, 4);
    unfit(&f);
    sbr_dataset_free(train);
}

static void test_stan_sampling_and_neighbour_ties(void)
{
    sbr_dataset *train = stan_hand_train(true); /* items 10 20 30 40 50 -> 0..4 */
    stan_config c;
    stan_defaults(&c);
    const double e = exp(-1 / 2.05), sb = 1 / sqrt(2.0);
    sbr_scored out[8];
    /* sample_size 1: of A, B and C (all hold 20) only the most recent is a candidate; B and C
     * both end at 210, and the tie goes to the later session index, C. */
    c.sample_size = 1;
    fitted f;
    fit(&sbr_algo_stan, &c, train, &f);
    size_t n = predict(&f, (const uint32_t[]){1}, 1, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 4}, (const double[]){sb, sb * e}, 2);
    unfit(&f);
    /* sample_size 2: B and C; k 1: their sims tie, the more recent (again C by index) wins. */
    c.sample_size = 2;
    c.k = 1;
    fit(&sbr_algo_stan, &c, train, &f);
    n = predict(&f, (const uint32_t[]){1}, 1, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 4}, (const double[]){sb, sb * e}, 2);
    unfit(&f);
    /* k 2, no sampling: B and C (sim 1/sqrt 2 each) beat A (1/sqrt 3 * decay). */
    c.sample_size = 0;
    c.k = 2;
    fit(&sbr_algo_stan, &c, train, &f);
    n = predict(&f, (const uint32_t[]){1}, 1, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 3, 4}, (const double[]){2 * sb, sb * e, sb * e}, 3);
    unfit(&f);
    sbr_dataset_free(train);
}

static void test_stan_time_decay_uses_the_target_time(void)
{
    sbr_dataset *train = stan_hand_train(false);
    stan_config c;
    stan_defaults(&c);
    fitted f;
    fit(&sbr_algo_stan, &c, train, &f);
    /* Target one day after B's end: A is 86400 + 90 s old, B 86400 s. */
    const double now = 210 + 86400.0, e = exp(-1 / 2.05);
    const double sa = 1 / sqrt(3.0) * exp(-(now - 120) / 86400), sb = 1 / sqrt(2.0) * exp(-1.0);
    sbr_scored out[8];
    size_t n = predict(&f, (const uint32_t[]){1}, 1, now, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 3, 0, 2},
                (const double[]){sa + sb, sb * e, sa * e, sa * e}, 4);
    unfit(&f);
    sbr_dataset_free(train);
}

static void test_vstan_hand_computed_scores(void)
{
    sbr_dataset *train = stan_hand_train(false);
    vstan_config c;
    sbr_algo_defaults(&sbr_algo_vstan, &c);
    c.sample_size = 0;
    c.lambda_snh = 1;
    c.lambda_ipw = 3.62;
    c.lambda_idf = 2;
    fitted f;
    fit(&sbr_algo_vstan, &c, train, &f);
    /* Session [20, 10], target at 210. L = 2, w(10) = 1, w(20) = exp(-1 / 1.02).
     *   sim(A) = (1 + w20) / (|w| sqrt 3) exp(-90 / 86400),  sim(B) = w20 / (|w| sqrt 2).
     * j(A) = 2 (10 is the session's 2nd click), j(B) = 1 (B holds only 20):
     *   ipw(A) = 1, ipw(B) = exp(-1 / 3.62).
     * idf = ln(2 sessions / clicks): 10, 30, 40 -> ln 2; 20 -> ln 1 = 0; factor 1 + 2 idf.
     * star(A) = 2, star(B) = 1; e = exp(-1 / 2.05).
     *   10, 30: sim(A) e (1 + 2 ln 2);  20: sim(A) + sim(B) ipw(B);
     *   40: sim(B) e (1 + 2 ln 2) ipw(B). */
    const double w20 = exp(-1 / 1.02), nw = sqrt(1 + w20 * w20), e = exp(-1 / 2.05);
    const double sa = (1 + w20) / (nw * sqrt(3.0)) * exp(-90.0 / 86400);
    const double sb = w20 / (nw * sqrt(2.0)), ipw = exp(-1 / 3.62), idf = 1 + 2 * log(2.0);
    const double s10 = sa * e * idf, s20 = sa + sb * ipw, s40 = sb * e * idf * ipw;
    CU_ASSERT(s10 > s20 && s20 > s40);
    sbr_scored out[8];
    size_t n = predict(&f, (const uint32_t[]){1, 0}, 2, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){0, 2, 1, 3}, (const double[]){s10, s10, s20, s40}, 4);
    unfit(&f);
    /* lambda_ipw = 0 and lambda_idf = 0 switch both factors off: STAN's scores. */
    c.lambda_ipw = 0;
    c.lambda_idf = 0;
    fit(&sbr_algo_vstan, &c, train, &f);
    n = predict(&f, (const uint32_t[]){1, 0}, 2, 210, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 0, 2, 3},
                (const double[]){sa + sb, sa * e, sa * e, sb * e}, 4);
    unfit(&f);
    sbr_dataset_free(train);
}

/* ---- iknn and sscf: hand-computed --------------------------------------------------------- */

static void test_iknn_hand_computed_scores(void)
{
    /* Items a b c d (ids 1..4 -> 0..3). Sessions: [a b b], [a c], [b c c a], [c], [d].
     * supp: a 3, b 3, c 4, d 1. Each click of i adds 1 for each distinct item of its session
     * (session-rec's numpy `iarray[items] += 1`):
     *   cooc(a,b) = 1 + 1 = 2;  cooc(a,c) = 1 + 1 = 2   (a is clicked once in s1, s2, s3)
     *   cooc(c,a) = 1 + 2 = 3;  cooc(c,b) = 2            (c: once in s2, twice in s3)
     * (Counting every pair of clicks would give cooc(a,b) = 3.)
     * lmbd 20, alpha 0.5: s(i,j) = cooc / sqrt((supp_i + 20)(supp_j + 20)). */
    clicks cl = {0};
    add_session(&cl, 1, (const uint64_t[]){1, 2, 2}, 3, 100, 1);
    add_session(&cl, 2, (const uint64_t[]){1, 3}, 2, 200, 1);
    add_session(&cl, 3, (const uint64_t[]){2, 3, 3, 1}, 4, 300, 1);
    add_session(&cl, 4, (const uint64_t[]){3}, 1, 400, 1);
    add_session(&cl, 5, (const uint64_t[]){4}, 1, 500, 1);
    sbr_dataset *train = build(&cl);
    iknn_config c;
    sbr_algo_defaults(&sbr_algo_iknn, &c);
    fitted f;
    fit(&sbr_algo_iknn, &c, train, &f);
    const double ab = 2 / 23.0, ac = 2 / sqrt(23.0 * 24);
    const double ca = 3 / sqrt(24.0 * 23), cb = 2 / sqrt(24.0 * 23);
    sbr_scored out[8];
    /* Only the last item counts: [c, a] is a's row. */
    size_t n = predict(&f, (const uint32_t[]){2, 0}, 2, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 2}, (const double[]){ab, ac}, 2);
    n = predict(&f, (const uint32_t[]){2}, 1, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){0, 1}, (const double[]){ca, cb}, 2);
    n = predict(&f, (const uint32_t[]){0, U}, 2, 0, 8, out); /* the last known item: a */
    expect_list(out, n, (const uint32_t[]){1, 2}, (const double[]){ab, ac}, 2);
    CU_ASSERT_EQUAL(predict(&f, (const uint32_t[]){3}, 1, 0, 8, out), 0); /* d met nothing */
    CU_ASSERT_EQUAL(predict(&f, (const uint32_t[]){U}, 1, 0, 8, out), 0);
    unfit(&f);
    /* n_sims 1 keeps a's best only: b (2/23 > 2/sqrt(23*24)). */
    c.n_sims = 1;
    fit(&sbr_algo_iknn, &c, train, &f);
    n = predict(&f, (const uint32_t[]){0}, 1, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){1}, (const double[]){ab}, 1);
    unfit(&f);
    /* alpha 1 puts all the weight on the last item's support: s(a,b) = s(a,c) = 2 / 23, a tie
     * kept by item order. */
    c.n_sims = 100;
    c.alpha = 1;
    fit(&sbr_algo_iknn, &c, train, &f);
    n = predict(&f, (const uint32_t[]){0}, 1, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 2}, (const double[]){2 / 23.0, 2 / 23.0}, 2);
    unfit(&f);
    sbr_dataset_free(train);
}

static void test_sscf_hand_computed_scores(void)
{
    /* Items a b c d (ids 1..4 -> 0..3). V1 = [a a b] (end 100), V2 = [b c] (end 200),
     * V3 = [d] (end 300). Session [b]: r_s = (0 1 0 0), |r_s| = 1.
     *   sim(V1) = 1 / sqrt(5),  sim(V2) = 1 / sqrt(2),  sim(V3) = 0 (not a neighbour).
     * score(i) = sum_v sim r_v(i) / sum_v sim, with S = 1/sqrt 5 + 1/sqrt 2:
     *   b: 1;  a: (2 / sqrt 5) / S;  c: (1 / sqrt 2) / S;  d: unlisted.
     * Park's prediction is P = base + score with base = 1/4 - (sim1 3/4 + sim2 2/4) / S,
     * about -0.35: P(d) = base is negative, and the ranking by P is the ranking by score. */
    clicks cl = {0};
    add_session(&cl, 1, (const uint64_t[]){1, 1, 2}, 3, 100, 1);
    add_session(&cl, 2, (const uint64_t[]){2, 3}, 2, 200, 1);
    add_session(&cl, 3, (const uint64_t[]){4}, 1, 300, 1);
    sbr_dataset *train = build(&cl);
    sscf_config c;
    sbr_algo_defaults(&sbr_algo_sscf, &c);
    fitted f;
    fit(&sbr_algo_sscf, &c, train, &f);
    const double s1 = 1 / sqrt(5.0), s2 = 1 / sqrt(2.0), sum = s1 + s2;
    sbr_scored out[8];
    size_t n = predict(&f, (const uint32_t[]){1}, 1, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 0, 2}, (const double[]){1, 2 * s1 / sum, s2 / sum},
                3);
    /* Repeats count: [b b d] has r_s = (0 2 0 1), |r_s| = sqrt 5; sim(V1) = 2 / 5,
     * sim(V2) = 2 / sqrt 10, sim(V3) = 1 / sqrt 5. */
    const double t1 = 2 / 5.0, t2 = 2 / sqrt(10.0), t3 = 1 / sqrt(5.0), tsum = t1 + t2 + t3;
    n = predict(&f, (const uint32_t[]){1, U, 1, 3}, 4, 0, 8, out);
    CU_ASSERT(2 * t1 > t2 && t2 > t3);
    expect_list(out, n, (const uint32_t[]){1, 0, 2, 3},
                (const double[]){(t1 + t2) / tsum, 2 * t1 / tsum, t2 / tsum, t3 / tsum}, 4);
    unfit(&f);
    /* k 1: V2 alone; b and c both score 1 and tie (item order). */
    c.k = 1;
    fit(&sbr_algo_sscf, &c, train, &f);
    n = predict(&f, (const uint32_t[]){1}, 1, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 2}, (const double[]){1, 1}, 2);
    unfit(&f);
    sbr_dataset_free(train);
}

static void test_sscf_neighbour_ties_prefer_recent_then_later_sessions(void)
{
    /* V1 = [b c] (id 1, end 200), V2 = [b d] (id 2, end 200), V3 = [b a] (id 3, end 100):
     * all have sim 1/sqrt 2 with [b]. k 1 picks the most recent, and of V1 and V2 (same end)
     * the later session index, V2. */
    clicks cl = {0};
    add_session(&cl, 1, (const uint64_t[]){2, 3}, 2, 200, 1);
    add_session(&cl, 2, (const uint64_t[]){2, 4}, 2, 200, 1);
    add_session(&cl, 3, (const uint64_t[]){2, 1}, 2, 100, 1);
    sbr_dataset *train = build(&cl);
    sscf_config c = {1};
    fitted f;
    fit(&sbr_algo_sscf, &c, train, &f);
    sbr_scored out[8];
    size_t n = predict(&f, (const uint32_t[]){1}, 1, 0, 8, out);
    expect_list(out, n, (const uint32_t[]){1, 3}, (const double[]){1, 1}, 2);
    unfit(&f);
    sbr_dataset_free(train);
}

/* ---- brute-force references ---------------------------------------------------------------- */

typedef struct cand {
    size_t s;
    double end, sim;
} cand;

/* Most recent first: end descending, then session index descending. */
static int cand_recency_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return (x->s < y->s) - (x->s > y->s);
}

/* Best neighbour first: sim descending, then recency. */
static int cand_sim_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->sim != y->sim)
        return x->sim > y->sim ? -1 : 1;
    return cand_recency_cmp(a, b);
}

static bool session_has(const sbr_dataset *tr, size_t s, uint32_t item)
{
    for (size_t c = tr->offsets[s]; c < tr->offsets[s + 1]; c++)
        if (tr->items[c] == item)
            return true;
    return false;
}

static size_t session_distinct(const sbr_dataset *tr, size_t s)
{
    size_t n = 0;
    for (size_t c = tr->offsets[s]; c < tr->offsets[s + 1]; c++) {
        bool seen = false;
        for (size_t d = tr->offsets[s]; d < c; d++)
            seen = seen || tr->items[d] == tr->items[c];
        n += !seen;
    }
    return n;
}

typedef struct stan_ref_cfg {
    size_t k, sample; /* sample 0: all */
    int remind;
    double spw, snh, inh, ipw, idf; /* ipw, idf 0: off */
} stan_ref_cfg;

/* STAN / VSTAN as the reference's pseudo-code states them; score[] receives every item's
 * score (0 when none). */
static void stan_reference(const sbr_dataset *tr, const stan_ref_cfg *c, const uint32_t *q,
                           size_t len, double now, double *score)
{
    size_t ni = tr->n_items, ns = tr->n_sessions;
    for (size_t i = 0; i < ni; i++)
        score[i] = 0;
    uint32_t seq[64];
    size_t L = 0;
    for (size_t t = 0; t < len; t++)
        if (q[t] != U)
            seq[L++] = q[t];
    if (L == 0)
        return;
    /* Distinct items from the newest click back; their last positions and weights. */
    uint32_t dist[64];
    double w[64], norm2 = 0;
    size_t nd = 0;
    for (size_t p = L; p >= 1; p--) {
        bool seen = false;
        for (size_t a = 0; a < nd; a++)
            seen = seen || dist[a] == seq[p - 1];
        if (seen)
            continue;
        dist[nd] = seq[p - 1];
        w[nd] = exp(((double)p - (double)L) / c->spw);
        norm2 += w[nd] * w[nd];
        nd++;
    }
    double norm = sqrt(norm2);
    cand *cs = malloc((ns + 1) * sizeof *cs);
    size_t nc = 0;
    for (size_t s = 0; s < ns; s++) {
        bool shares = false;
        double num = 0;
        for (size_t a = 0; a < nd; a++) {
            if (session_has(tr, s, dist[a])) {
                shares = true;
                num += w[a];
            }
        }
        if (!shares)
            continue;
        double end = tr->times[tr->offsets[s + 1] - 1];
        double sim = num / (norm * sqrt((double)session_distinct(tr, s))) *
                     exp(-(now - end) / (c->snh * 86400.0));
        cs[nc++] = (cand){s, end, sim};
    }
    if (c->sample > 0 && nc > c->sample) {
        qsort(cs, nc, sizeof *cs, cand_recency_cmp);
        nc = c->sample;
    }
    qsort(cs, nc, sizeof *cs, cand_sim_cmp);
    for (size_t b = 0; b < nc && b < c->k; b++) {
        size_t s = cs[b].s, begin = tr->offsets[s], n_len = tr->offsets[s + 1] - begin;
        const uint32_t *nseq = tr->items + begin;
        size_t star = 0, j = 0;
        for (size_t p = 1; p <= n_len; p++)
            for (size_t a = 0; a < nd; a++)
                if (nseq[p - 1] == dist[a])
                    star = p;
        for (size_t p = 1; p <= L; p++)
            if (session_has(tr, s, seq[p - 1]))
                j = p;
        for (size_t p = 1; p <= n_len; p++) {
            uint32_t i = nseq[p - 1];
            bool later = false, in_s = false;
            for (size_t r = p + 1; r <= n_len; r++)
                later = later || nseq[r - 1] == i;
            if (later) /* p is not i's last position */
                continue;
            for (size_t a = 0; a < nd; a++)
                in_s = in_s || dist[a] == i;
            if (!c->remind && in_s)
                continue;
            double contrib = cs[b].sim * exp(-fabs((double)p - (double)star) / c->inh);
            if (c->idf > 0) {
                size_t n_clicks = 0;
                for (size_t x = 0; x < tr->n_clicks; x++)
                    n_clicks += tr->items[x] == i;
                contrib = contrib + contrib * log((double)ns / (double)n_clicks) * c->idf;
            }
            if (c->ipw > 0)
                contrib *= exp(((double)j - (double)L) / c->ipw);
            score[i] += contrib;
        }
    }
    free(cs);
}

/* item-kNN as session-rec codes it: each click of the last item adds 1 for each distinct item
 * of its session. */
static void iknn_reference(const sbr_dataset *tr, size_t n_sims, double lmbd, double alpha,
                           const uint32_t *q, size_t len, double *score)
{
    size_t ni = tr->n_items;
    for (size_t i = 0; i < ni; i++)
        score[i] = 0;
    size_t t = len;
    while (t > 0 && q[t - 1] == U)
        t--;
    if (t == 0)
        return;
    uint32_t last = q[t - 1];
    double *cooc = calloc(ni, sizeof *cooc), *supp = calloc(ni, sizeof *supp);
    for (size_t x = 0; x < tr->n_clicks; x++)
        supp[tr->items[x]] += 1;
    for (size_t s = 0; s < tr->n_sessions; s++) {
        double clicks_of_last = 0;
        for (size_t a = tr->offsets[s]; a < tr->offsets[s + 1]; a++)
            clicks_of_last += tr->items[a] == last;
        for (size_t b = tr->offsets[s]; b < tr->offsets[s + 1]; b++) {
            bool first = true; /* count each distinct item of the session once */
            for (size_t p = tr->offsets[s]; p < b; p++)
                first = first && tr->items[p] != tr->items[b];
            if (first && tr->items[b] != last)
                cooc[tr->items[b]] += clicks_of_last;
        }
    }
    sbr_scored *row = malloc(ni * sizeof *row);
    size_t n = 0;
    for (uint32_t j = 0; j < ni; j++) {
        double s = cooc[j] / (pow(supp[last] + lmbd, alpha) * pow(supp[j] + lmbd, 1.0 - alpha));
        if (s > 0)
            row[n++] = (sbr_scored){j, s};
    }
    /* Keep the n_sims best by the ranking rule (selection sort: plain and obviously right). */
    for (size_t p = 0; p < n && p < n_sims; p++) {
        size_t best = p;
        for (size_t r = p + 1; r < n; r++)
            if (sbr_scored_before(&row[r], &row[best]))
                best = r;
        sbr_scored tmp = row[p];
        row[p] = row[best];
        row[best] = tmp;
        score[row[p].item] = row[p].score;
    }
    free(row);
    free(cooc);
    free(supp);
}

/* Park et al.'s prediction for every item: P[i], whether a neighbour clicked i, and base (the
 * P of an item no neighbour clicked). Returns false when the session has no known item or no
 * neighbour. */
static bool sscf_reference(const sbr_dataset *tr, size_t k, const uint32_t *q, size_t len,
                           double *P, bool *by_nb, double *base)
{
    size_t ni = tr->n_items, ns = tr->n_sessions;
    double *rq = calloc(ni, sizeof *rq), *rv = calloc(ni, sizeof *rv);
    double L = 0;
    for (size_t t = 0; t < len; t++) {
        if (q[t] != U) {
            rq[q[t]] += 1;
            L += 1;
        }
    }
    double qq = 0;
    for (size_t i = 0; i < ni; i++)
        qq += rq[i] * rq[i];
    cand *cs = malloc((ns + 1) * sizeof *cs);
    size_t nc = 0;
    for (size_t s = 0; s < ns && L > 0; s++) {
        memset(rv, 0, ni * sizeof *rv);
        for (size_t c = tr->offsets[s]; c < tr->offsets[s + 1]; c++)
            rv[tr->items[c]] += 1;
        double dot = 0, vv = 0;
        for (size_t i = 0; i < ni; i++) {
            dot += rq[i] * rv[i];
            vv += rv[i] * rv[i];
        }
        if (dot > 0)
            cs[nc++] = (cand){s, tr->times[tr->offsets[s + 1] - 1], dot / (sqrt(qq) * sqrt(vv))};
    }
    qsort(cs, nc, sizeof *cs, cand_sim_cmp);
    if (nc > k)
        nc = k;
    double sum_abs = 0, centre = 0;
    for (size_t b = 0; b < nc; b++)
        sum_abs += fabs(cs[b].sim);
    for (size_t i = 0; i < ni; i++) {
        P[i] = 0;
        by_nb[i] = false;
    }
    for (size_t b = 0; b < nc; b++) {
        size_t s = cs[b].s;
        memset(rv, 0, ni * sizeof *rv);
        double len_v = (double)(tr->offsets[s + 1] - tr->offsets[s]);
        for (size_t c = tr->offsets[s]; c < tr->offsets[s + 1]; c++) {
            rv[tr->items[c]] += 1;
            by_nb[tr->items[c]] = true;
        }
        for (size_t i = 0; i < ni; i++)
            P[i] += cs[b].sim * (rv[i] - len_v / (double)ni);
        centre += cs[b].sim * (len_v / (double)ni);
    }
    for (size_t i = 0; i < ni; i++)
        P[i] = L / (double)ni + P[i] / sum_abs;
    *base = L / (double)ni - centre / sum_abs;
    free(rq);
    free(rv);
    free(cs);
    return nc > 0;
}

/* The listed items with positive reference scores, in ranking order. */
static size_t reference_list(const double *score, size_t ni, size_t n, sbr_scored *ref)
{
    size_t m = 0;
    for (uint32_t i = 0; i < ni; i++)
        if (score[i] > 0)
            ref[m++] = (sbr_scored){i, score[i]};
    for (size_t p = 0; p < m; p++) { /* selection sort by the ranking rule */
        size_t best = p;
        for (size_t r = p + 1; r < m; r++)
            if (sbr_scored_before(&ref[r], &ref[best]))
                best = r;
        sbr_scored tmp = ref[p];
        ref[p] = ref[best];
        ref[best] = tmp;
    }
    return m < n ? m : n;
}

/* The same items in the same order, scores equal to relative 1e-12. */
static bool same_list(const sbr_scored *out, size_t n_out, const sbr_scored *ref, size_t n_ref)
{
    if (n_out != n_ref) {
        fprintf(stderr, "\nlist length %zu, reference %zu\n", n_out, n_ref);
        return false;
    }
    for (size_t p = 0; p < n_out; p++) {
        if (out[p].item != ref[p].item || !close_rel(out[p].score, ref[p].score, 1e-12)) {
            fprintf(stderr, "\nposition %zu: %u %.17g, reference %u %.17g\n", p, out[p].item,
                    out[p].score, ref[p].item, ref[p].score);
            return false;
        }
    }
    return true;
}

/* Random training data: sessions of 1..8 clicks over about n_items items with a skewed
 * popularity and repeats; end times on a coarse grid so that some sessions end together;
 * SessionIds shuffled so that session order and time order differ. */
static sbr_dataset *random_train(gsl_rng *r, size_t n_items, size_t n_sessions)
{
    clicks cl = {0};
    uint64_t *ids = malloc(n_sessions * sizeof *ids);
    for (size_t s = 0; s < n_sessions; s++)
        ids[s] = s + 1;
    for (size_t s = n_sessions; s > 1; s--) {
        size_t j = gsl_rng_uniform_int(r, s);
        uint64_t t = ids[s - 1];
        ids[s - 1] = ids[j];
        ids[j] = t;
    }
    for (size_t s = 0; s < n_sessions; s++) {
        uint64_t items[8];
        size_t len = 1 + gsl_rng_uniform_int(r, 8);
        for (size_t t = 0; t < len; t++) {
            double u = gsl_rng_uniform(r);
            items[t] = t > 0 && gsl_rng_uniform(r) < 0.25
                           ? items[gsl_rng_uniform_int(r, t)]
                           : 100 + (uint64_t)((double)n_items * u * u);
        }
        double end = 1e6 + 100.0 * (double)gsl_rng_uniform_int(r, n_sessions / 3 + 1);
        add_session(&cl, ids[s], items, len, end, 5);
    }
    free(ids);
    return build(&cl);
}

/* A random query over the dense items, with unknown clicks and repeats. */
static size_t random_query(gsl_rng *r, size_t n_items, uint32_t *q)
{
    size_t len = 1 + gsl_rng_uniform_int(r, 8);
    for (size_t t = 0; t < len; t++) {
        double u = gsl_rng_uniform(r), v = gsl_rng_uniform(r);
        if (v < 0.1)
            q[t] = U;
        else if (t > 0 && v < 0.3)
            q[t] = q[gsl_rng_uniform_int(r, t)];
        else
            q[t] = (uint32_t)((double)n_items * u * u);
    }
    return len;
}

enum { N_QUERIES = 150 };

static void test_stan_and_vstan_equal_brute_force_on_random_data(void)
{
    const stan_ref_cfg cfgs[] = {
        /* k, sample, remind, spw, snh, inh, ipw, idf */
        {100, 5000, 1, 1.02, 5, 2.05, 0, 0},
        {5, 0, 1, 1.81, 100, 0.4525, 0, 0},
        {1, 10, 0, 1.02, 0.05, 2.05, 0, 0},
        {20, 3, 1, 1e-5, 5, 1e-5, 0, 0},
        {1000, 2500, 1, 3.62, 100, 0.4525, 3.62, 1},
        {7, 15, 0, 1.02, 0.05, 2.05, 1.02, 5},
        {3, 0, 1, 0.5, 1, 4, 1e-5, 10},
        {50, 20, 1, 2, 0.2, 1, 0, 2},
        {50, 20, 0, 2, 0.2, 1, 2, 0},
    };
    for (size_t ci = 0; ci < sizeof cfgs / sizeof cfgs[0]; ci++) {
        const stan_ref_cfg *c = &cfgs[ci];
        gsl_rng *r = sbr_rng_new(sbr_seed(7, ci, 0, 1));
        sbr_dataset *train = random_train(r, 40, 300);
        size_t ni = train->n_items;
        bool is_stan = c->ipw == 0 && c->idf == 0 && ci % 2 == 0;
        fitted f;
        if (is_stan) {
            stan_config sc = {(long)c->k, (long)c->sample, 0, c->remind, c->spw, c->snh, c->inh};
            fit(&sbr_algo_stan, &sc, train, &f);
        } else {
            vstan_config vc = {(long)c->k, (long)c->sample, 0,      c->remind, c->spw,
                               c->snh,     c->inh,          c->ipw, c->idf};
            fit(&sbr_algo_vstan, &vc, train, &f);
        }
        double *score = malloc(ni * sizeof *score);
        sbr_scored *out = malloc((ni + 1) * sizeof *out), *ref = malloc((ni + 1) * sizeof *ref);
        size_t bad = 0, listed = 0;
        for (int t = 0; t < N_QUERIES; t++) {
            uint32_t q[8];
            size_t len = random_query(r, ni, q);
            /* Sessions end in [1e6, 1e6 + 10100]; some targets precede some ends. */
            double now = 1e6 - 1000 + 13000 * gsl_rng_uniform(r);
            size_t n = t % 2 ? ni : 5;
            size_t n_out = predict(&f, q, len, now, n, out);
            stan_reference(train, c, q, len, now, score);
            size_t n_ref = reference_list(score, ni, n, ref);
            listed += n_out;
            if (!same_list(out, n_out, ref, n_ref))
                bad++;
        }
        if (bad)
            fprintf(stderr, "\n%s config %zu: %zu of %d queries differ\n", f.a->name, ci, bad,
                    N_QUERIES);
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT(listed > N_QUERIES / 2); /* the queries did produce lists */
        free(score);
        free(out);
        free(ref);
        unfit(&f);
        sbr_dataset_free(train);
        gsl_rng_free(r);
    }
}

static void test_iknn_equals_brute_force_on_random_data(void)
{
    const struct {
        long n_sims;
        double lmbd, alpha;
    } cfgs[] = {{100, 20, 0.5}, {3, 20, 0.5}, {1, 0, 0}, {10, 5, 1}, {7, 0.5, 0.25}};
    for (size_t ci = 0; ci < sizeof cfgs / sizeof cfgs[0]; ci++) {
        gsl_rng *r = sbr_rng_new(sbr_seed(7, ci, 0, 2));
        sbr_dataset *train = random_train(r, 40, 300);
        size_t ni = train->n_items;
        iknn_config c = {cfgs[ci].n_sims, cfgs[ci].lmbd, cfgs[ci].alpha};
        fitted f;
        fit(&sbr_algo_iknn, &c, train, &f);
        double *score = malloc(ni * sizeof *score);
        sbr_scored *out = malloc((ni + 1) * sizeof *out), *ref = malloc((ni + 1) * sizeof *ref);
        size_t bad = 0;
        for (int t = 0; t < N_QUERIES; t++) {
            uint32_t q[8];
            size_t len = random_query(r, ni, q);
            size_t n = t % 2 ? ni : 5;
            size_t n_out = predict(&f, q, len, 0, n, out);
            iknn_reference(train, (size_t)c.n_sims, c.lmbd, c.alpha, q, len, score);
            if (!same_list(out, n_out, ref, reference_list(score, ni, n, ref)))
                bad++;
        }
        CU_ASSERT_EQUAL(bad, 0);
        free(score);
        free(out);
        free(ref);
        unfit(&f);
        sbr_dataset_free(train);
        gsl_rng_free(r);
    }
}

static void test_sscf_ranking_equals_brute_force_on_random_data(void)
{
    const long ks[] = {100, 1, 5, 20, 1000};
    size_t rounding_swaps = 0, checked = 0;
    for (size_t ci = 0; ci < sizeof ks / sizeof ks[0]; ci++) {
        gsl_rng *r = sbr_rng_new(sbr_seed(7, ci, 0, 3));
        sbr_dataset *train = random_train(r, 40, 300);
        size_t ni = train->n_items;
        sscf_config c = {ks[ci]};
        fitted f;
        fit(&sbr_algo_sscf, &c, train, &f);
        double *P = malloc(ni * sizeof *P);
        bool *by_nb = malloc(ni * sizeof *by_nb);
        sbr_scored *out = malloc((ni + 1) * sizeof *out), *ref = malloc(ni * sizeof *ref);
        size_t bad = 0;
        for (int t = 0; t < N_QUERIES; t++) {
            uint32_t q[8];
            size_t len = random_query(r, ni, q);
            size_t n = t % 2 ? ni : 5;
            size_t n_out = predict(&f, q, len, 0, n, out);
            double base = 0;
            if (!sscf_reference(train, (size_t)c.k, q, len, P, by_nb, &base)) {
                bad += n_out != 0;
                continue;
            }
            /* The reference ranking of the whole item space by P, ties by item ascending. */
            for (uint32_t i = 0; i < ni; i++)
                ref[i] = (sbr_scored){i, P[i]};
            for (size_t p = 0; p < ni; p++) { /* selection sort */
                size_t best = p;
                for (size_t x = p + 1; x < ni; x++)
                    if (sbr_scored_before(&ref[x], &ref[best]))
                        best = x;
                sbr_scored tmp = ref[p];
                ref[p] = ref[best];
                ref[best] = tmp;
            }
            size_t n_nb = 0;
            for (size_t i = 0; i < ni; i++)
                n_nb += by_nb[i];
            /* Listed: the head of the reference ranking, each a neighbour's item with
             * P(i) = base + score(i). Items whose P are equal in exact arithmetic may differ in
             * the last bits, in P as in our scores (both add the same terms in other orders),
             * so they may swap: an item may differ from the reference's at its rank only when
             * their P are equal to rounding (tol). */
            double tol = 1e-12 * (1 + fabs(base));
            for (size_t i = 0; i < ni; i++)
                tol = fmax(tol, 1e-12 * fabs(P[i]));
            bool ok = n_out == (n_nb < n ? n_nb : n);
            for (size_t p = 0; p < n_out && ok; p++) {
                uint32_t i = out[p].item;
                ok = by_nb[i] && out[p].score > 0 && fabs(base + out[p].score - P[i]) <= tol;
                if (ok && i != ref[p].item) {
                    ok = fabs(P[i] - ref[p].score) <= tol;
                    rounding_swaps++;
                }
            }
            /* Unlisted when the list is not full: the rest, all tied at P = base, below. */
            if (ok && n_out < n && n_out < ni)
                ok = !by_nb[ref[n_out].item] && ref[n_out].score == ref[ni - 1].score &&
                     fabs(ref[n_out].score - base) <= tol &&
                     (n_out == 0 || ref[n_out - 1].score > ref[n_out].score + tol);
            checked += n_out;
            if (!ok) {
                fprintf(stderr, "\nsscf k=%ld query %d differs from the reference\n", c.k, t);
                bad++;
            }
        }
        CU_ASSERT_EQUAL(bad, 0);
        free(P);
        free(by_nb);
        free(out);
        free(ref);
        unfit(&f);
        sbr_dataset_free(train);
        gsl_rng_free(r);
    }
    printf("(%zu listed items checked, %zu of them swapped with an item tied to rounding) ",
           checked, rounding_swaps);
    CU_ASSERT(checked > 1000);
}

/* ---- determinism through the harness ----------------------------------------------------- */

/* Evaluates spec on random data with `threads` threads, keeping every list. */
static void eval_lists(const char *spec, const sbr_dataset *train, const sbr_dataset *test,
                       int threads, sbr_eval_result *res)
{
    sbr_err e = {SBR_OK, ""};
    sbr_model *m = test_fit(spec, train);
    const sbr_algo *a = m->algo;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.threads = threads;
    opt.latency = false;
    opt.keep_lists = true;
    CU_ASSERT_EQUAL_FATAL(sbr_evaluate(m, train, test, &opt, res, &e), SBR_OK);
    a->free(m);
}

static void test_lists_are_identical_for_1_and_3_threads(void)
{
    const char *specs[] = {"stan:k=20,sample_size=30", "vstan:k=50,sample_size=0,lambda_idf=1",
                           "iknn:n_sims=10", "sscf:k=10"};
    gsl_rng *r = sbr_rng_new(sbr_seed(7, 0, 0, 4));
    sbr_dataset *train = random_train(r, 40, 300), *test = random_train(r, 40, 120);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        sbr_eval_result one, three;
        eval_lists(specs[i], train, test, 1, &one);
        eval_lists(specs[i], train, test, 3, &three);
        CU_ASSERT(one.n_predictions > 100);
        CU_ASSERT_EQUAL_FATAL(one.n_predictions, three.n_predictions);
        CU_ASSERT(one.at[0].hr > 0);
        CU_ASSERT(one.at[0].mrr == three.at[0].mrr && one.at[0].hr == three.at[0].hr);
        bool same = true;
        for (size_t p = 0; p < one.n_predictions; p++) {
            same = same && one.lists[p].len == three.lists[p].len;
            for (size_t j = 0; same && j < one.lists[p].len; j++) {
                const sbr_scored *x = &one.list_items[p * one.max_cutoff + j];
                const sbr_scored *y = &three.list_items[p * three.max_cutoff + j];
                same = x->item == y->item && x->score == y->score;
            }
        }
        CU_ASSERT(same);
        sbr_eval_result_fini(&one);
        sbr_eval_result_fini(&three);
    }
    sbr_dataset_free(train);
    sbr_dataset_free(test);
    gsl_rng_free(r);
}

/* ---- parameters ---------------------------------------------------------------------------- */

static void expect_bad(const char *algo, const char *name, const char *value, const char *needle)
{
    const sbr_algo *a = sbr_algo_find(algo);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_spec_defaults(&sp, a, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, sp.config, name, value, &e), SBR_EINVAL);
    sbr_spec_fini(&sp);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, needle));
    if (strstr(e.msg, needle) == NULL)
        fprintf(stderr, "\n'%s' lacks '%s'\n", e.msg, needle);
}

static void test_parameters_are_bounded_and_named_in_errors(void)
{
    expect_bad("stan", "k", "0", "k='0'");
    expect_bad("stan", "sample_size", "-1", "sample_size='-1'");
    expect_bad("stan", "sampling", "random", "sampling='random'");
    expect_bad("stan", "remind", "2", "remind='2'");
    expect_bad("stan", "lambda_spw", "0", "lambda_spw='0'");
    expect_bad("stan", "lambda_snh", "-5", "lambda_snh='-5'");
    expect_bad("stan", "lambda_inh", "x", "lambda_inh='x'");
    expect_bad("stan", "lambda_ipw", "1", "unknown parameter 'lambda_ipw'");
    expect_bad("vstan", "lambda_ipw", "-1", "lambda_ipw='-1'");
    expect_bad("vstan", "lambda_idf", "-0.5", "lambda_idf='-0.5'");
    expect_bad("vstan", "similarity", "cosine", "unknown parameter 'similarity'");
    expect_bad("iknn", "n_sims", "0", "n_sims='0'");
    expect_bad("iknn", "lmbd", "-1", "lmbd='-1'");
    expect_bad("iknn", "alpha", "1.5", "alpha='1.5'");
    expect_bad("sscf", "k", "0", "k='0'");

    /* Defaults are session-rec's (k has none there: 100 here). */
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    char buf[512];
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, "vstan", &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(sbr_algo_format_params(sp.algo, sp.config, buf, sizeof buf),
                           "k=100;sample_size=5000;sampling=recent;remind=1;lambda_spw=1.02;"
                           "lambda_snh=5;lambda_inh=2.05;lambda_ipw=1.02;lambda_idf=5");
    sbr_spec_fini(&sp);
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, "iknn", &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(sbr_algo_format_params(sp.algo, sp.config, buf, sizeof buf),
                           "n_sims=100;lmbd=20;alpha=0.5");
    sbr_spec_fini(&sp);

    /* sbr_algo_fit checks a config filled in directly, and names the algorithm and the
     * parameter. */
    clicks cl = {0};
    add_session(&cl, 1, (const uint64_t[]){1, 2}, 2, 10, 1);
    sbr_dataset *train = build(&cl);
    sbr_model dummy, *m = &dummy; /* must be reset to NULL on failure */
    stan_config sc;
    sbr_algo_defaults(&sbr_algo_stan, &sc);
    sc.lambda_inh = 0;
    CU_ASSERT_EQUAL(sbr_algo_fit(&sbr_algo_stan, &sc, train, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "stan: lambda_inh"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "vstan"));
    vstan_config vc;
    sbr_algo_defaults(&sbr_algo_vstan, &vc);
    vc.k = 0;
    CU_ASSERT_EQUAL(sbr_algo_fit(&sbr_algo_vstan, &vc, train, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "vstan: k=0"));
    iknn_config ic = {10, 20, 2};
    CU_ASSERT_EQUAL(sbr_algo_fit(&sbr_algo_iknn, &ic, train, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "iknn: alpha"));
    sscf_config fc = {0};
    CU_ASSERT_EQUAL(sbr_algo_fit(&sbr_algo_sscf, &fc, train, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sscf: k=0"));
    sbr_dataset_free(train);
    /* Freeing NULL is a no-op. */
    sbr_algo_stan.free(NULL);
    sbr_algo_vstan.free(NULL);
    sbr_algo_iknn.free(NULL);
    sbr_algo_sscf.free(NULL);
    sbr_algo_vstan.scratch_free(NULL);
    sbr_algo_sscf.scratch_free(NULL);
}

static CU_TestInfo tests[] = {
    {"stan scores a tiny training set as computed by hand", test_stan_hand_computed_scores},
    {"stan samples the most recent candidates; ties go to the later session",
     test_stan_sampling_and_neighbour_ties},
    {"stan decays neighbours by their age at the target event's time",
     test_stan_time_decay_uses_the_target_time},
    {"vstan adds the insertion-position and idf weights as computed by hand",
     test_vstan_hand_computed_scores},
    {"iknn counts each session's items once per click and predicts from the last item",
     test_iknn_hand_computed_scores},
    {"sscf ranks the neighbours' items by the weighted play counts",
     test_sscf_hand_computed_scores},
    {"sscf neighbour ties go to the more recent, then the later session",
     test_sscf_neighbour_ties_prefer_recent_then_later_sessions},
    {"stan and vstan equal a brute-force reference on random data",
     test_stan_and_vstan_equal_brute_force_on_random_data},
    {"iknn equals a brute-force reference on random data",
     test_iknn_equals_brute_force_on_random_data},
    {"sscf ranks as Park's full prediction over all items on random data",
     test_sscf_ranking_equals_brute_force_on_random_data},
    {"lists are identical for 1 and 3 threads", test_lists_are_identical_for_1_and_3_threads},
    {"parameters are bounded and errors name them",
     test_parameters_are_bounded_and_named_in_errors},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_stan = {"stan", NULL, NULL, NULL, NULL, tests};
