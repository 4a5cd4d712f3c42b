/*  Fuzzes accord_merkle_verify with untrusted root, leaf, index, count and path, and checks
    that a proof we generate for a tree derived from the input always verifies.
    Input: root (32) | leaf (32) | index (8, LE) | count (8, LE) | path (32 each, any tail
    bytes ignored). Shorter inputs are zero-padded. */
#include "accord/merkle.h"
#include <stdlib.h>
#include <string.h>

#define S_HEADER (2 * ACCORD_HASH_SIZE + 16)
#define S_MAX_LEAVES 300

static uint64_t
s_le64 (const uint8_t *p)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = value << 8 | p [i];
    return value;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t header [S_HEADER] = { 0 };
    memcpy (header, data, size < S_HEADER ? size : S_HEADER);
    const uint8_t *root = header;
    const uint8_t *leaf = header + ACCORD_HASH_SIZE;
    size_t index = (size_t) s_le64 (header + 2 * ACCORD_HASH_SIZE);
    size_t count = (size_t) s_le64 (header + 2 * ACCORD_HASH_SIZE + 8);
    size_t path_len = size > S_HEADER ? (size - S_HEADER) / ACCORD_HASH_SIZE : 0;

    //  A copy of exactly the path, so ASan catches any read past it
    uint8_t (*path) [ACCORD_HASH_SIZE] = NULL;
    if (path_len) {
        path = malloc (path_len * ACCORD_HASH_SIZE);
        if (!path)
            return 0;
        memcpy (path, data + S_HEADER, path_len * ACCORD_HASH_SIZE);
    }
    (void) accord_merkle_verify (root, leaf, index, count,
                                 (const uint8_t (*) [ACCORD_HASH_SIZE]) path, path_len);
    //  Also small counts and indices, where the path can actually fit the tree
    (void) accord_merkle_verify (root, leaf, index % 512, count % 512 + 1,
                                 (const uint8_t (*) [ACCORD_HASH_SIZE]) path, path_len);
    free (path);

    //  Property: a proof for any leaf of a tree of up to S_MAX_LEAVES leaves verifies
    size_t leaves_count = count % S_MAX_LEAVES + 1;
    size_t leaf_index = index % leaves_count;
    uint8_t (*leaves) [ACCORD_HASH_SIZE] = malloc (leaves_count * ACCORD_HASH_SIZE);
    if (!leaves)
        return 0;
    for (size_t i = 0; i < leaves_count; i++) {
        uint8_t seed [ACCORD_HASH_SIZE + 8];
        memcpy (seed, root, ACCORD_HASH_SIZE);
        memcpy (seed + ACCORD_HASH_SIZE, &i, sizeof i < 8 ? sizeof i : 8);
        accord_merkle_leaf_hash (leaves [i], seed, sizeof seed);
    }
    uint8_t tree_root [ACCORD_HASH_SIZE];
    uint8_t proof [ACCORD_MERKLE_MAX_PATH][ACCORD_HASH_SIZE];
    size_t proof_len = 0;
    const uint8_t (*cleaves) [ACCORD_HASH_SIZE] = (const uint8_t (*) [ACCORD_HASH_SIZE]) leaves;
    accord_merkle_root (tree_root, cleaves, leaves_count);
    if (accord_merkle_proof (proof, &proof_len, cleaves, leaves_count, leaf_index) != 0
    ||  accord_merkle_verify (tree_root, leaves [leaf_index], leaf_index, leaves_count,
                              (const uint8_t (*) [ACCORD_HASH_SIZE]) proof, proof_len) != 0)
        abort ();
    free (leaves);
    return 0;
}
