/* One time step of a GRU layer over a batch of b rows, as PyTorch's nn.GRUCell (the cell of the
 * official GRU4Rec, hidasib/GRU4Rec_PyTorch_Official; ../shared/reference/learned-models.md
 * section 4), with the input projection computed by the caller:
 *
 *   a = x W_ih + b_ih (b x 3H, the caller's gx),  u = h W_hh + b_hh (b x 3H),
 *   r = sigmoid(a_r + u_r),  z = sigmoid(a_z + u_z),  n = tanh(a_n + r * u_n),
 *   h' = (1 - z) * n + z * h,
 *
 * with the three gate blocks of every 3H row in the order r, z, n. b_hh may be absent (the
 * official one-hot input layer, GRUEmbedding, has a single bias, inside gx). No state crosses
 * steps here: the caller passes h and gets h'; the backward pass stops at h (GRU4Rec trains
 * without backpropagation through time) unless the caller asks for the gradient of h.
 *
 * Products run through sbr_nn_gemm (fixed tiles), elementwise work in a fixed order, so every
 * value is the same for any thread count. Call from one thread. */
#ifndef SBR_ALGORITHMS_NN_GRU_H
#define SBR_ALGORITHMS_NN_GRU_H

#include <stddef.h>

/* h_out (b x H) from gx (b x 3H), h (b x H), w_hh (H x 3H) and b_hh (3H or NULL). u and gates
 * (b x 3H each) receive h W_hh + b_hh and (r, z, n), which the backward pass needs. h_out
 * must not alias h. */
void sbr_nn_gru_forward(const float *gx, const float *h, size_t b, size_t hd, const float *w_hh,
                        const float *b_hh, float *u, float *gates, float *h_out);

/* The gates and the new state of one row from its gx (3H), u = h W_hh + b_hh (3H) and h (H):
 * gates (3H) receive (r, z, n), h_out (H, not aliasing h) receives h'. sbr_nn_gru_forward
 * runs this on every row; a caller stepping one session at a time uses it directly. */
void sbr_nn_gru_row(const float *gx, const float *u, const float *h, size_t hd, float *gates,
                    float *h_out);

/* Given g_out (b x H), the loss gradient with respect to h_out, and what the forward pass kept:
 * writes the gradient with respect to gx into g_gx (b x 3H), accumulates the gradients of
 * w_hh (+= h^T g_u) and b_hh (when not NULL) and, when g_h is not NULL, adds the gradient with
 * respect to h into g_h (b x H). u is overwritten (it ends holding g_u). */
void sbr_nn_gru_backward(const float *h, size_t b, size_t hd, const float *w_hh, float *u,
                         const float *gates, const float *g_out, float *g_gx, float *g_whh,
                         float *g_bhh, float *g_h);

#endif
