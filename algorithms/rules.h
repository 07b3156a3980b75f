/* Pruned item-to-item rule tables, shared by the rule baselines (ar, sr, markov).
 *
 * A builder accumulates weights R[a][j] (antecedent a, consequent j) in any order; building
 * keeps, for each antecedent, the `pruning` largest weights, with ties kept in order of first
 * insertion, exactly as session-rec's prune() with Counter.most_common does. The built table
 * stores each antecedent's rules ranked by weight descending, then item ascending (the
 * ranking rule), so a prediction from one antecedent is a copy of its first rules. */
#ifndef SBR_ALGORITHMS_RULES_H
#define SBR_ALGORITHMS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/common.h"
#include "data/dataset.h"

typedef struct sbr_rules {
    size_t n_items;
    size_t *offsets; /* [n_items + 1]: rules of antecedent a are offsets[a]..offsets[a+1]-1 */
    uint32_t *items; /* consequents */
    double *weights; /* their weights, descending within an antecedent */
} sbr_rules;

typedef struct sbr_rules_builder sbr_rules_builder;

/* A builder for items 0..n_items-1, or NULL when out of memory. */
sbr_rules_builder *sbr_rules_builder_new(size_t n_items);

/* R[a][j] += w; a pair seen for the first time is stamped with the next insertion number. */
sbr_rc sbr_rules_add(sbr_rules_builder *b, uint32_t a, uint32_t j, double w, sbr_err *err);

/* Builds the pruned table into *out (owned by the caller; free with sbr_rules_fini).
 * pruning >= 1 keeps that many rules per antecedent; 0 < pruning < 1 keeps
 * len - int(len * pruning); 0 keeps all. Frees the builder in every case. Errors: SBR_ENOMEM. */
sbr_rc sbr_rules_build(sbr_rules_builder *b, double pruning, sbr_rules *out, sbr_err *err);

void sbr_rules_builder_free(sbr_rules_builder *b); /* accepts NULL */
void sbr_rules_fini(sbr_rules *r);                 /* accepts NULL; zeroes *r */

/* Bytes held by the table. */
size_t sbr_rules_bytes(const sbr_rules *r);

/* Adds the rules of one training session (its dense items in file order) to b. */
typedef sbr_rc (*sbr_session_fn)(const void *config, sbr_rules_builder *b, const uint32_t *items,
                                 size_t len, sbr_err *err);

/* The whole fit of a rule baseline: calls fn for every session of train in the order
 * session-rec's fit reads them — the training file's row order (sbr_dataset_file_order),
 * which decides which of equally weighted rules survive pruning — then prunes and wraps the
 * table in a model of algorithm a. Errors: fn's, SBR_ENOMEM; *out is then NULL. */
sbr_rc sbr_rules_fit(const sbr_algo *a, const void *config, double pruning,
                     const sbr_dataset *train, sbr_session_fn fn, sbr_model **out, sbr_err *err);

/* The model of a rule baseline, and the vtable functions ar, sr and markov share: a
 * prediction is the rules of the session's last item, each weight divided by the largest
 * (session-rec's normalisation; the ranking is unchanged). An unknown last item predicts
 * nothing. predict needs no scratch. */
typedef struct sbr_rules_model {
    sbr_model base;
    sbr_rules rules;
} sbr_rules_model;

/* Wraps a built table in a new model of algorithm a; frees the table on failure. */
sbr_rc sbr_rules_model_new(const sbr_algo *a, sbr_rules *rules, sbr_model **out, sbr_err *err);
size_t sbr_rules_model_bytes(const sbr_model *model);
size_t sbr_rules_model_scratch_bytes(const sbr_model *model);
/* The table through a model file (algorithms/model_file.h); load checks that offsets ascend
 * and that every item is in range. */
sbr_rc sbr_rules_model_save(const sbr_model *model, sbr_model_writer *w, sbr_err *err);
sbr_rc sbr_rules_model_load(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err);
void *sbr_rules_model_scratch_new(const sbr_model *model);
void sbr_rules_model_scratch_free(void *scratch);
sbr_rc sbr_rules_model_predict(const sbr_model *model, const sbr_query *q, void *scratch,
                               sbr_scored *out, size_t *n_out, sbr_err *err);
void sbr_rules_model_free(sbr_model *model);

/* The "pruning" parameter every rule baseline declares (default 20). */
#define SBR_RULES_PRUNING_PARAM(config_type)                                                       \
    {                                                                                              \
        "pruning", SBR_P_DOUBLE, offsetof(config_type, pruning), 20, 0, 1e9, NULL,                 \
            "rules kept per item: >= 1 a count, < 1 the fraction dropped, 0 all"                   \
    }

#endif
