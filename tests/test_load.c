/* The fast loader against the general reader (data/load.c): on many generated files (random
 * ids, times with fractions and exponents, extra columns, CRLF, blank and trailing lines, a
 * BOM, bad rows, quotes, gzip), both must give the same result column by column, the same
 * statistics and the same error; and the fast reader must really finish the files it is meant
 * to handle, or the comparison would prove nothing. */
#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/load.h"
#include "data/rng.h"
#include "test_util.h"

/* A growing text buffer. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = 2 * (t->len + n + 1);
        t->s = realloc(t->s, t->cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t->s);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void puts_text(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static unsigned pick(gsl_rng *r, unsigned n)
{
    return (unsigned)gsl_rng_uniform_int(r, n);
}

/* A random id: mostly small, sometimes 19 or 20 digits; unless clean, 20 digits may overflow
 * 64 bits. */
static void put_id(text *t, gsl_rng *r, bool clean)
{
    char buf[32];
    unsigned kind = pick(r, 20);
    if (kind == 0) {
        unsigned long head = gsl_rng_get(r) % (clean ? 184467440UL : 1000000000UL);
        snprintf(buf, sizeof buf, "%lu%09lu%02lu", head, gsl_rng_get(r) % 1000000000UL,
                 gsl_rng_get(r) % 100UL); /* 12-20 digits */
    } else if (kind == 1) {
        snprintf(buf, sizeof buf, "18446744073709551%03u", pick(r, clean ? 616 : 1000));
    } else if (kind == 2) {
        snprintf(buf, sizeof buf, "000%u", pick(r, 50)); /* leading zeros */
    } else {
        snprintf(buf, sizeof buf, "%u", pick(r, kind < 10 ? 40 : 100000));
    }
    puts_text(t, buf);
}

/* A random digit string of n digits. */
static void put_digits(text *t, gsl_rng *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char d = (char)('0' + pick(r, 10));
        put(t, &d, 1);
    }
}

/* A random time in range: epoch integers, fractions of any length, exponents, ISO-8601 text;
 * with ms, integers of milliseconds. */
static void put_time(text *t, gsl_rng *r, bool ms)
{
    char buf[64];
    switch (ms ? 8 : pick(r, 8)) {
    case 0:
    case 1:
        snprintf(buf, sizeof buf, "%lu", 1300000000UL + gsl_rng_get(r) % 200000000UL);
        puts_text(t, buf);
        return;
    case 2: /* up to 12 fraction digits */
    case 3:
        snprintf(buf, sizeof buf, "%lu.", 1300000000UL + gsl_rng_get(r) % 200000000UL);
        puts_text(t, buf);
        put_digits(t, r, 1 + pick(r, 12));
        return;
    case 4: /* digits with an exponent, like 1.3968606692e9 or 13968606692E-1 */
        put_digits(t, r, 1 + pick(r, 3));
        if (pick(r, 2))
            puts_text(t, "."), put_digits(t, r, pick(r, 12));
        snprintf(buf, sizeof buf, "%s%s%u", pick(r, 2) ? "e" : "E",
                 pick(r, 3) == 0 ? "-" : (pick(r, 2) ? "+" : ""), pick(r, 9));
        puts_text(t, buf);
        return;
    case 5: /* many significant digits: past 19, past 2^53, leading zeros */
        if (pick(r, 2))
            puts_text(t, "000");
        put_digits(t, r, 1 + pick(r, 10));
        puts_text(t, ".");
        put_digits(t, r, 5 + pick(r, 20));
        return;
    case 6: /* small values and zeros */
        snprintf(buf, sizeof buf, "%s",
                 (const char *[]){"0", "0.0", "0e5", ".5", "5.", "0.000001", "1e-7", "1e10", "9e10",
                                  "123.456e-2"}[pick(r, 10)]);
        puts_text(t, buf);
        return;
    case 7:
        snprintf(buf, sizeof buf, "2014-0%u-1%uT0%u:1%u:2%u%s", 1 + pick(r, 9), pick(r, 10),
                 pick(r, 10), pick(r, 10), pick(r, 10), pick(r, 2) ? "Z" : ".25");
        puts_text(t, buf);
        return;
    default: /* milliseconds-sized integers (in range once scaled by 0.001) */
        snprintf(buf, sizeof buf, "%lu%03u", 1300000000UL + gsl_rng_get(r) % 200000000UL,
                 pick(r, 1000));
        puts_text(t, buf);
        return;
    }
}

/* Something a loader must refuse or drop, in a used column, or a quoting case. */
static void put_bad(text *t, gsl_rng *r)
{
    static const char *const bad[] = {
        "banana", "-3",    "1e999", "",      " 7", "7 ", "nan",
        "0x10",   "\"1\"", "1\"2",  "1.2.3", "+",  "1e", "99999999999999999999"};
    puts_text(t, bad[pick(r, sizeof bad / sizeof bad[0])]);
}

typedef struct gen_spec {
    bool ms;       /* times in milliseconds */
    bool sorted;   /* rows in dataset order (session, then time), as most files are */
    bool disorder; /* sorted, but for one row in the middle */
    char delimiter;
    bool header, crlf, bom, trailing_blank, no_final_newline, bad, lone_cr, blank_middle;
    unsigned n_cols, col[3]; /* column count and the positions of SessionId, ItemId, Time */
} gen_spec;

/* A random file. `clean` keeps it inside what the fast reader must finish itself. */
static void generate(gsl_rng *r, bool clean, gen_spec *g, text *t)
{
    static const char delimiters[3] = {'\t', ',', ';'};
    memset(g, 0, sizeof *g);
    g->ms = pick(r, 8) == 0;
    g->sorted = pick(r, 3) == 0;
    g->disorder = g->sorted && pick(r, 3) == 0;
    g->delimiter = delimiters[pick(r, 3)];
    g->header = pick(r, 8) != 0;
    g->crlf = pick(r, 4) == 0;
    g->bom = pick(r, 8) == 0;
    g->trailing_blank = pick(r, 3) == 0;
    g->no_final_newline = pick(r, 4) == 0;
    g->blank_middle = pick(r, 4) == 0;
    g->bad = !clean && pick(r, 2) == 0;
    g->lone_cr = !clean && pick(r, 6) == 0;
    g->n_cols = 3 + pick(r, 3);
    if (!g->header) {
        g->col[0] = 0, g->col[1] = 1, g->col[2] = 2;
    } else {
        unsigned perm[6] = {0, 1, 2, 3, 4, 5};
        for (unsigned i = g->n_cols - 1; i > 0; i--) {
            unsigned j = pick(r, i + 1), x = perm[i];
            perm[i] = perm[j], perm[j] = x;
        }
        memcpy(g->col, perm, sizeof g->col);
    }
    const char *eol = g->crlf ? "\r\n" : "\n";
    char d = g->delimiter;
    if (g->bom)
        puts_text(t, "\xEF\xBB\xBF");
    if (g->header) {
        static const char *const names[3][2] = {
            {"SessionId", "session_id"}, {"ItemId", "itemId"}, {"Time", "timestamp"}};
        for (unsigned c = 0; c < g->n_cols; c++) {
            if (c > 0)
                put(t, &d, 1);
            const char *name = "CatId";
            for (int k = 0; k < 3; k++)
                if (g->col[k] == c)
                    name = names[k][pick(r, 2)];
            puts_text(t, name);
        }
        puts_text(t, eol);
    }
    unsigned rows = 1 + pick(r, 60);
    for (unsigned i = 0; i < rows; i++) {
        if (g->blank_middle && pick(r, 10) == 0 && (i > 0 || g->header))
            puts_text(t, eol);
        bool bad_row = g->bad && pick(r, 8) == 0;
        unsigned bad_col = pick(r, 3), n_cols = g->n_cols;
        if (bad_row && pick(r, 4) == 0)
            n_cols = 2; /* a missing field */
        for (unsigned c = 0; c < n_cols; c++) {
            if (c > 0)
                put(t, &d, 1);
            int role = -1;
            for (int k = 0; k < 3; k++)
                if (g->col[k] == c)
                    role = k;
            if (bad_row && role == (int)bad_col)
                put_bad(t, r);
            else if (g->sorted && role == 0) {
                char buf[32];
                snprintf(buf, sizeof buf, "%u", 5 + i / 3);
                puts_text(t, buf);
            } else if (g->sorted && role == 2) {
                char buf[32];
                bool early = g->disorder && i == rows / 2 && i % 3 != 0;
                snprintf(buf, sizeof buf, "%u%s", early ? 1300000000u : 1400000000u + i / 2,
                         g->ms ? "000" : "");
                puts_text(t, buf);
            } else if (role == 0 || role == 1)
                put_id(t, r, !g->bad);
            else if (role == 2)
                put_time(t, r, g->ms);
            else
                puts_text(t, pick(r, 3) ? "x y" : "7"); /* an extra column, blanks inside */
        }
        if (g->lone_cr && pick(r, 10) == 0)
            puts_text(t, "\r");
        if (i + 1 < rows || !g->no_final_newline)
            puts_text(t, eol);
    }
    if (g->trailing_blank)
        puts_text(t, g->crlf ? "\r\n\r\n" : "\n\n");
}

static bool same_dataset(const sbr_dataset *a, const sbr_dataset *b)
{
    if (a->n_sessions != b->n_sessions || a->n_clicks != b->n_clicks || a->n_items != b->n_items)
        return false;
    return memcmp(a->offsets, b->offsets, (a->n_sessions + 1) * sizeof *a->offsets) == 0 &&
           memcmp(a->items, b->items, a->n_clicks * sizeof *a->items) == 0 &&
           memcmp(a->times, b->times, a->n_clicks * sizeof *a->times) == 0 && /* bit for bit */
           test_same_rows(a, b) && test_same_session_ids(a, b) &&
           memcmp(a->item_ids, b->item_ids, a->n_items * sizeof *a->item_ids) == 0;
}

static bool same_stats(const sbr_load_stats *a, const sbr_load_stats *b)
{
    bool same = a->lines == b->lines && a->rows_read == b->rows_read &&
                a->rows_kept == b->rows_kept && a->blank_lines == b->blank_lines &&
                a->delimiter == b->delimiter &&
                memcmp(a->columns, b->columns, sizeof a->columns) == 0;
    for (int k = 0; k < SBR_DROP_N; k++)
        same = same && a->dropped[k] == b->dropped[k];
    return same;
}

/* Loads one file with both readers and compares everything; returns whether the fast reader
 * finished it. */
static bool compare_readers(const char *path, const sbr_load_options *base, unsigned file)
{
    sbr_load_options fast = *base, general = *base;
    general.general_reader = true;
    sbr_dataset *a = NULL, *b = NULL;
    sbr_load_stats sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    sbr_err ea = {SBR_OK, ""}, eb = {SBR_OK, ""};
    sbr_rc ra = sbr_load_sessions(path, &fast, &a, &sa, &ea);
    sbr_rc rb = sbr_load_sessions(path, &general, &b, &sb, &eb);
    bool ok = ra == rb && strcmp(ea.msg, eb.msg) == 0 && !sb.fast_path;
    if (ok && ra == SBR_OK)
        ok = same_dataset(a, b) && same_stats(&sa, &sb);
    if (!ok) {
        fprintf(stderr, "\nfile %u (%s) differs: fast rc %d \"%s\", general rc %d \"%s\"\n", file,
                path, ra, ea.msg, rb, eb.msg);
        CU_FAIL("the fast and the general reader differ");
    }
    sbr_dataset_free(a);
    sbr_dataset_free(b);
    return ra == SBR_OK && sa.fast_path;
}

static void run_files(bool clean, unsigned n_files, uint32_t seed)
{
    gsl_rng *r = sbr_rng_new(seed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    unsigned fast_done = 0;
    for (unsigned f = 0; f < n_files; f++) {
        gen_spec g;
        text t = {NULL, 0, 0};
        generate(r, clean, &g, &t);
        bool gz = pick(r, 4) == 0;
        const char *path = test_write_file(gz ? "gen.tsv.gz" : "gen.tsv", t.s, t.len, gz);
        sbr_load_options opt;
        sbr_load_options_init(&opt);
        opt.has_header = g.header;
        opt.skip_bad_rows = pick(r, 2) == 0;
        if (g.ms)
            opt.time_scale = 0.001;
        if (pick(r, 4) == 0)
            opt.table.delimiter = g.delimiter;
        bool finished = compare_readers(path, &opt, f);
        /* A clean file has no bad row, no quote, no lone CR: the fast reader must finish it. */
        if (clean && !finished) {
            fprintf(stderr, "\nclean file %u was not read by the fast reader:\n%s\n", f, t.s);
            CU_FAIL("the fast reader gave up on a clean file");
        }
        fast_done += finished;
        free(t.s);
    }
    CU_ASSERT(fast_done > n_files / 2 || !clean);
    gsl_rng_free(r);
}

static void test_fast_and_general_readers_agree_on_clean_files(void)
{
    run_files(true, 600, 7);
}

static void test_fast_and_general_readers_agree_on_files_with_bad_rows(void)
{
    run_files(false, 900, 11);
}

static void test_times_read_bit_for_bit_as_strtod(void)
{
    /* Many times in one file, digits chosen to sit near rounding boundaries (17 digits, 2^53
     * and beyond, long fractions); the general reader reads them with strtod. */
    gsl_rng *r = sbr_rng_new(3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    text t = {NULL, 0, 0};
    puts_text(&t, "SessionId\tItemId\tTime\n");
    for (unsigned i = 0; i < 20000; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%u\t%u\t", i, i % 97);
        puts_text(&t, buf);
        put_time(&t, r, false);
        puts_text(&t, "\n");
    }
    const char *path = test_write_file("times.tsv", t.s, t.len, false);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    CU_ASSERT(compare_readers(path, &opt, 0)); /* every time is valid: the fast reader's */
    free(t.s);
    gsl_rng_free(r);
}

static void test_the_fast_reader_takes_plain_and_gzip_files(void)
{
    const char *body = "SessionId,ItemId,Time,UserId\r\n2,7,1.5,x\r\n1,8,1e3,y\r\n\r\n";
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    for (int gz = 0; gz < 2; gz++) {
        const char *path =
            test_write_file(gz ? "simple.csv.gz" : "simple.csv", body, strlen(body), gz);
        sbr_dataset *ds = NULL;
        sbr_load_stats st;
        sbr_err err = {SBR_OK, ""};
        CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &opt, &ds, &st, &err), SBR_OK);
        CU_ASSERT(st.fast_path);
        CU_ASSERT_EQUAL(st.lines, 4);
        CU_ASSERT_EQUAL(st.blank_lines, 1);
        CU_ASSERT_EQUAL(st.delimiter, ',');
        CU_ASSERT_EQUAL(ds->n_sessions, 2);
        CU_ASSERT_EQUAL(sbr_dataset_session_id(ds, 0), 1);
        CU_ASSERT_EQUAL(ds->times[0], 1000.0);
        CU_ASSERT_EQUAL(sbr_dataset_row(ds, 0), 1);
        sbr_dataset_free(ds);
        CU_ASSERT(compare_readers(path, &opt, 0));
    }
}

static void test_a_bad_row_gives_the_general_readers_error(void)
{
    const char *path =
        test_write_text("bad.tsv", "SessionId\tItemId\tTime\n1\t2\t3\n1\tbanana\t4\n");
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_dataset *ds = NULL;
    sbr_load_stats st;
    sbr_err err = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_load_sessions(path, &opt, &ds, &st, &err), SBR_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bad.tsv:3: column 2 \"ItemId\": \"banana\""));
    CU_ASSERT(!st.fast_path);
    opt.skip_bad_rows = true;
    CU_ASSERT_EQUAL_FATAL(sbr_load_sessions(path, &opt, &ds, &st, &err), SBR_OK);
    CU_ASSERT_EQUAL(st.dropped[SBR_DROP_BAD_ITEM], 1);
    CU_ASSERT_EQUAL(ds->n_clicks, 1);
    sbr_dataset_free(ds);
}

/* Damaged gzip files: truncated, a flipped byte, trailing bytes, and two members; small ones
 * go through the whole-file inflater when it is built in, so both readers must agree there. */
static void test_damaged_and_concatenated_gzip_files_agree(void)
{
    text t = {NULL, 0, 0};
    puts_text(&t, "SessionId\tItemId\tTime\n");
    for (unsigned i = 0; i < 3000; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%u\t%u\t%u.%u\n", i / 3, (i * 7919) % 1000, 1400000000 + i,
                 i % 10);
        puts_text(&t, buf);
    }
    const char *path = test_write_file("whole.tsv.gz", t.s, t.len, true);
    size_t gz_len = 0;
    FILE *fp = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    unsigned char *gz = malloc(2 * t.len + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
    gz_len = fread(gz, 1, 2 * t.len + 64, fp);
    fclose(fp);
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    CU_ASSERT(compare_readers(path, &opt, 0)); /* intact: the fast reader's */
    compare_readers(test_write_file("cut.tsv.gz", gz, gz_len / 2, false), &opt, 1);
    compare_readers(test_write_file("cut2.tsv.gz", gz, gz_len - 3, false), &opt, 2);
    gz[gz_len / 3] ^= 0x40;
    compare_readers(test_write_file("flip.tsv.gz", gz, gz_len, false), &opt, 3);
    gz[gz_len / 3] ^= 0x40;
    memcpy(gz + gz_len, "junk", 4);
    compare_readers(test_write_file("trail.tsv.gz", gz, gz_len + 4, false), &opt, 4);
    memcpy(gz + gz_len, gz, gz_len); /* two members: the text twice, header as a bad row */
    compare_readers(test_write_file("two.tsv.gz", gz, 2 * gz_len, false), &opt, 5);
    opt.skip_bad_rows = true;
    compare_readers(test_write_file("two.tsv.gz", gz, 2 * gz_len, false), &opt, 6);
    free(gz);
    free(t.s);
}

static CU_TestInfo tests[] = {
    {"damaged and concatenated gzip files agree", test_damaged_and_concatenated_gzip_files_agree},
    {"fast and general readers agree on clean files",
     test_fast_and_general_readers_agree_on_clean_files},
    {"fast and general readers agree on files with bad rows",
     test_fast_and_general_readers_agree_on_files_with_bad_rows},
    {"times read bit for bit as strtod reads them", test_times_read_bit_for_bit_as_strtod},
    {"the fast reader takes plain and gzip files", test_the_fast_reader_takes_plain_and_gzip_files},
    {"a bad row gives the general reader's error", test_a_bad_row_gives_the_general_readers_error},
    CU_TEST_INFO_NULL};
CU_SuiteInfo sbr_suite_load = {"load", NULL, NULL, NULL, NULL, tests};
