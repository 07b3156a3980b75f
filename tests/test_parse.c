/* Checked parsing and formatting (data/parse.h) and the basics of data/common.h.
 * Expected epoch values were computed with Python's datetime (UTC), independently of sbr. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/common.h"
#include "data/parse.h"

#define S(text) text, strlen(text)

static void test_u64_accepts_digits_and_rejects_the_rest(void)
{
    uint64_t v = 0;
    CU_ASSERT_PTR_NULL(sbr_parse_u64(S("214536502"), &v));
    CU_ASSERT_EQUAL(v, 214536502u);
    CU_ASSERT_PTR_NULL(sbr_parse_u64(S("18446744073709551615"), &v));
    CU_ASSERT_EQUAL(v, UINT64_MAX);
    CU_ASSERT_STRING_EQUAL(sbr_parse_u64(S("18446744073709551616"), &v), "overflows 64 bits");
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_u64(S("-5"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_u64(S("12x"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_u64(S("1.0"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_u64(S(" 7"), &v));
    CU_ASSERT_STRING_EQUAL(sbr_parse_u64(S(""), &v), "is empty");
    /* A NUL byte inside the field: the length says there is more than the C string. */
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_u64("12\0003", 4, &v));
}

static void test_long_checks_range_and_junk(void)
{
    long v = 0;
    CU_ASSERT_PTR_NULL(sbr_parse_long("-42", -100, 100, &v));
    CU_ASSERT_EQUAL(v, -42);
    CU_ASSERT_STRING_EQUAL(sbr_parse_long("101", -100, 100, &v), "is out of range");
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_long("0x10", 0, 100, &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_long(" 5", 0, 100, &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_long("99999999999999999999999", 0, 100, &v));
}

static void test_double_rejects_nan_inf_hex_and_junk(void)
{
    double v = 0;
    CU_ASSERT_PTR_NULL(sbr_parse_double(S("1396860669.277"), &v));
    CU_ASSERT_DOUBLE_EQUAL(v, 1396860669.277, 1e-6);
    CU_ASSERT_PTR_NULL(sbr_parse_double(S("-2.5e-3"), &v));
    CU_ASSERT_DOUBLE_EQUAL(v, -0.0025, 1e-15);
    CU_ASSERT_PTR_NULL(sbr_parse_double(S(".5"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("nan"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("NaN"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("inf"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("0x1p3"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("1e"), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("."), &v));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_double(S("1,5"), &v));
    CU_ASSERT_STRING_EQUAL(sbr_parse_double(S("1e999"), &v), "is out of range");
}

static void test_time_reads_epoch_numbers_and_iso8601_as_utc(void)
{
    double t = 0;
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2014-04-07T10:51:09.277Z"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1396867869.277, 1e-6);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2009-05-04T23:08:57Z"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1241478537.0, 0);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2010-12-01 08:26"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1291191960.0, 0);
    /* An offset: 12:00 at +05:30 is 06:30 UTC. */
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2020-02-29T12:00:00+05:30"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1582957800.0, 0);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("1442004589000"), 0.001, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1442004589.0, 1e-6);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("0"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 0.0, 0);
}

static void test_time_rejects_nan_negative_garbage_and_bad_dates(void)
{
    double t = 0;
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S("nan"), 1.0, &t));
    CU_ASSERT_STRING_EQUAL(sbr_parse_time(S("-1"), 1.0, &t), "is a negative time");
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S("12:00"), 1.0, &t));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S(""), 1.0, &t));
    CU_ASSERT_STRING_EQUAL(sbr_parse_time(S("2019-02-29"), 1.0, &t),
                           "is not a valid calendar date");
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S("2019-13-01"), 1.0, &t));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S("2019-01-01T25:00:00Z"), 1.0, &t));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S("2019-01-01T10:00:00Zjunk"), 1.0, &t));
    CU_ASSERT_PTR_NOT_NULL(sbr_parse_time(S("1969-12-31T23:59:59Z"), 1.0, &t));
}

static void test_time_range_is_years_1970_to_9999(void)
{
    /* Times run from 1970-01-01 (0) up to, not including, 10000-01-01 (SBR_TIME_MAX). */
    double t = 0;
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("253402300799"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 253402300799.0, 0);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("9999-12-31T23:59:59Z"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 253402300799.0, 0);
    const char *why = sbr_parse_time(S("253402300800"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, "is after 9999-12-31 23:59:59 UTC (out of range)");
    why = sbr_parse_time(S("9.3e18"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, "is after 9999-12-31 23:59:59 UTC (out of range)");
    why = sbr_parse_time(S("1e300"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, "is after 9999-12-31 23:59:59 UTC (out of range)");
    /* The limit applies after the scale: milliseconds past it are rejected too. */
    why = sbr_parse_time(S("253402300800000"), 0.001, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, "is after 9999-12-31 23:59:59 UTC (out of range)");
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("253402300799000"), 0.001, &t));
    /* A negative offset can carry the last day of 9999 past the limit. */
    why = sbr_parse_time(S("9999-12-31T23:00:00-05:00"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, "is after 9999-12-31 23:59:59 UTC (out of range)");
}

static void test_time_offsets_are_range_checked(void)
{
    double t = 0;
    const char *range = "has a UTC offset out of range (hours 00-23, minutes 00-59)";
    const char *why = sbr_parse_time(S("2020-01-01T00:00:00+99:99"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, range);
    why = sbr_parse_time(S("2020-01-01T00:00:00+24:00"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, range);
    why = sbr_parse_time(S("2020-01-01T00:00:00-00:60"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, range);
    why = sbr_parse_time(S("2020-01-01T00:00:00+0099"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, range);
    /* A colon must be followed by the minutes. */
    why = sbr_parse_time(S("2020-01-01T00:00:00+05:"), 1.0, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, "is not an ISO-8601 date-time");
    /* The extremes are accepted: 00:00 at +23:59 is 00:01 UTC the day before. */
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2020-01-02T00:00:00+23:59"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1577836800.0 + 60.0, 0);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2020-01-01T00:00:00-23:59"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1577836800.0 + 23 * 3600 + 59 * 60, 0);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2020-01-01T05:30:00+0530"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1577836800.0, 0);
    CU_ASSERT_PTR_NULL(sbr_parse_time(S("2020-01-01T05:00:00+05"), 1.0, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 1577836800.0, 0);
}

static void test_days_from_civil_matches_the_calendar(void)
{
    CU_ASSERT_EQUAL(sbr_days_from_civil(1970, 1, 1), 0);
    CU_ASSERT_EQUAL(sbr_days_from_civil(2000, 3, 1), 11017);
    CU_ASSERT_EQUAL(sbr_days_from_civil(1969, 12, 31), -1);
    CU_ASSERT_EQUAL(sbr_days_from_civil(2016, 5, 9), 16930);
}

static void test_format_double_is_shortest_and_exact(void)
{
    char buf[40];
    CU_ASSERT_STRING_EQUAL(sbr_format_double(buf, sizeof buf, 1396860669.277), "1396860669.277");
    CU_ASSERT_STRING_EQUAL(sbr_format_double(buf, sizeof buf, 1593536687.0), "1593536687");
    CU_ASSERT_STRING_EQUAL(sbr_format_double(buf, sizeof buf, 0.1), "0.1");
    CU_ASSERT_STRING_EQUAL(sbr_format_double(buf, sizeof buf, 0.0), "0");
    /* Round trip over awkward values. */
    const double values[] = {1.0 / 3.0, 1e-300, 123456789.123456789, 5e15 + 0.5};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        double back = 0;
        sbr_format_double(buf, sizeof buf, values[i]);
        CU_ASSERT_PTR_NULL(sbr_parse_double(buf, strlen(buf), &back));
        CU_ASSERT_EQUAL(back, values[i]);
    }
    /* Shortest: no fewer digits read back as v (the one-by-one definition), over random doubles,
     * float scores widened to double, short decimals (whose dropped digits are often exactly
     * 5000..., e.g. 0.125), negatives, huge, tiny and subnormal values. */
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 50000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0, v;
        switch (i % 6) {
        case 0:
            v = u * pow(10.0, (double)(i % 40) - 20.0);
            break;
        case 1:
            v = (double)(float)(u * 40.0); /* as float-scoring models write them */
            break;
        case 2:
            v = (double)(x % 100000) / pow(10.0, (double)(1 + (x >> 20) % 9));
            break;
        case 3:
            v = -u * pow(10.0, (double)(i % 30) - 10.0);
            break;
        case 4:
            v = u * pow(10.0, (double)(i % 640) - 320.0); /* 1e-320 .. 1e319: subnormal to inf */
            break;
        default: { /* powers of ten, e.g. 1e23, whose 17 digits 9.9999999999999992e+22 carry */
            char p10[16];
            snprintf(p10, sizeof p10, "1e%d", i % 640 - 320);
            v = strtod(p10, NULL);
        }
        }
        if (!isfinite(v) || (fabs(v) < 9007199254740992.0 && v == floor(v)))
            continue; /* integers below 2^53 and the infinities have their own paths */
        sbr_format_double(buf, sizeof buf, v);
        char shorter[40];
        int digits = 1;
        while (digits < 17) {
            snprintf(shorter, sizeof shorter, "%.*g", digits, v);
            if (strtod(shorter, NULL) == v)
                break;
            digits++;
        }
        snprintf(shorter, sizeof shorter, "%.*g", digits, v);
        if (strcmp(buf, shorter) != 0) {
            CU_FAIL("sbr_format_double is not the shortest round-trip text");
            fprintf(stderr, "  %.17g: got %s, want %s\n", v, buf, shorter);
            break;
        }
    }
}

static void test_format_utc_inverts_the_parser(void)
{
    char buf[40];
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 1593536687.0), "2020-06-30 17:04:47");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 0.0), "1970-01-01 00:00:00");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 951782400.0), "2000-02-29 00:00:00");
}

static void test_format_utc_is_safe_for_any_double(void)
{
    /* Years 0000-9999 are dates; anything else (and NaN, infinity) is written as plain
     * seconds, without the undefined float-to-integer conversion. */
    char buf[40];
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 253402300799.5), "9999-12-31 23:59:59");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, -62167219200.0), "0000-01-01 00:00:00");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, -1.0), "1969-12-31 23:59:59");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 253402300800.0), "253402300800");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 9.3e18), "9.3e+18");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, 1e300), "1e+300");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, -1e300), "-1e+300");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, -62167219201.0), "-62167219201");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, NAN), "nan");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, INFINITY), "inf");
    CU_ASSERT_STRING_EQUAL(sbr_format_utc(buf, sizeof buf, -INFINITY), "-inf");
}

static void test_hash53_is_stable_and_53_bits(void)
{
    /* Values from an independent Python implementation of FNV-1a 64 folded to 53 bits. */
    CU_ASSERT_EQUAL(sbr_hash53("", 0), UINT64_C(5239054864098682));
    CU_ASSERT_EQUAL(sbr_hash53("85123A", 6), UINT64_C(346336197688621));
    CU_ASSERT_EQUAL(sbr_hash53("f1b1cf71-bd35-4e99-8624-24a6e15f133a", 36),
                    UINT64_C(3897008030031908));
    CU_ASSERT(sbr_hash53("x", 1) < (UINT64_C(1) << 53));
}

static void test_err_set_formats_and_alloc_checks_overflow(void)
{
    sbr_err e = {SBR_OK, ""};
    CU_ASSERT_EQUAL(sbr_err_set(&e, SBR_EINVAL, "k=%d exceeds m=%d", 7, 5), SBR_EINVAL);
    CU_ASSERT_EQUAL(e.rc, SBR_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "k=7 exceeds m=5");
    CU_ASSERT_EQUAL(sbr_err_set(NULL, SBR_EIO, "ignored"), SBR_EIO);
    CU_ASSERT_PTR_NULL(sbr_alloc_array(SIZE_MAX / 2, 4));
    char buf[64];
    CU_ASSERT_STRING_EQUAL(sbr_excerpt(buf, sizeof buf, "a\tb", 3), "a?b");
    char big[100];
    memset(big, '7', sizeof big);
    CU_ASSERT_PTR_NOT_NULL(strstr(sbr_excerpt(buf, sizeof buf, big, sizeof big), "(100 bytes)"));
}

static CU_TestInfo tests[] = {
    {"u64 accepts digits and rejects the rest", test_u64_accepts_digits_and_rejects_the_rest},
    {"long checks range and junk", test_long_checks_range_and_junk},
    {"double rejects nan, inf, hex and junk", test_double_rejects_nan_inf_hex_and_junk},
    {"time reads epoch numbers and ISO-8601 as UTC",
     test_time_reads_epoch_numbers_and_iso8601_as_utc},
    {"time rejects NaN, negative, garbage and bad dates",
     test_time_rejects_nan_negative_garbage_and_bad_dates},
    {"time range is years 1970 to 9999", test_time_range_is_years_1970_to_9999},
    {"time offsets are range-checked", test_time_offsets_are_range_checked},
    {"days_from_civil matches the calendar", test_days_from_civil_matches_the_calendar},
    {"format_double is shortest and exact", test_format_double_is_shortest_and_exact},
    {"format_utc inverts the parser", test_format_utc_inverts_the_parser},
    {"format_utc is safe for any double", test_format_utc_is_safe_for_any_double},
    {"hash53 is stable and 53 bits", test_hash53_is_stable_and_53_bits},
    {"err_set formats and alloc checks overflow", test_err_set_formats_and_alloc_checks_overflow},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_parse = {"parse", NULL, NULL, NULL, NULL, tests};
