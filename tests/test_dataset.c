/* The dataset's order rules, selection, session-rec's filters and atomic output. Expected
 * values are worked out by hand in the comments. */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/filter.h"
#include "data/load.h"
#include "data/output.h"
#include "eval/results.h"
#include "sync_hook.h"
#include "test_util.h"

static sbr_dataset *build(sbr_click *clicks, size_t n)
{
    sbr_dataset *ds = NULL;
    sbr_err err;
    for (size_t c = 0; c < n; c++)
        clicks[c].row = c;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(clicks, n, &ds, &err), SBR_OK);
    return ds;
}

static void test_sessions_sort_by_id_and_clicks_by_time_then_file_order(void)
{
    /* File order: session 9 first, then 3; session 3's clicks out of time order, and two of
     * session 9's clicks share a time (items 70 then 60 in the file: that order stays). */
    sbr_click clicks[] = {
        {9, 50, 10.0, 0}, {3, 40, 7.0, 0},  {9, 70, 12.0, 0},
        {3, 30, 5.0, 0},  {9, 60, 12.0, 0}, {3, 20, 6.0, 0},
    };
    sbr_dataset *ds = build(clicks, 6);
    CU_ASSERT_EQUAL(ds->n_sessions, 2);
    CU_ASSERT_EQUAL(ds->n_items, 6);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 0), 3);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 1), 9);
    const uint64_t expect_items[] = {30, 20, 40, 50, 70, 60};
    const uint64_t expect_rows[] = {3, 5, 1, 0, 2, 4};
    for (size_t c = 0; c < 6; c++) {
        CU_ASSERT_EQUAL(ds->item_ids[ds->items[c]], expect_items[c]);
        CU_ASSERT_EQUAL(sbr_dataset_row(ds, c), expect_rows[c]);
    }
    /* Dense indices are the ranks of the ids: 20 -> 0, 30 -> 1, ..., 70 -> 5. */
    for (uint32_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(ds->item_ids[i], 20u + 10u * i);
    CU_ASSERT_EQUAL(sbr_dataset_session_len(ds, 0), 3);
    CU_ASSERT_DOUBLE_EQUAL(sbr_dataset_session_end(ds, 1), 12.0, 0);
    uint32_t idx;
    CU_ASSERT_TRUE(sbr_dataset_find_item(ds, 50, &idx));
    CU_ASSERT_EQUAL(idx, 3);
    CU_ASSERT_FALSE(sbr_dataset_find_item(ds, 55, &idx));
    size_t s;
    CU_ASSERT_TRUE(sbr_dataset_find_session(ds, 9, &s));
    CU_ASSERT_EQUAL(s, 1);
    CU_ASSERT_FALSE(sbr_dataset_find_session(ds, 4, &s));
    double lo, hi;
    sbr_dataset_time_range(ds, &lo, &hi);
    CU_ASSERT_DOUBLE_EQUAL(lo, 5.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 12.0, 0);
    sbr_dataset_free(ds);
    sbr_dataset_free(NULL);
}

static void test_file_order_meets_sessions_by_first_row(void)
{
    /* File rows: 0 s9 a@5, 1 s3 b@2, 2 s9 c@1, 3 s3 d@1. Dataset order: s3 (d, b), s9 (c, a).
     * A row-by-row reader meets s9 first (row 0) with a, c, then s3 with b, d. */
    sbr_click clicks[] = {{9, 1, 5, 0}, {3, 2, 2, 0}, {9, 3, 1, 0}, {3, 4, 1, 0}};
    sbr_dataset *ds = build(clicks, 4);
    size_t order[4], starts[3];
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_file_order(ds, order, starts, &err), SBR_OK);
    const uint64_t expect_items[] = {1, 3, 2, 4};
    for (size_t k = 0; k < 4; k++)
        CU_ASSERT_EQUAL(ds->item_ids[ds->items[order[k]]], expect_items[k]);
    CU_ASSERT_EQUAL(starts[0], 0);
    CU_ASSERT_EQUAL(starts[1], 2);
    CU_ASSERT_EQUAL(starts[2], 4);
    sbr_dataset_free(ds);
}

static void test_select_renumbers_items_and_drops_empty_sessions(void)
{
    sbr_click clicks[] = {{1, 100, 1, 0}, {1, 200, 2, 0}, {2, 300, 3, 0}, {3, 200, 4, 0}};
    sbr_dataset *ds = build(clicks, 4);
    /* Keep session 1's second click and session 3: items 200 only; session 2 vanishes. */
    bool keep[] = {false, true, false, true};
    sbr_dataset *sub = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(ds, keep, &sub, &err), SBR_OK);
    CU_ASSERT_EQUAL(sub->n_sessions, 2);
    CU_ASSERT_EQUAL(sub->n_clicks, 2);
    CU_ASSERT_EQUAL(sub->n_items, 1);
    CU_ASSERT_EQUAL(sub->item_ids[0], 200);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(sub, 0), 1);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(sub, 1), 3);
    CU_ASSERT_EQUAL(sbr_dataset_row(sub, 0), 1);
    CU_ASSERT_EQUAL(sbr_dataset_row(sub, 1), 3);
    CU_ASSERT_DOUBLE_EQUAL(sub->times[1], 4.0, 0);
    sbr_dataset_free(sub);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(ds, NULL, &sub, &err), SBR_OK);
    CU_ASSERT_EQUAL(sub->n_clicks, 4);
    CU_ASSERT_EQUAL(sub->n_items, 3);
    sbr_dataset_free(sub);
    sbr_dataset_free(ds);
}

/* A dataset for the filters:
 *   s1: a b a        s2: a c         s3: d           s4: a b c d e
 *   s5: b b b        s6: a b
 * Item clicks: a 5, b 7, c 2, d 2, e 1. */
static sbr_dataset *filter_data(void)
{
    enum { A = 1, B, C, D, E };
    static const int sessions[6][5] = {{A, B, A}, {A, C}, {D}, {A, B, C, D, E}, {B, B, B}, {A, B}};
    static const int lens[6] = {3, 2, 1, 5, 3, 2};
    sbr_click clicks[16];
    size_t n = 0;
    for (int s = 0; s < 6; s++)
        for (int k = 0; k < lens[s]; k++)
            clicks[n++] = (sbr_click){(uint64_t)s + 1, (uint64_t)sessions[s][k], 10.0 * s + k, 0};
    return build(clicks, n);
}

static void test_filters_follow_session_rec_order_in_one_pass(void)
{
    sbr_dataset *ds = filter_data();
    sbr_filter_options opt = {2, 3, 2, false};
    sbr_filter_stats st;
    sbr_dataset *out = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_filter_apply(ds, &opt, &out, &st, &err), SBR_OK);
    /* Step 1 drops s3 (length 1, 1 click). Then supports: a 5, b 7, c 2, d 1, e 1, so step 2
     * (support >= 3) drops c, d and e: 4 clicks. Step 3: s2 becomes "a" (length 1) and goes;
     * s1 a b a, s4 a b, s5 b b b, s6 a b remain. A fixpoint iteration would not differ here,
     * but a single pass is what session-rec does. */
    CU_ASSERT_EQUAL(st.short_first_sessions, 1);
    CU_ASSERT_EQUAL(st.short_first_clicks, 1);
    CU_ASSERT_EQUAL(st.rare_items, 3);
    CU_ASSERT_EQUAL(st.rare_clicks, 4);
    CU_ASSERT_EQUAL(st.short_sessions, 1);
    CU_ASSERT_EQUAL(st.short_clicks, 1);
    CU_ASSERT_EQUAL(out->n_sessions, 4);
    CU_ASSERT_EQUAL(out->n_clicks, 10);
    CU_ASSERT_EQUAL(out->n_items, 2);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(out, 0), 1);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(out, 1), 4);
    sbr_dataset_free(out);
    sbr_dataset_free(ds);
}

static void test_filter_support_is_counted_after_the_first_pass(void)
{
    sbr_dataset *ds = filter_data();
    /* Support >= 2 with d: d has 2 clicks in the file, but one is in s3, which step 1 removes
     * first, so d is rare (1) and goes; c (2 clicks) stays, e (1) goes. */
    sbr_filter_options opt = {2, 2, 2, false};
    sbr_filter_stats st;
    sbr_dataset *out = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_filter_apply(ds, &opt, &out, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.rare_items, 2);
    CU_ASSERT_EQUAL(st.rare_clicks, 2);
    uint32_t idx;
    CU_ASSERT_FALSE(sbr_dataset_find_item(out, 4, &idx));
    CU_ASSERT_TRUE(sbr_dataset_find_item(out, 3, &idx));
    CU_ASSERT_EQUAL(out->n_clicks, 13);
    sbr_dataset_free(out);
    sbr_dataset_free(ds);
}

static void test_collapse_repeats_keeps_the_first_of_a_run(void)
{
    sbr_dataset *ds = filter_data();
    /* s5 "b b b" becomes "b" and then fails step 1; s1 "a b a" has no immediate repeat. */
    sbr_filter_options opt = {2, 1, 1, true};
    sbr_filter_stats st;
    sbr_dataset *out = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_filter_apply(ds, &opt, &out, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.repeats_collapsed, 2);
    CU_ASSERT_EQUAL(st.short_first_sessions, 2); /* s3 and the collapsed s5 */
    CU_ASSERT_EQUAL(out->n_sessions, 4);
    CU_ASSERT_EQUAL(out->n_clicks, 12);
    sbr_dataset_free(out);
    sbr_dataset_free(ds);
}

static void test_written_sessions_load_back_identically(void)
{
    sbr_click clicks[] = {{7, 5, 1396860669.277, 0}, {7, 6, 1396860886.998, 0}, {2, 5, 12, 0}};
    sbr_dataset *ds = build(clicks, 3);
    char path[4096];
    snprintf(path, sizeof path, "%s/roundtrip.tsv.gz", test_tmpdir());
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_write_sessions(ds, path, &err), SBR_OK);
    char *text = test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "SessionId\tItemId\tTime\n2\t5\t12\n7\t5\t1396860669.277\n"
                                 "7\t6\t1396860886.998\n");
    free(text);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *back = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &opt, &back, NULL, &err), SBR_OK);
    CU_ASSERT_EQUAL(back->n_clicks, 3);
    for (size_t c = 0; c < 3; c++) {
        CU_ASSERT_EQUAL(back->times[c], ds->times[c]);
        CU_ASSERT_EQUAL(back->item_ids[back->items[c]], ds->item_ids[ds->items[c]]);
    }
    sbr_dataset_free(back);
    sbr_dataset_free(ds);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_output_is_atomic(void)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/atomic.csv", test_tmpdir());
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    sbr_err err;
    sbr_out *o = NULL;
    /* A committed file appears whole. */
    CU_ASSERT_EQUAL_FATAL(sbr_out_open(path, &o, &err), SBR_OK);
    sbr_out_printf(o, "a,b\n1,2\n");
    CU_ASSERT_FALSE(exists(path)); /* nothing visible before the commit */
    CU_ASSERT_TRUE(exists(tmp));
    CU_ASSERT_EQUAL(sbr_out_commit(o, &err), SBR_OK);
    CU_ASSERT_FALSE(exists(tmp));
    char *text = test_read_file(path, NULL);
    CU_ASSERT_STRING_EQUAL(text, "a,b\n1,2\n");
    free(text);
    /* An aborted rewrite leaves the old file untouched and no temporary file. */
    CU_ASSERT_EQUAL_FATAL(sbr_out_open(path, &o, &err), SBR_OK);
    sbr_out_printf(o, "partial");
    sbr_out_abort(o);
    sbr_out_abort(NULL);
    CU_ASSERT_FALSE(exists(tmp));
    text = test_read_file(path, NULL);
    CU_ASSERT_STRING_EQUAL(text, "a,b\n1,2\n");
    free(text);
    /* A folder that does not exist is an I/O error naming the path. */
    CU_ASSERT_EQUAL(sbr_out_open("/nonexistent-dir/x.csv", &o, &err), SBR_EIO);
    CU_ASSERT_PTR_NULL(o);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent-dir/x.csv"));
}

static void test_a_failed_write_fails_the_commit_and_leaves_nothing(void)
{
    /* A file-size limit makes writes past 64 KiB fail (EFBIG; SIGXFSZ ignored), like a full
     * disk: the commit must report it, remove the temporary file and create nothing. */
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/toolarge.csv", test_tmpdir());
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    struct rlimit old, lim;
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
    sbr_out *o = NULL;
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = sbr_out_open(path, &o, &err);
    if (rc == SBR_OK) {
        for (int i = 0; i < 100000; i++)
            sbr_out_printf(o, "%d,some text to fill the file\n", i);
        rc = sbr_out_commit(o, &err);
    }
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    CU_ASSERT_EQUAL(rc, SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "write failed"));
    CU_ASSERT_FALSE(exists(path));
    CU_ASSERT_FALSE(exists(tmp));
}

/* Position of the first event of kind with inode (any inode for 'r') at or after from, or n. */
static size_t find_event(const sync_event *ev, size_t n, size_t from, char kind,
                         unsigned long inode)
{
    for (size_t i = from; i < n; i++)
        if (ev[i].kind == kind && (kind == 'r' || ev[i].inode == inode))
            return i;
    return n;
}

/* Asserts that the file at path was synced, then renamed into place, then its folder synced. */
static void expect_synced_commit(const sync_event *ev, size_t n, const char *path)
{
    struct stat st_file, st_dir;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st_file), 0);
    CU_ASSERT_EQUAL_FATAL(stat(test_tmpdir(), &st_dir), 0);
    size_t f = find_event(ev, n, 0, 'f', (unsigned long)st_file.st_ino);
    CU_ASSERT(f < n); /* the file's data reached the disk ... */
    size_t r = find_event(ev, n, f, 'r', 0);
    CU_ASSERT(r < n); /* ... before the rename ... */
    size_t d = find_event(ev, n, r, 'd', (unsigned long)st_dir.st_ino);
    CU_ASSERT(d < n); /* ... and the folder's new entry after it */
}

static void test_commit_syncs_the_file_then_its_folder(void)
{
    char path[4096];
    const sync_event *ev;
    sbr_err err = {SBR_OK, ""};
    snprintf(path, sizeof path, "%s/synced.csv.gz", test_tmpdir());
    sbr_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_out_open(path, &o, &err), SBR_OK);
    sbr_out_printf(o, "a,b\n1,2\n");
    sync_log_begin();
    sbr_rc rc = sbr_out_commit(o, &err);
    size_t n = sync_log_end(&ev);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    expect_synced_commit(ev, n, path);
    /* The results files (eval/results.h) are committed the same way. */
    snprintf(path, sizeof path, "%s/synced-results.csv", test_tmpdir());
    const char *header[] = {"k", "v"}, *cells[] = {"x", "1"};
    sync_log_begin();
    rc = sbr_csv_append(path, header, 2, 1, cells, 1, &err);
    n = sync_log_end(&ev);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    expect_synced_commit(ev, n, path);
}

/* Creates an empty file dir/name. */
static void touch(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
}

static bool exists_in(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return exists(path);
}

static void test_stale_temp_files_of_dead_processes_only_are_removed(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/stale", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0777), 0);
    /* A pid that is certainly dead: a child that has exited and been reaped. */
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0)
        _exit(0);
    CU_ASSERT_EQUAL_FATAL(waitpid(child, NULL, 0), child);
    char live_parent[64], live_self[64], dead1[64], dead2[64];
    snprintf(live_parent, sizeof live_parent, "s.tsv.gz.%ld.tmp", (long)getppid());
    snprintf(live_self, sizeof live_self, "metrics.csv.%ld.tmp", (long)getpid());
    snprintf(dead1, sizeof dead1, "metrics.csv.%ld.tmp", (long)child);
    snprintf(dead2, sizeof dead2, "synth.tsv.gz.%ld.tmp", (long)child);
    const char *keep[] = {live_parent, live_self,     "notes.tmp",
                          "x.12a.tmp", "metrics.csv", ".1.tmp"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        touch(dir, keep[i]);
    touch(dir, dead1);
    touch(dir, dead2);
    size_t removed = 99;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_out_remove_stale(dir, &removed, &err), SBR_OK);
    CU_ASSERT_EQUAL(removed, 2);
    CU_ASSERT_FALSE(exists_in(dir, dead1));
    CU_ASSERT_FALSE(exists_in(dir, dead2));
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        CU_ASSERT_TRUE(exists_in(dir, keep[i]));
    /* A folder that does not exist has nothing stale; a file is not a folder. */
    snprintf(dir, sizeof dir, "%s/no-such-folder", test_tmpdir());
    CU_ASSERT_EQUAL(sbr_out_remove_stale(dir, &removed, &err), SBR_OK);
    CU_ASSERT_EQUAL(removed, 0);
    snprintf(dir, sizeof dir, "%s/stale/notes.tmp", test_tmpdir());
    CU_ASSERT_EQUAL(sbr_out_remove_stale(dir, &removed, &err), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "notes.tmp: cannot list"));
}

/* A path naming a FIFO (or a device such as /dev/null) is written in place: renaming a
 * temporary over it would replace it with a regular file. A folder is an error. */
static void test_a_fifo_or_device_is_written_in_place(void)
{
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/out.fifo", test_tmpdir());
    unlink(fifo);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK); /* a reader, so the writer's open succeeds */
    CU_ASSERT_FATAL(rd >= 0);
    sbr_out *o = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_out_open(fifo, &o, &e), SBR_OK);
    sbr_out_printf(o, "hello %d\n", 42);
    CU_ASSERT_EQUAL(sbr_out_commit(o, &e), SBR_OK);
    char buf[64] = {0};
    CU_ASSERT_EQUAL(read(rd, buf, sizeof buf - 1), 9);
    CU_ASSERT_STRING_EQUAL(buf, "hello 42\n");
    close(rd);
    struct stat st;
    CU_ASSERT(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode)); /* still the FIFO */
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", fifo, (long)getpid());
    CU_ASSERT(stat(tmp, &st) != 0);
    unlink(fifo);
    CU_ASSERT_EQUAL(sbr_out_open(test_tmpdir(), &o, &e), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is a folder"));
}

/* Rows 0, 1, 2, ... in dataset order are not stored; anything else is, with its values. */
static void test_rows_in_dataset_order_are_implicit(void)
{
    sbr_click in_order[] = {{1, 10, 1, 0}, {1, 20, 2, 1}, {2, 10, 3, 2}, {3, 30, 4, 3}};
    sbr_dataset *ds = NULL, *sub = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(in_order, 4, &ds, &err), SBR_OK);
    CU_ASSERT_PTR_NULL(ds->rows);
    for (size_t c = 0; c < 4; c++)
        CU_ASSERT_EQUAL(sbr_dataset_row(ds, c), c);
    size_t implicit_bytes = sbr_dataset_bytes(ds);
    /* A prefix keeps the implicit form; a gap stores the original ordinals. */
    bool prefix[] = {true, true, true, false}, gap[] = {true, false, true, true};
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(ds, prefix, &sub, &err), SBR_OK);
    CU_ASSERT_PTR_NULL(sub->rows);
    sbr_dataset_free(sub);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(ds, gap, &sub, &err), SBR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sub->rows);
    CU_ASSERT_EQUAL(sbr_dataset_row(sub, 0), 0);
    CU_ASSERT_EQUAL(sbr_dataset_row(sub, 1), 2);
    CU_ASSERT_EQUAL(sbr_dataset_row(sub, 2), 3);
    size_t starts[5], order[4]; /* room for the 4-click dataset below */
    CU_ASSERT_EQUAL(sbr_dataset_file_order(sub, order, starts, &err), SBR_OK);
    CU_ASSERT(order[0] == 0 && order[1] == 1 && order[2] == 2);
    sbr_dataset_free(sub);
    sbr_dataset_free(ds);
    /* Out of step (session 2 first in the file): stored, 8 bytes per click more. */
    sbr_click shuffled[] = {{1, 10, 1, 1}, {1, 20, 2, 2}, {2, 10, 3, 0}, {3, 30, 4, 3}};
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(shuffled, 4, &ds, &err), SBR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds->rows);
    CU_ASSERT_EQUAL(sbr_dataset_row(ds, 2), 0);
    CU_ASSERT_EQUAL(sbr_dataset_bytes(ds), implicit_bytes + 4 * sizeof(uint64_t));
    CU_ASSERT_EQUAL(sbr_dataset_file_order(ds, order, starts, &err), SBR_OK);
    CU_ASSERT_EQUAL(order[0], 2); /* session 2's click (row 0) is met first */
    sbr_dataset_free(ds);
    /* The streaming builder: implicit until the first row out of step, then every row kept. */
    sbr_dataset_builder *b = sbr_dataset_builder_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    sbr_click stream[] = {{1, 10, 1, 0}, {1, 20, 2, 1}, {2, 10, 3, 5}, {3, 30, 4, 6}};
    for (size_t c = 0; c < 4; c++)
        CU_ASSERT_EQUAL(sbr_dataset_builder_add(b, &stream[c]), 1);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_builder_finish(b, &ds, &err), SBR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds->rows);
    uint64_t want[] = {0, 1, 5, 6};
    for (size_t c = 0; c < 4; c++)
        CU_ASSERT_EQUAL(sbr_dataset_row(ds, c), want[c]);
    sbr_dataset_free(ds);
    sbr_dataset_builder_free(b);
    b = sbr_dataset_builder_new();
    for (size_t c = 0; c < 4; c++)
        in_order[c].row = c;
    for (size_t c = 0; c < 4; c++)
        CU_ASSERT_EQUAL(sbr_dataset_builder_add(b, &in_order[c]), 1);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_builder_finish(b, &ds, &err), SBR_OK);
    CU_ASSERT_PTR_NULL(ds->rows);
    CU_ASSERT_EQUAL(sbr_dataset_bytes(ds), implicit_bytes);
    sbr_dataset_free(ds);
    sbr_dataset_builder_free(b);
}

/* 48 sessions, one click each, ids id0, id0 + 1, ... except a jump of 10 after the 16th. */
static sbr_dataset *run_dataset(uint64_t id0)
{
    sbr_click c[48];
    for (size_t k = 0; k < 48; k++)
        c[k] = (sbr_click){id0 + k + (k >= 16 ? 10 : 0), 100 + k % 4, (double)k, k};
    sbr_dataset *ds = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, 48, &ds, &err), SBR_OK);
    return ds;
}

/* Session ids that mostly step by one are runs (at most one per 16 ids), else an array. */
static void test_session_ids_mostly_consecutive_are_runs(void)
{
    sbr_dataset *ds = run_dataset(5), *sub = NULL;
    sbr_err err;
    CU_ASSERT_PTR_NULL_FATAL(ds->session_ids);
    CU_ASSERT_EQUAL_FATAL(ds->n_id_runs, 2);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 0), 5);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 15), 20);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 16), 31);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 31), 46);
    size_t s = 99;
    CU_ASSERT(sbr_dataset_find_session(ds, 20, &s) && s == 15);
    CU_ASSERT(sbr_dataset_find_session(ds, 31, &s) && s == 16);
    CU_ASSERT(sbr_dataset_find_session(ds, 46, &s) && s == 31);
    uint64_t absent[] = {0, 4, 21, 25, 30, 63, UINT64_MAX};
    for (size_t k = 0; k < sizeof absent / sizeof absent[0]; k++)
        CU_ASSERT(!sbr_dataset_find_session(ds, absent[k], &s));
    /* Every other session dropped: 24 runs of one id each, stored as an array. */
    bool keep[48], tail[48];
    for (size_t k = 0; k < 48; k++) {
        keep[k] = k % 2 == 0;
        tail[k] = k >= 1;
    }
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(ds, keep, &sub, &err), SBR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sub->session_ids);
    CU_ASSERT(sub->session_ids[0] == 5 && sub->session_ids[8] == 31);
    sbr_dataset_free(sub);
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_select(ds, tail, &sub, &err), SBR_OK);
    CU_ASSERT_PTR_NULL_FATAL(sub->session_ids);
    CU_ASSERT_EQUAL(sub->n_id_runs, 2);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(sub, 0), 6);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(sub, 15), 31);
    sbr_dataset_free(sub);
    /* The streaming builder gives the same form and values. */
    sbr_dataset_builder *b = sbr_dataset_builder_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t k = 0; k < 48; k++) {
        sbr_click c = {5 + k + (k >= 16 ? 10 : 0), 100 + k % 4, (double)k, k};
        CU_ASSERT_EQUAL(sbr_dataset_builder_add(b, &c), 1);
    }
    sbr_dataset *built = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_builder_finish(b, &built, &err), SBR_OK);
    sbr_dataset_builder_free(b);
    CU_ASSERT(test_same_session_ids(ds, built));
    CU_ASSERT_EQUAL(sbr_dataset_bytes(built), sbr_dataset_bytes(ds));
    sbr_dataset_free(built);
    sbr_dataset_free(ds);
    /* Ids with a gap every few sessions: the builder switches to the array on the way. */
    b = sbr_dataset_builder_new();
    size_t n = 5000;
    for (size_t k = 0; k < n; k++) {
        sbr_click c = {3 * k + (k % 3 == 0), 1, 0.0, k};
        CU_ASSERT_EQUAL_FATAL(sbr_dataset_builder_add(b, &c), 1);
    }
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_builder_finish(b, &built, &err), SBR_OK);
    sbr_dataset_builder_free(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(built->session_ids);
    for (size_t k = 0; k < n; k++)
        CU_ASSERT_EQUAL(sbr_dataset_session_id(built, k), 3 * k + (k % 3 == 0));
    sbr_dataset_free(built);
}

static CU_TestInfo tests[] = {
    {"a FIFO or a device is written in place", test_a_fifo_or_device_is_written_in_place},
    {"sessions sort by id, clicks by time then file order",
     test_sessions_sort_by_id_and_clicks_by_time_then_file_order},
    {"file order meets sessions by first row", test_file_order_meets_sessions_by_first_row},
    {"rows in dataset order are implicit", test_rows_in_dataset_order_are_implicit},
    {"session ids mostly consecutive are runs", test_session_ids_mostly_consecutive_are_runs},
    {"select renumbers items and drops empty sessions",
     test_select_renumbers_items_and_drops_empty_sessions},
    {"filters follow session-rec's order in one pass",
     test_filters_follow_session_rec_order_in_one_pass},
    {"filter support is counted after the first pass",
     test_filter_support_is_counted_after_the_first_pass},
    {"collapse repeats keeps the first of a run", test_collapse_repeats_keeps_the_first_of_a_run},
    {"written sessions load back identically", test_written_sessions_load_back_identically},
    {"output is atomic", test_output_is_atomic},
    {"a failed write fails the commit and leaves nothing",
     test_a_failed_write_fails_the_commit_and_leaves_nothing},
    {"commit syncs the file, then its folder", test_commit_syncs_the_file_then_its_folder},
    {"stale temp files of dead processes only are removed",
     test_stale_temp_files_of_dead_processes_only_are_removed},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_dataset = {"dataset", NULL, NULL, NULL, NULL, tests};
