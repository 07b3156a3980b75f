#include "data/parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

const char *sbr_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0)
        return "is empty";
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return "is not a non-negative integer";
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return "overflows 64 bits";
        v = v * 10 + d;
    }
    *out = v;
    return NULL;
}

const char *sbr_parse_long(const char *s, long lo, long hi, long *out)
{
    if (s == NULL || *s == '\0')
        return "is empty";
    /* strtol skips leading blanks and takes "0x"; insist on plain decimal. */
    const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
    if (!is_digit(*p))
        return "is not an integer";
    for (const char *q = p; *q; q++)
        if (!is_digit(*q))
            return "is not an integer";
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || v < lo || v > hi)
        return "is out of range";
    *out = v;
    return NULL;
}

/* Accepts exactly [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit. */
static bool is_decimal_number(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && is_digit(s[i]))
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i]))
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < len && is_digit(s[i]))
            i++, exp_digits++;
        if (exp_digits == 0)
            return false;
    }
    return i == len;
}

const char *sbr_parse_double(const char *s, size_t len, double *out)
{
    if (len == 0)
        return "is empty";
    if (!is_decimal_number(s, len))
        return "is not a number";
    /* The text is validated, so strtod reads all of it; copy short values to add the NUL. */
    char buf[64];
    if (len >= sizeof buf)
        return "is too long for a number";
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return "is out of range";
    *out = v;
    return NULL;
}

int64_t sbr_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at s[*i] into *v. */
static bool take_digits(const char *s, size_t len, size_t *i, size_t n, unsigned *v)
{
    unsigned x = 0;
    for (size_t k = 0; k < n; k++) {
        if (*i >= len || !is_digit(s[*i]))
            return false;
        x = x * 10 + (unsigned)(s[(*i)++] - '0');
    }
    *v = x;
    return true;
}

static bool is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static const char *const too_late = "is after 9999-12-31 23:59:59 UTC (out of range)";

static const char *parse_iso8601(const char *s, size_t len, double *out)
{
    static const unsigned month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *bad = "is not an ISO-8601 date-time";
    size_t i = 0;
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    if (!take_digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
        !take_digits(s, len, &i, 2, &mo) || i >= len || s[i++] != '-' ||
        !take_digits(s, len, &i, 2, &d))
        return bad;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] + (mo == 2 && is_leap(y)))
        return "is not a valid calendar date";
    double frac = 0.0;
    long offset_s = 0;
    if (i < len && (s[i] == 'T' || s[i] == ' ')) {
        i++;
        if (!take_digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
            !take_digits(s, len, &i, 2, &mi))
            return bad;
        if (i < len && s[i] == ':') {
            i++;
            if (!take_digits(s, len, &i, 2, &sec))
                return bad;
            if (i < len && s[i] == '.') {
                double scale = 0.1;
                i++;
                if (i >= len || !is_digit(s[i]))
                    return bad;
                while (i < len && is_digit(s[i])) {
                    frac += scale * (s[i++] - '0');
                    scale /= 10;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return "is not a valid time of day";
        if (i < len && s[i] == 'Z') {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            long sign = s[i++] == '-' ? -1 : 1;
            unsigned oh, om = 0;
            if (!take_digits(s, len, &i, 2, &oh))
                return bad;
            if (i < len && s[i] == ':') {
                i++;
                if (!take_digits(s, len, &i, 2, &om))
                    return bad;
            } else if (i < len && !take_digits(s, len, &i, 2, &om)) {
                return bad;
            }
            if (oh > 23 || om > 59)
                return "has a UTC offset out of range (hours 00-23, minutes 00-59)";
            offset_s = sign * (long)(oh * 3600 + om * 60);
        }
    }
    if (i != len)
        return bad;
    int64_t days = sbr_days_from_civil(y, mo, d);
    double t = (double)(days * 86400 + h * 3600 + mi * 60 + sec - offset_s) + frac;
    if (t < 0)
        return "is before 1970 (negative time)";
    if (t >= SBR_TIME_MAX)
        return too_late;
    *out = t;
    return NULL;
}

const char *sbr_parse_time(const char *s, size_t len, double scale, double *out)
{
    if (len >= 10 && is_digit(s[0]) && s[4] == '-')
        return parse_iso8601(s, len, out);
    if (!is_decimal_number(s, len))
        return "is not a time (epoch seconds or ISO-8601)";
    double v;
    const char *why = sbr_parse_double(s, len, &v);
    if (why != NULL)
        return why;
    if (v < 0)
        return "is a negative time";
    v *= scale;
    if (!isfinite(v))
        return "is out of range";
    if (v >= SBR_TIME_MAX)
        return too_late;
    *out = v;
    return NULL;
}

const char *sbr_format_double(char *buf, size_t buf_size, double v)
{
    /* Integers below 2^53 print in full ("1396437466", not "1.396437466e+09"). */
    if (fabs(v) < 9007199254740992.0 && v == floor(v)) {
        snprintf(buf, buf_size, "%.0f", v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, buf_size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

const char *sbr_format_utc(char *buf, size_t buf_size, double t)
{
    /* Outside years 0000-9999 (and for NaN) a date cannot be shown in this form, and far
     * outside it the conversion to int64_t would be undefined: write the number. */
    if (!(t >= -62167219200.0 && t < SBR_TIME_MAX))
        return sbr_format_double(buf, buf_size, t);
    int64_t secs = (int64_t)floor(t);
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    /* civil_from_days, the inverse of sbr_days_from_civil. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, buf_size, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", (long long)y, (long long)m,
             (long long)d, (long long)(rem / 3600), (long long)(rem % 3600 / 60),
             (long long)(rem % 60));
    return buf;
}
