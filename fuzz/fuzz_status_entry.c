/*  accord_statuslist_find_entry on any JSON claims: for each purpose it finds an entry (0: the
    list is a string of the claims, the index one parse_index accepts), finds none (1) or
    refuses the entry (-2) with a reason. */
#include "accord/json.h"
#include "accord/statuslist.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    json_object *claims = accord_json_parse ((const char *) data, size, NULL, 0);
    if (!claims)
        return 0;
    const char *purposes [] = { "revocation", "suspension" };
    for (int p = 0; p < 2; p++) {
        const char *list = NULL;
        uint64_t index = 0;
        char err [256] = "";
        int rc = accord_statuslist_find_entry (claims, purposes [p], &list, &index, err, sizeof err);
        if ((rc == 0 && (!list || index > ((uint64_t) 1 << 53) - 1)) || (rc == -2 && !err [0])
        ||  (rc != 0 && rc != 1 && rc != -2))
            abort ();
        if (rc == 0 && strlen (list) > size)
            abort ();
    }
    json_object_put (claims);
    return 0;
}
