/* Atomic output files, plain or gzip-compressed.
 *
 * A file is written under a temporary name beside its final path and renamed into place only
 * when every write and the close have succeeded, so a reader sees the old file or the complete
 * new one, never a part; an interrupted run leaves at most a "*.tmp" file. A path ending in
 * ".gz" is gzip-compressed. A path that names a device or a FIFO (/dev/null, /dev/stdout) is
 * written in place, never replaced; a folder is an error. */
#ifndef SBR_DATA_OUTPUT_H
#define SBR_DATA_OUTPUT_H

#include <stddef.h>

#include "data/common.h"
#include "data/dataset.h"

typedef struct sbr_out sbr_out;

/* Opens `path` for writing through a temporary file "<path>.<pid>.tmp". On success *out is a
 * new writer to finish with sbr_out_commit or sbr_out_abort. Errors: SBR_EIO, SBR_ENOMEM. */
sbr_rc sbr_out_open(const char *path, sbr_out **out, sbr_err *err);

/* Writes bytes or formatted text. A failure is remembered and reported by sbr_out_commit, so
 * callers may write many times and check once. */
void sbr_out_write(sbr_out *o, const void *bytes, size_t n);
void sbr_out_printf(sbr_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Closes the temporary file, checks every write and the close, syncs it to the disk (fsync),
 * renames it to the final path and syncs the folder, so that after a crash or power loss the
 * path holds the old file or the complete new one. Frees o in every case. Errors: SBR_EIO
 * (before the rename, the temporary file is then removed; a failed sync of the folder is
 * reported with the new file already in place). */
sbr_rc sbr_out_commit(sbr_out *o, sbr_err *err);

/* Closes and removes the temporary file, leaving the final path untouched. Frees o; NULL is a
 * no-op. */
void sbr_out_abort(sbr_out *o);

/* Removes the temporary files "<name>.<pid>.tmp" in folder `dir` that processes which no
 * longer exist left behind (killed in the middle of a write): a file is removed only when
 * its pid is not this process's and kill(pid, 0) fails with ESRCH, so the live temporary
 * files of concurrent runs (and of this one) are never touched. Other files, and names whose
 * <pid> is not a number, are left alone. (A file written from another pid namespace, e.g. a
 * container sharing the folder, cannot be told apart and may be removed: do not share an
 * output folder across pid namespaces while runs are live.) Stores the count removed in
 * *removed (may be NULL). A folder that does not exist holds nothing stale (SBR_OK).
 * Errors: SBR_EIO (the folder cannot be listed, a file cannot be removed), naming the path. */
sbr_rc sbr_out_remove_stale(const char *dir, size_t *removed, sbr_err *err);

/* Writes ds as a session file: header "SessionId\tItemId\tTime", one click per line in the
 * dataset's order, times in their shortest exact decimal form. Atomic as above. */
sbr_rc sbr_write_sessions(const sbr_dataset *ds, const char *path, sbr_err *err);

#endif
