/*  SHA-256 over OpenSSL 3 EVP, the OS random source, and secp256k1 keys and signatures over
    libsecp256k1. One secp256k1 context per process, created and randomized once. */
#include "accord/crypto.h"
#include "accord/encoding.h"
#include <openssl/evp.h>
#include <secp256k1.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  A key file holds 64 hex chars and a newline; anything much longer is not ours.
#define S_KEY_FILE_MAX   256
//  Random 32-byte strings are invalid scalars with probability ~2^-128; a bound keeps a
//  broken random source from spinning forever.
#define S_KEYGEN_TRIES   64
#define S_TEMP_TRIES     16

struct _accord_key_t {
    uint8_t secret [ACCORD_SECRET_SIZE];
    uint8_t pubkey [ACCORD_PUBKEY_SIZE];
};

//  --------------------------------------------------------------------------
//  SHA-256

static pthread_once_t s_sha_once = PTHREAD_ONCE_INIT;
static EVP_MD *s_sha256_md;
//  Each thread keeps one digest context: no allocation per hash. The key's destructor
//  frees it when a thread exits.
static pthread_key_t s_sha_key;
static _Thread_local EVP_MD_CTX *s_sha_ctx;

//  Runs in the exiting thread: forget the pointer too, in case a later thread-exit
//  destructor hashes again (it then gets a fresh context)
static void
s_sha_ctx_free (void *ctx)
{
    EVP_MD_CTX_free (ctx);
    if (s_sha_ctx == ctx)
        s_sha_ctx = NULL;
}

static void
s_sha_init (void)
{
    s_sha256_md = EVP_MD_fetch (NULL, "SHA256", NULL);
    if (pthread_key_create (&s_sha_key, s_sha_ctx_free) != 0)
        s_sha256_md = NULL;
}

//  A hash we cannot compute has no safe fallback (a wrong digest would be silently
//  trusted), so failure here is fatal, as an allocation failure is elsewhere in the stack.
static void
s_sha_fatal (const char *what)
{
    fprintf (stderr, "accord: SHA-256 unavailable (%s)\n", what);
    abort ();
}

static EVP_MD_CTX *
s_sha_begin (void)
{
    pthread_once (&s_sha_once, s_sha_init);
    if (!s_sha256_md)
        s_sha_fatal ("EVP_MD_fetch");
    if (!s_sha_ctx) {
        s_sha_ctx = EVP_MD_CTX_new ();
        if (!s_sha_ctx)
            s_sha_fatal ("EVP_MD_CTX_new");
        pthread_setspecific (s_sha_key, s_sha_ctx);
    }
    if (EVP_DigestInit_ex2 (s_sha_ctx, s_sha256_md, NULL) != 1)
        s_sha_fatal ("EVP_DigestInit_ex2");
    return s_sha_ctx;
}

static void
s_sha_end (EVP_MD_CTX *ctx, uint8_t out [ACCORD_HASH_SIZE])
{
    unsigned int out_len = 0;
    if (EVP_DigestFinal_ex (ctx, out, &out_len) != 1 || out_len != ACCORD_HASH_SIZE)
        s_sha_fatal ("EVP_DigestFinal_ex");
}

void
accord_sha256 (uint8_t out [ACCORD_HASH_SIZE], const void *data, size_t len)
{
    EVP_MD_CTX *ctx = s_sha_begin ();
    if (len > 0 && EVP_DigestUpdate (ctx, data, len) != 1)
        s_sha_fatal ("EVP_DigestUpdate");
    s_sha_end (ctx, out);
}

void
accord_sha256_parts (uint8_t out [ACCORD_HASH_SIZE], size_t n,
                     const void *const *parts, const size_t *lens)
{
    EVP_MD_CTX *ctx = s_sha_begin ();
    for (size_t i = 0; i < n; i++)
        if (lens [i] > 0 && EVP_DigestUpdate (ctx, parts [i], lens [i]) != 1)
            s_sha_fatal ("EVP_DigestUpdate");
    s_sha_end (ctx, out);
}

int
accord_sha256_file (uint8_t out [ACCORD_HASH_SIZE], const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return -1;
    EVP_MD_CTX *ctx = s_sha_begin ();
    uint8_t chunk [65536];
    size_t got;
    while ((got = fread (chunk, 1, sizeof chunk, file)) > 0)
        if (EVP_DigestUpdate (ctx, chunk, got) != 1)
            s_sha_fatal ("EVP_DigestUpdate");
    int failed = ferror (file);
    fclose (file);
    s_sha_end (ctx, out);
    return failed ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  Random bytes, comparison, wiping

int
accord_random (uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        //  getrandom may return fewer bytes than asked (signals, requests over 256 bytes)
        ssize_t got = getrandom (buf + done, len - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            accord_wipe (buf, done);
            return -1;
        }
        done += (size_t) got;
    }
    return 0;
}

int
accord_secure_equal (const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= x [i] ^ y [i];
    return diff == 0;
}

void
accord_wipe (void *ptr, size_t len)
{
    if (ptr && len)
        explicit_bzero (ptr, len);
}

//  --------------------------------------------------------------------------
//  The process-wide secp256k1 context

static pthread_once_t s_secp_once = PTHREAD_ONCE_INIT;
static secp256k1_context *s_secp_ctx;

static void
s_secp_init (void)
{
    secp256k1_context *ctx = secp256k1_context_create (SECP256K1_CONTEXT_NONE);
    if (!ctx)
        return;
    //  Blinding against side channels in signing and key generation
    uint8_t seed [32];
    int rc = accord_random (seed, sizeof seed) == 0
          && secp256k1_context_randomize (ctx, seed) == 1;
    accord_wipe (seed, sizeof seed);
    if (!rc) {
        secp256k1_context_destroy (ctx);
        return;
    }
    s_secp_ctx = ctx;
}

//  Randomized context for secret-key operations, or NULL when it could not be made.
static secp256k1_context *
s_secp (void)
{
    pthread_once (&s_secp_once, s_secp_init);
    return s_secp_ctx;
}

//  Verification handles no secrets, so it falls back to the static context rather than
//  refusing valid signatures if the randomized one could not be made.
static const secp256k1_context *
s_secp_verify (void)
{
    const secp256k1_context *ctx = s_secp ();
    return ctx ? ctx : secp256k1_context_static;
}

//  --------------------------------------------------------------------------
//  Keys

accord_key_t *
accord_key_new_from_secret (const uint8_t secret [ACCORD_SECRET_SIZE])
{
    secp256k1_context *ctx = s_secp ();
    if (!ctx || !secret)
        return NULL;
    if (!secp256k1_ec_seckey_verify (ctx, secret))
        return NULL;
    accord_key_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    memcpy (self->secret, secret, ACCORD_SECRET_SIZE);

    secp256k1_pubkey pubkey;
    size_t pubkey_len = ACCORD_PUBKEY_SIZE;
    if (!secp256k1_ec_pubkey_create (ctx, &pubkey, self->secret)
    ||  !secp256k1_ec_pubkey_serialize (ctx, self->pubkey, &pubkey_len, &pubkey,
                                        SECP256K1_EC_COMPRESSED)
    ||  pubkey_len != ACCORD_PUBKEY_SIZE) {
        accord_key_destroy (&self);
        return NULL;
    }
    return self;
}

accord_key_t *
accord_key_new (void)
{
    secp256k1_context *ctx = s_secp ();
    if (!ctx)
        return NULL;
    uint8_t secret [ACCORD_SECRET_SIZE];
    accord_key_t *self = NULL;
    for (int tries = 0; tries < S_KEYGEN_TRIES; tries++) {
        if (accord_random (secret, sizeof secret) != 0)
            break;
        if (!secp256k1_ec_seckey_verify (ctx, secret))
            continue;
        //  A valid scalar: done, or out of memory (drawing again would not help)
        self = accord_key_new_from_secret (secret);
        break;
    }
    accord_wipe (secret, sizeof secret);
    return self;
}

void
accord_key_destroy (accord_key_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_wipe (*self_p, sizeof **self_p);
    free (*self_p);
    *self_p = NULL;
}

const uint8_t *
accord_key_public (accord_key_t *self)
{
    return self ? self->pubkey : NULL;
}

int
accord_key_sign (accord_key_t *self, uint8_t sig [ACCORD_SIG_SIZE],
                 const uint8_t digest [ACCORD_HASH_SIZE])
{
    secp256k1_context *ctx = s_secp ();
    if (!ctx || !self || !sig || !digest)
        return -1;
    //  NULL nonce function: RFC 6979 deterministic nonce; the result is always lower-S
    secp256k1_ecdsa_signature signature;
    if (!secp256k1_ecdsa_sign (ctx, &signature, digest, self->secret, NULL, NULL))
        return -1;
    if (!secp256k1_ecdsa_signature_serialize_compact (ctx, sig, &signature))
        return -1;
    return 0;
}

//  --------------------------------------------------------------------------
//  Saving and loading keys

//  Writes all of len bytes, retrying short writes. Returns 0 or -1.
static int
s_write_all (int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t wrote = write (fd, data, len);
        if (wrote < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += wrote;
        len -= (size_t) wrote;
    }
    return 0;
}

//  Best effort: makes the rename itself durable. Failure only weakens crash safety.
static void
s_sync_parent (const char *path)
{
    char dir [PATH_MAX];
    const char *slash = strrchr (path, '/');
    if (!slash)
        snprintf (dir, sizeof dir, ".");
    else
    if (slash == path)
        snprintf (dir, sizeof dir, "/");
    else
        snprintf (dir, sizeof dir, "%.*s", (int) (slash - path), path);
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void) fsync (fd);
        close (fd);
    }
}

int
accord_key_save (accord_key_t *self, const char *path)
{
    if (!self || !path || !*path)
        return -1;
    size_t path_len = strlen (path);
    if (path_len + 32 > PATH_MAX)
        return -1;

    //  The temp file sits next to the target so rename() stays on one file system
    char temp [PATH_MAX];
    int fd = -1;
    for (int tries = 0; tries < S_TEMP_TRIES && fd < 0; tries++) {
        uint8_t nonce [8];
        char nonce_hex [2 * sizeof nonce + 1];
        if (accord_random (nonce, sizeof nonce) != 0)
            return -1;
        accord_hex_encode (nonce_hex, sizeof nonce_hex, nonce, sizeof nonce);
        snprintf (temp, sizeof temp, "%s.tmp-%s", path, nonce_hex);
        fd = open (temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return -1;
    }
    if (fd < 0)
        return -1;

    char text [2 * ACCORD_SECRET_SIZE + 2];
    accord_hex_encode (text, sizeof text, self->secret, ACCORD_SECRET_SIZE);
    text [2 * ACCORD_SECRET_SIZE] = '\n';
    text [2 * ACCORD_SECRET_SIZE + 1] = 0;
    //  The umask may have narrowed the mode, never widened it; fchmod makes it exact
    int rc = fchmod (fd, 0600) == 0
          && s_write_all (fd, text, 2 * ACCORD_SECRET_SIZE + 1) == 0
          && fsync (fd) == 0 ? 0 : -1;
    accord_wipe (text, sizeof text);
    if (close (fd) != 0)
        rc = -1;
    if (rc == 0 && rename (temp, path) != 0)
        rc = -1;
    if (rc != 0) {
        unlink (temp);
        return -1;
    }
    s_sync_parent (path);
    return 0;
}

static int
s_is_space (char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

accord_key_t *
accord_key_load (const char *path)
{
    if (!path)
        return NULL;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > S_KEY_FILE_MAX) {
        close (fd);
        return NULL;
    }
    //  One byte of room past the limit tells us whether the file grew past it
    char text [S_KEY_FILE_MAX + 2];
    size_t len = 0;
    while (len < S_KEY_FILE_MAX + 1) {
        ssize_t got = read (fd, text + len, S_KEY_FILE_MAX + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t) got;
    }
    close (fd);

    accord_key_t *self = NULL;
    uint8_t secret [ACCORD_SECRET_SIZE];
    if (len <= S_KEY_FILE_MAX) {
        size_t start = 0;
        while (start < len && s_is_space (text [start]))
            start++;
        while (len > start && s_is_space (text [len - 1]))
            len--;
        text [len] = 0;
        if (accord_hex_decode_exact (secret, sizeof secret, text + start) == 0)
            self = accord_key_new_from_secret (secret);
    }
    accord_wipe (text, sizeof text);
    accord_wipe (secret, sizeof secret);
    return self;
}

//  --------------------------------------------------------------------------
//  Verification

//  Parses a compressed (33) or uncompressed (65) key. SEC1 "hybrid" keys (0x06/0x07),
//  which libsecp256k1 also accepts, are refused: nobody makes them, and fewer encodings of
//  one key leave less room for confusion in key comparison.
static int
s_pubkey_parse (secp256k1_pubkey *out, const uint8_t *pubkey, size_t pubkey_len)
{
    if (!pubkey)
        return -1;
    if (pubkey_len == 33) {
        if (pubkey [0] != 0x02 && pubkey [0] != 0x03)
            return -1;
    }
    else
    if (pubkey_len == 65) {
        if (pubkey [0] != 0x04)
            return -1;
    }
    else
        return -1;
    return secp256k1_ec_pubkey_parse (s_secp_verify (), out, pubkey, pubkey_len) ? 0 : -1;
}

//  The per-thread parsed-key cache (below)
static int s_pubkey_parse_cached (secp256k1_pubkey *out, const uint8_t pubkey [ACCORD_PUBKEY_SIZE]);

int
accord_pubkey_check (const uint8_t *pubkey, size_t pubkey_len)
{
    secp256k1_pubkey parsed;
    if (pubkey && pubkey_len == ACCORD_PUBKEY_SIZE)
        return s_pubkey_parse_cached (&parsed, pubkey);
    return s_pubkey_parse (&parsed, pubkey, pubkey_len);
}

//  Parses, then writes the point in the asked form
static int
s_pubkey_convert (uint8_t *out, size_t out_len, unsigned int flags,
                  const uint8_t *pubkey, size_t pubkey_len)
{
    secp256k1_pubkey parsed;
    if (!out || s_pubkey_parse (&parsed, pubkey, pubkey_len) != 0)
        return -1;
    size_t written = out_len;
    if (!secp256k1_ec_pubkey_serialize (s_secp_verify (), out, &written, &parsed, flags)
    ||  written != out_len)
        return -1;
    return 0;
}

int
accord_pubkey_uncompress (uint8_t out [65], const uint8_t *pubkey, size_t pubkey_len)
{
    return s_pubkey_convert (out, 65, SECP256K1_EC_UNCOMPRESSED, pubkey, pubkey_len);
}

int
accord_pubkey_compress (uint8_t out [ACCORD_PUBKEY_SIZE], const uint8_t *pubkey,
                        size_t pubkey_len)
{
    return s_pubkey_convert (out, ACCORD_PUBKEY_SIZE, SECP256K1_EC_COMPRESSED,
                             pubkey, pubkey_len);
}

//  lax: high-S accepted, and a compressed key is looked up in the parsed-key cache (JOSE
//  verifiers see the same issuers' keys again and again)
static int
s_verify (const uint8_t *pubkey, size_t pubkey_len, const uint8_t sig [ACCORD_SIG_SIZE],
          const uint8_t digest [ACCORD_HASH_SIZE], int lax)
{
    if (!sig || !digest || !pubkey)
        return -1;
    const secp256k1_context *ctx = s_secp_verify ();
    secp256k1_pubkey parsed_key;
    secp256k1_ecdsa_signature parsed_sig;
    int parsed = lax && pubkey_len == ACCORD_PUBKEY_SIZE
               ? s_pubkey_parse_cached (&parsed_key, pubkey)
               : s_pubkey_parse (&parsed_key, pubkey, pubkey_len);
    if (parsed != 0)
        return -1;
    //  Refuses r or s >= the group order; zero values parse but never verify
    if (!secp256k1_ecdsa_signature_parse_compact (ctx, &parsed_sig, sig))
        return -1;
    if (lax)
        (void) secp256k1_ecdsa_signature_normalize (ctx, &parsed_sig, &parsed_sig);
    //  Without normalizing, verify refuses high-S itself
    return secp256k1_ecdsa_verify (ctx, &parsed_sig, digest, &parsed_key) ? 0 : -1;
}

int
accord_sig_verify (const uint8_t *pubkey, size_t pubkey_len,
                   const uint8_t sig [ACCORD_SIG_SIZE], const uint8_t digest [ACCORD_HASH_SIZE])
{
    return s_verify (pubkey, pubkey_len, sig, digest, 0);
}

//  Parsed public keys, per thread: a compressed key costs a square root to parse, about a
//  sixth of a verification. Four-way sets chosen by the key's bytes (uniform for valid keys),
//  the most recent first; a slot holds the exact 33 bytes it was parsed from. 16384 keys,
//  1.7 MB; a few thousand senders in turn all stay in.
#define S_KEY_CACHE_SETS 4096
#define S_KEY_CACHE_WAYS 4

typedef struct {
    uint8_t key [ACCORD_PUBKEY_SIZE];
    secp256k1_pubkey parsed;
} s_key_slot_t;

static pthread_once_t s_key_cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_key_cache_key;
static int s_key_cache_ok;
static _Thread_local s_key_slot_t *s_key_cache;

static void
s_key_cache_free (void *cache)
{
    free (cache);
    if (s_key_cache == cache)
        s_key_cache = NULL;
}

static void
s_key_cache_init (void)
{
    s_key_cache_ok = pthread_key_create (&s_key_cache_key, s_key_cache_free) == 0;
}

//  The parsed key for 33 compressed bytes, from the cache or parsed into it. -1 when invalid.
static int
s_pubkey_parse_cached (secp256k1_pubkey *out, const uint8_t pubkey [ACCORD_PUBKEY_SIZE])
{
    //  Only a compressed key can be in the cache: empty slots hold zeros, and 33 zero bytes
    //  must not find one (they would pass for a parsed key)
    if (pubkey [0] != 0x02 && pubkey [0] != 0x03)
        return -1;
    pthread_once (&s_key_cache_once, s_key_cache_init);
    if (!s_key_cache && s_key_cache_ok && (s_key_cache = calloc (S_KEY_CACHE_SETS * S_KEY_CACHE_WAYS, sizeof *s_key_cache)))
        pthread_setspecific (s_key_cache_key, s_key_cache);
    if (!s_key_cache)
        return s_pubkey_parse (out, pubkey, ACCORD_PUBKEY_SIZE);
    size_t index = ((size_t) pubkey [1] << 16 | (size_t) pubkey [2] << 8 | pubkey [3]) % S_KEY_CACHE_SETS;
    s_key_slot_t *set = &s_key_cache [S_KEY_CACHE_WAYS * index];
    int way = 0;
    while (way < S_KEY_CACHE_WAYS && memcmp (set [way].key, pubkey, ACCORD_PUBKEY_SIZE))
        way++;
    s_key_slot_t slot;
    if (way < S_KEY_CACHE_WAYS)
        slot = set [way];
    else {
        if (s_pubkey_parse (out, pubkey, ACCORD_PUBKEY_SIZE))
            return -1;
        memcpy (slot.key, pubkey, ACCORD_PUBKEY_SIZE);
        slot.parsed = *out;
        way = S_KEY_CACHE_WAYS - 1;             //  the least recent goes
    }
    //  Most recent first
    memmove (&set [1], &set [0], (size_t) way * sizeof *set);
    set [0] = slot;
    *out = slot.parsed;
    return 0;
}

int
accord_sig_verify_key (const uint8_t pubkey [ACCORD_PUBKEY_SIZE], const uint8_t sig [ACCORD_SIG_SIZE],
                       const uint8_t digest [ACCORD_HASH_SIZE])
{
    if (!pubkey || !sig || !digest)
        return -1;
    const secp256k1_context *ctx = s_secp_verify ();
    secp256k1_pubkey parsed_key;
    secp256k1_ecdsa_signature parsed_sig;
    if (s_pubkey_parse_cached (&parsed_key, pubkey) != 0)
        return -1;
    if (!secp256k1_ecdsa_signature_parse_compact (ctx, &parsed_sig, sig))
        return -1;
    return secp256k1_ecdsa_verify (ctx, &parsed_sig, digest, &parsed_key) ? 0 : -1;
}

int
accord_sig_verify_lax (const uint8_t *pubkey, size_t pubkey_len,
                       const uint8_t sig [ACCORD_SIG_SIZE],
                       const uint8_t digest [ACCORD_HASH_SIZE])
{
    return s_verify (pubkey, pubkey_len, sig, digest, 1);
}

//  --------------------------------------------------------------------------
//  Benchmark

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

double
accord_bench_verify_rate (double seconds)
{
    if (!(seconds > 0))
        return -1.0;
    accord_key_t *key = accord_key_new ();
    if (!key)
        return -1.0;
    uint8_t digest [ACCORD_HASH_SIZE];
    uint8_t sig [ACCORD_SIG_SIZE];
    const char *message = "accord verify benchmark";
    accord_sha256 (digest, message, strlen (message));
    int rc = accord_key_sign (key, sig, digest);
    uint8_t pubkey [ACCORD_PUBKEY_SIZE];
    memcpy (pubkey, accord_key_public (key), sizeof pubkey);
    accord_key_destroy (&key);
    if (rc != 0)
        return -1.0;

    //  Reading the clock every verification would cost more than it measures
    const int batch = 32;
    double start = s_now ();
    double elapsed = 0;
    long count = 0;
    do {
        for (int i = 0; i < batch; i++)
            if (accord_sig_verify (pubkey, sizeof pubkey, sig, digest) != 0)
                return -1.0;
        count += batch;
        elapsed = s_now () - start;
    } while (elapsed < seconds);
    return (double) count / elapsed;
}
