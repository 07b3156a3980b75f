/* `sbr tune`: hyperparameter search on a validation split. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/load.h"
#include "data/output.h"
#include "data/split.h"
#include "eval/cli/cli.h"
#include "eval/cli/mpi_pool.h"
#include "eval/harness.h"
#include "eval/study.h"
#include "eval/tune.h"

static const char tune_usage[] =
    "Usage: sbr tune --train FILE (--valid FILE | --valid-days N) [--test FILE]\n"
    "                --algo NAME[:fixed params] [--space SPEC|@FILE] [--method tpe|random|grid]\n"
    "                [--trials N] [--objective mrr@20] [--seed S] [--threads N] --out DIR\n"
    "\n"
    "Searches an algorithm's parameters for the best validation objective. Each trial fits\n"
    "on the training part and evaluates on the validation part; the best configuration is\n"
    "then refitted on the full training set and evaluated on --test when given.\n"
    "\n"
    "Validation: --valid FILE (fit on --train, validate on FILE; e.g. session-rec's\n"
    "train_tr/train_valid, Serenade's train/valid), or --valid-days N (the sessions ending in\n"
    "the last N days of --train validate, the rest fit). --train-full FILE names the set the\n"
    "best configuration is refitted on (default: --train).\n"
    "\n"
    "Methods: tpe (default; tree-structured Parzen estimator, maximising the objective, after\n"
    "10 random start-up trials), random, grid (5 values per numeric parameter, visited in a\n"
    "seeded random order). Trials run in batches of 8 evaluated in parallel; a given seed\n"
    "gives the same trials for any --threads. Under MPI (mpirun -np N sbr tune ...) each\n"
    "batch is shared out over the ranks (trial k of a batch on rank k mod N, on --threads\n"
    "threads each), with the same trials and winner as one process; rank 0 writes --out.\n"
    "\n"
    "Space: name=int:LO:HI, real:LO:HI, log:LO:HI, logint:LO:HI or choice:a|b|c, separated\n"
    "by ';' (or one per line in @FILE). Default: Serenade's ranges for vmis, session-rec's\n"
    "search spaces for the others (see eval/tune.c).\n"
    "\n"
    "  --objective M@N  mrr, hr, ndcg, precision, recall or coverage at cutoff N (mrr@20)\n"
    "  --trials N       default 50\n"
    "  --out DIR        trials.csv (trial, params, objective, seconds, best so far),\n"
    "                   best.ini (an experiment file for 'sbr run'), and the summary\n"
    "  -h, --help       this help\n"
    "\n"
    "Example:\n"
    "  sbr tune --train $SBR_DATA/serenade-toy/train.tsv.gz \\\n"
    "           --valid $SBR_DATA/serenade-toy/valid.tsv.gz \\\n"
    "           --test $SBR_DATA/serenade-toy/test.tsv.gz --algo vmis --trials 50 --out tuned\n";

typedef struct tune_args {
    const char *train, *valid, *test, *full, *algo, *space, *out; /* paths and texts */
    double valid_days;
    long trials, seed, threads;
    sbr_tune_options to;
    sbr_objective_metric metric;
    size_t cutoff;
} tune_args;

enum {
    OPT_TRAIN = CLI_OPT_FIRST_FREE,
    OPT_VALID,
    OPT_TEST,
    OPT_TRAIN_FULL,
    OPT_ALGO,
    OPT_SPACE,
    OPT_OUT, /* the options above take a text as it is */
    OPT_VALID_DAYS,
    OPT_METHOD,
    OPT_TRIALS,
    OPT_OBJECTIVE,
    OPT_SEED,
    OPT_THREADS
};

/* The options whose value is taken as it is, OPT_TRAIN..OPT_OUT in order. */
static const char **text_option(tune_args *a, int code)
{
    const char **slots[] = {&a->train, &a->valid, &a->test, &a->full, &a->algo, &a->space, &a->out};
    return code >= OPT_TRAIN && code <= OPT_OUT ? slots[code - OPT_TRAIN] : NULL;
}

/* Applies one option with a value to check. Returns 0 or the usage error's exit status. */
static int tune_option(tune_args *a, int code, const char *arg)
{
    sbr_err err = {SBR_OK, ""};
    switch (code) {
    case OPT_VALID_DAYS:
        return cli_number("tune", "valid-days", arg, 1e-6, 1e6, &a->valid_days);
    case OPT_METHOD:
        if (strcmp(arg, "tpe") == 0)
            a->to.method = SBR_TUNE_TPE;
        else if (strcmp(arg, "random") == 0)
            a->to.method = SBR_TUNE_RANDOM;
        else if (strcmp(arg, "grid") == 0)
            a->to.method = SBR_TUNE_GRID;
        else
            return cli_usage_error("tune", "--method '%s': use tpe, random or grid", arg);
        return 0;
    case OPT_TRIALS:
        return cli_count("tune", "trials", arg, 1, 100000, &a->trials);
    case OPT_OBJECTIVE:
        if (sbr_objective_parse(arg, &a->metric, &a->cutoff, &err) != SBR_OK)
            return cli_usage_error("tune", "%s", err.msg);
        return 0;
    case OPT_SEED:
        return cli_count("tune", "seed", arg, 0, 2147483647L, &a->seed);
    case OPT_THREADS:
        return cli_count("tune", "threads", arg, 1, 1024, &a->threads);
    default:
        return cli_usage_error("tune", "unrecognised option");
    }
}

/* Parses the options into *a. Returns -1 to go on, else the exit status (help, usage). */
static int parse_tune_args(int argc, char **argv, tune_args *a)
{
    static const struct option longopts[] = {
        {"train", required_argument, NULL, OPT_TRAIN},
        {"valid", required_argument, NULL, OPT_VALID},
        {"valid-days", required_argument, NULL, OPT_VALID_DAYS},
        {"test", required_argument, NULL, OPT_TEST},
        {"train-full", required_argument, NULL, OPT_TRAIN_FULL},
        {"algo", required_argument, NULL, OPT_ALGO},
        {"space", required_argument, NULL, OPT_SPACE},
        {"method", required_argument, NULL, OPT_METHOD},
        {"trials", required_argument, NULL, OPT_TRIALS},
        {"objective", required_argument, NULL, OPT_OBJECTIVE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->trials = 50;
    a->seed = 1;
    a->threads = 2;
    a->cutoff = 20;
    sbr_tune_options_init(&a->to);
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        const char **text = text_option(a, c);
        if (c == 'h') {
            fputs(tune_usage, stdout);
            return SBR_EXIT_OK;
        } else if (text != NULL) {
            *text = optarg;
        } else if ((rc = tune_option(a, c, optarg)) != 0) {
            return rc;
        }
    }
    if (optind < argc)
        return cli_usage_error("tune", "unexpected argument '%s'", argv[optind]);
    if (a->train == NULL || a->algo == NULL || a->out == NULL ||
        (a->valid == NULL) == (a->valid_days <= 0))
        return cli_usage_error("tune", "--train, --algo, --out and one of --valid or "
                                       "--valid-days are required");
    a->to.seed = (uint64_t)a->seed;
    return -1;
}

/* Sets up the study from the options (--space @FILE read here). Returns -1 to go on, else the
 * usage error's exit status. */
static int setup_study(const tune_args *a, sbr_study *st)
{
    const char *space = a->space;
    char space_buf[4096];
    if (space != NULL && space[0] == '@') {
        FILE *f = fopen(space + 1, "r");
        size_t n = f ? fread(space_buf, 1, sizeof space_buf - 1, f) : 0;
        if (f == NULL)
            return cli_usage_error("tune", "--space %s: cannot read", space);
        fclose(f);
        space_buf[n] = '\0';
        space = space_buf;
    }
    sbr_err err = {SBR_OK, ""};
    if (sbr_study_init(st, a->algo, space, a->metric, a->cutoff, &err) != SBR_OK)
        return cli_usage_error("tune", "%s", err.msg);
    return -1;
}

typedef struct tune_data {
    sbr_dataset *train, *valid, *test, *full;
    sbr_split vs; /* with --valid-days: the fit and validation parts of train */
} tune_data;

static sbr_rc load(const char *path, sbr_dataset **ds, sbr_err *err)
{
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_load_stats st;
    return sbr_load_sessions(path, &lo, ds, &st, err);
}

/* Loads the sets and points the study at its fit and validation parts. */
static sbr_rc load_tune_data(const tune_args *a, tune_data *d, sbr_study *st, sbr_err *err)
{
    memset(d, 0, sizeof *d);
    sbr_rc rc = load(a->train, &d->train, err);
    if (rc == SBR_OK && a->valid != NULL) {
        rc = load(a->valid, &d->valid, err);
        st->fit = d->train;
        st->valid = d->valid;
    } else if (rc == SBR_OK) {
        rc = sbr_split_last_days(d->train, a->valid_days, &d->vs, err);
        st->fit = d->vs.train;
        st->valid = d->vs.test;
    }
    if (rc == SBR_OK && a->test != NULL)
        rc = load(a->test, &d->test, err);
    if (rc == SBR_OK && a->full != NULL)
        rc = load(a->full, &d->full, err);
    return rc;
}

static void free_tune_data(tune_data *d)
{
    sbr_dataset_free(d->train);
    sbr_dataset_free(d->valid);
    sbr_dataset_free(d->test);
    sbr_dataset_free(d->full);
    sbr_split_fini(&d->vs);
}

/* path made absolute (the file exists: it was read), for best.ini, whose relative paths
 * would be read relative to its own folder; path itself when that fails. */
static const char *absolute(const char *path, char buf[PATH_MAX])
{
    return realpath(path, buf) != NULL ? buf : path;
}

/* best.ini: the winner as an experiment file for `sbr run`, in --out, with its output folder
 * beside it (best/) and the data files by absolute path. */
static sbr_rc write_best_ini(const tune_args *a, const sbr_study *st, double value,
                             const char *spec, sbr_err *err)
{
    char train[PATH_MAX], test[PATH_MAX];
    char path[4096];
    snprintf(path, sizeof path, "%s/best.ini", a->out);
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o,
                   "# written by sbr tune (%s, %ld trials, seed %ld): validation "
                   "%s@%zu %.6f\n[run]\noutput = best\ncutoffs = %zu\n\n"
                   "[dataset tuned]\ntrain = %s\ntest = %s\n\n[algo best]\n"
                   "spec = %s\n",
                   sbr_tune_method_name(a->to.method), a->trials, a->seed,
                   sbr_objective_name(st->metric), st->cutoff, value, st->cutoff,
                   absolute(a->full ? a->full : a->train, train),
                   absolute(a->test ? a->test : (a->valid ? a->valid : a->train), test), spec);
    return sbr_out_commit(o, err);
}

/* Writes trials.csv and best.ini, prints the outcome, and scores the best on --test. */
static sbr_rc finish(const tune_args *a, const sbr_study *st, const tune_data *d,
                     const sbr_trial *tr, double elapsed, sbr_err *err)
{
    char path[4096], spec[2048];
    snprintf(path, sizeof path, "%s/trials.csv", a->out);
    sbr_rc rc = sbr_study_write_trials(st, path, a->to.method, a->seed, tr, (size_t)a->trials, err);
    if (rc != SBR_OK)
        return rc;
    size_t best = sbr_trials_best(tr, (size_t)a->trials);
    sbr_study_spec(st, tr[best].x, spec, sizeof spec);
    printf("%s %s, %ld trials, seed %ld, %.1f s: best validation %s@%zu = %.4f at trial %zu\n"
           "  best: %s\n",
           st->algo->name, sbr_tune_method_name(a->to.method), a->trials, a->seed, elapsed,
           sbr_objective_name(st->metric), st->cutoff, tr[best].value, best, spec);
    if ((rc = write_best_ini(a, st, tr[best].value, spec, err)) != SBR_OK)
        return rc;
    if (d->test != NULL) {
        double value;
        sbr_eval_metrics m;
        rc = sbr_study_score(st, spec, d->full ? d->full : d->train, d->test, &value, &m, err);
        if (rc == SBR_OK)
            printf("  test (refitted on %s): %s@%zu = %.4f  (MRR %.4f, HR %.4f)\n",
                   a->full ? a->full : a->train, sbr_objective_name(st->metric), st->cutoff, value,
                   m.mrr, m.hr);
    }
    return rc;
}

int sbr_cmd_tune(int argc, char **argv)
{
    tune_args a;
    sbr_study st;
    int status = parse_tune_args(argc, argv, &a);
    if (status < 0)
        status = setup_study(&a, &st);
    if (status >= 0)
        return status;
    status = SBR_EXIT_OK;
    sbr_err err = {SBR_OK, ""};
    tune_data d;
    if (load_tune_data(&a, &d, &st, &err) != SBR_OK) {
        free_tune_data(&d);
        return cli_fail(&err);
    }
    sbr_trial *tr = NULL;
    if (mkdir(a.out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "sbr: %s: cannot create: %s\n", a.out, strerror(errno));
        status = SBR_EXIT_RUNTIME;
    } else if ((tr = calloc((size_t)a.trials, sizeof *tr)) == NULL) {
        status = SBR_EXIT_RUNTIME;
    } else {
        double t0 = sbr_now_s();
        /* Under MPI every rank runs the same asks and tells and evaluates its share of each
         * batch; rank 0 alone writes and prints. */
        sbr_tune_share share;
        cli_mpi_tune_share(&share);
        sbr_rc rc = sbr_study_run_shared(&st, &a.to, (size_t)a.trials, (int)a.threads,
                                         cli_mpi_size() > 1 ? &share : NULL, tr, &err);
        bool writer = cli_mpi_rank() == 0;
        if (rc == SBR_OK && writer)
            rc = finish(&a, &st, &d, tr, sbr_now_s() - t0, &err);
        if (rc != SBR_OK && writer)
            status = cli_fail(&err);
        else if (rc != SBR_OK)
            status = SBR_EXIT_RUNTIME;
        else if (writer)
            printf("  wrote %s/trials.csv and %s/best.ini%s\n", a.out, a.out, cli_mpi_note());
    }
    free(tr);
    free_tune_data(&d);
    return status;
}
