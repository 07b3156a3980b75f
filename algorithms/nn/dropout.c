#include "algorithms/nn/dropout.h"

void sbr_nn_dropout(float *x, uint8_t *mask, size_t n, double p, gsl_rng *r)
{
    float scale = (float)(1 / (1 - p));
    for (size_t i = 0; i < n; i++) {
        mask[i] = gsl_rng_uniform(r) >= p;
        x[i] = mask[i] ? x[i] * scale : 0.0f;
    }
}

void sbr_nn_dropout_backward(float *g, const uint8_t *mask, size_t n, double p)
{
    float scale = (float)(1 / (1 - p));
    for (size_t i = 0; i < n; i++)
        g[i] = mask[i] ? g[i] * scale : 0.0f;
}
