/*  identity/cache: what accord-identity remembers of the chain, in two levels: parsed objects
    in memory (and decoded status lists), then Redis, shared by the member's identity services.

    Keys name a record: "did:<DID>" (current DID Resolution result), "schema:<id>",
    "issuer:<DID>", "issuers:<type>" (the recognized issuers of a type, "" for all) and
    "status:<list id>". In Redis a key is prefixed "accord:<chain id>:identity:" and its value
    is "<height> <JSON>", with a TTL of IDENTITY_CACHE_TTL_S.

    Freshness. An entry is tagged with the height the cache had applied when it was read from
    the node (the node had committed at least that height). The cache records, for each key a
    block's logs touched, the height of that block, and a floor below which it trusts nothing
    (the height of the last flush: start, or a gap it could not fill). An entry answers only
    when its tag is at or above the floor and at or above the last change of its key (and of
    its group: "issuers" for the lists). A change deletes the key in memory and in Redis; the
    tags make a stale copy harmless even when the delete could not reach Redis, or when
    another service wrote it back late. */
#ifndef IDENTITY_CACHE_H
#define IDENTITY_CACHE_H

#include "accord/verifier.h"
#include <json-c/json.h>
#include <stdint.h>

#define IDENTITY_CACHE_TTL_S        3600
#define IDENTITY_CACHE_MEMORY_MAX   65536   //  entries in memory; when full, memory is emptied
#define IDENTITY_CACHE_CHANGES_MAX  65536   //  keys with a recorded change; when full: a flush
#define IDENTITY_CACHE_KEY_MAX      512

typedef struct _identity_cache_t identity_cache_t;

//  A cache for chain_id over the Redis at redis_endpoint. NULL when the endpoint is malformed.
identity_cache_t *identity_cache_new (const char *chain_id, const char *redis_endpoint);
void identity_cache_destroy (identity_cache_t **self_p);

//  Writes "<kind>:<id>" into out. -1 when it does not fit IDENTITY_CACHE_KEY_MAX.
int identity_cache_key (char out [IDENTITY_CACHE_KEY_MAX], const char *kind, const char *id);

//  The height applied: every block up to it has been applied, or flushed.
uint64_t identity_cache_height (identity_cache_t *self);
//  1 once the first flush set a height (the cache trusts nothing before that).
int identity_cache_started (identity_cache_t *self);
//  Blocks up to height are applied (their changes recorded).
void identity_cache_advance (identity_cache_t *self, uint64_t height);
//  Trusts nothing read before height: empties memory, raises the floor, height applied.
void identity_cache_flush (identity_cache_t *self, uint64_t height);
//  A log of the block at height touched key (or a group of keys): drops it.
void identity_cache_changed (identity_cache_t *self, const char *key, uint64_t height);

//  The fresh value of key (a new reference: caller puts; do not modify it), or NULL.
//  group (may be NULL) is a second key whose changes also make the entry stale.
json_object *identity_cache_get (identity_cache_t *self, const char *key, const char *group);
//  Remembers value (borrowed; a reference is kept) for key, tagged with the height applied.
void identity_cache_put (identity_cache_t *self, const char *key, json_object *value);

//  The status list record cached in memory under key, decoded once per entry
//  (accord_status_record_decode): ACCORD_OK with *meta and *list (borrowed, valid until the
//  next call on the cache), ACCORD_E_NOT_FOUND when key is not in memory, ACCORD_E_MALFORMED
//  with a reason when the record does not decode.
int identity_cache_statuslist (identity_cache_t *self, const char *key, accord_status_bit_t *meta,
                               const accord_statuslist_t **list, char *err, size_t err_size);

//  1 when Redis answered the last command.
int identity_cache_redis_up (identity_cache_t *self);
//  {"entries", "memory_hits", "redis_hits", "misses", "flushes", "floor", "redis"}: new object.
json_object *identity_cache_stats (identity_cache_t *self);

#endif
