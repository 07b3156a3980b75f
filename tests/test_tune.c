/* Hyperparameter search: spaces, bounds and choices, grids, determinism across threads and
 * across processes sharing the batches, and TPE beating random search on a synthetic
 * objective. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/tune.h"

static void test_spaces_parse_and_reject_bad_text(void)
{
    sbr_space sp;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(
        sbr_space_parse("m=int:100:2500; k=logint:5:1500; w=choice:div|quadratic; l=log:0.01:10;"
                        " a=real:0:1",
                        &sp, &e),
        SBR_OK);
    CU_ASSERT_EQUAL(sp.n, 5);
    CU_ASSERT_EQUAL(sp.dims[2].kind, SBR_DIM_CHOICE);
    CU_ASSERT_EQUAL(sp.dims[2].n_choices, 2);
    CU_ASSERT_STRING_EQUAL(sp.dims[2].choices[1], "quadratic");
    double x[5] = {100, 7, 1, 0.5, 0.25};
    char buf[256];
    CU_ASSERT_STRING_EQUAL(sbr_space_format(&sp, x, buf, sizeof buf),
                           "m=100,k=7,w=quadratic,l=0.5,a=0.25");
    CU_ASSERT_EQUAL(sbr_space_parse("m=int:5:1", &sp, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "LO <= HI"));
    CU_ASSERT_EQUAL(sbr_space_parse("m=cubic:1:5", &sp, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown kind 'cubic'"));
    CU_ASSERT_EQUAL(sbr_space_parse("l=log:0:5", &sp, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_space_parse("m=int:1.5:5", &sp, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_space_parse("m=int:1:5; m=int:1:5", &sp, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_space_parse("w=choice:", &sp, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(sbr_space_default("vmis"));
    CU_ASSERT_EQUAL(sbr_space_parse(sbr_space_default("vmis"), &sp, &e), SBR_OK);
}

/* A smooth objective with its optimum at m = 1700, k = 300, w = "b", l = 0.05. */
static sbr_rc peak(void *user, const double *x, double *value, sbr_err *err)
{
    (void)user;
    (void)err;
    double dm = (x[0] - 1700) / 2400, dk = (x[1] - 300) / 1450;
    double dl = (log(x[3]) - log(0.05)) / log(1000);
    *value = -(dm * dm + dk * dk + dl * dl) - (x[2] == 1 ? 0 : 0.05);
    return SBR_OK;
}

/* Larger is better toward m = k = 7. */
static sbr_rc peak2(void *user, const double *x, double *value, sbr_err *err)
{
    (void)user;
    (void)err;
    *value = -fabs(x[0] - 7) - fabs(x[1] - 7);
    return SBR_OK;
}

static const char *peak_space = "m=int:100:2500; k=int:50:1500; w=choice:a|b|c|d; l=log:0.01:10";

static void test_points_respect_bounds_integers_and_choices(void)
{
    sbr_space sp;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse(peak_space, &sp, &e), SBR_OK);
    sbr_tune_method methods[3] = {SBR_TUNE_RANDOM, SBR_TUNE_GRID, SBR_TUNE_TPE};
    for (int m = 0; m < 3; m++) {
        sbr_tune_options opt;
        sbr_tune_options_init(&opt);
        opt.method = methods[m];
        sbr_trial trials[60];
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 60, 4, 2, peak, NULL, trials, &e), SBR_OK);
        size_t bad = 0;
        for (int i = 0; i < 60; i++) {
            const double *x = trials[i].x;
            bad += x[0] < 100 || x[0] > 2500 || x[0] != floor(x[0]);
            bad += x[1] < 50 || x[1] > 1500 || x[1] != floor(x[1]);
            bad += x[2] < 0 || x[2] > 3 || x[2] != floor(x[2]);
            bad += x[3] < 0.01 || x[3] > 10;
        }
        CU_ASSERT_EQUAL(bad, 0);
    }
}

static void test_a_full_grid_visits_every_point_once(void)
{
    sbr_space sp;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse("a=int:1:3; b=choice:x|y", &sp, &e), SBR_OK);
    sbr_tune_options opt;
    sbr_tune_options_init(&opt);
    opt.method = SBR_TUNE_GRID;
    opt.grid_points = 3;
    sbr_tuner *t = sbr_tuner_new(&sp, &opt);
    CU_ASSERT_EQUAL_FATAL(sbr_tuner_grid_size(t), 6);
    int seen[4][2] = {{0}};
    for (size_t i = 0; i < 6; i++) {
        double x[2];
        CU_ASSERT_EQUAL(sbr_tuner_ask(t, i, x, &e), SBR_OK);
        seen[(int)x[0]][(int)x[1]]++;
    }
    for (int a = 1; a <= 3; a++)
        for (int b = 0; b < 2; b++)
            CU_ASSERT_EQUAL(seen[a][b], 1);
    sbr_tuner_free(t);
    sbr_tuner_free(NULL);
}

static void test_the_same_seed_gives_the_same_trials_for_1_and_2_threads(void)
{
    sbr_space sp;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse(peak_space, &sp, &e), SBR_OK);
    sbr_tune_method methods[3] = {SBR_TUNE_RANDOM, SBR_TUNE_GRID, SBR_TUNE_TPE};
    for (int m = 0; m < 3; m++) {
        sbr_tune_options opt;
        sbr_tune_options_init(&opt);
        opt.method = methods[m];
        opt.seed = 77;
        sbr_trial a[40], b[40], c[40];
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 40, 4, 1, peak, NULL, a, &e), SBR_OK);
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 40, 4, 2, peak, NULL, b, &e), SBR_OK);
        opt.seed = 78;
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 40, 4, 2, peak, NULL, c, &e), SBR_OK);
        size_t same = 0, same_other_seed = 0;
        for (int i = 0; i < 40; i++) {
            same += memcmp(a[i].x, b[i].x, sizeof a[i].x) == 0 && a[i].value == b[i].value;
            same_other_seed += memcmp(a[i].x, c[i].x, sizeof a[i].x) == 0;
        }
        CU_ASSERT_EQUAL(same, 40);
        CU_ASSERT(same_other_seed < 40);
    }
}

static double best_of(const sbr_trial *t, size_t n)
{
    double best = -INFINITY;
    for (size_t i = 0; i < n; i++)
        best = fmax(best, t[i].value);
    return best;
}

static void test_tpe_beats_random_search_on_average(void)
{
    /* Ten seeds, 50 trials each: the mean best objective of TPE must exceed random search's,
     * and TPE's later trials must concentrate near the optimum (better mean value). */
    sbr_space sp;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse(peak_space, &sp, &e), SBR_OK);
    double tpe_best = 0, random_best = 0, tpe_late = 0, random_late = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        sbr_tune_options opt;
        sbr_tune_options_init(&opt);
        opt.seed = seed;
        sbr_trial t[50], r[50];
        opt.method = SBR_TUNE_TPE;
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 50, 4, 2, peak, NULL, t, &e), SBR_OK);
        opt.method = SBR_TUNE_RANDOM;
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 50, 4, 2, peak, NULL, r, &e), SBR_OK);
        tpe_best += best_of(t, 50) / 10;
        random_best += best_of(r, 50) / 10;
        for (int i = 30; i < 50; i++) {
            tpe_late += t[i].value / 200;
            random_late += r[i].value / 200;
        }
    }
    printf("\n    mean best: TPE %.5f, random %.5f; mean of trials 30-49: TPE %.4f, random %.4f\n",
           tpe_best, random_best, tpe_late, random_late);
    CU_ASSERT(tpe_best > random_best);
    CU_ASSERT(tpe_late > random_late);
}

/* k <= m, as vmis requires; `never` rejects everything. */
static bool k_within_m(void *user, const double *x)
{
    return user == NULL && x[1] <= x[0];
}

static void test_every_proposal_passes_the_feasibility_rule(void)
{
    sbr_space sp;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse("m=int:1:10; k=int:1:10", &sp, &e), SBR_OK);
    sbr_tune_method methods[3] = {SBR_TUNE_RANDOM, SBR_TUNE_GRID, SBR_TUNE_TPE};
    for (int m = 0; m < 3; m++) {
        sbr_tune_options opt;
        sbr_tune_options_init(&opt);
        opt.method = methods[m];
        opt.grid_points = 10;
        opt.feasible = k_within_m;
        sbr_trial t[60], again[60];
        sbr_rc rc = sbr_tune_run(&sp, &opt, 60, 4, 2, peak2, NULL, t, &e);
        if (rc != SBR_OK)
            fprintf(stderr, "\n%d: %s\n", m, e.msg);
        CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
        size_t distinct_k = 0;
        for (int i = 0; i < 60; i++) {
            CU_ASSERT(t[i].x[1] <= t[i].x[0]);
            distinct_k += t[i].x[1] > 5; /* the search still reaches large k */
        }
        CU_ASSERT(distinct_k > 0);
        /* Redraws are deterministic too. */
        CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 60, 4, 1, peak2, NULL, again, &e), SBR_OK);
        for (int i = 0; i < 60; i++)
            CU_ASSERT(t[i].x[0] == again[i].x[0] && t[i].x[1] == again[i].x[1]);
        /* No feasible point at all is an error naming the trial, not a silent run. */
        opt.feasible_user = &e;
        CU_ASSERT_EQUAL(sbr_tune_run(&sp, &opt, 4, 4, 1, peak2, NULL, t, &e), SBR_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no point"));
    }
}

/* gsl_rng_uniform_int returns 0 (an error, with GSL's handler off) for n > 2^32 - 1, so a wide
 * integer range gave every trial its lower bound. Now wide ranges draw over the whole range;
 * bounds past 2^53 (not exact in a double) are refused. */
static void test_a_wide_integer_range_is_drawn_over_its_width(void)
{
    sbr_space sp;
    sbr_err e = {SBR_OK, ""};
    sbr_tune_options opt;
    sbr_tune_options_init(&opt);
    opt.method = SBR_TUNE_RANDOM;
    /* Narrow ranges keep their seeded sequence: trial 0 of int:1:100 with seed 1. */
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse("k=int:1:100; m=int:-5:5", &sp, &e), SBR_OK);
    sbr_tuner *t = sbr_tuner_new(&sp, &opt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    double y[2];
    CU_ASSERT_EQUAL(sbr_tuner_ask(t, 0, y, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(y[0], 21, 0); /* as drawn before wide ranges were supported */
    CU_ASSERT_DOUBLE_EQUAL(y[1], 2, 0);
    sbr_tuner_free(t);
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse("k=int:1:10000000000", &sp, &e), SBR_OK);
    t = sbr_tuner_new(&sp, &opt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    size_t above_32_bits = 0, at_lo = 0;
    double first = 0;
    bool all_same = true;
    for (size_t i = 0; i < 64; i++) {
        double x[1];
        CU_ASSERT_EQUAL_FATAL(sbr_tuner_ask(t, i, x, &e), SBR_OK);
        CU_ASSERT(x[0] >= 1 && x[0] <= 1e10);
        CU_ASSERT_EQUAL(x[0], floor(x[0]));
        above_32_bits += x[0] > 4294967296.0;
        at_lo += x[0] == 1;
        if (i == 0)
            first = x[0];
        all_same = all_same && x[0] == first;
    }
    CU_ASSERT_FALSE(all_same);
    CU_ASSERT(at_lo < 2);
    CU_ASSERT(above_32_bits > 32); /* 57% of the range lies above 2^32 */
    sbr_tuner_free(t);
    CU_ASSERT_EQUAL(sbr_space_parse("k=int:0:1e30", &sp, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "k"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "1e30"));
    CU_ASSERT_EQUAL(sbr_space_parse("k=logint:1:1e300", &sp, &e), SBR_EINVAL);
}

/* The objective, counting its calls (one thread). */
static sbr_rc counted_peak(void *user, const double *x, double *value, sbr_err *err)
{
    (*(size_t *)user)++;
    return peak(NULL, x, value, err);
}

/* The other ranks of a search spread over `size` processes, played in this one: the gather
 * hook evaluates the trials of the ranks this process is not, checking that this process
 * left them alone, and reports trial fail_at (when it is not this rank's) as failed. */
typedef struct fake_world {
    size_t rank, size, fail_at, gathers;
} fake_world;

static void fake_gather(void *user, sbr_trial *t, size_t start, size_t end, size_t *bad,
                        sbr_err *err)
{
    fake_world *w = user;
    w->gathers++;
    for (size_t i = start; i < end; i++) {
        if ((i - start) % w->size == w->rank)
            continue;
        CU_ASSERT(t[i].value == 0 && t[i].seconds == 0);
        sbr_err e;
        peak(NULL, t[i].x, &t[i].value, &e);
        if (i == w->fail_at && i < *bad) {
            *bad = i;
            sbr_err_set(err, SBR_EINVAL, "failed on rank %zu", (i - start) % w->size);
        }
    }
}

static void test_a_search_shared_over_processes_gives_the_trials_of_one(void)
{
    sbr_space sp;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_space_parse(peak_space, &sp, &e), SBR_OK);
    sbr_tune_options opt;
    sbr_tune_options_init(&opt);
    opt.seed = 5;
    sbr_trial one[40], shared[40];
    CU_ASSERT_EQUAL_FATAL(sbr_tune_run(&sp, &opt, 40, 8, 1, peak, NULL, one, &e), SBR_OK);
    for (size_t rank = 0; rank < 3; rank++) {
        fake_world w = {rank, 3, 1000, 0};
        sbr_tune_share share = {rank, 3, fake_gather, &w};
        size_t calls = 0;
        CU_ASSERT_EQUAL_FATAL(
            sbr_tune_run_shared(&sp, &opt, 40, 8, 1, &share, counted_peak, &calls, shared, &e),
            SBR_OK);
        /* Of each batch of 8 this rank evaluates k = rank, rank + 3, ...: 3, 3, 2. */
        CU_ASSERT_EQUAL(calls, 5 * (rank < 2 ? 3 : 2));
        CU_ASSERT_EQUAL(w.gathers, 5);
        size_t same = 0;
        for (int i = 0; i < 40; i++)
            same += memcmp(one[i].x, shared[i].x, sizeof one[i].x) == 0 &&
                    one[i].value == shared[i].value;
        CU_ASSERT_EQUAL(same, 40);
    }
    /* A trial failing on another rank fails the search with its error. */
    fake_world w = {0, 3, 17, 0};
    sbr_tune_share share = {0, 3, fake_gather, &w};
    CU_ASSERT_EQUAL(sbr_tune_run_shared(&sp, &opt, 40, 8, 1, &share, peak, NULL, shared, &e),
                    SBR_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "trial 17: failed on rank 1");
    CU_ASSERT_EQUAL(w.gathers, 3);
    /* A share that names no process. */
    sbr_tune_share none = {3, 3, fake_gather, &w};
    CU_ASSERT_EQUAL(sbr_tune_run_shared(&sp, &opt, 40, 8, 1, &none, peak, NULL, shared, &e),
                    SBR_EINVAL);
}

static CU_TestInfo tests[] = {
    {"every proposal passes the feasibility rule", test_every_proposal_passes_the_feasibility_rule},
    {"spaces parse and reject bad text", test_spaces_parse_and_reject_bad_text},
    {"a search shared over processes gives the trials of one",
     test_a_search_shared_over_processes_gives_the_trials_of_one},
    {"points respect bounds, integers and choices",
     test_points_respect_bounds_integers_and_choices},
    {"a full grid visits every point once", test_a_full_grid_visits_every_point_once},
    {"the same seed gives the same trials for 1 and 2 threads",
     test_the_same_seed_gives_the_same_trials_for_1_and_2_threads},
    {"TPE beats random search on average", test_tpe_beats_random_search_on_average},
    {"a wide integer range is drawn over its width",
     test_a_wide_integer_range_is_drawn_over_its_width},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_tune = {"tune", NULL, NULL, NULL, NULL, tests};
