#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include "data/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

sbr_rc sbr_err_set(sbr_err *err, sbr_rc rc, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->rc = rc;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

void sbr_err_clear(sbr_err *err)
{
    if (err != NULL) {
        err->rc = SBR_OK;
        err->msg[0] = '\0';
    }
}

const char *sbr_rc_name(sbr_rc rc)
{
    switch (rc) {
    case SBR_OK:
        return "OK";
    case SBR_EINVAL:
        return "EINVAL";
    case SBR_EPARSE:
        return "EPARSE";
    case SBR_EIO:
        return "EIO";
    case SBR_ENOMEM:
        return "ENOMEM";
    case SBR_EINTERNAL:
        return "EINTERNAL";
    }
    return "E?";
}

void *sbr_alloc_array(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    return malloc(bytes == 0 ? 1 : bytes);
}

enum { HOT_LINE = 64, HOT_HUGE = 2 << 20 };

void *sbr_alloc_hot(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size == 0 ? 1 : n * size;
    /* Exactly the bytes asked for (scratch_bytes contracts count them), aligned to a cache
     * line, or to a huge page from 2 MiB on. */
    size_t align = bytes >= HOT_HUGE ? HOT_HUGE : HOT_LINE;
    void *p = NULL;
    if (posix_memalign(&p, align, bytes) != 0)
        return NULL;
#if defined(MADV_HUGEPAGE)
    if (align == HOT_HUGE)
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, ordinary pages */
#endif
    memset(p, 0, bytes); /* zeroes and pre-faults */
    return p;
}

sbr_rc sbr_grow_array(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return SBR_ENOMEM;
    size_t bytes = n * size;
    void **slot = p;
    void *grown = realloc(*slot, bytes == 0 ? 1 : bytes);
    if (grown == NULL)
        return SBR_ENOMEM;
    *slot = grown;
    return SBR_OK;
}

uint64_t sbr_hash53(const void *bytes, size_t len)
{
    const unsigned char *b = bytes;
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a 64 offset basis */
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3u; /* FNV prime */
    }
    /* Fold the high bits in rather than dropping them. */
    uint64_t folded = (h ^ (h >> 53)) & ((UINT64_C(1) << 53) - 1);
    return folded == 0 ? 1 : folded;
}

const char *sbr_excerpt(char *buf, size_t buf_size, const char *text, size_t len)
{
    enum { SHOWN = 40 };
    size_t shown = len <= SHOWN ? len : SHOWN;
    if (shown + 1 > buf_size)
        shown = buf_size - 1;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[shown] = '\0';
    if (shown < len) {
        char tail[48];
        snprintf(tail, sizeof tail, "... (%zu bytes)", len);
        size_t room = buf_size - shown - 1;
        strncat(buf, tail, room);
    }
    return buf;
}
