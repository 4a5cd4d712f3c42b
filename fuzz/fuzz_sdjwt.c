/*  Untrusted text as an SD-JWT: verification, the holder's processing (no signature, so
    mutated payloads reach the disclosure rules) and presentation; and, when the text is a
    JSON object, issuance over it with every top-level claim disclosable, which must verify
    back to the same claims. Nothing may crash or leak. */
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/sdjwt.h"
#include "accord/vc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  Secrets of the first two did:key vectors (w3c-ccg did-method-key): issuer and holder
static const uint8_t s_issuer_secret [32] = {
    0x90, 0x85, 0xd2, 0xbe, 0xf6, 0x92, 0x86, 0xa6, 0xcb, 0xb5, 0x16, 0x23, 0xc8, 0xfa, 0x25, 0x86,
    0x29, 0x94, 0x5c, 0xd5, 0x5c, 0xa7, 0x05, 0xcc, 0x4e, 0x66, 0x70, 0x03, 0x96, 0x89, 0x4e, 0x0c
};
static const uint8_t s_holder_secret [32] = {
    0xf0, 0xf4, 0xdf, 0x55, 0xa2, 0xb3, 0xff, 0x13, 0x05, 0x1e, 0xa8, 0x14, 0xa8, 0xf2, 0x4a, 0xd0,
    0x0f, 0x2e, 0x46, 0x9a, 0xf7, 0x3c, 0x36, 0x3a, 0xc7, 0xe9, 0xfb, 0x99, 0x9a, 0x90, 0x72, 0xed
};
static accord_key_t *s_issuer;
static accord_key_t *s_holder;

#define S_NOW      INT64_C (1767225600)
#define S_NONCE    "XZOUco1u_gEPknxS78sWWg"
#define S_AUDIENCE "https://verifier.example.org"

static void
s_verify (const char *text, size_t len, int require_kb)
{
    accord_vc_verify_opts_t opts = { .now = S_NOW, .leeway = 60, .nonce = S_NONCE,
                                     .audience = S_AUDIENCE,
                                     .require_key_binding = require_kb };
    accord_vc_result_t result;
    json_object *claims = NULL;
    accord_vc_error_t code = accord_sdjwt_verify (text, len, accord_key_public (s_issuer), 33,
                                                  &opts, &claims, &result);
    if (code < 0 || code >= ACCORD_VC_E__COUNT || code != result.code
    ||  (code == ACCORD_VC_VALID) != (claims != NULL))
        abort ();
    json_object_put (claims);
}

//  The holder's side: the disclosable paths, and a presentation of each
static void
s_holder_side (const char *text, size_t len)
{
    char err [256];
    json_object *paths = accord_sdjwt_disclosable (text, len, err, sizeof err);
    if (!paths)
        return;
    size_t n = json_object_array_length (paths);
    for (size_t i = 0; i < n && i < 4; i++) {
        const char *path = json_object_get_string (json_object_array_get_idx (paths, i));
        char *presented = accord_sdjwt_present (text, len, &path, 1, NULL, NULL, NULL, 0,
                                                err, sizeof err);
        //  Every disclosable path of an SD-JWT without key binding can be presented
        if (!presented && len && text [len - 1] == '~')
            abort ();
        if (!presented)
            continue;
        json_object *again = accord_sdjwt_disclosable (presented, strlen (presented),
                                                       err, sizeof err);
        if (!again || json_object_array_length (again) > n)
            abort ();
        json_object_put (again);
        free (presented);
    }
    json_object_put (paths);
}

//  Issue over a JSON object with every top-level member disclosable, present all with key
//  binding, verify: the claims must come back as they went in
static void
s_issue (const char *text, size_t len)
{
    char err [256];
    json_object *claims = accord_json_parse (text, len, err, sizeof err);
    if (!claims || !json_object_is_type (claims, json_type_object)) {
        json_object_put (claims);
        return;
    }
    const char *paths [8];
    char buffers [8][64];
    size_t count = 0;
    //  The claims an issuer keeps visible are not asked for
    static const char *fixed [] = { "iss", "iat", "nbf", "exp", "cnf", "_sd_alg", "@context",
                                    "type", "issuer", "validFrom", "validUntil", NULL };
    json_object_object_foreach (claims, key, value) {
        (void) value;
        int visible = 0;
        for (size_t f = 0; fixed [f]; f++)
            visible |= strcmp (key, fixed [f]) == 0;
        if (!visible && count < 8 && strlen (key) < 40 && !strchr (key, '~')
        &&  !strchr (key, '/')) {
            buffers [count][0] = '/';
            strcpy (buffers [count] + 1, key);
            paths [count] = buffers [count];
            count++;
        }
    }
    accord_sdjwt_issue_opts_t opts = { .holder_key = accord_key_public (s_holder), .decoys = 1 };
    char *sdjwt = accord_sdjwt_issue (s_issuer, claims, paths, count, &opts, err, sizeof err);
    if (sdjwt) {
        const char *root = "";
        char *vp = accord_sdjwt_present (sdjwt, strlen (sdjwt), &root, 1, s_holder, S_NONCE,
                                         S_AUDIENCE, S_NOW, err, sizeof err);
        if (!vp)
            abort ();
        accord_vc_verify_opts_t vopts = { .now = S_NOW, .nonce = S_NONCE,
                                          .audience = S_AUDIENCE, .require_key_binding = 1 };
        accord_vc_result_t result;
        json_object *out = NULL;
        accord_vc_error_t code = accord_sdjwt_verify (vp, strlen (vp),
                                                      accord_key_public (s_issuer), 33,
                                                      &vopts, &out, &result);
        //  Only the claims' own validity window may stand in the way
        if (code == ACCORD_VC_VALID) {
            json_object_object_del (out, "cnf");
            char *a = accord_json_canonical (out);
            char *b = accord_json_canonical (claims);
            if (!a || !b || strcmp (a, b) != 0)
                abort ();
            free (a);
            free (b);
        }
        else
        if (code != ACCORD_VC_E_NOT_YET_VALID && code != ACCORD_VC_E_EXPIRED
        &&  code != ACCORD_VC_E_MALFORMED)
            abort ();
        json_object_put (out);
        free (vp);
        free (sdjwt);
    }
    json_object_put (claims);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_issuer) {
        s_issuer = accord_key_new_from_secret (s_issuer_secret);
        s_holder = accord_key_new_from_secret (s_holder_secret);
        if (!s_issuer || !s_holder)
            abort ();
    }
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text [size] = 0;
    s_verify (text, size, 0);
    s_verify (text, size, 1);
    s_holder_side (text, size);
    s_issue (text, size);
    free (text);
    return 0;
}
