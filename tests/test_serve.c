/* Serving: the session store (TTL, max length, LRU bound, sharding, threads), the business
 * rules, and request handling (every endpoint, every bad input, the reload swap). */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/model_file.h"
#include "data/load.h"
#include "eval/biz_rules.h"
#include "eval/server.h"
#include "eval/session_store.h"
#include "test_util.h"

/* ---- the store ----------------------------------------------------------------------------- */

static sbr_store *store_with(size_t shards, size_t max_len, double ttl, size_t max_bytes)
{
    sbr_store_options o = {shards, max_len, ttl, max_bytes};
    sbr_store *s = NULL;
    sbr_err e;
    CU_ASSERT_FATAL(sbr_store_new(&o, &s, &e) == SBR_OK);
    return s;
}

static void test_store_keeps_the_last_max_len_clicks(void)
{
    sbr_store *s = store_with(4, 3, 100, 1 << 20);
    uint32_t items[8];
    double times[8];
    size_t len;
    sbr_err e;
    for (uint32_t i = 0; i < 5; i++)
        CU_ASSERT(sbr_store_append(s, "a", 1, i, 10.0 + i, 0, items, times, 8, &len, &e) == SBR_OK);
    CU_ASSERT_EQUAL(len, 3);
    CU_ASSERT_EQUAL(items[0], 2);
    CU_ASSERT_EQUAL(items[2], 4);
    CU_ASSERT_DOUBLE_EQUAL(times[0], 12.0, 0);
    /* an unknown item touches, never stores */
    CU_ASSERT(sbr_store_append(s, "a", 1, SBR_ITEM_UNKNOWN, 20, 0, items, times, 8, &len, &e) ==
              SBR_OK);
    CU_ASSERT_EQUAL(len, 3);
    CU_ASSERT_EQUAL(items[2], 4);
    /* a smaller output buffer gets the most recent */
    CU_ASSERT(sbr_store_get(s, "a", 1, 0, items, NULL, 2, &len));
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT_EQUAL(items[0], 3);
    CU_ASSERT(!sbr_store_get(s, "b", 1, 0, items, NULL, 8, &len));
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT(sbr_store_append(s, "", 0, 1, 0, 0, items, times, 8, &len, &e) == SBR_EINVAL);
    CU_ASSERT(sbr_store_remove(s, "a", 1));
    CU_ASSERT(!sbr_store_get(s, "a", 1, 0, items, NULL, 8, &len));
    sbr_store_free(s);
}

static void test_store_expires_idle_sessions(void)
{
    sbr_store *s = store_with(1, 10, 5, 1 << 20);
    uint32_t items[10];
    size_t len;
    sbr_err e;
    sbr_store_append(s, "old", 3, 1, 0, 100.0, items, NULL, 10, &len, &e);
    sbr_store_append(s, "new", 3, 2, 0, 103.0, items, NULL, 10, &len, &e);
    CU_ASSERT(sbr_store_get(s, "old", 3, 104.9, items, NULL, 10, &len));  /* touched at 104.9 */
    CU_ASSERT(!sbr_store_get(s, "new", 3, 108.5, items, NULL, 10, &len)); /* idle 5.5 s */
    CU_ASSERT(sbr_store_get(s, "old", 3, 108.5, items, NULL, 10, &len));
    CU_ASSERT_EQUAL(sbr_store_expire(s, 200), 1);
    sbr_store_stats st;
    sbr_store_get_stats(s, &st);
    CU_ASSERT_EQUAL(st.sessions, 0);
    CU_ASSERT_EQUAL(st.expired, 2);
    /* an expired session starts empty */
    sbr_store_append(s, "old", 3, 7, 0, 300, items, NULL, 10, &len, &e);
    CU_ASSERT_EQUAL(len, 1);
    CU_ASSERT_EQUAL(items[0], 7);
    sbr_store_free(s);
}

static void test_store_evicts_least_recently_used_within_its_bound(void)
{
    sbr_store *s = store_with(1, 50, 1e9, 8192);
    uint32_t items[50];
    size_t len;
    sbr_err e;
    char key[32];
    for (int i = 0; i < 200; i++) {
        int n = snprintf(key, sizeof key, "s%d", i);
        for (int c = 0; c < 10; c++)
            sbr_store_append(s, key, (size_t)n, (uint32_t)c, 0, i, items, NULL, 50, &len, &e);
        sbr_store_get(s, "s0", 2, i, items, NULL, 50, &len); /* s0 stays recent */
    }
    sbr_store_stats st;
    sbr_store_get_stats(s, &st);
    CU_ASSERT(st.bytes <= 8192 + 4096); /* the shard bound plus the fixed tables */
    CU_ASSERT(st.evicted > 100);
    CU_ASSERT(sbr_store_get(s, "s0", 2, 1000, items, NULL, 50, &len));
    CU_ASSERT_EQUAL(len, 10);
    CU_ASSERT(sbr_store_get(s, "s199", 4, 1000, items, NULL, 50, &len));
    CU_ASSERT(!sbr_store_get(s, "s1", 2, 1000, items, NULL, 50, &len));
    sbr_store_free(s);
}

static void test_store_spreads_sessions_over_shards(void)
{
    sbr_store *s = store_with(8, 4, 1e9, 1 << 24);
    uint32_t items[4];
    size_t len;
    sbr_err e;
    char key[32];
    for (int i = 0; i < 8000; i++) {
        int n = snprintf(key, sizeof key, "%d", i);
        sbr_store_append(s, key, (size_t)n, 1, 0, 0, items, NULL, 4, &len, &e);
        CU_ASSERT(sbr_store_shard_of(s, key, (size_t)n) < 8);
    }
    for (size_t i = 0; i < 8; i++) {
        size_t n = sbr_store_shard_sessions(s, i);
        CU_ASSERT(n > 700 && n < 1300);
    }
    sbr_store_stats st;
    sbr_store_get_stats(s, &st);
    CU_ASSERT_EQUAL(st.sessions, 8000);
    sbr_store_free(s);
}

typedef struct store_thread {
    sbr_store *s;
    int id, bad;
} store_thread;

static void *store_worker(void *arg)
{
    store_thread *t = arg;
    uint32_t items[16];
    size_t len;
    sbr_err e;
    char key[32];
    for (int r = 0; r < 20000; r++) {
        int n = snprintf(key, sizeof key, "t%d-%d", t->id, r % 97);
        uint32_t item = (uint32_t)(t->id * 1000000 + r);
        if (sbr_store_append(t->s, key, (size_t)n, item, r, r * 1e-3, items, NULL, 16, &len, &e) !=
                SBR_OK ||
            len == 0 || items[len - 1] != item)
            t->bad++;
        /* a shared session, appended by every thread */
        sbr_store_append(t->s, "shared", 6, (uint32_t)t->id, 0, r * 1e-3, items, NULL, 16, &len,
                         &e);
    }
    return NULL;
}

static void test_store_is_safe_with_several_threads(void)
{
    sbr_store *s = store_with(4, 16, 1e9, 1 << 24);
    enum { T = 4 };
    pthread_t th[T];
    store_thread st[T];
    for (int i = 0; i < T; i++) {
        st[i] = (store_thread){s, i, 0};
        pthread_create(&th[i], NULL, store_worker, &st[i]);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(st[i].bad, 0);
    }
    sbr_store_stats ss;
    sbr_store_get_stats(s, &ss);
    CU_ASSERT_EQUAL(ss.sessions, T * 97 + 1);
    CU_ASSERT_EQUAL(ss.clicks_stored, (uint64_t)T * 20000 * 2);
    sbr_store_free(s);
}

static void test_store_rejects_bad_options(void)
{
    sbr_store *s;
    sbr_err e;
    sbr_store_options o;
    sbr_store_options_init(&o);
    o.shards = 0;
    CU_ASSERT(sbr_store_new(&o, &s, &e) == SBR_EINVAL);
    CU_ASSERT(strstr(e.msg, "shards") != NULL);
    sbr_store_options_init(&o);
    o.ttl_s = 0;
    CU_ASSERT(sbr_store_new(&o, &s, &e) == SBR_EINVAL);
}

/* ---- business rules ------------------------------------------------------------------------ */

static void test_rules_filter_in_rank_order(void)
{
    uint64_t ids[] = {10, 20, 30, 40, 50, 60};
    uint64_t clicks[] = {1, 1, 1, 1, 1, 1};
    sbr_vocab v = {6, ids, clicks};
    const char *allow = test_write_text("allow.txt", "ItemId\n10\n20\n30\n40\n60\n999\n");
    const char *deny = test_write_text("deny.txt", "# never\n20\n");
    const char *cats = test_write_text("cats.tsv", "ItemId\tCategory\n10\tshoes\n30\tshoes\n"
                                                   "40\tshoes\n60\thats\n");
    sbr_biz_rules r;
    sbr_err e;
    CU_ASSERT_FATAL(sbr_biz_load(&v, allow, deny, cats, &r, &e) == SBR_OK);
    CU_ASSERT_EQUAL(r.allowed, 5);
    CU_ASSERT_EQUAL(r.denied, 1);
    CU_ASSERT_EQUAL(r.unknown_ids, 1);
    CU_ASSERT_EQUAL(r.n_categories, 2);
    sbr_scored cand[6];
    for (uint32_t i = 0; i < 6; i++)
        cand[i] = (sbr_scored){i, 6.0 - i};
    sbr_scored out[6];
    uint32_t seen[6], count[6];
    uint32_t session[] = {0};
    sbr_biz_request q = {false, true, 0};
    CU_ASSERT(sbr_biz_active(&r, &q));
    size_t n = sbr_biz_apply(&r, &q, session, 1, cand, 6, out, 6, seen, count);
    CU_ASSERT_EQUAL(n, 4); /* 10 30 40 60: 20 denied, 50 not allowed */
    CU_ASSERT_EQUAL(out[1].item, 2);
    q.exclude_session = true;
    q.per_category = 1;
    n = sbr_biz_apply(&r, &q, session, 1, cand, 6, out, 6, seen, count);
    CU_ASSERT_EQUAL(n, 2); /* 30 (shoes), 60 (hats) */
    CU_ASSERT_EQUAL(out[0].item, 2);
    CU_ASSERT_EQUAL(out[1].item, 5);
    q = (sbr_biz_request){false, false, 0};
    CU_ASSERT(!sbr_biz_active(&r, &q));
    CU_ASSERT_EQUAL(sbr_biz_apply(&r, &q, session, 1, cand, 6, out, 3, seen, count), 3);
    sbr_biz_fini(&r);

    const char *bad = test_write_text("badcats.tsv", "10\tshoes\nbanana\thats\n");
    CU_ASSERT(sbr_biz_load(&v, NULL, NULL, bad, &r, &e) == SBR_EPARSE);
    CU_ASSERT(strstr(e.msg, "badcats.tsv:2") != NULL);
    CU_ASSERT(sbr_biz_load(&v, "/nonexistent/allow", NULL, NULL, &r, &e) == SBR_EIO);
}

/* ---- request handling ---------------------------------------------------------------------- */

static char model_path[4096];

static int serve_setup(void)
{
    sbr_dataset *train = NULL;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    sbr_err e;
    snprintf(model_path, sizeof model_path, "%s/serve-model.sbrm", test_tmpdir());
    char path[4096];
    snprintf(path, sizeof path, "%s/sessions-small.tsv", SBR_FIXTURES);
    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_model *m = NULL;
    sbr_vocab v = {0, NULL, NULL};
    sbr_rc rc = sbr_load_sessions(path, &lo, &train, NULL, &e);
    if (rc == SBR_OK)
        rc = sbr_spec_parse(&spec, "sr", &e);
    if (rc == SBR_OK)
        rc = sbr_algo_fit(spec.algo, spec.config, train, &m, &e);
    if (rc == SBR_OK)
        rc = sbr_vocab_from_dataset(train, &v, &e);
    if (rc == SBR_OK)
        rc = sbr_model_save(m, &spec, &v, model_path, &e);
    if (rc != SBR_OK)
        fprintf(stderr, "serve setup: %s\n", e.msg);
    if (m != NULL)
        m->algo->free(m);
    sbr_vocab_fini(&v);
    sbr_spec_fini(&spec);
    sbr_dataset_free(train);
    return rc != SBR_OK;
}

static sbr_server *new_server(const char *token)
{
    sbr_server_config c;
    sbr_server_config_init(&c);
    c.model_path = model_path;
    c.admin_token = token;
    c.max_body = 4096;
    sbr_server *s = NULL;
    sbr_err e;
    CU_ASSERT_FATAL(sbr_server_new(&c, &s, &e) == SBR_OK);
    return s;
}

static int call(sbr_server *s, sbr_worker *w, const char *method, const char *path,
                const char *body, const char *token, char *out, size_t size)
{
    sbr_request rq = {method, path, body, body != NULL ? strlen(body) : 0, token};
    sbr_response r;
    sbr_server_handle(s, w, &rq, &r);
    snprintf(out, size, "%s", r.body != NULL ? r.body : "");
    int st = r.status;
    sbr_response_fini(&r);
    return st;
}

static void test_server_answers_every_endpoint(void)
{
    sbr_server *s = new_server("tok-123456");
    sbr_worker *w = sbr_worker_new(s);
    CU_ASSERT_FATAL(w != NULL);
    char out[8192];
    CU_ASSERT_EQUAL(call(s, w, "GET", "/healthz", NULL, NULL, out, sizeof out), 200);
    CU_ASSERT(strstr(out, "\"ok\"") != NULL);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/events", "{\"session\": 7, \"item\": 10, \"time\": 5}",
                         NULL, out, sizeof out),
                    200);
    CU_ASSERT(strstr(out, "\"session\":7,\"items\":[11") != NULL);
    CU_ASSERT(strstr(out, "\"length\":1") != NULL);
    /* an unknown item is ignored and counted; the history stays */
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/events", "{\"session\": 7, \"item\": 99999}", NULL, out,
                         sizeof out),
                    200);
    CU_ASSERT(strstr(out, "\"unknown_item\":true") != NULL);
    CU_ASSERT(strstr(out, "\"length\":1") != NULL);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/recommend", "{\"session\": \"7\", \"n\": 1}", NULL, out,
                         sizeof out),
                    200);
    CU_ASSERT(strstr(out, "\"session\":\"7\",\"items\":[11],") != NULL);
    CU_ASSERT_EQUAL(
        call(s, w, "POST", "/v1/recommend", "{\"session\": \"nobody\"}", NULL, out, sizeof out),
        200);
    CU_ASSERT(strstr(out, "\"items\":[],\"scores\":[],\"length\":0") != NULL);
    CU_ASSERT_EQUAL(
        call(s, w, "POST", "/v1/recommend", "{\"items\": [10, 424242]}", NULL, out, sizeof out),
        200);
    CU_ASSERT(strstr(out, "\"items\":[11") != NULL);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/recommend",
                         "{\"items\": [10], \"exclude_session\": true, \"history\": 1}", NULL, out,
                         sizeof out),
                    200);
    CU_ASSERT_EQUAL(call(s, w, "GET", "/v1/model", NULL, NULL, out, sizeof out), 200);
    CU_ASSERT(strstr(out, "\"algorithm\":\"sr\"") != NULL);
    CU_ASSERT_EQUAL(call(s, w, "GET", "/metrics", NULL, NULL, out, sizeof out), 200);
    CU_ASSERT(strstr(out, "sbr_requests_total{endpoint=\"events\"} 2") != NULL);
    CU_ASSERT(strstr(out, "sbr_unknown_items_total 2") != NULL);
    CU_ASSERT(strstr(out, "sbr_live_sessions 1") != NULL);
    CU_ASSERT(strstr(out, "sbr_request_duration_seconds_count 6") != NULL);
    sbr_worker_free(w);
    sbr_server_free(s);
}

static void test_server_refuses_bad_input_with_reasons(void)
{
    sbr_server *s = new_server("tok-123456");
    sbr_worker *w = sbr_worker_new(s);
    char out[8192];
    static const struct {
        const char *method, *path, *body;
        int status;
        const char *reason;
    } cases[] = {
        {"POST", "/v1/events", "{\"session\": 1, \"item\":", 400, "malformed JSON at line 1"},
        {"POST", "/v1/events", "", 400, "bad_json"},
        {"POST", "/v1/events", "[1,2]", 400, "must be a JSON object"},
        {"POST", "/v1/events", "{\"item\": 1}", 400, "\\\"session\\\" is required"},
        {"POST", "/v1/events", "{\"session\": 1}", 400, "\\\"item\\\" is required"},
        {"POST", "/v1/events", "{\"session\": 1, \"item\": -3}", 400, "non-negative integer"},
        {"POST", "/v1/events", "{\"session\": [], \"item\": 3}", 400, "an integer or a string"},
        {"POST", "/v1/events", "{\"session\": 1, \"item\": 3, \"n\": 0}", 400, "\\\"n\\\""},
        {"POST", "/v1/events", "{\"session\": 1, \"item\": 3, \"colour\": 1}", 400,
         "unknown field \\\"colour\\\""},
        {"POST", "/v1/events", "{\"session\": 1, \"item\": 3, \"session\": 2}", 400, "duplicate"},
        {"POST", "/v1/recommend", "{}", 400, "either"},
        {"POST", "/v1/recommend", "{\"items\": [\"x\"]}", 400, "\\\"items\\\"[0]"},
        {"GET", "/v1/events", NULL, 405, "wants POST"},
        {"POST", "/healthz", "", 405, "wants GET"},
        {"GET", "/nope", NULL, 404, "no endpoint /nope"},
        {"POST", "/admin/reload", "", 401, "admin token"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = call(s, w, cases[i].method, cases[i].path, cases[i].body, NULL, out, sizeof out);
        CU_ASSERT_EQUAL(st, cases[i].status);
        if (strstr(out, cases[i].reason) == NULL || st != cases[i].status)
            fprintf(stderr, "case %zu: %d %s\n", i, st, out);
        CU_ASSERT(strstr(out, cases[i].reason) != NULL);
    }
    char big[5000];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/events", big, NULL, out, sizeof out), 413);
    CU_ASSERT(strstr(out, "over the limit of 4096") != NULL);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/admin/reload", "", "wrong", out, sizeof out), 401);
    sbr_response r;
    sbr_server_error_response(s, SBR_ERR_OVERLOADED, "too many", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    sbr_response_fini(&r);
    CU_ASSERT_EQUAL(call(s, w, "GET", "/metrics", NULL, NULL, out, sizeof out), 200);
    CU_ASSERT(strstr(out, "sbr_errors_total{kind=\"bad_json\"} 4") != NULL);
    CU_ASSERT(strstr(out, "sbr_errors_total{kind=\"too_large\"} 1") != NULL);
    CU_ASSERT(strstr(out, "sbr_errors_total{kind=\"unauthorized\"} 2") != NULL);
    CU_ASSERT(strstr(out, "sbr_errors_total{kind=\"overloaded\"} 1") != NULL);
    sbr_worker_free(w);
    sbr_server_free(s);
}

static void test_server_reload_swaps_and_keeps_sessions(void)
{
    sbr_server *s = new_server("tok-123456");
    sbr_worker *w = sbr_worker_new(s);
    char out[8192], before[8192];
    call(s, w, "POST", "/v1/events", "{\"session\": 3, \"item\": 10}", NULL, before, sizeof before);
    CU_ASSERT_EQUAL(sbr_server_version(s), 1);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/admin/reload", "", "tok-123456", out, sizeof out), 200);
    CU_ASSERT(strstr(out, "\"version\":2") != NULL);
    CU_ASSERT_EQUAL(sbr_server_version(s), 2);
    /* the same session on the new model: the worker's scratch is remade for it */
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/recommend", "{\"session\": 3}", NULL, out, sizeof out),
                    200);
    CU_ASSERT(strstr(out, "\"length\":1") != NULL);
    CU_ASSERT(strstr(before, strchr(out, '[')) != NULL || strncmp(out, before, 20) == 0);
    /* a failing reload keeps the old model */
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", model_path);
    FILE *f = fopen(model_path, "r+b");
    CU_ASSERT_FATAL(f != NULL);
    fseek(f, 40, SEEK_SET);
    fputc('X', f);
    fclose(f);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/admin/reload", "", "tok-123456", out, sizeof out), 500);
    CU_ASSERT(strstr(out, "the old model stays") != NULL);
    CU_ASSERT_EQUAL(sbr_server_version(s), 2);
    CU_ASSERT_EQUAL(call(s, w, "POST", "/v1/recommend", "{\"session\": 3}", NULL, out, sizeof out),
                    200);
    sbr_worker_free(w);
    sbr_server_free(s);
    CU_ASSERT(serve_setup() == 0); /* restore the model for other tests */
}

typedef struct req_thread {
    sbr_server *s;
    int id, bad;
} req_thread;

static void *request_worker(void *arg)
{
    req_thread *t = arg;
    sbr_worker *w = sbr_worker_new(t->s);
    char body[128], out[8192];
    for (int i = 0; i < 300; i++) {
        snprintf(body, sizeof body, "{\"session\": %d, \"item\": %d}", t->id * 1000 + i % 7,
                 10 + i % 3);
        if (call(t->s, w, "POST", "/v1/events", body, NULL, out, sizeof out) != 200)
            t->bad++;
    }
    sbr_worker_free(w);
    return NULL;
}

static void *reloader(void *arg)
{
    req_thread *t = arg;
    sbr_err e;
    for (int i = 0; i < 5; i++)
        if (sbr_server_reload(t->s, &e) != SBR_OK)
            t->bad++;
    return NULL;
}

static void test_requests_in_flight_survive_reloads(void)
{
    sbr_server *s = new_server("tok-123456");
    pthread_t th[3];
    req_thread rt[3] = {{s, 1, 0}, {s, 2, 0}, {s, 0, 0}};
    pthread_create(&th[0], NULL, request_worker, &rt[0]);
    pthread_create(&th[1], NULL, request_worker, &rt[1]);
    pthread_create(&th[2], NULL, reloader, &rt[2]);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(rt[i].bad, 0);
    }
    CU_ASSERT_EQUAL(sbr_server_version(s), 6);
    sbr_server_free(s);
}

static void test_server_config_is_checked(void)
{
    sbr_server_config c;
    sbr_server_config_init(&c);
    sbr_server *s;
    sbr_err e;
    CU_ASSERT(sbr_server_new(&c, &s, &e) == SBR_EINVAL);
    CU_ASSERT(strstr(e.msg, "--model") != NULL);
    c.model_path = "/nonexistent.sbrm";
    CU_ASSERT(sbr_server_new(&c, &s, &e) == SBR_EIO);
    CU_ASSERT(strstr(e.msg, "/nonexistent.sbrm") != NULL);
}

static CU_TestInfo store_tests[] = {
    {"store keeps the last max_len clicks", test_store_keeps_the_last_max_len_clicks},
    {"store expires idle sessions", test_store_expires_idle_sessions},
    {"store evicts least recently used within its bound",
     test_store_evicts_least_recently_used_within_its_bound},
    {"store spreads sessions over shards", test_store_spreads_sessions_over_shards},
    {"store is safe with several threads", test_store_is_safe_with_several_threads},
    {"store rejects bad options", test_store_rejects_bad_options},
    {"rules filter in rank order", test_rules_filter_in_rank_order},
    CU_TEST_INFO_NULL};

static CU_TestInfo server_tests[] = {
    {"server answers every endpoint", test_server_answers_every_endpoint},
    {"server refuses bad input with reasons", test_server_refuses_bad_input_with_reasons},
    {"server reload swaps and keeps sessions", test_server_reload_swaps_and_keeps_sessions},
    {"requests in flight survive reloads", test_requests_in_flight_survive_reloads},
    {"server config is checked", test_server_config_is_checked},
    CU_TEST_INFO_NULL};

CU_SuiteInfo sbr_suite_session_store = {"session_store", NULL, NULL, NULL, NULL, store_tests};
CU_SuiteInfo sbr_suite_server = {"server", serve_setup, NULL, NULL, NULL, server_tests};
