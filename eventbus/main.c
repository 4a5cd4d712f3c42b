/*  accord-eventbus: runs one member's event bus broker until SIGINT or SIGTERM.
    Usage: accord-eventbus --config PATH [--verbose] */
#include "server.h"
#include <stdio.h>
#include <string.h>

static void
s_usage (void)
{
    fprintf (stderr, "usage: accord-eventbus --config MEMBER_DIR/config.json [--verbose]\n"
             "Publishes clients' events on the member's chain, indexes committed events in Redis\n"
             "and delivers them to subscribers. See eventbus/README.md.\n");
}

int
main (int argc, char *argv [])
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--config") == 0 && i + 1 < argc)
            config = argv [++i];
        else if (strcmp (argv [i], "--verbose") == 0)
            setenv ("ZSYS_LOGSYSTEM", "0", 1);
        else if (strcmp (argv [i], "--help") == 0) {
            s_usage ();
            return 0;
        }
        else {
            s_usage ();
            return 2;
        }
    }
    if (!config) {
        s_usage ();
        return 2;
    }
    zsys_init ();
    zsys_set_logident ("accord-eventbus");
    zactor_t *server = zactor_new (eventbus_server_actor, (void *) config);
    char *status = zstr_recv (server);
    int rc = 0;
    if (!status || strcmp (status, "READY")) {
        char *message = zstr_recv (server);
        fprintf (stderr, "accord-eventbus: %s\n", message ? message : "failed to start");
        zstr_free (&message);
        rc = 1;
    }
    zstr_free (&status);
    zpoller_t *poller = zpoller_new (zactor_sock (server), NULL);
    while (rc == 0 && !zsys_interrupted) {
        //  The actor only speaks again if it stops by itself.
        if (zpoller_wait (poller, 200)) {
            rc = 1;
            break;
        }
    }
    zpoller_destroy (&poller);
    zactor_destroy (&server);
    return rc;
}
