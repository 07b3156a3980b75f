/* sbr replay: replays a test file's sessions as click streams against `sbr serve` (libcurl's
 * multi interface), or offline through algorithms/live.h, and measures throughput, exact
 * latency percentiles and errors; --verify compares every served list with `sbr eval --recs`. */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "algorithms/algo.h"
#include "algorithms/live.h"
#include "algorithms/model_file.h"
#include "data/parse.h"
#include "eval/cli/cli.h"
#include "eval/harness.h"

static const char replay_usage[] =
    "Usage: sbr replay --url URL --events TEST [--rate R | --max] [options]\n"
    "       sbr replay --offline --model MODEL --events TEST [options]\n"
    "\n"
    "Replays the test file's sessions as click streams: every click becomes one POST\n"
    "/v1/events {\"session\", \"item\", \"time\"}, all sessions interleaved by click time (ties\n"
    "by session, then position), the clicks of one session strictly one after another.\n"
    "Prints throughput, exact latency percentiles (nearest rank: p50, p90, p99, p99.9, max;\n"
    "from sending a request to its complete answer) and errors by kind.\n"
    "--offline sends the same stream through sbr_live_update and predict in this process,\n"
    "without HTTP, to separate the algorithm's streaming cost from the server's.\n"
    "\n"
    "  --url URL           the server, e.g. http://127.0.0.1:8080\n"
    "  --events FILE       test sessions (TSV/CSV, plain or .gz)\n"
    "  --rate R            send R requests per second (open loop; default 1000)\n"
    "  --max               send as fast as the server answers\n"
    "  --concurrency C     requests in flight, each on its own keep-alive connection\n"
    "                      (default 4)\n"
    "  --duration S        stop sending after S seconds (default: the whole file)\n"
    "  --repeat K          replay the stream K times (default 1) for a sustained load: pass\n"
    "                      p > 0 sends its sessions as new ones (\"<tag>.<p>-<id>\"), and a\n"
    "                      pass starts while the previous one ends; --verify checks pass 0\n"
    "  --n N               list length asked for (default 20)\n"
    "  --tag T             send session ids as \"T-<id>\" so a rerun starts fresh sessions\n"
    "  --verify RECS       compare every served list with the lists 'sbr eval --recs' wrote\n"
    "                      for the same model and test file, byte for byte; differences are\n"
    "                      reported and make the exit status 1\n"
    "  --out FILE          append one CSV row (with a header when the file is new)\n"
    "  --label NAME        the row's label (default: the algorithm, or 'http')\n"
    "  --offline           no HTTP: needs --model\n"
    "  --model FILE        the model for --offline\n"
    "  --max-session-len N clicks a live session keeps (--offline; default 100, as serve)\n"
    "  -h, --help          this help\n"
    "\n" CLI_LOAD_OPTIONS_HELP "\n"
    "Example:\n"
    "  sbr eval --model rr.sbrm --test test.tsv.gz --recs recs.csv --no-latency\n"
    "  sbr serve --model rr.sbrm --listen 127.0.0.1:8080 &\n"
    "  sbr replay --url http://127.0.0.1:8080 --events test.tsv.gz --max --verify recs.csv\n";

enum {
    OPT_URL = CLI_OPT_FIRST_FREE,
    OPT_EVENTS,
    OPT_RATE,
    OPT_MAX,
    OPT_CONC,
    OPT_DURATION,
    OPT_N,
    OPT_TAG,
    OPT_VERIFY,
    OPT_OUT,
    OPT_LABEL,
    OPT_OFFLINE,
    OPT_MODEL,
    OPT_MAX_LEN,
    OPT_REPEAT
};

enum { NONE = UINT32_MAX, MAX_KINDS = 32 };

typedef struct event {
    uint32_t session; /* index into the test dataset */
    uint32_t click;   /* index of the click in the dataset */
} event;

typedef struct replay {
    const sbr_dataset *test;
    event *ev;
    uint32_t *next; /* [n] the same session's next event, or NONE */
    size_t n;
    double *lat_us; /* [n] of completed events */
    size_t completed;
    char *kinds[MAX_KINDS];
    uint64_t kind_count[MAX_KINDS];
    size_t n_kinds;
    uint64_t errors;
    /* --verify: one served line per known click, "sid;pos;items;scores" */
    bool verify;
    char **lines;
    size_t n_lines;
    size_t *known; /* [n_sessions] known clicks so far (offline) */
} replay;

static int event_cmp_ctx_sort(const void *a, const void *b, const sbr_dataset *t)
{
    const event *x = a, *y = b;
    double tx = t->times[x->click], ty = t->times[y->click];
    if (tx != ty)
        return tx < ty ? -1 : 1;
    if (x->session != y->session)
        return x->session < y->session ? -1 : 1;
    return (x->click > y->click) - (x->click < y->click);
}

static const sbr_dataset *g_sort_test;
static int event_cmp(const void *a, const void *b)
{
    return event_cmp_ctx_sort(a, b, g_sort_test);
}

static int build_events(replay *r, const sbr_dataset *test, size_t repeat)
{
    r->test = test;
    r->n = test->n_clicks;
    r->ev = sbr_alloc_array(r->n, sizeof *r->ev);
    r->next = sbr_alloc_array(r->n, sizeof *r->next);
    r->lat_us = sbr_alloc_array(r->n * repeat, sizeof *r->lat_us);
    uint32_t *last = sbr_alloc_array(test->n_sessions, sizeof *last);
    r->known = calloc(test->n_sessions + 1, sizeof *r->known);
    if (!r->ev || !r->next || !r->lat_us || !last || !r->known) {
        free(last);
        return -1;
    }
    for (size_t s = 0; s < test->n_sessions; s++)
        for (size_t c = test->offsets[s]; c < test->offsets[s + 1]; c++)
            r->ev[c] = (event){(uint32_t)s, (uint32_t)c};
    g_sort_test = test;
    qsort(r->ev, r->n, sizeof *r->ev, event_cmp);
    for (size_t s = 0; s < test->n_sessions; s++)
        last[s] = NONE;
    for (size_t i = r->n; i-- > 0;) {
        r->next[i] = last[r->ev[i].session];
        last[r->ev[i].session] = (uint32_t)i;
    }
    free(last);
    return 0;
}

static void count_kind(replay *r, const char *kind)
{
    r->errors++;
    for (size_t i = 0; i < r->n_kinds; i++) {
        if (strcmp(r->kinds[i], kind) == 0) {
            r->kind_count[i]++;
            return;
        }
    }
    if (r->n_kinds < MAX_KINDS) {
        r->kinds[r->n_kinds] = strdup(kind);
        r->kind_count[r->n_kinds++] = 1;
    }
}

/* Records the served line of a known click: the session's h-th known click is position h-1. */
static void keep_line(replay *r, uint64_t sid, size_t length, const char *items, size_t ni,
                      const char *scores, size_t ns)
{
    if (!r->verify || length == 0)
        return;
    size_t size = ni + ns + 64;
    char *line = malloc(size);
    if (line == NULL)
        return;
    snprintf(line, size, "%llu;%zu;%.*s;%.*s", (unsigned long long)sid, length - 1, (int)ni, items,
             (int)ns, scores);
    r->lines[r->n_lines++] = line;
}

/* ---- verification -------------------------------------------------------------------------- */

static int line_key_cmp(const char *a, const char *b)
{
    unsigned long long sa = strtoull(a, NULL, 10), sb = strtoull(b, NULL, 10);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    unsigned long pa = strtoul(strchr(a, ';') + 1, NULL, 10),
                  pb = strtoul(strchr(b, ';') + 1, NULL, 10);
    return (pa > pb) - (pa < pb);
}

static int line_ptr_cmp(const void *a, const void *b)
{
    return line_key_cmp(*(char *const *)a, *(char *const *)b);
}

/* Compares the served lines with the recs file; prints a summary and up to 5 differences. */
static int verify(replay *r, const char *recs_path, size_t *compared, size_t *diffs)
{
    *compared = *diffs = 0;
    size_t len = 0;
    FILE *f = fopen(recs_path, "r");
    if (f == NULL) {
        fprintf(stderr, "sbr replay: --verify %s: cannot open\n", recs_path);
        return -1;
    }
    char **rows = NULL;
    size_t n_rows = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    bool header = true;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (header) {
            header = false;
            if (strncmp(line, "SessionId;", 10) == 0)
                continue;
        }
        if (n_rows == cap) {
            cap = cap ? 2 * cap : 4096;
            char **nr = realloc(rows, cap * sizeof *nr);
            if (nr == NULL)
                break;
            rows = nr;
        }
        rows[n_rows++] = strdup(line);
    }
    free(line);
    fclose(f);
    (void)len;
    qsort(rows, n_rows, sizeof *rows, line_ptr_cmp);
    qsort(r->lines, r->n_lines, sizeof *r->lines, line_ptr_cmp);
    size_t j = 0, shown = 0;
    for (size_t i = 0; i < n_rows; i++) {
        while (j < r->n_lines && line_key_cmp(r->lines[j], rows[i]) < 0)
            j++;
        (*compared)++;
        const char *served =
            j < r->n_lines && line_key_cmp(r->lines[j], rows[i]) == 0 ? r->lines[j] : NULL;
        if (served != NULL && strcmp(served, rows[i]) == 0)
            continue;
        (*diffs)++;
        if (shown++ < 5)
            fprintf(stderr, "verify: differs\n  offline %s\n  served  %s\n", rows[i],
                    served != NULL ? served : "(nothing served for this prefix)");
    }
    for (size_t i = 0; i < n_rows; i++)
        free(rows[i]);
    free(rows);
    return 0;
}

/* ---- HTTP ---------------------------------------------------------------------------------- */

typedef struct slot {
    CURL *easy;
    char *buf;
    size_t len, cap;
    uint64_t key; /* pass * n + event index */
    double sent;
    char body[256]; /* the request body, kept while the request is in flight (no copy) */
    bool busy;
} slot;

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    slot *s = user;
    size_t bytes = size * n;
    if (s->len + bytes + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->len + bytes + 1)
            nc *= 2;
        char *nb = realloc(s->buf, nc);
        if (nb == NULL)
            return 0;
        s->buf = nb;
        s->cap = nc;
    }
    memcpy(s->buf + s->len, p, bytes);
    s->len += bytes;
    s->buf[s->len] = '\0';
    return bytes;
}

/* Finds `"name":[` in the body; sets the text between the brackets. */
static bool json_list(const char *body, const char *name, const char **start, size_t *len)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":[", name);
    const char *p = strstr(body, pat);
    if (p == NULL)
        return false;
    p += strlen(pat);
    const char *e = strchr(p, ']');
    if (e == NULL)
        return false;
    *start = p;
    *len = (size_t)(e - p);
    return true;
}

static void finish(replay *r, slot *s, CURLcode code)
{
    double lat = (sbr_now_s() - s->sent) * 1e6;
    const event *e = &r->ev[s->key % r->n];
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK) {
        char kind[64];
        snprintf(kind, sizeof kind, "curl: %s", curl_easy_strerror(code));
        count_kind(r, kind);
    } else if (status != 200) {
        char kind[32];
        snprintf(kind, sizeof kind, "http %ld", status);
        count_kind(r, kind);
    } else {
        r->lat_us[r->completed++] = lat;
        const char *items, *scores, *lp = strstr(s->buf != NULL ? s->buf : "", "\"length\":");
        size_t ni, ns;
        bool unknown = strstr(s->buf, "\"unknown_item\":true") != NULL;
        if (lp == NULL || !json_list(s->buf, "items", &items, &ni) ||
            !json_list(s->buf, "scores", &scores, &ns))
            count_kind(r, "bad response");
        else if (!unknown && s->key < r->n) /* pass 0 */
            keep_line(r, sbr_dataset_session_id(r->test, e->session), strtoul(lp + 9, NULL, 10),
                      items, ni, scores, ns);
    }
    s->busy = false;
}

/* A binary min-heap of event keys (pass * n + event index): the sessions ready to send their
 * next click, earliest pass first, then in stream order. */
typedef struct heap {
    uint64_t *a;
    size_t n;
} heap;

static void heap_push(heap *h, uint64_t v)
{
    size_t i = h->n++;
    h->a[i] = v;
    while (i > 0 && h->a[(i - 1) / 2] > h->a[i]) {
        uint64_t t = h->a[i];
        h->a[i] = h->a[(i - 1) / 2];
        h->a[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static uint64_t heap_pop(heap *h)
{
    uint64_t top = h->a[0];
    h->a[0] = h->a[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < h->n && h->a[l] < h->a[m])
            m = l;
        if (l + 1 < h->n && h->a[l + 1] < h->a[m])
            m = l + 1;
        if (m == i)
            break;
        uint64_t t = h->a[i];
        h->a[i] = h->a[m];
        h->a[m] = t;
        i = m;
    }
    return top;
}

static int run_http(replay *r, const char *url, double rate, long conc, double duration, long n,
                    const char *tag, long repeat, double *elapsed)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "sbr replay: libcurl failed to initialise\n");
        return -1;
    }
    char endpoint[2048];
    snprintf(endpoint, sizeof endpoint, "%s/v1/events", url);
    CURLM *multi = curl_multi_init();
    slot *slots = calloc((size_t)conc, sizeof *slots);
    heap h = {sbr_alloc_array((r->test->n_sessions + 1) * (size_t)repeat, sizeof(uint64_t)), 0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (multi == NULL || slots == NULL || h.a == NULL || hdr == NULL) {
        fprintf(stderr, "sbr replay: out of memory\n");
        return -1;
    }
    for (long i = 0; i < conc; i++) {
        slots[i].easy = curl_easy_init();
        curl_easy_setopt(slots[i].easy, CURLOPT_URL, endpoint);
        curl_easy_setopt(slots[i].easy, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(slots[i].easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(slots[i].easy, CURLOPT_WRITEDATA, &slots[i]);
        curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt(slots[i].easy, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(slots[i].easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(slots[i].easy, CURLOPT_NOSIGNAL, 1L);
    }
    /* the first event of every session of every pass is ready */
    bool *seen = calloc(r->test->n_sessions + 1, 1);
    if (seen == NULL) {
        fprintf(stderr, "sbr replay: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (!seen[r->ev[i].session]) {
            seen[r->ev[i].session] = true;
            for (long pass = 0; pass < repeat; pass++)
                heap_push(&h, (uint64_t)pass * r->n + i);
        }
    }
    free(seen);
    double t0 = sbr_now_s();
    size_t sent = 0, inflight = 0;
    char num[40];
    for (;;) {
        double now = sbr_now_s();
        bool stop = duration > 0 && now - t0 >= duration;
        while (!stop && inflight < (size_t)conc && h.n > 0 &&
               (rate <= 0 || now >= t0 + (double)sent / rate)) {
            uint64_t key = heap_pop(&h);
            uint64_t pass = key / r->n;
            slot *s = NULL;
            for (long i = 0; i < conc && s == NULL; i++)
                if (!slots[i].busy)
                    s = &slots[i];
            const event *ev = &r->ev[key % r->n];
            const sbr_dataset *t = r->test;
            unsigned long long sid = (unsigned long long)sbr_dataset_session_id(t, ev->session);
            unsigned long long item = (unsigned long long)t->item_ids[t->items[ev->click]];
            const char *tm = sbr_format_double(num, sizeof num, t->times[ev->click]);
            int blen;
            if (pass > 0)
                blen =
                    snprintf(s->body, sizeof s->body,
                             "{\"session\":\"%s.%llu-%llu\",\"item\":%llu,\"time\":%s,\"n\":%ld}",
                             tag != NULL ? tag : "r", (unsigned long long)pass, sid, item, tm, n);
            else if (tag != NULL)
                blen = snprintf(s->body, sizeof s->body,
                                "{\"session\":\"%s-%llu\",\"item\":%llu,\"time\":%s,\"n\":%ld}",
                                tag, sid, item, tm, n);
            else
                blen = snprintf(s->body, sizeof s->body,
                                "{\"session\":%llu,\"item\":%llu,\"time\":%s,\"n\":%ld}", sid, item,
                                tm, n);
            curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)blen);
            curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
            s->len = 0;
            if (s->buf != NULL)
                s->buf[0] = '\0';
            s->key = key;
            s->busy = true;
            s->sent = sbr_now_s();
            curl_multi_add_handle(multi, s->easy);
            inflight++;
            sent++;
        }
        if (inflight == 0 && (h.n == 0 || stop))
            break;
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode code = msg->data.result;
            curl_multi_remove_handle(multi, msg->easy_handle);
            finish(r, s, code);
            inflight--;
            uint32_t next = r->next[s->key % r->n];
            if (next != NONE)
                heap_push(&h, s->key - s->key % r->n + next);
        }
        /* Wait for the sockets only when nothing can be sent now: when a slot is free and a
         * click is ready (and due, under --rate), go straight back to sending; waiting here
         * would idle the connection (with one connection, every request waited out the poll).
         * Under --rate the wait is rounded up to whole milliseconds, so the client sleeps
         * instead of spinning on the cores it shares with the server. */
        int wait_ms = 5;
        if (!stop && h.n > 0 && inflight < (size_t)conc) {
            double due = rate > 0 ? t0 + (double)sent / rate - sbr_now_s() : 0;
            wait_ms = due <= 0 ? 0 : (int)ceil(due * 1000);
            if (wait_ms > 5)
                wait_ms = 5;
        }
        if (wait_ms > 0)
            curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
    }
    *elapsed = sbr_now_s() - t0;
    for (long i = 0; i < conc; i++) {
        curl_easy_cleanup(slots[i].easy);
        free(slots[i].buf);
    }
    free(slots);
    free(h.a);
    curl_slist_free_all(hdr);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return 0;
}

/* ---- offline ------------------------------------------------------------------------------- */

static int run_offline(replay *r, const char *model_path, long n, long max_len, double duration,
                       double *elapsed, char *label, size_t label_size, double *session_bytes)
{
    sbr_spec spec = SBR_SPEC_EMPTY;
    sbr_vocab vocab = {0, NULL, NULL};
    sbr_model *model = NULL;
    sbr_err err = {SBR_OK, ""};
    if (sbr_model_load(model_path, &spec, &vocab, &model, &err) != SBR_OK)
        return cli_fail(&err) * 0 - 1;
    snprintf(label, label_size, "%s", spec.algo->name);
    void *scratch = spec.algo->scratch_new(model);
    sbr_scored *out = sbr_alloc_array((size_t)n, sizeof *out);
    sbr_live **live = calloc(r->test->n_sessions + 1, sizeof *live);
    uint32_t *mapped = sbr_alloc_array(r->test->n_items, sizeof *mapped);
    int rc = 0;
    if (scratch == NULL || out == NULL || live == NULL || mapped == NULL) {
        fprintf(stderr, "sbr replay: out of memory\n");
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < r->test->n_items; i++)
        if (!sbr_vocab_find(&vocab, r->test->item_ids[i], &mapped[i]))
            mapped[i] = SBR_ITEM_UNKNOWN;
    double t0 = sbr_now_s(), bytes = 0;
    size_t measured = 0;
    char *line = malloc(64 + (size_t)n * 48);
    for (size_t i = 0; i < r->n && rc == 0; i++) {
        if (duration > 0 && sbr_now_s() - t0 >= duration)
            break;
        const event *e = &r->ev[i];
        uint32_t item = mapped[r->test->items[e->click]];
        double t = r->test->times[e->click];
        double a = sbr_now_s();
        if (live[e->session] == NULL &&
            (live[e->session] = sbr_live_new(model, (size_t)max_len)) == NULL) {
            rc = -1;
            break;
        }
        sbr_live *s = live[e->session];
        size_t got = 0;
        if (item != SBR_ITEM_UNKNOWN) {
            if (sbr_live_update(s, item, t, &err) != SBR_OK) {
                rc = -1;
                break;
            }
            sbr_query q;
            sbr_live_query(s, (size_t)n, t, &q);
            if (spec.algo->predict(model, &q, scratch, out, &got, &err) != SBR_OK) {
                rc = -1;
                break;
            }
            r->known[e->session]++;
        }
        r->lat_us[r->completed++] = (sbr_now_s() - a) * 1e6;
        if (item != SBR_ITEM_UNKNOWN && r->verify && line != NULL) {
            char items[16384], scores[16384], num[40];
            size_t il = 0, sl = 0;
            items[0] = scores[0] = '\0';
            for (size_t k = 0; k < got; k++) {
                il += (size_t)snprintf(items + il, sizeof items - il, "%s%llu", k ? "," : "",
                                       (unsigned long long)vocab.item_ids[out[k].item]);
                sl += (size_t)snprintf(scores + sl, sizeof scores - sl, "%s%s", k ? "," : "",
                                       sbr_format_double(num, sizeof num, out[k].score));
            }
            keep_line(r, sbr_dataset_session_id(r->test, e->session), r->known[e->session], items,
                      il, scores, sl);
        }
        if (r->next[i] == NONE) { /* the session's last click */
            bytes += (double)sbr_live_bytes(s);
            measured++;
            sbr_live_free(s);
            live[e->session] = NULL;
        }
    }
    free(line);
    *elapsed = sbr_now_s() - t0;
    *session_bytes = measured > 0 ? bytes / (double)measured : 0;
    if (rc != 0 && err.rc != SBR_OK)
        fprintf(stderr, "sbr replay: %s\n", err.msg);
done:
    if (live != NULL)
        for (size_t s = 0; s < r->test->n_sessions; s++)
            sbr_live_free(live[s]);
    free(live);
    free(mapped);
    free(out);
    if (scratch != NULL)
        spec.algo->scratch_free(scratch);
    spec.algo->free(model);
    sbr_vocab_fini(&vocab);
    sbr_spec_fini(&spec);
    return rc;
}

/* ---- the command --------------------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[k > 0 ? k - 1 : 0];
}

int sbr_cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LOAD_LONG_OPTIONS,
        {"url", required_argument, NULL, OPT_URL},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"max", no_argument, NULL, OPT_MAX},
        {"concurrency", required_argument, NULL, OPT_CONC},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"n", required_argument, NULL, OPT_N},
        {"tag", required_argument, NULL, OPT_TAG},
        {"verify", required_argument, NULL, OPT_VERIFY},
        {"out", required_argument, NULL, OPT_OUT},
        {"label", required_argument, NULL, OPT_LABEL},
        {"offline", no_argument, NULL, OPT_OFFLINE},
        {"model", required_argument, NULL, OPT_MODEL},
        {"max-session-len", required_argument, NULL, OPT_MAX_LEN},
        {"repeat", required_argument, NULL, OPT_REPEAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *url = NULL, *events = NULL, *tag = NULL, *recs = NULL, *out = NULL,
               *label_opt = NULL, *model = NULL;
    double rate = 1000, duration = 0;
    long conc = 4, n = 20, max_len = 100, repeat = 1;
    bool max = false, offline = false, rate_given = false;
    sbr_load_options lo;
    sbr_load_options_init(&lo);
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(replay_usage, stdout);
            return SBR_EXIT_OK;
        case OPT_URL:
            url = optarg;
            break;
        case OPT_EVENTS:
            events = optarg;
            break;
        case OPT_RATE:
            rate_given = true;
            rc = cli_number("replay", "--rate", optarg, 0.001, 1e8, &rate);
            break;
        case OPT_MAX:
            max = true;
            break;
        case OPT_CONC:
            rc = cli_count("replay", "--concurrency", optarg, 1, 1024, &conc);
            break;
        case OPT_DURATION:
            rc = cli_number("replay", "--duration", optarg, 0.001, 1e7, &duration);
            break;
        case OPT_N:
            rc = cli_count("replay", "--n", optarg, 1, 1000, &n);
            break;
        case OPT_TAG:
            tag = optarg;
            break;
        case OPT_VERIFY:
            recs = optarg;
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_LABEL:
            label_opt = optarg;
            break;
        case OPT_OFFLINE:
            offline = true;
            break;
        case OPT_MODEL:
            model = optarg;
            break;
        case OPT_MAX_LEN:
            rc = cli_count("replay", "--max-session-len", optarg, 1, 100000, &max_len);
            break;
        case OPT_REPEAT:
            rc = cli_count("replay", "--repeat", optarg, 1, 1000, &repeat);
            break;
        default:
            if (c >= CLI_OPT_DELIMITER && c < CLI_OPT_FIRST_FREE)
                rc = cli_load_option("replay", c, optarg, &lo);
            else
                return cli_usage_error("replay", "unrecognised option");
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("replay", "unexpected argument '%s'", argv[optind]);
    if (events == NULL)
        return cli_usage_error("replay", "--events is required");
    if (offline ? model == NULL || url != NULL : url == NULL || model != NULL)
        return cli_usage_error("replay", "give --url URL, or --offline --model MODEL");
    if (max && rate_given)
        return cli_usage_error("replay", "--rate and --max exclude each other");
    if (tag != NULL && (strlen(tag) > 64 || strpbrk(tag, "\"\\") != NULL))
        return cli_usage_error("replay", "--tag: up to 64 characters without quotes");
    if (offline && repeat > 1)
        return cli_usage_error("replay", "--repeat is for HTTP replays, not --offline");
    if (max || offline)
        rate = 0;
    sbr_err err = {SBR_OK, ""};
    sbr_dataset *test = NULL;
    sbr_load_stats ls;
    if (cli_load(events, &lo, true, &test, &ls, &err) != SBR_OK)
        return cli_fail(&err);
    replay r;
    memset(&r, 0, sizeof r);
    r.verify = recs != NULL;
    if (build_events(&r, test, (size_t)repeat) != 0 ||
        (r.verify && (r.lines = calloc(test->n_clicks + 1, sizeof *r.lines)) == NULL)) {
        fprintf(stderr, "sbr replay: out of memory\n");
        sbr_dataset_free(test);
        return SBR_EXIT_RUNTIME;
    }
    double elapsed = 0, session_bytes = 0;
    char label[128];
    snprintf(label, sizeof label, "http");
    if (offline)
        rc = run_offline(&r, model, n, max_len, duration, &elapsed, label, sizeof label,
                         &session_bytes);
    else
        rc = run_http(&r, url, rate, conc, duration, n, tag, repeat, &elapsed);
    int exit_code = rc == 0 ? SBR_EXIT_OK : SBR_EXIT_RUNTIME;
    if (rc == 0) {
        qsort(r.lat_us, r.completed, sizeof *r.lat_us, dbl_cmp);
        double p50 = pct(r.lat_us, r.completed, 50), p90 = pct(r.lat_us, r.completed, 90),
               p99 = pct(r.lat_us, r.completed, 99), p999 = pct(r.lat_us, r.completed, 99.9),
               pmax = r.completed ? r.lat_us[r.completed - 1] : 0;
        double eps = elapsed > 0 ? (double)r.completed / elapsed : 0;
        printf("replay %s: %zu events of %zu sessions in %.3f s: %.0f events/s (%s)\n",
               offline ? "offline" : url, r.completed, test->n_sessions * (size_t)repeat, elapsed,
               eps,
               offline ? "update + predict, one thread"
               : max   ? "--max"
                       : "open loop");
        printf("latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", p50, p90, p99,
               p999, pmax);
        printf("errors: %llu", (unsigned long long)r.errors);
        for (size_t i = 0; i < r.n_kinds; i++)
            printf("%s %s %llu", i ? "," : " (", r.kinds[i], (unsigned long long)r.kind_count[i]);
        printf("%s\n", r.n_kinds ? ")" : "");
        if (offline)
            printf("memory per live session: %.0f bytes (sbr_live, max %ld clicks)\n",
                   session_bytes, max_len);
        size_t compared = 0, diffs = 0;
        if (r.verify) {
            if (verify(&r, recs, &compared, &diffs) != 0)
                exit_code = SBR_EXIT_RUNTIME;
            else
                printf("verify: %zu lists compared with %s, %zu differences\n", compared, recs,
                       diffs);
            if (diffs > 0)
                exit_code = SBR_EXIT_RUNTIME;
        }
        if (r.errors > 0)
            exit_code = SBR_EXIT_RUNTIME;
        if (out != NULL) {
            struct stat sb;
            bool fresh = stat(out, &sb) != 0 || sb.st_size == 0;
            FILE *f = fopen(out, "a");
            if (f == NULL) {
                fprintf(stderr, "sbr replay: cannot append to --out %s\n", out);
                exit_code = SBR_EXIT_RUNTIME;
            } else {
                if (fresh)
                    fprintf(f, "label,mode,events_file,events,sessions,concurrency,rate,seconds,"
                               "events_per_s,p50_us,p90_us,p99_us,p999_us,max_us,errors,"
                               "verify_lists,verify_diffs,session_bytes\n");
                fprintf(f,
                        "%s,%s,%s,%zu,%zu,%ld,%.0f,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%zu,%zu,"
                        "%.0f\n",
                        label_opt != NULL ? label_opt : label,
                        offline ? "offline" : (max ? "max" : "rate"), events, r.completed,
                        test->n_sessions * (size_t)repeat, offline ? 1L : conc, rate, elapsed, eps,
                        p50, p90, p99, p999, pmax, (unsigned long long)r.errors, compared, diffs,
                        session_bytes);
                if (fclose(f) != 0)
                    exit_code = SBR_EXIT_RUNTIME;
            }
        }
    }
    for (size_t i = 0; i < r.n_lines; i++)
        free(r.lines[i]);
    free(r.lines);
    for (size_t i = 0; i < r.n_kinds; i++)
        free(r.kinds[i]);
    free(r.ev);
    free(r.next);
    free(r.lat_us);
    free(r.known);
    sbr_dataset_free(test);
    return exit_code;
}
