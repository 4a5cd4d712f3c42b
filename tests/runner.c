/*  The one Check runner. With no argument it runs every suite; `unit` runs all but the
    cluster suites; otherwise a comma-separated list of suite names. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *test_##name##_suite (void);
#include "suites.h"
#undef SUITE

typedef struct {
    const char *name;
    Suite *(*make) (void);
} suite_entry_t;

static const suite_entry_t s_suites [] = {
#define SUITE(name) { #name, test_##name##_suite },
#include "suites.h"
#undef SUITE
};

static int
s_selected (const char *name, const char *filter)
{
    if (!filter || !*filter)
        return 1;
    if (strcmp (filter, "unit") == 0)
        return strncmp (name, "cluster", 7) != 0;
    size_t len = strlen (name);
    for (const char *p = filter; *p; ) {
        const char *end = strchr (p, ',');
        size_t item = end ? (size_t) (end - p) : strlen (p);
        if (item == len && strncmp (p, name, len) == 0)
            return 1;
        p += item + (end ? 1 : 0);
    }
    return 0;
}

int
main (int argc, char *argv [])
{
    const char *filter = argc > 1 ? argv [1] : getenv ("TESTS");
    SRunner *runner = NULL;
    for (size_t i = 0; i < sizeof s_suites / sizeof s_suites [0]; i++) {
        if (!s_selected (s_suites [i].name, filter))
            continue;
        if (!runner)
            runner = srunner_create (s_suites [i].make ());
        else
            srunner_add_suite (runner, s_suites [i].make ());
    }
    if (!runner) {
        fprintf (stderr, "accord-tests: no suite matches '%s'\n", filter);
        return 2;
    }
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
