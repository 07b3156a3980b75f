#include "data/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "data/parse.h"

struct sbr_out {
    gzFile f; /* writes through a duplicate of fd, closed by gzclose */
    int fd;   /* the temporary file, kept open to fsync it after gzclose */
    char *path;
    char *tmp_path;
    bool direct;     /* the path is a device or a FIFO: written in place, never renamed */
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
    /* A temporary renamed over /dev/null (or a FIFO) would replace the device with a file:
     * such a path is written in place. A folder is no place for a file. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        out_free(o);
        return sbr_err_set(err, SBR_EIO, "%s: is a folder, not a file", path);
    }
    o->direct = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    if (o->direct)
        snprintf(o->tmp_path, n, "%s", path);
    o->fd = o->direct ? open(path, O_WRONLY | O_CLOEXEC)
                      : open(o->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (o->fd < 0) {
        sbr_rc rc =
            sbr_err_set(err, SBR_EIO, "%s: cannot create: %s", o->tmp_path, strerror(errno));
        out_free(o);
        return rc;
    }
    /* "T" writes plain text through the same interface. */
    errno = 0;
    int gz_fd = dup(o->fd);
    o->f = gz_fd < 0 ? NULL : gzdopen(gz_fd, ends_with(path, ".gz") ? "wb6" : "wbT");
    if (o->f == NULL) {
        sbr_rc rc = sbr_err_set(err, SBR_EIO, "%s: cannot create: %s", o->tmp_path,
                                errno ? strerror(errno) : "out of memory");
        if (gz_fd >= 0)
            close(gz_fd);
        close(o->fd);
        if (!o->direct)
            remove(o->tmp_path);
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

/* Syncs the folder holding path, so that a rename into it survives a crash. File systems
 * that cannot sync a folder (EINVAL, ENOTSUP) are not an error. */
static sbr_rc sync_folder(const char *path, sbr_err *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return sbr_err_set(err, SBR_EIO, "%s: folder name too long to sync", path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sbr_err_set(err, SBR_EIO,
                           "%s: renamed into place, but its folder cannot be opened "
                           "to sync it: %s",
                           path, strerror(errno));
    sbr_rc rc = SBR_OK;
    if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
        rc = sbr_err_set(err, SBR_EIO, "%s: renamed into place, but syncing its folder failed: %s",
                         path, strerror(errno));
    close(fd);
    return rc;
}

sbr_rc sbr_out_commit(sbr_out *o, sbr_err *err)
{
    errno = 0;
    int zrc = gzclose(o->f);
    int close_errno = errno;
    sbr_rc rc = SBR_OK;
    if (o->failed || zrc != Z_OK) {
        int e = o->failed ? o->saved_errno : close_errno;
        rc = sbr_err_set(err, SBR_EIO, "%s: write failed: %s", o->tmp_path,
                         e ? strerror(e) : "gzip error");
    } else if (!o->direct && fsync(o->fd) != 0) {
        rc =
            sbr_err_set(err, SBR_EIO, "%s: write failed (fsync): %s", o->tmp_path, strerror(errno));
    }
    if (close(o->fd) != 0 && rc == SBR_OK)
        rc =
            sbr_err_set(err, SBR_EIO, "%s: write failed (close): %s", o->tmp_path, strerror(errno));
    if (o->direct) {
        out_free(o);
        return rc;
    }
    if (rc == SBR_OK && rename(o->tmp_path, o->path) != 0)
        rc =
            sbr_err_set(err, SBR_EIO, "%s: cannot rename into place: %s", o->path, strerror(errno));
    if (rc != SBR_OK)
        remove(o->tmp_path);
    else
        rc = sync_folder(o->path, err);
    out_free(o);
    return rc;
}

void sbr_out_abort(sbr_out *o)
{
    if (o == NULL)
        return;
    gzclose(o->f);
    close(o->fd);
    if (!o->direct)
        remove(o->tmp_path);
    out_free(o);
}

/* The pid of a temporary file's name "<name>.<pid>.tmp", or 0 when the name is not one. */
static long tmp_pid(const char *name)
{
    size_t n = strlen(name);
    if (n < 6 || strcmp(name + n - 4, ".tmp") != 0)
        return 0;
    size_t end = n - 4, start = end;
    while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9')
        start--;
    if (start == end || start < 2 || name[start - 1] != '.' || end - start > 9)
        return 0;
    long pid = 0;
    for (size_t i = start; i < end; i++)
        pid = pid * 10 + (name[i] - '0');
    return pid;
}

sbr_rc sbr_out_remove_stale(const char *dir, size_t *removed, sbr_err *err)
{
    if (removed != NULL)
        *removed = 0;
    errno = 0;
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        if (errno == ENOENT)
            return SBR_OK;
        return sbr_err_set(err, SBR_EIO, "%s: cannot list: %s", dir, strerror(errno));
    }
    sbr_rc rc = SBR_OK;
    size_t count = 0;
    long self = (long)getpid();
    struct dirent *e;
    char path[4096];
    while (rc == SBR_OK && (errno = 0, e = readdir(dh)) != NULL) {
        long pid = tmp_pid(e->d_name);
        if (pid <= 0 || pid == self)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to signal): its file may be in use */
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
            rc = sbr_err_set(err, SBR_EIO, "%s/%s: path too long", dir, e->d_name);
            break;
        }
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (remove(path) == 0)
            count++;
        else if (errno != ENOENT) /* another run may have just cleaned it */
            rc = sbr_err_set(err, SBR_EIO, "%s: cannot remove: %s", path, strerror(errno));
    }
    if (rc == SBR_OK && e == NULL && errno != 0)
        rc = sbr_err_set(err, SBR_EIO, "%s: cannot list: %s", dir, strerror(errno));
    closedir(dh);
    if (removed != NULL)
        *removed = count;
    return rc;
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
            sbr_out_printf(o, "%llu\t%llu\t%s\n", (unsigned long long)sbr_dataset_session_id(ds, s),
                           (unsigned long long)ds->item_ids[ds->items[c]],
                           sbr_format_double(t, sizeof t, ds->times[c]));
    return sbr_out_commit(o, err);
}
