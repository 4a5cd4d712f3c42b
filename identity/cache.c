#include "cache.h"
#include "redis.h"
#include "accord/config.h"
#include "accord/json.h"
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t tag;                   //  height applied when the value was read
    json_object *value;
    accord_statuslist_t *list;      //  status records: decoded on first use
    accord_status_bit_t meta;       //  ... with their issuer and purpose
    int stored;                     //  in Redis too (else written there on a later hit)
} entry_t;

struct _identity_cache_t {
    char prefix [ACCORD_CHAIN_ID_MAX + 32];     //  "accord:<chain id>:identity:"
    identity_redis_t *redis;
    zhashx_t *memory;               //  key -> entry_t
    zhashx_t *changes;              //  key -> height of the last block that touched it
    uint64_t height;                //  applied
    uint64_t floor;                 //  nothing tagged below it answers
    int started;
    uint64_t memory_hits, redis_hits, misses, flushes;
};

static void
s_entry_destroy (void **item)
{
    entry_t *entry = *item;
    if (entry) {
        json_object_put (entry->value);
        accord_statuslist_destroy (&entry->list);
        free (entry);
        *item = NULL;
    }
}

identity_cache_t *
identity_cache_new (const char *chain_id, const char *redis_endpoint)
{
    identity_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->prefix, sizeof self->prefix, "accord:%s:identity:", chain_id);
    self->redis = identity_redis_new (redis_endpoint);
    self->memory = zhashx_new ();
    self->changes = zhashx_new ();
    if (!self->redis || !self->memory || !self->changes) {
        identity_cache_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->memory, s_entry_destroy);
    return self;
}

void
identity_cache_destroy (identity_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    identity_cache_t *self = *self_p;
    identity_redis_destroy (&self->redis);
    zhashx_destroy (&self->memory);
    zhashx_destroy (&self->changes);
    free (self);
    *self_p = NULL;
}

int
identity_cache_key (char out [IDENTITY_CACHE_KEY_MAX], const char *kind, const char *id)
{
    int len = snprintf (out, IDENTITY_CACHE_KEY_MAX, "%s:%s", kind, id ? id : "");
    return len > 0 && len < IDENTITY_CACHE_KEY_MAX ? 0 : -1;
}

uint64_t
identity_cache_height (identity_cache_t *self)
{
    return self->height;
}

int
identity_cache_started (identity_cache_t *self)
{
    return self->started;
}

void
identity_cache_advance (identity_cache_t *self, uint64_t height)
{
    if (height > self->height)
        self->height = height;
}

void
identity_cache_flush (identity_cache_t *self, uint64_t height)
{
    zhashx_purge (self->memory);
    zhashx_purge (self->changes);
    self->floor = self->height = height;
    self->started = 1;
    self->flushes++;
}

static void
s_redis_key (identity_cache_t *self, char *out, size_t size, const char *key)
{
    snprintf (out, size, "%s%s", self->prefix, key);
}

void
identity_cache_changed (identity_cache_t *self, const char *key, uint64_t height)
{
    if (zhashx_size (self->changes) >= IDENTITY_CACHE_CHANGES_MAX && !zhashx_lookup (self->changes, key)) {
        //  Too many changes to remember one by one: trust nothing older than this block.
        identity_cache_flush (self, height);
        return;
    }
    uint64_t last = (uint64_t) (uintptr_t) zhashx_lookup (self->changes, key);
    if (height > last)
        zhashx_update (self->changes, key, (void *) (uintptr_t) height);
    zhashx_delete (self->memory, key);
    char redis_key [sizeof self->prefix + IDENTITY_CACHE_KEY_MAX];
    s_redis_key (self, redis_key, sizeof redis_key, key);
    identity_redis_del (self->redis, redis_key);
}

//  Whether a value tagged tag is fresh for key (and group).
static int
s_fresh (identity_cache_t *self, uint64_t tag, const char *key, const char *group)
{
    if (!self->started || tag < self->floor)
        return 0;
    if (tag < (uint64_t) (uintptr_t) zhashx_lookup (self->changes, key))
        return 0;
    return !group || tag >= (uint64_t) (uintptr_t) zhashx_lookup (self->changes, group);
}

static entry_t *
s_remember (identity_cache_t *self, const char *key, json_object *value, uint64_t tag)
{
    if (zhashx_size (self->memory) >= IDENTITY_CACHE_MEMORY_MAX)
        zhashx_purge (self->memory);
    entry_t *entry = calloc (1, sizeof *entry);
    if (!entry)
        return NULL;
    entry->tag = tag;
    entry->value = json_object_get (value);
    zhashx_update (self->memory, key, entry);
    return entry;
}

//  Writes an entry to Redis as "<tag> <JSON>". 0 or -1.
static int
s_store (identity_cache_t *self, const char *key, entry_t *entry)
{
    char redis_key [sizeof self->prefix + IDENTITY_CACHE_KEY_MAX];
    s_redis_key (self, redis_key, sizeof redis_key, key);
    char *text = NULL;
    int len = asprintf (&text, "%" PRIu64 " %s", entry->tag,
                        json_object_to_json_string_ext (entry->value, JSON_C_TO_STRING_PLAIN));
    int rc = len > 0 ? identity_redis_set (self->redis, redis_key, text, (size_t) len, IDENTITY_CACHE_TTL_S) : -1;
    free (text);
    return rc;
}

json_object *
identity_cache_get (identity_cache_t *self, const char *key, const char *group)
{
    entry_t *entry = zhashx_lookup (self->memory, key);
    if (entry && s_fresh (self, entry->tag, key, group)) {
        self->memory_hits++;
        //  Read while Redis was down (or slow): share it once Redis answers again.
        if (!entry->stored)
            entry->stored = s_store (self, key, entry) == 0;
        return json_object_get (entry->value);
    }
    if (entry)
        zhashx_delete (self->memory, key);
    char redis_key [sizeof self->prefix + IDENTITY_CACHE_KEY_MAX];
    s_redis_key (self, redis_key, sizeof redis_key, key);
    size_t len = 0;
    char *text = self->started ? identity_redis_get (self->redis, redis_key, &len) : NULL;
    char *space = text ? memchr (text, ' ', len) : NULL, *end = NULL;
    uint64_t tag = space ? strtoull (text, &end, 10) : 0;
    json_object *value = NULL;
    if (space && end == space && s_fresh (self, tag, key, group))
        value = accord_json_parse (space + 1, len - (size_t) (space + 1 - text), NULL, 0);
    free (text);
    if (!value) {
        self->misses++;
        return NULL;
    }
    self->redis_hits++;
    entry = s_remember (self, key, value, tag);
    if (entry)
        entry->stored = 1;
    return value;
}

void
identity_cache_put (identity_cache_t *self, const char *key, json_object *value)
{
    if (!self->started)
        return;
    entry_t *entry = s_remember (self, key, value, self->height);
    if (entry)
        entry->stored = s_store (self, key, entry) == 0;
}

int
identity_cache_statuslist (identity_cache_t *self, const char *key, accord_status_bit_t *meta,
                           const accord_statuslist_t **list, char *err, size_t err_size)
{
    entry_t *entry = zhashx_lookup (self->memory, key);
    if (!entry) {
        snprintf (err, err_size, "%s is not cached", key);
        return ACCORD_E_NOT_FOUND;
    }
    if (!entry->list && accord_status_record_decode (entry->value, &entry->meta, &entry->list, err, err_size))
        return ACCORD_E_MALFORMED;
    *meta = entry->meta;
    *list = entry->list;
    return ACCORD_OK;
}

int
identity_cache_redis_up (identity_cache_t *self)
{
    return identity_redis_up (self->redis);
}

json_object *
identity_cache_stats (identity_cache_t *self)
{
    json_object *stats = json_object_new_object ();
    json_object_object_add (stats, "entries", json_object_new_int64 ((int64_t) zhashx_size (self->memory)));
    json_object_object_add (stats, "memory_hits", json_object_new_int64 ((int64_t) self->memory_hits));
    json_object_object_add (stats, "redis_hits", json_object_new_int64 ((int64_t) self->redis_hits));
    json_object_object_add (stats, "misses", json_object_new_int64 ((int64_t) self->misses));
    json_object_object_add (stats, "flushes", json_object_new_int64 ((int64_t) self->flushes));
    json_object_object_add (stats, "floor", json_object_new_int64 ((int64_t) self->floor));
    return stats;
}
