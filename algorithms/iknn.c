/* iknn: placeholder until its implementation lands. */
#include "algorithms/iknn.h"

#include <stddef.h>

static const sbr_param_spec iknn_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc iknn_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "iknn: not implemented yet");
}

const sbr_algo sbr_algo_iknn = {
    .abi = SBR_ALGO_ABI,
    .name = "iknn",
    .help = "placeholder",
    .params = iknn_params,
    .config_size = sizeof(iknn_config),
    .fit = iknn_fit,
};
