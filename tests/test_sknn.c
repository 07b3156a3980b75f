/* sknn and vsknn (session-rec's ContextKNN and VMContextKNN).
 *
 * Expected values come from three independent sources:
 *  - brute-force references written here from the reference's pseudo-code (section 2.0 to
 *    2.2 of session-rec.md) and the documented tie rules: a loop over every training session,
 *    no index, no heaps, no stamps; both algorithms must give the same items and scores
 *    (relative 1e-12) on seeded random data for many settings;
 *  - small cases computed by hand (the arithmetic is in the comments);
 *  - for ties=session_rec, the iteration order of real CPython 3.11.7 sets, noted in the
 *    comments (e.g. a set filled with 3, 8, 16 lists as [8, 16, 3]). */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/knn_scratch.h"
#include "data/rng.h"
#include "algorithms/sknn.h"
#include "algorithms/vsknn.h"
#include "data/dataset.h"
#include "eval/harness.h"
#include "test_util.h"

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct click3 {
    uint64_t session, item;
    double time;
} click3;

static sbr_dataset *build(const click3 *c, size_t n)
{
    sbr_click *clicks = malloc((n ? n : 1) * sizeof *clicks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(clicks);
    for (size_t k = 0; k < n; k++)
        clicks[k] = (sbr_click){c[k].session, c[k].item, c[k].time, k};
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, n, &ds, &e), SBR_OK);
    free(clicks);
    return ds;
}

static sbr_model *fit(const char *spec, const sbr_dataset *train)
{
    sbr_model *m = test_fit(spec, train);
    CU_ASSERT(m->algo->model_bytes(m) > 0);
    return m;
}

/* Predicts from dense items (SBR_ITEM_UNKNOWN allowed) with a fresh scratch. */
static size_t predict_dense(const sbr_model *m, const uint32_t *items, size_t len, size_t n,
                            sbr_scored *out)
{
    double times[64] = {0};
    CU_ASSERT_FATAL(len <= 64);
    sbr_query q = {items, times, len, 0, n, NULL};
    void *scratch = m->algo->scratch_new(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    size_t n_out = 0;
    sbr_err e;
    CU_ASSERT_EQUAL(m->algo->predict(m, &q, scratch, out, &n_out, &e), SBR_OK);
    m->algo->scratch_free(scratch);
    return n_out;
}

/* Predicts from original item ids (unknown ones become SBR_ITEM_UNKNOWN). */
static size_t predict_ids(const sbr_model *m, const sbr_dataset *train, const uint64_t *ids,
                          size_t len, size_t n, sbr_scored *out)
{
    uint32_t items[64];
    CU_ASSERT_FATAL(len <= 64);
    for (size_t t = 0; t < len; t++)
        if (!sbr_dataset_find_item(train, ids[t], &items[t]))
            items[t] = SBR_ITEM_UNKNOWN;
    return predict_dense(m, items, len, n, out);
}

/* Asserts that the list is exactly (ids, scores) in this order, scores within 1e-12. */
static void expect_list(const sbr_dataset *train, const sbr_scored *got, size_t n_got,
                        const uint64_t *ids, const double *scores, size_t n)
{
    CU_ASSERT_EQUAL(n_got, n);
    for (size_t r = 0; r < n && r < n_got; r++) {
        CU_ASSERT_EQUAL(train->item_ids[got[r].item], ids[r]);
        CU_ASSERT(fabs(got[r].score - scores[r]) <= 1e-12 * fabs(scores[r]));
        if (train->item_ids[got[r].item] != ids[r] ||
            !(fabs(got[r].score - scores[r]) <= 1e-12 * fabs(scores[r])))
            fprintf(stderr, "\n  rank %zu: item %llu score %.17g, expected %llu %.17g", r + 1,
                    (unsigned long long)train->item_ids[got[r].item], got[r].score,
                    (unsigned long long)ids[r], scores[r]);
    }
}

/* Two lists are the same: equal length, items and scores (exactly). */
static bool same_lists(const sbr_scored *x, size_t nx, const sbr_scored *y, size_t ny)
{
    if (nx != ny)
        return false;
    for (size_t j = 0; j < nx; j++)
        if (x[j].item != y[j].item || x[j].score != y[j].score)
            return false;
    return true;
}

/* The name of the CHOICE parameter `name` as set in cfg. */
static const char *choice(const sbr_algo *a, const void *cfg, const char *name)
{
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++)
        if (strcmp(p->name, name) == 0)
            return p->choices[*(const int *)(const void *)((const char *)cfg + p->offset)];
    CU_FAIL_FATAL("no such parameter");
    return NULL;
}

/* ---- brute-force references ------------------------------------------------------------ */

enum { REF_MAX_ITEMS = 16 };

typedef struct ref_session {
    uint64_t id;
    double end;
    size_t n;
    uint32_t items[REF_MAX_ITEMS]; /* distinct, ascending */
} ref_session;

static int u32_asc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The training sessions as the reference describes them: the clicks at or after `cutoff`,
 * each session's distinct items, its end = latest click time; clicks counted per item. */
static size_t ref_sessions(const sbr_dataset *ds, double cutoff, ref_session *out, size_t *clicks)
{
    size_t n = 0;
    memset(clicks, 0, ds->n_items * sizeof *clicks);
    for (size_t s = 0; s < ds->n_sessions; s++) {
        ref_session *r = &out[n];
        r->id = sbr_dataset_session_id(ds, s);
        r->n = 0;
        r->end = -INFINITY;
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
            if (ds->times[c] < cutoff)
                continue;
            clicks[ds->items[c]]++;
            if (ds->times[c] > r->end)
                r->end = ds->times[c];
            bool seen = false;
            for (size_t j = 0; j < r->n; j++)
                seen = seen || r->items[j] == ds->items[c];
            if (!seen) {
                CU_ASSERT_FATAL(r->n < REF_MAX_ITEMS);
                r->items[r->n++] = ds->items[c];
            }
        }
        if (r->n == 0)
            continue;
        qsort(r->items, r->n, sizeof *r->items, u32_asc);
        n++;
    }
    return n;
}

static bool ref_contains(const ref_session *r, uint32_t item)
{
    for (size_t j = 0; j < r->n; j++)
        if (r->items[j] == item)
            return true;
    return false;
}

/* Most recent first: end descending, then SessionId descending. */
static int ref_recent_first(const void *a, const void *b)
{
    const ref_session *x = *(const ref_session *const *)a, *y = *(const ref_session *const *)b;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return (x->id < y->id) - (x->id > y->id);
}

/* The candidates: sessions sharing an item with the query, most recent first, cut to
 * sample_size (0: all). */
static size_t ref_candidates(ref_session *sess, size_t n_sess, const uint32_t *known, size_t nk,
                             long sample_size, ref_session **cand)
{
    size_t n = 0;
    for (size_t s = 0; s < n_sess; s++) {
        bool shares = false;
        for (size_t t = 0; t < nk; t++)
            shares = shares || ref_contains(&sess[s], known[t]);
        if (shares)
            cand[n++] = &sess[s];
    }
    qsort(cand, n, sizeof *cand, ref_recent_first);
    if (sample_size > 0 && n > (size_t)sample_size)
        n = (size_t)sample_size;
    return n;
}

typedef struct ref_neighbour {
    const ref_session *s;
    double sim;
} ref_neighbour;

/* Stable sort by similarity, descending (insertion sort keeps the candidate order on ties),
 * then the first k. */
static size_t ref_top_k(ref_neighbour *nb, size_t n, long k)
{
    for (size_t j = 1; j < n; j++) {
        ref_neighbour v = nb[j];
        size_t i = j;
        while (i > 0 && nb[i - 1].sim < v.sim) {
            nb[i] = nb[i - 1];
            i--;
        }
        nb[i] = v;
    }
    return n < (size_t)k ? n : (size_t)k;
}

static int scored_rank(const void *a, const void *b)
{
    const sbr_scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

/* Normalises (optionally) and ranks the positive scores; writes the first n. */
static size_t ref_rank(const double *score, const bool *has, size_t n_items, bool normalize,
                       size_t n, sbr_scored *out)
{
    double max = 0;
    for (size_t i = 0; i < n_items; i++)
        if (has[i] && score[i] > max)
            max = score[i];
    if (!(max > 0))
        return 0;
    sbr_scored *all = malloc(n_items * sizeof *all);
    CU_ASSERT_PTR_NOT_NULL_FATAL(all);
    size_t m = 0;
    for (size_t i = 0; i < n_items; i++) {
        double v = normalize ? score[i] / max : score[i];
        if (has[i] && v > 0)
            all[m++] = (sbr_scored){(uint32_t)i, v};
    }
    qsort(all, m, sizeof *all, scored_rank);
    if (m > n)
        m = n;
    memcpy(out, all, m * sizeof *out);
    free(all);
    return m;
}

static double ref_utc_cutoff(const sbr_dataset *ds, long last_n_days)
{
    if (last_n_days <= 0 || ds->n_clicks == 0)
        return -INFINITY;
    double last = ds->times[0];
    for (size_t c = 0; c < ds->n_clicks; c++)
        if (ds->times[c] > last)
            last = ds->times[c];
    return floor(last / 86400.0) * 86400.0 - 86400.0 * (double)last_n_days;
}

/* V-SKNN as in section 2.2: W(p, L) and WS(step) by name. */
static double ref_w(const char *name, size_t p, size_t len)
{
    double i = (double)p, l = (double)len;
    if (strcmp(name, "same") == 0)
        return 1;
    if (strcmp(name, "div") == 0)
        return i / l;
    if (strcmp(name, "linear") == 0)
        return p <= 10 ? 1 - 0.1 * (l - i) : 0;
    if (strcmp(name, "log") == 0)
        return 1 / log10(l - i + 1.7);
    return (i / l) * (i / l);
}

static double ref_ws(const char *name, size_t step)
{
    double i = (double)step;
    if (strcmp(name, "same") == 0)
        return 1;
    if (strcmp(name, "div") == 0)
        return 1 / i;
    if (strcmp(name, "linear") == 0)
        return step <= 100 ? 1 - 0.1 * i : 0;
    if (strcmp(name, "log") == 0)
        return 1 / log10(i + 1.7);
    return 1 / (i * i);
}

static size_t ref_vsknn(const sbr_dataset *ds, const vsknn_config *cfg, const uint32_t *query,
                        size_t len, size_t n, sbr_scored *out)
{
    const sbr_algo *a = &sbr_algo_vsknn;
    const char *weighting = choice(a, cfg, "weighting");
    const char *weighting_score = choice(a, cfg, "weighting_score");
    bool cosine = strcmp(choice(a, cfg, "similarity"), "cosine") == 0;
    size_t ni = ds->n_items;
    uint32_t known[64];
    size_t nk = 0;
    for (size_t t = 0; t < len; t++)
        if (query[t] != SBR_ITEM_UNKNOWN)
            known[nk++] = query[t];
    if (nk == 0)
        return 0;
    /* L_items and pos_map (a later click overwrites an earlier one). */
    size_t first = cfg->last_n_clicks > 0 && nk > (size_t)cfg->last_n_clicks
                       ? nk - (size_t)cfg->last_n_clicks
                       : 0;
    const uint32_t *l_items = known + first;
    size_t l_len = nk - first;
    double *pos = malloc(ni * sizeof *pos);
    bool *in_l = calloc(ni, sizeof *in_l);
    double *score = calloc(ni, sizeof *score);
    bool *has = calloc(ni, sizeof *has);
    size_t *clicks = malloc(ni * sizeof *clicks);
    ref_session *sess = malloc(ds->n_sessions * sizeof *sess);
    ref_session **cand = malloc(ds->n_sessions * sizeof *cand);
    ref_neighbour *nb = malloc(ds->n_sessions * sizeof *nb);
    CU_ASSERT_FATAL(pos && in_l && score && has && clicks && sess && cand && nb);
    for (size_t p = 1; p <= l_len; p++) {
        pos[l_items[p - 1]] = ref_w(weighting, p, l_len);
        in_l[l_items[p - 1]] = true;
    }
    size_t n_map = 0;
    double sum_sq = 0;
    for (size_t i = 0; i < ni; i++)
        if (in_l[i]) {
            n_map++;
            sum_sq += pos[i] * pos[i];
        }
    size_t n_sess = ref_sessions(ds, ref_utc_cutoff(ds, cfg->last_n_days), sess, clicks);
    size_t n_cand = ref_candidates(sess, n_sess, known, nk, cfg->sample_size, cand);
    size_t n_nb = 0;
    for (size_t c = 0; c < n_cand; c++) {
        double dot = 0;
        for (size_t j = 0; j < cand[c]->n; j++)
            if (in_l[cand[c]->items[j]])
                dot += pos[cand[c]->items[j]];
        double sim = cosine ? dot / (sqrt(sum_sq) * sqrt((double)cand[c]->n)) : dot / (double)n_map;
        if (sim > 0)
            nb[n_nb++] = (ref_neighbour){cand[c], sim};
    }
    n_nb = ref_top_k(nb, n_nb, cfg->k);
    for (size_t j = 0; j < n_nb; j++) {
        size_t step = 1;
        for (size_t t = l_len; t-- > 0; step++)
            if (ref_contains(nb[j].s, l_items[t]))
                break;
        double decay = ref_ws(weighting_score, step);
        for (size_t k = 0; k < nb[j].s->n; k++) {
            uint32_t i = nb[j].s->items[k];
            if (!cfg->remind && in_l[i])
                continue;
            double c = nb[j].sim;
            if (cfg->idf_weighting > 0)
                c = c + c * log((double)n_sess / (double)clicks[i]) * cfg->idf_weighting;
            score[i] += c * decay;
            has[i] = true;
        }
    }
    if (cfg->push_reminders) {
        for (size_t i = 0; i < ni; i++) {
            size_t count = 0;
            for (size_t t = 0; t < nk; t++)
                count += known[t] == i;
            if (count > 0)
                score[i] *= (double)(count + 1);
        }
    }
    size_t m = ref_rank(score, has, ni, cfg->normalize != 0, n, out);
    free(pos);
    free(in_l);
    free(score);
    free(has);
    free(clicks);
    free(sess);
    free(cand);
    free(nb);
    return m;
}

/* SKNN as in section 2.1. */
static size_t ref_sknn(const sbr_dataset *ds, const sknn_config *cfg, const uint32_t *query,
                       size_t len, size_t n, sbr_scored *out)
{
    const char *sim_name = choice(&sbr_algo_sknn, cfg, "similarity");
    size_t ni = ds->n_items;
    uint32_t known[64];
    size_t nk = 0;
    for (size_t t = 0; t < len; t++)
        if (query[t] != SBR_ITEM_UNKNOWN)
            known[nk++] = query[t];
    if (nk == 0)
        return 0;
    bool *in_b = calloc(ni, sizeof *in_b);
    double *score = calloc(ni, sizeof *score);
    bool *has = calloc(ni, sizeof *has);
    size_t *pop = calloc(ni, sizeof *pop);
    size_t *clicks = malloc(ni * sizeof *clicks);
    ref_session *sess = malloc(ds->n_sessions * sizeof *sess);
    ref_session **cand = malloc(ds->n_sessions * sizeof *cand);
    ref_neighbour *nb = malloc(ds->n_sessions * sizeof *nb);
    CU_ASSERT_FATAL(in_b && score && has && pop && clicks && sess && cand && nb);
    size_t lb = 0;
    for (size_t t = 0; t < nk; t++)
        if (!in_b[known[t]]) {
            in_b[known[t]] = true;
            lb++;
        }
    size_t n_sess = ref_sessions(ds, -INFINITY, sess, clicks);
    size_t n_cand = ref_candidates(sess, n_sess, known, nk, cfg->sample_size, cand);
    size_t n_nb = 0;
    for (size_t c = 0; c < n_cand; c++) {
        size_t li = 0, la = cand[c]->n;
        for (size_t j = 0; j < la; j++)
            li += in_b[cand[c]->items[j]];
        size_t union_size = la + lb - li;
        double sim;
        if (strcmp(sim_name, "jaccard") == 0)
            sim = (double)li / (double)union_size;
        else if (strcmp(sim_name, "tanimoto") == 0)
            sim = (double)li / (double)(la + lb - li);
        else if (strcmp(sim_name, "binary") == 0)
            sim = (double)(2 * li) / (double)(2 * li + la + lb);
        else
            sim = (double)li / sqrt((double)la) * sqrt((double)lb);
        if (sim > 0)
            nb[n_nb++] = (ref_neighbour){cand[c], sim};
    }
    n_nb = ref_top_k(nb, n_nb, cfg->k);
    size_t max_pop = 0;
    for (size_t j = 0; j < n_nb; j++)
        for (size_t k = 0; k < nb[j].s->n; k++) {
            uint32_t i = nb[j].s->items[k];
            score[i] += nb[j].sim;
            has[i] = true;
            if (++pop[i] > max_pop)
                max_pop = pop[i];
        }
    if (cfg->remind) {
        size_t from = nk > 3 ? nk - 3 : 0;
        for (size_t t = from, cnt = 1; t < nk; t++, cnt++) {
            uint32_t e = known[t];
            score[e] = (score[e] + 5) * 5 + (double)cnt / 100;
            has[e] = true;
        }
    }
    if (cfg->pop_boost > 0 && max_pop > 0)
        for (size_t i = 0; i < ni; i++)
            if (has[i])
                score[i] += cfg->pop_boost * ((double)pop[i] / (double)max_pop);
    size_t m = ref_rank(score, has, ni, cfg->normalize != 0, n, out);
    free(in_b);
    free(score);
    free(has);
    free(pop);
    free(clicks);
    free(sess);
    free(cand);
    free(nb);
    return m;
}

/* ---- random data ------------------------------------------------------------------------ */

/* n_sessions sessions of 1 to 8 clicks over item ids 1..n_items, skewed to small ids, over 6
 * days; session starts on a 1000 s grid and clicks 100 s apart, so many sessions end at the
 * same time (the tie rules matter). SessionIds are shuffled against the time order. */
static sbr_dataset *random_train(uint32_t seed, size_t n_sessions, size_t n_items)
{
    gsl_rng *r = sbr_rng_new(seed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    click3 *c = malloc(n_sessions * 8 * sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t n = 0;
    for (size_t s = 0; s < n_sessions; s++) {
        uint64_t id = 3 * s + 1 + gsl_rng_uniform_int(r, 3);
        size_t len = 1 + gsl_rng_uniform_int(r, 8);
        double start = 86400.0 * (double)gsl_rng_uniform_int(r, 6) +
                       1000.0 * (double)gsl_rng_uniform_int(r, 12);
        for (size_t t = 0; t < len; t++) {
            double u = gsl_rng_uniform(r);
            uint64_t item = 1 + (uint64_t)((double)n_items * u * u);
            c[n++] = (click3){id, item, start + 100.0 * (double)t};
        }
    }
    gsl_rng_free(r);
    sbr_dataset *ds = build(c, n);
    free(c);
    return ds;
}

/* A query of 1 to 12 clicks over the dense items, with repeats and some unknown items. */
/* A query of 1 to 12 clicks, or with `long_query` 17 to 44 (more last clicks than vsknn's
 * short table and more distinct items than sknn's 32 tag bits: the scanning paths). */
static size_t random_query(gsl_rng *r, size_t n_items, uint32_t *items, bool long_query)
{
    size_t len = long_query ? 17 + gsl_rng_uniform_int(r, 28) : 1 + gsl_rng_uniform_int(r, 12);
    for (size_t t = 0; t < len; t++) {
        if (gsl_rng_uniform(r) < 0.05)
            items[t] = SBR_ITEM_UNKNOWN;
        else if (t > 0 && gsl_rng_uniform(r) < 0.15)
            items[t] = items[gsl_rng_uniform_int(r, t)]; /* a repeat */
        else
            items[t] = (uint32_t)gsl_rng_uniform_int(r, n_items);
    }
    return len;
}

typedef size_t (*ref_fn)(const sbr_dataset *ds, const void *cfg, const uint32_t *query, size_t len,
                         size_t n, sbr_scored *out);

static size_t ref_vsknn_any(const sbr_dataset *ds, const void *cfg, const uint32_t *query,
                            size_t len, size_t n, sbr_scored *out)
{
    return ref_vsknn(ds, cfg, query, len, n, out);
}

static size_t ref_sknn_any(const sbr_dataset *ds, const void *cfg, const uint32_t *query,
                           size_t len, size_t n, sbr_scored *out)
{
    return ref_sknn(ds, cfg, query, len, n, out);
}

/* Compares the algorithm under `spec` with its reference on n_queries random queries, with
 * short lists and full lists; returns the number of differing lists. */
static size_t compare_with_reference(const char *spec, ref_fn ref, uint32_t seed)
{
    sbr_dataset *train = random_train(seed, 160, 40);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, spec, &e), SBR_OK);
    const sbr_algo *a = sp.algo;
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(a, sp.config, train, &m, &e), SBR_OK);
    const void *cfg = sp.config;
    void *scratch = a->scratch_new(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    gsl_rng *r = sbr_rng_new(seed + 1);
    size_t ni = train->n_items, differ = 0, non_empty = 0;
    sbr_scored *got = malloc(ni * sizeof *got), *want = malloc(ni * sizeof *want);
    CU_ASSERT_FATAL(got != NULL && want != NULL && r != NULL);
    double times[48] = {0};
    for (size_t k = 0; k < 300; k++) {
        uint32_t items[48];
        size_t len = random_query(r, ni, items, k % 4 == 3);
        size_t n = k % 2 ? ni : 10;
        sbr_query q = {items, times, len, 0, n, NULL};
        size_t n_got = 0;
        CU_ASSERT_EQUAL(a->predict(m, &q, scratch, got, &n_got, &e), SBR_OK);
        size_t n_want = ref(train, cfg, items, len, n, want);
        bool same = n_got == n_want;
        for (size_t j = 0; same && j < n_got; j++)
            same = got[j].item == want[j].item &&
                   fabs(got[j].score - want[j].score) <= 1e-12 * fabs(want[j].score);
        if (!same && differ++ == 0)
            fprintf(stderr, "\n  %s: query %zu differs (%zu vs %zu items)", spec, k, n_got, n_want);
        non_empty += n_want > 0;
    }
    CU_ASSERT(non_empty > 200); /* the comparison is not vacuous */
    free(got);
    free(want);
    gsl_rng_free(r);
    a->scratch_free(scratch);
    a->free(m);
    sbr_spec_fini(&sp);
    sbr_dataset_free(train);
    return differ;
}

/* ---- tests: references ------------------------------------------------------------------ */

static void test_vsknn_equals_brute_force_reference(void)
{
    const char *const specs[] = {
        "vsknn:k=5,sample_size=20",
        "vsknn:k=5,sample_size=20,weighting=quadratic,weighting_score=quadratic",
        "vsknn:k=10,sample_size=0,similarity=cosine,weighting=log,weighting_score=log,"
        "idf_weighting=2",
        "vsknn:k=3,sample_size=15,weighting=linear,weighting_score=linear,remind=0,"
        "push_reminders=1",
        "vsknn:k=8,sample_size=30,weighting=same,weighting_score=same,last_n_clicks=3,"
        "idf_weighting=5",
        "vsknn:k=4,sample_size=10,last_n_days=2,similarity=cosine,normalize=0",
        "vsknn:k=1000,sample_size=1000,weighting=div,weighting_score=div,push_reminders=1",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        CU_ASSERT_EQUAL(compare_with_reference(specs[i], ref_vsknn_any, (uint32_t)(11 + i)), 0);
}

static void test_sknn_equals_brute_force_reference(void)
{
    const char *const specs[] = {
        "sknn:k=5,sample_size=20",
        "sknn:k=10,sample_size=0,similarity=cosine,remind=1",
        "sknn:k=3,sample_size=15,similarity=binary,pop_boost=0.5",
        "sknn:k=8,sample_size=30,similarity=tanimoto,remind=1,pop_boost=2,normalize=0",
        "sknn:k=1000,sample_size=1000,similarity=jaccard,remind=1",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        CU_ASSERT_EQUAL(compare_with_reference(specs[i], ref_sknn_any, (uint32_t)(31 + i)), 0);
}

/* ---- tests: hand-computed cases --------------------------------------------------------- */

/* Items a..e are ids 1..5. s1 = {a, b, c} ends at 120, s2 = {b, d} at 210, s3 = {c, e} at 310. */
static sbr_dataset *abc_train(void)
{
    const click3 c[] = {{1, 1, 100}, {1, 2, 110}, {1, 3, 120}, {2, 2, 200},
                        {2, 4, 210}, {3, 3, 300}, {3, 5, 310}};
    return build(c, sizeof c / sizeof c[0]);
}

static void test_vsknn_hand_computed_weights_and_similarities(void)
{
    sbr_dataset *train = abc_train();
    const uint64_t query[] = {2, 1}; /* b then a: L = 2 */
    sbr_scored out[8];
    size_t n;

    /* div/div, vec: pos(b) = 1/2, pos(a) = 2/2 = 1, |pos_map| = 2.
     * s1 shares {a, b}: sim (1 + 0.5) / 2 = 0.75; latest match a, step 1, decay 1.
     * s2 shares {b}: sim 0.5 / 2 = 0.25; a is not in s2, b is at step 2, decay 1/2.
     * s3 shares nothing. a = .75, b = .75 + .25 * .5 = .875, c = .75, d = .125;
     * divided by .875: b 1, a 6/7, c 6/7, d 1/7. */
    sbr_model *m = fit("vsknn", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, 6.0 / 7, 6.0 / 7, 1.0 / 7}, 4);
    m->algo->free(m);

    /* remind=0 drops the session's items a and b: c .75, d .125 -> c 1, d 1/6. */
    m = fit("vsknn:remind=0", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){3, 4}, (const double[]){1, 1.0 / 6}, 2);
    m->algo->free(m);

    /* quadratic/quadratic: pos(b) = 1/4, pos(a) = 1; s1 sim 1.25 / 2 = .625, decay 1;
     * s2 sim .25 / 2 = .125, decay 1/2^2. a .625, b .625 + .125/4 = .65625, c .625,
     * d .03125 -> b 1, a 20/21, c 20/21, d 1/21. */
    m = fit("vsknn:weighting=quadratic,weighting_score=quadratic", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, 20.0 / 21, 20.0 / 21, 1.0 / 21}, 4);
    m->algo->free(m);

    /* cosine (div weights): |pos| = sqrt(.25 + 1); s1 = 1.5 / (sqrt(1.25) sqrt(3)),
     * s2 = .5 / (sqrt(1.25) sqrt(2)), decays 1 and 1/2. */
    double s1 = 1.5 / (sqrt(1.25) * sqrt(3)), s2 = 0.5 / (sqrt(1.25) * sqrt(2));
    double b = s1 + s2 / 2;
    m = fit("vsknn:similarity=cosine", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, s1 / b, s1 / b, s2 / 2 / b}, 4);
    m->algo->free(m);

    /* log/log: pos(b) = 1/log10(1 + 1.7), pos(a) = 1/log10(1.7); s1 = (pos(a) + pos(b)) / 2,
     * decay 1/log10(2.7); s2 = pos(b) / 2, decay 1/log10(3.7). */
    double pa = 1 / log10(1.7), pb = 1 / log10(2.7);
    double d1 = 1 / log10(2.7), d2 = 1 / log10(3.7);
    double sa = (pa + pb) / 2 * d1, sd = pb / 2 * d2;
    m = fit("vsknn:weighting=log,weighting_score=log", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, sa / (sa + sd), sa / (sa + sd), sd / (sa + sd)}, 4);
    m->algo->free(m);

    /* k = 1 keeps only s1 (sim .75 > .25): a, b, c all .75. */
    m = fit("vsknn:k=1", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 2, 3}, (const double[]){1, 1, 1}, 3);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_vsknn_idf_counts_clicks_and_push_reminders_multiplies(void)
{
    sbr_dataset *train = abc_train();
    sbr_scored out[8];

    /* idf_weighting = 1 on query (b, a): idf = ln(3 sessions / clicks): a ln 3, b ln 1.5,
     * c ln 1.5, d ln 3. c(n, i) = sim (1 + idf(i)), times the decay:
     * a .75 (1 + ln 3); b (.75 + .25 * .5)(1 + ln 1.5); c .75 (1 + ln 1.5);
     * d .125 (1 + ln 3). a is the largest. */
    double a = 0.75 * (1 + log(3.0)), b = 0.875 * (1 + log(1.5)), c = 0.75 * (1 + log(1.5));
    double d = 0.125 * (1 + log(3.0));
    sbr_model *m = fit("vsknn:idf_weighting=1", train);
    size_t n = predict_ids(m, train, (const uint64_t[]){2, 1}, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 2, 3, 4},
                (const double[]){1, b / a, c / a, d / a}, 4);
    m->algo->free(m);

    /* An item clicked twice counts twice in idf: a fourth session {a, a} makes 4 sessions,
     * a has 3 clicks: idf(a) = ln(4/3), not ln(4/2). Query (a): s1 and s4 share a, sim 1,
     * decay 1: a 2 (1 + ln(4/3)), b and c 1 + ln(4/2). */
    const click3 c4[] = {{1, 1, 100}, {1, 2, 110}, {1, 3, 120}, {2, 2, 200}, {2, 4, 210},
                         {3, 3, 300}, {3, 5, 310}, {4, 1, 400}, {4, 1, 410}};
    sbr_dataset *train4 = build(c4, sizeof c4 / sizeof c4[0]);
    m = fit("vsknn:idf_weighting=1", train4);
    n = predict_ids(m, train4, (const uint64_t[]){1}, 1, 8, out);
    double ia = 2 * (1 + log(4.0 / 3)), ib = 1 + log(2.0);
    expect_list(train4, out, n, (const uint64_t[]){1, 2, 3}, (const double[]){1, ib / ia, ib / ia},
                3);
    m->algo->free(m);
    sbr_dataset_free(train4);

    /* push_reminders on (b, a, b): L = 3, pos(b) = 3/3 = 1 (the later click overwrites),
     * pos(a) = 2/3, |pos_map| = 2. s1: (1 + 2/3)/2 = 5/6, decay 1 (b at step 1); s2: 1/2,
     * decay 1. a 5/6, b 5/6 + 1/2 = 4/3, c 5/6, d 1/2; then b *= 2 clicks + 1 -> 4,
     * a *= 1 + 1 -> 5/3. Divided by 4: b 1, a 5/12, c 5/24, d 1/8. */
    m = fit("vsknn:push_reminders=1", train);
    n = predict_ids(m, train, (const uint64_t[]){2, 1, 2}, 3, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, 5.0 / 12, 5.0 / 24, 1.0 / 8}, 4);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_vsknn_linear_weight_is_zero_beyond_position_10(void)
{
    /* Items x1..x11 are ids 1..11, y 101, z 102. s1 holds x1..x11; s2 = {x11, z};
     * s3 = {x10, y}. Query x1..x11, weighting=linear, weighting_score=same:
     * W(p, 11) = 1 - 0.1 (11 - p) for p <= 10, and 0 for p = 11, the latest click (the test
     * is on p). s1: (0 + .1 + ... + .9) / 11 = 4.5/11; s2 shares only x11: sim 0, dropped,
     * so z is never recommended; s3: .9/11. x10 = 5.4/11, other x 4.5/11, y .9/11.
     * Divided by x10: x10 1, x1..x9 and x11 5/6, y 1/6. */
    click3 c[32];
    size_t n = 0;
    for (uint64_t i = 1; i <= 11; i++)
        c[n++] = (click3){1, i, 100.0 + (double)i};
    c[n++] = (click3){2, 11, 200};
    c[n++] = (click3){2, 102, 201};
    c[n++] = (click3){3, 10, 300};
    c[n++] = (click3){3, 101, 301};
    sbr_dataset *train = build(c, n);
    sbr_model *m = fit("vsknn:weighting=linear,weighting_score=same", train);
    uint64_t query[11];
    for (uint64_t i = 1; i <= 11; i++)
        query[i - 1] = i;
    sbr_scored out[16];
    size_t got = predict_ids(m, train, query, 11, 16, out);
    expect_list(train, out, got, (const uint64_t[]){10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 101},
                (const double[]){1, 5.0 / 6, 5.0 / 6, 5.0 / 6, 5.0 / 6, 5.0 / 6, 5.0 / 6, 5.0 / 6,
                                 5.0 / 6, 5.0 / 6, 5.0 / 6, 1.0 / 6},
                12);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_vsknn_linear_decay_is_negative_beyond_10_steps(void)
{
    /* x1..x12 are ids 1..12, y 101, z 102. s0 holds x1..x12; s1 = {x1, y}; s2 = {x12, z}.
     * Query x1..x12 with weighting=same, weighting_score=linear: every pos is 1, |pos_map|
     * 12. s0: sim 1, step 1, decay .9; s1: sim 1/12, its only match x1 is 12 steps back,
     * decay 1 - 1.2 = -.2; s2: sim 1/12, decay .9. x1 = .9 - .2/12, x2..x11 = .9,
     * x12 = .9 + .9/12 = .975, y = -.2/12 (negative: not listed), z = .9/12.
     * Divided by .975. */
    click3 c[32];
    size_t n = 0;
    for (uint64_t i = 1; i <= 12; i++)
        c[n++] = (click3){1, i, 100.0 + (double)i};
    c[n++] = (click3){2, 1, 200};
    c[n++] = (click3){2, 101, 201};
    c[n++] = (click3){3, 12, 300};
    c[n++] = (click3){3, 102, 301};
    sbr_dataset *train = build(c, n);
    sbr_model *m = fit("vsknn:weighting=same,weighting_score=linear", train);
    uint64_t query[12];
    for (uint64_t i = 1; i <= 12; i++)
        query[i - 1] = i;
    sbr_scored out[16];
    size_t got = predict_ids(m, train, query, 12, 16, out);
    double top = 0.9 + 0.9 / 12, mid = 0.9 / top, x1 = (0.9 - 0.2 / 12) / top;
    expect_list(
        train, out, got, (const uint64_t[]){12, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 102},
        (const double[]){1, mid, mid, mid, mid, mid, mid, mid, mid, mid, mid, x1, 0.9 / 12 / top},
        13);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_vsknn_last_n_clicks_and_last_n_days(void)
{
    /* s1 = {a, x}, s2 = {b, y} (a 1, b 2, x 11, y 12). Query (a, b), last_n_clicks=1: L is
     * (b); s1 is still a candidate (through a) but shares nothing with L: dropped. s2: sim
     * 1/1, so only b and y, both 1. */
    const click3 c[] = {{1, 1, 100}, {1, 11, 101}, {2, 2, 200}, {2, 12, 201}};
    sbr_dataset *train = build(c, 4);
    sbr_scored out[8];
    sbr_model *m = fit("vsknn:last_n_clicks=1", train);
    size_t n = predict_ids(m, train, (const uint64_t[]){1, 2}, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 12}, (const double[]){1, 1}, 2);
    m->algo->free(m);
    sbr_dataset_free(train);

    /* last_n_days = 1: the last click is on day 5 (5 * 86400 + 500), so the index keeps clicks
     * from UTC midnight of day 4 (4 * 86400) on: s2 = {a, y} (day 5) and s3 = {a, z} (day 4,
     * 86,000 s in) stay, s1 = {a, x} (day 0) goes. Query (a): y and z, never x. */
    const click3 d[] = {{1, 1, 1000},
                        {1, 11, 1010},
                        {2, 1, 5 * 86400.0 + 400},
                        {2, 12, 5 * 86400.0 + 500},
                        {3, 1, 4 * 86400.0 + 86000},
                        {3, 13, 4 * 86400.0 + 86001}};
    train = build(d, 6);
    m = fit("vsknn:last_n_days=1", train);
    n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 12, 13}, (const double[]){1, 0.5, 0.5}, 3);
    m->algo->free(m);
    m = fit("vsknn", train); /* without the window x comes back */
    n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 11, 12, 13},
                (const double[]){1, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 4);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_sknn_hand_computed_similarities(void)
{
    sbr_dataset *train = abc_train();
    const uint64_t query[] = {1, 2}; /* B = {a, b}, lb = 2 */
    sbr_scored out[8];
    size_t n;

    /* jaccard: s1 |{a,b}| / |{a,b,c}| = 2/3; s2 1/|{a,b,d}| = 1/3; s3 no match.
     * a 2/3, b 1, c 2/3, d 1/3 (already normalised). tanimoto: 2/(3+2-2), 1/(2+2-1): same. */
    const char *const same_as_jaccard[] = {"sknn", "sknn:similarity=tanimoto"};
    for (size_t i = 0; i < 2; i++) {
        sbr_model *m = fit(same_as_jaccard[i], train);
        n = predict_ids(m, train, query, 2, 8, out);
        expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                    (const double[]){1, 2.0 / 3, 2.0 / 3, 1.0 / 3}, 4);
        m->algo->free(m);
    }

    /* binary: s1 2*2 / (2*2 + 3 + 2) = 4/9; s2 2 / (2 + 2 + 2) = 1/3. b 7/9, a, c 4/9,
     * d 3/9 -> b 1, a 4/7, c 4/7, d 3/7. */
    sbr_model *m = fit("sknn:similarity=binary", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, 4.0 / 7, 4.0 / 7, 3.0 / 7}, 4);
    m->algo->free(m);

    /* cosine as coded, li / sqrt(la) * sqrt(lb): s1 2/sqrt(3)*sqrt(2), s2 1/sqrt(2)*sqrt(2).
     * The normalised scores are those of the true cosine li / sqrt(la lb):
     * s1 = 2/sqrt(6), s2 = 1/sqrt(4) = 1/2. b = s1 + s2. */
    double s1 = 2 / sqrt(6.0), s2 = 0.5;
    m = fit("sknn:similarity=cosine", train);
    n = predict_ids(m, train, query, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, s1 / (s1 + s2), s1 / (s1 + s2), s2 / (s1 + s2)}, 4);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_sknn_reminders_and_pop_boost_as_coded(void)
{
    sbr_dataset *train = abc_train();
    sbr_scored out[8];
    size_t n;

    /* jaccard, remind on (a, b, a): the last 3 clicks a, b, a with cnt 1, 2, 3, in turn:
     * a = (2/3 + 5) * 5 + .01; b = (1 + 5) * 5 + .02 = 30.02; a = (a + 5) * 5 + .03.
     * c 2/3, d 1/3 unchanged. */
    double a = (2.0 / 3 + 5) * 5 + 0.01;
    a = (a + 5) * 5 + 0.03;
    double b = (1.0 + 5) * 5 + 0.02;
    sbr_model *m = fit("sknn:remind=1", train);
    n = predict_ids(m, train, (const uint64_t[]){1, 2, 1}, 3, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 2, 3, 4},
                (const double[]){1, b / a, (2.0 / 3) / a, (1.0 / 3) / a}, 4);
    m->algo->free(m);

    /* With cosine as coded the reminders add to raw scores that carry the sqrt(lb) factor:
     * query (a, b): s1 = 2/sqrt(3)*sqrt(2), s2 = 1/sqrt(2)*sqrt(2); a = (s1 + 5) * 5 + .01,
     * b = (s1 + s2 + 5) * 5 + .02. */
    double c1 = 2 / sqrt(3.0) * sqrt(2.0), c2 = 1 / sqrt(2.0) * sqrt(2.0);
    double ra = (c1 + 5) * 5 + 0.01, rb = (c1 + c2 + 5) * 5 + 0.02;
    m = fit("sknn:remind=1,similarity=cosine", train);
    n = predict_ids(m, train, (const uint64_t[]){1, 2}, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, ra / rb, c1 / rb, c2 / rb}, 4);
    m->algo->free(m);

    /* pop_boost = 1 on (a, b): neighbours s1, s2; neighbour counts a 1, b 2, c 1, d 1, max 2.
     * a 2/3 + 1/2, b 1 + 1 = 2, c 2/3 + 1/2, d 1/3 + 1/2; divided by 2. */
    m = fit("sknn:pop_boost=1", train);
    n = predict_ids(m, train, (const uint64_t[]){1, 2}, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){2, 1, 3, 4},
                (const double[]){1, (2.0 / 3 + 0.5) / 2, (2.0 / 3 + 0.5) / 2, (1.0 / 3 + 0.5) / 2},
                4);
    m->algo->free(m);

    /* remind + pop_boost = 2 on (d): B = {d}, the only neighbour s2 = {b, d} has jaccard 1/2.
     * Reminder: d = (1/2 + 5) * 5 + .01 = 27.51. Neighbour counts b 1, d 1 (max 1), so
     * b = 1/2 + 2 = 2.5, d = 27.51 + 2 = 29.51. */
    m = fit("sknn:pop_boost=2,remind=1", train);
    n = predict_ids(m, train, (const uint64_t[]){4}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){4, 2}, (const double[]){1, 2.5 / 29.51}, 2);
    m->algo->free(m);

    /* A reminded item in no neighbour gets no popularity: (e, d) with k = 1; s2 = {b, d} and
     * s3 = {c, e} both have jaccard 1/3, the more recent s3 wins. c 1/3, e 1/3; reminders
     * e = (1/3 + 5) * 5 + .01, d = (0 + 5) * 5 + .02 = 25.02; pop_boost 2 adds 2 to c and e
     * (1 neighbour of 1) and 0 to d. */
    double e = (1.0 / 3 + 5) * 5 + 0.01 + 2;
    m = fit("sknn:k=1,pop_boost=2,remind=1", train);
    n = predict_ids(m, train, (const uint64_t[]){5, 4}, 2, 8, out);
    expect_list(train, out, n, (const uint64_t[]){5, 4, 3},
                (const double[]){1, 25.02 / e, (1.0 / 3 + 2) / e}, 3);
    m->algo->free(m);
    sbr_dataset_free(train);
}

/* ---- tests: tie rules ------------------------------------------------------------------ */

static void test_recent_ties_prefer_later_end_then_larger_session_id(void)
{
    /* a = 1; x, y, z, w = 11..14. Sessions {a, x} id 5 ends 100, {a, y} id 9 ends 100,
     * {a, z} id 7 ends 300, {a, w} id 3 ends 50. */
    const click3 c[] = {{5, 1, 99},  {5, 11, 100}, {9, 1, 99}, {9, 12, 100},
                        {7, 1, 299}, {7, 13, 300}, {3, 1, 49}, {3, 14, 50}};
    sbr_dataset *train = build(c, 8);
    sbr_scored out[8];
    /* sample_size 1 keeps the latest session (id 7): z. */
    sbr_model *m = fit("vsknn:sample_size=1,remind=0", train);
    size_t n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){13}, (const double[]){1}, 1);
    m->algo->free(m);
    /* sample_size 2: ids 7 and then, of 5 and 9 (both ending at 100), the larger id 9. */
    m = fit("sknn:sample_size=2", train);
    n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 12, 13}, (const double[]){1, 0.5, 0.5}, 3);
    m->algo->free(m);
    /* All similarities are equal; k = 3 takes 7, 9, 5 in recency order, never 3 (w). */
    m = fit("vsknn:k=3,sample_size=0,remind=0", train);
    n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){11, 12, 13}, (const double[]){1, 1, 1}, 3);
    m->algo->free(m);
    sbr_dataset_free(train);
}

static void test_session_rec_ties_follow_cpython_set_order(void)
{
    /* Sessions 3, 8 and 16 each hold a (id 1) and their own item 100 + id; 3 is the most
     * recent. In CPython 3.11 a set filled with 3, 8, 16 (session-rec adds the sessions in
     * SessionId order) lists as [8, 16, 3], so with equal similarities and k = 1 session-rec
     * keeps 8; ties=recent keeps 3. */
    const click3 c[] = {{3, 1, 299},   {3, 103, 300}, {8, 1, 99},
                        {8, 108, 100}, {16, 1, 199},  {16, 116, 200}};
    sbr_dataset *train = build(c, 6);
    sbr_scored out[8];
    sbr_model *m = fit("vsknn:k=1,remind=0,ties=session_rec", train);
    size_t n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){108}, (const double[]){1}, 1);
    m->algo->free(m);
    m = fit("sknn:k=1,ties=session_rec", train);
    n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){1, 108}, (const double[]){1, 1}, 2);
    m->algo->free(m);
    m = fit("vsknn:k=1,remind=0", train);
    n = predict_ids(m, train, (const uint64_t[]){1}, 1, 8, out);
    expect_list(train, out, n, (const uint64_t[]){103}, (const double[]){1}, 1);
    m->algo->free(m);
    sbr_dataset_free(train);

    /* 105 sessions: A_j = 1000 + 37 j (j < 60) hold a (id 1), B_j = 51 + 101 j (j < 45) hold
     * b (id 2); each also holds its own item 10^6 + id and ends at 10000 + 1000 (id mod 5).
     * Query (a, b), weighting=same, weighting_score=same: every similarity is 1/2, so the
     * k = 10 neighbours are the first 10 candidates, and their own items are listed, all
     * with score 1. In CPython 3.11.7, with A and B the sets filled in id order,
     * rel = set() | A; rel = rel | B lists first 3072, 3586, 3081, 1037, 1296, 2576, 1555,
     * 1814, 2071, 2073; with sample_size 20, the stable sort on the end (descending) of that
     * listing, cut to 20 and added to a new set, lists first 2184, 1814, 1444, 3109, 4394,
     * 3889, 1074, 2739, 3384, 2879. ties=recent takes the latest ends, then the larger ids:
     * 2369, 2374, 2554, 2739, 2879, 2924, 3109, 3384, 3889, 4394 (here sorted). */
    click3 big[210];
    size_t nb = 0;
    for (uint64_t j = 0; j < 105; j++) {
        uint64_t id = j < 60 ? 1000 + 37 * j : 51 + 101 * (j - 60);
        double end = 10000.0 + 1000.0 * (double)(id % 5);
        big[nb++] = (click3){id, j < 60 ? 1 : 2, end - 1};
        big[nb++] = (click3){id, 1000000 + id, end};
    }
    train = build(big, nb);
    const uint64_t query[] = {1, 2};
    const double ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const struct {
        const char *spec;
        uint64_t ids[10];
    } cases[] = {
        {"vsknn:k=10,sample_size=0,weighting=same,weighting_score=same,remind=0,"
         "ties=session_rec",
         {1037, 1296, 1555, 1814, 2071, 2073, 2576, 3072, 3081, 3586}},
        {"vsknn:k=10,sample_size=20,weighting=same,weighting_score=same,remind=0,"
         "ties=session_rec",
         {1074, 1444, 1814, 2184, 2739, 2879, 3109, 3384, 3889, 4394}},
        {"vsknn:k=10,sample_size=20,weighting=same,weighting_score=same,remind=0",
         {2369, 2374, 2554, 2739, 2879, 2924, 3109, 3384, 3889, 4394}},
    };
    for (size_t i = 0; i < 3; i++) {
        uint64_t want[10];
        for (size_t j = 0; j < 10; j++)
            want[j] = 1000000 + cases[i].ids[j];
        m = fit(cases[i].spec, train);
        sbr_scored got[20];
        n = predict_ids(m, train, query, 2, 20, got);
        expect_list(train, got, n, want, ones, 10);
        m->algo->free(m);
    }
    sbr_dataset_free(train);

    /* Crowded tables (long probe runs, perturbation jumps, copies of a grown set): 450
     * sessions, ids 1 + 64 j (j < 200) hold a, 2 + 64 j (j < 150) hold b, 3 + 32 j (j < 100)
     * hold c, each with its own item 10^6 + id, ending at 10000 + 1000 (id mod 3). Query
     * (a, b, a, c), weighting=same: all similarities 1/3. CPython 3.11.7: the first 10 of
     * rel = ((((set() | A) | B) | A) | C) are (sorted) 1, 1025, 2049, 3073, 4097, 5121, 6145,
     * 7169, 8193, 9217; of the 50-session sample (stable sort on the end of that listing,
     * added to a new set) 2, 1025, 2051, 2177, 3074, 4097, 5249, 6530, 7169, 8321; ties=recent
     * takes 11009, 11201, ..., 12737 (step 192: the largest ids ending at 12000). */
    click3 *crowd = malloc(900 * sizeof *crowd);
    CU_ASSERT_PTR_NOT_NULL_FATAL(crowd);
    size_t nc = 0;
    for (uint64_t j = 0; j < 450; j++) {
        uint64_t id = j < 200 ? 1 + 64 * j : j < 350 ? 2 + 64 * (j - 200) : 3 + 32 * (j - 350);
        double end = 10000.0 + 1000.0 * (double)(id % 3);
        crowd[nc++] = (click3){id, j < 200 ? 1 : j < 350 ? 2 : 3, end - 1};
        crowd[nc++] = (click3){id, 1000000 + id, end};
    }
    train = build(crowd, nc);
    free(crowd);
    const uint64_t query3[] = {1, 2, 1, 3};
    const struct {
        const char *spec;
        uint64_t ids[10];
    } crowded[] = {
        {"vsknn:k=10,sample_size=0,weighting=same,weighting_score=same,remind=0,"
         "ties=session_rec",
         {1, 1025, 2049, 3073, 4097, 5121, 6145, 7169, 8193, 9217}},
        {"vsknn:k=10,sample_size=50,weighting=same,weighting_score=same,remind=0,"
         "ties=session_rec",
         {2, 1025, 2051, 2177, 3074, 4097, 5249, 6530, 7169, 8321}},
        {"vsknn:k=10,sample_size=50,weighting=same,weighting_score=same,remind=0",
         {11009, 11201, 11393, 11585, 11777, 11969, 12161, 12353, 12545, 12737}},
    };
    for (size_t i = 0; i < 3; i++) {
        uint64_t want[10];
        for (size_t j = 0; j < 10; j++)
            want[j] = 1000000 + crowded[i].ids[j];
        m = fit(crowded[i].spec, train);
        sbr_scored got[20];
        n = predict_ids(m, train, query3, 4, 20, got);
        expect_list(train, got, n, want, ones, 10);
        m->algo->free(m);
    }
    sbr_dataset_free(train);
}

static void test_session_rec_ties_change_only_the_order_of_equals(void)
{
    /* Without a sample or a k cut, both tie orders pick the same neighbours: the same items,
     * and scores equal up to the order of summation. */
    sbr_dataset *train = random_train(77, 160, 40);
    const char *const pairs[][2] = {
        {"vsknn:k=1000,sample_size=0,weighting=quadratic",
         "vsknn:k=1000,sample_size=0,weighting=quadratic,ties=session_rec"},
        {"sknn:k=1000,sample_size=0,remind=1", "sknn:k=1000,sample_size=0,remind=1,"
                                               "ties=session_rec"},
    };
    gsl_rng *r = sbr_rng_new(5);
    size_t ni = train->n_items;
    sbr_scored *x = malloc(ni * sizeof *x), *y = malloc(ni * sizeof *y);
    CU_ASSERT_FATAL(x != NULL && y != NULL && r != NULL);
    for (size_t p = 0; p < 2; p++) {
        sbr_model *a = fit(pairs[p][0], train), *b = fit(pairs[p][1], train);
        size_t differ = 0;
        for (size_t k = 0; k < 200; k++) {
            uint32_t items[16];
            size_t len = random_query(r, ni, items, false);
            size_t nx = predict_dense(a, items, len, ni, x),
                   ny = predict_dense(b, items, len, ni, y);
            /* Rank by rank the scores agree; an item may differ only where its score is within
             * 1e-12 of a neighbouring rank's (a tie up to rounding). */
            bool same = nx == ny;
            for (size_t j = 0; same && j < nx; j++) {
                same = fabs(x[j].score - y[j].score) <= 1e-12 * x[j].score;
                bool near_tie = (j > 0 && x[j - 1].score - x[j].score <= 1e-12 * x[j].score) ||
                                (j + 1 < nx && x[j].score - x[j + 1].score <= 1e-12 * x[j].score);
                same = same && (x[j].item == y[j].item || near_tie);
            }
            differ += !same;
        }
        CU_ASSERT_EQUAL(differ, 0);
        a->algo->free(a);
        b->algo->free(b);
    }
    free(x);
    free(y);
    gsl_rng_free(r);
    sbr_dataset_free(train);
}

/* ---- tests: sampling, unknown items, purity, parameters -------------------------------- */

static void test_random_sampling_is_seeded_per_query(void)
{
    sbr_dataset *train = random_train(91, 160, 40);
    size_t ni = train->n_items;
    gsl_rng *r = sbr_rng_new(17);
    sbr_scored *x = malloc(ni * sizeof *x), *y = malloc(ni * sizeof *y);
    CU_ASSERT_FATAL(x != NULL && y != NULL && r != NULL);
    /* Without a cut, random sampling is no sampling: equal to recent. */
    sbr_model *all_random = fit("vsknn:k=5,sample_size=1000,sampling=random", train);
    sbr_model *all_recent = fit("vsknn:k=5,sample_size=1000", train);
    /* With a cut: repeatable for a seed, and the seed matters. */
    sbr_model *s1 = fit("sknn:k=5,sample_size=8,sampling=random,seed=1", train);
    sbr_model *s2 = fit("sknn:k=5,sample_size=8,sampling=random,seed=2", train);
    void *scratch = s1->algo->scratch_new(s1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    size_t differ_all = 0, unrepeatable = 0, seed_matters = 0;
    double times[16] = {0};
    for (size_t k = 0; k < 200; k++) {
        uint32_t items[16];
        size_t len = random_query(r, ni, items, false);
        size_t nx = predict_dense(all_random, items, len, ni, x);
        size_t ny = predict_dense(all_recent, items, len, ni, y);
        differ_all += !same_lists(x, nx, y, ny);
        nx = predict_dense(s1, items, len, ni, x);
        sbr_query q = {items, times, len, 0, ni, NULL};
        sbr_err e;
        for (int again = 0; again < 2; again++) { /* a reused scratch, after other queries */
            CU_ASSERT_EQUAL(s1->algo->predict(s1, &q, scratch, y, &ny, &e), SBR_OK);
            unrepeatable += !same_lists(x, nx, y, ny);
        }
        ny = predict_dense(s2, items, len, ni, y);
        seed_matters += !same_lists(x, nx, y, ny);
    }
    CU_ASSERT_EQUAL(differ_all, 0);
    CU_ASSERT_EQUAL(unrepeatable, 0);
    CU_ASSERT(seed_matters > 0);
    s1->algo->scratch_free(scratch);
    all_random->algo->free(all_random);
    all_recent->algo->free(all_recent);
    s1->algo->free(s1);
    s2->algo->free(s2);
    free(x);
    free(y);
    gsl_rng_free(r);
    sbr_dataset_free(train);
}

static void test_unknown_items_are_skipped(void)
{
    sbr_dataset *train = abc_train();
    sbr_scored out[8];
    const char *const specs[] = {"vsknn", "sknn", "vsknn:ties=session_rec",
                                 "sknn:ties=session_rec,remind=1"};
    for (size_t i = 0; i < 4; i++) {
        sbr_model *m = fit(specs[i], train);
        /* Only unknown items: nothing. */
        const uint32_t unknown[] = {SBR_ITEM_UNKNOWN, SBR_ITEM_UNKNOWN};
        CU_ASSERT_EQUAL(predict_dense(m, unknown, 2, 8, out), 0);
        /* (b, ?, a, ?) predicts as (b, a). */
        sbr_scored ref[8];
        size_t n_ref = predict_ids(m, train, (const uint64_t[]){2, 1}, 2, 8, ref);
        size_t n = predict_ids(m, train, (const uint64_t[]){2, 999, 1, 998}, 4, 8, out);
        CU_ASSERT(n > 0 && same_lists(out, n, ref, n_ref));
        /* n = 1: only the best. */
        CU_ASSERT_EQUAL(predict_ids(m, train, (const uint64_t[]){2, 1}, 2, 1, out), 1);
        CU_ASSERT_EQUAL(out[0].item, ref[0].item);
        m->algo->free(m);
    }
    sbr_dataset_free(train);
}

static void test_predict_leaves_the_model_unchanged(void)
{
    /* One model, two scratches used in turn on many queries, then every query again: the
     * lists must not depend on what was predicted before or with which scratch. */
    sbr_dataset *train = random_train(5, 160, 40);
    size_t ni = train->n_items;
    const char *const specs[] = {"vsknn:k=10,sample_size=25,ties=session_rec",
                                 "sknn:k=10,sample_size=25,remind=1"};
    for (size_t i = 0; i < 2; i++) {
        sbr_model *m = fit(specs[i], train);
        void *sa = m->algo->scratch_new(m), *sb = m->algo->scratch_new(m);
        CU_ASSERT_FATAL(sa != NULL && sb != NULL);
        gsl_rng *r = sbr_rng_new(3);
        uint32_t items[50][16];
        size_t lens[50], n_first[50];
        sbr_scored *first = malloc(50 * 10 * sizeof *first), out[10];
        CU_ASSERT_FATAL(first != NULL && r != NULL);
        double times[16] = {0};
        sbr_err e;
        for (size_t k = 0; k < 50; k++) {
            lens[k] = random_query(r, ni, items[k], false);
            sbr_query q = {items[k], times, lens[k], 0, 10, NULL};
            CU_ASSERT_EQUAL(
                m->algo->predict(m, &q, k % 2 ? sa : sb, first + 10 * k, &n_first[k], &e), SBR_OK);
        }
        size_t differ = 0;
        for (size_t k = 50; k-- > 0;) {
            sbr_query q = {items[k], times, lens[k], 0, 10, NULL};
            size_t n;
            CU_ASSERT_EQUAL(m->algo->predict(m, &q, k % 2 ? sb : sa, out, &n, &e), SBR_OK);
            differ += !same_lists(out, n, first + 10 * k, n_first[k]);
        }
        CU_ASSERT_EQUAL(differ, 0);
        free(first);
        gsl_rng_free(r);
        m->algo->scratch_free(sa);
        m->algo->scratch_free(sb);
        const sbr_algo *a = m->algo;
        a->scratch_free(NULL);
        a->free(m);
        a->free(NULL);
    }
    sbr_dataset_free(train);
}

static void test_parameters_are_validated_by_name(void)
{
    const struct {
        const char *algo, *name, *value, *message;
    } bad[] = {
        {"vsknn", "k", "0", "vsknn: k='0'"},
        {"vsknn", "sample_size", "-1", "sample_size='-1'"},
        {"vsknn", "weighting", "cubic",
         "weighting='cubic' is not one of linear, same, div, log "
         "or quadratic"},
        {"vsknn", "weighting_score", "exp", "weighting_score='exp'"},
        {"vsknn", "similarity", "jaccard", "similarity='jaccard' is not one of vec or cosine"},
        {"vsknn", "idf_weighting", "-2", "idf_weighting='-2'"},
        {"vsknn", "remind", "2", "remind='2'"},
        {"vsknn", "ties", "python", "ties='python' is not one of recent or session_rec"},
        {"vsknn", "sampling", "oldest", "sampling='oldest'"},
        {"vsknn", "last_n_days", "x", "last_n_days='x' is not an integer"},
        {"vsknn", "dwelling_time", "1", "unknown parameter 'dwelling_time'"},
        {"sknn", "k", "1.5", "sknn: k='1.5'"},
        {"sknn", "similarity", "dice",
         "similarity='dice' is not one of jaccard, cosine, binary "
         "or tanimoto"},
        {"sknn", "pop_boost", "-1", "pop_boost='-1'"},
        {"sknn", "normalize", "yes", "normalize='yes'"},
        {"sknn", "weighting", "div", "unknown parameter 'weighting'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const sbr_algo *a = sbr_algo_find(bad[i].algo);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_err e = {SBR_OK, ""};
        CU_ASSERT_EQUAL_FATAL(sbr_spec_defaults(&sp, a, &e), SBR_OK);
        CU_ASSERT_EQUAL(sbr_algo_set_param(a, sp.config, bad[i].name, bad[i].value, &e),
                        SBR_EINVAL);
        sbr_spec_fini(&sp);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i].message));
        if (strstr(e.msg, bad[i].message) == NULL)
            fprintf(stderr, "\n  message: %s", e.msg);
    }
    /* The defaults are session-rec's. */
    vsknn_config v;
    sbr_algo_defaults(&sbr_algo_vsknn, &v);
    CU_ASSERT_EQUAL(v.k, 100);
    CU_ASSERT_EQUAL(v.sample_size, 1000);
    CU_ASSERT_EQUAL(v.remind, 1);
    CU_ASSERT_EQUAL(v.push_reminders, 0);
    CU_ASSERT_EQUAL(v.normalize, 1);
    CU_ASSERT_DOUBLE_EQUAL(v.idf_weighting, 0, 0);
    CU_ASSERT_STRING_EQUAL(choice(&sbr_algo_vsknn, &v, "similarity"), "vec");
    CU_ASSERT_STRING_EQUAL(choice(&sbr_algo_vsknn, &v, "weighting"), "div");
    CU_ASSERT_STRING_EQUAL(choice(&sbr_algo_vsknn, &v, "weighting_score"), "div");
    CU_ASSERT_STRING_EQUAL(choice(&sbr_algo_vsknn, &v, "sampling"), "recent");
    sknn_config s;
    sbr_algo_defaults(&sbr_algo_sknn, &s);
    CU_ASSERT_EQUAL(s.remind, 0);
    CU_ASSERT_DOUBLE_EQUAL(s.pop_boost, 0, 0);
    CU_ASSERT_EQUAL(s.normalize, 1);
    CU_ASSERT_STRING_EQUAL(choice(&sbr_algo_sknn, &s, "similarity"), "jaccard");
}

static void test_empty_training_set_predicts_nothing(void)
{
    sbr_dataset *train = build(NULL, 0);
    sbr_scored out[4];
    const char *const specs[] = {"vsknn", "sknn:ties=session_rec"};
    for (size_t i = 0; i < 2; i++) {
        sbr_model *m = fit(specs[i], train);
        const uint32_t q[] = {SBR_ITEM_UNKNOWN};
        CU_ASSERT_EQUAL(predict_dense(m, q, 1, 4, out), 0);
        m->algo->free(m);
    }
    sbr_dataset_free(train);
}

static void test_metrics_are_identical_with_1_and_3_threads(void)
{
    sbr_dataset *train = random_train(21, 160, 40), *full = random_train(22, 40, 40);
    const char *const specs[] = {"vsknn:k=10,sample_size=20,sampling=random",
                                 "sknn:k=10,sample_size=20,ties=session_rec"};
    for (size_t i = 0; i < 2; i++) {
        sbr_model *m = fit(specs[i], train);
        sbr_eval_result res[2];
        for (int t = 0; t < 2; t++) {
            sbr_eval_options opt;
            sbr_eval_options_init(&opt);
            opt.threads = t == 0 ? 1 : 3;
            opt.latency = false;
            opt.keep_lists = true;
            sbr_err e;
            CU_ASSERT_EQUAL_FATAL(sbr_evaluate(m, train, full, &opt, &res[t], &e), SBR_OK);
        }
        CU_ASSERT(res[0].n_predictions > 50);
        CU_ASSERT_EQUAL_FATAL(res[0].n_predictions, res[1].n_predictions);
        size_t differ = 0;
        for (size_t p = 0; p < res[0].n_predictions; p++)
            differ += !same_lists(res[0].list_items + p * res[0].max_cutoff, res[0].lists[p].len,
                                  res[1].list_items + p * res[1].max_cutoff, res[1].lists[p].len);
        CU_ASSERT_EQUAL(differ, 0);
        CU_ASSERT_EQUAL(res[0].at[0].mrr, res[1].at[0].mrr);
        sbr_eval_result_fini(&res[0]);
        sbr_eval_result_fini(&res[1]);
        m->algo->free(m);
    }
    sbr_dataset_free(train);
    sbr_dataset_free(full);
}

static int u32_ref_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void test_scratch_sorts_match_qsort_and_stamps_wrap(void)
{
    /* The predict-time sorts (insertion sort up to 16, heapsort beyond) against qsort, on
     * seeded random arrays of every length up to 200 with many repeats. */
    gsl_rng *rng = sbr_rng_new(7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
    uint32_t a[200], b[200];
    sbr_knn_pair pa[200];
    for (size_t n = 0; n <= 200; n++) {
        for (size_t j = 0; j < n; j++) {
            a[j] = b[j] = (uint32_t)gsl_rng_uniform_int(rng, 50);
            pa[j] = (sbr_knn_pair){(uint32_t)gsl_rng_uniform_int(rng, 20), (uint32_t)j};
        }
        sbr_knn_sort_u32(a, n);
        qsort(b, n, sizeof *b, u32_ref_cmp);
        CU_ASSERT(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
        sbr_knn_sort_pairs(pa, n);
        for (size_t j = 1; j < n; j++)
            CU_ASSERT(pa[j - 1].key < pa[j].key ||
                      (pa[j - 1].key == pa[j].key && pa[j - 1].val < pa[j].val));
    }
    gsl_rng_free(rng);

    /* A wrap of the generation clears every region it owns and restarts at 1. */
    sbr_knn_gen g;
    sbr_knn_gen_init(&g);
    uint32_t *st = sbr_knn_gen_alloc(&g, 10, sizeof *st);
    double *d = sbr_knn_gen_alloc(&g, 3, sizeof *d);
    CU_ASSERT_FATAL(st != NULL && d != NULL);
    g.now = UINT32_MAX - 1;
    st[9] = sbr_knn_gen_next(&g);
    CU_ASSERT_EQUAL(st[9], UINT32_MAX);
    d[2] = 1.5;
    CU_ASSERT_EQUAL(sbr_knn_gen_next(&g), 1);
    CU_ASSERT_EQUAL(st[9], 0);
    CU_ASSERT_EQUAL(d[2], 0.0);
    sbr_knn_gen_fini(&g);
    sbr_knn_gen_fini(&g); /* a second fini is harmless */
}

static CU_TestInfo tests[] = {
    {"vsknn equals a brute-force reference on random data, for 7 settings",
     test_vsknn_equals_brute_force_reference},
    {"sknn equals a brute-force reference on random data, for 5 settings",
     test_sknn_equals_brute_force_reference},
    {"vsknn hand-computed: div, quadratic, log weights, vec and cosine, remind, k",
     test_vsknn_hand_computed_weights_and_similarities},
    {"vsknn idf counts clicks and push_reminders multiplies by clicks + 1",
     test_vsknn_idf_counts_clicks_and_push_reminders_multiplies},
    {"vsknn linear position weight is 0 beyond position 10, even for the latest click",
     test_vsknn_linear_weight_is_zero_beyond_position_10},
    {"vsknn linear score decay turns negative beyond 10 steps",
     test_vsknn_linear_decay_is_negative_beyond_10_steps},
    {"vsknn last_n_clicks limits the similarity, last_n_days the index",
     test_vsknn_last_n_clicks_and_last_n_days},
    {"sknn hand-computed: jaccard, tanimoto, binary, cosine as coded",
     test_sknn_hand_computed_similarities},
    {"sknn reminders and pop_boost as coded", test_sknn_reminders_and_pop_boost_as_coded},
    {"ties=recent prefers the later end, then the larger SessionId",
     test_recent_ties_prefer_later_end_then_larger_session_id},
    {"ties=session_rec follows CPython 3.11 set order",
     test_session_rec_ties_follow_cpython_set_order},
    {"ties=session_rec changes only the order of equals",
     test_session_rec_ties_change_only_the_order_of_equals},
    {"random sampling is seeded per query", test_random_sampling_is_seeded_per_query},
    {"unknown items are skipped", test_unknown_items_are_skipped},
    {"predict leaves the model unchanged", test_predict_leaves_the_model_unchanged},
    {"parameters are validated with messages naming them", test_parameters_are_validated_by_name},
    {"an empty training set predicts nothing", test_empty_training_set_predicts_nothing},
    {"metrics and lists are identical with 1 and 3 threads",
     test_metrics_are_identical_with_1_and_3_threads},
    {"the shared scratch's sorts match qsort and its stamps wrap",
     test_scratch_sorts_match_qsort_and_stamps_wrap},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_sknn = {"sknn", NULL, NULL, NULL, NULL, tests};
