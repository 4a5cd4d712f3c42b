/*  Credentials on a real four-member network, through the accord tool as users would: an
    issuer registers a schema and status lists, issues credentials (vc+jwt and SD-JWT), a
    holder discloses and presents them, and a verifier at another member sees every
    chain-side failure: unknown DID, key not authorized after a rotation, deactivated DID,
    issuer not recognized (then recognized by a vote), schema violation, not yet valid,
    expired, tampered, revoked, suspended and reinstated, nonce and audience mismatch of a
    presentation and of an SD-JWT's key binding. */
#include "clusterfx.h"
#include "accord/config.h"
#include "accord/json.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFIER 4          //  the member the verifier asks; issuers use member 1

static char s_issuer_key [PATH_MAX], s_holder_key [PATH_MAX], s_claims [PATH_MAX],
            s_young [PATH_MAX];
static char *s_issuer, *s_holder;

static char *
s_path (const char *name)
{
    static char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", cl_dir, name);
    return path;
}

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fputs (text, file);
    fclose (file);
}

//  Runs the tool; its stdout must be one line (a credential, an id), written to cl_dir/NAME
static char *
s_run_to (const char *name, const char *format, const char *args)
{
    char *out = NULL;
    int rc = cl_accord (&out, format, args);
    ck_assert_msg (rc == 0, "accord %s failed (%d): %s", args, rc, out);
    char *path = strdup (s_path (name));
    s_write (path, out);
    free (out);
    return path;
}

//  The verdict code of `accord vc|vp verify FILE OPTIONS --member VERIFIER --json`, checked
//  against the exit status; then the same through the member's accord-identity (--service),
//  which must give the same verdict
static void
s_expect (const char *what, const char *file, const char *options, const char *want)
{
    //  The verifier's node has what the issuer's node committed
    cl_wait_height (VERIFIER, cl_height (1));
    for (int service = 0; service < 2; service++) {
        char *out = NULL;
        int rc = cl_accord (&out, "%s verify %s %s --member %s --json%s", what, file, options,
                            cl_member (VERIFIER), service ? " --service" : "");
        json_object *verdict = accord_json_parse (out, strlen (out), NULL, 0);
        ck_assert_msg (verdict != NULL, "%s verify %s%s: not JSON: %s", what, options,
                       service ? " --service" : "", out);
        const char *code = accord_json_get_string (verdict, "code");
        ck_assert_msg (code && strcmp (code, want) == 0, "%s verify %s %s%s: %s, want %s", what, file,
                       options, service ? " --service" : "", out, want);
        ck_assert_int_eq (rc, strcmp (want, "valid") == 0 ? 0 : 1);
        json_object_put (verdict);
        free (out);
    }
}

static char *
s_issue (const char *name, const char *key, const char *options)
{
    char args [2048];
    snprintf (args, sizeof args, "vc issue --key %s --subject %s --claims %s --member %s %s",
              key, s_holder, s_claims, cl_member (1), options);
    return s_run_to (name, "%s", args);
}

static void
s_setup (void)
{
    cl_network_up ();
    s_issuer = cl_did_create (1, "issuer", s_issuer_key);
    s_holder = cl_did_create (2, "holder", s_holder_key);
    snprintf (s_claims, sizeof s_claims, "%s", s_path ("claims.json"));
    s_write (s_claims, "{\"name\":\"Alice\",\"age\":30}");
    snprintf (s_young, sizeof s_young, "%s", s_path ("young.json"));
    s_write (s_young, "{\"name\":\"Bob\",\"age\":17}");
    s_write (s_path ("schema.json"), "{\"type\":\"object\",\"properties\":{\"credentialSubject\":"
             "{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":"
             "\"string\"},\"age\":{\"type\":\"integer\",\"minimum\":18}}}}}");
}

static void
s_teardown (void)
{
    free (s_issuer);
    free (s_holder);
    s_issuer = s_holder = NULL;
    cl_network_down ();
}

START_TEST (credential_lifecycle)
{
    char args [2048], schema_id [512];
    snprintf (args, sizeof args, "schema register --key %s --name person --version 1 --schema %s "
              "--member %s", s_issuer_key, s_path ("schema.json"), cl_member (1));
    char *schema_file = s_run_to ("schema.id", "%s", args);
    char *text = accord_file_read (schema_file, 1024, NULL);
    snprintf (schema_id, sizeof schema_id, "%.*s", (int) strcspn (text, "\n"), text);
    free (text);
    snprintf (args, sizeof args, "status create --key %s --name rev --purpose revocation --member %s",
              s_issuer_key, cl_member (1));
    free (s_run_to ("rev.id", "%s", args));
    snprintf (args, sizeof args, "status create --key %s --name sus --purpose suspension --member %s",
              s_issuer_key, cl_member (1));
    free (s_run_to ("sus.id", "%s", args));

    //  A credential with schema and revocation status verifies at another member
    snprintf (args, sizeof args, "--type PersonCredential --schema %s --status %s/status/rev",
              schema_id, s_issuer);
    char *good = s_issue ("good.jwt", s_issuer_key, args);
    s_expect ("vc", good, "", "valid");
    //  Two credentials on one list get different indexes
    char *second = s_issue ("second.jwt", s_issuer_key, args);
    char *a = accord_file_read (good, 8192, NULL), *b = accord_file_read (second, 8192, NULL);
    ck_assert_str_ne (a, b);
    free (a);
    free (b);

    //  Claims the schema refuses; not yet valid; expired; tampered
    char *young = NULL;
    snprintf (args, sizeof args, "vc issue --key %s --subject %s --claims %s --schema %s --member %s",
              s_issuer_key, s_holder, s_young, schema_id, cl_member (1));
    young = s_run_to ("young.jwt", "%s", args);
    s_expect ("vc", young, "", "schema_violation");
    char *early = s_issue ("early.jwt", s_issuer_key, "--valid-from 2099-01-01T00:00:00Z");
    s_expect ("vc", early, "", "not_yet_valid");
    char *late = s_issue ("late.jwt", s_issuer_key, "--valid-from 2020-01-01T00:00:00Z "
                          "--valid-until 2021-01-01T00:00:00Z");
    s_expect ("vc", late, "", "expired");
    char *token = accord_file_read (good, 8192, NULL);
    char *tampered = tu_jwt_tamper (token, "Alice", "Carol");
    s_write (s_path ("tampered.jwt"), tampered);
    s_expect ("vc", s_path ("tampered.jwt"), "", "bad_signature");
    free (tampered);
    free (token);

    //  The registry, when the verifier asks for it: unknown until a quorum recognizes it
    s_expect ("vc", good, "--require-issuer", "issuer_not_recognized");
    ck_assert_int_eq (cl_accord (NULL, "issuer propose %s --name Uni --member %s", s_issuer,
                                 cl_member (1)), 0);
    for (int k = 2; k <= 3; k++)
        ck_assert_int_eq (cl_accord (NULL, "issuer vote %s --action recognize --name Uni --member %s",
                                     s_issuer, cl_member (k)), 0);
    s_expect ("vc", good, "--require-issuer", "valid");
    s_expect ("vc", good, "--require-issuer --issuer-type university", "issuer_not_recognized");

    //  Revocation is seen by the next verification after its block commits
    ck_assert_int_eq (cl_accord (NULL, "vc revoke %s --key %s --member %s", good, s_issuer_key,
                                 cl_member (1)), 0);
    s_expect ("vc", good, "", "revoked");
    s_expect ("vc", second, "", "valid");

    //  Suspension, and reinstatement
    snprintf (args, sizeof args, "--status %s/status/sus", s_issuer);
    char *paused = s_issue ("paused.jwt", s_issuer_key, args);
    s_expect ("vc", paused, "", "valid");
    ck_assert_int_eq (cl_accord (NULL, "vc suspend %s --key %s --member %s", paused, s_issuer_key,
                                 cl_member (1)), 0);
    s_expect ("vc", paused, "", "suspended");
    ck_assert_int_eq (cl_accord (NULL, "vc reinstate %s --key %s --member %s", paused,
                                 s_issuer_key, cl_member (1)), 0);
    s_expect ("vc", paused, "", "valid");

    free (paused);
    free (late);
    free (early);
    free (young);
    free (second);
    free (good);
    free (schema_file);
}
END_TEST

START_TEST (issuer_keys)
{
    //  A DID nobody registered
    char args [2048];
    ck_assert_int_eq (cl_accord (NULL, "did create --out %s --member %s", s_path ("tmp.key"),
                                 cl_member (1)), 0);
    snprintf (args, sizeof args, "vc issue --key %s --subject %s --claims %s "
              "--did did:accord:accord-local:00000000000000000000000000000000000000aa",
              s_path ("tmp.key"), s_holder, s_claims);
    char *unknown = s_run_to ("unknown.jwt", "%s", args);
    s_expect ("vc", unknown, "", "unknown_did");

    //  A credential signed before its issuer's key was rotated: the old key no longer speaks
    //  for the DID from the block of the rotation on
    char key [PATH_MAX], new_key [PATH_MAX];
    char *did = cl_did_create (1, "rotating", key);
    char *before = s_issue ("before.jwt", key, "");
    s_expect ("vc", before, "", "valid");
    snprintf (new_key, sizeof new_key, "%s.new", key);
    ck_assert_int_eq (cl_accord (NULL, "did rotate %s --key %s --out %s --member %s", did, key,
                                 new_key, cl_member (1)), 0);
    s_expect ("vc", before, "", "key_not_authorized");
    snprintf (args, sizeof args, "--did %s", did);
    char *after = s_issue ("after.jwt", new_key, args);
    s_expect ("vc", after, "", "valid");

    //  Deactivation ends every credential of the DID
    ck_assert_int_eq (cl_accord (NULL, "did deactivate %s --key %s --member %s", did, new_key,
                                 cl_member (1)), 0);
    s_expect ("vc", after, "", "did_deactivated");
    free (after);
    free (before);
    free (did);
    free (unknown);
}
END_TEST

START_TEST (holder_presents)
{
    char args [4096];
    //  SD-JWT: the holder shows the name only, to one verifier
    snprintf (args, sizeof args, "--sd /credentialSubject/age --sd /credentialSubject/name "
              "--holder %s", s_holder);
    char *sd = s_issue ("sd.txt", s_issuer_key, args);
    snprintf (args, sizeof args, "vc disclose %s --key %s --reveal /credentialSubject/name "
              "--nonce n-1 --aud https://verifier.example", sd, s_holder_key);
    char *shown = s_run_to ("shown.txt", "%s", args);
    char *out = NULL;
    cl_wait_height (VERIFIER, cl_height (1));
    ck_assert_int_eq (cl_accord (&out, "vc verify %s --nonce n-1 --aud https://verifier.example "
                                 "--member %s", shown, cl_member (VERIFIER)), 0);
    ck_assert_msg (strstr (out, "Alice") && !strstr (out, "\"age\""), "only the name: %s", out);
    free (out);
    s_expect ("vc", shown, "--nonce n-2 --aud https://verifier.example", "nonce_mismatch");
    s_expect ("vc", shown, "--nonce n-1 --aud https://other.example", "audience_mismatch");

    //  A presentation of two credentials, for one verifier's nonce and audience
    char *one = s_issue ("one.jwt", s_issuer_key, "");
    char *two = s_issue ("two.jwt", s_issuer_key, "--type Membership");
    snprintf (args, sizeof args, "vp create --key %s --holder %s --nonce n-7 --aud "
              "https://verifier.example --member %s %s %s", s_holder_key, s_holder,
              cl_member (2), one, two);
    char *vp = s_run_to ("vp.jwt", "%s", args);
    s_expect ("vp", vp, "--nonce n-7 --aud https://verifier.example", "valid");
    s_expect ("vp", vp, "--nonce n-8 --aud https://verifier.example", "nonce_mismatch");
    s_expect ("vp", vp, "--nonce n-7 --aud https://other.example", "audience_mismatch");
    //  Someone else's key cannot present for the holder
    snprintf (args, sizeof args, "vp create --key %s --holder %s --nonce n-7 --aud "
              "https://verifier.example %s", s_issuer_key, s_holder, one);
    char *forged = s_run_to ("forged.jwt", "%s", args);
    s_expect ("vp", forged, "--nonce n-7 --aud https://verifier.example", "bad_signature");
    free (forged);
    free (vp);
    free (two);
    free (one);
    free (shown);
    free (sd);
}
END_TEST

Suite *
test_cluster_vc_suite (void)
{
    Suite *suite = suite_create ("cluster_vc");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 240);
    tcase_add_unchecked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, credential_lifecycle);
    tcase_add_test (tc, issuer_keys);
    tcase_add_test (tc, holder_presents);
    suite_add_tcase (suite, tc);
    return suite;
}
