#include "accord/service.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

static int
s_usage (const char *name, const char *about, int rc)
{
    fprintf (stderr, "usage: %s --config MEMBER_DIR/config.json [--verbose]\n%s\n", name, about);
    return rc;
}

int
accord_service_main (const char *name, const char *about, zactor_fn *actor, int argc, char *argv [])
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--config") == 0 && i + 1 < argc)
            config = argv [++i];
        else if (strcmp (argv [i], "--verbose") == 0)
            setenv ("ZSYS_LOGSYSTEM", "0", 1);
        else if (strcmp (argv [i], "--help") == 0)
            return s_usage (name, about, 0);
        else
            return s_usage (name, about, 2);
    }
    if (!config)
        return s_usage (name, about, 2);
    zsys_init ();
    zsys_set_logident (name);
    zactor_t *service = zactor_new (actor, (void *) config);
    char *status = zstr_recv (service);
    int rc = 0;
    if (!status || strcmp (status, "READY")) {
        char *message = zstr_recv (service);
        fprintf (stderr, "%s: %s\n", name, message ? message : "failed to start");
        zstr_free (&message);
        rc = 1;
    }
    zstr_free (&status);
    zpoller_t *poller = zpoller_new (zactor_sock (service), NULL);
    while (rc == 0 && !zsys_interrupted) {
        //  The actor only speaks again if it stops by itself.
        if (zpoller_wait (poller, 200)) {
            rc = 1;
            break;
        }
    }
    zpoller_destroy (&poller);
    zactor_destroy (&service);
    return rc;
}

int
accord_service_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    (void) arg;
    char *command = zstr_recv (pipe);
    int rc = !command || streq (command, "$TERM") ? -1 : 0;
    zstr_free (&command);
    return rc;
}

int
accord_service_fail (zsock_t *pipe, const char *format, ...)
{
    char message [PATH_MAX + 256];
    va_list ap;
    va_start (ap, format);
    vsnprintf (message, sizeof message, format, ap);
    va_end (ap);
    zsys_error ("%s", message);
    zstr_sendx (pipe, "ERROR", message, NULL);
    return -1;
}
