#include "eval/results.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/output.h"
#include "data/table.h"

void sbr_csv_write_cell(sbr_out *o, const char *cell, size_t len)
{
    if (strcspn(cell, ",\"\r\n") >= len) {
        sbr_out_write(o, cell, len);
        return;
    }
    sbr_out_write(o, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        if (cell[i] == '"')
            sbr_out_write(o, "\"", 1);
        sbr_out_write(o, cell + i, 1);
    }
    sbr_out_write(o, "\"", 1);
}

typedef struct copier {
    const char *path;
    const char *const *header;
    size_t n_cols, n_key;
    const char *const *cells;
    size_t n_rows;
    sbr_out *out;
    size_t replaced;
} copier;

static bool same_key(const sbr_row *row, const char *const *cells, size_t n_key)
{
    for (size_t k = 0; k < n_key; k++)
        if (row->lens[k] != strlen(cells[k]) || memcmp(row->fields[k], cells[k], row->lens[k]))
            return false;
    return true;
}

/* Copies the existing rows, skipping those a new row replaces. */
static sbr_rc copy_row(void *user, const sbr_row *row, sbr_err *err)
{
    copier *c = user;
    if (row->n_fields != c->n_cols) {
        if (row->index == 0)
            return sbr_err_set(err, SBR_EINVAL,
                               "%s: its header has %zu columns, this run writes %zu: write the "
                               "results to a new file",
                               c->path, row->n_fields, c->n_cols);
        return sbr_err_set(err, SBR_EPARSE, "%s:%llu: %zu cells where the header has %zu", c->path,
                           (unsigned long long)row->line, row->n_fields, c->n_cols);
    }
    if (row->index == 0) {
        for (size_t k = 0; k < c->n_cols; k++)
            if (strcmp(row->fields[k], c->header[k]) != 0)
                return sbr_err_set(err, SBR_EINVAL,
                                   "%s: column %zu is \"%s\", this run writes \"%s\": write the "
                                   "results to a new file",
                                   c->path, k + 1, row->fields[k], c->header[k]);
        return SBR_OK;
    }
    for (size_t r = 0; r < c->n_rows; r++) {
        if (same_key(row, c->cells + r * c->n_cols, c->n_key)) {
            c->replaced++;
            return SBR_OK;
        }
    }
    for (size_t k = 0; k < row->n_fields; k++) {
        if (k > 0)
            sbr_out_write(c->out, ",", 1);
        sbr_csv_write_cell(c->out, row->fields[k], row->lens[k]);
    }
    sbr_out_write(c->out, "\n", 1);
    return SBR_OK;
}

sbr_rc sbr_csv_append(const char *path, const char *const *header, size_t n_cols, size_t n_key,
                      const char *const *cells, size_t n_rows, sbr_err *err)
{
    copier c = {path, header, n_cols, n_key, cells, n_rows, NULL, 0};
    sbr_rc rc = sbr_out_open(path, &c.out, err);
    if (rc != SBR_OK)
        return rc;
    for (size_t k = 0; k < n_cols; k++) {
        if (k > 0)
            sbr_out_write(c.out, ",", 1);
        sbr_csv_write_cell(c.out, header[k], strlen(header[k]));
    }
    sbr_out_write(c.out, "\n", 1);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size > 0) {
        sbr_table_options topt;
        sbr_table_options_init(&topt);
        topt.delimiter = ',';
        rc = sbr_table_read(path, &topt, copy_row, &c, NULL, err);
        if (rc != SBR_OK) {
            sbr_out_abort(c.out);
            return rc;
        }
    }
    for (size_t r = 0; r < n_rows; r++) {
        for (size_t k = 0; k < n_cols; k++) {
            const char *cell = cells[r * n_cols + k];
            if (k > 0)
                sbr_out_write(c.out, ",", 1);
            sbr_csv_write_cell(c.out, cell, strlen(cell));
        }
        sbr_out_write(c.out, "\n", 1);
    }
    return sbr_out_commit(c.out, err);
}
