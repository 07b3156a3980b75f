/* The evaluation commands: `sbr algos` and `sbr eval`. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/parse.h"
#include "eval/cli/cli.h"
#include "eval/harness.h"
#include "eval/specs.h"
#include "eval/lists.h"
#include "eval/report.h"
#include "eval/results.h"
#include "eval/store.h"

/* ------------------------------------------------------------------------------------------ */
/* sbr algos                                                                                  */
/* ------------------------------------------------------------------------------------------ */

int sbr_cmd_algos(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: sbr algos [NAME]\n\n"
               "Lists every algorithm with its parameters: type, default, allowed range or\n"
               "choices, and what it does. Set parameters in an algorithm spec:\n"
               "  --algo sr:steps=20,weighting=quadratic\n");
        return SBR_EXIT_OK;
    }
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        const sbr_algo *a = all[i];
        if (argc > 1 && strcmp(argv[1], a->name) != 0)
            continue;
        shown++;
        printf("%s — %s [%s]\n", a->name, a->help, sbr_algo_family_name(a->family));
        for (const sbr_param_spec *p = a->params; p->name != NULL; p++) {
            char range[160];
            if (p->kind == SBR_P_CHOICE) {
                range[0] = '\0';
                for (int c = 0; p->choices[c] != NULL; c++) {
                    size_t used = strlen(range);
                    snprintf(range + used, sizeof range - used, "%s%s", c ? "|" : "",
                             p->choices[c]);
                }
                printf("    %-16s %-9s %-12s %s\n", p->name, p->choices[(int)p->def], range,
                       p->help);
            } else {
                char def[40], lo[40], hi[40];
                snprintf(range, sizeof range, "%s..%s", sbr_format_double(lo, sizeof lo, p->lo),
                         sbr_format_double(hi, sizeof hi, p->hi));
                printf("    %-16s %-9s %-12s %s\n", p->name,
                       sbr_format_double(def, sizeof def, p->def), range, p->help);
            }
        }
        if (a->params[0].name == NULL)
            printf("    (no parameters)\n");
    }
    if (argc > 1 && shown == 0)
        return cli_usage_error("algos", "no algorithm named '%s'", argv[1]);
    return SBR_EXIT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* sbr eval                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static const char eval_usage[] =
    "Usage: sbr eval --train FILE --test FILE --algo SPEC [--algo SPEC ...] [options]\n"
    "       sbr eval --model FILE [--model FILE ...] --test FILE [options]\n"
    "\n"
    "Fits each algorithm on the training sessions and evaluates next-item prediction on the\n"
    "test sessions (session-rec's and Serenade's protocol): for every position t >= 1 of a\n"
    "test session, the clicks before t are the input, click t is the target and the clicks\n"
    "from t on are the remaining items. Test sessions run in order of their first click.\n"
    "Test clicks on items absent from training are removed and counted (--keep-unseen\n"
    "counts them as misses instead); sessions left with fewer than 2 clicks are dropped.\n"
    "\n"
    "Ranking: score descending, then item id ascending; items scoring 0 are not listed.\n"
    "Metrics at each cutoff N: HR, MRR, NDCG (gain 1/log2(rank+1)) and ndcg_ref (the\n"
    "references' gain: ranks 1 and 2 both 1), Precision and Recall against the remaining\n"
    "items, F1 of the mean P and R, Coverage (distinct items recommended / training items),\n"
    "Popularity (mean clicks(i)/max clicks of the listed items). Metrics are identical for\n"
    "any --threads. Latency: every predict call timed on one thread (after a warm-up of\n"
    "1,000 calls); exact percentiles p50, p90, p95, p99, p99.5 and the maximum.\n"
    "\n"
    "  --algo SPEC        NAME or NAME:key=value,key=value (see 'sbr algos'); repeatable\n"
    "  --model FILE       a model saved by 'sbr fit --save', evaluated as it is (no --train\n"
    "                     needed: the file holds the training vocabulary); repeatable\n"
    "  --cutoff N         one cutoff (default 20)\n"
    "  --cutoffs LIST     several, e.g. 1,5,10,20; lists have the largest length\n"
    "  --threads N        OpenMP threads for the metric pass (default: all cores)\n"
    "  --out FILE         add one row per algorithm and cutoff to FILE's results store\n"
    "                     (FILE.db, .csv replaced; SQLite, safe for concurrent runs), then\n"
    "                     export FILE from it; a row of the same dataset, split, algorithm,\n"
    "                     params and cutoff is replaced (a device gets the rows directly)\n"
    "  --per-session      with --out, also store each prediction's rank of its target\n"
    "  --recs FILE        every list as session-rec writes them (SessionId;Position;\n"
    "                     Recommendations;Scores); with several algorithms, one file per\n"
    "                     configuration: r.csv -> r.NAME-HASH.csv (HASH: 8 hex of params)\n"
    "  --dataset NAME     the dataset column (default: the train file's folder name)\n"
    "  --split NAME       the split column (default: the train file's name)\n"
    "  --seed S           recorded in the CSV and used by randomised algorithms (default 1)\n"
    "  --keep-unseen      count unseen test items as misses instead of removing them\n"
    "  --no-latency       skip the timed pass: --out keeps a latency measured on the same\n"
    "                     inputs, else the columns are 0 (NULL in the store)\n"
    "  --batch N          queries per predict call, 1-32 (default 32; same metrics)\n"
    "  -h, --help         this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr eval --train $SBR_DATA/rsc15-100k/train_full.tsv.gz \\\n"
    "           --test $SBR_DATA/rsc15-100k/test.tsv.gz --algo ar --algo sr:steps=10 \\\n"
    "           --algo markov --out results/metrics.csv\n";

/* ------------------------------------------------------------------------------------------ */
/* sbr bench                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static const char bench_usage[] =
    "Usage: sbr bench --train FILE --test FILE --algo SPEC [--algo SPEC ...] [options]\n"
    "       sbr bench --model FILE [--model FILE ...] --test FILE [options]\n"
    "\n"
    "Measures prediction latency: replays every test prefix on one thread, timing each\n"
    "predict call with a monotonic clock (after 1,000 untimed warm-up calls), and prints\n"
    "exact percentiles (p50, p90, p95, p99, p99.5, max) in microseconds, predictions per\n"
    "second, fit time, model memory and bytes per training click. 'vs first' is the p90\n"
    "ratio to the first --algo of the same run, so compare algorithms within one run on one\n"
    "machine. 'verify' is a CRC-32 over every returned list (items and scores): two runs\n"
    "returned the same answers exactly when their hashes agree.\n"
    "\n"
    "  --algo SPEC        NAME or NAME:key=value,... (see 'sbr algos'); repeatable\n"
    "  --model FILE       a model saved by 'sbr fit --save' ('fit s' is then its load time);\n"
    "                     repeatable\n"
    "  --cutoff N         list length (default 20)\n"
    "  --scale [SIZES]    the scale benchmark on synthetic data instead (see\n"
    "                     'sbr bench --scale --help')\n"
    "  -h, --help         this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr bench --train $SBR_DATA/retailrocket/train.tsv.gz \\\n"
    "            --test $SBR_DATA/retailrocket/test.tsv.gz --algo ar --algo sr\n";

enum { N_COLS = SBR_METRICS_COLS, CELL_BYTES = SBR_METRICS_CELL, MAX_ALGOS = 64 };

/* The options of `sbr eval` and `sbr bench` (bench takes a subset). */
typedef struct eval_args {
    const char *train, *test, *out, *recs, *dataset, *split;
    const char *specs[MAX_ALGOS];
    size_t n_specs;
    const char *models[MAX_ALGOS]; /* --model files, evaluated after the --algo specs */
    size_t n_models;
    long threads, seed;
    sbr_eval_options eo;
    sbr_load_options lo;
} eval_args;

enum {
    OPT_TRAIN = CLI_OPT_FIRST_FREE,
    OPT_TEST,
    OPT_OUT,
    OPT_RECS,
    OPT_DATASET,
    OPT_SPLIT, /* the options above take a path or name as it is */
    OPT_ALGO,
    OPT_CUTOFF,
    OPT_CUTOFFS,
    OPT_THREADS,
    OPT_SEED,
    OPT_KEEP_UNSEEN,
    OPT_NO_LATENCY,
    OPT_MODEL,
    OPT_PER_SESSION,
    OPT_BATCH
};

static void eval_args_init(eval_args *a)
{
    memset(a, 0, sizeof *a);
    a->threads = omp_get_num_procs();
    a->seed = 1;
    sbr_eval_options_init(&a->eo);
    sbr_load_options_init(&a->lo);
}

/* Applies one option of cmd ("eval" or "bench"). Returns 0 or a usage error's exit status. */
static int eval_option(const char *cmd, eval_args *a, int code, const char *arg)
{
    const char **texts[] = {&a->train, &a->test, &a->out, &a->recs, &a->dataset, &a->split};
    sbr_err err = {SBR_OK, ""};
    long v;
    int rc;
    if (code >= OPT_TRAIN && code <= OPT_SPLIT) {
        *texts[code - OPT_TRAIN] = arg;
        return 0;
    }
    switch (code) {
    case OPT_ALGO:
        if (a->n_specs == MAX_ALGOS)
            return cli_usage_error(cmd, "at most %d --algo", MAX_ALGOS);
        a->specs[a->n_specs++] = arg;
        return 0;
    case OPT_MODEL:
        if (a->n_models == MAX_ALGOS)
            return cli_usage_error(cmd, "at most %d --model", MAX_ALGOS);
        a->models[a->n_models++] = arg;
        return 0;
    case OPT_CUTOFF:
        if ((rc = cli_count(cmd, "cutoff", arg, 1, 100000, &v)) == 0) {
            a->eo.cutoffs[0] = (size_t)v;
            a->eo.n_cutoffs = 1; /* --cutoff replaces a --cutoffs list */
        }
        return rc;
    case OPT_CUTOFFS:
        if (sbr_cutoffs_parse(arg, &a->eo, &err) != SBR_OK)
            return cli_usage_error(cmd, "%s", err.msg);
        return 0;
    case OPT_THREADS:
        return cli_count(cmd, "threads", arg, 1, 1024, &a->threads);
    case OPT_SEED:
        return cli_count(cmd, "seed", arg, 0, 2147483647L, &a->seed);
    case OPT_KEEP_UNSEEN:
        a->eo.keep_unseen = true;
        return 0;
    case OPT_NO_LATENCY:
        a->eo.latency = false;
        return 0;
    case OPT_PER_SESSION:
        a->eo.keep_ranks = true;
        return 0;
    case OPT_BATCH:
        if ((rc = cli_count(cmd, "batch", arg, 1, SBR_PREDICT_BATCH, &v)) == 0)
            a->eo.batch = (size_t)v;
        return rc;
    default:
        if (code >= CLI_OPT_DELIMITER && code < CLI_OPT_FIRST_FREE)
            return cli_load_option(cmd, code, arg, &a->lo);
        return cli_usage_error(cmd, "unrecognised option");
    }
}

/* Parses cmd's options into *a. Returns -1 to go on, else the exit status (help, usage). */
static int parse_eval_args(const char *cmd, const char *usage, const struct option *longopts,
                           int argc, char **argv, eval_args *a)
{
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return SBR_EXIT_OK;
        }
        if ((rc = eval_option(cmd, a, c, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (a->test == NULL || a->n_specs + a->n_models == 0)
        return cli_usage_error(cmd, "--test and at least one --algo (with --train) or --model "
                                    "are required");
    if (a->n_specs > 0 && a->train == NULL)
        return cli_usage_error(cmd, "--algo needs --train (a saved model is given by --model)");
    if (a->n_specs + a->n_models > MAX_ALGOS)
        return cli_usage_error(cmd, "at most %d --algo and --model together", MAX_ALGOS);
    return -1;
}

/* The algorithms and the session sets of a run: the --algo specs first (fitted on train),
 * then the --model files (loaded up front, each with its own training vocabulary). */
typedef struct eval_job {
    sbr_spec algos[MAX_ALGOS];
    size_t n_algos, n_fitted; /* algos[0..n_fitted) are fitted, the rest loaded */
    sbr_model *loaded[MAX_ALGOS];
    double load_s[MAX_ALGOS];
    sbr_vocab vocabs[MAX_ALGOS]; /* of the loaded models */
    sbr_vocab train_vocab;       /* of train, for the fitted ones */
    sbr_dataset *train, *test;   /* train is NULL with --model alone */
} eval_job;

static void close_eval_job(eval_job *j)
{
    sbr_dataset_free(j->train);
    sbr_dataset_free(j->test);
    for (size_t i = j->n_fitted; i < j->n_algos; i++) {
        if (j->loaded[i] != NULL)
            j->algos[i].algo->free(j->loaded[i]);
        sbr_vocab_fini(&j->vocabs[i]);
    }
    sbr_vocab_fini(&j->train_vocab);
    cli_free_specs(j->algos, j->n_algos);
}

/* The training vocabulary entry i was fitted on. */
static const sbr_vocab *vocab_of(const eval_job *j, size_t i)
{
    return i < j->n_fitted ? &j->train_vocab : &j->vocabs[i];
}

/* Checks every spec before any work, loads the models, then the sets. Returns -1 to go on,
 * else the exit status (the job is then released). */
static int open_eval_job(const char *cmd, const eval_args *a, eval_job *j)
{
    memset(j, 0, sizeof *j);
    int rc = cli_parse_specs(cmd, a->specs, a->n_specs, j->algos);
    if (rc != SBR_EXIT_OK)
        return rc;
    j->n_algos = j->n_fitted = a->n_specs;
    sbr_err err = {SBR_OK, ""};
    sbr_rc lrc = SBR_OK;
    for (size_t m = 0; m < a->n_models && lrc == SBR_OK; m++) {
        size_t i = j->n_algos++;
        double t0 = sbr_now_s();
        lrc = sbr_model_load(a->models[m], &j->algos[i], &j->vocabs[i], &j->loaded[i], &err);
        j->load_s[i] = sbr_now_s() - t0;
    }
    sbr_load_stats ls;
    if (lrc == SBR_OK && a->train != NULL &&
        (lrc = cli_load(a->train, &a->lo, false, &j->train, &ls, &err)) == SBR_OK)
        lrc = sbr_vocab_from_dataset(j->train, &j->train_vocab, &err);
    if (lrc == SBR_OK)
        lrc = cli_load(a->test, &a->lo, false, &j->test, &ls, &err);
    if (lrc != SBR_OK) {
        close_eval_job(j);
        return cli_fail(&err);
    }
    return -1;
}

/* Fits algorithm i on the training set (*fit_s: seconds) and evaluates it on the test set,
 * with progress on the terminal. On failure *model is NULL. */
static sbr_rc fit_and_evaluate(eval_job *j, size_t i, const sbr_eval_options *opt,
                               bool show_fitting, sbr_model **model, double *fit_s,
                               sbr_eval_result *res, sbr_err *err)
{
    const sbr_algo *a = j->algos[i].algo;
    cli_progress progress;
    cli_progress_start(&progress, a->name);
    if (show_fitting && isatty(2))
        fprintf(stderr, "\rfitting %s ...", a->name), progress.shown = true;
    double t0 = sbr_now_s();
    *model = NULL;
    sbr_rc rc = SBR_OK;
    if (i < j->n_fitted) {
        /* The test set goes along for a spec that selects its epoch on it (stamp:select=test,
         * which the spec, and so every row, states); every other fit ignores it. */
        sbr_fit_opts fo = {NULL, NULL, j->test, "test"};
        rc = sbr_algo_fit_with(a, j->algos[i].config, j->train, &fo, model, err);
        *fit_s = sbr_now_s() - t0;
    } else { /* loaded by open_eval_job: the model moves to the caller */
        *model = j->loaded[i];
        j->loaded[i] = NULL;
        *fit_s = j->load_s[i];
    }
    if (rc == SBR_OK) {
        sbr_eval_options eo = *opt;
        eo.progress = cli_progress_rows;
        eo.progress_user = &progress;
        rc = sbr_evaluate_vocab(*model, vocab_of(j, i), j->test, &eo, res, err);
        if (rc != SBR_OK) {
            a->free(*model);
            *model = NULL;
        }
    }
    cli_progress_end(&progress);
    return rc;
}

/* ---- sbr eval ----------------------------------------------------------------------------- */

/* The parent folder's name of a path: ".../rsc15-100k/train_full.tsv.gz" -> "rsc15-100k". */
static void parent_name(const char *path, char *out, size_t size)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
        snprintf(out, size, ".");
        return;
    }
    *slash = '\0';
    slash = strrchr(buf, '/');
    if (snprintf(out, size, "%s", slash ? slash + 1 : buf) >= (int)size)
        out[size - 1] = '\0'; /* a very long folder name is cut */
}

/* The rows of one evaluation: its cells, and the names they carry. */
typedef struct eval_rows {
    char (*cells)[CELL_BYTES]; /* n_algos x n_cutoffs rows of N_COLS cells */
    const sbr_run_info *ri;
    char (*fingerprints)[SBR_RSTORE_FINGERPRINT]; /* one per algorithm */
    uint32_t **ranks; /* --per-session: one per algorithm, n_ranks[i] of them, owned */
    size_t *n_ranks;
} eval_rows;

/* The fingerprint of algorithm i's inputs (eval/store.h): the train and test sets, the seed
 * and the unseen-item rule; for a loaded model, its training vocabulary instead of train. */
static void eval_fingerprint(const eval_args *a, const eval_job *j, size_t i, char *out)
{
    char settings[256];
    int n = snprintf(settings, sizeof settings, "eval;seed=%ld;unseen=%s", a->seed,
                     a->eo.keep_unseen ? "kept" : "removed");
    if (i >= j->n_fitted) {
        sbr_hash128 h;
        char hex[SBR_RSTORE_FINGERPRINT];
        sbr_hash128_init(&h);
        sbr_hash128_bytes(&h, j->vocabs[i].item_ids, j->vocabs[i].n_items * sizeof(uint64_t));
        sbr_hash128_bytes(&h, j->vocabs[i].clicks, j->vocabs[i].n_items * sizeof(uint64_t));
        sbr_hash128_hex(&h, hex);
        snprintf(settings + n, sizeof settings - (size_t)n, ";model-vocabulary=%s", hex);
    }
    sbr_rstore_fingerprint(i < j->n_fitted ? j->train : NULL, j->test, settings, out);
}

static void print_eval_header(void)
{
    printf("%-8s %-40s %6s %7s %7s %7s %7s %7s %8s %8s %9s %9s %9s\n", "algo", "params", "cutoff",
           "HR", "MRR", "NDCG", "Prec", "Cov", "fit s", "eval s", "p50 us", "p90 us", "p99.5 us");
}

/* Evaluates algorithm i: fits, evaluates, writes its lists (--recs), formats its rows and
 * prints them. Returns SBR_OK or the error in *err. */
static sbr_rc eval_one(const eval_args *a, eval_job *j, size_t i, eval_rows *rows, sbr_err *err)
{
    const sbr_algo *al = j->algos[i].algo;
    const sbr_eval_options *eo = &a->eo;
    char params[512];
    sbr_algo_format_params(al, j->algos[i].config, params, sizeof params);
    sbr_model *model;
    double fit_s;
    sbr_eval_result res;
    sbr_rc rc = fit_and_evaluate(j, i, eo, true, &model, &fit_s, &res, err);
    if (rc != SBR_OK)
        return rc;
    size_t model_bytes = al->model_bytes(model);
    if (a->recs != NULL) {
        char path[4096];
        sbr_lists_path(a->recs, al->name, params, j->n_algos > 1, path, sizeof path);
        rc = sbr_lists_write(path, vocab_of(j, i)->item_ids, j->test, &res, err);
    }
    for (size_t k = 0; k < eo->n_cutoffs && rc == SBR_OK; k++) {
        const sbr_eval_metrics *m = &res.at[k];
        size_t row = i * eo->n_cutoffs + k;
        sbr_metrics_row(rows->cells + row * N_COLS, CELL_BYTES, rows->ri, al->name, params,
                        eo->cutoffs[k], &res, m, fit_s, model_bytes);
        char shown[512];
        sbr_specs_short_params(al->name, params, ',', shown, sizeof shown);
        printf("%-8s %-40s %6zu %7.4f %7.4f %7.4f %7.4f %7.4f %8.3f %8.3f %9.1f %9.1f %9.1f\n",
               al->name, shown[0] ? shown : "(defaults)", eo->cutoffs[k], m->hr, m->mrr, m->ndcg,
               m->precision, m->coverage, fit_s, res.eval_s, res.latency_us[SBR_LAT_P50],
               res.latency_us[SBR_LAT_P90], res.latency_us[SBR_LAT_P995]);
    }
    fflush(stdout);
    if (rc == SBR_OK && i == 0)
        fprintf(stderr,
                "%zu predictions over %zu test sessions; removed %llu unseen test "
                "clicks and %llu short sessions\n",
                res.n_predictions, res.n_sessions, (unsigned long long)res.unseen_clicks_removed,
                (unsigned long long)res.short_sessions_dropped);
    if (eo->keep_ranks) { /* kept for the store: the rows are written after every algorithm */
        rows->ranks[i] = res.ranks;
        rows->n_ranks[i] = res.n_predictions;
        res.ranks = NULL;
    }
    sbr_eval_result_fini(&res);
    al->free(model);
    return rc;
}

/* Writes the rows to --out: into its store, one transaction per algorithm, then the CSV
 * exported from the store; to a device or FIFO directly. */
static sbr_rc append_rows(const eval_args *a, const eval_job *j, const eval_rows *rows,
                          sbr_err *err)
{
    size_t n_rows = j->n_algos * a->eo.n_cutoffs;
    const char **ptrs = calloc(n_rows * N_COLS, sizeof *ptrs);
    if (ptrs == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "eval: out of memory");
    for (size_t k = 0; k < n_rows * N_COLS; k++)
        ptrs[k] = rows->cells[k];
    struct stat sb;
    sbr_rc rc;
    if (stat(a->out, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        rc = sbr_csv_append(a->out, sbr_metrics_header, N_COLS, SBR_METRICS_KEY_COLS, ptrs, n_rows,
                            err);
        free(ptrs);
        return rc;
    }
    if (stat(a->out, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        free(ptrs);
        return sbr_err_set(err, SBR_EIO, "%s: is a folder, not a file", a->out);
    }
    char db[4096];
    sbr_rstore_path_for(a->out, db, sizeof db);
    sbr_rstore *st;
    rc = sbr_rstore_open(db, a->out, NULL, &st, err);
    for (size_t i = 0; i < j->n_algos && rc == SBR_OK; i++) {
        sbr_rstore_ranks ranks = {rows->ranks[i], rows->n_ranks[i]};
        sbr_rstore_job job = {ptrs + i * a->eo.n_cutoffs * N_COLS,
                              a->eo.n_cutoffs,
                              j->algos[i].algo->name,
                              rows->fingerprints[i],
                              a->eo.latency,
                              a->eo.keep_ranks ? &ranks : NULL};
        rc = sbr_rstore_put_job(st, &job, err);
    }
    if (rc == SBR_OK)
        rc = sbr_rstore_export_metrics(st, a->out, err);
    sbr_rstore_free(st);
    free(ptrs);
    return rc;
}

int sbr_cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_LOAD_LONG_OPTIONS,
                                             {"train", required_argument, NULL, OPT_TRAIN},
                                             {"test", required_argument, NULL, OPT_TEST},
                                             {"algo", required_argument, NULL, OPT_ALGO},
                                             {"model", required_argument, NULL, OPT_MODEL},
                                             {"cutoff", required_argument, NULL, OPT_CUTOFF},
                                             {"cutoffs", required_argument, NULL, OPT_CUTOFFS},
                                             {"threads", required_argument, NULL, OPT_THREADS},
                                             {"out", required_argument, NULL, OPT_OUT},
                                             {"recs", required_argument, NULL, OPT_RECS},
                                             {"dataset", required_argument, NULL, OPT_DATASET},
                                             {"split", required_argument, NULL, OPT_SPLIT},
                                             {"seed", required_argument, NULL, OPT_SEED},
                                             {"keep-unseen", no_argument, NULL, OPT_KEEP_UNSEEN},
                                             {"no-latency", no_argument, NULL, OPT_NO_LATENCY},
                                             {"per-session", no_argument, NULL, OPT_PER_SESSION},
                                             {"batch", required_argument, NULL, OPT_BATCH},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    eval_args a;
    eval_job j;
    eval_args_init(&a);
    int status = parse_eval_args("eval", eval_usage, longopts, argc, argv, &a);
    if (status < 0 && a.eo.keep_ranks && a.out == NULL)
        status = cli_usage_error("eval", "--per-session needs --out (the ranks go to its store)");
    if (status < 0)
        status = open_eval_job("eval", &a, &j);
    if (status >= 0)
        return status;
    char dataset[256], split[256];
    const char *named = a.train != NULL ? a.train : a.models[0];
    if (a.dataset == NULL)
        parent_name(named, dataset, sizeof dataset);
    if (a.split == NULL)
        cli_base_name(named, split, sizeof split);
    sbr_run_info ri = {a.dataset ? a.dataset : dataset, a.split ? a.split : split, (int)a.threads,
                       (unsigned long)a.seed, SBR_VERSION_STRING};
    a.eo.threads = (int)a.threads;
    a.eo.keep_lists = a.recs != NULL;
    size_t n_rows = j.n_algos * a.eo.n_cutoffs;
    eval_rows rows = {calloc(n_rows * N_COLS, CELL_BYTES), &ri,
                      calloc(j.n_algos, SBR_RSTORE_FINGERPRINT),
                      calloc(j.n_algos, sizeof(uint32_t *)), calloc(j.n_algos, sizeof(size_t))};
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = SBR_OK;
    if (rows.cells == NULL || rows.fingerprints == NULL || rows.ranks == NULL ||
        rows.n_ranks == NULL)
        rc = sbr_err_set(&err, SBR_ENOMEM, "eval: out of memory");
    for (size_t i = 0; i < j.n_algos && rc == SBR_OK; i++)
        eval_fingerprint(&a, &j, i, rows.fingerprints[i]);
    print_eval_header(); /* on stdout, the error on stderr: as before, whatever happens */
    for (size_t i = 0; i < j.n_algos && rc == SBR_OK; i++)
        rc = eval_one(&a, &j, i, &rows, &err);
    if (rc == SBR_OK && a.out != NULL)
        rc = append_rows(&a, &j, &rows, &err);
    status = rc == SBR_OK ? SBR_EXIT_OK : cli_fail(&err);
    for (size_t i = 0; rows.ranks != NULL && i < j.n_algos; i++)
        free(rows.ranks[i]);
    free(rows.ranks);
    free(rows.n_ranks);
    free(rows.fingerprints);
    free(rows.cells);
    close_eval_job(&j);
    return status;
}

static void print_bench_header(void)
{
    printf("%-8s %-40s %8s %8s %8s %8s %8s %9s %10s %8s %10s %8s %8s  %s\n", "algo", "params",
           "p50 us", "p90 us", "p95 us", "p99 us", "p99.5 us", "max us", "pred/s", "fit s", "model",
           "B/click", "vs first", "verify");
}

/* Benchmarks algorithm i and prints its line; *first_p90 is the first algorithm's p90. */
static sbr_rc bench_one(const eval_args *a, eval_job *j, size_t i, double *first_p90, sbr_err *err)
{
    const sbr_algo *al = j->algos[i].algo;
    sbr_model *model;
    double fit_s;
    sbr_eval_result r;
    sbr_rc rc = fit_and_evaluate(j, i, &a->eo, false, &model, &fit_s, &r, err);
    if (rc != SBR_OK)
        return rc;
    double per_s = r.latency_total_s > 0 ? (double)r.n_predictions / r.latency_total_s : 0;
    if (i == 0)
        *first_p90 = r.latency_us[SBR_LAT_P90];
    char params[512], bytes[32];
    sbr_algo_format_params(al, j->algos[i].config, params, sizeof params);
    size_t model_bytes = al->model_bytes(model);
    uint64_t train_clicks = 0;
    for (size_t k = 0; k < vocab_of(j, i)->n_items; k++)
        train_clicks += vocab_of(j, i)->clicks[k];
    char shown[512];
    sbr_specs_short_params(al->name, params, ',', shown, sizeof shown);
    printf("%-8s %-40s %8.2f %8.2f %8.2f %8.2f %8.2f %9.1f %10.0f %8.3f %10s %8.1f %7.2fx  "
           "%08lx\n",
           al->name, shown[0] ? shown : "(defaults)", r.latency_us[SBR_LAT_P50],
           r.latency_us[SBR_LAT_P90], r.latency_us[SBR_LAT_P95], r.latency_us[SBR_LAT_P99],
           r.latency_us[SBR_LAT_P995], r.latency_us[SBR_LAT_MAX], per_s, fit_s,
           sbr_fmt_bytes(bytes, sizeof bytes, model_bytes),
           (double)model_bytes / (double)(train_clicks > 0 ? train_clicks : 1),
           *first_p90 > 0 ? r.latency_us[SBR_LAT_P90] / *first_p90 : 1.0,
           sbr_lists_crc32(vocab_of(j, i)->item_ids, &r));
    fflush(stdout);
    sbr_eval_result_fini(&r);
    al->free(model);
    return SBR_OK;
}

int sbr_cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_LOAD_LONG_OPTIONS,
                                             {"train", required_argument, NULL, OPT_TRAIN},
                                             {"test", required_argument, NULL, OPT_TEST},
                                             {"algo", required_argument, NULL, OPT_ALGO},
                                             {"model", required_argument, NULL, OPT_MODEL},
                                             {"cutoff", required_argument, NULL, OPT_CUTOFF},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    for (int k = 1; k < argc; k++)
        if (strncmp(argv[k], "--scale", 7) == 0 && (argv[k][7] == '\0' || argv[k][7] == '='))
            return sbr_bench_scale(argc, argv);
    eval_args a;
    eval_job j;
    eval_args_init(&a);
    a.eo.keep_lists = true;
    int status = parse_eval_args("bench", bench_usage, longopts, argc, argv, &a);
    if (status < 0)
        status = open_eval_job("bench", &a, &j);
    if (status >= 0)
        return status;
    print_bench_header();
    double first_p90 = 0;
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = SBR_OK;
    for (size_t i = 0; i < j.n_algos && rc == SBR_OK; i++)
        rc = bench_one(&a, &j, i, &first_p90, &err);
    close_eval_job(&j);
    return rc == SBR_OK ? SBR_EXIT_OK : cli_fail(&err);
}
