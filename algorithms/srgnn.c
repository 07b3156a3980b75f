#include "algorithms/srgnn.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"
#include "algorithms/nn/act.h"
#include "algorithms/nn/embed.h"
#include "algorithms/nn/ggnn.h"
#include "algorithms/nn/linear.h"
#include "algorithms/nn/optim.h"
#include "algorithms/nn/output.h"
#include "algorithms/nn/tensor.h"
#include "algorithms/seq_fit.h"
#include "algorithms/srgnn_int.h"
#include "data/rng.h"

/* Shards per mini-batch: fixed, so that a batch's sums do not depend on the thread count. A
 * prediction's capacity is at least MIN_CAP clicks. */
enum { N_SHARDS = 16, MIN_CAP = 256 };

static const char *const selects[] = {"valid", "none", "test", NULL};

static const sbr_param_spec srgnn_params[] = {
    {"dim", SBR_P_INT, offsetof(srgnn_config, dim), 100, 1, 1024, NULL,
     "embedding and hidden size"},
    {"batch", SBR_P_INT, offsetof(srgnn_config, batch), 100, 1, 65536, NULL,
     "training examples per mini-batch"},
    {"lr", SBR_P_DOUBLE, offsetof(srgnn_config, lr), 0.001, 1e-7, 1, NULL, "Adam learning rate"},
    {"lr_dc", SBR_P_DOUBLE, offsetof(srgnn_config, lr_dc), 0.1, 1e-6, 1, NULL,
     "learning-rate decay factor (StepLR gamma)"},
    {"lr_step", SBR_P_INT, offsetof(srgnn_config, lr_step), 3, 1, 10000, NULL,
     "epochs between learning-rate decays"},
    {"l2", SBR_P_DOUBLE, offsetof(srgnn_config, l2), 1e-5, 0, 1, NULL,
     "weight decay (Adam's L2 term, every parameter)"},
    {"steps", SBR_P_INT, offsetof(srgnn_config, steps), 1, 1, 16, NULL, "gated graph steps"},
    {"epochs", SBR_P_INT, offsetof(srgnn_config, epochs), 30, 1, 10000, NULL,
     "passes over the training prefixes (at most)"},
    {"seed", SBR_P_INT, offsetof(srgnn_config, seed), 1, 0, 2147483647, NULL,
     "initialisation and shuffling"},
    {"select", SBR_P_CHOICE, offsetof(srgnn_config, select), 0, 0, 2, selects,
     "epoch selection: held-out latest training sessions, none (last), or the test set"},
    {"valid", SBR_P_DOUBLE, offsetof(srgnn_config, valid), 0.1, 0.001, 0.9, NULL,
     "select=valid: the latest fraction of training sessions held out"},
    {"patience", SBR_P_INT, offsetof(srgnn_config, patience), 10, 1, 10000, NULL,
     "select=valid/test: stop after this many epochs without a better MRR@20"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* The parameters, one block. */
enum { T_E, T_GNN, T_W1, T_B1, T_W2, T_B2, T_Q, T_W3, T_B3, N_TENSORS };

typedef struct srgnn_net {
    size_t n_items, d, steps;
    size_t off[N_TENSORS + 1]; /* offsets of the tensors in p; off[N_TENSORS] = total */
    float *p;
} srgnn_net;

typedef struct srgnn_model {
    sbr_model base;
    srgnn_net net;
    size_t cap; /* the most clicks a prediction uses */
} srgnn_model;

static void net_layout(srgnn_net *n, size_t n_items, size_t d, size_t steps)
{
    n->n_items = n_items;
    n->d = d;
    n->steps = steps;
    size_t sizes[N_TENSORS] = {
        n_items * d, sbr_nn_ggnn_n_params(d), d * d, d, d * d, d, d, 2 * d * d, d};
    n->off[0] = 0;
    for (int k = 0; k < N_TENSORS; k++)
        n->off[k + 1] = n->off[k] + sizes[k];
}

static void srgnn_free(sbr_model *model)
{
    if (model == NULL)
        return;
    srgnn_model *m = (srgnn_model *)model;
    free(m->net.p);
    free(m);
}

/* ---- the session graph ------------------------------------------------------------------- */

size_t sbr_srgnn_graph(const uint32_t *items, size_t len, uint32_t *nodes, size_t *n_nodes,
                       uint32_t *alias, uint32_t *src, uint32_t *dst, float *w_in, float *w_out,
                       uint32_t *deg)
{
    /* np.unique: the distinct items ascending (insertion sort: prefixes are short). */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t x = items[i];
        size_t j = n;
        while (j > 0 && nodes[j - 1] > x)
            j--;
        if (j > 0 && nodes[j - 1] == x)
            continue;
        memmove(nodes + j + 1, nodes + j, (n - j) * sizeof *nodes);
        nodes[j] = x;
        n++;
    }
    for (size_t i = 0; i < len; i++) {
        size_t lo = 0, hi = n;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (nodes[mid] <= items[i])
                lo = mid;
            else
                hi = mid;
        }
        alias[i] = (uint32_t)lo;
    }
    size_t n_edges = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        uint32_t u = alias[i], v = alias[i + 1];
        bool seen = false;
        for (size_t k = 0; k < n_edges && !seen; k++)
            seen = src[k] == u && dst[k] == v;
        if (!seen) {
            src[n_edges] = u;
            dst[n_edges] = v;
            n_edges++;
        }
    }
    uint32_t *in = deg, *out = deg + len;
    memset(deg, 0, 2 * len * sizeof *deg);
    for (size_t k = 0; k < n_edges; k++) {
        in[dst[k]]++;
        out[src[k]]++;
    }
    for (size_t k = 0; k < n_edges; k++) {
        w_in[k] = 1.0f / (float)in[dst[k]];
        w_out[k] = 1.0f / (float)out[src[k]];
    }
    *n_nodes = n;
    return n_edges;
}

/* ---- the session block: forward and backward over a shard of examples -------------------- */

/* One shard's buffers for up to cap_pos clicks (so as many nodes and edges) and cap_ex
 * examples, and its gradients of every tensor but E; one allocation, made before training. */
typedef struct shard {
    void *block; /* owns every array below */
    uint32_t *idx, *alias, *src, *dst, *owner, *deg, *last;
    float *w_in, *w_out, *cnt, *alpha;
    float *h;     /* [(steps + 1) x cap_pos x d]: the node states before and after each step */
    float *cache; /* [steps x ggnn cache] */
    float *work, *s, *gpre, *ga, *gb;
    float *ht, *q1, *cat, *gcat, *ght, *gq1;
    float *gw;  /* [off[N_TENSORS] - off[T_GNN]] */
    float *gx;  /* the gradient of h_0 (ga or gb) */
    size_t cap; /* cap_pos */
    size_t n_nodes, n_edges, n_ex;
    bool plain; /* products without BLAS (a prediction's shard) */
} shard;

static void shard_fini(shard *s)
{
    free(s->block);
    memset(s, 0, sizeof *s);
}

/* The floats (and 32-bit words) of a shard's block. */
static size_t shard_floats(const srgnn_net *net, size_t P, size_t X)
{
    size_t d = net->d, S = net->steps;
    size_t small = net->off[N_TENSORS] - net->off[T_GNN];
    size_t words = 7 * P + X; /* idx, alias, src, dst, owner, deg (2P), last */
    return 4 * P + (S + 1) * P * d + S * sbr_nn_ggnn_cache_floats(P, d) +
           sbr_nn_ggnn_work_floats(P, d) + 4 * P * d + 8 * X * d + small + words + 1;
}

static sbr_rc shard_init(shard *s, const srgnn_net *net, size_t cap_pos, size_t cap_ex)
{
    size_t d = net->d, S = net->steps, P = cap_pos, X = cap_ex;
    size_t small = net->off[N_TENSORS] - net->off[T_GNN];
    s->block = sbr_alloc_array(shard_floats(net, P, X), sizeof(float));
    if (s->block == NULL)
        return SBR_ENOMEM;
    float *f = s->block;
    float **arr[] = {&s->w_in, &s->w_out, &s->cnt, &s->alpha};
    for (size_t k = 0; k < 4; k++, f += P)
        *arr[k] = f;
    s->h = f;
    f += (S + 1) * P * d;
    s->cache = f;
    f += S * sbr_nn_ggnn_cache_floats(P, d);
    s->work = f;
    f += sbr_nn_ggnn_work_floats(P, d);
    float **pd[] = {&s->s, &s->gpre, &s->ga, &s->gb};
    for (size_t k = 0; k < 4; k++, f += P * d)
        *pd[k] = f;
    s->ht = f;
    s->q1 = f + X * d;
    s->cat = f + 2 * X * d;
    s->gcat = f + 4 * X * d;
    s->ght = f + 6 * X * d;
    s->gq1 = f + 7 * X * d;
    f += 8 * X * d;
    s->gw = f;
    f += small;
    uint32_t *u = (uint32_t *)(void *)f;
    s->idx = u;
    s->alias = u + P;
    s->src = u + 2 * P;
    s->dst = u + 3 * P;
    s->owner = u + 4 * P;
    s->deg = u + 5 * P;
    s->last = u + 7 * P;
    s->cap = P;
    return SBR_OK;
}

/* The graph of every example of the shard, numbered shard-wide: nodes of example e after those
 * of e - 1, their edges likewise. */
static void shard_graph(shard *s, const uint32_t *base, const sbr_seq_example *ex, size_t n)
{
    size_t N = 0, M = 0, P = 0;
    for (size_t e = 0; e < n; e++) {
        size_t len = ex[e].len, nn = 0;
        size_t m = sbr_srgnn_graph(base + ex[e].start, len, s->idx + N, &nn, s->alias + P,
                                   s->src + M, s->dst + M, s->w_in + M, s->w_out + M, s->deg);
        for (size_t k = 0; k < nn; k++) {
            s->owner[N + k] = (uint32_t)e;
            s->cnt[N + k] = 0;
        }
        for (size_t i = 0; i < len; i++)
            s->cnt[N + s->alias[P + i]] += 1.0f;
        for (size_t k = 0; k < m; k++) {
            s->src[M + k] += (uint32_t)N;
            s->dst[M + k] += (uint32_t)N;
        }
        s->last[e] = (uint32_t)N + s->alias[P + len - 1];
        N += nn;
        M += m;
        P += len;
    }
    s->n_nodes = N;
    s->n_edges = M;
    s->n_ex = n;
}

static sbr_nn_graph graph_of(const shard *s)
{
    return (sbr_nn_graph){s->n_nodes, s->n_edges, s->src, s->dst, s->w_in, s->w_out};
}

/* Forward pass of examples ex[0..n) (items from base) into out (n x d, the s_h rows); keeps in
 * s what the backward pass needs. */
static void shard_forward(const srgnn_net *net, const uint32_t *base, const sbr_seq_example *ex,
                          size_t n, shard *s, float *out)
{
    void (*lin)(const float *, size_t, size_t, const float *, const float *, size_t, float *) =
        s->plain ? sbr_nn_linear_forward_plain : sbr_nn_linear_forward;
    size_t d = net->d, S = net->steps;
    const float *p = net->p;
    shard_graph(s, base, ex, n);
    size_t N = s->n_nodes;
    sbr_nn_graph g = graph_of(s);
    sbr_nn_embed_lookup(p + net->off[T_E], d, s->idx, N, 0, s->h);
    for (size_t k = 0; k < S; k++)
        sbr_nn_ggnn_forward(p + net->off[T_GNN], d, &g, s->h + k * s->cap * d,
                            s->h + (k + 1) * s->cap * d,
                            s->cache + k * sbr_nn_ggnn_cache_floats(s->cap, d), s->work, s->plain);
    const float *hf = s->h + S * s->cap * d;
    for (size_t e = 0; e < n; e++)
        memcpy(s->ht + e * d, hf + (size_t)s->last[e] * d, d * sizeof *s->ht);
    lin(s->ht, n, d, p + net->off[T_W1], p + net->off[T_B1], d, s->q1);
    lin(hf, N, d, p + net->off[T_W2], p + net->off[T_B2], d, s->s);
    for (size_t j = 0; j < N; j++)
        sbr_nn_axpy(1.0f, s->q1 + (size_t)s->owner[j] * d, s->s + j * d, d);
    sbr_nn_sigmoid(s->s, s->s, N * d);
    memset(s->cat, 0, 2 * n * d * sizeof *s->cat);
    for (size_t j = 0; j < N; j++) {
        s->alpha[j] = sbr_nn_dot(s->s + j * d, p + net->off[T_Q], d);
        sbr_nn_axpy(s->cnt[j] * s->alpha[j], hf + j * d, s->cat + (size_t)s->owner[j] * 2 * d, d);
    }
    for (size_t e = 0; e < n; e++)
        memcpy(s->cat + e * 2 * d + d, s->ht + e * d, d * sizeof *s->cat);
    lin(s->cat, n, 2 * d, p + net->off[T_W3], p + net->off[T_B3], d, out);
}

/* Backward pass after shard_forward, given gout (n x d): every tensor's gradient but E's into
 * s->gw (overwritten) and the gradient of the looked-up rows s->idx into s->gx (N x d). */
static void shard_backward(const srgnn_net *net, shard *s, const float *gout)
{
    size_t d = net->d, S = net->steps, n = s->n_ex, N = s->n_nodes;
    const float *p = net->p;
    size_t base = net->off[T_GNN];
    memset(s->gw, 0, (net->off[N_TENSORS] - base) * sizeof *s->gw);
    float *gw[N_TENSORS];
    for (int k = T_GNN; k < N_TENSORS; k++)
        gw[k] = s->gw + net->off[k] - base;
    const float *hf = s->h + S * s->cap * d, *q = p + net->off[T_Q];
    memset(s->gcat, 0, 2 * n * d * sizeof *s->gcat);
    sbr_nn_linear_backward(s->cat, n, 2 * d, p + net->off[T_W3], d, gout, gw[T_W3], gw[T_B3],
                           s->gcat);
    float *g = s->ga, *g_other = s->gb;
    memset(g, 0, N * d * sizeof *g);
    for (size_t j = 0; j < N; j++) {
        const float *gsg = s->gcat + (size_t)s->owner[j] * 2 * d, *sj = s->s + j * d;
        sbr_nn_axpy(s->cnt[j] * s->alpha[j], gsg, g + j * d, d);
        float g_alpha = s->cnt[j] * sbr_nn_dot(gsg, hf + j * d, d);
        float *gp = s->gpre + j * d;
        for (size_t k = 0; k < d; k++) {
            gw[T_Q][k] += g_alpha * sj[k];
            gp[k] = g_alpha * q[k] * sj[k] * (1.0f - sj[k]);
        }
    }
    sbr_nn_linear_backward(hf, N, d, p + net->off[T_W2], d, s->gpre, gw[T_W2], gw[T_B2], g);
    memset(s->gq1, 0, n * d * sizeof *s->gq1);
    for (size_t j = 0; j < N; j++)
        sbr_nn_axpy(1.0f, s->gpre + j * d, s->gq1 + (size_t)s->owner[j] * d, d);
    for (size_t e = 0; e < n; e++)
        memcpy(s->ght + e * d, s->gcat + e * 2 * d + d, d * sizeof *s->ght);
    sbr_nn_linear_backward(s->ht, n, d, p + net->off[T_W1], d, s->gq1, gw[T_W1], gw[T_B1], s->ght);
    for (size_t e = 0; e < n; e++)
        sbr_nn_axpy(1.0f, s->ght + e * d, g + (size_t)s->last[e] * d, d);
    sbr_nn_graph gr = graph_of(s);
    for (size_t k = S; k-- > 0;) {
        sbr_nn_ggnn_backward(p + net->off[T_GNN], d, &gr, s->h + k * s->cap * d,
                             s->cache + k * sbr_nn_ggnn_cache_floats(s->cap, d), g, g_other,
                             gw[T_GNN], s->work);
        float *t = g;
        g = g_other;
        g_other = t;
    }
    s->gx = g;
}

/* ---- training -------------------------------------------------------------------------- */

/* Everything a fit holds besides the model. */
typedef struct trainer {
    const srgnn_config *cfg;
    srgnn_net *net;
    size_t n_params, batch;
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
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", "srgnn");
    size_t cap_ex = (b + N_SHARDS - 1) / N_SHARDS;
    for (size_t k = 0; k < N_SHARDS; k++)
        if (shard_init(&t->shards[k], t->net, cap_pos, cap_ex) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "srgnn: out of memory");
    return SBR_OK;
}

/* s_h rows of a batch into t->h: the forward pass of every shard, in parallel. */
static void batch_forward(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n)
{
    const srgnn_net *net = t->net;
    size_t d = net->d;
    long n_shards = N_SHARDS;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(t, net, base, ex, n, d, n_shards)
    for (long k = 0; k < n_shards; k++) {
        size_t lo = sbr_seq_shard_lo((size_t)k, n, N_SHARDS);
        size_t hi = sbr_seq_shard_lo((size_t)k + 1, n, N_SHARDS);
        if (hi > lo)
            shard_forward(net, base, ex + lo, hi - lo, &t->shards[k], t->b.h + lo * d);
    }
}

/* The summed loss of a batch and, into t->g, the gradient of its mean loss. */
static double batch_gradient(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n)
{
    srgnn_net *net = t->net;
    size_t d = net->d, ni = net->n_items;
    batch_forward(t, base, ex, n);
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
    size_t small = net->off[N_TENSORS] - net->off[T_GNN];
    float *gs = t->b.g + net->off[T_GNN];
    memset(gs, 0, small * sizeof *gs);
    for (size_t k = 0; k < N_SHARDS; k++) {
        const shard *s = &t->shards[k];
        if (sbr_seq_shard_lo(k + 1, n, N_SHARDS) == sbr_seq_shard_lo(k, n, N_SHARDS))
            continue;
        sbr_nn_axpy(1.0f, s->gw, gs, small);
        sbr_nn_embed_scatter_add(ge, d, s->idx, s->n_nodes, s->gx);
    }
    return loss;
}

/* One mini-batch (sbr_seq_model.step): the gradient, the weight decay and the Adam step of
 * torch.optim.Adam at this epoch's learning rate. */
static double train_step(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                         long epoch)
{
    trainer *t = ctx;
    srgnn_net *net = t->net;
    double loss = batch_gradient(t, base, ex, n);
    double lr = t->cfg->lr * pow(t->cfg->lr_dc, (double)(epoch / t->cfg->lr_step));
    sbr_seq_adam_step(&t->adam, lr, t->cfg->l2, net->p, t->b.m, t->b.v, t->b.g, t->n_params);
    return loss;
}

/* The logits of a batch (sbr_seq_model.logits). */
static void batch_logits(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                         float *z)
{
    trainer *t = ctx;
    batch_forward(t, base, ex, n);
    sbr_nn_output_logits(t->b.h, n, t->net->d, t->net->p + t->net->off[T_E], t->net->n_items, z);
}

static sbr_rc srgnn_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *opts,
                        sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const srgnn_config *cfg = config;
    if (train->n_items == 0 || train->n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "srgnn: %zu training items", train->n_items);
    sbr_seq_data data;
    sbr_rc rc = sbr_seq_data_build("srgnn", train, cfg->select, cfg->valid, opts, &data, err);
    if (rc != SBR_OK)
        return rc;
    srgnn_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        sbr_seq_data_fini(&data);
        return sbr_err_set(err, SBR_ENOMEM, "srgnn: out of memory");
    }
    m->base.algo = &sbr_algo_srgnn;
    srgnn_net *net = &m->net;
    size_t d = (size_t)cfg->dim;
    net_layout(net, train->n_items, d, (size_t)cfg->steps);
    m->cap = data.longest > MIN_CAP ? data.longest : MIN_CAP;
    trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    t.net = net;
    t.n_params = net->off[N_TENSORS];
    t.batch = (size_t)cfg->batch;
    net->p = sbr_alloc_array(t.n_params, sizeof *net->p);
    if (net->p == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "srgnn: out of memory");
    size_t cap_ex = (t.batch + N_SHARDS - 1) / N_SHARDS;
    if (rc == SBR_OK)
        rc = trainer_alloc(&t, sbr_seq_max_positions(&data, cap_ex), NULL, err);
    gsl_rng *init = NULL, *shuffle = NULL;
    if (rc == SBR_OK) {
        init = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 0, 0x53524747)); /* "SRGG" */
        shuffle = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 1, 0x53524747));
        if (init == NULL || shuffle == NULL)
            rc = sbr_err_set(err, SBR_ENOMEM, "srgnn: out of memory");
    }
    if (rc == SBR_OK) {
        double stdv = 1.0 / sqrt((double)d);
        sbr_nn_init_uniform(net->p, t.n_params, init, -stdv, stdv);
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
                            .select_hr = false};
        rc = sbr_seq_train(&sm, &data, train->items, shuffle, t.b.z, opts, err);
    }
    gsl_rng_free(init);
    gsl_rng_free(shuffle);
    trainer_fini(&t);
    sbr_seq_data_fini(&data);
    if (rc != SBR_OK) {
        srgnn_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

/* ---- the gradient for tests (algorithms/srgnn_int.h) -------------------------------------- */

size_t sbr_srgnn_n_params(size_t n_items, size_t dim)
{
    srgnn_net net;
    net_layout(&net, n_items, dim, 1);
    return net.off[N_TENSORS];
}

sbr_rc sbr_srgnn_gradient(size_t n_items, size_t dim, size_t steps, float *params,
                          const uint32_t *items, const size_t *starts, const uint32_t *lens,
                          const uint32_t *targets, size_t n_ex, double *loss, float *grad,
                          sbr_err *err)
{
    srgnn_net net;
    net_layout(&net, n_items, dim, steps);
    net.p = params;
    trainer t;
    memset(&t, 0, sizeof t);
    t.net = &net;
    t.n_params = net.off[N_TENSORS];
    t.batch = n_ex;
    size_t cap = 0;
    sbr_seq_example *ex = sbr_seq_examples(starts, lens, targets, n_ex, &cap);
    sbr_rc rc = ex == NULL ? sbr_err_set(err, SBR_ENOMEM, "srgnn: out of memory")
                           : trainer_alloc(&t, cap, grad, err);
    if (rc == SBR_OK)
        *loss = batch_gradient(&t, items, ex, n_ex) / (double)n_ex;
    trainer_fini(&t);
    free(ex);
    return rc;
}

/* ---- predict ------------------------------------------------------------------------------ */

typedef struct srgnn_scratch {
    shard sh;
    sbr_seq_pred pr;
} srgnn_scratch;

static size_t srgnn_scratch_bytes(const sbr_model *model)
{
    const srgnn_model *m = (const srgnn_model *)model;
    const srgnn_net *n = &m->net;
    return sizeof(srgnn_scratch) + shard_floats(n, m->cap, 1) * sizeof(float) +
           sbr_seq_pred_bytes(m->cap, n->n_items, n->d);
}

static void srgnn_scratch_free(void *p)
{
    srgnn_scratch *s = p;
    if (s == NULL)
        return;
    shard_fini(&s->sh);
    sbr_seq_pred_fini(&s->pr);
    free(s);
}

static void *srgnn_scratch_new(const sbr_model *model)
{
    const srgnn_model *m = (const srgnn_model *)model;
    srgnn_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (!sbr_seq_pred_init(&s->pr, m->cap, m->net.n_items, m->net.d) ||
        shard_init(&s->sh, &m->net, m->cap, 1) != SBR_OK) {
        srgnn_scratch_free(s);
        return NULL;
    }
    s->sh.plain = true;
    return s;
}

/* The session vector (the linear layer on [s_g; s_l]) of items[0..len). */
static void session_vector(const sbr_model *model, void *scratch, const uint32_t *items, size_t len,
                           float *h)
{
    srgnn_scratch *s = scratch;
    sbr_seq_example ex = {0, (uint32_t)len, 0};
    shard_forward(&((const srgnn_model *)model)->net, items, &ex, 1, &s->sh, h);
}

static sbr_rc srgnn_predict_batch(const sbr_model *model, const sbr_query *q, size_t m,
                                  void *scratch, sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const srgnn_model *sm = (const srgnn_model *)model;
    const srgnn_net *net = &sm->net;
    sbr_seq_predict_batch(model, scratch, &((srgnn_scratch *)scratch)->pr, sm->cap, net->d,
                          net->p + net->off[T_E], net->n_items, session_vector, q, m, out, n_out);
    return SBR_OK;
}

static sbr_rc srgnn_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                            sbr_scored *out, size_t *n_out, sbr_err *err)
{
    return srgnn_predict_batch(model, q, 1, scratch, out, n_out, err);
}

/* ---- model size, files -------------------------------------------------------------------- */

static size_t srgnn_bytes(const sbr_model *model)
{
    const srgnn_net *n = &((const srgnn_model *)model)->net;
    return sizeof(srgnn_model) + n->off[N_TENSORS] * sizeof(float);
}

static sbr_rc srgnn_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const srgnn_model *m = (const srgnn_model *)model;
    sbr_seq_save(w, m->net.n_items, m->cap, m->net.p, m->net.off[N_TENSORS]);
    return SBR_OK;
}

static sbr_rc srgnn_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const srgnn_config *cfg = config;
    srgnn_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "srgnn: out of memory");
    m->base.algo = &sbr_algo_srgnn;
    size_t n_items = 0;
    sbr_rc rc = sbr_seq_load_sizes(r, &n_items, &m->cap, MIN_CAP, err);
    if (rc == SBR_OK) {
        net_layout(&m->net, n_items, (size_t)cfg->dim, (size_t)cfg->steps);
        rc = sbr_mr_array_n(r, (void **)&m->net.p, m->net.off[N_TENSORS], sizeof *m->net.p, err);
    }
    if (rc != SBR_OK) {
        srgnn_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_srgnn = {
    .abi = SBR_ALGO_ABI,
    .name = "srgnn",
    .help = "SR-GNN: gated graph network over the session graph (CRIPAC-DIG/SR-GNN's code), "
            "softmax over all items",
    .family = SBR_FAMILY_LEARNED,
    .params = srgnn_params,
    .config_size = sizeof(srgnn_config),
    .tune_space = "lr=log:0.0001:0.01; l2=log:0.000001:0.0001; lr_dc=real:0.1:1",
    .check = NULL,
    .fit = srgnn_fit,
    .model_bytes = srgnn_bytes,
    .scratch_bytes = srgnn_scratch_bytes,
    .scratch_new = srgnn_scratch_new,
    .scratch_free = srgnn_scratch_free,
    .predict = srgnn_predict,
    .predict_batch = srgnn_predict_batch,
    .save = srgnn_save,
    .load = srgnn_load,
    .free = srgnn_free,
};
