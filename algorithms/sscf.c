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
 * Index: sessions renumbered by recency; item -> (session, count) postings (CSR) find exactly
 * the sessions with sim > 0, and each session keeps its distinct items with counts and |r_v|.
 * Dot products of counts are sums of integers, exact in double. */
#include "algorithms/sscf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const sbr_param_spec sscf_params[] = {{"k", SBR_P_INT, offsetof(sscf_config, k), 100, 1, 1e9,
                                              NULL, "most similar training sessions used"},
                                             {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct sscf_model {
    sbr_model base;
    long k;
    size_t n_sessions, n_items, n_distinct;
    double *norm;     /* [n_sessions] by recency rank: |r_v| */
    size_t *d_off;    /* [n_sessions + 1] distinct items of rank r: d_off[r]..d_off[r+1]-1 */
    uint32_t *d_item; /* the distinct items */
    uint32_t *d_cnt;  /* their click counts in the session */
    size_t *p_off;    /* [n_items + 1] sessions of item i: p_off[i]..p_off[i+1]-1 */
    uint32_t *p_sess; /* their recency ranks, ascending */
    uint32_t *p_cnt;  /* the item's click count in each */
} sscf_model;

static void sscf_free(sbr_model *model)
{
    if (model == NULL)
        return;
    sscf_model *m = (sscf_model *)model;
    free(m->norm);
    free(m->d_off);
    free(m->d_item);
    free(m->d_cnt);
    free(m->p_off);
    free(m->p_sess);
    free(m->p_cnt);
    free(m);
}

static size_t sscf_bytes(const sbr_model *model)
{
    const sscf_model *m = (const sscf_model *)model;
    return sizeof *m + m->n_sessions * sizeof *m->norm + (m->n_sessions + 1) * sizeof *m->d_off +
           m->n_distinct * 4 * sizeof(uint32_t) + (m->n_items + 1) * sizeof *m->p_off;
}

/* A session and its end time, for the recency order. */
typedef struct by_end {
    double end;
    uint32_t s;
} by_end;

/* Most recent first: end time descending, then session index descending. */
static int by_end_cmp(const void *a, const void *b)
{
    const by_end *x = a, *y = b;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return (x->s < y->s) - (x->s > y->s);
}

static sbr_rc sscf_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const sscf_config *cfg = config;
    if (cfg->k < 1)
        return sbr_err_set(err, SBR_EINVAL, "sscf: k=%ld must be at least 1", cfg->k);
    size_t ns = train->n_sessions, ni = train->n_items;
    if (ns >= UINT32_MAX || ni >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "sscf: too many sessions (%zu) or items (%zu)", ns, ni);
    sscf_model *m = calloc(1, sizeof *m);
    by_end *order = sbr_alloc_array(ns, sizeof *order);
    uint32_t *stamp = calloc(ni + 1, sizeof *stamp);
    size_t *where = sbr_alloc_array(ni, sizeof *where);
    if (m == NULL || order == NULL || stamp == NULL || where == NULL)
        goto oom;
    m->base.algo = &sbr_algo_sscf;
    m->k = cfg->k;
    m->n_sessions = ns;
    m->n_items = ni;
    m->norm = sbr_alloc_array(ns, sizeof *m->norm);
    m->d_off = calloc(ns + 1, sizeof *m->d_off);
    m->d_item = sbr_alloc_array(train->n_clicks, sizeof *m->d_item);
    m->d_cnt = sbr_alloc_array(train->n_clicks, sizeof *m->d_cnt);
    m->p_off = calloc(ni + 1, sizeof *m->p_off);
    if (!m->norm || !m->d_off || !m->d_item || !m->d_cnt || !m->p_off)
        goto oom;
    for (size_t s = 0; s < ns; s++) {
        if (sbr_dataset_session_len(train, s) >= UINT32_MAX) {
            free(order);
            free(stamp);
            free(where);
            sscf_free(&m->base);
            return sbr_err_set(err, SBR_EINVAL, "sscf: session %zu is too long", s);
        }
        order[s] = (by_end){sbr_dataset_session_end(train, s), (uint32_t)s};
    }
    qsort(order, ns, sizeof *order, by_end_cmp);
    size_t n_d = 0;
    for (size_t r = 0; r < ns; r++) {
        size_t s = order[r].s;
        for (size_t c = train->offsets[s]; c < train->offsets[s + 1]; c++) {
            uint32_t i = train->items[c];
            if (stamp[i] != (uint32_t)(r + 1)) {
                stamp[i] = (uint32_t)(r + 1);
                where[i] = n_d;
                m->d_item[n_d] = i;
                m->d_cnt[n_d++] = 0;
                m->p_off[i + 1]++;
            }
            m->d_cnt[where[i]]++;
        }
        m->d_off[r + 1] = n_d;
        double sq = 0;
        for (size_t e = m->d_off[r]; e < n_d; e++)
            sq += (double)m->d_cnt[e] * (double)m->d_cnt[e];
        m->norm[r] = sqrt(sq);
    }
    m->n_distinct = n_d;
    if (n_d > 0) { /* give back the room of repeated clicks; keeping it on failure is harmless */
        (void)sbr_grow_array(&m->d_item, n_d, sizeof *m->d_item);
        (void)sbr_grow_array(&m->d_cnt, n_d, sizeof *m->d_cnt);
    }
    for (size_t i = 0; i < ni; i++) {
        m->p_off[i + 1] += m->p_off[i];
        where[i] = m->p_off[i];
    }
    m->p_sess = sbr_alloc_array(n_d, sizeof *m->p_sess);
    m->p_cnt = sbr_alloc_array(n_d, sizeof *m->p_cnt);
    if (m->p_sess == NULL || m->p_cnt == NULL)
        goto oom;
    for (size_t r = 0; r < ns; r++) {
        for (size_t e = m->d_off[r]; e < m->d_off[r + 1]; e++) {
            size_t at = where[m->d_item[e]]++;
            m->p_sess[at] = (uint32_t)r;
            m->p_cnt[at] = m->d_cnt[e];
        }
    }
    free(order);
    free(stamp);
    free(where);
    *out = &m->base;
    return SBR_OK;
oom:
    free(order);
    free(stamp);
    free(where);
    sscf_free(m ? &m->base : NULL);
    return sbr_err_set(err, SBR_ENOMEM, "sscf: out of memory");
}

/* Per-thread state. Session entries are valid where s_stamp equals gen, item entries where
 * q_stamp (session items) or sc_stamp (scored items) does. */
typedef struct sscf_scratch {
    uint32_t gen;
    uint32_t *s_stamp;  /* [n_sessions] */
    double *dot;        /* [n_sessions] r_s . r_v */
    uint32_t *rel;      /* [n_sessions] sessions with sim > 0 */
    uint32_t *q_stamp;  /* [n_items] */
    uint32_t *q_cnt;    /* [n_items] r_s(i) */
    uint32_t *q_items;  /* [n_items] distinct session items, first click order */
    uint32_t *sc_stamp; /* [n_items] */
    double *acc;        /* [n_items] sum_v sim r_v(i) */
    uint32_t *touched;  /* [n_items] */
    sbr_scored *nb;     /* [nb_cap] neighbours: item = rank, score = sim */
    size_t nb_cap;
} sscf_scratch;

static void sscf_scratch_free(void *p)
{
    sscf_scratch *w = p;
    if (w == NULL)
        return;
    free(w->s_stamp);
    free(w->dot);
    free(w->rel);
    free(w->q_stamp);
    free(w->q_cnt);
    free(w->q_items);
    free(w->sc_stamp);
    free(w->acc);
    free(w->touched);
    free(w->nb);
    free(w);
}

static void *sscf_scratch_new(const sbr_model *model)
{
    const sscf_model *m = (const sscf_model *)model;
    sscf_scratch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    size_t ns = m->n_sessions, ni = m->n_items;
    w->nb_cap = (size_t)m->k < ns ? (size_t)m->k : ns;
    w->s_stamp = calloc(ns + 1, sizeof *w->s_stamp);
    w->dot = sbr_alloc_array(ns, sizeof *w->dot);
    w->rel = sbr_alloc_array(ns, sizeof *w->rel);
    w->q_stamp = calloc(ni + 1, sizeof *w->q_stamp);
    w->q_cnt = sbr_alloc_array(ni, sizeof *w->q_cnt);
    w->q_items = sbr_alloc_array(ni, sizeof *w->q_items);
    w->sc_stamp = calloc(ni + 1, sizeof *w->sc_stamp);
    w->acc = sbr_alloc_array(ni, sizeof *w->acc);
    w->touched = sbr_alloc_array(ni, sizeof *w->touched);
    w->nb = sbr_alloc_array(w->nb_cap, sizeof *w->nb);
    if (!w->s_stamp || !w->dot || !w->rel || !w->q_stamp || !w->q_cnt || !w->q_items ||
        !w->sc_stamp || !w->acc || !w->touched || !w->nb) {
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
    sscf_scratch *w = scratch;
    *n_out = 0;
    if (++w->gen == 0) { /* the stamps wrapped: clear once every 2^32 calls */
        memset(w->s_stamp, 0, m->n_sessions * sizeof *w->s_stamp);
        memset(w->q_stamp, 0, m->n_items * sizeof *w->q_stamp);
        memset(w->sc_stamp, 0, m->n_items * sizeof *w->sc_stamp);
        w->gen = 1;
    }
    const uint32_t gen = w->gen;
    size_t n_q = 0;
    for (size_t t = 0; t < q->len; t++) {
        uint32_t i = q->items[t];
        if (i >= m->n_items) /* also SBR_ITEM_UNKNOWN */
            continue;
        if (w->q_stamp[i] != gen) {
            w->q_stamp[i] = gen;
            w->q_cnt[i] = 0;
            w->q_items[n_q++] = i;
        }
        w->q_cnt[i]++;
    }
    if (n_q == 0)
        return SBR_OK;
    double sq = 0;
    for (size_t a = 0; a < n_q; a++)
        sq += (double)w->q_cnt[w->q_items[a]] * (double)w->q_cnt[w->q_items[a]];
    const double q_norm = sqrt(sq);
    size_t n_rel = 0;
    for (size_t a = 0; a < n_q; a++) {
        uint32_t i = w->q_items[a];
        double ci = (double)w->q_cnt[i];
        for (size_t e = m->p_off[i]; e < m->p_off[i + 1]; e++) {
            uint32_t r = m->p_sess[e];
            if (w->s_stamp[r] != gen) {
                w->s_stamp[r] = gen;
                w->dot[r] = 0;
                w->rel[n_rel++] = r;
            }
            w->dot[r] += ci * (double)m->p_cnt[e];
        }
    }
    sbr_topn top;
    sbr_topn_init(&top, w->nb, w->nb_cap);
    for (size_t c = 0; c < n_rel; c++) {
        uint32_t r = w->rel[c];
        sbr_topn_push(&top, r, w->dot[r] / (q_norm * m->norm[r]));
    }
    size_t n_nb = sbr_topn_finish(&top, w->nb);
    double sim_sum = 0;
    size_t n_touched = 0;
    for (size_t b = 0; b < n_nb; b++) {
        uint32_t r = w->nb[b].item;
        double sim = w->nb[b].score;
        sim_sum += sim;
        for (size_t e = m->d_off[r]; e < m->d_off[r + 1]; e++) {
            uint32_t i = m->d_item[e];
            if (w->sc_stamp[i] != gen) {
                w->sc_stamp[i] = gen;
                w->acc[i] = 0;
                w->touched[n_touched++] = i;
            }
            w->acc[i] += sim * (double)m->d_cnt[e];
        }
    }
    sbr_topn_init(&top, out, q->n);
    for (size_t a = 0; a < n_touched; a++)
        sbr_topn_push(&top, w->touched[a], w->acc[w->touched[a]] / sim_sum);
    *n_out = sbr_topn_finish(&top, out);
    return SBR_OK;
}

const sbr_algo sbr_algo_sscf = {
    .abi = SBR_ALGO_ABI,
    .name = "sscf",
    .help = "session-based CF: cosine of play-count vectors, k nearest sessions (Park et al. "
            "2011)",
    .params = sscf_params,
    .config_size = sizeof(sscf_config),
    .tune_space = "k=choice:20|50|100|200|500|1000",
    .fit = sscf_fit,
    .model_bytes = sscf_bytes,
    .scratch_new = sscf_scratch_new,
    .scratch_free = sscf_scratch_free,
    .predict = sscf_predict,
    .free = sscf_free,
};
