/* Results files: CSV with a header, appended atomically and without duplicates.
 *
 * Appending rewrites the file through a temporary file and a rename (data/output.h), so a
 * reader or a crash never sees a partial row. A new row whose key (its first n_key cells:
 * dataset, split, algorithm, params, cutoff) equals an existing row's key replaces it, so
 * rerunning a job never duplicates rows and never loses the others. */
#ifndef SBR_EVAL_RESULTS_H
#define SBR_EVAL_RESULTS_H

#include <stddef.h>

#include "data/common.h"
#include "data/output.h"

/* Appends n_rows rows of n_cols cells (row-major, NUL-terminated texts) to the CSV at path,
 * creating it with `header` when absent. Cells holding a comma, quote or line break are
 * quoted. Errors: SBR_EINVAL (the existing header differs: name the file to write instead),
 * SBR_EPARSE (an existing row has the wrong number of cells), SBR_EIO, SBR_ENOMEM. On error
 * the file is unchanged. */
sbr_rc sbr_csv_append(const char *path, const char *const *header, size_t n_cols, size_t n_key,
                      const char *const *cells, size_t n_rows, sbr_err *err);

/* Writes one CSV cell of len bytes to o, quoted (quotes doubled) when it holds a comma, a quote or
 * a line break, as sbr_csv_append writes its cells. */
void sbr_csv_write_cell(sbr_out *o, const char *cell, size_t len);

#endif
