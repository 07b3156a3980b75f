/* markov: a first-order Markov chain, as session-rec's MarkovModel codes it: consecutive
 * events of a session count R[previous][current] += 1; rules are pruned per item
 * (algorithms/rules.h); a prediction uses the session's last item. */
#include "algorithms/markov.h"

#include <stddef.h>

#include "algorithms/rules.h"

static const sbr_param_spec markov_params[] = {SBR_RULES_PRUNING_PARAM(markov_config),
                                               {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static sbr_rc markov_session(void *user, const uint32_t *items, size_t len, sbr_err *err)
{
    for (size_t t = 1; t < len; t++) {
        sbr_rc rc = sbr_rules_add(user, items[t - 1], items[t], 1.0, err);
        if (rc != SBR_OK)
            return rc;
    }
    return SBR_OK;
}

static sbr_rc markov_fit(const void *config, const sbr_dataset *train, sbr_model **out,
                         sbr_err *err)
{
    const markov_config *cfg = config;
    *out = NULL;
    sbr_rules_builder *b = sbr_rules_builder_new(train->n_items);
    if (b == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "markov: out of memory");
    sbr_rc rc = sbr_rules_each_session(train, markov_session, b, err);
    if (rc != SBR_OK) {
        sbr_rules_builder_free(b);
        return rc;
    }
    sbr_rules rules;
    if ((rc = sbr_rules_build(b, cfg->pruning, &rules, err)) != SBR_OK)
        return rc;
    return sbr_rules_model_new(&sbr_algo_markov, &rules, out, err);
}

const sbr_algo sbr_algo_markov = {
    .abi = SBR_ALGO_ABI,
    .name = "markov",
    .help = "first-order Markov chain over consecutive clicks (session-rec MarkovModel)",
    .params = markov_params,
    .config_size = sizeof(markov_config),
    .fit = markov_fit,
    .model_bytes = sbr_rules_model_bytes,
    .scratch_new = sbr_rules_model_scratch_new,
    .scratch_free = sbr_rules_model_scratch_free,
    .predict = sbr_rules_model_predict,
    .free = sbr_rules_model_free,
};
