/* sscf: placeholder until its implementation lands. */
#ifndef SBR_ALGORITHMS_SSCF_H
#define SBR_ALGORITHMS_SSCF_H

#include "algorithms/algo.h"

typedef struct sscf_config {
    long unused;
} sscf_config;

extern const sbr_algo sbr_algo_sscf;

#endif
