/* A test-only hook on fsync and rename: the test program defines both (forwarding to the
 * system call and to renameat), so the calls sbr's libraries make can be checked for order.
 * While a log is open, each call is recorded: 'f' an fsync of a regular file, 'd' an fsync of
 * a folder (with the inode synced), 'r' a rename. Single-threaded use only. */
#ifndef SBR_TESTS_SYNC_HOOK_H
#define SBR_TESTS_SYNC_HOOK_H

#include <stddef.h>

typedef struct sync_event {
    char kind;           /* 'f', 'd' or 'r' */
    unsigned long inode; /* of the synced file or folder; 0 for a rename */
} sync_event;

/* Starts recording from an empty log. */
void sync_log_begin(void);

/* Stops recording; returns the number of events and points *events at them. */
size_t sync_log_end(const sync_event **events);

#endif
