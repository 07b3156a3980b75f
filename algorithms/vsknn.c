/* vsknn: session-rec's VMContextKNN ("V-SKNN"), as coded (reference section 2.2).
 *
 * The session so far is S_list (its known items, oldest first); L_items is S_list, or its last
 * `last_n_clicks` clicks, and L = |L_items|.
 *
 *   position weights  pos(i) = W(p, L), p the 1-based position of i's LAST click in L_items:
 *                     same 1; div p/L; linear 1 - 0.1 (L - p) for p <= 10, else 0 (the test
 *                     is on p, as coded: in sessions longer than 10 even the latest clicks
 *                     weigh 0, and early clicks can weigh < 0); log 1/log10(L - p + 1.7);
 *                     quadratic (p/L)^2.
 *   candidates        the training sessions sharing an item with S_list (ALL clicks, also
 *                     with last_n_clicks); when there are more than sample_size of them,
 *                     `recent` keeps the sample_size with the latest session end, `random` a
 *                     seeded uniform sample (algorithms/knn_sample.h).
 *   similarity        vec:    sum_{i in L_items & n} pos(i) / |distinct L_items|
 *                     cosine: sum_{i in L_items & n} pos(i) / (sqrt(sum_{i in L_items} pos(i)^2)
 *                             * sqrt(|n|)), n the neighbour's distinct items.
 *                     Candidates with similarity <= 0 are dropped; the k best are neighbours.
 *   scores            score(i) += c(n, i) * decay(n) for every neighbour n and item i of n,
 *                     where c = sim, or sim + sim idf(i) idf_weighting when idf_weighting > 0,
 *                     with idf(i) = ln(#training sessions / #training clicks on i) (clicks,
 *                     not sessions, as coded); decay(n) = WS(step), step = 1 + the clicks in
 *                     L_items after the latest one on an item of n: same 1, div 1/step,
 *                     linear 1 - 0.1 step (0 beyond 100, so negative beyond 10, as coded),
 *                     log 1/log10(step + 1.7), quadratic 1/step^2.
 *                     remind = 0 skips the items of L_items; push_reminders multiplies the
 *                     score of each session item by its clicks in S_list + 1.
 *   normalize         every score divided by the largest; when no score is positive nothing
 *                     is listed (session-rec would divide by a non-positive maximum).
 *
 * Ties and determinism (session-rec leaves both to Python's set iteration order; details in
 * algorithms/knn_sample.h):
 *  - `ties=recent` (default): the recency order of training sessions is session end (time of
 *    the last click) descending, then SessionId descending. `recent` sampling keeps the first
 *    sample_size sessions of that order, and of two neighbours with equal similarity the more
 *    recent ranks first.
 *  - `ties=session_rec`: session-rec's own order, emulating CPython 3.11's set iteration; it
 *    reproduces session-rec's saved lists score for score, at a cost of O(candidate set) per
 *    click of the query.
 *  - scores are summed over neighbours in rank order, each neighbour's items in ascending item
 *    order, so equal scores are bit-identical and fall to the ranking rule;
 *  - `random` sampling is seeded per query from `seed` and the query's items, so results do not
 *    depend on threads or call order (session-rec draws from one global generator).
 *
 * Other departures, all deliberate: unknown items (SBR_ITEM_UNKNOWN) are removed from the
 * query before anything else; `last_n_days` keeps the training clicks at or after UTC midnight
 * of the last training day minus last_n_days days (session-rec uses local midnight); a
 * session's end is its latest click time (session-rec: its last row in file order, the same
 * for time-sorted files). Not implemented: dwelling_time, weighting_time, add_reminders,
 * extend, idf_weighting_session.
 *
 * Speed: predict reads the CSR index and writes dense per-item arrays marked with generation
 * stamps (nothing is cleared between calls); neighbours come from a bounded heap and the top n
 * from sbr_topn. */
#include "algorithms/vsknn.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/knn_sample.h"
#include "algorithms/knn_scratch.h"
#include "algorithms/model_file.h"
#include "algorithms/session_index.h"

enum { SIM_VEC, SIM_COSINE };
static const char *const similarities[] = {"vec", "cosine", NULL};
enum { W_LINEAR, W_SAME, W_DIV, W_LOG, W_QUADRATIC };
static const char *const weightings[] = {"linear", "same", "div", "log", "quadratic", NULL};
static const char *const samplings[] = {"recent", "random", NULL};
static const char *const tie_orders[] = {"recent", "session_rec", NULL};

#define SEED_PURPOSE 0x76736b6eu /* "vskn" */

static const sbr_param_spec vsknn_params[] = {
    {"k", SBR_P_INT, offsetof(vsknn_config, k), 100, 1, 1e9, NULL, "neighbour sessions kept"},
    {"sample_size", SBR_P_INT, offsetof(vsknn_config, sample_size), 1000, 0, 1e9, NULL,
     "candidate sessions considered (0: all sessions sharing an item)"},
    {"sampling", SBR_P_CHOICE, offsetof(vsknn_config, sampling), KNN_SAMPLE_RECENT, 0, 1, samplings,
     "candidate sample: the most recent sessions, or a seeded random sample"},
    {"seed", SBR_P_INT, offsetof(vsknn_config, seed), 1, 0, 4294967295.0, NULL,
     "seed of sampling=random (mixed with the query's items)"},
    {"ties", SBR_P_CHOICE, offsetof(vsknn_config, ties), KNN_TIES_RECENT, 0, 1, tie_orders,
     "order of equal similarities: recent first, or session_rec's (Python set order; slower)"},
    {"similarity", SBR_P_CHOICE, offsetof(vsknn_config, similarity), SIM_VEC, 0, 1, similarities,
     "vec: position-weighted dot product / session length; cosine"},
    {"weighting", SBR_P_CHOICE, offsetof(vsknn_config, weighting), W_DIV, 0, 4, weightings,
     "position weight of the session's clicks: linear, same, div (p/L), log, quadratic"},
    {"weighting_score", SBR_P_CHOICE, offsetof(vsknn_config, weighting_score), W_DIV, 0, 4,
     weightings,
     "decay by the neighbour's latest match: linear, same, div (1/step), log, "
     "quadratic"},
    {"idf_weighting", SBR_P_DOUBLE, offsetof(vsknn_config, idf_weighting), 0, 0, 1e6, NULL,
     "score += score * idf * idf_weighting (0: off)"},
    {"remind", SBR_P_INT, offsetof(vsknn_config, remind), 1, 0, 1, NULL,
     "1: the session's own items are recommended too"},
    {"push_reminders", SBR_P_INT, offsetof(vsknn_config, push_reminders), 0, 0, 1, NULL,
     "1: session items' scores times their clicks + 1"},
    {"last_n_days", SBR_P_INT, offsetof(vsknn_config, last_n_days), 0, 0, 1e6, NULL,
     "index only the last n days of training (0: all)"},
    {"last_n_clicks", SBR_P_INT, offsetof(vsknn_config, last_n_clicks), 0, 0, 1e9, NULL,
     "only the last n clicks weigh in the similarity (0: all)"},
    {"normalize", SBR_P_INT, offsetof(vsknn_config, normalize), 1, 0, 1, NULL,
     "1: scores divided by the largest"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct vsknn_model {
    sbr_model base;
    vsknn_config cfg;
    sbr_session_index *ix; /* with idf: ln(#sessions / #clicks on the item) */
} vsknn_model;

static void vsknn_free(sbr_model *model)
{
    if (model == NULL)
        return;
    vsknn_model *m = (vsknn_model *)model;
    sbr_session_index_free(m->ix);
    free(m);
}

static sbr_rc vsknn_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                        sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    const vsknn_config *cfg = config;
    *out = NULL;
    vsknn_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "vsknn: out of memory");
    m->base.algo = &sbr_algo_vsknn;
    m->cfg = *cfg;
    sbr_session_index_opts opts = {.last_n_days = cfg->last_n_days,
                                   .pysets = cfg->ties == KNN_TIES_SESSION_REC};
    sbr_rc rc = sbr_session_index_build(train, &opts, "vsknn", &m->ix, err);
    if (rc == SBR_OK) /* idf over clicks, as coded */
        rc = sbr_session_index_set_idf(m->ix, SBR_IDF_CLICKS, "vsknn", err);
    if (rc != SBR_OK) {
        vsknn_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

static size_t vsknn_bytes(const sbr_model *model)
{
    const vsknn_model *m = (const vsknn_model *)model;
    return sizeof *m + sbr_session_index_bytes(m->ix);
}

enum { VSKNN_SHORT_L = 16 };

/* base: in_q marks S_list, q_items lists it in first-click order, score holds the scores. */
typedef struct vsknn_scratch {
    sbr_knn_scratch base;
    sbr_knn_sampler sp;
    uint32_t *in_l; /* [n_items] == now: the item is in L_items (owned by base.gen) */
    double *weight; /* [n_items] its position weight */
    size_t *step;   /* [n_items] 1 + the clicks of L_items after its last one */
    size_t *clicks; /* [n_items] its clicks in S_list */
    /* L_items as a short table, in the order mark_last_clicks meets them: while it has at most
     * VSKNN_SHORT_L entries, a candidate's items are looked up in it (a few compares in
     * registers) instead of in in_l / weight / step (three random reads per item). */
    uint32_t l_item[VSKNN_SHORT_L];
    double l_weight[VSKNN_SHORT_L];
    size_t l_step[VSKNN_SHORT_L];
    uint32_t *q_bit; /* [n_items] per distinct query item: 1 << its place in the sorted short
                        table, or 0 (sampling and ties recent only) */
} vsknn_scratch;

/* How many candidates (neighbours) ahead the similarity (score) loop prefetches. */
enum { VSKNN_AHEAD = 4 };

static void vsknn_scratch_free(void *p)
{
    vsknn_scratch *s = p;
    if (s == NULL)
        return;
    sbr_knn_scratch_fini(&s->base);
    sbr_knn_sampler_fini(&s->sp);
    free(s->weight);
    free(s->step);
    free(s->clicks);
    free(s->q_bit);
    free(s);
}

static void *vsknn_scratch_new(const sbr_model *model)
{
    const vsknn_model *m = (const vsknn_model *)model;
    const sbr_session_index *ix = m->ix;
    size_t n = ix->n_items + 1;
    vsknn_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (!sbr_knn_scratch_init(&s->base, ix->n_items, ix->n_sessions, (size_t)m->cfg.k, false) ||
        !sbr_knn_sampler_init(&s->sp, ix, m->cfg.sampling, m->cfg.ties)) {
        vsknn_scratch_free(s);
        return NULL;
    }
    s->in_l = sbr_knn_gen_alloc(&s->base.gen, ix->n_items, sizeof *s->in_l);
    s->weight = sbr_alloc_hot(n, sizeof *s->weight);
    s->step = sbr_alloc_hot(n, sizeof *s->step);
    s->clicks = sbr_alloc_hot(n, sizeof *s->clicks);
    s->q_bit = sbr_alloc_hot(n, sizeof *s->q_bit);
    if (s->in_l == NULL || s->weight == NULL || s->step == NULL || s->clicks == NULL ||
        s->q_bit == NULL) {
        vsknn_scratch_free(s);
        return NULL;
    }
    return s;
}

/* W(p, L): the weight of a click at 1-based position p of L clicks. */
static double position_weight(int weighting, size_t p, size_t len)
{
    switch (weighting) {
    case W_LINEAR:
        return p <= 10 ? 1.0 - 0.1 * (double)(len - p) : 0.0;
    case W_SAME:
        return 1.0;
    case W_DIV:
        return (double)p / (double)len;
    case W_LOG:
        return 1.0 / log10((double)(len - p) + 1.7);
    default: {
        double x = (double)p / (double)len;
        return x * x;
    }
    }
}

/* WS(step): the decay of a neighbour whose latest match is `step` clicks back (1 = last). */
static double score_decay(int weighting, size_t step)
{
    double x = (double)step;
    switch (weighting) {
    case W_LINEAR:
        return step <= 100 ? 1.0 - 0.1 * x : 0.0;
    case W_SAME:
        return 1.0;
    case W_DIV:
        return 1.0 / x;
    case W_LOG:
        return 1.0 / log10(x + 1.7);
    default:
        return 1.0 / (x * x);
    }
}

/* Marks L_items: reading backwards, the first meeting of an item is its last click. Returns
 * the number of distinct items and their sum of squared weights in *sum_sq. */
static size_t mark_last_clicks(const vsknn_model *m, const sbr_query *q, size_t n_known,
                               vsknn_scratch *s, uint32_t gen, double *sum_sq)
{
    const vsknn_config *cfg = &m->cfg;
    size_t len = cfg->last_n_clicks > 0 && (size_t)cfg->last_n_clicks < n_known
                     ? (size_t)cfg->last_n_clicks
                     : n_known;
    size_t n_l = 0, p = len;
    *sum_sq = 0;
    for (size_t t = q->len; t-- > 0 && p > 0;) {
        uint32_t i = q->items[t];
        if (i >= m->ix->n_items)
            continue;
        if (s->in_l[i] != gen) {
            s->in_l[i] = gen;
            s->weight[i] = position_weight(cfg->weighting, p, len);
            s->step[i] = len - p + 1;
            *sum_sq += s->weight[i] * s->weight[i];
            if (n_l < VSKNN_SHORT_L) {
                s->l_item[n_l] = i;
                s->l_weight[n_l] = s->weight[i];
                s->l_step[n_l] = s->step[i];
            }
            n_l++;
        }
        p--;
    }
    return n_l;
}

/* Sorts the short L_items table by item, ascending (insertion sort: at most VSKNN_SHORT_L). */
static void sort_short_table(vsknn_scratch *s, size_t n_l)
{
    for (size_t a = 1; a < n_l; a++) {
        uint32_t item = s->l_item[a];
        double weight = s->l_weight[a];
        size_t step = s->l_step[a], b = a;
        for (; b > 0 && s->l_item[b - 1] > item; b--) {
            s->l_item[b] = s->l_item[b - 1];
            s->l_weight[b] = s->l_weight[b - 1];
            s->l_step[b] = s->l_step[b - 1];
        }
        s->l_item[b] = item;
        s->l_weight[b] = weight;
        s->l_step[b] = step;
    }
}

/* The k nearest (s->base.nbr, n_nb of them) sorted, their items scored, the top n out. */
static sbr_rc score_neighbours(const vsknn_model *m, const sbr_query *q, vsknn_scratch *s,
                               uint32_t gen, size_t n_distinct, size_t n_nb, sbr_scored *out,
                               size_t *n_out)
{
    const vsknn_config *cfg = &m->cfg;
    const sbr_session_index *ix = m->ix;
    const uint32_t *distinct = s->base.q_items;
    sbr_knn_nbr *nbr = s->base.nbr;
    sbr_knn_nbr_sort(nbr, n_nb);

    /* Scores, summed in neighbour rank order. */
    sbr_knn_acc *acc = &s->base.score;
    for (size_t j = 0; j < n_nb; j++) {
        /* Prefetches: the offsets of the neighbour 4 VSKNN_AHEAD on, the items of the one 2
         * VSKNN_AHEAD on (the tagged path did not read them), the accumulators of the one
         * VSKNN_AHEAD on. */
        if (j + 4 * VSKNN_AHEAD < n_nb)
            sbr_knn_prefetch(&ix->sess_off[nbr[j + 4 * VSKNN_AHEAD].s]);
        if (j + 2 * VSKNN_AHEAD < n_nb)
            sbr_knn_prefetch(ix->sess_items + ix->sess_off[nbr[j + 2 * VSKNN_AHEAD].s]);
        if (j + VSKNN_AHEAD < n_nb) {
            uint32_t a = nbr[j + VSKNN_AHEAD].s;
            for (size_t k = ix->sess_off[a]; k < ix->sess_off[a + 1]; k++)
                sbr_knn_prefetch(&acc->slot[ix->sess_items[k]]);
        }
        const sbr_knn_nbr *nb = &nbr[j];
        double decay = score_decay(cfg->weighting_score, nb->aux);
        for (size_t k = ix->sess_off[nb->s]; k < ix->sess_off[nb->s + 1]; k++) {
            uint32_t i = ix->sess_items[k];
            if (!cfg->remind && s->in_l[i] == gen)
                continue;
            double c = nb->sim;
            if (cfg->idf_weighting > 0)
                c = c + c * ix->idf[i] * cfg->idf_weighting;
            c = c * decay;
            sbr_knn_acc_add(acc, gen, i, c);
        }
    }
    if (cfg->push_reminders) {
        for (size_t d = 0; d < n_distinct; d++) {
            uint32_t i = distinct[d];
            if (acc->slot[i].stamp == gen)
                acc->slot[i].val *= (double)(s->clicks[i] + 1);
        }
    }

    *n_out = sbr_knn_scratch_top(&s->base, cfg->normalize, out, q->n);
    return SBR_OK;
}

static sbr_rc vsknn_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                            sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const vsknn_model *m = (const vsknn_model *)model;
    const vsknn_config *cfg = &m->cfg;
    const sbr_session_index *ix = m->ix;
    vsknn_scratch *s = scratch;
    *n_out = 0;
    uint32_t gen = sbr_knn_scratch_begin(&s->base);
    const uint32_t *distinct = s->base.q_items;

    /* S_list: distinct items in first-click order, and click counts. */
    size_t n_known;
    size_t n_distinct = sbr_knn_scratch_query(&s->base, gen, q, ix->n_items, &n_known);
    if (n_known == 0)
        return SBR_OK;
    for (size_t d = 0; d < n_distinct; d++)
        s->clicks[distinct[d]] = 0;
    for (size_t t = 0; t < q->len; t++)
        if (q->items[t] < ix->n_items)
            s->clicks[q->items[t]]++;
    double sum_sq;
    size_t n_l = mark_last_clicks(m, q, n_known, s, gen, &sum_sq);

    /* Similarities and the k nearest. */
    double denom = cfg->similarity == SIM_VEC ? (double)n_l : sqrt(sum_sq);
    sbr_knn_nbr *nbr = s->base.nbr;
    size_t n_nb = 0;
    const uint32_t *cand = s->sp.cand;
    if (n_l <= VSKNN_SHORT_L && s->sp.hits != NULL) {
        /* The candidates' shared L_items come out of the merge as bits, one per L_item in
         * ascending item order: the dot product adds their weights in that order, which is
         * the order the scan below meets them in a session's ascending items, so the sum is
         * the same to the last bit, without reading the candidates' items. */
        sort_short_table(s, n_l);
        for (size_t d = 0; d < n_distinct; d++) {
            s->q_bit[d] = 0;
            for (size_t j = 0; j < n_l; j++)
                s->q_bit[d] |= s->l_item[j] == distinct[d] ? 1u << j : 0u;
        }
        size_t n_cand = sbr_knn_candidates_tagged(ix, &s->sp, distinct, s->q_bit, n_distinct,
                                                  (size_t)cfg->sample_size);
        for (size_t c = 0; c < n_cand; c++) {
            uint32_t hits = s->sp.hits[c];
            if (hits == 0)
                continue; /* shares only clicks before the last n */
            uint32_t r = cand[c];
            double dot = 0;
            size_t step = SIZE_MAX;
            for (; hits != 0; hits &= hits - 1) {
                int j = __builtin_ctz(hits);
                dot += s->l_weight[j];
                if (s->l_step[j] < step)
                    step = s->l_step[j];
            }
            double sim =
                cfg->similarity == SIM_VEC
                    ? dot / denom
                    : dot / (denom * sqrt((double)(ix->sess_off[r + 1] - ix->sess_off[r])));
            if (sim > 0)
                sbr_knn_nbr_push(nbr, &n_nb, s->base.nbr_cap,
                                 (sbr_knn_nbr){sim, r, (uint32_t)c, step});
        }
        return score_neighbours(m, q, s, gen, n_distinct, n_nb, out, n_out);
    }
    sbr_knn_sampling opt = sbr_knn_sampling_of(q, ix->n_items, n_known, cfg->sample_size,
                                               cfg->sampling, cfg->ties, cfg->seed, SEED_PURPOSE);
    size_t n_cand = sbr_knn_candidates(ix, &s->sp, q, distinct, n_distinct, &opt);
    for (size_t c = 0; c < n_cand; c++) {
        if (c + 2 * VSKNN_AHEAD < n_cand)
            sbr_knn_prefetch(&ix->sess_off[cand[c + 2 * VSKNN_AHEAD]]);
        if (c + VSKNN_AHEAD < n_cand)
            sbr_knn_prefetch(ix->sess_items + ix->sess_off[cand[c + VSKNN_AHEAD]]);
        uint32_t r = cand[c];
        double dot = 0;
        size_t step = SIZE_MAX;
        if (n_l <= VSKNN_SHORT_L) {
            /* The same sum in the same order (the session's items ascending), each item's
             * weight found in the short table: L_items are distinct, so at most one hit. */
            for (size_t k = ix->sess_off[r]; k < ix->sess_off[r + 1]; k++) {
                uint32_t i = ix->sess_items[k];
                size_t hit = VSKNN_SHORT_L;
                for (size_t j = 0; j < n_l; j++)
                    hit = s->l_item[j] == i ? j : hit;
                if (hit == VSKNN_SHORT_L)
                    continue;
                dot += s->l_weight[hit];
                if (s->l_step[hit] < step)
                    step = s->l_step[hit];
            }
        } else {
            for (size_t k = ix->sess_off[r]; k < ix->sess_off[r + 1]; k++) {
                uint32_t i = ix->sess_items[k];
                if (s->in_l[i] != gen)
                    continue;
                dot += s->weight[i];
                if (s->step[i] < step)
                    step = s->step[i];
            }
        }
        if (step == SIZE_MAX)
            continue; /* shares only clicks before the last n */
        double sim = cfg->similarity == SIM_VEC
                         ? dot / denom
                         : dot / (denom * sqrt((double)(ix->sess_off[r + 1] - ix->sess_off[r])));
        if (sim > 0)
            sbr_knn_nbr_push(nbr, &n_nb, s->base.nbr_cap, (sbr_knn_nbr){sim, r, (uint32_t)c, step});
    }
    return score_neighbours(m, q, s, gen, n_distinct, n_nb, out, n_out);
}

static size_t vsknn_scratch_bytes(const sbr_model *model)
{
    const vsknn_model *m = (const vsknn_model *)model;
    const sbr_session_index *ix = m->ix;
    size_t n = ix->n_items + 1;
    return sizeof(vsknn_scratch) +
           sbr_knn_scratch_bytes(ix->n_items, ix->n_sessions, (size_t)m->cfg.k, false) +
           sbr_knn_sampler_bytes(ix, m->cfg.sampling, m->cfg.ties) +
           n * (2 * sizeof(uint32_t) + sizeof(double) + 2 * sizeof(size_t));
}

/* The model file holds the index as it is; the configuration comes with the file. */
static sbr_rc vsknn_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    sbr_session_index_save(((const vsknn_model *)model)->ix, w);
    return SBR_OK;
}

static sbr_rc vsknn_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    vsknn_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "vsknn: out of memory");
    m->base.algo = &sbr_algo_vsknn;
    m->cfg = *(const vsknn_config *)config;
    sbr_rc rc = sbr_session_index_load(r, &m->ix, err);
    if (rc != SBR_OK) {
        free(m);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_vsknn = {
    .abi = SBR_ALGO_ABI,
    .name = "vsknn",
    .help = "vector-multiplication session kNN: position-weighted neighbours (session-rec "
            "V-SKNN)",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = vsknn_params,
    .config_size = sizeof(vsknn_config),
    .tune_space = "k=choice:50|100|500|1000|1500; sample_size=choice:500|1000|2500|5000|10000; "
                  "weighting=choice:same|div|linear|quadratic|log; "
                  "weighting_score=choice:same|div|linear|quadratic|log; "
                  "idf_weighting=choice:0|1|2|5|10",
    .fit = vsknn_fit,
    .model_bytes = vsknn_bytes,
    .scratch_bytes = vsknn_scratch_bytes,
    .scratch_new = vsknn_scratch_new,
    .scratch_free = vsknn_scratch_free,
    .predict = vsknn_predict,
    .save = vsknn_save,
    .load = vsknn_load,
    .free = vsknn_free,
};
