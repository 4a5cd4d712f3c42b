/*  chain/store.h, execute.h and module.h on a real LMDB store in a temporary folder: state
    overlays, the state root (chain/README.md gives its bytes), commits that survive a reopen,
    and block execution with the receipts a user would read. */
#include "chainfx.h"
#include "accord/block.h"
#include "accord/config.h"
#include "accord/encoding.h"
#include "accord/error.h"
#include "accord/json.h"
#include "accord/merkle.h"
#include "execute.h"
#include "module.h"
#include "store.h"
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


//  Commits one block whose only content is writes (NULL value: delete) at the next height.
static void
s_commit_writes (const char *const *keys, const char *const *values, size_t count)
{
    accord_state_t *writes = accord_state_new (cf_fx.store, NULL);
    for (size_t i = 0; i < count; i++)
        ck_assert_int_eq (values [i] ? accord_state_put (writes, keys [i], values [i], strlen (values [i]))
                                     : accord_state_delete (writes, keys [i]), 0);
    accord_block_t *block = accord_block_new ();
    strcpy (block->header.chain_id, CF_CHAIN);
    block->header.height = accord_store_height (cf_fx.store) + 1;
    accord_block_tx_root (block, block->header.tx_root);
    accord_header_hash (&block->header, block->hash);
    uint8_t prev [ACCORD_HASH_SIZE], root [ACCORD_HASH_SIZE];
    accord_store_state_root (cf_fx.store, prev);
    accord_state_root (writes, prev, root);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, NULL, NULL, writes, root), 0);
    accord_state_destroy (&writes);
    accord_block_destroy (&block);
}

//  The store remembers small values it read; every commit must show through it: new values,
//  values grown past what it keeps, deletes, keys written back after a delete.
START_TEST (state_cache_follows_commits)
{
    char text [200];
    memset (text, 'b', sizeof text - 1);
    text [sizeof text - 1] = 0;
    const char *big = text;                             //  over what the cache keeps
    const char *keys [] = { "nonce/a", "nonce/b" };
    const char *first [] = { "1", "7" };
    s_commit_writes (keys, first, 2);
    accord_state_t *state = accord_state_new (cf_fx.store, NULL);
    for (int round = 0; round < 2; round++) {           //  the second round reads the cache
        CF_ASSERT_STATE (state, "nonce/a", "1");
        CF_ASSERT_STATE (state, "nonce/b", "7");
        CF_ASSERT_STATE (state, "nonce/c", NULL);
    }
    const char *second [] = { "2", big };
    s_commit_writes (keys, second, 2);
    CF_ASSERT_STATE (state, "nonce/a", "2");
    CF_ASSERT_STATE (state, "nonce/b", big);
    CF_ASSERT_STATE (state, "nonce/b", big);
    const char *third [] = { NULL, "8" };
    s_commit_writes (keys, third, 2);
    CF_ASSERT_STATE (state, "nonce/a", NULL);
    CF_ASSERT_STATE (state, "nonce/b", "8");
    const char *fourth [] = { "3", "9" };
    s_commit_writes (keys, fourth, 2);
    CF_ASSERT_STATE (state, "nonce/a", "3");
    CF_ASSERT_STATE (state, "nonce/b", "9");
    const char *created [] = { "nonce/c" }, *value [] = { "5" };
    s_commit_writes (created, value, 1);
    CF_ASSERT_STATE (state, "nonce/c", "5");
    //  Many more keys than the cache holds (it empties itself on the way): every one still
    //  reads right, and so does a key changed after that
    enum { MANY = 20000 };
    char (*names) [24] = malloc (MANY * sizeof *names), (*numbers) [12] = malloc (MANY * sizeof *numbers);
    const char **k = malloc (MANY * sizeof *k), **v = malloc (MANY * sizeof *v);
    for (int i = 0; i < MANY; i++) {
        snprintf (names [i], sizeof names [i], "many/%d", i);
        snprintf (numbers [i], sizeof numbers [i], "%d", i);
        k [i] = names [i];
        v [i] = i % 3 ? numbers [i] : NULL;
    }
    s_commit_writes (k, v, MANY);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < MANY; i++) {
            size_t len;
            uint8_t *data = accord_state_get (state, names [i], &len);
            if (i % 3) {
                ck_assert_ptr_nonnull (data);
                ck_assert_int_eq (atoi ((char *) data), i);
            }
            else
                ck_assert_ptr_null (data);
            free (data);
        }
    const char *changed [] = { "many/1" }, *to [] = { "one" };
    s_commit_writes (changed, to, 1);
    CF_ASSERT_STATE (state, "many/1", "one");
    free (names);
    free (numbers);
    free (k);
    free (v);
    CF_ASSERT_STATE (state, "nonce/b", "9");
    accord_state_destroy (&state);
}
END_TEST

//  Visitor of state_scan_sees_overlays: appends "key=value;" to a buffer
static int
s_scan_text (const char *key, const uint8_t *value, size_t len, void *arg)
{
    char *text = arg;
    size_t used = strlen (text);
    snprintf (text + used, 512 - used, "%s=%.*s;", key, (int) len, (const char *) value);
    return 0;
}

//  A scan during execution sees what earlier transactions of the block wrote and deleted
START_TEST (state_scan_sees_overlays)
{
    accord_state_t *writes = accord_state_new (cf_fx.store, NULL);
    ck_assert_int_eq (accord_state_put (writes, "a/1", "c1", 2), 0);
    ck_assert_int_eq (accord_state_put (writes, "a/2", "c2", 2), 0);
    ck_assert_int_eq (accord_state_put (writes, "a/3", "c3", 2), 0);
    ck_assert_int_eq (accord_state_put (writes, "b/1", "c4", 2), 0);
    accord_block_t *block = accord_block_new ();
    strcpy (block->header.chain_id, CF_CHAIN);
    block->header.height = 1;
    accord_block_tx_root (block, block->header.tx_root);
    accord_header_hash (&block->header, block->hash);
    uint8_t root [ACCORD_HASH_SIZE], zero [ACCORD_HASH_SIZE] = { 0 };
    accord_state_root (writes, zero, root);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, NULL, NULL, writes, root), 0);
    accord_state_destroy (&writes);
    accord_block_destroy (&block);

    accord_state_t *block_state = accord_state_new (cf_fx.store, NULL);
    accord_state_t *tx_state = accord_state_new (cf_fx.store, block_state);
    char text [512] = "";
    ck_assert_int_eq (accord_state_scan (tx_state, "a/", NULL, 100, s_scan_text, text), 0);
    ck_assert_str_eq (text, "a/1=c1;a/2=c2;a/3=c3;");

    ck_assert_int_eq (accord_state_put (block_state, "a/2", "b2", 2), 0);
    ck_assert_int_eq (accord_state_delete (block_state, "a/3"), 0);
    ck_assert_int_eq (accord_state_put (block_state, "a/4", "b4", 2), 0);
    ck_assert_int_eq (accord_state_put (tx_state, "a/4", "t4", 2), 0);
    ck_assert_int_eq (accord_state_put (tx_state, "a/0", "t0", 2), 0);
    ck_assert_int_eq (accord_state_put (tx_state, "b/2", "t5", 2), 0);
    text [0] = 0;
    ck_assert_int_eq (accord_state_scan (tx_state, "a/", NULL, 100, s_scan_text, text), 0);
    ck_assert_str_eq (text, "a/0=t0;a/1=c1;a/2=b2;a/4=t4;");
    text [0] = 0;
    ck_assert_int_eq (accord_state_scan (block_state, "a/", NULL, 100, s_scan_text, text), 0);
    ck_assert_str_eq (text, "a/1=c1;a/2=b2;a/4=b4;");
    text [0] = 0;
    ck_assert_int_eq (accord_state_scan (tx_state, "a/", "a/1", 2, s_scan_text, text), 0);
    ck_assert_str_eq (text, "a/2=b2;a/4=t4;");
    text [0] = 0;
    ck_assert_int_eq (accord_state_scan (tx_state, "a/", NULL, 2, s_scan_text, text), 0);
    ck_assert_str_eq (text, "a/0=t0;a/1=c1;");
    //  A layer that deleted everything it saw
    ck_assert_int_eq (accord_state_delete (tx_state, "a/1"), 0);
    ck_assert_int_eq (accord_state_delete (tx_state, "a/2"), 0);
    ck_assert_int_eq (accord_state_delete (tx_state, "a/4"), 0);
    ck_assert_int_eq (accord_state_delete (tx_state, "a/0"), 0);
    text [0] = 0;
    ck_assert_int_eq (accord_state_scan (tx_state, "a/", NULL, 100, s_scan_text, text), 0);
    ck_assert_str_eq (text, "");
    accord_state_destroy (&tx_state);
    accord_state_destroy (&block_state);
}
END_TEST

START_TEST (state_overlay)
{

    //  Commit a first block that writes two keys, so the store has state underneath
    accord_state_t *writes = accord_state_new (cf_fx.store, NULL);
    ck_assert_int_eq (accord_state_put (writes, "base/kept", "k0", 2), 0);
    ck_assert_int_eq (accord_state_put (writes, "base/doomed", "d0", 2), 0);
    accord_block_t *block = accord_block_new ();
    strcpy (block->header.chain_id, CF_CHAIN);
    block->header.height = 1;
    accord_block_tx_root (block, block->header.tx_root);
    accord_header_hash (&block->header, block->hash);
    uint8_t root [ACCORD_HASH_SIZE], zero [ACCORD_HASH_SIZE] = { 0 };
    accord_state_root (writes, zero, root);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, NULL, NULL, writes, root), 0);
    accord_state_destroy (&writes);
    accord_block_destroy (&block);

    accord_state_t *bottom = accord_state_new (cf_fx.store, NULL);
    accord_state_t *middle = accord_state_new (cf_fx.store, bottom);
    accord_state_t *top = accord_state_new (cf_fx.store, middle);

    //  Reads fall through to the store
    CF_ASSERT_STATE (top, "base/kept", "k0");
    CF_ASSERT_STATE (top, "missing", NULL);

    //  A write is seen from its layer and above, not below
    ck_assert_int_eq (accord_state_put (middle, "k", "middle", 6), 0);
    CF_ASSERT_STATE (top, "k", "middle");
    CF_ASSERT_STATE (middle, "k", "middle");
    CF_ASSERT_STATE (bottom, "k", NULL);
    ck_assert_int_eq (accord_state_put (top, "k", "top", 3), 0);
    CF_ASSERT_STATE (top, "k", "top");
    CF_ASSERT_STATE (middle, "k", "middle");

    //  Overwrites in one layer keep the last value; binary values keep their length
    ck_assert_int_eq (accord_state_put (top, "bin", "a\0b", 3), 0);
    size_t len = 0;
    uint8_t *value = accord_state_get (top, "bin", &len);
    ck_assert_uint_eq (len, 3);
    ck_assert_mem_eq (value, "a\0b", 3);
    free (value);
    ck_assert_int_eq (accord_state_put (top, "bin", "", 0), 0);
    value = accord_state_get (top, "bin", &len);
    ck_assert_ptr_nonnull (value);              //  an empty value is not an absent one
    ck_assert_uint_eq (len, 0);
    free (value);

    //  A delete hides the store's value from its layer up
    ck_assert_int_eq (accord_state_delete (middle, "base/doomed"), 0);
    CF_ASSERT_STATE (top, "base/doomed", NULL);
    CF_ASSERT_STATE (middle, "base/doomed", NULL);
    CF_ASSERT_STATE (bottom, "base/doomed", "d0");
    //  ... and a put above a delete brings a value back
    ck_assert_int_eq (accord_state_put (top, "base/doomed", "again", 5), 0);
    CF_ASSERT_STATE (top, "base/doomed", "again");
    CF_ASSERT_STATE (middle, "base/doomed", NULL);

    //  Merge moves every write (puts and deletes) one layer down and empties the layer
    ck_assert_int_eq (accord_state_merge (top), 0);
    CF_ASSERT_STATE (middle, "k", "top");
    CF_ASSERT_STATE (middle, "base/doomed", "again");
    ck_assert_int_eq (accord_state_delete (middle, "base/kept"), 0);
    ck_assert_int_eq (accord_state_merge (middle), 0);
    CF_ASSERT_STATE (bottom, "k", "top");
    CF_ASSERT_STATE (bottom, "base/kept", NULL);
    CF_ASSERT_STATE (bottom, "base/doomed", "again");
    //  The emptied layers read through again
    CF_ASSERT_STATE (top, "k", "top");
    ck_assert_int_eq (accord_state_put (middle, "k", "new", 3), 0);
    CF_ASSERT_STATE (top, "k", "new");
    CF_ASSERT_STATE (bottom, "k", "top");

    //  The bottom layer has nowhere to merge to
    ck_assert_int_eq (accord_state_merge (bottom), -1);
    //  Nothing reached the store
    value = accord_store_state_get (cf_fx.store, "base/kept", &len);
    ck_assert_ptr_nonnull (value);
    free (value);
    ck_assert_ptr_null (accord_store_state_get (cf_fx.store, "k", &len));

    //  JSON values are stored canonically
    json_object *json = json_object_new_object ();
    json_object_object_add (json, "b", json_object_new_int (2));
    json_object_object_add (json, "a", json_object_new_string ("x"));
    ck_assert_int_eq (accord_state_put_json (top, "json", json), 0);
    json_object_put (json);
    CF_ASSERT_STATE (top, "json", "{\"a\":\"x\",\"b\":2}");
    json = accord_state_get_json (top, "json");
    ck_assert_ptr_nonnull (json);
    ck_assert_str_eq (accord_json_get_string (json, "a"), "x");
    json_object_put (json);
    ck_assert_ptr_null (accord_state_get_json (top, "missing"));
    ck_assert_ptr_null (accord_state_get_json (top, "base/doomed"));   //  "again" is not JSON

    accord_state_destroy (&top);
    accord_state_destroy (&middle);
    accord_state_destroy (&bottom);
    accord_state_destroy (&bottom);
}
END_TEST

//  chain/README.md: SHA-256("accord.state.v1" || previous root || for each key the block wrote,
//  in strcmp order: blob key, u8 deleted, blob value).
static void
s_expected_root (uint8_t root [ACCORD_HASH_SIZE], const uint8_t prev [ACCORD_HASH_SIZE])
{
    static const struct { const char *key, *value; int deleted; } writes [] = {
        { "a", "1", 0 }, { "a/b", "", 0 }, { "b", "", 1 }, { "zz", "last", 0 }
    };
    uint8_t bytes [512];
    size_t len = 0;
    memcpy (bytes, "accord.state.v1", 15);
    len += 15;
    memcpy (bytes + len, prev, ACCORD_HASH_SIZE);
    len += ACCORD_HASH_SIZE;
    for (size_t i = 0; i < sizeof writes / sizeof writes [0]; i++) {
        size_t key_len = strlen (writes [i].key), value_len = strlen (writes [i].value);
        uint8_t head [4] = { 0, 0, 0, (uint8_t) key_len };
        memcpy (bytes + len, head, 4);
        memcpy (bytes + len + 4, writes [i].key, key_len);
        len += 4 + key_len;
        bytes [len++] = (uint8_t) writes [i].deleted;
        head [3] = (uint8_t) value_len;
        memcpy (bytes + len, head, 4);
        memcpy (bytes + len + 4, writes [i].value, value_len);
        len += 4 + value_len;
    }
    accord_sha256 (root, bytes, len);
}

START_TEST (state_root)
{
    uint8_t prev [ACCORD_HASH_SIZE], other_prev [ACCORD_HASH_SIZE];
    memset (prev, 0x42, sizeof prev);
    memset (other_prev, 0x43, sizeof other_prev);

    //  The same writes in two orders, one with an overwritten value on the way
    accord_state_t *one = accord_state_new (cf_fx.store, NULL);
    accord_state_put (one, "a", "1", 1);
    accord_state_put (one, "a/b", "", 0);
    accord_state_delete (one, "b");
    accord_state_put (one, "zz", "last", 4);
    accord_state_t *two = accord_state_new (cf_fx.store, NULL);
    accord_state_put (two, "zz", "first", 5);
    accord_state_put (two, "b", "x", 1);
    accord_state_put (two, "a/b", "", 0);
    accord_state_put (two, "zz", "last", 4);
    accord_state_delete (two, "b");
    accord_state_put (two, "a", "1", 1);

    uint8_t root_one [ACCORD_HASH_SIZE], root_two [ACCORD_HASH_SIZE], expected [ACCORD_HASH_SIZE];
    accord_state_root (one, prev, root_one);
    accord_state_root (two, prev, root_two);
    s_expected_root (expected, prev);
    ck_assert_mem_eq (root_one, expected, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (root_two, expected, ACCORD_HASH_SIZE);
    //  Asking twice changes nothing
    accord_state_root (one, prev, root_two);
    ck_assert_mem_eq (root_two, expected, ACCORD_HASH_SIZE);

    //  Chained to the previous root
    accord_state_root (one, other_prev, root_two);
    ck_assert_mem_ne (root_two, expected, ACCORD_HASH_SIZE);
    //  A delete is not an empty value
    accord_state_put (two, "b", "", 0);
    accord_state_root (two, prev, root_two);
    ck_assert_mem_ne (root_two, expected, ACCORD_HASH_SIZE);
    accord_state_delete (two, "b");
    //  Another value, one more key
    accord_state_put (two, "a", "2", 1);
    accord_state_root (two, prev, root_two);
    ck_assert_mem_ne (root_two, expected, ACCORD_HASH_SIZE);
    accord_state_put (two, "a", "1", 1);
    accord_state_root (two, prev, root_two);
    ck_assert_mem_eq (root_two, expected, ACCORD_HASH_SIZE);
    accord_state_put (two, "c", "", 0);
    accord_state_root (two, prev, root_two);
    ck_assert_mem_ne (root_two, expected, ACCORD_HASH_SIZE);

    //  Only the layer's own writes count, not what it reads through
    accord_state_t *child = accord_state_new (cf_fx.store, one);
    accord_state_t *empty = accord_state_new (cf_fx.store, NULL);
    accord_state_root (child, prev, root_one);
    accord_state_root (empty, prev, root_two);
    ck_assert_mem_eq (root_one, root_two, ACCORD_HASH_SIZE);
    uint8_t bytes [15 + ACCORD_HASH_SIZE];
    memcpy (bytes, "accord.state.v1", 15);
    memcpy (bytes + 15, prev, ACCORD_HASH_SIZE);
    accord_sha256 (expected, bytes, sizeof bytes);
    ck_assert_mem_eq (root_two, expected, ACCORD_HASH_SIZE);

    accord_state_destroy (&child);
    accord_state_destroy (&empty);
    accord_state_destroy (&one);
    accord_state_destroy (&two);
}
END_TEST

//  --------------------------------------------------------------------------
//  Store

START_TEST (store_commit_reopen)
{
    accord_key_t *key = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, &key, 1);

    //  A new store: height 0, zero hash and root
    uint8_t zero [ACCORD_HASH_SIZE] = { 0 }, hash [ACCORD_HASH_SIZE], root [ACCORD_HASH_SIZE];
    ck_assert (accord_store_height (cf_fx.store) == 0);
    accord_store_last_hash (cf_fx.store, hash);
    ck_assert_mem_eq (hash, zero, ACCORD_HASH_SIZE);
    accord_store_state_root (cf_fx.store, root);
    ck_assert_mem_eq (root, zero, ACCORD_HASH_SIZE);
    ck_assert_ptr_null (accord_store_block (cf_fx.store, 1, NULL));

    //  Meta values, and the "prepared" entry a commit spends
    ck_assert_int_eq (accord_store_meta_put (cf_fx.store, "view", "\0\0\0\0\0\0\0\7", 8), 0);
    ck_assert_int_eq (accord_store_meta_put (cf_fx.store, "prepared", "p", 1), 0);

    accord_block_t *block = cf_block_next (cf_fx.store, &genesis);
    for (uint8_t i = 0; i < 3; i++)
        cf_add (block, cf_anchor (key, (uint8_t) (0xa0 + i), i + 1, 10));
    accord_execution_t *execution = accord_execution_run (cf_fx.store, &genesis, block);
    ck_assert_ptr_nonnull (execution);
    cf_seal (block, execution);
    for (size_t i = 0; i < 3; i++)
        cf_assert_status (execution, i, "ok");
    uint16_t claimed = 0;
    block->cert.view = 2;
    block->cert.count = 1;
    block->cert.votes [0].index = claimed;
    uint8_t digest [ACCORD_HASH_SIZE];
    accord_vote_digest (digest, ACCORD_PHASE_COMMIT, CF_CHAIN, 2, 1, block->hash);
    ck_assert_int_eq (accord_key_sign (key, block->cert.votes [0].sig, digest), 0);
    ck_assert_int_eq (accord_cert_verify (&block->cert, &block->header, &genesis.validators, NULL, 0), 0);

    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    ck_assert (accord_store_height (cf_fx.store) == 1);

    //  Close and open again: everything is still there
    accord_store_destroy (&cf_fx.store);
    ck_assert_ptr_null (cf_fx.store);
    cf_fx.store = cf_store_open (cf_fx.dir);
    ck_assert (accord_store_height (cf_fx.store) == 1);
    accord_store_last_hash (cf_fx.store, hash);
    ck_assert_mem_eq (hash, block->hash, ACCORD_HASH_SIZE);
    accord_store_state_root (cf_fx.store, root);
    ck_assert_mem_eq (root, execution->state_root, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (root, block->header.state_root, ACCORD_HASH_SIZE);

    //  The block with its certificate
    size_t len;
    uint8_t *raw = accord_store_block (cf_fx.store, 1, &len);
    ck_assert_ptr_nonnull (raw);
    accord_block_t *stored = accord_block_decode (raw, len, NULL, 0);
    ck_assert_ptr_nonnull (stored);
    ck_assert_mem_eq (stored->hash, block->hash, ACCORD_HASH_SIZE);
    ck_assert_uint_eq (stored->tx_count, 3);
    ck_assert_int_eq (accord_cert_verify (&stored->cert, &stored->header, &genesis.validators, NULL, 0), 0);
    accord_block_destroy (&stored);
    free (raw);
    uint64_t height = 0;
    ck_assert_int_eq (accord_store_block_height (cf_fx.store, block->hash, &height), 0);
    ck_assert (height == 1);
    ck_assert_int_eq (accord_store_block_height (cf_fx.store, zero, &height), -1);

    //  Transactions, receipts and the receipts root
    uint8_t leaves [3][ACCORD_HASH_SIZE];
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t index = 99;
        height = 0;
        ck_assert_int_eq (accord_store_tx_location (cf_fx.store, block->txs [i]->hash, &height, &index), 0);
        ck_assert (height == 1);
        ck_assert_uint_eq (index, i);
        uint8_t *receipt = accord_store_receipt (cf_fx.store, 1, i, &len);
        ck_assert_ptr_nonnull (receipt);
        ck_assert_uint_eq (len, execution->receipt_lens [i]);
        ck_assert_mem_eq (receipt, execution->receipts [i], len);
        accord_merkle_leaf_hash (leaves [i], receipt, len);
        free (receipt);
    }
    uint8_t receipts_root [ACCORD_HASH_SIZE];
    accord_merkle_root (receipts_root, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, 3);
    ck_assert_mem_eq (receipts_root, block->header.receipts_root, ACCORD_HASH_SIZE);
    uint32_t index;
    ck_assert_int_eq (accord_store_tx_location (cf_fx.store, zero, &height, &index), -1);
    ck_assert_ptr_null (accord_store_receipt (cf_fx.store, 1, 3, &len));
    ck_assert_ptr_null (accord_store_receipt (cf_fx.store, 2, 0, &len));

    //  The receipt reads as the README says
    json_object *receipt = cf_receipt (execution, 1);
    char tx_hex [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (tx_hex, sizeof tx_hex, block->txs [1]->hash, ACCORD_HASH_SIZE);
    ck_assert_str_eq (accord_json_get_string (receipt, "tx"), tx_hex);
    int64_t value;
    ck_assert_int_eq (accord_json_get_int64 (receipt, "height", 1, 1, &value), 0);
    ck_assert_int_eq (accord_json_get_int64 (receipt, "index", 1, 1, &value), 0);
    json_object *logs = accord_json_get_array (receipt, "logs");
    ck_assert_ptr_nonnull (logs);
    ck_assert_uint_eq (json_object_array_length (logs), 1);
    ck_assert_str_eq (accord_json_get_string (json_object_array_get_idx (logs, 0), "event"), "anchored");
    ck_assert_str_eq (accord_json_get_string (json_object_array_get_idx (logs, 0), "module"), "evidence");
    char *canonical = accord_json_canonical (receipt);
    ck_assert_str_eq (canonical, (const char *) execution->receipts [1]);
    free (canonical);
    json_object_put (receipt);

    //  State
    char key_hex [2 * ACCORD_PUBKEY_SIZE + 1], state_key [128];
    accord_key_hex (key_hex, accord_key_public (key));
    snprintf (state_key, sizeof state_key, "nonce/%s", key_hex);
    uint8_t *nonce = accord_store_state_get (cf_fx.store, state_key, &len);
    ck_assert_ptr_nonnull (nonce);
    ck_assert_str_eq ((char *) nonce, "3");
    free (nonce);
    strcpy (state_key, "evidence/");
    for (int i = 0; i < ACCORD_HASH_SIZE; i++)
        strcat (state_key, "a1");
    uint8_t *record = accord_store_state_get (cf_fx.store, state_key, &len);
    ck_assert_msg (record != NULL, "%s not stored", state_key);
    free (record);

    //  Meta: kept, except "prepared", which the commit spent
    uint8_t *meta = accord_store_meta_get (cf_fx.store, "view", &len);
    ck_assert_ptr_nonnull (meta);
    ck_assert_uint_eq (len, 8);
    ck_assert_uint_eq (meta [7], 7);
    free (meta);
    ck_assert_ptr_null (accord_store_meta_get (cf_fx.store, "prepared", &len));
    ck_assert_int_eq (accord_store_meta_delete (cf_fx.store, "view"), 0);
    ck_assert_ptr_null (accord_store_meta_get (cf_fx.store, "view", &len));
    ck_assert_int_eq (accord_store_meta_delete (cf_fx.store, "view"), 0);

    accord_execution_destroy (&execution);
    accord_execution_destroy (&execution);
    accord_block_destroy (&block);
    accord_key_destroy (&key);
}
END_TEST

//  Commits one block of count anchors (fills from fill) on the fixture's store.
static accord_block_t *
s_commit_anchors (const accord_genesis_t *genesis, accord_key_t *key, uint8_t fill, size_t count,
                  uint64_t first_nonce)
{
    accord_block_t *block = cf_block_next (cf_fx.store, genesis);
    for (size_t i = 0; i < count; i++)
        cf_add (block, cf_anchor (key, (uint8_t) (fill + i), first_nonce + i, 100));
    accord_execution_t *execution = accord_execution_run (cf_fx.store, genesis, block);
    ck_assert_ptr_nonnull (execution);
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    accord_execution_destroy (&execution);
    return block;
}

static void
s_assert_indexed (accord_block_t *const *blocks, size_t count)
{
    for (size_t b = 0; b < count; b++)
        for (uint32_t i = 0; i < blocks [b]->tx_count; i++) {
            uint64_t height = 0;
            uint32_t index = 99;
            ck_assert_int_eq (accord_store_tx_location (cf_fx.store, blocks [b]->txs [i]->hash, &height, &index), 0);
            ck_assert (height == blocks [b]->header.height);
            ck_assert_uint_eq (index, i);
        }
}

//  Marks the transaction index as a machine crash would leave it: not closed cleanly, on
//  another boot.
static void
s_index_as_after_machine_crash (void)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/index", cf_fx.dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    ck_assert_int_eq (mdb_env_create (&env), 0);
    ck_assert_int_eq (mdb_env_set_maxdbs (env, 4), 0);
    ck_assert_int_eq (mdb_env_open (env, path, 0, 0600), 0);
    ck_assert_int_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    ck_assert_int_eq (mdb_dbi_open (txn, "meta", 0, &meta), 0);
    MDB_val clean = { 5, "clean" }, no = { 1, "0" }, boot = { 4, "boot" }, other = { 5, "other" };
    ck_assert_int_eq (mdb_put (txn, meta, &clean, &no, 0), 0);
    ck_assert_int_eq (mdb_put (txn, meta, &boot, &other, 0), 0);
    //  ... and an entry the crash left half written, which a rebuild must not keep
    MDB_dbi txs;
    ck_assert_int_eq (mdb_dbi_open (txn, "txs", 0, &txs), 0);
    uint8_t ghost [ACCORD_HASH_SIZE];
    memset (ghost, 0x5a, sizeof ghost);
    uint8_t location [12] = { 0 };
    MDB_val k = { ACCORD_HASH_SIZE, ghost }, v = { 12, location };
    ck_assert_int_eq (mdb_put (txn, txs, &k, &v, 0), 0);
    ck_assert_int_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
}

START_TEST (store_tx_index_rebuilt)
{
    accord_key_t *key = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, &key, 1);
    accord_block_t *blocks [2];
    blocks [0] = s_commit_anchors (&genesis, key, 0x10, 5, 1);
    blocks [1] = s_commit_anchors (&genesis, key, 0x20, 4, 6);
    s_assert_indexed (blocks, 2);

    //  Closed cleanly: trusted as it is
    accord_store_destroy (&cf_fx.store);
    cf_fx.store = cf_store_open (cf_fx.dir);
    s_assert_indexed (blocks, 2);

    //  After a machine crash: emptied and rebuilt from the blocks
    accord_store_destroy (&cf_fx.store);
    s_index_as_after_machine_crash ();
    cf_fx.store = cf_store_open (cf_fx.dir);
    s_assert_indexed (blocks, 2);
    uint8_t ghost [ACCORD_HASH_SIZE];
    memset (ghost, 0x5a, sizeof ghost);
    uint64_t height;
    uint32_t index;
    ck_assert_int_eq (accord_store_tx_location (cf_fx.store, ghost, &height, &index), -1);

    //  Index lost altogether: rebuilt too
    accord_store_destroy (&cf_fx.store);
    char command [PATH_MAX + 32];
    snprintf (command, sizeof command, "rm -rf '%s/index'", cf_fx.dir);
    ck_assert_int_eq (system (command), 0);
    cf_fx.store = cf_store_open (cf_fx.dir);
    s_assert_indexed (blocks, 2);

    accord_block_destroy (&blocks [0]);
    accord_block_destroy (&blocks [1]);
    accord_key_destroy (&key);
}
END_TEST

START_TEST (store_bad_folder)
{
    char *dir = tu_tmpdir ();
    char path [1024];
    snprintf (path, sizeof path, "%s/file", dir);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fputs ("not a store", file);
    fclose (file);
    char err [256] = "";
    ck_assert_ptr_null (accord_store_new (path, err, sizeof err));
    ck_assert_msg (err [0], "no reason given");
    snprintf (path, sizeof path, "%s/no/such/parent", dir);
    err [0] = 0;
    ck_assert_ptr_null (accord_store_new (path, err, sizeof err));
    ck_assert_msg (err [0], "no reason given");
    tu_rmtree (dir);
    free (dir);
}
END_TEST

//  --------------------------------------------------------------------------
//  Execution

START_TEST (execute_receipts)
{
    accord_key_t *validator = accord_key_new ();
    accord_key_t *user = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, &validator, 1);

    accord_block_t *block = cf_block_next (cf_fx.store, &genesis);
    cf_add (block, cf_anchor (validator, 0x01, 1, 5));                        //  0 ok
    cf_add (block, cf_anchor (user, 0x01, 1, 5));                             //  1 conflict
    cf_add (block, cf_anchor (validator, 0x02, 1, 5));                        //  2 stale_nonce
    cf_add (block, cf_anchor (user, 0x03, 2, 0));                             //  3 expired
    cf_add (block, cf_tx (user, "nosuch", "call", "{}", 3, 5));               //  4 unknown_module
    cf_add (block, cf_tx_on ("other-chain", user, "evidence", "anchor",
                           "{}", 4, 5));                                    //  5 wrong_chain
    cf_add (block, cf_tx (user, "evidence", "burn", "{}", 5, 5));             //  6 unknown_method
    cf_add (block, cf_tx (user, "evidence", "anchor", "{\"hash\":\"xyz\"}", 6, 5));   //  7 invalid_argument
    cf_add (block, cf_tx (user, "system", "set_param",
                        "{\"name\":\"block_interval_ms\",\"value\":20}", 7, 5));    //  8 unauthorized
    cf_add (block, cf_anchor (user, 0x04, 8, 1));                             //  9 ok: expiry == height
    cf_add (block, cf_tx (user, "evidence", "sign", "{\"hash\":\""
        "0101010101010101010101010101010101010101010101010101010101010101\"}", 10, 5));  //  10 ok
    cf_add (block, cf_tx (user, "evidence", "sign", "{\"hash\":\""
        "0101010101010101010101010101010101010101010101010101010101010101\"}", 11, 5));  //  11 duplicate
    cf_add (block, cf_tx (user, "evidence", "sign", "{\"hash\":\""
        "0505050505050505050505050505050505050505050505050505050505050505\"}", 12, 5));  //  12 not_found
    cf_add (block, cf_anchor (user, 0x06, 12, 5));                            //  13 stale_nonce

    accord_execution_t *execution = accord_execution_run (cf_fx.store, &genesis, block);
    ck_assert_ptr_nonnull (execution);
    ck_assert_uint_eq (execution->count, block->tx_count);
    static const char *expected [] = {
        "ok", "conflict", "stale_nonce", "expired", "unknown_module", "wrong_chain",
        "unknown_method", "invalid_argument", "unauthorized", "ok", "ok", "duplicate",
        "not_found", "stale_nonce"
    };
    ck_assert_uint_eq (block->tx_count, sizeof expected / sizeof expected [0]);
    for (size_t i = 0; i < block->tx_count; i++)
        cf_assert_status (execution, i, expected [i]);

    //  Failed transactions have no logs; the others log what they did
    for (size_t i = 0; i < block->tx_count; i++) {
        json_object *receipt = cf_receipt (execution, i);
        json_object *logs = accord_json_get_array (receipt, "logs");
        ck_assert_ptr_nonnull (logs);
        ck_assert_uint_eq (json_object_array_length (logs), strcmp (expected [i], "ok") == 0 ? 1 : 0);
        json_object_put (receipt);
    }
    ck_assert_uint_eq (execution->logs.count, 3);

    //  Nonces: spent by every transaction that got past chain, expiry and nonce checks
    char hex [2 * ACCORD_PUBKEY_SIZE + 1], key [128];
    accord_key_hex (hex, accord_key_public (user));
    snprintf (key, sizeof key, "nonce/%s", hex);
    CF_ASSERT_STATE (execution->state, key, "12");
    ck_assert (accord_nonce_get (execution->state, accord_key_public (user)) == 12);
    ck_assert (accord_nonce_get (execution->state, accord_key_public (validator)) == 1);
    //  Refused calls leave no writes of their own
    char record_key [128];
    snprintf (record_key, sizeof record_key, "evidence/%s",
              "0505050505050505050505050505050505050505050505050505050505050505");
    CF_ASSERT_STATE (execution->state, record_key, NULL);
    snprintf (record_key, sizeof record_key, "evidence/%s",
              "0303030303030303030303030303030303030303030303030303030303030303");
    CF_ASSERT_STATE (execution->state, record_key, NULL);
    CF_ASSERT_STATE (execution->state, "system/vote/block_interval_ms/20", NULL);
    //  The first anchor's record carries both signers
    snprintf (record_key, sizeof record_key, "evidence/%s",
              "0101010101010101010101010101010101010101010101010101010101010101");
    json_object *record = accord_state_get_json (execution->state, record_key);
    ck_assert_ptr_nonnull (record);
    json_object *signers = accord_json_get_array (record, "signers");
    ck_assert_uint_eq (json_object_array_length (signers), 2);
    char validator_hex [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_key_hex (validator_hex, accord_key_public (validator));
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (signers, 0)), validator_hex);
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (signers, 1)), hex);
    int64_t value;
    ck_assert_int_eq (accord_json_get_int64 (record, "height", 1, 1, &value), 0);
    ck_assert_int_eq (accord_json_get_int64 (record, "timestamp_ms", 0, INT64_MAX, &value), 0);
    ck_assert (value == (int64_t) block->header.timestamp_ms);
    json_object_put (record);

    //  Nothing reached the store
    ck_assert_ptr_null (accord_store_state_get (cf_fx.store, key, NULL));
    ck_assert (accord_store_height (cf_fx.store) == 0);

    accord_execution_destroy (&execution);
    accord_block_destroy (&block);
    accord_key_destroy (&validator);
    accord_key_destroy (&user);
}
END_TEST

START_TEST (execute_deterministic)
{
    accord_key_t *keys [2] = { accord_key_new (), accord_key_new () };
    accord_genesis_t genesis;
    cf_genesis (&genesis, keys, 1);

    accord_block_t *block = cf_block_next (cf_fx.store, &genesis);
    for (uint8_t i = 0; i < 6; i++)
        cf_add (block, cf_anchor (keys [i % 2], (uint8_t) (i / 2), i / 2 + 1, 9));
    cf_add (block, cf_tx (keys [1], "system", "set_param",
                        "{\"name\":\"view_timeout_ms\",\"value\":1500}", 9, 9));
    cf_add (block, cf_tx (keys [0], "system", "set_param",
                        "{\"name\":\"view_timeout_ms\",\"value\":1500}", 9, 9));
    accord_execution_t *first = accord_execution_run (cf_fx.store, &genesis, block);
    accord_execution_t *second = accord_execution_run (cf_fx.store, &genesis, block);
    ck_assert_uint_eq (first->count, second->count);
    for (size_t i = 0; i < first->count; i++) {
        ck_assert_uint_eq (first->receipt_lens [i], second->receipt_lens [i]);
        ck_assert_mem_eq (first->receipts [i], second->receipts [i], first->receipt_lens [i]);
    }
    ck_assert_mem_eq (first->receipts_root, second->receipts_root, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (first->state_root, second->state_root, ACCORD_HASH_SIZE);
    ck_assert_uint_eq (first->logs.count, second->logs.count);
    for (size_t i = 0; i < first->logs.count; i++) {
        ck_assert_uint_eq (first->logs.items [i].index, second->logs.items [i].index);
        ck_assert_str_eq (first->logs.items [i].module, second->logs.items [i].module);
        ck_assert_str_eq (first->logs.items [i].event, second->logs.items [i].event);
        ck_assert_str_eq (first->logs.items [i].data, second->logs.items [i].data);
    }

    //  The receipts root is RFC 6962 over the receipt texts
    uint8_t (*leaves)[ACCORD_HASH_SIZE] = malloc (first->count * ACCORD_HASH_SIZE);
    for (size_t i = 0; i < first->count; i++)
        accord_merkle_leaf_hash (leaves [i], first->receipts [i], first->receipt_lens [i]);
    uint8_t root [ACCORD_HASH_SIZE];
    accord_merkle_root (root, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, first->count);
    ck_assert_mem_eq (root, first->receipts_root, ACCORD_HASH_SIZE);
    free (leaves);
    //  The state root chains the block's writes to the store's root
    uint8_t prev [ACCORD_HASH_SIZE];
    accord_store_state_root (cf_fx.store, prev);
    accord_state_root (first->state, prev, root);
    ck_assert_mem_eq (root, first->state_root, ACCORD_HASH_SIZE);

    //  Another timestamp is another block: the records differ, so does the state root
    block->header.timestamp_ms++;
    accord_execution_t *third = accord_execution_run (cf_fx.store, &genesis, block);
    ck_assert_mem_ne (third->state_root, first->state_root, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (third->receipts_root, first->receipts_root, ACCORD_HASH_SIZE);
    accord_execution_destroy (&third);

    //  After a commit the same block is a replay: every transaction is stale
    block->header.timestamp_ms--;
    cf_seal (block, first);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, first->receipts, first->receipt_lens,
                                           first->state, first->state_root), 0);
    block->header.height = 2;
    accord_execution_t *replay = accord_execution_run (cf_fx.store, &genesis, block);
    for (size_t i = 0; i < replay->count; i++)
        cf_assert_status (replay, i, "stale_nonce");
    accord_execution_destroy (&replay);

    accord_execution_destroy (&first);
    accord_execution_destroy (&second);
    accord_block_destroy (&block);
    accord_key_destroy (&keys [0]);
    accord_key_destroy (&keys [1]);
}
END_TEST

//  Two blocks: the second sees the first's committed state.
START_TEST (execute_across_blocks)
{
    accord_key_t *validator = accord_key_new ();
    accord_key_t *user = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, &validator, 1);

    accord_block_t *block = cf_block_next (cf_fx.store, &genesis);
    cf_add (block, cf_anchor (validator, 0x11, 1, 5));
    accord_execution_t *execution = accord_execution_run (cf_fx.store, &genesis, block);
    cf_assert_status (execution, 0, "ok");
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    uint8_t first_hash [ACCORD_HASH_SIZE];
    memcpy (first_hash, block->hash, ACCORD_HASH_SIZE);
    accord_execution_destroy (&execution);
    accord_block_destroy (&block);

    block = cf_block_next (cf_fx.store, &genesis);
    ck_assert (block->header.height == 2);
    ck_assert_mem_eq (block->header.prev_hash, first_hash, ACCORD_HASH_SIZE);
    cf_add (block, cf_anchor (user, 0x11, 1, 5));             //  conflict: anchored at height 1
    cf_add (block, cf_anchor (validator, 0x12, 1, 5));        //  stale: nonce 1 committed
    cf_add (block, cf_tx (user, "evidence", "sign", "{\"hash\":\""
        "1111111111111111111111111111111111111111111111111111111111111111\"}", 2, 5));
    cf_add (block, cf_anchor (user, 0x13, 3, 1));             //  expired: height 2 > 1
    execution = accord_execution_run (cf_fx.store, &genesis, block);
    cf_assert_status (execution, 0, "conflict");
    cf_assert_status (execution, 1, "stale_nonce");
    cf_assert_status (execution, 2, "ok");
    cf_assert_status (execution, 3, "expired");
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    ck_assert (accord_store_height (cf_fx.store) == 2);
    accord_execution_destroy (&execution);

    //  Queries see the committed state
    json_object *result;
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "evidence", "get", "{\"hash\":\""
        "1111111111111111111111111111111111111111111111111111111111111111\"}", &result), ACCORD_OK);
    json_object *signers = accord_json_get_array (result, "signers");
    ck_assert_uint_eq (json_object_array_length (signers), 2);
    int64_t height;
    ck_assert_int_eq (accord_json_get_int64 (result, "height", 1, 1, &height), 0);
    ck_assert_str_eq (accord_json_get_string (result, "hash"),
                      "1111111111111111111111111111111111111111111111111111111111111111");
    ck_assert_ptr_nonnull (accord_json_get_object (result, "meta"));
    json_object_put (result);
    ck_assert (cf_query_nonce (cf_fx.store, &genesis, validator) == 1);
    ck_assert (cf_query_nonce (cf_fx.store, &genesis, user) == 2);

    accord_block_destroy (&block);
    accord_key_destroy (&validator);
    accord_key_destroy (&user);
}
END_TEST

//  system.set_param with four validators: a quorum (3) of votes for the same value changes it.
START_TEST (execute_set_param)
{
    accord_key_t *keys [5];
    for (size_t i = 0; i < 5; i++)
        keys [i] = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, keys, 4);
    const char *args = "{\"name\":\"block_max_txs\",\"value\":77}";

    accord_block_t *block = cf_block_next (cf_fx.store, &genesis);
    cf_add (block, cf_tx (keys [4], "system", "set_param", args, 1, 5));   //  outsider
    cf_add (block, cf_tx (keys [0], "system", "set_param", args, 1, 5));
    cf_add (block, cf_tx (keys [0], "system", "set_param", args, 2, 5));   //  same voter again
    cf_add (block, cf_tx (keys [1], "system", "set_param", args, 1, 5));
    cf_add (block, cf_tx (keys [2], "system", "set_param",
                        "{\"name\":\"block_max_txs\",\"value\":78}", 1, 5));   //  another value
    cf_add (block, cf_tx (keys [0], "system", "set_param",
                        "{\"name\":\"no_such_param\",\"value\":1}", 3, 5));
    cf_add (block, cf_tx (keys [0], "system", "set_param",
                        "{\"name\":\"block_max_txs\",\"value\":0}", 4, 5));
    accord_execution_t *execution = accord_execution_run (cf_fx.store, &genesis, block);
    cf_assert_status (execution, 0, "unauthorized");
    cf_assert_status (execution, 1, "ok");
    cf_assert_status (execution, 2, "duplicate");
    cf_assert_status (execution, 3, "ok");
    cf_assert_status (execution, 4, "ok");
    cf_assert_status (execution, 5, "invalid_argument");
    cf_assert_status (execution, 6, "invalid_argument");
    CF_ASSERT_STATE (execution->state, "system/param/block_max_txs", NULL);
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    accord_execution_destroy (&execution);
    accord_block_destroy (&block);

    json_object *result;
    int64_t value;
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "params", "{}", &result), ACCORD_OK);
    ck_assert_int_eq (accord_json_get_int64 (result, "block_max_txs", 0, INT64_MAX, &value), 0);
    ck_assert_int_eq (value, 5000);
    json_object_put (result);

    //  The third vote for 77 decides it
    block = cf_block_next (cf_fx.store, &genesis);
    cf_add (block, cf_tx (keys [3], "system", "set_param", args, 1, 5));
    execution = accord_execution_run (cf_fx.store, &genesis, block);
    cf_assert_status (execution, 0, "ok");
    json_object *receipt = cf_receipt (execution, 0);
    json_object *log = json_object_array_get_idx (accord_json_get_array (receipt, "logs"), 0);
    ck_assert_str_eq (accord_json_get_string (log, "event"), "param_changed");
    json_object_put (receipt);
    CF_ASSERT_STATE (execution->state, "system/param/block_max_txs", "77");
    CF_ASSERT_STATE (execution->state, "system/vote/param/block_max_txs/77", NULL);
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    accord_execution_destroy (&execution);
    accord_block_destroy (&block);

    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "params", "{}", &result), ACCORD_OK);
    ck_assert_int_eq (accord_json_get_int64 (result, "block_max_txs", 0, INT64_MAX, &value), 0);
    ck_assert_int_eq (value, 77);
    ck_assert_int_eq (accord_json_get_int64 (result, "view_timeout_ms", 0, INT64_MAX, &value), 0);
    ck_assert_int_eq (value, 1000);
    json_object_put (result);
    //  The vote for 78 is still pending
    uint8_t *pending = accord_store_state_get (cf_fx.store, "system/vote/param/block_max_txs/78", NULL);
    ck_assert_ptr_nonnull (pending);
    free (pending);

    for (size_t i = 0; i < 5; i++)
        accord_key_destroy (&keys [i]);
}
END_TEST

START_TEST (execute_validator_changes)
{
    accord_key_t *keys [6];
    for (size_t i = 0; i < 6; i++)
        keys [i] = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, keys, 4);
    uint8_t before [ACCORD_HASH_SIZE];
    accord_validators_hash (&genesis.validators, before);
    char key_hex [67], add [512];
    accord_hex_encode (key_hex, sizeof key_hex, accord_key_public (keys [4]), ACCORD_PUBKEY_SIZE);
    snprintf (add, sizeof add, "{\"name\":\"v4\",\"public_key\":\"%s\",\"curve_key\":"
              "\"0000000000000000000000000000000000000004\",\"peer_endpoint\":\"tcp://127.0.0.1:7004\"}",
              key_hex);

    //  Two votes of four, and one from an outsider: nothing changes.
    accord_tx_t *first [] = { cf_tx (keys [0], "system", "add_validator", add, 1, 9),
                              cf_tx (keys [1], "system", "add_validator", add, 1, 9),
                              cf_tx (keys [5], "system", "add_validator", add, 1, 9),
                              cf_tx (keys [1], "system", "add_validator", add, 2, 9) };
    const char *first_status [] = { "ok", "ok", "unauthorized", "duplicate" };
    accord_execution_t *execution = cf_run_block (&genesis, first, 4, first_status);
    ck_assert_mem_eq (execution->next_validators_hash, before, ACCORD_HASH_SIZE);
    accord_execution_destroy (&execution);

    //  The third vote reaches the quorum: the next set has five validators.
    accord_tx_t *third [] = { cf_tx (keys [2], "system", "add_validator", add, 1, 9),
                              cf_tx (keys [3], "system", "add_validator", add, 1, 9) };
    const char *third_status [] = { "ok", "conflict" };
    execution = cf_run_block (&genesis, third, 2, third_status);
    accord_genesis_t next = genesis;
    accord_state_t *state = accord_state_new (cf_fx.store, NULL);
    ck_assert_int_eq (accord_system_validators (state, &next), 0);
    accord_state_destroy (&state);
    ck_assert_uint_eq (next.validators.count, 5);
    ck_assert_int_eq (accord_validators_find (&next.validators, accord_key_public (keys [4])), 4);
    uint8_t after [ACCORD_HASH_SIZE];
    accord_validators_hash (&next.validators, after);
    ck_assert_mem_eq (execution->next_validators_hash, after, ACCORD_HASH_SIZE);
    accord_execution_destroy (&execution);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "validator_changes", "{}", &result), ACCORD_OK);
    ck_assert_uint_eq (json_object_array_length (result), 1);
    json_object *change = json_object_array_get_idx (result, 0);
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (change, "height")), 2);
    ck_assert_uint_eq (json_object_array_length (json_object_object_get (change, "validators")), 5);
    json_object_put (result);

    //  Removal needs a quorum of the five (4); the last validator can never be removed.
    char remove [128];
    snprintf (remove, sizeof remove, "{\"public_key\":\"%s\"}", key_hex);
    accord_tx_t *removal [] = { cf_tx (keys [0], "system", "remove_validator", remove, 2, 9),
                                cf_tx (keys [1], "system", "remove_validator", remove, 3, 9),
                                cf_tx (keys [2], "system", "remove_validator", remove, 2, 9),
                                cf_tx (keys [4], "system", "remove_validator", remove, 1, 9) };
    const char *removal_status [] = { "ok", "ok", "ok", "ok" };
    execution = cf_run_block (&next, removal, 4, removal_status);
    ck_assert_mem_eq (execution->next_validators_hash, before, ACCORD_HASH_SIZE);
    accord_execution_destroy (&execution);
    for (size_t i = 0; i < 6; i++)
        accord_key_destroy (&keys [i]);
}
END_TEST

START_TEST (queries)
{
    accord_key_t *validator = accord_key_new ();
    accord_key_t *user = accord_key_new ();
    accord_genesis_t genesis;
    cf_genesis (&genesis, &validator, 1);

    //  Before anything is committed
    json_object *result;
    const char *hash_arg = "{\"hash\":\"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\"}";
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "evidence", "get", hash_arg, &result), ACCORD_E_NOT_FOUND);
    ck_assert_ptr_null (result);
    ck_assert (cf_query_nonce (cf_fx.store, &genesis, user) == 0);

    accord_block_t *block = cf_block_next (cf_fx.store, &genesis);
    cf_add (block, cf_tx (user, "evidence", "anchor", "{\"hash\":"
        "\"abababababababababababababababababababababababababababababababab\","
        "\"meta\":{\"title\":\"minutes\",\"n\":2}}", 41, 5));
    accord_execution_t *execution = accord_execution_run (cf_fx.store, &genesis, block);
    cf_assert_status (execution, 0, "ok");
    cf_seal (block, execution);
    ck_assert_int_eq (accord_store_commit (cf_fx.store, block, execution->receipts, execution->receipt_lens,
                                           execution->state, execution->state_root), 0);
    accord_execution_destroy (&execution);

    //  evidence.get: either case in, lower case out
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "evidence", "get", hash_arg, &result), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (result, "hash"),
                      "abababababababababababababababababababababababababababababababab");
    json_object *meta = accord_json_get_object (result, "meta");
    ck_assert_ptr_nonnull (meta);
    ck_assert_str_eq (accord_json_get_string (meta, "title"), "minutes");
    char user_hex [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_key_hex (user_hex, accord_key_public (user));
    json_object *signers = accord_json_get_array (result, "signers");
    ck_assert_uint_eq (json_object_array_length (signers), 1);
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (signers, 0)), user_hex);
    int64_t value;
    ck_assert_int_eq (accord_json_get_int64 (result, "timestamp_ms", 0, INT64_MAX, &value), 0);
    ck_assert (value == (int64_t) block->header.timestamp_ms);
    json_object_put (result);
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "evidence", "get", "{\"hash\":\"ab\"}", &result),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "evidence", "get", "{}", &result),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "evidence", "list", "{}", &result),
                      ACCORD_E_UNKNOWN_METHOD);

    //  system.nonce
    ck_assert (cf_query_nonce (cf_fx.store, &genesis, user) == 41);
    ck_assert (cf_query_nonce (cf_fx.store, &genesis, validator) == 0);
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "nonce", "{\"sender\":\"02\"}", &result),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "nonce", "{}", &result),
                      ACCORD_E_INVALID_ARGUMENT);

    //  system.validators: the genesis members in order
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "validators", "{}", &result), ACCORD_OK);
    ck_assert (json_object_is_type (result, json_type_array));
    ck_assert_uint_eq (json_object_array_length (result), 1);
    json_object *member = json_object_array_get_idx (result, 0);
    ck_assert_str_eq (accord_json_get_string (member, "name"), "v0");
    char validator_hex [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_key_hex (validator_hex, accord_key_public (validator));
    ck_assert_str_eq (accord_json_get_string (member, "public_key"), validator_hex);
    json_object_put (result);
    ck_assert_int_eq (cf_query (cf_fx.store, &genesis, "system", "balance", "{}", &result),
                      ACCORD_E_UNKNOWN_METHOD);

    //  Modules that do not exist
    ck_assert_ptr_null (accord_module_find ("nosuch"));
    ck_assert_ptr_null (accord_module_find (""));
    char message [ACCORD_MESSAGE_MAX];
    ck_assert_int_eq (accord_module_check_call ("nosuch", "x", "{}", 2, NULL, message, sizeof message),
                      ACCORD_E_UNKNOWN_MODULE);
    ck_assert_int_eq (accord_module_check_call ("evidence", "anchor", "[]", 2, NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_module_check_call ("evidence", "anchor", "{", 1, NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);

    accord_block_destroy (&block);
    accord_key_destroy (&validator);
    accord_key_destroy (&user);
}
END_TEST

Suite *
test_store_suite (void)
{
    Suite *suite = suite_create ("store");

    TCase *tc = tcase_create ("state");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, cf_setup, cf_teardown);
    tcase_add_test (tc, state_overlay);
    tcase_add_test (tc, state_scan_sees_overlays);
    tcase_add_test (tc, state_cache_follows_commits);
    tcase_add_test (tc, state_root);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("roundtrip");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, cf_setup, cf_teardown);
    tcase_add_test (tc, store_commit_reopen);
    tcase_add_test (tc, store_tx_index_rebuilt);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, store_bad_folder);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("execute");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, cf_setup, cf_teardown);
    tcase_add_test (tc, execute_receipts);
    tcase_add_test (tc, execute_deterministic);
    tcase_add_test (tc, execute_across_blocks);
    tcase_add_test (tc, execute_set_param);
    tcase_add_test (tc, execute_validator_changes);
    tcase_add_test (tc, queries);
    suite_add_tcase (suite, tc);
    return suite;
}
