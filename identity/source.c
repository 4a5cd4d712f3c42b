#include "source.h"
#include "accord/json.h"
#include <stdio.h>
#include <string.h>

//  The cache key (and group) of a query, or 0 when it is not cached.
static int
s_cache_key (const char *module, const char *method, json_object *args,
             char key [IDENTITY_CACHE_KEY_MAX], const char **group)
{
    const char *did = accord_json_get_string (args, "did");
    const char *id = accord_json_get_string (args, "id");
    *group = NULL;
    if (streq (module, "did") && streq (method, "resolve"))
        //  A past version's metadata changes too (nextVersionId): only the current is kept.
        return did && json_object_object_length (args) == 1 && identity_cache_key (key, "did", did) == 0;
    if (streq (module, "schema") && streq (method, "get"))
        return id && identity_cache_key (key, "schema", id) == 0;
    if (streq (module, "status") && streq (method, "get"))
        return id && identity_cache_key (key, "status", id) == 0;
    if (streq (module, "issuer") && streq (method, "get"))
        return did && identity_cache_key (key, "issuer", did) == 0;
    if (streq (module, "issuer") && streq (method, "list")) {
        *group = "issuers";
        json_object *type = json_object_object_get (args, "type");
        return (!type || json_object_is_type (type, json_type_string))
            && identity_cache_key (key, "issuers", type ? json_object_get_string (type) : "") == 0;
    }
    return 0;
}

//  A DID Resolution result worth keeping: a document, or a deactivation (final).
static int
s_keep (const char *module, json_object *result)
{
    if (!streq (module, "did"))
        return 1;
    const char *error = accord_json_get_string (accord_json_get_object (result, "didResolutionMetadata"), "error");
    return !error || streq (error, "deactivated");
}

int
identity_source_query (void *ctx, const char *module, const char *method, json_object *args,
                       json_object **result, char *err, size_t err_size)
{
    identity_source_t *self = ctx;
    char key [IDENTITY_CACHE_KEY_MAX];
    const char *group;
    int cached = s_cache_key (module, method, args, key, &group);
    *result = cached ? identity_cache_get (self->cache, key, group) : NULL;
    if (*result)
        return ACCORD_OK;
    int rc = accord_verifier_client_query (self->node, module, method, args, result, err, err_size);
    if (rc == ACCORD_OK && cached && s_keep (module, *result))
        identity_cache_put (self->cache, key, *result);
    return rc;
}

int
identity_source_status_bit (void *ctx, const char *list_id, uint64_t index,
                            accord_status_bit_t *out, char *err, size_t err_size)
{
    identity_source_t *self = ctx;
    json_object *args = json_object_new_object (), *record = NULL;
    json_object_object_add (args, "id", json_object_new_string (list_id));
    int rc = identity_source_query (self, "status", "get", args, &record, err, err_size);
    json_object_put (args);
    if (rc != ACCORD_OK)
        return rc;
    char key [IDENTITY_CACHE_KEY_MAX];
    const accord_statuslist_t *list = NULL;
    accord_statuslist_t *own = NULL;
    if (identity_cache_key (key, "status", list_id) == 0)
        rc = identity_cache_statuslist (self->cache, key, out, &list, err, err_size);
    else
        rc = ACCORD_E_NOT_FOUND;
    if (rc == ACCORD_E_NOT_FOUND)   //  not kept (the cache has not started): decode this once
        rc = accord_status_record_decode (record, out, &own, err, err_size) ? ACCORD_E_MALFORMED : ACCORD_OK;
    if (rc == ACCORD_OK)
        out->bit = accord_statuslist_get (own ? own : list, index);
    accord_statuslist_destroy (&own);
    json_object_put (record);
    return rc;
}
