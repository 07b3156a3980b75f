/* The tuning study of `sbr tune`: objectives, specs of points, set-up errors, trials. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/load.h"
#include "data/split.h"
#include "data/synth.h"
#include "eval/exp_tune.h"
#include "eval/study.h"
#include "test_util.h"

static void test_objectives_parse_as_metric_at_cutoff(void)
{
    sbr_objective_metric m = SBR_OBJ_MRR;
    size_t cut = 0;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_objective_parse("hr@10", &m, &cut, &e), SBR_OK);
    CU_ASSERT_EQUAL(m, SBR_OBJ_HR);
    CU_ASSERT_EQUAL(cut, 10);
    CU_ASSERT_EQUAL(sbr_objective_parse("coverage@1", &m, &cut, &e), SBR_OK);
    CU_ASSERT_EQUAL(m, SBR_OBJ_COVERAGE);
    CU_ASSERT_STRING_EQUAL(sbr_objective_name(m), "coverage");
    const char *bad[] = {"auc@20", "mrr", "mrr@0", "mrr@x", "m@20", "mrrr@20", "@20"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = SBR_OBJ_NDCG;
        cut = 7;
        CU_ASSERT_EQUAL(sbr_objective_parse(bad[i], &m, &cut, &e), SBR_EINVAL);
        CU_ASSERT_EQUAL(m, SBR_OBJ_NDCG); /* untouched on failure */
        CU_ASSERT_EQUAL(cut, 7);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "--objective '@20': use METRIC@N"));
    sbr_eval_metrics em;
    memset(&em, 0, sizeof em);
    em.mrr = 0.1;
    em.hr = 0.2;
    em.ndcg = 0.3;
    em.precision = 0.4;
    em.recall = 0.5;
    em.coverage = 0.6;
    CU_ASSERT_DOUBLE_EQUAL(sbr_objective_value(&em, SBR_OBJ_MRR), 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(sbr_objective_value(&em, SBR_OBJ_RECALL), 0.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(sbr_objective_value(&em, SBR_OBJ_COVERAGE), 0.6, 0);
}

static void test_a_study_checks_its_spec_and_space(void)
{
    sbr_study st;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_study_init(&st, "nope", NULL, SBR_OBJ_MRR, 20, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_study_init(&st, "sr", "depth=int:1:3", SBR_OBJ_MRR, 20, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "the space does not fit sr: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "depth"));
    CU_ASSERT_EQUAL(sbr_study_init(&st, "sr", "steps=int:1", SBR_OBJ_MRR, 20, &e), SBR_EINVAL);
    CU_ASSERT_EQUAL_FATAL(sbr_study_init(&st, "sr", NULL, SBR_OBJ_HR, 10, &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(st.algo->name, "sr");
    CU_ASSERT(st.space.n >= 1); /* the default space */
    CU_ASSERT_EQUAL(st.cutoff, 10);
    CU_ASSERT_EQUAL_FATAL(
        sbr_study_init(&st, "sr:pruning=10", "steps=int:1:9", SBR_OBJ_MRR, 20, &e), SBR_OK);
    double x[1] = {4};
    char spec[256];
    sbr_study_spec(&st, x, spec, sizeof spec);
    CU_ASSERT_STRING_EQUAL(spec, "sr:pruning=10,steps=4");
    CU_ASSERT_EQUAL_FATAL(sbr_study_init(&st, "sr", "steps=int:1:9", SBR_OBJ_MRR, 20, &e), SBR_OK);
    sbr_study_spec(&st, x, spec, sizeof spec);
    CU_ASSERT_STRING_EQUAL(spec, "sr:steps=4");
}

static void test_the_best_trial_is_the_first_largest(void)
{
    sbr_trial tr[4];
    memset(tr, 0, sizeof tr);
    tr[0].value = 0.1;
    tr[1].value = 0.3;
    tr[2].value = 0.2;
    tr[3].value = 0.3;
    CU_ASSERT_EQUAL(sbr_trials_best(tr, 4), 1);
    CU_ASSERT_EQUAL(sbr_trials_best(tr, 1), 0);
    CU_ASSERT_EQUAL(sbr_trials_best(tr, 0), 0);
    CU_ASSERT_STRING_EQUAL(sbr_tune_method_name(SBR_TUNE_TPE), "tpe");
    CU_ASSERT_STRING_EQUAL(sbr_tune_method_name(SBR_TUNE_RANDOM), "random");
    CU_ASSERT_STRING_EQUAL(sbr_tune_method_name(SBR_TUNE_GRID), "grid");
}

static void test_the_trials_file_holds_every_trial(void)
{
    sbr_study st;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(
        sbr_study_init(&st, "sr", "steps=int:1:9; weighting=choice:div|log", SBR_OBJ_MRR, 20, &e),
        SBR_OK);
    sbr_trial tr[3];
    memset(tr, 0, sizeof tr);
    tr[0].x[0] = 2, tr[0].x[1] = 1, tr[0].value = 0.25, tr[0].seconds = 1.5;
    tr[1].x[0] = 3, tr[1].x[1] = 0, tr[1].value = 0.125, tr[1].seconds = 0.25;
    tr[2].x[0] = 9, tr[2].x[1] = 0, tr[2].value = 0.5, tr[2].seconds = 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/trials.csv", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_study_write_trials(&st, path, SBR_TUNE_GRID, 7, tr, 3, &e), SBR_OK);
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "trial,method,seed,params,objective,best_so_far,seconds\n"
                                 "0,grid,7,steps=2;weighting=log,0.25,0.25,1.500\n"
                                 "1,grid,7,steps=3;weighting=div,0.125,0.25,0.250\n"
                                 "2,grid,7,steps=9;weighting=div,0.5,0.5,2.000\n");
    free(text);
}

/* 400 synthetic sessions over 60 items and 4 days, written to `name` and read back. */
static sbr_dataset *small_synthetic(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    sbr_synth_options so;
    sbr_synth_options_init(&so);
    so.sessions = 400;
    so.items = 60;
    so.days = 4;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_synth_write(&so, path, NULL, NULL, NULL, &e), SBR_OK);
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_dataset *ds = NULL;
    sbr_load_stats ls;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &lo, &ds, &ls, &e), SBR_OK);
    return ds;
}

static void test_a_study_runs_the_same_for_any_thread_count(void)
{
    sbr_dataset *ds = small_synthetic("study.tsv");
    sbr_err e = {SBR_OK, ""};
    sbr_split sp;
    CU_ASSERT_EQUAL_FATAL(sbr_split_last_days(ds, 1, &sp, &e), SBR_OK);
    sbr_study st;
    CU_ASSERT_EQUAL_FATAL(sbr_study_init(&st, "sr", "steps=int:1:6", SBR_OBJ_HR, 5, &e), SBR_OK);
    st.fit = sp.train;
    st.valid = sp.test;
    sbr_tune_options to;
    sbr_tune_options_init(&to);
    to.method = SBR_TUNE_RANDOM;
    sbr_trial a[5], b[5];
    CU_ASSERT_EQUAL(sbr_study_run(&st, &to, 5, 1, a, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_study_run(&st, &to, 5, 2, b, &e), SBR_OK);
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT_DOUBLE_EQUAL(a[i].x[0], b[i].x[0], 0);
        CU_ASSERT_DOUBLE_EQUAL(a[i].value, b[i].value, 0);
        CU_ASSERT(a[i].value >= 0 && a[i].value <= 1);
    }
    /* the trial's value is the score of its spec */
    char spec[256];
    sbr_study_spec(&st, a[2].x, spec, sizeof spec);
    double v = -1;
    sbr_eval_metrics m;
    CU_ASSERT_EQUAL(sbr_study_score(&st, spec, sp.train, sp.test, &v, &m, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, a[2].value, 0);
    CU_ASSERT_DOUBLE_EQUAL(m.hr, v, 0);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

/* [tune] of sbr run (eval/exp_tune.h): the winner is the best trial's spec and scores its
 * validation value; a second search with the same inputs is read back from tuned.csv; a
 * changed budget searches again and replaces the row. */
static void test_an_experiment_tunes_once_per_inputs(void)
{
    char path[4096], dir[1000];
    snprintf(dir, sizeof dir, "%s/exptune", test_tmpdir());
    snprintf(path, sizeof path, "%s/tuned", dir);
    mkdir(dir, 0777);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/tuned.csv", dir);
    remove(path);
    sbr_dataset *ds = small_synthetic("exptune.tsv");
    sbr_err e = {SBR_OK, ""};
    sbr_split sp;
    CU_ASSERT_EQUAL_FATAL(sbr_split_last_sessions(ds, 0.2, &sp, &e), SBR_OK);
    static sbr_experiment x;
    memset(&x, 0, sizeof x);
    snprintf(x.output, sizeof x.output, "%s", dir);
    x.threads = 2;
    x.seed = 3;
    x.cutoffs[0] = 5;
    x.n_cutoffs = 1;
    x.tune.trials = 4;
    x.tune.valid = 0.2;
    sbr_exp_algo a;
    memset(&a, 0, sizeof a);
    snprintf(a.label, sizeof a.label, "sr");
    snprintf(a.spec, sizeof a.spec, "sr:weighting=div");
    sbr_tuned t, again;
    CU_ASSERT_EQUAL_FATAL(sbr_exp_tune_section(&x, "syn", &a, &sp, &t, &e), SBR_OK);
    CU_ASSERT(!t.cached);
    CU_ASSERT(t.best_trial < 4);
    CU_ASSERT_EQUAL(strncmp(t.spec, "sr:", 3), 0);
    /* The winner, scored again on its own, gives its validation value. */
    sbr_study st;
    CU_ASSERT_EQUAL_FATAL(sbr_study_init(&st, "sr", NULL, SBR_OBJ_MRR, 5, &e), SBR_OK);
    double v = -1;
    CU_ASSERT_EQUAL(sbr_study_score(&st, t.spec, sp.train, sp.test, &v, NULL, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, t.valid, 1e-12);
    char trials[4096];
    snprintf(trials, sizeof trials, "%s/tuned/syn.sr.csv", dir);
    char *text = test_read_file(trials, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 5); /* header and 4 trials */
    free(text);
    CU_ASSERT_EQUAL(sbr_exp_tune_section(&x, "syn", &a, &sp, &again, &e), SBR_OK);
    CU_ASSERT(again.cached);
    CU_ASSERT_STRING_EQUAL(again.spec, t.spec);
    CU_ASSERT_DOUBLE_EQUAL(again.valid, t.valid, 1e-15);
    x.tune.trials = 5;
    CU_ASSERT_EQUAL(sbr_exp_tune_section(&x, "syn", &a, &sp, &again, &e), SBR_OK);
    CU_ASSERT(!again.cached);
    CU_ASSERT(again.valid >= t.valid); /* the same first 4 random trials and one more */
    text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 2); /* header and the one (syn, sr) row, replaced */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ",5,random,3,"));
    free(text);
    sbr_split_fini(&sp);
    sbr_dataset_free(ds);
}

static CU_TestInfo tests[] = {
    {"an experiment tunes once per inputs", test_an_experiment_tunes_once_per_inputs},
    {"objectives parse as METRIC@N", test_objectives_parse_as_metric_at_cutoff},
    {"a study checks its spec and space", test_a_study_checks_its_spec_and_space},
    {"the best trial is the first largest", test_the_best_trial_is_the_first_largest},
    {"the trials file holds every trial", test_the_trials_file_holds_every_trial},
    {"a study runs the same for any thread count", test_a_study_runs_the_same_for_any_thread_count},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_study = {"study", NULL, NULL, NULL, NULL, tests};
