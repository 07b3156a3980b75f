/* iknn: session-rec's ItemKNN (item-to-item cosine-like similarity of co-occurrence counts,
 * Hidasi et al.'s item-kNN baseline); a prediction uses only the session's last item. See
 * iknn.c for the formula and where it departs from session-rec's code. */
#ifndef SBR_ALGORITHMS_IKNN_H
#define SBR_ALGORITHMS_IKNN_H

#include "algorithms/algo.h"

typedef struct iknn_config {
    long n_sims;  /* similar items kept per item (>= 1; default 100) */
    double lmbd;  /* regularisation added to both supports (>= 0; default 20) */
    double alpha; /* exponent balance of the two supports, in [0, 1] (default 0.5) */
} iknn_config;

extern const sbr_algo sbr_algo_iknn;

#endif
