/* Embedding tables: row lookups with TensorFlow's max-norm, their backward pass, and the
 * scatter of row gradients into a table's gradient (a sparse row update).
 *
 * With max_norm > 0 a looked-up row e comes out as e * max_norm / max(|e|, max_norm), as
 * tf.nn.embedding_lookup(max_norm=...) clips the gathered rows with tf.clip_by_norm: the table
 * itself is never changed, and the gradient flows through the clipping. Pure functions of their
 * arguments: any thread may call them on distinct outputs. */
#ifndef SBR_ALGORITHMS_NN_EMBED_H
#define SBR_ALGORITHMS_NN_EMBED_H

#include <stddef.h>
#include <stdint.h>

/* out[k] = clip(table[idx[k]]) for k < n (rows of dim floats); max_norm <= 0 turns it off. */
void sbr_nn_embed_lookup(const float *table, size_t dim, const uint32_t *idx, size_t n,
                         double max_norm, float *out);

/* Given g_out[k], the loss gradient with respect to out[k], writes the gradient with respect to
 * the raw row table[idx[k]] into g_row[k]: g_out itself where the row was not clipped, else
 * (c / |e|) (g - e (e . g) / |e|^2). g_row may alias g_out. */
void sbr_nn_embed_backward(const float *table, size_t dim, const uint32_t *idx, size_t n,
                           double max_norm, const float *g_out, float *g_row);

/* g_table[idx[k]] += g_row[k] for k = 0, 1, ..., n-1 in that order (repeated rows accumulate,
 * always in the same order). */
void sbr_nn_embed_scatter_add(float *g_table, size_t dim, const uint32_t *idx, size_t n,
                              const float *g_row);

#endif
