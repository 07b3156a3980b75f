/* Helpers shared by the test suites: temporary files with given bytes, plain or gzip. */
#ifndef SBR_TESTS_TEST_UTIL_H
#define SBR_TESTS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A fresh temporary directory for this process (created on first use, under $TMPDIR or
 * /tmp). Never NULL; aborts the test program if it cannot be made. */
const char *test_tmpdir(void);

/* Writes `len` bytes to a new file `name` in test_tmpdir() and returns its path (a static
 * buffer per call slot: valid until 16 more calls). With gz, the bytes are gzip-compressed and
 * ".gz" should end the name. */
const char *test_write_file(const char *name, const void *bytes, size_t len, bool gz);

/* test_write_file for a NUL-terminated text. */
const char *test_write_text(const char *name, const char *text);

/* Reads a whole (plain or .gz) file into a malloc'ed NUL-terminated buffer; NULL on error. */
char *test_read_file(const char *path, size_t *len);

/* The shared data folder (SBR_DATA, else ../shared/data relative to the source tree) when it
 * exists, else NULL. */
const char *test_data_dir(void);

/* "<data dir>/<rel>" in a static buffer slot. */
const char *test_data_path(const char *rel);

#endif
