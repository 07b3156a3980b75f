/* stan: session-rec's STAN, run by vstan's model with lambda_ipw = 0 and lambda_idf = 0 (both
 * factors off: every contribution is then exactly sim * exp(-|distance| / lambda_inh)). The
 * model's base records sbr_algo_stan, so it reports and frees itself as stan. */
#include "algorithms/stan.h"

#include <stdio.h>
#include <string.h>

#include "algorithms/vstan.h"

static const char *const sampling_choices[] = {"recent", NULL};

static const sbr_param_spec stan_params[] = {
    {"k", SBR_P_INT, offsetof(stan_config, k), 100, 1, 1e9, NULL, "neighbour sessions"},
    {"sample_size", SBR_P_INT, offsetof(stan_config, sample_size), 5000, 0, 1e9, NULL,
     "most recent candidate sessions considered (0: all)"},
    {"sampling", SBR_P_CHOICE, offsetof(stan_config, sampling), 0, 0, 0, sampling_choices,
     "candidate sampling: the most recent (session-rec's unseeded 'random' is not offered)"},
    {"remind", SBR_P_INT, offsetof(stan_config, remind), 1, 0, 1, NULL,
     "1: items of the current session are scored too"},
    {"lambda_spw", SBR_P_DOUBLE, offsetof(stan_config, lambda_spw), 1.02, 1e-9, 1e9, NULL,
     "session position weight: exp((p - L) / lambda_spw)"},
    {"lambda_snh", SBR_P_DOUBLE, offsetof(stan_config, lambda_snh), 5, 1e-9, 1e9, NULL,
     "neighbour recency, days: exp(-age / lambda_snh)"},
    {"lambda_inh", SBR_P_DOUBLE, offsetof(stan_config, lambda_inh), 2.05, 1e-9, 1e9, NULL,
     "item neighbourhood in the neighbour: exp(-distance / lambda_inh)"},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* STAN is V-STAN without the insertion-position and idf weights. */
static vstan_config as_vstan(const stan_config *c)
{
    return (vstan_config){.k = c->k,
                          .sample_size = c->sample_size,
                          .sampling = c->sampling,
                          .remind = c->remind,
                          .lambda_spw = c->lambda_spw,
                          .lambda_snh = c->lambda_snh,
                          .lambda_inh = c->lambda_inh,
                          .lambda_ipw = 0,
                          .lambda_idf = 0};
}

static sbr_rc stan_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                       sbr_model **out, sbr_err *err)
{
    vstan_config v = as_vstan(config);
    sbr_rc rc = sbr_algo_vstan.fit(&v, train, fit_opts, out, err);
    if (rc != SBR_OK) {
        /* vstan's messages start "vstan: "; name this algorithm instead. */
        if (err != NULL && strncmp(err->msg, "vstan: ", 7) == 0) {
            char msg[SBR_ERR_MSG_SIZE];
            snprintf(msg, sizeof msg, "%s", err->msg + 7);
            sbr_err_set(err, rc, "stan: %s", msg);
        }
        return rc;
    }
    (*out)->algo = &sbr_algo_stan;
    return SBR_OK;
}

static size_t stan_bytes(const sbr_model *model)
{
    return sbr_algo_vstan.model_bytes(model);
}

static void *stan_scratch_new(const sbr_model *model)
{
    return sbr_algo_vstan.scratch_new(model);
}

static void stan_scratch_free(void *scratch)
{
    sbr_algo_vstan.scratch_free(scratch);
}

static sbr_rc stan_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                           sbr_scored *out, size_t *n_out, sbr_err *err)
{
    return sbr_algo_vstan.predict(model, q, scratch, out, n_out, err);
}

static size_t stan_scratch_bytes(const sbr_model *model)
{
    return sbr_algo_vstan.scratch_bytes(model);
}

static sbr_rc stan_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err)
{
    return sbr_algo_vstan.save(model, w, err);
}

static sbr_rc stan_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err)
{
    vstan_config v = as_vstan(config);
    return sbr_algo_vstan.load(&v, r, out, err);
}

static void stan_free(sbr_model *model)
{
    sbr_algo_vstan.free(model);
}

const sbr_algo sbr_algo_stan = {
    .abi = SBR_ALGO_ABI,
    .name = "stan",
    .help = "STAN: sequence- and time-aware session neighbours (session-rec STAN)",
    .family = SBR_FAMILY_NEIGHBOURS,
    .params = stan_params,
    .config_size = sizeof(stan_config),
    .tune_space = "k=choice:100|200|500|1000|1500|2000; sample_size=choice:1000|2500|5000|10000; "
                  "lambda_spw=log:0.00001:20; lambda_snh=choice:2.5|5|10|20|40|80|100; "
                  "lambda_inh=log:0.00001:20",
    .fit = stan_fit,
    .model_bytes = stan_bytes,
    .scratch_bytes = stan_scratch_bytes,
    .scratch_new = stan_scratch_new,
    .scratch_free = stan_scratch_free,
    .predict = stan_predict,
    .save = stan_save,
    .load = stan_load,
    .free = stan_free,
};
