#include "data/load.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(SBR_HAVE_LIBDEFLATE)
#include <libdeflate.h>
#endif

#include "data/cache.h"
#include "data/parse.h"

const char *const sbr_session_aliases[] = {"SessionId", "session", "sid", NULL};
const char *const sbr_item_aliases[] = {"ItemId", "item", "iid", NULL};
const char *const sbr_time_aliases[] = {"Time", "timestamp", "ts", "eventtime", NULL};

static const char *const column_label[SBR_COL_N] = {"SessionId", "ItemId", "Time"};
static const char *const *const column_aliases[SBR_COL_N] = {sbr_session_aliases, sbr_item_aliases,
                                                             sbr_time_aliases};

const char *sbr_drop_name(sbr_drop reason)
{
    static const char *const names[SBR_DROP_N] = {"missing_field", "bad_session", "bad_item",
                                                  "bad_time", "malformed"};
    return (unsigned)reason < SBR_DROP_N ? names[reason] : "unknown";
}

void sbr_load_options_init(sbr_load_options *opt)
{
    memset(opt, 0, sizeof *opt);
    sbr_table_options_init(&opt->table);
    opt->has_header = true;
    opt->time_scale = 1.0;
}

uint64_t sbr_load_stats_dropped(const sbr_load_stats *st)
{
    uint64_t total = 0;
    for (int r = 0; r < SBR_DROP_N; r++)
        total += st->dropped[r];
    return total;
}

/* Header names compare ignoring case and the separators '_', '-' and ' ', so SessionId,
 * session_id, sessionId and "Session ID" are one name. */
static bool same_name(const char *a, size_t a_len, const char *b)
{
    size_t i = 0;
    for (;;) {
        while (i < a_len && (a[i] == '_' || a[i] == '-' || a[i] == ' '))
            i++;
        while (*b == '_' || *b == '-' || *b == ' ')
            b++;
        if (i == a_len || *b == '\0')
            return i == a_len && *b == '\0';
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)*b))
            return false;
        i++, b++;
    }
}

bool sbr_find_column(const sbr_row *header, const char *spec, const char *const *aliases,
                     size_t *col)
{
    if (spec != NULL) {
        long number;
        if (sbr_parse_long(spec, 1, 1 << 20, &number) == NULL) {
            if ((size_t)number > header->n_fields)
                return false;
            *col = (size_t)number - 1;
            return true;
        }
        for (size_t c = 0; c < header->n_fields; c++) {
            if (header->lens[c] == strlen(spec) &&
                memcmp(header->fields[c], spec, header->lens[c]) == 0) {
                *col = c;
                return true;
            }
        }
        return false;
    }
    for (const char *const *a = aliases; *a != NULL; a++) {
        for (size_t c = 0; c < header->n_fields; c++) {
            if (same_name(header->fields[c], header->lens[c], *a)) {
                *col = c;
                return true;
            }
        }
    }
    return false;
}

typedef struct loader {
    const char *path;
    const sbr_load_options *opt;
    sbr_load_stats stats;
    size_t col[SBR_COL_N];
    size_t min_fields; /* 1 + the largest column index */
    sbr_click *clicks;
    size_t n, cap;
    sbr_dataset_builder *builder; /* fast reader only: columns while the clicks are in order */
} loader;

/* Lists the header's names for a "column not found" message. */
static void header_names(const sbr_row *header, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t c = 0; c < header->n_fields; c++) {
        char ex[64];
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s\"%s\"", c ? ", " : "",
                 sbr_excerpt(ex, sizeof ex, header->fields[c], header->lens[c]));
    }
}

static sbr_rc resolve_columns(loader *ld, const sbr_row *header, sbr_err *err)
{
    ld->min_fields = 0;
    for (int k = 0; k < SBR_COL_N; k++) {
        const char *spec = ld->opt->columns[k];
        if (!sbr_find_column(header, spec, column_aliases[k], &ld->col[k])) {
            char names[256];
            header_names(header, names, sizeof names);
            if (spec != NULL)
                return sbr_err_set(err, SBR_EPARSE,
                                   "%s:%llu: no column \"%s\" for %s; the header has %s", ld->path,
                                   (unsigned long long)header->line, spec, column_label[k], names);
            return sbr_err_set(err, SBR_EPARSE,
                               "%s:%llu: no %s column (tried %s and its aliases); the header "
                               "has %s; name it with --columns",
                               ld->path, (unsigned long long)header->line, column_label[k],
                               column_label[k], names);
        }
        if (ld->col[k] + 1 > ld->min_fields)
            ld->min_fields = ld->col[k] + 1;
    }
    for (int k = 0; k < SBR_COL_N; k++)
        for (int j = 0; j < k; j++)
            if (ld->col[j] == ld->col[k])
                return sbr_err_set(err, SBR_EINVAL, "%s: %s and %s are both column %zu", ld->path,
                                   column_label[j], column_label[k], ld->col[k] + 1);
    memcpy(ld->stats.columns, ld->col, sizeof ld->col);
    return SBR_OK;
}

/* A bad row: an error, or with skip_bad_rows a counted drop. */
static sbr_rc bad_row(loader *ld, sbr_drop reason, sbr_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static sbr_rc bad_row(loader *ld, sbr_drop reason, sbr_err *err, const char *fmt, ...)
{
    if (ld->opt->skip_bad_rows) {
        ld->stats.dropped[reason]++;
        return SBR_OK;
    }
    va_list ap;
    va_start(ap, fmt);
    char msg[SBR_ERR_MSG_SIZE - 64];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sbr_err_set(err, SBR_EPARSE, "%s (or pass --skip-bad-rows to count and drop such rows)",
                       msg);
}

static sbr_rc on_row(void *user, const sbr_row *row, sbr_err *err)
{
    loader *ld = user;
    if (row->index == 0 && ld->opt->has_header)
        return resolve_columns(ld, row, err);

    uint64_t ordinal = ld->stats.rows_read++;
    if (ld->opt->progress != NULL && (ordinal & ((1u << 20) - 1)) == 0 && ordinal > 0)
        ld->opt->progress(ld->opt->progress_user, ordinal, 0);
    if (row->n_fields < ld->min_fields)
        return bad_row(ld, SBR_DROP_MISSING_FIELD, err,
                       "%s:%llu: the row has %zu field%s, but column %zu is needed", ld->path,
                       (unsigned long long)row->line, row->n_fields, row->n_fields == 1 ? "" : "s",
                       ld->min_fields);

    sbr_click c = {.row = ordinal};
    const char *why;
    char ex[64];
    size_t k = ld->col[SBR_COL_SESSION];
    if ((why = sbr_parse_u64(row->fields[k], row->lens[k], &c.session)) != NULL)
        return bad_row(ld, SBR_DROP_BAD_SESSION, err,
                       "%s:%llu: column %zu \"SessionId\": \"%s\" %s", ld->path,
                       (unsigned long long)row->line, k + 1,
                       sbr_excerpt(ex, sizeof ex, row->fields[k], row->lens[k]), why);
    k = ld->col[SBR_COL_ITEM];
    if ((why = sbr_parse_u64(row->fields[k], row->lens[k], &c.item)) != NULL)
        return bad_row(ld, SBR_DROP_BAD_ITEM, err, "%s:%llu: column %zu \"ItemId\": \"%s\" %s",
                       ld->path, (unsigned long long)row->line, k + 1,
                       sbr_excerpt(ex, sizeof ex, row->fields[k], row->lens[k]), why);
    k = ld->col[SBR_COL_TIME];
    if ((why = sbr_parse_time(row->fields[k], row->lens[k], ld->opt->time_scale, &c.time)) != NULL)
        return bad_row(ld, SBR_DROP_BAD_TIME, err, "%s:%llu: column %zu \"Time\": \"%s\" %s",
                       ld->path, (unsigned long long)row->line, k + 1,
                       sbr_excerpt(ex, sizeof ex, row->fields[k], row->lens[k]), why);

    if (ld->n == ld->cap) {
        size_t cap = ld->cap ? 2 * ld->cap : 4096;
        if (sbr_grow_array(&ld->clicks, cap, sizeof *ld->clicks) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory after %zu rows", ld->path,
                               ld->n);
        ld->cap = cap;
    }
    ld->clicks[ld->n++] = c;
    ld->stats.rows_kept++;
    return SBR_OK;
}

/* Without a header, columns are numbers (default 1, 2, 3). */
static sbr_rc number_columns(loader *ld, sbr_err *err)
{
    if (ld->opt->has_header)
        return SBR_OK;
    for (int k = 0; k < SBR_COL_N; k++) {
        long number = k + 1;
        const char *spec = ld->opt->columns[k];
        if (spec != NULL && sbr_parse_long(spec, 1, 1 << 20, &number) != NULL)
            return sbr_err_set(err, SBR_EINVAL,
                               "%s: without a header, columns are numbers (%s=\"%s\")", ld->path,
                               column_label[k], spec);
        ld->col[k] = (size_t)number - 1;
        if (ld->col[k] + 1 > ld->min_fields)
            ld->min_fields = ld->col[k] + 1;
    }
    memcpy(ld->stats.columns, ld->col, sizeof ld->col);
    return SBR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The fast reader                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* The fast reader handles the common file (a header, then rows of plain fields) and gives up
 * on anything else, leaving it to the general reader, which then reads the whole file again.
 * Giving up is always safe: every difference between the two readers is a reason to give up,
 * so a file read to the end by the fast reader yields the general reader's clicks and
 * statistics. The cases it keeps are the ones libcsv treats trivially: without a quote
 * character, and without blanks that libcsv would trim (at the start of a line, in a used
 * field, in the header), a record is one physical line cut at the delimiters, and a CR counts
 * only as the end of its line. */

enum { FAST_BLOCK = 4 << 20, FAST_DETECT_BYTES = 1 << 16 };

/* The roles of the first min_fields columns of a row. */
enum { ROLE_SKIP, ROLE_SESSION, ROLE_ITEM, ROLE_TIME };

typedef struct fast_reader {
    loader *ld;
    char delimiter;
    bool header_pending;
    unsigned char role[64]; /* roles of the columns; files with more used columns give up */
} fast_reader;

static const double fast_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A time as [digits][.digits][(e|E)[+-]digits] (no sign, so never ISO-8601), read exactly as
 * strtod reads it, where that is provably one IEEE operation: the significant digits (at most
 * 19, leading zeros dropped) form an integer m <= 2^53 and the power of ten k is within
 * +-22, so m and 10^|k| are exact doubles and m * 10^k (or m / 10^-k) is rounded once,
 * correctly, as strtod rounds (Clinger 1990). Returns false for everything else, which the
 * caller hands to sbr_parse_time. */
static bool fast_time(const char *s, size_t len, double *out)
{
    if (len == 0 || len >= 64) /* sbr_parse_double refuses 64 bytes and more */
        return false;
    size_t i = 0, digits = 0;
    int n_sig = 0, k = 0;
    uint64_t m = 0;
    for (; i < len && (unsigned)(s[i] - '0') < 10; i++, digits++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (m == 0 && d == 0)
            continue;
        if (n_sig == 19)
            return false;
        m = m * 10 + d, n_sig++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && (unsigned)(s[i] - '0') < 10; i++, digits++, k--) {
            unsigned d = (unsigned)(s[i] - '0');
            if (m == 0 && d == 0)
                continue;
            if (n_sig == 19)
                return false;
            m = m * 10 + d, n_sig++;
        }
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool negative = i < len && s[i] == '-';
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        int e = 0, e_digits = 0;
        for (; i < len && (unsigned)(s[i] - '0') < 10; i++, e_digits++) {
            if (e_digits == 4)
                return false;
            e = e * 10 + (s[i] - '0');
        }
        if (e_digits == 0)
            return false;
        k += negative ? -e : e;
    }
    if (i != len)
        return false;
    if (m == 0) {
        *out = 0.0;
        return true;
    }
    if (m > (UINT64_C(1) << 53) || k < -22 || k > 22)
        return false;
    *out = k >= 0 ? (double)m * fast_pow10[k] : (double)m / fast_pow10[-k];
    return true;
}

/* The end of the field starting at p in a line ending at e. */
static const char *field_end(const char *p, const char *e, char delimiter)
{
    const char *q = memchr(p, delimiter, (size_t)(e - p));
    return q != NULL ? q : e;
}

/* An id: at most 19 digits in place; longer ones through sbr_parse_u64. Returns the end of
 * the field, or NULL to give up. */
static const char *fast_u64(const char *p, const char *e, char delimiter, uint64_t *out)
{
    const char *q = p;
    uint64_t v = 0;
    while (q < e && q - p < 19 && (unsigned)(*q - '0') < 10)
        v = v * 10 + (unsigned)(*q++ - '0');
    if (q == p)
        return NULL;
    if (q < e && *q != delimiter) {
        q = field_end(q, e, delimiter);
        if (sbr_parse_u64(p, (size_t)(q - p), &v) != NULL)
            return NULL;
    }
    *out = v;
    return q;
}

/* The header: fields without blanks or NUL bytes, resolved as the general reader does. */
static bool fast_header(fast_reader *f, const char *p, const char *e)
{
    size_t len = (size_t)(e - p);
    char *copy = malloc(len + 1);
    size_t n_fields = 1;
    for (size_t i = 0; i < len; i++)
        n_fields += p[i] == f->delimiter;
    const char **fields = sbr_alloc_array(n_fields, sizeof *fields);
    size_t *lens = sbr_alloc_array(n_fields, sizeof *lens);
    bool ok = copy != NULL && fields != NULL && lens != NULL;
    for (size_t i = 0; ok && i < len; i++)
        ok = p[i] != ' ' && p[i] != '\0' && (p[i] != '\t' || f->delimiter == '\t');
    if (ok) {
        memcpy(copy, p, len);
        copy[len] = '\0';
        size_t c = 0, start = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i == len || copy[i] == f->delimiter) {
                copy[i] = '\0';
                fields[c] = copy + start;
                lens[c++] = i - start;
                start = i + 1;
            }
        }
        sbr_row row = {fields, lens, n_fields, f->ld->stats.lines, 0};
        sbr_err err;
        ok = resolve_columns(f->ld, &row, &err) == SBR_OK;
    }
    free(copy);
    free(fields);
    free(lens);
    return ok;
}

/* Sets the roles of the columns once they are known. */
static bool fast_roles(fast_reader *f)
{
    const loader *ld = f->ld;
    if (ld->min_fields > sizeof f->role)
        return false;
    memset(f->role, ROLE_SKIP, sizeof f->role);
    f->role[ld->col[SBR_COL_SESSION]] = ROLE_SESSION;
    f->role[ld->col[SBR_COL_ITEM]] = ROLE_ITEM;
    f->role[ld->col[SBR_COL_TIME]] = ROLE_TIME;
    return true;
}

/* One physical line [p, e) without its '\n'. False to give up. */
static bool fast_line(fast_reader *f, const char *p, const char *e)
{
    loader *ld = f->ld;
    if ((size_t)(e - p) >= SBR_TABLE_MAX_LINE)
        return false; /* the general reader's error, "line longer than ..." */
    ld->stats.lines++;
    if (e > p && e[-1] == '\r')
        e--; /* libcsv ends the record at the CR and skips the LF */
    if (p == e) {
        ld->stats.blank_lines++;
        return true;
    }
    if (*p == ' ' || (*p == '\t' && f->delimiter != '\t'))
        return false; /* perhaps a blank line, perhaps a trimmed field */
    if (f->header_pending) {
        f->header_pending = false;
        return fast_header(f, p, e) && fast_roles(f);
    }
    uint64_t ordinal = ld->stats.rows_read++;
    if (ld->opt->progress != NULL && (ordinal & ((1u << 20) - 1)) == 0 && ordinal > 0)
        ld->opt->progress(ld->opt->progress_user, ordinal, 0);
    sbr_click c = {.row = ordinal};
    const char d = f->delimiter;
    for (size_t j = 0; j < ld->min_fields; j++) {
        if (j > 0) {
            if (p == e)
                return false; /* a missing field */
            p++;              /* the delimiter */
        }
        const char *q;
        switch (f->role[j]) {
        case ROLE_SESSION:
            q = fast_u64(p, e, d, &c.session);
            break;
        case ROLE_ITEM:
            q = fast_u64(p, e, d, &c.item);
            break;
        case ROLE_TIME:
            q = field_end(p, e, d);
            if (fast_time(p, (size_t)(q - p), &c.time)) {
                /* as sbr_parse_time: scaled after reading, then range-checked */
                c.time *= ld->opt->time_scale;
                if (!(c.time < SBR_TIME_MAX))
                    return false;
            } else if (sbr_parse_time(p, (size_t)(q - p), ld->opt->time_scale, &c.time) != NULL) {
                return false;
            }
            break;
        default:
            q = field_end(p, e, d);
            break;
        }
        if (q == NULL)
            return false;
        p = q;
    }
    if (ld->builder != NULL) {
        int added = sbr_dataset_builder_add(ld->builder, &c);
        if (added < 0)
            return false;
        if (added > 0) {
            ld->stats.rows_kept++;
            ld->n++;
            return true;
        }
        /* Out of dataset order: go on with an array of clicks, sorted at the end. */
        sbr_err err;
        if (sbr_dataset_builder_clicks(ld->builder, &ld->clicks, &ld->n, &err) != SBR_OK)
            return false;
        ld->cap = ld->n;
        sbr_dataset_builder_free(ld->builder);
        ld->builder = NULL;
    }
    if (ld->n == ld->cap) {
        size_t cap = ld->cap ? 2 * ld->cap : 4096;
        if (sbr_grow_array(&ld->clicks, cap, sizeof *ld->clicks) != SBR_OK)
            return false;
        ld->cap = cap;
    }
    ld->clicks[ld->n++] = c;
    ld->stats.rows_kept++;
    return true;
}

/* Whether every CR in [p, e) ends its line (is followed by '\n', or ends the file). */
static bool crs_end_lines(const char *p, const char *e, bool at_eof)
{
    for (const char *q = p; (q = memchr(q, '\r', (size_t)(e - q))) != NULL; q++)
        if (q + 1 < e ? q[1] != '\n' : !at_eof)
            return false;
    return true;
}

/* Lines in [p, e) that all end in '\n', except perhaps the last one at the end of the file. */
static bool fast_lines(fast_reader *f, const char *p, const char *e, bool at_eof)
{
    if (memchr(p, '"', (size_t)(e - p)) != NULL || !crs_end_lines(p, e, at_eof))
        return false;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *end = nl != NULL ? nl : e;
        if (!fast_line(f, p, end))
            return false;
        p = nl != NULL ? nl + 1 : e;
    }
    return true;
}

/* The delimiter as the general reader detects it from its first 64 KiB of text. */
static char fast_detect(const char *p, const char *e)
{
    static const char candidates[3] = {'\t', ',', ';'};
    size_t counts[3] = {0, 0, 0};
    for (; p < e && *p != '\n'; p++)
        for (int c = 0; c < 3; c++)
            counts[c] += *p == candidates[c];
    int best = 0;
    for (int c = 1; c < 3; c++)
        if (counts[c] > counts[best])
            best = c;
    return counts[best] > 0 ? candidates[best] : 0;
}

/* Whether the fast reader may try the file at all. */
static bool fast_applies(const char *path, const sbr_load_options *opt)
{
    struct stat st;
    char d = opt->table.delimiter;
    return !opt->general_reader && opt->table.quoting &&
           (d == 0 || d == '\t' || d == ',' || d == ';') && stat(path, &st) == 0 &&
           S_ISREG(st.st_mode) && st.st_size > 0;
}

/* The start of the text, as the general reader treats its first 64 KiB: a UTF-8 byte-order
 * mark is skipped and the delimiter detected. Returns where the lines start, or NULL to give
 * up (an empty file, no delimiter). */
static const char *fast_start(fast_reader *f, const char *buf, size_t n)
{
    const char *p = buf;
    if (n == 0)
        return NULL; /* an empty file: the general reader's message */
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    if (f->delimiter == 0)
        f->delimiter = fast_detect(p, buf + (n < FAST_DETECT_BYTES ? n : FAST_DETECT_BYTES));
    f->ld->stats.delimiter = f->delimiter;
    return f->delimiter != 0 ? p : NULL;
}

#if defined(SBR_HAVE_LIBDEFLATE)
/* A gzip file of at most FAST_WHOLE_GZ bytes whose text is at most FAST_WHOLE_TEXT bytes is
 * inflated whole with libdeflate, about twice as fast as zlib's streaming inflate here
 * (retailrocket's train.tsv.gz: 14 ms against 31); other files stream through zlib. The
 * limits keep memory bounded whatever the file claims (a gzip bomb streams and fails at the
 * line limit, as in the general reader): at most 8 + 32 + 16 MiB while growing the buffer.
 * libdeflate checks each member's CRC-32 and size; any failure (damage, trailing bytes, a
 * text over the limit) gives up to the general reader, whose zlib reports it. */
enum { FAST_WHOLE_GZ = 8 << 20, FAST_WHOLE_TEXT = 32 << 20 };

typedef enum whole { WHOLE_NOT_TRIED, WHOLE_OK, WHOLE_GIVE_UP } whole;

static whole fast_whole_gzip(fast_reader *f)
{
    struct stat st;
    if (stat(f->ld->path, &st) != 0 || st.st_size < 18 || st.st_size > FAST_WHOLE_GZ)
        return WHOLE_NOT_TRIED;
    size_t n = (size_t)st.st_size, used = 0, pos = 0;
    unsigned char *in = malloc(n);
    char *out = NULL;
    FILE *fp = in != NULL ? fopen(f->ld->path, "rb") : NULL;
    bool read_ok = fp != NULL && fread(in, 1, n, fp) == n && fgetc(fp) == EOF;
    if (fp != NULL)
        fclose(fp);
    uint32_t isize = 0; /* the last member's size mod 2^32: the text's size for one member */
    if (read_ok)
        memcpy(&isize, in + n - 4, sizeof isize);
    if (!read_ok || in[0] != 0x1f || in[1] != 0x8b || isize > FAST_WHOLE_TEXT) {
        free(in);
        return WHOLE_NOT_TRIED;
    }
    size_t cap = isize > 0 ? isize : 4 * n;
    if (cap > FAST_WHOLE_TEXT)
        cap = FAST_WHOLE_TEXT;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    out = malloc(cap);
    whole result = d != NULL && out != NULL ? WHOLE_OK : WHOLE_NOT_TRIED;
    while (result == WHOLE_OK && pos < n) {
        size_t in_used = 0, out_used = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, in + pos, n - pos, out + used,
                                                                 cap - used, &in_used, &out_used);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE) { /* several members, or a short guess */
            size_t more = 2 * cap < FAST_WHOLE_TEXT ? 2 * cap : FAST_WHOLE_TEXT;
            char *bigger = cap < FAST_WHOLE_TEXT ? realloc(out, more) : NULL;
            if (bigger == NULL)
                result = WHOLE_GIVE_UP;
            else
                out = bigger, cap = more;
            continue;
        }
        if (r != LIBDEFLATE_SUCCESS || in_used == 0)
            result = WHOLE_GIVE_UP;
        pos += in_used;
        used += out_used;
    }
    if (d != NULL)
        libdeflate_free_decompressor(d);
    free(in);
    if (result == WHOLE_OK) {
        const char *p = fast_start(f, out, used);
        result = p != NULL && fast_lines(f, p, out + used, true) ? WHOLE_OK : WHOLE_GIVE_UP;
    }
    free(out);
    return result;
}
#endif

/* Reads the whole file into ld, or returns false (ld then holds partial results that the
 * caller throws away). */
static bool fast_load(loader *ld)
{
    fast_reader f = {
        .ld = ld, .delimiter = ld->opt->table.delimiter, .header_pending = ld->opt->has_header};
    if (!ld->opt->has_header && !fast_roles(&f))
        return false;
#if defined(SBR_HAVE_LIBDEFLATE)
    whole w = fast_whole_gzip(&f);
    if (w != WHOLE_NOT_TRIED)
        return w == WHOLE_OK && !f.header_pending && ld->stats.rows_read > 0;
#endif
    sbr_err err;
    sbr_text *text = NULL;
    char *buf = malloc(FAST_BLOCK);
    bool ok = buf != NULL && sbr_text_open(ld->path, &text, &err) == SBR_OK;
    size_t kept = 0; /* bytes of an unfinished line at the front of buf */
    bool first = true;
    while (ok) {
        size_t n = 0;
        if (sbr_text_read(text, buf + kept, FAST_BLOCK - kept, &n, &err) != SBR_OK) {
            ok = false;
            break;
        }
        const char *p = buf, *e = buf + kept + n;
        bool at_eof = n == 0 || kept + n < FAST_BLOCK;
        if (first) {
            first = false;
            ok = (p = fast_start(&f, buf, n)) != NULL;
        }
        if (!ok)
            break;
        if (at_eof) {
            ok = fast_lines(&f, p, e, true);
            break;
        }
        const char *last_nl = e;
        while (last_nl > p && last_nl[-1] != '\n')
            last_nl--;
        if (last_nl == p) {
            ok = false; /* a line longer than the block: the general reader's case */
            break;
        }
        ok = fast_lines(&f, p, last_nl, false);
        kept = (size_t)(e - last_nl);
        memmove(buf, last_nl, kept);
    }
    sbr_text_close(text);
    free(buf);
    return ok && !f.header_pending && ld->stats.rows_read > 0;
}

/* The clicks of a cache file, for callers that gather clicks (several files, importers). */
static sbr_rc clicks_of_cache(const char *path, sbr_click **clicks, size_t *n,
                              sbr_load_stats *stats, sbr_err *err)
{
    sbr_dataset *ds = NULL;
    sbr_rc rc = sbr_cache_load(path, &ds, err);
    if (rc != SBR_OK)
        return rc;
    sbr_click *c = sbr_alloc_array(ds->n_clicks, sizeof *c);
    if (c == NULL) {
        sbr_dataset_free(ds);
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
    }
    uint64_t max_row = 0;
    for (size_t s = 0; s < ds->n_sessions; s++) {
        for (size_t k = ds->offsets[s]; k < ds->offsets[s + 1]; k++) {
            uint64_t row = sbr_dataset_row(ds, k);
            c[k] = (sbr_click){sbr_dataset_session_id(ds, s), ds->item_ids[ds->items[k]],
                               ds->times[k], row};
            if (row > max_row)
                max_row = row;
        }
    }
    if (stats != NULL) {
        memset(stats, 0, sizeof *stats);
        stats->rows_read = ds->n_clicks > 0 ? max_row + 1 : 0;
        stats->rows_kept = ds->n_clicks;
        stats->cache = true;
    }
    *clicks = c;
    *n = ds->n_clicks;
    sbr_dataset_free(ds);
    return SBR_OK;
}

/* Reads a session file into *ld: its clicks, or with `build`, when the fast reader finishes
 * and the clicks come in dataset order, its dataset columns in ld->builder (ld->clicks is
 * then NULL). On failure nothing is left in *ld to free. */
static sbr_rc read_file(const char *path, const sbr_load_options *opt, bool build, loader *ld,
                        sbr_err *err)
{
    *ld = (loader){.path = path, .opt = opt};
    sbr_rc rc = number_columns(ld, err);
    if (rc != SBR_OK)
        return rc;
    if (fast_applies(path, opt)) {
        ld->builder = build ? sbr_dataset_builder_new() : NULL;
        if (fast_load(ld)) {
            ld->stats.fast_path = true;
            return SBR_OK;
        }
        /* Start again with the general reader. */
        free(ld->clicks);
        sbr_dataset_builder_free(ld->builder);
        *ld = (loader){.path = path, .opt = opt};
        if ((rc = number_columns(ld, err)) != SBR_OK)
            return rc;
    }
    sbr_table_options topt = opt->table;
    topt.skip_malformed = opt->skip_bad_rows;
    sbr_table_info info;
    rc = sbr_table_read(path, &topt, on_row, ld, &info, err);
    ld->stats.lines = info.lines;
    ld->stats.blank_lines = info.blank_lines;
    ld->stats.delimiter = info.delimiter;
    ld->stats.dropped[SBR_DROP_MALFORMED] = info.malformed;
    ld->stats.rows_read += info.malformed;
    if (rc == SBR_OK && ld->stats.rows_read == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: no data rows (%s)", path,
                         opt->has_header ? "only a header line" : "the file is blank");
    if (rc == SBR_OK && ld->n == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: all %llu data rows were dropped as malformed", path,
                         (unsigned long long)ld->stats.rows_read);
    if (rc != SBR_OK) {
        free(ld->clicks);
        ld->clicks = NULL;
    }
    return rc;
}

sbr_rc sbr_load_clicks(const char *path, const sbr_load_options *opt, sbr_click **clicks, size_t *n,
                       sbr_load_stats *stats, sbr_err *err)
{
    *clicks = NULL;
    *n = 0;
    if (sbr_cache_is_path(path))
        return clicks_of_cache(path, clicks, n, stats, err);
    loader ld;
    sbr_rc rc = read_file(path, opt, false, &ld, err);
    if (stats != NULL)
        *stats = ld.stats;
    if (rc != SBR_OK)
        return rc;
    *clicks = ld.clicks;
    *n = ld.n;
    return SBR_OK;
}

sbr_rc sbr_load_sessions(const char *path, const sbr_load_options *opt, sbr_dataset **out,
                         sbr_load_stats *stats, sbr_err *err)
{
    *out = NULL;
    if (sbr_cache_is_path(path)) {
        sbr_rc rc = sbr_cache_load(path, out, err);
        if (rc == SBR_OK && stats != NULL) {
            memset(stats, 0, sizeof *stats);
            stats->rows_read = stats->rows_kept = (*out)->n_clicks;
            stats->cache = true;
        }
        return rc;
    }
    loader ld;
    sbr_rc rc = read_file(path, opt, true, &ld, err);
    if (stats != NULL)
        *stats = ld.stats;
    if (rc != SBR_OK)
        return rc;
    if (ld.builder != NULL) {
        rc = sbr_dataset_builder_finish(ld.builder, out, err);
        sbr_dataset_builder_free(ld.builder);
        return rc;
    }
    rc = sbr_dataset_from_clicks(ld.clicks, ld.n, out, err);
    free(ld.clicks);
    return rc;
}

sbr_rc sbr_load_sessions_many(const char *const *paths, size_t n_paths, const sbr_load_options *opt,
                              sbr_dataset **out, sbr_load_stats *stats, sbr_err *err)
{
    *out = NULL;
    sbr_click *all = NULL;
    size_t n_all = 0;
    uint64_t rows_before = 0;
    sbr_load_stats total;
    memset(&total, 0, sizeof total);
    sbr_rc rc = SBR_OK;
    for (size_t f = 0; f < n_paths && rc == SBR_OK; f++) {
        sbr_click *clicks;
        size_t n;
        sbr_load_stats st;
        rc = sbr_load_clicks(paths[f], opt, &clicks, &n, &st, err);
        if (rc != SBR_OK)
            break;
        if ((rc = sbr_grow_array(&all, n_all + n, sizeof *all)) != SBR_OK) {
            free(clicks);
            rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", paths[f]);
            break;
        }
        for (size_t c = 0; c < n; c++) {
            all[n_all + c] = clicks[c];
            all[n_all + c].row += rows_before;
        }
        n_all += n;
        rows_before += st.rows_read;
        free(clicks);
        total.lines += st.lines;
        total.rows_read += st.rows_read;
        total.rows_kept += st.rows_kept;
        total.blank_lines += st.blank_lines;
        for (int r = 0; r < SBR_DROP_N; r++)
            total.dropped[r] += st.dropped[r];
        total.delimiter = st.delimiter;
    }
    if (rc == SBR_OK)
        rc = sbr_dataset_from_clicks(all, n_all, out, err);
    free(all);
    if (stats != NULL)
        *stats = total;
    return rc;
}
