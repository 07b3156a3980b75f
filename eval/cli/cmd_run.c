/* `sbr run`: runs an experiment file, resumably. */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "data/output.h"
#include "data/synth.h"
#include "eval/cli/cli.h"
#include "eval/cli/mpi_pool.h"
#include "eval/exp_tune.h"
#include "eval/experiment.h"
#include "eval/harness.h"
#include "eval/job.h"
#include "eval/report.h"
#include "eval/specs.h"
#include "eval/store.h"

static const char run_usage[] =
    "Usage: sbr run EXPERIMENT.ini [--threads N] [--force] [--only PATTERN]...\n"
    "               [--per-session] [--tune-trials N]\n"
    "               [--tune-datasets 'A B'] [--dry-run]\n"
    "\n"
    "Runs every (dataset x slice x algorithm x parameter combination) job of an experiment\n"
    "file. Each job's rows (one per cutoff) go in one transaction into the results store\n"
    "<output>/metrics.db (SQLite, WAL mode), and <output>/metrics.csv (the columns of\n"
    "'sbr eval') and <output>/datasets.csv are then exported from it atomically. An\n"
    "interrupted run (Ctrl-C, kill -9) loses only the job in progress: run the same command\n"
    "again and it skips the finished jobs. A job is finished when the store holds its rows\n"
    "at every cutoff with the same fingerprint: a hash of the train and test sets it used\n"
    "(the data as loaded and split, not the file names) and of the split settings and seed.\n"
    "A job whose input changed runs again and its rows are replaced. Several 'sbr run'\n"
    "processes may share one output folder: each checks the store just before a job, so\n"
    "no row is lost or duplicated (a job two of them start at once runs twice, one row).\n"
    "The metric pass of each job uses OpenMP threads; latency is measured on one thread.\n"
    "A copy of the experiment file is saved beside the results. The file format is\n"
    "described in eval/experiment.h and experiments/README.md.\n"
    "\n"
    "Over MPI (mpirun -np N sbr run ..., or srun; README \"Running on a cluster\"): rank 0\n"
    "hands out the jobs, largest estimated cost first, to ranks 1..N-1 as they become free\n"
    "and alone writes the store; each rank loads a file once and keeps its slices. The\n"
    "rows are those of a one-process run (in the order the jobs finished). A rank that dies\n"
    "ends the run; the rows stored stay, and a rerun runs only the jobs not stored. A\n"
    "[tune] section's searches run first, each batch of trials spread over every rank\n"
    "(the trials and winners of a one-process run); their jobs then join the pool.\n"
    "\n"
    "With a [tune] section, each dataset's first slice gives a validation split (the latest\n"
    "share of its training sessions, [tune] valid) on which every tuned [algo LABEL] gets\n"
    "the same number of search trials over its algorithm's default space, maximising MRR at\n"
    "the first cutoff; the winner then runs on every slice as [algo LABEL-tuned]. Winners\n"
    "are kept in <output>/tuned.csv (reused while the inputs are the same), each search's\n"
    "trials in <output>/tuned/DATASET.LABEL.csv.\n"
    "\n"
    "  --threads N     override [run] threads\n"
    "  --force         run every selected job again, finished or not\n"
    "  --only PATTERN  run only the jobs PATTERN matches (repeatable: any of them): a shell\n"
    "                  wildcard pattern (fnmatch: * any text, ? one character, [abc] a set)\n"
    "                  matched against the job's [algo] label, its algorithm name, its\n"
    "                  dataset name and DATASET/LABEL; e.g. --only 'vmis*' --only 'rsc15*/sr'\n"
    "  --per-session   also store each prediction's rank of its target (as [run]\n"
    "                  per_session = yes), so any metric can be recomputed without running\n"
    "                  again; a finished job without stored ranks then runs again\n"
    "  --tune-trials N override [tune] trials (0: no tuning)\n"
    "  --tune-datasets 'A B'  override [tune] datasets ('all': every dataset)\n"
    "  --dry-run       list the jobs and whether they are done, run nothing (it reads no\n"
    "                  data, so it does not see a changed input)\n"
    "  -h, --help      this help\n"
    "\n"
    "Examples:\n"
    "  sbr run experiments/main.ini --only synthetic --force\n"
    "  OMP_NUM_THREADS=1 mpirun --oversubscribe -np 4 sbr run experiments/main.ini --threads 1\n";

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
    sbr_job_spec *tuned; /* the current dataset's tuned sections ([tune]) */
    size_t n_tuned;
    /* Under MPI: every dataset's tuned sections, searched before any job, and their datasets */
    sbr_job_spec *pool_tuned;
    size_t *pool_tuned_ds, n_pool_tuned;
    sbr_rstore *store;
    char metrics[4096], store_path[4096];
    char fingerprint[SBR_RSTORE_FINGERPRINT]; /* of the current slice */
    const char *const *only;
    size_t n_only;
    size_t total, finished, run, skipped_done, skipped_missing, not_selected, changed;
    double t0, run_seconds;
    bool dry, force;
} runner;

enum { MAX_ONLY = 32 };

/* Whether --only selects the job of this label and algorithm on dataset (no --only selects
 * every job). */
static bool selected(const runner *r, const char *dataset, const char *label, const char *algo)
{
    if (r->n_only == 0)
        return true;
    char both[256];
    snprintf(both, sizeof both, "%s/%s", dataset, label);
    for (size_t i = 0; i < r->n_only; i++)
        if (fnmatch(r->only[i], label, 0) == 0 || fnmatch(r->only[i], algo, 0) == 0 ||
            fnmatch(r->only[i], dataset, 0) == 0 || fnmatch(r->only[i], both, 0) == 0)
            return true;
    return false;
}

static bool job_selected(const runner *r, const char *dataset, const sbr_job_spec *j)
{
    return selected(r, dataset, j->label, j->spec.algo->name);
}

/* Whether the store holds the job with the current slice's fingerprint (a dry run reads no
 * data: any fingerprint then counts); *changed when it holds it with another one. */
static sbr_rc job_done(runner *r, const char *dataset, const char *split, const sbr_job_spec *j,
                       bool *done, bool *changed, sbr_err *err)
{
    sbr_rc rc =
        sbr_rstore_has_job(r->store, dataset, split, j->spec.algo->name, j->params, r->x->cutoffs,
                           r->x->n_cutoffs, r->dry ? NULL : r->fingerprint, done, changed, err);
    if (rc == SBR_OK && *done && r->x->per_session && !r->dry)
        rc = sbr_rstore_has_ranks(r->store, dataset, split, j->spec.algo->name, j->params,
                                  r->fingerprint, done, err);
    return rc;
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

/* What the line of a finished job shows: the last cutoff's MRR and HR, the p90 latency and
 * the job's wall time. */
typedef struct job_outcome {
    double mrr, hr, p90_us, seconds;
} job_outcome;

static void print_outcome(const runner *r, const char *dataset, const char *split,
                          const sbr_job_spec *j, const job_outcome *o)
{
    const sbr_experiment *x = r->x;
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    char shown[512];
    sbr_specs_short_params(j->spec.algo->name, j->params, ',', shown, sizeof shown);
    printf("%-14s %-12s %-14s %-40s MRR@%zu %.4f  HR@%zu %.4f  p90 %.1f us  %.1fs\n", dataset,
           split, j->label, shown[0] ? shown : "(defaults)", x->cutoffs[x->n_cutoffs - 1], o->mrr,
           x->cutoffs[x->n_cutoffs - 1], o->hr, o->p90_us, o->seconds);
    fflush(stdout);
}

/* Runs (or, when done or dry, skips) job j on one train/test pair and prints its outcome. */
static sbr_rc run_job(runner *r, const char *dataset, const char *split, const sbr_job_spec *j,
                      const sbr_dataset *train, const sbr_dataset *test, sbr_err *err)
{
    const sbr_experiment *x = r->x;
    char what[768];
    snprintf(what, sizeof what, "%s/%s %s %s", dataset, split, j->spec.algo->name, j->params);
    if (!sbr_exp_algo_runs_on(&r->x->algos[j->section], dataset))
        return SBR_OK; /* not a job: the section's `datasets` leaves this one out */
    if (!job_selected(r, dataset, j)) {
        r->not_selected++;
        r->finished++;
        return SBR_OK;
    }
    bool done = false, changed = false;
    sbr_rc rc = r->force ? SBR_OK : job_done(r, dataset, split, j, &done, &changed, err);
    if (rc != SBR_OK)
        return rc;
    if (done) {
        r->skipped_done++;
        r->finished++;
        if (r->dry)
            printf("done     %s\n", what);
        return SBR_OK;
    }
    if (r->dry) {
        printf("to run   %s\n", what);
        r->finished++;
        return SBR_OK;
    }
    show_progress(r, what);
    double t0 = sbr_now_s(), fit_s;
    size_t model_bytes;
    sbr_eval_result res;
    rc = sbr_job_evaluate(x, j, train, test, &res, &fit_s, &model_bytes, err);
    if (rc != SBR_OK)
        return rc;
    sbr_run_info ri = {dataset, split, x->threads, (unsigned long)x->seed, SBR_VERSION_STRING};
    sbr_rstore_ranks ranks = {res.ranks, res.n_predictions};
    rc = sbr_job_store_rows(r->store, x, &ri, j, &res, fit_s, model_bytes, r->fingerprint,
                            x->per_session ? &ranks : NULL, err);
    if (rc == SBR_OK)
        rc = sbr_rstore_export_metrics(r->store, r->metrics, err);
    r->changed += changed;
    const sbr_eval_metrics *m = &res.at[x->n_cutoffs - 1];
    job_outcome o = {m->mrr, m->hr, res.latency_us[SBR_LAT_P90], sbr_now_s() - t0};
    print_outcome(r, dataset, split, j, &o);
    sbr_eval_result_fini(&res);
    if (rc != SBR_OK)
        return rc;
    r->run++;
    r->finished++;
    r->run_seconds += o.seconds;
    return SBR_OK;
}

/* Whether the file at path holds exactly text. */
static bool file_holds(const char *path, const char *text)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Generates a synthetic dataset's file, unless the run is dry or the file exists and was made
 * from the same options: they are kept beside it in "<name>.synth", so that an experiment
 * whose synth options changed gets new data (and its jobs, whose fingerprint then changes,
 * run again) instead of the old file. */
static sbr_rc ensure_synth(const runner *r, const sbr_exp_dataset *d, char *path, size_t size,
                           sbr_err *err)
{
    if (d->synth[0] == '\0')
        return SBR_OK;
    snprintf(path, size, "%s/data/%s.tsv.gz", r->x->output, d->name);
    char options[4096];
    snprintf(options, sizeof options, "%s/data/%s.synth", r->x->output, d->name);
    if (r->dry || (file_exists(path) && file_holds(options, d->synth)))
        return SBR_OK;
    sbr_synth_options so;
    sbr_rc rc = sbr_synth_options_parse(d->synth, &so, err);
    if (rc == SBR_OK)
        rc = sbr_synth_write(&so, path, NULL, NULL, NULL, err);
    sbr_out *o;
    if (rc == SBR_OK && (rc = sbr_out_open(options, &o, err)) == SBR_OK) {
        sbr_out_printf(o, "%s", d->synth);
        rc = sbr_out_commit(o, err);
    }
    return rc;
}

/* The first file of d that does not exist, or NULL. */
static const char *missing_file(const sbr_exp_dataset *d)
{
    if (d->train[0] && !file_exists(d->train))
        return d->train;
    if (d->train[0] && !file_exists(d->test))
        return d->test;
    for (size_t i = 0; i < d->n_files; i++)
        if (!file_exists(d->files[i]))
            return d->files[i];
    return NULL;
}

/* Records one slice's parts in datasets.csv and runs every job on it. */
static sbr_rc run_loaded_slice(runner *r, const sbr_exp_dataset *d, size_t s, const char *split,
                               const sbr_job_slices *js, sbr_err *err)
{
    char settings[512];
    sbr_job_settings(r->x, d, s, settings, sizeof settings);
    sbr_rstore_fingerprint(js->train, js->test, settings, r->fingerprint);
    sbr_rc rc =
        sbr_job_store_part(r->store, d->name, split, "train", js->train, d->synthetic_time, err);
    if (rc == SBR_OK)
        rc = sbr_job_store_part(r->store, d->name, split, "test", js->test, d->synthetic_time, err);
    if (rc == SBR_OK)
        rc = sbr_rstore_export_parts(r->store, r->datasets_csv, err);
    for (size_t i = 0; i < r->n_specs && rc == SBR_OK; i++)
        rc = run_job(r, d->name, split, &r->specs[i], js->train, js->test, err);
    for (size_t i = 0; i < r->n_tuned && rc == SBR_OK; i++)
        rc = run_job(r, d->name, split, &r->tuned[i], js->train, js->test, err);
    return rc;
}

/* Whether section a is tuned on dataset d: [tune] wants it and --only selects its tuned job
 * (by the section's algorithm: its spec's name). */
static bool tune_selected(const runner *r, const sbr_exp_dataset *d, const sbr_exp_algo *a)
{
    char label[64], algo[64];
    sbr_exp_tuned_label(a, label);
    snprintf(algo, sizeof algo, "%.*s", (int)strcspn(a->spec, ":"), a->spec);
    return sbr_exp_tune_wanted(r->x, a, d->name) && selected(r, d->name, label, algo);
}

/* The number of sections tuned on dataset d. */
static size_t tuned_sections(const runner *r, const sbr_exp_dataset *d)
{
    size_t n = 0;
    for (size_t a = 0; a < r->x->n_algos; a++)
        n += tune_selected(r, d, &r->x->algos[a]);
    return n;
}

/* The job of section a's winner t (label "<label>-tuned") into *j (sbr_spec_fini j->spec). */
static sbr_rc adopt_winner(const sbr_experiment *x, size_t a, const sbr_tuned *t, sbr_job_spec *j,
                           sbr_err *err)
{
    j->spec = (sbr_spec)SBR_SPEC_EMPTY;
    sbr_rc rc = sbr_spec_parse(&j->spec, t->spec, err);
    if (rc != SBR_OK)
        return rc;
    sbr_algo_format_params(j->spec.algo, j->spec.config, j->params, sizeof j->params);
    sbr_exp_tuned_label(&x->algos[a], j->label);
    j->section = a;
    return SBR_OK;
}

/* Removes the rows of an earlier winner of j's label on d (say, of a smaller budget) from the
 * store and prints the winner. */
static sbr_rc announce_winner(runner *r, const sbr_exp_dataset *d, const sbr_job_spec *j,
                              const sbr_tuned *t, sbr_err *err)
{
    const sbr_experiment *x = r->x;
    size_t dropped;
    sbr_rc rc = sbr_rstore_drop_label(r->store, d->name, j->label, j->params, &dropped, err);
    if (rc != SBR_OK)
        return rc;
    char shown[512];
    sbr_specs_short_params(j->spec.algo->name, j->params, ',', shown, sizeof shown);
    printf("%-14s tuned  %-14s valid MRR@%zu %.4f at trial %zu of %zu, %.1f s%s: %s\n", d->name,
           x->algos[j->section].label, x->cutoffs[0], t->valid, t->best_trial + 1, x->tune.trials,
           t->seconds, t->cached ? " (earlier search, same inputs)" : "",
           shown[0] ? shown : "(defaults)");
    if (dropped > 0)
        printf("%-14s removed %zu rows of an earlier %s winner\n", d->name, dropped, j->label);
    fflush(stdout);
    return SBR_OK;
}

/* The line that opens a dataset's searches. */
static void announce_tuning(const sbr_experiment *x, const sbr_exp_dataset *d, size_t wanted,
                            const sbr_split *vs)
{
    printf("%-14s tuning %zu algorithms, %zu %s trials each: fit on %zu sessions, validate on "
           "the latest %zu\n",
           d->name, wanted, x->tune.trials, x->tune.tpe ? "TPE" : "random", vs->train->n_sessions,
           vs->test->n_sessions);
    fflush(stdout);
}

/* [tune]: searches each tuned section's parameters on a validation split of the first slice's
 * training set (eval/exp_tune.h) and keeps the winners in r->tuned for every slice. */
static sbr_rc tune_dataset(runner *r, const sbr_exp_dataset *d, const sbr_dataset *train,
                           sbr_err *err)
{
    const sbr_experiment *x = r->x;
    size_t wanted = tuned_sections(r, d);
    if (wanted == 0)
        return SBR_OK;
    r->tuned = calloc(wanted, sizeof *r->tuned);
    if (r->tuned == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
    sbr_split vs;
    sbr_rc rc = sbr_split_last_sessions(train, x->tune.valid, &vs, err);
    if (rc == SBR_OK)
        announce_tuning(x, d, wanted, &vs);
    for (size_t a = 0; a < x->n_algos && rc == SBR_OK; a++) {
        const sbr_exp_algo *sec = &x->algos[a];
        if (!tune_selected(r, d, sec))
            continue;
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\r\033[K%s: tuning %s ...", d->name, sec->label);
        sbr_tuned t;
        rc = sbr_exp_tune_section(x, d->name, sec, &vs, &t, err);
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\r\033[K");
        if (rc != SBR_OK)
            break;
        sbr_job_spec *j = &r->tuned[r->n_tuned];
        if ((rc = adopt_winner(x, a, &t, j, err)) != SBR_OK)
            break;
        r->n_tuned++;
        rc = announce_winner(r, d, j, &t, err);
    }
    sbr_split_fini(&vs);
    return rc;
}

/* Loads or generates a dataset, cuts its slices and runs them. */
static sbr_rc run_dataset(runner *r, const sbr_exp_dataset *d, sbr_err *err)
{
    size_t n_slices = sbr_exp_dataset_slices(d);
    char synth_path[4096] = "";
    sbr_rc rc = ensure_synth(r, d, synth_path, sizeof synth_path, err);
    if (rc != SBR_OK)
        return rc;
    /* Missing files: skip the dataset when optional, else fail. */
    const char *missing = missing_file(d);
    if (missing != NULL) {
        if (!d->optional)
            return sbr_err_set(err, SBR_EIO, "dataset %s: %s not found", d->name, missing);
        printf("%-14s skipped: %s not found\n", d->name, missing);
        size_t jobs = n_slices * (r->n_specs + (r->dry ? 0 : tuned_sections(r, d)));
        r->skipped_missing += jobs;
        r->finished += jobs;
        return SBR_OK;
    }
    sbr_job_slices js;
    memset(&js, 0, sizeof js);
    for (size_t s = 0; s < n_slices && rc == SBR_OK; s++) {
        char split[256];
        sbr_job_slice_name(d, s, synth_path, split, sizeof split);
        if (r->dry) {
            for (size_t i = 0; i < r->n_specs && rc == SBR_OK; i++)
                rc = run_job(r, d->name, split, &r->specs[i], NULL, NULL, err);
            continue;
        }
        rc = sbr_job_slice_load(&js, d, s, synth_path, err);
        if (rc == SBR_OK && s == 0)
            rc = tune_dataset(r, d, js.train, err);
        if (rc == SBR_OK)
            rc = run_loaded_slice(r, d, s, split, &js, err);
        sbr_job_slice_release(&js);
    }
    sbr_job_slices_fini(&js);
    sbr_job_specs_free(r->tuned, r->n_tuned);
    r->tuned = NULL;
    r->n_tuned = 0;
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

/* Parses the options. Returns -1 to go on, else the exit status (help, usage). */
typedef struct run_args {
    long threads, tune_trials; /* -1: not given */
    const char *tune_datasets; /* NULL: not given */
    bool dry, force, per_session;
    const char *only[MAX_ONLY];
    size_t n_only;
    const char *path;
} run_args;

static int parse_run_args(int argc, char **argv, run_args *a)
{
    enum {
        OPT_THREADS = CLI_OPT_FIRST_FREE,
        OPT_DRY,
        OPT_FORCE,
        OPT_ONLY,
        OPT_PER_SESSION,
        OPT_TUNE_TRIALS,
        OPT_TUNE_DATASETS
    };
    static const struct option longopts[] = {
        {"threads", required_argument, NULL, OPT_THREADS},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"force", no_argument, NULL, OPT_FORCE},
        {"only", required_argument, NULL, OPT_ONLY},
        {"per-session", no_argument, NULL, OPT_PER_SESSION},
        {"tune-trials", required_argument, NULL, OPT_TUNE_TRIALS},
        {"tune-datasets", required_argument, NULL, OPT_TUNE_DATASETS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->tune_trials = -1;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(run_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_TUNE_TRIALS) {
            if ((rc = cli_count("run", "tune-trials", optarg, 0, 100000, &a->tune_trials)) != 0)
                return rc;
        } else if (c == OPT_TUNE_DATASETS) {
            a->tune_datasets = optarg;
        } else if (c == OPT_THREADS) {
            if ((rc = cli_count("run", "threads", optarg, 1, 1024, &a->threads)) != 0)
                return rc;
        } else if (c == OPT_DRY) {
            a->dry = true;
        } else if (c == OPT_FORCE) {
            a->force = true;
        } else if (c == OPT_PER_SESSION) {
            a->per_session = true;
        } else if (c == OPT_ONLY) {
            if (a->n_only == MAX_ONLY)
                return cli_usage_error("run", "at most %d --only", MAX_ONLY);
            if (optarg[0] == '\0')
                return cli_usage_error("run", "--only '': give a pattern, e.g. --only 'vmis*'");
            a->only[a->n_only++] = optarg;
        } else {
            return cli_usage_error("run", "unrecognised option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("run", "name one experiment file");
    a->path = argv[optind];
    return -1;
}

/* Prepares the output folder, checks every algorithm's parameter combinations before any
 * work, reads which jobs are done and saves a copy of the experiment. Returns the exit
 * status (the message printed). */
static int open_runner(runner *r, sbr_experiment *x, const run_args *a)
{
    memset(r, 0, sizeof *r);
    r->x = x;
    r->dry = a->dry;
    r->force = a->force;
    r->only = a->only;
    r->n_only = a->n_only;
    r->t0 = sbr_now_s();
    bool dry = a->dry;
    char data_dir[4096];
    snprintf(data_dir, sizeof data_dir, "%s/data", x->output);
    snprintf(r->metrics, sizeof r->metrics, "%s/metrics.csv", x->output);
    sbr_rstore_path_for(r->metrics, r->store_path, sizeof r->store_path);
    snprintf(r->datasets_csv, sizeof r->datasets_csv, "%s/datasets.csv", x->output);
    if (cli_make_dirs(data_dir) != 0) {
        fprintf(stderr, "sbr: %s: cannot create: %s\n", data_dir, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    /* Temporary files of killed runs (in the output folder and its data/ folder) are removed;
     * those of live runs, this one's included, are left alone. */
    const char *const dirs[2] = {x->output, data_dir};
    for (int i = 0; i < 2; i++) {
        sbr_err clean_err = {SBR_OK, ""};
        if (sbr_out_remove_stale(dirs[i], NULL, &clean_err) != SBR_OK)
            fprintf(stderr, "sbr: warning: %s\n", clean_err.msg);
    }
    sbr_err err = {SBR_OK, ""};
    bool bad_spec;
    int status = SBR_EXIT_OK;
    if (sbr_job_specs_expand(x, &r->specs, &r->n_specs, &bad_spec, &err) != SBR_OK)
        status = bad_spec ? cli_usage_error("run", "%s", err.msg) : cli_fail(&err);
    if (status == SBR_EXIT_OK &&
        sbr_rstore_open(r->store_path, r->metrics, r->datasets_csv, &r->store, &err) != SBR_OK)
        status = cli_fail(&err);
    for (size_t d = 0; d < x->n_datasets; d++) {
        size_t slices = sbr_exp_dataset_slices(&x->datasets[d]);
        for (size_t i = 0; i < r->n_specs; i++)
            r->total += sbr_exp_algo_runs_on(&x->algos[r->specs[i].section], x->datasets[d].name)
                            ? slices
                            : 0;
        r->total += dry ? 0 : tuned_sections(r, &x->datasets[d]) * slices;
    }
    if (status == SBR_EXIT_OK && !dry && x->tune.trials > 0) {
        char tuned_dir[4096];
        snprintf(tuned_dir, sizeof tuned_dir, "%s/tuned", x->output);
        if (cli_make_dirs(tuned_dir) != 0) {
            fprintf(stderr, "sbr: %s: cannot create: %s\n", tuned_dir, strerror(errno));
            status = SBR_EXIT_RUNTIME;
        }
    }
    if (status == SBR_EXIT_OK && !dry && save_copy(x, &err) != SBR_OK)
        status = cli_fail(&err);
    return status;
}

static void close_runner(runner *r)
{
    sbr_rstore_free(r->store);
    sbr_job_specs_free(r->specs, r->n_specs);
    sbr_job_specs_free(r->pool_tuned, r->n_pool_tuned);
    free(r->pool_tuned_ds);
}

/* --- over MPI ranks (eval/cli/mpi_pool.h) ------------------------------------------------------
 * Every rank numbers the jobs alike: dataset by dataset, slice by slice, spec by spec, the jobs
 * an algorithm's `datasets` allows. Rank 0 hands out the numbers of the jobs to run (selected,
 * data present), largest estimated cost first. A worker loads the job's slice (each file and
 * each slice once per rank, kept to the end), sends the slice's fingerprint and datasets.csv
 * rows, runs the job when rank 0 answers that the store lacks it, and sends back its rows,
 * formatted where they were measured (peak_rss_bytes is the worker's). */

typedef struct job_ref {
    size_t d, s, i; /* dataset, slice, spec */
    size_t slice;   /* the slice's number over every dataset */
} job_ref;

/* A worker's question before a job: the slice's fingerprint and its datasets.csv rows. */
typedef struct check_msg {
    char fingerprint[SBR_RSTORE_FINGERPRINT];
    char parts[2][SBR_RSTORE_PART_COLS][SBR_JOB_PART_CELL];
} check_msg;

/* The start of a result message; then cells_len bytes of the rows' cells (each ends with a
 * NUL), then n_ranks uint32_t ranks. */
typedef struct result_head {
    job_outcome o;
    uint64_t cells_len, n_ranks;
    char fingerprint[SBR_RSTORE_FINGERPRINT];
} result_head;

/* A job's spec: spec i of the experiment, or past those the tuned spec i - n_specs. */
static const sbr_job_spec *job_spec(const runner *r, const job_ref *jr)
{
    return jr->i < r->n_specs ? &r->specs[jr->i] : &r->pool_tuned[jr->i - r->n_specs];
}

/* Every job of the experiment in the shared numbering: *jobs (free it), *n_jobs of them, over
 * *n_slices slices; per slice the experiment's specs, then the dataset's tuned ones. */
static bool list_jobs(const runner *r, job_ref **jobs, size_t *n_jobs, size_t *n_slices)
{
    const sbr_experiment *x = r->x;
    size_t n = 0, slices = 0;
    for (size_t d = 0; d < x->n_datasets; d++)
        slices += sbr_exp_dataset_slices(&x->datasets[d]);
    *jobs = malloc((slices * (r->n_specs + r->n_pool_tuned) + 1) * sizeof **jobs);
    if (*jobs == NULL)
        return false;
    size_t slice = 0;
    for (size_t d = 0; d < x->n_datasets; d++)
        for (size_t s = 0; s < sbr_exp_dataset_slices(&x->datasets[d]); s++, slice++) {
            for (size_t i = 0; i < r->n_specs; i++)
                if (sbr_exp_algo_runs_on(&x->algos[r->specs[i].section], x->datasets[d].name))
                    (*jobs)[n++] = (job_ref){d, s, i, slice};
            for (size_t t = 0; t < r->n_pool_tuned; t++)
                if (r->pool_tuned_ds[t] == d)
                    (*jobs)[n++] = (job_ref){d, s, r->n_specs + t, slice};
        }
    *n_jobs = n;
    *n_slices = slices;
    return true;
}

/* The synthetic file of dataset d (as ensure_synth names it), "" for a dataset of files. */
static void synth_path_of(const sbr_experiment *x, const sbr_exp_dataset *d, char *out, size_t size)
{
    if (d->synth[0])
        snprintf(out, size, "%s/data/%s.tsv.gz", x->output, d->name);
    else if (size > 0)
        out[0] = '\0';
}

static void split_name_of(const sbr_experiment *x, const job_ref *jr, char *out, size_t size)
{
    char synth[4096];
    const sbr_exp_dataset *d = &x->datasets[jr->d];
    synth_path_of(x, d, synth, sizeof synth);
    sbr_job_slice_name(d, jr->s, synth, out, size);
}

static double file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/* The relative cost of an algorithm's job per byte of input: seconds per MB of compressed
 * session file (fit + evaluation + latency pass) in a run of experiments/main.ini on the
 * 2-core machine of README "Speed", per job, on nowplaying (item2vec also on diginetica,
 * stamp on rsc15-64 and rsc15-100k; gru4rec, srgnn and narm at their defaults on rsc15-100k,
 * 0.76 MB: 15, 35 and 45 s); 0.5 for an algorithm not listed. Only the order in
 * which the jobs are handed out depends on it. */
static double algo_cost(const char *name)
{
    static const struct {
        const char *name;
        double cost;
    } costs[] = {{"narm", 59},   {"srgnn", 46},  {"stamp", 35},   {"gru4rec", 20}, {"item2vec", 10},
                 {"vstan", 1.0}, {"stan", 0.77}, {"vsknn", 0.63}, {"sknn", 0.5},   {"sscf", 0.37},
                 {"ar", 0.28},   {"vmis", 0.17}, {"sr", 0.13},    {"iknn", 0.09},  {"markov", 0.03},
                 {"spop", 0.02}, {"pop", 0.003}};
    for (size_t k = 0; k < sizeof costs / sizeof costs[0]; k++)
        if (strcmp(costs[k].name, name) == 0)
            return costs[k].cost;
    return 0.5;
}

/* A job's estimated cost: the bytes of its slice's input files (a share of the file for a
 * window) times its algorithm's cost. */
static double job_cost(const runner *r, const job_ref *jr)
{
    const sbr_exp_dataset *d = &r->x->datasets[jr->d];
    char synth[4096];
    synth_path_of(r->x, d, synth, sizeof synth);
    double bytes = 0;
    if (d->train[0])
        bytes = file_bytes(d->train) + file_bytes(d->test);
    else if (d->n_files > 1 && !d->joined)
        bytes = file_bytes(d->files[jr->s]);
    else if (d->synth[0])
        bytes = file_bytes(synth) / (double)sbr_exp_dataset_slices(d);
    else {
        for (size_t f = 0; f < d->n_files; f++)
            bytes += file_bytes(d->files[f]);
        bytes /= (double)sbr_exp_dataset_slices(d);
    }
    return bytes * algo_cost(job_spec(r, jr)->spec.algo->name);
}

typedef struct costed {
    double cost;
    size_t job;
} costed;

/* Largest cost first; equal costs in job order. */
static int by_cost(const void *pa, const void *pb)
{
    const costed *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost > b->cost ? -1 : 1;
    return (a->job > b->job) - (a->job < b->job);
}

/* Rank 0's state while it serves the workers. */
typedef struct coordinator {
    runner *r;
    const job_ref *jobs;
    size_t n_jobs;
    bool *parts_stored; /* per slice: its datasets.csv rows are in the store */
} coordinator;

static int pool_check(void *user, size_t job, const void *msg, size_t len, bool *run)
{
    coordinator *c = user;
    runner *r = c->r;
    check_msg m;
    if (job >= c->n_jobs || len != sizeof m) {
        fprintf(stderr, "sbr: rank 0: a malformed check message (job %zu, %zu bytes)\n", job, len);
        return SBR_EXIT_RUNTIME;
    }
    memcpy(&m, msg, sizeof m);
    m.fingerprint[SBR_RSTORE_FINGERPRINT - 1] = '\0';
    const job_ref *jr = &c->jobs[job];
    const char *dataset = r->x->datasets[jr->d].name;
    char split[256];
    split_name_of(r->x, jr, split, sizeof split);
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = SBR_OK;
    if (!c->parts_stored[jr->slice]) {
        for (int p = 0; p < 2 && rc == SBR_OK; p++) {
            const char *ptrs[SBR_RSTORE_PART_COLS];
            for (int k = 0; k < SBR_RSTORE_PART_COLS; k++) {
                m.parts[p][k][SBR_JOB_PART_CELL - 1] = '\0';
                ptrs[k] = m.parts[p][k];
            }
            rc = sbr_rstore_put_part(r->store, ptrs, &err);
        }
        if (rc == SBR_OK)
            rc = sbr_rstore_export_parts(r->store, r->datasets_csv, &err);
        c->parts_stored[jr->slice] = rc == SBR_OK;
    }
    memcpy(r->fingerprint, m.fingerprint, sizeof r->fingerprint);
    bool done = false, changed = false;
    if (rc == SBR_OK && !r->force)
        rc = job_done(r, dataset, split, job_spec(r, jr), &done, &changed, &err);
    if (rc != SBR_OK)
        return cli_fail(&err);
    if (done) {
        r->skipped_done++;
        r->finished++;
    }
    r->changed += changed && !done;
    *run = !done;
    return 0;
}

static int pool_result(void *user, size_t job, const void *msg, size_t len)
{
    coordinator *c = user;
    runner *r = c->r;
    const sbr_experiment *x = r->x;
    result_head h;
    size_t n_cells = x->n_cutoffs * SBR_METRICS_COLS;
    const char *bytes = msg;
    if (job < c->n_jobs && len >= sizeof h)
        memcpy(&h, msg, sizeof h);
    if (job >= c->n_jobs || len < sizeof h ||
        len != sizeof h + h.cells_len + h.n_ranks * sizeof(uint32_t) || h.cells_len == 0 ||
        bytes[sizeof h + h.cells_len - 1] != '\0') {
        fprintf(stderr, "sbr: rank 0: a malformed result message (job %zu, %zu bytes)\n", job, len);
        return SBR_EXIT_RUNTIME;
    }
    h.fingerprint[SBR_RSTORE_FINGERPRINT - 1] = '\0';
    const char **ptrs = calloc(n_cells, sizeof *ptrs);
    uint32_t *rank = malloc((size_t)h.n_ranks * sizeof *rank + 1);
    size_t k = 0;
    for (const char *p = bytes + sizeof h, *end = p + h.cells_len; ptrs && p < end && k < n_cells;
         p += strlen(p) + 1)
        ptrs[k++] = p;
    int status = 0;
    if (ptrs == NULL || rank == NULL || k != n_cells) {
        fprintf(stderr, "sbr: rank 0: a result of job %zu with %zu cells, not %zu\n", job, k,
                n_cells);
        status = SBR_EXIT_RUNTIME;
    } else {
        memcpy(rank, bytes + sizeof h + h.cells_len, (size_t)h.n_ranks * sizeof *rank);
        const job_ref *jr = &c->jobs[job];
        const sbr_job_spec *j = job_spec(r, jr);
        sbr_rstore_ranks ranks = {rank, (size_t)h.n_ranks};
        sbr_rstore_job sj = {ptrs,          x->n_cutoffs, j->label,
                             h.fingerprint, x->latency,   x->per_session ? &ranks : NULL};
        sbr_err err = {SBR_OK, ""};
        sbr_rc rc = sbr_rstore_put_job(r->store, &sj, &err);
        if (rc == SBR_OK)
            rc = sbr_rstore_export_metrics(r->store, r->metrics, &err);
        char split[256];
        split_name_of(x, jr, split, sizeof split);
        print_outcome(r, x->datasets[jr->d].name, split, j, &h.o);
        if (rc != SBR_OK)
            status = cli_fail(&err);
        r->run++;
        r->finished++;
        r->run_seconds += h.o.seconds;
    }
    free(rank);
    free(ptrs);
    return status;
}

/* Rank 0, before any rank reads data: makes the synthetic files and notes the datasets whose
 * files are missing (missing[d]), failing for one that is not optional. Returns the status. */
static int prepare_pool(runner *r, bool *missing)
{
    const sbr_experiment *x = r->x;
    sbr_err err = {SBR_OK, ""};
    for (size_t d = 0; d < x->n_datasets; d++) {
        const sbr_exp_dataset *ds = &x->datasets[d];
        char synth[4096];
        if (ensure_synth(r, ds, synth, sizeof synth, &err) != SBR_OK)
            return cli_fail(&err);
        if ((missing[d] = missing_file(ds) != NULL) && !ds->optional) {
            fprintf(stderr, "sbr: dataset %s: %s not found\n", ds->name, missing_file(ds));
            return SBR_EXIT_RUNTIME;
        }
        if (missing[d])
            printf("%-14s skipped: %s not found\n", ds->name, missing_file(ds));
    }
    return SBR_EXIT_OK;
}

/* What rank 0 tells every rank before each search of the pooled [tune] phase. */
typedef struct tune_verdict {
    int status;     /* rank 0's status so far: anything but SBR_EXIT_OK ends the phase */
    bool found;     /* the winner is remembered in tuned.csv: no search */
    sbr_tuned seen; /* that winner */
} tune_verdict;

/* Every rank, before any job ([tune] under MPI): for each tuned dataset (missing[d] false), the
 * first slice's validation split, and for each tuned section the winner, remembered or found
 * by a search whose batches are spread over every rank (sbr_exp_tune_search); rank 0 alone
 * writes the files and the store and prints. The winners go to r->pool_tuned, identical on
 * every rank, which is what makes the job numbering shared. A rank that cannot load the data
 * ends every rank (it cannot take part in the searches); rank 0's own failures (the store,
 * the files) reach the others with its next verdict. Returns the status (rank 0's matters). */
static int pool_tune(runner *r, const bool *missing)
{
    const sbr_experiment *x = r->x;
    bool is_root = cli_mpi_rank() == 0;
    size_t cap = 0;
    for (size_t d = 0; d < x->n_datasets; d++)
        cap += missing[d] ? 0 : tuned_sections(r, &x->datasets[d]);
    if (cap == 0)
        return SBR_EXIT_OK;
    r->pool_tuned = calloc(cap, sizeof *r->pool_tuned);
    r->pool_tuned_ds = calloc(cap, sizeof *r->pool_tuned_ds);
    if (r->pool_tuned == NULL || r->pool_tuned_ds == NULL) {
        fprintf(stderr, "sbr: out of memory\n");
        cli_mpi_abort(SBR_EXIT_RUNTIME);
    }
    sbr_tune_share share;
    cli_mpi_tune_share(&share);
    sbr_err err = {SBR_OK, ""};
    /* status is this rank's; the loops end only on a verdict, which every rank receives at
     * the same point, so no rank waits for a verdict that is never sent. */
    int status = SBR_EXIT_OK;
    tune_verdict v;
    memset(&v, 0, sizeof v);
    for (size_t d = 0; d < x->n_datasets && v.status == SBR_EXIT_OK; d++) {
        const sbr_exp_dataset *ds = &x->datasets[d];
        size_t wanted = tuned_sections(r, ds);
        if (missing[d] || wanted == 0)
            continue;
        char synth[4096];
        synth_path_of(x, ds, synth, sizeof synth);
        sbr_job_slices js;
        memset(&js, 0, sizeof js);
        sbr_split vs;
        memset(&vs, 0, sizeof vs);
        if (sbr_job_slice_load(&js, ds, 0, synth, &err) != SBR_OK ||
            sbr_split_last_sessions(js.train, x->tune.valid, &vs, &err) != SBR_OK) {
            fprintf(stderr, "sbr: rank %d: %s\n", cli_mpi_rank(), err.msg);
            cli_mpi_abort(SBR_EXIT_RUNTIME);
        }
        if (is_root && status == SBR_EXIT_OK)
            announce_tuning(x, ds, wanted, &vs);
        for (size_t a = 0; a < x->n_algos; a++) {
            const sbr_exp_algo *sec = &x->algos[a];
            if (!tune_selected(r, ds, sec))
                continue;
            v.found = false;
            if (is_root && status == SBR_EXIT_OK &&
                sbr_exp_tune_lookup(x, ds->name, sec, &vs, &v.seen, &v.found, &err) != SBR_OK)
                status = cli_fail(&err);
            v.status = status;
            cli_mpi_bcast(&v, sizeof v);
            if (v.status != SBR_EXIT_OK)
                break;
            sbr_tuned t = v.seen;
            sbr_rc rc =
                v.found ? SBR_OK : sbr_exp_tune_search(x, ds->name, sec, &vs, &share, &t, &err);
            /* A failing trial fails the search on every rank alike; the files are rank 0's. */
            sbr_job_spec *j = &r->pool_tuned[r->n_pool_tuned];
            if (rc == SBR_OK && (rc = adopt_winner(x, a, &t, j, &err)) == SBR_OK) {
                r->pool_tuned_ds[r->n_pool_tuned++] = d;
                if (is_root)
                    rc = announce_winner(r, ds, j, &t, &err);
            }
            if (rc != SBR_OK)
                status = is_root ? cli_fail(&err) : SBR_EXIT_RUNTIME;
        }
        sbr_split_fini(&vs);
        sbr_job_slice_release(&js);
        sbr_job_slices_fini(&js);
    }
    /* The last verdict: a failure after the last search reaches every rank too. */
    if (v.status == SBR_EXIT_OK) {
        v.status = status;
        cli_mpi_bcast(&v, sizeof v);
    }
    return is_root ? status : v.status;
}

/* Rank 0: counts what is not run, orders the rest and hands it out. With status already an
 * error it hands out nothing (the workers stop). */
static int coordinate(runner *r, const bool *missing, int status)
{
    const sbr_experiment *x = r->x;
    job_ref *jobs = NULL;
    size_t n_jobs = 0, n_slices = 0;
    if (status == SBR_EXIT_OK && !list_jobs(r, &jobs, &n_jobs, &n_slices))
        status = SBR_EXIT_RUNTIME;
    costed *order = status == SBR_EXIT_OK ? malloc((n_jobs + 1) * sizeof *order) : NULL;
    size_t *ids = status == SBR_EXIT_OK ? malloc((n_jobs + 1) * sizeof *ids) : NULL;
    bool *parts_stored = calloc(n_slices + 1, sizeof *parts_stored);
    if (status == SBR_EXIT_OK && (!order || !ids || !parts_stored)) {
        fprintf(stderr, "sbr: out of memory\n");
        status = SBR_EXIT_RUNTIME;
    }
    size_t n = 0;
    for (size_t k = 0; k < n_jobs && status == SBR_EXIT_OK; k++) {
        const job_ref *jr = &jobs[k];
        if (missing[jr->d]) {
            r->skipped_missing++;
            r->finished++;
        } else if (!job_selected(r, x->datasets[jr->d].name, job_spec(r, jr))) {
            r->not_selected++;
            r->finished++;
        } else {
            order[n++] = (costed){job_cost(r, jr), k};
        }
    }
    if (status == SBR_EXIT_OK) {
        qsort(order, n, sizeof *order, by_cost);
        for (size_t k = 0; k < n; k++)
            ids[k] = order[k].job;
        printf("%zu jobs to check or run, largest first, on %d workers (ranks 1-%d)\n", n,
               cli_mpi_size() - 1, cli_mpi_size() - 1);
        fflush(stdout);
    }
    coordinator c = {r, jobs, n_jobs, parts_stored};
    cli_pool_handlers h = {pool_check, pool_result, &c};
    int served = cli_pool_serve(ids, status == SBR_EXIT_OK ? n : 0, &h);
    if (status == SBR_EXIT_OK)
        status = served;
    free(parts_stored);
    free(ids);
    free(order);
    free(jobs);
    return status;
}

/* A worker's slices: per dataset the file being cut, per slice its sets. */
typedef struct worker_cache {
    sbr_job_slices *files;  /* per dataset: only `whole` is kept here */
    sbr_job_slices *slices; /* per slice: train and test, once loaded */
    check_msg *checks;      /* per slice, once loaded */
    bool *loaded;
    size_t n_datasets, n_slices;
} worker_cache;

/* Loads job jr's slice into the cache unless it is there. */
static sbr_rc cache_slice(const sbr_experiment *x, worker_cache *wc, const job_ref *jr,
                          sbr_err *err)
{
    if (wc->loaded[jr->slice])
        return SBR_OK;
    const sbr_exp_dataset *d = &x->datasets[jr->d];
    char synth[4096], split[256], settings[512];
    synth_path_of(x, d, synth, sizeof synth);
    sbr_job_slices *f = &wc->files[jr->d], *s = &wc->slices[jr->slice];
    sbr_rc rc = sbr_job_slice_load(f, d, jr->s, synth, err);
    /* The slice's sets move to its entry; the whole file stays for the dataset's other slices. */
    *s = *f;
    s->whole = NULL;
    f->given_train = f->given_test = NULL;
    memset(&f->sp, 0, sizeof f->sp);
    f->train = f->test = NULL;
    if (rc != SBR_OK)
        return rc;
    check_msg *m = &wc->checks[jr->slice];
    memset(m, 0, sizeof *m);
    sbr_job_settings(x, d, jr->s, settings, sizeof settings);
    sbr_rstore_fingerprint(s->train, s->test, settings, m->fingerprint);
    split_name_of(x, jr, split, sizeof split);
    sbr_job_part_cells(m->parts[0], d->name, split, "train", s->train, d->synthetic_time);
    sbr_job_part_cells(m->parts[1], d->name, split, "test", s->test, d->synthetic_time);
    wc->loaded[jr->slice] = true;
    return SBR_OK;
}

static void cache_fini(worker_cache *wc)
{
    for (size_t k = 0; wc->slices && k < wc->n_slices; k++)
        sbr_job_slices_fini(&wc->slices[k]);
    for (size_t k = 0; wc->files && k < wc->n_datasets; k++)
        sbr_job_slices_fini(&wc->files[k]);
    free(wc->files);
    free(wc->slices);
    free(wc->checks);
    free(wc->loaded);
}

/* Runs job jr (its slice loaded) and sends its rows to rank 0. */
static sbr_rc work_one(const runner *r, worker_cache *wc, const job_ref *jr, size_t job,
                       sbr_err *err)
{
    const sbr_experiment *x = r->x;
    const sbr_job_spec *j = job_spec(r, jr);
    const sbr_job_slices *s = &wc->slices[jr->slice];
    double t0 = sbr_now_s(), fit_s;
    size_t model_bytes;
    sbr_eval_result res;
    sbr_rc rc = sbr_job_evaluate(x, j, s->train, s->test, &res, &fit_s, &model_bytes, err);
    if (rc != SBR_OK)
        return rc;
    char split[256];
    split_name_of(x, jr, split, sizeof split);
    sbr_run_info ri = {x->datasets[jr->d].name, split, x->threads, (unsigned long)x->seed,
                       SBR_VERSION_STRING};
    char(*cells)[SBR_METRICS_CELL] = NULL;
    const char **ptrs = NULL;
    rc = sbr_job_format_rows(x, &ri, j, &res, fit_s, model_bytes, &cells, &ptrs, err);
    size_t n_cells = x->n_cutoffs * SBR_METRICS_COLS, cells_len = 0;
    for (size_t k = 0; rc == SBR_OK && k < n_cells; k++)
        cells_len += strlen(ptrs[k]) + 1;
    size_t n_ranks = x->per_session ? res.n_predictions : 0;
    const sbr_eval_metrics *m = &res.at[x->n_cutoffs - 1];
    result_head h;
    memset(&h, 0, sizeof h);
    h.o = (job_outcome){m->mrr, m->hr, res.latency_us[SBR_LAT_P90], sbr_now_s() - t0};
    h.cells_len = cells_len;
    h.n_ranks = n_ranks;
    memcpy(h.fingerprint, wc->checks[jr->slice].fingerprint, sizeof h.fingerprint);
    size_t len = sizeof h + cells_len + n_ranks * sizeof(uint32_t);
    char *buf = rc == SBR_OK ? malloc(len) : NULL;
    if (rc == SBR_OK && buf == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
    if (rc == SBR_OK) {
        memcpy(buf, &h, sizeof h);
        char *p = buf + sizeof h;
        for (size_t k = 0; k < n_cells; k++) {
            size_t n = strlen(ptrs[k]) + 1;
            memcpy(p, ptrs[k], n);
            p += n;
        }
        if (n_ranks > 0)
            memcpy(p, res.ranks, n_ranks * sizeof(uint32_t));
        cli_pool_result(job, buf, len);
    }
    free(buf);
    free(ptrs);
    free(cells);
    sbr_eval_result_fini(&res);
    return rc;
}

/* A worker (rank > 0): runs the jobs rank 0 hands out until it has none left. r holds the
 * experiment's specs and the tuned ones (and no store). */
static int work(const runner *r)
{
    const sbr_experiment *x = r->x;
    sbr_err err = {SBR_OK, ""};
    size_t n_jobs = 0;
    job_ref *jobs = NULL;
    worker_cache wc;
    memset(&wc, 0, sizeof wc);
    sbr_rc rc = SBR_OK;
    if (!list_jobs(r, &jobs, &n_jobs, &wc.n_slices))
        rc = sbr_err_set(&err, SBR_ENOMEM, "run: out of memory");
    wc.n_datasets = x->n_datasets;
    if (rc == SBR_OK) {
        wc.files = calloc(wc.n_datasets + 1, sizeof *wc.files);
        wc.slices = calloc(wc.n_slices + 1, sizeof *wc.slices);
        wc.checks = calloc(wc.n_slices + 1, sizeof *wc.checks);
        wc.loaded = calloc(wc.n_slices + 1, sizeof *wc.loaded);
        if (!wc.files || !wc.slices || !wc.checks || !wc.loaded)
            rc = sbr_err_set(&err, SBR_ENOMEM, "run: out of memory");
    }
    size_t job;
    while (rc == SBR_OK && cli_pool_next(&job)) {
        if (job >= n_jobs) {
            rc = sbr_err_set(&err, SBR_EINVAL, "run: job %zu of %zu handed out", job, n_jobs);
            break;
        }
        const job_ref *jr = &jobs[job];
        rc = cache_slice(x, &wc, jr, &err);
        if (rc == SBR_OK && cli_pool_check(job, &wc.checks[jr->slice], sizeof(check_msg)))
            rc = work_one(r, &wc, jr, job, &err);
    }
    if (rc != SBR_OK)
        cli_pool_fail(err.msg);
    cache_fini(&wc);
    free(jobs);
    return rc == SBR_OK ? SBR_EXIT_OK : SBR_EXIT_RUNTIME;
}

/* Rank 0 of a pooled run: prepares the data, tells the others whether to go on and which
 * datasets are missing, runs its part of the [tune] phase, then hands out the jobs. */
static int pool_coordinator(runner *r, int status)
{
    size_t n = r->x->n_datasets;
    bool *missing = calloc(n + 1, sizeof *missing);
    if (missing == NULL) {
        fprintf(stderr, "sbr: out of memory\n");
        cli_mpi_abort(SBR_EXIT_RUNTIME);
    }
    if (status == SBR_EXIT_OK)
        status = prepare_pool(r, missing);
    cli_mpi_bcast(&status, sizeof status);
    cli_mpi_bcast(missing, n);
    if (status == SBR_EXIT_OK)
        status = pool_tune(r, missing);
    status = coordinate(r, missing, status);
    free(missing);
    return status;
}

/* A worker rank of a pooled run: the same steps as pool_coordinator, as a worker. */
static int pool_worker(const sbr_experiment *x, const run_args *a)
{
    runner r;
    memset(&r, 0, sizeof r);
    r.x = x;
    r.only = a->only;
    r.n_only = a->n_only;
    sbr_err err = {SBR_OK, ""};
    bool bad_spec;
    size_t n = x->n_datasets;
    bool *missing = calloc(n + 1, sizeof *missing);
    if (missing == NULL) {
        fprintf(stderr, "sbr: out of memory\n");
        cli_mpi_abort(SBR_EXIT_RUNTIME);
    }
    int status = SBR_EXIT_OK, go = SBR_EXIT_OK;
    if (sbr_job_specs_expand(x, &r.specs, &r.n_specs, &bad_spec, &err) != SBR_OK)
        status = SBR_EXIT_RUNTIME; /* rank 0 expands the same specs and reports the error */
    cli_mpi_bcast(&go, sizeof go);
    cli_mpi_bcast(missing, n);
    if (go == SBR_EXIT_OK && status != SBR_EXIT_OK)
        cli_mpi_abort(SBR_EXIT_RUNTIME); /* only this rank failed: it cannot take part */
    if (go == SBR_EXIT_OK)
        status = pool_tune(&r, missing);
    status = work(&r) != SBR_EXIT_OK ? SBR_EXIT_RUNTIME : status;
    sbr_job_specs_free(r.pool_tuned, r.n_pool_tuned);
    free(r.pool_tuned_ds);
    sbr_job_specs_free(r.specs, r.n_specs);
    free(missing);
    return status;
}

/* --tune-datasets: 'all', or names of [dataset]s. Returns the exit status. */
static int tune_datasets_option(sbr_experiment *x, const char *names)
{
    if (strcmp(names, "all") == 0)
        names = "";
    if (strlen(names) >= sizeof x->tune.datasets)
        return cli_usage_error("run", "--tune-datasets: too long");
    char list[sizeof x->tune.datasets];
    snprintf(list, sizeof list, "%s", names);
    char *save = NULL;
    for (char *p = strtok_r(list, " \t", &save); p != NULL; p = strtok_r(NULL, " \t", &save)) {
        bool known = false;
        for (size_t d = 0; d < x->n_datasets && !known; d++)
            known = strcmp(x->datasets[d].name, p) == 0;
        if (!known)
            return cli_usage_error("run", "--tune-datasets: %s has no [dataset %s]", x->path, p);
    }
    snprintf(x->tune.datasets, sizeof x->tune.datasets, "%s", names);
    return SBR_EXIT_OK;
}

int sbr_cmd_run(int argc, char **argv)
{
    run_args a;
    int status = parse_run_args(argc, argv, &a);
    if (status >= 0)
        return status;
    sbr_err err = {SBR_OK, ""};
    sbr_experiment *x = malloc(sizeof *x);
    if (x == NULL)
        return SBR_EXIT_RUNTIME;
    if (sbr_experiment_load(a.path, x, &err) != SBR_OK) {
        free(x);
        return cli_fail(&err);
    }
    if (a.threads > 0)
        x->threads = (int)a.threads;
    if (a.per_session)
        x->per_session = true;
    if (a.tune_trials >= 0)
        x->tune.trials = (size_t)a.tune_trials;
    if (a.tune_datasets != NULL &&
        (status = tune_datasets_option(x, a.tune_datasets)) != SBR_EXIT_OK) {
        free(x);
        return status;
    }
    /* Under MPI with workers: rank 0 coordinates, the others work; a dry run is rank 0's. */
    bool pooled = cli_mpi_size() > 1 && !a.dry;
    if (cli_mpi_rank() != 0) {
        status = pooled ? pool_worker(x, &a) : SBR_EXIT_OK;
        free(x);
        return status;
    }
    runner r;
    status = open_runner(&r, x, &a);
    if (pooled)
        status = pool_coordinator(&r, status);
    for (size_t d = 0; d < x->n_datasets && status == SBR_EXIT_OK && !pooled; d++)
        if (run_dataset(&r, &x->datasets[d], &err) != SBR_OK)
            status = cli_fail(&err);
    /* The CSV files once more, from the store: they hold every row even when this run ran
     * nothing (say, after metrics.csv was deleted), and a concurrent run's rows too. */
    if (status == SBR_EXIT_OK && !a.dry &&
        (sbr_rstore_export_metrics(r.store, r.metrics, &err) != SBR_OK ||
         sbr_rstore_export_parts(r.store, r.datasets_csv, &err) != SBR_OK))
        status = cli_fail(&err);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    if (status == SBR_EXIT_OK) {
        char extra[160] = "";
        if (r.n_only > 0)
            snprintf(extra, sizeof extra, ", %zu not selected by --only", r.not_selected);
        if (r.changed > 0)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
                     "; %zu of those run had changed inputs", r.changed);
        printf("%s: %zu jobs: %zu run, %zu already done, %zu skipped (data not found)%s; %.1f s"
               "%s -> %s\n",
               x->path, r.total, r.run, r.skipped_done, r.skipped_missing, extra,
               sbr_now_s() - r.t0, cli_mpi_note(), r.metrics);
    }
    close_runner(&r);
    free(x);
    return status;
}
