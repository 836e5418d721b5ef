/* main.c — the test runner: every suite found in the tests/ C files, one summary. */
#include <stdlib.h>

#include "test_util.h"

#define VX_SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef VX_SUITE

int main(void)
{
    SRunner *sr = NULL;
#define VX_SUITE(fn)                     \
    if (!sr)                             \
        sr = srunner_create(fn());       \
    else                                 \
        srunner_add_suite(sr, fn());
#include "suites.h"
#undef VX_SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
