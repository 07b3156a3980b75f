/* The plugin interface: parameters, the ranking rule, the rule baselines and popularity, with
 * expectations computed by hand (in the comments) or by brute force. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/rng.h"
#include "algorithms/rules.h"
#include "algorithms/sr.h"

static void test_set_param_rejects_garbage_out_of_range_and_unknown(void)
{
    const sbr_algo *a = sbr_algo_find("sr");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    sr_config cfg;
    sbr_err e = {SBR_OK, ""};
    sbr_algo_defaults(a, &cfg);
    CU_ASSERT_EQUAL(cfg.steps, 10);
    CU_ASSERT_DOUBLE_EQUAL(cfg.pruning, 20, 0);
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "steps", "12x", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sr: steps='12x' is not an integer"));
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "steps", "0", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "from 1 to 1000"));
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "weighting", "cubic", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "linear, same, div, log or quadratic"));
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "k", "5", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown parameter 'k'"));
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "pruning", "nan", &e), SBR_EINVAL);
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "steps", "7", &e), SBR_OK);
    CU_ASSERT_EQUAL(cfg.steps, 7);
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "weighting", "quadratic", &e), SBR_OK);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(sbr_algo_format_params(a, &cfg, buf, sizeof buf),
                           "steps=7;weighting=quadratic;pruning=20");
}

static void test_parse_spec_reads_name_and_parameters(void)
{
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, "sr:steps=20,weighting=quadratic", &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(sp.algo->name, "sr");
    CU_ASSERT_EQUAL(((const sr_config *)sp.config)->steps, 20);
    /* The storage is the algorithm's own size and aligned for its struct. */
    CU_ASSERT_EQUAL((uintptr_t)sp.config % _Alignof(sr_config), 0);
    /* A params cell of a results file, pasted: ';' separates as ',' does. */
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, "sr:steps=7;weighting=quadratic,pruning=5", &e),
                          SBR_OK);
    char text[256];
    CU_ASSERT_STRING_EQUAL(sbr_algo_format_params(sp.algo, sp.config, text, sizeof text),
                           "steps=7;weighting=quadratic;pruning=5");
    CU_ASSERT_EQUAL(sbr_spec_parse(&sp, "ar", &e), SBR_OK);
    CU_ASSERT_STRING_EQUAL(sp.algo->name, "ar");
    CU_ASSERT_EQUAL(sbr_spec_parse(&sp, "nosuch:k=1", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NULL(sp.config); /* a failed parse leaves the spec empty */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown algorithm 'nosuch'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "markov"));
    CU_ASSERT_EQUAL(sbr_spec_parse(&sp, "sr:steps", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not key=value"));
    /* A cross-parameter rule is checked at parse time (vmis: k <= m). */
    CU_ASSERT_EQUAL(sbr_spec_parse(&sp, "vmis:m=10,k=20", &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "k=20"));
    CU_ASSERT_EQUAL(sbr_spec_parse(&sp, "vmis:m=20,k=20", &e), SBR_OK);
    sbr_spec copy = SBR_SPEC_EMPTY;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_copy(&copy, &sp, &e), SBR_OK);
    CU_ASSERT_EQUAL(memcmp(copy.config, sp.config, sp.algo->config_size), 0);
    sbr_spec_fini(&copy);
    sbr_spec_fini(&sp);
    sbr_spec_fini(&sp); /* twice is harmless */
    sbr_spec_fini(NULL);
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    const char *const expected[] = {"pop",   "spop", "ar",   "sr",    "markov", "vmis",
                                    "vsknn", "sknn", "stan", "vstan", "iknn",   "sscf"};
    CU_ASSERT(n >= 12); /* these twelve, in `sbr algos` order; a new one may follow */
    for (size_t i = 0; i < 12 && i < n; i++) {
        CU_ASSERT_STRING_EQUAL(all[i]->name, expected[i]);
        /* the first five are rules and counts, the next seven neighbourhood methods */
        CU_ASSERT_EQUAL(all[i]->family, i < 5 ? SBR_FAMILY_BASELINE : SBR_FAMILY_NEIGHBOURS);
    }
    CU_ASSERT_EQUAL(sbr_algo_find("stamp")->family, SBR_FAMILY_LEARNED);
    CU_ASSERT_STRING_EQUAL(sbr_algo_family_name(SBR_FAMILY_NEIGHBOURS), "neighbours");
    CU_ASSERT_STRING_EQUAL(sbr_algo_family_name(SBR_FAMILY_N), "none");
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(all[i]->abi, SBR_ALGO_ABI);
        CU_ASSERT_EQUAL(sbr_algo_validate(all[i], &e), SBR_OK);
    }
}

/* sbr_algo_check is the one place parameters are validated: out-of-range values written
 * straight into a config (as a tuner or a model file could) are caught there and by
 * sbr_algo_fit, before the algorithm runs. */
static void test_check_validates_every_parameter_against_the_table(void)
{
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    sbr_err e;
    for (size_t i = 0; i < n; i++) {
        const sbr_algo *a = all[i];
        sbr_spec sp = SBR_SPEC_EMPTY;
        CU_ASSERT_EQUAL_FATAL(sbr_spec_defaults(&sp, a, &e), SBR_OK);
        CU_ASSERT_EQUAL(sbr_algo_check(a, sp.config, &e), SBR_OK);
        for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
            char *field = (char *)sp.config + p->offset;
            unsigned char saved[sizeof(double)];
            memcpy(saved, field,
                   sizeof saved < a->config_size - p->offset ? sizeof saved
                                                             : a->config_size - p->offset);
            if (p->kind == SBR_P_INT) {
                long v = (long)p->hi + 1;
                memcpy(field, &v, sizeof v);
            } else if (p->kind == SBR_P_DOUBLE) {
                double v = p->lo - 1;
                memcpy(field, &v, sizeof v);
            } else {
                int v = -1;
                memcpy(field, &v, sizeof v);
            }
            CU_ASSERT_EQUAL(sbr_algo_check(a, sp.config, &e), SBR_EINVAL);
            CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, p->name));
            sbr_model *m = (sbr_model *)&e; /* must be reset to NULL */
            CU_ASSERT_EQUAL(sbr_algo_fit(a, sp.config, NULL, &m, &e), SBR_EINVAL);
            CU_ASSERT_PTR_NULL(m);
            memcpy(field, saved,
                   sizeof saved < a->config_size - p->offset ? sizeof saved
                                                             : a->config_size - p->offset);
        }
        sbr_spec_fini(&sp);
    }
}

/* An algorithm table of another interface version, or with a broken parameter table, is
 * refused by the registry's validation. */
static sbr_rc dummy_fit(const void *c, const sbr_dataset *t, const sbr_fit_opts *f, sbr_model **o,
                        sbr_err *e)
{
    (void)c, (void)t, (void)f, (void)e;
    *o = NULL;
    return SBR_OK;
}

static void test_validate_rejects_another_abi_and_broken_tables(void)
{
    typedef struct dcfg {
        long k;
    } dcfg;
    static const sbr_param_spec ok_params[] = {
        {"k", SBR_P_INT, offsetof(dcfg, k), 5, 1, 10, NULL, "k"},
        {NULL, 0, 0, 0, 0, 0, NULL, NULL}};
    static const sbr_param_spec bad_default[] = {
        {"k", SBR_P_INT, offsetof(dcfg, k), 50, 1, 10, NULL, "k"},
        {NULL, 0, 0, 0, 0, 0, NULL, NULL}};
    static const sbr_param_spec twice[] = {{"k", SBR_P_INT, offsetof(dcfg, k), 5, 1, 10, NULL, "k"},
                                           {"k", SBR_P_INT, offsetof(dcfg, k), 5, 1, 10, NULL, "k"},
                                           {NULL, 0, 0, 0, 0, 0, NULL, NULL}};
    static const sbr_param_spec outside[] = {{"k", SBR_P_INT, sizeof(dcfg), 5, 1, 10, NULL, "k"},
                                             {NULL, 0, 0, 0, 0, 0, NULL, NULL}};
    /* A complete table borrowed from a real algorithm, then altered. */
    sbr_algo d = *sbr_algo_find("pop");
    d.name = "dummy";
    d.params = ok_params;
    d.config_size = sizeof(dcfg);
    d.fit = dummy_fit;
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_OK);
    d.abi = SBR_ALGO_ABI - 1;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "interface version"));
    d.abi = SBR_ALGO_ABI;
    d.params = bad_default;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    d.params = twice;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    d.params = outside;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    d.params = ok_params;
    d.family = SBR_FAMILY_NONE;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no family"));
    d.family = SBR_FAMILY_N;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    d.family = SBR_FAMILY_BASELINE;
    d.predict = NULL;
    CU_ASSERT_EQUAL(sbr_algo_validate(&d, &e), SBR_EINTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "missing"));
}

static int brute_cmp(const void *x, const void *y)
{
    const sbr_scored *a = x, *b = y;
    return sbr_scored_before(a, b) ? -1 : sbr_scored_before(b, a) ? 1 : 0;
}

static void test_topn_breaks_ties_by_item_and_matches_a_full_sort(void)
{
    /* Hand case: scores 0.5 for items 9, 3, 7 and 1.0 for 4: 4 first, then 3, 7, 9. Items
     * with score 0 are never listed. */
    sbr_scored heap[3], out[3];
    sbr_topn t;
    sbr_topn_init(&t, heap, 3);
    sbr_topn_push(&t, 9, 0.5);
    sbr_topn_push(&t, 3, 0.5);
    sbr_topn_push(&t, 0, 0.0);
    sbr_topn_push(&t, 7, 0.5);
    sbr_topn_push(&t, 4, 1.0);
    CU_ASSERT_EQUAL_FATAL(sbr_topn_finish(&t, out), 3);
    CU_ASSERT_EQUAL(out[0].item, 4);
    CU_ASSERT_EQUAL(out[1].item, 3);
    CU_ASSERT_EQUAL(out[2].item, 7);
    /* Random streams with many ties against a full sort. */
    gsl_rng *r = sbr_rng_new(sbr_seed(42, 0, 0, 0));
    enum { N = 500, K = 20 };
    sbr_scored all[N], big_heap[K], got[K];
    for (int trial = 0; trial < 50; trial++) {
        sbr_topn_init(&t, big_heap, K);
        size_t n_pos = 0;
        for (uint32_t i = 0; i < N; i++) {
            double s = (double)gsl_rng_uniform_int(r, 8); /* 0..7: ties and zeros */
            uint32_t item = (i * 7919u) % N;              /* not in id order */
            sbr_topn_push(&t, item, s);
            if (s > 0)
                all[n_pos++] = (sbr_scored){item, s};
        }
        qsort(all, n_pos, sizeof *all, brute_cmp);
        size_t n = sbr_topn_finish(&t, got);
        CU_ASSERT_EQUAL(n, n_pos < K ? n_pos : K);
        for (size_t k = 0; k < n; k++) {
            CU_ASSERT_EQUAL(got[k].item, all[k].item);
            CU_ASSERT_EQUAL(got[k].score, all[k].score);
        }
    }
    gsl_rng_free(r);
}

static void test_pruning_keeps_ties_in_first_insertion_order(void)
{
    /* Antecedent 0 gets consequents 5, 2, 8, 1 with weights 1, 2, 1, 1 (in that insertion
     * order). pruning 2 keeps 2 (the largest) and, of the tied 5, 8 and 1, the first
     * inserted: 5. Stored in ranking order: 2 (w 2), then 5. */
    sbr_rules_builder *b = sbr_rules_builder_new(10);
    sbr_err e;
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(sbr_rules_add(b, 0, 5, 1, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rules_add(b, 0, 2, 1, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rules_add(b, 0, 8, 1, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rules_add(b, 0, 1, 1, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rules_add(b, 0, 2, 1, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_rules_add(b, 3, 4, 0.5, &e), SBR_OK);
    sbr_rules r;
    CU_ASSERT_EQUAL_FATAL(sbr_rules_build(b, 2, &r, &e), SBR_OK);
    CU_ASSERT_EQUAL(r.offsets[1] - r.offsets[0], 2);
    CU_ASSERT_EQUAL(r.items[0], 2);
    CU_ASSERT_DOUBLE_EQUAL(r.weights[0], 2, 0);
    CU_ASSERT_EQUAL(r.items[1], 5);
    CU_ASSERT_EQUAL(r.offsets[3], 2); /* items 1, 2 have no rules */
    CU_ASSERT_EQUAL(r.offsets[4] - r.offsets[3], 1);
    CU_ASSERT_EQUAL(r.items[r.offsets[3]], 4);
    sbr_rules_fini(&r);
    sbr_rules_fini(NULL);
    sbr_rules_builder_free(NULL);
}

/* Train: s1 = a b c, s2 = b c, s3 = c a (ids a=1, b=2, c=3 -> dense 0, 1, 2). */
static sbr_dataset *tiny_train(void)
{
    sbr_click clicks[] = {{1, 1, 1, 0}, {1, 2, 2, 1}, {1, 3, 3, 2}, {2, 2, 4, 3},
                          {2, 3, 5, 4}, {3, 3, 6, 5}, {3, 1, 7, 6}};
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, 7, &ds, &e), SBR_OK);
    return ds;
}

/* Fits `spec` on the tiny train set and predicts after the session `items` (dense). */
static size_t predict_tiny(const char *spec, const uint32_t *items, size_t len, sbr_scored *out,
                           size_t n)
{
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, spec, &e), SBR_OK);
    const sbr_algo *a = sp.algo;
    sbr_dataset *train = tiny_train();
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(a, sp.config, train, &m, &e), SBR_OK);
    sbr_spec_fini(&sp);
    void *scratch = a->scratch_new(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    double times[8] = {0};
    sbr_query q = {items, times, len, 0, n, NULL};
    size_t n_out = 0;
    CU_ASSERT_EQUAL(a->predict(m, &q, scratch, out, &n_out, &e), SBR_OK);
    CU_ASSERT(a->model_bytes(m) > 0);
    a->scratch_free(scratch);
    a->free(m);
    sbr_dataset_free(train);
    return n_out;
}

static void test_rule_baselines_score_a_hand_example(void)
{
    sbr_scored out[5];
    const uint32_t after_c[] = {2};
    /* AR, after c: c co-occurs with a in s1 and s3 (2), with b in s1 and s2 (2). Normalised:
     * a 1, b 1; tie -> a (id 1) before b (id 2). */
    CU_ASSERT_EQUAL_FATAL(predict_tiny("ar", after_c, 1, out, 5), 2);
    CU_ASSERT_EQUAL(out[0].item, 0);
    CU_ASSERT_EQUAL(out[1].item, 1);
    CU_ASSERT_DOUBLE_EQUAL(out[1].score, 1.0, 0);
    /* Markov, after b: b -> c twice. After c: c -> a once. */
    const uint32_t after_b[] = {1};
    CU_ASSERT_EQUAL_FATAL(predict_tiny("markov", after_b, 1, out, 5), 1);
    CU_ASSERT_EQUAL(out[0].item, 2);
    CU_ASSERT_EQUAL_FATAL(predict_tiny("markov", after_c, 1, out, 5), 1);
    CU_ASSERT_EQUAL(out[0].item, 0);
    /* SR (div), after a: s1 links a->b (1 step, 1) and a->c (2 steps, 1/2). Normalised by the
     * max 1: b 1, c 0.5. */
    const uint32_t after_a[] = {0};
    CU_ASSERT_EQUAL_FATAL(predict_tiny("sr:weighting=div", after_a, 1, out, 5), 2);
    CU_ASSERT_EQUAL(out[0].item, 1);
    CU_ASSERT_EQUAL(out[1].item, 2);
    CU_ASSERT_DOUBLE_EQUAL(out[1].score, 0.5, 1e-15);
    /* quadratic: c gets 1/4. */
    CU_ASSERT_EQUAL_FATAL(predict_tiny("sr:weighting=quadratic", after_a, 1, out, 5), 2);
    CU_ASSERT_DOUBLE_EQUAL(out[1].score, 0.25, 1e-15);
    /* steps=1: only a->b. */
    CU_ASSERT_EQUAL(predict_tiny("sr:steps=1", after_a, 1, out, 5), 1);
    /* Only the last item counts, and an unknown last item predicts nothing. */
    const uint32_t a_then_unknown[] = {0, SBR_ITEM_UNKNOWN};
    CU_ASSERT_EQUAL(predict_tiny("ar", a_then_unknown, 2, out, 5), 0);
}

static void test_popularity_baselines_score_a_hand_example(void)
{
    /* Clicks: a 2, b 2, c 3. pop: c 3/4, then a and b 2/3 (tie: a first). */
    sbr_scored out[5];
    const uint32_t any[] = {1};
    CU_ASSERT_EQUAL_FATAL(predict_tiny("pop", any, 1, out, 5), 3);
    CU_ASSERT_EQUAL(out[0].item, 2);
    CU_ASSERT_DOUBLE_EQUAL(out[0].score, 0.75, 1e-15);
    CU_ASSERT_EQUAL(out[1].item, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[1].score, 2.0 / 3.0, 1e-15);
    CU_ASSERT_EQUAL(predict_tiny("pop:top_n=1", any, 1, out, 5), 1);
    /* spop with top_n=1 (only c is "popular"), session b b: b scores its count 2 (outside
     * the top), c 3/4; a is neither in the session nor popular: not listed. */
    const uint32_t b_b[] = {1, 1};
    CU_ASSERT_EQUAL_FATAL(predict_tiny("spop:top_n=1", b_b, 2, out, 5), 2);
    CU_ASSERT_EQUAL(out[0].item, 1);
    CU_ASSERT_DOUBLE_EQUAL(out[0].score, 2.0, 0);
    CU_ASSERT_EQUAL(out[1].item, 2);
    /* spop with top_n=3, session c: c = 1 + 3/4. */
    const uint32_t c[] = {2};
    CU_ASSERT_EQUAL_FATAL(predict_tiny("spop:top_n=3", c, 1, out, 5), 3);
    CU_ASSERT_EQUAL(out[0].item, 2);
    CU_ASSERT_DOUBLE_EQUAL(out[0].score, 1.75, 1e-15);
}

static CU_TestInfo tests[] = {
    {"set_param rejects garbage, out-of-range and unknown names",
     test_set_param_rejects_garbage_out_of_range_and_unknown},
    {"parse_spec reads the name and the parameters", test_parse_spec_reads_name_and_parameters},
    {"check validates every parameter against the table",
     test_check_validates_every_parameter_against_the_table},
    {"validate rejects another ABI and broken tables",
     test_validate_rejects_another_abi_and_broken_tables},
    {"top-n breaks ties by item and matches a full sort",
     test_topn_breaks_ties_by_item_and_matches_a_full_sort},
    {"pruning keeps ties in first-insertion order",
     test_pruning_keeps_ties_in_first_insertion_order},
    {"rule baselines score a hand example", test_rule_baselines_score_a_hand_example},
    {"popularity baselines score a hand example", test_popularity_baselines_score_a_hand_example},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_algo = {"algo", NULL, NULL, NULL, NULL, tests};
