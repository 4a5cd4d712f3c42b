/*  store: one node's LMDB environment. Databases:
        blocks    u64 height -> block encoding with its commit certificate
        hashes    block hash -> u64 height
        txs       transaction hash -> u64 height, u32 index
        receipts  u64 height, u32 index -> receipt (canonical JSON)
        state     key -> value, the modules' state
        meta      name -> value: "height", "state_root", "view", "prepared"
    A block, its receipts, index entries and state writes commit in one write transaction,
    synchronously: a committed block survives power loss. */
#ifndef ACCORD_CHAIN_STORE_H
#define ACCORD_CHAIN_STORE_H

#include <lmdb.h>
#include "accord/block.h"
#include "accord/buf.h"

typedef struct _accord_store_t accord_store_t;
typedef struct _accord_state_t accord_state_t;

//  Opens (creating) the store in folder dir. NULL with a reason in err.
accord_store_t *accord_store_new (const char *dir, char *err, size_t err_size);
void accord_store_destroy (accord_store_t **self_p);

//  Last committed height (0 before the first block) and its hash (zeros at 0) and state root.
uint64_t accord_store_height (accord_store_t *self);
void accord_store_last_hash (accord_store_t *self, uint8_t hash [ACCORD_HASH_SIZE]);
void accord_store_state_root (accord_store_t *self, uint8_t root [ACCORD_HASH_SIZE]);

//  Commits a block with its certificate: receipts [i] is the receipt of transaction i, state
//  the block's writes (applied in key order). Returns 0 or -1.
int accord_store_commit (accord_store_t *self, const accord_block_t *block,
                         uint8_t *const *receipts, const size_t *receipt_lens,
                         accord_state_t *state, const uint8_t state_root [ACCORD_HASH_SIZE]);

//  The block at height with its certificate, as encoded (caller frees) or NULL.
uint8_t *accord_store_block (accord_store_t *self, uint64_t height, size_t *len);
//  Height of a block hash. 0 or -1.
int accord_store_block_height (accord_store_t *self, const uint8_t hash [ACCORD_HASH_SIZE], uint64_t *height);
//  Where a transaction was committed. 0 or -1.
int accord_store_tx_location (accord_store_t *self, const uint8_t hash [ACCORD_HASH_SIZE],
                              uint64_t *height, uint32_t *index);
//  Receipt of transaction index at height (caller frees) or NULL.
uint8_t *accord_store_receipt (accord_store_t *self, uint64_t height, uint32_t index, size_t *len);

//  Committed state value (caller frees) or NULL.
uint8_t *accord_store_state_get (accord_store_t *self, const char *key, size_t *len);

//  Calls visit for each committed state key starting with prefix, in key order, at most max
//  of them (keys of 512 bytes or more are skipped); visit returns non-zero to stop. 0 or -1.
int accord_store_state_scan (accord_store_t *self, const char *prefix, size_t max,
                             int (*visit) (const char *key, const uint8_t *value, size_t len, void *arg), void *arg);

//  The same from the first key above after (when after is not NULL and sorts above prefix):
//  a cursor for bounded listings.
int accord_store_state_scan_after (accord_store_t *self, const char *prefix, const char *after, size_t max,
                                   int (*visit) (const char *key, const uint8_t *value, size_t len, void *arg), void *arg);

//  Consensus metadata. put is synchronous. get returns a new buffer or NULL.
int accord_store_meta_put (accord_store_t *self, const char *name, const void *data, size_t len);
int accord_store_meta_delete (accord_store_t *self, const char *name);
uint8_t *accord_store_meta_get (accord_store_t *self, const char *name, size_t *len);

//  A state overlay: writes held in memory over a parent overlay or, at the bottom, over the
//  committed state of a store. Modules read and write through it; nothing reaches the store
//  until accord_store_commit.
accord_state_t *accord_state_new (accord_store_t *store, accord_state_t *parent);
void accord_state_destroy (accord_state_t **self_p);
//  Value of key (new buffer, caller frees) or NULL when absent or deleted.
uint8_t *accord_state_get (accord_state_t *self, const char *key, size_t *len);
int accord_state_put (accord_state_t *self, const char *key, const void *data, size_t len);
int accord_state_delete (accord_state_t *self, const char *key);
//  Moves every write of self into its parent overlay.
int accord_state_merge (accord_state_t *self);
//  Hash of the writes in key order chained to prev_root: the next state root.
void accord_state_root (accord_state_t *self, const uint8_t prev_root [ACCORD_HASH_SIZE],
                        uint8_t root [ACCORD_HASH_SIZE]);

//  JSON helpers for modules that keep JSON values.
json_object *accord_state_get_json (accord_state_t *self, const char *key);
int accord_state_put_json (accord_state_t *self, const char *key, json_object *value);
//  Appends to array the JSON values of committed keys starting with prefix (at most max), for
//  queries: writes held in the overlay are not seen.
int accord_state_scan_json (accord_state_t *self, const char *prefix, size_t max, json_object *array);
//  accord_store_state_scan_after on the state as the overlay sees it: the committed entries
//  merged with the writes of the overlay and its parents (the newest wins; a deletion hides
//  the key), in key order, at most max.
int accord_state_scan (accord_state_t *self, const char *prefix, const char *after, size_t max,
                       int (*visit) (const char *key, const uint8_t *value, size_t len, void *arg), void *arg);

#endif
