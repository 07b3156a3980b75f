/* Skip-gram with negative sampling: the training core of item2vec (algorithms/item2vec.h says
 * what is trained: gensim 4.2's Word2Vec(sg=1, hs=0)).
 *
 * A trainer updates a caller's input vectors syn0 and output vectors syn1neg over batches of
 * sessions (gensim's jobs). A batch is cut into n_shards shards of consecutive sessions with
 * about as many clicks each, and each shard draws from its own random stream (gensim's 48-bit
 * LCG), seeded once per trainer:
 *  - n_shards = 1 trains every pair in session order against the live model: gensim's order
 *    with one worker, exactly; single-threaded.
 *  - n_shards = S > 1 trains each shard in order against the model as it was at the start of
 *    the batch plus the shard's own updates (private copies of the rows it touches); the shards
 *    run in parallel (OpenMP, the threads omp_get_max_threads gives when the trainer is made),
 *    and after the batch each shard's change to each row (its copy minus the batch's start) is
 *    added to the model, shard by shard in index order. The model depends on S, never on the
 *    thread count or the schedule: any number of threads gives the same bits.
 *  - hogwild (opt-in, S > 1): the shards run in parallel on the live model without copies
 *    (word2vec.c's and gensim's workers' updates); faster, but the result depends on timing
 *    and is not reproducible from run to run. */
#ifndef SBR_ALGORITHMS_NN_SGNS_H
#define SBR_ALGORITHMS_NN_SGNS_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

enum { SBR_SGNS_MAX_NEGATIVE = 100 };

typedef struct sbr_sgns_config {
    size_t dim;         /* vector size */
    size_t window;      /* context window (>= 1; shrunk by U{0..window-1} per click) */
    size_t negative;    /* negative samples per pair, 1 .. SBR_SGNS_MAX_NEGATIVE */
    double ns_exponent; /* the negative table draws rows with probability ~ count^ns_exponent */
    double sample;      /* subsampling threshold (0: off) */
    size_t n_shards;    /* shards per batch (>= 1), see above */
    bool hogwild;       /* shards update the live model concurrently (not reproducible) */
} sbr_sgns_config;

/* gensim's negative table with a faster, exactly equivalent lookup: cum[0..n) is
 * make_cum_table's cumulative table (non-decreasing, cum[n-1] > 0 unless every entry is 0),
 * and a draw of a 32-bit random value r picks bisect_left(cum, r % cum[n-1]) (clamped to
 * n - 1). start[b] is that bisection for the value b << shift, so a value in bucket b is
 * found between start[b] and start[b + 1] by a short search. */
typedef struct sbr_sgns_negtab {
    const uint32_t *cum; /* [n] borrowed */
    size_t n;
    uint32_t total;  /* cum[n - 1] */
    uint64_t magic;  /* for r % total without a division (Lemire's fastmod) */
    unsigned shift;  /* bucket = value >> shift */
    uint32_t *start; /* [n_buckets + 1] */
} sbr_sgns_negtab;

/* Builds t over cum[0..n) (n >= 1; cum is borrowed and must outlive t). SBR_ENOMEM when out
 * of memory (t is then empty; sbr_sgns_negtab_fini is still safe). */
sbr_rc sbr_sgns_negtab_init(sbr_sgns_negtab *t, const uint32_t *cum, size_t n, sbr_err *err);

/* The row a random value r draws: bisect_left(cum, r % total), clamped to n - 1 (row 0 when
 * total is 0). Pure; any number of threads may share t. */
uint32_t sbr_sgns_negtab_draw(const sbr_sgns_negtab *t, uint32_t r);

/* Releases t's index (not cum); safe on a zeroed or failed t. */
void sbr_sgns_negtab_fini(sbr_sgns_negtab *t);

typedef struct sbr_sgns sbr_sgns;

/* A trainer of rows 0..n_vocab-1 with counts[r] training clicks each (n_vocab >= 1). syn0 and
 * syn1neg ([n_vocab * dim] each) are borrowed and updated by sbr_sgns_train; they must
 * outlive the trainer. The shards' random streams are seeded from `seeder`, two draws of
 * gsl_rng_uniform_int(seeder, 2^24) per shard in shard order (shard 0's as gensim seeds its
 * one stream). longest: the most clicks of any session to be trained. NULL with err set when
 * the configuration is out of range or memory runs out. */
sbr_sgns *sbr_sgns_new(const sbr_sgns_config *cfg, size_t n_vocab, const uint64_t *counts,
                       float *syn0, float *syn1neg, gsl_rng *seeder, size_t longest, sbr_err *err);

/* Trains the sessions s_lo .. s_hi-1 as one batch with learning rate alpha: session s is
 * rows[offsets[s] .. offsets[s+1]), each a vector row or UINT32_MAX (no vector, skipped).
 * SBR_ENOMEM when a shard ran out of memory for its copies (the model is then undefined). Not
 * thread-safe on one trainer; it runs its own parallel regions. */
sbr_rc sbr_sgns_train(sbr_sgns *t, const uint32_t *rows, const size_t *offsets, size_t s_lo,
                      size_t s_hi, float alpha, sbr_err *err);

/* Releases t (not the vectors); NULL is a no-op. */
void sbr_sgns_free(sbr_sgns *t);

#endif
