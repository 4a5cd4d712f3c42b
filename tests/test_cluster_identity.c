/*  Identity on a real four-member network, through the accord tool as a user would: DIDs
    created, resolved at another member, rotated and deactivated. */
#include "clusterfx.h"
#include "accord/json.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

Suite *
test_cluster_identity_suite (void)
{
    Suite *suite = suite_create ("cluster_identity");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 180);
    tcase_add_unchecked_fixture (tc, cl_network_up, cl_network_down);
    tcase_add_test (tc, did_create_resolve_rotate_deactivate);
    tcase_add_test (tc, issuer_recognized_by_the_members);
    suite_add_tcase (suite, tc);
    return suite;
}
