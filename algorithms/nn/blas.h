/* Which OpenBLAS kernels run the products, and a better choice where OpenBLAS guessed wrong.
 *
 * Debian's OpenBLAS is built for every x86-64 kernel set (DYNAMIC_ARCH) and picks one from the
 * CPU's family and model number when the library loads. A CPU newer than the library (Debian
 * 12's 0.3.21 does not know Sapphire Rapids, whose virtual machines also report a bare
 * "Intel(R) Xeon(R) Processor") gets its fallback, "Prescott": SSE3 kernels, about 5 times
 * slower at sgemm than the AVX-512 ones the same CPU runs (measured here: 18.6 against 101.2
 * GFLOPS on one thread). An AMD EPYC with AVX-512 (Zen 4) gets "Haswell", AVX2 kernels about
 * half as fast there as the AVX-512 ones (113.7 against 206.1 GFLOPS, 1024 x 1024, one thread).
 * OpenBLAS reads the environment variable OPENBLAS_CORETYPE only when it loads, so a program
 * that wants the better kernels sets it and executes itself again: sbr_runtime_reexec
 * (algorithms/nn/runtime.h) does, for the command-line front end and the test runner. */
#ifndef SBR_ALGORITHMS_NN_BLAS_H
#define SBR_ALGORITHMS_NN_BLAS_H

/* The name of the kernel set OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", ...). */
const char *sbr_blas_core(void);

/* The kernel set to ask for through OPENBLAS_CORETYPE, or NULL to keep the loaded one. On a
 * CPU with AVX-512 F, CD, BW, DQ and VL: "SkylakeX" unless an AVX-512 set (SkylakeX,
 * Cooperlake, SapphireRapids) is loaded; else on a CPU with AVX2 and FMA: "Haswell" unless an
 * AVX2 set (those or Haswell, Zen) is loaded. NULL as well when OPENBLAS_CORETYPE is set
 * already (the user's choice, or an earlier fix). */
const char *sbr_blas_better_core(void);

/* The value of OPENBLAS_CORETYPE when it names a kernel set this CPU cannot run (an AVX-512 set
 * without AVX-512 F, CD, BW, DQ and VL; Haswell or Zen without AVX2 and FMA), with what the set
 * needs in *needs; NULL when the variable is unset or its set runs here (or is not one of
 * those). OpenBLAS obeys the variable, and its first product then dies of an illegal
 * instruction, so a program's main() refuses such a setting instead. */
const char *sbr_blas_unrunnable_core(const char **needs);

#endif
