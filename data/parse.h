/* Checked parsing of numbers and times, and their formatting.
 *
 * Every parser takes the whole text (pointer and length) and succeeds only when all of it is
 * one valid value: no leading or trailing junk, no silent wrap-around, no NaN or infinity. On
 * failure it returns a short phrase for an error message ("is not an integer", "overflows 64
 * bits"); on success it returns NULL and stores the value. The phrases are static strings.
 * All functions are pure and thread-safe, and none depends on the locale. */
#ifndef SBR_DATA_PARSE_H
#define SBR_DATA_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A non-negative decimal integer that fits in 64 bits: "0", "214536502". */
const char *sbr_parse_u64(const char *s, size_t len, uint64_t *out);

/* A decimal integer in [lo, hi] (NUL-terminated s): for command-line values. */
const char *sbr_parse_long(const char *s, long lo, long hi, long *out);

/* A finite decimal number: [+-]digits[.digits][(e|E)[+-]digits]. Rejects "nan", "inf", hex
 * floats and empty text. */
const char *sbr_parse_double(const char *s, size_t len, double *out);

/* The range of click times sbr accepts, in epoch seconds: from 1970-01-01 00:00:00 UTC (0)
 * up to, not including, 10000-01-01 00:00:00 UTC (SBR_TIME_MAX), i.e. the years 1970-9999
 * that "YYYY-MM-DD hh:mm:ss" can show. */
#define SBR_TIME_MAX 253402300800.0

/* A click time in epoch seconds in [0, SBR_TIME_MAX): either a number (as sbr_parse_double,
 * times `scale`, e.g. 0.001 for milliseconds; the range applies to the scaled value) or an
 * ISO-8601 UTC date-time "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss", with optional fraction and a 'Z'
 * or "+hh:mm", "+hhmm", "+hh" offset ('-' alike; hours 00-23, minutes 00-59; a space may
 * replace 'T'). Times without an offset are taken as UTC. Out of range: "is a negative time",
 * "is before 1970 (negative time)", "is after 9999-12-31 23:59:59 UTC (out of range)",
 * "has a UTC offset out of range (hours 00-23, minutes 00-59)". */
const char *sbr_parse_time(const char *s, size_t len, double scale, double *out);

/* Days from 1970-01-01 to the given proleptic Gregorian date (month 1-12, day 1-31); negative
 * before 1970. No range checks: the caller validates. */
int64_t sbr_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Writes the shortest decimal text that reads back as exactly v ("1396860669.277", "0.5",
 * "12"), using at most 17 significant digits. buf must hold at least 32 bytes. Returns buf. */
const char *sbr_format_double(char *buf, size_t buf_size, double v);

/* Writes epoch seconds t as "YYYY-MM-DD hh:mm:ss" UTC (seconds truncated) when the date falls
 * in the years 0000-9999 (t in [-62167219200, SBR_TIME_MAX)); any other value, NaN and the
 * infinities included, is written as sbr_format_double writes it ("1e+300", "nan"), so every
 * double is safe. buf >= 32 bytes. Returns buf. */
const char *sbr_format_utc(char *buf, size_t buf_size, double t);

#endif
