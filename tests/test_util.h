/* Helpers shared by the test suites: temporary files with given bytes, plain or gzip. */
#ifndef SBR_TESTS_TEST_UTIL_H
#define SBR_TESTS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

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

/* test_read_file of the file `name` in test_tmpdir() (what a writer under test made there). */
char *test_read_tmp(const char *name);

/* Cuts a CSV line in place at its commas into up to max fields (field[k] points into line) and
 * returns their number; a line of more than max fields yields max, the last holding the rest. */
size_t test_split_csv(char *line, char **field, size_t max);

/* The shared data folder (SBR_DATA, else ../shared/data relative to the source tree) when it
 * exists, else NULL. */
const char *test_data_dir(void);

/* "<data dir>/<rel>" in a static buffer slot. */
const char *test_data_path(const char *rel);

/* Parses `spec` and fits it on train, failing the test (fatally, with the message) on any
 * error. The model is the caller's: free with m->algo->free. */
struct sbr_model;
struct sbr_model *test_fit(const char *spec, const sbr_dataset *train);

/* The algorithm's name (its default spec), or for the neural models whose default fit takes
 * too long for suites that fit every algorithm, that spec with fewer epochs. */
const char *test_algo_spec(const char *name);

/* Every registered algorithm's default spec (test_algo_spec), then variants that reach their other
 * code paths (vmis with long queries and compat=serenade, CPython tie order, random sampling, ...):
 * up to cap specs into specs[], returning their count. */
size_t test_algo_specs(const char **specs, size_t cap);

/* n_sessions sessions over 60 items (ids 1..60) of 2..max_len clicks (uniform), each from a
 * random item and following item i -> (i * 7 + 3) mod 60, clicks one second apart, sessions
 * 100 s apart; seeded, the same every run. For the learned models' tests. */
sbr_dataset *test_successor_sessions(uint32_t seed, size_t n_sessions, size_t max_len);

/* Fits spec on ds with `threads` OpenMP threads, saves the model (with ds's vocabulary) to
 * path (a file "<algorithm>-<threads>.sbrm" in test_tmpdir(), path_size bytes) and returns the
 * file's bytes (malloc'ed, *len of them), for the thread-count determinism checks. */
char *test_fit_and_save(const char *spec, const sbr_dataset *ds, int threads, size_t *len,
                        char *path, size_t path_size);

/* Whether two datasets hold the same row ordinals in the same form (both implicit, or both
 * stored with equal values). */
bool test_same_rows(const sbr_dataset *a, const sbr_dataset *b);

/* Whether two datasets hold the same session ids in the same form (both as runs or both as
 * arrays) with equal values. */
bool test_same_session_ids(const sbr_dataset *a, const sbr_dataset *b);

/* Loads the shared rsc15-100k sample (train_full and test). Returns 0, or prints the error and
 * returns 1 (a CUnit suite-setup failure). */
int test_load_rsc15(sbr_dataset **train, sbr_dataset **test);

/* One row of session-rec's saved recommendation lists (SessionId;Position;Recommendations;
 * Scores): up to 64 items with their scores. */
typedef struct test_saved_row {
    uint64_t session;
    size_t position, n;
    uint64_t items[64];
    double scores[64];
} test_saved_row;

/* Reads a saved-lists file into *rows (malloc'ed, *n of them). Errors: SBR_EPARSE naming the
 * line, SBR_EIO, SBR_ENOMEM. */
sbr_rc test_read_saved_lists(const char *path, test_saved_row **rows, size_t *n, sbr_err *err);

#endif
