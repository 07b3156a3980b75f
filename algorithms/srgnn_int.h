/* SR-GNN internals shared with its tests: the session graph and the whole network's loss and
 * gradient on given examples (tests/test_gnn.c). */
#ifndef SBR_ALGORITHMS_SRGNN_INT_H
#define SBR_ALGORITHMS_SRGNN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

/* The session graph of items[0..len) (len >= 1), as utils.get_slice builds it: nodes[0..n) =
 * the distinct items ascending (n into *n_nodes), alias[i] = the node of click i, and one edge
 * k = 0, 1, ... per distinct pair of consecutive clicks in order of first appearance, from
 * src[k] to dst[k] (node numbers) with w_in[k] = 1 / (edges into dst[k]) and w_out[k] = 1 /
 * (edges out of src[k]). Every array holds len entries; deg is scratch of 2 len. Returns the
 * number of edges. */
size_t sbr_srgnn_graph(const uint32_t *items, size_t len, uint32_t *nodes, size_t *n_nodes,
                       uint32_t *alias, uint32_t *src, uint32_t *dst, float *w_in, float *w_out,
                       uint32_t *deg);

/* The parameter block's size: E [n_items x dim], the graph step (algorithms/nn/ggnn.h), W1
 * [dim x dim], b1 [dim], W2 [dim x dim], b2 [dim], q [dim], W3 [2 dim x dim], b3 [dim], in this
 * order. */
size_t sbr_srgnn_n_params(size_t n_items, size_t dim);

/* The mean softmax cross-entropy of examples e < n_ex (items[starts[e] .. + lens[e]) predict
 * targets[e]) under params with `steps` graph steps into *loss and its gradient (without the
 * weight decay) into grad (overwritten), as one training step computes them. Errors:
 * SBR_ENOMEM. */
sbr_rc sbr_srgnn_gradient(size_t n_items, size_t dim, size_t steps, float *params,
                          const uint32_t *items, const size_t *starts, const uint32_t *lens,
                          const uint32_t *targets, size_t n_ex, double *loss, float *grad,
                          sbr_err *err);

#endif
