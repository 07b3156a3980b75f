/* The algorithm plugin interface, named and bounded parameters, and the registry.
 *
 * Every recommender is one file pair that exports a `const sbr_algo sbr_algo_<name>`: a
 * versioned table of functions (fit, predict, ...) and a table of its parameters with
 * defaults and inclusive bounds. `fit` builds an immutable model from a training dataset;
 * `predict` reads the model, the session so far and a per-thread scratch area, and writes the
 * top-n items. predict never changes the model and allocates nothing, so any number of threads
 * can call it on one model, each with its own scratch.
 *
 * Ranking rule, for every algorithm: score descending, then original item id ascending, which
 * is dense item index ascending (data/dataset.h). Items with score <= 0 are not recommended. */
#ifndef SBR_ALGORITHMS_ALGO_H
#define SBR_ALGORITHMS_ALGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/dataset.h"

/* The version of this interface. The registry accepts only algorithms built against it
 * (sbr_algo_validate), so a table laid out for another version is never called. */
#define SBR_ALGO_ABI 2

/* An item outside the training vocabulary, as it may appear in a query. Algorithms skip it. */
#define SBR_ITEM_UNKNOWN UINT32_MAX

typedef struct sbr_scored {
    uint32_t item; /* dense index into the training dataset */
    double score;
} sbr_scored;

typedef struct sbr_query {
    const uint32_t *items; /* the session so far, oldest first; may hold SBR_ITEM_UNKNOWN */
    const double *times;   /* the clicks' times (epoch seconds) */
    size_t len;            /* >= 1 */
    double now;            /* time of the event being predicted (session-rec passes it) */
    size_t n;              /* results wanted; `out` holds n entries */
    /* Streaming only (algorithms/live.h): the session's state as the algorithm's update left
     * it, or NULL. An algorithm without update ignores it. */
    const void *state;
} sbr_query;

typedef enum sbr_param_kind {
    SBR_P_INT,    /* stored as long */
    SBR_P_DOUBLE, /* stored as double */
    SBR_P_CHOICE  /* stored as int: the index into `choices` */
} sbr_param_kind;

typedef struct sbr_param_spec {
    const char *name; /* "k", "sample_size", "weighting" */
    sbr_param_kind kind;
    size_t offset;              /* offsetof(<algo>_config, field) */
    double def, lo, hi;         /* default and inclusive bounds (CHOICE: def is an index) */
    const char *const *choices; /* CHOICE: NULL-terminated names */
    const char *help;           /* one line */
} sbr_param_spec;

typedef struct sbr_algo sbr_algo;

/* What kind of method an algorithm is, for tables that set the kinds against each other (the
 * report's "neighbours vs neural" table). Every registered algorithm names one. */
typedef enum sbr_algo_family {
    SBR_FAMILY_NONE,       /* unset: sbr_algo_validate rejects it */
    SBR_FAMILY_BASELINE,   /* popularity, association and sequence rules (pop, ar, sr, markov) */
    SBR_FAMILY_NEIGHBOURS, /* nearest neighbours of sessions or items (vmis, vsknn, iknn, ...) */
    SBR_FAMILY_LEARNED,    /* trained by gradient descent (item2vec, stamp, gru4rec, ...) */
    SBR_FAMILY_N
} sbr_algo_family;

/* "baseline", "neighbours", "learned" ("none" for SBR_FAMILY_NONE or out of range). */
const char *sbr_algo_family_name(sbr_algo_family f);

/* Progress of a long fit, reported through sbr_fit_opts (never printed by the library). */
typedef struct sbr_fit_progress {
    const char *stage;     /* "index", "epoch", "batch" (examples of the epoch under way), ... */
    uint64_t done, total;  /* units of the stage done so far; total 0 when unknown */
    double loss;           /* training loss of the last unit, NaN when none */
    double metric;         /* validation MRR@20 after the last unit, NaN when none */
    double metric_hr;      /* HR@20 on the same examples, NaN when none */
    const char *metric_on; /* what metric was measured on ("valid", "test"), NULL when none */
    uint64_t examples;     /* training examples of the last unit, 0 when unknown */
} sbr_fit_progress;

typedef void (*sbr_fit_progress_fn)(void *user, const sbr_fit_progress *p);

/* How to fit, beyond the configuration. A NULL sbr_fit_opts means all defaults. */
typedef struct sbr_fit_opts {
    sbr_fit_progress_fn progress; /* may be NULL; called on the fitting thread */
    void *progress_user;
    /* Sessions a fit may select its epoch on when its configuration asks for it (stamp's
     * select=test: the papers' optimistic protocol), with a label for messages ("test"); NULL
     * when none. Borrowed for the call; item indices are select_data's own (mapped by item id). */
    const sbr_dataset *select_data;
    const char *select_label;
} sbr_fit_opts;

/* The base of every model: each algorithm's model struct embeds it first. */
typedef struct sbr_model {
    const sbr_algo *algo;
} sbr_model;

typedef struct sbr_model_writer sbr_model_writer; /* algorithms/model_file.h */
typedef struct sbr_model_reader sbr_model_reader;

struct sbr_algo {
    int abi;                      /* SBR_ALGO_ABI */
    const char *name;             /* CLI and CSV name: "ar" */
    const char *help;             /* one line for `sbr algos` */
    sbr_algo_family family;       /* what kind of method it is */
    const sbr_param_spec *params; /* terminated by an entry with name NULL */
    size_t config_size;           /* sizeof(<algo>_config) */
    /* The default search space of `sbr tune` (eval/tune.h syntax), or NULL for none. */
    const char *tune_space;
    /* Rules that involve more than one parameter (vmis: k <= m), or NULL when there are none.
     * Each parameter alone is already within its table bounds when this is called (see
     * sbr_algo_check, which calls it). Errors: SBR_EINVAL naming the parameters. */
    sbr_rc (*check)(const void *config, sbr_err *err);
    /* Builds a model from train under config, which sbr_algo_check accepted; *out owns it
     * (free with ->free). The model keeps no pointer into train. Errors: SBR_EINVAL (data the
     * algorithm cannot index, e.g. 2^32 sessions), SBR_ENOMEM. */
    sbr_rc (*fit)(const void *config, const sbr_dataset *train, const sbr_fit_opts *opts,
                  sbr_model **out, sbr_err *err);
    /* Bytes held by the model. */
    size_t (*model_bytes)(const sbr_model *model);
    /* Bytes a scratch of scratch_new holds (what one predicting thread adds). */
    size_t (*scratch_bytes)(const sbr_model *model);
    /* A per-thread workspace for predict, or NULL when out of memory. */
    void *(*scratch_new)(const sbr_model *model);
    void (*scratch_free)(void *scratch); /* accepts NULL */
    /* Writes up to q->n items, best first under the ranking rule, into out and their count into
     * *n_out. Must not modify *model; uses only scratch for mutable state; allocates nothing
     * (tests/test_alloc.c enforces it for every registered algorithm). */
    sbr_rc (*predict)(const sbr_model *model, const sbr_query *q, void *scratch, sbr_scored *out,
                      size_t *n_out, sbr_err *err);
    /* Writes the fitted model's state (everything but the configuration, which the model file
     * stores itself) through w; see algorithms/model_file.h. Errors: SBR_EIO. */
    sbr_rc (*save)(const sbr_model *model, sbr_model_writer *w, sbr_err *err);
    /* Rebuilds a model that save wrote, under the same config, reading through r. The loaded
     * model predicts exactly as the saved one. Errors: SBR_EPARSE (inconsistent contents),
     * SBR_ENOMEM. */
    sbr_rc (*load)(const void *config, sbr_model_reader *r, sbr_model **out, sbr_err *err);
    void (*free)(sbr_model *model); /* accepts NULL */

    /* Streaming, optional (all three NULL when a session is fully described by its clicks, as
     * for every kNN and rule model): a per-session state of state_bytes bytes, zeroed for a new
     * session, into which update folds one click (a recurrent model's hidden state). predict
     * then finds it in q->state. algorithms/live.h drives it for any algorithm. */
    size_t (*state_bytes)(const sbr_model *model);
    sbr_rc (*update)(const sbr_model *model, void *state, uint32_t item, double time, sbr_err *err);

    /* Optional (NULL: callers call predict once per query): predicts the m queries q[0..m),
     * 1 <= m <= SBR_PREDICT_BATCH, all with the same n, exactly as m predict calls in that
     * order would (the same items and scores, bit for bit; tests/test_models.c checks it for
     * every algorithm that has it). Query j's list goes to out + j * n and its count to
     * n_out[j]. For a model whose scoring reads a large matrix per query (a recurrent model's
     * output layer), one pass serves all m. Same scratch and rules as predict: no allocation,
     * no change to *model, no streaming state (q[j].state is ignored and must be NULL). */
    sbr_rc (*predict_batch)(const sbr_model *model, const sbr_query *q, size_t m, void *scratch,
                            sbr_scored *out, size_t *n_out, sbr_err *err);
};

/* The most queries one predict_batch call takes. */
#define SBR_PREDICT_BATCH 32

/* The registry: every algorithm, in `sbr algos` order; *n receives the count. */
const sbr_algo *const *sbr_algo_list(size_t *n);

/* The algorithm named `name`, or NULL. */
const sbr_algo *sbr_algo_find(const char *name);

/* Checks an algorithm table before the registry lists it: the ABI version, its family, every
 * function the interface requires, parameter names (unique, non-empty), kinds, offsets inside
 * config_size and defaults within bounds. Errors: SBR_EINTERNAL naming the algorithm and the fault.
 */
sbr_rc sbr_algo_validate(const sbr_algo *a, sbr_err *err);

/* Fills cfg (of a->config_size bytes) with the defaults of a's parameters. */
void sbr_algo_defaults(const sbr_algo *a, void *cfg);

/* Sets parameter `name` of cfg from its text value, checking type and bounds. Errors:
 * SBR_EINVAL with a message naming the algorithm, the parameter, the value and the allowed
 * range or choices ("vsknn: k='12x' is not an integer"). */
sbr_rc sbr_algo_set_param(const sbr_algo *a, void *cfg, const char *name, const char *value,
                          sbr_err *err);

/* Validates every parameter of cfg against a's table (type, bounds, choice index), then the
 * algorithm's cross-parameter rules (a->check). The one place parameters are validated: fit
 * relies on it, and the tuner uses it to reject combinations before they run. Errors:
 * SBR_EINVAL naming the parameter and its value. */
sbr_rc sbr_algo_check(const sbr_algo *a, const void *cfg, sbr_err *err);

/* sbr_algo_check, then a->fit (opts NULL in sbr_algo_fit). */
sbr_rc sbr_algo_fit(const sbr_algo *a, const void *cfg, const sbr_dataset *train, sbr_model **out,
                    sbr_err *err);
sbr_rc sbr_algo_fit_with(const sbr_algo *a, const void *cfg, const sbr_dataset *train,
                         const sbr_fit_opts *opts, sbr_model **out, sbr_err *err);

/* Reports progress through opts (a no-op when opts or its callback is NULL); for fits. */
void sbr_fit_report(const sbr_fit_opts *opts, const char *stage, uint64_t done, uint64_t total,
                    double loss, double metric);

/* sbr_fit_report for an epoch of a trained model: MRR@20 and HR@20 (NaN: none), what they
 * were measured on (NULL: nothing) and the training examples the epoch processed. */
void sbr_fit_report_epoch(const sbr_fit_opts *opts, uint64_t done, uint64_t total, double loss,
                          double mrr, double hr, const char *metric_on, uint64_t examples);

/* Writes cfg's parameters as "k=100;sample_size=500;weighting=div" (every parameter, in table
 * order; ';' so the text sits in one CSV field) into buf. Returns buf. */
const char *sbr_algo_format_params(const sbr_algo *a, const void *cfg, char *buf, size_t size);

/* ---- specs: an algorithm with its configuration -------------------------------------------- */

/* An algorithm and a configuration it owns, in storage sized for that algorithm's config and
 * aligned for any type (malloc), so callers need no buffer of a guessed size. Zero-initialise
 * (SBR_SPEC_EMPTY) before first use; sbr_spec_fini releases it. */
typedef struct sbr_spec {
    const sbr_algo *algo;
    void *config; /* algo->config_size bytes */
} sbr_spec;

#define SBR_SPEC_EMPTY                                                                             \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }

/* Makes *s hold algorithm a with its defaults (releasing what *s held). Errors: SBR_ENOMEM. */
sbr_rc sbr_spec_defaults(sbr_spec *s, const sbr_algo *a, sbr_err *err);

/* Parses "name:key=value,key=value" into *s (releasing what it held): defaults first, then
 * the entries in order, separated by ',' or ';' (so a params cell of a results file pasted
 * after "name:" is a spec too), then checks the whole configuration with sbr_algo_check. On
 * failure *s is empty. Errors:
 * SBR_EINVAL (unknown algorithm, parameter or bad value, a broken cross-parameter rule),
 * SBR_ENOMEM. */
sbr_rc sbr_spec_parse(sbr_spec *s, const char *text, sbr_err *err);

/* A deep copy of src into *dst (releasing what *dst held). Errors: SBR_ENOMEM. */
sbr_rc sbr_spec_copy(sbr_spec *dst, const sbr_spec *src, sbr_err *err);

/* Releases the configuration and leaves *s empty. NULL and an empty spec are no-ops. */
void sbr_spec_fini(sbr_spec *s);

/* Top-n selection under the ranking rule (score desc, item asc), shared by the algorithms. */

/* Orders a before b when a ranks higher. */
static inline bool sbr_scored_before(const sbr_scored *a, const sbr_scored *b)
{
    return a->score > b->score || (a->score == b->score && a->item < b->item);
}

/* A bounded selection of the n best of a stream of scored items. The caller owns `heap`
 * (capacity n). Usage: sbr_topn_init; sbr_topn_push for each candidate; sbr_topn_finish
 * writes the winners best first into out and returns their count. */
typedef struct sbr_topn {
    sbr_scored *heap;
    size_t n, size;
} sbr_topn;

void sbr_topn_init(sbr_topn *t, sbr_scored *heap, size_t n);
void sbr_topn_push(sbr_topn *t, uint32_t item, double score);
size_t sbr_topn_finish(sbr_topn *t, sbr_scored *out);

#endif
