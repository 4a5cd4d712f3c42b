/*  accord_block_decode on any bytes. An accepted block is consistent (transaction count and
    root match the header, the hash is the header's) and canonical: encoding it again with its
    certificate gives back the input bytes. */
#include "accord/block.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err [160];
    accord_block_t *block = accord_block_decode (data, size, err, sizeof err);
    if (!block)
        return 0;
    if (block->tx_count != block->header.tx_count || block->tx_count > ACCORD_BLOCK_MAX_TXS
    ||  block->cert.count > ACCORD_MAX_VALIDATORS)
        abort ();
    uint8_t hash [ACCORD_HASH_SIZE], root [ACCORD_HASH_SIZE];
    accord_header_hash (&block->header, hash);
    accord_block_tx_root (block, root);
    if (memcmp (hash, block->hash, ACCORD_HASH_SIZE) != 0
    ||  memcmp (root, block->header.tx_root, ACCORD_HASH_SIZE) != 0)
        abort ();

    accord_buf_t out;
    accord_buf_init (&out);
    accord_block_encode (block, &out, 1);
    if (out.failed || out.len != size || memcmp (out.data, data, size) != 0)
        abort ();
    accord_buf_reset (&out);

    //  A fixed validator set of one made-up key: verification must fail, not crash
    accord_validators_t set = { .count = 1 };
    set.keys [0][0] = 0x02;
    set.keys [0][32] = 0x01;
    if (accord_cert_verify (&block->cert, &block->header, &set, err, sizeof err) == 0)
        abort ();
    json_object *json = accord_block_to_json (block, 1);
    json_object_put (json);
    accord_block_destroy (&block);
    return 0;
}
