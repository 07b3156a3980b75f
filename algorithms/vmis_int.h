/* vmis_int: vmis's internals, shared by vmis.c and its tests (tests/test_vmis*.c) only; not
 * part of the algorithm's interface, which is sbr_algo_vmis (vmis.h).
 *
 * The model is the family's session index (session_index.h: sessions numbered by recency,
 * read as Serenade reads them in compat=serenade, pruned to the sessions of at most max_len
 * items and to each item's m most recent sessions) plus the counts the reference document
 * states; the scratch is built on knn_scratch.h's generation stamps. */
#ifndef SBR_ALGORITHMS_VMIS_INT_H
#define SBR_ALGORITHMS_VMIS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "algorithms/knn_scratch.h"
#include "algorithms/session_index.h"

enum { VMIS_CLEAN = 0, VMIS_SERENADE = 1 };

/* tdigest 0.2.3's default and Serenade's size. */
enum { VMIS_TDIGEST_SIZE = 100 };

typedef struct vmis_model {
    sbr_model base;
    bool serenade;
    bool idf_fallback; /* idf(i) <= 0 means "score without idf" (serenade; clean with idf off) */
    bool remind;       /* the last clicked item stays in the results (clean, remind=1) */
    double idf_mult;   /* serenade: the idf parameter (a multiplier, Q4); clean: 1 */
    size_t m, k, last_items;
    size_t n_items;          /* the training set's dense item space */
    size_t n_sessions;       /* sessions read (serenade: without a vanished last one) */
    size_t n_indexed;        /* sessions with at most max_len items: reachable from items */
    size_t n_indexed_items;  /* items in at least one indexed session */
    size_t max_len;          /* long-session pruning threshold */
    double max_len_estimate; /* the quantile before rounding (serenade: the t-digest's) */
    uint64_t n_pairs;        /* P: (session, item) pairs of the indexed sessions */
    sbr_session_index *ix;   /* owned; keys: serenade the times' ranks, clean strict */
} vmis_model;

/* A session met in the current call's candidate search: a slot of a small open-addressing
 * table keyed by session number (linear probing, never more than half full), so the search
 * reads a few KiB that stay in the L1/L2 cache instead of a per-session array of the whole
 * training set. Slots are never moved or removed within a call (an evicted candidate keeps its
 * slot with live = 0), so a heap entry can point at its slot. */
typedef struct vmis_cand {
    double sim;
    uint32_t s;     /* the session number */
    uint32_t stamp; /* == the generation's stamp: the slot is taken in the current call */
    uint32_t via;   /* the index in by_pos of the item whose list brought the session in */
    uint32_t live;  /* 1 while a candidate, 0 once evicted (its similarity is then lost) */
} vmis_cand;

/* An item's accumulator, with its stamp and the model's idf beside it so that scoring an item
 * touches one cache line (32 bytes, aligned: two per line, none straddling). */
typedef struct vmis_item_acc {
    double score;
    double idf;     /* the idf, or 1 where the scorer does without it */
    uint32_t stamp; /* == the generation's stamp: score belongs to the current call */
    uint32_t spare[3];
} vmis_item_acc;

/* A distinct item of ev (key) and the position of its most recent click (val, 0 = the last
 * click). */
typedef sbr_knn_pair vmis_qitem;

/* A candidate in the heap: its list entry (session, recency key) and its table slot. */
typedef struct vmis_entry {
    uint32_t s, key, slot;
} vmis_entry;

typedef struct vmis_scratch {
    sbr_knn_gen gen;     /* owns cand, clears it when the stamp wraps (acc: predict does) */
    vmis_cand *cand;     /* [cand_mask + 1] the sessions met, by session number */
    size_t cand_mask;    /* a power of two minus 1, >= 2 x the most sessions a call can meet */
    vmis_item_acc *acc;  /* [n_items] */
    vmis_entry *heap;    /* [min(m, n_sessions)] the candidates (a heap once m are in) */
    vmis_entry *nbr;     /* [min(k, m, n_sessions)] the neighbours when candidates exceed k */
    vmis_qitem *by_pos;  /* [last_items] distinct items of ev, most recent first */
    vmis_qitem *by_item; /* [last_items] the same, by item */
    uint32_t *touched;   /* [n_items + 1] items with an accumulator of the current call */
} vmis_scratch;

/* The estimate of quantile q of the n ascending values v by a t-digest of max size d filled
 * in one merge: tdigest 0.2.3's TDigest::new_with_size(d).merge_sorted(v).estimate_quantile(q)
 * (merge_unsorted only sorts first), with its operation order. mean and weight are buffers of
 * n entries for the centroids. Returns 0 for n == 0, as the crate does. */
double sbr_vmis_td_quantile(const double *v, size_t n, size_t d, double q, double *mean,
                            double *weight);

#endif
