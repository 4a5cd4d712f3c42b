/*  JSON Schema (2020-12 validation vocabulary, the subset in accord/jsonschema.h).

    The check walks the whole schema once: every keyword known and well typed, nesting and size
    within the limits, every pattern compiled. Validation then walks the schema and the instance
    together, which bounds its recursion by the schema's depth; equality recurses only as deep
    as a const or enum value (checked) and uniqueItems compares canonical forms (RFC 8785), which
    are equal exactly when the values are equal, after sorting them. */
#include "accord/jsonschema.h"
#include "accord/json.h"
#include "ecmare.h"
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PATH_SIZE 512                 //  JSON Pointer kept for messages; longer ones end "/..."
#define S_MAX_VALUE_DEPTH ACCORD_JSON_MAX_DEPTH     //  nesting of const, enum, default values
#define S_MAX_COUNT 9007199254740991.0  //  2^53 - 1, the largest count keyword we read

typedef struct {
    json_object *node;                  //  the pattern string in the schema (borrowed)
    accord_ecmare_t *re;
} s_pattern_t;

typedef struct {
    char *err;
    size_t err_size;
    char path [S_PATH_SIZE];            //  where we are, in the schema or in the instance
    size_t path_len;
    int path_cut;                       //  the path was too long: "/..." ends it
    size_t size;                        //  schema size so far
    s_pattern_t patterns [ACCORD_JSONSCHEMA_MAX_PATTERNS];
    size_t pattern_count;
    size_t work;                        //  pattern matching work so far
} s_ctx_t;

typedef struct {
    size_t len;
    int cut;
} s_mark_t;

static const char *s_type_names [] = {
    "array", "boolean", "integer", "null", "number", "object", "string"
};
#define S_TYPE_COUNT (sizeof s_type_names / sizeof s_type_names [0])


//  --------------------------------------------------------------------------
//  Messages and JSON Pointers

static int s_schema_error (s_ctx_t *ctx, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));
static int s_instance_error (s_ctx_t *ctx, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_message (s_ctx_t *ctx, const char *prefix, const char *format, va_list args)
{
    if (!ctx->err || !ctx->err_size)
        return;
    char reason [384];
    vsnprintf (reason, sizeof reason, format, args);
    snprintf (ctx->err, ctx->err_size, "%s%s: %s", prefix, ctx->path, reason);
}

//  "schema /properties/age: reason" (or "schema: reason" at the root). Returns -2.
static int
s_schema_error (s_ctx_t *ctx, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_message (ctx, ctx->path_len ? "schema " : "schema", format, args);
    va_end (args);
    return -2;
}

//  "/credentialSubject/age: reason" (or "(root): reason"). Returns -2.
static int
s_instance_error (s_ctx_t *ctx, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_message (ctx, ctx->path_len ? "" : "(root)", format, args);
    va_end (args);
    return -2;
}

static int
s_out_of_memory (s_ctx_t *ctx)
{
    if (ctx->err && ctx->err_size)
        snprintf (ctx->err, ctx->err_size, "out of memory");
    return -1;
}

//  Appends a reference token (RFC 6901: ~ as ~0, / as ~1). Returns the mark to go back to.
static s_mark_t
s_path_push (s_ctx_t *ctx, const char *token, size_t len)
{
    s_mark_t mark = { ctx->path_len, ctx->path_cut };
    if (ctx->path_cut)
        return mark;
    size_t need = 1;
    for (size_t i = 0; i < len; i++)
        need += token [i] == '~' || token [i] == '/' ? 2 : 1;
    if (ctx->path_len + need + 5 > S_PATH_SIZE) {
        memcpy (ctx->path + ctx->path_len, "/...", 5);
        ctx->path_len += 4;
        ctx->path_cut = 1;
        return mark;
    }
    char *out = ctx->path + ctx->path_len;
    *out++ = '/';
    for (size_t i = 0; i < len; i++) {
        if (token [i] == '~' || token [i] == '/') {
            *out++ = '~';
            *out++ = token [i] == '~' ? '0' : '1';
        }
        else
            *out++ = token [i];
    }
    *out = 0;
    ctx->path_len += need;
    return mark;
}

static s_mark_t
s_path_push_key (s_ctx_t *ctx, const char *key)
{
    return s_path_push (ctx, key, strlen (key));
}

static s_mark_t
s_path_push_index (s_ctx_t *ctx, size_t index)
{
    char token [24];
    int len = snprintf (token, sizeof token, "%zu", index);
    return s_path_push (ctx, token, (size_t) len);
}

static void
s_path_pop (s_ctx_t *ctx, s_mark_t mark)
{
    ctx->path_len = mark.len;
    ctx->path_cut = mark.cut;
    ctx->path [mark.len] = 0;
}

static void
s_path_reset (s_ctx_t *ctx)
{
    ctx->path_len = 0;
    ctx->path_cut = 0;
    ctx->path [0] = 0;
}

//  A number as RFC 8785 writes it (ECMAScript form), into text.
static void
s_number_text (json_object *number, char *text, size_t size)
{
    char *canonical = accord_json_canonical (number);
    snprintf (text, size, "%s", canonical ? canonical : "?");
    free (canonical);
}


//  --------------------------------------------------------------------------
//  JSON helpers

static int
s_is_number (json_object *obj)
{
    return json_object_is_type (obj, json_type_int) || json_object_is_type (obj, json_type_double);
}

//  A whole number: json-c integers, and doubles without a fraction (1.0)
static int
s_is_integer (json_object *obj)
{
    if (json_object_is_type (obj, json_type_int))
        return 1;
    if (!json_object_is_type (obj, json_type_double))
        return 0;
    double value = json_object_get_double (obj);
    return isfinite (value) && floor (value) == value;
}

static const char *
s_type_of (json_object *obj)
{
    switch (json_object_get_type (obj)) {
        case json_type_null:    return "null";
        case json_type_boolean: return "boolean";
        case json_type_int:     return "integer";
        case json_type_double:  return s_is_integer (obj) ? "integer" : "number";
        case json_type_string:  return "string";
        case json_type_array:   return "array";
        case json_type_object:  return "object";
    }
    return "unknown";
}

static int
s_has_type (json_object *obj, const char *name)
{
    if (strcmp (name, "number") == 0)
        return s_is_number (obj);
    if (strcmp (name, "integer") == 0)
        return s_is_integer (obj);
    return strcmp (name, s_type_of (obj)) == 0;
}

static int
s_compare_keys (const void *a, const void *b)
{
    return strcmp (*(const char * const *) a, *(const char * const *) b);
}

//  Member names of obj sorted by their UTF-8 bytes (code point order), borrowed from obj, in a
//  new array (NULL when there are none). Returns 0, or -1 on allocation failure.
static int
s_sorted_keys (json_object *obj, const char ***keys, size_t *count)
{
    *keys = NULL;
    *count = (size_t) json_object_object_length (obj);
    if (*count == 0)
        return 0;
    const char **list = malloc (*count * sizeof *list);
    if (!list)
        return -1;
    size_t n = 0;
    json_object_object_foreach (obj, key, value) {
        (void) value;
        list [n++] = key;
    }
    qsort (list, n, sizeof *list, s_compare_keys);
    *keys = list;
    *count = n;
    return 0;
}

static json_object *
s_member (json_object *obj, const char *key)
{
    json_object *value = NULL;
    return json_object_object_get_ex (obj, key, &value) ? value : NULL;
}

static int
s_has_member (json_object *obj, const char *key)
{
    return json_object_object_get_ex (obj, key, NULL);
}

//  JSON equality (numbers by value, objects regardless of member order). b has been checked to
//  nest at most S_MAX_VALUE_DEPTH deep, which bounds the recursion.
static int
s_equal (json_object *a, json_object *b)
{
    json_type type = json_object_get_type (a);
    if (s_is_number (a) && s_is_number (b))
        return json_object_get_double (a) == json_object_get_double (b);
    if (type != json_object_get_type (b))
        return 0;
    switch (type) {
        case json_type_null:
            return 1;
        case json_type_boolean:
            return !json_object_get_boolean (a) == !json_object_get_boolean (b);
        case json_type_string: {
            int len = json_object_get_string_len (a);
            return len == json_object_get_string_len (b)
                && memcmp (json_object_get_string (a), json_object_get_string (b),
                           (size_t) len) == 0;
        }
        case json_type_array: {
            size_t count = json_object_array_length (a);
            if (count != json_object_array_length (b))
                return 0;
            for (size_t i = 0; i < count; i++)
                if (!s_equal (json_object_array_get_idx (a, i), json_object_array_get_idx (b, i)))
                    return 0;
            return 1;
        }
        case json_type_object: {
            if (json_object_object_length (a) != json_object_object_length (b))
                return 0;
            json_object_object_foreach (a, key, value) {
                json_object *other;
                if (!json_object_object_get_ex (b, key, &other) || !s_equal (value, other))
                    return 0;
            }
            return 1;
        }
        default:
            return 0;
    }
}

//  Code points in valid UTF-8 (bytes that are not continuation bytes)
static size_t
s_code_points (const char *text, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += ((unsigned char) text [i] & 0xC0) != 0x80;
    return count;
}


//  --------------------------------------------------------------------------
//  Schema check

//  Adds the size of any JSON value (const, enum, default, examples) and checks its nesting.
static int
s_value_size (s_ctx_t *ctx, json_object *value, int depth)
{
    if (depth > S_MAX_VALUE_DEPTH)
        return s_schema_error (ctx, "value nested deeper than %d", S_MAX_VALUE_DEPTH);
    ctx->size++;
    if (ctx->size > ACCORD_JSONSCHEMA_MAX_SIZE)
        return 0;                       //  the caller reports the size
    switch (json_object_get_type (value)) {
        case json_type_double:
            if (!isfinite (json_object_get_double (value)))
                return s_schema_error (ctx, "numbers must be finite");
            return 0;
        case json_type_string:
            ctx->size += (size_t) json_object_get_string_len (value);
            return 0;
        case json_type_array: {
            size_t count = json_object_array_length (value);
            for (size_t i = 0; i < count && ctx->size <= ACCORD_JSONSCHEMA_MAX_SIZE; i++) {
                int rc = s_value_size (ctx, json_object_array_get_idx (value, i), depth + 1);
                if (rc)
                    return rc;
            }
            return 0;
        }
        case json_type_object: {
            json_object_object_foreach (value, key, member) {
                ctx->size += strlen (key);
                int rc = s_value_size (ctx, member, depth + 1);
                if (rc)
                    return rc;
                if (ctx->size > ACCORD_JSONSCHEMA_MAX_SIZE)
                    return 0;
            }
            return 0;
        }
        default:
            return 0;
    }
}

static int
s_known_type (const char *name)
{
    for (size_t i = 0; i < S_TYPE_COUNT; i++)
        if (strcmp (name, s_type_names [i]) == 0)
            return 1;
    return 0;
}

static int
s_check_type (s_ctx_t *ctx, json_object *value)
{
    if (json_object_is_type (value, json_type_string)) {
        if (!s_known_type (json_object_get_string (value)))
            return s_schema_error (ctx, "unknown type '%s'", json_object_get_string (value));
        ctx->size += (size_t) json_object_get_string_len (value);
        return 0;
    }
    if (!json_object_is_type (value, json_type_array) || json_object_array_length (value) == 0)
        return s_schema_error (ctx, "must be a type name or a non-empty array of type names");
    size_t count = json_object_array_length (value);
    for (size_t i = 0; i < count; i++) {
        json_object *name = json_object_array_get_idx (value, i);
        if (!json_object_is_type (name, json_type_string)
        ||  !s_known_type (json_object_get_string (name)))
            return s_schema_error (ctx, "item %zu is not a type name", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp (json_object_get_string (name),
                        json_object_get_string (json_object_array_get_idx (value, j))) == 0)
                return s_schema_error (ctx, "type '%s' appears twice",
                                       json_object_get_string (name));
        ctx->size += 1 + (size_t) json_object_get_string_len (name);
    }
    return 0;
}

static int
s_check_required (s_ctx_t *ctx, json_object *value)
{
    if (!json_object_is_type (value, json_type_array))
        return s_schema_error (ctx, "must be an array of property names");
    size_t count = json_object_array_length (value);
    for (size_t i = 0; i < count; i++) {
        json_object *name = json_object_array_get_idx (value, i);
        if (!json_object_is_type (name, json_type_string))
            return s_schema_error (ctx, "item %zu is not a string", i);
        ctx->size += 1 + (size_t) json_object_get_string_len (name);
        if (ctx->size > ACCORD_JSONSCHEMA_MAX_SIZE)
            return 0;
        //  Quadratic, but the size limit bounds count
        for (size_t j = 0; j < i; j++)
            if (s_equal (name, json_object_array_get_idx (value, j)))
                return s_schema_error (ctx, "'%s' appears twice", json_object_get_string (name));
    }
    return 0;
}

//  A count keyword (minLength, maxItems, ...): a whole number from 0 to 2^53 - 1
static int
s_check_count (s_ctx_t *ctx, json_object *value)
{
    ctx->size++;
    if (!s_is_integer (value) || json_object_get_double (value) < 0
    ||  json_object_get_double (value) > S_MAX_COUNT)
        return s_schema_error (ctx, "must be a non-negative integer");
    return 0;
}

static int
s_check_pattern (s_ctx_t *ctx, json_object *value)
{
    if (!json_object_is_type (value, json_type_string))
        return s_schema_error (ctx, "must be a string");
    size_t len = (size_t) json_object_get_string_len (value);
    ctx->size += len;
    if (len > ACCORD_JSONSCHEMA_MAX_PATTERN)
        return s_schema_error (ctx, "pattern longer than %d bytes", ACCORD_JSONSCHEMA_MAX_PATTERN);
    if (ctx->pattern_count == ACCORD_JSONSCHEMA_MAX_PATTERNS)
        return s_schema_error (ctx, "more than %d patterns in one schema",
                               ACCORD_JSONSCHEMA_MAX_PATTERNS);
    char reason [256];
    accord_ecmare_t *re = accord_ecmare_new (json_object_get_string (value), len,
                                             reason, sizeof reason);
    if (!re)
        return s_schema_error (ctx, "invalid pattern: %s", reason);
    ctx->patterns [ctx->pattern_count].node = value;
    ctx->patterns [ctx->pattern_count].re = re;
    ctx->pattern_count++;
    return 0;
}

static int s_check_schema (s_ctx_t *ctx, json_object *schema, int depth);

static int
s_check_keyword (s_ctx_t *ctx, const char *key, json_object *value, int depth)
{
    if (strcmp (key, "$schema") == 0) {
        if (depth > 0)
            return s_schema_error (ctx, "$schema is allowed only at the root");
        const char *uri = json_object_is_type (value, json_type_string)
                        ? json_object_get_string (value) : NULL;
        size_t len = strlen (ACCORD_JSONSCHEMA_VERSION);
        if (!uri || strncmp (uri, ACCORD_JSONSCHEMA_VERSION, len) != 0
        || (uri [len] && strcmp (uri + len, "#") != 0))
            return s_schema_error (ctx, "unsupported $schema (only %s)",
                                   ACCORD_JSONSCHEMA_VERSION);
        ctx->size += strlen (uri);
        return 0;
    }
    if (strcmp (key, "$id") == 0 || strcmp (key, "$comment") == 0
    ||  strcmp (key, "title") == 0 || strcmp (key, "description") == 0) {
        if (!json_object_is_type (value, json_type_string))
            return s_schema_error (ctx, "must be a string");
        ctx->size += (size_t) json_object_get_string_len (value);
        return 0;
    }
    if (strcmp (key, "default") == 0 || strcmp (key, "const") == 0)
        return s_value_size (ctx, value, 1);
    if (strcmp (key, "examples") == 0 || strcmp (key, "enum") == 0) {
        if (!json_object_is_type (value, json_type_array))
            return s_schema_error (ctx, "must be an array");
        if (strcmp (key, "enum") == 0 && json_object_array_length (value) == 0)
            return s_schema_error (ctx, "must not be empty");
        return s_value_size (ctx, value, 1);
    }
    if (strcmp (key, "type") == 0)
        return s_check_type (ctx, value);
    if (strcmp (key, "properties") == 0) {
        if (!json_object_is_type (value, json_type_object))
            return s_schema_error (ctx, "must be an object of schemas");
        const char **names;
        size_t count;
        if (s_sorted_keys (value, &names, &count))
            return s_out_of_memory (ctx);
        int rc = 0;
        for (size_t i = 0; i < count && rc == 0; i++) {
            ctx->size += strlen (names [i]);
            s_mark_t mark = s_path_push_key (ctx, names [i]);
            rc = s_check_schema (ctx, s_member (value, names [i]), depth + 1);
            if (rc == 0)
                s_path_pop (ctx, mark);
        }
        free (names);
        return rc;
    }
    if (strcmp (key, "additionalProperties") == 0)
        return s_check_schema (ctx, value, depth + 1);
    if (strcmp (key, "items") == 0) {
        if (json_object_is_type (value, json_type_array))
            return s_schema_error (ctx, "must be a schema (an array of schemas is prefixItems "
                                        "in 2020-12, not supported)");
        return s_check_schema (ctx, value, depth + 1);
    }
    if (strcmp (key, "required") == 0)
        return s_check_required (ctx, value);
    if (strcmp (key, "minimum") == 0 || strcmp (key, "maximum") == 0
    ||  strcmp (key, "exclusiveMinimum") == 0 || strcmp (key, "exclusiveMaximum") == 0) {
        ctx->size++;
        if (!s_is_number (value) || !isfinite (json_object_get_double (value)))
            return s_schema_error (ctx, "must be a number");
        return 0;
    }
    if (strcmp (key, "minLength") == 0 || strcmp (key, "maxLength") == 0
    ||  strcmp (key, "minItems") == 0 || strcmp (key, "maxItems") == 0)
        return s_check_count (ctx, value);
    if (strcmp (key, "pattern") == 0)
        return s_check_pattern (ctx, value);
    if (strcmp (key, "uniqueItems") == 0) {
        ctx->size++;
        if (!json_object_is_type (value, json_type_boolean))
            return s_schema_error (ctx, "must be true or false");
        return 0;
    }
    return 1;                           //  not a keyword we know
}

static int
s_check_schema (s_ctx_t *ctx, json_object *schema, int depth)
{
    if (json_object_is_type (schema, json_type_boolean)) {
        ctx->size++;
        return 0;
    }
    if (!json_object_is_type (schema, json_type_object))
        return s_schema_error (ctx, "a schema must be an object or a boolean");
    if (depth > ACCORD_JSONSCHEMA_MAX_DEPTH)
        return s_schema_error (ctx, "schemas nested deeper than %d", ACCORD_JSONSCHEMA_MAX_DEPTH);
    ctx->size++;
    const char **keys;
    size_t count;
    if (s_sorted_keys (schema, &keys, &count))
        return s_out_of_memory (ctx);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        ctx->size += strlen (keys [i]);
        s_mark_t mark = s_path_push_key (ctx, keys [i]);
        rc = s_check_keyword (ctx, keys [i], s_member (schema, keys [i]), depth);
        if (rc == 1) {
            s_path_pop (ctx, mark);
            if (strcmp (keys [i], "format") == 0)
                rc = s_schema_error (ctx, "unsupported keyword 'format' (it would not be "
                                          "checked; use pattern)");
            else
                rc = s_schema_error (ctx, "unsupported keyword '%s'", keys [i]);
        }
        if (rc == 0 && ctx->size > ACCORD_JSONSCHEMA_MAX_SIZE) {
            s_path_reset (ctx);
            rc = s_schema_error (ctx, "schema larger than %d", ACCORD_JSONSCHEMA_MAX_SIZE);
        }
        if (rc == 0)
            s_path_pop (ctx, mark);
    }
    free (keys);
    return rc;
}

static void
s_ctx_free (s_ctx_t *ctx)
{
    for (size_t i = 0; i < ctx->pattern_count; i++)
        accord_ecmare_destroy (&ctx->patterns [i].re);
    ctx->pattern_count = 0;
}

static int
s_check (s_ctx_t *ctx, json_object *schema, char *err, size_t err_size)
{
    memset (ctx, 0, sizeof *ctx);
    ctx->err = err;
    ctx->err_size = err_size;
    if (err && err_size)
        err [0] = 0;
    if (!schema)
        return s_schema_error (ctx, "a schema must be an object or a boolean");
    int rc = s_check_schema (ctx, schema, 0);
    s_path_reset (ctx);
    return rc;
}

int
accord_jsonschema_check (json_object *schema, char *err, size_t err_size)
{
    s_ctx_t *ctx = malloc (sizeof *ctx);
    if (!ctx) {
        if (err && err_size)
            snprintf (err, err_size, "out of memory");
        return -1;
    }
    int rc = s_check (ctx, schema, err, err_size);
    s_ctx_free (ctx);
    free (ctx);
    return rc;
}


//  --------------------------------------------------------------------------
//  Validation

static int s_validate (s_ctx_t *ctx, json_object *schema, json_object *instance,
                       const char *refusal);

static int
s_validate_type (s_ctx_t *ctx, json_object *types, json_object *instance)
{
    if (json_object_is_type (types, json_type_string)) {
        if (s_has_type (instance, json_object_get_string (types)))
            return 0;
        return s_instance_error (ctx, "expected %s, got %s", json_object_get_string (types),
                                 s_type_of (instance));
    }
    size_t count = json_object_array_length (types);
    char list [128] = "";
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = json_object_get_string (json_object_array_get_idx (types, i));
        if (s_has_type (instance, name))
            return 0;
        const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
        int n = snprintf (list + used, sizeof list - used, "%s%s", sep, name);
        if (n > 0 && (size_t) n < sizeof list - used)
            used += (size_t) n;
    }
    return s_instance_error (ctx, "expected %s, got %s", list, s_type_of (instance));
}

static int
s_validate_number (s_ctx_t *ctx, json_object *schema, json_object *instance)
{
    static const struct {
        const char *keyword;
        int lower;              //  a lower bound
        int exclusive;
        const char *message;    //  value, bound
    } bounds [] = {
        { "minimum", 1, 0, "%s is below minimum %s" },
        { "exclusiveMinimum", 1, 1, "%s is not above exclusiveMinimum %s" },
        { "maximum", 0, 0, "%s is above maximum %s" },
        { "exclusiveMaximum", 0, 1, "%s is not below exclusiveMaximum %s" },
    };
    double value = json_object_get_double (instance);
    for (size_t i = 0; i < sizeof bounds / sizeof bounds [0]; i++) {
        json_object *bound = s_member (schema, bounds [i].keyword);
        if (!bound)
            continue;
        double limit = json_object_get_double (bound);
        int ok = bounds [i].lower ? (bounds [i].exclusive ? value > limit : value >= limit)
                                  : (bounds [i].exclusive ? value < limit : value <= limit);
        if (!ok) {
            char a [40], b [40];
            s_number_text (instance, a, sizeof a);
            s_number_text (bound, b, sizeof b);
            return s_instance_error (ctx, bounds [i].message, a, b);
        }
    }
    return 0;
}

static accord_ecmare_t *
s_find_pattern (s_ctx_t *ctx, json_object *node)
{
    for (size_t i = 0; i < ctx->pattern_count; i++)
        if (ctx->patterns [i].node == node)
            return ctx->patterns [i].re;
    return NULL;
}

static int
s_validate_string (s_ctx_t *ctx, json_object *schema, json_object *instance)
{
    const char *text = json_object_get_string (instance);
    size_t len = (size_t) json_object_get_string_len (instance);
    json_object *min = s_member (schema, "minLength");
    json_object *max = s_member (schema, "maxLength");
    if (min || max) {
        size_t chars = s_code_points (text, len);
        if (min && (double) chars < json_object_get_double (min))
            return s_instance_error (ctx, "string of %zu characters is shorter than minLength "
                                     "%.0f", chars, json_object_get_double (min));
        if (max && (double) chars > json_object_get_double (max))
            return s_instance_error (ctx, "string of %zu characters is longer than maxLength "
                                     "%.0f", chars, json_object_get_double (max));
    }
    json_object *pattern = s_member (schema, "pattern");
    if (pattern) {
        accord_ecmare_t *re = s_find_pattern (ctx, pattern);
        if (!re)
            return s_out_of_memory (ctx);   //  cannot happen: every pattern is compiled
        size_t steps = accord_ecmare_size (re);
        size_t work = (len + 1) * steps;
        if (len + 1 > ACCORD_JSONSCHEMA_MAX_MATCH_WORK / steps
        ||  work > ACCORD_JSONSCHEMA_MAX_MATCH_WORK - ctx->work)
            return s_instance_error (ctx, "too much pattern matching in one instance "
                                     "(limit %zu characters x pattern steps)",
                                     ACCORD_JSONSCHEMA_MAX_MATCH_WORK);
        ctx->work += work;
        int rc = accord_ecmare_search (re, text, len);
        if (rc < 0)
            return s_out_of_memory (ctx);
        if (rc == 0)
            return s_instance_error (ctx, "string does not match pattern '%s'",
                                     json_object_get_string (pattern));
    }
    return 0;
}

typedef struct {
    char *text;                 //  canonical form
    size_t index;
} s_item_t;

static int
s_compare_items (const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    int rc = strcmp (x->text, y->text);
    if (rc)
        return rc;
    return x->index < y->index ? -1 : x->index > y->index;
}

//  uniqueItems: sorts the items' canonical forms; the first repeat in index order is reported.
static int
s_validate_unique (s_ctx_t *ctx, json_object *instance)
{
    size_t count = json_object_array_length (instance);
    if (count < 2)
        return 0;
    s_item_t *items = calloc (count, sizeof *items);
    if (!items)
        return s_out_of_memory (ctx);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        items [i].index = i;
        items [i].text = accord_json_canonical (json_object_array_get_idx (instance, i));
        if (!items [i].text) {
            s_mark_t mark = s_path_push_index (ctx, i);
            rc = s_instance_error (ctx, "item cannot be compared (no canonical JSON form)");
            s_path_pop (ctx, mark);
        }
    }
    if (rc == 0) {
        qsort (items, count, sizeof *items, s_compare_items);
        size_t first = 0, repeat = SIZE_MAX;
        for (size_t i = 1; i < count; i++) {
            //  The second of a run of equal items is the earliest repeat of that value
            if (strcmp (items [i].text, items [i - 1].text) == 0
            && (i < 2 || strcmp (items [i - 1].text, items [i - 2].text) != 0)
            &&  items [i].index < repeat) {
                repeat = items [i].index;
                first = items [i - 1].index;
            }
        }
        if (repeat != SIZE_MAX) {
            s_mark_t mark = s_path_push_index (ctx, repeat);
            rc = s_instance_error (ctx, "repeats item %zu (uniqueItems)", first);
            s_path_pop (ctx, mark);
        }
    }
    for (size_t i = 0; i < count; i++)
        free (items [i].text);
    free (items);
    return rc;
}

static int
s_validate_array (s_ctx_t *ctx, json_object *schema, json_object *instance)
{
    size_t count = json_object_array_length (instance);
    json_object *min = s_member (schema, "minItems");
    json_object *max = s_member (schema, "maxItems");
    if (min && (double) count < json_object_get_double (min))
        return s_instance_error (ctx, "array of %zu items is shorter than minItems %.0f",
                                 count, json_object_get_double (min));
    if (max && (double) count > json_object_get_double (max))
        return s_instance_error (ctx, "array of %zu items is longer than maxItems %.0f",
                                 count, json_object_get_double (max));
    json_object *unique = s_member (schema, "uniqueItems");
    if (unique && json_object_get_boolean (unique)) {
        int rc = s_validate_unique (ctx, instance);
        if (rc)
            return rc;
    }
    json_object *items = s_member (schema, "items");
    if (items)
        for (size_t i = 0; i < count; i++) {
            s_mark_t mark = s_path_push_index (ctx, i);
            int rc = s_validate (ctx, items, json_object_array_get_idx (instance, i),
                                 "item not allowed (items is false)");
            if (rc)
                return rc;
            s_path_pop (ctx, mark);
        }
    return 0;
}

static int
s_validate_object (s_ctx_t *ctx, json_object *schema, json_object *instance)
{
    json_object *required = s_member (schema, "required");
    if (required) {
        size_t count = json_object_array_length (required);
        for (size_t i = 0; i < count; i++) {
            const char *name = json_object_get_string (json_object_array_get_idx (required, i));
            if (!s_has_member (instance, name))
                return s_instance_error (ctx, "missing required property '%s'", name);
        }
    }
    json_object *properties = s_member (schema, "properties");
    json_object *additional = s_member (schema, "additionalProperties");
    if (!properties && !additional)
        return 0;
    const char **names;
    size_t count;
    if (s_sorted_keys (instance, &names, &count))
        return s_out_of_memory (ctx);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        json_object *sub = properties ? s_member (properties, names [i]) : NULL;
        if (!sub)
            sub = additional;
        if (!sub)
            continue;
        s_mark_t mark = s_path_push_key (ctx, names [i]);
        rc = s_validate (ctx, sub, s_member (instance, names [i]),
                         "property not allowed (additionalProperties is false)");
        if (rc == 0)
            s_path_pop (ctx, mark);
    }
    free (names);
    return rc;
}

//  refusal: the message when schema is false here
static int
s_validate (s_ctx_t *ctx, json_object *schema, json_object *instance, const char *refusal)
{
    if (json_object_is_type (schema, json_type_boolean)) {
        if (json_object_get_boolean (schema))
            return 0;
        return s_instance_error (ctx, "%s", refusal);
    }
    json_object *keyword = s_member (schema, "type");
    if (keyword) {
        int rc = s_validate_type (ctx, keyword, instance);
        if (rc)
            return rc;
    }
    if ((keyword = s_member (schema, "const")) != NULL || s_has_member (schema, "const"))
        if (!s_equal (instance, keyword))
            return s_instance_error (ctx, "value differs from const");
    if ((keyword = s_member (schema, "enum")) != NULL) {
        size_t count = json_object_array_length (keyword);
        size_t i = 0;
        while (i < count && !s_equal (instance, json_object_array_get_idx (keyword, i)))
            i++;
        if (i == count)
            return s_instance_error (ctx, "value is not one of the %zu enum values", count);
    }
    switch (json_object_get_type (instance)) {
        case json_type_int:
        case json_type_double:
            return s_validate_number (ctx, schema, instance);
        case json_type_string:
            return s_validate_string (ctx, schema, instance);
        case json_type_array:
            return s_validate_array (ctx, schema, instance);
        case json_type_object:
            return s_validate_object (ctx, schema, instance);
        default:
            return 0;
    }
}

int
accord_jsonschema_validate (json_object *schema, json_object *instance,
                            char *err, size_t err_size)
{
    s_ctx_t *ctx = malloc (sizeof *ctx);
    if (!ctx) {
        if (err && err_size)
            snprintf (err, err_size, "out of memory");
        return -1;
    }
    int rc = s_check (ctx, schema, err, err_size);
    if (rc == 0)
        rc = s_validate (ctx, schema, instance, "value not allowed (the schema is false)");
    else
    if (rc == -2)
        rc = -1;                        //  the schema, not the instance, is at fault
    s_ctx_free (ctx);
    free (ctx);
    return rc;
}
