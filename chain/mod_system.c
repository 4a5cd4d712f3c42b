/*  system: the network's own governance and accounts.
      set_param {name, value}   a validator's vote; the parameter changes once a quorum of
                                validators voted for the same value
      query nonce {sender}      the sender's last committed nonce (0 if none)
      query validators          the validator set with names and keys
      query params              the parameters in force */
#include "module.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <string.h>

static const char *s_param_names [] = { "block_max_txs", "block_interval_ms", "view_timeout_ms" };

static int
s_param_known (const char *name)
{
    for (size_t i = 0; i < sizeof s_param_names / sizeof s_param_names [0]; i++)
        if (name && strcmp (name, s_param_names [i]) == 0)
            return 1;
    return 0;
}

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    if (strcmp (method, "set_param")) {
        snprintf (message, size, "system has no method '%s' (set_param)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    int64_t value;
    if (!s_param_known (accord_json_get_string (args, "name"))
    ||  accord_json_get_int64 (args, "value", 1, 600000, &value)) {
        snprintf (message, size, "set_param needs 'name' (block_max_txs, block_interval_ms, "
                  "view_timeout_ms) and an integer 'value' from 1 to 600000");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    (void) method;
    if (accord_validators_find (&ctx->genesis->validators, ctx->tx->sender) < 0) {
        snprintf (ctx->message, sizeof ctx->message, "only validators vote on parameters");
        return ACCORD_E_UNAUTHORIZED;
    }
    const char *name = accord_json_get_string (args, "name");
    int64_t value;
    accord_json_get_int64 (args, "value", 1, 600000, &value);
    char key [128], voter [2 * ACCORD_PUBKEY_SIZE + 1];
    snprintf (key, sizeof key, "system/vote/%s/%lld", name, (long long) value);
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
    int rc = accord_state_put_json (ctx->state, key, votes);
    size_t count = json_object_array_length (votes);
    json_object_put (votes);
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "name", json_object_new_string (name));
    json_object_object_add (event, "value", json_object_new_int64 (value));
    json_object_object_add (event, "votes", json_object_new_int64 ((int64_t) count));
    if (count >= accord_validators_quorum (&ctx->genesis->validators)) {
        char param_key [96];
        snprintf (param_key, sizeof param_key, "system/param/%s", name);
        json_object *param = json_object_new_int64 (value);
        rc |= accord_state_put_json (ctx->state, param_key, param);
        json_object_put (param);
        rc |= accord_state_delete (ctx->state, key);
        accord_exec_log (ctx, "system", "param_changed", event);
    }
    else
        accord_exec_log (ctx, "system", "param_vote", event);
    if (rc) {
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
        return ACCORD_E_INTERNAL;
    }
    return ACCORD_OK;
}

void
accord_system_params (accord_state_t *state, const accord_genesis_t *genesis, accord_params_t *params)
{
    *params = genesis->params;
    uint32_t *fields [] = { &params->block_max_txs, &params->block_interval_ms, &params->view_timeout_ms };
    for (size_t i = 0; i < sizeof s_param_names / sizeof s_param_names [0]; i++) {
        char key [96];
        snprintf (key, sizeof key, "system/param/%s", s_param_names [i]);
        json_object *value = accord_state_get_json (state, key);
        if (value && json_object_is_type (value, json_type_int))
            *fields [i] = (uint32_t) json_object_get_int64 (value);
        json_object_put (value);
    }
}

static json_object *
s_params (accord_query_t *ctx)
{
    accord_params_t params;
    accord_system_params (ctx->state, ctx->genesis, &params);
    json_object *result = accord_params_to_json (&params);
    return result;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    if (strcmp (method, "nonce") == 0) {
        const char *sender = accord_json_get_string (args, "sender");
        uint8_t key [ACCORD_PUBKEY_SIZE];
        if (!sender || accord_hex_decode_exact (key, ACCORD_PUBKEY_SIZE, sender)) {
            snprintf (ctx->message, sizeof ctx->message, "'sender' must be a 33-byte public key in hex");
            return ACCORD_E_INVALID_ARGUMENT;
        }
        char state_key [96], hex [2 * ACCORD_PUBKEY_SIZE + 1];
        accord_key_hex (hex, key);
        snprintf (state_key, sizeof state_key, "nonce/%s", hex);
        json_object *nonce = accord_state_get_json (ctx->state, state_key);
        *result = json_object_new_object ();
        json_object_object_add (*result, "nonce", nonce ? nonce : json_object_new_int64 (0));
        return ACCORD_OK;
    }
    if (strcmp (method, "validators") == 0) {
        *result = json_object_new_array ();
        for (size_t i = 0; i < ctx->genesis->member_count; i++) {
            char hex [2 * ACCORD_PUBKEY_SIZE + 1];
            accord_key_hex (hex, ctx->genesis->members [i].public_key);
            json_object *item = json_object_new_object ();
            json_object_object_add (item, "index", json_object_new_int ((int) i));
            json_object_object_add (item, "name", json_object_new_string (ctx->genesis->members [i].name));
            json_object_object_add (item, "public_key", json_object_new_string (hex));
            json_object_array_add (*result, item);
        }
        return ACCORD_OK;
    }
    if (strcmp (method, "params") == 0) {
        *result = s_params (ctx);
        return ACCORD_OK;
    }
    snprintf (ctx->message, sizeof ctx->message, "system has no query '%s' (nonce, validators, params)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

const accord_module_t accord_module_system = { "system", s_check, s_execute, s_query };
