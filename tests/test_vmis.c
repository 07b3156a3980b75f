/* vmis unit tests: hand-computed cases for every rule of the reference document on Serenade's
 * VMIS-kNN (sections 2-4), a port check of the t-digest estimate, parameter validation, and a
 * comparison with a brute-force implementation written here from the specification (plain
 * loops over all sessions, no index) on seeded random data, in both modes.
 *
 * Expected values are derived by hand in the comments (from the document's formulas), or come
 * from the brute force; none is copied from the program's output. The t-digest port, the
 * time rounding and the scratch's stamp are reached through algorithms/vmis_int.h and
 * algorithms/session_index.h. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/session_index.h"
#include "algorithms/vmis.h"
#include "algorithms/vmis_int.h"
#include "data/rng.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* A dataset from clicks given in file order: the row ordinal is the array position. */
static sbr_dataset *dataset_of(const sbr_click *clicks, size_t n)
{
    sbr_click *copy = malloc(n * sizeof *copy);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    for (size_t c = 0; c < n; c++) {
        copy[c] = clicks[c];
        copy[c].row = c;
    }
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(copy, n, &ds, &e), SBR_OK);
    free(copy);
    return ds;
}

/* Fits the registry's vmis with a spec such as "vmis:compat=serenade,idf=0". */
static sbr_model *fit_spec(const char *spec, const sbr_dataset *ds)
{
    return test_fit(spec, ds);
}

/* One prediction for a query of original item ids (0 stands for an unknown item); returns
 * the list length and fills out (at most n entries). */
static size_t predict_ids(const sbr_model *m, const sbr_dataset *ds, const uint64_t *ids,
                          size_t len, size_t n, sbr_scored *out)
{
    uint32_t items[128];
    double times[128] = {0};
    CU_ASSERT_FATAL(len <= 128);
    for (size_t t = 0; t < len; t++) {
        uint32_t i;
        items[t] = ids[t] != 0 && sbr_dataset_find_item(ds, ids[t], &i) ? i : SBR_ITEM_UNKNOWN;
    }
    void *scratch = m->algo->scratch_new(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    sbr_query q = {items, times, len, 0.0, n, NULL};
    size_t n_out = 99;
    sbr_err e;
    CU_ASSERT_EQUAL(m->algo->predict(m, &q, scratch, out, &n_out, &e), SBR_OK);
    m->algo->scratch_free(scratch);
    return n_out;
}

/* Asserts that the list is exactly the given original ids with the given scores (1e-12). */
static void check_list(const sbr_dataset *ds, const sbr_scored *got, size_t n_got,
                       const uint64_t *ids, const double *scores, size_t n)
{
    CU_ASSERT_EQUAL(n_got, n);
    if (n_got != n) {
        for (size_t r = 0; r < n_got; r++)
            printf("\n      got %llu %.17g", (unsigned long long)ds->item_ids[got[r].item],
                   got[r].score);
        return;
    }
    for (size_t r = 0; r < n; r++) {
        CU_ASSERT_EQUAL(ds->item_ids[got[r].item], ids[r]);
        CU_ASSERT_DOUBLE_EQUAL(got[r].score, scores[r], 1e-12 * fabs(scores[r]));
    }
}

/* Runs a query and checks its list in one call. */
static void expect(const sbr_model *m, const sbr_dataset *ds, const uint64_t *query, size_t len,
                   const uint64_t *ids, const double *scores, size_t n)
{
    sbr_scored out[32];
    size_t n_got = predict_ids(m, ds, query, len, 32, out);
    check_list(ds, out, n_got, ids, scores, n);
}

/* ---- hand-computed cases ------------------------------------------------------------------ */

/* Items A=1 .. F=6. S0 (id 10) = A B C, S1 (id 20) = B D, S2 (id 30) = A E, S3 (id 40) = F;
 * every session's clicks in time order. Serenade's reading drops the final row (Q1), so S3
 * vanishes there. */
static const sbr_click abc_clicks[] = {
    {10, 1, 10, 0}, {10, 2, 11, 0}, {10, 3, 12, 0}, {20, 2, 20, 0},
    {20, 4, 21, 0}, {30, 1, 30, 0}, {30, 5, 31, 0}, {40, 6, 40, 0},
};

static void test_decay_match_weight_and_last_item_removal(void)
{
    sbr_dataset *ds = dataset_of(abc_clicks, 8);
    sbr_model *m = fit_spec("vmis:compat=clean,idf=0", ds);
    /* Query A B (L = 2, U = 2): B at position 0 weighs (2-0)/2 = 1, A at position 1 weighs
     * (2-1)/2 = 0.5. sim(S0) = 1 + 0.5 = 1.5 (A and B), sim(S1) = 1 (B), sim(S2) = 0.5 (A).
     * Match weights: S0 and S1 hold B, the last click (p = 1): 0.9; S2 matches A (p = 2):
     * 0.8. Scores: A = 0.9*1.5 + 0.8*0.5 = 1.75, C = 0.9*1.5 = 1.35, D = 0.9*1 = 0.9,
     * E = 0.8*0.5 = 0.4; B (the last click) is removed. */
    const uint64_t q1[] = {1, 2};
    const uint64_t ids1[] = {1, 3, 4, 5};
    const double sc1[] = {1.75, 1.35, 0.9, 0.4};
    expect(m, ds, q1, 2, ids1, sc1, 4);
    /* Query B A B with last_items 2 is A B again; with the default the same holds for C A B. */
    const uint64_t q2[] = {3, 1, 2};
    expect(m, ds, q2, 3, ids1, sc1, 4);
    m->algo->free(m);

    /* remind=1 keeps the last click: B = 0.9*1.5 (S0) + 0.9*1 (S1) = 2.25 leads the list. */
    m = fit_spec("vmis:compat=clean,idf=0,remind=1", ds);
    const uint64_t idsr[] = {2, 1, 3, 4, 5};
    const double scr[] = {2.25, 1.75, 1.35, 0.9, 0.4};
    expect(m, ds, q1, 2, idsr, scr, 5);
    m->algo->free(m);

    /* last_items = 3, query C A B: L = U = 3, weights B 3/3, A 2/3, C 1/3. sim(S0) = 2,
     * sim(S1) = 1, sim(S2) = 2/3. A = 0.9*2 + 0.8*2/3, C = 0.9*2 (an earlier click of the
     * session stays recommendable), D = 0.9, E = 0.8*2/3. */
    m = fit_spec("vmis:compat=clean,idf=0,last_items=3", ds);
    const uint64_t ids3[] = {1, 3, 4, 5};
    const double sc3[] = {1.8 + 0.8 * 2.0 / 3.0, 1.8, 0.9, 0.8 * 2.0 / 3.0};
    expect(m, ds, q2, 3, ids3, sc3, 4);
    /* A repeat: B A B has L = 3 but U = 2; B counts once, at its most recent position, with
     * (3-0)/2 = 1.5; A weighs (3-1)/2 = 1. sim(S0) = 2.5, sim(S1) = 1.5, sim(S2) = 1.
     * A = 0.9*2.5 + 0.8*1 = 3.05, C = 2.25, D = 1.35, E = 0.8. */
    const uint64_t q4[] = {2, 1, 2};
    const uint64_t ids4[] = {1, 3, 4, 5};
    const double sc4[] = {3.05, 2.25, 1.35, 0.8};
    expect(m, ds, q4, 3, ids4, sc4, 4);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_unknown_items_are_skipped(void)
{
    sbr_dataset *ds = dataset_of(abc_clicks, 8);
    sbr_model *m = fit_spec("vmis:compat=clean,idf=0", ds);
    /* Unknown clicks are dropped before the cut to the last 2 clicks, so A ? B and A B ? both
     * give the list of A B (first case of the previous test). */
    const uint64_t ids[] = {1, 3, 4, 5};
    const double sc[] = {1.75, 1.35, 0.9, 0.4};
    const uint64_t q1[] = {1, 0, 2}, q2[] = {1, 2, 0}, q3[] = {0}, q4[] = {999};
    expect(m, ds, q1, 3, ids, sc, 4);
    expect(m, ds, q2, 3, ids, sc, 4);
    sbr_scored out[8];
    CU_ASSERT_EQUAL(predict_ids(m, ds, q3, 1, 8, out), 0);
    CU_ASSERT_EQUAL(predict_ids(m, ds, q4, 1, 8, out), 0);
    /* n = 2 cuts the list. */
    sbr_scored two[2];
    CU_ASSERT_EQUAL(predict_ids(m, ds, q1, 3, 2, two), 2);
    check_list(ds, two, 2, ids, sc, 2);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_idf_in_both_modes(void)
{
    sbr_dataset *ds = dataset_of(abc_clicks, 8);
    /* clean: idf = ln(S / n_i) with S = 4 sessions: A and B ln 2, C, D, E, F ln 4. Query A B
     * as above: C = 1.35 ln 4, D = 0.9 ln 4, A = 1.75 ln 2, E = 0.4 ln 4. The parameter is a
     * switch: idf=3 gives the same list. */
    const uint64_t q[] = {1, 2};
    const uint64_t ids[] = {3, 4, 1, 5};
    const double sc[] = {1.35 * log(4), 0.9 * log(4), 1.75 * log(2), 0.4 * log(4)};
    sbr_model *m = fit_spec("vmis:compat=clean,idf=1", ds);
    expect(m, ds, q, 2, ids, sc, 4);
    m->algo->free(m);
    m = fit_spec("vmis:compat=clean,idf=3", ds);
    expect(m, ds, q, 2, ids, sc, 4);
    m->algo->free(m);
    /* serenade: S3 (one row, the final one) vanishes (Q1); P = 3 + 2 + 2 = 7 pairs (Q3):
     * idf(A) = ln(7/2), idf(C) = idf(D) = idf(E) = ln 7. C = 1.35 ln 7, A = 1.75 ln 3.5,
     * D = 0.9 ln 7, E = 0.4 ln 7; idf=2 doubles every score (Q4). */
    const uint64_t ids_s[] = {3, 1, 4, 5};
    double sc_s[] = {1.35 * log(7), 1.75 * log(3.5), 0.9 * log(7), 0.4 * log(7)};
    m = fit_spec("vmis:compat=serenade,idf=1", ds);
    expect(m, ds, q, 2, ids_s, sc_s, 4);
    m->algo->free(m);
    for (size_t r = 0; r < 4; r++)
        sc_s[r] *= 2;
    m = fit_spec("vmis:compat=serenade,idf=2", ds);
    expect(m, ds, q, 2, ids_s, sc_s, 4);
    m->algo->free(m);
    /* idf=0 in serenade makes every idf 0, and the scorer falls back to w * sim. */
    const uint64_t ids0[] = {1, 3, 4, 5};
    const double sc0[] = {1.75, 1.35, 0.9, 0.4};
    m = fit_spec("vmis:compat=serenade,idf=0", ds);
    expect(m, ds, q, 2, ids0, sc0, 4);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_match_weight_goes_negative_only_in_serenade_mode(void)
{
    /* Q=1, Y=2, Z=3: Sa (id 1) = Q Z, Sb (id 2) = Y Z, and a last session (id 9) whose final
     * row Serenade drops. Query Q Y^(L-1) (U = 2): Y weighs (L - 0)/2 = L/2 at position 0,
     * Q weighs (L - (L-1))/2 = 0.5 at position L-1. Sb matches the last click (0.9); Sa only
     * matches Q, p = L. */
    const sbr_click clicks[] = {{1, 1, 10, 0}, {1, 3, 11, 0}, {2, 2, 20, 0},
                                {2, 3, 21, 0}, {9, 7, 1, 0},  {9, 8, 2, 0}};
    sbr_dataset *ds = dataset_of(clicks, 6);
    uint64_t query[100];
    query[0] = 1;
    for (size_t t = 1; t < 100; t++)
        query[t] = 2;
    const uint64_t z[] = {3};
    /* L = 12: sim(Sb) = 6, sim(Sa) = 0.5, p(Sa) = 12. serenade: 1 - 1.2 = -0.2, so
     * Z = 0.9*6 - 0.2*0.5 = 5.3 and Q = -0.1 is not listed (Q6); clean: max(0, -0.2) = 0,
     * Z = 5.4. */
    sbr_model *m = fit_spec("vmis:compat=serenade,idf=0,last_items=12", ds);
    const double z_s[] = {0.9 * 6 + (1.0 - 0.1 * 12) * 0.5};
    expect(m, ds, query, 12, z, z_s, 1);
    CU_ASSERT_DOUBLE_EQUAL(z_s[0], 5.3, 1e-12);
    /* last_items = 12 cuts a longer query to Y^12: U = 1, sim(Sb) = 12, Z = 10.8. */
    const double z_cut[] = {0.9 * 12};
    expect(m, ds, query, 20, z, z_cut, 1);
    m->algo->free(m);
    m = fit_spec("vmis:compat=clean,idf=0,last_items=12", ds);
    const double z_c[] = {5.4};
    expect(m, ds, query, 12, z, z_c, 1);
    m->algo->free(m);
    /* The ends of Serenade's linear_score: p = 99 weighs 1 - 9.9 = -8.9 (L = 99: sim(Sb) =
     * 49.5, Z = 0.9*49.5 - 8.9*0.5 = 40.1), p = 100 weighs 0 (L = 100: Z = 0.9*50 = 45). */
    m = fit_spec("vmis:compat=serenade,idf=0,last_items=100", ds);
    const double z99[] = {0.9 * 49.5 + (1.0 - 0.1 * 99) * 0.5};
    CU_ASSERT_DOUBLE_EQUAL(z99[0], 40.1, 1e-12);
    expect(m, ds, query, 99, z, z99, 1);
    const double z100[] = {45};
    expect(m, ds, query, 100, z, z100, 1);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_serenade_reading_drops_the_final_row_and_dates_by_new_items(void)
{
    /* A=1 .. E=5. S1 (id 1): A@100, B@110, A@500: the last row repeats A, so Serenade dates
     * the session 110 (Q2) where clean dates it 500. S2 (id 2): A@200, C@210. S3 (id 3, the
     * last): E@310 then D@300 in the file, so Serenade's final row is D (Q1), not the latest
     * click. With m = 1 item A keeps one session: clean S1 (500 > 210), serenade S2
     * (210 > 110). */
    const sbr_click clicks[] = {{1, 1, 100, 0}, {1, 2, 110, 0}, {1, 1, 500, 0}, {2, 1, 200, 0},
                                {2, 3, 210, 0}, {3, 5, 310, 0}, {3, 4, 300, 0}};
    sbr_dataset *ds = dataset_of(clicks, 7);
    const uint64_t qa[] = {1}, qd[] = {4}, qe[] = {5};
    const uint64_t b[] = {2}, c[] = {3}, d[] = {4}, e[] = {5};
    const double w[] = {0.9}; /* U = L = 1: sim 1, match weight 0.9 */
    sbr_model *m = fit_spec("vmis:compat=clean,idf=0,m=1,k=1", ds);
    expect(m, ds, qa, 1, b, w, 1);
    expect(m, ds, qd, 1, e, w, 1);
    expect(m, ds, qe, 1, d, w, 1);
    m->algo->free(m);
    m = fit_spec("vmis:compat=serenade,idf=0,m=1,k=1", ds);
    expect(m, ds, qa, 1, c, w, 1);
    expect(m, ds, qd, 1, NULL, NULL, 0); /* D was never indexed */
    expect(m, ds, qe, 1, NULL, NULL, 0); /* S3 is E alone, and E is the last click */
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_serenade_time_rounds_half_away_from_zero(void)
{
    CU_ASSERT_EQUAL(sbr_serenade_time(0.5), 1);
    CU_ASSERT_EQUAL(sbr_serenade_time(2.5), 3);
    CU_ASSERT_EQUAL(sbr_serenade_time(1.49), 1);
    CU_ASSERT_EQUAL(sbr_serenade_time(-3.0), 0);
    CU_ASSERT_EQUAL(sbr_serenade_time(1591357264.0), 1591357264u);
}

static void test_early_break_of_serenade_and_exact_candidates_of_clean(void)
{
    /* X=1, Y=2, P1=10, Q1=11, R1=12. Sp (id 1) = Y P1 at 100; Sq (id 2) = Y X Q1 at 50;
     * Sr (id 3) = X R1 at 50; a last session (id 9) at time 2. m = k = 2, query X Y:
     * Y (weight 1) lists Sp, Sq; X (weight 0.5) lists Sr, Sq (equal times: higher index
     * first). serenade: Sp and Sq enter; Sr is not strictly newer than the minimum (50), so
     * the walk of X's list stops (Q5) and Sq never gets X's 0.5. Neighbours Sp, Sq (sim 1,
     * both match Y, 0.9): P1 = X = Q1 = 0.9, ties by id. clean: recency is (time, index), so
     * Sr (50, index 2) is more recent than Sq (50, index 1) and evicts it; the candidates
     * are the 2 most recent of {Sp, Sq, Sr}: Sp (sim 1) and Sr (sim 0.5, matches X at p = 2:
     * 0.8). P1 = 0.9, X = R1 = 0.8*0.5 = 0.4. */
    const sbr_click clicks[] = {{1, 2, 90, 0},  {1, 10, 100, 0}, {2, 2, 40, 0},
                                {2, 1, 45, 0},  {2, 11, 50, 0},  {3, 1, 48, 0},
                                {3, 12, 50, 0}, {9, 20, 1, 0},   {9, 21, 2, 0}};
    sbr_dataset *ds = dataset_of(clicks, 9);
    const uint64_t q[] = {1, 2};
    sbr_model *m = fit_spec("vmis:compat=serenade,idf=0,m=2,k=2", ds);
    const uint64_t ids_s[] = {1, 10, 11};
    const double sc_s[] = {0.9, 0.9, 0.9};
    expect(m, ds, q, 2, ids_s, sc_s, 3);
    m->algo->free(m);
    m = fit_spec("vmis:compat=clean,idf=0,m=2,k=2", ds);
    const uint64_t ids_c[] = {10, 1, 12};
    const double sc_c[] = {0.9, 0.4, 0.4};
    expect(m, ds, q, 2, ids_c, sc_c, 3);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

/* X=1, Y=2, a1=10, b1=11, c1=12, n1=13. A (id 1) = Y a1 at 60, C (id 2) = Y c1 at 50,
 * B (id 3) = Y b1 at 50, N (id 4) = X n1 at 55, a last session (id 9) at time 2. */
static const sbr_click tie_clicks[] = {
    {1, 2, 59, 0},  {1, 10, 60, 0}, {2, 2, 48, 0},  {2, 12, 50, 0}, {3, 2, 49, 0},
    {3, 11, 50, 0}, {4, 1, 54, 0},  {4, 13, 55, 0}, {9, 20, 1, 0},  {9, 21, 2, 0},
};

static void test_eviction_follows_the_octonary_heap_on_equal_times(void)
{
    /* m = 3, query X Y. Y's list is A (60), B (50, index 2), C (50, index 1). serenade's heap
     * (least recent on top, equal times equal): push A; push B (50 < 60, moves up): [B, A];
     * push C (50 >= 50 stops): [B, A, C]. N (55) is newer than the top B, so B is evicted
     * (the top is replaced and sifted: [C, A, N]). Candidates A, C (sim 1, p = 1: 0.9) and N
     * (0.5, p = 2: 0.8): a1 = c1 = 0.9, X = n1 = 0.4. clean evicts the least recent by
     * (time, index), C, and keeps B: a1 = b1 = 0.9, X = n1 = 0.4. */
    sbr_dataset *ds = dataset_of(tie_clicks, 10);
    const uint64_t q[] = {1, 2};
    sbr_model *m = fit_spec("vmis:compat=serenade,idf=0,m=3,k=3", ds);
    const uint64_t ids_s[] = {10, 12, 1, 13};
    const double sc[] = {0.9, 0.9, 0.4, 0.4};
    expect(m, ds, q, 2, ids_s, sc, 4);
    m->algo->free(m);
    m = fit_spec("vmis:compat=clean,idf=0,m=3,k=3", ds);
    const uint64_t ids_c[] = {10, 11, 1, 13};
    expect(m, ds, q, 2, ids_c, sc, 4);
    m->algo->free(m);
    sbr_dataset_free(ds);
}

static void test_neighbour_ties_go_to_the_more_recent_session(void)
{
    /* Query Y alone: A, B and C all have sim 1. The canonical order is similarity, then time,
     * then session index, all descending: A (60), B (50, index 2), C (50, index 1). */
    sbr_dataset *ds = dataset_of(tie_clicks, 10);
    const uint64_t q[] = {2};
    const char *modes[] = {"serenade", "clean"};
    for (size_t md = 0; md < 2; md++) {
        char spec[64];
        snprintf(spec, sizeof spec, "vmis:compat=%s,idf=0,k=1", modes[md]);
        sbr_model *m = fit_spec(spec, ds);
        const uint64_t one[] = {10};
        const double sc[] = {0.9, 0.9};
        expect(m, ds, q, 1, one, sc, 1);
        m->algo->free(m);
        snprintf(spec, sizeof spec, "vmis:compat=%s,idf=0,k=2", modes[md]);
        m = fit_spec(spec, ds);
        const uint64_t two[] = {10, 11};
        expect(m, ds, q, 1, two, sc, 2);
        m->algo->free(m);
    }
    sbr_dataset_free(ds);
}

static void test_scratch_survives_the_stamp_wraparound(void)
{
    /* The scratch marks its entries with a call counter; when it wraps after 2^32 calls the
     * arrays are cleared. Calls just before and after the wrap must equal a fresh scratch's,
     * and two scratches on one model must not disturb each other. */
    sbr_dataset *ds = dataset_of(abc_clicks, 8);
    vmis_config cfg;
    sbr_algo_defaults(&sbr_algo_vmis, &cfg);
    sbr_model *m = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_vmis.fit(&cfg, ds, NULL, &m, &e), SBR_OK);
    vmis_scratch *fresh = sbr_algo_vmis.scratch_new(m);
    vmis_scratch *old = sbr_algo_vmis.scratch_new(m);
    CU_ASSERT_FATAL(fresh != NULL && old != NULL);
    old->gen.now = UINT32_MAX - 2;
    uint32_t queries[3][2] = {{0, 1}, {1, 0}, {3, 1}}; /* dense: A B, B A, D B */
    double times[2] = {0, 0};
    for (size_t r = 0; r < 9; r++) {
        sbr_query q = {queries[r % 3], times, 2, 0, 8, NULL};
        sbr_scored a[8], b[8];
        size_t na = 0, nb = 0;
        CU_ASSERT_EQUAL(sbr_algo_vmis.predict(m, &q, fresh, a, &na, &e), SBR_OK);
        CU_ASSERT_EQUAL(sbr_algo_vmis.predict(m, &q, old, b, &nb, &e), SBR_OK);
        CU_ASSERT(na > 0);
        CU_ASSERT_EQUAL_FATAL(na, nb);
        for (size_t k = 0; k < na; k++) {
            CU_ASSERT_EQUAL(a[k].item, b[k].item);
            CU_ASSERT_EQUAL(a[k].score, b[k].score);
        }
    }
    CU_ASSERT(old->gen.now < 10); /* it wrapped */
    sbr_algo_vmis.scratch_free(fresh);
    sbr_algo_vmis.scratch_free(old);
    sbr_algo_vmis.free(m);
    sbr_dataset_free(ds);
}

/* ---- t-digest ----------------------------------------------------------------------------- */

static void test_tdigest_port_on_hand_computed_digests(void)
{
    double mean[64], weight[64], v[64];
    /* Size 4, values 1..10. k_to_q(k, 4) = 0.125, 0.5, 0.875, 1 for k = 1..4, times the count
     * 10: limits 1.25, 5, 8.75, 10. Centroids (mean, weight): (1, 1); 2..5 -> (3.5, 4);
     * 6..8 -> (7, 3); 9..10 -> (9.5, 2). estimate_quantile:
     *  q = 0.9: rank 9; from the top, t = 10 - 2 = 8 <= 9 at the last centroid: delta =
     *           9.5 - 7, value 9.5 + ((9 - 8)/2 - 0.5) * 2.5 = 9.5;
     *  q = 0.7: rank 7; t = 8 > 7, then t = 5 <= 7 at (7, 3): delta (9.5 - 3.5)/2 = 3,
     *           value 7 + (2/3 - 0.5) * 3 = 7.5;
     *  q = 0.3: rank 3 < 1 + 4 at (3.5, 4) with t = 1: delta (7 - 1)/2, value 3.5 + 0 = 3.5;
     *  q = 0.05: rank 0.5 < 1 at the first: value 1 + (0.5 - 0.5) * 2.5 = 1;
     *  q = 1 and q = 0: the maximum and the minimum. */
    for (size_t i = 0; i < 10; i++)
        v[i] = (double)(i + 1);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 10, 4, 0.9, mean, weight), 9.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 10, 4, 0.7, mean, weight), 7.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 10, 4, 0.3, mean, weight), 3.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 10, 4, 0.05, mean, weight), 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 10, 4, 1.0, mean, weight), 10.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 10, 4, 0.0, mean, weight), 1.0, 0);
    /* Size 100 and n <= 50 values: the limit before value i is 2 (i/100)^2 n < i + 1, so every
     * value is its own centroid; p99.5 lands in the last one and is clamped to the maximum
     * (rank 0.995 n, t = n - 1, value x_n + (0.5 - 0.005 n) delta >= x_n). */
    for (size_t i = 0; i < 50; i++)
        v[i] = (double)(i / 10 + 1);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 50, 100, 0.995, mean, weight), 5.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(sbr_vmis_td_quantile(v, 0, 100, 0.995, mean, weight), 0.0, 0);
}

/* ---- parameters --------------------------------------------------------------------------- */

static void test_parameters_are_validated(void)
{
    const sbr_algo *a = sbr_algo_find("vmis");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    vmis_config cfg;
    sbr_algo_defaults(a, &cfg);
    CU_ASSERT_EQUAL(cfg.m, 500);
    CU_ASSERT_EQUAL(cfg.k, 500);
    CU_ASSERT_EQUAL(cfg.last_items, 2);
    CU_ASSERT_DOUBLE_EQUAL(cfg.idf, 1.0, 0);
    CU_ASSERT_EQUAL(cfg.compat, 0);
    CU_ASSERT_EQUAL(cfg.remind, 0);
    static const struct {
        const char *name, *value, *needle;
    } bad[] = {
        {"m", "0", "m='0'"},
        {"k", "0", "k='0'"},
        {"m", "10000001", "m='10000001'"},
        {"last_items", "0", "last_items='0'"},
        {"last_items", "1001", "last_items='1001'"},
        {"idf", "-1", "idf='-1'"},
        {"k", "12x", "k='12x'"},
        {"compat", "fast", "compat='fast'"},
        {"sample_size", "5", "unknown parameter 'sample_size'"},
    };
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        sbr_err e = {SBR_OK, ""};
        CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, bad[t].name, bad[t].value, &e), SBR_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[t].needle));
    }
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "compat", "serenade", &e), SBR_OK);
    CU_ASSERT_EQUAL(cfg.compat, 1);
    CU_ASSERT_EQUAL(sbr_algo_set_param(a, &cfg, "idf", "2.5", &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(cfg.idf, 2.5, 0);

    /* fit checks a config filled by hand as well. */
    sbr_dataset *ds = dataset_of(abc_clicks, 8);
    sbr_model dummy, *m = &dummy; /* must be reset to NULL on failure */
    sbr_algo_defaults(a, &cfg);
    cfg.compat = 1; /* serenade never reminds of the last click */
    cfg.remind = 1;
    CU_ASSERT_EQUAL(sbr_algo_fit(a, &cfg, ds, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "remind=1"));
    m = &dummy;
    sbr_algo_defaults(a, &cfg);
    cfg.k = 0;
    CU_ASSERT_EQUAL(sbr_algo_fit(a, &cfg, ds, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "k=0"));
    sbr_algo_defaults(a, &cfg);
    cfg.m = 0;
    CU_ASSERT_EQUAL(sbr_algo_fit(a, &cfg, ds, &m, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "m=0"));
    sbr_dataset_free(ds);
    /* Frees accept NULL. */
    a->free(NULL);
    a->scratch_free(NULL);
}

/* ---- brute force -------------------------------------------------------------------------- */

enum { BF_MAX_LEN = 64, BF_MAX_ITEMS = 128, BF_MAX_SESSIONS = 512 };

/* One session as the specification reads it. */
typedef struct bf_session {
    uint32_t items[BF_MAX_LEN]; /* distinct dense items, ascending */
    size_t len;
    double time; /* serenade: the 32-bit rounded time; clean: the last click */
    bool indexed;
} bf_session;

typedef struct bf_model {
    bool serenade;
    long m, k, last_items;
    double idf_param;
    bf_session s[BF_MAX_SESSIONS];
    size_t n;
    double idf[BF_MAX_ITEMS];
} bf_model;

static uint32_t bf_round(double t)
{
    return (uint32_t)(uint64_t)round(t);
}

static void bf_add_item(bf_session *s, uint32_t item)
{
    for (size_t j = 0; j < s->len; j++)
        if (s->items[j] == item)
            return;
    CU_ASSERT_FATAL(s->len < BF_MAX_LEN);
    s->items[s->len++] = item;
}

static int bf_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static bool bf_has(const bf_session *s, uint32_t item)
{
    for (size_t j = 0; j < s->len; j++)
        if (s->items[j] == item)
            return true;
    return false;
}

/* Builds the specification's index from the clicks in file order (clicks[c].row == c). */
static void bf_build(bf_model *b, const sbr_click *file, size_t n, const sbr_dataset *ds)
{
    b->n = 0;
    /* Rows stably sorted by SessionId: insertion sort keeps the file order of equal ids. */
    size_t *idx = malloc(n * sizeof *idx);
    for (size_t c = 0; c < n; c++) {
        size_t j = c;
        while (j > 0 && file[idx[j - 1]].session > file[c].session) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = c;
    }
    uint32_t *item = malloc(n * sizeof *item);
    for (size_t c = 0; c < n; c++)
        CU_ASSERT_FATAL(sbr_dataset_find_item(ds, file[idx[c]].item, &item[c]));
    if (b->serenade) {
        /* Section 2.1, item 4, literally. */
        bf_session cur = {{0}, 0, 0, false};
        bf_add_item(&cur, item[0]);
        uint32_t max_ts = bf_round(file[idx[0]].time);
        for (size_t i = 1; i < n; i++) {
            const sbr_click *r = &file[idx[i]], *prev = &file[idx[i - 1]];
            if (r->session == prev->session && i != n - 1) {
                if (!bf_has(&cur, item[i])) {
                    bf_add_item(&cur, item[i]);
                    if (bf_round(r->time) > max_ts)
                        max_ts = bf_round(r->time);
                }
            } else {
                cur.time = (double)max_ts;
                b->s[b->n++] = cur;
                cur.len = 0;
                bf_add_item(&cur, item[i]);
                max_ts = bf_round(r->time);
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const sbr_click *r = &file[idx[i]];
            if (i == 0 || r->session != file[idx[i - 1]].session) {
                b->s[b->n] = (bf_session){{0}, 0, r->time, false};
                b->n++;
            }
            bf_session *cur = &b->s[b->n - 1];
            bf_add_item(cur, item[i]);
            if (r->time > cur->time)
                cur->time = r->time;
        }
    }
    free(idx);
    free(item);
    /* Long-session pruning: serenade's t-digest estimate (the port is checked on its own
     * above and on the toy data), clean's nearest-rank p99.5. */
    double lens[BF_MAX_SESSIONS], mean[BF_MAX_SESSIONS], weight[BF_MAX_SESSIONS];
    for (size_t s = 0; s < b->n; s++) {
        qsort(b->s[s].items, b->s[s].len, sizeof(uint32_t), bf_u32_cmp);
        lens[s] = (double)b->s[s].len;
    }
    for (size_t i = 1; i < b->n; i++) /* insertion sort of the lengths */
        for (size_t j = i; j > 0 && lens[j - 1] > lens[j]; j--) {
            double t = lens[j];
            lens[j] = lens[j - 1];
            lens[j - 1] = t;
        }
    double max_len;
    if (b->serenade)
        max_len = round(sbr_vmis_td_quantile(lens, b->n, 100, 0.995, mean, weight));
    else
        max_len = lens[(size_t)ceil(0.995 * (double)b->n - 1e-9) - 1];
    double pairs = 0, n_indexed = 0, n_i[BF_MAX_ITEMS] = {0};
    for (size_t s = 0; s < b->n; s++) {
        b->s[s].indexed = (double)b->s[s].len <= max_len;
        if (!b->s[s].indexed)
            continue;
        n_indexed++;
        pairs += (double)b->s[s].len;
        for (size_t j = 0; j < b->s[s].len; j++)
            n_i[b->s[s].items[j]]++;
    }
    for (size_t i = 0; i < BF_MAX_ITEMS; i++) {
        if (n_i[i] == 0)
            b->idf[i] = 0;
        else if (b->serenade)
            b->idf[i] = log(pairs / n_i[i]) * b->idf_param;
        else
            b->idf[i] = b->idf_param > 0 ? log(n_indexed / n_i[i]) : 0;
    }
}

/* a is more recent than b: time, then session index. */
static bool bf_newer(const bf_model *b, size_t x, size_t y)
{
    return b->s[x].time > b->s[y].time || (b->s[x].time == b->s[y].time && x > y);
}

/* Section 2.3's OctonaryHeap of (session, time), least recent on top, equal times equal. */
typedef struct bf_heap {
    size_t s[BF_MAX_SESSIONS];
    double t[BF_MAX_SESSIONS];
    size_t n;
} bf_heap;

/* "greater" in the heap's order: the older time. */
static bool bf_gt(const bf_heap *h, size_t a, size_t b)
{
    return h->t[a] < h->t[b];
}

static void bf_swap(bf_heap *h, size_t a, size_t b)
{
    size_t s = h->s[a];
    double t = h->t[a];
    h->s[a] = h->s[b];
    h->t[a] = h->t[b];
    h->s[b] = s;
    h->t[b] = t;
}

static void bf_heap_push(bf_heap *h, size_t s, double t)
{
    size_t pos = h->n++;
    h->s[pos] = s;
    h->t[pos] = t;
    while (pos > 0 && bf_gt(h, pos, (pos - 1) / 8)) { /* stops when new <= parent */
        bf_swap(h, pos, (pos - 1) / 8);
        pos = (pos - 1) / 8;
    }
}

static void bf_heap_replace_top(bf_heap *h, size_t s, double t)
{
    h->s[0] = s;
    h->t[0] = t;
    size_t pos = 0;
    for (;;) {
        size_t first = 8 * pos + 1;
        if (first >= h->n)
            return;
        size_t best = first; /* the greatest child; a later sibling wins ties */
        for (size_t o = first + 1; o < first + 8 && o < h->n; o++)
            if (!bf_gt(h, best, o))
                best = o;
        if (!bf_gt(h, best, pos)) /* hole >= child */
            return;
        bf_swap(h, pos, best);
        pos = best;
    }
}

typedef struct bf_item_score {
    uint32_t item;
    double score;
} bf_item_score;

static int bf_rank_cmp(const void *a, const void *b)
{
    const bf_item_score *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

/* The specification's prediction: fills out (at most n) and all_scores (every item). */
static size_t bf_predict(const bf_model *b, const uint32_t *query, size_t len, size_t n,
                         bf_item_score *out, double *all_scores)
{
    uint32_t ev[1024];
    size_t L = 0;
    for (size_t t = len; t-- > 0 && L < (size_t)b->last_items;)
        if (query[t] != SBR_ITEM_UNKNOWN)
            ev[L++] = query[t]; /* reversed: ev[0] is the last click */
    for (size_t i = 0; i < BF_MAX_ITEMS; i++)
        all_scores[i] = 0;
    if (L == 0)
        return 0;
    size_t U = 0;
    for (size_t p = 0; p < L; p++) {
        bool seen = false;
        for (size_t r = 0; r < p; r++)
            seen = seen || ev[r] == ev[p];
        U += !seen;
    }
    static double sim[BF_MAX_SESSIONS];
    static bool in[BF_MAX_SESSIONS];
    for (size_t s = 0; s < b->n; s++) {
        sim[s] = 0;
        in[s] = false;
    }
    static bf_heap h;
    h.n = 0;
    size_t n_in = 0;
    /* Per distinct item: its m most recent indexed sessions. */
    static size_t lists[64][BF_MAX_SESSIONS];
    size_t list_len[64], n_lists = 0;
    double list_w[64];
    for (size_t p = 0; p < L; p++) {
        bool seen = false;
        for (size_t r = 0; r < p; r++)
            seen = seen || ev[r] == ev[p];
        if (seen)
            continue;
        size_t *list = lists[n_lists], cnt = 0;
        for (size_t s = 0; s < b->n; s++)
            if (b->s[s].indexed && bf_has(&b->s[s], ev[p]))
                list[cnt++] = s;
        for (size_t i = 1; i < cnt; i++) /* most recent first */
            for (size_t j = i; j > 0 && bf_newer(b, list[j], list[j - 1]); j--) {
                size_t t = list[j];
                list[j] = list[j - 1];
                list[j - 1] = t;
            }
        list_len[n_lists] = cnt < (size_t)b->m ? cnt : (size_t)b->m;
        list_w[n_lists++] = (double)(L - p) / (double)U;
    }
    if (b->serenade) {
        /* Section 2.3's loop with the early break. */
        for (size_t l = 0; l < n_lists; l++) {
            for (size_t j = 0; j < list_len[l]; j++) {
                size_t s = lists[l][j];
                if (in[s]) {
                    sim[s] += list_w[l];
                } else if (n_in < (size_t)b->m) {
                    in[s] = true;
                    sim[s] = list_w[l];
                    n_in++;
                    bf_heap_push(&h, s, b->s[s].time);
                } else if (b->s[s].time > h.t[0]) {
                    in[h.s[0]] = false;
                    sim[h.s[0]] = 0;
                    in[s] = true;
                    sim[s] = list_w[l];
                    bf_heap_replace_top(&h, s, b->s[s].time);
                } else {
                    break;
                }
            }
        }
    } else {
        /* The m most recent sessions of the union of the lists, each with the weights of all
         * lists it is in. */
        static bool in_union[BF_MAX_SESSIONS];
        for (size_t s = 0; s < b->n; s++)
            in_union[s] = false;
        for (size_t l = 0; l < n_lists; l++)
            for (size_t j = 0; j < list_len[l]; j++)
                in_union[lists[l][j]] = true;
        for (size_t c = 0; c < (size_t)b->m; c++) {
            size_t best = SIZE_MAX;
            for (size_t s = 0; s < b->n; s++)
                if (in_union[s] && !in[s] && (best == SIZE_MAX || bf_newer(b, s, best)))
                    best = s;
            if (best == SIZE_MAX)
                break;
            in[best] = true;
        }
        for (size_t l = 0; l < n_lists; l++)
            for (size_t j = 0; j < list_len[l]; j++)
                if (in[lists[l][j]])
                    sim[lists[l][j]] += list_w[l];
    }
    /* Neighbours: the k best by similarity, time, index (all descending). */
    size_t nbr[BF_MAX_SESSIONS], n_nbr = 0;
    for (size_t s = 0; s < b->n; s++)
        if (in[s])
            nbr[n_nbr++] = s;
    for (size_t i = 1; i < n_nbr; i++)
        for (size_t j = i; j > 0; j--) {
            size_t x = nbr[j], y = nbr[j - 1];
            bool before = sim[x] > sim[y] || (sim[x] == sim[y] && bf_newer(b, x, y));
            if (!before)
                break;
            nbr[j] = y;
            nbr[j - 1] = x;
        }
    if (n_nbr > (size_t)b->k)
        n_nbr = (size_t)b->k;
    bool touched[BF_MAX_ITEMS] = {false};
    for (size_t c = 0; c < n_nbr; c++) {
        const bf_session *ses = &b->s[nbr[c]];
        size_t p = 0;
        while (!bf_has(ses, ev[p]))
            p++;
        double pp = (double)(p + 1);
        double w = pp < 100 ? 1.0 - 0.1 * pp : 0.0;
        if (!b->serenade && w < 0)
            w = 0;
        for (size_t j = 0; j < ses->len; j++) {
            uint32_t i = ses->items[j];
            double f = b->idf[i];
            /* serenade: idf unless it is <= 0; clean: idf when switched on. */
            bool use_idf = b->serenade ? f > 0 : b->idf_param > 0;
            all_scores[i] += use_idf ? (w * f) * sim[nbr[c]] : w * sim[nbr[c]];
            touched[i] = true;
        }
    }
    static bf_item_score ranked[BF_MAX_ITEMS];
    size_t n_ranked = 0;
    for (uint32_t i = 0; i < BF_MAX_ITEMS; i++)
        if (touched[i] && i != ev[0] && all_scores[i] > 0)
            ranked[n_ranked++] = (bf_item_score){i, all_scores[i]};
    qsort(ranked, n_ranked, sizeof *ranked, bf_rank_cmp);
    size_t n_out = n_ranked < n ? n_ranked : n;
    memcpy(out, ranked, n_out * sizeof *out);
    return n_out;
}

static bool close_rel(double a, double b)
{
    double scale = fmax(fabs(a), fabs(b));
    return fabs(a - b) <= 1e-12 * (scale > 1e-300 ? scale : 1e-300);
}

/* Random clicks in file order: n_sessions sessions with random distinct ids, mostly short,
 * some long (to be pruned), repeats, times with many ties (tied) or distinct per session,
 * and half-second times; rows shuffled so that file order differs from time order. */
static size_t random_clicks(gsl_rng *r, bool tied, size_t n_sessions, size_t n_items,
                            sbr_click *clicks)
{
    size_t n = 0;
    uint64_t id = 0;
    for (size_t s = 0; s < n_sessions; s++) {
        id += 1 + gsl_rng_uniform_int(r, 5);
        size_t len = 1 + gsl_rng_uniform_int(r, 6);
        if (gsl_rng_uniform(r) < 0.04)
            len = 15 + gsl_rng_uniform_int(r, 20);
        double base = tied ? (double)gsl_rng_uniform_int(r, 12) * 10
                           : (double)gsl_rng_uniform_int(r, 1000000) * 10;
        uint64_t item = 1 + gsl_rng_uniform_int(r, n_items);
        for (size_t c = 0; c < len; c++) {
            if (gsl_rng_uniform(r) > 0.2) /* else repeat the previous item */
                item = 1 + gsl_rng_uniform_int(r, n_items);
            double t = base + (double)gsl_rng_uniform_int(r, tied ? 3 : 8);
            if (gsl_rng_uniform(r) < 0.3)
                t += 0.5;
            clicks[n++] = (sbr_click){id * 7, item * 3, t, 0};
        }
    }
    for (size_t c = n; c-- > 1;) { /* Fisher-Yates */
        size_t j = gsl_rng_uniform_int(r, c + 1);
        sbr_click t = clicks[c];
        clicks[c] = clicks[j];
        clicks[j] = t;
    }
    for (size_t c = 0; c < n; c++)
        clicks[c].row = c;
    return n;
}

static void test_matches_a_brute_force_implementation_on_random_data(void)
{
    static const struct {
        const char *mode;
        long m, k, last_items;
        double idf;
    } configs[] = {
        {"serenade", 500, 500, 2, 1}, {"serenade", 3, 2, 3, 1},    {"serenade", 5, 5, 12, 0},
        {"serenade", 2, 2, 14, 2.5},  {"serenade", 8, 3, 5, 1},    {"serenade", 1, 1, 1, 1},
        {"serenade", 20, 10, 6, 1},   {"serenade", 50, 50, 10, 1}, {"clean", 500, 500, 2, 1},
        {"clean", 3, 2, 3, 1},        {"clean", 5, 5, 12, 0},      {"clean", 2, 2, 14, 2.5},
        {"clean", 8, 3, 5, 1},        {"clean", 1, 1, 1, 1},       {"clean", 20, 10, 6, 1},
        {"clean", 50, 50, 10, 1},
    };
    /* Lists of 15 and, for every fourth query, of 80 (a different selection path). */
    enum { N_ITEMS = 40, N_QUERIES = 250, N_OUT = 80 };
    static sbr_click clicks[BF_MAX_SESSIONS * 40], file[BF_MAX_SESSIONS * 40];
    static bf_model bf;
    size_t n_lists = 0, n_nonempty = 0, n_tie_swaps = 0;
    for (uint32_t seed = 1; seed <= 6; seed++) {
        gsl_rng *r = sbr_rng_new(sbr_seed(2024, seed, 0, 0));
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        bool tied = seed % 2 == 1;
        size_t n = random_clicks(r, tied, 120 + 40 * seed, N_ITEMS, file);
        memcpy(clicks, file, n * sizeof *file);
        sbr_dataset *ds = NULL;
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, n, &ds, &e), SBR_OK);
        CU_ASSERT_FATAL(ds->n_items <= BF_MAX_ITEMS && ds->n_sessions <= BF_MAX_SESSIONS);
        for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
            char spec[128];
            snprintf(spec, sizeof spec, "vmis:compat=%s,m=%ld,k=%ld,last_items=%ld,idf=%g",
                     configs[c].mode, configs[c].m, configs[c].k, configs[c].last_items,
                     configs[c].idf);
            sbr_model *m = fit_spec(spec, ds);
            bf.serenade = strcmp(configs[c].mode, "serenade") == 0;
            bf.m = configs[c].m;
            bf.k = configs[c].k;
            bf.last_items = configs[c].last_items;
            bf.idf_param = configs[c].idf;
            bf_build(&bf, file, n, ds);
            void *scratch = m->algo->scratch_new(m);
            CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
            gsl_rng *qr = sbr_rng_new(sbr_seed(2024, seed, c, 1));
            for (size_t qn = 0; qn < N_QUERIES; qn++) {
                uint32_t query[20];
                size_t len = 1 + gsl_rng_uniform_int(qr, 16);
                for (size_t t = 0; t < len; t++) {
                    double u = gsl_rng_uniform(qr);
                    query[t] = u < 0.05 ? SBR_ITEM_UNKNOWN
                               : u < 0.25 && t > 0
                                   ? query[t - 1]
                                   : (uint32_t)gsl_rng_uniform_int(qr, (unsigned long)ds->n_items);
                }
                size_t n_req = qn % 4 == 0 ? N_OUT : 15;
                sbr_scored got[N_OUT];
                size_t n_got = 0;
                double times[20] = {0};
                sbr_query q = {query, times, len, 0, n_req, NULL};
                CU_ASSERT_EQUAL(m->algo->predict(m, &q, scratch, got, &n_got, &e), SBR_OK);
                bf_item_score want[N_OUT];
                double all[BF_MAX_ITEMS];
                size_t n_want = bf_predict(&bf, query, len, n_req, want, all);
                n_lists++;
                n_nonempty += n_want > 0;
                bool ok = n_got == n_want;
                for (size_t k = 0; ok && k < n_got; k++) {
                    ok = close_rel(got[k].score, want[k].score);
                    if (ok && got[k].item != want[k].item) {
                        /* Allowed only between scores equal up to rounding: the two sum the
                         * neighbours in different orders. */
                        ok = close_rel(all[got[k].item], want[k].score);
                        n_tie_swaps++;
                    }
                }
                if (!ok) {
                    printf("\n    mismatch: seed %u %s query %zu:", seed, spec, qn);
                    for (size_t t = 0; t < len; t++)
                        printf(" %d", query[t] == SBR_ITEM_UNKNOWN ? -1 : (int)query[t]);
                    printf("\n     got ");
                    for (size_t k = 0; k < n_got; k++)
                        printf(" %u:%.17g", got[k].item, got[k].score);
                    printf("\n     want");
                    for (size_t k = 0; k < n_want; k++)
                        printf(" %u:%.17g", want[k].item, want[k].score);
                }
                CU_ASSERT(ok);
            }
            gsl_rng_free(qr);
            m->algo->scratch_free(scratch);
            m->algo->free(m);
        }
        sbr_dataset_free(ds);
        gsl_rng_free(r);
    }
    printf("\n    %zu lists compared (%zu non-empty), %zu rounding-level tie swaps\n", n_lists,
           n_nonempty, n_tie_swaps);
    CU_ASSERT(n_nonempty > n_lists / 2);
}

static CU_TestInfo tests[] = {
    {"decay (L-pos)/U, match weight and last-item removal",
     test_decay_match_weight_and_last_item_removal},
    {"unknown items are skipped before the last_items cut", test_unknown_items_are_skipped},
    {"idf: ln(S/n) switch in clean, ln(P/n) multiplier in serenade", test_idf_in_both_modes},
    {"match weight goes negative only in serenade mode (Q6)",
     test_match_weight_goes_negative_only_in_serenade_mode},
    {"serenade reading drops the final row (Q1) and dates sessions by new items (Q2)",
     test_serenade_reading_drops_the_final_row_and_dates_by_new_items},
    {"serenade times round half away from zero", test_serenade_time_rounds_half_away_from_zero},
    {"serenade breaks early (Q5); clean keeps the m most recent candidates",
     test_early_break_of_serenade_and_exact_candidates_of_clean},
    {"eviction on equal times follows the octonary heap",
     test_eviction_follows_the_octonary_heap_on_equal_times},
    {"neighbour ties go to the more recent session",
     test_neighbour_ties_go_to_the_more_recent_session},
    {"scratch survives the stamp wraparound", test_scratch_survives_the_stamp_wraparound},
    {"t-digest port on hand-computed digests", test_tdigest_port_on_hand_computed_digests},
    {"parameters are validated", test_parameters_are_validated},
    {"matches a brute-force implementation on random data",
     test_matches_a_brute_force_implementation_on_random_data},
    CU_TEST_INFO_NULL};
CU_SuiteInfo sbr_suite_vmis = {"vmis", NULL, NULL, NULL, NULL, tests};
