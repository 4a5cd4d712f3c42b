/*  RFC 6962 / RFC 9162 Merkle tree hash and inclusion proofs. Everything is iterative over a
    fixed stack of at most 64 hashes: no recursion, no allocation, whatever the leaf count. */
#include "accord/merkle.h"
#include <string.h>

//  A size_t leaf count gives at most 64 levels, so 64 pending subtree roots.
#define S_STACK_MAX 64

static void
s_node (uint8_t out [ACCORD_HASH_SIZE],
        const uint8_t left [ACCORD_HASH_SIZE], const uint8_t right [ACCORD_HASH_SIZE])
{
    //  One contiguous buffer hashes faster than three digest updates; out may alias either
    uint8_t buf [1 + 2 * ACCORD_HASH_SIZE];
    buf [0] = 0x01;
    memcpy (buf + 1, left, ACCORD_HASH_SIZE);
    memcpy (buf + 1 + ACCORD_HASH_SIZE, right, ACCORD_HASH_SIZE);
    accord_sha256 (out, buf, sizeof buf);
}

//  Largest power of two strictly below n, for n >= 2: where RFC 6962 splits a tree.
static size_t
s_split (size_t n)
{
    size_t k = 1;
    while (k < n - k)
        k <<= 1;
    return k;
}

void
accord_merkle_leaf_hash (uint8_t out [ACCORD_HASH_SIZE], const void *data, size_t len)
{
    static const uint8_t prefix = 0x00;
    const void *parts [2] = { &prefix, data };
    const size_t lens [2] = { 1, len };
    accord_sha256_parts (out, 2, parts, lens);
}

//  Left to right, each leaf is pushed and merged with its left neighbours while they form
//  complete subtrees (as many merges as trailing zeros of the leaves seen so far). What
//  remains are the complete subtrees of sizes given by count's binary digits, largest first;
//  folding them from the right gives exactly RFC 6962's split at the largest power of two.
void
accord_merkle_root (uint8_t root [ACCORD_HASH_SIZE],
                    const uint8_t (*leaves) [ACCORD_HASH_SIZE], size_t count)
{
    if (count == 0) {
        accord_sha256 (root, NULL, 0);
        return;
    }
    uint8_t stack [S_STACK_MAX][ACCORD_HASH_SIZE];
    size_t depth = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy (stack [depth++], leaves [i], ACCORD_HASH_SIZE);
        for (size_t seen = i + 1; (seen & 1) == 0; seen >>= 1) {
            depth--;
            s_node (stack [depth - 1], stack [depth - 1], stack [depth]);
        }
    }
    while (depth > 1) {
        depth--;
        s_node (stack [depth - 1], stack [depth - 1], stack [depth]);
    }
    memcpy (root, stack [0], ACCORD_HASH_SIZE);
}

//  PATH(m, D[n]) from RFC 6962 section 2.1.1, walked from the root down: at each split the
//  sibling subtree's hash is the next path element counted from the top. Each leaf is hashed
//  into at most one sibling, so the whole proof costs O(count).
int
accord_merkle_proof (uint8_t (*path) [ACCORD_HASH_SIZE], size_t *path_len,
                     const uint8_t (*leaves) [ACCORD_HASH_SIZE], size_t count, size_t index)
{
    if (!path || !path_len || index >= count)
        return -1;
    size_t lo = 0;
    size_t n = count;
    size_t m = index;
    size_t len = 0;
    while (n > 1) {
        size_t k = s_split (n);
        if (m < k) {
            accord_merkle_root (path [len++], leaves + lo + k, n - k);
            n = k;
        }
        else {
            accord_merkle_root (path [len++], leaves + lo, k);
            lo += k;
            m -= k;
            n -= k;
        }
    }
    //  Found top-down; the path lists siblings from the leaf up
    for (size_t i = 0; i < len / 2; i++) {
        uint8_t swap [ACCORD_HASH_SIZE];
        memcpy (swap, path [i], ACCORD_HASH_SIZE);
        memcpy (path [i], path [len - 1 - i], ACCORD_HASH_SIZE);
        memcpy (path [len - 1 - i], swap, ACCORD_HASH_SIZE);
    }
    *path_len = len;
    return 0;
}

//  RFC 9162 section 2.1.3.2. fn is the node's index on the current level, sn the last index
//  on that level; the path must run out exactly when sn reaches 0 (the root level).
int
accord_merkle_verify (const uint8_t root [ACCORD_HASH_SIZE],
                      const uint8_t leaf [ACCORD_HASH_SIZE], size_t index, size_t count,
                      const uint8_t (*path) [ACCORD_HASH_SIZE], size_t path_len)
{
    if (!root || !leaf || index >= count || path_len > ACCORD_MERKLE_MAX_PATH)
        return -1;
    if (path_len > 0 && !path)
        return -1;
    size_t fn = index;
    size_t sn = count - 1;
    uint8_t r [ACCORD_HASH_SIZE];
    memcpy (r, leaf, ACCORD_HASH_SIZE);
    for (size_t i = 0; i < path_len; i++) {
        if (sn == 0)
            return -1;                  //  path longer than the tree is high
        if ((fn & 1) || fn == sn) {
            s_node (r, path [i], r);
            //  A right-edge node without a sibling moves up levels unchanged
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        }
        else
            s_node (r, r, path [i]);
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return -1;                      //  path too short
    return memcmp (r, root, ACCORD_HASH_SIZE) == 0 ? 0 : -1;
}
