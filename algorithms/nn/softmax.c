#include "algorithms/nn/softmax.h"

#include <math.h>
#include <stdbool.h>

#include "algorithms/nn/tensor.h"

/* Built for AVX-512, AVX2 and the baseline, chosen at load time (GCC's target_clones). The
 * results are the same bits on all three: C11 mode does not contract a * b + c into FMA, and
 * every sum has its order fixed in the source. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SBR_NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SBR_NN_CLONES
#endif

/* e^x = 2^n e^r with n = round(x log2 e) (by the 1.5 * 2^23 trick, no rounding instruction
 * needed), r = x - n ln 2 in two parts (Cephes' constants) and a degree-6 Taylor polynomial
 * for e^r on |r| <= ln 2 / 2; 2^n is built in the exponent bits. */
static inline float exp_nonpositive(float x)
{
    const float magic = 12582912.0f;
    x = x < -87.0f ? -87.0f : x;
    float n = (x * 1.44269504088896341f + magic) - magic;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    union {
        unsigned int u;
        float f;
    } s;
    s.u = (unsigned int)((int)n + 127) << 23;
    return p * s.f;
}

SBR_NN_CLONES
void sbr_nn_exp_nonpositive(const float *x, float *y, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        y[i] = exp_nonpositive(x[i]);
}

SBR_NN_CLONES
void sbr_nn_logistic(const float *x, float *y, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float e = exp_nonpositive(v < 0 ? v : -v); /* e^-|v| */
        float r = 1.0f / (1.0f + e);
        y[i] = v >= 0 ? r : e * r;
    }
}

/* The maximum of z (n >= 1). */
static inline float row_max(const float *z, size_t n)
{
    float m = z[0];
#pragma omp simd reduction(max : m)
    for (size_t i = 1; i < n; i++)
        m = z[i] > m ? z[i] : m;
    return m;
}

/* y = e^(z - m) and returns the sum of y, in eight double lanes in a fixed order. */
static inline double shifted_exp_sum(const float *z, size_t n, float m, float *y)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        y[i] = exp_nonpositive(z[i] - m);
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t k = 0; k < 8; k++)
            s[k] += (double)y[i + k];
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++)
        t += (double)y[i];
    return t;
}

SBR_NN_CLONES
double sbr_nn_softmax_xent(const float *z, size_t n, uint32_t target, float scale, float *g)
{
    float m = row_max(z, n);
    float zt = z[target];
    double sum = shifted_exp_sum(z, n, m, g);
    float f = (float)((double)scale / sum);
    for (size_t i = 0; i < n; i++)
        g[i] *= f;
    g[target] -= scale;
    return log(sum) - ((double)zt - (double)m);
}

double sbr_nn_sampled_xent(const float *h, size_t dim, const float *table, uint32_t target,
                           const uint32_t *samples, size_t n_samples, const float *logq,
                           float scale, float *z, float *gh, float *g_rows)
{
    size_t k = n_samples + 1;
    for (size_t j = 0; j < k; j++) {
        uint32_t row = j == 0 ? target : samples[j - 1];
        z[j] = sbr_nn_dot(h, table + (size_t)row * dim, dim) - (logq != NULL ? logq[j] : 0.0f);
    }
    /* Removed accidental hits take no part: their probability is zero. */
    float m = z[0], z0 = z[0];
    for (size_t j = 1; j < k; j++)
        if (samples[j - 1] != target && z[j] > m)
            m = z[j];
    double sum = 0;
    for (size_t j = 0; j < k; j++) {
        bool removed = j > 0 && samples[j - 1] == target;
        z[j] = removed ? 0.0f : exp_nonpositive(z[j] - m);
        sum += (double)z[j];
    }
    for (size_t j = 0; j < k; j++) {
        uint32_t row = j == 0 ? target : samples[j - 1];
        float p = (float)((double)z[j] / sum);
        float gz = scale * (p - (j == 0 ? 1.0f : 0.0f));
        float *gr = g_rows + j * dim;
        const float *e = table + (size_t)row * dim;
        for (size_t c = 0; c < dim; c++) {
            gr[c] = gz * h[c];
            gh[c] += gz * e[c];
        }
    }
    return log(sum) - ((double)z0 - (double)m);
}
