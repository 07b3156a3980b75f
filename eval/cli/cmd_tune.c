/* `sbr tune`: hyperparameter search on a validation split. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "algorithms/algo.h"
#include "data/load.h"
#include "data/output.h"
#include "data/parse.h"
#include "data/split.h"
#include "eval/cli/cli.h"
#include "eval/harness.h"
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
    "gives the same trials for any --threads.\n"
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

enum { OBJ_MRR, OBJ_HR, OBJ_NDCG, OBJ_PRECISION, OBJ_RECALL, OBJ_COVERAGE };
static const char *const objectives[] = {"mrr",    "hr",       "ndcg", "precision",
                                         "recall", "coverage", NULL};

typedef struct tune_ctx {
    const sbr_algo *algo;
    char base[1024]; /* the fixed part of the spec */
    const sbr_space *sp;
    const sbr_dataset *fit, *valid;
    int objective;
    size_t cutoff;
} tune_ctx;

static double pick_metric(const sbr_eval_metrics *m, int objective)
{
    switch (objective) {
    case OBJ_HR:
        return m->hr;
    case OBJ_NDCG:
        return m->ndcg;
    case OBJ_PRECISION:
        return m->precision;
    case OBJ_RECALL:
        return m->recall;
    case OBJ_COVERAGE:
        return m->coverage;
    default:
        return m->mrr;
    }
}

/* The spec of point x: "vmis:fixed=1,m=500,k=100". */
static void spec_of(const tune_ctx *c, const double *x, char *buf, size_t size)
{
    char params[1024];
    sbr_space_format(c->sp, x, params, sizeof params);
    snprintf(buf, size, "%s%s%s", c->base, strchr(c->base, ':') ? "," : ":", params);
}

/* Fits `spec` on fit and scores it on eval_set; thread-safe (all state is local). */
static sbr_rc score(const tune_ctx *c, const char *spec, const sbr_dataset *fit,
                    const sbr_dataset *eval_set, double *value, sbr_eval_metrics *all, sbr_err *err)
{
    sbr_spec s = SBR_SPEC_EMPTY;
    sbr_rc rc = sbr_spec_parse(&s, spec, err);
    if (rc != SBR_OK)
        return rc;
    const sbr_algo *a = s.algo;
    sbr_model *model = NULL;
    rc = sbr_algo_fit(a, s.config, fit, &model, err);
    sbr_spec_fini(&s);
    if (rc != SBR_OK)
        return rc;
    sbr_eval_options eo;
    sbr_eval_options_init(&eo);
    eo.cutoffs[0] = c->cutoff;
    eo.threads = 1; /* trials are the parallel unit */
    eo.latency = false;
    sbr_eval_result res;
    rc = sbr_evaluate(model, fit, eval_set, &eo, &res, err);
    a->free(model);
    if (rc != SBR_OK)
        return rc;
    *value = pick_metric(&res.at[0], c->objective);
    if (all != NULL)
        *all = res.at[0];
    sbr_eval_result_fini(&res);
    return SBR_OK;
}

static sbr_rc objective(void *user, const double *x, double *value, sbr_err *err)
{
    const tune_ctx *c = user;
    char spec[2048];
    spec_of(c, x, spec, sizeof spec);
    return score(c, spec, c->fit, c->valid, value, NULL, err);
}

/* Whether point x passes the algorithm's parameter rules (sbr_algo_check), so that the tuner
 * never proposes, say, vmis with k > m. */
static bool feasible(void *user, const double *x)
{
    const tune_ctx *c = user;
    char spec[2048];
    spec_of(c, x, spec, sizeof spec);
    sbr_spec s = SBR_SPEC_EMPTY;
    bool ok = sbr_spec_parse(&s, spec, NULL) == SBR_OK;
    sbr_spec_fini(&s);
    return ok;
}

static sbr_rc load(const char *path, sbr_dataset **ds, sbr_err *err)
{
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_load_stats st;
    return sbr_load_sessions(path, &lo, ds, &st, err);
}

int sbr_cmd_tune(int argc, char **argv)
{
    enum {
        OPT_TRAIN = CLI_OPT_FIRST_FREE,
        OPT_VALID,
        OPT_VALID_DAYS,
        OPT_TEST,
        OPT_TRAIN_FULL,
        OPT_ALGO,
        OPT_SPACE,
        OPT_METHOD,
        OPT_TRIALS,
        OPT_OBJECTIVE,
        OPT_SEED,
        OPT_THREADS,
        OPT_OUT
    };
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
    const char *train_path = NULL, *valid_path = NULL, *test_path = NULL, *full_path = NULL;
    const char *algo_spec = NULL, *space_text = NULL, *out = NULL;
    double valid_days = 0;
    long trials = 50, seed = 1, threads = 2;
    sbr_tune_options to;
    sbr_tune_options_init(&to);
    tune_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.cutoff = 20;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(tune_usage, stdout);
            return SBR_EXIT_OK;
        case OPT_TRAIN:
            train_path = optarg;
            break;
        case OPT_VALID:
            valid_path = optarg;
            break;
        case OPT_VALID_DAYS:
            rc = cli_number("tune", "valid-days", optarg, 1e-6, 1e6, &valid_days);
            break;
        case OPT_TEST:
            test_path = optarg;
            break;
        case OPT_TRAIN_FULL:
            full_path = optarg;
            break;
        case OPT_ALGO:
            algo_spec = optarg;
            break;
        case OPT_SPACE:
            space_text = optarg;
            break;
        case OPT_METHOD:
            if (strcmp(optarg, "tpe") == 0)
                to.method = SBR_TUNE_TPE;
            else if (strcmp(optarg, "random") == 0)
                to.method = SBR_TUNE_RANDOM;
            else if (strcmp(optarg, "grid") == 0)
                to.method = SBR_TUNE_GRID;
            else
                return cli_usage_error("tune", "--method '%s': use tpe, random or grid", optarg);
            break;
        case OPT_TRIALS:
            rc = cli_count("tune", "trials", optarg, 1, 100000, &trials);
            break;
        case OPT_OBJECTIVE: {
            const char *at = strchr(optarg, '@');
            long cut = 20;
            int k = 0;
            while (objectives[k] != NULL &&
                   (at == NULL || strncmp(optarg, objectives[k], (size_t)(at - optarg)) != 0 ||
                    strlen(objectives[k]) != (size_t)(at - optarg)))
                k++;
            if (at == NULL || objectives[k] == NULL ||
                sbr_parse_long(at + 1, 1, 100000, &cut) != NULL)
                return cli_usage_error("tune",
                                       "--objective '%s': use METRIC@N with METRIC one of mrr, "
                                       "hr, ndcg, precision, recall, coverage",
                                       optarg);
            ctx.objective = k;
            ctx.cutoff = (size_t)cut;
            break;
        }
        case OPT_SEED:
            rc = cli_count("tune", "seed", optarg, 0, 2147483647L, &seed);
            break;
        case OPT_THREADS:
            rc = cli_count("tune", "threads", optarg, 1, 1024, &threads);
            break;
        case OPT_OUT:
            out = optarg;
            break;
        default:
            return cli_usage_error("tune", "unrecognised option");
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("tune", "unexpected argument '%s'", argv[optind]);
    if (train_path == NULL || algo_spec == NULL || out == NULL ||
        (valid_path == NULL) == (valid_days <= 0))
        return cli_usage_error("tune", "--train, --algo, --out and one of --valid or "
                                       "--valid-days are required");
    to.seed = (uint64_t)seed;
    sbr_err err = {SBR_OK, ""};
    sbr_spec base = SBR_SPEC_EMPTY;
    if (sbr_spec_parse(&base, algo_spec, &err) != SBR_OK)
        return cli_usage_error("tune", "%s", err.msg);
    ctx.algo = base.algo;
    sbr_spec_fini(&base);
    snprintf(ctx.base, sizeof ctx.base, "%s", algo_spec);
    char space_buf[4096];
    if (space_text == NULL) {
        space_text = sbr_space_default(ctx.algo->name);
        if (space_text == NULL)
            return cli_usage_error("tune", "no default space for %s: give --space", ctx.algo->name);
    } else if (space_text[0] == '@') {
        FILE *f = fopen(space_text + 1, "r");
        size_t n = f ? fread(space_buf, 1, sizeof space_buf - 1, f) : 0;
        if (f == NULL)
            return cli_usage_error("tune", "--space %s: cannot read", space_text);
        fclose(f);
        space_buf[n] = '\0';
        space_text = space_buf;
    }
    sbr_space sp;
    if (sbr_space_parse(space_text, &sp, &err) != SBR_OK)
        return cli_usage_error("tune", "%s", err.msg);
    ctx.sp = &sp;
    /* Every parameter of the space must exist: try the first grid point now, not at trial 7. */
    {
        double x[SBR_SPACE_MAX_DIMS];
        for (size_t d = 0; d < sp.n; d++)
            x[d] = sp.dims[d].kind == SBR_DIM_CHOICE ? 0 : sp.dims[d].lo;
        char spec[2048];
        spec_of(&ctx, x, spec, sizeof spec);
        sbr_spec probe = SBR_SPEC_EMPTY;
        if (sbr_spec_parse(&probe, spec, &err) != SBR_OK)
            return cli_usage_error("tune", "the space does not fit %s: %s", ctx.algo->name,
                                   err.msg);
        sbr_spec_fini(&probe);
    }

    sbr_dataset *train = NULL, *valid = NULL, *test = NULL, *full = NULL;
    sbr_split vs;
    memset(&vs, 0, sizeof vs);
    sbr_rc src = load(train_path, &train, &err);
    if (src == SBR_OK && valid_path != NULL) {
        src = load(valid_path, &valid, &err);
        ctx.fit = train;
        ctx.valid = valid;
    } else if (src == SBR_OK) {
        src = sbr_split_last_days(train, valid_days, &vs, &err);
        ctx.fit = vs.train;
        ctx.valid = vs.test;
    }
    if (src == SBR_OK && test_path != NULL)
        src = load(test_path, &test, &err);
    if (src == SBR_OK && full_path != NULL)
        src = load(full_path, &full, &err);
    if (src != SBR_OK) {
        sbr_dataset_free(train);
        sbr_dataset_free(valid);
        sbr_split_fini(&vs);
        return cli_fail(&err);
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "sbr: %s: cannot create: %s\n", out, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    static const char *const method_names[] = {"random", "grid", "tpe"};
    sbr_trial *tr = calloc((size_t)trials, sizeof *tr);
    int status = SBR_EXIT_OK;
    if (tr == NULL)
        return SBR_EXIT_RUNTIME;
    double t0 = sbr_now_s();
    to.feasible = feasible;
    to.feasible_user = &ctx;
    src = sbr_tune_run(&sp, &to, (size_t)trials, 8, (int)threads, objective, &ctx, tr, &err);
    double elapsed = sbr_now_s() - t0;
    size_t best = 0;
    char path[4096], spec[2048], params[1024];
    if (src == SBR_OK) {
        /* trials.csv */
        snprintf(path, sizeof path, "%s/trials.csv", out);
        sbr_out *o;
        src = sbr_out_open(path, &o, &err);
        if (src == SBR_OK) {
            sbr_out_printf(o, "trial,method,seed,params,objective,best_so_far,seconds\n");
            double best_value = -INFINITY;
            for (size_t i = 0; i < (size_t)trials; i++) {
                if (tr[i].value > tr[best].value)
                    best = i;
                best_value = fmax(best_value, tr[i].value);
                sbr_space_format(&sp, tr[i].x, params, sizeof params);
                for (char *p = params; *p; p++)
                    if (*p == ',')
                        *p = ';';
                sbr_out_printf(o, "%zu,%s,%ld,%s,%.10g,%.10g,%.3f\n", i, method_names[to.method],
                               seed, params, tr[i].value, best_value, tr[i].seconds);
            }
            src = sbr_out_commit(o, &err);
        }
    }
    if (src == SBR_OK) {
        spec_of(&ctx, tr[best].x, spec, sizeof spec);
        printf("%s %s, %ld trials, seed %ld, %.1f s: best validation %s@%zu = %.4f at trial %zu\n"
               "  best: %s\n",
               ctx.algo->name, method_names[to.method], trials, seed, elapsed,
               objectives[ctx.objective], ctx.cutoff, tr[best].value, best, spec);
        /* best.ini: the winner as an experiment */
        snprintf(path, sizeof path, "%s/best.ini", out);
        sbr_out *o;
        src = sbr_out_open(path, &o, &err);
        if (src == SBR_OK) {
            sbr_out_printf(o,
                           "# written by sbr tune (%s, %ld trials, seed %ld): validation "
                           "%s@%zu %.6f\n[run]\noutput = %s/best\ncutoffs = %zu\n\n"
                           "[dataset tuned]\ntrain = %s\ntest = %s\n\n[algo best]\n"
                           "spec = %s\n",
                           method_names[to.method], trials, seed, objectives[ctx.objective],
                           ctx.cutoff, tr[best].value, out, ctx.cutoff,
                           full_path ? full_path : train_path,
                           test_path ? test_path : (valid_path ? valid_path : train_path), spec);
            src = sbr_out_commit(o, &err);
        }
    }
    if (src == SBR_OK && test != NULL) {
        double value;
        sbr_eval_metrics m;
        src = score(&ctx, spec, full ? full : train, test, &value, &m, &err);
        if (src == SBR_OK)
            printf("  test (refitted on %s): %s@%zu = %.4f  (MRR %.4f, HR %.4f)\n",
                   full_path ? full_path : train_path, objectives[ctx.objective], ctx.cutoff, value,
                   m.mrr, m.hr);
    }
    if (src != SBR_OK)
        status = cli_fail(&err);
    else
        printf("  wrote %s/trials.csv and %s/best.ini\n", out, out);
    free(tr);
    sbr_dataset_free(train);
    sbr_dataset_free(valid);
    sbr_dataset_free(test);
    sbr_dataset_free(full);
    sbr_split_fini(&vs);
    return status;
}
