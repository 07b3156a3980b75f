#include "algorithms/rules.h"

#include <stdlib.h>
#include <string.h>

#include "algorithms/model_file.h"

/* An open-addressing hash table of pairs, used only while fitting. */
typedef struct pair {
    uint64_t key; /* (a << 32 | j) + 1; 0 marks an empty slot */
    uint64_t seq; /* insertion number of the pair's first add */
    double weight;
} pair;

struct sbr_rules_builder {
    size_t n_items;
    pair *slots;
    size_t cap, size; /* cap is a power of two */
    uint64_t next_seq;
};

sbr_rules_builder *sbr_rules_builder_new(size_t n_items)
{
    sbr_rules_builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->n_items = n_items;
    b->cap = 1024;
    b->slots = calloc(b->cap, sizeof *b->slots);
    if (b->slots == NULL) {
        free(b);
        return NULL;
    }
    return b;
}

void sbr_rules_builder_free(sbr_rules_builder *b)
{
    if (b == NULL)
        return;
    free(b->slots);
    free(b);
}

static size_t slot_of(uint64_t key, size_t mask)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdu;
    key ^= key >> 33;
    return (size_t)key & mask;
}

static sbr_rc grow(sbr_rules_builder *b)
{
    size_t cap = b->cap * 2;
    pair *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return SBR_ENOMEM;
    for (size_t i = 0; i < b->cap; i++) {
        if (b->slots[i].key == 0)
            continue;
        size_t s = slot_of(b->slots[i].key, cap - 1);
        while (slots[s].key != 0)
            s = (s + 1) & (cap - 1);
        slots[s] = b->slots[i];
    }
    free(b->slots);
    b->slots = slots;
    b->cap = cap;
    return SBR_OK;
}

sbr_rc sbr_rules_add(sbr_rules_builder *b, uint32_t a, uint32_t j, double w, sbr_err *err)
{
    if (2 * (b->size + 1) > b->cap && grow(b) != SBR_OK)
        return sbr_err_set(err, SBR_ENOMEM, "rules: out of memory at %zu pairs", b->size);
    uint64_t key = ((uint64_t)a << 32 | j) + 1;
    size_t mask = b->cap - 1, s = slot_of(key, mask);
    while (b->slots[s].key != 0 && b->slots[s].key != key)
        s = (s + 1) & mask;
    if (b->slots[s].key == 0) {
        b->slots[s].key = key;
        b->slots[s].seq = b->next_seq++;
        b->slots[s].weight = 0;
        b->size++;
    }
    b->slots[s].weight += w;
    return SBR_OK;
}

/* Pruning order: weight descending, then first insertion (Counter.most_common's order). */
static int prune_cmp(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->weight != q->weight)
        return p->weight > q->weight ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

/* Storage order: weight descending, then item ascending (the ranking rule). */
static int rank_cmp(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->weight != q->weight)
        return p->weight > q->weight ? -1 : 1;
    uint32_t i = (uint32_t)(p->key - 1), j = (uint32_t)(q->key - 1);
    return (i > j) - (i < j);
}

sbr_rc sbr_rules_build(sbr_rules_builder *b, double pruning, sbr_rules *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = b->n_items;
    pair *by_a = sbr_alloc_array(b->size, sizeof *by_a);
    size_t *start = calloc(n + 1, sizeof *start);
    out->offsets = calloc(n + 1, sizeof *out->offsets);
    if (by_a == NULL || start == NULL || out->offsets == NULL)
        goto oom;
    /* Group pairs by antecedent (a counting sort). */
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i].key != 0)
            start[((b->slots[i].key - 1) >> 32) + 1]++;
    for (size_t a = 0; a < n; a++)
        start[a + 1] += start[a];
    for (size_t i = 0; i < b->cap; i++) {
        if (b->slots[i].key != 0)
            by_a[start[(b->slots[i].key - 1) >> 32]++] = b->slots[i];
    }
    /* start[a] now marks the end of a's group; walk the groups in order. */
    size_t kept_total = 0, begin = 0;
    for (size_t a = 0; a < n; a++) {
        size_t len = start[a] - begin;
        size_t keep = len;
        if (pruning >= 1)
            keep = (size_t)pruning < len ? (size_t)pruning : len;
        else if (pruning > 0)
            keep = len - (size_t)((double)len * pruning);
        qsort(by_a + begin, len, sizeof *by_a, prune_cmp);
        qsort(by_a + begin, keep, sizeof *by_a, rank_cmp);
        /* Move the kept rules down to close the gaps. */
        memmove(by_a + kept_total, by_a + begin, keep * sizeof *by_a);
        kept_total += keep;
        out->offsets[a + 1] = kept_total;
        begin = start[a];
    }
    out->n_items = n;
    out->items = sbr_alloc_array(kept_total, sizeof *out->items);
    out->weights = sbr_alloc_array(kept_total, sizeof *out->weights);
    if (out->items == NULL || out->weights == NULL)
        goto oom;
    for (size_t r = 0; r < kept_total; r++) {
        out->items[r] = (uint32_t)(by_a[r].key - 1);
        out->weights[r] = by_a[r].weight;
    }
    free(by_a);
    free(start);
    sbr_rules_builder_free(b);
    return SBR_OK;
oom:
    free(by_a);
    free(start);
    sbr_rules_fini(out);
    sbr_rules_builder_free(b);
    return sbr_err_set(err, SBR_ENOMEM, "rules: out of memory");
}

void sbr_rules_fini(sbr_rules *r)
{
    if (r == NULL)
        return;
    free(r->offsets);
    free(r->items);
    free(r->weights);
    memset(r, 0, sizeof *r);
}

size_t sbr_rules_bytes(const sbr_rules *r)
{
    size_t n_rules = r->offsets ? r->offsets[r->n_items] : 0;
    return (r->n_items + 1) * sizeof *r->offsets +
           n_rules * (sizeof *r->items + sizeof *r->weights);
}

sbr_rc sbr_rules_fit(const sbr_algo *a, const void *config, double pruning,
                     const sbr_dataset *train, sbr_session_fn fn, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    sbr_rules_builder *b = sbr_rules_builder_new(train->n_items);
    size_t *order = sbr_alloc_array(train->n_clicks, sizeof *order);
    size_t *starts = sbr_alloc_array(train->n_sessions + 1, sizeof *starts);
    uint32_t *items = sbr_alloc_array(train->n_clicks, sizeof *items);
    sbr_rc rc = SBR_OK;
    if (b == NULL || order == NULL || starts == NULL || items == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", a->name);
    if (rc == SBR_OK)
        rc = sbr_dataset_file_order(train, order, starts, err);
    if (rc == SBR_OK) {
        for (size_t c = 0; c < train->n_clicks; c++)
            items[c] = train->items[order[c]];
        for (size_t k = 0; k < train->n_sessions && rc == SBR_OK; k++)
            rc = fn(config, b, items + starts[k], starts[k + 1] - starts[k], err);
    }
    free(order);
    free(starts);
    free(items);
    if (rc != SBR_OK) {
        sbr_rules_builder_free(b);
        return rc;
    }
    sbr_rules rules;
    if ((rc = sbr_rules_build(b, pruning, &rules, err)) != SBR_OK)
        return rc;
    return sbr_rules_model_new(a, &rules, out, err);
}

sbr_rc sbr_rules_model_new(const sbr_algo *a, sbr_rules *rules, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    sbr_rules_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        sbr_rules_fini(rules);
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", a->name);
    }
    m->base.algo = a;
    m->rules = *rules; /* ownership moves to the model */
    *out = &m->base;
    return SBR_OK;
}

size_t sbr_rules_model_bytes(const sbr_model *model)
{
    const sbr_rules_model *m = (const sbr_rules_model *)model;
    return sizeof *m + sbr_rules_bytes(&m->rules);
}

size_t sbr_rules_model_scratch_bytes(const sbr_model *model)
{
    (void)model;
    return 1;
}

sbr_rc sbr_rules_model_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    (void)err;
    const sbr_rules *r = &((const sbr_rules_model *)model)->rules;
    size_t n_rules = r->offsets[r->n_items];
    sbr_mw_array(w, r->offsets, r->n_items + 1, sizeof *r->offsets);
    sbr_mw_array(w, r->items, n_rules, sizeof *r->items);
    sbr_mw_array(w, r->weights, n_rules, sizeof *r->weights);
    return SBR_OK;
}

sbr_rc sbr_rules_model_load(const void *config, sbr_model_reader *rd, sbr_model **out, sbr_err *err)
{
    (void)config;
    *out = NULL;
    const sbr_algo *a = sbr_mr_algo(rd);
    sbr_rules r = {0, NULL, NULL, NULL};
    size_t n_off = 0;
    sbr_rc rc = sbr_mr_array(rd, (void **)&r.offsets, &n_off, sizeof *r.offsets, err);
    if (rc == SBR_OK && n_off == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: model without a rule table", a->name);
    if (rc == SBR_OK) {
        r.n_items = n_off - 1;
        for (size_t i = 0; i < r.n_items && rc == SBR_OK; i++)
            if (r.offsets[i] > r.offsets[i + 1])
                rc = sbr_err_set(err, SBR_EPARSE, "%s: rule offsets descend at item %zu", a->name,
                                 i);
        if (rc == SBR_OK && r.offsets[0] != 0)
            rc = sbr_err_set(err, SBR_EPARSE, "%s: rule offsets do not start at 0", a->name);
    }
    size_t n_rules = rc == SBR_OK ? r.offsets[r.n_items] : 0;
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(rd, (void **)&r.items, n_rules, sizeof *r.items, err);
    if (rc == SBR_OK)
        rc = sbr_mr_array_n(rd, (void **)&r.weights, n_rules, sizeof *r.weights, err);
    for (size_t k = 0; rc == SBR_OK && k < n_rules; k++)
        if (r.items[k] >= r.n_items)
            rc = sbr_err_set(err, SBR_EPARSE, "%s: rule item %u of %zu", a->name, r.items[k],
                             r.n_items);
    if (rc != SBR_OK) {
        sbr_rules_fini(&r);
        return rc;
    }
    return sbr_rules_model_new(a, &r, out, err);
}

void *sbr_rules_model_scratch_new(const sbr_model *model)
{
    (void)model;
    return malloc(1); /* predict needs none; a real pointer keeps NULL meaning "no memory" */
}

void sbr_rules_model_scratch_free(void *scratch)
{
    free(scratch);
}

sbr_rc sbr_rules_model_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                               sbr_scored *out, size_t *n_out, sbr_err *err)
{
    (void)scratch;
    (void)err;
    const sbr_rules *r = &((const sbr_rules_model *)model)->rules;
    uint32_t last = q->items[q->len - 1];
    *n_out = 0;
    if (last == SBR_ITEM_UNKNOWN || last >= r->n_items)
        return SBR_OK;
    size_t begin = r->offsets[last], len = r->offsets[last + 1] - begin;
    size_t n = len < q->n ? len : q->n;
    double max = len > 0 ? r->weights[begin] : 0;
    for (size_t i = 0; i < n; i++) {
        out[i].item = r->items[begin + i];
        out[i].score = r->weights[begin + i] / max;
    }
    /* Rules are stored in ranking order; drop non-positive weights (none for counts). */
    while (n > 0 && !(out[n - 1].score > 0))
        n--;
    *n_out = n;
    return SBR_OK;
}

void sbr_rules_model_free(sbr_model *model)
{
    if (model == NULL)
        return;
    sbr_rules_model *m = (sbr_rules_model *)model;
    sbr_rules_fini(&m->rules);
    free(m);
}
