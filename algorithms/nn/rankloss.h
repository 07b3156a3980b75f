/* The listwise losses of GRU4Rec (Hidasi & Karatzoglou, CIKM 2018) on one row of sampled
 * scores o[0..m), whose positive is o[pos] and whose other entries are the negatives (the
 * other targets of the mini-batch and the shared samples), as the official code computes them
 * (../shared/reference/learned-models.md section 4):
 *
 *   s_j = softmax over the negatives (the positive masked out),
 *   cross-entropy:  -log(softmax(o)[pos] + 1e-24)          (on logits: softmax inside)
 *   BPR-max:        -log(sum_j s_j sigmoid(o_pos - o_j) + 1e-24) + bpreg sum_j s_j o_j^2
 *   TOP1-max:       sum_j s_j (sigmoid(o_j - o_pos) + sigmoid(o_j^2))
 *
 * Each returns the row's loss (double) and writes scale * d loss / d o into g (m floats; g may
 * not alias o). A row without negatives (m == 1) has loss 0 and gradient 0 for BPR-max and
 * TOP1-max. work is scratch of 2 m floats. Pure functions of their arguments. */
#ifndef SBR_ALGORITHMS_NN_RANKLOSS_H
#define SBR_ALGORITHMS_NN_RANKLOSS_H

#include <stddef.h>

double sbr_nn_xent_row(const float *o, size_t m, size_t pos, float scale, float *g, float *work);
double sbr_nn_bprmax_row(const float *o, size_t m, size_t pos, double bpreg, float scale, float *g,
                         float *work);
double sbr_nn_top1max_row(const float *o, size_t m, size_t pos, float scale, float *g, float *work);

#endif
