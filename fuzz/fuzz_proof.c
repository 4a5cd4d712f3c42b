/*  accord_proof_verify on any JSON (parsed with accord_json_parse), against a fixed set of four
    validators: the keys whose secrets are 1, 2, 3 and 4. A proof that holds must give back a
    header with the proof's height, naming this validator set. */
#include "accord/json.h"
#include "accord/proof.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static accord_validators_t s_set;

static void
s_init_set (void)
{
    if (s_set.count)
        return;
    for (uint8_t i = 0; i < 4; i++) {
        uint8_t secret [ACCORD_SECRET_SIZE] = { 0 };
        secret [ACCORD_SECRET_SIZE - 1] = (uint8_t) (i + 1);
        accord_key_t *key = accord_key_new_from_secret (secret);
        if (!key)
            abort ();
        memcpy (s_set.keys [i], accord_key_public (key), ACCORD_PUBKEY_SIZE);
        accord_key_destroy (&key);
    }
    s_set.count = 4;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_init_set ();
    char err [256];
    json_object *proof = accord_json_parse ((const char *) data, size, err, sizeof err);
    if (!proof)
        return 0;
    accord_header_t header;
    err [0] = 0;
    if (accord_proof_verify (proof, &s_set, &header, err, sizeof err) == 0) {
        int64_t height;
        uint8_t set_hash [ACCORD_HASH_SIZE];
        accord_validators_hash (&s_set, set_hash);
        if (accord_json_get_int64 (proof, "height", 1, INT64_MAX, &height)
        ||  header.height != (uint64_t) height
        ||  memcmp (header.validators_hash, set_hash, ACCORD_HASH_SIZE) != 0)
            abort ();
    }
    else if (!err [0])
        abort ();
    json_object_put (proof);
    return 0;
}
