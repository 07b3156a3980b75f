/* item2vec: skip-gram with negative sampling over training sessions (Barkan and Koenigstein
 * 2016; the Word2Vec recommender of the Cloudera Fast Forward report), trained as gensim
 * 4.2's Word2Vec(sg=1, hs=0) trains (../shared/reference/learned-models.md section 5):
 *
 *  - vocabulary: items with at least min_count training clicks; frequent-item subsampling
 *    keeps a click with p = (sqrt(v / (s N)) + 1) (s N / v), capped at 1, drawn per click and
 *    epoch (v the item's clicks, N all kept clicks, s = `sample`; 0 turns it off);
 *  - for every kept click i of a session and every other kept click j within `window - b`
 *    of it (b ~ U{0..window-1}, drawn per click), syn0[item j] is pulled toward syn1neg[item
 *    i] and pushed from `negative` items drawn from the table of count^ns_exponent (a drawn
 *    item equal to item i is skipped, not redrawn); a dot product outside (-6, 6) skips its
 *    update, sigmoids come from gensim's 1000-entry table;
 *  - the learning rate falls linearly from alpha to min_alpha over all epochs, stepped every
 *    10,000 clicks (gensim's jobs);
 *  - init: syn0 = (U[0,1) * 2 - 1) / dim, syn1neg zero; randomness from gensim's 48-bit
 *    LCG and a mt19937, both seeded from `seed`.
 * Training runs in algorithms/nn/sgns.c. By default (shards=16) each job is cut into 16 shards
 * of consecutive sessions that train in parallel (OpenMP), each from the job's starting model
 * plus its own updates, their changes added to the model in shard order after the job: the
 * same seed and shards give the same model bit for bit on any number of threads. shards=1 is
 * gensim's exact sequential order (one thread); hogwild=on lets the shards update the shared
 * model at once, faster but not reproducible. gensim's own random streams (numpy's) are not
 * reproduced: the check against gensim is statistical, tests/reference/item2vec_gensim.py and
 * tests/test_item2vec.c.
 *
 * Recommendation: the query vector is the last session item's unit vector (query=last) or the
 * mean of the last `n_last` items' unit vectors, the i-th most recent weighted decay^i
 * (query=mean); scores are cosine similarities to every item, the query's items excluded (as
 * gensim's most_similar); exact top-n under the ranking rule (items with a cosine <= 0 are
 * not listed). Items outside the vocabulary are skipped in queries. */
#ifndef SBR_ALGORITHMS_ITEM2VEC_H
#define SBR_ALGORITHMS_ITEM2VEC_H

#include "algorithms/algo.h"

typedef struct item2vec_config {
    long dim;           /* vector size (100) */
    long window;        /* context window (5) */
    long negative;      /* negative samples (5) */
    double ns_exponent; /* negative table exponent (0.75) */
    double sample;      /* subsampling threshold (1e-3; 0 off) */
    long epochs;        /* passes over the sessions (5) */
    double alpha;       /* initial learning rate (0.025) */
    double min_alpha;   /* final learning rate (0.0001) */
    long min_count;     /* items with fewer training clicks are left out (1) */
    long seed;          /* training randomness (1) */
    int query;          /* 0 = last, 1 = mean */
    long n_last;        /* query=mean: the last n_last items (3) */
    double decay;       /* query=mean: weight of the i-th most recent item, decay^i (1) */
    long shards;        /* shards per job trained in parallel; 1 = gensim's exact order (16) */
    int hogwild;        /* 1 = shards update the live model at once (not reproducible) (0) */
} item2vec_config;

extern const sbr_algo sbr_algo_item2vec;

#endif
