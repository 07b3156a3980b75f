#include "eval/summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/output.h"
#include "data/parse.h"
#include "data/table.h"
#include "eval/specs.h"

const char *const sbr_summary_metric_cols[SBR_SUM_N] = {
    "mrr",         "hr",         "ndcg",       "ndcg_ref",   "precision",  "recall",
    "coverage",    "popularity", "lat_p50_us", "lat_p90_us", "lat_p95_us", "lat_p99_us",
    "lat_p995_us", "lat_max_us", "fit_s",      "model_bytes"};

/* ---- sheets -------------------------------------------------------------------------------- */

static sbr_rc keep_row(void *user, const sbr_row *row, sbr_err *err)
{
    sbr_sheet *sh = user;
    if (row->index == 0) {
        sh->n_cols = row->n_fields < SBR_SHEET_MAX_COLS ? row->n_fields : SBR_SHEET_MAX_COLS;
        for (size_t c = 0; c < sh->n_cols; c++)
            snprintf(sh->header[c], sizeof sh->header[c], "%s", row->fields[c]);
        return SBR_OK;
    }
    if (row->n_fields != sh->n_cols)
        return sbr_err_set(err, SBR_EPARSE, "line %llu: %zu cells, header has %zu",
                           (unsigned long long)row->line, row->n_fields, sh->n_cols);
    if (sh->n_rows == sh->cap) {
        sh->cap = sh->cap ? 2 * sh->cap : 256;
        if (sbr_grow_array(&sh->cells, sh->cap * sh->n_cols, sizeof *sh->cells) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    }
    for (size_t c = 0; c < sh->n_cols; c++) {
        char *copy = malloc(row->lens[c] + 1);
        if (copy == NULL) {
            /* the row's earlier cells are freed here: it is not counted */
            for (size_t k = 0; k < c; k++)
                free(sh->cells[sh->n_rows * sh->n_cols + k]);
            return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
        }
        memcpy(copy, row->fields[c], row->lens[c] + 1);
        sh->cells[sh->n_rows * sh->n_cols + c] = copy;
    }
    sh->n_rows++;
    return SBR_OK;
}

sbr_rc sbr_sheet_read(const char *path, sbr_sheet *sh, sbr_err *err)
{
    memset(sh, 0, sizeof *sh);
    sbr_table_options topt;
    sbr_table_options_init(&topt);
    topt.delimiter = ',';
    return sbr_table_read(path, &topt, keep_row, sh, NULL, err);
}

void sbr_sheet_fini(sbr_sheet *sh)
{
    for (size_t i = 0; i < sh->n_rows * sh->n_cols; i++)
        free(sh->cells[i]);
    free(sh->cells);
    memset(sh, 0, sizeof *sh);
}

int sbr_sheet_col(const sbr_sheet *sh, const char *name)
{
    for (size_t c = 0; c < sh->n_cols; c++)
        if (strcmp(sh->header[c], name) == 0)
            return (int)c;
    return -1;
}

const char *sbr_sheet_cell(const sbr_sheet *sh, size_t r, int c)
{
    return c < 0 ? "" : sh->cells[r * sh->n_cols + (size_t)c];
}

double sbr_sheet_num(const sbr_sheet *sh, size_t r, int c)
{
    double v = 0;
    const char *t = sbr_sheet_cell(sh, r, c);
    if (sbr_parse_double(t, strlen(t), &v) != NULL)
        return NAN;
    return v;
}

/* ---- summaries ----------------------------------------------------------------------------- */

int sbr_summary_metric_find(const char *name)
{
    int m = -1;
    for (int k = 0; k < SBR_SUM_N; k++)
        if (strcmp(sbr_summary_metric_cols[k], name) == 0)
            m = k;
    return m;
}

const char *sbr_summary_key_of(const sbr_summary *s, const sbr_summary_group *g, sbr_summary_key k)
{
    return sbr_sheet_cell(s->sheet, g->first_row, s->key[k]);
}

static bool same_group(const sbr_summary *s, size_t a, size_t b)
{
    for (int k = 0; k < SBR_KEY_N; k++)
        if (strcmp(sbr_sheet_cell(s->sheet, a, s->key[k]),
                   sbr_sheet_cell(s->sheet, b, s->key[k])) != 0)
            return false;
    return true;
}

/* Whether a and b have the same (algorithm, params). */
static bool same_params(const sbr_summary *s, const sbr_summary_group *a,
                        const sbr_summary_group *b)
{
    return strcmp(sbr_summary_key_of(s, a, SBR_KEY_ALGORITHM),
                  sbr_summary_key_of(s, b, SBR_KEY_ALGORITHM)) == 0 &&
           strcmp(sbr_summary_key_of(s, a, SBR_KEY_PARAMS),
                  sbr_summary_key_of(s, b, SBR_KEY_PARAMS)) == 0;
}

/* Sets shared_label on the groups whose label another group of the same dataset and cutoff
 * has with other params. */
static void mark_shared_labels(sbr_summary *s)
{
    if (s->label < 0)
        return;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++) {
            sbr_summary_group *a = &s->g[i], *b = &s->g[j];
            if (strcmp(sbr_summary_label_of(s, a), sbr_summary_label_of(s, b)) == 0 &&
                strcmp(sbr_summary_key_of(s, a, SBR_KEY_DATASET),
                       sbr_summary_key_of(s, b, SBR_KEY_DATASET)) == 0 &&
                strcmp(sbr_summary_key_of(s, a, SBR_KEY_CUTOFF),
                       sbr_summary_key_of(s, b, SBR_KEY_CUTOFF)) == 0 &&
                !same_params(s, a, b))
                a->shared_label = b->shared_label = true;
        }
    /* A label is shared everywhere once it is shared on one dataset. */
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->n; j++)
            if (s->g[j].shared_label &&
                strcmp(sbr_summary_label_of(s, &s->g[i]), sbr_summary_label_of(s, &s->g[j])) == 0)
                s->g[i].shared_label = true;
}

const char *sbr_summary_label_of(const sbr_summary *s, const sbr_summary_group *g)
{
    const char *label = s->label >= 0 ? sbr_sheet_cell(s->sheet, g->first_row, s->label) : "";
    return label[0] != '\0' ? label : sbr_summary_key_of(s, g, SBR_KEY_ALGORITHM);
}

bool sbr_summary_row_in(const sbr_summary *s, const sbr_summary_group *g, size_t r)
{
    return same_group(s, g->first_row, r);
}

sbr_rc sbr_summary_build(const sbr_sheet *sh, sbr_summary *s, sbr_err *err)
{
    static const char *const keys[SBR_KEY_N] = {"dataset", "algorithm", "params", "cutoff"};
    memset(s, 0, sizeof *s);
    s->sheet = sh;
    for (int k = 0; k < SBR_KEY_N; k++)
        if ((s->key[k] = sbr_sheet_col(sh, keys[k])) < 0)
            return sbr_err_set(err, SBR_EPARSE, "report: the results have no column %s", keys[k]);
    int mc[SBR_SUM_N];
    for (int m = 0; m < SBR_SUM_N; m++)
        mc[m] = sbr_sheet_col(sh, sbr_summary_metric_cols[m]);
    s->label = sbr_sheet_col(sh, "label");
    s->g = calloc(sh->n_rows + 1, sizeof *s->g);
    if (s->g == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    for (size_t r = 0; r < sh->n_rows; r++) {
        size_t g = 0;
        while (g < s->n && !same_group(s, s->g[g].first_row, r))
            g++;
        if (g == s->n) {
            s->g[s->n++].first_row = r;
            for (int m = 0; m < SBR_SUM_N; m++) {
                s->g[g].min[m] = INFINITY;
                s->g[g].max[m] = -INFINITY;
            }
        }
        sbr_summary_group *G = &s->g[g];
        G->n++;
        for (int m = 0; m < SBR_SUM_N; m++) {
            double v = sbr_sheet_num(sh, r, mc[m]);
            G->sum[m] += v;
            G->min[m] = fmin(G->min[m], v);
            G->max[m] = fmax(G->max[m], v);
            double delta = v - G->wmean[m];
            G->wmean[m] += delta / (double)G->n;
            G->m2[m] += delta * (v - G->wmean[m]);
        }
    }
    mark_shared_labels(s);
    return SBR_OK;
}

void sbr_summary_fini(sbr_summary *s)
{
    free(s->g);
    s->g = NULL;
    s->n = 0;
}

double sbr_summary_mean(const sbr_summary_group *g, sbr_summary_metric m)
{
    return g->sum[m] / (double)g->n;
}

sbr_spread sbr_summary_spread(const sbr_summary_group *g, sbr_summary_metric m)
{
    return sbr_spread_from(g->n, sbr_summary_mean(g, m), g->m2[m]);
}

bool sbr_summary_same_config(const sbr_summary *s, const sbr_summary_group *a,
                             const sbr_summary_group *b)
{
    if (s->label < 0)
        return same_params(s, a, b);
    return strcmp(sbr_summary_label_of(s, a), sbr_summary_label_of(s, b)) == 0 &&
           (!(a->shared_label || b->shared_label) || same_params(s, a, b));
}

size_t sbr_summary_config_index(const sbr_summary *s, const sbr_summary_group *g)
{
    size_t index = 0;
    for (size_t i = 0; i < s->n; i++) {
        const sbr_summary_group *h = &s->g[i];
        if (sbr_summary_same_config(s, h, g))
            return index;
        /* count h only at its configuration's first appearance */
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = sbr_summary_same_config(s, &s->g[j], h);
        index += !seen;
    }
    return index;
}

void sbr_summary_label(const sbr_summary *s, const sbr_summary_group *g, char *out, size_t size)
{
    const char *algo = sbr_summary_key_of(s, g, SBR_KEY_ALGORITHM);
    char shown[1024] = "";
    if (s->label < 0 || g->shared_label)
        sbr_specs_short_params(algo, sbr_summary_key_of(s, g, SBR_KEY_PARAMS), ' ', shown,
                               sizeof shown);
    int n = snprintf(out, size, "%s", sbr_summary_label_of(s, g));
    if (shown[0] != '\0' && n >= 0 && (size_t)n + 1 < size)
        snprintf(out + n, size - (size_t)n, " %s", shown);
}

const sbr_summary_group *sbr_summary_find(const sbr_summary *s, const char *dataset,
                                          const char *algorithm, const char *params,
                                          const char *cutoff)
{
    const char *want[SBR_KEY_N] = {dataset, algorithm, params, cutoff};
    for (size_t i = 0; i < s->n; i++) {
        int k = 0;
        while (k < SBR_KEY_N &&
               strcmp(sbr_summary_key_of(s, &s->g[i], (sbr_summary_key)k), want[k]) == 0)
            k++;
        if (k == SBR_KEY_N)
            return &s->g[i];
    }
    return NULL;
}

sbr_rc sbr_summary_write_csv(const char *dir, const sbr_summary *s, sbr_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/summary.csv", dir) >= (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "report: %s: path too long", dir);
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "dataset,algorithm,params,cutoff,config,label,n_splits,mrr,mrr_min,"
                      "mrr_max,hr,hr_min,hr_max");
    for (int m = SBR_SUM_NDCG; m < SBR_SUM_N; m++)
        sbr_out_printf(o, ",%s", sbr_summary_metric_cols[m]);
    sbr_out_printf(o, ",mrr_sd,mrr_ci95,hr_sd,hr_ci95\n");
    for (size_t i = 0; i < s->n; i++) {
        const sbr_summary_group *g = &s->g[i];
        char lab[600];
        sbr_summary_label(s, g, lab, sizeof lab);
        sbr_out_printf(
            o, "%s,%s,%s,%s,%zu,\"%s\",%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f",
            sbr_summary_key_of(s, g, SBR_KEY_DATASET), sbr_summary_key_of(s, g, SBR_KEY_ALGORITHM),
            sbr_summary_key_of(s, g, SBR_KEY_PARAMS), sbr_summary_key_of(s, g, SBR_KEY_CUTOFF),
            sbr_summary_config_index(s, g), lab, g->n, sbr_summary_mean(g, SBR_SUM_MRR),
            g->min[SBR_SUM_MRR], g->max[SBR_SUM_MRR], sbr_summary_mean(g, SBR_SUM_HR),
            g->min[SBR_SUM_HR], g->max[SBR_SUM_HR]);
        for (int m = SBR_SUM_NDCG; m < SBR_SUM_N; m++)
            sbr_out_printf(o, ",%.6g", sbr_summary_mean(g, (sbr_summary_metric)m));
        sbr_spread mrr = sbr_summary_spread(g, SBR_SUM_MRR), hr = sbr_summary_spread(g, SBR_SUM_HR);
        sbr_out_printf(o, ",%.6f,%.6f,%.6f,%.6f\n", mrr.sd, mrr.ci95, hr.sd, hr.ci95);
    }
    return sbr_out_commit(o, err);
}
