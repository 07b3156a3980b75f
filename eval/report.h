/* Formatting numbers for the readable tables that commands print. Pure functions that write
 * into caller buffers; they print nothing. */
#ifndef SBR_EVAL_REPORT_H
#define SBR_EVAL_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* "685,984": n with thousands separators. buf >= 32 bytes. Returns buf. */
const char *sbr_fmt_count(char *buf, size_t size, uint64_t n);

/* "12.3 MiB", "512 B": a byte count in binary units with one decimal. buf >= 32. */
const char *sbr_fmt_bytes(char *buf, size_t size, uint64_t n);

#endif
