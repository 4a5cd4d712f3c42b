/*  execute: runs a block's transactions in order against the committed state and produces
    what the header commits to: one receipt per transaction, the receipts root and the next
    state root. Deterministic: the same block on the same state gives the same bytes on every
    node. A transaction that fails (stale nonce, expired, refused by its module) still gets a
    receipt; only its writes are dropped. */
#ifndef ACCORD_CHAIN_EXECUTE_H
#define ACCORD_CHAIN_EXECUTE_H

#include "accord/block.h"
#include "accord/config.h"
#include "module.h"
#include "store.h"

typedef struct {
    accord_state_t *state;              //  the block's writes
    size_t count;
    uint8_t **receipts;                 //  canonical JSON of each receipt
    size_t *receipt_lens;
    accord_logs_t logs;                 //  of the successful transactions, in block order
    uint8_t receipts_root [ACCORD_HASH_SIZE];
    uint8_t state_root [ACCORD_HASH_SIZE];
    uint8_t next_validators_hash [ACCORD_HASH_SIZE];   //  the set after this block
} accord_execution_t;

//  Executes block (its header's height and timestamp) on store's committed state.
accord_execution_t *accord_execution_run (accord_store_t *store, const accord_genesis_t *genesis,
                                          const accord_block_t *block);
void accord_execution_destroy (accord_execution_t **self_p);

//  A sender's last committed nonce (0 if none), as seen through state.
uint64_t accord_nonce_get (accord_state_t *state, const uint8_t sender [ACCORD_PUBKEY_SIZE]);

#endif
