/* The jobs of an experiment: slice names and files, loading slices, datasets.csv rows, and
 * one job evaluated and appended. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/job.h"
#include "eval/resume.h"
#include "test_util.h"

static void test_file_stems_drop_folders_and_data_endings(void)
{
    char out[64];
    sbr_job_file_stem("data/rsc15/train_full.tsv.gz", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "train_full");
    sbr_job_file_stem("clicks.dat", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "clicks");
    sbr_job_file_stem("a/b.csv.txt", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "b");
    sbr_job_file_stem("x/.gz", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, ".gz"); /* nothing would be left */
    sbr_job_file_stem("x/v1.2.tsv", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "v1.2");
}

static void test_slices_are_named_by_how_they_are_cut(void)
{
    sbr_exp_dataset d;
    char out[64];
    memset(&d, 0, sizeof d);
    snprintf(d.train, sizeof d.train, "in/train_tr.tsv.gz");
    snprintf(d.test, sizeof d.test, "in/test.tsv.gz");
    sbr_job_slice_name(&d, 0, "", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "train_tr");
    CU_ASSERT_PTR_NULL(sbr_job_slice_file(&d, 0, ""));
    memset(&d, 0, sizeof d);
    d.split = SBR_EXP_WINDOWS;
    snprintf(d.synth, sizeof d.synth, "sessions=10");
    sbr_job_slice_name(&d, 3, "out/data/s.tsv.gz", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "window3");
    CU_ASSERT_STRING_EQUAL(sbr_job_slice_file(&d, 3, "out/data/s.tsv.gz"), "out/data/s.tsv.gz");
    memset(&d, 0, sizeof d);
    d.split = SBR_EXP_LAST_DAYS;
    d.last_days = 2.5;
    d.n_files = 2;
    snprintf(d.files[0], sizeof d.files[0], "a/slice0.tsv");
    snprintf(d.files[1], sizeof d.files[1], "a/slice1.tsv");
    sbr_job_slice_name(&d, 1, "", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "slice1");
    CU_ASSERT_STRING_EQUAL(sbr_job_slice_file(&d, 1, ""), "a/slice1.tsv");
    d.joined = true;
    sbr_job_slice_name(&d, 0, "", out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "last2.5d");
    CU_ASSERT_STRING_EQUAL(sbr_job_slice_file(&d, 1, ""), "a/slice0.tsv");
}

static void test_a_job_on_a_given_split_appends_its_rows(void)
{
    sbr_experiment *x = calloc(1, sizeof *x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    x->threads = 1;
    x->seed = 1;
    x->n_cutoffs = 2;
    x->cutoffs[0] = 1;
    x->cutoffs[1] = 3;
    sbr_exp_dataset *d = &x->datasets[0];
    snprintf(d->name, sizeof d->name, "small");
    snprintf(d->train, sizeof d->train, "%s", SBR_FIXTURES "/sessions-small.tsv");
    snprintf(d->test, sizeof d->test, "%s", SBR_FIXTURES "/sessions-small.tsv");
    sbr_err e = {SBR_OK, ""};
    sbr_job_slices js;
    memset(&js, 0, sizeof js);
    CU_ASSERT_EQUAL_FATAL(sbr_job_slice_load(&js, d, 0, "", &e), SBR_OK);
    CU_ASSERT_EQUAL(js.train->n_sessions, 5);
    char datasets[4096], metrics[4096];
    snprintf(datasets, sizeof datasets, "%s/job-datasets.csv", test_tmpdir());
    snprintf(metrics, sizeof metrics, "%s/job-metrics.csv", test_tmpdir());
    remove(datasets);
    remove(metrics);
    CU_ASSERT_EQUAL(sbr_job_record_part(datasets, "small", "s", "train", js.train, &e), SBR_OK);
    char *text = test_read_file(datasets, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    /* 5 sessions, 12 clicks, 5 items, from 1600000000 to 1600259400: 259400 s = 3.002 days */
    CU_ASSERT_STRING_EQUAL(text, "dataset,split,part,sessions,clicks,items,first_time,last_time,"
                                 "span_days\nsmall,s,train,5,12,5,1600000000,1600259400,3.002\n");
    free(text);
    sbr_job_spec j = {SBR_SPEC_EMPTY, "pruning=20", "ar", 0};
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&j.spec, "ar", &e), SBR_OK);
    sbr_eval_result res;
    double fit_s = -1;
    size_t bytes = 0;
    CU_ASSERT_EQUAL_FATAL(sbr_job_evaluate(x, &j, js.train, js.test, &res, &fit_s, &bytes, &e),
                          SBR_OK);
    CU_ASSERT(fit_s >= 0);
    CU_ASSERT(bytes > 0);
    sbr_run_info ri = {"small", "s", 1, 1, "test"};
    CU_ASSERT_EQUAL(sbr_job_append_rows(metrics, x, &ri, &j, &res, fit_s, bytes, &e), SBR_OK);
    sbr_eval_result_fini(&res);
    /* the job is now done at both cutoffs: the resume set sees it */
    sbr_done_set *done = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_done_set_load(metrics, &done, &e), SBR_OK);
    CU_ASSERT_TRUE(
        sbr_done_set_has_job(done, "small", "s", "ar", "pruning=20", x->cutoffs, x->n_cutoffs));
    CU_ASSERT_EQUAL(sbr_done_set_count(done), 2);
    sbr_done_set_free(done);
    sbr_spec_fini(&j.spec);
    sbr_job_slices_fini(&js);
    free(x);
}

static void test_a_missing_file_fails_the_slice(void)
{
    sbr_exp_dataset d;
    memset(&d, 0, sizeof d);
    d.split = SBR_EXP_LAST_DAYS;
    d.last_days = 1;
    d.n_files = 1;
    snprintf(d.files[0], sizeof d.files[0], "/no/such/file.tsv");
    sbr_job_slices js;
    memset(&js, 0, sizeof js);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_job_slice_load(&js, &d, 0, "", &e), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/no/such/file.tsv"));
    sbr_job_slices_fini(&js);
}

static CU_TestInfo tests[] = {
    {"file stems drop folders and data endings", test_file_stems_drop_folders_and_data_endings},
    {"slices are named by how they are cut", test_slices_are_named_by_how_they_are_cut},
    {"a job on a given split appends its rows", test_a_job_on_a_given_split_appends_its_rows},
    {"a missing file fails the slice", test_a_missing_file_fails_the_slice},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_job = {"job", NULL, NULL, NULL, NULL, tests};
