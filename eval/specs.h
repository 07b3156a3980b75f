/* Lists of algorithm specs as the commands take them: `--algo` options, and the algorithm
 * sections of an experiment file expanded over their grids. Parsing one spec is
 * sbr_spec_parse (algorithms/algo.h); this module parses lists, all or nothing, so that a
 * command checks every spec before any work. Nothing here prints. */
#ifndef SBR_EVAL_SPECS_H
#define SBR_EVAL_SPECS_H

#include <stdbool.h>
#include <stddef.h>

#include "algorithms/algo.h"
#include "data/common.h"
#include "eval/experiment.h"

/* Parses texts[0..n) into out[0..n) (n specs set to SBR_SPEC_EMPTY by the caller). On the
 * first bad spec, releases what it parsed and returns its error (SBR_EINVAL naming the spec,
 * or SBR_ENOMEM); release a parsed list with sbr_specs_fini. */
sbr_rc sbr_specs_parse(const char *const *texts, size_t n, sbr_spec *out, sbr_err *err);

/* Releases n specs (sbr_spec_fini each). */
void sbr_specs_fini(sbr_spec *specs, size_t n);

/* One job's algorithm: the parsed spec and its params as the results file writes them
 * (sbr_algo_format_params: every parameter, "k=100;m=500"). */
typedef struct sbr_job_spec {
    sbr_spec spec;
    char params[512];
    char label[64]; /* the [algo LABEL] it comes from */
    size_t section; /* the index of that section in the experiment's algos */
} sbr_job_spec;

/* Expands every algorithm of the experiment over its grid (sbr_exp_expand) and parses each
 * combination, in file order, into *out (n of them; free with sbr_job_specs_free, also after
 * a failure, when *out holds the ones parsed so far). Errors: those of sbr_exp_expand;
 * SBR_EINVAL "<file>: algo <label>: <why>" for a combination the algorithm rejects, with
 * *bad_spec set to true (false for every other error); SBR_ENOMEM. */
sbr_rc sbr_job_specs_expand(const sbr_experiment *x, sbr_job_spec **out, size_t *n, bool *bad_spec,
                            sbr_err *err);

/* Writes the parameters of params ("k=100;m=500", as the results file has them) that differ
 * from algorithm algo's defaults into out, separated by sep: what a table shows so that a
 * label is short and two configurations never print alike. Entries of parameters the
 * algorithm does not have (or of an unknown algorithm) are kept. All defaults: "". */
void sbr_specs_short_params(const char *algo, const char *params, char sep, char *out, size_t size);

/* Releases n job specs and the array; NULL is a no-op. */
void sbr_job_specs_free(sbr_job_spec *specs, size_t n);

#endif
