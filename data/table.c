#include "data/table.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { CHUNK_BYTES = 1 << 16, IN_BYTES = 1 << 17 };

void sbr_table_options_init(sbr_table_options *opt)
{
    opt->delimiter = 0;
    opt->quoting = true;
    opt->skip_malformed = false;
}

/* The state of one read. The current record's fields are packed in `text`, each followed by a
 * NUL, with their start offsets in `starts`; pointers are made only when the record is done,
 * because `text` may move while it grows. */
typedef struct reader {
    const char *path;
    struct csv_parser csv;
    sbr_row_fn fn;
    void *user;
    sbr_err *err;
    sbr_rc rc; /* first failure; callbacks do nothing once it is set */
    char *text;
    size_t text_len, text_cap;
    size_t *starts, *lens;
    const char **ptrs;
    size_t n_fields, fields_cap;
    bool in_record;       /* a record has begun and not yet ended */
    uint64_t line;        /* the physical line being fed, 1-based */
    uint64_t record_line; /* the line the current record began on */
    size_t record_bytes;  /* bytes of the lines fed for the current record */
    sbr_table_info info;
    char *line_buf; /* a line that spans chunks is gathered here */
    size_t line_len, line_cap;
} reader;

static void on_field(void *data, size_t len, void *user)
{
    reader *r = user;
    if (r->rc != SBR_OK)
        return;
    if (r->n_fields == r->fields_cap) {
        size_t cap = r->fields_cap ? 2 * r->fields_cap : 16;
        if (sbr_grow_array(&r->starts, cap, sizeof *r->starts) != SBR_OK ||
            sbr_grow_array(&r->lens, cap, sizeof *r->lens) != SBR_OK ||
            sbr_grow_array(&r->ptrs, cap, sizeof *r->ptrs) != SBR_OK) {
            r->rc = sbr_err_set(r->err, SBR_ENOMEM, "%s: out of memory", r->path);
            return;
        }
        r->fields_cap = cap;
    }
    if (r->text_len + len + 1 > r->text_cap) {
        size_t cap = r->text_cap ? r->text_cap : 256;
        while (cap < r->text_len + len + 1)
            cap *= 2;
        if (sbr_grow_array(&r->text, cap, 1) != SBR_OK) {
            r->rc = sbr_err_set(r->err, SBR_ENOMEM, "%s: out of memory", r->path);
            return;
        }
        r->text_cap = cap;
    }
    if (len > 0)
        memcpy(r->text + r->text_len, data, len);
    r->text[r->text_len + len] = '\0';
    r->starts[r->n_fields] = r->text_len;
    r->lens[r->n_fields] = len;
    r->n_fields++;
    r->text_len += len + 1;
}

static void on_row(int terminator, void *user)
{
    (void)terminator;
    reader *r = user;
    r->in_record = false;
    if (r->rc == SBR_OK) {
        for (size_t i = 0; i < r->n_fields; i++)
            r->ptrs[i] = r->text + r->starts[i];
        sbr_row row = {r->ptrs, r->lens, r->n_fields, r->record_line, r->info.records};
        r->info.records++;
        sbr_rc rc = r->fn(r->user, &row, r->err);
        if (rc != SBR_OK)
            r->rc = rc;
    }
    r->n_fields = 0;
    r->text_len = 0;
}

/* A line of nothing but line ends and blanks (tabs count only when they do not delimit) is
 * skipped between records and counted. */
static bool is_blank(const char *s, size_t n, char delimiter)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(c == '\r' || c == '\n' || c == ' ' || (c == '\t' && delimiter != '\t')))
            return false;
    }
    return true;
}

/* Picks the delimiter that occurs most often outside quotes in the first line. */
static char detect_delimiter(const char *s, size_t n, bool quoting)
{
    static const char candidates[3] = {'\t', ',', ';'};
    size_t counts[3] = {0, 0, 0};
    bool quoted = false;
    for (size_t i = 0; i < n && s[i] != '\n'; i++) {
        if (quoting && s[i] == '"')
            quoted = !quoted;
        for (int c = 0; c < 3 && !quoted; c++)
            counts[c] += s[i] == candidates[c];
    }
    int best = 0;
    for (int c = 1; c < 3; c++)
        if (counts[c] > counts[best])
            best = c;
    return counts[best] > 0 ? candidates[best] : 0;
}

static int csv_options(void)
{
    return CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
}

/* Starts libcsv for the detected delimiter; with quoting off, the quote character is NUL,
 * which text files do not contain (a NUL byte is then an ordinary byte of a field). */
static sbr_rc start_parser(reader *r, const sbr_table_options *opt)
{
    if (csv_init(&r->csv, (unsigned char)csv_options()) != 0)
        return sbr_err_set(r->err, SBR_ENOMEM, "%s: out of memory", r->path);
    csv_set_delim(&r->csv, (unsigned char)r->info.delimiter);
    /* libcsv grows a field by blk_size bytes at a time (128 by default): a long field would
     * cost quadratic copying. */
    csv_set_blk_size(&r->csv, 1 << 16);
    if (!opt->quoting)
        csv_set_quote(&r->csv, '\0');
    return SBR_OK;
}

/* Feeds one physical line (with its '\n', except perhaps the last line of the file). */
static sbr_rc feed_line(reader *r, const sbr_table_options *opt, const char *s, size_t n)
{
    if (!r->in_record && is_blank(s, n, r->info.delimiter)) {
        r->info.blank_lines++;
        r->line++;
        return SBR_OK;
    }
    if (!r->in_record) {
        r->in_record = true;
        r->record_line = r->line;
        r->record_bytes = 0;
    }
    r->record_bytes += n;
    if (r->record_bytes > SBR_TABLE_MAX_LINE)
        return sbr_err_set(r->err, SBR_EPARSE,
                           "%s:%llu: record longer than %d bytes (a quoted field runs over "
                           "lines %llu-%llu: is a quote not closed?)",
                           r->path, (unsigned long long)r->record_line, SBR_TABLE_MAX_LINE,
                           (unsigned long long)r->record_line, (unsigned long long)r->line);
    size_t used = csv_parse(&r->csv, s, n, on_field, on_row, r);
    if (r->rc != SBR_OK)
        return r->rc;
    if (used < n) {
        if (!opt->skip_malformed)
            return sbr_err_set(r->err, SBR_EPARSE,
                               "%s:%llu: malformed quoting (a quote inside an unquoted field, "
                               "or text after a closing quote); fix the file or pass "
                               "--skip-bad-rows",
                               r->path, (unsigned long long)r->line);
        /* Throw the broken record away and restart the parser at the next line. */
        r->info.malformed++;
        csv_free(&r->csv);
        sbr_rc rc = start_parser(r, opt);
        if (rc != SBR_OK)
            return rc;
        r->in_record = false;
        r->n_fields = 0;
        r->text_len = 0;
    }
    r->line++;
    return SBR_OK;
}

static sbr_rc line_too_long(reader *r)
{
    return sbr_err_set(r->err, SBR_EPARSE, "%s:%llu: line longer than %d bytes", r->path,
                       (unsigned long long)r->line, SBR_TABLE_MAX_LINE);
}

/* Gathers part of a line; a line over the limit fails here, before it is stored. */
static sbr_rc append_line_buf(reader *r, const char *s, size_t n)
{
    if (r->line_len + n > SBR_TABLE_MAX_LINE)
        return line_too_long(r);
    if (r->line_len + n > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : CHUNK_BYTES;
        while (cap < r->line_len + n)
            cap *= 2;
        if (sbr_grow_array(&r->line_buf, cap, 1) != SBR_OK)
            return sbr_err_set(r->err, SBR_ENOMEM, "%s: out of memory (a %zu-byte line)", r->path,
                               r->line_len + n);
        r->line_cap = cap;
    }
    memcpy(r->line_buf + r->line_len, s, n);
    r->line_len += n;
    return SBR_OK;
}

/* Splits a chunk into lines; a line that continues into the next chunk waits in line_buf. */
static sbr_rc feed_chunk(reader *r, const sbr_table_options *opt, const char *p, const char *end)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return append_line_buf(r, p, (size_t)(end - p));
        size_t n = (size_t)(nl + 1 - p);
        sbr_rc rc;
        if (r->line_len == 0) {
            rc = n > SBR_TABLE_MAX_LINE ? line_too_long(r) : feed_line(r, opt, p, n);
        } else {
            rc = append_line_buf(r, p, n);
            if (rc == SBR_OK)
                rc = feed_line(r, opt, r->line_buf, r->line_len);
            r->line_len = 0;
        }
        if (rc != SBR_OK)
            return rc;
        p = nl + 1;
    }
    return SBR_OK;
}

/* The bytes of a file: read as they are, or inflated member by member when gzip. */
typedef struct source {
    FILE *fp;
    bool gz;         /* inflating */
    bool z_started;  /* inflateInit2 succeeded */
    bool member_end; /* the last inflate ended a gzip member */
    bool eof;        /* fp has no more bytes */
    z_stream z;      /* next_in/avail_in also hold the unread bytes of a plain file */
    unsigned char *in;
} source;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static sbr_rc read_error(const reader *r, sbr_err *err)
{
    return sbr_err_set(err, SBR_EIO, "%s: read error after line %llu: %s", r->path,
                       (unsigned long long)r->line, strerror(errno));
}

/* Reads more raw bytes after the `keep` unread ones (moved to the front of the buffer). */
static sbr_rc refill(const reader *r, source *src, sbr_err *err)
{
    size_t keep = src->z.avail_in;
    if (keep > 0)
        memmove(src->in, src->z.next_in, keep);
    errno = 0;
    size_t n = fread(src->in + keep, 1, IN_BYTES - keep, src->fp);
    if (n < IN_BYTES - keep && ferror(src->fp))
        return read_error(r, err);
    if (n == 0)
        src->eof = true;
    src->z.next_in = src->in;
    src->z.avail_in = (uInt)(keep + n);
    return SBR_OK;
}

static sbr_rc corrupt(const reader *r, sbr_err *err, const char *why)
{
    return sbr_err_set(err, SBR_EIO, "%s: corrupt gzip data (%s)", r->path, why);
}

/* Opens the file and tells gzip from plain text by the magic bytes 1f 8b. */
static sbr_rc source_open(const reader *r, source *src, sbr_err *err)
{
    memset(src, 0, sizeof *src);
    src->in = malloc(IN_BYTES);
    if (src->in == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", r->path);
    errno = 0;
    src->fp = fopen(r->path, "rb");
    if (src->fp == NULL)
        return sbr_err_set(err, SBR_EIO, "%s: cannot open: %s", r->path,
                           errno ? strerror(errno) : "out of memory");
    sbr_rc rc = refill(r, src, err);
    if (rc == SBR_OK && src->z.avail_in == 1 && !src->eof)
        rc = refill(r, src, err); /* a pipe may deliver one byte at a time */
    if (rc != SBR_OK)
        return rc;
    src->gz = src->z.avail_in >= 2 && src->in[0] == 0x1f && src->in[1] == 0x8b;
    if (!src->gz && src->z.avail_in > 0 && ends_with(r->path, ".gz"))
        return corrupt(r, err, "not in gzip format");
    if (src->gz) {
        if (inflateInit2(&src->z, 15 + 16) != Z_OK)
            return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", r->path);
        src->z_started = true;
    }
    return SBR_OK;
}

static void source_close(source *src)
{
    if (src->z_started)
        inflateEnd(&src->z);
    if (src->fp != NULL)
        fclose(src->fp);
    free(src->in);
}

/* Fills buf with up to cap bytes of text, fewer only at the end of the file; *n_out is 0
 * at the end. A gzip member may be followed only by another member. */
static sbr_rc source_read(const reader *r, source *src, char *buf, size_t cap, size_t *n_out,
                          sbr_err *err)
{
    size_t got = 0;
    sbr_rc rc = SBR_OK;
    *n_out = 0;
    while (got < cap) {
        if (src->z.avail_in == 0 && !src->eof && (rc = refill(r, src, err)) != SBR_OK)
            return rc;
        if (!src->gz) {
            if (src->z.avail_in == 0)
                break; /* the end of a plain file */
            size_t k = cap - got < src->z.avail_in ? cap - got : src->z.avail_in;
            memcpy(buf + got, src->z.next_in, k);
            src->z.next_in += k;
            src->z.avail_in -= (uInt)k;
            got += k;
            continue;
        }
        if (src->member_end) {
            if (src->z.avail_in == 0)
                break; /* the end of the last member and of the file */
            if (src->z.avail_in < 2 && !src->eof) {
                if ((rc = refill(r, src, err)) != SBR_OK)
                    return rc;
                continue;
            }
            if (src->z.avail_in < 2 || src->z.next_in[0] != 0x1f || src->z.next_in[1] != 0x8b)
                return corrupt(r, err, "trailing bytes after the end of the gzip stream");
            if (inflateReset(&src->z) != Z_OK)
                return corrupt(r, err, "cannot restart the inflater");
            src->member_end = false;
        }
        src->z.next_out = (unsigned char *)buf + got;
        src->z.avail_out = (uInt)(cap - got);
        int zr = inflate(&src->z, Z_NO_FLUSH);
        got = cap - src->z.avail_out;
        if (zr == Z_STREAM_END) {
            src->member_end = true;
        } else if (zr == Z_BUF_ERROR) {
            /* No progress: more input is needed, and there is none. */
            if (src->z.avail_in == 0 && src->eof)
                return sbr_err_set(err, SBR_EIO,
                                   "%s: truncated gzip file (the compressed stream ends early, "
                                   "after line %llu); download or copy it again",
                                   r->path, (unsigned long long)r->line);
        } else if (zr == Z_MEM_ERROR) {
            return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", r->path);
        } else if (zr != Z_OK) {
            return corrupt(r, err, src->z.msg != NULL ? src->z.msg : "invalid deflate data");
        }
    }
    *n_out = got;
    return SBR_OK;
}

/* After a record failed to parse in a gzip file, reads the rest of the stream: when the file
 * is damaged, the damage is the error to report, not the record it garbled. */
static void prefer_gzip_error(reader *r, source *src, char *chunk)
{
    sbr_err gz_err = {SBR_OK, ""};
    size_t n = 1;
    uint64_t failed_line = r->line;
    while (n > 0 && gz_err.rc == SBR_OK)
        source_read(r, src, chunk, CHUNK_BYTES, &n, &gz_err);
    if (gz_err.rc == SBR_EIO) {
        r->rc =
            sbr_err_set(r->err, SBR_EIO, "%s; line %llu, which did not parse, is likely damaged",
                        gz_err.msg, (unsigned long long)failed_line);
    }
}

struct sbr_text {
    reader r; /* only its path and line are used, by the messages */
    source src;
};

sbr_rc sbr_text_open(const char *path, sbr_text **out, sbr_err *err)
{
    *out = NULL;
    sbr_text *t = calloc(1, sizeof *t);
    if (t == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
    t->r.path = path;
    sbr_rc rc = source_open(&t->r, &t->src, err);
    if (rc != SBR_OK) {
        sbr_text_close(t);
        return rc;
    }
    *out = t;
    return SBR_OK;
}

sbr_rc sbr_text_read(sbr_text *t, char *buf, size_t cap, size_t *n, sbr_err *err)
{
    source *src = &t->src;
    if (src->gz || src->z.avail_in > 0)
        return source_read(&t->r, src, buf, cap, n, err);
    /* A plain file after its first buffer: read straight into the caller's block. */
    size_t got = 0;
    *n = 0;
    while (got < cap && !src->eof) {
        errno = 0;
        size_t k = fread(buf + got, 1, cap - got, src->fp);
        if (k < cap - got && ferror(src->fp))
            return read_error(&t->r, err);
        if (k == 0)
            src->eof = true;
        got += k;
    }
    *n = got;
    return SBR_OK;
}

void sbr_text_close(sbr_text *t)
{
    if (t == NULL)
        return;
    source_close(&t->src);
    free(t);
}

sbr_rc sbr_table_read(const char *path, const sbr_table_options *opt, sbr_row_fn fn, void *user,
                      sbr_table_info *info, sbr_err *err)
{
    reader r = {.path = path, .fn = fn, .user = user, .err = err, .line = 1};
    r.info.delimiter = opt->delimiter;
    bool parser_started = false;
    source src;
    memset(&src, 0, sizeof src);
    char *chunk = malloc(CHUNK_BYTES);
    if (chunk == NULL) {
        r.rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    if ((r.rc = source_open(&r, &src, err)) != SBR_OK)
        goto done;

    bool first = true;
    for (;;) {
        size_t n = 0;
        if ((r.rc = source_read(&r, &src, chunk, CHUNK_BYTES, &n, err)) != SBR_OK)
            goto done;
        if (n == 0)
            break;
        const char *p = chunk, *end = chunk + n;
        r.info.bytes += (uint64_t)n;
        if (first) {
            first = false;
            if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3; /* UTF-8 byte-order mark */
            if (r.info.delimiter == 0)
                r.info.delimiter = detect_delimiter(p, (size_t)(end - p), opt->quoting);
            if (r.info.delimiter == 0) {
                r.rc = sbr_err_set(err, SBR_EPARSE,
                                   "%s:1: cannot detect the delimiter: the first line has no "
                                   "tab, comma or semicolon; name it with --delimiter",
                                   path);
                goto done;
            }
            if ((r.rc = start_parser(&r, opt)) != SBR_OK)
                goto done;
            parser_started = true;
        }
        if ((r.rc = feed_chunk(&r, opt, p, end)) != SBR_OK) {
            if (r.rc == SBR_EPARSE && src.gz)
                prefer_gzip_error(&r, &src, chunk);
            goto done;
        }
    }
    if (first) {
        r.rc = sbr_err_set(err, SBR_EPARSE, "%s: empty file (not even a header line)", path);
        goto done;
    }
    if (r.line_len > 0) { /* the last line has no '\n' */
        if ((r.rc = feed_line(&r, opt, r.line_buf, r.line_len)) != SBR_OK)
            goto done;
    }
    if (csv_fini(&r.csv, on_field, on_row, &r) != 0 && r.rc == SBR_OK) {
        if (!opt->skip_malformed) {
            r.rc = sbr_err_set(err, SBR_EPARSE,
                               "%s:%llu: a quoted field is not closed at the end of the file", path,
                               (unsigned long long)r.record_line);
            goto done;
        }
        r.info.malformed++;
    }

done:
    if (parser_started)
        csv_free(&r.csv);
    source_close(&src);
    r.info.lines = r.line - 1;
    if (info != NULL)
        *info = r.info;
    free(chunk);
    free(r.text);
    free(r.starts);
    free(r.lens);
    free(r.ptrs);
    free(r.line_buf);
    return r.rc;
}
