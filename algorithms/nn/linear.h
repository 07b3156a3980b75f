/* A linear layer y = x W + b over row vectors (x: n x in, W: in x out, b: out or none), with
 * its backward pass, through cblas_sgemm. The functions have no state; called inside an OpenMP
 * parallel region, OpenBLAS runs them on the calling thread (algorithms/nn/output.h). */
#ifndef SBR_ALGORITHMS_NN_LINEAR_H
#define SBR_ALGORITHMS_NN_LINEAR_H

#include <stddef.h>

/* y = x W (+ b when b is not NULL); y is n x out and must not alias x. */
void sbr_nn_linear_forward(const float *x, size_t n, size_t in, const float *w, const float *b,
                           size_t out, float *y);

/* sbr_nn_linear_forward in plain C, for prediction paths that must not call BLAS (OpenBLAS may
 * allocate on a thread's first call and runs on several threads outside a parallel region):
 * each output row is the sum of W's rows scaled by x, in row order, then b. */
void sbr_nn_linear_forward_plain(const float *x, size_t n, size_t in, const float *w,
                                 const float *b, size_t out, float *y);

/* Accumulates the gradients of y = x W + b given gy (n x out): gw += x^T gy (in x out),
 * gb += the column sums of gy (when gb is not NULL), gx += gy W^T (n x in, when gx is not
 * NULL). */
void sbr_nn_linear_backward(const float *x, size_t n, size_t in, const float *w, size_t out,
                            const float *gy, float *gw, float *gb, float *gx);

#endif
