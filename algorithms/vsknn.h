/* vsknn: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_VSKNN_H
#define SBR_ALGORITHMS_VSKNN_H

#include "algorithms/algo.h"

typedef struct vsknn_config {
    long unused;
} vsknn_config;

extern const sbr_algo sbr_algo_vsknn;

#endif
