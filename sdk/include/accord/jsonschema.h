/*  accord/jsonschema.h: JSON Schema (2020-12 validation vocabulary, a subset) for credential
    schemas: a check that a schema is well formed and within limits, and instance validation
    that reports the first violation with its JSON Pointer.

    Keywords: type (a name or an array of names: string number integer boolean object array
    null), properties, required, additionalProperties (boolean or schema), enum, const,
    minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength (code points),
    pattern, items (one schema), minItems, maxItems, uniqueItems. A schema is an object or a
    boolean (true accepts anything, false nothing). $schema (root only, must be 2020-12), $id,
    $comment, title, description, default and examples are read and ignored.
    Any other keyword (format, $ref, allOf, patternProperties, prefixItems, ...) is refused, so
    that a schema never means less than its author thinks.

    Numbers compare as IEEE doubles (as I-JSON and RFC 8785 read them); 1 and 1.0 are equal and
    both integers. Equality for enum, const and uniqueItems is JSON equality: same type, same
    value, objects regardless of member order.

    pattern is an ECMA-262 regular expression read on code points (as with the `u` flag) and
    searched for anywhere in the string unless it says ^ or $. It runs on our own linear-time
    matcher: a subset of ECMA-262 (see sdk/README.md); patterns outside it are refused when the
    schema is checked, never approximated.

    Validation is deterministic: keywords apply in a fixed order (type, const, enum, the number
    bounds, the string bounds and pattern, minItems, maxItems, uniqueItems, items in index order,
    required in its order, then members sorted by name), so the first violation reported depends
    only on the schema and the instance, not on member order in their text. */
#ifndef ACCORD_JSONSCHEMA_H
#define ACCORD_JSONSCHEMA_H

#include <stddef.h>
#include <json-c/json.h>

#define ACCORD_JSONSCHEMA_MAX_DEPTH    16           //  schemas nested in schemas
#define ACCORD_JSONSCHEMA_MAX_SIZE     (64 * 1024)  //  values + bytes of strings and names
#define ACCORD_JSONSCHEMA_MAX_PATTERN  256          //  bytes of one pattern
#define ACCORD_JSONSCHEMA_MAX_PATTERNS 64           //  patterns in one schema
//  Pattern matching work in one validation: characters matched x pattern program steps. A
//  typical pattern (20 steps) may match 3 million characters; a long one (2000 steps) 33,000.
#define ACCORD_JSONSCHEMA_MAX_MATCH_WORK ((size_t) 1 << 26)

#define ACCORD_JSONSCHEMA_VERSION "https://json-schema.org/draft/2020-12/schema"

//  Checks that schema (borrowed) is a well-formed schema of the subset above and within the
//  limits. Returns 0; -2 when it is not, with a one-line reason in err naming where, for
//  example "schema /properties/age/minimum: must be a number"; -1 on allocation failure.
int accord_jsonschema_check (json_object *schema, char *err, size_t err_size);

//  Validates instance against schema (both borrowed; a NULL instance is JSON null). Checks the
//  schema first. Returns 0 when the instance conforms; -2 when it does not, with the first
//  violation in err as "POINTER: reason", for example
//  "/credentialSubject/age: 17 is below minimum 18" ("(root)" for the whole instance);
//  -1 when the schema is not well formed (err as for accord_jsonschema_check) or on
//  allocation failure.
int accord_jsonschema_validate (json_object *schema, json_object *instance,
                                char *err, size_t err_size);

#endif
