#include "eval/study.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "data/output.h"
#include "data/parse.h"

static const char *const objectives[] = {"mrr",    "hr",       "ndcg", "precision",
                                         "recall", "coverage", NULL};

const char *sbr_objective_name(sbr_objective_metric metric)
{
    return objectives[metric];
}

sbr_rc sbr_objective_parse(const char *text, sbr_objective_metric *metric, size_t *cutoff,
                           sbr_err *err)
{
    const char *at = strchr(text, '@');
    long cut = 20;
    int k = 0;
    while (objectives[k] != NULL &&
           (at == NULL || strncmp(text, objectives[k], (size_t)(at - text)) != 0 ||
            strlen(objectives[k]) != (size_t)(at - text)))
        k++;
    if (at == NULL || objectives[k] == NULL || sbr_parse_long(at + 1, 1, 100000, &cut) != NULL)
        return sbr_err_set(err, SBR_EINVAL,
                           "--objective '%s': use METRIC@N with METRIC one of mrr, hr, ndcg, "
                           "precision, recall, coverage",
                           text);
    *metric = (sbr_objective_metric)k;
    *cutoff = (size_t)cut;
    return SBR_OK;
}

double sbr_objective_value(const sbr_eval_metrics *m, sbr_objective_metric metric)
{
    switch (metric) {
    case SBR_OBJ_HR:
        return m->hr;
    case SBR_OBJ_NDCG:
        return m->ndcg;
    case SBR_OBJ_PRECISION:
        return m->precision;
    case SBR_OBJ_RECALL:
        return m->recall;
    case SBR_OBJ_COVERAGE:
        return m->coverage;
    default:
        return m->mrr;
    }
}

void sbr_study_spec(const sbr_study *st, const double *x, char *buf, size_t size)
{
    char params[1024];
    sbr_space_format(&st->space, x, params, sizeof params);
    snprintf(buf, size, "%s%s%s", st->base, strchr(st->base, ':') ? "," : ":", params);
}

sbr_rc sbr_study_init(sbr_study *st, const char *algo_spec, const char *space_text,
                      sbr_objective_metric metric, size_t cutoff, sbr_err *err)
{
    memset(st, 0, sizeof *st);
    st->metric = metric;
    st->cutoff = cutoff;
    sbr_spec base = SBR_SPEC_EMPTY;
    sbr_rc rc = sbr_spec_parse(&base, algo_spec, err);
    if (rc != SBR_OK)
        return rc;
    st->algo = base.algo;
    sbr_spec_fini(&base);
    snprintf(st->base, sizeof st->base, "%s", algo_spec);
    if (space_text == NULL) {
        space_text = sbr_space_default(st->algo->name);
        if (space_text == NULL)
            return sbr_err_set(err, SBR_EINVAL, "no default space for %s: give --space",
                               st->algo->name);
    }
    if ((rc = sbr_space_parse(space_text, &st->space, err)) != SBR_OK)
        return rc;
    /* Every parameter of the space must exist: try the first grid point now. */
    double x[SBR_SPACE_MAX_DIMS];
    for (size_t d = 0; d < st->space.n; d++)
        x[d] = st->space.dims[d].kind == SBR_DIM_CHOICE ? 0 : st->space.dims[d].lo;
    char spec[2048];
    sbr_study_spec(st, x, spec, sizeof spec);
    sbr_spec probe = SBR_SPEC_EMPTY;
    sbr_err why = {SBR_OK, ""};
    rc = sbr_spec_parse(&probe, spec, &why);
    sbr_spec_fini(&probe);
    if (rc != SBR_OK)
        return sbr_err_set(err, SBR_EINVAL, "the space does not fit %s: %s", st->algo->name,
                           why.msg);
    return SBR_OK;
}

sbr_rc sbr_study_score(const sbr_study *st, const char *spec, const sbr_dataset *fit,
                       const sbr_dataset *eval_set, double *value, sbr_eval_metrics *all,
                       sbr_err *err)
{
    sbr_spec s = SBR_SPEC_EMPTY;
    sbr_rc rc = sbr_spec_parse(&s, spec, err);
    if (rc != SBR_OK)
        return rc;
    const sbr_algo *a = s.algo;
    sbr_model *model = NULL;
    rc = sbr_algo_fit(a, s.config, fit, &model, err);
    sbr_spec_fini(&s);
    if (rc != SBR_OK)
        return rc;
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    eo.cutoffs[0] = st->cutoff;
    eo.threads = 1; /* trials are the parallel unit */
    eo.latency = false;
    sbr_eval_result res;
    rc = sbr_evaluate(model, fit, eval_set, &eo, &res, err);
    a->free(model);
    if (rc != SBR_OK)
        return rc;
    *value = sbr_objective_value(&res.at[0], st->metric);
    if (all != NULL)
        *all = res.at[0];
    sbr_eval_result_fini(&res);
    return SBR_OK;
}

static sbr_rc objective(void *user, const double *x, double *value, sbr_err *err)
{
    const sbr_study *st = user;
    char spec[2048];
    sbr_study_spec(st, x, spec, sizeof spec);
    return sbr_study_score(st, spec, st->fit, st->valid, value, NULL, err);
}

/* Whether point x passes the algorithm's parameter rules (sbr_algo_check), so that the tuner
 * never proposes, say, vmis with k > m. */
static bool feasible(void *user, const double *x)
{
    const sbr_study *st = user;
    char spec[2048];
    sbr_study_spec(st, x, spec, sizeof spec);
    sbr_spec s = SBR_SPEC_EMPTY;
    bool ok = sbr_spec_parse(&s, spec, NULL) == SBR_OK;
    sbr_spec_fini(&s);
    return ok;
}

sbr_rc sbr_study_run(sbr_study *st, const sbr_tune_options *opt, size_t n_trials, int threads,
                     sbr_trial *trials, sbr_err *err)
{
    return sbr_study_run_shared(st, opt, n_trials, threads, NULL, trials, err);
}

sbr_rc sbr_study_run_shared(sbr_study *st, const sbr_tune_options *opt, size_t n_trials,
                            int threads, const sbr_tune_share *share, sbr_trial *trials,
                            sbr_err *err)
{
    sbr_tune_options to = *opt;
    to.feasible = feasible;
    to.feasible_user = st;
    return sbr_tune_run_shared(&st->space, &to, n_trials, 8, threads, share, objective, st, trials,
                               err);
}

size_t sbr_trials_best(const sbr_trial *trials, size_t n)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++)
        if (trials[i].value > trials[best].value)
            best = i;
    return best;
}

const char *sbr_tune_method_name(sbr_tune_method method)
{
    static const char *const names[] = {"random", "grid", "tpe"};
    return names[method];
}

sbr_rc sbr_study_write_trials(const sbr_study *st, const char *path, sbr_tune_method method,
                              long seed, const sbr_trial *trials, size_t n, sbr_err *err)
{
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "trial,method,seed,params,objective,best_so_far,seconds\n");
    double best_value = -INFINITY;
    char params[1024];
    for (size_t i = 0; i < n; i++) {
        best_value = fmax(best_value, trials[i].value);
        sbr_space_format(&st->space, trials[i].x, params, sizeof params);
        for (char *p = params; *p; p++)
            if (*p == ',')
                *p = ';';
        sbr_out_printf(o, "%zu,%s,%ld,%s,%.10g,%.10g,%.3f\n", i, sbr_tune_method_name(method), seed,
                       params, trials[i].value, best_value, trials[i].seconds);
    }
    return sbr_out_commit(o, err);
}
