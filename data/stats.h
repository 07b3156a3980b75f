/* Descriptive statistics of a session dataset (`sbr stats`).
 *
 * Percentiles are exact nearest-rank order statistics: the p-th percentile of n sorted values
 * is the value of rank ceil(p/100 * n) (1-based), so p100 is the maximum. */
#ifndef SBR_DATA_STATS_H
#define SBR_DATA_STATS_H

#include <stddef.h>

#include "data/common.h"
#include "data/dataset.h"

enum { SBR_STATS_N_PCT = 6 };

/* The percentile levels reported: 0 (minimum), 25, 50, 90, 99, 100 (maximum). */
extern const double sbr_stats_levels[SBR_STATS_N_PCT];

typedef struct sbr_stats {
    size_t sessions, clicks, items;
    double session_len_mean;
    size_t session_len_pct[SBR_STATS_N_PCT]; /* clicks per session at sbr_stats_levels */
    double item_clicks_mean;
    size_t item_clicks_pct[SBR_STATS_N_PCT]; /* clicks per item at sbr_stats_levels */
    double first_time, last_time;            /* epoch seconds */
    double span_days;                        /* (last - first) / 86400 */
    double repeat_share; /* clicks that repeat the previous click's item in their session,
                            divided by all clicks; 0 for an empty dataset */
} sbr_stats;

/* Computes the statistics of ds. Errors: SBR_ENOMEM. */
sbr_rc sbr_stats_compute(const sbr_dataset *ds, sbr_stats *st, sbr_err *err);

/* The nearest-rank percentile p (0..100) of the ascending array v[0..n); 0 when n is 0. */
size_t sbr_percentile_sorted(const size_t *v, size_t n, double p);

#endif
