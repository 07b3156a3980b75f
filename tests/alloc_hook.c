/* dladdr, to tell which library an allocation comes from. */
#define _GNU_SOURCE
#include "alloc_hook.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SBR_ALLOC_HOOK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBR_ALLOC_HOOK 0
#endif
#endif
#ifndef SBR_ALLOC_HOOK
#define SBR_ALLOC_HOOK 1
#endif

static _Thread_local int guard_on;
static _Thread_local size_t guard_count, guard_bytes;

static _Thread_local int fail_on;
static _Thread_local size_t fail_at, fail_seen;
static _Thread_local long fail_live;
static _Thread_local const void *fail_where;

bool alloc_hook_available(void)
{
    return SBR_ALLOC_HOOK;
}

size_t alloc_guard_bytes(void)
{
    return guard_bytes;
}

void alloc_guard_begin(void)
{
    guard_count = 0;
    guard_bytes = 0;
    guard_on = 1;
}

size_t alloc_guard_end(void)
{
    guard_on = 0;
    return guard_count;
}

void alloc_fail_begin(size_t n)
{
    fail_at = n;
    fail_seen = 0;
    fail_live = 0;
    fail_where = NULL;
    fail_on = 1;
}

alloc_fail_report alloc_fail_end(void)
{
    fail_on = 0;
    alloc_fail_report r = {fail_seen >= fail_at, fail_seen, fail_live, fail_where};
    return r;
}

#if SBR_ALLOC_HOOK
/* glibc's allocator under its internal names. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

/* Whether caller lies in OpenBLAS, whose kernels never check malloc (0.3.21's small-matrix
 * sgemm kernels allocate a packing buffer on every call): refusing it one of those would
 * crash inside it, so fault injection serves them and counts them not. */
static bool in_openblas(const void *caller)
{
    Dl_info info;
    return dladdr(caller, &info) != 0 && info.dli_fname != NULL &&
           strstr(info.dli_fname, "libopenblas") != NULL;
}

/* Records an allocation request; false when it is the one to fail. */
static bool note(size_t bytes, const void *caller)
{
    if (guard_on) {
        guard_count++;
        guard_bytes += bytes;
    }
    if (!fail_on || in_openblas(caller))
        return true;
    if (++fail_seen == fail_at) {
        fail_where = caller;
        return false;
    }
    return true;
}

/* A block came (+1) or went (-1) while armed. */
static void live(long d)
{
    if (fail_on)
        fail_live += d;
}

#define CALLER __builtin_return_address(0)

void *malloc(size_t n)
{
    if (!note(n, CALLER))
        return NULL;
    void *p = __libc_malloc(n);
    if (p != NULL)
        live(1);
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (!note(n * size, CALLER))
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p != NULL)
        live(1);
    return p;
}

void *realloc(void *old, size_t n)
{
    if (old != NULL && n == 0) { /* glibc frees */
        live(-1);
        return __libc_realloc(old, n);
    }
    if (!note(n, CALLER))
        return NULL; /* old stays valid, as with a real failure */
    void *p = __libc_realloc(old, n);
    if (p != NULL && old == NULL)
        live(1);
    return p;
}

void free(void *p)
{
    if (p != NULL)
        live(-1);
    __libc_free(p);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!note(n, CALLER))
        return NULL;
    void *p = __libc_memalign(align, n);
    if (p != NULL)
        live(1);
    return p;
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (!note(n, CALLER))
        return 12; /* ENOMEM */
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return 22; /* EINVAL */
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return 12;
    live(1);
    *out = p;
    return 0;
}
#endif
