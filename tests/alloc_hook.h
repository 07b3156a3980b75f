/* A test-only hook on the C allocator: the test program defines malloc, calloc, realloc,
 * free, aligned_alloc and posix_memalign, forwarding to glibc's own (__libc_malloc, ...), so
 * every allocation of the program, the libraries it links and libc itself (qsort's buffer,
 * GSL's workspaces) passes through it. Everything it records is per thread.
 *
 *  - A guarded region counts the calling thread's allocations and their bytes (served as
 *    usual), so a test can assert that a call allocated nothing or exactly what it said.
 *  - Fault injection: alloc_fail_begin(n) makes the n-th allocation of the calling thread
 *    from then on fail (return NULL, as an exhausted allocator does); every other one is
 *    served. Meanwhile the hook counts the blocks allocated and freed, so alloc_fail_end
 *    tells whether the failure was reached and how many blocks are still live: a function
 *    that fails cleanly leaves none. OpenBLAS's allocations are served and not counted: its
 *    kernels do not check malloc (see alloc_hook.c).
 *
 * Available when the program is not built with AddressSanitizer, which replaces the allocator
 * itself; alloc_hook_available() says which. */
#ifndef SBR_TESTS_ALLOC_HOOK_H
#define SBR_TESTS_ALLOC_HOOK_H

#include <stdbool.h>
#include <stddef.h>

/* True when the hook is compiled in (not under ASan). */
bool alloc_hook_available(void);

/* Starts counting the calling thread's allocations from zero. */
void alloc_guard_begin(void);

/* Stops counting and returns the allocations the calling thread made since
 * alloc_guard_begin. */
size_t alloc_guard_end(void);

/* The bytes those allocations asked for (as of the last alloc_guard_end). */
size_t alloc_guard_bytes(void);

/* Arms fault injection on the calling thread: its n-th allocation from now (n >= 1) fails. */
void alloc_fail_begin(size_t n);

typedef struct alloc_fail_report {
    bool failed;         /* the n-th allocation happened (and failed) */
    size_t allocations;  /* allocations attempted while armed */
    long live;           /* blocks allocated minus blocks freed while armed */
    const void *failing; /* the return address of the failed allocation's caller */
} alloc_fail_report;

/* Disarms and reports. */
alloc_fail_report alloc_fail_end(void);

#endif
