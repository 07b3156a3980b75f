/* The in-memory session dataset: clicks grouped by session in CSR form.
 *
 * Order rules (results depend on them, so they are fixed here):
 *  - sessions are sorted by their original SessionId, ascending (session-rec's and Serenade's
 *    order); all clicks with the same SessionId form one session, wherever they are in the file;
 *  - within a session, clicks are sorted by time, ascending; clicks with equal times keep their
 *    order in the file (a stable sort);
 *  - dense item indices are the ranks of the original ItemIds, ascending, so "ties broken by
 *    item id ascending" is "ties broken by dense index ascending".
 * Each click also keeps its data-row ordinal in the source file, so that a reference's own
 * file-order reading (Serenade's) can be rebuilt exactly. When the ordinals are 0, 1, 2, ... in
 * dataset order (a file written in dataset order, no row dropped: the usual case) they are
 * not stored (rows == NULL, 8 bytes per click saved); read them with sbr_dataset_row. In the
 * same spirit, SessionIds that mostly step by one (files numbered so, then split or filtered:
 * a few gaps) are kept as runs of consecutive ids (16 bytes a run instead of 8 a session)
 * when there is at most one run per 16 sessions; read them with sbr_dataset_session_id.
 *
 * A dataset is immutable once built; any number of threads may read it at once. */
#ifndef SBR_DATA_DATASET_H
#define SBR_DATA_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

/* A run of consecutive SessionIds: session `start` has id `id`, start + 1 has id + 1, ... up to
 * the next run's start. Runs ascend in start (the first is 0) and in id. */
typedef struct sbr_id_run {
    uint64_t start;
    uint64_t id;
} sbr_id_run;

/* One click as read from a file, before grouping. */
typedef struct sbr_click {
    uint64_t session; /* original SessionId */
    uint64_t item;    /* original ItemId */
    double time;      /* epoch seconds (finite, >= 0) */
    uint64_t row;     /* data-row ordinal in the file, 0-based: the tie-break for equal times */
} sbr_click;

typedef struct sbr_dataset {
    size_t n_sessions;
    size_t n_clicks;
    size_t n_items;
    size_t *offsets;       /* [n_sessions + 1]: session s holds clicks offsets[s]..offsets[s+1]-1 */
    uint32_t *items;       /* [n_clicks] dense item index */
    double *times;         /* [n_clicks] epoch seconds, ascending within a session */
    uint64_t *rows;        /* [n_clicks] data-row ordinal in the source file; NULL when
                              click c's ordinal is c (see sbr_dataset_row) */
    uint64_t *session_ids; /* [n_sessions] original SessionIds, ascending; NULL when they are
                              kept as runs (see sbr_dataset_session_id) */
    struct sbr_id_run *id_runs; /* [n_id_runs] when session_ids is NULL (n_sessions > 0) */
    size_t n_id_runs;
    uint64_t *item_ids; /* [n_items] original ItemIds, ascending: item_ids[dense index] */
} sbr_dataset;

/* Builds a dataset from n clicks. The array is sorted in place (by session, time, row) and
 * stays the caller's. Row ordinals must be distinct. On success *out owns a new dataset; free
 * it with sbr_dataset_free. Errors: SBR_EINVAL (more than 2^32-1 distinct items), SBR_ENOMEM;
 * *out is then NULL. */
sbr_rc sbr_dataset_from_clicks(sbr_click *clicks, size_t n, sbr_dataset **out, sbr_err *err);

/* A dataset built click by click from clicks that arrive in dataset order (session, then
 * time, then row, all ascending, as most session files are written): it holds only the
 * dataset's columns and a hash table of the distinct items, never an array of clicks. */
typedef struct sbr_dataset_builder sbr_dataset_builder;

/* A new, empty builder; NULL when out of memory. Free with sbr_dataset_builder_free. */
sbr_dataset_builder *sbr_dataset_builder_new(void);

/* Appends a click. Returns 1 when added, 0 when the click is out of dataset order (nothing is
 * added; the builder stays usable for sbr_dataset_builder_clicks), -1 when out of memory. */
int sbr_dataset_builder_add(sbr_dataset_builder *b, const sbr_click *c);

/* The clicks added so far, in order, into a new malloc'ed array (*clicks, *n), for a caller
 * that must continue with sbr_dataset_from_clicks. Errors: SBR_ENOMEM. */
sbr_rc sbr_dataset_builder_clicks(sbr_dataset_builder *b, sbr_click **clicks, size_t *n,
                                  sbr_err *err);

/* Ranks the items and turns the builder's columns into *out (the same dataset that
 * sbr_dataset_from_clicks builds from the same clicks). Afterwards, whether it succeeded or
 * not, the builder may only be freed. Errors: SBR_EINVAL (more than 2^32-1 distinct items),
 * SBR_ENOMEM. */
sbr_rc sbr_dataset_builder_finish(sbr_dataset_builder *b, sbr_dataset **out, sbr_err *err);

/* Frees the builder. NULL is a no-op. */
void sbr_dataset_builder_free(sbr_dataset_builder *b);

/* Builds the dataset of the clicks c with keep[c] true (keep == NULL keeps all). Items and
 * sessions left without clicks disappear and dense item indices are renumbered; original ids,
 * times and row ordinals are kept. Errors: SBR_ENOMEM. */
sbr_rc sbr_dataset_select(const sbr_dataset *ds, const bool *keep, sbr_dataset **out, sbr_err *err);

/* Frees the dataset. NULL is a no-op. */
void sbr_dataset_free(sbr_dataset *ds);

/* The dense index of an original ItemId: true and *index set when the dataset has the item,
 * false otherwise. O(log n_items). */
bool sbr_dataset_find_item(const sbr_dataset *ds, uint64_t item_id, uint32_t *index);

/* The index of a session by its original SessionId, as sbr_dataset_find_item. */
bool sbr_dataset_find_session(const sbr_dataset *ds, uint64_t session_id, size_t *index);

/* The number of clicks of session s. */
static inline size_t sbr_dataset_session_len(const sbr_dataset *ds, size_t s)
{
    return ds->offsets[s + 1] - ds->offsets[s];
}

/* The data-row ordinal of click c in its source file. */
static inline uint64_t sbr_dataset_row(const sbr_dataset *ds, size_t c)
{
    return ds->rows != NULL ? ds->rows[c] : (uint64_t)c;
}

/* The id of session s in the runs[0..n) (n >= 1, runs[0].start == 0). O(log n). */
static inline uint64_t sbr_id_runs_get(const sbr_id_run *runs, size_t n, size_t s)
{
    size_t lo = 0, hi = n; /* the last run with start <= s */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (runs[mid].start <= s)
            lo = mid;
        else
            hi = mid;
    }
    return runs[lo].id + ((uint64_t)s - runs[lo].start);
}

/* The original SessionId of session s (s < n_sessions). O(log n_id_runs) when kept as runs. */
static inline uint64_t sbr_dataset_session_id(const sbr_dataset *ds, size_t s)
{
    return ds->session_ids != NULL ? ds->session_ids[s]
                                   : sbr_id_runs_get(ds->id_runs, ds->n_id_runs, s);
}

/* The time of the last click of session s (its max time). */
static inline double sbr_dataset_session_end(const sbr_dataset *ds, size_t s)
{
    return ds->times[ds->offsets[s + 1] - 1];
}

/* The clicks in the order a reader of the source file meets them row by row: sessions in order
 * of their first row, and each session's clicks by row (session-rec fits its models in this
 * order). order receives the n_clicks click indices and starts the n_sessions + 1 offsets:
 * the k-th session met has clicks order[starts[k]] .. order[starts[k+1]-1]. Both arrays are the
 * caller's. Errors: SBR_ENOMEM. */
sbr_rc sbr_dataset_file_order(const sbr_dataset *ds, size_t *order, size_t *starts, sbr_err *err);

/* Bytes held by the dataset's arrays. */
size_t sbr_dataset_bytes(const sbr_dataset *ds);

/* Earliest and latest click time over the whole dataset; both 0 for an empty dataset. */
void sbr_dataset_time_range(const sbr_dataset *ds, double *first, double *last);

#endif
