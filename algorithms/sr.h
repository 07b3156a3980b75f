/* sr: sequential rules (session-rec's SequentialRules). See sr.c. */
#ifndef SBR_ALGORITHMS_SR_H
#define SBR_ALGORITHMS_SR_H

#include "algorithms/algo.h"

typedef struct sr_config {
    long steps;     /* how many earlier events each event links back to (default 10) */
    int weighting;  /* weight of a link i steps back: linear, same, div, log, quadratic */
    double pruning; /* rules kept per item (default 20) */
} sr_config;

extern const sbr_algo sbr_algo_sr;

#endif
