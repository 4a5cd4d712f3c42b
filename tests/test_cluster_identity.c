/*  Identity on a real four-member network, through the accord tool as a user would: DIDs
    created, resolved at another member, rotated and deactivated; issuers recognized; schemas,
    status lists and evidence signed by DIDs. */
#include "clusterfx.h"
#include "accord/did.h"
#include "accord/json.h"
#include "accord/statuslist.h"
#include "accord/vc.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_object *
s_resolve_json (int k, const char *did, int *rc)
{
    char *out = NULL;
    *rc = cl_accord (&out, "did resolve %s --member %s --json", did, cl_member (k));
    json_object *doc = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    return doc;
}

//  The publicKeyMultibase of the document's first verification method.
static const char *
s_first_key (json_object *doc)
{
    json_object *methods = accord_json_get_array (doc, "verificationMethod");
    return methods ? accord_json_get_string (json_object_array_get_idx (methods, 0), "publicKeyMultibase") : NULL;
}

START_TEST (did_create_resolve_rotate_deactivate)
{
    char key [PATH_MAX], new_key [PATH_MAX];
    char *did = cl_did_create (2, "holder", key);
    int rc;
    //  Other members resolve it once their nodes have the block.
    for (int k = 1; k <= CL_MEMBERS; k++)
        cl_wait_height (k, cl_height (2));
    json_object *doc = s_resolve_json (4, did, &rc);
    ck_assert_int_eq (rc, 0);
    ck_assert_str_eq (accord_json_get_string (doc, "id"), did);
    char *first = strdup (s_first_key (doc));
    json_object_put (doc);

    //  Rotation: the new key replaces the old one; the old key can no longer act.
    snprintf (new_key, sizeof new_key, "%s.new", key);
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "did rotate %s --key %s --out %s --member %s", did, key, new_key, cl_member (3)), 0);
    free (out);
    doc = s_resolve_json (3, did, &rc);
    ck_assert_int_eq (rc, 0);
    ck_assert_str_ne (s_first_key (doc), first);
    json_object_put (doc);
    ck_assert_int_ne (cl_accord (&out, "did deactivate %s --key %s --member %s", did, key, cl_member (3)), 0);
    ck_assert_msg (strstr (out, "unauthorized") != NULL, "old key refused: %s", out);
    free (out);
    //  Version 1 still shows the first key.
    ck_assert_int_eq (cl_accord (&out, "did resolve %s --version-id 1 --member %s --json", did, cl_member (1)), 0);
    ck_assert_ptr_nonnull (strstr (out, first));
    free (out);

    ck_assert_int_eq (cl_accord (NULL, "did deactivate %s --key %s --member %s", did, new_key, cl_member (1)), 0);
    doc = s_resolve_json (1, did, &rc);
    ck_assert_int_eq (rc, 1);
    json_object_put (doc);
    ck_assert_int_ne (cl_accord (NULL, "did resolve did:accord:accord-local:0000000000000000000000000000000000000000 --member %s",
                                 cl_member (1)), 0);
    ck_assert_int_ne (cl_accord (NULL, "did resolve did:web:example.com --member %s", cl_member (1)), 0);
    ck_assert_int_ne (cl_accord (NULL, "did create --out %s --member %s", key, cl_member (1)), 0);
    free (first);
    free (did);
}
END_TEST

START_TEST (issuer_recognized_by_the_members)
{
    char key [PATH_MAX];
    char *did = cl_did_create (1, "university", key), *out = NULL;
    ck_assert_int_eq (cl_accord (NULL, "issuer propose %s --name 'Example University' --member %s", did, cl_member (1)), 0);
    ck_assert_int_eq (cl_accord (NULL, "issuer vote %s --action recognize --name 'Example University' --member %s",
                                 did, cl_member (2)), 0);
    ck_assert_int_eq (cl_accord (&out, "issuer list --member %s", cl_member (4)), 0);
    ck_assert_msg (strstr (out, did) == NULL, "two votes of four recognize nobody: %s", out);
    free (out);
    ck_assert_int_eq (cl_accord (NULL, "issuer vote %s --action recognize --name 'Example University' --member %s",
                                 did, cl_member (3)), 0);
    for (int k = 1; k <= 3; k++)
        ck_assert_int_eq (cl_accord (NULL, "issuer vote %s --action add_type --type university --member %s",
                                     did, cl_member (k)), 0);
    cl_wait_height (4, cl_height (3));
    ck_assert_int_eq (cl_accord (&out, "issuer list --type university --member %s --json", cl_member (4)), 0);
    ck_assert_msg (strstr (out, did) != NULL, "recognized after three votes: %s", out);
    free (out);
    //  Only validators vote: a client key is refused.
    ck_assert_int_ne (cl_accord (&out, "issuer vote %s --action revoke --member %s --key %s", did, cl_member (1), key), 0);
    ck_assert_msg (strstr (out, "unauthorized") != NULL, "client key refused: %s", out);
    free (out);
    free (did);
}
END_TEST

//  The length of what `accord` wrote to stderr so far.
static size_t
s_errors_mark (void)
{
    char *errors = cl_errors ();
    size_t len = strlen (errors);
    free (errors);
    return len;
}

//  Runs a command that must fail and say needle on stderr.
#define S_ASSERT_REFUSED(needle, ...) do { \
    size_t s_mark = s_errors_mark (); \
    ck_assert_int_ne (cl_accord (NULL, __VA_ARGS__), 0); \
    char *s_errors = cl_errors (); \
    ck_assert_msg (strstr (s_errors + s_mark, (needle)) != NULL, "expected '%s' in: %s", (needle), s_errors + s_mark); \
    free (s_errors); \
} while (0)

//  Runs accord and returns its first line of output (caller frees); the command must succeed.
static char *
s_accord_line (const char *format, const char *a, const char *b, const char *c)
{
    char *out = NULL;
    int rc = cl_accord (&out, format, a, b, c);
    ck_assert_msg (rc == 0, "accord %s failed (%d): %s", format, rc, out);
    out [strcspn (out, "\n")] = 0;
    return out;
}

//  A vc+jwt of issuer (key in key_path) with a revocation entry at index 7 of rev and a
//  suspension entry at index 9 of sus, written to path; and as an SD-JWT-like path.sd (the
//  issuer-signed JWT, '~', a disclosure).
static void
s_write_credential (const char *path, const char *issuer, const char *key_path, const char *rev, const char *sus)
{
    accord_key_t *key = accord_key_load (key_path);
    ck_assert_ptr_nonnull (key);
    json_object *status = json_object_new_array ();
    json_object_array_add (status, accord_statuslist_entry (NULL, "revocation", 7, rev));
    json_object_array_add (status, accord_statuslist_entry (NULL, "suspension", 9, sus));
    json_object *subject = json_object_new_object ();
    json_object_object_add (subject, "degree", json_object_new_string ("MSc"));
    accord_vc_params_t params = { .issuer = issuer, .valid_from = time (NULL), .subject = subject, .status = status };
    char err [256], kid [ACCORD_DID_MAX + 8];
    json_object *credential = accord_vc_build (&params, err, sizeof err);
    ck_assert_msg (credential != NULL, "%s", err);
    snprintf (kid, sizeof kid, "%s#key-1", issuer);
    char *token = accord_vc_jwt_sign (key, kid, credential, err, sizeof err);
    ck_assert_msg (token != NULL, "%s", err);
    char sd [PATH_MAX];
    snprintf (sd, sizeof sd, "%s.sd", path);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fprintf (file, "%s\n", token);
    fclose (file);
    file = fopen (sd, "w");
    ck_assert_ptr_nonnull (file);
    fprintf (file, "%s~WyJzYWx0IiwibmFtZSIsIkFkYSJd~", token);
    fclose (file);
    free (token);
    json_object_put (credential);
    json_object_put (subject);
    json_object_put (status);
    accord_key_destroy (&key);
}

//  status check of list at index, at member k: 1 set, 0 not.
static int
s_bit (int k, const char *list, int index)
{
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "status check %s %d --member %s --json", list, index, cl_member (k)), 0);
    json_object *result = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    ck_assert_ptr_nonnull (result);
    int set = json_object_get_boolean (json_object_object_get (result, "set"));
    json_object_put (result);
    return set;
}

//  An issuer publishes a schema and status lists, suspends, reinstates and revokes a
//  credential from the credential file, rotates its key and goes on as its DID, and co-signs
//  evidence; other members see each change.
START_TEST (issuer_schema_status_evidence)
{
    char key [PATH_MAX], new_key [PATH_MAX], path [PATH_MAX], sd [PATH_MAX], other_key [PATH_MAX];
    char *did = cl_did_create (1, "registrar", key), *other = cl_did_create (2, "stranger", other_key);
    snprintf (path, sizeof path, "%s/schema.json", cl_dir);
    FILE *file = fopen (path, "w");
    fprintf (file, "{\"type\":\"object\",\"properties\":{\"degree\":{\"type\":\"string\"}}}");
    fclose (file);
    char *schema = s_accord_line ("schema register --key %s --name degree --version 1 --schema %s --member %s",
                                  key, path, cl_member (1));
    char expected [512];
    snprintf (expected, sizeof expected, "%s/schemas/degree/1", did);
    ck_assert_str_eq (schema, expected);
    S_ASSERT_REFUSED ("conflict", "schema register --key %s --name degree --version 1 --schema %s --member %s",
                      key, path, cl_member (1));

    char *rev = s_accord_line ("status create --key %s --name rev --purpose revocation --member %s%s", key, cl_member (1), "");
    char *sus = s_accord_line ("status create --key %s --name sus --purpose suspension --member %s%s", key, cl_member (2), "");
    snprintf (expected, sizeof expected, "%s/status/rev", did);
    ck_assert_str_eq (rev, expected);
    S_ASSERT_REFUSED ("exists already", "status create --key %s --name rev --purpose suspension --member %s", key, cl_member (1));
    S_ASSERT_REFUSED ("--purpose", "status create --key %s --name x --purpose expiry --member %s", key, cl_member (1));

    snprintf (path, sizeof path, "%s/degree.jwt", cl_dir);
    snprintf (sd, sizeof sd, "%s.sd", path);
    s_write_credential (path, did, key, rev, sus);
    ck_assert_int_eq (cl_accord (NULL, "vc suspend %s --key %s --member %s", path, key, cl_member (3)), 0);
    cl_wait_height (4, cl_height (3));
    ck_assert (s_bit (4, sus, 9));
    ck_assert (!s_bit (4, rev, 7));
    ck_assert_int_eq (cl_accord (NULL, "vc reinstate %s --key %s --member %s", sd, key, cl_member (3)), 0);
    ck_assert (!s_bit (3, sus, 9));
    //  Only the issuer changes its lists, and revocation is final.
    S_ASSERT_REFUSED ("belongs to", "vc suspend %s --key %s --member %s", path, other_key, cl_member (2));
    ck_assert_int_eq (cl_accord (NULL, "vc revoke %s --key %s --member %s", sd, key, cl_member (2)), 0);
    ck_assert (s_bit (2, rev, 7));
    S_ASSERT_REFUSED ("final", "vc reinstate --list %s --index 7 --key %s --member %s", rev, key, cl_member (2));
    S_ASSERT_REFUSED ("invalid_argument", "vc revoke --list %s --index 131072 --key %s --member %s", rev, key, cl_member (2));
    S_ASSERT_REFUSED ("not_found", "status get %s/status/none --member %s", did, cl_member (2));

    //  After a rotation the issuer acts with its new key and --did; the old key no longer.
    snprintf (new_key, sizeof new_key, "%s.new", key);
    ck_assert_int_eq (cl_accord (NULL, "did rotate %s --key %s --out %s --member %s", did, key, new_key, cl_member (1)), 0);
    S_ASSERT_REFUSED ("belongs to", "vc suspend %s --key %s --member %s", path, new_key, cl_member (1));
    S_ASSERT_REFUSED ("unauthorized", "vc suspend %s --key %s --did %s --member %s", path, key, did, cl_member (1));
    ck_assert_int_eq (cl_accord (NULL, "vc suspend %s --key %s --did %s --member %s", path, new_key, did, cl_member (1)), 0);
    ck_assert (s_bit (1, sus, 9));
    ck_assert_int_eq (cl_accord (NULL, "schema register --key %s --did %s --name degree --version 2 --schema %s/schema.json "
                                 "--member %s", new_key, did, cl_dir, cl_member (1)), 0);
    cl_wait_height (4, cl_height (1));
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "status get %s --member %s --json", sus, cl_member (4)), 0);
    json_object *record = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    const char *encoded = accord_json_get_string (record, "encodedList");
    accord_statuslist_t *list = NULL;
    ck_assert_int_eq (accord_statuslist_decode (&list, encoded, strlen (encoded), NULL, 0), 0);
    ck_assert_int_eq (accord_statuslist_get (list, 9), 1);
    ck_assert_str_eq (accord_json_get_string (record, "issuer"), did);
    accord_statuslist_destroy (&list);
    json_object_put (record);
    snprintf (expected, sizeof expected, "%s/schemas/degree/2", did);
    ck_assert_int_eq (cl_accord (&out, "schema get %s --member %s --json", expected, cl_member (4)), 0);
    ck_assert_ptr_nonnull (strstr (out, did));
    free (out);

    //  Evidence: anchored by a member's client key, co-signed by the issuer as its DID.
    snprintf (path, sizeof path, "%s/contract.txt", cl_dir);
    file = fopen (path, "w");
    fprintf (file, "the contract\n");
    fclose (file);
    ck_assert_int_eq (cl_accord (NULL, "evidence anchor --file %s --member %s", path, cl_member (2)), 0);
    S_ASSERT_REFUSED ("did not sign", "evidence verify --file %s --member %s --signer %s", path, cl_member (3), did);
    S_ASSERT_REFUSED ("unauthorized", "evidence sign --file %s --key %s --did %s --member %s", path, key, did, cl_member (3));
    ck_assert_int_eq (cl_accord (NULL, "evidence sign --file %s --key %s --did %s --member %s", path, new_key, did,
                                 cl_member (3)), 0);
    cl_wait_height (4, cl_height (3));
    ck_assert_int_eq (cl_accord (&out, "evidence verify --file %s --member %s --signer %s --json", path, cl_member (4), did), 0);
    ck_assert_ptr_nonnull (strstr (out, "\"valid\":true"));
    free (out);
    S_ASSERT_REFUSED ("did not sign", "evidence verify --file %s --member %s --signer %s --signer %s", path, cl_member (4),
                      did, other);
    snprintf (path, sizeof path, "%s/unknown.txt", cl_dir);
    file = fopen (path, "w");
    fprintf (file, "never anchored\n");
    fclose (file);
    S_ASSERT_REFUSED ("not anchored", "evidence verify --file %s --member %s", path, cl_member (4));
    free (schema);
    free (rev);
    free (sus);
    free (other);
    free (did);
}
END_TEST

Suite *
test_cluster_identity_suite (void)
{
    Suite *suite = suite_create ("cluster_identity");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 180);
    tcase_add_unchecked_fixture (tc, cl_network_up, cl_network_down);
    tcase_add_test (tc, did_create_resolve_rotate_deactivate);
    tcase_add_test (tc, issuer_recognized_by_the_members);
    tcase_add_test (tc, issuer_schema_status_evidence);
    suite_add_tcase (suite, tc);
    return suite;
}
