/* STAMP: short-term attention/memory priority (Liu et al., KDD 2018) as its authors' code
 * implements it (uestcnlp/STAMP, model/STAMP_cikm.py; ../shared/reference/learned-models.md
 * section 3). For a prefix x_1..x_t of item embeddings (looked up with max-norm 1.5):
 *
 *   m_s = mean(x_1..x_t);  alpha_i = w0 . sigmoid(W1 x_i + W2 x_t + W3 m_s)  (no bias, no
 *   softmax);  m_a = sum_i alpha_i x_i + m_s (add_ms=1, the code's; add_ms=0 the paper's);
 *   h_s = tanh(m_a W_A), h_t = tanh(x_t W_B);  logits = (h_s * h_t) E^T over every item;
 *
 * and softmax cross-entropy over the whole catalogue. variant=stmp drops the attention
 * (m_a = m_s). Training: every prefix of every training session predicts its next item;
 * batching=shuffle (the default): examples shuffled per epoch by the seeded generator,
 * mini-batches of `batch`; batching=length: the authors' batcher, sessions of one length
 * together and one batch per prefix length (algorithms/seq_fit.h, by_length); mean loss, Adam
 * (TF 1.x, dense, also on the embeddings as TF applies it), tf.clip_by_norm per tensor.
 * Init: embeddings N(0, emb_std^2), weights N(0, w_std^2).
 *
 * Model selection: select=valid holds out the latest `valid` fraction of training sessions
 * (by their last click) and keeps the epoch of best MRR@20 on them, stopping after `patience`
 * epochs without a gain (the held-out sessions are not trained on); select=none keeps the last
 * epoch; select=test picks the best epoch on the test set that the caller passes in
 * sbr_fit_opts.select_data (the GNN papers' protocol, optimistic; the spec says so in every
 * row). The kept epoch's parameters are the model; with no prediction to select on (no
 * held-out session of two clicks, say) the last epoch is kept.
 *
 * Parallelism (the fit only; predict is serial): each mini-batch is cut into a fixed number of
 * shards whose gradients are computed in parallel (OpenMP) and added in shard order, and the
 * output layer runs over fixed blocks (algorithms/nn/output.h), with BLAS on one thread inside
 * each. The same seed therefore gives the same model file for any number of threads.
 *
 * Recommendation: the prefix's known items (unknown ones skipped) give the logits over every
 * training item, session items included (the authors rank all items); scores are the softmax
 * probabilities, exact top-n under the ranking rule. */
#ifndef SBR_ALGORITHMS_STAMP_H
#define SBR_ALGORITHMS_STAMP_H

#include "algorithms/algo.h"

typedef struct stamp_config {
    long dim;        /* embedding and hidden size (100) */
    long batch;      /* examples per mini-batch (512) */
    double lr;       /* Adam learning rate (0.003) */
    double clip;     /* tf.clip_by_norm per gradient tensor (110) */
    double emb_std;  /* item embeddings ~ N(0, emb_std^2) (0.002) */
    double w_std;    /* weights ~ N(0, w_std^2) (0.05) */
    double max_norm; /* looked-up embeddings clipped to this norm (1.5; 0 off) */
    long epochs;     /* at most this many passes (10) */
    long seed;       /* initialisation and shuffling (1) */
    long add_ms;     /* m_a includes m_s (1, the code) or not (0, the paper) */
    int variant;     /* 0 = stamp, 1 = stmp (no attention) */
    int select;      /* 0 = valid, 1 = none, 2 = test */
    double valid;    /* select=valid: held-out fraction of the latest sessions (0.1) */
    long patience;   /* select=valid/test: epochs without a gain before stopping (3) */
    int batching;    /* 0 = shuffle (prefixes shuffled), 1 = length (the authors' batcher) */
    int select_on;   /* the epoch kept: 0 = best MRR@20, 1 = best HR@20 (the authors' code) */
    int reduce;      /* the batch's gradient: 0 = of the mean loss, 1 = of the summed loss */
} stamp_config;

extern const sbr_algo sbr_algo_stamp;

#endif
