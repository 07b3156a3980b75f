/* Train/test splits by time (session-rec's split_data_slice and split_data).
 *
 * Both splits reduce to one cut: given [start, end] and middle, every session is classified
 * by its last click time alone (outside, train, or test), which is what session-rec does with
 * `groupby('SessionId').Time.max()`. The outputs are built with sbr_dataset_select from
 * per-click keep masks, so original ids, times and row ordinals are carried over unchanged and
 * each output renumbers its own dense item indices. Items are matched between train and test
 * by dense index of the input dataset, which is the same item in both.
 *
 * Decisions where session-rec has no rule of its own:
 *  - days_shift may be 0 only when slices == 1 (the shift is then unused); with several
 *    slices a zero shift would cut the same window again and again, which is a mistake in the
 *    parameters rather than a useful experiment, so it is rejected.
 *  - A test session that loses all its clicks to the unseen-item rule counts as a dropped
 *    short session (0 < 2 clicks left), so that the window's test sessions always equal
 *    test->n_sessions + test_sessions_short; its clicks are counted once, as unseen.
 *  - Every boundary must be a finite number; options so large that a boundary overflows are
 *    rejected as invalid. */
#include "data/split.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/parse.h"

#define SECONDS_PER_DAY 86400.0

/* Writes t as a UTC date for messages; far outside years 1..9999 (where a date cannot be
 * shown) the plain number of seconds is written instead. */
static const char *format_time(char *buf, size_t buf_size, double t)
{
    if (t >= -62135596800.0 && t < 253402300800.0)
        return sbr_format_utc(buf, buf_size, t);
    return sbr_format_double(buf, buf_size, t);
}

/* SBR_OK when v is finite and > 0 (positive) or >= 0 (!positive); else SBR_EINVAL naming it. */
static sbr_rc check_days(const char *name, double v, bool positive, sbr_err *err)
{
    if (!isfinite(v) || (positive ? !(v > 0) : !(v >= 0)))
        return sbr_err_set(err, SBR_EINVAL, "split: %s=%g must be a finite number of days %s", name,
                           v, positive ? "> 0" : ">= 0");
    return SBR_OK;
}

/* What to cut: the boundaries, and words for the message of an empty training part. */
typedef struct cut_plan {
    double start, middle, end;
    const char *what; /* "window 3", ... */
    const char *hint; /* which options to change */
} cut_plan;

/* Cuts ds at plan into *out (already zeroed by the caller). On failure *out may still hold
 * the train dataset: run_cut frees it. */
static sbr_rc cut(const sbr_dataset *ds, const cut_plan *plan, sbr_split *out, sbr_err *err)
{
    sbr_rc rc = SBR_OK;
    bool *keep_train = sbr_alloc_array(ds->n_clicks, sizeof *keep_train);
    bool *keep_test = sbr_alloc_array(ds->n_clicks, sizeof *keep_test);
    bool *seen = sbr_alloc_array(ds->n_items, sizeof *seen);
    if (keep_train == NULL || keep_test == NULL || seen == NULL) {
        rc = sbr_err_set(err, SBR_ENOMEM, "split: out of memory");
        goto done;
    }
    memset(keep_train, 0, ds->n_clicks * sizeof *keep_train);
    memset(keep_test, 0, ds->n_clicks * sizeof *keep_test);
    memset(seen, 0, ds->n_items * sizeof *seen);

    /* Pass 1: classify sessions by their last click; mark train clicks and train items. */
    size_t n_train_sessions = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        double last = sbr_dataset_session_end(ds, s);
        if (last < plan->start || last > plan->end) {
            out->sessions_outside++;
        } else if (last < plan->middle) {
            n_train_sessions++;
            for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
                keep_train[c] = true;
                seen[ds->items[c]] = true;
            }
        }
    }
    if (n_train_sessions == 0) {
        if (ds->n_sessions == 0) {
            rc = sbr_err_set(err, SBR_EINVAL,
                             "split: %s has no training session: the dataset "
                             "is empty",
                             plan->what);
            goto done;
        }
        char b_start[32], b_middle[32], b_end[32], b_first[32], b_last[32];
        double first = 0, last = 0;
        sbr_dataset_time_range(ds, &first, &last);
        format_time(b_start, sizeof b_start, plan->start);
        format_time(b_middle, sizeof b_middle, plan->middle);
        format_time(b_end, sizeof b_end, plan->end);
        format_time(b_first, sizeof b_first, first);
        format_time(b_last, sizeof b_last, last);
        rc = sbr_err_set(err, SBR_EINVAL,
                         "split: %s has no training session: it trains on sessions ending in [%s, "
                         "%s) and tests on those ending in [%s, %s] UTC, but the %zu sessions' "
                         "clicks run from %s to %s UTC; %s so that some session ends in the "
                         "training part",
                         plan->what, b_start, b_middle, b_middle, b_end, ds->n_sessions, b_first,
                         b_last, plan->hint);
        goto done;
    }

    /* Pass 2: test sessions keep only clicks on train items and need 2 of them. */
    for (size_t s = 0; s < ds->n_sessions; s++) {
        double last = sbr_dataset_session_end(ds, s);
        if (last < plan->middle || last > plan->end)
            continue;
        size_t len = 0;
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
            keep_test[c] = seen[ds->items[c]];
            len += keep_test[c];
        }
        out->test_clicks_unseen += sbr_dataset_session_len(ds, s) - len;
        if (len < 2) {
            for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++)
                keep_test[c] = false;
            out->test_sessions_short++;
            out->test_clicks_short += len;
        }
    }

    rc = sbr_dataset_select(ds, keep_train, &out->train, err);
    if (rc == SBR_OK)
        rc = sbr_dataset_select(ds, keep_test, &out->test, err);
    if (rc == SBR_OK) {
        out->start = plan->start;
        out->middle = plan->middle;
        out->end = plan->end;
    }

done:
    free(keep_train);
    free(keep_test);
    free(seen);
    return rc;
}

/* Cuts the plan and, on failure, leaves *out zeroed (no datasets). */
static sbr_rc run_cut(const sbr_dataset *ds, const cut_plan *plan, sbr_split *out, sbr_err *err)
{
    sbr_rc rc = cut(ds, plan, out, err);
    if (rc != SBR_OK)
        sbr_split_fini(out);
    return rc;
}

sbr_rc sbr_split_window(const sbr_dataset *ds, const sbr_window_options *opt, unsigned slice,
                        sbr_split *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    if (ds == NULL || opt == NULL)
        return sbr_err_set(err, SBR_EINVAL, "split: no dataset or no window options");
    sbr_rc rc;
    if ((rc = check_days("days_train", opt->days_train, true, err)) != SBR_OK ||
        (rc = check_days("days_test", opt->days_test, true, err)) != SBR_OK ||
        (rc = check_days("days_offset", opt->days_offset, false, err)) != SBR_OK ||
        (rc = check_days("days_shift", opt->days_shift, false, err)) != SBR_OK)
        return rc;
    if (opt->slices < 1)
        return sbr_err_set(err, SBR_EINVAL, "split: slices=%u must be at least 1", opt->slices);
    if (slice >= opt->slices)
        return sbr_err_set(err, SBR_EINVAL, "split: slice %u is out of range (slices=%u)", slice,
                           opt->slices);
    if (opt->slices > 1 && !(opt->days_shift > 0))
        return sbr_err_set(err, SBR_EINVAL,
                           "split: days_shift=%g must be > 0 with slices=%u (every window "
                           "would be the same)",
                           opt->days_shift, opt->slices);

    double t0 = 0, t1 = 0;
    sbr_dataset_time_range(ds, &t0, &t1);
    cut_plan plan;
    plan.start = t0 + (opt->days_offset + (double)slice * opt->days_shift) * SECONDS_PER_DAY;
    plan.middle = plan.start + opt->days_train * SECONDS_PER_DAY;
    plan.end = plan.middle + opt->days_test * SECONDS_PER_DAY;
    /* Every term is >= 0, so end is the largest: if it is finite, all are. */
    if (!isfinite(plan.end))
        return sbr_err_set(err, SBR_EINVAL,
                           "split: window %u lies beyond any representable time (days_offset=%g, "
                           "days_shift=%g, days_train=%g, days_test=%g)",
                           slice, opt->days_offset, opt->days_shift, opt->days_train,
                           opt->days_test);
    char what[32];
    snprintf(what, sizeof what, "window %u", slice);
    plan.what = what;
    plan.hint = "change days_offset, days_shift or days_train";
    return run_cut(ds, &plan, out, err);
}

sbr_rc sbr_split_last_days(const sbr_dataset *ds, double days_test, sbr_split *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    if (ds == NULL)
        return sbr_err_set(err, SBR_EINVAL, "split: no dataset");
    sbr_rc rc = check_days("days_test", days_test, true, err);
    if (rc != SBR_OK)
        return rc;
    double t0 = 0, t1 = 0;
    sbr_dataset_time_range(ds, &t0, &t1);
    cut_plan plan;
    plan.start = t0;
    plan.middle = t1 - days_test * SECONDS_PER_DAY;
    plan.end = t1;
    if (!isfinite(plan.middle))
        return sbr_err_set(err, SBR_EINVAL,
                           "split: days_test=%g reaches beyond any representable time", days_test);
    plan.what = "the last-days split";
    plan.hint = "choose a smaller days_test";
    return run_cut(ds, &plan, out, err);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

sbr_rc sbr_split_last_sessions(const sbr_dataset *ds, double share, sbr_split *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    if (ds == NULL)
        return sbr_err_set(err, SBR_EINVAL, "split: no dataset");
    if (!(share > 0 && share < 1))
        return sbr_err_set(err, SBR_EINVAL,
                           "split: share=%g of the latest sessions must be in (0, 1)", share);
    if (ds->n_sessions == 0)
        return sbr_err_set(err, SBR_EINVAL, "split: the latest sessions: the dataset is empty");
    double *ends = sbr_alloc_array(ds->n_sessions, sizeof *ends);
    if (ends == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "split: out of memory");
    for (size_t s = 0; s < ds->n_sessions; s++)
        ends[s] = sbr_dataset_session_end(ds, s);
    qsort(ends, ds->n_sessions, sizeof *ends, compare_double);
    size_t n_test = (size_t)ceil(share * (double)ds->n_sessions);
    if (n_test < 1)
        n_test = 1;
    cut_plan plan;
    plan.start = ends[0];
    plan.middle = ends[ds->n_sessions - n_test];
    plan.end = ends[ds->n_sessions - 1];
    free(ends);
    plan.what = "the latest-sessions split";
    plan.hint = "choose a smaller share";
    return run_cut(ds, &plan, out, err);
}

void sbr_split_fini(sbr_split *split)
{
    if (split == NULL)
        return;
    sbr_dataset_free(split->train);
    sbr_dataset_free(split->test);
    memset(split, 0, sizeof *split);
}

typedef struct window_preset {
    const char *name;
    sbr_window_options w;
} window_preset;

/* session-rec-reference section 4.2. */
static const window_preset presets[] = {
    {"rsc15", {30, 1, 5, 5, 31}},       {"retailrocket", {25, 2, 5, 0, 27}},
    {"diginetica", {25, 7, 5, 45, 18}}, {"nowplaying", {90, 5, 5, 0, 60}},
    {"30music", {90, 5, 5, 0, 60}},     {"tmall", {90, 1, 5, 1, 10}},
};

bool sbr_window_preset(const char *name, sbr_window_options *out)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            *out = presets[i].w;
            return true;
        }
    }
    return false;
}

const char *sbr_window_preset_name(size_t i)
{
    return i < sizeof presets / sizeof presets[0] ? presets[i].name : NULL;
}
