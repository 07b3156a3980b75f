#include "eval/exp_tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/parse.h"
#include "eval/harness.h"
#include "eval/results.h"
#include "eval/study.h"
#include "eval/summary.h"
#include "eval/tune.h"

const char *const sbr_tuned_header[SBR_TUNED_COLS] = {
    "dataset",      "label",      "algorithm", "params",     "objective",
    "valid_value",  "trials",     "method",    "seed",       "valid_sessions",
    "fit_sessions", "best_trial", "seconds",   "fingerprint"};

void sbr_exp_tuned_label(const sbr_exp_algo *a, char out[64])
{
    snprintf(out, 64, "%.57s-tuned", a->label);
}

/* The algorithm a section's spec names, or NULL. */
static const sbr_algo *section_algo(const sbr_exp_algo *a)
{
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a->spec, ":"), a->spec);
    return sbr_algo_find(name);
}

bool sbr_exp_tune_wanted(const sbr_experiment *x, const sbr_exp_algo *a, const char *dataset)
{
    const sbr_algo *algo = section_algo(a);
    return x->tune.trials > 0 && sbr_exp_list_has(x->tune.datasets, dataset) &&
           sbr_exp_list_has(x->tune.algos, a->label) && sbr_exp_algo_runs_on(a, dataset) &&
           a->grid[0] == '\0' && algo != NULL && algo->tune_space != NULL;
}

/* Everything besides the data that decides a search's outcome, as text for the fingerprint. */
static void search_settings(const sbr_experiment *x, const sbr_exp_algo *a, const sbr_study *st,
                            char *out, size_t size)
{
    char share[32];
    sbr_format_double(share, sizeof share, x->tune.valid);
    snprintf(out, size,
             "tune method=%s trials=%zu seed=%llu valid=%s objective=%s@%zu spec=%s "
             "space=%s",
             x->tune.tpe ? "tpe" : "random", x->tune.trials, (unsigned long long)x->seed, share,
             sbr_objective_name(st->metric), st->cutoff, a->spec, st->algo->tune_space);
}

/* The winner of an earlier search with this fingerprint, from tuned.csv; *found false when
 * there is none (or no file). */
static sbr_rc find_cached(const char *path, const char *dataset, const char *label,
                          const char *fingerprint, sbr_tuned *out, bool *found, sbr_err *err)
{
    *found = false;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return SBR_OK;
    fclose(f);
    sbr_sheet sh;
    sbr_rc rc = sbr_sheet_read(path, &sh, err);
    int c_ds = sbr_sheet_col(&sh, "dataset"), c_label = sbr_sheet_col(&sh, "label");
    int c_fp = sbr_sheet_col(&sh, "fingerprint"), c_params = sbr_sheet_col(&sh, "params"),
        c_algo = sbr_sheet_col(&sh, "algorithm");
    for (size_t r = 0; rc == SBR_OK && r < sh.n_rows && !*found; r++) {
        if (strcmp(sbr_sheet_cell(&sh, r, c_ds), dataset) != 0 ||
            strcmp(sbr_sheet_cell(&sh, r, c_label), label) != 0 ||
            strcmp(sbr_sheet_cell(&sh, r, c_fp), fingerprint) != 0)
            continue;
        *found = true;
        snprintf(out->spec, sizeof out->spec, "%s:%s", sbr_sheet_cell(&sh, r, c_algo),
                 sbr_sheet_cell(&sh, r, c_params));
        out->valid = sbr_sheet_num(&sh, r, sbr_sheet_col(&sh, "valid_value"));
        out->best_trial = (size_t)sbr_sheet_num(&sh, r, sbr_sheet_col(&sh, "best_trial"));
        out->seconds = sbr_sheet_num(&sh, r, sbr_sheet_col(&sh, "seconds"));
        out->cached = true;
    }
    sbr_sheet_fini(&sh);
    return rc;
}

/* Appends the search's row to tuned.csv (replacing the row of the same dataset and label). */
static sbr_rc record(const char *path, const sbr_experiment *x, const char *dataset,
                     const sbr_exp_algo *a, const sbr_study *st, const sbr_split *valid,
                     const sbr_tuned *t, const char *fingerprint, sbr_err *err)
{
    char cells[SBR_TUNED_COLS][SBR_EXP_SPEC];
    snprintf(cells[0], sizeof cells[0], "%s", dataset);
    snprintf(cells[1], sizeof cells[1], "%s", a->label);
    snprintf(cells[2], sizeof cells[2], "%s", st->algo->name);
    snprintf(cells[3], sizeof cells[3], "%s", t->spec + strlen(st->algo->name) + 1);
    snprintf(cells[4], sizeof cells[4], "%s@%zu", sbr_objective_name(st->metric), st->cutoff);
    sbr_format_double(cells[5], sizeof cells[5], t->valid);
    snprintf(cells[6], sizeof cells[6], "%zu", x->tune.trials);
    snprintf(cells[7], sizeof cells[7], "%s", x->tune.tpe ? "tpe" : "random");
    snprintf(cells[8], sizeof cells[8], "%llu", (unsigned long long)x->seed);
    snprintf(cells[9], sizeof cells[9], "%zu", valid->test->n_sessions);
    snprintf(cells[10], sizeof cells[10], "%zu", valid->train->n_sessions);
    snprintf(cells[11], sizeof cells[11], "%zu", t->best_trial);
    snprintf(cells[12], sizeof cells[12], "%.1f", t->seconds);
    snprintf(cells[13], sizeof cells[13], "%s", fingerprint);
    const char *ptrs[SBR_TUNED_COLS];
    for (int i = 0; i < SBR_TUNED_COLS; i++)
        ptrs[i] = cells[i];
    return sbr_csv_append(path, sbr_tuned_header, SBR_TUNED_COLS, 2, ptrs, 1, err);
}

/* The spec of point x as "name:" and every parameter ("vmis:k=294;last_items=2;..."), the
 * form the results file keeps. */
static sbr_rc canonical_spec(const sbr_study *st, const double *x, char *out, size_t size,
                             sbr_err *err)
{
    char text[2048];
    sbr_study_spec(st, x, text, sizeof text);
    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_rc rc = sbr_spec_parse(&spec, text, err);
    if (rc == SBR_OK) {
        char params[SBR_EXP_SPEC];
        sbr_algo_format_params(spec.algo, spec.config, params, sizeof params);
        if ((size_t)snprintf(out, size, "%s:%s", spec.algo->name, params) >= size)
            rc = sbr_err_set(err, SBR_EINVAL, "tune: the winner's spec is longer than %zu bytes",
                             size - 1);
    }
    sbr_spec_fini(&spec);
    return rc;
}

/* The search of section a, ready to run: *st and the fingerprint of its inputs and settings. */
static sbr_rc prepare(const sbr_experiment *x, const sbr_exp_algo *a, const sbr_split *valid,
                      sbr_study *st, char fingerprint[SBR_RSTORE_FINGERPRINT], sbr_err *err)
{
    sbr_rc rc = sbr_study_init(st, a->spec, NULL, SBR_OBJ_MRR, x->cutoffs[0], err);
    if (rc != SBR_OK)
        return rc;
    st->fit = valid->train;
    st->valid = valid->test;
    char settings[2048];
    search_settings(x, a, st, settings, sizeof settings);
    sbr_rstore_fingerprint(valid->train, valid->test, settings, fingerprint);
    return SBR_OK;
}

sbr_rc sbr_exp_tune_lookup(const sbr_experiment *x, const char *dataset, const sbr_exp_algo *a,
                           const sbr_split *valid, sbr_tuned *out, bool *found, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    sbr_study st;
    char fingerprint[SBR_RSTORE_FINGERPRINT], path[4096];
    sbr_rc rc = prepare(x, a, valid, &st, fingerprint, err);
    if (rc != SBR_OK)
        return rc;
    snprintf(path, sizeof path, "%s/tuned.csv", x->output);
    rc = find_cached(path, dataset, a->label, fingerprint, out, found, err);
    return rc;
}

sbr_rc sbr_exp_tune_search(const sbr_experiment *x, const char *dataset, const sbr_exp_algo *a,
                           const sbr_split *valid, const sbr_tune_share *share, sbr_tuned *out,
                           sbr_err *err)
{
    memset(out, 0, sizeof *out);
    sbr_study st;
    char fingerprint[SBR_RSTORE_FINGERPRINT];
    sbr_rc rc = prepare(x, a, valid, &st, fingerprint, err);
    if (rc != SBR_OK)
        return rc;
    sbr_tune_options to;
    sbr_tune_options_init(&to);
    to.method = x->tune.tpe ? SBR_TUNE_TPE : SBR_TUNE_RANDOM;
    to.seed = x->seed;
    sbr_trial *trials = calloc(x->tune.trials, sizeof *trials);
    if (trials == NULL) {
        return sbr_err_set(err, SBR_ENOMEM, "tune %s/%s: out of memory", dataset, a->label);
    }
    double t0 = sbr_now_s();
    rc = sbr_study_run_shared(&st, &to, x->tune.trials, x->threads, share, trials, err);
    if (rc == SBR_OK) {
        out->seconds = sbr_now_s() - t0;
        out->best_trial = sbr_trials_best(trials, x->tune.trials);
        out->valid = trials[out->best_trial].value;
        rc = canonical_spec(&st, trials[out->best_trial].x, out->spec, sizeof out->spec, err);
    }
    bool writer = share == NULL || share->rank == 0;
    if (rc == SBR_OK && writer) {
        char trials_path[4096];
        snprintf(trials_path, sizeof trials_path, "%s/tuned/%s.%s.csv", x->output, dataset,
                 a->label);
        rc = sbr_study_write_trials(&st, trials_path, to.method, (long)x->seed, trials,
                                    x->tune.trials, err);
    }
    free(trials);
    if (rc == SBR_OK && writer) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tuned.csv", x->output);
        rc = record(path, x, dataset, a, &st, valid, out, fingerprint, err);
    }
    return rc;
}

sbr_rc sbr_exp_tune_section(const sbr_experiment *x, const char *dataset, const sbr_exp_algo *a,
                            const sbr_split *valid, sbr_tuned *out, sbr_err *err)
{
    bool found;
    sbr_rc rc = sbr_exp_tune_lookup(x, dataset, a, valid, out, &found, err);
    if (rc != SBR_OK || found)
        return rc;
    return sbr_exp_tune_search(x, dataset, a, valid, NULL, out, err);
}
