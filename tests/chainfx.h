/*  tests/chainfx: helpers for tests of the chain's store, executor and modules: a fresh LMDB
    store per test (checked fixture cf_setup/cf_teardown), a genesis by hand, signed
    transactions, blocks executed and committed as a node would, and module queries. */
#ifndef ACCORD_TESTS_CHAINFX_H
#define ACCORD_TESTS_CHAINFX_H

#include "testutil.h"
#include "accord/block.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/error.h"
#include "accord/json.h"
#include "execute.h"
#include "module.h"
#include "store.h"

#define CF_CHAIN "accord-store-test"

typedef struct {
    char *dir;
    accord_store_t *store;
} cf_fixture_t;

extern cf_fixture_t cf_fx;

accord_store_t *cf_store_open (const char *dir);
void cf_setup (void);
void cf_teardown (void);
void cf_genesis (accord_genesis_t *genesis, accord_key_t **keys, size_t count);
accord_tx_t *cf_tx_on (const char *chain_id, accord_key_t *key, const char *module, const char *method,
         const char *args, uint64_t nonce, uint64_t expiry);
accord_tx_t *cf_tx (accord_key_t *key, const char *module, const char *method, const char *args,
      uint64_t nonce, uint64_t expiry);
void cf_anchor_args (char *out, size_t size, uint8_t fill);
accord_tx_t *cf_anchor (accord_key_t *key, uint8_t fill, uint64_t nonce, uint64_t expiry);
accord_block_t *cf_block_next (accord_store_t *store, const accord_genesis_t *genesis);
void cf_add (accord_block_t *block, accord_tx_t *tx);
void cf_seal (accord_block_t *block, const accord_execution_t *execution);
json_object *cf_receipt (const accord_execution_t *execution, size_t index);
void cf_assert_status (const accord_execution_t *execution, size_t index, const char *status);
int cf_query (accord_store_t *store, const accord_genesis_t *genesis, const char *module,
         const char *method, const char *args, json_object **result);
int64_t cf_query_nonce (accord_store_t *store, const accord_genesis_t *genesis, accord_key_t *key);
char *cf_state_string (accord_state_t *state, const char *key);
accord_execution_t *cf_run_block (const accord_genesis_t *genesis, accord_tx_t **txs, size_t count, const char **statuses);
//  Runs tx alone in a block, checks its status and returns its receipt (caller puts).
json_object *cf_run_one (const accord_genesis_t *genesis, accord_tx_t *tx, const char *status);
//  Registers the DID of key (default document) with that nonce; its DID in did.
void cf_did_create (const accord_genesis_t *genesis, accord_key_t *key, uint64_t nonce, char did [ACCORD_DID_MAX]);
//  Rotates did from old_key (which signs, with that nonce) to new_key (accord_did_rotate).
void cf_did_rotate (const accord_genesis_t *genesis, const char *did, accord_key_t *old_key,
                    accord_key_t *new_key, uint64_t nonce);

#define CF_ASSERT_STATE(state, key, expected) do { \
    char *s_value = cf_state_string ((state), (key)); \
    if (expected) { \
        ck_assert_msg (s_value != NULL, "%s: missing, expected '%s'", (key), (const char *) (expected)); \
        ck_assert_str_eq (s_value, (expected)); \
    } \
    else \
        ck_assert_msg (s_value == NULL, "%s: '%s', expected absent", (key), s_value); \
    free (s_value); \
} while (0)

#endif
