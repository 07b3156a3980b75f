#include "algorithms/nn/output.h"

#include <cblas.h>
#include <math.h>

#include "algorithms/nn/softmax.h"
#include "algorithms/nn/tensor.h"

/* z[:, block] = h E[block]^T for every item block, one sgemm each. */
void sbr_nn_output_logits(const float *h, size_t b, size_t d, const float *e, size_t n, float *z)
{
    long n_blocks = (long)((n + SBR_NN_ITEM_BLOCK - 1) / SBR_NN_ITEM_BLOCK);
    int ib = (int)b, id = (int)d, in = (int)n;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(h, e, z, n_blocks, ib, id, in, n)
    for (long k = 0; k < n_blocks; k++) {
        size_t lo = (size_t)k * SBR_NN_ITEM_BLOCK;
        size_t cnt = n - lo < SBR_NN_ITEM_BLOCK ? n - lo : SBR_NN_ITEM_BLOCK;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ib, (int)cnt, id, 1.0f, h, id,
                    e + lo * (size_t)id, id, 0.0f, z + lo, in);
    }
}

double sbr_nn_output_xent(const float *h, size_t b, size_t d, const float *e, size_t n,
                          const uint32_t *targets, float scale, float *z, double *row_loss,
                          float *gh, float *ge)
{
    sbr_nn_output_logits(h, b, d, e, n, z);
    long rows = (long)b;
#pragma omp parallel for schedule(dynamic, 4) default(none)                                        \
    shared(z, n, targets, scale, row_loss, rows)
    for (long r = 0; r < rows; r++)
        row_loss[r] =
            sbr_nn_softmax_xent(z + (size_t)r * n, n, targets[r], scale, z + (size_t)r * n);
    int ib = (int)b, id = (int)d, in = (int)n;
    long row_blocks = (long)((b + SBR_NN_ROW_BLOCK - 1) / SBR_NN_ROW_BLOCK);
    long item_blocks = (long)((n + SBR_NN_ITEM_BLOCK - 1) / SBR_NN_ITEM_BLOCK);
    /* gh = G E, by blocks of batch rows; gE = G^T h, by blocks of item rows. */
#pragma omp parallel default(none)                                                                 \
    shared(h, e, z, gh, ge, b, n, ib, id, in, row_blocks, item_blocks)
    {
#pragma omp for schedule(dynamic, 1) nowait
        for (long k = 0; k < row_blocks; k++) {
            size_t lo = (size_t)k * SBR_NN_ROW_BLOCK;
            size_t cnt = b - lo < SBR_NN_ROW_BLOCK ? b - lo : SBR_NN_ROW_BLOCK;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)cnt, id, in, 1.0f,
                        z + lo * n, in, e, id, 0.0f, gh + lo * (size_t)id, id);
        }
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < item_blocks; k++) {
            size_t lo = (size_t)k * SBR_NN_ITEM_BLOCK;
            size_t cnt = n - lo < SBR_NN_ITEM_BLOCK ? n - lo : SBR_NN_ITEM_BLOCK;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cnt, id, ib, 1.0f, z + lo, in,
                        h, id, 0.0f, ge + lo * (size_t)id, id);
        }
    }
    double loss = 0;
    for (size_t r = 0; r < b; r++)
        loss += row_loss[r];
    return loss;
}

size_t sbr_nn_rank(const float *z, size_t n, uint32_t target)
{
    float zt = z[target];
    size_t rank = 1;
    for (size_t i = 0; i < n; i++)
        rank += z[i] > zt || (z[i] == zt && i < target);
    return rank;
}

size_t sbr_nn_top_softmax(const float *z, size_t n_items, float *e, sbr_scored *out, size_t n)
{
    float zmax = -INFINITY, zmin = INFINITY;
    for (size_t i = 0; i < n_items; i++) {
        zmax = z[i] > zmax ? z[i] : zmax;
        zmin = z[i] < zmin ? z[i] : zmin;
    }
    if (!(zmax >= zmin) || !isfinite(zmax) || !isfinite(zmin))
        return 0;
    /* Top-n by logit (shifted to be positive), then the softmax probability as the score. */
    sbr_topn top;
    sbr_topn_init(&top, out, n);
    for (size_t i = 0; i < n_items; i++)
        sbr_topn_push(&top, (uint32_t)i, (double)z[i] - (double)zmin + 1.0);
    size_t got = sbr_topn_finish(&top, out);
    for (size_t i = 0; i < n_items; i++)
        e[i] = z[i] - zmax;
    sbr_nn_exp_nonpositive(e, e, n_items);
    double sum = 0;
    for (size_t i = 0; i < n_items; i++)
        sum += (double)e[i];
    for (size_t k = 0; k < got; k++)
        out[k].score = exp((double)z[out[k].item] - (double)zmax) / sum;
    return got;
}

void sbr_nn_top_softmax_rows(const float *h, size_t m, const size_t *rows, const float *e_rows,
                             const float *bias, size_t n_items, size_t d, float *z, float *e,
                             size_t n, sbr_scored *out, size_t *n_out)
{
    sbr_nn_dots(h, m, e_rows, n_items, d, z, n_items);
    for (size_t r = 0; r < m; r++) {
        float *zr = z + r * n_items;
        if (bias != NULL)
            for (size_t i = 0; i < n_items; i++)
                zr[i] += bias[i];
        n_out[rows[r]] = sbr_nn_top_softmax(zr, n_items, e, out + rows[r] * n, n);
    }
}
