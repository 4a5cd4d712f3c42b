#include "testutil.h"
#include "accord/error.h"
#include <string.h>

START_TEST (names_roundtrip)
{
    for (int code = 0; code < ACCORD_E__COUNT; code++) {
        const char *name = accord_err_name (code);
        ck_assert_str_ne (name, "unknown");
        ck_assert_int_eq (accord_err_from_name (name), code);
    }
    ck_assert_str_eq (accord_err_name (ACCORD_E_BAD_SIGNATURE), "bad_signature");
    ck_assert_str_eq (accord_err_name (-1), "unknown");
    ck_assert_str_eq (accord_err_name (ACCORD_E__COUNT), "unknown");
    ck_assert_int_eq (accord_err_from_name ("no such name"), ACCORD_E_INTERNAL);
}
END_TEST

Suite *
test_error_suite (void)
{
    Suite *suite = suite_create ("error");
    TCase *tc = tcase_create ("roundtrip");
    tcase_add_test (tc, names_roundtrip);
    suite_add_tcase (suite, tc);
    return suite;
}
