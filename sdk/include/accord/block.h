/*  accord/block.h: block headers, validator sets, commit certificates and blocks.

    Header encoding (big-endian):
        u8 version (1), str8 chain id, u64 height, 32 previous hash, u64 timestamp (ms since
        the epoch), u16 proposer (validator index), u32 transaction count, 32 transactions root,
        32 receipts root, 32 state root, 32 validator-set hash, 32 next validator-set hash
    The block hash is SHA-256 of the header encoding. The validator set certifies its block;
    the next set (different only when this block's transactions changed the set) certifies
    the following one, so a light client that trusts the genesis set can follow every change.

    A commit vote signs SHA-256("accord.vote.v1" || u8 phase || str8 chain id || u64 view ||
    u64 height || 32 block hash). A certificate holds the view and at least a quorum of COMMIT
    votes from distinct validators, so anyone holding the validator set can check a header.

    Block encoding: blob header, u32 count, count x blob transaction, certificate:
        u64 view, u16 count, count x (u16 validator index, 64 signature). */
#ifndef ACCORD_BLOCK_H
#define ACCORD_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "buf.h"
#include "crypto.h"
#include "tx.h"

#define ACCORD_BLOCK_VERSION   1
#define ACCORD_MAX_VALIDATORS  64
#define ACCORD_BLOCK_MAX_TXS   20000
#define ACCORD_BLOCK_MAX_BYTES (64 * 1024 * 1024)

typedef enum {
    ACCORD_PHASE_PREPARE = 1,
    ACCORD_PHASE_COMMIT = 2
} accord_phase_t;

typedef struct {
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    uint64_t height;
    uint8_t prev_hash [ACCORD_HASH_SIZE];
    uint64_t timestamp_ms;
    uint16_t proposer;
    uint32_t tx_count;
    uint8_t tx_root [ACCORD_HASH_SIZE];
    uint8_t receipts_root [ACCORD_HASH_SIZE];
    uint8_t state_root [ACCORD_HASH_SIZE];
    uint8_t validators_hash [ACCORD_HASH_SIZE];         //  the set that certifies this block
    uint8_t next_validators_hash [ACCORD_HASH_SIZE];    //  the set that certifies the next one
} accord_header_t;

void accord_header_encode (const accord_header_t *self, accord_buf_t *out);
//  Returns 0, or -2 when malformed.
int accord_header_decode (accord_header_t *self, const uint8_t *data, size_t len);
void accord_header_hash (const accord_header_t *self, uint8_t hash [ACCORD_HASH_SIZE]);
json_object *accord_header_to_json (const accord_header_t *self);
//  The header's encoding as a hex JSON string (what proofs carry).
json_object *accord_header_hex_json (const accord_header_t *self);

typedef struct {
    size_t count;
    uint8_t keys [ACCORD_MAX_VALIDATORS][ACCORD_PUBKEY_SIZE];
} accord_validators_t;

//  Largest number of faulty validators tolerated: f = (n - 1) / 3.
size_t accord_validators_faulty (const accord_validators_t *self);
//  Votes needed to decide: (n + f) / 2 + 1, which is 2f + 1 when n = 3f + 1.
size_t accord_validators_quorum (const accord_validators_t *self);
//  SHA-256 over the keys in order.
void accord_validators_hash (const accord_validators_t *self, uint8_t hash [ACCORD_HASH_SIZE]);
//  Index of a key, or -1.
int accord_validators_find (const accord_validators_t *self, const uint8_t key [ACCORD_PUBKEY_SIZE]);

typedef struct {
    uint16_t index;
    uint8_t sig [ACCORD_SIG_SIZE];
} accord_vote_sig_t;

typedef struct {
    uint64_t view;
    uint16_t count;
    accord_vote_sig_t votes [ACCORD_MAX_VALIDATORS];
} accord_cert_t;

//  The digest a validator signs to vote in phase for block_hash at (view, height).
void accord_vote_digest (uint8_t digest [ACCORD_HASH_SIZE], accord_phase_t phase,
                         const char *chain_id, uint64_t view, uint64_t height,
                         const uint8_t block_hash [ACCORD_HASH_SIZE]);

void accord_cert_encode (const accord_cert_t *self, accord_buf_t *out);
void accord_cert_decode (accord_cert_t *self, accord_reader_t *in);
//  Number of distinct validators of set whose vote in cert is a valid signature of digest.
size_t accord_cert_count_valid (const accord_cert_t *self, const accord_validators_t *set,
                                const uint8_t digest [ACCORD_HASH_SIZE]);
//  Checks that cert holds a quorum of valid COMMIT votes of distinct validators of set for
//  header. Returns 0, or -1 with a reason in err.
int accord_cert_verify (const accord_cert_t *self, const accord_header_t *header,
                        const accord_validators_t *set, char *err, size_t err_size);
json_object *accord_cert_to_json (const accord_cert_t *self);
//  Parses the JSON form; returns 0 or -2.
int accord_cert_from_json (accord_cert_t *self, json_object *obj);

typedef struct {
    accord_header_t header;
    uint8_t hash [ACCORD_HASH_SIZE];
    accord_tx_t **txs;      //  owned array of owned transactions
    size_t tx_count;
    accord_cert_t cert;
} accord_block_t;

accord_block_t *accord_block_new (void);
void accord_block_destroy (accord_block_t **self_p);
//  A copy of a block (transactions, hashes and certificate as they are), or NULL.
accord_block_t *accord_block_copy (const accord_block_t *self);
//  Takes over *tx_p (NULLed). Returns 0 or -1.
int accord_block_add_tx (accord_block_t *self, accord_tx_t **tx_p);
//  The transactions root: Merkle root over the transaction hashes as leaves.
void accord_block_tx_root (const accord_block_t *self, uint8_t root [ACCORD_HASH_SIZE]);
//  Encodes header, transactions and certificate. with_cert 0 leaves the certificate empty.
void accord_block_encode (const accord_block_t *self, accord_buf_t *out, int with_cert);
//  Decodes and checks internal consistency (transaction count and root, hash).
//  Signatures are not checked. NULL for malformed input, with a reason in err.
accord_block_t *accord_block_decode (const uint8_t *data, size_t len, char *err, size_t err_size);
json_object *accord_block_to_json (const accord_block_t *self, int with_txs);

#endif
