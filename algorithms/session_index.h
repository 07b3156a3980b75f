/* session_index: the one training-session index of the kNN family (vmis, sknn, vsknn, stan,
 * vstan, sscf, iknn), built once per fit.
 *
 * Sessions are numbered by recency: time descending, then dataset session index (SessionId
 * order) descending; 0 is the most recent. What a session's time is depends on the reading
 * (session-rec and VMIS clean: its last click; Serenade: see SBR_READ_SERENADE). The index
 * holds, in flat arrays it owns (no pointer into the training set, so it can be written to a
 * model file as it is):
 *  - session -> distinct items (CSR, ascending), optionally each pair's click count and the
 *    1-based position of the item's last click, and optionally the clicks in click order;
 *  - item -> sessions (CSR), each list most recent first (ascending session number), every
 *    entry carrying the session's recency key beside its number so that a candidate search
 *    reads both in one load; optionally the item's click count in that session beside it;
 *  - per item: training clicks, sessions holding it; per session: time, key, dataset index;
 *  - optionally each item's CPython set of sessions (pyset.h) for session-rec's tie order,
 *    and an idf array (sbr_session_index_set_idf).
 *
 * The index is immutable once built (and pruned): any number of threads may read it. */
#ifndef SBR_ALGORITHMS_SESSION_INDEX_H
#define SBR_ALGORITHMS_SESSION_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

/* An entry of an item's session list: the session and its recency key. */
typedef struct sbr_sess_ref {
    uint32_t s;   /* session number (0 = most recent) */
    uint32_t key; /* recency key: larger = more recent (see sbr_key_kind) */
} sbr_sess_ref;

/* How the training rows are read. */
typedef enum sbr_reading {
    /* Every click (at or after the last_n_days cutoff); a session's time is its last click
     * (sbr_dataset_session_end, over all its clicks). */
    SBR_READ_ALL = 0,
    /* Serenade's CSV reader (VMIS compat=serenade, reference quirks Q1, Q2): each session's
     * rows in file order; the final row of the last session (by SessionId) is never read (a
     * session left without rows disappears); the time is the maximum over the rows that
     * introduce a new item, each rounded half away from zero and cut to 32 bits. */
    SBR_READ_SERENADE = 1
} sbr_reading;

/* What the recency key of a session is. */
typedef enum sbr_key_kind {
    SBR_KEY_TIME = 0,  /* the dense rank of the session times: equal times, equal keys */
    SBR_KEY_STRICT = 1 /* n_sessions - 1 - the session number: a strict order */
} sbr_key_kind;

typedef enum sbr_idf_kind {
    SBR_IDF_CLICKS = 0,   /* ln(n_indexed / item_clicks[i]) (session-rec: clicks, as coded) */
    SBR_IDF_SESSIONS = 1, /* ln(n_indexed / item_n_sess[i]) */
    SBR_IDF_PAIRS = 2     /* ln(n_pairs_indexed / item_n_sess[i]) (Serenade, Q3) */
} sbr_idf_kind;

/* What to build. A zero-initialised struct asks for the plain index of every click. */
typedef struct sbr_session_index_opts {
    long last_n_days;    /* > 0: only clicks at or after UTC midnight of the last training day
                            minus last_n_days days; sessions without one are left out */
    sbr_reading reading; /* SBR_READ_ALL or SBR_READ_SERENADE (which ignores last_n_days) */
    sbr_key_kind key;
    bool click_order; /* click_off / click_items */
    bool pair_stats;  /* pair_count / pair_last */
    bool list_counts; /* item_count (implies pair_stats) */
    bool pysets;      /* sess_hash and py_* for the CPython set emulation */
    bool no_lists;    /* no item lists yet: the caller builds them with sbr_session_index_prune
                         (item_off, item_sess, item_n_sess NULL until then; not with pysets),
                         so the full lists and the pruned ones never coexist at peak memory */
} sbr_session_index_opts;

typedef struct sbr_session_index {
    size_t n_items;          /* the training set's dense item space */
    size_t n_sessions;       /* sessions read (with at least one kept click) */
    size_t n_indexed;        /* sessions in the item lists (n_sessions unless pruned) */
    uint64_t n_pairs;        /* (session, distinct item) pairs of all sessions */
    uint64_t n_pairs_listed; /* pairs of the sessions in the item lists */
    size_t max_clicks;       /* the longest session, in kept clicks */
    /* sessions */
    uint32_t *sess_off;    /* [n_sessions + 1] into sess_items */
    uint32_t *sess_items;  /* [n_pairs] distinct items, ascending */
    uint32_t *pair_count;  /* [n_pairs] the item's clicks in the session (pair_stats) */
    uint32_t *pair_last;   /* [n_pairs] 1-based position of its last click (pair_stats) */
    uint32_t *click_off;   /* [n_sessions + 1] into click_items (click_order) */
    uint32_t *click_items; /* the kept clicks in click order (click_order) */
    double *sess_time;     /* [n_sessions] the time the recency order uses */
    uint32_t *sess_key;    /* [n_sessions] the recency key */
    uint32_t *sess_src;    /* [n_sessions] the session's index in the training dataset */
    /* items */
    uint32_t *item_off;      /* [n_items + 1] into item_sess */
    sbr_sess_ref *item_sess; /* each item's sessions, most recent first */
    uint32_t *item_count;    /* aligned with item_sess: the item's clicks there (list_counts) */
    uint32_t *item_clicks;   /* [n_items] kept training clicks on the item */
    uint32_t *item_n_sess;   /* [n_items] listed sessions holding it (before max_per_item) */
    double *idf;             /* [n_items] after sbr_session_index_set_idf, else NULL */
    /* CPython set emulation (pysets), else NULL / 0 */
    uint64_t *sess_hash; /* [n_sessions] Python's hash of the SessionId */
    uint32_t *py_sess;   /* each item's sessions in its Python set's slot order (item_off) */
    uint32_t *py_slot;   /* their slots */
    size_t *py_mask;     /* [n_items] the set's table size - 1 */
    size_t py_cap;       /* table capacity every emulated set fits in */
} sbr_session_index;

/* Builds the index of train under opts into *out (owned by the caller: free with
 * sbr_session_index_free). `who` names the algorithm in messages. Errors: SBR_EINVAL (2^32 - 1
 * or more sessions, clicks or items: "<who>: ..."), SBR_ENOMEM; *out is then NULL. */
sbr_rc sbr_session_index_build(const sbr_dataset *train, const sbr_session_index_opts *opts,
                               const char *who, sbr_session_index **out, sbr_err *err);

/* Rebuilds the item lists without the sessions of more than max_len distinct items (SIZE_MAX:
 * keep all) and keeps at most max_per_item (SIZE_MAX: all) sessions per item, the most recent.
 * Updates n_indexed, n_pairs_listed and item_n_sess (counted before the max_per_item cut); the
 * sessions themselves stay. Not with pysets (SBR_EINVAL). Errors: SBR_ENOMEM (ix unchanged). */
sbr_rc sbr_session_index_prune(sbr_session_index *ix, size_t max_len, size_t max_per_item,
                               const char *who, sbr_err *err);

/* Fills ix->idf with idf variant `kind`; items without a click (or listed session) get 0.
 * Errors: SBR_ENOMEM. */
sbr_rc sbr_session_index_set_idf(sbr_session_index *ix, sbr_idf_kind kind, const char *who,
                                 sbr_err *err);

/* The number of the session with dataset index `src`, or UINT32_MAX when it is not indexed.
 * O(n_sessions): for tests and reports. */
uint32_t sbr_session_index_find(const sbr_session_index *ix, size_t src);

/* Bytes held by the index (its arrays and the struct). */
size_t sbr_session_index_bytes(const sbr_session_index *ix);

typedef struct sbr_model_writer sbr_model_writer; /* algorithms/model_file.h */
typedef struct sbr_model_reader sbr_model_reader;

/* Writes ix through w, every array as it is (absent ones marked), for a model file. */
void sbr_session_index_save(const sbr_session_index *ix, sbr_model_writer *w);

/* Reads an index sbr_session_index_save wrote into *out (free with sbr_session_index_free),
 * checking what predict relies on: every array of its stated length, offsets ascending
 * within bounds, every item and session number in range. So a file that passed its checksum
 * but is inconsistent is refused, never read out of bounds. Errors: SBR_EPARSE, SBR_ENOMEM;
 * *out is then NULL. */
sbr_rc sbr_session_index_load(sbr_model_reader *r, sbr_session_index **out, sbr_err *err);

/* Frees the index; accepts NULL. */
void sbr_session_index_free(sbr_session_index *ix);

/* Serenade's `Time.round() as usize` followed by `as u32`, before the cut: half away from
 * zero, negative values saturate to 0. */
uint64_t sbr_serenade_time(double t);

#endif
