/* STAMP against an independent reference: tests/reference/stamp_torch.py, a PyTorch STAMP
 * written from the authors' STAMP_cikm.py (../shared/reference/learned-models.md section 3),
 * trained on rsc15-100k with seeds 1-5; its HR@20 and MRR@20 after 5 epochs are in
 * tests/fixtures/stamp_torch.csv (made by tests/reference/stamp_torch.sh). sbr's STAMP, fitted
 * with the same hyperparameters and two seeds of its own, must lie within the reference's
 * seed-to-seed range widened by 0.01 on each side (as item2vec's check against gensim), for the
 * authors' steps (batching=length, reduce=sum) and for sbr's default (shuffle, mean). Nothing
 * here is compared with sbr's own output. What it catches: a wrong scale or order of the
 * training steps (the authors' batches with a mean loss reach HR@20 0.546, far below the
 * range), a broken optimiser or evaluation; what it does not: small changes of the network
 * (STMP, or m_a without m_s, stay inside the range on rsc15-100k), which the finite-difference
 * checks of tests/test_nn.c guard. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/parse.h"
#include "eval/harness.h"
#include "test_util.h"

enum { EPOCHS = 5, N_SEEDS = 2 };
static const double SLACK = 0.01;

static sbr_dataset *train, *test;

static int load_rsc15(void)
{
    return test_load_rsc15(&train, &test);
}

static int free_rsc15(void)
{
    sbr_dataset_free(train);
    sbr_dataset_free(test);
    return 0;
}

typedef struct range {
    double hr_lo, hr_hi, mrr_lo, mrr_hi;
    long predictions;
    int n;
} range;

/* The reference's range over its seeds for (batching, reduce) at epoch EPOCHS on rsc15-100k,
 * from rows dataset,batching,reduce,seed,epoch,predictions,hr20,mrr20 (the header does not
 * parse and is skipped). */
static range reference_range(const char *batching, const char *reduce)
{
    range r = {1, 0, 1, 0, 0, 0};
    char path[512];
    snprintf(path, sizeof path, "%s/stamp_torch.csv", SBR_FIXTURES);
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *field[8];
        size_t k = test_split_csv(line, field, 8);
        long epoch, preds;
        double hr, mrr;
        if (k != 8 || strcmp(field[0], "rsc15-100k") != 0 || strcmp(field[1], batching) != 0 ||
            strcmp(field[2], reduce) != 0 || sbr_parse_long(field[4], 0, 1000, &epoch) != NULL ||
            sbr_parse_long(field[5], 0, 1000000000, &preds) != NULL ||
            sbr_parse_double(field[6], strlen(field[6]), &hr) != NULL ||
            sbr_parse_double(field[7], strlen(field[7]), &mrr) != NULL || epoch != EPOCHS)
            continue;
        r.hr_lo = fmin(r.hr_lo, hr), r.hr_hi = fmax(r.hr_hi, hr);
        r.mrr_lo = fmin(r.mrr_lo, mrr), r.mrr_hi = fmax(r.mrr_hi, mrr);
        r.predictions = preds;
        r.n++;
    }
    free(text);
    return r;
}

static void check_against_reference(const char *batching, const char *reduce)
{
    range r = reference_range(batching, reduce);
    CU_ASSERT_FATAL(r.n >= 3);
    double hr[N_SEEDS], mrr[N_SEEDS];
    size_t preds[N_SEEDS];
    sbr_rc rc[N_SEEDS];
    /* The seeds side by side, each fit and evaluation on one thread. */
#pragma omp parallel for schedule(dynamic, 1) default(none)                                        \
    shared(hr, mrr, preds, rc, train, test, batching, reduce)
    for (int k = 0; k < N_SEEDS; k++) {
        char spec[256];
        snprintf(spec, sizeof spec, "stamp:select=none,epochs=%d,batching=%s,reduce=%s,seed=%d",
                 EPOCHS, batching, reduce, k + 1);
        sbr_spec sp = SBR_SPEC_EMPTY;
        sbr_err e;
        sbr_model *m = NULL;
        sbr_eval_result res;
        memset(&res, 0, sizeof res);
        rc[k] = sbr_spec_parse(&sp, spec, &e);
        if (rc[k] == SBR_OK)
            rc[k] = sbr_algo_fit(sp.algo, sp.config, train, &m, &e);
        if (rc[k] == SBR_OK) {
            sbr_eval_options opt;
            sbr_eval_options_init(&opt);
            opt.threads = 1;
            opt.latency = false;
            rc[k] = sbr_evaluate(m, train, test, &opt, &res, &e);
        }
        hr[k] = rc[k] == SBR_OK ? res.at[0].hr : -1;
        mrr[k] = rc[k] == SBR_OK ? res.at[0].mrr : -1;
        preds[k] = res.n_predictions;
        sbr_eval_result_fini(&res);
        if (m != NULL)
            m->algo->free(m);
        sbr_spec_fini(&sp);
    }
    printf("\n    batching=%s reduce=%s: PyTorch seeds HR@20 %.4f..%.4f MRR@20 %.4f..%.4f (%d "
           "seeds)",
           batching, reduce, r.hr_lo, r.hr_hi, r.mrr_lo, r.mrr_hi, r.n);
    for (int k = 0; k < N_SEEDS; k++) {
        CU_ASSERT_EQUAL(rc[k], SBR_OK);
        printf("\n    sbr seed %d: HR@20 %.4f MRR@20 %.4f (%zu predictions)", k + 1, hr[k], mrr[k],
               preds[k]);
        CU_ASSERT_EQUAL(preds[k], (size_t)r.predictions); /* the same protocol */
        CU_ASSERT(hr[k] >= r.hr_lo - SLACK && hr[k] <= r.hr_hi + SLACK);
        CU_ASSERT(mrr[k] >= r.mrr_lo - SLACK && mrr[k] <= r.mrr_hi + SLACK);
    }
}

static void test_the_authors_steps_are_within_the_references_range(void)
{
    check_against_reference("length", "sum");
}

static void test_the_default_is_within_the_references_range(void)
{
    check_against_reference("shuffle", "mean");
}

static CU_TestInfo data_tests[] = {
    {"the authors' steps (length, sum) are within the PyTorch reference's seed range (+-0.01)",
     test_the_authors_steps_are_within_the_references_range},
    {"the default (shuffle, mean) is within the PyTorch reference's seed range (+-0.01)",
     test_the_default_is_within_the_references_range},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_stamp_data = {"stamp_data", load_rsc15, free_rsc15, NULL, NULL, data_tests};
