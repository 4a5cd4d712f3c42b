/*  tests/redisfx: a redis-server of the test's own, on a free loopback port, with nothing saved
    (--save '', a temporary folder). rf_up / rf_down suit an unchecked fixture: the server is
    stopped even when a test fails, also one a test restarted (the pid is read from the folder).
    rf_kill and rf_restart let a test take Redis away and bring it back, empty, on the same port. */
#ifndef ACCORD_TESTS_REDISFX_H
#define ACCORD_TESTS_REDISFX_H

#include "testutil.h"
#include <hiredis/hiredis.h>
#include <stdarg.h>

extern int rf_port;

void rf_up (void);
void rf_down (void);
//  SIGKILL, and waits until the port refuses connections.
void rf_kill (void);
//  Starts it again on the same port and waits until it answers PING.
void rf_restart (void);
//  "tcp://127.0.0.1:PORT"
const char *rf_endpoint (void);
//  A command (redisCommand format) on a new connection; the reply (caller frees with
//  freeReplyObject) or NULL when Redis does not answer.
redisReply *rf_command (const char *format, ...);
//  The same to the Redis at host:port (another test's, a member's).
redisReply *rf_vcommand_at (const char *host, int port, const char *format, va_list ap);

#endif
