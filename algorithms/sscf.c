/* sscf: session-based collaborative filtering (Park et al. 2011).
 *
 * Every session is a vector of play counts over the item space, r_v(i) = clicks of i in v, with
 * mean rbar_v = clicks of v / n_items taken over the full item space. For the current session
 * s (its known clicks; unknown items are skipped):
 *
 *   sim(s, v) = r_s . r_v / (|r_s| |r_v|)                       (cosine of the count vectors)
 *   N         = the k training sessions with the largest sim among those with sim > 0
 *   P(i)      = rbar_s + sum_{v in N} sim(s, v) (r_v(i) - rbar_v) / sum_{v in N} |sim(s, v)|
 *
 * Which items are ranked, and the reported score. P(i) splits into a part common to every item
 * and a part that depends on i:
 *
 *   P(i) = base + score(i),  base = rbar_s - sum_v sim rbar_v / sum_v |sim|,
 *                            score(i) = sum_v sim r_v(i) / sum_v |sim|.
 *
 * Ranking by P is therefore ranking by score, and score(i) > 0 exactly for the items some
 * neighbour clicked; every other item has P(i) = base, the smallest value P takes, all tied.
 * predict reports score(i) (P shifted by the constant base), so the listed items are the
 * neighbours' items ranked exactly as P ranks them, and the unlisted ones are the tied rest.
 * (Listing P itself and dropping its non-positive values, as the interface asks, would lose
 * neighbour items whose P is negative although they rank above all unlisted items.) Items of
 * the current session are ranked like any other. Mean-centring thus changes no ranking; it
 * only moves the predicted rating.
 *
 * Tie rules: neighbours are sim descending, then the session's last click time descending,
 * then session index (SessionId order) descending, the rule of the other session-kNN models;
 * items follow the ranking rule of algo.h. Neighbours are added in their ranked order.
 *
 * Index: the family's session index (session_index.h), sessions numbered by recency; its
 * item -> (session, count) lists find exactly the sessions with sim > 0, and each session
 * keeps its distinct items with counts, plus |r_v| here. Dot products of counts are sums of
 * integers, exact in double. */
#include "algorithms/sscf.h"

#include <math.h>
#include <stdlib.h>

#include "algorithms/knn_scratch.h"
#include "algorithms/model_file.h"
#include "algorithms/session_index.h"

static const sbr_param_spec sscf_params[] = {{"k", SBR_P_INT, offsetof(sscf_config, k), 100, 1, 1e9,
                                              NULL, "most similar training sessions used"},
                                             {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct sscf_model {
    sbr_model base;
    long k;
    sbr_session_index *ix; /* with pair_count and item_count */
    double *norm;          /* [n_sessions] |r_v| */
} sscf_model;

static void sscf_free(sbr_model *model)
{
    if (model == NULL)
        return;
    sscf_model *m = (sscf_model *)model;
    sbr_session_index_free(m->ix);
    free(m->norm);
    free(m);
}

static size_t sscf_bytes(const sbr_model *model)
{
    const sscf_model *m = (const sscf_model *)model;
    return sizeof *m + sbr_session_index_bytes(m->ix) + m->ix->n_sessions * sizeof *m->norm;
}

static sbr_rc sscf_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                       sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    *out = NULL;
    const sscf_config *cfg = config;
    sscf_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "sscf: out of memory");
    m->base.algo = &sbr_algo_sscf;
    m->k = cfg->k;
    sbr_session_index_opts opts = {.pair_stats = true, .list_counts = true};
    sbr_rc rc = sbr_session_index_build(train, &opts, "sscf", &m->ix, err);
    if (rc != SBR_OK) {
        free(m);
        return rc;
    }
    const sbr_session_index *ix = m->ix;
    m->norm = sbr_alloc_array(ix->n_sessions + 1, sizeof *m->norm);
    if (m->norm == NULL) {
        sscf_free(&m->base);
        return sbr_err_set(err, SBR_ENOMEM, "sscf: out of memory");
    }
    for (size_t r = 0; r < ix->n_sessions; r++) {
        double sq = 0;
        for (size_t e = ix->sess_off[r]; e < ix->sess_off[r + 1]; e++)
            sq += (double)ix->pair_count[e] * (double)ix->pair_count[e];
        m->norm[r] = sqrt(sq);
    }
    *out = &m->base;
    return SBR_OK;
}

/* Per-thread state. base: in_q marks the session's items, q_items lists them in first-click
 * order; sess holds r_s . r_v per session sharing an item (its list: those sessions); score
 * holds sum_v sim r_v(i). */
typedef struct sscf_scratch {
    sbr_knn_scratch base;
    uint32_t *q_cnt; /* [n_items] r_s(i) */
} sscf_scratch;

static void sscf_scratch_free(void *p)
{
    sscf_scratch *w = p;
    if (w == NULL)
        return;
    sbr_knn_scratch_fini(&w->base);
    free(w->q_cnt);
    free(w);
}

static void *sscf_scratch_new(const sbr_model *model)
{
    const sscf_model *m = (const sscf_model *)model;
    sscf_scratch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    size_t ns = m->ix->n_sessions, ni = m->ix->n_items;
    if (!sbr_knn_scratch_init(&w->base, ni, ns, (size_t)m->k, true) ||
        (w->q_cnt = sbr_alloc_hot(ni + 1, sizeof *w->q_cnt)) == NULL) {
        sscf_scratch_free(w);
        return NULL;
    }
    return w;
}

static sbr_rc sscf_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const sscf_model *m = (const sscf_model *)model;
    const sbr_session_index *ix = m->ix;
    sscf_scratch *w = scratch;
    *n_out = 0;
    const uint32_t gen = sbr_knn_scratch_begin(&w->base);
    const uint32_t *q_items = w->base.q_items;
    size_t n_known;
    size_t n_q = sbr_knn_scratch_query(&w->base, gen, q, ix->n_items, &n_known);
    if (n_q == 0)
        return SBR_OK;
    for (size_t a = 0; a < n_q; a++)
        w->q_cnt[q_items[a]] = 0;
    for (size_t t = 0; t < q->len; t++)
        if (q->items[t] < ix->n_items)
            w->q_cnt[q->items[t]]++;
    double sq = 0;
    for (size_t a = 0; a < n_q; a++)
        sq += (double)w->q_cnt[q_items[a]] * (double)w->q_cnt[q_items[a]];
    const double q_norm = sqrt(sq);
    sbr_knn_acc *dot = &w->base.sess;
    for (size_t a = 0; a < n_q; a++) {
        uint32_t i = q_items[a];
        double ci = (double)w->q_cnt[i];
        for (size_t e = ix->item_off[i]; e < ix->item_off[i + 1]; e++)
            sbr_knn_acc_add(dot, gen, ix->item_sess[e].s, ci * (double)ix->item_count[e]);
    }
    sbr_knn_nbr *nbr = w->base.nbr;
    size_t n_nb = 0;
    for (size_t c = 0; c < dot->n_list; c++) {
        uint32_t r = dot->list[c];
        double sim = dot->slot[r].val / (q_norm * m->norm[r]);
        if (sim > 0)
            sbr_knn_nbr_push(nbr, &n_nb, w->base.nbr_cap, (sbr_knn_nbr){sim, r, r, 0});
    }
    sbr_knn_nbr_sort(nbr, n_nb);
    double sim_sum = 0;
    sbr_knn_acc *acc = &w->base.score;
    for (size_t b = 0; b < n_nb; b++) {
        uint32_t r = nbr[b].s;
        double sim = nbr[b].sim;
        sim_sum += sim;
        for (size_t e = ix->sess_off[r]; e < ix->sess_off[r + 1]; e++)
            sbr_knn_acc_add(acc, gen, ix->sess_items[e], sim * (double)ix->pair_count[e]);
    }
    *n_out = sbr_knn_acc_top(acc, sim_sum, out, q->n);
    return SBR_OK;
}

static size_t sscf_scratch_bytes(const sbr_model *model)
{
    const sscf_model *m = (const sscf_model *)model;
    size_t ns = m->ix->n_sessions, ni = m->ix->n_items;
    return sizeof(sscf_scratch) + sbr_knn_scratch_bytes(ni, ns, (size_t)m->k, true) +
           (ni + 1) * sizeof(uint32_t);
}

static sbr_rc sscf_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const sscf_model *m = (const sscf_model *)model;
    sbr_session_index_save(m->ix, w);
    sbr_mw_array(w, m->norm, m->ix->n_sessions, sizeof *m->norm);
    return SBR_OK;
}

static sbr_rc sscf_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    sscf_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "sscf: out of memory");
    m->base.algo = &sbr_algo_sscf;
    m->k = ((const sscf_config *)config)->k;
    sbr_rc rc = sbr_session_index_load(r, &m->ix, err);
    if (rc == SBR_OK && (m->ix->pair_count == NULL || m->ix->item_count == NULL))
        rc = sbr_err_set(err, SBR_EPARSE, "sscf: the model's index lacks its click counts");
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&m->norm, m->ix->n_sessions, sizeof *m->norm, err);
    if (rc != SBR_OK) {
        sscf_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_sscf = {
    .abi = SBR_ALGO_ABI,
    .name = "sscf",
    .help = "session-based CF: cosine of play-count vectors, k nearest sessions (Park et al. "
            "2011)",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = sscf_params,
    .config_size = sizeof(sscf_config),
    .tune_space = "k=choice:20|50|100|200|500|1000",
    .fit = sscf_fit,
    .model_bytes = sscf_bytes,
    .scratch_bytes = sscf_scratch_bytes,
    .scratch_new = sscf_scratch_new,
    .scratch_free = sscf_scratch_free,
    .predict = sscf_predict,
    .save = sscf_save,
    .load = sscf_load,
    .free = sscf_free,
};
