/* Experiment files: parsing, errors with file and line, grid expansion. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "eval/experiment.h"
#include "test_util.h"

static sbr_rc load(const char *name, const char *text, sbr_experiment *x, sbr_err *e)
{
    return sbr_experiment_load(test_write_text(name, text), x, e);
}

static void test_a_full_experiment_file_is_read(void)
{
    setenv("SBR_DATA", "/data", 1);
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    const char *text =
        "# comment\n[run]\noutput = out\nthreads = 3\nseed = 9\ncutoffs = 5,20\n"
        "latency = no\n\n[dataset rsc]\ntrain = $SBR_DATA/a.tsv\n"
        "test = ${SBR_DATA}/b.tsv\noptional = yes\n\n[dataset music]\n"
        "files = /m/s0.tsv /m/s1.tsv\nsplit = last-days 1\n\n[dataset rr]\n"
        "file = /r.tsv\nsplit = preset retailrocket\n\n[dataset syn]\n"
        "synth = sessions=100\nsplit = windows 10 2 3 0 12\n\n[algo ar]\nspec = ar\n";
    sbr_rc rc = load("full.ini", text, x, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    CU_ASSERT_STRING_EQUAL(x->output, "out");
    CU_ASSERT_EQUAL(x->threads, 3);
    CU_ASSERT_EQUAL(x->seed, 9);
    CU_ASSERT_EQUAL(x->n_cutoffs, 2);
    CU_ASSERT_EQUAL(x->cutoffs[1], 20);
    CU_ASSERT_FALSE(x->latency);
    CU_ASSERT_EQUAL_FATAL(x->n_datasets, 4);
    CU_ASSERT_STRING_EQUAL(x->datasets[0].name, "rsc");
    CU_ASSERT_STRING_EQUAL(x->datasets[0].train, "/data/a.tsv");
    CU_ASSERT_STRING_EQUAL(x->datasets[0].test, "/data/b.tsv");
    CU_ASSERT_TRUE(x->datasets[0].optional);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[0]), 1);
    CU_ASSERT_EQUAL(x->datasets[1].n_files, 2);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[1]), 2);
    /* session-rec's retailrocket windows: 25 train days, 2 test, 5 slices, 0 offset, 27 shift. */
    CU_ASSERT_EQUAL(x->datasets[2].split, SBR_EXP_WINDOWS);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[2]), 5);
    CU_ASSERT_DOUBLE_EQUAL(x->datasets[2].windows.days_shift, 27, 0);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[3]), 3);
    CU_ASSERT_EQUAL(x->n_algos, 1);
    free(x);
}

static void test_errors_name_the_file_line_and_key(void)
{
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(load("badkey.ini", "[run]\nthreads = 2\ncolour = red\n", x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "badkey.ini:3:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "colour"));
    CU_ASSERT_EQUAL(load("badsplit.ini", "[dataset d]\nfile = x\nsplit = halves\n", x, &e),
                    SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "badsplit.ini:3:"));
    CU_ASSERT_EQUAL(load("badsec.ini", "[frobs]\na = b\n", x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown section [frobs]"));
    CU_ASSERT_EQUAL(load("nosplit.ini", "[dataset d]\nfile = x\n[algo a]\nspec = ar\n", x, &e),
                    SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "say how to split it"));
    CU_ASSERT_EQUAL(
        load("nospec.ini", "[dataset d]\ntrain = a\ntest = b\n[algo a]\ngrid = k=1\n", x, &e),
        SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "algo a has no spec"));
    CU_ASSERT_EQUAL(sbr_experiment_load("/nonexistent.ini", x, &e), SBR_EIO);
    free(x);
}

static void test_grids_expand_with_the_last_key_fastest_and_where_filters(void)
{
    sbr_exp_algo a;
    memset(&a, 0, sizeof a);
    strcpy(a.label, "vmis");
    strcpy(a.spec, "vmis:last_items=2");
    strcpy(a.grid, "m=50|100|500; k=100|50");
    strcpy(a.where, "k<=m");
    char(*specs)[SBR_EXP_SPEC] = NULL;
    size_t n = 0;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_OK);
    /* (50,100) fails k<=m; the rest in order. */
    CU_ASSERT_EQUAL_FATAL(n, 5);
    CU_ASSERT_STRING_EQUAL(specs[0], "vmis:last_items=2,m=50,k=50");
    CU_ASSERT_STRING_EQUAL(specs[1], "vmis:last_items=2,m=100,k=100");
    CU_ASSERT_STRING_EQUAL(specs[4], "vmis:last_items=2,m=500,k=50");
    free(specs);
    strcpy(a.spec, "sr");
    strcpy(a.grid, "steps=5");
    a.where[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(specs[0], "sr:steps=5");
    free(specs);
    strcpy(a.grid, "steps");
    CU_ASSERT_EQUAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_EINVAL);
    strcpy(a.grid, "steps=5");
    strcpy(a.where, "steps<=k");
    CU_ASSERT_EQUAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "two numeric grid keys"));
}

/* `algorithms = registry` adds every registered algorithm that no [algo] names, with its
 * defaults, after the listed ones; a listed name (with or without parameters) is not added
 * again. */
static void test_the_registry_fills_in_unlisted_algorithms(void)
{
    static sbr_experiment x;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(load("registry.ini",
                               "[run]\nalgorithms = registry\n[dataset d]\nsynth = seed=1\n"
                               "split = last-days 1\n[algo my-vmis]\nspec = vmis:k=5\n"
                               "[algo ar]\nspec = ar\n",
                               &x, &e),
                          SBR_OK);
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    CU_ASSERT_EQUAL_FATAL(x.n_algos, n);
    CU_ASSERT_STRING_EQUAL(x.algos[0].label, "my-vmis");
    CU_ASSERT_STRING_EQUAL(x.algos[1].spec, "ar");
    size_t k = 2;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i]->name, "vmis") == 0 || strcmp(all[i]->name, "ar") == 0)
            continue;
        CU_ASSERT_STRING_EQUAL(x.algos[k].spec, all[i]->name);
        CU_ASSERT_STRING_EQUAL(x.algos[k].label, all[i]->name);
        k++;
    }
    CU_ASSERT_EQUAL(load("bad.ini", "[run]\nalgorithms = some\n", &x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "listed|registry"));
    /* Without the key only the listed ones run. */
    CU_ASSERT_EQUAL_FATAL(load("listed.ini",
                               "[dataset d]\nsynth = seed=1\nsplit = last-days 1\n"
                               "[algo ar]\nspec = ar\n",
                               &x, &e),
                          SBR_OK);
    CU_ASSERT_EQUAL(x.n_algos, 1);
}

static CU_TestInfo tests[] = {
    {"the registry fills in unlisted algorithms", test_the_registry_fills_in_unlisted_algorithms},
    {"a full experiment file is read", test_a_full_experiment_file_is_read},
    {"errors name the file, line and key", test_errors_name_the_file_line_and_key},
    {"grids expand with the last key fastest, and where filters",
     test_grids_expand_with_the_last_key_fastest_and_where_filters},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_experiment = {"experiment", NULL, NULL, NULL, NULL, tests};
