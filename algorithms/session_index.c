/* session_index: see session_index.h.
 *
 * The build reads the kept clicks of every session into a temporary CSR (in dataset order),
 * sorts the sessions by recency, then writes each session's distinct items, and fills the
 * item lists in session-number order, which leaves every list most recent first without a
 * sort. Pruning (VMIS's long-session rule and its m most recent sessions per item) only
 * rebuilds the item lists from the sessions. */
#include "algorithms/session_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/knn_scratch.h"
#include "algorithms/model_file.h"
#include "algorithms/pyset.h"

uint64_t sbr_serenade_time(double t)
{
    double r = round(t);
    if (!(r > 0))
        return 0;
    if (r >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)r;
}

void sbr_session_index_free(sbr_session_index *ix)
{
    if (ix == NULL)
        return;
    free(ix->sess_off);
    free(ix->sess_items);
    free(ix->pair_count);
    free(ix->pair_last);
    free(ix->click_off);
    free(ix->click_items);
    free(ix->sess_time);
    free(ix->sess_key);
    free(ix->sess_src);
    free(ix->item_off);
    free(ix->item_sess);
    free(ix->item_count);
    free(ix->item_clicks);
    free(ix->item_n_sess);
    free(ix->idf);
    free(ix->sess_hash);
    free(ix->py_sess);
    free(ix->py_slot);
    free(ix->py_mask);
    free(ix);
}

size_t sbr_session_index_bytes(const sbr_session_index *ix)
{
    size_t ns = ix->n_sessions, ni = ix->n_items, np = (size_t)ix->n_pairs;
    size_t nl = ix->item_off[ni];
    size_t b = sizeof *ix + (ns + 1) * sizeof *ix->sess_off + np * sizeof *ix->sess_items +
               ns * (sizeof *ix->sess_time + sizeof *ix->sess_key + sizeof *ix->sess_src) +
               (ni + 1) * sizeof *ix->item_off + nl * sizeof *ix->item_sess +
               ni * (sizeof *ix->item_clicks + sizeof *ix->item_n_sess);
    if (ix->pair_count != NULL)
        b += np * (sizeof *ix->pair_count + sizeof *ix->pair_last);
    if (ix->click_off != NULL)
        b += (ns + 1) * sizeof *ix->click_off + ix->click_off[ns] * sizeof *ix->click_items;
    if (ix->item_count != NULL)
        b += nl * sizeof *ix->item_count;
    if (ix->idf != NULL)
        b += ni * sizeof *ix->idf;
    if (ix->py_mask != NULL)
        b += ns * sizeof *ix->sess_hash + 2 * np * sizeof(uint32_t) + ni * sizeof *ix->py_mask;
    return b;
}

uint32_t sbr_session_index_find(const sbr_session_index *ix, size_t src)
{
    for (size_t r = 0; r < ix->n_sessions; r++)
        if (ix->sess_src[r] == src)
            return (uint32_t)r;
    return UINT32_MAX;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* The kept clicks of the sessions read, in dataset order. */
typedef struct reading {
    size_t n;             /* sessions read */
    uint32_t *off;        /* [n + 1] */
    const uint32_t *item; /* the clicks: own_item, or the dataset's items when all are read */
    uint32_t *own_item;   /* the kept clicks' copy (NULL when item is the dataset's) */
    sbr_knn_timed *order; /* [n] {time, k} of the k-th session read; build_sessions sorts it */
    uint32_t *src;        /* [n] dataset session index (NULL when every session is read: k) */
} reading;

static void reading_fini(reading *rd)
{
    free(rd->off);
    free(rd->own_item);
    free(rd->order);
    free(rd->src);
}

/* Every click at or after the cutoff. With no cutoff the clicks are the dataset's own items
 * (no copy: at 60M clicks that is 240 MB less at the fit's peak). */
static sbr_rc read_all(const sbr_dataset *ds, long last_n_days, reading *rd)
{
    double cutoff = -INFINITY;
    if (last_n_days > 0 && ds->n_clicks > 0) {
        double first, last;
        sbr_dataset_time_range(ds, &first, &last);
        cutoff = floor(last / 86400.0) * 86400.0 - (double)last_n_days * 86400.0;
    }
    if (cutoff == -INFINITY) {
        rd->item = ds->items;
        for (size_t s = 0; s < ds->n_sessions; s++) {
            rd->off[s] = (uint32_t)ds->offsets[s];
            rd->order[s] = (sbr_knn_timed){sbr_dataset_session_end(ds, s), (uint32_t)s};
        }
        rd->n = ds->n_sessions;
        rd->off[rd->n] = (uint32_t)ds->n_clicks;
        return SBR_OK;
    }
    rd->own_item = sbr_alloc_array(ds->n_clicks + 1, sizeof *rd->own_item);
    rd->src = sbr_alloc_array(ds->n_sessions + 1, sizeof *rd->src);
    if (rd->own_item == NULL || rd->src == NULL)
        return SBR_ENOMEM;
    rd->item = rd->own_item;
    uint32_t fill = 0;
    rd->n = 0;
    rd->off[0] = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        size_t c = ds->offsets[s]; /* clicks are time-sorted within a session */
        while (c < ds->offsets[s + 1] && ds->times[c] < cutoff)
            c++;
        if (c == ds->offsets[s + 1])
            continue;
        for (; c < ds->offsets[s + 1]; c++)
            rd->own_item[fill++] = ds->items[c];
        rd->order[rd->n] = (sbr_knn_timed){sbr_dataset_session_end(ds, s), (uint32_t)rd->n};
        rd->src[rd->n] = (uint32_t)s;
        rd->off[++rd->n] = fill;
    }
    return SBR_OK;
}

/* One click as Serenade's reader meets it. */
typedef struct serenade_row {
    uint64_t row;
    uint32_t item;
    double time;
} serenade_row;

static int row_cmp(const void *a, const void *b)
{
    const serenade_row *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

/* Serenade's reading (Q1, Q2). stamp is an [n_items] array of zeros. */
static sbr_rc read_serenade(const sbr_dataset *ds, uint32_t *stamp, reading *rd)
{
    size_t max_len = 0;
    for (size_t s = 0; s < ds->n_sessions; s++)
        if (sbr_dataset_session_len(ds, s) > max_len)
            max_len = sbr_dataset_session_len(ds, s);
    serenade_row *rows = sbr_alloc_array(max_len + 1, sizeof *rows);
    rd->own_item = sbr_alloc_array(ds->n_clicks + 1, sizeof *rd->own_item);
    rd->src = sbr_alloc_array(ds->n_sessions + 1, sizeof *rd->src);
    if (rows == NULL || rd->own_item == NULL || rd->src == NULL) {
        free(rows);
        return SBR_ENOMEM;
    }
    rd->item = rd->own_item;
    uint32_t fill = 0;
    rd->n = 0;
    rd->off[0] = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        size_t a = ds->offsets[s], len = ds->offsets[s + 1] - a;
        for (size_t c = 0; c < len; c++)
            rows[c] =
                (serenade_row){sbr_dataset_row(ds, a + c), ds->items[a + c], ds->times[a + c]};
        qsort(rows, len, sizeof *rows, row_cmp);
        if (s == ds->n_sessions - 1)
            len--; /* Q1: the final row of the session-sorted file is never indexed */
        if (len == 0)
            continue;
        uint32_t mark = (uint32_t)s + 1;
        uint64_t max_ts = 0;
        for (size_t c = 0; c < len; c++) {
            rd->own_item[fill++] = rows[c].item;
            if (stamp[rows[c].item] == mark)
                continue; /* a repeat: no time (Q2) */
            stamp[rows[c].item] = mark;
            uint64_t ts = sbr_serenade_time(rows[c].time);
            if (c == 0 || ts > max_ts)
                max_ts = ts;
        }
        rd->order[rd->n] = (sbr_knn_timed){(double)(uint32_t)max_ts, (uint32_t)rd->n};
        rd->src[rd->n] = (uint32_t)s;
        rd->off[++rd->n] = fill;
    }
    free(rows);
    return SBR_OK;
}

/* ---- item lists --------------------------------------------------------------------------- */

/* (Re)builds item_off, item_sess, item_n_sess and, with `counts`, item_count from the
 * sessions. */
static sbr_rc build_lists(sbr_session_index *ix, size_t max_len, size_t max_per_item, bool counts)
{
    size_t ni = ix->n_items, ns = ix->n_sessions;
    uint32_t *n_sess = calloc(ni + 1, sizeof *n_sess);
    uint32_t *off = sbr_alloc_hot(ni + 1, sizeof *off); /* read at random by predict */
    uint32_t *fill = calloc(ni + 1, sizeof *fill);
    sbr_sess_ref *list = NULL;
    uint32_t *count = NULL;
    if (n_sess == NULL || off == NULL || fill == NULL)
        goto oom;
    size_t n_indexed = 0;
    uint64_t n_listed = 0;
    for (size_t r = 0; r < ns; r++) {
        size_t len = ix->sess_off[r + 1] - ix->sess_off[r];
        if (len > max_len)
            continue;
        n_indexed++;
        n_listed += len;
        for (uint32_t p = ix->sess_off[r]; p < ix->sess_off[r + 1]; p++)
            n_sess[ix->sess_items[p]]++;
    }
    off[0] = 0;
    for (size_t i = 0; i < ni; i++) {
        uint32_t keep = n_sess[i];
        if (keep > max_per_item)
            keep = (uint32_t)max_per_item;
        off[i + 1] = off[i] + keep;
    }
    list = sbr_alloc_hot((size_t)off[ni] + 1, sizeof *list);
    if (counts)
        count = sbr_alloc_array((size_t)off[ni] + 1, sizeof *count);
    if (list == NULL || (counts && count == NULL))
        goto oom;
    for (size_t r = 0; r < ns; r++) {
        size_t len = ix->sess_off[r + 1] - ix->sess_off[r];
        if (len > max_len)
            continue;
        for (uint32_t p = ix->sess_off[r]; p < ix->sess_off[r + 1]; p++) {
            uint32_t i = ix->sess_items[p];
            if (fill[i] == off[i + 1] - off[i])
                continue; /* the item has its max_per_item most recent */
            size_t at = off[i] + fill[i]++;
            list[at] = (sbr_sess_ref){(uint32_t)r, ix->sess_key[r]};
            if (count != NULL)
                count[at] = ix->pair_count[p];
        }
    }
    free(fill);
    free(ix->item_n_sess);
    free(ix->item_off);
    free(ix->item_sess);
    if (count != NULL) {
        free(ix->item_count);
        ix->item_count = count;
    }
    ix->item_n_sess = n_sess;
    ix->item_off = off;
    ix->item_sess = list;
    ix->n_indexed = n_indexed;
    ix->n_pairs_listed = n_listed;
    return SBR_OK;
oom:
    free(n_sess);
    free(off);
    free(fill);
    free(list);
    free(count);
    return SBR_ENOMEM;
}

/* Python's set of each item's sessions, built by adding them in SessionId order. rank_of maps
 * a session read (dataset order) to its number. */
static sbr_rc build_pysets(sbr_session_index *ix, const sbr_dataset *train, const uint32_t *rank_of,
                           size_t n_read)
{
    size_t ns = ix->n_sessions, ni = ix->n_items, np = (size_t)ix->n_pairs;
    ix->py_cap = 16;
    while (ix->py_cap <= 4 * ns)
        ix->py_cap <<= 1;
    uint32_t *by_id = sbr_alloc_array(np + 1, sizeof *by_id);
    uint32_t *fill = calloc(ni + 1, sizeof *fill);
    uint32_t *buf = sbr_alloc_array(ix->py_cap, sizeof *buf);
    uint32_t *spare = sbr_alloc_array(ix->py_cap, sizeof *spare);
    ix->sess_hash = sbr_alloc_array(ns + 1, sizeof *ix->sess_hash);
    ix->py_sess = sbr_alloc_array(np + 1, sizeof *ix->py_sess);
    ix->py_slot = sbr_alloc_array(np + 1, sizeof *ix->py_slot);
    ix->py_mask = sbr_alloc_array(ni + 1, sizeof *ix->py_mask);
    sbr_rc rc = SBR_ENOMEM;
    if (by_id == NULL || fill == NULL || buf == NULL || spare == NULL || ix->sess_hash == NULL ||
        ix->py_sess == NULL || ix->py_slot == NULL || ix->py_mask == NULL)
        goto done;
    for (size_t r = 0; r < ns; r++)
        ix->sess_hash[r] =
            sbr_dataset_session_id(train, ix->sess_src[r]) % ((UINT64_C(1) << 61) - 1);
    for (size_t k = 0; k < n_read; k++) {
        uint32_t r = rank_of[k];
        for (uint32_t p = ix->sess_off[r]; p < ix->sess_off[r + 1]; p++) {
            uint32_t i = ix->sess_items[p];
            by_id[ix->item_off[i] + fill[i]++] = r;
        }
    }
    for (size_t i = 0; i < ni; i++) {
        sbr_pyset set;
        sbr_pyset_init(&set, buf);
        for (uint32_t p = ix->item_off[i]; p < ix->item_off[i + 1]; p++)
            sbr_pyset_add(&set, by_id[p], &spare, ix->sess_hash);
        sbr_pyset_list(&set, ix->py_sess + ix->item_off[i], ix->py_slot + ix->item_off[i]);
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

/* ---- build -------------------------------------------------------------------------------- */

/* Sessions by recency, their distinct items (and pair statistics), keys and click lists. */
static sbr_rc build_sessions(sbr_session_index *ix, const sbr_session_index_opts *opts,
                             const reading *rd, uint32_t *rank_of, uint32_t *stamp, uint32_t *where)
{
    size_t ns = rd->n, n_clicks = rd->off[ns];
    sbr_knn_timed *order = rd->order;
    qsort(order, ns, sizeof *order, sbr_knn_recency_cmp);
    bool stats = opts->pair_stats || opts->list_counts;
    ix->n_sessions = ns;
    /* The arrays predict reads at random go on huge pages where available (sbr_alloc_hot). */
    ix->sess_off = sbr_alloc_hot(ns + 1, sizeof *ix->sess_off);
    ix->sess_items = sbr_alloc_hot(n_clicks + 1, sizeof *ix->sess_items);
    ix->sess_time = sbr_alloc_array(ns + 1, sizeof *ix->sess_time);
    ix->sess_key = sbr_alloc_array(ns + 1, sizeof *ix->sess_key);
    ix->sess_src = sbr_alloc_array(ns + 1, sizeof *ix->sess_src);
    ix->item_clicks = calloc(ix->n_items + 1, sizeof *ix->item_clicks);
    if (ix->sess_off == NULL || ix->sess_items == NULL || ix->sess_time == NULL ||
        ix->sess_key == NULL || ix->sess_src == NULL || ix->item_clicks == NULL)
        return SBR_ENOMEM;
    if (stats) {
        ix->pair_count = sbr_alloc_array(n_clicks + 1, sizeof *ix->pair_count);
        ix->pair_last = sbr_alloc_array(n_clicks + 1, sizeof *ix->pair_last);
        if (ix->pair_count == NULL || ix->pair_last == NULL)
            return SBR_ENOMEM;
    }
    if (opts->click_order) {
        ix->click_off = sbr_alloc_array(ns + 1, sizeof *ix->click_off);
        ix->click_items = sbr_alloc_array(n_clicks + 1, sizeof *ix->click_items);
        if (ix->click_off == NULL || ix->click_items == NULL)
            return SBR_ENOMEM;
        ix->click_off[0] = 0;
    }
    uint32_t n_pairs = 0;
    ix->sess_off[0] = 0;
    for (size_t r = 0; r < ns; r++) {
        uint32_t k = order[r].s, a = rd->off[k], len = rd->off[k + 1] - a, begin = n_pairs;
        if (rank_of != NULL)
            rank_of[k] = (uint32_t)r;
        ix->sess_time[r] = order[r].time;
        ix->sess_src[r] = rd->src != NULL ? rd->src[k] : k;
        if (len > ix->max_clicks)
            ix->max_clicks = len;
        for (uint32_t c = a; c < a + len; c++) {
            uint32_t i = rd->item[c];
            ix->item_clicks[i]++;
            if (stamp[i] != r + 1) {
                stamp[i] = (uint32_t)(r + 1);
                ix->sess_items[n_pairs++] = i;
            }
        }
        qsort(ix->sess_items + begin, n_pairs - begin, sizeof *ix->sess_items, sbr_knn_u32_cmp);
        ix->sess_off[r + 1] = n_pairs;
        if (stats) {
            for (uint32_t p = begin; p < n_pairs; p++) {
                where[ix->sess_items[p]] = p;
                ix->pair_count[p] = 0;
            }
            for (uint32_t t = 0; t < len; t++) {
                uint32_t p = where[rd->item[a + t]];
                ix->pair_count[p]++;
                ix->pair_last[p] = t + 1;
            }
        }
        if (opts->click_order) {
            memcpy(ix->click_items + ix->click_off[r], rd->item + a, len * sizeof *rd->item);
            ix->click_off[r + 1] = ix->click_off[r] + len;
        }
    }
    ix->n_pairs = n_pairs;
    if (n_pairs > 0) { /* give back the room of repeated clicks; failure is harmless */
        (void)sbr_grow_array(&ix->sess_items, n_pairs, sizeof *ix->sess_items);
        if (stats) {
            (void)sbr_grow_array(&ix->pair_count, n_pairs, sizeof *ix->pair_count);
            (void)sbr_grow_array(&ix->pair_last, n_pairs, sizeof *ix->pair_last);
        }
    }
    for (size_t r = ns; r-- > 0;) {
        if (opts->key == SBR_KEY_STRICT)
            ix->sess_key[r] = (uint32_t)(ns - 1 - r);
        else if (r == ns - 1)
            ix->sess_key[r] = 0;
        else
            ix->sess_key[r] = ix->sess_key[r + 1] + (ix->sess_time[r] != ix->sess_time[r + 1]);
    }
    return SBR_OK;
}

sbr_rc sbr_session_index_build(const sbr_dataset *train, const sbr_session_index_opts *opts,
                               const char *who, sbr_session_index **out, sbr_err *err)
{
    *out = NULL;
    if (train->n_sessions >= UINT32_MAX || train->n_clicks >= UINT32_MAX ||
        train->n_items >= UINT32_MAX)
        return sbr_err_set(err, SBR_EINVAL,
                           "%s: the session index is limited to 2^32 - 2 sessions, clicks and "
                           "items (%zu sessions, %zu clicks, %zu items)",
                           who, train->n_sessions, train->n_clicks, train->n_items);
    size_t n_ds = train->n_sessions, ni = train->n_items;
    sbr_session_index *ix = calloc(1, sizeof *ix);
    reading rd = {0, NULL, NULL, NULL, NULL, NULL};
    uint32_t *rank_of = NULL, *stamp = NULL, *where = NULL;
    if (ix == NULL)
        goto oom;
    ix->n_items = ni;
    /* The fit's peak memory is here (the dataset, the reading and the sessions being built),
     * so the reading holds only what build_sessions needs: 4 + 16 bytes per session, the
     * clicks themselves only when not all are read. */
    rd.off = sbr_alloc_array(n_ds + 1, sizeof *rd.off);
    rd.order = sbr_alloc_array(n_ds + 1, sizeof *rd.order);
    stamp = calloc(ni + 1, sizeof *stamp);
    where = sbr_alloc_array(ni + 1, sizeof *where);
    if (opts->pysets)
        rank_of = sbr_alloc_array(n_ds + 1, sizeof *rank_of);
    if (rd.off == NULL || rd.order == NULL || stamp == NULL || where == NULL ||
        (opts->pysets && rank_of == NULL))
        goto oom;
    if (opts->reading == SBR_READ_SERENADE) {
        if (read_serenade(train, stamp, &rd) != SBR_OK)
            goto oom;
        memset(stamp, 0, (ni + 1) * sizeof *stamp);
    } else if (read_all(train, opts->last_n_days, &rd) != SBR_OK) {
        goto oom;
    }
    if (build_sessions(ix, opts, &rd, rank_of, stamp, where) != SBR_OK)
        goto oom;
    size_t n_read = rd.n;
    reading_fini(&rd); /* before the lists: the copy of the clicks is not needed any more */
    memset(&rd, 0, sizeof rd);
    if ((!opts->no_lists || opts->pysets) &&
        build_lists(ix, SIZE_MAX, SIZE_MAX, opts->list_counts) != SBR_OK)
        goto oom;
    if (opts->pysets && build_pysets(ix, train, rank_of, n_read) != SBR_OK)
        goto oom;
    free(rank_of);
    free(stamp);
    free(where);
    *out = ix;
    return SBR_OK;
oom:
    reading_fini(&rd);
    free(rank_of);
    free(stamp);
    free(where);
    sbr_session_index_free(ix);
    return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for the session index of %zu clicks",
                       who, train->n_clicks);
}

sbr_rc sbr_session_index_prune(sbr_session_index *ix, size_t max_len, size_t max_per_item,
                               const char *who, sbr_err *err)
{
    if (ix->py_mask != NULL)
        return sbr_err_set(err, SBR_EINVAL, "%s: a session index with set tables is not pruned",
                           who);
    if (build_lists(ix, max_len, max_per_item, ix->item_count != NULL) != SBR_OK)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory pruning the session index", who);
    return SBR_OK;
}

sbr_rc sbr_session_index_set_idf(sbr_session_index *ix, sbr_idf_kind kind, const char *who,
                                 sbr_err *err)
{
    double *idf = sbr_alloc_array(ix->n_items + 1, sizeof *idf);
    if (idf == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for the idf", who);
    for (size_t i = 0; i < ix->n_items; i++) {
        double n = kind == SBR_IDF_CLICKS ? (double)ix->item_clicks[i] : (double)ix->item_n_sess[i];
        double total = kind == SBR_IDF_PAIRS ? (double)ix->n_pairs_listed : (double)ix->n_indexed;
        idf[i] = n > 0 ? log(total / n) : 0.0;
    }
    free(ix->idf);
    ix->idf = idf;
    return SBR_OK;
}

/* ---- model files ------------------------------------------------------------------------- */

/* An optional array: a presence flag, then the array. */
static void save_opt(sbr_model_writer *w, const void *p, size_t count, size_t elem)
{
    sbr_mw_u64(w, p != NULL);
    if (p != NULL)
        sbr_mw_array(w, p, count, elem);
}

void sbr_session_index_save(const sbr_session_index *ix, sbr_model_writer *w)
{
    size_t ns = ix->n_sessions, ni = ix->n_items, np = (size_t)ix->n_pairs;
    size_t nl = ix->item_off[ni];
    const uint64_t counts[] = {
        ni, ns, ix->n_indexed, ix->n_pairs, ix->n_pairs_listed, ix->max_clicks, ix->py_cap};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        sbr_mw_u64(w, counts[i]);
    sbr_mw_array(w, ix->sess_off, ns + 1, sizeof *ix->sess_off);
    sbr_mw_array(w, ix->sess_items, np, sizeof *ix->sess_items);
    save_opt(w, ix->pair_count, np, sizeof *ix->pair_count);
    save_opt(w, ix->pair_last, np, sizeof *ix->pair_last);
    save_opt(w, ix->click_off, ns + 1, sizeof *ix->click_off);
    save_opt(w, ix->click_items, ix->click_off != NULL ? ix->click_off[ns] : 0,
             sizeof *ix->click_items);
    sbr_mw_array(w, ix->sess_time, ns, sizeof *ix->sess_time);
    sbr_mw_array(w, ix->sess_key, ns, sizeof *ix->sess_key);
    sbr_mw_array(w, ix->sess_src, ns, sizeof *ix->sess_src);
    sbr_mw_array(w, ix->item_off, ni + 1, sizeof *ix->item_off);
    sbr_mw_array(w, ix->item_sess, nl, sizeof *ix->item_sess);
    save_opt(w, ix->item_count, nl, sizeof *ix->item_count);
    sbr_mw_array(w, ix->item_clicks, ni, sizeof *ix->item_clicks);
    sbr_mw_array(w, ix->item_n_sess, ni, sizeof *ix->item_n_sess);
    save_opt(w, ix->idf, ni, sizeof *ix->idf);
    save_opt(w, ix->sess_hash, ns, sizeof *ix->sess_hash);
    save_opt(w, ix->py_sess, nl, sizeof *ix->py_sess);
    save_opt(w, ix->py_slot, nl, sizeof *ix->py_slot);
    save_opt(w, ix->py_mask, ni, sizeof *ix->py_mask);
}

static sbr_rc load_opt(sbr_model_reader *r, void **p, size_t count, size_t elem, sbr_err *err)
{
    size_t present = 0;
    sbr_rc rc = sbr_mr_size(r, &present, 0, 1, err);
    *p = NULL;
    return rc != SBR_OK || !present ? rc : sbr_mr_array_n(r, p, count, elem, err);
}

/* Offsets off[0..n] start at 0, ascend and end at `end`. */
static bool offsets_ok(const uint32_t *off, size_t n, size_t end)
{
    if (off[0] != 0 || off[n] != end)
        return false;
    for (size_t i = 0; i < n; i++)
        if (off[i] > off[i + 1])
            return false;
    return true;
}

static bool below(const uint32_t *v, size_t n, size_t limit)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= limit)
            return false;
    return true;
}

/* Whether each session's distinct items ascend strictly (sess_off already checked). */
static bool sessions_sorted(const sbr_session_index *ix)
{
    for (size_t r = 0; r < ix->n_sessions; r++)
        for (uint32_t e = ix->sess_off[r] + 1; e < ix->sess_off[r + 1]; e++)
            if (ix->sess_items[e - 1] >= ix->sess_items[e])
                return false;
    return true;
}

/* Whether session r holds item i (its items ascend). */
static bool session_has(const sbr_session_index *ix, uint32_t r, uint32_t i)
{
    uint32_t lo = ix->sess_off[r], hi = ix->sess_off[r + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->sess_items[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->sess_off[r + 1] && ix->sess_items[lo] == i;
}

sbr_rc sbr_session_index_load(sbr_model_reader *r, sbr_session_index **out, sbr_err *err)
{
    *out = NULL;
    sbr_session_index *ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "session index: out of memory");
    size_t ns = 0, ni = 0, np = 0, nl = 0, n_listed = 0;
    sbr_rc rc = sbr_mr_size(r, &ni, 0, UINT32_MAX - 1, err);
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &ns, 0, UINT32_MAX - 1, err);
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &ix->n_indexed, 0, ns, err);
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &np, 0, UINT32_MAX - 1, err);
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &n_listed, 0, np, err);
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &ix->max_clicks, 0, UINT32_MAX - 1, err);
    if (rc == SBR_OK)
        rc = sbr_mr_size(r, &ix->py_cap, 0, SIZE_MAX / 8, err);
    ix->n_items = ni;
    ix->n_sessions = ns;
    ix->n_pairs = np;
    ix->n_pairs_listed = n_listed;
#define READ(field, count)                                                                         \
    if (rc == SBR_OK)                                                                              \
    rc = sbr_mr_array_n(r, (void **)&ix->field, (count), sizeof *ix->field, err)
#define READ_OPT(field, count)                                                                     \
    if (rc == SBR_OK)                                                                              \
    rc = load_opt(r, (void **)&ix->field, (count), sizeof *ix->field, err)
    READ(sess_off, ns + 1);
    READ(sess_items, np);
    READ_OPT(pair_count, np);
    READ_OPT(pair_last, np);
    READ_OPT(click_off, ns + 1);
    READ_OPT(click_items, ix->click_off != NULL ? ix->click_off[ns] : 0);
    READ(sess_time, ns);
    READ(sess_key, ns);
    READ(sess_src, ns);
    READ(item_off, ni + 1);
    nl = rc == SBR_OK ? ix->item_off[ni] : 0;
    READ(item_sess, nl);
    READ_OPT(item_count, nl);
    READ(item_clicks, ni);
    READ(item_n_sess, ni);
    READ_OPT(idf, ni);
    READ_OPT(sess_hash, ns);
    READ_OPT(py_sess, nl);
    READ_OPT(py_slot, nl);
    READ_OPT(py_mask, ni);
#undef READ
#undef READ_OPT
    if (rc == SBR_OK) {
        bool ok = offsets_ok(ix->sess_off, ns, np) && below(ix->sess_items, np, ni) &&
                  offsets_ok(ix->item_off, ni, nl) && below(ix->sess_src, ns, UINT32_MAX);
        for (size_t e = 0; ok && e < nl; e++)
            ok =
                ix->item_sess[e].s < ns && ix->item_sess[e].key == ix->sess_key[ix->item_sess[e].s];
        /* An item's sessions come most recent first, each once (the candidate merge of
         * knn_sample.c drops repeats only when adjacent, into a buffer of n_sessions), and hold
         * it (the kNN scorers find a shared item in every candidate); a last click lies within
         * the longest session (vstan indexes a table by it). */
        for (size_t i = 0; ok && i < ni; i++)
            for (size_t e = ix->item_off[i] + 1; ok && e < ix->item_off[i + 1]; e++)
                ok = ix->item_sess[e - 1].s < ix->item_sess[e].s;
        ok = ok && sessions_sorted(ix);
        for (size_t i = 0; ok && i < ni; i++)
            for (size_t e = ix->item_off[i]; ok && e < ix->item_off[i + 1]; e++)
                ok = session_has(ix, ix->item_sess[e].s, (uint32_t)i);
        for (size_t e = 0; ok && ix->pair_last != NULL && e < np; e++)
            ok = ix->pair_last[e] >= 1 && ix->pair_last[e] <= ix->max_clicks;
        if (ok && ix->click_off != NULL)
            ok = offsets_ok(ix->click_off, ns, ix->click_off[ns]) &&
                 below(ix->click_items, ix->click_off[ns], ni);
        if (ok && ix->py_sess != NULL)
            ok = below(ix->py_sess, nl, ns) && ix->sess_hash != NULL && ix->py_slot != NULL &&
                 ix->py_mask != NULL;
        /* The emulated sets' tables hold py_cap slots: every mask and slot must fit. */
        for (size_t i = 0; ok && ix->py_mask != NULL && i < ni; i++) {
            ok = ix->py_mask[i] < ix->py_cap;
            for (size_t e = ix->item_off[i]; ok && e < ix->item_off[i + 1]; e++)
                ok = ix->py_slot[e] <= ix->py_mask[i];
        }
        for (size_t r2 = 0; ok && r2 < ns; r2++)
            ok = ix->sess_off[r2 + 1] - ix->sess_off[r2] <= ix->max_clicks || ix->click_off != NULL;
        if (!ok)
            rc = sbr_err_set(err, SBR_EPARSE, "session index: inconsistent arrays in the model");
    }
    if (rc != SBR_OK) {
        sbr_session_index_free(ix);
        return rc;
    }
    *out = ix;
    return SBR_OK;
}
