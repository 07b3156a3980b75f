#include "algorithms/nn/gru_theano.h"

#include <cblas.h>
#include <string.h>

#include "algorithms/nn/act.h"
#include "algorithms/nn/linear.h"

size_t sbr_nn_gru_theano_cache_floats(size_t n, size_t hd)
{
    return 4 * n * hd;
}

/* The gate's derivative from its output: hard_sigmoid's or the logistic's. */
static inline float gate_slope(float y, bool hard)
{
    return hard ? (y > 0 && y < 1 ? 0.2f : 0.0f) : y * (1.0f - y);
}

void sbr_nn_gru_theano_forward(const float *xp, const float *h, size_t n, size_t hd,
                               const float *u_rz, const float *u_h, bool hard, float *cache,
                               float *h_out, float *work, bool plain)
{
    void (*lin)(const float *, size_t, size_t, const float *, const float *, size_t, float *) =
        plain ? sbr_nn_linear_forward_plain : sbr_nn_linear_forward;
    size_t H = hd, H2 = 2 * hd, H3 = 3 * hd;
    float *z = cache, *r = z + n * H, *c = r + n * H, *rh = c + n * H, *pre = work;
    if (h != NULL)
        lin(h, n, H, u_rz, NULL, H2, pre);
    else
        memset(pre, 0, n * H2 * sizeof *pre);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < H; k++) {
            z[i * H + k] = pre[i * H2 + k] + xp[i * H3 + k];
            r[i * H + k] = pre[i * H2 + H + k] + xp[i * H3 + H + k];
        }
    if (hard) {
        sbr_nn_hard_sigmoid(z, z, n * H);
        sbr_nn_hard_sigmoid(r, r, n * H);
    } else {
        sbr_nn_sigmoid(z, z, n * H);
        sbr_nn_sigmoid(r, r, n * H);
    }
    if (h != NULL) {
        for (size_t i = 0; i < n * H; i++)
            rh[i] = r[i] * h[i];
        lin(rh, n, H, u_h, NULL, H, c);
    } else {
        memset(rh, 0, n * H * sizeof *rh);
        memset(c, 0, n * H * sizeof *c);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < H; k++)
            c[i * H + k] += xp[i * H3 + H2 + k];
    sbr_nn_tanh(c, c, n * H);
    for (size_t i = 0; i < n * H; i++) {
        float hp = h != NULL ? h[i] : 0.0f;
        h_out[i] = (1.0f - z[i]) * hp + z[i] * c[i];
    }
}

void sbr_nn_gru_theano_backward(const float *h, size_t n, size_t hd, const float *u_rz,
                                const float *u_h, bool hard, const float *cache, const float *g_out,
                                float *g_xp, float *g_h, float *g_urz, float *g_uh, float *work)
{
    size_t H = hd, H2 = 2 * hd, H3 = 3 * hd;
    const float *z = cache, *r = z + n * H, *c = r + n * H, *rh = c + n * H;
    /* The candidate's pre-activation gradient into g_xp's h block, z's into its z block. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < H; k++) {
            size_t j = i * H + k;
            float hp = h != NULL ? h[j] : 0.0f, go = g_out[j];
            g_xp[i * H3 + H2 + k] = go * z[j] * (1.0f - c[j] * c[j]);
            g_xp[i * H3 + k] = go * (c[j] - hp) * gate_slope(z[j], hard);
        }
    if (h == NULL || n == 0) {
        /* r * h = 0: r gets no gradient, nor do the recurrent weights. */
        for (size_t i = 0; i < n; i++)
            memset(g_xp + i * H3 + H, 0, H * sizeof *g_xp);
        return;
    }
    int in = (int)n, ih = (int)H, ih2 = (int)H2, ih3 = (int)H3;
    /* c = tanh(rh U_h + xp_h): g_Uh += rh^T G_c, g_rh = G_c U_h^T (G_c: rows of stride 3H). */
    float *g_rh = work;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ih, ih, in, 1.0f, rh, ih, g_xp + H2, ih3,
                1.0f, g_uh, ih);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, ih, ih, 1.0f, g_xp + H2, ih3, u_h, ih,
                0.0f, g_rh, ih);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < H; k++) {
            size_t j = i * H + k;
            g_xp[i * H3 + H + k] = g_rh[j] * h[j] * gate_slope(r[j], hard);
            g_h[j] += g_rh[j] * r[j] + g_out[j] * (1.0f - z[j]);
        }
    /* [z, r] = act(h U_rz + xp_zr): g_Urz += h^T G_zr, g_h += G_zr U_rz^T. */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ih, ih2, in, 1.0f, h, ih, g_xp, ih3, 1.0f,
                g_urz, ih2);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, ih, ih2, 1.0f, g_xp, ih3, u_rz, ih2,
                1.0f, g_h, ih);
}
