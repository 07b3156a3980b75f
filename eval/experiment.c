#include "eval/experiment.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/parse.h"
#include "data/synth.h"

typedef enum section_kind { SEC_NONE, SEC_RUN, SEC_TUNE, SEC_DATASET, SEC_ALGO } section_kind;

enum { MAX_SECTION_KEYS = 16 };

/* The parse state: the section being read, the keys it has had, and the first error. */
typedef struct parser {
    sbr_experiment *x;
    int line;                 /* the line being read (1-based) */
    section_kind kind;        /* of the current section; SEC_NONE before the first */
    sbr_exp_dataset *dataset; /* SEC_DATASET */
    sbr_exp_algo *algo;       /* SEC_ALGO */
    int run_line;             /* where [run] was, 0 before */
    int tune_line;            /* where [tune] was, 0 before */
    int dataset_line[SBR_EXP_MAX_DATASETS], algo_line[SBR_EXP_MAX_ALGOS];
    const char *keys[MAX_SECTION_KEYS]; /* the current section's keys (static names) */
    int key_line[MAX_SECTION_KEYS];
    size_t n_keys;
    char prev_name[32]; /* the last key, which an indented line continues; "" for none */
    char why[SBR_ERR_MSG_SIZE - 64];
} parser;

/* The length of the $SBR_DATA / ${SBR_DATA} reference at p, 0 when there is none. */
static size_t data_reference(const char *p)
{
    return strncmp(p, "${SBR_DATA}", 11) == 0 ? 11 : strncmp(p, "$SBR_DATA", 9) == 0 ? 9 : 0;
}

/* Writes value with $SBR_DATA / ${SBR_DATA} replaced into out (when not NULL) and returns the
 * length of the result; SIZE_MAX when value refers to SBR_DATA and it is unset or empty. */
static size_t expand(const char *value, char *out)
{
    const char *data = getenv("SBR_DATA");
    if (data == NULL)
        data = "";
    size_t n = 0, k = strlen(data);
    for (const char *p = value; *p;) {
        size_t skip = data_reference(p);
        if (skip > 0 && k == 0)
            return SIZE_MAX;
        if (skip > 0) {
            if (out != NULL)
                memcpy(out + n, data, k);
            n += k;
            p += skip;
        } else {
            if (out != NULL)
                out[n] = *p;
            n++;
            p++;
        }
    }
    if (out != NULL)
        out[n] = '\0';
    return n;
}

static int fail(parser *ps, const char *fmt, const char *a, const char *b)
{
    snprintf(ps->why, sizeof ps->why, fmt, a, b);
    return 0;
}

/* A key given once per section: false (the error set) when `key` (file and files count as
 * one) was given before in this section. */
static bool first_time(parser *ps, const char *name)
{
    static const char *const known[] = {
        "output",     "threads", "seed",  "cutoffs",       "latency",  "per_session",
        "algorithms", "train",   "test",  "file",          "synth",    "split",
        "optional",   "spec",    "grid",  "where",         "datasets", "trials",
        "method",     "valid",   "algos", "synthetic_time"};
    const char *key = strcmp(name, "files") == 0 ? "file" : name;
    const char *stored = NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0] && stored == NULL; i++)
        if (strcmp(known[i], key) == 0)
            stored = known[i];
    if (stored == NULL)
        return true; /* an unknown key: the section's own check names it */
    for (size_t i = 0; i < ps->n_keys; i++)
        if (strcmp(ps->keys[i], stored) == 0) {
            char first[32];
            snprintf(first, sizeof first, "%d", ps->key_line[i]);
            snprintf(ps->why, sizeof ps->why,
                     "%s repeats %s of line %s (each key is given once per section; continue a "
                     "file list on an indented line)",
                     name, strcmp(stored, "file") == 0 ? "file/files" : stored, first);
            return false;
        }
    if (ps->n_keys < MAX_SECTION_KEYS) {
        ps->keys[ps->n_keys] = stored;
        ps->key_line[ps->n_keys++] = ps->line;
    }
    return true;
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

/* A "[section]" line: records the section (checking its name) before any of its keys. */
static int on_section(parser *ps, const char *section)
{
    sbr_experiment *x = ps->x;
    ps->kind = SEC_NONE;
    ps->dataset = NULL;
    ps->algo = NULL;
    ps->n_keys = 0;
    ps->prev_name[0] = '\0';
    char line[32];
    bool is_run = strcmp(section, "run") == 0;
    if (is_run || strcmp(section, "tune") == 0) { /* a section given once, without a name */
        int *seen = is_run ? &ps->run_line : &ps->tune_line;
        if (*seen != 0) {
            snprintf(line, sizeof line, "%d", *seen);
            return fail(ps, "[%s] repeats the section of line %s", section, line);
        }
        *seen = ps->line;
        ps->kind = is_run ? SEC_RUN : SEC_TUNE;
        return 1;
    }
    bool is_dataset = strncmp(section, "dataset ", 8) == 0;
    bool is_algo = strncmp(section, "algo ", 5) == 0;
    if (!is_dataset && !is_algo)
        return fail(ps, "unknown section [%s] (use [run], [tune], [dataset NAME], [algo LABEL])%s",
                    section, "");
    const char *name = section + (is_dataset ? 8 : 5);
    if (strlen(name) >= sizeof x->datasets[0].name)
        return fail(ps, "[%s]: the name is longer than 63 bytes%s", section, "");
    size_t n = is_dataset ? x->n_datasets : x->n_algos;
    for (size_t i = 0; i < n; i++)
        if (strcmp(is_dataset ? x->datasets[i].name : x->algos[i].label, name) == 0) {
            snprintf(line, sizeof line, "%d", is_dataset ? ps->dataset_line[i] : ps->algo_line[i]);
            return fail(ps, "[%s] repeats the section of line %s", section, line);
        }
    if (is_dataset) {
        if (n == SBR_EXP_MAX_DATASETS)
            return fail(ps, "[%s]: more than 32 [dataset] sections%s", section, "");
        ps->dataset = &x->datasets[x->n_datasets];
        ps->dataset_line[x->n_datasets++] = ps->line;
        strcpy(ps->dataset->name, name);
        ps->kind = SEC_DATASET;
    } else {
        if (n == SBR_EXP_MAX_ALGOS)
            return fail(ps, "[%s]: more than 64 [algo] sections%s", section, "");
        ps->algo = &x->algos[x->n_algos];
        ps->algo_line[x->n_algos++] = ps->line;
        strcpy(ps->algo->label, name);
        ps->kind = SEC_ALGO;
    }
    return 1;
}

/* Adds the paths of v (separated by spaces or tabs) to d's file list. */
static int add_files(parser *ps, sbr_exp_dataset *d, char *v)
{
    char *save = NULL;
    for (char *p = strtok_r(v, " \t", &save); p != NULL; p = strtok_r(NULL, " \t", &save)) {
        if (d->n_files == SBR_EXP_MAX_FILES)
            return fail(ps, "dataset %s: more than 16 files ('%s')", d->name, p);
        if (!copy_text(d->files[d->n_files++], SBR_EXP_PATH, p))
            return fail(ps, "dataset %s: the path '%.60s...' is longer than 1023 bytes", d->name,
                        p);
    }
    return 1;
}

/* One key = value line of the current section (continued: an indented line that continues
 * the previous key's value). v is the value with $SBR_DATA expanded (modifiable). */
static int on_value(parser *ps, const char *name, char *v, bool continued)
{
    sbr_experiment *x = ps->x;
    if (ps->kind == SEC_NONE)
        return fail(ps,
                    "%s = '%s': a key outside any section (start with [run], [dataset NAME] or "
                    "[algo LABEL])",
                    name, v);
    if (continued) {
        if (ps->kind == SEC_DATASET && (strcmp(name, "file") == 0 || strcmp(name, "files") == 0))
            return add_files(ps, ps->dataset, v);
        return fail(ps,
                    "the indented line '%s' continues %s: only file and files lists may "
                    "continue on the next line",
                    v, name);
    }
    if (!first_time(ps, name))
        return 0;
    long n;
    if (ps->kind == SEC_RUN) {
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
        else if (strcmp(name, "per_session") == 0 && is_true(v, &x->per_session))
            ;
        else if (strcmp(name, "algorithms") == 0 &&
                 (strcmp(v, "registry") == 0 || strcmp(v, "listed") == 0))
            x->every_algorithm = strcmp(v, "registry") == 0;
        else
            return fail(ps,
                        "[run] %s = '%s': unknown key or bad value (output, threads, seed, "
                        "cutoffs, latency, per_session, algorithms = listed|registry)",
                        name, v);
        return 1;
    }
    if (ps->kind == SEC_TUNE) {
        sbr_exp_tune *t = &x->tune;
        double share;
        if (strcmp(name, "trials") == 0 && sbr_parse_long(v, 0, 100000, &n) == NULL)
            t->trials = (size_t)n;
        else if (strcmp(name, "method") == 0 && (strcmp(v, "tpe") == 0 || strcmp(v, "random") == 0))
            t->tpe = strcmp(v, "tpe") == 0;
        else if (strcmp(name, "valid") == 0 && sbr_parse_double(v, strlen(v), &share) == NULL &&
                 share > 0 && share < 1)
            t->valid = share;
        else if (strcmp(name, "algos") == 0 && copy_text(t->algos, sizeof t->algos, v))
            ;
        else if (strcmp(name, "datasets") == 0 && copy_text(t->datasets, sizeof t->datasets, v))
            ;
        else
            return fail(ps,
                        "[tune] %s = '%s': unknown key or bad value (trials = 0..100000, method = "
                        "tpe|random, valid = a share in (0, 1), algos, datasets)",
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
            return add_files(ps, d, v);
        } else if (strcmp(name, "synth") == 0 && copy_text(d->synth, sizeof d->synth, v)) {
            sbr_synth_options so;
            sbr_err why = {SBR_OK, ""};
            if (sbr_synth_options_parse(v, &so, &why) != SBR_OK)
                return fail(ps, "%s%s", why.msg, "");
        } else if (strcmp(name, "split") == 0) {
            if (!parse_split(v, d))
                return fail(ps,
                            "split = '%s': use 'last-days N', 'windows TRAIN TEST SLICES "
                            "OFFSET SHIFT' or 'preset NAME'%s",
                            v, "");
        } else if (strcmp(name, "optional") == 0 && is_true(v, &d->optional))
            ;
        else if (strcmp(name, "synthetic_time") == 0 && is_true(v, &d->synthetic_time))
            ;
        else
            return fail(ps,
                        "[dataset] %s = '%s': unknown key or bad value (train, test, file, "
                        "files, synth, split, optional, synthetic_time)",
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
    else if (strcmp(name, "datasets") == 0 && copy_text(a->datasets, sizeof a->datasets, v))
        ;
    else
        return fail(ps, "[algo] %s: unknown key or value too long (spec, grid, where, datasets)%s",
                    name, "");
    return 1;
}

/* ---- reading the file: the INI dialect libinih reads, without its limits ------------------ */

static char *rstrip(char *s)
{
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static char *lskip(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

/* The first of `chars` in s, or an inline comment (';' after whitespace), or the end. */
static char *find_chars_or_comment(char *s, const char *chars)
{
    bool was_space = false;
    while (*s && (chars == NULL || strchr(chars, *s) == NULL) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* Reads one line (without its newline) into buf (SBR_EXP_MAX_LINE + 1 bytes). Returns 1, 0 at
 * the end of the file, -1 for a line that is too long and -2 for a NUL byte. */
static int read_line(FILE *f, char *buf)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (c == '\0')
            return -2;
        if (n == SBR_EXP_MAX_LINE)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return c == EOF && n == 0 ? 0 : 1;
}

/* Whether key `name` holds paths (one, or a list for file/files). */
static bool is_path_key(const parser *ps, const char *name)
{
    if (ps->kind == SEC_RUN)
        return strcmp(name, "output") == 0;
    return ps->kind == SEC_DATASET && (strcmp(name, "train") == 0 || strcmp(name, "test") == 0 ||
                                       strcmp(name, "file") == 0 || strcmp(name, "files") == 0);
}

/* value with every relative path (separated by spaces or tabs) that does not start with
 * $SBR_DATA prefixed by the experiment file's folder, malloc'ed; NULL when out of memory. */
static char *relative_to_file(const parser *ps, const char *value)
{
    const char *slash = strrchr(ps->x->path, '/');
    size_t dir = slash != NULL ? (size_t)(slash - ps->x->path) + 1 : 0, words = 1;
    for (const char *p = value; *p; p++)
        words += *p == ' ' || *p == '\t';
    char *out = malloc(strlen(value) + words * dir + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    for (const char *p = value; *p;) {
        bool word_start = p == value || p[-1] == ' ' || p[-1] == '\t';
        if (word_start && *p != ' ' && *p != '\t' && *p != '/' && data_reference(p) == 0) {
            memcpy(out + n, ps->x->path, dir);
            n += dir;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

/* Resolves relative paths, expands $SBR_DATA and passes the value to on_value. */
static int handle(parser *ps, const char *name, const char *value, bool continued)
{
    char *resolved = is_path_key(ps, name) ? relative_to_file(ps, value) : NULL;
    if (is_path_key(ps, name) && resolved == NULL)
        return fail(ps, "out of memory%s%s", "", "");
    const char *text = resolved != NULL ? resolved : value;
    size_t len = expand(text, NULL);
    if (len == SIZE_MAX) {
        free(resolved);
        return fail(ps,
                    "%s = '%s' uses $SBR_DATA, which is not set: export SBR_DATA=/path/to/datasets "
                    "(the folder holding rsc15-100k/ and the others; make sets it to "
                    "../shared/data)",
                    name, value);
    }
    char *v = malloc(len + 1);
    int ok = 0;
    if (v == NULL)
        fail(ps, "out of memory%s%s", "", "");
    else {
        expand(text, v);
        ok = on_value(ps, name, v, continued);
    }
    free(v);
    free(resolved);
    return ok;
}

/* One line, as libinih reads it: comments start with ';' or '#', an inline comment with ';'
 * after whitespace; "[section]"; "name = value" (or "name: value"); an indented line continues
 * the previous key. Returns 0 with ps->why set on an error. */
static int parse_line(parser *ps, char *line)
{
    char *start = line;
    if (ps->line == 1 && (unsigned char)start[0] == 0xEF && (unsigned char)start[1] == 0xBB &&
        (unsigned char)start[2] == 0xBF)
        start += 3;
    char *text = start;
    start = lskip(rstrip(start));
    if (*start == '\0' || *start == ';' || *start == '#')
        return 1;
    if (ps->prev_name[0] != '\0' && start > text) {
        char *end = find_chars_or_comment(start, NULL);
        *end = '\0';
        rstrip(start);
        return handle(ps, ps->prev_name, start, true);
    }
    if (*start == '[') {
        char *end = find_chars_or_comment(start + 1, "]");
        if (*end != ']')
            return fail(ps, "'%s': a section header needs its ']'%s", start, "");
        *end = '\0';
        char *rest = lskip(end + 1);
        if (*rest != '\0' && *rest != ';' && *rest != '#')
            return fail(ps, "'%s' after [%s]: expected nothing after the ']'", rest, start + 1);
        return on_section(ps, start + 1);
    }
    char *end = find_chars_or_comment(start, "=:");
    if (*end != '=' && *end != ':')
        return fail(ps, "'%s': not an INI line (expected [section] or key = value)", start, "");
    *end = '\0';
    char *name = rstrip(start), *value = end + 1;
    end = find_chars_or_comment(value, NULL);
    *end = '\0';
    value = rstrip(lskip(value));
    if (strlen(name) >= sizeof ps->prev_name)
        return fail(ps, "'%s': unknown key%s", name, "");
    strcpy(ps->prev_name, name);
    return handle(ps, name, value, false);
}

/* Reads the file line by line; stops at the first error. Returns 0, -1 when the file cannot be
 * opened, or the line of the first error (ps->why says what). */
static int parse_file(const char *path, parser *ps)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *buf = malloc((size_t)SBR_EXP_MAX_LINE + 1);
    if (buf == NULL) {
        fclose(f);
        ps->line = 1;
        fail(ps, "out of memory%s%s", "", "");
        return 1;
    }
    int bad = 0;
    for (;;) {
        ps->line++;
        int got = read_line(f, buf);
        if (got == 0)
            break;
        if (got == -1) {
            snprintf(ps->why, sizeof ps->why, "the line is longer than %d bytes", SBR_EXP_MAX_LINE);
            bad = ps->line;
            break;
        }
        if (got == -2) {
            snprintf(ps->why, sizeof ps->why, "a NUL byte (not a text file)");
            bad = ps->line;
            break;
        }
        if (!parse_line(ps, buf)) {
            bad = ps->line;
            break;
        }
    }
    if (bad == 0 && ferror(f)) {
        snprintf(ps->why, sizeof ps->why, "read error");
        bad = ps->line;
    }
    free(buf);
    fclose(f);
    return bad;
}

/* Every name of [tune] algos is an [algo] label and every name of datasets a [dataset]. */
static sbr_rc check_tune_names(const sbr_experiment *x, sbr_err *err)
{
    for (int list = 0; list < 2; list++) {
        char names[512];
        snprintf(names, sizeof names, "%s", list == 0 ? x->tune.algos : x->tune.datasets);
        char *save = NULL;
        for (char *p = strtok_r(names, " \t", &save); p != NULL; p = strtok_r(NULL, " \t", &save)) {
            bool known = false;
            size_t n = list == 0 ? x->n_algos : x->n_datasets;
            for (size_t k = 0; k < n && !known; k++)
                known = strcmp(list == 0 ? x->algos[k].label : x->datasets[k].name, p) == 0;
            if (!known)
                return sbr_err_set(err, SBR_EINVAL, "%s: [tune] %s: no [%s %s]", x->path,
                                   list == 0 ? "algos" : "datasets", list == 0 ? "algo" : "dataset",
                                   p);
        }
    }
    return SBR_OK;
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
    x->tune.tpe = true;
    x->tune.valid = 0.1;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.x = x;
    int line = parse_file(path, &ps);
    if (line == -1)
        return sbr_err_set(err, SBR_EIO, "%s: cannot open", path);
    if (line != 0)
        return sbr_err_set(err, SBR_EPARSE, "%s:%d: %s", path, line, ps.why);
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
        if (d->synthetic_time && d->split != SBR_EXP_GIVEN)
            return sbr_err_set(err, SBR_EINVAL,
                               "%s: dataset %s: a split by days needs real time, and its time is "
                               "synthetic (synthetic_time = yes): give train and test",
                               path, d->name);
        if (d->split == SBR_EXP_WINDOWS && d->n_files > 1 && !d->joined)
            return sbr_err_set(err, SBR_EINVAL,
                               "%s: dataset %s: windows cut one dataset: use `file = A B` to "
                               "join files",
                               path, d->name);
    }
    for (size_t i = 0; i < x->n_algos; i++) { /* every `datasets` name is a [dataset] */
        const char *p = x->algos[i].datasets;
        while (*p != '\0') {
            size_t n = strcspn(p, " \t");
            bool known = false;
            for (size_t k = 0; k < x->n_datasets && !known && n > 0; k++)
                known = strlen(x->datasets[k].name) == n && strncmp(x->datasets[k].name, p, n) == 0;
            if (n > 0 && !known)
                return sbr_err_set(err, SBR_EINVAL, "%s: [algo %s] datasets: no [dataset %.*s]",
                                   path, x->algos[i].label, (int)n, p);
            p += n;
            p += strspn(p, " \t");
        }
    }
    if (x->every_algorithm) {
        sbr_rc rc = add_unlisted_algorithms(x, err);
        if (rc != SBR_OK)
            return rc;
    }
    sbr_rc named = check_tune_names(x, err);
    if (named != SBR_OK)
        return named;
    size_t combinations = 0;
    for (size_t i = 0; i < x->n_algos; i++) {
        sbr_exp_grid g;
        sbr_rc rc = sbr_exp_grid_parse(&x->algos[i], &g, err);
        if (rc != SBR_OK)
            return rc;
        combinations += g.combinations;
    }
    if (combinations > SBR_EXP_MAX_COMBINATIONS)
        return sbr_err_set(err, SBR_EINVAL,
                           "%s: the grids have %zu combinations in all, more than the %d allowed",
                           path, combinations, SBR_EXP_MAX_COMBINATIONS);
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

static char *trim_spaces(char *s)
{
    while (*s == ' ')
        s++;
    char *e = s + strlen(s);
    while (e > s && e[-1] == ' ')
        *--e = '\0';
    return s;
}

sbr_rc sbr_exp_grid_parse(const sbr_exp_algo *a, sbr_exp_grid *g, sbr_err *err)
{
    memset(g, 0, sizeof *g);
    g->combinations = 1;
    if (!copy_text(g->text, sizeof g->text, a->grid))
        return sbr_err_set(err, SBR_EINVAL, "algo %s: grid is longer than %zu bytes", a->label,
                           sizeof g->text - 1);
    char *save = NULL;
    for (char *part = strtok_r(g->text, ";", &save); part != NULL;
         part = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(part, '=');
        if (eq == NULL || g->n_keys == SBR_EXP_GRID_KEYS)
            return sbr_err_set(err, SBR_EINVAL,
                               "algo %s: grid '%s': expected key=v|v|v; ... (at most %d keys)",
                               a->label, a->grid, SBR_EXP_GRID_KEYS);
        *eq = '\0';
        size_t k = g->n_keys++;
        g->keys[k] = trim_spaces(part);
        if (*g->keys[k] == '\0')
            return sbr_err_set(err, SBR_EINVAL, "algo %s: grid '%s': a key has no name", a->label,
                               a->grid);
        for (size_t j = 0; j < k; j++)
            if (strcmp(g->keys[j], g->keys[k]) == 0)
                return sbr_err_set(err, SBR_EINVAL,
                                   "algo %s: grid key %s is given twice (list all its values "
                                   "once: %s=a|b)",
                                   a->label, g->keys[k], g->keys[k]);
        char *vs = NULL;
        for (char *v = strtok_r(eq + 1, "|", &vs); v != NULL; v = strtok_r(NULL, "|", &vs)) {
            v = trim_spaces(v);
            if (g->n_values[k] == SBR_EXP_GRID_VALUES || *v == '\0')
                return sbr_err_set(err, SBR_EINVAL, "algo %s: grid key %s: 1 to %d values",
                                   a->label, g->keys[k], SBR_EXP_GRID_VALUES);
            g->values[k][g->n_values[k]++] = v;
        }
        if (g->n_values[k] == 0)
            return sbr_err_set(err, SBR_EINVAL, "algo %s: grid key %s has no values", a->label,
                               g->keys[k]);
        g->combinations *= g->n_values[k]; /* at most 32^8: no overflow */
    }
    return SBR_OK;
}

/* where "A<=B" (also <, >=, >) over the grid's numeric values; true when absent. */
static sbr_rc check_where(const sbr_exp_algo *a, const sbr_exp_grid *g, const size_t *idx,
                          bool *keep, sbr_err *err)
{
    *keep = true;
    if (a->where[0] == '\0')
        return SBR_OK;
    static const char *const ops[] = {"<=", ">=", "<", ">"};
    for (int o = 0; o < 4; o++) {
        const char *at = strstr(a->where, ops[o]);
        if (at == NULL)
            continue;
        char left[sizeof a->where], right[sizeof a->where];
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
    sbr_exp_grid g;
    sbr_rc rc = sbr_exp_grid_parse(a, &g, err);
    if (rc != SBR_OK)
        return rc;
    size_t total = g.combinations;
    if (total > SBR_EXP_MAX_COMBINATIONS)
        return sbr_err_set(err, SBR_EINVAL,
                           "algo %s: the grid has %zu combinations, more than the %d allowed",
                           a->label, total, SBR_EXP_MAX_COMBINATIONS);
    char(*out)[SBR_EXP_SPEC] = calloc(total, SBR_EXP_SPEC);
    if (out == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "algo %s: out of memory", a->label);
    size_t idx[SBR_EXP_GRID_KEYS] = {0}, kept = 0;
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
        size_t used = (size_t)snprintf(s, SBR_EXP_SPEC, "%s", a->spec);
        for (size_t k = 0; k < g.n_keys && used < SBR_EXP_SPEC; k++)
            used += (size_t)snprintf(s + used, SBR_EXP_SPEC - used, "%s%s=%s",
                                     k == 0 ? (strchr(a->spec, ':') ? "," : ":") : ",", g.keys[k],
                                     g.values[k][idx[k]]);
        if (used >= SBR_EXP_SPEC) {
            free(out);
            return sbr_err_set(err, SBR_EINVAL,
                               "algo %s: spec '%s' with its grid values is longer than %d bytes",
                               a->label, a->spec, SBR_EXP_SPEC - 1);
        }
    }
    *specs = out;
    *n = kept;
    return SBR_OK;
}

bool sbr_exp_algo_runs_on(const sbr_exp_algo *a, const char *dataset)
{
    return sbr_exp_list_has(a->datasets, dataset);
}

bool sbr_exp_list_has(const char *list, const char *name)
{
    const char *p = list, *dataset = name;
    if (*p == '\0')
        return true;
    size_t len = strlen(dataset);
    while (*p != '\0') {
        size_t n = strcspn(p, " \t");
        if (n == len && strncmp(p, dataset, n) == 0)
            return true;
        p += n;
        p += strspn(p, " \t");
    }
    return false;
}
