#include "algorithms/item2vec.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"
#include "algorithms/nn/sgns.h"
#include "algorithms/nn/tensor.h"
#include "data/rng.h"
#include "data/vocab.h"

enum { BATCH_WORDS = 10000, MAX_N_LAST = 64 };

static const char *const query_modes[] = {"last", "mean", NULL};
static const char *const off_on[] = {"off", "on", NULL};

static const sbr_param_spec item2vec_params[] = {
    {"dim", SBR_P_INT, offsetof(item2vec_config, dim), 100, 1, 4096, NULL, "vector size"},
    {"window", SBR_P_INT, offsetof(item2vec_config, window), 5, 1, 1000, NULL,
     "context window (clicks each side; shrunk by U{0..window-1} per click)"},
    {"negative", SBR_P_INT, offsetof(item2vec_config, negative), 5, 1, 100, NULL,
     "negative samples per pair"},
    {"ns_exponent", SBR_P_DOUBLE, offsetof(item2vec_config, ns_exponent), 0.75, -10, 10, NULL,
     "negative sampling draws items with probability ~ count^ns_exponent"},
    {"sample", SBR_P_DOUBLE, offsetof(item2vec_config, sample), 1e-3, 0, 1, NULL,
     "frequent-item subsampling threshold (0: off)"},
    {"epochs", SBR_P_INT, offsetof(item2vec_config, epochs), 5, 1, 10000, NULL,
     "passes over the training sessions"},
    {"alpha", SBR_P_DOUBLE, offsetof(item2vec_config, alpha), 0.025, 1e-9, 10, NULL,
     "initial learning rate"},
    {"min_alpha", SBR_P_DOUBLE, offsetof(item2vec_config, min_alpha), 0.0001, 0, 10, NULL,
     "final learning rate (linear decay)"},
    {"min_count", SBR_P_INT, offsetof(item2vec_config, min_count), 1, 1, 1000000000, NULL,
     "items with fewer training clicks get no vector (gensim's default is 5)"},
    {"seed", SBR_P_INT, offsetof(item2vec_config, seed), 1, 0, 2147483647, NULL,
     "training randomness"},
    {"query", SBR_P_CHOICE, offsetof(item2vec_config, query), 0, 0, 1, query_modes,
     "query vector: the last item, or the mean of the last n_last items"},
    {"n_last", SBR_P_INT, offsetof(item2vec_config, n_last), 3, 1, MAX_N_LAST, NULL,
     "query=mean: items averaged"},
    {"decay", SBR_P_DOUBLE, offsetof(item2vec_config, decay), 1, 1e-6, 1, NULL,
     "query=mean: the i-th most recent item weighs decay^i"},
    {"shards", SBR_P_INT, offsetof(item2vec_config, shards), 16, 1, 1024, NULL,
     "each job of 10,000 clicks is cut into this many shards, trained in parallel from the "
     "job's starting model and added in shard order: the same model for any thread count "
     "(1: gensim's exact sequential order, one thread)"},
    {"hogwild", SBR_P_CHOICE, offsetof(item2vec_config, hogwild), 0, 0, 1, off_on,
     "on: the shards update the shared model concurrently, without copies (faster; NOT "
     "reproducible, the model changes from run to run)"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

typedef struct item2vec_model {
    sbr_model base;
    size_t n_items; /* the training set's dense item space */
    size_t n_vocab; /* items with a vector */
    size_t dim;
    int query;
    size_t n_last;
    double decay;
    uint32_t *row_of;  /* [n_items] the item's vector row, or UINT32_MAX */
    uint32_t *item_of; /* [n_vocab] the row's item */
    float *unit;       /* [n_vocab * dim] unit-length vectors (zero for a zero vector) */
} item2vec_model;

static void item2vec_free(sbr_model *model)
{
    if (model == NULL)
        return;
    item2vec_model *m = (item2vec_model *)model;
    free(m->row_of);
    free(m->item_of);
    free(m->unit);
    free(m);
}

/* ---- fit ---------------------------------------------------------------------------------- */

typedef struct vocab_entry {
    uint64_t count;
    uint32_t item;
} vocab_entry;

/* Count descending, then item ascending (gensim sorts by count; its order among equal counts
 * is numpy's, which this rule replaces with a documented one). */
static int by_count(const void *a, const void *b)
{
    const vocab_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

/* The vocabulary of train (rows by count), into m->row_of / m->item_of, and the counts per
 * row into *counts. */
static sbr_rc build_vocab(item2vec_model *m, const sbr_dataset *train, long min_count,
                          uint64_t **counts, sbr_err *err)
{
    size_t ni = train->n_items;
    sbr_vocab tv; /* the training clicks per item */
    sbr_rc rc = sbr_vocab_from_dataset(train, &tv, err);
    if (rc != SBR_OK)
        return rc;
    vocab_entry *v = calloc(ni + 1, sizeof *v);
    m->row_of = sbr_alloc_array(ni, sizeof *m->row_of);
    if (v == NULL || m->row_of == NULL) {
        free(v);
        sbr_vocab_fini(&tv);
        return sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
    }
    for (size_t i = 0; i < ni; i++)
        v[i] = (vocab_entry){tv.clicks[i], (uint32_t)i};
    sbr_vocab_fini(&tv);
    size_t nv = 0;
    for (size_t i = 0; i < ni; i++)
        if (v[i].count >= (uint64_t)min_count)
            v[nv++] = v[i];
    qsort(v, nv, sizeof *v, by_count);
    m->n_vocab = nv;
    m->item_of = sbr_alloc_array(nv, sizeof *m->item_of);
    *counts = sbr_alloc_array(nv, sizeof **counts);
    if (m->item_of == NULL || *counts == NULL) {
        free(v);
        return sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
    }
    for (size_t i = 0; i < ni; i++)
        m->row_of[i] = UINT32_MAX;
    for (size_t r = 0; r < nv; r++) {
        m->item_of[r] = v[r].item;
        m->row_of[v[r].item] = (uint32_t)r;
        (*counts)[r] = v[r].count;
    }
    free(v);
    return SBR_OK;
}

static sbr_rc item2vec_fit(const void *config, const sbr_dataset *train,
                           const sbr_fit_opts *fit_opts, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const item2vec_config *cfg = config;
    item2vec_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
    m->base.algo = &sbr_algo_item2vec;
    m->n_items = train->n_items;
    m->dim = (size_t)cfg->dim;
    m->query = cfg->query;
    m->n_last = (size_t)cfg->n_last;
    m->decay = cfg->decay;
    uint64_t *counts = NULL;
    sbr_rc rc = build_vocab(m, train, cfg->min_count, &counts, err);
    size_t longest = 0;
    for (size_t s = 0; s < train->n_sessions; s++) {
        size_t len = train->offsets[s + 1] - train->offsets[s];
        longest = len > longest ? len : longest;
    }
    uint32_t *rows = NULL; /* every click as a vector row (UINT32_MAX: no vector) */
    float *syn0 = NULL, *syn1neg = NULL;
    if (rc == SBR_OK) {
        if (m->n_vocab == 0) {
            rc = sbr_err_set(err, SBR_EINVAL, "item2vec: no item has min_count=%ld clicks",
                             cfg->min_count);
        } else {
            syn0 = sbr_alloc_array(m->n_vocab * m->dim, sizeof *syn0);
            syn1neg = calloc(m->n_vocab * m->dim, sizeof *syn1neg);
            rows = sbr_alloc_array(train->n_clicks, sizeof *rows);
            if (!syn0 || !syn1neg || !rows)
                rc = sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
        }
    }
    gsl_rng *init =
        rc == SBR_OK ? sbr_rng_new(sbr_seed((uint64_t)cfg->seed, 0, 0, 0x69326576)) : NULL;
    if (rc == SBR_OK && init == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
    sbr_sgns *t = NULL;
    if (rc == SBR_OK) {
        for (size_t k = 0; k < m->n_vocab * m->dim; k++)
            syn0[k] = (float)((gsl_rng_uniform(init) * 2 - 1) / (double)m->dim);
        sbr_sgns_config sc = {(size_t)cfg->dim, (size_t)cfg->window, (size_t)cfg->negative,
                              cfg->ns_exponent, cfg->sample,         (size_t)cfg->shards,
                              cfg->hogwild == 1};
        t = sbr_sgns_new(&sc, m->n_vocab, counts, syn0, syn1neg, init, longest, err);
        if (t == NULL)
            rc = err->rc;
    }
    if (rc == SBR_OK) {
        for (size_t c = 0; c < train->n_clicks; c++)
            rows[c] = m->row_of[train->items[c]];
        /* Epochs of jobs: sessions are grouped into jobs of at most BATCH_WORDS clicks, and
         * each job trains at the rate its starting progress gives (gensim's schedule). */
        double total = (double)train->n_clicks * (double)cfg->epochs;
        for (long e = 0; rc == SBR_OK && e < cfg->epochs; e++) {
            size_t done = 0, job = 0; /* clicks of earlier jobs; the job's first session */
            for (size_t s = 0; rc == SBR_OK && s <= train->n_sessions; s++) {
                size_t job_words = train->offsets[s] - train->offsets[job];
                bool last = s == train->n_sessions;
                if (job_words == 0 ||
                    (!last && job_words + train->offsets[s + 1] - train->offsets[s] <= BATCH_WORDS))
                    continue;
                double progress = ((double)e * (double)train->n_clicks + (double)done) / total;
                double a_t = cfg->alpha - (cfg->alpha - cfg->min_alpha) * progress;
                float alpha = (float)(a_t > cfg->min_alpha ? a_t : cfg->min_alpha);
                rc = sbr_sgns_train(t, rows, train->offsets, job, s, alpha, err);
                done += job_words;
                job = s;
            }
            sbr_fit_report(fit_opts, "epoch", (uint64_t)e + 1, (uint64_t)cfg->epochs, NAN, NAN);
        }
    }
    if (rc == SBR_OK) {
        /* The model keeps unit vectors only. */
        m->unit = syn0;
        syn0 = NULL;
        for (size_t r = 0; r < m->n_vocab; r++) {
            float *v = m->unit + r * m->dim;
            double norm = sqrt((double)sbr_nn_dot(v, v, m->dim));
            for (size_t k = 0; norm > 0 && k < m->dim; k++)
                v[k] = (float)(v[k] / norm);
        }
    }
    sbr_sgns_free(t);
    gsl_rng_free(init);
    free(rows);
    free(counts);
    free(syn0);
    free(syn1neg);
    if (rc != SBR_OK) {
        item2vec_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

/* ---- predict ------------------------------------------------------------------------------ */

typedef struct item2vec_scratch {
    float *q;          /* [dim] */
    uint32_t *exclude; /* [n_last] the query's rows */
} item2vec_scratch;

static size_t item2vec_scratch_bytes(const sbr_model *model)
{
    const item2vec_model *m = (const item2vec_model *)model;
    return sizeof(item2vec_scratch) + m->dim * sizeof(float) + MAX_N_LAST * sizeof(uint32_t);
}

static void item2vec_scratch_free(void *p)
{
    item2vec_scratch *s = p;
    if (s == NULL)
        return;
    free(s->q);
    free(s->exclude);
    free(s);
}

static void *item2vec_scratch_new(const sbr_model *model)
{
    const item2vec_model *m = (const item2vec_model *)model;
    item2vec_scratch *s = malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    s->q = sbr_alloc_array(m->dim, sizeof *s->q);
    s->exclude = sbr_alloc_array(MAX_N_LAST, sizeof *s->exclude);
    if (s->q == NULL || s->exclude == NULL) {
        item2vec_scratch_free(s);
        return NULL;
    }
    return s;
}

static sbr_rc item2vec_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                               sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const item2vec_model *m = (const item2vec_model *)model;
    item2vec_scratch *s = scratch;
    size_t dim = m->dim, want = m->query == 1 ? m->n_last : 1, n_ex = 0;
    memset(s->q, 0, dim * sizeof *s->q);
    double w = 1;
    /* The most recent known items, newest first, each once. */
    for (size_t k = q->len; k-- > 0 && n_ex < want;) {
        uint32_t i = q->items[k];
        uint32_t r = i < m->n_items ? m->row_of[i] : UINT32_MAX;
        bool seen = r == UINT32_MAX;
        for (size_t e = 0; e < n_ex && !seen; e++)
            seen = s->exclude[e] == r;
        if (seen)
            continue;
        s->exclude[n_ex++] = r;
        sbr_nn_axpy((float)w, m->unit + (size_t)r * dim, s->q, dim);
        w *= m->decay;
    }
    *n_out = 0;
    if (n_ex == 0)
        return SBR_OK;
    double qn = sqrt((double)sbr_nn_dot(s->q, s->q, dim));
    if (!(qn > 0))
        return SBR_OK;
    sbr_topn top;
    sbr_topn_init(&top, out, q->n);
    for (size_t r = 0; r < m->n_vocab; r++) {
        bool excluded = false;
        for (size_t e = 0; e < n_ex && !excluded; e++)
            excluded = s->exclude[e] == r;
        if (!excluded)
            sbr_topn_push(&top, m->item_of[r],
                          (double)sbr_nn_dot(m->unit + r * dim, s->q, dim) / qn);
    }
    *n_out = sbr_topn_finish(&top, out);
    return SBR_OK;
}

/* ---- model size, files -------------------------------------------------------------------- */

static size_t item2vec_bytes(const sbr_model *model)
{
    const item2vec_model *m = (const item2vec_model *)model;
    return sizeof *m + m->n_items * sizeof *m->row_of + m->n_vocab * sizeof *m->item_of +
           m->n_vocab * m->dim * sizeof *m->unit;
}

static sbr_rc item2vec_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const item2vec_model *m = (const item2vec_model *)model;
    sbr_mw_u64(w, m->n_items);
    sbr_mw_array(w, m->item_of, m->n_vocab, sizeof *m->item_of);
    sbr_mw_array(w, m->unit, m->n_vocab * m->dim, sizeof *m->unit);
    return SBR_OK;
}

static sbr_rc item2vec_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const item2vec_config *cfg = config;
    item2vec_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
    m->base.algo = &sbr_algo_item2vec;
    m->dim = (size_t)cfg->dim;
    m->query = cfg->query;
    m->n_last = (size_t)cfg->n_last;
    m->decay = cfg->decay;
    sbr_rc rc = sbr_mr_size(r, &m->n_items, 0, UINT32_MAX - 1, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array(r, (void **)&m->item_of, &m->n_vocab, sizeof *m->item_of, err);
    if (rc == SBR_OK && m->n_vocab > m->n_items)
        rc = sbr_err_set(err, SBR_EPARSE, "item2vec: %zu vectors for %zu items", m->n_vocab,
                         m->n_items);
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(r, (void **)&m->unit, m->n_vocab * m->dim, sizeof *m->unit, err);
    if (rc == SBR_OK && (m->row_of = sbr_alloc_array(m->n_items, sizeof *m->row_of)) == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "item2vec: out of memory");
    for (size_t i = 0; rc == SBR_OK && i < m->n_items; i++)
        m->row_of[i] = UINT32_MAX;
    for (size_t v = 0; rc == SBR_OK && v < m->n_vocab; v++) {
        uint32_t i = m->item_of[v];
        if (i >= m->n_items || m->row_of[i] != UINT32_MAX)
            rc = sbr_err_set(err, SBR_EPARSE, "item2vec: vector %zu of item %u is invalid", v, i);
        else
            m->row_of[i] = (uint32_t)v;
    }
    if (rc != SBR_OK) {
        item2vec_free(&m->base);
        return rc;
    }
    *out = &m->base;
    return SBR_OK;
}

/* Learning rates must fall, and a model needs a window it can shrink. */
static sbr_rc item2vec_check(const void *config, sbr_err *err)
{
    const item2vec_config *cfg = config;
    if (cfg->min_alpha > cfg->alpha)
        return sbr_err_set(err, SBR_EINVAL, "item2vec: min_alpha=%g exceeds alpha=%g",
                           cfg->min_alpha, cfg->alpha);
    return SBR_OK;
}

const sbr_algo sbr_algo_item2vec = {
    .abi = SBR_ALGO_ABI,
    .name = "item2vec",
    .help = "item2vec: skip-gram item embeddings (gensim Word2Vec sg=1), cosine to the session",
    .family = SBR_FAMILY_LEARNED,
    .params = item2vec_params,
    .config_size = sizeof(item2vec_config),
    /* The Cloudera Fast Forward report's grid, plus dim and sample. */
    .tune_space = "window=int:1:19; negative=int:1:19; "
                  "ns_exponent=choice:-1|-0.8|-0.6|-0.4|-0.2|0|0.2|0.4|0.6|0.8|1; "
                  "epochs=logint:5:100; dim=choice:32|64|100|128; sample=log:0.00001:0.01",
    .check = item2vec_check,
    .fit = item2vec_fit,
    .model_bytes = item2vec_bytes,
    .scratch_bytes = item2vec_scratch_bytes,
    .scratch_new = item2vec_scratch_new,
    .scratch_free = item2vec_scratch_free,
    .predict = item2vec_predict,
    .save = item2vec_save,
    .load = item2vec_load,
    .free = item2vec_free,
};
