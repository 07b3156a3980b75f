/* Spec lists: all or nothing, and an experiment's algorithms expanded into job specs. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/specs.h"
#include "test_util.h"

static void test_a_spec_list_parses_all_or_nothing(void)
{
    sbr_err e = {SBR_OK, ""};
    const char *good[] = {"ar", "sr:steps=5", "pop"};
    sbr_spec out[3] = {SBR_SPEC_EMPTY, SBR_SPEC_EMPTY, SBR_SPEC_EMPTY};
    CU_ASSERT_EQUAL_FATAL(sbr_specs_parse(good, 3, out, &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(out[1].algo->name, "sr");
    CU_ASSERT_PTR_NOT_NULL(out[2].config);
    sbr_specs_fini(out, 3);
    const char *bad[] = {"ar", "sr:steps=0", "pop"};
    sbr_spec again[3] = {SBR_SPEC_EMPTY, SBR_SPEC_EMPTY, SBR_SPEC_EMPTY};
    CU_ASSERT_EQUAL(sbr_specs_parse(bad, 3, again, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "steps"));
    CU_ASSERT_PTR_NULL(again[0].config); /* released: nothing leaks (ASan checks) */
    CU_ASSERT_EQUAL(sbr_specs_parse(bad, 0, again, &e), SBR_OK);
}

/* The experiment in text, or NULL when the loader rejects it (a failure when must_load). */
static sbr_experiment *load(const char *name, const char *text, bool must_load)
{
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    if (sbr_experiment_load(test_write_text(name, text), x, &e) != SBR_OK) {
        if (must_load)
            CU_FAIL(e.msg);
        free(x);
        return NULL;
    }
    return x;
}

static void test_an_experiment_expands_into_job_specs_in_file_order(void)
{
    sbr_experiment *x = load("jobs.ini",
                             "[run]\noutput = out\n"
                             "[dataset d]\nsynth = sessions=100\nsplit = last-days 1\n"
                             "[algo a]\nspec = sr\ngrid = steps=1|2\n"
                             "[algo b]\nspec = pop\n",
                             true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    sbr_job_spec *j = NULL;
    size_t n = 0;
    bool bad = true;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_job_specs_expand(x, &j, &n, &bad, &e), SBR_OK);
    CU_ASSERT_FALSE(bad);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(j[0].spec.algo->name, "sr");
    CU_ASSERT_STRING_EQUAL(j[0].params, "steps=1;weighting=div;pruning=20");
    CU_ASSERT_STRING_EQUAL(j[1].params, "steps=2;weighting=div;pruning=20");
    CU_ASSERT_STRING_EQUAL(j[2].spec.algo->name, "pop");
    sbr_job_specs_free(j, n);
    sbr_job_specs_free(NULL, 0);
    free(x);
}

static void test_a_rejected_combination_names_the_file_and_the_algorithm(void)
{
    sbr_experiment *x = load("badjobs.ini",
                             "[run]\noutput = out\n"
                             "[dataset d]\nsynth = sessions=100\n"
                             "split = last-days 1\n"
                             "[algo first]\nspec = pop\n"
                             "[algo v]\nspec = vmis:k=50\ngrid = m=100|10\n",
                             true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    sbr_job_spec *j = NULL;
    size_t n = 0;
    bool bad = false;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_job_specs_expand(x, &j, &n, &bad, &e), SBR_EINVAL);
    CU_ASSERT_TRUE(bad);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "badjobs.ini: algo v: vmis: k=50"));
    sbr_job_specs_free(j, n);
    free(x);
    x = load("badgrid.ini",
             "[run]\noutput = out\n"
             "[dataset d]\nsynth = sessions=100\nsplit = last-days 1\n"
             "[algo a]\nspec = sr\ngrid = steps\n",
             false);
    if (x == NULL)
        return; /* the loader may already reject the grid */
    bad = true;
    CU_ASSERT_NOT_EQUAL(sbr_job_specs_expand(x, &j, &n, &bad, &e), SBR_OK);
    CU_ASSERT_FALSE(bad); /* a malformed grid is not a rejected spec */
    sbr_job_specs_free(j, n);
    free(x);
}

static CU_TestInfo tests[] = {
    {"a spec list parses all or nothing", test_a_spec_list_parses_all_or_nothing},
    {"an experiment expands into job specs in file order",
     test_an_experiment_expands_into_job_specs_in_file_order},
    {"a rejected combination names the file and the algorithm",
     test_a_rejected_combination_names_the_file_and_the_algorithm},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_specs = {"specs", NULL, NULL, NULL, NULL, tests};
