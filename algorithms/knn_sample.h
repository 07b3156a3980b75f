/* knn_sample: the candidate sessions of a query for session-rec's SKNN and V-SKNN, sampled
 * as session-rec does (reference section 2.0), from a session index (session_index.h, built
 * with SBR_KEY_TIME so that equal keys mean equal session ends).
 *
 * Candidates are the sessions sharing an item with the query; their order in the returned
 * list is the neighbour tie-break (among equal similarities the earlier candidate wins:
 * session-rec's stable sort over its candidate set). Two tie orders:
 *  - KNN_TIES_RECENT (fast): candidates in recency order, so the more recent session wins
 *    ties, also at the sample_size cut; a k-way merge of the query items' lists that stops
 *    after sample_size sessions.
 *  - KNN_TIES_SESSION_REC: session-rec's own order, the iteration order of its Python sets,
 *    emulated (pyset.h; the index needs its set tables): the candidate set is built by
 *    `relevant = relevant | sessions(item)` at every click, the `recent` sample by a stable
 *    sort on session end (ties in set order) and adds in that order. Costs O(set size) per
 *    click of the query.
 * `random` sampling draws a uniform sample of sample_size candidates with a partial
 * Fisher-Yates shuffle (from the recency order, or the set order with session_rec ties) on a
 * mt19937 seeded by the caller; the sample's order is the order drawn (as Python's
 * random.sample returns it). A sampler is per-thread scratch; sampling allocates nothing. */
#ifndef SBR_ALGORITHMS_KNN_SAMPLE_H
#define SBR_ALGORITHMS_KNN_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/rng.h"
#include "algorithms/session_index.h"

/* Choice indices of the `sampling` and `ties` parameters. */
enum { KNN_SAMPLE_RECENT, KNN_SAMPLE_RANDOM };
enum { KNN_TIES_RECENT, KNN_TIES_SESSION_REC };

/* One cursor of the k-way merge of the query items' session lists, with its current entry
 * copied in so that the merge heap compares cursors without reading the lists. */
typedef struct sbr_knn_cursor {
    sbr_sess_ref cur; /* the list entry at `at` */
    size_t at, end;
    uint32_t bit; /* its item's tag bit (sbr_knn_candidates_tagged), else 0 */
} sbr_knn_cursor;

typedef struct sbr_knn_sampler {
    sbr_knn_cursor *cursors; /* [n_items] the merge heap */
    uint32_t *cand;          /* [n_sessions] candidates, in tie order */
    gsl_rng *rng;            /* sampling=random only */
    uint32_t *buf[3];        /* session_rec ties: three set tables of py_cap slots */
    uint32_t *keys, *slots;  /* session_rec ties: [n_sessions] a set's listing */
    uint32_t *pos;           /* session_rec ties: [n_sessions] position in the candidate set */
    uint32_t *hits;          /* [n_sessions] sbr_knn_candidates_tagged's bits (sampling and ties
                                recent only; else NULL) */
} sbr_knn_sampler;

/* What to sample. */
typedef struct sbr_knn_sampling {
    size_t sample_size; /* 0: all */
    int sampling;       /* KNN_SAMPLE_* */
    int ties;           /* KNN_TIES_* */
    uint32_t seed;      /* of the random sample; used only with sampling=random */
} sbr_knn_sampling;

/* The sampling of a query with n_known known clicks: sample_size, sampling and ties as given,
 * and for sampling=random a seed mixed (sbr_seed) from `seed`, the query's items and
 * `purpose` (the algorithm's tag), so results depend neither on threads nor call order. */
sbr_knn_sampling sbr_knn_sampling_of(const sbr_query *q, size_t n_items, size_t n_known,
                                     long sample_size, int sampling, int ties, long seed,
                                     uint32_t purpose);

/* Allocates the sampler's buffers for index ix. False when out of memory (sp is then
 * empty). */
/* The bytes sbr_knn_sampler_init allocates (an algorithm's scratch_bytes). */
size_t sbr_knn_sampler_bytes(const sbr_session_index *ix, int sampling, int ties);

bool sbr_knn_sampler_init(sbr_knn_sampler *sp, const sbr_session_index *ix, int sampling, int ties);

/* Frees the buffers; accepts a zeroed sampler. */
void sbr_knn_sampler_fini(sbr_knn_sampler *sp);

/* The candidates of a query into sp->cand, in tie order; returns their count. `distinct`
 * holds the query's n_distinct known items in first-click order. */
size_t sbr_knn_candidates(const sbr_session_index *ix, sbr_knn_sampler *sp, const sbr_query *q,
                          const uint32_t *distinct, size_t n_distinct, const sbr_knn_sampling *opt);

/* For a sampler made with sampling=recent and ties=recent: its candidates (the same list, in the
 * same order, as sbr_knn_candidates), and for each candidate c in sp->hits[c] the OR of bits[d]
 * over the query items d whose session lists hold it: a caller that tags the items it scores (one
 * bit each) learns which of them a candidate shares without reading the candidate's items. */
size_t sbr_knn_candidates_tagged(const sbr_session_index *ix, sbr_knn_sampler *sp,
                                 const uint32_t *distinct, const uint32_t *bits, size_t n_distinct,
                                 size_t sample_size);

#endif
