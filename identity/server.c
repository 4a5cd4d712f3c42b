#include "server.h"
#include "cache.h"
#include "follow.h"
#include "request.h"
#include "source.h"
#include "accord/service.h"
#include "accord/config.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/statuslist.h"
#include "accord/wire.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    zframe_t *routing;
    accord_request_head_t head;
    zmsg_t *body;
} pending_t;

typedef struct {
    zsock_t *pipe;
    accord_node_config_t config;
    accord_genesis_t genesis;
    zsock_t *router;
    zloop_t *loop;
    accord_client_t *node;
    identity_cache_t *cache;
    identity_follow_t *follow;
    identity_source_t source;
    zlistx_t *queue;                //  pending_t, oldest first
    size_t queued_bytes;
    uint64_t node_height;
    int node_up;
    uint64_t served, refused;       //  answered after the barrier / turned away as busy
} server_t;

static void
s_send (server_t *self, zframe_t **routing_p, zmsg_t *reply)
{
    zmsg_prepend (reply, routing_p);
    zmsg_send (&reply, self->router);
    zframe_destroy (routing_p);
}

static void
s_pending_destroy (pending_t **pending_p)
{
    zframe_destroy (&(*pending_p)->routing);
    zmsg_destroy (&(*pending_p)->body);
    free (*pending_p);
    *pending_p = NULL;
}

//  --------------------------------------------------------------------------
//  Commands

static zmsg_t *
s_status (server_t *self, const accord_request_head_t *head)
{
    json_object *status = json_object_new_object ();
    json_object_object_add (status, "service", json_object_new_string ("accord-identity"));
    json_object_object_add (status, "chain_id", json_object_new_string (self->genesis.chain_id));
    json_object_object_add (status, "name", json_object_new_string (self->config.name));
    json_object_object_add (status, "height", json_object_new_int64 ((int64_t) identity_cache_height (self->cache)));
    json_object_object_add (status, "node_height", json_object_new_int64 ((int64_t) self->node_height));
    json_object_object_add (status, "node", json_object_new_boolean (self->node_up));
    json_object_object_add (status, "redis", json_object_new_boolean (identity_cache_redis_up (self->cache)));
    json_object_object_add (status, "redis_endpoint", json_object_new_string (self->config.redis_endpoint));
    json_object_object_add (status, "cache", identity_cache_stats (self->cache));
    json_object_object_add (status, "queue", json_object_new_int64 ((int64_t) zlistx_size (self->queue)));
    json_object_object_add (status, "queue_max", json_object_new_int64 (IDENTITY_QUEUE_MAX));
    json_object_object_add (status, "served", json_object_new_int64 ((int64_t) self->served));
    json_object_object_add (status, "refused", json_object_new_int64 ((int64_t) self->refused));
    zmsg_t *reply = accord_wire_reply_ok (head, status);
    json_object_put (status);
    return reply;
}

//  A record query through the source: OK with the record, or ERR with the source's code.
static zmsg_t *
s_query (server_t *self, const accord_request_head_t *head, const char *module, const char *method,
         json_object *args)
{
    json_object *result = NULL;
    char err [256] = "";
    int rc = identity_source_query (&self->source, module, method, args, &result, err, sizeof err);
    zmsg_t *reply = rc == ACCORD_OK ? accord_wire_reply_ok (head, result) : accord_wire_reply_err (head, rc, err);
    json_object_put (result);
    return reply;
}

static zmsg_t *
s_resolve (server_t *self, const accord_request_head_t *head, identity_request_t *request)
{
    if (strncmp (request->did, ACCORD_DID_KEY_PREFIX, strlen (ACCORD_DID_KEY_PREFIX)) == 0) {
        //  did:key resolves from the key it names, without the chain.
        char err [160];
        json_object *document = accord_did_key_document (request->did, err, sizeof err);
        json_object *result = json_object_new_object (), *meta = json_object_new_object ();
        if (document)
            json_object_object_add (meta, "contentType", json_object_new_string ("application/did+json"));
        else
            json_object_object_add (meta, "error", json_object_new_string ("invalidDid"));
        json_object_object_add (result, "didDocument", document ? document : json_object_new_null ());
        json_object_object_add (result, "didDocumentMetadata", json_object_new_object ());
        json_object_object_add (result, "didResolutionMetadata", meta);
        zmsg_t *reply = accord_wire_reply_ok (head, result);
        json_object_put (result);
        return reply;
    }
    return s_query (self, head, "did", "resolve", request->body);
}

static zmsg_t *
s_by_member (server_t *self, const accord_request_head_t *head, const char *module, const char *method,
             const char *key, const char *value)
{
    json_object *args = json_object_new_object ();
    if (value)
        json_object_object_add (args, key, json_object_new_string (value));
    zmsg_t *reply = s_query (self, head, module, method, args);
    json_object_put (args);
    return reply;
}

//  "valid", "revoked" or "suspended" for a bit of a list of purpose.
static const char *
s_verdict (const char *purpose, int bit)
{
    return !bit ? "valid" : streq (purpose, "suspension") ? "suspended" : "revoked";
}

//  One status bit as JSON, or an error code with a message.
static int
s_status_entry (server_t *self, const char *id, uint64_t index, json_object **out, char *err, size_t err_size)
{
    accord_status_bit_t bit;
    int rc = identity_source_status_bit (&self->source, id, index, &bit, err, err_size);
    if (rc == ACCORD_OK && bit.bit < 0) {
        snprintf (err, err_size, "index %llu is outside the list", (unsigned long long) index);
        rc = ACCORD_E_INVALID_ARGUMENT;
    }
    if (rc != ACCORD_OK)
        return rc;
    *out = json_object_new_object ();
    json_object_object_add (*out, "id", json_object_new_string (id));
    json_object_object_add (*out, "index", json_object_new_int64 ((int64_t) index));
    json_object_object_add (*out, "issuer", json_object_new_string (bit.issuer));
    json_object_object_add (*out, "purpose", json_object_new_string (bit.purpose));
    json_object_object_add (*out, "set", json_object_new_boolean (bit.bit));
    json_object_object_add (*out, "status", json_object_new_string (s_verdict (bit.purpose, bit.bit)));
    return ACCORD_OK;
}

//  CHECK_STATUS {credentialStatus}: every entry; the status is the first entry that is not
//  valid, else valid.
static int
s_check_entries (server_t *self, json_object *entries, json_object **out, char *err, size_t err_size)
{
    int single = json_object_is_type (entries, json_type_object);
    size_t count = single ? 1 : json_object_array_length (entries);
    if (count == 0 || count > 16) {
        snprintf (err, err_size, "'credentialStatus' needs 1 to 16 entries");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    json_object *results = json_object_new_array ();
    const char *verdict = "valid";
    int rc = ACCORD_OK;
    for (size_t i = 0; rc == ACCORD_OK && i < count; i++) {
        json_object *entry = single ? entries : json_object_array_get_idx (entries, i), *result = NULL;
        const char *list = accord_json_get_string (entry, "statusListCredential");
        const char *index_text = accord_json_get_string (entry, "statusListIndex");
        const char *purpose = accord_json_get_string (entry, "statusPurpose");
        uint64_t index;
        if (!list || !purpose || !index_text || accord_statuslist_parse_index (index_text, &index)) {
            snprintf (err, err_size, "entry %zu needs statusListCredential, statusPurpose and a decimal statusListIndex", i);
            rc = ACCORD_E_INVALID_ARGUMENT;
        }
        else
            rc = s_status_entry (self, list, index, &result, err, err_size);
        if (rc == ACCORD_OK && !streq (purpose, accord_json_get_string (result, "purpose"))) {
            snprintf (err, err_size, "entry %zu: the list's purpose is not '%.32s'", i, purpose);
            rc = ACCORD_E_INVALID_ARGUMENT;
        }
        if (rc == ACCORD_OK && streq (verdict, "valid"))
            verdict = accord_json_get_string (result, "status");
        if (result)
            json_object_array_add (results, result);
    }
    if (rc == ACCORD_OK) {
        *out = json_object_new_object ();
        json_object_object_add (*out, "status", json_object_new_string (verdict));
        json_object_object_add (*out, "entries", results);
    }
    else
        json_object_put (results);
    return rc;
}

static zmsg_t *
s_check_status (server_t *self, const accord_request_head_t *head, identity_request_t *request)
{
    json_object *result = NULL;
    char err [256] = "";
    int rc = request->credential_status
           ? s_check_entries (self, request->credential_status, &result, err, sizeof err)
           : s_status_entry (self, request->id, request->index, &result, err, sizeof err);
    zmsg_t *reply = rc == ACCORD_OK ? accord_wire_reply_ok (head, result) : accord_wire_reply_err (head, rc, err);
    json_object_put (result);
    return reply;
}

static zmsg_t *
s_verify (server_t *self, const accord_request_head_t *head, identity_request_t *request)
{
    accord_verifier_t verifier = {
        .query = identity_source_query, .query_ctx = &self->source,
        .status_bit = identity_source_status_bit, .status_ctx = &self->source,
        .opts = { .now = (int64_t) time (NULL), .leeway = IDENTITY_LEEWAY_S,
                  .nonce = request->nonce, .audience = request->audience,
                  .require_key_binding = request->require_key_binding },
        .require_recognized_issuer = request->require_recognized_issuer,
        .issuer_type = request->issuer_type,
    };
    accord_vc_result_t result;
    json_object *claims = NULL;
    int presentation = request->command == IDENTITY_VERIFY_PRESENTATION;
    accord_vc_error_t code = presentation
        ? accord_verify_presentation (&verifier, request->token, request->token_len, &claims, &result)
        : accord_verify_credential (&verifier, request->token, request->token_len, &claims, &result);
    if (code == ACCORD_VC_E_INTERNAL) {
        json_object_put (claims);
        return accord_wire_reply_err (head, ACCORD_E_INTERNAL, result.message);
    }
    json_object *verdict = json_object_new_object ();
    json_object_object_add (verdict, "valid", json_object_new_boolean (code == ACCORD_VC_VALID));
    json_object_object_add (verdict, "code", json_object_new_string (accord_vc_error_name (code)));
    json_object_object_add (verdict, "message", json_object_new_string (result.message));
    if (claims)
        json_object_object_add (verdict, presentation ? "presentation" : "claims", claims);
    zmsg_t *reply = accord_wire_reply_ok (head, verdict);
    json_object_put (verdict);
    return reply;
}

static zmsg_t *
s_handle (server_t *self, pending_t *pending)
{
    identity_request_t request;
    char err [256];
    int rc = identity_request_decode (&request, pending->head.command, pending->body, err, sizeof err);
    if (rc != ACCORD_OK)
        return accord_wire_reply_err (&pending->head, rc, err);
    const accord_request_head_t *head = &pending->head;
    zmsg_t *reply = NULL;
    switch (request.command) {
    case IDENTITY_RESOLVE:
        reply = s_resolve (self, head, &request);
        break;
    case IDENTITY_SCHEMA:
        reply = s_by_member (self, head, "schema", "get", "id", request.id);
        break;
    case IDENTITY_ISSUER:
        reply = s_by_member (self, head, "issuer", "get", "did", request.did);
        break;
    case IDENTITY_ISSUERS:
        reply = s_by_member (self, head, "issuer", "list", "type", request.type);
        break;
    case IDENTITY_CHECK_STATUS:
        reply = s_check_status (self, head, &request);
        break;
    case IDENTITY_VERIFY:
    case IDENTITY_VERIFY_PRESENTATION:
        reply = s_verify (self, head, &request);
        break;
    case IDENTITY_STATUS:
        reply = s_status (self, head);
        break;
    }
    identity_request_reset (&request);
    return reply;
}

//  --------------------------------------------------------------------------
//  The queue

//  Takes the requests waiting on the ROUTER: answers what needs no chain state at once
//  (errors, STATUS, unavailable when the queue is full) and queues the rest.
static void
s_read_requests (server_t *self)
{
    for (int taken = 0; taken < 4 * IDENTITY_QUEUE_MAX && (zsock_events (self->router) & ZMQ_POLLIN); taken++) {
        zmsg_t *msg = zmsg_recv (self->router);
        if (!msg)
            break;
        zframe_t *routing = zmsg_pop (msg);
        pending_t *pending = calloc (1, sizeof *pending);
        char err [200];
        int rc = pending ? accord_wire_parse_request (msg, &pending->head, err, sizeof err) : ACCORD_E_INTERNAL;
        size_t bytes = zmsg_content_size (msg);
        zmsg_t *reply = NULL;
        if (!pending) {
            zmsg_destroy (&msg);
            zframe_destroy (&routing);
            continue;
        }
        if (rc != ACCORD_OK)
            reply = accord_wire_reply_err (&pending->head, rc, err);
        else if (streq (pending->head.command, "STATUS"))
            reply = s_status (self, &pending->head);
        else if (bytes > IDENTITY_REQUEST_MAX)
            reply = accord_wire_reply_err (&pending->head, ACCORD_E_TOO_LARGE, "request body over 1048576 bytes");
        else if (zlistx_size (self->queue) >= IDENTITY_QUEUE_MAX
             ||  self->queued_bytes + bytes > IDENTITY_QUEUE_BYTES_MAX) {
            self->refused++;
            snprintf (err, sizeof err, "busy: %zu requests waiting; retry later", zlistx_size (self->queue));
            reply = accord_wire_reply_err (&pending->head, ACCORD_E_UNAVAILABLE, err);
        }
        if (reply) {
            s_send (self, &routing, reply);
            zmsg_destroy (&msg);
            free (pending);
            continue;
        }
        pending->routing = routing;
        pending->body = msg;
        self->queued_bytes += bytes;
        zlistx_add_end (self->queue, pending);
    }
}

//  Serves the queue: a barrier, then a batch, then whatever arrived meanwhile.
static void
s_serve (server_t *self)
{
    while (zlistx_size (self->queue)) {
        char err [300];
        self->node_up = identity_follow_barrier (self->follow, &self->node_height, err, sizeof err) == 0;
        for (int i = 0; i < IDENTITY_BATCH && zlistx_size (self->queue); i++) {
            pending_t *pending = zlistx_first (self->queue);
            zlistx_detach_cur (self->queue);
            self->queued_bytes -= zmsg_content_size (pending->body);
            zmsg_t *reply = self->node_up ? s_handle (self, pending)
                                          : accord_wire_reply_err (&pending->head, ACCORD_E_UNAVAILABLE, err);
            self->served++;
            s_send (self, &pending->routing, reply);
            s_pending_destroy (&pending);
        }
        s_read_requests (self);
    }
}

static int
s_on_request (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    server_t *self = arg;
    s_read_requests (self);
    s_serve (self);
    return 0;
}

static int
s_on_block (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    identity_follow_drain (((server_t *) arg)->follow);
    return 0;
}

//  --------------------------------------------------------------------------
//  Start and stop

static int
s_start (server_t *self, const char *config_path)
{
    char err [512];
    if (accord_node_config_load (&self->config, config_path, err, sizeof err))
        return accord_service_fail (self->pipe, "%s", err);
    if (accord_genesis_load (&self->genesis, self->config.genesis, err, sizeof err))
        return accord_service_fail (self->pipe, "%s", err);
    self->node = accord_client_new (self->config.rpc_endpoint, IDENTITY_NODE_TIMEOUT_MS);
    if (!self->node)
        return accord_service_fail (self->pipe, "cannot connect to the node's RPC endpoint %s", self->config.rpc_endpoint);
    self->cache = identity_cache_new (self->genesis.chain_id, self->config.redis_endpoint);
    if (!self->cache)
        return accord_service_fail (self->pipe, "redis_endpoint %s is not tcp://HOST:PORT", self->config.redis_endpoint);
    self->follow = identity_follow_new (self->config.pub_endpoint, self->node, self->cache);
    if (!self->follow)
        return accord_service_fail (self->pipe, "cannot connect to the node's PUB endpoint %s", self->config.pub_endpoint);
    self->source = (identity_source_t) { .cache = self->cache, .node = self->node };
    self->queue = zlistx_new ();
    self->router = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (self->router, 0);
    zsock_set_rcvhwm (self->router, 10 * IDENTITY_QUEUE_MAX);
    zsock_set_sndhwm (self->router, 10 * IDENTITY_QUEUE_MAX);
    //  A frame far over the request limit closes its connection before it is buffered; one
    //  just over it is read and answered too_large.
    zsock_set_maxmsgsize (self->router, 4 * IDENTITY_REQUEST_MAX);
    if (zsock_bind (self->router, "%s", self->config.identity_bind) < 0)
        return accord_service_fail (self->pipe, "cannot bind %s", self->config.identity_bind);
    self->loop = zloop_new ();
    zloop_reader (self->loop, self->pipe, accord_service_on_pipe, NULL);
    zloop_reader (self->loop, self->router, s_on_request, self);
    zloop_reader (self->loop, identity_follow_socket (self->follow), s_on_block, self);
    //  Start following now if the node answers; otherwise the first request tries again.
    self->node_up = identity_follow_barrier (self->follow, &self->node_height, err, sizeof err) == 0;
    zsys_info ("%s: chain %s, identity %s, node rpc %s pub %s (%s, height %llu), redis %s (%s)",
               self->config.name, self->genesis.chain_id, self->config.identity_bind,
               self->config.rpc_endpoint, self->config.pub_endpoint, self->node_up ? "up" : "not answering",
               (unsigned long long) self->node_height, self->config.redis_endpoint,
               identity_cache_redis_up (self->cache) ? "up" : "down");
    zstr_sendx (self->pipe, "READY", NULL);
    return 0;
}

static void
s_stop (server_t *self)
{
    zloop_destroy (&self->loop);
    if (self->queue) {
        pending_t *pending;
        while ((pending = zlistx_first (self->queue))) {
            zlistx_detach_cur (self->queue);
            s_pending_destroy (&pending);
        }
        zlistx_destroy (&self->queue);
    }
    zsock_destroy (&self->router);
    identity_follow_destroy (&self->follow);
    identity_cache_destroy (&self->cache);
    accord_client_destroy (&self->node);
}

void
identity_server_actor (zsock_t *pipe, void *config_path)
{
    server_t *self = calloc (1, sizeof *self);
    self->pipe = pipe;
    zsock_signal (pipe, 0);
    if (s_start (self, config_path) == 0)
        zloop_start (self->loop);
    s_stop (self);
    free (self);
}
