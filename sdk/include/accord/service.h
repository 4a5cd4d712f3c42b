/*  accord/service.h: the main of an Accord service (accord-chain, accord-identity,
    accord-eventbus): `NAME --config MEMBER_DIR/config.json [--verbose]` runs the service's
    actor until SIGINT or SIGTERM. The actor is given the config path, answers READY, or ERROR
    and a reason, on its pipe, and speaks again only if it stops by itself. */
#ifndef ACCORD_SERVICE_H
#define ACCORD_SERVICE_H

#include <czmq.h>

//  Parses argv, starts actor and waits. about is the --help text after the usage line. Returns
//  the process's exit code: 0 after a signal, 1 when the actor failed to start or stopped,
//  2 on bad arguments.
int accord_service_main (const char *name, const char *about, zactor_fn *actor, int argc, char *argv []);

//  For the actor: a zloop reader of its pipe that ends the loop on $TERM (or a broken pipe).
int accord_service_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg);
//  For the actor's start: logs the reason and sends ERROR and it on pipe. Returns -1.
int accord_service_fail (zsock_t *pipe, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

#endif
