/* Fuzz target: the model file loader, sbr_model_load (algorithms/model_file.c and every
 * algorithm's load).
 *
 * Input: an uncompressed model file. Its last four bytes are overwritten with the CRC-32 of
 * the bytes before them before it is written out, because a mutated file would otherwise
 * almost never get past the checksum, and what needs fuzzing is the header, the vocabulary
 * and the algorithms' payload readers behind it. A model that loads must also be usable as
 * eval uses it, so it answers one query of items from its vocabulary (dense indices below
 * vocab.n_items, and SBR_ITEM_UNKNOWN) before it is freed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <zlib.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/vocab.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

/* One prediction for a session of known and unknown items, as sbr eval would ask it. */
static void predict_once(const sbr_model *model, const sbr_vocab *vocab)
{
    const sbr_algo *a = model->algo;
    uint32_t items[4] = {SBR_ITEM_UNKNOWN, SBR_ITEM_UNKNOWN, SBR_ITEM_UNKNOWN, SBR_ITEM_UNKNOWN};
    if (vocab->n_items > 0) {
        items[0] = 0;
        items[1] = (uint32_t)(vocab->n_items - 1);
        items[3] = (uint32_t)(vocab->n_items / 2);
    }
    double times[4] = {1.6e9, 1.6e9 + 60, 1.6e9 + 120, 1.6e9 + 180};
    sbr_query q = {items, times, 4, 1.6e9 + 240, 10, NULL};
    sbr_scored out[10];
    size_t n_out = 0;
    sbr_err err;
    void *scratch = a->scratch_new(model);
    if (scratch == NULL)
        return; /* out of memory, also for an absurd but consistent size */
    a->predict(model, &q, scratch, out, &n_out, &err);
    a->scratch_free(scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *bytes = malloc(size > 0 ? size : 1);
    if (bytes == NULL)
        abort();
    if (size > 0)
        memcpy(bytes, data, size);
    if (size >= 4) {
        uint32_t crc = (uint32_t)crc32(0L, bytes, (uInt)(size - 4));
        for (int i = 0; i < 4; i++)
            bytes[size - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
    }
    char path[FUZZ_PATH];
    fuzz_path(path, sizeof path, ".model");
    if (fuzz_write(path, bytes, size) != 0)
        abort();
    free(bytes);

    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_vocab vocab;
    memset(&vocab, 0, sizeof vocab);
    sbr_model *model = NULL;
    sbr_err err;
    if (sbr_model_load(path, &spec, &vocab, &model, &err) == SBR_OK) {
        predict_once(model, &vocab);
        model->algo->free(model);
        sbr_vocab_fini(&vocab);
        sbr_spec_fini(&spec);
    }
    remove(path);
    return 0;
}
