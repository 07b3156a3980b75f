/* Inverted dropout: at training time each value is kept with probability 1 - p and scaled by
 * 1 / (1 - p), so nothing changes at prediction time (tf.nn.dropout). The mask records the
 * draws for the backward pass; draws come from the caller's generator in index order. */
#ifndef SBR_ALGORITHMS_NN_DROPOUT_H
#define SBR_ALGORITHMS_NN_DROPOUT_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

/* x[i] = keep ? x[i] / (1 - p) : 0 with keep drawn per value (mask[i] = keep); 0 <= p < 1. */
void sbr_nn_dropout(float *x, uint8_t *mask, size_t n, double p, gsl_rng *r);

/* g[i] = mask[i] ? g[i] / (1 - p) : 0. */
void sbr_nn_dropout_backward(float *g, const uint8_t *mask, size_t n, double p);

#endif
