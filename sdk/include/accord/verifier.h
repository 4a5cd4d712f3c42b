/*  accord/verifier.h: the chain-backed verifier. Verifies a credential (vc+jwt or SD-JWT) or a
    presentation (vp+jwt) against what the chain says: the issuer's and holder's DID documents
    (did:accord from the chain, did:key locally), the issuer registry, the credential's schema
    and its status lists.

    The verifier reads the chain through one function, accord_chain_query_fn, so each user
    puts its own source behind it: the CLI queries its member's node over RPC
    (accord_verifier_client_query), accord-identity answers from its Redis cache and falls
    back to the node, a benchmark serves from memory. The query names the same module, method
    and arguments as a QUERY to the node (chain/README.md):

        did.resolve    {did}                   DID Resolution result (current version)
        issuer.get     {did}                   issuer record {did, name, recognized, types, ...}
        schema.get     {id}                    schema record {id, publisher, ..., schema}
        status.get     {id}                    status list record {id, issuer, purpose, size,
                                               encodedList, ...}

    Checks, in order, stopping at the first that fails (codes in accord/vc.h):
        the offline checks of the format (malformed, unsupported, wrong_type), the key of kid
        (unknown_did, did_deactivated, key_not_authorized), the signature (bad_signature),
        disclosures and key binding (SD-JWT), the validity window (not_yet_valid, expired);
        then, on the verified claims: the issuer registry when asked for
        (issuer_not_recognized), credentialSchema (schema_violation), each credentialStatus
        entry (revoked, suspended); for a presentation, nonce and audience
        (nonce_mismatch, audience_mismatch) and every enveloped credential.
    An SD-JWT's disclosed claims must still pass accord_vc_check (malformed otherwise), and
    its schema is checked on what was disclosed: a claim the holder may withhold must be
    optional in the schema. A schema (type JsonSchema) validates the whole credential; another
    credentialSchema type is unsupported. A status entry is a BitstringStatusListEntry whose
    statusListCredential names a list of the credential's own issuer, with the entry's
    purpose; anything else about it (another issuer's list, a list not on the chain, an index
    outside it) is malformed.
    A source that cannot answer (node down) gives ACCORD_VC_E_INTERNAL with its reason:
    a verifier never says valid without having checked. Status lists come from status_bit
    when the caller gives one (a source that keeps lists decoded), else from status.get,
    decoded for each check. */
#ifndef ACCORD_VERIFIER_H
#define ACCORD_VERIFIER_H

#include "accord/did.h"
#include "accord/statuslist.h"
#include "accord/vc.h"
#include "accord/wire.h"
#include <json-c/json.h>
#include <stddef.h>

//  Answers module.method(args) on committed chain state. Returns ACCORD_OK with *result (new,
//  caller puts), ACCORD_E_NOT_FOUND (no such record), or another accord/error.h code with a
//  reason in err (the source could not answer).
typedef int (accord_chain_query_fn) (void *ctx, const char *module, const char *method,
                                     json_object *args, json_object **result,
                                     char *err, size_t err_size);

//  A query function over a node's client RPC; ctx is an accord_client_t *.
int accord_verifier_client_query (void *ctx, const char *module, const char *method,
                                  json_object *args, json_object **result,
                                  char *err, size_t err_size);

//  One status bit as the verifier needs it: whose list it is, for what, and the bit.
typedef struct {
    char issuer [ACCORD_DID_MAX];       //  the DID that publishes the list
    char purpose [16];                  //  "revocation" or "suspension"
    int bit;                            //  1 set, 0 clear, -1 index outside the list
} accord_status_bit_t;

//  Optional source of status bits for list_id (a credential's statusListCredential). Returns
//  ACCORD_OK with *out, ACCORD_E_NOT_FOUND (no such list), ACCORD_E_MALFORMED (a record that
//  does not read), or another code with a reason (could not answer). A source that keeps
//  lists decoded answers here without decompressing encodedList for every check; without
//  one the verifier asks status.get and decodes the list each time.
typedef int (accord_status_bit_fn) (void *ctx, const char *list_id, uint64_t index,
                                    accord_status_bit_t *out, char *err, size_t err_size);

//  Reads a status.get record (borrowed): issuer and purpose into *meta (bit left 0) and the
//  decoded list into *list (caller destroys). For sources that cache decoded lists. Returns
//  0, or -2 with a reason (missing fields, encodedList that does not decode).
int accord_status_record_decode (json_object *record, accord_status_bit_t *meta,
                                 accord_statuslist_t **list, char *err, size_t err_size);

typedef struct {
    accord_chain_query_fn *query;       //  required
    void *query_ctx;
    accord_status_bit_fn *status_bit;   //  optional: decoded status lists (see above)
    void *status_ctx;
    accord_vc_verify_opts_t opts;       //  now, leeway, nonce, audience, key binding, max age
    int require_recognized_issuer;      //  issuer must be recognized in the issuer registry
    const char *issuer_type;            //  optional: ... and hold this issuer type
    int skip_status;                    //  do not check credentialStatus (offline use)
} accord_verifier_t;

//  The resolver of accord/vc.h over the verifier's query: did:key locally, did:accord through
//  did.resolve (unknown_did, did_deactivated, key_not_authorized). ctx is the verifier.
accord_vc_error_t accord_verifier_resolve (void *ctx, const char *kid, const char *relationship,
                                           uint8_t pubkey [ACCORD_PUBKEY_SIZE],
                                           accord_vc_result_t *result);

//  Verifies a credential: a vc+jwt, or an SD-JWT (told apart by the '~'). On valid,
//  *claims_out (may be NULL) gets the credential's verified claims (for an SD-JWT, the
//  disclosed ones); caller puts them.
accord_vc_error_t accord_verify_credential (const accord_verifier_t *verifier, const char *token,
                                            size_t len, json_object **claims_out,
                                            accord_vc_result_t *result);

//  Verifies a vp+jwt and every credential in it (message prefixed "credential N: "). On
//  valid, *presentation_out (may be NULL) gets the presentation's claims; caller puts them.
accord_vc_error_t accord_verify_presentation (const accord_verifier_t *verifier,
                                              const char *token, size_t len,
                                              json_object **presentation_out,
                                              accord_vc_result_t *result);

//  The status check alone: the status of each credentialStatus entry of claims (borrowed).
//  valid, revoked, suspended, malformed (entry unreadable, list missing or index out of the
//  list) or internal.
accord_vc_error_t accord_verify_status (const accord_verifier_t *verifier, json_object *claims,
                                        accord_vc_result_t *result);

//  --------------------------------------------------------------------------
//  An in-memory source: fixed records, for tests, benchmarks and fuzzing, or for a verifier
//  handed everything it needs ahead of time. A record is found by module, method and the
//  query's "id" (or "did") argument. Status lists put under status.get are decoded once
//  and answered by accord_memory_source_status_bit. Not thread-safe.

typedef struct _accord_memory_source_t accord_memory_source_t;

accord_memory_source_t *accord_memory_source_new (void);
void accord_memory_source_destroy (accord_memory_source_t **self_p);

//  Serves *record_p (taken over and NULLed) for module.method with "id" or "did" = key,
//  replacing what was there. Returns 0, or -1 (a status.get record that does not decode, or
//  allocation failure; the record is dropped).
int accord_memory_source_put (accord_memory_source_t *self, const char *module,
                              const char *method, const char *key, json_object **record_p);

//  accord_chain_query_fn with ctx an accord_memory_source_t: the record (a new reference) or
//  ACCORD_E_NOT_FOUND.
int accord_memory_source_query (void *ctx, const char *module, const char *method,
                                json_object *args, json_object **result,
                                char *err, size_t err_size);

//  accord_status_bit_fn with ctx an accord_memory_source_t, from the lists decoded at put.
int accord_memory_source_status_bit (void *ctx, const char *list_id, uint64_t index,
                                     accord_status_bit_t *out, char *err, size_t err_size);

#endif
