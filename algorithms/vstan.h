/* vstan: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_VSTAN_H
#define SBR_ALGORITHMS_VSTAN_H

#include "algorithms/algo.h"

typedef struct vstan_config {
    long unused;
} vstan_config;

extern const sbr_algo sbr_algo_vstan;

#endif
