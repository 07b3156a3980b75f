/* Elementwise activations and their backward passes, which take the forward outputs (and, for
 * ELU, its alpha): y = tanh(x), sigmoid(x) = 1 / (1 + e^-x), elu(x) = x for x > 0 else
 * alpha (e^x - 1) (e^x by the float exp of algorithms/nn/softmax.h). In-place use (y == x, gx ==
 * gy) is allowed. */
#ifndef SBR_ALGORITHMS_NN_ACT_H
#define SBR_ALGORITHMS_NN_ACT_H

#include <stddef.h>

void sbr_nn_tanh(const float *x, float *y, size_t n);
void sbr_nn_sigmoid(const float *x, float *y, size_t n);
void sbr_nn_elu(const float *x, float *y, size_t n, float alpha);
/* Theano's hard_sigmoid: y = min(1, max(0, 0.2 x + 0.5)). */
void sbr_nn_hard_sigmoid(const float *x, float *y, size_t n);

/* gx = gy (1 - y^2). */
void sbr_nn_tanh_backward(const float *y, const float *gy, float *gx, size_t n);
/* gx = gy y (1 - y). */
void sbr_nn_sigmoid_backward(const float *y, const float *gy, float *gx, size_t n);
/* gx = 0.2 gy where 0 < y < 1, else 0 (the clipped parts have no slope). */
void sbr_nn_hard_sigmoid_backward(const float *y, const float *gy, float *gx, size_t n);
/* gx = gy where y > 0, else gy (y + alpha). */
void sbr_nn_elu_backward(const float *y, const float *gy, float *gx, size_t n, float alpha);

#endif
