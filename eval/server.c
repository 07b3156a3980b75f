#include "eval/server.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/parse.h"
#include "eval/harness.h"
#include "eval/biz_rules.h"

/* ---- snapshots: a model with its vocabulary and rules, reference-counted ---------------- */

typedef struct snapshot {
    atomic_int refs;
    uint64_t version;
    sbr_spec spec;
    sbr_vocab vocab;
    sbr_model *model;
    sbr_biz_rules rules;
    char params[2048];
    double loaded_at; /* epoch seconds */
} snapshot;

static void snapshot_free(snapshot *p)
{
    if (p == NULL)
        return;
    if (p->model != NULL)
        p->spec.algo->free(p->model);
    sbr_spec_fini(&p->spec);
    sbr_vocab_fini(&p->vocab);
    sbr_biz_fini(&p->rules);
    free(p);
}

static void snapshot_release(snapshot *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
        snapshot_free(p);
}

/* ---- metrics -------------------------------------------------------------------------------- */

enum { EP_EVENTS, EP_RECOMMEND, EP_HEALTHZ, EP_METRICS, EP_MODEL, EP_RELOAD, EP_OTHER, EP_N };
static const char *const endpoint_names[EP_N] = {"events", "recommend", "healthz", "metrics",
                                                 "model",  "reload",    "other"};

static const double latency_bounds[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                        0.01,    0.025,  0.05,    0.1,    0.25,  1.0};
enum { N_BOUNDS = sizeof latency_bounds / sizeof latency_bounds[0] };

static const char *const error_names[SBR_ERR_N] = {
    "bad_json",  "bad_request", "unauthorized", "not_found", "method",
    "too_large", "overloaded",  "timeout",      "internal",  "reload"};
static const int error_status[SBR_ERR_N] = {400, 400, 401, 404, 405, 413, 503, 408, 500, 500};

struct sbr_server {
    sbr_server_config c;
    pthread_mutex_t snap_lock; /* guards `current` (held for a pointer copy only) */
    pthread_mutex_t reload_lock;
    snapshot *current;
    sbr_store *store;             /* the in-memory store, or NULL with a backend */
    sbr_session_backend *backend; /* the one in use */
    sbr_session_backend mem_backend;
    atomic_ullong requests[EP_N];
    atomic_ullong errors[SBR_ERR_N];
    atomic_ullong buckets[N_BOUNDS + 1];
    atomic_ullong latency_ns, latency_count;
    atomic_ullong unknown_items, events, reloads;
    atomic_int connections;
};

struct sbr_worker {
    sbr_server *srv;
    uint64_t version; /* of the snapshot the scratch belongs to */
    const sbr_algo *algo;
    void *scratch;
    size_t max_fetch, max_len;
    sbr_scored *cand;               /* [max_fetch] */
    sbr_scored *out;                /* [max_n] */
    uint32_t *items;                /* [max_len] */
    double *times;                  /* [max_len] */
    uint32_t *cat_seen, *cat_count; /* [max_n] */
};

static const char *error_kind_name(sbr_error_kind k)
{
    return (unsigned)k < SBR_ERR_N ? error_names[k] : "unknown";
}

const char *sbr_error_kind_name(sbr_error_kind k)
{
    return error_kind_name(k);
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sbr_server_config_init(sbr_server_config *c)
{
    memset(c, 0, sizeof *c);
    sbr_load_options_init(&c->load);
    sbr_store_options_init(&c->store);
    c->max_body = 64 * 1024;
    c->default_n = 20;
    c->max_n = 1000;
}

/* ---- the in-memory backend ----------------------------------------------------------------- */

static sbr_rc mem_append(void *impl, const char *key, size_t key_len, uint32_t item,
                         uint64_t item_id, double time, double now, const sbr_vocab *v,
                         uint32_t *items, double *times, size_t cap, size_t *len, sbr_err *err)
{
    (void)item_id;
    (void)v;
    return sbr_store_append(impl, key, key_len, item, time, now, items, times, cap, len, err);
}

static sbr_rc mem_get(void *impl, const char *key, size_t key_len, double now, const sbr_vocab *v,
                      uint32_t *items, double *times, size_t cap, size_t *len, sbr_err *err)
{
    (void)v;
    (void)err;
    sbr_store_get(impl, key, key_len, now, items, times, cap, len);
    return SBR_OK;
}

static void mem_stats(void *impl, sbr_store_stats *st)
{
    sbr_store_get_stats(impl, st);
}

static void mem_free(void *impl)
{
    sbr_store_free(impl);
}

/* ---- loading ------------------------------------------------------------------------------- */

static sbr_rc snapshot_load(const sbr_server_config *c, uint64_t version, snapshot **out,
                            sbr_err *err)
{
    *out = NULL;
    snapshot *p = calloc(1, sizeof *p);
    if (p == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "serve: out of memory");
    atomic_init(&p->refs, 1);
    p->version = version;
    sbr_rc rc;
    if (c->model_path != NULL) {
        rc = sbr_model_load(c->model_path, &p->spec, &p->vocab, &p->model, err);
    } else {
        sbr_dataset *train = NULL;
        rc = sbr_spec_parse(&p->spec, c->algo_spec, err);
        if (rc == SBR_OK)
            rc = sbr_load_sessions(c->train_path, &c->load, &train, NULL, err);
        if (rc == SBR_OK)
            rc = sbr_algo_fit(p->spec.algo, p->spec.config, train, &p->model, err);
        if (rc == SBR_OK)
            rc = sbr_vocab_from_dataset(train, &p->vocab, err);
        sbr_dataset_free(train);
    }
    if (rc == SBR_OK)
        rc = sbr_biz_load(&p->vocab, c->allow_path, c->deny_path, c->category_path, &p->rules, err);
    if (rc != SBR_OK) {
        snapshot_free(p);
        return rc;
    }
    sbr_algo_format_params(p->spec.algo, p->spec.config, p->params, sizeof p->params);
    p->loaded_at = wall_s();
    *out = p;
    return SBR_OK;
}

sbr_rc sbr_server_new(const sbr_server_config *c, sbr_server **out, sbr_err *err)
{
    *out = NULL;
    if (c->model_path == NULL && (c->train_path == NULL || c->algo_spec == NULL))
        return sbr_err_set(err, SBR_EINVAL, "serve: give --model, or --train and --algo");
    if (c->model_path != NULL && (c->train_path != NULL || c->algo_spec != NULL))
        return sbr_err_set(err, SBR_EINVAL, "serve: --model excludes --train and --algo");
    if (c->default_n < 1 || c->max_n < c->default_n || c->max_n > 100000)
        return sbr_err_set(err, SBR_EINVAL, "serve: n=%zu must lie in 1..max_n=%zu (<= 100000)",
                           c->default_n, c->max_n);
    if (c->per_category > c->max_n)
        return sbr_err_set(err, SBR_EINVAL, "serve: per_category=%zu exceeds max_n=%zu",
                           c->per_category, c->max_n);
    sbr_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "serve: out of memory");
    s->c = *c;
    pthread_mutex_init(&s->snap_lock, NULL);
    pthread_mutex_init(&s->reload_lock, NULL);
    sbr_rc rc = SBR_OK;
    if (c->backend != NULL) {
        s->backend = c->backend;
    } else {
        rc = sbr_store_new(&c->store, &s->store, err);
        s->mem_backend = (sbr_session_backend){s->store, mem_append, mem_get, mem_stats, mem_free};
        s->backend = &s->mem_backend;
    }
    if (rc == SBR_OK)
        rc = snapshot_load(c, 1, &s->current, err);
    if (rc != SBR_OK) {
        sbr_server_free(s);
        return rc;
    }
    *out = s;
    return SBR_OK;
}

void sbr_server_free(sbr_server *s)
{
    if (s == NULL)
        return;
    snapshot_release(s->current);
    if (s->backend != NULL && s->backend->impl != NULL)
        s->backend->free(s->backend->impl);
    else if (s->store != NULL)
        sbr_store_free(s->store);
    pthread_mutex_destroy(&s->snap_lock);
    pthread_mutex_destroy(&s->reload_lock);
    free(s);
}

static snapshot *snapshot_acquire(sbr_server *s)
{
    pthread_mutex_lock(&s->snap_lock);
    snapshot *p = s->current;
    atomic_fetch_add(&p->refs, 1);
    pthread_mutex_unlock(&s->snap_lock);
    return p;
}

uint64_t sbr_server_version(sbr_server *s)
{
    snapshot *p = snapshot_acquire(s);
    uint64_t v = p->version;
    snapshot_release(p);
    return v;
}

typedef struct remap_ctx {
    const sbr_vocab *from, *to;
} remap_ctx;

static uint32_t remap_item(void *user, uint32_t item)
{
    const remap_ctx *r = user;
    uint32_t idx;
    if (item >= r->from->n_items || !sbr_vocab_find(r->to, r->from->item_ids[item], &idx))
        return SBR_ITEM_UNKNOWN;
    return idx;
}

static bool same_vocab(const sbr_vocab *a, const sbr_vocab *b)
{
    return a->n_items == b->n_items &&
           memcmp(a->item_ids, b->item_ids, a->n_items * sizeof *a->item_ids) == 0;
}

sbr_rc sbr_server_reload(sbr_server *s, sbr_err *err)
{
    pthread_mutex_lock(&s->reload_lock);
    snapshot *old = snapshot_acquire(s), *next = NULL;
    sbr_rc rc = snapshot_load(&s->c, old->version + 1, &next, err);
    if (rc == SBR_OK) {
        pthread_mutex_lock(&s->snap_lock);
        snapshot *prev = s->current;
        s->current = next;
        pthread_mutex_unlock(&s->snap_lock);
        if (s->store != NULL && !same_vocab(&old->vocab, &next->vocab)) {
            remap_ctx r = {&old->vocab, &next->vocab};
            sbr_store_remap(s->store, remap_item, &r);
        }
        snapshot_release(prev);
        atomic_fetch_add(&s->reloads, 1);
    } else {
        atomic_fetch_add(&s->errors[SBR_ERR_RELOAD], 1);
    }
    snapshot_release(old);
    pthread_mutex_unlock(&s->reload_lock);
    return rc;
}

/* ---- workers ------------------------------------------------------------------------------- */

sbr_worker *sbr_worker_new(sbr_server *s)
{
    sbr_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->srv = s;
    w->max_len = s->c.store.max_len;
    w->max_fetch = 4 * s->c.max_n + w->max_len;
    w->cand = sbr_alloc_array(w->max_fetch, sizeof *w->cand);
    w->out = sbr_alloc_array(s->c.max_n, sizeof *w->out);
    w->items = sbr_alloc_array(w->max_len, sizeof *w->items);
    w->times = sbr_alloc_array(w->max_len, sizeof *w->times);
    w->cat_seen = sbr_alloc_array(s->c.max_n, sizeof *w->cat_seen);
    w->cat_count = sbr_alloc_array(s->c.max_n, sizeof *w->cat_count);
    if (!w->cand || !w->out || !w->items || !w->times || !w->cat_seen || !w->cat_count) {
        sbr_worker_free(w);
        return NULL;
    }
    return w;
}

void sbr_worker_free(sbr_worker *w)
{
    if (w == NULL)
        return;
    if (w->scratch != NULL)
        w->algo->scratch_free(w->scratch);
    free(w->cand);
    free(w->out);
    free(w->items);
    free(w->times);
    free(w->cat_seen);
    free(w->cat_count);
    free(w);
}

/* The worker's scratch for snapshot p: made once per worker and model. */
static void *worker_scratch(sbr_worker *w, const snapshot *p)
{
    if (w->scratch != NULL && w->version == p->version)
        return w->scratch;
    if (w->scratch != NULL)
        w->algo->scratch_free(w->scratch);
    w->algo = p->spec.algo;
    w->scratch = p->spec.algo->scratch_new(p->model);
    w->version = p->version;
    return w->scratch;
}

/* ---- responses ----------------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool failed;
} buf;

static void buf_printf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Makes room for n more bytes and a NUL; false (and b->failed) when out of memory. */
static bool buf_reserve(buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->cap - b->len > n)
        return true;
    size_t nc = b->cap ? b->cap : 256;
    while (nc - b->len <= n)
        nc *= 2;
    char *np = realloc(b->p, nc);
    if (np == NULL) {
        b->failed = true;
        return false;
    }
    b->p = np;
    b->cap = nc;
    return true;
}

static void buf_printf(buf *b, const char *fmt, ...)
{
    for (size_t want = 0; buf_reserve(b, want);) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p + b->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        want = (size_t)n;
    }
}

/* Appends n bytes of text (the hot path of the lists: no format parsing). */
static void buf_put(buf *b, const char *t, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, t, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Appends v in decimal. */
static void buf_u64(buf *b, uint64_t v)
{
    char t[24];
    size_t n = sizeof t;
    do {
        t[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    buf_put(b, t + n, sizeof t - n);
}

/* Appends text as a JSON string. */
static void buf_json_string(buf *b, const char *t, size_t n)
{
    buf_printf(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == '"' || ch == '\\')
            buf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            buf_printf(b, "\\u%04x", ch);
        else
            buf_printf(b, "%c", ch);
    }
    buf_printf(b, "\"");
}

static void respond(sbr_response *r, int status, const char *type, buf *b)
{
    if (b->failed || b->p == NULL) {
        free(b->p);
        static const char oom[] = "{\"error\":\"internal\",\"reason\":\"out of memory\"}";
        r->status = 500;
        r->content_type = "application/json";
        r->body = malloc(sizeof oom);
        r->len = r->body != NULL ? sizeof oom - 1 : 0;
        if (r->body != NULL)
            memcpy(r->body, oom, sizeof oom);
        return;
    }
    r->status = status;
    r->content_type = type;
    r->body = b->p;
    r->len = b->len;
}

void sbr_response_fini(sbr_response *r)
{
    if (r == NULL)
        return;
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

void sbr_server_error_response(sbr_server *s, sbr_error_kind k, const char *reason,
                               sbr_response *resp)
{
    if ((unsigned)k >= SBR_ERR_N)
        k = SBR_ERR_INTERNAL;
    atomic_fetch_add(&s->errors[k], 1);
    if (resp == NULL)
        return;
    buf b = {NULL, 0, 0, false};
    buf_printf(&b, "{\"error\":\"%s\",\"reason\":", error_names[k]);
    buf_json_string(&b, reason, strlen(reason));
    buf_printf(&b, "}\n");
    respond(resp, error_status[k], "application/json", &b);
}

static void fail(sbr_server *s, sbr_response *resp, sbr_error_kind k, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void fail(sbr_server *s, sbr_response *resp, sbr_error_kind k, const char *fmt, ...)
{
    char reason[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    sbr_server_error_response(s, k, reason, resp);
}

void sbr_server_connections_add(sbr_server *s, int delta)
{
    atomic_fetch_add(&s->connections, delta);
}

size_t sbr_server_session_bytes(sbr_server *s)
{
    sbr_store_stats st;
    s->backend->stats(s->backend->impl, &st);
    return st.sessions > 0 ? st.bytes / st.sessions : 0;
}

void sbr_server_tick(sbr_server *s)
{
    if (s->store != NULL)
        sbr_store_expire(s->store, sbr_now_s());
}

/* ---- request parsing ----------------------------------------------------------------------- */

typedef struct params {
    char key[1100]; /* the session id as text */
    size_t key_len;
    json_t *session; /* borrowed from the request, echoed back */
    bool has_item;
    uint64_t item;
    double time;
    json_t *items; /* borrowed: the stateless session */
    size_t n, history;
    sbr_biz_request rules;
} params;

/* Reads a non-negative integer item id: a JSON integer or a string of digits. */
static bool item_id(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v))
        return sbr_parse_u64(json_string_value(v), json_string_length(v), out) == NULL;
    return false;
}

static bool size_field(const json_t *v, size_t lo, size_t hi, size_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
        json_integer_value(v) > (json_int_t)hi)
        return false;
    *out = (size_t)json_integer_value(v);
    return true;
}

/* Parses the body of an events/recommend request; on error fills resp and returns NULL. The
 * returned root owns what p borrows. */
static json_t *parse_params(sbr_server *s, const sbr_request *req, bool events, params *p,
                            sbr_response *resp)
{
    memset(p, 0, sizeof *p);
    p->n = s->c.default_n;
    p->rules.exclude_session = s->c.exclude_session;
    p->rules.available = true;
    p->rules.per_category = s->c.per_category;
    p->time = wall_s();
    json_error_t je;
    json_t *root =
        json_loadb(req->body != NULL ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        fail(s, resp, SBR_ERR_BAD_JSON, "malformed JSON at line %d, column %d: %s", je.line,
             je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        fail(s, resp, SBR_ERR_BAD_JSON, "the body must be a JSON object");
        json_decref(root);
        return NULL;
    }
    const char *name;
    json_t *v;
    json_object_foreach(root, name, v)
    {
        const char *bad = NULL;
        if (strcmp(name, "session") == 0) {
            p->session = v;
            if (json_is_integer(v)) {
                int n = snprintf(p->key, sizeof p->key, "%lld", (long long)json_integer_value(v));
                p->key_len = (size_t)n;
            } else if (json_is_string(v) && json_string_length(v) >= 1 &&
                       json_string_length(v) <= 1024) {
                p->key_len = json_string_length(v);
                memcpy(p->key, json_string_value(v), p->key_len);
            } else {
                bad = "an integer or a string of 1..1024 bytes";
            }
        } else if (strcmp(name, "item") == 0 && events) {
            p->has_item = item_id(v, &p->item);
            if (!p->has_item)
                bad = "a non-negative integer item id";
        } else if (strcmp(name, "time") == 0) {
            if (!json_is_number(v) || json_number_value(v) < 0)
                bad = "a non-negative number of epoch seconds";
            else
                p->time = json_number_value(v);
        } else if (strcmp(name, "items") == 0 && !events) {
            if (!json_is_array(v))
                bad = "an array of item ids";
            p->items = v;
        } else if (strcmp(name, "n") == 0) {
            if (!size_field(v, 1, s->c.max_n, &p->n))
                bad = "an integer from 1 to max_n";
        } else if (strcmp(name, "history") == 0) {
            if (!size_field(v, 0, 100000, &p->history))
                bad = "an integer >= 0 (0 = every click held)";
        } else if (strcmp(name, "per_category") == 0) {
            if (!size_field(v, 0, s->c.max_n, &p->rules.per_category))
                bad = "an integer from 0 (no limit) to max_n";
        } else if (strcmp(name, "exclude_session") == 0) {
            if (!json_is_boolean(v))
                bad = "true or false";
            else
                p->rules.exclude_session = json_is_true(v);
        } else if (strcmp(name, "available") == 0) {
            if (!json_is_boolean(v))
                bad = "true or false";
            else
                p->rules.available = json_is_true(v);
        } else {
            fail(s, resp, SBR_ERR_BAD_REQUEST, "unknown field \"%s\"", name);
            json_decref(root);
            return NULL;
        }
        if (bad != NULL) {
            fail(s, resp, SBR_ERR_BAD_REQUEST, "field \"%s\" must be %s (max_n is %zu)", name, bad,
                 s->c.max_n);
            json_decref(root);
            return NULL;
        }
    }
    const char *missing = NULL;
    if (events && p->session == NULL)
        missing = "\"session\" is required";
    else if (events && !p->has_item)
        missing = "\"item\" is required";
    else if (!events && (p->session == NULL) == (p->items == NULL))
        missing = "give either \"session\" or \"items\"";
    if (missing != NULL) {
        fail(s, resp, SBR_ERR_BAD_REQUEST, "%s", missing);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- prediction ---------------------------------------------------------------------------- */

/* Predicts n items for the clicks w->items[0..len) into w->out, filtered; returns the count. */
static sbr_rc predict(sbr_worker *w, const snapshot *p, size_t len, const params *pr, size_t *count,
                      sbr_err *err)
{
    *count = 0;
    size_t from = pr->history > 0 && pr->history < len ? len - pr->history : 0;
    const uint32_t *items = w->items + from;
    size_t qlen = len - from;
    if (qlen == 0)
        return SBR_OK;
    void *scratch = worker_scratch(w, p);
    if (scratch == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "serve: out of memory for the predict scratch");
    bool active = sbr_biz_active(&p->rules, &pr->rules);
    size_t fetch = active ? 2 * pr->n + qlen + 8 : pr->n;
    for (;;) {
        if (fetch > w->max_fetch)
            fetch = w->max_fetch;
        sbr_query q = {items, w->times + from, qlen, pr->time, fetch, NULL};
        size_t got = 0;
        sbr_rc rc = p->spec.algo->predict(p->model, &q, scratch, w->cand, &got, err);
        if (rc != SBR_OK)
            return rc;
        if (!active) {
            memcpy(w->out, w->cand, got * sizeof *w->out);
            *count = got;
            return SBR_OK;
        }
        *count = sbr_biz_apply(&p->rules, &pr->rules, items, qlen, w->cand, got, w->out, pr->n,
                               w->cat_seen, w->cat_count);
        /* Over-fetch again only when the filters ate into a full candidate list. */
        if (*count >= pr->n || got < fetch || fetch == w->max_fetch)
            return SBR_OK;
        fetch *= 4;
    }
}

static void write_list(buf *b, const snapshot *p, const sbr_worker *w, size_t count)
{
    buf_put(b, "\"items\":[", 9);
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            buf_put(b, ",", 1);
        buf_u64(b, p->vocab.item_ids[w->out[i].item]);
    }
    buf_put(b, "],\"scores\":[", 12);
    char num[40];
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            buf_put(b, ",", 1);
        sbr_format_double(num, sizeof num, w->out[i].score);
        buf_put(b, num, strlen(num));
    }
    buf_put(b, "]", 1);
}

static void handle_predict(sbr_server *s, sbr_worker *w, const sbr_request *req, bool events,
                           sbr_response *resp)
{
    params pr;
    json_t *root = parse_params(s, req, events, &pr, resp);
    if (root == NULL)
        return;
    snapshot *p = snapshot_acquire(s);
    sbr_err err = {SBR_OK, ""};
    sbr_rc rc = SBR_OK;
    size_t len = 0;
    bool unknown = false;
    double now = sbr_now_s();
    if (events) {
        uint32_t idx;
        if (!sbr_vocab_find(&p->vocab, pr.item, &idx)) {
            idx = SBR_ITEM_UNKNOWN;
            unknown = true;
            atomic_fetch_add(&s->unknown_items, 1);
        }
        atomic_fetch_add(&s->events, 1);
        rc = s->backend->append(s->backend->impl, pr.key, pr.key_len, idx, pr.item, pr.time, now,
                                &p->vocab, w->items, w->times, w->max_len, &len, &err);
    } else if (pr.session != NULL) {
        rc = s->backend->get(s->backend->impl, pr.key, pr.key_len, now, &p->vocab, w->items,
                             w->times, w->max_len, &len, &err);
    } else {
        size_t n = json_array_size(pr.items), skip = n > w->max_len ? n - w->max_len : 0;
        for (size_t i = skip; i < n; i++) {
            uint64_t id;
            uint32_t idx;
            if (!item_id(json_array_get(pr.items, i), &id)) {
                fail(s, resp, SBR_ERR_BAD_REQUEST,
                     "\"items\"[%zu] is not a non-negative integer item id", i);
                snapshot_release(p);
                json_decref(root);
                return;
            }
            if (!sbr_vocab_find(&p->vocab, id, &idx)) {
                atomic_fetch_add(&s->unknown_items, 1);
                continue;
            }
            w->items[len] = idx;
            w->times[len++] = pr.time;
        }
    }
    /* A click from before a vocabulary-changing reload may still be in flight: never pass an
     * index outside the model to predict. */
    for (size_t i = 0; i < len; i++)
        if (w->items[i] >= p->vocab.n_items)
            w->items[i] = SBR_ITEM_UNKNOWN;
    size_t count = 0;
    if (rc == SBR_OK)
        rc = predict(w, p, len, &pr, &count, &err);
    if (rc != SBR_OK) {
        fail(s, resp, SBR_ERR_INTERNAL, "%s", err.msg);
    } else {
        buf b = {NULL, 0, 0, false};
        buf_printf(&b, "{");
        if (pr.session != NULL) {
            if (json_is_integer(pr.session)) {
                buf_printf(&b, "\"session\":%lld,", (long long)json_integer_value(pr.session));
            } else {
                buf_printf(&b, "\"session\":");
                buf_json_string(&b, pr.key, pr.key_len);
                buf_printf(&b, ",");
            }
        }
        write_list(&b, p, w, count);
        buf_printf(&b, ",\"length\":%zu", len);
        if (events)
            buf_printf(&b, ",\"unknown_item\":%s", unknown ? "true" : "false");
        buf_printf(&b, "}\n");
        respond(resp, 200, "application/json", &b);
    }
    snapshot_release(p);
    json_decref(root);
}

/* ---- the other endpoints ------------------------------------------------------------------- */

static void handle_model(sbr_server *s, sbr_response *resp)
{
    snapshot *p = snapshot_acquire(s);
    buf b = {NULL, 0, 0, false};
    buf_printf(&b, "{\"algorithm\":\"%s\",\"params\":", p->spec.algo->name);
    buf_json_string(&b, p->params, strlen(p->params));
    buf_printf(&b,
               ",\"items\":%zu,\"version\":%llu,\"model_bytes\":%zu,\"file\":", p->vocab.n_items,
               (unsigned long long)p->version, p->spec.algo->model_bytes(p->model));
    const char *file = s->c.model_path != NULL ? s->c.model_path : s->c.train_path;
    buf_json_string(&b, file, strlen(file));
    buf_printf(&b, ",\"source\":\"%s\"", s->c.model_path != NULL ? "model" : "train");
    char num[40];
    buf_printf(&b, ",\"loaded_at\":%s}\n", sbr_format_double(num, sizeof num, p->loaded_at));
    respond(resp, 200, "application/json", &b);
    snapshot_release(p);
}

static void handle_metrics(sbr_server *s, sbr_response *resp)
{
    buf b = {NULL, 0, 0, false};
    buf_printf(&b, "# HELP sbr_requests_total Requests handled, by endpoint.\n"
                   "# TYPE sbr_requests_total counter\n");
    for (int i = 0; i < EP_N; i++)
        buf_printf(&b, "sbr_requests_total{endpoint=\"%s\"} %llu\n", endpoint_names[i],
                   (unsigned long long)atomic_load(&s->requests[i]));
    buf_printf(&b, "# HELP sbr_errors_total Error responses and failures, by kind.\n"
                   "# TYPE sbr_errors_total counter\n");
    for (int i = 0; i < SBR_ERR_N; i++)
        buf_printf(&b, "sbr_errors_total{kind=\"%s\"} %llu\n", error_names[i],
                   (unsigned long long)atomic_load(&s->errors[i]));
    buf_printf(&b, "# HELP sbr_request_duration_seconds Time to handle an events or recommend "
                   "request (parse, sessions, predict, JSON).\n"
                   "# TYPE sbr_request_duration_seconds histogram\n");
    unsigned long long cum = 0;
    char num[40];
    for (int i = 0; i <= N_BOUNDS; i++) {
        cum += atomic_load(&s->buckets[i]);
        if (i < N_BOUNDS)
            buf_printf(&b, "sbr_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
                       sbr_format_double(num, sizeof num, latency_bounds[i]), cum);
        else
            buf_printf(&b, "sbr_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    }
    buf_printf(&b, "sbr_request_duration_seconds_sum %s\n",
               sbr_format_double(num, sizeof num, (double)atomic_load(&s->latency_ns) * 1e-9));
    buf_printf(&b, "sbr_request_duration_seconds_count %llu\n",
               (unsigned long long)atomic_load(&s->latency_count));
    sbr_store_stats st;
    s->backend->stats(s->backend->impl, &st);
    snapshot *p = snapshot_acquire(s);
    buf_printf(&b,
               "# HELP sbr_live_sessions Live sessions held.\n# TYPE sbr_live_sessions gauge\n"
               "sbr_live_sessions %zu\n"
               "# HELP sbr_session_store_bytes Bytes held by the live sessions.\n"
               "# TYPE sbr_session_store_bytes gauge\nsbr_session_store_bytes %zu\n"
               "# TYPE sbr_sessions_expired_total counter\nsbr_sessions_expired_total %llu\n"
               "# TYPE sbr_sessions_evicted_total counter\nsbr_sessions_evicted_total %llu\n"
               "# HELP sbr_events_total Clicks received.\n# TYPE sbr_events_total counter\n"
               "sbr_events_total %llu\n"
               "# HELP sbr_unknown_items_total Clicks and items not in the model's vocabulary "
               "(ignored).\n# TYPE sbr_unknown_items_total counter\nsbr_unknown_items_total %llu\n"
               "# TYPE sbr_connections gauge\nsbr_connections %d\n"
               "# TYPE sbr_model_version gauge\nsbr_model_version %llu\n"
               "# TYPE sbr_model_reloads_total counter\nsbr_model_reloads_total %llu\n"
               "# TYPE sbr_model_info gauge\nsbr_model_info{algorithm=\"%s\",params=\"%s\"} 1\n",
               st.sessions, st.bytes, (unsigned long long)st.expired,
               (unsigned long long)st.evicted, (unsigned long long)atomic_load(&s->events),
               (unsigned long long)atomic_load(&s->unknown_items), atomic_load(&s->connections),
               (unsigned long long)p->version, (unsigned long long)atomic_load(&s->reloads),
               p->spec.algo->name, p->params);
    snapshot_release(p);
    respond(resp, 200, "text/plain; version=0.0.4", &b);
}

static bool token_ok(const sbr_server *s, const char *token)
{
    if (s->c.admin_token == NULL || token == NULL)
        return false;
    size_t a = strlen(s->c.admin_token), n = strlen(token);
    unsigned diff = (unsigned)(a != n);
    for (size_t i = 0; i < n; i++) /* constant time in the presented token */
        diff |= (unsigned)(token[i] ^ s->c.admin_token[a ? i % a : 0]);
    return diff == 0 && a > 0;
}

static void handle_reload(sbr_server *s, const sbr_request *req, sbr_response *resp)
{
    if (!token_ok(s, req->token)) {
        fail(s, resp, SBR_ERR_UNAUTHORIZED,
             s->c.admin_token == NULL ? "admin endpoints are off (start with --admin-token-file)"
                                      : "a valid admin token is required (Authorization: Bearer)");
        return;
    }
    sbr_err err = {SBR_OK, ""};
    double t0 = sbr_now_s();
    if (sbr_server_reload(s, &err) != SBR_OK) {
        char reason[600];
        snprintf(reason, sizeof reason, "reload failed, the old model stays: %s", err.msg);
        buf b = {NULL, 0, 0, false};
        buf_printf(&b, "{\"error\":\"reload\",\"reason\":");
        buf_json_string(&b, reason, strlen(reason));
        buf_printf(&b, "}\n");
        respond(resp, 500, "application/json", &b);
        return;
    }
    buf b = {NULL, 0, 0, false};
    buf_printf(&b, "{\"status\":\"reloaded\",\"version\":%llu,\"seconds\":%.3f}\n",
               (unsigned long long)sbr_server_version(s), sbr_now_s() - t0);
    respond(resp, 200, "application/json", &b);
}

void sbr_server_handle(sbr_server *s, sbr_worker *w, const sbr_request *req, sbr_response *resp)
{
    memset(resp, 0, sizeof *resp);
    double t0 = sbr_now_s();
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    int ep = EP_OTHER, want_post = 0;
    if (strcmp(req->path, "/v1/events") == 0)
        ep = EP_EVENTS, want_post = 1;
    else if (strcmp(req->path, "/v1/recommend") == 0)
        ep = EP_RECOMMEND, want_post = 1;
    else if (strcmp(req->path, "/healthz") == 0)
        ep = EP_HEALTHZ;
    else if (strcmp(req->path, "/metrics") == 0)
        ep = EP_METRICS;
    else if (strcmp(req->path, "/v1/model") == 0)
        ep = EP_MODEL;
    else if (strcmp(req->path, "/admin/reload") == 0)
        ep = EP_RELOAD, want_post = 1;
    atomic_fetch_add(&s->requests[ep], 1);
    if (ep == EP_OTHER) {
        fail(s, resp, SBR_ERR_NOT_FOUND,
             "no endpoint %s; try POST /v1/events, POST /v1/recommend, GET /healthz, "
             "GET /metrics, GET /v1/model, POST /admin/reload",
             req->path);
        return;
    }
    if (want_post ? !post : !get) {
        fail(s, resp, SBR_ERR_METHOD, "%s wants %s, not %s", req->path, want_post ? "POST" : "GET",
             req->method);
        return;
    }
    if (req->body_len > s->c.max_body) {
        fail(s, resp, SBR_ERR_TOO_LARGE, "the body has %zu bytes, over the limit of %zu",
             req->body_len, s->c.max_body);
        return;
    }
    switch (ep) {
    case EP_EVENTS:
    case EP_RECOMMEND: {
        handle_predict(s, w, req, ep == EP_EVENTS, resp);
        double dt = sbr_now_s() - t0;
        int i = 0;
        while (i < N_BOUNDS && dt > latency_bounds[i])
            i++;
        atomic_fetch_add(&s->buckets[i], 1);
        atomic_fetch_add(&s->latency_ns, (unsigned long long)(dt * 1e9));
        atomic_fetch_add(&s->latency_count, 1);
        return;
    }
    case EP_HEALTHZ: {
        buf b = {NULL, 0, 0, false};
        buf_printf(&b, "{\"status\":\"ok\",\"version\":%llu}\n",
                   (unsigned long long)sbr_server_version(s));
        respond(resp, 200, "application/json", &b);
        return;
    }
    case EP_METRICS:
        handle_metrics(s, resp);
        return;
    case EP_MODEL:
        handle_model(s, resp);
        return;
    default:
        handle_reload(s, req, resp);
        return;
    }
}
