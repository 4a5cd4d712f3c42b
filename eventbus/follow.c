#include "follow.h"
#include "retention.h"
#include "streams.h"
#include "accord/block.h"
#include "accord/config.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  One transaction of a block being applied.
typedef struct {
    char hash [2 * ACCORD_HASH_SIZE + 1];
    const char *module, *method;
    const char *args;                   //  JSON text
    size_t args_len;
    json_object *receipt;               //  when read (owned)
    accord_event_batch_t *batch;        //  the events of a successful event.publish (owned)
    const char *topic;                  //  its topic (borrowed from batch)
} s_tx_t;

//  A block: decoded from PUB, or read with BLOCK (then args are texts made from its JSON).
typedef struct {
    uint64_t height, timestamp_ms;
    s_tx_t *txs;
    size_t count;
    accord_block_t *raw;
    json_object *json;
    char **texts;
} s_block_t;

struct _eventbus_follow_t {
    zsock_t *sub;
    accord_client_t *node;              //  borrowed
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    char redis_host [ACCORD_ENDPOINT_MAX + 1];
    int redis_port;
    redisContext *redis;
    int64_t redis_retry_ms;
    eventbus_follow_hooks_t hooks;
    int started;                        //  the node answered once: height is set
    int node_up;
    uint64_t height;                    //  commits reported up to here
    uint64_t target;                    //  the node's height as last seen
    uint64_t indexed;                   //  the index holds every block up to here
    uint64_t rebuilds;
    zhashx_t *retention;                //  topic -> its retention object (cached topic.get)
    int64_t next_poll_ms, next_check_ms;
};

static int
s_is (const s_tx_t *tx, const char *module, const char *method)
{
    return streq (tx->module, module) && (!method || streq (tx->method, method));
}

static void
s_block_reset (s_block_t *block)
{
    for (size_t i = 0; i < block->count; i++) {
        json_object_put (block->txs [i].receipt);
        if (block->txs [i].batch)
            accord_event_batch_reset (block->txs [i].batch);
        free (block->txs [i].batch);
        if (block->texts)
            free (block->texts [i]);
    }
    free (block->txs);
    free (block->texts);
    accord_block_destroy (&block->raw);
    json_object_put (block->json);
    memset (block, 0, sizeof *block);
}

//  A block from its encoding on PUB (taken over).
static int
s_block_from_raw (s_block_t *block, accord_block_t *raw)
{
    memset (block, 0, sizeof *block);
    block->raw = raw;
    block->height = raw->header.height;
    block->timestamp_ms = raw->header.timestamp_ms;
    block->count = raw->tx_count;
    block->txs = calloc (raw->tx_count ? raw->tx_count : 1, sizeof *block->txs);
    if (!block->txs) {
        s_block_reset (block);
        return -1;
    }
    for (size_t i = 0; i < raw->tx_count; i++) {
        accord_tx_t *tx = raw->txs [i];
        accord_hex_encode (block->txs [i].hash, sizeof block->txs [i].hash, tx->hash, ACCORD_HASH_SIZE);
        block->txs [i].module = tx->module;
        block->txs [i].method = tx->method;
        block->txs [i].args = tx->args;
        block->txs [i].args_len = tx->args_len;
    }
    return 0;
}

//  Block height read from the node (BLOCK with txs). A block may hold 64 MiB of transactions,
//  more than accord_client_call_json parses: the reply of our own node is parsed here.
static int
s_block_fetch (eventbus_follow_t *self, s_block_t *block, uint64_t height)
{
    memset (block, 0, sizeof *block);
    char request [96];
    snprintf (request, sizeof request, "{\"height\":%" PRIu64 ",\"txs\":true}", height);
    zmsg_t *body = zmsg_new (), *reply = NULL;
    zmsg_addstr (body, request);
    if (accord_client_call (self->node, "BLOCK", &body, &reply) != ACCORD_OK)
        return -1;
    zframe_t *frame = zmsg_first (reply);
    json_tokener *tokener = json_tokener_new_ex (ACCORD_JSON_MAX_DEPTH);
    block->json = frame && tokener ? json_tokener_parse_ex (tokener, (const char *) zframe_data (frame),
                                                             (int) zframe_size (frame)) : NULL;
    json_tokener_free (tokener);
    zmsg_destroy (&reply);
    json_object *txs = accord_json_get_array (block->json, "transactions");
    json_object *header = accord_json_get_object (block->json, "header");
    int64_t timestamp = 0;
    if (!txs || accord_json_get_int64 (header, "timestamp_ms", 0, INT64_MAX, &timestamp)) {
        s_block_reset (block);
        return -1;
    }
    block->height = height;
    block->timestamp_ms = (uint64_t) timestamp;
    block->count = json_object_array_length (txs);
    block->txs = calloc (block->count ? block->count : 1, sizeof *block->txs);
    block->texts = calloc (block->count ? block->count : 1, sizeof *block->texts);
    if (!block->txs || !block->texts) {
        s_block_reset (block);
        return -1;
    }
    for (size_t i = 0; i < block->count; i++) {
        json_object *tx = json_object_array_get_idx (txs, i);
        const char *hash = accord_json_get_string (tx, "hash");
        json_object *args = NULL;
        json_object_object_get_ex (tx, "args", &args);
        block->texts [i] = strdup (json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN));
        block->txs [i].module = accord_json_get_string (tx, "module");
        block->txs [i].method = accord_json_get_string (tx, "method");
        if (!hash || strlen (hash) != 2 * ACCORD_HASH_SIZE || !block->txs [i].module || !block->txs [i].method
        ||  !block->texts [i]) {
            s_block_reset (block);
            return -1;
        }
        strcpy (block->txs [i].hash, hash);
        block->txs [i].args = block->texts [i];
        block->txs [i].args_len = strlen (block->texts [i]);
    }
    return 0;
}

//  RECEIPT of a committed transaction (caller puts), or NULL.
static json_object *
s_receipt (eventbus_follow_t *self, const char *hash)
{
    json_object *request = json_object_new_object (), *receipt = NULL;
    json_object_object_add (request, "tx", json_object_new_string (hash));
    int rc = accord_client_call_json (self->node, "RECEIPT", request, &receipt);
    json_object_put (request);
    if (rc != ACCORD_OK) {
        json_object_put (receipt);
        return NULL;
    }
    return receipt;
}

//  Reads the receipts the block's passes need: every event.publish (and its batch, when it
//  succeeded), and with commits also topic calls and what the server waits for. 0 or -1
//  when the node did not give one.
static int
s_read_receipts (eventbus_follow_t *self, s_block_t *block, int commits)
{
    for (size_t i = 0; i < block->count; i++) {
        s_tx_t *tx = &block->txs [i];
        int publish = s_is (tx, "event", "publish");
        if (tx->receipt || !(publish || (commits && (s_is (tx, "topic", NULL)
                                                     || (self->hooks.wants && self->hooks.wants (self->hooks.ctx, tx->hash))))))
            continue;
        tx->receipt = s_receipt (self, tx->hash);
        if (!tx->receipt)
            return -1;
        const char *status = accord_json_get_string (tx->receipt, "status");
        char err [160];
        if (publish && status && streq (status, "ok") && (tx->batch = malloc (sizeof *tx->batch))) {
            if (accord_event_batch_decode (tx->batch, tx->args, tx->args_len, err, sizeof err) == 0)
                tx->topic = tx->batch->topic;
            else
                zsys_error ("committed batch %s does not decode: %s", tx->hash, err);
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Redis

static void
s_redis_drop (eventbus_follow_t *self)
{
    if (self->redis) {
        redisFree (self->redis);
        self->redis = NULL;
        zsys_warning ("redis %s:%d does not answer: the index waits", self->redis_host, self->redis_port);
    }
    self->redis_retry_ms = zclock_mono () + EVENTBUS_REDIS_RETRY_MS;
}

//  Restarts the index from block 1 when Redis lost it. 0, or -1 when Redis does not answer.
static int
s_check_indexed (eventbus_follow_t *self)
{
    int64_t stored = eventbus_streams_indexed (self->redis, self->chain_id);
    if (stored < 0) {
        s_redis_drop (self);
        return -1;
    }
    //  @indexed never falls (eventbus_streams_set_indexed): below ours, Redis lost the index
    //  (flushed, or replaced), even if another broker sharing it began to rebuild already.
    if ((uint64_t) stored < self->indexed) {
        zsys_warning ("redis lost the index (@indexed %" PRId64 ", we had %" PRIu64 "): rebuilding it from block 1",
                      stored, self->indexed);
        self->indexed = 0;
        self->rebuilds++;
    }
    return 0;
}

static void
s_redis_connect (eventbus_follow_t *self)
{
    struct timeval timeout = { 0, EVENTBUS_REDIS_TIMEOUT_MS * 1000 };
    self->redis = redisConnectWithTimeout (self->redis_host, self->redis_port, timeout);
    if (self->redis && !self->redis->err && redisSetTimeout (self->redis, timeout) == REDIS_OK) {
        int64_t stored = eventbus_streams_indexed (self->redis, self->chain_id);
        if (stored >= 0) {
            //  Whatever it holds now is where the index stands (empty: from block 1).
            if ((uint64_t) stored < self->indexed)
                self->rebuilds++;
            int moved_on = (uint64_t) stored > self->indexed;
            self->indexed = (uint64_t) stored;
            if (moved_on && self->hooks.indexed)
                self->hooks.indexed (self->hooks.ctx, NULL);
            zsys_info ("redis %s:%d: index at height %" PRId64, self->redis_host, self->redis_port, stored);
            return;
        }
    }
    if (self->redis)
        redisFree (self->redis);
    self->redis = NULL;
    self->redis_retry_ms = zclock_mono () + EVENTBUS_REDIS_RETRY_MS;
}

//  A simple command's reply type, or -1 when Redis did not answer.
static int
s_redis_command (eventbus_follow_t *self, int argc, const char **argv)
{
    redisReply *reply = redisCommandArgv (self->redis, argc, argv, NULL);
    if (!reply) {
        s_redis_drop (self);
        return -1;
    }
    int type = reply->type;
    if (type == REDIS_REPLY_ERROR)
        zsys_warning ("redis %s: %s", argv [0], reply->str);
    freeReplyObject (reply);
    return type;
}

//  The retention of topic (borrowed from the cache), or NULL when it has none or the node
//  does not say.
static json_object *
s_retention (eventbus_follow_t *self, const char *topic)
{
    json_object *retention = zhashx_lookup (self->retention, topic);
    if (retention)
        return retention;
    json_object *request = json_object_new_object (), *query_args = json_object_new_object (), *record = NULL;
    json_object_object_add (query_args, "name", json_object_new_string (topic));
    json_object_object_add (request, "module", json_object_new_string ("topic"));
    json_object_object_add (request, "method", json_object_new_string ("get"));
    json_object_object_add (request, "args", query_args);
    int rc = accord_client_call_json (self->node, "QUERY", request, &record);
    json_object_put (request);
    json_object *found = rc == ACCORD_OK ? accord_json_get_object (record, "retention") : NULL;
    if (found) {
        retention = json_object_get (found);
        zhashx_insert (self->retention, topic, retention);
    }
    json_object_put (record);
    return retention;
}

//  Trims topic's stream as its retention says, block_ms being the chain's time now.
static int
s_trim (eventbus_follow_t *self, const char *topic, uint64_t block_ms, uint64_t height)
{
    json_object *retention = s_retention (self, topic);
    int64_t max_events = 0, max_age_s = 0;
    accord_json_get_int64 (retention, "max_events", 1, INT64_MAX, &max_events);
    accord_json_get_int64 (retention, "max_age_s", 1, INT64_MAX, &max_age_s);
    char key [EVENTBUS_KEY_MAX], number [32], times [EVENTBUS_KEY_MAX];
    eventbus_stream_key (key, self->chain_id, topic);
    if (max_events > 0) {
        snprintf (number, sizeof number, "%" PRId64, max_events);
        const char *argv [] = { "XTRIM", key, "MAXLEN", "~", number };
        if (s_redis_command (self, 5, argv) < 0)
            return -1;
    }
    if (max_age_s > 0) {
        //  The first indexed height at or after the cutoff; none: every event is older.
        uint64_t cutoff = block_ms > (uint64_t) max_age_s * 1000 ? block_ms - (uint64_t) max_age_s * 1000 : 0;
        snprintf (times, sizeof times, "accord:%s:events:@times", self->chain_id);
        redisReply *reply = redisCommand (self->redis, "ZRANGEBYSCORE %s %" PRIu64 " +inf LIMIT 0 1", times, cutoff);
        if (!reply) {
            s_redis_drop (self);
            return -1;
        }
        uint64_t first = height + 1;
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 && reply->element [0]->type == REDIS_REPLY_STRING)
            first = strtoull (reply->element [0]->str, NULL, 10);
        freeReplyObject (reply);
        snprintf (number, sizeof number, "%" PRIu64 "-0", first);
        const char *argv [] = { "XTRIM", key, "MINID", number };
        if (s_redis_command (self, 4, argv) < 0)
            return -1;
    }
    return 0;
}

//  Indexes the block (its receipts read): 0, or -1 when Redis failed (the block is indexed
//  again later) or lost the index (which restarts from block 1).
static int
s_index (eventbus_follow_t *self, s_block_t *block)
{
    if (!self->redis || s_check_indexed (self) || self->indexed + 1 != block->height)
        return -1;
    zlistx_t *topics = zlistx_new ();
    zlistx_set_comparator (topics, (zlistx_comparator_fn *) strcmp);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < block->count; i++) {
        s_tx_t *tx = &block->txs [i];
        if (!tx->topic)
            continue;
        int added = eventbus_streams_add_batch (self->redis, self->chain_id, block->height, (uint32_t) i,
                                                block->timestamp_ms, tx->batch);
        if (added == -1)
            rc = -1;
        else if (added >= 0 && !zlistx_find (topics, (void *) tx->topic))
            zlistx_add_end (topics, (void *) tx->topic);
    }
    if (rc == 0 && zlistx_size (topics)) {
        char times [EVENTBUS_KEY_MAX], score [32], member [32];
        snprintf (times, sizeof times, "accord:%s:events:@times", self->chain_id);
        snprintf (score, sizeof score, "%" PRIu64, block->timestamp_ms);
        snprintf (member, sizeof member, "%" PRIu64, block->height);
        const char *argv [] = { "ZADD", times, score, member };
        rc = s_redis_command (self, 4, argv) < 0 ? -1 : 0;
    }
    for (const char *topic = zlistx_first (topics); rc == 0 && topic; topic = zlistx_next (topics))
        rc = s_trim (self, topic, block->timestamp_ms, block->height);
    if (rc == 0 && eventbus_streams_set_indexed (self->redis, self->chain_id, block->height))
        rc = -1;
    if (rc == 0) {
        self->indexed = block->height;
        eventbus_retention_after_block (self->redis, self->chain_id, block->height);    //  @times (retention.h)
        for (const char *topic = zlistx_first (topics); topic; topic = zlistx_next (topics))
            if (self->hooks.indexed)
                self->hooks.indexed (self->hooks.ctx, topic);
    }
    else if (self->redis)
        s_redis_drop (self);
    zlistx_destroy (&topics);
    return rc;
}

//  --------------------------------------------------------------------------
//  Commits

//  Reports the block's commits (its receipts read) to the server.
static void
s_report (eventbus_follow_t *self, s_block_t *block)
{
    for (size_t i = 0; i < block->count; i++) {
        s_tx_t *tx = &block->txs [i];
        if (!tx->receipt)
            continue;
        const char *status = accord_json_get_string (tx->receipt, "status");
        int ok = status && streq (status, "ok");
        if (self->hooks.receipt)
            self->hooks.receipt (self->hooks.ctx, tx->module, tx->method, tx->receipt);
        size_t count = tx->topic ? tx->batch->count : 0;
        for (size_t k = 0; k < count && self->hooks.event; k++) {
            char event_id [ACCORD_EVENT_ID_TEXT_MAX];
            accord_event_id_format (event_id, block->height, (uint32_t) i, (uint32_t) k);
            self->hooks.event (self->hooks.ctx, tx->topic, tx->batch->events [k].publisher, tx->batch->events [k].id,
                               event_id);
        }
        json_object *logs = ok && s_is (tx, "topic", NULL) ? accord_json_get_array (tx->receipt, "logs") : NULL;
        for (size_t k = 0; logs && k < json_object_array_length (logs); k++) {
            json_object *log = json_object_array_get_idx (logs, k);
            const char *module = accord_json_get_string (log, "module");
            const char *event = accord_json_get_string (log, "event");
            const char *name = accord_json_get_string (accord_json_get_object (log, "data"), "name");
            if (!module || !event || !name || !streq (module, "topic"))
                continue;
            zhashx_delete (self->retention, name);
            if (self->hooks.topic && (streq (event, "created") || streq (event, "updated")))
                self->hooks.topic (self->hooks.ctx, name, streq (event, "created"));
        }
    }
}

//  Applies the next block for commits, and for the index when it is there. 0 or -1.
static int
s_apply (eventbus_follow_t *self, s_block_t *block)
{
    if (s_read_receipts (self, block, 1))
        return -1;
    s_report (self, block);
    self->height = block->height;
    if (self->target < self->height)
        self->target = self->height;
    if (self->redis && self->indexed + 1 == block->height)
        s_index (self, block);
    return 0;
}

//  Applies a "block" message: height (decimal), block encoding. Only the next block is used;
//  anything else only says how far the node is (step fetches what is missing).
static void
s_on_block (eventbus_follow_t *self, zmsg_t *msg)
{
    char *topic = zmsg_popstr (msg), *height_text = zmsg_popstr (msg);
    zframe_t *raw = zmsg_pop (msg);
    uint64_t height = height_text ? strtoull (height_text, NULL, 10) : 0;
    if (topic && streq (topic, "block") && self->started && height > self->target)
        self->target = height;
    if (topic && streq (topic, "block") && self->started && height == self->height + 1 && raw) {
        accord_block_t *decoded = accord_block_decode (zframe_data (raw), zframe_size (raw), NULL, 0);
        s_block_t block;
        if (decoded && decoded->header.height == height && s_block_from_raw (&block, decoded) == 0) {
            s_apply (self, &block);
            s_block_reset (&block);
        }
        else
            accord_block_destroy (&decoded);
    }
    zframe_destroy (&raw);
    zstr_free (&topic);
    zstr_free (&height_text);
}

static void
s_poll (eventbus_follow_t *self)
{
    json_object *status = NULL;
    self->node_up = accord_client_call_json (self->node, "STATUS", NULL, &status) == ACCORD_OK;
    int64_t height = 0;
    if (self->node_up && accord_json_get_int64 (status, "height", 0, INT64_MAX, &height) == 0) {
        if (!self->started) {
            //  Commits are followed from here; the index catches up from where Redis says.
            self->started = 1;
            self->height = (uint64_t) height;
            zsys_info ("following the node from height %" PRId64, height);
        }
        if ((uint64_t) height > self->target)
            self->target = (uint64_t) height;
    }
    json_object_put (status);
}

//  --------------------------------------------------------------------------
//  The class

static void
s_json_destroy (void **item_p)
{
    json_object_put (*item_p);
    *item_p = NULL;
}

eventbus_follow_t *
eventbus_follow_new (const char *pub_endpoint, accord_client_t *node, const char *chain_id,
                     const char *redis_endpoint, const eventbus_follow_hooks_t *hooks)
{
    eventbus_follow_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->node = node;
    self->hooks = *hooks;
    snprintf (self->chain_id, sizeof self->chain_id, "%s", chain_id);
    self->retention = zhashx_new ();
    zhashx_set_destructor (self->retention, s_json_destroy);
    self->sub = zsock_new_sub (pub_endpoint, "block");
    if (!self->sub || !self->retention || strlen (redis_endpoint) > ACCORD_ENDPOINT_MAX
    ||  accord_endpoint_split (redis_endpoint, self->redis_host, &self->redis_port)) {
        eventbus_follow_destroy (&self);
        return NULL;
    }
    zsock_set_rcvhwm (self->sub, 100000);
    s_redis_connect (self);
    return self;
}

void
eventbus_follow_destroy (eventbus_follow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    eventbus_follow_t *self = *self_p;
    zsock_destroy (&self->sub);
    zhashx_destroy (&self->retention);
    if (self->redis)
        redisFree (self->redis);
    free (self);
    *self_p = NULL;
}

zsock_t *
eventbus_follow_socket (eventbus_follow_t *self)
{
    return self->sub;
}

void
eventbus_follow_drain (eventbus_follow_t *self)
{
    while (zsock_events (self->sub) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (self->sub);
        if (!msg)
            break;
        s_on_block (self, msg);
        zmsg_destroy (&msg);
    }
}

void
eventbus_follow_step (eventbus_follow_t *self)
{
    int64_t now = zclock_mono (), deadline = now + EVENTBUS_FOLLOW_SLICE_MS;
    if (now >= self->next_poll_ms) {
        s_poll (self);
        self->next_poll_ms = now + EVENTBUS_FOLLOW_POLL_MS;
    }
    if (!self->redis && now >= self->redis_retry_ms)
        s_redis_connect (self);
    if (self->redis && now >= self->next_check_ms) {
        s_check_indexed (self);
        self->next_check_ms = now + EVENTBUS_FOLLOW_CHECK_MS;
    }
    while (self->started && self->height < self->target && zclock_mono () < deadline) {
        s_block_t block;
        if (s_block_fetch (self, &block, self->height + 1))
            break;
        int rc = s_apply (self, &block);
        s_block_reset (&block);
        if (rc)
            break;
    }
    while (self->redis && self->indexed < self->height && zclock_mono () < deadline) {
        s_block_t block;
        if (s_block_fetch (self, &block, self->indexed + 1))
            break;
        int rc = s_read_receipts (self, &block, 0) ? -1 : s_index (self, &block);
        s_block_reset (&block);
        if (rc)
            break;
    }
}

uint64_t
eventbus_follow_height (eventbus_follow_t *self)
{
    return self->height;
}

uint64_t
eventbus_follow_node_height (eventbus_follow_t *self)
{
    return self->target;
}

uint64_t
eventbus_follow_indexed (eventbus_follow_t *self)
{
    return self->indexed;
}

int
eventbus_follow_node_up (eventbus_follow_t *self)
{
    return self->node_up;
}

int
eventbus_follow_redis_up (eventbus_follow_t *self)
{
    return self->redis != NULL;
}

uint64_t
eventbus_follow_rebuilds (eventbus_follow_t *self)
{
    return self->rebuilds;
}

redisContext *
eventbus_follow_redis (eventbus_follow_t *self)
{
    return self->redis;
}

void
eventbus_follow_redis_failed (eventbus_follow_t *self)
{
    s_redis_drop (self);
}
