#include "eval/signif.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

sbr_spread sbr_spread_from(size_t n, double mean, double m2)
{
    sbr_spread s = {NAN, NAN, NAN, n};
    if (n == 0)
        return s;
    s.mean = mean;
    if (n == 1) {
        s.sd = s.ci95 = 0;
        return s;
    }
    s.sd = sqrt(m2 / (double)(n - 1));
    s.ci95 = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * s.sd / sqrt((double)n);
    return s;
}

sbr_spread sbr_spread_of(const double *x, size_t n)
{
    double sum = 0, m2 = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double mean = n > 0 ? sum / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        m2 += (x[i] - mean) * (x[i] - mean);
    return sbr_spread_from(n, mean, m2);
}

sbr_rc sbr_paired_t(const double *x, const double *y, size_t n, sbr_test_result *out, sbr_err *err)
{
    if (n < 2)
        return sbr_err_set(err, SBR_EINVAL, "paired t-test: %zu pairs (needs at least 2)", n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i] - y[i];
    double mean = sum / (double)n, ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - y[i] - mean;
        ss += d * d;
    }
    double sd = sqrt(ss / (double)(n - 1));
    out->n = n;
    if (sd == 0) {
        out->statistic = mean == 0 ? 0 : copysign(INFINITY, mean);
        out->p = mean == 0 ? 1 : 0;
        return SBR_OK;
    }
    double t = mean / (sd / sqrt((double)n));
    out->statistic = t;
    out->p = 2 * gsl_cdf_tdist_Q(fabs(t), (double)(n - 1));
    if (out->p > 1)
        out->p = 1;
    return SBR_OK;
}

static int abs_cmp(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* P(R+ <= r) and P(R+ >= r) under the null for n pairs without ties: R+ is the sum of a
 * uniformly random subset of 1..n, whose counts a subset-sum table holds exactly (at most
 * C(50, 25) < 2^53 per entry for n <= 50). */
static double wilcoxon_exact_p(size_t n, long r_plus)
{
    enum { MAX_N = 50, MAX_SUM = MAX_N * (MAX_N + 1) / 2 };
    double count[MAX_SUM + 1] = {0};
    long top = (long)(n * (n + 1) / 2);
    count[0] = 1;
    for (size_t k = 1; k <= n; k++)
        for (long s = (long)(k * (k + 1) / 2); s >= (long)k; s--)
            count[s] += count[s - (long)k];
    double total = ldexp(1.0, (int)n), below = 0, above = 0;
    for (long s = 0; s <= top; s++) {
        if (s <= r_plus)
            below += count[s];
        if (s >= r_plus)
            above += count[s];
    }
    if (2 * r_plus == top) /* the centre: SciPy's p = 1 */
        return 1;
    double p = 2 * fmin(below, above) / total;
    return p > 1 ? 1 : p;
}

sbr_rc sbr_wilcoxon(const double *x, const double *y, size_t n, sbr_test_result *out, sbr_err *err)
{
    if (n == 0)
        return sbr_err_set(err, SBR_EINVAL, "Wilcoxon test: no pairs");
    double *d = sbr_alloc_array(n, sizeof *d);
    if (d == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "Wilcoxon test: out of memory for %zu pairs", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] - y[i] != 0)
            d[m++] = x[i] - y[i];
    bool zeros = m < n;
    out->n = m;
    if (m == 0) {
        free(d);
        out->statistic = 0;
        out->p = 1;
        return SBR_OK;
    }
    qsort(d, m, sizeof *d, abs_cmp);
    /* Average ranks over runs of equal |d|; R+ and the tie term of the variance. */
    double r_plus = 0, r_minus = 0, ties = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && fabs(d[j]) == fabs(d[i]))
            j++;
        double rank = ((double)(i + 1) + (double)j) / 2, t = (double)(j - i);
        for (size_t k = i; k < j; k++)
            *(d[k] > 0 ? &r_plus : &r_minus) += rank;
        ties += t * (t * t - 1);
        i = j;
    }
    free(d);
    out->statistic = fmin(r_plus, r_minus);
    if (m <= 50 && !zeros && ties == 0) {
        out->p = wilcoxon_exact_p(m, (long)r_plus);
        return SBR_OK;
    }
    double nn = (double)m, mean = nn * (nn + 1) / 4;
    double var = (nn * (nn + 1) * (2 * nn + 1) - ties / 2) / 24;
    double z = (out->statistic - mean) / sqrt(var);
    out->p = 2 * gsl_cdf_ugaussian_Q(fabs(z));
    if (out->p > 1)
        out->p = 1;
    return SBR_OK;
}

typedef struct p_ref {
    double p;
    size_t i;
} p_ref;

static int p_ref_cmp(const void *a, const void *b)
{
    const p_ref *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

sbr_rc sbr_holm(const double *p, size_t m, double *adj, sbr_err *err)
{
    if (m == 0)
        return SBR_OK;
    p_ref *o = sbr_alloc_array(m, sizeof *o);
    if (o == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "Holm correction: out of memory for %zu p-values", m);
    for (size_t i = 0; i < m; i++)
        o[i] = (p_ref){p[i], i};
    qsort(o, m, sizeof *o, p_ref_cmp);
    double run = 0;
    for (size_t j = 0; j < m; j++) {
        double a = fmin(1, (double)(m - j) * o[j].p);
        run = fmax(run, a);
        adj[o[j].i] = run;
    }
    free(o);
    return SBR_OK;
}
