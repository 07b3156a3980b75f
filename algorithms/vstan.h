/* vstan: session-rec's VSKNN_STAN (Ludewig et al., "Empirical analysis of session-based
 * recommendation algorithms", UMUAI 2021): STAN's neighbour similarity and item weighting plus
 * an insertion-position weight (lambda_ipw) and an idf factor (lambda_idf). See vstan.c for the
 * formulas, the tie rules and where this port departs from session-rec.
 *
 * session-rec's VSKNN_STAN also takes a `similarity` argument that it stores and never uses
 * (its code always calls the cosine); this port therefore offers no such parameter.
 *
 * stan (algorithms/stan.h) is this model with lambda_ipw = 0 and lambda_idf = 0, both of which
 * switch their factor off, and is built through this file's vtable. */
#ifndef SBR_ALGORITHMS_VSTAN_H
#define SBR_ALGORITHMS_VSTAN_H

#include "algorithms/algo.h"

typedef struct vstan_config {
    long k;            /* neighbour sessions used (>= 1; default 100) */
    long sample_size;  /* most recent candidate sessions considered (0: all; default 5000) */
    int sampling;      /* index into {"recent"}; session-rec's "random" is not offered */
    long remind;       /* 1: items of the current session are scored too (default 1) */
    double lambda_spw; /* session position weight exp((p - L) / lambda_spw) (> 0; 1.02) */
    double lambda_snh; /* neighbour recency exp(-age / (lambda_snh days)) (> 0; 5) */
    double lambda_inh; /* item neighbourhood exp(-|distance| / lambda_inh) (> 0; 2.05) */
    double lambda_ipw; /* insertion position exp((j - L) / lambda_ipw); 0 = off (1.02) */
    double lambda_idf; /* idf multiplier, contribution * (1 + idf * lambda_idf); 0 = off (5) */
} vstan_config;

extern const sbr_algo sbr_algo_vstan;

#endif
