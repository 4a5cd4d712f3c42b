/*  The chain-backed verifier over an in-memory source that serves the records the chain's
    modules would (did.resolve, issuer.get, schema.get, status.get): every result code of
    accord/vc.h reached by a scenario, credentials as vc+jwt and SD-JWT, presentations, status
    lists through the query and through a source of decoded lists, and a source that fails. */
#include "testutil.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/sdjwt.h"
#include "accord/statuslist.h"
#include "accord/verifier.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_CHAIN     "verifier-test"
#define T_NOW       INT64_C (1767225600)      //  2026-01-01T00:00:00Z
#define T_DAY       INT64_C (86400)
#define NONCE       "n-0S6_WzA2Mj"
#define AUDIENCE    "https://verifier.example"
#define REVOKED_AT  5                           //  bit set in the issuer's revocation list
#define SUSPENDED_AT 7                          //  bit set in its suspension list

typedef struct {
    accord_key_t *key;
    char did [ACCORD_DID_MAX];
    char kid [ACCORD_DID_MAX + 16];
} party_t;

static accord_memory_source_t *s_source;
static party_t s_issuer, s_holder, s_stranger, s_deactivated, s_auth_only, s_unknown;
static char s_schema_id [256], s_revocation_list [256], s_suspension_list [256],
            s_foreign_list [256];

static void
s_party (party_t *self)
{
    self->key = accord_key_new ();
    ck_assert_ptr_nonnull (self->key);
    accord_did_for_key (self->did, T_CHAIN, accord_key_public (self->key));
    snprintf (self->kid, sizeof self->kid, "%s#key-1", self->did);
}

static json_object *
s_json (const char *text)
{
    char err [128] = "";
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    ck_assert_msg (obj != NULL, "test JSON: %s", err);
    return obj;
}

static void
s_put (const char *module, const char *method, const char *key, json_object *record)
{
    ck_assert_int_eq (accord_memory_source_put (s_source, module, method, key, &record), 0);
}

//  What did.resolve answers: the document and, for a deactivated DID, the error
static void
s_put_did (party_t *party, json_object *doc, const char *error)
{
    json_object *resolution = json_object_new_object ();
    json_object_object_add (resolution, "didDocument", doc);
    json_object_object_add (resolution, "didDocumentMetadata", json_object_new_object ());
    json_object *meta = json_object_new_object ();
    if (error)
        json_object_object_add (meta, "error", json_object_new_string (error));
    json_object_object_add (resolution, "didResolutionMetadata", meta);
    s_put ("did", "resolve", party->did, resolution);
}

static void
s_put_status_list (const char *id, const char *issuer, const char *purpose, uint64_t set)
{
    accord_statuslist_t *list = accord_statuslist_new (0);
    ck_assert_int_eq (accord_statuslist_set (list, set, 1), 0);
    char *encoded = accord_statuslist_encode (list);
    json_object *record = json_object_new_object ();
    json_object_object_add (record, "id", json_object_new_string (id));
    json_object_object_add (record, "issuer", json_object_new_string (issuer));
    json_object_object_add (record, "purpose", json_object_new_string (purpose));
    json_object_object_add (record, "size", json_object_new_int64 (ACCORD_STATUSLIST_MIN_BITS));
    json_object_object_add (record, "encodedList", json_object_new_string (encoded));
    s_put ("status", "get", id, record);
    free (encoded);
    accord_statuslist_destroy (&list);
}

static void
s_setup (void)
{
    s_source = accord_memory_source_new ();
    ck_assert_ptr_nonnull (s_source);
    party_t *parties [] = { &s_issuer, &s_holder, &s_stranger, &s_deactivated, &s_auth_only,
                            &s_unknown };
    for (size_t i = 0; i < sizeof parties / sizeof parties [0]; i++)
        s_party (parties [i]);
    s_put_did (&s_issuer, accord_did_default_document (s_issuer.did,
                                                       accord_key_public (s_issuer.key)), NULL);
    s_put_did (&s_holder, accord_did_default_document (s_holder.did,
                                                       accord_key_public (s_holder.key)), NULL);
    s_put_did (&s_stranger, accord_did_default_document (s_stranger.did,
                                                         accord_key_public (s_stranger.key)), NULL);
    s_put_did (&s_deactivated, accord_did_default_document (s_deactivated.did,
                                      accord_key_public (s_deactivated.key)), "deactivated");
    //  A key for authentication only: it may present, not issue
    json_object *doc = accord_did_default_document (s_auth_only.did,
                                                    accord_key_public (s_auth_only.key));
    json_object_object_del (doc, "assertionMethod");
    s_put_did (&s_auth_only, doc, NULL);

    //  The issuer is recognized as a university; the stranger's recognition was revoked
    char record [1024];
    snprintf (record, sizeof record, "{\"did\":\"%s\",\"name\":\"Example University\","
              "\"recognized\":true,\"types\":[\"university\"],\"recognized_height\":3}",
              s_issuer.did);
    s_put ("issuer", "get", s_issuer.did, s_json (record));
    snprintf (record, sizeof record, "{\"did\":\"%s\",\"name\":\"Gone\",\"recognized\":false,"
              "\"types\":[],\"recognized_height\":3,\"revoked_height\":9}", s_stranger.did);
    s_put ("issuer", "get", s_stranger.did, s_json (record));

    snprintf (s_schema_id, sizeof s_schema_id, "%s/schemas/person/1", s_issuer.did);
    snprintf (record, sizeof record, "{\"id\":\"%s\",\"publisher\":\"%s\",\"name\":\"person\","
              "\"version\":1,\"schema\":{\"type\":\"object\",\"required\":[\"credentialSubject\"],"
              "\"properties\":{\"credentialSubject\":{\"type\":\"object\",\"required\":[\"name\"],"
              "\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\","
              "\"minimum\":18}}}}}}", s_schema_id, s_issuer.did);
    s_put ("schema", "get", s_schema_id, s_json (record));

    snprintf (s_revocation_list, sizeof s_revocation_list, "%s/status/rev", s_issuer.did);
    snprintf (s_suspension_list, sizeof s_suspension_list, "%s/status/sus", s_issuer.did);
    snprintf (s_foreign_list, sizeof s_foreign_list, "%s/status/rev", s_stranger.did);
    s_put_status_list (s_revocation_list, s_issuer.did, "revocation", REVOKED_AT);
    s_put_status_list (s_suspension_list, s_issuer.did, "suspension", SUSPENDED_AT);
    s_put_status_list (s_foreign_list, s_stranger.did, "revocation", REVOKED_AT);
}

static void
s_teardown (void)
{
    party_t *parties [] = { &s_issuer, &s_holder, &s_stranger, &s_deactivated, &s_auth_only,
                            &s_unknown };
    for (size_t i = 0; i < sizeof parties / sizeof parties [0]; i++)
        accord_key_destroy (&parties [i]->key);
    accord_memory_source_destroy (&s_source);
}

//  --------------------------------------------------------------------------
//  Credentials to verify

typedef struct {
    party_t *issuer;            //  whose DID is the issuer (default s_issuer)
    accord_key_t *key;          //  signing key (default the issuer's)
    const char *kid;            //  default the issuer's #key-1
    int64_t from, until;        //  default T_NOW - T_DAY, none
    int no_schema;
    int age;                    //  default 30
    const char *status_list;    //  NULL: no credentialStatus
    const char *status_purpose;
    uint64_t status_index;
    const char *sd_path;        //  SD-JWT with this disclosable path, bound to the holder
} vc_spec_t;

static json_object *
s_credential (const vc_spec_t *spec)
{
    party_t *issuer = spec->issuer ? spec->issuer : &s_issuer;
    json_object *subject = json_object_new_object ();
    json_object_object_add (subject, "id", json_object_new_string (s_holder.did));
    json_object_object_add (subject, "name", json_object_new_string ("Alice"));
    json_object_object_add (subject, "age", json_object_new_int (spec->age ? spec->age : 30));
    json_object *status = spec->status_list
                        ? accord_vc_status_entry (spec->status_list, spec->status_index,
                                                  spec->status_purpose ? spec->status_purpose
                                                                       : "revocation")
                        : NULL;
    accord_vc_params_t params = {
        .issuer = issuer->did,
        .valid_from = spec->from ? spec->from : T_NOW - T_DAY,
        .valid_until = spec->until,
        .subject = subject,
        .schema_id = spec->no_schema ? NULL : s_schema_id,
        .status = status,
    };
    char err [128] = "";
    json_object *vc = accord_vc_build (&params, err, sizeof err);
    ck_assert_msg (vc != NULL, "%s", err);
    json_object_put (subject);
    json_object_put (status);
    return vc;
}

static char *
s_issue (const vc_spec_t *spec)
{
    party_t *issuer = spec->issuer ? spec->issuer : &s_issuer;
    accord_key_t *key = spec->key ? spec->key : issuer->key;
    const char *kid = spec->kid ? spec->kid : issuer->kid;
    json_object *vc = s_credential (spec);
    char err [128] = "", *token;
    if (spec->sd_path) {
        accord_sdjwt_issue_opts_t opts = { .typ = "vc+sd-jwt", .kid = kid,
                                           .holder_key = accord_key_public (s_holder.key) };
        token = accord_sdjwt_issue (key, vc, &spec->sd_path, 1, &opts, err, sizeof err);
    }
    else
        token = accord_vc_jwt_sign (key, kid, vc, err, sizeof err);
    ck_assert_msg (token != NULL, "%s", err);
    json_object_put (vc);
    return token;
}

//  The holder's presentation of an SD-JWT: reveal path (or nothing), KB-JWT for nonce / aud
static char *
s_present (const char *sdjwt, const char *path, const char *nonce, const char *audience)
{
    char err [128] = "";
    const char *paths [1] = { path };
    char *presented = accord_sdjwt_present (sdjwt, strlen (sdjwt), paths, path ? 1 : 0,
                                            nonce ? s_holder.key : NULL, nonce, audience, T_NOW,
                                            err, sizeof err);
    ck_assert_msg (presented != NULL, "%s", err);
    return presented;
}

static char *
s_vp (party_t *holder, const char *credential, const char *nonce, const char *audience)
{
    accord_vp_params_t params = { .holder = holder->did, .kid = holder->kid,
                                  .credentials = &credential, .credential_count = 1,
                                  .nonce = nonce, .audience = audience, .issued_at = T_NOW };
    char err [128] = "";
    char *token = accord_vp_jwt_sign (holder->key, &params, err, sizeof err);
    ck_assert_msg (token != NULL, "%s", err);
    return token;
}

static accord_verifier_t
s_verifier (void)
{
    accord_verifier_t verifier = {
        .query = accord_memory_source_query,
        .query_ctx = s_source,
        .opts = { .now = T_NOW, .leeway = 60, .nonce = NONCE, .audience = AUDIENCE },
    };
    return verifier;
}

//  Codes seen by s_expect in this test
static int s_seen [ACCORD_VC_E__COUNT];

static void
s_expect_at (const char *where, int line, accord_vc_error_t code, accord_vc_error_t want,
             const accord_vc_result_t *result, const char *needle)
{
    ck_assert_msg (code == want, "%s:%d: got %s (%s), want %s", where, line,
                   accord_vc_error_name (code), result->message, accord_vc_error_name (want));
    ck_assert_int_eq (result->code, code);
    if (needle)
        ck_assert_msg (strstr (result->message, needle) != NULL, "%s:%d: message \"%s\" lacks \"%s\"",
                       where, line, result->message, needle);
    if (code == ACCORD_VC_VALID)
        ck_assert_str_eq (result->message, "");
    s_seen [code] = 1;
}

#define EXPECT(code, want, result, needle) \
    s_expect_at (__FILE__, __LINE__, (code), (want), (result), (needle))

static accord_vc_error_t
s_verify (const accord_verifier_t *verifier, const char *token, json_object **claims,
          accord_vc_result_t *result)
{
    return accord_verify_credential (verifier, token, strlen (token), claims, result);
}

//  Issues from spec and expects want
static void
s_case_at (int line, const accord_verifier_t *verifier, const vc_spec_t *spec,
           accord_vc_error_t want, const char *needle)
{
    char *token = s_issue (spec);
    accord_vc_result_t result;
    json_object *claims = NULL;
    accord_vc_error_t code = s_verify (verifier, token, &claims, &result);
    s_expect_at (__FILE__, line, code, want, &result, needle);
    ck_assert ((claims != NULL) == (code == ACCORD_VC_VALID));
    json_object_put (claims);
    free (token);
}

#define CASE(verifier, spec, want, needle) s_case_at (__LINE__, (verifier), (spec), (want), (needle))

//  --------------------------------------------------------------------------

static void
s_credential_valid (void)
{
    accord_verifier_t verifier = s_verifier ();
    vc_spec_t spec = { .status_list = s_revocation_list, .status_index = 6 };
    char *token = s_issue (&spec);
    accord_vc_result_t result;
    json_object *claims = NULL;
    EXPECT (s_verify (&verifier, token, &claims, &result), ACCORD_VC_VALID, &result, NULL);
    ck_assert_str_eq (accord_vc_issuer (claims), s_issuer.did);
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (claims, "credentialSubject"),
                                              "name"), "Alice");
    json_object_put (claims);

    //  The registry, and an issuer type, when the verifier asks for them
    verifier.require_recognized_issuer = 1;
    verifier.issuer_type = "university";
    EXPECT (s_verify (&verifier, token, NULL, &result), ACCORD_VC_VALID, &result, NULL);
    free (token);

    //  A did:key issuer verifies without the chain
    accord_key_t *key = accord_key_new ();
    char *did = accord_did_key_encode (accord_key_public (key));
    party_t offline = { .key = key };
    snprintf (offline.did, sizeof offline.did, "%s", did);
    snprintf (offline.kid, sizeof offline.kid, "%s#%s", did, did + strlen (ACCORD_DID_KEY_PREFIX));
    vc_spec_t offline_spec = { .issuer = &offline, .no_schema = 1 };
    accord_verifier_t plain = s_verifier ();
    CASE (&plain, &offline_spec, ACCORD_VC_VALID, NULL);
    free (did);
    accord_key_destroy (&key);
}

static void
s_credential_keys (void)
{
    accord_verifier_t verifier = s_verifier ();
    //  The issuer's DID is not on the chain, or of a method we do not resolve
    vc_spec_t spec = { .issuer = &s_unknown, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_UNKNOWN_DID, "not on the chain");
    party_t web = { .key = s_issuer.key };
    snprintf (web.did, sizeof web.did, "did:web:example.com");
    snprintf (web.kid, sizeof web.kid, "did:web:example.com#key-1");
    spec = (vc_spec_t) { .issuer = &web, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_UNKNOWN_DID, "only did:accord and did:key");
    //  A resolution that says notFound
    party_t gone;
    s_party (&gone);
    s_put_did (&gone, NULL, "notFound");
    spec = (vc_spec_t) { .issuer = &gone, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_UNKNOWN_DID, "notFound");
    accord_key_destroy (&gone.key);

    spec = (vc_spec_t) { .issuer = &s_deactivated, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_DID_DEACTIVATED, "deactivated");

    //  A key for authentication only, a key fragment the document lacks (rotated out), a kid
    //  of another DID than the issuer
    spec = (vc_spec_t) { .issuer = &s_auth_only, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_KEY_NOT_AUTHORIZED, "assertionMethod");
    char kid [ACCORD_DID_MAX + 16];
    snprintf (kid, sizeof kid, "%s#key-2", s_issuer.did);
    spec = (vc_spec_t) { .kid = kid, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_KEY_NOT_AUTHORIZED, "no verification method");

    //  Signed by another key under the issuer's kid; a tampered payload
    spec = (vc_spec_t) { .key = s_stranger.key, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_BAD_SIGNATURE, NULL);
    spec = (vc_spec_t) { .no_schema = 1 };
    char *token = s_issue (&spec);
    char *tampered = tu_jwt_tamper (token, "Alice", "Carol");
    accord_vc_result_t result;
    EXPECT (s_verify (&verifier, tampered, NULL, &result), ACCORD_VC_E_BAD_SIGNATURE, &result, NULL);
    free (tampered);
    free (token);
}

static void
s_credential_format (void)
{
    accord_verifier_t verifier = s_verifier ();
    accord_vc_result_t result;
    static const char *garbage [] = { "", "not a token", "a.b.c", "eyJhbGciOiJFUzI1NksifQ..",
                                      "~", "x~y~" };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage [0]; i++)
        EXPECT (s_verify (&verifier, garbage [i], NULL, &result), ACCORD_VC_E_MALFORMED, &result,
                NULL);
    ck_assert_int_eq (accord_verify_credential (&verifier, NULL, 0, NULL, &result),
                      ACCORD_VC_E_MALFORMED);

    //  alg none; a presentation where a credential belongs
    char *header = "eyJhbGciOiJub25lIiwidHlwIjoidmMrand0In0";    //  {"alg":"none","typ":"vc+jwt"}
    vc_spec_t spec = { .no_schema = 1 };
    char *token = s_issue (&spec);
    char *forged = malloc (strlen (token) + 64);
    sprintf (forged, "%s%s", header, strchr (token, '.'));
    EXPECT (s_verify (&verifier, forged, NULL, &result), ACCORD_VC_E_UNSUPPORTED, &result, "none");
    //  Truncated anywhere: never valid, and refused as malformed or by its signature
    size_t len = strlen (token);
    for (size_t cut = 1; cut < len; cut += (cut < len - 90 ? 37 : 1)) {
        char *part = strndup (token, len - cut);
        accord_vc_error_t code = s_verify (&verifier, part, NULL, &result);
        ck_assert_msg (code == ACCORD_VC_E_MALFORMED || code == ACCORD_VC_E_BAD_SIGNATURE
                       || code == ACCORD_VC_E_UNSUPPORTED,
                       "%zu characters cut: %s", cut, accord_vc_error_name (code));
        free (part);
    }
    char *vp = s_vp (&s_holder, token, NONCE, AUDIENCE);
    EXPECT (s_verify (&verifier, vp, NULL, &result), ACCORD_VC_E_WRONG_TYPE, &result, "vc+jwt");
    free (vp);
    free (forged);
    free (token);

    //  A source that is not there
    accord_verifier_t none = { .query = NULL };
    ck_assert_int_eq (accord_verify_credential (&none, "x", 1, NULL, &result), ACCORD_VC_E_INTERNAL);
}

static void
s_credential_window (void)
{
    accord_verifier_t verifier = s_verifier ();
    vc_spec_t spec = { .from = T_NOW + T_DAY };
    CASE (&verifier, &spec, ACCORD_VC_E_NOT_YET_VALID, NULL);
    spec = (vc_spec_t) { .from = T_NOW - 2 * T_DAY, .until = T_NOW - T_DAY };
    CASE (&verifier, &spec, ACCORD_VC_E_EXPIRED, NULL);
    //  Within the leeway
    spec = (vc_spec_t) { .from = T_NOW + 30 };
    CASE (&verifier, &spec, ACCORD_VC_VALID, NULL);
}

static void
s_credential_registry_and_schema (void)
{
    accord_verifier_t verifier = s_verifier ();
    verifier.require_recognized_issuer = 1;
    vc_spec_t spec = { .issuer = &s_holder, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_ISSUER_NOT_RECOGNIZED, "not in the issuer registry");
    spec = (vc_spec_t) { .issuer = &s_stranger, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_ISSUER_NOT_RECOGNIZED, "no longer");
    verifier.issuer_type = "bank";
    spec = (vc_spec_t) { .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_ISSUER_NOT_RECOGNIZED, "of type bank");
    //  Without the requirement nobody asks the registry
    verifier = s_verifier ();
    spec = (vc_spec_t) { .issuer = &s_holder, .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_VALID, NULL);

    spec = (vc_spec_t) { .age = 17 };
    CASE (&verifier, &spec, ACCORD_VC_E_SCHEMA_VIOLATION, "/credentialSubject/age");
    //  A schema the chain does not have
    json_object *vc = s_credential (&(vc_spec_t) { .no_schema = 1 });
    json_object *schema = s_json ("{\"id\":\"did:accord:x:1/schemas/none/1\",\"type\":\"JsonSchema\"}");
    json_object_object_add (vc, "credentialSchema", schema);
    char err [128];
    char *token = accord_vc_jwt_sign (s_issuer.key, s_issuer.kid, vc, err, sizeof err);
    accord_vc_result_t result;
    EXPECT (s_verify (&verifier, token, NULL, &result), ACCORD_VC_E_SCHEMA_VIOLATION, &result,
            "not on the chain");
    free (token);
    //  A schema type we do not read
    json_object_object_add (vc, "credentialSchema",
                            s_json ("{\"id\":\"https://x.example/s\",\"type\":\"ShaclSchema\"}"));
    token = accord_vc_jwt_sign (s_issuer.key, s_issuer.kid, vc, err, sizeof err);
    EXPECT (s_verify (&verifier, token, NULL, &result), ACCORD_VC_E_UNSUPPORTED, &result,
            "JsonSchema");
    free (token);
    json_object_put (vc);
}

//  The status cases, with the verifier as given
static void
s_status_cases (const accord_verifier_t *verifier)
{
    vc_spec_t spec = { .status_list = s_revocation_list, .status_index = REVOKED_AT };
    CASE (verifier, &spec, ACCORD_VC_E_REVOKED, "revoked");
    spec.status_index = SUSPENDED_AT;
    CASE (verifier, &spec, ACCORD_VC_VALID, NULL);
    spec = (vc_spec_t) { .status_list = s_suspension_list, .status_purpose = "suspension",
                         .status_index = SUSPENDED_AT };
    CASE (verifier, &spec, ACCORD_VC_E_SUSPENDED, "suspended");
    //  The list of another issuer, of another purpose, missing; an index outside the list
    spec = (vc_spec_t) { .status_list = s_foreign_list, .status_index = 1 };
    CASE (verifier, &spec, ACCORD_VC_E_MALFORMED, "not to the issuer");
    spec = (vc_spec_t) { .status_list = s_suspension_list, .status_index = 1 };
    CASE (verifier, &spec, ACCORD_VC_E_MALFORMED, "the entry says revocation");
    char missing [300];
    snprintf (missing, sizeof missing, "%s/status/none", s_issuer.did);
    spec = (vc_spec_t) { .status_list = missing, .status_index = 1 };
    CASE (verifier, &spec, ACCORD_VC_E_MALFORMED, "not on the chain");
    spec = (vc_spec_t) { .status_list = s_revocation_list,
                         .status_index = ACCORD_STATUSLIST_MIN_BITS };
    CASE (verifier, &spec, ACCORD_VC_E_MALFORMED, "outside");
}

static void
s_credential_status (void)
{
    accord_verifier_t verifier = s_verifier ();
    s_status_cases (&verifier);
    //  The same answers from the source's decoded lists
    verifier.status_bit = accord_memory_source_status_bit;
    verifier.status_ctx = s_source;
    s_status_cases (&verifier);
    //  Offline use skips status
    verifier.skip_status = 1;
    vc_spec_t spec = { .status_list = s_revocation_list, .status_index = REVOKED_AT };
    CASE (&verifier, &spec, ACCORD_VC_VALID, NULL);

    //  The status check alone, on claims; entries that do not read
    verifier = s_verifier ();
    accord_vc_result_t result;
    json_object *vc = s_credential (&(vc_spec_t) { .no_schema = 1 });
    EXPECT (accord_verify_status (&verifier, vc, &result), ACCORD_VC_VALID, &result, NULL);
    static const char *entries [] = {
        "{\"type\":\"StatusList2021Entry\",\"statusPurpose\":\"revocation\","
        "\"statusListIndex\":\"1\",\"statusListCredential\":\"x\"}",
        "{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"message\","
        "\"statusListIndex\":\"1\",\"statusListCredential\":\"x\"}",
        "{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"revocation\","
        "\"statusListIndex\":\"01\",\"statusListCredential\":\"x\"}",
        "{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"revocation\","
        "\"statusListIndex\":\"1\"}",
        "[\"not an object\"]",
    };
    for (size_t i = 0; i < sizeof entries / sizeof entries [0]; i++) {
        json_object_object_add (vc, "credentialStatus", s_json (entries [i]));
        EXPECT (accord_verify_status (&verifier, vc, &result), ACCORD_VC_E_MALFORMED, &result, NULL);
    }
    json_object_put (vc);
    //  A record that does not decode
    char id [300], record [600];
    snprintf (id, sizeof id, "%s/status/broken", s_issuer.did);
    json_object *broken = s_json ("{\"issuer\":\"x\",\"purpose\":\"revocation\",\"encodedList\":\"uAAAA\"}");
    ck_assert_int_eq (accord_memory_source_put (s_source, "status", "get", id, &broken), -1);
    ck_assert_ptr_null (broken);
    snprintf (record, sizeof record, "{\"issuer\":\"%s\",\"purpose\":\"revocation\","
              "\"encodedList\":\"uAAAA\"}", s_issuer.did);
    json_object *text = s_json (record);
    accord_status_bit_t meta;
    accord_statuslist_t *list = NULL;
    char err [160];
    ck_assert_int_eq (accord_status_record_decode (text, &meta, &list, err, sizeof err), -2);
    ck_assert_ptr_null (list);
    json_object_put (text);
}

static void
s_sdjwt_credential (void)
{
    accord_verifier_t verifier = s_verifier ();
    verifier.opts.require_key_binding = 1;
    vc_spec_t spec = { .sd_path = "/credentialSubject/age", .status_list = s_revocation_list,
                       .status_index = 3 };
    char *issued = s_issue (&spec);
    accord_vc_result_t result;
    json_object *claims = NULL;

    //  Disclosed, and withheld (age is optional in the schema)
    char *shown = s_present (issued, "/credentialSubject/age", NONCE, AUDIENCE);
    EXPECT (s_verify (&verifier, shown, &claims, &result), ACCORD_VC_VALID, &result, NULL);
    json_object *subject = accord_json_get_object (claims, "credentialSubject");
    ck_assert_int_eq (json_object_get_int (json_object_object_get (subject, "age")), 30);
    json_object_put (claims);
    char *hidden = s_present (issued, NULL, NONCE, AUDIENCE);
    EXPECT (s_verify (&verifier, hidden, &claims, &result), ACCORD_VC_VALID, &result, NULL);
    subject = accord_json_get_object (claims, "credentialSubject");
    ck_assert (!json_object_object_get_ex (subject, "age", NULL));
    json_object_put (claims);
    free (hidden);

    //  This verifier's nonce and audience only
    char *other = s_present (issued, NULL, "another-nonce", AUDIENCE);
    EXPECT (s_verify (&verifier, other, NULL, &result), ACCORD_VC_E_NONCE_MISMATCH, &result, NULL);
    free (other);
    other = s_present (issued, NULL, NONCE, "https://elsewhere.example");
    EXPECT (s_verify (&verifier, other, NULL, &result), ACCORD_VC_E_AUDIENCE_MISMATCH, &result, NULL);
    free (other);
    //  Without a KB-JWT, when one is required
    other = s_present (issued, NULL, NULL, NULL);
    EXPECT (s_verify (&verifier, other, NULL, &result), ACCORD_VC_E_BAD_KEY_BINDING, &result, NULL);
    free (other);
    //  A disclosure the issuer never signed for
    char *tilde = strchr (shown, '~');
    size_t jwt_len = (size_t) (tilde - shown);
    char *alien_issued = s_issue (&spec);
    char *alien = strchr (alien_issued, '~') + 1;
    size_t alien_len = strcspn (alien, "~");
    char *mixed = malloc (strlen (shown) + alien_len + 4);
    sprintf (mixed, "%.*s~%.*s~", (int) jwt_len, shown, (int) alien_len, alien);
    verifier.opts.require_key_binding = 0;
    EXPECT (s_verify (&verifier, mixed, NULL, &result), ACCORD_VC_E_BAD_DISCLOSURE, &result, NULL);
    free (mixed);
    free (alien_issued);
    free (shown);
    free (issued);

    //  The chain checks apply to SD-JWTs too
    spec = (vc_spec_t) { .sd_path = "/credentialSubject/name", .issuer = &s_deactivated };
    issued = s_issue (&spec);
    EXPECT (s_verify (&verifier, issued, NULL, &result), ACCORD_VC_E_DID_DEACTIVATED, &result, NULL);
    free (issued);
    spec = (vc_spec_t) { .sd_path = "/credentialSubject/name", .status_list = s_revocation_list,
                         .status_index = REVOKED_AT };
    issued = s_issue (&spec);
    EXPECT (s_verify (&verifier, issued, NULL, &result), ACCORD_VC_E_REVOKED, &result, NULL);
    free (issued);
    //  name is required by the schema: withholding it violates the schema
    spec.status_index = 1;
    issued = s_issue (&spec);
    char *withheld = s_present (issued, NULL, NULL, NULL);
    EXPECT (s_verify (&verifier, withheld, NULL, &result), ACCORD_VC_E_SCHEMA_VIOLATION, &result,
            "name");
    free (withheld);
    free (issued);
    spec = (vc_spec_t) { .sd_path = "/credentialSubject/name", .key = s_stranger.key };
    issued = s_issue (&spec);
    EXPECT (s_verify (&verifier, issued, NULL, &result), ACCORD_VC_E_BAD_SIGNATURE, &result, NULL);
    free (issued);
}

static void
s_presentation (void)
{
    accord_verifier_t verifier = s_verifier ();
    verifier.require_recognized_issuer = 1;
    vc_spec_t spec = { .status_list = s_revocation_list, .status_index = 2 };
    char *credential = s_issue (&spec);
    accord_vc_result_t result;
    json_object *presentation = NULL;
    char *vp = s_vp (&s_holder, credential, NONCE, AUDIENCE);
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), &presentation, &result),
            ACCORD_VC_VALID, &result, NULL);
    ck_assert_str_eq (accord_json_get_string (presentation, "holder"), s_holder.did);
    json_object_put (presentation);
    free (vp);

    vp = s_vp (&s_holder, credential, "replayed", AUDIENCE);
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), NULL, &result),
            ACCORD_VC_E_NONCE_MISMATCH, &result, NULL);
    free (vp);
    vp = s_vp (&s_holder, credential, NONCE, "https://elsewhere.example");
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), NULL, &result),
            ACCORD_VC_E_AUDIENCE_MISMATCH, &result, NULL);
    free (vp);
    //  A holder whose DID was deactivated; a key for authentication alone may present
    vp = s_vp (&s_deactivated, credential, NONCE, AUDIENCE);
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), NULL, &result),
            ACCORD_VC_E_DID_DEACTIVATED, &result, NULL);
    free (vp);
    vp = s_vp (&s_auth_only, credential, NONCE, AUDIENCE);
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), NULL, &result),
            ACCORD_VC_VALID, &result, NULL);
    free (vp);
    free (credential);

    //  The chain checks of each enveloped credential, named by its place
    spec.status_index = REVOKED_AT;
    credential = s_issue (&spec);
    vp = s_vp (&s_holder, credential, NONCE, AUDIENCE);
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), NULL, &result),
            ACCORD_VC_E_REVOKED, &result, "credential 0: revoked");
    free (vp);
    free (credential);
    spec = (vc_spec_t) { .issuer = &s_stranger, .no_schema = 1 };
    credential = s_issue (&spec);
    vp = s_vp (&s_holder, credential, NONCE, AUDIENCE);
    EXPECT (accord_verify_presentation (&verifier, vp, strlen (vp), NULL, &result),
            ACCORD_VC_E_ISSUER_NOT_RECOGNIZED, &result, "credential 0:");
    free (vp);
    free (credential);
    EXPECT (accord_verify_presentation (&verifier, "x.y.z", 5, NULL, &result),
            ACCORD_VC_E_MALFORMED, &result, NULL);
}

//  A source that is down
static int
s_down (void *ctx, const char *module, const char *method, json_object *args,
        json_object **result, char *err, size_t err_size)
{
    (void) ctx, (void) module, (void) method, (void) args;
    *result = NULL;
    snprintf (err, err_size, "no reply from the node");
    return ACCORD_E_TIMEOUT;
}

//  A source that answers for DIDs only, and times out on everything else
static int
s_did_only (void *ctx, const char *module, const char *method, json_object *args,
            json_object **result, char *err, size_t err_size)
{
    if (strcmp (module, "did") == 0)
        return accord_memory_source_query (ctx, module, method, args, result, err, err_size);
    return s_down (ctx, module, method, args, result, err, err_size);
}

static void
s_source_down (void)
{
    accord_verifier_t verifier = s_verifier ();
    verifier.query = s_down;
    vc_spec_t spec = { .no_schema = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_INTERNAL, "timeout: no reply");
    verifier.query = s_did_only;
    spec = (vc_spec_t) { .status_list = s_revocation_list, .status_index = 1 };
    CASE (&verifier, &spec, ACCORD_VC_E_INTERNAL, "schema");
    spec.no_schema = 1;
    CASE (&verifier, &spec, ACCORD_VC_E_INTERNAL, "status list");
    verifier.require_recognized_issuer = 1;
    CASE (&verifier, &spec, ACCORD_VC_E_INTERNAL, "issuer");
    //  did:key needs no source
    accord_verifier_t offline = s_verifier ();
    offline.query = s_down;
    uint8_t key [ACCORD_PUBKEY_SIZE];
    accord_vc_result_t result;
    char *did = accord_did_key_encode (accord_key_public (s_holder.key));
    EXPECT (accord_verifier_resolve (&offline, did, "authentication", key, &result),
            ACCORD_VC_VALID, &result, NULL);
    ck_assert_mem_eq (key, accord_key_public (s_holder.key), ACCORD_PUBKEY_SIZE);
    free (did);
}

//  Every code of accord/vc.h comes out of some scenario above
START_TEST (every_code_reached)
{
    s_credential_valid ();
    s_credential_keys ();
    s_credential_format ();
    s_credential_window ();
    s_credential_registry_and_schema ();
    s_credential_status ();
    s_sdjwt_credential ();
    s_presentation ();
    s_source_down ();
    for (int code = 0; code < ACCORD_VC_E__COUNT; code++)
        ck_assert_msg (s_seen [code], "no test reached %s", accord_vc_error_name (code));
}
END_TEST

static void
s_memory_source (void)
{
    json_object *result = NULL;
    json_object *args = s_json ("{\"did\":\"did:accord:nobody\"}");
    char err [128] = "";
    ck_assert_int_eq (accord_memory_source_query (s_source, "did", "resolve", args, &result,
                                                  err, sizeof err), ACCORD_E_NOT_FOUND);
    ck_assert_ptr_null (result);
    ck_assert (strstr (err, "did:accord:nobody") != NULL);
    json_object_put (args);
    char long_id [2000];
    memset (long_id, 'a', sizeof long_id - 1);
    long_id [sizeof long_id - 1] = 0;
    json_object *record = json_object_new_object ();
    ck_assert_int_eq (accord_memory_source_put (s_source, "schema", "get", long_id, &record), -1);
    ck_assert_ptr_null (record);
    accord_status_bit_t bit;
    ck_assert_int_eq (accord_memory_source_status_bit (s_source, "nope", 0, &bit, err, sizeof err),
                      ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (accord_memory_source_status_bit (s_source, s_revocation_list, REVOKED_AT,
                                                       &bit, err, sizeof err), ACCORD_OK);
    ck_assert_int_eq (bit.bit, 1);
    ck_assert_str_eq (bit.issuer, s_issuer.did);
    ck_assert_str_eq (bit.purpose, "revocation");
}

START_TEST (credential_valid) { s_credential_valid (); } END_TEST
START_TEST (credential_keys) { s_credential_keys (); } END_TEST
START_TEST (credential_format) { s_credential_format (); } END_TEST
START_TEST (credential_window) { s_credential_window (); } END_TEST
START_TEST (credential_registry_and_schema) { s_credential_registry_and_schema (); } END_TEST
START_TEST (credential_status) { s_credential_status (); } END_TEST
START_TEST (sdjwt_credential) { s_sdjwt_credential (); } END_TEST
START_TEST (presentation) { s_presentation (); } END_TEST
START_TEST (source_down) { s_source_down (); } END_TEST
START_TEST (memory_source) { s_memory_source (); } END_TEST

Suite *
test_verifier_suite (void)
{
    Suite *suite = suite_create ("verifier");
    TCase *tc = tcase_create ("codes");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, credential_valid);
    tcase_add_test (tc, credential_keys);
    tcase_add_test (tc, credential_format);
    tcase_add_test (tc, credential_window);
    tcase_add_test (tc, credential_registry_and_schema);
    tcase_add_test (tc, credential_status);
    tcase_add_test (tc, sdjwt_credential);
    tcase_add_test (tc, presentation);
    tcase_add_test (tc, source_down);
    tcase_add_test (tc, memory_source);
    tcase_add_test (tc, every_code_reached);
    suite_add_tcase (suite, tc);
    return suite;
}
