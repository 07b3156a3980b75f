/* knn_scratch: see knn_scratch.h. The sorts are written out here rather than taken from
 * qsort because predict must not allocate and glibc's qsort may (it merge-sorts into a
 * malloc'd buffer when it can). */
#include "algorithms/knn_scratch.h"

#include <stdlib.h>
#include <string.h>

int sbr_knn_recency_cmp(const void *a, const void *b)
{
    const sbr_knn_timed *x = a, *y = b;
    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return (x->s < y->s) - (x->s > y->s);
}

int sbr_knn_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* ---- sorts -------------------------------------------------------------------------------- */

/* Short arrays: insertion sort; longer ones: heapsort (O(n log n), in place). */
enum { SORT_SHORT = 16 };

#define SORT_BODY(T, LESS)                                                                         \
    do {                                                                                           \
        if (n <= SORT_SHORT) {                                                                     \
            for (size_t j = 1; j < n; j++) {                                                       \
                T v = a[j];                                                                        \
                size_t k = j;                                                                      \
                while (k > 0 && LESS(v, a[k - 1])) {                                               \
                    a[k] = a[k - 1];                                                               \
                    k--;                                                                           \
                }                                                                                  \
                a[k] = v;                                                                          \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        for (size_t end = n, start = n / 2;;) {                                                    \
            if (start > 0) {                                                                       \
                start--; /* building the max-heap */                                               \
            } else {                                                                               \
                if (--end == 0)                                                                    \
                    return;                                                                        \
                T t = a[0]; /* the largest goes to the end */                                      \
                a[0] = a[end];                                                                     \
                a[end] = t;                                                                        \
            }                                                                                      \
            size_t i = start;                                                                      \
            T v = a[i];                                                                            \
            for (;;) {                                                                             \
                size_t c = 2 * i + 1;                                                              \
                if (c >= end)                                                                      \
                    break;                                                                         \
                if (c + 1 < end && LESS(a[c], a[c + 1]))                                           \
                    c++;                                                                           \
                if (!LESS(v, a[c]))                                                                \
                    break;                                                                         \
                a[i] = a[c];                                                                       \
                i = c;                                                                             \
            }                                                                                      \
            a[i] = v;                                                                              \
        }                                                                                          \
    } while (0)

#define U32_LESS(x, y) ((x) < (y))
#define PAIR_LESS(x, y) ((x).key < (y).key || ((x).key == (y).key && (x).val < (y).val))

void sbr_knn_sort_u32(uint32_t *a, size_t n)
{
    SORT_BODY(uint32_t, U32_LESS);
}

void sbr_knn_sort_pairs(sbr_knn_pair *a, size_t n)
{
    SORT_BODY(sbr_knn_pair, PAIR_LESS);
}

/* ---- generation stamps -------------------------------------------------------------------- */

void sbr_knn_gen_init(sbr_knn_gen *g)
{
    memset(g, 0, sizeof *g);
}

void *sbr_knn_gen_alloc(sbr_knn_gen *g, size_t n, size_t size)
{
    if (g->n == SBR_KNN_GEN_MAX || n + 1 == 0)
        return NULL;
    void *p = sbr_alloc_hot(n + 1, size);
    if (p == NULL)
        return NULL;
    g->region[g->n] = p;
    g->bytes[g->n++] = (n + 1) * size; /* sbr_alloc_hot checked the product */
    return p;
}

void sbr_knn_gen_fini(sbr_knn_gen *g)
{
    for (size_t r = 0; r < g->n; r++)
        free(g->region[r]);
    memset(g, 0, sizeof *g);
}

void sbr_knn_gen_wrap(sbr_knn_gen *g)
{
    for (size_t r = 0; r < g->n; r++)
        memset(g->region[r], 0, g->bytes[r]);
    g->now = 1;
}

/* ---- accumulators ------------------------------------------------------------------------- */

bool sbr_knn_acc_init(sbr_knn_acc *acc, sbr_knn_gen *g, size_t n)
{
    memset(acc, 0, sizeof *acc);
    acc->slot = sbr_knn_gen_alloc(g, n, sizeof *acc->slot);
    acc->list = sbr_alloc_hot(n + 1, sizeof *acc->list);
    if (acc->slot == NULL || acc->list == NULL) {
        sbr_knn_acc_fini(acc);
        return false;
    }
    return true;
}

void sbr_knn_acc_fini(sbr_knn_acc *acc)
{
    free(acc->list);
    memset(acc, 0, sizeof *acc);
}

double sbr_knn_acc_max(const sbr_knn_acc *acc)
{
    double max = 0;
    for (size_t t = 0; t < acc->n_list; t++)
        if (acc->slot[acc->list[t]].val > max)
            max = acc->slot[acc->list[t]].val;
    return max;
}

size_t sbr_knn_acc_top(const sbr_knn_acc *acc, double div, sbr_scored *out, size_t n)
{
    sbr_topn top;
    sbr_topn_init(&top, out, n);
    for (size_t t = 0; t < acc->n_list; t++) {
        uint32_t key = acc->list[t];
        sbr_topn_push(&top, key, acc->slot[key].val / div);
    }
    return sbr_topn_finish(&top, out);
}

/* ---- neighbours --------------------------------------------------------------------------- */

void sbr_knn_nbr_sort(sbr_knn_nbr *h, size_t n)
{
    for (size_t end = n; end > 1;) {
        sbr_knn_nbr worst = h[0];
        h[0] = h[--end];
        h[end] = worst;
        for (size_t i = 0;;) { /* sift h[i] down within h[0..end) */
            size_t l = 2 * i + 1, r = l + 1, w = i;
            if (l < end && sbr_knn_nbr_before(&h[w], &h[l]))
                w = l;
            if (r < end && sbr_knn_nbr_before(&h[w], &h[r]))
                w = r;
            if (w == i)
                break;
            sbr_knn_nbr t = h[i];
            h[i] = h[w];
            h[w] = t;
            i = w;
        }
    }
}

/* ---- the common scratch ------------------------------------------------------------------- */

size_t sbr_knn_scratch_bytes(size_t n_items, size_t n_sessions, size_t k, bool with_sessions)
{
    const size_t acc = sizeof(sbr_knn_slot) + sizeof(uint32_t); /* slot, list */
    size_t nbr_cap = k < n_sessions ? k : n_sessions;
    size_t b = (n_items + 1) * (2 * sizeof(uint32_t) + acc) + (nbr_cap + 1) * sizeof(sbr_knn_nbr);
    return with_sessions ? b + (n_sessions + 1) * acc : b;
}

bool sbr_knn_scratch_init(sbr_knn_scratch *sc, size_t n_items, size_t n_sessions, size_t k,
                          bool with_sessions)
{
    memset(sc, 0, sizeof *sc);
    sbr_knn_gen_init(&sc->gen);
    sc->nbr_cap = k < n_sessions ? k : n_sessions;
    sc->in_q = sbr_knn_gen_alloc(&sc->gen, n_items, sizeof *sc->in_q);
    sc->q_items = sbr_alloc_hot(n_items + 1, sizeof *sc->q_items);
    sc->nbr = sbr_alloc_hot(sc->nbr_cap + 1, sizeof *sc->nbr);
    bool ok = sc->in_q != NULL && sc->q_items != NULL && sc->nbr != NULL &&
              sbr_knn_acc_init(&sc->score, &sc->gen, n_items);
    if (ok && with_sessions)
        ok = sbr_knn_acc_init(&sc->sess, &sc->gen, n_sessions);
    if (!ok)
        sbr_knn_scratch_fini(sc);
    return ok;
}

void sbr_knn_scratch_fini(sbr_knn_scratch *sc)
{
    free(sc->q_items);
    free(sc->nbr);
    sbr_knn_acc_fini(&sc->score);
    sbr_knn_acc_fini(&sc->sess);
    sbr_knn_gen_fini(&sc->gen);
    memset(sc, 0, sizeof *sc);
}

size_t sbr_knn_scratch_query(sbr_knn_scratch *sc, uint32_t now, const sbr_query *q, size_t n_items,
                             size_t *n_known)
{
    size_t n_distinct = 0;
    *n_known = 0;
    for (size_t t = 0; t < q->len; t++) {
        uint32_t i = q->items[t];
        if (i >= n_items)
            continue;
        (*n_known)++;
        if (sc->in_q[i] != now) {
            sc->in_q[i] = now;
            sc->q_items[n_distinct++] = i;
        }
    }
    return n_distinct;
}

size_t sbr_knn_scratch_top(const sbr_knn_scratch *sc, bool normalize, sbr_scored *out, size_t n)
{
    double max = sbr_knn_acc_max(&sc->score);
    if (!(max > 0))
        return 0;
    return sbr_knn_acc_top(&sc->score, normalize ? max : 1.0, out, n);
}
