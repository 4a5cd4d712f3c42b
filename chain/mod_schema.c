/*  schema: credential schemas (JSON Schema, accord/jsonschema.h), versioned, owned by their
    publisher: the DID the transaction acts as (accord_did_actor: "did", or the DID of the
    signing key), registered, active and with the signer among its authentication keys.
      register {did?, name, version, schema}
        id = <publisher DID>/schemas/<name>/<version> (a DID URL, what credentialSchema.id
        carries); name 1..64 of a-z A-Z 0-9 . _ -, version an integer above the publisher's
        latest of that name; the schema must pass accord_jsonschema_check
      query get {id}            {id, publisher, name, version, schema, height, timestamp_ms}
    State: schema/<id> = the record, schema/latest/<publisher>/<name> = latest version.
    Logs: schema registered {id}. */
#include "module.h"
#include "accord/did.h"
#include "accord/json.h"
#include "accord/jsonschema.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_ID_MAX    (ACCORD_DID_MAX + ACCORD_RECORD_NAME_MAX + 40)

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    if (strcmp (method, "register")) {
        snprintf (message, size, "schema has no method '%s' (register)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    int64_t version;
    char reason [200];
    if (!accord_record_name_ok (accord_json_get_string (args, "name"))
    ||  accord_json_get_int64 (args, "version", 1, 1000000, &version)) {
        snprintf (message, size, "register needs 'name' (1 to %d of A-Z a-z 0-9 . _ -) and an integer "
                  "'version' from 1", ACCORD_RECORD_NAME_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (accord_did_actor_check (args, message, size))
        return ACCORD_E_INVALID_ARGUMENT;
    json_object *schema = json_object_object_get (args, "schema");
    if (!schema || accord_jsonschema_check (schema, reason, sizeof reason)) {
        snprintf (message, size, "'schema': %s", schema ? reason : "missing");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    (void) method;
    char publisher [ACCORD_DID_MAX];
    int rc = accord_did_actor (ctx, accord_json_get_string (args, "did"), publisher);
    if (rc)
        return rc;
    const char *name = accord_json_get_string (args, "name");
    int64_t version = 0;
    accord_json_get_int64 (args, "version", 1, 1000000, &version);
    char latest_key [SCHEMA_ID_MAX + 16], id [SCHEMA_ID_MAX], key [SCHEMA_ID_MAX + 16];
    snprintf (latest_key, sizeof latest_key, "schema/latest/%s/%s", publisher, name);
    json_object *latest = accord_state_get_json (ctx->state, latest_key);
    int64_t previous = latest ? json_object_get_int64 (latest) : 0;
    json_object_put (latest);
    if (version <= previous) {
        snprintf (ctx->message, sizeof ctx->message, "version %lld is not above the latest, %lld",
                  (long long) version, (long long) previous);
        return ACCORD_E_CONFLICT;
    }
    snprintf (id, sizeof id, "%s/schemas/%s/%lld", publisher, name, (long long) version);
    snprintf (key, sizeof key, "schema/%s", id);
    json_object *record = json_object_new_object ();
    json_object_object_add (record, "id", json_object_new_string (id));
    json_object_object_add (record, "publisher", json_object_new_string (publisher));
    json_object_object_add (record, "name", json_object_new_string (name));
    json_object_object_add (record, "version", json_object_new_int64 (version));
    json_object_object_add (record, "schema", json_object_get (json_object_object_get (args, "schema")));
    json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
    json_object_object_add (record, "timestamp_ms", json_object_new_int64 ((int64_t) ctx->timestamp_ms));
    json_object *number = json_object_new_int64 (version);
    rc = accord_state_put_json (ctx->state, key, record) | accord_state_put_json (ctx->state, latest_key, number);
    json_object_put (number);
    json_object_put (record);
    if (rc) {
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
        return ACCORD_E_INTERNAL;
    }
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "id", json_object_new_string (id));
    accord_exec_log (ctx, "schema", "registered", event);
    return ACCORD_OK;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    if (strcmp (method, "get") == 0) {
        const char *id = accord_json_get_string (args, "id");
        char key [SCHEMA_ID_MAX + 16];
        if (!id || strlen (id) >= SCHEMA_ID_MAX) {
            snprintf (ctx->message, sizeof ctx->message, "'id' (a schema id) is required");
            return ACCORD_E_INVALID_ARGUMENT;
        }
        snprintf (key, sizeof key, "schema/%s", id);
        *result = accord_state_get_json (ctx->state, key);
        if (!*result) {
            snprintf (ctx->message, sizeof ctx->message, "no schema %s", id);
            return ACCORD_E_NOT_FOUND;
        }
        return ACCORD_OK;
    }
    snprintf (ctx->message, sizeof ctx->message, "schema has no query '%s' (get)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

const accord_module_t accord_module_schema = { .name = "schema", .check = s_check, .execute = s_execute, .query = s_query };
