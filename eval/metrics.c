#include "eval/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

sbr_rc sbr_metric_scratch_init(sbr_metric_scratch *s, size_t n_items, sbr_err *err)
{
    s->stamp = calloc(n_items + 1, sizeof *s->stamp);
    s->now = 0;
    s->n_items = n_items;
    if (s->stamp == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "metrics: out of memory");
    return SBR_OK;
}

void sbr_metric_scratch_fini(sbr_metric_scratch *s)
{
    free(s->stamp);
    s->stamp = NULL;
}

double sbr_gain_ref(size_t i)
{
    return i == 0 ? 1.0 : 1.0 / log2((double)i + 1.0);
}

double sbr_gain(size_t i)
{
    return 1.0 / log2((double)i + 2.0);
}

/* Starts a new set: afterwards stamp[i] == now means "i is in the set". */
static void new_set(sbr_metric_scratch *s)
{
    if (++s->now == 0) {
        memset(s->stamp, 0, s->n_items * sizeof *s->stamp);
        s->now = 1;
    }
}

sbr_metric_values sbr_metrics_compute(const sbr_scored *top, size_t len, size_t N,
                                      const uint32_t *rest, size_t n_rest, const double *popularity,
                                      sbr_metric_scratch *s)
{
    sbr_metric_values v = {0, 0, 0, 0, 0, 0, 0};
    if (len > N)
        len = N;
    uint32_t target = rest[0];
    for (size_t r = 0; r < len; r++) {
        if (top[r].item == target) {
            v.hr = 1.0;
            v.mrr = 1.0 / (double)(r + 1);
            break;
        }
    }
    /* set(rest) */
    new_set(s);
    for (size_t k = 0; k < n_rest; k++)
        if (rest[k] < s->n_items)
            s->stamp[rest[k]] = s->now;
    double dcg = 0, dcg_ref = 0, pop = 0;
    size_t hits = 0;
    for (size_t r = 0; r < len; r++) {
        uint32_t i = top[r].item;
        pop += popularity[i];
        if (s->stamp[i] == s->now) {
            hits++;
            dcg += sbr_gain(r);
            dcg_ref += sbr_gain_ref(r);
        }
    }
    double ideal = 0, ideal_ref = 0;
    for (size_t r = 0; r < n_rest && r < N; r++) {
        ideal += sbr_gain(r);
        ideal_ref += sbr_gain_ref(r);
    }
    v.ndcg = dcg / ideal;
    v.ndcg_ref = dcg_ref / ideal_ref;
    v.precision = (double)hits / (double)N;
    v.recall = (double)hits / (double)n_rest;
    v.popularity = len > 0 ? pop / (double)len : 0.0;
    return v;
}
