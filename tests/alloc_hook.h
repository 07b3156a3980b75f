/* A test-only hook on the C allocator: the test program defines malloc, calloc, realloc,
 * aligned_alloc and posix_memalign, forwarding to glibc's own (__libc_malloc, ...), so every
 * allocation of the program, the libraries it links and libc itself (qsort's buffer, GSL's
 * workspaces) passes through it. A thread may open a guarded region; allocations it makes
 * inside are counted (and still served), so a test can assert that a call allocated nothing.
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

#endif
