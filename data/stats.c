#include "data/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double sbr_stats_levels[SBR_STATS_N_PCT] = {0, 25, 50, 90, 99, 100};

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

size_t sbr_percentile_sorted(const size_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    double rank = ceil(p / 100.0 * (double)n);
    size_t r = rank < 1 ? 1 : (size_t)rank;
    return v[(r > n ? n : r) - 1];
}

/* Sorts v and fills the mean and the percentiles at sbr_stats_levels. */
static void describe(size_t *v, size_t n, double *mean, size_t pct[SBR_STATS_N_PCT])
{
    qsort(v, n, sizeof *v, size_cmp);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    *mean = n ? sum / (double)n : 0.0;
    for (int k = 0; k < SBR_STATS_N_PCT; k++)
        pct[k] = sbr_percentile_sorted(v, n, sbr_stats_levels[k]);
}

sbr_rc sbr_stats_compute(const sbr_dataset *ds, sbr_stats *st, sbr_err *err)
{
    memset(st, 0, sizeof *st);
    st->sessions = ds->n_sessions;
    st->clicks = ds->n_clicks;
    st->items = ds->n_items;
    size_t *lens = sbr_alloc_array(ds->n_sessions, sizeof *lens);
    size_t *per_item = calloc(ds->n_items + 1, sizeof *per_item);
    if (lens == NULL || per_item == NULL) {
        free(lens);
        free(per_item);
        return sbr_err_set(err, SBR_ENOMEM, "stats: out of memory");
    }
    size_t repeats = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        lens[s] = sbr_dataset_session_len(ds, s);
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
            per_item[ds->items[c]]++;
            repeats += c > ds->offsets[s] && ds->items[c] == ds->items[c - 1];
        }
    }
    describe(lens, ds->n_sessions, &st->session_len_mean, st->session_len_pct);
    describe(per_item, ds->n_items, &st->item_clicks_mean, st->item_clicks_pct);
    sbr_dataset_time_range(ds, &st->first_time, &st->last_time);
    st->span_days = (st->last_time - st->first_time) / 86400.0;
    st->repeat_share = ds->n_clicks ? (double)repeats / (double)ds->n_clicks : 0.0;
    free(lens);
    free(per_item);
    return SBR_OK;
}
