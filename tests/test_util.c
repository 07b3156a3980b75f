#include "test_util.h"

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/load.h"
#include "data/parse.h"
#include "data/rng.h"
#include "data/vocab.h"
#include "data/table.h"

enum { SLOTS = 16, PATH_BYTES = 4096 };

static char *slot(void)
{
    static char paths[SLOTS][PATH_BYTES];
    static unsigned next;
    return paths[next++ % SLOTS];
}

const char *test_tmpdir(void)
{
    static char dir[PATH_BYTES];
    if (dir[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/sbr-test-XXXXXX", base && *base ? base : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            abort();
        }
    }
    return dir;
}

const char *test_write_file(const char *name, const void *bytes, size_t len, bool gz)
{
    char *path = slot();
    if (snprintf(path, PATH_BYTES, "%s/%s", test_tmpdir(), name) >= PATH_BYTES)
        abort();
    gzFile f = gzopen(path, gz ? "wb" : "wbT");
    if (f == NULL || (len > 0 && gzwrite(f, bytes, (unsigned)len) != (int)len) ||
        gzclose(f) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    return path;
}

const char *test_write_text(const char *name, const char *text)
{
    return test_write_file(name, text, strlen(text), false);
}

char *test_read_file(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    int got;
    while (buf != NULL && (got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (grown == NULL)
                free(buf);
            buf = grown;
        }
    }
    gzclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        if (len != NULL)
            *len = n;
    }
    return buf;
}

char *test_read_tmp(const char *name)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name) >= (int)sizeof path)
        return NULL;
    return test_read_file(path, NULL);
}

size_t test_split_csv(char *line, char **field, size_t max)
{
    size_t k = 0;
    for (char *c = line; k < max; c++) {
        field[k++] = c;
        if (k == max || (c = strchr(c, ',')) == NULL)
            break;
        *c = '\0';
    }
    return k;
}

const char *test_data_dir(void)
{
    static char dir[PATH_BYTES];
    const char *env = getenv("SBR_DATA");
    if (env != NULL && *env != '\0')
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "%s/../../../shared/data", SBR_FIXTURES);
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

const char *test_data_path(const char *rel)
{
    char *path = slot();
    const char *dir = test_data_dir();
    if (snprintf(path, PATH_BYTES, "%s/%s", dir ? dir : "(no data dir)", rel) >= PATH_BYTES)
        abort();
    return path;
}

bool test_same_rows(const sbr_dataset *a, const sbr_dataset *b)
{
    if (a->n_clicks != b->n_clicks || (a->rows == NULL) != (b->rows == NULL))
        return false;
    return a->rows == NULL || memcmp(a->rows, b->rows, a->n_clicks * sizeof *a->rows) == 0;
}

bool test_same_session_ids(const sbr_dataset *a, const sbr_dataset *b)
{
    if (a->n_sessions != b->n_sessions || (a->session_ids == NULL) != (b->session_ids == NULL) ||
        a->n_id_runs != b->n_id_runs)
        return false;
    for (size_t s = 0; s < a->n_sessions; s++)
        if (sbr_dataset_session_id(a, s) != sbr_dataset_session_id(b, s))
            return false;
    return true;
}

int test_load_rsc15(sbr_dataset **train, sbr_dataset **test)
{
    sbr_load_options opt;
    sbr_load_options_init(&opt);
    sbr_err e;
    *train = *test = NULL;
    if (sbr_load_sessions(test_data_path("rsc15-100k/train_full.tsv.gz"), &opt, train, NULL, &e) !=
            SBR_OK ||
        sbr_load_sessions(test_data_path("rsc15-100k/test.tsv.gz"), &opt, test, NULL, &e) !=
            SBR_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    return 0;
}

typedef struct saved_lists {
    test_saved_row *rows;
    size_t n, cap;
} saved_lists;

/* Splits a comma list into up to 64 numbers (ids or scores); 0 on a bad number. */
static size_t split_list(const char *s, size_t len, uint64_t *ids, double *scores)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n < 64; i++) {
        if (i == len || s[i] == ',') {
            if (ids != NULL && sbr_parse_u64(s + start, i - start, &ids[n]) != NULL)
                return 0;
            if (scores != NULL && sbr_parse_double(s + start, i - start, &scores[n]) != NULL)
                return 0;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static sbr_rc read_saved_row(void *user, const sbr_row *row, sbr_err *err)
{
    saved_lists *sv = user;
    if (row->index == 0)
        return SBR_OK;
    if (row->n_fields != 4)
        return sbr_err_set(err, SBR_EPARSE, "saved list: line %llu has %zu fields",
                           (unsigned long long)row->line, row->n_fields);
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? 2 * sv->cap : 512;
        test_saved_row *rows = realloc(sv->rows, cap * sizeof *rows);
        if (rows == NULL)
            return sbr_err_set(err, SBR_ENOMEM, "saved list: out of memory");
        sv->rows = rows;
        sv->cap = cap;
    }
    test_saved_row *r = &sv->rows[sv->n++];
    uint64_t pos;
    if (sbr_parse_u64(row->fields[0], row->lens[0], &r->session) != NULL ||
        sbr_parse_u64(row->fields[1], row->lens[1], &pos) != NULL)
        return sbr_err_set(err, SBR_EPARSE, "saved list: bad line %llu",
                           (unsigned long long)row->line);
    r->position = (size_t)pos;
    r->n = split_list(row->fields[2], row->lens[2], r->items, NULL);
    size_t n_scores = split_list(row->fields[3], row->lens[3], NULL, r->scores);
    if (r->n == 0 || n_scores != r->n)
        return sbr_err_set(err, SBR_EPARSE, "saved list: line %llu: bad lists",
                           (unsigned long long)row->line);
    return SBR_OK;
}

sbr_rc test_read_saved_lists(const char *path, test_saved_row **rows, size_t *n, sbr_err *err)
{
    saved_lists sv = {NULL, 0, 0};
    sbr_table_options topt;
    sbr_table_options_init(&topt);
    topt.delimiter = ';';
    sbr_rc rc = sbr_table_read(path, &topt, read_saved_row, &sv, NULL, err);
    if (rc != SBR_OK) {
        free(sv.rows);
        sv.rows = NULL;
        sv.n = 0;
    }
    *rows = sv.rows;
    *n = sv.n;
    return rc;
}

sbr_model *test_fit(const char *spec, const sbr_dataset *train)
{
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e = {SBR_OK, ""};
    sbr_model *m = NULL;
    sbr_rc rc = sbr_spec_parse(&sp, spec, &e);
    if (rc == SBR_OK)
        rc = sbr_algo_fit(sp.algo, sp.config, train, &m, &e);
    sbr_spec_fini(&sp);
    if (rc != SBR_OK)
        fprintf(stderr, "\n  %s: %s\n", spec, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, SBR_OK);
    return m;
}

static const char *const variants[] = {
    "vmis:m=1000,k=500,last_items=1000",
    "vmis:compat=serenade,last_items=1000",
    "vsknn:ties=session_rec",
    "vsknn:sampling=random",
    "sknn:ties=session_rec",
    "sknn:sampling=random",
    "sknn:similarity=cosine,remind=1",
    "stan:sample_size=50",
    "vstan:sample_size=50",
    "iknn:n_sims=5",
    "sscf:k=5",
    "pop:top_n=7",
    "stamp:variant=stmp,select=none",
    "stamp:add_ms=0,max_norm=0,dim=16",
    "gru4rec:loss=bpr-max,input=onehot,n_layers=2,layers=16,momentum=0.2,dropout_embed=0.2,"
    "dropout_hidden=0.3,epochs=2,n_sample=64",
    "gru4rec:input=separate,embedding=12,layers=16,logq=1,n_sample=10,epochs=2",
    "gru4rec:loss=top1-max,final_act=tanh,layers=8,n_sample=0,epochs=2",
};

/* Algorithms whose default fit takes too long for suites that fit every algorithm several
 * times (30 epochs of mini-batches of 100), and whose default model file (150,000 weights at
 * dim 100) makes the corrupt-payload test load megabytes 40,000 times: fewer epochs and
 * smaller sizes instead. */
static const char *const light[] = {"srgnn:epochs=2,dim=16", "narm:epochs=2,dim=8,hidden=16",
                                    "gru4rec:epochs=2,layers=16,n_sample=64", NULL};

const char *test_algo_spec(const char *name)
{
    size_t len = strlen(name);
    for (size_t k = 0; light[k] != NULL; k++)
        if (strncmp(light[k], name, len) == 0 && light[k][len] == ':')
            return light[k];
    return name;
}

size_t test_algo_specs(const char **specs, size_t cap)
{
    size_t n_algos, n = 0;
    const sbr_algo *const *all = sbr_algo_list(&n_algos);
    for (size_t i = 0; i < n_algos && n < cap; i++)
        specs[n++] = test_algo_spec(all[i]->name);
    for (size_t i = 0; i < sizeof variants / sizeof variants[0] && n < cap; i++)
        specs[n++] = variants[i];
    return n;
}

sbr_dataset *test_successor_sessions(uint32_t seed, size_t n_sessions, size_t max_len)
{
    gsl_rng *r = sbr_rng_new(seed);
    sbr_click *c = malloc(n_sessions * max_len * sizeof *c);
    CU_ASSERT_FATAL(r != NULL && c != NULL);
    size_t n = 0;
    for (uint64_t s = 1; s <= n_sessions; s++) {
        uint64_t item = gsl_rng_uniform_int(r, 60), len = 2 + gsl_rng_uniform_int(r, max_len - 1);
        for (uint64_t k = 0; k < len; k++, n++) {
            c[n] = (sbr_click){s, 1 + item, (double)(s * 100 + k), n};
            item = (item * 7 + 3) % 60;
        }
    }
    gsl_rng_free(r);
    sbr_dataset *ds = NULL;
    sbr_err e;
    CU_ASSERT_EQUAL_FATAL(sbr_dataset_from_clicks(c, n, &ds, &e), SBR_OK);
    free(c);
    return ds;
}

char *test_fit_and_save(const char *spec, const sbr_dataset *ds, int threads, size_t *len,
                        char *path, size_t path_size)
{
    int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    sbr_spec sp = SBR_SPEC_EMPTY;
    sbr_err e;
    sbr_vocab v;
    CU_ASSERT_EQUAL_FATAL(sbr_vocab_from_dataset(ds, &v, &e), SBR_OK);
    CU_ASSERT_EQUAL_FATAL(sbr_spec_parse(&sp, spec, &e), SBR_OK);
    sbr_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(sbr_algo_fit(sp.algo, sp.config, ds, &m, &e), SBR_OK);
    omp_set_num_threads(before);
    snprintf(path, path_size, "%s/%s-%d.sbrm", test_tmpdir(), sp.algo->name, threads);
    CU_ASSERT_EQUAL_FATAL(sbr_model_save(m, &sp, &v, path, &e), SBR_OK);
    char *bytes = test_read_file(path, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    m->algo->free(m);
    sbr_spec_fini(&sp);
    sbr_vocab_fini(&v);
    return bytes;
}
