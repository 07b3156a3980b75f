/* Next-item evaluation of a fitted model on a test set (session-rec's and Serenade's protocol).
 *
 * Test sessions are taken in order of their first click time (ties by SessionId). Test clicks
 * on items absent from training are removed and counted (or, with keep_unseen, kept: they are
 * then misses as targets and SBR_ITEM_UNKNOWN as inputs); sessions left with fewer than 2
 * clicks are dropped and counted. For every position t >= 1 of a session, the prefix
 * clicks[0..t) is the query, clicks[t] the target and clicks[t..] the remaining items.
 *
 * Metrics are computed in parallel with OpenMP (per-thread scratch, one result slot per
 * session) and folded serially in session order, so they are identical for any thread count.
 * Latency comes from a separate single-threaded pass that times every predict call with
 * CLOCK_MONOTONIC; percentiles are exact order statistics (nearest rank). */
#ifndef SBR_EVAL_HARNESS_H
#define SBR_EVAL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/dataset.h"
#include "data/vocab.h"
#include "eval/metrics.h"

enum { SBR_MAX_CUTOFFS = 16 };

typedef struct sbr_eval_options {
    size_t cutoffs[SBR_MAX_CUTOFFS]; /* ascending, >= 1; lists have cutoffs[n_cutoffs-1] items */
    size_t n_cutoffs;
    int threads;      /* >= 1 */
    bool keep_unseen; /* count unseen test items as misses instead of removing */
    bool latency;     /* run the timed single-threaded pass */
    bool keep_lists;  /* keep every list for sbr_eval_result.lists (--recs) */
    bool keep_ranks;  /* keep every target's rank for sbr_eval_result.ranks */
    /* Predictions done of total, through the metric pass and then the latency pass, called on
     * the calling thread; may be NULL. */
    sbr_progress_fn progress;
    void *progress_user;
    /* Queries per predict call in the metric pass for the algorithms with predict_batch,
     * 1..SBR_PREDICT_BATCH (0: SBR_PREDICT_BATCH); the metrics do not depend on it. The
     * latency pass always times single predict calls, as a server makes them. */
    size_t batch;
} sbr_eval_options;

/* The defaults: cutoff 20, one thread, unseen removed, latency measured, batches of
 * SBR_PREDICT_BATCH. */
void sbr_eval_options_init(sbr_eval_options *opt);

typedef struct sbr_eval_metrics {
    double hr, mrr, ndcg, ndcg_ref, precision, recall, f1, coverage, popularity;
} sbr_eval_metrics;

enum { SBR_LAT_P50, SBR_LAT_P90, SBR_LAT_P95, SBR_LAT_P99, SBR_LAT_P995, SBR_LAT_MAX, SBR_LAT_N };

/* The latency percentile levels reported: 50, 90, 95, 99, 99.5, 100. */
extern const double sbr_latency_levels[SBR_LAT_N];

/* Latency by prefix length (the number of session clicks a prediction sees): buckets 1, 2, 3,
 * 4, 5, 6-7, 8-10, 11-15, 16-20, 21-30 and 31 or more. sbr_len_bucket_lo[b] is bucket b's
 * shortest prefix; its longest is sbr_len_bucket_lo[b + 1] - 1 (the last has no end). */
enum { SBR_LEN_BUCKETS = 11 };
extern const unsigned sbr_len_bucket_lo[SBR_LEN_BUCKETS];

typedef struct sbr_lat_len {
    size_t n;              /* timed predictions with a prefix in the bucket */
    double p50_us, p90_us; /* their exact percentiles (nearest rank); 0 when n = 0 */
} sbr_lat_len;

/* A kept recommendation list (keep_lists): the query's session and position. */
typedef struct sbr_eval_list {
    size_t session;  /* index into the test dataset */
    size_t position; /* the prefix length minus 1: 0 for the first prediction */
    size_t len;      /* items in the list */
} sbr_eval_list;

typedef struct sbr_eval_result {
    size_t n_predictions;            /* evaluated next-item predictions */
    size_t n_sessions;               /* test sessions evaluated */
    uint64_t unseen_clicks_removed;  /* test clicks on items absent from training */
    uint64_t short_sessions_dropped; /* test sessions left with < 2 clicks */
    sbr_eval_metrics at[SBR_MAX_CUTOFFS];
    double eval_s;                /* wall time of the metric pass */
    double latency_us[SBR_LAT_N]; /* of predict, single-threaded; 0 without latency */
    double latency_total_s;       /* sum of the timed predict calls, seconds */
    sbr_lat_len latency_by_len[SBR_LEN_BUCKETS]; /* the same calls by prefix length */
    /* keep_lists: n_predictions lists in evaluation order; list p has lists[p].len items at
     * items[p * max_cutoff], with scores alongside. Owned; freed by sbr_eval_result_fini. */
    sbr_eval_list *lists;
    sbr_scored *list_items;
    size_t max_cutoff;
    /* keep_ranks: n_predictions ranks in evaluation order (the order of lists), the 1-based
     * position of the target in its list of max_cutoff items, 0 when it is not in the list;
     * HR@N and MRR@N of the result are the mean of [0 < rank <= N] and of 1/rank over them.
     * Owned; freed by sbr_eval_result_fini. */
    uint32_t *ranks;
} sbr_eval_result;

/* Evaluates `model` (fitted on `train`) on `test`. Errors: SBR_EINVAL (bad options, no
 * evaluable session), SBR_ENOMEM, or a predict error (the lowest failing session's). On
 * success *res owns its lists; free with sbr_eval_result_fini. */
sbr_rc sbr_evaluate(const sbr_model *model, const sbr_dataset *train, const sbr_dataset *test,
                    const sbr_eval_options *opt, sbr_eval_result *res, sbr_err *err);

/* The same for a model known by its training vocabulary alone (a loaded model file): test
 * items map through vocab, and the popularity metric uses its click counts. */
sbr_rc sbr_evaluate_vocab(const sbr_model *model, const sbr_vocab *vocab, const sbr_dataset *test,
                          const sbr_eval_options *opt, sbr_eval_result *res, sbr_err *err);

void sbr_eval_result_fini(sbr_eval_result *res); /* accepts a zeroed result */

/* Seconds on the monotonic clock, for timing fit and evaluation. */
double sbr_now_s(void);

/* Peak resident memory of this process in bytes (0 when unknown). */
size_t sbr_peak_rss_bytes(void);

#endif
