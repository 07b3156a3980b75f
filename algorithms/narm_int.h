/* NARM internals shared with its tests: the whole network's loss and gradient on given
 * examples (tests/test_gnn.c). */
#ifndef SBR_ALGORITHMS_NARM_INT_H
#define SBR_ALGORITHMS_NARM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

/* The parameter block's size: E [n_items x dim], Wxrz [dim x 3 hidden], b [3 hidden], Urz
 * [hidden x 2 hidden], Uh, A1, A2 [hidden x hidden], v [hidden], B^T [2 hidden x dim], in this
 * order. */
size_t sbr_narm_n_params(size_t n_items, size_t dim, size_t hidden);

/* The mean softmax cross-entropy of examples e < n_ex (items[starts[e] .. + lens[e]) predict
 * targets[e]) under params without dropout (prediction's scaling with drop_emb = drop_out = 0)
 * into *loss, and its gradient into grad (overwritten), as a training step computes them.
 * Errors: SBR_ENOMEM. */
sbr_rc sbr_narm_gradient(size_t n_items, size_t dim, size_t hidden, bool hard, float *params,
                         const uint32_t *items, const size_t *starts, const uint32_t *lens,
                         const uint32_t *targets, size_t n_ex, double *loss, float *grad,
                         sbr_err *err);

#endif
