/* sbr: the command-line front end. Dispatches `sbr <command> [options]` to the commands. */
#include <stdio.h>
#include <string.h>

#include "algorithms/nn/blas.h"
#include "algorithms/nn/runtime.h"
#include "eval/cli/cli.h"
#include "eval/cli/mpi_pool.h"
#include <gsl/gsl_errno.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"stats", sbr_cmd_stats, "describe session files: sessions, clicks, items, lengths, time"},
    {"prepare", sbr_cmd_prepare,
     "turn a raw public click log (Last.fm-1K, Retailrocket, YOOCHOOSE, ...) into sessions"},
    {"split", sbr_cmd_split, "cut sliding-window or last-days train/test splits (session-rec)"},
    {"run", sbr_cmd_run, "run an experiment file: every dataset x algorithm job, resumably"},
    {"tune", sbr_cmd_tune, "search hyperparameters (TPE, random, grid) on a validation split"},
    {"report", sbr_cmd_report, "summaries and Markdown/LaTeX tables from results files"},
    {"synth", sbr_cmd_synth, "generate a realistic synthetic click log from a seed"},
    {"algos", sbr_cmd_algos, "list the algorithms with their parameters, defaults and ranges"},
    {"fit", sbr_cmd_fit, "fit one algorithm and save the model to a file (for eval/bench --model)"},
    {"eval", sbr_cmd_eval, "fit algorithms and evaluate next-item prediction: metrics, latency"},
    {"bench", sbr_cmd_bench, "measure prediction latency percentiles, throughput and memory"},
    {"serve", sbr_cmd_serve, "serve recommendations over HTTP from live click sessions"},
    {"replay", sbr_cmd_replay, "replay test sessions as click streams against sbr serve"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out)
{
    fprintf(out,
            "sbr %s: session-based recommendation toolkit\n\n"
            "Usage: sbr <command> [options]      sbr <command> --help for its options\n\n"
            "Commands:\n",
            SBR_VERSION_STRING);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nData: session files are TSV/CSV (plain or .gz) with SessionId, ItemId and Time\n"
            "columns; the real datasets are found under $SBR_DATA (see README.md).\n"
            "Exit status: 0 success, 1 runtime error, 2 usage error.\n\n"
            "Example:\n"
            "  sbr stats $SBR_DATA/retailrocket/train.tsv.gz\n"
            "  sbr split --in clicks.tsv.gz --out splits --preset retailrocket\n");
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SBR_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < N_COMMANDS; i++) {
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *args[] = {argv[2], "--help", NULL};
                    return commands[i].run(2, args);
                }
            }
        }
        usage(stdout);
        return SBR_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("sbr %s\n", SBR_VERSION_STRING);
        return SBR_EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "sbr: unknown command '%s'; run 'sbr --help' for the list\n", name);
    return SBR_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* OpenBLAS's fallback kernels, OpenMP's spinning waits: run again with better ones
     * (algorithms/nn/runtime.h). */
    sbr_runtime_reexec(argv);
    const char *needs = NULL, *core = sbr_blas_unrunnable_core(&needs);
    if (core != NULL) {
        fprintf(stderr,
                "sbr: OPENBLAS_CORETYPE=%s asks for kernels that need %s, which this CPU does not "
                "have (they would stop the program with an illegal instruction); unset it: sbr "
                "picks OpenBLAS's kernels itself\n",
                core, needs);
        return SBR_EXIT_USAGE;
    }
    /* GSL's default handler aborts; sbr checks every status instead. */
    gsl_set_error_handler_off();
    if (!cli_mpi_start(&argc, &argv))
        return SBR_EXIT_RUNTIME;
    int status = dispatch(argc, argv);
    cli_mpi_stop();
    return status;
}
