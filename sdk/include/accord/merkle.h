/*  accord/merkle.h: Merkle tree hashing and inclusion proofs as in RFC 6962 / RFC 9162:
    leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the empty tree hashes
    to SHA-256 of nothing, and a tree of n leaves splits at the largest power of two below n. */
#ifndef ACCORD_MERKLE_H
#define ACCORD_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include "crypto.h"

#define ACCORD_MERKLE_MAX_PATH 64

void accord_merkle_leaf_hash (uint8_t out[ACCORD_HASH_SIZE], const void *data, size_t len);

//  Root over count leaf hashes (already leaf-hashed). count 0 gives the empty-tree hash.
void accord_merkle_root (uint8_t root[ACCORD_HASH_SIZE],
                         const uint8_t (*leaves)[ACCORD_HASH_SIZE], size_t count);

//  Audit path for leaf index among count leaves, into path (room for ACCORD_MERKLE_MAX_PATH),
//  length in *path_len. Returns 0, or -1 when index >= count.
int accord_merkle_proof (uint8_t (*path)[ACCORD_HASH_SIZE], size_t *path_len,
                         const uint8_t (*leaves)[ACCORD_HASH_SIZE], size_t count, size_t index);

//  Checks that leaf (a leaf hash) sits at index in a tree of count leaves with this root.
//  Returns 0 when it does, -1 otherwise (including a path of the wrong length).
int accord_merkle_verify (const uint8_t root[ACCORD_HASH_SIZE],
                          const uint8_t leaf[ACCORD_HASH_SIZE], size_t index, size_t count,
                          const uint8_t (*path)[ACCORD_HASH_SIZE], size_t path_len);

#endif
