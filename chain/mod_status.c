/*  status: W3C Bitstring Status Lists (accord/statuslist.h) owned by an issuer DID, the DID the
    transaction acts as (accord_did_actor: "did", or the DID of the signing key).
      create {did?, name, purpose: "revocation" | "suspension", size?}
        id = <issuer DID>/status/<name> (what a credential's statusListCredential names); name
        as a schema's; size in bits, default and minimum 131072, a multiple of 8 up to
        16777216; conflict when the list exists
      update {did?, name, set?: [index], clear?: [index]}
        by the issuer only; at most STATUS_UPDATE_MAX indices, none in both arrays; an index
        outside the list is invalid_argument; revocation is final: a revocation list's bits
        are never cleared (conflict)
      query get {id}            {id, issuer, name, purpose, size, encodedList, height,
                                timestamp_ms} (height and time of the last change)
      query check {id, index}   {id, index, purpose, set}; index a number or a decimal string
    State: status/<id> = {id, issuer, name, purpose, size, height, timestamp_ms}, and the
    bitstring in pieces of STATUS_CHUNK bytes, status/<id>/bits/<n>, written only once a bit of
    the piece was set: an update rewrites the pieces it touches, not the list, and nothing is
    compressed on chain (encodedList is built when queried).
    Logs: status created {id}, status updated {id, set, clear} (the bits that changed). */
#include "module.h"
#include "accord/did.h"
#include "accord/json.h"
#include "accord/statuslist.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_UPDATE_MAX 1024      //  indices per update
#define STATUS_CHUNK      4096      //  bytes of bitstring per state value
#define STATUS_ID_MAX     (ACCORD_DID_MAX + ACCORD_RECORD_NAME_MAX + 16)
#define STATUS_KEY_MAX    (STATUS_ID_MAX + 32)
#define STATUS_SEPARATOR  "/status/"

static int
s_purpose_ok (const char *purpose)
{
    return purpose && (strcmp (purpose, "revocation") == 0 || strcmp (purpose, "suspension") == 0);
}

//  An index of set/clear: a JSON integer from 0 to 2^53 - 1. 0 or -1.
static int
s_index (json_object *item, uint64_t *index)
{
    if (!json_object_is_type (item, json_type_int))
        return -1;
    int64_t value = json_object_get_int64 (item);
    if (value < 0 || value > ((int64_t) 1 << 53) - 1)
        return -1;
    *index = (uint64_t) value;
    return 0;
}

typedef struct {
    uint64_t index;
    int clear;
} s_change_t;

static int
s_change_cmp (const void *a, const void *b)
{
    const s_change_t *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index ? 1 : x->clear - y->clear;
}

//  set and clear: arrays of indices, together 1 to STATUS_UPDATE_MAX, none in both.
static int
s_check_indices (json_object *args, char *message, size_t size)
{
    s_change_t changes [STATUS_UPDATE_MAX];
    size_t count = 0;
    const char *names [] = { "set", "clear" };
    for (int c = 0; c < 2; c++) {
        json_object *array = NULL;
        if (!json_object_object_get_ex (args, names [c], &array))
            continue;
        if (!json_object_is_type (array, json_type_array)) {
            snprintf (message, size, "'%s' must be an array of indices", names [c]);
            return ACCORD_E_INVALID_ARGUMENT;
        }
        size_t length = json_object_array_length (array);
        if (length > STATUS_UPDATE_MAX - count) {
            snprintf (message, size, "at most %d indices per update", STATUS_UPDATE_MAX);
            return ACCORD_E_INVALID_ARGUMENT;
        }
        for (size_t i = 0; i < length; i++, count++) {
            if (s_index (json_object_array_get_idx (array, i), &changes [count].index)) {
                snprintf (message, size, "'%s' item %zu is not an index (an integer from 0)", names [c], i);
                return ACCORD_E_INVALID_ARGUMENT;
            }
            changes [count].clear = c;
        }
    }
    if (count == 0) {
        snprintf (message, size, "update needs indices in 'set' or 'clear'");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    qsort (changes, count, sizeof changes [0], s_change_cmp);
    for (size_t i = 1; i < count; i++)
        if (changes [i].index == changes [i - 1].index && changes [i].clear != changes [i - 1].clear) {
            snprintf (message, size, "index %" PRIu64 " is both in 'set' and in 'clear'", changes [i].index);
            return ACCORD_E_INVALID_ARGUMENT;
        }
    return ACCORD_OK;
}

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    int create = strcmp (method, "create") == 0;
    if (!create && strcmp (method, "update")) {
        snprintf (message, size, "status has no method '%s' (create, update)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    if (accord_did_actor_check (args, message, size))
        return ACCORD_E_INVALID_ARGUMENT;
    if (!accord_record_name_ok (accord_json_get_string (args, "name"))) {
        snprintf (message, size, "'name' must be 1 to %d of A-Z a-z 0-9 . _ -", ACCORD_RECORD_NAME_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (!create)
        return s_check_indices (args, message, size);
    if (!s_purpose_ok (accord_json_get_string (args, "purpose"))) {
        snprintf (message, size, "'purpose' must be revocation or suspension");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    int64_t bits;
    if (json_object_object_get (args, "size")
    && (accord_json_get_int64 (args, "size", 0, INT64_MAX, &bits) || !accord_statuslist_size_ok ((uint64_t) bits))) {
        snprintf (message, size, "'size' must be a multiple of 8 from %d to %d", ACCORD_STATUSLIST_MIN_BITS,
                  8 * ACCORD_STATUSLIST_MAX_BYTES);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

static void
s_record_key (char out [STATUS_KEY_MAX], const char *id)
{
    snprintf (out, STATUS_KEY_MAX, "status/%s", id);
}

static void
s_chunk_key (char out [STATUS_KEY_MAX], const char *id, size_t chunk)
{
    snprintf (out, STATUS_KEY_MAX, "status/%s/bits/%zu", id, chunk);
}

//  The record of list id (caller puts), or NULL when id is not the id of a list.
static json_object *
s_record (accord_state_t *state, const char *id)
{
    const char *separator = id ? strstr (id, STATUS_SEPARATOR) : NULL;
    if (!separator || strlen (id) >= STATUS_ID_MAX || strncmp (id, "did:accord:", 11)
    ||  !accord_record_name_ok (separator + strlen (STATUS_SEPARATOR)))
        return NULL;
    char key [STATUS_KEY_MAX];
    s_record_key (key, id);
    return accord_state_get_json (state, key);
}

static uint64_t
s_size (json_object *record)
{
    return (uint64_t) json_object_get_int64 (json_object_object_get (record, "size"));
}

//  Piece n of list id's bitstring (new buffer of len bytes, zeros when never written), or NULL
//  when out of memory.
static uint8_t *
s_chunk (accord_state_t *state, const char *id, size_t chunk, size_t len)
{
    char key [STATUS_KEY_MAX];
    s_chunk_key (key, id, chunk);
    size_t stored = 0;
    uint8_t *data = accord_state_get (state, key, &stored);
    if (data && stored == len)
        return data;
    free (data);
    return calloc (1, len);
}

static size_t
s_chunk_len (uint64_t size, size_t chunk)
{
    size_t bytes = (size_t) (size / 8) - chunk * STATUS_CHUNK;
    return bytes < STATUS_CHUNK ? bytes : STATUS_CHUNK;
}

static int
s_write_failed (accord_exec_t *ctx)
{
    snprintf (ctx->message, sizeof ctx->message, "cannot write state");
    return ACCORD_E_INTERNAL;
}

static int
s_create (accord_exec_t *ctx, const char *issuer, const char *id, json_object *args)
{
    char key [STATUS_KEY_MAX];
    s_record_key (key, id);
    json_object *existing = accord_state_get_json (ctx->state, key);
    json_object_put (existing);
    if (existing) {
        snprintf (ctx->message, sizeof ctx->message, "status list %s exists already", id);
        return ACCORD_E_CONFLICT;
    }
    int64_t bits = ACCORD_STATUSLIST_MIN_BITS;
    if (json_object_object_get (args, "size"))
        accord_json_get_int64 (args, "size", 0, INT64_MAX, &bits);
    json_object *record = json_object_new_object ();
    json_object_object_add (record, "id", json_object_new_string (id));
    json_object_object_add (record, "issuer", json_object_new_string (issuer));
    json_object_object_add (record, "name", json_object_new_string (accord_json_get_string (args, "name")));
    json_object_object_add (record, "purpose", json_object_new_string (accord_json_get_string (args, "purpose")));
    json_object_object_add (record, "size", json_object_new_int64 (bits));
    json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
    json_object_object_add (record, "timestamp_ms", json_object_new_int64 ((int64_t) ctx->timestamp_ms));
    int rc = accord_state_put_json (ctx->state, key, record);
    json_object_put (record);
    if (rc)
        return s_write_failed (ctx);
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "id", json_object_new_string (id));
    accord_exec_log (ctx, "status", "created", event);
    return ACCORD_OK;
}

//  The pieces of one list an update touches, each read once and written once.
typedef struct {
    accord_state_t *state;
    const char *id;
    uint64_t size;
    size_t count;
    uint8_t **chunks;           //  count entries, NULL until read
    uint8_t *dirty;
} s_bits_t;

static size_t
s_chunk_count (uint64_t size)
{
    return (size_t) ((size / 8 + STATUS_CHUNK - 1) / STATUS_CHUNK);
}

//  Sets bit index to value; 1 when it changed, 0 when it had that value, -1 out of memory.
static int
s_bits_put (s_bits_t *self, uint64_t index, int value)
{
    size_t chunk = (size_t) (index / 8 / STATUS_CHUNK);
    uint64_t offset = index - (uint64_t) chunk * STATUS_CHUNK * 8;
    if (!self->chunks [chunk]
    &&  !(self->chunks [chunk] = s_chunk (self->state, self->id, chunk, s_chunk_len (self->size, chunk))))
        return -1;
    if (accord_statuslist_bit (self->chunks [chunk], offset) == !!value)
        return 0;
    accord_statuslist_bit_put (self->chunks [chunk], offset, value);
    self->dirty [chunk] = 1;
    return 1;
}

//  Applies set (c = 0) and clear (c = 1) to bits; the indices that changed go to changed [c].
static int
s_apply (accord_exec_t *ctx, s_bits_t *bits, json_object *arrays [2], int final, json_object *changed [2])
{
    for (int c = 0; c < 2; c++)
        for (size_t i = 0; arrays [c] && i < json_object_array_length (arrays [c]); i++) {
            json_object *item = json_object_array_get_idx (arrays [c], i);
            uint64_t index = 0;
            s_index (item, &index);
            if (index >= bits->size) {
                snprintf (ctx->message, sizeof ctx->message, "index %" PRIu64 " is outside the list (%" PRIu64
                          " entries)", index, bits->size);
                return ACCORD_E_INVALID_ARGUMENT;
            }
            if (c == 1 && final) {
                snprintf (ctx->message, sizeof ctx->message, "revocation is final: bits of a revocation list are never cleared");
                return ACCORD_E_CONFLICT;
            }
            int result = s_bits_put (bits, index, c == 0);
            if (result < 0)
                return s_write_failed (ctx);
            if (result)
                json_object_array_add (changed [c], json_object_get (item));
        }
    for (size_t n = 0; n < bits->count; n++) {
        char key [STATUS_KEY_MAX];
        s_chunk_key (key, bits->id, n);
        if (bits->dirty [n] && accord_state_put (ctx->state, key, bits->chunks [n], s_chunk_len (bits->size, n)))
            return s_write_failed (ctx);
    }
    return ACCORD_OK;
}

static int
s_update (accord_exec_t *ctx, const char *id, json_object *args)
{
    json_object *record = s_record (ctx->state, id);
    if (!record) {
        snprintf (ctx->message, sizeof ctx->message, "no status list %s", id);
        return ACCORD_E_NOT_FOUND;
    }
    uint64_t size = s_size (record);
    s_bits_t bits = { ctx->state, id, size, s_chunk_count (size), NULL, NULL };
    bits.chunks = calloc (bits.count, sizeof *bits.chunks);
    bits.dirty = calloc (bits.count, 1);
    json_object *arrays [] = { accord_json_get_array (args, "set"), accord_json_get_array (args, "clear") };
    json_object *changed [] = { json_object_new_array (), json_object_new_array () };
    int final = strcmp (accord_json_get_string (record, "purpose"), "revocation") == 0;
    int rc = bits.chunks && bits.dirty ? s_apply (ctx, &bits, arrays, final, changed) : s_write_failed (ctx);
    size_t total = json_object_array_length (changed [0]) + json_object_array_length (changed [1]);
    if (rc == ACCORD_OK && total) {
        char key [STATUS_KEY_MAX];
        s_record_key (key, id);
        json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
        json_object_object_add (record, "timestamp_ms", json_object_new_int64 ((int64_t) ctx->timestamp_ms));
        rc = accord_state_put_json (ctx->state, key, record) ? s_write_failed (ctx) : ACCORD_OK;
    }
    if (rc == ACCORD_OK && total) {
        json_object *event = json_object_new_object ();
        json_object_object_add (event, "id", json_object_new_string (id));
        json_object_object_add (event, "set", json_object_get (changed [0]));
        json_object_object_add (event, "clear", json_object_get (changed [1]));
        accord_exec_log (ctx, "status", "updated", event);
    }
    json_object_put (changed [0]);
    json_object_put (changed [1]);
    for (size_t n = 0; bits.chunks && n < bits.count; n++)
        free (bits.chunks [n]);
    free (bits.chunks);
    free (bits.dirty);
    json_object_put (record);
    return rc;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    char issuer [ACCORD_DID_MAX], id [STATUS_ID_MAX];
    int rc = accord_did_actor (ctx, accord_json_get_string (args, "did"), issuer);
    if (rc)
        return rc;
    snprintf (id, sizeof id, "%s" STATUS_SEPARATOR "%s", issuer, accord_json_get_string (args, "name"));
    return strcmp (method, "create") == 0 ? s_create (ctx, issuer, id, args) : s_update (ctx, id, args);
}

//  The list named by args "id" (caller puts), or NULL with the error in ctx.
static json_object *
s_query_record (accord_query_t *ctx, json_object *args, int *rc)
{
    const char *id = accord_json_get_string (args, "id");
    if (!id) {
        snprintf (ctx->message, sizeof ctx->message, "'id' (a status list id, DID/status/NAME) is required");
        *rc = ACCORD_E_INVALID_ARGUMENT;
        return NULL;
    }
    json_object *record = s_record (ctx->state, id);
    if (!record) {
        snprintf (ctx->message, sizeof ctx->message, "no status list %.200s", id);
        *rc = ACCORD_E_NOT_FOUND;
    }
    return record;
}

static int
s_get (accord_query_t *ctx, json_object *record, json_object **result)
{
    const char *id = accord_json_get_string (record, "id");
    uint64_t size = s_size (record);
    accord_statuslist_t *list = accord_statuslist_new ((size_t) size);
    size_t count = list ? s_chunk_count (size) : 0;
    int rc = list ? ACCORD_OK : ACCORD_E_INTERNAL;
    for (size_t n = 0; rc == ACCORD_OK && n < count; n++) {
        char key [STATUS_KEY_MAX];
        s_chunk_key (key, id, n);
        size_t len = 0;
        uint8_t *data = accord_state_get (ctx->state, key, &len);
        if (data && (len != s_chunk_len (size, n) || accord_statuslist_load (list, n * STATUS_CHUNK, data, len)))
            rc = ACCORD_E_INTERNAL;
        free (data);
    }
    char *encoded = rc == ACCORD_OK ? accord_statuslist_encode (list) : NULL;
    accord_statuslist_destroy (&list);
    if (!encoded) {
        snprintf (ctx->message, sizeof ctx->message, "cannot read status list %.200s", id);
        return ACCORD_E_INTERNAL;
    }
    json_object_object_add (record, "encodedList", json_object_new_string (encoded));
    free (encoded);
    *result = json_object_get (record);
    return ACCORD_OK;
}

static int
s_check_bit (accord_query_t *ctx, json_object *record, json_object *args, json_object **result)
{
    json_object *given = json_object_object_get (args, "index");
    uint64_t index = 0;
    int ok = json_object_is_type (given, json_type_string)
           ? accord_statuslist_parse_index (json_object_get_string (given), &index) == 0
           : s_index (given, &index) == 0;
    uint64_t size = s_size (record);
    if (!ok || index >= size) {
        snprintf (ctx->message, sizeof ctx->message, "'index' must be an index of the list, 0 to %" PRIu64, size - 1);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    const char *id = accord_json_get_string (record, "id");
    size_t chunk = (size_t) (index / 8 / STATUS_CHUNK);
    uint8_t *data = s_chunk (ctx->state, id, chunk, s_chunk_len (size, chunk));
    if (!data) {
        snprintf (ctx->message, sizeof ctx->message, "out of memory");
        return ACCORD_E_INTERNAL;
    }
    int set = accord_statuslist_bit (data, index - (uint64_t) chunk * STATUS_CHUNK * 8);
    free (data);
    *result = json_object_new_object ();
    json_object_object_add (*result, "id", json_object_new_string (id));
    json_object_object_add (*result, "index", json_object_new_int64 ((int64_t) index));
    json_object_object_add (*result, "purpose", json_object_get (json_object_object_get (record, "purpose")));
    json_object_object_add (*result, "set", json_object_new_boolean (set));
    return ACCORD_OK;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    int get = strcmp (method, "get") == 0;
    if (!get && strcmp (method, "check")) {
        snprintf (ctx->message, sizeof ctx->message, "status has no query '%s' (get, check)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    int rc = ACCORD_OK;
    json_object *record = s_query_record (ctx, args, &rc);
    if (record)
        rc = get ? s_get (ctx, record, result) : s_check_bit (ctx, record, args, result);
    json_object_put (record);
    return rc;
}

const accord_module_t accord_module_status = { .name = "status", .check = s_check, .execute = s_execute, .query = s_query };
