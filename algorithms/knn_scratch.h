/* knn_scratch: the per-thread scratch design shared by the session kNN algorithms (vmis,
 * sknn, vsknn, stan, vstan, sscf): generation stamps with one wrap routine, score
 * accumulators keyed by item or session, a bounded neighbour heap, a short sorted top-n, and
 * sorts that never allocate (glibc's qsort may call malloc, and predict allocates nothing).
 *
 * Everything here is per thread: a scratch is used by one predict call at a time. The fit-time
 * comparators (recency, u32) are for qsort and may be called from any thread. */
#ifndef SBR_ALGORITHMS_KNN_SCRATCH_H
#define SBR_ALGORITHMS_KNN_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"

/* ---- prefetch ---------------------------------------------------------------------------- */

/* A hint to load the cache line of p, which a later step of the same call reads: predict loops
 * know the addresses of the session slots, session items and item accumulators a few entries
 * ahead. No effect on results. */
static inline void sbr_knn_prefetch(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/* ---- comparators (for qsort at fit time) ------------------------------------------------- */

/* A session with its time, for the recency order. */
typedef struct sbr_knn_timed {
    double time;
    uint32_t s;
} sbr_knn_timed;

/* Recency order over sbr_knn_timed: later time first, then the larger session index first.
 * This is the one recency order of the kNN family (session-rec's "most recent" with its
 * SessionId tie rule, and VMIS's (time, index) order reversed). */
int sbr_knn_recency_cmp(const void *a, const void *b);

/* Ascending uint32_t. */
int sbr_knn_u32_cmp(const void *a, const void *b);

/* ---- sorts that never allocate ----------------------------------------------------------- */

/* A pair of 32-bit words, ordered by `key` (then `val`). */
typedef struct sbr_knn_pair {
    uint32_t key;
    uint32_t val;
} sbr_knn_pair;

/* Sorts a[0..n) ascending in place (insertion sort for short arrays, else heapsort). */
void sbr_knn_sort_u32(uint32_t *a, size_t n);

/* Sorts a[0..n) by (key, val) ascending in place, as sbr_knn_sort_u32. */
void sbr_knn_sort_pairs(sbr_knn_pair *a, size_t n);

/* ---- generation stamps ------------------------------------------------------------------- */

/* Stamp arrays mark the entries written by the current call (entry == now), so nothing is
 * cleared between calls. The arrays are allocated through the generation, which zeroes all of
 * them when the 32-bit counter wraps (once every 2^32 calls). */
enum { SBR_KNN_GEN_MAX = 8 };

typedef struct sbr_knn_gen {
    uint32_t now;                  /* the current call's stamp, >= 1 once a call started */
    size_t n;                      /* registered regions */
    void *region[SBR_KNN_GEN_MAX]; /* owned: zeroed on wrap, freed by sbr_knn_gen_fini */
    size_t bytes[SBR_KNN_GEN_MAX];
} sbr_knn_gen;

/* An empty generation (no regions, now = 0). */
void sbr_knn_gen_init(sbr_knn_gen *g);

/* A zeroed array of n (+1 spare) elements of `size` bytes that g owns and clears on wrap,
 * pre-faulted and on huge pages where available (sbr_alloc_hot). NULL when out of memory or
 * when g already holds SBR_KNN_GEN_MAX regions. */
void *sbr_knn_gen_alloc(sbr_knn_gen *g, size_t n, size_t size);

/* Frees the regions of g (accepts a zero-initialised g). */
void sbr_knn_gen_fini(sbr_knn_gen *g);

/* Zeroes every region of g and sets its stamp to 1 (called by sbr_knn_gen_next). */
void sbr_knn_gen_wrap(sbr_knn_gen *g);

/* Starts a call: returns the new stamp; after 2^32 - 1 calls every region is zeroed and the
 * stamp restarts at 1. */
static inline uint32_t sbr_knn_gen_next(sbr_knn_gen *g)
{
    if (++g->now == 0)
        sbr_knn_gen_wrap(g);
    return g->now;
}

/* ---- accumulators ------------------------------------------------------------------------ */

/* One key's accumulator: its stamp beside its value, so that touching a key reads one cache
 * line (16 bytes: a slot never straddles one). */
typedef struct sbr_knn_slot {
    double val;
    uint32_t stamp;
    uint32_t spare;
} sbr_knn_slot;

/* A sparse vector over a key space of n (items or sessions): slot[key].val is valid where
 * slot[key].stamp == the generation's stamp, and `list` holds the keys touched in this call, in
 * first-touch order. */
typedef struct sbr_knn_acc {
    sbr_knn_slot *slot; /* [n] owned by the generation */
    uint32_t *list;     /* [n] */
    size_t n_list;
} sbr_knn_acc;

/* Allocates acc over n keys with its slots in g. False when out of memory (acc is then
 * empty; g may hold the slot array, freed by sbr_knn_gen_fini). */
bool sbr_knn_acc_init(sbr_knn_acc *acc, sbr_knn_gen *g, size_t n);

/* Frees the list (the slots belong to the generation). Accepts a zeroed acc. */
void sbr_knn_acc_fini(sbr_knn_acc *acc);

/* Marks key touched in the call of stamp `now`: on its first touch its value becomes 0, the
 * key is listed and true is returned. */
static inline bool sbr_knn_acc_touch(sbr_knn_acc *acc, uint32_t now, uint32_t key)
{
    sbr_knn_slot *e = &acc->slot[key];
    if (e->stamp == now)
        return false;
    e->stamp = now;
    e->val = 0;
    acc->list[acc->n_list++] = key;
    return true;
}

/* val[key] += x (after a first touch sets it to 0). */
static inline void sbr_knn_acc_add(sbr_knn_acc *acc, uint32_t now, uint32_t key, double x)
{
    sbr_knn_acc_touch(acc, now, key);
    acc->slot[key].val += x;
}

/* The largest value among the listed keys, or 0 when none is positive. */
double sbr_knn_acc_max(const sbr_knn_acc *acc);

/* The n best listed keys by val / div (ranking rule of algo.h; values <= 0 are not listed)
 * into out, best first, using out as the heap. Returns their count. Allocates nothing. */
size_t sbr_knn_acc_top(const sbr_knn_acc *acc, double div, sbr_scored *out, size_t n);

/* ---- the bounded neighbour heap ---------------------------------------------------------- */

/* A candidate session that became a neighbour. */
typedef struct sbr_knn_nbr {
    double sim;
    uint32_t s;   /* session number */
    uint32_t tie; /* the tie-break: the smaller wins among equal similarities */
    size_t aux;   /* the algorithm's own per-neighbour value */
} sbr_knn_nbr;

/* Neighbour order: similarity descending, then the smaller tie. */
static inline bool sbr_knn_nbr_before(const sbr_knn_nbr *a, const sbr_knn_nbr *b)
{
    return a->sim > b->sim || (a->sim == b->sim && a->tie < b->tie);
}

/* Offers x to the bounded heap h of *n entries (capacity cap), which keeps the cap best with
 * its worst entry at the root. */
static inline void sbr_knn_nbr_push(sbr_knn_nbr *h, size_t *n, size_t cap, sbr_knn_nbr x)
{
    size_t i;
    if (*n < cap) {
        i = (*n)++;
        while (i > 0 && sbr_knn_nbr_before(&h[(i - 1) / 2], &x)) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    if (cap == 0 || !sbr_knn_nbr_before(&x, &h[0]))
        return;
    i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        const sbr_knn_nbr *w = &x;
        if (l < *n && sbr_knn_nbr_before(w, &h[l])) {
            worst = l;
            w = &h[l];
        }
        if (r < *n && sbr_knn_nbr_before(w, &h[r]))
            worst = r;
        if (worst == i)
            break;
        h[i] = h[worst];
        i = worst;
    }
    h[i] = x;
}

/* Sorts the heap of n neighbours in place, best first (a heapsort: no allocation). */
void sbr_knn_nbr_sort(sbr_knn_nbr *h, size_t n);

/* ---- a short sorted top-n ---------------------------------------------------------------- */

/* Inserts e into the sorted top[0..*size) of at most n entries (ranking rule of algo.h;
 * scores <= 0 are not listed). For short lists whose entries arrive roughly best first, this
 * beats a heap: an insertion rarely moves far. */
static inline void sbr_knn_top_insert(sbr_scored *top, size_t *size, size_t n, sbr_scored e)
{
    if (!(e.score > 0) || n == 0)
        return;
    size_t pos = *size;
    if (pos == n) {
        if (!sbr_scored_before(&e, &top[n - 1]))
            return;
        pos--; /* the last one drops out */
    } else {
        (*size)++;
    }
    while (pos > 0 && sbr_scored_before(&e, &top[pos - 1])) {
        top[pos] = top[pos - 1];
        pos--;
    }
    top[pos] = e;
}

/* ---- the common scratch of the session kNN algorithms ------------------------------------ */

/* The parts every session kNN predict needs: the generation, the query's distinct items
 * (a stamp set plus their list), per-item scores, optional per-session values and the
 * neighbour heap. An algorithm's scratch embeds it and adds its own arrays. */
typedef struct sbr_knn_scratch {
    sbr_knn_gen gen;
    uint32_t *in_q;    /* [n_items] == now: the item is in the query */
    uint32_t *q_items; /* [n_items] the query's distinct items (order: the algorithm's) */
    sbr_knn_acc score; /* over items */
    sbr_knn_acc sess;  /* over sessions; empty unless asked for */
    sbr_knn_nbr *nbr;  /* [nbr_cap] */
    size_t nbr_cap;
} sbr_knn_scratch;

/* The bytes sbr_knn_scratch_init allocates for these sizes (an algorithm's scratch_bytes). */
size_t sbr_knn_scratch_bytes(size_t n_items, size_t n_sessions, size_t k, bool with_sessions);

/* Allocates sc for n_items items, n_sessions sessions when with_sessions, and a neighbour heap
 * of min(k, n_sessions). False when out of memory (sc is then freed). */
bool sbr_knn_scratch_init(sbr_knn_scratch *sc, size_t n_items, size_t n_sessions, size_t k,
                          bool with_sessions);

/* Frees what sbr_knn_scratch_init allocated. Accepts a zeroed sc. */
void sbr_knn_scratch_fini(sbr_knn_scratch *sc);

/* Marks the query's known items (index < n_items; unknown ones, SBR_ITEM_UNKNOWN included,
 * are skipped) in sc->in_q under stamp `now` and lists them in sc->q_items in first-click
 * order. Returns their number; *n_known receives the number of known clicks. */
size_t sbr_knn_scratch_query(sbr_knn_scratch *sc, uint32_t now, const sbr_query *q, size_t n_items,
                             size_t *n_known);

/* As sbr_knn_acc_top over the item scores, divided by the largest when `normalize`; nothing
 * is listed (0) when no score is positive. */
size_t sbr_knn_scratch_top(const sbr_knn_scratch *sc, bool normalize, sbr_scored *out, size_t n);

/* Starts a call: the new stamp, the lists emptied. */
static inline uint32_t sbr_knn_scratch_begin(sbr_knn_scratch *sc)
{
    sc->score.n_list = 0;
    sc->sess.n_list = 0;
    return sbr_knn_gen_next(&sc->gen);
}

#endif
