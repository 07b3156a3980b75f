#include "algorithms/seq_fit.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"
#include "algorithms/nn/output.h"
#include "algorithms/nn/softmax.h"
#include "algorithms/nn/tensor.h"

enum { CUTOFF = 20 };

typedef struct session_key {
    double last; /* the session's last click */
    size_t s;
} session_key;

/* Latest first; ties: the later session first. */
static int by_latest(const void *a, const void *b)
{
    const session_key *x = a, *y = b;
    if (x->last != y->last)
        return x->last > y->last ? -1 : 1;
    return (x->s < y->s) - (x->s > y->s);
}

/* The latest `fraction` of train's sessions by their last click, as flags (NULL: no memory). */
static bool *latest_sessions(const sbr_dataset *train, double fraction)
{
    size_t ns = train->n_sessions;
    bool *held = calloc(ns + 1, sizeof *held);
    session_key *k = sbr_alloc_array(ns + 1, sizeof *k);
    if (held == NULL || k == NULL) {
        free(held);
        free(k);
        return NULL;
    }
    for (size_t s = 0; s < ns; s++)
        k[s] = (session_key){train->times[train->offsets[s + 1] - 1], s};
    qsort(k, ns, sizeof *k, by_latest);
    size_t n_held = (size_t)floor(fraction * (double)ns);
    for (size_t i = 0; i < n_held; i++)
        held[k[i].s] = true;
    free(k);
    return held;
}

/* The prefixes of train's sessions whose flag (held[s], false when held is NULL) is want. */
static sbr_rc prefixes(const char *name, const sbr_dataset *train, const bool *held, bool want,
                       sbr_seq_example **out, size_t *n_out, sbr_err *err)
{
    size_t n = 0;
    for (size_t s = 0; s < train->n_sessions; s++) {
        size_t len = train->offsets[s + 1] - train->offsets[s];
        if ((held != NULL && held[s]) != want)
            continue;
        if (len - 1 > UINT32_MAX)
            return sbr_err_set(err, SBR_EINVAL, "%s: a session of %zu clicks", name, len);
        n += len - 1;
    }
    sbr_seq_example *ex = sbr_alloc_array(n + 1, sizeof *ex);
    if (ex == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", name);
    size_t k = 0;
    for (size_t s = 0; s < train->n_sessions; s++) {
        if ((held != NULL && held[s]) != want)
            continue;
        size_t off = train->offsets[s], len = train->offsets[s + 1] - off;
        for (size_t p = 1; p < len; p++)
            ex[k++] = (sbr_seq_example){off, (uint32_t)p, train->items[off + p]};
    }
    *out = ex;
    *n_out = n;
    return SBR_OK;
}

/* Every next-item prediction of sel as sbr eval makes them: clicks on items unknown to
 * training removed, then every click after a session's first predicts from those before. */
static sbr_rc test_prefixes(const char *name, const sbr_dataset *train, const sbr_dataset *sel,
                            sbr_seq_data *d, sbr_err *err)
{
    d->select_items = sbr_alloc_array(sel->n_clicks + 1, sizeof *d->select_items);
    d->select = sbr_alloc_array(sel->n_clicks + 1, sizeof *d->select);
    if (d->select_items == NULL || d->select == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", name);
    size_t n_items = 0, n = 0;
    for (size_t s = 0; s < sel->n_sessions; s++) {
        size_t start = n_items, off = sel->offsets[s], len = sel->offsets[s + 1] - off;
        for (size_t p = 0; p < len; p++) {
            uint32_t item;
            if (!sbr_dataset_find_item(train, sel->item_ids[sel->items[off + p]], &item))
                continue;
            if (n_items > start)
                d->select[n++] = (sbr_seq_example){start, (uint32_t)(n_items - start), item};
            d->select_items[n_items++] = item;
        }
    }
    d->n_select = n;
    return SBR_OK;
}

sbr_rc sbr_seq_data_build(const char *name, const sbr_dataset *train, int select, double valid,
                          const sbr_fit_opts *opts, sbr_seq_data *d, sbr_err *err)
{
    memset(d, 0, sizeof *d);
    if (select == SBR_SEQ_TEST && (opts == NULL || opts->select_data == NULL))
        return sbr_err_set(err, SBR_EINVAL,
                           "%s: select=test needs the test set (sbr eval passes it; sbr fit "
                           "takes --test)",
                           name);
    bool *held = NULL;
    if (select == SBR_SEQ_VALID && (held = latest_sessions(train, valid)) == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", name);
    sbr_rc rc = prefixes(name, train, held, false, &d->train, &d->n_train, err);
    if (rc == SBR_OK && select == SBR_SEQ_VALID) {
        rc = prefixes(name, train, held, true, &d->select, &d->n_select, err);
        d->select_items =
            rc == SBR_OK ? sbr_alloc_array(train->n_clicks + 1, sizeof(uint32_t)) : NULL;
        if (rc == SBR_OK && d->select_items == NULL)
            rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", name);
        if (rc == SBR_OK)
            memcpy(d->select_items, train->items, train->n_clicks * sizeof *d->select_items);
        d->select_on = "valid";
    }
    if (rc == SBR_OK && select == SBR_SEQ_TEST) {
        rc = test_prefixes(name, train, opts->select_data, d, err);
        d->select_on = opts->select_label != NULL ? opts->select_label : "test";
    }
    free(held);
    if (rc == SBR_OK && d->n_train == 0)
        rc = sbr_err_set(err, SBR_EINVAL, "%s: no training session has two clicks", name);
    if (rc != SBR_OK) {
        sbr_seq_data_fini(d);
        return rc;
    }
    if (d->n_select == 0)
        d->select_on = NULL;
    d->longest = 1;
    for (size_t e = 0; e < d->n_train; e++)
        d->longest = d->train[e].len > d->longest ? d->train[e].len : d->longest;
    for (size_t e = 0; e < d->n_select; e++)
        d->longest = d->select[e].len > d->longest ? d->select[e].len : d->longest;
    return SBR_OK;
}

void sbr_seq_data_fini(sbr_seq_data *d)
{
    free(d->train);
    free(d->select);
    free(d->select_items);
    memset(d, 0, sizeof *d);
}

size_t sbr_seq_shard_lo(size_t k, size_t n, size_t n_shards)
{
    return k * n / n_shards;
}

/* The clicks of the cap_ex longest of ex[0..n) (counts: longest + 1 zeroed entries). */
static size_t longest_positions(const sbr_seq_example *ex, size_t n, size_t cap_ex, size_t longest,
                                size_t *counts)
{
    for (size_t e = 0; e < n; e++)
        counts[ex[e].len]++;
    size_t left = cap_ex, pos = 0;
    for (size_t len = longest; len > 0 && left > 0; len--) {
        size_t take = counts[len] < left ? counts[len] : left;
        pos += take * len;
        left -= take;
    }
    return pos;
}

size_t sbr_seq_max_positions(const sbr_seq_data *d, size_t cap_ex)
{
    size_t *counts = calloc(2 * (d->longest + 1), sizeof *counts);
    if (counts == NULL) /* the bound without counting */
        return cap_ex * d->longest;
    size_t a = longest_positions(d->train, d->n_train, cap_ex, d->longest, counts);
    size_t b =
        longest_positions(d->select, d->n_select, cap_ex, d->longest, counts + d->longest + 1);
    free(counts);
    return a > b ? a : b;
}

/* MRR@20 and HR@20 over the select examples, in one pass; rr is scratch of 2 * batch doubles
 * (reciprocal ranks, then hits; summed in row order). */
static void select_scores(const sbr_seq_model *m, const sbr_seq_data *d, float *z, double *rr,
                          double *mrr, double *hr)
{
    size_t ni = m->n_items, batch = m->batch;
    double sum_rr = 0, sum_hit = 0;
    for (size_t lo = 0; lo < d->n_select; lo += batch) {
        size_t n = d->n_select - lo < batch ? d->n_select - lo : batch;
        const sbr_seq_example *ex = d->select + lo;
        m->logits(m->ctx, d->select_items, ex, n, z);
        long rows = (long)n;
#pragma omp parallel for schedule(dynamic, 8) default(none) shared(ex, rows, ni, z, rr, batch)
        for (long r = 0; r < rows; r++) {
            size_t rank = sbr_nn_rank(z + (size_t)r * ni, ni, ex[r].target);
            rr[r] = rank > CUTOFF ? 0.0 : 1.0 / (double)rank;
            rr[batch + (size_t)r] = rank > CUTOFF ? 0.0 : 1.0;
        }
        for (size_t r = 0; r < n; r++) {
            sum_rr += rr[r];
            sum_hit += rr[batch + r];
        }
    }
    *mrr = d->n_select > 0 ? sum_rr / (double)d->n_select : NAN;
    *hr = d->n_select > 0 ? sum_hit / (double)d->n_select : NAN;
}

/* The sessions of the training examples as sbr_seq_data_build writes them: each session's
 * examples consecutive, its prefixes of length 1, 2, ... in order (checked). */
typedef struct length_batcher {
    size_t *first;     /* [n_sessions] index of each session's first example */
    uint32_t *n_pref;  /* [n_sessions] its examples (length - 1) */
    size_t *by_len;    /* [n_sessions] session numbers, grouped by n_pref, ascending */
    size_t *group;     /* [n_groups + 1] start of each group in by_len */
    size_t *order;     /* [n_groups] the groups' order this epoch */
    size_t *batch_end; /* [n_train] end of each batch in the ordered copy */
    sbr_seq_example *ordered;
    size_t n_sessions, n_groups, n_batches;
} length_batcher;

static void length_batcher_fini(length_batcher *b)
{
    free(b->first);
    free(b->n_pref);
    free(b->by_len);
    free(b->group);
    free(b->order);
    free(b->batch_end);
    free(b->ordered);
    memset(b, 0, sizeof *b);
}

static sbr_rc length_batcher_init(length_batcher *b, const sbr_seq_data *d, sbr_err *err)
{
    memset(b, 0, sizeof *b);
    size_t ns = 0; /* sessions: the examples that are a first prefix */
    for (size_t e = 0; e < d->n_train; e++) {
        uint32_t want = e == 0 || d->train[e].len == 1 ? 1 : d->train[e - 1].len + 1;
        if (d->train[e].len != want)
            return sbr_err_set(err, SBR_EINVAL,
                               "batching=length: training example %zu has a prefix of length "
                               "%u where %u was expected (examples out of session order)",
                               e, (unsigned)d->train[e].len, (unsigned)want);
        ns += want == 1;
    }
    b->first = sbr_alloc_array(ns + 1, sizeof *b->first);
    b->n_pref = sbr_alloc_array(ns + 1, sizeof *b->n_pref);
    b->by_len = sbr_alloc_array(ns + 1, sizeof *b->by_len);
    b->group = sbr_alloc_array(ns + 2, sizeof *b->group);
    b->order = sbr_alloc_array(ns + 1, sizeof *b->order);
    b->batch_end = sbr_alloc_array(d->n_train + 1, sizeof *b->batch_end);
    b->ordered = sbr_alloc_array(d->n_train + 1, sizeof *b->ordered);
    if (!b->first || !b->n_pref || !b->by_len || !b->group || !b->order || !b->batch_end ||
        !b->ordered)
        return sbr_err_set(err, SBR_ENOMEM, "out of memory");
    for (size_t e = 0; e < d->n_train; e++) {
        if (d->train[e].len == 1) {
            b->first[b->n_sessions] = e;
            b->n_pref[b->n_sessions++] = 0;
        }
        b->n_pref[b->n_sessions - 1]++;
    }
    /* Counting sort by n_pref (at most d->longest), sessions in order within a length. */
    size_t *at = calloc(d->longest + 2, sizeof *at);
    if (at == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "out of memory");
    for (size_t k = 0; k < b->n_sessions; k++)
        at[b->n_pref[k] + 1]++;
    for (size_t len = 1; len <= d->longest + 1; len++) {
        if (at[len] > 0)
            b->group[b->n_groups++] = at[len - 1];
        at[len] += at[len - 1];
    }
    b->group[b->n_groups] = b->n_sessions;
    for (size_t k = 0; k < b->n_sessions; k++)
        b->by_len[at[b->n_pref[k]]++] = k;
    free(at);
    return SBR_OK;
}

/* One epoch's order into b->ordered and b->batch_end (batches of at most `batch`). */
static void length_batcher_epoch(length_batcher *b, const sbr_seq_data *d, size_t batch, gsl_rng *r)
{
    for (size_t g = 0; g < b->n_groups; g++)
        b->order[g] = g;
    gsl_ran_shuffle(r, b->order, b->n_groups, sizeof *b->order);
    size_t out = 0;
    b->n_batches = 0;
    for (size_t k = 0; k < b->n_groups; k++) {
        size_t lo = b->group[b->order[k]], hi = b->group[b->order[k] + 1];
        size_t *s = b->by_len + lo;
        gsl_ran_shuffle(r, s, hi - lo, sizeof *s);
        uint32_t n_pref = b->n_pref[s[0]];
        for (size_t c = 0; c < hi - lo; c += batch) {
            size_t n = hi - lo - c < batch ? hi - lo - c : batch;
            for (uint32_t p = 0; p < n_pref; p++) {
                for (size_t j = 0; j < n; j++)
                    b->ordered[out++] = d->train[b->first[s[c + j]] + p];
                b->batch_end[b->n_batches++] = out;
            }
        }
    }
}

sbr_rc sbr_seq_train(const sbr_seq_model *m, sbr_seq_data *d, const uint32_t *train_items,
                     gsl_rng *shuffle, float *z, const sbr_fit_opts *opts, sbr_err *err)
{
    const char *on = d->select_on;
    float *best_p = NULL;
    double *rr = NULL;
    if (on != NULL) {
        best_p = sbr_alloc_array(m->n_params, sizeof *best_p);
        rr = sbr_alloc_array(2 * m->batch, sizeof *rr);
        if (best_p == NULL || rr == NULL) {
            free(best_p);
            free(rr);
            return sbr_err_set(err, SBR_ENOMEM, "out of memory");
        }
    }
    length_batcher lb;
    memset(&lb, 0, sizeof lb);
    sbr_rc rc = m->by_length ? length_batcher_init(&lb, d, err) : SBR_OK;
    if (rc != SBR_OK) {
        length_batcher_fini(&lb);
        free(best_p);
        free(rr);
        return rc;
    }
    double best = -1;
    long since_best = 0;
    for (long epoch = 0; epoch < m->epochs; epoch++) {
        const sbr_seq_example *ex = d->train;
        if (m->by_length) {
            length_batcher_epoch(&lb, d, m->batch, shuffle);
            ex = lb.ordered;
        } else {
            gsl_ran_shuffle(shuffle, d->train, d->n_train, sizeof *d->train);
        }
        double loss = 0;
        for (size_t lo = 0, k = 0; lo < d->n_train; k++) {
            size_t hi = lo + (d->n_train - lo < m->batch ? d->n_train - lo : m->batch);
            if (m->by_length)
                hi = lb.batch_end[k];
            loss += m->step(m->ctx, train_items, ex + lo, hi - lo, epoch);
            sbr_fit_report(opts, "batch", hi, d->n_train, NAN, NAN);
            lo = hi;
        }
        double mrr = NAN, hr = NAN;
        if (on != NULL) {
            select_scores(m, d, z, rr, &mrr, &hr);
            double score = m->select_hr ? hr : mrr;
            if (score > best) {
                best = score;
                since_best = 0;
                memcpy(best_p, m->params, m->n_params * sizeof *best_p);
            } else {
                since_best++;
            }
        }
        sbr_fit_report_epoch(opts, (uint64_t)epoch + 1, (uint64_t)m->epochs,
                             loss / (double)d->n_train, mrr, hr, on, d->n_train);
        if (on != NULL && since_best >= m->patience)
            break;
    }
    if (on != NULL && best >= 0)
        memcpy(m->params, best_p, m->n_params * sizeof *m->params);
    length_batcher_fini(&lb);
    free(best_p);
    free(rr);
    return SBR_OK;
}

void sbr_seq_adam_step(sbr_nn_adam *a, double lr, double l2, float *w, float *m, float *v, float *g,
                       size_t n)
{
    a->lr = lr;
    double lr_t = sbr_nn_adam_next(a);
    /* eps added to sqrt(v) / sqrt(1 - b2^t) is TF's form with eps sqrt(1 - b2^t). */
    sbr_nn_adam b = *a;
    b.eps = a->eps * sqrt(1 - pow(a->beta2, (double)a->t));
    float decay = (float)l2;
    enum { BLOCK = 65536 };
    long n_blocks = (long)((n + BLOCK - 1) / BLOCK);
#pragma omp parallel for schedule(static) default(none)                                            \
    shared(b, lr_t, decay, w, m, v, g, n, n_blocks)
    for (long k = 0; k < n_blocks; k++) {
        size_t lo = (size_t)k * BLOCK, cnt = n - lo < BLOCK ? n - lo : BLOCK;
        if (decay != 0)
            for (size_t i = lo; i < lo + cnt; i++)
                g[i] += decay * w[i];
        sbr_nn_adam_dense(&b, lr_t, w + lo, m + lo, v + lo, g + lo, cnt);
    }
}

void sbr_seq_predict_batch(const sbr_model *model, void *scratch, sbr_seq_pred *pr, size_t cap,
                           size_t d, const float *e_rows, size_t ni,
                           sbr_seq_session_fn session_vector, const sbr_query *q, size_t m,
                           sbr_scored *out, size_t *n_out)
{
    size_t live = 0;
    for (size_t j = 0; j < m; j++) {
        n_out[j] = 0;
        size_t len = sbr_seq_query_items(&q[j], ni, cap, pr->items);
        if (len == 0)
            continue;
        session_vector(model, scratch, pr->items, len, pr->out + live * d);
        pr->rows[live++] = j;
    }
    sbr_nn_top_softmax_rows(pr->out, live, pr->rows, e_rows, NULL, ni, d, pr->z, pr->e, q[0].n, out,
                            n_out);
}

sbr_rc sbr_seq_bufs_init(sbr_seq_bufs *b, size_t n_params, float *grad, bool adam, size_t batch,
                         size_t d, size_t n_items)
{
    memset(b, 0, sizeof *b);
    b->own_g = grad == NULL;
    b->g = grad != NULL ? grad : calloc(n_params, sizeof *b->g);
    if (adam) {
        b->m = calloc(n_params, sizeof *b->m);
        b->v = calloc(n_params, sizeof *b->v);
    }
    b->h = sbr_alloc_array(batch * d, sizeof *b->h);
    b->gh = sbr_alloc_array(batch * d, sizeof *b->gh);
    b->z = sbr_alloc_array(batch * n_items, sizeof *b->z);
    b->row_loss = sbr_alloc_array(batch, sizeof *b->row_loss);
    b->targets = sbr_alloc_array(batch, sizeof *b->targets);
    bool ok =
        b->g && (!adam || (b->m && b->v)) && b->h && b->gh && b->z && b->row_loss && b->targets;
    return ok ? SBR_OK : SBR_ENOMEM;
}

void sbr_seq_bufs_fini(sbr_seq_bufs *b)
{
    if (b->own_g)
        free(b->g);
    free(b->m);
    free(b->v);
    free(b->h);
    free(b->gh);
    free(b->z);
    free(b->row_loss);
    free(b->targets);
    memset(b, 0, sizeof *b);
}

double sbr_seq_output(sbr_seq_bufs *b, const sbr_seq_example *ex, size_t n, size_t d,
                      const float *e, size_t n_items, float *ge)
{
    for (size_t k = 0; k < n; k++)
        b->targets[k] = ex[k].target;
    return sbr_nn_output_xent(b->h, n, d, e, n_items, b->targets, 1.0f / (float)n, b->z,
                              b->row_loss, b->gh, ge);
}

sbr_seq_example *sbr_seq_examples(const size_t *starts, const uint32_t *lens,
                                  const uint32_t *targets, size_t n, size_t *clicks)
{
    sbr_seq_example *ex = sbr_alloc_array(n + 1, sizeof *ex);
    *clicks = 0;
    for (size_t e = 0; ex != NULL && e < n; e++) {
        ex[e] = (sbr_seq_example){starts[e], lens[e], targets[e]};
        *clicks += lens[e];
    }
    return ex;
}

/* The floats (and uint32 items, of the same size) of a prediction's allocation. */
static size_t pred_floats(size_t cap, size_t n_items, size_t d)
{
    return cap + (SBR_PREDICT_BATCH + 1) * n_items + SBR_PREDICT_BATCH * d;
}

size_t sbr_seq_pred_bytes(size_t cap, size_t n_items, size_t d)
{
    return pred_floats(cap, n_items, d) * sizeof(float);
}

bool sbr_seq_pred_init(sbr_seq_pred *p, size_t cap, size_t n_items, size_t d)
{
    p->items = sbr_alloc_array(pred_floats(cap, n_items, d), sizeof(float));
    if (p->items == NULL)
        return false;
    p->z = (float *)(void *)(p->items + cap);
    p->e = p->z + SBR_PREDICT_BATCH * n_items;
    p->out = p->e + n_items;
    return true;
}

void sbr_seq_pred_fini(sbr_seq_pred *p)
{
    free(p->items);
    memset(p, 0, sizeof *p);
}

size_t sbr_seq_query_items(const sbr_query *q, size_t n_items, size_t cap, uint32_t *items)
{
    size_t len = 0;
    for (size_t k = q->len; k-- > 0 && len < cap;)
        if (q->items[k] < n_items)
            len++;
    for (size_t k = q->len, i = len; k-- > 0 && i > 0;)
        if (q->items[k] < n_items)
            items[--i] = q->items[k];
    return len;
}

void sbr_seq_save(sbr_model_writer *w, size_t n_items, size_t cap, const float *p, size_t n)
{
    sbr_mw_u64(w, n_items);
    sbr_mw_u64(w, cap);
    sbr_mw_array(w, p, n, sizeof *p);
}

sbr_rc sbr_seq_load_sizes(sbr_model_reader *r, size_t *n_items, size_t *cap, size_t min_cap,
                          sbr_err *err)
{
    sbr_rc rc = sbr_mr_size(r, n_items, 1, (UINT32_MAX - 1) / 1024, err);
    return rc == SBR_OK ? sbr_mr_size(r, cap, min_cap, (size_t)1 << 24, err) : rc;
}
