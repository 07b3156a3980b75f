/* ar: association rules, as session-rec's AssociationRules codes them.
 *
 * Every ordered pair of events in a session counts once in both directions: for each event
 * at position t >= 1 and each earlier event s of the same session (repeats included),
 * R[e_t][e_s] += 1 and R[e_s][e_t] += 1 (a pair of equal items adds 2 to one cell). Rules are
 * pruned per item (algorithms/rules.h); a prediction uses only the session's last item. */
#include "algorithms/ar.h"

#include <stddef.h>

#include "algorithms/rules.h"

static const sbr_param_spec ar_params[] = {SBR_RULES_PRUNING_PARAM(ar_config),
                                           {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

/* Adds one session's pairs. session-rec inserts R[earlier][current] before
 * R[current][earlier]; the insertion order decides ties when pruning. */
static sbr_rc ar_session(const void *config, sbr_rules_builder *b, const uint32_t *items,
                         size_t len, sbr_err *err)
{
    (void)config;
    for (size_t t = 1; t < len; t++) {
        for (size_t e = 0; e < t; e++) {
            sbr_rc rc = sbr_rules_add(b, items[e], items[t], 1.0, err);
            if (rc == SBR_OK)
                rc = sbr_rules_add(b, items[t], items[e], 1.0, err);
            if (rc != SBR_OK)
                return rc;
        }
    }
    return SBR_OK;
}

static sbr_rc ar_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                     sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    return sbr_rules_fit(&sbr_algo_ar, config, ((const ar_config *)config)->pruning, train,
                         ar_session, out, err);
}

const sbr_algo sbr_algo_ar = {
    .abi = SBR_ALGO_ABI,
    .name = "ar",
    .help = "association rules: co-occurrence counts within sessions (session-rec AR)",
    .family = SBR_FAMILY_BASELINE,
    .params = ar_params,
    .config_size = sizeof(ar_config),
    .tune_space = "pruning=choice:0|10|20|50|100",
    .fit = ar_fit,
    .model_bytes = sbr_rules_model_bytes,
    .scratch_bytes = sbr_rules_model_scratch_bytes,
    .scratch_new = sbr_rules_model_scratch_new,
    .scratch_free = sbr_rules_model_scratch_free,
    .predict = sbr_rules_model_predict,
    .save = sbr_rules_model_save,
    .load = sbr_rules_model_load,
    .free = sbr_rules_model_free,
};
