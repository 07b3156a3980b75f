/* `sbr run`: runs an experiment file, resumably. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "data/load.h"
#include "data/output.h"
#include "data/parse.h"
#include "data/split.h"
#include "data/table.h"
#include "eval/cli/cli.h"
#include "eval/experiment.h"
#include "eval/harness.h"
#include "eval/report.h"
#include "eval/results.h"
#include "eval/resume.h"
#include "eval/specs.h"
#include "data/synth.h"

static const char run_usage[] =
    "Usage: sbr run EXPERIMENT.ini [--threads N] [--dry-run]\n"
    "\n"
    "Runs every (dataset x slice x algorithm x parameter combination) job of an experiment\n"
    "file and appends one row per job and cutoff to <output>/metrics.csv (the columns of\n"
    "'sbr eval'). Each finished job's rows are written atomically, so an interrupted run\n"
    "(Ctrl-C, kill -9) loses only the job in progress: run the same command again and it\n"
    "skips the finished jobs. The metric pass of each job uses OpenMP threads; latency is\n"
    "measured on one thread. A copy of the experiment file is saved beside the results.\n"
    "The file format is described in eval/experiment.h and experiments/README.md.\n"
    "\n"
    "  --threads N   override [run] threads\n"
    "  --dry-run     list the jobs and whether they are done, run nothing\n"
    "  -h, --help    this help\n"
    "\n"
    "Example:\n"
    "  sbr run experiments/default.ini\n";

/* Removes "<metrics>.<pid>.tmp" files a killed run left behind. */
static void remove_stale_tmp(const char *dir)
{
    DIR *dh = opendir(dir);
    if (dh == NULL)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(dh)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "metrics.csv.", 12) == 0 && n > 4 &&
            strcmp(e->d_name + n - 4, ".tmp") == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    }
    closedir(dh);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

typedef struct runner {
    const sbr_experiment *x;
    char datasets_csv[4096];
    sbr_job_spec *specs;
    size_t n_specs;
    sbr_done_set *done;
    char metrics[4096];
    size_t total, finished, run, skipped_done, skipped_missing;
    double t0, run_seconds;
    bool dry;
} runner;

static bool job_done(const runner *r, const char *dataset, const char *split, const sbr_job_spec *j)
{
    return sbr_done_set_has_job(r->done, dataset, split, j->spec.algo->name, j->params,
                                r->x->cutoffs, r->x->n_cutoffs);
}

static void show_progress(const runner *r, const char *what)
{
    if (!isatty(STDERR_FILENO))
        return;
    double elapsed = sbr_now_s() - r->t0;
    size_t left = r->total - r->finished;
    double eta = r->run > 0 ? r->run_seconds / (double)r->run * (double)left : 0;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s  %.0fs elapsed, ETA %s%.0fs", r->finished + 1, r->total,
            what, elapsed, r->run > 0 ? "" : "~", eta);
    fflush(stderr);
}

static const char *const dataset_header[] = {"dataset",    "split",     "part",
                                             "sessions",   "clicks",    "items",
                                             "first_time", "last_time", "span_days"};

/* Records the statistics of one part of a slice in <output>/datasets.csv (for the paper). */
static sbr_rc record_part(const runner *r, const char *dataset, const char *split, const char *part,
                          const sbr_dataset *ds, sbr_err *err)
{
    char cells[9][64];
    const char *ptrs[9];
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
    for (int k = 0; k < 9; k++)
        ptrs[k] = cells[k];
    return sbr_csv_append(r->datasets_csv, dataset_header, 9, 3, ptrs, 1, err);
}

/* Runs (or skips) every algorithm job on one train/test pair. */
static sbr_rc run_slice(runner *r, const char *dataset, const char *split, const sbr_dataset *train,
                        const sbr_dataset *test, sbr_err *err)
{
    const sbr_experiment *x = r->x;
    for (size_t i = 0; i < r->n_specs; i++) {
        const sbr_job_spec *j = &r->specs[i];
        char what[768];
        snprintf(what, sizeof what, "%s/%s %s %s", dataset, split, j->spec.algo->name, j->params);
        if (job_done(r, dataset, split, j)) {
            r->skipped_done++;
            r->finished++;
            if (r->dry)
                printf("done     %s\n", what);
            continue;
        }
        if (r->dry) {
            printf("to run   %s\n", what);
            r->finished++;
            continue;
        }
        show_progress(r, what);
        double t0 = sbr_now_s();
        sbr_model *model = NULL;
        sbr_rc rc = sbr_algo_fit(j->spec.algo, j->spec.config, train, &model, err);
        if (rc != SBR_OK)
            return rc;
        double fit_s = sbr_now_s() - t0;
        sbr_eval_options eo;
        sbr_eval_options_init(&eo);
        memcpy(eo.cutoffs, x->cutoffs, sizeof eo.cutoffs);
        eo.n_cutoffs = x->n_cutoffs;
        eo.threads = x->threads;
        eo.latency = x->latency;
        sbr_eval_result res;
        rc = sbr_evaluate(model, train, test, &eo, &res, err);
        size_t model_bytes = j->spec.algo->model_bytes(model);
        j->spec.algo->free(model);
        if (rc != SBR_OK)
            return rc;
        static char cells[SBR_MAX_CUTOFFS * SBR_METRICS_COLS][SBR_METRICS_CELL];
        const char *ptrs[SBR_MAX_CUTOFFS * SBR_METRICS_COLS];
        sbr_run_info ri = {dataset, split, x->threads, (unsigned long)x->seed, SBR_VERSION_STRING};
        for (size_t c = 0; c < x->n_cutoffs; c++)
            sbr_metrics_row(cells + c * SBR_METRICS_COLS, SBR_METRICS_CELL, &ri, j->spec.algo->name,
                            j->params, x->cutoffs[c], &res, &res.at[c], fit_s, model_bytes);
        for (size_t k = 0; k < x->n_cutoffs * SBR_METRICS_COLS; k++)
            ptrs[k] = cells[k];
        rc = sbr_csv_append(r->metrics, sbr_metrics_header, SBR_METRICS_COLS, SBR_METRICS_KEY_COLS,
                            ptrs, x->n_cutoffs, err);
        const sbr_eval_metrics *m = &res.at[x->n_cutoffs - 1];
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\r\033[K");
        printf("%-14s %-12s %-7s %-40.40s MRR@%zu %.4f  HR@%zu %.4f  p90 %.1f us  %.1fs\n", dataset,
               split, j->spec.algo->name, j->params, x->cutoffs[x->n_cutoffs - 1], m->mrr,
               x->cutoffs[x->n_cutoffs - 1], m->hr, res.latency_us[SBR_LAT_P90], sbr_now_s() - t0);
        fflush(stdout);
        sbr_eval_result_fini(&res);
        if (rc != SBR_OK)
            return rc;
        r->run++;
        r->finished++;
        r->run_seconds += sbr_now_s() - t0;
    }
    return SBR_OK;
}

static sbr_rc load_file(const char *path, sbr_dataset **out, sbr_err *err)
{
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_load_stats st;
    return sbr_load_sessions(path, &lo, out, &st, err);
}

/* Loads or generates a dataset, cuts its slices and runs them. */
static sbr_rc run_dataset(runner *r, const sbr_exp_dataset *d, sbr_err *err)
{
    const sbr_experiment *x = r->x;
    size_t n_slices = sbr_exp_dataset_slices(d);
    char synth_path[4096];
    if (d->synth[0] != '\0') {
        snprintf(synth_path, sizeof synth_path, "%s/data/%s.tsv.gz", x->output, d->name);
        if (!file_exists(synth_path) && !r->dry) {
            sbr_synth_options so;
            sbr_rc rc = sbr_synth_options_parse(d->synth, &so, err);
            if (rc == SBR_OK)
                rc = sbr_synth_write(&so, synth_path, NULL, NULL, NULL, err);
            if (rc != SBR_OK)
                return rc;
        }
    }
    /* Missing files: skip the dataset when optional, else fail. */
    const char *need[SBR_EXP_MAX_FILES + 2];
    size_t n_need = 0;
    if (d->train[0]) {
        need[n_need++] = d->train;
        need[n_need++] = d->test;
    }
    for (size_t i = 0; i < d->n_files; i++)
        need[n_need++] = d->files[i];
    for (size_t i = 0; i < n_need; i++) {
        if (!file_exists(need[i])) {
            if (!d->optional)
                return sbr_err_set(err, SBR_EIO, "dataset %s: %s not found", d->name, need[i]);
            printf("%-14s skipped: %s not found\n", d->name, need[i]);
            r->skipped_missing += n_slices * r->n_specs;
            r->finished += n_slices * r->n_specs;
            return SBR_OK;
        }
    }
    sbr_dataset *whole = NULL;
    sbr_rc rc = SBR_OK;
    for (size_t s = 0; s < n_slices && rc == SBR_OK; s++) {
        char split_name[256];
        sbr_dataset *train = NULL, *test = NULL;
        sbr_split sp;
        memset(&sp, 0, sizeof sp);
        bool per_file = d->n_files > 1 && !d->joined;
        const char *file = d->synth[0]  ? synth_path
                           : d->n_files ? d->files[per_file ? s : 0]
                                        : NULL;
        if (d->train[0]) {
            cli_base_name(d->train, split_name, sizeof split_name);
        } else if (d->split == SBR_EXP_WINDOWS) {
            snprintf(split_name, sizeof split_name, "window%zu", s);
        } else if (per_file) {
            cli_base_name(file, split_name, sizeof split_name);
        } else {
            snprintf(split_name, sizeof split_name, "last%gd", d->last_days);
        }
        if (r->dry) {
            rc = run_slice(r, d->name, split_name, NULL, NULL, err);
            continue;
        }
        if (d->train[0]) {
            rc = load_file(d->train, &train, err);
            if (rc == SBR_OK)
                rc = load_file(d->test, &test, err);
        } else {
            if (whole == NULL || per_file) {
                sbr_dataset_free(whole);
                whole = NULL;
                if (d->joined && d->n_files > 1) {
                    const char *paths[SBR_EXP_MAX_FILES];
                    for (size_t f = 0; f < d->n_files; f++)
                        paths[f] = d->files[f];
                    sbr_load_options lo;
                    sbr_load_options_init(&lo);
                    rc = sbr_load_sessions_many(paths, d->n_files, &lo, &whole, NULL, err);
                } else {
                    rc = load_file(file, &whole, err);
                }
            }
            if (rc == SBR_OK)
                rc = d->split == SBR_EXP_WINDOWS
                         ? sbr_split_window(whole, &d->windows, (unsigned)s, &sp, err)
                         : sbr_split_last_days(whole, d->last_days, &sp, err);
            train = sp.train;
            test = sp.test;
        }
        if (rc == SBR_OK)
            rc = record_part(r, d->name, split_name, "train", train, err);
        if (rc == SBR_OK)
            rc = record_part(r, d->name, split_name, "test", test, err);
        if (rc == SBR_OK)
            rc = run_slice(r, d->name, split_name, train, test, err);
        if (d->train[0]) {
            sbr_dataset_free(train);
            sbr_dataset_free(test);
        } else {
            sbr_split_fini(&sp);
        }
    }
    sbr_dataset_free(whole);
    return rc;
}

static sbr_rc save_copy(const sbr_experiment *x, sbr_err *err)
{
    char path[4096];
    const char *base = strrchr(x->path, '/');
    snprintf(path, sizeof path, "%s/%s", x->output, base ? base + 1 : x->path);
    size_t n;
    FILE *in = fopen(x->path, "rb");
    if (in == NULL)
        return sbr_err_set(err, SBR_EIO, "%s: cannot read", x->path);
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK) {
        fclose(in);
        return rc;
    }
    const char *data = getenv("SBR_DATA");
    sbr_out_printf(o, "# run by sbr %s with SBR_DATA=%s\n", SBR_VERSION_STRING,
                   data ? data : "(unset)");
    char buf[4096];
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        sbr_out_write(o, buf, n);
    fclose(in);
    return sbr_out_commit(o, err);
}

int sbr_cmd_run(int argc, char **argv)
{
    enum { OPT_THREADS = CLI_OPT_FIRST_FREE, OPT_DRY };
    static const struct option longopts[] = {{"threads", required_argument, NULL, OPT_THREADS},
                                             {"dry-run", no_argument, NULL, OPT_DRY},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    long threads = 0;
    bool dry = false;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(run_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_THREADS) {
            if ((rc = cli_count("run", "threads", optarg, 1, 1024, &threads)) != 0)
                return rc;
        } else if (c == OPT_DRY) {
            dry = true;
        } else {
            return cli_usage_error("run", "unrecognised option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("run", "name one experiment file");
    sbr_err err = {SBR_OK, ""};
    sbr_experiment *x = malloc(sizeof *x);
    if (x == NULL)
        return SBR_EXIT_RUNTIME;
    if (sbr_experiment_load(argv[optind], x, &err) != SBR_OK) {
        free(x);
        return cli_fail(&err);
    }
    if (threads > 0)
        x->threads = (int)threads;
    runner r;
    memset(&r, 0, sizeof r);
    r.x = x;
    r.dry = dry;
    r.t0 = sbr_now_s();
    int status = SBR_EXIT_OK;
    char data_dir[4096];
    snprintf(data_dir, sizeof data_dir, "%s/data", x->output);
    snprintf(r.metrics, sizeof r.metrics, "%s/metrics.csv", x->output);
    snprintf(r.datasets_csv, sizeof r.datasets_csv, "%s/datasets.csv", x->output);
    if (cli_make_dirs(data_dir) != 0) {
        fprintf(stderr, "sbr: %s: cannot create: %s\n", data_dir, strerror(errno));
        free(x);
        return SBR_EXIT_RUNTIME;
    }
    remove_stale_tmp(x->output);
    /* Every algorithm's parameter combinations, checked before any work. */
    bool bad_spec;
    if (sbr_job_specs_expand(x, &r.specs, &r.n_specs, &bad_spec, &err) != SBR_OK)
        status = bad_spec ? cli_usage_error("run", "%s", err.msg) : cli_fail(&err);
    if (status == SBR_EXIT_OK && sbr_done_set_load(r.metrics, &r.done, &err) != SBR_OK)
        status = cli_fail(&err);
    for (size_t d = 0; d < x->n_datasets; d++)
        r.total += sbr_exp_dataset_slices(&x->datasets[d]) * r.n_specs;
    if (status == SBR_EXIT_OK && !dry && save_copy(x, &err) != SBR_OK)
        status = cli_fail(&err);
    for (size_t d = 0; d < x->n_datasets && status == SBR_EXIT_OK; d++)
        if (run_dataset(&r, &x->datasets[d], &err) != SBR_OK)
            status = cli_fail(&err);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    if (status == SBR_EXIT_OK)
        printf("%s: %zu jobs: %zu run, %zu already done, %zu skipped (data not found); %.1f s "
               "-> %s\n",
               x->path, r.total, r.run, r.skipped_done, r.skipped_missing, sbr_now_s() - r.t0,
               r.metrics);
    sbr_done_set_free(r.done);
    sbr_job_specs_free(r.specs, r.n_specs);
    free(x);
    return status;
}
