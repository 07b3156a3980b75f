#include "algorithms/nn/optim.h"

#include <math.h>

#include "algorithms/nn/tensor.h"

void sbr_nn_adam_init(sbr_nn_adam *a, double lr)
{
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    a->t = 0;
}

double sbr_nn_adam_next(sbr_nn_adam *a)
{
    a->t++;
    double t = (double)a->t;
    return a->lr * sqrt(1 - pow(a->beta2, t)) / (1 - pow(a->beta1, t));
}

void sbr_nn_adam_dense(const sbr_nn_adam *a, double lr_t, float *w, float *m, float *v,
                       const float *g, size_t n)
{
    float b1 = (float)a->beta1, b2 = (float)a->beta2, eps = (float)a->eps, lr = (float)lr_t;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + (1 - b1) * gi;
        float vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= lr * mi / (sqrtf(vi) + eps);
    }
}

void sbr_nn_adam_rows(const sbr_nn_adam *a, double lr_t, float *w, float *m, float *v, size_t dim,
                      const uint32_t *rows, size_t n_rows, const float *g)
{
    for (size_t k = 0; k < n_rows; k++) {
        size_t off = (size_t)rows[k] * dim;
        sbr_nn_adam_dense(a, lr_t, w + off, m + off, v + off, g + k * dim, dim);
    }
}

void sbr_nn_adagrad(double lr, float *w, float *acc, const float *g, size_t n)
{
    float l = (float)lr;
    for (size_t i = 0; i < n; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= l * g[i] / sqrtf(acc[i]);
    }
}

/* Vectorised (AVX-512, AVX2 or the baseline, chosen at load time; the file is built with
 * -fno-math-errno, CMakeLists.txt, since acc + eps > 0 never needs errno): sqrt and division
 * are correctly rounded in every width, so all three give the same bits as a scalar loop. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SBR_NN_VECTOR __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SBR_NN_VECTOR
#endif

SBR_NN_VECTOR
void sbr_nn_adagradm(double lr, double momentum, double eps, float *restrict w, float *restrict acc,
                     float *restrict mom, const float *restrict g, size_t n)
{
    float l = (float)lr, mu = (float)momentum, e = (float)eps;
    if (mom != NULL && momentum > 0) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            float a = acc[i] + g[i] * g[i];
            acc[i] = a;
            float m = mu * mom[i] + -l * g[i] / sqrtf(a + e);
            mom[i] = m;
            w[i] += m;
        }
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            float a = acc[i] + g[i] * g[i];
            acc[i] = a;
            w[i] += -l * g[i] / sqrtf(a + e);
        }
    }
}

double sbr_nn_clip_by_norm(float *g, size_t n, double clip)
{
    double norm = sbr_nn_norm(g, n);
    if (norm > clip) {
        float f = (float)(clip / norm);
        for (size_t i = 0; i < n; i++)
            g[i] *= f;
    }
    return norm;
}
