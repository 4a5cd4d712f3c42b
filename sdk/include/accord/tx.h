/*  accord/tx.h: a signed transaction.

    Encoding (all integers big-endian), the canonical form that is hashed and signed:
        u8   version (1)
        str8 chain id               1..ACCORD_CHAIN_ID_MAX printable bytes
        33   sender                 compressed secp256k1 public key
        u64  nonce                  strictly greater than the sender's last committed nonce
        u64  expiry                 last block height that may include it
        str8 module, str8 method    1..ACCORD_NAME_MAX bytes each
        blob args                   u32 length + JSON text, at most ACCORD_TX_ARGS_MAX
        64   signature              compact ECDSA, lower-S
    The transaction hash (its id) is SHA-256 over "accord.tx.v1" and every byte before the
    signature; the signature signs that hash. */
#ifndef ACCORD_TX_H
#define ACCORD_TX_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "crypto.h"

#define ACCORD_TX_VERSION    1
#define ACCORD_CHAIN_ID_MAX  64
#define ACCORD_NAME_MAX      32
//  Large enough for an event batch holding one 1 MiB event (base64url, about 1.34 MiB of
//  text); each module bounds its own arguments below this (module.h, ACCORD_MODULE_ARGS_MAX).
#define ACCORD_TX_ARGS_MAX   (2 * 1024 * 1024)
#define ACCORD_TX_MAX        (ACCORD_TX_ARGS_MAX + 512)

typedef struct {
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    uint8_t sender [ACCORD_PUBKEY_SIZE];
    uint64_t nonce;
    uint64_t expiry;
    char module [ACCORD_NAME_MAX + 1];
    char method [ACCORD_NAME_MAX + 1];
    char *args;                         //  owned JSON text, NUL-terminated
    size_t args_len;
    uint8_t sig [ACCORD_SIG_SIZE];
    uint8_t hash [ACCORD_HASH_SIZE];    //  set by sign and decode
    uint8_t *raw;                       //  owned canonical encoding, set by sign and decode
    size_t raw_len;
} accord_tx_t;

//  An unsigned transaction. args is JSON text (copied). Returns NULL when a field is out of
//  its limits.
accord_tx_t *accord_tx_new (const char *chain_id, const char *module, const char *method,
                            const char *args, uint64_t nonce, uint64_t expiry);
void accord_tx_destroy (accord_tx_t **self_p);

//  Sets the sender to key's public key, computes hash and signature and the encoding.
int accord_tx_sign (accord_tx_t *self, accord_key_t *key);

//  Decodes a transaction (does not verify the signature). Returns NULL for malformed input,
//  with a reason in err when err is not NULL.
accord_tx_t *accord_tx_decode (const uint8_t *data, size_t len, char *err, size_t err_size);

//  A copy of a transaction (its hash and encoding with it, nothing recomputed), or NULL.
accord_tx_t *accord_tx_copy (const accord_tx_t *self);

//  0 when the signature verifies for the sender, else -1.
int accord_tx_verify (const accord_tx_t *self);

//  JSON view for people and tools (caller puts it).
json_object *accord_tx_to_json (const accord_tx_t *self);

#endif
