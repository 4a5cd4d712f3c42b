/*  accord/crypto.h: SHA-256 (OpenSSL libcrypto) and ECDSA secp256k1 keys and signatures
    (libsecp256k1). Public keys are 33-byte compressed points; signatures are 64-byte compact
    R || S, always lower-S when we sign. */
#ifndef ACCORD_CRYPTO_H
#define ACCORD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define ACCORD_HASH_SIZE   32
#define ACCORD_PUBKEY_SIZE 33
#define ACCORD_SIG_SIZE    64
#define ACCORD_SECRET_SIZE 32

void accord_sha256 (uint8_t out[ACCORD_HASH_SIZE], const void *data, size_t len);

//  SHA-256 over several parts in order, without copying them together. parts/lens have n items.
void accord_sha256_parts (uint8_t out[ACCORD_HASH_SIZE], size_t n,
                          const void *const *parts, const size_t *lens);

//  SHA-256 of a file's bytes, read in pieces. Returns 0, or -1 when it cannot be read.
int accord_sha256_file (uint8_t out[ACCORD_HASH_SIZE], const char *path);

//  Fills buf with bytes from the operating system's CSPRNG. Returns 0 or -1.
int accord_random (uint8_t *buf, size_t len);

//  Equality that does not leak through timing, for secrets and MACs. Returns 1 when the
//  len bytes at a and b are equal, 0 otherwise (note: not memcmp's convention).
int accord_secure_equal (const void *a, const void *b, size_t len);

//  Overwrites memory in a way the compiler may not remove.
void accord_wipe (void *ptr, size_t len);

//  A secp256k1 key pair. Opaque; the secret is wiped on destroy.
typedef struct _accord_key_t accord_key_t;

//  A fresh random key, or NULL.
accord_key_t *accord_key_new (void);

//  Key from 32 secret bytes (must be a valid secp256k1 scalar), or NULL.
accord_key_t *accord_key_new_from_secret (const uint8_t secret[ACCORD_SECRET_SIZE]);

void accord_key_destroy (accord_key_t **self_p);

//  Writes the secret as hex to path, created with mode 0600 (refuses to follow an existing
//  symlink; replaces the file atomically). Returns 0 or -1.
int accord_key_save (accord_key_t *self, const char *path);

//  Loads a key saved by accord_key_save, or NULL (missing file, not hex, invalid scalar).
accord_key_t *accord_key_load (const char *path);

//  The compressed public key (33 bytes, borrowed, valid while the key lives).
const uint8_t *accord_key_public (accord_key_t *self);

//  Signs a 32-byte digest (RFC 6979 nonce, lower-S). Returns 0 or -1.
int accord_key_sign (accord_key_t *self, uint8_t sig[ACCORD_SIG_SIZE],
                     const uint8_t digest[ACCORD_HASH_SIZE]);

//  Verifies a compact signature over digest with a compressed (or uncompressed, 65-byte)
//  public key. Strict: high-S signatures are refused (our own signers never make them).
//  Returns 0 valid, -1 invalid (including an unparsable key or signature).
int accord_sig_verify (const uint8_t *pubkey, size_t pubkey_len,
                       const uint8_t sig[ACCORD_SIG_SIZE], const uint8_t digest[ACCORD_HASH_SIZE]);

//  accord_sig_verify for a 33-byte compressed key that is likely to come again (transaction
//  senders, validators): the parsed key is remembered per thread (16384 keys), which saves the
//  point decompression, about a sixth of a verification. Same result as accord_sig_verify.
int accord_sig_verify_key (const uint8_t pubkey[ACCORD_PUBKEY_SIZE], const uint8_t sig[ACCORD_SIG_SIZE],
                           const uint8_t digest[ACCORD_HASH_SIZE]);

//  Like accord_sig_verify but first normalizes a high-S signature, for signatures made by
//  other libraries (JOSE ES256K); a compressed key is remembered as accord_sig_verify_key
//  does (credential verifiers meet the same issuers' keys again). Returns 0 valid, -1 invalid.
int accord_sig_verify_lax (const uint8_t *pubkey, size_t pubkey_len,
                           const uint8_t sig[ACCORD_SIG_SIZE],
                           const uint8_t digest[ACCORD_HASH_SIZE]);

//  Checks that 33 or 65 bytes are a valid secp256k1 public key (compressed 02/03 or
//  uncompressed 04; the SEC1 hybrid 06/07 form is refused here and by verify); a valid
//  compressed key goes into the parsed-key cache. Returns 0 or -1.
int accord_pubkey_check (const uint8_t *pubkey, size_t pubkey_len);

//  Converts a valid public key (33 compressed or 65 uncompressed bytes) to the other form:
//  the 65-byte 0x04 || X || Y point, or the 33-byte 0x02/0x03 || X point. Both refuse what
//  accord_pubkey_check refuses (wrong length, hybrid prefix, not on the curve). Returns 0 or -1.
int accord_pubkey_uncompress (uint8_t out [65], const uint8_t *pubkey, size_t pubkey_len);
int accord_pubkey_compress (uint8_t out [ACCORD_PUBKEY_SIZE], const uint8_t *pubkey,
                            size_t pubkey_len);

//  Micro-benchmark: signs one digest, then runs accord_sig_verify (key parse, signature parse,
//  verification: what admitting one transaction costs) on the calling thread for about
//  `seconds` seconds. Returns verifications per second, or -1 on failure. This is the
//  machine's per-core ceiling for signed transactions.
double accord_bench_verify_rate (double seconds);

#endif
