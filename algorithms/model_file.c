#include "algorithms/model_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/output.h"

static const char magic[8] = {'S', 'B', 'R', 'M', 'O', 'D', 'E', 'L'};

struct sbr_model_writer {
    sbr_out *out;
    uLong crc;
};

struct sbr_model_reader {
    const unsigned char *buf; /* the whole file, checksum excluded */
    size_t len, pos;
    const sbr_algo *algo;
    const char *path;
};

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* ---- writing ------------------------------------------------------------------------------- */

void sbr_mw_bytes(sbr_model_writer *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t done = 0; done < n;) { /* crc32 takes a uInt length */
        size_t step = n - done < (1u << 30) ? n - done : (1u << 30);
        w->crc = crc32(w->crc, b + done, (uInt)step);
        done += step;
    }
    sbr_out_write(w->out, p, n);
}

void sbr_mw_u64(sbr_model_writer *w, uint64_t v)
{
    sbr_mw_bytes(w, &v, sizeof v);
}

void sbr_mw_f64(sbr_model_writer *w, double v)
{
    sbr_mw_bytes(w, &v, sizeof v);
}

static void mw_u32(sbr_model_writer *w, uint32_t v)
{
    sbr_mw_bytes(w, &v, sizeof v);
}

static void mw_text(sbr_model_writer *w, const char *s)
{
    size_t n = strlen(s);
    mw_u32(w, (uint32_t)n);
    sbr_mw_bytes(w, s, n);
}

void sbr_mw_array(sbr_model_writer *w, const void *p, size_t count, size_t elem)
{
    sbr_mw_u64(w, count);
    mw_u32(w, (uint32_t)elem);
    if (count > 0)
        sbr_mw_bytes(w, p, count * elem);
}

sbr_rc sbr_model_save(const sbr_model *model, const sbr_spec *spec, const sbr_vocab *vocab,
                      const char *path, sbr_err *err)
{
    const sbr_algo *a = spec->algo;
    if (!little_endian())
        return sbr_err_set(err, SBR_EINTERNAL, "%s: model files need a little-endian machine",
                           path);
    if (a->save == NULL)
        return sbr_err_set(err, SBR_EINTERNAL, "%s: %s cannot save its models", path, a->name);
    if (model->algo != a)
        return sbr_err_set(err, SBR_EINVAL, "%s: model of %s saved with a spec of %s", path,
                           model->algo->name, a->name);
    if (!sbr_vocab_valid(vocab))
        return sbr_err_set(err, SBR_EINVAL, "%s: the vocabulary's item ids do not ascend", path);
    char params[2048];
    sbr_algo_format_params(a, spec->config, params, sizeof params);
    sbr_model_writer w = {NULL, crc32(0L, Z_NULL, 0)};
    sbr_rc rc = sbr_out_open(path, &w.out, err);
    if (rc != SBR_OK)
        return rc;
    sbr_mw_bytes(&w, magic, sizeof magic);
    mw_u32(&w, SBR_MODEL_FORMAT);
    mw_u32(&w, SBR_ALGO_ABI);
    mw_text(&w, a->name);
    mw_text(&w, params);
    sbr_mw_array(&w, vocab->item_ids, vocab->n_items, sizeof *vocab->item_ids);
    sbr_mw_array(&w, vocab->clicks, vocab->n_items, sizeof *vocab->clicks);
    rc = a->save(model, &w, err);
    if (rc != SBR_OK) {
        sbr_out_abort(w.out);
        return rc;
    }
    uint32_t crc = (uint32_t)w.crc;
    sbr_out_write(w.out, &crc, sizeof crc);
    return sbr_out_commit(w.out, err);
}

/* ---- reading ------------------------------------------------------------------------------- */

const sbr_algo *sbr_mr_algo(const sbr_model_reader *r)
{
    return r->algo;
}

sbr_rc sbr_mr_bytes(sbr_model_reader *r, void *p, size_t n, sbr_err *err)
{
    if (n > r->len - r->pos)
        return sbr_err_set(err, SBR_EPARSE,
                           "%s: model file truncated or corrupt (%zu bytes wanted at offset %zu "
                           "of %zu)",
                           r->path, n, r->pos, r->len);
    if (n > 0)
        memcpy(p, r->buf + r->pos, n);
    r->pos += n;
    return SBR_OK;
}

sbr_rc sbr_mr_u64(sbr_model_reader *r, uint64_t *v, sbr_err *err)
{
    return sbr_mr_bytes(r, v, sizeof *v, err);
}

sbr_rc sbr_mr_f64(sbr_model_reader *r, double *v, sbr_err *err)
{
    return sbr_mr_bytes(r, v, sizeof *v, err);
}

sbr_rc sbr_mr_size(sbr_model_reader *r, size_t *v, size_t lo, size_t hi, sbr_err *err)
{
    uint64_t x = 0;
    sbr_rc rc = sbr_mr_u64(r, &x, err);
    if (rc != SBR_OK)
        return rc;
    if (x < lo || x > hi)
        return sbr_err_set(err, SBR_EPARSE, "%s: model value %llu at offset %zu outside %zu..%zu",
                           r->path, (unsigned long long)x, r->pos - sizeof x, lo, hi);
    *v = (size_t)x;
    return SBR_OK;
}

static sbr_rc mr_u32(sbr_model_reader *r, uint32_t *v, sbr_err *err)
{
    return sbr_mr_bytes(r, v, sizeof *v, err);
}

sbr_rc sbr_mr_array(sbr_model_reader *r, void **p, size_t *count, size_t elem, sbr_err *err)
{
    *p = NULL;
    uint64_t n = 0;
    uint32_t size = 0;
    sbr_rc rc = sbr_mr_u64(r, &n, err);
    if (rc == SBR_OK)
        rc = mr_u32(r, &size, err);
    if (rc != SBR_OK)
        return rc;
    if (size != elem)
        return sbr_err_set(err, SBR_EPARSE,
                           "%s: model array at offset %zu has %u-byte elements, expected %zu",
                           r->path, r->pos, size, elem);
    if (n > (r->len - r->pos) / (elem > 0 ? elem : 1))
        return sbr_err_set(err, SBR_EPARSE,
                           "%s: model array of %llu elements at offset %zu runs past the end",
                           r->path, (unsigned long long)n, r->pos);
    *p = sbr_alloc_array((size_t)n, elem);
    if (*p == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", r->path);
    rc = sbr_mr_bytes(r, *p, (size_t)n * elem, err);
    if (rc != SBR_OK) {
        free(*p);
        *p = NULL;
        return rc;
    }
    *count = (size_t)n;
    return SBR_OK;
}

sbr_rc sbr_mr_array_n(sbr_model_reader *r, void **p, size_t count, size_t elem, sbr_err *err)
{
    size_t n = 0;
    sbr_rc rc = sbr_mr_array(r, p, &n, elem, err);
    if (rc == SBR_OK && n != count) {
        free(*p);
        *p = NULL;
        return sbr_err_set(err, SBR_EPARSE, "%s: model array of %zu elements, expected %zu",
                           r->path, n, count);
    }
    return rc;
}

/* A text written by mw_text into buf (NUL-terminated). */
static sbr_rc mr_text(sbr_model_reader *r, char *buf, size_t size, const char *what, sbr_err *err)
{
    uint32_t n = 0;
    sbr_rc rc = mr_u32(r, &n, err);
    if (rc != SBR_OK)
        return rc;
    if (n >= size)
        return sbr_err_set(err, SBR_EPARSE, "%s: %s of %u bytes is too long", r->path, what, n);
    rc = sbr_mr_bytes(r, buf, n, err);
    buf[rc == SBR_OK ? n : 0] = '\0';
    return rc;
}

/* The whole file (decompressed when gzip) into a new block. */
static sbr_rc read_all(const char *path, unsigned char **out, size_t *len, sbr_err *err)
{
    *out = NULL;
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return sbr_err_set(err, SBR_EIO, "%s: cannot open model file", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    sbr_rc rc = buf == NULL ? sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path) : SBR_OK;
    while (rc == SBR_OK) {
        if (n == cap) {
            if (sbr_grow_array(&buf, cap, 2) != SBR_OK) {
                rc = sbr_err_set(err, SBR_ENOMEM, "%s: out of memory", path);
                break;
            }
            cap *= 2;
        }
        size_t want = cap - n < (1u << 30) ? cap - n : (1u << 30);
        int got = gzread(f, buf + n, (unsigned)want);
        if (got < 0)
            rc = sbr_err_set(err, SBR_EPARSE, "%s: corrupt compressed model file", path);
        else if (got == 0)
            break;
        else
            n += (size_t)got;
    }
    int close_rc = gzclose(f);
    if (rc == SBR_OK && close_rc != Z_OK)
        rc = sbr_err_set(err, SBR_EPARSE, "%s: truncated or corrupt compressed model file", path);
    if (rc != SBR_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return SBR_OK;
}

sbr_rc sbr_model_load(const char *path, sbr_spec *spec, sbr_vocab *vocab, sbr_model **out,
                      sbr_err *err)
{
    *out = NULL;
    sbr_spec_fini(spec);
    sbr_vocab v = {0, NULL, NULL};
    if (vocab != NULL)
        sbr_vocab_fini(vocab);
    unsigned char *buf = NULL;
    size_t len = 0;
    sbr_rc rc = read_all(path, &buf, &len, err);
    if (rc != SBR_OK)
        return rc;
    sbr_model_reader r = {buf, 0, 0, NULL, path};
    uint32_t stored_crc;
    if (len < sizeof magic || memcmp(buf, magic, sizeof magic) != 0) {
        rc = sbr_err_set(err, SBR_EPARSE, "%s: not an sbr model file", path);
        goto done;
    }
    if (len < sizeof magic + 3 * sizeof(uint32_t)) {
        rc = sbr_err_set(err, SBR_EPARSE, "%s: model file truncated (%zu bytes)", path, len);
        goto done;
    }
    memcpy(&stored_crc, buf + len - sizeof stored_crc, sizeof stored_crc);
    r.len = len - sizeof stored_crc;
    r.pos = sizeof magic;
    uint32_t format = 0, abi = 0;
    if ((rc = mr_u32(&r, &format, err)) != SBR_OK || (rc = mr_u32(&r, &abi, err)) != SBR_OK)
        goto done;
    if (format != SBR_MODEL_FORMAT || abi != SBR_ALGO_ABI) {
        rc = sbr_err_set(err, SBR_EPARSE,
                         "%s: model file of format %u / interface %u; this sbr reads format %d / "
                         "interface %d (refit and save it again)",
                         path, format, abi, SBR_MODEL_FORMAT, SBR_ALGO_ABI);
        goto done;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t done = 0; done < r.len;) {
        size_t step = r.len - done < (1u << 30) ? r.len - done : (1u << 30);
        crc = crc32(crc, buf + done, (uInt)step);
        done += step;
    }
    if ((uint32_t)crc != stored_crc) {
        rc = sbr_err_set(err, SBR_EPARSE, "%s: checksum mismatch (file corrupt)", path);
        goto done;
    }
    char name[64], params[2048], text[2200];
    if ((rc = mr_text(&r, name, sizeof name, "algorithm name", err)) != SBR_OK ||
        (rc = mr_text(&r, params, sizeof params, "parameter list", err)) != SBR_OK)
        goto done;
    /* "k=100;m=500" -> "name:k=100,m=500", the spec syntax. */
    snprintf(text, sizeof text, "%s%s%s", name, params[0] ? ":" : "", params);
    for (char *c = text; *c; c++)
        if (*c == ';')
            *c = ',';
    if ((rc = sbr_spec_parse(spec, text, err)) != SBR_OK) {
        char why[SBR_ERR_MSG_SIZE];
        snprintf(why, sizeof why, "%s", err != NULL ? err->msg : "");
        rc = sbr_err_set(err, SBR_EPARSE, "%s: model of '%s': %s", path, name, why);
        goto done;
    }
    if ((rc = sbr_mr_array(&r, (void **)&v.item_ids, &v.n_items, sizeof *v.item_ids, err)) !=
            SBR_OK ||
        (rc = sbr_mr_array_n(&r, (void **)&v.clicks, v.n_items, sizeof *v.clicks, err)) != SBR_OK)
        goto done;
    if (!sbr_vocab_valid(&v)) {
        rc = sbr_err_set(err, SBR_EPARSE, "%s: the vocabulary's item ids do not ascend", path);
        goto done;
    }
    r.algo = spec->algo;
    if ((rc = spec->algo->load(spec->config, &r, out, err)) != SBR_OK)
        goto done;
    if (r.pos != r.len) {
        rc = sbr_err_set(err, SBR_EPARSE, "%s: %zu unread bytes after the %s model", path,
                         r.len - r.pos, name);
        spec->algo->free(*out);
        *out = NULL;
    }
done:
    free(buf);
    if (rc != SBR_OK) {
        sbr_spec_fini(spec);
        sbr_vocab_fini(&v);
    } else if (vocab != NULL) {
        *vocab = v;
    } else {
        sbr_vocab_fini(&v);
    }
    return rc;
}
