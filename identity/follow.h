/*  identity/follow: keeps the cache in step with the member's chain node. It subscribes to the
    node's committed blocks (PUB topic "block"), and for each block, in height order, reads the
    receipts of the transactions that can change a cached record and drops what their logs
    touched (identity_cache_changed). A block that did not arrive (PUB drops for slow
    subscribers, and says nothing while reconnecting) shows as a gap in the heights and is
    fetched with BLOCK; a gap longer than IDENTITY_FOLLOW_CATCHUP_MAX blocks, or a block or
    receipt the node cannot give, flushes the cache instead.

    The barrier makes a request see every block the node committed before the request arrived:
    it asks the node for its height (STATUS) and applies the blocks up to it first. */
#ifndef IDENTITY_FOLLOW_H
#define IDENTITY_FOLLOW_H

#include "cache.h"
#include "accord/wire.h"
#include <czmq.h>

#define IDENTITY_FOLLOW_CATCHUP_MAX 256

typedef struct _identity_follow_t identity_follow_t;

//  Follows the node at pub_endpoint, reading blocks and receipts through node (borrowed),
//  applying changes to cache (borrowed). NULL when the SUB socket cannot be made.
identity_follow_t *identity_follow_new (const char *pub_endpoint, accord_client_t *node,
                                        identity_cache_t *cache);
void identity_follow_destroy (identity_follow_t **self_p);

//  The SUB socket, for the server's loop.
zsock_t *identity_follow_socket (identity_follow_t *self);

//  Applies the block messages waiting on the SUB socket, without blocking.
void identity_follow_drain (identity_follow_t *self);

//  Applies every block up to the node's current height (the first barrier flushes: the cache
//  trusts nothing from before the service started). 0 with the node's height, or -1 with a
//  reason when the node does not answer.
int identity_follow_barrier (identity_follow_t *self, uint64_t *node_height, char *err, size_t err_size);

#endif
