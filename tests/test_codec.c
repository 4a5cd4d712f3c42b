/*  The binary codecs: accord/buf.h, tx.h, block.h, wire.h and chain/msg.h.
    Encodings are checked byte for byte against the layouts the headers document (written out
    here by hand, not with accord_buf), then round-tripped, then attacked: every truncation,
    flipped bytes, wrong versions, trailing bytes, fields out of their limits. */
#include "testutil.h"
#include "accord/block.h"
#include "accord/buf.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/error.h"
#include "accord/tx.h"
#include "accord/wire.h"
#include "msg.h"
#include <stdlib.h>
#include <string.h>

#define S_CHAIN "accord-test"

//  --------------------------------------------------------------------------
//  Helpers

//  A hand-written big-endian writer for expected encodings (independent of accord_buf).
typedef struct {
    uint8_t data [8192];
    size_t len;
} s_bytes_t;

static void
s_be (s_bytes_t *self, uint64_t value, int bytes)
{
    ck_assert_uint_le (self->len + (size_t) bytes, sizeof self->data);
    for (int i = bytes - 1; i >= 0; i--)
        self->data [self->len++] = (uint8_t) (value >> (8 * i));
}

static void
s_raw (s_bytes_t *self, const void *data, size_t len)
{
    ck_assert_uint_le (self->len + len, sizeof self->data);
    memcpy (self->data + self->len, data, len);
    self->len += len;
}

static void
s_str8 (s_bytes_t *self, const char *text)
{
    s_be (self, strlen (text), 1);
    s_raw (self, text, strlen (text));
}

static void
s_header_eq (const accord_header_t *a, const accord_header_t *b)
{
    ck_assert_str_eq (a->chain_id, b->chain_id);
    ck_assert (a->height == b->height);
    ck_assert_mem_eq (a->prev_hash, b->prev_hash, ACCORD_HASH_SIZE);
    ck_assert (a->timestamp_ms == b->timestamp_ms);
    ck_assert_uint_eq (a->proposer, b->proposer);
    ck_assert_uint_eq (a->tx_count, b->tx_count);
    ck_assert_mem_eq (a->tx_root, b->tx_root, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (a->receipts_root, b->receipts_root, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (a->state_root, b->state_root, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (a->validators_hash, b->validators_hash, ACCORD_HASH_SIZE);
    ck_assert_mem_eq (a->next_validators_hash, b->next_validators_hash, ACCORD_HASH_SIZE);
}

static accord_key_t *
s_key_from_byte (uint8_t last)
{
    uint8_t secret [ACCORD_SECRET_SIZE] = { 0 };
    secret [ACCORD_SECRET_SIZE - 1] = last;
    accord_key_t *key = accord_key_new_from_secret (secret);
    ck_assert_ptr_nonnull (key);
    return key;
}

//  Four validators and one key outside the set.
typedef struct {
    accord_key_t *keys [4];
    accord_key_t *outsider;
    accord_validators_t set;
} s_net_t;

static void
s_net_init (s_net_t *net)
{
    memset (net, 0, sizeof *net);
    for (size_t i = 0; i < 4; i++) {
        net->keys [i] = accord_key_new ();
        ck_assert_ptr_nonnull (net->keys [i]);
        memcpy (net->set.keys [i], accord_key_public (net->keys [i]), ACCORD_PUBKEY_SIZE);
    }
    net->set.count = 4;
    net->outsider = accord_key_new ();
    ck_assert_ptr_nonnull (net->outsider);
}

static void
s_net_destroy (s_net_t *net)
{
    for (size_t i = 0; i < 4; i++)
        accord_key_destroy (&net->keys [i]);
    accord_key_destroy (&net->outsider);
}

static accord_tx_t *
s_signed_tx (accord_key_t *key, const char *module, const char *method, const char *args,
             uint64_t nonce, uint64_t expiry)
{
    accord_tx_t *tx = accord_tx_new (S_CHAIN, module, method, args, nonce, expiry);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    return tx;
}

//  A block of tx_count evidence anchors at height, header complete and hashed, no votes.
static accord_block_t *
s_block (s_net_t *net, size_t tx_count, uint64_t height)
{
    accord_block_t *block = accord_block_new ();
    ck_assert_ptr_nonnull (block);
    for (size_t i = 0; i < tx_count; i++) {
        char args [128];
        snprintf (args, sizeof args, "{\"hash\":\"%064zx\"}", i + 1);
        accord_tx_t *tx = s_signed_tx (net->keys [i % 4], "evidence", "anchor", args, i + 1, 1000);
        ck_assert_int_eq (accord_block_add_tx (block, &tx), 0);
        ck_assert_ptr_null (tx);
    }
    accord_header_t *header = &block->header;
    strcpy (header->chain_id, S_CHAIN);
    header->height = height;
    memset (header->prev_hash, 0x11, ACCORD_HASH_SIZE);
    header->timestamp_ms = 1700000000000ULL + height;
    header->proposer = 1;
    header->tx_count = (uint32_t) tx_count;
    accord_block_tx_root (block, header->tx_root);
    memset (header->receipts_root, 0x22, ACCORD_HASH_SIZE);
    memset (header->state_root, 0x33, ACCORD_HASH_SIZE);
    accord_validators_hash (&net->set, header->validators_hash);
    memcpy (header->next_validators_hash, header->validators_hash, ACCORD_HASH_SIZE);
    accord_header_hash (header, block->hash);
    return block;
}

//  Fills cert with votes of phase signed by the keys at indices (claimed as claimed [i]).
static void
s_vote (accord_cert_t *cert, accord_phase_t phase, const accord_header_t *header, uint64_t view,
        accord_key_t **signers, const uint16_t *claimed, size_t count)
{
    uint8_t hash [ACCORD_HASH_SIZE], digest [ACCORD_HASH_SIZE];
    accord_header_hash (header, hash);
    accord_vote_digest (digest, phase, header->chain_id, view, header->height, hash);
    memset (cert, 0, sizeof *cert);
    cert->view = view;
    for (size_t i = 0; i < count; i++) {
        cert->votes [i].index = claimed [i];
        ck_assert_int_eq (accord_key_sign (signers [i], cert->votes [i].sig, digest), 0);
    }
    cert->count = (uint16_t) count;
}

static void
s_commit_all (accord_block_t *block, s_net_t *net, uint64_t view)
{
    uint16_t claimed [4] = { 0, 1, 2, 3 };
    s_vote (&block->cert, ACCORD_PHASE_COMMIT, &block->header, view, net->keys, claimed, 4);
}

static uint8_t *
s_encode_block (const accord_block_t *block, int with_cert, size_t *len)
{
    accord_buf_t out;
    accord_buf_init (&out);
    accord_block_encode (block, &out, with_cert);
    ck_assert_int_eq (out.failed, 0);
    return accord_buf_take (&out, len);
}

//  Every strict prefix of data, each in an exact-size heap copy so ASan sees an over-read.
typedef int (s_decodes_fn) (const uint8_t *data, size_t len);

static void
s_every_truncation_fails (const uint8_t *data, size_t len, s_decodes_fn *decodes)
{
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc (cut ? cut : 1);
        ck_assert_ptr_nonnull (copy);
        memcpy (copy, data, cut);
        int ok = decodes (copy, cut);
        free (copy);
        ck_assert_msg (!ok, "a prefix of %zu of %zu bytes decoded", cut, len);
    }
}

static int
s_tx_decodes (const uint8_t *data, size_t len)
{
    char err [128];
    accord_tx_t *tx = accord_tx_decode (data, len, err, sizeof err);
    if (!tx)
        ck_assert_msg (err [0], "no reason given");
    int ok = tx != NULL;
    accord_tx_destroy (&tx);
    return ok;
}

static int
s_block_decodes (const uint8_t *data, size_t len)
{
    char err [128];
    accord_block_t *block = accord_block_decode (data, len, err, sizeof err);
    if (!block)
        ck_assert_msg (err [0], "no reason given");
    int ok = block != NULL;
    accord_block_destroy (&block);
    return ok;
}

static int
s_msg_decodes (const uint8_t *data, size_t len)
{
    accord_msg_t *msg = accord_msg_decode (data, len);
    int ok = msg != NULL;
    accord_msg_destroy (&msg);
    return ok;
}

static const uint8_t s_fake_sender [ACCORD_PUBKEY_SIZE] = { 0x02, 1, 2, 3 };

//  A transaction encoding with the given fields (signature all zero), through accord_buf so
//  fields can be out of the limits accord_tx_new enforces.
static uint8_t *
s_tx_bytes (uint8_t version, const char *chain_id, const char *module, const char *method,
            const void *args, size_t args_len, size_t *len)
{
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_u8 (&out, version);
    accord_buf_str8 (&out, chain_id);
    accord_buf_bytes (&out, s_fake_sender, ACCORD_PUBKEY_SIZE);
    accord_buf_u64 (&out, 7);
    accord_buf_u64 (&out, 100);
    accord_buf_str8 (&out, module);
    accord_buf_str8 (&out, method);
    accord_buf_blob (&out, args, args_len);
    uint8_t sig [ACCORD_SIG_SIZE] = { 0 };
    accord_buf_bytes (&out, sig, sizeof sig);
    ck_assert_int_eq (out.failed, 0);
    return accord_buf_take (&out, len);
}

static void
s_tx_bytes_refused (uint8_t version, const char *chain_id, const char *module,
                    const char *method, const void *args, size_t args_len, const char *reason)
{
    size_t len;
    uint8_t *data = s_tx_bytes (version, chain_id, module, method, args, args_len, &len);
    char err [160] = "";
    accord_tx_t *tx = accord_tx_decode (data, len, err, sizeof err);
    ck_assert_msg (tx == NULL, "decoded: module '%s' method '%s'", module, method);
    if (reason)
        ck_assert_msg (strstr (err, reason), "reason '%s' lacks '%s'", err, reason);
    free (data);
}

//  --------------------------------------------------------------------------
//  buf

START_TEST (buf_known_answer)
{
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_u8 (&out, 0xab);
    accord_buf_u16 (&out, 0x0102);
    accord_buf_u32 (&out, 0x03040506);
    accord_buf_u64 (&out, 0x0708090a0b0c0d0eULL);
    accord_buf_str8 (&out, "ab");
    accord_buf_blob (&out, "xyz", 3);
    accord_buf_str8 (&out, "");
    accord_buf_blob (&out, NULL, 0);
    static const uint8_t expected [] = {
        0xab, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
        0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x03, 'x', 'y', 'z', 0x00, 0x00, 0x00, 0x00, 0x00
    };
    ck_assert_int_eq (out.failed, 0);
    ck_assert_uint_eq (out.len, sizeof expected);
    ck_assert_mem_eq (out.data, expected, sizeof expected);

    accord_reader_t in;
    accord_reader_init (&in, out.data, out.len);
    ck_assert_uint_eq (accord_reader_u8 (&in), 0xab);
    ck_assert_uint_eq (accord_reader_u16 (&in), 0x0102);
    ck_assert_uint_eq (accord_reader_u32 (&in), 0x03040506);
    ck_assert (accord_reader_u64 (&in) == 0x0708090a0b0c0d0eULL);
    char text [8];
    accord_reader_str8 (&in, text, sizeof text);
    ck_assert_str_eq (text, "ab");
    size_t len;
    const uint8_t *blob = accord_reader_blob (&in, 3, &len);
    ck_assert_ptr_nonnull (blob);
    ck_assert_uint_eq (len, 3);
    ck_assert_mem_eq (blob, "xyz", 3);
    accord_reader_str8 (&in, text, sizeof text);
    ck_assert_str_eq (text, "");
    accord_reader_blob (&in, 0, &len);
    ck_assert_uint_eq (len, 0);
    ck_assert_int_eq (accord_reader_done (&in), 0);

    size_t taken_len;
    uint8_t *taken = accord_buf_take (&out, &taken_len);
    ck_assert_uint_eq (taken_len, sizeof expected);
    ck_assert_ptr_null (out.data);
    ck_assert_uint_eq (out.len, 0);
    free (taken);
}
END_TEST

START_TEST (buf_reader_failures)
{
    //  Reading past the end fails, zero-fills, and every later read fails too
    static const uint8_t data [] = { 0x01, 0x02, 0x03 };
    accord_reader_t in;
    accord_reader_init (&in, data, sizeof data);
    ck_assert_uint_eq (accord_reader_u32 (&in), 0);
    ck_assert_int_ne (in.failed, 0);
    ck_assert_uint_eq (accord_reader_u8 (&in), 0);
    uint8_t out [4] = { 9, 9, 9, 9 };
    accord_reader_copy (&in, out, sizeof out);
    ck_assert_mem_eq (out, "\0\0\0\0", 4);
    ck_assert_int_eq (accord_reader_done (&in), -2);

    //  Left-over bytes
    accord_reader_init (&in, data, sizeof data);
    accord_reader_u16 (&in);
    ck_assert_int_eq (accord_reader_done (&in), -2);

    //  A string longer than its room, one with a control byte, one with a NUL
    char text [4];
    static const uint8_t long_str [] = { 4, 'a', 'b', 'c', 'd' };
    accord_reader_init (&in, long_str, sizeof long_str);
    accord_reader_str8 (&in, text, sizeof text);
    ck_assert_int_ne (in.failed, 0);
    static const uint8_t ctl_str [] = { 2, 'a', 0x1f };
    accord_reader_init (&in, ctl_str, sizeof ctl_str);
    accord_reader_str8 (&in, text, sizeof text);
    ck_assert_int_ne (in.failed, 0);
    static const uint8_t nul_str [] = { 2, 0, 'a' };
    accord_reader_init (&in, nul_str, sizeof nul_str);
    accord_reader_str8 (&in, text, sizeof text);
    ck_assert_int_ne (in.failed, 0);

    //  A blob over its maximum, one longer than the input
    static const uint8_t blob [] = { 0, 0, 0, 3, 'x', 'y', 'z' };
    size_t len = 99;
    accord_reader_init (&in, blob, sizeof blob);
    ck_assert_ptr_null (accord_reader_blob (&in, 2, &len));
    ck_assert_uint_eq (len, 0);
    ck_assert_int_ne (in.failed, 0);
    static const uint8_t short_blob [] = { 0, 0, 0, 9, 'x' };
    accord_reader_init (&in, short_blob, sizeof short_blob);
    ck_assert_ptr_null (accord_reader_blob (&in, 100, &len));
    ck_assert_int_ne (in.failed, 0);
    static const uint8_t huge_blob [] = { 0xff, 0xff, 0xff, 0xff, 'x' };
    accord_reader_init (&in, huge_blob, sizeof huge_blob);
    ck_assert_ptr_null (accord_reader_blob (&in, SIZE_MAX, &len));
    ck_assert_int_ne (in.failed, 0);

    //  A NULL input is an empty one
    accord_reader_init (&in, NULL, 10);
    accord_reader_u8 (&in);
    ck_assert_int_ne (in.failed, 0);
}
END_TEST

START_TEST (buf_limits)
{
    char text [257];
    memset (text, 'a', 256);
    text [256] = 0;
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_str8 (&out, text + 1);             //  255: the longest
    ck_assert_int_eq (out.failed, 0);
    ck_assert_uint_eq (out.len, 256);
    accord_buf_str8 (&out, text);                 //  256: refused, and the buffer is spent
    ck_assert_int_ne (out.failed, 0);
    accord_buf_u8 (&out, 1);
    ck_assert_uint_eq (out.len, 256);
    accord_buf_reset (&out);
    ck_assert_ptr_null (out.data);
    ck_assert_int_eq (out.failed, 0);
}
END_TEST

//  --------------------------------------------------------------------------
//  Transactions

START_TEST (tx_roundtrip)
{
    accord_key_t *key = accord_key_new ();
    ck_assert_ptr_nonnull (key);
    const char *args = "{\"hash\":\"" "00112233445566778899aabbccddeeff"
                       "00112233445566778899aabbccddeeff" "\",\"meta\":{\"name\":\"r\\u00e9sum\\u00e9\"}}";
    accord_tx_t *tx = accord_tx_new (S_CHAIN, "evidence", "anchor", args, 42, 99);
    ck_assert_ptr_nonnull (tx);
    ck_assert_ptr_null (tx->raw);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    ck_assert_ptr_nonnull (tx->raw);
    ck_assert_mem_eq (tx->sender, accord_key_public (key), ACCORD_PUBKEY_SIZE);
    ck_assert_int_eq (accord_tx_verify (tx), 0);

    char err [128] = "";
    accord_tx_t *copy = accord_tx_decode (tx->raw, tx->raw_len, err, sizeof err);
    ck_assert_msg (copy != NULL, "decode: %s", err);
    ck_assert_str_eq (copy->chain_id, S_CHAIN);
    ck_assert_mem_eq (copy->sender, tx->sender, ACCORD_PUBKEY_SIZE);
    ck_assert (copy->nonce == 42);
    ck_assert (copy->expiry == 99);
    ck_assert_str_eq (copy->module, "evidence");
    ck_assert_str_eq (copy->method, "anchor");
    ck_assert_str_eq (copy->args, args);
    ck_assert_uint_eq (copy->args_len, strlen (args));
    ck_assert_mem_eq (copy->sig, tx->sig, ACCORD_SIG_SIZE);
    ck_assert_mem_eq (copy->hash, tx->hash, ACCORD_HASH_SIZE);
    ck_assert_uint_eq (copy->raw_len, tx->raw_len);
    ck_assert_mem_eq (copy->raw, tx->raw, tx->raw_len);
    ck_assert_int_eq (accord_tx_verify (copy), 0);

    //  The JSON view names the same transaction
    json_object *json = accord_tx_to_json (copy);
    char hash_hex [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (hash_hex, sizeof hash_hex, tx->hash, ACCORD_HASH_SIZE);
    json_object *field;
    ck_assert (json_object_object_get_ex (json, "hash", &field));
    ck_assert_str_eq (json_object_get_string (field), hash_hex);
    ck_assert (json_object_object_get_ex (json, "nonce", &field));
    ck_assert_int_eq (json_object_get_int64 (field), 42);
    ck_assert (json_object_object_get_ex (json, "args", &field));
    ck_assert (json_object_is_type (field, json_type_object));
    json_object_put (json);

    //  Signing again (RFC 6979) gives the same bytes
    uint8_t first [ACCORD_SIG_SIZE];
    memcpy (first, tx->sig, sizeof first);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    ck_assert_mem_eq (tx->sig, first, sizeof first);

    accord_tx_destroy (&copy);
    accord_tx_destroy (&tx);
    accord_tx_destroy (&tx);
    ck_assert_ptr_null (tx);
    accord_key_destroy (&key);
}
END_TEST

//  The layout of tx.h written out by hand, with the key whose secret is 1 (public key G).
START_TEST (tx_known_answer)
{
    accord_key_t *key = s_key_from_byte (1);
    static const char *g_hex = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    uint8_t g [ACCORD_PUBKEY_SIZE];
    ck_assert_int_eq (accord_hex_decode_exact (g, sizeof g, g_hex), 0);
    ck_assert_mem_eq (accord_key_public (key), g, sizeof g);

    accord_tx_t *tx = accord_tx_new ("c1", "system", "set_param",
                                     "{\"name\":\"block_max_txs\",\"value\":5}",
                                     0x0102030405060708ULL, 0x1122334455667788ULL);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);

    s_bytes_t body = { .len = 0 };
    s_be (&body, 1, 1);
    s_str8 (&body, "c1");
    s_raw (&body, g, sizeof g);
    s_be (&body, 0x0102030405060708ULL, 8);
    s_be (&body, 0x1122334455667788ULL, 8);
    s_str8 (&body, "system");
    s_str8 (&body, "set_param");
    const char *args = "{\"name\":\"block_max_txs\",\"value\":5}";
    s_be (&body, strlen (args), 4);
    s_raw (&body, args, strlen (args));

    s_bytes_t tagged = { .len = 0 };
    s_raw (&tagged, "accord.tx.v1", 12);
    s_raw (&tagged, body.data, body.len);
    uint8_t hash [ACCORD_HASH_SIZE];
    accord_sha256 (hash, tagged.data, tagged.len);

    ck_assert_uint_eq (tx->raw_len, body.len + ACCORD_SIG_SIZE);
    ck_assert_mem_eq (tx->raw, body.data, body.len);
    ck_assert_mem_eq (tx->raw + body.len, tx->sig, ACCORD_SIG_SIZE);
    ck_assert_mem_eq (tx->hash, hash, ACCORD_HASH_SIZE);
    ck_assert_int_eq (accord_sig_verify (g, sizeof g, tx->sig, hash), 0);

    //  The decoder reads the hand-written bytes the same way
    s_raw (&body, tx->sig, ACCORD_SIG_SIZE);
    accord_tx_t *copy = accord_tx_decode (body.data, body.len, NULL, 0);
    ck_assert_ptr_nonnull (copy);
    ck_assert_mem_eq (copy->hash, hash, ACCORD_HASH_SIZE);
    ck_assert_int_eq (accord_tx_verify (copy), 0);
    accord_tx_destroy (&copy);
    accord_tx_destroy (&tx);
    accord_key_destroy (&key);
}
END_TEST

START_TEST (tx_truncated)
{
    accord_key_t *key = accord_key_new ();
    accord_tx_t *tx = s_signed_tx (key, "evidence", "anchor", "{\"a\":1}", 1, 2);
    s_every_truncation_fails (tx->raw, tx->raw_len, s_tx_decodes);
    accord_tx_destroy (&tx);
    accord_key_destroy (&key);
}
END_TEST

START_TEST (tx_tampered)
{
    accord_key_t *key = accord_key_new ();
    accord_key_t *other = accord_key_new ();
    accord_tx_t *tx = s_signed_tx (key, "evidence", "anchor", "{\"a\":1}", 1, 2);
    size_t sig_at = tx->raw_len - ACCORD_SIG_SIZE;

    //  A flipped bit anywhere in the signature: decodes, does not verify
    for (size_t i = 0; i < ACCORD_SIG_SIZE; i++) {
        uint8_t *copy = malloc (tx->raw_len);
        memcpy (copy, tx->raw, tx->raw_len);
        copy [sig_at + i] ^= (uint8_t) (1u << (i % 8));
        accord_tx_t *bad = accord_tx_decode (copy, tx->raw_len, NULL, 0);
        ck_assert_ptr_nonnull (bad);
        ck_assert_mem_eq (bad->hash, tx->hash, ACCORD_HASH_SIZE);
        ck_assert_msg (accord_tx_verify (bad) == -1, "signature byte %zu flipped verified", i);
        accord_tx_destroy (&bad);
        free (copy);
    }
    //  A flipped byte in the signed part (the nonce's last byte): another hash, no signature
    uint8_t *copy = malloc (tx->raw_len);
    memcpy (copy, tx->raw, tx->raw_len);
    size_t nonce_at = 1 + 1 + strlen (S_CHAIN) + ACCORD_PUBKEY_SIZE + 7;
    ck_assert_uint_eq (copy [nonce_at], 1);
    copy [nonce_at] = 2;
    accord_tx_t *bad = accord_tx_decode (copy, tx->raw_len, NULL, 0);
    ck_assert_ptr_nonnull (bad);
    ck_assert (bad->nonce == 2);
    ck_assert_mem_ne (bad->hash, tx->hash, ACCORD_HASH_SIZE);
    ck_assert_int_eq (accord_tx_verify (bad), -1);
    accord_tx_destroy (&bad);
    free (copy);

    //  Another sender's key in place of the signer's
    copy = malloc (tx->raw_len);
    memcpy (copy, tx->raw, tx->raw_len);
    memcpy (copy + 2 + strlen (S_CHAIN), accord_key_public (other), ACCORD_PUBKEY_SIZE);
    bad = accord_tx_decode (copy, tx->raw_len, NULL, 0);
    ck_assert_ptr_nonnull (bad);
    ck_assert_int_eq (accord_tx_verify (bad), -1);
    accord_tx_destroy (&bad);
    free (copy);

    //  A sender that is not a curve point
    copy = malloc (tx->raw_len);
    memcpy (copy, tx->raw, tx->raw_len);
    memset (copy + 2 + strlen (S_CHAIN), 0xff, ACCORD_PUBKEY_SIZE);
    bad = accord_tx_decode (copy, tx->raw_len, NULL, 0);
    ck_assert_ptr_nonnull (bad);
    ck_assert_int_eq (accord_tx_verify (bad), -1);
    accord_tx_destroy (&bad);
    free (copy);

    accord_tx_destroy (&tx);
    accord_key_destroy (&key);
    accord_key_destroy (&other);
}
END_TEST

START_TEST (tx_malformed)
{
    //  The helper's bytes decode when nothing is wrong with them
    size_t len;
    uint8_t *data = s_tx_bytes (1, "c", "evidence", "anchor", "{}", 2, &len);
    accord_tx_t *tx = accord_tx_decode (data, len, NULL, 0);
    ck_assert_ptr_nonnull (tx);
    ck_assert_str_eq (tx->args, "{}");
    accord_tx_destroy (&tx);
    free (data);

    //  Wrong version, before and after the current one
    s_tx_bytes_refused (0, "c", "evidence", "anchor", "{}", 2, "version");
    s_tx_bytes_refused (2, "c", "evidence", "anchor", "{}", 2, "version");
    s_tx_bytes_refused (0xff, "c", "evidence", "anchor", "{}", 2, "version");

    //  Names that are empty or not printable ASCII: control bytes, space, DEL, 8-bit
    s_tx_bytes_refused (1, "c", "evi\x01" "dence", "anchor", "{}", 2, NULL);
    s_tx_bytes_refused (1, "c", "evi dence", "anchor", "{}", 2, "printable");
    s_tx_bytes_refused (1, "c", "evi\x7f", "anchor", "{}", 2, "printable");
    s_tx_bytes_refused (1, "c", "evi\xc3\xa9", "anchor", "{}", 2, "printable");
    s_tx_bytes_refused (1, "c", "", "anchor", "{}", 2, "empty");
    s_tx_bytes_refused (1, "c", "evidence", "an\tchor", "{}", 2, NULL);
    s_tx_bytes_refused (1, "c", "evidence", "", "{}", 2, "empty");
    s_tx_bytes_refused (1, "", "evidence", "anchor", "{}", 2, "empty");
    s_tx_bytes_refused (1, "c c", "evidence", "anchor", "{}", 2, "printable");

    //  Names over their maximum length
    char name [80];
    memset (name, 'm', sizeof name);
    name [ACCORD_NAME_MAX + 1] = 0;
    s_tx_bytes_refused (1, "c", name, "anchor", "{}", 2, NULL);
    s_tx_bytes_refused (1, "c", "evidence", name, "{}", 2, NULL);
    memset (name, 'c', sizeof name);
    name [ACCORD_CHAIN_ID_MAX + 1] = 0;
    s_tx_bytes_refused (1, name, "evidence", "anchor", "{}", 2, NULL);

    //  Arguments with a NUL byte
    s_tx_bytes_refused (1, "c", "evidence", "anchor", "{\0}", 3, "NUL");

    //  Arguments over ACCORD_TX_ARGS_MAX (the whole still under ACCORD_TX_MAX)
    char *args = malloc (ACCORD_TX_ARGS_MAX + 1);
    memset (args, ' ', ACCORD_TX_ARGS_MAX + 1);
    args [0] = '{';
    args [ACCORD_TX_ARGS_MAX] = '}';
    data = s_tx_bytes (1, "c", "evidence", "anchor", args, ACCORD_TX_ARGS_MAX + 1, &len);
    ck_assert_uint_le (len, ACCORD_TX_MAX);
    ck_assert_ptr_null (accord_tx_decode (data, len, NULL, 0));
    free (data);
    //  ... while exactly ACCORD_TX_ARGS_MAX is fine
    data = s_tx_bytes (1, "c", "evidence", "anchor", args, ACCORD_TX_ARGS_MAX, &len);
    tx = accord_tx_decode (data, len, NULL, 0);
    ck_assert_ptr_nonnull (tx);
    ck_assert_uint_eq (tx->args_len, ACCORD_TX_ARGS_MAX);
    accord_tx_destroy (&tx);
    free (data);
    free (args);

    //  Trailing bytes after a valid transaction
    data = s_tx_bytes (1, "c", "evidence", "anchor", "{}", 2, &len);
    uint8_t *longer = malloc (len + 1);
    memcpy (longer, data, len);
    longer [len] = 0;
    char err [128] = "";
    ck_assert_ptr_null (accord_tx_decode (longer, len + 1, err, sizeof err));
    ck_assert_str_eq (err, "malformed transaction encoding");
    free (longer);
    free (data);

    //  Over ACCORD_TX_MAX bytes: refused before reading
    uint8_t *huge = calloc (1, ACCORD_TX_MAX + 1);
    ck_assert_ptr_null (accord_tx_decode (huge, ACCORD_TX_MAX + 1, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "exceeds"));
    free (huge);

    //  Nothing at all
    ck_assert_ptr_null (accord_tx_decode (NULL, 0, NULL, 0));
    ck_assert_ptr_null (accord_tx_decode ((const uint8_t *) "", 0, err, sizeof err));
}
END_TEST

START_TEST (tx_limits)
{
    char *args = malloc (ACCORD_TX_ARGS_MAX + 2);
    memset (args, ' ', ACCORD_TX_ARGS_MAX + 1);
    args [ACCORD_TX_ARGS_MAX + 1] = 0;
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "evidence", "anchor", args, 1, 1));
    args [ACCORD_TX_ARGS_MAX] = 0;
    accord_tx_t *tx = accord_tx_new (S_CHAIN, "evidence", "anchor", args, 1, 1);
    ck_assert_ptr_nonnull (tx);

    //  The largest transaction encodes within ACCORD_TX_MAX and decodes again
    accord_key_t *key = accord_key_new ();
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    ck_assert_uint_le (tx->raw_len, ACCORD_TX_MAX);
    accord_tx_t *copy = accord_tx_decode (tx->raw, tx->raw_len, NULL, 0);
    ck_assert_ptr_nonnull (copy);
    ck_assert_int_eq (accord_tx_verify (copy), 0);
    accord_tx_destroy (&copy);
    accord_tx_destroy (&tx);
    accord_key_destroy (&key);
    free (args);

    char name [80];
    memset (name, 'x', sizeof name);
    name [ACCORD_NAME_MAX] = 0;
    tx = accord_tx_new (S_CHAIN, name, name, "{}", 1, 1);
    ck_assert_ptr_nonnull (tx);
    accord_tx_destroy (&tx);
    name [ACCORD_NAME_MAX] = 'x';
    name [ACCORD_NAME_MAX + 1] = 0;
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, name, "m", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "m", name, "{}", 1, 1));

    memset (name, 'c', sizeof name);
    name [ACCORD_CHAIN_ID_MAX] = 0;
    tx = accord_tx_new (name, "m", "m", "{}", 1, 1);
    ck_assert_ptr_nonnull (tx);
    accord_tx_destroy (&tx);
    name [ACCORD_CHAIN_ID_MAX] = 'c';
    name [ACCORD_CHAIN_ID_MAX + 1] = 0;
    ck_assert_ptr_null (accord_tx_new (name, "m", "m", "{}", 1, 1));

    ck_assert_ptr_null (accord_tx_new ("", "m", "m", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "", "m", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "m", "", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "a b", "m", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "m", "m\n", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (NULL, "m", "m", "{}", 1, 1));
    ck_assert_ptr_null (accord_tx_new (S_CHAIN, "m", "m", NULL, 1, 1));
}
END_TEST

//  --------------------------------------------------------------------------
//  Headers, validator sets, certificates, blocks

START_TEST (quorum_known_answer)
{
    //  (n + f) / 2 + 1 with f = (n - 1) / 3
    static const struct { size_t n, f, quorum; } cases [] = {
        { 1, 0, 1 }, { 2, 0, 2 }, { 3, 0, 2 }, { 4, 1, 3 }, { 5, 1, 4 }, { 6, 1, 4 },
        { 7, 2, 5 }, { 10, 3, 7 }, { 13, 4, 9 }, { 64, 21, 43 }
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        accord_validators_t set = { .count = cases [i].n };
        ck_assert_uint_eq (accord_validators_faulty (&set), cases [i].f);
        ck_assert_msg (accord_validators_quorum (&set) == cases [i].quorum,
                       "n = %zu: quorum %zu, expected %zu", cases [i].n,
                       accord_validators_quorum (&set), cases [i].quorum);
        //  Any two quorums share an honest validator: 2q - n > f
        ck_assert_uint_gt (2 * cases [i].quorum - cases [i].n, cases [i].f);
    }
}
END_TEST

START_TEST (validators_known_answer)
{
    s_net_t net;
    s_net_init (&net);
    uint8_t expected [ACCORD_HASH_SIZE], hash [ACCORD_HASH_SIZE];
    accord_sha256 (expected, net.set.keys, 4 * ACCORD_PUBKEY_SIZE);
    accord_validators_hash (&net.set, hash);
    ck_assert_mem_eq (hash, expected, ACCORD_HASH_SIZE);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq (accord_validators_find (&net.set, accord_key_public (net.keys [i])), i);
    ck_assert_int_eq (accord_validators_find (&net.set, accord_key_public (net.outsider)), -1);
    s_net_destroy (&net);
}
END_TEST

START_TEST (header_known_answer)
{
    accord_header_t header = { .height = 0x0102030405060708ULL,
                               .timestamp_ms = 0x1112131415161718ULL,
                               .proposer = 0x2122, .tx_count = 0x31323334 };
    strcpy (header.chain_id, "chain");
    memset (header.prev_hash, 0xa1, ACCORD_HASH_SIZE);
    memset (header.tx_root, 0xa2, ACCORD_HASH_SIZE);
    memset (header.receipts_root, 0xa3, ACCORD_HASH_SIZE);
    memset (header.state_root, 0xa4, ACCORD_HASH_SIZE);
    memset (header.validators_hash, 0xa5, ACCORD_HASH_SIZE);
    memset (header.next_validators_hash, 0xa6, ACCORD_HASH_SIZE);

    s_bytes_t expected = { .len = 0 };
    s_be (&expected, 1, 1);
    s_str8 (&expected, "chain");
    s_be (&expected, header.height, 8);
    s_raw (&expected, header.prev_hash, ACCORD_HASH_SIZE);
    s_be (&expected, header.timestamp_ms, 8);
    s_be (&expected, header.proposer, 2);
    s_be (&expected, header.tx_count, 4);
    s_raw (&expected, header.tx_root, ACCORD_HASH_SIZE);
    s_raw (&expected, header.receipts_root, ACCORD_HASH_SIZE);
    s_raw (&expected, header.state_root, ACCORD_HASH_SIZE);
    s_raw (&expected, header.validators_hash, ACCORD_HASH_SIZE);
    s_raw (&expected, header.next_validators_hash, ACCORD_HASH_SIZE);

    accord_buf_t out;
    accord_buf_init (&out);
    accord_header_encode (&header, &out);
    ck_assert_uint_eq (out.len, expected.len);
    ck_assert_mem_eq (out.data, expected.data, expected.len);

    uint8_t hash [ACCORD_HASH_SIZE], want [ACCORD_HASH_SIZE];
    accord_sha256 (want, expected.data, expected.len);
    accord_header_hash (&header, hash);
    ck_assert_mem_eq (hash, want, ACCORD_HASH_SIZE);

    accord_header_t copy;
    memset (&copy, 0xee, sizeof copy);
    ck_assert_int_eq (accord_header_decode (&copy, out.data, out.len), 0);
    s_header_eq (&copy, &header);

    //  Every truncation, a trailing byte, another version, an empty chain id
    for (size_t cut = 0; cut < out.len; cut++)
        ck_assert_int_eq (accord_header_decode (&copy, out.data, cut), -2);
    accord_buf_u8 (&out, 0);
    ck_assert_int_eq (accord_header_decode (&copy, out.data, out.len), -2);
    out.data [0] = 2;
    ck_assert_int_eq (accord_header_decode (&copy, out.data, out.len - 1), -2);
    accord_buf_reset (&out);
    header.chain_id [0] = 0;
    accord_header_encode (&header, &out);
    ck_assert_int_eq (accord_header_decode (&copy, out.data, out.len), -2);
    accord_buf_reset (&out);
}
END_TEST

START_TEST (vote_digest_known_answer)
{
    uint8_t block_hash [ACCORD_HASH_SIZE];
    memset (block_hash, 0x5a, sizeof block_hash);
    for (int phase = ACCORD_PHASE_PREPARE; phase <= ACCORD_PHASE_COMMIT; phase++) {
        s_bytes_t expected = { .len = 0 };
        s_raw (&expected, "accord.vote.v1", 14);
        s_be (&expected, (uint64_t) phase, 1);
        s_str8 (&expected, S_CHAIN);
        s_be (&expected, 7, 8);
        s_be (&expected, 0x0100000000000001ULL, 8);
        s_raw (&expected, block_hash, ACCORD_HASH_SIZE);
        uint8_t want [ACCORD_HASH_SIZE], digest [ACCORD_HASH_SIZE];
        accord_sha256 (want, expected.data, expected.len);
        accord_vote_digest (digest, (accord_phase_t) phase, S_CHAIN, 7, 0x0100000000000001ULL,
                            block_hash);
        ck_assert_mem_eq (digest, want, ACCORD_HASH_SIZE);
    }
}
END_TEST

START_TEST (cert_verify)
{
    s_net_t net;
    s_net_init (&net);
    accord_block_t *block = s_block (&net, 1, 5);
    accord_header_t *header = &block->header;
    accord_cert_t cert;
    char err [160];

    //  All four, and three (the quorum of four), in any order
    uint16_t all [4] = { 0, 1, 2, 3 };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, net.keys, all, 4);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), 0);
    accord_key_t *three [3] = { net.keys [3], net.keys [0], net.keys [2] };
    uint16_t three_idx [3] = { 3, 0, 2 };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, three, three_idx, 3);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, NULL, 0), 0);

    //  Two votes are not a quorum
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, net.keys, all, 2);
    err [0] = 0;
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "2 valid commit votes of 3"));

    //  Validator 1's vote twice is one vote
    accord_key_t *dup [3] = { net.keys [0], net.keys [1], net.keys [1] };
    uint16_t dup_idx [3] = { 0, 1, 1 };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, dup, dup_idx, 3);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);
    //  ... also with a padded certificate of 4 entries
    accord_key_t *dup4 [4] = { net.keys [0], net.keys [1], net.keys [1], net.keys [1] };
    uint16_t dup4_idx [4] = { 0, 1, 1, 1 };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, dup4, dup4_idx, 4);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    //  A key outside the set signing as validator 2
    accord_key_t *outside [3] = { net.keys [0], net.keys [1], net.outsider };
    uint16_t outside_idx [3] = { 0, 1, 2 };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, outside, outside_idx, 3);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    //  A validator index past the set
    uint16_t past_idx [3] = { 0, 1, 4 };
    accord_key_t *past [3] = { net.keys [0], net.keys [1], net.keys [2] };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, past, past_idx, 3);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);
    uint16_t huge_idx [3] = { 0, 1, 65535 };
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, past, huge_idx, 3);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    //  PREPARE votes are not COMMIT votes
    s_vote (&cert, ACCORD_PHASE_PREPARE, header, 2, net.keys, all, 4);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    //  A certificate claiming another view than the votes were cast in
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, net.keys, all, 4);
    cert.view = 3;
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    //  Any altered header field breaks the votes
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, net.keys, all, 4);
    accord_header_t altered = *header;
    altered.timestamp_ms++;
    ck_assert_int_eq (accord_cert_verify (&cert, &altered, &net.set, err, sizeof err), -1);
    altered = *header;
    altered.state_root [31] ^= 1;
    ck_assert_int_eq (accord_cert_verify (&cert, &altered, &net.set, err, sizeof err), -1);
    altered = *header;
    altered.height++;
    ck_assert_int_eq (accord_cert_verify (&cert, &altered, &net.set, err, sizeof err), -1);
    altered = *header;
    strcpy (altered.chain_id, "other");
    ck_assert_int_eq (accord_cert_verify (&cert, &altered, &net.set, err, sizeof err), -1);

    //  A header naming another validator set
    accord_validators_t other = net.set;
    memcpy (other.keys [3], accord_key_public (net.outsider), ACCORD_PUBKEY_SIZE);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &other, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "validator set"));

    //  A flipped signature byte in one of three votes
    s_vote (&cert, ACCORD_PHASE_COMMIT, header, 2, net.keys, all, 3);
    cert.votes [1].sig [10] ^= 0x40;
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    //  An empty certificate
    memset (&cert, 0, sizeof cert);
    ck_assert_int_eq (accord_cert_verify (&cert, header, &net.set, err, sizeof err), -1);

    accord_block_destroy (&block);
    s_net_destroy (&net);
}
END_TEST

START_TEST (cert_codec)
{
    s_net_t net;
    s_net_init (&net);
    accord_block_t *block = s_block (&net, 0, 9);
    s_commit_all (block, &net, 4);

    s_bytes_t expected = { .len = 0 };
    s_be (&expected, 4, 8);
    s_be (&expected, 4, 2);
    for (size_t i = 0; i < 4; i++) {
        s_be (&expected, i, 2);
        s_raw (&expected, block->cert.votes [i].sig, ACCORD_SIG_SIZE);
    }
    accord_buf_t out;
    accord_buf_init (&out);
    accord_cert_encode (&block->cert, &out);
    ck_assert_uint_eq (out.len, expected.len);
    ck_assert_mem_eq (out.data, expected.data, expected.len);

    accord_cert_t cert;
    accord_reader_t in;
    accord_reader_init (&in, out.data, out.len);
    accord_cert_decode (&cert, &in);
    ck_assert_int_eq (accord_reader_done (&in), 0);
    ck_assert_mem_eq (&cert, &block->cert, sizeof cert);
    ck_assert_int_eq (accord_cert_verify (&cert, &block->header, &net.set, NULL, 0), 0);

    //  JSON form round trip
    json_object *json = accord_cert_to_json (&cert);
    accord_cert_t again;
    ck_assert_int_eq (accord_cert_from_json (&again, json), 0);
    ck_assert_mem_eq (&again, &cert, sizeof cert);
    json_object_put (json);

    //  More votes than ACCORD_MAX_VALIDATORS
    out.data [8] = 0;
    out.data [9] = ACCORD_MAX_VALIDATORS + 1;
    accord_reader_init (&in, out.data, out.len);
    accord_cert_decode (&cert, &in);
    ck_assert_int_ne (in.failed, 0);
    ck_assert_uint_eq (cert.count, 0);
    accord_buf_reset (&out);

    accord_block_destroy (&block);
    s_net_destroy (&net);
}
END_TEST

START_TEST (block_roundtrip)
{
    s_net_t net;
    s_net_init (&net);
    accord_block_t *block = s_block (&net, 5, 12);

    //  The transactions root is RFC 6962 over the transaction hashes, written out for 5 leaves:
    //  root = node (node (node (l0, l1), node (l2, l3)), l4)
    uint8_t leaf [5][ACCORD_HASH_SIZE];
    for (size_t i = 0; i < 5; i++) {
        uint8_t prefixed [1 + ACCORD_HASH_SIZE] = { 0x00 };
        memcpy (prefixed + 1, block->txs [i]->hash, ACCORD_HASH_SIZE);
        accord_sha256 (leaf [i], prefixed, sizeof prefixed);
    }
    uint8_t node [1 + 2 * ACCORD_HASH_SIZE], n01 [32], n23 [32], n0123 [32], root [32];
    node [0] = 0x01;
    memcpy (node + 1, leaf [0], 32); memcpy (node + 33, leaf [1], 32); accord_sha256 (n01, node, sizeof node);
    memcpy (node + 1, leaf [2], 32); memcpy (node + 33, leaf [3], 32); accord_sha256 (n23, node, sizeof node);
    memcpy (node + 1, n01, 32); memcpy (node + 33, n23, 32); accord_sha256 (n0123, node, sizeof node);
    memcpy (node + 1, n0123, 32); memcpy (node + 33, leaf [4], 32); accord_sha256 (root, node, sizeof node);
    ck_assert_mem_eq (block->header.tx_root, root, ACCORD_HASH_SIZE);

    s_commit_all (block, &net, 3);
    size_t len;
    uint8_t *data = s_encode_block (block, 1, &len);

    //  Layout: blob header, u32 count, count x blob tx, certificate
    accord_buf_t header;
    accord_buf_init (&header);
    accord_header_encode (&block->header, &header);
    s_bytes_t expected = { .len = 0 };
    s_be (&expected, header.len, 4);
    s_raw (&expected, header.data, header.len);
    s_be (&expected, 5, 4);
    for (size_t i = 0; i < 5; i++) {
        s_be (&expected, block->txs [i]->raw_len, 4);
        s_raw (&expected, block->txs [i]->raw, block->txs [i]->raw_len);
    }
    accord_buf_reset (&header);
    ck_assert_uint_eq (len, expected.len + 8 + 2 + 4 * (2 + ACCORD_SIG_SIZE));
    ck_assert_mem_eq (data, expected.data, expected.len);

    char err [128] = "";
    accord_block_t *copy = accord_block_decode (data, len, err, sizeof err);
    ck_assert_msg (copy != NULL, "decode: %s", err);
    ck_assert_mem_eq (copy->hash, block->hash, ACCORD_HASH_SIZE);
    s_header_eq (&copy->header, &block->header);
    ck_assert_uint_eq (copy->tx_count, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_mem_eq (copy->txs [i]->hash, block->txs [i]->hash, ACCORD_HASH_SIZE);
        ck_assert_int_eq (accord_tx_verify (copy->txs [i]), 0);
    }
    ck_assert (copy->cert.view == 3);
    ck_assert_uint_eq (copy->cert.count, 4);
    ck_assert_int_eq (accord_cert_verify (&copy->cert, &copy->header, &net.set, err, sizeof err), 0);

    //  Re-encoding the decoded block gives the same bytes
    size_t again_len;
    uint8_t *again = s_encode_block (copy, 1, &again_len);
    ck_assert_uint_eq (again_len, len);
    ck_assert_mem_eq (again, data, len);
    free (again);
    accord_block_destroy (&copy);

    //  A copy is a deep copy that encodes to the same bytes and outlives its original
    accord_block_t *twin = accord_block_copy (block);
    ck_assert_ptr_nonnull (twin);
    ck_assert_mem_eq (twin->hash, block->hash, ACCORD_HASH_SIZE);
    ck_assert_uint_eq (twin->tx_count, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_ptr_ne (twin->txs [i], block->txs [i]);
        ck_assert_ptr_ne (twin->txs [i]->raw, block->txs [i]->raw);
        ck_assert_ptr_ne (twin->txs [i]->args, block->txs [i]->args);
        ck_assert_str_eq (twin->txs [i]->args, block->txs [i]->args);
        ck_assert_int_eq (accord_tx_verify (twin->txs [i]), 0);
    }
    again = s_encode_block (twin, 1, &again_len);
    ck_assert_uint_eq (again_len, len);
    ck_assert_mem_eq (again, data, len);
    free (again);
    accord_tx_t *tx = accord_tx_copy (block->txs [2]);
    accord_block_destroy (&twin);
    ck_assert_mem_eq (tx->raw, block->txs [2]->raw, tx->raw_len);
    ck_assert_mem_eq (tx->hash, block->txs [2]->hash, ACCORD_HASH_SIZE);
    accord_tx_destroy (&tx);
    ck_assert_ptr_null (accord_block_copy (NULL));
    ck_assert_ptr_null (accord_tx_copy (NULL));

    //  Without the certificate: an empty one, same hash
    free (data);
    data = s_encode_block (block, 0, &len);
    copy = accord_block_decode (data, len, err, sizeof err);
    ck_assert_ptr_nonnull (copy);
    ck_assert_mem_eq (copy->hash, block->hash, ACCORD_HASH_SIZE);
    ck_assert_uint_eq (copy->cert.count, 0);
    ck_assert (copy->cert.view == 0);
    accord_block_destroy (&copy);
    free (data);

    //  The JSON view
    json_object *json = accord_block_to_json (block, 1);
    json_object *txs;
    ck_assert (json_object_object_get_ex (json, "transactions", &txs));
    ck_assert_uint_eq (json_object_array_length (txs), 5);
    json_object_put (json);

    accord_block_destroy (&block);
    accord_block_destroy (&block);
    s_net_destroy (&net);
}
END_TEST

START_TEST (block_empty)
{
    s_net_t net;
    s_net_init (&net);
    accord_block_t *block = s_block (&net, 0, 1);
    //  The empty tree hashes to SHA-256 of nothing
    uint8_t empty [ACCORD_HASH_SIZE];
    ck_assert_int_eq (accord_hex_decode_exact (empty, sizeof empty,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 0);
    ck_assert_mem_eq (block->header.tx_root, empty, ACCORD_HASH_SIZE);
    size_t len;
    uint8_t *data = s_encode_block (block, 1, &len);
    accord_block_t *copy = accord_block_decode (data, len, NULL, 0);
    ck_assert_ptr_nonnull (copy);
    ck_assert_uint_eq (copy->tx_count, 0);
    ck_assert_mem_eq (copy->hash, block->hash, ACCORD_HASH_SIZE);
    accord_block_destroy (&copy);
    free (data);
    accord_block_destroy (&block);
    s_net_destroy (&net);
}
END_TEST

START_TEST (block_truncated)
{
    s_net_t net;
    s_net_init (&net);
    accord_block_t *block = s_block (&net, 3, 2);
    s_commit_all (block, &net, 0);
    size_t len;
    uint8_t *data = s_encode_block (block, 1, &len);
    ck_assert (s_block_decodes (data, len));
    s_every_truncation_fails (data, len, s_block_decodes);
    free (data);
    accord_block_destroy (&block);
    s_net_destroy (&net);
}
END_TEST

START_TEST (block_malformed)
{
    s_net_t net;
    s_net_init (&net);
    char err [160];

    //  The header counts one transaction more than the block carries
    accord_block_t *block = s_block (&net, 2, 3);
    block->header.tx_count = 3;
    size_t len;
    uint8_t *data = s_encode_block (block, 1, &len);
    err [0] = 0;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "count"), "reason: %s", err);
    free (data);
    //  ... or one fewer
    block->header.tx_count = 1;
    data = s_encode_block (block, 1, &len);
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "count"), "reason: %s", err);
    free (data);
    block->header.tx_count = 2;
    accord_header_hash (&block->header, block->hash);
    s_commit_all (block, &net, 1);

    //  The count field between header and transactions disagrees with the header
    data = s_encode_block (block, 1, &len);
    ck_assert (s_block_decodes (data, len));
    size_t header_len = (size_t) data [0] << 24 | (size_t) data [1] << 16 | (size_t) data [2] << 8 | data [3];
    size_t count_at = 4 + header_len;
    ck_assert_uint_eq (data [count_at + 3], 2);
    data [count_at + 3] = 3;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    data [count_at + 3] = 1;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    data [count_at] = 0xff;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    free (data);

    //  A transactions root that is not the transactions'
    block->header.tx_root [7] ^= 0x01;
    data = s_encode_block (block, 1, &len);
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "root"), "reason: %s", err);
    free (data);
    block->header.tx_root [7] ^= 0x01;

    //  The same transactions in another order
    accord_tx_t *first = block->txs [0];
    block->txs [0] = block->txs [1];
    block->txs [1] = first;
    data = s_encode_block (block, 1, &len);
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "root"), "reason: %s", err);
    free (data);
    block->txs [1] = block->txs [0];
    block->txs [0] = first;

    //  Trailing bytes
    data = s_encode_block (block, 1, &len);
    uint8_t *longer = malloc (len + 1);
    memcpy (longer, data, len);
    longer [len] = 0;
    ck_assert_ptr_null (accord_block_decode (longer, len + 1, err, sizeof err));
    ck_assert_msg (strstr (err, "trailing"), "reason: %s", err);
    free (longer);

    //  Another header version (the byte right after the header blob's length)
    data [4] = 2;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "header"), "reason: %s", err);
    data [4] = 1;

    //  A header blob over its 1024-byte limit
    uint8_t saved = data [2];
    data [2] = 0x04;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    data [2] = saved;

    //  A byte of a transaction's signed part flipped: the transaction still decodes, but its
    //  hash and so the root no longer match
    size_t tx_at = count_at + 4 + 4;
    data [tx_at + 2 + strlen (S_CHAIN) + ACCORD_PUBKEY_SIZE + 7] ^= 0x01;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "root"), "reason: %s", err);
    data [tx_at + 2 + strlen (S_CHAIN) + ACCORD_PUBKEY_SIZE + 7] ^= 0x01;
    //  ... and a transaction of another version does not decode
    data [tx_at] = 9;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    ck_assert_msg (strstr (err, "version"), "reason: %s", err);
    data [tx_at] = 1;

    //  A certificate of more than ACCORD_MAX_VALIDATORS votes
    size_t cert_at = len - (8 + 2 + 4 * (2 + ACCORD_SIG_SIZE));
    ck_assert_uint_eq (data [cert_at + 9], 4);
    data [cert_at + 8] = 0xff;
    ck_assert_ptr_null (accord_block_decode (data, len, err, sizeof err));
    data [cert_at + 8] = 0;
    ck_assert (s_block_decodes (data, len));
    free (data);

    //  Over ACCORD_BLOCK_MAX_BYTES is refused before reading
    ck_assert_ptr_null (accord_block_decode ((const uint8_t *) "", (size_t) ACCORD_BLOCK_MAX_BYTES + 1,
                                             err, sizeof err));
    ck_assert_ptr_null (accord_block_decode (NULL, 0, NULL, 0));

    accord_block_destroy (&block);
    s_net_destroy (&net);
}
END_TEST

START_TEST (block_limits)
{
    accord_block_t *block = accord_block_new ();
    accord_tx_t *tx;
    for (size_t i = 0; i < ACCORD_BLOCK_MAX_TXS; i++) {
        tx = accord_tx_new (S_CHAIN, "m", "m", "{}", i + 1, 1);
        ck_assert_ptr_nonnull (tx);
        ck_assert_int_eq (accord_block_add_tx (block, &tx), 0);
    }
    ck_assert_uint_eq (block->tx_count, ACCORD_BLOCK_MAX_TXS);
    tx = accord_tx_new (S_CHAIN, "m", "m", "{}", 0, 1);
    ck_assert_int_eq (accord_block_add_tx (block, &tx), -1);
    ck_assert_ptr_nonnull (tx);             //  still the caller's
    accord_tx_destroy (&tx);
    for (size_t i = 0; i < ACCORD_BLOCK_MAX_TXS; i++)
        ck_assert (block->txs [i]->nonce == i + 1);
    accord_block_destroy (&block);

    //  A block claiming more transactions than the limit is refused by its count
    accord_buf_t out;
    accord_buf_init (&out);
    accord_header_t header = { .height = 1, .tx_count = ACCORD_BLOCK_MAX_TXS + 1 };
    strcpy (header.chain_id, S_CHAIN);
    accord_buf_t raw;
    accord_buf_init (&raw);
    accord_header_encode (&header, &raw);
    accord_buf_blob (&out, raw.data, raw.len);
    accord_buf_u32 (&out, ACCORD_BLOCK_MAX_TXS + 1);
    accord_buf_reset (&raw);
    char err [128];
    ck_assert_ptr_null (accord_block_decode (out.data, out.len, err, sizeof err));
    accord_buf_reset (&out);
}
END_TEST

//  --------------------------------------------------------------------------
//  Peer messages

START_TEST (msg_roundtrip)
{
    s_net_t net;
    s_net_init (&net);
    uint8_t digest [ACCORD_HASH_SIZE];
    memset (digest, 0x77, sizeof digest);
    const char payload [] = "some payload bytes";

    for (int type = ACCORD_MSG_PROPOSE; type < ACCORD_MSG__LAST; type++) {
        accord_msg_t *msg = accord_msg_new ((accord_msg_type_t) type, 2, 5, 6, digest, payload,
                                            sizeof payload, net.keys [2], S_CHAIN);
        ck_assert_ptr_nonnull (msg);
        //  Layout: u8 type, u16 from, u64 view, u64 height, 32 digest, blob payload, 64 sig
        s_bytes_t body = { .len = 0 };
        s_be (&body, (uint64_t) type, 1);
        s_be (&body, 2, 2);
        s_be (&body, 5, 8);
        s_be (&body, 6, 8);
        s_raw (&body, digest, sizeof digest);
        s_be (&body, sizeof payload, 4);
        s_raw (&body, payload, sizeof payload);
        ck_assert_uint_eq (msg->raw_len, body.len + ACCORD_SIG_SIZE);
        ck_assert_mem_eq (msg->raw, body.data, body.len);
        ck_assert_uint_eq (msg->payload_len, sizeof payload);
        ck_assert_mem_eq (msg->payload, payload, sizeof payload);

        //  What it signs: the vote digest for votes, the tagged body for the rest
        uint8_t signing [ACCORD_HASH_SIZE];
        if (type == ACCORD_MSG_PREPARE || type == ACCORD_MSG_COMMIT)
            accord_vote_digest (signing, type == ACCORD_MSG_PREPARE ? ACCORD_PHASE_PREPARE
                                                                    : ACCORD_PHASE_COMMIT,
                                S_CHAIN, 5, 6, digest);
        else {
            s_bytes_t tagged = { .len = 0 };
            s_raw (&tagged, "accord.peer.v1", 14);
            s_str8 (&tagged, S_CHAIN);
            s_raw (&tagged, body.data, body.len);
            accord_sha256 (signing, tagged.data, tagged.len);
        }
        ck_assert_msg (accord_sig_verify (net.set.keys [2], ACCORD_PUBKEY_SIZE, msg->sig, signing) == 0,
                       "type %d signs something else", type);

        accord_msg_t *copy = accord_msg_decode (msg->raw, msg->raw_len);
        ck_assert_ptr_nonnull (copy);
        ck_assert_uint_eq (copy->type, type);
        ck_assert_uint_eq (copy->from, 2);
        ck_assert (copy->view == 5 && copy->height == 6);
        ck_assert_mem_eq (copy->digest, digest, sizeof digest);
        ck_assert_uint_eq (copy->payload_len, sizeof payload);
        ck_assert_mem_eq (copy->payload, payload, sizeof payload);
        ck_assert_mem_eq (copy->sig, msg->sig, ACCORD_SIG_SIZE);
        ck_assert_int_eq (accord_msg_verify (copy, S_CHAIN, &net.set), 0);
        //  Another chain, another claimed sender, a smaller set
        ck_assert_int_eq (accord_msg_verify (copy, "other", &net.set), -1);
        copy->from = 1;
        ck_assert_int_eq (accord_msg_verify (copy, S_CHAIN, &net.set), -1);
        copy->from = 2;
        accord_validators_t two = net.set;
        two.count = 2;
        ck_assert_int_eq (accord_msg_verify (copy, S_CHAIN, &two), -1);
        ck_assert_str_ne (accord_msg_type_name (type), "?");
        accord_msg_destroy (&copy);
        accord_msg_destroy (&msg);
        accord_msg_destroy (&msg);
    }
    ck_assert_str_eq (accord_msg_type_name (0), "?");
    ck_assert_str_eq (accord_msg_type_name (ACCORD_MSG__LAST), "?");

    //  No payload, no digest
    accord_msg_t *msg = accord_msg_new (ACCORD_MSG_STATUS, 0, 0, 0, NULL, NULL, 0, net.keys [0], S_CHAIN);
    ck_assert_ptr_nonnull (msg);
    accord_msg_t *copy = accord_msg_decode (msg->raw, msg->raw_len);
    ck_assert_ptr_nonnull (copy);
    ck_assert_uint_eq (copy->payload_len, 0);
    ck_assert_int_eq (accord_msg_verify (copy, S_CHAIN, &net.set), 0);
    accord_msg_destroy (&copy);
    accord_msg_destroy (&msg);
    s_net_destroy (&net);
}
END_TEST

START_TEST (msg_malformed)
{
    s_net_t net;
    s_net_init (&net);
    uint8_t digest [ACCORD_HASH_SIZE] = { 1 };
    accord_msg_t *msg = accord_msg_new (ACCORD_MSG_PROPOSE, 3, 1, 1, digest, "abc", 3,
                                        net.keys [3], S_CHAIN);
    ck_assert_ptr_nonnull (msg);
    s_every_truncation_fails (msg->raw, msg->raw_len, s_msg_decodes);

    uint8_t *copy = malloc (msg->raw_len + 1);
    memcpy (copy, msg->raw, msg->raw_len);
    copy [msg->raw_len] = 0;
    ck_assert (!s_msg_decodes (copy, msg->raw_len + 1));        //  trailing byte
    copy [0] = 0;
    ck_assert (!s_msg_decodes (copy, msg->raw_len));            //  type 0
    copy [0] = ACCORD_MSG__LAST;
    ck_assert (!s_msg_decodes (copy, msg->raw_len));            //  type past the last
    copy [0] = ACCORD_MSG_PROPOSE;
    copy [1] = 0;
    copy [2] = ACCORD_MAX_VALIDATORS;
    ck_assert (!s_msg_decodes (copy, msg->raw_len));            //  sender index past any set
    copy [2] = 3;
    ck_assert (s_msg_decodes (copy, msg->raw_len));
    //  A payload length larger than what follows
    size_t len_at = 1 + 2 + 8 + 8 + ACCORD_HASH_SIZE;
    copy [len_at + 3] = 4 + ACCORD_SIG_SIZE;
    ck_assert (!s_msg_decodes (copy, msg->raw_len));
    copy [len_at] = 0xff;
    ck_assert (!s_msg_decodes (copy, msg->raw_len));
    memcpy (copy, msg->raw, msg->raw_len);

    //  Flipped bytes: still decodes, no longer verifies
    for (size_t i = 0; i < msg->raw_len; i += 7) {
        if (i == 0 || i == 1 || i == 2 || (i >= len_at && i < len_at + 4))
            continue;       //  those make it malformed, not forged
        copy [i] ^= 0x10;
        accord_msg_t *bad = accord_msg_decode (copy, msg->raw_len);
        ck_assert_msg (bad != NULL, "byte %zu", i);
        ck_assert_msg (accord_msg_verify (bad, S_CHAIN, &net.set) == -1, "byte %zu flipped verified", i);
        accord_msg_destroy (&bad);
        copy [i] ^= 0x10;
    }
    free (copy);
    ck_assert_ptr_null (accord_msg_decode (msg->raw, (size_t) ACCORD_MSG_MAX + 1));
    accord_msg_destroy (&msg);
    s_net_destroy (&net);
}
END_TEST

//  No bytes at all: a NULL buffer of length 0 (what an empty input may be) is malformed.
START_TEST (msg_decode_null)
{
    ck_assert_ptr_null (accord_msg_decode (NULL, 0));
    ck_assert_ptr_null (accord_msg_decode ((const uint8_t *) "", 0));
}
END_TEST

START_TEST (prepared_roundtrip)
{
    s_net_t net;
    s_net_init (&net);
    accord_prepared_t prepared = { .view = 6, .block = s_block (&net, 2, 8) };
    uint16_t all [4] = { 0, 1, 2, 3 };
    s_vote (&prepared.votes, ACCORD_PHASE_PREPARE, &prepared.block->header, 6, net.keys, all, 3);
    ck_assert_int_eq (accord_prepared_verify (&prepared, 8, S_CHAIN, &net.set), 0);

    accord_buf_t out;
    accord_buf_init (&out);
    accord_prepared_encode (&prepared, &out);
    ck_assert_int_eq (out.failed, 0);
    accord_prepared_t copy;
    accord_reader_t in;
    accord_reader_init (&in, out.data, out.len);
    ck_assert_int_eq (accord_prepared_decode (&copy, &in), 0);
    ck_assert_int_eq (accord_reader_done (&in), 0);
    ck_assert (copy.view == 6);
    ck_assert_ptr_nonnull (copy.block);
    ck_assert_mem_eq (copy.block->hash, prepared.block->hash, ACCORD_HASH_SIZE);
    ck_assert_uint_eq (copy.votes.count, 3);
    ck_assert_int_eq (accord_prepared_verify (&copy, 8, S_CHAIN, &net.set), 0);
    //  Another height, another chain, too few votes, commit votes in place of prepare votes
    ck_assert_int_eq (accord_prepared_verify (&copy, 9, S_CHAIN, &net.set), -1);
    ck_assert_int_eq (accord_prepared_verify (&copy, 8, "other", &net.set), -1);
    copy.votes.count = 2;
    ck_assert_int_eq (accord_prepared_verify (&copy, 8, S_CHAIN, &net.set), -1);
    s_vote (&copy.votes, ACCORD_PHASE_COMMIT, &copy.block->header, 6, net.keys, all, 4);
    ck_assert_int_eq (accord_prepared_verify (&copy, 8, S_CHAIN, &net.set), -1);
    accord_prepared_clear (&copy);
    ck_assert_ptr_null (copy.block);

    //  Every truncation
    for (size_t cut = 0; cut < out.len; cut++) {
        uint8_t *part = malloc (cut ? cut : 1);
        memcpy (part, out.data, cut);
        accord_reader_init (&in, part, cut);
        int rc = accord_prepared_decode (&copy, &in);
        ck_assert_msg (rc == -2 || accord_reader_done (&in) == -2, "prefix %zu decoded", cut);
        accord_prepared_clear (&copy);
        free (part);
    }
    accord_buf_reset (&out);

    //  Nothing prepared: one zero byte
    accord_prepared_t none = { 0 };
    accord_prepared_encode (&none, &out);
    ck_assert_uint_eq (out.len, 1);
    ck_assert_uint_eq (out.data [0], 0);
    accord_reader_init (&in, out.data, out.len);
    ck_assert_int_eq (accord_prepared_decode (&copy, &in), 0);
    ck_assert_ptr_null (copy.block);
    ck_assert_int_eq (accord_prepared_verify (&copy, 1, S_CHAIN, &net.set), 0);
    accord_buf_reset (&out);
    accord_reader_init (&in, NULL, 0);
    ck_assert_int_eq (accord_prepared_decode (&copy, &in), -2);

    accord_prepared_clear (&prepared);
    s_net_destroy (&net);
}
END_TEST

//  --------------------------------------------------------------------------
//  Wire

static zmsg_t *
s_request (const char *version, const char *command, const void *id, size_t id_len)
{
    zmsg_t *msg = zmsg_new ();
    if (version)
        zmsg_addstr (msg, version);
    if (command)
        zmsg_addstr (msg, command);
    if (id)
        zmsg_addmem (msg, id, id_len);
    return msg;
}

static int
s_parse (zmsg_t *msg, accord_request_head_t *head)
{
    char err [160] = "";
    memset (head, 0x5a, sizeof *head);
    int rc = accord_wire_parse_request (msg, head, err, sizeof err);
    if (rc != ACCORD_OK)
        ck_assert_msg (err [0], "error %d without a message", rc);
    return rc;
}

START_TEST (wire_roundtrip)
{
    accord_request_head_t head;
    uint8_t id [ACCORD_WIRE_ID_MAX];
    for (size_t i = 0; i < sizeof id; i++)
        id [i] = (uint8_t) (0xe0 + i);

    zmsg_t *msg = s_request ("ACC1", "SUBMIT_TX", id, sizeof id);
    zmsg_addstr (msg, "{\"a\":1}");
    zmsg_addstr (msg, "second");
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_OK);
    ck_assert_str_eq (head.command, "SUBMIT_TX");
    ck_assert_uint_eq (head.id_len, sizeof id);
    ck_assert_mem_eq (head.id, id, sizeof id);
    //  The body stays in the message
    ck_assert_uint_eq (zmsg_size (msg), 2);
    char *body = zmsg_popstr (msg);
    ck_assert_str_eq (body, "{\"a\":1}");
    zstr_free (&body);
    zmsg_destroy (&msg);

    //  An empty id and no body; the longest command
    msg = s_request ("ACC1", "STATUS", "", 0);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_OK);
    ck_assert_uint_eq (head.id_len, 0);
    ck_assert_uint_eq (zmsg_size (msg), 0);
    zmsg_destroy (&msg);
    char command [ACCORD_WIRE_COMMAND_MAX + 1];
    memset (command, 'A', ACCORD_WIRE_COMMAND_MAX);
    command [ACCORD_WIRE_COMMAND_MAX] = 0;
    msg = s_request ("ACC1", command, "x", 1);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_OK);
    ck_assert_str_eq (head.command, command);
    zmsg_destroy (&msg);

    //  Replies: version, status, the same id, then the body
    json_object *json = json_object_new_object ();
    json_object_object_add (json, "height", json_object_new_int (3));
    memcpy (head.id, id, sizeof id);
    head.id_len = 5;
    zmsg_t *reply = accord_wire_reply_ok (&head, json);
    json_object_put (json);
    ck_assert_uint_eq (zmsg_size (reply), 4);
    char *text = zmsg_popstr (reply);
    ck_assert_str_eq (text, ACCORD_WIRE_VERSION);
    zstr_free (&text);
    text = zmsg_popstr (reply);
    ck_assert_str_eq (text, "OK");
    zstr_free (&text);
    zframe_t *frame = zmsg_pop (reply);
    ck_assert_uint_eq (zframe_size (frame), 5);
    ck_assert_mem_eq (zframe_data (frame), id, 5);
    zframe_destroy (&frame);
    text = zmsg_popstr (reply);
    ck_assert_str_eq (text, "{\"height\":3}");
    zstr_free (&text);
    zmsg_destroy (&reply);

    reply = accord_wire_reply_ok (&head, NULL);
    ck_assert_uint_eq (zmsg_size (reply), 3);
    zmsg_destroy (&reply);

    reply = accord_wire_reply_err (&head, ACCORD_E_STALE_NONCE, "nonce 3 is not above 4");
    ck_assert_uint_eq (zmsg_size (reply), 5);
    frame = zmsg_pop (reply);
    zframe_destroy (&frame);
    text = zmsg_popstr (reply);
    ck_assert_str_eq (text, "ERR");
    zstr_free (&text);
    frame = zmsg_pop (reply);
    zframe_destroy (&frame);
    text = zmsg_popstr (reply);
    ck_assert_str_eq (text, "stale_nonce");
    zstr_free (&text);
    text = zmsg_popstr (reply);
    ck_assert_str_eq (text, "nonce 3 is not above 4");
    zstr_free (&text);
    zmsg_destroy (&reply);
}
END_TEST

START_TEST (wire_malformed)
{
    accord_request_head_t head;

    //  Too few frames: nothing to answer to
    zmsg_t *msg = s_request (NULL, NULL, NULL, 0);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_MALFORMED);
    zmsg_destroy (&msg);
    msg = s_request ("ACC1", NULL, NULL, 0);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_MALFORMED);
    ck_assert_uint_eq (head.id_len, 0);
    zmsg_destroy (&msg);
    msg = s_request ("ACC1", "STATUS", NULL, 0);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_MALFORMED);
    ck_assert_uint_eq (head.id_len, 0);
    zmsg_destroy (&msg);

    //  Wrong version: bad_version, with the id to answer to
    const char *versions [] = { "ACC2", "ACC", "ACC1 ", "acc1", "" };
    for (size_t i = 0; i < sizeof versions / sizeof versions [0]; i++) {
        msg = s_request (versions [i], "STATUS", "id7", 3);
        ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_VERSION);
        ck_assert_uint_eq (head.id_len, 3);
        ck_assert_mem_eq (head.id, "id7", 3);
        zmsg_destroy (&msg);
    }
    ck_assert_str_eq (accord_err_name (ACCORD_E_VERSION), "bad_version");

    //  Commands outside [A-Z_]{1,32}: malformed, id kept, command left empty
    char long_command [ACCORD_WIRE_COMMAND_MAX + 2];
    memset (long_command, 'A', sizeof long_command - 1);
    long_command [sizeof long_command - 1] = 0;
    const char *commands [] = { "status", "Status", "STATUS1", "STA TUS", "STATUS\n", "",
                                "SUB-MIT", long_command };
    for (size_t i = 0; i < sizeof commands / sizeof commands [0]; i++) {
        msg = s_request ("ACC1", commands [i], "id", 2);
        ck_assert_msg (s_parse (msg, &head) == ACCORD_E_MALFORMED, "command '%s'", commands [i]);
        ck_assert_uint_eq (head.id_len, 2);
        ck_assert_str_eq (head.command, "");
        zmsg_destroy (&msg);
    }
    //  A 33-byte id: malformed, and no id to answer with
    uint8_t id [ACCORD_WIRE_ID_MAX + 1];
    memset (id, 'i', sizeof id);
    msg = s_request ("ACC1", "STATUS", id, sizeof id);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_MALFORMED);
    ck_assert_uint_eq (head.id_len, 0);
    zmsg_destroy (&msg);
    //  ... even with a wrong version too
    msg = s_request ("XXXX", "STATUS", id, sizeof id);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_MALFORMED);
    zmsg_destroy (&msg);
}
END_TEST

START_TEST (wire_limits)
{
    accord_request_head_t head;

    //  Far more frames than ACCORD_WIRE_MAX_FRAMES: too_large, with the id to answer to
    zmsg_t *msg = s_request ("ACC1", "TXS", "id", 2);
    while (zmsg_size (msg) < 2 * ACCORD_WIRE_MAX_FRAMES)
        zmsg_addmem (msg, "", 0);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_TOO_LARGE);
    ck_assert_uint_eq (head.id_len, 2);
    zmsg_destroy (&msg);

    //  A body over ACCORD_WIRE_MAX_BYTES
    size_t big = (size_t) ACCORD_WIRE_MAX_BYTES + 1;
    uint8_t *data = calloc (1, big);
    ck_assert_ptr_nonnull (data);
    msg = s_request ("ACC1", "SUBMIT", "id", 2);
    zmsg_addmem (msg, data, big);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_TOO_LARGE);
    ck_assert_uint_eq (head.id_len, 2);
    zmsg_destroy (&msg);
    //  ... split over frames
    msg = s_request ("ACC1", "SUBMIT", "id", 2);
    zmsg_addmem (msg, data, big / 2);
    zmsg_addmem (msg, data, big - big / 2);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_E_TOO_LARGE);
    zmsg_destroy (&msg);
    free (data);
}
END_TEST

//  wire.h: "command = 1..32 upper-case letters and '_'": a NUL byte is none of those.
START_TEST (wire_command_nul)
{
    accord_request_head_t head;
    zmsg_t *msg = s_request ("ACC1", NULL, NULL, 0);
    zmsg_addmem (msg, "ST\0TUS", 6);
    zmsg_addmem (msg, "id", 2);
    int rc = s_parse (msg, &head);
    zmsg_destroy (&msg);
    ck_assert_int_eq (rc, ACCORD_E_MALFORMED);
}
END_TEST

//  wire.h: "A request of more than ACCORD_WIRE_MAX_FRAMES frames ... gets an ERR reply
//  (... too_large ...)": the request's frames are version, command, id and the body.
START_TEST (wire_frames_boundary)
{
    accord_request_head_t head;
    zmsg_t *msg = s_request ("ACC1", "TXS", "id", 2);
    while (zmsg_size (msg) < ACCORD_WIRE_MAX_FRAMES)
        zmsg_addmem (msg, "", 0);
    ck_assert_int_eq (s_parse (msg, &head), ACCORD_OK);
    zmsg_destroy (&msg);

    msg = s_request ("ACC1", "TXS", "id", 2);
    while (zmsg_size (msg) < ACCORD_WIRE_MAX_FRAMES + 1)
        zmsg_addmem (msg, "", 0);
    int rc = s_parse (msg, &head);
    zmsg_destroy (&msg);
    ck_assert_int_eq (rc, ACCORD_E_TOO_LARGE);
    ck_assert_uint_eq (head.id_len, 2);
}
END_TEST

Suite *
test_codec_suite (void)
{
    Suite *suite = suite_create ("codec");

    TCase *tc = tcase_create ("roundtrip");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, buf_known_answer);
    tcase_add_test (tc, tx_roundtrip);
    tcase_add_test (tc, tx_known_answer);
    tcase_add_test (tc, quorum_known_answer);
    tcase_add_test (tc, validators_known_answer);
    tcase_add_test (tc, header_known_answer);
    tcase_add_test (tc, vote_digest_known_answer);
    tcase_add_test (tc, cert_codec);
    tcase_add_test (tc, cert_verify);
    tcase_add_test (tc, block_roundtrip);
    tcase_add_test (tc, block_empty);
    tcase_add_test (tc, msg_roundtrip);
    tcase_add_test (tc, prepared_roundtrip);
    tcase_add_test (tc, wire_roundtrip);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_set_timeout (tc, 120);
    tcase_add_test (tc, buf_reader_failures);
    tcase_add_test (tc, tx_truncated);
    tcase_add_test (tc, tx_tampered);
    tcase_add_test (tc, tx_malformed);
    tcase_add_test (tc, block_truncated);
    tcase_add_test (tc, block_malformed);
    tcase_add_test (tc, msg_malformed);
    tcase_add_test (tc, msg_decode_null);
    tcase_add_test (tc, wire_malformed);
    tcase_add_test (tc, wire_command_nul);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("limits");
    tcase_set_timeout (tc, 120);
    tcase_add_test (tc, buf_limits);
    tcase_add_test (tc, tx_limits);
    tcase_add_test (tc, block_limits);
    tcase_add_test (tc, wire_limits);
    tcase_add_test (tc, wire_frames_boundary);
    suite_add_tcase (suite, tc);
    return suite;
}
