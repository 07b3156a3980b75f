#include "eval/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/output.h"
#include "data/parse.h"
#include "data/table.h"
#include "eval/report.h"
#include "eval/results.h"

/* How a metrics column is stored and written back. Storing typed values (not the CSV text)
 * lets SQL compare and aggregate them; writing them back reproduces sbr_metrics_row's text
 * byte for byte: the shortest exact decimals read back to the same double, and the fixed
 * decimals of the timings are reprinted from the value they were printed from. */
typedef enum col_kind {
    K_TEXT,
    K_INT,
    K_REAL, /* sbr_format_double */
    K_FIX6, /* "%.6f": fit_s, eval_s */
    K_LAT   /* "%.3f", NULL when latency was not measured */
} col_kind;

_Static_assert(SBR_METRICS_COLS == 31, "the column kinds below follow eval/report.c");
static const col_kind metric_kinds[SBR_METRICS_COLS] = {
    K_TEXT, K_TEXT, K_TEXT, K_TEXT, K_INT,  K_INT,  K_INT,  K_INT,  K_INT,  K_REAL, K_REAL,
    K_REAL, K_REAL, K_REAL, K_REAL, K_REAL, K_REAL, K_REAL, K_FIX6, K_FIX6, K_LAT,  K_LAT,
    K_LAT,  K_LAT,  K_LAT,  K_LAT,  K_INT,  K_INT,  K_INT,  K_INT,  K_TEXT};
enum { FIRST_LAT = 20, N_LAT = 6 };

static const char *const part_header[SBR_RSTORE_PART_COLS] = {
    "dataset", "split",      "part",      "sessions", "clicks",
    "items",   "first_time", "last_time", "span_days"};
static const col_kind part_kinds[SBR_RSTORE_PART_COLS] = {K_TEXT, K_TEXT, K_TEXT, K_INT, K_INT,
                                                          K_INT,  K_REAL, K_REAL, K_REAL};

enum { SCHEMA_VERSION = 1, BUSY_TIMEOUT_MS = 120000 };

struct sbr_rstore {
    sqlite3 *db;
    char path[4096];
};

/* ---- hashing ------------------------------------------------------------------------------ */

/* Two 64-bit lanes of xxHash64's round over 64-bit words, each lane seeded and fed
 * differently, finished with its avalanche: fast over hundreds of megabytes of columns, and
 * with 128 bits an accidental collision between two versions of a dataset is out of reach. */
static const uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL,
                      P3 = 0x165667B19E3779F9ULL;

static uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

void sbr_hash128_init(sbr_hash128 *h)
{
    h->a = P1 ^ 0x736272ULL;
    h->b = P2 ^ 0x73746f7265ULL;
}

static void hash_word(sbr_hash128 *h, uint64_t w)
{
    h->a = rotl64(h->a + w * P2, 31) * P1;
    h->b = rotl64(h->b ^ (w * P3 + P1), 27) * P2 + P3;
}

void sbr_hash128_bytes(sbr_hash128 *h, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        hash_word(h, w);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i + k < n; k++)
        tail |= (uint64_t)p[i + k] << (8 * k);
    hash_word(h, tail);
    hash_word(h, (uint64_t)n); /* the length, so that "ab" + "c" differs from "a" + "bc" */
}

void sbr_hash128_hex(const sbr_hash128 *h, char out[SBR_RSTORE_FINGERPRINT])
{
    snprintf(out, SBR_RSTORE_FINGERPRINT, "%016llx%016llx", (unsigned long long)avalanche(h->a),
             (unsigned long long)avalanche(h->b ^ rotl64(h->a, 17)));
}

static void hash_dataset(sbr_hash128 *h, const sbr_dataset *ds)
{
    if (ds == NULL) {
        sbr_hash128_bytes(h, "none", 4);
        return;
    }
    uint64_t counts[3] = {ds->n_sessions, ds->n_clicks, ds->n_items};
    sbr_hash128_bytes(h, counts, sizeof counts);
    sbr_hash128_bytes(h, ds->offsets, (ds->n_sessions + 1) * sizeof *ds->offsets);
    sbr_hash128_bytes(h, ds->items, ds->n_clicks * sizeof *ds->items);
    sbr_hash128_bytes(h, ds->times, ds->n_clicks * sizeof *ds->times);
    if (ds->rows != NULL) {
        sbr_hash128_bytes(h, ds->rows, ds->n_clicks * sizeof *ds->rows);
    } else { /* implicit rows 0, 1, 2, ...: the same words sbr_hash128_bytes would read */
        for (size_t c = 0; c < ds->n_clicks; c++)
            hash_word(h, (uint64_t)c);
        hash_word(h, 0);
        hash_word(h, (uint64_t)(ds->n_clicks * sizeof *ds->rows));
    }
    if (ds->session_ids != NULL) {
        sbr_hash128_bytes(h, ds->session_ids, ds->n_sessions * sizeof *ds->session_ids);
    } else { /* ids kept as runs: the words the stored ones would give */
        for (size_t r = 0; r < ds->n_id_runs; r++) {
            const sbr_id_run *run = &ds->id_runs[r];
            uint64_t end = r + 1 < ds->n_id_runs ? run[1].start : ds->n_sessions;
            for (uint64_t k = run->start; k < end; k++)
                hash_word(h, run->id + (k - run->start));
        }
        hash_word(h, 0);
        hash_word(h, (uint64_t)(ds->n_sessions * sizeof *ds->session_ids));
    }
    sbr_hash128_bytes(h, ds->item_ids, ds->n_items * sizeof *ds->item_ids);
}

void sbr_rstore_fingerprint(const sbr_dataset *train, const sbr_dataset *test, const char *settings,
                            char out[SBR_RSTORE_FINGERPRINT])
{
    sbr_hash128 h;
    sbr_hash128_init(&h);
    hash_dataset(&h, train);
    hash_dataset(&h, test);
    sbr_hash128_bytes(&h, settings, strlen(settings));
    sbr_hash128_hex(&h, out);
}

/* ---- varints ------------------------------------------------------------------------------ */

size_t sbr_varint_encode(const uint32_t *v, size_t n, unsigned char *buf)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = v[i];
        while (x >= 0x80) {
            buf[at++] = (unsigned char)(x | 0x80);
            x >>= 7;
        }
        buf[at++] = (unsigned char)x;
    }
    return at;
}

bool sbr_varint_decode(const unsigned char *buf, size_t len, uint32_t *v, size_t n)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = 0;
        for (int shift = 0;; shift += 7) {
            if (at == len || shift > 28)
                return false;
            unsigned char b = buf[at++];
            x |= (uint64_t)(b & 0x7f) << shift;
            if (!(b & 0x80))
                break;
        }
        if (x > UINT32_MAX)
            return false;
        v[i] = (uint32_t)x;
    }
    return at == len;
}

/* ---- the database ------------------------------------------------------------------------- */

static sbr_rc db_fail(const sbr_rstore *st, sbr_err *err, const char *what)
{
    return sbr_err_set(err, SBR_EIO, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static sbr_rc db_exec(sbr_rstore *st, const char *sql, sbr_err *err)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(st, err, sql);
    return SBR_OK;
}

/* db_exec, retried while the database is busy. Switching a new database to WAL needs its
 * exclusive lock, and SQLite answers SQLITE_BUSY at once (without the busy handler) when
 * another process is creating the same store at that moment; four `sbr run`s started together
 * on a fresh output folder met it. Retries every 10 ms, up to the busy timeout. */
static sbr_rc db_exec_retry(sbr_rstore *st, const char *sql, sbr_err *err)
{
    for (int waited = 0;; waited += 10) {
        int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return SBR_OK;
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS)
            return db_fail(st, err, sql);
        sqlite3_sleep(10);
    }
}

static sbr_rc db_prepare(sbr_rstore *st, const char *sql, sqlite3_stmt **stmt, sbr_err *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return db_fail(st, err, "prepare");
    return SBR_OK;
}

/* Ends a transaction: COMMIT when rc is SBR_OK (its failure becomes the error), else ROLLBACK. */
static sbr_rc db_end(sbr_rstore *st, sbr_rc rc, sbr_err *err)
{
    if (rc == SBR_OK)
        return db_exec(st, "COMMIT", err);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static const char *sql_type(col_kind k)
{
    return k == K_TEXT ? "TEXT" : k == K_INT ? "INTEGER" : "REAL";
}

/* "CREATE TABLE name(col TYPE, ..., <extra>)" into buf. */
static void create_sql(char *buf, size_t size, const char *name, const char *const *cols,
                       const col_kind *kinds, size_t n, const char *extra)
{
    size_t at = (size_t)snprintf(buf, size, "CREATE TABLE %s(", name);
    for (size_t c = 0; c < n && at < size; c++)
        at += (size_t)snprintf(buf + at, size - at, "\"%s\" %s%s, ", cols[c], sql_type(kinds[c]),
                               c < 5 && kinds[c] != K_REAL ? " NOT NULL" : "");
    if (at < size)
        snprintf(buf + at, size - at, "%s)", extra);
}

static sbr_rc create_tables(sbr_rstore *st, sbr_err *err)
{
    char sql[4096];
    create_sql(sql, sizeof sql, "results", sbr_metrics_header, metric_kinds, SBR_METRICS_COLS,
               "label TEXT NOT NULL, fingerprint TEXT NOT NULL, seq INTEGER NOT NULL, "
               "PRIMARY KEY(dataset, split, algorithm, params, cutoff)");
    sbr_rc rc = db_exec(st, sql, err);
    if (rc != SBR_OK)
        return rc;
    create_sql(sql, sizeof sql, "parts", part_header, part_kinds, SBR_RSTORE_PART_COLS,
               "seq INTEGER NOT NULL, PRIMARY KEY(dataset, split, part)");
    if ((rc = db_exec(st, sql, err)) != SBR_OK)
        return rc;
    rc = db_exec(st,
                 "CREATE TABLE ranks(dataset TEXT NOT NULL, split TEXT NOT NULL, algorithm TEXT "
                 "NOT NULL, params TEXT NOT NULL, fingerprint TEXT NOT NULL, n_predictions "
                 "INTEGER NOT NULL, ranks BLOB NOT NULL, PRIMARY KEY(dataset, split, algorithm, "
                 "params));"
                 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);",
                 err);
    if (rc != SBR_OK)
        return rc;
    sqlite3_stmt *s;
    if ((rc = db_prepare(st, "INSERT INTO meta VALUES('created_by', ?)", &s, err)) != SBR_OK)
        return rc;
#ifdef SBR_VERSION_STRING
    sqlite3_bind_text(s, 1, SBR_VERSION_STRING, -1, SQLITE_STATIC);
#endif
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = db_fail(st, err, "meta");
    sqlite3_finalize(s);
    if (rc == SBR_OK) {
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        rc = db_exec(st, sql, err);
    }
    return rc;
}

/* Binds cell text to parameter i as its column kind says. */
static sbr_rc bind_cell(sqlite3_stmt *s, int i, col_kind kind, const char *cell, const char *col,
                        sbr_err *err)
{
    size_t len = strlen(cell);
    if (kind == K_TEXT) {
        sqlite3_bind_text(s, i, cell, (int)len, SQLITE_TRANSIENT);
        return SBR_OK;
    }
    if (kind == K_INT) {
        uint64_t v;
        const char *why = sbr_parse_u64(cell, len, &v);
        if (why == NULL && v > (uint64_t)INT64_MAX)
            why = "is too large";
        if (why != NULL)
            return sbr_err_set(err, SBR_EPARSE, "column %s: \"%s\" %s", col, cell, why);
        sqlite3_bind_int64(s, i, (sqlite3_int64)v);
        return SBR_OK;
    }
    double v;
    const char *why = sbr_parse_double(cell, len, &v);
    if (why != NULL)
        return sbr_err_set(err, SBR_EPARSE, "column %s: \"%s\" %s", col, cell, why);
    sqlite3_bind_double(s, i, v);
    return SBR_OK;
}

static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

/* The stored latency of a row's key measured on the same inputs: true and lat[] filled when
 * there is one. */
static bool old_latency(sbr_rstore *st, const char *const *cells, const char *fingerprint,
                        double lat[N_LAT])
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT lat_p50_us, lat_p90_us, lat_p95_us, lat_p99_us, lat_p995_us, "
                           "lat_max_us FROM results WHERE dataset=? AND split=? AND algorithm=? "
                           "AND params=? AND cutoff=? AND fingerprint=? AND lat_p50_us IS NOT "
                           "NULL",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    for (int k = 0; k < 4; k++)
        sqlite3_bind_text(s, k + 1, cells[k], -1, SQLITE_TRANSIENT);
    uint64_t cut = 0;
    sbr_parse_u64(cells[4], strlen(cells[4]), &cut);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)cut);
    sqlite3_bind_text(s, 6, fingerprint, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(s) == SQLITE_ROW;
    for (int k = 0; k < N_LAT && found; k++)
        lat[k] = sqlite3_column_double(s, k);
    sqlite3_finalize(s);
    return found;
}

/* INSERT OR REPLACE of one results row (inside a transaction). lat_mode: 1 the cells hold
 * measurements, 0 they do not (keep a same-input row's latency, else NULL), -1 an imported
 * row (all-zero latency means not measured). */
static sbr_rc insert_result(sbr_rstore *st, const char *const *cells, const char *label,
                            const char *fingerprint, int lat_mode, sbr_err *err)
{
    char sql[2048];
    size_t at = (size_t)snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO results VALUES(");
    for (int c = 0; c < SBR_METRICS_COLS + 2; c++)
        at += (size_t)snprintf(sql + at, sizeof sql - at, "?,");
    snprintf(sql + at, sizeof sql - at, "(SELECT coalesce(max(seq), 0) + 1 FROM results))");
    double kept[N_LAT];
    bool keep = lat_mode == 0 && old_latency(st, cells, fingerprint, kept);
    bool null_lat = lat_mode == 0 && !keep;
    if (lat_mode < 0) {
        null_lat = true;
        for (int k = 0; k < N_LAT; k++) {
            double v = 1;
            const char *cell = cells[FIRST_LAT + k];
            null_lat = null_lat && sbr_parse_double(cell, strlen(cell), &v) == NULL && v == 0;
        }
    }
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st, sql, &s, err);
    if (rc != SBR_OK)
        return rc;
    for (int c = 0; c < SBR_METRICS_COLS && rc == SBR_OK; c++) {
        bool is_lat = metric_kinds[c] == K_LAT;
        if (is_lat && null_lat)
            sqlite3_bind_null(s, c + 1);
        else if (is_lat && keep)
            sqlite3_bind_double(s, c + 1, kept[c - FIRST_LAT]);
        else
            rc = bind_cell(s, c + 1, metric_kinds[c], cells[c], sbr_metrics_header[c], err);
    }
    sqlite3_bind_text(s, SBR_METRICS_COLS + 1, label, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, SBR_METRICS_COLS + 2, fingerprint, -1, SQLITE_TRANSIENT);
    if (rc == SBR_OK && !step_done(s))
        rc = db_fail(st, err, "insert into results");
    sqlite3_finalize(s);
    return rc;
}

static sbr_rc insert_part(sbr_rstore *st, const char *const *cells, sbr_err *err)
{
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st,
                           "INSERT OR REPLACE INTO parts VALUES(?,?,?,?,?,?,?,?,?,"
                           "(SELECT coalesce(max(seq), 0) + 1 FROM parts))",
                           &s, err);
    for (int c = 0; c < SBR_RSTORE_PART_COLS && rc == SBR_OK; c++) {
        if (c >= SBR_RSTORE_PART_FIRST_TIME && cells[c][0] == '\0')
            sqlite3_bind_null(s, c + 1); /* synthetic time: no dates */
        else
            rc = bind_cell(s, c + 1, part_kinds[c], cells[c], part_header[c], err);
    }
    if (rc == SBR_OK && !step_done(s))
        rc = db_fail(st, err, "insert into parts");
    sqlite3_finalize(s);
    return rc;
}

/* ---- importing the CSV files of a run from before the store ---------------------------- */

typedef struct importer {
    sbr_rstore *st;
    const char *path;
    const char *const *header;
    size_t n_cols;
    bool metrics;
    bool labelled; /* the metrics file has the label column after the others */
} importer;

static sbr_rc import_row(void *user, const sbr_row *row, sbr_err *err)
{
    importer *im = user;
    if (row->index == 0 && im->metrics && row->n_fields == im->n_cols + 1 &&
        strcmp(row->fields[im->n_cols], "label") == 0)
        im->labelled = true; /* an export of a store: its last column is the label */
    if (row->n_fields != im->n_cols + im->labelled)
        return sbr_err_set(err, row->index == 0 ? SBR_EINVAL : SBR_EPARSE,
                           "%s:%llu: %zu cells where the results have %zu columns", im->path,
                           (unsigned long long)row->line, row->n_fields, im->n_cols);
    if (row->index == 0) {
        for (size_t k = 0; k < im->n_cols; k++)
            if (strcmp(row->fields[k], im->header[k]) != 0)
                return sbr_err_set(err, SBR_EINVAL,
                                   "%s: column %zu is \"%s\", the results have \"%s\": move the "
                                   "file away or write the results to another folder",
                                   im->path, k + 1, row->fields[k], im->header[k]);
        return SBR_OK;
    }
    sbr_err why = {SBR_OK, ""};
    const char *label = row->fields[im->labelled ? im->n_cols : 2];
    sbr_rc rc = im->metrics ? insert_result(im->st, row->fields, label, "", -1, &why)
                            : insert_part(im->st, row->fields, &why);
    if (rc != SBR_OK)
        return sbr_err_set(err, rc, "%s:%llu: %s", im->path, (unsigned long long)row->line,
                           why.msg);
    return SBR_OK;
}

static sbr_rc import_csv(sbr_rstore *st, const char *path, bool metrics, sbr_err *err)
{
    struct stat sb;
    if (path == NULL || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0)
        return SBR_OK;
    importer im = {st,
                   path,
                   metrics ? sbr_metrics_header : part_header,
                   metrics ? SBR_METRICS_COLS : SBR_RSTORE_PART_COLS,
                   metrics,
                   false};
    sbr_table_options topt;
    sbr_table_options_init(&topt);
    topt.delimiter = ',';
    return sbr_table_read(path, &topt, import_row, &im, NULL, err);
}

/* ---- open and close ----------------------------------------------------------------------- */

void sbr_rstore_path_for(const char *csv, char *out, size_t size)
{
    size_t n = strlen(csv);
    if (n > 4 && strcmp(csv + n - 4, ".csv") == 0)
        snprintf(out, size, "%.*s.db", (int)(n - 4), csv);
    else
        snprintf(out, size, "%s.db", csv);
}

/* Creates the tables (and imports the CSV files) unless another process has: under the write
 * lock, so that of several processes opening a new store at once exactly one creates it. */
static sbr_rc ensure_schema(sbr_rstore *st, const char *metrics_csv, const char *parts_csv,
                            sbr_err *err)
{
    sbr_rc rc = db_exec_retry(st, "BEGIN IMMEDIATE", err);
    if (rc != SBR_OK)
        return rc;
    sqlite3_stmt *s;
    int version = -1;
    if ((rc = db_prepare(st, "PRAGMA user_version", &s, err)) == SBR_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            version = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    if (rc == SBR_OK && version < 0)
        rc = db_fail(st, err, "reading the schema version");
    if (rc == SBR_OK && version > SCHEMA_VERSION)
        rc = sbr_err_set(err, SBR_EIO,
                         "%s: written by a newer sbr (schema %d, this one reads %d): use a "
                         "newer sbr or another output folder",
                         st->path, version, SCHEMA_VERSION);
    if (rc == SBR_OK && version == 0) {
        rc = create_tables(st, err);
        if (rc == SBR_OK)
            rc = import_csv(st, metrics_csv, true, err);
        if (rc == SBR_OK)
            rc = import_csv(st, parts_csv, false, err);
    }
    /* Added to schema 1 later: stores made before it get the table when next opened. */
    if (rc == SBR_OK)
        rc = db_exec(st,
                     "CREATE TABLE IF NOT EXISTS latency_len(dataset TEXT NOT NULL, split TEXT NOT "
                     "NULL, algorithm TEXT NOT NULL, params TEXT NOT NULL, fingerprint TEXT NOT "
                     "NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, p50_us REAL NOT NULL, "
                     "p90_us REAL NOT NULL, PRIMARY KEY(dataset, split, algorithm, params, "
                     "bucket))",
                     err);
    return db_end(st, rc, err);
}

sbr_rc sbr_rstore_open(const char *path, const char *metrics_csv, const char *parts_csv,
                       sbr_rstore **out, sbr_err *err)
{
    *out = NULL;
    sbr_rstore *st = calloc(1, sizeof *st);
    if (st == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "store: out of memory");
    snprintf(st->path, sizeof st->path, "%s", path);
    sbr_rc rc = SBR_OK;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = st->db ? db_fail(st, err, "cannot open")
                    : sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
    }
    if (rc == SBR_OK) {
        sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
        /* WAL: readers never block the writer, and a commit is one append to the log. FULL
         * syncs the log at every commit, so a committed job survives a power loss too. */
        rc = db_exec_retry(st, "PRAGMA journal_mode=WAL", err);
    }
    if (rc == SBR_OK)
        rc = db_exec(st, "PRAGMA synchronous=FULL", err);
    if (rc == SBR_OK)
        rc = ensure_schema(st, metrics_csv, parts_csv, err);
    if (rc != SBR_OK) {
        sbr_rstore_free(st);
        return rc;
    }
    *out = st;
    return SBR_OK;
}

void sbr_rstore_free(sbr_rstore *st)
{
    if (st == NULL)
        return;
    sqlite3_close(st->db);
    free(st);
}

/* ---- writing ------------------------------------------------------------------------------ */

static sbr_rc put_ranks(sbr_rstore *st, const sbr_rstore_job *job, sbr_err *err)
{
    const char *const *key = job->cells;
    sqlite3_stmt *s;
    sbr_rc rc;
    if (job->ranks == NULL) {
        rc = db_prepare(st,
                        "DELETE FROM ranks WHERE dataset=? AND split=? AND algorithm=? AND "
                        "params=? AND fingerprint<>?",
                        &s, err);
        if (rc != SBR_OK)
            return rc;
        for (int k = 0; k < 4; k++)
            sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, job->fingerprint, -1, SQLITE_TRANSIENT);
        if (!step_done(s))
            rc = db_fail(st, err, "delete from ranks");
        sqlite3_finalize(s);
        return rc;
    }
    unsigned char *blob = sbr_alloc_array(job->ranks->n + 1, 5);
    if (blob == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "store: out of memory");
    size_t len = sbr_varint_encode(job->ranks->rank, job->ranks->n, blob);
    rc = db_prepare(st, "INSERT OR REPLACE INTO ranks VALUES(?,?,?,?,?,?,?)", &s, err);
    if (rc == SBR_OK) {
        for (int k = 0; k < 4; k++)
            sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, job->fingerprint, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)job->ranks->n);
        sqlite3_bind_blob(s, 7, blob, (int)len, SQLITE_TRANSIENT);
        if (!step_done(s))
            rc = db_fail(st, err, "insert into ranks");
        sqlite3_finalize(s);
    }
    free(blob);
    return rc;
}

sbr_rc sbr_rstore_put_job(sbr_rstore *st, const sbr_rstore_job *job, sbr_err *err)
{
    sbr_rc rc = db_exec(st, "BEGIN IMMEDIATE", err);
    if (rc != SBR_OK)
        return rc;
    for (size_t r = 0; r < job->n_rows && rc == SBR_OK; r++)
        rc = insert_result(st, job->cells + r * SBR_METRICS_COLS, job->label, job->fingerprint,
                           job->has_latency ? 1 : 0, err);
    if (rc == SBR_OK && job->n_rows > 0)
        rc = put_ranks(st, job, err);
    return db_end(st, rc, err);
}

sbr_rc sbr_rstore_put_part(sbr_rstore *st, const char *const *cells, sbr_err *err)
{
    sbr_rc rc = db_exec(st, "BEGIN IMMEDIATE", err);
    if (rc == SBR_OK)
        rc = db_end(st, insert_part(st, cells, err), err);
    return rc;
}

sbr_rc sbr_rstore_drop_label(sbr_rstore *st, const char *dataset, const char *label,
                             const char *keep_params, size_t *dropped, sbr_err *err)
{
    *dropped = 0;
    sbr_rc rc = db_exec(st, "BEGIN IMMEDIATE", err);
    if (rc != SBR_OK)
        return rc;
    sqlite3_stmt *s;
    rc = db_prepare(st, "DELETE FROM results WHERE dataset=? AND label=? AND params<>?", &s, err);
    if (rc == SBR_OK) {
        const char *bind[3] = {dataset, label, keep_params};
        for (int k = 0; k < 3; k++)
            sqlite3_bind_text(s, k + 1, bind[k], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = db_fail(st, err, "delete from results");
        else
            *dropped = (size_t)sqlite3_changes(st->db);
        sqlite3_finalize(s);
    }
    return db_end(st, rc, err);
}

/* ---- reading ------------------------------------------------------------------------------ */

sbr_rc sbr_rstore_has_job(sbr_rstore *st, const char *dataset, const char *split,
                          const char *algorithm, const char *params, const size_t *cutoffs,
                          size_t n_cutoffs, const char *fingerprint, bool *done, bool *changed,
                          sbr_err *err)
{
    *done = true;
    *changed = false;
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st,
                           "SELECT fingerprint FROM results WHERE dataset=? AND split=? AND "
                           "algorithm=? AND params=? AND cutoff=?",
                           &s, err);
    if (rc != SBR_OK)
        return rc;
    const char *key[4] = {dataset, split, algorithm, params};
    for (size_t c = 0; c < n_cutoffs && rc == SBR_OK; c++) {
        sqlite3_reset(s);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)cutoffs[c]);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            const char *fp = (const char *)sqlite3_column_text(s, 0);
            if (fingerprint != NULL && (fp == NULL || strcmp(fp, fingerprint) != 0)) {
                *done = false;
                *changed = true;
            }
        } else if (step == SQLITE_DONE) {
            *done = false;
        } else {
            rc = db_fail(st, err, "select from results");
        }
    }
    sqlite3_finalize(s);
    if (*done)
        *changed = false;
    return rc;
}

sbr_rc sbr_rstore_has_ranks(sbr_rstore *st, const char *dataset, const char *split,
                            const char *algorithm, const char *params, const char *fingerprint,
                            bool *has, sbr_err *err)
{
    *has = false;
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st,
                           "SELECT 1 FROM ranks WHERE dataset=? AND split=? AND algorithm=? AND "
                           "params=? AND fingerprint=?",
                           &s, err);
    if (rc != SBR_OK)
        return rc;
    const char *key[5] = {dataset, split, algorithm, params, fingerprint};
    for (int k = 0; k < 5; k++)
        sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        *has = true;
    else if (step != SQLITE_DONE)
        rc = db_fail(st, err, "select from ranks");
    sqlite3_finalize(s);
    return rc;
}

/* Writes column c of the current row of s as the CSV holds it. */
static void put_value(sbr_out *o, sqlite3_stmt *s, int c, col_kind kind)
{
    char buf[64];
    const char *text = buf;
    int type = sqlite3_column_type(s, c);
    if (type == SQLITE_NULL) {
        text = kind == K_LAT ? "0.000" : "";
    } else if (kind == K_TEXT) {
        text = (const char *)sqlite3_column_text(s, c);
        sbr_csv_write_cell(o, text ? text : "", (size_t)sqlite3_column_bytes(s, c));
        return;
    } else if (kind == K_INT) {
        snprintf(buf, sizeof buf, "%lld", (long long)sqlite3_column_int64(s, c));
    } else if (kind == K_REAL) {
        sbr_format_double(buf, sizeof buf, sqlite3_column_double(s, c));
    } else {
        snprintf(buf, sizeof buf, kind == K_FIX6 ? "%.6f" : "%.3f", sqlite3_column_double(s, c));
    }
    sbr_csv_write_cell(o, text, strlen(text));
}

static sbr_rc export_table(sbr_rstore *st, const char *path, const char *table,
                           const char *const *cols, const col_kind *kinds, int n, sbr_err *err)
{
    /* The write lock, although nothing is written: exporters run one at a time, each reading
     * the state every earlier commit left, so the last rename carries the latest rows. */
    sbr_rc rc = db_exec(st, "BEGIN IMMEDIATE", err);
    if (rc != SBR_OK)
        return rc;
    char sql[2048];
    size_t at = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (int c = 0; c < n; c++)
        at += (size_t)snprintf(sql + at, sizeof sql - at, "%s\"%s\"", c ? "," : "", cols[c]);
    snprintf(sql + at, sizeof sql - at, " FROM %s ORDER BY seq", table);
    sqlite3_stmt *s = NULL;
    sbr_out *o = NULL;
    rc = db_prepare(st, sql, &s, err);
    if (rc == SBR_OK)
        rc = sbr_out_open(path, &o, err);
    if (rc == SBR_OK) {
        for (int c = 0; c < n; c++) {
            if (c > 0)
                sbr_out_write(o, ",", 1);
            sbr_csv_write_cell(o, cols[c], strlen(cols[c]));
        }
        sbr_out_write(o, "\n", 1);
        int step;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            for (int c = 0; c < n; c++) {
                if (c > 0)
                    sbr_out_write(o, ",", 1);
                put_value(o, s, c, kinds[c]);
            }
            sbr_out_write(o, "\n", 1);
        }
        if (step != SQLITE_DONE) {
            rc = db_fail(st, err, "reading the rows");
            sbr_out_abort(o);
        } else {
            rc = sbr_out_commit(o, err);
        }
    }
    sqlite3_finalize(s);
    return db_end(st, rc, err);
}

sbr_rc sbr_rstore_export_metrics(sbr_rstore *st, const char *path, sbr_err *err)
{
    const char *cols[SBR_METRICS_COLS + 1];
    col_kind kinds[SBR_METRICS_COLS + 1];
    for (int c = 0; c < SBR_METRICS_COLS; c++) {
        cols[c] = sbr_metrics_header[c];
        kinds[c] = metric_kinds[c];
    }
    cols[SBR_METRICS_COLS] = "label";
    kinds[SBR_METRICS_COLS] = K_TEXT;
    return export_table(st, path, "results", cols, kinds, SBR_METRICS_COLS + 1, err);
}

sbr_rc sbr_rstore_export_parts(sbr_rstore *st, const char *path, sbr_err *err)
{
    return export_table(st, path, "parts", part_header, part_kinds, SBR_RSTORE_PART_COLS, err);
}

sbr_rc sbr_rstore_get_ranks(sbr_rstore *st, const char *dataset, const char *split,
                            const char *algorithm, const char *params, uint32_t **out, size_t *n,
                            sbr_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st,
                           "SELECT n_predictions, ranks FROM ranks WHERE dataset=? AND split=? "
                           "AND algorithm=? AND params=?",
                           &s, err);
    if (rc != SBR_OK)
        return rc;
    const char *key[4] = {dataset, split, algorithm, params};
    for (int k = 0; k < 4; k++)
        sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = sbr_err_set(err, SBR_EINVAL, "%s: no ranks stored for %s/%s %s %s", st->path, dataset,
                         split, algorithm, params);
    } else if (step != SQLITE_ROW) {
        rc = db_fail(st, err, "select from ranks");
    } else {
        sqlite3_int64 count = sqlite3_column_int64(s, 0);
        const unsigned char *blob = sqlite3_column_blob(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 1);
        uint32_t *v = count >= 0 ? sbr_alloc_array((size_t)count, sizeof *v) : NULL;
        if (v == NULL)
            rc = sbr_err_set(err, SBR_ENOMEM, "store: out of memory");
        else if (!sbr_varint_decode(blob ? blob : (const unsigned char *)"", len, v,
                                    (size_t)count)) {
            free(v);
            rc = sbr_err_set(err, SBR_EPARSE, "%s: the ranks of %s/%s %s %s do not decode to %lld",
                             st->path, dataset, split, algorithm, params, (long long)count);
        } else {
            *out = v;
            *n = (size_t)count;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

sbr_rc sbr_rstore_get_label(sbr_rstore *st, const char *dataset, const char *algorithm,
                            const char *params, char *out, size_t size, sbr_err *err)
{
    out[0] = '\0';
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st,
                           "SELECT label FROM results WHERE dataset=? AND algorithm=? AND params=? "
                           "ORDER BY seq LIMIT 1",
                           &s, err);
    if (rc != SBR_OK)
        return rc;
    const char *key[3] = {dataset, algorithm, params};
    for (int k = 0; k < 3; k++)
        sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(s);
    const unsigned char *text = step == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
    if (step == SQLITE_ROW && text != NULL && text[0] != '\0')
        snprintf(out, size, "%s", (const char *)text);
    else if (step == SQLITE_ROW || step == SQLITE_DONE)
        rc = sbr_err_set(err, SBR_EINVAL, "%s: no label stored for %s %s %s", st->path, dataset,
                         algorithm, params);
    else
        rc = db_fail(st, err, "select a label from results");
    sqlite3_finalize(s);
    return rc;
}

/* Binds the job key (dataset, split, algorithm, params) to parameters 1..4. */
static void bind_key(sqlite3_stmt *s, const char *dataset, const char *split, const char *algorithm,
                     const char *params)
{
    const char *key[4] = {dataset, split, algorithm, params};
    for (int k = 0; k < 4; k++)
        sqlite3_bind_text(s, k + 1, key[k], -1, SQLITE_TRANSIENT);
}

sbr_rc sbr_rstore_put_latency_len(sbr_rstore *st, const char *dataset, const char *split,
                                  const char *algorithm, const char *params,
                                  const char *fingerprint,
                                  const sbr_lat_len buckets[SBR_LEN_BUCKETS], sbr_err *err)
{
    sbr_rc rc = db_exec(st, "BEGIN IMMEDIATE", err);
    if (rc != SBR_OK)
        return rc;
    sqlite3_stmt *s;
    rc = db_prepare(st, "INSERT OR REPLACE INTO latency_len VALUES(?,?,?,?,?,?,?,?,?)", &s, err);
    for (int b = 0; b < SBR_LEN_BUCKETS && rc == SBR_OK; b++) {
        sqlite3_reset(s);
        bind_key(s, dataset, split, algorithm, params);
        sqlite3_bind_text(s, 5, fingerprint, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 6, b);
        sqlite3_bind_int64(s, 7, (sqlite3_int64)buckets[b].n);
        sqlite3_bind_double(s, 8, buckets[b].p50_us);
        sqlite3_bind_double(s, 9, buckets[b].p90_us);
        if (!step_done(s))
            rc = db_fail(st, err, "insert into latency_len");
    }
    if (s != NULL)
        sqlite3_finalize(s);
    return db_end(st, rc, err);
}

sbr_rc sbr_rstore_get_latency_len(sbr_rstore *st, const char *dataset, const char *split,
                                  const char *algorithm, const char *params,
                                  sbr_lat_len out[SBR_LEN_BUCKETS], sbr_err *err)
{
    memset(out, 0, SBR_LEN_BUCKETS * sizeof *out);
    sqlite3_stmt *s;
    sbr_rc rc = db_prepare(st,
                           "SELECT bucket, n, p50_us, p90_us FROM latency_len WHERE dataset=? AND "
                           "split=? AND algorithm=? AND params=?",
                           &s, err);
    if (rc != SBR_OK)
        return rc;
    bind_key(s, dataset, split, algorithm, params);
    int step, rows = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int b = sqlite3_column_int(s, 0);
        if (b < 0 || b >= SBR_LEN_BUCKETS)
            continue; /* a bucket of another layout: not ours */
        sqlite3_int64 n = sqlite3_column_int64(s, 1);
        out[b] = (sbr_lat_len){n > 0 ? (size_t)n : 0, sqlite3_column_double(s, 2),
                               sqlite3_column_double(s, 3)};
        rows++;
    }
    if (step != SQLITE_DONE)
        rc = db_fail(st, err, "select from latency_len");
    else if (rows == 0)
        rc = sbr_err_set(err, SBR_EINVAL, "%s: no latency by length stored for %s/%s %s %s",
                         st->path, dataset, split, algorithm, params);
    sqlite3_finalize(s);
    return rc;
}
