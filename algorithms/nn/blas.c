#include "algorithms/nn/blas.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* OpenBLAS's own query (openblas_config.h declares it in some builds only). */
char *openblas_get_corename(void);

const char *sbr_blas_core(void)
{
    const char *name = openblas_get_corename();
    return name != NULL ? name : "unknown";
}

/* Kernel sets with AVX2 (or better) kernels, as openblas_get_corename spells them. */
static int has_avx2_kernels(const char *core)
{
    static const char *const good[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake",
                                       "SapphireRapids"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (strcasecmp(core, good[i]) == 0)
            return 1;
    return 0;
}

const char *sbr_blas_better_core(void)
{
    if (getenv("OPENBLAS_CORETYPE") != NULL || has_avx2_kernels(sbr_blas_core()))
        return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
    return NULL;
}

void sbr_blas_reexec(char **argv)
{
    const char *core = sbr_blas_better_core();
    if (core == NULL || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE"); /* exec failed: keep what is loaded */
}
