/* Which jobs a results CSV file holds, by key alone.
 *
 * A done set is the set of row keys (dataset, split, algorithm, params, cutoff: the first
 * SBR_METRICS_KEY_COLS cells of the metrics CSV, eval/report.h) read from a results file.
 * `sbr run` no longer resumes from it: it asks the results store (eval/store.h), which also
 * compares the fingerprint of the inputs; this serves a reader that has only the CSV. A set is
 * immutable once loaded, so lookups may run from several threads. */
#ifndef SBR_EVAL_RESUME_H
#define SBR_EVAL_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "data/common.h"
#include "eval/report.h"

typedef struct sbr_done_set sbr_done_set;

/* Reads the keys of every data row of the metrics CSV at path into a new set in *out (the
 * caller frees it with sbr_done_set_free); *out is NULL on failure. A missing file gives an
 * empty set, as does a file with only a header; rows with fewer than SBR_METRICS_KEY_COLS
 * cells are ignored, and a key appearing several times counts once. Errors: those of
 * sbr_table_read (SBR_EIO, SBR_EPARSE), SBR_ENOMEM. */
sbr_rc sbr_done_set_load(const char *path, sbr_done_set **out, sbr_err *err);

/* A new empty set (NULL when out of memory). */
sbr_done_set *sbr_done_set_new(void);

/* Frees the set; NULL is a no-op. */
void sbr_done_set_free(sbr_done_set *d);

/* The number of distinct keys in the set. */
size_t sbr_done_set_count(const sbr_done_set *d);

/* Whether the set holds the key of SBR_METRICS_KEY_COLS NUL-terminated cells. False when out
 * of memory (the job is then run again, never skipped wrongly). */
bool sbr_done_set_has(const sbr_done_set *d, const char *const key[SBR_METRICS_KEY_COLS]);

/* Whether the set holds the job (dataset, split, algorithm, params) at every one of the
 * n_cutoffs cutoffs (cutoffs written in decimal, as in the CSV). True for n_cutoffs == 0. */
bool sbr_done_set_has_job(const sbr_done_set *d, const char *dataset, const char *split,
                          const char *algorithm, const char *params, const size_t *cutoffs,
                          size_t n_cutoffs);

#endif
