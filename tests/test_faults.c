/* Fault injection: every allocation of an operation is made to fail in turn (n = 1, 2, ...
 * until a run completes), and each failure must come back as an error — SBR_ENOMEM where sbr
 * itself allocates — with every block freed (the hook counts them) and no output file left
 * behind. The operations: fit of every registered algorithm and its variants, model save and
 * load, the evaluation, loading a session file, both splits and the results CSV. The suite
 * prints how many allocation sites (distinct callers) it made fail. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_hook.h"
#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/load.h"
#include "data/split.h"
#include "data/vocab.h"
#include "eval/harness.h"
#include "eval/results.h"
#include "test_util.h"

/* The distinct allocation sites made to fail, over the whole suite. */
enum { MAX_SITES = 4096 };
static const void *sites[MAX_SITES];
static size_t n_sites;

static void note_site(const void *where)
{
    for (size_t i = 0; i < n_sites; i++)
        if (sites[i] == where)
            return;
    if (n_sites < MAX_SITES)
        sites[n_sites++] = where;
}

/* One run of an operation: returns its rc and releases whatever it made (so that, failed or
 * not, nothing it allocated stays live). */
typedef sbr_rc (*operation)(void *user);

/* Fails allocation 1, 2, ... of op until a run reaches no failure, and checks every run: it
 * ends in an error (SBR_ENOMEM when enomem_only), or in success where the failed allocation
 * was one its caller can do without (glibc's qsort sorts in place when its buffer is
 * refused); and no block it allocated is still live. (A negative count, a block allocated
 * before the run and freed in it, is no leak: libgomp and stdio keep such caches.) Returns
 * the number of allocations of the complete run. */
static size_t n_operations, n_failed_allocations;

static size_t fault_loop(const char *what, operation op, void *user, bool enomem_only,
                         void (*before_run)(void *user), void (*after_failure)(void *user))
{
    n_operations++;
    for (size_t n = 1; n < 200000; n++) {
        if (before_run != NULL)
            before_run(user);
        alloc_fail_begin(n);
        sbr_rc rc = op(user);
        alloc_fail_report r = alloc_fail_end();
        if (!r.failed) {
            CU_ASSERT_EQUAL(rc, SBR_OK);
            CU_ASSERT(r.live <= 0);
            return n - 1;
        }
        note_site(r.failing);
        n_failed_allocations++;
        bool ok_rc = rc == SBR_OK || (enomem_only ? rc == SBR_ENOMEM : true);
        if (!ok_rc || r.live > 0)
            fprintf(stderr, "\n  %s: allocation %zu failed: rc %s, %ld blocks left", what, n,
                    sbr_rc_name(rc), r.live);
        CU_ASSERT(ok_rc);
        CU_ASSERT(r.live <= 0);
        if (rc != SBR_OK && after_failure != NULL)
            after_failure(user);
        if (!ok_rc || r.live > 0)
            return n; /* one report per operation is enough */
    }
    CU_FAIL("fault loop did not end");
    return 0;
}

/* ---- data (120 sessions over 10 days)
 * --------------------------------------------------------------------------------- */

static sbr_dataset *small_train(void)
{
    enum { SESSIONS = 120 };
    static sbr_click c[SESSIONS * 6];
    size_t n = 0;
    for (uint64_t s = 1; s <= SESSIONS; s++) {
        size_t len = 1 + s % 6;
        for (size_t k = 0; k < len; k++, n++)
            c[n] = (sbr_click){s, 1 + (s * 7 + k * 13) % 40, 1e9 + (double)(s * 7200 + k * 30), n};
    }
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, n, &ds, &e), SBR_OK);
    return ds;
}

/* ---- fit ---------------------------------------------------------------------------------- */

typedef struct fit_job {
    const sbr_spec *spec;
    const sbr_dataset *train;
} fit_job;

static sbr_rc fit_op(void *user)
{
    const fit_job *j = user;
    sbr_model *m = (sbr_model *)&m; /* must be reset on failure */
    sbr_err e;
    sbr_rc rc = sbr_algo_fit(j->spec->algo, j->spec->config, j->train, &m, &e);
    if (rc == SBR_OK)
        j->spec->algo->free(m);
    else
        CU_ASSERT_PTR_NULL(m);
    return rc;
}

static void test_fit_fails_cleanly_at_every_allocation(void)
{
    if (!alloc_hook_available()) {
        printf("\n    skipped: the allocator hook is off under AddressSanitizer\n");
        return;
    }
    sbr_dataset *train = small_train();
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64), total = 0;
    for (size_t i = 0; i < n; i++) {
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, specs[i], &e), SBR_OK);
        fit_job j = {&sp, train};
        /* One run without faults first: libgomp keeps the thread pool of a fit's first
         * parallel region (the neural models') for the rest of the program, which would count
         * as blocks left by whichever run got there first. */
        CU_ASSERT_EQUAL(fit_op(&j), SBR_OK);
        total += fault_loop(specs[i], fit_op, &j, true, NULL, NULL);
        sbr_spec_fini(&sp);
    }
    printf("\n    %zu fits, %zu allocations failed in turn\n", n, total);
    CU_ASSERT(total > 10 * n); /* the loops reached into every fit */
    sbr_dataset_free(train);
}

/* ---- model files -------------------------------------------------------------------------- */

typedef struct model_job {
    const sbr_spec *spec;
    const sbr_model *model;
    const sbr_vocab *vocab;
    char path[512];
} model_job;

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static sbr_rc save_op(void *user)
{
    model_job *j = user;
    sbr_err e;
    return sbr_model_save(j->model, j->spec, j->vocab, j->path, &e);
}

/* No file, and no temporary beside it, after a failed save. */
static void nothing_written(void *user)
{
    model_job *j = user;
    CU_ASSERT(!exists(j->path));
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", j->path, (long)getpid());
    CU_ASSERT(!exists(tmp));
}

static sbr_rc load_op(void *user)
{
    model_job *j = user;
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_vocab v = {0, NULL, NULL};
    sbr_model *m = NULL;
    sbr_err e;
    sbr_rc rc = sbr_model_load(j->path, &sp, &v, &m, &e);
    if (rc == SBR_OK)
        sp.algo->free(m);
    else
        CU_ASSERT(m == NULL && sp.config == NULL && v.item_ids == NULL);
    sbr_vocab_fini(&v);
    sbr_spec_fini(&sp);
    return rc;
}

static void test_model_files_fail_cleanly_at_every_allocation(void)
{
    if (!alloc_hook_available()) {
        printf("\n    skipped: the allocator hook is off under AddressSanitizer\n");
        return;
    }
    sbr_dataset *train = small_train();
    const char *specs[64];
    size_t n = test_algo_specs(specs, 64);
    for (size_t i = 0; i < n; i++) {
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_vocab vocab;
        sbr_model *m = NULL;
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, specs[i], &e), SBR_OK);
        CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(sp.algo, sp.config, train, &m, &e), SBR_OK);
        CU_ASSERT_EQUAL_FATAL(sbr_vocab_from_dataset(train, &vocab, &e), SBR_OK);
        model_job j = {&sp, m, &vocab, ""};
        snprintf(j.path, sizeof j.path, "%s/fault-%zu.sbrm%s", test_tmpdir(), i,
                 i % 2 ? ".gz" : "");
        /* Saving goes through zlib and stdio, whose failures are I/O errors. */
        fault_loop(specs[i], save_op, &j, false, NULL, nothing_written);
        CU_ASSERT_EQUAL_FATAL(sbr_model_save(m, &sp, &vocab, j.path, &e), SBR_OK);
        fault_loop(specs[i], load_op, &j, false, NULL, NULL);
        sp.algo->free(m);
        sbr_vocab_fini(&vocab);
        sbr_spec_fini(&sp);
    }
    sbr_dataset_free(train);
}

/* ---- evaluation --------------------------------------------------------------------------- */

typedef struct eval_job {
    const sbr_model *model;
    const sbr_dataset *train, *test;
} eval_job;

static sbr_rc eval_op(void *user)
{
    const eval_job *j = user;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.threads = 1; /* the hook counts the calling thread's allocations */
    opt.keep_lists = true;
    sbr_eval_result res;
    sbr_err e;
    sbr_rc rc = sbr_evaluate(j->model, j->train, j->test, &opt, &res, &e);
    sbr_eval_result_fini(&res);
    return rc;
}

static void test_evaluation_fails_cleanly_at_every_allocation(void)
{
    if (!alloc_hook_available()) {
        printf("\n    skipped: the allocator hook is off under AddressSanitizer\n");
        return;
    }
    sbr_dataset *train = small_train();
    sbr_model *m = test_fit("vsknn", train);
    eval_job j = {m, train, train};
    CU_ASSERT_EQUAL(eval_op(&j), SBR_OK); /* OpenMP sets up its team before the loop */
    fault_loop("sbr_evaluate", eval_op, &j, true, NULL, NULL);
    m->algo->free(m);
    sbr_dataset_free(train);
}

/* ---- loading, splitting, results ----------------------------------------------------------- */

static sbr_rc load_file_op(void *user)
{
    const char *path = user;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_dataset *ds = NULL;
    sbr_load_stats st;
    sbr_err e;
    sbr_rc rc = sbr_load_sessions(path, &lo, &ds, &st, &e);
    sbr_dataset_free(ds);
    return rc;
}

static sbr_rc split_op(void *user)
{
    const sbr_dataset *ds = user;
    sbr_split sp;
    sbr_err e;
    sbr_rc rc = sbr_split_last_days(ds, 1, &sp, &e);
    if (rc == SBR_OK)
        sbr_split_fini(&sp);
    sbr_window_options wo;
    if (rc == SBR_OK && sbr_window_preset("rsc15", &wo)) {
        wo.days_train = 5;
        wo.days_test = 1;
        wo.slices = 1;
        wo.days_offset = 0;
        wo.days_shift = 0;
        rc = sbr_split_window(ds, &wo, 0, &sp, &e);
        if (rc == SBR_OK)
            sbr_split_fini(&sp);
    }
    return rc;
}

typedef struct csv_job {
    char path[512];
    char *before;
    size_t before_len;
} csv_job;

static sbr_rc csv_op(void *user)
{
    csv_job *j = user;
    static const char *const header[] = {"dataset", "algo", "mrr"};
    const char *cells[] = {"d", "ar", "0.25", "d", "sr", "0.5"};
    sbr_err e;
    return sbr_csv_append(j->path, header, 3, 2, cells, 2, &e);
}

/* Every run starts from the one-row file (a recovered run appended its rows). */
static void csv_restore(void *user)
{
    csv_job *j = user;
    FILE *f = fopen(j->path, "wb");
    CU_ASSERT_FATAL(f != NULL && fwrite(j->before, 1, j->before_len, f) == j->before_len);
    fclose(f);
}

/* A failed append leaves the file as it was. */
static void csv_unchanged(void *user)
{
    csv_job *j = user;
    size_t len = 0;
    char *now = test_read_file(j->path, &len);
    CU_ASSERT(now != NULL && len == j->before_len && memcmp(now, j->before, len) == 0);
    free(now);
}

static void test_loading_splitting_and_results_fail_cleanly(void)
{
    if (!alloc_hook_available()) {
        printf("\n    skipped: the allocator hook is off under AddressSanitizer\n");
        return;
    }
    char plain[512], gz[512];
    snprintf(plain, sizeof plain, "%s/sessions-small.tsv", SBR_FIXTURES);
    size_t len = 0;
    char *text = test_read_file(plain, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    snprintf(gz, sizeof gz, "%s", test_write_file("faults.tsv.gz", text, len, true));
    free(text);
    fault_loop("load plain", load_file_op, plain, false, NULL, NULL);
    fault_loop("load gzip", load_file_op, gz, false, NULL, NULL);

    sbr_dataset *train = small_train();
    fault_loop("splits", split_op, train, true, NULL, NULL);
    sbr_dataset_free(train);

    csv_job j;
    snprintf(j.path, sizeof j.path, "%s/fault-metrics.csv", test_tmpdir());
    static const char *const header[] = {"dataset", "algo", "mrr"};
    const char *first[] = {"d", "pop", "0.1"};
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_csv_append(j.path, header, 3, 2, first, 1, &e), SBR_OK);
    j.before = test_read_file(j.path, &j.before_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j.before);
    fault_loop("results csv", csv_op, &j, false, csv_restore, csv_unchanged);
    free(j.before);
    printf(
        "\n    the suite so far: %zu operations, %zu runs with a failed allocation, %zu distinct "
        "allocation sites (callers) made to fail\n",
        n_operations, n_failed_allocations, n_sites);
}

static CU_TestInfo tests[] = {
    {"fit fails cleanly at every allocation", test_fit_fails_cleanly_at_every_allocation},
    {"model files fail cleanly at every allocation",
     test_model_files_fail_cleanly_at_every_allocation},
    {"the evaluation fails cleanly at every allocation",
     test_evaluation_fails_cleanly_at_every_allocation},
    {"loading, splitting and results fail cleanly",
     test_loading_splitting_and_results_fail_cleanly},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_faults = {"faults", NULL, NULL, NULL, NULL, tests};
