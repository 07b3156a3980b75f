/* `sbr report`: summaries and paper tables from results files. No number in a table is typed
 * by hand: every value comes from metrics.csv, datasets.csv or the published-values file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "eval/cli/cli.h"
#include "eval/compare.h"
#include "eval/plotdata.h"
#include "eval/store.h"
#include "eval/summary.h"
#include "eval/tables.h"

static const char report_usage[] =
    "Usage: sbr report --metrics FILE --out DIR [--datasets FILE] [--published FILE]\n"
    "                  [--tuned FILE] [--cutoff N]\n"
    "\n"
    "Summarises a results file over its splits (slices) and writes, for figures and papers:\n"
    "  DIR/summary.csv                 per (dataset, algorithm, params, cutoff): the number of\n"
    "                                  splits, mean/min/max MRR and HR, mean of the other\n"
    "                                  metrics, latency percentiles, fit time, model bytes\n"
    "  DIR/tables/accuracy.{md,tex}    MRR@N and HR@N per algorithm and dataset (means, ±sd\n"
    "                                  over splits); each dataset's best in bold and, when\n"
    "                                  the results store beside FILE (metrics.db) holds\n"
    "                                  per-session ranks ('sbr run --per-session'), a dagger\n"
    "                                  on those not significantly worse than the best\n"
    "  DIR/significance.csv            each configuration against its dataset's best: paired\n"
    "                                  Wilcoxon signed-rank and t-test p-values on the\n"
    "                                  per-prediction reciprocal ranks, raw and Holm-corrected\n"
    "  DIR/tables/neural.{md,tex}      neighbours vs neural, when learned models ran: per\n"
    "                                  dataset the best kNN method and each learned model\n"
    "                                  (HR, MRR, fit s, p90 µs), with its MRR difference and\n"
    "                                  Holm-corrected paired Wilcoxon p against that kNN\n"
    "  DIR/tables/latency.{md,tex}     p50/p90/p99.5 latency, fit time and model size\n"
    "  DIR/tables/datasets.{md,tex}    sessions, clicks, items, days per split (--datasets)\n"
    "  DIR/plots/*.dat, meta.gp        the data the figures read (plots/make.sh DIR): accuracy\n"
    "                                  per dataset, accuracy against latency with the Pareto\n"
    "                                  front, coverage, popularity, heat-map grids, MRR@k and\n"
    "                                  HR@k for k = 1..20 from the stored ranks, latency by\n"
    "                                  session length, fit time, model size and throughput\n"
    "                                  (eval/plotdata.h)\n"
    "  DIR/tables/reproduction.{md,tex} our values beside published ones (--published)\n"
    "  DIR/tables/tuned.{md,tex}       per dataset and tuned algorithm: the winner's\n"
    "                                  non-default parameters, validation MRR, and test MRR\n"
    "                                  as configured and tuned (--tuned: the tuned.csv of\n"
    "                                  'sbr run' with a [tune] section)\n"
    "Rows are the [algo] labels of the results (their label column); a label with several\n"
    "configurations on one dataset (a grid) shows its non-default parameters too.\n"
    "The published-values file has the columns dataset,algorithm,params,cutoff,metric,value,\n"
    "source; its params (key=value;...) must all appear in a result's params to match.\n"
    "\n"
    "  --cutoff N    the cutoff the tables show (default 20)\n"
    "  --alpha A     the significance level (default 0.05)\n"
    "  -h, --help    this help\n";

typedef struct report_options {
    const char *metrics, *out, *datasets, *published, *tuned;
    long cutoff;
    double alpha;
} report_options;

/* Parses the options into *o. Returns -1 to go on, else the exit status (help, usage). */
static int parse_report_options(int argc, char **argv, report_options *o)
{
    enum {
        OPT_METRICS = CLI_OPT_FIRST_FREE,
        OPT_OUT,
        OPT_DATASETS,
        OPT_PUBLISHED,
        OPT_CUTOFF,
        OPT_ALPHA,
        OPT_TUNED
    };
    static const struct option longopts[] = {{"metrics", required_argument, NULL, OPT_METRICS},
                                             {"out", required_argument, NULL, OPT_OUT},
                                             {"datasets", required_argument, NULL, OPT_DATASETS},
                                             {"published", required_argument, NULL, OPT_PUBLISHED},
                                             {"cutoff", required_argument, NULL, OPT_CUTOFF},
                                             {"alpha", required_argument, NULL, OPT_ALPHA},
                                             {"tuned", required_argument, NULL, OPT_TUNED},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    *o = (report_options){NULL, NULL, NULL, NULL, NULL, 20, 0.05};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(report_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_METRICS) {
            o->metrics = optarg;
        } else if (c == OPT_OUT) {
            o->out = optarg;
        } else if (c == OPT_TUNED) {
            o->tuned = optarg;
        } else if (c == OPT_DATASETS) {
            o->datasets = optarg;
        } else if (c == OPT_PUBLISHED) {
            o->published = optarg;
        } else if (c == OPT_CUTOFF) {
            if ((rc = cli_count("report", "cutoff", optarg, 1, 100000, &o->cutoff)) != 0)
                return rc;
        } else if (c == OPT_ALPHA) {
            if ((rc = cli_number("report", "alpha", optarg, 1e-6, 0.5, &o->alpha)) != 0)
                return rc;
        } else {
            return cli_usage_error("report", "unrecognised option");
        }
    }
    if (o->metrics == NULL || o->out == NULL || optind < argc)
        return cli_usage_error("report", "--metrics and --out are required");
    return -1;
}

/* The per-session ranks of a job, from the results store (user; NULL: none stored). */
static sbr_rc store_ranks(void *user, const char *dataset, const char *split, const char *algorithm,
                          const char *params, uint32_t **out, size_t *n, sbr_err *err)
{
    if (user == NULL)
        return sbr_err_set(err, SBR_EINVAL, "no results store");
    return sbr_rstore_get_ranks(user, dataset, split, algorithm, params, out, n, err);
}

/* The [algo] label of a configuration, from the results store (user). */
static sbr_rc store_label(void *user, const char *dataset, const char *algorithm,
                          const char *params, char *out, size_t size, sbr_err *err)
{
    return sbr_rstore_get_label(user, dataset, algorithm, params, out, size, err);
}

/* A job's latency by prefix length, from the results store (user). */
static sbr_rc store_latency_len(void *user, const char *dataset, const char *split,
                                const char *algorithm, const char *params,
                                sbr_lat_len out[SBR_LEN_BUCKETS], sbr_err *err)
{
    return sbr_rstore_get_latency_len(user, dataset, split, algorithm, params, out, err);
}

/* Writes DIR/plots/ from the summary (and the datasets file, when given); *plots: what. */
static sbr_rc write_plot_data(const report_options *o, const sbr_summary *s, const char *cut,
                              sbr_rstore *store, sbr_plotdata_out *plots, sbr_err *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/plots", o->out);
    if (cli_make_dirs(dir) != 0)
        return sbr_err_set(err, SBR_EIO, "%s: cannot create: %s", dir, strerror(errno));
    sbr_sheet parts = {NULL, 0, 0, 0, {{0}}};
    sbr_rc rc = SBR_OK;
    if (o->datasets != NULL)
        rc = sbr_sheet_read(o->datasets, &parts, err);
    sbr_plotdata_in in = {s,
                          cut,
                          store != NULL ? store_ranks : NULL,
                          store,
                          o->datasets != NULL ? &parts : NULL,
                          store != NULL ? store_label : NULL,
                          store,
                          store != NULL ? store_latency_len : NULL,
                          store};
    if (rc == SBR_OK)
        rc = sbr_plotdata_write(dir, &in, plots, err);
    sbr_sheet_fini(&parts);
    return rc;
}

/* Summarises the results and writes summary.csv, the tables and the plot data. */
static sbr_rc write_report(const report_options *o, const char *tables, sbr_summary *s,
                           sbr_plotdata_out *plots, sbr_err *err)
{
    char cut[32];
    snprintf(cut, sizeof cut, "%ld", o->cutoff);
    sbr_sheet sh;
    sbr_rc rc = sbr_sheet_read(o->metrics, &sh, err);
    if (rc != SBR_OK) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        sbr_err_set(err, rc, "%s: %s", o->metrics, why);
    }
    if (rc == SBR_OK)
        rc = sbr_summary_build(&sh, s, err);
    if (rc == SBR_OK)
        rc = sbr_summary_write_csv(o->out, s, err);
    /* Significance needs the store's ranks; without a store every comparison is untested. */
    char db[4096];
    struct stat st;
    sbr_rstore *store = NULL;
    sbr_rstore_path_for(o->metrics, db, sizeof db);
    if (rc == SBR_OK && stat(db, &st) == 0)
        rc = sbr_rstore_open(db, NULL, NULL, &store, err);
    sbr_compare cmp = {NULL, 0, 0, 0};
    if (rc == SBR_OK)
        rc = sbr_compare_build(s, cut, o->alpha, store_ranks, store, &cmp, err);
    if (rc == SBR_OK)
        rc = sbr_compare_write_csv(o->out, s, &cmp, err);
    sbr_sheet tuned;
    memset(&tuned, 0, sizeof tuned);
    if (rc == SBR_OK && o->tuned != NULL)
        rc = sbr_sheet_read(o->tuned, &tuned, err);
    if (rc == SBR_OK)
        rc = sbr_tables_accuracy_tuned(tables, s, cut, &cmp, o->tuned ? &tuned : NULL, err);
    sbr_sheet_fini(&tuned);
    sbr_compare_fini(&cmp);
    /* Neighbours vs neural: the best kNN method of each dataset against each learned model. */
    if (rc == SBR_OK)
        rc = sbr_compare_build_scoped(s, cut, o->alpha, &sbr_tables_neural_scope, store_ranks,
                                      store, &cmp, err);
    if (rc == SBR_OK)
        rc = sbr_tables_neural(tables, s, cut, &cmp, NULL, err);
    sbr_compare_fini(&cmp);
    if (rc == SBR_OK)
        rc = write_plot_data(o, s, cut, store, plots, err);
    sbr_rstore_free(store);
    if (rc == SBR_OK)
        rc = sbr_tables_latency(tables, s, cut, err);
    if (rc == SBR_OK && o->datasets != NULL)
        rc = sbr_tables_datasets(tables, o->datasets, err);
    if (rc == SBR_OK && o->published != NULL)
        rc = sbr_tables_reproduction(tables, s, o->published, err);
    if (rc == SBR_OK && o->tuned != NULL)
        rc = sbr_tables_tuned(tables, s, o->tuned, cut, err);
    s->sheet = NULL; /* the sheet goes now; the count of groups stays for the message */
    sbr_sheet_fini(&sh);
    return rc;
}

int sbr_cmd_report(int argc, char **argv)
{
    report_options o;
    int status = parse_report_options(argc, argv, &o);
    if (status >= 0)
        return status;
    char tables[4096];
    snprintf(tables, sizeof tables, "%s/tables", o.out);
    if (cli_make_dirs(tables) != 0) {
        fprintf(stderr, "sbr: %s: cannot create: %s\n", tables, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    sbr_err err = {SBR_OK, ""};
    sbr_summary s = {NULL, NULL, 0, {0, 0, 0, 0}, -1};
    sbr_plotdata_out plots = {0, 0, 0, 0, 0, 0};
    sbr_rc rc = write_report(&o, tables, &s, &plots, &err);
    size_t n_groups = s.n;
    sbr_summary_fini(&s);
    if (rc != SBR_OK)
        return cli_fail(&err);
    printf("report: %zu configurations from %s -> %s/summary.csv, %s/*.md and *.tex\n", n_groups,
           o.metrics, o.out, tables);
    printf("report: %zu plot data files in %s/plots (%zu datasets, %zu configurations, %zu "
           "grids; accuracy@k for %zu configurations%s)\n",
           plots.files, o.out, plots.datasets, plots.configs, plots.grids, plots.with_ranks,
           plots.with_ranks == 0 ? ": no per-session ranks stored (sbr run --per-session)" : "");
    return SBR_EXIT_OK;
}
