#include "execute.h"
#include "module.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/merkle.h"
#include <stdio.h>
#include <string.h>

static void
s_nonce_key (char key [96], const uint8_t sender [ACCORD_PUBKEY_SIZE])
{
    char hex [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_key_hex (hex, sender);
    snprintf (key, 96, "nonce/%s", hex);
}

uint64_t
accord_nonce_get (accord_state_t *state, const uint8_t sender [ACCORD_PUBKEY_SIZE])
{
    char key [96];
    s_nonce_key (key, sender);
    json_object *value = accord_state_get_json (state, key);
    uint64_t nonce = value ? (uint64_t) json_object_get_int64 (value) : 0;
    json_object_put (value);
    return nonce;
}

//  Runs one transaction; returns its status code, with the reason in message.
static int
s_run_tx (accord_exec_t *ctx, accord_state_t *block_state, const accord_block_t *block)
{
    const accord_tx_t *tx = ctx->tx;
    if (strcmp (tx->chain_id, block->header.chain_id)) {
        snprintf (ctx->message, sizeof ctx->message, "transaction is for chain '%s'", tx->chain_id);
        return ACCORD_E_WRONG_CHAIN;
    }
    if (tx->expiry < block->header.height) {
        snprintf (ctx->message, sizeof ctx->message, "expired at height %llu", (unsigned long long) tx->expiry);
        return ACCORD_E_EXPIRED;
    }
    uint64_t last = accord_nonce_get (block_state, tx->sender);
    if (tx->nonce <= last) {
        snprintf (ctx->message, sizeof ctx->message, "nonce %llu is not above %llu",
                  (unsigned long long) tx->nonce, (unsigned long long) last);
        return ACCORD_E_STALE_NONCE;
    }
    //  The nonce is spent even when the module refuses the call, so the call cannot be replayed.
    char key [96];
    s_nonce_key (key, tx->sender);
    json_object *nonce = json_object_new_int64 ((int64_t) tx->nonce);
    accord_state_put_json (block_state, key, nonce);
    json_object_put (nonce);
    json_object *args = NULL;
    int rc = accord_module_check_call (tx->module, tx->method, tx->args, tx->args_len, &args,
                                       ctx->message, sizeof ctx->message);
    if (rc == ACCORD_OK) {
        rc = accord_module_find (tx->module)->execute (ctx, tx->method, args);
        if (rc == ACCORD_OK)
            accord_state_merge (ctx->state);
    }
    json_object_put (args);
    return rc;
}

accord_execution_t *
accord_execution_run (accord_store_t *store, const accord_genesis_t *genesis,
                      const accord_block_t *block)
{
    accord_execution_t *self = calloc (1, sizeof *self);
    self->state = accord_state_new (store, NULL);
    self->count = block->tx_count;
    self->receipts = calloc (block->tx_count + 1, sizeof *self->receipts);
    self->receipt_lens = calloc (block->tx_count + 1, sizeof *self->receipt_lens);
    self->logs = json_object_new_array ();
    uint8_t (*leaves)[ACCORD_HASH_SIZE] = malloc ((block->tx_count + 1) * ACCORD_HASH_SIZE);
    for (size_t i = 0; i < block->tx_count; i++) {
        const accord_tx_t *tx = block->txs [i];
        accord_exec_t ctx = {
            .state = accord_state_new (store, self->state), .tx = tx, .genesis = genesis,
            .height = block->header.height, .timestamp_ms = block->header.timestamp_ms,
            .index = (uint32_t) i, .logs = json_object_new_array ()
        };
        int rc = s_run_tx (&ctx, self->state, block);
        char hash [2 * ACCORD_HASH_SIZE + 1];
        accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
        json_object *receipt = json_object_new_object ();
        json_object_object_add (receipt, "tx", json_object_new_string (hash));
        json_object_object_add (receipt, "height", json_object_new_int64 ((int64_t) block->header.height));
        json_object_object_add (receipt, "index", json_object_new_int64 ((int64_t) i));
        json_object_object_add (receipt, "status", json_object_new_string (accord_err_name (rc)));
        json_object_object_add (receipt, "message", json_object_new_string (rc ? ctx.message : ""));
        json_object_object_add (receipt, "logs", rc ? json_object_new_array () : json_object_get (ctx.logs));
        char *text = accord_json_canonical (receipt);
        self->receipts [i] = (uint8_t *) text;
        self->receipt_lens [i] = text ? strlen (text) : 0;
        accord_merkle_leaf_hash (leaves [i], text, self->receipt_lens [i]);
        for (size_t j = 0; rc == ACCORD_OK && j < json_object_array_length (ctx.logs); j++) {
            json_object *log = json_object_get (json_object_array_get_idx (ctx.logs, j));
            json_object_object_add (log, "height", json_object_new_int64 ((int64_t) block->header.height));
            json_object_object_add (log, "index", json_object_new_int64 ((int64_t) i));
            json_object_object_add (log, "tx", json_object_new_string (hash));
            json_object_array_add (self->logs, log);
        }
        json_object_put (receipt);
        json_object_put (ctx.logs);
        accord_state_destroy (&ctx.state);
    }
    accord_merkle_root (self->receipts_root, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, block->tx_count);
    free (leaves);
    uint8_t prev_root [ACCORD_HASH_SIZE];
    accord_store_state_root (store, prev_root);
    accord_state_root (self->state, prev_root, self->state_root);
    accord_genesis_t *next = malloc (sizeof *next);
    *next = *genesis;
    if (accord_system_validators (self->state, next))
        *next = *genesis;   //  cannot happen: the module wrote a checked set
    accord_validators_hash (&next->validators, self->next_validators_hash);
    free (next);
    return self;
}

void
accord_execution_destroy (accord_execution_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_execution_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free (self->receipts [i]);
    free (self->receipts);
    free (self->receipt_lens);
    json_object_put (self->logs);
    accord_state_destroy (&self->state);
    free (self);
    *self_p = NULL;
}
