/* vsknn: placeholder until its implementation lands. */
#include "algorithms/vsknn.h"

#include <stddef.h>

static const sbr_param_spec vsknn_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc vsknn_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "vsknn: not implemented yet");
}

const sbr_algo sbr_algo_vsknn = {
    .abi = SBR_ALGO_ABI,
    .name = "vsknn",
    .help = "placeholder",
    .params = vsknn_params,
    .config_size = sizeof(vsknn_config),
    .fit = vsknn_fit,
};
