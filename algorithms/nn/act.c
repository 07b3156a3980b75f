#include "algorithms/nn/act.h"

#include <math.h>

void sbr_nn_tanh(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

void sbr_nn_sigmoid(const float *x, float *y, size_t n)
{
    /* Two branches so that exp never overflows. */
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (v >= 0) {
            y[i] = 1.0f / (1.0f + expf(-v));
        } else {
            float e = expf(v);
            y[i] = e / (1.0f + e);
        }
    }
}

void sbr_nn_elu(const float *x, float *y, size_t n, float alpha)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : alpha * expm1f(x[i]);
}

void sbr_nn_tanh_backward(const float *y, const float *gy, float *gx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gx[i] = gy[i] * (1.0f - y[i] * y[i]);
}

void sbr_nn_sigmoid_backward(const float *y, const float *gy, float *gx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gx[i] = gy[i] * y[i] * (1.0f - y[i]);
}

void sbr_nn_elu_backward(const float *y, const float *gy, float *gx, size_t n, float alpha)
{
    for (size_t i = 0; i < n; i++)
        gx[i] = y[i] > 0 ? gy[i] : gy[i] * (y[i] + alpha);
}
