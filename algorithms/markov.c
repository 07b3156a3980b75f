/* markov: a first-order Markov chain, as session-rec's MarkovModel codes it: consecutive
 * events of a session count R[previous][current] += 1; rules are pruned per item
 * (algorithms/rules.h); a prediction uses the session's last item. */
#include "algorithms/markov.h"

#include <stddef.h>

#include "algorithms/rules.h"

static const sbr_param_spec markov_params[] = {SBR_RULES_PRUNING_PARAM(markov_config),
                                               {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc markov_session(const void *config, sbr_rules_builder *b, const uint32_t *items,
                             size_t len, sbr_err *err)
{
    (void)config;
    for (size_t t = 1; t < len; t++) {
        sbr_rc rc = sbr_rules_add(b, items[t - 1], items[t], 1.0, err);
        if (rc != SBR_OK)
            return rc;
    }
    return SBR_OK;
}

static sbr_rc markov_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                         sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    return sbr_rules_fit(&sbr_algo_markov, config, ((const markov_config *)config)->pruning, train,
                         markov_session, out, err);
}

const sbr_algo sbr_algo_markov = {
    .abi = SBR_ALGO_ABI,
    .name = "markov",
    .help = "first-order Markov chain over consecutive clicks (session-rec MarkovModel)",
    .family = SBR_FAMILY_BASELINE,
    .params = markov_params,
    .config_size = sizeof(markov_config),
    .tune_space = "pruning=choice:0|10|20|50|100",
    .fit = markov_fit,
    .model_bytes = sbr_rules_model_bytes,
    .scratch_bytes = sbr_rules_model_scratch_bytes,
    .scratch_new = sbr_rules_model_scratch_new,
    .scratch_free = sbr_rules_model_scratch_free,
    .predict = sbr_rules_model_predict,
    .save = sbr_rules_model_save,
    .load = sbr_rules_model_load,
    .free = sbr_rules_model_free,
};
