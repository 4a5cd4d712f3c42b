/*  eventbus/deliver: the broker's subscriptions (eventbus/README.md, "Subscribe"): plain ones
    with a cursor per matched topic, consumer groups on Redis consumer groups (XREADGROUP, XACK,
    XAUTOCLAIM), credit-based flow control, redelivery, the delivery limit and dead-letter
    streams. It reads the index (eventbus/streams) through its own Redis connection, as credit
    allows: it keeps no queue of events per subscriber.

    The server owns the sessions and the ROUTER; it tells this module about sessions, topics
    and newly indexed events, and this module sends deliveries through the send hook. */
#ifndef EVENTBUS_DELIVER_H
#define EVENTBUS_DELIVER_H

#include "protocol.h"
#include <czmq.h>
#include <json-c/json.h>

typedef struct _eventbus_deliver_t eventbus_deliver_t;

typedef struct {
    //  Sends one delivery, the frames "ACC1" "EVENT" sub meta payload, to session (the hook
    //  prepends the routing id). Takes *msg_p. 0 when queued; -1 when it cannot be sent now
    //  (the client is gone or its queue is full): the event is then not counted as delivered.
    int (*send) (void *ctx, const char *session, zmsg_t **msg_p);
    //  topic.may {topic, did, "subscribe"}: 1 allowed, 0 not (reason in err), -1 the node did
    //  not answer (reason in err).
    int (*may_subscribe) (void *ctx, const char *topic, const char *did, char *err, size_t err_size);
    void *ctx;
} eventbus_deliver_hooks_t;

//  A module reading from the Redis at redis_endpoint (tcp://HOST:PORT) the streams of
//  chain_id. It connects (and reconnects) by itself. Both hooks are needed (NULL otherwise).
eventbus_deliver_t *eventbus_deliver_new (const char *redis_endpoint, const char *chain_id,
                                          const eventbus_deliver_hooks_t *hooks);
void eventbus_deliver_destroy (eventbus_deliver_t **self_p);

//  A topic exists (at start, for every topic on chain; later, when one is created): filters
//  that match it take it in.
void eventbus_deliver_topic_added (eventbus_deliver_t *self, const char *topic);

//  A topic was updated on chain (topic.update): who may read it may have changed, so each
//  subscription on it asks topic.may again. One whose DID may no longer read it ends: its
//  session gets "ACC1" "END" sub "unauthorized" reason, and the subscription is gone as after
//  UNSUBSCRIBE. When the node does not answer, the topic is not delivered to them until it
//  does (asked again each second; a refusal then ends them the same way). A filter that left
//  the topic out because its DID could not read it takes it in once allowed.
void eventbus_deliver_topic_updated (eventbus_deliver_t *self, const char *topic);

//  Session (the server's id for one client connection) of did subscribes. ACCORD_OK with
//  *reply = {"sub", "topics"} (caller puts), or an error code with the reason in err. Its first
//  deliveries go out on the next call of _tick, _advanced or _credit, so the OK reply goes first.
int eventbus_deliver_subscribe (eventbus_deliver_t *self, const char *session, const char *did,
                                const eventbus_subscribe_t *request, json_object **reply,
                                char *err, size_t err_size);
//  CREDIT / ACK / NACK / UNSUBSCRIBE of a subscription of session (ACCORD_E_NOT_FOUND when
//  session has no subscription sub). *outstanding / *count as the OK replies say.
int eventbus_deliver_credit (eventbus_deliver_t *self, const char *session, const char *sub,
                             uint32_t credit, uint32_t *outstanding, char *err, size_t err_size);
int eventbus_deliver_ack (eventbus_deliver_t *self, const char *session, const char *sub, int nack,
                          const char **events, size_t count, size_t *acked, char *err, size_t err_size);
int eventbus_deliver_unsubscribe (eventbus_deliver_t *self, const char *session, const char *sub,
                                  char *err, size_t err_size);
//  The session ended (idle, or the client is gone): its subscriptions end.
void eventbus_deliver_session_closed (eventbus_deliver_t *self, const char *session);

//  The index holds new events of topic (called after each indexed block, once per topic that
//  got events): subscriptions on it send what their credit allows.
void eventbus_deliver_advanced (eventbus_deliver_t *self, const char *topic);
//  The index may have new events of any topic (written by another broker sharing the Redis):
//  every subscription reads again.
void eventbus_deliver_reread (eventbus_deliver_t *self);

//  Timers, called every EVENTBUS_TICK_MS by the server: redelivery after ack timeouts, the
//  delivery limit, sends that could not go out, Redis reconnects.
#define EVENTBUS_TICK_MS 100
void eventbus_deliver_tick (eventbus_deliver_t *self);

//  1 when the last call stopped with deliveries left to send (its time slice was spent): the
//  server calls eventbus_deliver_advanced (NULL topic) again once its loop had a turn.
int eventbus_deliver_unfinished (eventbus_deliver_t *self);

//  {"subscriptions", "groups", "delivered", "redelivered", "dead_lettered", "redis"} (caller puts).
json_object *eventbus_deliver_stats (eventbus_deliver_t *self);

#endif
