/*  evidence: anchors a 32-byte hash (of a document, a dataset, a decision) with metadata and
    the keys, and the DIDs, that signed for it.
      anchor {hash: hex32, meta?: object, did?}   the sender is the first signer; conflict if
                                                  anchored
      sign   {hash: hex32, did?}                  adds the sender as a co-signer
    With "did" the sender signs as that DID (accord_did_actor: registered, active, the sender one
    of its authentication keys): the DID joins "dids" (duplicate if there), the key "signers"
    (unless there already). Without, only the key signs, as before DIDs existed.
      query get {hash}      the record: hash, meta, signers (keys), dids (when a DID signed),
                            height, timestamp_ms */
#include "module.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <string.h>

#define EVIDENCE_META_MAX 4096      //  bytes of canonical metadata
#define EVIDENCE_SIGNERS_MAX 64

static int
s_hash_arg (json_object *args, char key [80], char *message, size_t size)
{
    const char *hash = accord_json_get_string (args, "hash");
    uint8_t bytes [ACCORD_HASH_SIZE];
    if (!hash || accord_hex_decode_exact (bytes, ACCORD_HASH_SIZE, hash)) {
        snprintf (message, size, "'hash' must be 64 hex characters (a SHA-256 digest)");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    char lower [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (lower, sizeof lower, bytes, ACCORD_HASH_SIZE);
    snprintf (key, 80, "evidence/%s", lower);
    return ACCORD_OK;
}

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    char key [80];
    if (strcmp (method, "anchor") && strcmp (method, "sign")) {
        snprintf (message, size, "evidence has no method '%s' (anchor, sign)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    int rc = s_hash_arg (args, key, message, size);
    if (rc || (rc = accord_did_actor_check (args, message, size)))
        return rc;
    json_object *meta;
    if (strcmp (method, "anchor") == 0 && json_object_object_get_ex (args, "meta", &meta)) {
        if (!json_object_is_type (meta, json_type_object)) {
            snprintf (message, size, "'meta' must be an object");
            return ACCORD_E_INVALID_ARGUMENT;
        }
        char *text = accord_json_canonical (meta);
        size_t len = text ? strlen (text) : SIZE_MAX;
        free (text);
        if (len > EVIDENCE_META_MAX) {
            snprintf (message, size, "'meta' is over %d bytes", EVIDENCE_META_MAX);
            return ACCORD_E_INVALID_ARGUMENT;
        }
    }
    return ACCORD_OK;
}

//  anchor, written as canonical text directly (the hot path of the chain): the record
//  {"hash", "height", "meta", "signers", "timestamp_ms"} and the event {"hash", "signer"},
//  members in RFC 8785 order. Hex is plain ASCII; meta goes through the canonical writer.
static int
s_anchor (accord_exec_t *ctx, const char *key, const char *signer, json_object *args)
{
    const uint64_t exact = (uint64_t) 1 << 53;      //  integers JSON holds exactly
    uint8_t *existing = accord_state_get (ctx->state, key, NULL);
    free (existing);
    if (existing) {
        snprintf (ctx->message, sizeof ctx->message, "hash already anchored");
        return ACCORD_E_CONFLICT;
    }
    if (ctx->height >= exact || ctx->timestamp_ms >= exact)
        return -1;                                  //  the caller takes the json-c path
    json_object *meta;
    int has_meta = json_object_object_get_ex (args, "meta", &meta);
    char *meta_text = has_meta ? accord_json_canonical (meta) : NULL;
    if (has_meta && !meta_text)
        return -1;
    char *record = NULL, *event = NULL;
    const char *hash = key + 9;
    int len = asprintf (&record, "{\"hash\":\"%s\",\"height\":%llu,\"meta\":%s,\"signers\":[\"%s\"],\"timestamp_ms\":%llu}",
                        hash, (unsigned long long) ctx->height, meta_text ? meta_text : "{}", signer,
                        (unsigned long long) ctx->timestamp_ms);
    free (meta_text);
    if (len < 0 || accord_state_put (ctx->state, key, record, (size_t) len)) {
        free (record);
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
        return ACCORD_E_INTERNAL;
    }
    free (record);
    if (asprintf (&event, "{\"hash\":\"%s\",\"signer\":\"%s\"}", hash, signer) < 0)
        event = NULL;
    accord_exec_log_text (ctx, "evidence", "anchored", event);
    return ACCORD_OK;
}

//  1 when array (of strings) holds text.
static int
s_holds (json_object *array, const char *text)
{
    for (size_t i = 0; array && i < json_object_array_length (array); i++)
        if (strcmp (json_object_get_string (json_object_array_get_idx (array, i)), text) == 0)
            return 1;
    return 0;
}

//  Adds the signer (and its DID, when it signs as one) to record's signers and dids.
static int
s_add_signer (accord_exec_t *ctx, json_object *record, const char *signer, const char *did)
{
    json_object *signers = accord_json_get_array (record, "signers");
    json_object *dids = accord_json_get_array (record, "dids");
    if (did ? s_holds (dids, did) : s_holds (signers, signer)) {
        snprintf (ctx->message, sizeof ctx->message, "already signed by this %s", did ? "DID" : "key");
        return ACCORD_E_DUPLICATE;
    }
    int new_key = !s_holds (signers, signer);
    if ((new_key && json_object_array_length (signers) >= EVIDENCE_SIGNERS_MAX)
    ||  (did && dids && json_object_array_length (dids) >= EVIDENCE_SIGNERS_MAX)) {
        snprintf (ctx->message, sizeof ctx->message, "evidence has %d signers already", EVIDENCE_SIGNERS_MAX);
        return ACCORD_E_CONFLICT;
    }
    if (new_key)
        json_object_array_add (signers, json_object_new_string (signer));
    if (did && !dids)
        json_object_object_add (record, "dids", dids = json_object_new_array ());
    if (did)
        json_object_array_add (dids, json_object_new_string (did));
    return ACCORD_OK;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    char key [80], signer [2 * ACCORD_PUBKEY_SIZE + 1], did [ACCORD_DID_MAX];
    s_hash_arg (args, key, ctx->message, sizeof ctx->message);
    accord_key_hex (signer, ctx->tx->sender);
    const char *as_did = accord_json_get_string (args, "did");
    int anchor = strcmp (method, "anchor") == 0;
    if (as_did) {
        int rc = accord_did_actor (ctx, as_did, did);
        if (rc)
            return rc;
    }
    else if (anchor) {
        int rc = s_anchor (ctx, key, signer, args);
        if (rc != -1)
            return rc;
    }
    json_object *record = accord_state_get_json (ctx->state, key);
    int rc = ACCORD_OK;
    if (anchor && record) {
        snprintf (ctx->message, sizeof ctx->message, "hash already anchored");
        rc = ACCORD_E_CONFLICT;
        goto done;
    }
    if (anchor) {
        record = json_object_new_object ();
        json_object_object_add (record, "hash", json_object_new_string (key + 9));
        json_object *meta;
        json_object_object_add (record, "meta", json_object_object_get_ex (args, "meta", &meta)
                                ? json_object_get (meta) : json_object_new_object ());
        json_object_object_add (record, "signers", json_object_new_array ());
        json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
        json_object_object_add (record, "timestamp_ms", json_object_new_int64 ((int64_t) ctx->timestamp_ms));
    }
    else if (!record || !accord_json_get_array (record, "signers")) {
        snprintf (ctx->message, sizeof ctx->message, "hash is not anchored");
        rc = ACCORD_E_NOT_FOUND;
        goto done;
    }
    rc = s_add_signer (ctx, record, signer, as_did ? did : NULL);
    if (rc)
        goto done;
    if (accord_state_put_json (ctx->state, key, record)) {
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
        rc = ACCORD_E_INTERNAL;
        goto done;
    }
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "hash", json_object_new_string (key + 9));
    json_object_object_add (event, "signer", json_object_new_string (signer));
    if (as_did)
        json_object_object_add (event, "did", json_object_new_string (did));
    accord_exec_log (ctx, "evidence", anchor ? "anchored" : "signed", event);
done:
    json_object_put (record);
    return rc;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    char key [80];
    if (strcmp (method, "get")) {
        snprintf (ctx->message, sizeof ctx->message, "evidence has no query '%s' (get)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    int rc = s_hash_arg (args, key, ctx->message, sizeof ctx->message);
    if (rc)
        return rc;
    *result = accord_state_get_json (ctx->state, key);
    if (!*result) {
        snprintf (ctx->message, sizeof ctx->message, "hash is not anchored");
        return ACCORD_E_NOT_FOUND;
    }
    return ACCORD_OK;
}

const accord_module_t accord_module_evidence = { .name = "evidence", .check = s_check, .execute = s_execute, .query = s_query };
