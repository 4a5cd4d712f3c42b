/*  identity/server: the accord-identity actor. It loads the member's config.json and genesis,
    binds a ROUTER on identity_bind speaking ACC1 (accord/wire.h), follows the member's node
    (identity/follow) and answers from the cache (identity/cache, identity/source). It answers
    READY, or ERROR and a reason, on its pipe, then runs until $TERM.

    Requests wait in one queue of at most IDENTITY_QUEUE_MAX requests (and
    IDENTITY_QUEUE_BYTES_MAX bytes); beyond it a request gets `unavailable` at once. The queue
    is served in batches of IDENTITY_BATCH after a barrier (identity_follow_barrier), so a
    request sees every block its member's node had committed when the request arrived. */
#ifndef IDENTITY_SERVER_H
#define IDENTITY_SERVER_H

#include <czmq.h>

#define IDENTITY_QUEUE_MAX        1000
#define IDENTITY_QUEUE_BYTES_MAX  (64 * 1024 * 1024)
#define IDENTITY_BATCH            100
#define IDENTITY_NODE_TIMEOUT_MS  3000      //  one RPC to the node
#define IDENTITY_LEEWAY_S         60        //  clock skew forgiven on credential times

//  zactor_new (identity_server_actor, (void *) "MEMBER_DIR or MEMBER_DIR/config.json")
void identity_server_actor (zsock_t *pipe, void *config_path);

#endif
