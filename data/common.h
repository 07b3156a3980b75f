/* Shared basics of every sbr module: return codes, the caller-owned error record,
 * overflow-checked allocation and a stable string hash.
 *
 * Every fallible function returns an sbr_rc and, on failure, fills an sbr_err that the caller
 * owns, so there is no global error state and each thread can keep its own. */
#ifndef SBR_DATA_COMMON_H
#define SBR_DATA_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum sbr_rc {
    SBR_OK = 0,
    SBR_EINVAL,   /* invalid argument or parameter: a usage error */
    SBR_EPARSE,   /* malformed input data */
    SBR_EIO,      /* a file could not be opened, read, written or renamed */
    SBR_ENOMEM,   /* an allocation failed */
    SBR_EINTERNAL /* a broken invariant: a bug in sbr */
} sbr_rc;

#define SBR_ERR_MSG_SIZE 512

typedef struct sbr_err {
    sbr_rc rc;
    char msg[SBR_ERR_MSG_SIZE]; /* "<where>: <what> (<value>)", always NUL-terminated */
} sbr_err;

/* Progress of long work: `done` units of `total` (total 0 when unknown). Library code reports
 * through such a callback and never prints; the command line decides what to show. */
typedef void (*sbr_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Records rc and a printf-style message in *err (which may be NULL) and returns rc, so that
 * `return sbr_err_set(err, SBR_EINVAL, "k=%ld exceeds m=%ld", k, m);` is one line. A message
 * longer than the buffer is cut. Thread-safe for distinct err records. */
sbr_rc sbr_err_set(sbr_err *err, sbr_rc rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Resets *err to SBR_OK with an empty message. err may be NULL. */
void sbr_err_clear(sbr_err *err);

/* The name of a return code, e.g. "EPARSE". Never NULL. */
const char *sbr_rc_name(sbr_rc rc);

/* malloc(n * size) with an overflow check; NULL on overflow or failure. n == 0 returns a
 * valid pointer (of one byte) so that empty arrays need no special case. Free with free(). */
void *sbr_alloc_array(size_t n, size_t size);

/* A zeroed array of n elements of `size` bytes for memory a hot loop reads at random (the kNN
 * family's per-thread scratch and index). Every page is written here, so no later access takes
 * a page fault (a timed predict call never pays for first-touching its scratch). It is aligned
 * to a cache line, and an array of 2 MiB or more is aligned to 2 MiB and marked for
 * transparent huge pages (madvise MADV_HUGEPAGE) where the system offers them, which turns the
 * TLB miss of nearly every random access into a hit; elsewhere the hint is skipped. NULL on
 * overflow or failure. Free with free(). */
void *sbr_alloc_hot(size_t n, size_t size);

/* realloc() of *p to n * size bytes with an overflow check. On success stores the new block in
 * *p and returns SBR_OK; on failure leaves *p untouched and returns SBR_ENOMEM. */
sbr_rc sbr_grow_array(void *p, size_t n, size_t size);

/* A stable 53-bit hash of bytes (64-bit FNV-1a folded to 53 bits), used to turn string ids
 * (Last.fm track ids, UCI stock codes) into integer item ids. 53 bits keep the value exact in
 * a double and in every dataframe library; the same input gives the same id on every machine
 * and in every release. Never returns 0. */
uint64_t sbr_hash53(const void *bytes, size_t len);

/* Writes into buf (of size >= 32) a short text for value `text` of length `len` suitable for
 * error messages: the text itself when short, else its first bytes and its length. Returns buf.
 * Non-printable bytes are shown as '?'. */
const char *sbr_excerpt(char *buf, size_t buf_size, const char *text, size_t len);

#endif
