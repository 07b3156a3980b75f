/* vmis: VMIS-kNN as Serenade computes it (compat=serenade) and without its quirks (clean).
 *
 * The specification is the reference document on Serenade's VMIS-kNN (sections 2-4); the
 * quirk numbers Q1-Q6 below are its numbers.
 *
 * Index (fit): the kNN family's session index (session_index.h), which numbers sessions by
 * recency (0 = the most recent; "session index" below is the dataset's SessionId order).
 *  - serenade: the training rows are re-read in Serenade's order: stably sorted by SessionId,
 *    file order within a session (the dataset's `rows`). The final row of that order is never
 *    indexed (Q1: the last session loses its last row, and disappears if that was its only
 *    row). A session's items are its distinct items, ascending; its time is the maximum over
 *    the rows that introduced a new item (Q2), each time rounded half away from zero and cut
 *    to 32 bits as Serenade does. Sessions with more distinct items than
 *    round(p99.5 of distinct items per session), estimated by a port of tdigest 0.2.3
 *    (max size 100, one merge_sorted, estimate_quantile), are left out of the item lists.
 *    idf(i) = ln(P / n_i) * idf, where P counts (session, item) pairs of the indexed sessions
 *    (Q3) and n_i the indexed sessions with i; the parameter is a multiplier (Q4).
 *  - clean: all rows; a session's time is its last click (max time), and sessions are ordered
 *    by (time, session index), which makes recency a strict order. The same long-session
 *    pruning, with the exact nearest-rank p99.5 (the ceil(0.995 S)-th smallest length)
 *    instead of the t-digest estimate. idf(i) = ln(S / n_i) with S the indexed sessions; the
 *    `idf` parameter is a switch (> 0 on). A positive multiplier scales every score by the
 *    same factor, so it cannot change a ranking (Serenade's idf=2 and idf=1 differ only by
 *    ULP-level tie flips, Q4); clean therefore drops it.
 *  Each item keeps the m most recent sessions that contain it: by time descending, then
 *  session index descending (Serenade's stable ascending sort, reversed), each list entry
 *  carrying the session's recency key: serenade the rank of its 32-bit time (equal times,
 *  equal keys), clean its strict rank.
 *
 * Prediction. Clicks on items unknown to the training set are skipped (dropped from the query,
 * as the evaluator's default removes them from the test sessions); then the query is cut to
 * its last `last_items` clicks, ev, not de-duplicated. L = len(ev), U = distinct items of ev.
 *  1. Candidates. For each item of ev from the most recent, at its most recent occurrence
 *     only (position pos, 0 = last click), with decay w = (L - pos) / U, walk its session
 *     list: a session already a candidate gains w; while fewer than m are candidates, a new
 *     session enters with w; otherwise it replaces the least recent candidate if it is
 *     strictly more recent. The candidates live in an 8-ary heap with the least recent on
 *     top, sifted exactly as dary_heap 0.2's OctonaryHeap sifts (push stops at "new <=
 *     parent"; replacing the top sifts down choosing the greatest of the children with a later
 *     sibling winning ties, stopping at "hole >= child"), so with tied times the evicted
 *     session is Serenade's. An evicted session's similarity is lost. (The heap is only built
 *     when the m-th candidate is in, by replaying the pushes in order, which gives the same
 *     array; queries with fewer candidates never pay for it.)
 *     serenade: the walk of a list stops at the first new session that is not strictly more
 *     recent than the heap minimum (Q5), even when later entries are candidates already.
 *     clean: the walk would go on, crediting later entries that are candidates; but with the
 *     strict recency key there are none: the list is strictly decreasing in recency, every
 *     candidate is at least as recent as the heap minimum, and that minimum only grows, so
 *     the entries after the first one that fails to enter are not and never become
 *     candidates. The walk therefore stops there too (with identical results), and the
 *     candidate set is exactly the m most recent sessions of the union of the lists, each
 *     with its full similarity. (Serenade's Q5 differs only where times tie.)
 *  2. Neighbours: the k best candidates by similarity desc, then time desc, then session
 *     index desc (the canonical tie rule; in clean mode time and index form the recency key).
 *  3. Scores. For a neighbour s with similarity sim, p = 1 + the position (from the end of ev)
 *     of the most recent click on an item of s, and the match weight is 1 - 0.1 p for p < 100
 *     and 0 after (serenade, negative for 11 <= p <= 99, Q6) or max(0, 1 - 0.1 p) (clean).
 *     Each item i of s gains (w * idf(i)) * sim, or w * sim when idf(i) <= 0 (serenade; clean
 *     with idf off). Only the last item of ev is removed from the results ("remind" items
 *     stay); with remind=1 (clean only) not even that one, as session-rec's V-SKNN with its
 *     default remind=True keeps every session item: on data where users click the same item
 *     again (26% of rsc15-100k's targets repeat the last click) this is worth much MRR. Ranking:
 * score desc, then item id asc; items with a score <= 0 are not listed (Serenade would list them to
 * fill its n slots).
 *
 * Memory. The index is CSR arrays of 32-bit words: per (session, item) pair one item word and
 * at most one (session, key) list entry, per session an offset, time, key and dataset index,
 * per item an offset, counts and an idf (about 12-13 bytes per training click on the shared
 * data). All per-call state sits in the per-thread scratch (knn_scratch.h): the sessions a call
 * meets in a small table keyed by session (a few KiB: it stays in cache), the item scores in an
 * array by item whose 32-byte slot holds the score, the idf and the stamp (one cache line per
 * scored item), all reset by generation stamps, pre-faulted and on huge pages where available,
 * so a call costs O(touched entries), not O(catalogue), takes no page fault, and allocates
 * nothing (no qsort: it may call malloc). Step 3 prefetches each neighbour's offset, items and
 * accumulators a few neighbours ahead. */
#include "algorithms/vmis.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/knn_scratch.h"
#include "algorithms/session_index.h"
#include "algorithms/model_file.h"
#include "algorithms/vmis_int.h"

static const char *const vmis_compat_choices[] = {"clean", "serenade", NULL};

static const sbr_param_spec vmis_params[] = {
    {"m", SBR_P_INT, offsetof(vmis_config, m), 500, 1, 1e7, NULL,
     "most recent sessions kept per item and candidate sessions per query"},
    {"k", SBR_P_INT, offsetof(vmis_config, k), 500, 1, 1e7, NULL, "neighbour sessions"},
    {"last_items", SBR_P_INT, offsetof(vmis_config, last_items), 2, 1, 1000, NULL,
     "the query is cut to its last last_items clicks (Serenade's max_items_in_session)"},
    {"idf", SBR_P_DOUBLE, offsetof(vmis_config, idf), 1, 0, 1e6, NULL,
     "idf weighting: serenade multiplies by it (0 = off); clean: 0 off, > 0 on"},
    {"compat", SBR_P_CHOICE, offsetof(vmis_config, compat), VMIS_CLEAN, 0, 1, vmis_compat_choices,
     "clean, or serenade: Serenade's CSV path with its quirks"},
    {"remind", SBR_P_INT, offsetof(vmis_config, remind), 0, 0, 1, NULL,
     "1: the last clicked item may be recommended too, as session-rec's remind (clean only)"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* ---- tdigest 0.2.3 ------------------------------------------------------------------------ */

/* The inverse of the digest's scale function (tdigest 0.2.3 `k_to_q`). */
static double td_k_to_q(double k, double d)
{
    double k_div_d = k / d;
    if (k_div_d >= 0.5) {
        double base = 1.0 - k_div_d;
        return 1.0 - 2.0 * base * base;
    }
    return 2.0 * k_div_d * k_div_d;
}

double sbr_vmis_td_quantile(const double *v, size_t n, size_t d, double q, double *mean,
                            double *weight)
{
    if (n == 0)
        return 0.0;
    double count = (double)n, dd = (double)d;
    double k_limit = 1.0;
    double q_limit_times_count = td_k_to_q(k_limit, dd) * count;
    k_limit += 1.0;
    double cm = v[0], cw = 1.0, weight_so_far = 1.0, sums_to_merge = 0.0, weights_to_merge = 0.0;
    size_t nc = 0;
    for (size_t i = 1; i < n; i++) {
        double next_sum = v[i] * 1.0;
        weight_so_far += 1.0;
        if (weight_so_far <= q_limit_times_count) {
            sums_to_merge += next_sum;
            weights_to_merge += 1.0;
        } else {
            double new_sum = sums_to_merge + cw * cm; /* Centroid::add */
            cw += weights_to_merge;
            cm = new_sum / cw;
            mean[nc] = cm;
            weight[nc++] = cw;
            sums_to_merge = 0.0;
            weights_to_merge = 0.0;
            q_limit_times_count = td_k_to_q(k_limit, dd) * count;
            k_limit += 1.0;
            cm = v[i];
            cw = 1.0;
        }
    }
    double new_sum = sums_to_merge + cw * cm;
    cw += weights_to_merge;
    mean[nc] = new_sum / cw;
    weight[nc++] = cw;
    /* The crate sorts the centroids by mean here; means of consecutive runs of ascending
     * values are already ascending. */
    double vmin = v[0], vmax = v[n - 1];
    double rank = q * count, t;
    size_t pos;
    if (q > 0.5) {
        if (q >= 1.0)
            return vmax;
        pos = 0;
        t = count;
        for (size_t c = nc; c-- > 0;) {
            t -= weight[c];
            if (rank >= t) {
                pos = c;
                break;
            }
        }
    } else {
        if (q <= 0.0)
            return vmin;
        pos = nc - 1;
        t = 0.0;
        for (size_t c = 0; c < nc; c++) {
            if (rank < t + weight[c]) {
                pos = c;
                break;
            }
            t += weight[c];
        }
    }
    double delta = 0.0, lo = vmin, hi = vmax;
    if (nc > 1) {
        if (pos == 0) {
            delta = mean[pos + 1] - mean[pos];
            hi = mean[pos + 1];
        } else if (pos == nc - 1) {
            delta = mean[pos] - mean[pos - 1];
            lo = mean[pos - 1];
        } else {
            delta = (mean[pos + 1] - mean[pos - 1]) / 2.0;
            lo = mean[pos - 1];
            hi = mean[pos + 1];
        }
    }
    double value = mean[pos] + ((rank - t) / weight[pos] - 0.5) * delta;
    return value > hi ? hi : value < lo ? lo : value;
}

/* ---- the 8-ary candidate heap ------------------------------------------------------------- */

/* The candidates are vmis_entry entries (session, recency key from the item lists, table
 * slot). The heap is dary_heap's max-heap under an order in which a smaller key is greater, so
 * the least recent candidate is on top; equal keys compare equal. */

enum { VMIS_ARITY = 8 };

/* push of the element at h[pos] onto the heap h[0 .. pos): sift up while it is greater than
 * its parent. */
static void heap8_sift_up(vmis_entry *h, size_t pos)
{
    vmis_entry e = h[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / VMIS_ARITY;
        if (e.key >= h[parent].key) /* element <= parent */
            break;
        h[pos] = h[parent];
        pos = parent;
    }
    h[pos] = e;
}

/* The top was overwritten (PeekMut): sift_down_range(0, end). */
static void heap8_sift_down(vmis_entry *h, size_t end)
{
    vmis_entry e = h[0];
    size_t pos = 0, child = 1;
    while (end >= VMIS_ARITY && child <= end - VMIS_ARITY) {
        size_t best = child;
        for (size_t o = child + 1; o < child + VMIS_ARITY; o++)
            if (h[best].key >= h[o].key) /* get(best) <= get(o): the later sibling wins ties */
                best = o;
        if (e.key <= h[best].key) { /* hole >= child: in order */
            h[pos] = e;
            return;
        }
        h[pos] = h[best];
        pos = best;
        child = VMIS_ARITY * pos + 1;
    }
    size_t best = child;
    for (size_t o = child + 1; o < end; o++)
        if (h[best].key >= h[o].key)
            best = o;
    if (best < end && e.key > h[best].key) { /* hole < child */
        h[pos] = h[best];
        pos = best;
    }
    h[pos] = e;
}

/* ---- fit ---------------------------------------------------------------------------------- */

static void vmis_free(sbr_model *model)
{
    if (model == NULL)
        return;
    vmis_model *md = (vmis_model *)model;
    sbr_session_index_free(md->ix);
    free(md);
}

static size_t vmis_bytes(const sbr_model *model)
{
    const vmis_model *md = (const vmis_model *)model;
    return sizeof *md + sbr_session_index_bytes(md->ix);
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The long-session pruning threshold from the sessions' distinct-item counts. */
static sbr_rc prune_threshold(vmis_model *md)
{
    const sbr_session_index *ix = md->ix;
    size_t ns = ix->n_sessions;
    double *lens = sbr_alloc_array(ns + 1, sizeof *lens);
    double *td_mean = sbr_alloc_array(ns + 1, sizeof *td_mean);
    double *td_weight = sbr_alloc_array(ns + 1, sizeof *td_weight);
    sbr_rc rc = SBR_ENOMEM;
    if (lens == NULL || td_mean == NULL || td_weight == NULL)
        goto done;
    for (size_t s = 0; s < ns; s++)
        lens[s] = (double)(ix->sess_off[s + 1] - ix->sess_off[s]);
    qsort(lens, ns, sizeof *lens, double_cmp);
    md->max_len = 0;
    if (md->serenade) {
        md->max_len_estimate =
            sbr_vmis_td_quantile(lens, ns, VMIS_TDIGEST_SIZE, 0.995, td_mean, td_weight);
        double r = round(md->max_len_estimate);
        md->max_len = r > 0 ? (size_t)r : 0;
    } else if (ns > 0) {
        size_t rank = (995 * ns + 999) / 1000; /* ceil(0.995 S), 1-based */
        md->max_len_estimate = lens[rank - 1];
        md->max_len = (size_t)lens[rank - 1];
    }
    rc = SBR_OK;
done:
    free(lens);
    free(td_mean);
    free(td_weight);
    return rc;
}

/* Neighbours come from the m candidates, so k > m would only ever mean k = m. */
static sbr_rc vmis_check(const void *config, sbr_err *err)
{
    const vmis_config *cfg = config;
    if (cfg->k > cfg->m)
        return sbr_err_set(err, SBR_EINVAL, "vmis: k=%ld must not exceed m=%ld", cfg->k, cfg->m);
    if (cfg->remind && cfg->compat == VMIS_SERENADE)
        return sbr_err_set(err, SBR_EINVAL,
                           "vmis: remind=1 is not Serenade's behaviour; use it with compat=clean");
    return SBR_OK;
}

static sbr_rc vmis_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                       sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    const vmis_config *cfg = config;
    *out = NULL;
    /* Each parameter is within its table bounds and k <= m (sbr_algo_check). */
    if (train->n_clicks >= UINT32_MAX || train->n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL,
                           "vmis: the index is limited to 2^32-1 clicks and items (%zu clicks)",
                           train->n_clicks);

    vmis_model *md = calloc(1, sizeof *md);
    if (md == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "vmis: out of memory building the index of %zu clicks",
                           train->n_clicks);
    md->base.algo = &sbr_algo_vmis;
    md->serenade = cfg->compat == VMIS_SERENADE;
    md->idf_fallback = md->serenade || !(cfg->idf > 0);
    md->idf_mult = md->serenade ? cfg->idf : 1.0;
    md->m = (size_t)cfg->m;
    md->k = (size_t)cfg->k;
    md->last_items = (size_t)cfg->last_items;
    md->remind = cfg->remind != 0;
    md->n_items = train->n_items;
    /* serenade: Serenade's reading (Q1, Q2) and its 32-bit times as keys, so equal times stay
     * equal for the heap; clean: every row, and the strict (time, index) order as the key. */
    sbr_session_index_opts opts = {.reading = md->serenade ? SBR_READ_SERENADE : SBR_READ_ALL,
                                   .key = md->serenade ? SBR_KEY_TIME : SBR_KEY_STRICT,
                                   .no_lists = true}; /* the prune below builds them */
    sbr_rc rc = sbr_session_index_build(train, &opts, "vmis", &md->ix, err);
    if (rc != SBR_OK) {
        vmis_free(&md->base);
        return rc;
    }
    md->n_sessions = md->ix->n_sessions;
    if (prune_threshold(md) != SBR_OK) {
        vmis_free(&md->base);
        return sbr_err_set(err, SBR_ENOMEM, "vmis: out of memory building the index of %zu clicks",
                           train->n_clicks);
    }
    /* Long sessions leave the item lists, and each item keeps its m most recent sessions. */
    rc = sbr_session_index_prune(md->ix, md->max_len, md->m, "vmis", err);
    if (rc == SBR_OK && (md->serenade || cfg->idf > 0))
        rc = sbr_session_index_set_idf(md->ix, md->serenade ? SBR_IDF_PAIRS : SBR_IDF_SESSIONS,
                                       "vmis", err);
    if (rc != SBR_OK) {
        vmis_free(&md->base);
        return rc;
    }
    md->n_indexed = md->ix->n_indexed;
    md->n_pairs = md->ix->n_pairs_listed;
    for (size_t i = 0; i < md->n_items; i++)
        md->n_indexed_items += md->ix->item_n_sess[i] > 0;
    *out = &md->base;
    return SBR_OK;
}

/* ---- predict ------------------------------------------------------------------------------ */

/* How many neighbours ahead step 3 prefetches the item accumulators (twice as far: the
 * neighbour's items, four times: its offset). */
enum { VMIS_AHEAD = 4 };

/* The candidate table's mask: at least twice the sessions one call can meet (each of at most
 * last_items lists is read once, and no list is longer than the longest in the index), as a
 * power of two, so linear probing always finds a free slot quickly. */
static size_t cand_table_mask(const vmis_model *md)
{
    const sbr_session_index *ix = md->ix;
    size_t longest = 0;
    for (size_t i = 0; i < md->n_items; i++)
        if (ix->item_off[i + 1] - ix->item_off[i] > longest)
            longest = ix->item_off[i + 1] - ix->item_off[i];
    size_t meet = md->last_items * longest, cap = 16;
    if (meet > md->n_sessions)
        meet = md->n_sessions;
    while (cap < 2 * meet)
        cap *= 2;
    return cap - 1;
}

/* The slot of session s in the table: where it is (stamp == now), else the free slot where it
 * goes. */
static inline size_t cand_slot(const vmis_cand *tab, size_t mask, uint32_t now, uint32_t s)
{
    size_t h = (size_t)(((uint64_t)s * 0x9E3779B97F4A7C15u) >> 32) & mask;
    while (tab[h].stamp == now && tab[h].s != s)
        h = (h + 1) & mask;
    return h;
}

static void vmis_scratch_free(void *p)
{
    vmis_scratch *sc = p;
    if (sc == NULL)
        return;
    sbr_knn_gen_fini(&sc->gen); /* cand */
    free(sc->acc);
    free(sc->heap);
    free(sc->nbr);
    free(sc->by_pos);
    free(sc->by_item);
    free(sc->touched);
    free(sc);
}

static void *vmis_scratch_new(const sbr_model *model)
{
    const vmis_model *md = (const vmis_model *)model;
    vmis_scratch *sc = calloc(1, sizeof *sc);
    if (sc == NULL)
        return NULL;
    sbr_knn_gen_init(&sc->gen);
    size_t cap_m = md->m < md->n_sessions ? md->m : md->n_sessions;
    size_t cap_k = md->k < cap_m ? md->k : cap_m;
    sc->cand_mask = cand_table_mask(md);
    sc->cand = sbr_knn_gen_alloc(&sc->gen, sc->cand_mask, sizeof *sc->cand); /* mask + 1 slots */
    /* Pre-faulted, on huge pages where available (sbr_alloc_hot): no timed call takes a page
     * fault, and the random reads of sess and acc rarely miss the TLB. */
    sc->acc = sbr_alloc_hot(md->n_items + 1, sizeof *sc->acc);
    sc->heap = sbr_alloc_hot(cap_m + 1, sizeof *sc->heap);
    sc->nbr = sbr_alloc_hot(cap_k + 1, sizeof *sc->nbr);
    sc->by_pos = sbr_alloc_hot(md->last_items, sizeof *sc->by_pos);
    sc->by_item = sbr_alloc_hot(md->last_items, sizeof *sc->by_item);
    sc->touched = sbr_alloc_hot(md->n_items + 1, sizeof *sc->touched);
    if (sc->cand == NULL || sc->acc == NULL || sc->heap == NULL || sc->nbr == NULL ||
        sc->by_pos == NULL || sc->by_item == NULL || sc->touched == NULL) {
        vmis_scratch_free(sc);
        return NULL;
    }
    /* The factor of a contribution (w * f) * sim: the idf (serenade: times the parameter), or
     * 1 where the scorer falls back to w * sim (w * 1.0 is w exactly, so the result is bit for
     * bit the same). */
    const double *idf = md->ix->idf;
    for (size_t i = 0; i < md->n_items; i++) {
        double f = idf != NULL ? idf[i] * md->idf_mult : 0.0;
        sc->acc[i] = (vmis_item_acc){0.0, md->idf_fallback && !(f > 0) ? 1.0 : f, 0, {0, 0, 0}};
    }
    return sc;
}

/* Neighbour order: a ranks before b (similarity desc, recency key desc, then the session
 * index desc, which among equal keys is the smaller session number). */
static bool nbr_before(const vmis_cand *cand, vmis_entry a, vmis_entry b)
{
    double x = cand[a.slot].sim, y = cand[b.slot].sim;
    if (x != y)
        return x > y;
    if (a.key != b.key)
        return a.key > b.key;
    return a.s < b.s;
}

/* Keeps the k best of the n candidates in nbr (a binary heap, worst on top); returns k. */
static size_t select_neighbours(const vmis_cand *sess, const vmis_entry *cand, size_t n,
                                vmis_entry *nbr, size_t k)
{
    size_t size = 0;
    for (size_t c = 0; c < n; c++) {
        vmis_entry e = cand[c];
        size_t pos;
        if (size < k) {
            pos = size++;
            while (pos > 0) {
                size_t parent = (pos - 1) / 2;
                if (!nbr_before(sess, nbr[parent], e))
                    break;
                nbr[pos] = nbr[parent];
                pos = parent;
            }
            nbr[pos] = e;
            continue;
        }
        if (!nbr_before(sess, e, nbr[0]))
            continue;
        pos = 0;
        for (;;) {
            size_t l = 2 * pos + 1, r = l + 1, worst = l;
            if (l >= size)
                break;
            if (r < size && nbr_before(sess, nbr[l], nbr[r]))
                worst = r;
            if (!nbr_before(sess, e, nbr[worst]))
                break; /* e ranks after both children: it is the worst here */
            nbr[pos] = nbr[worst];
            pos = worst;
        }
        nbr[pos] = e;
    }
    return size;
}

/* Whether the ascending array a[0..n) holds x. Short arrays (most sessions) are scanned
 * without branches, which beats a mispredicted binary search. */
static bool contains(const uint32_t *a, size_t n, uint32_t x)
{
    if (n <= 32) {
        unsigned found = 0;
        for (size_t j = 0; j < n; j++)
            found |= a[j] == x;
        return found != 0;
    }
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == x;
}

/* The position (0 = last click) of the most recent click of ev on one of the n ascending
 * items of a session that holds by_pos[via].key (it came in through that item's list). Only
 * the more recent query items need a search: in the session for a few of them, else the
 * session's items in the query's; no random access. */
static uint32_t match_position(const uint32_t *items, size_t n, const vmis_qitem *by_pos,
                               const vmis_qitem *by_item, size_t U, size_t via)
{
    if (via <= 8 || via <= n) {
        for (size_t u = 0; u < via; u++)
            if (contains(items, n, by_pos[u].key))
                return by_pos[u].val;
        return by_pos[via].val;
    }
    uint32_t best = by_pos[via].val;
    for (size_t c = 0; c < n; c++) {
        size_t lo = 0, hi = U;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (by_item[mid].key < items[c])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < U && by_item[lo].key == items[c] && by_item[lo].val < best)
            best = by_item[lo].val;
    }
    return best;
}

static sbr_rc vmis_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)err;
    const vmis_model *md = (const vmis_model *)model;
    vmis_scratch *sc = scratch;
    *n_out = 0;
    if (q->n == 0)
        return SBR_OK;
    const uint32_t now = sbr_knn_gen_next(&sc->gen);
    vmis_cand *tab = sc->cand;
    const size_t mask = sc->cand_mask;
    vmis_item_acc *acc = sc->acc;
    if (now == 1) /* the first call, or the stamp wrapped (sess is cleared by the generation) */
        for (size_t i = 0; i < md->n_items; i++)
            acc[i].stamp = 0;
    const sbr_session_index *ix = md->ix;
    const uint32_t *sess_items = ix->sess_items, *sess_off = ix->sess_off;

    /* ev is the last last_items known clicks; walk it from the most recent click, keeping
     * each item's most recent position. */
    size_t L = 0, U = 0, n_touched = 0;
    uint32_t last = SBR_ITEM_UNKNOWN;
    for (size_t t = q->len; t-- > 0 && L < md->last_items;) {
        uint32_t i = q->items[t];
        if (i == SBR_ITEM_UNKNOWN || i >= md->n_items)
            continue;
        if (L == 0)
            last = i;
        if (acc[i].stamp != now) {
            acc[i].stamp = now;
            acc[i].score = 0.0;
            sc->touched[n_touched++] = i;
            sc->by_pos[U++] = (vmis_qitem){i, (uint32_t)L};
        }
        L++;
    }
    if (L == 0)
        return SBR_OK;
    memcpy(sc->by_item, sc->by_pos, U * sizeof *sc->by_item);
    if (U > 8) /* only match_position's long path reads it; no qsort: it may allocate */
        sbr_knn_sort_pairs(sc->by_item, U);

    /* 1. Candidates. */
    size_t n_cand = 0;
    bool is_heap = false;
    for (size_t u = 0; u < U; u++) {
        uint32_t i = sc->by_pos[u].key;
        double w = (double)(L - sc->by_pos[u].val) / (double)U;
        const sbr_sess_ref *list = ix->item_sess + ix->item_off[i];
        const sbr_sess_ref *end = ix->item_sess + ix->item_off[i + 1];
        for (; list < end; list++) {
            uint32_t s = list->s;
            size_t slot = cand_slot(tab, mask, now, s);
            vmis_cand *ss = &tab[slot];
            if (ss->stamp == now && ss->live) {
                ss->sim += w;
                continue;
            }
            /* New to the call, or evicted earlier (then it is met as a new session). */
            uint32_t key = list->key;
            vmis_entry e = {s, key, (uint32_t)slot};
            if (n_cand < md->m) {
                *ss = (vmis_cand){w, s, now, (uint32_t)u, 1};
                sc->heap[n_cand++] = e;
                continue;
            }
            if (!is_heap) {
                /* The pushes are replayed only now that the heap is full: most queries
                 * never get there. Replaying them in order gives the very array that
                 * pushing one by one would have built. */
                for (size_t h = 1; h < n_cand; h++)
                    heap8_sift_up(sc->heap, h);
                is_heap = true;
            }
            if (key > sc->heap[0].key) {
                tab[sc->heap[0].slot].live = 0; /* evicted: its similarity is lost */
                *ss = (vmis_cand){w, s, now, (uint32_t)u, 1};
                sc->heap[0] = e;
                heap8_sift_down(sc->heap, n_cand);
            } else {
                /* serenade: Q5, even if later entries with the same time are candidates.
                 * clean: nothing later in the list can be a candidate (see the top). */
                break;
            }
        }
    }

    /* 2. Neighbours. */
    const vmis_entry *nbr = sc->heap;
    size_t n_nbr = n_cand;
    if (n_cand > md->k) {
        n_nbr = select_neighbours(tab, sc->heap, n_cand, sc->nbr, md->k);
        nbr = sc->nbr;
    }

    /* 3. Item scores. A pipeline of prefetches runs ahead of the scoring: the offset of the
     * neighbour 4 VMIS_AHEAD places on, the items of the one 2 VMIS_AHEAD on, the accumulators
     * of the one VMIS_AHEAD on (so the loads of one neighbour overlap the work of another). */
    for (size_t c = 0; c < n_nbr; c++) {
        if (c + 4 * VMIS_AHEAD < n_nbr)
            sbr_knn_prefetch(&sess_off[nbr[c + 4 * VMIS_AHEAD].s]);
        if (c + 2 * VMIS_AHEAD < n_nbr)
            sbr_knn_prefetch(sess_items + sess_off[nbr[c + 2 * VMIS_AHEAD].s]);
        if (c + VMIS_AHEAD < n_nbr) {
            uint32_t a = nbr[c + VMIS_AHEAD].s;
            for (uint32_t j = sess_off[a]; j < sess_off[a + 1]; j++)
                sbr_knn_prefetch(&acc[sess_items[j]]);
        }
        uint32_t s = nbr[c].s;
        const uint32_t *items = sess_items + sess_off[s];
        size_t len = sess_off[s + 1] - sess_off[s];
        const vmis_cand *nc = &tab[nbr[c].slot];
        uint32_t pos = match_position(items, len, sc->by_pos, sc->by_item, U, nc->via);
        double p = (double)pos + 1.0, w;
        if (pos >= 99)
            w = 0.0;
        else {
            w = 1.0 - 0.1 * p;
            if (!md->serenade && w < 0)
                w = 0.0;
        }
        if (w == 0.0)
            continue; /* adds nothing */
        double sim = nc->sim;
        for (size_t j = 0; j < len; j++) {
            /* Without branches: whether the item is new to this call is a coin flip. */
            uint32_t i = items[j];
            bool fresh = acc[i].stamp != now;
            acc[i].stamp = now;
            sc->touched[n_touched] = i;
            n_touched += fresh;
            double base = fresh ? 0.0 : acc[i].score;
            acc[i].score = base + (w * acc[i].idf) * sim;
        }
    }

    /* The top n, without the last clicked item (unless remind). */
    if (md->remind)
        last = SBR_ITEM_UNKNOWN; /* no touched item has this index */
    if (q->n > 64) {
        sbr_topn top;
        sbr_topn_init(&top, out, q->n);
        for (size_t t = 0; t < n_touched; t++)
            if (sc->touched[t] != last)
                sbr_topn_push(&top, sc->touched[t], acc[sc->touched[t]].score);
        *n_out = sbr_topn_finish(&top, out);
        return SBR_OK;
    }
    size_t size = 0;
    for (size_t t = 0; t < n_touched; t++) {
        uint32_t i = sc->touched[t];
        if (i != last)
            sbr_knn_top_insert(out, &size, q->n, (sbr_scored){i, acc[i].score});
    }
    *n_out = size;
    return SBR_OK;
}

static size_t vmis_scratch_bytes(const sbr_model *model)
{
    const vmis_model *md = (const vmis_model *)model;
    size_t cap_m = md->m < md->n_sessions ? md->m : md->n_sessions;
    size_t cap_k = md->k < cap_m ? md->k : cap_m;
    return sizeof(vmis_scratch) + (cand_table_mask(md) + 1) * sizeof(vmis_cand) +
           (md->n_items + 1) * (sizeof(vmis_item_acc) + sizeof(uint32_t)) +
           (cap_m + 1 + cap_k + 1) * sizeof(vmis_entry) + 2 * md->last_items * sizeof(vmis_qitem);
}

/* The counts the model states (derived in fit, so written rather than derived again) and the
 * index. */
static sbr_rc vmis_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const vmis_model *md = (const vmis_model *)model;
    const uint64_t counts[] = {md->idf_fallback,    md->n_items, md->n_sessions, md->n_indexed,
                               md->n_indexed_items, md->max_len, md->n_pairs};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        sbr_mw_u64(w, counts[i]);
    sbr_mw_f64(w, md->idf_mult);
    sbr_mw_f64(w, md->max_len_estimate);
    sbr_session_index_save(md->ix, w);
    return SBR_OK;
}

static sbr_rc vmis_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    const vmis_config *cfg = config;
    vmis_model *md = calloc(1, sizeof *md);
    if (md == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "vmis: out of memory");
    md->base.algo = &sbr_algo_vmis;
    md->serenade = cfg->compat == VMIS_SERENADE;
    md->m = (size_t)cfg->m;
    md->k = (size_t)cfg->k;
    md->last_items = (size_t)cfg->last_items;
    md->remind = cfg->remind != 0;
    size_t fallback = 0;
    sbr_rc rc = sbr_mr_size(r, &fallback, 0, 1, err);
    size_t *sizes[] = {&md->n_items, &md->n_sessions, &md->n_indexed, &md->n_indexed_items,
                       &md->max_len};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == SBR_OK; i++)
        rc = sbr_mr_size(r, sizes[i], 0, UINT32_MAX, err);
    if (rc == SBR_OK)
        rc = sbr_mr_u64(r, &md->n_pairs, err);
    if (rc == SBR_OK)
        rc = sbr_mr_f64(r, &md->idf_mult, err);
    if (rc == SBR_OK)
        rc = sbr_mr_f64(r, &md->max_len_estimate, err);
    if (rc == SBR_OK)
        rc = sbr_session_index_load(r, &md->ix, err);
    if (rc == SBR_OK && (md->ix->n_items != md->n_items || md->ix->n_sessions != md->n_sessions))
        rc = sbr_err_set(err, SBR_EPARSE, "vmis: the model's counts do not match its index");
    md->idf_fallback = fallback == 1;
    if (rc != SBR_OK) {
        vmis_free(&md->base);
        return rc;
    }
    *out = &md->base;
    return SBR_OK;
}

const sbr_algo sbr_algo_vmis = {
    .abi = SBR_ALGO_ABI,
    .name = "vmis",
    .help = "VMIS-kNN (Serenade): recency-sampled session kNN with an item index",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = vmis_params,
    .config_size = sizeof(vmis_config),
    .tune_space = "m=int:100:2500; k=int:50:1500; last_items=int:1:20; idf=int:0:1; remind=int:0:1",
    .check = vmis_check,
    .fit = vmis_fit,
    .model_bytes = vmis_bytes,
    .scratch_bytes = vmis_scratch_bytes,
    .scratch_new = vmis_scratch_new,
    .scratch_free = vmis_scratch_free,
    .predict = vmis_predict,
    .save = vmis_save,
    .load = vmis_load,
    .free = vmis_free,
};
