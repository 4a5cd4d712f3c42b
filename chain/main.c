/*  accord-chain: runs one member's chain node until SIGINT or SIGTERM.
    Usage: accord-chain --config PATH [--verbose] */
#include "node.h"
#include "accord/service.h"

int
main (int argc, char *argv [])
{
    return accord_service_main ("accord-chain",
                                "Runs a validator (or observer) node of an Accord chain. See chain/README.md.",
                                accord_node_actor, argc, argv);
}
