/* Placeholder suite, replaced by the real tests. */
#include <CUnit/CUnit.h>

static CU_TestInfo tests[] = {CU_TEST_INFO_NULL};
CU_SuiteInfo sbr_suite_stan_data = {"stan_data", NULL, NULL, NULL, NULL, tests};
