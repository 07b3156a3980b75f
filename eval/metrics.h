/* Accuracy metrics of one recommendation list, as session-rec and Serenade define them.
 *
 * A prediction is a ranked list `top` (at most N items, best first) for a session prefix,
 * with `rest` = the session's remaining clicks (rest[0] is the next click, the target):
 *   hr         1 if rest[0] is in top, else 0
 *   mrr        1/rank of rest[0] in top (rank 1 = first), 0 if absent
 *   ndcg       DCG(top) / DCG(ideal) with gain 1/log2(rank+1) for a list item in set(rest);
 *              the ideal list is rest[:N] (duplicates counted), as Serenade builds it
 *   ndcg_ref   the same with the references' gain: 1 at ranks 1 and 2, 1/log2(rank-1+1)
 *              after (Serenade's ndcg.rs, session-rec's accuracy_multiple.NDCG)
 *   precision  |set(top) ∩ set(rest)| / N  (always divided by N)
 *   recall     |set(top) ∩ set(rest)| / len(rest)  (duplicates in rest counted)
 *   popularity mean over the list's distinct items of clicks(i) / max clicks (0 for an empty
 *              list); clicks are training clicks
 * Over a run: the means of these over predictions; F1 = 2PR/(P+R) of the mean P and R;
 * coverage = distinct items in any list / distinct training items. */
#ifndef SBR_EVAL_METRICS_H
#define SBR_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"

typedef struct sbr_metric_values {
    double hr, mrr, ndcg, ndcg_ref, precision, recall, popularity;
} sbr_metric_values;

/* Scratch for sbr_metrics_compute: a stamp array over the item space, so set membership
 * costs O(1) and nothing is cleared between calls. */
typedef struct sbr_metric_scratch {
    uint32_t *stamp; /* [n_items] */
    uint32_t now;
    size_t n_items;
} sbr_metric_scratch;

/* Allocates the scratch for items 0..n_items-1. Errors: SBR_ENOMEM. */
sbr_rc sbr_metric_scratch_init(sbr_metric_scratch *s, size_t n_items, sbr_err *err);
void sbr_metric_scratch_fini(sbr_metric_scratch *s); /* accepts a zeroed struct */

/* The metrics of the first min(len, N) entries of top at cutoff N. rest holds n_rest >= 1
 * dense indices (SBR_ITEM_UNKNOWN allowed: it never matches). popularity[i] is clicks(i) /
 * max clicks. Pure apart from the scratch. */
sbr_metric_values sbr_metrics_compute(const sbr_scored *top, size_t len, size_t N,
                                      const uint32_t *rest, size_t n_rest, const double *popularity,
                                      sbr_metric_scratch *s);

/* The reference NDCG gain at 0-based position i: 1 for i = 0, else 1/log2(i+1). */
double sbr_gain_ref(size_t i);

/* The standard gain at 0-based position i: 1/log2(i+2). */
double sbr_gain(size_t i);

#endif
