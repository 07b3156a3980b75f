/* Helpers of the neural-model suites (test_nn.c, test_gnn.c): the finite-difference gradient
 * checker and a fit saved to a model file for byte comparisons. */
#ifndef SBR_TESTS_NN_CHECK_H
#define SBR_TESTS_NN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

/* A loss of the parameters the checker perturbs, for the checker. */
typedef double (*loss_fn)(void *ctx);

typedef struct fd_result {
    double max_rel; /* |a - f| / max(|a|, |f|) over the entries with max(|a|, |f|) >= 10 floor */
    double max_abs; /* |a - f| over all checked entries */
    size_t n_bad;
} fd_result;

enum { FD_MAX_CHECKS = 400 };

/* Compares grad[i] with (L(x + h e_i) - L(x - h e_i)) / 2h for the entries of x (n floats),
 * every one when n is small, else an evenly spaced sample of FD_MAX_CHECKS. An entry fails when
 * |a - f| > rel * max(|a|, |f|) + abs_floor. Prints the worst errors under `what`. */
fd_result fd_check(const char *what, float *x, size_t n, const float *grad, loss_fn f, void *ctx,
                   float h, double rel, double abs_floor);

/* Fits spec on ds with `threads` OpenMP threads, saves the model and returns the file's bytes
 * (malloc'ed, *len of them); failures fail the test fatally. */
char *fit_and_save(const char *spec, const sbr_dataset *ds, int threads, size_t *len);

/* Sessions over 60 items (ids 1..60) of 2 to 7 clicks where every item i is followed by
 * (i * 7 + 3) mod 60 (0-based): the next item is a function of the last one. */
sbr_dataset *successor_sessions(uint32_t seed, size_t n_sessions);

#endif
