/*  node: the accord-chain server actor. One zloop drives the peer ROUTER (CURVE, validators
    only), a DEALER to each other validator, the client RPC ROUTER and the PUB of committed
    blocks and their logs.

    zactor_t *node = zactor_new (accord_node_actor, "path/to/config.json");
    After start the actor sends "READY" or "ERROR" with a message on its pipe.
    Pipe commands: "$TERM". */
#ifndef ACCORD_CHAIN_NODE_H
#define ACCORD_CHAIN_NODE_H

#include <czmq.h>

void accord_node_actor (zsock_t *pipe, void *config_path);

#endif
