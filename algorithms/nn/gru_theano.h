/* One time step of the GRU of NARM's Theano code (lijingsdu/sessionRec_NARM NARM.py gru_layer;
 * ../shared/reference/learned-models.md section 3) over n rows, with the input projection
 * xp = x Wxrz + b (n x 3H: blocks z, r, h) computed by the caller:
 *
 *   z = act(h U_z + xp_z),  r = act(h U_r + xp_r)     (U_rz = [U_z | U_r], H x 2H)
 *   c = tanh((r * h) U_h + xp_h),  h' = (1 - z) h + z c
 *
 * where act is Theano's hard_sigmoid (hard) or the logistic function. This differs from
 * PyTorch's GRUCell (algorithms/nn/gru.h of gru4rec): the reset gate scales h before the
 * recurrent product, and z weighs the candidate. h may be NULL: the zero state of the first
 * step. plain: the products in plain C (prediction; algorithms/nn/linear.h), else BLAS on the
 * calling thread. Sums in a fixed order: the same inputs give the same bits. */
#ifndef SBR_ALGORITHMS_NN_GRU_THEANO_H
#define SBR_ALGORITHMS_NN_GRU_THEANO_H

#include <stdbool.h>
#include <stddef.h>

/* Floats of a step's cache (z, r, c, r * h) for n rows. */
size_t sbr_nn_gru_theano_cache_floats(size_t n, size_t hd);

/* h_out (n x H, not aliasing h) from xp, h (or NULL) and the weights; fills cache. work is
 * scratch of n x 2H floats. */
void sbr_nn_gru_theano_forward(const float *xp, const float *h, size_t n, size_t hd,
                               const float *u_rz, const float *u_h, bool hard, float *cache,
                               float *h_out, float *work, bool plain);

/* Given g_out (n x H), the loss gradient with respect to h_out of the forward call that filled
 * cache (same xp-independent inputs h, weights, hard): writes the gradient with respect to xp
 * into g_xp (n x 3H), accumulates the weights' gradients into g_urz and g_uh and, when h is
 * not NULL, adds the gradient with respect to h into g_h (n x H). work is scratch of n x H. */
void sbr_nn_gru_theano_backward(const float *h, size_t n, size_t hd, const float *u_rz,
                                const float *u_h, bool hard, const float *cache, const float *g_out,
                                float *g_xp, float *g_h, float *g_urz, float *g_uh, float *work);

#endif
