#include "algorithms/nn/gru.h"

#include <math.h>
#include <string.h>

#include "algorithms/nn/gemm.h"
#include "algorithms/nn/softmax.h"

void sbr_nn_gru_row(const float *gx, const float *u, const float *h, size_t hd, float *gates,
                    float *h_out)
{
    for (size_t j = 0; j < 2 * hd; j++)
        gates[j] = gx[j] + u[j];
    sbr_nn_logistic(gates, gates, 2 * hd);
    const float *r = gates, *z = gates + hd;
    float *n = gates + 2 * hd;
    for (size_t j = 0; j < hd; j++) {
        n[j] = tanhf(gx[2 * hd + j] + r[j] * u[2 * hd + j]);
        h_out[j] = (1.0f - z[j]) * n[j] + z[j] * h[j];
    }
}

void sbr_nn_gru_forward(const float *gx, const float *h, size_t b, size_t hd, const float *w_hh,
                        const float *b_hh, float *u, float *gates, float *h_out)
{
    size_t w = 3 * hd;
    sbr_nn_gemm(false, false, b, w, hd, 1.0f, h, hd, w_hh, w, 0.0f, u, w);
    for (size_t i = 0; i < b; i++) {
        float *ui = u + i * w;
        if (b_hh != NULL)
            for (size_t j = 0; j < w; j++)
                ui[j] += b_hh[j];
        sbr_nn_gru_row(gx + i * w, ui, h + i * hd, hd, gates + i * w, h_out + i * hd);
    }
}

void sbr_nn_gru_backward(const float *h, size_t b, size_t hd, const float *w_hh, float *u,
                         const float *gates, const float *g_out, float *g_gx, float *g_whh,
                         float *g_bhh, float *g_h)
{
    size_t w = 3 * hd;
    for (size_t i = 0; i < b; i++) {
        const float *g = gates + i * w, *go = g_out + i * hd, *hi = h + i * hd;
        const float *r = g, *z = g + hd, *n = g + 2 * hd;
        float *ui = u + i * w, *ga = g_gx + i * w;
        for (size_t j = 0; j < hd; j++) {
            float dn = go[j] * (1.0f - z[j]) * (1.0f - n[j] * n[j]);
            float dz = go[j] * (hi[j] - n[j]) * z[j] * (1.0f - z[j]);
            float dr = dn * ui[2 * hd + j] * r[j] * (1.0f - r[j]);
            ga[j] = dr;
            ga[hd + j] = dz;
            ga[2 * hd + j] = dn;
            ui[j] = dr;
            ui[hd + j] = dz;
            ui[2 * hd + j] = dn * r[j];
        }
    }
    /* u now holds g_u: g_whh += h^T g_u, g_bhh += column sums, g_h += g_u W_hh^T + g z. */
    sbr_nn_gemm(true, false, hd, w, b, 1.0f, h, hd, u, w, 1.0f, g_whh, w);
    if (g_bhh != NULL)
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < w; j++)
                g_bhh[j] += u[i * w + j];
    if (g_h != NULL) {
        sbr_nn_gemm(false, true, b, hd, w, 1.0f, u, w, w_hh, w, 1.0f, g_h, hd);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < hd; j++)
                g_h[i * hd + j] += g_out[i * hd + j] * gates[i * w + hd + j];
    }
}
