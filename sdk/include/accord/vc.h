/*  accord/vc.h: verification results shared by every credential check in Accord (JWS, SD-JWT,
    VC, VP), W3C Verifiable Credentials 2.0 secured as JWT (VC-JOSE-COSE, typ "vc+jwt", alg
    ES256K) and holder-signed presentations (typ "vp+jwt") with nonce and audience.

    A verifier returns ACCORD_VC_VALID or the code of the first check that failed, with a
    one-line message. The offline checks run in this order: malformed, unsupported,
    wrong_type, (key resolution: unknown_did, did_deactivated, key_not_authorized),
    bad_signature, bad_disclosure, bad_key_binding, not_yet_valid, expired, nonce_mismatch,
    audience_mismatch. The chain-backed verifier of accord-identity resolves keys and adds
    issuer_not_recognized, schema_violation, revoked and suspended with the codes reserved
    here; a code travels on the wire as its name. */
#ifndef ACCORD_VC_H
#define ACCORD_VC_H

#include "accord/crypto.h"
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    ACCORD_VC_VALID = 0,
    ACCORD_VC_E_MALFORMED,              //  not a token, JSON or credential we can read
    ACCORD_VC_E_UNSUPPORTED,            //  alg other than ES256K (none too), crit, _sd_alg
    ACCORD_VC_E_WRONG_TYPE,             //  typ is not the one this check expects
    ACCORD_VC_E_UNKNOWN_DID,            //  the DID does not resolve (offline: not did:key)
    ACCORD_VC_E_DID_DEACTIVATED,        //  chain: the DID was deactivated
    ACCORD_VC_E_KEY_NOT_AUTHORIZED,     //  kid not in the DID's relationship, or kid of another DID
    ACCORD_VC_E_BAD_SIGNATURE,          //  a signature does not verify
    ACCORD_VC_E_BAD_DISCLOSURE,         //  SD-JWT: disclosure unreferenced, repeated or ill-formed
    ACCORD_VC_E_BAD_KEY_BINDING,        //  SD-JWT: KB-JWT missing, no cnf, sd_hash or typ wrong
    ACCORD_VC_E_ISSUER_NOT_RECOGNIZED,  //  chain: issuer not in the issuer registry
    ACCORD_VC_E_SCHEMA_VIOLATION,       //  chain: credentialSubject does not match its schema
    ACCORD_VC_E_NOT_YET_VALID,          //  validFrom / nbf / iat after now (+ leeway)
    ACCORD_VC_E_EXPIRED,                //  validUntil / exp passed, or a presentation too old
    ACCORD_VC_E_REVOKED,                //  chain: status list bit set for revocation
    ACCORD_VC_E_SUSPENDED,              //  chain: status list bit set for suspension
    ACCORD_VC_E_NONCE_MISMATCH,
    ACCORD_VC_E_AUDIENCE_MISMATCH,
    ACCORD_VC_E_INTERNAL,               //  allocation failure or no random source
    ACCORD_VC_E__COUNT
} accord_vc_error_t;

#define ACCORD_VC_MESSAGE_SIZE 256

typedef struct {
    accord_vc_error_t code;
    char message [ACCORD_VC_MESSAGE_SIZE];  //  "" when valid
} accord_vc_result_t;

//  Stable lower-case name of a code ("bad_signature", "valid"); "unknown" out of range.
const char *accord_vc_error_name (int code);

//  Code for a name, or ACCORD_VC_E__COUNT when the name is unknown.
accord_vc_error_t accord_vc_error_from_name (const char *name);

//  Records code and a formatted message in result (which may be NULL) and returns code.
//  For verifiers built on these checks, such as the chain-backed one.
accord_vc_error_t accord_vc_fail (accord_vc_result_t *result, accord_vc_error_t code,
                                  const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  What a verifier checks against. Zero-initialize, then set what applies.
typedef struct {
    int64_t now;                //  verification time, seconds since 1970 (UTC)
    int64_t leeway;             //  clock skew forgiven on each time check, seconds (>= 0)
    int64_t max_age;            //  presentations and KB-JWTs: iat at most this many seconds
                                //  old; 0 means ACCORD_VC_DEFAULT_MAX_AGE
    const char *nonce;          //  presentations and KB-JWTs: the nonce the verifier issued
    const char *audience;       //  presentations and KB-JWTs: the verifier's own identifier
    int require_key_binding;    //  SD-JWT: refuse a presentation without a KB-JWT
} accord_vc_verify_opts_t;

#define ACCORD_VC_DEFAULT_MAX_AGE 300

//  Finds the public key of a verification method for a check. kid is a DID URL
//  ("did:...#fragment"); relationship is "assertionMethod" (issuers) or "authentication"
//  (holders). Writes the 33-byte key and returns ACCORD_VC_VALID, or a code (unknown_did,
//  did_deactivated, key_not_authorized, malformed) with result filled in.
typedef accord_vc_error_t (accord_vc_resolver_fn) (void *ctx, const char *kid,
                                                   const char *relationship,
                                                   uint8_t pubkey [ACCORD_PUBKEY_SIZE],
                                                   accord_vc_result_t *result);

//  The offline resolver: did:key DIDs (secp256k1) only; ctx is unused. Any other method is
//  unknown_did (the chain-backed resolver serves did:accord).
accord_vc_error_t accord_vc_resolve_did_key (void *ctx, const char *kid,
                                             const char *relationship,
                                             uint8_t pubkey [ACCORD_PUBKEY_SIZE],
                                             accord_vc_result_t *result);

//  Looks kid up in a DID document (borrowed): the verification method with that id (absolute,
//  or "#fragment" relative to the document id) must be listed under relationship (by
//  reference or embedded); its key is read as Multikey or JsonWebKey2020. A kid without a
//  fragment names the document's only verification method. Returns ACCORD_VC_VALID,
//  key_not_authorized (no such method, or not under relationship) or malformed.
accord_vc_error_t accord_did_doc_key (json_object *doc, const char *kid,
                                      const char *relationship,
                                      uint8_t pubkey [ACCORD_PUBKEY_SIZE],
                                      accord_vc_result_t *result);

//  The validity window of a claims set at opts->now: validFrom / validUntil (VC 2.0), then
//  nbf / exp (JWT). ACCORD_VC_VALID, NOT_YET_VALID, EXPIRED or MALFORMED.
accord_vc_error_t accord_vc_check_window (json_object *claims,
                                          const accord_vc_verify_opts_t *opts,
                                          accord_vc_result_t *result);

//  What a holder's proof (a presentation, or an SD-JWT's key binding JWT) answers to, in
//  order: its iat not after now + leeway (not_yet_valid) nor older than max_age + leeway
//  (expired), its nbf / exp (accord_jwt_check_time), then its nonce and aud against opts
//  (nonce_mismatch, audience_mismatch). what names it in the messages.
accord_vc_error_t accord_vc_check_holder_proof (json_object *claims,
                                                const accord_vc_verify_opts_t *opts,
                                                const char *what, accord_vc_result_t *result);

//  --------------------------------------------------------------------------
//  Dates: XML Schema dateTimeStamp as VC 2.0 uses it (RFC 3339 with Z or +hh:mm / -hh:mm)

#define ACCORD_DATETIME_SIZE 21     //  "2025-01-31T12:00:00Z" and its NUL

//  Parses a dateTimeStamp (years 0001 to 9999, fractions of a second truncated) into seconds
//  since 1970. Returns 0, or -2 when the text is not one.
int accord_datetime_parse (const char *text, int64_t *seconds);

//  Formats seconds since 1970 as "YYYY-MM-DDThh:mm:ssZ". Returns 0, or -1 out of range.
int accord_datetime_format (char out [ACCORD_DATETIME_SIZE], int64_t seconds);

//  --------------------------------------------------------------------------
//  Credentials

#define ACCORD_VC_CONTEXT_V2 "https://www.w3.org/ns/credentials/v2"

typedef struct {
    const char *id;                 //  optional: the credential's URL or URN
    const char *const *types;       //  optional: NULL-terminated types after VerifiableCredential
    const char *issuer;             //  required: the issuer's DID
    int64_t valid_from;             //  required: seconds since 1970
    int64_t valid_until;            //  optional (0: none); after valid_from
    json_object *subject;           //  required: credentialSubject object (copied)
    const char *schema_id;          //  optional: credentialSchema {id, type: JsonSchema}
    json_object *status;            //  optional: credentialStatus object (copied)
} accord_vc_params_t;

//  Builds a VC 2.0 credential: @context [v2], type, id, issuer, validFrom, validUntil,
//  credentialSubject, credentialSchema, credentialStatus. New object, or NULL with a reason.
json_object *accord_vc_build (const accord_vc_params_t *params, char *err, size_t err_size);

//  A BitstringStatusListEntry for credentialStatus: the list credential's URL, the index of
//  the credential's bit, and the purpose ("revocation" or "suspension"); its id is
//  "<list>#<index>" (accord_statuslist_entry builds it). New object or NULL.
json_object *accord_vc_status_entry (const char *list_credential, uint64_t index,
                                     const char *purpose);

//  The structural rules Accord holds a credential to (borrowed): @context starting with the
//  v2 context, type including VerifiableCredential, issuer (string or object with id),
//  credentialSubject (object or array of objects), validFrom / validUntil as dateTimeStamp
//  in order, credentialSchema and credentialStatus objects with id/type. Returns valid or
//  malformed.
accord_vc_error_t accord_vc_check (json_object *credential, accord_vc_result_t *result);

//  The issuer's id (issuer, or issuer.id), borrowed, or NULL.
const char *accord_vc_issuer (json_object *credential);

//  1 when the DID part of the DID URL kid (up to '#', '?' or '/') is did, else 0.
int accord_vc_kid_of (const char *kid, const char *did);

//  Secures a credential as a compact JWS: header {alg ES256K, typ vc+jwt, cty vc, kid}, the
//  JWT claims set is the credential itself (RFC 8785 serialization). kid is the issuer's
//  verification method (required; its DID must be the issuer). New string or NULL.
char *accord_vc_jwt_sign (accord_key_t *key, const char *kid, json_object *credential,
                          char *err, size_t err_size);

//  Verifies a vc+jwt with the issuer's key (33 or 65 bytes): decoding, alg, typ, the
//  credential's structure, kid naming the issuer's DID when present, the signature, then the
//  validity window (validFrom / validUntil, and nbf / exp when present) at opts->now. On
//  valid, *credential_out (may be NULL) gets the credential (caller puts it).
accord_vc_error_t accord_vc_jwt_verify (const char *token, size_t len,
                                        const uint8_t *issuer_key, size_t issuer_key_len,
                                        const accord_vc_verify_opts_t *opts,
                                        json_object **credential_out,
                                        accord_vc_result_t *result);

//  The same with the key found through resolve (kid required, relationship
//  assertionMethod).
accord_vc_error_t accord_vc_jwt_verify_resolve (const char *token, size_t len,
                                                accord_vc_resolver_fn *resolve, void *ctx,
                                                const accord_vc_verify_opts_t *opts,
                                                json_object **credential_out,
                                                accord_vc_result_t *result);

//  --------------------------------------------------------------------------
//  Presentations

typedef struct {
    const char *holder;                 //  required: the holder's DID
    const char *kid;                    //  required: verification method of the holder's key
    const char *const *credentials;     //  vc+jwt tokens, enveloped as data: URLs
    size_t credential_count;
    const char *nonce;                  //  required: the verifier's challenge
    const char *audience;               //  required: the verifier
    int64_t issued_at;                  //  iat, seconds since 1970
    int64_t expires_in;                 //  optional: exp = iat + this (0: no exp)
} accord_vp_params_t;

//  A VP 2.0 secured as JWT: header {alg ES256K, typ vp+jwt, cty vp, kid}, claims
//  {@context, type [VerifiablePresentation], holder, verifiableCredential [
//  EnvelopedVerifiableCredential "data:application/vc+jwt,..."], nonce, aud, iat, exp}.
//  New string or NULL with a reason.
char *accord_vp_jwt_sign (accord_key_t *key, const accord_vp_params_t *params,
                          char *err, size_t err_size);

//  Verifies a vp+jwt: structure, kid of the holder's DID (relationship authentication) and the
//  holder's signature, then each enveloped credential as accord_vc_jwt_verify_resolve does
//  (message prefixed "credential N:"), then iat / exp (iat within opts->max_age), nonce and
//  audience. On valid, *presentation_out gets the presentation and *credentials_out an array
//  of the credentials (each may be NULL; caller puts them).
accord_vc_error_t accord_vp_jwt_verify (const char *token, size_t len,
                                        accord_vc_resolver_fn *resolve, void *ctx,
                                        const accord_vc_verify_opts_t *opts,
                                        json_object **presentation_out,
                                        json_object **credentials_out,
                                        accord_vc_result_t *result);

#endif
