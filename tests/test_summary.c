/* Report summaries: grouping metrics rows over splits, the summary CSV and the tables, checked
 * against values computed by hand. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/specs.h"
#include "eval/summary.h"
#include "eval/tables.h"
#include "test_util.h"

/* Three splits of pop on ds1, one of ar on ds1, one of pop on ds2; no ndcg column. */
static const char metrics_csv[] = "dataset,split,algorithm,params,cutoff,mrr,hr,fit_s\n"
                                  "ds1,w0,pop,,20,0.1,0.3,1\n"
                                  "ds1,w1,pop,,20,0.3,0.5,3\n"
                                  "ds1,w0,ar,k=1;w=2,20,0.2,0.4,2\n"
                                  "ds2,w0,pop,,20,0.5,0.7,5\n"
                                  "ds1,w2,pop,,20,0.2,0.6,2\n"
                                  "ds1,w0,pop,,10,0.05,0.1,1\n";

static void build(sbr_sheet *sh, sbr_summary *s)
{
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("m.csv", metrics_csv), sh, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(sh, s, &e), SBR_OK);
}

static void test_rows_group_by_dataset_algorithm_params_and_cutoff(void)
{
    sbr_sheet sh;
    sbr_summary s;
    build(&sh, &s);
    CU_ASSERT_EQUAL(sh.n_rows, 6);
    CU_ASSERT_EQUAL(sh.n_cols, 8);
    CU_ASSERT_EQUAL(sbr_sheet_col(&sh, "mrr"), 5);
    CU_ASSERT_EQUAL(sbr_sheet_col(&sh, "ndcg"), -1);
    CU_ASSERT_STRING_EQUAL(sbr_sheet_cell(&sh, 2, 3), "k=1;w=2");
    CU_ASSERT_STRING_EQUAL(sbr_sheet_cell(&sh, 2, -1), "");
    CU_ASSERT_EQUAL_FATAL(s.n, 4); /* first-seen order: ds1 pop 20, ds1 ar, ds2 pop, ds1 pop 10 */
    const sbr_summary_group *pop = &s.g[0], *ar = &s.g[1], *pop2 = &s.g[2], *pop10 = &s.g[3];
    CU_ASSERT_EQUAL(pop->n, 3);
    CU_ASSERT_EQUAL(ar->n, 1);
    CU_ASSERT_EQUAL(pop2->n, 1);
    CU_ASSERT_EQUAL(pop10->n, 1);
    CU_ASSERT_STRING_EQUAL(sbr_summary_key_of(&s, pop2, SBR_KEY_DATASET), "ds2");
    CU_ASSERT_STRING_EQUAL(sbr_summary_key_of(&s, pop10, SBR_KEY_CUTOFF), "10");
    /* pop on ds1 at 20: MRR 0.1, 0.3, 0.2; HR 0.3, 0.5, 0.6; fit 1, 3, 2 */
    CU_ASSERT_DOUBLE_EQUAL(sbr_summary_mean(pop, SBR_SUM_MRR), 0.2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(pop->min[SBR_SUM_MRR], 0.1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(pop->max[SBR_SUM_MRR], 0.3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sbr_summary_mean(pop, SBR_SUM_HR), 1.4 / 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(pop->min[SBR_SUM_HR], 0.3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(pop->max[SBR_SUM_HR], 0.6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sbr_summary_mean(pop, SBR_SUM_FIT), 2.0, 1e-12);
    /* sd and 95% half-width over the 3 splits (SciPy: np.std(ddof=1), t.ppf(0.975, 2)) */
    sbr_spread mrr = sbr_summary_spread(pop, SBR_SUM_MRR), hr = sbr_summary_spread(pop, SBR_SUM_HR);
    CU_ASSERT_DOUBLE_EQUAL(mrr.sd, 0.09999999999999999, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(mrr.ci95, 0.24841377118437524, 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(hr.sd, 0.15275252316519466, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(hr.ci95, 0.37945830337394654, 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(sbr_summary_spread(ar, SBR_SUM_MRR).sd, 0, 0); /* one split */
    CU_ASSERT_DOUBLE_EQUAL(sbr_summary_mean(ar, SBR_SUM_HR), 0.4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ar->min[SBR_SUM_HR], ar->max[SBR_SUM_HR], 0);
    /* a column the file lacks gives NaN, not 0 */
    CU_ASSERT(isnan(sbr_summary_mean(pop, SBR_SUM_NDCG)));
    CU_ASSERT_PTR_EQUAL(sbr_summary_find(&s, "ds1", "ar", "k=1;w=2", "20"), ar);
    CU_ASSERT_PTR_NULL(sbr_summary_find(&s, "ds2", "ar", "k=1;w=2", "20"));
    CU_ASSERT_EQUAL(sbr_summary_metric_find("lat_p90_us"), SBR_SUM_P90);
    CU_ASSERT_EQUAL(sbr_summary_metric_find("nope"), -1);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

static void test_configurations_are_numbered_in_first_seen_order(void)
{
    sbr_sheet sh;
    sbr_summary s;
    build(&sh, &s);
    CU_ASSERT_EQUAL(sbr_summary_config_index(&s, &s.g[0]), 0);
    CU_ASSERT_EQUAL(sbr_summary_config_index(&s, &s.g[1]), 1);
    CU_ASSERT_EQUAL(sbr_summary_config_index(&s, &s.g[2]), 0); /* pop again, on ds2 */
    CU_ASSERT_EQUAL(sbr_summary_config_index(&s, &s.g[3]), 0); /* pop again, at 10 */
    CU_ASSERT_TRUE(sbr_summary_same_config(&s, &s.g[0], &s.g[2]));
    CU_ASSERT_FALSE(sbr_summary_same_config(&s, &s.g[0], &s.g[1]));
    char lab[64];
    sbr_summary_label(&s, &s.g[1], lab, sizeof lab);
    CU_ASSERT_STRING_EQUAL(lab, "ar k=1 w=2");
    sbr_summary_label(&s, &s.g[0], lab, sizeof lab);
    CU_ASSERT_STRING_EQUAL(lab, "pop");
    /* Only what differs from the algorithm's defaults is shown; unknown entries stay. */
    char shown[256];
    sbr_specs_short_params("vmis", "m=500;k=100;last_items=2;idf=1;compat=clean;remind=0", ' ',
                           shown, sizeof shown);
    CU_ASSERT_STRING_EQUAL(shown, "k=100");
    sbr_specs_short_params("vmis", "m=500;k=500;last_items=2;idf=1;compat=clean;remind=1", ';',
                           shown, sizeof shown);
    CU_ASSERT_STRING_EQUAL(shown, "remind=1");
    sbr_specs_short_params("vmis", "m=500;foo=1;m=50", ' ', shown, sizeof shown);
    CU_ASSERT_STRING_EQUAL(shown, "foo=1 m=50");
    sbr_specs_short_params("nosuch", "a=1;b=2", ' ', shown, sizeof shown);
    CU_ASSERT_STRING_EQUAL(shown, "a=1 b=2");
    sbr_specs_short_params("vmis", "m=500", ' ', shown, sizeof shown);
    CU_ASSERT_STRING_EQUAL(shown, "");
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

static void test_the_summary_csv_holds_the_hand_computed_values(void)
{
    sbr_sheet sh;
    sbr_summary s;
    build(&sh, &s);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_summary_write_csv(test_tmpdir(), &s, &e), SBR_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", test_tmpdir());
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "dataset,algorithm,params,cutoff,config,label,n_splits,"
                                        "mrr,mrr_min,mrr_max,hr,hr_min,hr_max,ndcg,ndcg_ref,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ",fit_s,model_bytes,mrr_sd,mrr_ci95,hr_sd,hr_ci95\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nds1,pop,,20,0,\"pop\",3,0.200000,0.100000,0.300000,"
                                        "0.466667,0.300000,0.600000,nan,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nds1,ar,k=1;w=2,20,1,\"ar k=1 w=2\",1,0.200000,"
                                        "0.200000,0.200000,0.400000,0.400000,0.400000,"));
    /* pop's fit_s mean, no model_bytes, then the spread of MRR and HR (SciPy's values above) */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ",nan,2,nan,0.100000,0.248414,0.152753,0.379458\n"));
    free(text);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

/* Whether the file test_tmpdir()/name holds text. */
static bool file_has(const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    char *got = test_read_file(path, NULL);
    bool has = got != NULL && strstr(got, text) != NULL;
    free(got);
    return has;
}

static void test_the_accuracy_table_shows_means_per_dataset(void)
{
    sbr_sheet sh;
    sbr_summary s;
    build(&sh, &s);
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_tables_accuracy(test_tmpdir(), &s, "20", NULL, &e), SBR_OK);
    CU_ASSERT(file_has("accuracy.md", "| algorithm | ds1 | ds2 |\n|---|---:|---:|\n"));
    CU_ASSERT(file_has("accuracy.md", "| pop | 0.2000±0.1000 / 0.4667 | 0.5000 / 0.7000 |\n"));
    CU_ASSERT(file_has("accuracy.md", "| ar k=1 w=2 | 0.2000 / 0.4000 | – |\n"));
    CU_ASSERT(file_has("accuracy.tex", "ar k=1 w=2 & 0.2000 / 0.4000 & -- \\\\\n"));
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

static void test_text_columns_align_left_and_numbers_right(void)
{
    const char *head[4] = {"dataset", "method", "p", "verdict"};
    char cells[2 * 4][SBR_TABLE_CELL] = {"ds1", "**vmis**", "**0.5**", "–",
                                         "ds1", "narm",     "< 1e-10", "worse"};
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_tables_write(test_tmpdir(), "align", "cap", head, 4, cells, 2, &e),
                          SBR_OK);
    CU_ASSERT(file_has("align.md", "| dataset | method | p | verdict |\n|---|---|---:|---|\n"));
    CU_ASSERT(file_has("align.tex", "\\begin{longtable}{llrl}\n"));
}

static void test_params_match_whole_entries(void)
{
    CU_ASSERT_TRUE(sbr_params_match("k=100", "m=500;k=100"));
    CU_ASSERT_TRUE(sbr_params_match("a=1;b=2", "b=2;c=3;a=1"));
    CU_ASSERT_TRUE(sbr_params_match("", "k=1"));
    CU_ASSERT_FALSE(sbr_params_match("k=1", "k=100"));
    CU_ASSERT_FALSE(sbr_params_match("k=100", "kk=100"));
    CU_ASSERT_FALSE(sbr_params_match("a=1;b=3", "a=1;b=2"));
}

static void test_bad_results_are_named(void)
{
    sbr_err e = {SBR_OK, ""};
    sbr_sheet sh;
    sbr_summary s = {NULL, NULL, 0, {0, 0, 0, 0}, -1};
    const char *path = test_write_text("nokey.csv", "dataset,algorithm,cutoff,mrr\nd,a,20,0.1\n");
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(path, &sh, &e), SBR_OK);
    CU_ASSERT_EQUAL(sbr_summary_build(&sh, &s, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no column params"));
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
    path = test_write_text("ragged.csv", "dataset,algorithm\nd,a\nd,a,x\n");
    CU_ASSERT_EQUAL(sbr_sheet_read(path, &sh, &e), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "line 3: 3 cells, header has 2"));
    sbr_sheet_fini(&sh);
}

/* With a label column, a row is a label: "sr-tuned" is one row whatever each dataset's
 * winner; a label with two configurations on one dataset (a grid: "vg") shows its params. */
static const char labelled_csv[] = "dataset,split,algorithm,params,cutoff,mrr,hr,label\n"
                                   "ds1,w0,sr,steps=10,20,0.30,0.5,sr\n"
                                   "ds1,w1,sr,steps=10,20,0.32,0.5,sr\n"
                                   "ds2,w0,sr,steps=10,20,0.40,0.6,sr\n"
                                   "ds1,w0,sr,steps=20,20,0.34,0.5,sr-tuned\n"
                                   "ds1,w1,sr,steps=20,20,0.36,0.5,sr-tuned\n"
                                   "ds2,w0,sr,steps=5,20,0.45,0.6,sr-tuned\n"
                                   "ds1,w0,vmis,m=100,20,0.2,0.4,vg\n"
                                   "ds1,w0,vmis,m=200,20,0.25,0.4,vg\n";

static void test_labels_are_the_rows_of_the_tables(void)
{
    sbr_sheet sh;
    sbr_summary s;
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_sheet_read(test_write_text("l.csv", labelled_csv), &sh, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(&sh, &s, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(s.n, 6);
    CU_ASSERT(sbr_summary_same_config(&s, &s.g[2], &s.g[3]));  /* sr-tuned, ds1 and ds2 */
    CU_ASSERT(!sbr_summary_same_config(&s, &s.g[4], &s.g[5])); /* vg m=100 and m=200 */
    CU_ASSERT_EQUAL(sbr_summary_config_index(&s, &s.g[3]), 1);
    char lab[128];
    sbr_summary_label(&s, &s.g[3], lab, sizeof lab);
    CU_ASSERT_STRING_EQUAL(lab, "sr-tuned");
    sbr_summary_label(&s, &s.g[5], lab, sizeof lab);
    CU_ASSERT_STRING_EQUAL(lab, "vg m=200");
    CU_ASSERT_EQUAL_FATAL(sbr_tables_accuracy(test_tmpdir(), &s, "20", NULL, &e), SBR_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/accuracy.md", test_tmpdir());
    char *md = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    /* ds1: (0.34 + 0.36) / 2 = 0.35, sd = sqrt(2 * 0.01^2 / 1) = 0.0141. */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| sr-tuned | 0.3500±0.0141 / 0.5000 | 0.4500 / 0.6000 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| sr | 0.3100±0.0141 / 0.5000 | 0.4000 / 0.6000 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| vg m=100 | 0.2000 / 0.4000 | – |\n"));
    free(md);
    /* The tuned-parameters table: the winner's params beside both test MRRs. */
    const char *tuned = test_write_text(
        "tuned.csv", "dataset,label,algorithm,params,objective,valid_value,trials,method\n"
                     "ds1,sr,sr,steps=20,mrr@20,0.5,8,tpe\n"
                     "ds2,sr,sr,steps=5,mrr@20,0.25,8,tpe\n"
                     "ds2,iknn,iknn,lmbd=16.851136088371277;alpha=1e-05;n_sims=500,mrr@20,0.1,8,"
                     "tpe\n");
    CU_ASSERT_EQUAL_FATAL(sbr_tables_tuned(test_tmpdir(), &s, tuned, "20", &e), SBR_OK);
    snprintf(path, sizeof path, "%s/tuned.md", test_tmpdir());
    md = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "8 trials (tpe)"));
    /* sr's default steps is 10, so both winners' steps are shown. */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| ds1 | sr | steps=20 | 0.5000 | 0.3100±0.0141 | "
                                      "0.3500±0.0141 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| ds2 | sr | steps=5 | 0.2500 | 0.4000 | 0.4500 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| ds2 | iknn | lmbd=16.85 alpha=1e-05 n_sims=500 | "));
    free(md);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
    /* On ds2 sr's winner is its own configuration (steps=10), which ran as "sr": the store
     * keeps one row per configuration, so the sr-tuned cell of ds2 shows that run, found
     * through tuned.csv; without it the cell is "–". */
    CU_ASSERT_EQUAL_FATAL(
        sbr_sheet_read(test_write_text("l2.csv", "dataset,split,algorithm,params,cutoff,"
                                                 "mrr,hr,label\n"
                                                 "ds1,w0,sr,steps=10,20,0.30,0.5,sr\n"
                                                 "ds2,w0,sr,steps=10,20,0.40,0.6,sr\n"
                                                 "ds1,w0,sr,steps=20,20,0.34,0.5,"
                                                 "sr-tuned\n"),
                       &sh, &e),
        SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_summary_build(&sh, &s, &e), SBR_OK);
    sbr_sheet tsh;
    CU_ASSERT_EQUAL_FATAL(
        sbr_sheet_read(test_write_text("tuned2.csv", "dataset,label,algorithm,params\n"
                                                     "ds1,sr,sr,steps=20\n"
                                                     "ds2,sr,sr,steps=10\n"),
                       &tsh, &e),
        SBR_OK);
    snprintf(path, sizeof path, "%s/accuracy.md", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(sbr_tables_accuracy(test_tmpdir(), &s, "20", NULL, &e), SBR_OK);
    md = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| sr-tuned | 0.3400 / 0.5000 | – |\n"));
    free(md);
    CU_ASSERT_EQUAL_FATAL(sbr_tables_accuracy_tuned(test_tmpdir(), &s, "20", NULL, &tsh, &e),
                          SBR_OK);
    md = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| sr-tuned | 0.3400 / 0.5000 | 0.4000 / 0.6000 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| sr | 0.3000 / 0.5000 | 0.4000 / 0.6000 |\n"));
    free(md);
    sbr_sheet_fini(&tsh);
    sbr_summary_fini(&s);
    sbr_sheet_fini(&sh);
}

/* A part with empty time cells (a dataset with synthetic time) shows "synthetic time", not a
 * span computed from an ordering. */
static void test_synthetic_time_shows_no_days(void)
{
    const char *csv = test_write_text(
        "parts.csv", "dataset,split,part,sessions,clicks,items,first_time,last_time,span_days\n"
                     "rr,train,train,126168,685984,36968,,,\n"
                     "rsc,train_full,train,17794,70278,2933,1396310000,1396827300,5.987\n");
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL_FATAL(sbr_tables_datasets(test_tmpdir(), csv, &e), SBR_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/datasets.md", test_tmpdir());
    char *md = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| rr | train | train | 126,168 | 685,984 | 36,968 | "
                                      "synthetic time |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 5.987 |\n"));
    free(md);
}

static CU_TestInfo tests[] = {
    {"labels are the rows of the tables", test_labels_are_the_rows_of_the_tables},
    {"synthetic time shows no days", test_synthetic_time_shows_no_days},
    {"rows group by dataset, algorithm, params and cutoff",
     test_rows_group_by_dataset_algorithm_params_and_cutoff},
    {"configurations are numbered in first-seen order",
     test_configurations_are_numbered_in_first_seen_order},
    {"the summary CSV holds the hand-computed values",
     test_the_summary_csv_holds_the_hand_computed_values},
    {"the accuracy table shows means per dataset", test_the_accuracy_table_shows_means_per_dataset},
    {"text columns align left and numbers right", test_text_columns_align_left_and_numbers_right},
    {"params match whole entries", test_params_match_whole_entries},
    {"bad results are named", test_bad_results_are_named},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_summary = {"summary", NULL, NULL, NULL, NULL, tests};
