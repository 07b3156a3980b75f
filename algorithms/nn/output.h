/* The full-catalogue output layer of the neural models: logits z = h E^T of a batch of b
 * session vectors (b x d) against every item (E: n x d), softmax cross-entropy over all n
 * items, and its two gradient products, gh = G E and gE = G^T h.
 *
 * Parallelism (OpenMP, BLAS on one thread inside each block): the products run over fixed blocks of
 * SBR_NN_ITEM_BLOCK item rows or SBR_NN_ROW_BLOCK batch rows, each one cblas_sgemm call whose shape
 * does not depend on the thread count, and each softmax row is summed by one thread in a fixed
 * order. Every value is therefore the same for any number of threads. Call from one thread (the
 * functions open their own parallel regions).
 *
 * BLAS on one thread: OpenBLAS's OpenMP build runs a call made inside an active parallel region
 * on the calling thread alone, and outside one with OpenMP's thread count (num_cpu_avail in
 * its common_thread.h), so every sgemm of the neural models is made inside a region. Its
 * openblas_set_num_threads is not used: in that build it calls omp_set_num_threads and so
 * would shrink sbr's own regions too. */
#ifndef SBR_ALGORITHMS_NN_OUTPUT_H
#define SBR_ALGORITHMS_NN_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"

enum { SBR_NN_ITEM_BLOCK = 1024, SBR_NN_ROW_BLOCK = 128 };

/* z (b x n) = h E^T. */
void sbr_nn_output_logits(const float *h, size_t b, size_t d, const float *e, size_t n, float *z);

/* Forward and backward of sum_r scale * CE(softmax(h_r E^T), targets[r]): z (b x n) is scratch
 * (it ends holding G, the logits' gradient), row_loss[r] receives each row's unscaled loss,
 * gh (b x d) and ge (n x d) are overwritten with the gradients. Returns the sum of row_loss in
 * row order. Every target < n. */
double sbr_nn_output_xent(const float *h, size_t b, size_t d, const float *e, size_t n,
                          const uint32_t *targets, float scale, float *z, double *row_loss,
                          float *gh, float *ge);

/* The rank of item target in one row of n logits under the ranking rule (score descending,
 * then index ascending): 1 + the items that score more, or as much with a smaller index. */
size_t sbr_nn_rank(const float *z, size_t n, uint32_t target);

/* The lists of the neural models' predict: the n best of the logits z[0..n_items) under the
 * ranking rule (logit descending, then index ascending) into out, each scored by its softmax
 * probability over all n_items (positive). e is scratch of n_items floats. Returns the count;
 * 0 when z holds a NaN or an infinity (a corrupt or diverged model). */
size_t sbr_nn_top_softmax(const float *z, size_t n_items, float *e, sbr_scored *out, size_t n);

/* The lists of m queries at once (a predict_batch, algorithms/algo.h) from their vectors h
 * (m x d) against the item rows E (n_items x d): the logits z_r = h_r . E_i + bias_i (bias:
 * n_items floats, or NULL for none) in one pass over E, with the same bits as one query at a
 * time (sbr_nn_dots), then row r's list by sbr_nn_top_softmax into out + rows[r] * n and its
 * count into n_out[rows[r]]. z is scratch of m x n_items floats, e of n_items. */
void sbr_nn_top_softmax_rows(const float *h, size_t m, const size_t *rows, const float *e_rows,
                             const float *bias, size_t n_items, size_t d, float *z, float *e,
                             size_t n, sbr_scored *out, size_t *n_out);

#endif
