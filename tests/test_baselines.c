/* The baselines against session-rec itself, on the shared rsc15-100k sample:
 *  - its saved top-20 lists (recommendations/{ar,sr}.csv.gz, first 99 test sessions, 387
 *    rows): every score sequence equal (relative difference <= 1e-9) and every item equal
 *    where its score is not tied (session-rec's own order among ties is arbitrary);
 *  - its published MRR@20 and HR@20 (../shared/data/README.md) within 0.01.
 * All expected values come from those files. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/load.h"
#include "data/parse.h"
#include "data/table.h"
#include "eval/harness.h"
#include "test_util.h"

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

static sbr_rc evaluate(const char *spec, bool keep_lists, sbr_eval_result *res)
{
    sbr_err e;
    sbr_model *m = test_fit(spec, train);
    const sbr_algo *a = m->algo;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.threads = 2;
    opt.latency = false;
    opt.keep_lists = keep_lists;
    sbr_rc rc = sbr_evaluate(m, train, test, &opt, res, &e);
    a->free(m);
    return rc;
}

typedef test_saved_row saved_row;

typedef struct saved {
    saved_row *rows;
    size_t n;
} saved;

/* Compares our lists with session-rec's saved file; returns the rows whose top-20 score
 * sequence matches, and counts item mismatches at untied positions in *item_errors. */
static size_t compare_with_saved(const char *file, const char *spec, size_t *n_rows,
                                 size_t *item_errors)
{
    saved sv = {NULL, 0};
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(test_read_saved_lists(test_data_path(file), &sv.rows, &sv.n, &e), SBR_OK);
    sbr_eval_result res;
    CU_ASSERT_EQUAL_FATAL(evaluate(spec, true, &res), SBR_OK);
    size_t matched = 0;
    *item_errors = 0;
    *n_rows = sv.n;
    for (size_t k = 0; k < sv.n; k++) {
        const saved_row *r = &sv.rows[k];
        /* Find our list for (session, position). */
        const sbr_scored *ours = NULL;
        size_t ours_len = 0;
        for (size_t p = 0; p < res.n_predictions; p++) {
            if (sbr_dataset_session_id(test, res.lists[p].session) == r->session &&
                res.lists[p].position == r->position) {
                ours = res.list_items + p * res.max_cutoff;
                ours_len = res.lists[p].len;
                break;
            }
        }
        if (ours == NULL)
            continue;
        bool same = true;
        for (size_t i = 0; i < 20 && i < r->n; i++) {
            double mine = i < ours_len ? ours[i].score : 0.0;
            double theirs = r->scores[i];
            if (fabs(mine - theirs) > 1e-9 * fmax(fabs(theirs), 1e-300) &&
                !(mine == 0 && theirs == 0))
                same = false;
            bool tied = (i > 0 && r->scores[i - 1] == theirs) ||
                        (i + 1 < r->n && r->scores[i + 1] == theirs);
            if (!tied && theirs > 0 && i < ours_len &&
                train->item_ids[ours[i].item] != r->items[i]) {
                (*item_errors)++;
                fprintf(stderr, "\n%s: session %llu position %zu rank %zu: item %llu, saved %llu",
                        file, (unsigned long long)r->session, r->position, i + 1,
                        (unsigned long long)train->item_ids[ours[i].item],
                        (unsigned long long)r->items[i]);
            }
        }
        matched += same;
    }
    sbr_eval_result_fini(&res);
    free(sv.rows);
    return matched;
}

static void test_ar_reproduces_all_387_saved_score_sequences(void)
{
    size_t n_rows, item_errors;
    size_t matched =
        compare_with_saved("rsc15-100k/recommendations/ar.csv.gz", "ar", &n_rows, &item_errors);
    CU_ASSERT_EQUAL(n_rows, 387);
    CU_ASSERT_EQUAL(matched, 387);
    CU_ASSERT_EQUAL(item_errors, 0);
}

static void test_sr_reproduces_all_387_saved_score_sequences(void)
{
    size_t n_rows, item_errors;
    size_t matched = compare_with_saved("rsc15-100k/recommendations/sr.csv.gz",
                                        "sr:steps=20,weighting=quadratic", &n_rows, &item_errors);
    CU_ASSERT_EQUAL(n_rows, 387);
    CU_ASSERT_EQUAL(matched, 387);
    CU_ASSERT_EQUAL(item_errors, 0);
}

static void test_mrr_and_hr_are_within_001_of_session_rec(void)
{
    /* ../shared/data/README.md: AR 0.3266 / 0.6344; SR (steps 10, div) 0.3474 / 0.6195;
     * Markov 0.3457 / 0.5797, on 10,152 predictions. */
    const struct {
        const char *spec;
        double mrr, hr;
    } published[] = {{"ar", 0.3266, 0.6344},
                     {"sr:steps=10,weighting=div", 0.3474, 0.6195},
                     {"markov", 0.3457, 0.5797}};
    for (size_t i = 0; i < 3; i++) {
        sbr_eval_result res;
        CU_ASSERT_EQUAL_FATAL(evaluate(published[i].spec, false, &res), SBR_OK);
        CU_ASSERT_EQUAL(res.n_predictions, 10152);
        CU_ASSERT(fabs(res.at[0].mrr - published[i].mrr) <= 0.01);
        CU_ASSERT(fabs(res.at[0].hr - published[i].hr) <= 0.01);
        printf("\n    %-28s MRR@20 %.4f (session-rec %.4f)  HR@20 %.4f (session-rec %.4f)",
               published[i].spec, res.at[0].mrr, published[i].mrr, res.at[0].hr, published[i].hr);
        sbr_eval_result_fini(&res);
    }
    printf("\n");
}

static CU_TestInfo tests[] = {{"ar reproduces all 387 saved score sequences",
                               test_ar_reproduces_all_387_saved_score_sequences},
                              {"sr reproduces all 387 saved score sequences",
                               test_sr_reproduces_all_387_saved_score_sequences},
                              {"MRR@20 and HR@20 are within 0.01 of session-rec",
                               test_mrr_and_hr_are_within_001_of_session_rec},
                              CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_baselines = {"baselines", load_rsc15, free_rsc15, NULL, NULL, tests};
