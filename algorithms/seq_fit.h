/* What the prefix-trained neural models (stamp, narm, srgnn) share: their training and selection
 * examples, the epoch loop with model selection, and the softmax top-n of a prediction.
 *
 * Examples: every prefix of every training session predicts its next item. select=valid holds
 * out the latest `valid` fraction of training sessions (by their last click; ties: the later
 * session first) and selects on their prefixes; select=test selects on the test set the caller
 * passes in sbr_fit_opts.select_data (clicks on items unknown to training removed, as sbr eval
 * does); select=none keeps the last epoch. The epoch loop shuffles the training examples with
 * the caller's generator, runs mini-batches through the model's step, and after every epoch
 * measures MRR@20 (or HR@20) on the select examples (rank under the ranking rule among all items),
 * keeps the parameters of the best epoch and stops after `patience` epochs without a gain. With
 * nothing to select on (no held-out prefix) every epoch runs and the last is kept. */
#ifndef SBR_ALGORITHMS_SEQ_FIT_H
#define SBR_ALGORITHMS_SEQ_FIT_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "algorithms/nn/optim.h"

/* Items base[start .. start + len) predict target (an index into the training items). */
typedef struct sbr_seq_example {
    size_t start;
    uint32_t len;
    uint32_t target;
} sbr_seq_example;

enum { SBR_SEQ_VALID = 0, SBR_SEQ_NONE = 1, SBR_SEQ_TEST = 2 };

typedef struct sbr_seq_data {
    sbr_seq_example *train, *select;
    size_t n_train, n_select;
    uint32_t *select_items; /* the items the select examples index (training indices) */
    const char *select_on;  /* "valid", the test set's label, or NULL: nothing to select on */
    size_t longest;         /* the longest prefix of either set */
} sbr_seq_data;

/* The examples of train under select (SBR_SEQ_*), naming the algorithm `name` in errors.
 * Errors: SBR_EINVAL (select=test without opts->select_data; no session of two clicks; a
 * session of 2^32 clicks), SBR_ENOMEM. */
sbr_rc sbr_seq_data_build(const char *name, const sbr_dataset *train, int select, double valid,
                          const sbr_fit_opts *opts, sbr_seq_data *d, sbr_err *err);

/* Releases d's arrays; a zeroed d is fine. */
void sbr_seq_data_fini(sbr_seq_data *d);

/* Example e of a batch of n goes to shard e * n_shards / n: shard k holds [lo(k), lo(k + 1)). */
size_t sbr_seq_shard_lo(size_t k, size_t n, size_t n_shards);

/* The most clicks that cap_ex examples of either set can hold (the cap_ex longest). */
size_t sbr_seq_max_positions(const sbr_seq_data *d, size_t cap_ex);

/* A model as the epoch loop sees it. */
typedef struct sbr_seq_model {
    void *ctx;
    /* One training step on examples ex[0..n) (items from base; epoch counts from 0): returns
     * the batch's summed loss. */
    double (*step)(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n,
                   long epoch);
    /* The logits of examples ex[0..n) over every item into z (n x n_items). */
    void (*logits)(void *ctx, const uint32_t *base, const sbr_seq_example *ex, size_t n, float *z);
    float *params; /* what the best epoch's copy saves and restores */
    size_t n_params, n_items, batch;
    long epochs, patience;
    bool select_hr; /* select the epoch on HR@20 (NARM's code) instead of MRR@20 */
    bool by_length; /* batches as STAMP's code makes them (below), not shuffled prefixes */
} sbr_seq_model;

/* by_length: the batcher of uestcnlp/STAMP (util/batcher/equal_len/batcher_p.py and the loop of
 * STAMP_cikm.py). Each epoch the training sessions are grouped by length, the groups taken in
 * random order and the sessions of a group shuffled; each run of `batch` sessions of a group
 * (the last may be shorter) gives one batch per prefix length 1 .. L - 1, each batch holding
 * that prefix of every session of the run. Batches are smaller and more numerous than with
 * shuffled prefixes, and the prefixes of one session train in consecutive steps. It needs d's
 * training examples in the order sbr_seq_data_build writes them (session by session, prefix
 * lengths 1, 2, ...): the loop leaves them there and orders a copy. */

/* The epoch loop over d (its training examples are reordered) with train's items as the
 * training base; z is scratch of batch x n_items floats. Reports each epoch through opts.
 * Errors: SBR_ENOMEM. */
sbr_rc sbr_seq_train(const sbr_seq_model *m, sbr_seq_data *d, const uint32_t *train_items,
                     gsl_rng *shuffle, float *z, const sbr_fit_opts *opts, sbr_err *err);

/* A fit's batch buffers: the gradient and Adam's moments (n_params each), the batch's session
 * vectors h and their gradient gh (batch x d), the logits z (batch x n_items), the rows' losses
 * and targets. */
typedef struct sbr_seq_bufs {
    float *g, *m, *v, *h, *gh, *z;
    double *row_loss;
    uint32_t *targets;
    bool own_g;
} sbr_seq_bufs;

/* Allocates b; grad (n_params floats) is borrowed as g when not NULL, and m, v are left NULL
 * unless adam. Errors: SBR_ENOMEM (b then holds what was allocated: call fini). */
sbr_rc sbr_seq_bufs_init(sbr_seq_bufs *b, size_t n_params, float *grad, bool adam, size_t batch,
                         size_t d, size_t n_items);
void sbr_seq_bufs_fini(sbr_seq_bufs *b);

/* The output layer of a training step on ex[0..n) whose vectors are in b->h: the mean softmax
 * cross-entropy over the items E (n_items x d), the gradient of E's rows into ge (overwritten)
 * and of h into b->gh. Returns the summed loss. */
double sbr_seq_output(sbr_seq_bufs *b, const sbr_seq_example *ex, size_t n, size_t d,
                      const float *e, size_t n_items, float *ge);

/* Examples e < n from the arrays of a gradient test (starts, lens, targets), their clicks in
 * *clicks; NULL when out of memory. */
sbr_seq_example *sbr_seq_examples(const size_t *starts, const uint32_t *lens,
                                  const uint32_t *targets, size_t n, size_t *clicks);

/* A prediction's buffers, one allocation, for up to SBR_PREDICT_BATCH queries at once. */
typedef struct sbr_seq_pred {
    uint32_t *items;                /* [cap] the query's items */
    float *z;                       /* [SBR_PREDICT_BATCH x n_items] the logits of each query */
    float *e;                       /* [n_items] exponentials */
    float *out;                     /* [SBR_PREDICT_BATCH x d] the session vector of each query */
    size_t rows[SBR_PREDICT_BATCH]; /* the query of each row of out */
} sbr_seq_pred;

bool sbr_seq_pred_init(sbr_seq_pred *p, size_t cap, size_t n_items, size_t d);
void sbr_seq_pred_fini(sbr_seq_pred *p);
/* The bytes sbr_seq_pred_init allocates. */
size_t sbr_seq_pred_bytes(size_t cap, size_t n_items, size_t d);

/* The latest (at most cap) of q's clicks on items below n_items, oldest first, into items;
 * returns their count. */
size_t sbr_seq_query_items(const sbr_query *q, size_t n_items, size_t cap, uint32_t *items);

/* The model file of a prefix model: n_items, cap and the n parameters p. */
void sbr_seq_save(sbr_model_writer *w, size_t n_items, size_t cap, const float *p, size_t n);
/* Reads n_items and cap (at least min_cap) of sbr_seq_save; the parameters follow. */
sbr_rc sbr_seq_load_sizes(sbr_model_reader *r, size_t *n_items, size_t *cap, size_t min_cap,
                          sbr_err *err);

/* One step of torch.optim.Adam (and of NARM's Theano adam, the same rule) on w[0..n) with
 * weight decay l2: g += l2 w, then m and v as TF's, and w -= lr m_hat / (sqrt(v_hat) + eps)
 * with the bias-corrected moments (eps outside the correction, unlike TF's "epsilon hat"); the
 * step counter advances once, lr replaces a->lr. Elementwise over fixed blocks in parallel:
 * the same values for any thread count. Call from one thread. */
void sbr_seq_adam_step(sbr_nn_adam *a, double lr, double l2, float *w, float *m, float *v, float *g,
                       size_t n);

/* The session vector (d floats, into h) of a prefix model for the query items[0..len),
 * len >= 1, computed with the model's prediction scratch. */
typedef void (*sbr_seq_session_fn)(const sbr_model *model, void *scratch, const uint32_t *items,
                                   size_t len, float *h);

/* predict_batch of a prefix model (algorithms/algo.h) whose logits are h . E_i for the item
 * rows E (ni x d): each query's latest cap known items through session_vector into pr->out,
 * then one pass over E for all of them (sbr_nn_dots, the same bits as one query at a time);
 * each list is the top q[j].n items by logit under the ranking rule, scored by their softmax
 * probability over all items, empty when the query has no known item or its logits are not
 * finite (NaN weights). predict is this with m = 1. */
void sbr_seq_predict_batch(const sbr_model *model, void *scratch, sbr_seq_pred *pr, size_t cap,
                           size_t d, const float *e_rows, size_t ni,
                           sbr_seq_session_fn session_vector, const sbr_query *q, size_t m,
                           sbr_scored *out, size_t *n_out);

#endif
