#include "eval/resume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/table.h"

/* The keys as single strings, their cells joined by the ASCII unit separator (which no cell
 * of a results file holds), sorted and without duplicates after loading, so that a lookup is
 * one bsearch. */
struct sbr_done_set {
    char **keys;
    size_t n, cap;
};

static char *join_key(const char *const *f, const size_t *len)
{
    size_t total = 0;
    for (int k = 0; k < SBR_METRICS_KEY_COLS; k++)
        total += len[k] + 1;
    char *key = malloc(total);
    if (key == NULL)
        return NULL;
    size_t at = 0;
    for (int k = 0; k < SBR_METRICS_KEY_COLS; k++) {
        memcpy(key + at, f[k], len[k]);
        at += len[k];
        key[at++] = k + 1 < SBR_METRICS_KEY_COLS ? '\x1f' : '\0';
    }
    return key;
}

static sbr_rc collect_key(void *user, const sbr_row *row, sbr_err *err)
{
    sbr_done_set *d = user;
    if (row->index == 0 || row->n_fields < SBR_METRICS_KEY_COLS)
        return SBR_OK;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        if (sbr_grow_array(&d->keys, d->cap, sizeof *d->keys) != SBR_OK)
            return sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
    }
    if ((d->keys[d->n] = join_key(row->fields, row->lens)) == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
    d->n++;
    return SBR_OK;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

sbr_done_set *sbr_done_set_new(void)
{
    return calloc(1, sizeof(sbr_done_set));
}

void sbr_done_set_free(sbr_done_set *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->keys[i]);
    free(d->keys);
    free(d);
}

sbr_rc sbr_done_set_load(const char *path, sbr_done_set **out, sbr_err *err)
{
    *out = NULL;
    sbr_done_set *d = sbr_done_set_new();
    if (d == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "run: out of memory");
    struct stat st;
    if (stat(path, &st) == 0) {
        sbr_table_options topt;
        sbr_table_options_init(&topt);
        topt.delimiter = ',';
        sbr_rc rc = sbr_table_read(path, &topt, collect_key, d, NULL, err);
        if (rc != SBR_OK) {
            sbr_done_set_free(d);
            return rc;
        }
    }
    if (d->n > 0) {
        qsort(d->keys, d->n, sizeof *d->keys, str_cmp);
        size_t kept = 1;
        for (size_t i = 1; i < d->n; i++) {
            if (strcmp(d->keys[i], d->keys[kept - 1]) == 0)
                free(d->keys[i]);
            else
                d->keys[kept++] = d->keys[i];
        }
        d->n = kept;
    }
    *out = d;
    return SBR_OK;
}

size_t sbr_done_set_count(const sbr_done_set *d)
{
    return d->n;
}

bool sbr_done_set_has(const sbr_done_set *d, const char *const key[SBR_METRICS_KEY_COLS])
{
    if (d->n == 0)
        return false; /* bsearch must not see a NULL array */
    size_t len[SBR_METRICS_KEY_COLS];
    for (int k = 0; k < SBR_METRICS_KEY_COLS; k++)
        len[k] = strlen(key[k]);
    char *joined = join_key(key, len);
    bool found =
        joined != NULL && bsearch(&joined, d->keys, d->n, sizeof *d->keys, str_cmp) != NULL;
    free(joined);
    return found;
}

bool sbr_done_set_has_job(const sbr_done_set *d, const char *dataset, const char *split,
                          const char *algorithm, const char *params, const size_t *cutoffs,
                          size_t n_cutoffs)
{
    for (size_t c = 0; c < n_cutoffs; c++) {
        char cut[32];
        snprintf(cut, sizeof cut, "%zu", cutoffs[c]);
        const char *key[SBR_METRICS_KEY_COLS] = {dataset, split, algorithm, params, cut};
        if (!sbr_done_set_has(d, key))
            return false;
    }
    return true;
}
