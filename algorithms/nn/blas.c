#include "algorithms/nn/blas.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* OpenBLAS's own query (openblas_config.h declares it in some builds only). */
char *openblas_get_corename(void);

const char *sbr_blas_core(void)
{
    const char *name = openblas_get_corename();
    return name != NULL ? name : "unknown";
}

/* Whether core (as openblas_get_corename spells it) is one of the kernel sets in names. */
static bool is_one_of(const char *core, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(core, names[i]) == 0)
            return true;
    return false;
}

static const char *const avx512_sets[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
static const char *const avx2_sets[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake",
                                        "SapphireRapids"};

static bool cpu_has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
}

static bool cpu_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#define N_OF(a) (sizeof(a) / sizeof *(a))

const char *sbr_blas_better_core(void)
{
    if (getenv("OPENBLAS_CORETYPE") != NULL)
        return NULL;
    const char *core = sbr_blas_core();
    if (cpu_has_avx512())
        return is_one_of(core, avx512_sets, N_OF(avx512_sets)) ? NULL : "SkylakeX";
    if (cpu_has_avx2())
        return is_one_of(core, avx2_sets, N_OF(avx2_sets)) ? NULL : "Haswell";
    return NULL;
}

const char *sbr_blas_unrunnable_core(const char **needs)
{
    const char *forced = getenv("OPENBLAS_CORETYPE");
    if (forced == NULL)
        return NULL;
    if (is_one_of(forced, avx512_sets, N_OF(avx512_sets)) && !cpu_has_avx512()) {
        *needs = "AVX-512 (F, CD, BW, DQ, VL)";
        return forced;
    }
    if (is_one_of(forced, avx2_sets, N_OF(avx2_sets)) && !cpu_has_avx2()) {
        *needs = "AVX2 and FMA";
        return forced;
    }
    return NULL;
}
