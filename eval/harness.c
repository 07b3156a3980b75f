#include "eval/harness.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

const double sbr_latency_levels[SBR_LAT_N] = {50, 90, 95, 99, 99.5, 100};
const unsigned sbr_len_bucket_lo[SBR_LEN_BUCKETS] = {1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31};

/* The bucket of a prefix of len clicks (len >= 1). */
static size_t len_bucket(size_t len)
{
    size_t b = 0;
    while (b + 1 < SBR_LEN_BUCKETS && len >= sbr_len_bucket_lo[b + 1])
        b++;
    return b;
}

void sbr_eval_options_init(sbr_eval_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->cutoffs[0] = 20;
    opt->n_cutoffs = 1;
    opt->threads = 1;
    opt->latency = true;
    opt->batch = SBR_PREDICT_BATCH;
}

double sbr_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t sbr_peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (size_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

void sbr_eval_result_fini(sbr_eval_result *res)
{
    free(res->lists);
    free(res->list_items);
    free(res->ranks);
    res->lists = NULL;
    res->list_items = NULL;
    res->ranks = NULL;
}

/* The test set as the evaluation sees it: items mapped to training indices, unseen clicks
 * removed (or kept as SBR_ITEM_UNKNOWN), short sessions dropped, sessions in time order. */
typedef struct test_view {
    size_t n_sessions;
    size_t *offsets; /* [n_sessions + 1] into items/times */
    uint32_t *items;
    double *times;
    size_t *session;     /* [n_sessions] index in the test dataset */
    size_t *pred_offset; /* [n_sessions + 1] first prediction index of each session */
} test_view;

static void view_fini(test_view *v)
{
    free(v->offsets);
    free(v->items);
    free(v->times);
    free(v->session);
    free(v->pred_offset);
}

typedef struct order_key {
    double first_time;
    size_t index; /* in the view before ordering */
} order_key;

static int order_cmp(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->first_time != y->first_time)
        return x->first_time < y->first_time ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static sbr_rc build_view(const sbr_vocab *train, const sbr_dataset *test, bool keep_unseen,
                         test_view *v, sbr_eval_result *res, sbr_err *err)
{
    memset(v, 0, sizeof *v);
    size_t n = test->n_sessions;
    uint32_t *mapped = sbr_alloc_array(test->n_clicks, sizeof *mapped);
    size_t *len = sbr_alloc_array(n, sizeof *len);
    order_key *keys = sbr_alloc_array(n, sizeof *keys);
    v->offsets = sbr_alloc_array(n + 1, sizeof *v->offsets);
    v->items = sbr_alloc_array(test->n_clicks, sizeof *v->items);
    v->times = sbr_alloc_array(test->n_clicks, sizeof *v->times);
    v->session = sbr_alloc_array(n, sizeof *v->session);
    v->pred_offset = sbr_alloc_array(n + 1, sizeof *v->pred_offset);
    sbr_rc rc = SBR_OK;
    if (!mapped || !len || !keys || !v->offsets || !v->items || !v->times || !v->session ||
        !v->pred_offset) {
        rc = sbr_err_set(err, SBR_ENOMEM, "eval: out of memory");
        goto done;
    }
    for (size_t c = 0; c < test->n_clicks; c++) {
        uint32_t idx;
        mapped[c] =
            sbr_vocab_find(train, test->item_ids[test->items[c]], &idx) ? idx : SBR_ITEM_UNKNOWN;
    }
    size_t kept = 0;
    for (size_t s = 0; s < n; s++) {
        len[s] = 0;
        double first = 0;
        for (size_t c = test->offsets[s]; c < test->offsets[s + 1]; c++) {
            if (mapped[c] == SBR_ITEM_UNKNOWN && !keep_unseen) {
                res->unseen_clicks_removed++;
                continue;
            }
            if (len[s]++ == 0)
                first = test->times[c];
        }
        if (len[s] < 2) {
            res->short_sessions_dropped++;
            continue;
        }
        keys[kept++] = (order_key){first, s};
    }
    qsort(keys, kept, sizeof *keys, order_cmp);
    v->n_sessions = kept;
    v->offsets[0] = 0;
    v->pred_offset[0] = 0;
    for (size_t k = 0; k < kept; k++) {
        size_t s = keys[k].index, out = v->offsets[k];
        for (size_t c = test->offsets[s]; c < test->offsets[s + 1]; c++) {
            if (mapped[c] == SBR_ITEM_UNKNOWN && !keep_unseen)
                continue;
            v->items[out] = mapped[c];
            v->times[out++] = test->times[c];
        }
        v->session[k] = s;
        v->offsets[k + 1] = out;
        v->pred_offset[k + 1] = v->pred_offset[k] + len[s] - 1;
    }
done:
    free(mapped);
    free(len);
    free(keys);
    if (rc != SBR_OK)
        view_fini(v);
    return rc;
}

/* Metric sums of one session, one slot per cutoff. */
typedef struct session_sums {
    sbr_metric_values v[SBR_MAX_CUTOFFS];
} session_sums;

/* One thread's state in the metric pass: its buffers and the queries waiting for one predict
 * (or predict_batch) call. Query j is prediction t[j] (prefix length) of view session k[j]. */
typedef struct eval_worker {
    const sbr_model *model;
    const test_view *v;
    const sbr_eval_options *opt;
    const double *popularity;
    size_t n_items, max_cut, batch;
    void *scratch;
    sbr_scored *top; /* [batch * max_cut] */
    sbr_metric_scratch ms;
    unsigned char *covered;  /* this thread's [n_cutoffs * n_items] */
    size_t *done;            /* predictions accounted for by all threads */
    size_t n_pred, reported; /* thread 0 reports progress (reported: when it last did) */
    bool reports;
    size_t m;
    sbr_query q[SBR_PREDICT_BATCH];
    size_t k[SBR_PREDICT_BATCH], t[SBR_PREDICT_BATCH], n_out[SBR_PREDICT_BATCH];
} eval_worker;

/* Adds the metrics of query j's list into its session's sums and keeps its rank and list. */
static void account(eval_worker *w, size_t j, session_sums *sums, sbr_eval_result *res)
{
    const test_view *v = w->v;
    const sbr_eval_options *opt = w->opt;
    size_t k = w->k[j], t = w->t[j], n_out = w->n_out[j];
    size_t begin = v->offsets[k], end = v->offsets[k + 1];
    const sbr_scored *top = w->top + j * w->max_cut;
    for (size_t c = 0; c < opt->n_cutoffs; c++) {
        size_t N = opt->cutoffs[c];
        sbr_metric_values mv = sbr_metrics_compute(top, n_out, N, v->items + begin + t,
                                                   end - begin - t, w->popularity, &w->ms);
        sbr_metric_values *acc = &sums[k].v[c];
        acc->hr += mv.hr;
        acc->mrr += mv.mrr;
        acc->ndcg += mv.ndcg;
        acc->ndcg_ref += mv.ndcg_ref;
        acc->precision += mv.precision;
        acc->recall += mv.recall;
        acc->popularity += mv.popularity;
        for (size_t r = 0; r < n_out && r < N; r++)
            w->covered[c * w->n_items + top[r].item] = 1;
    }
    size_t p = v->pred_offset[k] + t - 1;
    if (opt->keep_ranks) {
        uint32_t rank = 0;
        for (size_t r = 0; r < n_out && rank == 0; r++)
            if (top[r].item == v->items[begin + t])
                rank = (uint32_t)(r + 1);
        res->ranks[p] = rank;
    }
    if (opt->keep_lists) {
        res->lists[p] = (sbr_eval_list){v->session[k], t - 1, n_out};
        memcpy(res->list_items + p * w->max_cut, top, n_out * sizeof *top);
    }
}

/* Predicts the waiting queries (in one predict_batch call when the algorithm has it) and
 * accounts for them in order; on failure *bad_k is the session of the failing query. */
static sbr_rc flush(eval_worker *w, session_sums *sums, sbr_eval_result *res, size_t *bad_k,
                    sbr_err *err)
{
    const sbr_algo *a = w->model->algo;
    sbr_rc rc = SBR_OK;
    if (a->predict_batch != NULL && w->m > 1) {
        rc = a->predict_batch(w->model, w->q, w->m, w->scratch, w->top, w->n_out, err);
        if (rc != SBR_OK)
            *bad_k = w->k[0];
    } else {
        for (size_t j = 0; j < w->m && rc == SBR_OK; j++)
            if ((rc = a->predict(w->model, &w->q[j], w->scratch, w->top + j * w->max_cut,
                                 &w->n_out[j], err)) != SBR_OK)
                *bad_k = w->k[j];
    }
    for (size_t j = 0; j < w->m && rc == SBR_OK; j++)
        account(w, j, sums, res);
    size_t done;
#pragma omp atomic capture
    done = *w->done += w->m;
    if (w->reports && done - w->reported >= 4096) {
        w->opt->progress(w->opt->progress_user, done, w->n_pred);
        w->reported = done;
    }
    w->m = 0;
    return rc;
}

/* Queues every prediction of view session k, flushing whenever the batch is full. */
static sbr_rc queue_session(eval_worker *w, size_t k, session_sums *sums, sbr_eval_result *res,
                            size_t *bad_k, sbr_err *err)
{
    const test_view *v = w->v;
    size_t begin = v->offsets[k], end = v->offsets[k + 1];
    for (size_t t = 1; t < end - begin; t++) {
        w->q[w->m] = (sbr_query){v->items + begin,    v->times + begin, t,
                                 v->times[begin + t], w->max_cut,       NULL};
        w->k[w->m] = k;
        w->t[w->m++] = t;
        if (w->m == w->batch) {
            sbr_rc rc = flush(w, sums, res, bad_k, err);
            if (rc != SBR_OK)
                return rc;
        }
    }
    return SBR_OK;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile `level` of the n sorted values ns, in microseconds. */
static double percentile_us(const uint64_t *ns, size_t n, double level)
{
    double rank = ceil(level / 100.0 * (double)n);
    size_t r = rank < 1 ? 1 : (size_t)rank;
    return (double)ns[(r > n ? n : r) - 1] / 1000.0;
}

/* res->latency_by_len from the timed calls ns (in evaluation order; sorted into by_len). */
static void latency_by_len(const test_view *v, const uint64_t *ns, uint64_t *by_len,
                           sbr_eval_result *res)
{
    for (size_t b = 0; b < SBR_LEN_BUCKETS; b++) {
        size_t n = 0, p = 0;
        for (size_t k = 0; k < v->n_sessions; k++)
            for (size_t t = 1; t < v->offsets[k + 1] - v->offsets[k]; t++, p++)
                if (len_bucket(t) == b)
                    by_len[n++] = ns[p];
        qsort(by_len, n, sizeof *by_len, u64_cmp);
        res->latency_by_len[b] = (sbr_lat_len){n, n > 0 ? percentile_us(by_len, n, 50) : 0,
                                               n > 0 ? percentile_us(by_len, n, 90) : 0};
    }
}

/* Times every prediction on one thread, after an untimed warm-up over the first 1,000. */
static sbr_rc latency_pass(const sbr_model *model, const test_view *v, const sbr_eval_options *opt,
                           size_t n_pred, sbr_eval_result *res, sbr_err *err)
{
    size_t max_cut = opt->cutoffs[opt->n_cutoffs - 1];
    uint64_t *ns = sbr_alloc_array(n_pred, sizeof *ns);
    uint64_t *by_len = sbr_alloc_array(n_pred, sizeof *by_len);
    sbr_scored *top = sbr_alloc_array(max_cut, sizeof *top);
    void *scratch = model->algo->scratch_new(model);
    sbr_rc rc = SBR_OK;
    if (ns == NULL || by_len == NULL || top == NULL || scratch == NULL) {
        rc = sbr_err_set(err, SBR_ENOMEM, "eval: out of memory for the latency pass");
        goto done;
    }
    for (int timed = 0; timed <= 1 && rc == SBR_OK; timed++) {
        size_t p = 0;
        for (size_t k = 0; k < v->n_sessions && rc == SBR_OK; k++) {
            size_t begin = v->offsets[k], len = v->offsets[k + 1] - begin;
            for (size_t t = 1; t < len && rc == SBR_OK; t++, p++) {
                if (!timed && p >= 1000)
                    break;
                sbr_query q = {v->items + begin,    v->times + begin, t,
                               v->times[begin + t], max_cut,          NULL};
                size_t n_out;
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                rc = model->algo->predict(model, &q, scratch, top, &n_out, err);
                clock_gettime(CLOCK_MONOTONIC, &b);
                if (timed)
                    ns[p] =
                        (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
            }
            if (!timed && p >= 1000)
                break;
            if (timed && opt->progress != NULL && (k & 1023) == 0)
                opt->progress(opt->progress_user, p, n_pred);
        }
    }
    if (rc == SBR_OK) {
        uint64_t total = 0;
        for (size_t p = 0; p < n_pred; p++)
            total += ns[p];
        res->latency_total_s = (double)total * 1e-9;
        latency_by_len(v, ns, by_len, res);
        qsort(ns, n_pred, sizeof *ns, u64_cmp);
        for (int l = 0; l < SBR_LAT_N; l++)
            res->latency_us[l] = percentile_us(ns, n_pred, sbr_latency_levels[l]);
    }
done:
    free(ns);
    free(by_len);
    free(top);
    model->algo->scratch_free(scratch);
    return rc;
}

static sbr_rc check_options(const sbr_eval_options *opt, sbr_err *err)
{
    if (opt->n_cutoffs < 1 || opt->n_cutoffs > SBR_MAX_CUTOFFS)
        return sbr_err_set(err, SBR_EINVAL, "eval: between 1 and %d cutoffs", SBR_MAX_CUTOFFS);
    for (size_t c = 0; c < opt->n_cutoffs; c++)
        if (opt->cutoffs[c] < 1 || (c > 0 && opt->cutoffs[c] <= opt->cutoffs[c - 1]))
            return sbr_err_set(err, SBR_EINVAL, "eval: cutoffs must be ascending and >= 1");
    if (opt->threads < 1)
        return sbr_err_set(err, SBR_EINVAL, "eval: threads must be >= 1");
    return SBR_OK;
}

sbr_rc sbr_evaluate(const sbr_model *model, const sbr_dataset *train, const sbr_dataset *test,
                    const sbr_eval_options *opt, sbr_eval_result *res, sbr_err *err)
{
    memset(res, 0, sizeof *res);
    sbr_vocab vocab;
    sbr_rc rc = sbr_vocab_from_dataset(train, &vocab, err);
    if (rc != SBR_OK)
        return rc;
    rc = sbr_evaluate_vocab(model, &vocab, test, opt, res, err);
    sbr_vocab_fini(&vocab);
    return rc;
}

sbr_rc sbr_evaluate_vocab(const sbr_model *model, const sbr_vocab *train, const sbr_dataset *test,
                          const sbr_eval_options *opt, sbr_eval_result *res, sbr_err *err)
{
    memset(res, 0, sizeof *res);
    sbr_rc rc = check_options(opt, err);
    if (rc != SBR_OK)
        return rc;
    test_view v;
    if ((rc = build_view(train, test, opt->keep_unseen, &v, res, err)) != SBR_OK)
        return rc;
    size_t n_items = train->n_items, n_cut = opt->n_cutoffs;
    size_t max_cut = opt->cutoffs[n_cut - 1], n_sessions = v.n_sessions;
    size_t n_pred = v.pred_offset[n_sessions];
    res->n_sessions = n_sessions;
    res->n_predictions = n_pred;
    res->max_cutoff = max_cut;
    double *popularity = calloc(n_items + 1, sizeof *popularity);
    session_sums *sums = sbr_alloc_array(n_sessions, sizeof *sums);
    int n_threads = opt->threads;
    unsigned char *covered = calloc((size_t)n_threads * n_cut * n_items + 1, 1);
    if (opt->keep_lists) {
        res->lists = sbr_alloc_array(n_pred, sizeof *res->lists);
        res->list_items = sbr_alloc_array(n_pred * max_cut, sizeof *res->list_items);
    }
    if (opt->keep_ranks)
        res->ranks = sbr_alloc_array(n_pred, sizeof *res->ranks);
    if (!popularity || !sums || !covered ||
        (opt->keep_lists && (!res->lists || !res->list_items)) ||
        (opt->keep_ranks && !res->ranks)) {
        rc = sbr_err_set(err, SBR_ENOMEM, "eval: out of memory");
        goto done;
    }
    if (n_pred == 0) {
        rc = sbr_err_set(err, SBR_EINVAL,
                         "eval: no test session has 2 or more clicks on training items");
        goto done;
    }
    {
        uint64_t max_clicks = 0;
        for (size_t i = 0; i < n_items; i++)
            max_clicks = train->clicks[i] > max_clicks ? train->clicks[i] : max_clicks;
        for (size_t i = 0; i < n_items; i++)
            popularity[i] = (double)train->clicks[i] / (double)max_clicks;
    }

    /* The metric pass. Each session's sums are written by one thread into its own slot (its
     * predictions in order, whatever the batching) and folded in session order below, so the
     * result depends neither on the thread count nor on the batch size. */
    size_t bad = n_sessions, done = 0;
    sbr_err bad_err = {SBR_OK, ""};
    memset(sums, 0, n_sessions * sizeof *sums);
    size_t batch =
        opt->batch == 0 || opt->batch > SBR_PREDICT_BATCH ? SBR_PREDICT_BATCH : opt->batch;
    double t0 = sbr_now_s();
#pragma omp parallel num_threads(n_threads) default(none)                                          \
    shared(model, v, opt, popularity, covered, n_items, n_cut, max_cut, n_sessions, res, sums,     \
           bad, bad_err, batch, done, n_pred)
    {
        size_t tid = (size_t)omp_get_thread_num();
        eval_worker w = {.model = model,
                         .v = &v,
                         .opt = opt,
                         .popularity = popularity,
                         .n_items = n_items,
                         .max_cut = max_cut,
                         .batch = batch,
                         .covered = covered + tid * n_cut * n_items,
                         .done = &done,
                         .n_pred = n_pred,
                         .reports = tid == 0 && opt->progress != NULL};
        w.scratch = model->algo->scratch_new(model);
        w.top = sbr_alloc_array(batch * max_cut, sizeof *w.top);
        sbr_err terr = {SBR_OK, ""};
        size_t tbad = n_sessions;
        if (w.scratch == NULL || w.top == NULL ||
            sbr_metric_scratch_init(&w.ms, n_items, &terr) != SBR_OK) {
            sbr_err_set(&terr, SBR_ENOMEM, "eval: out of memory for per-thread buffers");
            tbad = 0;
        }
#pragma omp for schedule(dynamic, 16) nowait
        for (size_t k = 0; k < n_sessions; k++) {
            if (tbad != n_sessions)
                continue; /* cannot break out of an omp for */
            sbr_err e = {SBR_OK, ""};
            if (queue_session(&w, k, sums, res, &tbad, &e) != SBR_OK)
                terr = e;
        }
        if (tbad == n_sessions && w.m > 0) {
            sbr_err e = {SBR_OK, ""};
            if (flush(&w, sums, res, &tbad, &e) != SBR_OK)
                terr = e;
        }
#pragma omp critical(sbr_eval_error)
        if (tbad < bad) {
            bad = tbad;
            bad_err = terr;
        }
        sbr_metric_scratch_fini(&w.ms);
        free(w.top);
        model->algo->scratch_free(w.scratch);
    }
    res->eval_s = sbr_now_s() - t0;
    if (bad != n_sessions) {
        rc = sbr_err_set(err, bad_err.rc == SBR_OK ? SBR_EINTERNAL : bad_err.rc, "%s", bad_err.msg);
        goto done;
    }

    for (size_t c = 0; c < n_cut; c++) {
        sbr_metric_values total = {0, 0, 0, 0, 0, 0, 0};
        for (size_t k = 0; k < n_sessions; k++) {
            const sbr_metric_values *s = &sums[k].v[c];
            total.hr += s->hr;
            total.mrr += s->mrr;
            total.ndcg += s->ndcg;
            total.ndcg_ref += s->ndcg_ref;
            total.precision += s->precision;
            total.recall += s->recall;
            total.popularity += s->popularity;
        }
        double np = (double)n_pred;
        sbr_eval_metrics *m = &res->at[c];
        m->hr = total.hr / np;
        m->mrr = total.mrr / np;
        m->ndcg = total.ndcg / np;
        m->ndcg_ref = total.ndcg_ref / np;
        m->precision = total.precision / np;
        m->recall = total.recall / np;
        m->popularity = total.popularity / np;
        double pr = m->precision + m->recall;
        m->f1 = pr > 0 ? 2 * m->precision * m->recall / pr : 0.0;
        size_t n_covered = 0;
        for (size_t i = 0; i < n_items; i++) {
            unsigned char any = 0;
            for (int th = 0; th < n_threads; th++)
                any |= covered[((size_t)th * n_cut + c) * n_items + i];
            n_covered += any;
        }
        m->coverage = (double)n_covered / (double)n_items;
    }
    if (opt->latency)
        rc = latency_pass(model, &v, opt, n_pred, res, err);

done:
    free(popularity);
    free(sums);
    free(covered);
    view_fini(&v);
    if (rc != SBR_OK)
        sbr_eval_result_fini(res);
    return rc;
}
