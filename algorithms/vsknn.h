/* vsknn: vector-multiplication session kNN (session-rec's VMContextKNN, "V-SKNN"). See vsknn.c
 * for the scoring rules, session-rec's quirks kept as coded, and the tie rules. */
#ifndef SBR_ALGORITHMS_VSKNN_H
#define SBR_ALGORITHMS_VSKNN_H

#include "algorithms/algo.h"

typedef struct vsknn_config {
    long k;               /* neighbours kept (default 100) */
    long sample_size;     /* candidate sessions considered; 0 = all (default 1000) */
    int sampling;         /* recent (default) or random */
    long seed;            /* seed of the random sampling (default 1) */
    int ties;             /* neighbour tie order: recent (default) or session_rec */
    int similarity;       /* vec (default, a position-weighted dot product) or cosine */
    int weighting;        /* position weight of the session's items: same, div (default), ... */
    int weighting_score;  /* decay by the neighbour's last match: same, div (default), ... */
    double idf_weighting; /* idf factor of an item's score; 0 = off (default) */
    long remind;          /* 1 (default): the session's own items are scored too */
    long push_reminders;  /* 1: session items' scores times (their clicks + 1) (default 0) */
    long last_n_days;     /* index only the last n days of training; 0 = all (default) */
    long last_n_clicks;   /* only the last n clicks weigh in similarity; 0 = all (default) */
    long normalize;       /* 1 (default): scores divided by the largest */
} vsknn_config;

extern const sbr_algo sbr_algo_vsknn;

#endif
