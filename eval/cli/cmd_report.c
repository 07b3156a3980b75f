/* `sbr report`: summaries and paper tables from results files. No number in a table is typed
 * by hand: every value comes from metrics.csv, datasets.csv or the published-values file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/output.h"
#include "data/parse.h"
#include "data/table.h"
#include "eval/cli/cli.h"
#include "eval/report.h"

static const char report_usage[] =
    "Usage: sbr report --metrics FILE --out DIR [--datasets FILE] [--published FILE]\n"
    "                  [--cutoff N]\n"
    "\n"
    "Summarises a results file over its splits (slices) and writes, for figures and papers:\n"
    "  DIR/summary.csv                 per (dataset, algorithm, params, cutoff): the number of\n"
    "                                  splits, mean/min/max MRR and HR, mean of the other\n"
    "                                  metrics, latency percentiles, fit time, model bytes\n"
    "  DIR/tables/accuracy.{md,tex}    MRR@N and HR@N per algorithm and dataset (means)\n"
    "  DIR/tables/latency.{md,tex}     p50/p90/p99.5 latency, fit time and model size\n"
    "  DIR/tables/datasets.{md,tex}    sessions, clicks, items, days per split (--datasets)\n"
    "  DIR/tables/reproduction.{md,tex} our values beside published ones (--published)\n"
    "The published-values file has the columns dataset,algorithm,params,cutoff,metric,value,\n"
    "source; its params (key=value;...) must all appear in a result's params to match.\n"
    "\n"
    "  --cutoff N    the cutoff the tables show (default 20)\n"
    "  -h, --help    this help\n";

/* A results file held as text cells, with the columns found by name. */
typedef struct sheet {
    char **cells;
    size_t n_rows, n_cols, cap;
    char header[64][32];
} sheet;

static sbr_rc keep_row(void *user, const sbr_row *row, sbr_err *err)
{
    sheet *sh = user;
    if (row->index == 0) {
        sh->n_cols = row->n_fields < 64 ? row->n_fields : 64;
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
        if (copy == NULL)
            return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
        memcpy(copy, row->fields[c], row->lens[c] + 1);
        sh->cells[sh->n_rows * sh->n_cols + c] = copy;
    }
    sh->n_rows++;
    return SBR_OK;
}

static sbr_rc read_sheet(const char *path, sheet *sh, sbr_err *err)
{
    memset(sh, 0, sizeof *sh);
    sbr_table_options topt;
    sbr_table_options_init(&topt);
    topt.delimiter = ',';
    return sbr_table_read(path, &topt, keep_row, sh, NULL, err);
}

static void free_sheet(sheet *sh)
{
    for (size_t i = 0; i < sh->n_rows * sh->n_cols; i++)
        free(sh->cells[i]);
    free(sh->cells);
}

static int col(const sheet *sh, const char *name)
{
    for (size_t c = 0; c < sh->n_cols; c++)
        if (strcmp(sh->header[c], name) == 0)
            return (int)c;
    return -1;
}

static const char *cell(const sheet *sh, size_t r, int c)
{
    return c < 0 ? "" : sh->cells[r * sh->n_cols + (size_t)c];
}

static double num(const sheet *sh, size_t r, int c)
{
    double v = 0;
    const char *t = cell(sh, r, c);
    if (sbr_parse_double(t, strlen(t), &v) != NULL)
        return NAN;
    return v;
}

enum { TCELL = 640 }; /* bytes of one table cell */

/* One (dataset, algorithm, params, cutoff) group over its splits. */
enum {
    M_MRR,
    M_HR,
    M_NDCG,
    M_NDCG_REF,
    M_PREC,
    M_REC,
    M_COV,
    M_POP,
    M_P50,
    M_P90,
    M_P95,
    M_P99,
    M_P995,
    M_MAX,
    M_FIT,
    M_BYTES,
    N_M
};
static const char *const m_cols[N_M] = {"mrr",         "hr",         "ndcg",       "ndcg_ref",
                                        "precision",   "recall",     "coverage",   "popularity",
                                        "lat_p50_us",  "lat_p90_us", "lat_p95_us", "lat_p99_us",
                                        "lat_p995_us", "lat_max_us", "fit_s",      "model_bytes"};

typedef struct group {
    size_t first_row; /* its dataset, algorithm, params and cutoff cells */
    size_t n;
    double sum[N_M], min[N_M], max[N_M];
} group;

typedef struct summary {
    group *g;
    size_t n;
    int key[4]; /* dataset, algorithm, params, cutoff columns */
} summary;

static bool same_group(const sheet *sh, const summary *s, size_t a, size_t b)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(cell(sh, a, s->key[k]), cell(sh, b, s->key[k])) != 0)
            return false;
    return true;
}

static sbr_rc summarise(const sheet *sh, summary *s, sbr_err *err)
{
    const char *keys[4] = {"dataset", "algorithm", "params", "cutoff"};
    for (int k = 0; k < 4; k++)
        if ((s->key[k] = col(sh, keys[k])) < 0)
            return sbr_err_set(err, SBR_EPARSE, "report: the results have no column %s", keys[k]);
    int mc[N_M];
    for (int m = 0; m < N_M; m++)
        mc[m] = col(sh, m_cols[m]);
    s->g = calloc(sh->n_rows + 1, sizeof *s->g);
    if (s->g == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    s->n = 0;
    for (size_t r = 0; r < sh->n_rows; r++) {
        size_t g = 0;
        while (g < s->n && !same_group(sh, s, s->g[g].first_row, r))
            g++;
        if (g == s->n) {
            s->g[s->n++].first_row = r;
            for (int m = 0; m < N_M; m++) {
                s->g[g].min[m] = INFINITY;
                s->g[g].max[m] = -INFINITY;
            }
        }
        group *G = &s->g[g];
        G->n++;
        for (int m = 0; m < N_M; m++) {
            double v = num(sh, r, mc[m]);
            G->sum[m] += v;
            G->min[m] = fmin(G->min[m], v);
            G->max[m] = fmax(G->max[m], v);
        }
    }
    return SBR_OK;
}

static double mean(const group *g, int m)
{
    return g->sum[m] / (double)g->n;
}

/* Writes a table as Markdown and as a LaTeX tabular (booktabs). cells is n_rows x n_cols. */
static sbr_rc write_table(const char *dir, const char *name, const char *caption,
                          const char *const *head, size_t n_cols, char (*cells)[TCELL],
                          size_t n_rows, sbr_err *err)
{
    char path[4096];
    sbr_out *o;
    if (snprintf(path, sizeof path, "%s/%s.md", dir, name) >= (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "report: %s: path too long", dir);
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "%s\n\n|", caption);
    for (size_t c = 0; c < n_cols; c++)
        sbr_out_printf(o, " %s |", head[c]);
    sbr_out_printf(o, "\n|");
    for (size_t c = 0; c < n_cols; c++)
        sbr_out_printf(o, c == 0 ? "---|" : "---:|");
    sbr_out_printf(o, "\n");
    for (size_t r = 0; r < n_rows; r++) {
        sbr_out_printf(o, "|");
        for (size_t c = 0; c < n_cols; c++)
            sbr_out_printf(o, " %s |", cells[r * n_cols + c]);
        sbr_out_printf(o, "\n");
    }
    if ((rc = sbr_out_commit(o, err)) != SBR_OK)
        return rc;
    if (snprintf(path, sizeof path, "%s/%s.tex", dir, name) >= (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "report: %s: path too long", dir);
    if ((rc = sbr_out_open(path, &o, err)) != SBR_OK)
        return rc;
    sbr_out_printf(o,
                   "%% generated by sbr report; do not edit\n\\begin{table}[ht]\n\\centering\n"
                   "\\small\n\\caption{%s}\n\\begin{tabular}{l",
                   caption);
    for (size_t c = 1; c < n_cols; c++)
        sbr_out_printf(o, "r");
    sbr_out_printf(o, "}\n\\toprule\n");
    for (size_t r = 0; r <= n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            const char *t = r == 0 ? head[c] : cells[(r - 1) * n_cols + c];
            if (c > 0)
                sbr_out_printf(o, " & ");
            for (const char *p = t; *p; p++) {
                if (strncmp(p, "\xC2\xB5", 2) == 0) { /* µ */
                    sbr_out_printf(o, "$\\mu$");
                    p++;
                } else if (strncmp(p, "\xE2\x80\x93", 3) == 0) { /* – */
                    sbr_out_printf(o, "--");
                    p += 2;
                } else if (strchr("_%&#$", *p))
                    sbr_out_printf(o, "\\%c", *p);
                else if (*p == '|')
                    sbr_out_printf(o, "$|$");
                else
                    sbr_out_printf(o, "%c", *p);
            }
        }
        sbr_out_printf(o, " \\\\\n%s", r == 0 ? "\\midrule\n" : "");
    }
    sbr_out_printf(o, "\\bottomrule\n\\end{tabular}\n\\end{table}\n");
    return sbr_out_commit(o, err);
}

/* The short label of a configuration: "vmis m=500 k=100". */
static void label(const sheet *sh, const summary *s, const group *g, char *out, size_t size)
{
    const char *params = cell(sh, g->first_row, s->key[2]);
    snprintf(out, size, "%s %s", cell(sh, g->first_row, s->key[1]), params);
    for (char *p = out; *p; p++)
        if (*p == ';')
            *p = ' ';
}

/* The index of g's (algorithm, params) among the configurations, in first-seen order: the
 * x position of a configuration in the figures, the same on every dataset. */
static size_t config_index(const sheet *sh, const summary *s, const group *g)
{
    size_t index = 0;
    for (size_t i = 0; i < s->n; i++) {
        const group *h = &s->g[i];
        bool same =
            strcmp(cell(sh, h->first_row, s->key[1]), cell(sh, g->first_row, s->key[1])) == 0 &&
            strcmp(cell(sh, h->first_row, s->key[2]), cell(sh, g->first_row, s->key[2])) == 0;
        if (same)
            return index;
        /* count h only at its configuration's first appearance */
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(cell(sh, s->g[j].first_row, s->key[1]),
                          cell(sh, h->first_row, s->key[1])) == 0 &&
                   strcmp(cell(sh, s->g[j].first_row, s->key[2]),
                          cell(sh, h->first_row, s->key[2])) == 0;
        index += !seen;
    }
    return index;
}

static sbr_rc write_summary(const char *dir, const sheet *sh, const summary *s, sbr_err *err)
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
    for (int m = M_NDCG; m < N_M; m++)
        sbr_out_printf(o, ",%s", m_cols[m]);
    sbr_out_printf(o, "\n");
    for (size_t i = 0; i < s->n; i++) {
        const group *g = &s->g[i];
        char lab[600];
        label(sh, s, g, lab, sizeof lab);
        sbr_out_printf(o, "%s,%s,%s,%s,%zu,\"%s\",%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f",
                       cell(sh, g->first_row, s->key[0]), cell(sh, g->first_row, s->key[1]),
                       cell(sh, g->first_row, s->key[2]), cell(sh, g->first_row, s->key[3]),
                       config_index(sh, s, g), lab, g->n, mean(g, M_MRR), g->min[M_MRR],
                       g->max[M_MRR], mean(g, M_HR), g->min[M_HR], g->max[M_HR]);
        for (int m = M_NDCG; m < N_M; m++)
            sbr_out_printf(o, ",%.6g", mean(g, m));
        sbr_out_printf(o, "\n");
    }
    return sbr_out_commit(o, err);
}

/* Distinct values of a key column among the groups at one cutoff, in first-seen order. */
static size_t distinct(const sheet *sh, const summary *s, int key, const char *cutoff,
                       const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(cell(sh, s->g[i].first_row, s->key[3]), cutoff) != 0)
            continue;
        const char *v = cell(sh, s->g[i].first_row, key);
        size_t k = 0;
        while (k < n && strcmp(out[k], v) != 0)
            k++;
        if (k == n && n < max)
            out[n++] = v;
    }
    return n;
}

enum { MAX_ROWS = 512, MAX_DS = 16 };

/* The group of (dataset, algorithm, params, cutoff), or NULL. */
static const group *find_group(const sheet *sh, const summary *s, const char *dataset,
                               const char *algorithm, const char *params, const char *cutoff)
{
    const char *want[4] = {dataset, algorithm, params, cutoff};
    for (size_t i = 0; i < s->n; i++) {
        int k = 0;
        while (k < 4 && strcmp(cell(sh, s->g[i].first_row, s->key[k]), want[k]) == 0)
            k++;
        if (k == 4)
            return &s->g[i];
    }
    return NULL;
}

static sbr_rc write_accuracy(const char *dir, const sheet *sh, const summary *s, const char *cutoff,
                             sbr_err *err)
{
    const char *datasets[MAX_DS];
    size_t n_ds = distinct(sh, s, s->key[0], cutoff, datasets, MAX_DS);
    /* Rows: distinct (algorithm, params) configurations in first-seen order. */
    size_t conf[MAX_ROWS], n_conf = 0;
    for (size_t i = 0; i < s->n && n_conf < MAX_ROWS; i++) {
        if (strcmp(cell(sh, s->g[i].first_row, s->key[3]), cutoff) != 0)
            continue;
        size_t k = 0;
        while (k < n_conf && !(strcmp(cell(sh, s->g[conf[k]].first_row, s->key[1]),
                                      cell(sh, s->g[i].first_row, s->key[1])) == 0 &&
                               strcmp(cell(sh, s->g[conf[k]].first_row, s->key[2]),
                                      cell(sh, s->g[i].first_row, s->key[2])) == 0))
            k++;
        if (k == n_conf)
            conf[n_conf++] = i;
    }
    size_t n_cols = 1 + n_ds;
    char(*cells)[TCELL] = calloc(n_conf * n_cols + 1, TCELL);
    const char *head[1 + MAX_DS];
    if (cells == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    head[0] = "algorithm";
    for (size_t d = 0; d < n_ds; d++)
        head[1 + d] = datasets[d];
    for (size_t r = 0; r < n_conf; r++) {
        char lab[600];
        label(sh, s, &s->g[conf[r]], lab, sizeof lab);
        snprintf(cells[r * n_cols], TCELL, "%s", lab);
        const group *c0 = &s->g[conf[r]];
        for (size_t d = 0; d < n_ds; d++) {
            const group *g = find_group(sh, s, datasets[d], cell(sh, c0->first_row, s->key[1]),
                                        cell(sh, c0->first_row, s->key[2]), cutoff);
            if (g == NULL)
                snprintf(cells[r * n_cols + 1 + d], TCELL, "–");
            else
                snprintf(cells[r * n_cols + 1 + d], TCELL, "%.4f / %.4f", mean(g, M_MRR),
                         mean(g, M_HR));
        }
    }
    char caption[128];
    snprintf(caption, sizeof caption, "MRR@%s / HR@%s per algorithm and dataset (mean over splits)",
             cutoff, cutoff);
    sbr_rc rc = write_table(dir, "accuracy", caption, head, n_cols, cells, n_conf, err);
    free(cells);
    return rc;
}

static sbr_rc write_latency(const char *dir, const sheet *sh, const summary *s, const char *cutoff,
                            sbr_err *err)
{
    static const char *const head[] = {"dataset",  "algorithm", "p50 µs", "p90 µs",
                                       "p99.5 µs", "max µs",    "fit s",  "model MiB"};
    enum { NC = 8 };
    char(*cells)[TCELL] = calloc(s->n * NC + 1, TCELL);
    if (cells == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const group *g = &s->g[i];
        if (strcmp(cell(sh, g->first_row, s->key[3]), cutoff) != 0)
            continue;
        char lab[600];
        label(sh, s, g, lab, sizeof lab);
        snprintf(cells[n * NC + 0], TCELL, "%s", cell(sh, g->first_row, s->key[0]));
        snprintf(cells[n * NC + 1], TCELL, "%s", lab);
        snprintf(cells[n * NC + 2], TCELL, "%.2f", mean(g, M_P50));
        snprintf(cells[n * NC + 3], TCELL, "%.2f", mean(g, M_P90));
        snprintf(cells[n * NC + 4], TCELL, "%.2f", mean(g, M_P995));
        snprintf(cells[n * NC + 5], TCELL, "%.1f", mean(g, M_MAX));
        snprintf(cells[n * NC + 6], TCELL, "%.3f", mean(g, M_FIT));
        snprintf(cells[n * NC + 7], TCELL, "%.2f", mean(g, M_BYTES) / 1048576.0);
        n++;
    }
    sbr_rc rc = write_table(dir, "latency",
                            "Prediction latency (one thread, per call, means over "
                            "splits), fit time and model size",
                            head, NC, cells, n, err);
    free(cells);
    return rc;
}

static sbr_rc write_datasets(const char *dir, const char *path, sbr_err *err)
{
    sheet sh;
    sbr_rc rc = read_sheet(path, &sh, err);
    if (rc != SBR_OK) {
        free_sheet(&sh);
        return rc;
    }
    static const char *const head[] = {"dataset", "split", "part", "sessions",
                                       "clicks",  "items", "days"};
    enum { NC = 7 };
    const char *src[NC] = {"dataset", "split", "part", "sessions", "clicks", "items", "span_days"};
    char(*cells)[TCELL] = calloc(sh.n_rows * NC + 1, TCELL);
    if (cells == NULL) {
        free_sheet(&sh);
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    }
    for (size_t r = 0; r < sh.n_rows; r++) {
        for (int c = 0; c < NC; c++) {
            const char *t = cell(&sh, r, col(&sh, src[c]));
            uint64_t v;
            if (c >= 3 && c <= 5 && sbr_parse_u64(t, strlen(t), &v) == NULL)
                sbr_fmt_count(cells[r * NC + (size_t)c], TCELL, v);
            else
                snprintf(cells[r * NC + (size_t)c], TCELL, "%s", t);
        }
    }
    rc = write_table(dir, "datasets", "Datasets: sessions, clicks and items per split", head, NC,
                     cells, sh.n_rows, err);
    free(cells);
    free_sheet(&sh);
    return rc;
}

/* True when every key=value of `want` (';'-separated) appears in `have`. */
static bool params_match(const char *want, const char *have)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", want);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ";", &save); kv != NULL; kv = strtok_r(NULL, ";", &save)) {
        size_t n = strlen(kv);
        const char *p = have;
        bool found = false;
        while ((p = strstr(p, kv)) != NULL) {
            if ((p == have || p[-1] == ';') && (p[n] == '\0' || p[n] == ';')) {
                found = true;
                break;
            }
            p++;
        }
        if (!found)
            return false;
    }
    return true;
}

static sbr_rc write_reproduction(const char *dir, const sheet *sh, const summary *s,
                                 const char *published, sbr_err *err)
{
    sheet pub;
    sbr_rc rc = read_sheet(published, &pub, err);
    if (rc != SBR_OK) {
        free_sheet(&pub);
        return rc;
    }
    static const char *const head[] = {"dataset", "algorithm",  "metric", "published",
                                       "sbr",     "difference", "source"};
    enum { NC = 7 };
    char(*cells)[TCELL] = calloc(pub.n_rows * NC + 1, TCELL);
    if (cells == NULL) {
        free_sheet(&pub);
        return sbr_err_set(err, SBR_ENOMEM, "report: out of memory");
    }
    int pd = col(&pub, "dataset"), pa = col(&pub, "algorithm"), pp = col(&pub, "params"),
        pc = col(&pub, "cutoff"), pm = col(&pub, "metric"), pv = col(&pub, "value"),
        ps = col(&pub, "source");
    for (size_t r = 0; r < pub.n_rows; r++) {
        const char *metric = cell(&pub, r, pm);
        int m = -1;
        for (int k = 0; k < N_M; k++)
            if (strcmp(m_cols[k], metric) == 0)
                m = k;
        const group *hit = NULL;
        for (size_t i = 0; i < s->n && m >= 0; i++) {
            const group *g = &s->g[i];
            if (strcmp(cell(sh, g->first_row, s->key[0]), cell(&pub, r, pd)) == 0 &&
                strcmp(cell(sh, g->first_row, s->key[1]), cell(&pub, r, pa)) == 0 &&
                strcmp(cell(sh, g->first_row, s->key[3]), cell(&pub, r, pc)) == 0 &&
                params_match(cell(&pub, r, pp), cell(sh, g->first_row, s->key[2]))) {
                hit = g;
                break;
            }
        }
        double want = num(&pub, r, pv);
        char *row = cells[r * NC];
        snprintf(row, TCELL, "%s", cell(&pub, r, pd));
        snprintf(cells[r * NC + 1], TCELL, "%s %s", cell(&pub, r, pa), cell(&pub, r, pp));
        snprintf(cells[r * NC + 2], TCELL, "%s@%s", metric, cell(&pub, r, pc));
        snprintf(cells[r * NC + 3], TCELL, "%.4f", want);
        if (hit != NULL) {
            snprintf(cells[r * NC + 4], TCELL, "%.4f", mean(hit, m));
            snprintf(cells[r * NC + 5], TCELL, "%+.4f", mean(hit, m) - want);
        } else {
            snprintf(cells[r * NC + 4], TCELL, "not run");
            snprintf(cells[r * NC + 5], TCELL, "–");
        }
        snprintf(cells[r * NC + 6], TCELL, "%s", cell(&pub, r, ps));
    }
    rc = write_table(dir, "reproduction",
                     "Reproduction: sbr beside the published values on the same data and "
                     "configuration",
                     head, NC, cells, pub.n_rows, err);
    free(cells);
    free_sheet(&pub);
    return rc;
}

int sbr_cmd_report(int argc, char **argv)
{
    enum { OPT_METRICS = CLI_OPT_FIRST_FREE, OPT_OUT, OPT_DATASETS, OPT_PUBLISHED, OPT_CUTOFF };
    static const struct option longopts[] = {{"metrics", required_argument, NULL, OPT_METRICS},
                                             {"out", required_argument, NULL, OPT_OUT},
                                             {"datasets", required_argument, NULL, OPT_DATASETS},
                                             {"published", required_argument, NULL, OPT_PUBLISHED},
                                             {"cutoff", required_argument, NULL, OPT_CUTOFF},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *metrics = NULL, *out = NULL, *datasets = NULL, *published = NULL;
    long cutoff = 20;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(report_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_METRICS) {
            metrics = optarg;
        } else if (c == OPT_OUT) {
            out = optarg;
        } else if (c == OPT_DATASETS) {
            datasets = optarg;
        } else if (c == OPT_PUBLISHED) {
            published = optarg;
        } else if (c == OPT_CUTOFF) {
            if ((rc = cli_count("report", "cutoff", optarg, 1, 100000, &cutoff)) != 0)
                return rc;
        } else {
            return cli_usage_error("report", "unrecognised option");
        }
    }
    if (metrics == NULL || out == NULL || optind < argc)
        return cli_usage_error("report", "--metrics and --out are required");
    char tables[4096], cut[32];
    snprintf(tables, sizeof tables, "%s/tables", out);
    snprintf(cut, sizeof cut, "%ld", cutoff);
    if (cli_make_dirs(tables) != 0) {
        fprintf(stderr, "sbr: %s: cannot create: %s\n", tables, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    sbr_err err = {SBR_OK, ""};
    sheet sh;
    summary s = {NULL, 0, {0, 0, 0, 0}};
    sbr_rc src = read_sheet(metrics, &sh, &err);
    if (src != SBR_OK)
        sbr_err_set(&err, err.rc, "%s: %s", metrics, err.msg);
    if (src == SBR_OK)
        src = summarise(&sh, &s, &err);
    if (src == SBR_OK)
        src = write_summary(out, &sh, &s, &err);
    if (src == SBR_OK)
        src = write_accuracy(tables, &sh, &s, cut, &err);
    if (src == SBR_OK)
        src = write_latency(tables, &sh, &s, cut, &err);
    if (src == SBR_OK && datasets != NULL)
        src = write_datasets(tables, datasets, &err);
    if (src == SBR_OK && published != NULL)
        src = write_reproduction(tables, &sh, &s, published, &err);
    free(s.g);
    free_sheet(&sh);
    if (src != SBR_OK)
        return cli_fail(&err);
    printf("report: %zu configurations from %s -> %s/summary.csv, %s/*.md and *.tex\n", s.n,
           metrics, out, tables);
    return SBR_EXIT_OK;
}
