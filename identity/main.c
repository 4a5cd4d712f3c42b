/*  accord-identity: runs one member's identity service until SIGINT or SIGTERM.
    Usage: accord-identity --config PATH [--verbose] */
#include "server.h"
#include <stdio.h>
#include <string.h>

static void
s_usage (void)
{
    fprintf (stderr, "usage: accord-identity --config MEMBER_DIR/config.json [--verbose]\n"
             "Resolves DIDs, serves schemas, issuers and status lists, and verifies credentials for\n"
             "applications, from the member's chain node with a Redis cache. See identity/README.md.\n");
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
    zsys_set_logident ("accord-identity");
    zactor_t *server = zactor_new (identity_server_actor, (void *) config);
    char *status = zstr_recv (server);
    int rc = 0;
    if (!status || strcmp (status, "READY")) {
        char *message = zstr_recv (server);
        fprintf (stderr, "accord-identity: %s\n", message ? message : "failed to start");
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
