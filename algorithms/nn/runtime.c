#include "algorithms/nn/runtime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "algorithms/nn/blas.h"

const char *sbr_omp_better_wait_policy(void)
{
    return getenv("OMP_WAIT_POLICY") != NULL ? NULL : "passive";
}

void sbr_runtime_reexec(char **argv)
{
    const char *core = sbr_blas_better_core(), *wait = sbr_omp_better_wait_policy();
    bool set_core = core != NULL && setenv("OPENBLAS_CORETYPE", core, 1) == 0;
    bool set_wait = wait != NULL && setenv("OMP_WAIT_POLICY", wait, 1) == 0;
    if (!set_core && !set_wait)
        return;
    execv("/proc/self/exe", argv);
    if (set_core) /* exec failed: keep what is loaded */
        unsetenv("OPENBLAS_CORETYPE");
    if (set_wait)
        unsetenv("OMP_WAIT_POLICY");
}
