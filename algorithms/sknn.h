/* sknn: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_SKNN_H
#define SBR_ALGORITHMS_SKNN_H

#include "algorithms/algo.h"

typedef struct sknn_config {
    long unused;
} sknn_config;

extern const sbr_algo sbr_algo_sknn;

#endif
