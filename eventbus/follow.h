/*  eventbus/follow: the broker's view of its chain node. Two cursors move through the
    committed blocks in height order:

    - commits: from where the node was when the broker started, every block (PUB "block",
      whose heights are checked: a gap is fetched with BLOCK, and STATUS is polled in case PUB
      said nothing). For each block it reads the receipts of event.publish and topic
      transactions and of those the server waits for (hooks.wants), and tells the server
      (hooks.receipt, hooks.event for every committed event, hooks.topic).
    - index: the events of successful event.publish batches go into Redis (eventbus/streams),
      with accord:<chain>:events:@times (ZADD height, score the block's timestamp_ms, for blocks
      with events; trimmed by eventbus/retention), @indexed, and each topic's retention (XTRIM MAXLEN ~ max_events, MINID of the
      first height younger than max_age_s). After each block, hooks.indexed per topic that got
      events. The index may lag the commits (Redis down, or a rebuild): it then catches up from
      BLOCK, a time slice per step, so the broker keeps answering meanwhile. A missing @indexed
      while we had indexed something (Redis flushed or replaced, checked before each block and
      every second) restarts the index from block 1.

    It answers nothing itself; everything runs on the server's loop (drain, step). */
#ifndef EVENTBUS_FOLLOW_H
#define EVENTBUS_FOLLOW_H

#include "accord/wire.h"
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>

#define EVENTBUS_FOLLOW_POLL_MS     500     //  STATUS of the node, when PUB is silent
#define EVENTBUS_FOLLOW_CHECK_MS    1000    //  @indexed still there (Redis flushed?)
#define EVENTBUS_FOLLOW_STEP_MS     5       //  the server calls eventbus_follow_step this often
#define EVENTBUS_FOLLOW_SLICE_MS    20      //  at most this long per step when catching up
#define EVENTBUS_REDIS_TIMEOUT_MS   500     //  connect and per-command
#define EVENTBUS_REDIS_RETRY_MS     1000    //  between connection attempts while down

typedef struct {
    //  1 when the server waits for the receipt of transaction hash (64 hex).
    int (*wants) (void *ctx, const char *hash);
    //  The receipt (borrowed) of a committed transaction module.method that is an
    //  event.publish, a topic call or wanted.
    void (*receipt) (void *ctx, const char *module, const char *method, json_object *receipt);
    //  Each event of a successful batch: its topic, publisher, message id and event id.
    void (*event) (void *ctx, const char *topic, const char *publisher, const char *id, const char *event_id);
    //  A topic was created (created 1) or updated (0).
    void (*topic) (void *ctx, const char *topic, int created);
    //  The index holds new events of topic; NULL: of any topic (another broker sharing our
    //  Redis indexed blocks we then skipped).
    void (*indexed) (void *ctx, const char *topic);
    void *ctx;
} eventbus_follow_hooks_t;

typedef struct _eventbus_follow_t eventbus_follow_t;

//  Follows the node at pub_endpoint, reading blocks, receipts and topics through node
//  (borrowed), indexing into the Redis at redis_endpoint (tcp://HOST:PORT) under chain_id.
//  NULL when the SUB socket cannot be made or redis_endpoint does not parse.
eventbus_follow_t *eventbus_follow_new (const char *pub_endpoint, accord_client_t *node, const char *chain_id,
                                        const char *redis_endpoint, const eventbus_follow_hooks_t *hooks);
void eventbus_follow_destroy (eventbus_follow_t **self_p);

//  The SUB socket, for the server's loop.
zsock_t *eventbus_follow_socket (eventbus_follow_t *self);

//  Applies the block messages waiting on the SUB socket, without blocking.
void eventbus_follow_drain (eventbus_follow_t *self);

//  Catches up (commits first, then the index) for at most EVENTBUS_FOLLOW_SLICE_MS; polls the
//  node, reconnects Redis and checks @indexed when their time has come.
void eventbus_follow_step (eventbus_follow_t *self);

//  The last block whose commits were reported (0 before the node first answered), the node's
//  height as last seen, the indexed height.
uint64_t eventbus_follow_height (eventbus_follow_t *self);
uint64_t eventbus_follow_node_height (eventbus_follow_t *self);
uint64_t eventbus_follow_indexed (eventbus_follow_t *self);
//  Whether the node answered its last call; whether Redis is connected.
int eventbus_follow_node_up (eventbus_follow_t *self);
int eventbus_follow_redis_up (eventbus_follow_t *self);
//  How many times the index restarted from block 1 after Redis lost it.
uint64_t eventbus_follow_rebuilds (eventbus_follow_t *self);

//  The Redis connection (borrowed), or NULL while it is down. A caller whose command fails
//  calls eventbus_follow_redis_failed.
redisContext *eventbus_follow_redis (eventbus_follow_t *self);
void eventbus_follow_redis_failed (eventbus_follow_t *self);

#endif
