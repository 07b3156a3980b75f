/* server: the request handling of `sbr serve`, without sockets.
 *
 * sbr_server_handle turns one request (method, path, body, admin token) into a response
 * (status, content type, body), so every endpoint and every bad input is testable in-process;
 * eval/cli/cmd_serve.c puts it behind libmicrohttpd. Endpoints:
 *
 *   POST /v1/events     {"session": S, "item": I, "time": T, ...}  appends the click to the
 *                       live session and answers its recommendations
 *   POST /v1/recommend  {"session": S, ...} or {"items": [I, ...], ...}  (stateless)
 *   GET  /healthz       {"status":"ok","version":V}
 *   GET  /metrics       Prometheus text: requests, errors by kind, latency histogram, live
 *                       sessions, store bytes, unknown items, model version
 *   GET  /v1/model      algorithm, params, items, file, version
 *   POST /admin/reload  reloads the model and the rule files, then swaps (admin token)
 *
 * Request parameters (JSON fields, all optional): "n" (1..max_n, default default_n),
 * "exclude_session" (bool), "available" (bool: apply the allow/deny lists, default true),
 * "per_category" (0..max_n: at most that many items per category; 0 = no limit), "history"
 * (use only the last H session clicks; 0 = all held). Unknown fields are refused. Responses:
 * {"session":S,"items":[ids],"scores":[..],"length":L,"unknown_item":bool} with original item
 * ids, scores written as sbr_format_double does (as `sbr eval --recs` writes them) and L the
 * session clicks held. Errors: {"error":KIND,"reason":TEXT} with 400 (bad_json, bad_request),
 * 401 (unauthorized), 404 (not_found), 405 (method), 413 (too_large), 500 (internal, reload).
 *
 * Models are reference-counted snapshots (model, vocabulary, rules): a request takes the
 * current one and releases it when done, and a reload builds the next one completely before
 * it swaps it in, so requests in flight finish on the old model and none waits for a load.
 * Predictions go through a per-thread sbr_worker: its scratch is made once per worker and
 * model, and its buffers are sized at creation, so the request path allocates nothing per
 * prediction beyond the JSON it parses and writes. Nothing here prints. */
#ifndef SBR_EVAL_SERVER_H
#define SBR_EVAL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"
#include "data/load.h"
#include "data/vocab.h"
#include "eval/session_store.h"

/* Where live sessions are kept: the in-memory store (the default) or another backend, e.g.
 * Redis (eval/session_redis.h). Clicks come as a dense index of the current model's
 * vocabulary v and as the original id; the history goes out as dense indices of v (clicks on
 * items v lacks are left out). Every function is called from many threads at once. */
typedef struct sbr_session_backend {
    void *impl;
    sbr_rc (*append)(void *impl, const char *key, size_t key_len, uint32_t item, uint64_t item_id,
                     double time, double now, const sbr_vocab *v, uint32_t *items, double *times,
                     size_t cap, size_t *len, sbr_err *err);
    /* *len 0 for an unknown session. */
    sbr_rc (*get)(void *impl, const char *key, size_t key_len, double now, const sbr_vocab *v,
                  uint32_t *items, double *times, size_t cap, size_t *len, sbr_err *err);
    void (*stats)(void *impl, sbr_store_stats *st);
    void (*free)(void *impl);
} sbr_session_backend;

typedef struct sbr_server_config {
    /* The model: a file of `sbr fit --save`, or a training file and an algorithm spec. */
    const char *model_path;
    const char *train_path, *algo_spec;
    sbr_load_options load;
    /* Business rules (eval/rules.h), each NULL when not used; re-read on every reload. */
    const char *allow_path, *deny_path, *category_path;
    sbr_store_options store;      /* the in-memory store (also max_len for any backend) */
    sbr_session_backend *backend; /* NULL: the in-memory store; else owned by the server */
    const char *admin_token;      /* NULL: admin endpoints answer 401 */
    size_t max_body;              /* bytes (the transport enforces it; default 64 KiB) */
    size_t default_n, max_n;      /* 20, 1000 */
    bool exclude_session;         /* the default of the request parameter (false) */
    size_t per_category;          /* its default (0) */
} sbr_server_config;

void sbr_server_config_init(sbr_server_config *c);

typedef struct sbr_server sbr_server;
typedef struct sbr_worker sbr_worker;

/* Loads the model and rules and makes the session store. The config's strings must outlive
 * the server. Errors: those of loading, fitting and the rule files; SBR_EINVAL for a config
 * without a model or with bad numbers. */
sbr_rc sbr_server_new(const sbr_server_config *c, sbr_server **out, sbr_err *err);

/* Frees the server (and its backend). Every worker must have been freed before. */
void sbr_server_free(sbr_server *s);

/* Loads a new snapshot (model, vocabulary, rules) as sbr_server_new did, then swaps it in
 * atomically; sessions follow a changed vocabulary (in-memory store). On failure the current
 * model stays and the error is counted (kind "reload"). Thread-safe; reloads are serialised. */
sbr_rc sbr_server_reload(sbr_server *s, sbr_err *err);

/* The version of the current snapshot: 1 after sbr_server_new, +1 per successful reload. */
uint64_t sbr_server_version(sbr_server *s);

/* A worker for one thread, or NULL when out of memory. */
sbr_worker *sbr_worker_new(sbr_server *s);
void sbr_worker_free(sbr_worker *w); /* accepts NULL */

typedef struct sbr_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* "/v1/events" (no query string) */
    const char *body;   /* may be NULL when body_len is 0; need not be NUL-terminated */
    size_t body_len;
    const char *token; /* the admin token presented (Authorization: Bearer), or NULL */
} sbr_request;

typedef struct sbr_response {
    int status;
    const char *content_type; /* static */
    char *body;               /* malloc'ed, NUL-terminated; release with sbr_response_fini */
    size_t len;
} sbr_response;

void sbr_response_fini(sbr_response *r);

/* Handles one request on worker w (a thread's own). Never fails: errors become responses. */
void sbr_server_handle(sbr_server *s, sbr_worker *w, const sbr_request *req, sbr_response *resp);

/* Error kinds counted in /metrics; the transport reports its own through
 * sbr_server_error_response. */
typedef enum sbr_error_kind {
    SBR_ERR_BAD_JSON,
    SBR_ERR_BAD_REQUEST,
    SBR_ERR_UNAUTHORIZED,
    SBR_ERR_NOT_FOUND,
    SBR_ERR_METHOD,
    SBR_ERR_TOO_LARGE,
    SBR_ERR_OVERLOADED,
    SBR_ERR_TIMEOUT,
    SBR_ERR_INTERNAL,
    SBR_ERR_RELOAD,
    SBR_ERR_N
} sbr_error_kind;

const char *sbr_error_kind_name(sbr_error_kind k);

/* Counts an error of kind k and, when resp is not NULL, fills it with the JSON error body and
 * the kind's status (413 too_large, 503 overloaded, 408 timeout, ...). */
void sbr_server_error_response(sbr_server *s, sbr_error_kind k, const char *reason,
                               sbr_response *resp);

/* Open connections, kept by the transport for /metrics. */
void sbr_server_connections_add(sbr_server *s, int delta);

/* Mean bytes per live session of the backend (0 when none or unknown), for reports. */
size_t sbr_server_session_bytes(sbr_server *s);

/* Housekeeping for the transport to call now and then (every second): frees the in-memory
 * store's expired sessions. */
void sbr_server_tick(sbr_server *s);

#endif
