/* item2vec: determinism (one seed, one model file, byte for byte), what the embedding learns
 * on a corpus with a known structure, the query modes, and — on the shared retailrocket and
 * diginetica splits — accuracy within gensim's seed-to-seed range. gensim's numbers come from
 * tests/reference/item2vec_gensim.py (Debian's python3-gensim 4.2), kept in
 * tests/fixtures/item2vec_gensim.csv; nothing here is compared with sbr's own output. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "algorithms/nn/sgns.h"
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

/* The model file `spec` fits on ds with `threads` OpenMP threads (malloc'ed, *len bytes). */
static char *model_file(const char *spec, const sbr_dataset *ds, int threads, size_t *len)
{
    static int n_files;
    int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    sbr_vocab v;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_vocab_from_dataset(ds, &v, &e), SBR_OK);
    sbr_spec sp = SBR_SPEC_EMPTY;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, spec, &e), SBR_OK);
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(sp.algo, sp.config, ds, &m, &e), SBR_OK);
    omp_set_num_threads(before);
    char path[512];
    snprintf(path, sizeof path, "%s/i2v-%d.sbrm", test_tmpdir(), n_files++);
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(m, &sp, &v, path, &e), SBR_OK);
    char *bytes = test_read_file(path, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    m->algo->free(m);
    sbr_spec_fini(&sp);
    sbr_vocab_fini(&v);
    return bytes;
}

static bool same_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* The same seed gives the same model file byte for byte; another seed another model. */
static void test_one_seed_one_model_file(void)
{
    sbr_dataset *ds = clustered(7);
    const char *specs[] = {"item2vec:dim=24,epochs=3,seed=4", "item2vec:dim=24,epochs=3,seed=4",
                           "item2vec:dim=24,epochs=3,seed=5"};
    char *bytes[3];
    size_t len[3];
    for (int k = 0; k < 3; k++)
        bytes[k] = model_file(specs[k], ds, 2, &len[k]);
    CU_ASSERT(same_bytes(bytes[0], len[0], bytes[1], len[1]));
    CU_ASSERT(!same_bytes(bytes[0], len[0], bytes[2], len[2]));
    for (int k = 0; k < 3; k++)
        free(bytes[k]);
    sbr_dataset_free(ds);
}

/* Sharded training (3 jobs of up to 10,000 clicks per epoch here) gives the same model file
 * on 1, 2 and 3 threads, with the default 16 shards and with 3; and the shards are real:
 * shards=1, the exact sequential order, gives other vectors. */
static void test_the_model_file_is_the_same_for_any_thread_count(void)
{
    sbr_dataset *ds = clustered(9);
    const char *specs[] = {"item2vec:dim=20,epochs=3", "item2vec:dim=20,epochs=2,shards=3",
                           "item2vec:dim=20,epochs=2,shards=1"};
    char *first[3];
    size_t first_len[3];
    for (int k = 0; k < 3; k++) {
        first[k] = model_file(specs[k], ds, 1, &first_len[k]);
        for (int threads = 2; threads <= 3; threads++) {
            size_t len = 0;
            char *bytes = model_file(specs[k], ds, threads, &len);
            CU_ASSERT(same_bytes(first[k], first_len[k], bytes, len));
            free(bytes);
        }
    }
    /* The files differ in their spec line and checksum (the last 4 bytes), so compare the
     * 100 vectors before the checksum. */
    size_t len = 0, tail = 20 * 100 * sizeof(float) + 4;
    char *sharded = model_file("item2vec:dim=20,epochs=2,shards=16", ds, 2, &len);
    CU_ASSERT_FATAL(len > tail && first_len[2] > tail);
    CU_ASSERT(memcmp(sharded + len - tail, first[2] + first_len[2] - tail, tail - 4) != 0);
    free(sharded);
    for (int k = 0; k < 3; k++)
        free(first[k]);
    sbr_dataset_free(ds);
}

/* Jobs with fewer sessions than shards (most shards empty) and sessions without a pair (one
 * click) train, and the same on 1 and 2 threads. */
static void test_empty_shards_and_sessions_without_pairs_train(void)
{
    sbr_click c[] = {{1, 10, 1, 0}, {1, 11, 2, 1}, {1, 12, 3, 2}, {2, 13, 4, 3},
                     {3, 10, 5, 4}, {3, 12, 6, 5}, {4, 14, 7, 6}, {4, 11, 8, 7}};
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, sizeof c / sizeof *c, &ds, &e), SBR_OK);
    size_t len1 = 0, len2 = 0;
    char *one = model_file("item2vec:dim=8,sample=0", ds, 1, &len1);
    char *two = model_file("item2vec:dim=8,sample=0", ds, 2, &len2);
    CU_ASSERT(same_bytes(one, len1, two, len2));
    free(one);
    free(two);
    sbr_dataset_free(ds);
}

/* The negative table's bucketed lookup picks bisect_left(cum, r % total) (clamped), the
 * reference below, for every value of small tables and for bucket edges and random values
 * of a full-size one (gensim's domain 2^31 - 1), ties and empty weights included. */
static size_t reference_draw(const uint32_t *cum, size_t n, uint32_t r)
{
    uint32_t total = cum[n - 1];
    uint64_t x = total > 0 ? r % total : 0;
    size_t lo = 0;
    while (lo < n && cum[lo] < x) /* linear: obviously bisect_left */
        lo++;
    return lo < n ? lo : n - 1;
}

static uint32_t *cum_table(gsl_rng *g, size_t n, double domain, double exponent)
{
    uint32_t *cum = malloc(n * sizeof *cum);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cum);
    double *w = malloc(n * sizeof *w), sum = 0, run = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t i = 0; i < n; i++) { /* Zipf-like counts, a few zero weights (ties in cum) */
        w[i] = i > 0 && gsl_rng_uniform_int(g, 10) == 0 ? 0 : pow(1 + (double)i, -exponent);
        sum += w[i];
    }
    for (size_t i = 0; i < n; i++) {
        run += w[i];
        cum[i] = (uint32_t)round(run / sum * domain);
    }
    free(w);
    return cum;
}

static size_t check_draws(const uint32_t *cum, size_t n, const uint32_t *rs, size_t n_rs)
{
    sbr_sgns_negtab t;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_sgns_negtab_init(&t, cum, n, &e), SBR_OK);
    size_t bad = 0;
    for (size_t k = 0; k < n_rs; k++)
        bad += sbr_sgns_negtab_draw(&t, rs[k]) != reference_draw(cum, n, rs[k]);
    sbr_sgns_negtab_fini(&t);
    return bad;
}

static void test_negative_draws_are_bisect_left(void)
{
    gsl_rng *g = sbr_rng_new(17);
    const struct {
        size_t n;
        double domain, exponent;
    } tables[] = {
        {1, 1000, 1}, {7, 3, 0.5}, {50, 5000, 0.75}, {300, 70001, 1.2}, {2000, 1048593, 0.75}};
    for (size_t k = 0; k < sizeof tables / sizeof *tables; k++) {
        uint32_t *cum = cum_table(g, tables[k].n, tables[k].domain, tables[k].exponent);
        size_t n_rs = cum[tables[k].n - 1] + 64; /* every value, and a few that wrap */
        uint32_t *rs = malloc(n_rs * sizeof *rs);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
        for (size_t r = 0; r < n_rs; r++)
            rs[r] = (uint32_t)r;
        CU_ASSERT_EQUAL(check_draws(cum, tables[k].n, rs, n_rs), 0);
        free(rs);
        free(cum);
    }
    /* Full size: every bucket edge (2^16 apart) +-2 and 200,000 random 32-bit values. */
    size_t n = 5000, n_rs = 0;
    uint32_t *cum = cum_table(g, n, 2147483647.0, 0.75);
    uint32_t *rs = malloc((5 * 32768 + 200000) * sizeof *rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    for (uint64_t b = 0; b < 32768; b++)
        for (int d = -2; d <= 2; d++)
            if ((int64_t)(b << 16) + d >= 0)
                rs[n_rs++] = (uint32_t)((int64_t)(b << 16) + d);
    for (size_t k = 0; k < 200000; k++)
        rs[n_rs++] = (uint32_t)gsl_rng_get(g);
    CU_ASSERT_EQUAL(check_draws(cum, n, rs, n_rs), 0);
    free(rs);
    free(cum);
    uint32_t zeros[3] = {0, 0, 0}, any[2] = {5, 4000000000u}; /* no weight at all: row 0 */
    CU_ASSERT_EQUAL(check_draws(zeros, 3, any, 2), 0);
    gsl_rng_free(g);
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
        size_t k = test_split_csv(line, field, 8);
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
    {"the model file is the same for any thread count",
     test_the_model_file_is_the_same_for_any_thread_count},
    {"empty shards and sessions without pairs train",
     test_empty_shards_and_sessions_without_pairs_train},
    {"negative draws are bisect_left", test_negative_draws_are_bisect_left},
    CU_TEST_INFO_NULL};

static CU_TestInfo data_tests[] = {
    {"retailrocket is within gensim's seed range", test_retailrocket_is_within_gensims_seed_range},
    {"diginetica is within gensim's seed range", test_diginetica_is_within_gensims_seed_range},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_item2vec = {"item2vec", NULL, NULL, NULL, NULL, tests};
CU_SuiteInfo sbr_suite_item2vec_data = {"item2vec_data", NULL, NULL, NULL, NULL, data_tests};
