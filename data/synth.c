#include "data/synth.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/rng.h"
#include "data/output.h"
#include "data/parse.h"

enum { PURPOSE_SYNTH = 0x5359 };

static const double PI = 3.14159265358979323846;

void sbr_synth_options_init(sbr_synth_options *opt)
{
    opt->sessions = 20000;
    opt->items = 5000;
    opt->clusters = 25;
    opt->zipf = 1.1;
    opt->mean_length = 5.5;
    opt->max_length = 200;
    opt->p_repeat = 0.08;
    opt->p_sequential = 0.45;
    opt->p_explore = 0.07;
    opt->days = 30;
    opt->seed = 1;
}

static sbr_rc check(const sbr_synth_options *o, sbr_err *err)
{
    if (o->sessions < 1 || o->sessions > 100000000)
        return sbr_err_set(err, SBR_EINVAL, "synth: sessions=%zu must be 1..1e8", o->sessions);
    if (o->items < 10 || o->items > 100000000)
        return sbr_err_set(err, SBR_EINVAL, "synth: items=%zu must be 10..1e8", o->items);
    if (o->clusters < 1 || o->clusters > o->items / 2)
        return sbr_err_set(err, SBR_EINVAL, "synth: clusters=%zu must be 1..items/2", o->clusters);
    if (!(o->zipf >= 0 && o->zipf <= 5))
        return sbr_err_set(err, SBR_EINVAL, "synth: zipf=%g must be 0..5", o->zipf);
    if (!(o->mean_length >= 2 && o->mean_length <= 1000) || o->max_length < 2)
        return sbr_err_set(err, SBR_EINVAL, "synth: mean_length=%g must be 2..1000",
                           o->mean_length);
    double p = o->p_repeat + o->p_sequential + o->p_explore;
    if (!(o->p_repeat >= 0 && o->p_sequential >= 0 && o->p_explore >= 0 && p <= 1))
        return sbr_err_set(err, SBR_EINVAL,
                           "synth: p_repeat, p_sequential and p_explore must be >= 0 and sum "
                           "to at most 1 (sum %g)",
                           p);
    if (!(o->days > 0 && o->days <= 3650))
        return sbr_err_set(err, SBR_EINVAL, "synth: days=%g must be in (0, 3650]", o->days);
    return SBR_OK;
}

/* Zipf weights 1/(rank+1)^s for n ranks, as an alias table. */
static gsl_ran_discrete_t *zipf_table(size_t n, double s)
{
    double *w = malloc(n * sizeof *w);
    if (w == NULL)
        return NULL;
    for (size_t r = 0; r < n; r++)
        w[r] = pow((double)(r + 1), -s);
    gsl_ran_discrete_t *t = gsl_ran_discrete_preproc(n, w);
    free(w);
    return t;
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

sbr_rc sbr_synth_write(const sbr_synth_options *opt, const char *path, sbr_progress_fn progress,
                       void *progress_user, sbr_synth_stats *stats, sbr_err *err)
{
    sbr_rc rc = check(opt, err);
    if (rc != SBR_OK)
        return rc;
    size_t n_items = opt->items, n_clusters = opt->clusters;
    size_t per_cluster = n_items / n_clusters; /* the last cluster takes the remainder */
    gsl_rng *r = sbr_rng_new(sbr_seed(opt->seed, 0, 0, PURPOSE_SYNTH));
    gsl_ran_discrete_t *pick_cluster = zipf_table(n_clusters, 1.0);
    gsl_ran_discrete_t *pick_global = zipf_table(n_items, opt->zipf);
    gsl_ran_discrete_t *pick_in_cluster = zipf_table(per_cluster, opt->zipf);
    gsl_ran_discrete_t *pick_in_last =
        zipf_table(n_items - per_cluster * (n_clusters - 1), opt->zipf);
    /* A fixed random permutation maps popularity ranks to item ids, so that id order says
     * nothing about popularity (as in real data). */
    size_t *id_of = malloc(n_items * sizeof *id_of);
    double *starts = malloc(opt->sessions * sizeof *starts);
    sbr_out *out = NULL;
    if (!r || !pick_cluster || !pick_global || !pick_in_cluster || !pick_in_last || !id_of ||
        !starts) {
        rc = sbr_err_set(err, SBR_ENOMEM, "synth: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_items; i++)
        id_of[i] = i;
    gsl_ran_shuffle(r, id_of, n_items, sizeof *id_of);

    /* Session starts: uniform days, hours drawn from a daily cycle peaking at 20:00 UTC. */
    const double t0 = 1577836800.0; /* 2020-01-01 00:00:00 UTC */
    for (size_t s = 0; s < opt->sessions; s++) {
        double day = floor(gsl_rng_uniform(r) * opt->days);
        double hour;
        do {
            hour = gsl_rng_uniform(r) * 24.0;
        } while (gsl_rng_uniform(r) > 0.55 + 0.45 * cos((hour - 20.0) * PI / 12.0));
        starts[s] = t0 + day * 86400.0 + floor(hour * 3600.0);
    }
    qsort(starts, opt->sessions, sizeof *starts, double_cmp);

    if ((rc = sbr_out_open(path, &out, err)) != SBR_OK)
        goto done;
    sbr_out_printf(out, "SessionId\tItemId\tTime\n");
    double sigma = 0.75, mu = log(opt->mean_length - 1.0) - sigma * sigma / 2.0;
    uint64_t clicks = 0;
    char tbuf[40];
    for (size_t s = 0; s < opt->sessions; s++) {
        size_t c = gsl_ran_discrete(r, pick_cluster);
        size_t c_size = c == n_clusters - 1 ? n_items - per_cluster * c : per_cluster;
        gsl_ran_discrete_t *in_c = c == n_clusters - 1 ? pick_in_last : pick_in_cluster;
        /* 1 + a rounded log-normal of mean mean_length - 1; at least 2. */
        double len_d = 1.0 + floor(gsl_ran_lognormal(r, mu, sigma) + 0.5);
        size_t len = len_d < 2                         ? 2
                     : len_d > (double)opt->max_length ? opt->max_length
                                                       : (size_t)len_d;
        size_t rank = gsl_ran_discrete(r, in_c); /* rank within the intent */
        size_t item = c * per_cluster + rank;    /* popularity position over all items */
        double t = starts[s];
        for (size_t k = 0; k < len; k++) {
            if (k > 0) {
                double u = gsl_rng_uniform(r);
                if (u < opt->p_repeat) {
                    /* the same item again */
                } else if (u < opt->p_repeat + opt->p_sequential) {
                    rank = (rank + 1 + gsl_rng_uniform_int(r, 3)) % c_size;
                    item = c * per_cluster + rank;
                } else if (u < opt->p_repeat + opt->p_sequential + opt->p_explore) {
                    item = gsl_ran_discrete(r, pick_global);
                } else {
                    rank = gsl_ran_discrete(r, in_c);
                    item = c * per_cluster + rank;
                }
                t += ceil(gsl_ran_lognormal(r, log(45.0), 1.0));
            }
            sbr_out_printf(out, "%zu\t%zu\t%s\n", s + 1, id_of[item] + 1,
                           sbr_format_double(tbuf, sizeof tbuf, t));
            clicks++;
        }
        if (progress != NULL && (s & 0xffff) == 0 && s > 0)
            progress(progress_user, s, opt->sessions);
    }
    rc = sbr_out_commit(out, err);
    out = NULL;
    if (rc == SBR_OK && stats != NULL) {
        stats->sessions = opt->sessions;
        stats->clicks = clicks;
    }
done:
    sbr_out_abort(out);
    free(id_of);
    free(starts);
    if (pick_cluster)
        gsl_ran_discrete_free(pick_cluster);
    if (pick_global)
        gsl_ran_discrete_free(pick_global);
    if (pick_in_cluster)
        gsl_ran_discrete_free(pick_in_cluster);
    if (pick_in_last)
        gsl_ran_discrete_free(pick_in_last);
    if (r)
        gsl_rng_free(r);
    return rc;
}

/* The key=value options of sbr_synth_options_parse: counts are checked against their range
 * on the number, before any conversion (lo..hi inclusive); reals are checked by check(). */
typedef struct synth_key {
    const char *name;
    size_t offset;
    bool count;    /* a size_t count (truncated); else a double, or the seed when is_seed */
    bool is_seed;  /* uint64_t */
    double lo, hi; /* counts and the seed */
    const char *range;
} synth_key;

sbr_rc sbr_synth_options_parse(const char *spec, sbr_synth_options *o, sbr_err *err)
{
    static const synth_key keys[] = {
        {"sessions", offsetof(sbr_synth_options, sessions), true, false, 1, 1e8, "1..1e8"},
        {"items", offsetof(sbr_synth_options, items), true, false, 10, 1e8, "10..1e8"},
        {"clusters", offsetof(sbr_synth_options, clusters), true, false, 1, 1e8, "1..items/2"},
        {"zipf", offsetof(sbr_synth_options, zipf), false, false, 0, 0, NULL},
        {"mean_length", offsetof(sbr_synth_options, mean_length), false, false, 0, 0, NULL},
        {"p_sequential", offsetof(sbr_synth_options, p_sequential), false, false, 0, 0, NULL},
        {"p_repeat", offsetof(sbr_synth_options, p_repeat), false, false, 0, 0, NULL},
        {"p_explore", offsetof(sbr_synth_options, p_explore), false, false, 0, 0, NULL},
        {"days", offsetof(sbr_synth_options, days), false, false, 0, 0, NULL},
        {"seed", offsetof(sbr_synth_options, seed), false, true, 0, 18446744073709549568.0,
         "0..2^64-2048"}};
    sbr_synth_options_init(o);
    char buf[256];
    if (strlen(spec) >= sizeof buf)
        return sbr_err_set(err, SBR_EINVAL, "synth '%.40s...': longer than %zu bytes", spec,
                           sizeof buf - 1);
    strcpy(buf, spec);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        double v;
        if (eq == NULL || sbr_parse_double(eq + 1, strlen(eq + 1), &v) != NULL || v < 0)
            return sbr_err_set(err, SBR_EINVAL, "synth '%s': expected key=number,...", spec);
        *eq = '\0';
        const synth_key *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && k == NULL; i++)
            if (strcmp(kv, keys[i].name) == 0)
                k = &keys[i];
        if (k == NULL)
            return sbr_err_set(err, SBR_EINVAL,
                               "synth: unknown key '%s' (sessions, items, clusters, zipf, "
                               "mean_length, p_sequential, p_repeat, p_explore, days, seed)",
                               kv);
        char *field = (char *)o + k->offset;
        if ((k->count || k->is_seed) && !(v >= k->lo && v <= k->hi))
            return sbr_err_set(err, SBR_EINVAL, "synth: %s=%s must be %s", kv, eq + 1, k->range);
        if (k->count)
            *(size_t *)(void *)field = (size_t)v;
        else if (k->is_seed)
            *(uint64_t *)(void *)field = (uint64_t)v;
        else
            *(double *)(void *)field = v;
    }
    return SBR_OK;
}
