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

/* A click time in epoch seconds, >= 0: either a number (as sbr_parse_double, times `scale`,
 * e.g. 0.001 for milliseconds) or an ISO-8601 UTC date-time "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss",
 * with optional fraction and a 'Z' or "+hh:mm"/"-hh:mm" offset (a space may replace 'T').
 * Times without an offset are taken as UTC. */
const char *sbr_parse_time(const char *s, size_t len, double scale, double *out);

/* Days from 1970-01-01 to the given proleptic Gregorian date (month 1-12, day 1-31); negative
 * before 1970. No range checks: the caller validates. */
int64_t sbr_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Writes the shortest decimal text that reads back as exactly v ("1396860669.277", "0.5",
 * "12"), using at most 17 significant digits. buf must hold at least 32 bytes. Returns buf. */
const char *sbr_format_double(char *buf, size_t buf_size, double v);

/* Writes epoch seconds t as "YYYY-MM-DD hh:mm:ss" UTC (seconds truncated). buf >= 32 bytes.
 * Returns buf. */
const char *sbr_format_utc(char *buf, size_t buf_size, double t);

#endif
