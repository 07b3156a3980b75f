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
 * Index: sessions are renumbered by recency (rank 0 = most recent), each item keeps the
 * ascending ranks of the sessions holding it (CSR), and each session its distinct items with
 * their last positions. predict marks sessions and items with generation stamps in per-thread
 * scratch, so nothing is cleared between calls. */
#include "algorithms/vstan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    size_t n_sessions, n_items;
    double *end;      /* [n_sessions] by recency rank: time of the session's last click */
    double *sqrt_len; /* [n_sessions] sqrt(number of distinct items) */
    size_t *d_off;    /* [n_sessions + 1] distinct items of rank r: d_off[r]..d_off[r+1]-1 */
    uint32_t *d_item; /* the distinct items */
    uint32_t *d_pos;  /* 1-based position of the item's last click in the session */
    size_t *p_off;    /* [n_items + 1] sessions of item i: p_off[i]..p_off[i+1]-1 */
    uint32_t *p_sess; /* their recency ranks, ascending (most recent first) */
    double *idf;      /* [n_items] ln(n_sessions / clicks of i); NULL when lambda_idf == 0 */
    double *inh;      /* [max_len] exp(-d / lambda_inh) for distance d */
    size_t max_len;   /* longest training session */
    double snh_s;     /* lambda_snh in seconds */
    size_t n_distinct;
} vstan_model;

static void vstan_free(sbr_model *model)
{
    if (model == NULL)
        return;
    vstan_model *m = (vstan_model *)model;
    free(m->end);
    free(m->sqrt_len);
    free(m->d_off);
    free(m->d_item);
    free(m->d_pos);
    free(m->p_off);
    free(m->p_sess);
    free(m->idf);
    free(m->inh);
    free(m);
}

static size_t vstan_bytes(const sbr_model *model)
{
    const vstan_model *m = (const vstan_model *)model;
    return sizeof *m + m->n_sessions * 2 * sizeof(double) + (m->n_sessions + 1) * sizeof *m->d_off +
           m->n_distinct * 3 * sizeof(uint32_t) + (m->n_items + 1) * sizeof *m->p_off +
           (m->idf ? m->n_items * sizeof *m->idf : 0) + m->max_len * sizeof *m->inh;
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

static sbr_rc check_config(const vstan_config *c, sbr_err *err)
{
    if (c->k < 1)
        return sbr_err_set(err, SBR_EINVAL, "vstan: k=%ld must be at least 1", c->k);
    if (c->sample_size < 0)
        return sbr_err_set(err, SBR_EINVAL, "vstan: sample_size=%ld must not be negative",
                           c->sample_size);
    if (c->sampling != 0)
        return sbr_err_set(err, SBR_EINVAL, "vstan: sampling=%d is not a known choice",
                           c->sampling);
    if (c->remind != 0 && c->remind != 1)
        return sbr_err_set(err, SBR_EINVAL, "vstan: remind=%ld must be 0 or 1", c->remind);
    const struct {
        const char *name;
        double v;
        bool zero_ok;
    } lambdas[] = {{"lambda_spw", c->lambda_spw, false},
                   {"lambda_snh", c->lambda_snh, false},
                   {"lambda_inh", c->lambda_inh, false},
                   {"lambda_ipw", c->lambda_ipw, true},
                   {"lambda_idf", c->lambda_idf, true}};
    for (size_t i = 0; i < sizeof lambdas / sizeof lambdas[0]; i++) {
        double v = lambdas[i].v;
        if (!isfinite(v) || v < 0 || (v == 0 && !lambdas[i].zero_ok))
            return sbr_err_set(err, SBR_EINVAL, "vstan: %s=%g must be %s", lambdas[i].name, v,
                               lambdas[i].zero_ok ? "finite and >= 0" : "finite and > 0");
    }
    return SBR_OK;
}

static sbr_rc vstan_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const vstan_config *cfg = config;
    sbr_rc rc = check_config(cfg, err);
    if (rc != SBR_OK)
        return rc;
    size_t n_sessions = train->n_sessions, n_items = train->n_items;
    if (n_sessions >= UINT32_MAX || n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "vstan: too many sessions (%zu) or items (%zu)",
                           n_sessions, n_items);
    vstan_model *m = calloc(1, sizeof *m);
    by_end *order = sbr_alloc_array(n_sessions, sizeof *order);
    uint32_t *stamp = calloc(n_items + 1, sizeof *stamp);
    size_t *clicks = calloc(n_items + 1, sizeof *clicks);
    if (m == NULL || order == NULL || stamp == NULL || clicks == NULL)
        goto oom;
    m->base.algo = &sbr_algo_vstan;
    m->cfg = *cfg;
    m->n_sessions = n_sessions;
    m->n_items = n_items;
    m->snh_s = cfg->lambda_snh * 86400.0;
    m->end = sbr_alloc_array(n_sessions, sizeof *m->end);
    m->sqrt_len = sbr_alloc_array(n_sessions, sizeof *m->sqrt_len);
    m->d_off = calloc(n_sessions + 1, sizeof *m->d_off);
    m->d_item = sbr_alloc_array(train->n_clicks, sizeof *m->d_item);
    m->d_pos = sbr_alloc_array(train->n_clicks, sizeof *m->d_pos);
    m->p_off = calloc(n_items + 1, sizeof *m->p_off);
    if (!m->end || !m->sqrt_len || !m->d_off || !m->d_item || !m->d_pos || !m->p_off)
        goto oom;
    for (size_t s = 0; s < n_sessions; s++) {
        order[s] = (by_end){sbr_dataset_session_end(train, s), (uint32_t)s};
        size_t len = sbr_dataset_session_len(train, s);
        if (len > m->max_len)
            m->max_len = len;
    }
    if (m->max_len >= UINT32_MAX) {
        vstan_free(&m->base);
        free(order);
        free(stamp);
        free(clicks);
        return sbr_err_set(err, SBR_EINVAL, "vstan: a session of %zu clicks is too long",
                           m->max_len);
    }
    qsort(order, n_sessions, sizeof *order, by_end_cmp);
    /* Distinct items with their last positions, walking each session from its end; stamp r + 1
     * marks the items already met in rank r. */
    size_t n_d = 0;
    for (size_t r = 0; r < n_sessions; r++) {
        size_t s = order[r].s, begin = train->offsets[s], len = sbr_dataset_session_len(train, s);
        m->end[r] = order[r].end;
        for (size_t t = len; t-- > 0;) {
            uint32_t i = train->items[begin + t];
            clicks[i]++;
            if (stamp[i] == (uint32_t)(r + 1))
                continue;
            stamp[i] = (uint32_t)(r + 1);
            m->d_item[n_d] = i;
            m->d_pos[n_d++] = (uint32_t)(t + 1);
            m->p_off[i + 1]++;
        }
        m->d_off[r + 1] = n_d;
        m->sqrt_len[r] = sqrt((double)(n_d - m->d_off[r]));
    }
    m->n_distinct = n_d;
    if (n_d > 0) { /* give back the room of repeated clicks; keeping it on failure is harmless */
        (void)sbr_grow_array(&m->d_item, n_d, sizeof *m->d_item);
        (void)sbr_grow_array(&m->d_pos, n_d, sizeof *m->d_pos);
    }
    for (size_t i = 0; i < n_items; i++)
        m->p_off[i + 1] += m->p_off[i];
    m->p_sess = sbr_alloc_array(n_d, sizeof *m->p_sess);
    m->inh = sbr_alloc_array(m->max_len, sizeof *m->inh);
    if (m->p_sess == NULL || m->inh == NULL)
        goto oom;
    /* Postings in rank order, so each item's list is ascending; `clicks` is reused as the fill
     * cursor once the idf is known. */
    if (cfg->lambda_idf > 0) {
        m->idf = sbr_alloc_array(n_items, sizeof *m->idf);
        if (m->idf == NULL)
            goto oom;
        for (size_t i = 0; i < n_items; i++)
            m->idf[i] = log((double)n_sessions / (double)clicks[i]);
    }
    memcpy(clicks, m->p_off, n_items * sizeof *clicks);
    for (size_t r = 0; r < n_sessions; r++)
        for (size_t e = m->d_off[r]; e < m->d_off[r + 1]; e++)
            m->p_sess[clicks[m->d_item[e]]++] = (uint32_t)r;
    for (size_t d = 0; d < m->max_len; d++)
        m->inh[d] = exp(-(double)d / cfg->lambda_inh);
    free(order);
    free(stamp);
    free(clicks);
    *out = &m->base;
    return SBR_OK;
oom:
    free(order);
    free(stamp);
    free(clicks);
    vstan_free(m ? &m->base : NULL);
    return sbr_err_set(err, SBR_ENOMEM, "vstan: out of memory");
}

/* Per-thread state. Entries of the session arrays are valid where s_stamp equals gen, those
 * of the item arrays where q_stamp (query items) or sc_stamp (scored items) does. */
typedef struct vstan_scratch {
    uint32_t gen;
    uint32_t *s_stamp;  /* [n_sessions] */
    double *acc;        /* [n_sessions] sum of w(i) over shared items */
    size_t *jmax;       /* [n_sessions] j(n) */
    uint32_t *rel;      /* [n_sessions] candidate ranks */
    uint32_t *q_stamp;  /* [n_items] */
    size_t *q_last;     /* [n_items] p(i) */
    uint32_t *q_items;  /* [n_items] distinct session items, latest last click first */
    double *q_w;        /* [n_items] w of q_items[a] */
    uint32_t *sc_stamp; /* [n_items] */
    double *score;      /* [n_items] */
    uint32_t *touched;  /* [n_items] scored items */
    sbr_scored *nb;     /* [nb_cap] neighbours: item = rank, score = sim */
    size_t nb_cap;
} vstan_scratch;

static void vstan_scratch_free(void *p)
{
    vstan_scratch *w = p;
    if (w == NULL)
        return;
    free(w->s_stamp);
    free(w->acc);
    free(w->jmax);
    free(w->rel);
    free(w->q_stamp);
    free(w->q_last);
    free(w->q_items);
    free(w->q_w);
    free(w->sc_stamp);
    free(w->score);
    free(w->touched);
    free(w->nb);
    free(w);
}

static void *vstan_scratch_new(const sbr_model *model)
{
    const vstan_model *m = (const vstan_model *)model;
    vstan_scratch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    size_t ns = m->n_sessions, ni = m->n_items;
    w->nb_cap = (size_t)m->cfg.k < ns ? (size_t)m->cfg.k : ns;
    w->s_stamp = calloc(ns + 1, sizeof *w->s_stamp);
    w->acc = sbr_alloc_array(ns, sizeof *w->acc);
    w->jmax = sbr_alloc_array(ns, sizeof *w->jmax);
    w->rel = sbr_alloc_array(ns, sizeof *w->rel);
    w->q_stamp = calloc(ni + 1, sizeof *w->q_stamp);
    w->q_last = sbr_alloc_array(ni, sizeof *w->q_last);
    w->q_items = sbr_alloc_array(ni, sizeof *w->q_items);
    w->q_w = sbr_alloc_array(ni, sizeof *w->q_w);
    w->sc_stamp = calloc(ni + 1, sizeof *w->sc_stamp);
    w->score = sbr_alloc_array(ni, sizeof *w->score);
    w->touched = sbr_alloc_array(ni, sizeof *w->touched);
    w->nb = sbr_alloc_array(w->nb_cap, sizeof *w->nb);
    if (!w->s_stamp || !w->acc || !w->jmax || !w->rel || !w->q_stamp || !w->q_last || !w->q_items ||
        !w->q_w || !w->sc_stamp || !w->score || !w->touched || !w->nb) {
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

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Reorders the n distinct values a[0..n) so that a[0..m) hold the m smallest (0 < m < n), in
 * no particular order: a quickselect with a median-of-three pivot, which falls back to sorting
 * the remaining range after 64 rounds so that the worst case stays O(n log n). */
static void select_smallest(uint32_t *a, size_t n, size_t m)
{
    size_t lo = 0, hi = n; /* a[0..lo) < a[lo..hi) < a[hi..n), lo <= m <= hi */
    for (int round = 0; lo < m && m < hi; round++) {
        if (round == 64) {
            qsort(a + lo, hi - lo, sizeof *a, u32_cmp);
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
    vstan_scratch *w = scratch;
    *n_out = 0;
    if (++w->gen == 0) { /* the stamps wrapped: clear once every 2^32 calls */
        memset(w->s_stamp, 0, m->n_sessions * sizeof *w->s_stamp);
        memset(w->q_stamp, 0, m->n_items * sizeof *w->q_stamp);
        memset(w->sc_stamp, 0, m->n_items * sizeof *w->sc_stamp);
        w->gen = 1;
    }
    const uint32_t gen = w->gen;
    size_t L = 0;
    for (size_t t = 0; t < q->len; t++)
        if (q->items[t] < m->n_items)
            L++;
    if (L == 0)
        return SBR_OK;
    /* Distinct items newest last click first, with p(i) and w(i). */
    size_t n_q = 0, p = L;
    for (size_t t = q->len; t-- > 0;) {
        uint32_t i = q->items[t];
        if (i >= m->n_items) /* also SBR_ITEM_UNKNOWN */
            continue;
        if (w->q_stamp[i] != gen) {
            w->q_stamp[i] = gen;
            w->q_last[i] = p;
            w->q_items[n_q++] = i;
        }
        p--;
    }
    double norm2 = 0;
    for (size_t a = 0; a < n_q; a++) {
        double wi = exp(((double)w->q_last[w->q_items[a]] - (double)L) / cfg->lambda_spw);
        w->q_w[a] = wi;
        norm2 += wi * wi;
    }
    const double norm = sqrt(norm2);
    /* Candidates: every session holding a session item, with sum w and j(n). The first item
     * to reach a session has the latest last click, so it gives j(n). */
    size_t n_rel = 0;
    for (size_t a = 0; a < n_q; a++) {
        uint32_t i = w->q_items[a];
        double wi = w->q_w[a];
        for (size_t e = m->p_off[i]; e < m->p_off[i + 1]; e++) {
            uint32_t r = m->p_sess[e];
            if (w->s_stamp[r] != gen) {
                w->s_stamp[r] = gen;
                w->acc[r] = 0;
                w->jmax[r] = w->q_last[i];
                w->rel[n_rel++] = r;
            }
            w->acc[r] += wi;
        }
    }
    size_t n_cand = n_rel;
    if (cfg->sample_size > 0 && n_rel > (size_t)cfg->sample_size) {
        n_cand = (size_t)cfg->sample_size;
        select_smallest(w->rel, n_rel, n_cand); /* smallest rank = most recent */
    }
    /* The k best by sim, then recency (a smaller rank ranks first, as a smaller item would). */
    sbr_topn top;
    sbr_topn_init(&top, w->nb, w->nb_cap);
    for (size_t c = 0; c < n_cand; c++) {
        uint32_t r = w->rel[c];
        double sim = w->acc[r] / (norm * m->sqrt_len[r]) * exp(-(q->now - m->end[r]) / m->snh_s);
        sbr_topn_push(&top, r, sim);
    }
    size_t n_nb = sbr_topn_finish(&top, w->nb);
    size_t n_touched = 0;
    for (size_t b = 0; b < n_nb; b++) {
        uint32_t r = w->nb[b].item;
        double sim = w->nb[b].score;
        size_t lo = m->d_off[r], hi = m->d_off[r + 1];
        uint32_t star = 0;
        for (size_t e = lo; e < hi; e++)
            if (w->q_stamp[m->d_item[e]] == gen && m->d_pos[e] > star)
                star = m->d_pos[e];
        double ipw = 1;
        if (cfg->lambda_ipw > 0)
            ipw = exp(((double)w->jmax[r] - (double)L) / cfg->lambda_ipw);
        for (size_t e = lo; e < hi; e++) {
            uint32_t i = m->d_item[e];
            if (!cfg->remind && w->q_stamp[i] == gen)
                continue;
            uint32_t d = m->d_pos[e] > star ? m->d_pos[e] - star : star - m->d_pos[e];
            double c = sim * m->inh[d];
            if (m->idf != NULL)
                c = c + c * m->idf[i] * cfg->lambda_idf;
            if (cfg->lambda_ipw > 0)
                c *= ipw;
            if (w->sc_stamp[i] != gen) {
                w->sc_stamp[i] = gen;
                w->score[i] = 0;
                w->touched[n_touched++] = i;
            }
            w->score[i] += c;
        }
    }
    sbr_topn_init(&top, out, q->n);
    for (size_t a = 0; a < n_touched; a++)
        sbr_topn_push(&top, w->touched[a], w->score[w->touched[a]]);
    *n_out = sbr_topn_finish(&top, out);
    return SBR_OK;
}

const sbr_algo sbr_algo_vstan = {
    .abi = SBR_ALGO_ABI,
    .name = "vstan",
    .help = "VSTAN: STAN plus insertion-position and idf weights (session-rec VSKNN_STAN; "
            "always cosine)",
    .params = vstan_params,
    .config_size = sizeof(vstan_config),
    .tune_space = "k=choice:100|200|500|1000|1500|2000; sample_size=choice:1000|2500|5000|10000; "
                  "lambda_spw=log:0.00001:20; lambda_snh=choice:2.5|5|10|20|40|80|100; "
                  "lambda_inh=log:0.00001:20; lambda_ipw=log:0.00001:20; "
                  "lambda_idf=choice:0|1|2|5|10",
    .fit = vstan_fit,
    .model_bytes = vstan_bytes,
    .scratch_new = vstan_scratch_new,
    .scratch_free = vstan_scratch_free,
    .predict = vstan_predict,
    .free = vstan_free,
};
