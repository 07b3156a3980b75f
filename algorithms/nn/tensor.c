#include "algorithms/nn/tensor.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

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
