/* Statistics for comparing results: the mean with its spread and confidence interval over
 * slices, paired significance tests over the same predictions (paired t-test and Wilcoxon
 * signed-rank test), and Holm's correction over a family of comparisons.
 *
 * The definitions are SciPy 1.10's (scipy.stats.ttest_rel, wilcoxon with its defaults
 * zero_method="wilcox", correction=False, method="auto", and t.ppf), so that a reviewer can
 * check any number with SciPy; tests/reference/signif_scipy.py wrote the expected values of
 * tests/fixtures/signif_scipy.csv with it. Two-sided throughout. Distribution functions are
 * GSL's. Nothing here allocates except sbr_wilcoxon (a rank buffer) and sbr_holm (an order). */
#ifndef SBR_EVAL_SIGNIF_H
#define SBR_EVAL_SIGNIF_H

#include <stddef.h>

#include "data/common.h"

/* Mean, sample standard deviation (n - 1 in the denominator) and the half-width of the
 * two-sided 95% confidence interval of the mean, t(0.975, n - 1) * sd / sqrt(n), of x[0..n).
 * n = 1 gives sd 0 and half-width 0 (one slice: no spread can be estimated); n = 0 gives NaN for
 * all three. */
typedef struct sbr_spread {
    double mean, sd, ci95;
    size_t n;
} sbr_spread;

sbr_spread sbr_spread_of(const double *x, size_t n);

/* The same from n values' mean and m2, their sum of squared deviations from the mean (what
 * Welford's running update keeps). */
sbr_spread sbr_spread_from(size_t n, double mean, double m2);

/* A test's outcome: the statistic (t, or Wilcoxon's T = min(R+, R-)), the two-sided p-value and
 * the number of pairs that counted (Wilcoxon: nonzero differences). */
typedef struct sbr_test_result {
    double statistic, p;
    size_t n;
} sbr_test_result;

/* Paired t-test of x[i] - y[i], i < n, with n - 1 degrees of freedom. When every difference is
 * the same (sd 0) the test is degenerate: p = 1 when they are all 0, p = 0 otherwise (SciPy
 * answers NaN for the first). Errors: SBR_EINVAL when n < 2. */
sbr_rc sbr_paired_t(const double *x, const double *y, size_t n, sbr_test_result *out, sbr_err *err);

/* Wilcoxon signed-rank test of x[i] - y[i]. Zero differences are dropped; |differences| are
 * ranked with ties given their average rank. With at most 50 pairs, no zero and no tied
 * |difference|, p comes from the exact distribution of R+; otherwise from the normal
 * approximation with mean n(n+1)/4 and the tie-corrected variance
 * (n(n+1)(2n+1) - sum over tie groups of t(t^2 - 1)/2) / 24, without continuity correction.
 * All differences zero: p = 1, n = 0. (SciPy 1.10 differs in one corner: with ties among at most
 * 50 nonzero differences it still uses the exact table, on R+ cut to an integer.) Errors:
 * SBR_EINVAL (n = 0), SBR_ENOMEM. */
sbr_rc sbr_wilcoxon(const double *x, const double *y, size_t n, sbr_test_result *out, sbr_err *err);

/* Holm's step-down correction: adj[i] is p[i] adjusted over the m comparisons,
 * max over j <= rank(i) of min(1, (m - j + 1) * p_(j)), p_(1) <= ... <= p_(m) (ties keep their
 * input order). adj may be p. Errors: SBR_ENOMEM. */
sbr_rc sbr_holm(const double *p, size_t m, double *adj, sbr_err *err);

#endif
