/* live: a session that grows one click at a time, for streaming use (`sbr serve`, `sbr replay
 * --offline`).
 *
 * A live session keeps the last max_len clicks of a session and, for an algorithm with an
 * update function, its state (which sees every click, also those the window has dropped);
 * sbr_live_query gives the query that predict needs. For an algorithm without update,
 * predicting from a live session that saw clicks c1..ct equals predicting from the query of
 * the last max_len of those clicks — tests/test_models.c checks it for every registered
 * algorithm. A live session belongs to one thread at a time. */
#ifndef SBR_ALGORITHMS_LIVE_H
#define SBR_ALGORITHMS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"

typedef struct sbr_live sbr_live;

/* A new, empty live session for predictions of `model` keeping at most max_len (>= 1) clicks,
 * or NULL when out of memory. The model must outlive it. */
sbr_live *sbr_live_new(const sbr_model *model, size_t max_len);
void sbr_live_free(sbr_live *s); /* accepts NULL */

/* Empties s for a new session (its buffers are kept). */
void sbr_live_reset(sbr_live *s);

/* Appends a click (a dense item index, or SBR_ITEM_UNKNOWN) at `time`; the oldest click goes
 * when max_len are held. Errors: the algorithm's update errors. */
sbr_rc sbr_live_update(sbr_live *s, uint32_t item, double time, sbr_err *err);

/* The clicks held, oldest first. */
size_t sbr_live_len(const sbr_live *s);

/* Fills *q to ask for n results after the clicks held (at least one), at time `now`. q points
 * into s until the next update. */
void sbr_live_query(const sbr_live *s, size_t n, double now, sbr_query *q);

/* Bytes held by s. */
size_t sbr_live_bytes(const sbr_live *s);

#endif
