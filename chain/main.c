/*  accord-chain: runs one member's chain node until SIGINT or SIGTERM.
    Usage: accord-chain --config PATH [--verbose] */
#include "node.h"
#include <stdio.h>
#include <string.h>

static void
s_usage (void)
{
    fprintf (stderr, "usage: accord-chain --config MEMBER_DIR/config.json [--verbose]\n"
             "Runs a validator (or observer) node of an Accord chain. See chain/README.md.\n");
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
    zsys_set_logident ("accord-chain");
    zactor_t *node = zactor_new (accord_node_actor, (void *) config);
    char *status = zstr_recv (node);
    int rc = 0;
    if (!status || strcmp (status, "READY")) {
        char *message = zstr_recv (node);
        fprintf (stderr, "accord-chain: %s\n", message ? message : "failed to start");
        zstr_free (&message);
        rc = 1;
    }
    zstr_free (&status);
    zpoller_t *poller = zpoller_new (zactor_sock (node), NULL);
    while (rc == 0 && !zsys_interrupted) {
        //  The actor only speaks again if it stops by itself.
        if (zpoller_wait (poller, 200)) {
            rc = 1;
            break;
        }
    }
    zpoller_destroy (&poller);
    zactor_destroy (&node);
    return rc;
}
