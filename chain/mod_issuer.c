/*  issuer: the registry of authority issuers that the governing members recognize, and of
    issuer types (e.g. "university") with their members. Every change is a proposal that the
    validators vote on (module.h accord_exec_vote); it applies when a quorum voted for it.
      vote {action: "recognize", did, name}      recognize an issuer (did:accord of this chain)
      vote {action: "revoke", did}               withdraw the recognition (the record stays)
      vote {action: "add_type", did, type}       make a recognized issuer a member of a type
      vote {action: "remove_type", did, type}
      query get {did}     {did, name, recognized, types, recognized_height, revoked_height?}
                          or not_found
      query list {type?}  the recognized issuers (of that type)
    State: issuer/<did> = the record; issuer/vote/<SHA-256 of the canonical proposal> = voters.
    Logs: issuer vote {action, did, votes} and issuer changed {action, did, type?}. */
#include "module.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISSUER_NAME_MAX   128
#define ISSUER_TYPE_MAX   64
#define ISSUER_TYPES_MAX  16
#define ISSUER_LIST_MAX   1000

int
accord_issuer_type_ok (const char *type)
{
    size_t len = type ? strlen (type) : 0;
    return len > 0 && len <= ISSUER_TYPE_MAX
        && strspn (type, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    if (strcmp (method, "vote")) {
        snprintf (message, size, "issuer has no method '%s' (vote)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    const char *action = accord_json_get_string (args, "action");
    const char *did = accord_json_get_string (args, "did");
    const char *name = accord_json_get_string (args, "name");
    const char *type = accord_json_get_string (args, "type");
    int typed = action && (strcmp (action, "add_type") == 0 || strcmp (action, "remove_type") == 0);
    if (!action || (!typed && strcmp (action, "recognize") && strcmp (action, "revoke"))) {
        snprintf (message, size, "'action' must be recognize, revoke, add_type or remove_type");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (!did || strncmp (did, "did:accord:", 11) || strlen (did) >= ACCORD_DID_MAX) {
        snprintf (message, size, "'did' must be a did:accord DID");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (strcmp (action, "recognize") == 0 && (!name || !*name || strlen (name) > ISSUER_NAME_MAX)) {
        snprintf (message, size, "recognize needs a 'name' of 1 to %d bytes", ISSUER_NAME_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (typed && !accord_issuer_type_ok (type)) {
        snprintf (message, size, "'type' must be 1 to %d of a-z 0-9 _ -", ISSUER_TYPE_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

static void
s_record_key (char out [ACCORD_DID_MAX + 16], const char *did)
{
    snprintf (out, ACCORD_DID_MAX + 16, "issuer/%s", did);
}

static int
s_has_type (json_object *record, const char *type)
{
    json_object *types = accord_json_get_array (record, "types");
    for (size_t i = 0; types && i < json_object_array_length (types); i++)
        if (strcmp (json_object_get_string (json_object_array_get_idx (types, i)), type) == 0)
            return 1;
    return 0;
}

int
accord_issuer_has_type (accord_state_t *state, const char *did, const char *type)
{
    if (!did || strlen (did) >= ACCORD_DID_MAX)
        return 0;
    char record_key [ACCORD_DID_MAX + 16];
    s_record_key (record_key, did);
    json_object *record = accord_state_get_json (state, record_key);
    int yes = record && json_object_get_boolean (json_object_object_get (record, "recognized"))
           && s_has_type (record, type);
    json_object_put (record);
    return yes;
}

//  Whether the proposal can apply to record (NULL when unknown): ACCORD_OK or a code.
static int
s_applicable (accord_exec_t *ctx, const char *action, json_object *record, const char *type)
{
    int recognized = record && json_object_get_boolean (json_object_object_get (record, "recognized"));
    const char *problem = NULL;
    int rc = ACCORD_E_CONFLICT;
    if (strcmp (action, "recognize") == 0 && recognized)
        problem = "already recognized";
    else if (strcmp (action, "recognize") && !recognized) {
        problem = "not a recognized issuer";
        rc = ACCORD_E_NOT_FOUND;
    }
    else if (strcmp (action, "add_type") == 0 && s_has_type (record, type))
        problem = "already of that type";
    else if (strcmp (action, "add_type") == 0 && json_object_array_length (accord_json_get_array (record, "types")) >= ISSUER_TYPES_MAX)
        problem = "too many types";
    else if (strcmp (action, "remove_type") == 0 && !s_has_type (record, type)) {
        problem = "not of that type";
        rc = ACCORD_E_NOT_FOUND;
    }
    if (!problem)
        return ACCORD_OK;
    snprintf (ctx->message, sizeof ctx->message, "%s", problem);
    return rc;
}

static void
s_apply (accord_exec_t *ctx, const char *action, json_object **record_p, json_object *args)
{
    json_object *record = *record_p;
    const char *type = accord_json_get_string (args, "type");
    if (strcmp (action, "recognize") == 0) {
        if (!record) {
            record = json_object_new_object ();
            json_object_object_add (record, "did", json_object_new_string (accord_json_get_string (args, "did")));
            json_object_object_add (record, "types", json_object_new_array ());
        }
        json_object_object_add (record, "name", json_object_new_string (accord_json_get_string (args, "name")));
        json_object_object_add (record, "recognized", json_object_new_boolean (1));
        json_object_object_add (record, "recognized_height", json_object_new_int64 ((int64_t) ctx->height));
        json_object_object_del (record, "revoked_height");
    }
    else if (strcmp (action, "revoke") == 0) {
        json_object_object_add (record, "recognized", json_object_new_boolean (0));
        json_object_object_add (record, "revoked_height", json_object_new_int64 ((int64_t) ctx->height));
    }
    else if (strcmp (action, "add_type") == 0)
        json_object_array_add (accord_json_get_array (record, "types"), json_object_new_string (type));
    else {
        json_object *types = accord_json_get_array (record, "types");
        for (size_t i = 0; i < json_object_array_length (types); i++)
            if (strcmp (json_object_get_string (json_object_array_get_idx (types, i)), type) == 0) {
                json_object_array_del_idx (types, i, 1);
                break;
            }
    }
    *record_p = record;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    (void) method;
    const char *action = accord_json_get_string (args, "action");
    const char *did = accord_json_get_string (args, "did");
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    if (accord_did_parse (did, ctx->genesis->chain_id, address)) {
        snprintf (ctx->message, sizeof ctx->message, "'%s' is not a DID of chain %s", did, ctx->genesis->chain_id);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    char record_key [ACCORD_DID_MAX + 16];
    s_record_key (record_key, did);
    json_object *record = accord_state_get_json (ctx->state, record_key);
    int rc = s_applicable (ctx, action, record, accord_json_get_string (args, "type"));
    //  The proposal is the call itself: voters of the same canonical arguments agree.
    char *canonical = rc ? NULL : accord_json_canonical (args);
    if (canonical) {
        uint8_t digest [ACCORD_HASH_SIZE];
        char hex [2 * ACCORD_HASH_SIZE + 1], vote_key [96];
        accord_sha256 (digest, canonical, strlen (canonical));
        accord_hex_encode (hex, sizeof hex, digest, ACCORD_HASH_SIZE);
        snprintf (vote_key, sizeof vote_key, "issuer/vote/%s", hex);
        size_t count = 0;
        rc = accord_exec_vote (ctx, vote_key, &count);
        json_object *event = json_object_new_object ();
        json_object_object_add (event, "action", json_object_new_string (action));
        json_object_object_add (event, "did", json_object_new_string (did));
        if (json_object_object_get (args, "type"))
            json_object_object_add (event, "type", json_object_get (json_object_object_get (args, "type")));
        json_object_object_add (event, "votes", json_object_new_int64 ((int64_t) count));
        if (rc == ACCORD_OK && count >= accord_validators_quorum (&ctx->genesis->validators)) {
            s_apply (ctx, action, &record, args);
            if (accord_state_put_json (ctx->state, record_key, record)) {
                snprintf (ctx->message, sizeof ctx->message, "cannot write state");
                rc = ACCORD_E_INTERNAL;
            }
            accord_exec_log (ctx, "issuer", "changed", event);
        }
        else if (rc == ACCORD_OK)
            accord_exec_log (ctx, "issuer", "vote", event);
        else
            json_object_put (event);
    }
    free (canonical);
    json_object_put (record);
    return rc;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    if (strcmp (method, "get") == 0) {
        const char *did = accord_json_get_string (args, "did");
        char record_key [ACCORD_DID_MAX + 16];
        if (!did || strlen (did) >= ACCORD_DID_MAX) {
            snprintf (ctx->message, sizeof ctx->message, "'did' is required");
            return ACCORD_E_INVALID_ARGUMENT;
        }
        s_record_key (record_key, did);
        *result = accord_state_get_json (ctx->state, record_key);
        if (!*result) {
            snprintf (ctx->message, sizeof ctx->message, "%s is not in the issuer registry", did);
            return ACCORD_E_NOT_FOUND;
        }
        return ACCORD_OK;
    }
    if (strcmp (method, "list") == 0) {
        const char *type = accord_json_get_string (args, "type");
        *result = json_object_new_array ();
        accord_state_scan_json (ctx->state, "issuer/did:", ISSUER_LIST_MAX, *result);
        for (size_t i = json_object_array_length (*result); i-- > 0; ) {
            json_object *record = json_object_array_get_idx (*result, i);
            if (!json_object_get_boolean (json_object_object_get (record, "recognized"))
            ||  (type && !s_has_type (record, type)))
                json_object_array_del_idx (*result, i, 1);
        }
        return ACCORD_OK;
    }
    snprintf (ctx->message, sizeof ctx->message, "issuer has no query '%s' (get, list)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

const accord_module_t accord_module_issuer = { .name = "issuer", .check = s_check, .execute = s_execute, .query = s_query };
