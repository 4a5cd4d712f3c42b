#include "pool.h"
#include "accord/error.h"
#include <czmq.h>

typedef struct {
    accord_tx_t *tx;
    void *handle;       //  in the order list
    int64_t arrived_ms;
} s_entry_t;

struct _accord_pool_t {
    size_t max;
    size_t max_bytes;
    size_t bytes;       //  encodings of the transactions held
    zhashx_t *entries;  //  tx hash -> s_entry_t *
    zlistx_t *order;    //  s_entry_t * in arrival order
};

static size_t
s_hash_key (const void *key)
{
    size_t value;
    memcpy (&value, key, sizeof value);    //  transaction hashes are already uniform
    return value;
}

static int
s_compare_key (const void *a, const void *b)
{
    return memcmp (a, b, ACCORD_HASH_SIZE);
}

static void *
s_dup_key (const void *key)
{
    void *copy = malloc (ACCORD_HASH_SIZE);
    memcpy (copy, key, ACCORD_HASH_SIZE);
    return copy;
}

static void
s_free_key (void **key)
{
    free (*key);
    *key = NULL;
}

accord_pool_t *
accord_pool_new (size_t max, size_t max_bytes)
{
    accord_pool_t *self = calloc (1, sizeof *self);
    self->max = max;
    self->max_bytes = max_bytes;
    self->entries = zhashx_new ();
    zhashx_set_key_hasher (self->entries, s_hash_key);
    zhashx_set_key_comparator (self->entries, s_compare_key);
    zhashx_set_key_duplicator (self->entries, s_dup_key);
    zhashx_set_key_destructor (self->entries, s_free_key);
    self->order = zlistx_new ();
    return self;
}

void
accord_pool_destroy (accord_pool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_pool_t *self = *self_p;
    for (s_entry_t *entry = zlistx_first (self->order); entry; entry = zlistx_next (self->order)) {
        accord_tx_destroy (&entry->tx);
        free (entry);
    }
    zlistx_destroy (&self->order);
    zhashx_destroy (&self->entries);
    free (self);
    *self_p = NULL;
}

int
accord_pool_add (accord_pool_t *self, accord_tx_t **tx_p)
{
    accord_tx_t *tx = *tx_p;
    if (zhashx_lookup (self->entries, tx->hash))
        return ACCORD_E_DUPLICATE;
    if (zhashx_size (self->entries) >= self->max || self->bytes + tx->raw_len > self->max_bytes)
        return ACCORD_E_POOL_FULL;
    self->bytes += tx->raw_len;
    s_entry_t *entry = calloc (1, sizeof *entry);
    entry->tx = tx;
    entry->arrived_ms = zclock_mono ();
    entry->handle = zlistx_add_end (self->order, entry);
    zhashx_insert (self->entries, tx->hash, entry);
    *tx_p = NULL;
    return ACCORD_OK;
}

const accord_tx_t *
accord_pool_lookup (accord_pool_t *self, const uint8_t hash [ACCORD_HASH_SIZE])
{
    s_entry_t *entry = zhashx_lookup (self->entries, hash);
    return entry ? entry->tx : NULL;
}

void
accord_pool_remove (accord_pool_t *self, const uint8_t hash [ACCORD_HASH_SIZE])
{
    s_entry_t *entry = zhashx_lookup (self->entries, hash);
    if (!entry)
        return;
    zhashx_delete (self->entries, hash);
    zlistx_delete (self->order, entry->handle);
    self->bytes -= entry->tx->raw_len;
    accord_tx_destroy (&entry->tx);
    free (entry);
}

size_t
accord_pool_size (accord_pool_t *self)
{
    return zhashx_size (self->entries);
}

int64_t
accord_pool_oldest_ms (accord_pool_t *self)
{
    s_entry_t *entry = zlistx_first (self->order);
    return entry ? entry->arrived_ms : 0;
}

const accord_tx_t *
accord_pool_first (accord_pool_t *self)
{
    s_entry_t *entry = zlistx_first (self->order);
    return entry ? entry->tx : NULL;
}

const accord_tx_t *
accord_pool_next (accord_pool_t *self)
{
    s_entry_t *entry = zlistx_next (self->order);
    return entry ? entry->tx : NULL;
}
