/* Fuzz target: the tuning space parser, sbr_space_parse (eval/tune.c), and sbr_space_format
 * on the lower corner of every space it accepts.
 *
 * Input: the space text ("m=int:100:2500; k=log:1:10; w=choice:a|b"). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "eval/tune.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    sbr_space *sp = malloc(sizeof *sp);
    if (sp == NULL)
        abort();
    sbr_err err;
    if (sbr_space_parse(text, sp, &err) == SBR_OK) {
        double x[SBR_SPACE_MAX_DIMS];
        for (size_t i = 0; i < sp->n; i++)
            x[i] = sp->dims[i].kind == SBR_DIM_CHOICE ? 0.0 : sp->dims[i].lo;
        char buf[4096];
        sbr_space_format(sp, x, buf, sizeof buf);
    }
    free(sp);
    free(text);
    return 0;
}
