/* Softmax cross-entropy: over a full row of logits (the whole catalogue), and sampled (the
 * target against drawn negatives, as tf.nn.sampled_softmax_loss with remove_accidental_hits).
 *
 * Both are numerically stable (log-sum-exp around the row maximum) and return the loss in
 * double; exponentials come from a branch-free float exp (relative error about 2e-7) that the
 * compiler vectorises. Pure functions of their arguments. */
#ifndef SBR_ALGORITHMS_NN_SOFTMAX_H
#define SBR_ALGORITHMS_NN_SOFTMAX_H

#include <stddef.h>
#include <stdint.h>

/* e^x for x <= 0 (inputs below -87 give about 1.6e-38): x[k] -> y[k], n values; y may alias
 * x. */
void sbr_nn_exp_nonpositive(const float *x, float *y, size_t n);

/* The logistic function 1 / (1 + e^-x) through the float exp above (so the same bits on any
 * x86-64 build): y may alias x. */
void sbr_nn_logistic(const float *x, float *y, size_t n);

/* -log softmax(z)[target] for one row of n logits; writes scale * (softmax(z) - onehot(target))
 * into g (which may alias z), the gradient of scale * loss. target < n. */
double sbr_nn_softmax_xent(const float *z, size_t n, uint32_t target, float scale, float *g);

/* Sampled softmax for one example: logits z_0 = h . table[target] - logq[0] and
 * z_k = h . table[samples[k-1]] - logq[k] (logq may be NULL: no correction); a sample equal to
 * the target is removed (its logit is not counted). Returns -log softmax(z)[0]; accumulates the
 * gradient of scale * loss with respect to h into gh (dim) and writes the gradients with
 * respect to the k + 1 rows (target first) into g_rows ((n_samples + 1) x dim; a removed
 * sample's row is zero). z is scratch of n_samples + 1 floats. */
double sbr_nn_sampled_xent(const float *h, size_t dim, const float *table, uint32_t target,
                           const uint32_t *samples, size_t n_samples, const float *logq,
                           float scale, float *z, float *gh, float *g_rows);

#endif
