#include "eval/plotdata.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/output.h"
#include "data/parse.h"

/* The groups at the cutoff, with their dataset and configuration indices (0-based). */
typedef struct plot_set {
    const sbr_plotdata_in *in;
    const sbr_summary *s;
    size_t *gi, *ds_of, *cfg_of; /* n entries: group index, dataset, configuration */
    size_t n;
    const sbr_summary_group **ds_first, **cfg_first; /* first group of each */
    size_t n_ds, n_cfg;
    char (*label)[SBR_PLOT_LABEL]; /* n_cfg labels */
    unsigned char *ds_ranks;       /* n_ds: whether accuracy@k has a value there */
    unsigned char *ds_len;         /* n_ds: whether latency by length has a value there */
} plot_set;

static const char *key(const plot_set *p, const sbr_summary_group *g, sbr_summary_key k)
{
    return sbr_summary_key_of(p->s, g, k);
}

static void plot_set_fini(plot_set *p)
{
    free(p->gi);
    free(p->ds_of);
    free(p->cfg_of);
    free(p->ds_first);
    free(p->cfg_first);
    free(p->label);
    free(p->ds_ranks);
    free(p->ds_len);
}

/* The configurations' labels: the user's names where they are unique, else the summary's. */
static sbr_rc make_labels(plot_set *p, sbr_err *err)
{
    p->label = calloc(p->n_cfg + 1, sizeof *p->label);
    if (p->label == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory for the plot data");
    for (size_t c = 0; c < p->n_cfg; c++) {
        const sbr_summary_group *g = p->cfg_first[c];
        sbr_err ignored = {SBR_OK, ""};
        if (p->in->label == NULL ||
            p->in->label(p->in->label_user, key(p, g, SBR_KEY_DATASET),
                         key(p, g, SBR_KEY_ALGORITHM), key(p, g, SBR_KEY_PARAMS), p->label[c],
                         SBR_PLOT_LABEL, &ignored) != SBR_OK)
            p->label[c][0] = '\0';
    }
    for (size_t c = 0; c < p->n_cfg; c++) {
        bool unique = p->label[c][0] != '\0';
        for (size_t b = 0; b < p->n_cfg && unique; b++)
            unique = b == c || strcmp(p->label[b], p->label[c]) != 0;
        if (!unique)
            for (size_t b = c + 1; b < p->n_cfg; b++) /* its namesakes after it, too */
                if (strcmp(p->label[b], p->label[c]) == 0)
                    sbr_summary_label(p->s, p->cfg_first[b], p->label[b], SBR_PLOT_LABEL);
        if (!unique)
            sbr_summary_label(p->s, p->cfg_first[c], p->label[c], SBR_PLOT_LABEL);
    }
    return SBR_OK;
}

static sbr_rc plot_set_build(const sbr_plotdata_in *in, plot_set *p, sbr_err *err)
{
    const sbr_summary *s = in->s;
    *p = (plot_set){in, s, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, NULL, NULL, NULL};
    size_t cap = s->n + 1;
    p->gi = calloc(cap, sizeof *p->gi);
    p->ds_of = calloc(cap, sizeof *p->ds_of);
    p->cfg_of = calloc(cap, sizeof *p->cfg_of);
    p->ds_first = calloc(cap, sizeof *p->ds_first);
    p->cfg_first = calloc(cap, sizeof *p->cfg_first);
    p->ds_ranks = calloc(cap, sizeof *p->ds_ranks);
    p->ds_len = calloc(cap, sizeof *p->ds_len);
    if (p->gi == NULL || p->ds_of == NULL || p->cfg_of == NULL || p->ds_first == NULL ||
        p->cfg_first == NULL || p->ds_ranks == NULL || p->ds_len == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory for the plot data");
    for (size_t i = 0; i < s->n; i++) {
        const sbr_summary_group *g = &s->g[i];
        if (strcmp(key(p, g, SBR_KEY_CUTOFF), in->cutoff) != 0)
            continue;
        size_t d = 0, c = 0;
        while (d < p->n_ds &&
               strcmp(key(p, p->ds_first[d], SBR_KEY_DATASET), key(p, g, SBR_KEY_DATASET)) != 0)
            d++;
        if (d == p->n_ds)
            p->ds_first[p->n_ds++] = g;
        while (c < p->n_cfg && !sbr_summary_same_config(s, p->cfg_first[c], g))
            c++;
        if (c == p->n_cfg)
            p->cfg_first[p->n_cfg++] = g;
        p->gi[p->n] = i;
        p->ds_of[p->n] = d;
        p->cfg_of[p->n++] = c;
    }
    return make_labels(p, err);
}

/* ---- writing ---------------------------------------------------------------------------- */

static sbr_rc open_file(const char *dir, const char *name, sbr_out **o, sbr_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "report: %s: path too long", dir);
    return sbr_out_open(path, o, err);
}

/* A number, or NaN (which gnuplot reads as an undefined value). */
static void num(sbr_out *o, const char *fmt, double v)
{
    if (isfinite(v))
        sbr_out_printf(o, fmt, v);
    else
        sbr_out_printf(o, " NaN");
}

/* A double-quoted text with '"' and '\' replaced by '\'' (gnuplot reads quoted data columns
 * without escapes). */
static void quoted(sbr_out *o, const char *text)
{
    sbr_out_printf(o, " \"");
    for (const char *c = text; *c != '\0'; c++)
        sbr_out_printf(o, "%c", *c == '"' || *c == '\\' ? '\'' : *c);
    sbr_out_printf(o, "\"");
}

/* The header comment of a per-dataset file and the block separators: block(o, p, d) opens
 * dataset d's block. */
static void block(sbr_out *o, const plot_set *p, size_t d)
{
    if (d > 0)
        sbr_out_printf(o, "\n\n");
    sbr_out_printf(o, "# dataset %zu: %s\n", d + 1, key(p, p->ds_first[d], SBR_KEY_DATASET));
}

static double mean(const sbr_summary_group *g, sbr_summary_metric m)
{
    return sbr_summary_mean(g, m);
}

/* A latency percentile, NaN when not measured (the results hold 0 then). */
static double latency(const sbr_summary_group *g, sbr_summary_metric m)
{
    double v = mean(g, m);
    return v > 0 ? v : NAN;
}

/* Writes one row of a per-dataset file: group p->gi[i]'s values after its configuration. */
typedef void (*row_fn)(sbr_out *o, const plot_set *p, size_t i);

/* Writes file: the header lines `what` (after "# <title> at cutoff N ..."), then per dataset a
 * block of one row per group: its configuration, row's values, its label. */
static sbr_rc write_rows(const char *dir, const plot_set *p, const char *file, const char *title,
                         const char *cols, row_fn row, sbr_err *err)
{
    sbr_out *o;
    sbr_rc rc = open_file(dir, file, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "# %s at cutoff %s, one block per dataset (written by sbr report)\n# %s\n",
                   title, p->in->cutoff, cols);
    for (size_t d = 0; d < p->n_ds; d++) {
        block(o, p, d);
        for (size_t i = 0; i < p->n; i++) {
            if (p->ds_of[i] != d)
                continue;
            sbr_out_printf(o, "%zu", p->cfg_of[i] + 1);
            row(o, p, i);
            quoted(o, p->label[p->cfg_of[i]]);
            sbr_out_printf(o, "\n");
        }
    }
    return sbr_out_commit(o, err);
}

static void accuracy_row(sbr_out *o, const plot_set *p, size_t i)
{
    const sbr_summary_group *g = &p->s->g[p->gi[i]];
    num(o, " %.6f", mean(g, SBR_SUM_MRR));
    num(o, " %.6f", sbr_summary_spread(g, SBR_SUM_MRR).sd);
    num(o, " %.6f", mean(g, SBR_SUM_HR));
    num(o, " %.6f", sbr_summary_spread(g, SBR_SUM_HR).sd);
    sbr_out_printf(o, " %zu", g->n);
}

/* Whether group a is dominated by another of its dataset in (p90 lower, MRR higher). */
static bool dominated(const plot_set *p, size_t a)
{
    const sbr_summary_group *ga = &p->s->g[p->gi[a]];
    double la = latency(ga, SBR_SUM_P90), ma = mean(ga, SBR_SUM_MRR);
    for (size_t b = 0; b < p->n; b++) {
        if (b == a || p->ds_of[b] != p->ds_of[a])
            continue;
        const sbr_summary_group *gb = &p->s->g[p->gi[b]];
        double lb = latency(gb, SBR_SUM_P90), mb = mean(gb, SBR_SUM_MRR);
        if (isfinite(lb) && lb <= la && mb >= ma && (lb < la || mb > ma))
            return true;
    }
    return false;
}

static bool on_front(const plot_set *p, size_t a)
{
    const sbr_summary_group *g = &p->s->g[p->gi[a]];
    return isfinite(latency(g, SBR_SUM_P90)) && isfinite(mean(g, SBR_SUM_MRR)) && !dominated(p, a);
}

static void tradeoff_row(sbr_out *o, const plot_set *p, size_t i)
{
    static const sbr_summary_metric lat[] = {SBR_SUM_P50, SBR_SUM_P90, SBR_SUM_P995, SBR_SUM_MAX};
    static const sbr_summary_metric acc[] = {SBR_SUM_MRR, SBR_SUM_HR, SBR_SUM_COVERAGE,
                                             SBR_SUM_POPULARITY};
    const sbr_summary_group *g = &p->s->g[p->gi[i]];
    for (size_t l = 0; l < sizeof lat / sizeof lat[0]; l++)
        num(o, " %.3f", latency(g, lat[l]));
    for (size_t a = 0; a < sizeof acc / sizeof acc[0]; a++)
        num(o, " %.6f", mean(g, acc[a]));
    sbr_out_printf(o, " %d", on_front(p, i));
}

static sbr_rc write_tradeoff(const char *dir, const plot_set *p, sbr_err *err)
{
    sbr_rc rc = write_rows(dir, p, "tradeoff.dat",
                           "Accuracy against latency (us; NaN when not measured), coverage and "
                           "popularity",
                           "config p50_us p90_us p995_us max_us mrr hr coverage popularity pareto "
                           "label",
                           tradeoff_row, err);
    sbr_out *o;
    if (rc == SBR_OK)
        rc = open_file(dir, "pareto.dat", &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "# The accuracy/latency Pareto front per dataset, by p90 ascending\n"
                      "# p90_us mrr config\n");
    for (size_t d = 0; d < p->n_ds; d++) {
        block(o, p, d);
        double last = -1;
        size_t shown = 0;
        for (;;) { /* the front's points by p90 ascending, ties in configuration order */
            size_t pick = SIZE_MAX;
            double best = INFINITY;
            for (size_t i = 0; i < p->n; i++) {
                double l = latency(&p->s->g[p->gi[i]], SBR_SUM_P90);
                if (p->ds_of[i] == d && l > last && l < best && on_front(p, i)) {
                    best = l;
                    pick = i;
                }
            }
            if (pick == SIZE_MAX)
                break;
            for (size_t i = 0; i < p->n; i++) {
                const sbr_summary_group *g = &p->s->g[p->gi[i]];
                if (p->ds_of[i] == d && latency(g, SBR_SUM_P90) == best && on_front(p, i)) {
                    sbr_out_printf(o, "%.3f %.6f %zu\n", best, mean(g, SBR_SUM_MRR),
                                   p->cfg_of[i] + 1);
                    shown++;
                }
            }
            last = best;
        }
        if (shown == 0)
            sbr_out_printf(o, "NaN NaN NaN\n");
    }
    return sbr_out_commit(o, err);
}

/* ---- accuracy@k ------------------------------------------------------------------------- */

/* The largest cutoff of configuration c on dataset d: the length of its stored lists. */
static size_t max_cutoff(const plot_set *p, const sbr_summary_group *g)
{
    const sbr_summary *s = p->s;
    size_t best = 0;
    for (size_t i = 0; i < s->n; i++) {
        const sbr_summary_group *h = &s->g[i];
        uint64_t c;
        const char *cell = key(p, h, SBR_KEY_CUTOFF);
        if (sbr_summary_same_config(s, h, g) &&
            strcmp(key(p, h, SBR_KEY_DATASET), key(p, g, SBR_KEY_DATASET)) == 0 &&
            sbr_parse_u64(cell, strlen(cell), &c) == NULL && c > best)
            best = (size_t)c;
    }
    return best;
}

/* MRR@k and HR@k (k = 1..SBR_PLOT_MAX_K, index k-1) of group g: the mean over its splits of
 * each split's values from its stored ranks; NaN when a split has none. *has: ranks found. */
static sbr_rc at_k(const plot_set *p, const sbr_summary_group *g, double *mrr, double *hr,
                   bool *has, sbr_err *err)
{
    const sbr_summary *s = p->s;
    const sbr_sheet *sh = s->sheet;
    int c_split = sbr_sheet_col(sh, "split");
    size_t kmax = max_cutoff(p, g), splits = 0;
    for (size_t k = 0; k < SBR_PLOT_MAX_K; k++)
        mrr[k] = hr[k] = 0;
    *has = p->in->ranks != NULL && c_split >= 0;
    for (size_t r = g->first_row; r < sh->n_rows && *has && splits < g->n; r++) {
        if (!sbr_summary_row_in(s, g, r))
            continue;
        uint32_t *rank = NULL;
        size_t n = 0;
        sbr_rc rc = p->in->ranks(p->in->ranks_user, key(p, g, SBR_KEY_DATASET),
                                 sbr_sheet_cell(sh, r, c_split), key(p, g, SBR_KEY_ALGORITHM),
                                 key(p, g, SBR_KEY_PARAMS), &rank, &n, err);
        if (rc == SBR_EINVAL)
            *has = false;
        else if (rc != SBR_OK)
            return rc;
        else if (n == 0)
            *has = false;
        for (size_t k = 1; k <= SBR_PLOT_MAX_K && *has; k++) {
            double m = 0, h = 0;
            for (size_t i = 0; i < n; i++)
                if (rank[i] > 0 && rank[i] <= k) {
                    m += 1.0 / rank[i];
                    h += 1.0;
                }
            mrr[k - 1] += m / (double)n;
            hr[k - 1] += h / (double)n;
        }
        free(rank);
        splits++;
    }
    for (size_t k = 1; k <= SBR_PLOT_MAX_K; k++) {
        bool ok = *has && splits > 0 && k <= kmax;
        mrr[k - 1] = ok ? mrr[k - 1] / (double)splits : NAN;
        hr[k - 1] = ok ? hr[k - 1] / (double)splits : NAN;
    }
    *err = (sbr_err){SBR_OK, ""}; /* a job without ranks is not an error */
    return SBR_OK;
}

/* ---- per-dataset tables with a column per configuration (atk.dat, latency_len.dat) ----- */

/* Two values per row (e.g. MRR@k and HR@k) of group g into a[rows] and b[rows]; *has: found. */
typedef sbr_rc (*group_fn)(const plot_set *p, const sbr_summary_group *g, double *a, double *b,
                           bool *has, sbr_err *err);

typedef struct wide_spec {
    const char *file, *header;       /* the file name; the first header line (without '#') */
    const char *key_cols, *names[2]; /* the row's key columns; the two value columns' prefix */
    size_t rows;
    group_fn fn;
    void (*key)(sbr_out *o, size_t row); /* writes the row's key columns */
    const char *fmt;                     /* of the values */
} wide_spec;

/* Writes w->file when some configuration has values: per dataset, w->rows rows of the key and
 * the two values of configurations 1..n. *with: configurations with values; has_ds[d]: dataset
 * d has some. */
static sbr_rc write_wide(const char *dir, const plot_set *p, const wide_spec *w,
                         unsigned char *has_ds, size_t *with, size_t *files, sbr_err *err)
{
    size_t nc = p->n_cfg, per = 2 * w->rows;
    double *v = calloc(p->n_ds * nc * per + 1, sizeof *v);
    bool *cfg_has = calloc(nc + 1, sizeof *cfg_has);
    sbr_rc rc = SBR_OK;
    if (v == NULL || cfg_has == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "report: out of memory for %s", w->file);
    for (size_t i = 0; i < p->n_ds * nc * per && rc == SBR_OK; i++)
        v[i] = NAN;
    for (size_t i = 0; i < p->n && rc == SBR_OK; i++) {
        double *at = v + (p->ds_of[i] * nc + p->cfg_of[i]) * per;
        bool has;
        rc = w->fn(p, &p->s->g[p->gi[i]], at, at + w->rows, &has, err);
        cfg_has[p->cfg_of[i]] |= has;
        has_ds[p->ds_of[i]] |= has;
    }
    *with = 0;
    for (size_t c = 0; c < nc; c++)
        *with += cfg_has[c];
    sbr_out *o = NULL;
    if (rc == SBR_OK && *with > 0)
        rc = open_file(dir, w->file, &o, err);
    if (rc == SBR_OK && o != NULL) {
        sbr_out_printf(o, "# %s\n# %s", w->header, w->key_cols);
        for (int m = 0; m < 2; m++)
            for (size_t c = 1; c <= nc; c++)
                sbr_out_printf(o, " %s%zu", w->names[m], c);
        sbr_out_printf(o, "\n");
        for (size_t d = 0; d < p->n_ds; d++) {
            block(o, p, d);
            for (size_t r = 0; r < w->rows; r++) {
                w->key(o, r);
                for (size_t m = 0; m < 2; m++)
                    for (size_t c = 0; c < nc; c++)
                        num(o, w->fmt, v[(d * nc + c) * per + m * w->rows + r]);
                sbr_out_printf(o, "\n");
            }
        }
        rc = sbr_out_commit(o, err);
        *files += rc == SBR_OK;
    }
    free(v);
    free(cfg_has);
    return rc;
}

static void k_key(sbr_out *o, size_t row)
{
    sbr_out_printf(o, "%zu", row + 1);
}

static sbr_rc write_atk(const char *dir, plot_set *p, sbr_plotdata_out *out, sbr_err *err)
{
    static const wide_spec w = {"atk.dat",
                                "MRR@k and HR@k per dataset from the stored per-prediction ranks "
                                "(mean over splits)",
                                "k",
                                {"mrr_", "hr_"},
                                SBR_PLOT_MAX_K,
                                at_k,
                                k_key,
                                " %.6f"};
    return write_wide(dir, p, &w, p->ds_ranks, &out->with_ranks, &out->files, err);
}

/* ---- latency by prefix length ----------------------------------------------------------- */

/* p50 and p90 per bucket of group g (p50[b], p90[b]): the mean over its splits that have
 * predictions in the bucket; NaN where none. *has: some split had them stored. */
static sbr_rc len_of(const plot_set *p, const sbr_summary_group *g, double *p50, double *p90,
                     bool *has, sbr_err *err)
{
    const sbr_sheet *sh = p->s->sheet;
    int c_split = sbr_sheet_col(sh, "split");
    size_t n[SBR_LEN_BUCKETS] = {0};
    for (size_t b = 0; b < SBR_LEN_BUCKETS; b++)
        p50[b] = p90[b] = 0;
    *has = false;
    for (size_t r = g->first_row; r < sh->n_rows && c_split >= 0; r++) {
        if (!sbr_summary_row_in(p->s, g, r))
            continue;
        sbr_lat_len l[SBR_LEN_BUCKETS];
        sbr_rc rc = p->in->latlen(p->in->latlen_user, key(p, g, SBR_KEY_DATASET),
                                  sbr_sheet_cell(sh, r, c_split), key(p, g, SBR_KEY_ALGORITHM),
                                  key(p, g, SBR_KEY_PARAMS), l, err);
        if (rc == SBR_EINVAL)
            continue;
        if (rc != SBR_OK)
            return rc;
        *has = true;
        for (size_t b = 0; b < SBR_LEN_BUCKETS; b++)
            if (l[b].n > 0) {
                p50[b] += l[b].p50_us;
                p90[b] += l[b].p90_us;
                n[b]++;
            }
    }
    for (size_t b = 0; b < SBR_LEN_BUCKETS; b++) {
        p50[b] = n[b] > 0 ? p50[b] / (double)n[b] : NAN;
        p90[b] = n[b] > 0 ? p90[b] / (double)n[b] : NAN;
    }
    *err = (sbr_err){SBR_OK, ""}; /* a job without them is not an error */
    return SBR_OK;
}

static void bucket_key(sbr_out *o, size_t b)
{
    sbr_out_printf(o, "%u %u", sbr_len_bucket_lo[b],
                   b + 1 < SBR_LEN_BUCKETS ? sbr_len_bucket_lo[b + 1] - 1 : 0);
}

static sbr_rc write_len(const char *dir, plot_set *p, sbr_plotdata_out *out, sbr_err *err)
{
    static const wide_spec w = {"latency_len.dat",
                                "Latency (us) by prefix length per dataset: the mean over splits "
                                "of each split's percentile",
                                "len_lo len_hi",
                                {"p50_", "p90_"},
                                SBR_LEN_BUCKETS,
                                len_of,
                                bucket_key,
                                " %.3f"};
    out->with_len = 0;
    if (p->in->latlen == NULL)
        return SBR_OK;
    return write_wide(dir, p, &w, p->ds_len, &out->with_len, &out->files, err);
}

/* ---- grids ------------------------------------------------------------------------------ */

/* The value of parameter `name` in params ("m=500;k=100"), into val; false when absent. */
static bool param(const char *params, const char *name, char *val, size_t size)
{
    size_t len = strlen(name);
    for (const char *s = params; *s != '\0';) {
        const char *end = strchr(s, ';');
        size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
        if (n > len && strncmp(s, name, len) == 0 && s[len] == '=') {
            snprintf(val, size, "%.*s", (int)(n - len - 1), s + len + 1);
            return true;
        }
        s += n + (end != NULL);
    }
    val[0] = '\0';
    return false;
}

static double param_num(const char *params, const char *name)
{
    char v[128];
    double x;
    if (!param(params, name, v, sizeof v) || sbr_parse_double(v, strlen(v), &x) != NULL)
        return NAN;
    return x;
}

enum { GRID_NAME = 64, GRID_MAX_VALUES = 256 };

typedef struct grid {
    const char *algo;
    char x[GRID_NAME], y[GRID_NAME];                 /* the two parameters */
    double xs[GRID_MAX_VALUES], ys[GRID_MAX_VALUES]; /* their values, ascending */
    size_t nx, ny;
} grid;

static size_t add_value(double *vals, size_t n, double v)
{
    size_t i = 0;
    while (i < n && vals[i] < v)
        i++;
    if ((i < n && vals[i] == v) || n == GRID_MAX_VALUES)
        return n;
    memmove(vals + i + 1, vals + i, (n - i) * sizeof *vals);
    vals[i] = v;
    return n + 1;
}

static size_t value_index(const double *vals, size_t n, double v)
{
    size_t i = 0;
    while (i < n && vals[i] != v)
        i++;
    return i;
}

/* Whether configuration c's algorithm is c's and the grid's. */
static bool of_algo(const plot_set *p, size_t c, const char *algo)
{
    return strcmp(key(p, p->cfg_first[c], SBR_KEY_ALGORITHM), algo) == 0;
}

/* Whether the configurations of algorithm `algo` (its first configuration c0) form a grid. */
static bool find_grid(const plot_set *p, size_t c0, grid *gr)
{
    const char *algo = key(p, p->cfg_first[c0], SBR_KEY_ALGORITHM);
    const char *first = key(p, p->cfg_first[c0], SBR_KEY_PARAMS);
    size_t n_cfg = 0, n_vary = 0;
    char vary[2][GRID_NAME];
    for (size_t c = c0; c < p->n_cfg; c++)
        n_cfg += of_algo(p, c, algo);
    if (n_cfg < 4)
        return false;
    /* The parameters of every configuration whose value differs from the first's. */
    for (size_t c = c0; c < p->n_cfg; c++) {
        if (!of_algo(p, c, algo))
            continue;
        const char *params = key(p, p->cfg_first[c], SBR_KEY_PARAMS);
        for (const char *s = params; *s != '\0';) {
            const char *eq = strchr(s, '='), *end = strchr(s, ';');
            size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
            if (eq != NULL && (size_t)(eq - s) < n && (size_t)(eq - s) < GRID_NAME) {
                char name[GRID_NAME], a[128], b[128];
                snprintf(name, sizeof name, "%.*s", (int)(eq - s), s);
                param(params, name, a, sizeof a);
                param(first, name, b, sizeof b);
                bool known = false;
                for (size_t v = 0; v < n_vary; v++)
                    known |= strcmp(vary[v], name) == 0;
                if (strcmp(a, b) != 0 && !known) {
                    if (n_vary == 2)
                        return false;
                    snprintf(vary[n_vary++], GRID_NAME, "%s", name);
                }
            }
            s += n + (end != NULL);
        }
    }
    if (n_vary != 2)
        return false;
    /* In the order the first configuration lists them. */
    const char *p0 = strstr(first, vary[0]), *p1 = strstr(first, vary[1]);
    if (p0 != NULL && p1 != NULL && p1 < p0) {
        char t[GRID_NAME];
        memcpy(t, vary[0], GRID_NAME);
        memcpy(vary[0], vary[1], GRID_NAME);
        memcpy(vary[1], t, GRID_NAME);
    }
    *gr = (grid){algo, "", "", {0}, {0}, 0, 0};
    for (size_t c = c0; c < p->n_cfg; c++) {
        if (!of_algo(p, c, algo))
            continue;
        const char *params = key(p, p->cfg_first[c], SBR_KEY_PARAMS);
        double a = param_num(params, vary[0]), b = param_num(params, vary[1]);
        if (!isfinite(a) || !isfinite(b))
            return false;
        gr->nx = add_value(gr->xs, gr->nx, a);
        gr->ny = add_value(gr->ys, gr->ny, b);
    }
    /* x: the parameter with more values (the wider axis); ties: the first. */
    bool swap = gr->ny > gr->nx;
    memcpy(gr->x, vary[swap], GRID_NAME);
    memcpy(gr->y, vary[!swap], GRID_NAME);
    if (swap) {
        double t[GRID_MAX_VALUES];
        size_t nt = gr->nx;
        memcpy(t, gr->xs, sizeof t);
        memcpy(gr->xs, gr->ys, sizeof t);
        memcpy(gr->ys, t, sizeof t);
        gr->nx = gr->ny;
        gr->ny = nt;
    }
    return true;
}

/* The grids: at most one per algorithm, in configuration order. */
static size_t find_grids(const plot_set *p, grid *grids, size_t max)
{
    size_t n = 0;
    for (size_t c = 0; c < p->n_cfg && n < max; c++) {
        bool seen = false;
        for (size_t b = 0; b < c && !seen; b++)
            seen = strcmp(key(p, p->cfg_first[b], SBR_KEY_ALGORITHM),
                          key(p, p->cfg_first[c], SBR_KEY_ALGORITHM)) == 0;
        if (!seen && find_grid(p, c, &grids[n]))
            n++;
    }
    return n;
}

/* Whether dataset d has a configuration of the grid's algorithm. */
static bool grid_on(const plot_set *p, const grid *gr, size_t d)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->ds_of[i] == d && of_algo(p, p->cfg_of[i], gr->algo))
            return true;
    return false;
}

static sbr_rc write_grid(const char *dir, const plot_set *p, const grid *gr, sbr_err *err)
{
    char name[GRID_NAME + 16];
    snprintf(name, sizeof name, "grid_%s.dat", gr->algo);
    sbr_out *o;
    sbr_rc rc = open_file(dir, name, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o,
                   "# %s over %s (x) and %s (y) at cutoff %s, one block per dataset it ran on\n"
                   "# %s %s xi yi mrr hr precision p90_us best\n",
                   gr->algo, gr->x, gr->y, p->in->cutoff, gr->x, gr->y);
    size_t blocks = 0;
    for (size_t d = 0; d < p->n_ds; d++) {
        if (!grid_on(p, gr, d))
            continue;
        if (blocks++ > 0)
            sbr_out_printf(o, "\n\n");
        sbr_out_printf(o, "# %s\n", key(p, p->ds_first[d], SBR_KEY_DATASET));
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < p->n; i++)
            if (p->ds_of[i] == d && of_algo(p, p->cfg_of[i], gr->algo) &&
                (best == SIZE_MAX ||
                 mean(&p->s->g[p->gi[i]], SBR_SUM_MRR) > mean(&p->s->g[p->gi[best]], SBR_SUM_MRR)))
                best = i;
        for (size_t xi = 0; xi < gr->nx; xi++)
            for (size_t yi = 0; yi < gr->ny; yi++)
                for (size_t i = 0; i < p->n; i++) {
                    const sbr_summary_group *g = &p->s->g[p->gi[i]];
                    const char *params = key(p, g, SBR_KEY_PARAMS);
                    if (p->ds_of[i] != d || !of_algo(p, p->cfg_of[i], gr->algo) ||
                        value_index(gr->xs, gr->nx, param_num(params, gr->x)) != xi ||
                        value_index(gr->ys, gr->ny, param_num(params, gr->y)) != yi)
                        continue;
                    sbr_out_printf(o, "%.10g %.10g %zu %zu", gr->xs[xi], gr->ys[yi], xi, yi);
                    num(o, " %.6f", mean(g, SBR_SUM_MRR));
                    num(o, " %.6f", mean(g, SBR_SUM_HR));
                    num(o, " %.6f", mean(g, SBR_SUM_PRECISION));
                    num(o, " %.3f", latency(g, SBR_SUM_P90));
                    sbr_out_printf(o, " %d\n", i == best);
                }
    }
    return sbr_out_commit(o, err);
}

/* ---- cost ------------------------------------------------------------------------------- */

/* The mean training clicks of dataset ds over the splits g ran on, from the datasets file. */
static double train_clicks(const plot_set *p, const sbr_summary_group *g)
{
    const sbr_sheet *parts = p->in->parts, *sh = p->s->sheet;
    int c_split = sbr_sheet_col(sh, "split");
    if (parts == NULL || c_split < 0)
        return NAN;
    int pd = sbr_sheet_col(parts, "dataset"), ps = sbr_sheet_col(parts, "split"),
        pp = sbr_sheet_col(parts, "part"), pc = sbr_sheet_col(parts, "clicks");
    double sum = 0;
    size_t n = 0;
    for (size_t r = g->first_row; r < sh->n_rows; r++) {
        if (!sbr_summary_row_in(p->s, g, r))
            continue;
        for (size_t q = 0; q < parts->n_rows; q++)
            if (strcmp(sbr_sheet_cell(parts, q, pd), key(p, g, SBR_KEY_DATASET)) == 0 &&
                strcmp(sbr_sheet_cell(parts, q, ps), sbr_sheet_cell(sh, r, c_split)) == 0 &&
                strcmp(sbr_sheet_cell(parts, q, pp), "train") == 0) {
                sum += sbr_sheet_num(parts, q, pc);
                n++;
                break;
            }
    }
    return n > 0 ? sum / (double)n : NAN;
}

/* Sums of columns over g's rows (splits). */
static double row_sum(const plot_set *p, const sbr_summary_group *g, const char *col)
{
    const sbr_sheet *sh = p->s->sheet;
    int c = sbr_sheet_col(sh, col);
    double sum = 0;
    for (size_t r = g->first_row; r < sh->n_rows; r++)
        if (sbr_summary_row_in(p->s, g, r))
            sum += sbr_sheet_num(sh, r, c);
    return sum;
}

static sbr_rc write_cost(const char *dir, const plot_set *p, sbr_err *err)
{
    double *clicks = calloc(p->n + 1, sizeof *clicks);
    if (clicks == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory for the plot data");
    for (size_t i = 0; i < p->n; i++)
        clicks[i] = train_clicks(p, &p->s->g[p->gi[i]]);
    sbr_out *o;
    sbr_rc rc = open_file(dir, "cost.dat", &o, err);
    if (rc != SBR_OK) {
        free(clicks);
        return rc;
    }
    sbr_out_printf(o, "# Fit time, model size and evaluation throughput per configuration (one "
                      "block each)\n"
                      "# train_clicks fit_s model_bytes n_predictions eval_s events_per_s "
                      "threads dataset\n");
    for (size_t c = 0; c < p->n_cfg; c++) {
        sbr_out_printf(o, "%s# config %zu: %s\n", c > 0 ? "\n\n" : "", c + 1, p->label[c]);
        size_t shown = 0;
        double last = -INFINITY;
        for (;;) { /* rows by training clicks ascending (NaN last), ties in first-seen order */
            size_t pick = SIZE_MAX;
            for (size_t i = 0; i < p->n; i++) {
                if (p->cfg_of[i] != c)
                    continue;
                double v = isnan(clicks[i]) ? INFINITY : clicks[i];
                double best =
                    pick == SIZE_MAX ? INFINITY : (isnan(clicks[pick]) ? INFINITY : clicks[pick]);
                if (v > last && (pick == SIZE_MAX || v < best))
                    pick = i;
            }
            if (pick == SIZE_MAX)
                break;
            double key_v = isnan(clicks[pick]) ? INFINITY : clicks[pick];
            for (size_t i = 0; i < p->n; i++) {
                double v = isnan(clicks[i]) ? INFINITY : clicks[i];
                if (p->cfg_of[i] != c || v != key_v)
                    continue;
                const sbr_summary_group *g = &p->s->g[p->gi[i]];
                double n_pred = row_sum(p, g, "n_predictions"), eval_s = row_sum(p, g, "eval_s");
                num(o, "%.1f", clicks[i]);
                num(o, " %.6f", mean(g, SBR_SUM_FIT));
                num(o, " %.0f", mean(g, SBR_SUM_BYTES));
                num(o, " %.0f", n_pred / (double)g->n);
                num(o, " %.6f", eval_s / (double)g->n);
                num(o, " %.1f", eval_s > 0 ? n_pred / eval_s : NAN);
                num(o, " %.0f",
                    sbr_sheet_num(p->s->sheet, g->first_row,
                                  sbr_sheet_col(p->s->sheet, "threads")));
                quoted(o, key(p, g, SBR_KEY_DATASET));
                sbr_out_printf(o, "\n");
                shown++;
            }
            if (key_v == INFINITY)
                break;
            last = key_v;
        }
        if (shown == 0)
            sbr_out_printf(o, "NaN NaN NaN NaN NaN NaN NaN \"\"\n");
    }
    free(clicks);
    return sbr_out_commit(o, err);
}

/* ---- meta.gp ---------------------------------------------------------------------------- */

/* gnuplot's "array name[n]" and its n string elements, double-quoted with '"' and '\'
 * escaped. */
static void gp_array(sbr_out *o, const char *name, size_t n, const char *const *texts)
{
    if (n == 0)
        return;
    sbr_out_printf(o, "array %s[%zu]\n", name, n);
    for (size_t i = 0; i < n; i++) {
        sbr_out_printf(o, "%s[%zu] = \"", name, i + 1);
        for (const char *c = texts[i]; *c != '\0'; c++)
            sbr_out_printf(o, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
        sbr_out_printf(o, "\"\n");
    }
}

enum { META_TEXT = 1024 };

static sbr_rc write_meta(const char *dir, const plot_set *p, const grid *grids, size_t n_grids,
                         bool has_ranks, bool has_len, sbr_err *err)
{
    size_t n = p->n_ds + 2 * p->n_cfg + 5 * n_grids + 1;
    char(*text)[META_TEXT] = calloc(n, sizeof *text);
    const char **ptr = calloc(n, sizeof *ptr);
    if (text == NULL || ptr == NULL) {
        free(text);
        free(ptr);
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory for the plot data");
    }
    for (size_t i = 0; i < n; i++)
        ptr[i] = text[i];
    sbr_out *o;
    sbr_rc rc = open_file(dir, "meta.gp", &o, err);
    if (rc == SBR_OK) {
        bool has_latency = false;
        for (size_t i = 0; i < p->n; i++)
            has_latency |= isfinite(latency(&p->s->g[p->gi[i]], SBR_SUM_P90));
        sbr_out_printf(o, "# Written by sbr report: what the figures need to know about the plot "
                          "data files beside it.\n");
        sbr_out_printf(o,
                       "cutoff = %s\nn_datasets = %zu\nn_configs = %zu\nhas_ranks = %d\n"
                       "has_latency = %d\nn_grids = %zu\nhas_len = %d\n",
                       p->in->cutoff, p->n_ds, p->n_cfg, has_ranks, has_latency, n_grids, has_len);
        for (size_t d = 0; d < p->n_ds; d++)
            snprintf(text[d], META_TEXT, "%s", key(p, p->ds_first[d], SBR_KEY_DATASET));
        gp_array(o, "dataset", p->n_ds, ptr);
        /* Per dataset: whether it has accuracy@k values and latency (a panel without them
         * says so instead of plotting nothing). */
        sbr_out_printf(o, "array ranks_on[%zu]\narray latency_on[%zu]\narray len_on[%zu]\n",
                       p->n_ds, p->n_ds, p->n_ds);
        for (size_t d = 0; d < p->n_ds; d++) {
            bool lat = false;
            for (size_t i = 0; i < p->n; i++)
                lat |= p->ds_of[i] == d && isfinite(latency(&p->s->g[p->gi[i]], SBR_SUM_P90));
            sbr_out_printf(o, "ranks_on[%zu] = %d\nlatency_on[%zu] = %d\nlen_on[%zu] = %d\n", d + 1,
                           p->ds_ranks[d], d + 1, lat, d + 1, p->ds_len[d]);
        }
        char(*lab)[META_TEXT] = text + p->n_ds;
        for (size_t c = 0; c < p->n_cfg; c++) {
            snprintf(lab[c], META_TEXT, "%s", p->label[c]);
            snprintf(lab[p->n_cfg + c], META_TEXT, "%s",
                     key(p, p->cfg_first[c], SBR_KEY_ALGORITHM));
        }
        gp_array(o, "label", p->n_cfg, ptr + p->n_ds);
        gp_array(o, "algo", p->n_cfg, ptr + p->n_ds + p->n_cfg);
        char(*gt)[META_TEXT] = lab + 2 * p->n_cfg;
        const char **gp = ptr + p->n_ds + 2 * p->n_cfg;
        for (size_t i = 0; i < n_grids; i++) {
            const grid *gr = &grids[i];
            snprintf(gt[i], META_TEXT, "%s", gr->algo);
            snprintf(gt[n_grids + i], META_TEXT, "%s", gr->x);
            snprintf(gt[2 * n_grids + i], META_TEXT, "%s", gr->y);
            size_t len = 0;
            for (size_t v = 0; v < gr->nx && len + 32 < META_TEXT; v++)
                len += (size_t)snprintf(gt[3 * n_grids + i] + len, META_TEXT - len, "%s%.10g",
                                        v > 0 ? " " : "", gr->xs[v]);
            len = 0;
            for (size_t v = 0; v < gr->ny && len + 32 < META_TEXT; v++)
                len += (size_t)snprintf(gt[4 * n_grids + i] + len, META_TEXT - len, "%s%.10g",
                                        v > 0 ? " " : "", gr->ys[v]);
        }
        gp_array(o, "grid_algo", n_grids, gp);
        gp_array(o, "grid_x", n_grids, gp + n_grids);
        gp_array(o, "grid_y", n_grids, gp + 2 * n_grids);
        gp_array(o, "grid_xs", n_grids, gp + 3 * n_grids);
        gp_array(o, "grid_ys", n_grids, gp + 4 * n_grids);
        /* The datasets each grid has a block for, in block order. */
        for (size_t i = 0; i < n_grids; i++) {
            size_t len = 0;
            text[n - 1][0] = '\0';
            for (size_t d = 0; d < p->n_ds; d++)
                if (grid_on(p, &grids[i], d) && len + 2 < META_TEXT)
                    len += (size_t)snprintf(text[n - 1] + len, META_TEXT - len, "%s%s",
                                            len > 0 ? " " : "",
                                            key(p, p->ds_first[d], SBR_KEY_DATASET));
            if (i == 0)
                sbr_out_printf(o, "array grid_datasets[%zu]\n", n_grids);
            sbr_out_printf(o, "grid_datasets[%zu] = \"%s\"\n", i + 1, text[n - 1]);
        }
        rc = sbr_out_commit(o, err);
    }
    free(text);
    free(ptr);
    return rc;
}

/* ---- entry ------------------------------------------------------------------------------ */

enum { MAX_GRIDS = 16 };

sbr_rc sbr_plotdata_write(const char *dir, const sbr_plotdata_in *in, sbr_plotdata_out *out,
                          sbr_err *err)
{
    *out = (sbr_plotdata_out){0, 0, 0, 0, 0, 0};
    plot_set p;
    sbr_rc rc = plot_set_build(in, &p, err);
    grid *grids = calloc(MAX_GRIDS, sizeof *grids);
    if (rc == SBR_OK && grids == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "report: out of memory for the plot data");
    out->datasets = p.n_ds;
    out->configs = p.n_cfg;
    if (rc == SBR_OK &&
        (rc = write_rows(dir, &p, "accuracy.dat", "Accuracy",
                         "config mrr mrr_sd hr hr_sd n_splits label", accuracy_row, err)) == SBR_OK)
        out->files++;
    if (rc == SBR_OK && (rc = write_tradeoff(dir, &p, err)) == SBR_OK)
        out->files += 2;
    if (rc == SBR_OK)
        rc = write_atk(dir, &p, out, err);
    if (rc == SBR_OK)
        rc = write_len(dir, &p, out, err);
    if (rc == SBR_OK)
        out->grids = find_grids(&p, grids, MAX_GRIDS);
    for (size_t i = 0; i < out->grids && rc == SBR_OK; i++)
        if ((rc = write_grid(dir, &p, &grids[i], err)) == SBR_OK)
            out->files++;
    if (rc == SBR_OK && (rc = write_cost(dir, &p, err)) == SBR_OK)
        out->files++;
    if (rc == SBR_OK && (rc = write_meta(dir, &p, grids, out->grids, out->with_ranks > 0,
                                         out->with_len > 0, err)) == SBR_OK)
        out->files++;
    free(grids);
    plot_set_fini(&p);
    return rc;
}
