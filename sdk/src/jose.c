/*  Compact JWS with ES256K and JWT claim helpers. The decoder keeps the SHA-256 of the
    signing input exactly as received, so verification never depends on how we would
    re-serialize the header or payload. */
#include "accord/error.h"
#include "accord/jose.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _accord_jws_t {
    json_object *header;
    json_object *payload;
    uint8_t digest [ACCORD_HASH_SIZE];      //  SHA-256 of header "." payload as received
    uint8_t *sig;
    size_t sig_len;
};

//  Decodes one base64url part into a JSON object
static json_object *
s_json_part (const char *text, size_t len, const char *what, char *err, size_t err_size)
{
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    if (accord_base64url_decode (&bytes, &bytes_len, text, len) != 0) {
        accord_errorf (err, err_size, "%s is not base64url", what);
        return NULL;
    }
    char reason [128] = "";
    json_object *obj = accord_json_parse ((const char *) bytes, bytes_len,
                                          reason, sizeof reason);
    free (bytes);
    if (!obj) {
        accord_errorf (err, err_size, "%s is not JSON: %s", what, reason);
        return NULL;
    }
    if (!json_object_is_type (obj, json_type_object)) {
        json_object_put (obj);
        accord_errorf (err, err_size, "%s is not a JSON object", what);
        return NULL;
    }
    return obj;
}

accord_jws_t *
accord_jws_decode (const char *token, size_t len, char *err, size_t err_size)
{
    if (!token) {
        accord_errorf (err, err_size, "no token");
        return NULL;
    }
    if (len > ACCORD_JWS_MAX_SIZE) {
        accord_errorf (err, err_size, "JWS longer than %d characters", ACCORD_JWS_MAX_SIZE);
        return NULL;
    }
    const char *dot1 = memchr (token, '.', len);
    const char *dot2 = dot1 ? memchr (dot1 + 1, '.', len - (size_t) (dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr (dot2 + 1, '.', len - (size_t) (dot2 + 1 - token))) {
        accord_errorf (err, err_size, "a compact JWS has exactly three parts");
        return NULL;
    }
    size_t header_len = (size_t) (dot1 - token);
    size_t payload_len = (size_t) (dot2 - dot1 - 1);
    size_t sig_text_len = len - (size_t) (dot2 + 1 - token);
    if (header_len > ACCORD_JWS_MAX_HEADER) {
        accord_errorf (err, err_size, "JWS header longer than %d characters", ACCORD_JWS_MAX_HEADER);
        return NULL;
    }
    if (sig_text_len > ACCORD_JWS_MAX_SIG) {
        accord_errorf (err, err_size, "JWS signature longer than %d characters", ACCORD_JWS_MAX_SIG);
        return NULL;
    }
    accord_jws_t *self = calloc (1, sizeof *self);
    if (!self) {
        accord_errorf (err, err_size, "out of memory");
        return NULL;
    }
    self->header = s_json_part (token, header_len, "JWS header", err, err_size);
    if (!self->header)
        goto fail;
    if (!accord_json_get_string (self->header, "alg")) {
        accord_errorf (err, err_size, "JWS header has no string \"alg\"");
        goto fail;
    }
    self->payload = s_json_part (dot1 + 1, payload_len, "JWS payload", err, err_size);
    if (!self->payload)
        goto fail;
    if (accord_base64url_decode (&self->sig, &self->sig_len, dot2 + 1, sig_text_len) != 0) {
        accord_errorf (err, err_size, "JWS signature is not base64url");
        goto fail;
    }
    accord_sha256 (self->digest, token, (size_t) (dot2 - token));
    return self;
fail:
    accord_jws_destroy (&self);
    return NULL;
}

void
accord_jws_destroy (accord_jws_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_jws_t *self = *self_p;
    json_object_put (self->header);
    json_object_put (self->payload);
    free (self->sig);
    free (self);
    *self_p = NULL;
}

json_object *
accord_jws_header (accord_jws_t *self)
{
    return self ? self->header : NULL;
}

json_object *
accord_jws_payload (accord_jws_t *self)
{
    return self ? self->payload : NULL;
}

const char *
accord_jws_alg (accord_jws_t *self)
{
    return self ? accord_json_get_string (self->header, "alg") : NULL;
}

const char *
accord_jws_typ (accord_jws_t *self)
{
    return self ? accord_json_get_string (self->header, "typ") : NULL;
}

const char *
accord_jws_kid (accord_jws_t *self)
{
    return self ? accord_json_get_string (self->header, "kid") : NULL;
}

accord_vc_error_t
accord_jws_check_header (accord_jws_t *self, accord_vc_result_t *result)
{
    if (!self)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no JWS");
    const char *alg = accord_jws_alg (self);
    if (!alg || strcmp (alg, "none") == 0)
        return accord_vc_fail (result, ACCORD_VC_E_UNSUPPORTED,
                               "alg \"none\" (an unsecured JWS) is refused");
    if (strcmp (alg, ACCORD_JWS_ALG) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_UNSUPPORTED,
                               "alg \"%.32s\" is not ES256K", alg);
    //  RFC 7515 4.1.11: extensions named in crit must be understood; we implement none
    if (json_object_object_get_ex (self->header, "crit", NULL))
        return accord_vc_fail (result, ACCORD_VC_E_UNSUPPORTED,
                               "crit header: extensions are not supported");
    return accord_vc_fail (result, ACCORD_VC_VALID, "%s", "");
}

accord_vc_error_t
accord_jws_verify (accord_jws_t *self, const uint8_t *pubkey, size_t pubkey_len,
                   accord_vc_result_t *result)
{
    accord_vc_error_t code = accord_jws_check_header (self, result);
    if (code != ACCORD_VC_VALID)
        return code;
    if (self->sig_len != ACCORD_SIG_SIZE)
        return accord_vc_fail (result, ACCORD_VC_E_BAD_SIGNATURE,
                               "ES256K signature is %zu bytes, expected 64 (R || S)",
                               self->sig_len);
    if (accord_pubkey_check (pubkey, pubkey_len) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_BAD_SIGNATURE, "invalid public key");
    if (accord_sig_verify_lax (pubkey, pubkey_len, self->sig, self->digest) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_BAD_SIGNATURE,
                               "signature does not verify with this key");
    return ACCORD_VC_VALID;
}

//  --------------------------------------------------------------------------
//  Signing

//  base64url of a JSON object's RFC 8785 text. New string or NULL.
static char *
s_encode_part (json_object *obj)
{
    char *text = accord_json_canonical (obj);
    if (!text)
        return NULL;
    char *part = accord_base64url_encode ((const uint8_t *) text, strlen (text));
    free (text);
    return part;
}

char *
accord_jws_sign (accord_key_t *key, json_object *header, json_object *payload)
{
    if (!key || !payload || !json_object_is_type (payload, json_type_object)
    ||  (header && !json_object_is_type (header, json_type_object)))
        return NULL;
    json_object *full = NULL;
    if (header) {
        if (json_object_deep_copy (header, &full, NULL) != 0)
            return NULL;
    }
    else
        full = json_object_new_object ();
    if (!full)
        return NULL;
    json_object_object_add (full, "alg", json_object_new_string (ACCORD_JWS_ALG));
    char *header_part = s_encode_part (full);
    char *payload_part = s_encode_part (payload);
    json_object_put (full);

    char *token = NULL;
    if (header_part && payload_part) {
        size_t header_len = strlen (header_part);
        size_t payload_len = strlen (payload_part);
        //  The signature part is 86 characters: 64 bytes in base64url
        size_t size = header_len + 1 + payload_len + 1 + 86 + 1;
        token = malloc (size);
        if (token) {
            memcpy (token, header_part, header_len);
            token [header_len] = '.';
            memcpy (token + header_len + 1, payload_part, payload_len);
            size_t input_len = header_len + 1 + payload_len;
            uint8_t digest [ACCORD_HASH_SIZE], sig [ACCORD_SIG_SIZE];
            accord_sha256 (digest, token, input_len);
            char *sig_part = NULL;
            if (accord_key_sign (key, sig, digest) == 0)
                sig_part = accord_base64url_encode (sig, sizeof sig);
            if (sig_part && strlen (sig_part) == 86) {
                token [input_len] = '.';
                memcpy (token + input_len + 1, sig_part, 87);
            }
            else {
                free (token);
                token = NULL;
            }
            free (sig_part);
        }
    }
    free (header_part);
    free (payload_part);
    return token;
}

char *
accord_jwt_sign (accord_key_t *key, const char *typ, const char *kid, json_object *claims)
{
    json_object *header = json_object_new_object ();
    if (!header)
        return NULL;
    if (typ)
        json_object_object_add (header, "typ", json_object_new_string (typ));
    if (kid)
        json_object_object_add (header, "kid", json_object_new_string (kid));
    char *token = accord_jws_sign (key, header, claims);
    json_object_put (header);
    return token;
}

//  --------------------------------------------------------------------------
//  JWT claims

int
accord_jwt_get_time (json_object *claims, const char *name, int64_t *seconds)
{
    json_object *value = NULL;
    if (!claims || !name || !json_object_object_get_ex (claims, name, &value))
        return 1;
    int64_t result;
    if (json_object_is_type (value, json_type_int)) {
        result = json_object_get_int64 (value);
        //  A uint64 beyond INT64_MAX reads back as INT64_MAX: out of range either way
    }
    else
    if (json_object_is_type (value, json_type_double)) {
        double d = json_object_get_double (value);
        if (!isfinite (d) || d < 0 || d > (double) ACCORD_JWT_MAX_TIME)
            return -2;
        result = (int64_t) d;       //  d >= 0: truncation is the floor
    }
    else
        return -2;
    if (result < 0 || result > ACCORD_JWT_MAX_TIME)
        return -2;
    if (seconds)
        *seconds = result;
    return 0;
}

accord_vc_error_t
accord_jwt_check_time (json_object *claims, int64_t now, int64_t leeway,
                       accord_vc_result_t *result)
{
    int64_t nbf = 0, exp = 0, iat = 0;
    int has_nbf = accord_jwt_get_time (claims, "nbf", &nbf);
    int has_exp = accord_jwt_get_time (claims, "exp", &exp);
    int has_iat = accord_jwt_get_time (claims, "iat", &iat);
    if (has_nbf < 0 || has_exp < 0 || has_iat < 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "%s is not a NumericDate",
                               has_nbf < 0 ? "nbf" : has_exp < 0 ? "exp" : "iat");
    if (leeway < 0)
        leeway = 0;
    if (has_nbf == 0 && now + leeway < nbf)
        return accord_vc_fail (result, ACCORD_VC_E_NOT_YET_VALID,
                               "not valid before %lld (nbf), now %lld",
                               (long long) nbf, (long long) now);
    if (has_exp == 0 && now - leeway >= exp)
        return accord_vc_fail (result, ACCORD_VC_E_EXPIRED,
                               "expired at %lld (exp), now %lld",
                               (long long) exp, (long long) now);
    return ACCORD_VC_VALID;
}

int
accord_jwt_has_audience (json_object *claims, const char *audience)
{
    json_object *aud = NULL;
    if (!claims || !audience || !json_object_object_get_ex (claims, "aud", &aud))
        return 0;
    if (json_object_is_type (aud, json_type_string))
        return strcmp (json_object_get_string (aud), audience) == 0;
    if (!json_object_is_type (aud, json_type_array))
        return 0;
    size_t n = json_object_array_length (aud);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx (aud, i);
        if (json_object_is_type (item, json_type_string)
        &&  strcmp (json_object_get_string (item), audience) == 0)
            return 1;
    }
    return 0;
}
