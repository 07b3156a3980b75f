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

static CU_TestInfo tests[] = {
    {"every configuration against the best", test_every_configuration_against_the_best},
    {"a store error stops the report", test_a_store_error_stops_the_report},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo sbr_suite_compare = {"compare", NULL, NULL, NULL, NULL, tests};
