/*  identity/source: the verifier's source of chain state in accord-identity (accord/verifier.h):
    the cache first (memory, then Redis), the member's node on a miss, and what the node gave
    is cached. Cached: did.resolve of the current version, schema.get, issuer.get,
    issuer.list and status.get; absences ("notFound", not_found) never are. Any other query
    goes to the node. */
#ifndef IDENTITY_SOURCE_H
#define IDENTITY_SOURCE_H

#include "cache.h"
#include "accord/verifier.h"

typedef struct {
    identity_cache_t *cache;        //  borrowed
    accord_client_t *node;          //  borrowed: the member's node RPC
} identity_source_t;

//  accord_chain_query_fn; ctx is an identity_source_t. The result is shared with the cache:
//  read it, do not modify it.
int identity_source_query (void *ctx, const char *module, const char *method, json_object *args,
                           json_object **result, char *err, size_t err_size);

//  accord_status_bit_fn; ctx is an identity_source_t. Lists stay decoded in the cache.
int identity_source_status_bit (void *ctx, const char *list_id, uint64_t index,
                                accord_status_bit_t *out, char *err, size_t err_size);

#endif
