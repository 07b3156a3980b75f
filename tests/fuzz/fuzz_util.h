/* Helpers shared by the libFuzzer targets in tests/fuzz/ (one LLVMFuzzerTestOneInput each).
 *
 * The parsers under test read files, not buffers, so a target writes its input to a scratch
 * file first. The file lives in $TMPDIR (or /tmp), is named after the process so concurrent
 * fuzzers never share one, and is rewritten for every input; the suffix matters because a
 * name ending in ".gz" selects the zlib path. */
#ifndef SBR_TESTS_FUZZ_UTIL_H
#define SBR_TESTS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <zlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The LLVMFuzzerInitialize of a target with nothing else to set up: GSL's error handler off,
 * as in the program's main. */
#define SBR_FUZZ_GSL_OFF_INIT                                                                      \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                                              \
    {                                                                                              \
        (void)argc;                                                                                \
        (void)argv;                                                                                \
        gsl_set_error_handler_off();                                                               \
        return 0;                                                                                  \
    }

enum { FUZZ_PATH = 512 };

/* The scratch path for `suffix` (".tsv", ".gz", ...) in buf; the same for the whole run. */
static inline const char *fuzz_path(char *buf, size_t size, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, size, "%s/sbr-fuzz-%ld%s", dir != NULL && dir[0] != '\0' ? dir : "/tmp",
             (long)getpid(), suffix);
    return buf;
}

/* Writes n bytes to path; returns 0 on success. A failure is the harness's, not the parser's,
 * so the caller aborts rather than skipping the input silently. */
static inline int fuzz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t written = n > 0 ? fwrite(data, 1, n, f) : 0;
    return fclose(f) == 0 && written == n ? 0 : -1;
}

/* Writes n bytes gzip-compressed to path, so the decompressing reader sees a valid stream
 * of fuzzed content; returns 0 on success. */
static inline int fuzz_write_gz(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb1");
    if (g == NULL)
        return -1;
    int ok = n == 0 || gzwrite(g, data, (unsigned)n) == (int)n;
    return gzclose(g) == Z_OK && ok ? 0 : -1;
}

/* A NUL-terminated copy of the input (text parsers take C strings); free it with free(). */
static inline char *fuzz_text(const unsigned char *data, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        abort();
    if (n > 0)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

#endif
