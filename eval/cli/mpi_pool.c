/* Work spread over MPI ranks (see mpi_pool.h). Without SBR_HAVE_MPI only the one-process
 * versions below the #else are compiled. */
#include "eval/cli/mpi_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/cli/cli.h"

#ifdef SBR_HAVE_MPI
#include <mpi.h>
#include <stdint.h>
#include <time.h>

static bool mpi_on;
static int world_rank, world_size = 1;
static char note[64];

/* The messages: worker -> rank 0 READY (empty), CHECK and RESULT (a job number, 8 bytes,
 * then the caller's bytes), FAIL (text); rank 0 -> worker JOB (a job number), STOP (empty),
 * VERDICT (one byte, 1 = run). */
enum { TAG_READY = 1, TAG_CHECK, TAG_RESULT, TAG_FAIL, TAG_JOB, TAG_STOP, TAG_VERDICT };

static void nap(void)
{
    struct timespec ts = {0, 1000000}; /* 1 ms */
    nanosleep(&ts, NULL);
}

/* Waits for a request to complete, polling with naps instead of MPI's busy-wait. */
static void wait_gently(MPI_Request *req)
{
    int done = 0;
    MPI_Test(req, &done, MPI_STATUS_IGNORE);
    while (!done) {
        nap();
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
    }
}

bool cli_mpi_start(int *argc, char ***argv)
{
    if (getenv("OMPI_COMM_WORLD_SIZE") == NULL && getenv("PMIX_RANK") == NULL &&
        getenv("PMI_SIZE") == NULL)
        return true; /* not started by a launcher: one process */
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "sbr: MPI_Init failed\n");
        return false;
    }
    mpi_on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    snprintf(note, sizeof note, " (MPI, %d ranks)", world_size);
    return true;
}

void cli_mpi_barrier(void)
{
    if (!mpi_on)
        return;
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    wait_gently(&req);
}

void cli_mpi_bcast(void *buf, size_t len)
{
    if (!mpi_on)
        return;
    MPI_Request req;
    MPI_Ibcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
    wait_gently(&req);
}

void cli_mpi_abort(int status)
{
    fflush(stdout);
    fflush(stderr);
    if (mpi_on)
        MPI_Abort(MPI_COMM_WORLD, status);
    exit(status);
}

void cli_mpi_stop(void)
{
    if (!mpi_on)
        return;
    cli_mpi_barrier();
    MPI_Finalize();
    mpi_on = false;
}

int cli_mpi_rank(void)
{
    return world_rank;
}

int cli_mpi_size(void)
{
    return world_size;
}

const char *cli_mpi_note(void)
{
    return note;
}

/* Sends the job number and the bytes of msg in one message. */
static void send_job_msg(int tag, size_t job, const void *msg, size_t len)
{
    unsigned char *buf = malloc(8 + len);
    if (buf == NULL) {
        fprintf(stderr, "sbr: rank %d: out of memory\n", world_rank);
        MPI_Abort(MPI_COMM_WORLD, SBR_EXIT_RUNTIME);
    }
    uint64_t j = job;
    memcpy(buf, &j, 8);
    if (len > 0)
        memcpy(buf + 8, msg, len);
    MPI_Send(buf, (int)(8 + len), MPI_BYTE, 0, tag, MPI_COMM_WORLD);
    free(buf);
}

bool cli_pool_next(size_t *job)
{
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, MPI_COMM_WORLD);
    uint64_t j = 0;
    MPI_Status status;
    MPI_Recv(&j, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
    *job = (size_t)j;
    return status.MPI_TAG == TAG_JOB;
}

bool cli_pool_check(size_t job, const void *msg, size_t len)
{
    send_job_msg(TAG_CHECK, job, msg, len);
    unsigned char run = 0;
    MPI_Recv(&run, 1, MPI_BYTE, 0, TAG_VERDICT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return run == 1;
}

void cli_pool_result(size_t job, const void *msg, size_t len)
{
    send_job_msg(TAG_RESULT, job, msg, len);
}

void cli_pool_fail(const char *text)
{
    MPI_Send(text, (int)strlen(text) + 1, MPI_CHAR, 0, TAG_FAIL, MPI_COMM_WORLD);
}

/* Rank 0's state while serving. */
typedef struct pool {
    const size_t *order;
    size_t n, next;
    int active; /* workers not yet told to stop and not failed */
    int status; /* the first failure's exit status, 0 before */
    const cli_pool_handlers *h;
} pool;

/* Handles one message of a worker. */
static void serve_one(pool *p, const MPI_Status *st, unsigned char *buf, int len)
{
    int from = st->MPI_SOURCE;
    uint64_t job = 0;
    if ((st->MPI_TAG == TAG_CHECK || st->MPI_TAG == TAG_RESULT) && len >= 8)
        memcpy(&job, buf, 8);
    const void *body = buf ? buf + 8 : NULL;
    size_t body_len = len >= 8 ? (size_t)len - 8 : 0;
    if (st->MPI_TAG == TAG_READY) {
        if (p->status == 0 && p->next < p->n) {
            uint64_t j = p->order[p->next++];
            MPI_Send(&j, 1, MPI_UINT64_T, from, TAG_JOB, MPI_COMM_WORLD);
        } else {
            MPI_Send(NULL, 0, MPI_UINT64_T, from, TAG_STOP, MPI_COMM_WORLD);
            p->active--;
        }
    } else if (st->MPI_TAG == TAG_CHECK) {
        bool run = false;
        if (p->status == 0)
            p->status = p->h->check(p->h->user, (size_t)job, body, body_len, &run);
        unsigned char v = p->status == 0 && run ? 1 : 0;
        MPI_Send(&v, 1, MPI_BYTE, from, TAG_VERDICT, MPI_COMM_WORLD);
    } else if (st->MPI_TAG == TAG_RESULT) {
        if (p->status == 0)
            p->status = p->h->result(p->h->user, (size_t)job, body, body_len);
    } else if (st->MPI_TAG == TAG_FAIL) {
        fprintf(stderr, "sbr: rank %d: %s\n", from, buf ? (const char *)buf : "failed");
        if (p->status == 0)
            p->status = SBR_EXIT_RUNTIME;
        p->active--;
    }
}

int cli_pool_serve(const size_t *order, size_t n, const cli_pool_handlers *h)
{
    pool p = {order, n, 0, world_size - 1, 0, h};
    while (p.active > 0) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            nap();
            continue;
        }
        int len = 0;
        MPI_Get_count(&st, MPI_BYTE, &len);
        unsigned char *buf = len > 0 ? malloc((size_t)len + 1) : NULL;
        if (len > 0 && buf == NULL) {
            fprintf(stderr, "sbr: rank 0: out of memory\n");
            MPI_Abort(MPI_COMM_WORLD, SBR_EXIT_RUNTIME);
        }
        MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (buf != NULL)
            buf[len] = '\0';
        serve_one(&p, &st, buf, len);
        free(buf);
    }
    return p.status;
}

/* The gather hook of sbr tune: sums of the values and seconds (each trial's are nonzero on
 * one rank only, so the sum is that value exactly), the minimum failing trial, and its error
 * sent by the rank that evaluated it. */
static void tune_gather(void *user, sbr_trial *trials, size_t start, size_t end, size_t *bad,
                        sbr_err *err)
{
    (void)user;
    size_t n = end - start;
    double *v = calloc(2 * n, sizeof *v);
    if (v == NULL) {
        fprintf(stderr, "sbr: rank %d: out of memory\n", world_rank);
        MPI_Abort(MPI_COMM_WORLD, SBR_EXIT_RUNTIME);
    }
    for (size_t i = 0; i < n; i++)
        if (i % (size_t)world_size == (size_t)world_rank) {
            v[i] = trials[start + i].value;
            v[n + i] = trials[start + i].seconds;
        }
    MPI_Request req;
    MPI_Iallreduce(MPI_IN_PLACE, v, (int)(2 * n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &req);
    wait_gently(&req);
    for (size_t i = 0; i < n; i++) {
        trials[start + i].value = v[i];
        trials[start + i].seconds = v[n + i];
    }
    free(v);
    uint64_t mine = *bad, lowest = 0;
    MPI_Iallreduce(&mine, &lowest, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD, &req);
    wait_gently(&req);
    if (lowest != end) {
        int owner = (int)((lowest - start) % (size_t)world_size);
        MPI_Bcast(err, (int)sizeof *err, MPI_BYTE, owner, MPI_COMM_WORLD);
    }
    *bad = (size_t)lowest;
}

void cli_mpi_tune_share(sbr_tune_share *share)
{
    share->rank = (size_t)world_rank;
    share->size = (size_t)world_size;
    share->gather = tune_gather;
    share->user = NULL;
}

#else /* no MPI: one process */

bool cli_mpi_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL ||
        getenv("PMI_SIZE") != NULL)
        fprintf(stderr, "sbr: warning: started by an MPI launcher, but this sbr was built "
                        "without MPI (-DSBR_MPI=OFF or no MPI found): every rank runs the "
                        "whole work\n");
    return true;
}

void cli_mpi_stop(void)
{
}

void cli_mpi_barrier(void)
{
}

void cli_mpi_bcast(void *buf, size_t len)
{
    (void)buf;
    (void)len;
}

void cli_mpi_abort(int status)
{
    fflush(stdout);
    fflush(stderr);
    exit(status);
}

int cli_mpi_rank(void)
{
    return 0;
}

int cli_mpi_size(void)
{
    return 1;
}

const char *cli_mpi_note(void)
{
    return "";
}

int cli_pool_serve(const size_t *order, size_t n, const cli_pool_handlers *h)
{
    (void)order;
    (void)n;
    (void)h;
    return 0;
}

bool cli_pool_next(size_t *job)
{
    (void)job;
    return false;
}

bool cli_pool_check(size_t job, const void *msg, size_t len)
{
    (void)job;
    (void)msg;
    (void)len;
    return true;
}

void cli_pool_result(size_t job, const void *msg, size_t len)
{
    (void)job;
    (void)msg;
    (void)len;
}

void cli_pool_fail(const char *text)
{
    (void)text;
}

void cli_mpi_tune_share(sbr_tune_share *share)
{
    share->rank = 0;
    share->size = 1;
    share->gather = NULL;
    share->user = NULL;
}

#endif
