#include "eval/cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "data/parse.h"
#include "eval/job.h"
#include "eval/report.h"
#include "eval/specs.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sbr %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(run 'sbr %s --help' for the options)\n", cmd);
    va_end(ap);
    return SBR_EXIT_USAGE;
}

int cli_fail(const sbr_err *err)
{
    fprintf(stderr, "sbr: %s\n", err->msg);
    return err->rc == SBR_EINVAL ? SBR_EXIT_USAGE : SBR_EXIT_RUNTIME;
}

/* Storage for the column names --columns gives: each name gets its own bytes, appended, so a
 * later --columns never changes an earlier one's names. They live as long as the program. */
static char column_names[4096];
static size_t column_names_used;

static bool set_by_columns(const char *p)
{
    return p >= column_names && p < column_names + sizeof column_names;
}

/* "session=a,item=b,time=c": any subset, in any order. Repeated --columns merge; a key named
 * twice (in one option or two) is a usage error. */
static int parse_columns(const char *cmd, const char *arg, sbr_load_options *opt)
{
    static const char *const keys[SBR_COL_N] = {"session", "item", "time"};
    const char *names[SBR_COL_N] = {NULL, NULL, NULL};
    size_t need = strlen(arg) + 1;
    if (need > sizeof column_names - column_names_used)
        return cli_usage_error(cmd, "--columns '%s' is too long", arg);
    char *copy = column_names + column_names_used;
    memcpy(copy, arg, need);
    char *p = copy;
    while (*p != '\0') {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        char *eq = strchr(p, '=');
        int k = SBR_COL_N;
        if (eq != NULL) {
            *eq = '\0';
            for (k = 0; k < SBR_COL_N && strcmp(p, keys[k]) != 0; k++)
                ;
        }
        if (k == SBR_COL_N || eq[1] == '\0')
            return cli_usage_error(cmd,
                                   "--columns '%s': expected session=NAME, item=NAME and/or "
                                   "time=NAME, separated by commas",
                                   arg);
        if (names[k] != NULL || set_by_columns(opt->columns[k]))
            return cli_usage_error(cmd, "--columns '%s': %s is given twice", arg, keys[k]);
        names[k] = eq + 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    for (int k = 0; k < SBR_COL_N; k++)
        if (names[k] != NULL)
            opt->columns[k] = names[k];
    column_names_used += need;
    return SBR_EXIT_OK;
}

int cli_load_option(const char *cmd, int code, const char *arg, sbr_load_options *opt)
{
    switch (code) {
    case CLI_OPT_DELIMITER:
        if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
            opt->table.delimiter = '\t';
        else if (strcmp(arg, "comma") == 0)
            opt->table.delimiter = ',';
        else if (strcmp(arg, "semicolon") == 0)
            opt->table.delimiter = ';';
        else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
            opt->table.delimiter = arg[0];
        else
            return cli_usage_error(cmd,
                                   "--delimiter '%s': use tab, comma, semicolon or a single "
                                   "character",
                                   arg);
        return SBR_EXIT_OK;
    case CLI_OPT_COLUMNS:
        return parse_columns(cmd, arg, opt);
    case CLI_OPT_NO_HEADER:
        opt->has_header = false;
        return SBR_EXIT_OK;
    case CLI_OPT_TIME_UNIT:
        if (strcmp(arg, "s") == 0)
            opt->time_scale = 1.0;
        else if (strcmp(arg, "ms") == 0)
            opt->time_scale = 1e-3;
        else if (strcmp(arg, "us") == 0)
            opt->time_scale = 1e-6;
        else
            return cli_usage_error(cmd, "--time-unit '%s': use s, ms or us", arg);
        return SBR_EXIT_OK;
    case CLI_OPT_SKIP_BAD_ROWS:
        opt->skip_bad_rows = true;
        return SBR_EXIT_OK;
    default:
        return cli_usage_error(cmd, "unknown option");
    }
}

int cli_number(const char *cmd, const char *option, const char *arg, double lo, double hi,
               double *out)
{
    double v;
    const char *why = sbr_parse_double(arg, strlen(arg), &v);
    if (why == NULL && (v < lo || v > hi))
        why = "is out of range";
    if (why != NULL)
        return cli_usage_error(cmd, "--%s '%s' %s (expected a number from %g to %g)", option, arg,
                               why, lo, hi);
    *out = v;
    return SBR_EXIT_OK;
}

int cli_count(const char *cmd, const char *option, const char *arg, long lo, long hi, long *out)
{
    const char *why = sbr_parse_long(arg, lo, hi, out);
    if (why != NULL)
        return cli_usage_error(cmd, "--%s '%s' %s (expected an integer from %ld to %ld)", option,
                               arg, why, lo, hi);
    return SBR_EXIT_OK;
}

void cli_progress_start(cli_progress *p, const char *label)
{
    p->label = label;
    p->shown = false;
}

void cli_progress_rows(void *user, uint64_t done, uint64_t total)
{
    cli_progress *p = user;
    if (!isatty(STDERR_FILENO))
        return;
    char n[32], t[32];
    if (total > 0)
        fprintf(stderr, "\r%s: %s of %s", p->label, sbr_fmt_count(n, sizeof n, done),
                sbr_fmt_count(t, sizeof t, total));
    else
        fprintf(stderr, "\r%s: %s rows", p->label, sbr_fmt_count(n, sizeof n, done));
    fflush(stderr);
    p->shown = true;
}

void cli_progress_end(cli_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = false;
}

const char *cli_drops(char *buf, size_t size, const sbr_load_stats *st)
{
    buf[0] = '\0';
    for (int r = 0; r < SBR_DROP_N; r++) {
        if (st->dropped[r] == 0)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s %llu", used ? ", " : "", sbr_drop_name((sbr_drop)r),
                 (unsigned long long)st->dropped[r]);
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "none");
    return buf;
}

sbr_rc cli_load(const char *path, const sbr_load_options *opt, bool quiet, sbr_dataset **out,
                sbr_load_stats *stats, sbr_err *err)
{
    cli_progress progress;
    cli_progress_start(&progress, path);
    sbr_load_options o = *opt;
    o.progress = cli_progress_rows;
    o.progress_user = &progress;
    sbr_rc rc = sbr_load_sessions(path, &o, out, stats, err);
    cli_progress_end(&progress);
    if (rc == SBR_OK && !quiet) {
        char a[32], b[32], drops[256];
        fprintf(stderr, "%s: read %s rows, kept %s; dropped: %s", path,
                sbr_fmt_count(a, sizeof a, stats->rows_read),
                sbr_fmt_count(b, sizeof b, stats->rows_kept),
                cli_drops(drops, sizeof drops, stats));
        if (stats->blank_lines > 0)
            fprintf(stderr, "; %llu blank lines skipped", (unsigned long long)stats->blank_lines);
        fprintf(stderr, "\n");
    }
    return rc;
}

void cli_base_name(const char *path, char *out, size_t size)
{
    sbr_job_file_stem(path, out, size);
}

int cli_make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int cli_parse_specs(const char *cmd, const char *const *specs, size_t n, sbr_spec *out)
{
    sbr_err err = {SBR_OK, ""};
    if (sbr_specs_parse(specs, n, out, &err) != SBR_OK)
        return cli_usage_error(cmd, "%s", err.msg);
    return SBR_EXIT_OK;
}

void cli_free_specs(sbr_spec *specs, size_t n)
{
    sbr_specs_fini(specs, n);
}
