/* sknn and vsknn against session-rec itself, on the shared rsc15-100k sample:
 *  - its saved V-SKNN top-20 lists (recommendations/vsknn.csv.gz: k 500, sample 5000,
 *    quadratic, div, idf 5; first 99 test sessions, 387 rows): with ties=session_rec (the
 *    emulated Python set order) at least 384 score sequences equal (relative difference
 *    <= 1e-9), the number session-rec's own current code reaches (reference section 5.3), and
 *    every item equal where its score is untied in a matching row;
 *  - the MRR@20 and HR@20 of ../shared/data/README.md within 0.005, for both tie orders
 *    (session-rec ranks tied items arbitrarily, we by item id, so a small gap remains).
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

static sbr_rc evaluate(const char *spec, bool keep_lists, int threads, sbr_eval_result *res)
{
    sbr_err e;
    sbr_model *m = test_fit(spec, train);
    const sbr_algo *a = m->algo;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.threads = threads;
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

/* Compares our lists under `spec` with the saved V-SKNN lists: returns the rows whose top-20
 * score sequence matches; *n_rows gets the saved rows, *found the rows we also have, and
 * *item_errors the items that differ at untied positions of matching rows. */
static size_t compare_with_saved(const char *spec, size_t *n_rows, size_t *found,
                                 size_t *item_errors)
{
    saved sv = {NULL, 0};
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(
        test_read_saved_lists(test_data_path("rsc15-100k/recommendations/vsknn.csv.gz"), &sv.rows,
                              &sv.n, &e),
        SBR_OK);
    sbr_eval_result res;
    CU_ASSERT_EQUAL_FATAL(evaluate(spec, true, 2, &res), SBR_OK);
    size_t matched = 0;
    *n_rows = sv.n;
    *found = 0;
    *item_errors = 0;
    for (size_t k = 0; k < sv.n; k++) {
        const saved_row *r = &sv.rows[k];
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
        (*found)++;
        bool same = true;
        size_t errors = 0;
        for (size_t i = 0; i < 20 && i < r->n; i++) {
            double mine = i < ours_len ? ours[i].score : 0.0;
            double theirs = r->scores[i];
            if (fabs(mine - theirs) > 1e-9 * fabs(theirs) && !(mine == 0 && theirs == 0))
                same = false;
            bool tied = (i > 0 && r->scores[i - 1] == theirs) ||
                        (i + 1 < r->n && r->scores[i + 1] == theirs);
            if (!tied && theirs > 0 && i < ours_len && train->item_ids[ours[i].item] != r->items[i])
                errors++;
        }
        matched += same;
        if (same)
            *item_errors += errors;
    }
    sbr_eval_result_fini(&res);
    free(sv.rows);
    return matched;
}

#define GOLDEN_SPEC                                                                                \
    "vsknn:k=500,sample_size=5000,weighting=quadratic,weighting_score=div,idf_weighting=5"

static void test_vsknn_reproduces_at_least_384_saved_score_sequences(void)
{
    size_t n_rows, found, item_errors;
    size_t matched =
        compare_with_saved(GOLDEN_SPEC ",ties=session_rec", &n_rows, &found, &item_errors);
    CU_ASSERT_EQUAL(n_rows, 387);
    CU_ASSERT_EQUAL(found, 387);
    CU_ASSERT(matched >= 384);
    CU_ASSERT_EQUAL(item_errors, 0);
    printf("\n    ties=session_rec: %zu of %zu saved score sequences equal, %zu untied item "
           "differences in them",
           matched, n_rows, item_errors);
    /* The default tie order picks other neighbours among equal similarities; reported only. */
    matched = compare_with_saved(GOLDEN_SPEC, &n_rows, &found, &item_errors);
    CU_ASSERT_EQUAL(item_errors, 0);
    printf("\n    ties=recent:      %zu of %zu saved score sequences equal\n", matched, n_rows);
}

static void test_mrr_and_hr_are_within_0005_of_session_rec(void)
{
    /* ../shared/data/README.md, 10,152 predictions: SKNN (k 100, sample 500, cosine)
     * 0.3204 / 0.6428; V-SKNN (k 100, sample 1000, quadratic, quadratic) 0.3688 / 0.6816;
     * V-SKNN (k 500, sample 5000, quadratic, div, idf 5) 0.3669 / 0.6883. */
    const struct {
        const char *spec;
        double mrr, hr;
    } published[] = {
        {"sknn:k=100,sample_size=500,similarity=cosine", 0.3204, 0.6428},
        {"vsknn:k=100,sample_size=1000,weighting=quadratic,weighting_score=quadratic", 0.3688,
         0.6816},
        {GOLDEN_SPEC, 0.3669, 0.6883},
    };
    const char *const ties[] = {"", ",ties=session_rec"};
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        for (size_t t = 0; t < 2; t++) {
            char spec[256];
            snprintf(spec, sizeof spec, "%s%s", published[i].spec, ties[t]);
            sbr_eval_result res;
            CU_ASSERT_EQUAL_FATAL(evaluate(spec, false, 2, &res), SBR_OK);
            CU_ASSERT_EQUAL(res.n_predictions, 10152);
            CU_ASSERT(fabs(res.at[0].mrr - published[i].mrr) <= 0.005);
            CU_ASSERT(fabs(res.at[0].hr - published[i].hr) <= 0.005);
            printf("\n    %-95s MRR@20 %.4f (session-rec %.4f)  HR@20 %.4f (session-rec %.4f)",
                   spec, res.at[0].mrr, published[i].mrr, res.at[0].hr, published[i].hr);
            sbr_eval_result_fini(&res);
        }
    }
    printf("\n");
}

/* Every list identical (items and scores bit for bit) with 1 and 4 threads, including the
 * seeded random sampling and the session_rec tie emulation. */
static void test_lists_are_identical_with_1_and_4_threads(void)
{
    const char *const specs[] = {
        "vsknn:k=100,sample_size=500,sampling=random,seed=7",
        "vsknn:k=200,sample_size=1000,ties=session_rec,similarity=cosine",
        "sknn:k=50,sample_size=300,sampling=random,similarity=jaccard,ties=session_rec",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        sbr_eval_result one, four;
        CU_ASSERT_EQUAL_FATAL(evaluate(specs[i], true, 1, &one), SBR_OK);
        CU_ASSERT_EQUAL_FATAL(evaluate(specs[i], true, 4, &four), SBR_OK);
        CU_ASSERT_EQUAL_FATAL(one.n_predictions, four.n_predictions);
        size_t differ = 0;
        for (size_t p = 0; p < one.n_predictions; p++) {
            if (one.lists[p].len != four.lists[p].len) {
                differ++;
                continue;
            }
            const sbr_scored *a = one.list_items + p * one.max_cutoff;
            const sbr_scored *b = four.list_items + p * four.max_cutoff;
            for (size_t j = 0; j < one.lists[p].len; j++)
                if (a[j].item != b[j].item || a[j].score != b[j].score) {
                    differ++;
                    break;
                }
        }
        CU_ASSERT_EQUAL(differ, 0);
        CU_ASSERT_EQUAL(one.at[0].mrr, four.at[0].mrr);
        sbr_eval_result_fini(&one);
        sbr_eval_result_fini(&four);
    }
}

static CU_TestInfo tests[] = {
    {"vsknn (ties=session_rec) reproduces at least 384 of session-rec's 387 saved score "
     "sequences",
     test_vsknn_reproduces_at_least_384_saved_score_sequences},
    {"sknn and vsknn MRR@20 and HR@20 are within 0.005 of session-rec",
     test_mrr_and_hr_are_within_0005_of_session_rec},
    {"lists are identical with 1 and 4 threads", test_lists_are_identical_with_1_and_4_threads},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_sknn_data = {"sknn_data", load_rsc15, free_rsc15, NULL, NULL, tests};
