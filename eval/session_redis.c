#include "eval/session_redis.h"

#include <hiredis/hiredis.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "data/parse.h"

typedef struct conn {
    pthread_mutex_t lock;
    redisContext *ctx; /* NULL until first use or after an error */
} conn;

typedef struct redis_sessions {
    sbr_redis_options o;
    char host[256], prefix[64];
    long ttl; /* whole seconds, >= 1 */
    conn *pool;
    atomic_uint next;
    sbr_session_backend backend;
} redis_sessions;

void sbr_redis_options_init(sbr_redis_options *o)
{
    o->host = "127.0.0.1";
    o->port = 6379;
    o->prefix = "sbr:s:";
    o->max_len = 100;
    o->ttl_s = 1800;
    o->pool = 4;
    o->timeout_s = 2;
}

static redisContext *connect_to(const redis_sessions *r, sbr_err *err)
{
    struct timeval tv = {(time_t)r->o.timeout_s,
                         (suseconds_t)((r->o.timeout_s - floor(r->o.timeout_s)) * 1e6)};
    redisContext *c = redisConnectWithTimeout(r->host, r->o.port, tv);
    if (c == NULL || c->err) {
        sbr_err_set(err, SBR_EIO, "redis %s:%d: cannot connect: %s", r->host, r->o.port,
                    c != NULL ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

static conn *acquire(redis_sessions *r)
{
    unsigned start = atomic_fetch_add(&r->next, 1);
    for (size_t i = 0; i < r->o.pool; i++) {
        conn *c = &r->pool[(start + i) % r->o.pool];
        if (pthread_mutex_trylock(&c->lock) == 0)
            return c;
    }
    conn *c = &r->pool[start % r->o.pool];
    pthread_mutex_lock(&c->lock);
    return c;
}

static void release(conn *c, bool broken)
{
    if (broken && c->ctx != NULL) {
        redisFree(c->ctx);
        c->ctx = NULL;
    }
    pthread_mutex_unlock(&c->lock);
}

/* Parses the LRANGE reply into dense indices of v (the last cap of them). */
static sbr_rc read_list(const redisReply *rep, const sbr_vocab *v, uint32_t *items, double *times,
                        size_t cap, size_t *len, sbr_err *err)
{
    *len = 0;
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
        return sbr_err_set(err, SBR_EIO, "redis: unexpected reply to LRANGE");
    size_t from = rep->elements > cap ? rep->elements - cap : 0;
    for (size_t i = from; i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_STRING)
            continue;
        const char *colon = memchr(e->str, ':', e->len);
        uint64_t id;
        double t;
        uint32_t idx;
        if (colon == NULL || sbr_parse_u64(e->str, (size_t)(colon - e->str), &id) != NULL ||
            sbr_parse_double(colon + 1, e->len - (size_t)(colon - e->str) - 1, &t) != NULL)
            continue; /* not ours */
        if (!sbr_vocab_find(v, id, &idx))
            continue;
        items[*len] = idx;
        if (times != NULL)
            times[*len] = t;
        (*len)++;
    }
    return SBR_OK;
}

/* Sends the pipeline of append (item_id != NULL) or get, reads the replies. */
static sbr_rc run(redis_sessions *r, const char *key, size_t key_len, const char *entry,
                  const sbr_vocab *v, uint32_t *items, double *times, size_t cap, size_t *len,
                  sbr_err *err)
{
    *len = 0;
    conn *c = acquire(r);
    sbr_rc rc = SBR_OK;
    if (c->ctx == NULL && (c->ctx = connect_to(r, err)) == NULL) {
        release(c, false);
        return SBR_EIO;
    }
    char k[1200];
    int kn = snprintf(k, sizeof k, "%s%.*s", r->prefix, (int)key_len, key);
    size_t klen = (size_t)kn;
    int sent = 0;
    if (entry != NULL) {
        redisAppendCommand(c->ctx, "RPUSH %b %s", k, klen, entry);
        redisAppendCommand(c->ctx, "LTRIM %b %lld -1", k, klen, -(long long)r->o.max_len);
        sent += 2;
    }
    redisAppendCommand(c->ctx, "EXPIRE %b %ld", k, klen, r->ttl);
    redisAppendCommand(c->ctx, "LRANGE %b 0 -1", k, klen);
    sent += 2;
    bool broken = false;
    for (int i = 0; i < sent; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(c->ctx, (void **)&rep) != REDIS_OK) {
            rc = sbr_err_set(err, SBR_EIO, "redis %s:%d: %s", r->host, r->o.port, c->ctx->errstr);
            broken = true;
            break;
        }
        if (rep->type == REDIS_REPLY_ERROR && rc == SBR_OK)
            rc = sbr_err_set(err, SBR_EIO, "redis: %s", rep->str);
        else if (i == sent - 1 && rc == SBR_OK)
            rc = read_list(rep, v, items, times, cap, len, err);
        freeReplyObject(rep);
    }
    release(c, broken);
    return rc;
}

static sbr_rc redis_append(void *impl, const char *key, size_t key_len, uint32_t item,
                           uint64_t item_id, double time, double now, const sbr_vocab *v,
                           uint32_t *items, double *times, size_t cap, size_t *len, sbr_err *err)
{
    (void)now;
    (void)item; /* unknown items are stored too: another model may know them */
    char entry[80], num[40];
    snprintf(entry, sizeof entry, "%llu:%s", (unsigned long long)item_id,
             sbr_format_double(num, sizeof num, time));
    return run(impl, key, key_len, entry, v, items, times, cap, len, err);
}

static sbr_rc redis_get(void *impl, const char *key, size_t key_len, double now, const sbr_vocab *v,
                        uint32_t *items, double *times, size_t cap, size_t *len, sbr_err *err)
{
    (void)now;
    return run(impl, key, key_len, NULL, v, items, times, cap, len, err);
}

static void redis_stats(void *impl, sbr_store_stats *st)
{
    redis_sessions *r = impl;
    memset(st, 0, sizeof *st);
    conn *c = acquire(r);
    sbr_err err;
    if (c->ctx == NULL)
        c->ctx = connect_to(r, &err);
    bool broken = c->ctx == NULL;
    if (c->ctx != NULL) {
        redisReply *rep = redisCommand(c->ctx, "DBSIZE");
        if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
            st->sessions = (size_t)rep->integer;
        broken = rep == NULL;
        freeReplyObject(rep);
    }
    release(c, broken);
}

static void redis_free(void *impl)
{
    redis_sessions *r = impl;
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->o.pool; i++) {
        redisFree(r->pool[i].ctx);
        pthread_mutex_destroy(&r->pool[i].lock);
    }
    free(r->pool);
    free(r);
}

sbr_rc sbr_redis_backend_new(const sbr_redis_options *o, sbr_session_backend **out, sbr_err *err)
{
    *out = NULL;
    if (o->host == NULL || strlen(o->host) >= 256 || o->port < 1 || o->port > 65535)
        return sbr_err_set(err, SBR_EINVAL, "redis: give host:port with a port in 1..65535");
    if (o->pool < 1 || o->pool > 1024 || o->max_len < 1 || !(o->ttl_s > 0) ||
        strlen(o->prefix) >= 64)
        return sbr_err_set(err, SBR_EINVAL, "redis: bad pool, max length, TTL or prefix");
    redis_sessions *r = calloc(1, sizeof *r);
    if (r == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "redis: out of memory");
    r->o = *o;
    snprintf(r->host, sizeof r->host, "%s", o->host);
    snprintf(r->prefix, sizeof r->prefix, "%s", o->prefix);
    r->o.host = r->host;
    r->o.prefix = r->prefix;
    r->ttl = (long)ceil(o->ttl_s);
    r->pool = calloc(o->pool, sizeof *r->pool);
    if (r->pool == NULL) {
        free(r);
        return sbr_err_set(err, SBR_ENOMEM, "redis: out of memory");
    }
    for (size_t i = 0; i < o->pool; i++)
        pthread_mutex_init(&r->pool[i].lock, NULL);
    redisContext *c = connect_to(r, err);
    if (c == NULL) {
        redis_free(r);
        return SBR_EIO;
    }
    redisReply *rep = redisCommand(c, "PING");
    bool ok = rep != NULL && (rep->type == REDIS_REPLY_STATUS || rep->type == REDIS_REPLY_STRING);
    if (!ok)
        sbr_err_set(err, SBR_EIO, "redis %s:%d: no answer to PING: %s", r->host, o->port,
                    rep != NULL && rep->type == REDIS_REPLY_ERROR ? rep->str : c->errstr);
    freeReplyObject(rep);
    if (!ok) {
        redisFree(c);
        redis_free(r);
        return SBR_EIO;
    }
    r->pool[0].ctx = c;
    r->backend = (sbr_session_backend){r, redis_append, redis_get, redis_stats, redis_free};
    *out = &r->backend;
    return SBR_OK;
}
