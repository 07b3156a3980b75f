/* STAMP internals shared with its tests: the whole network's loss and gradient on given
 * examples, for the finite-difference checks in tests/test_nn.c. */
#ifndef SBR_ALGORITHMS_STAMP_INT_H
#define SBR_ALGORITHMS_STAMP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

/* The parameter block's size: E [n_items x dim], W1, W2, W3 [dim x dim], w0 [dim], WA, WB
 * [dim x dim], in this order. */
size_t sbr_stamp_n_params(size_t n_items, size_t dim);

/* The mean softmax cross-entropy of examples e < n_ex (items[starts[e] .. + lens[e]) predict
 * targets[e]; lens >= 1, every item and target < n_items) under params, into *loss, and its
 * gradient into grad (sbr_stamp_n_params floats, overwritten), exactly as one training step
 * computes them (before clipping); with sum, the summed cross-entropy and its gradient
 * (reduce=sum). params is only read. Errors: SBR_ENOMEM. */
sbr_rc sbr_stamp_gradient(size_t n_items, size_t dim, int variant, int add_ms, double max_norm,
                          bool sum, float *params, const uint32_t *items, const size_t *starts,
                          const uint32_t *lens, const uint32_t *targets, size_t n_ex, double *loss,
                          float *grad, sbr_err *err);

#endif
