/* Spec lists: all or nothing, and an experiment's algorithms expanded into job specs. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_hook.h"
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

/* A grid's names and values are checked, and its combinations counted, before the
 * combinations are allocated: a 32768-combination grid whose first key is no parameter of the
 * algorithm used to allocate 16 MB of spec texts and 32768 job specs before saying so. */
static void test_a_grid_is_checked_before_it_is_allocated(void)
{
    sbr_experiment *x = calloc(1, sizeof *x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    strcpy(x->path, "big.ini");
    x->n_algos = 1;
    sbr_exp_algo *a = &x->algos[0];
    strcpy(a->label, "big");
    strcpy(a->spec, "sr");
    char *g = a->grid;
    const char *keys[] = {"nope", "steps", "pruning"};
    for (int k = 0; k < 3; k++) {
        g += sprintf(g, "%s%s=", k ? "; " : "", keys[k]);
        for (int v = 1; v <= 32; v++)
            g += sprintf(g, "%s%d", v > 1 ? "|" : "", v);
    }
    sbr_job_spec *j = NULL;
    size_t n = 0;
    bool bad = false;
    sbr_err e = {SBR_OK, ""};
    if (alloc_hook_available())
        alloc_guard_begin();
    sbr_rc rc = sbr_job_specs_expand(x, &j, &n, &bad, &e);
    if (alloc_hook_available()) {
        alloc_guard_end();
        CU_ASSERT(alloc_guard_bytes() < (1u << 20));
    }
    CU_ASSERT_EQUAL(rc, SBR_EINVAL);
    CU_ASSERT_TRUE(bad);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "big.ini: algo big"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nope"));
    sbr_job_specs_free(j, n);
    /* A bad value of a later key is found the same way, naming the value. */
    strcpy(a->grid, "steps=1|2|3; pruning=5|banana");
    CU_ASSERT_EQUAL(sbr_job_specs_expand(x, &j, &n, &bad, &e), SBR_EINVAL);
    CU_ASSERT_TRUE(bad);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "banana"));
    sbr_job_specs_free(j, n);
    /* More combinations than SBR_EXP_MAX_COMBINATIONS over the whole experiment: six valid
     * grids of 2000 (20 x 20 x 5), 12000 in all. */
    g = a->grid;
    g += sprintf(g, "steps=1");
    for (int v = 2; v <= 20; v++)
        g += sprintf(g, "|%d", v);
    g += sprintf(g, "; pruning=1");
    for (int v = 2; v <= 20; v++)
        g += sprintf(g, "|%d", v);
    sprintf(g, "; weighting=linear|same|div|log|quadratic");
    x->n_algos = 6;
    for (size_t i = 1; i < 6; i++) {
        x->algos[i] = x->algos[0];
        snprintf(x->algos[i].label, sizeof x->algos[i].label, "big%zu", i);
    }
    CU_ASSERT_EQUAL(sbr_job_specs_expand(x, &j, &n, &bad, &e), SBR_EINVAL);
    CU_ASSERT_FALSE(bad);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "combinations"));
    sbr_job_specs_free(j, n);
    free(x);
}

static CU_TestInfo tests[] = {
    {"a spec list parses all or nothing", test_a_spec_list_parses_all_or_nothing},
    {"an experiment expands into job specs in file order",
     test_an_experiment_expands_into_job_specs_in_file_order},
    {"a rejected combination names the file and the algorithm",
     test_a_rejected_combination_names_the_file_and_the_algorithm},
    {"a grid is checked before it is allocated", test_a_grid_is_checked_before_it_is_allocated},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_specs = {"specs", NULL, NULL, NULL, NULL, tests};
