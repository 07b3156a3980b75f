/* item2vec: determinism (one seed, one model file, byte for byte), what the embedding learns
 * on a corpus with a known structure, the query modes, and — on the shared retailrocket and
 * diginetica splits — accuracy within gensim's seed-to-seed range. gensim's numbers come from
 * tests/reference/item2vec_gensim.py (Debian's python3-gensim 4.2), kept in
 * tests/fixtures/item2vec_gensim.csv; nothing here is compared with sbr's own output. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/load.h"
#include "data/parse.h"
#include "data/rng.h"
#include "data/vocab.h"
#include "eval/harness.h"
#include "test_util.h"

/* Sessions that walk within one of four clusters of 25 items (items c*25 .. c*25+24, each
 * step to a random member of the same cluster). */
static sbr_dataset *clustered(uint32_t seed)
{
    enum { SESSIONS = 3000, LEN = 8 };
    static sbr_click c[SESSIONS * LEN];
    gsl_rng *r = sbr_rng_new(seed);
    size_t n = 0;
    for (uint64_t s = 1; s <= SESSIONS; s++) {
        uint64_t cluster = gsl_rng_uniform_int(r, 4);
        for (size_t k = 0; k < LEN; k++, n++)
            c[n] = (sbr_click){s, 1 + cluster * 25 + gsl_rng_uniform_int(r, 25),
                               (double)(s * 100 + k), n};
    }
    gsl_rng_free(r);
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, n, &ds, &e), SBR_OK);
    return ds;
}

static size_t predict(const sbr_model *m, const uint32_t *items, size_t len, sbr_scored *out,
                      size_t n)
{
    void *s = m->algo->scratch_new(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    double times[16] = {0};
    sbr_query q = {items, times, len, 0, n, NULL};
    size_t got = 0;
    sbr_err e;
    CU_ASSERT_EQUAL(m->algo->predict(m, &q, s, out, &got, &e), SBR_OK);
    m->algo->scratch_free(s);
    return got;
}

/* Nearly all of an item's ten nearest items are from its own cluster; the query item itself
 * is never listed. */
static void test_neighbours_come_from_the_same_cluster(void)
{
    sbr_dataset *ds = clustered(3);
    sbr_model *m = test_fit("item2vec:dim=32,epochs=5,sample=0", ds);
    size_t same = 0, total = 0;
    for (uint32_t i = 0; i < ds->n_items; i++) {
        sbr_scored out[10];
        size_t n = predict(m, &i, 1, out, 10);
        uint64_t cluster = (ds->item_ids[i] - 1) / 25;
        for (size_t k = 0; k < n; k++) {
            CU_ASSERT_NOT_EQUAL(out[k].item, i);
            same += (ds->item_ids[out[k].item] - 1) / 25 == cluster;
            total++;
        }
    }
    printf("\n    %zu of %zu nearest items share the query's cluster\n", same, total);
    CU_ASSERT(total == 10 * ds->n_items);
    CU_ASSERT((double)same >= 0.9 * (double)total); /* by chance: 24 of 99, about 0.24 */
    m->algo->free(m);
    sbr_dataset_free(ds);
}

/* query=mean averages the last n_last items and excludes all of them. */
static void test_mean_queries_exclude_every_query_item(void)
{
    sbr_dataset *ds = clustered(5);
    sbr_model *m = test_fit("item2vec:dim=16,epochs=2,query=mean,n_last=3", ds);
    uint32_t q[5] = {0, 1, 2, 3, 4};
    sbr_scored out[200];
    size_t n = predict(m, q, 5, out, 200);
    CU_ASSERT(n > 0);
    for (size_t k = 0; k < n; k++)
        CU_ASSERT(out[k].item != 2 && out[k].item != 3 && out[k].item != 4);
    bool listed_older = false;
    for (size_t k = 0; k < n; k++)
        listed_older = listed_older || out[k].item == 0 || out[k].item == 1;
    CU_ASSERT(listed_older); /* only the last three are excluded */
    for (size_t k = 1; k < n; k++)
        CU_ASSERT(out[k - 1].score >= out[k].score && out[k].score <= 1 + 1e-6);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

/* The same seed gives the same model file byte for byte; another seed another model. */
static void test_one_seed_one_model_file(void)
{
    sbr_dataset *ds = clustered(7);
    const char *specs[] = {"item2vec:dim=24,epochs=3,seed=4", "item2vec:dim=24,epochs=3,seed=4",
                           "item2vec:dim=24,epochs=3,seed=5"};
    char *bytes[3];
    size_t len[3];
    sbr_vocab v;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_vocab_from_dataset(ds, &v, &e), SBR_OK);
    for (int k = 0; k < 3; k++) {
        sbr_spec sp = SBR_SPEC_EMPTY;
        CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, specs[k], &e), SBR_OK);
        sbr_model *m = NULL;
        CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(sp.algo, sp.config, ds, &m, &e), SBR_OK);
        char path[512];
        snprintf(path, sizeof path, "%s/i2v-%d.sbrm", test_tmpdir(), k);
        CU_ASSERT_EQUAL_FATAL(sbr_model_save(m, &sp, &v, path, &e), SBR_OK);
        bytes[k] = test_read_file(path, &len[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(bytes[k]);
        m->algo->free(m);
        sbr_spec_fini(&sp);
    }
    CU_ASSERT(len[0] == len[1] && memcmp(bytes[0], bytes[1], len[0]) == 0);
    CU_ASSERT(len[0] != len[2] || memcmp(bytes[0], bytes[2], len[0]) != 0);
    for (int k = 0; k < 3; k++)
        free(bytes[k]);
    sbr_vocab_fini(&v);
    sbr_dataset_free(ds);
}

/* ---- against gensim ------------------------------------------------------------------------ */

enum { N_SESSIONS = 1500 };

/* gensim's range over its seeds for (dataset, N_SESSIONS) from the fixture, whose rows are
 * dataset,seed,sessions,predictions,hr20,mrr20,train_s,words_per_s (the header is skipped:
 * its numbers do not parse). */
static bool gensim_range(const char *dataset, double *hr_lo, double *hr_hi, double *mrr_lo,
                         double *mrr_hi, size_t *predictions)
{
    char path[512];
    snprintf(path, sizeof path, "%s/item2vec_gensim.csv", SBR_FIXTURES);
    char *text = test_read_file(path, NULL);
    if (text == NULL)
        return false;
    size_t n = 0;
    *hr_lo = *mrr_lo = 1;
    *hr_hi = *mrr_hi = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *field[8];
        size_t k = 0;
        for (char *c = line; k < 8; c++) {
            field[k++] = c;
            c = strchr(c, ',');
            if (c == NULL)
                break;
            *c = '\0';
        }
        long sessions, preds;
        double hr, mrr;
        if (k != 8 || strcmp(field[0], dataset) != 0 ||
            sbr_parse_long(field[2], 0, 1000000000, &sessions) != NULL ||
            sbr_parse_long(field[3], 0, 1000000000, &preds) != NULL ||
            sbr_parse_double(field[4], strlen(field[4]), &hr) != NULL ||
            sbr_parse_double(field[5], strlen(field[5]), &mrr) != NULL || sessions != N_SESSIONS)
            continue;
        *hr_lo = fmin(*hr_lo, hr), *hr_hi = fmax(*hr_hi, hr);
        *mrr_lo = fmin(*mrr_lo, mrr), *mrr_hi = fmax(*mrr_hi, mrr);
        *predictions = (size_t)preds;
        n++;
    }
    free(text);
    return n >= 3;
}

static void check_against_gensim(const char *dataset)
{
    double hr_lo = 0, hr_hi = 0, mrr_lo = 0, mrr_hi = 0;
    size_t preds = 0;
    CU_ASSERT_FATAL(gensim_range(dataset, &hr_lo, &hr_hi, &mrr_lo, &mrr_hi, &preds));
    char train_path[256], test_path[256];
    snprintf(train_path, sizeof train_path, "%s/train.tsv.gz", dataset);
    snprintf(test_path, sizeof test_path, "%s/test.tsv.gz", dataset);
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_dataset *train = NULL, *test = NULL, *first = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(test_data_path(train_path), &lo, &train, NULL, &e),
                          SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(test_data_path(test_path), &lo, &test, NULL, &e),
                          SBR_OK);
    /* The first N_SESSIONS test sessions by SessionId, as the script evaluates. */
    bool *keep = calloc(test->n_clicks + 1, sizeof *keep);
    CU_ASSERT_PTR_NOT_NULL_FATAL(keep);
    for (size_t s = 0; s < test->n_sessions && s < N_SESSIONS; s++)
        for (size_t c = test->offsets[s]; c < test->offsets[s + 1]; c++)
            keep[c] = true;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(test, keep, &first, &e), SBR_OK);
    free(keep);
    sbr_model *m = test_fit("item2vec", train); /* gensim's hyperparameters, as the script's */
    sbr_eval_options opt;
    sbr_eval_options_init(&opt);
    opt.threads = 2;
    opt.latency = false;
    sbr_eval_result res;
    CU_ASSERT_EQUAL_FATAL(sbr_evaluate(m, train, first, &opt, &res, &e), SBR_OK);
    double hr = res.at[0].hr, mrr = res.at[0].mrr;
    printf("\n    %s: sbr HR@20 %.4f MRR@20 %.4f; gensim seeds HR@20 %.4f..%.4f MRR@20 "
           "%.4f..%.4f (%zu predictions)\n",
           dataset, hr, mrr, hr_lo, hr_hi, mrr_lo, mrr_hi, res.n_predictions);
    CU_ASSERT_EQUAL(res.n_predictions, preds); /* the same protocol */
    CU_ASSERT(hr >= hr_lo - 0.01 && hr <= hr_hi + 0.01);
    CU_ASSERT(mrr >= mrr_lo - 0.01 && mrr <= mrr_hi + 0.01);
    sbr_eval_result_fini(&res);
    m->algo->free(m);
    sbr_dataset_free(first);
    sbr_dataset_free(test);
    sbr_dataset_free(train);
}

static void test_retailrocket_is_within_gensims_seed_range(void)
{
    check_against_gensim("retailrocket");
}

static void test_diginetica_is_within_gensims_seed_range(void)
{
    check_against_gensim("diginetica");
}

static CU_TestInfo tests[] = {
    {"neighbours come from the same cluster", test_neighbours_come_from_the_same_cluster},
    {"mean queries exclude every query item", test_mean_queries_exclude_every_query_item},
    {"one seed, one model file", test_one_seed_one_model_file},
    CU_TEST_INFO_NULL};

static CU_TestInfo data_tests[] = {
    {"retailrocket is within gensim's seed range", test_retailrocket_is_within_gensims_seed_range},
    {"diginetica is within gensim's seed range", test_diginetica_is_within_gensims_seed_range},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_item2vec = {"item2vec", NULL, NULL, NULL, NULL, tests};
CU_SuiteInfo sbr_suite_item2vec_data = {"item2vec_data", NULL, NULL, NULL, NULL, data_tests};
