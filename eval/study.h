/* A tuning study (`sbr tune`): one algorithm, a search space and a validation objective.
 *
 * The study joins the pieces the tuner (eval/tune.h) leaves open: it turns a point of the
 * space into an algorithm spec ("vmis:fixed=1,m=500,k=100"), scores a spec by fitting it and
 * evaluating one cutoff on one thread (trials are the parallel unit), rejects points the
 * algorithm's parameter rules refuse, and writes the trials file. Nothing here prints. */
#ifndef SBR_EVAL_STUDY_H
#define SBR_EVAL_STUDY_H

#include <stddef.h>

#include "algorithms/algo.h"
#include "data/common.h"
#include "data/dataset.h"
#include "eval/harness.h"
#include "eval/tune.h"

/* The metrics an objective may maximise. */
typedef enum sbr_objective_metric {
    SBR_OBJ_MRR,
    SBR_OBJ_HR,
    SBR_OBJ_NDCG,
    SBR_OBJ_PRECISION,
    SBR_OBJ_RECALL,
    SBR_OBJ_COVERAGE
} sbr_objective_metric;

/* "mrr", "hr", "ndcg", "precision", "recall", "coverage". */
const char *sbr_objective_name(sbr_objective_metric metric);

/* Parses "METRIC@N" (N from 1 to 100000), e.g. "mrr@20", into *metric and *cutoff. Errors:
 * SBR_EINVAL "--objective '<text>': use METRIC@N with METRIC one of mrr, hr, ndcg,
 * precision, recall, coverage"; the outputs are then unchanged. */
sbr_rc sbr_objective_parse(const char *text, sbr_objective_metric *metric, size_t *cutoff,
                           sbr_err *err);

/* The objective's metric out of m. */
double sbr_objective_value(const sbr_eval_metrics *m, sbr_objective_metric metric);

typedef struct sbr_study {
    const sbr_algo *algo;
    char base[1024]; /* the fixed part of the spec, as given ("vmis" or "vmis:idf=0") */
    sbr_space space;
    const sbr_dataset *fit, *valid; /* borrowed: set by the caller before sbr_study_run */
    sbr_objective_metric metric;
    size_t cutoff;
} sbr_study;

/* Sets up a study of algo_spec (NAME[:fixed params]) over space_text (eval/tune.h's format;
 * NULL for the algorithm's default space), maximising metric@cutoff. The first grid point is
 * turned into a spec and checked now, so that a parameter the algorithm lacks fails here and
 * not at trial 7. Errors (all SBR_EINVAL, the message ready for the user): the spec's error,
 * "no default space for NAME: give --space", the space's parse error, "the space does not fit
 * NAME: <why>". */
sbr_rc sbr_study_init(sbr_study *st, const char *algo_spec, const char *space_text,
                      sbr_objective_metric metric, size_t cutoff, sbr_err *err);

/* The spec of point x: the base, then the point's parameters ("vmis:fixed=1,m=500,k=100"). */
void sbr_study_spec(const sbr_study *st, const double *x, char *buf, size_t size);

/* Fits `spec` on fit and evaluates it on eval_set at the study's cutoff (one thread, no
 * latency pass): the objective into *value, and all metrics into *all when not NULL.
 * Thread-safe (all state is local). Errors: those of sbr_spec_parse, fit and sbr_evaluate. */
sbr_rc sbr_study_score(const sbr_study *st, const char *spec, const sbr_dataset *fit,
                       const sbr_dataset *eval_set, double *value, sbr_eval_metrics *all,
                       sbr_err *err);

/* Runs n_trials trials of method/seed in *opt (its feasible hook is replaced by the study's
 * parameter rules) in batches of 8 on `threads` threads, fitting on st->fit and scoring on
 * st->valid; trials[n_trials] is filled in trial order, the same for any thread count. Errors:
 * those of sbr_tune_run. */
sbr_rc sbr_study_run(sbr_study *st, const sbr_tune_options *opt, size_t n_trials, int threads,
                     sbr_trial *trials, sbr_err *err);

/* sbr_study_run with this process's share of each batch (eval/tune.h; NULL: all of it). */
sbr_rc sbr_study_run_shared(sbr_study *st, const sbr_tune_options *opt, size_t n_trials,
                            int threads, const sbr_tune_share *share, sbr_trial *trials,
                            sbr_err *err);

/* The index of the best trial: the first with the largest value (0 when n is 0). */
size_t sbr_trials_best(const sbr_trial *trials, size_t n);

/* "random", "grid", "tpe". */
const char *sbr_tune_method_name(sbr_tune_method method);

/* Writes trials.csv at path: trial, method, seed, params (';'-separated), objective,
 * best_so_far, seconds, one row per trial. Errors: SBR_EIO, SBR_ENOMEM; the file is then
 * untouched. */
sbr_rc sbr_study_write_trials(const sbr_study *st, const char *path, sbr_tune_method method,
                              long seed, const sbr_trial *trials, size_t n, sbr_err *err);

#endif
