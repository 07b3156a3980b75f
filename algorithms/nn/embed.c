#include "algorithms/nn/embed.h"

#include <math.h>
#include <string.h>

#include "algorithms/nn/tensor.h"

void sbr_nn_embed_lookup(const float *table, size_t dim, const uint32_t *idx, size_t n,
                         double max_norm, float *out)
{
    for (size_t k = 0; k < n; k++) {
        const float *e = table + (size_t)idx[k] * dim;
        float *o = out + k * dim;
        double norm = max_norm > 0 ? sbr_nn_norm(e, dim) : 0;
        if (norm > max_norm) {
            float scale = (float)(max_norm / norm);
            for (size_t j = 0; j < dim; j++)
                o[j] = e[j] * scale;
        } else {
            memcpy(o, e, dim * sizeof *o);
        }
    }
}

void sbr_nn_embed_backward(const float *table, size_t dim, const uint32_t *idx, size_t n,
                           double max_norm, const float *g_out, float *g_row)
{
    for (size_t k = 0; k < n; k++) {
        const float *e = table + (size_t)idx[k] * dim, *g = g_out + k * dim;
        float *r = g_row + k * dim;
        double norm = max_norm > 0 ? sbr_nn_norm(e, dim) : 0;
        if (norm > max_norm) {
            double eg = 0;
            for (size_t j = 0; j < dim; j++)
                eg += (double)e[j] * (double)g[j];
            double c = max_norm / norm, f = eg / (norm * norm);
            for (size_t j = 0; j < dim; j++)
                r[j] = (float)(c * ((double)g[j] - (double)e[j] * f));
        } else if (r != g) {
            memcpy(r, g, dim * sizeof *r);
        }
    }
}

void sbr_nn_embed_scatter_add(float *g_table, size_t dim, const uint32_t *idx, size_t n,
                              const float *g_row)
{
    for (size_t k = 0; k < n; k++)
        sbr_nn_axpy(1.0f, g_row + k * dim, g_table + (size_t)idx[k] * dim, dim);
}
