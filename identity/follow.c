#include "follow.h"
#include "accord/block.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _identity_follow_t {
    zsock_t *sub;
    accord_client_t *node;
    identity_cache_t *cache;
};

identity_follow_t *
identity_follow_new (const char *pub_endpoint, accord_client_t *node, identity_cache_t *cache)
{
    identity_follow_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->node = node;
    self->cache = cache;
    self->sub = zsock_new_sub (pub_endpoint, "block");
    if (!self->sub)
        identity_follow_destroy (&self);
    else
        zsock_set_rcvhwm (self->sub, 100000);
    return self;
}

void
identity_follow_destroy (identity_follow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy (&(*self_p)->sub);
    free (*self_p);
    *self_p = NULL;
}

zsock_t *
identity_follow_socket (identity_follow_t *self)
{
    return self->sub;
}

//  Drops the cache keys one log touched.
static void
s_apply_log (identity_follow_t *self, json_object *log, uint64_t height)
{
    const char *module = accord_json_get_string (log, "module");
    const char *event = accord_json_get_string (log, "event");
    json_object *data = accord_json_get_object (log, "data");
    char key [IDENTITY_CACHE_KEY_MAX];
    const char *did = accord_json_get_string (data, "did");
    const char *id = accord_json_get_string (data, "id");
    if (!module || !event)
        return;
    if (streq (module, "did") && did && identity_cache_key (key, "did", did) == 0)
        identity_cache_changed (self->cache, key, height);
    else if (streq (module, "schema") && id && identity_cache_key (key, "schema", id) == 0)
        identity_cache_changed (self->cache, key, height);
    else if (streq (module, "status") && id && identity_cache_key (key, "status", id) == 0)
        identity_cache_changed (self->cache, key, height);
    else if (streq (module, "issuer") && streq (event, "changed") && did) {
        if (identity_cache_key (key, "issuer", did) == 0)
            identity_cache_changed (self->cache, key, height);
        identity_cache_changed (self->cache, "issuers", height);
    }
}

//  Whether a transaction can change a record the cache keeps. did.create and
//  schema.register only add records, and the cache never keeps an absence.
static int
s_may_change (const char *module, const char *method)
{
    if (streq (module, "did"))
        return !streq (method, "create");
    return streq (module, "issuer") || streq (module, "status");
}

//  Applies the logs of one transaction from its receipt. 0, or -1 when the node cannot give
//  the receipt.
static int
s_apply_tx (identity_follow_t *self, uint64_t height, const char *module, const char *method,
            const char *hash)
{
    if (!s_may_change (module, method))
        return 0;
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "tx", json_object_new_string (hash));
    json_object *receipt = NULL;
    int rc = accord_client_call_json (self->node, "RECEIPT", request, &receipt);
    json_object_put (request);
    if (rc != ACCORD_OK)
        return -1;
    json_object *logs = accord_json_get_array (receipt, "logs");
    for (size_t i = 0; logs && i < json_object_array_length (logs); i++)
        s_apply_log (self, json_object_array_get_idx (logs, i), height);
    json_object_put (receipt);
    return 0;
}

//  Fetches block height from the node and applies it. 0 or -1.
static int
s_fetch_block (identity_follow_t *self, uint64_t height)
{
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "height", json_object_new_int64 ((int64_t) height));
    json_object_object_add (request, "txs", json_object_new_boolean (1));
    json_object *block = NULL;
    int rc = accord_client_call_json (self->node, "BLOCK", request, &block) == ACCORD_OK ? 0 : -1;
    json_object_put (request);
    json_object *txs = rc == 0 ? accord_json_get_array (block, "transactions") : NULL;
    if (!txs)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < json_object_array_length (txs); i++) {
        json_object *tx = json_object_array_get_idx (txs, i);
        const char *module = accord_json_get_string (tx, "module");
        const char *method = accord_json_get_string (tx, "method");
        const char *hash = accord_json_get_string (tx, "hash");
        rc = module && method && hash ? s_apply_tx (self, height, module, method, hash) : -1;
    }
    json_object_put (block);
    return rc;
}

//  Applies every block after the cache's height up to target, fetched from the node; flushes
//  when that is too far or the node cannot give one.
static void
s_catch_up (identity_follow_t *self, uint64_t target)
{
    uint64_t height = identity_cache_height (self->cache);
    if (target - height > IDENTITY_FOLLOW_CATCHUP_MAX) {
        zsys_info ("%llu blocks missed: cache flushed", (unsigned long long) (target - height));
        identity_cache_flush (self->cache, target);
        return;
    }
    while (height < target) {
        if (s_fetch_block (self, ++height)) {
            zsys_warning ("cannot read block %llu from the node: cache flushed", (unsigned long long) height);
            identity_cache_flush (self->cache, target);
            return;
        }
        identity_cache_advance (self->cache, height);
    }
}

//  A "block" message: height (decimal), block encoding.
static void
s_on_block (identity_follow_t *self, zmsg_t *msg)
{
    char *topic = zmsg_popstr (msg), *height_text = zmsg_popstr (msg);
    zframe_t *raw = zmsg_pop (msg);
    uint64_t height = height_text ? strtoull (height_text, NULL, 10) : 0;
    accord_block_t *block = raw && topic && streq (topic, "block")
                          ? accord_block_decode (zframe_data (raw), zframe_size (raw), NULL, 0) : NULL;
    if (block && block->header.height == height && identity_cache_started (self->cache)
    &&  height > identity_cache_height (self->cache)) {
        s_catch_up (self, height - 1);
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < block->tx_count && height > identity_cache_height (self->cache); i++) {
            char hash [2 * ACCORD_HASH_SIZE + 1];
            accord_hex_encode (hash, sizeof hash, block->txs [i]->hash, ACCORD_HASH_SIZE);
            rc = s_apply_tx (self, height, block->txs [i]->module, block->txs [i]->method, hash);
        }
        if (rc) {
            zsys_warning ("cannot read the receipts of block %llu: cache flushed", (unsigned long long) height);
            identity_cache_flush (self->cache, height);
        }
        identity_cache_advance (self->cache, height);
    }
    accord_block_destroy (&block);
    zframe_destroy (&raw);
    zstr_free (&topic);
    zstr_free (&height_text);
}

void
identity_follow_drain (identity_follow_t *self)
{
    while (zsock_events (self->sub) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (self->sub);
        if (!msg)
            break;
        s_on_block (self, msg);
        zmsg_destroy (&msg);
    }
}

int
identity_follow_barrier (identity_follow_t *self, uint64_t *node_height, char *err, size_t err_size)
{
    json_object *status = NULL;
    if (accord_client_call_json (self->node, "STATUS", NULL, &status) != ACCORD_OK) {
        snprintf (err, err_size, "chain node not reachable: %s", accord_client_errstr (self->node));
        return -1;
    }
    int64_t height = json_object_get_int64 (json_object_object_get (status, "height"));
    json_object_put (status);
    *node_height = height > 0 ? (uint64_t) height : 0;
    if (!identity_cache_started (self->cache))
        identity_cache_flush (self->cache, *node_height);
    identity_follow_drain (self);
    if (identity_cache_height (self->cache) < *node_height)
        s_catch_up (self, *node_height);
    return 0;
}
