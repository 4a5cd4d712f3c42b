/*  accord/jose.h: compact JWS (RFC 7515) with alg ES256K (RFC 8812) and JWT claims
    (RFC 7519).

    ES256K: the signing input is the ASCII of base64url(header) "." base64url(payload), hashed
    with SHA-256; the signature is the 64 raw bytes R || S (not DER). We sign lower-S; we
    verify high-S too (other JOSE libraries may emit it) by normalizing first. We refuse alg
    "none" and every alg but ES256K, and any "crit" header (we implement no extension).
    Header and payload are written in RFC 8785 form; a decoded token keeps the text it came
    with, so signatures from other libraries (other key order, white space) verify. */
#ifndef ACCORD_JOSE_H
#define ACCORD_JOSE_H

#include "accord/crypto.h"
#include "accord/vc.h"
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define ACCORD_JWS_ALG        "ES256K"
#define ACCORD_JWS_MAX_SIZE   (256 * 1024)  //  characters of one compact JWS
#define ACCORD_JWS_MAX_HEADER 4096          //  characters of its base64url header
#define ACCORD_JWS_MAX_SIG    1024          //  characters of its base64url signature
//  Latest NumericDate we accept: 9999-12-31T23:59:59Z
#define ACCORD_JWT_MAX_TIME   INT64_C (253402300799)

typedef struct _accord_jws_t accord_jws_t;

//  Decodes a compact JWS of exactly len characters without verifying it: three parts,
//  strict base64url (no padding, no white space), the header a JSON object with a string
//  "alg", the payload a JSON object (a JWT claims set), the sizes within the limits above.
//  Returns a new JWS, or NULL with a one-line reason.
accord_jws_t *accord_jws_decode (const char *token, size_t len, char *err, size_t err_size);

void accord_jws_destroy (accord_jws_t **self_p);

//  Header and payload (borrowed; valid while the JWS lives).
json_object *accord_jws_header (accord_jws_t *self);
json_object *accord_jws_payload (accord_jws_t *self);

//  Header members alg, typ, kid (borrowed), NULL when absent or not strings.
const char *accord_jws_alg (accord_jws_t *self);
const char *accord_jws_typ (accord_jws_t *self);
const char *accord_jws_kid (accord_jws_t *self);

//  The header rules: alg ES256K, no crit. ACCORD_VC_VALID or ACCORD_VC_E_UNSUPPORTED.
accord_vc_error_t accord_jws_check_header (accord_jws_t *self, accord_vc_result_t *result);

//  Header rules, then the signature with a 33- or 65-byte key (high-S accepted).
//  ACCORD_VC_VALID, ACCORD_VC_E_UNSUPPORTED or ACCORD_VC_E_BAD_SIGNATURE.
accord_vc_error_t accord_jws_verify (accord_jws_t *self, const uint8_t *pubkey,
                                     size_t pubkey_len, accord_vc_result_t *result);

//  Signs: the header is a copy of header (borrowed, may be NULL) with alg set to ES256K, the
//  payload a JSON object (borrowed). New compact JWS, or NULL.
char *accord_jws_sign (accord_key_t *key, json_object *header, json_object *payload);

//  accord_jws_sign with the header {alg, typ, kid} (typ and kid may be NULL).
char *accord_jwt_sign (accord_key_t *key, const char *typ, const char *kid,
                       json_object *claims);

//  Reads NumericDate claim name (a JSON number of seconds; fractions truncated) of claims.
//  Returns 0 found, 1 absent, -2 not a number within [0, ACCORD_JWT_MAX_TIME].
int accord_jwt_get_time (json_object *claims, const char *name, int64_t *seconds);

//  The JWT time rules at now: nbf <= now + leeway, now - leeway < exp, iat (when present) a
//  NumericDate. ACCORD_VC_VALID, NOT_YET_VALID, EXPIRED or MALFORMED.
accord_vc_error_t accord_jwt_check_time (json_object *claims, int64_t now, int64_t leeway,
                                         accord_vc_result_t *result);

//  1 when the aud claim is audience or an array holding it, else 0.
int accord_jwt_has_audience (json_object *claims, const char *audience);

#endif
