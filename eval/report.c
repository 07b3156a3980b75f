#include "eval/report.h"

#include <stdio.h>
#include <string.h>

#include "data/parse.h"

const char *sbr_fmt_count(char *buf, size_t size, uint64_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t out = 0;
    for (int i = 0; i < len && out + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[out++] = ',';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
    return buf;
}

const char *sbr_fmt_bytes(char *buf, size_t size, uint64_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
    return buf;
}

const char *const sbr_metrics_header[SBR_METRICS_COLS] = {"dataset",
                                                          "split",
                                                          "algorithm",
                                                          "params",
                                                          "cutoff",
                                                          "n_predictions",
                                                          "n_sessions",
                                                          "test_unseen_removed",
                                                          "test_short_dropped",
                                                          "hr",
                                                          "mrr",
                                                          "ndcg",
                                                          "ndcg_ref",
                                                          "precision",
                                                          "recall",
                                                          "f1",
                                                          "coverage",
                                                          "popularity",
                                                          "fit_s",
                                                          "eval_s",
                                                          "lat_p50_us",
                                                          "lat_p90_us",
                                                          "lat_p95_us",
                                                          "lat_p99_us",
                                                          "lat_p995_us",
                                                          "lat_max_us",
                                                          "model_bytes",
                                                          "peak_rss_bytes",
                                                          "threads",
                                                          "seed",
                                                          "version"};

void sbr_metrics_row(char (*cells)[SBR_METRICS_CELL], size_t cell_size, const sbr_run_info *ri,
                     const char *algorithm, const char *params, size_t cutoff,
                     const sbr_eval_result *r, const sbr_eval_metrics *m, double fit_s,
                     size_t model_bytes)
{
    int k = 0;
#define TEXT(...) snprintf(cells[k++], cell_size, __VA_ARGS__)
#define NUM(v) sbr_format_double(cells[k++], cell_size, (v))
    TEXT("%s", ri->dataset);
    TEXT("%s", ri->split);
    TEXT("%s", algorithm);
    TEXT("%s", params);
    TEXT("%zu", cutoff);
    TEXT("%zu", r->n_predictions);
    TEXT("%zu", r->n_sessions);
    TEXT("%llu", (unsigned long long)r->unseen_clicks_removed);
    TEXT("%llu", (unsigned long long)r->short_sessions_dropped);
    NUM(m->hr);
    NUM(m->mrr);
    NUM(m->ndcg);
    NUM(m->ndcg_ref);
    NUM(m->precision);
    NUM(m->recall);
    NUM(m->f1);
    NUM(m->coverage);
    NUM(m->popularity);
    TEXT("%.6f", fit_s);
    TEXT("%.6f", r->eval_s);
    for (int l = 0; l < SBR_LAT_N; l++)
        TEXT("%.3f", r->latency_us[l]);
    TEXT("%zu", model_bytes);
    TEXT("%zu", sbr_peak_rss_bytes());
    TEXT("%d", ri->threads);
    TEXT("%lu", ri->seed);
    TEXT("%s", ri->version);
#undef TEXT
#undef NUM
}
