/* vmis: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_VMIS_H
#define SBR_ALGORITHMS_VMIS_H

#include "algorithms/algo.h"

typedef struct vmis_config {
    long unused;
} vmis_config;

extern const sbr_algo sbr_algo_vmis;

#endif
