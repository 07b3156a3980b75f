/* iknn: session-rec's ItemKNN(n_sims = 100, lmbd = 20, alpha = 0.5).
 *
 *   supp(i)   = training clicks of item i
 *   cooc(i,j) = sum over training sessions s containing j of clicks(i, s)   (i != j: every
 *               click of i adds 1 for each distinct item of its session)
 *   cooc(i,i) = 0
 *   s(i,j)    = cooc(i,j) / ((supp(i) + lmbd)^alpha * (supp(j) + lmbd)^(1 - alpha))
 *
 * Each item keeps its n_sims most similar items (ties at the cut: item index ascending, the
 * ranking rule; session-rec's numpy argsort leaves them unspecified), stored in ranking order,
 * and a prediction is the list of the session's last known item: score(j) = s(last, j).
 * Unknown items are skipped, so the last known item is used; a session without one gets an
 * empty list.
 *
 * session-rec's ItemKNN cannot run through its own evaluator (its fit(self, data) is called as
 * fit(train, test): a TypeError, section 2.8 of the reference), so this implements the evident
 * intent of its fit and predict_next. Its fit adds 1 to the co-occurrence row with numpy fancy
 * indexing, `iarray[items_of_session] += 1`, which adds once per distinct item however often it
 * was clicked: hence the formula above (asymmetric when sessions repeat items). */
#include "algorithms/iknn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"
#include "algorithms/session_index.h"

static const sbr_param_spec iknn_params[] = {
    {"n_sims", SBR_P_INT, offsetof(iknn_config, n_sims), 100, 1, 1e9, NULL,
     "similar items kept per item"},
    {"lmbd", SBR_P_DOUBLE, offsetof(iknn_config, lmbd), 20, 0, 1e9, NULL,
     "regularisation added to both supports"},
    {"alpha", SBR_P_DOUBLE, offsetof(iknn_config, alpha), 0.5, 0, 1, NULL,
     "(supp_i + lmbd)^alpha * (supp_j + lmbd)^(1 - alpha) normalises co-occurrences"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct iknn_model {
    sbr_model base;
    size_t n_items;
    size_t *off;     /* [n_items + 1] neighbours of i: off[i]..off[i+1]-1 */
    sbr_scored *nbr; /* similar items with s(i, j), in ranking order */
} iknn_model;

static void iknn_free(sbr_model *model)
{
    if (model == NULL)
        return;
    iknn_model *m = (iknn_model *)model;
    free(m->off);
    free(m->nbr);
    free(m);
}

static size_t iknn_bytes(const sbr_model *model)
{
    const iknn_model *m = (const iknn_model *)model;
    return sizeof *m + (m->n_items + 1) * sizeof *m->off + m->off[m->n_items] * sizeof *m->nbr;
}

static sbr_rc iknn_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                       sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    *out = NULL;
    const iknn_config *cfg = config;
    /* Per session its distinct items with their click counts, per item the sessions holding
     * it with the item's clicks there: the family's session index, for the fit only. */
    sbr_session_index *ix = NULL;
    sbr_session_index_opts opts = {.pair_stats = true, .list_counts = true};
    sbr_rc rc = sbr_session_index_build(train, &opts, "iknn", &ix, err);
    if (rc != SBR_OK)
        return rc;
    rc = SBR_ENOMEM;
    size_t ni = ix->n_items;
    size_t keep = (size_t)cfg->n_sims < ni ? (size_t)cfg->n_sims : ni;
    iknn_model *m = calloc(1, sizeof *m);
    size_t *stamp = calloc(ni + 1, sizeof *stamp);
    double *pa = sbr_alloc_array(ni + 1, sizeof *pa), *pb = sbr_alloc_array(ni + 1, sizeof *pb);
    double *cooc = calloc(ni + 1, sizeof *cooc);
    uint32_t *touched = sbr_alloc_array(ni + 1, sizeof *touched);
    sbr_scored *heap = sbr_alloc_array(keep + 1, sizeof *heap);
    if (m == NULL || !stamp || !pa || !pb || !cooc || !touched || !heap)
        goto oom;
    m->base.algo = &sbr_algo_iknn;
    m->n_items = ni;
    m->off = calloc(ni + 1, sizeof *m->off);
    size_t cap = keep * 64; /* grows by doubling: rows are often shorter than n_sims */
    m->nbr = sbr_alloc_array(cap + 1, sizeof *m->nbr);
    if (m->off == NULL || m->nbr == NULL)
        goto oom;
    for (size_t i = 0; i < ni; i++) {
        double supp = (double)ix->item_clicks[i];
        pa[i] = pow(supp + cfg->lmbd, cfg->alpha);
        pb[i] = pow(supp + cfg->lmbd, 1.0 - cfg->alpha);
    }
    /* One row at a time: cooc(i, .) over the sessions of i, then the n_sims best. Counts are
     * integers well below 2^53, so the sums are exact in double whatever their order. */
    size_t n_kept = 0;
    for (size_t i = 0; i < ni; i++) {
        size_t n_t = 0;
        for (size_t e = ix->item_off[i]; e < ix->item_off[i + 1]; e++) {
            size_t s = ix->item_sess[e].s;
            double ci = (double)ix->item_count[e];
            for (size_t f = ix->sess_off[s]; f < ix->sess_off[s + 1]; f++) {
                uint32_t j = ix->sess_items[f];
                if (j == i)
                    continue;
                if (stamp[j] != i + 1) {
                    stamp[j] = i + 1;
                    cooc[j] = 0;
                    touched[n_t++] = j;
                }
                cooc[j] += ci; /* once per distinct j, as numpy's fancy-index += 1 */
            }
        }
        if (cap - n_kept < keep) {
            cap = 2 * cap > n_kept + keep ? 2 * cap : n_kept + keep;
            if (sbr_grow_array(&m->nbr, cap, sizeof *m->nbr) != SBR_OK)
                goto oom;
        }
        sbr_topn top;
        sbr_topn_init(&top, heap, keep);
        for (size_t t = 0; t < n_t; t++) {
            uint32_t j = touched[t];
            sbr_topn_push(&top, j, cooc[j] / (pa[i] * pb[j]));
        }
        n_kept += sbr_topn_finish(&top, m->nbr + n_kept);
        m->off[i + 1] = n_kept;
    }
    if (n_kept > 0)
        (void)sbr_grow_array(&m->nbr, n_kept, sizeof *m->nbr); /* shrinking; failure is harmless */
    rc = SBR_OK;
    *out = &m->base;
    m = NULL;
oom:
    sbr_session_index_free(ix);
    free(stamp);
    free(pa);
    free(pb);
    free(cooc);
    free(touched);
    free(heap);
    iknn_free(m ? &m->base : NULL);
    if (rc != SBR_OK)
        return sbr_err_set(err, SBR_ENOMEM, "iknn: out of memory");
    return SBR_OK;
}

static void *iknn_scratch_new(const sbr_model *model)
{
    (void)model;
    return malloc(1); /* predict needs none; a real pointer keeps NULL meaning "no memory" */
}

static sbr_rc iknn_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)scratch;
    (void)err;
    const iknn_model *m = (const iknn_model *)model;
    *n_out = 0;
    size_t t = q->len;
    while (t > 0 && q->items[t - 1] >= m->n_items) /* skip SBR_ITEM_UNKNOWN */
        t--;
    if (t == 0)
        return SBR_OK;
    uint32_t last = q->items[t - 1];
    size_t begin = m->off[last], len = m->off[last + 1] - begin;
    size_t n = len < q->n ? len : q->n;
    memcpy(out, m->nbr + begin, n * sizeof *out);
    *n_out = n;
    return SBR_OK;
}

static size_t iknn_scratch_bytes(const sbr_model *model)
{
    (void)model;
    return 1;
}

/* The neighbour lists: offsets, then items and similarities as two arrays (sbr_scored has
 * padding, whose bytes would make files differ). */
static sbr_rc iknn_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    const iknn_model *m = (const iknn_model *)model;
    size_t n = m->off[m->n_items];
    uint32_t *items = sbr_alloc_array(n, sizeof *items);
    double *sims = sbr_alloc_array(n, sizeof *sims);
    if (items == NULL || sims == NULL) {
        free(items);
        free(sims);
        return sbr_err_set(err, SBR_ENOMEM, "iknn: out of memory");
    }
    for (size_t e = 0; e < n; e++) {
        items[e] = m->nbr[e].item;
        sims[e] = m->nbr[e].score;
    }
    sbr_mw_array(w, m->off, m->n_items + 1, sizeof *m->off);
    sbr_mw_array(w, items, n, sizeof *items);
    sbr_mw_array(w, sims, n, sizeof *sims);
    free(items);
    free(sims);
    return SBR_OK;
}

static sbr_rc iknn_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    (void)config;
    *out = NULL;
    iknn_model *m = calloc(1, sizeof *m);
    uint32_t *items = NULL;
    double *sims = NULL;
    size_t n_off = 0, n = 0;
    sbr_rc rc = m == NULL ? sbr_err_set(err, SBR_ENOMEM, "iknn: out of memory") : SBR_OK;
    if (rc == SBR_OK) {
        m->base.algo = &sbr_algo_iknn;
        rc = sbr_mr_array(r, (void **)&m->off, &n_off, sizeof *m->off, err);
    }
    if (rc == SBR_OK && n_off == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "iknn: model without neighbour offsets");
    if (rc == SBR_OK) {
        m->n_items = n_off - 1;
        n = m->off[m->n_items];
        for (size_t i = 0; i < m->n_items && rc == SBR_OK; i++)
            if (m->off[i] > m->off[i + 1] || m->off[0] != 0)
                rc = sbr_err_set(err, SBR_EPARSE, "iknn: neighbour offsets descend");
    }
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&items, n, sizeof *items, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&sims, n, sizeof *sims, err);
    if (rc == SBR_OK && (m->nbr = sbr_alloc_array(n, sizeof *m->nbr)) == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "iknn: out of memory");
    for (size_t e = 0; rc == SBR_OK && e < n; e++) {
        if (items[e] >= m->n_items)
            rc = sbr_err_set(err, SBR_EPARSE, "iknn: neighbour item %u of %zu", items[e],
                             m->n_items);
        else
            m->nbr[e] = (sbr_scored){items[e], sims[e]};
    }
    free(items);
    free(sims);
    if (rc != SBR_OK) {
        iknn_free(m != NULL ? &m->base : NULL);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_iknn = {
    .abi = SBR_ALGO_ABI,
    .name = "iknn",
    .help = "item-kNN: normalised co-occurrences with the last item (session-rec ItemKNN)",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = iknn_params,
    .config_size = sizeof(iknn_config),
    .tune_space = "n_sims=choice:50|100|200|500; lmbd=real:0:100; alpha=real:0:1",
    .fit = iknn_fit,
    .model_bytes = iknn_bytes,
    .scratch_bytes = iknn_scratch_bytes,
    .scratch_new = iknn_scratch_new,
    .scratch_free = free,
    .predict = iknn_predict,
    .save = iknn_save,
    .load = iknn_load,
    .free = iknn_free,
};
