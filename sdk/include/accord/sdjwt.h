/*  accord/sdjwt.h: Selective Disclosure for JWTs (SD-JWT, RFC 9901) signed with ES256K.

    Compact form: <issuer-signed JWT>~<disclosure>~...~<KB-JWT or nothing>. A disclosure is
    base64url of the JSON array [salt, name, value] (object property) or [salt, value] (array
    element); its digest is base64url (SHA-256 (the disclosure's ASCII)), listed in an "_sd"
    array of the object (or as {"...": digest} in place of the array element) with
    "_sd_alg": "sha-256" at the top. Salts are 16 bytes from the OS (accord_random), so a
    hidden value cannot be guessed from its digest. Key binding: the issuer puts the holder's
    key in cnf.jwk; the holder adds a KB-JWT (typ kb+jwt) with iat, nonce, aud and sd_hash,
    the digest of everything before it.

    Claims are named by JSON Pointer (RFC 6901): "/credentialSubject/address/locality",
    "/nationalities/1". */
#ifndef ACCORD_SDJWT_H
#define ACCORD_SDJWT_H

#include "accord/crypto.h"
#include "accord/vc.h"
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define ACCORD_SDJWT_MAX_SIZE        (512 * 1024)   //  characters of one compact SD-JWT
#define ACCORD_SDJWT_MAX_DISCLOSURES 256
#define ACCORD_SDJWT_MAX_DECOYS      16             //  per _sd array
#define ACCORD_SDJWT_MAX_DEPTH       64             //  nesting, across disclosures
#define ACCORD_SDJWT_SALT_SIZE       16             //  bytes of salt (128 bits)
#define ACCORD_SDJWT_DIGEST_SIZE     44             //  43 base64url characters and a NUL
#define ACCORD_SDJWT_TYP             "vc+sd-jwt"    //  default typ of the issuer-signed JWT
#define ACCORD_SDJWT_KB_TYP          "kb+jwt"

//  base64url (SHA-256 (text)): the digest of a disclosure, or the sd_hash of a presentation.
void accord_sdjwt_digest (char out [ACCORD_SDJWT_DIGEST_SIZE], const char *text, size_t len);

typedef struct {
    const char *typ;                //  header typ; NULL: ACCORD_SDJWT_TYP (must end "sd-jwt")
    const char *kid;                //  header kid; optional
    const uint8_t *holder_key;      //  33 bytes: adds cnf.jwk for key binding; optional
    size_t decoys;                  //  decoy digests added to each _sd array
} accord_sdjwt_issue_opts_t;

//  Issues an SD-JWT over claims (a JSON object, borrowed): each of the paths becomes
//  selectively disclosable (object members at any depth, array elements); a path inside
//  another disclosable claim gives recursive disclosures. _sd arrays are sorted. Refused:
//  claims holding "_sd" or "...", top-level "_sd_alg" (and "cnf" with a holder key), paths to
//  top-level iss, iat, nbf, exp, cnf, @context, type, issuer, validFrom, validUntil, missing
//  or repeated paths. opts may be NULL. Returns the compact SD-JWT with every disclosure
//  (ends with '~'), or NULL with a reason.
char *accord_sdjwt_issue (accord_key_t *issuer, json_object *claims,
                          const char *const *paths, size_t path_count,
                          const accord_sdjwt_issue_opts_t *opts, char *err, size_t err_size);

//  The JSON Pointers of the claims an SD-JWT can disclose, in the order of its disclosures
//  (the signature is not checked). New array of strings, or NULL with a reason.
json_object *accord_sdjwt_disclosable (const char *sdjwt, size_t len, char *err,
                                      size_t err_size);

//  The holder's presentation of an issued SD-JWT: keeps the disclosures of the claims at
//  paths, of the claims on the way to them and inside them; drops the rest. With a holder
//  key (which must match cnf.jwk) appends a KB-JWT {iat: now, nonce, aud, sd_hash}; without,
//  the result ends with '~'. A path that names no claim is an error. New string or NULL.
char *accord_sdjwt_present (const char *sdjwt, size_t len,
                            const char *const *paths, size_t path_count,
                            accord_key_t *holder, const char *nonce, const char *audience,
                            int64_t now, char *err, size_t err_size);

//  RFC 9901 processing of disclosures against an issuer-signed payload (borrowed), without
//  any signature: finds every digest (in _sd arrays and {"...": digest} array elements),
//  replaces it with its disclosure (recursively), drops undisclosed elements, _sd and
//  _sd_alg. Refuses (bad_disclosure) a digest seen twice, a disclosure given twice or not
//  referenced, a name "_sd" / "..." or one the object has already, a disclosure of the wrong
//  shape for its place; _sd_alg other than sha-256 is unsupported. On valid, *claims_out gets
//  the processed claims (caller puts them).
accord_vc_error_t accord_sdjwt_process (json_object *payload,
                                        const char *const *disclosures, size_t count,
                                        json_object **claims_out,
                                        accord_vc_result_t *result);

//  Verifies an SD-JWT with the issuer's key, in this order: the form and every part
//  (malformed); alg of both JWTs and _sd_alg (unsupported); typ "...sd-jwt" and "kb+jwt"
//  (wrong_type); the issuer's signature (bad_signature); disclosures (bad_disclosure); key
//  binding: a KB-JWT when opts->require_key_binding, cnf.jwk, the KB-JWT's signature
//  (bad_signature), sd_hash (bad_key_binding); validity window of the claims and iat of the
//  KB-JWT (not_yet_valid, expired); the KB-JWT's nonce and aud against opts (nonce_mismatch,
//  audience_mismatch). A KB-JWT that is present is always checked. On valid, *claims_out gets
//  the disclosed claims (caller puts them).
accord_vc_error_t accord_sdjwt_verify (const char *sdjwt, size_t len,
                                       const uint8_t *issuer_key, size_t issuer_key_len,
                                       const accord_vc_verify_opts_t *opts,
                                       json_object **claims_out, accord_vc_result_t *result);

//  The same with the issuer's key found through resolve: the header's kid (required) must
//  name a key of the payload's issuer (a credential's issuer, else iss; key_not_authorized
//  otherwise), resolved for assertionMethod after the type checks, before the signature.
accord_vc_error_t accord_sdjwt_verify_resolve (const char *sdjwt, size_t len,
                                               accord_vc_resolver_fn *resolve, void *ctx,
                                               const accord_vc_verify_opts_t *opts,
                                               json_object **claims_out,
                                               accord_vc_result_t *result);

#endif
