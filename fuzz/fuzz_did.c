/*  DID documents and DID strings from any bytes. The input is read as a document for a fixed
    did:accord DID: accord_did_document_check either accepts it (then every key it names
    parses, each purpose answers for that key, and a rotation of its first key gives a document
    that passes the check again) or refuses it with a reason. The input is also read as a DID
    (accord_did_parse, did:key decoding and its document) and each verification method is
    looked up as a kid through accord_did_doc_key. */
#include "accord/did.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/vc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_CHAIN "fuzz-chain"
#define S_DID   "did:accord:fuzz-chain:00112233445566778899aabbccddeeff00112233"

static void
s_document (json_object *doc)
{
    char err [256] = "";
    if (accord_did_document_check (doc, S_DID, err, sizeof err)) {
        if (!err [0])
            abort ();
        return;
    }
    json_object *methods = json_object_object_get (doc, "verificationMethod");
    size_t count = json_object_is_type (methods, json_type_array) ? json_object_array_length (methods) : 0;
    for (size_t i = 0; i < count; i++) {
        json_object *method = json_object_array_get_idx (methods, i);
        uint8_t key [ACCORD_PUBKEY_SIZE], found [ACCORD_PUBKEY_SIZE];
        if (accord_did_method_key (method, key, err, sizeof err))
            abort ();       //  the check said every key parses
        const char *id = accord_json_get_string (method, "id");
        accord_vc_result_t result;
        if (id && accord_did_doc_key (doc, id, "authentication", found, &result) == ACCORD_VC_VALID
        &&  (memcmp (found, key, ACCORD_PUBKEY_SIZE) || !accord_did_key_has_purpose (doc, "authentication", key, NULL)))
            abort ();
        if (i == 0) {
            uint8_t other [ACCORD_PUBKEY_SIZE];
            memcpy (other, key, ACCORD_PUBKEY_SIZE);
            other [ACCORD_PUBKEY_SIZE - 1] ^= 1;    //  another x: on the curve half the time
            char rotated_err [256];
            json_object *rotated = accord_did_rotate (doc, key, other);
            //  A rotated document is checked again as the chain would (the new key may not
            //  be a curve point, then the check refuses it with a reason).
            if (rotated && accord_did_document_check (rotated, S_DID, rotated_err, sizeof rotated_err)
            &&  !rotated_err [0])
                abort ();
            json_object_put (rotated);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    json_object *doc = accord_json_parse ((const char *) data, size, NULL, 0);
    if (doc) {
        s_document (doc);
        json_object_put (doc);
    }
    char *text = malloc (size + 1);
    if (!text)
        abort ();
    memcpy (text, data, size);
    text [size] = 0;
    uint8_t address [ACCORD_DID_ADDRESS_SIZE], key [ACCORD_PUBKEY_SIZE];
    if (accord_did_parse (text, S_CHAIN, address) == 0 && strlen (text) >= ACCORD_DID_MAX)
        abort ();
    char err [256] = "";
    if (accord_did_key_decode (key, text, err, sizeof err) == 0) {
        json_object *document = accord_did_key_document (text, err, sizeof err);
        if (!document)
            abort ();
        json_object_put (document);
    }
    free (text);
    return 0;
}
