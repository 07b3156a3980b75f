/* Optimisers and gradient clipping, on flat float arrays (a tensor's data).
 *
 * Adam as tf.train.AdamOptimizer (TF 1.x): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * w -= lr_t m / (sqrt(v) + eps) with lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) (the "epsilon hat"
 * form of the paper's section 2). TF 1.x applies it to an embedding's IndexedSlices gradient
 * densely (_apply_sparse_shared decays m and v of every row and moves every row), so dense is
 * the faithful choice; sbr_nn_adam_rows is the lazy variant (only the rows a batch touched, as
 * tf.contrib.opt.LazyAdamOptimizer), offered for sparse gradients.
 * Adagrad as tf.train.AdagradOptimizer: acc += g^2, w -= lr g / sqrt(acc) (acc starts at the
 * caller's initial value, TF's 0.1).
 * Elementwise loops: the result does not depend on how a caller splits the array. */
#ifndef SBR_ALGORITHMS_NN_OPTIM_H
#define SBR_ALGORITHMS_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct sbr_nn_adam {
    double lr, beta1, beta2, eps; /* TF's defaults: 0.001, 0.9, 0.999, 1e-8 */
    uint64_t t;                   /* steps taken */
} sbr_nn_adam;

/* TF's defaults with learning rate lr, t = 0. */
void sbr_nn_adam_init(sbr_nn_adam *a, double lr);

/* Counts one step (t += 1) and returns lr_t, the step size of this step. */
double sbr_nn_adam_next(sbr_nn_adam *a);

/* One dense Adam update of w[0..n) with moments m, v and gradient g at step size lr_t. */
void sbr_nn_adam_dense(const sbr_nn_adam *a, double lr_t, float *w, float *m, float *v,
                       const float *g, size_t n);

/* The lazy update of the listed rows (dim floats each) only; g holds their gradients, one row
 * per entry of rows (distinct rows). */
void sbr_nn_adam_rows(const sbr_nn_adam *a, double lr_t, float *w, float *m, float *v, size_t dim,
                      const uint32_t *rows, size_t n_rows, const float *g);

/* One Adagrad update of w[0..n). */
void sbr_nn_adagrad(double lr, float *w, float *acc, const float *g, size_t n);

/* Adagrad with momentum as the official GRU4Rec's IndexedAdagradM (eps 1e-6 there):
 * acc += g^2, step = -lr g / sqrt(acc + eps), then mom = momentum mom + step and w += mom, or
 * w += step when momentum is 0 (mom unused, may be NULL). Applied to the rows a mini-batch
 * touched of an embedding table (the official sparse path: other rows keep w, acc and mom) or
 * to a whole dense tensor. */
void sbr_nn_adagradm(double lr, double momentum, double eps, float *w, float *acc, float *mom,
                     const float *g, size_t n);

/* tf.clip_by_norm: scales g[0..n) by clip / |g| when |g| > clip. Returns |g| before. */
double sbr_nn_clip_by_norm(float *g, size_t n, double clip);

#endif
