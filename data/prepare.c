/* Importers: each raw format is read by sbr_table_read with a row callback that checks every
 * field it uses, as data/load.c does for session files: a malformed row is an SBR_EPARSE error
 * naming "path:line: column N "Name": "text" <why>", or with skip_bad_rows a drop counted per
 * reason in stats->load.dropped. Rows that are well formed but removed by a rule of the format
 * (other event types, cancelled invoices) are counted in the format's counters instead, so that
 * rows_read = rows_kept + dropped + counters always holds.
 *
 * Two kinds of format:
 *  - given sessions (sessions, 30music, nowplaying, yoochoose, diginetica, online-retail): each
 *    row becomes one sbr_click with its session id as read;
 *  - user-built sessions (lastfm1k, retailrocket): rows are gathered as (user, item, time, row),
 *    sorted by (user, time, row), cut into sessions where the user changes or the pause to the
 *    user's previous click is longer than session_gap_s, and the sessions are numbered 1, 2, ...
 *    in order of (first kept click time, user), so that session ids follow time. Two sessions
 *    of one user never share a first time (a gap > 0 lies between them), so the order is total.
 *
 * Then the clicks become a dataset (sessions_built counts its sessions) and session-rec's
 * filters run once with opt->filter. */
#include "data/prepare.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/parse.h"
#include "data/table.h"

/* ------------------------------------------------------------------------------------------ */
/* Formats and options                                                                        */
/* ------------------------------------------------------------------------------------------ */

typedef enum fmt_id {
    FMT_SESSIONS,
    FMT_LASTFM1K,
    FMT_RETAILROCKET,
    FMT_YOOCHOOSE,
    FMT_DIGINETICA,
    FMT_30MUSIC,
    FMT_NOWPLAYING,
    FMT_ONLINE_RETAIL,
    FMT_N
} fmt_id;

/* Summaries fit an 80-column --help line after a 17-column name field. */
static const sbr_format_info formats[FMT_N] = {
    {"sessions", "session TSV/CSV with a header: SessionId, ItemId, Time"},
    {"lastfm1k", "Last.fm-1K TSV (no header); sessions per user, gap-cut"},
    {"retailrocket", "events.csv; sessions per visitor, gap-cut, then --events"},
    {"yoochoose", "yoochoose-clicks.dat (SessionId,Timestamp,ItemId,Category)"},
    {"diginetica", "train-item-views.csv; time = eventdate + timeframe"},
    {"30music", "session-rec 30Music TSV (UserId, ArtistId ignored)"},
    {"nowplaying", "session-rec #nowplaying TSV (UserId, ArtistId ignored)"},
    {"online-retail", "UCI Online Retail CSV; session = invoice, item = StockCode"},
};

const sbr_format_info *sbr_prepare_formats(size_t *n)
{
    *n = FMT_N;
    return formats;
}

static int find_format(const char *name)
{
    if (name == NULL)
        return -1;
    for (int f = 0; f < FMT_N; f++)
        if (strcmp(formats[f].name, name) == 0)
            return f;
    return -1;
}

static sbr_rc unknown_format(const char *name, sbr_err *err)
{
    char names[256] = "";
    for (int f = 0; f < FMT_N; f++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", f ? ", " : "", formats[f].name);
    }
    char ex[64];
    if (name == NULL)
        return sbr_err_set(err, SBR_EINVAL, "prepare: no format given; known formats: %s", names);
    return sbr_err_set(err, SBR_EINVAL, "prepare: unknown format \"%s\"; known formats: %s",
                       sbr_excerpt(ex, sizeof ex, name, strlen(name)), names);
}

sbr_rc sbr_prepare_options_init(sbr_prepare_options *opt, const char *format, sbr_err *err)
{
    memset(opt, 0, sizeof *opt);
    sbr_load_options_init(&opt->load);
    opt->session_gap_s = 1800.0;
    opt->events = "view";
    sbr_filter_options_init(&opt->filter); /* 2, 5, 2, no collapsing */
    int f = find_format(format);
    if (f < 0)
        return unknown_format(format, err);
    opt->format = formats[f].name; /* a static string: opt borrows nothing from the caller */
    switch ((fmt_id)f) {
    case FMT_LASTFM1K:
        opt->load.has_header = false;
        opt->load.table.delimiter = '\t';
        opt->load.table.quoting = false; /* artist and track names hold quote characters */
        break;
    case FMT_RETAILROCKET:
    case FMT_ONLINE_RETAIL:
        opt->load.table.delimiter = ',';
        break;
    case FMT_YOOCHOOSE:
        /* Read as a headerless session file: SessionId = column 1, Timestamp = 2, ItemId = 3;
         * Category (digits or "S") is never looked at. Times such as 2014-04-07T10:51:09.277Z
         * are taken as UTC, as their 'Z' says. session-rec parses them with
         * strptime(...).timestamp(), i.e. in the local time zone of the machine ("This is not
         * UTC"); we deliberately use UTC so that every machine gets the same epoch times. */
        opt->load.has_header = false;
        opt->load.table.delimiter = ',';
        opt->load.columns[SBR_COL_SESSION] = "1";
        opt->load.columns[SBR_COL_ITEM] = "3";
        opt->load.columns[SBR_COL_TIME] = "2";
        break;
    case FMT_DIGINETICA:
        opt->load.table.delimiter = ';';
        break;
    case FMT_SESSIONS:
    case FMT_30MUSIC:
    case FMT_NOWPLAYING:
    case FMT_N:
        break;
    }
    /* session-rec's conf/preprocess/ files: music data keeps sessions of 5+ clicks and items of
     * 2+ clicks; e-commerce data the reverse. rsc15 (yoochoose) and diginetica use
     * min_session_length for the first pass too; it is 2, like retailrocket's "length <= 1". */
    if (f == FMT_LASTFM1K || f == FMT_30MUSIC || f == FMT_NOWPLAYING) {
        opt->filter.first_min_session_length = 2;
        opt->filter.min_item_support = 2;
        opt->filter.min_session_length = 5;
    }
    return SBR_OK;
}

/* The event types of opt->events, as (start, length) pieces of that string. */
typedef struct event_list {
    const char *text;
    size_t n;
    size_t start[16], len[16];
} event_list;

static bool is_blank_char(char c)
{
    return c == ' ' || c == '\t';
}

static sbr_rc parse_events(const char *text, event_list *ev, sbr_err *err)
{
    ev->text = text;
    ev->n = 0;
    if (text == NULL)
        return sbr_err_set(err, SBR_EINVAL, "prepare: events: no event types given");
    size_t i = 0, len = strlen(text);
    for (;;) {
        size_t a = i;
        while (i < len && text[i] != ',')
            i++;
        size_t b = i;
        while (a < b && is_blank_char(text[a]))
            a++;
        while (b > a && is_blank_char(text[b - 1]))
            b--;
        if (a == b)
            return sbr_err_set(err, SBR_EINVAL,
                               "prepare: events=\"%s\": an empty event type; give a "
                               "comma-separated list such as \"view,addtocart\"",
                               text);
        if (ev->n == sizeof ev->start / sizeof ev->start[0])
            return sbr_err_set(err, SBR_EINVAL, "prepare: events=\"%s\": more than %zu types", text,
                               sizeof ev->start / sizeof ev->start[0]);
        ev->start[ev->n] = a;
        ev->len[ev->n] = b - a;
        ev->n++;
        if (i == len)
            return SBR_OK;
        i++; /* past the comma */
    }
}

static bool event_wanted(const event_list *ev, const char *s, size_t len)
{
    for (size_t k = 0; k < ev->n; k++)
        if (ev->len[k] == len && memcmp(ev->text + ev->start[k], s, len) == 0)
            return true;
    return false;
}

static bool uses_load_columns(fmt_id f)
{
    return f == FMT_SESSIONS || f == FMT_30MUSIC || f == FMT_NOWPLAYING || f == FMT_YOOCHOOSE;
}

static sbr_rc check_options(const sbr_prepare_options *opt, fmt_id f, event_list *ev, sbr_err *err)
{
    if (!(opt->session_gap_s > 0) || !isfinite(opt->session_gap_s))
        return sbr_err_set(err, SBR_EINVAL,
                           "prepare: session_gap_s must be a positive number of seconds (%g)",
                           opt->session_gap_s);
    const struct {
        const char *name;
        size_t value;
    } counts[] = {{"first_min_session_length", opt->filter.first_min_session_length},
                  {"min_item_support", opt->filter.min_item_support},
                  {"min_session_length", opt->filter.min_session_length}};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        if (counts[k].value == 0)
            return sbr_err_set(err, SBR_EINVAL,
                               "prepare: %s must be at least 1 (1 disables the rule) (0)",
                               counts[k].name);
    if (!(opt->load.time_scale > 0) || !isfinite(opt->load.time_scale))
        return sbr_err_set(err, SBR_EINVAL, "prepare: time_scale must be positive (%g)",
                           opt->load.time_scale);
    /* The raw dumps have fixed columns and time units; a setting that would be ignored is
     * refused rather than silently dropped. */
    if (!uses_load_columns(f)) {
        for (int k = 0; k < SBR_COL_N; k++)
            if (opt->load.columns[k] != NULL)
                return sbr_err_set(err, SBR_EINVAL,
                                   "prepare: format %s has fixed columns; columns can be given "
                                   "only for sessions, yoochoose, 30music and nowplaying",
                                   formats[f].name);
        if (opt->load.time_scale != 1.0)
            return sbr_err_set(err, SBR_EINVAL,
                               "prepare: format %s has a fixed time unit; time_scale (%g) "
                               "applies only to sessions, yoochoose, 30music and nowplaying",
                               formats[f].name, opt->load.time_scale);
    }
    return parse_events(opt->events, ev, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Dates                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads min_n to max_n digits at s[*i] into *v. */
static bool take_digits(const char *s, size_t len, size_t *i, size_t min_n, size_t max_n,
                        unsigned *v)
{
    unsigned x = 0;
    size_t k = 0;
    while (k < max_n && *i < len && is_digit(s[*i])) {
        x = x * 10 + (unsigned)(s[(*i)++] - '0');
        k++;
    }
    *v = x;
    return k >= min_n;
}

static bool take_char(const char *s, size_t len, size_t *i, char c)
{
    if (*i >= len || s[*i] != c)
        return false;
    (*i)++;
    return true;
}

static bool valid_date(unsigned y, unsigned m, unsigned d)
{
    static const unsigned month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= month_days[m - 1] + (m == 2 && leap);
}

/* Epoch seconds of y-m-d h:mi:s UTC (validated by the caller); NULL or a phrase. */
static const char *epoch_of(unsigned y, unsigned m, unsigned d, unsigned h, unsigned mi, unsigned s,
                            double *out)
{
    int64_t t = sbr_days_from_civil(y, m, d) * 86400 + (int64_t)(h * 3600 + mi * 60 + s);
    if (t < 0)
        return "is before 1970 (negative time)";
    *out = (double)t;
    return NULL;
}

/* Diginetica's eventdate: exactly YYYY-MM-DD; *out = its midnight UTC in epoch seconds. */
static const char *parse_date(const char *s, size_t len, double *out)
{
    size_t i = 0;
    unsigned y, m, d;
    if (!take_digits(s, len, &i, 4, 4, &y) || !take_char(s, len, &i, '-') ||
        !take_digits(s, len, &i, 2, 2, &m) || !take_char(s, len, &i, '-') ||
        !take_digits(s, len, &i, 2, 2, &d) || i != len)
        return "is not a date YYYY-MM-DD";
    if (!valid_date(y, m, d))
        return "is not a valid calendar date";
    return epoch_of(y, m, d, 0, 0, 0, out);
}

/* The UCI file's original InvoiceDate, "M/D/YYYY H:MM" (e.g. "12/1/2010 8:26"), with optional
 * ":SS", taken as UTC. */
static const char *parse_mdy(const char *s, size_t len, double *out)
{
    size_t i = 0;
    unsigned m, d, y, h, mi, sec = 0;
    if (!take_digits(s, len, &i, 1, 2, &m) || !take_char(s, len, &i, '/') ||
        !take_digits(s, len, &i, 1, 2, &d) || !take_char(s, len, &i, '/') ||
        !take_digits(s, len, &i, 4, 4, &y) || !take_char(s, len, &i, ' ') ||
        !take_digits(s, len, &i, 1, 2, &h) || !take_char(s, len, &i, ':') ||
        !take_digits(s, len, &i, 2, 2, &mi))
        return "is not a date-time M/D/YYYY H:MM";
    if (take_char(s, len, &i, ':') && !take_digits(s, len, &i, 2, 2, &sec))
        return "is not a date-time M/D/YYYY H:MM";
    if (i != len)
        return "is not a date-time M/D/YYYY H:MM";
    if (!valid_date(y, m, d))
        return "is not a valid calendar date";
    if (h > 23 || mi > 59 || sec > 59)
        return "is not a valid time of day";
    return epoch_of(y, m, d, h, mi, sec, out);
}

/* ------------------------------------------------------------------------------------------ */
/* Raw readers                                                                                */
/* ------------------------------------------------------------------------------------------ */

enum { MAX_RAW_COLS = 6 };

/* A column a raw format uses: its name in messages, the header names it may have, and its
 * position when there is no header. */
typedef struct raw_column {
    const char *label;
    const char *const *aliases;
    size_t position; /* 0-based */
} raw_column;

/* A click of a user-built session, before the sessions are known. */
typedef struct user_click {
    uint64_t user; /* visitor id, or the index of the Last.fm user text */
    uint64_t item;
    double time;
    uint64_t row;
    bool keep; /* false: an event type not asked for (still part of the session cut) */
} user_click;

/* Interned Last.fm user texts: index by first appearance, found through an open-addressing
 * table of (index + 1), 0 meaning empty. */
typedef struct user_table {
    char *text; /* all texts, back to back */
    size_t text_len, text_cap;
    size_t *offset, *len; /* [n] */
    size_t n, cap;
    size_t *slots; /* [n_slots], a power of two */
    size_t n_slots;
    size_t last; /* the previous row's user + 1 (the real file is grouped by user) */
} user_table;

typedef struct raw_reader raw_reader;
typedef sbr_rc (*raw_row_fn)(raw_reader *rd, const sbr_row *row, uint64_t ordinal, sbr_err *err);

struct raw_reader {
    const char *path;
    const sbr_prepare_options *opt;
    sbr_prepare_stats *st;
    const raw_column *cols;
    size_t n_cols;
    size_t col[MAX_RAW_COLS]; /* resolved 0-based positions */
    size_t min_fields;
    raw_row_fn parse;
    sbr_click *clicks; /* given-session formats */
    size_t n, cap;
    user_click *uc; /* user-built formats */
    size_t n_uc, cap_uc;
    user_table users;
    event_list events;
    uint64_t *n_other_event, *n_cancelled, *n_adjustment; /* into st->counters */
    char *scratch;                                        /* lastfm1k name key */
    size_t scratch_cap;
};

/* Registers a counter that the report shows even when it stays 0. */
static uint64_t *add_counter(sbr_prepare_stats *st, const char *name)
{
    size_t k = st->n_counters++;
    st->counters[k].name = name;
    st->counters[k].count = 0;
    return &st->counters[k].count;
}

static sbr_rc bad_row(raw_reader *rd, sbr_drop reason, sbr_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* A bad row: an error, or with skip_bad_rows a counted drop (as data/load.c). */
static sbr_rc bad_row(raw_reader *rd, sbr_drop reason, sbr_err *err, const char *fmt, ...)
{
    if (rd->opt->load.skip_bad_rows) {
        rd->st->load.dropped[reason]++;
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

/* A bad value in the format's column k. */
static sbr_rc bad_field(raw_reader *rd, const sbr_row *row, size_t k, sbr_drop reason,
                        const char *why, sbr_err *err)
{
    char ex[64];
    size_t c = rd->col[k];
    return bad_row(rd, reason, err, "%s:%llu: column %zu \"%s\": \"%s\" %s", rd->path,
                   (unsigned long long)row->line, c + 1, rd->cols[k].label,
                   sbr_excerpt(ex, sizeof ex, row->fields[c], row->lens[c]), why);
}

static sbr_rc push_click(raw_reader *rd, sbr_click c, sbr_err *err)
{
    if (rd->n == rd->cap) {
        size_t cap = rd->cap ? 2 * rd->cap : 4096;
        if (sbr_grow_array(&rd->clicks, cap, sizeof *rd->clicks) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory after %zu rows", rd->path,
                               rd->n);
        rd->cap = cap;
    }
    rd->clicks[rd->n++] = c;
    return SBR_OK;
}

static sbr_rc push_user_click(raw_reader *rd, user_click c, sbr_err *err)
{
    if (rd->n_uc == rd->cap_uc) {
        size_t cap = rd->cap_uc ? 2 * rd->cap_uc : 4096;
        if (sbr_grow_array(&rd->uc, cap, sizeof *rd->uc) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory after %zu rows", rd->path,
                               rd->n_uc);
        rd->cap_uc = cap;
    }
    rd->uc[rd->n_uc++] = c;
    return SBR_OK;
}

static bool same_text(const user_table *u, size_t k, const char *s, size_t len)
{
    return u->len[k] == len && memcmp(u->text + u->offset[k], s, len) == 0;
}

static sbr_rc user_table_grow_slots(user_table *u)
{
    size_t n_slots = u->n_slots ? 2 * u->n_slots : 1024;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (slots == NULL)
        return SBR_ENOMEM;
    for (size_t k = 0; k < u->n; k++) {
        size_t h = (size_t)sbr_hash53(u->text + u->offset[k], u->len[k]) & (n_slots - 1);
        while (slots[h] != 0)
            h = (h + 1) & (n_slots - 1);
        slots[h] = k + 1;
    }
    free(u->slots);
    u->slots = slots;
    u->n_slots = n_slots;
    return SBR_OK;
}

/* The index of user text s, added when new. */
static sbr_rc user_table_intern(user_table *u, const char *s, size_t len, size_t *index)
{
    if (u->last != 0 && same_text(u, u->last - 1, s, len)) {
        *index = u->last - 1;
        return SBR_OK;
    }
    if (2 * (u->n + 1) > u->n_slots && user_table_grow_slots(u) != SBR_OK)
        return SBR_ENOMEM;
    size_t h = (size_t)sbr_hash53(s, len) & (u->n_slots - 1);
    while (u->slots[h] != 0) {
        if (same_text(u, u->slots[h] - 1, s, len)) {
            *index = u->slots[h] - 1;
            u->last = *index + 1;
            return SBR_OK;
        }
        h = (h + 1) & (u->n_slots - 1);
    }
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 256;
        if (sbr_grow_array(&u->offset, cap, sizeof *u->offset) != SBR_OK ||
            sbr_grow_array(&u->len, cap, sizeof *u->len) != SBR_OK)
            return SBR_ENOMEM;
        u->cap = cap;
    }
    if (u->text_len + len > u->text_cap) {
        size_t cap = u->text_cap ? u->text_cap : 4096;
        while (cap < u->text_len + len)
            cap *= 2;
        if (sbr_grow_array(&u->text, cap, 1) != SBR_OK)
            return SBR_ENOMEM;
        u->text_cap = cap;
    }
    memcpy(u->text + u->text_len, s, len);
    u->offset[u->n] = u->text_len;
    u->len[u->n] = len;
    u->text_len += len;
    u->slots[h] = u->n + 1;
    *index = u->n++;
    u->last = *index + 1;
    return SBR_OK;
}

static void user_table_fini(user_table *u)
{
    free(u->text);
    free(u->offset);
    free(u->len);
    free(u->slots);
}

/* The header record: find each column by its aliases. */
static sbr_rc resolve_raw_columns(raw_reader *rd, const sbr_row *header, sbr_err *err)
{
    rd->min_fields = 0;
    for (size_t k = 0; k < rd->n_cols; k++) {
        if (!sbr_find_column(header, NULL, rd->cols[k].aliases, &rd->col[k])) {
            char names[256] = "";
            for (size_t c = 0; c < header->n_fields; c++) {
                char ex[64];
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s\"%s\"", c ? ", " : "",
                         sbr_excerpt(ex, sizeof ex, header->fields[c], header->lens[c]));
            }
            return sbr_err_set(
                err, SBR_EPARSE, "%s:%llu: no %s column for format %s; the header has %s", rd->path,
                (unsigned long long)header->line, rd->cols[k].label, rd->opt->format, names);
        }
        if (rd->col[k] + 1 > rd->min_fields)
            rd->min_fields = rd->col[k] + 1;
    }
    return SBR_OK;
}

static sbr_rc on_raw_row(void *user, const sbr_row *row, sbr_err *err)
{
    raw_reader *rd = user;
    if (row->index == 0 && rd->opt->load.has_header)
        return resolve_raw_columns(rd, row, err);
    uint64_t ordinal = rd->st->load.rows_read++;
    if (rd->opt->load.progress != NULL && (ordinal & ((1u << 20) - 1)) == 0 && ordinal > 0)
        rd->opt->load.progress(rd->opt->load.progress_user, ordinal, 0);
    if (row->n_fields < rd->min_fields)
        return bad_row(rd, SBR_DROP_MISSING_FIELD, err,
                       "%s:%llu: the row has %zu field%s, but column %zu is needed", rd->path,
                       (unsigned long long)row->line, row->n_fields, row->n_fields == 1 ? "" : "s",
                       rd->min_fields);
    return rd->parse(rd, row, ordinal, err);
}

/* Reads the whole file through rd->parse. */
static sbr_rc read_raw(raw_reader *rd, sbr_err *err)
{
    const sbr_load_options *lo = &rd->opt->load;
    rd->min_fields = 0;
    for (size_t k = 0; k < rd->n_cols; k++) {
        rd->col[k] = rd->cols[k].position;
        if (rd->col[k] + 1 > rd->min_fields)
            rd->min_fields = rd->col[k] + 1;
    }
    sbr_table_options topt = lo->table;
    topt.skip_malformed = lo->skip_bad_rows;
    sbr_table_info info;
    sbr_rc rc = sbr_table_read(rd->path, &topt, on_raw_row, rd, &info, err);
    sbr_load_stats *ls = &rd->st->load;
    ls->lines = info.lines;
    ls->blank_lines = info.blank_lines;
    ls->delimiter = info.delimiter;
    ls->dropped[SBR_DROP_MALFORMED] = info.malformed;
    ls->rows_read += info.malformed;
    if (rc == SBR_OK && ls->rows_read == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: no data rows (%s)", rd->path,
                         lo->has_header ? "only a header line" : "the file is blank");
    if (rc == SBR_OK && sbr_load_stats_dropped(ls) == ls->rows_read)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: all %llu data rows were dropped as malformed",
                         rd->path, (unsigned long long)ls->rows_read);
    return rc;
}

/* Last.fm-1K ------------------------------------------------------------------------------- */

enum { LF_USER, LF_TIME, LF_ARTIST_ID, LF_ARTIST, LF_TRACK_ID, LF_TRACK, LF_N };

static const char *const lf_user_names[] = {"userid", "user", NULL};
static const char *const lf_time_names[] = {"timestamp", "time", NULL};
static const char *const lf_artist_id_names[] = {"artid", "artist-mbid", NULL};
static const char *const lf_artist_names[] = {"artname", "artist-name", NULL};
static const char *const lf_track_id_names[] = {"traid", "track-mbid", NULL};
static const char *const lf_track_names[] = {"traname", "track-name", NULL};

static const raw_column lastfm_cols[LF_N] = {
    {"userid", lf_user_names, 0},           {"timestamp", lf_time_names, 1},
    {"artist-mbid", lf_artist_id_names, 2}, {"artist-name", lf_artist_names, 3},
    {"track-mbid", lf_track_id_names, 4},   {"track-name", lf_track_names, 5},
};

/* Item = sbr_hash53 of the track MusicBrainz id. About 11 % of Last.fm-1K rows have no track
 * id; for them the item is sbr_hash53 of the bytes artist-name '\t' track-name, so the same
 * song by the same artist is one item (and a track name alone, which many artists share, is
 * not). A tab cannot occur inside a field of this tab-separated file, so the key is
 * unambiguous. */
static sbr_rc lastfm_row(raw_reader *rd, const sbr_row *row, uint64_t ordinal, sbr_err *err)
{
    size_t c = rd->col[LF_USER];
    if (row->lens[c] == 0)
        return bad_field(rd, row, LF_USER, SBR_DROP_BAD_SESSION, "is empty", err);
    const char *user = row->fields[c];
    size_t user_len = row->lens[c];

    user_click uc = {.row = ordinal, .keep = true};
    c = rd->col[LF_TIME];
    const char *why = sbr_parse_time(row->fields[c], row->lens[c], 1.0, &uc.time);
    if (why != NULL)
        return bad_field(rd, row, LF_TIME, SBR_DROP_BAD_TIME, why, err);

    c = rd->col[LF_TRACK_ID];
    if (row->lens[c] > 0) {
        uc.item = sbr_hash53(row->fields[c], row->lens[c]);
    } else {
        size_t a = rd->col[LF_ARTIST], t = rd->col[LF_TRACK];
        size_t need = row->lens[a] + 1 + row->lens[t];
        if (need > rd->scratch_cap) {
            if (sbr_grow_array(&rd->scratch, need, 1) != SBR_OK)
                return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", rd->path);
            rd->scratch_cap = need;
        }
        memcpy(rd->scratch, row->fields[a], row->lens[a]);
        rd->scratch[row->lens[a]] = '\t';
        memcpy(rd->scratch + row->lens[a] + 1, row->fields[t], row->lens[t]);
        uc.item = sbr_hash53(rd->scratch, need);
    }

    size_t index;
    if (user_table_intern(&rd->users, user, user_len, &index) != SBR_OK)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for users", rd->path);
    uc.user = index;
    return push_user_click(rd, uc, err);
}

/* Retailrocket ----------------------------------------------------------------------------- */

enum { RR_TIME, RR_VISITOR, RR_EVENT, RR_ITEM, RR_N };

static const char *const rr_time_names[] = {"timestamp", NULL};
static const char *const rr_visitor_names[] = {"visitorid", "visitor", NULL};
static const char *const rr_event_names[] = {"event", NULL};
static const char *const rr_item_names[] = {"itemid", "item", NULL};

static const raw_column retailrocket_cols[RR_N] = {
    {"timestamp", rr_time_names, 0},
    {"visitorid", rr_visitor_names, 1},
    {"event", rr_event_names, 2},
    {"itemid", rr_item_names, 3},
};

static sbr_rc retailrocket_row(raw_reader *rd, const sbr_row *row, uint64_t ordinal, sbr_err *err)
{
    user_click uc = {.row = ordinal};
    uint64_t ms;
    size_t c = rd->col[RR_TIME];
    const char *why = sbr_parse_u64(row->fields[c], row->lens[c], &ms);
    if (why != NULL)
        return bad_field(rd, row, RR_TIME, SBR_DROP_BAD_TIME, why, err);
    uc.time = (double)ms / 1000.0; /* milliseconds; the division rounds once, as pandas' does */
    c = rd->col[RR_VISITOR];
    if ((why = sbr_parse_u64(row->fields[c], row->lens[c], &uc.user)) != NULL)
        return bad_field(rd, row, RR_VISITOR, SBR_DROP_BAD_SESSION, why, err);
    c = rd->col[RR_ITEM];
    if ((why = sbr_parse_u64(row->fields[c], row->lens[c], &uc.item)) != NULL)
        return bad_field(rd, row, RR_ITEM, SBR_DROP_BAD_ITEM, why, err);
    c = rd->col[RR_EVENT];
    uc.keep = event_wanted(&rd->events, row->fields[c], row->lens[c]);
    return push_user_click(rd, uc, err);
}

/* Diginetica ------------------------------------------------------------------------------- */

enum { DG_SESSION, DG_ITEM, DG_TIMEFRAME, DG_DATE, DG_N };

static const char *const dg_timeframe_names[] = {"timeframe", NULL};
static const char *const dg_date_names[] = {"eventdate", NULL};

static const raw_column diginetica_cols[DG_N] = {
    {"sessionId", sbr_session_aliases, 0},
    {"itemId", sbr_item_aliases, 2},
    {"timeframe", dg_timeframe_names, 3},
    {"eventdate", dg_date_names, 4},
};

/* Time = midnight UTC of eventdate + timeframe / 1000 s. session-rec takes the midnight in the
 * machine's local time zone; UTC makes the result the same everywhere. */
static sbr_rc diginetica_row(raw_reader *rd, const sbr_row *row, uint64_t ordinal, sbr_err *err)
{
    sbr_click click = {.row = ordinal};
    size_t c = rd->col[DG_SESSION];
    const char *why = sbr_parse_u64(row->fields[c], row->lens[c], &click.session);
    if (why != NULL)
        return bad_field(rd, row, DG_SESSION, SBR_DROP_BAD_SESSION, why, err);
    c = rd->col[DG_ITEM];
    if ((why = sbr_parse_u64(row->fields[c], row->lens[c], &click.item)) != NULL)
        return bad_field(rd, row, DG_ITEM, SBR_DROP_BAD_ITEM, why, err);
    uint64_t frame_ms;
    c = rd->col[DG_TIMEFRAME];
    if ((why = sbr_parse_u64(row->fields[c], row->lens[c], &frame_ms)) != NULL)
        return bad_field(rd, row, DG_TIMEFRAME, SBR_DROP_BAD_TIME, why, err);
    double midnight;
    c = rd->col[DG_DATE];
    if ((why = parse_date(row->fields[c], row->lens[c], &midnight)) != NULL)
        return bad_field(rd, row, DG_DATE, SBR_DROP_BAD_TIME, why, err);
    click.time = midnight + (double)frame_ms / 1000.0;
    rd->st->load.rows_kept++;
    return push_click(rd, click, err);
}

/* Online Retail ---------------------------------------------------------------------------- */

enum { OR_INVOICE, OR_STOCK, OR_DATE, OR_N };

static const char *const or_invoice_names[] = {"InvoiceNo", "Invoice", NULL};
static const char *const or_stock_names[] = {"StockCode", NULL};
static const char *const or_date_names[] = {"InvoiceDate", NULL};

static const raw_column online_retail_cols[OR_N] = {
    {"InvoiceNo", or_invoice_names, 0},
    {"StockCode", or_stock_names, 1},
    {"InvoiceDate", or_date_names, 4},
};

static bool is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Invoice numbers are six digits; a leading 'C' marks a cancellation and another leading letter
 * (the file has a few "A..." bad-debt adjustments) a bookkeeping entry: both are well-formed
 * rows removed by rule and counted. Any other non-digit text is a malformed row. InvoiceDate is
 * the original "M/D/YYYY H:MM" or ISO "YYYY-MM-DD hh:mm:ss" (Online Retail II, spreadsheet
 * exports); both are taken as UTC. The shop's UK clock is UTC in winter and UTC+1 in summer,
 * and the file does not say which applies, so no shift is made. */
static sbr_rc online_retail_row(raw_reader *rd, const sbr_row *row, uint64_t ordinal, sbr_err *err)
{
    sbr_click click = {.row = ordinal};
    size_t c = rd->col[OR_INVOICE];
    const char *inv = row->fields[c];
    if (row->lens[c] > 0 && inv[0] == 'C') {
        (*rd->n_cancelled)++;
        return SBR_OK;
    }
    if (row->lens[c] > 0 && is_letter(inv[0])) {
        (*rd->n_adjustment)++;
        return SBR_OK;
    }
    const char *why = sbr_parse_u64(inv, row->lens[c], &click.session);
    if (why != NULL)
        return bad_field(rd, row, OR_INVOICE, SBR_DROP_BAD_SESSION, why, err);
    c = rd->col[OR_STOCK];
    if (row->lens[c] == 0)
        return bad_field(rd, row, OR_STOCK, SBR_DROP_BAD_ITEM, "is empty", err);
    click.item = sbr_hash53(row->fields[c], row->lens[c]);
    c = rd->col[OR_DATE];
    if (memchr(row->fields[c], '/', row->lens[c]) != NULL)
        why = parse_mdy(row->fields[c], row->lens[c], &click.time);
    else
        why = sbr_parse_time(row->fields[c], row->lens[c], 1.0, &click.time);
    if (why != NULL)
        return bad_field(rd, row, OR_DATE, SBR_DROP_BAD_TIME, why, err);
    rd->st->load.rows_kept++;
    return push_click(rd, click, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions per user                                                                          */
/* ------------------------------------------------------------------------------------------ */

static int user_click_cmp(const void *pa, const void *pb)
{
    const user_click *a = pa, *b = pb;
    if (a->user != b->user)
        return a->user < b->user ? -1 : 1;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

typedef struct built_session {
    double first;  /* time of its first kept click */
    uint64_t rank; /* its user's rank in the user order */
    size_t start, end;
} built_session;

static int built_session_cmp(const void *pa, const void *pb)
{
    const built_session *a = pa, *b = pb;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* rank[index] = the position of user `index` in the order of the user texts, bytewise, a prefix
 * first ("u1" < "u10"). A merge sort, because qsort's comparator could not see the table
 * without global state. */
static sbr_rc rank_users(const user_table *u, uint64_t **rank_out)
{
    *rank_out = NULL;
    size_t n = u->n;
    size_t *order = sbr_alloc_array(n, sizeof *order);
    size_t *tmp = sbr_alloc_array(n, sizeof *tmp);
    uint64_t *rank = sbr_alloc_array(n, sizeof *rank);
    if (order == NULL || tmp == NULL || rank == NULL) {
        free(order);
        free(tmp);
        free(rank);
        return SBR_ENOMEM;
    }
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    /* Bottom-up merge sort of the indices by text. */
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                size_t a = order[i], b = order[j];
                size_t m = u->len[a] < u->len[b] ? u->len[a] : u->len[b];
                int c = memcmp(u->text + u->offset[a], u->text + u->offset[b], m);
                bool b_first = c > 0 || (c == 0 && u->len[b] < u->len[a]);
                tmp[k++] = b_first ? order[j++] : order[i++];
            }
            while (i < mid)
                tmp[k++] = order[i++];
            while (j < hi)
                tmp[k++] = order[j++];
        }
        size_t *swap = order;
        order = tmp;
        tmp = swap;
    }
    for (size_t k = 0; k < n; k++)
        rank[order[k]] = k;
    free(order);
    free(tmp);
    *rank_out = rank;
    return SBR_OK;
}

/* The end (exclusive) of the session starting at uc[a]: the user changes, or the pause to the
 * previous click is longer than the gap (a pause of exactly the gap stays in the session). */
static size_t session_end(const user_click *uc, size_t n, size_t a, double gap)
{
    size_t b = a + 1;
    while (b < n && uc[b].user == uc[a].user && !(uc[b].time - uc[b - 1].time > gap))
        b++;
    return b;
}

/* Cuts rd->uc into sessions over all its clicks (kept or not), numbers the sessions that hold a
 * kept click 1, 2, ... by (first kept time, user rank) and returns their kept clicks in *out
 * (malloc'ed, never NULL on success). rank maps a user to its rank; NULL: the user value is its
 * own rank (visitor ids). */
static sbr_rc build_user_sessions(raw_reader *rd, const uint64_t *rank, sbr_click **out,
                                  size_t *n_out, sbr_err *err)
{
    *out = NULL;
    *n_out = 0;
    user_click *uc = rd->uc;
    size_t n = rd->n_uc;
    double gap = rd->opt->session_gap_s;
    if (n > 0)
        qsort(uc, n, sizeof *uc, user_click_cmp);

    size_t n_sessions = 0, n_kept = 0;
    for (size_t a = 0, b; a < n; a = b) {
        b = session_end(uc, n, a, gap);
        size_t kept = 0;
        for (size_t c = a; c < b; c++)
            kept += uc[c].keep;
        n_kept += kept;
        n_sessions += kept > 0; /* a session without kept clicks does not exist */
    }
    built_session *ss = sbr_alloc_array(n_sessions, sizeof *ss);
    sbr_click *clicks = sbr_alloc_array(n_kept, sizeof *clicks);
    if (ss == NULL || clicks == NULL) {
        free(ss);
        free(clicks);
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for %zu sessions", rd->path,
                           n_sessions);
    }
    size_t s = 0;
    for (size_t a = 0, b; a < n; a = b) {
        b = session_end(uc, n, a, gap);
        size_t c = a;
        while (c < b && !uc[c].keep)
            c++;
        if (c < b)
            ss[s++] = (built_session){uc[c].time, rank ? rank[uc[a].user] : uc[a].user, a, b};
    }
    if (n_sessions > 0)
        qsort(ss, n_sessions, sizeof *ss, built_session_cmp);
    size_t k = 0;
    for (s = 0; s < n_sessions; s++)
        for (size_t c = ss[s].start; c < ss[s].end; c++)
            if (uc[c].keep)
                clicks[k++] = (sbr_click){s + 1, uc[c].item, uc[c].time, uc[c].row};
    free(ss);
    *out = clicks;
    *n_out = n_kept;
    return SBR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* sbr_prepare                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Reads the clicks of a raw format (not a session file) into *clicks (never NULL on success). */
static sbr_rc read_raw_clicks(const char *path, const sbr_prepare_options *opt, fmt_id f,
                              const event_list *ev, sbr_click **clicks, size_t *n,
                              sbr_prepare_stats *st, sbr_err *err)
{
    raw_reader rd = {.path = path, .opt = opt, .st = st, .events = *ev};
    size_t session_col = 0, item_col = 1, time_col = 2; /* for stats->load.columns */
    switch (f) {
    case FMT_LASTFM1K:
        rd.cols = lastfm_cols;
        rd.n_cols = LF_N;
        rd.parse = lastfm_row;
        session_col = LF_USER, item_col = LF_TRACK_ID, time_col = LF_TIME;
        break;
    case FMT_RETAILROCKET:
        rd.cols = retailrocket_cols;
        rd.n_cols = RR_N;
        rd.parse = retailrocket_row;
        rd.n_other_event = add_counter(st, "other_event");
        session_col = RR_VISITOR, item_col = RR_ITEM, time_col = RR_TIME;
        break;
    case FMT_DIGINETICA:
        rd.cols = diginetica_cols;
        rd.n_cols = DG_N;
        rd.parse = diginetica_row;
        session_col = DG_SESSION, item_col = DG_ITEM, time_col = DG_TIMEFRAME;
        break;
    case FMT_ONLINE_RETAIL:
        rd.cols = online_retail_cols;
        rd.n_cols = OR_N;
        rd.parse = online_retail_row;
        rd.n_cancelled = add_counter(st, "cancelled");
        rd.n_adjustment = add_counter(st, "adjustment");
        session_col = OR_INVOICE, item_col = OR_STOCK, time_col = OR_DATE;
        break;
    default:
        return sbr_err_set(err, SBR_EINTERNAL, "prepare: %s is not a raw format", formats[f].name);
    }

    uint64_t *rank = NULL;
    sbr_rc rc = read_raw(&rd, err);
    if (rc != SBR_OK)
        goto done;
    if (f == FMT_LASTFM1K || f == FMT_RETAILROCKET) {
        if (f == FMT_LASTFM1K && rank_users(&rd.users, &rank) != SBR_OK) {
            rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for %zu users", path, rd.users.n);
            goto done;
        }
        if ((rc = build_user_sessions(&rd, rank, clicks, n, err)) != SBR_OK)
            goto done;
        st->load.rows_kept = *n;
        if (rd.n_other_event != NULL)
            *rd.n_other_event = rd.n_uc - *n;
    } else {
        if (rd.clicks == NULL && (rd.clicks = sbr_alloc_array(0, sizeof *rd.clicks)) == NULL) {
            rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        *clicks = rd.clicks;
        *n = rd.n;
        rd.clicks = NULL; /* ownership moves to the caller */
    }
done:
    st->load.columns[SBR_COL_SESSION] = rd.col[session_col];
    st->load.columns[SBR_COL_ITEM] = rd.col[item_col];
    st->load.columns[SBR_COL_TIME] = rd.col[time_col];
    free(rank);
    free(rd.clicks);
    free(rd.uc);
    free(rd.scratch);
    user_table_fini(&rd.users);
    return rc;
}

sbr_rc sbr_prepare(const char *path, const sbr_prepare_options *opt, sbr_dataset **out,
                   sbr_prepare_stats *stats, sbr_err *err)
{
    *out = NULL;
    sbr_prepare_stats st;
    memset(&st, 0, sizeof st);
    sbr_click *clicks = NULL;
    size_t n = 0;
    sbr_dataset *built = NULL;
    event_list ev;
    sbr_rc rc;
    int f = find_format(opt->format);
    if (f < 0) {
        rc = unknown_format(opt->format, err);
        goto done;
    }
    if ((rc = check_options(opt, (fmt_id)f, &ev, err)) != SBR_OK)
        goto done;
    /* Session files load straight into a dataset (no array of clicks when they are in
     * order); raw dumps build their clicks first. */
    if (uses_load_columns((fmt_id)f)) {
        rc = sbr_load_sessions(path, &opt->load, &built, &st.load, err);
    } else {
        rc = read_raw_clicks(path, opt, (fmt_id)f, &ev, &clicks, &n, &st, err);
        if (rc == SBR_OK)
            rc = sbr_dataset_from_clicks(clicks, n, &built, err);
    }
    if (rc != SBR_OK)
        goto done;
    st.sessions_built = built->n_sessions;
    const sbr_filter_options *fo = &opt->filter;
    if (fo->first_min_session_length <= 1 && fo->min_item_support <= 1 &&
        fo->min_session_length <= 1 && !fo->collapse_repeats) {
        *out = built; /* no filter: the dataset as loaded, without a copy */
        built = NULL;
    } else {
        rc = sbr_filter_apply(built, &opt->filter, out, &st.filter, err);
    }
done:
    free(clicks);
    sbr_dataset_free(built);
    if (stats != NULL)
        *stats = st;
    return rc;
}
