/* eval/compare: which configuration is the best of a dataset, which predictions pair up (split
 * by split, at the cutoff), which comparisons are left untested, and that Holm's correction runs
 * over one dataset's comparisons. The statistics themselves are checked against SciPy in
 * test_signif.c; here the p-values must be those of the pairs built by hand. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare.h"
#include "eval/signif.h"
#include "eval/tables.h"
#include "test_util.h"

/* ds1: A best (MRR 0.5), B, D with ranks, C without; two splits. ds2: B best, A's ranks have
 * another count than B's (not the same predictions). */
static const char metrics_csv[] = "dataset,split,algorithm,params,cutoff,mrr,hr\n"
                                  "ds1,w0,A,,20,0.5,0.7\n"
                                  "ds1,w0,B,,20,0.4,0.7\n"
                                  "ds1,w0,C,,20,0.3,0.6\n"
                                  "ds1,w0,D,,20,0.2,0.5\n"
                                  "ds1,w1,A,,20,0.5,0.7\n"
                                  "ds1,w1,B,,20,0.4,0.7\n"
                                  "ds1,w1,D,,20,0.2,0.5\n"
                                  "ds2,w0,A,,20,0.2,0.4\n"
                                  "ds2,w0,B,,20,0.25,0.4\n";

typedef struct job_ranks {
    const char *ds, *split, *algo;
    uint32_t r[12];
    size_t n;
} job_ranks;

static const job_ranks table[] = {
    {"ds1", "w0", "A", {1, 1, 2, 0, 1, 3, 1, 1, 2, 1}, 10},
    {"ds1", "w0", "B", {2, 1, 3, 0, 25, 3, 1, 2, 2, 4}, 10}, /* 25 > cutoff: not a hit */
    {"ds1", "w0", "D", {5, 6, 0, 0, 9, 3, 7, 2, 8, 4}, 10},
    {"ds1", "w1", "A", {1, 2, 1, 1, 0, 1, 2, 1}, 8},
    {"ds1", "w1", "B", {1, 3, 2, 1, 0, 2, 2, 5}, 8},
    {"ds1", "w1", "D", {4, 5, 3, 9, 0, 0, 6, 2}, 8},
    {"ds2", "w0", "A", {1, 2, 3, 4, 5}, 5},
    {"ds2", "w0", "B", {1, 2, 3, 4, 5, 6}, 6},
};

static sbr_rc fetch(void *user, const char *ds, const char *split, const char *algo,
                    const char *params, uint32_t **out, size_t *n, sbr_err *err)
{
    (void)params;
    if (user != NULL)
        return sbr_err_set(err, SBR_EIO, "store: disk on fire");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].ds, ds) || strcmp(table[i].split, split) || strcmp(table[i].algo, algo))
            continue;
        *out = malloc(table[i].n * sizeof **out);
        memcpy(*out, table[i].r, table[i].n * sizeof **out);
        *n = table[i].n;
        return SBR_OK;
    }
    return sbr_err_set(err, SBR_EINVAL, "no ranks");
}

/* The reciprocal ranks at 20 of algo's predictions on ds1, w0 then w1. */
static size_t rr_ds1(const char *algo, double *x)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].ds, "ds1") == 0 && strcmp(table[i].algo, algo) == 0)
            for (size_t k = 0; k < table[i].n; k++, n++)
                x[n] = table[i].r[k] > 0 && table[i].r[k] <= 20 ? 1.0 / table[i].r[k] : 0;
    return n;
}

static void build(sbr_sheet *sh, sbr_summary *s)
{
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("m.csv", metrics_csv), sh, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(sh, s, &e), SBR_OK);
}

static void test_every_configuration_against_the_best(void)
{
    sbr_sheet sh;
    sbr_summary s;
    build(&sh, &s);
    CU_ASSERT_EQUAL_FATAL(s.n, 6); /* ds1 A B C D, ds2 A B */
    sbr_compare c;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_compare_build(&s, "20", 0.05, fetch, NULL, &c, &e), SBR_OK);
    const sbr_compare_row *a = &c.row[0], *b = &c.row[1], *cc = &c.row[2], *d = &c.row[3],
                          *a2 = &c.row[4], *b2 = &c.row[5];
    CU_ASSERT(a->best && a->not_worse && !a->tested);
    CU_ASSERT(!b->best && b->tested);
    CU_ASSERT(!cc->tested); /* no ranks */
    CU_ASSERT(isnan(cc->p_wilcoxon));
    CU_ASSERT(d->tested);
    CU_ASSERT(b2->best);
    CU_ASSERT(!a2->tested); /* 5 predictions against 6: not the same ones */
    CU_ASSERT_EQUAL(c.tested, 2);

    /* B and D against A over the 18 predictions of both splits. */
    double xa[32], xb[32], xd[32];
    size_t n = rr_ds1("A", xa);
    CU_ASSERT_EQUAL_FATAL(n, 18);
    CU_ASSERT_EQUAL(rr_ds1("B", xb), 18);
    CU_ASSERT_EQUAL(rr_ds1("D", xd), 18);
    CU_ASSERT_EQUAL(b->n_pairs, 18);
    sbr_test_result wb, wd, tb, td;
    CU_ASSERT_EQUAL_FATAL(sbr_wilcoxon(xb, xa, n, &wb, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_wilcoxon(xd, xa, n, &wd, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_paired_t(xb, xa, n, &tb, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_paired_t(xd, xa, n, &td, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(b->p_wilcoxon, wb.p, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(d->p_wilcoxon, wd.p, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(b->p_t, tb.p, 1e-15);
    /* Holm over ds1's two comparisons: the smaller p doubled, the larger kept (or the doubled
     * smaller one, whichever is larger). */
    double lo = fmin(wb.p, wd.p), hi = fmax(wb.p, wd.p);
    double adj_lo = fmin(1, 2 * lo), adj_hi = fmax(adj_lo, hi);
    CU_ASSERT_DOUBLE_EQUAL(fmin(b->adj_wilcoxon, d->adj_wilcoxon), adj_lo, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(fmax(b->adj_wilcoxon, d->adj_wilcoxon), adj_hi, 1e-15);
    CU_ASSERT_EQUAL(b->not_worse, b->adj_wilcoxon >= 0.05);
    CU_ASSERT(!d->not_worse); /* D is far behind on every prediction */

    char path[4096];
    CU_ASSERT_EQUAL(sbr_compare_write_csv(test_tmpdir(), &s, &c, &e), SBR_OK);
    snprintf(path, sizeof path, "%s/significance.csv", test_tmpdir());
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nds1,B,,20,A,,18,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nds1,D,,20,A,,18,"));
    CU_ASSERT_PTR_NULL(strstr(text, "\nds1,C,")); /* untested rows are not listed */
    free(text);
    sbr_compare_fini(&c);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

static void test_a_store_error_stops_the_report(void)
{
    sbr_sheet sh;
    sbr_summary s;
    build(&sh, &s);
    sbr_compare c;
    sbr_err e = {SBR_OK, ""};
    int on_fire = 1;
    CU_ASSERT_EQUAL(sbr_compare_build(&s, "20", 0.05, fetch, &on_fire, &c, &e), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "disk on fire"));
    sbr_compare_fini(&c);
    CU_ASSERT_EQUAL(sbr_compare_build(&s, "x", 0.05, fetch, NULL, &c, &e), SBR_EINVAL);
    sbr_compare_fini(&c);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

/* Neighbours vs neural: real algorithm names, so their families decide. On d1 pop has the best
 * MRR overall but is no kNN method; vsknn is the best kNN method (above vmis), so the two
 * learned models (stamp, narm) are tested against vsknn and nothing else is tested; gru4rec
 * has no ranks. d2 has no learned model and no row in the table. */
static const char neural_csv[] = "dataset,split,algorithm,params,cutoff,mrr,hr,fit_s,lat_p90_us\n"
                                 "d1,t,pop,,20,0.9,0.9,0.1,1\n"
                                 "d1,t,vmis,,20,0.3,0.6,1.5,4\n"
                                 "d1,t,vsknn,,20,0.4,0.7,2.5,30\n"
                                 "d1,t,stamp,,20,0.5,0.8,300,90\n"
                                 "d1,t,narm,,20,0.1,0.3,200,120\n"
                                 "d1,t,gru4rec,,20,0.2,0.4,100,60\n"
                                 "d2,t,vmis,,20,0.3,0.6,1,4\n";

static const uint32_t neural_ranks[][24] = {
    /* vsknn */ {2, 1, 3, 0, 4, 3, 1, 2, 2, 4, 5, 1, 2, 0, 3, 2, 1, 6, 2, 3, 1, 2, 4, 2},
    /* stamp */ {1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 3, 1, 1, 1, 2, 1, 1, 1, 1, 2, 1},
    /* narm */ {9, 0, 7, 0, 12, 0, 8, 0, 6, 0, 0, 11, 9, 0, 7, 0, 0, 10, 8, 0, 5, 9, 0, 13},
    /* pop, vmis */ {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
};

static sbr_rc neural_fetch(void *user, const char *ds, const char *split, const char *algo,
                           const char *params, uint32_t **out, size_t *n, sbr_err *err)
{
    (void)user, (void)ds, (void)split, (void)params;
    int k = strcmp(algo, "vsknn") == 0     ? 0
            : strcmp(algo, "stamp") == 0   ? 1
            : strcmp(algo, "narm") == 0    ? 2
            : strcmp(algo, "gru4rec") == 0 ? -1
                                           : 3;
    if (k < 0)
        return sbr_err_set(err, SBR_EINVAL, "no ranks");
    *out = malloc(24 * sizeof **out);
    memcpy(*out, neural_ranks[k], 24 * sizeof **out);
    *n = 24;
    return SBR_OK;
}

static void rr_of_ranks(const uint32_t *r, double *x)
{
    for (size_t i = 0; i < 24; i++)
        x[i] = r[i] > 0 && r[i] <= 20 ? 1.0 / r[i] : 0.0;
}

static void test_the_best_knn_method_against_each_learned_model(void)
{
    sbr_sheet sh;
    sbr_summary s;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("n.csv", neural_csv), &sh, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(&sh, &s, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(s.n, 7);
    sbr_compare c;
    CU_ASSERT_EQUAL_FATAL(sbr_compare_build_scoped(&s, "20", 0.05, &sbr_tables_neural_scope,
                                                   neural_fetch, NULL, &c, &e),
                          SBR_OK);
    /* rows: 0 pop, 1 vmis, 2 vsknn, 3 stamp, 4 narm, 5 gru4rec, 6 d2 vmis */
    CU_ASSERT(!c.row[0].best && !c.row[0].tested); /* pop: neither reference nor tested */
    CU_ASSERT(!c.row[1].best && !c.row[1].tested); /* vmis: a kNN method, not the best */
    CU_ASSERT(c.row[2].best);
    CU_ASSERT(c.row[3].tested && c.row[4].tested);
    CU_ASSERT(!c.row[5].tested); /* gru4rec: no ranks */
    CU_ASSERT(c.row[6].best && !c.row[6].tested);
    CU_ASSERT_EQUAL(c.tested, 2);
    double xk[24], xs[24], xn[24];
    rr_of_ranks(neural_ranks[0], xk);
    rr_of_ranks(neural_ranks[1], xs);
    rr_of_ranks(neural_ranks[2], xn);
    sbr_test_result ws, wn;
    CU_ASSERT_EQUAL_FATAL(sbr_wilcoxon(xs, xk, 24, &ws, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_wilcoxon(xn, xk, 24, &wn, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(c.row[3].p_wilcoxon, ws.p, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(c.row[4].p_wilcoxon, wn.p, 1e-15);
    /* Holm over the two learned models only (pop and vmis are not in the family). */
    double lo = fmin(ws.p, wn.p), adj_lo = fmin(1, 2 * lo);
    CU_ASSERT_DOUBLE_EQUAL(fmin(c.row[3].adj_wilcoxon, c.row[4].adj_wilcoxon), adj_lo, 1e-15);
    CU_ASSERT(c.row[3].adj_wilcoxon < 0.05 && c.row[4].adj_wilcoxon < 0.05);

    bool written = false;
    CU_ASSERT_EQUAL_FATAL(sbr_tables_neural(test_tmpdir(), &s, "20", &c, &written, &e), SBR_OK);
    CU_ASSERT(written);
    char *md = test_read_tmp("neural.md");
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    char want[256];
    /* The reference first, then the learned models in first-seen order; pop, vmis and d2 out. */
    const char *ref =
        strstr(md, "| d1 | vsknn (best kNN) | 0.7000 | 0.4000 | 2.50 | 30.00 | – | – | – |");
    snprintf(want, sizeof want,
             "| d1 | stamp | 0.8000 | 0.5000 | 300 | 90.00 | +0.1000 | %.2g | better |",
             c.row[3].adj_wilcoxon);
    const char *st = strstr(md, want);
    snprintf(want, sizeof want,
             "| d1 | narm | 0.3000 | 0.1000 | 200 | 120.00 | -0.3000 | %.2g | worse |",
             c.row[4].adj_wilcoxon);
    const char *na = strstr(md, want);
    const char *gr =
        strstr(md, "| d1 | gru4rec | 0.4000 | 0.2000 | 100 | 60.00 | -0.2000 | – | untested |");
    CU_ASSERT(ref != NULL && st != NULL && na != NULL && gr != NULL);
    CU_ASSERT(ref < st && st < na && na < gr);
    CU_ASSERT_PTR_NULL(strstr(md, "pop"));
    CU_ASSERT_PTR_NULL(strstr(md, "| d2 |"));
    free(md);
    char *tex = test_read_tmp("neural.tex");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tex);
    CU_ASSERT_PTR_NOT_NULL(strstr(tex, "$\\Delta$MRR@20"));
    free(tex);
    sbr_compare_fini(&c);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);

    /* Without a learned model the table is not written, and an earlier one is removed. */
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("m.csv", metrics_csv), &sh, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(&sh, &s, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(
        sbr_compare_build_scoped(&s, "20", 0.05, &sbr_tables_neural_scope, fetch, NULL, &c, &e),
        SBR_OK);
    CU_ASSERT_EQUAL(c.tested, 0); /* A, B, C, D are no registered algorithms */
    CU_ASSERT_EQUAL(sbr_tables_neural(test_tmpdir(), &s, "20", &c, &written, &e), SBR_OK);
    CU_ASSERT(!written);
    CU_ASSERT_PTR_NULL(test_read_tmp("neural.md"));
    sbr_compare_fini(&c);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

static CU_TestInfo tests[] = {
    {"the best kNN method against each learned model",
     test_the_best_knn_method_against_each_learned_model},
    {"every configuration against the best", test_every_configuration_against_the_best},
    {"a store error stops the report", test_a_store_error_stops_the_report},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo sbr_suite_compare = {"compare", NULL, NULL, NULL, NULL, tests};
