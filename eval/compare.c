#include "eval/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/output.h"
#include "data/parse.h"
#include "eval/signif.h"

/* The reciprocal ranks at `cut` of every prediction of group g, split by split: for each sheet
 * row of the group (one per split) its split's ranks. *splits lists the split cells in order,
 * *counts the predictions per split. Returns SBR_EINVAL when a split has no ranks. */
typedef struct rr_set {
    double *rr;
    size_t n;
    const char **split;
    size_t *count;
    size_t n_splits;
} rr_set;

static void rr_set_fini(rr_set *r)
{
    free(r->rr);
    free(r->split);
    free(r->count);
    memset(r, 0, sizeof *r);
}

static sbr_rc rr_of(const sbr_summary *s, const sbr_summary_group *g, size_t cut, sbr_ranks_fn fn,
                    void *user, rr_set *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    const sbr_sheet *sh = s->sheet;
    int c_split = sbr_sheet_col(sh, "split");
    out->split = calloc(g->n + 1, sizeof *out->split);
    out->count = calloc(g->n + 1, sizeof *out->count);
    if (out->split == NULL || out->count == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    const char *ds = sbr_summary_key_of(s, g, SBR_KEY_DATASET),
               *algo = sbr_summary_key_of(s, g, SBR_KEY_ALGORITHM),
               *params = sbr_summary_key_of(s, g, SBR_KEY_PARAMS),
               *cutoff = sbr_summary_key_of(s, g, SBR_KEY_CUTOFF);
    for (size_t r = g->first_row; r < sh->n_rows && out->n_splits < g->n; r++) {
        if (strcmp(sbr_sheet_cell(sh, r, s->key[SBR_KEY_DATASET]), ds) != 0 ||
            strcmp(sbr_sheet_cell(sh, r, s->key[SBR_KEY_ALGORITHM]), algo) != 0 ||
            strcmp(sbr_sheet_cell(sh, r, s->key[SBR_KEY_PARAMS]), params) != 0 ||
            strcmp(sbr_sheet_cell(sh, r, s->key[SBR_KEY_CUTOFF]), cutoff) != 0)
            continue;
        const char *split = sbr_sheet_cell(sh, r, c_split);
        uint32_t *ranks = NULL;
        size_t n = 0;
        sbr_rc rc = fn(user, ds, split, algo, params, &ranks, &n, err);
        if (rc != SBR_OK)
            return rc;
        double *grown = realloc(out->rr, (out->n + n + 1) * sizeof *grown);
        if (grown == NULL) {
            free(ranks);
            return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
        }
        out->rr = grown;
        for (size_t i = 0; i < n; i++)
            out->rr[out->n + i] = ranks[i] > 0 && ranks[i] <= cut ? 1.0 / ranks[i] : 0.0;
        free(ranks);
        out->n += n;
        out->split[out->n_splits] = split;
        out->count[out->n_splits++] = n;
    }
    return SBR_OK;
}

/* The pairs of a and b over the splits both have with the same prediction count, into x and y
 * (allocated by the caller for min(a.n, b.n)). Returns the count, or 0 when a split common to
 * both has other counts (they are not the same predictions). */
static size_t pair_up(const rr_set *a, const rr_set *b, double *x, double *y)
{
    size_t n = 0;
    for (size_t i = 0, oa = 0; i < a->n_splits; oa += a->count[i++]) {
        for (size_t j = 0, ob = 0; j < b->n_splits; ob += b->count[j++]) {
            if (strcmp(a->split[i], b->split[j]) != 0)
                continue;
            if (a->count[i] != b->count[j])
                return 0;
            memcpy(x + n, a->rr + oa, a->count[i] * sizeof *x);
            memcpy(y + n, b->rr + ob, b->count[j] * sizeof *y);
            n += a->count[i];
        }
    }
    return n;
}

/* Whether the scope's predicate p (NULL: every group) accepts g. */
static bool accepts(const sbr_compare_scope *sc, sbr_group_pred p, const sbr_summary *s,
                    const sbr_summary_group *g)
{
    return p == NULL || p(sc->user, s, g);
}

/* Compares every group of dataset ds at cutoff that the scope tests with the dataset's best
 * reference group. */
static sbr_rc compare_dataset(const sbr_summary *s, const char *ds, const char *cutoff, size_t cut,
                              const sbr_compare_scope *sc, sbr_ranks_fn fn, void *user,
                              sbr_compare *c, sbr_err *err)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++) {
        const sbr_summary_group *g = &s->g[i];
        if (strcmp(sbr_summary_key_of(s, g, SBR_KEY_DATASET), ds) != 0 ||
            strcmp(sbr_summary_key_of(s, g, SBR_KEY_CUTOFF), cutoff) != 0 ||
            !accepts(sc, sc->reference, s, g))
            continue;
        double m = sbr_summary_mean(g, SBR_SUM_MRR);
        if (best == SIZE_MAX || m > sbr_summary_mean(&s->g[best], SBR_SUM_MRR))
            best = i; /* ties: the first seen stays best */
    }
    if (best == SIZE_MAX)
        return SBR_OK;
    c->row[best].best = c->row[best].not_worse = true;
    rr_set b;
    sbr_rc rc = rr_of(s, &s->g[best], cut, fn, user, &b, err);
    if (rc == SBR_EINVAL) { /* no ranks for the best: nothing can be tested */
        rr_set_fini(&b);
        return SBR_OK;
    }
    size_t *idx = calloc(s->n + 1, sizeof *idx), m = 0;
    double *pw = calloc(s->n + 1, sizeof *pw), *pt = calloc(s->n + 1, sizeof *pt);
    if (rc == SBR_OK && (idx == NULL || pw == NULL || pt == NULL))
        rc = sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    for (size_t i = 0; i < s->n && rc == SBR_OK; i++) {
        const sbr_summary_group *g = &s->g[i];
        if (i == best || strcmp(sbr_summary_key_of(s, g, SBR_KEY_DATASET), ds) != 0 ||
            strcmp(sbr_summary_key_of(s, g, SBR_KEY_CUTOFF), cutoff) != 0 ||
            !accepts(sc, sc->tested, s, g))
            continue;
        sbr_compare_row *row = &c->row[i];
        row->p_wilcoxon = row->p_t = row->adj_wilcoxon = row->adj_t = NAN;
        rr_set a;
        rc = rr_of(s, g, cut, fn, user, &a, err);
        if (rc == SBR_EINVAL) {
            rc = SBR_OK; /* untested */
            rr_set_fini(&a);
            continue;
        }
        size_t cap = a.n < b.n ? a.n : b.n;
        double *x = sbr_alloc_array(cap + 1, sizeof *x), *y = sbr_alloc_array(cap + 1, sizeof *y);
        if (rc == SBR_OK && (x == NULL || y == NULL))
            rc = sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
        size_t n = rc == SBR_OK ? pair_up(&a, &b, x, y) : 0;
        sbr_test_result w, t;
        if (rc == SBR_OK && n >= 2 && (rc = sbr_wilcoxon(x, y, n, &w, err)) == SBR_OK &&
            (rc = sbr_paired_t(x, y, n, &t, err)) == SBR_OK) {
            row->tested = true;
            row->n_pairs = n;
            row->p_wilcoxon = w.p;
            row->p_t = t.p;
            idx[m] = i;
            pw[m] = w.p;
            pt[m++] = t.p;
        }
        free(x);
        free(y);
        rr_set_fini(&a);
    }
    if (rc == SBR_OK && m > 0 && (rc = sbr_holm(pw, m, pw, err)) == SBR_OK &&
        (rc = sbr_holm(pt, m, pt, err)) == SBR_OK) {
        for (size_t k = 0; k < m; k++) {
            sbr_compare_row *row = &c->row[idx[k]];
            row->adj_wilcoxon = pw[k];
            row->adj_t = pt[k];
            row->not_worse = pw[k] >= c->alpha;
        }
        c->tested += m;
    }
    free(idx);
    free(pw);
    free(pt);
    rr_set_fini(&b);
    return rc;
}

sbr_rc sbr_compare_build(const sbr_summary *s, const char *cutoff, double alpha, sbr_ranks_fn fn,
                         void *user, sbr_compare *out, sbr_err *err)
{
    return sbr_compare_build_scoped(s, cutoff, alpha, NULL, fn, user, out, err);
}

sbr_rc sbr_compare_build_scoped(const sbr_summary *s, const char *cutoff, double alpha,
                                const sbr_compare_scope *scope, sbr_ranks_fn fn, void *user,
                                sbr_compare *out, sbr_err *err)
{
    static const sbr_compare_scope everything = {NULL, NULL, NULL};
    if (scope == NULL)
        scope = &everything;
    memset(out, 0, sizeof *out);
    out->alpha = alpha;
    out->row = calloc(s->n + 1, sizeof *out->row);
    if (out->row == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    out->n = s->n;
    long cut = 0;
    if (sbr_parse_long(cutoff, 1, 1000000, &cut) != NULL)
        return sbr_err_set(err, SBR_EINVAL, "report: cutoff '%s' is not a positive integer",
                           cutoff);
    sbr_rc rc = SBR_OK;
    for (size_t i = 0; i < s->n && rc == SBR_OK; i++) {
        const char *ds = sbr_summary_key_of(s, &s->g[i], SBR_KEY_DATASET);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(sbr_summary_key_of(s, &s->g[j], SBR_KEY_DATASET), ds) == 0;
        if (!seen)
            rc = compare_dataset(s, ds, cutoff, (size_t)cut, scope, fn, user, out, err);
    }
    return rc;
}

void sbr_compare_fini(sbr_compare *c)
{
    free(c->row);
    memset(c, 0, sizeof *c);
}

sbr_rc sbr_compare_write_csv(const char *dir, const sbr_summary *s, const sbr_compare *c,
                             sbr_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/significance.csv", dir) >= (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "report: %s: path too long", dir);
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "dataset,algorithm,params,cutoff,best_algorithm,best_params,n_pairs,"
                      "p_wilcoxon,p_wilcoxon_holm,p_t,p_t_holm,not_worse\n");
    for (size_t i = 0; i < c->n; i++) {
        if (!c->row[i].tested)
            continue;
        const sbr_summary_group *g = &s->g[i], *b = NULL;
        for (size_t j = 0; j < c->n && b == NULL; j++)
            if (c->row[j].best &&
                strcmp(sbr_summary_key_of(s, &s->g[j], SBR_KEY_DATASET),
                       sbr_summary_key_of(s, g, SBR_KEY_DATASET)) == 0 &&
                strcmp(sbr_summary_key_of(s, &s->g[j], SBR_KEY_CUTOFF),
                       sbr_summary_key_of(s, g, SBR_KEY_CUTOFF)) == 0)
                b = &s->g[j];
        const sbr_compare_row *r = &c->row[i];
        sbr_out_printf(
            o, "%s,%s,%s,%s,%s,%s,%zu,%.6g,%.6g,%.6g,%.6g,%d\n",
            sbr_summary_key_of(s, g, SBR_KEY_DATASET), sbr_summary_key_of(s, g, SBR_KEY_ALGORITHM),
            sbr_summary_key_of(s, g, SBR_KEY_PARAMS), sbr_summary_key_of(s, g, SBR_KEY_CUTOFF),
            b ? sbr_summary_key_of(s, b, SBR_KEY_ALGORITHM) : "",
            b ? sbr_summary_key_of(s, b, SBR_KEY_PARAMS) : "", r->n_pairs, r->p_wilcoxon,
            r->adj_wilcoxon, r->p_t, r->adj_t, r->not_worse ? 1 : 0);
    }
    return sbr_out_commit(o, err);
}
