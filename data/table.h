/* Reading delimited text files (TSV, CSV, semicolon-separated), plain or gzip-compressed.
 *
 * One call streams a file record by record to a callback. The file may be .gz or plain (zlib
 * reads both); a UTF-8 byte-order mark is skipped; CRLF and LF line ends are both accepted;
 * quoted fields ("a, b" or "say ""hi""") may hold delimiters and newlines. Every record carries
 * the physical line it starts on, so errors can name it.
 *
 * A file that starts with the gzip magic bytes (or any file whose name ends in ".gz") is read
 * as gzip: several concatenated gzip members are one file (as `cat a.gz b.gz` makes), but a
 * truncated stream, damaged data (a failed CRC), a ".gz" file without a gzip header and any
 * bytes after the last member are errors, never a silently shorter or different file.
 *
 * Limits: a physical line may hold at most SBR_TABLE_MAX_LINE bytes (its '\n' included), and
 * so may a record (a quoted field may run over several lines). A longer one is an error
 * ("path:line: line longer than N bytes"), found while reading, so memory stays bounded (a
 * few times the limit) whatever the file holds. */
#ifndef SBR_DATA_TABLE_H
#define SBR_DATA_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

/* The longest physical line, and the longest record, in bytes: 8 MiB, far above the lines of
 * session data (under 1 KiB) and above the 2 MiB fields the tests read through. */
enum { SBR_TABLE_MAX_LINE = 8 << 20 };

typedef struct sbr_table_options {
    char delimiter;      /* '\t', ',' or ';'; 0 detects it from the first line */
    bool quoting;        /* honour CSV quoting; false for raw dumps whose text holds quotes */
    bool skip_malformed; /* count records with broken quoting instead of failing */
} sbr_table_options;

/* The defaults: detect the delimiter, honour quoting, fail on malformed records. */
void sbr_table_options_init(sbr_table_options *opt);

typedef struct sbr_row {
    const char *const *fields; /* n_fields NUL-terminated texts, valid during the callback */
    const size_t *lens;        /* byte length of each field (a field may hold a NUL byte) */
    size_t n_fields;
    uint64_t line;  /* physical line (1-based) on which the record starts */
    uint64_t index; /* record ordinal, 0-based: record 0 is the header when there is one */
} sbr_row;

/* Called once per record. Return SBR_OK to go on; any other code stops the read, and
 * sbr_table_read returns it with the callback's message in *err. */
typedef sbr_rc (*sbr_row_fn)(void *user, const sbr_row *row, sbr_err *err);

typedef struct sbr_table_info {
    char delimiter;       /* the delimiter used (given or detected) */
    uint64_t lines;       /* physical lines read */
    uint64_t records;     /* records passed to the callback */
    uint64_t blank_lines; /* empty or white-space lines between records, skipped */
    uint64_t malformed;   /* records with broken quoting, skipped (skip_malformed only) */
    uint64_t bytes;       /* bytes of text read (after decompression) */
} sbr_table_info;

/* Streams the records of `path` to fn(user, row, err). Fills *info (may be NULL) also on
 * failure, with what was read so far. Errors: SBR_EIO (cannot open, read error, truncated
 * gzip stream: "path: truncated gzip file ...", damaged gzip data: "path: corrupt gzip data
 * (<zlib's reason>)"), SBR_EPARSE (empty file, no delimiter found, broken quoting, a line or
 * record over SBR_TABLE_MAX_LINE bytes), SBR_ENOMEM, or whatever fn returned. When a gzip file
 * is damaged, that is the error, even if a record decompressed from the damaged part failed
 * first (the rest of the stream is then checked before the record's error is returned).
 * Messages start with "path:line:" where a line is known.
 * Thread-safe: it shares no state between calls. */
sbr_rc sbr_table_read(const char *path, const sbr_table_options *opt, sbr_row_fn fn, void *user,
                      sbr_table_info *info, sbr_err *err);

/* A file's text as raw bytes, in large blocks, with the same handling of plain and gzip files
 * as sbr_table_read (magic bytes, concatenated members, and the same errors for a truncated
 * or damaged stream or trailing bytes; line numbers in those messages are not tracked, so they
 * say "after line 0"). The fast loader (data/load.c) reads through it. */
typedef struct sbr_text sbr_text;

/* Opens `path`. On success *out owns the source (close it with sbr_text_close). Errors:
 * SBR_EIO (cannot open, read error, a ".gz" file without gzip data), SBR_ENOMEM. */
sbr_rc sbr_text_open(const char *path, sbr_text **out, sbr_err *err);

/* Fills buf with up to cap bytes of text, fewer only at the end of the file (*n is 0 there).
 * Errors: as sbr_table_read for reading and inflating. Not thread-safe for one source. */
sbr_rc sbr_text_read(sbr_text *t, char *buf, size_t cap, size_t *n, sbr_err *err);

/* Closes the source. NULL is a no-op. */
void sbr_text_close(sbr_text *t);

#endif
