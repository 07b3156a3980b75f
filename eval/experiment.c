#include "eval/experiment.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/parse.h"

/* The parse state: the entry the current section fills, and the first error. */
typedef struct parser {
    sbr_experiment *x;
    char section[128];
    sbr_exp_dataset *dataset;
    sbr_exp_algo *algo;
    char why[SBR_ERR_MSG_SIZE - 64];
} parser;

/* Copies value into out with $SBR_DATA / ${SBR_DATA} replaced; false when it does not fit. */
static bool expand(const char *value, char *out, size_t size)
{
    const char *data = getenv("SBR_DATA");
    if (data == NULL || *data == '\0')
        data = "../shared/data";
    size_t n = 0;
    for (const char *p = value; *p;) {
        const char *repl = NULL;
        size_t skip = 0;
        if (strncmp(p, "${SBR_DATA}", 11) == 0)
            repl = data, skip = 11;
        else if (strncmp(p, "$SBR_DATA", 9) == 0)
            repl = data, skip = 9;
        if (repl != NULL) {
            size_t k = strlen(repl);
            if (n + k >= size)
                return false;
            memcpy(out + n, repl, k);
            n += k;
            p += skip;
        } else {
            if (n + 1 >= size)
                return false;
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return true;
}

static int fail(parser *ps, const char *fmt, const char *a, const char *b)
{
    snprintf(ps->why, sizeof ps->why, fmt, a, b);
    return 0;
}

/* Copies v into dst of `size` bytes; false (and nothing copied) when it does not fit. */
static bool copy_text(char *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n >= size)
        return false;
    memcpy(dst, v, n + 1);
    return true;
}

static bool is_true(const char *v, bool *out)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        return *out = true, true;
    if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return *out = false, true;
    return false;
}

static bool parse_cutoffs(const char *v, sbr_experiment *x)
{
    char buf[256];
    if (strlen(v) >= sizeof buf)
        return false;
    strcpy(buf, v);
    x->n_cutoffs = 0;
    for (char *p = buf; p != NULL;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma++ = '\0';
        while (*p == ' ')
            p++;
        long c;
        if (x->n_cutoffs == SBR_MAX_CUTOFFS || sbr_parse_long(p, 1, 100000, &c) != NULL ||
            (x->n_cutoffs > 0 && (size_t)c <= x->cutoffs[x->n_cutoffs - 1]))
            return false;
        x->cutoffs[x->n_cutoffs++] = (size_t)c;
        p = comma;
    }
    return x->n_cutoffs > 0;
}

/* "last-days N", "windows TRAIN TEST SLICES OFFSET SHIFT" or "preset NAME". */
static bool parse_split(const char *v, sbr_exp_dataset *d)
{
    char buf[256];
    if (strlen(v) >= sizeof buf)
        return false;
    strcpy(buf, v);
    char *words[8];
    size_t n = 0;
    char *save = NULL;
    for (char *p = strtok_r(buf, " \t", &save); p != NULL && n < 8;
         p = strtok_r(NULL, " \t", &save))
        words[n++] = p;
    double num[5];
    for (size_t i = 1; i < n && i < 6; i++)
        if (sbr_parse_double(words[i], strlen(words[i]), &num[i - 1]) != NULL &&
            strcmp(words[0], "preset") != 0)
            return false;
    if (n == 2 && strcmp(words[0], "last-days") == 0 && num[0] > 0) {
        d->split = SBR_EXP_LAST_DAYS;
        d->last_days = num[0];
        return true;
    }
    if (n == 6 && strcmp(words[0], "windows") == 0 && num[2] >= 1 && num[2] <= 1000) {
        d->split = SBR_EXP_WINDOWS;
        d->windows = (sbr_window_options){num[0], num[1], (unsigned)num[2], num[3], num[4]};
        return true;
    }
    if (n == 2 && strcmp(words[0], "preset") == 0 && sbr_window_preset(words[1], &d->windows)) {
        d->split = SBR_EXP_WINDOWS;
        return true;
    }
    return false;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parser *ps = user;
    sbr_experiment *x = ps->x;
    char v[SBR_EXP_PATH * SBR_EXP_MAX_FILES];
    if (!expand(value, v, sizeof v))
        return fail(ps, "value of %s is too long%s", name, "");
    if (strcmp(section, ps->section) != 0) { /* a new section */
        snprintf(ps->section, sizeof ps->section, "%s", section);
        ps->dataset = NULL;
        ps->algo = NULL;
        if (strncmp(section, "dataset ", 8) == 0) {
            if (x->n_datasets == SBR_EXP_MAX_DATASETS)
                return fail(ps, "too many datasets%s%s", "", "");
            ps->dataset = &x->datasets[x->n_datasets++];
            snprintf(ps->dataset->name, sizeof ps->dataset->name, "%s", section + 8);
        } else if (strncmp(section, "algo ", 5) == 0) {
            if (x->n_algos == SBR_EXP_MAX_ALGOS)
                return fail(ps, "too many algorithms%s%s", "", "");
            ps->algo = &x->algos[x->n_algos++];
            snprintf(ps->algo->label, sizeof ps->algo->label, "%s", section + 5);
        } else if (strcmp(section, "run") != 0) {
            return fail(ps, "unknown section [%s] (use [run], [dataset NAME], [algo LABEL])%s",
                        section, "");
        }
    }
    long n;
    if (strcmp(section, "run") == 0) {
        if (strcmp(name, "output") == 0 && copy_text(x->output, sizeof x->output, v))
            ;
        else if (strcmp(name, "threads") == 0 && sbr_parse_long(v, 1, 1024, &n) == NULL)
            x->threads = (int)n;
        else if (strcmp(name, "seed") == 0 && sbr_parse_long(v, 0, 2147483647L, &n) == NULL)
            x->seed = (uint64_t)n;
        else if (strcmp(name, "cutoffs") == 0 && parse_cutoffs(v, x))
            ;
        else if (strcmp(name, "latency") == 0 && is_true(v, &x->latency))
            ;
        else if (strcmp(name, "algorithms") == 0 &&
                 (strcmp(v, "registry") == 0 || strcmp(v, "listed") == 0))
            x->every_algorithm = strcmp(v, "registry") == 0;
        else
            return fail(ps,
                        "[run] %s = '%s': unknown key or bad value (output, threads, seed, "
                        "cutoffs, latency, algorithms = listed|registry)",
                        name, v);
        return 1;
    }
    if (ps->dataset != NULL) {
        sbr_exp_dataset *d = ps->dataset;
        if (strcmp(name, "train") == 0 && copy_text(d->train, sizeof d->train, v))
            ;
        else if (strcmp(name, "test") == 0 && copy_text(d->test, sizeof d->test, v))
            ;
        else if (strcmp(name, "file") == 0 || strcmp(name, "files") == 0) {
            d->joined = strcmp(name, "file") == 0;
            char *save = NULL;
            for (char *p = strtok_r(v, " \t", &save); p != NULL; p = strtok_r(NULL, " \t", &save)) {
                if (d->n_files == SBR_EXP_MAX_FILES ||
                    !copy_text(d->files[d->n_files++], SBR_EXP_PATH, p))
                    return fail(ps, "dataset %s: more than 16 files, or a path too long%s", d->name,
                                "");
            }
        } else if (strcmp(name, "synth") == 0 && copy_text(d->synth, sizeof d->synth, v))
            ;
        else if (strcmp(name, "split") == 0) {
            if (!parse_split(v, d))
                return fail(ps,
                            "split = '%s': use 'last-days N', 'windows TRAIN TEST SLICES "
                            "OFFSET SHIFT' or 'preset NAME'%s",
                            v, "");
        } else if (strcmp(name, "optional") == 0 && is_true(v, &d->optional))
            ;
        else
            return fail(ps,
                        "[dataset] %s = '%s': unknown key or bad value (train, test, file, "
                        "files, synth, split, optional)",
                        name, v);
        return 1;
    }
    sbr_exp_algo *a = ps->algo;
    if (strcmp(name, "spec") == 0 && copy_text(a->spec, sizeof a->spec, v))
        ;
    else if (strcmp(name, "grid") == 0 && copy_text(a->grid, sizeof a->grid, v))
        ;
    else if (strcmp(name, "where") == 0 && copy_text(a->where, sizeof a->where, v))
        ;
    else
        return fail(ps, "[algo] %s: unknown key or value too long (spec, grid, where)%s", name, "");
    return 1;
}

/* `algorithms = registry`: an [algo NAME] section with the defaults for every registered
 * algorithm that no section's spec names, in registry order, after the listed ones. */
static sbr_rc add_unlisted_algorithms(sbr_experiment *x, sbr_err *err)
{
    size_t n;
    const sbr_algo *const *all = sbr_algo_list(&n);
    for (size_t i = 0; i < n; i++) {
        const char *name = all[i]->name;
        size_t len = strlen(name);
        bool listed = false;
        for (size_t j = 0; j < x->n_algos && !listed; j++) {
            const char *spec = x->algos[j].spec;
            listed = strncmp(spec, name, len) == 0 && (spec[len] == '\0' || spec[len] == ':');
        }
        if (listed)
            continue;
        if (x->n_algos == SBR_EXP_MAX_ALGOS)
            return sbr_err_set(err, SBR_EINVAL, "%s: too many algorithms with the registry's",
                               x->path);
        sbr_exp_algo *a = &x->algos[x->n_algos++];
        memset(a, 0, sizeof *a);
        snprintf(a->label, sizeof a->label, "%s", name);
        snprintf(a->spec, sizeof a->spec, "%s", name);
    }
    return SBR_OK;
}

sbr_rc sbr_experiment_load(const char *path, sbr_experiment *x, sbr_err *err)
{
    memset(x, 0, sizeof *x);
    snprintf(x->path, sizeof x->path, "%s", path);
    snprintf(x->output, sizeof x->output, "results");
    x->threads = 1;
    x->seed = 1;
    x->cutoffs[0] = 20;
    x->n_cutoffs = 1;
    x->latency = true;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.x = x;
    int line = ini_parse(path, on_key, &ps);
    if (line == -1)
        return sbr_err_set(err, SBR_EIO, "%s: cannot open", path);
    if (line != 0)
        return sbr_err_set(err, SBR_EPARSE, "%s:%d: %s", path, line,
                           ps.why[0] ? ps.why
                                     : "not an INI line (expected [section] or key = value)");
    for (size_t i = 0; i < x->n_datasets; i++) {
        const sbr_exp_dataset *d = &x->datasets[i];
        int sources = (d->train[0] || d->test[0]) + (d->n_files > 0) + (d->synth[0] != 0);
        if (sources != 1 || (d->train[0] && !d->test[0]) || (!d->train[0] && d->test[0]))
            return sbr_err_set(err, SBR_EINVAL,
                               "%s: dataset %s needs exactly one of: train and test, file(s), "
                               "synth",
                               path, d->name);
        if (d->train[0] && d->split != SBR_EXP_GIVEN)
            return sbr_err_set(err, SBR_EINVAL, "%s: dataset %s: train/test need no split", path,
                               d->name);
        if (!d->train[0] && d->split == SBR_EXP_GIVEN)
            return sbr_err_set(err, SBR_EINVAL, "%s: dataset %s: say how to split it (split = ...)",
                               path, d->name);
        if (d->split == SBR_EXP_WINDOWS && d->n_files > 1 && !d->joined)
            return sbr_err_set(err, SBR_EINVAL,
                               "%s: dataset %s: windows cut one dataset: use `file = A B` to "
                               "join files",
                               path, d->name);
    }
    if (x->every_algorithm) {
        sbr_rc rc = add_unlisted_algorithms(x, err);
        if (rc != SBR_OK)
            return rc;
    }
    for (size_t i = 0; i < x->n_algos; i++) {
        if (x->algos[i].spec[0] == '\0')
            return sbr_err_set(err, SBR_EINVAL, "%s: algo %s has no spec", path, x->algos[i].label);
        char(*specs)[SBR_EXP_SPEC] = NULL;
        size_t n;
        sbr_rc rc = sbr_exp_expand(&x->algos[i], &specs, &n, err);
        free(specs);
        if (rc != SBR_OK)
            return rc;
    }
    if (x->n_datasets == 0 || x->n_algos == 0)
        return sbr_err_set(err, SBR_EINVAL, "%s: needs at least one [dataset] and one [algo]",
                           path);
    return SBR_OK;
}

size_t sbr_exp_dataset_slices(const sbr_exp_dataset *d)
{
    if (d->split == SBR_EXP_WINDOWS)
        return d->windows.slices;
    return d->n_files > 1 && !d->joined ? d->n_files : 1;
}

enum { MAX_KEYS = 8, MAX_VALUES = 32 };

typedef struct grid {
    char keys[MAX_KEYS][32];
    char values[MAX_KEYS][MAX_VALUES][32];
    size_t n_values[MAX_KEYS], n_keys;
} grid;

static sbr_rc parse_grid(const sbr_exp_algo *a, grid *g, sbr_err *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", a->grid);
    g->n_keys = 0;
    char *save = NULL;
    for (char *part = strtok_r(buf, ";", &save); part != NULL; part = strtok_r(NULL, ";", &save)) {
        while (*part == ' ')
            part++;
        char *eq = strchr(part, '=');
        if (eq == NULL || g->n_keys == MAX_KEYS)
            return sbr_err_set(err, SBR_EINVAL, "algo %s: grid '%s': expected key=v|v|v; ...",
                               a->label, a->grid);
        *eq = '\0';
        size_t k = g->n_keys++;
        snprintf(g->keys[k], sizeof g->keys[k], "%s", part);
        char *end = g->keys[k] + strlen(g->keys[k]);
        while (end > g->keys[k] && end[-1] == ' ')
            *--end = '\0';
        g->n_values[k] = 0;
        char *vs = NULL;
        for (char *v = strtok_r(eq + 1, "|", &vs); v != NULL; v = strtok_r(NULL, "|", &vs)) {
            while (*v == ' ')
                v++;
            char *ve = v + strlen(v);
            while (ve > v && ve[-1] == ' ')
                *--ve = '\0';
            if (g->n_values[k] == MAX_VALUES || *v == '\0')
                return sbr_err_set(err, SBR_EINVAL, "algo %s: grid key %s: 1 to %d values",
                                   a->label, g->keys[k], MAX_VALUES);
            snprintf(g->values[k][g->n_values[k]++], 32, "%s", v);
        }
        if (g->n_values[k] == 0)
            return sbr_err_set(err, SBR_EINVAL, "algo %s: grid key %s has no values", a->label,
                               g->keys[k]);
    }
    return SBR_OK;
}

/* where "A<=B" (also <, >=, >) over the grid's numeric values; true when absent. */
static sbr_rc check_where(const sbr_exp_algo *a, const grid *g, const size_t *idx, bool *keep,
                          sbr_err *err)
{
    *keep = true;
    if (a->where[0] == '\0')
        return SBR_OK;
    static const char *const ops[] = {"<=", ">=", "<", ">"};
    for (int o = 0; o < 4; o++) {
        const char *at = strstr(a->where, ops[o]);
        if (at == NULL)
            continue;
        char left[32], right[32];
        snprintf(left, sizeof left, "%.*s", (int)(at - a->where), a->where);
        snprintf(right, sizeof right, "%s", at + strlen(ops[o]));
        double lv = 0, rv = 0;
        int found = 0;
        for (size_t k = 0; k < g->n_keys; k++) {
            const char *val = g->values[k][idx[k]];
            if (strcmp(g->keys[k], left) == 0)
                found |= sbr_parse_double(val, strlen(val), &lv) == NULL;
            if (strcmp(g->keys[k], right) == 0)
                found |= (sbr_parse_double(val, strlen(val), &rv) == NULL) << 1;
        }
        if (found != 3)
            return sbr_err_set(err, SBR_EINVAL,
                               "algo %s: where '%s' must compare two numeric grid keys", a->label,
                               a->where);
        *keep = o == 0 ? lv <= rv : o == 1 ? lv >= rv : o == 2 ? lv < rv : lv > rv;
        return SBR_OK;
    }
    return sbr_err_set(err, SBR_EINVAL, "algo %s: where '%s': use KEY<=KEY (or <, >=, >)", a->label,
                       a->where);
}

sbr_rc sbr_exp_expand(const sbr_exp_algo *a, char (**specs)[SBR_EXP_SPEC], size_t *n, sbr_err *err)
{
    *specs = NULL;
    *n = 0;
    grid g;
    sbr_rc rc = parse_grid(a, &g, err);
    if (rc != SBR_OK)
        return rc;
    size_t total = 1;
    for (size_t k = 0; k < g.n_keys; k++)
        total *= g.n_values[k];
    char(*out)[SBR_EXP_SPEC] = calloc(total, SBR_EXP_SPEC);
    if (out == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "algo %s: out of memory", a->label);
    size_t idx[MAX_KEYS] = {0}, kept = 0;
    for (size_t c = 0; c < total; c++) {
        /* Mixed-radix counter: the last key varies fastest. */
        size_t rest = c;
        for (size_t k = g.n_keys; k-- > 0;) {
            idx[k] = rest % g.n_values[k];
            rest /= g.n_values[k];
        }
        bool keep;
        if ((rc = check_where(a, &g, idx, &keep, err)) != SBR_OK) {
            free(out);
            return rc;
        }
        if (!keep)
            continue;
        char *s = out[kept++];
        snprintf(s, SBR_EXP_SPEC, "%s", a->spec);
        for (size_t k = 0; k < g.n_keys; k++) {
            size_t used = strlen(s);
            snprintf(s + used, SBR_EXP_SPEC - used, "%s%s=%s",
                     k == 0 ? (strchr(a->spec, ':') ? "," : ":") : ",", g.keys[k],
                     g.values[k][idx[k]]);
        }
    }
    *specs = out;
    *n = kept;
    return SBR_OK;
}
