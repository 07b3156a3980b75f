/* GRU4Rec (Hidasi et al., ICLR 2016; Hidasi & Karatzoglou, CIKM 2018) as its authors' official
 * PyTorch code implements it (hidasib/GRU4Rec_PyTorch_Official, gru4rec_pytorch.py;
 * ../shared/reference/learned-models.md section 4):
 *
 * - Session-parallel mini-batches: training sessions (two clicks or more) ordered by their first
 *   click (ties by session id); each of `batch` slots holds one session and steps through it,
 *   the current click predicting the next; when a slot's session ends the next session takes
 *   the slot and that row of every layer's hidden state is zeroed; when sessions run out the
 *   batch shrinks. The hidden state is carried between steps but never differentiated through
 *   (no BPTT). With n_sample 0 an epoch stops once fewer than 2 slots remain.
 * - Network: input = the item's row of the output table Wy (input=shared, the official
 *   constrained_embedding), of a separate table E (input=separate, `embedding` wide), or a
 *   one-hot vector (input=onehot: layer 0's input weights are an item table and its single
 *   bias, the official GRUEmbedding); dropout_embed on that input (input=onehot: on layer 0's
 *   output); `n_layers` GRU layers of `layers` units (PyTorch's GRUCell, algorithms/nn/gru.h),
 *   dropout_hidden on each output, the dropped-out output being the state carried to the next
 *   step, as in the official code; scores r = h Wy^T + By.
 * - Loss over the mini-batch's targets plus n_sample items shared by the whole step, drawn
 *   with probability proportional to support^sample_alpha (algorithms/nn/rankloss.h):
 *   cross-entropy on the logits (logq > 0 subtracts logq log P0 of each column, P0 = the
 *   support, raised to sample_alpha for the sampled columns), BPR-max with bpreg, or TOP1-max;
 *   for the last two the scores first pass the final activation (elu with elu_param, the
 *   official bpr-max's; elu_param 0 is linear; or linear, tanh). Loss summed over rows / batch.
 * - Adagrad with momentum (eps 1e-6; algorithms/nn/optim.h): dense on the GRU weights, on the
 *   touched rows only (their gradients summed first) for the item tables.
 * - Init as the official compatibility mode: every matrix, per gate block, uniform
 *   +-sqrt(6 / (fan_in + fan_out)); biases 0.
 *
 * Determinism: one generator each for initialisation, sampling and dropout, drawn in a fixed
 * order; products in fixed tiles (algorithms/nn/gemm.h); loss rows and sparse rows independent;
 * so the same seed gives the same model file for any thread count.
 *
 * Recommendation: the hidden state is run along the query's known items from zero (unknown
 * items skipped); the scratch keeps the state of the last prefix and continues from it when
 * the next query extends it (the state is a function of the prefix alone, so nothing can pass
 * between sessions). Every training item is ranked by its score under the ranking rule; the
 * reported score is its softmax probability. */
#ifndef SBR_ALGORITHMS_GRU4REC_H
#define SBR_ALGORITHMS_GRU4REC_H

#include "algorithms/algo.h"

typedef struct gru4rec_config {
    long layers;           /* units of every GRU layer (100) */
    long n_layers;         /* GRU layers (1) */
    int loss;              /* 0 cross-entropy, 1 bpr-max, 2 top1-max */
    int input;             /* 0 shared (constrained_embedding), 1 separate, 2 onehot */
    long embedding;        /* input=separate: embedding size (0: = layers) */
    long batch;            /* session slots per mini-batch (64) */
    double dropout_embed;  /* (0) */
    double dropout_hidden; /* (0) */
    double lr;             /* Adagrad learning rate (0.05) */
    double momentum;       /* (0) */
    long n_sample;         /* shared negative samples per step (2048) */
    double sample_alpha;   /* sampling ~ support^sample_alpha (0.5) */
    double bpreg;          /* BPR-max score regularisation (1.0) */
    int final_act;         /* 0 elu, 1 linear, 2 tanh: on the scores for bpr-max and top1-max */
    double elu_param;      /* final_act=elu: alpha (0.5; 0 = linear) */
    double logq;           /* cross-entropy: logQ correction strength (0) */
    long epochs;           /* (10) */
    long seed;             /* (1) */
} gru4rec_config;

extern const sbr_algo sbr_algo_gru4rec;

#endif
