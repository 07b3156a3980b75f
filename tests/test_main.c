/* The CUnit test runner: `sbr_tests` runs every suite, `sbr_tests -s NAME` one suite.
 * The exit code is 1 when any assertion or suite set-up failed (CUnit's own run functions
 * report success even then), and 77 ("skipped" for ctest) when a suite's data is missing. */
#include <CUnit/Basic.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "algorithms/nn/blas.h"
#include "algorithms/nn/runtime.h"
#include "test_util.h"

extern CU_SuiteInfo sbr_suite_parse, sbr_suite_table, sbr_suite_load, sbr_suite_cache,
    sbr_suite_dataset, sbr_suite_prepare, sbr_suite_split, sbr_suite_stats, sbr_suite_algo,
    sbr_suite_eval, sbr_suite_synth, sbr_suite_experiment, sbr_suite_tune, sbr_suite_shared_data,
    sbr_suite_baselines, sbr_suite_vmis, sbr_suite_vmis_data, sbr_suite_sknn, sbr_suite_sknn_data,
    sbr_suite_stan, sbr_suite_stan_data, sbr_suite_resume, sbr_suite_summary, sbr_suite_study,
    sbr_suite_lists, sbr_suite_specs, sbr_suite_job, sbr_suite_models, sbr_suite_models_data,
    sbr_suite_faults, sbr_suite_session_store, sbr_suite_server, sbr_suite_item2vec,
    sbr_suite_item2vec_data, sbr_suite_store, sbr_suite_signif, sbr_suite_compare, sbr_suite_nn,
    sbr_suite_plotdata, sbr_suite_gru4rec, sbr_suite_gru4rec_data, sbr_suite_gnn,
    sbr_suite_stamp_data;

static CU_SuiteInfo *const all_suites[] = {
    &sbr_suite_parse,         &sbr_suite_table,        &sbr_suite_load,
    &sbr_suite_cache,         &sbr_suite_dataset,      &sbr_suite_prepare,
    &sbr_suite_split,         &sbr_suite_stats,        &sbr_suite_algo,
    &sbr_suite_eval,          &sbr_suite_synth,        &sbr_suite_experiment,
    &sbr_suite_tune,          &sbr_suite_shared_data,  &sbr_suite_baselines,
    &sbr_suite_vmis,          &sbr_suite_vmis_data,    &sbr_suite_sknn,
    &sbr_suite_sknn_data,     &sbr_suite_stan,         &sbr_suite_stan_data,
    &sbr_suite_resume,        &sbr_suite_summary,      &sbr_suite_study,
    &sbr_suite_lists,         &sbr_suite_specs,        &sbr_suite_job,
    &sbr_suite_models,        &sbr_suite_models_data,  &sbr_suite_faults,
    &sbr_suite_session_store, &sbr_suite_server,       &sbr_suite_item2vec,
    &sbr_suite_item2vec_data, &sbr_suite_store,        &sbr_suite_signif,
    &sbr_suite_compare,       &sbr_suite_nn,           &sbr_suite_plotdata,
    &sbr_suite_gru4rec,       &sbr_suite_gru4rec_data, &sbr_suite_gnn,
    &sbr_suite_stamp_data,
};

/* Suites that read the real datasets under SBR_DATA. */
static int needs_data(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "baselines") == 0 || (n > 5 && strcmp(name + n - 5, "_data") == 0);
}

int main(int argc, char **argv)
{
    /* As in the program: better OpenBLAS kernels where it fell back and threads that sleep
     * while they wait (algorithms/nn/runtime.h), and GSL's default handler, which aborts, off:
     * sbr checks every status instead. */
    sbr_runtime_reexec(argv);
    const char *needs = NULL, *core = sbr_blas_unrunnable_core(&needs);
    if (core != NULL) {
        fprintf(stderr,
                "%s: OPENBLAS_CORETYPE=%s needs %s, which this CPU does not have; unset it\n",
                argv[0], core, needs);
        return 2;
    }
    gsl_set_error_handler_off();
    const char *only = NULL;
    if (argc == 3 && strcmp(argv[1], "-s") == 0) {
        only = argv[2];
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [-s SUITE]\n", argv[0]);
        return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    size_t n_suites = sizeof all_suites / sizeof all_suites[0], registered = 0;
    for (size_t i = 0; i < n_suites; i++) {
        CU_SuiteInfo one[2] = {*all_suites[i], CU_SUITE_INFO_NULL};
        if (only != NULL && strcmp(one[0].pName, only) != 0)
            continue;
        if (needs_data(one[0].pName) && test_data_dir() == NULL) {
            printf("suite %s skipped: no data folder (set SBR_DATA)\n", one[0].pName);
            if (only != NULL) {
                CU_cleanup_registry();
                return 77;
            }
            continue;
        }
        if (CU_register_suites(one) != CUE_SUCCESS) {
            fprintf(stderr, "cannot register suite %s: %s\n", one[0].pName, CU_get_error_msg());
            return 1;
        }
        registered++;
    }
    if (registered == 0 && only != NULL) {
        fprintf(stderr, "no suite named %s\n", only);
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed() +
                        CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failures != 0;
}
