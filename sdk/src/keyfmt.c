/*  secp256k1 public key formats: Multikey, did:key, JWK, and the did:key DID document.
    Every decoder ends with accord_pubkey_check (via compress), so a key that comes out of
    here is a point on the curve. */
#include "accord/error.h"
#include "accord/keyfmt.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COORD_SIZE 32
//  The varint of 0xe7 is two bytes; the decoded Multikey value is 2 + 33 bytes
#define S_MULTIKEY_BYTES (2 + ACCORD_PUBKEY_SIZE)

//  --------------------------------------------------------------------------
//  Multikey and did:key

char *
accord_multikey_encode (const uint8_t pubkey [ACCORD_PUBKEY_SIZE])
{
    if (!pubkey || accord_pubkey_check (pubkey, ACCORD_PUBKEY_SIZE) != 0)
        return NULL;
    uint8_t bytes [S_MULTIKEY_BYTES];
    bytes [0] = ACCORD_MULTICODEC_SECP256K1_PUB;    //  low 7 bits, continuation bit set
    bytes [1] = 0x01;                               //  0xe7 >> 7
    memcpy (bytes + 2, pubkey, ACCORD_PUBKEY_SIZE);
    char *base58 = accord_base58btc_encode (bytes, sizeof bytes);
    if (!base58)
        return NULL;
    size_t len = strlen (base58);
    char *text = malloc (len + 2);
    if (text) {
        text [0] = 'z';
        memcpy (text + 1, base58, len + 1);
    }
    free (base58);
    return text;
}

//  Reads an unsigned LEB128 varint of at most 9 bytes (the multiformats limit), minimal
//  encoding only. Returns the number of bytes read, or 0 when malformed.
static size_t
s_varint (const uint8_t *data, size_t len, uint64_t *value)
{
    uint64_t result = 0;
    for (size_t i = 0; i < len && i < 9; i++) {
        result |= (uint64_t) (data [i] & 0x7f) << (7 * i);
        if (!(data [i] & 0x80)) {
            if (i > 0 && data [i] == 0)
                return 0;           //  a trailing zero byte: not the minimal form
            *value = result;
            return i + 1;
        }
    }
    return 0;
}

int
accord_multikey_decode (uint8_t pubkey [ACCORD_PUBKEY_SIZE], const char *text, size_t len,
                        char *err, size_t err_size)
{
    if (!pubkey || !text || len == 0) {
        accord_errorf (err, err_size, "empty multibase value");
        return -2;
    }
    if (len > ACCORD_MULTIKEY_MAX_TEXT) {
        accord_errorf (err, err_size, "multibase value longer than %d characters",
                 ACCORD_MULTIKEY_MAX_TEXT);
        return -2;
    }
    if (text [0] != 'z') {
        accord_errorf (err, err_size, "multibase prefix '%c' is not 'z' (base58btc)",
                 text [0] >= 0x20 && text [0] < 0x7f ? text [0] : '?');
        return -2;
    }
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    int rc = accord_base58btc_decode (&bytes, &bytes_len, text + 1, len - 1);
    if (rc != 0) {
        accord_errorf (err, err_size, rc == -2 ? "not base58btc" : "out of memory");
        return rc == -2 ? -2 : -1;
    }
    uint64_t codec = 0;
    size_t used = s_varint (bytes, bytes_len, &codec);
    if (used == 0)
        accord_errorf (err, err_size, "no multicodec prefix");
    else
    if (codec != ACCORD_MULTICODEC_SECP256K1_PUB)
        accord_errorf (err, err_size, "multicodec 0x%llx is not secp256k1-pub (0xe7)",
                 (unsigned long long) codec);
    else
    if (bytes_len - used != ACCORD_PUBKEY_SIZE)
        accord_errorf (err, err_size, "secp256k1 key of %zu bytes, expected 33 (compressed)",
                 bytes_len - used);
    else
    if (accord_pubkey_compress (pubkey, bytes + used, ACCORD_PUBKEY_SIZE) != 0)
        accord_errorf (err, err_size, "not a valid compressed secp256k1 point");
    else
        rc = 1;
    free (bytes);
    return rc == 1 ? 0 : -2;
}

char *
accord_did_key_encode (const uint8_t pubkey [ACCORD_PUBKEY_SIZE])
{
    char *multikey = accord_multikey_encode (pubkey);
    if (!multikey)
        return NULL;
    size_t prefix = strlen (ACCORD_DID_KEY_PREFIX);
    size_t len = strlen (multikey);
    char *did = malloc (prefix + len + 1);
    if (did) {
        memcpy (did, ACCORD_DID_KEY_PREFIX, prefix);
        memcpy (did + prefix, multikey, len + 1);
    }
    free (multikey);
    return did;
}

int
accord_did_key_decode (uint8_t pubkey [ACCORD_PUBKEY_SIZE], const char *did,
                       char *err, size_t err_size)
{
    size_t prefix = strlen (ACCORD_DID_KEY_PREFIX);
    if (!did || strncmp (did, ACCORD_DID_KEY_PREFIX, prefix) != 0) {
        accord_errorf (err, err_size, "not a did:key DID");
        return -2;
    }
    const char *id = did + prefix;
    size_t len = strcspn (id, "/?#");
    if (id [len]) {
        accord_errorf (err, err_size, "a DID URL (path, query or fragment), not a DID");
        return -2;
    }
    char reason [128];
    if (accord_multikey_decode (pubkey, id, len, reason, sizeof reason) != 0) {
        accord_errorf (err, err_size, "did:key: %s", reason);
        return -2;
    }
    return 0;
}

//  Appends a copy of the string to a JSON array
static void
s_array_add_string (json_object *array, const char *text)
{
    json_object_array_add (array, json_object_new_string (text));
}

json_object *
accord_did_key_document (const char *did, char *err, size_t err_size)
{
    uint8_t pubkey [ACCORD_PUBKEY_SIZE];
    if (accord_did_key_decode (pubkey, did, err, err_size) != 0)
        return NULL;
    const char *multikey = did + strlen (ACCORD_DID_KEY_PREFIX);
    size_t vm_len = strlen (did) + 1 + strlen (multikey) + 1;
    char *vm_id = malloc (vm_len);
    if (!vm_id) {
        accord_errorf (err, err_size, "out of memory");
        return NULL;
    }
    snprintf (vm_id, vm_len, "%s#%s", did, multikey);

    json_object *doc = json_object_new_object ();
    json_object *context = json_object_new_array ();
    s_array_add_string (context, "https://www.w3.org/ns/did/v1");
    s_array_add_string (context, "https://w3id.org/security/multikey/v1");
    json_object_object_add (doc, "@context", context);
    json_object_object_add (doc, "id", json_object_new_string (did));

    json_object *vm = json_object_new_object ();
    json_object_object_add (vm, "id", json_object_new_string (vm_id));
    json_object_object_add (vm, "type", json_object_new_string ("Multikey"));
    json_object_object_add (vm, "controller", json_object_new_string (did));
    json_object_object_add (vm, "publicKeyMultibase", json_object_new_string (multikey));
    json_object *methods = json_object_new_array ();
    json_object_array_add (methods, vm);
    json_object_object_add (doc, "verificationMethod", methods);

    static const char *relationships [] = {
        "authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"
    };
    for (size_t i = 0; i < sizeof relationships / sizeof relationships [0]; i++) {
        json_object *list = json_object_new_array ();
        s_array_add_string (list, vm_id);
        json_object_object_add (doc, relationships [i], list);
    }
    free (vm_id);
    return doc;
}

//  --------------------------------------------------------------------------
//  JWK

json_object *
accord_jwk_from_pubkey (const uint8_t *pubkey, size_t pubkey_len)
{
    uint8_t point [65];
    if (accord_pubkey_uncompress (point, pubkey, pubkey_len) != 0)
        return NULL;
    char *x = accord_base64url_encode (point + 1, S_COORD_SIZE);
    char *y = accord_base64url_encode (point + 1 + S_COORD_SIZE, S_COORD_SIZE);
    json_object *jwk = NULL;
    if (x && y) {
        jwk = json_object_new_object ();
        json_object_object_add (jwk, "kty", json_object_new_string ("EC"));
        json_object_object_add (jwk, "crv", json_object_new_string ("secp256k1"));
        json_object_object_add (jwk, "x", json_object_new_string (x));
        json_object_object_add (jwk, "y", json_object_new_string (y));
    }
    free (x);
    free (y);
    return jwk;
}

//  Decodes a base64url coordinate that must be exactly 32 bytes
static int
s_coordinate (uint8_t out [S_COORD_SIZE], json_object *jwk, const char *name,
              char *err, size_t err_size)
{
    const char *text = accord_json_get_string (jwk, name);
    if (!text) {
        accord_errorf (err, err_size, "JWK has no string \"%s\"", name);
        return -2;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = accord_base64url_decode (&bytes, &len, text, strlen (text));
    if (rc != 0 || len != S_COORD_SIZE) {
        if (rc == 0)
            accord_errorf (err, err_size, "JWK \"%s\" is %zu bytes, expected 32", name, len);
        else
            accord_errorf (err, err_size, "JWK \"%s\" is not base64url", name);
        free (bytes);
        return -2;
    }
    memcpy (out, bytes, S_COORD_SIZE);
    free (bytes);
    return 0;
}

int
accord_jwk_to_pubkey (uint8_t pubkey [ACCORD_PUBKEY_SIZE], json_object *jwk,
                      char *err, size_t err_size)
{
    if (!pubkey || !jwk || !json_object_is_type (jwk, json_type_object)) {
        accord_errorf (err, err_size, "JWK is not a JSON object");
        return -2;
    }
    const char *kty = accord_json_get_string (jwk, "kty");
    const char *crv = accord_json_get_string (jwk, "crv");
    const char *alg = accord_json_get_string (jwk, "alg");
    const char *use = accord_json_get_string (jwk, "use");
    if (!kty || strcmp (kty, "EC") != 0) {
        accord_errorf (err, err_size, "JWK kty is not \"EC\"");
        return -2;
    }
    if (!crv || strcmp (crv, "secp256k1") != 0) {
        accord_errorf (err, err_size, "JWK crv %s%s%s is not \"secp256k1\" (RFC 8812)",
                 crv ? "\"" : "", crv ? crv : "missing", crv ? "\"" : "");
        return -2;
    }
    if (json_object_object_get_ex (jwk, "d", NULL)) {
        accord_errorf (err, err_size, "JWK holds a private key (\"d\"): refused as a public key");
        return -2;
    }
    if ((json_object_object_get_ex (jwk, "alg", NULL) && (!alg || strcmp (alg, "ES256K") != 0))
    ||  (json_object_object_get_ex (jwk, "use", NULL) && (!use || strcmp (use, "sig") != 0))) {
        accord_errorf (err, err_size, "JWK is not for ES256K signatures (alg / use)");
        return -2;
    }
    uint8_t point [65];
    point [0] = 0x04;
    if (s_coordinate (point + 1, jwk, "x", err, err_size) != 0
    ||  s_coordinate (point + 1 + S_COORD_SIZE, jwk, "y", err, err_size) != 0)
        return -2;
    if (accord_pubkey_compress (pubkey, point, sizeof point) != 0) {
        accord_errorf (err, err_size, "JWK x, y is not a point on secp256k1");
        return -2;
    }
    return 0;
}

char *
accord_jwk_thumbprint (json_object *jwk)
{
    const char *kty = accord_json_get_string (jwk, "kty");
    if (!kty)
        return NULL;
    static const char *ec [] = { "crv", "kty", "x", "y", NULL };
    static const char *rsa [] = { "e", "kty", "n", NULL };
    static const char *okp [] = { "crv", "kty", "x", NULL };
    const char **members = strcmp (kty, "EC") == 0 ? ec
                         : strcmp (kty, "RSA") == 0 ? rsa
                         : strcmp (kty, "OKP") == 0 ? okp : NULL;
    if (!members)
        return NULL;
    json_object *required = json_object_new_object ();
    for (size_t i = 0; members [i]; i++) {
        const char *value = accord_json_get_string (jwk, members [i]);
        if (!value) {
            json_object_put (required);
            return NULL;
        }
        json_object_object_add (required, members [i], json_object_new_string (value));
    }
    //  Members are strings, so RFC 8785 is exactly RFC 7638's form: sorted, no white space
    char *text = accord_json_canonical (required);
    json_object_put (required);
    if (!text)
        return NULL;
    uint8_t digest [ACCORD_HASH_SIZE];
    accord_sha256 (digest, text, strlen (text));
    free (text);
    return accord_base64url_encode (digest, sizeof digest);
}

//  --------------------------------------------------------------------------
//  Verification methods

int
accord_vm_public_key (uint8_t pubkey [ACCORD_PUBKEY_SIZE], json_object *vm,
                      char *err, size_t err_size)
{
    const char *type = accord_json_get_string (vm, "type");
    if (!type) {
        accord_errorf (err, err_size, "verification method has no type");
        return -2;
    }
    if (strcmp (type, "Multikey") == 0) {
        const char *multibase = accord_json_get_string (vm, "publicKeyMultibase");
        if (!multibase) {
            accord_errorf (err, err_size, "Multikey without publicKeyMultibase");
            return -2;
        }
        return accord_multikey_decode (pubkey, multibase, strlen (multibase), err, err_size);
    }
    if (strcmp (type, "JsonWebKey2020") == 0 || strcmp (type, "JsonWebKey") == 0) {
        json_object *jwk = accord_json_get_object (vm, "publicKeyJwk");
        if (!jwk) {
            accord_errorf (err, err_size, "%s without publicKeyJwk", type);
            return -2;
        }
        return accord_jwk_to_pubkey (pubkey, jwk, err, err_size);
    }
    accord_errorf (err, err_size, "verification method type \"%.64s\" is not supported", type);
    return -2;
}
