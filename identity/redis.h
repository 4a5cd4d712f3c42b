/*  identity/redis: the service's Redis connection (hiredis, synchronous). Every command has a
    short timeout; when Redis is down the calls fail at once (no waiting) and the connection is
    tried again at most once per IDENTITY_REDIS_RETRY_MS, so a service without Redis answers
    from the chain at the chain's speed. */
#ifndef IDENTITY_REDIS_H
#define IDENTITY_REDIS_H

#include <stddef.h>
#include <stdint.h>

#define IDENTITY_REDIS_TIMEOUT_MS 500   //  connect and per-command
#define IDENTITY_REDIS_RETRY_MS   1000  //  between connection attempts while down

typedef struct _identity_redis_t identity_redis_t;

//  A connection to endpoint ("tcp://HOST:PORT"), made on first use. NULL when the endpoint
//  does not parse.
identity_redis_t *identity_redis_new (const char *endpoint);
void identity_redis_destroy (identity_redis_t **self_p);

//  1 when the last command (or connection attempt) succeeded.
int identity_redis_up (identity_redis_t *self);

//  The value of key (new buffer, NUL-terminated, caller frees), or NULL when absent or when
//  Redis cannot answer.
char *identity_redis_get (identity_redis_t *self, const char *key, size_t *len);

//  SET key value EX ttl_s. 0 or -1.
int identity_redis_set (identity_redis_t *self, const char *key, const char *value, size_t len,
                        int ttl_s);

//  DEL key. 0 (also when there was none) or -1.
int identity_redis_del (identity_redis_t *self, const char *key);

#endif
