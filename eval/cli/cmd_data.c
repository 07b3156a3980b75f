/* The data commands: `sbr stats`, `sbr prepare` and `sbr split`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/cache.h"
#include "data/output.h"
#include "data/parse.h"
#include "data/prepare.h"
#include "data/split.h"
#include "data/stats.h"
#include "data/synth.h"
#include "eval/cli/cli.h"
#include "eval/report.h"

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
    "  --time-load       only load each file and print its wall-clock load time (the\n"
    "                    file to the dataset in memory: parsing, or the .sbrd cache's\n"
    "                    checks), clicks, sessions and items; no statistics\n"
    "  --synthetic-time  the Time column orders the clicks but is not a date (as in the\n"
    "                    SR-GNN/GCE-GNN splits of retailrocket, diginetica, nowplaying and\n"
    "                    tmall): no dates and no span in days are shown (CSV: empty cells)\n"
    "  -h, --help        this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr stats --synthetic-time $SBR_DATA/retailrocket/train.tsv.gz \\\n"
    "            $SBR_DATA/retailrocket/test.tsv.gz\n";

typedef struct file_stats {
    const char *path;
    sbr_load_stats load;
    sbr_stats st;
    bool synthetic_time; /* --synthetic-time */
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
    if (f->synthetic_time)
        snprintf(cells[r++], CELL, "synthetic time");
    else
        sbr_format_utc(cells[r++], CELL, f->st.first_time);
    labels[r] = "last click (UTC)";
    if (f->synthetic_time)
        snprintf(cells[r++], CELL, "synthetic time");
    else
        sbr_format_utc(cells[r++], CELL, f->st.last_time);
    labels[r] = "time span (days)";
    if (f->synthetic_time)
        snprintf(cells[r++], CELL, "-");
    else
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
        char span[32];
        snprintf(span, sizeof span, "%.6f", f->st.span_days);
        if (f->synthetic_time)
            t0[0] = t1[0] = span[0] = '\0';
        else {
            sbr_format_double(t0, sizeof t0, f->st.first_time);
            sbr_format_double(t1, sizeof t1, f->st.last_time);
        }
        printf(",%s,%s,%s,%.6f\n", t0, t1, span, f->st.repeat_share);
    }
}

int sbr_cmd_stats(int argc, char **argv)
{
    enum { OPT_CSV = CLI_OPT_FIRST_FREE, OPT_SYNTHETIC_TIME, OPT_TIME_LOAD };
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"csv", no_argument, NULL, OPT_CSV},
        {"time-load", no_argument, NULL, OPT_TIME_LOAD},
        {"synthetic-time", no_argument, NULL, OPT_SYNTHETIC_TIME},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    bool csv = false, synthetic_time = false, time_load = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(stats_usage, stdout);
            return SBR_EXIT_OK;
        } else if (c == OPT_CSV) {
            csv = true;
        } else if (c == OPT_SYNTHETIC_TIME) {
            synthetic_time = true;
        } else if (c == OPT_TIME_LOAD) {
            time_load = true;
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
        files[i].synthetic_time = synthetic_time;
        double t0 = sbr_now_s();
        if (cli_load(files[i].path, &lo, true, &ds, &files[i].load, &err) != SBR_OK)
            status = cli_fail(&err);
        else if (time_load)
            printf("%s: loaded in %.3f s: %zu clicks, %zu sessions, %zu items\n", files[i].path,
                   sbr_now_s() - t0, ds->n_clicks, ds->n_sessions, ds->n_items);
        else if (sbr_stats_compute(ds, &files[i].st, &err) != SBR_OK)
            status = cli_fail(&err);
        sbr_dataset_free(ds);
    }
    if (status == SBR_EXIT_OK && !time_load) {
        if (csv)
            print_stats_csv(files, n);
        else
            print_stats_table(files, n);
        for (int i = 0; i < n && !csv && !synthetic_time; i++)
            if (files[i].st.clicks > 0 && files[i].st.last_time < 631152000.0) { /* 1990 */
                printf("note: %s ends before 1990; if its Time orders the clicks but is not "
                       "seconds, give --synthetic-time\n",
                       short_name(files[i].path));
                break;
            }
    }
    free(files);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* sbr prepare                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void prepare_usage(FILE *out)
{
    fputs("Usage: sbr prepare --format NAME --in RAW --out SESSIONS.tsv.gz|CACHE.sbrd [options]\n"
          "\n"
          "Reads a raw public click log in its original format, builds sessions, applies\n"
          "session-rec's filters in its order (1. drop sessions of length 1, 2. drop items with\n"
          "fewer than --min-item-support clicks, 3. drop sessions shorter than\n"
          "--min-session-length; one pass) and writes a session file: SessionId, ItemId, Time\n"
          "(epoch seconds), tab-separated with a header; .gz output is compressed. Every row\n"
          "read is accounted for in the report: kept, malformed, or removed by a rule.\n"
          "\n"
          "An --out name ending in .sbrd writes a binary dataset cache instead: the dataset's\n"
          "arrays, versioned and checksummed, which every command reads in place of a session\n"
          "file in a fraction of the time. It records the --in file's size and time: once that\n"
          "file changes, the cache is refused as stale. `--format sessions --no-filters` caches\n"
          "a session file exactly as the commands load it.\n"
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
        "  --no-filters             apply none of the three filters\n"
        "  -h, --help               this help\n"
        "\n" CLI_LOAD_OPTIONS_HELP "\n"
        "Example:\n"
        "  sbr prepare --format lastfm1k --in userid-timestamp-artid-artname-traid-traname.tsv \\\n"
        "              --out lastfm.tsv.gz --gap-minutes 30\n"
        "  sbr prepare --format sessions --no-filters --in train.tsv.gz --out train.sbrd\n",
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

/* The options of `sbr prepare`: collected first and applied after the format's defaults. */
typedef struct prepare_args {
    const char *format, *in, *out, *events;
    double gap_min;        /* -1: the format's */
    long support, min_len; /* -1: the format's */
    bool collapse, no_filters;
    sbr_load_options lo;
    bool load_changed[CLI_OPT_FIRST_FREE - CLI_OPT_DELIMITER]; /* loader options given */
} prepare_args;

enum {
    OPT_FORMAT = CLI_OPT_FIRST_FREE,
    OPT_PREP_IN,
    OPT_PREP_OUT,
    OPT_GAP,
    OPT_EVENTS,
    OPT_SUPPORT,
    OPT_MIN_LEN,
    OPT_COLLAPSE,
    OPT_NO_FILTERS
};

/* Applies one option. Returns 0 or a usage error's exit status. */
static int prepare_option(prepare_args *a, int c, const char *arg)
{
    switch (c) {
    case OPT_FORMAT:
        a->format = arg;
        return 0;
    case OPT_PREP_IN:
        a->in = arg;
        return 0;
    case OPT_PREP_OUT:
        a->out = arg;
        return 0;
    case OPT_GAP:
        return cli_number("prepare", "gap-minutes", arg, 1e-6, 1e9, &a->gap_min);
    case OPT_EVENTS:
        a->events = arg;
        return 0;
    case OPT_SUPPORT:
        return cli_count("prepare", "min-item-support", arg, 1, 1L << 30, &a->support);
    case OPT_MIN_LEN:
        return cli_count("prepare", "min-session-length", arg, 1, 1L << 30, &a->min_len);
    case OPT_COLLAPSE:
        a->collapse = true;
        return 0;
    case OPT_NO_FILTERS:
        a->no_filters = true;
        return 0;
    default:
        if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE) {
            a->load_changed[c - CLI_OPT_DELIMITER] = true;
            return cli_load_option("prepare", c, arg, &a->lo);
        }
        return cli_usage_error("prepare", "unrecognised option");
    }
}

/* Parses the options. Returns -1 to go on, else the exit status (help, usage). */
static int parse_prepare_args(int argc, char **argv, prepare_args *a)
{
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"in", required_argument, NULL, OPT_PREP_IN},
        {"out", required_argument, NULL, OPT_PREP_OUT},
        {"gap-minutes", required_argument, NULL, OPT_GAP},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"min-item-support", required_argument, NULL, OPT_SUPPORT},
        {"min-session-length", required_argument, NULL, OPT_MIN_LEN},
        {"collapse-repeats", no_argument, NULL, OPT_COLLAPSE},
        {"no-filters", no_argument, NULL, OPT_NO_FILTERS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->gap_min = -1;
    a->support = a->min_len = -1;
    sbr_load_options_init(&a->lo);
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            prepare_usage(stdout);
            return SBR_EXIT_OK;
        }
        if ((rc = prepare_option(a, c, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("prepare", "unexpected argument '%s'", argv[optind]);
    if (a->format == NULL || a->in == NULL || a->out == NULL)
        return cli_usage_error("prepare", "--format, --in and --out are required");
    if (a->no_filters && (a->support > 0 || a->min_len > 0 || a->collapse))
        return cli_usage_error("prepare", "--no-filters goes without --min-item-support, "
                                          "--min-session-length and --collapse-repeats");
    return -1;
}

/* The options the user gave, over the format's defaults in *po. */
static void apply_prepare_args(const prepare_args *a, sbr_prepare_options *po)
{
    const bool *changed = a->load_changed;
    if (changed[CLI_OPT_DELIMITER - CLI_OPT_DELIMITER])
        po->load.table.delimiter = a->lo.table.delimiter;
    if (changed[CLI_OPT_COLUMNS - CLI_OPT_DELIMITER])
        memcpy(po->load.columns, a->lo.columns, sizeof a->lo.columns);
    if (changed[CLI_OPT_NO_HEADER - CLI_OPT_DELIMITER])
        po->load.has_header = false;
    if (changed[CLI_OPT_TIME_UNIT - CLI_OPT_DELIMITER])
        po->load.time_scale = a->lo.time_scale;
    if (changed[CLI_OPT_SKIP_BAD_ROWS - CLI_OPT_DELIMITER])
        po->load.skip_bad_rows = true;
    if (a->gap_min > 0)
        po->session_gap_s = a->gap_min * 60.0;
    if (a->events != NULL)
        po->events = a->events;
    if (a->support > 0)
        po->filter.min_item_support = (size_t)a->support;
    if (a->min_len > 0) {
        /* rsc15 (yoochoose) and diginetica filter with the same minimum in both passes. */
        if (strcmp(a->format, "yoochoose") == 0 || strcmp(a->format, "diginetica") == 0)
            po->filter.first_min_session_length = (size_t)a->min_len;
        po->filter.min_session_length = (size_t)a->min_len;
    }
    po->filter.collapse_repeats = a->collapse;
    if (a->no_filters) {
        po->filter.first_min_session_length = 1;
        po->filter.min_item_support = 1;
        po->filter.min_session_length = 1;
    }
}

int sbr_cmd_prepare(int argc, char **argv)
{
    prepare_args a;
    int status = parse_prepare_args(argc, argv, &a);
    if (status >= 0)
        return status;
    sbr_err err = {SBR_OK, ""};
    sbr_prepare_options po;
    if (sbr_prepare_options_init(&po, a.format, &err) != SBR_OK)
        return cli_fail(&err);
    apply_prepare_args(&a, &po);
    cli_progress progress;
    cli_progress_start(&progress, a.in);
    po.load.progress = cli_progress_rows;
    po.load.progress_user = &progress;
    sbr_prepare_stats st;
    sbr_dataset *ds = NULL;
    sbr_rc rc = sbr_prepare(a.in, &po, &ds, &st, &err);
    cli_progress_end(&progress);
    if (rc == SBR_OK && ds->n_clicks == 0)
        rc = sbr_err_set(&err, SBR_EPARSE,
                         "%s: no session is left after filtering; lower --min-item-support or "
                         "--min-session-length",
                         a.in);
    if (rc == SBR_OK)
        rc = sbr_cache_is_path(a.out) ? sbr_cache_write(ds, a.out, a.in, &err)
                                      : sbr_write_sessions(ds, a.out, &err);
    if (rc == SBR_OK)
        print_prepare_report(a.in, a.out, &st, ds);
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

/* The files a split has written so far, removed again if a later one fails: a split is
 * written whole or not at all. */
typedef struct written_files {
    char **paths;
    size_t n;
} written_files;

static sbr_rc note_written(written_files *w, const char *path, sbr_err *err)
{
    char *copy = malloc(strlen(path) + 1);
    if (copy == NULL || sbr_grow_array(&w->paths, w->n + 1, sizeof *w->paths) != SBR_OK) {
        free(copy);
        remove(path); /* not recorded, so removed now */
        return sbr_err_set(err, SBR_ENOMEM, "split: out of memory");
    }
    strcpy(copy, path);
    w->paths[w->n++] = copy;
    return SBR_OK;
}

/* Frees the list; with undo, first removes every file in it. */
static void written_files_fini(written_files *w, bool undo)
{
    for (size_t i = 0; i < w->n; i++) {
        if (undo)
            remove(w->paths[i]);
        free(w->paths[i]);
    }
    free(w->paths);
    w->paths = NULL;
    w->n = 0;
}

/* One part of a slice: written to DIR/NAME.<slice>.<part>.tsv.gz and described in the CSV. */
static sbr_rc write_part(const char *dir, const char *name, unsigned slice, const char *part,
                         const sbr_dataset *ds, const sbr_split *sp, bool carries_drops,
                         sbr_out *csv, written_files *written, sbr_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s.%u.%s.tsv.gz", dir, name, slice, part) >=
        (int)sizeof path)
        return sbr_err_set(err, SBR_EINVAL, "split: output path too long");
    sbr_rc rc = sbr_write_sessions(ds, path, err);
    if (rc == SBR_OK)
        rc = note_written(written, path, err);
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

typedef struct split_args {
    const char *in, *dir, *name;
    sbr_window_options w;
    bool windowed; /* sliding windows, else one split of the last days */
    double last_days, valid_days;
    sbr_load_options lo;
} split_args;

enum {
    OPT_SPLIT_IN = CLI_OPT_FIRST_FREE,
    OPT_SPLIT_OUT,
    OPT_SPLIT_NAME,
    OPT_PRESET,
    OPT_DAYS_TRAIN,
    OPT_DAYS_TEST,
    OPT_SLICES,
    OPT_DAYS_OFFSET,
    OPT_DAYS_SHIFT,
    OPT_LAST_DAYS,
    OPT_VALID_DAYS
};

/* Applies one option. Returns 0 or a usage error's exit status. */
static int split_option(split_args *a, int c, const char *arg)
{
    long slices;
    int rc;
    if (c >= OPT_PRESET && c <= OPT_DAYS_SHIFT)
        a->windowed = true;
    switch (c) {
    case OPT_SPLIT_IN:
        a->in = arg;
        return 0;
    case OPT_SPLIT_OUT:
        a->dir = arg;
        return 0;
    case OPT_SPLIT_NAME:
        a->name = arg;
        return 0;
    case OPT_PRESET:
        if (!sbr_window_preset(arg, &a->w))
            return cli_usage_error("split", "unknown --preset '%s' (see --help for the list)", arg);
        return 0;
    case OPT_DAYS_TRAIN:
        return cli_number("split", "days-train", arg, 1e-9, 1e6, &a->w.days_train);
    case OPT_DAYS_TEST:
        return cli_number("split", "days-test", arg, 1e-9, 1e6, &a->w.days_test);
    case OPT_SLICES:
        rc = cli_count("split", "slices", arg, 1, 10000, &slices);
        a->w.slices = (unsigned)slices;
        return rc;
    case OPT_DAYS_OFFSET:
        return cli_number("split", "days-offset", arg, 0, 1e6, &a->w.days_offset);
    case OPT_DAYS_SHIFT:
        return cli_number("split", "days-shift", arg, 0, 1e6, &a->w.days_shift);
    case OPT_LAST_DAYS:
        return cli_number("split", "last-days", arg, 1e-9, 1e6, &a->last_days);
    case OPT_VALID_DAYS:
        return cli_number("split", "valid-days", arg, 1e-9, 1e6, &a->valid_days);
    default:
        if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE)
            return cli_load_option("split", c, arg, &a->lo);
        return cli_usage_error("split", "unrecognised option");
    }
}

/* Parses and checks the options. Returns -1 to go on, else the exit status (help, usage). */
static int parse_split_args(int argc, char **argv, split_args *a)
{
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"in", required_argument, NULL, OPT_SPLIT_IN},
        {"out", required_argument, NULL, OPT_SPLIT_OUT},
        {"name", required_argument, NULL, OPT_SPLIT_NAME},
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
    memset(a, 0, sizeof *a);
    a->w = (sbr_window_options){0, 0, 1, 0, 0};
    sbr_load_options_init(&a->lo);
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            split_usage(stdout);
            return SBR_EXIT_OK;
        }
        if ((rc = split_option(a, c, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("split", "unexpected argument '%s'", argv[optind]);
    if (a->in == NULL || a->dir == NULL)
        return cli_usage_error("split", "--in and --out are required");
    if (a->windowed == (a->last_days > 0))
        return cli_usage_error("split", "choose either sliding windows (--preset or --days-*) "
                                        "or a single split (--last-days)");
    if (a->windowed && (a->w.days_train <= 0 || a->w.days_test <= 0))
        return cli_usage_error("split", "sliding windows need --days-train and --days-test "
                                        "(or a --preset)");
    if (a->valid_days > 0 && a->windowed)
        return cli_usage_error("split", "--valid-days goes with --last-days");
    return -1;
}

/* Cuts slice i (and its validation split), prints its rows and writes its parts. */
static sbr_rc split_slice(const split_args *a, const char *name, const sbr_dataset *ds, unsigned i,
                          sbr_out *csv, written_files *written, sbr_err *err)
{
    sbr_split sp, vs;
    memset(&vs, 0, sizeof vs);
    sbr_rc rc = a->windowed ? sbr_split_window(ds, &a->w, i, &sp, err)
                            : sbr_split_last_days(ds, a->last_days, &sp, err);
    if (rc != SBR_OK)
        return rc;
    print_split_row(i, a->windowed ? "window" : "last days", &sp);
    if (sp.test->n_sessions == 0)
        fprintf(stderr, "sbr: warning: slice %u has an empty test set\n", i);
    rc = write_part(a->dir, name, i, "train", sp.train, &sp, false, csv, written, err);
    if (rc == SBR_OK)
        rc = write_part(a->dir, name, i, "test", sp.test, &sp, true, csv, written, err);
    if (rc == SBR_OK && a->valid_days > 0) {
        rc = sbr_split_last_days(sp.train, a->valid_days, &vs, err);
        if (rc == SBR_OK) {
            print_split_row(i, "validation", &vs);
            rc = write_part(a->dir, name, i, "train_tr", vs.train, &vs, false, csv, written, err);
        }
        if (rc == SBR_OK)
            rc = write_part(a->dir, name, i, "train_valid", vs.test, &vs, true, csv, written, err);
    }
    sbr_split_fini(&vs);
    sbr_split_fini(&sp);
    return rc;
}

/* Loads the input and writes every slice and the statistics file at csv_path. */
static sbr_rc split_all(const split_args *a, const char *name, const char *csv_path,
                        unsigned n_slices, sbr_err *err)
{
    sbr_load_stats ls;
    sbr_dataset *ds = NULL;
    sbr_rc rc = cli_load(a->in, &a->lo, false, &ds, &ls, err);
    if (rc != SBR_OK)
        return rc;
    sbr_out *csv = NULL;
    if ((rc = sbr_out_open(csv_path, &csv, err)) != SBR_OK) {
        sbr_dataset_free(ds);
        return rc;
    }
    sbr_out_printf(csv, "slice,part,sessions,clicks,items,first_time,last_time,span_days,"
                        "window_start,window_middle,window_end,sessions_outside_window,"
                        "unseen_test_clicks_removed,short_test_sessions_dropped,"
                        "short_test_clicks_dropped\n");
    printf("%5s  %-11s  %-61s  %9s %10s  %8s %9s  %9s %8s\n", "slice", "split",
           "window: start .. middle .. end (UTC)", "train ses", "train clk", "test ses", "test clk",
           "unseen rm", "short rm");
    written_files written = {NULL, 0};
    for (unsigned i = 0; i < n_slices && rc == SBR_OK; i++)
        rc = split_slice(a, name, ds, i, csv, &written, err);
    sbr_dataset_free(ds);
    if (rc != SBR_OK)
        sbr_out_abort(csv);
    else
        rc = sbr_out_commit(csv, err);
    /* On any failure, no partial split: remove the parts this run wrote (and only those). */
    written_files_fini(&written, rc != SBR_OK);
    return rc;
}

int sbr_cmd_split(int argc, char **argv)
{
    split_args a;
    int status = parse_split_args(argc, argv, &a);
    if (status >= 0)
        return status;
    char name[1024];
    if (a.name != NULL)
        snprintf(name, sizeof name, "%s", a.name);
    else
        cli_base_name(a.in, name, sizeof name);
    if (cli_make_dirs(a.dir) != 0) {
        fprintf(stderr, "sbr: %s: cannot create the folder: %s\n", a.dir, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    char csv_path[4096];
    snprintf(csv_path, sizeof csv_path, "%s/%s.stats.csv", a.dir, name);
    unsigned n_slices = a.windowed ? a.w.slices : 1;
    sbr_err err = {SBR_OK, ""};
    if (split_all(&a, name, csv_path, n_slices, &err) != SBR_OK)
        return cli_fail(&err);
    printf("wrote %u slice%s to %s/%s.*.tsv.gz and %s\n", n_slices, n_slices == 1 ? "" : "s", a.dir,
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
    "  --cover             every one of the --items ids appears at least once: items the\n"
    "                      Zipf draws miss (many, when clicks per item are few) are added\n"
    "                      as one extra click each at the end of sessions spread evenly;\n"
    "                      all other clicks stay as without --cover\n"
    "  -h, --help          this help\n"
    "\n"
    "Example:\n"
    "  sbr synth --out synth.tsv.gz --sessions 200000 && sbr split --in synth.tsv.gz \\\n"
    "      --out splits --last-days 1\n";

enum {
    OPT_SYNTH_OUT = CLI_OPT_FIRST_FREE,
    OPT_SESSIONS,
    OPT_ITEMS,
    OPT_CLUSTERS,
    OPT_ZIPF,
    OPT_MEAN,
    OPT_PSEQ,
    OPT_PREP,
    OPT_PEXP,
    OPT_DAYS,
    OPT_SEED,
    OPT_COVER
};

/* A count option into *out. Returns 0 or a usage error's exit status. */
static int synth_count(const char *option, const char *arg, long lo, long hi, size_t *out)
{
    long v;
    int rc = cli_count("synth", option, arg, lo, hi, &v);
    if (rc == 0)
        *out = (size_t)v;
    return rc;
}

/* Applies one option. Returns 0 or a usage error's exit status. */
static int synth_option(sbr_synth_options *so, const char **out, int c, const char *arg)
{
    long v;
    int rc;
    switch (c) {
    case OPT_SYNTH_OUT:
        *out = arg;
        return 0;
    case OPT_SESSIONS:
        return synth_count("sessions", arg, 1, 100000000, &so->sessions);
    case OPT_ITEMS:
        return synth_count("items", arg, 10, 100000000, &so->items);
    case OPT_CLUSTERS:
        return synth_count("clusters", arg, 1, 1000000, &so->clusters);
    case OPT_ZIPF:
        return cli_number("synth", "zipf", arg, 0, 5, &so->zipf);
    case OPT_MEAN:
        return cli_number("synth", "mean-length", arg, 2, 1000, &so->mean_length);
    case OPT_PSEQ:
        return cli_number("synth", "p-sequential", arg, 0, 1, &so->p_sequential);
    case OPT_PREP:
        return cli_number("synth", "p-repeat", arg, 0, 1, &so->p_repeat);
    case OPT_PEXP:
        return cli_number("synth", "p-explore", arg, 0, 1, &so->p_explore);
    case OPT_DAYS:
        return cli_number("synth", "days", arg, 1e-3, 3650, &so->days);
    case OPT_SEED:
        if ((rc = cli_count("synth", "seed", arg, 0, 2147483647L, &v)) == 0)
            so->seed = (uint64_t)v;
        return rc;
    case OPT_COVER:
        so->cover = true;
        return 0;
    default:
        return cli_usage_error("synth", "unrecognised option");
    }
}

/* Parses the options. Returns -1 to go on, else the exit status (help, usage). */
static int parse_synth_args(int argc, char **argv, sbr_synth_options *so, const char **out)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, OPT_SYNTH_OUT},
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
                                             {"cover", no_argument, NULL, OPT_COVER},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    sbr_synth_options_init(so);
    *out = NULL;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(synth_usage, stdout);
            return SBR_EXIT_OK;
        }
        if ((rc = synth_option(so, out, c, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    if (*out == NULL)
        return cli_usage_error("synth", "--out is required");
    return -1;
}

int sbr_cmd_synth(int argc, char **argv)
{
    sbr_synth_options so;
    const char *out;
    int status = parse_synth_args(argc, argv, &so, &out);
    if (status >= 0)
        return status;
    sbr_err err = {SBR_OK, ""};
    sbr_synth_stats st;
    cli_progress progress;
    cli_progress_start(&progress, out);
    sbr_rc src = sbr_synth_write(&so, out, cli_progress_rows, &progress, &st, &err);
    cli_progress_end(&progress);
    if (src != SBR_OK)
        return cli_fail(&err);
    char a[32], b[32], c[32];
    printf("%s: %s sessions, %s clicks, %s items (seed %llu)\n", out,
           sbr_fmt_count(a, sizeof a, st.sessions), sbr_fmt_count(b, sizeof b, st.clicks),
           sbr_fmt_count(c, sizeof c, st.items), (unsigned long long)so.seed);
    return SBR_EXIT_OK;
}
