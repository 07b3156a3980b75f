/* sknn: placeholder until its implementation lands. */
#include "algorithms/sknn.h"

#include <stddef.h>

static const sbr_param_spec sknn_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc sknn_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "sknn: not implemented yet");
}

const sbr_algo sbr_algo_sknn = {
    .abi = SBR_ALGO_ABI,
    .name = "sknn",
    .help = "placeholder",
    .params = sknn_params,
    .config_size = sizeof(sknn_config),
    .fit = sknn_fit,
};
