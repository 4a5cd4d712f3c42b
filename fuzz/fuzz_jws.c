/*  Untrusted text as a compact JWS, a VC-JWT, a VP-JWT, a did:key, a JWK and a date.
    Nothing may crash or leak; a result is a known code with no output unless valid; what
    decodes must re-sign and verify with our key; keys and dates round-trip. */
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/vc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  The first did:key vector's secret (w3c-ccg did-method-key)
static const uint8_t s_secret [32] = {
    0x90, 0x85, 0xd2, 0xbe, 0xf6, 0x92, 0x86, 0xa6, 0xcb, 0xb5, 0x16, 0x23, 0xc8, 0xfa, 0x25, 0x86,
    0x29, 0x94, 0x5c, 0xd5, 0x5c, 0xa7, 0x05, 0xcc, 0x4e, 0x66, 0x70, 0x03, 0x96, 0x89, 0x4e, 0x0c
};
static accord_key_t *s_key;

static void
s_check_code (accord_vc_error_t code, const accord_vc_result_t *result, json_object *out)
{
    if (code < 0 || code >= ACCORD_VC_E__COUNT || code != result->code)
        abort ();
    if ((code == ACCORD_VC_VALID) != (out != NULL))
        abort ();
    if (strlen (result->message) >= ACCORD_VC_MESSAGE_SIZE)
        abort ();
}

static void
s_jws (const char *text, size_t len)
{
    char err [256];
    accord_jws_t *jws = accord_jws_decode (text, len, err, sizeof err);
    if (!jws)
        return;
    json_object *header = accord_jws_header (jws);
    json_object *payload = accord_jws_payload (jws);
    if (!header || !payload || !accord_jws_alg (jws))
        abort ();
    accord_vc_result_t result;
    accord_vc_error_t code = accord_jws_verify (jws, accord_key_public (s_key), 33, &result);
    if (code != ACCORD_VC_VALID && code != ACCORD_VC_E_UNSUPPORTED
    &&  code != ACCORD_VC_E_BAD_SIGNATURE)
        abort ();
    (void) accord_jwt_check_time (payload, 1767225600, 60, &result);
    (void) accord_jwt_has_audience (payload, "https://verifier.example");

    //  Whatever decodes, we can sign, and that verifies to the same claims
    char *token = accord_jwt_sign (s_key, accord_jws_typ (jws), accord_jws_kid (jws), payload);
    if (!token)
        abort ();
    accord_jws_t *again = accord_jws_decode (token, strlen (token), err, sizeof err);
    if (!again && strlen (token) <= ACCORD_JWS_MAX_SIZE)
        abort ();
    if (again) {
        if (accord_jws_verify (again, accord_key_public (s_key), 33, &result) != ACCORD_VC_VALID)
            abort ();
        char *a = accord_json_canonical (payload);
        char *b = accord_json_canonical (accord_jws_payload (again));
        if (!a || !b || strcmp (a, b) != 0)
            abort ();
        free (a);
        free (b);
    }
    accord_jws_destroy (&again);
    free (token);
    accord_jws_destroy (&jws);
}

static void
s_credentials (const char *text, size_t len)
{
    accord_vc_verify_opts_t opts = { .now = 1767225600, .leeway = 60,
                                     .nonce = "n", .audience = "https://verifier.example" };
    accord_vc_result_t result;
    json_object *out = NULL, *more = NULL;
    accord_vc_error_t code = accord_vc_jwt_verify (text, len, accord_key_public (s_key), 33,
                                                   &opts, &out, &result);
    s_check_code (code, &result, out);
    json_object_put (out);
    code = accord_vc_jwt_verify_resolve (text, len, accord_vc_resolve_did_key, NULL, &opts,
                                         &out, &result);
    s_check_code (code, &result, out);
    json_object_put (out);
    code = accord_vp_jwt_verify (text, len, accord_vc_resolve_did_key, NULL, &opts, &out, &more,
                                 &result);
    s_check_code (code, &result, out);
    json_object_put (out);
    json_object_put (more);
}

static void
s_formats (const char *text, size_t len)
{
    uint8_t pub [33], again [33];
    char err [256];
    if (accord_did_key_decode (pub, text, err, sizeof err) == 0) {
        char *did = accord_did_key_encode (pub);
        if (!did || strcmp (did, text) != 0)
            abort ();
        free (did);
        json_object *doc = accord_did_key_document (text, err, sizeof err);
        accord_vc_result_t result;
        if (!doc || accord_did_doc_key (doc, text, "assertionMethod", again, &result)
                    != ACCORD_VC_VALID || memcmp (pub, again, 33) != 0)
            abort ();
        json_object_put (doc);
    }
    int64_t seconds = 0, back = 0;
    if (accord_datetime_parse (text, &seconds) == 0) {
        char out [ACCORD_DATETIME_SIZE];
        if (accord_datetime_format (out, seconds) != 0 || accord_datetime_parse (out, &back) != 0
        ||  back != seconds)
            abort ();
    }
    json_object *obj = accord_json_parse (text, len, err, sizeof err);
    if (obj && json_object_is_type (obj, json_type_object)) {
        if (accord_jwk_to_pubkey (pub, obj, err, sizeof err) == 0) {
            json_object *jwk = accord_jwk_from_pubkey (pub, 33);
            if (!jwk || accord_jwk_to_pubkey (again, jwk, err, sizeof err) != 0
            ||  memcmp (pub, again, 33) != 0)
                abort ();
            char *a = accord_jwk_thumbprint (obj);
            char *b = accord_jwk_thumbprint (jwk);
            if (!a || !b || strcmp (a, b) != 0)
                abort ();
            free (a);
            free (b);
            json_object_put (jwk);
        }
        accord_vc_result_t result;
        (void) accord_vc_check (obj, &result);
        (void) accord_vm_public_key (pub, obj, err, sizeof err);
        (void) accord_did_doc_key (obj, "#key-1", "authentication", pub, &result);
    }
    json_object_put (obj);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_key) {
        s_key = accord_key_new_from_secret (s_secret);
        if (!s_key)
            abort ();
    }
    //  A NUL-terminated copy of exactly size bytes, so ASan sees any overread
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text [size] = 0;
    s_jws (text, size);
    s_credentials (text, size);
    s_formats (text, size);
    free (text);
    return 0;
}
