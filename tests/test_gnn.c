/* SR-GNN and NARM: every new layer's backward pass (the gated graph step, the NARM GRU and
 * attention) and each whole network's gradient against central finite differences; SR-GNN's
 * session graph against values worked by hand from the reference's definition
 * (pytorch_code/utils.py get_slice, ../shared/reference/learned-models.md section 3); the
 * determinism of the fits (1 and 2 threads give the same model file byte for byte), the
 * save/load round trip, predictions that depend on the prefix only, and learning (a successor
 * rule). No expected value here comes from sbr's own output. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "algorithms/narm_int.h"
#include "algorithms/seq_fit.h"
#include "algorithms/nn/act.h"
#include "algorithms/nn/ggnn.h"
#include "algorithms/nn/gru_theano.h"
#include "algorithms/nn/tensor.h"
#include "algorithms/srgnn_int.h"
#include "data/rng.h"
#include "data/vocab.h"
#include "nn_check.h"
#include "test_util.h"

/* ---- the gated graph step ----------------------------------------------------------------- */

enum { GD = 4, GN = 5, GE = 5 };

typedef struct ggnn_ctx {
    float *p, h[GN * GD], c[GN * GD], out[GN * GD];
    float cache[6 * GN * GD], work[10 * GN * GD];
    sbr_nn_graph g;
    bool plain;
} ggnn_ctx;

/* L = sum c . step(h) */
static double ggnn_loss(void *p)
{
    ggnn_ctx *k = p;
    sbr_nn_ggnn_forward(k->p, GD, &k->g, k->h, k->out, k->cache, k->work, k->plain);
    double l = 0;
    for (size_t i = 0; i < GN * GD; i++)
        l += (double)k->c[i] * k->out[i];
    return l;
}

static void test_ggnn_step_matches_finite_differences(void)
{
    /* Two sessions in one graph: 0 <-> 1, 1 -> 2, 2 -> 2 (a self-loop), and 3 -> 4; weights
     * 1 / in-degree and 1 / out-degree as utils.get_slice normalises them. */
    static const uint32_t src[GE] = {0, 1, 1, 2, 3}, dst[GE] = {1, 0, 2, 2, 4};
    static const float w_in[GE] = {1, 1, 0.5f, 0.5f, 1}, w_out[GE] = {1, 0.5f, 0.5f, 1, 1};
    CU_ASSERT_EQUAL(sbr_nn_ggnn_n_params(GD), 11 * GD * GD + 10 * GD);
    CU_ASSERT(sbr_nn_ggnn_cache_floats(GN, GD) <= 6 * GN * GD);
    CU_ASSERT(sbr_nn_ggnn_work_floats(GN, GD) <= 10 * GN * GD);
    size_t np = sbr_nn_ggnn_n_params(GD);
    ggnn_ctx k;
    k.g = (sbr_nn_graph){GN, GE, src, dst, w_in, w_out};
    k.p = malloc(np * sizeof *k.p);
    float *gp = calloc(np, sizeof *gp), gh[GN * GD];
    CU_ASSERT_FATAL(k.p != NULL && gp != NULL);
    gsl_rng *r = sbr_rng_new(3);
    sbr_nn_init_normal(k.p, np, r, 0.5);
    sbr_nn_init_normal(k.h, GN * GD, r, 1.0);
    sbr_nn_init_normal(k.c, GN * GD, r, 1.0);
    k.plain = true; /* the prediction's products: the same values up to rounding */
    ggnn_loss(&k);
    float plain_out[GN * GD];
    memcpy(plain_out, k.out, sizeof plain_out);
    k.plain = false;
    ggnn_loss(&k);
    for (size_t i = 0; i < GN * GD; i++)
        CU_ASSERT(fabsf(plain_out[i] - k.out[i]) <= 1e-5f);
    sbr_nn_ggnn_backward(k.p, GD, &k.g, k.h, k.cache, k.c, gh, gp, k.work);
    CU_ASSERT_EQUAL(fd_check("ggnn dp", k.p, np, gp, ggnn_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad, 0);
    CU_ASSERT_EQUAL(fd_check("ggnn dh", k.h, GN * GD, gh, ggnn_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad,
                    0);
    /* b_iah reaches every node, b_in only nodes with an incoming edge: node 3 has none, so
     * b_in's gradient is the sum over the other nodes only (checked above); here: it is not
     * zero, so the check tested something. */
    CU_ASSERT(fabsf(gp[GD * GD]) > 0);
    free(k.p);
    free(gp);
    gsl_rng_free(r);
}

/* ---- SR-GNN's session graph ---------------------------------------------------------------- */

enum { MAXL = 8 };

/* The graph of items[0..len) as the dense A_in (n x n, row v, column u: the weight of u -> v in
 * a_in[v]) and A_out (row u, column v) of the model's input A = [A_in | A_out]. */
static size_t dense_graph(const uint32_t *items, size_t len, uint32_t *nodes, uint32_t *alias,
                          float a_in[MAXL][MAXL], float a_out[MAXL][MAXL])
{
    uint32_t src[MAXL], dst[MAXL], deg[2 * MAXL];
    float w_in[MAXL], w_out[MAXL];
    size_t n = 0;
    size_t m = sbr_srgnn_graph(items, len, nodes, &n, alias, src, dst, w_in, w_out, deg);
    memset(a_in, 0, sizeof(float) * MAXL * MAXL);
    memset(a_out, 0, sizeof(float) * MAXL * MAXL);
    for (size_t k = 0; k < m; k++) {
        CU_ASSERT(a_in[dst[k]][src[k]] == 0); /* each edge once */
        a_in[dst[k]][src[k]] = w_in[k];
        a_out[src[k]][dst[k]] = w_out[k];
    }
    return n;
}

static void test_srgnn_graph_matches_the_reference_definition(void)
{
    /* [1, 2, 3, 2, 4]: nodes 1 2 3 4 (np.unique), edges 1->2, 2->3, 3->2, 2->4. In-degrees:
     * item 2 has 2 (from 1 and 3), items 3 and 4 one each; out-degrees: item 2 has 2 (to 3 and
     * 4), items 1 and 3 one each. So A_in (row v, column u) = 1/indeg(v) and A_out (row u,
     * column v) = 1/outdeg(u): */
    static const float want_in[4][4] = {
        {0, 0, 0, 0}, {0.5f, 0, 0.5f, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}};
    static const float want_out[4][4] = {
        {0, 1, 0, 0}, {0, 0, 0.5f, 0.5f}, {0, 1, 0, 0}, {0, 0, 0, 0}};
    static const uint32_t want_alias[5] = {0, 1, 2, 1, 3};
    uint32_t items[5] = {1, 2, 3, 2, 4}, nodes[MAXL], alias[MAXL];
    float a_in[MAXL][MAXL], a_out[MAXL][MAXL];
    CU_ASSERT_EQUAL_FATAL(dense_graph(items, 5, nodes, alias, a_in, a_out), 4);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(nodes[i], i + 1);
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(alias[i], want_alias[i]);
    for (size_t v = 0; v < 4; v++)
        for (size_t u = 0; u < 4; u++) {
            CU_ASSERT(a_in[v][u] == want_in[v][u]);
            CU_ASSERT(a_out[v][u] == want_out[v][u]);
        }
    /* [9, 5, 5, 7, 5, 7]: nodes 5 7 9; 9->5, 5->5 (a self-loop), 5->7 (twice: one binary
     * edge), 7->5. Into 5: from 9, 5 and 7 (1/3 each); into 7: from 5. Out of 5: to 5 and 7
     * (1/2 each); out of 7: to 5; out of 9: to 5. */
    uint32_t rep[6] = {9, 5, 5, 7, 5, 7};
    CU_ASSERT_EQUAL_FATAL(dense_graph(rep, 6, nodes, alias, a_in, a_out), 3);
    CU_ASSERT(nodes[0] == 5 && nodes[1] == 7 && nodes[2] == 9);
    float third = 1.0f / 3.0f;
    CU_ASSERT(a_in[0][0] == third && a_in[0][1] == third && a_in[0][2] == third);
    CU_ASSERT(a_in[1][0] == 1 && a_in[1][1] == 0 && a_in[1][2] == 0);
    CU_ASSERT(a_in[2][0] == 0 && a_in[2][1] == 0 && a_in[2][2] == 0);
    CU_ASSERT(a_out[0][0] == 0.5f && a_out[0][1] == 0.5f && a_out[0][2] == 0);
    CU_ASSERT(a_out[1][0] == 1 && a_out[1][1] == 0 && a_out[2][0] == 1 && a_out[2][2] == 0);
    /* One click: one node, no edge. */
    uint32_t one[1] = {4};
    CU_ASSERT_EQUAL(dense_graph(one, 1, nodes, alias, a_in, a_out), 1);
    CU_ASSERT(a_in[0][0] == 0 && a_out[0][0] == 0 && alias[0] == 0);
}

/* ---- SR-GNN's whole gradient -------------------------------------------------------------- */

enum { SI = 11, SD = 5, SEX = 5 };

typedef struct srgnn_ctx {
    size_t steps;
    float *p, *scratch_grad;
    uint32_t items[16];
    size_t starts[SEX];
    uint32_t lens[SEX], targets[SEX];
} srgnn_ctx;

static double srgnn_loss(void *c)
{
    srgnn_ctx *k = c;
    double loss = 0;
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_srgnn_gradient(SI, SD, k->steps, k->p, k->items, k->starts, k->lens,
                                       k->targets, SEX, &loss, k->scratch_grad, &e),
                    SBR_OK);
    return loss;
}

static void check_srgnn(size_t steps)
{
    size_t np = sbr_srgnn_n_params(SI, SD);
    size_t n_gnn = sbr_nn_ggnn_n_params(SD);
    CU_ASSERT_EQUAL(np, SI * SD + n_gnn + 4 * SD * SD + 4 * SD);
    gsl_rng *r = sbr_rng_new(5);
    srgnn_ctx k = {steps, NULL, NULL, {0}, {0}, {0}, {0}};
    k.p = malloc(np * sizeof *k.p);
    k.scratch_grad = malloc(np * sizeof *k.scratch_grad);
    float *grad = malloc(np * sizeof *grad);
    CU_ASSERT_FATAL(k.p && k.scratch_grad && grad);
    sbr_nn_init_uniform(k.p, np, r, -0.8, 0.8);
    /* Prefixes with repeats, a self-loop (2, 2) and a cycle (2 5 2 7), lengths 1..6. */
    uint32_t items[16] = {2, 5, 2, 7, 1, 0, 3, 9, 4, 8, 10, 6, 2, 2, 5, 1};
    memcpy(k.items, items, sizeof items);
    size_t starts[SEX] = {0, 0, 4, 6, 12};
    uint32_t lens[SEX] = {1, 4, 2, 6, 3}, targets[SEX] = {5, 1, 3, 10, 5};
    memcpy(k.starts, starts, sizeof starts);
    memcpy(k.lens, lens, sizeof lens);
    memcpy(k.targets, targets, sizeof targets);
    double loss = 0;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_srgnn_gradient(SI, SD, steps, k.p, k.items, k.starts, k.lens,
                                             k.targets, SEX, &loss, grad, &e),
                          SBR_OK);
    CU_ASSERT(loss > 0 && loss < 20);
    static const char *names[] = {"E", "gnn", "W1", "b1", "W2", "b2", "q", "W3", "b3"};
    size_t sizes[9] = {SI * SD, n_gnn, SD * SD, SD, SD * SD, SD, SD, 2 * SD * SD, SD};
    char what[64];
    for (size_t t = 0, off = 0; t < 9; off += sizes[t], t++) {
        snprintf(what, sizeof what, "srgnn steps=%zu d%s", steps, names[t]);
        CU_ASSERT_EQUAL(
            fd_check(what, k.p + off, sizes[t], grad + off, srgnn_loss, &k, 2e-3f, 1e-2, 2e-4)
                .n_bad,
            0);
    }
    free(grad);
    free(k.p);
    free(k.scratch_grad);
    gsl_rng_free(r);
}

static void test_srgnn_gradient_matches_finite_differences(void)
{
    check_srgnn(1);
    check_srgnn(2);
}

/* ---- NARM's GRU step ----------------------------------------------------------------------- */

enum { RN = 3, RH = 4 };

typedef struct grut_ctx {
    bool hard, first;
    float xp[RN * 3 * RH], h[RN * RH], urz[RH * 2 * RH], uh[RH * RH], c[RN * RH];
    float cache[4 * RN * RH], out[RN * RH], work[2 * RN * RH];
} grut_ctx;

/* L = sum c . step(xp, h) (h = 0 for the first step) */
static double grut_loss(void *p)
{
    grut_ctx *k = p;
    sbr_nn_gru_theano_forward(k->xp, k->first ? NULL : k->h, RN, RH, k->urz, k->uh, k->hard,
                              k->cache, k->out, k->work, false);
    double l = 0;
    for (size_t i = 0; i < RN * RH; i++)
        l += (double)k->c[i] * k->out[i];
    return l;
}

static void check_grut(bool hard, bool first)
{
    grut_ctx k;
    memset(&k, 0, sizeof k);
    k.hard = hard;
    k.first = first;
    gsl_rng *r = sbr_rng_new(hard ? 8 : 9);
    /* Pre-activations within hard_sigmoid's slope (|x| < 2.5) for the most part. */
    sbr_nn_init_normal(k.xp, RN * 3 * RH, r, 0.7);
    sbr_nn_init_normal(k.h, RN * RH, r, 0.7);
    sbr_nn_init_normal(k.urz, RH * 2 * RH, r, 0.4);
    sbr_nn_init_normal(k.uh, RH * RH, r, 0.4);
    sbr_nn_init_normal(k.c, RN * RH, r, 1.0);
    float g_xp[RN * 3 * RH], g_h[RN * RH] = {0}, g_urz[RH * 2 * RH] = {0}, g_uh[RH * RH] = {0};
    float work[RN * RH];
    grut_loss(&k);
    /* The prediction path (plain products) computes the same state up to rounding. */
    float keep[RN * RH], plain[RN * RH];
    memcpy(keep, k.out, sizeof keep);
    sbr_nn_gru_theano_forward(k.xp, first ? NULL : k.h, RN, RH, k.urz, k.uh, hard, k.cache, plain,
                              k.work, true);
    for (size_t i = 0; i < RN * RH; i++)
        CU_ASSERT(fabsf(plain[i] - keep[i]) <= 1e-5f);
    sbr_nn_gru_theano_backward(first ? NULL : k.h, RN, RH, k.urz, k.uh, hard, k.cache, k.c, g_xp,
                               first ? NULL : g_h, g_urz, g_uh, work);
    char what[64];
    snprintf(what, sizeof what, "gru %s%s dxp", hard ? "hard" : "sigmoid", first ? " h0" : "");
    CU_ASSERT_EQUAL(fd_check(what, k.xp, RN * 3 * RH, g_xp, grut_loss, &k, 1e-3f, 1e-2, 1e-4).n_bad,
                    0);
    if (!first) {
        snprintf(what, sizeof what, "gru %s dh", hard ? "hard" : "sigmoid");
        CU_ASSERT_EQUAL(fd_check(what, k.h, RN * RH, g_h, grut_loss, &k, 1e-3f, 1e-2, 1e-4).n_bad,
                        0);
        snprintf(what, sizeof what, "gru %s dUrz", hard ? "hard" : "sigmoid");
        CU_ASSERT_EQUAL(
            fd_check(what, k.urz, RH * 2 * RH, g_urz, grut_loss, &k, 1e-3f, 1e-2, 1e-4).n_bad, 0);
        snprintf(what, sizeof what, "gru %s dUh", hard ? "hard" : "sigmoid");
        CU_ASSERT_EQUAL(fd_check(what, k.uh, RH * RH, g_uh, grut_loss, &k, 1e-3f, 1e-2, 1e-4).n_bad,
                        0);
    }
    gsl_rng_free(r);
}

static void test_narm_gru_step_matches_finite_differences(void)
{
    check_grut(true, false);
    check_grut(true, true);
    check_grut(false, false);
    check_grut(false, true);
    /* hard_sigmoid is Theano's: clip(0.2 x + 0.5, 0, 1). */
    float x[4] = {-3, -1, 0.5f, 4}, y[4];
    sbr_nn_hard_sigmoid(x, y, 4);
    CU_ASSERT(y[0] == 0 && fabsf(y[1] - 0.3f) < 1e-7f && fabsf(y[2] - 0.6f) < 1e-7f && y[3] == 1);
}

/* sbr_nn_init_orthogonal gives U^T U = I (ortho_weight's U of an SVD), different per draw. */
static void test_orthogonal_init_is_orthogonal(void)
{
    enum { K = 7 };
    float u[K * K], u2[K * K];
    gsl_rng *r = sbr_rng_new(4);
    CU_ASSERT_FATAL(sbr_nn_init_orthogonal(u, K, r));
    CU_ASSERT_FATAL(sbr_nn_init_orthogonal(u2, K, r));
    double worst = 0;
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            double dot = 0;
            for (size_t k = 0; k < K; k++)
                dot += (double)u[k * K + i] * u[k * K + j];
            worst = fmax(worst, fabs(dot - (i == j ? 1.0 : 0.0)));
        }
    CU_ASSERT(worst < 1e-5);
    CU_ASSERT(memcmp(u, u2, sizeof u) != 0);
    gsl_rng_free(r);
}

/* ---- NARM's whole gradient ------------------------------------------------------------------ */

enum { NI = 11, ND = 4, NH = 5 };

typedef struct narm_ctx {
    bool hard;
    float *p, *scratch_grad;
    uint32_t items[16];
    size_t starts[SEX];
    uint32_t lens[SEX], targets[SEX];
} narm_ctx;

static double narm_loss(void *c)
{
    narm_ctx *k = c;
    double loss = 0;
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_narm_gradient(NI, ND, NH, k->hard, k->p, k->items, k->starts, k->lens,
                                      k->targets, SEX, &loss, k->scratch_grad, &e),
                    SBR_OK);
    return loss;
}

static void check_narm(bool hard)
{
    size_t np = sbr_narm_n_params(NI, ND, NH);
    CU_ASSERT_EQUAL(np,
                    NI * ND + ND * 3 * NH + 3 * NH + 2 * NH * NH + 3 * NH * NH + NH + 2 * NH * ND);
    gsl_rng *r = sbr_rng_new(hard ? 6 : 7);
    narm_ctx k = {hard, NULL, NULL, {0}, {0}, {0}, {0}};
    k.p = malloc(np * sizeof *k.p);
    k.scratch_grad = malloc(np * sizeof *k.scratch_grad);
    float *grad = malloc(np * sizeof *grad);
    CU_ASSERT_FATAL(k.p && k.scratch_grad && grad);
    sbr_nn_init_normal(k.p, np, r, 0.5);
    /* A larger attention vector v, so that the weights differ and A1, A2, v get gradients
     * well above the checker's floor. */
    size_t off_v = NI * ND + ND * 3 * NH + 3 * NH + 2 * NH * NH + 3 * NH * NH;
    sbr_nn_init_normal(k.p + off_v, NH, r, 3.0);
    uint32_t items[16] = {2, 5, 2, 7, 1, 0, 3, 9, 4, 8, 10, 6, 2, 2, 5, 1};
    memcpy(k.items, items, sizeof items);
    size_t starts[SEX] = {0, 0, 4, 6, 12};
    uint32_t lens[SEX] = {1, 4, 2, 6, 3}, targets[SEX] = {5, 1, 3, 10, 5};
    memcpy(k.starts, starts, sizeof starts);
    memcpy(k.lens, lens, sizeof lens);
    memcpy(k.targets, targets, sizeof targets);
    double loss = 0;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_narm_gradient(NI, ND, NH, hard, k.p, k.items, k.starts, k.lens,
                                            k.targets, SEX, &loss, grad, &e),
                          SBR_OK);
    CU_ASSERT(loss > 0 && loss < 20);
    static const char *names[] = {"E", "Wxrz", "b", "Urz", "Uh", "A1", "A2", "v", "B"};
    size_t sizes[9] = {NI * ND, ND * 3 * NH, 3 * NH, NH * 2 * NH, NH * NH,
                       NH * NH, NH * NH,     NH,     2 * NH * ND};
    char what[64];
    for (size_t t = 0, off = 0; t < 9; off += sizes[t], t++) {
        snprintf(what, sizeof what, "narm %s d%s", hard ? "hard" : "sigmoid", names[t]);
        CU_ASSERT_EQUAL(
            fd_check(what, k.p + off, sizes[t], grad + off, narm_loss, &k, 1e-3f, 1e-2, 2e-4).n_bad,
            0);
    }
    free(grad);
    free(k.p);
    free(k.scratch_grad);
    gsl_rng_free(r);
}

static void test_narm_gradient_matches_finite_differences(void)
{
    check_narm(true);
    check_narm(false);
}

/* ---- fits: determinism, files, prefixes, learning ----------------------------------------- */

static void check_threads(const char *spec, const char *spec_seed2)
{
    /* Batches over 16 shards, 2 epochs, a held-out tenth: every parallel path runs. */
    sbr_dataset *ds = successor_sessions(11, 600);
    size_t len1 = 0, len2 = 0;
    char *one = fit_and_save(spec, ds, 1, &len1);
    char *two = fit_and_save(spec, ds, 2, &len2);
    CU_ASSERT(len1 == len2 && memcmp(one, two, len1) == 0);
    char *other = fit_and_save(spec_seed2, ds, 2, &len2);
    CU_ASSERT(len1 != len2 || memcmp(one, other, len1) != 0); /* the seed matters */
    free(one);
    free(two);
    free(other);
    sbr_dataset_free(ds);
}

static void test_srgnn_model_file_is_the_same_for_1_and_2_threads(void)
{
    check_threads("srgnn:dim=12,batch=50,epochs=2,steps=2",
                  "srgnn:dim=12,batch=50,epochs=2,steps=2,seed=2");
}

enum { NQ = 4, TOP = 10 };

/* Predicts each query of qs in turn on one scratch into out[q] (n[q] of them). */
static void predict_all(const sbr_model *m, void *s, const uint32_t qs[NQ][6], const size_t *lens,
                        sbr_scored out[NQ][TOP], size_t *n)
{
    for (size_t q = 0; q < NQ; q++) {
        double times[6] = {0};
        sbr_query qu = {qs[q], times, lens[q], 0, TOP, NULL};
        sbr_err e;
        CU_ASSERT_EQUAL(m->algo->predict(m, &qu, s, out[q], &n[q], &e), SBR_OK);
    }
}

/* Saved and loaded, a model predicts the same items with the same scores; and a prediction
 * depends on its prefix only: the same query gives the same list whatever was asked before on
 * the scratch (here: a long session in between, and the queries in another order). */
static void check_files_and_prefixes(const char *spec)
{
    sbr_dataset *ds = successor_sessions(21, 400);
    sbr_model *m = test_fit(spec, ds);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_vocab v;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, spec, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_vocab_from_dataset(ds, &v, &e), SBR_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/%s-roundtrip.sbrm", test_tmpdir(), sp.algo->name);
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(m, &sp, &v, path, &e), SBR_OK);
    sbr_spec sp2 = SBR_SPEC_EMPTY;
    sbr_model *m2 = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_model_load(path, &sp2, NULL, &m2, &e), SBR_OK);
    CU_ASSERT_EQUAL(m->algo->model_bytes(m), m2->algo->model_bytes(m2));
    /* Item indices: 0-based positions in the vocabulary; one unknown (SBR_ITEM_UNKNOWN). */
    const uint32_t qs[NQ][6] = {{3, 7, 3, 9, 12, 5},
                                {1, 1, 1, 1, 1, 1},
                                {40, SBR_ITEM_UNKNOWN, 41, 0, 0, 0},
                                {7, 0, 0, 0, 0, 0}};
    const size_t lens[NQ] = {6, 6, 3, 1};
    const uint32_t rev[NQ][6] = {{7, 0, 0, 0, 0, 0},
                                 {40, SBR_ITEM_UNKNOWN, 41, 0, 0, 0},
                                 {1, 1, 1, 1, 1, 1},
                                 {3, 7, 3, 9, 12, 5}};
    const size_t rev_lens[NQ] = {1, 3, 6, 6};
    sbr_scored a[NQ][TOP], b[NQ][TOP], c[NQ][TOP];
    size_t na[NQ], nb[NQ], nc[NQ];
    void *s = m->algo->scratch_new(m), *s2 = m2->algo->scratch_new(m2);
    CU_ASSERT_FATAL(s != NULL && s2 != NULL);
    predict_all(m, s, qs, lens, a, na);
    predict_all(m2, s2, qs, lens, b, nb);
    predict_all(m, s, rev, rev_lens, c, nc);
    for (size_t q = 0; q < NQ; q++) {
        size_t r = NQ - 1 - q;
        CU_ASSERT(na[q] == TOP && nb[q] == na[q] && nc[r] == na[q]);
        for (size_t k = 0; k < na[q] && k < TOP; k++) {
            CU_ASSERT(a[q][k].item == b[q][k].item && a[q][k].score == b[q][k].score);
            CU_ASSERT(a[q][k].item == c[r][k].item && a[q][k].score == c[r][k].score);
        }
    }
    /* The queries differ, so their lists do (the check above could not pass by accident). */
    CU_ASSERT(a[0][0].item != a[1][0].item || a[0][0].score != a[1][0].score);
    m->algo->scratch_free(s);
    m2->algo->scratch_free(s2);
    m->algo->free(m);
    m2->algo->free(m2);
    sbr_spec_fini(&sp);
    sbr_spec_fini(&sp2);
    sbr_vocab_fini(&v);
    sbr_dataset_free(ds);
}

static void test_srgnn_round_trip_and_prefix_only(void)
{
    check_files_and_prefixes("srgnn:dim=16,batch=50,epochs=2,select=none");
}

/* Trained on the successor rule, the model ranks the true successor first for nearly every item
 * (chance: 1 in 60). */
static void check_learns(const char *spec)
{
    sbr_dataset *ds = successor_sessions(13, 2000);
    sbr_model *m = test_fit(spec, ds);
    void *s = m->algo->scratch_new(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t first = 0;
    for (uint32_t i = 0; i < ds->n_items; i++) {
        uint64_t next_id = 1 + (((ds->item_ids[i] - 1) * 7 + 3) % 60);
        double t = 0;
        sbr_query q = {&i, &t, 1, 0, 5, NULL};
        sbr_scored out[5];
        size_t n = 0;
        sbr_err e;
        CU_ASSERT_EQUAL(m->algo->predict(m, &q, s, out, &n, &e), SBR_OK);
        first += n > 0 && ds->item_ids[out[0].item] == next_id;
        double total = 0;
        for (size_t k = 0; k < n; k++)
            total += out[k].score;
        CU_ASSERT(total <= 1 + 1e-9); /* probabilities */
    }
    printf("\n    %s: successor ranked first for %zu of %zu items", spec, first, ds->n_items);
    CU_ASSERT((double)first >= 0.9 * (double)ds->n_items);
    m->algo->scratch_free(s);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_narm_model_file_is_the_same_for_1_and_2_threads(void)
{
    check_threads("narm:dim=8,hidden=12,batch=100,epochs=2",
                  "narm:dim=8,hidden=12,batch=100,epochs=2,seed=2");
}

static void test_narm_round_trip_and_prefix_only(void)
{
    check_files_and_prefixes("narm:dim=8,hidden=12,batch=50,epochs=2,select=none");
}

static void test_narm_learns_a_successor_rule(void)
{
    check_learns("narm:dim=16,hidden=32,epochs=6,batch=64,select=none,lr=0.01");
}

static void test_srgnn_learns_a_successor_rule(void)
{
    check_learns("srgnn:dim=32,epochs=4,batch=50,select=none,lr=0.005");
}

/* select=test without the test set is a clear error. */
static void test_select_test_needs_the_test_set(void)
{
    static const char *const specs[] = {"srgnn:select=test,epochs=1", "narm:select=test,epochs=1"};
    sbr_dataset *ds = successor_sessions(15, 50);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, specs[i], &e), SBR_OK);
        sbr_model *m = NULL;
        CU_ASSERT_EQUAL(sbr_algo_fit(sp.algo, sp.config, ds, &m, &e), SBR_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "select=test"));
        CU_ASSERT_PTR_NULL(m);
        sbr_spec_fini(&sp);
    }
    sbr_dataset_free(ds);
}

/* ---- The epoch loop's selection, on a scripted model ---------------------------------------- */

/* A model whose one parameter counts its epochs and whose two select examples rank their
 * targets by a script: epoch e (from 1) ranks them script[e - 1]. */
enum { SCRIPT_ITEMS = 40, SCRIPT_EPOCHS = 6 };
static const size_t script[SCRIPT_EPOCHS][2] = {{1, 30},  {10, 10}, {30, 30},
                                                {30, 30}, {1, 1},   {2, 2}};

static double script_step(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                          long epoch)
{
    (void)base, (void)ex, (void)n;
    ((float *)ctx)[0] = (float)(epoch + 1);
    return 0;
}

/* Target t of row r scores 0; rank - 1 other items score 1, the rest -1. */
static void script_logits(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                          float *z)
{
    (void)base;
    size_t e = (size_t)((float *)ctx)[0];
    for (size_t r = 0; r < n; r++) {
        size_t above = script[e - 1][r] - 1;
        for (size_t i = 0; i < SCRIPT_ITEMS; i++)
            z[r * SCRIPT_ITEMS + i] = -1;
        z[r * SCRIPT_ITEMS + ex[r].target] = 0;
        for (size_t i = 0, k = 0; k < above; i++)
            if (i != ex[r].target) {
                z[r * SCRIPT_ITEMS + i] = 1;
                k++;
            }
    }
}

typedef struct epoch_log {
    size_t n, batches;
    double metric[SCRIPT_EPOCHS], hr[SCRIPT_EPOCHS];
    uint64_t batch_done[2 * SCRIPT_EPOCHS], batch_total[2 * SCRIPT_EPOCHS];
} epoch_log;

static void log_epoch(void *user, const sbr_fit_progress *p)
{
    epoch_log *l = user;
    if (strcmp(p->stage, "batch") == 0) {
        if (l->batches < 2 * SCRIPT_EPOCHS) {
            l->batch_done[l->batches] = p->done;
            l->batch_total[l->batches++] = p->total;
        }
    } else if (l->n < SCRIPT_EPOCHS) {
        l->hr[l->n] = p->metric_hr;
        l->metric[l->n++] = p->metric;
    }
}

/* Runs the script with patience; returns the kept epoch (the parameter) and logs the epochs. */
static size_t run_script(bool select_hr, long patience, epoch_log *log)
{
    float param = 0;
    sbr_seq_example train[3] = {{0, 1, 2}, {0, 1, 3}, {0, 1, 4}};
    sbr_seq_example select[2] = {{0, 1, 0}, {0, 1, 1}};
    uint32_t items[1] = {3};
    sbr_seq_data d = {train, select, 3, 2, items, "test", 1};
    sbr_seq_model m = {&param, script_step,   script_logits, &param,    1,    SCRIPT_ITEMS,
                       2,      SCRIPT_EPOCHS, patience,      select_hr, false};
    float z[2 * SCRIPT_ITEMS];
    gsl_rng *rng = sbr_rng_new(1);
    sbr_fit_opts fo = {log_epoch, log, NULL, NULL};
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_seq_train(&m, &d, items, rng, z, &fo, &e), SBR_OK);
    gsl_rng_free(rng);
    return (size_t)param;
}

/* The loop keeps the best epoch's parameters by MRR@20 (by HR@20 with select_hr: NARM's code),
 * reports MRR@20 and HR@20 per epoch, and stops after `patience` epochs without a gain. Ranks (1,
 * 30) give MRR 0.5 and HR 0.5; (10, 10) MRR 0.1 and HR 1; (30, 30) nothing; (1, 1) both 1. */
static void test_epoch_loop_keeps_the_best_epoch_and_stops_on_patience(void)
{
    epoch_log log = {0};
    CU_ASSERT_EQUAL(run_script(false, 2, &log), 1);
    CU_ASSERT_EQUAL(log.n, 3);
    CU_ASSERT_DOUBLE_EQUAL(log.metric[0], 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(log.metric[1], 0.1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(log.metric[2], 0.0, 1e-12);
    /* HR@20 of the same epochs beside it. */
    CU_ASSERT_DOUBLE_EQUAL(log.hr[0], 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(log.hr[1], 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(log.hr[2], 0.0, 1e-12);
    /* Within each epoch, a "batch" report per batch of 2: 2 of 3 examples done, then 3 of 3. */
    CU_ASSERT_EQUAL(log.batches, 2 * log.n);
    for (size_t b = 0; b < log.batches; b++) {
        CU_ASSERT_EQUAL(log.batch_done[b], b % 2 == 0 ? 2 : 3);
        CU_ASSERT_EQUAL(log.batch_total[b], 3);
    }

    epoch_log hr = {0};
    CU_ASSERT_EQUAL(run_script(true, 2, &hr), 2);
    CU_ASSERT_EQUAL(hr.n, 4);
    CU_ASSERT_DOUBLE_EQUAL(hr.metric[1], 0.1, 1e-12); /* the reported metric is still MRR */

    epoch_log all = {0};
    CU_ASSERT_EQUAL(run_script(false, 10, &all), 5);
    CU_ASSERT_EQUAL(all.n, SCRIPT_EPOCHS);
    CU_ASSERT_DOUBLE_EQUAL(all.metric[5], 0.5, 1e-12);
}

/* ---- by_length: STAMP's batcher ------------------------------------------------------------ */

enum { BL_SESSIONS = 7, BL_MAX_BATCHES = 64, BL_BATCH = 2 };
static const uint32_t bl_lengths[BL_SESSIONS] = {2, 3, 3, 3, 4, 2, 3};

typedef struct batch_log {
    size_t n_batches;
    size_t n[BL_MAX_BATCHES];
    sbr_seq_example ex[BL_MAX_BATCHES][BL_BATCH];
} batch_log;

static double log_batch(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                        long epoch)
{
    (void)base;
    batch_log *l = ctx;
    if (epoch == 0 && l->n_batches < BL_MAX_BATCHES && n <= BL_BATCH) {
        l->n[l->n_batches] = n;
        memcpy(l->ex[l->n_batches++], ex, n * sizeof *ex);
    }
    return 0;
}

/* The session (its index) whose clicks start at `start`. */
static size_t bl_session(size_t start)
{
    size_t off = 0;
    for (size_t s = 0; s < BL_SESSIONS; off += bl_lengths[s], s++)
        if (off == start)
            return s;
    return BL_SESSIONS;
}

/* One epoch of batching=length with batch BL_BATCH over train[0..n), its batches in *log. */
static sbr_rc train_by_length(sbr_seq_example *train, size_t n, batch_log *log, sbr_err *e)
{
    sbr_seq_data d = {train, NULL, n, 0, NULL, NULL, 3};
    float param = 0;
    sbr_seq_model m = {log, log_batch, script_logits, &param, 1, SCRIPT_ITEMS, BL_BATCH,
                       1,   1,         false,         true};
    gsl_rng *rng = sbr_rng_new(7);
    float z[BL_BATCH * SCRIPT_ITEMS];
    memset(log, 0, sizeof *log);
    sbr_rc rc = sbr_seq_train(&m, &d, NULL, rng, z, NULL, e);
    gsl_rng_free(rng);
    return rc;
}

/* Sessions of lengths 2, 3, 3, 3, 4, 2, 3 with batch 2: the groups (2: two sessions, 3: four,
 * 4: one) give runs of at most 2 sessions, each run one batch per prefix length in order, so
 * 1 + 2 x 2 + 3 = 8 batches, every prefix once, a batch's prefixes of one length from
 * sessions of one length, and a run's batches the same sessions. */
static void test_by_length_batches_as_stamps_batcher(void)
{
    sbr_seq_example train[32];
    size_t n_train = 0, off = 0;
    for (size_t s = 0; s < BL_SESSIONS; off += bl_lengths[s], s++)
        for (uint32_t p = 1; p < bl_lengths[s]; p++)
            train[n_train++] = (sbr_seq_example){off, p, 0};
    batch_log log;
    sbr_err e;
    CU_ASSERT_EQUAL(train_by_length(train, n_train, &log, &e), SBR_OK);
    CU_ASSERT_EQUAL(log.n_batches, 8);
    size_t seen[BL_SESSIONS][4] = {{0}};
    for (size_t b = 0; b < log.n_batches; b++) {
        CU_ASSERT(log.n[b] >= 1 && log.n[b] <= BL_BATCH);
        const sbr_seq_example *x = log.ex[b];
        size_t s0 = bl_session(x[0].start);
        CU_ASSERT_FATAL(s0 < BL_SESSIONS);
        for (size_t j = 0; j < log.n[b]; j++) {
            size_t s = bl_session(x[j].start);
            CU_ASSERT_FATAL(s < BL_SESSIONS && x[j].len < 4);
            CU_ASSERT_EQUAL(x[j].len, x[0].len);
            CU_ASSERT_EQUAL(bl_lengths[s], bl_lengths[s0]);
            seen[s][x[j].len]++;
            /* Within a run, length p + 1 follows p with the same sessions. */
            if (x[0].len > 1) {
                CU_ASSERT_EQUAL(log.n[b - 1], log.n[b]);
                CU_ASSERT_EQUAL(log.ex[b - 1][j].start, x[j].start);
                CU_ASSERT_EQUAL(log.ex[b - 1][j].len + 1, x[j].len);
            }
        }
    }
    for (size_t s = 0; s < BL_SESSIONS; s++)
        for (uint32_t p = 1; p < bl_lengths[s]; p++)
            CU_ASSERT_EQUAL(seen[s][p], 1);
    /* The examples stay in the order they were built (the loop ordered a copy). */
    for (size_t k = 1; k < n_train; k++)
        CU_ASSERT(train[k].start > train[k - 1].start ||
                  (train[k].start == train[k - 1].start && train[k].len == train[k - 1].len + 1));
}

/* Examples out of session order (here the first session's third prefix after the second's first)
 * are refused, naming the example, not batched wrongly. */
static void test_by_length_refuses_examples_out_of_order(void)
{
    sbr_seq_example train[4] = {{0, 1, 0}, {0, 2, 0}, {3, 1, 0}, {0, 3, 0}};
    batch_log log;
    sbr_err e;
    CU_ASSERT_EQUAL(train_by_length(train, 4, &log, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "example 3 has a prefix of length 3"));
    CU_ASSERT_EQUAL(log.n_batches, 0);
    train[3] = (sbr_seq_example){3, 2, 0}; /* in order now */
    CU_ASSERT_EQUAL(train_by_length(train, 4, &log, &e), SBR_OK);
    CU_ASSERT_EQUAL(log.n_batches, 2);
}

static CU_TestInfo tests[] = {
    {"ggnn step matches finite differences", test_ggnn_step_matches_finite_differences},
    {"srgnn graph matches the reference definition",
     test_srgnn_graph_matches_the_reference_definition},
    {"srgnn gradient matches finite differences", test_srgnn_gradient_matches_finite_differences},
    {"srgnn model file is the same for 1 and 2 threads",
     test_srgnn_model_file_is_the_same_for_1_and_2_threads},
    {"srgnn save/load round trip, prefix-only predictions", test_srgnn_round_trip_and_prefix_only},
    {"srgnn learns a successor rule", test_srgnn_learns_a_successor_rule},
    {"narm gru step matches finite differences", test_narm_gru_step_matches_finite_differences},
    {"orthogonal init is orthogonal", test_orthogonal_init_is_orthogonal},
    {"narm gradient matches finite differences", test_narm_gradient_matches_finite_differences},
    {"narm model file is the same for 1 and 2 threads",
     test_narm_model_file_is_the_same_for_1_and_2_threads},
    {"narm save/load round trip, prefix-only predictions", test_narm_round_trip_and_prefix_only},
    {"narm learns a successor rule", test_narm_learns_a_successor_rule},
    {"select=test needs the test set", test_select_test_needs_the_test_set},
    {"epoch loop keeps the best epoch and stops on patience",
     test_epoch_loop_keeps_the_best_epoch_and_stops_on_patience},
    {"by_length batches as STAMP's batcher", test_by_length_batches_as_stamps_batcher},
    {"by_length refuses examples out of order", test_by_length_refuses_examples_out_of_order},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_gnn = {"gnn", NULL, NULL, NULL, NULL, tests};
