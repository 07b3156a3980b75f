/* The command-line program's shared pieces: the command functions and the helpers they use.
 * Only the program (eval/cli/main.c, eval/cli/cmd_*.c) prints and exits; the libraries never do.
 * Exit status: 0 success, 1 runtime error, 2 usage error. */
#ifndef SBR_EVAL_CLI_CLI_H
#define SBR_EVAL_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "algorithms/algo.h"
#include "data/common.h"
#include "data/load.h"

enum { SBR_EXIT_OK = 0, SBR_EXIT_RUNTIME = 1, SBR_EXIT_USAGE = 2 };

/* Each command: argv[0] is the command name. Returns the exit status. */
int sbr_cmd_stats(int argc, char **argv);
int sbr_cmd_prepare(int argc, char **argv);
int sbr_cmd_split(int argc, char **argv);
int sbr_cmd_algos(int argc, char **argv);
int sbr_cmd_eval(int argc, char **argv);
int sbr_cmd_fit(int argc, char **argv);
int sbr_cmd_bench(int argc, char **argv);
/* `sbr bench --scale ...` (cmd_scale.c), which sbr_cmd_bench hands its arguments to. */
int sbr_bench_scale(int argc, char **argv);
int sbr_cmd_synth(int argc, char **argv);
int sbr_cmd_run(int argc, char **argv);
int sbr_cmd_report(int argc, char **argv);
int sbr_cmd_tune(int argc, char **argv);
int sbr_cmd_serve(int argc, char **argv);
int sbr_cmd_replay(int argc, char **argv);

/* Prints "sbr <cmd>: <message>" and a hint to run --help on stderr; returns SBR_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints "sbr: <err->msg>" on stderr and returns the exit status for err->rc (2 for
 * SBR_EINVAL, 1 otherwise). */
int cli_fail(const sbr_err *err);

/* getopt_long option codes and table entries for the loader options every command that reads
 * session files accepts: --delimiter, --columns, --no-header, --time-unit, --skip-bad-rows. */
enum {
    CLI_OPT_DELIMITER = 1000,
    CLI_OPT_COLUMNS,
    CLI_OPT_NO_HEADER,
    CLI_OPT_TIME_UNIT,
    CLI_OPT_SKIP_BAD_ROWS,
    CLI_OPT_FIRST_FREE /* commands number their own long options from here */
};
#define CLI_LOAD_LONG_OPTIONS                                                                      \
    {"delimiter", required_argument, NULL, CLI_OPT_DELIMITER},                                     \
        {"columns", required_argument, NULL, CLI_OPT_COLUMNS},                                     \
        {"no-header", no_argument, NULL, CLI_OPT_NO_HEADER},                                       \
        {"time-unit", required_argument, NULL, CLI_OPT_TIME_UNIT},                                 \
    {                                                                                              \
        "skip-bad-rows", no_argument, NULL, CLI_OPT_SKIP_BAD_ROWS                                  \
    }

/* The help text for those options, to paste into a command's usage. */
#define CLI_LOAD_OPTIONS_HELP                                                                      \
    "Reading session files (TSV/CSV, plain or .gz):\n"                                             \
    "  --delimiter D     tab, comma, semicolon or one character (default: detected from\n"         \
    "                    the header line)\n"                                                       \
    "  --columns MAP     which columns hold the data, by header name or 1-based number,\n"         \
    "                    e.g. session=visitorid,item=itemid,time=timestamp (default: the\n"        \
    "                    names SessionId, ItemId, Time and their aliases such as\n"                \
    "                    session_id, itemId, timestamp; other columns are ignored); may be\n"      \
    "                    repeated: the maps merge, and naming a column twice is an error\n"        \
    "  --no-header       the first line is data (columns then default to 1,2,3)\n"                 \
    "  --time-unit U     s (default), ms or us: the unit of numeric times; ISO-8601 times\n"       \
    "                    such as 2014-04-07T10:51:09.277Z are also read (as UTC)\n"                \
    "  --skip-bad-rows   drop malformed rows and count them, instead of stopping at the\n"         \
    "                    first one\n"

/* Applies one loader option (code from the enum above) to *opt. Returns SBR_EXIT_OK, or a
 * usage error (already printed) for a bad value. `cmd` names the command in messages. */
int cli_load_option(const char *cmd, int code, const char *arg, sbr_load_options *opt);

/* Parses a non-negative number option ("--days-train 25") into *out within [lo, hi]; on a bad
 * value prints a usage error and returns SBR_EXIT_USAGE. */
int cli_number(const char *cmd, const char *option, const char *arg, double lo, double hi,
               double *out);
int cli_count(const char *cmd, const char *option, const char *arg, long lo, long hi, long *out);

/* Progress for long work: shown on stderr as one rewritten line, only when stderr is a
 * terminal. cli_progress_start names the work; the callback matches sbr_progress_fn;
 * cli_progress_end erases the line. */
typedef struct cli_progress {
    const char *label;
    bool shown;
} cli_progress;
void cli_progress_start(cli_progress *p, const char *label);
void cli_progress_rows(void *user, uint64_t done, uint64_t total);
void cli_progress_end(cli_progress *p);

/* Loads a session file with the options and prints a one-line load report on stderr ("read
 * N rows, kept N, dropped N (bad_time 3, ...)") when quiet is false. Returns SBR_OK or the
 * loader's error in *err. */
sbr_rc cli_load(const char *path, const sbr_load_options *opt, bool quiet, sbr_dataset **out,
                sbr_load_stats *stats, sbr_err *err);

/* The file name of path without its folder and without .gz/.tsv/.csv/.txt/.dat endings:
 * "data/rsc15/train_full.tsv.gz" -> "train_full". */
void cli_base_name(const char *path, char *out, size_t size);

/* mkdir -p: creates path and its missing parents. Returns 0, or -1 with errno set. */
int cli_make_dirs(const char *path);

/* Parses n algorithm specs into out[] (n empty specs); on a bad spec prints a usage error
 * naming it, releases what it parsed and returns SBR_EXIT_USAGE, else SBR_EXIT_OK (release
 * with cli_free_specs). */
int cli_parse_specs(const char *cmd, const char *const *specs, size_t n, sbr_spec *out);
void cli_free_specs(sbr_spec *specs, size_t n);

/* Formats the drop counts as "bad_time 3, missing_field 1" (or "none") into buf. */
const char *cli_drops(char *buf, size_t size, const sbr_load_stats *st);

#endif
