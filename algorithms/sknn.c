/* sknn: session-rec's ContextKNN ("SKNN"), as coded (reference section 2.1).
 *
 * The session so far is S_list (its known items, oldest first) and B its set of items.
 *
 *   candidates   the training sessions sharing an item with B; when there are more than
 *                sample_size, `recent` keeps the sample_size with the latest session end,
 *                `random` a seeded uniform sample (algorithms/knn_sample.h).
 *   similarity   of a candidate with item set A (li = |A & B|, la = |A|, lb = |B|):
 *                jaccard  li / |A | B|;  tanimoto li / (la + lb - li) (the same value);
 *                binary   2 li / (2 li + la + lb);
 *                cosine   li / sqrt(la) * sqrt(lb), as coded (an operator-precedence slip for
 *                         li / sqrt(la lb)); lb is the same for every candidate, so neighbours
 *                         and normalised scores equal the true cosine's unless remind or
 *                         pop_boost add to the raw scores.
 *                Candidates with similarity <= 0 are dropped; the k best are neighbours.
 *   scores       score(i) = sum of sim(n) over the neighbours n containing i (the session's
 *                own items included). remind: for the last 3 clicks e, oldest first, with
 *                cnt = 1, 2, 3: score(e) = (score(e) + 5) * 5 + cnt / 100 (a repeated item
 *                gets it twice). pop_boost > 0: every scored item gets pop_boost * (number of
 *                neighbours containing it / the largest such number); a reminded item that
 *                no neighbour contains gets 0 (session-rec raises a TypeError there).
 *   normalize    every score divided by the largest.
 *
 * Ties and determinism as in vsknn (see vsknn.c and knn_sample.h): `ties=recent` (default)
 * ranks equal similarities, and the sample_size cut among equal session ends, by recency;
 * `ties=session_rec` emulates session-rec's Python set order. Scores are summed over
 * neighbours in rank order. Unknown items (SBR_ITEM_UNKNOWN) are removed from the query
 * (session-rec raises a TypeError on them). Not implemented: extend, similarity=random. */
#include "algorithms/sknn.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/knn_sample.h"
#include "algorithms/knn_scratch.h"
#include "algorithms/model_file.h"
#include "algorithms/session_index.h"

enum { SIM_JACCARD, SIM_COSINE, SIM_BINARY, SIM_TANIMOTO };
static const char *const similarities[] = {"jaccard", "cosine", "binary", "tanimoto", NULL};
static const char *const samplings[] = {"recent", "random", NULL};
static const char *const tie_orders[] = {"recent", "session_rec", NULL};

#define SEED_PURPOSE 0x736b6e6eu /* "sknn" */
#define REMINDER_SCORE 5.0
#define REMINDER_CLICKS 3

static const sbr_param_spec sknn_params[] = {
    {"k", SBR_P_INT, offsetof(sknn_config, k), 100, 1, 1e9, NULL, "neighbour sessions kept"},
    {"sample_size", SBR_P_INT, offsetof(sknn_config, sample_size), 1000, 0, 1e9, NULL,
     "candidate sessions considered (0: all sessions sharing an item)"},
    {"sampling", SBR_P_CHOICE, offsetof(sknn_config, sampling), KNN_SAMPLE_RECENT, 0, 1, samplings,
     "candidate sample: the most recent sessions, or a seeded random sample"},
    {"seed", SBR_P_INT, offsetof(sknn_config, seed), 1, 0, 4294967295.0, NULL,
     "seed of sampling=random (mixed with the query's items)"},
    {"ties", SBR_P_CHOICE, offsetof(sknn_config, ties), KNN_TIES_RECENT, 0, 1, tie_orders,
     "order of equal similarities: recent first, or session_rec's (Python set order; slower)"},
    {"similarity", SBR_P_CHOICE, offsetof(sknn_config, similarity), SIM_JACCARD, 0, 3, similarities,
     "jaccard, cosine (as coded: li / sqrt(la) * sqrt(lb)), binary or tanimoto"},
    {"remind", SBR_P_INT, offsetof(sknn_config, remind), 0, 0, 1, NULL,
     "1: the last 3 clicked items get (score + 5) * 5 + cnt/100"},
    {"pop_boost", SBR_P_DOUBLE, offsetof(sknn_config, pop_boost), 0, 0, 1e6, NULL,
     "adds pop_boost * the item's share of neighbours (0: off)"},
    {"normalize", SBR_P_INT, offsetof(sknn_config, normalize), 1, 0, 1, NULL,
     "1: scores divided by the largest"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct sknn_model {
    sbr_model base;
    sknn_config cfg;
    sbr_session_index *ix;
} sknn_model;

static void sknn_free(sbr_model *model)
{
    if (model == NULL)
        return;
    sknn_model *m = (sknn_model *)model;
    sbr_session_index_free(m->ix);
    free(m);
}

static sbr_rc sknn_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                       sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    const sknn_config *cfg = config;
    *out = NULL;
    sknn_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "sknn: out of memory");
    m->base.algo = &sbr_algo_sknn;
    m->cfg = *cfg;
    sbr_session_index_opts opts = {.pysets = cfg->ties == KNN_TIES_SESSION_REC};
    sbr_rc rc = sbr_session_index_build(train, &opts, "sknn", &m->ix, err);
    if (rc != SBR_OK) {
        free(m);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

static size_t sknn_bytes(const sbr_model *model)
{
    const sknn_model *m = (const sknn_model *)model;
    return sizeof *m + sbr_session_index_bytes(m->ix);
}

/* base: in_q marks B, q_items lists it in first-click order, score holds the scores. */
typedef struct sknn_scratch {
    sbr_knn_scratch base;
    sbr_knn_sampler sp;
    size_t *pop;      /* [n_items] neighbours containing the item (valid where scored) */
    uint32_t bit[32]; /* 1 << d for the d-th distinct query item (the tagged candidates) */
} sknn_scratch;

static void sknn_scratch_free(void *p)
{
    sknn_scratch *s = p;
    if (s == NULL)
        return;
    sbr_knn_scratch_fini(&s->base);
    sbr_knn_sampler_fini(&s->sp);
    free(s->pop);
    free(s);
}

static void *sknn_scratch_new(const sbr_model *model)
{
    const sknn_model *m = (const sknn_model *)model;
    const sbr_session_index *ix = m->ix;
    sknn_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (!sbr_knn_scratch_init(&s->base, ix->n_items, ix->n_sessions, (size_t)m->cfg.k, false) ||
        !sbr_knn_sampler_init(&s->sp, ix, m->cfg.sampling, m->cfg.ties) ||
        (s->pop = sbr_alloc_hot(ix->n_items + 1, sizeof *s->pop)) == NULL) {
        sknn_scratch_free(s);
        return NULL;
    }
    return s;
}

static double similarity(int kind, size_t li, size_t la, size_t lb)
{
    double i = (double)li, a = (double)la, b = (double)lb;
    switch (kind) {
    case SIM_JACCARD:
    case SIM_TANIMOTO:
        return i / (a + b - i);
    case SIM_BINARY:
        return 2 * i / (2 * i + a + b);
    default:
        return i / sqrt(a) * sqrt(b); /* as coded */
    }
}

/* Marks item i scored in this call (with score 0 and no neighbours) if it is not yet. */
static void touch(sknn_scratch *s, uint32_t gen, uint32_t i)
{
    if (sbr_knn_acc_touch(&s->base.score, gen, i))
        s->pop[i] = 0;
}

/* How many neighbours ahead the scoring loop prefetches. */
enum { SKNN_AHEAD = 4 };

static sbr_rc sknn_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const sknn_model *m = (const sknn_model *)model;
    const sknn_config *cfg = &m->cfg;
    const sbr_session_index *ix = m->ix;
    sknn_scratch *s = scratch;
    *n_out = 0;
    uint32_t gen = sbr_knn_scratch_begin(&s->base);
    uint32_t *in_b = s->base.in_q, *distinct = s->base.q_items;
    sbr_knn_slot *score = s->base.score.slot;

    size_t n_known;
    size_t n_distinct = sbr_knn_scratch_query(&s->base, gen, q, ix->n_items, &n_known);
    if (n_known == 0)
        return SBR_OK;
    sbr_knn_nbr *nbr = s->base.nbr;
    size_t n_nb = 0;
    /* With at most 32 distinct items, each has a bit and the merge hands back the bits of the
     * items each candidate shares: the overlap is their count, no candidate's items read. */
    bool tagged = n_distinct <= 32 && s->sp.hits != NULL;
    size_t n_cand;
    if (tagged) {
        for (size_t d = 0; d < n_distinct; d++)
            s->bit[d] = 1u << d;
        n_cand = sbr_knn_candidates_tagged(ix, &s->sp, distinct, s->bit, n_distinct,
                                           (size_t)cfg->sample_size);
    } else {
        sbr_knn_sampling opt =
            sbr_knn_sampling_of(q, ix->n_items, n_known, cfg->sample_size, cfg->sampling, cfg->ties,
                                cfg->seed, SEED_PURPOSE);
        n_cand = sbr_knn_candidates(ix, &s->sp, q, distinct, n_distinct, &opt);
    }
    for (size_t c = 0; c < n_cand; c++) {
        uint32_t r = s->sp.cand[c];
        size_t li = 0, la = ix->sess_off[r + 1] - ix->sess_off[r];
        if (tagged)
            li = (size_t)__builtin_popcount(s->sp.hits[c]);
        else
            for (size_t k = ix->sess_off[r]; k < ix->sess_off[r + 1]; k++)
                li += in_b[ix->sess_items[k]] == gen;
        double sim = similarity(cfg->similarity, li, la, n_distinct);
        if (sim > 0)
            sbr_knn_nbr_push(nbr, &n_nb, s->base.nbr_cap, (sbr_knn_nbr){sim, r, (uint32_t)c, 0});
    }
    sbr_knn_nbr_sort(nbr, n_nb);

    size_t max_pop = 0;
    for (size_t j = 0; j < n_nb; j++) {
        if (j + 2 * SKNN_AHEAD < n_nb) /* the tagged path has not read the neighbours' items */
            sbr_knn_prefetch(&ix->sess_off[nbr[j + 2 * SKNN_AHEAD].s]);
        if (j + SKNN_AHEAD < n_nb)
            sbr_knn_prefetch(ix->sess_items + ix->sess_off[nbr[j + SKNN_AHEAD].s]);
        const sbr_knn_nbr *nb = &nbr[j];
        for (size_t k = ix->sess_off[nb->s]; k < ix->sess_off[nb->s + 1]; k++) {
            uint32_t i = ix->sess_items[k];
            touch(s, gen, i);
            score[i].val += nb->sim;
            if (++s->pop[i] > max_pop)
                max_pop = s->pop[i];
        }
    }
    if (cfg->remind) {
        uint32_t last[REMINDER_CLICKS];
        size_t n_last = 0;
        for (size_t t = q->len; t-- > 0 && n_last < REMINDER_CLICKS;)
            if (q->items[t] < ix->n_items)
                last[n_last++] = q->items[t];
        for (size_t cnt = 1; cnt <= n_last; cnt++) { /* oldest first */
            uint32_t e = last[n_last - cnt];
            touch(s, gen, e);
            score[e].val = (score[e].val + REMINDER_SCORE) * REMINDER_SCORE + (double)cnt / 100.0;
        }
    }
    const sbr_knn_acc *acc = &s->base.score;
    if (cfg->pop_boost > 0 && max_pop > 0) {
        for (size_t t = 0; t < acc->n_list; t++) {
            uint32_t i = acc->list[t];
            score[i].val += cfg->pop_boost * ((double)s->pop[i] / (double)max_pop);
        }
    }

    *n_out = sbr_knn_scratch_top(&s->base, cfg->normalize, out, q->n);
    return SBR_OK;
}

static size_t sknn_scratch_bytes(const sbr_model *model)
{
    const sknn_model *m = (const sknn_model *)model;
    const sbr_session_index *ix = m->ix;
    return sizeof(sknn_scratch) +
           sbr_knn_scratch_bytes(ix->n_items, ix->n_sessions, (size_t)m->cfg.k, false) +
           sbr_knn_sampler_bytes(ix, m->cfg.sampling, m->cfg.ties) +
           (ix->n_items + 1) * sizeof(size_t);
}

/* The model file holds the index as it is; the configuration comes with the file. */
static sbr_rc sknn_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    sbr_session_index_save(((const sknn_model *)model)->ix, w);
    return SBR_OK;
}

static sbr_rc sknn_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    sknn_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "sknn: out of memory");
    m->base.algo = &sbr_algo_sknn;
    m->cfg = *(const sknn_config *)config;
    sbr_rc rc = sbr_session_index_load(r, &m->ix, err);
    if (rc != SBR_OK) {
        free(m);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_sknn = {
    .abi = SBR_ALGO_ABI,
    .name = "sknn",
    .help = "session kNN: the items of the k most similar past sessions (session-rec SKNN)",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = sknn_params,
    .config_size = sizeof(sknn_config),
    .tune_space = "k=choice:50|100|500|1000|1500; sample_size=choice:500|1000|2500|5000|10000; "
                  "similarity=choice:jaccard|cosine|binary",
    .fit = sknn_fit,
    .model_bytes = sknn_bytes,
    .scratch_bytes = sknn_scratch_bytes,
    .scratch_new = sknn_scratch_new,
    .scratch_free = sknn_scratch_free,
    .predict = sknn_predict,
    .save = sknn_save,
    .load = sknn_load,
    .free = sknn_free,
};
