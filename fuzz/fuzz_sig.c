/*  Fuzzes signature verification with untrusted public keys, signatures and digests.
    Input: key length selector (1) | signature (64) | digest (32) | public key (the rest,
    passed with its real length and also cut to 33 and 65 bytes). Shorter inputs are
    zero-padded. Nothing here may crash, whatever the bytes. */
#include "accord/crypto.h"
#include <stdlib.h>
#include <string.h>

#define S_HEADER (1 + ACCORD_SIG_SIZE + ACCORD_HASH_SIZE)

static void
s_check (const uint8_t *pubkey, size_t pubkey_len, const uint8_t *sig, const uint8_t *digest)
{
    //  Exact-size heap copies, so ASan sees any read past the key
    uint8_t *key = malloc (pubkey_len ? pubkey_len : 1);
    if (!key)
        return;
    memcpy (key, pubkey, pubkey_len);
    int strict = accord_sig_verify (key, pubkey_len, sig, digest);
    int lax = accord_sig_verify_lax (key, pubkey_len, sig, digest);
    int check = accord_pubkey_check (key, pubkey_len);
    //  Whatever strict accepts, lax accepts too; both need a valid key
    if ((strict == 0 && lax != 0) || (lax == 0 && check != 0))
        abort ();
    free (key);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t header [S_HEADER] = { 0 };
    memcpy (header, data, size < S_HEADER ? size : S_HEADER);
    uint8_t sig [ACCORD_SIG_SIZE];
    uint8_t digest [ACCORD_HASH_SIZE];
    memcpy (sig, header + 1, sizeof sig);
    memcpy (digest, header + 1 + ACCORD_SIG_SIZE, sizeof digest);
    const uint8_t *rest = size > S_HEADER ? data + S_HEADER : data;
    size_t rest_len = size > S_HEADER ? size - S_HEADER : 0;

    s_check (rest, rest_len, sig, digest);
    //  The interesting lengths, with the selector choosing the prefix byte
    uint8_t key [65] = { 0 };
    memcpy (key, rest, rest_len < sizeof key ? rest_len : sizeof key);
    if (header [0] & 0x80)
        key [0] = (uint8_t) (0x02 + (header [0] & 0x07));
    s_check (key, 33, sig, digest);
    s_check (key, 65, sig, digest);
    return 0;
}
