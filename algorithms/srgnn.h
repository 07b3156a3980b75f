/* SR-GNN: session-based recommendation with graph neural networks (Wu et al., AAAI 2019) as
 * its authors' PyTorch code implements it (CRIPAC-DIG/SR-GNN pytorch_code/model.py and
 * utils.py; ../shared/reference/learned-models.md section 3). For a prefix x_1..x_t:
 *
 *   the session graph: nodes = the distinct items of the prefix, a binary edge u -> v for each
 *   pair of consecutive clicks (repeats collapse), weighted 1 / in-degree(v) for the incoming
 *   side and 1 / out-degree(u) for the outgoing side (utils.get_slice's A = [A_in | A_out]);
 *   node states h = E[nodes], then `steps` gated graph steps (algorithms/nn/ggnn.h, one set of
 *   weights); per click i its node's state v_i, v_n the last click's;
 *   alpha_i = q . sigmoid(W1 v_n + b1 + W2 v_i + b2);  s_g = sum_i alpha_i v_i (over clicks,
 *   a repeated item counts once per click, no softmax);  s_h = [s_g; v_n] W3 + b3;
 *   logits = s_h E^T over every item; softmax cross-entropy, the mean over the batch.
 *
 * Training: every prefix of every training session predicts its next item, shuffled per epoch
 * by the seeded generator, mini-batches of `batch`; Adam as torch.optim.Adam (eps added to the
 * bias-corrected sqrt(v)) with weight_decay = l2 (g += l2 w on every parameter, the embeddings
 * densely, as PyTorch applies it), learning rate lr * lr_dc^floor(epoch / lr_step) (StepLR);
 * every parameter initialised U(-1/sqrt(dim), 1/sqrt(dim)). The authors' unused
 * linear_edge_f and the padding row 0 of the embedding are left out (neither changes a score).
 * Model selection: select=valid|none|test as algorithms/seq_fit.h describes (the authors
 * select on the test set: select=test; they run 30 epochs with patience 10).
 *
 * Parallelism (the fit): each mini-batch is cut into a fixed 16 shards, each shard's sessions
 * one graph, computed in parallel and reduced in shard order; the output layer runs over fixed
 * item blocks (algorithms/nn/output.h). The same seed gives the same model file for any thread
 * count.
 *
 * Recommendation: the prefix's known items (unknown ones skipped; a prefix longer than the
 * model's capacity, max(256, the longest training prefix), keeps its latest clicks) give the
 * logits over every training item, session items included; scores are softmax probabilities,
 * exact top-n under the ranking rule. */
#ifndef SBR_ALGORITHMS_SRGNN_H
#define SBR_ALGORITHMS_SRGNN_H

#include "algorithms/algo.h"

typedef struct srgnn_config {
    long dim;      /* embedding and hidden size (100) */
    long batch;    /* examples per mini-batch (100) */
    double lr;     /* Adam learning rate (0.001) */
    double lr_dc;  /* learning-rate decay factor (0.1) */
    long lr_step;  /* ... applied every lr_step epochs (3) */
    double l2;     /* Adam weight decay (1e-5) */
    long steps;    /* gated graph steps (1) */
    long epochs;   /* at most this many passes (30) */
    long seed;     /* initialisation and shuffling (1) */
    int select;    /* 0 = valid, 1 = none, 2 = test */
    double valid;  /* select=valid: held-out fraction of the latest sessions (0.1) */
    long patience; /* select=valid/test: epochs without a gain before stopping (10) */
} srgnn_config;

extern const sbr_algo sbr_algo_srgnn;

#endif
