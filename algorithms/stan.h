/* stan: session-rec's STAN (Garg et al., "Sequence and time aware neighborhood for
 * session-based recommendations", SIGIR 2019), as coded in session-rec (section 2.3 of the
 * reference): cosine similarity of position-weighted sessions, decayed by the neighbour's age
 * at the time of the predicted event, and neighbour items weighted by their distance to the
 * neighbour's last shared item. Scores are not normalised.
 *
 * STAN is VSTAN without its two extra factors, so the model is vstan's (algorithms/vstan.c
 * documents the formulas and tie rules), fitted with lambda_ipw = 0 and lambda_idf = 0. */
#ifndef SBR_ALGORITHMS_STAN_H
#define SBR_ALGORITHMS_STAN_H

#include "algorithms/algo.h"

typedef struct stan_config {
    long k;            /* neighbour sessions used (>= 1; default 100) */
    long sample_size;  /* most recent candidate sessions considered (0: all; default 5000) */
    int sampling;      /* index into {"recent"}; session-rec's "random" is not offered */
    long remind;       /* 1: items of the current session are scored too (default 1) */
    double lambda_spw; /* session position weight exp((p - L) / lambda_spw) (> 0; 1.02) */
    double lambda_snh; /* neighbour recency exp(-age / (lambda_snh days)) (> 0; 5) */
    double lambda_inh; /* item neighbourhood exp(-|distance| / lambda_inh) (> 0; 2.05) */
} stan_config;

extern const sbr_algo sbr_algo_stan;

#endif
