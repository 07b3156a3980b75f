#include "algorithms/gru4rec.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/gru4rec_int.h"
#include "algorithms/model_file.h"
#include "algorithms/nn/act.h"
#include "algorithms/nn/dropout.h"
#include "algorithms/nn/gemm.h"
#include "algorithms/nn/gru.h"
#include "algorithms/nn/optim.h"
#include "algorithms/nn/output.h"
#include "algorithms/nn/rankloss.h"
#include "algorithms/nn/softmax.h"
#include "algorithms/nn/tensor.h"
#include "data/rng.h"

enum { MAX_LAYERS = 8, CACHE_CAP = 512, DENSE_CHUNK = 4096 };
enum { IN_SHARED, IN_SEPARATE, IN_ONEHOT };
enum { LOSS_XE, LOSS_BPRMAX, LOSS_TOP1MAX };
enum { ACT_ELU, ACT_LINEAR, ACT_TANH };

static const char *const losses[] = {"cross-entropy", "bpr-max", "top1-max", NULL};
static const char *const inputs[] = {"shared", "separate", "onehot", NULL};
static const char *const acts[] = {"elu", "linear", "tanh", NULL};

static const sbr_param_spec gru4rec_params[] = {
    {"layers", SBR_P_INT, offsetof(gru4rec_config, layers), 100, 1, 4096, NULL,
     "units of every GRU layer"},
    {"n_layers", SBR_P_INT, offsetof(gru4rec_config, n_layers), 1, 1, MAX_LAYERS, NULL,
     "GRU layers"},
    {"loss", SBR_P_CHOICE, offsetof(gru4rec_config, loss), 0, 0, 2, losses,
     "cross-entropy (on logits), bpr-max or top1-max"},
    {"input", SBR_P_CHOICE, offsetof(gru4rec_config, input), 0, 0, 2, inputs,
     "input embedding: shared with the output (constrained), separate, or onehot"},
    {"embedding", SBR_P_INT, offsetof(gru4rec_config, embedding), 0, 0, 4096, NULL,
     "input=separate: embedding size (0: = layers)"},
    {"batch", SBR_P_INT, offsetof(gru4rec_config, batch), 64, 1, 65536, NULL,
     "session slots per mini-batch"},
    {"dropout_embed", SBR_P_DOUBLE, offsetof(gru4rec_config, dropout_embed), 0, 0, 0.95, NULL,
     "dropout on the input embedding"},
    {"dropout_hidden", SBR_P_DOUBLE, offsetof(gru4rec_config, dropout_hidden), 0, 0, 0.95, NULL,
     "dropout on every GRU layer's output"},
    {"lr", SBR_P_DOUBLE, offsetof(gru4rec_config, lr), 0.05, 1e-7, 10, NULL,
     "Adagrad learning rate"},
    {"momentum", SBR_P_DOUBLE, offsetof(gru4rec_config, momentum), 0, 0, 0.999, NULL,
     "momentum of the Adagrad steps"},
    {"n_sample", SBR_P_INT, offsetof(gru4rec_config, n_sample), 2048, 0, 1000000, NULL,
     "extra negative samples shared by every step"},
    {"sample_alpha", SBR_P_DOUBLE, offsetof(gru4rec_config, sample_alpha), 0.5, 0, 1, NULL,
     "negatives drawn ~ support^sample_alpha"},
    {"bpreg", SBR_P_DOUBLE, offsetof(gru4rec_config, bpreg), 1.0, 0, 100, NULL,
     "bpr-max score regularisation"},
    {"final_act", SBR_P_CHOICE, offsetof(gru4rec_config, final_act), 0, 0, 2, acts,
     "bpr-max/top1-max: activation of the scores (elu with elu_param, linear, tanh)"},
    {"elu_param", SBR_P_DOUBLE, offsetof(gru4rec_config, elu_param), 0.5, 0, 100, NULL,
     "final_act=elu: alpha (0: linear)"},
    {"logq", SBR_P_DOUBLE, offsetof(gru4rec_config, logq), 0, 0, 100, NULL,
     "cross-entropy: logQ correction strength"},
    {"epochs", SBR_P_INT, offsetof(gru4rec_config, epochs), 10, 1, 10000, NULL,
     "passes over the training sessions"},
    {"seed", SBR_P_INT, offsetof(gru4rec_config, seed), 1, 0, 2147483647, NULL,
     "initialisation, sampling and dropout"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* ---- the network -------------------------------------------------------------------------- */

/* One GRU layer's tensors as offsets into the parameter block; w_ih is SIZE_MAX for the
 * one-hot input layer (its input weights are the item table), b_hh SIZE_MAX when absent. */
typedef struct layer {
    size_t in, w_ih, b_ih, w_hh, b_hh;
} layer;

/* The parameters, one block: the sparse item tables first (the input table T when
 * input=separate or onehot, Wy, By), then the dense layers; off_dense splits them. */
typedef struct g4r_net {
    size_t n_items, hd, n_layers, in0, t_width; /* in0: layer 0's input width (0: onehot) */
    int input;
    size_t off_t, off_wy, off_by, off_dense, n_params;
    layer l[MAX_LAYERS];
    float *p;
} g4r_net;

typedef struct g4r_model {
    sbr_model base;
    g4r_net net;
} g4r_model;

static void net_layout(g4r_net *n, const gru4rec_config *cfg, size_t n_items)
{
    size_t hd = (size_t)cfg->layers, w = 3 * hd;
    n->n_items = n_items;
    n->hd = hd;
    n->n_layers = (size_t)cfg->n_layers;
    n->input = cfg->input;
    n->in0 = cfg->input == IN_SHARED     ? hd
             : cfg->input == IN_SEPARATE ? (cfg->embedding > 0 ? (size_t)cfg->embedding : hd)
                                         : 0;
    n->t_width = cfg->input == IN_SEPARATE ? n->in0 : cfg->input == IN_ONEHOT ? w : 0;
    size_t o = 0;
    n->off_t = o;
    o += n_items * n->t_width;
    n->off_wy = o;
    o += n_items * hd;
    n->off_by = o;
    o += n_items;
    n->off_dense = o;
    for (size_t k = 0; k < n->n_layers; k++) {
        layer *L = &n->l[k];
        L->in = k == 0 ? n->in0 : hd;
        bool onehot = k == 0 && cfg->input == IN_ONEHOT;
        L->w_ih = onehot ? SIZE_MAX : o;
        o += onehot ? 0 : L->in * w;
        L->b_ih = o;
        o += w;
        L->w_hh = o;
        o += hd * w;
        L->b_hh = onehot ? SIZE_MAX : o;
        o += onehot ? 0 : w;
    }
    n->n_params = o;
}

static const float *tensor(const g4r_net *n, size_t off)
{
    return off == SIZE_MAX ? NULL : n->p + off;
}

/* Uniform +-sqrt(6 / (rows + cols)) for a rows x (blocks cols) matrix, block by block (each
 * block drawn row by row), as the official compatibility mode stacks per-gate matrices. */
static void init_blocks(float *w, size_t rows, size_t cols, size_t blocks, gsl_rng *r)
{
    double sigma = sqrt(6.0 / (double)(rows + cols));
    size_t ld = cols * blocks;
    for (size_t b = 0; b < blocks; b++)
        for (size_t i = 0; i < rows; i++)
            sbr_nn_init_uniform(w + i * ld + b * cols, cols, r, -sigma, sigma);
}

static void net_init(g4r_net *n, gsl_rng *r)
{
    size_t hd = n->hd;
    memset(n->p, 0, n->n_params * sizeof *n->p);
    if (n->input == IN_SEPARATE)
        init_blocks(n->p + n->off_t, n->n_items, n->in0, 1, r);
    else if (n->input == IN_ONEHOT)
        init_blocks(n->p + n->off_t, n->n_items, hd, 3, r);
    for (size_t k = 0; k < n->n_layers; k++) {
        const layer *L = &n->l[k];
        if (L->w_ih != SIZE_MAX)
            init_blocks(n->p + L->w_ih, L->in, hd, 3, r);
        init_blocks(n->p + L->w_hh, hd, hd, 3, r);
    }
    init_blocks(n->p + n->off_wy, n->n_items, hd, 1, r);
}

static void g4r_free(sbr_model *model)
{
    if (model == NULL)
        return;
    g4r_model *m = (g4r_model *)model;
    free(m->net.p);
    free(m);
}

/* ---- the session-parallel trainer --------------------------------------------------------- */

/* Per-layer buffers of one step (rows up to the batch). */
typedef struct layer_buf {
    float *h;     /* [B x hd] the carried state */
    float *hprev; /* [B x hd] the state before this step */
    float *gx;    /* [B x 3hd] input projection; its gradient in backward */
    float *u, *gates;
    uint8_t *mask;
} layer_buf;

typedef struct trainer {
    const gru4rec_config *cfg;
    g4r_net *net;
    size_t B, m_max, ns;
    /* the data */
    const sbr_dataset *ds;
    size_t *order, n_order;    /* sessions with two clicks or more, by first click */
    size_t *slot_s, *slot_pos; /* per slot: session and current position */
    size_t n_valid, next;      /* active slots, sessions started */
    uint32_t *in_idx, *y;      /* [B], [m_max] */
    double *cdf, *logp;        /* [n_items] sampling cdf, log support */
    float *logq_col;           /* [m_max] */
    /* buffers */
    layer_buf lb[MAX_LAYERS];
    float *x0, *g_x0; /* [B x in0] */
    uint8_t *mask0;
    float *wg, *g_wg, *by_g, *g_by; /* [m_max x hd], [m_max] */
    float *o, *g, *work;            /* [B x m_max], [B x m_max], [B x 2 m_max] */
    float *g_h;                     /* [B x hd] */
    double *row_loss;
    float *grad;      /* dense gradient [n_params - off_dense] */
    float *acc, *mom; /* [n_params] */
    /* sparse update scratch: per-item chain heads and tails (head -1: untouched) */
    int32_t *sp_head, *sp_tail, *sp_next;
    uint32_t *sp_uniq;
    float **sp_rows;
    bool stop_below_2; /* training with n_sample 0: an epoch ends below 2 slots (official) */
    gsl_rng *sample, *drop;
} trainer;

static void trainer_fini(trainer *t)
{
    free(t->order);
    free(t->slot_s);
    free(t->slot_pos);
    free(t->in_idx);
    free(t->y);
    free(t->cdf);
    free(t->logp);
    free(t->logq_col);
    for (size_t k = 0; k < MAX_LAYERS; k++) {
        free(t->lb[k].h);
        free(t->lb[k].hprev);
        free(t->lb[k].gx);
        free(t->lb[k].u);
        free(t->lb[k].gates);
        free(t->lb[k].mask);
    }
    free(t->x0);
    free(t->g_x0);
    free(t->mask0);
    free(t->wg);
    free(t->g_wg);
    free(t->by_g);
    free(t->g_by);
    free(t->o);
    free(t->g);
    free(t->work);
    free(t->g_h);
    free(t->row_loss);
    free(t->grad);
    free(t->acc);
    free(t->mom);
    free(t->sp_head);
    free(t->sp_tail);
    free(t->sp_next);
    free(t->sp_uniq);
    free(t->sp_rows);
    gsl_rng_free(t->sample);
    gsl_rng_free(t->drop);
    memset(t, 0, sizeof *t);
}

/* A session and its first click's time, for the session order. */
typedef struct first_click {
    double time;
    size_t s;
} first_click;

static int by_first_click(const void *a, const void *b)
{
    const first_click *x = a, *y = b;
    return x->time < y->time ? -1 : x->time > y->time ? 1 : (x->s > y->s) - (x->s < y->s);
}

/* Allocates every buffer for ds and orders its sessions. training adds the optimiser state. */
static sbr_rc trainer_init(trainer *t, const gru4rec_config *cfg, g4r_net *net,
                           const sbr_dataset *ds, size_t batch, bool training, sbr_err *err)
{
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->net = net;
    t->ds = ds;
    t->order = sbr_alloc_array(ds->n_sessions + 1, sizeof *t->order);
    if (t->order == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory");
    first_click *fc = sbr_alloc_array(ds->n_sessions + 1, sizeof *fc);
    if (fc == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory");
    for (size_t s = 0; s < ds->n_sessions; s++)
        if (ds->offsets[s + 1] - ds->offsets[s] >= 2)
            fc[t->n_order++] = (first_click){ds->times[ds->offsets[s]], s};
    qsort(fc, t->n_order, sizeof *fc, by_first_click);
    for (size_t k = 0; k < t->n_order; k++)
        t->order[k] = fc[k].s;
    free(fc);
    size_t B = batch < t->n_order ? batch : t->n_order;
    B = B > 0 ? B : 1;
    t->B = B;
    t->ns = training ? (size_t)cfg->n_sample : 0;
    t->m_max = B + t->ns;
    t->stop_below_2 = training && cfg->n_sample == 0;
    size_t hd = net->hd, w = 3 * hd, M = t->m_max, ni = net->n_items;
    size_t in_max = net->in0 > hd ? net->in0 : hd;
    bool ok = true;
#define ALLOC(p, n) ok = ((p) = sbr_alloc_array((n) + 1, sizeof *(p))) != NULL && ok
    ALLOC(t->slot_s, B);
    ALLOC(t->slot_pos, B);
    ALLOC(t->in_idx, B);
    ALLOC(t->y, M);
    ALLOC(t->logq_col, M);
    for (size_t k = 0; k < net->n_layers; k++) {
        ALLOC(t->lb[k].h, B * hd);
        ALLOC(t->lb[k].hprev, B * hd);
        ALLOC(t->lb[k].gx, B * w);
        ALLOC(t->lb[k].u, B * w);
        ALLOC(t->lb[k].gates, B * w);
        ALLOC(t->lb[k].mask, B * hd);
    }
    ALLOC(t->x0, B * in_max);
    ALLOC(t->g_x0, B * in_max);
    ALLOC(t->mask0, B * in_max);
    ALLOC(t->wg, M * hd);
    ALLOC(t->o, B * M);
    if (training) {
        ALLOC(t->cdf, ni);
        ALLOC(t->logp, ni);
        ALLOC(t->g_wg, M * hd);
        ALLOC(t->by_g, M);
        ALLOC(t->g_by, M);
        ALLOC(t->g, B * M);
        ALLOC(t->work, B * 2 * M);
        ALLOC(t->g_h, B * hd);
        ALLOC(t->row_loss, B);
        ALLOC(t->grad, net->n_params - net->off_dense);
        ALLOC(t->sp_head, ni);
        ALLOC(t->sp_tail, ni);
        ALLOC(t->sp_next, 2 * M);
        ALLOC(t->sp_uniq, 2 * M);
        ALLOC(t->sp_rows, 2 * M);
        t->acc = calloc(net->n_params, sizeof *t->acc);
        t->mom = cfg->momentum > 0 ? calloc(net->n_params, sizeof *t->mom) : NULL;
        ok = ok && t->acc != NULL && (cfg->momentum <= 0 || t->mom != NULL);
    }
#undef ALLOC
    if (!ok)
        return sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory");
    if (training) {
        /* Support of every item; the cdf of support^alpha (the official's cumsum, last = 1). */
        for (size_t i = 0; i < ni; i++)
            t->logp[i] = 0;
        for (size_t c = 0; c < ds->n_clicks; c++)
            t->logp[ds->items[c]] += 1;
        double sum = 0;
        for (size_t i = 0; i < ni; i++) {
            sum += pow(t->logp[i], cfg->sample_alpha);
            t->cdf[i] = sum;
        }
        for (size_t i = 0; i < ni; i++) {
            t->cdf[i] /= sum;
            t->logp[i] = t->logp[i] > 0 ? log(t->logp[i]) : 0;
        }
        t->cdf[ni - 1] = 1;
        for (size_t i = 0; i < ni; i++)
            t->sp_head[i] = -1;
    }
    return SBR_OK;
}

/* Starts an epoch: slots 0..B-1 take the first B sessions, every state row zero. */
static void epoch_start(trainer *t)
{
    for (size_t r = 0; r < t->B; r++) {
        t->slot_s[r] = t->order[r];
        t->slot_pos[r] = 0;
    }
    t->n_valid = t->B;
    t->next = t->B;
    for (size_t k = 0; k < t->net->n_layers; k++)
        memset(t->lb[k].h, 0, t->B * t->net->hd * sizeof(float));
}

/* After a step: every slot moves one click on; a slot whose session has no next click takes
 * the next session with its state rows zeroed, or leaves the batch (rows compacted in order).
 * Returns false when the epoch is over. */
static bool advance(trainer *t)
{
    const sbr_dataset *ds = t->ds;
    size_t hd = t->net->hd, kept = 0;
    for (size_t r = 0; r < t->n_valid; r++) {
        size_t s = t->slot_s[r], pos = ++t->slot_pos[r];
        bool ended = ds->offsets[s] + pos + 1 >= ds->offsets[s + 1];
        if (ended && t->next < t->n_order) {
            t->slot_s[r] = t->order[t->next++];
            t->slot_pos[r] = 0;
            for (size_t k = 0; k < t->net->n_layers; k++)
                memset(t->lb[k].h + r * hd, 0, hd * sizeof(float));
        } else if (ended) {
            continue; /* no session left for this slot: the row leaves the batch */
        }
        if (kept != r) {
            t->slot_s[kept] = t->slot_s[r];
            t->slot_pos[kept] = t->slot_pos[r];
            for (size_t k = 0; k < t->net->n_layers; k++)
                memcpy(t->lb[k].h + kept * hd, t->lb[k].h + r * hd, hd * sizeof(float));
        }
        kept++;
    }
    t->n_valid = kept;
    if (kept == 0)
        return false;
    return !(t->stop_below_2 && kept < 2);
}

/* The step's inputs and targets (targets first in y, then the shared samples). */
static size_t step_targets(trainer *t)
{
    const sbr_dataset *ds = t->ds;
    size_t n = t->n_valid;
    for (size_t r = 0; r < n; r++) {
        size_t c = ds->offsets[t->slot_s[r]] + t->slot_pos[r];
        t->in_idx[r] = ds->items[c];
        t->y[r] = ds->items[c + 1];
    }
    size_t ni = t->net->n_items;
    for (size_t k = 0; k < t->ns; k++) {
        double u = gsl_rng_uniform(t->sample);
        size_t lo = 0, hi = ni; /* the first item whose cdf exceeds u */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->cdf[mid] <= u)
                lo = mid + 1;
            else
                hi = mid;
        }
        t->y[n + k] = (uint32_t)(lo < ni ? lo : ni - 1);
    }
    return n + t->ns;
}

static void gather(const float *table, size_t width, const uint32_t *idx, size_t n, float *out)
{
    for (size_t k = 0; k < n; k++)
        memcpy(out + k * width, table + (size_t)idx[k] * width, width * sizeof *out);
}

/* out[r] += bias for every row r < n of width w. */
static void add_bias(float *out, size_t n, size_t w, const float *bias)
{
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < w; j++)
            out[r * w + j] += bias[j];
}

/* The forward pass of one step over rows n (states in lb[k].h become the new ones); returns
 * the last layer's output (n x hd). */
static const float *step_forward(trainer *t, size_t n, bool training)
{
    const g4r_net *net = t->net;
    size_t hd = net->hd, w = 3 * hd;
    const float *x = t->x0;
    if (net->input == IN_SHARED)
        gather(net->p + net->off_wy, hd, t->in_idx, n, t->x0);
    else if (net->input == IN_SEPARATE)
        gather(net->p + net->off_t, net->in0, t->in_idx, n, t->x0);
    if (training && net->input != IN_ONEHOT && t->cfg->dropout_embed > 0)
        sbr_nn_dropout(t->x0, t->mask0, n * net->in0, t->cfg->dropout_embed, t->drop);
    for (size_t k = 0; k < net->n_layers; k++) {
        const layer *L = &net->l[k];
        layer_buf *b = &t->lb[k];
        if (L->w_ih == SIZE_MAX)
            gather(net->p + net->off_t, w, t->in_idx, n, b->gx);
        else
            sbr_nn_gemm(false, false, n, w, L->in, 1.0f, x, L->in, net->p + L->w_ih, w, 0.0f, b->gx,
                        w);
        add_bias(b->gx, n, w, net->p + L->b_ih);
        memcpy(b->hprev, b->h, n * hd * sizeof *b->h);
        sbr_nn_gru_forward(b->gx, b->hprev, n, hd, net->p + L->w_hh, tensor(net, L->b_hh), b->u,
                           b->gates, b->h);
        double p = L->w_ih == SIZE_MAX ? t->cfg->dropout_embed : t->cfg->dropout_hidden;
        if (training && p > 0)
            sbr_nn_dropout(b->h, b->mask, n * hd, p, t->drop);
        x = b->h;
    }
    return x;
}

/* Rows' losses and the gradient of the scores into t->g (scaled by 1 / batch). */
static double step_loss(trainer *t, size_t n, size_t m)
{
    const gru4rec_config *cfg = t->cfg;
    float *o = t->o, *g = t->g, *work = t->work;
    double *row_loss = t->row_loss;
    float scale = (float)(1.0 / (double)cfg->batch);
    int loss = cfg->loss, act = cfg->final_act;
    float alpha = (float)cfg->elu_param;
    if (loss == LOSS_XE && cfg->logq > 0) {
        for (size_t j = 0; j < m; j++)
            t->logq_col[j] =
                (float)(cfg->logq * t->logp[t->y[j]] * (j < n ? 1 : cfg->sample_alpha));
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < m; j++)
                o[r * m + j] -= t->logq_col[j];
    }
    bool elu = loss != LOSS_XE && act == ACT_ELU && alpha > 0;
    bool th = loss != LOSS_XE && act == ACT_TANH;
    double bpreg = cfg->bpreg;
    long rows = (long)n;
    bool big = (double)n * (double)m >= 2e5;
#pragma omp parallel for if (big) schedule(dynamic, 4) default(none)                               \
    shared(o, g, work, row_loss, rows, m, loss, elu, th, alpha, bpreg, scale)
    for (long r = 0; r < rows; r++) {
        float *orow = o + (size_t)r * m, *grow = g + (size_t)r * m, *wk = work + (size_t)r * 2 * m;
        if (elu)
            sbr_nn_elu(orow, orow, m, alpha);
        else if (th)
            sbr_nn_tanh(orow, orow, m);
        double l;
        if (loss == LOSS_XE)
            l = sbr_nn_xent_row(orow, m, (size_t)r, scale, grow, wk);
        else if (loss == LOSS_BPRMAX)
            l = sbr_nn_bprmax_row(orow, m, (size_t)r, bpreg, scale, grow, wk);
        else
            l = sbr_nn_top1max_row(orow, m, (size_t)r, scale, grow, wk);
        if (elu)
            sbr_nn_elu_backward(orow, grow, grow, m, alpha);
        else if (th)
            sbr_nn_tanh_backward(orow, grow, grow, m);
        row_loss[r] = l;
    }
    double sum = 0;
    for (size_t r = 0; r < n; r++)
        sum += row_loss[r];
    return sum;
}

/* Adagrad-M on the rows of a table (width floats each) that the step touched: entries k < n1
 * (rows idx1[k], gradients g1 + k width) then n2 (idx2, g2); a row's gradients are summed in
 * that entry order first (the official coalesce), through per-row chains (no sorting, no
 * allocation). The gradient rows are overwritten. */
static void sparse_update(trainer *t, size_t off, size_t width, const uint32_t *idx1, float *g1,
                          size_t n1, const uint32_t *idx2, float *g2, size_t n2)
{
    size_t n = n1 + n2, n_uniq = 0;
    int32_t *head = t->sp_head, *tail = t->sp_tail, *next = t->sp_next;
    for (size_t k = 0; k < n; k++) {
        uint32_t row = k < n1 ? idx1[k] : idx2[k - n1];
        t->sp_rows[k] = k < n1 ? g1 + k * width : g2 + (k - n1) * width;
        next[k] = -1;
        if (head[row] < 0) {
            head[row] = (int32_t)k;
            t->sp_uniq[n_uniq++] = row;
        } else {
            next[tail[row]] = (int32_t)k;
        }
        tail[row] = (int32_t)k;
    }
    float *w = t->net->p + off, *acc = t->acc + off, *mom = t->mom != NULL ? t->mom + off : NULL;
    double lr = t->cfg->lr, mu = t->cfg->momentum;
    const uint32_t *uniq = t->sp_uniq;
    float **rows = t->sp_rows;
    long nu = (long)n_uniq;
    bool big = (double)n_uniq * (double)width >= 2e5;
#pragma omp parallel for if (big) schedule(dynamic, 16) default(none)                              \
    shared(w, acc, mom, lr, mu, uniq, rows, head, next, nu, width)
    for (long q = 0; q < nu; q++) {
        int32_t k = head[uniq[q]];
        float *dst = rows[k];
        for (int32_t j = next[k]; j >= 0; j = next[j])
            sbr_nn_axpy(1.0f, rows[j], dst, width);
        size_t o = (size_t)uniq[q] * width;
        sbr_nn_adagradm(lr, mu, 1e-6, w + o, acc + o, mom != NULL ? mom + o : NULL, dst, width);
    }
    for (size_t q = 0; q < n_uniq; q++)
        head[uniq[q]] = -1;
}

/* Column sums of g (n x m) in row order into out (m). */
static void col_sums(const float *g, size_t n, size_t m, float *out)
{
    memset(out, 0, m * sizeof *out);
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < m; j++)
            out[j] += g[r * m + j];
}

/* One training step: forward, loss, backward, updates. Returns the summed row loss. */
static double train_step(trainer *t)
{
    g4r_net *net = t->net;
    const gru4rec_config *cfg = t->cfg;
    size_t n = t->n_valid, m = step_targets(t), hd = net->hd, w = 3 * hd;
    const float *out = step_forward(t, n, true);
    gather(net->p + net->off_wy, hd, t->y, m, t->wg);
    for (size_t j = 0; j < m; j++)
        t->by_g[j] = net->p[net->off_by + t->y[j]];
    sbr_nn_gemm(false, true, n, m, hd, 1.0f, out, hd, t->wg, hd, 0.0f, t->o, m);
    add_bias(t->o, n, m, t->by_g);
    double loss = step_loss(t, n, m);
    /* backward */
    float *grad = t->grad;
    memset(grad, 0, (net->n_params - net->off_dense) * sizeof *grad);
    sbr_nn_gemm(false, false, n, hd, m, 1.0f, t->g, m, t->wg, hd, 0.0f, t->g_h, hd);
    sbr_nn_gemm(true, false, m, hd, n, 1.0f, t->g, m, out, hd, 0.0f, t->g_wg, hd);
    col_sums(t->g, n, m, t->g_by);
    float *gcur = t->g_h;
    float *g_in0 = NULL; /* the gradient of layer 0's input rows (width in0 or 3hd) */
    for (size_t kk = net->n_layers; kk-- > 0;) {
        const layer *L = &net->l[kk];
        layer_buf *b = &t->lb[kk];
        double p = L->w_ih == SIZE_MAX ? cfg->dropout_embed : cfg->dropout_hidden;
        if (p > 0)
            sbr_nn_dropout_backward(gcur, b->mask, n * hd, p);
        float *g_whh = grad + (L->w_hh - net->off_dense);
        float *g_bhh = L->b_hh == SIZE_MAX ? NULL : grad + (L->b_hh - net->off_dense);
        /* b->gx is free now: it receives the gradient of the input projection. */
        sbr_nn_gru_backward(b->hprev, n, hd, net->p + L->w_hh, b->u, b->gates, gcur, b->gx, g_whh,
                            g_bhh, NULL);
        float *g_bih = grad + (L->b_ih - net->off_dense);
        for (size_t r = 0; r < n; r++)
            sbr_nn_axpy(1.0f, b->gx + r * w, g_bih, w);
        if (L->w_ih == SIZE_MAX) {
            g_in0 = b->gx;
            break;
        }
        const float *xin = kk == 0 ? t->x0 : t->lb[kk - 1].h;
        sbr_nn_gemm(true, false, L->in, w, n, 1.0f, xin, L->in, b->gx, w, 1.0f,
                    grad + (L->w_ih - net->off_dense), w);
        float *gx_in = kk == 0 ? t->g_x0 : t->g_h; /* g_h was consumed above */
        sbr_nn_gemm(false, true, n, L->in, w, 1.0f, b->gx, w, net->p + L->w_ih, w, 0.0f, gx_in,
                    L->in);
        if (kk == 0) {
            if (cfg->dropout_embed > 0)
                sbr_nn_dropout_backward(gx_in, t->mask0, n * L->in, cfg->dropout_embed);
            g_in0 = gx_in;
        }
    }
    /* updates: the dense layers, then the item tables' touched rows */
    size_t n_dense = net->n_params - net->off_dense;
    float *pd = net->p + net->off_dense, *ad = t->acc + net->off_dense;
    float *md = t->mom != NULL ? t->mom + net->off_dense : NULL;
    long chunks = (long)((n_dense + DENSE_CHUNK - 1) / DENSE_CHUNK);
    double lr = cfg->lr, mu = cfg->momentum;
    bool big = n_dense >= 262144;
#pragma omp parallel for if (big) schedule(static) default(none)                                   \
    shared(pd, ad, md, grad, n_dense, chunks, lr, mu)
    for (long c = 0; c < chunks; c++) {
        size_t lo = (size_t)c * DENSE_CHUNK;
        size_t len = n_dense - lo < DENSE_CHUNK ? n_dense - lo : DENSE_CHUNK;
        sbr_nn_adagradm(lr, mu, 1e-6, pd + lo, ad + lo, md != NULL ? md + lo : NULL, grad + lo,
                        len);
    }
    if (net->input == IN_SHARED) {
        sparse_update(t, net->off_wy, hd, t->in_idx, g_in0, n, t->y, t->g_wg, m);
    } else {
        sparse_update(t, net->off_t, net->t_width, t->in_idx, g_in0, n, NULL, NULL, 0);
        sparse_update(t, net->off_wy, hd, t->y, t->g_wg, m, NULL, NULL, 0);
    }
    sparse_update(t, net->off_by, 1, t->y, t->g_by, m, NULL, NULL, 0);
    return loss;
}

static sbr_rc g4r_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *opts,
                      sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const gru4rec_config *cfg = config;
    if (train->n_items == 0 || train->n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "gru4rec: %zu training items", train->n_items);
    g4r_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory");
    m->base.algo = &sbr_algo_gru4rec;
    g4r_net *net = &m->net;
    net_layout(net, cfg, train->n_items);
    net->p = sbr_alloc_array(net->n_params, sizeof *net->p);
    trainer t;
    sbr_rc rc = net->p == NULL ? sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory")
                               : trainer_init(&t, cfg, net, train, (size_t)cfg->batch, true, err);
    if (net->p == NULL)
        memset(&t, 0, sizeof t);
    if (rc == SBR_OK && t.n_order == 0)
        rc = sbr_err_set(err, SBR_EINVAL, "gru4rec: no training session has two clicks");
    gsl_rng *init = NULL;
    if (rc == SBR_OK) {
        init = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 0, 0x47525534)); /* "GRU4" */
        t.sample = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 1, 0x47525534));
        t.drop = sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 2, 0x47525534));
        if (init == NULL || t.sample == NULL || t.drop == NULL)
            rc = sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory");
    }
    if (rc == SBR_OK) {
        net_init(net, init);
        uint64_t per_epoch = 0; /* at most: an epoch with n_sample 0 may end early */
        for (size_t k = 0; k < t.n_order; k++)
            per_epoch += train->offsets[t.order[k] + 1] - train->offsets[t.order[k]] - 1;
        for (long epoch = 0; epoch < cfg->epochs; epoch++) {
            epoch_start(&t);
            double loss = 0;
            uint64_t events = 0;
            do {
                events += t.n_valid;
                loss += train_step(&t);
                sbr_fit_report(opts, "batch", events, per_epoch, NAN, NAN);
            } while (advance(&t));
            sbr_fit_report_epoch(opts, (uint64_t)epoch + 1, (uint64_t)cfg->epochs,
                                 loss / (double)(events > 0 ? events : 1), NAN, NAN, NULL, events);
            if (!isfinite(loss)) {
                rc = sbr_err_set(err, SBR_EINVAL,
                                 "gru4rec: the loss became %g in epoch %ld (lr=%g too large?)",
                                 loss, epoch + 1, cfg->lr);
                break;
            }
        }
    }
    gsl_rng_free(init);
    trainer_fini(&t);
    if (rc != SBR_OK) {
        g4r_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

/* ---- predict ------------------------------------------------------------------------------ */

typedef struct g4r_scratch {
    float *h;   /* [n_layers x hd] the state after the cached prefix */
    float *vec; /* [in + 3hd + 3hd + 3hd + hd] x, gx, u, gates, hprev */
    float *hb;  /* [SBR_PREDICT_BATCH x hd] the last layer's state of each query */
    float *z;   /* [SBR_PREDICT_BATCH x n_items] their scores */
    float *e;   /* [n_items] */
    size_t rows[SBR_PREDICT_BATCH]; /* the query of each row of hb */
    uint32_t *cache;                /* [CACHE_CAP] the prefix h belongs to */
    size_t cached;
    bool valid;
} g4r_scratch;

static size_t vec_floats(const g4r_net *n)
{
    size_t in = n->in0 > n->hd ? n->in0 : n->hd;
    return in + 10 * n->hd;
}

/* The floats of a scratch: h, vec, hb, z, e. */
static size_t scratch_floats(const g4r_net *n)
{
    return n->n_layers * n->hd + vec_floats(n) + SBR_PREDICT_BATCH * n->hd +
           (SBR_PREDICT_BATCH + 1) * n->n_items;
}

static size_t g4r_scratch_bytes(const sbr_model *model)
{
    const g4r_net *n = &((const g4r_model *)model)->net;
    return sizeof(g4r_scratch) + scratch_floats(n) * sizeof(float) + CACHE_CAP * sizeof(uint32_t);
}

static void g4r_scratch_free(void *p)
{
    g4r_scratch *s = p;
    if (s == NULL)
        return;
    free(s->h);
    free(s->cache);
    free(s);
}

static void *g4r_scratch_new(const sbr_model *model)
{
    const g4r_net *n = &((const g4r_model *)model)->net;
    g4r_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->h = sbr_alloc_array(scratch_floats(n), sizeof *s->h);
    s->cache = sbr_alloc_array(CACHE_CAP, sizeof *s->cache);
    if (s->h == NULL || s->cache == NULL) {
        g4r_scratch_free(s);
        return NULL;
    }
    s->vec = s->h + n->n_layers * n->hd;
    s->hb = s->vec + vec_floats(n);
    s->z = s->hb + SBR_PREDICT_BATCH * n->hd;
    s->e = s->z + SBR_PREDICT_BATCH * n->n_items;
    return s;
}

/* y (cols) = x W (+ b) for a row vector x (rows) and W (rows x cols), as sums of W's rows. */
static void vec_mat(const float *x, const float *w, size_t rows, size_t cols, const float *b,
                    float *y)
{
    if (b != NULL)
        memcpy(y, b, cols * sizeof *y);
    else
        memset(y, 0, cols * sizeof *y);
    for (size_t k = 0; k < rows; k++)
        sbr_nn_axpy(x[k], w + k * cols, y, cols);
}

/* One click of one session: every layer's state in s->h moves on. */
static void step_one(const g4r_net *net, g4r_scratch *s, uint32_t item)
{
    size_t hd = net->hd, w = 3 * hd, in = net->in0 > hd ? net->in0 : hd;
    float *x = s->vec, *gx = x + in, *u = gx + w, *gates = u + w, *hprev = gates + w;
    if (net->input == IN_SHARED)
        memcpy(x, net->p + net->off_wy + (size_t)item * hd, hd * sizeof *x);
    else if (net->input == IN_SEPARATE)
        memcpy(x, net->p + net->off_t + (size_t)item * net->in0, net->in0 * sizeof *x);
    for (size_t k = 0; k < net->n_layers; k++) {
        const layer *L = &net->l[k];
        float *h = s->h + k * hd;
        if (L->w_ih == SIZE_MAX) {
            const float *row = net->p + net->off_t + (size_t)item * w, *b = net->p + L->b_ih;
            for (size_t j = 0; j < w; j++)
                gx[j] = row[j] + b[j];
        } else {
            vec_mat(x, net->p + L->w_ih, L->in, w, net->p + L->b_ih, gx);
        }
        vec_mat(h, net->p + L->w_hh, hd, w, tensor(net, L->b_hh), u);
        memcpy(hprev, h, hd * sizeof *h);
        sbr_nn_gru_row(gx, u, hprev, hd, gates, h);
        memcpy(x, h, hd * sizeof *x);
    }
}

/* Brings s->h to the state after the known items of items[0..len), from the cached prefix
 * when it is one of items, else from zero. */
static void run_prefix(const g4r_net *net, g4r_scratch *s, const uint32_t *items, size_t len)
{
    size_t from = 0;
    if (s->valid && s->cached <= len &&
        (s->cached == 0 || memcmp(s->cache, items, s->cached * sizeof *items) == 0)) {
        from = s->cached;
    } else {
        memset(s->h, 0, net->n_layers * net->hd * sizeof *s->h);
    }
    for (size_t k = from; k < len; k++)
        if (items[k] < net->n_items)
            step_one(net, s, items[k]);
    s->valid = len <= CACHE_CAP;
    if (s->valid) {
        memcpy(s->cache, items, len * sizeof *items);
        s->cached = len;
    }
}

/* z[i] = h Wy[i] + By[i] for the last layer's state h and every item, as predict scores. */
static void scores(const g4r_net *net, const float *h, float *z)
{
    const float *by = net->p + net->off_by;
    sbr_nn_dots(h, 1, net->p + net->off_wy, net->n_items, net->hd, z, net->n_items);
    for (size_t i = 0; i < net->n_items; i++)
        z[i] += by[i];
}

static sbr_rc g4r_predict_batch(const sbr_model *model, const sbr_query *q, size_t m, void *scratch,
                                sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const g4r_net *net = &((const g4r_model *)model)->net;
    g4r_scratch *s = scratch;
    size_t ni = net->n_items, hd = net->hd, live = 0;
    for (size_t j = 0; j < m; j++) {
        n_out[j] = 0;
        bool any = false;
        for (size_t k = 0; k < q[j].len && !any; k++)
            any = q[j].items[k] < ni;
        if (!any)
            continue;
        run_prefix(net, s, q[j].items, q[j].len);
        memcpy(s->hb + live * hd, s->h + (net->n_layers - 1) * hd, hd * sizeof *s->hb);
        s->rows[live++] = j;
    }
    sbr_nn_top_softmax_rows(s->hb, live, s->rows, net->p + net->off_wy, net->p + net->off_by, ni,
                            hd, s->z, s->e, q[0].n, out, n_out);
    return SBR_OK;
}

static sbr_rc g4r_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                          sbr_scored *out, size_t *n_out, sbr_err *err)
{
    return g4r_predict_batch(model, q, 1, scratch, out, n_out, err);
}

/* ---- internals for the tests (algorithms/gru4rec_int.h) ----------------------------------- */

void sbr_gru4rec_ranks(const sbr_model *m, void *scratch, const uint32_t *items, size_t len,
                       int mode, size_t *ranks)
{
    const g4r_net *net = &((const g4r_model *)m)->net;
    g4r_scratch *s = scratch;
    s->valid = false;
    memset(s->h, 0, net->n_layers * net->hd * sizeof *s->h);
    for (size_t t = 1; t < len; t++) {
        step_one(net, s, items[t - 1]);
        scores(net, s->h + (net->n_layers - 1) * net->hd, s->z);
        float zt = s->z[items[t]];
        size_t above = 0, ties = 0, before = 0;
        for (size_t i = 0; i < net->n_items; i++) {
            above += s->z[i] > zt;
            ties += s->z[i] == zt;
            before += s->z[i] == zt && i < items[t];
        }
        ranks[t - 1] = mode == SBR_G4R_RANK_STANDARD       ? above + 1
                       : mode == SBR_G4R_RANK_CONSERVATIVE ? above + ties
                                                           : above + before + 1;
    }
}

void sbr_gru4rec_prefix_hidden(const sbr_model *m, void *scratch, const uint32_t *items, size_t len,
                               float *h)
{
    const g4r_net *net = &((const g4r_model *)m)->net;
    g4r_scratch *s = scratch;
    run_prefix(net, s, items, len);
    memcpy(h, s->h + (net->n_layers - 1) * net->hd, net->hd * sizeof *h);
}

size_t sbr_gru4rec_units(const sbr_model *m)
{
    return ((const g4r_model *)m)->net.hd;
}

sbr_rc sbr_gru4rec_parallel_hidden(const sbr_model *m, const sbr_dataset *ds, size_t batch,
                                   float *out, sbr_err *err)
{
    g4r_net *net = &((g4r_model *)m)->net;
    gru4rec_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.batch = (long)batch;
    trainer t;
    sbr_rc rc = trainer_init(&t, &cfg, net, ds, batch, false, err);
    if (rc == SBR_OK && t.n_order > 0) {
        size_t hd = net->hd;
        epoch_start(&t);
        do {
            step_targets(&t);
            const float *h = step_forward(&t, t.n_valid, false);
            for (size_t r = 0; r < t.n_valid; r++)
                memcpy(out + (ds->offsets[t.slot_s[r]] + t.slot_pos[r]) * hd, h + r * hd,
                       hd * sizeof *out);
        } while (advance(&t));
    }
    trainer_fini(&t);
    return rc;
}

/* ---- model size, files -------------------------------------------------------------------- */

static size_t g4r_bytes(const sbr_model *model)
{
    return sizeof(g4r_model) + ((const g4r_model *)model)->net.n_params * sizeof(float);
}

static sbr_rc g4r_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const g4r_net *n = &((const g4r_model *)model)->net;
    sbr_mw_u64(w, n->n_items);
    sbr_mw_array(w, n->p, n->n_params, sizeof *n->p);
    return SBR_OK;
}

static sbr_rc g4r_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    g4r_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "gru4rec: out of memory");
    m->base.algo = &sbr_algo_gru4rec;
    size_t n_items = 0;
    sbr_rc rc = sbr_mr_size(r, &n_items, 1, (UINT32_MAX - 1) / 1024, err);
    if (rc == SBR_OK) {
        net_layout(&m->net, config, n_items);
        rc = sbr_mr_array_n(r, (void **)&m->net.p, m->net.n_params, sizeof *m->net.p, err);
    }
    if (rc != SBR_OK) {
        g4r_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_gru4rec = {
    .abi = SBR_ALGO_ABI,
    .name = "gru4rec",
    .help = "GRU4Rec as the authors' official code: session-parallel GRU, cross-entropy, "
            "BPR-max or TOP1-max over sampled negatives, Adagrad with momentum",
    .family = SBR_FAMILY_LEARNED,
    .params = gru4rec_params,
    .config_size = sizeof(gru4rec_config),
    .tune_space = "lr=log:0.01:0.25; layers=choice:64|100|192|512; batch=choice:32|64|128; "
                  "dropout_embed=real:0:0.5; dropout_hidden=real:0:0.7; momentum=real:0:0.9",
    .check = NULL,
    .fit = g4r_fit,
    .model_bytes = g4r_bytes,
    .scratch_bytes = g4r_scratch_bytes,
    .scratch_new = g4r_scratch_new,
    .scratch_free = g4r_scratch_free,
    .predict = g4r_predict,
    .predict_batch = g4r_predict_batch,
    .save = g4r_save,
    .load = g4r_load,
    .free = g4r_free,
};
