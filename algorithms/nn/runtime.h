/* The process settings that OpenBLAS and OpenMP read once, when they load, chosen by a
 * program's main() before either runs.
 *
 * Two settings matter to the training core and the harness:
 * - OPENBLAS_CORETYPE, the kernel set of the products (algorithms/nn/blas.h);
 * - OMP_WAIT_POLICY. libgomp's default lets a thread that waits at the end of a parallel
 *   region spin for a while before it sleeps. On a machine whose cores other processes also
 *   use, the spinning thread takes the core the thread still working needs, and every one of a
 *   mini-batch's dozens of regions waits for a time slice: two-thread STAMP training on
 *   rsc15-100k with both cores busy elsewhere ran at 1,176 examples/s spinning and 32,733
 *   passive; on the idle machine both ran at about 54,500 (and NARM, GRU4Rec alike).
 * Neither changes a result: only which kernels compute (the bits may differ between kernel sets,
 * never with the thread count) and how threads wait. */
#ifndef SBR_ALGORITHMS_NN_RUNTIME_H
#define SBR_ALGORITHMS_NN_RUNTIME_H

/* "passive" when OMP_WAIT_POLICY is not set; NULL when it is (the user's choice is kept). */
const char *sbr_omp_better_wait_policy(void);

/* For a program's main(), before it starts threads or MPI: sets OPENBLAS_CORETYPE to
 * sbr_blas_better_core() and OMP_WAIT_POLICY to sbr_omp_better_wait_policy() where they name a
 * value and, when either was set, executes /proc/self/exe again with argv, so this call does
 * not return. Returns when there is nothing to change, or when exec fails (the variables it
 * set are then unset again and what is loaded stays). The second run finds both set and
 * returns at once. */
void sbr_runtime_reexec(char **argv);

#endif
