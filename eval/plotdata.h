/* The data files the figures read (`sbr report` writes them into OUT/plots/; the gnuplot
 * scripts in plots/ draw them). Every file is a gnuplot-friendly whitespace table: a commented
 * header naming the columns, then one block per dataset (or per configuration), blocks separated by
 * two blank lines so that gnuplot's `index i` selects block i. Text columns are double-quoted. A
 * block that would be empty holds one line of NaN, so block i is always dataset (configuration) i.
 * Only the groups of the summary at the figures' cutoff are used. A configuration's label is the
 * name in->label gives it (on its first dataset) when no other configuration has that name,
 * else sbr_summary_label's ("vmis k=50 m=100"): a grid's configurations share one [algo] label.
 *
 *   meta.gp        gnuplot statements to `load`: the cutoff, the datasets (array dataset[]),
 *                  the configurations (array label[], algo[]; the x position or number of
 *                  configuration c is c, 1-based, the same in every file), whether ranks
 *                  (has_ranks) and latency (has_latency) are there, in all and per dataset
 *                  (arrays ranks_on[], latency_on[]: 0 or 1), and the grids.
 *   accuracy.dat   per dataset: config mrr mrr_sd hr hr_sd n_splits label. sd: sample standard
 *                  deviation over the splits (0 for one split).
 *   tradeoff.dat   per dataset: config p50_us p90_us p995_us max_us mrr hr coverage popularity
 *                  pareto label. Latency columns are NaN when not measured (0 in the results);
 *                  pareto is 1 on the accuracy/latency Pareto front (no other configuration of
 *                  the dataset has a p90 as low and an MRR as high, one of them strictly).
 *   pareto.dat     per dataset: p90_us mrr config of the front, by p90 ascending.
 *   atk.dat        per dataset: k, then MRR@k of configurations 1..n, then HR@k of 1..n, for
 *                  k = 1..SBR_PLOT_MAX_K: the mean over splits of each split's metric, from the
 *                  stored per-prediction ranks; NaN where a configuration has no ranks on a split
 *                  or k exceeds its longest list (its largest cutoff). Written only when some
 *                  ranks exist.
 *   grid_ALGO.dat  for each algorithm whose configurations differ in exactly two parameters,
 *                  both numeric, with at least 4 configurations: per dataset on which it ran
 *                  (grid_datasets in meta.gp), x y xi yi mrr hr precision p90_us best, by x then
 *                  y; xi, yi: the positions of x and y among the grid's values (0-based, over
 *                  all datasets); best is 1 on the dataset's highest MRR (the first on ties).
 *   latency_len.dat per dataset: one row per prefix-length bucket (eval/harness.h): len_lo
 *                  len_hi (0: no end), then p50 of configurations 1..n, then p90 of 1..n, in
 *                  microseconds: the mean over splits of each split's percentile in the bucket
 *                  (splits with no prediction there left out); NaN where a configuration has
 *                  none. Written only when some job has them (meta.gp: has_len, len_on[]).
 *   cost.dat       per configuration: train_clicks fit_s model_bytes n_predictions eval_s
 *                  events_per_s threads dataset, by train_clicks ascending; train_clicks is the
 *                  mean over splits of the training part's clicks (from the datasets file; NaN
 *                  without it), events_per_s the predictions over the metric pass's seconds.
 *
 * Files are written atomically (data/output.h). Nothing here prints. */
#ifndef SBR_EVAL_PLOTDATA_H
#define SBR_EVAL_PLOTDATA_H

#include <stddef.h>

#include "data/common.h"
#include "eval/compare.h"
#include "eval/harness.h"
#include "eval/summary.h"

enum { SBR_PLOT_MAX_K = 20, SBR_PLOT_LABEL = 256 };

/* The name a user gave a configuration (the [algo] label of an experiment file) into out; any
 * return but SBR_OK means "none". */
typedef sbr_rc (*sbr_label_fn)(void *user, const char *dataset, const char *algorithm,
                               const char *params, char *out, size_t size, sbr_err *err);

/* A job's latency by prefix length (eval/harness.h), into out; SBR_EINVAL: none stored (NaN);
 * other errors stop the writing. */
typedef sbr_rc (*sbr_latlen_fn)(void *user, const char *dataset, const char *split,
                                const char *algorithm, const char *params,
                                sbr_lat_len out[SBR_LEN_BUCKETS], sbr_err *err);

typedef struct sbr_plotdata_in {
    const sbr_summary *s;   /* with its sheet, which needs a "split" column for ranks */
    const char *cutoff;     /* the cutoff the figures show, e.g. "20" */
    sbr_ranks_fn ranks;     /* NULL: no accuracy@k */
    void *ranks_user;       /* passed to ranks */
    const sbr_sheet *parts; /* datasets.csv (dataset, split, part, clicks, ...); may be NULL */
    sbr_label_fn label;     /* NULL: every label is sbr_summary_label's */
    void *label_user;
    sbr_latlen_fn latlen; /* NULL: no latency_len.dat */
    void *latlen_user;
} sbr_plotdata_in;

typedef struct sbr_plotdata_out {
    size_t files;      /* files written */
    size_t datasets;   /* blocks of the per-dataset files */
    size_t configs;    /* configurations */
    size_t grids;      /* grid_*.dat files */
    size_t with_ranks; /* configurations with accuracy@k on some dataset */
    size_t with_len;   /* configurations with latency by prefix length on some dataset */
} sbr_plotdata_out;

/* Writes the files above into dir (which must exist). Errors: SBR_EINVAL (path too long),
 * those of in->ranks other than SBR_EINVAL (which means "no ranks": NaN), SBR_EIO, SBR_ENOMEM. */
sbr_rc sbr_plotdata_write(const char *dir, const sbr_plotdata_in *in, sbr_plotdata_out *out,
                          sbr_err *err);

#endif
