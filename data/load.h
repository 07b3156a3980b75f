/* Loading session files (SessionId, ItemId, Time) into a dataset.
 *
 * Columns are found by header name, with the usual aliases (SessionId / session_id /
 * sessionId / session, ItemId / item_id / itemId / item, Time / timestamp / ts; case, '_' and
 * '-' ignored), or given explicitly by name or 1-based number; other columns (CatId, UserId,
 * ArtistId, ...) are ignored. A malformed row is an error naming file, line, column and text,
 * unless skip_bad_rows turns it into a counted drop. Every load reports what it read, kept and
 * dropped. */
#ifndef SBR_DATA_LOAD_H
#define SBR_DATA_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"
#include "data/table.h"

/* Why a row was dropped (with skip_bad_rows). */
typedef enum sbr_drop {
    SBR_DROP_MISSING_FIELD, /* fewer fields than the columns need */
    SBR_DROP_BAD_SESSION,   /* SessionId not a non-negative 64-bit integer */
    SBR_DROP_BAD_ITEM,      /* ItemId not a non-negative 64-bit integer */
    SBR_DROP_BAD_TIME,      /* Time not a finite, non-negative number or ISO-8601 time */
    SBR_DROP_MALFORMED,     /* broken CSV quoting */
    SBR_DROP_N
} sbr_drop;

/* A short name for a drop reason ("bad_time"), used in logs and CSV headers. */
const char *sbr_drop_name(sbr_drop reason);

enum { SBR_COL_SESSION, SBR_COL_ITEM, SBR_COL_TIME, SBR_COL_N };

typedef struct sbr_load_options {
    sbr_table_options table;
    bool has_header;                /* the first record names the columns (default true) */
    const char *columns[SBR_COL_N]; /* header name or 1-based number; NULL: by alias (or
                                       1, 2, 3 without a header) */
    double time_scale;              /* factor to seconds: 1 (default), 0.001 for ms */
    bool skip_bad_rows;             /* count and drop malformed rows instead of failing */
    sbr_progress_fn progress;       /* called every 2^20 rows (done = rows); may be NULL */
    void *progress_user;
    bool general_reader; /* never take the fast path (tests compare the two; default false) */
} sbr_load_options;

/* The defaults described above. */
void sbr_load_options_init(sbr_load_options *opt);

typedef struct sbr_load_stats {
    uint64_t lines;     /* physical lines in the file */
    uint64_t rows_read; /* data rows (not the header, not blank lines) */
    uint64_t rows_kept;
    uint64_t blank_lines;         /* skipped, counted */
    uint64_t dropped[SBR_DROP_N]; /* rows dropped, per reason */
    char delimiter;
    size_t columns[SBR_COL_N]; /* 0-based column indices used */
    bool fast_path;            /* the fast reader produced the clicks (see sbr_load_clicks) */
    bool cache;                /* read from a binary cache (.sbrd, data/cache.h) */
} sbr_load_stats;

/* Total rows dropped over all reasons. */
uint64_t sbr_load_stats_dropped(const sbr_load_stats *st);

/* Reads `path` into clicks: *clicks (malloc'ed, owned by the caller) holds *n clicks in file
 * order with row ordinals 0, 1, ... counted over all data rows (dropped ones included). Fills
 * *stats (may be NULL). Errors: those of sbr_table_read; SBR_EPARSE for a missing column, a
 * malformed row (without skip_bad_rows) or a file without data rows; SBR_EINVAL for a bad
 * column option. On failure *clicks is NULL.
 *
 * Two readers give the same result. A regular file (plain or gzip) with quoting on and a tab,
 * comma or semicolon delimiter is first read by a fast reader: 4 MiB blocks, integer ids and
 * times parsed in place (times exactly as strtod reads them: Clinger's fast path for at most
 * 19 significant digits and a power of ten within 10^+-22, sbr_parse_time otherwise), no
 * per-row objects. It handles LF and CRLF lines, empty lines, extra columns and a UTF-8 BOM;
 * anything else it does not handle exactly as the general reader does (a quote character, a
 * lone CR, blanks at the start of a line or in a used field or the header, a bad row of any
 * kind, a file without data rows, any read error) makes it give up, and the general reader
 * (data/table.h over libcsv) reads the file from the start, so clicks, statistics, errors and
 * drops are always the general reader's. stats->fast_path tells which reader finished.
 *
 * A path ending in ".sbrd" is a binary dataset cache (data/cache.h), read with sbr_cache_load
 * and its errors; the loader options do not apply to it (they applied when it was written).
 * Its clicks come in dataset order with their recorded row ordinals; stats->rows_read is then
 * 1 + the largest ordinal (so ordinals of files loaded after it stay distinct), rows_kept the
 * click count, and stats->cache is set. */
sbr_rc sbr_load_clicks(const char *path, const sbr_load_options *opt, sbr_click **clicks, size_t *n,
                       sbr_load_stats *stats, sbr_err *err);

/* sbr_load_clicks followed by sbr_dataset_from_clicks. On success *out owns the dataset. A
 * cache file (".sbrd") is read directly, with rows_read = rows_kept = its click count. When
 * the fast reader reads a file whose rows are in dataset order (session, then time), the
 * dataset's columns are built as the rows come (sbr_dataset_builder), so the peak memory is
 * about the dataset's own 20 bytes per click instead of 32 more for an array of clicks. */
sbr_rc sbr_load_sessions(const char *path, const sbr_load_options *opt, sbr_dataset **out,
                         sbr_load_stats *stats, sbr_err *err);

/* Loads several session files into one dataset, as if concatenated (row ordinals continue
 * across files, so file order is kept). Fills *stats (may be NULL) with the sums. Errors: as
 * sbr_load_clicks, for the first file that fails. */
sbr_rc sbr_load_sessions_many(const char *const *paths, size_t n_paths, const sbr_load_options *opt,
                              sbr_dataset **out, sbr_load_stats *stats, sbr_err *err);

/* Finds a column of a header record: `spec` is a header name or a 1-based number, or NULL to
 * try the NULL-terminated `aliases` (compared ignoring case, '_', '-' and ' '). Returns true
 * and sets *col (0-based) when found. */
bool sbr_find_column(const sbr_row *header, const char *spec, const char *const *aliases,
                     size_t *col);

/* The aliases tried for each of the three columns, NULL-terminated. */
extern const char *const sbr_session_aliases[];
extern const char *const sbr_item_aliases[];
extern const char *const sbr_time_aliases[];

#endif
