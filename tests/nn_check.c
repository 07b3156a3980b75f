#include "nn_check.h"

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/rng.h"
#include "data/vocab.h"
#include "test_util.h"

fd_result fd_check(const char *what, float *x, size_t n, const float *grad, loss_fn f, void *ctx,
                   float h, double rel, double abs_floor)
{
    fd_result r = {0, 0, 0};
    size_t step = n > FD_MAX_CHECKS ? n / FD_MAX_CHECKS : 1;
    for (size_t i = 0; i < n; i += step) {
        float keep = x[i];
        x[i] = keep + h;
        double up = f(ctx);
        x[i] = keep - h;
        double down = f(ctx);
        x[i] = keep;
        /* The step actually taken in float. */
        double taken = (double)(keep + h) - (double)(keep - h);
        double fd = (up - down) / taken, a = (double)grad[i];
        double scale = fmax(fabs(a), fabs(fd));
        double err = fabs(a - fd);
        if (scale >= 10 * abs_floor)
            r.max_rel = fmax(r.max_rel, err / scale);
        r.max_abs = fmax(r.max_abs, err);
        if (err > rel * scale + abs_floor) {
            if (r.n_bad++ < 3)
                fprintf(stderr, "\n    %s[%zu]: analytic %.6g, finite difference %.6g", what, i, a,
                        fd);
        }
    }
    printf("\n    %-30s max relative error %.2e, max absolute %.2e", what, r.max_rel, r.max_abs);
    return r;
}

char *fit_and_save(const char *spec, const sbr_dataset *ds, int threads, size_t *len)
{
    char path[512];
    return test_fit_and_save(spec, ds, threads, len, path, sizeof path);
}

/* Sessions of 2..7 clicks following the successor rule (tests/test_util.h). */
sbr_dataset *successor_sessions(uint32_t seed, size_t n_sessions)
{
    return test_successor_sessions(seed, n_sessions, 7);
}
