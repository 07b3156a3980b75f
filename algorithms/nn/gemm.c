#include "algorithms/nn/gemm.h"

#include <cblas.h>
#include <omp.h>

/* The operands of one product. */
typedef struct gemm_args {
    bool ta, tb;
    size_t m, n, k, lda, ldb, ldc, col_tiles;
    float alpha, beta;
    const float *a, *b;
    float *c;
} gemm_args;

static void tile(const gemm_args *g, size_t t)
{
    size_t i0 = t / g->col_tiles * SBR_NN_GEMM_ROWS, j0 = t % g->col_tiles * SBR_NN_GEMM_COLS;
    size_t mi = g->m - i0 < SBR_NN_GEMM_ROWS ? g->m - i0 : SBR_NN_GEMM_ROWS;
    size_t nj = g->n - j0 < SBR_NN_GEMM_COLS ? g->n - j0 : SBR_NN_GEMM_COLS;
    const float *at = g->ta ? g->a + i0 : g->a + i0 * g->lda;
    const float *bt = g->tb ? g->b + j0 * g->ldb : g->b + j0;
    cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans,
                (int)mi, (int)nj, (int)g->k, g->alpha, at, (int)g->lda, bt, (int)g->ldb, g->beta,
                g->c + i0 * g->ldc + j0, (int)g->ldc);
}

void sbr_nn_gemm(bool ta, bool tb, size_t m, size_t n, size_t k, float alpha, const float *a,
                 size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    size_t col_tiles = (n + SBR_NN_GEMM_COLS - 1) / SBR_NN_GEMM_COLS;
    size_t tiles = (m + SBR_NN_GEMM_ROWS - 1) / SBR_NN_GEMM_ROWS * col_tiles;
    gemm_args g = {ta, tb, m, n, k, lda, ldb, ldc, col_tiles, alpha, beta, a, b, c};
    const gemm_args *gp = &g;
    if (tiles == 1 || (double)m * (double)n * (double)k < SBR_NN_GEMM_PARALLEL) {
        /* On this thread. An inactive region has its own thread-count setting: set to 1 there,
         * OpenBLAS (which asks omp_get_max_threads outside active regions) stays on this
         * thread too, and nothing outside the region changes. */
#pragma omp parallel if (0) default(none) shared(gp, tiles)
        {
            omp_set_num_threads(1);
            for (size_t t = 0; t < tiles; t++)
                tile(gp, t);
        }
        return;
    }
    long n_tiles = (long)tiles;
#pragma omp parallel for schedule(dynamic, 1) default(none) shared(gp, n_tiles)
    for (long t = 0; t < n_tiles; t++)
        tile(gp, (size_t)t);
}
