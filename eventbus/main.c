/*  accord-eventbus: runs one member's event bus broker until SIGINT or SIGTERM.
    Usage: accord-eventbus --config PATH [--verbose] */
#include "server.h"
#include "accord/service.h"

int
main (int argc, char *argv [])
{
    return accord_service_main ("accord-eventbus",
                                "Publishes clients' events on the member's chain, indexes committed events in Redis\n"
                                "and delivers them to subscribers. See eventbus/README.md.",
                                eventbus_server_actor, argc, argv);
}
