/*  accord/keyfmt.h: the text forms of a secp256k1 public key that DIDs and JOSE use, and
    local resolution of did:key.

    - Multikey publicKeyMultibase: 'z' + base58btc (varint 0xe7 "secp256k1-pub" = e7 01,
      then the 33-byte compressed key). Always starts "zQ3s".
    - did:key: "did:key:" + the Multikey value.
    - JWK (RFC 7517/8812): {"kty":"EC","crv":"secp256k1","x":..,"y":..}, x and y the 32-byte
      big-endian coordinates in base64url.

    Decoders take untrusted text and return -2 with a one-line reason in err (may be NULL). */
#ifndef ACCORD_KEYFMT_H
#define ACCORD_KEYFMT_H

#include "accord/crypto.h"
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define ACCORD_MULTICODEC_SECP256K1_PUB 0xe7
#define ACCORD_DID_KEY_PREFIX           "did:key:"
//  Longest Multikey text we read (a secp256k1 value is 49 characters)
#define ACCORD_MULTIKEY_MAX_TEXT        128

//  Multikey publicKeyMultibase of a 33-byte compressed key. New string or NULL (key invalid).
char *accord_multikey_encode (const uint8_t pubkey [ACCORD_PUBKEY_SIZE]);

//  Reads a publicKeyMultibase of len characters. Returns 0, -2 malformed (another multibase
//  than 'z', bad base58, another key type, wrong length, not a curve point).
int accord_multikey_decode (uint8_t pubkey [ACCORD_PUBKEY_SIZE], const char *text, size_t len,
                            char *err, size_t err_size);

//  "did:key:zQ3s..." for a compressed key. New string or NULL.
char *accord_did_key_encode (const uint8_t pubkey [ACCORD_PUBKEY_SIZE]);

//  The key of a did:key DID (NUL-terminated; a DID URL with path, query or fragment is
//  refused). Returns 0 or -2.
int accord_did_key_decode (uint8_t pubkey [ACCORD_PUBKEY_SIZE], const char *did,
                           char *err, size_t err_size);

//  The DID document a did:key resolves to (W3C DID Core, did:key method): @context, id, one
//  Multikey verification method "<did>#<multibase>", listed under authentication,
//  assertionMethod, capabilityInvocation and capabilityDelegation. New object, or NULL with a
//  reason when did is not a secp256k1 did:key.
json_object *accord_did_key_document (const char *did, char *err, size_t err_size);

//  Public JWK {kty, crv, x, y} of a key (33 or 65 bytes). New object or NULL.
json_object *accord_jwk_from_pubkey (const uint8_t *pubkey, size_t pubkey_len);

//  The compressed key of a public JWK (borrowed). Refuses other kty / crv (also the
//  non-standard "P-256K"), x or y not 32 bytes, a point not on the curve, a private member
//  "d", an "alg" other than ES256K and a "use" other than "sig". Returns 0 or -2.
int accord_jwk_to_pubkey (uint8_t pubkey [ACCORD_PUBKEY_SIZE], json_object *jwk,
                          char *err, size_t err_size);

//  RFC 7638 JWK thumbprint: base64url SHA-256 of the required members (EC: crv kty x y;
//  RSA: e kty n; OKP: crv kty x) in RFC 8785 form. New string, or NULL when the JWK lacks
//  them.
char *accord_jwk_thumbprint (json_object *jwk);

//  The key of a verification method object (borrowed): type Multikey (publicKeyMultibase)
//  or JsonWebKey2020 / JsonWebKey (publicKeyJwk). Returns 0 or -2.
int accord_vm_public_key (uint8_t pubkey [ACCORD_PUBKEY_SIZE], json_object *vm,
                          char *err, size_t err_size);

#endif
