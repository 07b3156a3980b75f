/* knn_sample: see knn_sample.h. */
#include "algorithms/knn_sample.h"

#include <stdlib.h>
#include <string.h>

#include "algorithms/pyset.h"

void sbr_knn_sampler_fini(sbr_knn_sampler *sp)
{
    free(sp->cursors);
    free(sp->cand);
    if (sp->rng != NULL)
        gsl_rng_free(sp->rng);
    for (int b = 0; b < 3; b++)
        free(sp->buf[b]);
    free(sp->keys);
    free(sp->slots);
    free(sp->pos);
    free(sp->hits);
    memset(sp, 0, sizeof *sp);
}

size_t sbr_knn_sampler_bytes(const sbr_session_index *ix, int sampling, int ties)
{
    size_t ns = ix->n_sessions + 1;
    size_t b = (ix->n_items + 1) * sizeof(sbr_knn_cursor) + ns * sizeof(uint32_t);
    if (sampling == KNN_SAMPLE_RECENT && ties == KNN_TIES_RECENT)
        b += ns * sizeof(uint32_t); /* hits */
    if (sampling == KNN_SAMPLE_RANDOM)
        b += sizeof(gsl_rng) + gsl_rng_mt19937->size;
    if (ties == KNN_TIES_SESSION_REC)
        b += 3 * ix->py_cap * sizeof(uint32_t) + 3 * ns * sizeof(uint32_t);
    return b;
}

bool sbr_knn_sampler_init(sbr_knn_sampler *sp, const sbr_session_index *ix, int sampling, int ties)
{
    memset(sp, 0, sizeof *sp);
    sp->cursors = sbr_alloc_hot(ix->n_items + 1, sizeof *sp->cursors);
    sp->cand = sbr_alloc_hot(ix->n_sessions + 1, sizeof *sp->cand);
    bool ok = sp->cursors != NULL && sp->cand != NULL;
    if (sampling == KNN_SAMPLE_RECENT && ties == KNN_TIES_RECENT) {
        sp->hits = sbr_alloc_hot(ix->n_sessions + 1, sizeof *sp->hits);
        ok = ok && sp->hits != NULL;
    }
    if (sampling == KNN_SAMPLE_RANDOM) {
        sp->rng = sbr_rng_new(1);
        ok = ok && sp->rng != NULL;
    }
    if (ties == KNN_TIES_SESSION_REC) {
        for (int b = 0; b < 3; b++) {
            sp->buf[b] = sbr_alloc_array(ix->py_cap, sizeof *sp->buf[b]);
            ok = ok && sp->buf[b] != NULL;
        }
        sp->keys = sbr_alloc_hot(ix->n_sessions + 1, sizeof *sp->keys);
        sp->slots = sbr_alloc_hot(ix->n_sessions + 1, sizeof *sp->slots);
        sp->pos = sbr_alloc_hot(ix->n_sessions + 1, sizeof *sp->pos);
        ok = ok && sp->keys != NULL && sp->slots != NULL && sp->pos != NULL;
    }
    if (!ok)
        sbr_knn_sampler_fini(sp);
    return ok;
}

/* The merge heap: the cursor with the smallest current session at the root. */
static void cursor_sift(sbr_knn_cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < n && h[l].cur.s < h[min].cur.s)
            min = l;
        if (r < n && h[r].cur.s < h[min].cur.s)
            min = r;
        if (min == i)
            return;
        sbr_knn_cursor t = h[i];
        h[i] = h[min];
        h[min] = t;
        i = min;
    }
}

/* The union of the session lists of the n_distinct items, in recency order, into out: the
 * first `limit` sessions (0: all), and with `tied_end` also the following ones that end at
 * the same time as the limit-th (equal keys). Returns their count. With `bits`, hits[c] is
 * the OR of bits[d] over the items d whose lists hold out[c] (every cursor at an output
 * session is consumed before the next session is met, so the OR is complete). */
static size_t merge(const sbr_session_index *ix, sbr_knn_cursor *h, const uint32_t *distinct,
                    const uint32_t *bits, size_t n_distinct, size_t limit, bool tied_end,
                    uint32_t *out, uint32_t *hits)
{
    size_t n = 0, n_out = 0;
    uint32_t limit_key = 0;
    const sbr_sess_ref *sess = ix->item_sess;
    for (size_t d = 0; d < n_distinct; d++) {
        uint32_t i = distinct[d];
        if (ix->item_off[i] < ix->item_off[i + 1])
            h[n++] = (sbr_knn_cursor){sess[ix->item_off[i]], ix->item_off[i], ix->item_off[i + 1],
                                      bits != NULL ? bits[d] : 0};
    }
    for (size_t i = n / 2; i-- > 0;)
        cursor_sift(h, n, i);
    while (n > 0) {
        sbr_sess_ref e = h[0].cur;
        if (n_out == 0 || out[n_out - 1] != e.s) {
            if (limit > 0 && n_out >= limit && (!tied_end || e.key != limit_key))
                break;
            out[n_out++] = e.s;
            if (bits != NULL)
                hits[n_out - 1] = h[0].bit;
            if (n_out == limit)
                limit_key = e.key;
        } else if (bits != NULL) {
            hits[n_out - 1] |= h[0].bit;
        }
        if (++h[0].at == h[0].end)
            h[0] = h[--n];
        else
            h[0].cur = sess[h[0].at];
        cursor_sift(h, n, 0);
    }
    return n_out;
}

/* Keeps a uniform random sample of `sample` of the n candidates, in the order drawn. */
static void draw(gsl_rng *rng, uint32_t seed, uint32_t *cand, size_t n, size_t sample)
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
 * of the query, emulated; its listing goes to sp->cand and each session's position there to
 * sp->pos. Returns its size. */
static size_t relevant_pyset(const sbr_session_index *ix, sbr_knn_sampler *sp, const sbr_query *q)
{
    uint32_t *free_buf = sp->buf[1], *spare = sp->buf[2];
    sbr_pyset rel;
    sbr_pyset_init(&rel, sp->buf[0]);
    for (size_t t = 0; t < q->len; t++) {
        uint32_t x = q->items[t];
        if (x >= ix->n_items)
            continue;
        /* rel | sessions(x) is a new set: a copy of rel, then a merge of the item's set. */
        size_t n_rel = sbr_pyset_list(&rel, sp->keys, sp->slots);
        sbr_pyset next;
        sbr_pyset_init(&next, free_buf);
        sbr_pyset_merge(&next, sp->keys, sp->slots, n_rel, rel.mask, &spare, ix->sess_hash);
        size_t lo = ix->item_off[x];
        sbr_pyset_merge(&next, ix->py_sess + lo, ix->py_slot + lo, ix->item_off[x + 1] - lo,
                        ix->py_mask[x], &spare, ix->sess_hash);
        free_buf = rel.tab;
        rel = next;
    }
    size_t n = sbr_pyset_list(&rel, sp->cand, NULL);
    for (size_t c = 0; c < n; c++)
        sp->pos[sp->cand[c]] = (uint32_t)c;
    return n;
}

/* Orders each run of equally-ending sessions in recency-ordered `list` by their position in
 * the candidate set (Python's stable sort on the session end). */
static void order_tied_ends(const sbr_session_index *ix, const uint32_t *pos, uint32_t *list,
                            size_t n)
{
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && ix->sess_key[list[b]] == ix->sess_key[list[a]])
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

size_t sbr_knn_candidates(const sbr_session_index *ix, sbr_knn_sampler *sp, const sbr_query *q,
                          const uint32_t *distinct, size_t n_distinct, const sbr_knn_sampling *opt)
{
    size_t sample = opt->sample_size, n;
    if (opt->ties == KNN_TIES_RECENT) {
        if (opt->sampling == KNN_SAMPLE_RECENT)
            return merge(ix, sp->cursors, distinct, NULL, n_distinct, sample, false, sp->cand,
                         NULL);
        n = merge(ix, sp->cursors, distinct, NULL, n_distinct, 0, false, sp->cand, NULL);
        if (sample == 0 || n <= sample)
            return n;
        draw(sp->rng, opt->seed, sp->cand, n, sample);
        return sample;
    }
    n = relevant_pyset(ix, sp, q);
    if (sample == 0 || n <= sample)
        return n;
    if (opt->sampling == KNN_SAMPLE_RANDOM) {
        draw(sp->rng, opt->seed, sp->cand, n, sample);
        return sample;
    }
    /* The sample_size latest (ties on the end in set order), added to a new set in that
     * order; the candidates are that set's listing. */
    size_t m = merge(ix, sp->cursors, distinct, NULL, n_distinct, sample, true, sp->keys, NULL);
    order_tied_ends(ix, sp->pos, sp->keys, m);
    uint32_t *spare = sp->buf[2];
    sbr_pyset set;
    sbr_pyset_init(&set, sp->buf[0]);
    for (size_t c = 0; c < sample; c++)
        sbr_pyset_add(&set, sp->keys[c], &spare, ix->sess_hash);
    return sbr_pyset_list(&set, sp->cand, NULL);
}

size_t sbr_knn_candidates_tagged(const sbr_session_index *ix, sbr_knn_sampler *sp,
                                 const uint32_t *distinct, const uint32_t *bits, size_t n_distinct,
                                 size_t sample_size)
{
    return merge(ix, sp->cursors, distinct, bits, n_distinct, sample_size, false, sp->cand,
                 sp->hits);
}

/* A 64-bit FNV-1a hash of the query's known items, for the random sample's seed. */
static uint64_t query_hash(const sbr_query *q, size_t n_items)
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

sbr_knn_sampling sbr_knn_sampling_of(const sbr_query *q, size_t n_items, size_t n_known,
                                     long sample_size, int sampling, int ties, long seed,
                                     uint32_t purpose)
{
    sbr_knn_sampling opt = {(size_t)sample_size, sampling, ties, 0};
    if (sampling == KNN_SAMPLE_RANDOM)
        opt.seed = sbr_seed((uint64_t)seed, query_hash(q, n_items), n_known, purpose);
    return opt;
}
