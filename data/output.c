#include "data/output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/parse.h"

struct sbr_out {
    gzFile f;
    char *path;
    char *tmp_path;
    bool failed;     /* a write failed; commit reports it */
    int saved_errno; /* errno of the first failure */
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void out_free(sbr_out *o)
{
    free(o->path);
    free(o->tmp_path);
    free(o);
}

sbr_rc sbr_out_open(const char *path, sbr_out **out, sbr_err *err)
{
    *out = NULL;
    sbr_out *o = calloc(1, sizeof *o);
    size_t n = strlen(path) + 32;
    if (o == NULL || (o->path = malloc(n)) == NULL || (o->tmp_path = malloc(n)) == NULL) {
        if (o != NULL)
            out_free(o);
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
    }
    snprintf(o->path, n, "%s", path);
    snprintf(o->tmp_path, n, "%s.%ld.tmp", path, (long)getpid());
    /* "T" writes plain text through the same interface. */
    errno = 0;
    o->f = gzopen(o->tmp_path, ends_with(path, ".gz") ? "wb6" : "wbT");
    if (o->f == NULL) {
        sbr_rc rc = sbr_err_set(err, SBR_EIO, "%s: cannot create: %s", o->tmp_path,
                                errno ? strerror(errno) : "out of memory");
        out_free(o);
        return rc;
    }
    gzbuffer(o->f, 1 << 17);
    *out = o;
    return SBR_OK;
}

void sbr_out_write(sbr_out *o, const void *bytes, size_t n)
{
    while (!o->failed && n > 0) {
        unsigned part = n > (1u << 30) ? 1u << 30 : (unsigned)n;
        errno = 0;
        if (gzwrite(o->f, bytes, part) != (int)part) {
            o->failed = true;
            o->saved_errno = errno;
        }
        bytes = (const char *)bytes + part;
        n -= part;
    }
}

void sbr_out_printf(sbr_out *o, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0) {
        o->failed = true;
        return;
    }
    if ((size_t)len < sizeof small) {
        sbr_out_write(o, small, (size_t)len);
        return;
    }
    char *big = malloc((size_t)len + 1);
    if (big == NULL) {
        o->failed = true;
        o->saved_errno = ENOMEM;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)len + 1, fmt, ap);
    va_end(ap);
    sbr_out_write(o, big, (size_t)len);
    free(big);
}

sbr_rc sbr_out_commit(sbr_out *o, sbr_err *err)
{
    errno = 0;
    int zrc = gzclose(o->f);
    sbr_rc rc = SBR_OK;
    if (o->failed || zrc != Z_OK) {
        int e = o->failed ? o->saved_errno : errno;
        rc = sbr_err_set(err, SBR_EIO, "%s: write failed: %s", o->tmp_path,
                         e ? strerror(e) : "gzip error");
        remove(o->tmp_path);
    } else if (rename(o->tmp_path, o->path) != 0) {
        rc =
            sbr_err_set(err, SBR_EIO, "%s: cannot rename into place: %s", o->path, strerror(errno));
        remove(o->tmp_path);
    }
    out_free(o);
    return rc;
}

void sbr_out_abort(sbr_out *o)
{
    if (o == NULL)
        return;
    gzclose(o->f);
    remove(o->tmp_path);
    out_free(o);
}

sbr_rc sbr_write_sessions(const sbr_dataset *ds, const char *path, sbr_err *err)
{
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "SessionId\tItemId\tTime\n");
    char t[40];
    for (size_t s = 0; s < ds->n_sessions; s++)
        for (size_t c = ds->offsets[s]; c < ds->offsets[s + 1]; c++)
            sbr_out_printf(o, "%llu\t%llu\t%s\n", (unsigned long long)ds->session_ids[s],
                           (unsigned long long)ds->item_ids[ds->items[c]],
                           sbr_format_double(t, sizeof t, ds->times[c]));
    return sbr_out_commit(o, err);
}
