/*  The registry of native modules: one line per module. */
#include "module.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <string.h>

extern const accord_module_t accord_module_system;
extern const accord_module_t accord_module_evidence;
extern const accord_module_t accord_module_did;
extern const accord_module_t accord_module_issuer;
extern const accord_module_t accord_module_schema;
extern const accord_module_t accord_module_status;
extern const accord_module_t accord_module_topic;
extern const accord_module_t accord_module_event;

static const accord_module_t *s_modules [] = {
    &accord_module_system,
    &accord_module_evidence,
    &accord_module_did,
    &accord_module_issuer,
    &accord_module_schema,
    &accord_module_status,
    &accord_module_topic,
    &accord_module_event,
};

const accord_module_t *
accord_module_find (const char *name)
{
    for (size_t i = 0; i < sizeof s_modules / sizeof s_modules [0]; i++)
        if (strcmp (s_modules [i]->name, name) == 0)
            return s_modules [i];
    return NULL;
}

int
accord_module_check_call (const char *module_name, const char *method, const char *args,
                          size_t args_len, json_object **args_p, char *message, size_t size)
{
    if (args_p)
        *args_p = NULL;
    const accord_module_t *module = accord_module_find (module_name);
    if (!module) {
        snprintf (message, size, "no module '%s'", module_name);
        return ACCORD_E_UNKNOWN_MODULE;
    }
    size_t args_max = module->args_max ? module->args_max : ACCORD_MODULE_ARGS_MAX;
    if (args_len > args_max) {
        snprintf (message, size, "arguments of %s are at most %zu bytes (%zu given)", module_name, args_max, args_len);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (module->check_text)
        return module->check_text (method, args, args_len, message, size);
    char reason [200];
    json_object *parsed = accord_json_parse (args, args_len, reason, sizeof reason);
    if (!parsed || !json_object_is_type (parsed, json_type_object)) {
        snprintf (message, size, "arguments must be a JSON object: %s", parsed ? "not an object" : reason);
        json_object_put (parsed);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    int rc = module->check (method, parsed, message, size);
    if (rc == ACCORD_OK && args_p)
        *args_p = parsed;
    else
        json_object_put (parsed);
    return rc;
}

int
accord_module_execute_call (accord_exec_t *ctx)
{
    const accord_tx_t *tx = ctx->tx;
    const accord_module_t *module = accord_module_find (tx->module);
    size_t args_max = module && module->args_max ? module->args_max : ACCORD_MODULE_ARGS_MAX;
    if (module && module->execute_text && tx->args_len <= args_max)
        return module->execute_text (ctx, tx->method, tx->args, tx->args_len);
    json_object *args = NULL;
    int rc = accord_module_check_call (tx->module, tx->method, tx->args, tx->args_len, &args, ctx->message,
                                       sizeof ctx->message);
    if (rc == ACCORD_OK)
        rc = module->execute (ctx, tx->method, args);
    json_object_put (args);
    return rc;
}

void
accord_exec_log_text (accord_exec_t *ctx, const char *module, const char *event, char *data)
{
    accord_logs_t *logs = &ctx->logs;
    if (logs->count == logs->cap) {
        size_t cap = logs->cap ? 2 * logs->cap : 2;
        accord_log_t *items = realloc (logs->items, cap * sizeof *items);
        if (!items) {
            free (data);
            return;
        }
        logs->items = items;
        logs->cap = cap;
    }
    accord_log_t *log = &logs->items [logs->count++];
    memset (log, 0, sizeof *log);
    log->index = ctx->index;
    snprintf (log->module, sizeof log->module, "%s", module);
    snprintf (log->event, sizeof log->event, "%s", event);
    log->data = data;
}

void
accord_exec_log (accord_exec_t *ctx, const char *module, const char *event, json_object *data)
{
    accord_exec_log_text (ctx, module, event, accord_json_canonical (data));
    json_object_put (data);
}

void
accord_logs_reset (accord_logs_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        free (self->items [i].data);
    free (self->items);
    memset (self, 0, sizeof *self);
}

int
accord_record_name_ok (const char *name)
{
    size_t len = name ? strlen (name) : 0;
    return len > 0 && len <= ACCORD_RECORD_NAME_MAX
        && strspn (name, ACCORD_NAME_CHARS) == len;
}

void
accord_key_hex (char out [2 * ACCORD_PUBKEY_SIZE + 1], const uint8_t key [ACCORD_PUBKEY_SIZE])
{
    accord_hex_encode (out, 2 * ACCORD_PUBKEY_SIZE + 1, key, ACCORD_PUBKEY_SIZE);
}

int
accord_exec_vote (accord_exec_t *ctx, const char *key, size_t *count)
{
    if (accord_validators_find (&ctx->genesis->validators, ctx->tx->sender) < 0) {
        snprintf (ctx->message, sizeof ctx->message, "only validators vote");
        return ACCORD_E_UNAUTHORIZED;
    }
    char voter [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_key_hex (voter, ctx->tx->sender);
    json_object *votes = accord_state_get_json (ctx->state, key);
    if (!votes)
        votes = json_object_new_array ();
    for (size_t i = 0; i < json_object_array_length (votes); i++)
        if (strcmp (json_object_get_string (json_object_array_get_idx (votes, i)), voter) == 0) {
            json_object_put (votes);
            snprintf (ctx->message, sizeof ctx->message, "this validator voted for it already");
            return ACCORD_E_DUPLICATE;
        }
    json_object_array_add (votes, json_object_new_string (voter));
    *count = json_object_array_length (votes);
    int rc = *count >= accord_validators_quorum (&ctx->genesis->validators)
           ? accord_state_delete (ctx->state, key) : accord_state_put_json (ctx->state, key, votes);
    json_object_put (votes);
    if (rc) {
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
        return ACCORD_E_INTERNAL;
    }
    return ACCORD_OK;
}
