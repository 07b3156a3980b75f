/* stan: placeholder until its implementation lands. */
#include "algorithms/stan.h"

#include <stddef.h>

static const sbr_param_spec stan_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc stan_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "stan: not implemented yet");
}

const sbr_algo sbr_algo_stan = {
    .abi = SBR_ALGO_ABI,
    .name = "stan",
    .help = "placeholder",
    .params = stan_params,
    .config_size = sizeof(stan_config),
    .fit = stan_fit,
};
