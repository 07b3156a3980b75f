#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

enum { SLOTS = 16, PATH_BYTES = 4096 };

static char *slot(void)
{
    static char paths[SLOTS][PATH_BYTES];
    static unsigned next;
    return paths[next++ % SLOTS];
}

const char *test_tmpdir(void)
{
    static char dir[PATH_BYTES];
    if (dir[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/sbr-test-XXXXXX", base && *base ? base : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            abort();
        }
    }
    return dir;
}

const char *test_write_file(const char *name, const void *bytes, size_t len, bool gz)
{
    char *path = slot();
    if (snprintf(path, PATH_BYTES, "%s/%s", test_tmpdir(), name) >= PATH_BYTES)
        abort();
    gzFile f = gzopen(path, gz ? "wb" : "wbT");
    if (f == NULL || (len > 0 && gzwrite(f, bytes, (unsigned)len) != (int)len) ||
        gzclose(f) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    return path;
}

const char *test_write_text(const char *name, const char *text)
{
    return test_write_file(name, text, strlen(text), false);
}

char *test_read_file(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    int got;
    while (buf != NULL && (got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (grown == NULL)
                free(buf);
            buf = grown;
        }
    }
    gzclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        if (len != NULL)
            *len = n;
    }
    return buf;
}

const char *test_data_dir(void)
{
    static char dir[PATH_BYTES];
    const char *env = getenv("SBR_DATA");
    if (env != NULL && *env != '\0')
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "%s/../../../shared/data", SBR_FIXTURES);
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

const char *test_data_path(const char *rel)
{
    char *path = slot();
    const char *dir = test_data_dir();
    if (snprintf(path, PATH_BYTES, "%s/%s", dir ? dir : "(no data dir)", rel) >= PATH_BYTES)
        abort();
    return path;
}
