#include "redis.h"
#include "accord/config.h"
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

struct _identity_redis_t {
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    redisContext *context;      //  NULL while down
    int64_t retry_at;           //  monotonic ms of the next connection attempt
    int failing;                //  the last attempt failed (logged once until it works)
};

identity_redis_t *
identity_redis_new (const char *endpoint)
{
    identity_redis_t *self = calloc (1, sizeof *self);
    if (self && accord_endpoint_split (endpoint, self->host, &self->port))
        identity_redis_destroy (&self);
    return self;
}

void
identity_redis_destroy (identity_redis_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->context)
        redisFree ((*self_p)->context);
    free (*self_p);
    *self_p = NULL;
}

static void
s_down (identity_redis_t *self)
{
    if (self->context) {
        zsys_warning ("redis %s:%d: %s; answering from the chain until it is back", self->host,
                      self->port, self->context->errstr [0] ? self->context->errstr : "no reply");
        redisFree (self->context);
        self->context = NULL;
    }
    self->retry_at = zclock_mono () + IDENTITY_REDIS_RETRY_MS;
}

//  The connection, made now if it is down and an attempt is due; NULL while down.
static redisContext *
s_context (identity_redis_t *self)
{
    if (self->context || zclock_mono () < self->retry_at)
        return self->context;
    struct timeval timeout = { 0, IDENTITY_REDIS_TIMEOUT_MS * 1000 };
    redisContext *context = redisConnectWithTimeout (self->host, self->port, timeout);
    if (!context || context->err || redisSetTimeout (context, timeout) != REDIS_OK) {
        if (!self->failing)
            zsys_warning ("redis %s:%d: cannot connect: %s", self->host, self->port,
                          context ? context->errstr : "out of memory");
        self->failing = 1;
        if (context)
            redisFree (context);
        self->retry_at = zclock_mono () + IDENTITY_REDIS_RETRY_MS;
        return NULL;
    }
    zsys_info ("redis %s:%d: connected", self->host, self->port);
    self->failing = 0;
    self->context = context;
    return context;
}

int
identity_redis_up (identity_redis_t *self)
{
    return s_context (self) != NULL;
}

//  Runs a command; the reply (caller frees) or NULL when Redis did not answer.
static redisReply *
s_command (identity_redis_t *self, int argc, const char **argv, const size_t *argvlen)
{
    redisContext *context = s_context (self);
    redisReply *reply = context ? redisCommandArgv (context, argc, argv, argvlen) : NULL;
    if (context && !reply)
        s_down (self);
    else if (reply && reply->type == REDIS_REPLY_ERROR) {
        zsys_warning ("redis %s:%d: %s", self->host, self->port, reply->str);
        freeReplyObject (reply);
        reply = NULL;
    }
    return reply;
}

char *
identity_redis_get (identity_redis_t *self, const char *key, size_t *len)
{
    const char *argv [] = { "GET", key };
    size_t argvlen [] = { 3, strlen (key) };
    redisReply *reply = s_command (self, 2, argv, argvlen);
    char *value = NULL;
    if (reply && reply->type == REDIS_REPLY_STRING && (value = malloc (reply->len + 1))) {
        memcpy (value, reply->str, reply->len);
        value [reply->len] = 0;
        if (len)
            *len = reply->len;
    }
    if (reply)
        freeReplyObject (reply);
    return value;
}

int
identity_redis_set (identity_redis_t *self, const char *key, const char *value, size_t len, int ttl_s)
{
    char ttl [16];
    snprintf (ttl, sizeof ttl, "%d", ttl_s);
    const char *argv [] = { "SET", key, value, "EX", ttl };
    size_t argvlen [] = { 3, strlen (key), len, 2, strlen (ttl) };
    redisReply *reply = s_command (self, 5, argv, argvlen);
    if (reply)
        freeReplyObject (reply);
    return reply ? 0 : -1;
}

int
identity_redis_del (identity_redis_t *self, const char *key)
{
    const char *argv [] = { "DEL", key };
    size_t argvlen [] = { 3, strlen (key) };
    redisReply *reply = s_command (self, 2, argv, argvlen);
    if (reply)
        freeReplyObject (reply);
    return reply ? 0 : -1;
}
