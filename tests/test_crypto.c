#include "testutil.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Order of the secp256k1 group, big-endian
static const char *s_order_hex =
    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

static void
s_unhex (uint8_t *out, size_t len, const char *hex)
{
    ck_assert_msg (accord_hex_decode_exact (out, len, hex) == 0, "bad test hex: %s", hex);
}

static void
s_assert_hex (const uint8_t *data, size_t len, const char *expected)
{
    char hex [2 * 128 + 1];
    ck_assert_uint_le (len, 128);
    ck_assert_int_eq (accord_hex_encode (hex, sizeof hex, data, len), 0);
    ck_assert_str_eq (hex, expected);
}

//  out = n - s (big-endian, 32 bytes): the other S of a signature
static void
s_negate_scalar (uint8_t out [32], const uint8_t s [32])
{
    uint8_t order [32];
    s_unhex (order, 32, s_order_hex);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int diff = order [i] - s [i] - borrow;
        borrow = diff < 0;
        out [i] = (uint8_t) (diff + (borrow ? 256 : 0));
    }
}

//  --------------------------------------------------------------------------
//  SHA-256: FIPS 180-2 / NIST CAVP examples

START_TEST (sha256_nist_vectors)
{
    uint8_t out [ACCORD_HASH_SIZE];
    accord_sha256 (out, "abc", 3);
    s_assert_hex (out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    accord_sha256 (out, "", 0);
    s_assert_hex (out, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    accord_sha256 (out, NULL, 0);
    s_assert_hex (out, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    accord_sha256 (out, m448, strlen (m448));
    s_assert_hex (out, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    accord_sha256 (out, m896, strlen (m896));
    s_assert_hex (out, 32, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    size_t million = 1000000;
    char *a = malloc (million);
    ck_assert_ptr_nonnull (a);
    memset (a, 'a', million);
    accord_sha256 (out, a, million);
    free (a);
    s_assert_hex (out, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

//  A file of a million 'a' (read in several pieces) gives the NIST digest; no file is -1.
START_TEST (sha256_file)
{
    char *dir = tu_tmpdir (), path [512];
    snprintf (path, sizeof path, "%s/million", dir);
    FILE *file = fopen (path, "wb");
    ck_assert_ptr_nonnull (file);
    for (int i = 0; i < 1000000; i++)
        fputc ('a', file);
    fclose (file);
    uint8_t out [ACCORD_HASH_SIZE];
    ck_assert_int_eq (accord_sha256_file (out, path), 0);
    s_assert_hex (out, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    snprintf (path, sizeof path, "%s/missing", dir);
    ck_assert_int_eq (accord_sha256_file (out, path), -1);
    tu_rmtree (dir);
    free (dir);
}
END_TEST

START_TEST (sha256_parts_match_one_shot)
{
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    uint8_t out [ACCORD_HASH_SIZE];
    //  Cut at every pair of positions, with empty parts in between
    size_t len = strlen (m448);
    for (size_t cut1 = 0; cut1 <= len; cut1 += 7) {
        for (size_t cut2 = cut1; cut2 <= len; cut2 += 5) {
            const void *parts [4] = { m448, "", m448 + cut1, m448 + cut2 };
            size_t lens [4] = { cut1, 0, cut2 - cut1, len - cut2 };
            accord_sha256_parts (out, 4, parts, lens);
            s_assert_hex (out, 32,
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        }
    }
    accord_sha256_parts (out, 0, NULL, NULL);
    s_assert_hex (out, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const void *abc [3] = { "a", "b", "c" };
    size_t ones [3] = { 1, 1, 1 };
    accord_sha256_parts (out, 3, abc, ones);
    s_assert_hex (out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

//  Each thread has its own digest context; hashing from many threads at once must agree.
static void *
s_hash_worker (void *arg)
{
    int *ok = arg;
    uint8_t expected [ACCORD_HASH_SIZE];
    s_unhex (expected, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    *ok = 1;
    for (int i = 0; i < 2000; i++) {
        uint8_t out [ACCORD_HASH_SIZE];
        accord_sha256 (out, "abc", 3);
        if (memcmp (out, expected, 32) != 0)
            *ok = 0;
    }
    return NULL;
}

START_TEST (sha256_threads)
{
    pthread_t threads [4];
    int ok [4] = { 0 };
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq (pthread_create (&threads [i], NULL, s_hash_worker, &ok [i]), 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq (pthread_join (threads [i], NULL), 0);
        ck_assert_int_eq (ok [i], 1);
    }
}
END_TEST

//  --------------------------------------------------------------------------
//  Random, constant-time equality, wiping

START_TEST (util_random_equal_wipe)
{
    uint8_t a [32], b [32];
    ck_assert_int_eq (accord_random (a, 0), 0);
    ck_assert_int_eq (accord_random (a, sizeof a), 0);
    ck_assert_int_eq (accord_random (b, sizeof b), 0);
    ck_assert_int_eq (accord_secure_equal (a, b, sizeof a), 0);
    ck_assert_int_eq (accord_secure_equal (a, a, sizeof a), 1);
    memcpy (b, a, sizeof a);
    ck_assert_int_eq (accord_secure_equal (a, b, sizeof a), 1);
    b [31] ^= 0x80;
    ck_assert_int_eq (accord_secure_equal (a, b, sizeof a), 0);
    ck_assert_int_eq (accord_secure_equal (a, b, 31), 1);
    ck_assert_int_eq (accord_secure_equal (a, b, 0), 1);

    //  Larger than one getrandom call may return at once
    size_t big_len = 1 << 20;
    uint8_t *big = calloc (1, big_len);
    ck_assert_ptr_nonnull (big);
    ck_assert_int_eq (accord_random (big, big_len), 0);
    size_t zeros = 0;
    for (size_t i = 0; i < big_len; i++)
        zeros += big [i] == 0;
    ck_assert_uint_lt (zeros, big_len / 128);       //  expected about big_len / 256
    accord_wipe (big, big_len);
    for (size_t i = 0; i < big_len; i++)
        ck_assert_uint_eq (big [i], 0);
    free (big);
    accord_wipe (NULL, 0);
}
END_TEST

//  --------------------------------------------------------------------------
//  Keys: known public keys (k * G)

typedef struct {
    const char *secret;
    const char *pubkey;
} pub_vector_t;

START_TEST (key_public_known_answers)
{
    static const pub_vector_t vectors [] = {
        { "0000000000000000000000000000000000000000000000000000000000000001",
          "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" },
        { "0000000000000000000000000000000000000000000000000000000000000002",
          "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5" },
        { "0000000000000000000000000000000000000000000000000000000000000003",
          "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9" },
        //  n - 1: -G, same x as G, odd y
        { "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
          "0379be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" },
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors [0]; i++) {
        uint8_t secret [32];
        s_unhex (secret, 32, vectors [i].secret);
        accord_key_t *key = accord_key_new_from_secret (secret);
        ck_assert_ptr_nonnull (key);
        s_assert_hex (accord_key_public (key), ACCORD_PUBKEY_SIZE, vectors [i].pubkey);
        ck_assert_int_eq (accord_pubkey_check (accord_key_public (key), ACCORD_PUBKEY_SIZE), 0);
        accord_key_destroy (&key);
        ck_assert_ptr_null (key);
        accord_key_destroy (&key);
    }
    accord_key_destroy (NULL);
}
END_TEST

START_TEST (key_invalid_secrets)
{
    static const char *invalid [] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",    //  n
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid [0]; i++) {
        uint8_t secret [32];
        s_unhex (secret, 32, invalid [i]);
        ck_assert_ptr_null (accord_key_new_from_secret (secret));
    }
    ck_assert_ptr_null (accord_key_new_from_secret (NULL));
}
END_TEST

START_TEST (key_random_keys_differ)
{
    accord_key_t *a = accord_key_new ();
    accord_key_t *b = accord_key_new ();
    ck_assert_ptr_nonnull (a);
    ck_assert_ptr_nonnull (b);
    const uint8_t *pa = accord_key_public (a);
    ck_assert (pa [0] == 0x02 || pa [0] == 0x03);
    ck_assert_int_ne (memcmp (pa, accord_key_public (b), ACCORD_PUBKEY_SIZE), 0);
    accord_key_destroy (&a);
    accord_key_destroy (&b);
}
END_TEST

//  --------------------------------------------------------------------------
//  Signatures: RFC 6979 vectors for secp256k1 with SHA-256 (python-ecdsa / trezor-crypto /
//  CoreBitcoin, also used by btcd and decred). The digest is SHA-256 of the ASCII message,
//  once; signatures are compact R || S with S in lower form.

typedef struct {
    const char *secret;
    const char *message;
    const char *signature;
} sig_vector_t;

static const sig_vector_t s_sig_vectors [] = {
    { "cca9fbcc1b41e5a95d369eaa6ddcff73b61a4efaa279cfc6567e8daa39cbaf50", "sample",
      "af340daf02cc15c8d5d08d7735dfe6b98a474ed373bdb5fbecf7571be52b3842"
      "5009fb27f37034a9b24b707b7c6b79ca23ddef9e25f7282e8a797efe53a8f124" },
    { "0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
      "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
      "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5" },
    { "0000000000000000000000000000000000000000000000000000000000000001",
      "Everything should be made as simple as possible, but not simpler.",
      "33a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c9"
      "6f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262" },
    { "0000000000000000000000000000000000000000000000000000000000000001",
      "All those moments will be lost in time, like tears in rain. Time to die...",
      "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b"
      "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21" },
    { "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
      "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0"
      "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5" },
    { "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181", "Alan Turing",
      "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c"
      "58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea" },
    { "e91671c46231f833a6406ccbea0e3e392c76c167bac1cb013f6f1013980455c2",
      "There is a computer disease that anybody who works with computers knows about. "
      "It's a very serious disease and it interferes completely with the work. "
      "The trouble with computers is that you 'play' with them!",
      "b552edd27580141f3b2a5463048cb7cd3e047b97c9f98076c32dbdf85a68718b"
      "279fa72dd19bfae05577e06c7c0c1900c371fcd5893f7e1d56a37d30174671f6" },
};

START_TEST (sign_rfc6979_vectors)
{
    for (size_t i = 0; i < sizeof s_sig_vectors / sizeof s_sig_vectors [0]; i++) {
        const sig_vector_t *v = &s_sig_vectors [i];
        uint8_t secret [32], digest [32], sig [64], again [64];
        s_unhex (secret, 32, v->secret);
        accord_sha256 (digest, v->message, strlen (v->message));
        accord_key_t *key = accord_key_new_from_secret (secret);
        ck_assert_ptr_nonnull (key);
        ck_assert_int_eq (accord_key_sign (key, sig, digest), 0);
        s_assert_hex (sig, 64, v->signature);
        ck_assert_int_eq (accord_key_sign (key, again, digest), 0);
        ck_assert_int_eq (memcmp (sig, again, 64), 0);
        ck_assert_int_eq (accord_sig_verify (accord_key_public (key), 33, sig, digest), 0);
        ck_assert_int_eq (accord_sig_verify_lax (accord_key_public (key), 33, sig, digest), 0);
        accord_key_destroy (&key);
    }
}
END_TEST

//  The Satoshi Nakamoto vector as first published: S not yet lowered. Strict verification
//  refuses it, lax accepts it, and n - S gives the lower form we sign.
START_TEST (verify_high_s)
{
    static const char *high_s_sig =
        "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
        "dbbd3162d46e9f9bef7feb87c16dc13b4f6568a87f4e83f728e2443ba586675c";
    uint8_t pubkey [33], digest [32], high [64], low [64];
    s_unhex (pubkey, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    accord_sha256 (digest, "Satoshi Nakamoto", 16);
    s_unhex (high, 64, high_s_sig);
    s_unhex (low, 64, s_sig_vectors [1].signature);

    uint8_t negated [32];
    s_negate_scalar (negated, low + 32);
    ck_assert_int_eq (memcmp (negated, high + 32, 32), 0);

    ck_assert_int_eq (accord_sig_verify (pubkey, 33, low, digest), 0);
    ck_assert_int_eq (accord_sig_verify (pubkey, 33, high, digest), -1);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, high, digest), 0);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, low, digest), 0);

    //  Same for a fresh key: flip S of our own (lower-S) signature
    accord_key_t *key = accord_key_new ();
    ck_assert_ptr_nonnull (key);
    uint8_t sig [64];
    ck_assert_int_eq (accord_key_sign (key, sig, digest), 0);
    ck_assert_uint_lt (sig [32], 0x80);
    memcpy (high, sig, 32);
    s_negate_scalar (high + 32, sig + 32);
    ck_assert_int_eq (accord_sig_verify (accord_key_public (key), 33, high, digest), -1);
    ck_assert_int_eq (accord_sig_verify_lax (accord_key_public (key), 33, high, digest), 0);
    accord_key_destroy (&key);
}
END_TEST

START_TEST (verify_rejects_wrong_inputs)
{
    const sig_vector_t *v = &s_sig_vectors [1];
    uint8_t pubkey [33], digest [32], sig [64], bad [64];
    s_unhex (pubkey, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    accord_sha256 (digest, v->message, strlen (v->message));
    s_unhex (sig, 64, v->signature);
    ck_assert_int_eq (accord_sig_verify (pubkey, 33, sig, digest), 0);

    //  Every single flipped bit in the signature
    for (size_t bit = 0; bit < 64 * 8; bit++) {
        memcpy (bad, sig, 64);
        bad [bit / 8] ^= (uint8_t) (1 << (bit % 8));
        ck_assert_int_eq (accord_sig_verify (pubkey, 33, bad, digest), -1);
        ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, bad, digest), -1);
    }
    //  Wrong digest, one bit off
    uint8_t other [32];
    memcpy (other, digest, 32);
    other [0] ^= 1;
    ck_assert_int_eq (accord_sig_verify (pubkey, 33, sig, other), -1);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, sig, other), -1);
    //  Wrong key: 2G, and -G (same x, other parity)
    uint8_t wrong [33];
    s_unhex (wrong, 33, "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5");
    ck_assert_int_eq (accord_sig_verify (wrong, 33, sig, digest), -1);
    s_unhex (wrong, 33, "0379be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    ck_assert_int_eq (accord_sig_verify (wrong, 33, sig, digest), -1);
    ck_assert_int_eq (accord_sig_verify_lax (wrong, 33, sig, digest), -1);

    //  R or S zero, or not below the group order
    uint8_t order [32];
    s_unhex (order, 32, s_order_hex);
    memcpy (bad, sig, 64);
    memset (bad, 0, 32);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, bad, digest), -1);
    memcpy (bad, sig, 64);
    memset (bad + 32, 0, 32);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, bad, digest), -1);
    memcpy (bad, sig, 64);
    memcpy (bad + 32, order, 32);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, bad, digest), -1);
    memcpy (bad, sig, 64);
    memcpy (bad, order, 32);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, bad, digest), -1);
    memset (bad, 0xff, 64);
    ck_assert_int_eq (accord_sig_verify_lax (pubkey, 33, bad, digest), -1);
    ck_assert_int_eq (accord_sig_verify (pubkey, 33, NULL, digest), -1);
    ck_assert_int_eq (accord_sig_verify (pubkey, 33, sig, NULL), -1);
}
END_TEST

//  The verification that remembers parsed keys gives the same answers, first time and later,
//  and a key sharing a cache slot with another does not borrow its parsed form.
START_TEST (verify_key_cache_agrees)
{
    const sig_vector_t *v = &s_sig_vectors [1];
    uint8_t pubkey [33], digest [32], sig [64], bad [64];
    s_unhex (pubkey, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    accord_sha256 (digest, v->message, strlen (v->message));
    s_unhex (sig, 64, v->signature);
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq (accord_sig_verify_key (pubkey, sig, digest), 0);
        memcpy (bad, sig, 64);
        bad [10] ^= 1;
        ck_assert_int_eq (accord_sig_verify_key (pubkey, bad, digest), -1);
    }
    //  -G: same x (so the same slot), other parity; then G again
    uint8_t negated [33];
    memcpy (negated, pubkey, 33);
    negated [0] = 0x03;
    ck_assert_int_eq (accord_sig_verify_key (negated, sig, digest), -1);
    ck_assert_int_eq (accord_sig_verify_key (pubkey, sig, digest), 0);
    ck_assert_int_eq (accord_sig_verify_key (negated, sig, digest), -1);
    //  33 zero bytes look like an empty cache slot: refused, not taken for a parsed key (the
    //  fuzzer's find: libsecp256k1 aborts on a zeroed key)
    uint8_t zeros [33] = { 0 };
    ck_assert_int_eq (accord_sig_verify_key (zeros, sig, digest), -1);
    zeros [0] = 0x02;
    ck_assert_int_eq (accord_sig_verify_key (zeros, sig, digest), -1);
    zeros [0] = 0x03;
    ck_assert_int_eq (accord_sig_verify_key (zeros, sig, digest), -1);
    //  Not a point, and a prefix that is not a compressed key
    uint8_t invalid [33];
    memset (invalid, 0xff, 33);
    invalid [0] = 0x02;
    ck_assert_int_eq (accord_sig_verify_key (invalid, sig, digest), -1);
    memcpy (invalid, pubkey, 33);
    invalid [0] = 0x04;
    ck_assert_int_eq (accord_sig_verify_key (invalid, sig, digest), -1);
    ck_assert_int_eq (accord_sig_verify_key (NULL, sig, digest), -1);
    //  Random keys and their own signatures, many more than the cache holds
    for (int i = 0; i < 300; i++) {
        accord_key_t *key = accord_key_new ();
        ck_assert_ptr_nonnull (key);
        ck_assert_int_eq (accord_key_sign (key, sig, digest), 0);
        ck_assert_int_eq (accord_sig_verify_key (accord_key_public (key), sig, digest), 0);
        ck_assert_int_eq (accord_sig_verify_key (accord_key_public (key), sig, digest), 0);
        ck_assert_int_eq (accord_sig_verify_key (pubkey, sig, digest), -1);
        accord_key_destroy (&key);
    }
}
END_TEST

START_TEST (verify_pubkey_encodings)
{
    static const char *g_uncompressed =
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
    const sig_vector_t *v = &s_sig_vectors [1];
    uint8_t digest [32], sig [64], key [65];
    accord_sha256 (digest, v->message, strlen (v->message));
    s_unhex (sig, 64, v->signature);

    s_unhex (key, 65, g_uncompressed);
    ck_assert_int_eq (accord_pubkey_check (key, 65), 0);
    ck_assert_int_eq (accord_sig_verify (key, 65, sig, digest), 0);
    //  Uncompressed key given with a compressed length, and the reverse
    ck_assert_int_eq (accord_sig_verify (key, 33, sig, digest), -1);
    //  SEC1 hybrid form of G (0x06: even y): libsecp256k1 parses it, we refuse it
    key [0] = 0x06;
    ck_assert_int_eq (accord_pubkey_check (key, 65), -1);
    ck_assert_int_eq (accord_sig_verify (key, 65, sig, digest), -1);
    //  y off the curve
    s_unhex (key, 65, g_uncompressed);
    key [64] ^= 1;
    ck_assert_int_eq (accord_pubkey_check (key, 65), -1);
    ck_assert_int_eq (accord_sig_verify (key, 65, sig, digest), -1);

    //  Compressed garbage: bad prefix, x not below p, wrong lengths, NULL
    s_unhex (key, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    ck_assert_int_eq (accord_pubkey_check (key, 33), 0);
    for (int prefix = 0; prefix < 256; prefix++) {
        if (prefix == 2 || prefix == 3)
            continue;
        key [0] = (uint8_t) prefix;
        ck_assert_int_eq (accord_pubkey_check (key, 33), -1);
        ck_assert_int_eq (accord_sig_verify_lax (key, 33, sig, digest), -1);
    }
    memset (key, 0xff, 33);
    key [0] = 0x02;
    ck_assert_int_eq (accord_pubkey_check (key, 33), -1);
    ck_assert_int_eq (accord_sig_verify (key, 33, sig, digest), -1);
    memset (key, 0, sizeof key);
    ck_assert_int_eq (accord_pubkey_check (key, 33), -1);
    ck_assert_int_eq (accord_pubkey_check (key, 65), -1);
    s_unhex (key, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    size_t lengths [] = { 0, 1, 32, 34, 64, 66 };
    for (size_t i = 0; i < sizeof lengths / sizeof lengths [0]; i++) {
        ck_assert_int_eq (accord_pubkey_check (key, lengths [i]), -1);
        ck_assert_int_eq (accord_sig_verify (key, lengths [i], sig, digest), -1);
    }
    ck_assert_int_eq (accord_pubkey_check (NULL, 33), -1);
    ck_assert_int_eq (accord_sig_verify (NULL, 33, sig, digest), -1);
    ck_assert_int_eq (accord_sig_verify_lax (NULL, 0, sig, digest), -1);
}
END_TEST

START_TEST (sign_random_roundtrip)
{
    accord_key_t *key = accord_key_new ();
    accord_key_t *other = accord_key_new ();
    ck_assert_ptr_nonnull (key);
    ck_assert_ptr_nonnull (other);
    for (int i = 0; i < 20; i++) {
        uint8_t digest [32], sig [64];
        ck_assert_int_eq (accord_random (digest, sizeof digest), 0);
        ck_assert_int_eq (accord_key_sign (key, sig, digest), 0);
        ck_assert_uint_lt (sig [32], 0x80);             //  lower-S: S < n / 2
        ck_assert_int_eq (accord_sig_verify (accord_key_public (key), 33, sig, digest), 0);
        ck_assert_int_eq (accord_sig_verify (accord_key_public (other), 33, sig, digest), -1);
    }
    uint8_t digest [32] = { 0 }, sig [64];
    ck_assert_int_eq (accord_key_sign (NULL, sig, digest), -1);
    ck_assert_int_eq (accord_key_sign (key, NULL, digest), -1);
    ck_assert_int_eq (accord_key_sign (key, sig, NULL), -1);
    ck_assert_ptr_null (accord_key_public (NULL));
    accord_key_destroy (&key);
    accord_key_destroy (&other);
}
END_TEST

//  One key and the shared context, used from several threads at once
static void *
s_sign_worker (void *arg)
{
    accord_key_t *key = arg;
    for (int i = 0; i < 50; i++) {
        uint8_t digest [32], sig [64];
        accord_sha256 (digest, &i, sizeof i);
        if (accord_key_sign (key, sig, digest) != 0
        ||  accord_sig_verify (accord_key_public (key), 33, sig, digest) != 0)
            return (void *) 1;
    }
    return NULL;
}

START_TEST (sign_threads)
{
    accord_key_t *key = accord_key_new ();
    ck_assert_ptr_nonnull (key);
    pthread_t threads [4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq (pthread_create (&threads [i], NULL, s_sign_worker, key), 0);
    for (int i = 0; i < 4; i++) {
        void *result = (void *) 1;
        ck_assert_int_eq (pthread_join (threads [i], &result), 0);
        ck_assert_ptr_null (result);
    }
    accord_key_destroy (&key);
}
END_TEST

START_TEST (bench_runs)
{
    double rate = accord_bench_verify_rate (0.05);
    ck_assert (rate > 0);
    ck_assert (accord_bench_verify_rate (0) < 0);
}
END_TEST

//  --------------------------------------------------------------------------
//  Key files

static char *
s_join (const char *dir, const char *name)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    return strdup (path);
}

static void
s_write_file (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    ck_assert_int_eq (fputs (text, file) >= 0, 1);
    ck_assert_int_eq (fclose (file), 0);
}

static int
s_count_entries (const char *dir)
{
    DIR *handle = opendir (dir);
    ck_assert_ptr_nonnull (handle);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir (handle)))
        if (strcmp (entry->d_name, ".") && strcmp (entry->d_name, ".."))
            count++;
    closedir (handle);
    return count;
}

START_TEST (file_roundtrip)
{
    char *dir = tu_tmpdir ();
    char *path = s_join (dir, "node.key");
    uint8_t secret [32];
    s_unhex (secret, 32, "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181");
    accord_key_t *key = accord_key_new_from_secret (secret);
    ck_assert_ptr_nonnull (key);

    mode_t old_mask = umask (0);        //  the mode must not depend on the umask
    ck_assert_int_eq (accord_key_save (key, path), 0);
    umask (old_mask);
    struct stat st;
    ck_assert_int_eq (lstat (path, &st), 0);
    ck_assert (S_ISREG (st.st_mode));
    ck_assert_uint_eq (st.st_mode & 07777, 0600);
    ck_assert_int_eq (s_count_entries (dir), 1);       //  no temp file left behind

    char text [100] = { 0 };
    FILE *file = fopen (path, "r");
    ck_assert_ptr_nonnull (file);
    size_t got = fread (text, 1, sizeof text - 1, file);
    fclose (file);
    ck_assert_uint_eq (got, 65);
    ck_assert_str_eq (text,
        "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181\n");

    accord_key_t *loaded = accord_key_load (path);
    ck_assert_ptr_nonnull (loaded);
    ck_assert_int_eq (memcmp (accord_key_public (loaded), accord_key_public (key), 33), 0);

    //  Saving again replaces the file atomically
    accord_key_t *fresh = accord_key_new ();
    ck_assert_ptr_nonnull (fresh);
    old_mask = umask (0377);            //  nor be narrowed by it
    ck_assert_int_eq (accord_key_save (fresh, path), 0);
    umask (old_mask);
    ck_assert_int_eq (lstat (path, &st), 0);
    ck_assert_uint_eq (st.st_mode & 07777, 0600);
    accord_key_t *reloaded = accord_key_load (path);
    ck_assert_ptr_nonnull (reloaded);
    ck_assert_int_eq (memcmp (accord_key_public (reloaded), accord_key_public (fresh), 33), 0);
    ck_assert_int_eq (s_count_entries (dir), 1);

    //  Surrounding whitespace and upper case are fine
    s_write_file (path,
        " \r\n\tF8B8AF8CE3C7CCA5E300D33939540C10D45CE001B8F252BFBC57BA0342904181 \r\n\n");
    accord_key_t *spaced = accord_key_load (path);
    ck_assert_ptr_nonnull (spaced);
    ck_assert_int_eq (memcmp (accord_key_public (spaced), accord_key_public (key), 33), 0);

    accord_key_destroy (&key);
    accord_key_destroy (&loaded);
    accord_key_destroy (&fresh);
    accord_key_destroy (&reloaded);
    accord_key_destroy (&spaced);
    tu_rmtree (dir);
    free (path);
    free (dir);
}
END_TEST

//  A symlink at the target is replaced, not written through
START_TEST (file_symlink_not_followed)
{
    char *dir = tu_tmpdir ();
    char *victim = s_join (dir, "victim");
    char *path = s_join (dir, "node.key");
    s_write_file (victim, "precious\n");
    ck_assert_int_eq (symlink (victim, path), 0);
    accord_key_t *key = accord_key_new ();
    ck_assert_ptr_nonnull (key);
    ck_assert_int_eq (accord_key_save (key, path), 0);

    struct stat st;
    ck_assert_int_eq (lstat (path, &st), 0);
    ck_assert (S_ISREG (st.st_mode));
    char text [32] = { 0 };
    FILE *file = fopen (victim, "r");
    ck_assert_ptr_nonnull (file);
    ck_assert_uint_eq (fread (text, 1, sizeof text - 1, file), 9);
    fclose (file);
    ck_assert_str_eq (text, "precious\n");

    accord_key_destroy (&key);
    tu_rmtree (dir);
    free (victim);
    free (path);
    free (dir);
}
END_TEST

START_TEST (file_load_failures)
{
    char *dir = tu_tmpdir ();
    char *path = s_join (dir, "node.key");
    char *missing_dir = s_join (dir, "no/such/folder/node.key");

    ck_assert_ptr_null (accord_key_load (path));                //  missing
    ck_assert_ptr_null (accord_key_load (NULL));
    ck_assert_ptr_null (accord_key_load (dir));                 //  a folder
    accord_key_t *key = accord_key_new ();
    ck_assert_ptr_nonnull (key);
    ck_assert_int_eq (accord_key_save (key, missing_dir), -1);
    ck_assert_int_eq (accord_key_save (key, ""), -1);
    ck_assert_int_eq (accord_key_save (NULL, path), -1);
    accord_key_destroy (&key);

    static const char *corrupt [] = {
        "",
        "\n",
        //  zero secret, the group order, above it
        "0000000000000000000000000000000000000000000000000000000000000000\n",
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141\n",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
        //  one hex digit short, one too many, a non-hex digit, a space inside
        "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba034290418\n",
        "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba03429041811\n",
        "g8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181\n",
        "f8b8af8ce3c7cca5e300d33939540c10 45ce001b8f252bfbc57ba0342904181\n",
        //  two keys
        "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181\n"
        "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181\n",
    };
    for (size_t i = 0; i < sizeof corrupt / sizeof corrupt [0]; i++) {
        s_write_file (path, corrupt [i]);
        ck_assert_msg (accord_key_load (path) == NULL, "loaded corrupt file %zu", i);
    }
    //  A valid key behind far too much whitespace: over the size limit
    char big [600];
    memset (big, ' ', sizeof big);
    memcpy (big, "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181", 64);
    big [sizeof big - 1] = 0;
    s_write_file (path, big);
    ck_assert_ptr_null (accord_key_load (path));

    tu_rmtree (dir);
    free (path);
    free (missing_dir);
    free (dir);
}
END_TEST

//  The parsed-key cache must not take an all-zero key (what an empty slot holds) for a valid
//  one: found by fuzz_tx, libsecp256k1 aborted on it.
START_TEST (verify_key_zero_key_refused)
{
    uint8_t zero_key [ACCORD_PUBKEY_SIZE] = { 0 }, sig [ACCORD_SIG_SIZE], digest [ACCORD_HASH_SIZE] = { 1 };
    memset (sig, 0x11, sizeof sig);
    ck_assert_int_eq (accord_sig_verify_key (zero_key, sig, digest), -1);
    ck_assert_int_eq (accord_sig_verify_key (zero_key, sig, digest), -1);
}
END_TEST

Suite *
test_crypto_suite (void)
{
    Suite *suite = suite_create ("crypto");
    TCase *tc = tcase_create ("sha256");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, sha256_nist_vectors);
    tcase_add_test (tc, sha256_parts_match_one_shot);
    tcase_add_test (tc, sha256_file);
    tcase_add_test (tc, sha256_threads);
    tcase_add_test (tc, util_random_equal_wipe);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("keys");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, key_public_known_answers);
    tcase_add_test (tc, key_invalid_secrets);
    tcase_add_test (tc, key_random_keys_differ);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("signatures");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, sign_rfc6979_vectors);
    tcase_add_test (tc, verify_high_s);
    tcase_add_test (tc, sign_random_roundtrip);
    tcase_add_test (tc, sign_threads);
    tcase_add_test (tc, bench_runs);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, verify_rejects_wrong_inputs);
    tcase_add_test (tc, verify_key_cache_agrees);
    tcase_add_test (tc, verify_pubkey_encodings);
    tcase_add_test (tc, file_load_failures);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("files");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, file_roundtrip);
    tcase_add_test (tc, file_symlink_not_followed);
    tcase_add_test (tc, verify_key_zero_key_refused);
    suite_add_tcase (suite, tc);
    return suite;
}
