/*  topic: the event bus's topics (accord/event.h for names), each owned by a DID, the DID the
    transaction acts as (accord_did_actor: "did", or the DID of the signing key).
      create {did?, name, publishers?, subscribers?, retention?, description?}
        conflict when the topic exists; names beginning with '$' are reserved for system topics
      update {did?, name, publishers?, subscribers?, retention?, description?, owner?}
        by the owner only; what is given replaces what was; "owner" hands the topic to another
        registered, active DID
    publishers / subscribers: up to TOPIC_RULES_MAX distinct entries, each a did:accord DID of
    this chain, "type:T" (a recognized issuer of type T in the issuer registry) or "*" (anyone
    with an active DID); both default to [owner]. Nobody is allowed implicitly, the owner
    included: publishers [] closes a topic to new events. Topics are never deleted.
    retention: {max_events?, max_age_s?}, what each broker's index keeps ({} for everything).
      query get {name}                      the record
      query list {prefix?, owner?, after?, limit?}
                                            {topics: [record], next?}: names in byte order from
                                            the first above "after", at most limit (default and
                                            maximum TOPIC_LIST_MAX); "next" is the cursor to go on
      query may {name, did, action: "publish" | "subscribe"}
                                            {allowed, reason} (accord_topic_may)
    State: topic/<name> = {name, owner, publishers, subscribers, retention, description,
    created_height, height, timestamp_ms} (height and time of the last change).
    Logs: topic created {name, owner}, topic updated {name, owner}. */
#include "module.h"
#include "accord/event.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC_RULES_MAX        64
#define TOPIC_DESCRIPTION_MAX  1024
#define TOPIC_LIST_MAX         1000
#define TOPIC_LIST_SCAN        10000       //  records one list query reads at most
#define TOPIC_EVENTS_MAX       ((int64_t) 1 << 40)
#define TOPIC_AGE_MAX          ((int64_t) 100 * 366 * 24 * 3600)
#define TOPIC_PREFIX           "topic/"
#define TOPIC_KEY_MAX          (sizeof TOPIC_PREFIX + ACCORD_TOPIC_NAME_MAX)

static const char *s_fields [] = { "did", "name", "publishers", "subscribers", "retention", "description", "owner", NULL };

static int
s_rule_ok (const char *rule)
{
    if (!rule)
        return 0;
    if (strcmp (rule, "*") == 0)
        return 1;
    if (strncmp (rule, "type:", 5) == 0)
        return accord_issuer_type_ok (rule + 5);
    return strncmp (rule, "did:accord:", 11) == 0 && strlen (rule) < ACCORD_DID_MAX;
}

static int
s_check_rules (json_object *args, const char *field, char *message, size_t size)
{
    json_object *rules = NULL;
    if (!json_object_object_get_ex (args, field, &rules))
        return ACCORD_OK;
    if (!json_object_is_type (rules, json_type_array) || json_object_array_length (rules) > TOPIC_RULES_MAX) {
        snprintf (message, size, "'%s' must be an array of at most %d entries", field, TOPIC_RULES_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < json_object_array_length (rules); i++) {
        json_object *item = json_object_array_get_idx (rules, i);
        const char *rule = json_object_is_type (item, json_type_string) ? json_object_get_string (item) : NULL;
        if (!s_rule_ok (rule)) {
            snprintf (message, size, "'%s' entry %zu must be a did:accord DID, \"type:T\" (an issuer type) or \"*\"", field, i);
            return ACCORD_E_INVALID_ARGUMENT;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp (json_object_get_string (json_object_array_get_idx (rules, j)), rule) == 0) {
                snprintf (message, size, "'%s' lists %.160s twice", field, rule);
                return ACCORD_E_INVALID_ARGUMENT;
            }
    }
    return ACCORD_OK;
}

static int
s_check_retention (json_object *args, char *message, size_t size)
{
    json_object *retention = NULL;
    if (!json_object_object_get_ex (args, "retention", &retention))
        return ACCORD_OK;
    int64_t value;
    int ok = json_object_is_type (retention, json_type_object);
    if (ok) {
        json_object_object_foreach (retention, key, item) {
            (void) item;
            if (strcmp (key, "max_events") == 0)
                ok &= accord_json_get_int64 (retention, key, 1, TOPIC_EVENTS_MAX, &value) == 0;
            else if (strcmp (key, "max_age_s") == 0)
                ok &= accord_json_get_int64 (retention, key, 1, TOPIC_AGE_MAX, &value) == 0;
            else
                ok = 0;
        }
    }
    if (!ok) {
        snprintf (message, size, "'retention' is {max_events?: 1..2^40, max_age_s?: 1..%lld} ({} keeps everything)",
                  (long long) TOPIC_AGE_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

static int
s_check (const char *method, json_object *args, char *message, size_t size)
{
    int create = strcmp (method, "create") == 0;
    if (!create && strcmp (method, "update")) {
        snprintf (message, size, "topic has no method '%s' (create, update)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    json_object_object_foreach (args, key, value) {
        (void) value;
        int known = 0;
        for (int i = 0; s_fields [i] && !known; i++)
            known = strcmp (key, s_fields [i]) == 0 && (!create || strcmp (key, "owner"));
        if (!known) {
            snprintf (message, size, "topic.%s has no argument '%.64s'", method, key);
            return ACCORD_E_INVALID_ARGUMENT;
        }
    }
    char reason [160];
    if (accord_topic_name_check (accord_json_get_string (args, "name"), 0, reason, sizeof reason)) {
        snprintf (message, size, "'name': %s", reason);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    int rc;
    if ((rc = accord_did_actor_check (args, message, size)) || (rc = s_check_rules (args, "publishers", message, size))
    ||  (rc = s_check_rules (args, "subscribers", message, size)) || (rc = s_check_retention (args, message, size)))
        return rc;
    json_object *description = NULL;
    if (json_object_object_get_ex (args, "description", &description)
    && (!json_object_is_type (description, json_type_string) || json_object_get_string_len (description) > TOPIC_DESCRIPTION_MAX)) {
        snprintf (message, size, "'description' is a string of at most %d bytes", TOPIC_DESCRIPTION_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    json_object *owner = NULL;
    if (json_object_object_get_ex (args, "owner", &owner)
    && (!json_object_is_type (owner, json_type_string) || strncmp (json_object_get_string (owner), "did:accord:", 11)
    ||  json_object_get_string_len (owner) >= ACCORD_DID_MAX)) {
        snprintf (message, size, "'owner' must be a did:accord DID");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (!create && json_object_object_length (args) == 1 + (json_object_object_get (args, "did") != NULL)) {
        snprintf (message, size, "update needs something to change: publishers, subscribers, retention, description or owner");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    return ACCORD_OK;
}

static void
s_key (char out [TOPIC_KEY_MAX], const char *name)
{
    snprintf (out, TOPIC_KEY_MAX, TOPIC_PREFIX "%s", name);
}

json_object *
accord_topic_get (accord_state_t *state, const char *name)
{
    char reason [160], key [TOPIC_KEY_MAX];
    if (accord_topic_name_check (name, 1, reason, sizeof reason))
        return NULL;
    s_key (key, name);
    return accord_state_get_json (state, key);
}

int
accord_topic_may (accord_state_t *state, const char *chain_id, json_object *topic, const char *did,
                  const char *action, char *reason, size_t size)
{
    const char *field = !action ? NULL : strcmp (action, "publish") == 0 ? "publishers"
                      : strcmp (action, "subscribe") == 0 ? "subscribers" : NULL;
    if (!field) {
        snprintf (reason, size, "'action' must be publish or subscribe");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    int deactivated = 1;
    json_object *document = did ? accord_did_current (state, chain_id, did, &deactivated) : NULL;
    json_object_put (document);
    if (!document || deactivated) {
        snprintf (reason, size, "%.160s is not a registered, active DID", did ? did : "(no DID)");
        return ACCORD_E_UNAUTHORIZED;
    }
    json_object *rules = accord_json_get_array (topic, field);
    for (size_t i = 0; rules && i < json_object_array_length (rules); i++) {
        const char *rule = json_object_get_string (json_object_array_get_idx (rules, i));
        if (strcmp (rule, did) == 0)
            snprintf (reason, size, "listed among the %s", field);
        else if (strcmp (rule, "*") == 0)
            snprintf (reason, size, "the %s are anyone with an active DID", field);
        else if (strncmp (rule, "type:", 5) == 0 && accord_issuer_has_type (state, did, rule + 5))
            snprintf (reason, size, "a recognized issuer of type %s", rule + 5);
        else
            continue;
        return ACCORD_OK;
    }
    snprintf (reason, size, "%.160s is not among the topic's %s", did, field);
    return ACCORD_E_UNAUTHORIZED;
}

//  The DIDs of rules must be DIDs of this chain (the stateless check saw only the prefix).
static int
s_rules_on_chain (accord_exec_t *ctx, json_object *args)
{
    const char *fields [] = { "publishers", "subscribers" };
    for (int f = 0; f < 2; f++) {
        json_object *rules = accord_json_get_array (args, fields [f]);
        for (size_t i = 0; rules && i < json_object_array_length (rules); i++) {
            const char *rule = json_object_get_string (json_object_array_get_idx (rules, i));
            uint8_t address [ACCORD_DID_ADDRESS_SIZE];
            if (strncmp (rule, "did:", 4) == 0 && accord_did_parse (rule, ctx->genesis->chain_id, address)) {
                snprintf (ctx->message, sizeof ctx->message, "%s: %.160s is not a DID of chain %s", fields [f], rule,
                          ctx->genesis->chain_id);
                return ACCORD_E_INVALID_ARGUMENT;
            }
        }
    }
    return ACCORD_OK;
}

//  Copies the fields of args that a call sets into record.
static void
s_apply (json_object *record, json_object *args)
{
    const char *fields [] = { "publishers", "subscribers", "retention", "description", "owner" };
    for (size_t i = 0; i < sizeof fields / sizeof fields [0]; i++) {
        json_object *value = NULL;
        if (json_object_object_get_ex (args, fields [i], &value))
            json_object_object_add (record, fields [i], json_object_get (value));
    }
}

static json_object *
s_owner_only (const char *owner)
{
    json_object *list = json_object_new_array ();
    json_object_array_add (list, json_object_new_string (owner));
    return list;
}

static int
s_execute (accord_exec_t *ctx, const char *method, json_object *args)
{
    char actor [ACCORD_DID_MAX], key [TOPIC_KEY_MAX];
    int rc = accord_did_actor (ctx, accord_json_get_string (args, "did"), actor);
    if (rc || (rc = s_rules_on_chain (ctx, args)))
        return rc;
    const char *name = accord_json_get_string (args, "name");
    int create = strcmp (method, "create") == 0;
    s_key (key, name);
    json_object *record = accord_state_get_json (ctx->state, key);
    if (create && record) {
        snprintf (ctx->message, sizeof ctx->message, "topic %s exists already", name);
        rc = ACCORD_E_CONFLICT;
    }
    else if (!create && !record) {
        snprintf (ctx->message, sizeof ctx->message, "no topic %s", name);
        rc = ACCORD_E_NOT_FOUND;
    }
    else if (!create && strcmp (accord_json_get_string (record, "owner"), actor)) {
        snprintf (ctx->message, sizeof ctx->message, "only the owner of %s updates it (%.160s)", name,
                  accord_json_get_string (record, "owner"));
        rc = ACCORD_E_UNAUTHORIZED;
    }
    const char *new_owner = accord_json_get_string (args, "owner");
    int deactivated = 1;
    json_object *document = rc == ACCORD_OK && new_owner
                          ? accord_did_current (ctx->state, ctx->genesis->chain_id, new_owner, &deactivated) : NULL;
    json_object_put (document);
    if (rc == ACCORD_OK && new_owner && (!document || deactivated)) {
        snprintf (ctx->message, sizeof ctx->message, "the new owner %.160s must be a registered, active DID", new_owner);
        rc = ACCORD_E_INVALID_ARGUMENT;
    }
    if (rc) {
        json_object_put (record);
        return rc;
    }
    if (create) {
        record = json_object_new_object ();
        json_object_object_add (record, "name", json_object_new_string (name));
        json_object_object_add (record, "owner", json_object_new_string (actor));
        json_object_object_add (record, "publishers", s_owner_only (actor));
        json_object_object_add (record, "subscribers", s_owner_only (actor));
        json_object_object_add (record, "retention", json_object_new_object ());
        json_object_object_add (record, "description", json_object_new_string (""));
        json_object_object_add (record, "created_height", json_object_new_int64 ((int64_t) ctx->height));
    }
    s_apply (record, args);
    json_object_object_add (record, "height", json_object_new_int64 ((int64_t) ctx->height));
    json_object_object_add (record, "timestamp_ms", json_object_new_int64 ((int64_t) ctx->timestamp_ms));
    rc = accord_state_put_json (ctx->state, key, record);
    json_object *event = json_object_new_object ();
    json_object_object_add (event, "name", json_object_new_string (name));
    json_object_object_add (event, "owner", json_object_get (json_object_object_get (record, "owner")));
    accord_exec_log (ctx, "topic", create ? "created" : "updated", event);
    json_object_put (record);
    if (rc)
        snprintf (ctx->message, sizeof ctx->message, "cannot write state");
    return rc ? ACCORD_E_INTERNAL : ACCORD_OK;
}

typedef struct {
    json_object *topics;
    const char *owner;
    size_t limit;
    size_t scanned;
    char last [TOPIC_KEY_MAX];      //  key of the last record looked at
    int more;
} s_listing_t;

static int
s_list_visit (const char *key, const uint8_t *value, size_t len, void *arg)
{
    s_listing_t *self = arg;
    json_object *record = accord_json_parse ((const char *) value, len, NULL, 0);
    int match = record && (!self->owner || strcmp (accord_json_get_string (record, "owner"), self->owner) == 0);
    if (match && json_object_array_length (self->topics) == self->limit) {
        json_object_put (record);
        self->more = 1;
        return 1;
    }
    snprintf (self->last, sizeof self->last, "%s", key);
    if (match)
        json_object_array_add (self->topics, record);
    else
        json_object_put (record);
    if (++self->scanned == TOPIC_LIST_SCAN) {
        self->more = 1;
        return 1;
    }
    return 0;
}

static int
s_list (accord_query_t *ctx, json_object *args, json_object **result)
{
    const char *prefix = accord_json_get_string (args, "prefix");
    const char *after = accord_json_get_string (args, "after");
    int64_t limit = TOPIC_LIST_MAX;
    if ((json_object_object_get (args, "limit") && accord_json_get_int64 (args, "limit", 1, TOPIC_LIST_MAX, &limit))
    ||  (prefix && strlen (prefix) > ACCORD_TOPIC_NAME_MAX) || (after && strlen (after) > ACCORD_TOPIC_NAME_MAX)) {
        snprintf (ctx->message, sizeof ctx->message, "list takes 'prefix' and 'after' (topic names or their "
                  "beginnings), 'owner' (a DID) and 'limit' (1 to %d)", TOPIC_LIST_MAX);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    char scan_prefix [TOPIC_KEY_MAX], scan_after [TOPIC_KEY_MAX];
    s_key (scan_prefix, prefix ? prefix : "");
    s_key (scan_after, after ? after : "");
    s_listing_t listing = { .topics = json_object_new_array (), .owner = accord_json_get_string (args, "owner"),
                            .limit = (size_t) limit };
    accord_state_scan (ctx->state, scan_prefix, after ? scan_after : NULL, TOPIC_LIST_SCAN + 1, s_list_visit, &listing);
    *result = json_object_new_object ();
    json_object_object_add (*result, "topics", listing.topics);
    if (listing.more)
        json_object_object_add (*result, "next", json_object_new_string (listing.last + strlen (TOPIC_PREFIX)));
    return ACCORD_OK;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    if (strcmp (method, "list") == 0)
        return s_list (ctx, args, result);
    if (strcmp (method, "get") && strcmp (method, "may")) {
        snprintf (ctx->message, sizeof ctx->message, "topic has no query '%s' (get, list, may)", method);
        return ACCORD_E_UNKNOWN_METHOD;
    }
    const char *name = accord_json_get_string (args, "name");
    if (!name) {
        snprintf (ctx->message, sizeof ctx->message, "'name' (a topic name) is required");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    json_object *record = accord_topic_get (ctx->state, name);
    if (!record) {
        snprintf (ctx->message, sizeof ctx->message, "no topic %.200s", name);
        return ACCORD_E_NOT_FOUND;
    }
    if (strcmp (method, "get") == 0) {
        *result = record;
        return ACCORD_OK;
    }
    const char *did = accord_json_get_string (args, "did");
    char reason [ACCORD_MESSAGE_MAX];
    int rc = did ? accord_topic_may (ctx->state, ctx->genesis->chain_id, record, did,
                                     accord_json_get_string (args, "action"), reason, sizeof reason)
                 : ACCORD_E_INVALID_ARGUMENT;
    json_object_put (record);
    if (rc == ACCORD_E_INVALID_ARGUMENT) {
        snprintf (ctx->message, sizeof ctx->message, "may needs 'did' and 'action' (publish or subscribe)");
        return rc;
    }
    *result = json_object_new_object ();
    json_object_object_add (*result, "allowed", json_object_new_boolean (rc == ACCORD_OK));
    json_object_object_add (*result, "reason", json_object_new_string (reason));
    return ACCORD_OK;
}

const accord_module_t accord_module_topic = { .name = "topic", .check = s_check, .execute = s_execute, .query = s_query };
