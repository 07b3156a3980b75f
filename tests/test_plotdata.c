/* eval/plotdata: the files the figures read, on a results set small enough to work out by
 * hand. Every expected line below is computed from the inputs in the comments, not taken from
 * the program's output. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval/plotdata.h"
#include "test_util.h"

/* d1: A (MRR 0.125 and 0.375 over two splits, p90 10 us), B (0.25, 0.25; p90 20: as accurate
 * as A on average, exactly (the values are binary fractions), but slower: dominated by A),
 * C (0.1, 0.1; p90 5: the fastest). d2: B alone, without latency. A row at cutoff 10 must be
 * ignored (the figures show cutoff 20). */
static const char metrics_csv[] =
    "dataset,split,algorithm,params,cutoff,mrr,hr,lat_p90_us,coverage,popularity,fit_s,"
    "model_bytes,n_predictions,eval_s,threads\n"
    "d1,w0,A,k=1,20,0.125,0.5,10,0.4,0.01,1,100,4,2,2\n"
    "d1,w1,A,k=1,20,0.375,0.7,10,0.6,0.03,3,300,4,2,2\n"
    "d1,w0,B,,20,0.25,0.6,20,0.2,0.1,2,50,6,1,2\n"
    "d1,w1,B,,20,0.25,0.6,20,0.2,0.1,2,50,6,1,2\n"
    "d1,w0,C,,20,0.1,0.3,5,0.9,0.2,0.5,10,3,1,2\n"
    "d1,w1,C,,20,0.1,0.3,5,0.9,0.2,0.5,10,3,1,2\n"
    "d1,w0,A,k=1,10,0.9,0.9,10,0.4,0.01,1,100,4,2,2\n"
    "d2,w0,B,,20,0.5,0.9,0,0.3,0.05,4,70,10,5,2\n";

/* Training clicks: d1 100 and 300 (mean 200), d2 50. */
static const char parts_csv[] = "dataset,split,part,clicks\n"
                                "d1,w0,train,100\n"
                                "d1,w0,test,7\n"
                                "d1,w1,train,300\n"
                                "d2,w0,train,50\n";

/* Ranks of A on d1: w0 {1, 2, 0, 3}, w1 {2, 2, 1, 0}; nobody else has any. */
static sbr_rc fetch(void *user, const char *ds, const char *split, const char *algo,
                    const char *params, uint32_t **out, size_t *n, sbr_err *err)
{
    (void)user;
    (void)params;
    static const uint32_t w0[] = {1, 2, 0, 3}, w1[] = {2, 2, 1, 0};
    if (strcmp(ds, "d1") != 0 || strcmp(algo, "A") != 0)
        return sbr_err_set(err, SBR_EINVAL, "no ranks");
    *out = malloc(sizeof w0);
    memcpy(*out, strcmp(split, "w0") == 0 ? w0 : w1, sizeof w0);
    *n = 4;
    return SBR_OK;
}

/* Latency by prefix length: A on d1 w0 {bucket 0: n 2, p50 1, p90 3; bucket 1: n 1, 5, 5}, w1
 * {bucket 0: n 1, 3, 7; bucket 1: none}; C on d1 w0 only {bucket 2: n 4, 10, 20}. */
static sbr_rc by_len(void *user, const char *ds, const char *split, const char *algo,
                     const char *params, sbr_lat_len out[SBR_LEN_BUCKETS], sbr_err *err)
{
    (void)user;
    (void)params;
    memset(out, 0, SBR_LEN_BUCKETS * sizeof *out);
    bool w0 = strcmp(split, "w0") == 0;
    if (strcmp(ds, "d1") == 0 && strcmp(algo, "A") == 0) {
        out[0] = w0 ? (sbr_lat_len){2, 1, 3} : (sbr_lat_len){1, 3, 7};
        if (w0)
            out[1] = (sbr_lat_len){1, 5, 5};
        return SBR_OK;
    }
    if (strcmp(ds, "d1") == 0 && strcmp(algo, "C") == 0 && w0) {
        out[2] = (sbr_lat_len){4, 10, 20};
        return SBR_OK;
    }
    return sbr_err_set(err, SBR_EINVAL, "none");
}

/* A is called "alpha" by the user; B and C have no name. */
static sbr_rc name(void *user, const char *ds, const char *algo, const char *params, char *out,
                   size_t size, sbr_err *err)
{
    (void)user;
    (void)ds;
    (void)params;
    if (strcmp(algo, "A") != 0)
        return sbr_err_set(err, SBR_EINVAL, "no label");
    snprintf(out, size, "alpha");
    return SBR_OK;
}

static char *read_out(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    return test_read_file(path, &len);
}

/* The lines of text that are not comments, joined with '\n'. */
static char *data_lines(char *text)
{
    char *out = calloc(strlen(text) + 1, 1);
    size_t n = 0;
    for (char *line = text; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) + 1 : strlen(line);
        if (line[0] != '#') {
            memcpy(out + n, line, len);
            n += len;
        }
        line += len;
    }
    return out;
}

static void check_file(const char *dir, const char *file, const char *want)
{
    char *text = read_out(dir, file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *got = data_lines(text);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n%s: got\n%s\nwant\n%s\n", file, got, want);
    free(got);
    free(text);
}

static void write_all(const char *csv, sbr_plotdata_out *po, const char **dir)
{
    sbr_err e = {SBR_OK, ""};
    sbr_sheet sh, parts;
    sbr_summary s;
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("m.csv", csv), &sh, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("p.csv", parts_csv), &parts, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(&sh, &s, &e), SBR_OK);
    static char path[4096];
    static int calls;
    snprintf(path, sizeof path, "%s/plotdata%d", test_tmpdir(), calls++);
    mkdir(path, 0700);
    *dir = path;
    sbr_plotdata_in in = {&s, "20", fetch, NULL, &parts, name, NULL, by_len, NULL};
    CU_ASSERT_EQUAL(sbr_plotdata_write(*dir, &in, po, &e), SBR_OK);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
    sbr_sheet_fini(&parts);
}

static void test_accuracy_tradeoff_and_front(void)
{
    sbr_plotdata_out po;
    const char *dir;
    write_all(metrics_csv, &po, &dir);
    CU_ASSERT_EQUAL(po.datasets, 2);
    CU_ASSERT_EQUAL(po.configs, 3);
    CU_ASSERT_EQUAL(po.grids, 0);
    CU_ASSERT_EQUAL(po.with_ranks, 1);
    /* A: MRR mean 0.25, sd sqrt(2 * 0.125^2 / 1) = 0.176777; HR 0.6, sd sqrt(2 * 0.1^2) =
     * 0.141421. B: the same means, sd 0. One split: sd 0. */
    check_file(dir, "accuracy.dat",
               "1 0.250000 0.176777 0.600000 0.141421 2 \"alpha\"\n"
               "2 0.250000 0.000000 0.600000 0.000000 2 \"B\"\n"
               "3 0.100000 0.000000 0.300000 0.000000 2 \"C\"\n"
               "\n\n"
               "2 0.500000 0.000000 0.900000 0.000000 1 \"B\"\n");
    /* Only p90 was given: the other percentiles are NaN; d2 has no latency at all. Front on d1:
     * C (fastest) and A (best MRR; B has the same MRR but is slower). */
    check_file(dir, "tradeoff.dat",
               "1 NaN 10.000 NaN NaN 0.250000 0.600000 0.500000 0.020000 1 \"alpha\"\n"
               "2 NaN 20.000 NaN NaN 0.250000 0.600000 0.200000 0.100000 0 \"B\"\n"
               "3 NaN 5.000 NaN NaN 0.100000 0.300000 0.900000 0.200000 1 \"C\"\n"
               "\n\n"
               "2 NaN NaN NaN NaN 0.500000 0.900000 0.300000 0.050000 0 \"B\"\n");
    check_file(dir, "pareto.dat", "5.000 0.100000 3\n10.000 0.250000 1\n\n\nNaN NaN NaN\n");
    /* Per configuration, by training clicks: A on d1 (200 clicks, fit (1 + 3) / 2, bytes 200,
     * predictions 4 per split, eval 2 s, 8 / 4 = 2 events/s). B: d2 (50) before d1 (200). */
    check_file(dir, "cost.dat",
               "200.0 2.000000 200 4 2.000000 2.0 2 \"d1\"\n"
               "\n\n"
               "50.0 4.000000 70 10 5.000000 2.0 2 \"d2\"\n"
               "200.0 2.000000 50 6 1.000000 6.0 2 \"d1\"\n"
               "\n\n"
               "200.0 0.500000 10 3 1.000000 3.0 2 \"d1\"\n");
    char *meta = read_out(dir, "meta.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(meta);
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "\nn_datasets = 2\nn_configs = 3\nhas_ranks = 1\n"
                                        "has_latency = 1\nn_grids = 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "dataset[1] = \"d1\"\ndataset[2] = \"d2\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "ranks_on[1] = 1\nlatency_on[1] = 1\nlen_on[1] = 1\n"
                                        "ranks_on[2] = 0\nlatency_on[2] = 0\nlen_on[2] = 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "\nhas_len = 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "label[1] = \"alpha\"\nlabel[2] = \"B\"\n"));
    free(meta);
}

static void test_latency_by_prefix_length(void)
{
    sbr_plotdata_out po;
    const char *dir;
    write_all(metrics_csv, &po, &dir);
    CU_ASSERT_EQUAL(po.with_len, 2);
    /* Columns: the bucket's prefix lengths, p50 of configurations 1..3, p90 of 1..3. A: bucket
     * 0 over both splits, p50 (1 + 3) / 2, p90 (3 + 7) / 2; bucket 1 only w0 had predictions
     * there. C: bucket 2 from w0 (w1 has none stored). Buckets 6-7 ... 31+ (len_hi 0) empty. */
    char *text = read_out(dir, "latency_len.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *got = data_lines(text);
    const char *want = "1 1 2.000 NaN NaN 5.000 NaN NaN\n"
                       "2 2 5.000 NaN NaN 5.000 NaN NaN\n"
                       "3 3 NaN NaN 10.000 NaN NaN 20.000\n"
                       "4 4 NaN NaN NaN NaN NaN NaN\n"
                       "5 5 NaN NaN NaN NaN NaN NaN\n"
                       "6 7 NaN NaN NaN NaN NaN NaN\n"
                       "8 10 NaN NaN NaN NaN NaN NaN\n"
                       "11 15 NaN NaN NaN NaN NaN NaN\n"
                       "16 20 NaN NaN NaN NaN NaN NaN\n"
                       "21 30 NaN NaN NaN NaN NaN NaN\n"
                       "31 0 NaN NaN NaN NaN NaN NaN\n"
                       "\n\n"
                       "1 1 NaN NaN NaN NaN NaN NaN\n";
    CU_ASSERT_EQUAL(strncmp(got, want, strlen(want)), 0);
    if (strncmp(got, want, strlen(want)) != 0)
        fprintf(stderr, "\nlatency_len.dat: got\n%s\n", got);
    free(got);
    free(text);
}

static void test_accuracy_at_every_k(void)
{
    sbr_plotdata_out po;
    const char *dir;
    write_all(metrics_csv, &po, &dir);
    char *text = read_out(dir, "atk.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *got = data_lines(text);
    /* A on d1: w0 ranks {1,2,0,3}: MRR@1 1/4, @2 1.5/4, @3 (1.5 + 1/3)/4; HR 1/4, 2/4, 3/4.
     * w1 {2,2,1,0}: MRR@1 1/4, @2 2/4, @3 2/4; HR 1/4, 3/4, 3/4. Means over the splits:
     * MRR 0.25, 0.4375, 0.479167; HR 0.25, 0.625, 0.75; from k = 3 on nothing changes. B and C
     * have no ranks: NaN. Columns: k, MRR of configurations 1..3, HR of 1..3. */
    const char *want_head = "1 0.250000 NaN NaN 0.250000 NaN NaN\n"
                            "2 0.437500 NaN NaN 0.625000 NaN NaN\n"
                            "3 0.479167 NaN NaN 0.750000 NaN NaN\n"
                            "4 0.479167 NaN NaN 0.750000 NaN NaN\n";
    CU_ASSERT_EQUAL(strncmp(got, want_head, strlen(want_head)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(got, "20 0.479167 NaN NaN 0.750000 NaN NaN\n\n\n"
                                       "1 NaN NaN NaN NaN NaN NaN\n"));
    size_t lines = 0;
    for (const char *c = got; *c != '\0'; c++)
        lines += *c == '\n';
    CU_ASSERT_EQUAL(lines, 2 * 20 + 2); /* 20 rows per dataset and the two blank lines */
    free(got);
    free(text);
}

/* G over m x k: 2 x 2 cells on d1 and one on d2 (with another lower-MRR cell), plus H, whose
 * configurations differ in three parameters (no grid), and J with one configuration. */
static const char grid_csv[] = "dataset,split,algorithm,params,cutoff,mrr,hr,precision,lat_p90_us\n"
                               "d1,w0,G,m=10;k=5;x=a,20,0.1,0.2,0.01,7\n"
                               "d1,w0,G,m=10;k=2;x=a,20,0.3,0.4,0.03,6\n"
                               "d1,w0,G,m=20;k=5;x=a,20,0.2,0.3,0.02,9\n"
                               "d1,w0,G,m=20;k=2;x=a,20,0.3,0.5,0.04,8\n"
                               "d2,w0,G,m=20;k=2;x=a,20,0.6,0.7,0.06,1\n"
                               "d1,w0,H,a=1;b=1;c=1,20,0.1,0.1,0.1,1\n"
                               "d1,w0,H,a=2;b=2;c=2,20,0.1,0.1,0.1,1\n"
                               "d1,w0,H,a=3;b=1;c=3,20,0.1,0.1,0.1,1\n"
                               "d1,w0,H,a=1;b=3;c=1,20,0.1,0.1,0.1,1\n"
                               "d1,w0,J,,20,0.1,0.1,0.1,1\n";

static void test_grids(void)
{
    sbr_plotdata_out po;
    const char *dir;
    write_all(grid_csv, &po, &dir);
    CU_ASSERT_EQUAL(po.grids, 1);
    CU_ASSERT_EQUAL(po.with_ranks, 0);
    /* m and k have two values each: x is the first that varies (m), y k, by x then y; the best
     * of d1 is m=10 k=2 (MRR 0.3, before m=20 k=2's tie); d2 has one cell, its best. */
    check_file(dir, "grid_G.dat",
               "10 2 0 0 0.300000 0.400000 0.030000 6.000 1\n"
               "10 5 0 1 0.100000 0.200000 0.010000 7.000 0\n"
               "20 2 1 0 0.300000 0.500000 0.040000 8.000 0\n"
               "20 5 1 1 0.200000 0.300000 0.020000 9.000 0\n"
               "\n\n"
               "20 2 1 0 0.600000 0.700000 0.060000 1.000 1\n");
    char *meta = read_out(dir, "meta.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(meta);
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "grid_algo[1] = \"G\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "grid_x[1] = \"m\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "grid_y[1] = \"k\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "grid_xs[1] = \"10 20\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "grid_ys[1] = \"2 5\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "grid_datasets[1] = \"d1 d2\"\n"));
    /* Without ranks there is no atk.dat; the G labels are the summary's (no user names). */
    CU_ASSERT_PTR_NULL(read_out(dir, "atk.dat"));
    CU_ASSERT_PTR_NOT_NULL(strstr(meta, "has_ranks = 0\n"));
    free(meta);
}

static CU_TestInfo tests[] = {
    {"accuracy, trade-off and the Pareto front", test_accuracy_tradeoff_and_front},
    {"accuracy at every k from the ranks", test_accuracy_at_every_k},
    {"latency by prefix length", test_latency_by_prefix_length},
    {"grids of two numeric parameters", test_grids},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo sbr_suite_plotdata = {"plotdata", NULL, NULL, NULL, NULL, tests};
