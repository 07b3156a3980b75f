/* GRU4Rec internals shared with its tests (tests/test_gru4rec.c). */
#ifndef SBR_ALGORITHMS_GRU4REC_INT_H
#define SBR_ALGORITHMS_GRU4REC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/dataset.h"

/* Rank modes of sbr_gru4rec_ranks: the ranking rule (score descending, then item index), the
 * official evaluation's "standard" (1 + the items scoring more: ties counted optimistically)
 * and "conservative" (the items scoring at least as much). */
enum { SBR_G4R_RANK_RULE, SBR_G4R_RANK_STANDARD, SBR_G4R_RANK_CONSERVATIVE };

/* The rank of items[t] among every training item after the prefix items[0..t), for
 * t = 1 .. len-1, into ranks[t-1], with the hidden state carried along the session from zero
 * as the official evaluation does. Every item < the model's item count. scratch is one of
 * m->algo->scratch_new. */
void sbr_gru4rec_ranks(const sbr_model *m, void *scratch, const uint32_t *items, size_t len,
                       int mode, size_t *ranks);

/* The last layer's hidden state after the prefix items[0..len) (predict's path) into h. */
void sbr_gru4rec_prefix_hidden(const sbr_model *m, void *scratch, const uint32_t *items, size_t len,
                               float *h);

/* The training forward pass without dropout or updates, session-parallel with `batch` slots
 * over ds (items are the model's indices): for every click that is an input (not the last of
 * its session), the last layer's hidden state after it into out[click * layers]. Errors:
 * SBR_ENOMEM. */
sbr_rc sbr_gru4rec_parallel_hidden(const sbr_model *m, const sbr_dataset *ds, size_t batch,
                                   float *out, sbr_err *err);

/* The hidden units of m's layers. */
size_t sbr_gru4rec_units(const sbr_model *m);

#endif
