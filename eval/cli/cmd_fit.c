/* sbr fit: fit one algorithm on a training file and save the model. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "algorithms/nn/blas.h"
#include "eval/cli/cli.h"
#include "eval/harness.h"
#include "eval/report.h"

static const char fit_usage[] =
    "Usage: sbr fit --train FILE --algo SPEC --save MODEL [options]\n"
    "\n"
    "Fits one algorithm on the training sessions and saves the fitted model to MODEL, a\n"
    "versioned, checksummed binary file that holds the algorithm, its parameters, the\n"
    "training vocabulary (item ids and clicks) and the model itself. 'sbr eval --model' and\n"
    "'sbr bench --model' evaluate it without the training file; a file of another format\n"
    "version, of an unknown algorithm, or corrupt in any byte is refused with a message.\n"
    "A MODEL ending in .gz is compressed. Writing is atomic: an interrupted fit leaves the\n"
    "old file, never a part.\n"
    "\n"
    "  --train FILE       training sessions\n"
    "  --algo SPEC        NAME or NAME:key=value,key=value (see 'sbr algos')\n"
    "  --save MODEL       where to write the model\n"
    "  --test FILE        test sessions, read only by a spec that selects its epoch on\n"
    "                     them (select=test of stamp, narm and srgnn: the papers'\n"
    "                     optimistic protocol, named in every row it produces)\n"
    "  -h, --help         this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Progress (stderr): the learned models print a line per epoch: its training loss, the\n"
    "selection MRR@20 (on the held-out latest training sessions, or on --test), seconds,\n"
    "examples/s and the ETA of the remaining epochs; on a terminal a line within the\n"
    "epoch too (examples done, examples/s, the epoch's ETA). Threads: OMP_NUM_THREADS\n"
    "(default: every core); the model file is the same byte for byte for any count\n"
    "(but for item2vec:hogwild=on, which is not reproducible).\n"
    "\n"
    "Examples:\n"
    "  sbr fit --train $SBR_DATA/retailrocket/train.tsv.gz --algo vmis:m=500,k=500 \\\n"
    "          --save retailrocket-vmis.sbrm\n"
    "  sbr eval --model retailrocket-vmis.sbrm --test $SBR_DATA/retailrocket/test.tsv.gz\n"
    "  sbr fit --train $SBR_DATA/diginetica/train.tsv.gz --algo srgnn:epochs=7 \\\n"
    "          --save diginetica-srgnn.sbrm     # the epoch chosen on the latest 10%\n";

enum { OPT_TRAIN = CLI_OPT_FIRST_FREE, OPT_ALGO, OPT_SAVE, OPT_TEST };

typedef struct fit_progress_state {
    const char *name;
    double t0, last; /* start, and the last epoch's report */
    double shown;    /* the last "batch" line drawn on the terminal */
    uint64_t epochs; /* epochs reported so far */
} fit_progress_state;

/* Progress of a long fit: on the terminal the stage, units, loss and validation metric; and
 * for every epoch of a trained model a line on stderr (terminal or not) with its loss, the
 * selection metric, training examples/s and the ETA. */
static void show_fit_progress(void *user, const sbr_fit_progress *p)
{
    fit_progress_state *s = user;
    double now = sbr_now_s(), elapsed = now - s->t0;
    if (p->examples > 0 && strcmp(p->stage, "epoch") == 0) {
        double epoch_s = now - s->last;
        s->last = now;
        s->epochs = p->done;
        fprintf(stderr, "%s%s: epoch %" PRIu64 "/%" PRIu64 ": loss %.4f",
                isatty(2) ? "\r\033[K" : "", s->name, p->done, p->total, p->loss);
        if (p->metric == p->metric)
            fprintf(stderr, ", %s MRR@20 %.4f", p->metric_on ? p->metric_on : "valid", p->metric);
        if (p->metric_hr == p->metric_hr)
            fprintf(stderr, " HR@20 %.4f", p->metric_hr);
        fprintf(stderr, ", %.1f s, %.0f examples/s", epoch_s,
                epoch_s > 0 ? (double)p->examples / epoch_s : 0.0);
        if (p->done < p->total)
            fprintf(stderr, ", ETA %.0f s (all epochs)",
                    elapsed / (double)p->done * (double)(p->total - p->done));
        fprintf(stderr, "\n");
        return;
    }
    if (!isatty(2))
        return;
    if (strcmp(p->stage, "batch") == 0) { /* within an epoch: at most twice a second */
        double in_epoch = now - s->last;
        if (now - s->shown < 0.5 || p->done == 0)
            return;
        s->shown = now;
        fprintf(stderr, "\r\033[K%s: epoch %" PRIu64 ": %" PRIu64 "/%" PRIu64 " examples, %.0f/s",
                s->name, s->epochs + 1, p->done, p->total, (double)p->done / in_epoch);
        if (p->total > p->done)
            fprintf(stderr, ", epoch ETA %.0f s",
                    in_epoch / (double)p->done * (double)(p->total - p->done));
        return;
    }
    fprintf(stderr, "\r%s: %s %" PRIu64, s->name, p->stage, p->done);
    if (p->total > 0)
        fprintf(stderr, "/%" PRIu64, p->total);
    if (p->loss == p->loss)
        fprintf(stderr, ", loss %.4f", p->loss);
    if (p->metric == p->metric)
        fprintf(stderr, ", valid MRR@20 %.4f", p->metric);
    if (p->total > 0 && p->done > 0 && p->done < p->total)
        fprintf(stderr, ", ETA %.0f s", elapsed / (double)p->done * (double)(p->total - p->done));
    fprintf(stderr, "   ");
}

int sbr_cmd_fit(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_LOAD_LONG_OPTIONS,
                                             {"train", required_argument, NULL, OPT_TRAIN},
                                             {"algo", required_argument, NULL, OPT_ALGO},
                                             {"save", required_argument, NULL, OPT_SAVE},
                                             {"test", required_argument, NULL, OPT_TEST},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *train_path = NULL, *spec_text = NULL, *save = NULL, *test_path = NULL;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(fit_usage, stdout);
            return SBR_EXIT_OK;
        }
        if (c == OPT_TRAIN)
            train_path = optarg;
        else if (c == OPT_ALGO && spec_text != NULL)
            return cli_usage_error("fit", "one --algo per model file");
        else if (c == OPT_ALGO)
            spec_text = optarg;
        else if (c == OPT_SAVE)
            save = optarg;
        else if (c == OPT_TEST)
            test_path = optarg;
        else if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
            if ((rc = cli_load_option("fit", c, optarg, &lo)) != 0)
                return rc;
        } else
            return cli_usage_error("fit", "unrecognised option");
    }
    if (optind < argc)
        return cli_usage_error("fit", "unexpected argument '%s'", argv[optind]);
    if (train_path == NULL || spec_text == NULL || save == NULL)
        return cli_usage_error("fit", "--train, --algo and --save are required");
    sbr_spec spec = SBR_SPEC_EMPTY;
    if ((rc = cli_parse_specs("fit", &spec_text, 1, &spec)) != SBR_EXIT_OK)
        return rc;
    sbr_err err = {SBR_OK, ""};
    sbr_dataset *train = NULL, *test = NULL;
    sbr_model *model = NULL;
    sbr_vocab vocab = {0, NULL, NULL};
    sbr_load_stats ls;
    sbr_rc src = cli_load(train_path, &lo, false, &train, &ls, &err);
    if (src == SBR_OK && test_path != NULL)
        src = cli_load(test_path, &lo, false, &test, &ls, &err);
    double fit_s = 0, t0 = sbr_now_s();
    if (src == SBR_OK && spec.algo->family == SBR_FAMILY_LEARNED)
        fprintf(stderr, "%s: training with OpenBLAS's %s kernels\n", spec.algo->name,
                sbr_blas_core());
    if (src == SBR_OK) {
        fit_progress_state st = {spec.algo->name, t0, t0, 0, 0};
        sbr_fit_opts fo = {show_fit_progress, &st, test, test != NULL ? "test" : NULL};
        src = sbr_algo_fit_with(spec.algo, spec.config, train, &fo, &model, &err);
        fit_s = sbr_now_s() - t0;
        if (isatty(2))
            fprintf(stderr, "\r\033[K");
    }
    if (src == SBR_OK)
        src = sbr_vocab_from_dataset(train, &vocab, &err);
    if (src == SBR_OK)
        src = sbr_model_save(model, &spec, &vocab, save, &err);
    if (src == SBR_OK) {
        char params[2048], mem[32], file[32];
        struct stat sb;
        size_t bytes = spec.algo->model_bytes(model);
        printf("%s (%s): fitted on %zu clicks, %zu sessions, %zu items in %.3f s; model %s "
               "(%.1f B/click); saved to %s (%s)\n",
               spec.algo->name,
               sbr_algo_format_params(spec.algo, spec.config, params, sizeof params),
               train->n_clicks, train->n_sessions, train->n_items, fit_s,
               sbr_fmt_bytes(mem, sizeof mem, bytes),
               (double)bytes / (double)(train->n_clicks > 0 ? train->n_clicks : 1), save,
               stat(save, &sb) == 0 ? sbr_fmt_bytes(file, sizeof file, (uint64_t)sb.st_size) : "?");
    }
    if (model != NULL)
        spec.algo->free(model);
    sbr_vocab_fini(&vocab);
    sbr_dataset_free(test);
    sbr_dataset_free(train);
    sbr_spec_fini(&spec);
    return src == SBR_OK ? SBR_EXIT_OK : cli_fail(&err);
}
