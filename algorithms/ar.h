/* ar: association rules (session-rec's AssociationRules). See ar.c. */
#ifndef SBR_ALGORITHMS_AR_H
#define SBR_ALGORITHMS_AR_H

#include "algorithms/algo.h"

typedef struct ar_config {
    double pruning; /* rules kept per item (default 20) */
} ar_config;

extern const sbr_algo sbr_algo_ar;

#endif
