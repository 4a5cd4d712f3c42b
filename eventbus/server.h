/*  eventbus/server: the accord-eventbus actor. It loads the member's config.json, genesis and
    broker key, binds a ROUTER (ZMQ_ROUTER_MANDATORY) on eventbus_bind speaking ACC1
    (accord/wire.h), and runs the broker (eventbus/README.md): sessions keyed by the client's
    routing id (ended after eventbus_session_idle_ms without a message from the client, unless
    the chain still owes them answers), HELLO / AUTH against the DID's authentication keys, topic queries and relayed
    topic transactions, publishing (eventbus/publish), the follower and index (eventbus/follow)
    and subscriptions (eventbus/deliver). It answers READY, or ERROR and a reason, on its pipe,
    then runs until $TERM.

    Nothing blocks on a client: replies and deliveries are sent without waiting, and a client
    whose queue is full or that is gone loses what could not be sent (deliver counts such an
    event as not delivered). Calls to the node and to Redis are synchronous, with timeouts. */
#ifndef EVENTBUS_SERVER_H
#define EVENTBUS_SERVER_H

#include <czmq.h>

#define EVENTBUS_SESSIONS_MAX           10000   //  HELLO beyond: overloaded
#define EVENTBUS_SESSION_PUBLISH_MAX    10000   //  publishes waiting per session; beyond: overloaded
#define EVENTBUS_RELAYS_MAX             1000    //  TOPIC_CREATE / TOPIC_UPDATE waiting for their commit
#define EVENTBUS_RELAY_WAIT_MS          60000   //  ... at most this long (then timeout)
#define EVENTBUS_MAY_CACHE_MS           1000    //  topic.may answers kept this long for publishes
#define EVENTBUS_MAY_CACHE_MAX          10000
#define EVENTBUS_NODE_TIMEOUT_MS        3000    //  one RPC to the node
#define EVENTBUS_FRAME_MAX              (2 * 1024 * 1024)   //  a larger frame closes its connection
                                                            //  (smaller ones over a limit: too_large)

//  zactor_new (eventbus_server_actor, (void *) "MEMBER_DIR or MEMBER_DIR/config.json")
void eventbus_server_actor (zsock_t *pipe, void *config_path);

#endif
