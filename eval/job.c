#include "eval/job.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/load.h"
#include "data/parse.h"
#include "eval/results.h"

void sbr_job_file_stem(const char *path, char *out, size_t size)
{
    static const char *const endings[] = {".gz", ".tsv", ".csv", ".txt", ".dat"};
    const char *slash = strrchr(path, '/');
    snprintf(out, size, "%s", slash ? slash + 1 : path);
    for (bool cut = true; cut;) {
        cut = false;
        for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
            size_t n = strlen(out), k = strlen(endings[i]);
            if (n > k && strcmp(out + n - k, endings[i]) == 0) {
                out[n - k] = '\0';
                cut = true;
            }
        }
    }
}

static bool per_file(const sbr_exp_dataset *d)
{
    return d->n_files > 1 && !d->joined;
}

const char *sbr_job_slice_file(const sbr_exp_dataset *d, size_t s, const char *synth_path)
{
    return d->synth[0] ? synth_path : d->n_files ? d->files[per_file(d) ? s : 0] : NULL;
}

void sbr_job_slice_name(const sbr_exp_dataset *d, size_t s, const char *synth_path, char *out,
                        size_t size)
{
    if (d->train[0])
        sbr_job_file_stem(d->train, out, size);
    else if (d->split == SBR_EXP_WINDOWS)
        snprintf(out, size, "window%zu", s);
    else if (per_file(d))
        sbr_job_file_stem(sbr_job_slice_file(d, s, synth_path), out, size);
    else
        snprintf(out, size, "last%gd", d->last_days);
}

static sbr_rc load_file(const char *path, sbr_dataset **out, sbr_err *err)
{
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_load_stats st;
    return sbr_load_sessions(path, &lo, out, &st, err);
}

/* Reads the file(s) slice s is cut from, unless the whole file is already there. */
static sbr_rc load_whole(sbr_job_slices *js, const sbr_exp_dataset *d, size_t s,
                         const char *synth_path, sbr_err *err)
{
    if (js->whole != NULL && !per_file(d))
        return SBR_OK;
    sbr_dataset_free(js->whole);
    js->whole = NULL;
    if (d->joined && d->n_files > 1) {
        const char *paths[SBR_EXP_MAX_FILES];
        for (size_t f = 0; f < d->n_files; f++)
            paths[f] = d->files[f];
        sbr_load_options lo;
        sbr_load_options_init(&lo);
        return sbr_load_sessions_many(paths, d->n_files, &lo, &js->whole, NULL, err);
    }
    return load_file(sbr_job_slice_file(d, s, synth_path), &js->whole, err);
}

sbr_rc sbr_job_slice_load(sbr_job_slices *js, const sbr_exp_dataset *d, size_t s,
                          const char *synth_path, sbr_err *err)
{
    sbr_rc rc;
    memset(&js->sp, 0, sizeof js->sp);
    if (d->train[0]) {
        rc = load_file(d->train, &js->given_train, err);
        if (rc == SBR_OK)
            rc = load_file(d->test, &js->given_test, err);
        js->train = js->given_train;
        js->test = js->given_test;
        return rc;
    }
    rc = load_whole(js, d, s, synth_path, err);
    if (rc == SBR_OK)
        rc = d->split == SBR_EXP_WINDOWS
                 ? sbr_split_window(js->whole, &d->windows, (unsigned)s, &js->sp, err)
                 : sbr_split_last_days(js->whole, d->last_days, &js->sp, err);
    js->train = js->sp.train;
    js->test = js->sp.test;
    return rc;
}

void sbr_job_slice_release(sbr_job_slices *js)
{
    sbr_dataset_free(js->given_train);
    sbr_dataset_free(js->given_test);
    js->given_train = js->given_test = NULL;
    sbr_split_fini(&js->sp);
    memset(&js->sp, 0, sizeof js->sp);
    js->train = js->test = NULL;
}

void sbr_job_slices_fini(sbr_job_slices *js)
{
    sbr_job_slice_release(js);
    sbr_dataset_free(js->whole);
    js->whole = NULL;
}

void sbr_job_settings(const sbr_experiment *x, const sbr_exp_dataset *d, size_t s, char *out,
                      size_t size)
{
    char split[256];
    if (d->train[0])
        snprintf(split, sizeof split, "given");
    else if (d->split == SBR_EXP_WINDOWS)
        snprintf(split, sizeof split, "windows %.17g %.17g %u %.17g %.17g slice %zu",
                 d->windows.days_train, d->windows.days_test, d->windows.slices,
                 d->windows.days_offset, d->windows.days_shift, s);
    else
        snprintf(split, sizeof split, "last-days %.17g", d->last_days);
    snprintf(out, size, "split=%s;seed=%llu;unseen=removed", split, (unsigned long long)x->seed);
}

void sbr_job_part_cells(char cells[SBR_RSTORE_PART_COLS][SBR_JOB_PART_CELL], const char *dataset,
                        const char *split, const char *part, const sbr_dataset *ds,
                        bool synthetic_time)
{
    double first, last;
    sbr_dataset_time_range(ds, &first, &last);
    snprintf(cells[0], 64, "%s", dataset);
    snprintf(cells[1], 64, "%s", split);
    snprintf(cells[2], 64, "%s", part);
    snprintf(cells[3], 64, "%zu", ds->n_sessions);
    snprintf(cells[4], 64, "%zu", ds->n_clicks);
    snprintf(cells[5], 64, "%zu", ds->n_items);
    sbr_format_double(cells[6], 64, first);
    sbr_format_double(cells[7], 64, last);
    snprintf(cells[8], 64, "%.3f", (last - first) / 86400.0);
    for (int k = 6; k < 9 && synthetic_time; k++)
        cells[k][0] = '\0'; /* an ordering, not dates: no first and last time, no span */
}

sbr_rc sbr_job_store_part(sbr_rstore *st, const char *dataset, const char *split, const char *part,
                          const sbr_dataset *ds, bool synthetic_time, sbr_err *err)
{
    char cells[9][64];
    const char *ptrs[9];
    sbr_job_part_cells(cells, dataset, split, part, ds, synthetic_time);
    for (int k = 0; k < 9; k++)
        ptrs[k] = cells[k];
    return sbr_rstore_put_part(st, ptrs, err);
}

static const char *const dataset_header[] = {"dataset",    "split",     "part",
                                             "sessions",   "clicks",    "items",
                                             "first_time", "last_time", "span_days"};

sbr_rc sbr_job_record_part(const char *path, const char *dataset, const char *split,
                           const char *part, const sbr_dataset *ds, sbr_err *err)
{
    char cells[9][64];
    const char *ptrs[9];
    sbr_job_part_cells(cells, dataset, split, part, ds, false);
    for (int k = 0; k < 9; k++)
        ptrs[k] = cells[k];
    return sbr_csv_append(path, dataset_header, 9, 3, ptrs, 1, err);
}

sbr_rc sbr_job_evaluate(const sbr_experiment *x, const sbr_job_spec *j, const sbr_dataset *train,
                        const sbr_dataset *test, sbr_eval_result *res, double *fit_s,
                        size_t *model_bytes, sbr_err *err)
{
    double t0 = sbr_now_s();
    sbr_model *model = NULL;
    /* The test set goes along for a spec that selects its epoch on it (stamp:select=test);
     * every other fit ignores it, and such rows say select=test in their params. */
    sbr_fit_opts fo = {NULL, NULL, test, "test"};
    sbr_rc rc = sbr_algo_fit_with(j->spec.algo, j->spec.config, train, &fo, &model, err);
    if (rc != SBR_OK)
        return rc;
    *fit_s = sbr_now_s() - t0;
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    memcpy(eo.cutoffs, x->cutoffs, sizeof eo.cutoffs);
    eo.n_cutoffs = x->n_cutoffs;
    eo.threads = x->threads;
    eo.latency = x->latency;
    eo.keep_ranks = x->per_session;
    rc = sbr_evaluate(model, train, test, &eo, res, err);
    *model_bytes = j->spec.algo->model_bytes(model);
    j->spec.algo->free(model);
    return rc;
}

sbr_rc sbr_job_format_rows(const sbr_experiment *x, const sbr_run_info *ri, const sbr_job_spec *j,
                           const sbr_eval_result *res, double fit_s, size_t model_bytes,
                           char (**cells)[SBR_METRICS_CELL], const char ***ptrs, sbr_err *err)
{
    size_t n_cells = x->n_cutoffs * SBR_METRICS_COLS;
    *cells = calloc(n_cells, SBR_METRICS_CELL);
    *ptrs = calloc(n_cells, sizeof **ptrs);
    if (*cells == NULL || *ptrs == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
    for (size_t c = 0; c < x->n_cutoffs; c++)
        sbr_metrics_row(*cells + c * SBR_METRICS_COLS, SBR_METRICS_CELL, ri, j->spec.algo->name,
                        j->params, x->cutoffs[c], res, &res->at[c], fit_s, model_bytes);
    for (size_t k = 0; k < n_cells; k++)
        (*ptrs)[k] = (*cells)[k];
    return SBR_OK;
}

sbr_rc sbr_job_append_rows(const char *path, const sbr_experiment *x, const sbr_run_info *ri,
                           const sbr_job_spec *j, const sbr_eval_result *res, double fit_s,
                           size_t model_bytes, sbr_err *err)
{
    char(*cells)[SBR_METRICS_CELL] = NULL;
    const char **ptrs = NULL;
    sbr_rc rc = sbr_job_format_rows(x, ri, j, res, fit_s, model_bytes, &cells, &ptrs, err);
    if (rc == SBR_OK)
        rc = sbr_csv_append(path, sbr_metrics_header, SBR_METRICS_COLS, SBR_METRICS_KEY_COLS, ptrs,
                            x->n_cutoffs, err);
    free(ptrs);
    free(cells);
    return rc;
}

sbr_rc sbr_job_store_rows(sbr_rstore *st, const sbr_experiment *x, const sbr_run_info *ri,
                          const sbr_job_spec *j, const sbr_eval_result *res, double fit_s,
                          size_t model_bytes, const char *fingerprint,
                          const sbr_rstore_ranks *ranks, sbr_err *err)
{
    char(*cells)[SBR_METRICS_CELL] = NULL;
    const char **ptrs = NULL;
    sbr_rc rc = sbr_job_format_rows(x, ri, j, res, fit_s, model_bytes, &cells, &ptrs, err);
    if (rc == SBR_OK) {
        sbr_rstore_job job = {ptrs, x->n_cutoffs, j->label, fingerprint, x->latency, ranks};
        rc = sbr_rstore_put_job(st, &job, err);
    }
    if (rc == SBR_OK && x->latency) /* for the latency-by-length figure */
        rc = sbr_rstore_put_latency_len(st, ri->dataset, ri->split, j->spec.algo->name, j->params,
                                        fingerprint, res->latency_by_len, err);
    free(ptrs);
    free(cells);
    return rc;
}
