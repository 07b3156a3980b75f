/* A deterministic parallel single-precision matrix product for the recurrent models:
 * C = alpha op(A) op(B) + beta C over row-major matrices (op = identity or transpose), C being
 * m x n and the inner dimension k.
 *
 * C is cut into fixed tiles of SBR_NN_GEMM_ROWS x SBR_NN_GEMM_COLS; each tile is one
 * cblas_sgemm call over the whole inner dimension, made inside an OpenMP parallel region (so
 * OpenBLAS runs it on the calling thread, algorithms/nn/output.h). The tiles do not depend on
 * the thread count, so neither does any bit of C. Call from one thread: the function opens its
 * own parallel region (nested inside another region it runs the tiles on that thread). */
#ifndef SBR_ALGORITHMS_NN_GEMM_H
#define SBR_ALGORITHMS_NN_GEMM_H

#include <stdbool.h>
#include <stddef.h>

enum { SBR_NN_GEMM_ROWS = 64, SBR_NN_GEMM_COLS = 512 };

/* Products of fewer multiply-adds (m n k) run their tiles on the calling thread (inside a
 * one-thread region, so BLAS stays on it): the same tiles, so the same bits. */
#define SBR_NN_GEMM_PARALLEL 3e7

/* C (m x n, leading dimension ldc) = alpha op(A) op(B) + beta C, with op(A) m x k (A is m x k
 * with lda when !ta, k x m when ta) and op(B) k x n (B is k x n with ldb when !tb, n x k when
 * tb). k == 0 scales C by beta. */
void sbr_nn_gemm(bool ta, bool tb, size_t m, size_t n, size_t k, float alpha, const float *a,
                 size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc);

#endif
