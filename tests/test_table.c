#include <CUnit/CUnit.h>

static CU_TestInfo tests[] = {CU_TEST_INFO_NULL};
CU_SuiteInfo sbr_suite_table = {"table", NULL, NULL, NULL, NULL, tests};
