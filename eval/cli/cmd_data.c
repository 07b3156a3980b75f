/* The data commands: `sbr stats`, `sbr prepare` and `sbr split`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/output.h"
#include "data/parse.h"
#include "data/prepare.h"
#include "data/split.h"
#include "data/stats.h"
#include "eval/cli/cli.h"
#include "eval/report.h"
#include "data/synth.h"

/* ------------------------------------------------------------------------------------------ */
/* sbr stats                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static const char stats_usage[] =
    "Usage: sbr stats [options] FILE...\n"
    "\n"
    "Describes session files: rows read and dropped, sessions, clicks, items, the distribution\n"
    "of session lengths and of clicks per item (exact nearest-rank percentiles), the time span\n"
    "and the share of immediate repeat clicks. One column per file, so train and test sit side\n"
    "by side.\n"
    "\n"
    "  --csv             one CSV row per file instead of the table (header included)\n"
    "  -h, --help        this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr stats $SBR_DATA/retailrocket/train.tsv.gz $SBR_DATA/retailrocket/test.tsv.gz\n";

typedef struct file_stats {
    const char *path;
    sbr_load_stats load;
    sbr_stats st;
} file_stats;

/* The last two components of a path: "retailrocket/train.tsv.gz". */
static const char *short_name(const char *path)
{
    const char *last = strrchr(path, '/');
    if (last == NULL)
        return path;
    const char *p = last;
    while (p > path && p[-1] != '/')
        p--;
    return p;
}

enum { STATS_ROWS = 28, CELL = 48 };

/* Fills the label and the cell of every table row for one file; returns the row count. */
static int stats_cells(const file_stats *f, const char *labels[STATS_ROWS],
                       char cells[STATS_ROWS][CELL])
{
    static const char *const pct_names[SBR_STATS_N_PCT] = {"min", "p25", "p50",
                                                           "p90", "p99", "max"};
    static char pct_labels[2][SBR_STATS_N_PCT][40];
    int r = 0;
#define ROW_COUNT(label, value) (labels[r] = (label), sbr_fmt_count(cells[r++], CELL, (value)))
    ROW_COUNT("rows read", f->load.rows_read);
    ROW_COUNT("rows kept", f->load.rows_kept);
    ROW_COUNT("rows dropped (bad)", sbr_load_stats_dropped(&f->load));
    ROW_COUNT("blank lines skipped", f->load.blank_lines);
    ROW_COUNT("sessions", f->st.sessions);
    ROW_COUNT("clicks", f->st.clicks);
    ROW_COUNT("items", f->st.items);
    labels[r] = "session length, mean";
    snprintf(cells[r++], CELL, "%.2f", f->st.session_len_mean);
    for (int k = 0; k < SBR_STATS_N_PCT; k++) {
        snprintf(pct_labels[0][k], sizeof pct_labels[0][k], "session length, %s", pct_names[k]);
        ROW_COUNT(pct_labels[0][k], f->st.session_len_pct[k]);
    }
    labels[r] = "clicks per item, mean";
    snprintf(cells[r++], CELL, "%.2f", f->st.item_clicks_mean);
    for (int k = 0; k < SBR_STATS_N_PCT; k++) {
        snprintf(pct_labels[1][k], sizeof pct_labels[1][k], "clicks per item, %s", pct_names[k]);
        ROW_COUNT(pct_labels[1][k], f->st.item_clicks_pct[k]);
    }
#undef ROW_COUNT
    labels[r] = "first click (UTC)";
    sbr_format_utc(cells[r++], CELL, f->st.first_time);
    labels[r] = "last click (UTC)";
    sbr_format_utc(cells[r++], CELL, f->st.last_time);
    labels[r] = "time span (days)";
    snprintf(cells[r++], CELL, "%.2f", f->st.span_days);
    labels[r] = "repeat clicks (%)";
    snprintf(cells[r++], CELL, "%.2f", 100.0 * f->st.repeat_share);
    return r;
}

static void print_stats_table(const file_stats *files, int n)
{
    const char *labels[STATS_ROWS];
    char(*cells)[STATS_ROWS][CELL] = calloc((size_t)n, sizeof *cells);
    if (cells == NULL)
        return;
    int rows = 0;
    size_t label_w = 0;
    for (int i = 0; i < n; i++)
        rows = stats_cells(&files[i], labels, cells[i]);
    for (int r = 0; r < rows; r++)
        if (strlen(labels[r]) > label_w)
            label_w = strlen(labels[r]);
    size_t *w = calloc((size_t)n, sizeof *w);
    for (int i = 0; w != NULL && i < n; i++) {
        w[i] = strlen(short_name(files[i].path));
        for (int r = 0; r < rows; r++)
            if (strlen(cells[i][r]) > w[i])
                w[i] = strlen(cells[i][r]);
    }
    if (w != NULL) {
        printf("%-*s", (int)label_w, "");
        for (int i = 0; i < n; i++)
            printf("  %*s", (int)w[i], short_name(files[i].path));
        printf("\n");
        for (int r = 0; r < rows; r++) {
            printf("%-*s", (int)label_w, labels[r]);
            for (int i = 0; i < n; i++)
                printf("  %*s", (int)w[i], cells[i][r]);
            printf("\n");
        }
    }
    free(w);
    free(cells);
}

static void print_stats_csv(const file_stats *files, int n)
{
    static const char *const pct_names[SBR_STATS_N_PCT] = {"min", "p25", "p50",
                                                           "p90", "p99", "max"};
    printf("file,rows_read,rows_kept,rows_dropped,blank_lines,sessions,clicks,items,"
           "session_len_mean");
    for (int k = 0; k < SBR_STATS_N_PCT; k++)
        printf(",session_len_%s", pct_names[k]);
    printf(",item_clicks_mean");
    for (int k = 0; k < SBR_STATS_N_PCT; k++)
        printf(",item_clicks_%s", pct_names[k]);
    printf(",first_time,last_time,span_days,repeat_share\n");
    for (int i = 0; i < n; i++) {
        const file_stats *f = &files[i];
        char t0[32], t1[32];
        printf("\"%s\",%llu,%llu,%llu,%llu,%zu,%zu,%zu,%.6f", f->path,
               (unsigned long long)f->load.rows_read, (unsigned long long)f->load.rows_kept,
               (unsigned long long)sbr_load_stats_dropped(&f->load),
               (unsigned long long)f->load.blank_lines, f->st.sessions, f->st.clicks, f->st.items,
               f->st.session_len_mean);
        for (int k = 0; k < SBR_STATS_N_PCT; k++)
            printf(",%zu", f->st.session_len_pct[k]);
        printf(",%.6f", f->st.item_clicks_mean);
        for (int k = 0; k < SBR_STATS_N_PCT; k++)
            printf(",%zu", f->st.item_clicks_pct[k]);
        printf(",%s,%s,%.6f,%.6f\n", sbr_format_double(t0, sizeof t0, f->st.first_time),
               sbr_format_double(t1, sizeof t1, f->st.last_time), f->st.span_days,
               f->st.repeat_share);
    }
}

int sbr_cmd_stats(int argc, char **argv)
{
    enum { OPT_CSV = CLI_OPT_FIRST_FREE };
    static const struct option longopts[] = {CLI_LOAD_LONG_OPTIONS,
                                             {"csv", no_argument, NULL, OPT_CSV},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    bool csv = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(stats_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_CSV) {
            csv = true;
        } else if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
            int rc = cli_load_option("stats", c, optarg, &lo);
            if (rc != SBR_EXIT_OK)
                return rc;
        } else {
            return cli_usage_error("stats", "unrecognised option");
        }
    }
    int n = argc - optind;
    if (n < 1)
        return cli_usage_error("stats", "name at least one session file");
    file_stats *files = calloc((size_t)n, sizeof *files);
    if (files == NULL)
        return SBR_EXIT_RUNTIME;
    int status = SBR_EXIT_OK;
    for (int i = 0; i < n && status == SBR_EXIT_OK; i++) {
        sbr_err err = {SBR_OK, ""};
        sbr_dataset *ds = NULL;
        files[i].path = argv[optind + i];
        if (cli_load(files[i].path, &lo, true, &ds, &files[i].load, &err) != SBR_OK ||
            sbr_stats_compute(ds, &files[i].st, &err) != SBR_OK)
            status = cli_fail(&err);
        sbr_dataset_free(ds);
    }
    if (status == SBR_EXIT_OK) {
        if (csv)
            print_stats_csv(files, n);
        else
            print_stats_table(files, n);
    }
    free(files);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* sbr prepare                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void prepare_usage(FILE *out)
{
    fputs("Usage: sbr prepare --format NAME --in RAW --out SESSIONS.tsv.gz [options]\n"
          "\n"
          "Reads a raw public click log in its original format, builds sessions, applies\n"
          "session-rec's filters in its order (1. drop sessions of length 1, 2. drop items with\n"
          "fewer than --min-item-support clicks, 3. drop sessions shorter than\n"
          "--min-session-length; one pass) and writes a session file: SessionId, ItemId, Time\n"
          "(epoch seconds), tab-separated with a header; .gz output is compressed. Every row\n"
          "read is accounted for in the report: kept, malformed, or removed by a rule.\n"
          "\n"
          "Formats:\n",
          out);
    size_t n;
    const sbr_format_info *f = sbr_prepare_formats(&n);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-14s %s\n", f[i].name, f[i].summary);
    fputs(
        "\n"
        "Options:\n"
        "  --format NAME            the raw format (above)\n"
        "  --in FILE                the raw file (plain or .gz)\n"
        "  --out FILE               the session file to write (atomically)\n"
        "  --gap-minutes M          lastfm1k, retailrocket: a pause longer than M minutes\n"
        "                           starts a new session (default 30)\n"
        "  --events LIST            retailrocket: event types kept, comma-separated\n"
        "                           (default view; e.g. view,addtocart)\n"
        "  --min-item-support N     default: session-rec's value for the format (5; music 2)\n"
        "  --min-session-length N   default: session-rec's value (2; music 5)\n"
        "  --collapse-repeats       merge immediate repeat clicks (a a b -> a b) first\n"
        "  -h, --help               this help\n"
        "\n" CLI_LOAD_OPTIONS_HELP "\n"
        "Example:\n"
        "  sbr prepare --format lastfm1k --in userid-timestamp-artid-artname-traid-traname.tsv \\\n"
        "              --out lastfm.tsv.gz --gap-minutes 30\n",
        out);
}

static void print_prepare_report(const char *in, const char *out, const sbr_prepare_stats *st,
                                 const sbr_dataset *ds)
{
    char a[32], b[32], c[32], drops[256];
    printf("%s: read %s rows, kept %s; malformed rows dropped: %s\n", in,
           sbr_fmt_count(a, sizeof a, st->load.rows_read),
           sbr_fmt_count(b, sizeof b, st->load.rows_kept),
           cli_drops(drops, sizeof drops, &st->load));
    for (size_t i = 0; i < st->n_counters; i++)
        printf("  rows removed, %s: %s\n", st->counters[i].name,
               sbr_fmt_count(a, sizeof a, st->counters[i].count));
    printf("  sessions built: %s\n", sbr_fmt_count(a, sizeof a, st->sessions_built));
    const sbr_filter_stats *fs = &st->filter;
    if (fs->repeats_collapsed)
        printf("  immediate repeats collapsed: %s clicks\n",
               sbr_fmt_count(a, sizeof a, fs->repeats_collapsed));
    printf("  filter 1, short sessions: -%s sessions (-%s clicks)\n",
           sbr_fmt_count(a, sizeof a, fs->short_first_sessions),
           sbr_fmt_count(b, sizeof b, fs->short_first_clicks));
    printf("  filter 2, rare items:     -%s items (-%s clicks)\n",
           sbr_fmt_count(a, sizeof a, fs->rare_items), sbr_fmt_count(b, sizeof b, fs->rare_clicks));
    printf("  filter 3, short sessions: -%s sessions (-%s clicks)\n",
           sbr_fmt_count(a, sizeof a, fs->short_sessions),
           sbr_fmt_count(b, sizeof b, fs->short_clicks));
    printf("%s: %s sessions, %s clicks, %s items\n", out,
           sbr_fmt_count(a, sizeof a, ds->n_sessions), sbr_fmt_count(b, sizeof b, ds->n_clicks),
           sbr_fmt_count(c, sizeof c, ds->n_items));
}

int sbr_cmd_prepare(int argc, char **argv)
{
    enum {
        OPT_FORMAT = CLI_OPT_FIRST_FREE,
        OPT_IN,
        OPT_OUT,
        OPT_GAP,
        OPT_EVENTS,
        OPT_SUPPORT,
        OPT_MIN_LEN,
        OPT_COLLAPSE
    };
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"in", required_argument, NULL, OPT_IN},
        {"out", required_argument, NULL, OPT_OUT},
        {"gap-minutes", required_argument, NULL, OPT_GAP},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"min-item-support", required_argument, NULL, OPT_SUPPORT},
        {"min-session-length", required_argument, NULL, OPT_MIN_LEN},
        {"collapse-repeats", no_argument, NULL, OPT_COLLAPSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    /* Options are collected first and applied after the format's defaults. */
    const char *format = NULL, *in = NULL, *out = NULL, *events = NULL;
    double gap_min = -1;
    long support = -1, min_len = -1;
    bool collapse = false;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    bool load_changed[CLI_OPT_FIRST_FREE - CLI_OPT_DELIMITER] = {false};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            prepare_usage(stdout);
            return SBR_EXIT_OK;
        case OPT_FORMAT:
            format = optarg;
            break;
        case OPT_IN:
            in = optarg;
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_GAP:
            if ((rc = cli_number("prepare", "gap-minutes", optarg, 1e-6, 1e9, &gap_min)) != 0)
                return rc;
            break;
        case OPT_EVENTS:
            events = optarg;
            break;
        case OPT_SUPPORT:
            if ((rc = cli_count("prepare", "min-item-support", optarg, 1, 1L << 30, &support)))
                return rc;
            break;
        case OPT_MIN_LEN:
            if ((rc = cli_count("prepare", "min-session-length", optarg, 1, 1L << 30, &min_len)))
                return rc;
            break;
        case OPT_COLLAPSE:
            collapse = true;
            break;
        default:
            if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
                if ((rc = cli_load_option("prepare", c, optarg, &lo)) != 0)
                    return rc;
                load_changed[c - CLI_OPT_DELIMITER] = true;
                break;
            }
            return cli_usage_error("prepare", "unrecognised option");
        }
    }
    if (optind < argc)
        return cli_usage_error("prepare", "unexpected argument '%s'", argv[optind]);
    if (format == NULL || in == NULL || out == NULL)
        return cli_usage_error("prepare", "--format, --in and --out are required");

    sbr_err err = {SBR_OK, ""};
    sbr_prepare_options po;
    if (sbr_prepare_options_init(&po, format, &err) != SBR_OK)
        return cli_fail(&err);
    /* Loader options the user gave override the format's. */
    if (load_changed[CLI_OPT_DELIMITER - CLI_OPT_DELIMITER])
        po.load.table.delimiter = lo.table.delimiter;
    if (load_changed[CLI_OPT_COLUMNS - CLI_OPT_DELIMITER])
        memcpy(po.load.columns, lo.columns, sizeof lo.columns);
    if (load_changed[CLI_OPT_NO_HEADER - CLI_OPT_DELIMITER])
        po.load.has_header = false;
    if (load_changed[CLI_OPT_TIME_UNIT - CLI_OPT_DELIMITER])
        po.load.time_scale = lo.time_scale;
    if (load_changed[CLI_OPT_SKIP_BAD_ROWS - CLI_OPT_DELIMITER])
        po.load.skip_bad_rows = true;
    if (gap_min > 0)
        po.session_gap_s = gap_min * 60.0;
    if (events != NULL)
        po.events = events;
    if (support > 0)
        po.filter.min_item_support = (size_t)support;
    if (min_len > 0) {
        /* rsc15 (yoochoose) and diginetica filter with the same minimum in both passes. */
        if (strcmp(format, "yoochoose") == 0 || strcmp(format, "diginetica") == 0)
            po.filter.first_min_session_length = (size_t)min_len;
        po.filter.min_session_length = (size_t)min_len;
    }
    po.filter.collapse_repeats = collapse;

    cli_progress progress;
    cli_progress_start(&progress, in);
    po.load.progress = cli_progress_rows;
    po.load.progress_user = &progress;
    sbr_prepare_stats st;
    sbr_dataset *ds = NULL;
    rc = sbr_prepare(in, &po, &ds, &st, &err);
    cli_progress_end(&progress);
    if (rc == SBR_OK && ds->n_clicks == 0)
        rc = sbr_err_set(&err, SBR_EPARSE,
                         "%s: no session is left after filtering; lower --min-item-support or "
                         "--min-session-length",
                         in);
    if (rc == SBR_OK)
        rc = sbr_write_sessions(ds, out, &err);
    if (rc == SBR_OK)
        print_prepare_report(in, out, &st, ds);
    sbr_dataset_free(ds);
    return rc == SBR_OK ? SBR_EXIT_OK : cli_fail(&err);
}

/* ------------------------------------------------------------------------------------------ */
/* sbr split                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void split_usage(FILE *out)
{
    fputs("Usage: sbr split --in FILE --out DIR [--name NAME] (--preset P | window options |\n"
          "                 --last-days N [--valid-days N]) [options]\n"
          "\n"
          "Cuts train/test splits by time exactly as session-rec does. A session belongs to a\n"
          "split by the time of its LAST click; test clicks on items absent from that split's\n"
          "train set are removed, then test sessions shorter than 2 clicks are dropped (both\n"
          "counted). Days are 86,400 s of UTC epoch time.\n"
          "\n"
          "Sliding windows (session-rec's names; t0 = the earliest click):\n"
          "  window i = [start, end] with start = t0 + (days-offset + i * days-shift) days,\n"
          "  middle = start + days-train, end = middle + days-test; train: last click < middle\n"
          "  --days-train N  --days-test N  --slices N  --days-offset N  --days-shift N\n"
          "  --preset NAME   session-rec's values for a dataset:\n",
          out);
    const char *name;
    for (size_t i = 0; (name = sbr_window_preset_name(i)) != NULL; i++) {
        sbr_window_options w;
        sbr_window_preset(name, &w);
        fprintf(out, "                  %-13s train %g, test %g, slices %u, offset %g, shift %g\n",
                name, w.days_train, w.days_test, w.slices, w.days_offset, w.days_shift);
    }
    fputs("\n"
          "Single split:\n"
          "  --last-days N   the sessions ending in the last N days are test\n"
          "  --valid-days N  also split train the same way: train_tr and train_valid\n"
          "\n"
          "Output:\n"
          "  --out DIR       created if missing; files DIR/NAME.<slice>.train.tsv.gz and\n"
          "                  DIR/NAME.<slice>.test.tsv.gz (plus .train_tr / .train_valid), and\n"
          "                  DIR/NAME.stats.csv: one row per slice and part with sessions,\n"
          "                  clicks, items, time span, the window and the drops per reason\n"
          "  --name NAME     default: the input file name without its extensions\n"
          "  -h, --help      this help\n"
          "\n" CLI_LOAD_OPTIONS_HELP "\n"
          "Examples:\n"
          "  sbr split --in retailrocket.tsv.gz --out splits --preset retailrocket\n"
          "  sbr split --in $SBR_DATA/30music/slice0.tsv.gz --out splits --last-days 1\n",
          out);
}

/* One part of a slice: written to DIR/NAME.<slice>.<part>.tsv.gz and described in the CSV. */
static sbr_rc write_part(const char *dir, const char *name, unsigned slice, const char *part,
                         const sbr_dataset *ds, const sbr_split *sp, bool carries_drops,
                         sbr_out *csv, sbr_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s.%u.%s.tsv.gz", dir, name, slice, part) >=
        (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "split: output path too long");
    sbr_rc rc = sbr_write_sessions(ds, path, err);
    if (rc != SBR_OK)
        return rc;
    double first, last;
    sbr_dataset_time_range(ds, &first, &last);
    char f[32], l[32], s0[32], s1[32], s2[32];
    sbr_out_printf(csv, "%u,%s,%zu,%zu,%zu,%s,%s,%.6f,%s,%s,%s,%llu,%llu,%llu,%llu\n", slice, part,
                   ds->n_sessions, ds->n_clicks, ds->n_items, sbr_format_double(f, sizeof f, first),
                   sbr_format_double(l, sizeof l, last), (last - first) / 86400.0,
                   sbr_format_double(s0, sizeof s0, sp->start),
                   sbr_format_double(s1, sizeof s1, sp->middle),
                   sbr_format_double(s2, sizeof s2, sp->end),
                   (unsigned long long)(carries_drops ? sp->sessions_outside : 0),
                   (unsigned long long)(carries_drops ? sp->test_clicks_unseen : 0),
                   (unsigned long long)(carries_drops ? sp->test_sessions_short : 0),
                   (unsigned long long)(carries_drops ? sp->test_clicks_short : 0));
    return SBR_OK;
}

static void print_split_row(unsigned slice, const char *what, const sbr_split *sp)
{
    /* One buffer per number: all are formatted before printf reads any. */
    char n[6][32], t0[32], t1[32], t2[32];
    printf("%5u  %-11s  %s .. %s .. %s  %9s %10s  %8s %9s  %9s %8s\n", slice, what,
           sbr_format_utc(t0, sizeof t0, sp->start), sbr_format_utc(t1, sizeof t1, sp->middle),
           sbr_format_utc(t2, sizeof t2, sp->end),
           sbr_fmt_count(n[0], sizeof n[0], sp->train->n_sessions),
           sbr_fmt_count(n[1], sizeof n[1], sp->train->n_clicks),
           sbr_fmt_count(n[2], sizeof n[2], sp->test->n_sessions),
           sbr_fmt_count(n[3], sizeof n[3], sp->test->n_clicks),
           sbr_fmt_count(n[4], sizeof n[4], sp->test_clicks_unseen),
           sbr_fmt_count(n[5], sizeof n[5], sp->test_sessions_short));
}

int sbr_cmd_split(int argc, char **argv)
{
    enum {
        OPT_IN = CLI_OPT_FIRST_FREE,
        OPT_OUT,
        OPT_NAME,
        OPT_PRESET,
        OPT_DAYS_TRAIN,
        OPT_DAYS_TEST,
        OPT_SLICES,
        OPT_DAYS_OFFSET,
        OPT_DAYS_SHIFT,
        OPT_LAST_DAYS,
        OPT_VALID_DAYS
    };
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"in", required_argument, NULL, OPT_IN},
        {"out", required_argument, NULL, OPT_OUT},
        {"name", required_argument, NULL, OPT_NAME},
        {"preset", required_argument, NULL, OPT_PRESET},
        {"days-train", required_argument, NULL, OPT_DAYS_TRAIN},
        {"days-test", required_argument, NULL, OPT_DAYS_TEST},
        {"slices", required_argument, NULL, OPT_SLICES},
        {"days-offset", required_argument, NULL, OPT_DAYS_OFFSET},
        {"days-shift", required_argument, NULL, OPT_DAYS_SHIFT},
        {"last-days", required_argument, NULL, OPT_LAST_DAYS},
        {"valid-days", required_argument, NULL, OPT_VALID_DAYS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *in = NULL, *dir = NULL, *name_opt = NULL;
    sbr_window_options w = {0, 0, 1, 0, 0};
    bool windowed = false;
    double last_days = 0, valid_days = 0;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    int c, rc = 0;
    long slices;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            split_usage(stdout);
            return SBR_EXIT_OK;
        case OPT_IN:
            in = optarg;
            break;
        case OPT_OUT:
            dir = optarg;
            break;
        case OPT_NAME:
            name_opt = optarg;
            break;
        case OPT_PRESET:
            if (!sbr_window_preset(optarg, &w))
                return cli_usage_error("split", "unknown --preset '%s' (see --help for the list)",
                                       optarg);
            windowed = true;
            break;
        case OPT_DAYS_TRAIN:
            rc = cli_number("split", "days-train", optarg, 1e-9, 1e6, &w.days_train);
            windowed = true;
            break;
        case OPT_DAYS_TEST:
            rc = cli_number("split", "days-test", optarg, 1e-9, 1e6, &w.days_test);
            windowed = true;
            break;
        case OPT_SLICES:
            rc = cli_count("split", "slices", optarg, 1, 10000, &slices);
            w.slices = (unsigned)slices;
            windowed = true;
            break;
        case OPT_DAYS_OFFSET:
            rc = cli_number("split", "days-offset", optarg, 0, 1e6, &w.days_offset);
            windowed = true;
            break;
        case OPT_DAYS_SHIFT:
            rc = cli_number("split", "days-shift", optarg, 0, 1e6, &w.days_shift);
            windowed = true;
            break;
        case OPT_LAST_DAYS:
            rc = cli_number("split", "last-days", optarg, 1e-9, 1e6, &last_days);
            break;
        case OPT_VALID_DAYS:
            rc = cli_number("split", "valid-days", optarg, 1e-9, 1e6, &valid_days);
            break;
        default:
            if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
                rc = cli_load_option("split", c, optarg, &lo);
                break;
            }
            return cli_usage_error("split", "unrecognised option");
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("split", "unexpected argument '%s'", argv[optind]);
    if (in == NULL || dir == NULL)
        return cli_usage_error("split", "--in and --out are required");
    if (windowed == (last_days > 0))
        return cli_usage_error("split", "choose either sliding windows (--preset or --days-*) "
                                        "or a single split (--last-days)");
    if (windowed && (w.days_train <= 0 || w.days_test <= 0))
        return cli_usage_error("split", "sliding windows need --days-train and --days-test "
                                        "(or a --preset)");
    if (valid_days > 0 && windowed)
        return cli_usage_error("split", "--valid-days goes with --last-days");

    char name[1024];
    if (name_opt != NULL)
        snprintf(name, sizeof name, "%s", name_opt);
    else
        cli_base_name(in, name, sizeof name);
    if (cli_make_dirs(dir) != 0) {
        fprintf(stderr, "sbr: %s: cannot create the folder: %s\n", dir, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }

    sbr_err err = {SBR_OK, ""};
    sbr_load_stats ls;
    sbr_dataset *ds = NULL;
    if (cli_load(in, &lo, false, &ds, &ls, &err) != SBR_OK)
        return cli_fail(&err);

    char csv_path[4096];
    snprintf(csv_path, sizeof csv_path, "%s/%s.stats.csv", dir, name);
    sbr_out *csv = NULL;
    if (sbr_out_open(csv_path, &csv, &err) != SBR_OK) {
        sbr_dataset_free(ds);
        return cli_fail(&err);
    }
    sbr_out_printf(csv, "slice,part,sessions,clicks,items,first_time,last_time,span_days,"
                        "window_start,window_middle,window_end,sessions_outside_window,"
                        "unseen_test_clicks_removed,short_test_sessions_dropped,"
                        "short_test_clicks_dropped\n");
    printf("%5s  %-11s  %-61s  %9s %10s  %8s %9s  %9s %8s\n", "slice", "split",
           "window: start .. middle .. end (UTC)", "train ses", "train clk", "test ses", "test clk",
           "unseen rm", "short rm");
    unsigned n_slices = windowed ? w.slices : 1;
    sbr_rc src = SBR_OK;
    for (unsigned i = 0; i < n_slices && src == SBR_OK; i++) {
        sbr_split sp, vs;
        memset(&vs, 0, sizeof vs);
        src = windowed ? sbr_split_window(ds, &w, i, &sp, &err)
                       : sbr_split_last_days(ds, last_days, &sp, &err);
        if (src != SBR_OK)
            break;
        print_split_row(i, windowed ? "window" : "last days", &sp);
        if (sp.test->n_sessions == 0)
            fprintf(stderr, "sbr: warning: slice %u has an empty test set\n", i);
        src = write_part(dir, name, i, "train", sp.train, &sp, false, csv, &err);
        if (src == SBR_OK)
            src = write_part(dir, name, i, "test", sp.test, &sp, true, csv, &err);
        if (src == SBR_OK && valid_days > 0) {
            src = sbr_split_last_days(sp.train, valid_days, &vs, &err);
            if (src == SBR_OK) {
                print_split_row(i, "validation", &vs);
                src = write_part(dir, name, i, "train_tr", vs.train, &vs, false, csv, &err);
            }
            if (src == SBR_OK)
                src = write_part(dir, name, i, "train_valid", vs.test, &vs, true, csv, &err);
        }
        sbr_split_fini(&vs);
        sbr_split_fini(&sp);
    }
    sbr_dataset_free(ds);
    if (src != SBR_OK) {
        sbr_out_abort(csv);
        return cli_fail(&err);
    }
    if (sbr_out_commit(csv, &err) != SBR_OK)
        return cli_fail(&err);
    printf("wrote %u slice%s to %s/%s.*.tsv.gz and %s\n", n_slices, n_slices == 1 ? "" : "s", dir,
           name, csv_path);
    return SBR_EXIT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* sbr synth                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static const char synth_usage[] =
    "Usage: sbr synth --out FILE [options]\n"
    "\n"
    "Generates a realistic synthetic click log, deterministically from a seed: Zipf item\n"
    "popularity within intent clusters, sequential transitions along each item's successor\n"
    "chain, repeat clicks, jumps to globally popular items, log-normal session lengths and\n"
    "click gaps, and a daily cycle over the time span. The same options and seed give the\n"
    "same bytes on every machine. It is what `make experiments` uses without real data.\n"
    "\n"
    "  --out FILE          the session file to write (.gz compresses), atomically\n"
    "  --sessions N        default 20000 (up to 1e8: tens of millions of clicks stream out)\n"
    "  --items N           default 5000\n"
    "  --clusters N        intents, default 25\n"
    "  --zipf S            popularity exponent, default 1.1\n"
    "  --mean-length L     mean clicks per session, default 5.5 (minimum 2)\n"
    "  --p-sequential P    follow the successor chain, default 0.45\n"
    "  --p-repeat P        repeat the previous item, default 0.08\n"
    "  --p-explore P       jump to a globally popular item, default 0.07\n"
    "  --days D            time span in days, default 30 (from 2020-01-01 UTC)\n"
    "  --seed S            default 1\n"
    "  -h, --help          this help\n"
    "\n"
    "Example:\n"
    "  sbr synth --out synth.tsv.gz --sessions 200000 && sbr split --in synth.tsv.gz \\\n"
    "      --out splits --last-days 1\n";

int sbr_cmd_synth(int argc, char **argv)
{
    enum {
        OPT_OUT = CLI_OPT_FIRST_FREE,
        OPT_SESSIONS,
        OPT_ITEMS,
        OPT_CLUSTERS,
        OPT_ZIPF,
        OPT_MEAN,
        OPT_PSEQ,
        OPT_PREP,
        OPT_PEXP,
        OPT_DAYS,
        OPT_SEED
    };
    static const struct option longopts[] = {{"out", required_argument, NULL, OPT_OUT},
                                             {"sessions", required_argument, NULL, OPT_SESSIONS},
                                             {"items", required_argument, NULL, OPT_ITEMS},
                                             {"clusters", required_argument, NULL, OPT_CLUSTERS},
                                             {"zipf", required_argument, NULL, OPT_ZIPF},
                                             {"mean-length", required_argument, NULL, OPT_MEAN},
                                             {"p-sequential", required_argument, NULL, OPT_PSEQ},
                                             {"p-repeat", required_argument, NULL, OPT_PREP},
                                             {"p-explore", required_argument, NULL, OPT_PEXP},
                                             {"days", required_argument, NULL, OPT_DAYS},
                                             {"seed", required_argument, NULL, OPT_SEED},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    sbr_synth_options so;
    sbr_synth_options_init(&so);
    const char *out = NULL;
    long v;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(synth_usage, stdout);
            return SBR_EXIT_OK;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_SESSIONS:
            if ((rc = cli_count("synth", "sessions", optarg, 1, 100000000, &v)) == 0)
                so.sessions = (size_t)v;
            break;
        case OPT_ITEMS:
            if ((rc = cli_count("synth", "items", optarg, 10, 100000000, &v)) == 0)
                so.items = (size_t)v;
            break;
        case OPT_CLUSTERS:
            if ((rc = cli_count("synth", "clusters", optarg, 1, 1000000, &v)) == 0)
                so.clusters = (size_t)v;
            break;
        case OPT_ZIPF:
            rc = cli_number("synth", "zipf", optarg, 0, 5, &so.zipf);
            break;
        case OPT_MEAN:
            rc = cli_number("synth", "mean-length", optarg, 2, 1000, &so.mean_length);
            break;
        case OPT_PSEQ:
            rc = cli_number("synth", "p-sequential", optarg, 0, 1, &so.p_sequential);
            break;
        case OPT_PREP:
            rc = cli_number("synth", "p-repeat", optarg, 0, 1, &so.p_repeat);
            break;
        case OPT_PEXP:
            rc = cli_number("synth", "p-explore", optarg, 0, 1, &so.p_explore);
            break;
        case OPT_DAYS:
            rc = cli_number("synth", "days", optarg, 1e-3, 3650, &so.days);
            break;
        case OPT_SEED:
            if ((rc = cli_count("synth", "seed", optarg, 0, 2147483647L, &v)) == 0)
                so.seed = (uint64_t)v;
            break;
        default:
            return cli_usage_error("synth", "unrecognised option");
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    if (out == NULL)
        return cli_usage_error("synth", "--out is required");
    sbr_err err = {SBR_OK, ""};
    sbr_synth_stats st;
    cli_progress progress;
    cli_progress_start(&progress, out);
    sbr_rc src = sbr_synth_write(&so, out, cli_progress_rows, &progress, &st, &err);
    cli_progress_end(&progress);
    if (src != SBR_OK)
        return cli_fail(&err);
    char a[32], b[32];
    printf("%s: %s sessions, %s clicks (seed %llu)\n", out, sbr_fmt_count(a, sizeof a, st.sessions),
           sbr_fmt_count(b, sizeof b, st.clicks), (unsigned long long)so.seed);
    return SBR_EXIT_OK;
}
