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
 *   per_session = no            # yes: also store each prediction's rank of its target
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
 *   datasets = rsc15-100k serenade-toy           # optional: only on these [dataset]s
 *
 *   [tune]                      # optional: per-dataset tuning (eval/exp_tune.h)
 *   trials   = 8                # trials per dataset x algorithm (0: no tuning)
 *   method   = tpe              # tpe or random
 *   valid    = 0.1              # the latest share of each training set's sessions validates
 *   algos    = vmis sr          # optional: only these [algo] labels (default: every section
 *                               # without a grid whose algorithm has a tuning space)
 *   datasets = rsc15-100k       # optional: only on these [dataset]s
 *   synthetic_time = yes        # (in a [dataset]) its Time column is an ordering, not dates
 *
 * `$SBR_DATA` and `${SBR_DATA}` expand from the environment; using it while SBR_DATA is unset
 * is an error that says how to set it. A relative path (train, test, file, files, output)
 * that does not start with $SBR_DATA is relative to the experiment file's folder, not to the
 * current directory. The file is read as libinih reads
 * INI files (comments start with ';' or '#'; an inline comment with ';' after whitespace;
 * `key: value` also works), without its limits and merges. Every error names the file and line
 * and stops the reading (the first error wins):
 *  - unknown sections or keys;
 *  - a section name given twice ([run], or [dataset NAME] / [algo LABEL] with one NAME or
 *    LABEL): sections are never merged;
 *  - a NAME or LABEL longer than 63 bytes (never cut), more than 32 [dataset] or 64 [algo]
 *    sections;
 *  - a key given twice in one section (`file` and `files` count as one key): no "later wins".
 *    A `file`/`files` list may go on over indented lines (each adds its paths); an indented
 *    line after any other key is an error;
 *  - a line longer than SBR_EXP_MAX_LINE (64 KiB) bytes (never cut);
 *  - a key before the first section.
 * A grid has at most SBR_EXP_GRID_KEYS keys (each once) of at most SBR_EXP_GRID_VALUES values,
 * kept whole; an experiment expands into at most SBR_EXP_MAX_COMBINATIONS combinations in all
 * (before `where`), counted before anything is allocated. */
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
    SBR_EXP_SPEC = 512,
    SBR_EXP_MAX_LINE = 65536,        /* bytes in a line, without its newline */
    SBR_EXP_GRID_KEYS = 8,           /* keys in a grid */
    SBR_EXP_GRID_VALUES = 32,        /* values of a grid key */
    SBR_EXP_MAX_COMBINATIONS = 10000 /* grid combinations of an experiment, all algos */
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
    bool synthetic_time; /* synthetic_time = yes: Time orders the clicks but is not a date */
} sbr_exp_dataset;

typedef struct sbr_exp_algo {
    char label[64];
    char spec[SBR_EXP_SPEC]; /* "name" or "name:key=value,..." */
    char grid[1024];         /* "key=v|v|v; key=v|v" or empty */
    char where[64];          /* "" or "A<=B" */
    char datasets[512];      /* "" (every dataset) or the [dataset] names it runs on */
} sbr_exp_algo;

/* The [tune] section: per-dataset tuning of the algorithm sections (eval/exp_tune.h). */
typedef struct sbr_exp_tune {
    size_t trials;      /* per dataset x algorithm; 0: no tuning */
    bool tpe;           /* method = tpe (default), else random */
    double valid;       /* share of a training set's latest sessions that validate (0.1) */
    char algos[512];    /* "" (every tunable section) or the [algo] labels to tune */
    char datasets[512]; /* "" (every dataset) or the [dataset] names to tune on */
} sbr_exp_tune;

typedef struct sbr_experiment {
    char path[SBR_EXP_PATH];
    char output[SBR_EXP_PATH];
    int threads;
    uint64_t seed;
    size_t cutoffs[SBR_MAX_CUTOFFS], n_cutoffs;
    bool latency;
    bool per_session;     /* per_session = yes: store every target's rank (eval/store.h) */
    bool every_algorithm; /* algorithms = registry */
    sbr_exp_dataset datasets[SBR_EXP_MAX_DATASETS];
    size_t n_datasets;
    sbr_exp_algo algos[SBR_EXP_MAX_ALGOS];
    size_t n_algos;
    sbr_exp_tune tune;
} sbr_experiment;

/* Reads and checks the experiment file. *x is the caller's (it is large: allocate it).
 * Errors: SBR_EIO (cannot read), SBR_EPARSE naming "file:line" and the offending text (see the
 * rules above), SBR_EINVAL for a dataset or algorithm that is incomplete or whose grid is bad
 * or too large. */
sbr_rc sbr_experiment_load(const char *path, sbr_experiment *x, sbr_err *err);

/* The number of slices a dataset yields (1 for a given split or one file cut by last-days). */
size_t sbr_exp_dataset_slices(const sbr_exp_dataset *d);

/* An algorithm's grid, parsed: keys[k] has values[k][0..n_values[k]), pointing into text (so
 * the struct must not be copied). combinations is the product of the n_values (1 without a
 * grid), before `where`. */
typedef struct sbr_exp_grid {
    char text[1024];
    const char *keys[SBR_EXP_GRID_KEYS];
    const char *values[SBR_EXP_GRID_KEYS][SBR_EXP_GRID_VALUES];
    size_t n_values[SBR_EXP_GRID_KEYS], n_keys;
    size_t combinations;
} sbr_exp_grid;

/* Parses a's grid into *g without expanding it. Errors: SBR_EINVAL for a malformed grid (a key
 * without values, an empty value, too many keys or values, a key given twice), naming it. */
sbr_rc sbr_exp_grid_parse(const sbr_exp_algo *a, sbr_exp_grid *g, sbr_err *err);

/* Expands an algorithm's grid into full specs, in grid order (the last key varies fastest),
 * keeping the combinations its `where` allows. *specs (malloc'ed, n entries of SBR_EXP_SPEC
 * bytes) is the caller's to free. Errors: SBR_EINVAL for a malformed grid or where, more than
 * SBR_EXP_MAX_COMBINATIONS combinations (refused before allocating), or a spec with its grid
 * values longer than SBR_EXP_SPEC - 1 bytes (never cut). */
sbr_rc sbr_exp_expand(const sbr_exp_algo *a, char (**specs)[SBR_EXP_SPEC], size_t *n, sbr_err *err);

/* Whether algorithm section a runs on the dataset named `dataset` (its `datasets` list, or
 * every dataset when it has none). */
bool sbr_exp_algo_runs_on(const sbr_exp_algo *a, const char *dataset);

/* Whether the space- or tab-separated list holds name ("" holds every name). */
bool sbr_exp_list_has(const char *list, const char *name);

#endif
