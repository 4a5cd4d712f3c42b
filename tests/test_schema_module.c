/*  The schema module (chain/mod_schema.c) on a real store: versions owned by their
    publisher's DID, and the refusals. */
#include "chainfx.h"
#include "accord/did.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [3];       //  validator, publisher, someone without a DID

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 3; i++)
        s_keys [i] = accord_key_new ();
    cf_genesis (&s_genesis, s_keys, 1);
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 3; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

static void
s_run (accord_tx_t *tx, const char *status)
{
    json_object_put (cf_run_one (&s_genesis, tx, status));
}

#define S_DEGREE "{\"type\":\"object\",\"properties\":{\"degree\":{\"type\":\"string\"}},\"required\":[\"degree\"]}"

START_TEST (schema_versions)
{
    char did [ACCORD_DID_MAX], args [512], id [256];
    accord_did_for_key (did, CF_CHAIN, accord_key_public (s_keys [1]));
    snprintf (args, sizeof args, "{\"name\":\"degree\",\"version\":1,\"schema\":%s}", S_DEGREE);
    s_run (cf_tx (s_keys [1], "schema", "register", args, 1, 100), "unauthorized");   //  no DID yet
    s_run (cf_tx (s_keys [1], "did", "create", "{}", 2, 100), "ok");
    s_run (cf_tx (s_keys [1], "schema", "register", args, 3, 100), "ok");
    s_run (cf_tx (s_keys [1], "schema", "register", args, 4, 100), "conflict");       //  same version
    snprintf (args, sizeof args, "{\"name\":\"degree\",\"version\":2,\"schema\":%s}", S_DEGREE);
    s_run (cf_tx (s_keys [1], "schema", "register", args, 5, 100), "ok");

    snprintf (id, sizeof id, "{\"id\":\"%s/schemas/degree/1\"}", did);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "schema", "get", id, &result), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (result, "publisher"), did);
    ck_assert_ptr_nonnull (accord_json_get_object (result, "schema"));
    json_object_put (result);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "schema", "get", "{\"id\":\"nope\"}", &result), ACCORD_E_NOT_FOUND);

    //  Malformed schemas never reach a block.
    char message [256];
    const char *bad = "{\"name\":\"x\",\"version\":1,\"schema\":{\"type\":\"strange\"}}";
    ck_assert_int_eq (accord_module_check_call ("schema", "register", bad, strlen (bad), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    const char *unknown = "{\"name\":\"x\",\"version\":1,\"schema\":{\"format\":\"email\"}}";
    ck_assert_int_eq (accord_module_check_call ("schema", "register", unknown, strlen (unknown), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    const char *name = "{\"name\":\"a/b\",\"version\":1,\"schema\":{}}";
    ck_assert_int_eq (accord_module_check_call ("schema", "register", name, strlen (name), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
}
END_TEST

//  A publisher whose key was rotated goes on publishing with its new key, naming its DID.
START_TEST (schema_rotated_publisher)
{
    char did [ACCORD_DID_MAX], args [512], id [256];
    cf_did_create (&s_genesis, s_keys [1], 1, did);
    cf_did_rotate (&s_genesis, did, s_keys [1], s_keys [2], 2);
    snprintf (args, sizeof args, "{\"name\":\"degree\",\"version\":1,\"schema\":%s}", S_DEGREE);
    s_run (cf_tx (s_keys [1], "schema", "register", args, 3, 100), "unauthorized");  //  old key, own DID
    s_run (cf_tx (s_keys [2], "schema", "register", args, 1, 100), "unauthorized");  //  new key has no DID of its own
    snprintf (args, sizeof args, "{\"did\":\"%s\",\"name\":\"degree\",\"version\":1,\"schema\":%s}", did, S_DEGREE);
    s_run (cf_tx (s_keys [1], "schema", "register", args, 4, 100), "unauthorized");  //  old key, naming the DID
    s_run (cf_tx (s_keys [2], "schema", "register", args, 2, 100), "ok");
    snprintf (id, sizeof id, "{\"id\":\"%s/schemas/degree/1\"}", did);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "schema", "get", id, &result), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (result, "publisher"), did);
    json_object_put (result);
    //  "did" must be a did:accord DID of this chain.
    snprintf (args, sizeof args, "{\"did\":\"did:accord:other:%040d\",\"name\":\"x\",\"version\":1,\"schema\":{}}", 0);
    s_run (cf_tx (s_keys [2], "schema", "register", args, 3, 100), "invalid_argument");
}
END_TEST

Suite *
test_schema_module_suite (void)
{
    Suite *suite = suite_create ("schema_module");
    TCase *tc = tcase_create ("schema_module");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, schema_versions);
    tcase_add_test (tc, schema_rotated_publisher);
    suite_add_tcase (suite, tc);
    return suite;
}
