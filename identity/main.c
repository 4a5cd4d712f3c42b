/*  accord-identity: runs one member's identity service until SIGINT or SIGTERM.
    Usage: accord-identity --config PATH [--verbose] */
#include "server.h"
#include "accord/service.h"

int
main (int argc, char *argv [])
{
    return accord_service_main ("accord-identity",
                                "Resolves DIDs, serves schemas, issuers and status lists, and verifies credentials for\n"
                                "applications, from the member's chain node with a Redis cache. See identity/README.md.",
                                identity_server_actor, argc, argv);
}
