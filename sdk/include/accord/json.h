/*  accord/json.h: strict parsing of untrusted JSON and RFC 8785 canonical serialization,
    over json-c. */
#ifndef ACCORD_JSON_H
#define ACCORD_JSON_H

#include <stddef.h>
#include <json-c/json.h>
#include "buf.h"

#define ACCORD_JSON_MAX_DEPTH 32            //  nesting of arrays and objects
//  Bytes of one JSON text: a transaction's arguments (ACCORD_TX_ARGS_MAX) and a query reply
//  that carries one (event.get with its raw transaction) fit.
#define ACCORD_JSON_MAX_SIZE  (4 * 1024 * 1024)

//  Parses exactly len bytes of JSON (strict: no comments, no trailing commas, no trailing bytes
//  other than white space, valid UTF-8 strings, no duplicate-key ambiguity surprises, depth and
//  size within the limits above). Returns a new object (caller puts it) or NULL, with a
//  one-line reason in err (may be NULL). A bare `null` document also returns NULL with reason
//  "null document". Duplicate keys, lone surrogates and numbers beyond the double range are
//  refused; integers beyond +-(2^53 - 1) are read as doubles, as RFC 8785 reads every number,
//  so accord_json_get_int64 refuses them.
json_object *accord_json_parse (const char *text, size_t len, char *err, size_t err_size);

//  RFC 8785 (JCS) serialization: object members sorted by UTF-16 code units, numbers in
//  ECMAScript shortest round-trip form, minimal string escaping, no white space.
//  Returns a new string (caller frees) or NULL when the value has no JCS form (NaN, Infinity,
//  a string that is not UTF-8, nesting deeper than ACCORD_JSON_MAX_DEPTH) or on allocation
//  failure. A NULL obj serializes as "null".
char *accord_json_canonical (json_object *obj);

//  Appends len bytes of text (UTF-8, not checked) to buf as a JSON string in its RFC 8785
//  form: quoted, with \" \\ and control characters escaped and nothing else. For writing
//  JSON text of many small parts without building a tree.
void accord_json_append_string (accord_buf_t *buf, const char *text, size_t len);

//  A pull reader for large documents of a known shape (event batches), read once without
//  building a tree, by the rules of accord_json_parse (a caller that accepts only known keys
//  refuses duplicates itself; accord_json_reader_skip checks what it skips). Each call reads
//  the next part and returns 0, or -1 once the text breaks a rule (then every later call
//  returns -1 and accord_json_reader_error says what). Strings come back decoded, in a buffer
//  of the reader's (NUL-terminated; may hold U+0000), valid until its next call.
typedef struct _accord_json_reader_t accord_json_reader_t;
accord_json_reader_t *accord_json_reader_new (const char *text, size_t len);
void accord_json_reader_destroy (accord_json_reader_t **self_p);
const char *accord_json_reader_error (accord_json_reader_t *self);
//  The type of the value that comes next (json_type_int for any number; json_type_null when
//  it is null or not a value), without reading it.
json_type accord_json_reader_peek (accord_json_reader_t *self);
//  Enters the object or array (json_type_object / json_type_array) that comes next.
int accord_json_reader_begin (accord_json_reader_t *self, json_type type);
//  In the innermost object or array: 1 when a member (read its key, then its value) or an item
//  comes next, 0 when the container ended (it is left), -1.
int accord_json_reader_next (accord_json_reader_t *self);
int accord_json_reader_key (accord_json_reader_t *self, const char **key, size_t *len);
int accord_json_reader_string (accord_json_reader_t *self, const char **value, size_t *len);
//  A number that must be an integer within [min, max] (as accord_json_get_int64): -2 when it
//  is another number (read, and the reader goes on).
int accord_json_reader_int64 (accord_json_reader_t *self, int64_t min, int64_t max, int64_t *value);
//  Reads over the next value, whatever it is.
int accord_json_reader_skip (accord_json_reader_t *self);
//  0 when the document ended: nothing but white space after the last value.
int accord_json_reader_end (accord_json_reader_t *self);

//  Convenience accessors that borrow: NULL / 0 / -1 when the member is missing or of
//  another type.
const char *accord_json_get_string (json_object *obj, const char *key);
json_object *accord_json_get_object (json_object *obj, const char *key);
json_object *accord_json_get_array (json_object *obj, const char *key);
//  Integer member that must be a JSON integer within [min, max]. Returns 0 or -1.
int accord_json_get_int64 (json_object *obj, const char *key, int64_t min, int64_t max,
                           int64_t *value);

#endif
