#include "data/dataset.h"

#include <stdlib.h>
#include <string.h>

/* Total order: session, then time, then file row. Row ordinals are distinct, so qsort's
 * instability cannot show. */
static int click_cmp(const void *a, const void *b)
{
    const sbr_click *x = a, *y = b;
    if (x->session != y->session)
        return x->session < y->session ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The position of key in the ascending array a[0..n), or n when absent. */
static size_t find_u64(const uint64_t *a, size_t n, uint64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == key ? lo : n;
}

/* ---- session ids as runs ------------------------------------------------------------------ */

/* SessionIds appended in ascending order: kept as runs of consecutive ids while runs are few,
 * as the array once they stop paying (more than 1,024 runs and more than one per 16 ids). */
typedef struct id_sink {
    uint64_t *ids;    /* the array, once switched (NULL before) */
    sbr_id_run *runs; /* while ids is NULL */
    size_t n, n_runs, cap;
    uint64_t last;
} id_sink;

enum { ID_RUNS_MIN = 1024, ID_RUNS_PER = 16 };

static void id_sink_fini(id_sink *k)
{
    free(k->ids);
    free(k->runs);
    memset(k, 0, sizeof *k);
}

/* Turns the runs into the array, room for `cap` ids. False when out of memory. */
static bool id_sink_to_array(id_sink *k, size_t cap)
{
    uint64_t *ids = sbr_alloc_array(cap > 0 ? cap : 1, sizeof *ids);
    if (ids == NULL)
        return false;
    for (size_t s = 0; s < k->n; s++)
        ids[s] = sbr_id_runs_get(k->runs, k->n_runs, s);
    free(k->runs);
    k->runs = NULL;
    k->n_runs = 0;
    k->ids = ids;
    k->cap = cap;
    return true;
}

static bool id_sink_add(id_sink *k, uint64_t id)
{
    if (k->ids == NULL && k->n > 0 && id == k->last + 1) {
        k->n++; /* the run goes on */
        k->last = id;
        return true;
    }
    if (k->ids == NULL && k->n_runs >= ID_RUNS_MIN && k->n_runs > k->n / ID_RUNS_PER &&
        !id_sink_to_array(k, 2 * k->n))
        return false;
    if (k->ids != NULL) {
        if (k->n == k->cap) {
            if (sbr_grow_array(&k->ids, 2 * k->cap + 16, sizeof *k->ids) != SBR_OK)
                return false;
            k->cap = 2 * k->cap + 16;
        }
        k->ids[k->n] = id;
    } else {
        if (k->n_runs == k->cap) {
            if (sbr_grow_array(&k->runs, 2 * k->cap + 16, sizeof *k->runs) != SBR_OK)
                return false;
            k->cap = 2 * k->cap + 16;
        }
        k->runs[k->n_runs++] = (sbr_id_run){k->n, id};
    }
    k->n++;
    k->last = id;
    return true;
}

/* The id of the s-th id added. */
static uint64_t id_sink_get(const id_sink *k, size_t s)
{
    return k->ids != NULL ? k->ids[s] : sbr_id_runs_get(k->runs, k->n_runs, s);
}

/* Hands the ids to ds (runs only where they are at most a sixteenth of the ids, else the
 * array), trimmed; the sink is then empty. False when out of memory (ds unchanged). */
static bool id_sink_give(id_sink *k, sbr_dataset *ds)
{
    if (k->ids == NULL && k->n_runs * ID_RUNS_PER > k->n && !id_sink_to_array(k, k->n))
        return false;
    if (k->ids != NULL) {
        (void)sbr_grow_array(&k->ids, k->n > 0 ? k->n : 1, sizeof *k->ids);
    } else if (k->n_runs > 0) {
        (void)sbr_grow_array(&k->runs, k->n_runs, sizeof *k->runs);
    }
    ds->session_ids = k->ids;
    ds->id_runs = k->runs;
    ds->n_id_runs = k->n_runs;
    if (ds->session_ids == NULL && ds->n_id_runs == 0) /* no sessions: an empty array */
        ds->session_ids = malloc(1);
    memset(k, 0, sizeof *k);
    return ds->session_ids != NULL || ds->id_runs != NULL;
}

/* An empty dataset with arrays sized for the counts (offsets[0] = 0); the rows column only
 * `with_rows`; no session ids (the caller gives them, id_sink_give). */
static sbr_dataset *dataset_alloc(size_t n_sessions, size_t n_clicks, size_t n_items,
                                  bool with_rows)
{
    sbr_dataset *ds = calloc(1, sizeof *ds);
    if (ds == NULL)
        return NULL;
    ds->n_sessions = n_sessions;
    ds->n_clicks = n_clicks;
    ds->n_items = n_items;
    ds->offsets = sbr_alloc_array(n_sessions + 1, sizeof *ds->offsets);
    ds->items = sbr_alloc_array(n_clicks, sizeof *ds->items);
    ds->times = sbr_alloc_array(n_clicks, sizeof *ds->times);
    ds->rows = with_rows ? sbr_alloc_array(n_clicks, sizeof *ds->rows) : NULL;
    ds->item_ids = sbr_alloc_array(n_items, sizeof *ds->item_ids);
    if (!ds->offsets || !ds->items || !ds->times || (with_rows && !ds->rows) || !ds->item_ids) {
        sbr_dataset_free(ds);
        return NULL;
    }
    ds->offsets[0] = 0;
    return ds;
}

/* The distinct item ids of the clicks, interned in an open-addressing hash table (linear
 * probing, Fibonacci hashing), then ranked: one hashed look-up per click instead of sorting
 * every click's id and searching the sorted ids for each click. */
struct item_slot {
    uint64_t key;
    uint32_t value; /* UINT32_MAX: empty slot; else the rank once ranked */
};

typedef struct item_table {
    struct item_slot *slots; /* key and value side by side: one cache line per probe */
    size_t mask;             /* slots - 1, a power of two minus one */
    int shift;               /* 64 - log2(slots) */
    size_t n;                /* distinct keys held */
} item_table;

static size_t item_slot(const item_table *t, uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> t->shift);
}

static bool item_table_init(item_table *t, int log2_slots)
{
    size_t slots = (size_t)1 << log2_slots;
    t->slots = sbr_alloc_array(slots, sizeof *t->slots);
    t->mask = slots - 1;
    t->shift = 64 - log2_slots;
    t->n = 0;
    if (t->slots == NULL)
        return false;
    memset(t->slots, 0xff, slots * sizeof *t->slots);
    return true;
}

static void item_table_fini(item_table *t)
{
    free(t->slots);
}

/* Adds key with `value` if absent; false when out of memory. The table stays at most half
 * full. */
static bool item_table_add(item_table *t, uint64_t key, uint32_t value)
{
    size_t i = item_slot(t, key);
    while (t->slots[i].value != UINT32_MAX) {
        if (t->slots[i].key == key)
            return true;
        i = (i + 1) & t->mask;
    }
    t->slots[i].key = key;
    t->slots[i].value = value;
    if (++t->n * 2 <= t->mask + 1)
        return true;
    item_table bigger;
    if (!item_table_init(&bigger, 64 - t->shift + 1)) {
        item_table_fini(&bigger);
        return false;
    }
    for (size_t j = 0; j <= t->mask; j++) {
        if (t->slots[j].value == UINT32_MAX)
            continue;
        size_t k = item_slot(&bigger, t->slots[j].key);
        while (bigger.slots[k].value != UINT32_MAX)
            k = (k + 1) & bigger.mask;
        bigger.slots[k].key = t->slots[j].key;
        bigger.slots[k].value = t->slots[j].value;
    }
    bigger.n = t->n;
    item_table_fini(t);
    *t = bigger;
    return true;
}

/* The value of a key that is in the table. */
static uint32_t item_table_get(const item_table *t, uint64_t key)
{
    size_t i = item_slot(t, key);
    while (t->slots[i].key != key || t->slots[i].value == UINT32_MAX)
        i = (i + 1) & t->mask;
    return t->slots[i].value;
}

sbr_rc sbr_dataset_from_clicks(sbr_click *clicks, size_t n, sbr_dataset **out, sbr_err *err)
{
    *out = NULL;
    /* Files are usually written in this order already: then the sort is one check. */
    bool sorted = true;
    for (size_t c = 1; c < n && sorted; c++)
        sorted = click_cmp(&clicks[c - 1], &clicks[c]) < 0;
    if (!sorted)
        qsort(clicks, n, sizeof *clicks, click_cmp);

    /* Distinct items, ascending: their ranks are the dense indices. */
    item_table t;
    if (!item_table_init(&t, 10)) {
        item_table_fini(&t);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu clicks", n);
    }
    for (size_t c = 0; c < n; c++) {
        if (!item_table_add(&t, clicks[c].item, 0)) {
            item_table_fini(&t);
            return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu clicks", n);
        }
    }
    size_t n_items = t.n;
    if (n_items > UINT32_MAX) {
        item_table_fini(&t);
        return sbr_err_set(err, SBR_EINVAL, "dataset: %zu distinct items exceed 2^32-1", n_items);
    }
    size_t n_sessions = 0;
    for (size_t c = 0; c < n; c++)
        n_sessions += c == 0 || clicks[c].session != clicks[c - 1].session;

    bool with_rows = false; /* sorted, the clicks' rows are 0, 1, 2, ... or must be kept */
    for (size_t c = 0; c < n && !with_rows; c++)
        with_rows = clicks[c].row != c;
    sbr_dataset *ds = dataset_alloc(n_sessions, n, n_items, with_rows);
    if (ds == NULL) {
        item_table_fini(&t);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu clicks", n);
    }
    size_t k = 0;
    for (size_t i = 0; i <= t.mask; i++)
        if (t.slots[i].value != UINT32_MAX)
            ds->item_ids[k++] = t.slots[i].key;
    qsort(ds->item_ids, n_items, sizeof *ds->item_ids, u64_cmp);
    for (size_t r = 0; r < n_items; r++) {
        size_t i = item_slot(&t, ds->item_ids[r]);
        while (t.slots[i].key != ds->item_ids[r] || t.slots[i].value == UINT32_MAX)
            i = (i + 1) & t.mask;
        t.slots[i].value = (uint32_t)r;
    }

    size_t s = 0;
    id_sink ids = {0};
    bool ok = true;
    for (size_t c = 0; c < n; c++) {
        if (c > 0 && clicks[c].session != clicks[c - 1].session)
            ds->offsets[++s] = c;
        if (c == 0 || clicks[c].session != clicks[c - 1].session)
            ok = ok && id_sink_add(&ids, clicks[c].session);
        ds->items[c] = item_table_get(&t, clicks[c].item);
        ds->times[c] = clicks[c].time;
        if (with_rows)
            ds->rows[c] = clicks[c].row;
    }
    item_table_fini(&t);
    ds->offsets[n_sessions] = n;
    if (!ok || !id_sink_give(&ids, ds)) {
        id_sink_fini(&ids);
        sbr_dataset_free(ds);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu clicks", n);
    }
    *out = ds;
    return SBR_OK;
}

enum { BUILDER_PENDING = 64 };

struct sbr_dataset_builder {
    item_table t;    /* item id -> first-seen local index */
    uint64_t *id_of; /* [n_items] local index -> item id */
    size_t n_items, items_cap;
    size_t *offsets; /* [n_sessions + 1] while building */
    id_sink ids;     /* the session ids */
    size_t n_sessions, sessions_cap;
    uint32_t *items; /* local indices until finished */
    double *times;
    uint64_t *rows; /* NULL while every click's row equals its index (sbr_dataset.rows) */
    size_t n, cap;
    /* Clicks whose item is not looked up yet: their table slots are prefetched when they
     * arrive and probed BUILDER_PENDING clicks later, so the cache misses of a large table
     * (one per click, 64 MB for 1.4M items) overlap instead of queueing. */
    uint64_t pending_id[BUILDER_PENDING];
    size_t pending_at[BUILDER_PENDING];
    size_t n_pending, pending_head;
};

sbr_dataset_builder *sbr_dataset_builder_new(void)
{
    sbr_dataset_builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->offsets = malloc(sizeof *b->offsets);
    if (!item_table_init(&b->t, 10) || b->offsets == NULL) {
        sbr_dataset_builder_free(b);
        return NULL;
    }
    b->offsets[0] = 0;
    return b;
}

void sbr_dataset_builder_free(sbr_dataset_builder *b)
{
    if (b == NULL)
        return;
    item_table_fini(&b->t);
    free(b->id_of);
    free(b->offsets);
    id_sink_fini(&b->ids);
    free(b->items);
    free(b->times);
    free(b->rows);
    free(b);
}

/* The local index of an item, added when new; UINT32_MAX when out of memory. */
static uint32_t builder_item(sbr_dataset_builder *b, uint64_t id)
{
    size_t i = item_slot(&b->t, id);
    while (b->t.slots[i].value != UINT32_MAX) {
        if (b->t.slots[i].key == id)
            return b->t.slots[i].value;
        i = (i + 1) & b->t.mask;
    }
    if (b->n_items == UINT32_MAX - 1)
        return UINT32_MAX;
    if (b->n_items == b->items_cap) {
        size_t cap = b->items_cap ? 2 * b->items_cap : 1024;
        if (sbr_grow_array(&b->id_of, cap, sizeof *b->id_of) != SBR_OK)
            return UINT32_MAX;
        b->items_cap = cap;
    }
    if (!item_table_add(&b->t, id, (uint32_t)b->n_items))
        return UINT32_MAX;
    b->id_of[b->n_items] = id;
    return (uint32_t)b->n_items++;
}

/* Looks up the oldest pending click's item. False when out of memory. */
static bool builder_resolve(sbr_dataset_builder *b)
{
    size_t k = b->pending_head;
    uint32_t local = builder_item(b, b->pending_id[k]);
    if (local == UINT32_MAX)
        return false;
    b->items[b->pending_at[k]] = local;
    b->pending_head = (k + 1) % BUILDER_PENDING;
    b->n_pending--;
    return true;
}

static bool builder_flush(sbr_dataset_builder *b)
{
    while (b->n_pending > 0)
        if (!builder_resolve(b))
            return false;
    return true;
}

int sbr_dataset_builder_add(sbr_dataset_builder *b, const sbr_click *c)
{
    bool new_session = b->n == 0 || c->session != b->ids.last;
    if (b->n > 0) {
        sbr_click last = {b->ids.last, 0, b->times[b->n - 1],
                          b->rows != NULL ? b->rows[b->n - 1] : b->n - 1};
        if (click_cmp(&last, c) >= 0)
            return 0;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        if (sbr_grow_array(&b->items, cap, sizeof *b->items) != SBR_OK ||
            sbr_grow_array(&b->times, cap, sizeof *b->times) != SBR_OK ||
            (b->rows != NULL && sbr_grow_array(&b->rows, cap, sizeof *b->rows) != SBR_OK))
            return -1;
        b->cap = cap;
    }
    if (b->rows == NULL && c->row != b->n) { /* the first row out of step: store them all */
        if (sbr_grow_array(&b->rows, b->cap, sizeof *b->rows) != SBR_OK)
            return -1;
        for (size_t k = 0; k < b->n; k++)
            b->rows[k] = k;
    }
    if (new_session && b->n_sessions == b->sessions_cap) {
        size_t cap = b->sessions_cap ? 2 * b->sessions_cap : 1024;
        if (sbr_grow_array(&b->offsets, cap + 1, sizeof *b->offsets) != SBR_OK)
            return -1;
        b->sessions_cap = cap;
    }
    if (b->n_pending == BUILDER_PENDING && !builder_resolve(b))
        return -1;
    if (new_session && !id_sink_add(&b->ids, c->session))
        return -1;
    size_t k = (b->pending_head + b->n_pending++) % BUILDER_PENDING;
    b->pending_id[k] = c->item;
    b->pending_at[k] = b->n;
#if defined(__GNUC__)
    __builtin_prefetch(&b->t.slots[item_slot(&b->t, c->item)]);
#endif
    if (new_session) {
        b->offsets[b->n_sessions++] = b->n;
    }
    b->times[b->n] = c->time;
    if (b->rows != NULL)
        b->rows[b->n] = c->row;
    b->n++;
    return 1;
}

sbr_rc sbr_dataset_builder_clicks(sbr_dataset_builder *b, sbr_click **clicks, size_t *n,
                                  sbr_err *err)
{
    if (!builder_flush(b))
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu items", b->n_items);
    sbr_click *c = sbr_alloc_array(b->n, sizeof *c);
    if (c == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu clicks", b->n);
    for (size_t s = 0; s < b->n_sessions; s++) {
        size_t end = s + 1 < b->n_sessions ? b->offsets[s + 1] : b->n;
        for (size_t k = b->offsets[s]; k < end; k++)
            c[k] = (sbr_click){id_sink_get(&b->ids, s), b->id_of[b->items[k]], b->times[k],
                               b->rows != NULL ? b->rows[k] : k};
    }
    *clicks = c;
    *n = b->n;
    return SBR_OK;
}

sbr_rc sbr_dataset_builder_finish(sbr_dataset_builder *b, sbr_dataset **out, sbr_err *err)
{
    *out = NULL;
    if (!builder_flush(b))
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu items", b->n_items);
    /* The load's peak memory is here, beside the full columns: the hash table goes first,
     * and the ranks come from the sorted ids by binary search (12 bytes per item, not 28). */
    item_table_fini(&b->t);
    b->t.slots = NULL;
    sbr_dataset *ds = calloc(1, sizeof *ds);
    uint32_t *rank = sbr_alloc_array(b->n_items, sizeof *rank);
    uint64_t *item_ids = sbr_alloc_array(b->n_items, sizeof *item_ids);
    if (ds == NULL || rank == NULL || item_ids == NULL) {
        free(ds);
        free(rank);
        free(item_ids);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory for %zu clicks", b->n);
    }
    memcpy(item_ids, b->id_of, b->n_items * sizeof *item_ids);
    qsort(item_ids, b->n_items, sizeof *item_ids, u64_cmp);
    for (size_t i = 0; i < b->n_items; i++) /* ids are distinct: each is found */
        rank[i] = (uint32_t)find_u64(item_ids, b->n_items, b->id_of[i]);
    free(b->id_of);
    b->id_of = NULL;
    for (size_t c = 0; c < b->n; c++)
        b->items[c] = rank[b->items[c]];
    free(rank);
    b->offsets[b->n_sessions] = b->n;
    /* Hand the columns over, trimmed to their sizes (a shrinking realloc cannot fail in
     * practice; if it does, the larger block is kept). */
    ds->n_sessions = b->n_sessions;
    ds->n_clicks = b->n;
    ds->n_items = b->n_items;
    ds->offsets = b->offsets;
    ds->items = b->items != NULL ? b->items : malloc(1);
    ds->times = b->times != NULL ? b->times : malloc(1);
    ds->rows = b->rows;
    ds->item_ids = item_ids;
    sbr_grow_array(&ds->items, b->n > 0 ? b->n : 1, sizeof *ds->items);
    sbr_grow_array(&ds->times, b->n > 0 ? b->n : 1, sizeof *ds->times);
    if (ds->rows != NULL)
        sbr_grow_array(&ds->rows, b->n, sizeof *ds->rows);
    sbr_grow_array(&ds->offsets, b->n_sessions + 1, sizeof *ds->offsets);
    b->offsets = NULL;
    b->items = NULL;
    b->times = NULL;
    b->rows = NULL;
    b->n = b->cap = b->n_sessions = b->sessions_cap = b->n_items = b->items_cap = 0;
    if (!id_sink_give(&b->ids, ds) || !ds->items || !ds->times) {
        sbr_dataset_free(ds);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory");
    }
    *out = ds;
    return SBR_OK;
}

sbr_rc sbr_dataset_select(const sbr_dataset *ds, const bool *keep, sbr_dataset **out, sbr_err *err)
{
    *out = NULL;
    /* Renumber surviving items in their old (ascending id) order: the order is preserved. */
    uint32_t *new_index = sbr_alloc_array(ds->n_items, sizeof *new_index);
    bool *used = calloc(ds->n_items + 1, sizeof *used);
    if (new_index == NULL || used == NULL) {
        free(new_index);
        free(used);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory");
    }
    size_t n_clicks = 0, n_sessions = 0, n_items = 0;
    bool with_rows = false; /* whether a kept click's row differs from its new index */
    for (size_t s = 0; s < ds->n_sessions; s++) {
        size_t kept = 0;
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
            if (keep == NULL || keep[c]) {
                with_rows = with_rows || sbr_dataset_row(ds, c) != n_clicks + kept;
                kept++;
                used[ds->items[c]] = true;
            }
        }
        n_clicks += kept;
        n_sessions += kept > 0;
    }
    for (size_t i = 0; i < ds->n_items; i++)
        if (used[i])
            new_index[i] = (uint32_t)n_items++;

    sbr_dataset *sub = dataset_alloc(n_sessions, n_clicks, n_items, with_rows);
    if (sub == NULL) {
        free(new_index);
        free(used);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory");
    }
    for (size_t i = 0; i < ds->n_items; i++)
        if (used[i])
            sub->item_ids[new_index[i]] = ds->item_ids[i];
    size_t s_out = 0, c_out = 0;
    id_sink ids = {0};
    bool ok = true;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        size_t start = c_out;
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
            if (keep == NULL || keep[c]) {
                sub->items[c_out] = new_index[ds->items[c]];
                sub->times[c_out] = ds->times[c];
                if (with_rows)
                    sub->rows[c_out] = sbr_dataset_row(ds, c);
                c_out++;
            }
        }
        if (c_out > start) {
            ok = ok && id_sink_add(&ids, sbr_dataset_session_id(ds, s));
            sub->offsets[++s_out] = c_out;
        }
    }
    free(new_index);
    free(used);
    if (!ok || !id_sink_give(&ids, sub)) {
        id_sink_fini(&ids);
        sbr_dataset_free(sub);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory");
    }
    *out = sub;
    return SBR_OK;
}

void sbr_dataset_free(sbr_dataset *ds)
{
    if (ds == NULL)
        return;
    free(ds->offsets);
    free(ds->items);
    free(ds->times);
    free(ds->rows);
    free(ds->session_ids);
    free(ds->id_runs);
    free(ds->item_ids);
    free(ds);
}

bool sbr_dataset_find_item(const sbr_dataset *ds, uint64_t item_id, uint32_t *index)
{
    size_t i = find_u64(ds->item_ids, ds->n_items, item_id);
    if (i == ds->n_items)
        return false;
    *index = (uint32_t)i;
    return true;
}

bool sbr_dataset_find_session(const sbr_dataset *ds, uint64_t session_id, size_t *index)
{
    size_t s;
    if (ds->session_ids != NULL) {
        if ((s = find_u64(ds->session_ids, ds->n_sessions, session_id)) == ds->n_sessions)
            return false;
    } else { /* the last run whose first id is at most session_id, then within it */
        size_t lo = 0, hi = ds->n_id_runs;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (ds->id_runs[mid].id <= session_id)
                lo = mid;
            else
                hi = mid;
        }
        const sbr_id_run *r = &ds->id_runs[lo];
        uint64_t end = lo + 1 < ds->n_id_runs ? ds->id_runs[lo + 1].start : ds->n_sessions;
        if (session_id < r->id || session_id - r->id >= end - r->start)
            return false;
        s = (size_t)(r->start + (session_id - r->id));
    }
    *index = s;
    return true;
}

typedef struct first_row {
    uint64_t row;
    size_t session;
} first_row;

static int first_row_cmp(const void *a, const void *b)
{
    const first_row *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

typedef struct click_row {
    uint64_t row;
    size_t click;
} click_row;

static int click_row_cmp(const void *a, const void *b)
{
    const click_row *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

sbr_rc sbr_dataset_file_order(const sbr_dataset *ds, size_t *order, size_t *starts, sbr_err *err)
{
    if (ds->rows == NULL) { /* row c is click c: the file is in dataset order */
        for (size_t c = 0; c < ds->n_clicks; c++)
            order[c] = c;
        memcpy(starts, ds->offsets, (ds->n_sessions + 1) * sizeof *starts);
        return SBR_OK;
    }
    first_row *sessions = sbr_alloc_array(ds->n_sessions, sizeof *sessions);
    click_row *clicks = sbr_alloc_array(ds->n_clicks, sizeof *clicks);
    if (sessions == NULL || clicks == NULL) {
        free(sessions);
        free(clicks);
        return sbr_err_set(err, SBR_ENOMEM, "dataset: out of memory");
    }
    for (size_t s = 0; s < ds->n_sessions; s++) {
        uint64_t min_row = UINT64_MAX;
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++)
            if (sbr_dataset_row(ds, c) < min_row)
                min_row = sbr_dataset_row(ds, c);
        sessions[s] = (first_row){min_row, s};
    }
    /* Rows are distinct, so the sorts are total orders. */
    qsort(sessions, ds->n_sessions, sizeof *sessions, first_row_cmp);
    size_t out = 0;
    starts[0] = 0;
    for (size_t k = 0; k < ds->n_sessions; k++) {
        size_t s = sessions[k].session, len = ds->offsets[s + 1] - ds->offsets[s];
        for (size_t j = 0; j < len; j++)
            clicks[j] = (click_row){sbr_dataset_row(ds, ds->offsets[s] + j), ds->offsets[s] + j};
        qsort(clicks, len, sizeof *clicks, click_row_cmp);
        for (size_t j = 0; j < len; j++)
            order[out++] = clicks[j].click;
        starts[k + 1] = out;
    }
    free(sessions);
    free(clicks);
    return SBR_OK;
}

size_t sbr_dataset_bytes(const sbr_dataset *ds)
{
    return sizeof *ds + (ds->n_sessions + 1) * sizeof *ds->offsets +
           ds->n_clicks * (sizeof *ds->items + sizeof *ds->times) +
           (ds->rows != NULL ? ds->n_clicks * sizeof *ds->rows : 0) +
           (ds->session_ids != NULL ? ds->n_sessions * sizeof *ds->session_ids
                                    : ds->n_id_runs * sizeof *ds->id_runs) +
           ds->n_items * sizeof *ds->item_ids;
}

void sbr_dataset_time_range(const sbr_dataset *ds, double *first, double *last)
{
    double lo = 0, hi = 0;
    for (size_t c = 0; c < ds->n_clicks; c++) {
        if (c == 0 || ds->times[c] < lo)
            lo = ds->times[c];
        if (c == 0 || ds->times[c] > hi)
            hi = ds->times[c];
    }
    *first = lo;
    *last = hi;
}
