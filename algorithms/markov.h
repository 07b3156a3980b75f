/* markov: first-order Markov chain (session-rec's MarkovModel). See markov.c. */
#ifndef SBR_ALGORITHMS_MARKOV_H
#define SBR_ALGORITHMS_MARKOV_H

#include "algorithms/algo.h"

typedef struct markov_config {
    double pruning; /* rules kept per item (default 20) */
} markov_config;

extern const sbr_algo sbr_algo_markov;

#endif
