/* sscf: placeholder until its implementation lands. */
#include "algorithms/sscf.h"

#include <stddef.h>

static const sbr_param_spec sscf_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc sscf_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "sscf: not implemented yet");
}

const sbr_algo sbr_algo_sscf = {
    .abi = SBR_ALGO_ABI,
    .name = "sscf",
    .help = "placeholder",
    .params = sscf_params,
    .config_size = sizeof(sscf_config),
    .fit = sscf_fit,
};
