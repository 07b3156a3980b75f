/* NARM: neural attentive session-based recommendation (Li et al., CIKM 2017) as its authors'
 * Theano code implements it (lijingsdu/sessionRec_NARM NARM.py;
 * ../shared/reference/learned-models.md section 3). For a prefix x_1..x_t of item embeddings
 * (dim floats, dropout drop_emb):
 *
 *   h_1..h_t = the GRU of algorithms/nn/gru_theano.h (hidden units, hard_sigmoid gates with
 *   hard=1) from h_0 = 0;  alpha_j = v . act(A1 h_j + A2 h_t)  (act: hard_sigmoid);
 *   weights = the softmax of alpha over the prefix's clicks;  c_l = sum_j weight_j h_j;
 *   c = [c_l; h_t] (dropout drop_out);  logits_i = c . (E B)_i  with B: dim x 2 hidden,
 *   computed as (c B^T) . E_i;  loss = mean -log p(target).
 *
 * Dropout is Theano's of that code, not inverted: training keeps each value with probability
 * 1 - p unscaled, prediction multiplies by 1 - p. Init: E ~ N(0, 2 / n_items), the GRU's input
 * weights N(0, 2 / dim), its recurrent weights orthogonal (U of an SVD), biases 0, A1 and A2
 * N(0, 2 / hidden), v N(0, 2), B N(0, 2 / dim) (variances; init_weights' sqrt(2 / fan_in)).
 * Adam as the code's (eps outside the bias correction; its gamma = 1 - 1e-8 is 1 in float32).
 * Left out: the padding item 0 of the authors' catalogue (never a target, it only takes softmax
 * mass) and the 1e-8 inside the log (its gradient factor p / (p + 1e-8) differs from 1 by less
 * than 1e-3 for any p above 1e-5).
 *
 * Training: every prefix of every training session predicts its next item, shuffled per epoch,
 * mini-batches of `batch`; the epoch is selected on HR@20 (the code's validation recall) with
 * select=valid|none|test as algorithms/seq_fit.h describes; the code's patience of 100 runs all
 * 30 epochs. Parallelism as srgnn's: a fixed 16 shards per batch reduced in shard order, the
 * dropout masks drawn per shard from generators seeded by (seed, step, shard); the same seed
 * gives the same model file for any thread count.
 *
 * Recommendation: the prefix's known items (unknown ones skipped; at most the model's capacity,
 * max(256, the longest training prefix), of the latest clicks) give the logits over every
 * training item; scores are softmax probabilities, exact top-n under the ranking rule. */
#ifndef SBR_ALGORITHMS_NARM_H
#define SBR_ALGORITHMS_NARM_H

#include "algorithms/algo.h"

typedef struct narm_config {
    long dim;        /* item embedding size (50) */
    long hidden;     /* GRU units (100) */
    long batch;      /* examples per mini-batch (512) */
    double lr;       /* Adam learning rate (0.001) */
    double drop_emb; /* dropout on the embeddings (0.25) */
    double drop_out; /* dropout on [c_l; h_t] (0.5) */
    long hard;       /* hard_sigmoid gates and attention (1) or the logistic function (0) */
    long epochs;     /* at most this many passes (30) */
    long seed;       /* initialisation, shuffling and dropout (1) */
    int select;      /* 0 = valid, 1 = none, 2 = test */
    double valid;    /* select=valid: held-out fraction of the latest sessions (0.1) */
    long patience;   /* select=valid/test: epochs without a gain before stopping (100) */
} narm_config;

extern const sbr_algo sbr_algo_narm;

#endif
