/*  Untrusted text through the chain-backed verifier (accord/verifier.h) with an in-memory
    source that knows one issuer (did:accord, recognized), its schema and status list: as a
    credential (vc+jwt or SD-JWT), as a presentation, and as claims for the status check.
    Also a valid credential of that issuer with the input spliced into its claims, so that
    fuzzed text reaches the schema and status checks behind a good signature. Nothing may
    crash or leak; a result is a known code, with output only when valid. */
#include "accord/did.h"
#include "accord/json.h"
#include "accord/statuslist.h"
#include "accord/verifier.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The first did:key vector's secret (w3c-ccg did-method-key), as the issuer's key
static const uint8_t s_secret [32] = {
    0x90, 0x85, 0xd2, 0xbe, 0xf6, 0x92, 0x86, 0xa6, 0xcb, 0xb5, 0x16, 0x23, 0xc8, 0xfa, 0x25, 0x86,
    0x29, 0x94, 0x5c, 0xd5, 0x5c, 0xa7, 0x05, 0xcc, 0x4e, 0x66, 0x70, 0x03, 0x96, 0x89, 0x4e, 0x0c
};
static accord_key_t *s_key;
static accord_memory_source_t *s_source;
static char s_did [ACCORD_DID_MAX], s_kid [ACCORD_DID_MAX + 16], s_schema_id [300],
            s_list_id [300];

//  Replaces the string values "ISSUER", "SCHEMA" and "LIST" (members of objects, at any depth)
//  with the issuer's DID, schema id and status list id, so seeds can name them
static void
s_fill (json_object *node, int depth)
{
    if (depth > 8 || !json_object_is_type (node, json_type_object))
        return;
    json_object_object_foreach (node, key, value) {
        const char *text = json_object_is_type (value, json_type_string)
                         ? json_object_get_string (value) : NULL;
        const char *real = !text ? NULL : strcmp (text, "ISSUER") == 0 ? s_did
                         : strcmp (text, "SCHEMA") == 0 ? s_schema_id
                         : strcmp (text, "LIST") == 0 ? s_list_id : NULL;
        if (real)
            json_object_object_add (node, key, json_object_new_string (real));
        else
            s_fill (value, depth + 1);
    }
}

static void
s_init (void)
{
    s_key = accord_key_new_from_secret (s_secret);
    s_source = accord_memory_source_new ();
    if (!s_key || !s_source)
        abort ();
    accord_did_for_key (s_did, "fuzz", accord_key_public (s_key));
    snprintf (s_kid, sizeof s_kid, "%s#key-1", s_did);
    json_object *resolution = json_object_new_object ();
    json_object_object_add (resolution, "didDocument",
                            accord_did_default_document (s_did, accord_key_public (s_key)));
    json_object_object_add (resolution, "didResolutionMetadata", json_object_new_object ());
    char text [1024];
    snprintf (text, sizeof text, "{\"did\":\"%s\",\"recognized\":true,\"types\":[\"university\"]}",
              s_did);
    json_object *issuer = accord_json_parse (text, strlen (text), NULL, 0);
    snprintf (text, sizeof text, "{\"id\":\"%s/schemas/s/1\",\"schema\":{\"type\":\"object\","
              "\"properties\":{\"credentialSubject\":{\"type\":\"object\",\"properties\":"
              "{\"age\":{\"type\":\"integer\",\"minimum\":18},\"name\":{\"type\":\"string\","
              "\"pattern\":\"^[A-Z][a-z]+$\"}}}}}}", s_did);
    json_object *schema = accord_json_parse (text, strlen (text), NULL, 0);
    accord_statuslist_t *list = accord_statuslist_new (0);
    accord_statuslist_set (list, 3, 1);
    char *encoded = accord_statuslist_encode (list);
    json_object *status = json_object_new_object ();
    json_object_object_add (status, "issuer", json_object_new_string (s_did));
    json_object_object_add (status, "purpose", json_object_new_string ("revocation"));
    json_object_object_add (status, "encodedList", json_object_new_string (encoded));
    free (encoded);
    accord_statuslist_destroy (&list);
    snprintf (s_schema_id, sizeof s_schema_id, "%s/schemas/s/1", s_did);
    snprintf (s_list_id, sizeof s_list_id, "%s/status/r", s_did);
    if (accord_memory_source_put (s_source, "did", "resolve", s_did, &resolution)
    ||  accord_memory_source_put (s_source, "issuer", "get", s_did, &issuer)
    ||  accord_memory_source_put (s_source, "schema", "get", s_schema_id, &schema)
    ||  accord_memory_source_put (s_source, "status", "get", s_list_id, &status))
        abort ();
}

static void
s_check (accord_vc_error_t code, const accord_vc_result_t *result, json_object *out)
{
    if (code < 0 || code >= ACCORD_VC_E__COUNT || code != result->code
    ||  (code == ACCORD_VC_VALID) != (out != NULL))
        abort ();
    json_object_put (out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_key)
        s_init ();
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text [size] = 0;
    accord_verifier_t verifier = {
        .query = accord_memory_source_query, .query_ctx = s_source,
        .opts = { .now = 1767225600, .leeway = 60, .nonce = "n", .audience = "a" },
        .require_recognized_issuer = 1, .issuer_type = "university",
    };
    accord_vc_result_t result;
    json_object *out = NULL;
    s_check (accord_verify_credential (&verifier, text, size, &out, &result), &result, out);
    out = NULL;
    s_check (accord_verify_presentation (&verifier, text, size, &out, &result), &result, out);

    //  As claims: a signed credential of the issuer around them, and the status check alone,
    //  with lists decoded by the source and from status.get
    json_object *claims = accord_json_parse (text, size, NULL, 0);
    if (json_object_is_type (claims, json_type_object)) {
        s_fill (claims, 0);
        json_object_object_add (claims, "@context",
                                json_object_new_string (ACCORD_VC_CONTEXT_V2));
        (void) accord_verify_status (&verifier, claims, &result);
        verifier.status_bit = accord_memory_source_status_bit;
        verifier.status_ctx = s_source;
        (void) accord_verify_status (&verifier, claims, &result);
        accord_vc_params_t params = { .issuer = s_did, .valid_from = 1767225600 - 3600,
                                      .subject = accord_json_get_object (claims, "subject"),
                                      .status = json_object_object_get (claims, "status") };
        json_object *schema = json_object_object_get (claims, "schema");
        params.schema_id = json_object_is_type (schema, json_type_string)
                         ? json_object_get_string (schema) : NULL;
        char err [256];
        json_object *vc = params.subject ? accord_vc_build (&params, err, sizeof err) : NULL;
        char *token = vc ? accord_vc_jwt_sign (s_key, s_kid, vc, err, sizeof err) : NULL;
        if (token) {
            out = NULL;
            s_check (accord_verify_credential (&verifier, token, strlen (token), &out, &result),
                     &result, out);
        }
        free (token);
        json_object_put (vc);
    }
    json_object_put (claims);
    free (text);
    return 0;
}
