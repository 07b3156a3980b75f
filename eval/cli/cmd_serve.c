/* sbr serve: the request handling of eval/server.h behind libmicrohttpd (a thread pool with
 * keep-alive), with signals: SIGHUP reloads, SIGTERM and SIGINT drain and exit 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "eval/cli/cli.h"
#include "eval/harness.h"
#include "eval/server.h"
#include "eval/session_redis.h"

static const char serve_usage[] =
    "Usage: sbr serve --model MODEL [options]\n"
    "       sbr serve --train FILE --algo SPEC [options]\n"
    "\n"
    "Serves recommendations over HTTP/1.1 (JSON in and out) from a model saved by 'sbr fit\n"
    "--save', or fitted at start from a training file. Clicks arrive one at a time and grow\n"
    "live sessions kept in memory (or in Redis, shared by several servers); each answer lists\n"
    "original item ids, best first, with the scores 'sbr eval --recs' would write.\n"
    "\n"
    "Endpoints:\n"
    "  POST /v1/events     {\"session\": S, \"item\": I, \"time\": T}  append a click, answer\n"
    "                      {\"session\":S,\"items\":[..],\"scores\":[..],\"length\":L,...}\n"
    "  POST /v1/recommend  {\"session\": S} or {\"items\": [I, ...]}  (no click appended)\n"
    "  GET  /healthz       liveness and the model version\n"
    "  GET  /metrics       Prometheus text: requests, errors by kind, latency histogram, live\n"
    "                      sessions, store bytes, unknown items, model version\n"
    "  GET  /v1/model      algorithm, params, items, file\n"
    "  POST /admin/reload  reload model and rule files, swap without downtime (needs\n"
    "                      'Authorization: Bearer TOKEN'); SIGHUP does the same\n"
    "Per-request fields: n, exclude_session (bool), available (bool: apply allow/deny),\n"
    "per_category (at most k per category), history (use the last H clicks only).\n"
    "Unknown items are ignored and counted; an unknown session has an empty history.\n"
    "Errors answer {\"error\":KIND,\"reason\":TEXT}: 400 malformed JSON or field, 401, 404,\n"
    "405, 413 body over --max-body, 503 over --max-connections, 408 slow client.\n"
    "\n";

static const char serve_usage2[] =
    "Model:\n"
    "  --model FILE            a model file of 'sbr fit --save'\n"
    "  --train FILE            or fit --algo on this training file at start (and at reload)\n"
    "  --algo SPEC             NAME or NAME:key=value,... (see 'sbr algos')\n"
    "Network:\n"
    "  --listen ADDR:PORT      IPv4 address and port (default 127.0.0.1:8080; port 0 picks a\n"
    "                          free one). Only loopback unless you give another address\n"
    "  --port-file FILE        write the port listened on to FILE once ready (for scripts)\n"
    "  --threads N             worker threads of the pool (default 2)\n"
    "  --max-connections N     open connections before answering 503 (default 256)\n"
    "  --timeout S             close a connection idle or stalled for S seconds (default 10)\n"
    "  --max-body BYTES        request body limit (default 65536)\n"
    "  --admin-token-file F    the admin token (first line of F); without it admin is off\n"
    "Sessions:\n"
    "  --max-session-len N     clicks kept per session, the most recent (default 100)\n"
    "  --ttl S                 idle seconds before a session expires (default 1800)\n"
    "  --session-memory MIB    memory bound of the in-memory store; the least recently used\n"
    "                          sessions are evicted beyond it (default 256)\n"
    "  --shards N              store shards, each with its own lock (default 16)\n"
    "  --redis HOST:PORT       keep sessions in Redis instead, shared by several servers\n"
    "  --redis-prefix P        key prefix in Redis (default sbr:s:)\n"
    "Business rules (files re-read at every reload):\n"
    "  --allow FILE            only these items (one ItemId per line) may be recommended\n"
    "  --deny FILE             these items are never recommended\n"
    "  --categories FILE       ItemId<TAB>Category, for per_category\n"
    "  --per-category K        default of per_category (default 0: no limit)\n"
    "  --exclude-session       default exclude_session to true\n"
    "  --n N                   default list length (default 20); --max-n N its limit (1000)\n"
    "  -h, --help              this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr fit --train $SBR_DATA/retailrocket/train.tsv.gz --algo vmis --save rr.sbrm\n"
    "  sbr serve --model rr.sbrm --listen 127.0.0.1:8080 --threads 2 &\n"
    "  curl -s -d '{\"session\": 1, \"item\": 257597}' http://127.0.0.1:8080/v1/events\n"
    "  sbr replay --url http://127.0.0.1:8080 --events $SBR_DATA/retailrocket/test.tsv.gz\n";

enum {
    OPT_MODEL = CLI_OPT_FIRST_FREE,
    OPT_TRAIN,
    OPT_ALGO,
    OPT_LISTEN,
    OPT_PORT_FILE,
    OPT_THREADS,
    OPT_MAX_CONN,
    OPT_TIMEOUT,
    OPT_MAX_BODY,
    OPT_TOKEN_FILE,
    OPT_MAX_LEN,
    OPT_TTL,
    OPT_MEMORY,
    OPT_SHARDS,
    OPT_REDIS,
    OPT_REDIS_PREFIX,
    OPT_ALLOW,
    OPT_DENY,
    OPT_CATEGORIES,
    OPT_PER_CATEGORY,
    OPT_EXCLUDE,
    OPT_N,
    OPT_MAX_N
};

/* ---- per-thread workers -------------------------------------------------------------------- */

static sbr_server *g_server;
static long g_max_connections;
static atomic_int g_open;     /* open connections */
static atomic_int g_inflight; /* requests begun and not completed */
static size_t serve_max_body;
static pthread_mutex_t g_workers_lock = PTHREAD_MUTEX_INITIALIZER;
static sbr_worker **g_workers;
static size_t g_n_workers, g_cap_workers;
static _Thread_local sbr_worker *tl_worker;

/* This thread's worker, made on its first request and kept until exit. */
static sbr_worker *thread_worker(void)
{
    if (tl_worker != NULL)
        return tl_worker;
    sbr_worker *w = sbr_worker_new(g_server);
    if (w == NULL)
        return NULL;
    pthread_mutex_lock(&g_workers_lock);
    if (g_n_workers == g_cap_workers) {
        size_t nc = g_cap_workers ? 2 * g_cap_workers : 8;
        sbr_worker **nw = realloc(g_workers, nc * sizeof *nw);
        if (nw == NULL) {
            pthread_mutex_unlock(&g_workers_lock);
            sbr_worker_free(w);
            return NULL;
        }
        g_workers = nw;
        g_cap_workers = nc;
    }
    g_workers[g_n_workers++] = w;
    pthread_mutex_unlock(&g_workers_lock);
    tl_worker = w;
    return w;
}

/* ---- libmicrohttpd callbacks --------------------------------------------------------------- */

/* libmicrohttpd's memory per connection, for headers and read/write buffers (bodies are
 * copied out as they arrive, see on_request). It clears this memory for every request, so a
 * pool sized for the body limit (64 KiB and more) cost more per request than the answer. */
enum { SERVE_CONNECTION_MEMORY = 16 * 1024 };

typedef struct request_state {
    char *body;
    size_t len, cap;
    bool too_large, answered;
} request_state;

static enum MHD_Result send_response(struct MHD_Connection *conn, sbr_response *r, bool close)
{
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (mr == NULL) {
        sbr_response_fini(r);
        return MHD_NO;
    }
    r->body = NULL; /* owned by the response now */
    MHD_add_response_header(mr, "Content-Type", r->content_type);
    if (close)
        MHD_add_response_header(mr, "Connection", "close");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    request_state *st = *con_cls;
    sbr_response resp;
    if (st == NULL) {
        st = calloc(1, sizeof *st);
        if (st == NULL)
            return MHD_NO;
        *con_cls = st;
        atomic_fetch_add(&g_inflight, 1);
        if (atomic_load(&g_open) > g_max_connections) {
            char why[120];
            snprintf(why, sizeof why, "over %ld open connections; retry later", g_max_connections);
            sbr_server_error_response(g_server, SBR_ERR_OVERLOADED, why, &resp);
            st->answered = true;
            return send_response(conn, &resp, true);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno != 0 || *end != '\0' || n > serve_max_body) {
                char why[160];
                snprintf(why, sizeof why, "the body has %s bytes, over the limit of %zu", cl,
                         serve_max_body);
                sbr_server_error_response(g_server, SBR_ERR_TOO_LARGE, why, &resp);
                st->answered = true;
                return send_response(conn, &resp, true);
            }
        }
        return MHD_YES;
    }
    if (st->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->too_large || st->len + n > serve_max_body) {
            st->too_large = true;
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t nc = st->cap ? st->cap : 1024;
            while (nc < st->len + n + 1)
                nc *= 2;
            char *nb = realloc(st->body, nc);
            if (nb == NULL)
                return MHD_NO;
            st->body = nb;
            st->cap = nc;
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        return MHD_YES;
    }
    st->answered = true;
    if (st->too_large) {
        char why[120];
        snprintf(why, sizeof why, "the body is over the limit of %zu bytes", serve_max_body);
        sbr_server_error_response(g_server, SBR_ERR_TOO_LARGE, why, &resp);
        return send_response(conn, &resp, true);
    }
    sbr_worker *w = thread_worker();
    if (w == NULL) {
        sbr_server_error_response(g_server, SBR_ERR_INTERNAL, "out of memory", &resp);
        return send_response(conn, &resp, true);
    }
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *token = NULL;
    if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0)
        token = auth + 7;
    sbr_request req = {method, url, st->body, st->len, token};
    sbr_server_handle(g_server, w, &req, &resp);
    return send_response(conn, &resp, false);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    request_state *st = *con_cls;
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
        sbr_server_error_response(g_server, SBR_ERR_TIMEOUT, "timed out", NULL);
    if (st != NULL) {
        atomic_fetch_sub(&g_inflight, 1);
        free(st->body);
        free(st);
    }
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)conn;
    (void)socket_context;
    int d = toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1;
    atomic_fetch_add(&g_open, d);
    sbr_server_connections_add(g_server, d);
}

/* ---- the command --------------------------------------------------------------------------- */

static int parse_hostport(const char *cmd, const char *opt, const char *text, char *host,
                          size_t host_size, long *port)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || (size_t)(colon - text) >= host_size)
        return cli_usage_error(cmd, "%s '%s': give ADDRESS:PORT, e.g. 127.0.0.1:8080", opt, text);
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    return cli_count(cmd, opt, colon + 1, 0, 65535, port);
}

static int read_token(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "sbr serve: --admin-token-file %s: %s\n", path, strerror(errno));
        return SBR_EXIT_RUNTIME;
    }
    if (fgets(out, (int)size, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (strlen(out) < 8) {
        fprintf(stderr,
                "sbr serve: --admin-token-file %s: the token must have >= 8 "
                "characters on its first line\n",
                path);
        return SBR_EXIT_RUNTIME;
    }
    return SBR_EXIT_OK;
}

int sbr_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"model", required_argument, NULL, OPT_MODEL},
        {"train", required_argument, NULL, OPT_TRAIN},
        {"algo", required_argument, NULL, OPT_ALGO},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"admin-token-file", required_argument, NULL, OPT_TOKEN_FILE},
        {"max-session-len", required_argument, NULL, OPT_MAX_LEN},
        {"ttl", required_argument, NULL, OPT_TTL},
        {"session-memory", required_argument, NULL, OPT_MEMORY},
        {"shards", required_argument, NULL, OPT_SHARDS},
        {"redis", required_argument, NULL, OPT_REDIS},
        {"redis-prefix", required_argument, NULL, OPT_REDIS_PREFIX},
        {"allow", required_argument, NULL, OPT_ALLOW},
        {"deny", required_argument, NULL, OPT_DENY},
        {"categories", required_argument, NULL, OPT_CATEGORIES},
        {"per-category", required_argument, NULL, OPT_PER_CATEGORY},
        {"exclude-session", no_argument, NULL, OPT_EXCLUDE},
        {"n", required_argument, NULL, OPT_N},
        {"max-n", required_argument, NULL, OPT_MAX_N},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    sbr_server_config cfg;
    sbr_server_config_init(&cfg);
    char host[64] = "127.0.0.1", redis_host[256] = "";
    long port = 8080, threads = 2, max_conn = 256, timeout = 10, v, redis_port = 0;
    double dv;
    const char *port_file = NULL, *token_file = NULL, *redis_prefix = "sbr:s:";
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        rc = 0;
        switch (c) {
        case 'h':
            fputs(serve_usage, stdout);
            fputs(serve_usage2, stdout);
            return SBR_EXIT_OK;
        case OPT_MODEL:
            cfg.model_path = optarg;
            break;
        case OPT_TRAIN:
            cfg.train_path = optarg;
            break;
        case OPT_ALGO:
            cfg.algo_spec = optarg;
            break;
        case OPT_LISTEN:
            rc = parse_hostport("serve", "--listen", optarg, host, sizeof host, &port);
            break;
        case OPT_PORT_FILE:
            port_file = optarg;
            break;
        case OPT_THREADS:
            rc = cli_count("serve", "--threads", optarg, 1, 256, &threads);
            break;
        case OPT_MAX_CONN:
            rc = cli_count("serve", "--max-connections", optarg, 1, 100000, &max_conn);
            break;
        case OPT_TIMEOUT:
            rc = cli_count("serve", "--timeout", optarg, 1, 3600, &timeout);
            break;
        case OPT_MAX_BODY:
            rc = cli_count("serve", "--max-body", optarg, 64, 64L << 20, &v);
            cfg.max_body = (size_t)v;
            break;
        case OPT_TOKEN_FILE:
            token_file = optarg;
            break;
        case OPT_MAX_LEN:
            rc = cli_count("serve", "--max-session-len", optarg, 1, 100000, &v);
            cfg.store.max_len = (size_t)v;
            break;
        case OPT_TTL:
            rc = cli_number("serve", "--ttl", optarg, 0.001, 1e9, &cfg.store.ttl_s);
            break;
        case OPT_MEMORY:
            rc = cli_number("serve", "--session-memory", optarg, 0.01, 1e7, &dv);
            cfg.store.max_bytes = (size_t)(dv * 1048576.0);
            break;
        case OPT_SHARDS:
            rc = cli_count("serve", "--shards", optarg, 1, 4096, &v);
            cfg.store.shards = (size_t)v;
            break;
        case OPT_REDIS:
            rc = parse_hostport("serve", "--redis", optarg, redis_host, sizeof redis_host,
                                &redis_port);
            break;
        case OPT_REDIS_PREFIX:
            redis_prefix = optarg;
            break;
        case OPT_ALLOW:
            cfg.allow_path = optarg;
            break;
        case OPT_DENY:
            cfg.deny_path = optarg;
            break;
        case OPT_CATEGORIES:
            cfg.category_path = optarg;
            break;
        case OPT_PER_CATEGORY:
            rc = cli_count("serve", "--per-category", optarg, 0, 100000, &v);
            cfg.per_category = (size_t)v;
            break;
        case OPT_EXCLUDE:
            cfg.exclude_session = true;
            break;
        case OPT_N:
            rc = cli_count("serve", "--n", optarg, 1, 100000, &v);
            cfg.default_n = (size_t)v;
            break;
        case OPT_MAX_N:
            rc = cli_count("serve", "--max-n", optarg, 1, 100000, &v);
            cfg.max_n = (size_t)v;
            break;
        default:
            if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE)
                rc = cli_load_option("serve", c, optarg, &cfg.load);
            else
                return cli_usage_error("serve", "unrecognised option");
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (cfg.model_path == NULL && (cfg.train_path == NULL || cfg.algo_spec == NULL))
        return cli_usage_error("serve", "give --model, or --train and --algo");
    if (cfg.model_path != NULL && (cfg.train_path != NULL || cfg.algo_spec != NULL))
        return cli_usage_error("serve", "--model excludes --train and --algo");
    if (cfg.default_n > cfg.max_n)
        return cli_usage_error("serve", "--n %zu exceeds --max-n %zu", cfg.default_n, cfg.max_n);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return cli_usage_error("serve", "--listen: '%s' is not an IPv4 address", host);
    char token[512];
    if (token_file != NULL) {
        if ((rc = read_token(token_file, token, sizeof token)) != SBR_EXIT_OK)
            return rc;
        cfg.admin_token = token;
    }
    if (cfg.algo_spec != NULL) {
        sbr_spec probe = SBR_SPEC_EMPTY;
        if ((rc = cli_parse_specs("serve", &cfg.algo_spec, 1, &probe)) != SBR_EXIT_OK)
            return rc;
        sbr_spec_fini(&probe);
    }
    sbr_err err = {SBR_OK, ""};
    if (redis_port > 0) {
        sbr_redis_options ro;
        sbr_redis_options_init(&ro);
        ro.host = redis_host;
        ro.port = (int)redis_port;
        ro.prefix = redis_prefix;
        ro.max_len = cfg.store.max_len;
        ro.ttl_s = cfg.store.ttl_s;
        ro.pool = (size_t)threads;
        if (sbr_redis_backend_new(&ro, &cfg.backend, &err) != SBR_OK)
            return cli_fail(&err);
    }
    serve_max_body = cfg.max_body;
    g_max_connections = max_conn;
    double t0 = sbr_now_s();
    if (sbr_server_new(&cfg, &g_server, &err) != SBR_OK)
        return cli_fail(&err);
    double load_s = sbr_now_s() - t0;

    /* Signals go to this thread only (sigwait below): block them before any thread starts. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
        on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(max_conn + 64), MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONNECTION_MEMORY,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "sbr serve: cannot listen on %s:%ld (in use, or not permitted)\n", host,
                port);
        sbr_server_free(g_server);
        return SBR_EXIT_RUNTIME;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info != NULL ? info->port : (unsigned)port;
    fprintf(stderr,
            "sbr serve: model ready in %.2f s; listening on http://%s:%u with %ld threads "
            "(sessions: %s)\n",
            load_s, host, bound, threads, redis_port > 0 ? "redis" : "memory");
    if (port_file != NULL) {
        FILE *f = fopen(port_file, "w");
        if (f == NULL || fprintf(f, "%u\n", bound) < 0 || fclose(f) != 0)
            fprintf(stderr, "sbr serve: cannot write --port-file %s\n", port_file);
    }
    int exit_code = SBR_EXIT_OK;
    for (;;) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig < 0) {
            sbr_server_tick(g_server);
            continue;
        }
        if (sig == SIGHUP) {
            double r0 = sbr_now_s();
            if (sbr_server_reload(g_server, &err) == SBR_OK)
                fprintf(stderr, "sbr serve: reloaded (version %llu) in %.2f s\n",
                        (unsigned long long)sbr_server_version(g_server), sbr_now_s() - r0);
            else
                fprintf(stderr, "sbr serve: reload failed, the old model stays: %s\n", err.msg);
            continue;
        }
        break;
    }
    /* Drain: stop accepting, give open requests up to the timeout to finish, then stop. */
    fprintf(stderr, "sbr serve: stopping; draining %d requests\n", atomic_load(&g_inflight));
    MHD_quiesce_daemon(d);
    for (long waited = 0; atomic_load(&g_inflight) > 0 && waited < 20 * timeout; waited++) {
        struct timespec ms50 = {0, 50000000};
        nanosleep(&ms50, NULL);
    }
    MHD_stop_daemon(d);
    for (size_t i = 0; i < g_n_workers; i++)
        sbr_worker_free(g_workers[i]);
    free(g_workers);
    g_workers = NULL;
    g_n_workers = g_cap_workers = 0;
    sbr_server_free(g_server);
    g_server = NULL;
    fprintf(stderr, "sbr serve: stopped\n");
    return exit_code;
}
