#include "algorithms/nn/act.h"

#include <math.h>

#include "algorithms/nn/softmax.h"

void sbr_nn_tanh(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

void sbr_nn_sigmoid(const float *x, float *y, size_t n)
{
    sbr_nn_logistic(x, y, n); /* vectorised, and exp never overflows */
}

void sbr_nn_elu(const float *x, float *y, size_t n, float alpha)
{
    /* e^min(x, 0) through the vectorised float exp, in chunks on the stack. */
    enum { CHUNK = 256 };
    float e[CHUNK];
    for (size_t lo = 0; lo < n; lo += CHUNK) {
        size_t len = n - lo < CHUNK ? n - lo : CHUNK;
        for (size_t i = 0; i < len; i++)
            e[i] = x[lo + i] < 0 ? x[lo + i] : 0.0f;
        sbr_nn_exp_nonpositive(e, e, len);
        for (size_t i = 0; i < len; i++)
            y[lo + i] = x[lo + i] > 0 ? x[lo + i] : alpha * (e[i] - 1.0f);
    }
}

void sbr_nn_hard_sigmoid(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = 0.2f * x[i] + 0.5f;
        y[i] = v < 0 ? 0.0f : v > 1 ? 1.0f : v;
    }
}

void sbr_nn_hard_sigmoid_backward(const float *y, const float *gy, float *gx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gx[i] = y[i] > 0 && y[i] < 1 ? 0.2f * gy[i] : 0.0f;
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
