#include "data/vocab.h"

#include <stdlib.h>
#include <string.h>

sbr_rc sbr_vocab_from_dataset(const sbr_dataset *ds, sbr_vocab *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    out->item_ids = sbr_alloc_array(ds->n_items, sizeof *out->item_ids);
    out->clicks = calloc(ds->n_items + 1, sizeof *out->clicks);
    if (out->item_ids == NULL || out->clicks == NULL) {
        sbr_vocab_fini(out);
        return sbr_err_set(err, SBR_ENOMEM, "vocabulary: out of memory");
    }
    out->n_items = ds->n_items;
    if (ds->n_items > 0)
        memcpy(out->item_ids, ds->item_ids, ds->n_items * sizeof *out->item_ids);
    for (size_t c = 0; c < ds->n_clicks; c++)
        out->clicks[ds->items[c]]++;
    return SBR_OK;
}

bool sbr_vocab_find(const sbr_vocab *v, uint64_t item_id, uint32_t *index)
{
    size_t lo = 0, hi = v->n_items;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->item_ids[mid] < item_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == v->n_items || v->item_ids[lo] != item_id)
        return false;
    *index = (uint32_t)lo;
    return true;
}

bool sbr_vocab_valid(const sbr_vocab *v)
{
    if (v->n_items >= UINT32_MAX)
        return false;
    for (size_t i = 1; i < v->n_items; i++)
        if (v->item_ids[i - 1] >= v->item_ids[i])
            return false;
    return true;
}

void sbr_vocab_fini(sbr_vocab *v)
{
    if (v == NULL)
        return;
    free(v->item_ids);
    free(v->clicks);
    memset(v, 0, sizeof *v);
}
