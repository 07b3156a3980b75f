/* stan: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_STAN_H
#define SBR_ALGORITHMS_STAN_H

#include "algorithms/algo.h"

typedef struct stan_config {
    long unused;
} stan_config;

extern const sbr_algo sbr_algo_stan;

#endif
