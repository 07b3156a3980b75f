/* session_store: the live sessions of `sbr serve`, in memory.
 *
 * A session is named by a key (the request's session id as text) and holds its most recent
 * clicks as dense item indices of the served model, with their times, oldest first. The store
 * is split into shards, each a hash table with its own mutex and its own least-recently-used
 * list, so requests on different sessions rarely wait for each other. Three bounds:
 *   - max_len: a session keeps its last max_len clicks (older ones are dropped);
 *   - ttl_s: a session not touched for ttl_s seconds is gone (read as empty, then freed);
 *   - max_bytes: when the store would hold more, the least recently used sessions of the
 *     shard that grew are evicted (each shard gets max_bytes / shards).
 * Times for the TTL are passed in by the caller (a monotonic clock in the server, any value in
 * tests), so the store never reads a clock itself. Unknown items (SBR_ITEM_UNKNOWN) are never
 * stored. Every function is safe to call from any number of threads. Nothing here prints. */
#ifndef SBR_EVAL_SESSION_STORE_H
#define SBR_EVAL_SESSION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/common.h"

typedef struct sbr_store sbr_store;

typedef struct sbr_store_options {
    size_t shards;    /* 1..4096 */
    size_t max_len;   /* 1..100000 clicks kept per session */
    double ttl_s;     /* > 0: idle seconds before a session expires */
    size_t max_bytes; /* >= 4096: the memory bound of all sessions (keys, clicks, entries) */
} sbr_store_options;

/* Defaults: 16 shards, 100 clicks, 30 minutes, 256 MiB. */
void sbr_store_options_init(sbr_store_options *o);

/* A new empty store. Errors: SBR_EINVAL naming an option outside its range, SBR_ENOMEM. */
sbr_rc sbr_store_new(const sbr_store_options *o, sbr_store **out, sbr_err *err);
void sbr_store_free(sbr_store *s); /* accepts NULL */

/* Appends a click to session `key` (created when absent or expired) at clock time `now`, unless
 * item is SBR_ITEM_UNKNOWN (then the session is only touched), and copies the session's clicks
 * after the append, oldest first, into items/times (capacity cap; the most recent ones when more
 * are held) with their count in *len. times may be NULL. Errors: SBR_ENOMEM (the session is
 * then unchanged), SBR_EINVAL (an empty key or one over 1024 bytes). */
sbr_rc sbr_store_append(sbr_store *s, const char *key, size_t key_len, uint32_t item, double time,
                        double now, uint32_t *items, double *times, size_t cap, size_t *len,
                        sbr_err *err);

/* Copies session `key`'s clicks as sbr_store_append does, without changing them (the session
 * counts as used). Returns false, with *len 0, for an unknown or expired session. */
bool sbr_store_get(sbr_store *s, const char *key, size_t key_len, double now, uint32_t *items,
                   double *times, size_t cap, size_t *len);

/* Removes session `key`; returns whether it existed. */
bool sbr_store_remove(sbr_store *s, const char *key, size_t key_len);

/* Frees every session idle since before now - ttl_s; returns how many. */
size_t sbr_store_expire(sbr_store *s, double now);

/* Rewrites every stored item index through map (an item the map sends to SBR_ITEM_UNKNOWN is
 * dropped), e.g. to carry sessions over to a model with another vocabulary. */
void sbr_store_remap(sbr_store *s, uint32_t (*map)(void *user, uint32_t item), void *user);

typedef struct sbr_store_stats {
    size_t sessions;        /* live sessions */
    size_t bytes;           /* bytes held by them (entries, keys, clicks) and the tables */
    uint64_t expired;       /* sessions freed by the TTL, ever */
    uint64_t evicted;       /* sessions evicted by the memory bound, ever */
    uint64_t clicks_stored; /* clicks appended, ever */
} sbr_store_stats;

void sbr_store_get_stats(sbr_store *s, sbr_store_stats *st);

/* The shard a key belongs to (for tests of the sharding). */
size_t sbr_store_shard_of(const sbr_store *s, const char *key, size_t key_len);

/* The sessions held by one shard. */
size_t sbr_store_shard_sessions(sbr_store *s, size_t shard);

#endif
