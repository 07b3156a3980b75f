/* Experiment files: what `sbr run` runs.
 *
 * An experiment is an INI file (libinih) with one [run] section, one [dataset NAME] section per
 * dataset and one [algo LABEL] section per algorithm:
 *
 *   [run]
 *   output   = results          # folder; rows go to <output>/metrics.csv
 *   threads  = 2                # OpenMP threads for the metric pass
 *   seed     = 1
 *   cutoffs  = 20               # or a list: 5,10,20
 *   latency  = yes              # the timed single-threaded pass
 *   algorithms = registry       # also every registered algorithm no [algo] names, with its
 *                               # defaults (default: listed, only the [algo] sections)
 *
 *   [dataset rsc15-100k]
 *   train    = $SBR_DATA/rsc15-100k/train_full.tsv.gz   # a given split ...
 *   test     = $SBR_DATA/rsc15-100k/test.tsv.gz
 *   optional = yes              # skip (and say so) when a file is missing
 *
 *   [dataset 30music]
 *   files    = $SBR_DATA/30music/slice0.tsv.gz $SBR_DATA/30music/slice1.tsv.gz
 *   split    = last-days 1      # ... or `files` (one slice each) or `file` (one or more files
 *                               # joined into one dataset), cut by `split`:
 *                               # "last-days N", "windows TRAIN TEST SLICES OFFSET SHIFT" (days)
 *                               # or "preset NAME" (sbr split --help lists the presets)
 *   [dataset synthetic]
 *   synth    = sessions=20000,items=5000,seed=1   # generated into <output>/data/NAME.tsv.gz
 *   split    = last-days 2
 *
 *   [algo vmis]
 *   spec     = vmis:last_items=2
 *   grid     = m=100|500|1000; k=50|100          # every combination, k varying fastest
 *   where    = k<=m                              # optional: keep combinations with k <= m
 *
 * `$SBR_DATA` and `${SBR_DATA}` expand from the environment. Unknown sections or keys are
 * errors naming the file and line. */
#ifndef SBR_EVAL_EXPERIMENT_H
#define SBR_EVAL_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/split.h"
#include "eval/harness.h"

enum {
    SBR_EXP_MAX_DATASETS = 32,
    SBR_EXP_MAX_ALGOS = 64,
    SBR_EXP_MAX_FILES = 16,
    SBR_EXP_PATH = 1024,
    SBR_EXP_SPEC = 512
};

typedef enum sbr_exp_split {
    SBR_EXP_GIVEN,     /* train and test files */
    SBR_EXP_LAST_DAYS, /* the last N days of each file are test */
    SBR_EXP_WINDOWS    /* session-rec sliding windows over one file */
} sbr_exp_split;

typedef struct sbr_exp_dataset {
    char name[64];
    char train[SBR_EXP_PATH], test[SBR_EXP_PATH]; /* SBR_EXP_GIVEN */
    char files[SBR_EXP_MAX_FILES][SBR_EXP_PATH];  /* `files`: one slice per file; `file`:
                                                     all joined into one dataset */
    size_t n_files;
    bool joined;     /* the files came from `file` */
    char synth[256]; /* synth options "key=value,...", or empty */
    sbr_exp_split split;
    double last_days;
    sbr_window_options windows;
    bool optional;
} sbr_exp_dataset;

typedef struct sbr_exp_algo {
    char label[64];
    char spec[SBR_EXP_SPEC]; /* "name" or "name:key=value,..." */
    char grid[1024];         /* "key=v|v|v; key=v|v" or empty */
    char where[64];          /* "" or "A<=B" */
} sbr_exp_algo;

typedef struct sbr_experiment {
    char path[SBR_EXP_PATH];
    char output[SBR_EXP_PATH];
    int threads;
    uint64_t seed;
    size_t cutoffs[SBR_MAX_CUTOFFS], n_cutoffs;
    bool latency;
    bool every_algorithm; /* algorithms = registry */
    sbr_exp_dataset datasets[SBR_EXP_MAX_DATASETS];
    size_t n_datasets;
    sbr_exp_algo algos[SBR_EXP_MAX_ALGOS];
    size_t n_algos;
} sbr_experiment;

/* Reads and checks the experiment file. *x is the caller's (it is large: allocate it).
 * Errors: SBR_EIO (cannot read), SBR_EPARSE / SBR_EINVAL naming "file:line" and the key. */
sbr_rc sbr_experiment_load(const char *path, sbr_experiment *x, sbr_err *err);

/* The number of slices a dataset yields (1 for a given split or one file cut by last-days). */
size_t sbr_exp_dataset_slices(const sbr_exp_dataset *d);

/* Expands an algorithm's grid into full specs, in grid order (the last key varies fastest),
 * keeping the combinations its `where` allows. *specs (malloc'ed, n entries of SBR_EXP_SPEC
 * bytes) is the caller's to free. Errors: SBR_EINVAL for a malformed grid or where. */
sbr_rc sbr_exp_expand(const sbr_exp_algo *a, char (**specs)[SBR_EXP_SPEC], size_t *n, sbr_err *err);

#endif
