/* Formatting numbers for the readable tables that commands print. Pure functions that write
 * into caller buffers; they print nothing. */
#ifndef SBR_EVAL_REPORT_H
#define SBR_EVAL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "eval/harness.h"

/* "685,984": n with thousands separators. buf >= 32 bytes. Returns buf. */
const char *sbr_fmt_count(char *buf, size_t size, uint64_t n);

/* "12.3 MiB", "512 B": a byte count in binary units with one decimal. buf >= 32. */
const char *sbr_fmt_bytes(char *buf, size_t size, uint64_t n);

/* The metrics CSV that `sbr eval` and `sbr run` append to: one row per (dataset, split,
 * algorithm, params, cutoff), the first SBR_METRICS_KEY_COLS columns being that key. */
enum { SBR_METRICS_COLS = 31, SBR_METRICS_KEY_COLS = 5, SBR_METRICS_CELL = 1024 };
extern const char *const sbr_metrics_header[SBR_METRICS_COLS];

typedef struct sbr_run_info {
    const char *dataset, *split;
    int threads;
    unsigned long seed;
    const char *version;
} sbr_run_info;

/* Formats one row into cells[SBR_METRICS_COLS][cell_size]: metrics in their shortest exact
 * decimal form (so they can be compared to 1e-9 and beyond), timings with fixed decimals. */
void sbr_metrics_row(char (*cells)[SBR_METRICS_CELL], size_t cell_size, const sbr_run_info *ri,
                     const char *algorithm, const char *params, size_t cutoff,
                     const sbr_eval_result *r, const sbr_eval_metrics *m, double fit_s,
                     size_t model_bytes);

#endif
