/* sscf: session-based collaborative filtering (Park, Oh, Kim and Yoon, "Session-based
 * collaborative filtering for predicting the next song", CNSI 2011): user-based CF in which
 * the "users" are sessions, rated by play counts. See sscf.c for the formula, the tie rules
 * and which items are ranked. */
#ifndef SBR_ALGORITHMS_SSCF_H
#define SBR_ALGORITHMS_SSCF_H

#include "algorithms/algo.h"

typedef struct sscf_config {
    long k; /* most similar training sessions used (>= 1; default 100) */
} sscf_config;

extern const sbr_algo sbr_algo_sscf;

#endif
