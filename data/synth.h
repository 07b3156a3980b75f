/* A synthetic click log, generated deterministically from a seed (`sbr synth`).
 *
 * It imitates e-commerce and music logs closely enough to exercise every algorithm, and is
 * what `make experiments` runs on when no real data is present. The model:
 *  - items fall into `clusters` intents; within an intent, and over all items, popularity is
 *    Zipf-distributed (exponent `zipf`);
 *  - each session picks an intent (Zipf over intents) and a first item from it; every next
 *    click repeats the previous item (p_repeat), follows its successor chain one to three
 *    steps on in the intent's list (p_sequential), jumps to a globally popular item
 *    (p_explore), or draws a new item from the intent;
 *  - session lengths are log-normal with the given mean (at least 2, at most max_length);
 *  - sessions start over `days` days with a daily cycle (busier evenings), clicks follow at
 *    log-normal gaps (median 45 s); session ids follow start time.
 * The same options and seed give the same bytes on every machine.
 *
 * What it guarantees about items: every ItemId is in 1..items, but an item appears only if it
 * is drawn, and Zipf tails are rarely drawn: the distinct count falls short of `items` when
 * there are few draws per item (default options: 4,519 of 5,000; 2M sessions and 200,000
 * items: 187,326; 58M clicks and 1.76M items: 1.41M), and it is reported in
 * sbr_synth_stats.items. With `cover`, every one of the `items` ids appears: a dry run of the
 * same random stream finds the popularity positions never drawn, and the real run appends
 * each of them once, as an extra click 45 s after the last click of a session, spread evenly
 * over the sessions (session s takes unseen positions j, ascending, with
 * floor(j * sessions / n_unseen) = s). The other clicks are exactly those of the same run
 * without cover; a run that draws every item anyway is byte-identical with or without it. */
#ifndef SBR_DATA_SYNTH_H
#define SBR_DATA_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

typedef struct sbr_synth_options {
    size_t sessions;     /* default 20,000 */
    size_t items;        /* default 5,000 */
    size_t clusters;     /* intents, default 25 */
    double zipf;         /* popularity exponent, default 1.1 */
    double mean_length;  /* mean clicks per session, default 5.5 */
    size_t max_length;   /* default 200 */
    double p_repeat;     /* default 0.08 */
    double p_sequential; /* default 0.45 */
    double p_explore;    /* default 0.07 */
    double days;         /* time span, default 30 */
    uint64_t seed;       /* default 1 */
    bool cover;          /* every item id appears at least once (above); default false */
} sbr_synth_options;

/* The defaults above. */
void sbr_synth_options_init(sbr_synth_options *opt);

/* Sets *o to the defaults, then applies a spec of comma-separated key=number pairs such as
 * "sessions=20000,items=5000,seed=1" (the `synth` key of an experiment file). Keys: sessions,
 * items, clusters, zipf, mean_length, p_sequential, p_repeat, p_explore, days, seed, cover
 * (0 or 1); numbers are non-negative. The counts (sessions 1..1e8, items 10..1e8, clusters 1..1e8)
 * and the seed (0..2^64-2048) are range-checked here, on the number as written, then truncated to
 * integers; the rest (and clusters <= items/2) are checked by sbr_synth_write. Errors: SBR_EINVAL
 * naming the spec, the unknown key, or "key=value" as written with its range. */
sbr_rc sbr_synth_options_parse(const char *spec, sbr_synth_options *o, sbr_err *err);

typedef struct sbr_synth_stats {
    uint64_t sessions, clicks;
    uint64_t items; /* distinct item ids written */
} sbr_synth_stats;

/* Writes the log to `path` as a session file (SessionId, ItemId, Time; gzip when it ends in
 * .gz), atomically. progress (may be NULL) gets sessions done of the total. Errors: SBR_EINVAL
 * for options out of range (named), SBR_EIO, SBR_ENOMEM. */
sbr_rc sbr_synth_write(const sbr_synth_options *opt, const char *path, sbr_progress_fn progress,
                       void *progress_user, sbr_synth_stats *stats, sbr_err *err);

#endif
