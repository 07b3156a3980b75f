#include "algorithms/nn/tensor.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/common.h"

sbr_nn_tensor *sbr_nn_tensor_new(size_t rows, size_t cols)
{
    if (cols > 0 && rows > SIZE_MAX / cols)
        return NULL;
    sbr_nn_tensor *t = malloc(sizeof *t);
    if (t == NULL)
        return NULL;
    t->rows = rows;
    t->cols = cols;
    t->data = calloc(rows * cols > 0 ? rows * cols : 1, sizeof *t->data);
    if (t->data == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

void sbr_nn_tensor_free(sbr_nn_tensor *t)
{
    if (t == NULL)
        return;
    free(t->data);
    free(t);
}

size_t sbr_nn_tensor_size(const sbr_nn_tensor *t)
{
    return t->rows * t->cols;
}

void sbr_nn_init_normal(float *x, size_t n, gsl_rng *r, double stddev)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)gsl_ran_gaussian(r, stddev);
}

void sbr_nn_init_uniform(float *x, size_t n, gsl_rng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(lo + (hi - lo) * gsl_rng_uniform(r));
}

bool sbr_nn_init_orthogonal(float *x, size_t k, gsl_rng *r)
{
    /* Modified Gram-Schmidt on the columns of a Gaussian matrix, in double. */
    double *q = sbr_alloc_array(k * k + 1, sizeof *q);
    if (q == NULL)
        return false;
    for (size_t i = 0; i < k * k; i++)
        q[i] = gsl_ran_gaussian(r, 1.0);
    bool ok = true;
    for (size_t j = 0; j < k && ok; j++) {
        for (size_t c = 0; c < j; c++) {
            double dot = 0;
            for (size_t i = 0; i < k; i++)
                dot += q[i * k + c] * q[i * k + j];
            for (size_t i = 0; i < k; i++)
                q[i * k + j] -= dot * q[i * k + c];
        }
        double norm = 0;
        for (size_t i = 0; i < k; i++)
            norm += q[i * k + j] * q[i * k + j];
        norm = sqrt(norm);
        ok = norm > 1e-12; /* a dependent draw: probability zero */
        for (size_t i = 0; ok && i < k; i++)
            q[i * k + j] /= norm;
    }
    if (ok)
        for (size_t i = 0; i < k * k; i++)
            x[i] = (float)q[i];
    free(q);
    return ok;
}

/* Built for AVX-512, AVX2 and the baseline (GCC's target_clones); the same bits on all three,
 * since C11 mode does not contract into FMA and every sum's order is fixed here. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SBR_NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SBR_NN_CLONES
#endif

SBR_NN_CLONES
float sbr_nn_dot(const float *x, const float *y, size_t n)
{
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t k = 0; k < 8; k++)
            s[k] += x[i + k] * y[i + k];
    float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++)
        t += x[i] * y[i];
    return t;
}

#if defined(__GNUC__)
/* Eight float lanes (GCC's vector extension): `s += a * b` on it is eight lane-wise float
 * multiplies and adds, exactly the scalar arithmetic of sbr_nn_dot's eight sums. */
typedef float lanes8 __attribute__((vector_size(32)));
#define LANES8_ZERO                                                                                \
    {                                                                                              \
        0, 0, 0, 0, 0, 0, 0, 0                                                                     \
    }
/* Inlined into each clone of sbr_nn_dots, so it is compiled for that clone's instruction set
 * (a call would run the baseline's two 128-bit halves). */
#define DOTS_INLINE static inline __attribute__((always_inline))
#else
#define DOTS_INLINE static inline
typedef struct lanes8 {
    float v[8];
} lanes8;
#define LANES8_ZERO                                                                                \
    {                                                                                              \
        {                                                                                          \
            0, 0, 0, 0, 0, 0, 0, 0                                                                 \
        }                                                                                          \
    }
#endif

/* s += a[0..8) * b[0..8), lane by lane (pointers, not vectors by value: the baseline
 * clone has no AVX registers to pass them in). */
DOTS_INLINE void lanes8_madd(lanes8 *s, const float *a, const float *b)
{
#if defined(__GNUC__)
    lanes8 va, vb;
    memcpy(&va, a, sizeof va);
    memcpy(&vb, b, sizeof vb);
    *s += va * vb;
#else
    for (int k = 0; k < 8; k++)
        s->v[k] += a[k] * b[k];
#endif
}

/* sbr_nn_dot's ending: the eight lanes summed pairwise, then the tail of x and y from i. */
DOTS_INLINE float lanes8_finish(const lanes8 *s, const float *x, const float *y, size_t i, size_t n)
{
    float a[8];
    memcpy(a, s, sizeof a);
    float t = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++)
        t += x[i] * y[i];
    return t;
}

/* The products of the four rows of x (stride n) with the two rows y0, y1, each exactly as
 * sbr_nn_dot computes it: eight running vectors where sbr_nn_dot keeps one, so the rows of y
 * are read once for four rows of x. z[r * ldz + c] is x_r . y_c. */
DOTS_INLINE void dots_4x2(const float *x, const float *y0, const float *y1, size_t n, float *z,
                          size_t ldz)
{
    const float *x0 = x, *x1 = x + n, *x2 = x + 2 * n, *x3 = x + 3 * n;
    lanes8 s00 = LANES8_ZERO, s01 = LANES8_ZERO, s10 = LANES8_ZERO, s11 = LANES8_ZERO;
    lanes8 s20 = LANES8_ZERO, s21 = LANES8_ZERO, s30 = LANES8_ZERO, s31 = LANES8_ZERO;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        lanes8_madd(&s00, x0 + i, y0 + i);
        lanes8_madd(&s01, x0 + i, y1 + i);
        lanes8_madd(&s10, x1 + i, y0 + i);
        lanes8_madd(&s11, x1 + i, y1 + i);
        lanes8_madd(&s20, x2 + i, y0 + i);
        lanes8_madd(&s21, x2 + i, y1 + i);
        lanes8_madd(&s30, x3 + i, y0 + i);
        lanes8_madd(&s31, x3 + i, y1 + i);
    }
    z[0] = lanes8_finish(&s00, x0, y0, i, n);
    z[1] = lanes8_finish(&s01, x0, y1, i, n);
    z[ldz] = lanes8_finish(&s10, x1, y0, i, n);
    z[ldz + 1] = lanes8_finish(&s11, x1, y1, i, n);
    z[2 * ldz] = lanes8_finish(&s20, x2, y0, i, n);
    z[2 * ldz + 1] = lanes8_finish(&s21, x2, y1, i, n);
    z[3 * ldz] = lanes8_finish(&s30, x3, y0, i, n);
    z[3 * ldz + 1] = lanes8_finish(&s31, x3, y1, i, n);
}

/* Items per block: a block of y (DOTS_BLOCK rows) stays in the cache while every group of
 * four rows of x passes over it. */
enum { DOTS_BLOCK = 32 };

SBR_NN_CLONES
void sbr_nn_dots(const float *x, size_t m, const float *y, size_t n_y, size_t n, float *z,
                 size_t ldz)
{
    for (size_t lo = 0; lo < n_y; lo += DOTS_BLOCK) {
        size_t hi = n_y - lo < DOTS_BLOCK ? n_y : lo + DOTS_BLOCK;
        size_t j = 0;
        for (; j + 4 <= m; j += 4) {
            size_t i = lo;
            for (; i + 2 <= hi; i += 2)
                dots_4x2(x + j * n, y + i * n, y + (i + 1) * n, n, z + j * ldz + i, ldz);
            for (; i < hi; i++)
                for (size_t r = 0; r < 4; r++)
                    z[(j + r) * ldz + i] = sbr_nn_dot(x + (j + r) * n, y + i * n, n);
        }
        for (; j < m; j++)
            for (size_t i = lo; i < hi; i++)
                z[j * ldz + i] = sbr_nn_dot(x + j * n, y + i * n, n);
    }
}

SBR_NN_CLONES
void sbr_nn_axpy(float a, const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

SBR_NN_CLONES
double sbr_nn_norm(const float *x, size_t n)
{
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t k = 0; k < 8; k++)
            s[k] += (double)x[i + k] * (double)x[i + k];
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++)
        t += (double)x[i] * (double)x[i];
    return sqrt(t);
}
