/* Dense float32 matrices for the neural models, their seeded initialisers and a few reductions.
 *
 * A tensor is a row-major rows x cols block of floats owned by its struct. Randomness comes
 * from a caller's GSL generator (data/rng.h), so the same seed gives the same bits. Nothing
 * here is thread-safe on one tensor; distinct tensors may be used by distinct threads. */
#ifndef SBR_ALGORITHMS_NN_TENSOR_H
#define SBR_ALGORITHMS_NN_TENSOR_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sbr_nn_tensor {
    size_t rows, cols;
    float *data; /* [rows * cols], row-major */
} sbr_nn_tensor;

/* A new rows x cols tensor of zeros, or NULL when out of memory (or rows * cols overflows). */
sbr_nn_tensor *sbr_nn_tensor_new(size_t rows, size_t cols);

/* Releases t; NULL is a no-op. */
void sbr_nn_tensor_free(sbr_nn_tensor *t);

/* rows * cols. */
size_t sbr_nn_tensor_size(const sbr_nn_tensor *t);

/* Fills x[0..n) with draws of N(0, stddev^2) (tf.random_normal_initializer), in index order. */
void sbr_nn_init_normal(float *x, size_t n, gsl_rng *r, double stddev);

/* Fills x[0..n) with draws of U[lo, hi), in index order. */
void sbr_nn_init_uniform(float *x, size_t n, gsl_rng *r, double lo, double hi);

/* Fills the k x k matrix x with a random orthogonal matrix: Q of the QR decomposition (modified
 * Gram-Schmidt, R's diagonal positive) of a k x k matrix of N(0, 1) draws in row order. NARM's
 * ortho_weight takes U of numpy's SVD of such a matrix instead; both are distributed uniformly
 * (Haar) over the orthogonal matrices. Returns false when out of memory (x untouched). */
bool sbr_nn_init_orthogonal(float *x, size_t k, gsl_rng *r);

/* The dot product of x and y, with eight running float sums in a fixed order (vectorisable and
 * the same on every run). */
float sbr_nn_dot(const float *x, const float *y, size_t n);

/* z[j * ldz + i] = sbr_nn_dot(x_j, y_i, n) for the m rows x_j of x (m x n) and the n_y rows
 * y_i of y (n_y x n), bit for bit, so scoring many queries at once ranks exactly as scoring
 * each alone; each row of y is read once per four rows of x. z must not overlap x or y. */
void sbr_nn_dots(const float *x, size_t m, const float *y, size_t n_y, size_t n, float *z,
                 size_t ldz);

/* y += a x. */
void sbr_nn_axpy(float a, const float *x, float *y, size_t n);

/* The Euclidean norm of x[0..n), squares summed in double in eight lanes in a fixed order. */
double sbr_nn_norm(const float *x, size_t n);

#endif
