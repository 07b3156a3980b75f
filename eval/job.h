/* The jobs of an experiment (`sbr run`, eval/experiment.h): the slices a dataset is cut
 * into, and one algorithm fitted and evaluated on one slice with its rows appended to the
 * results. Nothing here prints; the command reports progress and outcomes. */
#ifndef SBR_EVAL_JOB_H
#define SBR_EVAL_JOB_H

#include <stddef.h>

#include "data/common.h"
#include "data/dataset.h"
#include "data/split.h"
#include "eval/experiment.h"
#include "eval/harness.h"
#include "eval/report.h"
#include "eval/specs.h"
#include "eval/store.h"

/* The file name of path without its folder and without .gz/.tsv/.csv/.txt/.dat endings:
 * "data/rsc15/train_full.tsv.gz" -> "train_full". Cut to size. */
void sbr_job_file_stem(const char *path, char *out, size_t size);

/* The session file of slice s when the dataset is cut from files: the synthetic file
 * (synth_path) for a synth dataset, file s for one slice per file, else the first file;
 * NULL for a given train/test split. */
const char *sbr_job_slice_file(const sbr_exp_dataset *d, size_t s, const char *synth_path);

/* The split column of slice s: the train file's stem for a given split, "window<s>" for
 * sliding windows, the file's stem for one slice per file, else "last<N>d". */
void sbr_job_slice_name(const sbr_exp_dataset *d, size_t s, const char *synth_path, char *out,
                        size_t size);

/* The sets of one slice, and the whole file it is cut from (kept across the slices of one
 * file, so a file is read once). Zero-initialise; sbr_job_slices_fini releases it. */
typedef struct sbr_job_slices {
    sbr_dataset *whole;       /* the file being cut, or NULL */
    sbr_dataset *given_train; /* a given split's files, or NULL */
    sbr_dataset *given_test;
    sbr_split sp;                    /* the current cut */
    const sbr_dataset *train, *test; /* the current slice's sets (borrowed from the above) */
} sbr_job_slices;

/* Loads or cuts slice s of dataset d into js->train and js->test (session files read with
 * the default loader options; several `file`s are joined into one dataset). Errors: those of
 * the loader and of the split. Call sbr_job_slice_release after each slice. */
sbr_rc sbr_job_slice_load(sbr_job_slices *js, const sbr_exp_dataset *d, size_t s,
                          const char *synth_path, sbr_err *err);

/* Releases the current slice's sets (the whole file stays). */
void sbr_job_slice_release(sbr_job_slices *js);

/* Releases everything. */
void sbr_job_slices_fini(sbr_job_slices *js);

/* Appends the statistics of one part of a slice (sessions, clicks, items, first and last
 * time, span in days) to the datasets CSV at path. Errors: those of sbr_csv_append. */
sbr_rc sbr_job_record_part(const char *path, const char *dataset, const char *split,
                           const char *part, const sbr_dataset *ds, sbr_err *err);

/* Fits j on train and evaluates it on test at the experiment's cutoffs, threads, latency and
 * per_session (res->ranks) settings: *res (finish with sbr_eval_result_fini), the fit time and the
 * model's size in bytes. Errors: those of fit and of sbr_evaluate; *res is then untouched. */
sbr_rc sbr_job_evaluate(const sbr_experiment *x, const sbr_job_spec *j, const sbr_dataset *train,
                        const sbr_dataset *test, sbr_eval_result *res, double *fit_s,
                        size_t *model_bytes, sbr_err *err);

/* The job's rows, one per cutoff, formatted as the metrics file has them (sbr_metrics_row:
 * peak_rss_bytes is this process's): *cells holds the text, *ptrs points at each cell
 * (x->n_cutoffs * SBR_METRICS_COLS of them); free both, also after an error. Errors:
 * SBR_ENOMEM. */
sbr_rc sbr_job_format_rows(const sbr_experiment *x, const sbr_run_info *ri, const sbr_job_spec *j,
                           const sbr_eval_result *res, double fit_s, size_t model_bytes,
                           char (**cells)[SBR_METRICS_CELL], const char ***ptrs, sbr_err *err);

/* Appends the job's rows, one per cutoff, to the metrics CSV at path (replacing rows of the
 * same key). Errors: those of sbr_csv_append, SBR_ENOMEM. */
sbr_rc sbr_job_append_rows(const char *path, const sbr_experiment *x, const sbr_run_info *ri,
                           const sbr_job_spec *j, const sbr_eval_result *res, double fit_s,
                           size_t model_bytes, sbr_err *err);

/* The settings of slice s of dataset d that, beside the data, decide a job's results, as text
 * for the fingerprint (eval/store.h): the split ("given", "last-days 2", "windows 20 2 3 0 4
 * slice 1"), the experiment's seed and the unseen-item rule. */
void sbr_job_settings(const sbr_experiment *x, const sbr_exp_dataset *d, size_t s, char *out,
                      size_t size);

enum { SBR_JOB_PART_CELL = 64 };

/* The cells of one datasets.csv row (SBR_RSTORE_PART_COLS of them) for one part of a slice,
 * as sbr_job_store_part writes it; with synthetic_time (the dataset's Time is an ordering, not
 * seconds) first_time, last_time and span_days are empty. */
void sbr_job_part_cells(char cells[SBR_RSTORE_PART_COLS][SBR_JOB_PART_CELL], const char *dataset,
                        const char *split, const char *part, const sbr_dataset *ds,
                        bool synthetic_time);

/* sbr_job_record_part into the results store instead of a CSV file; with synthetic_time the
 * time cells are left empty (NULL in the store). Errors: those of sbr_rstore_put_part. */
sbr_rc sbr_job_store_part(sbr_rstore *st, const char *dataset, const char *split, const char *part,
                          const sbr_dataset *ds, bool synthetic_time, sbr_err *err);

/* Writes the job's rows, one per cutoff, to the results store in one transaction (replacing
 * rows of the same key), with the job's label, the slice's fingerprint and, when not NULL,
 * the ranks of its targets. Errors: those of sbr_rstore_put_job, SBR_ENOMEM. */
sbr_rc sbr_job_store_rows(sbr_rstore *st, const sbr_experiment *x, const sbr_run_info *ri,
                          const sbr_job_spec *j, const sbr_eval_result *res, double fit_s,
                          size_t model_bytes, const char *fingerprint,
                          const sbr_rstore_ranks *ranks, sbr_err *err);

#endif
