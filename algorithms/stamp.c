#include "algorithms/stamp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"
#include "algorithms/seq_fit.h"
#include "algorithms/stamp_int.h"
#include "algorithms/nn/act.h"
#include "algorithms/nn/embed.h"
#include "algorithms/nn/linear.h"
#include "algorithms/nn/optim.h"
#include "algorithms/nn/output.h"
#include "algorithms/nn/softmax.h"
#include "algorithms/nn/tensor.h"
#include "data/rng.h"

/* Shards per mini-batch: fixed, so that the sums of a batch's gradients do not depend on the
 * thread count. */
enum { N_SHARDS = 16 };

static const char *const variants[] = {"stamp", "stmp", NULL};
static const char *const selects[] = {"valid", "none", "test", NULL};
static const char *const batchings[] = {"shuffle", "length", NULL};
static const char *const reduces[] = {"mean", "sum", NULL};
static const char *const select_ons[] = {"mrr", "hr", NULL};

static const sbr_param_spec stamp_params[] = {
    {"dim", SBR_P_INT, offsetof(stamp_config, dim), 100, 1, 1024, NULL,
     "embedding and hidden size"},
    {"batch", SBR_P_INT, offsetof(stamp_config, batch), 512, 1, 65536, NULL,
     "training examples per mini-batch"},
    {"lr", SBR_P_DOUBLE, offsetof(stamp_config, lr), 0.003, 1e-7, 1, NULL, "Adam learning rate"},
    {"clip", SBR_P_DOUBLE, offsetof(stamp_config, clip), 110, 1e-6, 1e9, NULL,
     "gradient norm clip per tensor (tf.clip_by_norm)"},
    {"emb_std", SBR_P_DOUBLE, offsetof(stamp_config, emb_std), 0.002, 0, 10, NULL,
     "item embeddings ~ N(0, emb_std^2)"},
    {"w_std", SBR_P_DOUBLE, offsetof(stamp_config, w_std), 0.05, 0, 10, NULL,
     "weights ~ N(0, w_std^2)"},
    {"max_norm", SBR_P_DOUBLE, offsetof(stamp_config, max_norm), 1.5, 0, 1e9, NULL,
     "looked-up embeddings are clipped to this norm (0: off)"},
    {"epochs", SBR_P_INT, offsetof(stamp_config, epochs), 10, 1, 10000, NULL,
     "passes over the training prefixes (at most)"},
    {"seed", SBR_P_INT, offsetof(stamp_config, seed), 1, 0, 2147483647, NULL,
     "initialisation and shuffling"},
    {"add_ms", SBR_P_INT, offsetof(stamp_config, add_ms), 1, 0, 1, NULL,
     "m_a adds m_s (1: the authors' code) or not (0: the paper)"},
    {"variant", SBR_P_CHOICE, offsetof(stamp_config, variant), 0, 0, 1, variants,
     "stamp, or stmp (no attention: m_a = m_s)"},
    {"select", SBR_P_CHOICE, offsetof(stamp_config, select), 0, 0, 2, selects,
     "epoch selection: held-out latest training sessions, none (last), or the test set"},
    {"valid", SBR_P_DOUBLE, offsetof(stamp_config, valid), 0.1, 0.001, 0.9, NULL,
     "select=valid: the latest fraction of training sessions held out"},
    {"patience", SBR_P_INT, offsetof(stamp_config, patience), 3, 1, 10000, NULL,
     "select=valid/test: stop after this many epochs without a better select_on score"},
    {"batching", SBR_P_CHOICE, offsetof(stamp_config, batching), 0, 0, 1, batchings,
     "shuffle (every prefix shuffled, batches of `batch`) or length (the authors' batcher: "
     "sessions of one length together, one batch per prefix length)"},
    {"select_on", SBR_P_CHOICE, offsetof(stamp_config, select_on), 0, 0, 1, select_ons,
     "select=valid/test keep the epoch of the best MRR@20, or of the best HR@20 (the authors' "
     "code keeps its best recall)"},
    {"reduce", SBR_P_CHOICE, offsetof(stamp_config, reduce), 0, 0, 1, reduces,
     "the gradient of the batch's mean loss, or of its sum (the authors' code: TensorFlow "
     "differentiates the per-example loss vector as its sum, before the clip)"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* The parameters, one block: E [n_items x d], W1, W2, W3 [d x d], w0 [d], WA, WB [d x d]. */
enum { T_E, T_W1, T_W2, T_W3, T_W0, T_WA, T_WB, N_TENSORS };

typedef struct stamp_net {
    size_t n_items, d;
    int variant, add_ms;
    double max_norm;
    size_t off[N_TENSORS + 1]; /* offsets of the tensors in p; off[N_TENSORS] = total */
    float *p;
} stamp_net;

typedef struct stamp_model {
    sbr_model base;
    stamp_net net;
} stamp_model;

static void net_layout(stamp_net *n, size_t n_items, size_t d)
{
    n->n_items = n_items;
    n->d = d;
    size_t sizes[N_TENSORS] = {n_items * d, d * d, d * d, d * d, d, d * d, d * d};
    n->off[0] = 0;
    for (int k = 0; k < N_TENSORS; k++)
        n->off[k + 1] = n->off[k] + sizes[k];
}

static void stamp_free(sbr_model *model)
{
    if (model == NULL)
        return;
    stamp_model *m = (stamp_model *)model;
    free(m->net.p);
    free(m);
}

/* ---- the session block: forward and backward over a shard of examples -------------------- */

/* One shard's buffers: per position (up to cap_pos rows) and per example (up to cap_ex rows),
 * and its gradients of the small tensors (W1 .. WB, contiguous as in the parameter block); one
 * allocation, made before training. */
typedef struct shard {
    float *block; /* owns every array below */
    uint32_t *idx, *owner;
    float *x, *s, *ga, *gx, *alpha;
    float *xt, *ms, *ma, *hs, *ht, *t1, *t2, *gma, *gxt, *gms, *gsum;
    float *gw; /* [off[N_TENSORS] - off[T_W1]] */
    size_t n_pos, n_ex;
} shard;

static void shard_fini(shard *s)
{
    free(s->block);
    memset(s, 0, sizeof *s);
}

/* Allocates s for cap_pos positions and cap_ex examples of d floats. */
static sbr_rc shard_init(shard *s, size_t cap_pos, size_t cap_ex, size_t d, size_t n_small)
{
    enum { POS_ROWS = 4, EX_ROWS = 11 };
    size_t floats = POS_ROWS * cap_pos * d + cap_pos + EX_ROWS * cap_ex * d + n_small;
    s->block = sbr_alloc_array(floats + 2 * cap_pos + 1, sizeof(float));
    if (s->block == NULL)
        return SBR_ENOMEM;
    float *f = s->block;
    float **pos[] = {&s->x, &s->s, &s->ga, &s->gx};
    for (size_t k = 0; k < POS_ROWS; k++, f += cap_pos * d)
        *pos[k] = f;
    s->alpha = f;
    f += cap_pos;
    float **ex[] = {&s->xt, &s->ms,  &s->ma,  &s->hs,  &s->ht,  &s->t1,
                    &s->t2, &s->gma, &s->gxt, &s->gms, &s->gsum};
    for (size_t k = 0; k < EX_ROWS; k++, f += cap_ex * d)
        *ex[k] = f;
    s->gw = f;
    f += n_small;
    s->idx = (uint32_t *)(void *)f;
    s->owner = s->idx + cap_pos;
    return SBR_OK;
}

/* Forward pass of examples ex[0..n) (items from base) into h (n x d); keeps in s what the
 * backward pass needs. s must hold their positions (init_shards sizes it). */
static void shard_forward(const stamp_net *net, const uint32_t *base, const sbr_seq_example *ex,
                          size_t n, shard *s, float *h)
{
    size_t d = net->d, P = 0;
    const float *p = net->p;
    for (size_t e = 0; e < n; e++)
        for (uint32_t k = 0; k < ex[e].len; k++, P++) {
            s->idx[P] = base[ex[e].start + k];
            s->owner[P] = (uint32_t)e;
        }
    s->n_pos = P;
    s->n_ex = n;
    sbr_nn_embed_lookup(p + net->off[T_E], d, s->idx, P, net->max_norm, s->x);
    memset(s->ms, 0, n * d * sizeof *s->ms);
    for (size_t i = 0, e = 0; e < n; e++) {
        float *ms = s->ms + e * d;
        for (uint32_t k = 0; k < ex[e].len; k++, i++)
            sbr_nn_axpy(1.0f, s->x + i * d, ms, d);
        float inv = 1.0f / (float)ex[e].len;
        for (size_t j = 0; j < d; j++)
            ms[j] *= inv;
        memcpy(s->xt + e * d, s->x + (i - 1) * d, d * sizeof *s->xt);
    }
    if (net->variant == 0) {
        /* s = sigmoid(x W1 + (x_t W2 + m_s W3)[owner]); alpha = s . w0 */
        sbr_nn_linear_forward(s->xt, n, d, p + net->off[T_W2], NULL, d, s->t1);
        sbr_nn_linear_forward(s->ms, n, d, p + net->off[T_W3], NULL, d, s->t2);
        sbr_nn_axpy(1.0f, s->t2, s->t1, n * d);
        sbr_nn_linear_forward(s->x, P, d, p + net->off[T_W1], NULL, d, s->s);
        for (size_t i = 0; i < P; i++)
            sbr_nn_axpy(1.0f, s->t1 + (size_t)s->owner[i] * d, s->s + i * d, d);
        sbr_nn_sigmoid(s->s, s->s, P * d);
        memset(s->ma, 0, n * d * sizeof *s->ma);
        for (size_t i = 0; i < P; i++) {
            s->alpha[i] = sbr_nn_dot(s->s + i * d, p + net->off[T_W0], d);
            sbr_nn_axpy(s->alpha[i], s->x + i * d, s->ma + (size_t)s->owner[i] * d, d);
        }
        if (net->add_ms)
            sbr_nn_axpy(1.0f, s->ms, s->ma, n * d);
    } else {
        memcpy(s->ma, s->ms, n * d * sizeof *s->ma);
    }
    sbr_nn_linear_forward(s->ma, n, d, p + net->off[T_WA], NULL, d, s->hs);
    sbr_nn_tanh(s->hs, s->hs, n * d);
    sbr_nn_linear_forward(s->xt, n, d, p + net->off[T_WB], NULL, d, s->ht);
    sbr_nn_tanh(s->ht, s->ht, n * d);
    for (size_t k = 0; k < n * d; k++)
        h[k] = s->hs[k] * s->ht[k];
}

/* Backward pass after shard_forward, given gh (n x d), the loss gradient with respect to h:
 * the small tensors' gradients into s->gw (overwritten) and the gradients with respect to the
 * raw embedding rows s->idx[i] into s->gx (P x d). */
static void shard_backward(const stamp_net *net, const sbr_seq_example *ex, shard *s,
                           const float *gh)
{
    size_t d = net->d, n = s->n_ex, P = s->n_pos;
    const float *p = net->p;
    float *gw = s->gw;
    size_t base = net->off[T_W1];
    memset(gw, 0, (net->off[N_TENSORS] - base) * sizeof *gw);
    float *g_w1 = gw + net->off[T_W1] - base, *g_w2 = gw + net->off[T_W2] - base;
    float *g_w3 = gw + net->off[T_W3] - base, *g_w0 = gw + net->off[T_W0] - base;
    float *g_wa = gw + net->off[T_WA] - base, *g_wb = gw + net->off[T_WB] - base;
    /* h = tanh(u_a) * tanh(u_b): t1 = g u_a, t2 = g u_b */
    for (size_t k = 0; k < n * d; k++) {
        s->t1[k] = gh[k] * s->ht[k] * (1.0f - s->hs[k] * s->hs[k]);
        s->t2[k] = gh[k] * s->hs[k] * (1.0f - s->ht[k] * s->ht[k]);
    }
    memset(s->gma, 0, n * d * sizeof *s->gma);
    memset(s->gxt, 0, n * d * sizeof *s->gxt);
    sbr_nn_linear_backward(s->ma, n, d, p + net->off[T_WA], d, s->t1, g_wa, NULL, s->gma);
    sbr_nn_linear_backward(s->xt, n, d, p + net->off[T_WB], d, s->t2, g_wb, NULL, s->gxt);
    if (net->variant == 0) {
        const float *w0 = p + net->off[T_W0];
        for (size_t i = 0; i < P; i++) {
            const float *gma = s->gma + (size_t)s->owner[i] * d;
            const float *x = s->x + i * d, *sg = s->s + i * d;
            float g_alpha = sbr_nn_dot(gma, x, d);
            float *gx = s->gx + i * d, *ga = s->ga + i * d;
            for (size_t j = 0; j < d; j++) {
                gx[j] = s->alpha[i] * gma[j];
                g_w0[j] += g_alpha * sg[j];
                ga[j] = g_alpha * w0[j] * sg[j] * (1.0f - sg[j]);
            }
        }
        sbr_nn_linear_backward(s->x, P, d, p + net->off[T_W1], d, s->ga, g_w1, NULL, s->gx);
        memset(s->gsum, 0, n * d * sizeof *s->gsum);
        for (size_t i = 0; i < P; i++)
            sbr_nn_axpy(1.0f, s->ga + i * d, s->gsum + (size_t)s->owner[i] * d, d);
        memset(s->gms, 0, n * d * sizeof *s->gms);
        sbr_nn_linear_backward(s->xt, n, d, p + net->off[T_W2], d, s->gsum, g_w2, NULL, s->gxt);
        sbr_nn_linear_backward(s->ms, n, d, p + net->off[T_W3], d, s->gsum, g_w3, NULL, s->gms);
        if (net->add_ms)
            sbr_nn_axpy(1.0f, s->gma, s->gms, n * d);
    } else {
        memset(s->gx, 0, P * d * sizeof *s->gx);
        memcpy(s->gms, s->gma, n * d * sizeof *s->gms);
    }
    for (size_t i = 0, e = 0; e < n; e++) {
        float inv = 1.0f / (float)ex[e].len;
        for (uint32_t k = 0; k < ex[e].len; k++, i++)
            sbr_nn_axpy(inv, s->gms + e * d, s->gx + i * d, d);
        sbr_nn_axpy(1.0f, s->gxt + e * d, s->gx + (i - 1) * d, d);
    }
    sbr_nn_embed_backward(p + net->off[T_E], d, s->idx, P, net->max_norm, s->gx, s->gx);
}

/* ---- training -------------------------------------------------------------------------- */

/* Everything a fit holds besides the model. */
typedef struct trainer {
    const stamp_config *cfg;
    stamp_net *net;
    size_t n_params, batch;
    float *g, *m, *v;
    float *h, *gh, *z;
    double *row_loss;
    uint32_t *targets;
    shard shards[N_SHARDS];
    sbr_nn_adam adam;
} trainer;

static void trainer_fini(trainer *t)
{
    free(t->g);
    free(t->m);
    free(t->v);
    free(t->h);
    free(t->gh);
    free(t->z);
    free(t->row_loss);
    free(t->targets);
    for (int k = 0; k < N_SHARDS; k++)
        shard_fini(&t->shards[k]);
}

static size_t shard_lo(size_t k, size_t n)
{
    return sbr_seq_shard_lo(k, n, N_SHARDS);
}

/* Every shard's buffers, for at most cap_pos positions (sbr_seq_max_positions). */
static sbr_rc init_shards(trainer *t, size_t cap_pos, sbr_err *err)
{
    size_t cap_ex = (t->batch + N_SHARDS - 1) / N_SHARDS;
    size_t small = t->net->off[N_TENSORS] - t->net->off[T_W1];
    for (size_t k = 0; k < N_SHARDS; k++)
        if (shard_init(&t->shards[k], cap_pos, cap_ex, t->net->d, small) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "stamp: out of memory");
    return SBR_OK;
}

/* h rows of a batch: the forward pass of every shard, in parallel. */
static void batch_forward(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n)
{
    const stamp_net *net = t->net;
    size_t d = net->d;
    long n_shards = N_SHARDS;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(t, net, base, ex, n, d, n_shards)
    for (long k = 0; k < n_shards; k++) {
        size_t lo = shard_lo((size_t)k, n), hi = shard_lo((size_t)k + 1, n);
        if (hi > lo)
            shard_forward(net, base, ex + lo, hi - lo, &t->shards[k], t->h + lo * d);
    }
}

/* The summed loss of a batch and, into t->g, the gradient of its mean (sum false) or of the
 * sum itself (true): forward, the output layer, backward, and the shards' sums in shard order. */
static double batch_gradient(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                             bool sum)
{
    stamp_net *net = t->net;
    size_t d = net->d, ni = net->n_items;
    batch_forward(t, base, ex, n);
    for (size_t e = 0; e < n; e++)
        t->targets[e] = ex[e].target;
    float *ge = t->g + net->off[T_E];
    double loss = sbr_nn_output_xent(t->h, n, d, net->p + net->off[T_E], ni, t->targets,
                                     sum ? 1.0f : 1.0f / (float)n, t->z, t->row_loss, t->gh, ge);
    long n_shards = N_SHARDS;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(t, net, ex, n, d, n_shards)
    for (long k = 0; k < n_shards; k++) {
        size_t lo = shard_lo((size_t)k, n), hi = shard_lo((size_t)k + 1, n);
        if (hi > lo)
            shard_backward(net, ex + lo, &t->shards[k], t->gh + lo * d);
    }
    /* The small tensors, then the input rows into E's gradient. */
    size_t small = net->off[N_TENSORS] - net->off[T_W1];
    float *gs = t->g + net->off[T_W1];
    memset(gs, 0, small * sizeof *gs);
    for (size_t k = 0; k < N_SHARDS; k++) {
        const shard *s = &t->shards[k];
        if (shard_lo(k + 1, n) == shard_lo(k, n))
            continue;
        sbr_nn_axpy(1.0f, s->gw, gs, small);
        sbr_nn_embed_scatter_add(ge, d, s->idx, s->n_pos, s->gx);
    }
    return loss;
}

/* One mini-batch: its gradient, clipping per tensor and the Adam step. Returns the batch's
 * summed loss. */
static double train_batch(trainer *t, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                          sbr_nn_adam *adam)
{
    stamp_net *net = t->net;
    double loss = batch_gradient(t, base, ex, n, t->cfg->reduce == 1);
    for (int k = 0; k < N_TENSORS; k++)
        sbr_nn_clip_by_norm(t->g + net->off[k], net->off[k + 1] - net->off[k], t->cfg->clip);
    double lr_t = sbr_nn_adam_next(adam);
    /* Elementwise: any split of the array gives the same values. */
    long n_blocks = (long)((t->n_params + 65535) / 65536);
    size_t total = t->n_params;
#pragma omp parallel for schedule(static) default(none) shared(t, net, adam, lr_t, n_blocks, total)
    for (long b = 0; b < n_blocks; b++) {
        size_t lo = (size_t)b * 65536, cnt = total - lo < 65536 ? total - lo : 65536;
        sbr_nn_adam_dense(adam, lr_t, net->p + lo, t->m + lo, t->v + lo, t->g + lo, cnt);
    }
    return loss;
}

/* The epoch loop's callbacks (algorithms/seq_fit.h). */
static double stamp_step(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                         long epoch)
{
    (void)epoch;
    trainer *t = ctx;
    return train_batch(t, base, ex, n, &t->adam);
}

static void stamp_logits(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                         float *z)
{
    trainer *t = ctx;
    const stamp_net *net = t->net;
    batch_forward(t, base, ex, n);
    sbr_nn_output_logits(t->h, n, net->d, net->p + net->off[T_E], net->n_items, z);
}

static sbr_rc stamp_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *opts,
                        sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const stamp_config *cfg = config;
    if (train->n_items == 0 || train->n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "stamp: %zu training items", train->n_items);
    sbr_seq_data data;
    sbr_rc rc = sbr_seq_data_build("stamp", train, cfg->select, cfg->valid, opts, &data, err);
    if (rc != SBR_OK)
        return rc;
    stamp_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        sbr_seq_data_fini(&data);
        return sbr_err_set(err, SBR_ENOMEM, "stamp: out of memory");
    }
    m->base.algo = &sbr_algo_stamp;
    stamp_net *net = &m->net;
    size_t d = (size_t)cfg->dim;
    net_layout(net, train->n_items, d);
    net->variant = cfg->variant;
    net->add_ms = (int)cfg->add_ms;
    net->max_norm = cfg->max_norm;
    trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    t.net = net;
    t.n_params = net->off[N_TENSORS];
    t.batch = (size_t)cfg->batch;
    net->p = sbr_alloc_array(t.n_params, sizeof *net->p);
    t.g = calloc(t.n_params, sizeof *t.g);
    t.m = calloc(t.n_params, sizeof *t.m);
    t.v = calloc(t.n_params, sizeof *t.v);
    t.h = sbr_alloc_array(t.batch * d, sizeof *t.h);
    t.gh = sbr_alloc_array(t.batch * d, sizeof *t.gh);
    t.z = sbr_alloc_array(t.batch * net->n_items, sizeof *t.z);
    t.row_loss = sbr_alloc_array(t.batch, sizeof *t.row_loss);
    t.targets = sbr_alloc_array(t.batch, sizeof *t.targets);
    if (!net->p || !t.g || !t.m || !t.v || !t.h || !t.gh || !t.z || !t.row_loss || !t.targets)
        rc = sbr_err_set(err, SBR_ENOMEM, "stamp: out of memory");
    size_t cap_ex = (t.batch + N_SHARDS - 1) / N_SHARDS;
    if (rc == SBR_OK)
        rc = init_shards(&t, sbr_seq_max_positions(&data, cap_ex), err);
    gsl_rng *init = NULL, *shuffle = NULL;
    if (rc == SBR_OK) {
        init = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 0, 0x5354414d)); /* "STAM" */
        shuffle = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 1, 0x5354414d));
        if (init == NULL || shuffle == NULL)
            rc = sbr_err_set(err, SBR_ENOMEM, "stamp: out of memory");
    }
    if (rc == SBR_OK) {
        for (int k = 0; k < N_TENSORS; k++)
            sbr_nn_init_normal(net->p + net->off[k], net->off[k + 1] - net->off[k], init,
                               k == T_E ? cfg->emb_std : cfg->w_std);
        sbr_nn_adam_init(&t.adam, cfg->lr);
        sbr_seq_model sm = {.ctx = &t,
                            .step = stamp_step,
                            .logits = stamp_logits,
                            .params = net->p,
                            .n_params = t.n_params,
                            .n_items = net->n_items,
                            .batch = t.batch,
                            .epochs = cfg->epochs,
                            .patience = cfg->patience,
                            .select_hr = cfg->select_on == 1,
                            .by_length = cfg->batching == 1};
        rc = sbr_seq_train(&sm, &data, train->items, shuffle, t.z, opts, err);
    }
    gsl_rng_free(init);
    gsl_rng_free(shuffle);
    trainer_fini(&t);
    sbr_seq_data_fini(&data);
    if (rc != SBR_OK) {
        stamp_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

/* ---- the gradient for tests (algorithms/stamp_int.h) -------------------------------------- */

size_t sbr_stamp_n_params(size_t n_items, size_t dim)
{
    stamp_net net;
    net_layout(&net, n_items, dim);
    return net.off[N_TENSORS];
}

sbr_rc sbr_stamp_gradient(size_t n_items, size_t dim, int variant, int add_ms, double max_norm,
                          bool sum, float *params, const uint32_t *items, const size_t *starts,
                          const uint32_t *lens, const uint32_t *targets, size_t n_ex, double *loss,
                          float *grad, sbr_err *err)
{
    stamp_net net;
    net_layout(&net, n_items, dim);
    net.variant = variant;
    net.add_ms = add_ms;
    net.max_norm = max_norm;
    net.p = params;
    trainer t;
    memset(&t, 0, sizeof t);
    t.net = &net;
    t.n_params = net.off[N_TENSORS];
    t.batch = n_ex;
    size_t clicks = 0;
    sbr_seq_example *ex = sbr_seq_examples(starts, lens, targets, n_ex, &clicks);
    t.g = grad;
    t.h = sbr_alloc_array(n_ex * dim, sizeof *t.h);
    t.gh = sbr_alloc_array(n_ex * dim, sizeof *t.gh);
    t.z = sbr_alloc_array(n_ex * n_items, sizeof *t.z);
    t.row_loss = sbr_alloc_array(n_ex, sizeof *t.row_loss);
    t.targets = sbr_alloc_array(n_ex, sizeof *t.targets);
    sbr_rc rc = SBR_OK;
    if (ex == NULL || !t.h || !t.gh || !t.z || !t.row_loss || !t.targets)
        rc = sbr_err_set(err, SBR_ENOMEM, "stamp: out of memory");
    if (rc == SBR_OK)
        rc = init_shards(&t, clicks, err);
    if (rc == SBR_OK)
        *loss = batch_gradient(&t, items, ex, n_ex, sum) / (double)(sum ? 1 : n_ex);
    t.g = NULL;
    trainer_fini(&t);
    free(ex);
    return rc;
}

/* ---- predict ------------------------------------------------------------------------------ */

enum { N_VEC = 10 }; /* d-vectors of the scratch */

typedef struct stamp_scratch {
    float *z;                       /* [SBR_PREDICT_BATCH x n_items] logits of each query */
    float *e;                       /* [n_items] exponentials */
    float *vec;                     /* [N_VEC * d] */
    float *h;                       /* [SBR_PREDICT_BATCH x d] the session vector of each query */
    size_t rows[SBR_PREDICT_BATCH]; /* the query of each row of h */
} stamp_scratch;

static size_t scratch_floats(const stamp_net *n)
{
    return (SBR_PREDICT_BATCH + 1) * n->n_items + (N_VEC + SBR_PREDICT_BATCH) * n->d;
}

static size_t stamp_scratch_bytes(const sbr_model *model)
{
    return sizeof(stamp_scratch) +
           scratch_floats(&((const stamp_model *)model)->net) * sizeof(float);
}

static void stamp_scratch_free(void *p)
{
    stamp_scratch *s = p;
    if (s == NULL)
        return;
    free(s->z);
    free(s);
}

static void *stamp_scratch_new(const sbr_model *model)
{
    const stamp_net *n = &((const stamp_model *)model)->net;
    stamp_scratch *s = malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    s->z = sbr_alloc_array(scratch_floats(n), sizeof *s->z);
    if (s->z == NULL) {
        free(s);
        return NULL;
    }
    s->e = s->z + SBR_PREDICT_BATCH * n->n_items;
    s->vec = s->e + n->n_items;
    s->h = s->vec + N_VEC * n->d;
    return s;
}

/* y = x W for a row vector x (d) and W (d x d), as sums of W's rows in row order. */
static void vec_mat(const float *x, const float *w, size_t d, float *y)
{
    memset(y, 0, d * sizeof *y);
    for (size_t k = 0; k < d; k++)
        sbr_nn_axpy(x[k], w + k * d, y, d);
}

/* The session vector h = tanh(m_a W_A) * tanh(x_t W_B) of q into h (d floats); false when q
 * has no known item. */
static bool session_vector(const stamp_net *net, stamp_scratch *s, const sbr_query *q, float *h)
{
    size_t d = net->d, ni = net->n_items;
    const float *p = net->p, *emb = p + net->off[T_E];
    float *x = s->vec, *xt = x + d, *ms = xt + d, *ma = ms + d, *t1 = ma + d, *a = t1 + d;
    float *hs = a + d, *ht = hs + d;
    size_t t = 0;
    uint32_t last = UINT32_MAX;
    memset(ms, 0, d * sizeof *ms);
    for (size_t k = 0; k < q->len; k++) {
        uint32_t i = q->items[k];
        if (i >= ni)
            continue;
        sbr_nn_embed_lookup(emb, d, &i, 1, net->max_norm, x);
        sbr_nn_axpy(1.0f, x, ms, d);
        last = i;
        t++;
    }
    if (t == 0)
        return false;
    float inv = 1.0f / (float)t;
    for (size_t j = 0; j < d; j++)
        ms[j] *= inv;
    sbr_nn_embed_lookup(emb, d, &last, 1, net->max_norm, xt);
    if (net->variant == 0) {
        vec_mat(xt, p + net->off[T_W2], d, t1);
        vec_mat(ms, p + net->off[T_W3], d, a);
        sbr_nn_axpy(1.0f, a, t1, d);
        memset(ma, 0, d * sizeof *ma);
        for (size_t k = 0; k < q->len; k++) {
            uint32_t i = q->items[k];
            if (i >= ni)
                continue;
            sbr_nn_embed_lookup(emb, d, &i, 1, net->max_norm, x);
            vec_mat(x, p + net->off[T_W1], d, a);
            sbr_nn_axpy(1.0f, t1, a, d);
            sbr_nn_sigmoid(a, a, d);
            sbr_nn_axpy(sbr_nn_dot(a, p + net->off[T_W0], d), x, ma, d);
        }
        if (net->add_ms)
            sbr_nn_axpy(1.0f, ms, ma, d);
    } else {
        memcpy(ma, ms, d * sizeof *ma);
    }
    vec_mat(ma, p + net->off[T_WA], d, hs);
    sbr_nn_tanh(hs, hs, d);
    vec_mat(xt, p + net->off[T_WB], d, ht);
    sbr_nn_tanh(ht, ht, d);
    for (size_t j = 0; j < d; j++)
        h[j] = hs[j] * ht[j];
    return true;
}

/* The logits h . E_i of all queries in one pass over E (the same bits as one by one). */
static sbr_rc stamp_predict_batch(const sbr_model *model, const sbr_query *q, size_t m,
                                  void *scratch, sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const stamp_net *net = &((const stamp_model *)model)->net;
    stamp_scratch *s = scratch;
    size_t d = net->d, ni = net->n_items, live = 0;
    for (size_t j = 0; j < m; j++) {
        n_out[j] = 0;
        if (session_vector(net, s, &q[j], s->h + live * d))
            s->rows[live++] = j;
    }
    sbr_nn_top_softmax_rows(s->h, live, s->rows, net->p + net->off[T_E], NULL, ni, d, s->z, s->e,
                            q[0].n, out, n_out);
    return SBR_OK;
}

static sbr_rc stamp_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                            sbr_scored *out, size_t *n_out, sbr_err *err)
{
    return stamp_predict_batch(model, q, 1, scratch, out, n_out, err);
}

/* ---- model size, files -------------------------------------------------------------------- */

static size_t stamp_bytes(const sbr_model *model)
{
    const stamp_net *n = &((const stamp_model *)model)->net;
    return sizeof(stamp_model) + n->off[N_TENSORS] * sizeof(float);
}

static sbr_rc stamp_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const stamp_net *n = &((const stamp_model *)model)->net;
    sbr_mw_u64(w, n->n_items);
    sbr_mw_array(w, n->p, n->off[N_TENSORS], sizeof *n->p);
    return SBR_OK;
}

static sbr_rc stamp_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const stamp_config *cfg = config;
    stamp_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "stamp: out of memory");
    m->base.algo = &sbr_algo_stamp;
    size_t n_items = 0;
    sbr_rc rc = sbr_mr_size(r, &n_items, 1, (UINT32_MAX - 1) / 1024, err);
    if (rc == SBR_OK) {
        net_layout(&m->net, n_items, (size_t)cfg->dim);
        m->net.variant = cfg->variant;
        m->net.add_ms = (int)cfg->add_ms;
        m->net.max_norm = cfg->max_norm;
        rc = sbr_mr_array_n(r, (void **)&m->net.p, m->net.off[N_TENSORS], sizeof *m->net.p, err);
    }
    if (rc != SBR_OK) {
        stamp_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_stamp = {
    .abi = SBR_ALGO_ABI,
    .name = "stamp",
    .help = "STAMP: short-term attention/memory priority (uestcnlp/STAMP's code), softmax over "
            "all items",
    .family = SBR_FAMILY_LEARNED,
    .params = stamp_params,
    .config_size = sizeof(stamp_config),
    .tune_space = "lr=log:0.0005:0.01; dim=choice:50|100|200; epochs=int:3:20",
    .check = NULL,
    .fit = stamp_fit,
    .model_bytes = stamp_bytes,
    .scratch_bytes = stamp_scratch_bytes,
    .scratch_new = stamp_scratch_new,
    .scratch_free = stamp_scratch_free,
    .predict = stamp_predict,
    .predict_batch = stamp_predict_batch,
    .save = stamp_save,
    .load = stamp_load,
    .free = stamp_free,
};
