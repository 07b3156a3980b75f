#include "algorithms/live.h"

#include <stdlib.h>
#include <string.h>

/* The clicks live in buffers of 2 * max_len: appends go to the end, and when it is reached the
 * last max_len - 1 clicks move to the front, so the held clicks are always contiguous (as a
 * query needs) at an amortised cost of one copy per click. */
struct sbr_live {
    const sbr_model *model;
    size_t max_len, cap;
    size_t start, len; /* held clicks are [start, start + len) */
    uint32_t *items;
    double *times;
    void *state; /* algo->state_bytes bytes, or NULL */
    size_t state_size;
};

sbr_live *sbr_live_new(const sbr_model *model, size_t max_len)
{
    if (max_len < 1 || max_len > SIZE_MAX / 4)
        return NULL;
    sbr_live *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->model = model;
    s->max_len = max_len;
    s->cap = 2 * max_len;
    s->items = sbr_alloc_array(s->cap, sizeof *s->items);
    s->times = sbr_alloc_array(s->cap, sizeof *s->times);
    const sbr_algo *a = model->algo;
    s->state_size = a->update != NULL && a->state_bytes != NULL ? a->state_bytes(model) : 0;
    s->state = s->state_size > 0 ? calloc(1, s->state_size) : NULL;
    if (s->items == NULL || s->times == NULL || (s->state_size > 0 && s->state == NULL)) {
        sbr_live_free(s);
        return NULL;
    }
    return s;
}

void sbr_live_free(sbr_live *s)
{
    if (s == NULL)
        return;
    free(s->items);
    free(s->times);
    free(s->state);
    free(s);
}

void sbr_live_reset(sbr_live *s)
{
    s->start = s->len = 0;
    if (s->state != NULL)
        memset(s->state, 0, s->state_size);
}

sbr_rc sbr_live_update(sbr_live *s, uint32_t item, double time, sbr_err *err)
{
    const sbr_algo *a = s->model->algo;
    if (a->update != NULL && s->state != NULL) {
        sbr_rc rc = a->update(s->model, s->state, item, time, err);
        if (rc != SBR_OK)
            return rc;
    }
    if (s->len == s->max_len) { /* drop the oldest */
        s->start++;
        s->len--;
    }
    if (s->start + s->len == s->cap) { /* move the held clicks to the front */
        memmove(s->items, s->items + s->start, s->len * sizeof *s->items);
        memmove(s->times, s->times + s->start, s->len * sizeof *s->times);
        s->start = 0;
    }
    s->items[s->start + s->len] = item;
    s->times[s->start + s->len] = time;
    s->len++;
    return SBR_OK;
}

size_t sbr_live_len(const sbr_live *s)
{
    return s->len;
}

void sbr_live_query(const sbr_live *s, size_t n, double now, sbr_query *q)
{
    *q = (sbr_query){s->items + s->start, s->times + s->start, s->len, now, n, s->state};
}

size_t sbr_live_bytes(const sbr_live *s)
{
    return sizeof *s + s->cap * (sizeof *s->items + sizeof *s->times) + s->state_size;
}
