/* One gated graph step of SR-GNN (CRIPAC-DIG/SR-GNN pytorch_code/model.py, GNN.GNNCell) over a
 * graph of n nodes with d-dimensional states h (n x d, row-major) and weighted directed edges:
 *
 *   e_in = h W_in + b_in,  e_out = h W_out + b_out
 *   a_in[v]  = sum over edges u->v of w_in  e_in[u]  + b_iah     (w_in = 1 / in-degree of v)
 *   a_out[u] = sum over edges u->v of w_out e_out[v] + b_oah     (w_out = 1 / out-degree of u)
 *   gi = [a_in; a_out] W_ih + b_ih,  gh = h W_hh + b_hh         (3d each: reset, input, new)
 *   r = sigmoid(gi_r + gh_r),  z = sigmoid(gi_i + gh_i),  c = tanh(gi_n + r * gh_n)
 *   h' = c + z (h - c)
 *
 * which is PyTorch's GRU cell with [a_in; a_out] as its input. Weights act on row vectors (x W,
 * W: in x out). The parameters are one block in the order W_in [d x d], b_in [d], W_out [d x d],
 * b_out [d], b_iah [d], b_oah [d], W_ih [2d x 3d], b_ih [3d], W_hh [d x 3d], b_hh [3d].
 * Disjoint sessions may share one graph (the edges never cross), so a shard of sessions is one
 * call. Sums run in a fixed order (edges in list order, BLAS on the calling thread inside a
 * parallel region, as algorithms/nn/output.h explains): the same inputs give the same bits. */
#ifndef SBR_ALGORITHMS_NN_GGNN_H
#define SBR_ALGORITHMS_NN_GGNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The edges of a graph: edge k goes from node src[k] to node dst[k] with weights w_in[k] (for
 * a_in) and w_out[k] (for a_out). */
typedef struct sbr_nn_graph {
    size_t n_nodes, n_edges;
    const uint32_t *src, *dst;
    const float *w_in, *w_out;
} sbr_nn_graph;

/* Floats of the parameter block for states of d. */
size_t sbr_nn_ggnn_n_params(size_t d);

/* Floats of a step's cache (what the backward pass needs) and of the work area (forward and
 * backward scratch), for n nodes. */
size_t sbr_nn_ggnn_cache_floats(size_t n, size_t d);
size_t sbr_nn_ggnn_work_floats(size_t n, size_t d);

/* h_out = the step applied to h (both n x d, distinct); fills cache; work is scratch. plain:
 * the products in plain C instead of BLAS (sbr_nn_linear_forward_plain; for prediction). */
void sbr_nn_ggnn_forward(const float *p, size_t d, const sbr_nn_graph *g, const float *h,
                         float *h_out, float *cache, float *work, bool plain);

/* Given g_out, the loss gradient with respect to h_out of the forward call that filled cache
 * (with the same p, g and h): accumulates the parameters' gradient into gp (the block's
 * layout) and writes the gradient with respect to h into g_h (n x d, overwritten; may not
 * alias g_out). */
void sbr_nn_ggnn_backward(const float *p, size_t d, const sbr_nn_graph *g, const float *h,
                          const float *cache, const float *g_out, float *g_h, float *gp,
                          float *work);

#endif
