/* Metrics on hand-computed cases, the harness's protocol and determinism across thread
 * counts, and the results CSV's atomic, de-duplicating append. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/rng.h"
#include "eval/harness.h"
#include "eval/metrics.h"
#include "eval/results.h"
#include "test_util.h"

static void test_metrics_of_a_hand_computed_list(void)
{
    /* top = 5, 3, 9 at N = 3; rest = 3, 9, 3, 4 (target 3 at rank 2). set(rest) = {3, 4, 9}:
     * hits 3 and 9 -> precision 2/3, recall 2/4. NDCG = (1/log2 3 + 1/log2 4) / (1 + 1/log2 3
     * + 1/log2 4) = 0.5307212739772434; the reference gain gives (1 + 1/log2 3) / (2 + 1/log2
     * 3) = 0.6199062332840657 (both from Python). Popularity: (1 + 0.5 + 0) / 3. */
    sbr_metric_scratch ms;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_metric_scratch_init(&ms, 10, &e), SBR_OK);
    double pop[10] = {0};
    pop[5] = 1.0;
    pop[3] = 0.5;
    sbr_scored top[3] = {{5, 0.9}, {3, 0.8}, {9, 0.1}};
    uint32_t rest[4] = {3, 9, 3, 4};
    sbr_metric_values v = sbr_metrics_compute(top, 3, 3, rest, 4, pop, &ms);
    CU_ASSERT_DOUBLE_EQUAL(v.hr, 1.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(v.mrr, 0.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(v.precision, 2.0 / 3.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(v.recall, 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(v.ndcg, 0.5307212739772434, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(v.ndcg_ref, 0.6199062332840657, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(v.popularity, 0.5, 1e-15);
    /* At N = 1 only item 5 counts: a miss, precision 0/1. */
    v = sbr_metrics_compute(top, 3, 1, rest, 4, pop, &ms);
    CU_ASSERT_DOUBLE_EQUAL(v.hr, 0.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(v.mrr, 0.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(v.precision, 0.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(v.popularity, 1.0, 0);
    /* An empty list scores 0 everywhere; an unknown target never matches. */
    uint32_t unknown[1] = {SBR_ITEM_UNKNOWN};
    v = sbr_metrics_compute(top, 0, 3, unknown, 1, pop, &ms);
    CU_ASSERT_DOUBLE_EQUAL(v.hr + v.mrr + v.ndcg + v.precision + v.recall + v.popularity, 0, 0);
    sbr_metric_scratch_fini(&ms);
}

static void test_reference_ndcg_matches_serenades_unit_test(void)
{
    /* vmis-knn.md section 5.1: recs 1..24, next [3, 55, 88, 4] -> 0.36121211352040195. */
    sbr_metric_scratch ms;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_metric_scratch_init(&ms, 100, &e), SBR_OK);
    double pop[100] = {0};
    sbr_scored top[24];
    for (uint32_t i = 0; i < 24; i++)
        top[i] = (sbr_scored){i + 1, 24.0 - i};
    uint32_t next[4] = {3, 55, 88, 4};
    sbr_metric_values v = sbr_metrics_compute(top, 24, 20, next, 4, pop, &ms);
    CU_ASSERT_DOUBLE_EQUAL(v.ndcg_ref, 0.36121211352040195, 1e-15);
    sbr_metric_scratch_fini(&ms);
}

/* A random dataset: n_sessions sessions of 2..9 clicks over n_items items, ids offset so
 * that ids and dense indices differ. */
static sbr_dataset *random_dataset(uint32_t seed, size_t n_sessions, size_t n_items,
                                   uint64_t first_session)
{
    gsl_rng *r = sbr_rng_new(seed);
    sbr_click *clicks = malloc(n_sessions * 10 * sizeof *clicks);
    size_t n = 0;
    for (size_t s = 0; s < n_sessions; s++) {
        size_t len = 2 + gsl_rng_uniform_int(r, 8);
        uint64_t item = 1000 + gsl_rng_uniform_int(r, n_items);
        for (size_t k = 0; k < len; k++) {
            /* Mostly a walk to nearby items, so rules have something to learn. */
            if (gsl_rng_uniform(r) < 0.3)
                item = 1000 + gsl_rng_uniform_int(r, n_items);
            else
                item = 1000 + (item - 1000 + 1 + gsl_rng_uniform_int(r, 3)) % n_items;
            clicks[n] = (sbr_click){first_session + s, item, (double)(s * 100 + k), n};
            n++;
        }
    }
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, n, &ds, &e), SBR_OK);
    free(clicks);
    gsl_rng_free(r);
    return ds;
}

static void run_eval_batch(const char *spec, const sbr_dataset *train, const sbr_dataset *test,
                           int threads, size_t batch, sbr_eval_result *res)
{
    sbr_err e;
    sbr_model *m = test_fit(spec, train);
    const sbr_algo *a = m->algo;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.cutoffs[0] = 1;
    opt.cutoffs[1] = 5;
    opt.cutoffs[2] = 20;
    opt.n_cutoffs = 3;
    opt.threads = threads;
    opt.latency = false;
    opt.keep_lists = true;
    opt.keep_ranks = true;
    opt.batch = batch;
    sbr_rc rc = sbr_evaluate(m, train, test, &opt, res, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    a->free(m);
}

static void run_eval(const char *spec, const sbr_dataset *train, const sbr_dataset *test,
                     int threads, sbr_eval_result *res)
{
    run_eval_batch(spec, train, test, threads, 0, res);
}

/* The same metrics (bit for bit), lists (field by field: entries past a list's length are
 * unused, and the struct has padding bytes) and ranks. */
static void check_same_results(const sbr_eval_result *r1, const sbr_eval_result *r2)
{
    CU_ASSERT_EQUAL_FATAL(r1->n_predictions, r2->n_predictions);
    CU_ASSERT_EQUAL(memcmp(r1->at, r2->at, sizeof r1->at), 0);
    CU_ASSERT_EQUAL(memcmp(r1->lists, r2->lists, r1->n_predictions * sizeof *r1->lists), 0);
    CU_ASSERT_EQUAL(memcmp(r1->ranks, r2->ranks, r1->n_predictions * sizeof *r1->ranks), 0);
    size_t differing = 0;
    for (size_t p = 0; p < r1->n_predictions; p++) {
        for (size_t i = 0; i < r1->lists[p].len; i++) {
            const sbr_scored *x = r1->list_items + p * r1->max_cutoff + i;
            const sbr_scored *y = r2->list_items + p * r2->max_cutoff + i;
            differing += x->item != y->item || x->score != y->score;
        }
    }
    CU_ASSERT_EQUAL(differing, 0);
}

/* The thread count and the queries per predict call change nothing, bit for bit: one thread
 * with one query per call against 2 threads with batches of 32 and 4 with batches of 5, for
 * rule models (one predict per query either way) and gru4rec (which scores a batch in one
 * pass over its output layer). */
static void test_metrics_are_identical_for_any_threads_and_batch_size(void)
{
    sbr_dataset *train = random_dataset(7, 3000, 400, 1);
    sbr_dataset *test = random_dataset(8, 700, 450, 100000); /* some unseen items */
    const char *specs[] = {"ar", "sr", "spop", "gru4rec:layers=16,epochs=1,n_sample=20"};
    for (size_t a = 0; a < 4; a++) {
        sbr_eval_result r1, r2, r4;
        run_eval_batch(specs[a], train, test, 1, 1, &r1);
        run_eval_batch(specs[a], train, test, 2, 32, &r2);
        run_eval_batch(specs[a], train, test, 4, 5, &r4);
        CU_ASSERT(r1.n_predictions > 1000 && r1.at[2].hr > 0);
        check_same_results(&r1, &r2);
        check_same_results(&r1, &r4);
        sbr_eval_result_fini(&r1);
        sbr_eval_result_fini(&r2);
        sbr_eval_result_fini(&r4);
    }
    sbr_dataset_free(train);
    sbr_dataset_free(test);
}

static void test_unseen_test_items_are_removed_and_counted(void)
{
    /* Train items 1, 2, 3. Test: s10 = 1 X 2 (X unseen) -> 1 2: one prediction;
     * s11 = X 3 -> 3 alone: dropped; s12 = 2 3 1 (first click at time 0, before s10): two
     * predictions, and evaluated first because test sessions run in time order. */
    sbr_click tr[] = {{1, 1, 0, 0}, {1, 2, 1, 1}, {1, 3, 2, 2}, {2, 3, 3, 3}, {2, 1, 4, 4}};
    sbr_click te[] = {{10, 1, 5, 0}, {10, 99, 6, 1}, {10, 2, 7, 2}, {11, 99, 8, 3},
                      {11, 3, 9, 4}, {12, 2, 0, 5},  {12, 3, 1, 6}, {12, 1, 2, 7}};
    sbr_dataset *train = NULL, *test = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(tr, 5, &train, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(te, 8, &test, &e), SBR_OK);
    sbr_eval_result r;
    run_eval("markov", train, test, 1, &r);
    CU_ASSERT_EQUAL(r.n_predictions, 3);
    CU_ASSERT_EQUAL(r.n_sessions, 2);
    CU_ASSERT_EQUAL(r.unseen_clicks_removed, 2);
    CU_ASSERT_EQUAL(r.short_sessions_dropped, 1);
    /* Evaluation order: s12 (positions 0, 1), then s10 (position 0). */
    CU_ASSERT_EQUAL(sbr_dataset_session_id(test, r.lists[0].session), 12);
    CU_ASSERT_EQUAL(r.lists[1].position, 1);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(test, r.lists[2].session), 10);
    /* Markov: 1 -> 2, 2 -> 3, 3 -> 1. s12: after 2 predicts 3 (hit), after 3 predicts 1 (hit);
     * s10: after 1 predicts 2 (hit): HR@1 = 1. */
    CU_ASSERT_DOUBLE_EQUAL(r.at[0].hr, 1.0, 0);
    sbr_eval_result_fini(&r);
    sbr_dataset_free(train);
    sbr_dataset_free(test);
}

static void test_keep_unseen_counts_unseen_targets_as_misses(void)
{
    sbr_click tr[] = {{1, 1, 0, 0}, {1, 2, 1, 1}};
    sbr_click te[] = {{10, 1, 5, 0}, {10, 99, 6, 1}, {10, 2, 7, 2}};
    sbr_dataset *train = NULL, *test = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(tr, 2, &train, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(te, 3, &test, &e), SBR_OK);
    sbr_model *m = test_fit("markov", train);
    const sbr_algo *a = m->algo;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.keep_unseen = true;
    opt.latency = false;
    sbr_eval_result r;
    CU_ASSERT_EQUAL_FATAL(sbr_evaluate(m, train, test, &opt, &r, &e), SBR_OK);
    /* 1 -> X (a miss: X is unknown), X -> 2 (the input is unknown: nothing predicted). */
    CU_ASSERT_EQUAL(r.n_predictions, 2);
    CU_ASSERT_EQUAL(r.unseen_clicks_removed, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.at[0].hr, 0.0, 0);
    sbr_eval_result_fini(&r);
    a->free(m);
    sbr_dataset_free(train);
    sbr_dataset_free(test);
}

static void test_latency_is_bucketed_by_prefix_length(void)
{
    /* Test sessions of 2, 3 and 12 clicks: prefixes of length 1; 1, 2; 1..11. Buckets 1, 2,
     * 3, 4, 5, 6-7, 8-10, 11-15, ...: 3, 2, 1, 1, 1, 2, 3, 1 predictions, the rest none. */
    sbr_click tr[] = {{1, 1, 0, 0}, {1, 2, 1, 1}, {1, 3, 2, 2}};
    sbr_click te[17];
    size_t n = 0;
    const size_t lens[] = {2, 3, 12};
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < lens[s]; i++, n++)
            te[n] = (sbr_click){10 + s, 1 + (uint64_t)(i % 3), (double)(100 * s + i), (uint64_t)n};
    sbr_dataset *train = NULL, *test = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(tr, 3, &train, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(te, n, &test, &e), SBR_OK);
    sbr_model *m = test_fit("markov", train);
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    sbr_eval_result r;
    CU_ASSERT_EQUAL_FATAL(sbr_evaluate(m, train, test, &opt, &r, &e), SBR_OK);
    CU_ASSERT_EQUAL(r.n_predictions, 14);
    const size_t want[SBR_LEN_BUCKETS] = {3, 2, 1, 1, 1, 2, 3, 1, 0, 0, 0};
    for (size_t b = 0; b < SBR_LEN_BUCKETS; b++) {
        CU_ASSERT_EQUAL(r.latency_by_len[b].n, want[b]);
        CU_ASSERT(r.latency_by_len[b].p50_us <= r.latency_by_len[b].p90_us);
        CU_ASSERT(r.latency_by_len[b].p90_us <= r.latency_us[SBR_LAT_MAX]);
    }
    sbr_eval_result_fini(&r);
    m->algo->free(m);
    sbr_dataset_free(train);
    sbr_dataset_free(test);
}

static void test_bad_eval_options_are_rejected(void)
{
    sbr_dataset *train = random_dataset(1, 10, 5, 1);
    sbr_err e;
    sbr_model *m = test_fit("pop", train);
    const sbr_algo *a = m->algo;
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.cutoffs[0] = 5;
    opt.cutoffs[1] = 5;
    opt.n_cutoffs = 2;
    sbr_eval_result r;
    CU_ASSERT_EQUAL(sbr_evaluate(m, train, train, &opt, &r, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ascending"));
    sbr_eval_options_init(&opt);
    opt.threads = 0;
    CU_ASSERT_EQUAL(sbr_evaluate(m, train, train, &opt, &r, &e), SBR_EINVAL);
    a->free(m);
    sbr_dataset_free(train);
}

static const char *const header[] = {"dataset", "algo", "cutoff", "mrr"};

static void test_csv_append_creates_appends_and_replaces_same_keys(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/results.csv", test_tmpdir());
    remove(path);
    sbr_err e;
    const char *rows1[] = {"toy", "ar", "20", "0.5", "toy", "sr", "20", "0.6"};
    CU_ASSERT_EQUAL_FATAL(sbr_csv_append(path, header, 4, 3, rows1, 2, &e), SBR_OK);
    /* A new key is appended; an existing key (toy, ar, 20) is replaced, not duplicated;
     * a cell with a comma is quoted. */
    const char *rows2[] = {"toy", "ar", "20", "0.7", "a,b", "markov", "20", "0.1"};
    CU_ASSERT_EQUAL_FATAL(sbr_csv_append(path, header, 4, 3, rows2, 2, &e), SBR_OK);
    char *text = test_read_file(path, NULL);
    CU_ASSERT_STRING_EQUAL(text, "dataset,algo,cutoff,mrr\ntoy,sr,20,0.6\ntoy,ar,20,0.7\n"
                                 "\"a,b\",markov,20,0.1\n");
    free(text);
    /* Appending the same rows again changes nothing. */
    CU_ASSERT_EQUAL_FATAL(sbr_csv_append(path, header, 4, 3, rows2, 2, &e), SBR_OK);
    text = test_read_file(path, NULL);
    CU_ASSERT_STRING_EQUAL(text, "dataset,algo,cutoff,mrr\ntoy,sr,20,0.6\ntoy,ar,20,0.7\n"
                                 "\"a,b\",markov,20,0.1\n");
    free(text);
}

static void test_csv_append_refuses_a_different_header_and_keeps_the_file(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/other.csv", test_tmpdir());
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("dataset,algo,cutoff,hr\ntoy,ar,20,0.9\n", f);
    fclose(f);
    sbr_err e;
    const char *row[] = {"toy", "sr", "20", "0.5"};
    CU_ASSERT_EQUAL(sbr_csv_append(path, header, 4, 3, row, 1, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "column 4 is \"hr\""));
    char *text = test_read_file(path, NULL);
    CU_ASSERT_STRING_EQUAL(text, "dataset,algo,cutoff,hr\ntoy,ar,20,0.9\n");
    free(text);
    /* A row with a missing cell is a parse error naming its line. */
    f = fopen(path, "w");
    fputs("dataset,algo,cutoff,mrr\ntoy,ar,20\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(sbr_csv_append(path, header, 4, 3, row, 1, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "other.csv:2:"));
}

static CU_TestInfo tests[] = {
    {"metrics of a hand-computed list", test_metrics_of_a_hand_computed_list},
    {"reference NDCG matches Serenade's unit test",
     test_reference_ndcg_matches_serenades_unit_test},
    {"metrics are identical for any threads and batch size",
     test_metrics_are_identical_for_any_threads_and_batch_size},
    {"unseen test items are removed and counted", test_unseen_test_items_are_removed_and_counted},
    {"keep_unseen counts unseen targets as misses",
     test_keep_unseen_counts_unseen_targets_as_misses},
    {"bad eval options are rejected", test_bad_eval_options_are_rejected},
    {"latency is bucketed by prefix length", test_latency_is_bucketed_by_prefix_length},
    {"CSV append creates, appends and replaces same keys",
     test_csv_append_creates_appends_and_replaces_same_keys},
    {"CSV append refuses a different header and keeps the file",
     test_csv_append_refuses_a_different_header_and_keeps_the_file},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_eval = {"eval", NULL, NULL, NULL, NULL, tests};
