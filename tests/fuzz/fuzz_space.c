/* Fuzz target: the tuning space parser, sbr_space_parse (eval/tune.c), and a tuner over every
 * space it accepts.
 *
 * Input: the space text ("m=int:100:2500; k=log:1:10; w=choice:a|b"). The parser's contract is
 * that an accepted space can be searched, so the target asks a random, a grid and a TPE tuner
 * (the latter after enough told trials to leave its random start-up) for proposals and aborts
 * when one lies outside the bounds (choices: outside 0..n_choices-1), then formats it.
 *
 * Every accepted space is searched, wide integer ranges included (they once were drawn as
 * their lower bound past 2^32 and cast out of range past 2^64: corpus/fuzz_space/). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "eval/tune.h"
#include "tests/fuzz/fuzz_util.h"

SBR_FUZZ_GSL_OFF_INIT

/* Aborts when x is not a point of sp. */
static void check_point(const sbr_space *sp, const double *x, const char *method)
{
    for (size_t i = 0; i < sp->n; i++) {
        const sbr_dim *d = &sp->dims[i];
        double lo = d->kind == SBR_DIM_CHOICE ? 0.0 : d->lo;
        double hi = d->kind == SBR_DIM_CHOICE ? (double)d->n_choices - 1 : d->hi;
        /* Integer kinds round to the nearest, so allow that half step; reals (exp of a log)
         * may miss a bound by round-off. */
        double slack =
            d->kind == SBR_DIM_REAL || d->kind == SBR_DIM_LOG ? 1e-9 * (fabs(lo) + fabs(hi)) : 0.5;
        if (!(x[i] >= lo - slack && x[i] <= hi + slack)) {
            fprintf(stderr, "fuzz_space: %s proposed %s = %g outside [%g, %g]\n", method, d->name,
                    x[i], lo, hi);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    sbr_space *sp = malloc(sizeof *sp);
    if (sp == NULL)
        abort();
    sbr_err err;
    if (sbr_space_parse(text, sp, &err) == SBR_OK) {
        static const sbr_tune_method methods[] = {SBR_TUNE_RANDOM, SBR_TUNE_GRID, SBR_TUNE_TPE};
        static const char *const names[] = {"random", "grid", "tpe"};
        for (size_t m = 0; m < 3; m++) {
            sbr_tune_options opt;
            sbr_tune_options_init(&opt);
            opt.method = methods[m];
            opt.n_startup = 2;
            opt.n_candidates = 4;
            sbr_tuner *t = sbr_tuner_new(sp, &opt);
            if (t == NULL)
                abort();
            double x[SBR_SPACE_MAX_DIMS];
            for (size_t trial = 0; trial < 4; trial++) {
                if (sbr_tuner_ask(t, trial, x, &err) != SBR_OK)
                    break;
                check_point(sp, x, names[m]);
                char buf[4096];
                sbr_space_format(sp, x, buf, sizeof buf);
                if (sbr_tuner_tell(t, x, (double)(trial % 3), &err) != SBR_OK)
                    break;
            }
            sbr_tuner_free(t);
        }
    }
    free(sp);
    free(text);
    return 0;
}
