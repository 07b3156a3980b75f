#include "eval/specs.h"

#include <stdlib.h>

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

sbr_rc sbr_job_specs_expand(const sbr_experiment *x, sbr_job_spec **out, size_t *n, bool *bad_spec,
                            sbr_err *err)
{
    *out = NULL;
    *n = 0;
    *bad_spec = false;
    sbr_rc rc = SBR_OK;
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
