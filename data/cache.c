#include "data/cache.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/output.h"

static const char magic[8] = "SBRDSET";
enum { HEADER_BYTES = 144, N_SECTIONS = 6, BYTE_ORDER_TAG = 0x01020304, MAX_SOURCE_PATH = 4096 };

static const char *const section_name[N_SECTIONS] = {"offsets", "items",       "times",
                                                     "rows",    "session_ids", "item_ids"};

/* header.flags: the rows section is empty, every click's row being its index (dataset.h). */
enum { FLAG_ROWS_IMPLICIT = 1 };

/* The header as it lies in the file: 18 fields of 8 bytes. */
typedef struct header {
    char magic[8];
    uint32_t version, byte_order;
    uint64_t n_sessions, n_clicks, n_items;
    uint64_t source_size;
    int64_t source_mtime_s, source_mtime_ns;
    uint64_t source_path_len;
    uint64_t flags;     /* FLAG_* */
    uint64_t n_id_runs; /* > 0: the session_ids section holds that many runs (dataset.h) */
    uint64_t sums[N_SECTIONS];
    uint64_t header_sum; /* header_checksum() */
} header;

_Static_assert(sizeof(header) == HEADER_BYTES, "the cache header is 144 bytes");

bool sbr_cache_is_path(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcmp(path + n - 5, ".sbrd") == 0;
}

/* Four lanes of XXH64's round (multiply, rotate, multiply) over 32-byte stripes, so the lanes'
 * multiplications overlap; the tail and the merge follow XXH64's shape. */
static const uint64_t P1 = UINT64_C(0x9E3779B185EBCA87), P2 = UINT64_C(0xC2B2AE3D27D4EB4F),
                      P3 = UINT64_C(0x165667B19E3779F9), P4 = UINT64_C(0x85EBCA77C2B2AE63),
                      P5 = UINT64_C(0x27D4EB2F165667C5);

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t hash_round(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    return rotl(acc, 31) * P1;
}

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

uint64_t sbr_cache_hash(const void *bytes, size_t len)
{
    const unsigned char *p = bytes, *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = (uint64_t)0 - P1;
        for (; end - p >= 32; p += 32) {
            v1 = hash_round(v1, load64(p));
            v2 = hash_round(v2, load64(p + 8));
            v3 = hash_round(v3, load64(p + 16));
            v4 = hash_round(v4, load64(p + 24));
        }
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = (h ^ hash_round(0, v1)) * P1 + P4;
        h = (h ^ hash_round(0, v2)) * P1 + P4;
        h = (h ^ hash_round(0, v3)) * P1 + P4;
        h = (h ^ hash_round(0, v4)) * P1 + P4;
    } else {
        h = P5;
    }
    h += (uint64_t)len;
    for (; end - p >= 8; p += 8)
        h = rotl(h ^ hash_round(0, load64(p)), 27) * P1 + P4;
    for (; p < end; p++)
        h = rotl(h ^ (*p * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

static size_t pad8(size_t n)
{
    return (8 - n % 8) % 8;
}

/* The checksum of the 136 header bytes before it and of the padded source path after it. */
static uint64_t header_checksum(const header *h, const char *padded_path)
{
    size_t n = (size_t)h->source_path_len + pad8((size_t)h->source_path_len);
    return sbr_cache_hash(h, offsetof(header, header_sum)) ^ sbr_cache_hash(padded_path, n);
}

/* The sections of a dataset, in file order. */
typedef struct section {
    void *data;
    size_t bytes;
} section;

static void sections_of(const sbr_dataset *ds, section s[N_SECTIONS])
{
    s[0] = (section){ds->offsets, (ds->n_sessions + 1) * sizeof *ds->offsets};
    s[1] = (section){ds->items, ds->n_clicks * sizeof *ds->items};
    s[2] = (section){ds->times, ds->n_clicks * sizeof *ds->times};
    s[3] = (section){ds->rows, ds->rows != NULL ? ds->n_clicks * sizeof *ds->rows : 0};
    s[4] = ds->session_ids != NULL
               ? (section){ds->session_ids, ds->n_sessions * sizeof *ds->session_ids}
               : (section){ds->id_runs, ds->n_id_runs * sizeof *ds->id_runs};
    s[5] = (section){ds->item_ids, ds->n_items * sizeof *ds->item_ids};
}

sbr_rc sbr_cache_write(const sbr_dataset *ds, const char *path, const char *source, sbr_err *err)
{
    header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, magic, sizeof h.magic);
    h.version = SBR_CACHE_VERSION;
    h.byte_order = BYTE_ORDER_TAG;
    h.n_sessions = ds->n_sessions;
    h.n_clicks = ds->n_clicks;
    h.n_items = ds->n_items;
    h.flags = ds->rows == NULL ? FLAG_ROWS_IMPLICIT : 0;
    h.n_id_runs = ds->session_ids == NULL ? ds->n_id_runs : 0;
    char *full = NULL;
    if (source != NULL) {
        struct stat st;
        if (stat(source, &st) != 0)
            return sbr_err_set(err, SBR_EIO, "%s: cannot examine the source %s: %s", path, source,
                               strerror(errno));
        /* An absolute path, so the cache can be checked from any folder. */
        char cwd[MAX_SOURCE_PATH];
        if (source[0] != '/' && getcwd(cwd, sizeof cwd) != NULL &&
            (full = malloc(strlen(cwd) + strlen(source) + 2)) != NULL) {
            sprintf(full, "%s/%s", cwd, source);
            source = full;
        }
        if (strlen(source) > MAX_SOURCE_PATH) {
            free(full);
            return sbr_err_set(err, SBR_EIO, "%s: the source's path is too long", path);
        }
        h.source_size = (uint64_t)st.st_size;
        h.source_mtime_s = (int64_t)st.st_mtim.tv_sec;
        h.source_mtime_ns = (int64_t)st.st_mtim.tv_nsec;
        h.source_path_len = strlen(source);
    }
    section s[N_SECTIONS];
    sections_of(ds, s);
    for (int k = 0; k < N_SECTIONS; k++)
        h.sums[k] = sbr_cache_hash(s[k].data, s[k].bytes);
    char padded[MAX_SOURCE_PATH + 8] = {0};
    if (source != NULL)
        memcpy(padded, source, (size_t)h.source_path_len);
    h.header_sum = header_checksum(&h, padded);

    sbr_out *out = NULL;
    sbr_rc rc = sbr_out_open(path, &out, err);
    if (rc != SBR_OK) {
        free(full);
        return rc;
    }
    static const char zeros[8] = {0};
    sbr_out_write(out, &h, sizeof h);
    sbr_out_write(out, padded, (size_t)h.source_path_len + pad8((size_t)h.source_path_len));
    for (int k = 0; k < N_SECTIONS; k++) {
        sbr_out_write(out, s[k].data, s[k].bytes);
        sbr_out_write(out, zeros, pad8(s[k].bytes));
    }
    free(full);
    return sbr_out_commit(out, err);
}

/* The file size the counts imply; false when it overflows. */
static bool expected_size(const header *h, uint64_t *size)
{
    /* Counts above 2^56 cannot come from a real file; refusing them keeps the sums exact. */
    const uint64_t cap = UINT64_C(1) << 56;
    if (h->n_sessions >= cap || h->n_clicks >= cap || h->n_items >= cap ||
        h->n_id_runs > h->n_sessions || h->source_path_len > MAX_SOURCE_PATH)
        return false;
    uint64_t items = 4 * h->n_clicks, rows = h->flags & FLAG_ROWS_IMPLICIT ? 0 : 8 * h->n_clicks;
    *size = HEADER_BYTES + h->source_path_len + pad8(h->source_path_len) + 8 * (h->n_sessions + 1) +
            items + pad8(items) + 8 * h->n_clicks + rows +
            (h->n_id_runs > 0 ? 16 * h->n_id_runs : 8 * h->n_sessions) + 8 * h->n_items;
    return true;
}

static sbr_rc check_invariants(const char *path, const sbr_dataset *ds, sbr_err *err)
{
    if (ds->offsets[0] != 0 || ds->offsets[ds->n_sessions] != ds->n_clicks)
        return sbr_err_set(err, SBR_EPARSE,
                           "%s: corrupt cache: session offsets run from %zu to %zu, not 0 to the "
                           "%zu clicks",
                           path, ds->offsets[0], ds->offsets[ds->n_sessions], ds->n_clicks);
    for (size_t s = 0; s < ds->n_sessions; s++)
        if (ds->offsets[s + 1] <= ds->offsets[s])
            return sbr_err_set(err, SBR_EPARSE,
                               "%s: corrupt cache: session offsets do not ascend at session %zu",
                               path, s);
    /* Session ids ascend: along the array, or across the runs (within a run they step by one;
     * run r's first id must exceed run r - 1's last). */
    for (size_t r = 0; r < ds->n_id_runs && ds->session_ids == NULL; r++) {
        const sbr_id_run *run = &ds->id_runs[r], *prev = r > 0 ? run - 1 : NULL;
        if ((r == 0 && run->start != 0) || (prev != NULL && run->start <= prev->start) ||
            run->start >= ds->n_sessions)
            return sbr_err_set(err, SBR_EPARSE,
                               "%s: corrupt cache: session id run %zu starts at session %llu", path,
                               r, (unsigned long long)run->start);
        uint64_t len = (r + 1 < ds->n_id_runs ? run[1].start : ds->n_sessions) - run->start;
        if ((prev != NULL && run->id <= prev->id + (run->start - prev->start - 1)) ||
            run->id + (len - 1) < run->id)
            return sbr_err_set(err, SBR_EPARSE,
                               "%s: corrupt cache: session ids do not ascend at session %llu", path,
                               (unsigned long long)run->start);
    }
    for (size_t s = 0; s < ds->n_sessions; s++) {
        if (s > 0 && ds->session_ids != NULL && ds->session_ids[s] <= ds->session_ids[s - 1])
            return sbr_err_set(err, SBR_EPARSE,
                               "%s: corrupt cache: session ids do not ascend at session %zu", path,
                               s);
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++) {
            if (ds->items[c] >= ds->n_items)
                return sbr_err_set(err, SBR_EPARSE,
                                   "%s: corrupt cache: click %zu has item index %u, but there are "
                                   "%zu items",
                                   path, c, ds->items[c], ds->n_items);
            if (!(isfinite(ds->times[c]) && ds->times[c] >= 0) ||
                (c > ds->offsets[s] && ds->times[c] < ds->times[c - 1]))
                return sbr_err_set(err, SBR_EPARSE,
                                   "%s: corrupt cache: click %zu has a bad time or one out of "
                                   "order in its session",
                                   path, c);
        }
    }
    for (size_t i = 1; i < ds->n_items; i++)
        if (ds->item_ids[i] <= ds->item_ids[i - 1])
            return sbr_err_set(err, SBR_EPARSE,
                               "%s: corrupt cache: item ids do not ascend at item %zu", path, i);
    return SBR_OK;
}

/* A stale cache: its recorded source exists and has changed. */
static sbr_rc check_source(const char *path, const header *h, const char *source, sbr_err *err)
{
    struct stat st;
    if (h->source_path_len == 0 || stat(source, &st) != 0)
        return SBR_OK;
    if ((uint64_t)st.st_size != h->source_size)
        return sbr_err_set(err, SBR_EPARSE,
                           "%s: stale cache: its source %s now has %llu bytes, %llu when the "
                           "cache was written; rebuild it with sbr prepare",
                           path, source, (unsigned long long)st.st_size,
                           (unsigned long long)h->source_size);
    if ((int64_t)st.st_mtim.tv_sec != h->source_mtime_s ||
        (int64_t)st.st_mtim.tv_nsec != h->source_mtime_ns)
        return sbr_err_set(err, SBR_EPARSE,
                           "%s: stale cache: its source %s was modified after the cache was "
                           "written; rebuild it with sbr prepare",
                           path, source);
    return SBR_OK;
}

/* Reads n bytes, then the padding to 8 bytes, which must be zeros: 1 on a read error, 2 on
 * bad padding, else 0. */
static int read_section(FILE *fp, void *data, size_t n)
{
    static const char zeros[8] = {0};
    char pad[8];
    if (fread(data, 1, n, fp) != n || fread(pad, 1, pad8(n), fp) != pad8(n))
        return 1;
    return memcmp(pad, zeros, pad8(n)) != 0 ? 2 : 0;
}

sbr_rc sbr_cache_load(const char *path, sbr_dataset **out, sbr_err *err)
{
    *out = NULL;
    errno = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return sbr_err_set(err, SBR_EIO, "%s: cannot open: %s", path,
                           errno ? strerror(errno) : "out of memory");
    sbr_dataset *ds = NULL;
    char source[MAX_SOURCE_PATH + 8];
    header h;
    sbr_rc rc = SBR_OK;
    struct stat st;
    uint64_t want = 0;
    if (fstat(fileno(fp), &st) != 0) {
        rc = sbr_err_set(err, SBR_EIO, "%s: cannot examine: %s", path, strerror(errno));
        goto done;
    }
    if (fread(&h, 1, sizeof h, fp) != sizeof h || memcmp(h.magic, magic, sizeof magic) != 0) {
        rc = sbr_err_set(err, SBR_EPARSE,
                         "%s: not an sbr dataset cache (no \"SBRDSET\" header of %d bytes)", path,
                         HEADER_BYTES);
        goto done;
    }
    if (h.version != SBR_CACHE_VERSION || h.byte_order != BYTE_ORDER_TAG) {
        rc = sbr_err_set(err, SBR_EPARSE,
                         "%s: cache format version %u (byte order tag 0x%08x); this sbr reads "
                         "version %d in its own byte order: rebuild it with sbr prepare",
                         path, h.version, h.byte_order, SBR_CACHE_VERSION);
        goto done;
    }
    size_t path_bytes = (size_t)h.source_path_len + pad8((size_t)h.source_path_len);
    if (h.source_path_len > MAX_SOURCE_PATH || fread(source, 1, path_bytes, fp) != path_bytes ||
        header_checksum(&h, source) != h.header_sum) {
        rc =
            sbr_err_set(err, SBR_EPARSE, "%s: corrupt cache: the header's checksum is wrong", path);
        goto done;
    }
    if (h.flags & ~(uint64_t)FLAG_ROWS_IMPLICIT) {
        rc = sbr_err_set(err, SBR_EPARSE, "%s: corrupt cache: unknown flags 0x%llx", path,
                         (unsigned long long)h.flags);
        goto done;
    }
    if (!expected_size(&h, &want) || (uint64_t)st.st_size != want) {
        rc = sbr_err_set(err, SBR_EPARSE,
                         "%s: corrupt cache: %llu bytes, but its counts (%llu sessions, %llu "
                         "clicks, %llu items) need %llu (truncated?)",
                         path, (unsigned long long)st.st_size, (unsigned long long)h.n_sessions,
                         (unsigned long long)h.n_clicks, (unsigned long long)h.n_items,
                         (unsigned long long)want);
        goto done;
    }
    source[h.source_path_len] = '\0';
    if ((rc = check_source(path, &h, source, err)) != SBR_OK)
        goto done;
    ds = calloc(1, sizeof *ds);
    if (ds != NULL) {
        ds->n_sessions = h.n_sessions;
        ds->n_clicks = h.n_clicks;
        ds->n_items = h.n_items;
        ds->offsets = sbr_alloc_array(ds->n_sessions + 1, sizeof *ds->offsets);
        ds->items = sbr_alloc_array(ds->n_clicks, sizeof *ds->items);
        ds->times = sbr_alloc_array(ds->n_clicks, sizeof *ds->times);
        if (!(h.flags & FLAG_ROWS_IMPLICIT))
            ds->rows = sbr_alloc_array(ds->n_clicks, sizeof *ds->rows);
        if (h.n_id_runs > 0) {
            ds->n_id_runs = h.n_id_runs;
            ds->id_runs = sbr_alloc_array(ds->n_id_runs, sizeof *ds->id_runs);
        } else {
            ds->session_ids = sbr_alloc_array(ds->n_sessions, sizeof *ds->session_ids);
        }
        ds->item_ids = sbr_alloc_array(ds->n_items, sizeof *ds->item_ids);
    }
    if (ds == NULL || !ds->offsets || !ds->items || !ds->times ||
        (!(h.flags & FLAG_ROWS_IMPLICIT) && !ds->rows) || (!ds->session_ids && !ds->id_runs) ||
        !ds->item_ids) {
        rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory for %llu clicks", path,
                         (unsigned long long)h.n_clicks);
        goto done;
    }
    section s[N_SECTIONS];
    sections_of(ds, s);
    for (int k = 0; k < N_SECTIONS && rc == SBR_OK; k++) {
        int r = read_section(fp, s[k].data, s[k].bytes);
        if (r == 1)
            rc = sbr_err_set(err, SBR_EIO, "%s: read error in section %s", path, section_name[k]);
        else if (r == 2)
            rc = sbr_err_set(err, SBR_EPARSE, "%s: corrupt cache: bytes after section %s", path,
                             section_name[k]);
        else if (sbr_cache_hash(s[k].data, s[k].bytes) != h.sums[k])
            rc = sbr_err_set(err, SBR_EPARSE,
                             "%s: corrupt cache: the checksum of section %s is wrong", path,
                             section_name[k]);
    }
    if (rc == SBR_OK)
        rc = check_invariants(path, ds, err);
done:
    fclose(fp);
    if (rc != SBR_OK) {
        sbr_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return SBR_OK;
}
