/* The results store: an SQLite database that `sbr run` and `sbr eval --out` write their rows to,
 * and from which the CSV files (metrics.csv, datasets.csv) are exported.
 *
 * The store is the source of truth; the CSV files are views of it, rewritten atomically after
 * each job. Any number of processes may write one store at once: it runs in WAL mode with a
 * busy timeout, and each job's rows go in one transaction, so a process killed in the middle
 * leaves every finished job's rows and none of the unfinished one's. Nothing here prints.
 *
 * Schema (user_version 1):
 *   results  one row per (dataset, split, algorithm, params, cutoff), the primary key; the
 *            columns of metrics.csv (eval/report.h) with SQL types (TEXT, INTEGER, REAL; the
 *            latency columns NULL when latency was not measured), then `label` (the [algo]
 *            label, or the algorithm's name), `fingerprint` (sbr_rstore_fingerprint: the
 *            inputs the row was computed from) and `seq` (the order of writing: metrics.csv
 *            lists the rows by seq, so a replaced row moves to the end, as the CSV always did).
 *   parts    one row per (dataset, split, part): the columns of datasets.csv, and seq.
 *   ranks    one row per job (dataset, split, algorithm, params): n_predictions and the rank
 *            of every target as a BLOB of unsigned LEB128 varints (0 = not in the list),
 *            in evaluation order; written only with --per-session.
 *   latency_len  one row per (dataset, split, algorithm, params, bucket): the timed predictions
 *            with a prefix length in the bucket (eval/harness.h) and their p50 and p90 in
 *            microseconds; written by `sbr run` after a job measured latency (added to schema 1
 *            later: opening an older store creates the table).
 *   meta     key/value text: "created_by" (the version that created the store).
 *
 * A store handle is not thread-safe: use one per thread (or process). The prefix is sbr_rstore_
 * ("results store"): sbr_store_ is the live-session store of eval/session_store.h. */
#ifndef SBR_EVAL_STORE_H
#define SBR_EVAL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"
#include "eval/harness.h"

typedef struct sbr_rstore sbr_rstore;

enum {
    SBR_RSTORE_FINGERPRINT = 33,   /* 32 hex digits and a NUL */
    SBR_RSTORE_PART_COLS = 9,      /* the columns of datasets.csv */
    SBR_RSTORE_PART_FIRST_TIME = 6 /* first_time, then last_time and span_days */
};

/* The store that belongs to the CSV file `csv`: its path with a ".csv" ending replaced by
 * ".db" ("results/metrics.csv" -> "results/metrics.db"), or ".db" appended when it has no
 * such ending. Cut to size. */
void sbr_rstore_path_for(const char *csv, char *out, size_t size);

/* Opens the store at path, creating it (and its tables) when absent. When the store is new and
 * the CSV files given exist (metrics_csv, parts_csv; either may be NULL), their rows are
 * imported first, with an empty fingerprint, so that rows written before the store existed
 * are kept (a resume then runs their jobs again: their inputs are unknown). On success *out is
 * a new handle (close with sbr_rstore_free). Errors: SBR_EIO naming the path and SQLite's
 * message (cannot open, not a database, locked past the busy timeout, a newer schema),
 * SBR_EINVAL (an imported CSV has other columns), SBR_EPARSE (an imported cell is malformed,
 * naming file, line and column), SBR_ENOMEM; *out is then NULL and nothing was changed. */
sbr_rc sbr_rstore_open(const char *path, const char *metrics_csv, const char *parts_csv,
                       sbr_rstore **out, sbr_err *err);

/* Closes the store; NULL is a no-op. */
void sbr_rstore_free(sbr_rstore *st);

/* The rank of each target of a job, for --per-session (may be NULL in sbr_rstore_job). */
typedef struct sbr_rstore_ranks {
    const uint32_t *rank; /* n entries: 1-based rank of the target in its list, 0 = absent */
    size_t n;
} sbr_rstore_ranks;

/* One job's rows: n_rows rows of SBR_METRICS_COLS cells, as sbr_metrics_row formats them (the
 * first SBR_METRICS_KEY_COLS cells the key). */
typedef struct sbr_rstore_job {
    const char *const *cells;
    size_t n_rows;
    const char *label;       /* the [algo] label, or the algorithm's name */
    const char *fingerprint; /* sbr_rstore_fingerprint's text */
    bool has_latency;        /* false: the latency cells are not measurements */
    const sbr_rstore_ranks *ranks;
} sbr_rstore_job;

/* Writes a job's rows in one transaction, replacing the rows of the same keys (they move to
 * the end of the export order). Without latency, a replaced row's latency is kept when it was
 * measured on the same inputs (same fingerprint); otherwise it is NULL. With ranks, the job's
 * ranks row is written (replaced); without, a ranks row of another fingerprint is removed.
 * Errors: SBR_EPARSE (a cell that is not a number where the column holds numbers, naming it),
 * SBR_EIO (SQLite's message), SBR_ENOMEM; the store is then unchanged. */
sbr_rc sbr_rstore_put_job(sbr_rstore *st, const sbr_rstore_job *job, sbr_err *err);

/* Writes one datasets.csv row (SBR_RSTORE_PART_COLS cells: dataset, split, part, sessions,
 * clicks, items, first_time, last_time, span_days), replacing the row of the same (dataset,
 * split, part). Empty time cells (a dataset with synthetic time) are stored as NULL and
 * exported empty. Errors: as sbr_rstore_put_job. */
sbr_rc sbr_rstore_put_part(sbr_rstore *st, const char *const *cells, sbr_err *err);

/* Removes the rows of dataset whose label is `label` and whose params differ from keep_params
 * (a tuned label's rows of an earlier winner), in one transaction; *dropped counts them.
 * Errors: SBR_EIO. */
sbr_rc sbr_rstore_drop_label(sbr_rstore *st, const char *dataset, const char *label,
                             const char *keep_params, size_t *dropped, sbr_err *err);

/* Whether the store holds the job (dataset, split, algorithm, params) at every one of the
 * n_cutoffs cutoffs. With fingerprint non-NULL, every row must also carry that fingerprint;
 * *changed is then set when the rows exist with another one (the input changed). Errors:
 * SBR_EIO. */
sbr_rc sbr_rstore_has_job(sbr_rstore *st, const char *dataset, const char *split,
                          const char *algorithm, const char *params, const size_t *cutoffs,
                          size_t n_cutoffs, const char *fingerprint, bool *done, bool *changed,
                          sbr_err *err);

/* Whether the store holds the ranks of the job (dataset, split, algorithm, params) computed on
 * the inputs `fingerprint`. Errors: SBR_EIO. */
sbr_rc sbr_rstore_has_ranks(sbr_rstore *st, const char *dataset, const char *split,
                            const char *algorithm, const char *params, const char *fingerprint,
                            bool *has, sbr_err *err);

/* Rewrites metrics.csv (the columns of eval/report.h and then `label`, rows by seq; NULL
 * latency as "0.000",
 * as an evaluation without latency always wrote it) or datasets.csv at path from the store,
 * atomically (data/output.h). The export holds the store's write lock while it reads and
 * renames, so concurrent exporters run one after another and the last one writes the latest
 * state. Errors: SBR_EIO, SBR_ENOMEM; the file is then unchanged. */
sbr_rc sbr_rstore_export_metrics(sbr_rstore *st, const char *path, sbr_err *err);
sbr_rc sbr_rstore_export_parts(sbr_rstore *st, const char *path, sbr_err *err);

/* A job's stored ranks: *out (malloc'ed, *n entries; free() it) decoded from the ranks row
 * of the job. Errors: SBR_EINVAL (no such row), SBR_EPARSE (a BLOB that does not decode to
 * its count), SBR_EIO, SBR_ENOMEM. */
sbr_rc sbr_rstore_get_ranks(sbr_rstore *st, const char *dataset, const char *split,
                            const char *algorithm, const char *params, uint32_t **out, size_t *n,
                            sbr_err *err);

/* Writes a job's latency by prefix length (all SBR_LEN_BUCKETS buckets, replacing earlier ones)
 * in one transaction. Errors: SBR_EIO (SQLite's message); the store is then unchanged. */
sbr_rc sbr_rstore_put_latency_len(sbr_rstore *st, const char *dataset, const char *split,
                                  const char *algorithm, const char *params,
                                  const char *fingerprint,
                                  const sbr_lat_len buckets[SBR_LEN_BUCKETS], sbr_err *err);

/* A job's latency by prefix length into out[SBR_LEN_BUCKETS] (buckets without a row: n = 0).
 * Errors: SBR_EINVAL (none stored), SBR_EIO. */
sbr_rc sbr_rstore_get_latency_len(sbr_rstore *st, const char *dataset, const char *split,
                                  const char *algorithm, const char *params,
                                  sbr_lat_len out[SBR_LEN_BUCKETS], sbr_err *err);

/* The [algo] label stored with the rows of (dataset, algorithm, params) (the first written), into
 * out (cut to size). Errors: SBR_EINVAL (no such row, or an empty label), SBR_EIO. */
sbr_rc sbr_rstore_get_label(sbr_rstore *st, const char *dataset, const char *algorithm,
                            const char *params, char *out, size_t size, sbr_err *err);

/* The fingerprint of a job's inputs: a 128-bit hash, as 32 hex digits, of the train and the
 * test set actually used (every column of each loaded dataset: offsets, dense items, times,
 * row ordinals, session and item ids, and the counts), followed by `settings` (the split
 * settings and anything else that changes the results: seed, unseen-item handling). train
 * may be NULL (a loaded model: then hash its vocabulary into settings or extra). The hash is
 * not cryptographic: it detects changed inputs, not forged ones. */
void sbr_rstore_fingerprint(const sbr_dataset *train, const sbr_dataset *test, const char *settings,
                            char out[SBR_RSTORE_FINGERPRINT]);

/* The streaming hash behind the fingerprint, for callers that add more inputs. */
typedef struct sbr_hash128 {
    uint64_t a, b;
} sbr_hash128;
void sbr_hash128_init(sbr_hash128 *h);
void sbr_hash128_bytes(sbr_hash128 *h, const void *bytes, size_t n);
void sbr_hash128_hex(const sbr_hash128 *h, char out[SBR_RSTORE_FINGERPRINT]);

/* Varint (unsigned LEB128) coding of ranks: sbr_varint_encode writes n values into buf
 * (5 * n bytes always suffice) and returns the bytes used; sbr_varint_decode reads exactly n
 * values from len bytes and returns false when the bytes end early, hold a value over 32
 * bits, or have bytes left over. */
size_t sbr_varint_encode(const uint32_t *v, size_t n, unsigned char *buf);
bool sbr_varint_decode(const unsigned char *buf, size_t len, uint32_t *v, size_t n);

#endif
