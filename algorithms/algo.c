#include "algorithms/algo.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/parse.h"

/* The registry: every algorithm, in `sbr algos` order. A new algorithm is one file pair
 * (algorithms/NAME.{c,h}, exporting `const sbr_algo sbr_algo_NAME`) and one name here; the
 * build, the tests, `sbr tune`'s default space and the study find it from this list (README:
 * "Adding an algorithm"). */
/* clang-format off */
#define SBR_ALGORITHMS(X) \
    X(pop) \
    X(spop) \
    X(ar) \
    X(sr) \
    X(markov) \
    X(vmis) \
    X(vsknn) \
    X(sknn) \
    X(stan) \
    X(vstan) \
    X(iknn) \
    X(sscf) \
    X(item2vec) \
    X(stamp) \
    X(gru4rec) \
    X(narm) \
    X(srgnn) \
    /* one line per algorithm, above this one */
/* clang-format on */

#define SBR_DECLARE(name) extern const sbr_algo sbr_algo_##name;
#define SBR_ENTRY(name) &sbr_algo_##name,
SBR_ALGORITHMS(SBR_DECLARE)
static const sbr_algo *const registry[] = {SBR_ALGORITHMS(SBR_ENTRY) NULL};

/* The registry with every valid entry; built once (sbr_algo_validate drops a table of another
 * ABI version or with a broken parameter table, so it is never listed or called). */
static const sbr_algo *valid[sizeof registry / sizeof registry[0]];
static size_t n_valid;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static void registry_build(void)
{
    size_t n = 0;
    for (size_t i = 0; registry[i] != NULL; i++)
        if (sbr_algo_validate(registry[i], NULL) == SBR_OK)
            valid[n++] = registry[i];
    valid[n] = NULL;
    n_valid = n;
}

static void registry_init(void)
{
    pthread_once(&registry_once, registry_build);
}

const sbr_algo *const *sbr_algo_list(size_t *n)
{
    registry_init();
    *n = n_valid;
    return valid;
}

const sbr_algo *sbr_algo_find(const char *name)
{
    registry_init();
    for (size_t i = 0; i < n_valid; i++)
        if (strcmp(valid[i]->name, name) == 0)
            return valid[i];
    return NULL;
}

static const sbr_param_spec *find_param(const sbr_algo *a, const char *name)
{
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

/* Parameter fields are read and written with memcpy: the config is a plain struct whose field
 * at p->offset has the kind's type, and memcpy needs no assumption about the pointer. */
static size_t kind_size(sbr_param_kind kind)
{
    return kind == SBR_P_INT ? sizeof(long) : kind == SBR_P_DOUBLE ? sizeof(double) : sizeof(int);
}

static long get_long(const void *cfg, const sbr_param_spec *p)
{
    long v;
    memcpy(&v, (const char *)cfg + p->offset, sizeof v);
    return v;
}

static double get_double(const void *cfg, const sbr_param_spec *p)
{
    double v;
    memcpy(&v, (const char *)cfg + p->offset, sizeof v);
    return v;
}

static int get_choice(const void *cfg, const sbr_param_spec *p)
{
    int v;
    memcpy(&v, (const char *)cfg + p->offset, sizeof v);
    return v;
}

static void put_long(void *cfg, const sbr_param_spec *p, long v)
{
    memcpy((char *)cfg + p->offset, &v, sizeof v);
}

static void put_double(void *cfg, const sbr_param_spec *p, double v)
{
    memcpy((char *)cfg + p->offset, &v, sizeof v);
}

static void put_choice(void *cfg, const sbr_param_spec *p, int v)
{
    memcpy((char *)cfg + p->offset, &v, sizeof v);
}

static size_t n_choices(const sbr_param_spec *p)
{
    size_t n = 0;
    while (p->choices[n] != NULL)
        n++;
    return n;
}

const char *sbr_algo_family_name(sbr_algo_family f)
{
    static const char *const names[SBR_FAMILY_N] = {"none", "baseline", "neighbours", "learned"};
    return f > SBR_FAMILY_NONE && f < SBR_FAMILY_N ? names[f] : "none";
}

sbr_rc sbr_algo_validate(const sbr_algo *a, sbr_err *err)
{
    if (a == NULL || a->name == NULL || a->name[0] == '\0')
        return sbr_err_set(err, SBR_EINTERNAL, "algorithm table without a name");
    if (a->abi != SBR_ALGO_ABI)
        return sbr_err_set(err, SBR_EINTERNAL, "%s: built for interface version %d, not %d",
                           a->name, a->abi, SBR_ALGO_ABI);
    if (a->family <= SBR_FAMILY_NONE || a->family >= SBR_FAMILY_N)
        return sbr_err_set(err, SBR_EINTERNAL, "%s: no family (baseline, neighbours, learned)",
                           a->name);
    if (a->params == NULL || a->fit == NULL || a->model_bytes == NULL || a->scratch_new == NULL ||
        a->scratch_free == NULL || a->predict == NULL ||
        a->free == NULL /* TEMP: scratch_bytes, save, load */)
        return sbr_err_set(err, SBR_EINTERNAL, "%s: a required function is missing", a->name);
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
        if (p->name[0] == '\0' || strpbrk(p->name, "=,;:| ") != NULL)
            return sbr_err_set(err, SBR_EINTERNAL, "%s: bad parameter name '%s'", a->name, p->name);
        for (const sbr_param_spec *q = a->params; q != p; q++)
            if (strcmp(q->name, p->name) == 0)
                return sbr_err_set(err, SBR_EINTERNAL, "%s: parameter '%s' twice", a->name,
                                   p->name);
        if (p->kind != SBR_P_INT && p->kind != SBR_P_DOUBLE && p->kind != SBR_P_CHOICE)
            return sbr_err_set(err, SBR_EINTERNAL, "%s: %s has no known kind", a->name, p->name);
        if (p->offset > a->config_size || a->config_size - p->offset < kind_size(p->kind))
            return sbr_err_set(err, SBR_EINTERNAL, "%s: %s lies outside the config", a->name,
                               p->name);
        if (p->kind == SBR_P_CHOICE) {
            if (p->choices == NULL || p->choices[0] == NULL || p->def < 0 ||
                p->def >= (double)n_choices(p))
                return sbr_err_set(err, SBR_EINTERNAL, "%s: %s has a bad choice list", a->name,
                                   p->name);
        } else if (!(p->lo <= p->def && p->def <= p->hi)) {
            return sbr_err_set(err, SBR_EINTERNAL, "%s: %s's default %g is outside %g..%g", a->name,
                               p->name, p->def, p->lo, p->hi);
        }
    }
    return SBR_OK;
}

void sbr_algo_defaults(const sbr_algo *a, void *cfg)
{
    memset(cfg, 0, a->config_size);
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
        if (p->kind == SBR_P_INT)
            put_long(cfg, p, (long)p->def);
        else if (p->kind == SBR_P_DOUBLE)
            put_double(cfg, p, p->def);
        else
            put_choice(cfg, p, (int)p->def);
    }
}

/* "a, b or c" for messages. */
static void choice_list(const sbr_param_spec *p, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; p->choices[i] != NULL; i++) {
        size_t used = strlen(buf);
        const char *sep = i == 0 ? "" : p->choices[i + 1] == NULL ? " or " : ", ";
        snprintf(buf + used, size - used, "%s%s", sep, p->choices[i]);
    }
}

sbr_rc sbr_algo_set_param(const sbr_algo *a, void *cfg, const char *name, const char *value,
                          sbr_err *err)
{
    const sbr_param_spec *p = find_param(a, name);
    if (p == NULL) {
        char known[256] = "";
        for (const sbr_param_spec *q = a->params; q->name != NULL; q++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "", q->name);
        }
        return sbr_err_set(err, SBR_EINVAL, "%s: unknown parameter '%s' (parameters: %s)", a->name,
                           name, known[0] ? known : "none");
    }
    if (p->kind == SBR_P_CHOICE) {
        for (int i = 0; p->choices[i] != NULL; i++) {
            if (strcmp(p->choices[i], value) == 0) {
                put_choice(cfg, p, i);
                return SBR_OK;
            }
        }
        char list[256];
        choice_list(p, list, sizeof list);
        return sbr_err_set(err, SBR_EINVAL, "%s: %s='%s' is not one of %s", a->name, name, value,
                           list);
    }
    if (p->kind == SBR_P_INT) {
        long v;
        const char *why = sbr_parse_long(value, (long)p->lo, (long)p->hi, &v);
        if (why != NULL)
            return sbr_err_set(err, SBR_EINVAL, "%s: %s='%s' %s (an integer from %.0f to %.0f)",
                               a->name, name, value, why, p->lo, p->hi);
        put_long(cfg, p, v);
        return SBR_OK;
    }
    double v;
    const char *why = sbr_parse_double(value, strlen(value), &v);
    if (why == NULL && (v < p->lo || v > p->hi))
        why = "is out of range";
    if (why != NULL)
        return sbr_err_set(err, SBR_EINVAL, "%s: %s='%s' %s (a number from %g to %g)", a->name,
                           name, value, why, p->lo, p->hi);
    put_double(cfg, p, v);
    return SBR_OK;
}

sbr_rc sbr_algo_check(const sbr_algo *a, const void *cfg, sbr_err *err)
{
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
        if (p->kind == SBR_P_INT) {
            long v = get_long(cfg, p);
            if ((double)v < p->lo || (double)v > p->hi)
                return sbr_err_set(err, SBR_EINVAL, "%s: %s=%ld is out of range (%.0f to %.0f)",
                                   a->name, p->name, v, p->lo, p->hi);
        } else if (p->kind == SBR_P_DOUBLE) {
            double v = get_double(cfg, p);
            if (!(v >= p->lo && v <= p->hi)) /* NaN fails too */
                return sbr_err_set(err, SBR_EINVAL, "%s: %s=%g is out of range (%g to %g)", a->name,
                                   p->name, v, p->lo, p->hi);
        } else {
            int v = get_choice(cfg, p);
            if (v < 0 || (size_t)v >= n_choices(p))
                return sbr_err_set(err, SBR_EINVAL, "%s: %s has no choice number %d", a->name,
                                   p->name, v);
        }
    }
    return a->check != NULL ? a->check(cfg, err) : SBR_OK;
}

sbr_rc sbr_algo_fit_with(const sbr_algo *a, const void *cfg, const sbr_dataset *train,
                         const sbr_fit_opts *opts, sbr_model **out, sbr_err *err)
{
    *out = NULL;
    sbr_rc rc = sbr_algo_check(a, cfg, err);
    if (rc != SBR_OK)
        return rc;
    /* Every fit reports this stage; a long one (epochs) reports its own inside. */
    sbr_fit_report(opts, "fit", 0, 1, NAN, NAN);
    rc = a->fit(cfg, train, opts, out, err);
    if (rc == SBR_OK)
        sbr_fit_report(opts, "fit", 1, 1, NAN, NAN);
    return rc;
}

sbr_rc sbr_algo_fit(const sbr_algo *a, const void *cfg, const sbr_dataset *train, sbr_model **out,
                    sbr_err *err)
{
    return sbr_algo_fit_with(a, cfg, train, NULL, out, err);
}

void sbr_fit_report(const sbr_fit_opts *opts, const char *stage, uint64_t done, uint64_t total,
                    double loss, double metric)
{
    if (opts == NULL || opts->progress == NULL)
        return;
    sbr_fit_progress p = {stage, done, total, loss, metric, NAN, NULL, 0};
    opts->progress(opts->progress_user, &p);
}

void sbr_fit_report_epoch(const sbr_fit_opts *opts, uint64_t done, uint64_t total, double loss,
                          double mrr, double hr, const char *metric_on, uint64_t examples)
{
    if (opts == NULL || opts->progress == NULL)
        return;
    sbr_fit_progress p = {"epoch", done, total, loss, mrr, hr, metric_on, examples};
    opts->progress(opts->progress_user, &p);
}

const char *sbr_algo_format_params(const sbr_algo *a, const void *cfg, char *buf, size_t size)
{
    buf[0] = '\0';
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
        size_t used = strlen(buf);
        const char *sep = used ? ";" : "";
        if (p->kind == SBR_P_INT)
            snprintf(buf + used, size - used, "%s%s=%ld", sep, p->name, get_long(cfg, p));
        else if (p->kind == SBR_P_DOUBLE) {
            char num[40];
            snprintf(buf + used, size - used, "%s%s=%s", sep, p->name,
                     sbr_format_double(num, sizeof num, get_double(cfg, p)));
        } else
            snprintf(buf + used, size - used, "%s%s=%s", sep, p->name,
                     p->choices[get_choice(cfg, p)]);
    }
    return buf;
}

/* ---- specs ------------------------------------------------------------------------------- */

sbr_rc sbr_spec_defaults(sbr_spec *s, const sbr_algo *a, sbr_err *err)
{
    sbr_spec_fini(s);
    void *cfg = malloc(a->config_size > 0 ? a->config_size : 1);
    if (cfg == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", a->name);
    sbr_algo_defaults(a, cfg);
    s->algo = a;
    s->config = cfg;
    return SBR_OK;
}

sbr_rc sbr_spec_parse(sbr_spec *s, const char *text, sbr_err *err)
{
    sbr_spec_fini(s);
    char buf[1024];
    if (strlen(text) >= sizeof buf)
        return sbr_err_set(err, SBR_EINVAL, "algorithm spec too long: '%.40s...'", text);
    strcpy(buf, text);
    char *colon = strchr(buf, ':');
    if (colon != NULL)
        *colon = '\0';
    const sbr_algo *a = sbr_algo_find(buf);
    if (a == NULL) {
        char known[512] = "";
        size_t n;
        const sbr_algo *const *all = sbr_algo_list(&n);
        for (size_t i = 0; i < n; i++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", all[i]->name);
        }
        return sbr_err_set(err, SBR_EINVAL, "unknown algorithm '%s' (known: %s)", buf, known);
    }
    sbr_rc rc = sbr_spec_defaults(s, a, err);
    for (char *item = colon != NULL ? colon + 1 : NULL; rc == SBR_OK && item != NULL;) {
        if (*item == '\0')
            break;
        char *next = strpbrk(item, ",;"); /* the CLI's ',' or the results file's ';' */
        if (next != NULL)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (eq == NULL || eq == item) {
            rc = sbr_err_set(err, SBR_EINVAL, "%s: '%s' is not key=value", a->name, item);
            break;
        }
        *eq = '\0';
        rc = sbr_algo_set_param(a, s->config, item, eq + 1, err);
        item = next;
    }
    if (rc == SBR_OK)
        rc = sbr_algo_check(a, s->config, err);
    if (rc != SBR_OK)
        sbr_spec_fini(s);
    return rc;
}

sbr_rc sbr_spec_copy(sbr_spec *dst, const sbr_spec *src, sbr_err *err)
{
    if (dst == src)
        return SBR_OK;
    sbr_rc rc = sbr_spec_defaults(dst, src->algo, err);
    if (rc == SBR_OK)
        memcpy(dst->config, src->config, src->algo->config_size);
    return rc;
}

void sbr_spec_fini(sbr_spec *s)
{
    if (s == NULL)
        return;
    free(s->config);
    s->algo = NULL;
    s->config = NULL;
}

/* The heap keeps its worst element at the root: heap[0] ranks after every other entry. */
static void sift_down(sbr_scored *h, size_t size, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        if (l < size && sbr_scored_before(&h[worst], &h[l]))
            worst = l;
        if (r < size && sbr_scored_before(&h[worst], &h[r]))
            worst = r;
        if (worst == i)
            return;
        sbr_scored tmp = h[i];
        h[i] = h[worst];
        h[worst] = tmp;
        i = worst;
    }
}

static void sift_up(sbr_scored *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!sbr_scored_before(&h[parent], &h[i]))
            return;
        sbr_scored tmp = h[i];
        h[i] = h[parent];
        h[parent] = tmp;
        i = parent;
    }
}

void sbr_topn_init(sbr_topn *t, sbr_scored *heap, size_t n)
{
    t->heap = heap;
    t->n = n;
    t->size = 0;
}

void sbr_topn_push(sbr_topn *t, uint32_t item, double score)
{
    if (!(score > 0) || t->n == 0)
        return;
    sbr_scored s = {item, score};
    if (t->size < t->n) {
        t->heap[t->size] = s;
        sift_up(t->heap, t->size++);
    } else if (sbr_scored_before(&s, &t->heap[0])) {
        t->heap[0] = s;
        sift_down(t->heap, t->size, 0);
    }
}

size_t sbr_topn_finish(sbr_topn *t, sbr_scored *out)
{
    /* In-place heapsort: the root is the worst entry, so moving it to the end of the shrinking
     * heap leaves the array best first. No allocation (qsort may allocate), as predict needs. */
    size_t n = t->size;
    for (size_t end = n; end > 1; end--) {
        sbr_scored worst = t->heap[0];
        t->heap[0] = t->heap[end - 1];
        t->heap[end - 1] = worst;
        sift_down(t->heap, end - 1, 0);
    }
    if (out != t->heap)
        memcpy(out, t->heap, n * sizeof *out);
    t->size = 0;
    return n;
}
