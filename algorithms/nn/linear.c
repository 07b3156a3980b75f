#include "algorithms/nn/linear.h"

#include <cblas.h>
#include <string.h>

#include "algorithms/nn/tensor.h"

void sbr_nn_linear_forward(const float *x, size_t n, size_t in, const float *w, const float *b,
                           size_t out, float *y)
{
    if (n == 0)
        return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)out, (int)in, 1.0f, x,
                (int)in, w, (int)out, 0.0f, y, (int)out);
    if (b != NULL)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < out; j++)
                y[i * out + j] += b[j];
}

void sbr_nn_linear_forward_plain(const float *x, size_t n, size_t in, const float *w,
                                 const float *b, size_t out, float *y)
{
    for (size_t i = 0; i < n; i++) {
        float *yi = y + i * out;
        memset(yi, 0, out * sizeof *yi);
        for (size_t k = 0; k < in; k++)
            sbr_nn_axpy(x[i * in + k], w + k * out, yi, out);
        if (b != NULL)
            sbr_nn_axpy(1.0f, b, yi, out);
    }
}

void sbr_nn_linear_backward(const float *x, size_t n, size_t in, const float *w, size_t out,
                            const float *gy, float *gw, float *gb, float *gx)
{
    if (n == 0)
        return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)in, (int)out, (int)n, 1.0f, x,
                (int)in, gy, (int)out, 1.0f, gw, (int)out);
    if (gb != NULL)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < out; j++)
                gb[j] += gy[i * out + j];
    if (gx != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)in, (int)out, 1.0f, gy,
                    (int)out, w, (int)out, 1.0f, gx, (int)in);
}
