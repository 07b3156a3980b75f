/* vstan (and stan): session-rec's VSKNN_STAN and STAN, section 2.3-2.4 of the reference.
 *
 * For the current session with known clicks x_1..x_L (oldest first; unknown items are skipped,
 * so positions count known clicks only), S = its item set, p(i) = the position of i's last
 * click, and a target event at time `now` (q->now, session-rec's `timestamp`):
 *
 *   w(i)      = exp((p(i) - L) / lambda_spw)                          for i in S
 *   sim(n)    = sum_{i in S and n} w(i) / (sqrt(sum_{i in S} w(i)^2) * sqrt(|items(n)|))
 *               * exp(-(now - end(n)) / (lambda_snh * 86400))
 *   for each of the k best neighbours n and each distinct item i of n:
 *     c       = sim(n) * exp(-|last(n, i) - star(n)| / lambda_inh)
 *     c       = c + c * idf(i) * lambda_idf                            (vstan, lambda_idf > 0)
 *     c       = c * exp((j(n) - L) / lambda_ipw)                       (vstan, lambda_ipw > 0)
 *     score(i) += c                             (an item of S is scored only when remind = 1)
 *
 * where end(n) = the time of n's last click, last(n, i) = the 1-based position of i's last
 * click in n, star(n) = the last position in n holding an item of S, j(n) = the position in
 * the current session of the last click whose item n contains, and idf(i) = ln(#training
 * sessions / #training clicks of i). Scores are not normalised. Candidates are the training
 * sessions sharing at least one item with the current session (all of its clicks count, as in
 * session-rec, whose relevant_sessions accumulates over the session); when there are more than
 * sample_size, only the sample_size most recent are kept. Every candidate is a potential
 * neighbour (no sim > 0 filter), except that a candidate whose sim underflows to 0 is left out
 * of the top k, which changes no score: it would add 0 to every item.
 *
 * Tie rules (session-rec leaves them to Python set order): "most recent" is end time
 * descending, then session index (SessionId order) descending; neighbours are sim descending,
 * then that same recency order. In session-rec the sampled candidates reach the stable
 * neighbour sort in recency order, so this matches it whenever end times differ. Items follow
 * the ranking rule of algo.h. Neighbours are added in their ranked order, so a score is a fixed
 * sum whatever the selection's internals.
 *
 * A neighbour's sequence is its clicks in the dataset's order (time, then file row). session-rec
 * keeps the file's row order, which is the same unless a session's rows are out of time order
 * in the file; end(n) is then also its largest time rather than its last row's.
 *
 * Index: the family's session index (session_index.h): sessions numbered by recency (0 = most
 * recent), each item's sessions most recent first, each session's distinct items with their
 * last positions. predict marks sessions and items with generation stamps in the shared
 * per-thread scratch (knn_scratch.h), so nothing is cleared between calls, and allocates
 * nothing. */
#include "algorithms/vstan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/knn_scratch.h"
#include "algorithms/model_file.h"
#include "algorithms/session_index.h"

static const char *const sampling_choices[] = {"recent", NULL};

static const sbr_param_spec vstan_params[] = {
    {"k", SBR_P_INT, offsetof(vstan_config, k), 100, 1, 1e9, NULL, "neighbour sessions"},
    {"sample_size", SBR_P_INT, offsetof(vstan_config, sample_size), 5000, 0, 1e9, NULL,
     "most recent candidate sessions considered (0: all)"},
    {"sampling", SBR_P_CHOICE, offsetof(vstan_config, sampling), 0, 0, 0, sampling_choices,
     "candidate sampling: the most recent (session-rec's unseeded 'random' is not offered)"},
    {"remind", SBR_P_INT, offsetof(vstan_config, remind), 1, 0, 1, NULL,
     "1: items of the current session are scored too"},
    {"lambda_spw", SBR_P_DOUBLE, offsetof(vstan_config, lambda_spw), 1.02, 1e-9, 1e9, NULL,
     "session position weight: exp((p - L) / lambda_spw)"},
    {"lambda_snh", SBR_P_DOUBLE, offsetof(vstan_config, lambda_snh), 5, 1e-9, 1e9, NULL,
     "neighbour recency, days: exp(-age / lambda_snh)"},
    {"lambda_inh", SBR_P_DOUBLE, offsetof(vstan_config, lambda_inh), 2.05, 1e-9, 1e9, NULL,
     "item neighbourhood in the neighbour: exp(-distance / lambda_inh)"},
    {"lambda_ipw", SBR_P_DOUBLE, offsetof(vstan_config, lambda_ipw), 1.02, 0, 1e9, NULL,
     "insertion position weight: exp((j - L) / lambda_ipw); 0 = off"},
    {"lambda_idf", SBR_P_DOUBLE, offsetof(vstan_config, lambda_idf), 5, 0, 1e9, NULL,
     "idf weight: c * (1 + idf * lambda_idf); 0 = off"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct vstan_model {
    sbr_model base;
    vstan_config cfg;
    sbr_session_index *ix; /* with pair_last; idf (clicks) when lambda_idf > 0 */
    double *sqrt_len;      /* [n_sessions] sqrt(number of distinct items) */
    double *inh;           /* [max_clicks] exp(-d / lambda_inh) for distance d */
    double snh_s;          /* lambda_snh in seconds */
} vstan_model;

static void vstan_free(sbr_model *model)
{
    if (model == NULL)
        return;
    vstan_model *m = (vstan_model *)model;
    sbr_session_index_free(m->ix);
    free(m->sqrt_len);
    free(m->inh);
    free(m);
}

static size_t vstan_bytes(const sbr_model *model)
{
    const vstan_model *m = (const vstan_model *)model;
    return sizeof *m + sbr_session_index_bytes(m->ix) + m->ix->n_sessions * sizeof *m->sqrt_len +
           m->ix->max_clicks * sizeof *m->inh;
}

static sbr_rc vstan_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                        sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    *out = NULL;
    const vstan_config *cfg = config; /* within the table's bounds (sbr_algo_check) */
    sbr_rc rc;
    vstan_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "vstan: out of memory");
    m->base.algo = &sbr_algo_vstan;
    m->cfg = *cfg;
    m->snh_s = cfg->lambda_snh * 86400.0;
    sbr_session_index_opts opts = {.pair_stats = true};
    rc = sbr_session_index_build(train, &opts, "vstan", &m->ix, err);
    if (rc == SBR_OK && cfg->lambda_idf > 0)
        rc = sbr_session_index_set_idf(m->ix, SBR_IDF_CLICKS, "vstan", err);
    if (rc != SBR_OK) {
        vstan_free(&m->base);
        return rc;
    }
    const sbr_session_index *ix = m->ix;
    m->sqrt_len = sbr_alloc_array(ix->n_sessions + 1, sizeof *m->sqrt_len);
    m->inh = sbr_alloc_array(ix->max_clicks + 1, sizeof *m->inh);
    if (m->sqrt_len == NULL || m->inh == NULL) {
        vstan_free(&m->base);
        return sbr_err_set(err, SBR_ENOMEM, "vstan: out of memory");
    }
    for (size_t r = 0; r < ix->n_sessions; r++)
        m->sqrt_len[r] = sqrt((double)(ix->sess_off[r + 1] - ix->sess_off[r]));
    for (size_t d = 0; d < ix->max_clicks; d++)
        m->inh[d] = exp(-(double)d / cfg->lambda_inh);
    *out = &m->base;
    return SBR_OK;
}

/* Per-thread state. base: in_q marks the session's items and q_items lists them, latest last
 * click first; sess accumulates sum w(i) per candidate session (its list: the candidates);
 * score holds the item scores. */
typedef struct vstan_scratch {
    sbr_knn_scratch base;
    size_t *jmax;   /* [n_sessions] j(n) */
    size_t *q_last; /* [n_items] p(i) */
    double *q_w;    /* [n_items] w of q_items[a] */
} vstan_scratch;

static void vstan_scratch_free(void *p)
{
    vstan_scratch *w = p;
    if (w == NULL)
        return;
    sbr_knn_scratch_fini(&w->base);
    free(w->jmax);
    free(w->q_last);
    free(w->q_w);
    free(w);
}

static void *vstan_scratch_new(const sbr_model *model)
{
    const vstan_model *m = (const vstan_model *)model;
    vstan_scratch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    size_t ns = m->ix->n_sessions, ni = m->ix->n_items;
    if (!sbr_knn_scratch_init(&w->base, ni, ns, (size_t)m->cfg.k, true)) {
        free(w);
        return NULL;
    }
    w->jmax = sbr_alloc_hot(ns + 1, sizeof *w->jmax);
    w->q_last = sbr_alloc_hot(ni + 1, sizeof *w->q_last);
    w->q_w = sbr_alloc_hot(ni + 1, sizeof *w->q_w);
    if (!w->jmax || !w->q_last || !w->q_w) {
        vstan_scratch_free(w);
        return NULL;
    }
    return w;
}

static void swap_u32(uint32_t *a, size_t i, size_t j)
{
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Reorders the n distinct values a[0..n) so that a[0..m) hold the m smallest (0 < m < n), in
 * no particular order: a quickselect with a median-of-three pivot, which falls back to sorting
 * the remaining range (a heapsort, which allocates nothing) after 64 rounds so that the worst
 * case stays O(n log n). */
static void select_smallest(uint32_t *a, size_t n, size_t m)
{
    size_t lo = 0, hi = n; /* a[0..lo) < a[lo..hi) < a[hi..n), lo <= m <= hi */
    for (int round = 0; lo < m && m < hi; round++) {
        if (round == 64) {
            sbr_knn_sort_u32(a + lo, hi - lo);
            return;
        }
        size_t mid = lo + (hi - lo) / 2, last = hi - 1;
        /* Order a[lo], a[mid], a[last]; the median lands in a[mid]. */
        if (a[mid] < a[lo])
            swap_u32(a, mid, lo);
        if (a[last] < a[lo])
            swap_u32(a, last, lo);
        if (a[last] < a[mid])
            swap_u32(a, last, mid);
        swap_u32(a, mid, last);
        uint32_t pivot = a[last];
        size_t i = lo;
        for (size_t j = lo; j < last; j++)
            if (a[j] < pivot)
                swap_u32(a, i++, j);
        swap_u32(a, i, last);
        if (m > i)
            lo = i + 1;
        else
            hi = i;
    }
}

static sbr_rc vstan_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                            sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const vstan_model *m = (const vstan_model *)model;
    const vstan_config *cfg = &m->cfg;
    const sbr_session_index *ix = m->ix;
    vstan_scratch *w = scratch;
    *n_out = 0;
    const uint32_t gen = sbr_knn_scratch_begin(&w->base);
    uint32_t *q_stamp = w->base.in_q, *q_items = w->base.q_items;
    size_t L = 0;
    for (size_t t = 0; t < q->len; t++)
        if (q->items[t] < ix->n_items)
            L++;
    if (L == 0)
        return SBR_OK;
    /* Distinct items newest last click first, with p(i) and w(i). */
    size_t n_q = 0, p = L;
    for (size_t t = q->len; t-- > 0;) {
        uint32_t i = q->items[t];
        if (i >= ix->n_items) /* also SBR_ITEM_UNKNOWN */
            continue;
        if (q_stamp[i] != gen) {
            q_stamp[i] = gen;
            w->q_last[i] = p;
            q_items[n_q++] = i;
        }
        p--;
    }
    double norm2 = 0;
    for (size_t a = 0; a < n_q; a++) {
        double wi = exp(((double)w->q_last[q_items[a]] - (double)L) / cfg->lambda_spw);
        w->q_w[a] = wi;
        norm2 += wi * wi;
    }
    const double norm = sqrt(norm2);
    /* Candidates: every session holding a session item, with sum w and j(n). The first item
     * to reach a session has the latest last click, so it gives j(n). */
    sbr_knn_acc *rel = &w->base.sess;
    for (size_t a = 0; a < n_q; a++) {
        uint32_t i = q_items[a];
        double wi = w->q_w[a];
        for (size_t e = ix->item_off[i]; e < ix->item_off[i + 1]; e++) {
            uint32_t r = ix->item_sess[e].s;
            if (sbr_knn_acc_touch(rel, gen, r))
                w->jmax[r] = w->q_last[i];
            rel->slot[r].val += wi;
        }
    }
    size_t n_cand = rel->n_list;
    if (cfg->sample_size > 0 && n_cand > (size_t)cfg->sample_size) {
        n_cand = (size_t)cfg->sample_size;
        select_smallest(rel->list, rel->n_list, n_cand); /* smallest number = most recent */
    }
    /* The k best by sim, then recency (the smaller session number). */
    sbr_knn_nbr *nbr = w->base.nbr;
    size_t n_nb = 0;
    for (size_t c = 0; c < n_cand; c++) {
        uint32_t r = rel->list[c];
        double sim = rel->slot[r].val / (norm * m->sqrt_len[r]) *
                     exp(-(q->now - ix->sess_time[r]) / m->snh_s);
        if (sim > 0)
            sbr_knn_nbr_push(nbr, &n_nb, w->base.nbr_cap, (sbr_knn_nbr){sim, r, r, 0});
    }
    sbr_knn_nbr_sort(nbr, n_nb);
    sbr_knn_acc *score = &w->base.score;
    for (size_t b = 0; b < n_nb; b++) {
        uint32_t r = nbr[b].s;
        double sim = nbr[b].sim;
        size_t lo = ix->sess_off[r], hi = ix->sess_off[r + 1];
        uint32_t star = 0;
        for (size_t e = lo; e < hi; e++)
            if (q_stamp[ix->sess_items[e]] == gen && ix->pair_last[e] > star)
                star = ix->pair_last[e];
        double ipw = 1;
        if (cfg->lambda_ipw > 0)
            ipw = exp(((double)w->jmax[r] - (double)L) / cfg->lambda_ipw);
        for (size_t e = lo; e < hi; e++) {
            uint32_t i = ix->sess_items[e];
            if (!cfg->remind && q_stamp[i] == gen)
                continue;
            uint32_t pos = ix->pair_last[e];
            uint32_t d = pos > star ? pos - star : star - pos;
            double c = sim * m->inh[d];
            if (ix->idf != NULL)
                c = c + c * ix->idf[i] * cfg->lambda_idf;
            if (cfg->lambda_ipw > 0)
                c *= ipw;
            sbr_knn_acc_add(score, gen, i, c);
        }
    }
    *n_out = sbr_knn_acc_top(score, 1.0, out, q->n);
    return SBR_OK;
}

static size_t vstan_scratch_bytes(const sbr_model *model)
{
    const vstan_model *m = (const vstan_model *)model;
    size_t ns = m->ix->n_sessions, ni = m->ix->n_items;
    return sizeof(vstan_scratch) + sbr_knn_scratch_bytes(ni, ns, (size_t)m->cfg.k, true) +
           (ns + 1) * sizeof(size_t) + (ni + 1) * (sizeof(size_t) + sizeof(double));
}

/* The index and the two derived tables, bit for bit. */
static sbr_rc vstan_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const vstan_model *m = (const vstan_model *)model;
    sbr_session_index_save(m->ix, w);
    sbr_mw_array(w, m->sqrt_len, m->ix->n_sessions, sizeof *m->sqrt_len);
    sbr_mw_array(w, m->inh, m->ix->max_clicks, sizeof *m->inh);
    return SBR_OK;
}

static sbr_rc vstan_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const vstan_config *cfg = config;
    vstan_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "vstan: out of memory");
    m->base.algo = sbr_mr_algo(r); /* vstan, or stan (which loads through here) */
    m->cfg = *cfg;
    m->snh_s = cfg->lambda_snh * 86400.0;
    sbr_rc rc = sbr_session_index_load(r, &m->ix, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&m->sqrt_len, m->ix->n_sessions, sizeof *m->sqrt_len, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&m->inh, m->ix->max_clicks, sizeof *m->inh, err);
    if (rc == SBR_OK && (cfg->lambda_idf > 0) != (m->ix->idf != NULL))
        rc = sbr_err_set(err, SBR_EPARSE, "vstan: the model's idf does not match lambda_idf");
    if (rc != SBR_OK) {
        vstan_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_vstan = {
    .abi = SBR_ALGO_ABI,
    .name = "vstan",
    .help = "VSTAN: STAN plus insertion-position and idf weights (session-rec VSKNN_STAN; "
            "always cosine)",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = vstan_params,
    .config_size = sizeof(vstan_config),
    .tune_space = "k=choice:100|200|500|1000|1500|2000; sample_size=choice:1000|2500|5000|10000; "
                  "lambda_spw=log:0.00001:20; lambda_snh=choice:2.5|5|10|20|40|80|100; "
                  "lambda_inh=log:0.00001:20; lambda_ipw=log:0.00001:20; "
                  "lambda_idf=choice:0|1|2|5|10",
    .fit = vstan_fit,
    .model_bytes = vstan_bytes,
    .scratch_bytes = vstan_scratch_bytes,
    .scratch_new = vstan_scratch_new,
    .scratch_free = vstan_scratch_free,
    .predict = vstan_predict,
    .save = vstan_save,
    .load = vstan_load,
    .free = vstan_free,
};
