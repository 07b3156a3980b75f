#include "algorithms/nn/ggnn.h"

#include <string.h>

#include "algorithms/nn/act.h"
#include "algorithms/nn/linear.h"
#include "algorithms/nn/tensor.h"

/* Offsets of the tensors in the parameter block. */
typedef struct ggnn_layout {
    size_t w_in, b_in, w_out, b_out, b_iah, b_oah, w_ih, b_ih, w_hh, b_hh, total;
} ggnn_layout;

static ggnn_layout layout(size_t d)
{
    ggnn_layout l;
    l.w_in = 0;
    l.b_in = l.w_in + d * d;
    l.w_out = l.b_in + d;
    l.b_out = l.w_out + d * d;
    l.b_iah = l.b_out + d;
    l.b_oah = l.b_iah + d;
    l.w_ih = l.b_oah + d;
    l.b_ih = l.w_ih + 6 * d * d;
    l.w_hh = l.b_ih + 3 * d;
    l.b_hh = l.w_hh + 3 * d * d;
    l.total = l.b_hh + 3 * d;
    return l;
}

size_t sbr_nn_ggnn_n_params(size_t d)
{
    return layout(d).total;
}

/* cache: a [n x 2d], r, z, c, gh_n [n x d] */
size_t sbr_nn_ggnn_cache_floats(size_t n, size_t d)
{
    return 6 * n * d;
}

size_t sbr_nn_ggnn_work_floats(size_t n, size_t d)
{
    return 10 * n * d;
}

void sbr_nn_ggnn_forward(const float *p, size_t d, const sbr_nn_graph *g, const float *h,
                         float *h_out, float *cache, float *work, bool plain)
{
    void (*lin)(const float *, size_t, size_t, const float *, const float *, size_t, float *) =
        plain ? sbr_nn_linear_forward_plain : sbr_nn_linear_forward;
    ggnn_layout l = layout(d);
    size_t n = g->n_nodes, d2 = 2 * d, d3 = 3 * d;
    float *a = cache, *r = a + n * d2, *z = r + n * d, *c = z + n * d, *ghn = c + n * d;
    float *e_in = work, *e_out = e_in + n * d, *gi = e_out + n * d, *gh = gi + n * d3;
    lin(h, n, d, p + l.w_in, p + l.b_in, d, e_in);
    lin(h, n, d, p + l.w_out, p + l.b_out, d, e_out);
    for (size_t j = 0; j < n; j++) {
        memcpy(a + j * d2, p + l.b_iah, d * sizeof *a);
        memcpy(a + j * d2 + d, p + l.b_oah, d * sizeof *a);
    }
    for (size_t k = 0; k < g->n_edges; k++) {
        size_t u = g->src[k], v = g->dst[k];
        sbr_nn_axpy(g->w_in[k], e_in + u * d, a + v * d2, d);
        sbr_nn_axpy(g->w_out[k], e_out + v * d, a + u * d2 + d, d);
    }
    lin(a, n, d2, p + l.w_ih, p + l.b_ih, d3, gi);
    lin(h, n, d, p + l.w_hh, p + l.b_hh, d3, gh);
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k < d; k++) {
            r[j * d + k] = gi[j * d3 + k] + gh[j * d3 + k];
            z[j * d + k] = gi[j * d3 + d + k] + gh[j * d3 + d + k];
            ghn[j * d + k] = gh[j * d3 + d2 + k];
        }
    sbr_nn_sigmoid(r, r, n * d);
    sbr_nn_sigmoid(z, z, n * d);
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k < d; k++)
            c[j * d + k] = gi[j * d3 + d2 + k] + r[j * d + k] * ghn[j * d + k];
    sbr_nn_tanh(c, c, n * d);
    for (size_t i = 0; i < n * d; i++)
        h_out[i] = c[i] + z[i] * (h[i] - c[i]);
}

void sbr_nn_ggnn_backward(const float *p, size_t d, const sbr_nn_graph *g, const float *h,
                          const float *cache, const float *g_out, float *g_h, float *gp,
                          float *work)
{
    ggnn_layout l = layout(d);
    size_t n = g->n_nodes, d2 = 2 * d, d3 = 3 * d;
    const float *a = cache, *r = a + n * d2, *z = r + n * d, *c = z + n * d, *ghn = c + n * d;
    float *g_gi = work, *g_gh = g_gi + n * d3, *g_a = g_gh + n * d3, *g_ein = g_a + n * d2;
    float *g_eout = g_ein + n * d;
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k < d; k++) {
            size_t i = j * d + k;
            float go = g_out[i];
            float gc = go * (1.0f - z[i]), gz = go * (h[i] - c[i]);
            g_h[i] = go * z[i];
            float gpn = gc * (1.0f - c[i] * c[i]);
            float gpr = gpn * ghn[i] * r[i] * (1.0f - r[i]);
            float gpz = gz * z[i] * (1.0f - z[i]);
            g_gi[j * d3 + k] = g_gh[j * d3 + k] = gpr;
            g_gi[j * d3 + d + k] = g_gh[j * d3 + d + k] = gpz;
            g_gi[j * d3 + d2 + k] = gpn;
            g_gh[j * d3 + d2 + k] = gpn * r[i];
        }
    memset(g_a, 0, n * d2 * sizeof *g_a);
    sbr_nn_linear_backward(a, n, d2, p + l.w_ih, d3, g_gi, gp + l.w_ih, gp + l.b_ih, g_a);
    sbr_nn_linear_backward(h, n, d, p + l.w_hh, d3, g_gh, gp + l.w_hh, gp + l.b_hh, g_h);
    for (size_t j = 0; j < n; j++) {
        sbr_nn_axpy(1.0f, g_a + j * d2, gp + l.b_iah, d);
        sbr_nn_axpy(1.0f, g_a + j * d2 + d, gp + l.b_oah, d);
    }
    memset(g_ein, 0, 2 * n * d * sizeof *g_ein);
    for (size_t k = 0; k < g->n_edges; k++) {
        size_t u = g->src[k], v = g->dst[k];
        sbr_nn_axpy(g->w_in[k], g_a + v * d2, g_ein + u * d, d);
        sbr_nn_axpy(g->w_out[k], g_a + u * d2 + d, g_eout + v * d, d);
    }
    sbr_nn_linear_backward(h, n, d, p + l.w_in, d, g_ein, gp + l.w_in, gp + l.b_in, g_h);
    sbr_nn_linear_backward(h, n, d, p + l.w_out, d, g_eout, gp + l.w_out, gp + l.b_out, g_h);
}
