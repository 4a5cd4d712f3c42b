/*  A schema and an instance from one input, split at its first NUL byte (without one, the
    instance is null); each must parse with accord_json_parse. Then: the check and validation
    agree on whether the schema is well formed and say why in the same words; validation always
    explains a refusal, and gives the same answer twice; and it gives the same answer and the
    same message for the canonical forms (RFC 8785) of schema and instance, since the order of
    members must not matter. */
#include "accord/json.h"
#include "accord/jsonschema.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static json_object *
s_reparse (json_object *obj, int *ok)
{
    *ok = 0;
    char *text = accord_json_canonical (obj);
    if (!text)
        abort ();                   //  parsed input always has a canonical form
    char err [256];
    size_t len = strlen (text);
    json_object *again = accord_json_parse (text, len, err, sizeof err);
    //  Numbers can grow past the size limit ("1e20" is 21 digits); null parses to NULL
    *ok = again != NULL || strcmp (err, "null document") == 0;
    free (text);
    return again;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err [256];
    const uint8_t *nul = memchr (data, 0, size);
    size_t schema_len = nul ? (size_t) (nul - data) : size;
    json_object *schema = accord_json_parse ((const char *) data, schema_len, err, sizeof err);
    if (!schema)
        return 0;
    json_object *instance = NULL;
    if (nul) {
        instance = accord_json_parse ((const char *) nul + 1, size - schema_len - 1,
                                      err, sizeof err);
        if (!instance && strcmp (err, "null document") != 0) {
            json_object_put (schema);
            return 0;
        }
    }
    char checked [512] = "", first [512] = "", second [512] = "";
    int check = accord_jsonschema_check (schema, checked, sizeof checked);
    int rc = accord_jsonschema_validate (schema, instance, first, sizeof first);
    if (check != 0 && check != -2)
        abort ();
    if (check == 0 && rc == -1)
        abort ();
    if (check == -2 && (rc != -1 || strcmp (checked, first) != 0 || !checked [0]))
        abort ();
    if (rc != 0 && !first [0])
        abort ();
    if (accord_jsonschema_validate (schema, instance, second, sizeof second) != rc
    ||  strcmp (first, second) != 0)
        abort ();

    int schema_ok, instance_ok;
    json_object *schema2 = s_reparse (schema, &schema_ok);
    json_object *instance2 = s_reparse (instance, &instance_ok);
    if (schema_ok && instance_ok) {
        if (accord_jsonschema_validate (schema2, instance2, second, sizeof second) != rc
        ||  strcmp (first, second) != 0)
            abort ();
    }
    json_object_put (schema2);
    json_object_put (instance2);
    json_object_put (instance);
    json_object_put (schema);
    return 0;
}
