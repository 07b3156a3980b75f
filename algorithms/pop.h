/* pop and spop: popularity baselines (session-rec's Pop and SessionPop). See pop.c. */
#ifndef SBR_ALGORITHMS_POP_H
#define SBR_ALGORITHMS_POP_H

#include "algorithms/algo.h"

typedef struct pop_config {
    long top_n; /* only the top_n most popular items are recommended; 0 = all */
} pop_config;

typedef struct spop_config {
    long top_n; /* popular items that get the popularity score (default 100) */
} spop_config;

extern const sbr_algo sbr_algo_pop;
extern const sbr_algo sbr_algo_spop;

#endif
