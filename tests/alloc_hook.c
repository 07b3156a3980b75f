#include "alloc_hook.h"

#include <stdlib.h>

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

#if SBR_ALLOC_HOOK
/* glibc's allocator under its internal names. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static void note(size_t bytes)
{
    if (guard_on) {
        guard_count++;
        guard_bytes += bytes;
    }
}

void *malloc(size_t n)
{
    note(n);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    note(n * size);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    note(n);
    return __libc_realloc(p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    note(n);
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    note(n);
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return 22; /* EINVAL */
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
#endif
