/* vocab: a training set's item vocabulary — the original ItemIds in dense-index order and each
 * item's training clicks — which is all an evaluation or a server needs of the training data
 * once a model is fitted. Model files carry it (algorithms/model_file.h), so a saved model
 * can be evaluated and served without its training file. */
#ifndef SBR_DATA_VOCAB_H
#define SBR_DATA_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

typedef struct sbr_vocab {
    size_t n_items;
    uint64_t *item_ids; /* [n_items] ascending: item_ids[dense index] */
    uint64_t *clicks;   /* [n_items] training clicks on the item */
} sbr_vocab;

/* The vocabulary of ds into *out (owned; release with sbr_vocab_fini). Errors: SBR_ENOMEM. */
sbr_rc sbr_vocab_from_dataset(const sbr_dataset *ds, sbr_vocab *out, sbr_err *err);

/* The dense index of an original ItemId: true and *index set when present. O(log n). */
bool sbr_vocab_find(const sbr_vocab *v, uint64_t item_id, uint32_t *index);

/* Whether ids ascend strictly (what sbr_vocab_find needs; a loaded vocabulary is checked). */
bool sbr_vocab_valid(const sbr_vocab *v);

/* Releases the arrays and zeroes *v; NULL and a zeroed vocab are no-ops. */
void sbr_vocab_fini(sbr_vocab *v);

#endif
