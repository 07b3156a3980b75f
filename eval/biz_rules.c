#include "eval/biz_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/parse.h"

/* Strips a trailing newline, carriage return and surrounding blanks in place; returns the start. */
static char *trim(char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (*s == ' ' || *s == '\t') {
        s++;
        n--;
    }
    *len = n;
    return s;
}

typedef sbr_rc (*row_fn)(void *user, const char *path, size_t line, char *text, size_t len,
                         sbr_err *err);

/* Calls fn for every line of path that is not blank or a '#' comment. */
static sbr_rc each_line(const char *path, row_fn fn, void *user, sbr_err *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return sbr_err_set(err, SBR_EIO, "%s: cannot open: %s", path, strerror(errno));
    char buf[4096];
    size_t line = 0;
    sbr_rc rc = SBR_OK;
    while (rc == SBR_OK && fgets(buf, sizeof buf, f) != NULL) {
        line++;
        size_t len;
        if (strchr(buf, '\n') == NULL && !feof(f)) {
            rc = sbr_err_set(err, SBR_EPARSE, "%s:%zu: line longer than %zu bytes", path, line,
                             sizeof buf - 2);
            break;
        }
        char *t = trim(buf, &len);
        if (len == 0 || t[0] == '#')
            continue;
        rc = fn(user, path, line, t, len, err);
    }
    if (rc == SBR_OK && ferror(f))
        rc = sbr_err_set(err, SBR_EIO, "%s: read error", path);
    fclose(f);
    return rc;
}

typedef struct list_ctx {
    const sbr_vocab *vocab;
    uint8_t *mark;
    size_t marked, unknown;
} list_ctx;

static sbr_rc parse_id(const char *path, size_t line, const char *t, size_t len, uint64_t *id,
                       sbr_err *err)
{
    const char *why = sbr_parse_u64(t, len, id);
    if (why != NULL) {
        char ex[64];
        return sbr_err_set(err, SBR_EPARSE, "%s:%zu: item id \"%s\" %s", path, line,
                           sbr_excerpt(ex, sizeof ex, t, len), why);
    }
    return SBR_OK;
}

static bool is_header(size_t line, const char *t)
{
    return line == 1 && (strncmp(t, "ItemId", 6) == 0 || strncmp(t, "item", 4) == 0);
}

static sbr_rc list_row(void *user, const char *path, size_t line, char *t, size_t len, sbr_err *err)
{
    list_ctx *c = user;
    if (is_header(line, t))
        return SBR_OK;
    uint64_t id;
    sbr_rc rc = parse_id(path, line, t, len, &id, err);
    if (rc != SBR_OK)
        return rc;
    uint32_t idx;
    if (!sbr_vocab_find(c->vocab, id, &idx)) {
        c->unknown++;
        return SBR_OK;
    }
    if (!c->mark[idx])
        c->marked++;
    c->mark[idx] = 1;
    return SBR_OK;
}

/* Category names get numbers in order of first appearance, through a small hash table. */
typedef struct cat_ctx {
    const sbr_vocab *vocab;
    uint32_t *category;
    size_t unknown;
    char **names;      /* [cap] open addressing, NULL = free */
    uint32_t *numbers; /* [cap] */
    size_t cap, n;
} cat_ctx;

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static sbr_rc cat_number(cat_ctx *c, const char *name, size_t len, uint32_t *out, sbr_err *err)
{
    if (2 * (c->n + 1) > c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 256;
        char **nn = calloc(nc, sizeof *nn);
        uint32_t *nu = calloc(nc, sizeof *nu);
        if (nn == NULL || nu == NULL) {
            free(nn);
            free(nu);
            return sbr_err_set(err, SBR_ENOMEM, "categories: out of memory");
        }
        for (size_t i = 0; i < c->cap; i++) {
            if (c->names[i] == NULL)
                continue;
            size_t j = str_hash(c->names[i], strlen(c->names[i])) & (nc - 1);
            while (nn[j] != NULL)
                j = (j + 1) & (nc - 1);
            nn[j] = c->names[i];
            nu[j] = c->numbers[i];
        }
        free(c->names);
        free(c->numbers);
        c->names = nn;
        c->numbers = nu;
        c->cap = nc;
    }
    size_t j = str_hash(name, len) & (c->cap - 1);
    while (c->names[j] != NULL) {
        if (strlen(c->names[j]) == len && memcmp(c->names[j], name, len) == 0) {
            *out = c->numbers[j];
            return SBR_OK;
        }
        j = (j + 1) & (c->cap - 1);
    }
    c->names[j] = malloc(len + 1);
    if (c->names[j] == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "categories: out of memory");
    memcpy(c->names[j], name, len);
    c->names[j][len] = '\0';
    c->numbers[j] = (uint32_t)c->n++;
    *out = c->numbers[j];
    return SBR_OK;
}

static sbr_rc cat_row(void *user, const char *path, size_t line, char *t, size_t len, sbr_err *err)
{
    cat_ctx *c = user;
    char *tab = memchr(t, '\t', len);
    if (tab == NULL) {
        char ex[64];
        return sbr_err_set(err, SBR_EPARSE, "%s:%zu: \"%s\" is not ItemId<TAB>Category", path, line,
                           sbr_excerpt(ex, sizeof ex, t, len));
    }
    if (is_header(line, t))
        return SBR_OK;
    uint64_t id;
    sbr_rc rc = parse_id(path, line, t, (size_t)(tab - t), &id, err);
    if (rc != SBR_OK)
        return rc;
    const char *name = tab + 1;
    size_t nlen = len - (size_t)(name - t);
    if (nlen == 0)
        return sbr_err_set(err, SBR_EPARSE, "%s:%zu: empty category", path, line);
    uint32_t idx, num = 0;
    if (!sbr_vocab_find(c->vocab, id, &idx)) {
        c->unknown++;
        return SBR_OK;
    }
    if ((rc = cat_number(c, name, nlen, &num, err)) != SBR_OK)
        return rc;
    c->category[idx] = num;
    return SBR_OK;
}

sbr_rc sbr_biz_load(const sbr_vocab *vocab, const char *allow_path, const char *deny_path,
                    const char *category_path, sbr_biz_rules *out, sbr_err *err)
{
    memset(out, 0, sizeof *out);
    out->n_items = vocab->n_items;
    sbr_rc rc = SBR_OK;
    uint8_t *deny = NULL;
    if (allow_path != NULL || deny_path != NULL) {
        out->available = sbr_alloc_array(vocab->n_items, 1);
        deny = sbr_alloc_array(vocab->n_items, 1);
        if (out->available == NULL || deny == NULL) {
            rc = sbr_err_set(err, SBR_ENOMEM, "rules: out of memory");
            goto done;
        }
        memset(out->available, allow_path == NULL, vocab->n_items);
        memset(deny, 0, vocab->n_items);
    }
    if (allow_path != NULL) {
        list_ctx c = {vocab, out->available, 0, 0};
        if ((rc = each_line(allow_path, list_row, &c, err)) != SBR_OK)
            goto done;
        out->allowed = c.marked;
        out->unknown_ids += c.unknown;
    }
    if (deny_path != NULL) {
        list_ctx c = {vocab, deny, 0, 0};
        if ((rc = each_line(deny_path, list_row, &c, err)) != SBR_OK)
            goto done;
        out->denied = c.marked;
        out->unknown_ids += c.unknown;
        for (size_t i = 0; i < vocab->n_items; i++)
            if (deny[i])
                out->available[i] = 0;
    }
    if (category_path != NULL) {
        out->category = sbr_alloc_array(vocab->n_items, sizeof *out->category);
        if (out->category == NULL) {
            rc = sbr_err_set(err, SBR_ENOMEM, "rules: out of memory");
            goto done;
        }
        for (size_t i = 0; i < vocab->n_items; i++)
            out->category[i] = UINT32_MAX;
        cat_ctx c = {vocab, out->category, 0, NULL, NULL, 0, 0};
        rc = each_line(category_path, cat_row, &c, err);
        for (size_t i = 0; i < c.cap; i++)
            free(c.names[i]);
        free(c.names);
        free(c.numbers);
        out->n_categories = c.n;
        out->unknown_ids += c.unknown;
    }
done:
    free(deny);
    if (rc != SBR_OK)
        sbr_biz_fini(out);
    return rc;
}

void sbr_biz_fini(sbr_biz_rules *r)
{
    if (r == NULL)
        return;
    free(r->available);
    free(r->category);
    memset(r, 0, sizeof *r);
}

bool sbr_biz_active(const sbr_biz_rules *r, const sbr_biz_request *q)
{
    return q->exclude_session || (q->available && r->available != NULL) ||
           (q->per_category > 0 && r->category != NULL);
}

size_t sbr_biz_apply(const sbr_biz_rules *r, const sbr_biz_request *q, const uint32_t *session,
                     size_t session_len, const sbr_scored *cand, size_t n_cand, sbr_scored *out,
                     size_t n, uint32_t *cat_seen, uint32_t *cat_count)
{
    size_t kept = 0, n_cats = 0;
    bool avail = q->available && r->available != NULL;
    bool per_cat = q->per_category > 0 && r->category != NULL;
    for (size_t i = 0; i < n_cand && kept < n; i++) {
        uint32_t it = cand[i].item;
        if (it >= r->n_items)
            continue;
        if (avail && !r->available[it])
            continue;
        if (q->exclude_session) {
            bool in = false;
            for (size_t s = 0; s < session_len && !in; s++)
                in = session[s] == it;
            if (in)
                continue;
        }
        if (per_cat && r->category[it] != UINT32_MAX) {
            uint32_t c = r->category[it];
            size_t j = 0;
            while (j < n_cats && cat_seen[j] != c)
                j++;
            if (j == n_cats) {
                cat_seen[n_cats] = c;
                cat_count[n_cats++] = 0;
            }
            if (cat_count[j] >= q->per_category)
                continue;
            cat_count[j]++;
        }
        out[kept++] = cand[i];
    }
    return kept;
}
