/*  The issuer registry (chain/mod_issuer.c) on a real store: recognition by a quorum of
    validator votes, issuer types, revocation, and the refusals. */
#include "chainfx.h"
#include "accord/did.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [5];       //  four validators and an outsider
static char s_did [ACCORD_DID_MAX];
static uint64_t s_nonce [5];

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 5; i++) {
        s_keys [i] = accord_key_new ();
        s_nonce [i] = 0;
    }
    cf_genesis (&s_genesis, s_keys, 4);
    accord_did_for_key (s_did, CF_CHAIN, accord_key_public (s_keys [4]));
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 5; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

//  Member k votes for the call in its own block; checks the status.
static void
s_vote (int k, const char *args, const char *status)
{
    accord_tx_t *txs [] = { cf_tx (s_keys [k], "issuer", "vote", args, ++s_nonce [k], 100) };
    const char *statuses [] = { status };
    accord_execution_t *execution = cf_run_block (&s_genesis, txs, 1, statuses);
    accord_execution_destroy (&execution);
}

static json_object *
s_get (void)
{
    char args [256];
    snprintf (args, sizeof args, "{\"did\":\"%s\"}", s_did);
    json_object *result = NULL;
    int rc = cf_query (cf_fx.store, &s_genesis, "issuer", "get", args, &result);
    return rc == ACCORD_OK ? result : NULL;
}

static size_t
s_list_count (const char *args)
{
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "issuer", "list", args, &result), ACCORD_OK);
    size_t count = json_object_array_length (result);
    json_object_put (result);
    return count;
}

START_TEST (issuer_recognized_by_quorum)
{
    char recognize [256], type [256], revoke [256];
    snprintf (recognize, sizeof recognize, "{\"action\":\"recognize\",\"did\":\"%s\",\"name\":\"Tsinghua\"}", s_did);
    snprintf (type, sizeof type, "{\"action\":\"add_type\",\"did\":\"%s\",\"type\":\"university\"}", s_did);
    snprintf (revoke, sizeof revoke, "{\"action\":\"revoke\",\"did\":\"%s\"}", s_did);

    s_vote (4, recognize, "unauthorized");          //  not a validator
    s_vote (0, type, "not_found");                  //  not recognized yet
    s_vote (0, recognize, "ok");
    s_vote (0, recognize, "duplicate");
    s_vote (1, recognize, "ok");
    ck_assert_ptr_null (s_get ());                  //  two of four: nothing yet
    ck_assert_uint_eq (s_list_count ("{}"), 0);
    s_vote (2, recognize, "ok");
    json_object *record = s_get ();
    ck_assert_ptr_nonnull (record);
    ck_assert (json_object_get_boolean (json_object_object_get (record, "recognized")));
    ck_assert_str_eq (accord_json_get_string (record, "name"), "Tsinghua");
    json_object_put (record);
    s_vote (3, recognize, "conflict");              //  already recognized
    ck_assert_uint_eq (s_list_count ("{}"), 1);
    ck_assert_uint_eq (s_list_count ("{\"type\":\"university\"}"), 0);

    for (int k = 0; k < 3; k++)
        s_vote (k, type, "ok");
    ck_assert_uint_eq (s_list_count ("{\"type\":\"university\"}"), 1);
    ck_assert_uint_eq (s_list_count ("{\"type\":\"bank\"}"), 0);

    for (int k = 1; k < 4; k++)
        s_vote (k, revoke, "ok");
    record = s_get ();
    ck_assert (!json_object_get_boolean (json_object_object_get (record, "recognized")));
    ck_assert_ptr_nonnull (json_object_object_get (record, "revoked_height"));
    json_object_put (record);
    ck_assert_uint_eq (s_list_count ("{}"), 0);
    s_vote (0, revoke, "not_found");
}
END_TEST

START_TEST (issuer_bad_calls)
{
    char message [256];
    const char *bless = "{\"action\":\"bless\",\"did\":\"did:accord:x:1\"}";
    ck_assert_int_eq (accord_module_check_call ("issuer", "vote", bless, strlen (bless), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    const char *no_name = "{\"action\":\"recognize\",\"did\":\"did:accord:x:1\"}";
    ck_assert_int_eq (accord_module_check_call ("issuer", "vote", no_name, strlen (no_name), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    const char *bad_type = "{\"action\":\"add_type\",\"did\":\"did:accord:x:1\",\"type\":\"Uni versity\"}";
    ck_assert_int_eq (accord_module_check_call ("issuer", "vote", bad_type, strlen (bad_type), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_module_check_call ("issuer", "propose", "{}", 2, NULL, message, sizeof message),
                      ACCORD_E_UNKNOWN_METHOD);
    //  A DID of another chain passes the stateless check but not execution.
    s_vote (0, "{\"action\":\"recognize\",\"did\":\"did:accord:other:00\",\"name\":\"x\"}", "invalid_argument");
}
END_TEST

Suite *
test_issuer_suite (void)
{
    Suite *suite = suite_create ("issuer");
    TCase *tc = tcase_create ("issuer");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, issuer_recognized_by_quorum);
    tcase_add_test (tc, issuer_bad_calls);
    suite_add_tcase (suite, tc);
    return suite;
}
