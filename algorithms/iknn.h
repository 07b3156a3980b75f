/* iknn: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_IKNN_H
#define SBR_ALGORITHMS_IKNN_H

#include "algorithms/algo.h"

typedef struct iknn_config {
    long unused;
} iknn_config;

extern const sbr_algo sbr_algo_iknn;

#endif
