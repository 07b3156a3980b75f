#include "eval/specs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sbr_rc sbr_specs_parse(const char *const *texts, size_t n, sbr_spec *out, sbr_err *err)
{
    for (size_t i = 0; i < n; i++) {
        sbr_rc rc = sbr_spec_parse(&out[i], texts[i], err);
        if (rc != SBR_OK) {
            sbr_specs_fini(out, i);
            return rc;
        }
    }
    return SBR_OK;
}

void sbr_specs_fini(sbr_spec *specs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sbr_spec_fini(&specs[i]);
}

/* Checks every grid key and value of a against its algorithm one by one (sum, not product,
 * of the value counts), before any combination is built: an unknown algorithm or parameter, or
 * a value of the wrong type or out of bounds (cross-parameter rules are checked per
 * combination). Errors: SBR_EINVAL "<file>: algo <label>: <why>", SBR_ENOMEM. */
static sbr_rc check_grid_params(const sbr_experiment *x, const sbr_exp_algo *a,
                                const sbr_exp_grid *g, sbr_err *err)
{
    char name[SBR_EXP_SPEC];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a->spec, ":"), a->spec);
    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_err why = {SBR_OK, ""};
    sbr_rc rc = sbr_spec_parse(&spec, name, &why);
    for (size_t k = 0; k < g->n_keys && rc == SBR_OK; k++)
        for (size_t v = 0; v < g->n_values[k] && rc == SBR_OK; v++)
            rc = sbr_algo_set_param(spec.algo, spec.config, g->keys[k], g->values[k][v], &why);
    sbr_spec_fini(&spec);
    if (rc != SBR_OK)
        return sbr_err_set(err, rc, "%s: algo %s: %s", x->path, a->label, why.msg);
    return SBR_OK;
}

sbr_rc sbr_job_specs_expand(const sbr_experiment *x, sbr_job_spec **out, size_t *n, bool *bad_spec,
                            sbr_err *err)
{
    *out = NULL;
    *n = 0;
    *bad_spec = false;
    sbr_rc rc = SBR_OK;
    /* First every grid's form, names and values, and the number of combinations in all. */
    size_t combinations = 0;
    for (size_t a = 0; a < x->n_algos; a++) {
        sbr_exp_grid g;
        if ((rc = sbr_exp_grid_parse(&x->algos[a], &g, err)) != SBR_OK)
            return rc;
        if ((rc = check_grid_params(x, &x->algos[a], &g, err)) != SBR_OK) {
            *bad_spec = rc == SBR_EINVAL;
            return rc;
        }
        combinations += g.combinations;
    }
    if (combinations > SBR_EXP_MAX_COMBINATIONS)
        return sbr_err_set(err, SBR_EINVAL,
                           "%s: the grids have %zu combinations in all, more than the %d allowed",
                           x->path, combinations, SBR_EXP_MAX_COMBINATIONS);
    for (size_t a = 0; a < x->n_algos && rc == SBR_OK; a++) {
        char(*texts)[SBR_EXP_SPEC] = NULL;
        size_t n_texts = 0;
        rc = sbr_exp_expand(&x->algos[a], &texts, &n_texts, err);
        if (rc == SBR_OK && sbr_grow_array(out, *n + n_texts, sizeof **out) != SBR_OK)
            rc = sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
        for (size_t i = 0; i < n_texts && rc == SBR_OK; i++) {
            sbr_job_spec *j = &(*out)[(*n)++];
            j->spec = (sbr_spec)SBR_SPEC_EMPTY;
            sbr_err why = {SBR_OK, ""};
            if (sbr_spec_parse(&j->spec, texts[i], &why) != SBR_OK) {
                *bad_spec = true;
                rc = sbr_err_set(err, SBR_EINVAL, "%s: algo %s: %s", x->path, x->algos[a].label,
                                 why.msg);
                break;
            }
            sbr_algo_format_params(j->spec.algo, j->spec.config, j->params, sizeof j->params);
            snprintf(j->label, sizeof j->label, "%s", x->algos[a].label);
            j->section = a;
        }
        free(texts);
    }
    return rc;
}

void sbr_job_specs_free(sbr_job_spec *specs, size_t n)
{
    if (specs == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        sbr_spec_fini(&specs[i].spec);
    free(specs);
}

void sbr_specs_short_params(const char *algo, const char *params, char sep, char *out, size_t size)
{
    char defaults[4096] = ";";
    const sbr_algo *a = sbr_algo_find(algo);
    void *cfg = a != NULL ? calloc(1, a->config_size + 1) : NULL;
    if (cfg != NULL) {
        sbr_algo_defaults(a, cfg);
        sbr_algo_format_params(a, cfg, defaults + 1, sizeof defaults - 2);
        strcat(defaults, ";");
    }
    free(cfg);
    size_t len = 0;
    const char between[2] = {sep, '\0'};
    if (size > 0)
        out[0] = '\0';
    for (const char *p = params; *p != '\0' && size > 0;) {
        size_t n = strcspn(p, ";");
        char entry[600];
        int m = snprintf(entry, sizeof entry, ";%.*s;", (int)n, p);
        bool is_default = m > 0 && (size_t)m < sizeof entry && strstr(defaults, entry) != NULL;
        if (n > 0 && !is_default) {
            int w = snprintf(out + len, size - len, "%s%.*s", len > 0 ? between : "", (int)n, p);
            if (w > 0)
                len = len + (size_t)w < size ? len + (size_t)w : size - 1;
        }
        p += n;
        if (*p == ';')
            p++;
    }
}
