#include "store.h"
#include "accord/config.h"
#include "accord/json.h"
#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define STORE_MAP_SIZE ((size_t) 64 << 30)    //  sparse: reserves address space, not disk

//  ACCORD_STORE_MAP_MB overrides the map size: valgrind cannot reserve 64 GiB of address space.
static size_t
s_map_size (void)
{
    const char *mb = getenv ("ACCORD_STORE_MAP_MB");
    long value = mb ? strtol (mb, NULL, 10) : 0;
    return value > 0 ? (size_t) value << 20 : STORE_MAP_SIZE;
}

//  Small committed state values read lately (senders' nonces are read at admission and again
//  at execution), kept up to date by each commit. Larger values and absent keys are not kept:
//  they are read once (an anchored record) and would only crowd the cache out. Emptied when it
//  reaches this many keys.
#define STORE_CACHE_MAX   16384
#define STORE_CACHE_VALUE 64

typedef struct {
    int deleted;
    size_t len;
    uint8_t data [];
} s_value_t;

//  A map of state keys to values, for overlays and the cache: open addressing with linear
//  probing, power-of-two size at most half full, each slot keeping its key's hash. Keys are
//  never removed one by one (an overlay deletes with a tombstone value), only all at once.
typedef struct {
    uint64_t hash;
    char *key;                      //  owned; NULL for a free slot
    s_value_t *value;               //  owned
} s_slot_t;

typedef struct {
    s_slot_t *slots;
    size_t size;                    //  0 until the first put
    size_t count;
} s_map_t;

static uint64_t
s_key_hash (const char *key, size_t len)
{
    //  64-bit words mixed with a multiply and a rotation (FNV-like); the tail byte by byte
    uint64_t hash = 0x9e3779b97f4a7c15ull ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy (&word, key + i, 8);
        hash = (hash ^ word) * 0x100000001b3ull;
        hash ^= hash >> 29;
    }
    for (; i < len; i++)
        hash = (hash ^ (uint8_t) key [i]) * 0x100000001b3ull;
    return hash ^ (hash >> 32);
}

static s_slot_t *
s_map_find (s_map_t *self, const char *key, uint64_t hash)
{
    if (!self->count)
        return NULL;
    for (size_t i = hash & (self->size - 1); self->slots [i].key; i = (i + 1) & (self->size - 1))
        if (self->slots [i].hash == hash && strcmp (self->slots [i].key, key) == 0)
            return &self->slots [i];
    return NULL;
}

static void
s_map_purge (s_map_t *self)
{
    for (size_t i = 0; i < self->size; i++)
        if (self->slots [i].key) {
            free (self->slots [i].key);
            free (self->slots [i].value);
        }
    free (self->slots);
    memset (self, 0, sizeof *self);
}

static int
s_map_grow (s_map_t *self)
{
    size_t size = self->size ? 2 * self->size : 8;
    s_slot_t *slots = calloc (size, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < self->size; i++) {
        s_slot_t *slot = &self->slots [i];
        if (!slot->key)
            continue;
        size_t j = slot->hash & (size - 1);
        while (slots [j].key)
            j = (j + 1) & (size - 1);
        slots [j] = *slot;
    }
    free (self->slots);
    self->slots = slots;
    self->size = size;
    return 0;
}

//  Sets key to value (taken over, also on failure). 0 or -1.
static int
s_map_put (s_map_t *self, const char *key, uint64_t hash, s_value_t *value)
{
    s_slot_t *slot = s_map_find (self, key, hash);
    if (slot) {
        free (slot->value);
        slot->value = value;
        return 0;
    }
    char *copy = strdup (key);
    if (!copy || ((self->count + 1) * 2 > self->size && s_map_grow (self))) {
        free (copy);
        free (value);
        return -1;
    }
    size_t i = hash & (self->size - 1);
    while (self->slots [i].key)
        i = (i + 1) & (self->size - 1);
    self->slots [i] = (s_slot_t) { hash, copy, value };
    self->count++;
    return 0;
}

static int
s_compare_slots (const void *a, const void *b)
{
    return strcmp ((*(const s_slot_t *const *) a)->key, (*(const s_slot_t *const *) b)->key);
}

//  The used slots in strcmp order of their keys. Caller frees the array.
static s_slot_t **
s_map_sorted (s_map_t *self)
{
    s_slot_t **sorted = malloc ((self->count + 1) * sizeof *sorted);
    if (!sorted)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < self->size; i++)
        if (self->slots [i].key)
            sorted [n++] = &self->slots [i];
    qsort (sorted, n, sizeof *sorted, s_compare_slots);
    return sorted;
}

struct _accord_store_t {
    MDB_env *env;
    MDB_dbi blocks, hashes, receipts, state, meta;
    MDB_txn *reader;                //  read-only transaction kept between reads (reset)
    //  The transaction index (tx hash -> height, index) is derived from the blocks, so it
    //  lives in its own environment that is not synced at each commit (see s_index_open).
    MDB_env *index_env;
    MDB_dbi txs, index_meta;
    MDB_txn *index_reader;
    uint64_t indexed;               //  blocks up to this height are in the index
    s_map_t cache;                  //  state key -> value as committed (tombstone: absent)
    uint64_t height;
    uint8_t last_hash [ACCORD_HASH_SIZE];
    uint8_t state_root [ACCORD_HASH_SIZE];
};

static s_value_t *
s_value_new (const void *data, size_t len, int deleted)
{
    s_value_t *value = malloc (sizeof *value + len);
    if (!value)
        return NULL;
    value->deleted = deleted;
    value->len = len;
    if (len)
        memcpy (value->data, data, len);
    return value;
}

static void
s_be64 (uint8_t out [8], uint64_t value)
{
    for (int i = 0; i < 8; i++)
        out [i] = (uint8_t) (value >> (56 - 8 * i));
}

static uint64_t
s_read_be64 (const uint8_t *in)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | in [i];
    return value;
}

//  The read-only transaction for one read: the kept one renewed, or a new one. The store is
//  used by one thread (LMDB ties a read transaction to its thread), and every read of the
//  store goes through here, so the kept transaction is the thread's only reader.
static MDB_txn *
s_read_begin (MDB_env *env, MDB_txn **reader)
{
    if (*reader && mdb_txn_renew (*reader) == 0)
        return *reader;
    if (*reader)
        mdb_txn_abort (*reader);
    *reader = NULL;
    if (mdb_txn_begin (env, NULL, MDB_RDONLY, reader))
        *reader = NULL;
    return *reader;
}

static uint8_t *
s_get_in (MDB_env *env, MDB_txn **reader, MDB_dbi dbi, const void *key, size_t key_len,
          size_t *len, int *found)
{
    MDB_txn *txn = s_read_begin (env, reader);
    if (!txn)
        return NULL;
    MDB_val k = { key_len, (void *) key }, v;
    uint8_t *out = NULL;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (found)
        *found = rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : -1;
    if (rc == 0 && (out = malloc (v.mv_size + 1))) {
        memcpy (out, v.mv_data, v.mv_size);
        out [v.mv_size] = 0;
        if (len)
            *len = v.mv_size;
    }
    mdb_txn_reset (txn);
    return out;
}

static uint8_t *
s_get (accord_store_t *self, MDB_dbi dbi, const void *key, size_t key_len, size_t *len,
       int *found)
{
    return s_get_in (self->env, &self->reader, dbi, key, key_len, len, found);
}

//  --------------------------------------------------------------------------
//  The transaction index

//  Where transaction i of the block at height is: its receipt key and its index value.
static void
s_location (uint8_t out [12], uint64_t height, size_t i)
{
    s_be64 (out, height);
    for (int b = 0; b < 4; b++)
        out [8 + b] = (uint8_t) (i >> (24 - 8 * b));
}

//  This boot of the machine; "" when unknown (then an unclean index is always rebuilt).
static void
s_boot_id (char out [64])
{
    char *text = accord_file_read ("/proc/sys/kernel/random/boot_id", 63, NULL);
    snprintf (out, 64, "%s", text ? text : "");
    free (text);
}

//  Adds the block's transactions to the index and records its height, in txn.
static int
s_index_block (accord_store_t *self, MDB_txn *txn, const accord_block_t *block)
{
    uint64_t height = block->header.height;
    int rc = 0;
    for (size_t i = 0; !rc && i < block->tx_count; i++) {
        uint8_t location [12];
        s_location (location, height, i);
        MDB_val k = { ACCORD_HASH_SIZE, block->txs [i]->hash }, v = { 12, location };
        //  A transaction a faulty leader repeats keeps its first (executed) location.
        rc = mdb_put (txn, self->txs, &k, &v, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST)
            rc = 0;
    }
    uint8_t height_key [8];
    s_be64 (height_key, height);
    MDB_val k = { 7, "indexed" }, v = { 8, height_key };
    return rc ? rc : mdb_put (txn, self->index_meta, &k, &v, 0);
}

//  Indexes the stored blocks above the indexed height, up to the store's height.
static int
s_index_catch_up (accord_store_t *self)
{
    while (self->indexed < self->height) {
        size_t len;
        uint8_t *raw = accord_store_block (self, self->indexed + 1, &len);
        accord_block_t *block = raw ? accord_block_decode (raw, len, NULL, 0) : NULL;
        free (raw);
        MDB_txn *txn = NULL;
        int rc = block ? mdb_txn_begin (self->index_env, NULL, 0, &txn) : -1;
        if (!rc && (rc = s_index_block (self, txn, block)) == 0)
            rc = mdb_txn_commit (txn);
        else if (txn)
            mdb_txn_abort (txn);
        accord_block_destroy (&block);
        if (rc)
            return -1;
        self->indexed++;
    }
    return 0;
}

//  Opens DIR/index. Every block's entries would cost a sync of their own (one B-tree page
//  rewritten per transaction, at random): the index is written without syncing, and since it
//  can be rebuilt from the blocks it is trusted at open only when it was closed cleanly or
//  the machine has not restarted since (a crashed process loses nothing LMDB committed to
//  the page cache; a crashed machine may have lost or torn unsynced pages). Otherwise it is
//  emptied and rebuilt. Then it catches up with the stored blocks.
static int
s_index_open (accord_store_t *self, const char *dir, char *err, size_t err_size)
{
    char path [PATH_MAX], boot [64];
    snprintf (path, sizeof path, "%s/index", dir);
    s_boot_id (boot);
    MDB_txn *txn = NULL;
    int rc = mkdir (path, 0700) && errno != EEXIST ? errno : 0;
    if (!rc) rc = mdb_env_create (&self->index_env);
    if (!rc) rc = mdb_env_set_maxdbs (self->index_env, 4);
    if (!rc) rc = mdb_env_set_mapsize (self->index_env, s_map_size ());
    if (!rc) rc = mdb_env_open (self->index_env, path, MDB_WRITEMAP | MDB_NOSYNC | MDB_MAPASYNC, 0600);
    if (!rc) rc = mdb_txn_begin (self->index_env, NULL, 0, &txn);
    if (!rc) rc = mdb_dbi_open (txn, "txs", MDB_CREATE, &self->txs);
    if (!rc) rc = mdb_dbi_open (txn, "meta", MDB_CREATE, &self->index_meta);
    MDB_val clean = { 0, NULL }, last_boot = { 0, NULL }, indexed = { 0, NULL };
    MDB_val clean_key = { 5, "clean" }, boot_key = { 4, "boot" }, indexed_key = { 7, "indexed" };
    if (!rc) {
        mdb_get (txn, self->index_meta, &clean_key, &clean);
        mdb_get (txn, self->index_meta, &boot_key, &last_boot);
        mdb_get (txn, self->index_meta, &indexed_key, &indexed);
        int trusted = (clean.mv_size == 1 && *(char *) clean.mv_data == '1')
                   || (*boot && last_boot.mv_size == strlen (boot) && memcmp (last_boot.mv_data, boot, strlen (boot)) == 0);
        if (trusted && indexed.mv_size == 8)
            self->indexed = s_read_be64 (indexed.mv_data);
        else {
            rc = mdb_drop (txn, self->txs, 0);
            self->indexed = 0;
        }
        //  A block indexed after a restart of the store cannot be newer than the store.
        if (self->indexed > self->height) {
            rc = rc ? rc : mdb_drop (txn, self->txs, 0);
            self->indexed = 0;
        }
    }
    MDB_val no = { 1, "0" }, boot_value = { strlen (boot), boot };
    if (!rc) rc = mdb_put (txn, self->index_meta, &clean_key, &no, 0);
    if (!rc) rc = mdb_put (txn, self->index_meta, &boot_key, &boot_value, 0);
    if (!rc) {
        rc = mdb_txn_commit (txn);
        txn = NULL;
    }
    //  "not clean" must be on disk before unsynced writes begin.
    if (!rc) rc = mdb_env_sync (self->index_env, 1);
    if (txn)
        mdb_txn_abort (txn);
    if (rc) {
        snprintf (err, err_size, "%s: LMDB: %s", path, rc > 0 ? strerror (rc) : mdb_strerror (rc));
        return -1;
    }
    if (s_index_catch_up (self)) {
        snprintf (err, err_size, "%s: cannot index the stored blocks", path);
        return -1;
    }
    return 0;
}

//  Syncs the index and marks it clean.
static void
s_index_close (accord_store_t *self)
{
    MDB_txn *txn;
    if (self->index_reader)
        mdb_txn_abort (self->index_reader);
    if (mdb_env_sync (self->index_env, 1) == 0 && mdb_txn_begin (self->index_env, NULL, 0, &txn) == 0) {
        MDB_val k = { 5, "clean" }, v = { 1, "1" };
        if (mdb_put (txn, self->index_meta, &k, &v, 0))
            mdb_txn_abort (txn);
        else if (mdb_txn_commit (txn) == 0)
            mdb_env_sync (self->index_env, 1);
    }
    mdb_env_close (self->index_env);
}

accord_store_t *
accord_store_new (const char *dir, char *err, size_t err_size)
{
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (err, err_size, "%s: %s", dir, strerror (errno));
        return NULL;
    }
    accord_store_t *self = calloc (1, sizeof *self);
    MDB_txn *txn = NULL;
    int rc = mdb_env_create (&self->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (self->env, 8);
    if (!rc)
        rc = mdb_env_set_mapsize (self->env, s_map_size ());
    if (!rc)
        rc = mdb_env_open (self->env, dir, 0, 0600);
    if (!rc)
        rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (!rc) rc = mdb_dbi_open (txn, "blocks", MDB_CREATE, &self->blocks);
    if (!rc) rc = mdb_dbi_open (txn, "hashes", MDB_CREATE, &self->hashes);
    if (!rc) rc = mdb_dbi_open (txn, "receipts", MDB_CREATE, &self->receipts);
    if (!rc) rc = mdb_dbi_open (txn, "state", MDB_CREATE, &self->state);
    if (!rc) rc = mdb_dbi_open (txn, "meta", MDB_CREATE, &self->meta);
    if (!rc) {
        rc = mdb_txn_commit (txn);
        txn = NULL;
    }
    if (rc) {
        snprintf (err, err_size, "%s: LMDB: %s", dir, mdb_strerror (rc));
        if (txn)
            mdb_txn_abort (txn);
        accord_store_destroy (&self);
        return NULL;
    }
    size_t len;
    uint8_t *value = accord_store_meta_get (self, "height", &len);
    if (value && len == 8)
        self->height = s_read_be64 (value);
    free (value);
    value = accord_store_meta_get (self, "state_root", &len);
    if (value && len == ACCORD_HASH_SIZE)
        memcpy (self->state_root, value, ACCORD_HASH_SIZE);
    free (value);
    if (self->height) {
        uint8_t *raw = accord_store_block (self, self->height, &len);
        accord_header_t header;
        accord_reader_t in;
        accord_reader_init (&in, raw, len);
        size_t header_len;
        const uint8_t *header_raw = raw ? accord_reader_blob (&in, 1024, &header_len) : NULL;
        if (!header_raw || accord_header_decode (&header, header_raw, header_len)) {
            snprintf (err, err_size, "%s: last block %llu is unreadable", dir,
                      (unsigned long long) self->height);
            free (raw);
            accord_store_destroy (&self);
            return NULL;
        }
        accord_header_hash (&header, self->last_hash);
        free (raw);
    }
    if (s_index_open (self, dir, err, err_size)) {
        accord_store_destroy (&self);
        return NULL;
    }
    return self;
}

void
accord_store_destroy (accord_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->reader)
        mdb_txn_abort ((*self_p)->reader);
    if ((*self_p)->index_env)
        s_index_close (*self_p);
    if ((*self_p)->env)
        mdb_env_close ((*self_p)->env);
    s_map_purge (&(*self_p)->cache);
    free (*self_p);
    *self_p = NULL;
}

uint64_t
accord_store_height (accord_store_t *self)
{
    return self->height;
}

void
accord_store_last_hash (accord_store_t *self, uint8_t hash [ACCORD_HASH_SIZE])
{
    memcpy (hash, self->last_hash, ACCORD_HASH_SIZE);
}

void
accord_store_state_root (accord_store_t *self, uint8_t root [ACCORD_HASH_SIZE])
{
    memcpy (root, self->state_root, ACCORD_HASH_SIZE);
}

uint8_t *
accord_store_block (accord_store_t *self, uint64_t height, size_t *len)
{
    uint8_t key [8];
    s_be64 (key, height);
    return s_get (self, self->blocks, key, 8, len, NULL);
}

int
accord_store_block_height (accord_store_t *self, const uint8_t hash [ACCORD_HASH_SIZE], uint64_t *height)
{
    size_t len;
    uint8_t *value = s_get (self, self->hashes, hash, ACCORD_HASH_SIZE, &len, NULL);
    int rc = value && len == 8 ? 0 : -1;
    if (rc == 0)
        *height = s_read_be64 (value);
    free (value);
    return rc;
}

int
accord_store_tx_location (accord_store_t *self, const uint8_t hash [ACCORD_HASH_SIZE],
                          uint64_t *height, uint32_t *index)
{
    size_t len;
    uint8_t *value = s_get_in (self->index_env, &self->index_reader, self->txs, hash, ACCORD_HASH_SIZE, &len, NULL);
    int rc = value && len == 12 ? 0 : -1;
    if (rc == 0) {
        *height = s_read_be64 (value);
        *index = (uint32_t) s_read_be64 (value + 4) & 0xffffffffu;
    }
    free (value);
    return rc;
}

uint8_t *
accord_store_receipt (accord_store_t *self, uint64_t height, uint32_t index, size_t *len)
{
    uint8_t key [12];
    s_location (key, height, index);
    return s_get (self, self->receipts, key, 12, len, NULL);
}

static uint8_t *
s_state_get (accord_store_t *self, const char *key, size_t key_len, uint64_t hash, size_t *len)
{
    s_slot_t *slot = s_map_find (&self->cache, key, hash);
    s_value_t *cached = slot ? slot->value : NULL;
    //  A "deleted" cache entry is stale: the store has to be read
    if (cached && !cached->deleted) {
        uint8_t *out = malloc (cached->len + 1);
        if (!out)
            return NULL;
        memcpy (out, cached->data, cached->len);
        out [cached->len] = 0;
        if (len)
            *len = cached->len;
        return out;
    }
    int found = -1;
    size_t size = 0;
    uint8_t *out = s_get (self, self->state, key, key_len, &size, &found);
    if (found == 1 && !out)
        found = -1;                 //  out of memory: remember nothing
    s_value_t *value = found == 1 && size <= STORE_CACHE_VALUE ? s_value_new (out, size, 0) : NULL;
    if (value) {
        if (!slot && self->cache.count >= STORE_CACHE_MAX)
            s_map_purge (&self->cache);
        s_map_put (&self->cache, key, hash, value);
    }
    if (out && len)
        *len = size;
    return out;
}

uint8_t *
accord_store_state_get (accord_store_t *self, const char *key, size_t *len)
{
    size_t key_len = strlen (key);
    return s_state_get (self, key, key_len, s_key_hash (key, key_len), len);
}

int
accord_store_state_scan (accord_store_t *self, const char *prefix, size_t max,
                         int (*visit) (const char *key, const uint8_t *value, size_t len, void *arg), void *arg)
{
    return accord_store_state_scan_after (self, prefix, NULL, max, visit, arg);
}

int
accord_store_state_scan_after (accord_store_t *self, const char *prefix, const char *after, size_t max,
                               int (*visit) (const char *key, const uint8_t *value, size_t len, void *arg), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cursor;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn))
        return -1;
    if (mdb_cursor_open (txn, self->state, &cursor)) {
        mdb_txn_abort (txn);
        return -1;
    }
    size_t prefix_len = strlen (prefix), count = 0;
    int from_after = after && strcmp (after, prefix) > 0;
    MDB_val k = { prefix_len, (void *) prefix }, v;
    if (from_after)
        k = (MDB_val) { strlen (after), (void *) after };
    int rc = mdb_cursor_get (cursor, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && from_after && k.mv_size == strlen (after) && memcmp (k.mv_data, after, k.mv_size) == 0)
        rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
    while (rc == 0 && count < max && k.mv_size >= prefix_len && memcmp (k.mv_data, prefix, prefix_len) == 0) {
        char key [512];
        if (k.mv_size < sizeof key) {
            memcpy (key, k.mv_data, k.mv_size);
            key [k.mv_size] = 0;
            if (visit (key, v.mv_data, v.mv_size, arg))
                break;
            count++;
        }
        rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    return 0;
}

int
accord_store_meta_put (accord_store_t *self, const char *name, const void *data, size_t len)
{
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, 0, &txn))
        return -1;
    MDB_val k = { strlen (name), (void *) name }, v = { len, (void *) data };
    if (mdb_put (txn, self->meta, &k, &v, 0)) {
        mdb_txn_abort (txn);
        return -1;
    }
    return mdb_txn_commit (txn) ? -1 : 0;
}

int
accord_store_meta_delete (accord_store_t *self, const char *name)
{
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, 0, &txn))
        return -1;
    MDB_val k = { strlen (name), (void *) name };
    int rc = mdb_del (txn, self->meta, &k, NULL);
    if (rc && rc != MDB_NOTFOUND) {
        mdb_txn_abort (txn);
        return -1;
    }
    return mdb_txn_commit (txn) ? -1 : 0;
}

uint8_t *
accord_store_meta_get (accord_store_t *self, const char *name, size_t *len)
{
    return s_get (self, self->meta, name, strlen (name), len, NULL);
}

//  --------------------------------------------------------------------------
//  State overlays

struct _accord_state_t {
    accord_store_t *store;
    accord_state_t *parent;
    s_map_t writes;
};

accord_state_t *
accord_state_new (accord_store_t *store, accord_state_t *parent)
{
    accord_state_t *self = calloc (1, sizeof *self);
    self->store = store;
    self->parent = parent;
    return self;
}

void
accord_state_destroy (accord_state_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_map_purge (&(*self_p)->writes);
    free (*self_p);
    *self_p = NULL;
}

uint8_t *
accord_state_get (accord_state_t *self, const char *key, size_t *len)
{
    size_t key_len = strlen (key);
    uint64_t hash = s_key_hash (key, key_len);
    for (accord_state_t *layer = self; layer; layer = layer->parent) {
        s_slot_t *slot = s_map_find (&layer->writes, key, hash);
        s_value_t *value = slot ? slot->value : NULL;
        if (value) {
            if (value->deleted)
                return NULL;
            uint8_t *out = malloc (value->len + 1);
            memcpy (out, value->data, value->len);
            out [value->len] = 0;
            if (len)
                *len = value->len;
            return out;
        }
    }
    return s_state_get (self->store, key, key_len, hash, len);
}

static int
s_set (accord_state_t *self, const char *key, const void *data, size_t len, int deleted)
{
    s_value_t *value = s_value_new (data, len, deleted);
    if (!value)
        return -1;
    return s_map_put (&self->writes, key, s_key_hash (key, strlen (key)), value);
}

int
accord_state_put (accord_state_t *self, const char *key, const void *data, size_t len)
{
    return s_set (self, key, data, len, 0);
}

int
accord_state_delete (accord_state_t *self, const char *key)
{
    return s_set (self, key, NULL, 0, 1);
}

int
accord_state_merge (accord_state_t *self)
{
    if (!self->parent)
        return -1;
    for (size_t i = 0; i < self->writes.size; i++) {
        s_slot_t *slot = &self->writes.slots [i];
        if (!slot->key)
            continue;
        //  The value moves to the parent; the slot keeps nothing to free
        int rc = s_map_put (&self->parent->writes, slot->key, slot->hash, slot->value);
        slot->value = NULL;
        if (rc)
            return -1;
    }
    s_map_purge (&self->writes);
    return 0;
}

void
accord_state_root (accord_state_t *self, const uint8_t prev_root [ACCORD_HASH_SIZE],
                   uint8_t root [ACCORD_HASH_SIZE])
{
    s_slot_t **sorted = s_map_sorted (&self->writes);
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_bytes (&out, "accord.state.v1", 15);
    accord_buf_bytes (&out, prev_root, ACCORD_HASH_SIZE);
    for (size_t i = 0; sorted && i < self->writes.count; i++) {
        accord_buf_blob (&out, sorted [i]->key, strlen (sorted [i]->key));
        accord_buf_u8 (&out, (uint8_t) sorted [i]->value->deleted);
        accord_buf_blob (&out, sorted [i]->value->data, sorted [i]->value->len);
    }
    accord_sha256 (root, out.data, out.len);
    accord_buf_reset (&out);
    free (sorted);
}

json_object *
accord_state_get_json (accord_state_t *self, const char *key)
{
    size_t len;
    uint8_t *data = accord_state_get (self, key, &len);
    if (!data)
        return NULL;
    json_object *value = accord_json_parse ((const char *) data, len, NULL, 0);
    free (data);
    return value;
}

int
accord_state_put_json (accord_state_t *self, const char *key, json_object *value)
{
    char *text = accord_json_canonical (value);
    if (!text)
        return -1;
    int rc = accord_state_put (self, key, text, strlen (text));
    free (text);
    return rc;
}

int
accord_store_commit (accord_store_t *self, const accord_block_t *block,
                     uint8_t *const *receipts, const size_t *receipt_lens,
                     accord_state_t *state, const uint8_t state_root [ACCORD_HASH_SIZE])
{
    uint64_t height = block->header.height;
    accord_buf_t raw;
    accord_buf_init (&raw);
    accord_block_encode (block, &raw, 1);
    if (raw.failed)
        return -1;
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, 0, &txn)) {
        accord_buf_reset (&raw);
        return -1;
    }
    uint8_t height_key [8];
    s_be64 (height_key, height);
    MDB_val k = { 8, height_key }, v = { raw.len, raw.data };
    int rc = mdb_put (txn, self->blocks, &k, &v, 0);
    k = (MDB_val) { ACCORD_HASH_SIZE, (void *) block->hash };
    v = (MDB_val) { 8, height_key };
    if (!rc)
        rc = mdb_put (txn, self->hashes, &k, &v, 0);
    for (size_t i = 0; !rc && i < block->tx_count; i++) {
        uint8_t location [12];
        s_location (location, height, i);
        k = (MDB_val) { 12, location };
        v = (MDB_val) { receipt_lens [i], receipts [i] };
        rc = mdb_put (txn, self->receipts, &k, &v, 0);
    }
    if (state && !rc) {
        s_slot_t **sorted = s_map_sorted (&state->writes);
        if (!sorted)
            rc = ENOMEM;
        for (size_t i = 0; !rc && i < state->writes.count; i++) {
            s_value_t *value = sorted [i]->value;
            k = (MDB_val) { strlen (sorted [i]->key), sorted [i]->key };
            if (value->deleted) {
                rc = mdb_del (txn, self->state, &k, NULL);
                if (rc == MDB_NOTFOUND)
                    rc = 0;
            }
            else {
                v = (MDB_val) { value->len, value->data };
                rc = mdb_put (txn, self->state, &k, &v, 0);
            }
        }
        free (sorted);
    }
    k = (MDB_val) { 6, "height" };
    v = (MDB_val) { 8, height_key };
    if (!rc)
        rc = mdb_put (txn, self->meta, &k, &v, 0);
    k = (MDB_val) { 10, "state_root" };
    v = (MDB_val) { ACCORD_HASH_SIZE, (void *) state_root };
    if (!rc)
        rc = mdb_put (txn, self->meta, &k, &v, 0);
    //  The prepared certificate of this height is spent once the block is in.
    k = (MDB_val) { 8, "prepared" };
    if (!rc && (rc = mdb_del (txn, self->meta, &k, NULL)) == MDB_NOTFOUND)
        rc = 0;
    accord_buf_reset (&raw);
    if (rc) {
        mdb_txn_abort (txn);
        return -1;
    }
    if (mdb_txn_commit (txn)) {
        s_map_purge (&self->cache);     //  whatever LMDB kept, the cache must not guess
        return -1;
    }
    //  The cache follows the committed state: a key it holds takes the block's value, or
    //  becomes stale when that value is not one to keep.
    for (size_t i = 0; state && i < state->writes.size; i++) {
        s_slot_t *slot = &state->writes.slots [i];
        s_slot_t *cached = slot->key ? s_map_find (&self->cache, slot->key, slot->hash) : NULL;
        if (!cached)
            continue;
        int keep = !slot->value->deleted && slot->value->len <= STORE_CACHE_VALUE;
        s_value_t *copy = keep ? s_value_new (slot->value->data, slot->value->len, 0)
                               : s_value_new (NULL, 0, 1);
        if (!copy) {
            s_map_purge (&self->cache);
            break;
        }
        free (cached->value);
        cached->value = copy;
    }
    self->height = height;
    memcpy (self->last_hash, block->hash, ACCORD_HASH_SIZE);
    memcpy (self->state_root, state_root, ACCORD_HASH_SIZE);
    //  The block is committed; an index write that fails is retried from the stored blocks
    //  at the next commit or open.
    if (self->indexed + 1 == height && mdb_txn_begin (self->index_env, NULL, 0, &txn) == 0) {
        if (s_index_block (self, txn, block))
            mdb_txn_abort (txn);
        else if (mdb_txn_commit (txn) == 0)
            self->indexed = height;
    }
    else
        s_index_catch_up (self);
    return 0;
}

static int
s_collect_json (const char *key, const uint8_t *value, size_t len, void *arg)
{
    (void) key;
    json_object *item = accord_json_parse ((const char *) value, len, NULL, 0);
    if (item)
        json_object_array_add ((json_object *) arg, item);
    return 0;
}

//  A state entry seen by a scan: from an overlay (value borrowed, maybe a tombstone) or from
//  the store (copied).
typedef struct {
    const char *key;
    const s_value_t *value;         //  overlay entries
    size_t depth;                   //  overlay layer, 0 = the newest
    char *stored_key;               //  committed entries: owned copies
    uint8_t *stored;
    size_t stored_len;
} s_scan_item_t;

typedef struct {
    s_scan_item_t *items;
    size_t count;
    size_t cap;
} s_scan_list_t;

static s_scan_item_t *
s_scan_push (s_scan_list_t *list)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 16;
        s_scan_item_t *items = realloc (list->items, cap * sizeof *items);
        if (!items)
            return NULL;
        list->items = items;
        list->cap = cap;
    }
    s_scan_item_t *item = &list->items [list->count++];
    memset (item, 0, sizeof *item);
    return item;
}

static int
s_scan_collect (const char *key, const uint8_t *value, size_t len, void *arg)
{
    s_scan_item_t *item = s_scan_push (arg);
    if (!item)
        return -1;
    item->stored_key = strdup (key);
    item->stored = malloc (len + 1);
    if (!item->stored_key || !item->stored)
        return -1;
    memcpy (item->stored, value, len);
    item->stored_len = len;
    item->key = item->stored_key;
    return 0;
}

//  By key, then newest layer first
static int
s_scan_compare (const void *a, const void *b)
{
    const s_scan_item_t *x = a, *y = b;
    int order = strcmp (x->key, y->key);
    return order ? order : (x->depth > y->depth) - (x->depth < y->depth);
}

static void
s_scan_free (s_scan_list_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free (list->items [i].stored_key);
        free (list->items [i].stored);
    }
    free (list->items);
}

//  The committed entries merged with the overlays' writes (the newest layer's value wins, a
//  tombstone hides the key), so a module executing a block sees what earlier transactions of
//  the block wrote, as accord_state_get does.
int
accord_state_scan (accord_state_t *self, const char *prefix, const char *after, size_t max,
                   int (*visit) (const char *key, const uint8_t *value, size_t len, void *arg), void *arg)
{
    size_t prefix_len = strlen (prefix);
    int from_after = after && strcmp (after, prefix) > 0;
    s_scan_list_t written = { 0 }, stored = { 0 };
    int rc = 0;
    size_t depth = 0;
    for (accord_state_t *layer = self; layer && rc == 0; layer = layer->parent, depth++)
        for (size_t i = 0; i < layer->writes.size && rc == 0; i++) {
            s_slot_t *slot = &layer->writes.slots [i];
            if (!slot->key || strncmp (slot->key, prefix, prefix_len)
            ||  (from_after && strcmp (slot->key, after) <= 0))
                continue;
            s_scan_item_t *item = s_scan_push (&written);
            if (item) {
                item->key = slot->key;
                item->value = slot->value;
                item->depth = depth;
            }
            else
                rc = -1;
        }
    if (rc == 0 && written.count == 0)
        return accord_store_state_scan_after (self->store, prefix, after, max, visit, arg);
    //  Each write may hide one committed key: read that many more
    if (rc == 0)
        rc = accord_store_state_scan_after (self->store, prefix, after, max + written.count,
                                            s_scan_collect, &stored);
    if (rc == 0) {
        qsort (written.items, written.count, sizeof written.items [0], s_scan_compare);
        size_t i = 0, j = 0, count = 0;
        while (count < max && (i < stored.count || j < written.count)) {
            int order = i == stored.count ? 1 : j == written.count ? -1
                      : strcmp (stored.items [i].key, written.items [j].key);
            const char *key;
            const uint8_t *data;
            size_t len;
            if (order < 0) {
                key = stored.items [i].key;
                data = stored.items [i].stored;
                len = stored.items [i++].stored_len;
            }
            else {
                s_scan_item_t *newest = &written.items [j];
                if (order == 0)
                    i++;            //  the write replaces the committed value
                while (++j < written.count && strcmp (written.items [j].key, newest->key) == 0)
                    ;               //  older layers' writes of the same key
                if (newest->value->deleted)
                    continue;
                key = newest->key;
                data = newest->value->data;
                len = newest->value->len;
            }
            count++;
            if (visit (key, data, len, arg))
                break;
        }
    }
    s_scan_free (&written);
    s_scan_free (&stored);
    return rc ? -1 : 0;
}

int
accord_state_scan_json (accord_state_t *self, const char *prefix, size_t max, json_object *array)
{
    return accord_store_state_scan (self->store, prefix, max, s_collect_json, array);
}
