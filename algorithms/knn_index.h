/* knn_index: the session index, candidate sampling and neighbour heap shared by the session
 * kNN algorithms (sknn.c, vsknn.c).
 *
 * Header-only: every function is `static inline`, so each algorithm file compiles its own
 * copy, nothing is exported and the build needs no extra translation unit. Not a public API.
 *
 * The index, built by knn_index_build from the training clicks, is immutable:
 *  - sessions are numbered by recency: session end (time of its last click) descending, then
 *    the dataset's session order (SessionId ascending) reversed; 0 is the most recent;
 *  - item -> sessions (CSR), each list in recency order; session -> distinct items (CSR),
 *    ascending item index.
 *
 * Candidates (knn_candidates) are the sessions sharing an item with the query, sampled as
 * session-rec does (reference section 2.0), and their order in sc->cand is the neighbour
 * tie-break: among equal similarities the earlier candidate wins (session-rec's stable sort
 * over its candidate set). Two tie orders:
 *  - KNN_TIES_RECENT (fast): candidates in recency order, so the more recent session wins
 *    ties, also at the sample_size cut; a k-way merge of the query items' lists that stops
 *    after sample_size sessions.
 *  - KNN_TIES_SESSION_REC: session-rec's own order, which is the iteration order of its
 *    Python sets. It is emulated exactly for CPython 3.11 on 64-bit (hash(n) = n mod
 *    2^61 - 1, open addressing with 9 linear probes then perturbation, growth at 60% fill):
 *    the item sets are built by adding sessions in SessionId order, the candidate set by
 *    `relevant = relevant | sessions(item)` at every click, the `recent` sample by a stable
 *    sort on session end (ties in set order) and adds in that order. Costs O(set size) per
 *    click of the query.
 * `random` sampling draws a uniform sample of sample_size candidates with a partial
 * Fisher-Yates shuffle (from the recency order, or the set order with session_rec ties) on a
 * mt19937 seeded from the algorithm's `seed` parameter and a hash of the query's items; the
 * sample's order is the order drawn (as Python's random.sample returns it). */
#ifndef SBR_ALGORITHMS_KNN_INDEX_H
#define SBR_ALGORITHMS_KNN_INDEX_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/rng.h"
#include "data/dataset.h"

enum { KNN_SAMPLE_RECENT, KNN_SAMPLE_RANDOM };
enum { KNN_TIES_RECENT, KNN_TIES_SESSION_REC };

#define KNN_PY_EMPTY UINT32_MAX

typedef struct knn_index {
    size_t n_items;
    size_t n_sessions;    /* indexed sessions, numbered by recency */
    size_t *item_off;     /* [n_items + 1] */
    uint32_t *item_sess;  /* each item's sessions, ascending (recency order) */
    size_t *sess_off;     /* [n_sessions + 1] */
    uint32_t *sess_items; /* each session's distinct items, ascending */
    double *sess_end;     /* [n_sessions] time of the session's last click */
    size_t *item_clicks;  /* [n_items] indexed training clicks on the item */
    /* KNN_TIES_SESSION_REC only, else NULL / 0: */
    uint64_t *sess_hash; /* [n_sessions] Python's hash of the SessionId */
    uint32_t *py_sess;   /* each item's sessions in its Python set's slot order (item_off) */
    uint32_t *py_slot;   /* their slots */
    size_t *py_mask;     /* [n_items] the set's table size - 1 */
    size_t py_cap;       /* table capacity every emulated set fits in */
} knn_index;

/* ---- CPython 3.11 set emulation (keys are session numbers, hashes in sess_hash) ---------- */

typedef struct knn_pyset {
    uint32_t *tab; /* [mask + 1], KNN_PY_EMPTY marks a free slot */
    size_t mask, used;
} knn_pyset;

/* The slot of `key` or the first free slot on its probe sequence (set_add_entry and
 * set_insert_clean probe alike: the home slot and up to 9 following ones, then a jump). */
static inline size_t knn_py_probe(const uint32_t *tab, size_t mask, uint64_t hash, uint32_t key)
{
    uint64_t i = hash & mask, perturb = hash;
    for (;;) {
        size_t probes = i + 9 <= mask ? 9 : 0;
        for (size_t j = (size_t)i;; j++) {
            if (tab[j] == KNN_PY_EMPTY || tab[j] == key)
                return j;
            if (probes-- == 0)
                break;
        }
        perturb >>= 5;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

/* An empty set in buffer `buf` (8 slots, as a new Python set). */
static inline void knn_py_init(knn_pyset *s, uint32_t *buf)
{
    s->tab = buf;
    s->mask = 7;
    s->used = 0;
    for (size_t j = 0; j < 8; j++)
        buf[j] = KNN_PY_EMPTY;
}

/* set_table_resize: re-inserts in slot order into the smallest power-of-two table (>= 8)
 * larger than minused, built in *spare; the old table becomes the spare. */
static inline void knn_py_resize(knn_pyset *s, size_t minused, uint32_t **spare,
                                 const uint64_t *hash)
{
    size_t size = 8;
    while (size <= minused)
        size <<= 1;
    uint32_t *t = *spare;
    for (size_t j = 0; j < size; j++)
        t[j] = KNN_PY_EMPTY;
    for (size_t j = 0; j <= s->mask; j++) {
        uint32_t key = s->tab[j];
        if (key != KNN_PY_EMPTY)
            t[knn_py_probe(t, size - 1, hash[key], key)] = key;
    }
    *spare = s->tab;
    s->tab = t;
    s->mask = size - 1;
}

/* set.add */
static inline void knn_py_add(knn_pyset *s, uint32_t key, uint32_t **spare, const uint64_t *hash)
{
    size_t j = knn_py_probe(s->tab, s->mask, hash[key], key);
    if (s->tab[j] == key)
        return;
    s->tab[j] = key;
    s->used++;
    if (s->used * 5 < s->mask * 3)
        return;
    knn_py_resize(s, s->used > 50000 ? s->used * 2 : s->used * 4, spare, hash);
}

/* set_merge(s, other): other's n keys in its slot order, their slots, and its mask. */
static inline void knn_py_merge(knn_pyset *s, const uint32_t *keys, const uint32_t *slots, size_t n,
                                size_t other_mask, uint32_t **spare, const uint64_t *hash)
{
    if (n == 0)
        return;
    if ((s->used + n) * 5 >= s->mask * 3)
        knn_py_resize(s, (s->used + n) * 2, spare, hash);
    if (s->used == 0 && s->mask == other_mask) { /* same size, empty: the layout is copied */
        for (size_t c = 0; c < n; c++)
            s->tab[slots[c]] = keys[c];
        s->used = n;
        return;
    }
    if (s->used == 0) { /* empty: set_insert_clean in other's order */
        for (size_t c = 0; c < n; c++)
            s->tab[knn_py_probe(s->tab, s->mask, hash[keys[c]], keys[c])] = keys[c];
        s->used = n;
        return;
    }
    for (size_t c = 0; c < n; c++)
        knn_py_add(s, keys[c], spare, hash);
}

/* The keys of s in iteration (slot) order into keys, their slots into slots (may be NULL). */
static inline size_t knn_py_list(const knn_pyset *s, uint32_t *keys, uint32_t *slots)
{
    size_t n = 0;
    for (size_t j = 0; j <= s->mask; j++) {
        if (s->tab[j] == KNN_PY_EMPTY)
            continue;
        if (slots != NULL)
            slots[n] = (uint32_t)j;
        keys[n++] = s->tab[j];
    }
    return n;
}

/* ---- the index ------------------------------------------------------------------------ */

typedef struct knn_ended {
    double end;
    uint32_t s;
} knn_ended;

/* Recency order: later end first, then the larger dataset index first. */
static inline int knn_ended_cmp(const void *a, const void *b)
{
    const knn_ended *x = a, *y = b;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return (x->s < y->s) - (x->s > y->s);
}

static inline int knn_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static inline void knn_index_fini(knn_index *ix)
{
    free(ix->item_off);
    free(ix->item_sess);
    free(ix->sess_off);
    free(ix->sess_items);
    free(ix->sess_end);
    free(ix->item_clicks);
    free(ix->sess_hash);
    free(ix->py_sess);
    free(ix->py_slot);
    free(ix->py_mask);
    memset(ix, 0, sizeof *ix);
}

static inline size_t knn_index_bytes(const knn_index *ix)
{
    size_t n_pairs = ix->sess_off[ix->n_sessions];
    size_t b = (ix->n_items + 1) * (sizeof(size_t) * 2) +
               (ix->n_sessions + 1) * (sizeof(size_t) + sizeof(double)) +
               2 * n_pairs * sizeof(uint32_t);
    if (ix->py_mask != NULL)
        b += ix->n_sessions * sizeof(uint64_t) + 2 * n_pairs * sizeof(uint32_t) +
             ix->n_items * sizeof(size_t);
    return b;
}

/* The first click of session s at or after `cutoff` (clicks are time-sorted in a session). */
static inline size_t knn_first_kept(const sbr_dataset *train, size_t s, double cutoff)
{
    size_t c = train->offsets[s];
    while (c < train->offsets[s + 1] && train->times[c] < cutoff)
        c++;
    return c;
}

/* Python's set of each item's sessions, built by adding them in SessionId order. */
static inline sbr_rc knn_index_build_pysets(knn_index *ix, const uint32_t *rank_of, size_t n_ds)
{
    size_t n_pairs = ix->sess_off[ix->n_sessions];
    uint32_t *by_id = sbr_alloc_array(n_pairs, sizeof *by_id);
    size_t *fill = calloc(ix->n_items + 1, sizeof *fill);
    uint32_t *buf = sbr_alloc_array(ix->py_cap, sizeof *buf);
    uint32_t *spare = sbr_alloc_array(ix->py_cap, sizeof *spare);
    ix->py_sess = sbr_alloc_array(n_pairs, sizeof *ix->py_sess);
    ix->py_slot = sbr_alloc_array(n_pairs, sizeof *ix->py_slot);
    ix->py_mask = sbr_alloc_array(ix->n_items + 1, sizeof *ix->py_mask);
    sbr_rc rc = SBR_ENOMEM;
    if (by_id == NULL || fill == NULL || buf == NULL || spare == NULL || ix->py_sess == NULL ||
        ix->py_slot == NULL || ix->py_mask == NULL)
        goto done;
    for (size_t s = 0; s < n_ds; s++) {
        uint32_t r = rank_of[s];
        if (r == UINT32_MAX)
            continue;
        for (size_t p = ix->sess_off[r]; p < ix->sess_off[r + 1]; p++) {
            uint32_t i = ix->sess_items[p];
            by_id[ix->item_off[i] + fill[i]++] = r;
        }
    }
    for (size_t i = 0; i < ix->n_items; i++) {
        knn_pyset set;
        knn_py_init(&set, buf);
        for (size_t p = ix->item_off[i]; p < ix->item_off[i + 1]; p++)
            knn_py_add(&set, by_id[p], &spare, ix->sess_hash);
        knn_py_list(&set, ix->py_sess + ix->item_off[i], ix->py_slot + ix->item_off[i]);
        ix->py_mask[i] = set.mask;
        buf = set.tab;
    }
    rc = SBR_OK;
done:
    free(by_id);
    free(fill);
    free(buf);
    free(spare);
    return rc;
}

/* Builds the index of train's clicks at or after UTC midnight of the last training day minus
 * last_n_days days (all clicks when last_n_days is 0), with the session_rec tie emulation's
 * tables when `pyset`. Errors: SBR_EINVAL (2^32 - 1 sessions or more), SBR_ENOMEM; *ix is
 * then empty. */
static inline sbr_rc knn_index_build(knn_index *ix, const sbr_dataset *train, long last_n_days,
                                     bool pyset, const char *who, sbr_err *err)
{
    memset(ix, 0, sizeof *ix);
    if (train->n_sessions >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL, "%s: %zu training sessions (at most %u)", who,
                           train->n_sessions, UINT32_MAX - 1);
    double cutoff = -INFINITY;
    if (last_n_days > 0 && train->n_clicks > 0) {
        double first, last;
        sbr_dataset_time_range(train, &first, &last);
        cutoff = floor(last / 86400.0) * 86400.0 - (double)last_n_days * 86400.0;
    }
    size_t n_items = train->n_items;
    ix->n_items = n_items;
    knn_ended *order = sbr_alloc_array(train->n_sessions, sizeof *order);
    uint32_t *rank_of = sbr_alloc_array(train->n_sessions, sizeof *rank_of);
    uint32_t *seen = calloc(n_items + 1, sizeof *seen);
    ix->item_clicks = calloc(n_items + 1, sizeof *ix->item_clicks);
    ix->item_off = calloc(n_items + 1, sizeof *ix->item_off);
    if (order == NULL || rank_of == NULL || seen == NULL || ix->item_clicks == NULL ||
        ix->item_off == NULL)
        goto oom;

    /* Sessions with a kept click, in recency order. */
    size_t n_sess = 0, n_kept = 0;
    for (size_t s = 0; s < train->n_sessions; s++) {
        rank_of[s] = UINT32_MAX;
        size_t c = knn_first_kept(train, s, cutoff);
        if (c == train->offsets[s + 1])
            continue;
        order[n_sess++] = (knn_ended){sbr_dataset_session_end(train, s), (uint32_t)s};
        n_kept += train->offsets[s + 1] - c;
    }
    qsort(order, n_sess, sizeof *order, knn_ended_cmp);
    ix->n_sessions = n_sess;
    ix->sess_off = calloc(n_sess + 1, sizeof *ix->sess_off);
    ix->sess_items = sbr_alloc_array(n_kept, sizeof *ix->sess_items);
    ix->sess_end = sbr_alloc_array(n_sess + 1, sizeof *ix->sess_end);
    if (ix->sess_off == NULL || ix->sess_items == NULL || ix->sess_end == NULL)
        goto oom;

    /* Session -> distinct items, ascending. */
    size_t n_pairs = 0;
    for (size_t r = 0; r < n_sess; r++) {
        size_t s = order[r].s, begin = n_pairs;
        rank_of[s] = (uint32_t)r;
        ix->sess_end[r] = order[r].end;
        for (size_t c = knn_first_kept(train, s, cutoff); c < train->offsets[s + 1]; c++) {
            uint32_t i = train->items[c];
            ix->item_clicks[i]++;
            if (seen[i] != r + 1) {
                seen[i] = (uint32_t)(r + 1);
                ix->sess_items[n_pairs++] = i;
            }
        }
        qsort(ix->sess_items + begin, n_pairs - begin, sizeof *ix->sess_items, knn_u32_cmp);
        ix->sess_off[r + 1] = n_pairs;
    }

    /* Item -> sessions: filling in session order leaves each list in recency order. */
    for (size_t p = 0; p < n_pairs; p++)
        ix->item_off[ix->sess_items[p] + 1]++;
    for (size_t i = 0; i < n_items; i++)
        ix->item_off[i + 1] += ix->item_off[i];
    ix->item_sess = sbr_alloc_array(n_pairs, sizeof *ix->item_sess);
    if (ix->item_sess == NULL)
        goto oom;
    memset(seen, 0, (n_items + 1) * sizeof *seen); /* now: sessions placed per item */
    for (size_t r = 0; r < n_sess; r++) {
        for (size_t p = ix->sess_off[r]; p < ix->sess_off[r + 1]; p++) {
            uint32_t i = ix->sess_items[p];
            ix->item_sess[ix->item_off[i] + seen[i]++] = (uint32_t)r;
        }
    }

    if (pyset) {
        ix->py_cap = 16;
        while (ix->py_cap <= 4 * n_sess)
            ix->py_cap <<= 1;
        ix->sess_hash = sbr_alloc_array(n_sess + 1, sizeof *ix->sess_hash);
        if (ix->sess_hash == NULL)
            goto oom;
        for (size_t r = 0; r < n_sess; r++)
            ix->sess_hash[r] = train->session_ids[order[r].s] % ((UINT64_C(1) << 61) - 1);
        if (knn_index_build_pysets(ix, rank_of, train->n_sessions) != SBR_OK)
            goto oom;
    }
    free(order);
    free(rank_of);
    free(seen);
    return SBR_OK;
oom:
    free(order);
    free(rank_of);
    free(seen);
    knn_index_fini(ix);
    return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for the session index", who);
}

/* ---- candidates ----------------------------------------------------------------------- */

/* One cursor of the k-way merge of the query items' session lists. */
typedef struct knn_cursor {
    size_t at, end;
} knn_cursor;

/* A candidate that became a neighbour. */
typedef struct knn_neighbour {
    double sim;
    uint32_t s;   /* session number */
    uint32_t tie; /* its position among the candidates: the earlier wins ties */
    size_t aux;   /* the algorithm's own per-neighbour value */
} knn_neighbour;

typedef struct knn_scratch {
    knn_cursor *cursors;    /* [n_items] the merge heap */
    uint32_t *cand;         /* [n_sessions] candidates, in tie order */
    knn_neighbour *heap;    /* [n_heap] */
    size_t n_heap;          /* min(k, n_sessions) */
    gsl_rng *rng;           /* sampling=random only */
    uint32_t *buf[3];       /* session_rec ties: three set tables of py_cap slots */
    uint32_t *keys, *slots; /* session_rec ties: [n_sessions] a set's listing */
    uint32_t *pos;          /* session_rec ties: [n_sessions] position in the candidate set */
} knn_scratch;

static inline void knn_scratch_fini(knn_scratch *sc)
{
    free(sc->cursors);
    free(sc->cand);
    free(sc->heap);
    if (sc->rng != NULL)
        gsl_rng_free(sc->rng);
    for (int b = 0; b < 3; b++)
        free(sc->buf[b]);
    free(sc->keys);
    free(sc->slots);
    free(sc->pos);
    memset(sc, 0, sizeof *sc);
}

/* Allocates the candidate search's buffers for neighbour heaps of k. False when out of
 * memory (sc is then empty). */
static inline bool knn_scratch_init(knn_scratch *sc, const knn_index *ix, long k, int sampling,
                                    int ties)
{
    memset(sc, 0, sizeof *sc);
    sc->n_heap = (size_t)k < ix->n_sessions ? (size_t)k : ix->n_sessions;
    sc->cursors = sbr_alloc_array(ix->n_items + 1, sizeof *sc->cursors);
    sc->cand = sbr_alloc_array(ix->n_sessions + 1, sizeof *sc->cand);
    sc->heap = sbr_alloc_array(sc->n_heap + 1, sizeof *sc->heap);
    bool ok = sc->cursors != NULL && sc->cand != NULL && sc->heap != NULL;
    if (sampling == KNN_SAMPLE_RANDOM) {
        sc->rng = sbr_rng_new(1);
        ok = ok && sc->rng != NULL;
    }
    if (ties == KNN_TIES_SESSION_REC) {
        for (int b = 0; b < 3; b++) {
            sc->buf[b] = sbr_alloc_array(ix->py_cap, sizeof *sc->buf[b]);
            ok = ok && sc->buf[b] != NULL;
        }
        sc->keys = sbr_alloc_array(ix->n_sessions + 1, sizeof *sc->keys);
        sc->slots = sbr_alloc_array(ix->n_sessions + 1, sizeof *sc->slots);
        sc->pos = sbr_alloc_array(ix->n_sessions + 1, sizeof *sc->pos);
        ok = ok && sc->keys != NULL && sc->slots != NULL && sc->pos != NULL;
    }
    if (!ok)
        knn_scratch_fini(sc);
    return ok;
}

/* The merge heap: the cursor with the smallest current session at the root. */
static inline void knn_cursor_sift(knn_cursor *h, size_t n, size_t i, const uint32_t *sess)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < n && sess[h[l].at] < sess[h[min].at])
            min = l;
        if (r < n && sess[h[r].at] < sess[h[min].at])
            min = r;
        if (min == i)
            return;
        knn_cursor t = h[i];
        h[i] = h[min];
        h[min] = t;
        i = min;
    }
}

/* The union of the session lists of the n_distinct items, in recency order, into out: the
 * first `limit` sessions (0: all), and with `tied_end` also the following ones that end at
 * the same time as the limit-th. Returns their count. */
static inline size_t knn_merge(const knn_index *ix, knn_cursor *h, const uint32_t *distinct,
                               size_t n_distinct, size_t limit, bool tied_end, uint32_t *out)
{
    size_t n = 0, n_out = 0;
    for (size_t d = 0; d < n_distinct; d++) {
        uint32_t i = distinct[d];
        if (ix->item_off[i] < ix->item_off[i + 1])
            h[n++] = (knn_cursor){ix->item_off[i], ix->item_off[i + 1]};
    }
    for (size_t i = n / 2; i-- > 0;)
        knn_cursor_sift(h, n, i, ix->item_sess);
    while (n > 0) {
        uint32_t r = ix->item_sess[h[0].at];
        if (n_out == 0 || out[n_out - 1] != r) {
            if (limit > 0 && n_out >= limit &&
                (!tied_end || ix->sess_end[r] != ix->sess_end[out[limit - 1]]))
                break;
            out[n_out++] = r;
        }
        if (++h[0].at == h[0].end)
            h[0] = h[--n];
        knn_cursor_sift(h, n, 0, ix->item_sess);
    }
    return n_out;
}

/* Keeps a uniform random sample of `sample` of the n candidates, in the order drawn. */
static inline void knn_draw(gsl_rng *rng, uint32_t seed, uint32_t *cand, size_t n, size_t sample)
{
    gsl_rng_set(rng, seed);
    for (size_t j = 0; j < sample; j++) {
        size_t u = j + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(n - j));
        uint32_t t = cand[j];
        cand[j] = cand[u];
        cand[u] = t;
    }
}

/* session-rec's `relevant_sessions`: relevant = relevant | sessions(x) for each known click x
 * of the query, emulated; its listing goes to sc->cand and each session's position there to
 * sc->pos. Returns its size. */
static inline size_t knn_relevant_pyset(const knn_index *ix, knn_scratch *sc, const sbr_query *q)
{
    uint32_t *free_buf = sc->buf[1], *spare = sc->buf[2];
    knn_pyset rel;
    knn_py_init(&rel, sc->buf[0]);
    for (size_t t = 0; t < q->len; t++) {
        uint32_t x = q->items[t];
        if (x >= ix->n_items)
            continue;
        /* rel | sessions(x) is a new set: a copy of rel, then a merge of the item's set. */
        size_t n_rel = knn_py_list(&rel, sc->keys, sc->slots);
        knn_pyset next;
        knn_py_init(&next, free_buf);
        knn_py_merge(&next, sc->keys, sc->slots, n_rel, rel.mask, &spare, ix->sess_hash);
        size_t lo = ix->item_off[x];
        knn_py_merge(&next, ix->py_sess + lo, ix->py_slot + lo, ix->item_off[x + 1] - lo,
                     ix->py_mask[x], &spare, ix->sess_hash);
        free_buf = rel.tab;
        rel = next;
    }
    size_t n = knn_py_list(&rel, sc->cand, NULL);
    for (size_t c = 0; c < n; c++)
        sc->pos[sc->cand[c]] = (uint32_t)c;
    return n;
}

/* Orders each run of equally-ending sessions in recency-ordered `list` by their position in
 * the candidate set (Python's stable sort on the session end). */
static inline void knn_order_tied_ends(const knn_index *ix, const uint32_t *pos, uint32_t *list,
                                       size_t n)
{
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && ix->sess_end[list[b]] == ix->sess_end[list[a]])
            b++;
        for (size_t j = a + 1; j < b; j++) { /* insertion sort: runs are short */
            uint32_t v = list[j];
            size_t k = j;
            while (k > a && pos[list[k - 1]] > pos[v]) {
                list[k] = list[k - 1];
                k--;
            }
            list[k] = v;
        }
        a = b;
    }
}

typedef struct knn_sampling {
    size_t sample_size; /* 0: all */
    int sampling;       /* KNN_SAMPLE_* */
    int ties;           /* KNN_TIES_* */
    uint32_t seed;      /* of the random sample; used only with sampling=random */
} knn_sampling;

/* The candidates of a query into sc->cand, in tie order; returns their count. `distinct`
 * holds the query's n_distinct known items in first-click order. */
static inline size_t knn_candidates(const knn_index *ix, knn_scratch *sc, const sbr_query *q,
                                    const uint32_t *distinct, size_t n_distinct,
                                    const knn_sampling *opt)
{
    size_t sample = opt->sample_size, n;
    if (opt->ties == KNN_TIES_RECENT) {
        if (opt->sampling == KNN_SAMPLE_RECENT)
            return knn_merge(ix, sc->cursors, distinct, n_distinct, sample, false, sc->cand);
        n = knn_merge(ix, sc->cursors, distinct, n_distinct, 0, false, sc->cand);
        if (sample == 0 || n <= sample)
            return n;
        knn_draw(sc->rng, opt->seed, sc->cand, n, sample);
        return sample;
    }
    n = knn_relevant_pyset(ix, sc, q);
    if (sample == 0 || n <= sample)
        return n;
    if (opt->sampling == KNN_SAMPLE_RANDOM) {
        knn_draw(sc->rng, opt->seed, sc->cand, n, sample);
        return sample;
    }
    /* The sample_size latest (ties on the end in set order), added to a new set in that
     * order; the candidates are that set's listing. */
    size_t m = knn_merge(ix, sc->cursors, distinct, n_distinct, sample, true, sc->keys);
    knn_order_tied_ends(ix, sc->pos, sc->keys, m);
    uint32_t *spare = sc->buf[2];
    knn_pyset set;
    knn_py_init(&set, sc->buf[0]);
    for (size_t c = 0; c < sample; c++)
        knn_py_add(&set, sc->keys[c], &spare, ix->sess_hash);
    return knn_py_list(&set, sc->cand, NULL);
}

/* A 64-bit FNV-1a hash of the query's known items, for the random sample's seed. */
static inline uint64_t knn_query_hash(const sbr_query *q, size_t n_items)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t t = 0; t < q->len; t++) {
        uint32_t i = q->items[t];
        if (i >= n_items)
            continue;
        for (int b = 0; b < 4; b++) {
            h ^= (i >> (8 * b)) & 0xffu;
            h *= 0x100000001b3u;
        }
    }
    return h;
}

/* ---- neighbours ----------------------------------------------------------------------- */

/* Neighbour order: similarity descending, then the earlier candidate. */
static inline bool knn_neighbour_before(const knn_neighbour *a, const knn_neighbour *b)
{
    return a->sim > b->sim || (a->sim == b->sim && a->tie < b->tie);
}

/* Offers x to the bounded heap h of *n entries (capacity cap), which keeps the cap best with
 * its worst entry at the root. */
static inline void knn_neighbour_push(knn_neighbour *h, size_t *n, size_t cap, knn_neighbour x)
{
    size_t i;
    if (*n < cap) {
        i = (*n)++;
        while (i > 0 && knn_neighbour_before(&h[(i - 1) / 2], &x)) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    if (cap == 0 || !knn_neighbour_before(&x, &h[0]))
        return;
    i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        const knn_neighbour *w = &x;
        if (l < *n && knn_neighbour_before(w, &h[l])) {
            worst = l;
            w = &h[l];
        }
        if (r < *n && knn_neighbour_before(w, &h[r]))
            worst = r;
        if (worst == i)
            break;
        h[i] = h[worst];
        i = worst;
    }
    h[i] = x;
}

/* Sorts the heap of n neighbours in place, best first (a heapsort: qsort may allocate). */
static inline void knn_neighbour_sort(knn_neighbour *h, size_t n)
{
    for (size_t end = n; end > 1;) {
        knn_neighbour worst = h[0];
        h[0] = h[--end];
        h[end] = worst;
        for (size_t i = 0;;) { /* sift h[i] down within h[0..end) */
            size_t l = 2 * i + 1, r = l + 1, w = i;
            if (l < end && knn_neighbour_before(&h[w], &h[l]))
                w = l;
            if (r < end && knn_neighbour_before(&h[w], &h[r]))
                w = r;
            if (w == i)
                break;
            knn_neighbour t = h[i];
            h[i] = h[w];
            h[w] = t;
            i = w;
        }
    }
}

#endif
