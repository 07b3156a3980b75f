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
    int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    sbr_vocab v;
    CU_ASSERT_EQUAL_FATAL(sbr_vocab_from_dataset(ds, &v, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, spec, &e), SBR_OK);
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(sp.algo, sp.config, ds, &m, &e), SBR_OK);
    omp_set_num_threads(before);
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%d.sbrm", test_tmpdir(), sp.algo->name, threads);
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(m, &sp, &v, path, &e), SBR_OK);
    char *bytes = test_read_file(path, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    m->algo->free(m);
    sbr_spec_fini(&sp);
    sbr_vocab_fini(&v);
    return bytes;
}

/* Sessions over 60 items where every item i is followed by (i * 7 + 3) mod 60: the next item is
 * a function of the last one, which STAMP's h_t term can represent. */
sbr_dataset *successor_sessions(uint32_t seed, size_t n_sessions)
{
    gsl_rng *r = sbr_rng_new(seed);
    sbr_click *c = malloc(n_sessions * 8 * sizeof *c);
    CU_ASSERT_FATAL(c != NULL);
    size_t n = 0;
    for (uint64_t s = 1; s <= n_sessions; s++) {
        uint64_t item = gsl_rng_uniform_int(r, 60), len = 2 + gsl_rng_uniform_int(r, 6);
        for (uint64_t k = 0; k < len; k++, n++) {
            c[n] = (sbr_click){s, 1 + item, (double)(s * 100 + k), n};
            item = (item * 7 + 3) % 60;
        }
    }
    gsl_rng_free(r);
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, n, &ds, &e), SBR_OK);
    free(c);
    return ds;
}
