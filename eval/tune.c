#include "eval/tune.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <omp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/algo.h"
#include "data/rng.h"
#include "data/parse.h"

enum { PURPOSE_TUNE = 0x54554e45 };

static const double SQRT_2PI = 2.5066282746310002;

/* ---- spaces --------------------------------------------------------------------------------- */

const char *sbr_space_default(const char *algorithm)
{
    const sbr_algo *a = sbr_algo_find(algorithm);
    return a != NULL ? a->tune_space : NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

static sbr_rc parse_dim(char *part, sbr_dim *d, sbr_err *err)
{
    char *eq = strchr(part, '=');
    char *colon = eq ? strchr(eq + 1, ':') : NULL;
    if (eq == NULL || colon == NULL)
        return sbr_err_set(err, SBR_EINVAL, "space: '%s' is not name=kind:...", part);
    *eq = *colon = '\0';
    char *name = trim(part), *kind = trim(eq + 1), *args = colon + 1;
    memset(d, 0, sizeof *d);
    if (strlen(name) == 0 || strlen(name) >= sizeof d->name)
        return sbr_err_set(err, SBR_EINVAL, "space: bad parameter name '%s'", name);
    strcpy(d->name, name);
    if (strcmp(kind, "choice") == 0) {
        d->kind = SBR_DIM_CHOICE;
        char *save = NULL;
        for (char *c = strtok_r(args, "|", &save); c != NULL; c = strtok_r(NULL, "|", &save)) {
            c = trim(c);
            if (d->n_choices == SBR_SPACE_MAX_CHOICES || *c == '\0' ||
                strlen(c) >= sizeof d->choices[0])
                return sbr_err_set(err, SBR_EINVAL, "space: %s: 1 to %d short choices", name,
                                   SBR_SPACE_MAX_CHOICES);
            strcpy(d->choices[d->n_choices++], c);
        }
        if (d->n_choices == 0)
            return sbr_err_set(err, SBR_EINVAL, "space: %s has no choices", name);
        return SBR_OK;
    }
    static const char *const kinds[] = {"int", "real", "log", "logint"};
    static const sbr_dim_kind kind_of[] = {SBR_DIM_INT, SBR_DIM_REAL, SBR_DIM_LOG, SBR_DIM_LOGINT};
    size_t k = 0;
    while (k < 4 && strcmp(kind, kinds[k]) != 0)
        k++;
    if (k == 4)
        return sbr_err_set(err, SBR_EINVAL,
                           "space: %s: unknown kind '%s' (int, real, log, logint, choice)", name,
                           kind);
    d->kind = kind_of[k];
    char *sep = strchr(args, ':');
    if (sep == NULL)
        return sbr_err_set(err, SBR_EINVAL, "space: %s: expected %s:LO:HI", name, kind);
    *sep = '\0';
    char *lo = trim(args), *hi = trim(sep + 1);
    if (sbr_parse_double(lo, strlen(lo), &d->lo) != NULL ||
        sbr_parse_double(hi, strlen(hi), &d->hi) != NULL || d->lo > d->hi)
        return sbr_err_set(err, SBR_EINVAL, "space: %s: bounds '%s:%s' must be numbers, LO <= HI",
                           name, lo, hi);
    if ((d->kind == SBR_DIM_LOG || d->kind == SBR_DIM_LOGINT) && d->lo <= 0)
        return sbr_err_set(err, SBR_EINVAL, "space: %s: log bounds must be > 0", name);
    if ((d->kind == SBR_DIM_INT || d->kind == SBR_DIM_LOGINT) &&
        (d->lo != floor(d->lo) || d->hi != floor(d->hi)))
        return sbr_err_set(err, SBR_EINVAL, "space: %s: integer bounds must be integers", name);
    if ((d->kind == SBR_DIM_INT || d->kind == SBR_DIM_LOGINT) &&
        (fabs(d->lo) > SBR_SPACE_MAX_INT || fabs(d->hi) > SBR_SPACE_MAX_INT))
        return sbr_err_set(err, SBR_EINVAL,
                           "space: %s: integer bounds '%s:%s' must be within +-2^53 "
                           "(9007199254740992)",
                           name, lo, hi);
    return SBR_OK;
}

sbr_rc sbr_space_parse(const char *text, sbr_space *sp, sbr_err *err)
{
    memset(sp, 0, sizeof *sp);
    char buf[4096];
    if (strlen(text) >= sizeof buf)
        return sbr_err_set(err, SBR_EINVAL, "space: too long");
    strcpy(buf, text);
    char *save = NULL;
    for (char *part = strtok_r(buf, ";\n", &save); part != NULL;
         part = strtok_r(NULL, ";\n", &save)) {
        if (*trim(part) == '\0' || *trim(part) == '#')
            continue;
        if (sp->n == SBR_SPACE_MAX_DIMS)
            return sbr_err_set(err, SBR_EINVAL, "space: more than %d parameters",
                               SBR_SPACE_MAX_DIMS);
        sbr_rc rc = parse_dim(part, &sp->dims[sp->n], err);
        if (rc != SBR_OK)
            return rc;
        for (size_t j = 0; j < sp->n; j++)
            if (strcmp(sp->dims[j].name, sp->dims[sp->n].name) == 0)
                return sbr_err_set(err, SBR_EINVAL, "space: %s appears twice", sp->dims[j].name);
        sp->n++;
    }
    if (sp->n == 0)
        return sbr_err_set(err, SBR_EINVAL, "space: no parameters");
    return SBR_OK;
}

const char *sbr_space_format(const sbr_space *sp, const double *x, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t d = 0; d < sp->n; d++) {
        const sbr_dim *dim = &sp->dims[d];
        size_t used = strlen(buf);
        char num[40];
        if (dim->kind == SBR_DIM_CHOICE)
            snprintf(buf + used, size - used, "%s%s=%s", d ? "," : "", dim->name,
                     dim->choices[(size_t)x[d]]);
        else if (dim->kind == SBR_DIM_INT || dim->kind == SBR_DIM_LOGINT)
            snprintf(buf + used, size - used, "%s%s=%.0f", d ? "," : "", dim->name, x[d]);
        else
            snprintf(buf + used, size - used, "%s%s=%s", d ? "," : "", dim->name,
                     sbr_format_double(num, sizeof num, x[d]));
    }
    return buf;
}

/* ---- the tuner ------------------------------------------------------------------------------ */

struct sbr_tuner {
    sbr_space sp;
    sbr_tune_options opt;
    double *xs, *ys; /* told points (n_told x sp.n) and objectives */
    size_t n_told, cap;
    /* grid: the values of each dimension and a seeded visiting order */
    double grid_values[SBR_SPACE_MAX_DIMS][64];
    size_t grid_n[SBR_SPACE_MAX_DIMS];
    size_t grid_total;
    size_t *grid_order;
};

void sbr_tune_options_init(sbr_tune_options *opt)
{
    opt->method = SBR_TUNE_TPE;
    opt->seed = 1;
    opt->grid_points = 5;
    opt->n_startup = 10;
    opt->gamma = 0.25;
    opt->n_candidates = 24;
    opt->feasible = NULL;
    opt->feasible_user = NULL;
}

static bool is_log(const sbr_dim *d)
{
    return d->kind == SBR_DIM_LOG || d->kind == SBR_DIM_LOGINT;
}

static bool is_int(const sbr_dim *d)
{
    return d->kind == SBR_DIM_INT || d->kind == SBR_DIM_LOGINT;
}

/* A number in the dimension's working space (log for log kinds), and back (rounded for
 * integer kinds, clamped to the bounds). */
static double to_u(const sbr_dim *d, double x)
{
    return is_log(d) ? log(x) : x;
}

static double from_u(const sbr_dim *d, double u)
{
    double x = is_log(d) ? exp(u) : u;
    if (is_int(d))
        x = floor(x + 0.5);
    return x < d->lo ? d->lo : x > d->hi ? d->hi : x;
}

static void build_grid(sbr_tuner *t)
{
    t->grid_total = 1;
    for (size_t d = 0; d < t->sp.n; d++) {
        const sbr_dim *dim = &t->sp.dims[d];
        size_t n = 0;
        if (dim->kind == SBR_DIM_CHOICE) {
            for (size_t c = 0; c < dim->n_choices; c++)
                t->grid_values[d][n++] = (double)c;
        } else {
            size_t points = t->opt.grid_points < 2    ? 2
                            : t->opt.grid_points > 64 ? 64
                                                      : t->opt.grid_points;
            double a = to_u(dim, dim->lo), b = to_u(dim, dim->hi);
            for (size_t i = 0; i < points; i++) {
                double v = from_u(dim, a + (b - a) * (double)i / (double)(points - 1));
                if (n == 0 || v != t->grid_values[d][n - 1])
                    t->grid_values[d][n++] = v;
            }
        }
        t->grid_n[d] = n;
        t->grid_total = t->grid_total > SIZE_MAX / n ? SIZE_MAX : t->grid_total * n;
    }
}

sbr_tuner *sbr_tuner_new(const sbr_space *sp, const sbr_tune_options *opt)
{
    sbr_tuner *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->sp = *sp;
    t->opt = *opt;
    if (opt->method == SBR_TUNE_GRID) {
        build_grid(t);
        /* Visit the grid in a seeded random order, so a partial grid covers the space. */
        if (t->grid_total <= 10000000) {
            t->grid_order = malloc(t->grid_total * sizeof *t->grid_order);
            gsl_rng *r = sbr_rng_new(sbr_seed(opt->seed, 0, SBR_TUNE_GRID, PURPOSE_TUNE));
            if (t->grid_order == NULL || r == NULL) {
                if (r)
                    gsl_rng_free(r);
                sbr_tuner_free(t);
                return NULL;
            }
            for (size_t i = 0; i < t->grid_total; i++)
                t->grid_order[i] = i;
            gsl_ran_shuffle(r, t->grid_order, t->grid_total, sizeof *t->grid_order);
            gsl_rng_free(r);
        }
    }
    return t;
}

void sbr_tuner_free(sbr_tuner *t)
{
    if (t == NULL)
        return;
    free(t->xs);
    free(t->ys);
    free(t->grid_order);
    free(t);
}

size_t sbr_tuner_grid_size(const sbr_tuner *t)
{
    return t->grid_total;
}

sbr_rc sbr_tuner_tell(sbr_tuner *t, const double *x, double objective, sbr_err *err)
{
    if (t->n_told == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        if (sbr_grow_array(&t->xs, cap * (t->sp.n ? t->sp.n : 1), sizeof *t->xs) != SBR_OK ||
            sbr_grow_array(&t->ys, cap, sizeof *t->ys) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "tune: out of memory");
        t->cap = cap;
    }
    memcpy(t->xs + t->n_told * t->sp.n, x, t->sp.n * sizeof *x);
    t->ys[t->n_told++] = isfinite(objective) ? objective : -INFINITY;
    return SBR_OK;
}

/* A uniform integer in [0, n) for any n >= 1 up to 2^54 + 1. gsl_rng_uniform_int serves n up
 * to the generator's range (2^32 - 1 for mt19937; beyond it, it fails and returns 0), and is
 * kept there so that seeded sequences do not move; wider n take two 32-bit draws per 64-bit
 * candidate, rejecting the top partial block so that every value is equally likely. */
static uint64_t uniform_below(gsl_rng *r, uint64_t n)
{
    if (n <= gsl_rng_max(r) - gsl_rng_min(r))
        return gsl_rng_uniform_int(r, (unsigned long)n);
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* candidates below limit are unbiased */
    for (;;) {
        uint64_t hi = gsl_rng_get(r) - gsl_rng_min(r), lo = gsl_rng_get(r) - gsl_rng_min(r);
        uint64_t u = (hi << 32) | (lo & 0xffffffffu);
        if (u < limit)
            return u % n;
    }
}

static double random_value(const sbr_dim *d, gsl_rng *r)
{
    if (d->kind == SBR_DIM_CHOICE)
        return (double)gsl_rng_uniform_int(r, d->n_choices);
    if (d->kind == SBR_DIM_INT) /* bounds within +-2^53: hi - lo + 1 is exact in uint64 */
        return d->lo + (double)uniform_below(r, (uint64_t)((int64_t)d->hi - (int64_t)d->lo) + 1);
    if (d->kind == SBR_DIM_LOGINT) /* log-uniform over [lo - 0.5, hi + 0.5), then rounded */
        return from_u(d, log(fmax(d->lo - 0.5, 0.5)) +
                             gsl_rng_uniform(r) * (log(d->hi + 0.5) - log(fmax(d->lo - 0.5, 0.5))));
    double a = to_u(d, d->lo), b = to_u(d, d->hi);
    return from_u(d, a + gsl_rng_uniform(r) * (b - a));
}

/* A Parzen estimator over one numeric dimension in working space [a, b]. */
typedef struct parzen {
    double mu[1025], sigma[1025], w[1025];
    size_t n;
    double a, b;
} parzen;

static double norm_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

static int double_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Components at the observed values u[0..n) plus a prior at the centre with the width of the
 * range; bandwidths are the larger gap to the sorted neighbours (the bounds included),
 * clipped to [width / min(100, n + 1), width]. */
static void parzen_build(parzen *p, double a, double b, const double *u, size_t n)
{
    double width = b - a > 0 ? b - a : 1.0;
    double sorted[1024];
    if (n > 1024)
        n = 1024;
    memcpy(sorted, u, n * sizeof *u);
    qsort(sorted, n, sizeof *sorted, double_cmp);
    double min_sigma = width / fmin(100.0, (double)n + 1.0);
    p->a = a;
    p->b = b;
    p->n = 0;
    for (size_t i = 0; i < n; i++) {
        double left = i > 0 ? sorted[i] - sorted[i - 1] : sorted[i] - a;
        double right = i + 1 < n ? sorted[i + 1] - sorted[i] : b - sorted[i];
        double s = fmax(left, right);
        p->mu[p->n] = sorted[i];
        p->sigma[p->n] = fmin(fmax(s, min_sigma), width);
        p->w[p->n++] = 1.0;
    }
    p->mu[p->n] = (a + b) / 2;
    p->sigma[p->n] = width;
    p->w[p->n++] = 1.0;
}

static double parzen_log_density(const parzen *p, double u)
{
    double total = 0, wsum = 0;
    for (size_t i = 0; i < p->n; i++) {
        double s = p->sigma[i];
        double mass = norm_cdf((p->b - p->mu[i]) / s) - norm_cdf((p->a - p->mu[i]) / s);
        double z = (u - p->mu[i]) / s;
        total += p->w[i] * exp(-0.5 * z * z) / (s * SQRT_2PI * fmax(mass, 1e-300));
        wsum += p->w[i];
    }
    return log(fmax(total / wsum, 1e-300));
}

static double parzen_sample(const parzen *p, gsl_rng *r)
{
    double wsum = 0;
    for (size_t i = 0; i < p->n; i++)
        wsum += p->w[i];
    double pick = gsl_rng_uniform(r) * wsum;
    size_t i = 0;
    while (i + 1 < p->n && pick >= p->w[i]) {
        pick -= p->w[i];
        i++;
    }
    for (int tries = 0; tries < 64; tries++) {
        double u = p->mu[i] + p->sigma[i] * gsl_ran_gaussian(r, 1.0);
        if (u >= p->a && u <= p->b)
            return u;
    }
    return p->mu[i] < p->a ? p->a : p->mu[i] > p->b ? p->b : p->mu[i];
}

typedef struct order_item {
    double y;
    size_t i;
} order_item;

static int by_objective_desc(const void *x, const void *y)
{
    const order_item *a = x, *b = y;
    if (a->y != b->y)
        return a->y > b->y ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* One TPE proposal for dimension d given the good and bad trial indices. */
static double tpe_dim(const sbr_tuner *t, size_t d, const size_t *good, size_t n_good,
                      const size_t *bad, size_t n_bad, gsl_rng *r, parzen *l, parzen *g)
{
    const sbr_dim *dim = &t->sp.dims[d];
    size_t n_dims = t->sp.n;
    if (dim->kind == SBR_DIM_CHOICE) {
        double lw[SBR_SPACE_MAX_CHOICES], gw[SBR_SPACE_MAX_CHOICES], lsum = 0, gsum = 0;
        for (size_t c = 0; c < dim->n_choices; c++)
            lw[c] = gw[c] = 1.0; /* add-one smoothing: the prior */
        for (size_t k = 0; k < n_good; k++)
            lw[(size_t)t->xs[good[k] * n_dims + d]] += 1.0;
        for (size_t k = 0; k < n_bad; k++)
            gw[(size_t)t->xs[bad[k] * n_dims + d]] += 1.0;
        for (size_t c = 0; c < dim->n_choices; c++)
            lsum += lw[c], gsum += gw[c];
        double best = 0, best_score = -INFINITY;
        for (size_t k = 0; k < t->opt.n_candidates; k++) {
            double pick = gsl_rng_uniform(r) * lsum;
            size_t c = 0;
            while (c + 1 < dim->n_choices && pick >= lw[c])
                pick -= lw[c++];
            double score = log(lw[c] / lsum) - log(gw[c] / gsum);
            if (score > best_score) {
                best_score = score;
                best = (double)c;
            }
        }
        return best;
    }
    double a = to_u(dim, dim->lo), b = to_u(dim, dim->hi);
    if (a == b)
        return dim->lo;
    double u[1024];
    size_t n = 0;
    for (size_t k = 0; k < n_good && n < 1024; k++)
        u[n++] = to_u(dim, t->xs[good[k] * n_dims + d]);
    parzen_build(l, a, b, u, n);
    n = 0;
    for (size_t k = 0; k < n_bad && n < 1024; k++)
        u[n++] = to_u(dim, t->xs[bad[k] * n_dims + d]);
    parzen_build(g, a, b, u, n);
    double best = dim->lo, best_score = -INFINITY;
    for (size_t k = 0; k < t->opt.n_candidates; k++) {
        double x = from_u(dim, parzen_sample(l, r));
        double ux = to_u(dim, x);
        double score = parzen_log_density(l, ux) - parzen_log_density(g, ux);
        if (score > best_score) {
            best_score = score;
            best = x;
        }
    }
    return best;
}

/* One proposal for `trial`; redraw r > 0 is the r-th retry after infeasible proposals (the
 * next grid point, or a fresh seed; for TPE uniform draws after 8), and r = 0 the first. */
static sbr_rc ask_once(const sbr_tuner *t, size_t trial, size_t redraw, double *x, sbr_err *err)
{
    size_t n_dims = t->sp.n;
    uint64_t purpose = PURPOSE_TUNE + ((uint64_t)redraw << 32);
    if (t->opt.method == SBR_TUNE_GRID) {
        size_t index;
        if (t->grid_order != NULL) {
            index = t->grid_order[(trial + redraw) % t->grid_total];
        } else {
            gsl_rng *r = sbr_rng_new(sbr_seed(t->opt.seed, trial, SBR_TUNE_GRID, purpose));
            if (r == NULL)
                return sbr_err_set(err, SBR_ENOMEM, "tune: out of memory");
            index = (size_t)gsl_rng_uniform_int(r, 0xffffffffUL) % t->grid_total;
            gsl_rng_free(r);
        }
        for (size_t d = n_dims; d-- > 0;) {
            x[d] = t->grid_values[d][index % t->grid_n[d]];
            index /= t->grid_n[d];
        }
        return SBR_OK;
    }
    gsl_rng *r = sbr_rng_new(sbr_seed(t->opt.seed, trial, t->opt.method, purpose));
    if (r == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "tune: out of memory");
    /* TPE picks each dimension's best candidate on its own, so a rejected combination can
     * come back on every redraw; after a few, the redraws are uniform (random search). */
    if (t->opt.method == SBR_TUNE_RANDOM || t->n_told < t->opt.n_startup || t->n_told < 2 ||
        redraw >= 8) {
        for (size_t d = 0; d < n_dims; d++)
            x[d] = random_value(&t->sp.dims[d], r);
        gsl_rng_free(r);
        return SBR_OK;
    }
    order_item *order = malloc(t->n_told * sizeof *order);
    size_t *idx = malloc(t->n_told * sizeof *idx);
    parzen *l = malloc(sizeof *l), *g = malloc(sizeof *g);
    if (order == NULL || idx == NULL || l == NULL || g == NULL) {
        free(order);
        free(idx);
        free(l);
        free(g);
        gsl_rng_free(r);
        return sbr_err_set(err, SBR_ENOMEM, "tune: out of memory");
    }
    for (size_t i = 0; i < t->n_told; i++)
        order[i] = (order_item){t->ys[i], i};
    qsort(order, t->n_told, sizeof *order, by_objective_desc);
    for (size_t i = 0; i < t->n_told; i++)
        idx[i] = order[i].i;
    size_t n_good = (size_t)ceil(t->opt.gamma * (double)t->n_told);
    if (n_good < 1)
        n_good = 1;
    if (n_good >= t->n_told)
        n_good = t->n_told - 1;
    for (size_t d = 0; d < n_dims; d++)
        x[d] = tpe_dim(t, d, idx, n_good, idx + n_good, t->n_told - n_good, r, l, g);
    free(order);
    free(idx);
    free(l);
    free(g);
    gsl_rng_free(r);
    return SBR_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

sbr_rc sbr_tuner_ask(const sbr_tuner *t, size_t trial, double *x, sbr_err *err)
{
    for (size_t redraw = 0; redraw <= SBR_TUNE_MAX_REDRAWS; redraw++) {
        sbr_rc rc = ask_once(t, trial, redraw, x, err);
        if (rc != SBR_OK || t->opt.feasible == NULL || t->opt.feasible(t->opt.feasible_user, x))
            return rc;
    }
    return sbr_err_set(err, SBR_EINVAL,
                       "tune: trial %zu: no point of the space passes the algorithm's rules "
                       "after %d draws",
                       trial, SBR_TUNE_MAX_REDRAWS);
}

sbr_rc sbr_tune_run(const sbr_space *sp, const sbr_tune_options *opt, size_t n_trials, size_t batch,
                    int threads, sbr_objective_fn fn, void *user, sbr_trial *trials, sbr_err *err)
{
    return sbr_tune_run_shared(sp, opt, n_trials, batch, threads, NULL, fn, user, trials, err);
}

/* Evaluates this process's trials of [start, end) on `threads` threads: *bad is the lowest
 * failing one (end when none failed) and *bad_err its error. */
static void evaluate_batch(size_t start, size_t end, size_t rank, size_t size, int threads,
                           sbr_objective_fn fn, void *user, sbr_trial *trials, size_t *bad,
                           sbr_err *bad_err)
{
    size_t first_bad = end;
    sbr_err first_err = {SBR_OK, ""};
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) default(none)                   \
    shared(start, end, rank, size, trials, fn, user, first_bad, first_err)
    for (size_t i = start; i < end; i++) {
        if ((i - start) % size != rank)
            continue;
        sbr_err e = {SBR_OK, ""};
        double t0 = now_s();
        sbr_rc trc = fn(user, trials[i].x, &trials[i].value, &e);
        trials[i].seconds = now_s() - t0;
        if (trc != SBR_OK) {
#pragma omp critical(sbr_tune_error)
            if (i < first_bad) {
                first_bad = i;
                first_err = e;
            }
        }
    }
    *bad = first_bad;
    *bad_err = first_err;
}

sbr_rc sbr_tune_run_shared(const sbr_space *sp, const sbr_tune_options *opt, size_t n_trials,
                           size_t batch, int threads, const sbr_tune_share *share,
                           sbr_objective_fn fn, void *user, sbr_trial *trials, sbr_err *err)
{
    if (batch < 1 || threads < 1)
        return sbr_err_set(err, SBR_EINVAL, "tune: batch and threads must be >= 1");
    if (share != NULL && (share->size < 1 || share->rank >= share->size || share->gather == NULL))
        return sbr_err_set(err, SBR_EINVAL, "tune: bad share (rank %zu of %zu)", share->rank,
                           share->size);
    sbr_tuner *t = sbr_tuner_new(sp, opt);
    if (t == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "tune: out of memory");
    sbr_rc rc = SBR_OK;
    for (size_t start = 0; start < n_trials && rc == SBR_OK; start += batch) {
        size_t end = start + batch < n_trials ? start + batch : n_trials;
        for (size_t i = start; i < end && rc == SBR_OK; i++) {
            memset(&trials[i], 0, sizeof trials[i]);
            rc = sbr_tuner_ask(t, i, trials[i].x, err);
        }
        if (rc != SBR_OK)
            break;
        size_t bad;
        sbr_err bad_err = {SBR_OK, ""};
        evaluate_batch(start, end, share ? share->rank : 0, share ? share->size : 1, threads, fn,
                       user, trials, &bad, &bad_err);
        if (share != NULL)
            share->gather(share->user, trials, start, end, &bad, &bad_err);
        if (bad != end) {
            rc = sbr_err_set(err, bad_err.rc, "trial %zu: %s", bad, bad_err.msg);
            break;
        }
        for (size_t i = start; i < end && rc == SBR_OK; i++)
            rc = sbr_tuner_tell(t, trials[i].x, trials[i].value, err);
    }
    sbr_tuner_free(t);
    return rc;
}
