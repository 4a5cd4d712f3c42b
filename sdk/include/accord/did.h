/*  accord/did.h: did:accord identifiers and the checks every DID document on the chain passes.

    A DID is did:accord:<chain id>:<address>, the address being the lower-case hex of the first
    20 bytes of SHA-256(the creating key, 33 bytes compressed). The creating transaction is
    signed by that key, which proves possession.

    A document (W3C DID Core) is a JSON object with "id", optional "controller" (a DID or an
    array of DIDs), "verificationMethod" (each {id, type, controller, and publicKeyMultibase for
    type Multikey, or publicKeyJwk {kty EC, crv secp256k1, x, y} for JsonWebKey2020}),
    "authentication" and "assertionMethod" (arrays of references to verification method ids,
    absolute "DID#frag" or relative "#frag"), and "service" (each {id, type, serviceEndpoint}).
    Other properties are kept as they are. */
#ifndef ACCORD_DID_H
#define ACCORD_DID_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "crypto.h"

#define ACCORD_DID_MAX            160
#define ACCORD_DID_ADDRESS_SIZE   20
#define ACCORD_DID_DOC_MAX        (16 * 1024)   //  canonical bytes
#define ACCORD_DID_METHODS_MAX    32            //  verification methods, and services

//  did:accord:<chain_id>:<address of key> into out (at least ACCORD_DID_MAX bytes).
void accord_did_for_key (char *out, const char *chain_id, const uint8_t key [ACCORD_PUBKEY_SIZE]);

//  Splits a did:accord DID of this chain. 0 with the address, or -1 (not a DID of this chain).
int accord_did_parse (const char *did, const char *chain_id, uint8_t address [ACCORD_DID_ADDRESS_SIZE]);

//  The 33-byte key of a verification method (Multikey or JsonWebKey2020 for secp256k1).
//  0, or -1 with a reason.
int accord_did_method_key (json_object *method, uint8_t key [ACCORD_PUBKEY_SIZE], char *err, size_t err_size);

//  Checks a document for DID did: structure, sizes, keys that parse, references that resolve
//  to its own verification methods. 0, or -1 with the first problem in err.
int accord_did_document_check (json_object *doc, const char *did, char *err, size_t err_size);

//  1 when key is one of the document's keys for purpose ("authentication" or
//  "assertionMethod"), else 0. When method_id is not NULL, the key must also be the one of
//  that verification method id (absolute or relative).
int accord_did_key_has_purpose (json_object *doc, const char *purpose, const uint8_t key [ACCORD_PUBKEY_SIZE],
                                const char *method_id);

//  0 when sig (compact ES256K) over digest verifies with one of the document's
//  assertionMethod keys (what a DID signs statements with, e.g. its events), else -1.
int accord_did_verify_assertion (json_object *doc, const uint8_t digest [ACCORD_HASH_SIZE],
                                 const uint8_t sig [ACCORD_SIG_SIZE]);

//  The default document of a new DID: one Multikey method "#key-1" for key, used for
//  authentication and assertion (caller puts).
json_object *accord_did_default_document (const char *did, const uint8_t key [ACCORD_PUBKEY_SIZE]);

//  A Multikey verification method {id: did#fragment, type, controller, publicKeyMultibase}.
json_object *accord_did_multikey_method (const char *did, const char *fragment, const uint8_t key [ACCORD_PUBKEY_SIZE]);

//  A copy of doc where the verification method of old_key is replaced by a Multikey for
//  new_key (fragment key-<8 hex of its hash>) in the methods and every purpose that referred
//  to it. NULL when no method has old_key (caller puts).
json_object *accord_did_rotate (json_object *doc, const uint8_t old_key [ACCORD_PUBKEY_SIZE],
                                const uint8_t new_key [ACCORD_PUBKEY_SIZE]);

#endif
