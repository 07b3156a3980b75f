/* Train/test splits by time, exactly as session-rec makes them (`sbr split`).
 *
 * Sliding windows (session-rec's split_data_slice): with t0 the earliest click time,
 *   start  = t0 + (days_offset + slice * days_shift) days
 *   middle = start + days_train days,   end = middle + days_test days
 * a session belongs to the window when its LAST click time is in [start, end] (both ends
 * included); it is a training session when that time is < middle and a test session when it
 * is >= middle. Test clicks on items absent from the window's training set are removed, then
 * test sessions with fewer than 2 clicks are dropped. Days are 86,400 s; times are UTC epoch
 * seconds, so there is no time-zone or daylight-saving shift.
 *
 * Single split (session-rec's split_data): with t1 the latest click time, sessions whose last
 * click is < t1 - days_test days are training, the others test; the same unseen-item and
 * length rules apply. A validation split is the same rule applied to the training set
 * (train_tr / train_valid).
 *
 * days_shift may be 0 only with a single slice (several identical windows are an error). A
 * test session that loses every click to the unseen-item rule counts as a dropped short
 * session, so a window's test sessions are test->n_sessions + test_sessions_short. */
#ifndef SBR_DATA_SPLIT_H
#define SBR_DATA_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

typedef struct sbr_window_options {
    double days_train;  /* session-rec days_train */
    double days_test;   /* days_test */
    unsigned slices;    /* number of windows */
    double days_offset; /* days from t0 to the first window */
    double days_shift;  /* days between window starts */
} sbr_window_options;

typedef struct sbr_split {
    sbr_dataset *train;           /* owned; never NULL after a successful split */
    sbr_dataset *test;            /* owned; may have zero sessions */
    double start, middle, end;    /* boundaries used, epoch seconds */
    uint64_t sessions_outside;    /* sessions whose last click is outside [start, end] */
    uint64_t test_clicks_unseen;  /* test clicks removed: item not in train */
    uint64_t test_sessions_short; /* test sessions dropped: < 2 clicks left */
    uint64_t test_clicks_short;   /* the clicks of those sessions */
} sbr_split;

/* Cuts window `slice` (0-based, < opt->slices) of ds into *out. Errors: SBR_EINVAL (bad
 * options or slice, or a window with no training session: the message gives the window's
 * dates and the data's time range), SBR_ENOMEM. On failure *out holds no datasets. */
sbr_rc sbr_split_window(const sbr_dataset *ds, const sbr_window_options *opt, unsigned slice,
                        sbr_split *out, sbr_err *err);

/* The single time split: the last days_test days are test. Errors as sbr_split_window. */
sbr_rc sbr_split_last_days(const sbr_dataset *ds, double days_test, sbr_split *out, sbr_err *err);

/* A validation split that needs no clock: the latest `share` (0 < share < 1) of the sessions
 * by last click time are test (at least one), the others train; with t the last click time of
 * the earliest of those, it is the single split at middle = t (so sessions ending at t too are
 * test, and the unseen-item and length rules apply). For data whose Time is an ordering and
 * not seconds, where "the last N days" has no meaning. Errors as sbr_split_window, and
 * SBR_EINVAL for a share outside (0, 1). */
sbr_rc sbr_split_last_sessions(const sbr_dataset *ds, double share, sbr_split *out, sbr_err *err);

/* session-rec's window parameters for a dataset (conf/preprocess/session_based/window):
 * rsc15, retailrocket, diginetica, nowplaying, 30music, tmall. Returns false for an unknown
 * name. sbr_window_preset_name(i) lists them (NULL after the last). */
bool sbr_window_preset(const char *name, sbr_window_options *out);
const char *sbr_window_preset_name(size_t i);

/* Frees the datasets of a split and zeroes it. NULL is a no-op. */
void sbr_split_fini(sbr_split *split);

#endif
