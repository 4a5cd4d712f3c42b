#include "testutil.h"
#include "accord/merkle.h"
#include "accord/encoding.h"
#include <stdlib.h>
#include <string.h>

typedef uint8_t hash_t [ACCORD_HASH_SIZE];

//  The certificate-transparency reference test tree (merkle_tree_test.cc, also in Trillian
//  and transparency-dev/merkle): eight leaves and the root of each prefix.
static const char *s_ct_leaves [8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *s_ct_roots [9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

//  The same tests' inclusion proofs (0-based leaf index here; Trillian lists them 1-based)
typedef struct {
    size_t index;
    size_t count;
    size_t path_len;
    const char *path [3];
} path_vector_t;

static const path_vector_t s_ct_paths [] = {
    { 0, 1, 0, { NULL } },
    { 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
    { 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
    { 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
    { 1, 5, 3, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

static void
s_unhex (uint8_t *out, size_t len, const char *hex)
{
    ck_assert_msg (accord_hex_decode_exact (out, len, hex) == 0, "bad test hex: %s", hex);
}

static void
s_ct_leaf_hashes (hash_t leaves [8])
{
    for (size_t i = 0; i < 8; i++) {
        uint8_t data [16];
        size_t len = 0;
        const char *hex = s_ct_leaves [i];
        ck_assert_int_eq (accord_hex_decode (data, sizeof data, &len, hex, strlen (hex)), 0);
        accord_merkle_leaf_hash (leaves [i], data, len);
    }
}

//  Leaves for generated trees: distinct, derived from the index
static hash_t *
s_make_leaves (size_t count)
{
    hash_t *leaves = malloc ((count ? count : 1) * sizeof (hash_t));
    ck_assert_ptr_nonnull (leaves);
    for (size_t i = 0; i < count; i++) {
        uint64_t value = i;
        accord_merkle_leaf_hash (leaves [i], &value, sizeof value);
    }
    return leaves;
}

//  --------------------------------------------------------------------------
//  A reference written straight from RFC 6962 section 2.1, recursive on purpose, to check
//  the iterative code against.

static void
s_ref_node (hash_t out, const hash_t left, const hash_t right)
{
    uint8_t prefix = 1;
    const void *parts [3] = { &prefix, left, right };
    size_t lens [3] = { 1, 32, 32 };
    accord_sha256_parts (out, 3, parts, lens);
}

static size_t
s_ref_split (size_t n)
{
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void
s_ref_mth (hash_t out, const hash_t *leaves, size_t n)
{
    if (n == 0) {
        accord_sha256 (out, "", 0);
        return;
    }
    if (n == 1) {
        memcpy (out, leaves [0], 32);
        return;
    }
    size_t k = s_ref_split (n);
    hash_t left, right;
    s_ref_mth (left, leaves, k);
    s_ref_mth (right, leaves + k, n - k);
    s_ref_node (out, left, right);
}

//  The root that leaf at m among n leaves gives with this path, if the path has the length
//  PATH(m, D[n]) has. Returns 0 or -1.
static int
s_ref_root_from_path (hash_t out, const hash_t leaf, size_t m, size_t n,
                      const hash_t *path, size_t len)
{
    if (m >= n)
        return -1;
    if (n == 1) {
        if (len != 0)
            return -1;
        memcpy (out, leaf, 32);
        return 0;
    }
    if (len == 0)
        return -1;
    size_t k = s_ref_split (n);
    hash_t sub;
    if (m < k) {
        if (s_ref_root_from_path (sub, leaf, m, k, path, len - 1) != 0)
            return -1;
        s_ref_node (out, sub, path [len - 1]);
    }
    else {
        if (s_ref_root_from_path (sub, leaf, m - k, n - k, path, len - 1) != 0)
            return -1;
        s_ref_node (out, path [len - 1], sub);
    }
    return 0;
}

//  What verification should answer, by the reference
static int
s_ref_verify (const hash_t root, const hash_t leaf, size_t m, size_t n,
              const hash_t *path, size_t len)
{
    hash_t computed;
    if (s_ref_root_from_path (computed, leaf, m, n, path, len) != 0)
        return -1;
    return memcmp (computed, root, 32) == 0 ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  Published vectors

START_TEST (vectors_roots)
{
    hash_t leaves [8], root, expected;
    s_ct_leaf_hashes (leaves);
    for (size_t n = 0; n <= 8; n++) {
        s_unhex (expected, 32, s_ct_roots [n]);
        accord_merkle_root (root, (const hash_t *) leaves, n);
        ck_assert_msg (memcmp (root, expected, 32) == 0, "root of %zu leaves", n);
    }
    accord_merkle_root (root, NULL, 0);
    s_unhex (expected, 32, s_ct_roots [0]);
    ck_assert_int_eq (memcmp (root, expected, 32), 0);
    //  Leaf hash of the empty string is the root of the one-leaf tree
    accord_merkle_leaf_hash (root, "", 0);
    s_unhex (expected, 32, s_ct_roots [1]);
    ck_assert_int_eq (memcmp (root, expected, 32), 0);
}
END_TEST

START_TEST (vectors_paths)
{
    hash_t leaves [8];
    s_ct_leaf_hashes (leaves);
    for (size_t v = 0; v < sizeof s_ct_paths / sizeof s_ct_paths [0]; v++) {
        const path_vector_t *vector = &s_ct_paths [v];
        hash_t expected [3], path [ACCORD_MERKLE_MAX_PATH], root;
        for (size_t i = 0; i < vector->path_len; i++)
            s_unhex (expected [i], 32, vector->path [i]);
        size_t path_len = 99;
        ck_assert_int_eq (accord_merkle_proof (path, &path_len, (const hash_t *) leaves,
                                               vector->count, vector->index), 0);
        ck_assert_uint_eq (path_len, vector->path_len);
        for (size_t i = 0; i < path_len; i++)
            ck_assert_msg (memcmp (path [i], expected [i], 32) == 0,
                           "PATH(%zu, D[%zu]) element %zu", vector->index, vector->count, i);
        s_unhex (root, 32, s_ct_roots [vector->count]);
        ck_assert_int_eq (accord_merkle_verify (root, leaves [vector->index], vector->index,
                                                vector->count, (const hash_t *) expected,
                                                vector->path_len), 0);
    }
}
END_TEST

//  --------------------------------------------------------------------------
//  Every index of every tree of 1..70 leaves

START_TEST (roundtrip_all_small_trees)
{
    hash_t *leaves = s_make_leaves (70);
    for (size_t n = 1; n <= 70; n++) {
        hash_t root, ref;
        accord_merkle_root (root, (const hash_t *) leaves, n);
        s_ref_mth (ref, (const hash_t *) leaves, n);
        ck_assert_msg (memcmp (root, ref, 32) == 0, "root of %zu leaves", n);
        for (size_t i = 0; i < n; i++) {
            hash_t path [ACCORD_MERKLE_MAX_PATH];
            size_t len = 0;
            ck_assert_int_eq (accord_merkle_proof (path, &len, (const hash_t *) leaves, n, i), 0);
            ck_assert_msg (s_ref_verify (root, leaves [i], i, n, path, len) == 0,
                           "reference refuses PATH(%zu, D[%zu])", i, n);
            ck_assert_msg (accord_merkle_verify (root, leaves [i], i, n,
                                                 (const hash_t *) path, len) == 0,
                           "PATH(%zu, D[%zu]) does not verify", i, n);
        }
    }
    free (leaves);
}
END_TEST

//  --------------------------------------------------------------------------
//  Wrong inputs

START_TEST (malformed_every_mutation_fails)
{
    hash_t *leaves = s_make_leaves (70);
    for (size_t n = 1; n <= 70; n++) {
        hash_t root;
        accord_merkle_root (root, (const hash_t *) leaves, n);
        for (size_t i = 0; i < n; i++) {
            hash_t path [ACCORD_MERKLE_MAX_PATH + 1];
            size_t len = 0;
            ck_assert_int_eq (accord_merkle_proof (path, &len, (const hash_t *) leaves, n, i), 0);
            const hash_t *cpath = (const hash_t *) path;

            //  Wrong index, including past the end
            size_t wrong_index [] = { i + 1, i - 1, 0, n - 1, n, n + 5, (size_t) -1 };
            for (size_t w = 0; w < sizeof wrong_index / sizeof wrong_index [0]; w++) {
                if (wrong_index [w] == i)
                    continue;
                ck_assert_msg (accord_merkle_verify (root, leaves [i], wrong_index [w], n,
                                                     cpath, len) == -1,
                               "leaf %zu of %zu verified as index %zu", i, n, wrong_index [w]);
            }
            //  Wrong leaf: a neighbour's
            ck_assert_int_eq (accord_merkle_verify (root, leaves [(i + 1) % 70], i, n,
                                                    cpath, len), -1);
            //  Wrong root
            hash_t bad_root;
            memcpy (bad_root, root, 32);
            bad_root [31] ^= 1;
            ck_assert_int_eq (accord_merkle_verify (bad_root, leaves [i], i, n, cpath, len), -1);
            //  Each element tampered with
            for (size_t e = 0; e < len; e++) {
                path [e][e % 32] ^= 0x40;
                ck_assert_int_eq (accord_merkle_verify (root, leaves [i], i, n, cpath, len), -1);
                path [e][e % 32] ^= 0x40;
            }
            //  Truncated at every length, and one element too many
            for (size_t short_len = 0; short_len < len; short_len++)
                ck_assert_int_eq (accord_merkle_verify (root, leaves [i], i, n,
                                                        cpath, short_len), -1);
            memcpy (path [len], root, 32);
            ck_assert_int_eq (accord_merkle_verify (root, leaves [i], i, n, cpath, len + 1), -1);
            //  Swapped elements
            if (len >= 2) {
                hash_t swapped [ACCORD_MERKLE_MAX_PATH];
                memcpy (swapped, path, len * 32);
                memcpy (swapped [0], path [1], 32);
                memcpy (swapped [1], path [0], 32);
                ck_assert_int_eq (accord_merkle_verify (root, leaves [i], i, n,
                                                        (const hash_t *) swapped, len), -1);
            }
        }
    }
    free (leaves);
}
END_TEST

//  An inclusion proof does not commit to the tree size by itself: leaf 5's path in the
//  8-leaf tree also checks out as leaf 5 of 7 (7 and 8 give the same left/right turns for
//  it). The size must come from a signed header, together with the root. What we promise:
//  a wrong count passes exactly when RFC 6962's own recomputation passes, and always fails
//  when it changes the path's length.
START_TEST (malformed_wrong_count)
{
    hash_t leaves [8], root, path [3];
    s_ct_leaf_hashes (leaves);
    s_unhex (root, 32, s_ct_roots [8]);
    for (size_t e = 0; e < 3; e++)
        s_unhex (path [e], 32, s_ct_paths [2].path [e]);
    const hash_t *cpath = (const hash_t *) path;
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 8, cpath, 3), 0);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 7, cpath, 3), 0);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 6, cpath, 3), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 9, cpath, 3), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 5, cpath, 3), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 0, cpath, 3), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [5], 5, 16, cpath, 3), -1);

    hash_t *many = s_make_leaves (70);
    int refused = 0;
    for (size_t n = 1; n <= 70; n++) {
        accord_merkle_root (root, (const hash_t *) many, n);
        for (size_t i = 0; i < n; i++) {
            hash_t proof [ACCORD_MERKLE_MAX_PATH];
            size_t len = 0;
            ck_assert_int_eq (accord_merkle_proof (proof, &len, (const hash_t *) many, n, i), 0);
            size_t counts [] = { 0, n - 1, n + 1, n + 2, n / 2, 2 * n, 2 * n + 1, i, i + 1 };
            for (size_t c = 0; c < sizeof counts / sizeof counts [0]; c++) {
                size_t count = counts [c];
                if (count == n)
                    continue;
                int expected = s_ref_verify (root, many [i], i, count,
                                             (const hash_t *) proof, len);
                int got = accord_merkle_verify (root, many [i], i, count,
                                                (const hash_t *) proof, len);
                ck_assert_msg (got == expected, "leaf %zu of %zu as count %zu: %d, want %d",
                               i, n, count, got, expected);
                refused += got != 0;
            }
        }
    }
    ck_assert_int_gt (refused, 0);
    free (many);
}
END_TEST

START_TEST (malformed_arguments)
{
    hash_t leaves [8], root, path [ACCORD_MERKLE_MAX_PATH + 1];
    s_ct_leaf_hashes (leaves);
    s_unhex (root, 32, s_ct_roots [1]);
    const hash_t *cpath = (const hash_t *) path;
    size_t len = 7;
    //  Proof: index out of range, empty tree
    ck_assert_int_eq (accord_merkle_proof (path, &len, (const hash_t *) leaves, 8, 8), -1);
    ck_assert_int_eq (accord_merkle_proof (path, &len, (const hash_t *) leaves, 0, 0), -1);
    ck_assert_int_eq (accord_merkle_proof (path, &len, NULL, 0, 0), -1);
    ck_assert_uint_eq (len, 7);
    //  Verify: the one-leaf tree needs an empty path
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], 0, 1, NULL, 0), 0);
    memcpy (path [0], leaves [0], 32);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], 0, 1, cpath, 1), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], 1, 1, NULL, 0), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], 0, 0, NULL, 0), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], 0, 2, NULL, 1), -1);
    //  Longer than any tree can be high
    memset (path, 0, sizeof path);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], 0, (size_t) -1,
                                            cpath, ACCORD_MERKLE_MAX_PATH + 1), -1);
    ck_assert_int_eq (accord_merkle_verify (root, leaves [0], (size_t) -2, (size_t) -1,
                                            cpath, ACCORD_MERKLE_MAX_PATH), -1);
    //  A path that climbs past the root of its tree: leaf 5 of 8 and one element more does
    //  hash to the root of a larger tree, but not of a tree of 8
    hash_t root8, above, extended [4];
    s_unhex (root8, 32, s_ct_roots [8]);
    for (size_t e = 0; e < 3; e++)
        s_unhex (extended [e], 32, s_ct_paths [2].path [e]);
    memcpy (extended [3], leaves [7], 32);
    s_ref_node (above, extended [3], root8);
    ck_assert_int_eq (accord_merkle_verify (root8, leaves [5], 5, 8,
                                            (const hash_t *) extended, 3), 0);
    ck_assert_int_eq (accord_merkle_verify (above, leaves [5], 5, 8,
                                            (const hash_t *) extended, 4), -1);
    ck_assert_int_eq (accord_merkle_verify (NULL, leaves [0], 0, 1, NULL, 0), -1);
    ck_assert_int_eq (accord_merkle_verify (root, NULL, 0, 1, NULL, 0), -1);
}
END_TEST

//  --------------------------------------------------------------------------
//  Large trees: no recursion, proof lengths are the tree's height

START_TEST (limits_large_tree)
{
    size_t n = 10007;
    hash_t *leaves = s_make_leaves (n);
    hash_t root, ref;
    accord_merkle_root (root, (const hash_t *) leaves, n);
    s_ref_mth (ref, (const hash_t *) leaves, n);
    ck_assert_int_eq (memcmp (root, ref, 32), 0);
    size_t indices [] = { 0, 1, 4095, 4096, 8191, 8192, 9999, 10000, n - 2, n - 1 };
    for (size_t k = 0; k < sizeof indices / sizeof indices [0]; k++) {
        hash_t path [ACCORD_MERKLE_MAX_PATH];
        size_t len = 0;
        size_t i = indices [k];
        ck_assert_int_eq (accord_merkle_proof (path, &len, (const hash_t *) leaves, n, i), 0);
        ck_assert_uint_le (len, 14);                    //  ceil (log2 10007)
        ck_assert_int_eq (accord_merkle_verify (root, leaves [i], i, n,
                                                (const hash_t *) path, len), 0);
        ck_assert_int_eq (s_ref_verify (root, leaves [i], i, n, path, len), 0);
        ck_assert_int_eq (accord_merkle_verify (root, leaves [i], i, n - 1,
                                                (const hash_t *) path, len),
                          s_ref_verify (root, leaves [i], i, n - 1, path, len));
    }
    //  The last leaf of a power-of-two-plus-one tree sits right under the root
    hash_t path [ACCORD_MERKLE_MAX_PATH];
    size_t len = 0;
    ck_assert_int_eq (accord_merkle_proof (path, &len, (const hash_t *) leaves, 8193, 8192), 0);
    ck_assert_uint_eq (len, 1);
    free (leaves);
}
END_TEST

Suite *
test_merkle_suite (void)
{
    Suite *suite = suite_create ("merkle");
    TCase *tc = tcase_create ("vectors");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, vectors_roots);
    tcase_add_test (tc, vectors_paths);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("roundtrip");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, roundtrip_all_small_trees);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_set_timeout (tc, 120);
    tcase_add_test (tc, malformed_every_mutation_fails);
    tcase_add_test (tc, malformed_wrong_count);
    tcase_add_test (tc, malformed_arguments);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("limits");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, limits_large_tree);
    suite_add_tcase (suite, tc);
    return suite;
}
