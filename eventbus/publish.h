/*  eventbus/publish: the broker's publishing side (eventbus/README.md, "Publish"). Events
    from authenticated clients wait per topic and go on chain in event.publish batches signed
    with the broker's key: a batch closes at EVENTBUS_BATCH_EVENTS events, EVENTBUS_BATCH_PAYLOAD
    bytes of payload (or what the transaction's arguments can hold), or EVENTBUS_BATCH_MS after
    its first event. A topic has up to EVENTBUS_TOPIC_BATCHES_MAX batches on their way at a
    time, submitted in order to one node with rising nonces, so its events reach the chain in
    the order they came; only a batch that must go again (below) lands after batches sent
    after it. With one batch at a time a topic could take at most EVENTBUS_BATCH_EVENTS events
    per block interval.

    A batch is answered when the follower reports its receipt: every event gets its event id;
    a batch refused because of one event ("event N: ...") fails that event with the chain's
    code and message and the others go into the next batch; a batch the chain can no longer
    take (stale nonce, expired: found in its receipt, at SUBMIT, or because the follower passed
    its expiry height without it) goes again with a new nonce. Only a transaction that can no
    longer commit is replaced, so no event goes on chain twice. A batch not committed after
    EVENTBUS_RESEND_MS is looked for on the node and submitted again when the node does not
    know it.

    Repeats: message ids seen per (topic, publisher) are remembered, the last
    EVENTBUS_DEDUP_WINDOW of each, as the chain does (at most EVENTBUS_DEDUP_ENTRIES_MAX in
    all), from our own batches and from every committed event the follower reports. A repeat of
    a waiting event is refused (duplicate); a repeat of a committed one is answered with the
    first's event id and "duplicate": true; one the chain refuses as a duplicate is looked up in
    the topic's Redis stream tail (EVENTBUS_DEDUP_SCAN_MAX entries) before the batch goes again. */
#ifndef EVENTBUS_PUBLISH_H
#define EVENTBUS_PUBLISH_H

#include "protocol.h"
#include "accord/wire.h"
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>

#define EVENTBUS_BATCH_MS           5                   //  a batch closes this long after its first event
#define EVENTBUS_BATCH_EVENTS       1024                //  ... or at this many (event.publish's limit)
#define EVENTBUS_TOPIC_BATCHES_MAX  16                  //  batches of one topic on their way
#define EVENTBUS_BATCH_PAYLOAD      (1024 * 1024)       //  ... or at this much payload
#define EVENTBUS_BATCH_ARGS_MAX     (ACCORD_TX_ARGS_MAX - 4096)     //  ... or this much JSON text
#define EVENTBUS_EXPIRY_BLOCKS      100                 //  a batch's transaction is valid this long
#define EVENTBUS_RESEND_MS          3000                //  not committed by then: asked for, resent
#define EVENTBUS_RETRY_MS           500                 //  after the node refused a batch for now
#define EVENTBUS_PUBLISH_BYTES_MAX  (256 * 1024 * 1024) //  waiting events in all; beyond: overloaded
#define EVENTBUS_DEDUP_WINDOW       1024                //  message ids per (topic, publisher)
#define EVENTBUS_DEDUP_ENTRIES_MAX  200000              //  message ids in all
#define EVENTBUS_DEDUP_SCAN_MAX     4096                //  stream entries read to find a repeat

typedef struct {
    //  The answer to a PUBLISH of session: ACCORD_OK with reply (JSON text, borrowed), or an
    //  error code and message.
    void (*answer) (void *ctx, const char *session, const accord_request_head_t *head, int code,
                    const char *message, const char *reply);
    //  The last block whose commits the follower reported (a batch not among them by its
    //  expiry height never will be), and the node's height as last seen (where a new batch's
    //  expiry counts from).
    uint64_t (*height) (void *ctx);
    uint64_t (*node_height) (void *ctx);
    //  The Redis connection, or NULL while it is down.
    redisContext *(*redis) (void *ctx);
    void *ctx;
} eventbus_publish_hooks_t;

typedef struct _eventbus_publish_t eventbus_publish_t;

//  Publishes through node (borrowed) on chain_id, signing with *key_p (taken over); sets its
//  batch timers on loop (borrowed).
eventbus_publish_t *eventbus_publish_new (zloop_t *loop, accord_client_t *node, accord_key_t **key_p,
                                          const char *chain_id, const eventbus_publish_hooks_t *hooks);
void eventbus_publish_destroy (eventbus_publish_t **self_p);

//  A checked PUBLISH (its payload frame is taken) by did from session. ACCORD_OK with *reply
//  NULL: waiting, answered later through the hook; ACCORD_OK with *reply (JSON text, caller frees): a
//  repeat of a committed event, answer it now; or duplicate / overloaded with the reason in err.
int eventbus_publish_add (eventbus_publish_t *self, const char *session, const accord_request_head_t *head,
                          const char *did, eventbus_request_t *request, char **reply,
                          char *err, size_t err_size);

//  1 when transaction hash (64 hex) is one of our batches on its way.
int eventbus_publish_wants (eventbus_publish_t *self, const char *hash);
//  A committed transaction's receipt (borrowed): answers the batch when it is ours.
void eventbus_publish_receipt (eventbus_publish_t *self, json_object *receipt);
//  A committed event (any broker's): remembered for repeats.
void eventbus_publish_committed (eventbus_publish_t *self, const char *topic, const char *publisher,
                                 const char *id, const char *event_id);
//  Timers, every EVENTBUS_TICK_MS: batches due, expired or to be looked for on the node.
void eventbus_publish_tick (eventbus_publish_t *self);

//  {"waiting", "in_flight_batches", "committed", "refused", "nonce"} (caller puts).
json_object *eventbus_publish_stats (eventbus_publish_t *self);

#endif
