#include "accord/block.h"
#include "accord/encoding.h"
#include "accord/merkle.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_vote_tag [] = "accord.vote.v1";

void
accord_header_encode (const accord_header_t *self, accord_buf_t *out)
{
    accord_buf_u8 (out, ACCORD_BLOCK_VERSION);
    accord_buf_str8 (out, self->chain_id);
    accord_buf_u64 (out, self->height);
    accord_buf_bytes (out, self->prev_hash, ACCORD_HASH_SIZE);
    accord_buf_u64 (out, self->timestamp_ms);
    accord_buf_u16 (out, self->proposer);
    accord_buf_u32 (out, self->tx_count);
    accord_buf_bytes (out, self->tx_root, ACCORD_HASH_SIZE);
    accord_buf_bytes (out, self->receipts_root, ACCORD_HASH_SIZE);
    accord_buf_bytes (out, self->state_root, ACCORD_HASH_SIZE);
    accord_buf_bytes (out, self->validators_hash, ACCORD_HASH_SIZE);
    accord_buf_bytes (out, self->next_validators_hash, ACCORD_HASH_SIZE);
}

int
accord_header_decode (accord_header_t *self, const uint8_t *data, size_t len)
{
    accord_reader_t in;
    accord_reader_init (&in, data, len);
    uint8_t version = accord_reader_u8 (&in);
    accord_reader_str8 (&in, self->chain_id, sizeof self->chain_id);
    self->height = accord_reader_u64 (&in);
    accord_reader_copy (&in, self->prev_hash, ACCORD_HASH_SIZE);
    self->timestamp_ms = accord_reader_u64 (&in);
    self->proposer = accord_reader_u16 (&in);
    self->tx_count = accord_reader_u32 (&in);
    accord_reader_copy (&in, self->tx_root, ACCORD_HASH_SIZE);
    accord_reader_copy (&in, self->receipts_root, ACCORD_HASH_SIZE);
    accord_reader_copy (&in, self->state_root, ACCORD_HASH_SIZE);
    accord_reader_copy (&in, self->validators_hash, ACCORD_HASH_SIZE);
    accord_reader_copy (&in, self->next_validators_hash, ACCORD_HASH_SIZE);
    if (accord_reader_done (&in) || version != ACCORD_BLOCK_VERSION || !self->chain_id [0])
        return -2;
    return 0;
}

void
accord_header_hash (const accord_header_t *self, uint8_t hash [ACCORD_HASH_SIZE])
{
    accord_buf_t out;
    accord_buf_init (&out);
    accord_header_encode (self, &out);
    accord_sha256 (hash, out.data, out.len);
    accord_buf_reset (&out);
}

static json_object *
s_hex (const uint8_t *data, size_t len)
{
    char text [2 * ACCORD_SIG_SIZE + 1];
    accord_hex_encode (text, sizeof text, data, len);
    return json_object_new_string (text);
}

json_object *
accord_header_to_json (const accord_header_t *self)
{
    uint8_t hash [ACCORD_HASH_SIZE];
    accord_header_hash (self, hash);
    json_object *obj = json_object_new_object ();
    json_object_object_add (obj, "hash", s_hex (hash, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "chain_id", json_object_new_string (self->chain_id));
    json_object_object_add (obj, "height", json_object_new_int64 ((int64_t) self->height));
    json_object_object_add (obj, "prev_hash", s_hex (self->prev_hash, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "timestamp_ms", json_object_new_int64 ((int64_t) self->timestamp_ms));
    json_object_object_add (obj, "proposer", json_object_new_int (self->proposer));
    json_object_object_add (obj, "tx_count", json_object_new_int64 (self->tx_count));
    json_object_object_add (obj, "tx_root", s_hex (self->tx_root, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "receipts_root", s_hex (self->receipts_root, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "state_root", s_hex (self->state_root, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "validators_hash", s_hex (self->validators_hash, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "next_validators_hash", s_hex (self->next_validators_hash, ACCORD_HASH_SIZE));
    return obj;
}

json_object *
accord_header_hex_json (const accord_header_t *self)
{
    accord_buf_t raw;
    accord_buf_init (&raw);
    accord_header_encode (self, &raw);
    char *text = malloc (2 * raw.len + 1);
    accord_hex_encode (text, 2 * raw.len + 1, raw.data, raw.len);
    json_object *result = json_object_new_string (text);
    free (text);
    accord_buf_reset (&raw);
    return result;
}

size_t
accord_validators_faulty (const accord_validators_t *self)
{
    return self->count ? (self->count - 1) / 3 : 0;
}

size_t
accord_validators_quorum (const accord_validators_t *self)
{
    return (self->count + accord_validators_faulty (self)) / 2 + 1;
}

void
accord_validators_hash (const accord_validators_t *self, uint8_t hash [ACCORD_HASH_SIZE])
{
    accord_sha256 (hash, self->keys, self->count * ACCORD_PUBKEY_SIZE);
}

int
accord_validators_find (const accord_validators_t *self, const uint8_t key [ACCORD_PUBKEY_SIZE])
{
    for (size_t i = 0; i < self->count; i++)
        if (memcmp (self->keys [i], key, ACCORD_PUBKEY_SIZE) == 0)
            return (int) i;
    return -1;
}

void
accord_vote_digest (uint8_t digest [ACCORD_HASH_SIZE], accord_phase_t phase,
                    const char *chain_id, uint64_t view, uint64_t height,
                    const uint8_t block_hash [ACCORD_HASH_SIZE])
{
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_bytes (&out, s_vote_tag, sizeof s_vote_tag - 1);
    accord_buf_u8 (&out, (uint8_t) phase);
    accord_buf_str8 (&out, chain_id);
    accord_buf_u64 (&out, view);
    accord_buf_u64 (&out, height);
    accord_buf_bytes (&out, block_hash, ACCORD_HASH_SIZE);
    accord_sha256 (digest, out.data, out.len);
    accord_buf_reset (&out);
}

void
accord_cert_encode (const accord_cert_t *self, accord_buf_t *out)
{
    accord_buf_u64 (out, self->view);
    accord_buf_u16 (out, self->count);
    for (size_t i = 0; i < self->count; i++) {
        accord_buf_u16 (out, self->votes [i].index);
        accord_buf_bytes (out, self->votes [i].sig, ACCORD_SIG_SIZE);
    }
}

void
accord_cert_decode (accord_cert_t *self, accord_reader_t *in)
{
    memset (self, 0, sizeof *self);
    self->view = accord_reader_u64 (in);
    self->count = accord_reader_u16 (in);
    if (self->count > ACCORD_MAX_VALIDATORS) {
        in->failed = 1;
        self->count = 0;
        return;
    }
    for (size_t i = 0; i < self->count; i++) {
        self->votes [i].index = accord_reader_u16 (in);
        accord_reader_copy (in, self->votes [i].sig, ACCORD_SIG_SIZE);
    }
}

size_t
accord_cert_count_valid (const accord_cert_t *self, const accord_validators_t *set,
                         const uint8_t digest [ACCORD_HASH_SIZE])
{
    uint8_t seen [ACCORD_MAX_VALIDATORS] = { 0 };
    size_t valid = 0;
    for (size_t i = 0; i < self->count; i++) {
        size_t index = self->votes [i].index;
        if (index < set->count && !seen [index]
        &&  accord_sig_verify_key (set->keys [index], self->votes [i].sig, digest) == 0) {
            seen [index] = 1;
            valid++;
        }
    }
    return valid;
}

int
accord_cert_verify (const accord_cert_t *self, const accord_header_t *header,
                    const accord_validators_t *set, char *err, size_t err_size)
{
    char scratch [8];
    if (!err) {
        err = scratch;
        err_size = sizeof scratch;
    }
    uint8_t set_hash [ACCORD_HASH_SIZE];
    accord_validators_hash (set, set_hash);
    if (memcmp (set_hash, header->validators_hash, ACCORD_HASH_SIZE) != 0) {
        snprintf (err, err_size, "header names another validator set");
        return -1;
    }
    uint8_t hash [ACCORD_HASH_SIZE], digest [ACCORD_HASH_SIZE];
    accord_header_hash (header, hash);
    accord_vote_digest (digest, ACCORD_PHASE_COMMIT, header->chain_id, self->view,
                        header->height, hash);
    size_t valid = accord_cert_count_valid (self, set, digest);
    if (valid < accord_validators_quorum (set)) {
        snprintf (err, err_size, "certificate has %zu valid commit votes of %zu needed",
                  valid, accord_validators_quorum (set));
        return -1;
    }
    return 0;
}

json_object *
accord_cert_to_json (const accord_cert_t *self)
{
    json_object *obj = json_object_new_object ();
    json_object_object_add (obj, "view", json_object_new_int64 ((int64_t) self->view));
    json_object *votes = json_object_new_array ();
    for (size_t i = 0; i < self->count; i++) {
        json_object *vote = json_object_new_object ();
        json_object_object_add (vote, "validator", json_object_new_int (self->votes [i].index));
        json_object_object_add (vote, "signature", s_hex (self->votes [i].sig, ACCORD_SIG_SIZE));
        json_object_array_add (votes, vote);
    }
    json_object_object_add (obj, "votes", votes);
    return obj;
}

int
accord_cert_from_json (accord_cert_t *self, json_object *obj)
{
    memset (self, 0, sizeof *self);
    json_object *view, *votes;
    if (!json_object_object_get_ex (obj, "view", &view) || !json_object_is_type (view, json_type_int)
    ||  !json_object_object_get_ex (obj, "votes", &votes) || !json_object_is_type (votes, json_type_array)
    ||  json_object_array_length (votes) > ACCORD_MAX_VALIDATORS)
        return -2;
    self->view = (uint64_t) json_object_get_int64 (view);
    for (size_t i = 0; i < json_object_array_length (votes); i++) {
        json_object *vote = json_object_array_get_idx (votes, i), *index, *sig;
        if (!json_object_object_get_ex (vote, "validator", &index)
        ||  !json_object_is_type (index, json_type_int)
        ||  json_object_get_int (index) < 0 || json_object_get_int (index) >= ACCORD_MAX_VALIDATORS
        ||  !json_object_object_get_ex (vote, "signature", &sig)
        ||  accord_hex_decode_exact (self->votes [i].sig, ACCORD_SIG_SIZE,
                                     json_object_get_string (sig)))
            return -2;
        self->votes [i].index = (uint16_t) json_object_get_int (index);
        self->count++;
    }
    return 0;
}

accord_block_t *
accord_block_new (void)
{
    return calloc (1, sizeof (accord_block_t));
}

void
accord_block_destroy (accord_block_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_block_t *self = *self_p;
    for (size_t i = 0; i < self->tx_count; i++)
        accord_tx_destroy (&self->txs [i]);
    free (self->txs);
    free (self);
    *self_p = NULL;
}

accord_block_t *
accord_block_copy (const accord_block_t *self)
{
    accord_block_t *copy = self ? accord_block_new () : NULL;
    if (!copy)
        return NULL;
    copy->header = self->header;
    memcpy (copy->hash, self->hash, ACCORD_HASH_SIZE);
    copy->cert = self->cert;
    for (size_t i = 0; i < self->tx_count; i++) {
        accord_tx_t *tx = accord_tx_copy (self->txs [i]);
        if (!tx || accord_block_add_tx (copy, &tx)) {
            accord_tx_destroy (&tx);
            accord_block_destroy (&copy);
            return NULL;
        }
    }
    return copy;
}

int
accord_block_add_tx (accord_block_t *self, accord_tx_t **tx_p)
{
    if (self->tx_count >= ACCORD_BLOCK_MAX_TXS)
        return -1;
    //  Grow by doubling: capacity is the next power of two at or above the count.
    if ((self->tx_count & (self->tx_count - 1)) == 0) {
        size_t cap = self->tx_count ? self->tx_count * 2 : 16;
        accord_tx_t **txs = realloc (self->txs, cap * sizeof *txs);
        if (!txs)
            return -1;
        self->txs = txs;
    }
    self->txs [self->tx_count++] = *tx_p;
    *tx_p = NULL;
    return 0;
}

void
accord_block_tx_root (const accord_block_t *self, uint8_t root [ACCORD_HASH_SIZE])
{
    uint8_t (*leaves)[ACCORD_HASH_SIZE] = malloc ((self->tx_count + 1) * ACCORD_HASH_SIZE);
    if (!leaves) {
        memset (root, 0, ACCORD_HASH_SIZE);
        return;
    }
    for (size_t i = 0; i < self->tx_count; i++)
        accord_merkle_leaf_hash (leaves [i], self->txs [i]->hash, ACCORD_HASH_SIZE);
    accord_merkle_root (root, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, self->tx_count);
    free (leaves);
}

void
accord_block_encode (const accord_block_t *self, accord_buf_t *out, int with_cert)
{
    accord_buf_t header;
    accord_buf_init (&header);
    accord_header_encode (&self->header, &header);
    accord_buf_blob (out, header.data, header.len);
    accord_buf_reset (&header);
    accord_buf_u32 (out, (uint32_t) self->tx_count);
    for (size_t i = 0; i < self->tx_count; i++)
        accord_buf_blob (out, self->txs [i]->raw, self->txs [i]->raw_len);
    accord_cert_t empty = { 0 };
    accord_cert_encode (with_cert ? &self->cert : &empty, out);
}

accord_block_t *
accord_block_decode (const uint8_t *data, size_t len, char *err, size_t err_size)
{
    char scratch [8];
    if (!err) {
        err = scratch;
        err_size = sizeof scratch;
    }
    if (len > ACCORD_BLOCK_MAX_BYTES) {
        snprintf (err, err_size, "block of %zu bytes exceeds the limit", len);
        return NULL;
    }
    accord_block_t *self = accord_block_new ();
    if (!self) {
        snprintf (err, err_size, "out of memory");
        return NULL;
    }
    accord_reader_t in;
    accord_reader_init (&in, data, len);
    size_t header_len;
    const uint8_t *header = accord_reader_blob (&in, 1024, &header_len);
    if (!header || accord_header_decode (&self->header, header, header_len)) {
        snprintf (err, err_size, "malformed block header");
        goto fail;
    }
    uint32_t count = accord_reader_u32 (&in);
    if (count > ACCORD_BLOCK_MAX_TXS || count != self->header.tx_count) {
        snprintf (err, err_size, "block transaction count %u does not match its header", count);
        goto fail;
    }
    for (uint32_t i = 0; i < count; i++) {
        size_t tx_len;
        const uint8_t *raw = accord_reader_blob (&in, ACCORD_TX_MAX, &tx_len);
        accord_tx_t *tx = raw ? accord_tx_decode (raw, tx_len, err, err_size) : NULL;
        if (!tx) {
            if (!raw)
                snprintf (err, err_size, "truncated block");
            goto fail;
        }
        if (accord_block_add_tx (self, &tx)) {
            accord_tx_destroy (&tx);
            snprintf (err, err_size, "out of memory");
            goto fail;
        }
    }
    accord_cert_decode (&self->cert, &in);
    if (accord_reader_done (&in)) {
        snprintf (err, err_size, "malformed block certificate or trailing bytes");
        goto fail;
    }
    uint8_t root [ACCORD_HASH_SIZE];
    accord_block_tx_root (self, root);
    if (memcmp (root, self->header.tx_root, ACCORD_HASH_SIZE) != 0) {
        snprintf (err, err_size, "transactions do not match the header's root");
        goto fail;
    }
    accord_header_hash (&self->header, self->hash);
    return self;
fail:
    accord_block_destroy (&self);
    return NULL;
}

json_object *
accord_block_to_json (const accord_block_t *self, int with_txs)
{
    json_object *obj = json_object_new_object ();
    json_object_object_add (obj, "header", accord_header_to_json (&self->header));
    json_object_object_add (obj, "hash", s_hex (self->hash, ACCORD_HASH_SIZE));
    json_object *txs = json_object_new_array ();
    for (size_t i = 0; i < self->tx_count; i++)
        json_object_array_add (txs, with_txs ? accord_tx_to_json (self->txs [i])
                                             : s_hex (self->txs [i]->hash, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "transactions", txs);
    json_object_object_add (obj, "certificate", accord_cert_to_json (&self->cert));
    return obj;
}
