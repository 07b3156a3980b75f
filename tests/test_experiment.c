/* Experiment files: parsing, errors with file and line, grid expansion. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "algorithms/algo.h"
#include "eval/exp_tune.h"
#include "eval/experiment.h"
#include "test_util.h"

static sbr_rc load(const char *name, const char *text, sbr_experiment *x, sbr_err *e)
{
    return sbr_experiment_load(test_write_text(name, text), x, e);
}

static void test_a_full_experiment_file_is_read(void)
{
    setenv("SBR_DATA", "/data", 1);
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    const char *text =
        "# comment\n[run]\noutput = out\nthreads = 3\nseed = 9\ncutoffs = 5,20\n"
        "latency = no\n\n[dataset rsc]\ntrain = $SBR_DATA/a.tsv\n"
        "test = ${SBR_DATA}/b.tsv\noptional = yes\n\n[dataset music]\n"
        "files = /m/s0.tsv /m/s1.tsv\nsplit = last-days 1\n\n[dataset rr]\n"
        "file = /r.tsv\nsplit = preset retailrocket\n\n[dataset syn]\n"
        "synth = sessions=100\nsplit = windows 10 2 3 0 12\n\n[algo ar]\nspec = ar\n";
    sbr_rc rc = load("full.ini", text, x, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", test_tmpdir()); /* beside the experiment file */
    CU_ASSERT_STRING_EQUAL(x->output, out);
    CU_ASSERT_EQUAL(x->threads, 3);
    CU_ASSERT_EQUAL(x->seed, 9);
    CU_ASSERT_EQUAL(x->n_cutoffs, 2);
    CU_ASSERT_EQUAL(x->cutoffs[1], 20);
    CU_ASSERT_FALSE(x->latency);
    CU_ASSERT_EQUAL_FATAL(x->n_datasets, 4);
    CU_ASSERT_STRING_EQUAL(x->datasets[0].name, "rsc");
    CU_ASSERT_STRING_EQUAL(x->datasets[0].train, "/data/a.tsv");
    CU_ASSERT_STRING_EQUAL(x->datasets[0].test, "/data/b.tsv");
    CU_ASSERT_TRUE(x->datasets[0].optional);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[0]), 1);
    CU_ASSERT_EQUAL(x->datasets[1].n_files, 2);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[1]), 2);
    /* session-rec's retailrocket windows: 25 train days, 2 test, 5 slices, 0 offset, 27 shift. */
    CU_ASSERT_EQUAL(x->datasets[2].split, SBR_EXP_WINDOWS);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[2]), 5);
    CU_ASSERT_DOUBLE_EQUAL(x->datasets[2].windows.days_shift, 27, 0);
    CU_ASSERT_EQUAL(sbr_exp_dataset_slices(&x->datasets[3]), 3);
    CU_ASSERT_EQUAL(x->n_algos, 1);
    free(x);
}

static void test_errors_name_the_file_line_and_key(void)
{
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(load("badkey.ini", "[run]\nthreads = 2\ncolour = red\n", x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "badkey.ini:3:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "colour"));
    CU_ASSERT_EQUAL(load("badsplit.ini", "[dataset d]\nfile = x\nsplit = halves\n", x, &e),
                    SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "badsplit.ini:3:"));
    CU_ASSERT_EQUAL(load("badsec.ini", "[frobs]\na = b\n", x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown section [frobs]"));
    CU_ASSERT_EQUAL(load("nosplit.ini", "[dataset d]\nfile = x\n[algo a]\nspec = ar\n", x, &e),
                    SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "say how to split it"));
    CU_ASSERT_EQUAL(
        load("nospec.ini", "[dataset d]\ntrain = a\ntest = b\n[algo a]\ngrid = k=1\n", x, &e),
        SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "algo a has no spec"));
    CU_ASSERT_EQUAL(sbr_experiment_load("/nonexistent.ini", x, &e), SBR_EIO);
    free(x);
}

static void test_grids_expand_with_the_last_key_fastest_and_where_filters(void)
{
    sbr_exp_algo a;
    memset(&a, 0, sizeof a);
    strcpy(a.label, "vmis");
    strcpy(a.spec, "vmis:last_items=2");
    strcpy(a.grid, "m=50|100|500; k=100|50");
    strcpy(a.where, "k<=m");
    char(*specs)[SBR_EXP_SPEC] = NULL;
    size_t n = 0;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_OK);
    /* (50,100) fails k<=m; the rest in order. */
    CU_ASSERT_EQUAL_FATAL(n, 5);
    CU_ASSERT_STRING_EQUAL(specs[0], "vmis:last_items=2,m=50,k=50");
    CU_ASSERT_STRING_EQUAL(specs[1], "vmis:last_items=2,m=100,k=100");
    CU_ASSERT_STRING_EQUAL(specs[4], "vmis:last_items=2,m=500,k=50");
    free(specs);
    strcpy(a.spec, "sr");
    strcpy(a.grid, "steps=5");
    a.where[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(specs[0], "sr:steps=5");
    free(specs);
    strcpy(a.grid, "steps");
    CU_ASSERT_EQUAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_EINVAL);
    strcpy(a.grid, "steps=5");
    strcpy(a.where, "steps<=k");
    CU_ASSERT_EQUAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "two numeric grid keys"));
}

/* Loads text and checks that it fails with rc and a message holding every piece (NULL-ended). */
static void expect_error(const char *name, const char *text, sbr_rc rc, const char *const *pieces)
{
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_EQUAL(load(name, text, x, &e), rc);
    for (const char *const *p = pieces; *p != NULL; p++)
        if (strstr(e.msg, *p) == NULL) {
            fprintf(stderr, "\n'%s' not in: %s\n", *p, e.msg);
            CU_FAIL("a piece of the message is missing");
        }
    free(x);
}

/* A growing text buffer for generated experiment files. */
static char *append(char *buf, size_t *len, const char *piece)
{
    size_t n = strlen(piece);
    buf = realloc(buf, *len + n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    memcpy(buf + *len, piece, n + 1);
    *len += n;
    return buf;
}

/* These files crashed the parser (the keys after a rejected section header reached a NULL
 * section), or named one line and quoted another. The first error wins, named at the header. */
static void test_a_rejected_section_gives_one_error_and_no_crash(void)
{
    expect_error("foo.ini", "[foo]\na = 1\nspec = pop\n", SBR_EPARSE,
                 (const char *[]){"foo.ini:1:", "unknown section [foo]", NULL});
    expect_error("frobs.ini", "[frobs]\na = b\nc = d\n", SBR_EPARSE,
                 (const char *[]){"frobs.ini:1:", "unknown section [frobs]", NULL});
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(load("frobs.ini", "[frobs]\na = b\nc = d\n", x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NULL(strstr(e.msg, "c = d"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "[algo]"));
    free(x);
    char *text = NULL, line[128];
    size_t len = 0;
    for (int i = 1; i <= 65; i++) {
        snprintf(line, sizeof line, "[algo a%d]\nspec = pop\n", i);
        text = append(text, &len, line);
    }
    expect_error("algos65.ini", text, SBR_EPARSE,
                 (const char *[]){"algos65.ini:129:", "[algo a65]", "64", NULL});
    free(text);
    text = NULL;
    len = 0;
    for (int i = 1; i <= 33; i++) {
        snprintf(line, sizeof line, "[dataset d%d]\nfile = x\nsplit = last-days 1\n", i);
        text = append(text, &len, line);
    }
    text = append(text, &len, "[algo a]\nspec = pop\n");
    expect_error("datasets33.ini", text, SBR_EPARSE,
                 (const char *[]){"datasets33.ini:97:", "[dataset d33]", "32", NULL});
    x = malloc(sizeof *x);
    CU_ASSERT_EQUAL(load("datasets33.ini", text, x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NULL(strstr(e.msg, "split"));
    free(x);
    free(text);
    /* A key before any section. */
    expect_error("nosec.ini", "spec = pop\n[algo a]\nspec = pop\n", SBR_EPARSE,
                 (const char *[]){"nosec.ini:1:", "spec", NULL});
}

/* inih merged two sections of one name (the first silently lost) and cut names at 49 bytes. */
static void test_a_repeated_or_long_section_name_is_an_error(void)
{
    expect_error("twice.ini",
                 "[dataset d]\nfile = x\nsplit = last-days 1\n[dataset d]\nfile = y\n"
                 "split = last-days 2\n[algo a]\nspec = pop\n",
                 SBR_EPARSE, (const char *[]){"twice.ini:4:", "[dataset d]", "line 1", NULL});
    expect_error("twicealgo.ini",
                 "[dataset d]\nfile = x\nsplit = last-days 1\n[algo a]\nspec = pop\n"
                 "[algo a]\nspec = ar\n",
                 SBR_EPARSE, (const char *[]){"twicealgo.ini:6:", "[algo a]", NULL});
    expect_error("twicerun.ini", "[run]\nseed = 1\n[run]\nseed = 2\n", SBR_EPARSE,
                 (const char *[]){"twicerun.ini:3:", "[run]", NULL});
    /* Two names alike in their first 60 bytes: each is too long, never cut and merged. */
    const char *long_name =
        "[algo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1]";
    char text[512];
    snprintf(text, sizeof text,
             "[dataset d]\nfile = x\nsplit = last-days 1\n%s\nspec = pop\n"
             "[algo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2]\n"
             "spec = ar\n",
             long_name);
    expect_error(
        "longsec.ini", text, SBR_EPARSE,
        (const char *[]){"longsec.ini:4:", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "63", NULL});
    /* A section header without its ']' names the line. */
    expect_error("open.ini", "[run\nseed = 1\n", SBR_EPARSE,
                 (const char *[]){"open.ini:1:", "[run", NULL});
}

/* inih read at most 199 bytes of a line: a long `files =` list broke ("not an INI line"). */
static void test_long_lines_are_read_whole_up_to_the_limit(void)
{
    char *text = NULL;
    size_t len = 0;
    text = append(text, &len, "[dataset many]\nfiles =");
    char path[128];
    for (int i = 0; i < 16; i++) {
        snprintf(path, sizeof path, " /a/rather/long/folder/name/for/the/slices/of/data/s%02d.tsv",
                 i);
        text = append(text, &len, path);
    }
    text = append(text, &len, "\nsplit = last-days 1\n[algo a]\nspec = pop\n");
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    sbr_rc rc = load("longline.ini", text, x, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    CU_ASSERT_EQUAL(x->datasets[0].n_files, 16);
    CU_ASSERT_STRING_EQUAL(x->datasets[0].files[15],
                           "/a/rather/long/folder/name/for/the/slices/of/data/s15.tsv");
    free(text);
    /* A line over SBR_EXP_MAX_LINE bytes is an error naming the line, never cut. */
    size_t big = 65536 + 10; /* SBR_EXP_MAX_LINE + 10 */
    text = malloc(big + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    strcpy(text, "[algo a]\nspec = pop\nwhere = ");
    size_t at = strlen(text);
    memset(text + at, 'x', big);
    strcpy(text + at + big, "\n");
    expect_error("huge.ini", text, SBR_EPARSE,
                 (const char *[]){"huge.ini:3:", "longer than 65536 bytes", NULL});
    free(text);
    free(x);
}

/* A key given twice in one section was merged (`files` twice: both lists) or the later won
 * silently; now it is an error naming both lines. Continuation lines extend file lists. */
static void test_a_repeated_key_is_an_error(void)
{
    expect_error("files2.ini",
                 "[dataset d]\nfiles = a\nfiles = b\nsplit = last-days 1\n[algo a]\nspec = pop\n",
                 SBR_EPARSE, (const char *[]){"files2.ini:3:", "files", "line 2", NULL});
    expect_error("spec2.ini", "[algo a]\nspec = pop\nspec = ar\n", SBR_EPARSE,
                 (const char *[]){"spec2.ini:3:", "spec", "line 2", NULL});
    expect_error("seed2.ini", "[run]\nseed = 1\nthreads = 2\nseed = 3\n", SBR_EPARSE,
                 (const char *[]){"seed2.ini:4:", "seed", NULL});
    expect_error("fileandfiles.ini",
                 "[dataset d]\nfile = a\nfiles = b\nsplit = last-days 1\n[algo a]\nspec = pop\n",
                 SBR_EPARSE, (const char *[]){"fileandfiles.ini:3:", "files", NULL});
    sbr_experiment *x = malloc(sizeof *x);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(load("cont.ini",
                               "[dataset d]\nfiles = /a /b\n  /c\nsplit = last-days 1\n"
                               "[algo a]\nspec = pop\n",
                               x, &e),
                          SBR_OK);
    CU_ASSERT_EQUAL(x->datasets[0].n_files, 3);
    CU_ASSERT_STRING_EQUAL(x->datasets[0].files[2], "/c");
    free(x);
    expect_error("cont2.ini", "[algo a]\nspec = pop\n  :k=3\n", SBR_EPARSE,
                 (const char *[]){"cont2.ini:3:", "spec", NULL});
}

/* A synth value out of range was converted to a wrong count at run time; the loader checks it,
 * quoting the value as written. */
static void test_a_synth_value_out_of_range_is_named_at_its_line(void)
{
    expect_error("synth.ini",
                 "[dataset s]\nsynth = sessions=1e20,items=50\nsplit = last-days 1\n"
                 "[algo a]\nspec = pop\n",
                 SBR_EPARSE, (const char *[]){"synth.ini:2:", "sessions=1e20", "1..1e8", NULL});
}

/* Grid values were cut to 31 bytes (k=0000...5000 became k=5) and a repeated key let the later
 * win; a grid's combinations were allocated before anything was counted. */
static void test_grid_values_are_whole_and_keys_unique(void)
{
    sbr_exp_algo a;
    memset(&a, 0, sizeof a);
    strcpy(a.label, "s");
    strcpy(a.spec, "sr");
    char(*specs)[SBR_EXP_SPEC] = NULL;
    size_t n = 0;
    sbr_err e = {SBR_OK, ""};
    strcpy(a.grid, "steps=00000000000000000000000000000000000005");
    sbr_rc rc = sbr_exp_expand(&a, &specs, &n, &e);
    if (rc == SBR_OK) {
        CU_ASSERT_EQUAL(n, 1);
        CU_ASSERT_STRING_EQUAL(specs[0], "sr:steps=00000000000000000000000000000000000005");
    } else {
        CU_ASSERT_EQUAL(rc, SBR_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "00000000000000000000000000000000000005"));
    }
    free(specs);
    specs = NULL;
    strcpy(a.grid, "steps=1|2; steps=3");
    CU_ASSERT_EQUAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "steps"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "twice"));
    free(specs);
    specs = NULL;
    /* 32^8 combinations: refused by count, before any allocation. */
    char grid[1024] = "";
    for (int k = 0; k < 8; k++) {
        size_t used = strlen(grid);
        snprintf(grid + used, sizeof grid - used, "%sk%d=", k ? ";" : "", k);
        for (int v = 0; v < 32; v++) {
            used = strlen(grid);
            snprintf(grid + used, sizeof grid - used, "%s%d", v ? "|" : "", v);
        }
    }
    CU_ASSERT_FATAL(strlen(grid) < sizeof a.grid);
    strcpy(a.grid, grid);
    CU_ASSERT_EQUAL(sbr_exp_expand(&a, &specs, &n, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "combinations"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "10000"));
    CU_ASSERT_PTR_NULL(specs);
}

/* `algorithms = registry` adds every registered algorithm that no [algo] names, with its
 * defaults, after the listed ones; a listed name (with or without parameters) is not added
 * again. */
static void test_the_registry_fills_in_unlisted_algorithms(void)
{
    static sbr_experiment x;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(load("registry.ini",
                               "[run]\nalgorithms = registry\n[dataset d]\nsynth = seed=1\n"
                               "split = last-days 1\n[algo my-vmis]\nspec = vmis:k=5\n"
                               "[algo ar]\nspec = ar\n",
                               &x, &e),
                          SBR_OK);
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    CU_ASSERT_EQUAL_FATAL(x.n_algos, n);
    CU_ASSERT_STRING_EQUAL(x.algos[0].label, "my-vmis");
    CU_ASSERT_STRING_EQUAL(x.algos[1].spec, "ar");
    size_t k = 2;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i]->name, "vmis") == 0 || strcmp(all[i]->name, "ar") == 0)
            continue;
        CU_ASSERT_STRING_EQUAL(x.algos[k].spec, all[i]->name);
        CU_ASSERT_STRING_EQUAL(x.algos[k].label, all[i]->name);
        k++;
    }
    CU_ASSERT_EQUAL(load("bad.ini", "[run]\nalgorithms = some\n", &x, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "listed|registry"));
    /* Without the key only the listed ones run. */
    CU_ASSERT_EQUAL_FATAL(load("listed.ini",
                               "[dataset d]\nsynth = seed=1\nsplit = last-days 1\n"
                               "[algo ar]\nspec = ar\n",
                               &x, &e),
                          SBR_OK);
    CU_ASSERT_EQUAL(x.n_algos, 1);
}

/* `datasets` limits an [algo] section to some datasets, each of which must be a [dataset]. */
static void test_an_algorithm_can_be_limited_to_some_datasets(void)
{
    static sbr_experiment x;
    sbr_err e;
    const char *base = "[dataset small]\nsynth = seed=1\nsplit = last-days 1\n"
                       "[dataset big-one]\nsynth = seed=2\nsplit = last-days 1\n";
    char text[512];
    snprintf(text, sizeof text,
             "%s[algo pop]\nspec = pop\n[algo sr]\nspec = sr\n"
             "datasets = small  other\n",
             base);
    CU_ASSERT_EQUAL(load("ds.ini", text, &x, &e), SBR_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "[algo sr] datasets: no [dataset other]"));
    snprintf(text, sizeof text,
             "%s[algo pop]\nspec = pop\n[algo sr]\nspec = sr\n"
             "datasets = small\n",
             base);
    CU_ASSERT_EQUAL_FATAL(load("ds.ini", text, &x, &e), SBR_OK);
    CU_ASSERT(sbr_exp_algo_runs_on(&x.algos[0], "small"));
    CU_ASSERT(sbr_exp_algo_runs_on(&x.algos[0], "big-one"));
    CU_ASSERT(sbr_exp_algo_runs_on(&x.algos[1], "small"));
    CU_ASSERT(!sbr_exp_algo_runs_on(&x.algos[1], "big-one"));
    CU_ASSERT(!sbr_exp_algo_runs_on(&x.algos[1], "smal"));
}

/* Relative paths are relative to the experiment file's folder; absolute ones and those that
 * start with $SBR_DATA (relative to the current directory when SBR_DATA is) stay as given. */
static void test_paths_are_relative_to_the_experiment_file(void)
{
    setenv("SBR_DATA", "rel/data", 1);
    static sbr_experiment x;
    sbr_err e = {SBR_OK, ""};
    char dir[2048], want[4096];
    snprintf(dir, sizeof dir, "%s/sub", test_tmpdir());
    mkdir(dir, 0777);
    const char *text = "[run]\noutput = ../results\n[dataset a]\ntrain = a/train.tsv\n"
                       "test = /abs/test.tsv\n[dataset b]\nfiles = s0.tsv $SBR_DATA/s1.tsv\n"
                       "  ${SBR_DATA}/s2.tsv /abs/s3.tsv\nsplit = last-days 1\n[algo pop]\n"
                       "spec = pop\n";
    CU_ASSERT_EQUAL_FATAL(load("sub/paths.ini", text, &x, &e), SBR_OK);
    snprintf(want, sizeof want, "%s/../results", dir);
    CU_ASSERT_STRING_EQUAL(x.output, want);
    snprintf(want, sizeof want, "%s/a/train.tsv", dir);
    CU_ASSERT_STRING_EQUAL(x.datasets[0].train, want);
    CU_ASSERT_STRING_EQUAL(x.datasets[0].test, "/abs/test.tsv");
    CU_ASSERT_EQUAL_FATAL(x.datasets[1].n_files, 4);
    snprintf(want, sizeof want, "%s/s0.tsv", dir);
    CU_ASSERT_STRING_EQUAL(x.datasets[1].files[0], want);
    CU_ASSERT_STRING_EQUAL(x.datasets[1].files[1], "rel/data/s1.tsv");
    CU_ASSERT_STRING_EQUAL(x.datasets[1].files[2], "rel/data/s2.tsv");
    CU_ASSERT_STRING_EQUAL(x.datasets[1].files[3], "/abs/s3.tsv");
    /* A file named without a folder: relative to the current directory, its folder. */
    CU_ASSERT_EQUAL_FATAL(sbr_experiment_load("no-such-dir-file.ini", &x, &e), SBR_EIO);
    setenv("SBR_DATA", "/data", 1);
}

/* $SBR_DATA unset (or empty) is an error naming the line and saying how to set it; before,
 * it silently became ../shared/data. A file that does not use it needs no SBR_DATA. */
static void test_an_unset_sbr_data_is_named(void)
{
    const char *text = "[dataset a]\ntrain = $SBR_DATA/a.tsv\ntest = /b.tsv\n[algo pop]\n"
                       "spec = pop\n";
    for (int empty = 0; empty < 2; empty++) {
        if (empty)
            setenv("SBR_DATA", "", 1);
        else
            unsetenv("SBR_DATA");
        expect_error(
            "unset.ini", text, SBR_EPARSE,
            (const char *[]){"unset.ini:2:", "$SBR_DATA", "not set", "export SBR_DATA=", NULL});
    }
    static sbr_experiment x;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(load("nodata.ini",
                         "[dataset a]\ntrain = /a.tsv\ntest = /b.tsv\n"
                         "[algo pop]\nspec = pop\n",
                         &x, &e),
                    SBR_OK);
    setenv("SBR_DATA", "/data", 1);
}

/* [tune]: its keys, defaults and checks, and which sections it tunes where. */
static void test_the_tune_section_is_read_and_checked(void)
{
    static sbr_experiment x;
    sbr_err e = {SBR_OK, ""};
    const char *base = "[dataset a]\ntrain = /a.tsv\ntest = /b.tsv\n[dataset b]\n"
                       "train = /a.tsv\ntest = /b.tsv\n[algo vmis]\nspec = vmis:m=100,k=50\n"
                       "[algo vg]\nspec = vmis\ngrid = m=100|200\n[algo sr]\nspec = sr\n"
                       "datasets = b\n";
    char text[2048];
    CU_ASSERT_EQUAL_FATAL(load("notune.ini", base, &x, &e), SBR_OK);
    CU_ASSERT_EQUAL(x.tune.trials, 0); /* no [tune]: no tuning */
    CU_ASSERT(!sbr_exp_tune_wanted(&x, &x.algos[0], "a"));
    snprintf(text, sizeof text, "[tune]\ntrials = 8\n%s", base);
    CU_ASSERT_EQUAL_FATAL(load("tune.ini", text, &x, &e), SBR_OK);
    CU_ASSERT_EQUAL(x.tune.trials, 8);
    CU_ASSERT(x.tune.tpe);
    CU_ASSERT_DOUBLE_EQUAL(x.tune.valid, 0.1, 0);
    CU_ASSERT(sbr_exp_tune_wanted(&x, &x.algos[0], "a"));
    CU_ASSERT(!sbr_exp_tune_wanted(&x, &x.algos[1], "a")); /* a grid is not tuned */
    CU_ASSERT(!sbr_exp_tune_wanted(&x, &x.algos[2], "a")); /* sr does not run on a */
    CU_ASSERT(sbr_exp_tune_wanted(&x, &x.algos[2], "b"));
    char label[64];
    sbr_exp_tuned_label(&x.algos[0], label);
    CU_ASSERT_STRING_EQUAL(label, "vmis-tuned");
    snprintf(text, sizeof text,
             "[tune]\ntrials = 3\nmethod = random\nvalid = 0.25\nalgos = sr\ndatasets = a b\n%s",
             base);
    CU_ASSERT_EQUAL_FATAL(load("tune2.ini", text, &x, &e), SBR_OK);
    CU_ASSERT(!x.tune.tpe);
    CU_ASSERT_DOUBLE_EQUAL(x.tune.valid, 0.25, 0);
    CU_ASSERT(!sbr_exp_tune_wanted(&x, &x.algos[0], "a")); /* not in algos */
    CU_ASSERT(sbr_exp_tune_wanted(&x, &x.algos[2], "b"));
    snprintf(text, sizeof text, "[tune]\ntrials = 3\ndatasets = a\n%s", base);
    CU_ASSERT_EQUAL_FATAL(load("tune3.ini", text, &x, &e), SBR_OK);
    CU_ASSERT(!sbr_exp_tune_wanted(&x, &x.algos[2], "b")); /* b is not tuned */
    /* Bad values and names. */
    const char *bad[][2] = {{"valid = 1", "valid"},
                            {"valid = 0", "valid"},
                            {"trials = -1", "trials"},
                            {"method = grid", "method"},
                            {"colour = red", "colour"},
                            {"algos = nope", "no [algo nope]"},
                            {"datasets = c", "no [dataset c]"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "[tune]\n%s\n%s", bad[i][0], base);
        expect_error("badtune.ini", text, i < 5 ? SBR_EPARSE : SBR_EINVAL,
                     (const char *[]){bad[i][1], NULL});
    }
    snprintf(text, sizeof text, "[tune]\ntrials = 1\n[tune]\n%s", base);
    expect_error("twotune.ini", text, SBR_EPARSE,
                 (const char *[]){"twotune.ini:3:", "[tune] repeats", NULL});
}

/* synthetic_time = yes: read, and refused with a split by days. */
static void test_synthetic_time_needs_a_given_split(void)
{
    static sbr_experiment x;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(load("syn.ini",
                               "[dataset a]\ntrain = /a.tsv\ntest = /b.tsv\nsynthetic_time = yes\n"
                               "[algo pop]\nspec = pop\n",
                               &x, &e),
                          SBR_OK);
    CU_ASSERT(x.datasets[0].synthetic_time);
    expect_error("synsplit.ini",
                 "[dataset a]\nfile = /a.tsv\nsplit = last-days 1\nsynthetic_time = yes\n"
                 "[algo pop]\nspec = pop\n",
                 SBR_EINVAL, (const char *[]){"dataset a", "synthetic", "train and test", NULL});
}

static CU_TestInfo tests[] = {
    {"paths are relative to the experiment file", test_paths_are_relative_to_the_experiment_file},
    {"an unset SBR_DATA is named", test_an_unset_sbr_data_is_named},
    {"the tune section is read and checked", test_the_tune_section_is_read_and_checked},
    {"synthetic time needs a given split", test_synthetic_time_needs_a_given_split},
    {"an algorithm can be limited to some datasets",
     test_an_algorithm_can_be_limited_to_some_datasets},
    {"the registry fills in unlisted algorithms", test_the_registry_fills_in_unlisted_algorithms},
    {"a full experiment file is read", test_a_full_experiment_file_is_read},
    {"errors name the file, line and key", test_errors_name_the_file_line_and_key},
    {"grids expand with the last key fastest, and where filters",
     test_grids_expand_with_the_last_key_fastest_and_where_filters},
    {"a rejected section gives one error and no crash",
     test_a_rejected_section_gives_one_error_and_no_crash},
    {"a repeated or long section name is an error",
     test_a_repeated_or_long_section_name_is_an_error},
    {"long lines are read whole up to the limit", test_long_lines_are_read_whole_up_to_the_limit},
    {"a repeated key is an error", test_a_repeated_key_is_an_error},
    {"grid values are whole and keys unique", test_grid_values_are_whole_and_keys_unique},
    {"a synth value out of range is named at its line",
     test_a_synth_value_out_of_range_is_named_at_its_line},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_experiment = {"experiment", NULL, NULL, NULL, NULL, tests};
