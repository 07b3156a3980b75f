/* The paper tables of `sbr report`: Markdown and LaTeX (booktabs) from a summary.
 *
 * Every number in a table comes from a results file; none is typed by hand. Each table is
 * written as <dir>/<name>.md and <dir>/<name>.tex through data/output.h (a temporary file and
 * a rename). Nothing here prints. Errors of every writer: SBR_EINVAL (path too long), SBR_EIO,
 * SBR_ENOMEM; those reading a second file also the errors of sbr_sheet_read. */
#ifndef SBR_EVAL_TABLES_H
#define SBR_EVAL_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "data/common.h"
#include "eval/compare.h"
#include "eval/summary.h"

enum { SBR_TABLE_CELL = 640 }; /* bytes of one table cell */

/* Writes one table: head[n_cols] column names, cells n_rows x n_cols (row-major). In Markdown
 * and LaTeX the first column and every column with a cell that starts with a letter (after a
 * leading "**") are left-aligned, the others (numbers) right-aligned; in the LaTeX cells µ,
 * ±, †, –, Δ and _%&#$| are escaped, the caption is written as it is. */
sbr_rc sbr_tables_write(const char *dir, const char *name, const char *caption,
                        const char *const *head, size_t n_cols, char (*cells)[SBR_TABLE_CELL],
                        size_t n_rows, sbr_err *err);

/* accuracy.{md,tex}: "MRR / HR" means per configuration (rows, first-seen order) and
 * dataset (columns) at the given cutoff, MRR with "±sd" over splits when there are several;
 * "–" where a configuration did not run. With c (may be NULL): each dataset's best MRR in
 * bold ("**...**"; \textbf in LaTeX) and "†" after the MRR of a configuration not
 * significantly worse than the best (eval/compare.h). */
sbr_rc sbr_tables_accuracy(const char *dir, const sbr_summary *s, const char *cutoff,
                           const sbr_compare *c, sbr_err *err);

/* sbr_tables_accuracy, and where a "LABEL-tuned" row has no group on a dataset because its
 * winner is a configuration that ran there under another label (the store keeps one row per
 * configuration), the cell of that configuration, found through the tuned sheet (tuned.csv
 * of eval/exp_tune.h; NULL: no such lookups). */
sbr_rc sbr_tables_accuracy_tuned(const char *dir, const sbr_summary *s, const char *cutoff,
                                 const sbr_compare *c, const sbr_sheet *tuned, sbr_err *err);

/* latency.{md,tex}: per group at the cutoff, mean p50/p90/p99.5/max latency, fit time and
 * model size in MiB. */
sbr_rc sbr_tables_latency(const char *dir, const sbr_summary *s, const char *cutoff, sbr_err *err);

/* datasets.{md,tex}: sessions, clicks, items and days per split, from the datasets.csv that
 * `sbr run` writes (path); "synthetic time" in the days column where span_days is empty (a
 * [dataset] with synthetic_time = yes). */
sbr_rc sbr_tables_datasets(const char *dir, const char *path, sbr_err *err);

/* tuned.{md,tex}: one row per row of the tuned.csv of `sbr run`'s [tune] (path,
 * eval/exp_tune.h): dataset, label, the winner's parameters that differ from the algorithm's
 * defaults, its validation MRR, and at the cutoff the test MRR of the section's own
 * configuration (the group with its label) and of the winner (the group with its params),
 * "–" where none ran. */
sbr_rc sbr_tables_tuned(const char *dir, const sbr_summary *s, const char *tuned,
                        const char *cutoff, sbr_err *err);

/* reproduction.{md,tex}: each row of the published-values file (columns dataset, algorithm,
 * params, cutoff, metric, value, source) beside the mean of the matching group ("not run"
 * when none matches; see sbr_params_match). */
sbr_rc sbr_tables_reproduction(const char *dir, const sbr_summary *s, const char *published,
                               sbr_err *err);

/* The comparisons of the neural table: on each dataset the best neighbourhood method
 * (SBR_FAMILY_NEIGHBOURS, algorithms/algo.h) is the reference and every learned model
 * (SBR_FAMILY_LEARNED) is tested against it; groups of unknown algorithms take no part. */
extern const sbr_compare_scope sbr_tables_neural_scope;

/* neural.{md,tex}, "neighbours vs neural": per dataset (first-seen order) at the cutoff, the
 * best neighbourhood method of c (built with sbr_tables_neural_scope), then every learned model
 * in first-seen order, each with HR, MRR (±sd over splits where several), mean fit seconds
 * (2 decimals below 100 s) and p90 µs, its MRR minus the reference's, the Holm-corrected
 * Wilcoxon p of c ("< 1e-10" below that) and a verdict:
 * "better" or "worse" when that p is below c's alpha (by the sign of the difference), "n.s."
 * otherwise, "untested" without stored ranks. Written only when some dataset has a learned
 * model; otherwise an earlier run's neural.{md,tex} in dir are removed (nothing stale), and
 * *written says which (may be NULL). */
sbr_rc sbr_tables_neural(const char *dir, const sbr_summary *s, const char *cutoff,
                         const sbr_compare *c, bool *written, sbr_err *err);

/* True when every key=value of `want` (';'-separated) appears as a whole entry in `have`
 * ("k=100" matches "m=500;k=100", not "k=1000"). An empty want matches everything. */
bool sbr_params_match(const char *want, const char *have);

#endif
