/* vmis: placeholder until its implementation lands. */
#include "algorithms/vmis.h"

#include <stddef.h>

static const sbr_param_spec vmis_params[] = {{NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc vmis_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    (void)config;
    (void)train;
    *out = NULL;
    return sbr_err_set(err, SBR_EINTERNAL, "vmis: not implemented yet");
}

const sbr_algo sbr_algo_vmis = {
    .abi = SBR_ALGO_ABI,
    .name = "vmis",
    .help = "placeholder",
    .params = vmis_params,
    .config_size = sizeof(vmis_config),
    .fit = vmis_fit,
};
