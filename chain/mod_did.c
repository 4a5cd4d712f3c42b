/*  did: did:accord identifiers and their documents (accord/did.h), every version kept.
      create {document?}        the DID of the sender's key; the default document (one Multikey
                                for authentication and assertion) or the given one, in which
                                the sender's key must serve authentication
      update {did, document}    replaces the document (a new version); rotate a key by adding
                                the new one and removing the old one in the same update
      deactivate {did}          final
    update and deactivate are signed by an authentication key of the DID's current document,
    or of the current document of one of its controllers (another did:accord DID).
      query resolve {did, versionId?, versionTime?}
        DID Resolution result {didDocument, didDocumentMetadata {created, updated, versionId,
        nextVersionId?, deactivated?}, didResolutionMetadata {contentType} or {error:
        invalidDid | notFound | deactivated}}
    State: did/<address> = {did, created, updated, versionId, deactivated}, and
    did/<address>/v/<versionId, 10 digits> = {document, created, timestamp_ms, height}.
    Logs: did created / updated / deactivated {did, versionId}. */
#include "module.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/vc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DID_VERSIONS_MAX 100000

static void
s_iso_time (char out [ACCORD_DATETIME_SIZE], uint64_t ms)
{
    accord_datetime_format (out, (int64_t) (ms / 1000));
}

static void
s_meta_key (char out [96], const uint8_t address [ACCORD_DID_ADDRESS_SIZE])
{
    char hex [2 * ACCORD_DID_ADDRESS_SIZE + 1];
    accord_hex_encode (hex, sizeof hex, address, ACCORD_DID_ADDRESS_SIZE);
    snprintf (out, 96, "did/%s", hex);
}

static void
s_version_key (char out [112], const uint8_t address [ACCORD_DID_ADDRESS_SIZE], int64_t version)
{
    char meta [96];
    s_meta_key (meta, address);
    snprintf (out, 112, "%s/v/%010lld", meta, (long long) version);
}

static json_object *
s_version (accord_state_t *state, const uint8_t address [ACCORD_DID_ADDRESS_SIZE], int64_t version)
{
    char key [112];
    s_version_key (key, address, version);
    return accord_state_get_json (state, key);
}

static int64_t
s_version_id (json_object *meta)
{
    const char *text = accord_json_get_string (meta, "versionId");
    return text ? atoll (text) : 0;
}

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    json_object *document = NULL;
    int has_document = json_object_object_get_ex (args, "document", &document);
    if (strcmp (method, "create") == 0) {
        if (has_document && !json_object_is_type (document, json_type_object)) {
            snprintf (message, size, "'document' must be a DID document (object)");
            return ACCORD_E_INVALID_ARGUMENT;
        }
        return ACCORD_OK;
    }
    if (strcmp (method, "update") && strcmp (method, "deactivate")) {
        snprintf (message, size, "did has no method '%s' (create, update, deactivate)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    if (!accord_json_get_string (args, "did")) {
        snprintf (message, size, "'did' is required");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (strcmp (method, "update") == 0 && !json_object_is_type (document, json_type_object)) {
        snprintf (message, size, "update needs 'document' (the whole new DID document)");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

json_object *
accord_did_current (accord_state_t *state, const char *chain_id, const char *did, int *deactivated)
{
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    char key [96];
    if (accord_did_parse (did, chain_id, address))
        return NULL;
    s_meta_key (key, address);
    json_object *meta = accord_state_get_json (state, key);
    json_object *version = meta ? s_version (state, address, s_version_id (meta)) : NULL;
    json_object *document = version ? json_object_get (accord_json_get_object (version, "document")) : NULL;
    if (deactivated)
        *deactivated = meta && json_object_get_boolean (json_object_object_get (meta, "deactivated"));
    json_object_put (version);
    json_object_put (meta);
    return document;
}

//  The sender may change doc: one of its authentication keys, or one of an active
//  controller's.
static int
s_authorized (accord_exec_t *ctx, json_object *doc)
{
    if (accord_did_key_has_purpose (doc, "authentication", ctx->tx->sender, NULL))
        return 1;
    json_object *controller = json_object_object_get (doc, "controller");
    size_t count = json_object_is_type (controller, json_type_array) ? json_object_array_length (controller)
                 : controller ? 1 : 0;
    const char *self_id = accord_json_get_string (doc, "id");
    for (size_t i = 0; i < count; i++) {
        json_object *item = json_object_is_type (controller, json_type_array)
                          ? json_object_array_get_idx (controller, i) : controller;
        const char *did = json_object_get_string (item);
        if (!did || (self_id && strcmp (did, self_id) == 0))
            continue;
        int deactivated = 0;
        json_object *other = accord_did_current (ctx->state, ctx->genesis->chain_id, did, &deactivated);
        int ok = other && !deactivated && accord_did_key_has_purpose (other, "authentication", ctx->tx->sender, NULL);
        json_object_put (other);
        if (ok)
            return 1;
    }
    return 0;
}

int
accord_did_actor_check (json_object *args, char *message, size_t size)
{
    json_object *did = NULL;
    if (json_object_object_get_ex (args, "did", &did)
    && (!json_object_is_type (did, json_type_string) || strncmp (json_object_get_string (did), "did:accord:", 11)
    ||  json_object_get_string_len (did) >= ACCORD_DID_MAX)) {
        snprintf (message, size, "'did' must be a did:accord DID");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

int
accord_did_actor (accord_exec_t *ctx, const char *did, char out [ACCORD_DID_MAX])
{
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    if (did && (strlen (did) >= ACCORD_DID_MAX || accord_did_parse (did, ctx->genesis->chain_id, address))) {
        snprintf (ctx->message, sizeof ctx->message, "'did' must be a did:accord DID of chain %s", ctx->genesis->chain_id);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (did)
        snprintf (out, ACCORD_DID_MAX, "%s", did);
    else
        accord_did_for_key (out, ctx->genesis->chain_id, ctx->tx->sender);
    int deactivated = 1;
    json_object *document = accord_did_current (ctx->state, ctx->genesis->chain_id, out, &deactivated);
    int rc = ACCORD_OK;
    if (!document || deactivated) {
        snprintf (ctx->message, sizeof ctx->message, "%s must be a registered, active DID", out);
        rc = ACCORD_E_UNAUTHORIZED;
    }
    else if (!s_authorized (ctx, document)) {
        snprintf (ctx->message, sizeof ctx->message, "the signer is not an authentication key of %s or of its controllers", out);
        rc = ACCORD_E_UNAUTHORIZED;
    }
    json_object_put (document);
    return rc;
}

//  Writes version `version` of the DID with its metadata, and logs event.
static int
s_write_version (accord_exec_t *ctx, const uint8_t address [ACCORD_DID_ADDRESS_SIZE], const char *did,
                 json_object *meta, json_object *document, int64_t version, const char *event)
{
    char now [ACCORD_DATETIME_SIZE], version_text [24], key [112];
    s_iso_time (now, ctx->timestamp_ms);
    snprintf (version_text, sizeof version_text, "%lld", (long long) version);
    json_object *record = json_object_new_object ();
    json_object_object_add (record, "document", json_object_get (document));
    json_object_object_add (record, "created", json_object_new_string (now));
    json_object_object_add (record, "timestamp_ms", json_object_new_int64 ((int64_t) ctx->timestamp_ms));
    json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
    s_version_key (key, address, version);
    int rc = accord_state_put_json (ctx->state, key, record);
    json_object_put (record);
    json_object_object_add (meta, "updated", json_object_new_string (now));
    json_object_object_add (meta, "versionId", json_object_new_string (version_text));
    char meta_key [96];
    s_meta_key (meta_key, address);
    rc |= accord_state_put_json (ctx->state, meta_key, meta);
    json_object *log = json_object_new_object ();
    json_object_object_add (log, "did", json_object_new_string (did));
    json_object_object_add (log, "versionId", json_object_new_string (version_text));
    accord_exec_log (ctx, "did", event, log);
    if (rc)
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
    return rc ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static int
s_create (accord_exec_t *ctx, json_object *args)
{
    char did [ACCORD_DID_MAX], meta_key [96], reason [200];
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    accord_did_for_key (did, ctx->genesis->chain_id, ctx->tx->sender);
    accord_did_parse (did, ctx->genesis->chain_id, address);
    s_meta_key (meta_key, address);
    json_object *existing = accord_state_get_json (ctx->state, meta_key);
    json_object_put (existing);
    if (existing) {
        snprintf (ctx->message, sizeof ctx->message, "%s exists already", did);
        return ACCORD_E_CONFLICT;
    }
    json_object *given = json_object_object_get (args, "document");
    json_object *document = given ? json_object_get (given) : accord_did_default_document (did, ctx->tx->sender);
    int rc = ACCORD_OK;
    if (accord_did_document_check (document, did, reason, sizeof reason)) {
        snprintf (ctx->message, sizeof ctx->message, "%s", reason);
        rc = ACCORD_E_INVALID_ARGUMENT;
    }
    else if (!accord_did_key_has_purpose (document, "authentication", ctx->tx->sender, NULL)) {
        snprintf (ctx->message, sizeof ctx->message, "the creating key must serve authentication in the document");
        rc = ACCORD_E_INVALID_ARGUMENT;
    }
    else {
        char now [ACCORD_DATETIME_SIZE];
        s_iso_time (now, ctx->timestamp_ms);
        json_object *meta = json_object_new_object ();
        json_object_object_add (meta, "did", json_object_new_string (did));
        json_object_object_add (meta, "created", json_object_new_string (now));
        json_object_object_add (meta, "deactivated", json_object_new_boolean (0));
        rc = s_write_version (ctx, address, did, meta, document, 1, "created");
        json_object_put (meta);
    }
    json_object_put (document);
    return rc;
}

static int
s_change (accord_exec_t *ctx, const char *method, json_object *args)
{
    const char *did = accord_json_get_string (args, "did");
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    char meta_key [96], reason [200];
    if (accord_did_parse (did, ctx->genesis->chain_id, address)) {
        snprintf (ctx->message, sizeof ctx->message, "'%s' is not a did:accord DID of chain %s", did,
                  ctx->genesis->chain_id);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    s_meta_key (meta_key, address);
    json_object *meta = accord_state_get_json (ctx->state, meta_key);
    if (!meta) {
        snprintf (ctx->message, sizeof ctx->message, "%s is not registered", did);
        return ACCORD_E_NOT_FOUND;
    }
    int64_t version = s_version_id (meta);
    json_object *record = s_version (ctx->state, address, version);
    json_object *current = accord_json_get_object (record, "document");
    int rc = ACCORD_OK;
    json_object *document = strcmp (method, "update") == 0 ? json_object_object_get (args, "document") : current;
    if (json_object_get_boolean (json_object_object_get (meta, "deactivated"))) {
        snprintf (ctx->message, sizeof ctx->message, "%s is deactivated", did);
        rc = ACCORD_E_CONFLICT;
    }
    else if (!current || version >= DID_VERSIONS_MAX) {
        snprintf (ctx->message, sizeof ctx->message, current ? "too many versions" : "stored document is missing");
        rc = current ? ACCORD_E_CONFLICT : ACCORD_E_INTERNAL;
    }
    else if (!s_authorized (ctx, current)) {
        snprintf (ctx->message, sizeof ctx->message, "the signer is not an authentication key of %s or of its controllers", did);
        rc = ACCORD_E_UNAUTHORIZED;
    }
    else if (document != current && accord_did_document_check (document, did, reason, sizeof reason)) {
        snprintf (ctx->message, sizeof ctx->message, "%s", reason);
        rc = ACCORD_E_INVALID_ARGUMENT;
    }
    else if (document != current && !accord_json_get_array (document, "authentication")
         &&  !json_object_object_get (document, "controller")) {
        snprintf (ctx->message, sizeof ctx->message, "the new document needs an authentication key or a controller");
        rc = ACCORD_E_INVALID_ARGUMENT;
    }
    else {
        int deactivating = strcmp (method, "deactivate") == 0;
        if (deactivating)
            json_object_object_add (meta, "deactivated", json_object_new_boolean (1));
        rc = s_write_version (ctx, address, did, meta, document, version + 1,
                              deactivating ? "deactivated" : "updated");
    }
    json_object_put (record);
    json_object_put (meta);
    return rc;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    if (strcmp (method, "create") == 0)
        return s_create (ctx, args);
    return s_change (ctx, method, args);
}

static json_object *
s_resolution (json_object *document, json_object *doc_meta, const char *error)
{
    json_object *result = json_object_new_object ();
    json_object *resolution_meta = json_object_new_object ();
    if (error)
        json_object_object_add (resolution_meta, "error", json_object_new_string (error));
    else
        json_object_object_add (resolution_meta, "contentType", json_object_new_string ("application/did+ld+json"));
    json_object_object_add (result, "didDocument", document);
    json_object_object_add (result, "didDocumentMetadata", doc_meta ? doc_meta : json_object_new_object ());
    json_object_object_add (result, "didResolutionMetadata", resolution_meta);
    return result;
}

//  The version to resolve: versionId, the last one at versionTime, or the latest. 0 when none.
static int64_t
s_pick_version (accord_state_t *state, const uint8_t address [ACCORD_DID_ADDRESS_SIZE], json_object *args,
                int64_t latest, int *bad)
{
    const char *id = accord_json_get_string (args, "versionId");
    const char *at = accord_json_get_string (args, "versionTime");
    *bad = 0;
    if (id) {
        char *end = NULL;
        long long version = strtoll (id, &end, 10);
        *bad = !*id || *end;
        return !*bad && version >= 1 && version <= latest ? version : 0;
    }
    if (!at)
        return latest;
    //  To the second, as created and updated show: the version in force at a time a
    //  document's metadata gives is that version (fractions and offsets as VC dates allow)
    int64_t when = 0;
    if (accord_datetime_parse (at, &when)) {
        *bad = 1;
        return 0;
    }
    int64_t low = 1, high = latest, found = 0;
    while (low <= high) {
        int64_t middle = low + (high - low) / 2;
        json_object *record = s_version (state, address, middle);
        int64_t created = record ? json_object_get_int64 (json_object_object_get (record, "timestamp_ms")) / 1000 : INT64_MAX;
        json_object_put (record);
        if (created <= when) {
            found = middle;
            low = middle + 1;
        }
        else
            high = middle - 1;
    }
    return found;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    if (strcmp (method, "resolve")) {
        snprintf (ctx->message, sizeof ctx->message, "did has no query '%s' (resolve)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    const char *did = accord_json_get_string (args, "did");
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    if (accord_did_parse (did, ctx->genesis->chain_id, address)) {
        *result = s_resolution (NULL, NULL, "invalidDid");
        return ACCORD_OK;
    }
    char meta_key [96];
    s_meta_key (meta_key, address);
    json_object *meta = accord_state_get_json (ctx->state, meta_key);
    int bad = 0;
    int64_t latest = meta ? s_version_id (meta) : 0;
    int64_t version = meta ? s_pick_version (ctx->state, address, args, latest, &bad) : 0;
    json_object *record = version ? s_version (ctx->state, address, version) : NULL;
    if (bad) {
        snprintf (ctx->message, sizeof ctx->message, "versionId must be a number, versionTime like 2026-01-31T12:00:00Z");
        json_object_put (meta);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (!record) {
        json_object_put (meta);
        *result = s_resolution (NULL, NULL, "notFound");
        return ACCORD_OK;
    }
    json_object *doc_meta = json_object_new_object ();
    char version_text [24];
    snprintf (version_text, sizeof version_text, "%lld", (long long) version);
    json_object_object_add (doc_meta, "created", json_object_get (json_object_object_get (meta, "created")));
    json_object_object_add (doc_meta, "updated", json_object_get (json_object_object_get (record, "created")));
    json_object_object_add (doc_meta, "versionId", json_object_new_string (version_text));
    if (version < latest) {
        snprintf (version_text, sizeof version_text, "%lld", (long long) version + 1);
        json_object_object_add (doc_meta, "nextVersionId", json_object_new_string (version_text));
    }
    int deactivated = version == latest && json_object_get_boolean (json_object_object_get (meta, "deactivated"));
    if (deactivated)
        json_object_object_add (doc_meta, "deactivated", json_object_new_boolean (1));
    *result = s_resolution (json_object_get (accord_json_get_object (record, "document")), doc_meta,
                            deactivated ? "deactivated" : NULL);
    json_object_put (record);
    json_object_put (meta);
    return ACCORD_OK;
}

const accord_module_t accord_module_did = { .name = "did", .check = s_check, .execute = s_execute, .query = s_query };
