/* Fuzz target: the grid expansion of an experiment's [algo] section, sbr_exp_expand
 * (eval/experiment.c), fed directly so it stays reachable whatever the INI layer does.
 *
 * Input: three lines, "spec\ngrid\nwhere", each cut to its field's size as the INI parser
 * would (the label is fixed).
 *
 * sbr_exp_expand checks the number of combinations before it allocates them (it once did not:
 * the 8M-combination grid in corpus/fuzz_expand/ asked for 4 GB), so no grid is skipped. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/experiment.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

/* Copies the next line of *text (up to '\n' or the end) into field, truncated to size. */
static void next_line(char **text, char *field, size_t size)
{
    char *nl = strchr(*text, '\n');
    size_t len = nl != NULL ? (size_t)(nl - *text) : strlen(*text);
    size_t keep = len < size - 1 ? len : size - 1;
    memcpy(field, *text, keep);
    field[keep] = '\0';
    *text += len + (nl != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    sbr_exp_algo a;
    memset(&a, 0, sizeof a);
    strcpy(a.label, "fuzz");
    char *at = text;
    next_line(&at, a.spec, sizeof a.spec);
    next_line(&at, a.grid, sizeof a.grid);
    next_line(&at, a.where, sizeof a.where);

    char(*specs)[SBR_EXP_SPEC] = NULL;
    size_t n = 0;
    sbr_err err;
    if (sbr_exp_expand(&a, &specs, &n, &err) == SBR_OK)
        free(specs);
    free(text);
    return 0;
}
