#include "request.h"
#include "accord/error.h"
#include "accord/json.h"
#include "accord/statuslist.h"
#include <stdio.h>
#include <string.h>

const char *identity_request_commands =
    "RESOLVE SCHEMA ISSUER ISSUERS CHECK_STATUS VERIFY VERIFY_PRESENTATION STATUS";

//  Each command's name and the members its body may hold.
static const struct {
    const char *name;
    identity_command_t command;
    const char *members [8];
} s_commands [] = {
    { "RESOLVE", IDENTITY_RESOLVE, { "did", "versionId", "versionTime" } },
    { "SCHEMA", IDENTITY_SCHEMA, { "id" } },
    { "ISSUER", IDENTITY_ISSUER, { "did" } },
    { "ISSUERS", IDENTITY_ISSUERS, { "type" } },
    { "CHECK_STATUS", IDENTITY_CHECK_STATUS, { "id", "index", "credentialStatus" } },
    { "VERIFY", IDENTITY_VERIFY, { "credential", "nonce", "aud", "require_recognized_issuer",
                                   "issuer_type", "require_key_binding" } },
    { "VERIFY_PRESENTATION", IDENTITY_VERIFY_PRESENTATION, { "presentation", "nonce", "aud",
                                   "require_recognized_issuer", "issuer_type" } },
    { "STATUS", IDENTITY_STATUS, { NULL } },
};
#define COMMAND_COUNT (sizeof s_commands / sizeof s_commands [0])

static int
s_fail (char *err, size_t err_size, int code, const char *format, const char *detail)
{
    snprintf (err, err_size, format, detail);
    return code;
}

//  A string member: required or not, 1..max bytes when present. 0 or -1.
static int
s_string (json_object *body, const char *key, int required, size_t max, const char **out, size_t *len)
{
    json_object *value = NULL;
    *out = NULL;
    if (!json_object_object_get_ex (body, key, &value))
        return required ? -1 : 0;
    if (!json_object_is_type (value, json_type_string))
        return -1;
    size_t size = (size_t) json_object_get_string_len (value);
    if (size == 0 || size > max)
        return -1;
    *out = json_object_get_string (value);
    if (len)
        *len = size;
    return 0;
}

static int
s_bool (json_object *body, const char *key, int *out)
{
    json_object *value = NULL;
    *out = 0;
    if (!json_object_object_get_ex (body, key, &value))
        return 0;
    if (!json_object_is_type (value, json_type_boolean))
        return -1;
    *out = json_object_get_boolean (value);
    return 0;
}

#define ID_MAX    1024          //  DIDs, schema and status list ids, types, nonces, audiences
#define TOKEN_MAX (IDENTITY_REQUEST_MAX - 64)

static int
s_members (identity_request_t *self, char *err, size_t err_size)
{
    json_object *body = self->body;
    switch (self->command) {
    case IDENTITY_RESOLVE: {
        json_object *version = NULL;
        if (s_string (body, "did", 1, ID_MAX, &self->did, NULL))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "RESOLVE needs 'did' (a string)");
        if (json_object_object_get_ex (body, "versionId", &version)
        &&  !json_object_is_type (version, json_type_string) && !json_object_is_type (version, json_type_int))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "'versionId' must be a string or an integer");
        self->version_id = version;
        if (s_string (body, "versionTime", 0, 64, &self->version_time, NULL))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "'versionTime' must be a date-time string");
        if (self->version_id && self->version_time)
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "give 'versionId' or 'versionTime', not both");
        return ACCORD_OK;
    }
    case IDENTITY_SCHEMA:
        if (s_string (body, "id", 1, ID_MAX, &self->id, NULL))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "SCHEMA needs 'id' (a schema id)");
        return ACCORD_OK;
    case IDENTITY_ISSUER:
        if (s_string (body, "did", 1, ID_MAX, &self->did, NULL))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "ISSUER needs 'did' (a string)");
        return ACCORD_OK;
    case IDENTITY_ISSUERS:
        if (s_string (body, "type", 0, ID_MAX, &self->type, NULL))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", "'type' must be a non-empty string");
        return ACCORD_OK;
    case IDENTITY_CHECK_STATUS: {
        json_object *entry = NULL, *index = NULL;
        int has_entry = json_object_object_get_ex (body, "credentialStatus", &entry);
        int has_index = json_object_object_get_ex (body, "index", &index);
        if (has_entry) {
            if (json_object_object_get_ex (body, "id", NULL) || has_index)
                return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s",
                               "give 'credentialStatus', or 'id' and 'index', not both");
            if (!json_object_is_type (entry, json_type_object) && !json_object_is_type (entry, json_type_array))
                return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s",
                               "'credentialStatus' must be an entry (object) or an array of entries");
            self->credential_status = entry;
            return ACCORD_OK;
        }
        int64_t value = -1;
        const char *text = NULL;
        if (index && json_object_is_type (index, json_type_string))
            text = json_object_get_string (index);
        if (s_string (body, "id", 1, ID_MAX, &self->id, NULL) || !index
        ||  (text ? accord_statuslist_parse_index (text, &self->index) != 0
                  : accord_json_get_int64 (body, "index", 0, (INT64_C (1) << 53) - 1, &value) != 0))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s",
                           "CHECK_STATUS needs 'id' (a status list id) and 'index' (0 to 2^53-1), or 'credentialStatus'");
        if (!text)
            self->index = (uint64_t) value;
        return ACCORD_OK;
    }
    case IDENTITY_VERIFY:
    case IDENTITY_VERIFY_PRESENTATION: {
        int presentation = self->command == IDENTITY_VERIFY_PRESENTATION;
        const char *what = presentation ? "presentation" : "credential";
        if (s_string (body, what, 1, TOKEN_MAX, &self->token, &self->token_len))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "needs '%s' (the token as a string)", what);
        if (s_string (body, "nonce", presentation, ID_MAX, &self->nonce, NULL)
        ||  s_string (body, "aud", presentation, ID_MAX, &self->audience, NULL))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", presentation
                           ? "VERIFY_PRESENTATION needs 'nonce' and 'aud' (strings)"
                           : "'nonce' and 'aud' must be non-empty strings");
        if (s_string (body, "issuer_type", 0, ID_MAX, &self->issuer_type, NULL)
        ||  s_bool (body, "require_recognized_issuer", &self->require_recognized_issuer)
        ||  s_bool (body, "require_key_binding", &self->require_key_binding))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s",
                           "'issuer_type' must be a string, 'require_recognized_issuer' and 'require_key_binding' booleans");
        return ACCORD_OK;
    }
    case IDENTITY_STATUS:
        break;
    }
    return ACCORD_OK;
}

int
identity_request_decode (identity_request_t *self, const char *command, zmsg_t *body,
                         char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    size_t which = 0;
    while (which < COMMAND_COUNT && strcmp (s_commands [which].name, command))
        which++;
    if (which == COMMAND_COUNT)
        return s_fail (err, err_size, ACCORD_E_UNKNOWN_COMMAND, "unknown command (%s)", identity_request_commands);
    self->command = s_commands [which].command;
    if (self->command == IDENTITY_STATUS)
        return ACCORD_OK;           //  body frames ignored, as the chain's STATUS does
    if (zmsg_size (body) != 1)
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "%s", "expects one JSON object frame");
    zframe_t *frame = zmsg_first (body);
    if (zframe_size (frame) > IDENTITY_REQUEST_MAX)
        return s_fail (err, err_size, ACCORD_E_TOO_LARGE, "request body over %s bytes", "1048576");
    char reason [160];
    self->body = accord_json_parse ((const char *) zframe_data (frame), zframe_size (frame), reason, sizeof reason);
    if (!self->body)
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "body is not JSON: %s", reason);
    if (!json_object_is_type (self->body, json_type_object)) {
        identity_request_reset (self);
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "%s", "body must be a JSON object");
    }
    json_object_object_foreach (self->body, key, value) {
        (void) value;
        int known = 0;
        for (size_t i = 0; i < 8 && s_commands [which].members [i] && !known; i++)
            known = strcmp (key, s_commands [which].members [i]) == 0;
        if (!known) {
            char message [200];
            snprintf (message, sizeof message, "%.64s takes no member '%.64s'", command, key);
            identity_request_reset (self);
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "%s", message);
        }
    }
    int rc = s_members (self, err, err_size);
    if (rc != ACCORD_OK)
        identity_request_reset (self);
    return rc;
}

void
identity_request_reset (identity_request_t *self)
{
    json_object_put (self->body);
    memset (self, 0, sizeof *self);
}
