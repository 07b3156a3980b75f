/* sr: sequential rules, as session-rec's SequentialRules codes them.
 *
 * For each event and each of the up to `steps` events before it in its session, i steps
 * back, R[earlier][current] += w(i) with w from `weighting`:
 *   linear 1 - 0.1 i (0 beyond i = 100, so negative from i = 11 on, as coded), same 1,
 *   div 1/i, log 1/log10(i + 1.7), quadratic 1/i^2.
 * Rules are pruned per item (algorithms/rules.h); a prediction uses the last item. */
#include "algorithms/sr.h"

#include <math.h>
#include <stddef.h>

#include "algorithms/rules.h"

enum { W_LINEAR, W_SAME, W_DIV, W_LOG, W_QUADRATIC };
static const char *const weightings[] = {"linear", "same", "div", "log", "quadratic", NULL};

static const sbr_param_spec sr_params[] = {
    {"steps", SBR_P_INT, offsetof(sr_config, steps), 10, 1, 1000, NULL,
     "earlier events each event links back to"},
    {"weighting", SBR_P_CHOICE, offsetof(sr_config, weighting), W_DIV, 0, 4, weightings,
     "weight of a link i steps back: linear, same, div (1/i), log, quadratic (1/i^2)"},
    SBR_RULES_PRUNING_PARAM(sr_config),
    {NULL, 0, 0, 0, 0, 0, NULL, NULL}};

static double step_weight(int weighting, size_t i)
{
    double x = (double)i;
    switch (weighting) {
    case W_LINEAR:
        return i <= 100 ? 1.0 - 0.1 * x : 0.0;
    case W_SAME:
        return 1.0;
    case W_DIV:
        return 1.0 / x;
    case W_LOG:
        return 1.0 / log10(x + 1.7);
    default:
        return 1.0 / (x * x);
    }
}

/* Links each event of one session to the up to `steps` events before it. */
static sbr_rc sr_session(const void *config, sbr_rules_builder *b, const uint32_t *items,
                         size_t len, sbr_err *err)
{
    const sr_config *cfg = config;
    size_t steps = (size_t)cfg->steps;
    for (size_t t = 1; t < len; t++) {
        size_t back = t < steps ? t : steps;
        for (size_t i = 1; i <= back; i++) {
            sbr_rc rc =
                sbr_rules_add(b, items[t - i], items[t], step_weight(cfg->weighting, i), err);
            if (rc != SBR_OK)
                return rc;
        }
    }
    return SBR_OK;
}

static sbr_rc sr_fit(const void *config, const sbr_dataset *train, const sbr_fit_opts *fit_opts,
                     sbr_model **out, sbr_err *err)
{
    (void)fit_opts; /* fast: the "fit" stage sbr_algo_fit_with reports is enough */
    return sbr_rules_fit(&sbr_algo_sr, config, ((const sr_config *)config)->pruning, train,
                         sr_session, out, err);
}

const sbr_algo sbr_algo_sr = {
    .abi = SBR_ALGO_ABI,
    .name = "sr",
    .help = "sequential rules: weighted links to earlier events in a session (session-rec SR)",
    .family = SBR_FAMILY_BASELINE,
    .params = sr_params,
    .config_size = sizeof(sr_config),
    .tune_space =
        "steps=choice:1|2|3|5|10|15|20|25; weighting=choice:linear|same|div|log|quadratic; "
        "pruning=choice:0|10|20|50",
    .fit = sr_fit,
    .model_bytes = sbr_rules_model_bytes,
    .scratch_bytes = sbr_rules_model_scratch_bytes,
    .scratch_new = sbr_rules_model_scratch_new,
    .scratch_free = sbr_rules_model_scratch_free,
    .predict = sbr_rules_model_predict,
    .save = sbr_rules_model_save,
    .load = sbr_rules_model_load,
    .free = sbr_rules_model_free,
};
