#include "data/parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Whether the p decimal digits of digits, scaled to exponent exp10 (the first digit's power of
 * ten), read back as the double av (>= 0). Exact: where the digits and the power of ten are both
 * exactly representable (at most 2^53, |power| <= 22), one IEEE multiply or divide is the
 * correctly rounded reading (Clinger's fast path); otherwise strtod decides. */
static bool digits_read_back(const char *digits, int p, int exp10, double av)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t m = 0;
    for (int i = 0; i < p; i++)
        m = m * 10 + (uint64_t)(digits[i] - '0');
    int k = exp10 - p + 1;
    if (m <= (UINT64_C(1) << 53) && k >= -22 && k <= 22)
        return (k >= 0 ? (double)m * pow10[k] : (double)m / pow10[-k]) == av;
    char text[48];
    snprintf(text, sizeof text, "%llue%d", (unsigned long long)m, k);
    return strtod(text, NULL) == av;
}

/* The 17 significant digits of av > 0 correctly rounded (ties to even, as printf rounds) into d
 * and the first digit's power of ten into *exp10, by exact integer arithmetic: av = m * 2^e with
 * e < 0, so the digits are m * 10^k / 2^-e rounded, for k = 16 - exp10 in 0..22 (m * 10^k fits
 * 128 bits). Covers 1e-6 <= av < 1e16, where scores and times live; false elsewhere (and without
 * 128-bit integers), where the caller asks printf. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;
#endif

static bool digits17(double av, char *d, int *exp10)
{
#if defined(__SIZEOF_INT128__)
    if (!(av >= 1e-6 && av < 1e16))
        return false;
    int ex;
    double f = frexp(av, &ex);           /* av = f * 2^ex, f in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(f, 53); /* exact: 53 bits */
    int shift = 53 - ex;                 /* av = m / 2^shift */
    if (shift <= 0 || shift >= 120)
        return false;
    int e10 = (int)floor(log10(av));
    for (int attempt = 0; attempt < 3; attempt++) {
        int k = 16 - e10;
        if (k < 0 || k > 22)
            return false;
        u128 p10 = 1;
        for (int i = 0; i < k; i++)
            p10 *= 10;
        u128 prod = (u128)m * p10;
        u128 q = prod >> shift, r = prod - (q << shift);
        u128 half = (u128)1 << (shift - 1);
        if (r > half || (r == half && (q & 1) != 0))
            q++;
        if (q >= (u128)100000000000000000ull) { /* >= 10^17 (also by a carry) */
            e10++;
            continue;
        }
        if (q < (u128)10000000000000000ull) { /* under 10^16: one too few */
            e10--;
            continue;
        }
        uint64_t n = (uint64_t)q;
        for (int i = 16; i >= 0; i--) {
            d[i] = (char)('0' + n % 10);
            n /= 10;
        }
        *exp10 = e10;
        return true;
    }
    return false;
#else
    (void)av, (void)d, (void)exp10;
    return false;
#endif
}

/* Rounds v's 17 correctly rounded significant digits d17 (exponent *exp10, the first digit's
 * power of ten) to p < 17 digits in d, carrying into *exp10. The 17 digits round the same way as
 * the exact value unless the dropped digits are exactly 5000...; then libc rounds the exact value
 * into d. */
static void round_digits(double av, const char *d17, int p, char *d, int *exp10)
{
    bool half = d17[p] == '5';
    for (int i = p + 1; i < 17 && half; i++)
        half = d17[i] == '0';
    if (half) {
        char e[48];
        snprintf(e, sizeof e, "%.*e", p - 1, av); /* "d.ddde+XX" or "de+XX" */
        d[0] = e[0];
        memcpy(d + 1, e + 2, (size_t)(p - 1));
        *exp10 = (int)strtol(e + (p > 1 ? p + 2 : 2), NULL, 10);
        return;
    }
    memcpy(d, d17, (size_t)p);
    if (d17[p] >= '5') { /* round up, carrying through nines */
        int i = p - 1;
        while (i >= 0 && d[i] == '9')
            d[i--] = '0';
        if (i >= 0)
            d[i]++;
        else
            d[0] = '1', ++*exp10;
    }
}

/* Writes sign, the p digits d and exponent exp10 as printf's "%.{p}g" would: positional when
 * -4 <= exp10 < p, else d.ddde[+-]XX; trailing zeros of the fraction dropped. */
static void write_g(char *buf, size_t buf_size, bool negative, const char *d, int p, int exp10)
{
    char t[48];
    size_t n = 0;
    while (p > 1 && d[p - 1] == '0')
        p--;
    if (negative)
        t[n++] = '-';
    if (exp10 >= -4 && exp10 < p) {
        if (exp10 < 0) {
            t[n++] = '0';
            t[n++] = '.';
            for (int i = -1; i > exp10; i--)
                t[n++] = '0';
            memcpy(t + n, d, (size_t)p), n += (size_t)p;
        } else {
            memcpy(t + n, d, (size_t)exp10 + 1), n += (size_t)exp10 + 1;
            if (p > exp10 + 1) {
                t[n++] = '.';
                memcpy(t + n, d + exp10 + 1, (size_t)(p - exp10 - 1));
                n += (size_t)(p - exp10 - 1);
            }
        }
        t[n] = '\0';
    } else {
        t[n++] = d[0];
        if (p > 1) {
            t[n++] = '.';
            memcpy(t + n, d + 1, (size_t)p - 1), n += (size_t)p - 1;
        }
        snprintf(t + n, sizeof t - n, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    }
    if (buf_size == 0)
        return;
    n = strlen(t);
    if (n >= buf_size)
        n = buf_size - 1; /* truncated as snprintf would (buf holds >= 32 bytes by contract) */
    memcpy(buf, t, n);
    buf[n] = '\0';
}

const char *sbr_format_double(char *buf, size_t buf_size, double v)
{
    /* Integers below 2^53 print in full ("1396437466", not "1.396437466e+09"). */
    if (fabs(v) < 9007199254740992.0 && v == floor(v)) {
        snprintf(buf, buf_size, "%.0f", v);
        return buf;
    }
    if (!isfinite(v)) {
        snprintf(buf, buf_size, "%g", v);
        return buf;
    }
    /* The fewest significant digits p that read back as v, written as "%.{p}g" writes them.
     * Reading back is monotone in p (every p-digit decimal is also a (p+1)-digit one, so the
     * nearest (p+1)-digit decimal is at least as near) and p = 17 always does, so a binary
     * search over 1..17 finds the same p as trying 1, 2, ... in turn. One libc conversion gives
     * the 17 digits the candidates are rounded from; tests/test_parse.c compares the text with
     * the one-by-one definition written with printf. */
    double av = fabs(v);
    char d17[17], d[17];
    int exp17;
    if (!digits17(av, d17, &exp17)) {
        char e17[48];
        snprintf(e17, sizeof e17, "%.16e", av); /* "d.dddddddddddddddde+XX" */
        d17[0] = e17[0];
        memcpy(d17 + 1, e17 + 2, 16);
        exp17 = (int)strtol(e17 + 19, NULL, 10);
    }
    int exp10 = exp17;
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, e = exp17;
        round_digits(av, d17, mid, d, &e);
        if (digits_read_back(d, mid, e, av))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo < 17)
        round_digits(av, d17, lo, d, &exp10);
    else
        memcpy(d, d17, 17);
    write_g(buf, buf_size, v < 0, d, lo, exp10);
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
