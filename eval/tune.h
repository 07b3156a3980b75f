/* Hyperparameter search: search spaces and a seeded ask/tell tuner (random, grid, TPE).
 *
 * A search space is text: "m=int:100:2500; k=int:50:1500; weighting=choice:div|quadratic;
 * lambda=log:0.01:10". Kinds: int (uniform integers), real (uniform), log (log-uniform reals),
 * logint (log-uniform integers), choice (one of the listed values, which are substituted into
 * the algorithm spec as text). Bounds are inclusive; integer bounds lie within
 * +-SBR_SPACE_MAX_INT (2^53, exact in a double), and an int range of any width up to that is
 * drawn uniformly.
 *
 * The tuner proposes points with sbr_tuner_ask(trial index) and learns results with
 * sbr_tuner_tell. Each ask draws from its own generator seeded by (seed, trial), and sees only
 * what was told before, so a driver that asks a fixed-size batch, evaluates it (in parallel)
 * and tells the results in trial order gets the same trials for any thread count.
 *
 * TPE (tree-structured Parzen estimator, maximising the objective): after n_startup random
 * trials, the told trials are split at the gamma-quantile of the objective into good and bad;
 * per parameter, Parzen estimators l (good) and g (bad) are built — for numbers, a mixture of
 * Gaussians at the observed values (in log space for log kinds) with neighbour-distance
 * bandwidths plus a wide prior component, truncated to the bounds; for choices, smoothed
 * frequencies — and of n_candidates draws from l the one with the largest l/g is proposed.
 * Serenade's TPE minimises MRR by mistake (its quirk Q8); this one maximises. */
#ifndef SBR_EVAL_TUNE_H
#define SBR_EVAL_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

enum { SBR_SPACE_MAX_DIMS = 16, SBR_SPACE_MAX_CHOICES = 32 };

#define SBR_SPACE_MAX_INT 9007199254740992.0 /* 2^53 */

typedef enum sbr_dim_kind {
    SBR_DIM_INT,
    SBR_DIM_REAL,
    SBR_DIM_LOG,
    SBR_DIM_LOGINT,
    SBR_DIM_CHOICE
} sbr_dim_kind;

typedef struct sbr_dim {
    char name[48];
    sbr_dim_kind kind;
    double lo, hi; /* numeric kinds */
    char choices[SBR_SPACE_MAX_CHOICES][32];
    size_t n_choices;
} sbr_dim;

typedef struct sbr_space {
    sbr_dim dims[SBR_SPACE_MAX_DIMS];
    size_t n;
} sbr_space;

/* Parses a space (format above). Errors: SBR_EINVAL naming the bad part. */
sbr_rc sbr_space_parse(const char *text, sbr_space *sp, sbr_err *err);

/* The default space of an algorithm (Serenade's ranges for vmis, session-rec's search spaces
 * for the others), or NULL when there is none. */
const char *sbr_space_default(const char *algorithm);

/* Writes point x as "key=value,key=value" (integers rounded, choices by name). */
const char *sbr_space_format(const sbr_space *sp, const double *x, char *buf, size_t size);

typedef enum sbr_tune_method { SBR_TUNE_RANDOM, SBR_TUNE_GRID, SBR_TUNE_TPE } sbr_tune_method;

typedef struct sbr_tune_options {
    sbr_tune_method method;
    uint64_t seed;
    size_t grid_points;  /* grid: values per numeric parameter (default 5) */
    size_t n_startup;    /* TPE: random trials first (default 10) */
    double gamma;        /* TPE: share of told trials that are "good" (default 0.25) */
    size_t n_candidates; /* TPE: draws from l per proposal (default 24) */
    /* Optional: whether point x may run (an algorithm's cross-parameter rules, e.g. vmis
     * k <= m). A rejected proposal is drawn again (grid: the next grid point), up to
     * SBR_TUNE_MAX_REDRAWS times, deterministically (TPE: uniformly after 8 redraws); NULL
     * accepts every point. Thread-safe. */
    bool (*feasible)(void *user, const double *x);
    void *feasible_user;
} sbr_tune_options;

enum { SBR_TUNE_MAX_REDRAWS = 1000 };

void sbr_tune_options_init(sbr_tune_options *opt);

typedef struct sbr_tuner sbr_tuner;

/* A tuner over sp (copied). NULL when out of memory. */
sbr_tuner *sbr_tuner_new(const sbr_space *sp, const sbr_tune_options *opt);
void sbr_tuner_free(sbr_tuner *t); /* accepts NULL */

/* The number of distinct grid points (grid method), for reporting. */
size_t sbr_tuner_grid_size(const sbr_tuner *t);

/* Proposes trial `trial`'s point into x[sp->n] (choices as their index), a feasible one when
 * opt->feasible is set. Deterministic given the seed, the trial index and what was told
 * before. Errors: SBR_ENOMEM; SBR_EINVAL when no feasible point turned up. */
sbr_rc sbr_tuner_ask(const sbr_tuner *t, size_t trial, double *x, sbr_err *err);

/* Records a finished trial. Errors: SBR_ENOMEM. */
sbr_rc sbr_tuner_tell(sbr_tuner *t, const double *x, double objective, sbr_err *err);

/* One trial of a search. */
typedef struct sbr_trial {
    double x[SBR_SPACE_MAX_DIMS]; /* the point (choices as indices) */
    double value;                 /* the objective (larger is better) */
    double seconds;               /* wall time of the objective */
} sbr_trial;

/* The objective: writes the value of point x into *value. Called from several threads at
 * once (one call per trial), so it must be thread-safe. */
typedef sbr_rc (*sbr_objective_fn)(void *user, const double *x, double *value, sbr_err *err);

/* Runs n_trials trials: batches of `batch` points are asked in trial order, evaluated in
 * parallel on `threads` OpenMP threads, and told in trial order, so trials[] is the same for
 * any thread count (batch, not threads, decides what each ask has seen). This is the one
 * parallel region outside eval/harness.c; it only spreads independent trials. Errors: the
 * lowest failing trial's error, SBR_ENOMEM. */
sbr_rc sbr_tune_run(const sbr_space *sp, const sbr_tune_options *opt, size_t n_trials, size_t batch,
                    int threads, sbr_objective_fn fn, void *user, sbr_trial *trials, sbr_err *err);

/* A search spread over processes (sbr tune under MPI): every process runs the same asks and
 * tells; of each batch [start, end), process `rank` of `size` evaluates the trials start + k
 * with k % size == rank (on its threads), and `gather` then gives every process the value
 * and seconds of every trial of the batch (each filled its own; the others' are 0) and the
 * lowest failing trial over all processes: *bad holds this process's lowest failing trial or
 * end and, when it is not end, *err its error; gather sets both to the lowest over all. It
 * cannot fail (a process that cannot communicate ends the run). */
typedef struct sbr_tune_share {
    size_t rank, size;
    void (*gather)(void *user, sbr_trial *trials, size_t start, size_t end, size_t *bad,
                   sbr_err *err);
    void *user;
} sbr_tune_share;

/* sbr_tune_run with this process's share (NULL: every trial here). The trials are the same
 * as sbr_tune_run's for any size, as long as every process runs it with the same arguments. */
sbr_rc sbr_tune_run_shared(const sbr_space *sp, const sbr_tune_options *opt, size_t n_trials,
                           size_t batch, int threads, const sbr_tune_share *share,
                           sbr_objective_fn fn, void *user, sbr_trial *trials, sbr_err *err);

#endif
