/*  system: the network's own governance and accounts. Validators vote; a proposal takes
    effect in the block where a quorum of the validators in force voted for the same thing.
      set_param {name, value}           a parameter for the blocks after this one
      add_validator {name, public_key, curve_key, peer_endpoint}
                                        a new validator; it certifies blocks from the next one
      remove_validator {public_key}     (the set keeps at least one validator)
      set_broker {public_key, name?}    a validator registers its member's event broker key (no
                                        vote: a member vouches for its own broker); the event
                                        module takes batches only from such keys
      remove_broker {public_key}        by the member that registered it, or by any validator
                                        once that member is no longer a validator
      query nonce {sender}      the sender's last committed nonce (0 if none)
      query validators          the validator set in force: index, name, keys, endpoint
      query validator_changes   [{height, validators}]: each block that changed the set, with
                                the set that certifies the blocks after it
      query params              the parameters in force
      query brokers             [{public_key, member, member_name, name, active, height}]:
                                active while the member is a validator in force
    State: system/param/NAME, system/validators (the set, once it differs from genesis),
    system/validator_changes, system/vote/... (voters of open proposals),
    system/broker/<key hex> = {public_key, member, name, height}. */
#include "module.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYSTEM_VALIDATORS "system/validators"
#define SYSTEM_CHANGES "system/validator_changes"
#define SYSTEM_BROKER "system/broker/"
#define SYSTEM_BROKERS_PER_MEMBER 16
#define SYSTEM_BROKERS_MAX (ACCORD_MAX_VALIDATORS * SYSTEM_BROKERS_PER_MEMBER)

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
    if (strcmp (method, "set_param") == 0) {
        int64_t value;
        if (!s_param_known (accord_json_get_string (args, "name"))
        ||  accord_json_get_int64 (args, "value", 1, 600000, &value)) {
            snprintf (message, size, "set_param needs 'name' (block_max_txs, block_interval_ms, "
                      "view_timeout_ms) and an integer 'value' from 1 to 600000");
            return ACCORD_E_INVALID_ARGUMENT;
        }
        return ACCORD_OK;
    }
    if (strcmp (method, "add_validator") == 0) {
        accord_member_t member;
        char reason [200];
        if (accord_member_from_json (&member, args, reason, sizeof reason)) {
            snprintf (message, size, "add_validator: %s", reason);
            return ACCORD_E_INVALID_ARGUMENT;
        }
        return ACCORD_OK;
    }
    int broker = strcmp (method, "set_broker") == 0 || strcmp (method, "remove_broker") == 0;
    if (broker || strcmp (method, "remove_validator") == 0) {
        uint8_t key [ACCORD_PUBKEY_SIZE];
        if (accord_hex_decode_exact (key, ACCORD_PUBKEY_SIZE, accord_json_get_string (args, "public_key"))
        ||  (broker && accord_pubkey_check (key, ACCORD_PUBKEY_SIZE))) {
            snprintf (message, size, "%s needs 'public_key' (a 33-byte compressed secp256k1 key in hex)", method);
            return ACCORD_E_INVALID_ARGUMENT;
        }
        json_object *name = NULL;
        if (strcmp (method, "set_broker") == 0 && json_object_object_get_ex (args, "name", &name)
        &&  !accord_record_name_ok (accord_json_get_string (args, "name"))) {
            snprintf (message, size, "a broker's 'name' is 1 to %d of A-Z a-z 0-9 . _ -", ACCORD_RECORD_NAME_MAX);
            return ACCORD_E_INVALID_ARGUMENT;
        }
        return ACCORD_OK;
    }
    snprintf (message, size, "system has no method '%s' (set_param, add_validator, remove_validator, set_broker, "
              "remove_broker)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

static int
s_quorum (accord_exec_t *ctx, size_t count)
{
    return count >= accord_validators_quorum (&ctx->genesis->validators);
}

static int
s_set_param (accord_exec_t *ctx, json_object *args)
{
    const char *name = accord_json_get_string (args, "name");
    int64_t value;
    accord_json_get_int64 (args, "value", 1, 600000, &value);
    char key [128];
    snprintf (key, sizeof key, "system/vote/param/%s/%lld", name, (long long) value);
    size_t count = 0;
    int rc = accord_exec_vote (ctx, key, &count);
    if (rc)
        return rc;
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "name", json_object_new_string (name));
    json_object_object_add (event, "value", json_object_new_int64 (value));
    json_object_object_add (event, "votes", json_object_new_int64 ((int64_t) count));
    if (s_quorum (ctx, count)) {
        char param_key [96];
        snprintf (param_key, sizeof param_key, "system/param/%s", name);
        json_object *param = json_object_new_int64 (value);
        rc = accord_state_put_json (ctx->state, param_key, param);
        json_object_put (param);
        accord_exec_log (ctx, "system", "param_changed", event);
    }
    else
        accord_exec_log (ctx, "system", "param_vote", event);
    if (rc)
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
    return rc ? ACCORD_E_INTERNAL : ACCORD_OK;
}

//  Writes the new set and notes this block in the list of changes.
static int
s_write_set (accord_exec_t *ctx, const accord_genesis_t *network)
{
    json_object *members = accord_genesis_members_json (network);
    int rc = accord_state_put_json (ctx->state, SYSTEM_VALIDATORS, members);
    json_object *changes = accord_state_get_json (ctx->state, SYSTEM_CHANGES);
    if (!changes)
        changes = json_object_new_array ();
    size_t last = json_object_array_length (changes);
    json_object *previous = last ? json_object_array_get_idx (changes, last - 1) : NULL;
    if (previous && json_object_get_int64 (json_object_object_get (previous, "height")) == (int64_t) ctx->height)
        json_object_array_del_idx (changes, last - 1, 1);
    json_object *change = json_object_new_object ();
    json_object_object_add (change, "height", json_object_new_int64 ((int64_t) ctx->height));
    json_object_object_add (change, "validators", json_object_get (members));
    json_object_array_add (changes, change);
    rc |= accord_state_put_json (ctx->state, SYSTEM_CHANGES, changes);
    json_object_put (changes);
    json_object_put (members);
    return rc;
}

static int
s_change_validators (accord_exec_t *ctx, const char *method, json_object *args)
{
    int adding = strcmp (method, "add_validator") == 0;
    accord_genesis_t network = *ctx->genesis;
    if (accord_system_validators (ctx->state, &network)) {
        snprintf (ctx->message, sizeof ctx->message, "stored validator set is unreadable");
        return ACCORD_E_INTERNAL;
    }
    accord_member_t member;
    char reason [200], key_hex [2 * ACCORD_PUBKEY_SIZE + 1], vote_key [160];
    uint8_t key [ACCORD_PUBKEY_SIZE];
    if (adding) {
        accord_member_from_json (&member, args, reason, sizeof reason);
        memcpy (key, member.public_key, ACCORD_PUBKEY_SIZE);
    }
    else
        accord_hex_decode_exact (key, ACCORD_PUBKEY_SIZE, accord_json_get_string (args, "public_key"));
    int index = accord_validators_find (&network.validators, key);
    if (adding && index >= 0) {
        snprintf (ctx->message, sizeof ctx->message, "already a validator");
        return ACCORD_E_CONFLICT;
    }
    if (adding && network.member_count >= ACCORD_MAX_VALIDATORS) {
        snprintf (ctx->message, sizeof ctx->message, "the set is full (%d)", ACCORD_MAX_VALIDATORS);
        return ACCORD_E_CONFLICT;
    }
    if (!adding && index < 0) {
        snprintf (ctx->message, sizeof ctx->message, "not a validator");
        return ACCORD_E_NOT_FOUND;
    }
    if (!adding && network.member_count == 1) {
        snprintf (ctx->message, sizeof ctx->message, "the last validator cannot be removed");
        return ACCORD_E_CONFLICT;
    }
    //  A vote is for one exact entry: the same key with another endpoint is another proposal.
    accord_key_hex (key_hex, key);
    if (adding) {
        json_object *entry = accord_member_to_json (&member);
        char *canonical = accord_json_canonical (entry);
        uint8_t digest [ACCORD_HASH_SIZE];
        char digest_hex [2 * ACCORD_HASH_SIZE + 1];
        accord_sha256 (digest, canonical, strlen (canonical));
        accord_hex_encode (digest_hex, sizeof digest_hex, digest, ACCORD_HASH_SIZE);
        snprintf (vote_key, sizeof vote_key, "system/vote/add/%s", digest_hex);
        free (canonical);
        json_object_put (entry);
    }
    else
        snprintf (vote_key, sizeof vote_key, "system/vote/remove/%s", key_hex);
    size_t count = 0;
    int rc = accord_exec_vote (ctx, vote_key, &count);
    if (rc)
        return rc;
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "public_key", json_object_new_string (key_hex));
    json_object_object_add (event, "votes", json_object_new_int64 ((int64_t) count));
    if (!s_quorum (ctx, count)) {
        accord_exec_log (ctx, "system", adding ? "add_validator_vote" : "remove_validator_vote", event);
        return ACCORD_OK;
    }
    json_object *members = accord_genesis_members_json (&network);
    if (adding)
        json_object_array_add (members, accord_member_to_json (&member));
    else
        json_object_array_del_idx (members, (size_t) index, 1);
    if (accord_genesis_set_members (&network, members, reason, sizeof reason)) {
        json_object_put (members);
        json_object_put (event);
        snprintf (ctx->message, sizeof ctx->message, "%s", reason);
        return ACCORD_E_CONFLICT;
    }
    json_object_put (members);
    rc = s_write_set (ctx, &network);
    json_object_object_add (event, "validators", json_object_new_int64 ((int64_t) network.member_count));
    accord_exec_log (ctx, "system", "validators_changed", event);
    if (rc)
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
    return rc ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static void
s_broker_key (char out [96], const char *key_hex)
{
    snprintf (out, 96, SYSTEM_BROKER "%s", key_hex);
}

static int
s_count_member (const char *key, const uint8_t *value, size_t len, void *arg)
{
    (void) key;
    void **pair = arg;      //  { member hex, size_t *count }
    json_object *record = accord_json_parse ((const char *) value, len, NULL, 0);
    const char *member = accord_json_get_string (record, "member");
    if (member && strcmp (member, pair [0]) == 0)
        (*(size_t *) pair [1])++;
    json_object_put (record);
    return 0;
}

//  set_broker and remove_broker: a member acts for its own broker, without a vote.
static int
s_broker (accord_exec_t *ctx, const char *method, json_object *args)
{
    if (accord_validators_find (&ctx->genesis->validators, ctx->tx->sender) < 0) {
        snprintf (ctx->message, sizeof ctx->message, "only a validator registers its member's brokers (sign with the node key)");
        return ACCORD_E_UNAUTHORIZED;
    }
    char member [2 * ACCORD_PUBKEY_SIZE + 1], key_hex [2 * ACCORD_PUBKEY_SIZE + 1], state_key [96], owner [2 * ACCORD_PUBKEY_SIZE + 1];
    uint8_t key [ACCORD_PUBKEY_SIZE];
    accord_key_hex (member, ctx->tx->sender);
    accord_hex_decode_exact (key, ACCORD_PUBKEY_SIZE, accord_json_get_string (args, "public_key"));
    accord_key_hex (key_hex, key);
    s_broker_key (state_key, key_hex);
    json_object *record = accord_state_get_json (ctx->state, state_key);
    const char *registrant = accord_json_get_string (record, "member");
    uint8_t registrant_key [ACCORD_PUBKEY_SIZE];
    //  Another member's broker stays theirs while they validate; after that anyone may clean up.
    int others_in_force = registrant && strcmp (registrant, member)
                        && accord_hex_decode_exact (registrant_key, ACCORD_PUBKEY_SIZE, registrant) == 0
                        && accord_validators_find (&ctx->genesis->validators, registrant_key) >= 0;
    snprintf (owner, sizeof owner, "%s", registrant ? registrant : member);
    json_object_put (record);
    int adding = strcmp (method, "set_broker") == 0;
    if (!adding && !registrant) {
        snprintf (ctx->message, sizeof ctx->message, "%s is not a registered broker", key_hex);
        return ACCORD_E_NOT_FOUND;
    }
    if (others_in_force) {
        snprintf (ctx->message, sizeof ctx->message, "broker %s belongs to member %s", key_hex, owner);
        return adding ? ACCORD_E_CONFLICT : ACCORD_E_UNAUTHORIZED;
    }
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "public_key", json_object_new_string (key_hex));
    int rc;
    if (adding) {
        size_t count = 0;
        void *pair [] = { member, &count };
        if (!registrant || strcmp (registrant, member))
            accord_state_scan (ctx->state, SYSTEM_BROKER, NULL, SYSTEM_BROKERS_MAX, s_count_member, pair);
        if (count >= SYSTEM_BROKERS_PER_MEMBER) {
            json_object_put (event);
            snprintf (ctx->message, sizeof ctx->message, "a member registers at most %d brokers", SYSTEM_BROKERS_PER_MEMBER);
            return ACCORD_E_CONFLICT;
        }
        const char *name = accord_json_get_string (args, "name");
        record = json_object_new_object ();
        json_object_object_add (record, "public_key", json_object_new_string (key_hex));
        json_object_object_add (record, "member", json_object_new_string (member));
        json_object_object_add (record, "name", json_object_new_string (name ? name : ""));
        json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
        rc = accord_state_put_json (ctx->state, state_key, record);
        json_object_put (record);
        json_object_object_add (event, "member", json_object_new_string (member));
        json_object_object_add (event, "name", json_object_new_string (name ? name : ""));
    }
    else {
        rc = accord_state_delete (ctx->state, state_key);
        json_object_object_add (event, "member", json_object_new_string (owner));
    }
    accord_exec_log (ctx, "system", adding ? "broker_set" : "broker_removed", event);
    if (rc)
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
    return rc ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    if (strcmp (method, "set_param") == 0)
        return s_set_param (ctx, args);
    if (strcmp (method, "set_broker") == 0 || strcmp (method, "remove_broker") == 0)
        return s_broker (ctx, method, args);
    return s_change_validators (ctx, method, args);
}

int
accord_system_broker (accord_state_t *state, const accord_genesis_t *network,
                      const uint8_t key [ACCORD_PUBKEY_SIZE], char member [2 * ACCORD_PUBKEY_SIZE + 1])
{
    char key_hex [2 * ACCORD_PUBKEY_SIZE + 1], state_key [96];
    accord_key_hex (key_hex, key);
    s_broker_key (state_key, key_hex);
    json_object *record = accord_state_get_json (state, state_key);
    const char *registrant = accord_json_get_string (record, "member");
    uint8_t registrant_key [ACCORD_PUBKEY_SIZE];
    int active = registrant && accord_hex_decode_exact (registrant_key, ACCORD_PUBKEY_SIZE, registrant) == 0
              && accord_validators_find (&network->validators, registrant_key) >= 0;
    if (active && member)
        snprintf (member, 2 * ACCORD_PUBKEY_SIZE + 1, "%s", registrant);
    json_object_put (record);
    return active;
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

int
accord_system_validators (accord_state_t *state, accord_genesis_t *network)
{
    json_object *members = accord_state_get_json (state, SYSTEM_VALIDATORS);
    if (!members)
        return 0;
    char reason [200];
    int rc = accord_genesis_set_members (network, members, reason, sizeof reason);
    json_object_put (members);
    return rc;
}

static json_object *
s_validators_json (const accord_genesis_t *network)
{
    json_object *result = accord_genesis_members_json (network);
    for (size_t i = 0; i < json_object_array_length (result); i++)
        json_object_object_add (json_object_array_get_idx (result, i), "index", json_object_new_int ((int) i));
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
        accord_genesis_t network = *ctx->genesis;
        if (accord_system_validators (ctx->state, &network)) {
            snprintf (ctx->message, sizeof ctx->message, "stored validator set is unreadable");
            return ACCORD_E_INTERNAL;
        }
        *result = s_validators_json (&network);
        return ACCORD_OK;
    }
    if (strcmp (method, "validator_changes") == 0) {
        *result = accord_state_get_json (ctx->state, SYSTEM_CHANGES);
        if (!*result)
            *result = json_object_new_array ();
        return ACCORD_OK;
    }
    if (strcmp (method, "params") == 0) {
        accord_params_t params;
        accord_system_params (ctx->state, ctx->genesis, &params);
        *result = accord_params_to_json (&params);
        return ACCORD_OK;
    }
    if (strcmp (method, "brokers") == 0) {
        *result = json_object_new_array ();
        accord_state_scan_json (ctx->state, SYSTEM_BROKER, SYSTEM_BROKERS_MAX, *result);
        for (size_t i = 0; i < json_object_array_length (*result); i++) {
            json_object *record = json_object_array_get_idx (*result, i);
            uint8_t member [ACCORD_PUBKEY_SIZE];
            int index = accord_hex_decode_exact (member, ACCORD_PUBKEY_SIZE, accord_json_get_string (record, "member")) ? -1
                      : accord_validators_find (&ctx->genesis->validators, member);
            json_object_object_add (record, "member_name", index >= 0
                                    ? json_object_new_string (ctx->genesis->members [index].name) : NULL);
            json_object_object_add (record, "active", json_object_new_boolean (index >= 0));
        }
        return ACCORD_OK;
    }
    snprintf (ctx->message, sizeof ctx->message,
              "system has no query '%s' (nonce, validators, validator_changes, params, brokers)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

const accord_module_t accord_module_system = { .name = "system", .check = s_check, .execute = s_execute, .query = s_query };
