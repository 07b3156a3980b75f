/* Fuzz target: the algorithm spec parser, sbr_spec_parse (algorithms/algo.c and each
 * algorithm's parameter table and check).
 *
 * Input: the spec text ("name:key=value,..."). A spec that parses is also written back with
 * sbr_algo_format_params and parsed again: a model file stores its parameters that way
 * (algorithms/model_file.c), so a configuration that cannot be re-read would make a saved
 * model unloadable. That failure aborts, which libFuzzer reports as a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/algo.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_err err;
    if (sbr_spec_parse(&spec, text, &err) == SBR_OK) {
        char params[2048], again[2200];
        sbr_algo_format_params(spec.algo, spec.config, params, sizeof params);
        snprintf(again, sizeof again, "%s%s%s", spec.algo->name, params[0] ? ":" : "", params);
        for (char *c = again; *c; c++)
            if (*c == ';')
                *c = ',';
        sbr_spec round = SBR_SPEC_EMPTY;
        if (sbr_spec_parse(&round, again, &err) != SBR_OK) {
            fprintf(stderr, "fuzz_spec: '%s' parsed, its parameters '%s' do not: %s\n", text, again,
                    err.msg);
            abort();
        }
        sbr_spec_fini(&round);
        sbr_spec_fini(&spec);
    }
    free(text);
    return 0;
}
