/* Significance of the differences in a summary: per dataset, every configuration against the
 * best one (highest mean MRR@N over its splits), paired over the same predictions.
 *
 * The pairs are the per-prediction reciprocal ranks at the cutoff (1/rank when the target is
 * in the top N, else 0), taken from the ranks that `--per-session` stored for each job and
 * concatenated over the splits both configurations ran on, split by split (the predictions of
 * one split come in the same order for every algorithm). Each comparison gets a Wilcoxon
 * signed-rank test and a paired t-test (eval/signif.h); the p-values of one dataset are then
 * Holm-corrected over that dataset's comparisons, each test on its own. A configuration is
 * "not significantly worse than the best" when its Holm-corrected Wilcoxon p is at least
 * alpha. Configurations without stored ranks (or whose predictions do not pair up with the
 * best's: another count in some split) are left untested. Nothing here prints. */
#ifndef SBR_EVAL_COMPARE_H
#define SBR_EVAL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "eval/summary.h"

/* Fetches a job's stored ranks (1-based rank of each target in its list, 0 = not listed):
 * *out malloc'ed with *n entries. SBR_EINVAL when the job has none (then it is untested);
 * any other error stops sbr_compare_build. */
typedef sbr_rc (*sbr_ranks_fn)(void *user, const char *dataset, const char *split,
                               const char *algorithm, const char *params, uint32_t **out, size_t *n,
                               sbr_err *err);

typedef struct sbr_compare_row {
    bool best;           /* the best mean MRR of its dataset at the cutoff */
    bool tested;         /* compared with the best (the best itself: false) */
    size_t n_pairs;      /* predictions paired */
    double p_wilcoxon;   /* two-sided, against the best; NaN untested */
    double p_t;          /* paired t-test, the same pairs */
    double adj_wilcoxon; /* Holm over the dataset's comparisons */
    double adj_t;        /* the t-tests', Holm over the same family */
    bool not_worse;      /* best, or tested with adj_wilcoxon >= alpha */
} sbr_compare_row;

typedef struct sbr_compare {
    sbr_compare_row *row; /* [summary groups]: rows of groups at other cutoffs stay zeroed */
    size_t n;
    double alpha;
    size_t tested; /* comparisons made */
} sbr_compare;

/* Compares the groups of s at `cutoff`, dataset by dataset, fetching ranks through fn. The
 * summary's sheet must have a "split" column. Errors: those of fn other than SBR_EINVAL,
 * SBR_ENOMEM. Release with sbr_compare_fini (also after a failure). */
sbr_rc sbr_compare_build(const sbr_summary *s, const char *cutoff, double alpha, sbr_ranks_fn fn,
                         void *user, sbr_compare *out, sbr_err *err);

/* Which groups take part in a comparison: a group may be a dataset's best only when
 * `reference` accepts it, and is compared with that best only when `tested` does (each NULL:
 * every group). So the best kNN method against each learned model is {is_knn, is_learned}. */
typedef bool (*sbr_group_pred)(void *user, const sbr_summary *s, const sbr_summary_group *g);
typedef struct sbr_compare_scope {
    sbr_group_pred reference, tested;
    void *user;
} sbr_compare_scope;

/* sbr_compare_build within a scope (NULL: every group, which is sbr_compare_build): each
 * dataset's best is the highest mean MRR among the groups `reference` accepts, and Holm's
 * correction runs over the comparisons `tested` allows. A dataset without a reference group
 * has no best and nothing tested. The same errors. */
sbr_rc sbr_compare_build_scoped(const sbr_summary *s, const char *cutoff, double alpha,
                                const sbr_compare_scope *scope, sbr_ranks_fn fn, void *user,
                                sbr_compare *out, sbr_err *err);

void sbr_compare_fini(sbr_compare *c);

/* Writes <dir>/significance.csv: per tested group dataset, algorithm, params, cutoff, the
 * best's algorithm and params, n_pairs, the raw and Holm-corrected p of both tests and
 * not_worse (0/1). Errors: SBR_EINVAL (path too long), SBR_EIO, SBR_ENOMEM. */
sbr_rc sbr_compare_write_csv(const char *dir, const sbr_summary *s, const sbr_compare *c,
                             sbr_err *err);

#endif
