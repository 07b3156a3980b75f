#include "data/load.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

sbr_rc sbr_load_clicks(const char *path, const sbr_load_options *opt, sbr_click **clicks, size_t *n,
                       sbr_load_stats *stats, sbr_err *err)
{
    *clicks = NULL;
    *n = 0;
    loader ld = {.path = path, .opt = opt};
    if (!opt->has_header) {
        /* Without a header, columns are numbers (default 1, 2, 3). */
        for (int k = 0; k < SBR_COL_N; k++) {
            long number = k + 1;
            const char *spec = opt->columns[k];
            if (spec != NULL && sbr_parse_long(spec, 1, 1 << 20, &number) != NULL)
                return sbr_err_set(err, SBR_EINVAL,
                                   "%s: without a header, columns are numbers (%s=\"%s\")", path,
                                   column_label[k], spec);
            ld.col[k] = (size_t)number - 1;
            if (ld.col[k] + 1 > ld.min_fields)
                ld.min_fields = ld.col[k] + 1;
        }
        memcpy(ld.stats.columns, ld.col, sizeof ld.col);
    }
    sbr_table_options topt = opt->table;
    topt.skip_malformed = opt->skip_bad_rows;
    sbr_table_info info;
    sbr_rc rc = sbr_table_read(path, &topt, on_row, &ld, &info, err);
    ld.stats.lines = info.lines;
    ld.stats.blank_lines = info.blank_lines;
    ld.stats.delimiter = info.delimiter;
    ld.stats.dropped[SBR_DROP_MALFORMED] = info.malformed;
    ld.stats.rows_read += info.malformed;
    if (rc == SBR_OK && ld.stats.rows_read == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: no data rows (%s)", path,
                         opt->has_header ? "only a header line" : "the file is blank");
    if (rc == SBR_OK && ld.n == 0)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: all %llu data rows were dropped as malformed", path,
                         (unsigned long long)ld.stats.rows_read);
    if (stats != NULL)
        *stats = ld.stats;
    if (rc != SBR_OK) {
        free(ld.clicks);
        return rc;
    }
    *clicks = ld.clicks;
    *n = ld.n;
    return SBR_OK;
}

sbr_rc sbr_load_sessions(const char *path, const sbr_load_options *opt, sbr_dataset **out,
                         sbr_load_stats *stats, sbr_err *err)
{
    *out = NULL;
    sbr_click *clicks;
    size_t n;
    sbr_rc rc = sbr_load_clicks(path, opt, &clicks, &n, stats, err);
    if (rc != SBR_OK)
        return rc;
    rc = sbr_dataset_from_clicks(clicks, n, out, err);
    free(clicks);
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
