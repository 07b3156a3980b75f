/* pop and spop: the popularity baselines of session-rec.
 *
 * pop:  score(i) = supp(i) / (supp(i) + 1), supp = the item's training clicks; with top_n set
 *       only the top_n items score. The same list for every session.
 * spop: score(i) = count of i in the current session + supp(i) / (supp(i) + 1) for the top_n
 *       popular items; session items outside the top_n score their count alone.
 *
 * session-rec's own Pop and SessionPop cannot run through its evaluator (fit is called with
 * two arguments, and predict_next with a `timestamp` it does not accept, section 2.8 of the
 * reference), so these implement the evident intent of their fit and predict_next. Both keep
 * the "popular" order as ranked by the ranking rule: support descending, then item id. */
#include "algorithms/pop.h"

#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"

typedef struct pop_model {
    sbr_model base;
    size_t n_items;
    size_t n_top;          /* the first n_top of `order` are the popular ones */
    sbr_scored *order;     /* every item with its popularity score, ranked */
    unsigned char *in_top; /* [n_items] 1 when the item is among the first n_top */
} pop_model;

static int scored_rank_cmp(const void *a, const void *b)
{
    const sbr_scored *x = a, *y = b;
    return sbr_scored_before(x, y) ? -1 : sbr_scored_before(y, x) ? 1 : 0;
}

static sbr_rc pop_build(const sbr_algo *algo, long top_n, const sbr_dataset *train, sbr_model **out,
                        sbr_err *err)
{
    *out = NULL;
    pop_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", algo->name);
    m->base.algo = algo;
    m->n_items = train->n_items;
    m->order = sbr_alloc_array(train->n_items, sizeof *m->order);
    m->in_top = calloc(train->n_items + 1, 1);
    size_t *supp = calloc(train->n_items + 1, sizeof *supp);
    if (m->order == NULL || m->in_top == NULL || supp == NULL) {
        free(supp);
        algo->free(&m->base);
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", algo->name);
    }
    for (size_t c = 0; c < train->n_clicks; c++)
        supp[train->items[c]]++;
    for (uint32_t i = 0; i < train->n_items; i++)
        m->order[i] = (sbr_scored){i, (double)supp[i] / ((double)supp[i] + 1.0)};
    free(supp);
    qsort(m->order, m->n_items, sizeof *m->order, scored_rank_cmp);
    m->n_top = top_n > 0 && (size_t)top_n < m->n_items ? (size_t)top_n : m->n_items;
    for (size_t r = 0; r < m->n_top; r++)
        m->in_top[m->order[r].item] = 1;
    *out = &m->base;
    return SBR_OK;
}

static size_t pop_bytes(const sbr_model *model)
{
    const pop_model *m = (const pop_model *)model;
    return sizeof *m + m->n_items * (sizeof *m->order + 1);
}

/* The ranked items and their scores as two arrays (sbr_scored has padding, whose bytes would
 * make files differ), and n_top; in_top follows from them. */
static sbr_rc pop_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    const pop_model *m = (const pop_model *)model;
    uint32_t *items = sbr_alloc_array(m->n_items, sizeof *items);
    double *scores = sbr_alloc_array(m->n_items, sizeof *scores);
    if (items == NULL || scores == NULL) {
        free(items);
        free(scores);
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", model->algo->name);
    }
    for (size_t r = 0; r < m->n_items; r++) {
        items[r] = m->order[r].item;
        scores[r] = m->order[r].score;
    }
    sbr_mw_u64(w, m->n_top);
    sbr_mw_array(w, items, m->n_items, sizeof *items);
    sbr_mw_array(w, scores, m->n_items, sizeof *scores);
    free(items);
    free(scores);
    return SBR_OK;
}

static void pop_free(sbr_model *model);

static sbr_rc pop_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    (void)config;
    *out = NULL;
    const sbr_algo *algo = sbr_mr_algo(r);
    uint32_t *items = NULL;
    double *scores = NULL;
    size_t n_top = 0, n = 0;
    pop_model *m = calloc(1, sizeof *m);
    sbr_rc rc = m == NULL ? sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", algo->name) : SBR_OK;
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &n_top, 0, UINT32_MAX, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array(r, (void **)&items, &n, sizeof *items, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&scores, n, sizeof *scores, err);
    if (rc == SBR_OK && n_top > n)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: model has %zu top items of %zu", algo->name, n_top,
                         n);
    if (rc == SBR_OK) {
        m->base.algo = algo;
        m->n_items = n;
        m->n_top = n_top;
        m->order = sbr_alloc_array(n, sizeof *m->order);
        m->in_top = calloc(n + 1, 1);
        if (m->order == NULL || m->in_top == NULL)
            rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", algo->name);
    }
    for (size_t i = 0; rc == SBR_OK && i < n; i++) {
        if (items[i] >= n) {
            rc = sbr_err_set(err, SBR_EPARSE, "%s: model item %u of %zu", algo->name, items[i], n);
            break;
        }
        m->order[i] = (sbr_scored){items[i], scores[i]};
        if (i < n_top)
            m->in_top[items[i]] = 1;
    }
    free(items);
    free(scores);
    if (rc != SBR_OK) {
        pop_free(m != NULL ? &m->base : NULL);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

static size_t no_scratch_bytes(const sbr_model *model)
{
    (void)model;
    return 1;
}

static void pop_free(sbr_model *model)
{
    if (model == NULL)
        return;
    pop_model *m = (pop_model *)model;
    free(m->order);
    free(m->in_top);
    free(m);
}

/* ---- pop ---------------------------------------------------------------------------------- */

static const sbr_param_spec pop_params[] = {
    {"top_n", SBR_P_INT, offsetof(pop_config, top_n), 0, 0, 1e9, NULL,
     "only the top_n most popular items are recommended (0: all)"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc pop_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                      sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    return pop_build(&sbr_algo_pop, ((const pop_config *)config)->top_n, train, out, err);
}

static void *no_scratch_new(const sbr_model *model)
{
    (void)model;
    return malloc(1);
}

static sbr_rc pop_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                          sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)scratch;
    (void)err;
    const pop_model *m = (const pop_model *)model;
    size_t n = q->n < m->n_top ? q->n : m->n_top;
    memcpy(out, m->order, n * sizeof *out);
    *n_out = n;
    return SBR_OK;
}

const sbr_algo sbr_algo_pop = {
    .abi = SBR_ALGO_ABI,
    .name = "pop",
    .help = "popularity: the most clicked training items, the same for every session",
    .family = SBR_FAMILY_BASELINE,
    .params = pop_params,
    .config_size = sizeof(pop_config),
    .tune_space = "top_n=logint:1:1000",
    .fit = pop_fit,
    .model_bytes = pop_bytes,
    .scratch_bytes = no_scratch_bytes,
    .scratch_new = no_scratch_new,
    .scratch_free = free,
    .predict = pop_predict,
    .save = pop_save,
    .load = pop_load,
    .free = pop_free,
};

/* ---- spop --------------------------------------------------------------------------------- */

static const sbr_param_spec spop_params[] = {{"top_n", SBR_P_INT, offsetof(spop_config, top_n), 100,
                                              1, 1e9, NULL,
                                              "popular items that get the popularity score"},
                                             {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* Per-thread counts of the session's items; `stamp` marks the counts of the current call, so
 * nothing is cleared between calls. */
typedef struct spop_scratch {
    uint32_t *stamp;
    uint32_t *count;
    uint32_t now;
} spop_scratch;

static sbr_rc spop_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                       sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    return pop_build(&sbr_algo_spop, ((const spop_config *)config)->top_n, train, out, err);
}

static void spop_scratch_free(void *p)
{
    spop_scratch *s = p;
    if (s == NULL)
        return;
    free(s->stamp);
    free(s->count);
    free(s);
}

static size_t spop_scratch_bytes(const sbr_model *model)
{
    const pop_model *m = (const pop_model *)model;
    return sizeof(spop_scratch) + 2 * (m->n_items + 1) * sizeof(uint32_t);
}

static void *spop_scratch_new(const sbr_model *model)
{
    const pop_model *m = (const pop_model *)model;
    spop_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->stamp = calloc(m->n_items + 1, sizeof *s->stamp);
    s->count = calloc(m->n_items + 1, sizeof *s->count);
    if (s->stamp == NULL || s->count == NULL) {
        spop_scratch_free(s);
        return NULL;
    }
    return s;
}

static sbr_rc spop_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const pop_model *m = (const pop_model *)model;
    spop_scratch *s = scratch;
    if (++s->now == 0) { /* the stamp wrapped: clear once every 2^32 calls */
        memset(s->stamp, 0, m->n_items * sizeof *s->stamp);
        s->now = 1;
    }
    for (size_t k = 0; k < q->len; k++) {
        uint32_t i = q->items[k];
        if (i == SBR_ITEM_UNKNOWN || i >= m->n_items)
            continue;
        if (s->stamp[i] != s->now) {
            s->stamp[i] = s->now;
            s->count[i] = 0;
        }
        s->count[i]++;
    }
    sbr_topn top;
    sbr_topn_init(&top, out, q->n); /* the caller's n slots serve as the heap */
    for (size_t r = 0; r < m->n_top; r++) {
        uint32_t i = m->order[r].item;
        double in_session = s->stamp[i] == s->now ? (double)s->count[i] : 0.0;
        sbr_topn_push(&top, i, in_session + m->order[r].score);
    }
    for (size_t k = 0; k < q->len; k++) {
        uint32_t i = q->items[k];
        if (i == SBR_ITEM_UNKNOWN || i >= m->n_items || m->in_top[i] || s->stamp[i] != s->now)
            continue;
        sbr_topn_push(&top, i, (double)s->count[i]);
        s->stamp[i] = 0; /* push each session item once */
    }
    *n_out = sbr_topn_finish(&top, out);
    return SBR_OK;
}

const sbr_algo sbr_algo_spop = {
    .abi = SBR_ALGO_ABI,
    .name = "spop",
    .help = "session popularity: clicks in the session plus overall popularity",
    .family = SBR_FAMILY_BASELINE,
    .params = spop_params,
    .config_size = sizeof(spop_config),
    .tune_space = "top_n=logint:1:1000",
    .fit = spop_fit,
    .model_bytes = pop_bytes,
    .scratch_bytes = spop_scratch_bytes,
    .scratch_new = spop_scratch_new,
    .scratch_free = spop_scratch_free,
    .predict = spop_predict,
    .save = pop_save,
    .load = pop_load,
    .free = pop_free,
};
