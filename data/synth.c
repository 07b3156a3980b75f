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
    opt->cover = false;
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

/* The generator's fixed parts: its tables and the session starts, drawn once. */
typedef struct synth_model {
    const sbr_synth_options *opt;
    size_t n_items, n_clusters, per_cluster; /* the last cluster takes the remainder */
    gsl_ran_discrete_t *pick_cluster, *pick_global, *pick_in_cluster, *pick_in_last;
    size_t *id_of;  /* popularity position -> item id - 1 */
    double *starts; /* session start times, ascending */
    double mu, sigma;
} synth_model;

/* Draws session s's clicks from r: *len popularity positions into items[] and their times
 * into times[] (both hold max_length). */
static void synth_session(const synth_model *m, gsl_rng *r, size_t s, size_t *items, double *times,
                          size_t *len_out)
{
    const sbr_synth_options *opt = m->opt;
    size_t n_items = m->n_items, per_cluster = m->per_cluster;
    size_t c = gsl_ran_discrete(r, m->pick_cluster);
    size_t c_size = c == m->n_clusters - 1 ? n_items - per_cluster * c : per_cluster;
    gsl_ran_discrete_t *in_c = c == m->n_clusters - 1 ? m->pick_in_last : m->pick_in_cluster;
    /* 1 + a rounded log-normal of mean mean_length - 1; at least 2. */
    double len_d = 1.0 + floor(gsl_ran_lognormal(r, m->mu, m->sigma) + 0.5);
    size_t len = len_d < 2 ? 2 : len_d > (double)opt->max_length ? opt->max_length : (size_t)len_d;
    size_t rank = gsl_ran_discrete(r, in_c); /* rank within the intent */
    size_t item = c * per_cluster + rank;    /* popularity position over all items */
    double t = m->starts[s];
    for (size_t k = 0; k < len; k++) {
        if (k > 0) {
            double u = gsl_rng_uniform(r);
            if (u < opt->p_repeat) {
                /* the same item again */
            } else if (u < opt->p_repeat + opt->p_sequential) {
                rank = (rank + 1 + gsl_rng_uniform_int(r, 3)) % c_size;
                item = c * per_cluster + rank;
            } else if (u < opt->p_repeat + opt->p_sequential + opt->p_explore) {
                item = gsl_ran_discrete(r, m->pick_global);
            } else {
                rank = gsl_ran_discrete(r, in_c);
                item = c * per_cluster + rank;
            }
            t += ceil(gsl_ran_lognormal(r, log(45.0), 1.0));
        }
        items[k] = item;
        times[k] = t;
    }
    *len_out = len;
}

/* Writes v in decimal at p; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* One line "session\titem\ttime\n" into buf (>= 96 bytes); returns its length. Times are
 * whole seconds below 2^53 here, which sbr_format_double writes as "%.0f" writes them, i.e.
 * as the integer's digits; anything else goes through sbr_format_double itself. */
static size_t format_click(char *buf, uint64_t session, uint64_t item, double t)
{
    char *p = put_u64(buf, session);
    *p++ = '\t';
    p = put_u64(p, item);
    *p++ = '\t';
    if (t >= 0 && t < 9007199254740992.0 && t == floor(t)) {
        p = put_u64(p, (uint64_t)t);
    } else {
        char tbuf[40];
        const char *text = sbr_format_double(tbuf, sizeof tbuf, t);
        size_t n = strlen(text);
        memcpy(p, text, n);
        p += n;
    }
    *p++ = '\n';
    return (size_t)(p - buf);
}

static void synth_model_fini(synth_model *m)
{
    free(m->id_of);
    free(m->starts);
    if (m->pick_cluster)
        gsl_ran_discrete_free(m->pick_cluster);
    if (m->pick_global)
        gsl_ran_discrete_free(m->pick_global);
    if (m->pick_in_cluster)
        gsl_ran_discrete_free(m->pick_in_cluster);
    if (m->pick_in_last)
        gsl_ran_discrete_free(m->pick_in_last);
}

/* The tables, the id permutation and the session starts, drawn from r in the generator's
 * historical order (so a seed gives the bytes it always gave). */
static bool synth_model_init(synth_model *m, const sbr_synth_options *opt, gsl_rng *r)
{
    memset(m, 0, sizeof *m);
    m->opt = opt;
    m->n_items = opt->items;
    m->n_clusters = opt->clusters;
    m->per_cluster = m->n_items / m->n_clusters;
    m->pick_cluster = zipf_table(m->n_clusters, 1.0);
    m->pick_global = zipf_table(m->n_items, opt->zipf);
    m->pick_in_cluster = zipf_table(m->per_cluster, opt->zipf);
    m->pick_in_last = zipf_table(m->n_items - m->per_cluster * (m->n_clusters - 1), opt->zipf);
    /* A fixed random permutation maps popularity ranks to item ids, so that id order says
     * nothing about popularity (as in real data). */
    m->id_of = malloc(m->n_items * sizeof *m->id_of);
    m->starts = malloc(opt->sessions * sizeof *m->starts);
    if (!m->pick_cluster || !m->pick_global || !m->pick_in_cluster || !m->pick_in_last ||
        !m->id_of || !m->starts)
        return false;
    for (size_t i = 0; i < m->n_items; i++)
        m->id_of[i] = i;
    gsl_ran_shuffle(r, m->id_of, m->n_items, sizeof *m->id_of);

    /* Session starts: uniform days, hours drawn from a daily cycle peaking at 20:00 UTC. */
    const double t0 = 1577836800.0; /* 2020-01-01 00:00:00 UTC */
    for (size_t s = 0; s < opt->sessions; s++) {
        double day = floor(gsl_rng_uniform(r) * opt->days);
        double hour;
        do {
            hour = gsl_rng_uniform(r) * 24.0;
        } while (gsl_rng_uniform(r) > 0.55 + 0.45 * cos((hour - 20.0) * PI / 12.0));
        m->starts[s] = t0 + day * 86400.0 + floor(hour * 3600.0);
    }
    qsort(m->starts, opt->sessions, sizeof *m->starts, double_cmp);
    m->sigma = 0.75;
    m->mu = log(opt->mean_length - 1.0) - m->sigma * m->sigma / 2.0;
    return true;
}

/* With cover: a dry run of the same stream (a copy of r) marks the popularity positions that
 * are drawn; the others are listed in *unseen (ascending), *n_unseen of them. */
static bool find_unseen(const synth_model *m, const gsl_rng *r, size_t *items, double *times,
                        size_t **unseen, size_t *n_unseen)
{
    *unseen = NULL;
    *n_unseen = 0;
    gsl_rng *dry = gsl_rng_clone(r);
    bool *seen = calloc(m->n_items, sizeof *seen);
    if (dry == NULL || seen == NULL) {
        if (dry)
            gsl_rng_free(dry);
        free(seen);
        return false;
    }
    for (size_t s = 0; s < m->opt->sessions; s++) {
        size_t len;
        synth_session(m, dry, s, items, times, &len);
        for (size_t k = 0; k < len; k++)
            seen[items[k]] = true;
    }
    gsl_rng_free(dry);
    size_t n = 0;
    for (size_t i = 0; i < m->n_items; i++)
        n += !seen[i];
    *unseen = sbr_alloc_array(n, sizeof **unseen);
    if (*unseen == NULL) {
        free(seen);
        return false;
    }
    for (size_t i = 0; i < m->n_items; i++)
        if (!seen[i])
            (*unseen)[(*n_unseen)++] = i;
    free(seen);
    return true;
}

sbr_rc sbr_synth_write(const sbr_synth_options *opt, const char *path, sbr_progress_fn progress,
                       void *progress_user, sbr_synth_stats *stats, sbr_err *err)
{
    sbr_rc rc = check(opt, err);
    if (rc != SBR_OK)
        return rc;
    gsl_rng *r = sbr_rng_new(sbr_seed(opt->seed, 0, 0, PURPOSE_SYNTH));
    synth_model m;
    bool model_ok = r != NULL && synth_model_init(&m, opt, r);
    size_t *items = malloc(opt->max_length * sizeof *items);
    double *times = malloc(opt->max_length * sizeof *times);
    bool *seen = calloc(opt->items, sizeof *seen);
    size_t *unseen = NULL, n_unseen = 0;
    sbr_out *out = NULL;
    if (!model_ok || !items || !times || !seen ||
        (opt->cover && !find_unseen(&m, r, items, times, &unseen, &n_unseen))) {
        rc = sbr_err_set(err, SBR_ENOMEM, "synth: out of memory");
        goto done;
    }

    if ((rc = sbr_out_open(path, &out, err)) != SBR_OK)
        goto done;
    sbr_out_printf(out, "SessionId\tItemId\tTime\n");
    uint64_t clicks = 0, n_seen = 0;
    enum { LINE_MAX_BYTES = 96, BLOCK_BYTES = 1 << 16 };
    char block[BLOCK_BYTES];
    size_t used = 0, next_unseen = 0;
    for (size_t s = 0; s < opt->sessions; s++) {
        size_t len;
        synth_session(&m, r, s, items, times, &len);
        /* With cover, the items never drawn are appended one by one, each 45 s after the
         * click before it, spread evenly over the sessions: session s takes the unseen
         * positions j with j * sessions / n_unseen rounded down equal to s. */
        size_t n_extra = 0;
        while (next_unseen + n_extra < n_unseen &&
               (next_unseen + n_extra) * (uint64_t)opt->sessions / n_unseen == s)
            n_extra++;
        for (size_t k = 0; k < len + n_extra; k++) {
            size_t item = k < len ? items[k] : unseen[next_unseen + (k - len)];
            double t = k < len ? times[k] : times[len - 1] + 45.0 * (double)(k - len + 1);
            if (used + LINE_MAX_BYTES > sizeof block) {
                sbr_out_write(out, block, used);
                used = 0;
            }
            used += format_click(block + used, s + 1, m.id_of[item] + 1, t);
            n_seen += !seen[item];
            seen[item] = true;
            clicks++;
        }
        next_unseen += n_extra;
        if (progress != NULL && (s & 0xffff) == 0 && s > 0)
            progress(progress_user, s, opt->sessions);
    }
    sbr_out_write(out, block, used);
    rc = sbr_out_commit(out, err);
    out = NULL;
    if (rc == SBR_OK && stats != NULL) {
        stats->sessions = opt->sessions;
        stats->clicks = clicks;
        stats->items = n_seen;
    }
done:
    sbr_out_abort(out);
    if (model_ok || r != NULL)
        synth_model_fini(&m);
    free(items);
    free(times);
    free(seen);
    free(unseen);
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
    bool is_bool; /* 0 or 1 into a bool */
} synth_key;

sbr_rc sbr_synth_options_parse(const char *spec, sbr_synth_options *o, sbr_err *err)
{
    static const synth_key keys[] = {
        {"sessions", offsetof(sbr_synth_options, sessions), true, false, 1, 1e8, "1..1e8", false},
        {"items", offsetof(sbr_synth_options, items), true, false, 10, 1e8, "10..1e8", false},
        {"clusters", offsetof(sbr_synth_options, clusters), true, false, 1, 1e8, "1..items/2",
         false},
        {"zipf", offsetof(sbr_synth_options, zipf), false, false, 0, 0, NULL, false},
        {"mean_length", offsetof(sbr_synth_options, mean_length), false, false, 0, 0, NULL, false},
        {"p_sequential", offsetof(sbr_synth_options, p_sequential), false, false, 0, 0, NULL,
         false},
        {"p_repeat", offsetof(sbr_synth_options, p_repeat), false, false, 0, 0, NULL, false},
        {"p_explore", offsetof(sbr_synth_options, p_explore), false, false, 0, 0, NULL, false},
        {"days", offsetof(sbr_synth_options, days), false, false, 0, 0, NULL, false},
        {"seed", offsetof(sbr_synth_options, seed), false, true, 0, 18446744073709549568.0,
         "0..2^64-2048", false},
        {"cover", offsetof(sbr_synth_options, cover), false, false, 0, 1, "0 or 1", true}};
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
                               "mean_length, p_sequential, p_repeat, p_explore, days, seed, "
                               "cover)",
                               kv);
        char *field = (char *)o + k->offset;
        if ((k->count || k->is_seed || k->is_bool) && !(v >= k->lo && v <= k->hi))
            return sbr_err_set(err, SBR_EINVAL, "synth: %s=%s must be %s", kv, eq + 1, k->range);
        if (k->is_bool && v != 0 && v != 1)
            return sbr_err_set(err, SBR_EINVAL, "synth: %s=%s must be %s", kv, eq + 1, k->range);
        if (k->is_bool)
            *(bool *)(void *)field = v == 1;
        else if (k->count)
            *(size_t *)(void *)field = (size_t)v;
        else if (k->is_seed)
            *(uint64_t *)(void *)field = (uint64_t)v;
        else
            *(double *)(void *)field = v;
    }
    return SBR_OK;
}
