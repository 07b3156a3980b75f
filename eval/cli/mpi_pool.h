/* Work spread over MPI ranks: `mpirun -np N sbr run` and `mpirun -np N sbr tune`.
 *
 * MPI starts only when an MPI launcher started the process (mpirun/mpiexec, or srun with PMI:
 * OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_SIZE is set); otherwise, and in a build without MPI
 * (CMake -DSBR_MPI=OFF, or no MPI found: SBR_HAVE_MPI undefined), every function below is the
 * one-process version and the commands run as they always did. Everything MPI is in this
 * module, so the rest of the program neither includes mpi.h nor knows whether it was built.
 *
 * Job pool (sbr run): rank 0 is the coordinator and the only writer; it runs no job itself, so
 * `-np N` has N - 1 workers. It hands out job numbers, one at a time, in the order it is
 * given (largest first), to whichever worker asks; a worker asks again when its job is done,
 * so one slow job never holds up the jobs behind it. A worker may ask, before running a job,
 * whether to run it (rank 0 checks the store) and sends back each result; rank 0 handles those
 * messages in the order they arrive, with the callbacks below. Waiting is done by polling
 * with 1 ms sleeps (rank 0, the final barrier), not by MPI's busy-wait, so an idle rank takes
 * no core from a working one. Messages are bytes: the ranks run one binary on one kind of
 * machine (a homogeneous cluster).
 *
 * A worker that fails (an error of its job) reports the error; rank 0 then hands out no more
 * jobs, waits for the jobs in progress and fails with that error. A rank that dies (kill -9)
 * makes the launcher end every rank; the rows rank 0 stored stay (one transaction per job) and
 * a rerun runs the jobs that were not stored. */
#ifndef SBR_EVAL_CLI_MPI_POOL_H
#define SBR_EVAL_CLI_MPI_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "eval/tune.h"

/* Starts MPI when a launcher started the process; call first thing in main. Returns false
 * (after printing why) when MPI should have started and did not. */
bool cli_mpi_start(int *argc, char ***argv);

/* Waits (without spinning) until every rank is here, then ends MPI; a no-op without it. */
void cli_mpi_stop(void);

/* This process's rank (0 without MPI) and the number of ranks (1 without MPI). */
int cli_mpi_rank(void);
int cli_mpi_size(void);

/* "" without MPI, else " (MPI, N ranks)": for the summary lines. */
const char *cli_mpi_note(void);

/* Waits without spinning until every rank calls it; a no-op without MPI. */
void cli_mpi_barrier(void);

/* Gives every rank rank 0's len bytes at buf, waiting without spinning; every rank must call
 * it with the same len. A no-op without MPI. */
void cli_mpi_bcast(void *buf, size_t len);

/* Ends every rank with exit status `status` (MPI_Abort; exit without MPI), for a rank that can
 * no longer take part in a collective step; the caller printed why. */
_Noreturn void cli_mpi_abort(int status);

/* Rank 0's callbacks. Each returns 0 to go on, or an exit status (it printed the error) to
 * stop handing out jobs. */
typedef struct cli_pool_handlers {
    /* A worker asks whether job may run: msg (len bytes) is its check message; *run is the
     * answer. */
    int (*check)(void *user, size_t job, const void *msg, size_t len, bool *run);
    /* A worker's result of job. */
    int (*result)(void *user, size_t job, const void *msg, size_t len);
    void *user;
} cli_pool_handlers;

/* Rank 0: hands out jobs order[0..n) to ranks 1..size-1 until every job was handed out or
 * a callback or a worker failed, then tells every worker to stop. Returns 0, the first
 * failing callback's status, or SBR_EXIT_RUNTIME after printing a worker's error. */
int cli_pool_serve(const size_t *order, size_t n, const cli_pool_handlers *h);

/* A worker: the next job into *job, or false when there is none left. */
bool cli_pool_next(size_t *job);

/* A worker: asks rank 0 whether job should run (sends msg, len bytes). */
bool cli_pool_check(size_t job, const void *msg, size_t len);

/* A worker: sends job's result (len bytes) to rank 0. */
void cli_pool_result(size_t job, const void *msg, size_t len);

/* A worker: reports an error (text) to rank 0, after which it asks for no more jobs. */
void cli_pool_fail(const char *text);

/* sbr tune's share of a batch (eval/tune.h): trial start + k is evaluated by rank k % size,
 * and cli_mpi_tune_gather (its gather hook) gives every rank every trial's value and seconds
 * and the lowest failing trial with its error. *share is the one-process share without MPI. */
void cli_mpi_tune_share(sbr_tune_share *share);

#endif
