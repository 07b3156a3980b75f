/* The evaluation commands: `sbr algos` and `sbr eval`. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "algorithms/algo.h"
#include "data/output.h"
#include "data/parse.h"
#include "eval/cli/cli.h"
#include "eval/harness.h"
#include "eval/report.h"
#include "eval/results.h"

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
        printf("%s — %s\n", a->name, a->help);
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
    "  --cutoff N         one cutoff (default 20)\n"
    "  --cutoffs LIST     several, e.g. 1,5,10,20; lists have the largest length\n"
    "  --threads N        OpenMP threads for the metric pass (default: all cores)\n"
    "  --out FILE         append one row per algorithm and cutoff to this CSV, atomically;\n"
    "                     a row with the same dataset, split, algorithm, params and cutoff\n"
    "                     is replaced, never duplicated\n"
    "  --recs FILE        write every list as session-rec does: SessionId;Position;\n"
    "                     Recommendations;Scores (one file per run; with several --algo,\n"
    "                     FILE gets the algorithm's name before its extension)\n"
    "  --dataset NAME     the dataset column (default: the train file's folder name)\n"
    "  --split NAME       the split column (default: the train file's name)\n"
    "  --seed S           recorded in the CSV and used by randomised algorithms (default 1)\n"
    "  --keep-unseen      count unseen test items as misses instead of removing them\n"
    "  --no-latency       skip the timed single-threaded pass (latency columns are 0)\n"
    "  -h, --help         this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr eval --train $SBR_DATA/rsc15-100k/train_full.tsv.gz \\\n"
    "           --test $SBR_DATA/rsc15-100k/test.tsv.gz --algo ar --algo sr:steps=10 \\\n"
    "           --algo markov --out results/metrics.csv\n";

enum { N_COLS = SBR_METRICS_COLS, CELL_BYTES = SBR_METRICS_CELL };

static sbr_rc write_recs(const char *path, const sbr_dataset *train, const sbr_dataset *test,
                         const sbr_eval_result *r, sbr_err *err)
{
    sbr_out *o;
    sbr_rc rc = sbr_out_open(path, &o, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out_printf(o, "SessionId;Position;Recommendations;Scores\n");
    char num[40];
    for (size_t p = 0; p < r->n_predictions; p++) {
        const sbr_eval_list *l = &r->lists[p];
        const sbr_scored *items = r->list_items + p * r->max_cutoff;
        sbr_out_printf(o, "%llu;%zu;", (unsigned long long)test->session_ids[l->session],
                       l->position);
        for (size_t i = 0; i < l->len; i++)
            sbr_out_printf(o, "%s%llu", i ? "," : "",
                           (unsigned long long)train->item_ids[items[i].item]);
        sbr_out_printf(o, ";");
        for (size_t i = 0; i < l->len; i++)
            sbr_out_printf(o, "%s%s", i ? "," : "",
                           sbr_format_double(num, sizeof num, items[i].score));
        sbr_out_printf(o, "\n");
    }
    return sbr_out_commit(o, err);
}

/* "dir/recs.csv" + "ar" -> "dir/recs.ar.csv" when several algorithms share one --recs. */
static void recs_path(const char *base, const char *algo, bool several, char *out, size_t size)
{
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(base, '.');
    if (!several)
        snprintf(out, size, "%s", base);
    else if (dot != NULL && (slash == NULL || dot > slash))
        snprintf(out, size, "%.*s.%s%s", (int)(dot - base), base, algo, dot);
    else
        snprintf(out, size, "%s.%s", base, algo);
}

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

static int parse_cutoffs(const char *arg, sbr_eval_options *eo)
{
    char buf[256];
    if (strlen(arg) >= sizeof buf)
        return cli_usage_error("eval", "--cutoffs '%s' is too long", arg);
    strcpy(buf, arg);
    eo->n_cutoffs = 0;
    for (char *p = buf; p != NULL;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma++ = '\0';
        long v;
        if (eo->n_cutoffs == SBR_MAX_CUTOFFS || sbr_parse_long(p, 1, 100000, &v) != NULL ||
            (eo->n_cutoffs > 0 && (size_t)v <= eo->cutoffs[eo->n_cutoffs - 1]))
            return cli_usage_error("eval",
                                   "--cutoffs '%s': give up to %d ascending integers from 1, "
                                   "e.g. 1,5,10,20",
                                   arg, SBR_MAX_CUTOFFS);
        eo->cutoffs[eo->n_cutoffs++] = (size_t)v;
        p = comma;
    }
    return SBR_EXIT_OK;
}

enum { MAX_ALGOS = 64 };

int sbr_cmd_eval(int argc, char **argv)
{
    enum {
        OPT_TRAIN = CLI_OPT_FIRST_FREE,
        OPT_TEST,
        OPT_ALGO,
        OPT_CUTOFF,
        OPT_CUTOFFS,
        OPT_THREADS,
        OPT_OUT,
        OPT_RECS,
        OPT_DATASET,
        OPT_SPLIT,
        OPT_SEED,
        OPT_KEEP_UNSEEN,
        OPT_NO_LATENCY
    };
    static const struct option longopts[] = {CLI_LOAD_LONG_OPTIONS,
                                             {"train", required_argument, NULL, OPT_TRAIN},
                                             {"test", required_argument, NULL, OPT_TEST},
                                             {"algo", required_argument, NULL, OPT_ALGO},
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
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *train_path = NULL, *test_path = NULL, *out_path = NULL, *recs = NULL;
    const char *dataset = NULL, *split = NULL;
    const char *specs[MAX_ALGOS];
    size_t n_specs = 0;
    long threads = omp_get_num_procs(), seed = 1, v;
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(eval_usage, stdout);
            return SBR_EXIT_OK;
        case OPT_TRAIN:
            train_path = optarg;
            break;
        case OPT_TEST:
            test_path = optarg;
            break;
        case OPT_ALGO:
            if (n_specs == MAX_ALGOS)
                return cli_usage_error("eval", "at most %d --algo", MAX_ALGOS);
            specs[n_specs++] = optarg;
            break;
        case OPT_CUTOFF:
            if ((rc = cli_count("eval", "cutoff", optarg, 1, 100000, &v)) == 0) {
                eo.cutoffs[0] = (size_t)v;
                eo.n_cutoffs = 1;
            }
            break;
        case OPT_CUTOFFS:
            rc = parse_cutoffs(optarg, &eo);
            break;
        case OPT_THREADS:
            rc = cli_count("eval", "threads", optarg, 1, 1024, &threads);
            break;
        case OPT_OUT:
            out_path = optarg;
            break;
        case OPT_RECS:
            recs = optarg;
            break;
        case OPT_DATASET:
            dataset = optarg;
            break;
        case OPT_SPLIT:
            split = optarg;
            break;
        case OPT_SEED:
            rc = cli_count("eval", "seed", optarg, 0, 2147483647L, &seed);
            break;
        case OPT_KEEP_UNSEEN:
            eo.keep_unseen = true;
            break;
        case OPT_NO_LATENCY:
            eo.latency = false;
            break;
        default:
            if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
                rc = cli_load_option("eval", c, optarg, &lo);
                break;
            }
            return cli_usage_error("eval", "unrecognised option");
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    if (train_path == NULL || test_path == NULL || n_specs == 0)
        return cli_usage_error("eval", "--train, --test and at least one --algo are required");

    /* Check every spec before any work. */
    sbr_spec algos[MAX_ALGOS] = {SBR_SPEC_EMPTY};
    sbr_err err = {SBR_OK, ""};
    if ((rc = cli_parse_specs("eval", specs, n_specs, algos)) != SBR_EXIT_OK)
        return rc;

    char dataset_buf[256], split_buf[256];
    if (dataset == NULL) {
        parent_name(train_path, dataset_buf, sizeof dataset_buf);
        dataset = dataset_buf;
    }
    if (split == NULL) {
        cli_base_name(train_path, split_buf, sizeof split_buf);
        split = split_buf;
    }
    sbr_run_info ri = {dataset, split, (int)threads, (unsigned long)seed, SBR_VERSION_STRING};
    eo.threads = (int)threads;
    eo.keep_lists = recs != NULL;

    sbr_dataset *train = NULL, *test = NULL;
    sbr_load_stats ls;
    if (cli_load(train_path, &lo, false, &train, &ls, &err) != SBR_OK ||
        cli_load(test_path, &lo, false, &test, &ls, &err) != SBR_OK) {
        sbr_dataset_free(train);
        cli_free_specs(algos, n_specs);
        return cli_fail(&err);
    }

    size_t n_rows = n_specs * eo.n_cutoffs;
    char(*cells)[CELL_BYTES] = calloc(n_rows * N_COLS, CELL_BYTES);
    const char **cell_ptrs = calloc(n_rows * N_COLS, sizeof *cell_ptrs);
    int status = SBR_EXIT_OK;
    if (cells == NULL || cell_ptrs == NULL) {
        sbr_err_set(&err, SBR_ENOMEM, "eval: out of memory");
        status = cli_fail(&err);
    }
    printf("%-8s %-40s %6s %7s %7s %7s %7s %7s %8s %8s %9s %9s %9s\n", "algo", "params", "cutoff",
           "HR", "MRR", "NDCG", "Prec", "Cov", "fit s", "eval s", "p50 us", "p90 us", "p99.5 us");
    for (size_t i = 0; i < n_specs && status == SBR_EXIT_OK; i++) {
        const sbr_algo *a = algos[i].algo;
        char params[512];
        sbr_algo_format_params(a, algos[i].config, params, sizeof params);
        cli_progress progress;
        cli_progress_start(&progress, a->name);
        if (isatty(2))
            fprintf(stderr, "\rfitting %s ...", a->name), progress.shown = true;
        double t0 = sbr_now_s();
        sbr_model *model = NULL;
        if (sbr_algo_fit(a, algos[i].config, train, &model, &err) != SBR_OK) {
            cli_progress_end(&progress);
            status = cli_fail(&err);
            break;
        }
        double fit_s = sbr_now_s() - t0;
        size_t model_bytes = a->model_bytes(model);
        eo.progress = cli_progress_rows;
        eo.progress_user = &progress;
        sbr_eval_result res;
        sbr_rc erc = sbr_evaluate(model, train, test, &eo, &res, &err);
        cli_progress_end(&progress);
        if (erc == SBR_OK && recs != NULL) {
            char path[4096];
            recs_path(recs, a->name, n_specs > 1, path, sizeof path);
            erc = write_recs(path, train, test, &res, &err);
        }
        if (erc != SBR_OK) {
            a->free(model);
            status = cli_fail(&err);
            break;
        }
        for (size_t k = 0; k < eo.n_cutoffs; k++) {
            const sbr_eval_metrics *m = &res.at[k];
            size_t row = i * eo.n_cutoffs + k;
            sbr_metrics_row(cells + row * N_COLS, CELL_BYTES, &ri, a->name, params, eo.cutoffs[k],
                            &res, m, fit_s, model_bytes);
            printf("%-8s %-40.40s %6zu %7.4f %7.4f %7.4f %7.4f %7.4f %8.3f %8.3f %9.1f %9.1f "
                   "%9.1f\n",
                   a->name, params, eo.cutoffs[k], m->hr, m->mrr, m->ndcg, m->precision,
                   m->coverage, fit_s, res.eval_s, res.latency_us[SBR_LAT_P50],
                   res.latency_us[SBR_LAT_P90], res.latency_us[SBR_LAT_P995]);
        }
        fflush(stdout);
        if (i == 0)
            fprintf(stderr,
                    "%zu predictions over %zu test sessions; removed %llu unseen test "
                    "clicks and %llu short sessions\n",
                    res.n_predictions, res.n_sessions,
                    (unsigned long long)res.unseen_clicks_removed,
                    (unsigned long long)res.short_sessions_dropped);
        sbr_eval_result_fini(&res);
        a->free(model);
    }
    if (status == SBR_EXIT_OK && out_path != NULL) {
        for (size_t k = 0; k < n_rows * N_COLS; k++)
            cell_ptrs[k] = cells[k];
        if (sbr_csv_append(out_path, sbr_metrics_header, N_COLS, SBR_METRICS_KEY_COLS, cell_ptrs,
                           n_rows, &err) != SBR_OK)
            status = cli_fail(&err);
    }
    free(cells);
    free(cell_ptrs);
    sbr_dataset_free(train);
    sbr_dataset_free(test);
    cli_free_specs(algos, n_specs);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* sbr bench                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static const char bench_usage[] =
    "Usage: sbr bench --train FILE --test FILE --algo SPEC [--algo SPEC ...] [options]\n"
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
    "  --cutoff N         list length (default 20)\n"
    "  -h, --help         this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr bench --train $SBR_DATA/retailrocket/train.tsv.gz \\\n"
    "            --test $SBR_DATA/retailrocket/test.tsv.gz --algo ar --algo sr\n";

/* CRC-32 of every list in evaluation order: item ids and scores as printed. */
static unsigned long verify_hash(const sbr_dataset *train, const sbr_eval_result *r)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    char buf[64];
    for (size_t p = 0; p < r->n_predictions; p++) {
        const sbr_scored *items = r->list_items + p * r->max_cutoff;
        for (size_t i = 0; i < r->lists[p].len; i++) {
            int n = snprintf(buf, sizeof buf,
                             "%llu:", (unsigned long long)train->item_ids[items[i].item]);
            crc = crc32(crc, (const Bytef *)buf, (uInt)n);
            sbr_format_double(buf, sizeof buf, items[i].score);
            crc = crc32(crc, (const Bytef *)buf, (uInt)strlen(buf));
        }
        crc = crc32(crc, (const Bytef *)"\n", 1);
    }
    return (unsigned long)crc;
}

int sbr_cmd_bench(int argc, char **argv)
{
    enum { OPT_TRAIN = CLI_OPT_FIRST_FREE, OPT_TEST, OPT_ALGO, OPT_CUTOFF };
    static const struct option longopts[] = {CLI_LOAD_LONG_OPTIONS,
                                             {"train", required_argument, NULL, OPT_TRAIN},
                                             {"test", required_argument, NULL, OPT_TEST},
                                             {"algo", required_argument, NULL, OPT_ALGO},
                                             {"cutoff", required_argument, NULL, OPT_CUTOFF},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *train_path = NULL, *test_path = NULL, *specs[MAX_ALGOS];
    size_t n_specs = 0;
    long v;
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    eo.keep_lists = true;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(bench_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_TRAIN) {
            train_path = optarg;
        } else if (c == OPT_TEST) {
            test_path = optarg;
        } else if (c == OPT_ALGO) {
            if (n_specs == MAX_ALGOS)
                return cli_usage_error("bench", "at most %d --algo", MAX_ALGOS);
            specs[n_specs++] = optarg;
        } else if (c == OPT_CUTOFF) {
            if ((rc = cli_count("bench", "cutoff", optarg, 1, 100000, &v)) != 0)
                return rc;
            eo.cutoffs[0] = (size_t)v;
        } else if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
            if ((rc = cli_load_option("bench", c, optarg, &lo)) != 0)
                return rc;
        } else {
            return cli_usage_error("bench", "unrecognised option");
        }
    }
    if (optind < argc)
        return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    if (train_path == NULL || test_path == NULL || n_specs == 0)
        return cli_usage_error("bench", "--train, --test and at least one --algo are required");
    sbr_spec algos[MAX_ALGOS] = {SBR_SPEC_EMPTY};
    sbr_err err = {SBR_OK, ""};
    if ((rc = cli_parse_specs("bench", specs, n_specs, algos)) != SBR_EXIT_OK)
        return rc;
    sbr_dataset *train = NULL, *test = NULL;
    sbr_load_stats ls;
    if (cli_load(train_path, &lo, false, &train, &ls, &err) != SBR_OK ||
        cli_load(test_path, &lo, false, &test, &ls, &err) != SBR_OK) {
        sbr_dataset_free(train);
        cli_free_specs(algos, n_specs);
        return cli_fail(&err);
    }
    printf("%-8s %-40s %8s %8s %8s %8s %8s %9s %10s %8s %10s %8s %8s  %s\n", "algo", "params",
           "p50 us", "p90 us", "p95 us", "p99 us", "p99.5 us", "max us", "pred/s", "fit s", "model",
           "B/click", "vs first", "verify");
    double first_p90 = 0;
    int status = SBR_EXIT_OK;
    for (size_t i = 0; i < n_specs && status == SBR_EXIT_OK; i++) {
        const sbr_algo *a = algos[i].algo;
        double t0 = sbr_now_s();
        sbr_model *model = NULL;
        if (sbr_algo_fit(a, algos[i].config, train, &model, &err) != SBR_OK) {
            status = cli_fail(&err);
            break;
        }
        double fit_s = sbr_now_s() - t0;
        sbr_eval_result r;
        cli_progress progress;
        cli_progress_start(&progress, a->name);
        eo.progress = cli_progress_rows;
        eo.progress_user = &progress;
        sbr_rc erc = sbr_evaluate(model, train, test, &eo, &r, &err);
        cli_progress_end(&progress);
        if (erc != SBR_OK) {
            a->free(model);
            status = cli_fail(&err);
            break;
        }
        double per_s = r.latency_total_s > 0 ? (double)r.n_predictions / r.latency_total_s : 0;
        if (i == 0)
            first_p90 = r.latency_us[SBR_LAT_P90];
        char params[512], bytes[32];
        sbr_algo_format_params(a, algos[i].config, params, sizeof params);
        size_t model_bytes = a->model_bytes(model);
        printf("%-8s %-40.40s %8.2f %8.2f %8.2f %8.2f %8.2f %9.1f %10.0f %8.3f %10s %8.1f %7.2fx  "
               "%08lx\n",
               a->name, params, r.latency_us[SBR_LAT_P50], r.latency_us[SBR_LAT_P90],
               r.latency_us[SBR_LAT_P95], r.latency_us[SBR_LAT_P99], r.latency_us[SBR_LAT_P995],
               r.latency_us[SBR_LAT_MAX], per_s, fit_s,
               sbr_fmt_bytes(bytes, sizeof bytes, model_bytes),
               (double)model_bytes / (double)train->n_clicks,
               first_p90 > 0 ? r.latency_us[SBR_LAT_P90] / first_p90 : 1.0, verify_hash(train, &r));
        fflush(stdout);
        sbr_eval_result_fini(&r);
        a->free(model);
    }
    sbr_dataset_free(train);
    sbr_dataset_free(test);
    cli_free_specs(algos, n_specs);
    return status;
}
