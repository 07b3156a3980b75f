/* sknn: session kNN (session-rec's ContextKNN, "SKNN"). See sknn.c for the scoring rules,
 * session-rec's quirks kept as coded, and the tie rules. */
#ifndef SBR_ALGORITHMS_SKNN_H
#define SBR_ALGORITHMS_SKNN_H

#include "algorithms/algo.h"

typedef struct sknn_config {
    long k;           /* neighbours kept (default 100) */
    long sample_size; /* candidate sessions considered; 0 = all (default 1000) */
    int sampling;     /* recent (default) or random */
    long seed;        /* seed of the random sampling (default 1) */
    int ties;         /* neighbour tie order: recent (default) or session_rec */
    int similarity;   /* jaccard (default), cosine, binary or tanimoto */
    long remind;      /* 1: the last 3 clicked items get a reminder bonus (default 0) */
    double pop_boost; /* weight of the items' popularity among the neighbours (default 0) */
    long normalize;   /* 1 (default): scores divided by the largest */
} sknn_config;

extern const sbr_algo sbr_algo_sknn;

#endif
