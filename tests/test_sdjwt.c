/*  SD-JWT: issuance, presentation with key binding, verification, and every rejection.

    Published vectors, from the SD-JWT specification (draft-ietf-oauth-selective-disclosure-
    jwt, the text published as RFC 9901): the disclosure / digest pairs of sections 5.2.3
    (hashing), 6.1 (issuance example), 7.2 and 7.3 (structured and recursive address); the
    section 6.2 presentation, whose sd_hash must come out as published, and whose payload and
    disclosures must process to the claims the example discloses. The example is signed with
    ES256, which we refuse, so it also shows the alg check. */
#include "testutil.h"
#include "accord/encoding.h"
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/sdjwt.h"
#include "accord/vc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Helpers

static json_object *
s_json (const char *text)
{
    char err [128] = "";
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    ck_assert_msg (obj != NULL, "test JSON: %s", err);
    return obj;
}

//  RFC 8785 texts of a and b are equal
static void
s_assert_json_eq (json_object *a, const char *expected)
{
    json_object *b = s_json (expected);
    char *x = accord_json_canonical (a);
    char *y = accord_json_canonical (b);
    ck_assert_str_eq (x, y);
    free (x);
    free (y);
    json_object_put (b);
}

static char *
s_b64 (const char *text)
{
    char *out = accord_base64url_encode ((const uint8_t *) text, strlen (text));
    ck_assert_ptr_nonnull (out);
    return out;
}

static accord_key_t *
s_key (const char *secret_hex)
{
    uint8_t secret [32];
    ck_assert_int_eq (accord_hex_decode_exact (secret, 32, secret_hex), 0);
    accord_key_t *key = accord_key_new_from_secret (secret);
    ck_assert_ptr_nonnull (key);
    return key;
}

//  Secrets of the w3c-ccg did:key secp256k1 vectors
#define ISSUER_SEED  "9085d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c"
#define HOLDER_SEED  "f0f4df55a2b3ff13051ea814a8f24ad00f2e469af73c363ac7e9fb999a9072ed"
#define OTHER_SEED   "6b0b91287ae3348f8c2f2552d766f30e3604867e34adc37ccbb74a8e6b893e02"

#define T_NOW        INT64_C (1767225600)     //  2026-01-01T00:00:00Z
#define T_DAY        INT64_C (86400)
#define NONCE        "XZOUco1u_gEPknxS78sWWg"
#define AUDIENCE     "https://verifier.example.org"

static accord_vc_verify_opts_t
s_opts (int64_t now, int require_kb)
{
    accord_vc_verify_opts_t opts = { .now = now, .nonce = NONCE, .audience = AUDIENCE,
                                     .require_key_binding = require_kb };
    return opts;
}

//  Verifies and returns the code; result and claims are checked for consistency
static accord_vc_error_t
s_verify (const char *sdjwt, accord_key_t *issuer, const accord_vc_verify_opts_t *opts,
          accord_vc_result_t *result)
{
    json_object *claims = NULL;
    accord_vc_error_t code = accord_sdjwt_verify (sdjwt, strlen (sdjwt),
                                                  accord_key_public (issuer), 33, opts,
                                                  &claims, result);
    ck_assert_int_eq (code, result->code);
    if (code == ACCORD_VC_VALID)
        ck_assert_ptr_nonnull (claims);
    else
        ck_assert_ptr_null (claims);
    json_object_put (claims);
    return code;
}

//  --------------------------------------------------------------------------
//  Published vectors

START_TEST (disclosure_digest_vectors)
{
    static const struct { const char *disclosure, *digest; } vectors [] = {
        //  5.2.3
        { "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
          "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY" },
        { "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0",
          "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs" },
        //  6.1
        { "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd",
          "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4" },
        { "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd",
          "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo" },
        { "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhbXBsZS5jb20iXQ",
          "JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE" },
        { "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX251bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ",
          "PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI" },
        { "WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgInBob25lX251bWJlcl92ZXJpZmllZCIsIHRydWVd",
          "XQ_3kPKt1XyX7KANkqVR6yZ2Va5NrPIvPYbyMvRKBMM" },
        { "WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWlu"
          "IFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMi"
          "fV0", "XzFrzwscM6Gn6CJDc6vVK8BkMnfG8vOSKfpPIZdAfdE" },
        { "WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgImJpcnRoZGF0ZSIsICIxOTQwLTAxLTAxIl0",
          "gbOsI4Edq2x2Kw-w5wPEzakob9hV1cRD0ATN3oQL9JM" },
        { "WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgInVwZGF0ZWRfYXQiLCAxNTcwMDAwMDAwXQ",
          "CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI" },
        { "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0",
          "pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo" },
        { "WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwgIkRFIl0",
          "7Cf6JkPudry3lcbwHgeZ8khAv1U1OSlerP0VkBJrWZ0" },
        //  7.2
        { "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgInN0cmVldF9hZGRyZXNzIiwgIlNjaHVsc3RyLiAxMiJd",
          "9gjVuXtdFROCgRrtNcGUXmF65rdezi_6Er_j76kmYyM" },
        { "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImxvY2FsaXR5IiwgIlNjaHVscGZvcnRhIl0",
          "6vh9bq-zS4GKM_7GpggVbYzzu6oOGXrmNVGPHP75Ud0" },
        { "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgInJlZ2lvbiIsICJTYWNoc2VuLUFuaGFsdCJd",
          "KURDPh4ZC19-3tiz-Df39V8eidy1oV3a3H1Da2N0g88" },
        { "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImNvdW50cnkiLCAiREUiXQ",
          "WN9r9dCBJ8HTCsS2jKASxTjEyW5m5x65_Z_2ro2jfXM" },
        //  7.3: the address disclosure holding the four digests above
        { "WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgImFkZHJlc3MiLCB7Il9zZCI6IFsiNnZoOWJxLXpTNEdLTV83R3Bn"
          "Z1ZiWXp6dTZvT0dYcm1OVkdQSFA3NVVkMCIsICI5Z2pWdVh0ZEZST0NnUnJ0TmNHVVhtRjY1cmRlemlfNkVyX2o3"
          "NmttWXlNIiwgIktVUkRQaDRaQzE5LTN0aXotRGYzOVY4ZWlkeTFvVjNhM0gxRGEyTjBnODgiLCAiV045cjlkQ0JK"
          "OEhUQ3NTMmpLQVN4VGpFeVc1bTV4NjVfWl8ycm8yamZYTSJdfV0",
          "HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg" },
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors [0]; i++) {
        char digest [ACCORD_SDJWT_DIGEST_SIZE];
        accord_sdjwt_digest (digest, vectors [i].disclosure, strlen (vectors [i].disclosure));
        ck_assert_str_eq (digest, vectors [i].digest);
    }

    //  5.2.1: the disclosure is base64url of the JSON text, and other encodings of the same
    //  array (escapes, no white space, newlines) are equally valid disclosures
    static const char *same [] = {
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd",
        "WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ",
    };
    uint8_t *text = NULL;
    size_t len = 0;
    ck_assert_int_eq (accord_base64url_decode (&text, &len, same [0], strlen (same [0])), 0);
    ck_assert_str_eq ((char *) text, "[\"_26bc4LT-ac6q2KI6cBW5es\", \"family_name\", \"M\xc3\xb6" "bius\"]");
    free (text);
    for (size_t i = 0; i < 4; i++) {
        char digest [ACCORD_SDJWT_DIGEST_SIZE];
        accord_sdjwt_digest (digest, same [i], strlen (same [i]));
        char payload [128];
        snprintf (payload, sizeof payload, "{\"given_name\":\"Alice\",\"_sd\":[\"%s\"]}", digest);
        json_object *obj = s_json (payload);
        json_object *claims = NULL;
        accord_vc_result_t result;
        ck_assert_int_eq (accord_sdjwt_process (obj, &same [i], 1, &claims, &result),
                          ACCORD_VC_VALID);
        s_assert_json_eq (claims, "{\"given_name\":\"Alice\",\"family_name\":\"M\\u00f6bius\"}");
        json_object_put (claims);
        json_object_put (obj);
    }
}
END_TEST

//  Section 6.2: the issuer JWT, four disclosures (family_name, address, given_name, the US
//  nationality) and the KB-JWT
static const char *s_spec_presentation =
"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBbIkNyUWU3UzVrcUJBSHQt"
    "bk1ZWGdjNmJkdDJTSDVhVFkxc1VfTS1QZ2tqUEkiLCAiSnpZakg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWha"
    "bzdGN0VQWWxTRSIsICJQb3JGYnBLdVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQTJCQTRvN2NJIiwgIlRHZjRv"
    "TGJnd2Q1SlFhSHlLVlFaVTlVZEdFMHc1cnREc3JaemZVYW9tTG8iLCAiWFFfM2tQS3QxWHlYN0tBTmtxVlI2eVoy"
    "VmE1TnJQSXZQWWJ5TXZSS0JNTSIsICJYekZyendzY002R242Q0pEYzZ2Vks4QmtNbmZHOHZPU0tmcFBJWmRBZmRF"
    "IiwgImdiT3NJNEVkcTJ4Mkt3LXc1d1BFemFrb2I5aFYxY1JEMEFUTjNvUUw5Sk0iLCAianN1OXlWdWx3UVFsaEZs"
    "TV8zSmx6TWFTRnpnbGhRRzBEcGZheVF3TFVLNCJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVyLmV4YW1wbGUuY29t"
    "IiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAic3ViIjogInVzZXJfNDIiLCAibmF0aW9u"
    "YWxpdGllcyI6IFt7Ii4uLiI6ICJwRm5kamtaX1ZDem15VGE2VWpsWm8zZGgta284YUlLUWM5RGxHemhhVllvIn0s"
    "IHsiLi4uIjogIjdDZjZKa1B1ZHJ5M2xjYndIZ2VaOGtoQXYxVTFPU2xlclAwVmtCSnJXWjAifV0sICJfc2RfYWxn"
    "IjogInNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnYiOiAiUC0yNTYiLCAieCI6ICJU"
    "Q0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbERsczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldL"
    "VlE0aGJTSWlyc1ZmdWVjQ0U2dDRqVDlGMkhaUSJ9fX0.U7vajjP8sLu-ekMnVywiDEMfgVRmFc5OqXLaAEryf6Jt"
    "Bw-96m0RiYgoE_82mRjZeZimg6RygBLsvbtKOKuw_g~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlse"
    "V9uYW1lIiwgIkRvZSJd~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRy"
    "ZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwg"
    "ImNvdW50cnkiOiAiVVMifV0~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd"
    "~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0~eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImtiK2p3dCJ"
    "9.eyJub25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgIm"
    "lhdCI6IDE3MTUyNTU5NDMsICJzZF9oYXNoIjogIk9TeXVmNXFzRktQZnJGcjNaa3pMSGJsOE9KTFNRZllFN0FMVW"
    "pKd0JBSUEifQ.Qa4A1l20VqJts2Dwixz0UsvuMsdR9bdpKMLBm9jBxgCJ5VfHnE5a0yUrZ1KJMqU1gvaoZJrcpK4"
    "1oUTE7AdZdQ";

START_TEST (spec_presentation)
{
    const char *text = s_spec_presentation;
    const char *last = strrchr (text, '~');
    char sd_hash [ACCORD_SDJWT_DIGEST_SIZE];
    accord_sdjwt_digest (sd_hash, text, (size_t) (last - text) + 1);
    ck_assert_str_eq (sd_hash, "OSyuf5qsFKPfrFr3ZkzLHbl8OJLSQfYE7ALUjJwBAIA");

    //  The KB-JWT carries that sd_hash
    char err [160] = "";
    accord_jws_t *kb = accord_jws_decode (last + 1, strlen (last + 1), err, sizeof err);
    ck_assert_msg (kb != NULL, "%s", err);
    ck_assert_str_eq (accord_jws_typ (kb), "kb+jwt");
    json_object *kb_claims = accord_jws_payload (kb);
    ck_assert_str_eq (accord_json_get_string (kb_claims, "sd_hash"), sd_hash);
    ck_assert_str_eq (accord_json_get_string (kb_claims, "nonce"), "1234567890");
    ck_assert_int_eq (accord_jwt_has_audience (kb_claims, "https://verifier.example.org"), 1);
    accord_jws_destroy (&kb);

    //  Processing its payload with its disclosures
    const char *first = strchr (text, '~');
    accord_jws_t *jws = accord_jws_decode (text, (size_t) (first - text), err, sizeof err);
    ck_assert_msg (jws != NULL, "%s", err);
    ck_assert_str_eq (accord_jws_alg (jws), "ES256");
    char *copy = strdup (first + 1);
    const char *disclosures [4];
    char *cursor = copy;
    for (size_t i = 0; i < 4; i++) {
        disclosures [i] = cursor;
        cursor = strchr (cursor, '~');
        *cursor++ = 0;
    }
    json_object *claims = NULL;
    accord_vc_result_t result;
    ck_assert_int_eq (accord_sdjwt_process (accord_jws_payload (jws), disclosures, 4, &claims,
                                            &result), ACCORD_VC_VALID);
    s_assert_json_eq (claims,
        "{\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,\"exp\":1883000000,"
        "\"sub\":\"user_42\",\"nationalities\":[\"US\"],"
        "\"cnf\":{\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
        "\"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc\","
        "\"y\":\"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ\"}},"
        "\"family_name\":\"Doe\",\"given_name\":\"John\","
        "\"address\":{\"street_address\":\"123 Main St\",\"locality\":\"Anytown\","
        "\"region\":\"Anystate\",\"country\":\"US\"}}");
    json_object_put (claims);

    //  All disclosures of section 6.1 give back the issuer's input claims
    static const char *all [] = {
        "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd",
        "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd",
        "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhbXBsZS5jb20iXQ",
        "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX251bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ",
        "WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgInBob25lX251bWJlcl92ZXJpZmllZCIsIHRydWVd",
        "WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWlu"
        "IFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMi"
        "fV0",
        "WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgImJpcnRoZGF0ZSIsICIxOTQwLTAxLTAxIl0",
        "WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgInVwZGF0ZWRfYXQiLCAxNTcwMDAwMDAwXQ",
        "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0",
        "WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwgIkRFIl0",
    };
    ck_assert_int_eq (accord_sdjwt_process (accord_jws_payload (jws), all, 10, &claims, &result),
                      ACCORD_VC_VALID);
    json_object_object_del (claims, "iss");
    json_object_object_del (claims, "iat");
    json_object_object_del (claims, "exp");
    json_object_object_del (claims, "cnf");
    s_assert_json_eq (claims,
        "{\"sub\":\"user_42\",\"given_name\":\"John\",\"family_name\":\"Doe\","
        "\"email\":\"johndoe@example.com\",\"phone_number\":\"+1-202-555-0101\","
        "\"phone_number_verified\":true,\"address\":{\"street_address\":\"123 Main St\","
        "\"locality\":\"Anytown\",\"region\":\"Anystate\",\"country\":\"US\"},"
        "\"birthdate\":\"1940-01-01\",\"updated_at\":1570000000,\"nationalities\":[\"US\",\"DE\"]}");
    json_object_put (claims);
    accord_jws_destroy (&jws);
    free (copy);

    //  The whole presentation: the ES256 issuer signature is not one we accept
    accord_key_t *key = s_key (ISSUER_SEED);
    accord_vc_verify_opts_t opts = s_opts (1715255943, 1);
    ck_assert_int_eq (s_verify (text, key, &opts, &result), ACCORD_VC_E_UNSUPPORTED);
    ck_assert (strstr (result.message, "ES256") != NULL);
    accord_key_destroy (&key);
}
END_TEST

START_TEST (spec_recursive_address)
{
    //  Section 7.3: address disclosable, and each of its members inside it
    const char *payload_text =
        "{\"_sd\":[\"HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg\"],"
        "\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,\"exp\":1883000000,"
        "\"sub\":\"6c5c0a49-b589-431d-bae7-219122a9ec2c\",\"_sd_alg\":\"sha-256\"}";
    const char *address =
        "WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgImFkZHJlc3MiLCB7Il9zZCI6IFsiNnZoOWJxLXpTNEdLTV83R3Bn"
        "Z1ZiWXp6dTZvT0dYcm1OVkdQSFA3NVVkMCIsICI5Z2pWdVh0ZEZST0NnUnJ0TmNHVVhtRjY1cmRlemlfNkVyX2o3"
        "NmttWXlNIiwgIktVUkRQaDRaQzE5LTN0aXotRGYzOVY4ZWlkeTFvVjNhM0gxRGEyTjBnODgiLCAiV045cjlkQ0JK"
        "OEhUQ3NTMmpLQVN4VGpFeVc1bTV4NjVfWl8ycm8yamZYTSJdfV0";
    const char *street = "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgInN0cmVldF9hZGRyZXNzIiwgIlNjaHVsc3RyLiAxMiJd";
    const char *locality = "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImxvY2FsaXR5IiwgIlNjaHVscGZvcnRhIl0";
    const char *region = "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgInJlZ2lvbiIsICJTYWNoc2VuLUFuaGFsdCJd";
    const char *country = "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImNvdW50cnkiLCAiREUiXQ";
    json_object *payload = s_json (payload_text);
    json_object *claims = NULL;
    accord_vc_result_t result;

    const char *everything [] = { country, address, region, locality, street };
    ck_assert_int_eq (accord_sdjwt_process (payload, everything, 5, &claims, &result),
                      ACCORD_VC_VALID);
    s_assert_json_eq (claims,
        "{\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,\"exp\":1883000000,"
        "\"sub\":\"6c5c0a49-b589-431d-bae7-219122a9ec2c\",\"address\":{\"street_address\":"
        "\"Schulstr. 12\",\"locality\":\"Schulpforta\",\"region\":\"Sachsen-Anhalt\","
        "\"country\":\"DE\"}}");
    json_object_put (claims);

    //  Only the country: the address with nothing but it
    const char *some [] = { address, country };
    ck_assert_int_eq (accord_sdjwt_process (payload, some, 2, &claims, &result),
                      ACCORD_VC_VALID);
    s_assert_json_eq (accord_json_get_object (claims, "address"), "{\"country\":\"DE\"}");
    json_object_put (claims);

    //  The address withheld: an empty object's digests are all ignored, no address at all
    ck_assert_int_eq (accord_sdjwt_process (payload, NULL, 0, &claims, &result),
                      ACCORD_VC_VALID);
    ck_assert (!json_object_object_get_ex (claims, "address", NULL));
    ck_assert (!json_object_object_get_ex (claims, "_sd", NULL));
    ck_assert (!json_object_object_get_ex (claims, "_sd_alg", NULL));
    json_object_put (claims);

    //  A member without its parent: nobody references it
    const char *orphan [] = { country };
    ck_assert_int_eq (accord_sdjwt_process (payload, orphan, 1, &claims, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_ptr_null (claims);
    ck_assert (strstr (result.message, "not referenced") != NULL);
    json_object_put (payload);
}
END_TEST

//  --------------------------------------------------------------------------
//  Issue, present, verify

static json_object *
s_person_claims (const char *issuer_did)
{
    char text [1024];
    snprintf (text, sizeof text,
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],"
        "\"type\":[\"VerifiableCredential\",\"PersonCredential\"],\"issuer\":\"%s\","
        "\"validFrom\":\"2026-01-01T00:00:00Z\",\"validUntil\":\"2027-01-01T00:00:00Z\","
        "\"credentialSubject\":{\"id\":\"did:example:holder\",\"given_name\":\"Erika\","
        "\"family_name\":\"Mustermann\",\"birthdate\":\"1973-01-01\","
        "\"address\":{\"street_address\":\"Heidestr. 17\",\"locality\":\"K\\u00f6ln\","
        "\"country\":\"DE\"},\"nationalities\":[\"DE\",\"FR\"]}}", issuer_did);
    return s_json (text);
}

static const char *s_person_paths [] = {
    "/credentialSubject/given_name",
    "/credentialSubject/family_name",
    "/credentialSubject/birthdate",
    "/credentialSubject/address",
    "/credentialSubject/address/locality",
    "/credentialSubject/address/street_address",
    "/credentialSubject/nationalities/1",
};
#define PERSON_PATHS (sizeof s_person_paths / sizeof s_person_paths [0])

typedef struct {
    accord_key_t *issuer;
    accord_key_t *holder;
    accord_key_t *other;
    char *issuer_did;
    json_object *claims;
    char *sdjwt;                //  as issued, every disclosure
} fixture_t;

static void
s_fixture (fixture_t *self, size_t decoys)
{
    self->issuer = s_key (ISSUER_SEED);
    self->holder = s_key (HOLDER_SEED);
    self->other = s_key (OTHER_SEED);
    self->issuer_did = accord_did_key_encode (accord_key_public (self->issuer));
    self->claims = s_person_claims (self->issuer_did);
    char kid [200];
    snprintf (kid, sizeof kid, "%s#%s", self->issuer_did, self->issuer_did + 8);
    accord_sdjwt_issue_opts_t opts = { .kid = kid, .decoys = decoys,
                                       .holder_key = accord_key_public (self->holder) };
    char err [160] = "";
    self->sdjwt = accord_sdjwt_issue (self->issuer, self->claims, s_person_paths, PERSON_PATHS,
                                      &opts, err, sizeof err);
    ck_assert_msg (self->sdjwt != NULL, "%s", err);
}

static void
s_fixture_free (fixture_t *self)
{
    accord_key_destroy (&self->issuer);
    accord_key_destroy (&self->holder);
    accord_key_destroy (&self->other);
    free (self->issuer_did);
    json_object_put (self->claims);
    free (self->sdjwt);
}

//  The parts of a compact SD-JWT: count of '~'-separated disclosures
static size_t
s_disclosure_count (const char *sdjwt)
{
    size_t tildes = 0;
    for (const char *p = sdjwt; *p; p++)
        tildes += *p == '~';
    return tildes - 1;
}

static char *
s_present (fixture_t *f, const char *const *paths, size_t count, accord_key_t *holder,
           const char *nonce, int64_t now)
{
    char err [160] = "";
    char *out = accord_sdjwt_present (f->sdjwt, strlen (f->sdjwt), paths, count, holder,
                                      nonce, AUDIENCE, now, err, sizeof err);
    ck_assert_msg (out != NULL, "%s", err);
    return out;
}

START_TEST (issue_structure)
{
    fixture_t f;
    s_fixture (&f, 3);
    ck_assert_uint_eq (s_disclosure_count (f.sdjwt), PERSON_PATHS);
    ck_assert (f.sdjwt [strlen (f.sdjwt) - 1] == '~');

    //  The issuer JWT: typ, kid, _sd_alg, cnf, sorted _sd arrays with decoys, no clear values
    char err [160] = "";
    const char *tilde = strchr (f.sdjwt, '~');
    accord_jws_t *jws = accord_jws_decode (f.sdjwt, (size_t) (tilde - f.sdjwt), err, sizeof err);
    ck_assert_str_eq (accord_jws_typ (jws), "vc+sd-jwt");
    ck_assert (strncmp (accord_jws_kid (jws), f.issuer_did, strlen (f.issuer_did)) == 0);
    json_object *payload = accord_jws_payload (jws);
    ck_assert_str_eq (accord_json_get_string (payload, "_sd_alg"), "sha-256");
    uint8_t bound [33];
    ck_assert_int_eq (accord_jwk_to_pubkey (bound, accord_json_get_object (
        accord_json_get_object (payload, "cnf"), "jwk"), NULL, 0), 0);
    ck_assert_mem_eq (bound, accord_key_public (f.holder), 33);
    json_object *subject = accord_json_get_object (payload, "credentialSubject");
    ck_assert_str_eq (accord_json_get_string (subject, "id"), "did:example:holder");
    ck_assert (!json_object_object_get_ex (subject, "given_name", NULL));
    ck_assert (!json_object_object_get_ex (subject, "address", NULL));
    json_object *sd = accord_json_get_array (subject, "_sd");
    ck_assert_int_eq (json_object_array_length (sd), 4 + 3);
    for (size_t i = 1; i < json_object_array_length (sd); i++)
        ck_assert_str_lt (json_object_get_string (json_object_array_get_idx (sd, i - 1)),
                          json_object_get_string (json_object_array_get_idx (sd, i)));
    json_object *nationalities = accord_json_get_array (subject, "nationalities");
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (nationalities, 0)), "DE");
    ck_assert_ptr_nonnull (accord_json_get_string (json_object_array_get_idx (nationalities, 1),
                                                   "..."));
    char *text = accord_json_canonical (payload);
    ck_assert (strstr (text, "Erika") == NULL && strstr (text, "Mustermann") == NULL);
    //  Quoted: two letters can occur by chance inside the random digests and key coordinates.
    ck_assert (strstr (text, "\"FR\"") == NULL && strstr (text, "Heidestr") == NULL);
    ck_assert_str_eq (accord_json_get_string (payload, "validUntil"), "2027-01-01T00:00:00Z");
    free (text);
    accord_jws_destroy (&jws);

    //  Disclosures: fresh 128-bit salts, all different
    json_object *paths = accord_sdjwt_disclosable (f.sdjwt, strlen (f.sdjwt), err, sizeof err);
    ck_assert_msg (paths != NULL, "%s", err);
    ck_assert_int_eq (json_object_array_length (paths), PERSON_PATHS);
    for (size_t i = 0; i < PERSON_PATHS; i++) {
        int found = 0;
        for (size_t j = 0; j < PERSON_PATHS; j++)
            found += strcmp (json_object_get_string (json_object_array_get_idx (paths, j)),
                             s_person_paths [i]) == 0;
        ck_assert_msg (found == 1, "%s", s_person_paths [i]);
    }
    json_object_put (paths);
    char *copy = strdup (tilde + 1);
    char *salts [PERSON_PATHS];
    char *cursor = copy;
    for (size_t i = 0; i < PERSON_PATHS; i++) {
        char *end = strchr (cursor, '~');
        *end = 0;
        uint8_t *json = NULL;
        size_t len = 0;
        ck_assert_int_eq (accord_base64url_decode (&json, &len, cursor, strlen (cursor)), 0);
        json_object *array = s_json ((char *) json);
        const char *salt = json_object_get_string (json_object_array_get_idx (array, 0));
        uint8_t *salt_bytes = NULL;
        size_t salt_len = 0;
        ck_assert_int_eq (accord_base64url_decode (&salt_bytes, &salt_len, salt, strlen (salt)), 0);
        ck_assert_uint_eq (salt_len, 16);
        salts [i] = strdup (salt);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne (salts [j], salts [i]);
        free (salt_bytes);
        json_object_put (array);
        free (json);
        cursor = end + 1;
    }
    for (size_t i = 0; i < PERSON_PATHS; i++)
        free (salts [i]);
    free (copy);

    //  Issuing twice gives other salts, so other digests
    char *again = accord_sdjwt_issue (f.issuer, f.claims, s_person_paths, PERSON_PATHS, NULL,
                                      err, sizeof err);
    ck_assert_ptr_nonnull (again);
    ck_assert_str_ne (again, f.sdjwt);
    free (again);
    s_fixture_free (&f);
}
END_TEST

START_TEST (issue_verify_roundtrip)
{
    fixture_t f;
    s_fixture (&f, 2);
    accord_vc_result_t result;
    accord_vc_verify_opts_t opts = s_opts (T_NOW + T_DAY, 0);

    //  The holder checks what it received: every claim comes back
    json_object *claims = NULL;
    ck_assert_int_eq (accord_sdjwt_verify (f.sdjwt, strlen (f.sdjwt), accord_key_public (f.issuer),
                                           33, &opts, &claims, &result), ACCORD_VC_VALID);
    json_object_object_del (claims, "cnf");
    char *a = accord_json_canonical (claims);
    char *b = accord_json_canonical (f.claims);
    ck_assert_str_eq (a, b);
    free (a);
    free (b);
    json_object_put (claims);

    //  Presenting the given name and the locality, bound to this verifier
    const char *paths [] = { "/credentialSubject/given_name",
                             "/credentialSubject/address/locality" };
    char *vp = s_present (&f, paths, 2, f.holder, NONCE, T_NOW + T_DAY);
    ck_assert_uint_eq (s_disclosure_count (vp), 3);      //  given_name, address, locality
    opts = s_opts (T_NOW + T_DAY + 5, 1);
    ck_assert_int_eq (accord_sdjwt_verify (vp, strlen (vp), accord_key_public (f.issuer), 33,
                                           &opts, &claims, &result), ACCORD_VC_VALID);
    json_object *subject = accord_json_get_object (claims, "credentialSubject");
    s_assert_json_eq (subject,
        "{\"id\":\"did:example:holder\",\"given_name\":\"Erika\","
        "\"address\":{\"locality\":\"K\\u00f6ln\",\"country\":\"DE\"},\"nationalities\":[\"DE\"]}");
    json_object_put (claims);
    free (vp);

    //  The whole address (its members come along); the hidden nationality alone
    const char *address [] = { "/credentialSubject/address", "/credentialSubject/nationalities/1" };
    vp = s_present (&f, address, 2, f.holder, NONCE, T_NOW + T_DAY);
    ck_assert_int_eq (accord_sdjwt_verify (vp, strlen (vp), accord_key_public (f.issuer), 33,
                                           &opts, &claims, &result), ACCORD_VC_VALID);
    subject = accord_json_get_object (claims, "credentialSubject");
    s_assert_json_eq (subject,
        "{\"id\":\"did:example:holder\",\"address\":{\"street_address\":\"Heidestr. 17\","
        "\"locality\":\"K\\u00f6ln\",\"country\":\"DE\"},\"nationalities\":[\"DE\",\"FR\"]}");
    json_object_put (claims);
    free (vp);

    //  Nothing at all, and everything (the root pointer), without key binding
    vp = s_present (&f, NULL, 0, NULL, NULL, 0);
    ck_assert_uint_eq (s_disclosure_count (vp), 0);
    opts = s_opts (T_NOW, 0);
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_VALID);
    free (vp);
    const char *root [] = { "" };
    vp = s_present (&f, root, 1, NULL, NULL, 0);
    ck_assert_uint_eq (s_disclosure_count (vp), PERSON_PATHS);
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_VALID);
    free (vp);
    s_fixture_free (&f);
}
END_TEST

START_TEST (plain_jwt_claims)
{
    //  Not a credential: plain JWT claims, a nested object, an array element, other typ
    accord_key_t *issuer = s_key (ISSUER_SEED);
    json_object *claims = s_json ("{\"iss\":\"https://issuer.example\",\"exp\":1900000000,"
                                  "\"sub\":\"u1\",\"email\":\"a@b.example\",\"tags\":[1,2,3],"
                                  "\"org\":{\"name\":\"Acme\",\"unit\":{\"id\":7}}}");
    const char *paths [] = { "/email", "/tags/0", "/tags/2", "/org/unit", "/org/unit/id" };
    accord_sdjwt_issue_opts_t opts = { .typ = "example+sd-jwt" };
    char err [160] = "";
    char *sdjwt = accord_sdjwt_issue (issuer, claims, paths, 5, &opts, err, sizeof err);
    ck_assert_msg (sdjwt != NULL, "%s", err);
    accord_vc_verify_opts_t vopts = s_opts (1800000000, 0);
    accord_vc_result_t result;
    json_object *out = NULL;
    ck_assert_int_eq (accord_sdjwt_verify (sdjwt, strlen (sdjwt), accord_key_public (issuer), 33,
                                           &vopts, &out, &result), ACCORD_VC_VALID);
    char *a = accord_json_canonical (out);
    char *b = accord_json_canonical (claims);
    ck_assert_str_eq (a, b);
    free (a);
    free (b);
    json_object_put (out);
    //  exp applies
    vopts.now = 1900000000;
    ck_assert_int_eq (s_verify (sdjwt, issuer, &vopts, &result), ACCORD_VC_E_EXPIRED);

    //  Withholding tags/0 keeps the order of the rest
    char *vp = accord_sdjwt_present (sdjwt, strlen (sdjwt), &paths [2], 1, NULL, NULL, NULL, 0,
                                     err, sizeof err);
    ck_assert_ptr_nonnull (vp);
    vopts.now = 1800000000;
    ck_assert_int_eq (accord_sdjwt_verify (vp, strlen (vp), accord_key_public (issuer), 33,
                                           &vopts, &out, &result), ACCORD_VC_VALID);
    s_assert_json_eq (accord_json_get_array (out, "tags"), "[2,3]");
    s_assert_json_eq (accord_json_get_object (out, "org"), "{\"name\":\"Acme\"}");
    json_object_put (out);
    free (vp);
    free (sdjwt);
    json_object_put (claims);
    accord_key_destroy (&issuer);
}
END_TEST

//  --------------------------------------------------------------------------
//  Rejections

//  Replaces part index (0 = issuer JWT, 1.. = disclosures, last = KB) by replacement
static char *
s_replace_part (const char *sdjwt, size_t index, const char *replacement)
{
    size_t size = strlen (sdjwt) + strlen (replacement) + 1;
    char *out = calloc (1, size);
    size_t used = 0;
    const char *p = sdjwt;
    for (size_t i = 0; ; i++) {
        const char *end = strchr (p, '~');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        const char *piece = i == index ? replacement : p;
        size_t piece_len = i == index ? strlen (replacement) : len;
        memcpy (out + used, piece, piece_len);
        used += piece_len;
        if (!end)
            break;
        out [used++] = '~';
        p = end + 1;
    }
    out [used] = 0;
    return out;
}

//  Part index of sdjwt, as a new string
static char *
s_part (const char *sdjwt, size_t index)
{
    const char *p = sdjwt;
    for (size_t i = 0; i < index; i++)
        p = strchr (p, '~') + 1;
    const char *end = strchr (p, '~');
    return strndup (p, end ? (size_t) (end - p) : strlen (p));
}

START_TEST (reject_tampering)
{
    fixture_t f;
    s_fixture (&f, 0);
    accord_vc_result_t result;
    accord_vc_verify_opts_t opts = s_opts (T_NOW, 0);

    //  Wrong issuer key
    json_object *claims = NULL;
    ck_assert_int_eq (accord_sdjwt_verify (f.sdjwt, strlen (f.sdjwt), accord_key_public (f.other),
                                           33, &opts, &claims, &result), ACCORD_VC_E_BAD_SIGNATURE);
    ck_assert_ptr_null (claims);

    //  The issuer JWT with another payload
    char *jwt = s_part (f.sdjwt, 0);
    char *dot = strchr (jwt, '.');
    char *dot2 = strchr (dot + 1, '.');
    char *payload = s_b64 ("{\"_sd_alg\":\"sha-256\",\"credentialSubject\":{\"admin\":true}}");
    char forged_jwt [4096];
    snprintf (forged_jwt, sizeof forged_jwt, "%.*s.%s%s", (int) (dot - jwt), jwt, payload, dot2);
    char *forged = s_replace_part (f.sdjwt, 0, forged_jwt);
    ck_assert_int_eq (s_verify (forged, f.issuer, &opts, &result), ACCORD_VC_E_BAD_SIGNATURE);
    free (forged);
    free (payload);

    //  A disclosure twice
    char *first = s_part (f.sdjwt, 1);
    size_t size = strlen (f.sdjwt) + strlen (first) + 2;
    char *twice = malloc (size);
    snprintf (twice, size, "%s%s~", f.sdjwt, first);
    ck_assert_int_eq (s_verify (twice, f.issuer, &opts, &result), ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert (strstr (result.message, "repeats") != NULL);
    free (twice);

    //  A disclosure the issuer never referenced (same claim, another salt)
    char *rogue = s_b64 ("[\"c2FsdHNhbHRzYWx0c2FsdA\",\"given_name\",\"Mallory\"]");
    size = strlen (f.sdjwt) + strlen (rogue) + 2;
    char *extra = malloc (size);
    snprintf (extra, size, "%s%s~", f.sdjwt, rogue);
    ck_assert_int_eq (s_verify (extra, f.issuer, &opts, &result), ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert (strstr (result.message, "not referenced") != NULL);
    free (extra);
    //  ... or one changed in place
    char *changed = s_replace_part (f.sdjwt, 1, rogue);
    ck_assert_int_eq (s_verify (changed, f.issuer, &opts, &result), ACCORD_VC_E_BAD_DISCLOSURE);
    free (changed);
    free (rogue);

    //  A disclosure that is not base64url / not JSON / the wrong shape
    static const char *junk [] = { "!!!", "bm90IGpzb24", "WzEsMiwzLDRd", "WzEsImEiXQ" };
    for (size_t i = 0; i < 4; i++) {
        char *bad = s_replace_part (f.sdjwt, 1, junk [i]);
        ck_assert_int_eq (s_verify (bad, f.issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
        free (bad);
    }

    free (first);
    free (jwt);
    s_fixture_free (&f);
}
END_TEST

START_TEST (reject_key_binding)
{
    fixture_t f;
    s_fixture (&f, 1);
    accord_vc_result_t result;
    const char *paths [] = { "/credentialSubject/given_name" };
    char *vp = s_present (&f, paths, 1, f.holder, NONCE, T_NOW);
    accord_vc_verify_opts_t opts = s_opts (T_NOW + 10, 1);
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_VALID);

    //  Nonce, audience
    opts.nonce = "another-nonce";
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_E_NONCE_MISMATCH);
    opts.nonce = NULL;
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_E_NONCE_MISMATCH);
    opts = s_opts (T_NOW + 10, 1);
    opts.audience = "https://other.example";
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_E_AUDIENCE_MISMATCH);

    //  Freshness of the KB-JWT
    opts = s_opts (T_NOW + ACCORD_VC_DEFAULT_MAX_AGE + 1, 1);
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_E_EXPIRED);
    opts = s_opts (T_NOW - 1, 1);
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_E_NOT_YET_VALID);
    opts.leeway = 5;
    ck_assert_int_eq (s_verify (vp, f.issuer, &opts, &result), ACCORD_VC_VALID);

    //  sd_hash: dropping a disclosure after binding
    opts = s_opts (T_NOW + 10, 1);
    char *dropped = s_replace_part (vp, 1, "");
    //  "jwt~~kb" would be malformed; rebuild as jwt~kb
    char *kb = s_part (vp, 2);
    char *jwt = s_part (vp, 0);
    size_t size = strlen (vp) + 4;
    char *unbound = malloc (size);
    snprintf (unbound, size, "%s~%s", jwt, kb);
    ck_assert_int_eq (s_verify (unbound, f.issuer, &opts, &result), ACCORD_VC_E_BAD_KEY_BINDING);
    ck_assert (strstr (result.message, "sd_hash") != NULL);
    ck_assert_int_eq (s_verify (dropped, f.issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
    free (dropped);
    free (unbound);

    //  A KB-JWT from another key than cnf, or with another typ, or none at all
    char *presented = s_present (&f, paths, 1, NULL, NULL, 0);
    char sd_hash [ACCORD_SDJWT_DIGEST_SIZE];
    accord_sdjwt_digest (sd_hash, presented, strlen (presented));
    char kb_text [256];
    snprintf (kb_text, sizeof kb_text, "{\"iat\":%lld,\"aud\":\"%s\",\"nonce\":\"%s\","
              "\"sd_hash\":\"%s\"}", (long long) T_NOW, AUDIENCE, NONCE, sd_hash);
    json_object *kb_claims = s_json (kb_text);
    char *kb_other = accord_jwt_sign (f.other, "kb+jwt", NULL, kb_claims);
    char *kb_typ = accord_jwt_sign (f.holder, "JWT", NULL, kb_claims);
    char *kb_good = accord_jwt_sign (f.holder, "kb+jwt", NULL, kb_claims);
    size = strlen (presented) + 512;
    char *with = malloc (size);
    snprintf (with, size, "%s%s", presented, kb_good);
    ck_assert_int_eq (s_verify (with, f.issuer, &opts, &result), ACCORD_VC_VALID);
    snprintf (with, size, "%s%s", presented, kb_other);
    ck_assert_int_eq (s_verify (with, f.issuer, &opts, &result), ACCORD_VC_E_BAD_SIGNATURE);
    ck_assert (strstr (result.message, "key binding") != NULL);
    snprintf (with, size, "%s%s", presented, kb_typ);
    ck_assert_int_eq (s_verify (with, f.issuer, &opts, &result), ACCORD_VC_E_WRONG_TYPE);
    ck_assert_int_eq (s_verify (presented, f.issuer, &opts, &result),
                      ACCORD_VC_E_BAD_KEY_BINDING);
    opts.require_key_binding = 0;
    ck_assert_int_eq (s_verify (presented, f.issuer, &opts, &result), ACCORD_VC_VALID);
    //  A KB-JWT is checked when present, even when not required
    snprintf (with, size, "%s%s", presented, kb_other);
    ck_assert_int_eq (s_verify (with, f.issuer, &opts, &result), ACCORD_VC_E_BAD_SIGNATURE);
    //  ... and a KB-JWT with no iat
    json_object_object_del (kb_claims, "iat");
    char *kb_no_iat = accord_jwt_sign (f.holder, "kb+jwt", NULL, kb_claims);
    snprintf (with, size, "%s%s", presented, kb_no_iat);
    ck_assert_int_eq (s_verify (with, f.issuer, &opts, &result), ACCORD_VC_E_BAD_KEY_BINDING);

    //  The holder's side: its key must be the bound one; no second binding
    char err [160] = "";
    ck_assert_ptr_null (accord_sdjwt_present (f.sdjwt, strlen (f.sdjwt), paths, 1, f.other,
                                              NONCE, AUDIENCE, T_NOW, err, sizeof err));
    ck_assert (strstr (err, "cnf") != NULL);
    ck_assert_ptr_null (accord_sdjwt_present (vp, strlen (vp), paths, 1, NULL, NULL, NULL, 0,
                                              err, sizeof err));
    ck_assert (strstr (err, "already") != NULL);
    ck_assert_ptr_null (accord_sdjwt_present (f.sdjwt, strlen (f.sdjwt), paths, 1, f.holder,
                                              NULL, AUDIENCE, T_NOW, err, sizeof err));

    //  No cnf in the SD-JWT: nothing to bind to
    json_object *bare = s_json ("{\"sub\":\"x\",\"name\":\"y\"}");
    const char *name [] = { "/name" };
    char *unbound_sd = accord_sdjwt_issue (f.issuer, bare, name, 1, NULL, err, sizeof err);
    snprintf (with, size, "%s%s", unbound_sd, kb_good);
    ck_assert_int_eq (s_verify (with, f.issuer, &opts, &result), ACCORD_VC_E_BAD_KEY_BINDING);
    ck_assert (strstr (result.message, "cnf") != NULL);
    free (unbound_sd);
    json_object_put (bare);

    free (with);
    free (kb_no_iat);
    free (kb_other);
    free (kb_typ);
    free (kb_good);
    json_object_put (kb_claims);
    free (presented);
    free (kb);
    free (jwt);
    free (vp);
    s_fixture_free (&f);
}
END_TEST

START_TEST (reject_validity)
{
    fixture_t f;
    s_fixture (&f, 0);
    accord_vc_result_t result;
    accord_vc_verify_opts_t opts = s_opts (T_NOW - 1, 0);
    ck_assert_int_eq (s_verify (f.sdjwt, f.issuer, &opts, &result), ACCORD_VC_E_NOT_YET_VALID);
    opts.now = T_NOW;
    ck_assert_int_eq (s_verify (f.sdjwt, f.issuer, &opts, &result), ACCORD_VC_VALID);
    opts.now = T_NOW + 365 * T_DAY;                  //  validUntil 2027-01-01
    ck_assert_int_eq (s_verify (f.sdjwt, f.issuer, &opts, &result), ACCORD_VC_E_EXPIRED);
    ck_assert (strstr (result.message, "2027-01-01") != NULL);
    s_fixture_free (&f);
}
END_TEST

START_TEST (reject_algorithms_and_types)
{
    accord_key_t *issuer = s_key (ISSUER_SEED);
    accord_vc_result_t result;
    accord_vc_verify_opts_t opts = s_opts (T_NOW, 0);
    json_object *payload = s_json ("{\"sub\":\"x\",\"_sd_alg\":\"sha-512\"}");
    char *jwt = accord_jwt_sign (issuer, "vc+sd-jwt", NULL, payload);
    char text [2048];
    snprintf (text, sizeof text, "%s~", jwt);
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_UNSUPPORTED);
    ck_assert (strstr (result.message, "sha-512") != NULL);
    free (jwt);
    json_object_put (payload);

    //  vc+jwt is not an SD-JWT type; no typ either
    payload = s_json ("{\"sub\":\"x\"}");
    jwt = accord_jwt_sign (issuer, "vc+jwt", NULL, payload);
    snprintf (text, sizeof text, "%s~", jwt);
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_WRONG_TYPE);
    free (jwt);
    jwt = accord_jwt_sign (issuer, NULL, NULL, payload);
    snprintf (text, sizeof text, "%s~", jwt);
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_WRONG_TYPE);
    free (jwt);

    //  alg none
    char *h = s_b64 ("{\"alg\":\"none\",\"typ\":\"vc+sd-jwt\"}");
    char *p = s_b64 ("{\"sub\":\"x\"}");
    snprintf (text, sizeof text, "%s.%s.~", h, p);
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_UNSUPPORTED);
    free (h);
    free (p);
    json_object_put (payload);
    accord_key_destroy (&issuer);
}
END_TEST

START_TEST (reject_malformed_forms)
{
    accord_key_t *issuer = s_key (ISSUER_SEED);
    accord_vc_result_t result;
    accord_vc_verify_opts_t opts = s_opts (T_NOW, 0);
    json_object *claims = s_json ("{\"a\":1,\"b\":2}");
    const char *paths [] = { "/a", "/b" };
    char err [160] = "";
    char *sdjwt = accord_sdjwt_issue (issuer, claims, paths, 2, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (sdjwt);
    ck_assert_int_eq (s_verify (sdjwt, issuer, &opts, &result), ACCORD_VC_VALID);

    //  No '~' (a plain JWT), an empty disclosure, the JWT missing, truncated
    char *jwt = s_part (sdjwt, 0);
    ck_assert_int_eq (s_verify (jwt, issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
    char text [4096];
    snprintf (text, sizeof text, "%s~~", jwt);
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
    ck_assert_int_eq (s_verify ("~", issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
    snprintf (text, sizeof text, "%s", sdjwt);
    text [strlen (text) - 5] = 0;              //  last disclosure cut, read as a KB-JWT
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
    snprintf (text, sizeof text, "%s~", jwt);
    text [40] = 0;
    ck_assert_int_eq (s_verify (text, issuer, &opts, &result), ACCORD_VC_E_MALFORMED);

    //  Too many disclosures, checked before decoding
    size_t size = strlen (jwt) + 3 * (ACCORD_SDJWT_MAX_DISCLOSURES + 2);
    char *many = malloc (size);
    strcpy (many, jwt);
    for (size_t i = 0; i <= ACCORD_SDJWT_MAX_DISCLOSURES; i++)
        strcat (many, "~AA");
    strcat (many, "~");
    ck_assert_int_eq (s_verify (many, issuer, &opts, &result), ACCORD_VC_E_MALFORMED);
    ck_assert (strstr (result.message, "disclosures") != NULL);
    free (many);
    ck_assert_int_eq (accord_sdjwt_verify (NULL, 0, accord_key_public (issuer), 33, &opts, NULL,
                                           &result), ACCORD_VC_E_MALFORMED);
    ck_assert_int_eq (accord_sdjwt_verify (sdjwt, strlen (sdjwt), accord_key_public (issuer), 33,
                                           NULL, NULL, &result), ACCORD_VC_E_MALFORMED);
    free (jwt);
    free (sdjwt);
    json_object_put (claims);
    accord_key_destroy (&issuer);
}
END_TEST

//  accord_sdjwt_process on a hand-made payload: disclosures given as JSON texts
static accord_vc_error_t
s_process (const char *payload_fmt, const char *const *disclosure_json, size_t count,
           accord_vc_result_t *result)
{
    char *texts [8];
    char digests [8][ACCORD_SDJWT_DIGEST_SIZE];
    for (size_t i = 0; i < count; i++) {
        texts [i] = s_b64 (disclosure_json [i]);
        accord_sdjwt_digest (digests [i], texts [i], strlen (texts [i]));
    }
    //  %1 .. %4 in the payload stand for the digests of disclosures 0 .. 3
    char payload [1024] = "";
    for (const char *p = payload_fmt; *p; p++) {
        if (*p == '%' && p [1] >= '1' && p [1] <= '4') {
            strcat (payload, digests [p [1] - '1']);
            p++;
        }
        else
            strncat (payload, p, 1);
    }
    json_object *obj = s_json (payload);
    json_object *claims = NULL;
    accord_vc_error_t code = accord_sdjwt_process (obj, (const char *const *) texts, count,
                                                   &claims, result);
    json_object_put (claims);
    json_object_put (obj);
    for (size_t i = 0; i < count; i++)
        free (texts [i]);
    return code;
}

START_TEST (reject_disclosure_rules)
{
    accord_vc_result_t result;
    const char *name [] = { "[\"salt-1\",\"name\",\"x\"]" };
    const char *element [] = { "[\"salt-2\",\"x\"]" };
    const char *reserved [] = { "[\"salt-3\",\"_sd\",[]]" };
    const char *dots [] = { "[\"salt-4\",\"...\",1]" };
    const char *two [] = { "[\"salt-5\",\"name\",\"x\"]", "[\"salt-6\",\"name\",\"y\"]" };
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"]}", name, 1, &result), ACCORD_VC_VALID);
    ck_assert_int_eq (s_process ("{\"a\":[{\"...\":\"%1\"}]}", element, 1, &result),
                      ACCORD_VC_VALID);
    //  The claim exists in clear already; two disclosures of one name
    ck_assert_int_eq (s_process ("{\"name\":\"z\",\"_sd\":[\"%1\"]}", name, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert (strstr (result.message, "exists") != NULL);
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\",\"%2\"]}", two, 2, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    //  Reserved names
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"]}", reserved, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"]}", dots, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    //  An element disclosure in an _sd, a property disclosure in an array
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"]}", element, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"a\":[{\"...\":\"%1\"}]}", name, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    //  One digest twice: in one _sd, in two places, decoys alike
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\",\"%1\"]}", name, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"],\"b\":{\"_sd\":[\"%1\"]}}", name, 1,
                                 &result), ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"a\":[{\"...\":\"%1\"},{\"...\":\"%1\"}]}", element, 1,
                                 &result), ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"_sd\":[\"decoy\",\"decoy\"]}", NULL, 0, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert (strstr (result.message, "more than once") != NULL);
    //  _sd must be an array of strings; _sd_alg must be sha-256
    ck_assert_int_eq (s_process ("{\"_sd\":\"%1\"}", name, 1, &result),
                      ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"_sd\":[1]}", NULL, 0, &result), ACCORD_VC_E_BAD_DISCLOSURE);
    ck_assert_int_eq (s_process ("{\"_sd_alg\":\"md5\"}", NULL, 0, &result),
                      ACCORD_VC_E_UNSUPPORTED);
    ck_assert_int_eq (s_process ("{\"_sd_alg\":\"sha-256\",\"_sd\":[]}", NULL, 0, &result),
                      ACCORD_VC_VALID);
    //  Shapes: salt and name must be strings
    const char *bad_salt [] = { "[1,\"name\",\"x\"]" };
    const char *bad_name [] = { "[\"s\",2,\"x\"]" };
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"]}", bad_salt, 1, &result),
                      ACCORD_VC_E_MALFORMED);
    ck_assert_int_eq (s_process ("{\"_sd\":[\"%1\"]}", bad_name, 1, &result),
                      ACCORD_VC_E_MALFORMED);
    //  Nesting through disclosures is bounded
    char *chain [8];
    char payload [128];
    char previous [ACCORD_SDJWT_DIGEST_SIZE] = "";
    for (size_t i = 0; i < 8; i++) {
        //  Each disclosure nests 12 levels deep and holds the previous one's digest
        char json [512];
        int len = snprintf (json, sizeof json, "[\"s%zu\",\"x\",", i);
        for (int d = 0; d < 10; d++)
            json [len++] = '[';
        if (i == 0)
            len += snprintf (json + len, sizeof json - (size_t) len, "1");
        else
            len += snprintf (json + len, sizeof json - (size_t) len,
                             "{\"_sd\":[\"%s\"]}", previous);
        for (int d = 0; d < 10; d++)
            json [len++] = ']';
        json [len++] = ']';
        json [len] = 0;
        chain [i] = s_b64 (json);
        accord_sdjwt_digest (previous, chain [i], strlen (chain [i]));
    }
    snprintf (payload, sizeof payload, "{\"_sd\":[\"%s\"]}", previous);
    json_object *obj = s_json (payload);
    ck_assert_int_eq (accord_sdjwt_process (obj, (const char *const *) chain, 8, NULL, &result),
                      ACCORD_VC_E_MALFORMED);
    ck_assert_msg (strstr (result.message, "deeper") != NULL, "%s", result.message);
    //  Five of them (the innermost withheld) stay within the bound
    ck_assert_int_eq (accord_sdjwt_process (obj, (const char *const *) chain + 3, 5, NULL,
                                            &result), ACCORD_VC_VALID);
    json_object_put (obj);
    for (size_t i = 0; i < 8; i++)
        free (chain [i]);
}
END_TEST

START_TEST (reject_issue_and_present_misuse)
{
    accord_key_t *issuer = s_key (ISSUER_SEED);
    json_object *claims = s_person_claims ("did:example:issuer");
    char err [160] = "";
    static const struct { const char *path, *want; } bad [] = {
        { "/issuer", "visible" }, { "/validUntil", "visible" }, { "/@context", "visible" },
        { "/credentialSubject/nope", "no claim" }, { "/credentialSubject/nationalities/2", "no array" },
        { "/credentialSubject/nationalities/01", "no array" }, { "credentialSubject", "JSON Pointer" },
        { "/credentialSubject/a~2b", "~0 or ~1" }, { "", "whole document" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        ck_assert_ptr_null (accord_sdjwt_issue (issuer, claims, &bad [i].path, 1, NULL,
                                                err, sizeof err));
        ck_assert_msg (strstr (err, bad [i].want) != NULL, "%s: %s", bad [i].path, err);
    }
    const char *twice [] = { "/credentialSubject/given_name", "/credentialSubject/given_name" };
    ck_assert_ptr_null (accord_sdjwt_issue (issuer, claims, twice, 2, NULL, err, sizeof err));
    ck_assert (strstr (err, "twice") != NULL);
    accord_sdjwt_issue_opts_t opts = { .decoys = ACCORD_SDJWT_MAX_DECOYS + 1 };
    ck_assert_ptr_null (accord_sdjwt_issue (issuer, claims, twice, 1, &opts, err, sizeof err));
    opts = (accord_sdjwt_issue_opts_t) { .typ = "vc+jwt" };
    ck_assert_ptr_null (accord_sdjwt_issue (issuer, claims, twice, 1, &opts, err, sizeof err));
    json_object *reserved = s_json ("{\"a\":{\"_sd\":[]}}");
    ck_assert_ptr_null (accord_sdjwt_issue (issuer, reserved, NULL, 0, NULL, err, sizeof err));
    json_object_put (reserved);
    reserved = s_json ("{\"_sd_alg\":\"sha-256\"}");
    ck_assert_ptr_null (accord_sdjwt_issue (issuer, reserved, NULL, 0, NULL, err, sizeof err));
    json_object_put (reserved);

    //  A path with escapes works: member "a/b"
    json_object *escaped = s_json ("{\"a/b\":{\"c~d\":1}}");
    const char *path [] = { "/a~1b/c~0d" };
    char *sdjwt = accord_sdjwt_issue (issuer, escaped, path, 1, NULL, err, sizeof err);
    ck_assert_msg (sdjwt != NULL, "%s", err);
    json_object *paths = accord_sdjwt_disclosable (sdjwt, strlen (sdjwt), err, sizeof err);
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (paths, 0)), path [0]);
    json_object_put (paths);
    //  Presenting a path that names nothing
    const char *none [] = { "/a~1b/zzz" };
    ck_assert_ptr_null (accord_sdjwt_present (sdjwt, strlen (sdjwt), none, 1, NULL, NULL, NULL, 0,
                                              err, sizeof err));
    ck_assert (strstr (err, "no claim") != NULL);
    ck_assert_ptr_null (accord_sdjwt_disclosable ("nope", 4, err, sizeof err));
    free (sdjwt);
    json_object_put (escaped);
    json_object_put (claims);
    accord_key_destroy (&issuer);
}
END_TEST

Suite *
test_sdjwt_suite (void)
{
    Suite *suite = suite_create ("sdjwt");
    TCase *tc = tcase_create ("vectors");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, disclosure_digest_vectors);
    tcase_add_test (tc, spec_presentation);
    tcase_add_test (tc, spec_recursive_address);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("roundtrip");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, issue_structure);
    tcase_add_test (tc, issue_verify_roundtrip);
    tcase_add_test (tc, plain_jwt_claims);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, reject_tampering);
    tcase_add_test (tc, reject_key_binding);
    tcase_add_test (tc, reject_validity);
    tcase_add_test (tc, reject_algorithms_and_types);
    tcase_add_test (tc, reject_malformed_forms);
    tcase_add_test (tc, reject_disclosure_rules);
    tcase_add_test (tc, reject_issue_and_present_misuse);
    suite_add_tcase (suite, tc);
    return suite;
}
