#include "algorithms/narm.h"

#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"
#include "algorithms/narm_int.h"
#include "algorithms/nn/act.h"
#include "algorithms/nn/embed.h"
#include "algorithms/nn/gru_theano.h"
#include "algorithms/nn/linear.h"
#include "algorithms/nn/optim.h"
#include "algorithms/nn/output.h"
#include "algorithms/nn/softmax.h"
#include "algorithms/nn/tensor.h"
#include "algorithms/seq_fit.h"
#include "data/rng.h"

/* Shards per mini-batch (fixed: a batch's sums do not depend on the thread count); a
 * prediction's capacity is at least MIN_CAP clicks. */
enum { N_SHARDS = 16, MIN_CAP = 256, TAG = 0x4e41524d /* "NARM" */ };

static const char *const selects[] = {"valid", "none", "test", NULL};

static const sbr_param_spec narm_params[] = {
    {"dim", SBR_P_INT, offsetof(narm_config, dim), 50, 1, 1024, NULL, "item embedding size"},
    {"hidden", SBR_P_INT, offsetof(narm_config, hidden), 100, 1, 1024, NULL, "GRU units"},
    {"batch", SBR_P_INT, offsetof(narm_config, batch), 512, 1, 65536, NULL,
     "training examples per mini-batch"},
    {"lr", SBR_P_DOUBLE, offsetof(narm_config, lr), 0.001, 1e-7, 1, NULL, "Adam learning rate"},
    {"drop_emb", SBR_P_DOUBLE, offsetof(narm_config, drop_emb), 0.25, 0, 0.95, NULL,
     "dropout on the item embeddings"},
    {"drop_out", SBR_P_DOUBLE, offsetof(narm_config, drop_out), 0.5, 0, 0.95, NULL,
     "dropout on [c_local; h_t]"},
    {"hard", SBR_P_INT, offsetof(narm_config, hard), 1, 0, 1, NULL,
     "gates and attention: hard_sigmoid (1, the code) or the logistic function (0)"},
    {"epochs", SBR_P_INT, offsetof(narm_config, epochs), 30, 1, 10000, NULL,
     "passes over the training prefixes (at most)"},
    {"seed", SBR_P_INT, offsetof(narm_config, seed), 1, 0, 2147483647, NULL,
     "initialisation, shuffling and dropout"},
    {"select", SBR_P_CHOICE, offsetof(narm_config, select), 0, 0, 2, selects,
     "epoch selection (on HR@20): held-out latest training sessions, none (last), or the test "
     "set"},
    {"valid", SBR_P_DOUBLE, offsetof(narm_config, valid), 0.1, 0.001, 0.9, NULL,
     "select=valid: the latest fraction of training sessions held out"},
    {"patience", SBR_P_INT, offsetof(narm_config, patience), 100, 1, 10000, NULL,
     "select=valid/test: stop after this many epochs without a better HR@20"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

enum { T_E, T_WX, T_BX, T_URZ, T_UH, T_A1, T_A2, T_V, T_B, N_TENSORS };

typedef struct narm_net {
    size_t n_items, d, hd;
    bool hard;
    size_t off[N_TENSORS + 1];
    float *p;
} narm_net;

typedef struct narm_model {
    sbr_model base;
    narm_net net;
    size_t cap;                /* the most clicks a prediction uses */
    double drop_emb, drop_out; /* prediction scales by 1 - p */
} narm_model;

static void net_layout(narm_net *n, size_t n_items, size_t d, size_t hd)
{
    n->n_items = n_items;
    n->d = d;
    n->hd = hd;
    size_t sizes[N_TENSORS] = {n_items * d, d * 3 * hd, 3 * hd, hd * 2 * hd, hd * hd,
                               hd * hd,     hd * hd,    hd,     2 * hd * d};
    n->off[0] = 0;
    for (int k = 0; k < N_TENSORS; k++)
        n->off[k + 1] = n->off[k] + sizes[k];
}

static void narm_free(sbr_model *model)
{
    if (model == NULL)
        return;
    narm_model *m = (narm_model *)model;
    free(m->net.p);
    free(m);
}

/* ---- the session block: forward and backward over a shard of examples -------------------- */

/* A shard's buffers, time-major: step t holds the n_t examples longer than t (the shard's
 * examples ordered by length, longest first, ties by position), at positions off[t] + q. */
typedef struct shard {
    void *block;
    uint32_t *idx, *perm, *n_at, *off, *last, *lens;
    uint8_t *mask_x, *mask_c;
    float *x, *xp, *hs, *cache, *work, *k, *w;
    float *ht, *qd, *c, *gu, *gc, *ght, *gq;
    float *g_h, *g_xp, *g_k;
    float *gw;  /* [off[N_TENSORS] - off[T_WX]] */
    float *gx;  /* the gradient of the looked-up rows (x's buffer reused) */
    size_t cap; /* positions */
    size_t n_pos, n_ex, n_steps;
    bool plain;
    gsl_rng *r; /* dropout masks (training) */
} shard;

static size_t shard_floats(const narm_net *net, size_t P, size_t X)
{
    size_t d = net->d, H = net->hd;
    size_t small = net->off[N_TENSORS] - net->off[T_WX];
    size_t words = P + X + 3 * (P + 1) + 2 * X;
    size_t bytes8 = (P * d + 2 * X * H + 3) / 4 + 1;
    return P * d + P * 3 * H + P * H + sbr_nn_gru_theano_cache_floats(P, H) + P * 2 * H + P * H +
           P + X * H * 9 + X * d + P * H + P * 3 * H + P * H + small + words + bytes8;
}

static void shard_fini(shard *s)
{
    free(s->block);
    gsl_rng_free(s->r);
    memset(s, 0, sizeof *s);
}

static sbr_rc shard_init(shard *s, const narm_net *net, size_t P, size_t X, bool with_rng)
{
    size_t d = net->d, H = net->hd;
    s->block = sbr_alloc_array(shard_floats(net, P, X), sizeof(float));
    s->r = with_rng ? sbr_rng_new(1) : NULL;
    if (s->block == NULL || (with_rng && s->r == NULL))
        return SBR_ENOMEM;
    float *f = s->block;
    s->x = f, f += P * d;
    s->xp = f, f += P * 3 * H;
    s->hs = f, f += P * H;
    s->cache = f, f += sbr_nn_gru_theano_cache_floats(P, H);
    s->work = f, f += P * 2 * H;
    s->k = f, f += P * H;
    s->w = f, f += P;
    s->ht = f, f += X * H;
    s->qd = f, f += X * H;
    s->c = f, f += 2 * X * H;
    s->gc = f, f += 2 * X * H;
    s->ght = f, f += X * H;
    s->gq = f, f += X * H;
    s->gu = f, f += X * d;
    s->g_h = f, f += P * H;
    s->g_xp = f, f += P * 3 * H;
    s->g_k = f, f += P * H;
    s->gw = f, f += net->off[N_TENSORS] - net->off[T_WX];
    uint32_t *u = (uint32_t *)(void *)f;
    s->idx = u, u += P;
    s->perm = u, u += X;
    s->n_at = u, u += P + 1;
    s->off = u, u += 2 * (P + 1);
    s->last = u, u += X;
    s->lens = u, u += X;
    s->mask_x = (uint8_t *)(void *)u;
    s->mask_c = s->mask_x + P * d;
    s->cap = P;
    return SBR_OK;
}

/* Examples by length descending, ties by position. */
static void order_examples(shard *s, const sbr_seq_example *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t e = (uint32_t)i;
        size_t j = i;
        while (j > 0 && ex[s->perm[j - 1]].len < ex[e].len) {
            s->perm[j] = s->perm[j - 1];
            j--;
        }
        s->perm[j] = e;
    }
    size_t T = n > 0 ? ex[s->perm[0]].len : 0, P = 0;
    for (size_t t = 0; t < T; t++) {
        size_t cnt = 0;
        while (cnt < n && ex[s->perm[cnt]].len > t)
            cnt++;
        s->n_at[t] = (uint32_t)cnt;
        s->off[t] = (uint32_t)P;
        P += cnt;
    }
    s->n_steps = T;
    s->n_pos = P;
    s->n_ex = n;
    for (size_t q = 0; q < n; q++) {
        s->lens[q] = ex[s->perm[q]].len;
        s->last[q] = s->off[s->lens[q] - 1] + (uint32_t)q;
    }
}

/* Theano's dropout on x[0..n): training keeps each value with probability 1 - p (mask) as it
 * is; prediction scales by 1 - p. */
static void dropout(float *x, uint8_t *mask, size_t n, double p, gsl_rng *r)
{
    if (r == NULL) {
        float keep = (float)(1 - p);
        for (size_t i = 0; i < n; i++)
            x[i] *= keep;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        mask[i] = gsl_rng_uniform(r) >= p;
        x[i] = mask[i] ? x[i] : 0.0f;
    }
}

typedef void (*lin_fn)(const float *, size_t, size_t, const float *, const float *, size_t,
                       float *);

/* Forward pass of examples ex[0..n) into out (n x dim, the vectors c B^T in example order).
 * Training (s->r set, reseeded by the caller) draws dropout masks; else prediction's scaling. */
static void shard_forward(const narm_net *net, const uint32_t *base, const sbr_seq_example *ex,
                          size_t n, shard *s, double drop_emb, double drop_out, bool train,
                          float *out)
{
    lin_fn lin = s->plain ? sbr_nn_linear_forward_plain : sbr_nn_linear_forward;
    size_t d = net->d, H = net->hd;
    const float *p = net->p;
    order_examples(s, ex, n);
    for (size_t t = 0; t < s->n_steps; t++)
        for (size_t q = 0; q < s->n_at[t]; q++)
            s->idx[s->off[t] + q] = base[ex[s->perm[q]].start + t];
    size_t P = s->n_pos;
    gsl_rng *r = train ? s->r : NULL;
    sbr_nn_embed_lookup(p + net->off[T_E], d, s->idx, P, 0, s->x);
    dropout(s->x, s->mask_x, P * d, drop_emb, r);
    lin(s->x, P, d, p + net->off[T_WX], p + net->off[T_BX], 3 * H, s->xp);
    for (size_t t = 0; t < s->n_steps; t++) {
        size_t o = s->off[t];
        const float *h = t > 0 ? s->hs + (size_t)s->off[t - 1] * H : NULL;
        sbr_nn_gru_theano_forward(s->xp + o * 3 * H, h, s->n_at[t], H, p + net->off[T_URZ],
                                  p + net->off[T_UH], net->hard, s->cache + o * 4 * H,
                                  s->hs + o * H, s->work, s->plain);
    }
    /* Attention: k_j = act(h_j A1 + h_t A2), alpha_j = v . k_j, softmax over the clicks. */
    for (size_t q = 0; q < n; q++)
        memcpy(s->ht + q * H, s->hs + (size_t)s->last[q] * H, H * sizeof *s->ht);
    lin(s->hs, P, H, p + net->off[T_A1], NULL, H, s->k);
    lin(s->ht, n, H, p + net->off[T_A2], NULL, H, s->qd);
    for (size_t t = 0; t < s->n_steps; t++)
        for (size_t q = 0; q < s->n_at[t]; q++)
            sbr_nn_axpy(1.0f, s->qd + q * H, s->k + (s->off[t] + q) * H, H);
    if (net->hard)
        sbr_nn_hard_sigmoid(s->k, s->k, P * H);
    else
        sbr_nn_sigmoid(s->k, s->k, P * H);
    for (size_t i = 0; i < P; i++)
        s->w[i] = sbr_nn_dot(s->k + i * H, p + net->off[T_V], H);
    memset(s->c, 0, 2 * n * H * sizeof *s->c);
    for (size_t q = 0; q < n; q++) {
        uint32_t len = ex[s->perm[q]].len;
        float mx = -INFINITY;
        for (uint32_t t = 0; t < len; t++)
            mx = fmaxf(mx, s->w[s->off[t] + q]);
        double sum = 0;
        for (uint32_t t = 0; t < len; t++) {
            float *w = &s->w[s->off[t] + q];
            *w = expf(*w - mx);
            sum += (double)*w;
        }
        float *cl = s->c + q * 2 * H;
        for (uint32_t t = 0; t < len; t++) {
            size_t i = s->off[t] + q;
            s->w[i] = (float)((double)s->w[i] / sum);
            sbr_nn_axpy(s->w[i], s->hs + i * H, cl, H);
        }
        memcpy(cl + H, s->ht + q * H, H * sizeof *cl);
    }
    dropout(s->c, s->mask_c, 2 * n * H, drop_out, r);
    for (size_t q = 0; q < n; q++)
        lin(s->c + q * 2 * H, 1, 2 * H, p + net->off[T_B], NULL, d, out + (size_t)s->perm[q] * d);
}

/* Backward pass after a training shard_forward, given gout (n x dim, example order): the
 * tensors' gradients but E's into s->gw (overwritten), the looked-up rows' into s->gx. */
static void shard_backward(const narm_net *net, shard *s, const float *gout)
{
    size_t d = net->d, H = net->hd, n = s->n_ex, P = s->n_pos;
    const float *p = net->p, *v = p + net->off[T_V];
    size_t base = net->off[T_WX];
    memset(s->gw, 0, (net->off[N_TENSORS] - base) * sizeof *s->gw);
    float *gw[N_TENSORS];
    for (int k = T_WX; k < N_TENSORS; k++)
        gw[k] = s->gw + net->off[k] - base;
    for (size_t q = 0; q < n; q++)
        memcpy(s->gu + q * d, gout + (size_t)s->perm[q] * d, d * sizeof *s->gu);
    memset(s->gc, 0, 2 * n * H * sizeof *s->gc);
    sbr_nn_linear_backward(s->c, n, 2 * H, p + net->off[T_B], d, s->gu, gw[T_B], NULL, s->gc);
    for (size_t i = 0; i < 2 * n * H; i++)
        s->gc[i] = s->mask_c[i] ? s->gc[i] : 0.0f;
    memset(s->g_h, 0, P * H * sizeof *s->g_h);
    for (size_t q = 0; q < n; q++) {
        const float *gcl = s->gc + q * 2 * H;
        memcpy(s->ght + q * H, gcl + H, H * sizeof *s->ght);
        size_t len = s->lens[q];
        double sum = 0;
        for (size_t t = 0; t < len; t++) {
            size_t i = s->off[t] + q;
            float g_w = sbr_nn_dot(gcl, s->hs + i * H, H);
            sbr_nn_axpy(s->w[i], gcl, s->g_h + i * H, H);
            s->g_k[i * H] = g_w; /* parked: g_k's first float, overwritten below */
            sum += (double)s->w[i] * (double)g_w;
        }
        for (size_t t = 0; t < len; t++) {
            size_t i = s->off[t] + q;
            float g_e = s->w[i] * (s->g_k[i * H] - (float)sum);
            const float *k = s->k + i * H;
            float *gk = s->g_k + i * H;
            for (size_t j = 0; j < H; j++) {
                gw[T_V][j] += g_e * k[j];
                gk[j] = g_e * v[j];
            }
            if (net->hard)
                sbr_nn_hard_sigmoid_backward(k, gk, gk, H);
            else
                sbr_nn_sigmoid_backward(k, gk, gk, H);
        }
    }
    sbr_nn_linear_backward(s->hs, P, H, p + net->off[T_A1], H, s->g_k, gw[T_A1], NULL, s->g_h);
    memset(s->gq, 0, n * H * sizeof *s->gq);
    for (size_t t = 0; t < s->n_steps; t++)
        for (size_t q = 0; q < s->n_at[t]; q++)
            sbr_nn_axpy(1.0f, s->g_k + (s->off[t] + q) * H, s->gq + q * H, H);
    sbr_nn_linear_backward(s->ht, n, H, p + net->off[T_A2], H, s->gq, gw[T_A2], NULL, s->ght);
    for (size_t q = 0; q < n; q++)
        sbr_nn_axpy(1.0f, s->ght + q * H, s->g_h + (size_t)s->last[q] * H, H);
    for (size_t t = s->n_steps; t-- > 0;) {
        size_t o = s->off[t];
        const float *h = t > 0 ? s->hs + (size_t)s->off[t - 1] * H : NULL;
        float *g_prev = t > 0 ? s->g_h + (size_t)s->off[t - 1] * H : NULL;
        sbr_nn_gru_theano_backward(h, s->n_at[t], H, p + net->off[T_URZ], p + net->off[T_UH],
                                   net->hard, s->cache + o * 4 * H, s->g_h + o * H,
                                   s->g_xp + o * 3 * H, g_prev, gw[T_URZ], gw[T_UH], s->work);
    }
    /* x = E[idx] (dropped out): W_x's gradient, then x's buffer takes the rows' gradient. */
    sbr_nn_linear_backward(s->x, P, d, p + net->off[T_WX], 3 * H, s->g_xp, gw[T_WX], gw[T_BX],
                           NULL);
    if (P > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, (int)d, (int)(3 * H), 1.0f,
                    s->g_xp, (int)(3 * H), p + net->off[T_WX], (int)(3 * H), 0.0f, s->x, (int)d);
    for (size_t i = 0; i < P * d; i++)
        s->x[i] = s->mask_x[i] ? s->x[i] : 0.0f;
    s->gx = s->x;
}

/* ---- training -------------------------------------------------------------------------- */

typedef struct trainer {
    const narm_config *cfg;
    narm_net *net;
    size_t n_params, batch;
    double drop_emb, drop_out;
    uint64_t steps; /* training steps taken: the dropout generators' seed coordinate */
    uint64_t seed;
    sbr_seq_bufs b;
    shard shards[N_SHARDS];
    sbr_nn_adam adam;
} trainer;

static void trainer_fini(trainer *t)
{
    sbr_seq_bufs_fini(&t->b);
    for (int k = 0; k < N_SHARDS; k++)
        shard_fini(&t->shards[k]);
}

/* The buffers (grad: borrowed as the gradient, no optimiser; NULL: own, with Adam's moments)
 * and shards of cap_pos clicks. */
static sbr_rc trainer_alloc(trainer *t, size_t cap_pos, float *grad, sbr_err *err)
{
    size_t b = t->batch;
    if (sbr_seq_bufs_init(&t->b, t->n_params, grad, grad == NULL, b, t->net->d, t->net->n_items) !=
        SBR_OK)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", "narm");
    size_t cap_ex = (b + N_SHARDS - 1) / N_SHARDS;
    for (size_t k = 0; k < N_SHARDS; k++)
        if (shard_init(&t->shards[k], t->net, cap_pos, cap_ex, true) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "narm: out of memory");
    return SBR_OK;
}

/* The vectors c B^T of a batch into t->h, every shard in parallel; training draws each shard's
 * dropout masks from a generator seeded by (seed, step, shard). */
static void batch_forward(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                          bool train)
{
    const narm_net *net = t->net;
    size_t d = net->d;
    long n_shards = N_SHARDS;
#pragma omp parallel for schedule(dynamic, 1) default(none)                                        \
    shared(t, net, base, ex, n, d, n_shards, train)
    for (long k = 0; k < n_shards; k++) {
        size_t lo = sbr_seq_shard_lo((size_t)k, n, N_SHARDS);
        size_t hi = sbr_seq_shard_lo((size_t)k + 1, n, N_SHARDS);
        shard *s = &t->shards[k];
        if (hi == lo)
            continue;
        if (train)
            gsl_rng_set(s->r, sbr_seed(t->seed, t->steps, (uint64_t)k, TAG));
        shard_forward(net, base, ex + lo, hi - lo, s, t->drop_emb, t->drop_out, train,
                      t->b.h + lo * d);
    }
}

/* The summed loss of a batch and, into t->g, the gradient of its mean loss. */
static double batch_gradient(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n)
{
    narm_net *net = t->net;
    size_t d = net->d, ni = net->n_items;
    batch_forward(t, base, ex, n, true);
    float *ge = t->b.g + net->off[T_E];
    double loss = sbr_seq_output(&t->b, ex, n, d, net->p + net->off[T_E], ni, ge);
    long n_shards = N_SHARDS;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(t, net, n, d, n_shards)
    for (long k = 0; k < n_shards; k++) {
        size_t lo = sbr_seq_shard_lo((size_t)k, n, N_SHARDS);
        size_t hi = sbr_seq_shard_lo((size_t)k + 1, n, N_SHARDS);
        if (hi > lo)
            shard_backward(net, &t->shards[k], t->b.gh + lo * d);
    }
    size_t small = net->off[N_TENSORS] - net->off[T_WX];
    float *gs = t->b.g + net->off[T_WX];
    memset(gs, 0, small * sizeof *gs);
    for (size_t k = 0; k < N_SHARDS; k++) {
        const shard *s = &t->shards[k];
        if (sbr_seq_shard_lo(k + 1, n, N_SHARDS) == sbr_seq_shard_lo(k, n, N_SHARDS))
            continue;
        sbr_nn_axpy(1.0f, s->gw, gs, small);
        sbr_nn_embed_scatter_add(ge, d, s->idx, s->n_pos, s->gx);
    }
    return loss;
}

/* One mini-batch (sbr_seq_model.step): gradient and the code's Adam step. */
static double train_step(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                         long epoch)
{
    (void)epoch;
    trainer *t = ctx;
    double loss = batch_gradient(t, base, ex, n);
    t->steps++;
    sbr_seq_adam_step(&t->adam, t->cfg->lr, 0, t->net->p, t->b.m, t->b.v, t->b.g, t->n_params);
    return loss;
}

static void batch_logits(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                         float *z)
{
    trainer *t = ctx;
    batch_forward(t, base, ex, n, false);
    sbr_nn_output_logits(t->b.h, n, t->net->d, t->net->p + t->net->off[T_E], t->net->n_items, z);
}

/* The code's initialisation: init_weights (N(0, 2 / fan_in)), ortho_weight, zero biases. */
static bool init_params(narm_net *net, gsl_rng *r)
{
    size_t ni = net->n_items, d = net->d, H = net->hd;
    float *p = net->p;
    sbr_nn_init_normal(p + net->off[T_E], ni * d, r, sqrt(2.0 / (double)ni));
    sbr_nn_init_normal(p + net->off[T_WX], d * 3 * H, r, sqrt(2.0 / (double)d));
    memset(p + net->off[T_BX], 0, 3 * H * sizeof *p);
    float *u = sbr_alloc_array(H * H, sizeof *u);
    bool ok = u != NULL;
    for (size_t block = 0; ok && block < 2; block++) { /* U_rz = [U_z | U_r] */
        ok = sbr_nn_init_orthogonal(u, H, r);
        for (size_t i = 0; ok && i < H; i++)
            memcpy(p + net->off[T_URZ] + i * 2 * H + block * H, u + i * H, H * sizeof *u);
    }
    free(u);
    ok = ok && sbr_nn_init_orthogonal(p + net->off[T_UH], H, r);
    sbr_nn_init_normal(p + net->off[T_A1], H * H, r, sqrt(2.0 / (double)H));
    sbr_nn_init_normal(p + net->off[T_A2], H * H, r, sqrt(2.0 / (double)H));
    sbr_nn_init_normal(p + net->off[T_V], H, r, sqrt(2.0));
    sbr_nn_init_normal(p + net->off[T_B], 2 * H * d, r, sqrt(2.0 / (double)d));
    return ok;
}

static sbr_rc narm_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *opts,
                       sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const narm_config *cfg = config;
    if (train->n_items == 0 || train->n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "narm: %zu training items", train->n_items);
    sbr_seq_data data;
    sbr_rc rc = sbr_seq_data_build("narm", train, cfg->select, cfg->valid, opts, &data, err);
    if (rc != SBR_OK)
        return rc;
    narm_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        sbr_seq_data_fini(&data);
        return sbr_err_set(err, SBR_ENOMEM, "narm: out of memory");
    }
    m->base.algo = &sbr_algo_narm;
    narm_net *net = &m->net;
    net_layout(net, train->n_items, (size_t)cfg->dim, (size_t)cfg->hidden);
    net->hard = cfg->hard != 0;
    m->drop_emb = cfg->drop_emb;
    m->drop_out = cfg->drop_out;
    m->cap = data.longest > MIN_CAP ? data.longest : MIN_CAP;
    trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    t.net = net;
    t.n_params = net->off[N_TENSORS];
    t.batch = (size_t)cfg->batch;
    t.drop_emb = cfg->drop_emb;
    t.drop_out = cfg->drop_out;
    t.seed = (uint64_t)cfg->seed;
    net->p = sbr_alloc_array(t.n_params, sizeof *net->p);
    if (net->p == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "narm: out of memory");
    size_t cap_ex = (t.batch + N_SHARDS - 1) / N_SHARDS;
    if (rc == SBR_OK)
        rc = trainer_alloc(&t, sbr_seq_max_positions(&data, cap_ex), NULL, err);
    gsl_rng *init = NULL, *shuffle = NULL;
    if (rc == SBR_OK) {
        init = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 0, TAG));
        shuffle = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 1, TAG));
        if (init == NULL || shuffle == NULL || !init_params(net, init))
            rc = sbr_err_set(err, SBR_ENOMEM, "narm: out of memory");
    }
    if (rc == SBR_OK) {
        sbr_nn_adam_init(&t.adam, cfg->lr);
        sbr_seq_model sm = {.ctx = &t,
                            .step = train_step,
                            .logits = batch_logits,
                            .params = net->p,
                            .n_params = t.n_params,
                            .n_items = net->n_items,
                            .batch = t.batch,
                            .epochs = cfg->epochs,
                            .patience = cfg->patience,
                            .select_hr = true};
        rc = sbr_seq_train(&sm, &data, train->items, shuffle, t.b.z, opts, err);
    }
    gsl_rng_free(init);
    gsl_rng_free(shuffle);
    trainer_fini(&t);
    sbr_seq_data_fini(&data);
    if (rc != SBR_OK) {
        narm_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

/* ---- the gradient for tests (algorithms/narm_int.h) --------------------------------------- */

size_t sbr_narm_n_params(size_t n_items, size_t dim, size_t hidden)
{
    narm_net net;
    net_layout(&net, n_items, dim, hidden);
    return net.off[N_TENSORS];
}

sbr_rc sbr_narm_gradient(size_t n_items, size_t dim, size_t hidden, bool hard, float *params,
                         const uint32_t *items, const size_t *starts, const uint32_t *lens,
                         const uint32_t *targets, size_t n_ex, double *loss, float *grad,
                         sbr_err *err)
{
    narm_net net;
    net_layout(&net, n_items, dim, hidden);
    net.hard = hard;
    net.p = params;
    trainer t;
    memset(&t, 0, sizeof t);
    t.net = &net;
    t.n_params = net.off[N_TENSORS];
    t.batch = n_ex;
    size_t cap = 0;
    sbr_seq_example *ex = sbr_seq_examples(starts, lens, targets, n_ex, &cap);
    sbr_rc rc = ex == NULL ? sbr_err_set(err, SBR_ENOMEM, "narm: out of memory")
                           : trainer_alloc(&t, cap, grad, err);
    if (rc == SBR_OK)
        *loss = batch_gradient(&t, items, ex, n_ex) / (double)n_ex;
    trainer_fini(&t);
    free(ex);
    return rc;
}

/* ---- predict ------------------------------------------------------------------------------ */

typedef struct narm_scratch {
    shard sh;
    sbr_seq_pred pr;
} narm_scratch;

static size_t narm_scratch_bytes(const sbr_model *model)
{
    const narm_model *m = (const narm_model *)model;
    const narm_net *n = &m->net;
    return sizeof(narm_scratch) + shard_floats(n, m->cap, 1) * sizeof(float) +
           sbr_seq_pred_bytes(m->cap, n->n_items, n->d);
}

static void narm_scratch_free(void *p)
{
    narm_scratch *s = p;
    if (s == NULL)
        return;
    shard_fini(&s->sh);
    sbr_seq_pred_fini(&s->pr);
    free(s);
}

static void *narm_scratch_new(const sbr_model *model)
{
    const narm_model *m = (const narm_model *)model;
    narm_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (!sbr_seq_pred_init(&s->pr, m->cap, m->net.n_items, m->net.d) ||
        shard_init(&s->sh, &m->net, m->cap, 1, false) != SBR_OK) {
        narm_scratch_free(s);
        return NULL;
    }
    s->sh.plain = true;
    return s;
}

/* The session vector [c_local; h_t] after the output's bilinear map, of items[0..len). */
static void session_vector(const sbr_model *model, void *scratch, const uint32_t *items, size_t len,
                           float *h)
{
    const narm_model *m = (const narm_model *)model;
    narm_scratch *s = scratch;
    sbr_seq_example ex = {0, (uint32_t)len, 0};
    shard_forward(&m->net, items, &ex, 1, &s->sh, m->drop_emb, m->drop_out, false, h);
}

static sbr_rc narm_predict_batch(const sbr_model *model, const sbr_query *q, size_t m,
                                 void *scratch, sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const narm_model *nm = (const narm_model *)model;
    const narm_net *net = &nm->net;
    sbr_seq_predict_batch(model, scratch, &((narm_scratch *)scratch)->pr, nm->cap, net->d,
                          net->p + net->off[T_E], net->n_items, session_vector, q, m, out, n_out);
    return SBR_OK;
}

static sbr_rc narm_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    return narm_predict_batch(model, q, 1, scratch, out, n_out, err);
}

/* ---- model size, files -------------------------------------------------------------------- */

static size_t narm_bytes(const sbr_model *model)
{
    const narm_net *n = &((const narm_model *)model)->net;
    return sizeof(narm_model) + n->off[N_TENSORS] * sizeof(float);
}

static sbr_rc narm_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const narm_model *m = (const narm_model *)model;
    sbr_seq_save(w, m->net.n_items, m->cap, m->net.p, m->net.off[N_TENSORS]);
    return SBR_OK;
}

static sbr_rc narm_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const narm_config *cfg = config;
    narm_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "narm: out of memory");
    m->base.algo = &sbr_algo_narm;
    m->drop_emb = cfg->drop_emb;
    m->drop_out = cfg->drop_out;
    size_t n_items = 0;
    sbr_rc rc = sbr_seq_load_sizes(r, &n_items, &m->cap, MIN_CAP, err);
    if (rc == SBR_OK) {
        net_layout(&m->net, n_items, (size_t)cfg->dim, (size_t)cfg->hidden);
        m->net.hard = cfg->hard != 0;
        rc = sbr_mr_array_n(r, (void **)&m->net.p, m->net.off[N_TENSORS], sizeof *m->net.p, err);
    }
    if (rc != SBR_OK) {
        narm_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_narm = {
    .abi = SBR_ALGO_ABI,
    .name = "narm",
    .help = "NARM: GRU encoder with attention and a bilinear decoder (lijingsdu/sessionRec_NARM's "
            "code), softmax over all items",
    .family = SBR_FAMILY_LEARNED,
    .params = narm_params,
    .config_size = sizeof(narm_config),
    .tune_space = "lr=log:0.0001:0.01; hidden=choice:50|100|200; drop_out=real:0:0.7",
    .check = NULL,
    .fit = narm_fit,
    .model_bytes = narm_bytes,
    .scratch_bytes = narm_scratch_bytes,
    .scratch_new = narm_scratch_new,
    .scratch_free = narm_scratch_free,
    .predict = narm_predict,
    .predict_batch = narm_predict_batch,
    .save = narm_save,
    .load = narm_load,
    .free = narm_free,
};
