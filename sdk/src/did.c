#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void
accord_did_for_key (char *out, const char *chain_id, const uint8_t key [ACCORD_PUBKEY_SIZE])
{
    uint8_t digest [ACCORD_HASH_SIZE];
    char address [2 * ACCORD_DID_ADDRESS_SIZE + 1];
    accord_sha256 (digest, key, ACCORD_PUBKEY_SIZE);
    accord_hex_encode (address, sizeof address, digest, ACCORD_DID_ADDRESS_SIZE);
    snprintf (out, ACCORD_DID_MAX, "did:accord:%s:%s", chain_id, address);
}

int
accord_did_parse (const char *did, const char *chain_id, uint8_t address [ACCORD_DID_ADDRESS_SIZE])
{
    char prefix [ACCORD_DID_MAX];
    snprintf (prefix, sizeof prefix, "did:accord:%s:", chain_id);
    size_t len = strlen (prefix);
    if (!did || strncmp (did, prefix, len) || strlen (did + len) != 2 * ACCORD_DID_ADDRESS_SIZE
    ||  strspn (did + len, "0123456789abcdef") != 2 * ACCORD_DID_ADDRESS_SIZE)
        return -1;
    return accord_hex_decode_exact (address, ACCORD_DID_ADDRESS_SIZE, did + len);
}

int
accord_did_method_key (json_object *method, uint8_t key [ACCORD_PUBKEY_SIZE], char *err, size_t err_size)
{
    //  The two types DID documents on the chain use; keyfmt.h reads the key of either.
    const char *type = accord_json_get_string (method, "type");
    if (!type || (strcmp (type, "Multikey") && strcmp (type, "JsonWebKey2020"))) {
        snprintf (err, err_size, "verification method type must be Multikey or JsonWebKey2020");
        return -1;
    }
    return accord_vm_public_key (key, method, err, err_size) ? -1 : 0;
}

//  The fragment of a method id or reference that belongs to did ("#frag" or "did#frag").
static const char *
s_fragment (const char *ref, const char *did)
{
    if (!ref)
        return NULL;
    if (ref [0] == '#')
        return ref + 1;
    size_t len = strlen (did);
    if (strncmp (ref, did, len) == 0 && ref [len] == '#')
        return ref + len + 1;
    return NULL;
}

static int
s_fragment_ok (const char *fragment)
{
    size_t len = fragment ? strlen (fragment) : 0;
    return len > 0 && len <= 64
        && strspn (fragment, ACCORD_NAME_CHARS) == len;
}

static json_object *
s_method_by_fragment (json_object *doc, const char *did, const char *fragment)
{
    json_object *methods = accord_json_get_array (doc, "verificationMethod");
    for (size_t i = 0; fragment && methods && i < json_object_array_length (methods); i++) {
        json_object *method = json_object_array_get_idx (methods, i);
        const char *own = s_fragment (accord_json_get_string (method, "id"), did);
        if (own && strcmp (own, fragment) == 0)
            return method;
    }
    return NULL;
}

static int
s_check_ids (json_object *list, const char *did, const char *what, char *err, size_t err_size)
{
    for (size_t i = 0; i < json_object_array_length (list); i++) {
        const char *fragment = s_fragment (accord_json_get_string (json_object_array_get_idx (list, i), "id"), did);
        if (!s_fragment_ok (fragment)) {
            snprintf (err, err_size, "%s %zu: id must be %s#FRAGMENT or #FRAGMENT (1 to 64 of A-Z a-z 0-9 . _ -)",
                      what, i, did);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp (fragment, s_fragment (accord_json_get_string (json_object_array_get_idx (list, j), "id"), did)) == 0) {
                snprintf (err, err_size, "%s %zu repeats the id #%s", what, i, fragment);
                return -1;
            }
    }
    return 0;
}

int
accord_did_document_check (json_object *doc, const char *did, char *err, size_t err_size)
{
    if (!json_object_is_type (doc, json_type_object)) {
        snprintf (err, err_size, "the document must be a JSON object");
        return -1;
    }
    char *canonical = accord_json_canonical (doc);
    size_t size = canonical ? strlen (canonical) : SIZE_MAX;
    free (canonical);
    if (size > ACCORD_DID_DOC_MAX) {
        snprintf (err, err_size, "the document is over %d bytes", ACCORD_DID_DOC_MAX);
        return -1;
    }
    const char *id = accord_json_get_string (doc, "id");
    if (!id || strcmp (id, did)) {
        snprintf (err, err_size, "the document's id must be %s", did);
        return -1;
    }
    json_object *controller = NULL;
    if (json_object_object_get_ex (doc, "controller", &controller)) {
        int ok = json_object_is_type (controller, json_type_string);
        if (json_object_is_type (controller, json_type_array)) {
            size_t count = json_object_array_length (controller);
            ok = count > 0 && count <= 8;
            for (size_t i = 0; ok && i < count; i++)
                ok = json_object_is_type (json_object_array_get_idx (controller, i), json_type_string);
        }
        if (!ok) {
            snprintf (err, err_size, "controller must be a DID or an array of 1 to 8 DIDs");
            return -1;
        }
    }
    json_object *methods = NULL, *services = NULL;
    if ((json_object_object_get_ex (doc, "verificationMethod", &methods) && !json_object_is_type (methods, json_type_array))
    ||  (json_object_object_get_ex (doc, "service", &services) && !json_object_is_type (services, json_type_array))
    ||  (methods && json_object_array_length (methods) > ACCORD_DID_METHODS_MAX)
    ||  (services && json_object_array_length (services) > ACCORD_DID_METHODS_MAX)) {
        snprintf (err, err_size, "verificationMethod and service must be arrays of at most %d", ACCORD_DID_METHODS_MAX);
        return -1;
    }
    if ((methods && s_check_ids (methods, did, "verificationMethod", err, err_size))
    ||  (services && s_check_ids (services, did, "service", err, err_size)))
        return -1;
    for (size_t i = 0; methods && i < json_object_array_length (methods); i++) {
        json_object *method = json_object_array_get_idx (methods, i);
        uint8_t key [ACCORD_PUBKEY_SIZE];
        char reason [160];
        if (!accord_json_get_string (method, "controller")) {
            snprintf (err, err_size, "verificationMethod %zu needs a controller", i);
            return -1;
        }
        if (accord_did_method_key (method, key, reason, sizeof reason)) {
            snprintf (err, err_size, "verificationMethod %zu: %s", i, reason);
            return -1;
        }
    }
    for (size_t i = 0; services && i < json_object_array_length (services); i++) {
        json_object *service = json_object_array_get_idx (services, i), *endpoint = NULL;
        if (!accord_json_get_string (service, "type") || !json_object_object_get_ex (service, "serviceEndpoint", &endpoint)) {
            snprintf (err, err_size, "service %zu needs type and serviceEndpoint", i);
            return -1;
        }
    }
    const char *purposes [] = { "authentication", "assertionMethod" };
    for (size_t p = 0; p < 2; p++) {
        json_object *refs = NULL;
        if (!json_object_object_get_ex (doc, purposes [p], &refs))
            continue;
        if (!json_object_is_type (refs, json_type_array) || json_object_array_length (refs) > ACCORD_DID_METHODS_MAX) {
            snprintf (err, err_size, "%s must be an array of references", purposes [p]);
            return -1;
        }
        for (size_t i = 0; i < json_object_array_length (refs); i++) {
            json_object *ref = json_object_array_get_idx (refs, i);
            const char *fragment = json_object_is_type (ref, json_type_string)
                                 ? s_fragment (json_object_get_string (ref), did) : NULL;
            if (!s_method_by_fragment (doc, did, fragment)) {
                snprintf (err, err_size, "%s %zu must reference one of this document's verification methods",
                          purposes [p], i);
                return -1;
            }
        }
    }
    return 0;
}

int
accord_did_key_has_purpose (json_object *doc, const char *purpose, const uint8_t key [ACCORD_PUBKEY_SIZE],
                            const char *method_id)
{
    const char *did = accord_json_get_string (doc, "id");
    json_object *refs = accord_json_get_array (doc, purpose);
    const char *wanted = method_id ? s_fragment (method_id, did ? did : "") : NULL;
    if (!did || (method_id && !wanted))
        return 0;
    for (size_t i = 0; refs && i < json_object_array_length (refs); i++) {
        const char *fragment = s_fragment (json_object_get_string (json_object_array_get_idx (refs, i)), did);
        json_object *method = s_method_by_fragment (doc, did, fragment);
        uint8_t method_key [ACCORD_PUBKEY_SIZE];
        char reason [160];
        if (method && (!wanted || strcmp (wanted, fragment) == 0)
        &&  accord_did_method_key (method, method_key, reason, sizeof reason) == 0
        &&  memcmp (method_key, key, ACCORD_PUBKEY_SIZE) == 0)
            return 1;
    }
    return 0;
}

int
accord_did_verify_assertion (json_object *doc, const uint8_t digest [ACCORD_HASH_SIZE],
                             const uint8_t sig [ACCORD_SIG_SIZE])
{
    const char *did = accord_json_get_string (doc, "id");
    json_object *refs = accord_json_get_array (doc, "assertionMethod");
    for (size_t i = 0; did && refs && i < json_object_array_length (refs); i++) {
        const char *fragment = s_fragment (json_object_get_string (json_object_array_get_idx (refs, i)), did);
        json_object *method = s_method_by_fragment (doc, did, fragment);
        uint8_t key [ACCORD_PUBKEY_SIZE];
        char reason [160];
        if (method && accord_did_method_key (method, key, reason, sizeof reason) == 0
        &&  accord_sig_verify (key, ACCORD_PUBKEY_SIZE, sig, digest) == 0)
            return 0;
    }
    return -1;
}

json_object *
accord_did_multikey_method (const char *did, const char *fragment, const uint8_t key [ACCORD_PUBKEY_SIZE])
{
    char *multibase = accord_multikey_encode (key);
    char method_id [ACCORD_DID_MAX + 80];
    snprintf (method_id, sizeof method_id, "%s#%s", did, fragment);
    json_object *method = json_object_new_object ();
    json_object_object_add (method, "id", json_object_new_string (method_id));
    json_object_object_add (method, "type", json_object_new_string ("Multikey"));
    json_object_object_add (method, "controller", json_object_new_string (did));
    json_object_object_add (method, "publicKeyMultibase", json_object_new_string (multibase ? multibase : ""));
    free (multibase);
    return method;
}

json_object *
accord_did_default_document (const char *did, const uint8_t key [ACCORD_PUBKEY_SIZE])
{
    json_object *doc = json_object_new_object ();
    json_object *context = json_object_new_array ();
    json_object_array_add (context, json_object_new_string ("https://www.w3.org/ns/did/v1"));
    json_object_array_add (context, json_object_new_string ("https://w3id.org/security/multikey/v1"));
    json_object_object_add (doc, "@context", context);
    json_object_object_add (doc, "id", json_object_new_string (did));
    json_object *method = accord_did_multikey_method (did, "key-1", key);
    const char *method_id = json_object_get_string (json_object_object_get (method, "id"));
    const char *purposes [] = { "authentication", "assertionMethod" };
    for (size_t p = 0; p < 2; p++) {
        json_object *refs = json_object_new_array ();
        json_object_array_add (refs, json_object_new_string (method_id));
        json_object_object_add (doc, purposes [p], refs);
    }
    json_object *methods = json_object_new_array ();
    json_object_array_add (methods, method);
    json_object_object_add (doc, "verificationMethod", methods);
    return doc;
}

json_object *
accord_did_rotate (json_object *doc, const uint8_t old_key [ACCORD_PUBKEY_SIZE],
                   const uint8_t new_key [ACCORD_PUBKEY_SIZE])
{
    const char *did = accord_json_get_string (doc, "id");
    json_object *methods = accord_json_get_array (doc, "verificationMethod");
    if (!did || !methods)
        return NULL;
    uint8_t digest [ACCORD_HASH_SIZE];
    char fragment [32], hex [9];
    accord_sha256 (digest, new_key, ACCORD_PUBKEY_SIZE);
    accord_hex_encode (hex, sizeof hex, digest, 4);
    snprintf (fragment, sizeof fragment, "key-%s", hex);
    json_object *next = NULL;
    json_object_deep_copy (doc, &next, NULL);
    json_object *next_methods = accord_json_get_array (next, "verificationMethod");
    int replaced = 0;
    for (size_t i = 0; i < json_object_array_length (next_methods); i++) {
        json_object *method = json_object_array_get_idx (next_methods, i);
        uint8_t key [ACCORD_PUBKEY_SIZE];
        char reason [160];
        if (accord_did_method_key (method, key, reason, sizeof reason) || memcmp (key, old_key, ACCORD_PUBKEY_SIZE))
            continue;
        char *old_id = strdup (accord_json_get_string (method, "id"));
        const char *old_fragment = s_fragment (old_id, did);
        json_object *fresh = accord_did_multikey_method (did, fragment, new_key);
        const char *new_id = json_object_get_string (json_object_object_get (fresh, "id"));
        const char *purposes [] = { "authentication", "assertionMethod" };
        for (size_t p = 0; p < 2; p++) {
            json_object *refs = accord_json_get_array (next, purposes [p]);
            for (size_t r = 0; refs && r < json_object_array_length (refs); r++) {
                const char *ref = s_fragment (json_object_get_string (json_object_array_get_idx (refs, r)), did);
                if (ref && old_fragment && strcmp (ref, old_fragment) == 0)
                    json_object_array_put_idx (refs, r, json_object_new_string (new_id));
            }
        }
        json_object_array_put_idx (next_methods, i, fresh);
        free (old_id);
        replaced = 1;
        break;
    }
    if (!replaced)
        json_object_put (next);
    return replaced ? next : NULL;
}
