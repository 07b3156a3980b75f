/* Per-dataset tuning in an experiment (the [tune] section, eval/experiment.h).
 *
 * For each tuned dataset, `sbr run` carves a validation split from the training set of the
 * dataset's first slice (sbr_split_last_sessions: the latest [tune] valid share of its
 * sessions validate, the rest fit), and for each tuned [algo LABEL] section runs `trials`
 * trials of a seeded search (TPE or random, eval/tune.h) over the algorithm's default space,
 * the section's spec fixing the parameters it names only where the space has none (the space
 * wins: a tuned parameter is searched even when the spec sets it), maximising MRR at the
 * experiment's first cutoff. The same budget holds for every algorithm and dataset. The winner
 * runs on every slice of the dataset as [algo LABEL-tuned].
 *
 * Searches are remembered in <output>/tuned.csv (one row per dataset x label, replaced when
 * run again) with a fingerprint of the fit and validation sets and of every setting of the
 * search, so a rerun with the same inputs reuses the winner instead of searching again; each
 * search's trials go to <output>/tuned/DATASET/LABEL.csv. Nothing here prints. */
#ifndef SBR_EVAL_EXP_TUNE_H
#define SBR_EVAL_EXP_TUNE_H

#include <stdbool.h>
#include <stddef.h>

#include "data/common.h"
#include "data/split.h"
#include "eval/experiment.h"
#include "eval/store.h"
#include "eval/tune.h"

/* The columns of tuned.csv. */
enum { SBR_TUNED_COLS = 14 };
extern const char *const sbr_tuned_header[SBR_TUNED_COLS];

/* The label of a section's tuned rows: "<label>-tuned" (cut to fit 64 bytes). */
void sbr_exp_tuned_label(const sbr_exp_algo *a, char out[64]);

/* Whether section a is tuned on dataset `dataset`: [tune] trials > 0, the dataset in [tune]
 * datasets (or no list), the label in [tune] algos (or no list), the section runs on the
 * dataset, has no grid, and its algorithm has a default space. */
bool sbr_exp_tune_wanted(const sbr_experiment *x, const sbr_exp_algo *a, const char *dataset);

typedef struct sbr_tuned {
    char spec[SBR_EXP_SPEC]; /* the winner: the section's spec with the best point */
    double valid;            /* its validation objective */
    size_t best_trial;       /* 0-based */
    double seconds;          /* the search's wall time (of the search that found it) */
    bool cached;             /* taken from tuned.csv, not searched now */
} sbr_tuned;

/* Tunes section a of x on dataset `dataset`, fitting on valid->train and scoring on
 * valid->test, with x->threads threads: the winner into *out. When <output>/tuned.csv holds
 * the same search (dataset, label, fingerprint), its winner is returned without searching.
 * Errors: those of sbr_study_init (SBR_EINVAL), of the search, of writing the files; SBR_EPARSE
 * for a tuned.csv that cannot be read. */
sbr_rc sbr_exp_tune_section(const sbr_experiment *x, const char *dataset, const sbr_exp_algo *a,
                            const sbr_split *valid, sbr_tuned *out, sbr_err *err);

/* sbr_exp_tune_section in two steps, for a search spread over processes (sbr run under MPI):
 * lookup gives the winner remembered in tuned.csv for the same search (*found), without
 * searching; search runs the search with this process's share of every batch (eval/tune.h;
 * NULL: all of it here), every process with the same arguments, so each gets the same winner.
 * Only the process of share rank 0 (or with share NULL) writes tuned.csv and the trials file.
 * Errors: as sbr_exp_tune_section's (a failing trial fails the search in every process). */
sbr_rc sbr_exp_tune_lookup(const sbr_experiment *x, const char *dataset, const sbr_exp_algo *a,
                           const sbr_split *valid, sbr_tuned *out, bool *found, sbr_err *err);
sbr_rc sbr_exp_tune_search(const sbr_experiment *x, const char *dataset, const sbr_exp_algo *a,
                           const sbr_split *valid, const sbr_tune_share *share, sbr_tuned *out,
                           sbr_err *err);

#endif
