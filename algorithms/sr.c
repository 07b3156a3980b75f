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

typedef struct sr_fit_state {
    const sr_config *cfg;
    sbr_rules_builder *b;
} sr_fit_state;

/* Links each event of one session to the up to `steps` events before it. */
static sbr_rc sr_session(void *user, const uint32_t *items, size_t len, sbr_err *err)
{
    const sr_fit_state *st = user;
    size_t steps = (size_t)st->cfg->steps;
    for (size_t t = 1; t < len; t++) {
        size_t back = t < steps ? t : steps;
        for (size_t i = 1; i <= back; i++) {
            sbr_rc rc = sbr_rules_add(st->b, items[t - i], items[t],
                                      step_weight(st->cfg->weighting, i), err);
            if (rc != SBR_OK)
                return rc;
        }
    }
    return SBR_OK;
}

static sbr_rc sr_fit(const void *config, const sbr_dataset *train, sbr_model **out, sbr_err *err)
{
    sr_fit_state st = {config, sbr_rules_builder_new(train->n_items)};
    *out = NULL;
    if (st.b == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "sr: out of memory");
    sbr_rc rc = sbr_rules_each_session(train, sr_session, &st, err);
    if (rc != SBR_OK) {
        sbr_rules_builder_free(st.b);
        return rc;
    }
    sbr_rules rules;
    if ((rc = sbr_rules_build(st.b, st.cfg->pruning, &rules, err)) != SBR_OK)
        return rc;
    return sbr_rules_model_new(&sbr_algo_sr, &rules, out, err);
}

const sbr_algo sbr_algo_sr = {
    .abi = SBR_ALGO_ABI,
    .name = "sr",
    .help = "sequential rules: weighted links to earlier events in a session (session-rec SR)",
    .params = sr_params,
    .config_size = sizeof(sr_config),
    .fit = sr_fit,
    .model_bytes = sbr_rules_model_bytes,
    .scratch_new = sbr_rules_model_scratch_new,
    .scratch_free = sbr_rules_model_scratch_free,
    .predict = sbr_rules_model_predict,
    .free = sbr_rules_model_free,
};
