/*  accord_tx_decode on any bytes. What it accepts must be canonical: the stored encoding is the
    input, decoding that encoding again gives the same transaction hash, and the hash is
    SHA-256("accord.tx.v1" || every byte before the signature) as tx.h documents. Verifying and
    the JSON view must not crash whatever the sender key and signature are. */
#include "accord/crypto.h"
#include "accord/tx.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err [160];
    accord_tx_t *tx = accord_tx_decode (data, size, err, sizeof err);
    if (!tx)
        return 0;
    if (tx->raw_len != size || memcmp (tx->raw, data, size) != 0 || size < ACCORD_SIG_SIZE)
        abort ();
    if (tx->args [tx->args_len] != 0 || strlen (tx->args) != tx->args_len)
        abort ();

    //  Decoding the stored encoding again names the same transaction
    accord_tx_t *again = accord_tx_decode (tx->raw, tx->raw_len, NULL, 0);
    if (!again || memcmp (again->hash, tx->hash, ACCORD_HASH_SIZE) != 0
    ||  memcmp (again->sig, tx->sig, ACCORD_SIG_SIZE) != 0 || again->nonce != tx->nonce)
        abort ();
    accord_tx_destroy (&again);

    //  The hash covers exactly the bytes before the signature
    static const char tag [] = "accord.tx.v1";
    uint8_t *tagged = malloc (sizeof tag - 1 + size);
    if (!tagged)
        abort ();
    memcpy (tagged, tag, sizeof tag - 1);
    memcpy (tagged + sizeof tag - 1, data, size - ACCORD_SIG_SIZE);
    uint8_t hash [ACCORD_HASH_SIZE];
    accord_sha256 (hash, tagged, sizeof tag - 1 + size - ACCORD_SIG_SIZE);
    free (tagged);
    if (memcmp (hash, tx->hash, ACCORD_HASH_SIZE) != 0)
        abort ();

    //  The constructor accepts every field the decoder accepted
    accord_tx_t *built = accord_tx_new (tx->chain_id, tx->module, tx->method, tx->args,
                                        tx->nonce, tx->expiry);
    if (!built)
        abort ();               //  the decoder accepted fields the constructor refuses
    accord_tx_destroy (&built);

    int verified = accord_tx_verify (tx);
    if (verified != 0 && verified != -1)
        abort ();
    json_object *json = accord_tx_to_json (tx);
    json_object_put (json);
    accord_tx_destroy (&tx);
    return 0;
}
