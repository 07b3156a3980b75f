/* Fuzz target: the experiment INI parser, sbr_experiment_load (eval/experiment.c over
 * libinih), then sbr_exp_expand on every [algo] section it accepted.
 *
 * Input: the experiment file's bytes, written to a ".conf" scratch file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "eval/experiment.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH];
    fuzz_path(path, sizeof path, ".conf");
    if (fuzz_write(path, data, size) != 0)
        abort();
    sbr_experiment *x = malloc(sizeof *x); /* large: see experiment.h */
    if (x == NULL)
        abort();
    sbr_err err;
    if (sbr_experiment_load(path, x, &err) == SBR_OK) {
        for (size_t i = 0; i < x->n_algos; i++) {
            char(*specs)[SBR_EXP_SPEC] = NULL;
            size_t n = 0;
            if (sbr_exp_expand(&x->algos[i], &specs, &n, &err) == SBR_OK)
                free(specs);
        }
    }
    free(x);
    remove(path);
    return 0;
}
