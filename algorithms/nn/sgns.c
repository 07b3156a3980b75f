#include "algorithms/nn/sgns.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/nn/tensor.h"

enum {
    EXP_TABLE_SIZE = 1000,
    MAX_EXP = 6,
    BUCKET_BITS = 15, /* about 2^15 buckets: 128 KiB of index, and most draws need no search */
    CHUNK_BITS = 10,  /* private rows come in chunks of 1024 */
    CHUNK_ROWS = 1 << CHUNK_BITS,
    NO_SLOT = -1,
    AHEAD = 4,   /* rows prefetched ahead in the merge */
    PIPELINE = 2 /* pairs drawn (and their rows fetched) ahead of the one training */
};

/* ---- numeric kernels ---------------------------------------------------------------------- */

/* gensim's random source: a 48-bit LCG (Java's); random_int32 is its state >> 16. */
typedef struct lcg {
    uint64_t state;
} lcg;

static uint32_t lcg_next(lcg *r)
{
    uint32_t v = (uint32_t)(r->state >> 16);
    r->state = (r->state * 25214903917ULL + 11) & 281474976710655ULL;
    return v;
}

/* ---- the negative table ------------------------------------------------------------------- */

static size_t bisect_left(const uint32_t *cum, size_t lo, size_t hi, uint64_t x)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

sbr_rc sbr_sgns_negtab_init(sbr_sgns_negtab *t, const uint32_t *cum, size_t n, sbr_err *err)
{
    memset(t, 0, sizeof *t);
    t->cum = cum;
    t->n = n;
    t->total = cum[n - 1];
    /* r % d == ((M r mod 2^64) d) >> 64 with M = floor((2^64 - 1) / d) + 1, for every 32-bit r
     * and d (Lemire, Kaser and Kurz 2019). */
    t->magic = t->total > 0 ? UINT64_MAX / t->total + 1 : 0;
    unsigned bits = 0;
    while (bits < 32 && (t->total >> bits) != 0)
        bits++;
    t->shift = bits > BUCKET_BITS ? bits - BUCKET_BITS : 0;
    /* Values drawn are below total, so buckets 0 .. (total - 1) >> shift, and one bound past. */
    size_t n_buckets = t->total > 0 ? (size_t)((t->total - 1) >> t->shift) + 1 : 1;
    t->start = sbr_alloc_array(n_buckets + 1, sizeof *t->start);
    if (t->start == NULL)
        return sbr_err_set(err, SBR_ENOMEM, "sgns: out of memory");
    size_t lo = 0;
    for (size_t b = 0; b <= n_buckets; b++) {
        lo = bisect_left(cum, lo, n, (uint64_t)b << t->shift); /* monotone in b */
        t->start[b] = (uint32_t)lo;
    }
    return SBR_OK;
}

static uint32_t fastmod(uint32_t r, uint64_t magic, uint32_t d)
{
    uint64_t low = magic * r;
    /* The high 64 bits of the 96-bit low * d, from two 64-bit products. */
    return (uint32_t)(((low >> 32) * d + (((low & 0xffffffffu) * d) >> 32)) >> 32);
}

uint32_t sbr_sgns_negtab_draw(const sbr_sgns_negtab *t, uint32_t r)
{
    if (t->total == 0)
        return 0;
    uint32_t x = fastmod(r, t->magic, t->total);
    uint32_t b = x >> t->shift;
    /* bisect_left(cum, x) is monotone in x, so start[b] <= it <= start[b + 1]: searching that
     * range alone finds it. */
    size_t i = bisect_left(t->cum, t->start[b], t->start[b + 1], x);
    return (uint32_t)(i < t->n ? i : t->n - 1);
}

void sbr_sgns_negtab_fini(sbr_sgns_negtab *t)
{
    free(t->start);
    t->start = NULL;
}

/* ---- trainer state ------------------------------------------------------------------------ */

/* One shard's private copies of the rows of one matrix it touched in the current batch. */
typedef struct rowset {
    uint32_t *rows; /* [n] the model row of each slot, in first-touch order */
    /* [n_chunks] CHUNK_ROWS working rows of dim floats, then the same rows as copied (the
     * model's at the batch's start); pointers stay valid as chunks are added */
    float **chunks;
    size_t n, cap, n_chunks;
} rowset;

/* Written at every draw by the thread that trains it: cache-line aligned (and allocated so), so
 * that two threads never write one line. */
typedef struct shard {
    _Alignas(64) lcg rng; /* its own stream for the whole training */
    rowset in, out;       /* copies of syn0 and syn1neg rows */
    bool failed;          /* out of memory in this batch */
} shard;

/* One thread's scratch: a shard runs on one thread, whose maps are reset after it. */
typedef struct worker {
    int32_t *slot_in, *slot_out; /* [n_vocab] the current shard's slot of a row, or NO_SLOT */
    float *work;                 /* [dim] */
    uint32_t *tokens, *reduced;  /* [longest] */
} worker;

struct sbr_sgns {
    sbr_sgns_config cfg;
    size_t n_vocab;
    float *syn0, *syn1neg;
    uint32_t *cum_table;  /* [n_vocab] */
    uint32_t *sample_int; /* [n_vocab] */
    sbr_sgns_negtab neg;
    float exp_table[EXP_TABLE_SIZE];
    shard *shards;   /* [n_shards] */
    size_t *bounds;  /* [n_shards + 1] the current batch's first session of each shard */
    worker *workers; /* [n_workers] */
    int n_workers;
};

/* One pair: the context's input row and the output rows of the centre and its negatives
 * (the centre first), as row numbers and then as pointers (NULL: out of memory, skipped). */
typedef struct pair_rows {
    uint32_t context, target[1 + SBR_SGNS_MAX_NEGATIVE];
    size_t n;
    float *l1;
    float *l2[1 + SBR_SGNS_MAX_NEGATIVE];
} pair_rows;

static float *slot_row(const rowset *s, size_t k, size_t dim)
{
    return s->chunks[k >> CHUNK_BITS] + (k & (CHUNK_ROWS - 1)) * dim;
}

/* A shard's own copy of row r of `model`, made on first touch; NULL when out of memory. */
static float *private_row(rowset *s, int32_t *slot, const float *model, uint32_t r, size_t dim)
{
    if (slot[r] != NO_SLOT)
        return slot_row(s, (size_t)slot[r], dim);
    if (s->n == s->cap) {
        size_t cap = s->cap + CHUNK_ROWS, nc = cap / CHUNK_ROWS;
        float *chunk = sbr_alloc_array(2 * (size_t)CHUNK_ROWS * dim, sizeof *chunk);
        if (chunk == NULL || sbr_grow_array(&s->rows, cap, sizeof *s->rows) != SBR_OK ||
            sbr_grow_array(&s->chunks, nc, sizeof *s->chunks) != SBR_OK) {
            free(chunk);
            return NULL;
        }
        s->chunks[s->n_chunks++] = chunk;
        s->cap = cap;
    }
    size_t k = s->n++;
    s->rows[k] = r;
    slot[r] = (int32_t)k;
    float *p = slot_row(s, k, dim);
    memcpy(p, model + (size_t)r * dim, dim * sizeof *p);
    memcpy(p + CHUNK_ROWS * dim, p, dim * sizeof *p);
    return p;
}

/* The memory a row's next use reads: the shard's copy if it has one, else the model's. */
static void prefetch(const float *model, const rowset *s, const int32_t *slot, uint32_t r,
                     size_t dim)
{
    const float *p = slot != NULL && slot[r] != NO_SLOT ? slot_row(s, (size_t)slot[r], dim)
                                                        : model + (size_t)r * dim;
    for (size_t k = 0; k < dim; k += 16)
        __builtin_prefetch(p + k, 1);
}

/* Draws the pair's negatives from the shard's stream (as gensim: a drawn row equal to the
 * centre is skipped, not redrawn) and starts fetching its rows into cache. */
static void draw_pair(sbr_sgns *t, shard *sh, const worker *w, uint32_t centre, uint32_t context,
                      pair_rows *p)
{
    size_t dim = t->cfg.dim;
    p->context = context;
    p->n = 0;
    p->target[p->n++] = centre;
    for (size_t d = 0; d < t->cfg.negative; d++) {
        uint32_t target = sbr_sgns_negtab_draw(&t->neg, lcg_next(&sh->rng));
        if (target != centre)
            p->target[p->n++] = target;
    }
    prefetch(t->syn0, &sh->in, w == NULL ? NULL : w->slot_in, context, dim);
    for (size_t d = 0; d < p->n; d++)
        prefetch(t->syn1neg, &sh->out, w == NULL ? NULL : w->slot_out, p->target[d], dim);
}

/* The pair's rows: in the live model when w is NULL, else the shard's copies (made now when
 * new: the model does not change during a batch, so when a copy is made does not matter). */
static void find_rows(sbr_sgns *t, shard *sh, worker *w, pair_rows *p)
{
    size_t dim = t->cfg.dim;
    if (w == NULL) {
        p->l1 = t->syn0 + (size_t)p->context * dim;
        for (size_t d = 0; d < p->n; d++)
            p->l2[d] = t->syn1neg + (size_t)p->target[d] * dim;
        return;
    }
    p->l1 = private_row(&sh->in, w->slot_in, t->syn0, p->context, dim);
    sh->failed = sh->failed || p->l1 == NULL;
    for (size_t d = 0; d < p->n; d++) {
        p->l2[d] = private_row(&sh->out, w->slot_out, t->syn1neg, p->target[d], dim);
        sh->failed = sh->failed || p->l2[d] == NULL;
    }
}

/* Built for AVX-512, AVX2 and the baseline like the kernels of tensor.c: the same bits on all
 * three (no FMA contraction in C11 mode; the loops are elementwise). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SGNS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SGNS_CLONES
#endif

/* Skip-gram with negative sampling for one pair: l1 (the context's input row) learns to
 * predict l2[0] (the centre's output row) against the negatives l2[1..n). */
SGNS_CLONES
static void train_pair(const sbr_sgns *t, const pair_rows *p, float alpha, float *restrict work)
{
    size_t dim = t->cfg.dim;
    float *restrict l1 = p->l1;
    if (l1 == NULL)
        return;
    memset(work, 0, dim * sizeof *work);
    for (size_t d = 0; d < p->n; d++) {
        float *restrict l2 = p->l2[d];
        if (l2 == NULL)
            continue;
        float f_dot = sbr_nn_dot(l1, l2, dim);
        if (f_dot <= -MAX_EXP || f_dot >= MAX_EXP)
            continue;
        float f = t->exp_table[(int)((f_dot + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))];
        float g = ((d == 0 ? 1.0f : 0.0f) - f) * alpha;
        /* work += g l2 with l2 as it was, then l2 += g l1. */
        for (size_t k = 0; k < dim; k++) {
            float v = l2[k];
            work[k] += g * v;
            l2[k] = v + g * l1[k];
        }
    }
    for (size_t k = 0; k < dim; k++)
        l1[k] += work[k];
}

/* The pairs of a run of sessions in gensim's order, each session's subsampling and window
 * reductions drawn when it is reached. */
typedef struct pair_gen {
    const uint32_t *rows;
    const size_t *offsets;
    size_t s, hi;        /* the next session; the end of the run */
    size_t n, i, j, end; /* the current session's kept clicks; centre i, context j < end */
} pair_gen;

static void gen_window(const sbr_sgns *t, pair_gen *g, const worker *scratch)
{
    size_t window = t->cfg.window, b = scratch->reduced[g->i], i = g->i;
    g->j = i + b >= window ? i + b - window : 0;
    g->end = i + window + 1 - b < g->n ? i + window + 1 - b : g->n;
}

/* The next pair (centre, context) as rows, false after the last. */
static bool gen_next(const sbr_sgns *t, shard *sh, worker *scratch, pair_gen *g, uint32_t *centre,
                     uint32_t *context)
{
    uint32_t *tokens = scratch->tokens, *reduced = scratch->reduced;
    for (;;) {
        if (g->i < g->n) {
            if (g->j < g->end) {
                size_t j = g->j++;
                if (j == g->i)
                    continue;
                *centre = tokens[g->i];
                *context = tokens[j];
                return true;
            }
            if (++g->i < g->n)
                gen_window(t, g, scratch);
            continue;
        }
        if (g->s == g->hi)
            return false;
        const uint32_t *rows = g->rows + g->offsets[g->s];
        size_t len = g->offsets[g->s + 1] - g->offsets[g->s];
        g->s++;
        size_t n = 0;
        for (size_t c = 0; c < len; c++) {
            uint32_t r = rows[c];
            if (r == UINT32_MAX)
                continue;
            if (t->cfg.sample > 0 && t->sample_int[r] < lcg_next(&sh->rng))
                continue;
            tokens[n++] = r;
        }
        for (size_t i = 0; i < n; i++)
            reduced[i] = lcg_next(&sh->rng) % (uint32_t)t->cfg.window;
        g->n = n;
        g->i = 0;
        if (n > 0)
            gen_window(t, g, scratch);
    }
}

/* Sessions lo .. hi-1 on shard sh, on the live model when w is NULL, else on its copies:
 * every pair in order, its negatives drawn (and its rows fetched into cache) PIPELINE pairs
 * before it trains. The draws do not depend on training, so this is the sequential order. */
static void train_sessions(sbr_sgns *t, shard *sh, worker *w, worker *scratch, const uint32_t *rows,
                           const size_t *offsets, size_t lo, size_t hi, float alpha)
{
    pair_gen g = {rows, offsets, lo, hi, 0, 0, 0, 0};
    pair_rows buf[PIPELINE + 1];
    size_t head = 0, pending = 0;
    uint32_t centre, context;
    for (bool more = true;;) {
        more = more && gen_next(t, sh, scratch, &g, &centre, &context);
        if (!more && pending == 0)
            break;
        if (more) {
            draw_pair(t, sh, w, centre, context, &buf[(head + pending) % (PIPELINE + 1)]);
            if (++pending <= PIPELINE)
                continue;
        }
        find_rows(t, sh, w, &buf[head]);
        train_pair(t, &buf[head], alpha, scratch->work);
        head = (head + 1) % (PIPELINE + 1);
        pending--;
    }
}

/* After a shard's batch: the worker's maps are cleared for the next shard. */
static void shard_finish(const sbr_sgns *t, shard *sh, worker *w)
{
    for (size_t k = 0; k < sh->in.n; k++)
        w->slot_in[sh->in.rows[k]] = NO_SLOT;
    for (size_t k = 0; k < sh->out.n; k++)
        w->slot_out[sh->out.rows[k]] = NO_SLOT;
    (void)t;
}

/* Adds the shards' changes (each copy minus the row as copied) to the rows r with
 * r % n_parts == part, shard by shard: each row's sum runs in shard order whatever the number
 * of parts. */
static void merge_part(sbr_sgns *t, size_t part, size_t n_parts)
{
    size_t dim = t->cfg.dim;
    for (size_t k = 0; k < t->cfg.n_shards; k++) {
        const rowset *sets[2] = {&t->shards[k].in, &t->shards[k].out};
        float *models[2] = {t->syn0, t->syn1neg};
        for (int m = 0; m < 2; m++)
            for (size_t i = 0; i < sets[m]->n; i++) {
                uint32_t r = sets[m]->rows[i];
                if (i + AHEAD < sets[m]->n && sets[m]->rows[i + AHEAD] % n_parts == part)
                    prefetch(models[m], NULL, NULL, sets[m]->rows[i + AHEAD], dim);
                if (r % n_parts != part)
                    continue;
                const float *now = slot_row(sets[m], i, dim), *was = now + CHUNK_ROWS * dim;
                float *row = models[m] + (size_t)r * dim;
                for (size_t c = 0; c < dim; c++)
                    row[c] += now[c] - was[c];
            }
    }
}

sbr_rc sbr_sgns_train(sbr_sgns *t, const uint32_t *rows, const size_t *offsets, size_t s_lo,
                      size_t s_hi, float alpha, sbr_err *err)
{
    size_t n_shards = t->cfg.n_shards;
    if (n_shards == 1) {
        train_sessions(t, &t->shards[0], NULL, &t->workers[0], rows, offsets, s_lo, s_hi, alpha);
        return SBR_OK;
    }
    /* Shard k starts at the first session at or past k/S of the batch's clicks. */
    size_t base = offsets[s_lo], clicks = offsets[s_hi] - base, s = s_lo;
    for (size_t k = 0; k <= n_shards; k++) {
        while (s < s_hi && (offsets[s] - base) * n_shards < k * clicks)
            s++;
        t->bounds[k] = k == n_shards ? s_hi : s;
    }
    long n = (long)n_shards;
    bool hogwild = t->cfg.hogwild;
#pragma omp parallel for schedule(dynamic, 1) num_threads(t->n_workers) default(none)              \
    shared(t, rows, offsets, alpha, n, hogwild)
    for (long k = 0; k < n; k++) {
        shard *sh = &t->shards[k];
        worker *w = &t->workers[omp_get_thread_num()];
        sh->in.n = sh->out.n = 0;
        sh->failed = false;
        train_sessions(t, sh, hogwild ? NULL : w, w, rows, offsets, t->bounds[k], t->bounds[k + 1],
                       alpha);
        if (!hogwild)
            shard_finish(t, sh, w);
    }
    if (hogwild)
        return SBR_OK;
    bool failed = false;
    for (size_t k = 0; k < n_shards; k++)
        failed = failed || t->shards[k].failed;
    if (failed)
        return sbr_err_set(err, SBR_ENOMEM, "sgns: out of memory for a shard's rows");
    long n_parts = t->n_workers;
#pragma omp parallel for schedule(static, 1) num_threads(t->n_workers) default(none)               \
    shared(t, n_parts)
    for (long part = 0; part < n_parts; part++)
        merge_part(t, (size_t)part, (size_t)n_parts);
    return SBR_OK;
}

/* ---- construction ------------------------------------------------------------------------- */

/* gensim's make_cum_table and sample_int, and its sigmoid table. */
static void build_tables(sbr_sgns *t, const uint64_t *counts)
{
    const double domain = 2147483647.0;
    double pow_total = 0, kept = 0;
    for (size_t r = 0; r < t->n_vocab; r++) {
        pow_total += pow((double)counts[r], t->cfg.ns_exponent);
        kept += (double)counts[r];
    }
    double cumulative = 0;
    for (size_t r = 0; r < t->n_vocab; r++) {
        cumulative += pow((double)counts[r], t->cfg.ns_exponent);
        t->cum_table[r] = (uint32_t)round(cumulative / pow_total * domain);
    }
    double threshold = t->cfg.sample * kept;
    for (size_t r = 0; r < t->n_vocab; r++) {
        double v = (double)counts[r];
        double p = threshold > 0 ? (sqrt(v / threshold) + 1) * (threshold / v) : 1;
        t->sample_int[r] = (uint32_t)((p < 1 ? p : 1) * 4294967295.0);
    }
    for (int i = 0; i < EXP_TABLE_SIZE; i++) {
        double e = exp(((double)i / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP);
        t->exp_table[i] = (float)(e / (e + 1));
    }
}

static void rowset_fini(rowset *s)
{
    for (size_t k = 0; k < s->n_chunks; k++)
        free(s->chunks[k]);
    free(s->chunks);
    free(s->rows);
}

void sbr_sgns_free(sbr_sgns *t)
{
    if (t == NULL)
        return;
    for (size_t k = 0; t->shards != NULL && k < t->cfg.n_shards; k++) {
        rowset_fini(&t->shards[k].in);
        rowset_fini(&t->shards[k].out);
    }
    for (int k = 0; t->workers != NULL && k < t->n_workers; k++) {
        worker *w = &t->workers[k];
        free(w->slot_in);
        free(w->slot_out);
        free(w->work);
        free(w->tokens);
        free(w->reduced);
    }
    free(t->workers);
    free(t->shards);
    free(t->bounds);
    sbr_sgns_negtab_fini(&t->neg);
    free(t->cum_table);
    free(t->sample_int);
    free(t);
}

static bool worker_init(worker *w, size_t n_vocab, size_t dim, size_t longest, bool maps)
{
    w->work = sbr_alloc_array(dim, sizeof *w->work);
    w->tokens = sbr_alloc_array(longest + 1, sizeof *w->tokens);
    w->reduced = sbr_alloc_array(longest + 1, sizeof *w->reduced);
    if (w->work == NULL || w->tokens == NULL || w->reduced == NULL)
        return false;
    if (!maps)
        return true;
    w->slot_in = sbr_alloc_array(n_vocab, sizeof *w->slot_in);
    w->slot_out = sbr_alloc_array(n_vocab, sizeof *w->slot_out);
    if (w->slot_in == NULL || w->slot_out == NULL)
        return false;
    for (size_t r = 0; r < n_vocab; r++)
        w->slot_in[r] = w->slot_out[r] = NO_SLOT;
    return true;
}

sbr_sgns *sbr_sgns_new(const sbr_sgns_config *cfg, size_t n_vocab, const uint64_t *counts,
                       float *syn0, float *syn1neg, gsl_rng *seeder, size_t longest, sbr_err *err)
{
    if (n_vocab == 0 || n_vocab > INT32_MAX || cfg->dim == 0 || cfg->window == 0 ||
        cfg->window > UINT32_MAX || cfg->negative == 0 || cfg->negative > SBR_SGNS_MAX_NEGATIVE ||
        cfg->n_shards == 0) {
        sbr_err_set(err, SBR_EINVAL,
                    "sgns: invalid configuration (%zu rows, dim %zu, window %zu, negative %zu, "
                    "%zu shards)",
                    n_vocab, cfg->dim, cfg->window, cfg->negative, cfg->n_shards);
        return NULL;
    }
    sbr_sgns *t = calloc(1, sizeof *t);
    if (t == NULL) {
        sbr_err_set(err, SBR_ENOMEM, "sgns: out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    t->n_vocab = n_vocab;
    t->syn0 = syn0;
    t->syn1neg = syn1neg;
    bool sharded = cfg->n_shards > 1;
    t->n_workers = sharded ? omp_get_max_threads() : 1;
    if (t->n_workers < 1)
        t->n_workers = 1;
    t->cum_table = sbr_alloc_array(n_vocab, sizeof *t->cum_table);
    t->sample_int = sbr_alloc_array(n_vocab, sizeof *t->sample_int);
    if (cfg->n_shards <= SIZE_MAX / sizeof *t->shards) /* sizeof is a multiple of 64 */
        t->shards = aligned_alloc(64, cfg->n_shards * sizeof *t->shards);
    if (t->shards != NULL)
        memset(t->shards, 0, cfg->n_shards * sizeof *t->shards);
    t->bounds = sbr_alloc_array(cfg->n_shards + 1, sizeof *t->bounds);
    t->workers = calloc((size_t)t->n_workers, sizeof *t->workers);
    bool ok = t->cum_table && t->sample_int && t->shards && t->bounds && t->workers;
    for (int k = 0; ok && k < t->n_workers; k++)
        ok = worker_init(&t->workers[k], n_vocab, cfg->dim, longest, sharded && !cfg->hogwild);
    if (!ok) {
        sbr_sgns_free(t);
        sbr_err_set(err, SBR_ENOMEM, "sgns: out of memory");
        return NULL;
    }
    build_tables(t, counts);
    if (sbr_sgns_negtab_init(&t->neg, t->cum_table, n_vocab, err) != SBR_OK) {
        sbr_sgns_free(t);
        return NULL;
    }
    for (size_t k = 0; k < cfg->n_shards; k++) {
        uint64_t a = gsl_rng_uniform_int(seeder, 1UL << 24);
        uint64_t b = gsl_rng_uniform_int(seeder, 1UL << 24);
        t->shards[k].rng.state = (a << 24) + b;
    }
    return t;
}
