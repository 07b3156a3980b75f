/* session-rec's dataset filters: short sessions and rare items, in its order.
 *
 * session-rec filters once, before any split, in a single pass (no iteration to a fixpoint):
 *   1. drop sessions shorter than `first_min_session_length` (2 for retailrocket and music
 *      data, where the code says "length <= 1"; min_session_length for rsc15 and diginetica);
 *   2. drop items with fewer than `min_item_support` clicks (counted after step 1);
 *   3. drop sessions shorter than `min_session_length` (counted after step 2).
 * Optionally, immediate repeat clicks of the same item are collapsed first. */
#ifndef SBR_DATA_FILTER_H
#define SBR_DATA_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

typedef struct sbr_filter_options {
    size_t first_min_session_length; /* step 1 (1 disables it) */
    size_t min_item_support;         /* step 2 (1 disables it) */
    size_t min_session_length;       /* step 3 (1 disables it) */
    bool collapse_repeats;           /* before step 1: keep the first of a run a, a, a */
} sbr_filter_options;

/* session-rec's defaults for e-commerce data: 2, 5, 2, no collapsing. */
void sbr_filter_options_init(sbr_filter_options *opt);

typedef struct sbr_filter_stats {
    uint64_t repeats_collapsed;                        /* clicks removed as immediate repeats */
    uint64_t short_first_sessions, short_first_clicks; /* removed by step 1 */
    uint64_t rare_items, rare_clicks;                  /* removed by step 2 */
    uint64_t short_sessions, short_clicks;             /* removed by step 3 */
} sbr_filter_stats;

/* Applies the filters to `in` and stores the result in *out (a new dataset the caller frees).
 * Fills *stats (may be NULL). Errors: SBR_ENOMEM; *out is then NULL. */
sbr_rc sbr_filter_apply(const sbr_dataset *in, const sbr_filter_options *opt, sbr_dataset **out,
                        sbr_filter_stats *stats, sbr_err *err);

#endif
