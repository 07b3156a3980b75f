/* Reading session files: every bad-input case the loader must name or count, and the
 * formats it must accept (gzip, CRLF, BOM, quoting, blank lines, delimiters, column maps). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "alloc_hook.h"
#include "data/load.h"
#include "data/table.h"
#include "test_util.h"

/* Loads `text` written to a temporary file `name`; returns the rc, keeps the dataset. */
static sbr_rc load_text(const char *name, const char *text, const sbr_load_options *opt,
                        sbr_dataset **ds, sbr_load_stats *st, sbr_err *err)
{
    sbr_load_options defaults;
    sbr_load_options_init(&defaults);
    const char *path = test_write_text(name, text);
    return sbr_load_sessions(path, opt ? opt : &defaults, ds, st, err);
}

/* Asserts that loading fails with rc and that the message contains every given fragment. */
static void expect_error(const char *name, const char *text, const sbr_load_options *opt, sbr_rc rc,
                         const char *frag1, const char *frag2)
{
    sbr_dataset *ds = (sbr_dataset *)&ds; /* must be reset to NULL */
    sbr_load_stats st;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(load_text(name, text, opt, &ds, &st, &err), rc);
    CU_ASSERT_PTR_NULL(ds);
    CU_ASSERT_EQUAL(err.rc, rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, name));
    if (frag1 != NULL && strstr(err.msg, frag1) == NULL)
        CU_FAIL_FATAL("first fragment missing from the message");
    if (frag2 != NULL && strstr(err.msg, frag2) == NULL)
        CU_FAIL_FATAL("second fragment missing from the message");
    sbr_dataset_free(ds);
}

static void test_empty_file_is_an_error(void)
{
    expect_error("empty.tsv", "", NULL, SBR_EPARSE, "empty file", NULL);
}

static void test_header_only_is_an_error(void)
{
    expect_error("header.tsv", "SessionId\tItemId\tTime\n", NULL, SBR_EPARSE, "no data rows", NULL);
}

static void test_missing_column_names_the_header(void)
{
    expect_error("nocol.tsv", "SessionId\tProduct\tTime\n1\t2\t3\n", NULL, SBR_EPARSE,
                 "no ItemId column", "\"Product\"");
}

static void test_short_row_names_line_and_can_be_skipped(void)
{
    const char *text = "SessionId\tItemId\tTime\n1\t10\t100\n1\t11\n2\t10\t200\n2\t12\t201\n";
    expect_error("short.tsv", text, NULL, SBR_EPARSE, "short.tsv:3:", "column 3 is needed");
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.skip_bad_rows = true;
    sbr_dataset *ds;
    sbr_load_stats st;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(load_text("short.tsv", text, &opt, &ds, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.rows_read, 4);
    CU_ASSERT_EQUAL(st.rows_kept, 3);
    CU_ASSERT_EQUAL(st.dropped[SBR_DROP_MISSING_FIELD], 1);
    CU_ASSERT_EQUAL(sbr_load_stats_dropped(&st), 1);
    CU_ASSERT_EQUAL(ds->n_clicks, 3);
    sbr_dataset_free(ds);
}

static void test_non_numeric_and_overflowing_ids_are_named(void)
{
    expect_error("sid.tsv", "SessionId\tItemId\tTime\nabc\t1\t5\n", NULL, SBR_EPARSE,
                 "sid.tsv:2: column 1 \"SessionId\": \"abc\"", "not a non-negative integer");
    expect_error("iid.tsv", "SessionId\tItemId\tTime\n1\t1\t5\n1\t18446744073709551616\t6\n", NULL,
                 SBR_EPARSE, "iid.tsv:3: column 2 \"ItemId\": \"18446744073709551616\"",
                 "overflows 64 bits");
    expect_error("neg.tsv", "SessionId\tItemId\tTime\n1\t-4\t5\n", NULL, SBR_EPARSE, "\"-4\"",
                 NULL);
}

static void test_nan_negative_and_garbage_times_are_named(void)
{
    expect_error("nan.tsv", "SessionId\tItemId\tTime\n1\t1\tnan\n", NULL, SBR_EPARSE,
                 "nan.tsv:2: column 3 \"Time\": \"nan\"", NULL);
    expect_error("negt.tsv", "SessionId\tItemId\tTime\n1\t1\t-3.5\n", NULL, SBR_EPARSE,
                 "\"-3.5\" is a negative time", NULL);
    expect_error("junk.tsv", "SessionId\tItemId\tTime\n1\t1\tyesterday\n", NULL, SBR_EPARSE,
                 "\"yesterday\" is not a time", NULL);
    expect_error("inf.tsv", "SessionId\tItemId\tTime\n1\t1\tinf\n", NULL, SBR_EPARSE, "\"inf\"",
                 NULL);
}

static void test_bad_rows_are_counted_per_reason_when_skipped(void)
{
    const char *text = "SessionId\tItemId\tTime\n"
                       "1\t10\t100\n"
                       "x\t10\t101\n" /* bad session */
                       "1\ty\t102\n"  /* bad item */
                       "1\t11\tnan\n" /* bad time */
                       "1\t12\t-1\n"  /* bad time */
                       "1\t13\t103\n";
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.skip_bad_rows = true;
    sbr_dataset *ds;
    sbr_load_stats st;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(load_text("mixed.tsv", text, &opt, &ds, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.rows_read, 6);
    CU_ASSERT_EQUAL(st.rows_kept, 2);
    CU_ASSERT_EQUAL(st.dropped[SBR_DROP_BAD_SESSION], 1);
    CU_ASSERT_EQUAL(st.dropped[SBR_DROP_BAD_ITEM], 1);
    CU_ASSERT_EQUAL(st.dropped[SBR_DROP_BAD_TIME], 2);
    CU_ASSERT_EQUAL(ds->n_clicks, 2);
    /* Row ordinals count all data rows, dropped ones included: the kept rows are 0 and 5. */
    CU_ASSERT_EQUAL(sbr_dataset_row(ds, 0), 0);
    CU_ASSERT_EQUAL(sbr_dataset_row(ds, 1), 5);
    sbr_dataset_free(ds);
}

static void test_all_rows_bad_is_an_error_even_when_skipping(void)
{
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.skip_bad_rows = true;
    expect_error("allbad.tsv", "SessionId\tItemId\tTime\nx\t1\t1\n", &opt, SBR_EPARSE,
                 "all 1 data rows were dropped", NULL);
}

static void test_truncated_gzip_is_detected(void)
{
    /* A real gzip file of many rows, cut in the middle of its compressed stream. */
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    len += (size_t)snprintf(text, cap, "SessionId\tItemId\tTime\n");
    for (int i = 0; i < 20000; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d\t%d\t%d\n", i / 4, i % 97, i);
    const char *full = test_write_file("full.tsv.gz", text, len, true);
    size_t gz_len = 0;
    FILE *f = fopen(full, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char *gz = malloc(cap);
    gz_len = fread(gz, 1, cap, f);
    fclose(f);
    const char *cut = test_write_file("cut.tsv.gz", gz, gz_len / 2, false);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_load_sessions(cut, &opt, &ds, NULL, &err), SBR_EIO);
    CU_ASSERT_PTR_NULL(ds);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cut.tsv.gz"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "truncated gzip"));
    /* The whole file reads, with every row. */
    sbr_load_stats st;
    CU_ASSERT_EQUAL(sbr_load_sessions(full, &opt, &ds, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.rows_kept, 20000);
    CU_ASSERT_EQUAL(ds->n_sessions, 5000);
    sbr_dataset_free(ds);
    free(gz);
    free(text);
}

static void test_corrupt_gzip_is_an_io_error(void)
{
    /* gzip magic and header, then garbage instead of a deflate stream. */
    const char bytes[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate-data";
    const char *path = test_write_file("corrupt.tsv.gz", bytes, sizeof bytes - 1, false);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_load_sessions(path, &opt, &ds, NULL, &err), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "corrupt.tsv.gz"));
}

static void test_missing_file_is_an_io_error(void)
{
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_load_sessions("/nonexistent/x.tsv", &opt, &ds, NULL, &err), SBR_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/x.tsv: cannot open"));
}

/* The dataset every format variant below must produce. */
static void check_three_clicks(const sbr_dataset *ds)
{
    CU_ASSERT_EQUAL_FATAL(ds->n_clicks, 3);
    CU_ASSERT_EQUAL(ds->n_sessions, 2);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 0), 1);
    CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 1), 2);
    CU_ASSERT_EQUAL(ds->item_ids[ds->items[0]], 10);
    CU_ASSERT_EQUAL(ds->item_ids[ds->items[1]], 11);
    CU_ASSERT_EQUAL(ds->item_ids[ds->items[2]], 10);
    CU_ASSERT_DOUBLE_EQUAL(ds->times[0], 100.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(ds->times[1], 101, 0);
    CU_ASSERT_DOUBLE_EQUAL(ds->times[2], 200, 0);
}

static void load_ok(const char *name, const char *text, const sbr_load_options *opt,
                    sbr_load_stats *st)
{
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = load_text(name, text, opt, &ds, st, &err);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    check_three_clicks(ds);
    sbr_dataset_free(ds);
}

static void test_crlf_line_endings_are_read(void)
{
    sbr_load_stats st;
    load_ok("crlf.tsv", "SessionId\tItemId\tTime\r\n1\t10\t100.5\r\n1\t11\t101\r\n2\t10\t200\r\n",
            NULL, &st);
    CU_ASSERT_EQUAL(st.blank_lines, 0);
}

static void test_utf8_bom_is_skipped(void)
{
    sbr_load_stats st;
    load_ok("bom.tsv",
            "\xEF\xBB\xBFSessionId\tItemId\tTime\n1\t10\t100.5\n1\t11\t101\n2\t10\t200\n", NULL,
            &st);
}

static void test_blank_lines_are_skipped_and_counted(void)
{
    sbr_load_stats st;
    load_ok("blank.tsv",
            "SessionId\tItemId\tTime\n\n1\t10\t100.5\n  \n\r\n1\t11\t101\n2\t10\t200\n\n", NULL,
            &st);
    CU_ASSERT_EQUAL(st.blank_lines, 4);
    CU_ASSERT_EQUAL(st.rows_read, 3);
    CU_ASSERT_EQUAL(st.lines, 8);
}

static void test_last_line_without_newline_is_read(void)
{
    sbr_load_stats st;
    load_ok("nonl.tsv", "SessionId\tItemId\tTime\n1\t10\t100.5\n1\t11\t101\n2\t10\t200", NULL, &st);
    CU_ASSERT_EQUAL(st.lines, 4);
}

static void test_gzip_reads_like_plain_text(void)
{
    const char *text = "SessionId\tItemId\tTime\n1\t10\t100.5\n1\t11\t101\n2\t10\t200\n";
    const char *path = test_write_file("plain.tsv.gz", text, strlen(text), true);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &opt, &ds, NULL, &err), SBR_OK);
    check_three_clicks(ds);
    sbr_dataset_free(ds);
}

static void test_delimiters_are_detected(void)
{
    sbr_load_stats st;
    load_ok("comma.csv", "session_id,item_id,timestamp\n1,10,100.5\n1,11,101\n2,10,200\n", NULL,
            &st);
    CU_ASSERT_EQUAL(st.delimiter, ',');
    load_ok("semi.csv", "sessionId;itemId;time\n1;10;100.5\n1;11;101\n2;10;200\n", NULL, &st);
    CU_ASSERT_EQUAL(st.delimiter, ';');
    expect_error("nodelim.txt", "SessionId ItemId Time\n1 10 5\n", NULL, SBR_EPARSE,
                 "cannot detect the delimiter", NULL);
}

static void test_quoted_fields_hold_delimiters_and_newlines(void)
{
    /* The Note column holds commas, an escaped quote and a line break. The record after it
     * starts on line 5, so its error names line 5. */
    const char *text = "SessionId,Note,ItemId,Time\n"
                       "1,\"red, large\",10,100.5\n"
                       "1,\"say \"\"hi\"\", then\nbye\",11,101\n"
                       "2,plain,10,200\n";
    sbr_load_stats st;
    load_ok("quoted.csv", text, NULL, &st);
    CU_ASSERT_EQUAL(st.lines, 5);
    CU_ASSERT_EQUAL(st.rows_read, 3);
    char bad[512];
    snprintf(bad, sizeof bad, "%s2,plain,10,oops\n", text);
    expect_error("quoted-bad.csv", bad, NULL, SBR_EPARSE, "quoted-bad.csv:6:", "\"oops\"");
}

static void test_broken_quoting_is_named_or_counted(void)
{
    const char *text = "SessionId,ItemId,Time\n1,10,100.5\n1,1\"1,101\n1,11,101\n2,10,200\n";
    expect_error("badquote.csv", text, NULL, SBR_EPARSE, "badquote.csv:3:", "malformed quoting");
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.skip_bad_rows = true;
    sbr_load_stats st;
    load_ok("badquote.csv", text, &opt, &st);
    CU_ASSERT_EQUAL(st.dropped[SBR_DROP_MALFORMED], 1);
    CU_ASSERT_EQUAL(st.rows_read, 4);
}

static void test_huge_field_is_handled(void)
{
    /* A 2 MiB extra column is read through, and a 1 MiB id is reported with its length. */
    size_t big = 2u << 20;
    char *text = malloc(big + 256);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    int n = snprintf(text, 256, "SessionId\tNote\tItemId\tTime\n1\t");
    memset(text + n, 'x', big);
    snprintf(text + (size_t)n + big, 200, "\t10\t100.5\n1\tn\t11\t101\n2\tn\t10\t200\n");
    sbr_load_stats st;
    load_ok("hugefield.tsv", text, NULL, &st);

    n = snprintf(text, 256, "SessionId\tItemId\tTime\n1\t");
    memset(text + n, '9', 1u << 20);
    snprintf(text + (size_t)n + (1u << 20), 200, "\t100\n");
    expect_error("hugeid.tsv", text, NULL, SBR_EPARSE, "(1048576 bytes)", "overflows 64 bits");
    free(text);
}

static void test_times_past_9999_are_named(void)
{
    /* 9.3e18 s is past 2^63 s: before, it reached an undefined float-to-int64 conversion. */
    expect_error("bigt.tsv", "SessionId\tItemId\tTime\n1\t1\t5\n1\t2\t9.3e18\n", NULL, SBR_EPARSE,
                 "bigt.tsv:3: column 3 \"Time\": \"9.3e18\"",
                 "is after 9999-12-31 23:59:59 UTC (out of range)");
    expect_error("huget.tsv", "SessionId\tItemId\tTime\n1\t1\t1e300\n", NULL, SBR_EPARSE,
                 "huget.tsv:2: column 3 \"Time\": \"1e300\"", "out of range");
}

static void test_iso_offsets_out_of_range_are_named(void)
{
    expect_error("offset.tsv", "SessionId\tItemId\tTime\n1\t1\t2020-01-01T00:00:00+99:99\n", NULL,
                 SBR_EPARSE, "offset.tsv:2: column 3 \"Time\": \"2020-01-01T00:00:00+99:99\"",
                 "has a UTC offset out of range (hours 00-23, minutes 00-59)");
}

/* Gzip-compresses text in memory (level 0 stores it as is) into a malloc'ed buffer. */
static unsigned char *gzip_bytes(const char *text, size_t len, int level, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CU_ASSERT_EQUAL_FATAL(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
                          Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    unsigned char *buf = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    CU_ASSERT_EQUAL_FATAL(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return buf;
}

/* Loads path and asserts rc and that the message holds frag (and the file's name). */
static void expect_file_error(const char *path, const sbr_load_options *opt, sbr_rc rc,
                              const char *frag)
{
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_load_sessions(path, opt, &ds, NULL, &err), rc);
    CU_ASSERT_PTR_NULL(ds);
    if (strstr(err.msg, path) == NULL || strstr(err.msg, frag) == NULL) {
        fprintf(stderr, "\nexpected \"%s\" in: %s\n", frag, err.msg);
        CU_FAIL("fragment missing from the message");
    }
    sbr_dataset_free(ds);
}

static void test_corrupt_gzip_data_is_a_gzip_error_not_a_bad_row(void)
{
    /* Stored (level 0) gzip: a damaged byte in the data decompresses to a bad ItemId ("1x")
     * on line 3, long before the CRC at the end (after 200 KiB) shows the damage. The error is
     * the gzip one, also when bad rows are skipped. */
    size_t cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    n += (size_t)snprintf(text, cap, "SessionId\tItemId\tTime\n1\t10\t100.5\n1\t11\t101\n");
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf(text + n, cap - n, "%d\t10\t%d\n", 2 + i, 200 + i);
    size_t len;
    unsigned char *gz = gzip_bytes(text, n, 0, &len);
    free(text);
    unsigned char *p = NULL;
    for (size_t i = 0; i + 4 <= len && p == NULL; i++)
        if (memcmp(gz + i, "\t11\t", 4) == 0)
            p = gz + i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    p[2] = 'x';
    const char *path = test_write_file("damaged.tsv.gz", gz, len, false);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    expect_file_error(path, &opt, SBR_EIO, ": corrupt gzip data (incorrect data check)");
    opt.skip_bad_rows = true;
    expect_file_error(path, &opt, SBR_EIO, ": corrupt gzip data (incorrect data check)");

    /* A damaged header: the file is no longer gzip, and is not read as text either. */
    memcpy(gz, "ab", 2);
    path = test_write_file("noheader.tsv.gz", gz, len, false);
    sbr_load_options_init(&opt);
    expect_file_error(path, &opt, SBR_EIO, ": corrupt gzip data (not in gzip format)");
    free(gz);
}

static void test_bytes_after_the_gzip_stream_are_an_error(void)
{
    const char *text = "SessionId\tItemId\tTime\n1\t10\t100.5\n1\t11\t101\n2\t10\t200\n";
    size_t len;
    unsigned char *gz = gzip_bytes(text, strlen(text), 6, &len);
    unsigned char *buf = malloc(2 * len + 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    memcpy(buf, gz, len);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    /* Garbage, a single byte, or zero padding after the stream. */
    memcpy(buf + len, "garbage\n", 8);
    const char *path = test_write_file("trailing.tsv.gz", buf, len + 8, false);
    expect_file_error(path, &opt, SBR_EIO,
                      ": corrupt gzip data (trailing bytes after the end of the gzip stream)");
    path = test_write_file("trailing1.tsv.gz", buf, len + 1, false);
    expect_file_error(path, &opt, SBR_EIO,
                      ": corrupt gzip data (trailing bytes after the end of the gzip stream)");
    memset(buf + len, 0, 16);
    path = test_write_file("zeros.tsv.gz", buf, len + 16, false);
    expect_file_error(path, &opt, SBR_EIO,
                      ": corrupt gzip data (trailing bytes after the end of the gzip stream)");
    /* Concatenated members are one gzip file (as `cat a.gz b.gz` makes): all rows are read. */
    const char *head = "SessionId\tItemId\tTime\n1\t10\t100.5\n",
               *tail = "1\t11\t101\n2\t10\t200\n";
    size_t len1, len2;
    unsigned char *gz1 = gzip_bytes(head, strlen(head), 6, &len1);
    unsigned char *gz2 = gzip_bytes(tail, strlen(tail), 9, &len2);
    unsigned char *both = malloc(len1 + len2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(both);
    memcpy(both, gz1, len1);
    memcpy(both + len1, gz2, len2);
    path = test_write_file("members.tsv.gz", both, len1 + len2, false);
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = sbr_load_sessions(path, &opt, &ds, NULL, &err);
    if (rc != SBR_OK)
        fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    check_three_clicks(ds);
    sbr_dataset_free(ds);
    /* ... and a member cut short is still a truncated file. */
    path = test_write_file("members-cut.tsv.gz", both, len1 + len2 - 4, false);
    expect_file_error(path, &opt, SBR_EIO, "truncated gzip");
    free(both);
    free(gz2);
    free(gz1);
    free(buf);
    free(gz);
}

/* A text of a header and one row whose extra column makes the row line exactly line_len bytes
 * long (its '\n' included). */
static char *row_of_length(size_t line_len, size_t *len)
{
    const char *head = "SessionId\tNote\tItemId\tTime\n", *row_end = "\t10\t100\n";
    size_t h = strlen(head), fill = line_len - 2 - strlen(row_end);
    char *text = malloc(h + line_len + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    memcpy(text, head, h);
    memcpy(text + h, "1\t", 2);
    memset(text + h + 2, 'x', fill);
    memcpy(text + h + 2 + fill, row_end, strlen(row_end) + 1);
    *len = h + line_len;
    return text;
}

static void test_overlong_lines_are_an_error_with_bounded_memory(void)
{
    /* A line of exactly SBR_TABLE_MAX_LINE bytes is read; one byte more is an error. */
    size_t len;
    char *text = row_of_length(SBR_TABLE_MAX_LINE, &len);
    const char *path = test_write_file("maxline.tsv.gz", text, len, true);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_load_sessions(path, &opt, &ds, NULL, &err), SBR_OK);
    sbr_dataset_free(ds);
    free(text);
    text = row_of_length(SBR_TABLE_MAX_LINE + 1, &len);
    path = test_write_file("longline.tsv.gz", text, len, true);
    char want[128];
    snprintf(want, sizeof want, "longline.tsv.gz:2: line longer than %d bytes", SBR_TABLE_MAX_LINE);
    expect_file_error(path, &opt, SBR_EPARSE, want);
    opt.skip_bad_rows = true; /* not a row to skip: the limit protects memory */
    expect_file_error(path, &opt, SBR_EPARSE, want);
    free(text);

    /* One 64 MiB line (a 64 KiB .gz): the read stops at the limit, so memory stays bounded. */
    size_t big = 64u << 20;
    text = malloc(big + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    int n = snprintf(text, 64, "SessionId\tItemId\tTime\n1\t1\t");
    memset(text + n, '7', big);
    text[(size_t)n + big] = '\n';
    path = test_write_file("bomb.tsv.gz", text, (size_t)n + big + 1, true);
    free(text);
    sbr_load_options_init(&opt);
    if (alloc_hook_available())
        alloc_guard_begin();
    expect_file_error(path, &opt, SBR_EPARSE, "bomb.tsv.gz:2: line longer than");
    if (alloc_hook_available()) {
        alloc_guard_end();
        CU_ASSERT(alloc_guard_bytes() < 4 * (size_t)SBR_TABLE_MAX_LINE);
    }

    /* A quoted field that runs over many lines is bounded the same way, as a record. */
    size_t lines = (size_t)SBR_TABLE_MAX_LINE / 1000 + 10;
    text = malloc(64 + lines * 1000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    n = snprintf(text, 64, "SessionId,ItemId,Time\n1,1,\"");
    size_t at = (size_t)n;
    for (size_t i = 0; i < lines; i++, at += 1000) {
        memset(text + at, 'q', 999);
        text[at + 999] = '\n';
    }
    path = test_write_file("quoted.csv.gz", text, at, true);
    free(text);
    snprintf(want, sizeof want, "quoted.csv.gz:2: record longer than %d bytes", SBR_TABLE_MAX_LINE);
    expect_file_error(path, &opt, SBR_EPARSE, want);
}

static void test_columns_map_by_name_number_and_without_header(void)
{
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.columns[SBR_COL_SESSION] = "visitor";
    opt.columns[SBR_COL_ITEM] = "4";
    opt.columns[SBR_COL_TIME] = "when";
    sbr_load_stats st;
    load_ok("mapped.tsv",
            "when\tvisitor\tArtistId\tproduct\n100.5\t1\t7\t10\n101\t1\t7\t11\n200\t2\t7\t10\n",
            &opt, &st);
    CU_ASSERT_EQUAL(st.columns[SBR_COL_SESSION], 1);
    CU_ASSERT_EQUAL(st.columns[SBR_COL_ITEM], 3);
    CU_ASSERT_EQUAL(st.columns[SBR_COL_TIME], 0);

    opt.columns[SBR_COL_TIME] = "nothere";
    expect_error("mapped2.tsv", "when\tvisitor\tArtistId\tproduct\n1\t1\t7\t10\n", &opt, SBR_EPARSE,
                 "no column \"nothere\" for Time", NULL);

    sbr_load_options_init(&opt);
    opt.has_header = false;
    load_ok("noheader.tsv", "1\t10\t100.5\n1\t11\t101\n2\t10\t200\n", &opt, &st);
    CU_ASSERT_EQUAL(st.rows_read, 3);
}

static void test_time_scale_converts_milliseconds(void)
{
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    opt.time_scale = 0.001;
    sbr_load_stats st;
    load_ok("ms.tsv", "SessionId\tItemId\tTime\n1\t10\t100500\n1\t11\t101000\n2\t10\t200000\n",
            &opt, &st);
}

static CU_TestInfo tests[] = {
    {"an empty file is an error", test_empty_file_is_an_error},
    {"a header-only file is an error", test_header_only_is_an_error},
    {"a missing column names the header", test_missing_column_names_the_header},
    {"a short row names its line and can be skipped", test_short_row_names_line_and_can_be_skipped},
    {"non-numeric and overflowing ids are named", test_non_numeric_and_overflowing_ids_are_named},
    {"NaN, negative and garbage times are named", test_nan_negative_and_garbage_times_are_named},
    {"bad rows are counted per reason when skipped",
     test_bad_rows_are_counted_per_reason_when_skipped},
    {"all rows bad is an error even when skipping",
     test_all_rows_bad_is_an_error_even_when_skipping},
    {"a truncated gzip file is detected", test_truncated_gzip_is_detected},
    {"a corrupt gzip file is an I/O error", test_corrupt_gzip_is_an_io_error},
    {"a missing file is an I/O error", test_missing_file_is_an_io_error},
    {"CRLF line endings are read", test_crlf_line_endings_are_read},
    {"a UTF-8 BOM is skipped", test_utf8_bom_is_skipped},
    {"blank lines are skipped and counted", test_blank_lines_are_skipped_and_counted},
    {"a last line without newline is read", test_last_line_without_newline_is_read},
    {"gzip reads like plain text", test_gzip_reads_like_plain_text},
    {"delimiters are detected", test_delimiters_are_detected},
    {"quoted fields hold delimiters and newlines", test_quoted_fields_hold_delimiters_and_newlines},
    {"broken quoting is named or counted", test_broken_quoting_is_named_or_counted},
    {"a huge field is handled", test_huge_field_is_handled},
    {"columns map by name, number and without header",
     test_columns_map_by_name_number_and_without_header},
    {"time scale converts milliseconds", test_time_scale_converts_milliseconds},
    {"times past 9999 are named", test_times_past_9999_are_named},
    {"ISO offsets out of range are named", test_iso_offsets_out_of_range_are_named},
    {"corrupt gzip data is a gzip error, not a bad row",
     test_corrupt_gzip_data_is_a_gzip_error_not_a_bad_row},
    {"bytes after the gzip stream are an error", test_bytes_after_the_gzip_stream_are_an_error},
    {"overlong lines are an error with bounded memory",
     test_overlong_lines_are_an_error_with_bounded_memory},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_table = {"table", NULL, NULL, NULL, NULL, tests};
