#include "accord/proof.h"
#include "accord/config.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/merkle.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_path (json_object *array, uint8_t (*path)[ACCORD_HASH_SIZE], size_t *len)
{
    if (!array || json_object_array_length (array) > ACCORD_MERKLE_MAX_PATH)
        return -1;
    *len = json_object_array_length (array);
    for (size_t i = 0; i < *len; i++)
        if (accord_hex_decode_exact (path [i], ACCORD_HASH_SIZE,
                                     json_object_get_string (json_object_array_get_idx (array, i))))
            return -1;
    return 0;
}

//  A header given as hex in obj[key]. 0 or -1.
static int
s_header (json_object *obj, const char *key, accord_header_t *header)
{
    const char *hex = accord_json_get_string (obj, key);
    uint8_t raw [1024];
    size_t len;
    if (!hex || strlen (hex) > 2 * sizeof raw || accord_hex_decode (raw, sizeof raw, &len, hex, strlen (hex))
    ||  accord_header_decode (header, raw, len))
        return -1;
    return 0;
}

//  Walks the validator changes below height: each change's header is certified by the set
//  trusted so far and names the next set, which becomes trusted. 0 or -1 with err.
static int
s_follow_changes (json_object *changes, uint64_t height, accord_validators_t *trusted,
                  char *err, size_t err_size)
{
    size_t count = changes ? json_object_array_length (changes) : 0;
    if (changes && !json_object_is_type (changes, json_type_array)) {
        snprintf (err, err_size, "malformed proof: validator_changes");
        return -1;
    }
    accord_genesis_t *next = calloc (1, sizeof *next);
    uint64_t last = 0;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        json_object *change = json_object_array_get_idx (changes, i);
        accord_header_t header;
        accord_cert_t cert;
        json_object *cert_json = accord_json_get_object (change, "certificate");
        char reason [200];
        uint8_t set_hash [ACCORD_HASH_SIZE];
        if (s_header (change, "header", &header) || !cert_json || accord_cert_from_json (&cert, cert_json)
        ||  header.height <= last || header.height >= height) {
            snprintf (err, err_size, "malformed proof: validator change %zu", i);
            rc = -1;
        }
        else if (accord_cert_verify (&cert, &header, trusted, reason, sizeof reason)) {
            snprintf (err, err_size, "validator change at %llu: certificate: %s",
                      (unsigned long long) header.height, reason);
            rc = -1;
        }
        else if (accord_genesis_set_members (next, accord_json_get_array (change, "validators"), reason, sizeof reason)) {
            snprintf (err, err_size, "validator change at %llu: %s", (unsigned long long) header.height, reason);
            rc = -1;
        }
        else {
            accord_validators_hash (&next->validators, set_hash);
            if (memcmp (set_hash, header.next_validators_hash, ACCORD_HASH_SIZE)) {
                snprintf (err, err_size, "validator change at %llu: the set is not the one its header names",
                          (unsigned long long) header.height);
                rc = -1;
            }
            *trusted = next->validators;
            last = header.height;
        }
    }
    free (next);
    return rc;
}

int
accord_proof_verify (json_object *proof, const accord_validators_t *set,
                     accord_header_t *header_out, char *err, size_t err_size)
{
    int64_t height, index, count;
    uint8_t tx_hash [ACCORD_HASH_SIZE], path [ACCORD_MERKLE_MAX_PATH][ACCORD_HASH_SIZE];
    size_t path_len;
    const char *header_hex = accord_json_get_string (proof, "header");
    const char *receipt = accord_json_get_string (proof, "receipt");
    if (accord_hex_decode_exact (tx_hash, ACCORD_HASH_SIZE, accord_json_get_string (proof, "tx"))
    ||  accord_json_get_int64 (proof, "height", 1, INT64_MAX, &height)
    ||  accord_json_get_int64 (proof, "count", 1, ACCORD_BLOCK_MAX_TXS, &count)
    ||  accord_json_get_int64 (proof, "index", 0, count - 1, &index)
    ||  !header_hex || strlen (header_hex) > 2048 || !receipt) {
        snprintf (err, err_size, "malformed proof: needs tx, height, count, index, header, receipt");
        return -1;
    }
    uint8_t header_raw [1024];
    size_t header_len;
    accord_header_t header;
    if (accord_hex_decode (header_raw, sizeof header_raw, &header_len, header_hex, strlen (header_hex))
    ||  accord_header_decode (&header, header_raw, header_len)) {
        snprintf (err, err_size, "malformed proof: header does not decode");
        return -1;
    }
    if (header.height != (uint64_t) height || header.tx_count != (uint64_t) count) {
        snprintf (err, err_size, "proof's height or count differ from its header");
        return -1;
    }
    accord_cert_t cert;
    json_object *cert_json = accord_json_get_object (proof, "certificate");
    if (!cert_json || accord_cert_from_json (&cert, cert_json)) {
        snprintf (err, err_size, "malformed proof: certificate");
        return -1;
    }
    accord_validators_t trusted = *set;
    if (s_follow_changes (accord_json_get_array (proof, "validator_changes"), header.height, &trusted,
                          err, err_size))
        return -1;
    char reason [160];
    if (accord_cert_verify (&cert, &header, &trusted, reason, sizeof reason)) {
        snprintf (err, err_size, "certificate: %s", reason);
        return -1;
    }
    uint8_t leaf [ACCORD_HASH_SIZE];
    accord_merkle_leaf_hash (leaf, tx_hash, ACCORD_HASH_SIZE);
    if (s_path (accord_json_get_array (proof, "tx_path"), path, &path_len)
    ||  accord_merkle_verify (header.tx_root, leaf, (size_t) index, (size_t) count,
                              (const uint8_t (*)[ACCORD_HASH_SIZE]) path, path_len)) {
        snprintf (err, err_size, "transaction is not in the block's transactions root");
        return -1;
    }
    accord_merkle_leaf_hash (leaf, receipt, strlen (receipt));
    if (s_path (accord_json_get_array (proof, "receipt_path"), path, &path_len)
    ||  accord_merkle_verify (header.receipts_root, leaf, (size_t) index, (size_t) count,
                              (const uint8_t (*)[ACCORD_HASH_SIZE]) path, path_len)) {
        snprintf (err, err_size, "receipt is not in the block's receipts root");
        return -1;
    }
    if (header_out)
        *header_out = header;
    return 0;
}
