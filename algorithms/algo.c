#include "algorithms/algo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/ar.h"
#include "algorithms/iknn.h"
#include "algorithms/markov.h"
#include "algorithms/pop.h"
#include "algorithms/sknn.h"
#include "algorithms/sr.h"
#include "algorithms/sscf.h"
#include "algorithms/stan.h"
#include "algorithms/vmis.h"
#include "algorithms/vsknn.h"
#include "algorithms/vstan.h"
#include "data/parse.h"

/* A new algorithm is one file pair and one line here. */
static const sbr_algo *const registry[] = {
    &sbr_algo_pop,  &sbr_algo_spop,  &sbr_algo_ar,   &sbr_algo_sr,   &sbr_algo_markov,
    &sbr_algo_vmis, &sbr_algo_vsknn, &sbr_algo_sknn, &sbr_algo_stan, &sbr_algo_vstan,
    &sbr_algo_iknn, &sbr_algo_sscf,  NULL,
};

const sbr_algo *const *sbr_algo_list(size_t *n)
{
    size_t count = 0;
    while (registry[count] != NULL)
        count++;
    *n = count;
    return registry;
}

const sbr_algo *sbr_algo_find(const char *name)
{
    for (size_t i = 0; registry[i] != NULL; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

static const sbr_param_spec *find_param(const sbr_algo *a, const char *name)
{
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

void sbr_algo_defaults(const sbr_algo *a, void *cfg)
{
    memset(cfg, 0, a->config_size);
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
        char *field = (char *)cfg + p->offset;
        if (p->kind == SBR_P_INT)
            *(long *)(void *)field = (long)p->def;
        else if (p->kind == SBR_P_DOUBLE)
            *(double *)(void *)field = p->def;
        else
            *(int *)(void *)field = (int)p->def;
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
    char *field = (char *)cfg + p->offset;
    if (p->kind == SBR_P_CHOICE) {
        for (int i = 0; p->choices[i] != NULL; i++) {
            if (strcmp(p->choices[i], value) == 0) {
                *(int *)(void *)field = i;
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
        *(long *)(void *)field = v;
        return SBR_OK;
    }
    double v;
    const char *why = sbr_parse_double(value, strlen(value), &v);
    if (why == NULL && (v < p->lo || v > p->hi))
        why = "is out of range";
    if (why != NULL)
        return sbr_err_set(err, SBR_EINVAL, "%s: %s='%s' %s (a number from %g to %g)", a->name,
                           name, value, why, p->lo, p->hi);
    *(double *)(void *)field = v;
    return SBR_OK;
}

sbr_rc sbr_algo_parse_spec(const char *spec, const sbr_algo **a, void *cfg, sbr_err *err)
{
    char buf[1024];
    if (strlen(spec) >= sizeof buf)
        return sbr_err_set(err, SBR_EINVAL, "algorithm spec too long: '%.40s...'", spec);
    strcpy(buf, spec);
    char *colon = strchr(buf, ':');
    if (colon != NULL)
        *colon = '\0';
    *a = sbr_algo_find(buf);
    if (*a == NULL) {
        char known[512] = "";
        size_t n;
        const sbr_algo *const *all = sbr_algo_list(&n);
        for (size_t i = 0; i < n; i++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", all[i]->name);
        }
        return sbr_err_set(err, SBR_EINVAL, "unknown algorithm '%s' (known: %s)", buf, known);
    }
    if ((*a)->config_size > SBR_ALGO_CONFIG_MAX)
        return sbr_err_set(err, SBR_EINTERNAL, "%s: config larger than SBR_ALGO_CONFIG_MAX",
                           (*a)->name);
    sbr_algo_defaults(*a, cfg);
    if (colon == NULL || colon[1] == '\0')
        return SBR_OK;
    for (char *item = colon + 1; item != NULL;) {
        char *next = strchr(item, ',');
        if (next != NULL)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (eq == NULL || eq == item)
            return sbr_err_set(err, SBR_EINVAL, "%s: '%s' is not key=value", (*a)->name, item);
        *eq = '\0';
        sbr_rc rc = sbr_algo_set_param(*a, cfg, item, eq + 1, err);
        if (rc != SBR_OK)
            return rc;
        item = next;
    }
    return SBR_OK;
}

const char *sbr_algo_format_params(const sbr_algo *a, const void *cfg, char *buf, size_t size)
{
    buf[0] = '\0';
    for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
        const char *field = (const char *)cfg + p->offset;
        size_t used = strlen(buf);
        const char *sep = used ? ";" : "";
        if (p->kind == SBR_P_INT)
            snprintf(buf + used, size - used, "%s%s=%ld", sep, p->name,
                     *(const long *)(const void *)field);
        else if (p->kind == SBR_P_DOUBLE) {
            char num[40];
            snprintf(buf + used, size - used, "%s%s=%s", sep, p->name,
                     sbr_format_double(num, sizeof num, *(const double *)(const void *)field));
        } else
            snprintf(buf + used, size - used, "%s%s=%s", sep, p->name,
                     p->choices[*(const int *)(const void *)field]);
    }
    return buf;
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
