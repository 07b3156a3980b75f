#include "eval/session_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"

enum { KEY_MAX = 1024, FIRST_CAP = 4 };

typedef struct entry {
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU list: head most recent */
    uint64_t hash;
    double last; /* clock time of the last use */
    size_t len, cap;
    uint32_t *items; /* [cap] */
    double *times;   /* [cap] */
    size_t key_len;
    char key[];
} entry;

typedef struct shard {
    pthread_mutex_t lock;
    entry **buckets;
    size_t n_buckets; /* a power of two */
    size_t n;         /* sessions */
    size_t bytes;     /* entries, keys, clicks, buckets */
    entry *head, *tail;
    uint64_t expired, evicted, clicks;
} shard;

struct sbr_store {
    sbr_store_options o;
    size_t shard_limit; /* max_bytes / shards */
    shard *shards;
};

void sbr_store_options_init(sbr_store_options *o)
{
    o->shards = 16;
    o->max_len = 100;
    o->ttl_s = 1800;
    o->max_bytes = (size_t)256 << 20;
}

static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static size_t entry_bytes(const entry *e)
{
    return sizeof *e + e->key_len + e->cap * (sizeof *e->items + sizeof *e->times);
}

sbr_rc sbr_store_new(const sbr_store_options *o, sbr_store **out, sbr_err *err)
{
    *out = NULL;
    if (o->shards < 1 || o->shards > 4096)
        return sbr_err_set(err, SBR_EINVAL, "session store: shards=%zu is not in 1..4096",
                           o->shards);
    if (o->max_len < 1 || o->max_len > 100000)
        return sbr_err_set(err, SBR_EINVAL,
                           "session store: max session length %zu is not in 1..100000", o->max_len);
    if (!(o->ttl_s > 0))
        return sbr_err_set(err, SBR_EINVAL, "session store: the TTL must be > 0 seconds");
    if (o->max_bytes < 4096)
        return sbr_err_set(err, SBR_EINVAL,
                           "session store: the memory bound %zu is under 4096 bytes", o->max_bytes);
    sbr_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "session store: out of memory");
    s->o = *o;
    s->shard_limit = o->max_bytes / o->shards;
    s->shards = calloc(o->shards, sizeof *s->shards);
    if (s->shards == NULL) {
        free(s);
        return sbr_err_set(err, SBR_ENOMEM, "session store: out of memory");
    }
    for (size_t i = 0; i < o->shards; i++) {
        shard *h = &s->shards[i];
        h->n_buckets = 64;
        h->buckets = calloc(h->n_buckets, sizeof *h->buckets);
        h->bytes = h->n_buckets * sizeof *h->buckets;
        if (h->buckets == NULL || pthread_mutex_init(&h->lock, NULL) != 0) {
            free(h->buckets);
            h->buckets = NULL;
            s->o.shards = i;
            sbr_store_free(s);
            return sbr_err_set(err, SBR_ENOMEM, "session store: out of memory");
        }
    }
    *out = s;
    return SBR_OK;
}

static void entry_free(entry *e)
{
    free(e->items);
    free(e->times);
    free(e);
}

void sbr_store_free(sbr_store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->o.shards; i++) {
        shard *h = &s->shards[i];
        for (entry *e = h->head, *next; e != NULL; e = next) {
            next = e->next;
            entry_free(e);
        }
        free(h->buckets);
        pthread_mutex_destroy(&h->lock);
    }
    free(s->shards);
    free(s);
}

static shard *shard_for(const sbr_store *s, uint64_t hash)
{
    return &s->shards[hash % s->o.shards];
}

size_t sbr_store_shard_of(const sbr_store *s, const char *key, size_t key_len)
{
    return (size_t)(key_hash(key, key_len) % s->o.shards);
}

static entry **find_slot(shard *h, uint64_t hash, const char *key, size_t key_len)
{
    entry **p = &h->buckets[(hash >> 12) & (h->n_buckets - 1)];
    while (*p != NULL && !((*p)->hash == hash && (*p)->key_len == key_len &&
                           memcmp((*p)->key, key, key_len) == 0))
        p = &(*p)->hnext;
    return p;
}

static void lru_unlink(shard *h, entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        h->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        h->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(shard *h, entry *e)
{
    e->prev = NULL;
    e->next = h->head;
    if (h->head != NULL)
        h->head->prev = e;
    h->head = e;
    if (h->tail == NULL)
        h->tail = e;
}

/* Unlinks e from its chain and the LRU list and frees it. */
static void drop(shard *h, entry *e)
{
    entry **p = find_slot(h, e->hash, e->key, e->key_len);
    *p = e->hnext;
    lru_unlink(h, e);
    h->n--;
    h->bytes -= entry_bytes(e);
    entry_free(e);
}

/* Frees the shard's sessions idle since before now - ttl (the LRU tail is the oldest). */
static size_t expire_locked(const sbr_store *s, shard *h, double now)
{
    size_t n = 0;
    while (h->tail != NULL && h->tail->last < now - s->o.ttl_s) {
        drop(h, h->tail);
        h->expired++;
        n++;
    }
    return n;
}

/* Evicts least recently used sessions other than keep until the shard is within its bound. */
static void evict_locked(const sbr_store *s, shard *h, const entry *keep)
{
    while (h->bytes > s->shard_limit && h->tail != NULL && h->tail != keep) {
        drop(h, h->tail);
        h->evicted++;
    }
}

static void grow_buckets(shard *h)
{
    size_t nb = h->n_buckets * 2;
    entry **b = calloc(nb, sizeof *b);
    if (b == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < h->n_buckets; i++) {
        for (entry *e = h->buckets[i], *next; e != NULL; e = next) {
            next = e->hnext;
            entry **slot = &b[(e->hash >> 12) & (nb - 1)];
            e->hnext = *slot;
            *slot = e;
        }
    }
    h->bytes += (nb - h->n_buckets) * sizeof *b;
    free(h->buckets);
    h->buckets = b;
    h->n_buckets = nb;
}

static void copy_out(const entry *e, uint32_t *items, double *times, size_t cap, size_t *len)
{
    size_t n = e->len < cap ? e->len : cap, from = e->len - n;
    if (n > 0) {
        memcpy(items, e->items + from, n * sizeof *items);
        if (times != NULL)
            memcpy(times, e->times + from, n * sizeof *times);
    }
    *len = n;
}

sbr_rc sbr_store_append(sbr_store *s, const char *key, size_t key_len, uint32_t item, double time,
                        double now, uint32_t *items, double *times, size_t cap, size_t *len,
                        sbr_err *err)
{
    *len = 0;
    if (key_len == 0 || key_len > KEY_MAX)
        return sbr_err_set(err, SBR_EINVAL, "session id: empty or longer than %d bytes", KEY_MAX);
    uint64_t hash = key_hash(key, key_len);
    shard *h = shard_for(s, hash);
    sbr_rc rc = SBR_OK;
    pthread_mutex_lock(&h->lock);
    expire_locked(s, h, now);
    entry **slot = find_slot(h, hash, key, key_len);
    entry *e = *slot;
    if (e == NULL) {
        e = calloc(1, sizeof *e + key_len);
        if (e == NULL) {
            rc = sbr_err_set(err, SBR_ENOMEM, "session store: out of memory");
            goto done;
        }
        e->hash = hash;
        e->key_len = key_len;
        memcpy(e->key, key, key_len);
        *slot = e;
        h->n++;
        h->bytes += entry_bytes(e);
        lru_push_front(h, e);
    } else {
        lru_unlink(h, e);
        lru_push_front(h, e);
    }
    e->last = now;
    if (item != SBR_ITEM_UNKNOWN) {
        if (e->len == s->o.max_len) { /* drop the oldest */
            memmove(e->items, e->items + 1, (e->len - 1) * sizeof *e->items);
            memmove(e->times, e->times + 1, (e->len - 1) * sizeof *e->times);
            e->len--;
        }
        if (e->len == e->cap) {
            size_t nc = e->cap == 0 ? FIRST_CAP : 2 * e->cap;
            if (nc > s->o.max_len)
                nc = s->o.max_len;
            uint32_t *ni = realloc(e->items, nc * sizeof *ni);
            if (ni != NULL)
                e->items = ni;
            double *nt = ni != NULL ? realloc(e->times, nc * sizeof *nt) : NULL;
            if (nt != NULL)
                e->times = nt;
            if (ni == NULL || nt == NULL) {
                /* items may have grown alone; the capacity stays what both hold */
                rc = sbr_err_set(err, SBR_ENOMEM, "session store: out of memory");
                goto done;
            }
            h->bytes += (nc - e->cap) * (sizeof *ni + sizeof *nt);
            e->cap = nc;
        }
        e->items[e->len] = item;
        e->times[e->len] = time;
        e->len++;
        h->clicks++;
    }
    copy_out(e, items, times, cap, len);
    evict_locked(s, h, e);
    if (h->n > 2 * h->n_buckets)
        grow_buckets(h);
done:
    pthread_mutex_unlock(&h->lock);
    return rc;
}

bool sbr_store_get(sbr_store *s, const char *key, size_t key_len, double now, uint32_t *items,
                   double *times, size_t cap, size_t *len)
{
    *len = 0;
    if (key_len == 0 || key_len > KEY_MAX)
        return false;
    uint64_t hash = key_hash(key, key_len);
    shard *h = shard_for(s, hash);
    pthread_mutex_lock(&h->lock);
    expire_locked(s, h, now);
    entry *e = *find_slot(h, hash, key, key_len);
    if (e != NULL) {
        e->last = now;
        lru_unlink(h, e);
        lru_push_front(h, e);
        copy_out(e, items, times, cap, len);
    }
    pthread_mutex_unlock(&h->lock);
    return e != NULL;
}

bool sbr_store_remove(sbr_store *s, const char *key, size_t key_len)
{
    if (key_len == 0 || key_len > KEY_MAX)
        return false;
    uint64_t hash = key_hash(key, key_len);
    shard *h = shard_for(s, hash);
    pthread_mutex_lock(&h->lock);
    entry *e = *find_slot(h, hash, key, key_len);
    if (e != NULL)
        drop(h, e);
    pthread_mutex_unlock(&h->lock);
    return e != NULL;
}

size_t sbr_store_expire(sbr_store *s, double now)
{
    size_t n = 0;
    for (size_t i = 0; i < s->o.shards; i++) {
        pthread_mutex_lock(&s->shards[i].lock);
        n += expire_locked(s, &s->shards[i], now);
        pthread_mutex_unlock(&s->shards[i].lock);
    }
    return n;
}

void sbr_store_remap(sbr_store *s, uint32_t (*map)(void *user, uint32_t item), void *user)
{
    for (size_t i = 0; i < s->o.shards; i++) {
        shard *h = &s->shards[i];
        pthread_mutex_lock(&h->lock);
        for (entry *e = h->head; e != NULL; e = e->next) {
            size_t kept = 0;
            for (size_t c = 0; c < e->len; c++) {
                uint32_t m = map(user, e->items[c]);
                if (m == SBR_ITEM_UNKNOWN)
                    continue;
                e->items[kept] = m;
                e->times[kept++] = e->times[c];
            }
            e->len = kept;
        }
        pthread_mutex_unlock(&h->lock);
    }
}

void sbr_store_get_stats(sbr_store *s, sbr_store_stats *st)
{
    memset(st, 0, sizeof *st);
    st->bytes = sizeof *s + s->o.shards * sizeof *s->shards;
    for (size_t i = 0; i < s->o.shards; i++) {
        shard *h = &s->shards[i];
        pthread_mutex_lock(&h->lock);
        st->sessions += h->n;
        st->bytes += h->bytes;
        st->expired += h->expired;
        st->evicted += h->evicted;
        st->clicks_stored += h->clicks;
        pthread_mutex_unlock(&h->lock);
    }
}

size_t sbr_store_shard_sessions(sbr_store *s, size_t i)
{
    if (i >= s->o.shards)
        return 0;
    pthread_mutex_lock(&s->shards[i].lock);
    size_t n = s->shards[i].n;
    pthread_mutex_unlock(&s->shards[i].lock);
    return n;
}
