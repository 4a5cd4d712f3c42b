/*  Key formats, compact JWS ES256K, JWT claims, dates, VC-JWT and VP-JWT.

    Published vectors:
    - did:key secp256k1: w3c-ccg/did-method-key test-vectors/secp256k1.json (seed, DID,
      publicKeyBase58), and the JsonWebKey2020 form of its first DID (x, y) from the
      transmute did-key fixtures (@transmute/did-key-common __fixtures__/secp256k1.json).
    - RFC 7638 section 3.1: the JWK thumbprint of the RSA example key.
    - SEC 2 section 2.4.1: the secp256k1 generator, compressed and uncompressed.
    - ES256K JWTs made by another JOSE stack (did-jwt, as used by Veramo), signed by the keys
      in their did:ethr issuers; one is re-signed high-S by negating S.
    RFC 8812 publishes no ES256K signature vectors. */
#include "testutil.h"
#include "accord/encoding.h"
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/vc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Helpers

static void
s_unhex (uint8_t *out, size_t len, const char *hex)
{
    ck_assert_int_eq (accord_hex_decode_exact (out, len, hex), 0);
}

static accord_key_t *
s_key (const char *secret_hex)
{
    uint8_t secret [32];
    s_unhex (secret, 32, secret_hex);
    accord_key_t *key = accord_key_new_from_secret (secret);
    ck_assert_ptr_nonnull (key);
    return key;
}

static json_object *
s_json (const char *text)
{
    char err [128] = "";
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    ck_assert_msg (obj != NULL, "test JSON: %s", err);
    return obj;
}

static char *
s_b64 (const char *text)
{
    char *out = accord_base64url_encode ((const uint8_t *) text, strlen (text));
    ck_assert_ptr_nonnull (out);
    return out;
}

//  "header.payload.signature" from three texts (header and payload JSON, signature as is)
static char *
s_token (const char *header_json, const char *payload_json, const char *sig_part)
{
    char *h = s_b64 (header_json);
    char *p = s_b64 (payload_json);
    size_t size = strlen (h) + strlen (p) + strlen (sig_part) + 3;
    char *token = malloc (size);
    snprintf (token, size, "%s.%s.%s", h, p, sig_part);
    free (h);
    free (p);
    return token;
}

static accord_vc_error_t
s_jws_check (const char *token, const uint8_t *pubkey)
{
    char err [160] = "";
    accord_jws_t *jws = accord_jws_decode (token, strlen (token), err, sizeof err);
    if (!jws)
        return ACCORD_VC_E_MALFORMED;
    accord_vc_result_t result;
    accord_vc_error_t code = accord_jws_verify (jws, pubkey, 33, &result);
    ck_assert_int_eq (result.code, code);
    accord_jws_destroy (&jws);
    ck_assert_ptr_null (jws);
    return code;
}

//  secp256k1 group order, for negating S
static const char *s_order_hex =
    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

static void
s_negate (uint8_t out [32], const uint8_t s [32])
{
    uint8_t n [32];
    s_unhex (n, 32, s_order_hex);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n [i] - s [i] - borrow;
        borrow = d < 0;
        out [i] = (uint8_t) (d + (borrow ? 256 : 0));
    }
}

//  --------------------------------------------------------------------------
//  did:key, Multikey, JWK

typedef struct {
    const char *did;
    const char *seed;
    const char *base58;
} did_key_vector_t;

//  w3c-ccg/did-method-key test-vectors/secp256k1.json
static const did_key_vector_t s_did_key_vectors [] = {
    { "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
      "9085d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c",
      "23o6Sau8NxxzXcgSc3PLcNxrzrZpbLeBn1izfv3jbKhuv" },
    { "did:key:zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2",
      "f0f4df55a2b3ff13051ea814a8f24ad00f2e469af73c363ac7e9fb999a9072ed",
      "291KzQhqCPC18PqH83XKhxv1HdqrdnxyS7dh15t2uNRzJ" },
    { "did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N",
      "6b0b91287ae3348f8c2f2552d766f30e3604867e34adc37ccbb74a8e6b893e02",
      "oesQ92MLiAkt2pjBcJFbW7H4DvzKJv22cotjYbmC2JEe" },
    { "did:key:zQ3shadCps5JLAHcZiuX5YUtWHHL8ysBJqFLWvjZDKAWUBGzy",
      "c0a6a7c560d37d7ba81ecee9543721ff48fea3e0fb827d42c1868226540fac15",
      "pg3p1vprqePgUoqfAQ1TTgxhL6zLYhHyzooR1pqLxo9F" },
    { "did:key:zQ3shptjE6JwdkeKN4fcpnYQY3m9Cet3NiHdAfpvSUZBFoKBj",
      "175a232d440be1e0788f25488a73d9416c04b6f924bea6354bf05dd2f1a75133",
      "24waDFAUAS16UpZwQQTXVEAmm17rQRjadjuAeBDW8aqL1" },
};

START_TEST (did_key_vectors)
{
    for (size_t i = 0; i < sizeof s_did_key_vectors / sizeof s_did_key_vectors [0]; i++) {
        const did_key_vector_t *v = &s_did_key_vectors [i];
        accord_key_t *key = s_key (v->seed);
        const uint8_t *pub = accord_key_public (key);

        //  publicKeyBase58 is the compressed key
        char *base58 = accord_base58btc_encode (pub, 33);
        ck_assert_str_eq (base58, v->base58);
        free (base58);

        char *did = accord_did_key_encode (pub);
        ck_assert_str_eq (did, v->did);
        free (did);
        char *multikey = accord_multikey_encode (pub);
        ck_assert_str_eq (multikey, v->did + strlen ("did:key:"));
        ck_assert (strncmp (multikey, "zQ3s", 4) == 0);
        free (multikey);

        uint8_t decoded [33];
        char err [128] = "";
        ck_assert_int_eq (accord_did_key_decode (decoded, v->did, err, sizeof err), 0);
        ck_assert_mem_eq (decoded, pub, 33);
        accord_key_destroy (&key);
    }
}
END_TEST

START_TEST (did_key_jwk_vector)
{
    //  The first DID's key as JsonWebKey2020 (transmute did-key fixtures)
    const char *did = s_did_key_vectors [0].did;
    const char *x = "h0wVx_2iDlOcblulc8E5iEw1EYh5n1RYtLQfeSTyNc0";
    const char *y = "O2EATIGbu6DezKFptj5scAIRntgfecanVNXxat1rnwE";
    uint8_t pub [33], from_jwk [33];
    ck_assert_int_eq (accord_did_key_decode (pub, did, NULL, 0), 0);

    json_object *jwk = accord_jwk_from_pubkey (pub, 33);
    ck_assert_ptr_nonnull (jwk);
    ck_assert_str_eq (accord_json_get_string (jwk, "kty"), "EC");
    ck_assert_str_eq (accord_json_get_string (jwk, "crv"), "secp256k1");
    ck_assert_str_eq (accord_json_get_string (jwk, "x"), x);
    ck_assert_str_eq (accord_json_get_string (jwk, "y"), y);
    ck_assert_int_eq (json_object_object_length (jwk), 4);
    json_object_put (jwk);

    char text [256];
    snprintf (text, sizeof text,
              "{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"%s\",\"y\":\"%s\","
              "\"kid\":\"k1\",\"alg\":\"ES256K\",\"use\":\"sig\"}", x, y);
    jwk = s_json (text);
    ck_assert_int_eq (accord_jwk_to_pubkey (from_jwk, jwk, NULL, 0), 0);
    ck_assert_mem_eq (from_jwk, pub, 33);

    //  The thumbprint covers crv, kty, x, y only, in that order (RFC 7638)
    char *thumb = accord_jwk_thumbprint (jwk);
    ck_assert_ptr_nonnull (thumb);
    snprintf (text, sizeof text,
              "{\"crv\":\"secp256k1\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
    char expected [ACCORD_HASH_SIZE * 2];
    uint8_t digest [ACCORD_HASH_SIZE];
    accord_sha256 (digest, text, strlen (text));
    char *b64 = accord_base64url_encode (digest, sizeof digest);
    snprintf (expected, sizeof expected, "%s", b64);
    ck_assert_str_eq (thumb, expected);
    ck_assert_uint_eq (strlen (thumb), 43);
    free (b64);
    free (thumb);
    json_object_put (jwk);
}
END_TEST

START_TEST (jwk_thumbprint_rfc7638)
{
    json_object *jwk = s_json (
        "{\"kty\":\"RSA\","
        "\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxu"
        "hDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h"
        "4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOp"
        "bISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
        "kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}");
    char *thumb = accord_jwk_thumbprint (jwk);
    ck_assert_ptr_nonnull (thumb);
    ck_assert_str_eq (thumb, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    free (thumb);
    json_object_put (jwk);

    //  Required members missing, or an unknown kty: no thumbprint
    jwk = s_json ("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AA\"}");
    ck_assert_ptr_null (accord_jwk_thumbprint (jwk));
    json_object_put (jwk);
    jwk = s_json ("{\"kty\":\"oct\",\"k\":\"AA\"}");
    ck_assert_ptr_null (accord_jwk_thumbprint (jwk));
    json_object_put (jwk);
}
END_TEST

START_TEST (pubkey_compress_generator)
{
    //  SEC 2, 2.4.1: G
    const char *compressed = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    const char *uncompressed =
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
    uint8_t c [33], u [65], out33 [33], out65 [65];
    s_unhex (c, 33, compressed);
    s_unhex (u, 65, uncompressed);
    ck_assert_int_eq (accord_pubkey_uncompress (out65, c, 33), 0);
    ck_assert_mem_eq (out65, u, 65);
    ck_assert_int_eq (accord_pubkey_compress (out33, u, 65), 0);
    ck_assert_mem_eq (out33, c, 33);
    //  Idempotent on the form it already has
    ck_assert_int_eq (accord_pubkey_compress (out33, c, 33), 0);
    ck_assert_mem_eq (out33, c, 33);
    //  Refused: hybrid prefix, wrong length, off the curve
    u [0] = 0x06;
    ck_assert_int_eq (accord_pubkey_compress (out33, u, 65), -1);
    ck_assert_int_eq (accord_pubkey_uncompress (out65, c, 32), -1);
    u [0] = 0x04;
    u [64] ^= 1;
    ck_assert_int_eq (accord_pubkey_compress (out33, u, 65), -1);
}
END_TEST

//  Decoding fails with -2 and a reason that mentions want
static void
s_did_key_refused (const char *did, const char *want)
{
    uint8_t pub [33];
    char err [160] = "";
    ck_assert_int_eq (accord_did_key_decode (pub, did, err, sizeof err), -2);
    ck_assert_msg (strstr (err, want) != NULL, "%s: \"%s\" lacks \"%s\"", did, err, want);
    ck_assert_ptr_null (accord_did_key_document (did, NULL, 0));
}

//  "did:key:z" + base58 of bytes
static char *
s_did_of_bytes (const uint8_t *bytes, size_t len)
{
    char *base58 = accord_base58btc_encode (bytes, len);
    char *did = malloc (strlen (base58) + 16);
    sprintf (did, "did:key:z%s", base58);
    free (base58);
    return did;
}

START_TEST (did_key_malformed)
{
    s_did_key_refused ("did:web:example.com", "not a did:key");
    s_did_key_refused ("did:key:", "empty");
    s_did_key_refused ("did:key:Q3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "'Q'");
    s_did_key_refused ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBm0",
                       "base58");
    //  An Ed25519 did:key (multicodec 0xed)
    s_did_key_refused ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "0xed");
    s_did_key_refused ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme#x",
                       "DID URL");
    s_did_key_refused ("DID:KEY:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
                       "not a did:key");

    uint8_t bytes [2 + 65];
    bytes [0] = 0xe7;
    bytes [1] = 0x01;
    //  The uncompressed form (65 bytes) is not the did:key encoding
    s_unhex (bytes + 2, 65,
             "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
             "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    char *did = s_did_of_bytes (bytes, sizeof bytes);
    s_did_key_refused (did, "65 bytes");
    free (did);
    //  32 bytes
    did = s_did_of_bytes (bytes, 2 + 32);
    s_did_key_refused (did, "32 bytes");
    free (did);
    //  x beyond the field: not a point
    bytes [2] = 0x02;
    memset (bytes + 3, 0xff, 32);
    did = s_did_of_bytes (bytes, 2 + 33);
    s_did_key_refused (did, "point");
    free (did);
    //  A non-minimal varint (e7 81 00)
    uint8_t padded [3 + 33] = { 0xe7, 0x81, 0x00 };
    s_unhex (padded + 3, 33,
             "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    did = s_did_of_bytes (padded, sizeof padded);
    s_did_key_refused (did, "multicodec");
    free (did);

    //  Multikey directly: the length limit
    char long_text [200];
    memset (long_text, 'z', sizeof long_text);
    uint8_t pub [33];
    ck_assert_int_eq (accord_multikey_decode (pub, long_text, sizeof long_text, NULL, 0), -2);
    ck_assert_int_eq (accord_multikey_decode (pub, "", 0, NULL, 0), -2);
}
END_TEST

static void
s_jwk_refused (const char *text, const char *want)
{
    json_object *jwk = s_json (text);
    uint8_t pub [33];
    char err [160] = "";
    ck_assert_int_eq (accord_jwk_to_pubkey (pub, jwk, err, sizeof err), -2);
    ck_assert_msg (strstr (err, want) != NULL, "%s: \"%s\" lacks \"%s\"", text, err, want);
    json_object_put (jwk);
}

START_TEST (jwk_malformed)
{
    //  x, y of the first did:key vector
#define X "\"x\":\"h0wVx_2iDlOcblulc8E5iEw1EYh5n1RYtLQfeSTyNc0\""
#define Y "\"y\":\"O2EATIGbu6DezKFptj5scAIRntgfecanVNXxat1rnwE\""
    s_jwk_refused ("{\"kty\":\"RSA\",\"crv\":\"secp256k1\"," X "," Y "}", "kty");
    s_jwk_refused ("{\"crv\":\"secp256k1\"," X "," Y "}", "kty");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"P-256K\"," X "," Y "}", "P-256K");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"P-256\"," X "," Y "}", "secp256k1");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\"," X "}", "\"y\"");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AAAA\"," Y "}", "3 bytes");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"h0wVx_2iDlOcblulc8E5iEw1EYh5n1"
                   "RYtLQfeSTyNc0=\"," Y "}", "base64url");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\"," X "," Y ",\"d\":\"AA\"}", "private");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\"," X "," Y ",\"alg\":\"ES256\"}", "alg");
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\"," X "," Y ",\"use\":\"enc\"}", "use");
    //  y of another point: not on the curve
    s_jwk_refused ("{\"kty\":\"EC\",\"crv\":\"secp256k1\"," X ","
                   "\"y\":\"O2EATIGbu6DezKFptj5scAIRntgfecanVNXxat1rnwA\"}", "not a point");
    s_jwk_refused ("[1]", "not a JSON object");
#undef X
#undef Y
}
END_TEST

START_TEST (did_key_document)
{
    const char *did = s_did_key_vectors [0].did;
    const char *mb = did + strlen ("did:key:");
    char vm_id [256];
    snprintf (vm_id, sizeof vm_id, "%s#%s", did, mb);
    json_object *doc = accord_did_key_document (did, NULL, 0);
    ck_assert_ptr_nonnull (doc);
    ck_assert_str_eq (accord_json_get_string (doc, "id"), did);
    json_object *context = accord_json_get_array (doc, "@context");
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (context, 0)),
                      "https://www.w3.org/ns/did/v1");
    json_object *methods = accord_json_get_array (doc, "verificationMethod");
    ck_assert_int_eq (json_object_array_length (methods), 1);
    json_object *vm = json_object_array_get_idx (methods, 0);
    ck_assert_str_eq (accord_json_get_string (vm, "id"), vm_id);
    ck_assert_str_eq (accord_json_get_string (vm, "type"), "Multikey");
    ck_assert_str_eq (accord_json_get_string (vm, "controller"), did);
    ck_assert_str_eq (accord_json_get_string (vm, "publicKeyMultibase"), mb);
    static const char *relationships [] = { "authentication", "assertionMethod" };
    for (size_t i = 0; i < 2; i++) {
        json_object *list = accord_json_get_array (doc, relationships [i]);
        ck_assert_int_eq (json_object_array_length (list), 1);
        ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (list, 0)), vm_id);
    }

    //  Key lookups: absolute, relative, bare DID; wrong fragment, wrong DID, wrong list
    uint8_t expected [33], pub [33];
    ck_assert_int_eq (accord_did_key_decode (expected, did, NULL, 0), 0);
    accord_vc_result_t result;
    ck_assert_int_eq (accord_did_doc_key (doc, vm_id, "assertionMethod", pub, &result),
                      ACCORD_VC_VALID);
    ck_assert_mem_eq (pub, expected, 33);
    char relative [128];
    snprintf (relative, sizeof relative, "#%s", mb);
    ck_assert_int_eq (accord_did_doc_key (doc, relative, "authentication", pub, &result),
                      ACCORD_VC_VALID);
    ck_assert_int_eq (accord_did_doc_key (doc, did, "authentication", pub, &result),
                      ACCORD_VC_VALID);
    ck_assert_int_eq (accord_did_doc_key (doc, "#key-2", "authentication", pub, &result),
                      ACCORD_VC_E_KEY_NOT_AUTHORIZED);
    ck_assert_int_eq (accord_did_doc_key (doc, s_did_key_vectors [1].did, "authentication",
                                          pub, &result), ACCORD_VC_E_KEY_NOT_AUTHORIZED);
    ck_assert_int_eq (accord_did_doc_key (doc, vm_id, "keyAgreement", pub, &result),
                      ACCORD_VC_E_KEY_NOT_AUTHORIZED);
    ck_assert (strstr (result.message, "keyAgreement") != NULL);
    json_object_put (doc);

    //  The offline resolver: did:key only
    ck_assert_int_eq (accord_vc_resolve_did_key (NULL, vm_id, "assertionMethod", pub, &result),
                      ACCORD_VC_VALID);
    ck_assert_mem_eq (pub, expected, 33);
    ck_assert_int_eq (accord_vc_resolve_did_key (NULL, "did:web:example.com#k", "assertionMethod",
                                                 pub, &result), ACCORD_VC_E_UNKNOWN_DID);
    ck_assert_int_eq (accord_vc_resolve_did_key (NULL, "did:key:zBad#zBad", "assertionMethod",
                                                 pub, &result), ACCORD_VC_E_MALFORMED);
}
END_TEST

START_TEST (did_doc_jsonwebkey2020)
{
    //  A did:accord-style document: JsonWebKey2020 for signing, a Multikey only for auth
    json_object *doc = s_json (
        "{\"id\":\"did:accord:test:abc\",\"verificationMethod\":["
        "{\"id\":\"did:accord:test:abc#k1\",\"type\":\"JsonWebKey2020\","
        "\"controller\":\"did:accord:test:abc\",\"publicKeyJwk\":{\"kty\":\"EC\","
        "\"crv\":\"secp256k1\",\"x\":\"h0wVx_2iDlOcblulc8E5iEw1EYh5n1RYtLQfeSTyNc0\","
        "\"y\":\"O2EATIGbu6DezKFptj5scAIRntgfecanVNXxat1rnwE\"}},"
        "{\"id\":\"#k2\",\"type\":\"Multikey\",\"controller\":\"did:accord:test:abc\","
        "\"publicKeyMultibase\":\"zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2\"},"
        "{\"id\":\"#k3\",\"type\":\"Ed25519VerificationKey2020\",\"publicKeyMultibase\":\"z6Mk\"}],"
        "\"assertionMethod\":[\"#k1\",\"#k3\"],\"authentication\":[\"did:accord:test:abc#k2\","
        "{\"id\":\"#k4\",\"type\":\"Multikey\","
        "\"publicKeyMultibase\":\"zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N\"}]}");
    uint8_t pub [33], expected [33];
    accord_vc_result_t result;
    ck_assert_int_eq (accord_did_doc_key (doc, "did:accord:test:abc#k1", "assertionMethod",
                                          pub, &result), ACCORD_VC_VALID);
    ck_assert_int_eq (accord_did_key_decode (expected, s_did_key_vectors [0].did, NULL, 0), 0);
    ck_assert_mem_eq (pub, expected, 33);
    ck_assert_int_eq (accord_did_doc_key (doc, "#k2", "authentication", pub, &result),
                      ACCORD_VC_VALID);
    ck_assert_int_eq (accord_did_key_decode (expected, s_did_key_vectors [1].did, NULL, 0), 0);
    ck_assert_mem_eq (pub, expected, 33);
    //  Embedded in the relationship
    ck_assert_int_eq (accord_did_doc_key (doc, "#k4", "authentication", pub, &result),
                      ACCORD_VC_VALID);
    ck_assert_int_eq (accord_did_key_decode (expected, s_did_key_vectors [2].did, NULL, 0), 0);
    ck_assert_mem_eq (pub, expected, 33);
    //  k2 may authenticate but not issue; k3 is not a secp256k1 key; a bare DID is ambiguous
    ck_assert_int_eq (accord_did_doc_key (doc, "#k2", "assertionMethod", pub, &result),
                      ACCORD_VC_E_KEY_NOT_AUTHORIZED);
    ck_assert_int_eq (accord_did_doc_key (doc, "#k3", "assertionMethod", pub, &result),
                      ACCORD_VC_E_MALFORMED);
    ck_assert_int_eq (accord_did_doc_key (doc, "did:accord:test:abc", "assertionMethod", pub,
                                          &result), ACCORD_VC_E_KEY_NOT_AUTHORIZED);
    json_object_put (doc);
}
END_TEST

//  --------------------------------------------------------------------------
//  JWS

//  did-jwt / Veramo ES256K JWTs, signed by the key in the did:ethr of their iss
static const struct {
    const char *pubkey;
    const char *token;
} s_foreign_jwts [] = {
    { "029cc246fc6f6cbf861c96dd9fa4234cbb8e25e5d75002455f0d2b6e94f6715d0d",
      "eyJhbGciOiJFUzI1NksiLCJ0eXAiOiJKV1QifQ.eyJ2YyI6eyJAY29udGV4dCI6WyJodHRwczovL3d3dy53My5vcmcv"
      "MjAxOC9jcmVkZW50aWFscy92MSJdLCJ0eXBlIjpbIlZlcmlmaWFibGVDcmVkZW50aWFsIl0sImNyZWRlbnRpYWxTdWJq"
      "ZWN0Ijp7InlvdSI6IlJvY2sifX0sInN1YiI6ImRpZDp3ZWI6ZXhhbXBsZS5jb20iLCJuYmYiOjE3Mzg2NjExNzQsImlz"
      "cyI6ImRpZDpldGhyOnNlcG9saWE6MHgwMjljYzI0NmZjNmY2Y2JmODYxYzk2ZGQ5ZmE0MjM0Y2JiOGUyNWU1ZDc1MDAy"
      "NDU1ZjBkMmI2ZTk0ZjY3MTVkMGQifQ.jPPTUYjiy3mFF-uWhbTdpvuppIVgecrt3cmpQEZB7Jt30KnImHFABI8iNPl4Oa"
      "AWocSMI0e6QxYxjylXr-cphw" },
    { "03dc88c8e3c05364b1f64b5cf16ca2d93dbdec14eb64c04e3200ec6a06358e4fb1",
      "eyJhbGciOiJFUzI1NksiLCJ0eXAiOiJKV1QifQ.eyJ2YyI6eyJjcmVkZW50aWFsU3ViamVjdCI6eyJmcmFtZXdvcmsi"
      "OiJWZXJhbW8ifSwiQGNvbnRleHQiOlsiaHR0cHM6Ly93d3cudzMub3JnLzIwMTgvY3JlZGVudGlhbHMvdjEiXSwidHlw"
      "ZSI6WyJWZXJpZmlhYmxlQ3JlZGVudGlhbCJdfSwic3ViIjoiZGlkOmV0aHI6MHgwM2RjODhjOGUzYzA1MzY0YjFmNjRi"
      "NWNmMTZjYTJkOTNkYmRlYzE0ZWI2NGMwNGUzMjAwZWM2YTA2MzU4ZTRmYjEiLCJuYmYiOjE2MjI2MzUwNTcsImlzcyI6"
      "ImRpZDpldGhyOjB4MDNkYzg4YzhlM2MwNTM2NGIxZjY0YjVjZjE2Y2EyZDkzZGJkZWMxNGViNjRjMDRlMzIwMGVjNmEw"
      "NjM1OGU0ZmIxIn0.gB2a0J4Ic16wxJipFViNSUfH-kbuQwdJk3K2iVJyB15nRLOlEdE2A3FtvRsp-5AcrwZx7fgUSqImA"
      "rYKD-4jjg" },
};

START_TEST (jws_foreign_vectors)
{
    for (size_t i = 0; i < 2; i++) {
        uint8_t pub [33], other [33];
        s_unhex (pub, 33, s_foreign_jwts [i].pubkey);
        s_unhex (other, 33, s_foreign_jwts [1 - i].pubkey);
        const char *token = s_foreign_jwts [i].token;
        char err [160] = "";
        accord_jws_t *jws = accord_jws_decode (token, strlen (token), err, sizeof err);
        ck_assert_msg (jws != NULL, "%s", err);
        ck_assert_str_eq (accord_jws_alg (jws), "ES256K");
        ck_assert_str_eq (accord_jws_typ (jws), "JWT");
        ck_assert_ptr_null (accord_jws_kid (jws));
        //  The iss names the signing key
        const char *iss = accord_json_get_string (accord_jws_payload (jws), "iss");
        ck_assert (strstr (iss, s_foreign_jwts [i].pubkey) != NULL);
        int64_t nbf = 0;
        ck_assert_int_eq (accord_jwt_get_time (accord_jws_payload (jws), "nbf", &nbf), 0);
        ck_assert_int_gt (nbf, 1600000000);
        accord_vc_result_t result;
        ck_assert_int_eq (accord_jws_verify (jws, pub, 33, &result), ACCORD_VC_VALID);
        ck_assert_str_eq (result.message, "");
        ck_assert_int_eq (accord_jws_verify (jws, other, 33, &result),
                          ACCORD_VC_E_BAD_SIGNATURE);
        //  The same key uncompressed verifies too
        uint8_t full [65];
        ck_assert_int_eq (accord_pubkey_uncompress (full, pub, 33), 0);
        ck_assert_int_eq (accord_jws_verify (jws, full, 65, &result), ACCORD_VC_VALID);
        accord_jws_destroy (&jws);
        accord_jws_destroy (&jws);
    }
}
END_TEST

//  The token with its signature replaced by sig (64 bytes)
static char *
s_resign (const char *token, const uint8_t sig [64])
{
    const char *dot = strrchr (token, '.');
    char *part = accord_base64url_encode (sig, 64);
    size_t prefix = (size_t) (dot - token) + 1;
    char *out = malloc (prefix + strlen (part) + 1);
    memcpy (out, token, prefix);
    strcpy (out + prefix, part);
    free (part);
    return out;
}

START_TEST (jws_high_s_accepted)
{
    const char *token = s_foreign_jwts [0].token;
    uint8_t pub [33];
    s_unhex (pub, 33, s_foreign_jwts [0].pubkey);
    const char *dot = strrchr (token, '.');
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    ck_assert_int_eq (accord_base64url_decode (&sig, &sig_len, dot + 1, strlen (dot + 1)), 0);
    ck_assert_uint_eq (sig_len, 64);
    ck_assert_uint_lt (sig [32], 0x80);        //  the published one is lower-S
    uint8_t high [64];
    memcpy (high, sig, 32);
    s_negate (high + 32, sig + 32);
    ck_assert_uint_ge (high [32], 0x80);
    char *high_token = s_resign (token, high);

    //  The strict verifier of transactions refuses it; JOSE verification normalizes
    uint8_t digest [32];
    accord_sha256 (digest, token, (size_t) (dot - token));
    ck_assert_int_eq (accord_sig_verify (pub, 33, high, digest), -1);
    ck_assert_int_eq (s_jws_check (high_token, pub), ACCORD_VC_VALID);
    free (high_token);
    free (sig);
}
END_TEST

START_TEST (jws_sign_roundtrip)
{
    accord_key_t *key = s_key (s_did_key_vectors [0].seed);
    const uint8_t *pub = accord_key_public (key);
    json_object *claims = s_json ("{\"sub\":\"M\\u00f6bius\",\"n\":1.5,\"z\":[true,null],"
                                  "\"a\":{\"b\":\"c\"}}");
    char *token = accord_jwt_sign (key, "JWT", "did:example:1#k", claims);
    ck_assert_ptr_nonnull (token);
    //  Header and payload are RFC 8785 texts
    const char *dot = strchr (token, '.');
    uint8_t *header = NULL;
    size_t header_len = 0;
    ck_assert_int_eq (accord_base64url_decode (&header, &header_len, token,
                                               (size_t) (dot - token)), 0);
    ck_assert_str_eq ((char *) header,
                      "{\"alg\":\"ES256K\",\"kid\":\"did:example:1#k\",\"typ\":\"JWT\"}");
    free (header);
    const char *dot2 = strchr (dot + 1, '.');
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    ck_assert_int_eq (accord_base64url_decode (&payload, &payload_len, dot + 1,
                                               (size_t) (dot2 - dot - 1)), 0);
    ck_assert_str_eq ((char *) payload,
                      "{\"a\":{\"b\":\"c\"},\"n\":1.5,\"sub\":\"M\xc3\xb6" "bius\","
                      "\"z\":[true,null]}");
    free (payload);
    ck_assert_uint_eq (strlen (dot2 + 1), 86);

    ck_assert_int_eq (s_jws_check (token, pub), ACCORD_VC_VALID);
    //  Deterministic (RFC 6979) and lower-S
    char *again = accord_jwt_sign (key, "JWT", "did:example:1#k", claims);
    ck_assert_str_eq (again, token);
    free (again);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    ck_assert_int_eq (accord_base64url_decode (&sig, &sig_len, dot2 + 1, strlen (dot2 + 1)), 0);
    ck_assert_uint_lt (sig [32], 0x80);
    free (sig);

    //  A header of our own: alg is always ours
    json_object *header_in = s_json ("{\"alg\":\"none\",\"typ\":\"x\",\"cty\":\"vc\"}");
    char *token2 = accord_jws_sign (key, header_in, claims);
    char err [128];
    accord_jws_t *jws = accord_jws_decode (token2, strlen (token2), err, sizeof err);
    ck_assert_str_eq (accord_jws_alg (jws), "ES256K");
    ck_assert_str_eq (accord_json_get_string (accord_jws_header (jws), "cty"), "vc");
    ck_assert_str_eq (accord_json_get_string (accord_jws_payload (jws), "sub"), "M\xc3\xb6" "bius");
    accord_jws_destroy (&jws);
    free (token2);
    json_object_put (header_in);

    //  Not an object: refused
    json_object *array = s_json ("[1]");
    ck_assert_ptr_null (accord_jwt_sign (key, NULL, NULL, array));
    ck_assert_ptr_null (accord_jwt_sign (NULL, NULL, NULL, claims));
    json_object_put (array);
    json_object_put (claims);
    free (token);
    accord_key_destroy (&key);
}
END_TEST

START_TEST (jws_tampered)
{
    accord_key_t *key = s_key (s_did_key_vectors [0].seed);
    accord_key_t *other = s_key (s_did_key_vectors [1].seed);
    const uint8_t *pub = accord_key_public (key);
    json_object *claims = s_json ("{\"sub\":\"alice\",\"role\":\"user\"}");
    char *token = accord_jwt_sign (key, "JWT", NULL, claims);
    size_t len = strlen (token);
    ck_assert_int_eq (s_jws_check (token, pub), ACCORD_VC_VALID);

    //  Wrong key
    ck_assert_int_eq (s_jws_check (token, accord_key_public (other)), ACCORD_VC_E_BAD_SIGNATURE);
    ck_assert_int_eq (s_jws_check (token, NULL), ACCORD_VC_E_BAD_SIGNATURE);

    //  Tampered payload: a valid JSON payload of another user
    char *dot = strchr (token, '.');
    char *dot2 = strchr (dot + 1, '.');
    char *other_payload = s_b64 ("{\"sub\":\"alice\",\"role\":\"admin\"}");
    char *forged = malloc (len + 64);
    sprintf (forged, "%.*s.%s%s", (int) (dot - token), token, other_payload, dot2);
    ck_assert_int_eq (s_jws_check (forged, pub), ACCORD_VC_E_BAD_SIGNATURE);
    free (other_payload);

    //  Tampered signature: each of a few bits
    for (size_t pos = 0; pos < 86; pos += 17) {
        strcpy (forged, token);
        char *c = forged + (dot2 - token) + 1 + pos;
        *c = *c == 'A' ? 'B' : 'A';
        accord_vc_error_t code = s_jws_check (forged, pub);
        //  The last character's low bits may make it non-canonical base64url
        ck_assert (code == ACCORD_VC_E_BAD_SIGNATURE || code == ACCORD_VC_E_MALFORMED);
    }
    //  R or S out of range (all ones: above the group order)
    uint8_t ones [64];
    memset (ones, 0xff, sizeof ones);
    char *bad_sig = s_resign (token, ones);
    ck_assert_int_eq (s_jws_check (bad_sig, pub), ACCORD_VC_E_BAD_SIGNATURE);
    free (bad_sig);

    //  Truncated: signature short by one byte, signature gone, payload gone
    strcpy (forged, token);
    forged [len - 2] = 0;                  //  84 characters: 63 bytes
    accord_vc_result_t result;
    char err [160];
    accord_jws_t *jws = accord_jws_decode (forged, strlen (forged), err, sizeof err);
    ck_assert_ptr_nonnull (jws);
    ck_assert_int_eq (accord_jws_verify (jws, pub, 33, &result), ACCORD_VC_E_BAD_SIGNATURE);
    ck_assert (strstr (result.message, "63 bytes") != NULL);
    accord_jws_destroy (&jws);
    forged [len - 1] = 0;
    strcpy (forged, token);
    forged [len - 1] = 0;                  //  85 characters: not base64url of whole bytes
    ck_assert_int_eq (s_jws_check (forged, pub), ACCORD_VC_E_MALFORMED);
    strcpy (forged, token);
    forged [dot2 - token] = 0;             //  header.payload
    ck_assert_int_eq (s_jws_check (forged, pub), ACCORD_VC_E_MALFORMED);
    forged [dot2 - token] = '.';
    forged [dot2 - token + 1] = 0;         //  header.payload. (empty signature)
    ck_assert_int_eq (s_jws_check (forged, pub), ACCORD_VC_E_BAD_SIGNATURE);
    strcpy (forged, token);
    forged [(dot - token) + 10] = 0;
    ck_assert_int_eq (s_jws_check (forged, pub), ACCORD_VC_E_MALFORMED);
    ck_assert_int_eq (s_jws_check ("", pub), ACCORD_VC_E_MALFORMED);

    free (forged);
    free (token);
    json_object_put (claims);
    accord_key_destroy (&key);
    accord_key_destroy (&other);
}
END_TEST

START_TEST (jws_alg_refused)
{
    accord_key_t *key = s_key (s_did_key_vectors [0].seed);
    const uint8_t *pub = accord_key_public (key);
    const char *payload = "{\"sub\":\"alice\"}";
    //  alg none, with and without a signature part; other algorithms; crit
    static const struct { const char *header, *want; } cases [] = {
        { "{\"alg\":\"none\"}", "none" },
        { "{\"alg\":\"none\",\"typ\":\"JWT\"}", "none" },
        { "{\"alg\":\"HS256\"}", "HS256" },
        { "{\"alg\":\"ES256\"}", "ES256" },
        { "{\"alg\":\"es256k\"}", "es256k" },
        { "{\"alg\":\"ES256K\",\"crit\":[\"b64\"],\"b64\":false}", "crit" },
        { "{\"alg\":\"ES256K\",\"crit\":[]}", "crit" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        //  Signed with a real ES256K signature over its own input: only the header refuses it
        char *unsigned_token = s_token (cases [i].header, payload, "");
        size_t input_len = strlen (unsigned_token) - 1;
        uint8_t digest [32], sig [64];
        accord_sha256 (digest, unsigned_token, input_len);
        ck_assert_int_eq (accord_key_sign (key, sig, digest), 0);
        char *token = s_resign (unsigned_token, sig);
        for (int signed_form = 0; signed_form < 2; signed_form++) {
            const char *t = signed_form ? token : unsigned_token;
            char err [160];
            accord_jws_t *jws = accord_jws_decode (t, strlen (t), err, sizeof err);
            ck_assert_msg (jws != NULL, "%s: %s", cases [i].header, err);
            accord_vc_result_t result;
            ck_assert_int_eq (accord_jws_verify (jws, pub, 33, &result), ACCORD_VC_E_UNSUPPORTED);
            ck_assert_msg (strstr (result.message, cases [i].want) != NULL, "%s", result.message);
            ck_assert_int_eq (accord_jws_check_header (jws, &result), ACCORD_VC_E_UNSUPPORTED);
            accord_jws_destroy (&jws);
        }
        free (token);
        free (unsigned_token);
    }
    accord_key_destroy (&key);
}
END_TEST

static void
s_decode_refused (const char *token, const char *want)
{
    char err [160] = "";
    accord_jws_t *jws = accord_jws_decode (token, strlen (token), err, sizeof err);
    ck_assert_msg (jws == NULL, "decoded %s", token);
    ck_assert_msg (strstr (err, want) != NULL, "%.60s: \"%s\" lacks \"%s\"", token, err, want);
}

START_TEST (jws_malformed)
{
    //  eyJhbGciOiJFUzI1NksifQ = {"alg":"ES256K"}; eyJzdWIiOiJhIn0 = {"sub":"a"}
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJhIn0", "three parts");
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJhIn0.AA.AA", "three parts");
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ=.eyJzdWIiOiJhIn0.AA", "header is not base64url");
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJhIn0=.AA", "payload is not base64url");
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJhIn0.AA=", "signature is not base64url");
    s_decode_refused (" eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJhIn0.AA", "not base64url");
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJhIn0.A+/A", "not base64url");
    s_decode_refused (".eyJzdWIiOiJhIn0.AA", "header is not JSON");
    s_decode_refused ("eyJhbGciOiJFUzI1NksifQ..AA", "payload is not JSON");

    static const struct { const char *header, *payload, *want; } cases [] = {
        { "[\"ES256K\"]", "{}", "header is not a JSON object" },
        { "{\"typ\":\"JWT\"}", "{}", "no string \"alg\"" },
        { "{\"alg\":256}", "{}", "no string \"alg\"" },
        { "{\"alg\":\"ES256K\",\"alg\":\"none\"}", "{}", "header is not JSON" },
        { "{\"alg\":\"ES256K\"", "{}", "header is not JSON" },
        { "{\"alg\":\"ES256K\"}", "\"text\"", "payload is not a JSON object" },
        { "{\"alg\":\"ES256K\"}", "{\"a\":1,}", "payload is not JSON" },
        { "{\"alg\":\"ES256K\"}", "{\"a\":\"\xff\"}", "payload is not JSON" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char *token = s_token (cases [i].header, cases [i].payload, "AA");
        s_decode_refused (token, cases [i].want);
        free (token);
    }

    //  Limits, checked before decoding
    char *big = malloc (ACCORD_JWS_MAX_SIZE + 2);
    memset (big, 'A', ACCORD_JWS_MAX_SIZE + 1);
    big [ACCORD_JWS_MAX_SIZE + 1] = 0;
    s_decode_refused (big, "longer than");
    big [ACCORD_JWS_MAX_HEADER + 1] = '.';
    big [ACCORD_JWS_MAX_HEADER + 3] = '.';
    big [ACCORD_JWS_MAX_HEADER + 5] = 0;
    s_decode_refused (big, "header longer");
    free (big);
    char sig [ACCORD_JWS_MAX_SIG + 40];
    memset (sig, 'A', sizeof sig - 1);
    sig [sizeof sig - 1] = 0;
    char *token = s_token ("{\"alg\":\"ES256K\"}", "{}", sig);
    s_decode_refused (token, "signature longer");
    free (token);
    ck_assert_ptr_null (accord_jws_decode (NULL, 0, NULL, 0));
}
END_TEST

START_TEST (jwt_claims)
{
    json_object *claims = s_json ("{\"iat\":1700000000,\"nbf\":1.75,\"exp\":\"soon\",\"neg\":-1,"
                                  "\"big\":253402300800,\"max\":253402300799,\"no\":null,"
                                  "\"aud\":[\"https://a.example\",7,\"https://b.example\"]}");
    int64_t t = 0;
    ck_assert_int_eq (accord_jwt_get_time (claims, "iat", &t), 0);
    ck_assert_int_eq (t, 1700000000);
    ck_assert_int_eq (accord_jwt_get_time (claims, "nbf", &t), 0);
    ck_assert_int_eq (t, 1);
    ck_assert_int_eq (accord_jwt_get_time (claims, "exp", &t), -2);
    ck_assert_int_eq (accord_jwt_get_time (claims, "neg", &t), -2);
    ck_assert_int_eq (accord_jwt_get_time (claims, "big", &t), -2);
    ck_assert_int_eq (accord_jwt_get_time (claims, "max", &t), 0);
    ck_assert_int_eq (accord_jwt_get_time (claims, "no", &t), -2);
    ck_assert_int_eq (accord_jwt_get_time (claims, "missing", &t), 1);
    ck_assert_int_eq (accord_jwt_has_audience (claims, "https://b.example"), 1);
    ck_assert_int_eq (accord_jwt_has_audience (claims, "https://c.example"), 0);
    ck_assert_int_eq (accord_jwt_has_audience (claims, NULL), 0);
    accord_vc_result_t result;
    ck_assert_int_eq (accord_jwt_check_time (claims, 5, 0, &result), ACCORD_VC_E_MALFORMED);
    ck_assert (strstr (result.message, "exp") != NULL);
    json_object_put (claims);

    //  nbf <= now + leeway < ... ; now - leeway < exp
    claims = s_json ("{\"nbf\":1000,\"exp\":2000,\"aud\":\"https://a.example\"}");
    ck_assert_int_eq (accord_jwt_has_audience (claims, "https://a.example"), 1);
    ck_assert_int_eq (accord_jwt_has_audience (claims, "https://a.example/"), 0);
    ck_assert_int_eq (accord_jwt_check_time (claims, 999, 0, &result), ACCORD_VC_E_NOT_YET_VALID);
    ck_assert_int_eq (accord_jwt_check_time (claims, 990, 10, &result), ACCORD_VC_VALID);
    ck_assert_int_eq (accord_jwt_check_time (claims, 1000, 0, &result), ACCORD_VC_VALID);
    ck_assert_int_eq (accord_jwt_check_time (claims, 1999, 0, &result), ACCORD_VC_VALID);
    ck_assert_int_eq (accord_jwt_check_time (claims, 2000, 0, &result), ACCORD_VC_E_EXPIRED);
    ck_assert_int_eq (accord_jwt_check_time (claims, 2009, 10, &result), ACCORD_VC_VALID);
    ck_assert_int_eq (accord_jwt_check_time (claims, 2010, 10, &result), ACCORD_VC_E_EXPIRED);
    json_object_put (claims);
}
END_TEST

//  --------------------------------------------------------------------------
//  Dates and result codes

START_TEST (datetime_vectors)
{
    static const struct { const char *text; int64_t seconds; } vectors [] = {
        { "1970-01-01T00:00:00Z", 0 },
        { "2010-01-01T19:23:24Z", 1262373804 },
        { "2000-02-29T00:00:00Z", 951782400 },
        { "9999-12-31T23:59:59Z", INT64_C (253402300799) },
        { "0001-01-01T00:00:00Z", INT64_C (-62135596800) },
        { "2024-06-30T23:59:59+02:00", 1719784799 },
        { "2024-06-30T21:59:59.999Z", 1719784799 },
        { "1969-12-31T23:59:59-00:00", -1 },
        { "2024-07-01T12:00:00+14:00", 1719784800 },
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors [0]; i++) {
        int64_t seconds = 42;
        ck_assert_msg (accord_datetime_parse (vectors [i].text, &seconds) == 0, "%s",
                       vectors [i].text);
        ck_assert_int_eq (seconds, vectors [i].seconds);
    }
    static const char *refused [] = {
        "2010-01-01T19:23:24", "2010-01-01 19:23:24Z", "2010-1-01T19:23:24Z",
        "2010-13-01T00:00:00Z", "2010-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2010-01-01T24:00:00Z", "2010-01-01T23:60:00Z", "2010-01-01T23:00:60Z",
        "2010-01-01T00:00:00.Z", "2010-01-01T00:00:00+14:01", "2010-01-01T00:00:00+0100",
        "2010-01-01T00:00:00z", "0000-01-01T00:00:00Z", "2010-01-01T00:00:00Zjunk",
        "", "2010",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++)
        ck_assert_msg (accord_datetime_parse (refused [i], NULL) == -2, "%s", refused [i]);
    ck_assert_int_eq (accord_datetime_parse (NULL, NULL), -2);

    char out [ACCORD_DATETIME_SIZE];
    ck_assert_int_eq (accord_datetime_format (out, 1262373804), 0);
    ck_assert_str_eq (out, "2010-01-01T19:23:24Z");
    ck_assert_int_eq (accord_datetime_format (out, INT64_C (-62135596800)), 0);
    ck_assert_str_eq (out, "0001-01-01T00:00:00Z");
    ck_assert_int_eq (accord_datetime_format (out, INT64_C (253402300799)), 0);
    ck_assert_str_eq (out, "9999-12-31T23:59:59Z");
    ck_assert_int_eq (accord_datetime_format (out, INT64_C (253402300800)), -1);
    ck_assert_int_eq (accord_datetime_format (out, INT64_C (-62135596801)), -1);
    //  Every day boundary of four centuries formats and parses back
    for (int64_t t = INT64_C (-2208988800); t < INT64_C (10413792000); t += 86400 * 7 + 3601) {
        int64_t back = 0;
        ck_assert_int_eq (accord_datetime_format (out, t), 0);
        ck_assert_int_eq (accord_datetime_parse (out, &back), 0);
        ck_assert_int_eq (back, t);
    }
}
END_TEST

START_TEST (result_codes)
{
    //  Every code has its own name, and the name reads back
    for (int i = 0; i < ACCORD_VC_E__COUNT; i++) {
        const char *name = accord_vc_error_name (i);
        ck_assert_ptr_nonnull (name);
        ck_assert_str_ne (name, "unknown");
        ck_assert_int_eq (accord_vc_error_from_name (name), i);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne (name, accord_vc_error_name (j));
    }
    ck_assert_str_eq (accord_vc_error_name (ACCORD_VC_VALID), "valid");
    ck_assert_str_eq (accord_vc_error_name (ACCORD_VC_E_BAD_SIGNATURE), "bad_signature");
    ck_assert_str_eq (accord_vc_error_name (ACCORD_VC_E_NONCE_MISMATCH), "nonce_mismatch");
    ck_assert_str_eq (accord_vc_error_name (ACCORD_VC_E_KEY_NOT_AUTHORIZED),
                      "key_not_authorized");
    ck_assert_str_eq (accord_vc_error_name (-1), "unknown");
    ck_assert_str_eq (accord_vc_error_name (ACCORD_VC_E__COUNT), "unknown");
    ck_assert_int_eq (accord_vc_error_from_name ("nope"), ACCORD_VC_E__COUNT);
    ck_assert_int_eq (accord_vc_error_from_name (NULL), ACCORD_VC_E__COUNT);
    accord_vc_result_t result;
    ck_assert_int_eq (accord_vc_fail (&result, ACCORD_VC_E_REVOKED, "bit %d", 7),
                      ACCORD_VC_E_REVOKED);
    ck_assert_int_eq (result.code, ACCORD_VC_E_REVOKED);
    ck_assert_str_eq (result.message, "bit 7");
    ck_assert_int_eq (accord_vc_fail (NULL, ACCORD_VC_E_SUSPENDED, "x"), ACCORD_VC_E_SUSPENDED);
}
END_TEST

//  --------------------------------------------------------------------------
//  VC-JWT and VP-JWT

#define T_NOW        INT64_C (1767225600)     //  2026-01-01T00:00:00Z
#define T_DAY        INT64_C (86400)

typedef struct {
    accord_key_t *key;
    char *did;
    char kid [160];
} party_t;

static void
s_party (party_t *self, size_t vector)
{
    self->key = s_key (s_did_key_vectors [vector].seed);
    self->did = accord_did_key_encode (accord_key_public (self->key));
    snprintf (self->kid, sizeof self->kid, "%s#%s", self->did, self->did + 8);
}

static void
s_party_free (party_t *self)
{
    accord_key_destroy (&self->key);
    free (self->did);
}

static json_object *
s_credential (const char *issuer, const char *subject, int64_t from, int64_t until)
{
    json_object *subject_obj = json_object_new_object ();
    json_object_object_add (subject_obj, "id", json_object_new_string (subject));
    json_object_object_add (subject_obj, "degree", json_object_new_string ("BSc"));
    json_object *status = accord_vc_status_entry ("https://chain.example/status/1", 94567,
                                                  "revocation");
    static const char *types [] = { "UniversityDegreeCredential", NULL };
    accord_vc_params_t params = {
        .id = "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        .types = types,
        .issuer = issuer,
        .valid_from = from,
        .valid_until = until,
        .subject = subject_obj,
        .schema_id = "https://chain.example/schemas/degree.json",
        .status = status,
    };
    char err [128] = "";
    json_object *vc = accord_vc_build (&params, err, sizeof err);
    ck_assert_msg (vc != NULL, "%s", err);
    json_object_put (subject_obj);
    json_object_put (status);
    return vc;
}

START_TEST (vc_build_fields)
{
    json_object *vc = s_credential ("did:key:zIssuer", "did:key:zHolder", T_NOW, T_NOW + T_DAY);
    char *text = accord_json_canonical (vc);
    ck_assert_str_eq (text,
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],"
        "\"credentialSchema\":{\"id\":\"https://chain.example/schemas/degree.json\","
        "\"type\":\"JsonSchema\"},"
        "\"credentialStatus\":{\"id\":\"https://chain.example/status/1#94567\","
        "\"statusListCredential\":\"https://chain.example/status/1\","
        "\"statusListIndex\":\"94567\",\"statusPurpose\":\"revocation\","
        "\"type\":\"BitstringStatusListEntry\"},"
        "\"credentialSubject\":{\"degree\":\"BSc\",\"id\":\"did:key:zHolder\"},"
        "\"id\":\"urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5\","
        "\"issuer\":\"did:key:zIssuer\","
        "\"type\":[\"VerifiableCredential\",\"UniversityDegreeCredential\"],"
        "\"validFrom\":\"2026-01-01T00:00:00Z\",\"validUntil\":\"2026-01-02T00:00:00Z\"}");
    free (text);
    accord_vc_result_t result;
    ck_assert_int_eq (accord_vc_check (vc, &result), ACCORD_VC_VALID);
    ck_assert_str_eq (accord_vc_issuer (vc), "did:key:zIssuer");
    json_object_put (vc);

    //  Refused parameters
    char err [128];
    accord_vc_params_t params = { .issuer = "did:key:z", .valid_from = T_NOW };
    ck_assert_ptr_null (accord_vc_build (&params, err, sizeof err));
    ck_assert (strstr (err, "credentialSubject") != NULL);
    json_object *subject = s_json ("{\"name\":\"x\"}");
    params.subject = subject;
    params.valid_until = T_NOW - 1;
    ck_assert_ptr_null (accord_vc_build (&params, err, sizeof err));
    params.valid_until = 0;
    params.issuer = NULL;
    ck_assert_ptr_null (accord_vc_build (&params, err, sizeof err));
    params.issuer = "did:key:z";
    params.valid_from = INT64_C (253402300800);
    ck_assert_ptr_null (accord_vc_build (&params, err, sizeof err));
    json_object_put (subject);

    //  Structure rules
    static const char *bad [] = {
        "{\"type\":[\"VerifiableCredential\"],\"issuer\":\"did:x:1\",\"credentialSubject\":{}}",
        "{\"@context\":[\"https://www.w3.org/2018/credentials/v1\"],\"type\":[\"VerifiableCredential\"],"
        "\"issuer\":\"did:x:1\",\"credentialSubject\":{}}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"Other\"],"
        "\"issuer\":\"did:x:1\",\"credentialSubject\":{}}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":\"VerifiableCredential\","
        "\"issuer\":{\"name\":\"x\"},\"credentialSubject\":{}}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":\"VerifiableCredential\","
        "\"issuer\":\"did:x:1\",\"credentialSubject\":\"s\"}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":\"VerifiableCredential\","
        "\"issuer\":\"did:x:1\",\"credentialSubject\":{},\"validFrom\":\"yesterday\"}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":\"VerifiableCredential\","
        "\"issuer\":\"did:x:1\",\"credentialSubject\":{},\"validFrom\":\"2026-01-02T00:00:00Z\","
        "\"validUntil\":\"2026-01-01T00:00:00Z\"}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":\"VerifiableCredential\","
        "\"issuer\":\"did:x:1\",\"credentialSubject\":{},\"credentialSchema\":{\"id\":\"x\"}}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":\"VerifiableCredential\","
        "\"issuer\":\"did:x:1\",\"credentialSubject\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        json_object *obj = s_json (bad [i]);
        ck_assert_msg (accord_vc_check (obj, &result) == ACCORD_VC_E_MALFORMED, "%s", bad [i]);
        json_object_put (obj);
    }
    json_object *ok = s_json (
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",{\"ex\":\"https://ex.org#\"}],"
        "\"type\":\"VerifiableCredential\",\"issuer\":{\"id\":\"did:x:1\",\"name\":\"X\"},"
        "\"credentialSubject\":[{\"a\":1},{\"b\":2}]}");
    ck_assert_int_eq (accord_vc_check (ok, &result), ACCORD_VC_VALID);
    ck_assert_str_eq (accord_vc_issuer (ok), "did:x:1");
    json_object_put (ok);
}
END_TEST

static accord_vc_verify_opts_t
s_opts (int64_t now)
{
    accord_vc_verify_opts_t opts = { .now = now, .nonce = "n-0S6_WzA2Mj",
                                     .audience = "https://verifier.example" };
    return opts;
}

START_TEST (vc_jwt_roundtrip)
{
    party_t issuer, holder;
    s_party (&issuer, 0);
    s_party (&holder, 1);
    json_object *vc = s_credential (issuer.did, holder.did, T_NOW, T_NOW + 30 * T_DAY);
    char err [160] = "";
    char *token = accord_vc_jwt_sign (issuer.key, issuer.kid, vc, err, sizeof err);
    ck_assert_msg (token != NULL, "%s", err);

    accord_jws_t *jws = accord_jws_decode (token, strlen (token), err, sizeof err);
    ck_assert_str_eq (accord_jws_typ (jws), "vc+jwt");
    ck_assert_str_eq (accord_json_get_string (accord_jws_header (jws), "cty"), "vc");
    ck_assert_str_eq (accord_jws_kid (jws), issuer.kid);
    //  The claims set is the credential
    char *a = accord_json_canonical (accord_jws_payload (jws));
    char *b = accord_json_canonical (vc);
    ck_assert_str_eq (a, b);
    free (a);
    free (b);
    accord_jws_destroy (&jws);

    accord_vc_verify_opts_t opts = s_opts (T_NOW + T_DAY);
    accord_vc_result_t result;
    json_object *out = NULL;
    ck_assert_int_eq (accord_vc_jwt_verify (token, strlen (token), accord_key_public (issuer.key),
                                            33, &opts, &out, &result), ACCORD_VC_VALID);
    ck_assert_ptr_nonnull (out);
    ck_assert_str_eq (accord_vc_issuer (out), issuer.did);
    json_object_put (out);
    ck_assert_int_eq (accord_vc_jwt_verify_resolve (token, strlen (token),
                                                    accord_vc_resolve_did_key, NULL, &opts,
                                                    &out, &result), ACCORD_VC_VALID);
    json_object_put (out);

    //  The validity window, with and without leeway
    opts.now = T_NOW - 1;
    ck_assert_int_eq (accord_vc_jwt_verify (token, strlen (token), accord_key_public (issuer.key),
                                            33, &opts, &out, &result), ACCORD_VC_E_NOT_YET_VALID);
    ck_assert_ptr_null (out);
    ck_assert (strstr (result.message, "2026-01-01T00:00:00Z") != NULL);
    opts.leeway = 60;
    ck_assert_int_eq (accord_vc_jwt_verify (token, strlen (token), accord_key_public (issuer.key),
                                            33, &opts, NULL, &result), ACCORD_VC_VALID);
    opts.leeway = 0;
    opts.now = T_NOW + 30 * T_DAY;
    ck_assert_int_eq (accord_vc_jwt_verify (token, strlen (token), accord_key_public (issuer.key),
                                            33, &opts, NULL, &result), ACCORD_VC_E_EXPIRED);
    ck_assert_str_eq (accord_vc_error_name (result.code), "expired");

    //  Wrong key, then a kid of another DID
    opts.now = T_NOW;
    ck_assert_int_eq (accord_vc_jwt_verify (token, strlen (token), accord_key_public (holder.key),
                                            33, &opts, NULL, &result), ACCORD_VC_E_BAD_SIGNATURE);
    ck_assert_ptr_null (accord_vc_jwt_sign (issuer.key, holder.kid, vc, err, sizeof err));
    json_object *payload = NULL;
    {
        //  Sign the credential under a kid that is not the issuer's
        json_object *header = json_object_new_object ();
        json_object_object_add (header, "typ", json_object_new_string ("vc+jwt"));
        json_object_object_add (header, "kid", json_object_new_string (holder.kid));
        char *t = accord_jws_sign (issuer.key, header, vc);
        ck_assert_int_eq (accord_vc_jwt_verify (t, strlen (t), accord_key_public (issuer.key),
                                                33, &opts, NULL, &result),
                          ACCORD_VC_E_KEY_NOT_AUTHORIZED);
        free (t);
        //  No kid: fine with a given key, refused through a resolver
        json_object_object_del (header, "kid");
        t = accord_jws_sign (issuer.key, header, vc);
        ck_assert_int_eq (accord_vc_jwt_verify (t, strlen (t), accord_key_public (issuer.key),
                                                33, &opts, NULL, &result), ACCORD_VC_VALID);
        ck_assert_int_eq (accord_vc_jwt_verify_resolve (t, strlen (t), accord_vc_resolve_did_key,
                                                        NULL, &opts, NULL, &result),
                          ACCORD_VC_E_MALFORMED);
        free (t);
        //  Another typ (explicit typing keeps a KB-JWT or VP from passing as a credential)
        json_object_object_add (header, "typ", json_object_new_string ("JWT"));
        t = accord_jws_sign (issuer.key, header, vc);
        ck_assert_int_eq (accord_vc_jwt_verify (t, strlen (t), accord_key_public (issuer.key),
                                                33, &opts, NULL, &result), ACCORD_VC_E_WRONG_TYPE);
        free (t);
        //  A structure failure is malformed even when signed
        json_object_object_add (header, "typ", json_object_new_string ("vc+jwt"));
        payload = s_json ("{\"hello\":\"world\"}");
        t = accord_jws_sign (issuer.key, header, payload);
        ck_assert_int_eq (accord_vc_jwt_verify (t, strlen (t), accord_key_public (issuer.key),
                                                33, &opts, NULL, &result), ACCORD_VC_E_MALFORMED);
        free (t);
        json_object_put (payload);
        json_object_put (header);
    }

    //  An issuer that is not did:key cannot be resolved offline
    json_object *web = s_credential ("did:web:issuer.example", holder.did, T_NOW, 0);
    char *web_token = accord_vc_jwt_sign (issuer.key, "did:web:issuer.example#k1", web,
                                          err, sizeof err);
    ck_assert_ptr_nonnull (web_token);
    ck_assert_int_eq (accord_vc_jwt_verify_resolve (web_token, strlen (web_token),
                                                    accord_vc_resolve_did_key, NULL, &opts,
                                                    NULL, &result), ACCORD_VC_E_UNKNOWN_DID);
    free (web_token);
    json_object_put (web);

    free (token);
    json_object_put (vc);
    s_party_free (&issuer);
    s_party_free (&holder);
}
END_TEST

//  Issues the VP and returns the verification code
static accord_vc_error_t
s_vp_verify (const char *vp, const accord_vc_verify_opts_t *opts, accord_vc_result_t *result)
{
    json_object *presentation = NULL, *credentials = NULL;
    accord_vc_error_t code = accord_vp_jwt_verify (vp, strlen (vp), accord_vc_resolve_did_key,
                                                   NULL, opts, &presentation, &credentials,
                                                   result);
    ck_assert_int_eq (code, result->code);
    if (code == ACCORD_VC_VALID) {
        ck_assert_ptr_nonnull (presentation);
        ck_assert_ptr_nonnull (credentials);
    }
    else {
        ck_assert_ptr_null (presentation);
        ck_assert_ptr_null (credentials);
    }
    json_object_put (presentation);
    json_object_put (credentials);
    return code;
}

START_TEST (vp_jwt_roundtrip)
{
    party_t issuer, holder, stranger;
    s_party (&issuer, 0);
    s_party (&holder, 1);
    s_party (&stranger, 2);
    json_object *vc1 = s_credential (issuer.did, holder.did, T_NOW - T_DAY, T_NOW + T_DAY);
    json_object *vc2 = s_credential (issuer.did, holder.did, T_NOW - T_DAY, T_NOW + 110);
    char err [160] = "";
    char *tokens [2] = {
        accord_vc_jwt_sign (issuer.key, issuer.kid, vc1, err, sizeof err),
        accord_vc_jwt_sign (issuer.key, issuer.kid, vc2, err, sizeof err),
    };
    accord_vp_params_t params = {
        .holder = holder.did, .kid = holder.kid,
        .credentials = (const char *const *) tokens, .credential_count = 2,
        .nonce = "n-0S6_WzA2Mj", .audience = "https://verifier.example",
        .issued_at = T_NOW, .expires_in = 120,
    };
    char *vp = accord_vp_jwt_sign (holder.key, &params, err, sizeof err);
    ck_assert_msg (vp != NULL, "%s", err);

    //  The claims: VP 2.0 with enveloped credentials, nonce, aud, iat, exp
    accord_jws_t *jws = accord_jws_decode (vp, strlen (vp), err, sizeof err);
    ck_assert_str_eq (accord_jws_typ (jws), "vp+jwt");
    json_object *claims = accord_jws_payload (jws);
    ck_assert_str_eq (accord_json_get_string (claims, "holder"), holder.did);
    ck_assert_str_eq (accord_json_get_string (claims, "nonce"), "n-0S6_WzA2Mj");
    ck_assert_str_eq (accord_json_get_string (claims, "aud"), "https://verifier.example");
    json_object *list = accord_json_get_array (claims, "verifiableCredential");
    ck_assert_int_eq (json_object_array_length (list), 2);
    json_object *envelope = json_object_array_get_idx (list, 0);
    ck_assert_str_eq (accord_json_get_string (envelope, "type"), "EnvelopedVerifiableCredential");
    ck_assert (strncmp (accord_json_get_string (envelope, "id"), "data:application/vc+jwt,", 24)
               == 0);
    ck_assert_str_eq (accord_json_get_string (envelope, "id") + 24, tokens [0]);
    accord_jws_destroy (&jws);

    accord_vc_verify_opts_t opts = s_opts (T_NOW + 1);
    accord_vc_result_t result;
    json_object *presentation = NULL, *credentials = NULL;
    ck_assert_int_eq (accord_vp_jwt_verify (vp, strlen (vp), accord_vc_resolve_did_key, NULL,
                                            &opts, &presentation, &credentials, &result),
                      ACCORD_VC_VALID);
    ck_assert_int_eq (json_object_array_length (credentials), 2);
    ck_assert_str_eq (accord_vc_issuer (json_object_array_get_idx (credentials, 1)), issuer.did);
    ck_assert_str_eq (accord_json_get_string (presentation, "holder"), holder.did);
    json_object_put (presentation);
    json_object_put (credentials);

    //  Nonce and audience
    opts.nonce = "another";
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_E_NONCE_MISMATCH);
    opts.nonce = NULL;
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_E_NONCE_MISMATCH);
    opts = s_opts (T_NOW + 1);
    opts.audience = "https://evil.example";
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_E_AUDIENCE_MISMATCH);

    //  Time: presentation from the future, too old, past exp; a credential expired
    opts = s_opts (T_NOW - 10);
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_E_NOT_YET_VALID);
    opts = s_opts (T_NOW + 100);
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_VALID);
    opts.max_age = 60;
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_E_EXPIRED);
    ck_assert (strstr (result.message, "presentation older") != NULL);
    opts = s_opts (T_NOW + 130);
    ck_assert_int_eq (s_vp_verify (vp, &opts, &result), ACCORD_VC_E_EXPIRED);
    ck_assert (strstr (result.message, "credential 1:") != NULL);

    //  Tampered: the VP with its payload swapped for another holder's claims
    opts = s_opts (T_NOW + 1);
    char *forged = strdup (vp);
    char *last = strrchr (forged, '.');
    last [5] = last [5] == 'A' ? 'B' : 'A';
    accord_vc_error_t code = s_vp_verify (forged, &opts, &result);
    ck_assert (code == ACCORD_VC_E_BAD_SIGNATURE || code == ACCORD_VC_E_MALFORMED);
    free (forged);

    //  Signed by a stranger claiming the holder's kid
    char *stolen = accord_vp_jwt_sign (stranger.key, &params, err, sizeof err);
    ck_assert_int_eq (s_vp_verify (stolen, &opts, &result), ACCORD_VC_E_BAD_SIGNATURE);
    free (stolen);
    //  A kid of another DID than the holder
    params.kid = stranger.kid;
    ck_assert_ptr_null (accord_vp_jwt_sign (holder.key, &params, err, sizeof err));
    params.kid = holder.kid;
    //  A holder that does not resolve offline
    params.holder = "did:web:holder.example";
    params.kid = "did:web:holder.example#k";
    char *web = accord_vp_jwt_sign (holder.key, &params, err, sizeof err);
    ck_assert_int_eq (s_vp_verify (web, &opts, &result), ACCORD_VC_E_UNKNOWN_DID);
    free (web);
    params.holder = holder.did;
    params.kid = holder.kid;

    //  A credential that is not a vc+jwt cannot be enveloped; a tampered one fails inside
    const char *junk [1] = { "a.b.c" };
    params.credentials = junk;
    params.credential_count = 1;
    ck_assert_ptr_null (accord_vp_jwt_sign (holder.key, &params, err, sizeof err));
    char *bad_vc = strdup (tokens [0]);
    char *sig = strrchr (bad_vc, '.') + 1;
    sig [3] = sig [3] == 'A' ? 'B' : 'A';
    params.credentials = (const char *const *) &bad_vc;
    char *vp_bad = accord_vp_jwt_sign (holder.key, &params, err, sizeof err);
    ck_assert_ptr_nonnull (vp_bad);
    ck_assert_int_eq (s_vp_verify (vp_bad, &opts, &result), ACCORD_VC_E_BAD_SIGNATURE);
    ck_assert (strstr (result.message, "credential 0:") != NULL);
    free (vp_bad);
    free (bad_vc);

    //  A credential JWT is not a presentation
    ck_assert_int_eq (s_vp_verify (tokens [0], &opts, &result), ACCORD_VC_E_WRONG_TYPE);

    free (vp);
    free (tokens [0]);
    free (tokens [1]);
    json_object_put (vc1);
    json_object_put (vc2);
    s_party_free (&issuer);
    s_party_free (&holder);
    s_party_free (&stranger);
}
END_TEST

Suite *
test_jose_suite (void)
{
    Suite *suite = suite_create ("jose");
    TCase *tc = tcase_create ("keyfmt");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, did_key_vectors);
    tcase_add_test (tc, did_key_jwk_vector);
    tcase_add_test (tc, jwk_thumbprint_rfc7638);
    tcase_add_test (tc, pubkey_compress_generator);
    tcase_add_test (tc, did_key_document);
    tcase_add_test (tc, did_doc_jsonwebkey2020);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("jws");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, jws_foreign_vectors);
    tcase_add_test (tc, jws_high_s_accepted);
    tcase_add_test (tc, jws_sign_roundtrip);
    tcase_add_test (tc, jwt_claims);
    tcase_add_test (tc, datetime_vectors);
    tcase_add_test (tc, result_codes);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, did_key_malformed);
    tcase_add_test (tc, jwk_malformed);
    tcase_add_test (tc, jws_tampered);
    tcase_add_test (tc, jws_alg_refused);
    tcase_add_test (tc, jws_malformed);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("credentials");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, vc_build_fields);
    tcase_add_test (tc, vc_jwt_roundtrip);
    tcase_add_test (tc, vp_jwt_roundtrip);
    suite_add_tcase (suite, tc);
    return suite;
}
