/* sbr bench --scale: the scale benchmark (issue #13).
 *
 * For each size it synthesises a click log (`sbr synth`'s generator, 5.5 clicks per session,
 * one item per 32.8 clicks, 30 days), splits off the last day as the test set (at most
 * --test-sessions sessions of it, the earliest) and keeps both as plain TSV in a folder, with a
 * note of the parameters and each file's size and checksum: a later run reuses them when all of
 * these match, and builds them again otherwise. Then, per size and algorithm, a child process
 * forked from this small parent, pinned to one core, loads the training TSV, fits the algorithm
 * and runs the single-threaded latency pass of `sbr bench` (1,000 warm-up calls, then every
 * test prediction timed). Its peak RSS is getrusage's ru_maxrss of that child, read after the
 * load and after the fit: a fresh process per measurement, so no size inherits another's peak
 * (the child starts at the parent's few MiB). */
#define _GNU_SOURCE /* sched_setaffinity */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "data/cache.h"
#include "data/load.h"
#include "data/output.h"
#include "data/parse.h"
#include "data/split.h"
#include "data/synth.h"
#include "data/vocab.h"
#include "eval/cli/cli.h"
#include "eval/harness.h"
#include "eval/lists.h"
#include "eval/report.h"

static const char scale_usage[] =
    "Usage: sbr bench --scale [SIZES] [options]\n"
    "\n"
    "The scale benchmark: for each size (clicks; K and M suffixes; default 1M,10M,60M) it\n"
    "synthesises a click log (5.5 clicks per session, one item per 32.8 clicks, 30 days; the\n"
    "last day is the test set, at most --test-sessions of its sessions), then for each\n"
    "algorithm, in a fresh process pinned to one core: loads the training file (plain TSV),\n"
    "fits (for the kNN family: builds the session index), and times every test prediction on\n"
    "one thread after 1,000 warm-up calls. Prints per size: training clicks, items, load and\n"
    "fit seconds, peak RSS after the load and after the fit (getrusage of that process),\n"
    "bytes per click of that peak and of the model, latency p50/p90/p99 in microseconds,\n"
    "MRR@20 and the CRC-32 of every list ('verify', as sbr bench).\n"
    "\n"
    "The synthesised files are kept in --dir and reused by later runs when their parameters,\n"
    "sizes and checksums match (60M clicks: 1.5 GB of TSV, about a minute to make).\n"
    "\n"
    "  --scale [SIZES]     e.g. --scale 1M,10M or --scale=500K (default 1M,10M,60M)\n"
    "  --dir DIR           where the data is kept (default $TMPDIR/sbr-scale, else\n"
    "                      /tmp/sbr-scale)\n"
    "  --algo SPEC         repeatable (default vmis:m=500,k=500,last_items=2,idf=1)\n"
    "  --test-sessions N   test sessions per size (default 20,000)\n"
    "  --seed S            the generator's seed (default 1)\n"
    "  --cpu N             the core the measuring process is pinned to (default: the last)\n"
    "  -h, --help          this help\n"
    "\n"
    "Example (the README's table; 60M clicks needs about 2 GB of memory):\n"
    "  flock /tmp/sbr-cpu.lock sbr bench --scale 1M,10M,60M\n";

enum { SCALE_MAX_SIZES = 16, SCALE_MAX_ALGOS = 16 };

/* Bumped whenever the generated data of the same parameters changes. */
enum { SCALE_DATA_VERSION = 1 };

#define SCALE_CLICKS_PER_SESSION 5.5
#define SCALE_CLICKS_PER_ITEM 32.8

typedef struct scale_args {
    uint64_t sizes[SCALE_MAX_SIZES];
    size_t n_sizes;
    const char *specs[SCALE_MAX_ALGOS];
    size_t n_specs;
    char dir[4096];
    long test_sessions, seed, cpu;
} scale_args;

/* "60M" / "500K" / "1000000" -> clicks. */
static int parse_size(const char *text, size_t len, uint64_t *out)
{
    double mult = 1;
    if (len > 0 && (text[len - 1] == 'M' || text[len - 1] == 'm'))
        mult = 1e6, len--;
    else if (len > 0 && (text[len - 1] == 'K' || text[len - 1] == 'k'))
        mult = 1e3, len--;
    double v;
    if (len == 0 || sbr_parse_double(text, len, &v) != NULL || v * mult < 1000 || v * mult > 5e8)
        return -1;
    *out = (uint64_t)llround(v * mult);
    return 0;
}

static int parse_sizes(const char *list, scale_args *a)
{
    a->n_sizes = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (a->n_sizes == SCALE_MAX_SIZES)
            return cli_usage_error("bench", "at most %d sizes", SCALE_MAX_SIZES);
        if (parse_size(p, len, &a->sizes[a->n_sizes]) != 0)
            return cli_usage_error(
                "bench", "--scale '%s': a size is clicks from 1K to 500M, e.g. 10M", list);
        a->n_sizes++;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

enum { OPT_SCALE = CLI_OPT_FIRST_FREE, OPT_DIR, OPT_ALGO, OPT_TEST_SESSIONS, OPT_SEED, OPT_CPU };

static int parse_scale_args(int argc, char **argv, scale_args *a)
{
    static const struct option longopts[] = {
        {"scale", optional_argument, NULL, OPT_SCALE},
        {"dir", required_argument, NULL, OPT_DIR},
        {"algo", required_argument, NULL, OPT_ALGO},
        {"test-sessions", required_argument, NULL, OPT_TEST_SESSIONS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"cpu", required_argument, NULL, OPT_CPU},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->test_sessions = 20000;
    a->seed = 1;
    a->cpu = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(a->dir, sizeof a->dir, "%s/sbr-scale", tmp != NULL && tmp[0] ? tmp : "/tmp");
    const char *sizes = NULL;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(scale_usage, stdout);
            return SBR_EXIT_OK;
        case OPT_SCALE:
            sizes = optarg;
            break;
        case OPT_DIR:
            if (snprintf(a->dir, sizeof a->dir, "%s", optarg) >= (int)sizeof a->dir)
                return cli_usage_error("bench", "--dir is too long");
            break;
        case OPT_ALGO:
            if (a->n_specs == SCALE_MAX_ALGOS)
                return cli_usage_error("bench", "at most %d --algo", SCALE_MAX_ALGOS);
            a->specs[a->n_specs++] = optarg;
            break;
        case OPT_TEST_SESSIONS:
            rc = cli_count("bench", "test-sessions", optarg, 1, 100000000, &a->test_sessions);
            break;
        case OPT_SEED:
            rc = cli_count("bench", "seed", optarg, 0, 2147483647L, &a->seed);
            break;
        case OPT_CPU:
            rc = cli_count("bench", "cpu", optarg, 0, CPU_SETSIZE - 1, &a->cpu);
            break;
        default:
            return cli_usage_error("bench", "unrecognised option (with --scale: see "
                                            "'sbr bench --scale --help')");
        }
        if (rc != 0)
            return rc;
    }
    if (sizes == NULL && optind < argc) /* "--scale 1M,10M": the list as the next word */
        sizes = argv[optind++];
    if (optind < argc)
        return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    if ((rc = parse_sizes(sizes != NULL ? sizes : "1M,10M,60M", a)) != 0)
        return rc;
    if (a->n_specs == 0)
        a->specs[a->n_specs++] = "vmis:m=500,k=500,last_items=2,idf=1";
    return -1;
}

/* ---- the data ---------------------------------------------------------------------------- */

typedef struct scale_files {
    char train[4200], test[4200], note[4200];
    char params[512]; /* what the note must begin with */
} scale_files;

static void scale_paths(const scale_args *a, uint64_t clicks, scale_files *f)
{
    char stem[4160];
    snprintf(stem, sizeof stem, "%s/synth-%llu-seed%ld", a->dir, (unsigned long long)clicks,
             a->seed);
    snprintf(f->train, sizeof f->train, "%s.train.tsv", stem);
    snprintf(f->test, sizeof f->test, "%s.test.tsv", stem);
    snprintf(f->note, sizeof f->note, "%s.note", stem);
    snprintf(f->params, sizeof f->params,
             "sbr-scale data v%d: clicks=%llu seed=%ld clicks_per_session=%.1f "
             "clicks_per_item=%.1f days=30 test_days=1 test_sessions=%ld\n",
             SCALE_DATA_VERSION, (unsigned long long)clicks, a->seed, SCALE_CLICKS_PER_SESSION,
             SCALE_CLICKS_PER_ITEM, a->test_sessions);
}

/* "<size> <checksum>" of a file (mapped and hashed with the cache's checksum), or -1. */
static int file_digest(const char *path, char *out, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat sb;
    int rc = -1;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            snprintf(out, size, "%lld %016llx", (long long)sb.st_size,
                     (unsigned long long)sbr_cache_hash(p, (size_t)sb.st_size));
            munmap(p, (size_t)sb.st_size);
            rc = 0;
        }
    }
    close(fd);
    return rc;
}

/* The note's expected text for the files as they are now; -1 when one is missing. */
static int note_text(const scale_files *f, char *out, size_t size)
{
    char dt[64], ds[64];
    if (file_digest(f->train, dt, sizeof dt) != 0 || file_digest(f->test, ds, sizeof ds) != 0)
        return -1;
    snprintf(out, size, "%strain %s\ntest %s\n", f->params, dt, ds);
    return 0;
}

/* Whether the note matches the parameters and the files. */
static bool data_is_current(const scale_files *f)
{
    char want[1024], have[1024];
    FILE *fp = fopen(f->note, "r");
    if (fp == NULL)
        return false;
    size_t n = fread(have, 1, sizeof have - 1, fp);
    fclose(fp);
    have[n] = '\0';
    return strncmp(have, f->params, strlen(f->params)) == 0 &&
           note_text(f, want, sizeof want) == 0 && strcmp(want, have) == 0;
}

/* Synthesises the log of `clicks` clicks, splits it and writes the two files and the note. */
static sbr_rc make_data(const scale_args *a, uint64_t clicks, const scale_files *f, sbr_err *err)
{
    sbr_synth_options so;
    sbr_synth_options_init(&so);
    so.sessions = (size_t)llround((double)clicks / SCALE_CLICKS_PER_SESSION);
    so.items = (size_t)llround((double)clicks / SCALE_CLICKS_PER_ITEM);
    if (so.items < 10)
        so.items = 10;
    so.days = 30;
    so.seed = (uint64_t)a->seed;
    char all[4300];
    snprintf(all, sizeof all, "%s.all.tsv", f->train);
    sbr_synth_stats st;
    cli_progress progress;
    cli_progress_start(&progress, "synthesising");
    sbr_rc rc = sbr_synth_write(&so, all, cli_progress_rows, &progress, &st, err);
    cli_progress_end(&progress);
    sbr_dataset *ds = NULL, *test = NULL;
    sbr_split sp = {0};
    bool *keep = NULL;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_load_stats ls;
    if (rc == SBR_OK)
        rc = sbr_load_sessions(all, &lo, &ds, &ls, err);
    remove(all);
    if (rc == SBR_OK)
        rc = sbr_split_last_days(ds, 1.0, &sp, err);
    sbr_dataset_free(ds);
    if (rc == SBR_OK && (keep = calloc(sp.test->n_clicks + 1, sizeof *keep)) == NULL)
        rc = sbr_err_set(err, SBR_ENOMEM, "bench --scale: out of memory");
    if (rc == SBR_OK) {
        size_t n = sp.test->n_sessions < (size_t)a->test_sessions ? sp.test->n_sessions
                                                                  : (size_t)a->test_sessions;
        for (size_t c = 0; c < sp.test->offsets[n]; c++)
            keep[c] = true; /* the earliest sessions: session ids follow start time */
        rc = sbr_dataset_select(sp.test, keep, &test, err);
    }
    if (rc == SBR_OK)
        rc = sbr_write_sessions(sp.train, f->train, err);
    if (rc == SBR_OK)
        rc = sbr_write_sessions(test, f->test, err);
    char text[1024];
    if (rc == SBR_OK && note_text(f, text, sizeof text) != 0)
        rc = sbr_err_set(err, SBR_EIO, "%s: cannot be read back", f->train);
    sbr_out *o = NULL;
    if (rc == SBR_OK && (rc = sbr_out_open(f->note, &o, err)) == SBR_OK) {
        sbr_out_printf(o, "%s", text);
        rc = sbr_out_commit(o, err);
    }
    free(keep);
    sbr_dataset_free(test);
    sbr_split_fini(&sp);
    return rc;
}

/* ---- one measurement --------------------------------------------------------------------- */

typedef struct scale_row {
    int ok;
    char msg[SBR_ERR_MSG_SIZE];
    uint64_t clicks, items, sessions, test_predictions;
    double load_s, fit_s, rss_load, rss_fit, model_bytes;
    double p50, p90, p99, mrr;
    unsigned long verify;
} scale_row;

static double peak_rss(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss * 1024.0 : 0.0;
}

/* Runs in the child: load, fit, latency pass; the row goes back through *row. */
static void measure(const scale_files *f, const char *spec_text, long cpu, scale_row *row)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((size_t)cpu, &set);
    sched_setaffinity(0, sizeof set, &set); /* best effort: the row says which core */
    sbr_err err = {SBR_OK, ""};
    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_dataset *train = NULL, *test = NULL;
    sbr_model *model = NULL;
    sbr_vocab vocab;
    memset(&vocab, 0, sizeof vocab);
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_load_stats ls;
    sbr_eval_result res;
    memset(&res, 0, sizeof res);
    sbr_rc rc = sbr_spec_parse(&spec, spec_text, &err);
    double t0 = sbr_now_s();
    if (rc == SBR_OK)
        rc = sbr_load_sessions(f->train, &lo, &train, &ls, &err);
    row->load_s = sbr_now_s() - t0;
    row->rss_load = peak_rss();
    t0 = sbr_now_s();
    if (rc == SBR_OK)
        rc = sbr_algo_fit_with(spec.algo, spec.config, train, NULL, &model, &err);
    row->fit_s = sbr_now_s() - t0;
    row->rss_fit = peak_rss();
    if (rc == SBR_OK) {
        row->clicks = train->n_clicks;
        row->items = train->n_items;
        row->sessions = train->n_sessions;
        row->model_bytes = (double)spec.algo->model_bytes(model);
        rc = sbr_vocab_from_dataset(train, &vocab, &err);
    }
    sbr_dataset_free(train); /* as a server holds the model alone */
    if (rc == SBR_OK)
        rc = sbr_load_sessions(f->test, &lo, &test, &ls, &err);
    if (rc == SBR_OK) {
        sbr_eval_options eo;
        sbr_eval_options_init(&eo);
        eo.threads = 1;
        eo.keep_lists = true;
        rc = sbr_evaluate_vocab(model, &vocab, test, &eo, &res, &err);
    }
    if (rc == SBR_OK) {
        row->test_predictions = res.n_predictions;
        row->p50 = res.latency_us[SBR_LAT_P50];
        row->p90 = res.latency_us[SBR_LAT_P90];
        row->p99 = res.latency_us[SBR_LAT_P99];
        row->mrr = res.at[0].mrr;
        row->verify = sbr_lists_crc32(vocab.item_ids, &res);
        row->ok = 1;
    } else {
        snprintf(row->msg, sizeof row->msg, "%s", err.msg);
    }
    sbr_eval_result_fini(&res);
    if (model != NULL)
        spec.algo->free(model);
    sbr_dataset_free(test);
    sbr_vocab_fini(&vocab);
    sbr_spec_fini(&spec);
}

/* Runs fn in a child process and waits; the child's result comes back in *out (shared). */
static int in_child(void (*fn)(const scale_args *, uint64_t, const scale_files *, const char *,
                               scale_row *),
                    const scale_args *a, uint64_t clicks, const scale_files *f, const char *spec,
                    scale_row *out)
{
    scale_row *shared =
        mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return -1;
    memset(shared, 0, sizeof *shared);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        fn(a, clicks, f, spec, shared);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    int status = 0;
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    *out = *shared;
    munmap(shared, sizeof *shared);
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (out->msg[0] == '\0')
            snprintf(out->msg, sizeof out->msg, "the measuring process died (status %d)", status);
        out->ok = 0;
    }
    return 0;
}

static void child_make(const scale_args *a, uint64_t clicks, const scale_files *f, const char *spec,
                       scale_row *row)
{
    (void)spec;
    sbr_err err = {SBR_OK, ""};
    if (make_data(a, clicks, f, &err) == SBR_OK)
        row->ok = 1;
    else
        snprintf(row->msg, sizeof row->msg, "%s", err.msg);
}

static void child_measure(const scale_args *a, uint64_t clicks, const scale_files *f,
                          const char *spec, scale_row *row)
{
    (void)clicks;
    measure(f, spec, a->cpu, row);
}

static const char *size_label(char *buf, size_t size, uint64_t clicks)
{
    if (clicks % 1000000 == 0)
        snprintf(buf, size, "%lluM", (unsigned long long)(clicks / 1000000));
    else if (clicks % 1000 == 0)
        snprintf(buf, size, "%lluK", (unsigned long long)(clicks / 1000));
    else
        snprintf(buf, size, "%llu", (unsigned long long)clicks);
    return buf;
}

int sbr_bench_scale(int argc, char **argv)
{
    scale_args a;
    int status = parse_scale_args(argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.cpu < 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        a.cpu = 0;
        if (sched_getaffinity(0, sizeof set, &set) == 0)
            for (size_t c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &set))
                    a.cpu = (long)c;
    }
    if (cli_make_dirs(a.dir) != 0) {
        fprintf(stderr, "sbr: %s: cannot create the folder (%s)\n", a.dir, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    char cpu_name[256] = "unknown CPU";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    for (char line[512]; ci != NULL && fgets(line, sizeof line, ci) != NULL;) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            snprintf(cpu_name, sizeof cpu_name, "%s", colon + 2);
            cpu_name[strcspn(cpu_name, "\n")] = '\0';
            break;
        }
    }
    if (ci != NULL)
        fclose(ci);
    char load[128] = "unknown";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la != NULL) {
        if (fgets(load, sizeof load, la) == NULL)
            snprintf(load, sizeof load, "unknown");
        fclose(la);
    }
    for (int spaces = 0, k = 0; load[k] != '\0'; k++) /* the three averages only */
        if ((load[k] == ' ' && ++spaces == 3) || load[k] == '\n')
            load[k] = '\0';
    printf("sbr bench --scale: %ld cores of %s, load average %s before the run; measured on "
           "core %ld; data in %s\n",
           sysconf(_SC_NPROCESSORS_ONLN), cpu_name, load, a.cpu, a.dir);
    for (size_t s = 0; s < a.n_specs; s++)
        printf("%zu. %s\n", s + 1, a.specs[s]);
    printf("%-5s %-9s %10s %9s %7s %7s %9s %9s %7s %7s %8s %8s %8s %7s  %s\n", "size", "algo",
           "clicks", "items", "load s", "fit s", "RSS load", "RSS fit", "B/click", "model B",
           "p50 us", "p90 us", "p99 us", "MRR@20", "verify");
    int failed = 0;
    for (size_t z = 0; z < a.n_sizes; z++) {
        scale_files f;
        scale_row row;
        char label[32];
        size_label(label, sizeof label, a.sizes[z]);
        scale_paths(&a, a.sizes[z], &f);
        if (!data_is_current(&f)) {
            fprintf(stderr, "%s: synthesising %s clicks into %s ...\n", label, label, a.dir);
            in_child(child_make, &a, a.sizes[z], &f, NULL, &row);
            if (!row.ok) {
                fprintf(stderr, "sbr: %s\n", row.msg);
                return SBR_EXIT_RUNTIME;
            }
        }
        for (size_t s = 0; s < a.n_specs; s++) {
            in_child(child_measure, &a, a.sizes[z], &f, a.specs[s], &row);
            if (!row.ok) {
                fprintf(stderr, "sbr: %s: %s: %s\n", label, a.specs[s], row.msg);
                failed = 1;
                continue;
            }
            char name[40], rl[32], rf[32], nc[32], ni[32];
            snprintf(name, sizeof name, "%zu.%.*s", s + 1, (int)strcspn(a.specs[s], ":"),
                     a.specs[s]);
            printf("%-5s %-9s %10s %9s %7.2f %7.2f %9s %9s %7.1f %7.1f %8.2f %8.2f %8.2f %7.4f  "
                   "%08lx\n",
                   label, name, sbr_fmt_count(nc, sizeof nc, row.clicks),
                   sbr_fmt_count(ni, sizeof ni, row.items), row.load_s, row.fit_s,
                   sbr_fmt_bytes(rl, sizeof rl, (uint64_t)row.rss_load),
                   sbr_fmt_bytes(rf, sizeof rf, (uint64_t)row.rss_fit),
                   row.rss_fit / (double)row.clicks, row.model_bytes / (double)row.clicks, row.p50,
                   row.p90, row.p99, row.mrr, row.verify);
            fflush(stdout);
        }
    }
    printf("(load: plain TSV to the dataset; fit: the model; RSS: peak of the measuring process "
           "after each; B/click: RSS fit / training clicks; model B: model bytes / click)\n");
    return failed ? SBR_EXIT_RUNTIME : SBR_EXIT_OK;
}
