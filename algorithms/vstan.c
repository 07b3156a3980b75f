/* vstan: placeholder until its implementation lands. */
#include "algorithms/vstan.h"

#include <stddef.h>

static const sbr_param_spec vstan_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc vstan_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "vstan: not implemented yet");
}

const sbr_algo sbr_algo_vstan = {
    .abi = SBR_ALGO_ABI,
    .name = "vstan",
    .help = "placeholder",
    .params = vstan_params,
    .config_size = sizeof(vstan_config),
    .fit = vstan_fit,
};
