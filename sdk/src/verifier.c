/*  The chain-backed verifier (accord/verifier.h): credentials (vc+jwt, SD-JWT) and
    presentations (vp+jwt) checked against what one query function says the chain holds.
    A verification asks the source once per fact it needs (the issuer's document, the
    registry record when asked for, each schema, each status list) and keeps nothing:
    caching is the source's business. */
#include "accord/verifier.h"
#include "accord/json.h"
#include "accord/jsonschema.h"
#include "accord/keyfmt.h"
#include "accord/sdjwt.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DID_ACCORD_PREFIX  "did:accord:"
#define S_STATUS_ENTRY_TYPE  "BitstringStatusListEntry"
#define S_SCHEMA_TYPE        "JsonSchema"
#define S_KEY_MAX            1024       //  module.method and a record's id, in the memory source

//  Asks the source for module.method {name: value}. ACCORD_OK with *result (caller puts),
//  ACCORD_E_NOT_FOUND, or another code with a reason in err.
static int
s_query (const accord_verifier_t *self, const char *module, const char *method,
         const char *name, const char *value, json_object **result, char *err, size_t err_size)
{
    *result = NULL;
    err [0] = 0;
    json_object *args = json_object_new_object ();
    if (!args) {
        snprintf (err, err_size, "out of memory");
        return ACCORD_E_INTERNAL;
    }
    json_object_object_add (args, name, json_object_new_string (value));
    int rc = self->query (self->query_ctx, module, method, args, result, err, err_size);
    json_object_put (args);
    if (rc == ACCORD_OK && !*result) {
        snprintf (err, err_size, "the source gave no answer");
        rc = ACCORD_E_INTERNAL;
    }
    if (rc != ACCORD_OK) {
        json_object_put (*result);
        *result = NULL;
    }
    return rc;
}

int
accord_verifier_client_query (void *ctx, const char *module, const char *method,
                              json_object *args, json_object **result,
                              char *err, size_t err_size)
{
    accord_client_t *client = ctx;
    *result = NULL;
    json_object *query = json_object_new_object ();
    if (!query)
        return ACCORD_E_INTERNAL;
    json_object_object_add (query, "module", json_object_new_string (module));
    json_object_object_add (query, "method", json_object_new_string (method));
    json_object_object_add (query, "args", args ? json_object_get (args) : json_object_new_object ());
    int rc = accord_client_call_json (client, "QUERY", query, result);
    json_object_put (query);
    if (rc != ACCORD_OK && err && err_size)
        snprintf (err, err_size, "%s", accord_client_errstr (client));
    return rc;
}

//  The verdict for a source that could not answer
static accord_vc_error_t
s_source_failed (accord_vc_result_t *result, int rc, const char *what, const char *id,
                 const char *err)
{
    return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "%s %.100s: %s: %.100s", what, id,
                           accord_err_name (rc), err);
}

//  --------------------------------------------------------------------------
//  Keys

accord_vc_error_t
accord_verifier_resolve (void *ctx, const char *kid, const char *relationship,
                         uint8_t pubkey [ACCORD_PUBKEY_SIZE], accord_vc_result_t *result)
{
    const accord_verifier_t *self = ctx;
    if (!self || !self->query)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "no query source");
    if (!kid)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no kid");
    if (strncmp (kid, ACCORD_DID_KEY_PREFIX, strlen (ACCORD_DID_KEY_PREFIX)) == 0)
        return accord_vc_resolve_did_key (NULL, kid, relationship, pubkey, result);
    if (strncmp (kid, S_DID_ACCORD_PREFIX, strlen (S_DID_ACCORD_PREFIX)) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_UNKNOWN_DID,
                               "%.100s: only did:accord and did:key DIDs resolve", kid);
    char did [ACCORD_DID_MAX];
    size_t did_len = strcspn (kid, "#?/");
    if (did_len >= sizeof did)
        return accord_vc_fail (result, ACCORD_VC_E_UNKNOWN_DID, "DID of %.100s... too long", kid);
    memcpy (did, kid, did_len);
    did [did_len] = 0;

    json_object *resolution = NULL;
    char err [ACCORD_VC_MESSAGE_SIZE];
    int rc = s_query (self, "did", "resolve", "did", did, &resolution, err, sizeof err);
    if (rc == ACCORD_E_NOT_FOUND)
        return accord_vc_fail (result, ACCORD_VC_E_UNKNOWN_DID, "%s is not on the chain", did);
    if (rc != ACCORD_OK)
        return s_source_failed (result, rc, "resolving", did, err);
    const char *error = accord_json_get_string (accord_json_get_object (resolution,
                                                "didResolutionMetadata"), "error");
    json_object *doc = accord_json_get_object (resolution, "didDocument");
    accord_vc_error_t code;
    if (error && strcmp (error, "deactivated") == 0)
        code = accord_vc_fail (result, ACCORD_VC_E_DID_DEACTIVATED, "%s is deactivated", did);
    else
    if (error)
        code = accord_vc_fail (result, ACCORD_VC_E_UNKNOWN_DID, "%s: %.40s", did, error);
    else
    if (!doc)
        code = accord_vc_fail (result, ACCORD_VC_E_INTERNAL,
                               "the resolution of %s has no didDocument", did);
    else
        code = accord_did_doc_key (doc, kid, relationship, pubkey, result);
    json_object_put (resolution);
    return code;
}

//  --------------------------------------------------------------------------
//  What the chain says about a credential whose signature verified

static int
s_string_in (json_object *array, const char *want)
{
    size_t n = json_object_is_type (array, json_type_array) ? json_object_array_length (array) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx (array, i);
        if (json_object_is_type (item, json_type_string)
        &&  strcmp (json_object_get_string (item), want) == 0)
            return 1;
    }
    return 0;
}

static accord_vc_error_t
s_check_issuer (const accord_verifier_t *self, const char *issuer, accord_vc_result_t *result)
{
    json_object *record = NULL;
    char err [ACCORD_VC_MESSAGE_SIZE];
    int rc = s_query (self, "issuer", "get", "did", issuer, &record, err, sizeof err);
    if (rc == ACCORD_E_NOT_FOUND)
        return accord_vc_fail (result, ACCORD_VC_E_ISSUER_NOT_RECOGNIZED,
                               "%.160s is not in the issuer registry", issuer);
    if (rc != ACCORD_OK)
        return s_source_failed (result, rc, "issuer", issuer, err);
    json_object *recognized = NULL;
    accord_vc_error_t code = ACCORD_VC_VALID;
    if (!json_object_object_get_ex (record, "recognized", &recognized)
    ||  !json_object_get_boolean (recognized))
        code = accord_vc_fail (result, ACCORD_VC_E_ISSUER_NOT_RECOGNIZED,
                               "%.160s is no longer a recognized issuer", issuer);
    else
    if (self->issuer_type && !s_string_in (accord_json_get_array (record, "types"),
                                           self->issuer_type))
        code = accord_vc_fail (result, ACCORD_VC_E_ISSUER_NOT_RECOGNIZED,
                               "%.160s is not a recognized issuer of type %.60s", issuer,
                               self->issuer_type);
    json_object_put (record);
    return code;
}

//  One credentialSchema entry: the credential must validate against the schema on chain
static accord_vc_error_t
s_check_schema (const accord_verifier_t *self, json_object *credential, json_object *entry,
                accord_vc_result_t *result)
{
    const char *id = accord_json_get_string (entry, "id");
    const char *type = accord_json_get_string (entry, "type");
    if (!type || strcmp (type, S_SCHEMA_TYPE) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_UNSUPPORTED,
                               "credentialSchema type %.60s is not %s",
                               type ? type : "(not a string)", S_SCHEMA_TYPE);
    json_object *record = NULL;
    char err [ACCORD_VC_MESSAGE_SIZE];
    int rc = s_query (self, "schema", "get", "id", id, &record, err, sizeof err);
    if (rc == ACCORD_E_NOT_FOUND)
        return accord_vc_fail (result, ACCORD_VC_E_SCHEMA_VIOLATION,
                               "schema %.160s is not on the chain", id);
    if (rc != ACCORD_OK)
        return s_source_failed (result, rc, "schema", id, err);
    json_object *schema = NULL;
    accord_vc_error_t code = ACCORD_VC_VALID;
    if (!json_object_object_get_ex (record, "schema", &schema))
        code = accord_vc_fail (result, ACCORD_VC_E_INTERNAL,
                               "the record of schema %.160s has no schema", id);
    else {
        rc = accord_jsonschema_validate (schema, credential, err, sizeof err);
        if (rc == -2)
            code = accord_vc_fail (result, ACCORD_VC_E_SCHEMA_VIOLATION, "%.160s (schema %.80s)",
                                   err, id);
        else
        if (rc != 0)
            code = accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "schema %.80s: %.160s", id, err);
    }
    json_object_put (record);
    return code;
}

//  Calls check on each item of a credential's member (an object or an array of objects)
static accord_vc_error_t
s_each (const accord_verifier_t *self, json_object *credential, const char *member,
        accord_vc_error_t (*check) (const accord_verifier_t *, json_object *, json_object *,
                                    size_t, accord_vc_result_t *),
        accord_vc_result_t *result)
{
    json_object *value = NULL;
    if (!json_object_object_get_ex (credential, member, &value))
        return ACCORD_VC_VALID;
    int many = json_object_is_type (value, json_type_array);
    size_t n = many ? json_object_array_length (value) : 1;
    for (size_t i = 0; i < n; i++) {
        json_object *item = many ? json_object_array_get_idx (value, i) : value;
        if (!json_object_is_type (item, json_type_object))
            return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%s %zu is not an object",
                                   member, i);
        accord_vc_error_t code = check (self, credential, item, i, result);
        if (code != ACCORD_VC_VALID)
            return code;
    }
    return ACCORD_VC_VALID;
}

static accord_vc_error_t
s_schema_item (const accord_verifier_t *self, json_object *credential, json_object *entry,
               size_t index, accord_vc_result_t *result)
{
    (void) index;
    return s_check_schema (self, credential, entry, result);
}

int
accord_status_record_decode (json_object *record, accord_status_bit_t *meta,
                             accord_statuslist_t **list, char *err, size_t err_size)
{
    *list = NULL;
    const char *issuer = accord_json_get_string (record, "issuer");
    const char *purpose = accord_json_get_string (record, "purpose");
    const char *encoded = accord_json_get_string (record, "encodedList");
    if (!issuer || strlen (issuer) >= sizeof meta->issuer || !encoded
    ||  !purpose || (strcmp (purpose, "revocation") && strcmp (purpose, "suspension"))) {
        snprintf (err, err_size, "the record needs issuer, purpose (revocation or suspension) "
                  "and encodedList");
        return -2;
    }
    memset (meta, 0, sizeof *meta);
    snprintf (meta->issuer, sizeof meta->issuer, "%s", issuer);
    snprintf (meta->purpose, sizeof meta->purpose, "%s", purpose);
    char reason [160] = "";
    int rc = accord_statuslist_decode (list, encoded, strlen (encoded), reason, sizeof reason);
    if (rc != 0)
        snprintf (err, err_size, "encodedList: %s", rc == -1 ? "out of memory" : reason);
    return rc;
}

//  The default status source: status.get through the query, the list decoded each time
static int
s_status_bit_query (const accord_verifier_t *self, const char *list_id, uint64_t index,
                    accord_status_bit_t *out, char *err, size_t err_size)
{
    json_object *record = NULL;
    int rc = s_query (self, "status", "get", "id", list_id, &record, err, err_size);
    if (rc != ACCORD_OK)
        return rc;
    accord_statuslist_t *list = NULL;
    int decoded = accord_status_record_decode (record, out, &list, err, err_size);
    if (decoded == 0)
        out->bit = accord_statuslist_get (list, index);
    else
        rc = decoded == -2 ? ACCORD_E_MALFORMED : ACCORD_E_INTERNAL;
    accord_statuslist_destroy (&list);
    json_object_put (record);
    return rc;
}

static accord_vc_error_t
s_status_item (const accord_verifier_t *self, json_object *credential, json_object *entry,
               size_t i, accord_vc_result_t *result)
{
    const char *issuer = accord_vc_issuer (credential);
    const char *type = accord_json_get_string (entry, "type");
    const char *purpose = accord_json_get_string (entry, "statusPurpose");
    const char *index_text = accord_json_get_string (entry, "statusListIndex");
    const char *list_id = accord_json_get_string (entry, "statusListCredential");
    uint64_t index = 0;
    if (!type || strcmp (type, S_STATUS_ENTRY_TYPE) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "credentialStatus %zu: type is not %s", i, S_STATUS_ENTRY_TYPE);
    if (!purpose || (strcmp (purpose, "revocation") && strcmp (purpose, "suspension")))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "credentialStatus %zu: statusPurpose must be revocation or "
                               "suspension", i);
    if (!index_text || accord_statuslist_parse_index (index_text, &index) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "credentialStatus %zu: statusListIndex is not a decimal index", i);
    if (!list_id || !issuer)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "credentialStatus %zu: no statusListCredential", i);
    accord_status_bit_t bit = { .bit = 0 };
    char err [ACCORD_VC_MESSAGE_SIZE] = "";
    int rc = self->status_bit
           ? self->status_bit (self->status_ctx, list_id, index, &bit, err, sizeof err)
           : s_status_bit_query (self, list_id, index, &bit, err, sizeof err);
    if (rc == ACCORD_E_NOT_FOUND)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "status list %.160s is not on the chain", list_id);
    if (rc == ACCORD_E_MALFORMED)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "status list %.100s: %.120s",
                               list_id, err);
    if (rc != ACCORD_OK)
        return s_source_failed (result, rc, "status list", list_id, err);
    //  Only the issuer's own lists speak for its credentials
    if (strcmp (bit.issuer, issuer) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "status list %.100s belongs to %.60s, not to the issuer", list_id,
                               bit.issuer);
    if (strcmp (bit.purpose, purpose) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "status list %.120s is for %s, the entry says %s", list_id,
                               bit.purpose, purpose);
    if (bit.bit < 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "index %" PRIu64 " is outside status list %.120s", index, list_id);
    if (bit.bit > 0)
        return accord_vc_fail (result, strcmp (purpose, "revocation") == 0
                                       ? ACCORD_VC_E_REVOKED : ACCORD_VC_E_SUSPENDED,
                               "%s (status list %.120s, index %" PRIu64 ")",
                               strcmp (purpose, "revocation") == 0 ? "revoked" : "suspended",
                               list_id, index);
    return ACCORD_VC_VALID;
}

accord_vc_error_t
accord_verify_status (const accord_verifier_t *self, json_object *claims,
                      accord_vc_result_t *result)
{
    if (!self || !self->query)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "no query source");
    if (!json_object_is_type (claims, json_type_object) || !accord_vc_issuer (claims))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "not a credential with an issuer");
    accord_vc_error_t code = s_each (self, claims, "credentialStatus", s_status_item, result);
    if (code == ACCORD_VC_VALID)
        accord_vc_fail (result, ACCORD_VC_VALID, NULL);
    return code;
}

//  The checks after the signature: registry, schemas, status
static accord_vc_error_t
s_check_chain (const accord_verifier_t *self, json_object *credential,
               accord_vc_result_t *result)
{
    accord_vc_error_t code = ACCORD_VC_VALID;
    if (self->require_recognized_issuer || self->issuer_type)
        code = s_check_issuer (self, accord_vc_issuer (credential), result);
    if (code == ACCORD_VC_VALID)
        code = s_each (self, credential, "credentialSchema", s_schema_item, result);
    if (code == ACCORD_VC_VALID && !self->skip_status)
        code = s_each (self, credential, "credentialStatus", s_status_item, result);
    return code;
}

accord_vc_error_t
accord_verify_credential (const accord_verifier_t *self, const char *token, size_t len,
                          json_object **claims_out, accord_vc_result_t *result)
{
    if (claims_out)
        *claims_out = NULL;
    if (!self || !self->query)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "no query source");
    if (!token)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no credential");
    json_object *claims = NULL;
    accord_vc_error_t code;
    //  The resolver only reads the verifier
    void *ctx = (void *) self;
    if (memchr (token, '~', len)) {
        code = accord_sdjwt_verify_resolve (token, len, accord_verifier_resolve, ctx,
                                            &self->opts, &claims, result);
        //  What the holder disclosed must still be a credential
        if (code == ACCORD_VC_VALID)
            code = accord_vc_check (claims, result);
    }
    else
        code = accord_vc_jwt_verify_resolve (token, len, accord_verifier_resolve, ctx,
                                             &self->opts, &claims, result);
    if (code == ACCORD_VC_VALID)
        code = s_check_chain (self, claims, result);
    if (code == ACCORD_VC_VALID) {
        accord_vc_fail (result, ACCORD_VC_VALID, NULL);
        if (claims_out) {
            *claims_out = claims;
            claims = NULL;
        }
    }
    json_object_put (claims);
    return code;
}

accord_vc_error_t
accord_verify_presentation (const accord_verifier_t *self, const char *token, size_t len,
                            json_object **presentation_out, accord_vc_result_t *result)
{
    if (presentation_out)
        *presentation_out = NULL;
    if (!self || !self->query)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "no query source");
    json_object *presentation = NULL, *credentials = NULL;
    accord_vc_error_t code = accord_vp_jwt_verify (token, len, accord_verifier_resolve,
                                                   (void *) self, &self->opts, &presentation,
                                                   &credentials, result);
    size_t n = code == ACCORD_VC_VALID ? json_object_array_length (credentials) : 0;
    for (size_t i = 0; i < n && code == ACCORD_VC_VALID; i++) {
        accord_vc_result_t inner = { ACCORD_VC_VALID, "" };
        code = s_check_chain (self, json_object_array_get_idx (credentials, i), &inner);
        if (code != ACCORD_VC_VALID)
            accord_vc_fail (result, code, "credential %zu: %.200s", i, inner.message);
    }
    if (code == ACCORD_VC_VALID && presentation_out) {
        *presentation_out = presentation;
        presentation = NULL;
    }
    json_object_put (presentation);
    json_object_put (credentials);
    return code;
}

//  --------------------------------------------------------------------------
//  The in-memory source

typedef struct {
    json_object *record;
    accord_statuslist_t *list;          //  status.get records: decoded at put
    accord_status_bit_t meta;
} s_entry_t;

struct _accord_memory_source_t {
    zhashx_t *entries;                  //  "module.method id" -> s_entry_t
};

static void
s_entry_destroy (void **item_p)
{
    s_entry_t *entry = *item_p;
    if (entry) {
        json_object_put (entry->record);
        accord_statuslist_destroy (&entry->list);
        free (entry);
        *item_p = NULL;
    }
}

//  "module.method id" into out; 0, or -1 when it does not fit
static int
s_entry_key (char out [S_KEY_MAX], const char *module, const char *method, const char *id)
{
    if (!module || !method || !id)
        return -1;
    int n = snprintf (out, S_KEY_MAX, "%s.%s %s", module, method, id);
    return n > 0 && n < S_KEY_MAX ? 0 : -1;
}

accord_memory_source_t *
accord_memory_source_new (void)
{
    accord_memory_source_t *self = calloc (1, sizeof *self);
    if (self)
        self->entries = zhashx_new ();
    if (!self || !self->entries) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->entries, s_entry_destroy);
    return self;
}

void
accord_memory_source_destroy (accord_memory_source_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->entries);
    free (*self_p);
    *self_p = NULL;
}

int
accord_memory_source_put (accord_memory_source_t *self, const char *module, const char *method,
                          const char *key, json_object **record_p)
{
    json_object *record = record_p ? *record_p : NULL;
    if (record_p)
        *record_p = NULL;
    char entry_key [S_KEY_MAX], err [160];
    s_entry_t *entry = calloc (1, sizeof *entry);
    if (!self || !record || !entry || s_entry_key (entry_key, module, method, key) != 0) {
        json_object_put (record);
        free (entry);
        return -1;
    }
    entry->record = record;
    if (strcmp (module, "status") == 0 && strcmp (method, "get") == 0
    &&  accord_status_record_decode (record, &entry->meta, &entry->list, err, sizeof err) != 0) {
        void *item = entry;
        s_entry_destroy (&item);
        return -1;
    }
    zhashx_update (self->entries, entry_key, entry);
    return 0;
}

static s_entry_t *
s_entry_find (accord_memory_source_t *self, const char *module, const char *method,
              const char *id)
{
    char key [S_KEY_MAX];
    if (!self || s_entry_key (key, module, method, id) != 0)
        return NULL;
    return zhashx_lookup (self->entries, key);
}

int
accord_memory_source_query (void *ctx, const char *module, const char *method,
                            json_object *args, json_object **result, char *err, size_t err_size)
{
    const char *id = accord_json_get_string (args, "id");
    if (!id)
        id = accord_json_get_string (args, "did");
    s_entry_t *entry = s_entry_find (ctx, module, method, id);
    *result = entry ? json_object_get (entry->record) : NULL;
    if (!entry && err && err_size)
        snprintf (err, err_size, "no %s.%s record %.100s", module, method, id ? id : "(no id)");
    return entry ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

int
accord_memory_source_status_bit (void *ctx, const char *list_id, uint64_t index,
                                 accord_status_bit_t *out, char *err, size_t err_size)
{
    s_entry_t *entry = s_entry_find (ctx, "status", "get", list_id);
    if (!entry) {
        if (err && err_size)
            snprintf (err, err_size, "no status list %.100s", list_id ? list_id : "");
        return ACCORD_E_NOT_FOUND;
    }
    *out = entry->meta;
    out->bit = accord_statuslist_get (entry->list, index);
    return ACCORD_OK;
}
