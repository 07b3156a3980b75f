/* session_redis: live sessions kept in Redis, so that several `sbr serve` processes (behind one
 * balancer, or replacing each other) share them.
 *
 * Session `key` is the Redis list "<prefix><key>" of "<ItemId>:<time>" entries, oldest first,
 * trimmed to the last max_len on every append and expiring ttl_s seconds after its last use
 * (Redis does the TTL). Items are stored as original ids, so processes serving models with
 * different vocabularies still agree on what a session holds; clicks on items absent from the
 * current vocabulary are stored and skipped when read. Each call takes one connection of a
 * pool (one per serving thread, made on first use and remade after an error) and sends its
 * commands in one pipeline. Nothing here prints. */
#ifndef SBR_EVAL_SESSION_REDIS_H
#define SBR_EVAL_SESSION_REDIS_H

#include <stddef.h>

#include "data/common.h"
#include "eval/server.h"

typedef struct sbr_redis_options {
    const char *host;   /* "127.0.0.1" */
    int port;           /* 6379 */
    const char *prefix; /* "sbr:s:" */
    size_t max_len;     /* clicks kept per session */
    double ttl_s;       /* idle seconds */
    size_t pool;        /* connections (>= 1) */
    double timeout_s;   /* connect and command timeout */
} sbr_redis_options;

void sbr_redis_options_init(sbr_redis_options *o);

/* Connects once to check the server (PING), then fills *out with a backend for
 * sbr_server_config.backend (its free releases everything). Errors: SBR_EIO naming host:port
 * and Redis' reason, SBR_EINVAL for bad options, SBR_ENOMEM. */
sbr_rc sbr_redis_backend_new(const sbr_redis_options *o, sbr_session_backend **out, sbr_err *err);

#endif
