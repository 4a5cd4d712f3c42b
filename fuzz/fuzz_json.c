/*  accord_json_parse on any bytes, then the canonical form: it must exist for anything the
    parser accepts, parse again, and canonicalize to the same bytes (JCS is idempotent). The
    pull reader reads over the same bytes: what the parser accepts, it accepts too. */
#include "accord/json.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err [256];
    json_object *obj = accord_json_parse ((const char *) data, size, err, sizeof err);
    accord_json_reader_t *reader = accord_json_reader_new ((const char *) data, size);
    int read = reader && accord_json_reader_skip (reader) == 0 && accord_json_reader_end (reader) == 0;
    accord_json_reader_destroy (&reader);
    if (obj && !read)
        abort ();
    if (!obj)
        return 0;
    char *canonical = accord_json_canonical (obj);
    if (!canonical)
        abort ();                   //  accepted input always has a JCS form
    size_t len = strlen (canonical);
    //  Numbers can grow ("1e20" is 21 digits): past the size limit a re-parse is refused
    if (len <= ACCORD_JSON_MAX_SIZE) {
        json_object *again = accord_json_parse (canonical, len, err, sizeof err);
        if (!again)
            abort ();
        char *twice = accord_json_canonical (again);
        if (!twice || strcmp (twice, canonical) != 0)
            abort ();
        free (twice);
        json_object_put (again);
    }
    free (canonical);
    json_object_put (obj);
    return 0;
}
