/* eval/signif: every test statistic and p-value against SciPy 1.10's (written by
 * tests/reference/signif_scipy.py into tests/fixtures/signif_scipy.csv), Wilcoxon's exact table
 * against a brute-force enumeration of all sign patterns, Holm's correction against a hand
 * computation, and the degenerate inputs. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/parse.h"
#include "eval/signif.h"

/* Reads comma-separated doubles of text[0..len) into a new array (*n of them). */
static double *read_vec(const char *text, size_t len, size_t *n)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == ',';
    double *v = malloc(cap * sizeof *v);
    *n = 0;
    for (size_t i = 0; v != NULL && i < len;) {
        size_t j = i;
        while (j < len && text[j] != ',')
            j++;
        if (sbr_parse_double(text + i, j - i, &v[*n]) != NULL) {
            free(v);
            return NULL;
        }
        (*n)++;
        i = j + 1;
    }
    return v;
}

static bool close_to(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want) + 1e-300;
}

static void test_matches_scipy(void)
{
    FILE *f = fopen(SBR_FIXTURES "/signif_scipy.csv", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char *line = NULL;
    size_t cap = 0, cases = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *field[6] = {NULL};
        size_t nf = 0;
        for (char *p = line; nf < 6; nf++) {
            field[nf] = p;
            char *semi = strchr(p, ';');
            if (semi == NULL) {
                nf++;
                break;
            }
            *semi = '\0';
            p = semi + 1;
        }
        CU_ASSERT_EQUAL_FATAL(nf, 6);
        size_t nx = 0, ny = 0, ns = 0;
        double *x = read_vec(field[2], strlen(field[2]), &nx);
        double *y = read_vec(field[3], strlen(field[3]), &ny);
        double *stat = read_vec(field[4], strlen(field[4]), &ns);
        double p = 0;
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        CU_ASSERT_PTR_NULL_FATAL(sbr_parse_double(field[5], strlen(field[5]), &p));
        sbr_err e;
        if (strcmp(field[1], "spread") == 0) {
            sbr_spread s = sbr_spread_of(x, nx);
            if (!close_to(s.mean, stat[0], 1e-12) || !close_to(s.sd, stat[1], 1e-10) ||
                !close_to(s.ci95, p, 1e-9)) {
                fprintf(stderr, "%s: mean %.17g sd %.17g ci %.17g; SciPy %.17g %.17g %.17g\n",
                        field[0], s.mean, s.sd, s.ci95, stat[0], stat[1], p);
                CU_FAIL("spread differs from SciPy");
            }
        } else {
            CU_ASSERT_EQUAL_FATAL(nx, ny);
            sbr_test_result r;
            bool t = strcmp(field[1], "ttest") == 0;
            CU_ASSERT_EQUAL_FATAL(
                t ? sbr_paired_t(x, y, nx, &r, &e) : sbr_wilcoxon(x, y, nx, &r, &e), SBR_OK);
            if (!close_to(r.statistic, stat[0], 1e-9) || !close_to(r.p, p, 1e-7)) {
                fprintf(stderr, "%s %s: statistic %.17g p %.17g; SciPy %.17g %.17g\n", field[0],
                        field[1], r.statistic, r.p, stat[0], p);
                CU_FAIL("test differs from SciPy");
            }
        }
        free(x);
        free(y);
        free(stat);
        cases++;
    }
    free(line);
    fclose(f);
    CU_ASSERT(cases >= 20);
}

/* P(W+ <= r) by enumerating the 2^n sign patterns of ranks 1..n. */
static double brute_lower(unsigned n, long r)
{
    unsigned long below = 0;
    for (unsigned long mask = 0; mask < (1ul << n); mask++) {
        long w = 0;
        for (unsigned k = 0; k < n; k++)
            if (mask & (1ul << k))
                w += (long)k + 1;
        below += w <= r;
    }
    return (double)below / (double)(1ul << n);
}

static void test_wilcoxon_exact_table_is_the_enumeration(void)
{
    /* Differences 1..n with the signs of `neg`: R+ is the sum of the positive ranks, below the
     * centre for these, so p = 2 P(W+ <= R+). */
    const unsigned n = 14;
    double x[14], y[14];
    for (unsigned neg = 1; neg < 40; neg += 3) {
        long r_plus = 0;
        for (unsigned k = 0; k < n; k++) {
            bool negative = k >= n - neg % n || (neg >> (k % 5) & 1);
            x[k] = negative ? -(double)(k + 1) : (double)(k + 1);
            y[k] = 0;
            r_plus += negative ? 0 : (long)k + 1;
        }
        long top = (long)(n * (n + 1) / 2);
        if (2 * r_plus >= top)
            continue;
        sbr_test_result r;
        sbr_err e;
        CU_ASSERT_EQUAL_FATAL(sbr_wilcoxon(x, y, n, &r, &e), SBR_OK);
        double want = fmin(1, 2 * brute_lower(n, r_plus));
        CU_ASSERT_DOUBLE_EQUAL(r.p, want, 1e-15);
        CU_ASSERT_DOUBLE_EQUAL(r.statistic, (double)r_plus, 0);
    }
}

static void test_holm_by_hand(void)
{
    /* Sorted 0.005, 0.01, 0.03, 0.04 -> 4 * 0.005, 3 * 0.01, 2 * 0.03, max(1 * 0.04, 0.06). */
    double p[] = {0.01, 0.04, 0.03, 0.005}, adj[4];
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_holm(p, 4, adj, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(adj[0], 0.03, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(adj[1], 0.06, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(adj[2], 0.06, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(adj[3], 0.02, 1e-15);
    double q[] = {0.5, 0.6}; /* capped at 1, in place */
    CU_ASSERT_EQUAL(sbr_holm(q, 2, q, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(q[0], 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(q[1], 1, 0);
}

static void test_degenerate_inputs(void)
{
    double a[] = {0.5, 0.25, 0}, b[] = {0.5, 0.25, 0}, c[] = {0.25, 0, -0.25};
    sbr_test_result r;
    sbr_err e;
    CU_ASSERT_EQUAL(sbr_paired_t(a, b, 3, &r, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(r.p, 1, 0);
    CU_ASSERT_EQUAL(sbr_paired_t(a, c, 3, &r, &e), SBR_OK); /* the same difference 0.25 */
    CU_ASSERT_DOUBLE_EQUAL(r.p, 0, 0);
    CU_ASSERT_EQUAL(sbr_wilcoxon(a, b, 3, &r, &e), SBR_OK);
    CU_ASSERT_DOUBLE_EQUAL(r.p, 1, 0);
    CU_ASSERT_EQUAL(r.n, 0);
    CU_ASSERT_EQUAL(sbr_paired_t(a, b, 1, &r, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "1 pairs"));
    CU_ASSERT_EQUAL(sbr_wilcoxon(a, b, 0, &r, &e), SBR_EINVAL);
    sbr_spread one = sbr_spread_of(a, 1), none = sbr_spread_of(a, 0);
    CU_ASSERT_DOUBLE_EQUAL(one.mean, 0.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(one.ci95, 0, 0);
    CU_ASSERT(isnan(none.mean));
}

static CU_TestInfo tests[] = {
    {"t-test, Wilcoxon and spread equal SciPy's", test_matches_scipy},
    {"Wilcoxon's exact table is the enumeration", test_wilcoxon_exact_table_is_the_enumeration},
    {"Holm's correction by hand", test_holm_by_hand},
    {"degenerate inputs", test_degenerate_inputs},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo sbr_suite_signif = {"signif", NULL, NULL, NULL, NULL, tests};
