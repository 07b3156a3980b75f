/* The neural training core (algorithms/nn/) and STAMP: every layer's backward pass against
 * central finite differences of its forward pass (the loss summed in double), the optimisers
 * against their formulas worked by hand, and STAMP's determinism (1 and 2 threads give the
 * same model file byte for byte) and learning (a successor rule it must find). No expected
 * value here comes from sbr's own output. */
#include <CUnit/CUnit.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "algorithms/nn/act.h"
#include "algorithms/nn/blas.h"
#include "algorithms/nn/runtime.h"
#include "algorithms/nn/embed.h"
#include "algorithms/nn/gemm.h"
#include "algorithms/nn/gru.h"
#include "algorithms/nn/linear.h"
#include "algorithms/nn/optim.h"
#include "algorithms/nn/output.h"
#include "algorithms/nn/rankloss.h"
#include "algorithms/nn/softmax.h"
#include "algorithms/nn/tensor.h"
#include "algorithms/stamp_int.h"
#include "data/rng.h"
#include "data/vocab.h"
#include "nn_check.h"
#include "test_util.h"

static void fill(float *x, size_t n, gsl_rng *r, double sd)
{
    sbr_nn_init_normal(x, n, r, sd);
}

/* ---- linear ------------------------------------------------------------------------------ */

enum { LN = 3, LIN = 4, LOUT = 5 };

typedef struct lin_ctx {
    float x[LN * LIN], w[LIN * LOUT], b[LOUT], c[LN * LOUT];
} lin_ctx;

/* L = sum c . (x W + b) */
static double lin_loss(void *p)
{
    lin_ctx *k = p;
    float y[LN * LOUT];
    sbr_nn_linear_forward(k->x, LN, LIN, k->w, k->b, LOUT, y);
    double l = 0;
    for (size_t i = 0; i < LN * LOUT; i++)
        l += (double)k->c[i] * (double)y[i];
    return l;
}

static void test_linear_backward_matches_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(1);
    lin_ctx k;
    fill(k.x, LN * LIN, r, 1);
    fill(k.w, LIN * LOUT, r, 1);
    fill(k.b, LOUT, r, 1);
    fill(k.c, LN * LOUT, r, 1);
    float gw[LIN * LOUT] = {0}, gb[LOUT] = {0}, gx[LN * LIN] = {0};
    sbr_nn_linear_backward(k.x, LN, LIN, k.w, LOUT, k.c, gw, gb, gx);
    CU_ASSERT_EQUAL(
        fd_check("linear dW", k.w, LIN * LOUT, gw, lin_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad, 0);
    CU_ASSERT_EQUAL(fd_check("linear db", k.b, LOUT, gb, lin_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad, 0);
    CU_ASSERT_EQUAL(fd_check("linear dx", k.x, LN * LIN, gx, lin_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad,
                    0);
    /* Hand-worked: x = [1 2], W = [[1 0],[0 1]] + b [1 1]: y = [2 3]. */
    float x1[2] = {1, 2}, w1[4] = {1, 0, 0, 1}, b1[2] = {1, 1}, y1[2];
    sbr_nn_linear_forward(x1, 1, 2, w1, b1, 2, y1);
    CU_ASSERT(y1[0] == 2 && y1[1] == 3);
    gsl_rng_free(r);
}

/* ---- activations ------------------------------------------------------------------------ */

enum { AN = 64 };

typedef struct act_ctx {
    int kind; /* 0 tanh, 1 sigmoid, 2 elu */
    float x[AN], c[AN];
} act_ctx;

static void act_forward(const act_ctx *k, float *y)
{
    if (k->kind == 0)
        sbr_nn_tanh(k->x, y, AN);
    else if (k->kind == 1)
        sbr_nn_sigmoid(k->x, y, AN);
    else
        sbr_nn_elu(k->x, y, AN, 0.7f);
}

static double act_loss(void *p)
{
    act_ctx *k = p;
    float y[AN];
    act_forward(k, y);
    double l = 0;
    for (size_t i = 0; i < AN; i++)
        l += (double)k->c[i] * (double)y[i];
    return l;
}

static void test_activations_match_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(2);
    static const char *names[] = {"tanh", "sigmoid", "elu"};
    for (int kind = 0; kind < 3; kind++) {
        act_ctx k;
        k.kind = kind;
        fill(k.x, AN, r, 2);
        fill(k.c, AN, r, 1);
        for (size_t i = 0; i < AN; i++) /* ELU's kink at 0 has no derivative */
            if (fabsf(k.x[i]) < 0.05f)
                k.x[i] = 0.3f;
        float y[AN], g[AN];
        act_forward(&k, y);
        if (kind == 0)
            sbr_nn_tanh_backward(y, k.c, g, AN);
        else if (kind == 1)
            sbr_nn_sigmoid_backward(y, k.c, g, AN);
        else
            sbr_nn_elu_backward(y, k.c, g, AN, 0.7f);
        CU_ASSERT_EQUAL(fd_check(names[kind], k.x, AN, g, act_loss, &k, 1e-3f, 1e-2, 1e-4).n_bad,
                        0);
    }
    /* Values by hand: sigmoid(0) = 1/2, sigmoid(-200) underflows (about 1e-87), elu(-200) is
     * -alpha; nothing overflows. */
    float x[3] = {0, -200, 200}, y[3];
    sbr_nn_sigmoid(x, y, 3);
    CU_ASSERT(y[0] == 0.5f && y[1] >= 0.0f && y[1] < 1e-30f && y[2] == 1.0f);
    sbr_nn_elu(x, y, 3, 0.7f);
    CU_ASSERT(y[0] == 0.0f && fabsf(y[1] + 0.7f) < 1e-6f && y[2] == 200.0f);
    gsl_rng_free(r);
}

/* ---- embedding with max-norm ------------------------------------------------------------- */

enum { EROWS = 6, EDIM = 5, ELOOK = 7 };

typedef struct emb_ctx {
    float table[EROWS * EDIM], c[ELOOK * EDIM];
    uint32_t idx[ELOOK];
    double max_norm;
} emb_ctx;

static double emb_loss(void *p)
{
    emb_ctx *k = p;
    float out[ELOOK * EDIM];
    sbr_nn_embed_lookup(k->table, EDIM, k->idx, ELOOK, k->max_norm, out);
    double l = 0;
    for (size_t i = 0; i < ELOOK * EDIM; i++)
        l += (double)k->c[i] * (double)out[i];
    return l;
}

static void test_embedding_max_norm_matches_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(3);
    emb_ctx k;
    fill(k.table, EROWS * EDIM, r, 1); /* norms about 2.2: some above, some below 1.5 */
    for (size_t j = 0; j < EDIM; j++)
        k.table[1 * EDIM + j] *= 0.1f; /* row 1 well inside */
    fill(k.c, ELOOK * EDIM, r, 1);
    uint32_t idx[ELOOK] = {0, 1, 2, 0, 3, 5, 0}; /* row 0 three times, row 4 never */
    memcpy(k.idx, idx, sizeof idx);
    k.max_norm = 1.5;
    size_t clipped = 0;
    for (size_t i = 0; i < EROWS; i++)
        clipped += sbr_nn_norm(k.table + i * EDIM, EDIM) > 1.5;
    CU_ASSERT(clipped >= 2 && clipped < EROWS); /* both branches are checked */
    float g_rows[ELOOK * EDIM], g_table[EROWS * EDIM] = {0};
    sbr_nn_embed_backward(k.table, EDIM, k.idx, ELOOK, k.max_norm, k.c, g_rows);
    sbr_nn_embed_scatter_add(g_table, EDIM, k.idx, ELOOK, g_rows);
    CU_ASSERT_EQUAL(fd_check("embedding (max-norm)", k.table, EROWS * EDIM, g_table, emb_loss, &k,
                             1e-3f, 1e-2, 1e-4)
                        .n_bad,
                    0);
    for (size_t j = 0; j < EDIM; j++)
        CU_ASSERT(g_table[4 * EDIM + j] == 0); /* a row never looked up gets nothing */
    /* A looked-up row is clipped to norm 1.5 exactly (to float precision) when longer. */
    float out[ELOOK * EDIM];
    sbr_nn_embed_lookup(k.table, EDIM, k.idx, ELOOK, k.max_norm, out);
    for (size_t i = 0; i < ELOOK; i++)
        CU_ASSERT(sbr_nn_norm(out + i * EDIM, EDIM) <= 1.5 + 1e-5);
    gsl_rng_free(r);
}

/* ---- softmax cross-entropy, full and sampled --------------------------------------------- */

enum { SN = 9 };

typedef struct sm_ctx {
    float z[SN];
    uint32_t target;
} sm_ctx;

static double sm_loss(void *p)
{
    sm_ctx *k = p;
    float g[SN];
    return sbr_nn_softmax_xent(k->z, SN, k->target, 1.0f, g);
}

static void test_softmax_cross_entropy_matches_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(4);
    sm_ctx k;
    fill(k.z, SN, r, 3);
    k.target = 4;
    float g[SN];
    sbr_nn_softmax_xent(k.z, SN, k.target, 1.0f, g);
    CU_ASSERT_EQUAL(fd_check("softmax CE (full)", k.z, SN, g, sm_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad,
                    0);
    /* By hand: equal logits give log n; huge logits do not overflow. */
    float z[4] = {1000, 1000, 1000, 1000}, gz[4];
    CU_ASSERT(fabs(sbr_nn_softmax_xent(z, 4, 2, 1.0f, gz) - log(4.0)) < 1e-6);
    CU_ASSERT(fabsf(gz[2] + 0.75f) < 1e-6f && fabsf(gz[0] - 0.25f) < 1e-6f);
    /* The float exp against libm's over its range. */
    double worst = 0;
    for (int i = 0; i <= 8700; i++) {
        float x = -(float)i / 100, y;
        sbr_nn_exp_nonpositive(&x, &y, 1);
        worst = fmax(worst, fabs((double)y - exp((double)x)) / exp((double)x));
    }
    printf("\n    %-30s max relative error %.2e", "exp (x in [-87, 0])", worst);
    CU_ASSERT(worst < 1e-6);
    gsl_rng_free(r);
}

enum { XN = 12, XD = 6, XS = 5 };

typedef struct smp_ctx {
    float h[XD], table[XN * XD], logq[XS + 1];
    uint32_t target, samples[XS];
} smp_ctx;

static double smp_loss(void *p)
{
    smp_ctx *k = p;
    float z[XS + 1], gh[XD] = {0}, rows[(XS + 1) * XD];
    return sbr_nn_sampled_xent(k->h, XD, k->table, k->target, k->samples, XS, k->logq, 1.0f, z, gh,
                               rows);
}

static void test_sampled_softmax_matches_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(5);
    smp_ctx k;
    fill(k.h, XD, r, 1);
    fill(k.table, XN * XD, r, 1);
    fill(k.logq, XS + 1, r, 1);
    k.target = 3;
    uint32_t samples[XS] = {7, 3, 0, 7, 10}; /* 3 is an accidental hit, 7 drawn twice */
    memcpy(k.samples, samples, sizeof samples);
    float z[XS + 1], gh[XD] = {0}, rows[(XS + 1) * XD], gt[XN * XD] = {0};
    sbr_nn_sampled_xent(k.h, XD, k.table, k.target, k.samples, XS, k.logq, 1.0f, z, gh, rows);
    uint32_t ids[XS + 1] = {3, 7, 3, 0, 7, 10};
    sbr_nn_embed_scatter_add(gt, XD, ids, XS + 1, rows);
    CU_ASSERT_EQUAL(
        fd_check("sampled softmax dh", k.h, XD, gh, smp_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad, 0);
    CU_ASSERT_EQUAL(
        fd_check("sampled softmax dE", k.table, XN * XD, gt, smp_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad,
        0);
    gsl_rng_free(r);
}

/* The batched output layer equals its row-by-row definition (gh = G E, gE = G^T h). */
typedef struct out_ctx {
    float h[3 * 4], e[2500 * 4];
    uint32_t targets[3];
} out_ctx;

static double out_loss(void *p)
{
    out_ctx *k = p;
    static float z[3 * 2500];
    double rows[3];
    static float gh[3 * 4], ge[2500 * 4];
    return sbr_nn_output_xent(k->h, 3, 4, k->e, 2500, k->targets, 1.0f, z, rows, gh, ge);
}

static void test_output_layer_matches_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(6);
    static out_ctx k;
    fill(k.h, 12, r, 1);
    fill(k.e, 10000, r, 1);
    k.targets[0] = 5, k.targets[1] = 2047, k.targets[2] = 5; /* blocks 0 and 1 (of 1024) */
    static float z[3 * 2500], ge[2500 * 4];
    float gh[12];
    double rows[3];
    sbr_nn_output_xent(k.h, 3, 4, k.e, 2500, k.targets, 1.0f, z, rows, gh, ge);
    CU_ASSERT_EQUAL(fd_check("output layer dh", k.h, 12, gh, out_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad,
                    0);
    CU_ASSERT_EQUAL(
        fd_check("output layer dE", k.e, 10000, ge, out_loss, &k, 1e-2f, 1e-2, 1e-4).n_bad, 0);
    /* Ranks by the rule: ties go to the smaller index. */
    float zz[5] = {1, 3, 3, 0, 3};
    CU_ASSERT_EQUAL(sbr_nn_rank(zz, 5, 2), 2);
    CU_ASSERT_EQUAL(sbr_nn_rank(zz, 5, 1), 1);
    CU_ASSERT_EQUAL(sbr_nn_rank(zz, 5, 3), 5);
    gsl_rng_free(r);
}

/* ---- STAMP as a whole --------------------------------------------------------------------- */

enum { SI = 11, SD = 6, SEX = 5 };

typedef struct stamp_ctx {
    int variant, add_ms;
    double max_norm;
    bool sum;
    float *p;
    uint32_t items[16];
    size_t starts[SEX];
    uint32_t lens[SEX], targets[SEX];
    float *scratch_grad;
} stamp_ctx;

static double stamp_loss(void *c)
{
    stamp_ctx *k = c;
    double loss = 0;
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_stamp_gradient(SI, SD, k->variant, k->add_ms, k->max_norm, k->sum, k->p,
                                       k->items, k->starts, k->lens, k->targets, SEX, &loss,
                                       k->scratch_grad, &e),
                    SBR_OK);
    return loss;
}

static void check_stamp(int variant, int add_ms, double max_norm, bool sum, const char *label)
{
    size_t np = sbr_stamp_n_params(SI, SD);
    CU_ASSERT_EQUAL(np, SI * SD + 5 * SD * SD + SD);
    gsl_rng *r = sbr_rng_new(7);
    stamp_ctx k = {variant, add_ms, max_norm, sum, NULL, {0}, {0}, {0}, {0}, NULL};
    k.p = malloc(np * sizeof *k.p);
    k.scratch_grad = malloc(np * sizeof *k.scratch_grad);
    float *grad = malloc(np * sizeof *grad);
    CU_ASSERT_FATAL(k.p && k.scratch_grad && grad);
    fill(k.p, SI * SD, r, 0.8); /* embeddings: norms about 2, some clipped at 1.5 */
    fill(k.p + SI * SD, np - SI * SD, r, 0.5);
    /* Sessions with a repeat (item 2 twice in one prefix), lengths 1..6. */
    uint32_t items[16] = {2, 5, 2, 7, 1, 0, 3, 9, 4, 8, 10, 6, 2, 2, 5, 1};
    memcpy(k.items, items, sizeof items);
    size_t starts[SEX] = {0, 0, 4, 6, 12};
    uint32_t lens[SEX] = {1, 4, 2, 6, 3}, targets[SEX] = {5, 1, 3, 10, 5};
    memcpy(k.starts, starts, sizeof starts);
    memcpy(k.lens, lens, sizeof lens);
    memcpy(k.targets, targets, sizeof targets);
    double loss = 0;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_stamp_gradient(SI, SD, variant, add_ms, max_norm, sum, k.p, k.items,
                                             k.starts, k.lens, k.targets, SEX, &loss, grad, &e),
                          SBR_OK);
    CU_ASSERT(loss > 0 && loss < 20 * (sum ? SEX : 1));
    if (sum) {
        /* The sum's loss and gradient are SEX times the mean's. */
        double mean_loss = 0;
        CU_ASSERT_EQUAL_FATAL(sbr_stamp_gradient(SI, SD, variant, add_ms, max_norm, false, k.p,
                                                 k.items, k.starts, k.lens, k.targets, SEX,
                                                 &mean_loss, k.scratch_grad, &e),
                              SBR_OK);
        CU_ASSERT_DOUBLE_EQUAL(loss, SEX * mean_loss, 1e-9 * loss);
        size_t off_scale = 0;
        for (size_t i = 0; i < np; i++)
            off_scale += fabsf(grad[i] - SEX * k.scratch_grad[i]) > 1e-5f * (1 + fabsf(grad[i]));
        CU_ASSERT_EQUAL(off_scale, 0);
    }
    char what[64];
    static const char *names[] = {"E", "W1", "W2", "W3", "w0", "WA", "WB"};
    size_t off[8] = {0, SI * SD};
    for (int t = 1; t < 7; t++)
        off[t + 1] = off[t] + (t == 4 ? SD : SD * SD);
    for (int t = 0; t < 7; t++) {
        if (variant == 1 && t >= 1 && t <= 4)
            continue; /* stmp has no attention weights */
        snprintf(what, sizeof what, "%s d%s", label, names[t]);
        CU_ASSERT_EQUAL(fd_check(what, k.p + off[t], off[t + 1] - off[t], grad + off[t], stamp_loss,
                                 &k, 2e-3f, 1e-2, 2e-4)
                            .n_bad,
                        0);
    }
    free(grad);
    free(k.p);
    free(k.scratch_grad);
    gsl_rng_free(r);
}

static void test_stamp_gradient_matches_finite_differences(void)
{
    check_stamp(0, 1, 1.5, false, "stamp");
    check_stamp(0, 0, 0, false, "stamp add_ms=0 no max-norm");
    check_stamp(1, 1, 1.5, false, "stmp");
    check_stamp(0, 1, 1.5, true, "stamp reduce=sum");
}

/* ---- optimisers ------------------------------------------------------------------------ */

static void test_optimisers_follow_their_formulas(void)
{
    /* Adam, first step: m = 0.1 g, v = 0.001 g^2, lr_t = lr sqrt(0.001) / 0.1, so
     * w -= lr_t * 0.1 g / (sqrt(0.001) |g| + eps) = lr sign(g) (up to eps). */
    sbr_nn_adam a;
    sbr_nn_adam_init(&a, 0.01);
    CU_ASSERT(a.beta1 == 0.9 && a.beta2 == 0.999 && a.eps == 1e-8);
    float w[2] = {1, 1}, m[2] = {0, 0}, v[2] = {0, 0}, g[2] = {0.5f, -2};
    double lr_t = sbr_nn_adam_next(&a);
    CU_ASSERT(fabs(lr_t - 0.01 * sqrt(0.001) / 0.1) < 1e-12);
    sbr_nn_adam_dense(&a, lr_t, w, m, v, g, 2);
    CU_ASSERT(fabsf(w[0] - 0.99f) < 1e-6f && fabsf(w[1] - 1.01f) < 1e-6f);
    CU_ASSERT(fabsf(m[0] - 0.05f) < 1e-7f && fabsf(v[1] - 0.004f) < 1e-7f);
    /* Lazy rows: only row 1 moves. */
    float w2[4] = {1, 1, 1, 1}, m2[4] = {0}, v2[4] = {0}, g2[2] = {1, 1};
    uint32_t rows[1] = {1};
    sbr_nn_adam_rows(&a, lr_t, w2, m2, v2, 2, rows, 1, g2);
    CU_ASSERT(w2[0] == 1 && w2[1] == 1 && w2[2] < 1 && w2[3] < 1);
    /* Adagrad: acc 0.1 + 4 = 4.1, w = 1 - 0.5 * 2 / sqrt(4.1). */
    float wa = 1, acc = 0.1f, ga = 2;
    sbr_nn_adagrad(0.5, &wa, &acc, &ga, 1);
    CU_ASSERT(fabs((double)wa - (1 - 1 / sqrt(4.1))) < 1e-6);
    /* clip_by_norm: (3, 4) has norm 5; clipped to 1 it is (0.6, 0.8); under the clip unchanged. */
    float c[2] = {3, 4};
    CU_ASSERT(fabs(sbr_nn_clip_by_norm(c, 2, 1.0) - 5) < 1e-12);
    CU_ASSERT(fabsf(c[0] - 0.6f) < 1e-6f && fabsf(c[1] - 0.8f) < 1e-6f);
    CU_ASSERT(fabs(sbr_nn_clip_by_norm(c, 2, 10.0) - 1) < 1e-6);
    CU_ASSERT(fabsf(c[0] - 0.6f) < 1e-6f);
    /* Tensors: NULL-safe free, zeroed, sizes. */
    sbr_nn_tensor_free(NULL);
    sbr_nn_tensor *t = sbr_nn_tensor_new(3, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(sbr_nn_tensor_size(t), 12);
    CU_ASSERT(t->data[11] == 0);
    sbr_nn_tensor_free(t);
    CU_ASSERT_PTR_NULL(sbr_nn_tensor_new(SIZE_MAX / 2, 4));
}

/* Normal and uniform draws have the moments asked for (10,000 draws: the sample mean is
 * within 4 standard errors). */
static void test_initialisers_draw_what_they_say(void)
{
    enum { N = 10000 };
    static float x[N];
    gsl_rng *r = sbr_rng_new(9);
    sbr_nn_init_normal(x, N, r, 0.05);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < N; i++)
        s += x[i], s2 += (double)x[i] * x[i];
    CU_ASSERT(fabs(s / N) < 4 * 0.05 / sqrt(N));
    CU_ASSERT(fabs(sqrt(s2 / N) - 0.05) < 0.002);
    sbr_nn_init_uniform(x, N, r, -1, 3);
    s = 0;
    float lo = 10, hi = -10;
    for (size_t i = 0; i < N; i++)
        s += x[i], lo = fminf(lo, x[i]), hi = fmaxf(hi, x[i]);
    CU_ASSERT(lo >= -1 && hi < 3 && fabs(s / N - 1) < 4 * (4 / sqrt(12.0)) / sqrt(N));
    gsl_rng_free(r);
}

/* ---- STAMP: determinism and learning ------------------------------------------------------ */

static void test_stamp_model_file_is_the_same_for_1_and_2_threads(void)
{
    /* Batches of 100 over 16 shards, 2 epochs, a held-out tenth: every parallel path runs. */
    sbr_dataset *ds = successor_sessions(11, 600);
    const char *spec = "stamp:dim=24,batch=100,epochs=2";
    size_t len1 = 0, len2 = 0;
    char *one = fit_and_save(spec, ds, 1, &len1);
    char *two = fit_and_save(spec, ds, 2, &len2);
    CU_ASSERT(len1 == len2 && memcmp(one, two, len1) == 0);
    char *other = fit_and_save("stamp:dim=24,batch=100,epochs=2,seed=2", ds, 2, &len2);
    CU_ASSERT(len1 != len2 || memcmp(one, other, len1) != 0); /* the seed matters */
    free(one);
    free(two);
    free(other);
    sbr_dataset_free(ds);
}

/* Trained on the successor rule, STAMP ranks the true successor first for nearly every item
 * (chance: 1 in 60). */
static void test_stamp_learns_a_successor_rule(void)
{
    sbr_dataset *ds = successor_sessions(13, 2000);
    sbr_model *m = test_fit("stamp:dim=32,epochs=8,batch=64,select=none", ds);
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
    printf("\n    successor ranked first for %zu of %zu items", first, ds->n_items);
    CU_ASSERT((double)first >= 0.9 * (double)ds->n_items);
    m->algo->scratch_free(s);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

/* select=test without the test set is a clear error. */
static void test_stamp_select_test_needs_the_test_set(void)
{
    sbr_dataset *ds = successor_sessions(15, 50);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, "stamp:select=test,epochs=1", &e), SBR_OK);
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL(sbr_algo_fit(sp.algo, sp.config, ds, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "select=test"));
    CU_ASSERT_PTR_NULL(m);
    /* With it, the fit selects on it (the same sessions here). */
    sbr_fit_opts fo = {NULL, NULL, ds, "test"};
    CU_ASSERT_EQUAL(sbr_algo_fit_with(sp.algo, sp.config, ds, &fo, &m, &e), SBR_OK);
    if (m != NULL)
        m->algo->free(m);
    sbr_spec_fini(&sp);
    sbr_dataset_free(ds);
}

static void count_epochs(void *user, const sbr_fit_progress *p)
{
    size_t *n = user;
    *n += p->stage != NULL && strcmp(p->stage, "epoch") == 0;
}

/* With nothing to select on (5 sessions: a tenth of them is none), every epoch runs and the
 * last is kept, instead of stopping after `patience` epochs without a metric. */
static void test_stamp_without_validation_data_runs_every_epoch(void)
{
    sbr_dataset *ds = successor_sessions(17, 5);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, "stamp:epochs=6,patience=1,dim=8", &e), SBR_OK);
    size_t epochs = 0;
    sbr_fit_opts fo = {count_epochs, &epochs, NULL, NULL};
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL(sbr_algo_fit_with(sp.algo, sp.config, ds, &fo, &m, &e), SBR_OK);
    CU_ASSERT_EQUAL(epochs, 6);
    if (m != NULL)
        m->algo->free(m);
    sbr_spec_fini(&sp);
    sbr_dataset_free(ds);
}

/* ---- GRU cell, GRU4Rec's losses, Adagrad with momentum, the tiled product ------------------- */

enum { GB = 3, GH = 5 };

typedef struct gru_ctx {
    float gx[GB * 3 * GH], h[GB * GH], w[GH * 3 * GH], b[3 * GH], c[GB * GH];
    float u[GB * 3 * GH], gates[GB * 3 * GH], out[GB * GH];
} gru_ctx;

/* sum c * h' in double. */
static double gru_loss(void *p)
{
    gru_ctx *g = p;
    sbr_nn_gru_forward(g->gx, g->h, GB, GH, g->w, g->b, g->u, g->gates, g->out);
    double l = 0;
    for (size_t i = 0; i < GB * GH; i++)
        l += (double)g->c[i] * (double)g->out[i];
    return l;
}

static void test_gru_backward_matches_finite_differences(void)
{
    gsl_rng *r = sbr_rng_new(31);
    gru_ctx g;
    fill(g.gx, sizeof g.gx / sizeof *g.gx, r, 0.8);
    fill(g.h, sizeof g.h / sizeof *g.h, r, 0.8);
    fill(g.w, sizeof g.w / sizeof *g.w, r, 0.5);
    fill(g.b, sizeof g.b / sizeof *g.b, r, 0.3);
    fill(g.c, sizeof g.c / sizeof *g.c, r, 1.0);
    gru_loss(&g);
    float g_gx[GB * 3 * GH], g_w[GH * 3 * GH] = {0}, g_b[3 * GH] = {0}, g_h[GB * GH] = {0};
    sbr_nn_gru_backward(g.h, GB, GH, g.w, g.u, g.gates, g.c, g_gx, g_w, g_b, g_h);
    fd_result a = fd_check("gru d gx", g.gx, GB * 3 * GH, g_gx, gru_loss, &g, 1e-2f, 2e-3, 2e-4);
    fd_result b = fd_check("gru d W_hh", g.w, GH * 3 * GH, g_w, gru_loss, &g, 1e-2f, 2e-3, 2e-4);
    fd_result c = fd_check("gru d b_hh", g.b, 3 * GH, g_b, gru_loss, &g, 1e-2f, 2e-3, 2e-4);
    fd_result d = fd_check("gru d h", g.h, GB * GH, g_h, gru_loss, &g, 1e-2f, 2e-3, 2e-4);
    CU_ASSERT_EQUAL(a.n_bad + b.n_bad + c.n_bad + d.n_bad, 0);
    /* The cell by hand for one unit: gx = (0.5, -0.2, 0.3), h = 0.4, W_hh = (0.1, 0.2, -0.3),
     * b_hh = 0: r = s(0.5 + 0.04), z = s(-0.2 + 0.08), n = tanh(0.3 + r (-0.12)),
     * h' = (1 - z) n + z 0.4 = 0.3048719 (worked with Python's math module). */
    float gx1[3] = {0.5f, -0.2f, 0.3f}, h1 = 0.4f, w1[3] = {0.1f, 0.2f, -0.3f}, u1[3], gt[3], o1;
    sbr_nn_gru_forward(gx1, &h1, 1, 1, w1, NULL, u1, gt, &o1);
    CU_ASSERT_DOUBLE_EQUAL(o1, 0.304871911126196, 1e-6);
    gsl_rng_free(r);
}

typedef struct loss_ctx {
    float o[7];
    size_t pos;
    int kind;
} loss_ctx;

static double row_loss(void *p)
{
    loss_ctx *c = p;
    float g[7], work[14];
    return c->kind == 0   ? sbr_nn_xent_row(c->o, 7, c->pos, 1.0f, g, work)
           : c->kind == 1 ? sbr_nn_bprmax_row(c->o, 7, c->pos, 0.9, 1.0f, g, work)
                          : sbr_nn_top1max_row(c->o, 7, c->pos, 1.0f, g, work);
}

static void test_gru4rec_losses_match_hand_values_and_finite_differences(void)
{
    /* o = (0.5, 2.0, -1.0, 0.3), positive at 1, bpreg 0.9, worked with Python's math module:
     * cross-entropy -log softmax(o)_1 = 0.3754187 (on logits: a softmax applied first, the
     * port bug, would give 0.9848336); BPR-max with s = softmax of (0.5, -1.0, 0.3):
     * -log sum s_j sigmoid(2 - o_j) + 0.9 sum s_j o_j^2 = 0.4111725; TOP1-max
     * sum s_j (sigmoid(o_j - 2) + sigmoid(o_j^2)) = 0.7211780. */
    float o[4] = {0.5f, 2.0f, -1.0f, 0.3f}, g[4], work[8];
    CU_ASSERT_DOUBLE_EQUAL(sbr_nn_xent_row(o, 4, 1, 1.0f, g, work), 0.3754187037721042, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(sbr_nn_bprmax_row(o, 4, 1, 0.9, 1.0f, g, work), 0.4111724873097312,
                           1e-6);
    CU_ASSERT_DOUBLE_EQUAL(sbr_nn_top1max_row(o, 4, 1, 1.0f, g, work), 0.7211780354079376, 1e-6);
    /* No negatives: nothing to rank against. */
    CU_ASSERT_DOUBLE_EQUAL(sbr_nn_bprmax_row(o + 1, 1, 0, 0.9, 1.0f, g, work), 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(g[0], 0.0, 0.0);
    gsl_rng *r = sbr_rng_new(37);
    const char *names[] = {"cross-entropy row", "bpr-max row", "top1-max row"};
    for (int kind = 0; kind < 3; kind++) {
        loss_ctx c;
        fill(c.o, 7, r, 1.5);
        c.pos = (size_t)kind + 2;
        c.kind = kind;
        float grad[7], wk[14];
        if (kind == 0)
            sbr_nn_xent_row(c.o, 7, c.pos, 1.0f, grad, wk);
        else if (kind == 1)
            sbr_nn_bprmax_row(c.o, 7, c.pos, 0.9, 1.0f, grad, wk);
        else
            sbr_nn_top1max_row(c.o, 7, c.pos, 1.0f, grad, wk);
        fd_result f = fd_check(names[kind], c.o, 7, grad, row_loss, &c, 1e-3f, 2e-3, 1e-5);
        CU_ASSERT_EQUAL(f.n_bad, 0);
    }
    gsl_rng_free(r);
}

static void test_adagrad_momentum_follows_its_formula(void)
{
    /* w = 1, lr 0.1, momentum 0.5, eps 1e-6; g = 0.5 then -0.25. By hand (Python):
     * acc 0.25, mom -0.1 / sqrt(0.250001) = -0.0999998, w 0.9000002; then acc 0.3125,
     * mom 0.5 (-0.0999998) + 0.025 / sqrt(0.312501) = -0.0052786, w 0.8947216. */
    float w = 1, acc = 0, mom = 0, g1 = 0.5f, g2 = -0.25f;
    sbr_nn_adagradm(0.1, 0.5, 1e-6, &w, &acc, &mom, &g1, 1);
    CU_ASSERT_DOUBLE_EQUAL(w, 0.9000001999994, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(mom, -0.09999980000060002, 1e-7);
    sbr_nn_adagradm(0.1, 0.5, 1e-6, &w, &acc, &mom, &g2, 1);
    CU_ASSERT_DOUBLE_EQUAL(acc, 0.3125, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(mom, -0.0052786120043077644, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(w, 0.8947215879950922, 1e-6);
    /* Without momentum the step is applied directly (and mom may be NULL). */
    float v = 1, acc2 = 0;
    sbr_nn_adagradm(0.1, 0, 1e-6, &v, &acc2, NULL, &g1, 1);
    CU_ASSERT_DOUBLE_EQUAL(v, 0.9000001999994, 1e-6);
}

/* The tiled product against a plain double product, for every transpose and sizes that span
 * several tiles, and the same bits on 1 and 2 threads. */
static void test_tiled_gemm_is_exact_and_thread_independent(void)
{
    size_t m = 130, n = 1030, k = 70;
    gsl_rng *r = sbr_rng_new(41);
    float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
    float *c1 = malloc(m * n * sizeof *c1), *c2 = malloc(m * n * sizeof *c2);
    CU_ASSERT_FATAL(a && b && c1 && c2);
    fill(a, m * k, r, 1);
    fill(b, k * n, r, 1);
    int before = omp_get_max_threads();
    for (int t = 0; t < 4; t++) {
        bool ta = t & 1, tb = t & 2;
        /* the same data read as A (m x k) or A^T stored k x m, B (k x n) or B^T stored n x k */
        size_t lda = ta ? m : k, ldb = tb ? k : n;
        omp_set_num_threads(1);
        sbr_nn_gemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c1, n);
        omp_set_num_threads(2);
        sbr_nn_gemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c2, n);
        CU_ASSERT(memcmp(c1, c2, m * n * sizeof *c1) == 0);
        double worst = 0;
        for (size_t i = 0; i < m; i += 7)
            for (size_t j = 0; j < n; j += 11) {
                double s = 0;
                for (size_t q = 0; q < k; q++)
                    s += (double)(ta ? a[q * lda + i] : a[i * lda + q]) *
                         (double)(tb ? b[j * ldb + q] : b[q * ldb + j]);
                worst = fmax(worst, fabs(s - (double)c1[i * n + j]));
            }
        CU_ASSERT(worst < 1e-4);
    }
    omp_set_num_threads(before);
    free(a);
    free(b);
    free(c1);
    free(c2);
    gsl_rng_free(r);
}

/* sbr_nn_dots gives each product exactly as sbr_nn_dot does (so a batch ranks as single
 * queries), for row counts and lengths around its 4 x 2 blocks and 8 lanes, and each is the
 * product a double sum gives, within float rounding. */
static void test_dots_are_dot_bit_for_bit(void)
{
    gsl_rng *r = sbr_rng_new(43);
    enum { MAXM = 9, MAXY = 5, MAXN = 517 };
    float *x = malloc(MAXM * MAXN * sizeof *x), *y = malloc(MAXY * MAXN * sizeof *y);
    float *z = malloc(MAXM * (MAXY + 3) * sizeof *z);
    CU_ASSERT_FATAL(x && y && z);
    fill(x, MAXM * MAXN, r, 1);
    fill(y, MAXY * MAXN, r, 1);
    const size_t lens[] = {1, 7, 8, 9, 100, 512, 517};
    size_t differ = 0, compared = 0;
    double worst = 0;
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
        for (size_t m = 1; m <= MAXM; m++)
            for (size_t ny = 1; ny <= MAXY; ny++) {
                size_t n = lens[l], ldz = ny + 3;
                sbr_nn_dots(x, m, y, ny, n, z, ldz);
                for (size_t j = 0; j < m; j++)
                    for (size_t i = 0; i < ny; i++) {
                        float one = sbr_nn_dot(x + j * n, y + i * n, n);
                        differ += memcmp(&one, &z[j * ldz + i], sizeof one) != 0;
                        double s = 0;
                        for (size_t k = 0; k < n; k++)
                            s += (double)x[j * n + k] * (double)y[i * n + k];
                        worst = fmax(worst, fabs(s - (double)z[j * ldz + i]));
                        compared++;
                    }
            }
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT_EQUAL(compared, 7 * 45 * 15);
    CU_ASSERT(worst < 1e-4);
    free(x);
    free(y);
    free(z);
    gsl_rng_free(r);
}

/* The test runner went through sbr_runtime_reexec (tests/test_main.c) as sbr does: on a CPU with
 * AVX-512 the products run AVX-512 kernels, else on one with AVX2 and FMA AVX2 kernels, unless
 * the caller forced a set with OPENBLAS_CORETYPE (then no better choice is offered). */
static void test_blas_runs_kernels_the_cpu_can_use(void)
{
    const char *forced = getenv("OPENBLAS_CORETYPE"), *core = sbr_blas_core();
    CU_ASSERT_PTR_NULL(sbr_blas_better_core()); /* what is loaded is what to keep */
    __builtin_cpu_init();
    bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    bool runs512 = strcmp(core, "SkylakeX") == 0 || strcmp(core, "Cooperlake") == 0 ||
                   strcmp(core, "SapphireRapids") == 0;
    bool runs2 = runs512 || strcmp(core, "Haswell") == 0 || strcmp(core, "Zen") == 0;
    bool good = avx512 ? runs512 : !avx2 || runs2;
    if (!good && forced == NULL)
        fprintf(stderr, "\nOpenBLAS runs %s kernels on a CPU with %s\n", core,
                avx512 ? "AVX-512" : "AVX2");
    CU_ASSERT(good || forced != NULL);
    /* With OPENBLAS_CORETYPE set, nothing is proposed whatever runs. */
    char saved[64] = "";
    if (forced != NULL)
        snprintf(saved, sizeof saved, "%s", forced);
    setenv("OPENBLAS_CORETYPE", "Prescott", 1);
    CU_ASSERT_PTR_NULL(sbr_blas_better_core());
    /* A forced set is refused only where this CPU cannot run it (sbr's main() then stops with
     * a message instead of an illegal instruction in the first product). */
    const char *needs = NULL;
    CU_ASSERT_PTR_NULL(sbr_blas_unrunnable_core(&needs)); /* SSE3 runs on every x86-64 */
    setenv("OPENBLAS_CORETYPE", "skylakex", 1);           /* OpenBLAS ignores the case */
    const char *bad = sbr_blas_unrunnable_core(&needs);
    CU_ASSERT(avx512 ? bad == NULL : bad != NULL && strstr(needs, "AVX-512") != NULL);
    setenv("OPENBLAS_CORETYPE", "Zen", 1);
    bad = sbr_blas_unrunnable_core(&needs);
    CU_ASSERT(avx2 ? bad == NULL : bad != NULL && strstr(needs, "AVX2") != NULL);
    unsetenv("OPENBLAS_CORETYPE");
    CU_ASSERT_PTR_NULL(sbr_blas_unrunnable_core(&needs));
    if (forced != NULL)
        setenv("OPENBLAS_CORETYPE", saved, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
}

/* The runner went through sbr_runtime_reexec too: OMP_WAIT_POLICY is set (to "passive" unless
 * the caller chose), so nothing more is proposed; without it, "passive" is. */
static void test_openmp_waits_passively_unless_chosen(void)
{
    const char *policy = getenv("OMP_WAIT_POLICY");
    CU_ASSERT_PTR_NOT_NULL(policy);
    CU_ASSERT_PTR_NULL(sbr_omp_better_wait_policy());
    char saved[64] = "";
    if (policy != NULL)
        snprintf(saved, sizeof saved, "%s", policy);
    unsetenv("OMP_WAIT_POLICY");
    const char *proposed = sbr_omp_better_wait_policy();
    CU_ASSERT(proposed != NULL && strcmp(proposed, "passive") == 0);
    setenv("OMP_WAIT_POLICY", "active", 1);
    CU_ASSERT_PTR_NULL(sbr_omp_better_wait_policy());
    if (policy != NULL)
        setenv("OMP_WAIT_POLICY", saved, 1);
    else
        unsetenv("OMP_WAIT_POLICY");
}

static CU_TestInfo tests[] = {
    {"blas runs kernels the cpu can use", test_blas_runs_kernels_the_cpu_can_use},
    {"openmp waits passively unless chosen", test_openmp_waits_passively_unless_chosen},
    {"linear backward matches finite differences", test_linear_backward_matches_finite_differences},
    {"activations match finite differences", test_activations_match_finite_differences},
    {"embedding max-norm matches finite differences",
     test_embedding_max_norm_matches_finite_differences},
    {"softmax cross-entropy matches finite differences",
     test_softmax_cross_entropy_matches_finite_differences},
    {"sampled softmax matches finite differences", test_sampled_softmax_matches_finite_differences},
    {"output layer matches finite differences", test_output_layer_matches_finite_differences},
    {"stamp gradient matches finite differences", test_stamp_gradient_matches_finite_differences},
    {"optimisers follow their formulas", test_optimisers_follow_their_formulas},
    {"initialisers draw what they say", test_initialisers_draw_what_they_say},
    {"stamp model file is the same for 1 and 2 threads",
     test_stamp_model_file_is_the_same_for_1_and_2_threads},
    {"stamp learns a successor rule", test_stamp_learns_a_successor_rule},
    {"stamp select=test needs the test set", test_stamp_select_test_needs_the_test_set},
    {"stamp without validation data runs every epoch",
     test_stamp_without_validation_data_runs_every_epoch},
    {"gru backward matches finite differences", test_gru_backward_matches_finite_differences},
    {"gru4rec losses match hand values and finite differences",
     test_gru4rec_losses_match_hand_values_and_finite_differences},
    {"adagrad with momentum follows its formula", test_adagrad_momentum_follows_its_formula},
    {"tiled gemm is exact and thread independent", test_tiled_gemm_is_exact_and_thread_independent},
    {"dots are dot bit for bit", test_dots_are_dot_bit_for_bit},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_nn = {"nn", NULL, NULL, NULL, NULL, tests};
