#include "server.h"
#include "deliver.h"
#include "follow.h"
#include "protocol.h"
#include "publish.h"
#include "accord/service.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/verifier.h"
#include "accord/wire.h"
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ROUTING_MAX   255             //  bytes of a ZeroMQ routing id
#define S_SESSION_MAX   (2 * S_ROUTING_MAX + 1)
#define S_SWEEP_MS      1000            //  idle sessions, relays past their time
#define S_SEP           "\x1f"          //  between the parts of a cache key

typedef struct {
    char id [S_SESSION_MAX];            //  the routing id in hex
    zframe_t *routing;
    uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE];
    int has_challenge;
    char did [ACCORD_DID_MAX];          //  "" until AUTH
    int64_t last_ms;
    size_t publishing;                  //  publishes waiting for the chain
    size_t relaying;                    //  topic transactions waiting for their commit
    int gone;                           //  a send found the client gone
} session_t;

//  A TOPIC_CREATE / TOPIC_UPDATE waiting for its commit.
typedef struct {
    char session [S_SESSION_MAX];
    accord_request_head_t head;
    uint64_t expiry;
    int64_t deadline_ms;
} relay_t;

//  A topic.may answer kept for a while.
typedef struct {
    int code;
    char reason [256];
    int64_t until_ms;
} may_t;

typedef struct {
    zsock_t *pipe;
    accord_node_config_t config;
    accord_genesis_t genesis;
    zsock_t *router;
    zloop_t *loop;
    accord_client_t *node;
    eventbus_follow_t *follow;
    eventbus_publish_t *publish;
    eventbus_deliver_t *deliver;
    zhashx_t *sessions;                 //  id -> session_t
    zhashx_t *relays;                   //  tx hash -> relay_t
    zhashx_t *may;                      //  action S_SEP topic S_SEP did -> may_t
    int topics_listed;
    int64_t next_sweep_ms;
    int pump_armed;                     //  a timer will let delivery go on
} server_t;

//  --------------------------------------------------------------------------
//  Sending

//  Sends msg (taken) to routing without waiting. 0, or -1 when the client's queue is full,
//  or -2 when it is gone (ZMQ_ROUTER_MANDATORY says so).
static int
s_send_to (server_t *self, zframe_t *routing, zmsg_t **msg_p)
{
    zmsg_t *msg = *msg_p;
    *msg_p = NULL;
    zframe_t *frame = zframe_dup (routing);
    int rc = zframe_send (&frame, self->router, ZFRAME_MORE | ZFRAME_DONTWAIT);
    if (rc)
        rc = zmq_errno () == EHOSTUNREACH ? -2 : -1;
    zframe_destroy (&frame);
    //  Once the first part is taken, ZeroMQ takes the whole message.
    while (rc == 0 && (frame = zmsg_pop (msg))) {
        rc = zframe_send (&frame, self->router, (zmsg_size (msg) ? ZFRAME_MORE : 0) | ZFRAME_DONTWAIT);
        zframe_destroy (&frame);
    }
    zmsg_destroy (&msg);
    return rc;
}

static void
s_reply (server_t *self, zframe_t *routing, session_t *session, zmsg_t *reply)
{
    if (s_send_to (self, routing, &reply) == -2 && session)
        session->gone = 1;
}

static void
s_reply_json (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
              json_object *json)
{
    s_reply (self, routing, session, accord_wire_reply_ok (head, json));
}

static void
s_reply_err (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
             int code, const char *message)
{
    s_reply (self, routing, session, accord_wire_reply_err (head, code, message));
}

//  --------------------------------------------------------------------------
//  The node

//  QUERY module.method args (borrowed): ACCORD_OK with *result, or a code with err.
static int
s_query (server_t *self, const char *module, const char *method, json_object *args, json_object **result,
         char *err, size_t err_size)
{
    *result = NULL;
    int rc = accord_verifier_client_query (self->node, module, method, args, result, err, err_size);
    if (rc == ACCORD_E_TIMEOUT || rc == ACCORD_E_UNAVAILABLE)
        snprintf (err, err_size, "the chain node does not answer: %s", accord_client_errstr (self->node));
    return rc == ACCORD_E_TIMEOUT ? ACCORD_E_UNAVAILABLE : rc;
}

//  topic.may {name, did, action}: ACCORD_OK when allowed, else unauthorized or not_found
//  with the reason, or unavailable. Answers are kept EVENTBUS_MAY_CACHE_MS.
static int
s_may (server_t *self, const char *topic, const char *did, const char *action, char *err, size_t err_size)
{
    char key [ACCORD_TOPIC_NAME_MAX + ACCORD_DID_MAX + 32];
    snprintf (key, sizeof key, "%s" S_SEP "%s" S_SEP "%s", action, topic, did);
    int64_t now = zclock_mono ();
    may_t *may = zhashx_lookup (self->may, key);
    if (may && may->until_ms > now) {
        snprintf (err, err_size, "%s", may->reason);
        return may->code;
    }
    json_object *args = json_object_new_object (), *result = NULL;
    json_object_object_add (args, "name", json_object_new_string (topic));
    json_object_object_add (args, "did", json_object_new_string (did));
    json_object_object_add (args, "action", json_object_new_string (action));
    int rc = s_query (self, "topic", "may", args, &result, err, err_size);
    json_object_put (args);
    if (rc == ACCORD_OK && !json_object_get_boolean (json_object_object_get (result, "allowed"))) {
        const char *reason = accord_json_get_string (result, "reason");
        snprintf (err, err_size, "%s may not %s on %s: %s", did, action, topic, reason ? reason : "not allowed");
        rc = ACCORD_E_UNAUTHORIZED;
    }
    else if (rc == ACCORD_E_NOT_FOUND || rc == ACCORD_E_INVALID_ARGUMENT) {
        snprintf (err, err_size, "no topic %s", topic);
        rc = ACCORD_E_NOT_FOUND;
    }
    json_object_put (result);
    if (rc == ACCORD_OK || rc == ACCORD_E_UNAUTHORIZED || rc == ACCORD_E_NOT_FOUND) {
        if (zhashx_size (self->may) >= EVENTBUS_MAY_CACHE_MAX)
            zhashx_purge (self->may);
        may = calloc (1, sizeof *may);
        if (may) {
            may->code = rc;
            snprintf (may->reason, sizeof may->reason, "%s", rc == ACCORD_OK ? "" : err);
            may->until_ms = now + EVENTBUS_MAY_CACHE_MS;
            zhashx_update (self->may, key, may);
        }
    }
    return rc;
}

//  Tells deliver about every topic on chain, once the node answers.
static void
s_list_topics (server_t *self)
{
    char after [ACCORD_TOPIC_NAME_MAX + 1] = "", err [256];
    for (;;) {
        json_object *args = json_object_new_object (), *result = NULL;
        if (*after)
            json_object_object_add (args, "after", json_object_new_string (after));
        int rc = s_query (self, "topic", "list", args, &result, err, sizeof err);
        json_object_put (args);
        if (rc != ACCORD_OK)
            return;     //  tried again at the next sweep
        json_object *topics = accord_json_get_array (result, "topics");
        for (size_t i = 0; topics && i < json_object_array_length (topics); i++) {
            const char *name = accord_json_get_string (json_object_array_get_idx (topics, i), "name");
            if (name)
                eventbus_deliver_topic_added (self->deliver, name);
        }
        const char *next = accord_json_get_string (result, "next");
        int more = next && strlen (next) <= ACCORD_TOPIC_NAME_MAX;
        if (more)
            strcpy (after, next);
        json_object_put (result);
        if (!more)
            break;
    }
    self->topics_listed = 1;
}

//  --------------------------------------------------------------------------
//  Hooks of the follower, publish and deliver

static int
s_follow_wants (void *ctx, const char *hash)
{
    server_t *self = ctx;
    return zhashx_lookup (self->relays, hash) || eventbus_publish_wants (self->publish, hash);
}

static void
s_follow_receipt (void *ctx, const char *module, const char *method, json_object *receipt)
{
    server_t *self = ctx;
    if (streq (module, "event") && streq (method, "publish")) {
        eventbus_publish_receipt (self->publish, receipt);
        return;
    }
    const char *hash = accord_json_get_string (receipt, "tx");
    relay_t *relay = hash ? zhashx_lookup (self->relays, hash) : NULL;
    if (!relay)
        return;
    session_t *session = zhashx_lookup (self->sessions, relay->session);
    const char *status = accord_json_get_string (receipt, "status");
    if (session && status && streq (status, "ok"))
        s_reply_json (self, session->routing, session, &relay->head, receipt);
    else if (session) {
        const char *message = accord_json_get_string (receipt, "message");
        s_reply_err (self, session->routing, session, &relay->head, status ? accord_err_from_name (status) : ACCORD_E_INTERNAL,
                     message ? message : "");
    }
    if (session && session->relaying)
        session->relaying--;
    zhashx_delete (self->relays, hash);
}

static void
s_follow_event (void *ctx, const char *topic, const char *publisher, const char *id, const char *event_id)
{
    eventbus_publish_committed (((server_t *) ctx)->publish, topic, publisher, id, event_id);
}

static void
s_follow_topic (void *ctx, const char *topic, int created)
{
    server_t *self = ctx;
    zhashx_purge (self->may);       //  who may publish or read may have changed
    if (created)
        eventbus_deliver_topic_added (self->deliver, topic);
    else
        eventbus_deliver_topic_updated (self->deliver, topic);
}

static void
s_follow_indexed (void *ctx, const char *topic)
{
    server_t *self = ctx;
    if (!self->deliver)
        return;     //  starting: nobody reads yet
    if (topic)
        eventbus_deliver_advanced (self->deliver, topic);
    else
        eventbus_deliver_reread (self->deliver);
}

static void
s_publish_answer (void *ctx, const char *session_id, const accord_request_head_t *head, int code,
                  const char *message, const char *reply)
{
    server_t *self = ctx;
    session_t *session = zhashx_lookup (self->sessions, session_id);
    if (!session)
        return;     //  the client is gone: the event is on chain (or not) all the same
    if (session->publishing)
        session->publishing--;
    if (code == ACCORD_OK)
        s_reply (self, session->routing, session, accord_wire_reply_ok_text (head, reply, strlen (reply)));
    else
        s_reply_err (self, session->routing, session, head, code, message);
}

static uint64_t
s_publish_height (void *ctx)
{
    return eventbus_follow_height (((server_t *) ctx)->follow);
}

static uint64_t
s_publish_node_height (void *ctx)
{
    return eventbus_follow_node_height (((server_t *) ctx)->follow);
}

static redisContext *
s_publish_redis (void *ctx)
{
    return eventbus_follow_redis (((server_t *) ctx)->follow);
}

static int
s_deliver_send (void *ctx, const char *session_id, zmsg_t **msg_p)
{
    server_t *self = ctx;
    session_t *session = zhashx_lookup (self->sessions, session_id);
    if (!session || session->gone) {
        zmsg_destroy (msg_p);
        return -1;
    }
    int rc = s_send_to (self, session->routing, msg_p);
    if (rc == -2)
        session->gone = 1;
    return rc ? -1 : 0;
}

static int
s_deliver_may (void *ctx, const char *topic, const char *did, char *err, size_t err_size)
{
    int rc = s_may ((server_t *) ctx, topic, did, "subscribe", err, err_size);
    return rc == ACCORD_OK ? 1 : rc == ACCORD_E_UNAUTHORIZED || rc == ACCORD_E_NOT_FOUND ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  Commands

static session_t *
s_session_new (server_t *self, zframe_t *routing, const char *id)
{
    session_t *session = calloc (1, sizeof *session);
    if (!session)
        return NULL;
    snprintf (session->id, sizeof session->id, "%s", id);
    session->routing = zframe_dup (routing);
    session->last_ms = zclock_mono ();     //  idle from now: the sweep must not take it before AUTH
    zhashx_insert (self->sessions, id, session);
    return session;
}

static void
s_session_end (server_t *self, session_t *session)
{
    eventbus_deliver_session_closed (self->deliver, session->id);
    zhashx_delete (self->sessions, session->id);
}

static json_object *
s_status (server_t *self, session_t *session)
{
    json_object *status = json_object_new_object ();
    json_object *deliver = eventbus_deliver_stats (self->deliver);
    json_object *subscriptions = NULL;
    json_object_object_get_ex (deliver, "subscriptions", &subscriptions);
    json_object_object_add (status, "service", json_object_new_string ("accord-eventbus"));
    json_object_object_add (status, "chain_id", json_object_new_string (self->genesis.chain_id));
    json_object_object_add (status, "name", json_object_new_string (self->config.name));
    if (session && *session->did)
        json_object_object_add (status, "did", json_object_new_string (session->did));
    json_object_object_add (status, "node_height", json_object_new_int64 ((int64_t) eventbus_follow_node_height (self->follow)));
    json_object_object_add (status, "height", json_object_new_int64 ((int64_t) eventbus_follow_height (self->follow)));
    json_object_object_add (status, "indexed_height", json_object_new_int64 ((int64_t) eventbus_follow_indexed (self->follow)));
    json_object_object_add (status, "rebuilds", json_object_new_int64 ((int64_t) eventbus_follow_rebuilds (self->follow)));
    json_object_object_add (status, "redis", json_object_new_boolean (eventbus_follow_redis_up (self->follow)));
    json_object_object_add (status, "node", json_object_new_boolean (eventbus_follow_node_up (self->follow)));
    json_object_object_add (status, "sessions", json_object_new_int64 ((int64_t) zhashx_size (self->sessions)));
    json_object_object_add (status, "subscriptions", subscriptions ? json_object_get (subscriptions) : json_object_new_int (0));
    json_object_object_add (status, "publish", eventbus_publish_stats (self->publish));
    json_object_object_add (status, "deliver", deliver);
    return status;
}

static void
s_hello (server_t *self, zframe_t *routing, session_t *session, const char *id, const accord_request_head_t *head)
{
    if (!session && zhashx_size (self->sessions) >= EVENTBUS_SESSIONS_MAX) {
        s_reply_err (self, routing, NULL, head, ACCORD_E_OVERLOADED, "the broker has as many sessions as it takes; retry later");
        return;
    }
    if (!session)
        session = s_session_new (self, routing, id);
    if (!session || accord_random (session->challenge, sizeof session->challenge)) {
        s_reply_err (self, routing, session, head, ACCORD_E_INTERNAL, "cannot make a challenge");
        return;
    }
    session->has_challenge = 1;
    char *challenge = accord_base64url_encode (session->challenge, sizeof session->challenge);
    json_object *reply = json_object_new_object ();
    json_object_object_add (reply, "challenge", json_object_new_string (challenge ? challenge : ""));
    json_object_object_add (reply, "chain_id", json_object_new_string (self->genesis.chain_id));
    json_object_object_add (reply, "broker", json_object_new_string (self->config.name));
    json_object_object_add (reply, "session_idle_ms", json_object_new_int64 (self->config.eventbus_session_idle_ms));
    s_reply_json (self, routing, session, head, reply);
    json_object_put (reply);
    free (challenge);
}

//  AUTH: a signature over the session's challenge by a key of the DID's authentication.
//  ACCORD_OK, or a code with err.
static int
s_auth_check (server_t *self, const uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE], const char *did,
              const uint8_t sig [ACCORD_SIG_SIZE], char *err, size_t err_size)
{
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    if (accord_did_parse (did, self->genesis.chain_id, address)) {
        snprintf (err, err_size, "%.160s is not a did:accord DID of chain %s", did, self->genesis.chain_id);
        return ACCORD_E_UNAUTHORIZED;
    }
    json_object *args = json_object_new_object (), *result = NULL;
    json_object_object_add (args, "did", json_object_new_string (did));
    int rc = s_query (self, "did", "resolve", args, &result, err, err_size);
    json_object_put (args);
    if (rc != ACCORD_OK)
        return rc == ACCORD_E_UNAVAILABLE ? rc : ACCORD_E_UNAUTHORIZED;
    json_object *document = accord_json_get_object (result, "didDocument");
    json_object *meta = accord_json_get_object (result, "didDocumentMetadata");
    json_object *methods = accord_json_get_array (document, "verificationMethod");
    rc = ACCORD_E_UNAUTHORIZED;
    if (!document)
        snprintf (err, err_size, "%.160s is not registered", did);
    else if (json_object_get_boolean (json_object_object_get (meta, "deactivated")))
        snprintf (err, err_size, "%.160s is deactivated", did);
    else {
        uint8_t digest [ACCORD_HASH_SIZE];
        accord_eventbus_auth_digest (digest, self->genesis.chain_id, self->config.name, challenge, did);
        for (size_t i = 0; methods && i < json_object_array_length (methods) && rc != ACCORD_OK; i++) {
            uint8_t key [ACCORD_PUBKEY_SIZE];
            if (accord_did_method_key (json_object_array_get_idx (methods, i), key, NULL, 0) == 0
            &&  accord_did_key_has_purpose (document, "authentication", key, NULL)
            &&  accord_sig_verify (key, sizeof key, sig, digest) == 0)
                rc = ACCORD_OK;
        }
        if (rc != ACCORD_OK)
            snprintf (err, err_size, "the signature is not by an authentication key of %.160s over this session's challenge",
                      did);
    }
    json_object_put (result);
    return rc;
}

static void
s_auth (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
        eventbus_request_t *request)
{
    char err [512];
    if (!session || !session->has_challenge) {
        s_reply_err (self, routing, session, head, ACCORD_E_UNAUTHORIZED, "no challenge: send HELLO first");
        return;
    }
    session->has_challenge = 0;     //  good for one AUTH
    int rc = s_auth_check (self, session->challenge, request->did, request->sig, err, sizeof err);
    if (rc != ACCORD_OK) {
        s_reply_err (self, routing, session, head, rc, err);
        return;
    }
    if (*session->did && !streq (session->did, request->did))
        eventbus_deliver_session_closed (self->deliver, session->id);       //  another DID: its subscriptions end
    snprintf (session->did, sizeof session->did, "%s", request->did);
    json_object *reply = json_object_new_object ();
    json_object_object_add (reply, "did", json_object_new_string (session->did));
    json_object_object_add (reply, "session", json_object_new_string (session->id));
    s_reply_json (self, routing, session, head, reply);
    json_object_put (reply);
}

static void
s_topic_query (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
               eventbus_request_t *request)
{
    json_object *args = json_object_new_object (), *result = NULL;
    const char *method = request->command == EVENTBUS_TOPIC_INFO ? "get" : "list";
    if (request->name)
        json_object_object_add (args, "name", json_object_new_string (request->name));
    if (request->prefix)
        json_object_object_add (args, "prefix", json_object_new_string (request->prefix));
    if (request->owner)
        json_object_object_add (args, "owner", json_object_new_string (request->owner));
    if (request->after)
        json_object_object_add (args, "after", json_object_new_string (request->after));
    if (request->limit)
        json_object_object_add (args, "limit", json_object_new_int64 (request->limit));
    char err [512];
    int rc = s_query (self, "topic", method, args, &result, err, sizeof err);
    json_object_put (args);
    if (rc == ACCORD_OK)
        s_reply_json (self, routing, session, head, result);
    else
        s_reply_err (self, routing, session, head, rc, err);
    json_object_put (result);
}

//  TOPIC_CREATE / TOPIC_UPDATE: the owner's signed transaction, submitted to the node and
//  answered with its receipt when the follower sees it commit.
static void
s_topic_relay (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
               eventbus_request_t *request)
{
    char hash [2 * ACCORD_HASH_SIZE + 1], err [512];
    accord_hex_encode (hash, sizeof hash, request->tx_hash, ACCORD_HASH_SIZE);
    if (!streq (request->tx_chain_id, self->genesis.chain_id)) {
        snprintf (err, sizeof err, "the transaction is for chain %s, not %s", request->tx_chain_id, self->genesis.chain_id);
        s_reply_err (self, routing, session, head, ACCORD_E_WRONG_CHAIN, err);
        return;
    }
    if (zhashx_lookup (self->relays, hash)) {
        s_reply_err (self, routing, session, head, ACCORD_E_DUPLICATE, "this transaction is waiting for its commit already");
        return;
    }
    if (zhashx_size (self->relays) >= EVENTBUS_RELAYS_MAX) {
        s_reply_err (self, routing, session, head, ACCORD_E_OVERLOADED, "too many topic transactions waiting; retry later");
        return;
    }
    zmsg_t *body = zmsg_new ();
    zmsg_append (body, &request->tx);
    int rc = accord_client_call (self->node, "SUBMIT", &body, NULL);
    if (rc != ACCORD_OK && rc != ACCORD_E_DUPLICATE) {
        s_reply_err (self, routing, session, head, rc == ACCORD_E_TIMEOUT ? ACCORD_E_UNAVAILABLE : rc,
                     accord_client_errstr (self->node));
        return;
    }
    relay_t *relay = calloc (1, sizeof *relay);
    if (!relay) {
        s_reply_err (self, routing, session, head, ACCORD_E_INTERNAL, "out of memory");
        return;
    }
    snprintf (relay->session, sizeof relay->session, "%s", session->id);
    relay->head = *head;
    relay->expiry = request->tx_expiry;
    relay->deadline_ms = zclock_mono () + EVENTBUS_RELAY_WAIT_MS;
    zhashx_insert (self->relays, hash, relay);
    session->relaying++;
}

static void
s_publish (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
           eventbus_request_t *request)
{
    char err [512];
    if (session->publishing >= EVENTBUS_SESSION_PUBLISH_MAX) {
        snprintf (err, sizeof err, "this session has %d publishes waiting for the chain; retry later",
                  EVENTBUS_SESSION_PUBLISH_MAX);
        s_reply_err (self, routing, session, head, ACCORD_E_OVERLOADED, err);
        return;
    }
    int rc = s_may (self, request->topic, session->did, "publish", err, sizeof err);
    char *reply = NULL;
    if (rc == ACCORD_OK)
        rc = eventbus_publish_add (self->publish, session->id, head, session->did, request, &reply, err, sizeof err);
    if (rc != ACCORD_OK)
        s_reply_err (self, routing, session, head, rc, err);
    else if (reply)
        s_reply (self, routing, session, accord_wire_reply_ok_text (head, reply, strlen (reply)));
    else
        session->publishing++;
    free (reply);
}

static void
s_subscriptions (server_t *self, zframe_t *routing, session_t *session, const accord_request_head_t *head,
                 eventbus_request_t *request)
{
    char err [512] = "";
    json_object *reply = NULL;
    uint32_t outstanding = 0;
    size_t count = 0;
    int rc = ACCORD_OK;
    switch (request->command) {
    case EVENTBUS_SUBSCRIBE:
        rc = eventbus_deliver_subscribe (self->deliver, session->id, session->did, &request->subscribe, &reply,
                                         err, sizeof err);
        break;
    case EVENTBUS_CREDIT:
        rc = eventbus_deliver_credit (self->deliver, session->id, request->sub, request->credit, &outstanding,
                                      err, sizeof err);
        if (rc == ACCORD_OK) {
            reply = json_object_new_object ();
            json_object_object_add (reply, "credit", json_object_new_int64 (outstanding));
        }
        break;
    case EVENTBUS_ACK:
    case EVENTBUS_NACK:
        rc = eventbus_deliver_ack (self->deliver, session->id, request->sub, request->command == EVENTBUS_NACK,
                                   request->events, request->event_count, &count, err, sizeof err);
        if (rc == ACCORD_OK) {
            reply = json_object_new_object ();
            json_object_object_add (reply, "count", json_object_new_int64 ((int64_t) count));
        }
        break;
    default:
        rc = eventbus_deliver_unsubscribe (self->deliver, session->id, request->sub, err, sizeof err);
        if (rc == ACCORD_OK)
            reply = json_object_new_object ();
        break;
    }
    if (rc == ACCORD_OK)
        s_reply_json (self, routing, session, head, reply);
    else
        s_reply_err (self, routing, session, head, rc, err);
    json_object_put (reply);
}

//  One request from routing: head and body frames (body taken).
static void
s_handle (server_t *self, zframe_t *routing, const accord_request_head_t *head, zmsg_t **body_p)
{
    char id [S_SESSION_MAX], err [512];
    accord_hex_encode (id, sizeof id, zframe_data (routing), zframe_size (routing));
    session_t *session = zhashx_lookup (self->sessions, id);
    if (session) {
        session->last_ms = zclock_mono ();
        session->gone = 0;
    }
    eventbus_request_t request;
    int rc = eventbus_request_decode (&request, head->command, body_p, err, sizeof err);
    if (rc != ACCORD_OK) {
        s_reply_err (self, routing, session, head, rc, err);
        return;
    }
    int open = request.command == EVENTBUS_HELLO || request.command == EVENTBUS_AUTH
            || request.command == EVENTBUS_PING || request.command == EVENTBUS_STATUS;
    if (!open && (!session || !*session->did))
        s_reply_err (self, routing, session, head, ACCORD_E_UNAUTHORIZED, session
                     ? "authenticate first (HELLO, AUTH)"
                     : "no session: authenticate first (HELLO, AUTH); a session ends when the client sends "
                       "nothing for eventbus_session_idle_ms");
    else switch (request.command) {
    case EVENTBUS_HELLO:
        s_hello (self, routing, session, id, head);
        break;
    case EVENTBUS_AUTH:
        s_auth (self, routing, session, head, &request);
        break;
    case EVENTBUS_PING: {
        //  Whether this connection still has its authenticated session: a client that only
        //  PINGs learns here that the broker forgot it
        json_object *pong = json_object_new_object ();
        json_object_object_add (pong, "session", json_object_new_boolean (session && *session->did));
        s_reply_json (self, routing, session, head, pong);
        json_object_put (pong);
        break;
    }
    case EVENTBUS_STATUS: {
        json_object *status = s_status (self, session);
        s_reply_json (self, routing, session, head, status);
        json_object_put (status);
        break;
    }
    case EVENTBUS_TOPIC_INFO:
    case EVENTBUS_TOPIC_LIST:
        s_topic_query (self, routing, session, head, &request);
        break;
    case EVENTBUS_TOPIC_CREATE:
    case EVENTBUS_TOPIC_UPDATE:
        s_topic_relay (self, routing, session, head, &request);
        break;
    case EVENTBUS_PUBLISH:
        s_publish (self, routing, session, head, &request);
        break;
    default:
        s_subscriptions (self, routing, session, head, &request);
        break;
    }
    eventbus_request_reset (&request);
}

static int s_on_pump (zloop_t *loop, int timer_id, void *arg);

//  Delivery left work undone (its slice was spent): it goes on right after the loop's turn.
static void
s_pump_later (server_t *self)
{
    if (!self->pump_armed && eventbus_deliver_unfinished (self->deliver))
        self->pump_armed = zloop_timer (self->loop, 1, 1, s_on_pump, self) >= 0;
}

static int
s_on_pump (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    server_t *self = arg;
    self->pump_armed = 0;
    eventbus_deliver_advanced (self->deliver, NULL);
    s_pump_later (self);
    return 0;
}

static int
s_on_request (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    server_t *self = arg;
    //  A bounded number per wake, so the follower and the timers get their turn.
    for (int taken = 0; taken < 1000 && (zsock_events (reader) & ZMQ_POLLIN); taken++) {
        zmsg_t *msg = zmsg_recv (reader);
        if (!msg)
            break;
        zframe_t *routing = zmsg_pop (msg);
        accord_request_head_t head;
        char err [256];
        int rc = routing && zframe_size (routing) <= S_ROUTING_MAX
               ? accord_wire_parse_request (msg, &head, err, sizeof err) : ACCORD_E_MALFORMED;
        if (routing && zframe_size (routing) <= S_ROUTING_MAX) {
            if (rc == ACCORD_OK)
                s_handle (self, routing, &head, &msg);
            else
                s_reply_err (self, routing, NULL, &head, rc, err);
        }
        zmsg_destroy (&msg);
        zframe_destroy (&routing);
    }
    s_pump_later (self);
    return 0;
}

static int
s_on_block (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    eventbus_follow_drain (((server_t *) arg)->follow);
    s_pump_later (arg);
    return 0;
}

static int
s_on_follow (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    server_t *self = arg;
    eventbus_follow_step (self->follow);
    if (!self->topics_listed && eventbus_follow_node_up (self->follow))
        s_list_topics (self);
    return 0;
}

//  Sessions idle too long or gone; relays past their expiry or their time. A session that
//  waits for the chain (publishes, topic transactions) is not idle: it is owed answers.
static void
s_sweep (server_t *self)
{
    int64_t now = zclock_mono ();
    zlistx_t *ids = zhashx_keys (self->sessions);
    for (const char *id = zlistx_first (ids); id; id = zlistx_next (ids)) {
        session_t *session = zhashx_lookup (self->sessions, id);
        int idle = session && !session->publishing && !session->relaying
                && now - session->last_ms > (int64_t) self->config.eventbus_session_idle_ms;
        if (session && (session->gone || idle))
            s_session_end (self, session);
    }
    zlistx_destroy (&ids);
    uint64_t height = eventbus_follow_height (self->follow);
    zlistx_t *hashes = zhashx_keys (self->relays);
    for (const char *hash = zlistx_first (hashes); hash; hash = zlistx_next (hashes)) {
        relay_t *relay = zhashx_lookup (self->relays, hash);
        int expired = height > relay->expiry, late = now > relay->deadline_ms;
        if (!expired && !late)
            continue;
        session_t *session = zhashx_lookup (self->sessions, relay->session);
        if (session)
            s_reply_err (self, session->routing, session, &relay->head, expired ? ACCORD_E_EXPIRED : ACCORD_E_TIMEOUT,
                         expired ? "the transaction did not commit by its expiry height"
                                 : "the transaction did not commit in time; it may still");
        if (session && session->relaying)
            session->relaying--;
        zhashx_delete (self->relays, hash);
    }
    zlistx_destroy (&hashes);
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    server_t *self = arg;
    eventbus_deliver_tick (self->deliver);
    s_pump_later (self);
    eventbus_publish_tick (self->publish);
    if (zclock_mono () >= self->next_sweep_ms) {
        s_sweep (self);
        self->next_sweep_ms = zclock_mono () + S_SWEEP_MS;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Start and stop

static void
s_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_session_free (void **item_p)
{
    session_t *session = *item_p;
    zframe_destroy (&session->routing);
    free (session);
    *item_p = NULL;
}

static int
s_start (server_t *self, const char *config_path)
{
    char err [512];
    if (accord_node_config_load (&self->config, config_path, err, sizeof err))
        return accord_service_fail (self->pipe, "%s", err);
    if (accord_genesis_load (&self->genesis, self->config.genesis, err, sizeof err))
        return accord_service_fail (self->pipe, "%s", err);
    accord_key_t *key = accord_key_load (self->config.broker_key);
    if (!key)
        return accord_service_fail (self->pipe, "cannot load the broker key %s (a secp256k1 key in hex, see broker_key)",
                                    self->config.broker_key);
    self->node = accord_client_new (self->config.rpc_endpoint, EVENTBUS_NODE_TIMEOUT_MS);
    self->loop = zloop_new ();
    self->sessions = zhashx_new ();
    self->relays = zhashx_new ();
    self->may = zhashx_new ();
    if (!self->node || !self->loop || !self->sessions || !self->relays || !self->may) {
        accord_key_destroy (&key);
        return accord_service_fail (self->pipe, "cannot connect to the node's RPC endpoint %s", self->config.rpc_endpoint);
    }
    zhashx_set_destructor (self->sessions, s_session_free);
    zhashx_set_destructor (self->relays, s_free);
    zhashx_set_destructor (self->may, s_free);
    eventbus_follow_hooks_t follow_hooks = { .wants = s_follow_wants, .receipt = s_follow_receipt,
                                             .event = s_follow_event, .topic = s_follow_topic,
                                             .indexed = s_follow_indexed, .ctx = self };
    self->follow = eventbus_follow_new (self->config.pub_endpoint, self->node, self->genesis.chain_id,
                                        self->config.redis_endpoint, &follow_hooks);
    if (!self->follow) {
        accord_key_destroy (&key);
        return accord_service_fail (self->pipe, "cannot follow the node's PUB endpoint %s (or redis_endpoint is not tcp://HOST:PORT)",
                                    self->config.pub_endpoint);
    }
    eventbus_publish_hooks_t publish_hooks = { .answer = s_publish_answer, .height = s_publish_height,
                                               .node_height = s_publish_node_height, .redis = s_publish_redis,
                                               .ctx = self };
    self->publish = eventbus_publish_new (self->loop, self->node, &key, self->genesis.chain_id, &publish_hooks);
    eventbus_deliver_hooks_t deliver_hooks = { .send = s_deliver_send, .may_subscribe = s_deliver_may, .ctx = self };
    self->deliver = eventbus_deliver_new (self->config.redis_endpoint, self->genesis.chain_id, &deliver_hooks);
    accord_key_destroy (&key);
    if (!self->publish || !self->deliver)
        return accord_service_fail (self->pipe, "cannot start publishing or delivery (%s)", self->config.redis_endpoint);
    self->router = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (self->router, 1);
    zsock_set_rcvhwm (self->router, 100000);
    zsock_set_sndhwm (self->router, 100000);
    zsock_set_maxmsgsize (self->router, EVENTBUS_FRAME_MAX);
    if (zsock_bind (self->router, "%s", self->config.eventbus_bind) < 0)
        return accord_service_fail (self->pipe, "cannot bind %s", self->config.eventbus_bind);
    zloop_reader (self->loop, self->pipe, accord_service_on_pipe, NULL);
    zloop_reader (self->loop, self->router, s_on_request, self);
    zloop_reader (self->loop, eventbus_follow_socket (self->follow), s_on_block, self);
    zloop_timer (self->loop, EVENTBUS_FOLLOW_STEP_MS, 0, s_on_follow, self);
    zloop_timer (self->loop, EVENTBUS_TICK_MS, 0, s_on_tick, self);
    //  Start following now when the node answers; otherwise the steps try again.
    s_on_follow (self->loop, 0, self);
    zsys_info ("%s: chain %s, eventbus %s, node rpc %s pub %s (%s, height %" PRIu64 "), redis %s (%s, indexed %" PRIu64 ")",
               self->config.name, self->genesis.chain_id, self->config.eventbus_bind, self->config.rpc_endpoint,
               self->config.pub_endpoint, eventbus_follow_node_up (self->follow) ? "up" : "not answering",
               eventbus_follow_node_height (self->follow), self->config.redis_endpoint,
               eventbus_follow_redis_up (self->follow) ? "up" : "down", eventbus_follow_indexed (self->follow));
    zstr_sendx (self->pipe, "READY", NULL);
    return 0;
}

static void
s_stop (server_t *self)
{
    zsock_destroy (&self->router);
    eventbus_deliver_destroy (&self->deliver);
    eventbus_publish_destroy (&self->publish);
    eventbus_follow_destroy (&self->follow);
    zloop_destroy (&self->loop);
    zhashx_destroy (&self->sessions);
    zhashx_destroy (&self->relays);
    zhashx_destroy (&self->may);
    accord_client_destroy (&self->node);
}

void
eventbus_server_actor (zsock_t *pipe, void *config_path)
{
    server_t *self = calloc (1, sizeof *self);
    self->pipe = pipe;
    zsock_signal (pipe, 0);
    if (s_start (self, config_path) == 0)
        zloop_start (self->loop);
    s_stop (self);
    free (self);
}
