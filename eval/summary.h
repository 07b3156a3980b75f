/* Summarising results files over their splits (`sbr report`).
 *
 * A sheet is a CSV results file held as text cells, its columns found by header name. A
 * summary groups the rows of a metrics sheet by (dataset, algorithm, params, cutoff), in
 * first-seen order, and keeps per group and metric the number of rows (splits), the sum, the
 * minimum and the maximum; a missing column or a cell that is not a number gives NaN sums.
 * Writing summary.csv goes through data/output.h (a temporary file and a rename). Nothing
 * here prints. */
#ifndef SBR_EVAL_SUMMARY_H
#define SBR_EVAL_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "data/common.h"
#include "eval/signif.h"

enum { SBR_SHEET_MAX_COLS = 64, SBR_SHEET_NAME = 32 };

typedef struct sbr_sheet {
    char **cells;                                    /* n_rows x n_cols, row-major */
    size_t n_rows, n_cols, cap;                      /* cap: rows allocated */
    char header[SBR_SHEET_MAX_COLS][SBR_SHEET_NAME]; /* names, cut to 31 bytes */
} sbr_sheet;

/* Reads the comma-separated file at path (header first; at most SBR_SHEET_MAX_COLS columns
 * are kept) into *sh, which is initialised first: call sbr_sheet_fini also after a failure.
 * Errors: SBR_EPARSE "line N: X cells, header has Y", and those of sbr_table_read (SBR_EIO,
 * SBR_EPARSE), SBR_ENOMEM. */
sbr_rc sbr_sheet_read(const char *path, sbr_sheet *sh, sbr_err *err);

/* Frees the cells; the sheet is left empty. */
void sbr_sheet_fini(sbr_sheet *sh);

/* The index of the column named `name`, or -1. */
int sbr_sheet_col(const sbr_sheet *sh, const char *name);

/* The text of row r (0-based, r < n_rows) in column c; "" when c < 0. */
const char *sbr_sheet_cell(const sbr_sheet *sh, size_t r, int c);

/* The number in row r, column c; NaN when the cell is not a number or c < 0. */
double sbr_sheet_num(const sbr_sheet *sh, size_t r, int c);

/* The metrics a summary keeps, in the column order of summary.csv. */
typedef enum sbr_summary_metric {
    SBR_SUM_MRR,
    SBR_SUM_HR,
    SBR_SUM_NDCG,
    SBR_SUM_NDCG_REF,
    SBR_SUM_PRECISION,
    SBR_SUM_RECALL,
    SBR_SUM_COVERAGE,
    SBR_SUM_POPULARITY,
    SBR_SUM_P50,
    SBR_SUM_P90,
    SBR_SUM_P95,
    SBR_SUM_P99,
    SBR_SUM_P995,
    SBR_SUM_MAX,
    SBR_SUM_FIT,
    SBR_SUM_BYTES,
    SBR_SUM_N
} sbr_summary_metric;

/* The metrics CSV column of each metric: "mrr", "hr", ..., "fit_s", "model_bytes". */
extern const char *const sbr_summary_metric_cols[SBR_SUM_N];

/* The metric whose column is `name`, or -1. */
int sbr_summary_metric_find(const char *name);

/* The key parts of a group. */
typedef enum sbr_summary_key {
    SBR_KEY_DATASET,
    SBR_KEY_ALGORITHM,
    SBR_KEY_PARAMS,
    SBR_KEY_CUTOFF,
    SBR_KEY_N
} sbr_summary_key;

/* One (dataset, algorithm, params, cutoff) group over its splits. */
typedef struct sbr_summary_group {
    size_t first_row; /* the sheet row that opened the group (its key cells) */
    size_t n;         /* rows (splits) in the group, >= 1 */
    double sum[SBR_SUM_N], min[SBR_SUM_N], max[SBR_SUM_N];
    double wmean[SBR_SUM_N], m2[SBR_SUM_N]; /* Welford's running mean and squared deviations */
    bool shared_label; /* another group of its dataset and cutoff has its label but another
                          configuration (a grid): its label then shows its params too */
} sbr_summary_group;

typedef struct sbr_summary {
    const sbr_sheet *sheet; /* borrowed: must outlive the summary */
    sbr_summary_group *g;   /* n groups in first-seen order */
    size_t n;
    int key[SBR_KEY_N]; /* sheet columns of dataset, algorithm, params, cutoff */
    int label;          /* the sheet's `label` column ([algo] labels), or -1 */
} sbr_summary;

/* Groups the rows of sh into *s (which borrows sh). Errors: SBR_EPARSE "report: the results
 * have no column X" when a key column is missing, SBR_ENOMEM. Release with
 * sbr_summary_fini (also after a failure). */
sbr_rc sbr_summary_build(const sbr_sheet *sh, sbr_summary *s, sbr_err *err);

/* Frees the groups; NULL-safe on an unbuilt (zeroed) summary. */
void sbr_summary_fini(sbr_summary *s);

/* The mean of metric m over g's splits: sum / n. */
double sbr_summary_mean(const sbr_summary_group *g, sbr_summary_metric m);

/* Mean, sample standard deviation and 95% confidence half-width of metric m over g's splits
 * (eval/signif.h; one split: sd and half-width 0). */
sbr_spread sbr_summary_spread(const sbr_summary_group *g, sbr_summary_metric m);

/* The key cell k of group g. */
const char *sbr_summary_key_of(const sbr_summary *s, const sbr_summary_group *g, sbr_summary_key k);

/* The [algo] label of g (the sheet's label column), or its algorithm when there is none. */
const char *sbr_summary_label_of(const sbr_summary *s, const sbr_summary_group *g);

/* Whether groups a and b are one row of a table (one x position of a figure): without a label
 * column, the same (algorithm, params); with one, the same label, and also the same
 * (algorithm, params) when either label has several configurations on one dataset (a grid).
 * So a label tuned per dataset ("vmis-tuned") is one row whatever each dataset's winner. */
bool sbr_summary_same_config(const sbr_summary *s, const sbr_summary_group *a,
                             const sbr_summary_group *b);

/* The index of g's configuration among the distinct configurations in first-seen order:
 * the x position of a configuration in the figures, the same on every dataset. */
size_t sbr_summary_config_index(const sbr_summary *s, const sbr_summary_group *g);

/* The short label of g's row: without a label column "vmis m=100 remind=1", the algorithm
 * and then the params that differ from its defaults (sbr_specs_short_params), space-separated;
 * with one, the [algo] label ("vmis-remind"), followed by those params only when the label
 * has several configurations on a dataset. Cut to size. */
void sbr_summary_label(const sbr_summary *s, const sbr_summary_group *g, char *out, size_t size);

/* Whether sheet row r belongs to group g (has its key). */
bool sbr_summary_row_in(const sbr_summary *s, const sbr_summary_group *g, size_t r);

/* The group with this key, or NULL. */
const sbr_summary_group *sbr_summary_find(const sbr_summary *s, const char *dataset,
                                          const char *algorithm, const char *params,
                                          const char *cutoff);

/* Writes <dir>/summary.csv: one row per group with dataset, algorithm, params, cutoff,
 * config (sbr_summary_config_index), label, n_splits, the mean, min and max of MRR and HR
 * (%.6f), the means of the other metrics (%.6g), then the standard deviation and 95%
 * confidence half-width over splits of MRR and HR (mrr_sd, mrr_ci95, hr_sd, hr_ci95; %.6f). Errors:
 * SBR_EINVAL (path too long), SBR_EIO, SBR_ENOMEM; the file is then untouched. */
sbr_rc sbr_summary_write_csv(const char *dir, const sbr_summary *s, sbr_err *err);

#endif
