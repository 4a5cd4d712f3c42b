/*  Helpers for tests of the chain's store, executor and modules on a real LMDB store. */
#include "chainfx.h"
#include "accord/encoding.h"
#include "accord/merkle.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Helpers

//  Every test but store_bad_folder runs on a fresh store in its own temporary folder. A checked
//  fixture, so the folder goes away even when the test fails.


cf_fixture_t cf_fx;

accord_store_t *
cf_store_open (const char *dir)
{
    char err [256] = "";
    accord_store_t *store = accord_store_new (dir, err, sizeof err);
    ck_assert_msg (store != NULL, "store: %s", err);
    return store;
}

void
cf_setup (void)
{
    cf_fx.dir = tu_tmpdir ();
    char err [256] = "";
    cf_fx.store = accord_store_new (cf_fx.dir, err, sizeof err);
    if (!cf_fx.store) {
        //  A failed setup gets no teardown
        tu_rmtree (cf_fx.dir);
        free (cf_fx.dir);
        cf_fx.dir = NULL;
        ck_abort_msg ("store: %s", err);
    }
}

void
cf_teardown (void)
{
    accord_store_destroy (&cf_fx.store);
    if (cf_fx.dir)
        tu_rmtree (cf_fx.dir);
    free (cf_fx.dir);
    cf_fx.dir = NULL;
}

//  A genesis by hand: the first count keys are the validators.
void
cf_genesis (accord_genesis_t *genesis, accord_key_t **keys, size_t count)
{
    memset (genesis, 0, sizeof *genesis);
    strcpy (genesis->chain_id, CF_CHAIN);
    genesis->genesis_time_ms = 1700000000000ULL;
    accord_params_default (&genesis->params);
    genesis->member_count = count;
    for (size_t i = 0; i < count; i++) {
        snprintf (genesis->members [i].name, sizeof genesis->members [i].name, "v%zu", i);
        snprintf (genesis->members [i].curve_key, sizeof genesis->members [i].curve_key,
                  "%039zu%c", i, 'k');
        snprintf (genesis->members [i].peer_endpoint, sizeof genesis->members [i].peer_endpoint,
                  "tcp://127.0.0.1:%zu", 7000 + i);
        memcpy (genesis->members [i].public_key, accord_key_public (keys [i]), ACCORD_PUBKEY_SIZE);
        memcpy (genesis->validators.keys [i], accord_key_public (keys [i]), ACCORD_PUBKEY_SIZE);
    }
    genesis->validators.count = count;
}

accord_tx_t *
cf_tx_on (const char *chain_id, accord_key_t *key, const char *module, const char *method,
         const char *args, uint64_t nonce, uint64_t expiry)
{
    accord_tx_t *tx = accord_tx_new (chain_id, module, method, args, nonce, expiry);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    return tx;
}

accord_tx_t *
cf_tx (accord_key_t *key, const char *module, const char *method, const char *args,
      uint64_t nonce, uint64_t expiry)
{
    return cf_tx_on (CF_CHAIN, key, module, method, args, nonce, expiry);
}

void
cf_anchor_args (char *out, size_t size, uint8_t fill)
{
    snprintf (out, size, "{\"hash\":\"");
    for (int i = 0; i < ACCORD_HASH_SIZE; i++)
        snprintf (out + strlen (out), size - strlen (out), "%02x", fill);
    snprintf (out + strlen (out), size - strlen (out), "\"}");
}

accord_tx_t *
cf_anchor (accord_key_t *key, uint8_t fill, uint64_t nonce, uint64_t expiry)
{
    char args [128];
    cf_anchor_args (args, sizeof args, fill);
    return cf_tx (key, "evidence", "anchor", args, nonce, expiry);
}

//  An empty block at the store's next height, header ready but for the execution's roots.
accord_block_t *
cf_block_next (accord_store_t *store, const accord_genesis_t *genesis)
{
    accord_block_t *block = accord_block_new ();
    ck_assert_ptr_nonnull (block);
    accord_header_t *header = &block->header;
    strcpy (header->chain_id, genesis->chain_id);
    header->height = accord_store_height (store) + 1;
    accord_store_last_hash (store, header->prev_hash);
    header->timestamp_ms = genesis->genesis_time_ms + 1000 * header->height;
    header->proposer = 0;
    accord_validators_hash (&genesis->validators, header->validators_hash);
    return block;
}

void
cf_add (accord_block_t *block, accord_tx_t *tx)
{
    ck_assert_int_eq (accord_block_add_tx (block, &tx), 0);
}

//  Completes the header with transactions and execution roots, and hashes it.
void
cf_seal (accord_block_t *block, const accord_execution_t *execution)
{
    block->header.tx_count = (uint32_t) block->tx_count;
    accord_block_tx_root (block, block->header.tx_root);
    memcpy (block->header.receipts_root, execution->receipts_root, ACCORD_HASH_SIZE);
    memcpy (block->header.state_root, execution->state_root, ACCORD_HASH_SIZE);
    accord_header_hash (&block->header, block->hash);
}

json_object *
cf_receipt (const accord_execution_t *execution, size_t index)
{
    ck_assert_uint_lt (index, execution->count);
    char err [128] = "";
    json_object *receipt = accord_json_parse ((const char *) execution->receipts [index],
                                              execution->receipt_lens [index], err, sizeof err);
    ck_assert_msg (receipt != NULL, "receipt %zu: %s", index, err);
    return receipt;
}

void
cf_assert_status (const accord_execution_t *execution, size_t index, const char *status)
{
    json_object *receipt = cf_receipt (execution, index);
    const char *got = accord_json_get_string (receipt, "status");
    ck_assert_msg (got && strcmp (got, status) == 0, "receipt %zu: status %s, expected %s (%.*s)",
                   index, got ? got : "(none)", status, (int) execution->receipt_lens [index],
                   (const char *) execution->receipts [index]);
    const char *message = accord_json_get_string (receipt, "message");
    ck_assert_ptr_nonnull (message);
    if (strcmp (status, "ok") == 0)
        ck_assert_str_eq (message, "");
    else
        ck_assert_msg (*message, "receipt %zu (%s) without a message", index, status);
    json_object_put (receipt);
}

//  A query against the store's committed state. Returns the code; *result new or NULL.
int
cf_query (accord_store_t *store, const accord_genesis_t *genesis, const char *module,
         const char *method, const char *args, json_object **result)
{
    const accord_module_t *handler = accord_module_find (module);
    ck_assert_ptr_nonnull (handler);
    json_object *parsed = accord_json_parse (args, strlen (args), NULL, 0);
    ck_assert_ptr_nonnull (parsed);
    accord_query_t ctx = { .state = accord_state_new (store, NULL), .store = store, .genesis = genesis };
    *result = NULL;
    int rc = handler->query (&ctx, method, parsed, result);
    if (rc != ACCORD_OK)
        ck_assert_msg (ctx.message [0], "query error %d without a message", rc);
    accord_state_destroy (&ctx.state);
    json_object_put (parsed);
    return rc;
}

int64_t
cf_query_nonce (accord_store_t *store, const accord_genesis_t *genesis, accord_key_t *key)
{
    char hex [2 * ACCORD_PUBKEY_SIZE + 1], args [128];
    accord_key_hex (hex, accord_key_public (key));
    snprintf (args, sizeof args, "{\"sender\":\"%s\"}", hex);
    json_object *result;
    ck_assert_int_eq (cf_query (store, genesis, "system", "nonce", args, &result), ACCORD_OK);
    int64_t nonce = -1;
    ck_assert_int_eq (accord_json_get_int64 (result, "nonce", 0, INT64_MAX, &nonce), 0);
    json_object_put (result);
    return nonce;
}

char *
cf_state_string (accord_state_t *state, const char *key)
{
    size_t len = 0;
    uint8_t *value = accord_state_get (state, key, &len);
    if (value)
        ck_assert_uint_eq (strlen ((char *) value), len);
    return (char *) value;
}

//  --------------------------------------------------------------------------
//  State overlays

//  Runs one block of transactions on the store, checks each status, commits it.
accord_execution_t *
cf_run_block (const accord_genesis_t *genesis, accord_tx_t **txs, size_t count, const char **statuses)
{
    accord_block_t *block = cf_block_next (cf_fx.store, genesis);
    for (size_t i = 0; i < count; i++)
        cf_add (block, txs [i]);
    accord_execution_t *execution = accord_execution_run (cf_fx.store, genesis, block);
    for (size_t i = 0; i < count; i++)
        cf_assert_status (execution, i, statuses [i]);
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    accord_block_destroy (&block);
    return execution;
}


json_object *
cf_run_one (const accord_genesis_t *genesis, accord_tx_t *tx, const char *status)
{
    accord_tx_t *txs [] = { tx };
    const char *statuses [] = { status };
    accord_execution_t *execution = cf_run_block (genesis, txs, 1, statuses);
    json_object *receipt = cf_receipt (execution, 0);
    accord_execution_destroy (&execution);
    return receipt;
}

void
cf_did_create (const accord_genesis_t *genesis, accord_key_t *key, uint64_t nonce, char did [ACCORD_DID_MAX])
{
    accord_did_for_key (did, genesis->chain_id, accord_key_public (key));
    json_object_put (cf_run_one (genesis, cf_tx_on (genesis->chain_id, key, "did", "create", "{}", nonce, 1000), "ok"));
}

void
cf_did_rotate (const accord_genesis_t *genesis, const char *did, accord_key_t *old_key,
               accord_key_t *new_key, uint64_t nonce)
{
    json_object *current = NULL;
    char query [ACCORD_DID_MAX + 16];
    snprintf (query, sizeof query, "{\"did\":\"%s\"}", did);
    ck_assert_int_eq (cf_query (cf_fx.store, genesis, "did", "resolve", query, &current), ACCORD_OK);
    json_object *next = accord_did_rotate (accord_json_get_object (current, "didDocument"),
                                           accord_key_public (old_key), accord_key_public (new_key));
    ck_assert_ptr_nonnull (next);
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "did", json_object_new_string (did));
    json_object_object_add (args, "document", next);
    accord_tx_t *tx = cf_tx_on (genesis->chain_id, old_key, "did", "update", json_object_to_json_string (args), nonce, 1000);
    json_object_put (cf_run_one (genesis, tx, "ok"));
    json_object_put (args);
    json_object_put (current);
}
