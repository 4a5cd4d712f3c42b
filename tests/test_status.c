/*  The status module (chain/mod_status.c) on a real store: Bitstring Status Lists created and
    updated by their issuer DID (also after a key rotation), what status.get and status.check
    answer, the logs, and each refusal. */
#include "chainfx.h"
#include "accord/statuslist.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [4];       //  validator, issuer, issuer's next key, mallory
static char s_issuer [ACCORD_DID_MAX];

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 4; i++)
        s_keys [i] = accord_key_new ();
    cf_genesis (&s_genesis, s_keys, 1);
    cf_did_create (&s_genesis, s_keys [1], 1, s_issuer);
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 4; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

//  Runs status.METHOD with args signed by key, expects status; returns the receipt.
static json_object *
s_call (accord_key_t *key, uint64_t nonce, const char *method, const char *args, const char *status)
{
    return cf_run_one (&s_genesis, cf_tx (key, "status", method, args, nonce, 1000), status);
}

static void
s_run (accord_key_t *key, uint64_t nonce, const char *method, const char *args, const char *status)
{
    json_object_put (s_call (key, nonce, method, args, status));
}

static json_object *
s_get (const char *id, int expect)
{
    char args [512];
    snprintf (args, sizeof args, "{\"id\":\"%s\"}", id);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "status", "get", args, &result), expect);
    return result;
}

//  status.check of id at index (JSON text of the index): the "set" answer.
static int
s_check_bit (const char *id, const char *index)
{
    char args [512];
    snprintf (args, sizeof args, "{\"id\":\"%s\",\"index\":%s}", id, index);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "status", "check", args, &result), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (result, "id"), id);
    int set = json_object_get_boolean (json_object_object_get (result, "set"));
    json_object_put (result);
    return set;
}

//  The list that status.get's encodedList holds.
static accord_statuslist_t *
s_decoded (json_object *record)
{
    const char *encoded = accord_json_get_string (record, "encodedList");
    ck_assert_ptr_nonnull (encoded);
    accord_statuslist_t *list = NULL;
    char err [256];
    ck_assert_msg (accord_statuslist_decode (&list, encoded, strlen (encoded), err, sizeof err) == 0, "%s", err);
    return list;
}

START_TEST (status_revocation_list)
{
    char id [256];
    snprintf (id, sizeof id, "%s/status/degrees-2026", s_issuer);
    json_object *receipt = s_call (s_keys [1], 2, "create", "{\"name\":\"degrees-2026\",\"purpose\":\"revocation\"}", "ok");
    ck_assert_ptr_nonnull (strstr (json_object_to_json_string (receipt), "created"));
    json_object_put (receipt);
    s_run (s_keys [1], 3, "create", "{\"name\":\"degrees-2026\",\"purpose\":\"suspension\"}", "conflict");

    json_object *record = s_get (id, ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (record, "id"), id);
    ck_assert_str_eq (accord_json_get_string (record, "issuer"), s_issuer);
    ck_assert_str_eq (accord_json_get_string (record, "name"), "degrees-2026");
    ck_assert_str_eq (accord_json_get_string (record, "purpose"), "revocation");
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (record, "size")), ACCORD_STATUSLIST_MIN_BITS);
    int64_t created = json_object_get_int64 (json_object_object_get (record, "height"));
    ck_assert_int_eq (created, 2);
    ck_assert_ptr_nonnull (json_object_object_get (record, "timestamp_ms"));
    accord_statuslist_t *list = s_decoded (record);
    ck_assert_uint_eq (accord_statuslist_size (list), ACCORD_STATUSLIST_MIN_BITS);
    for (size_t i = 0; i < ACCORD_STATUSLIST_MIN_BITS; i += 97)
        ck_assert_int_eq (accord_statuslist_get (list, i), 0);
    accord_statuslist_destroy (&list);
    json_object_put (record);

    //  Revoke three credentials, one in the last piece; the log names what changed.
    receipt = s_call (s_keys [1], 4, "update", "{\"name\":\"degrees-2026\",\"set\":[0,42,131071]}", "ok");
    json_object *log = json_object_array_get_idx (accord_json_get_array (receipt, "logs"), 0);
    ck_assert_str_eq (accord_json_get_string (log, "module"), "status");
    ck_assert_str_eq (accord_json_get_string (log, "event"), "updated");
    json_object *data = json_object_object_get (log, "data");
    char *text = accord_json_canonical (data);
    char expected [512];
    snprintf (expected, sizeof expected, "{\"clear\":[],\"id\":\"%s\",\"set\":[0,42,131071]}", id);
    ck_assert_str_eq (text, expected);
    free (text);
    json_object_put (receipt);

    ck_assert (s_check_bit (id, "42"));
    ck_assert (s_check_bit (id, "\"131071\""));         //  statusListIndex is a string
    ck_assert (!s_check_bit (id, "43"));
    record = s_get (id, ACCORD_OK);
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (record, "height")), 4);
    list = s_decoded (record);
    ck_assert_int_eq (accord_statuslist_get (list, 0), 1);
    ck_assert_int_eq (accord_statuslist_get (list, 1), 0);
    ck_assert_int_eq (accord_statuslist_get (list, 42), 1);
    ck_assert_int_eq (accord_statuslist_get (list, 131071), 1);
    accord_statuslist_destroy (&list);
    json_object_put (record);

    //  Setting a set bit again changes nothing: ok, no log, the height stays.
    receipt = s_call (s_keys [1], 5, "update", "{\"name\":\"degrees-2026\",\"set\":[42]}", "ok");
    ck_assert_uint_eq (json_object_array_length (accord_json_get_array (receipt, "logs")), 0);
    json_object_put (receipt);
    record = s_get (id, ACCORD_OK);
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (record, "height")), 4);
    json_object_put (record);

    //  Revocation is final; indices must be in the list.
    s_run (s_keys [1], 6, "update", "{\"name\":\"degrees-2026\",\"clear\":[42]}", "conflict");
    s_run (s_keys [1], 7, "update", "{\"name\":\"degrees-2026\",\"set\":[131072]}", "invalid_argument");
    s_run (s_keys [1], 8, "update", "{\"name\":\"other\",\"set\":[1]}", "not_found");
    ck_assert (s_check_bit (id, "42"));
    ck_assert (!s_check_bit (id, "7"));
}
END_TEST

START_TEST (status_suspension_list)
{
    char id [256];
    snprintf (id, sizeof id, "%s/status/s1", s_issuer);
    s_run (s_keys [1], 2, "create", "{\"name\":\"s1\",\"purpose\":\"suspension\",\"size\":262144}", "ok");
    s_run (s_keys [1], 3, "update", "{\"name\":\"s1\",\"set\":[7,200000]}", "ok");
    ck_assert (s_check_bit (id, "200000"));
    json_object *receipt = s_call (s_keys [1], 4, "update", "{\"name\":\"s1\",\"clear\":[200000,9]}", "ok");
    char *text = accord_json_canonical (receipt);
    ck_assert_ptr_nonnull (strstr (text, "\"clear\":[200000],"));
    free (text);
    json_object_put (receipt);
    ck_assert (!s_check_bit (id, "200000"));
    ck_assert (s_check_bit (id, "7"));
    json_object *record = s_get (id, ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (record, "purpose"), "suspension");
    accord_statuslist_t *list = s_decoded (record);
    ck_assert_uint_eq (accord_statuslist_size (list), 262144);
    ck_assert_int_eq (accord_statuslist_get (list, 7), 1);
    ck_assert_int_eq (accord_statuslist_get (list, 200000), 0);
    accord_statuslist_destroy (&list);
    json_object_put (record);

    //  The largest list costs no more to create, and its last bit is reachable.
    s_run (s_keys [1], 5, "create", "{\"name\":\"big\",\"purpose\":\"suspension\",\"size\":16777216}", "ok");
    s_run (s_keys [1], 6, "update", "{\"name\":\"big\",\"set\":[16777215]}", "ok");
    snprintf (id, sizeof id, "%s/status/big", s_issuer);
    ck_assert (s_check_bit (id, "16777215"));
    record = s_get (id, ACCORD_OK);
    list = s_decoded (record);
    ck_assert_int_eq (accord_statuslist_get (list, 16777215), 1);
    ck_assert_int_eq (accord_statuslist_get (list, 16777214), 0);
    accord_statuslist_destroy (&list);
    json_object_put (record);
}
END_TEST

START_TEST (status_only_the_issuer)
{
    char args [512], mallory [ACCORD_DID_MAX];
    s_run (s_keys [1], 2, "create", "{\"name\":\"r\",\"purpose\":\"revocation\"}", "ok");
    //  Someone else, as the issuer or as itself.
    snprintf (args, sizeof args, "{\"did\":\"%s\",\"name\":\"r\",\"set\":[1]}", s_issuer);
    s_run (s_keys [3], 1, "update", args, "unauthorized");
    s_run (s_keys [3], 2, "update", "{\"name\":\"r\",\"set\":[1]}", "unauthorized");      //  no DID
    cf_did_create (&s_genesis, s_keys [3], 3, mallory);
    s_run (s_keys [3], 4, "update", "{\"name\":\"r\",\"set\":[1]}", "not_found");         //  its own, none
    s_run (s_keys [3], 5, "update", args, "unauthorized");

    //  After a rotation the new key acts for the issuer (with "did"), the old one no longer.
    cf_did_rotate (&s_genesis, s_issuer, s_keys [1], s_keys [2], 3);
    s_run (s_keys [1], 4, "update", "{\"name\":\"r\",\"set\":[1]}", "unauthorized");
    s_run (s_keys [1], 5, "update", args, "unauthorized");
    s_run (s_keys [2], 1, "update", args, "ok");
    snprintf (args, sizeof args, "{\"did\":\"%s\",\"name\":\"r2\",\"purpose\":\"suspension\"}", s_issuer);
    s_run (s_keys [2], 2, "create", args, "ok");
    char id [256];
    snprintf (id, sizeof id, "%s/status/r", s_issuer);
    ck_assert (s_check_bit (id, "1"));
    snprintf (id, sizeof id, "%s/status/r2", s_issuer);
    json_object_put (s_get (id, ACCORD_OK));

    //  A deactivated issuer updates nothing.
    snprintf (args, sizeof args, "{\"did\":\"%s\"}", s_issuer);
    json_object_put (cf_run_one (&s_genesis, cf_tx (s_keys [2], "did", "deactivate", args, 3, 1000), "ok"));
    snprintf (args, sizeof args, "{\"did\":\"%s\",\"name\":\"r\",\"set\":[2]}", s_issuer);
    s_run (s_keys [2], 4, "update", args, "unauthorized");
}
END_TEST

START_TEST (status_malformed)
{
    const char *refused [][2] = {
        { "create", "{\"purpose\":\"revocation\"}" },
        { "create", "{\"name\":\"a/b\",\"purpose\":\"revocation\"}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"expiry\"}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"revocation\",\"size\":1000}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"revocation\",\"size\":131073}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"revocation\",\"size\":16777224}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"revocation\",\"size\":\"131072\"}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"revocation\",\"did\":\"did:web:example.com\"}" },
        { "create", "{\"name\":\"a\",\"purpose\":\"revocation\",\"did\":7}" },
        { "update", "{\"name\":\"a\"}" },
        { "update", "{\"name\":\"a\",\"set\":[]}" },
        { "update", "{\"name\":\"a\",\"set\":[-1]}" },
        { "update", "{\"name\":\"a\",\"set\":[1.5]}" },
        { "update", "{\"name\":\"a\",\"set\":[\"1\"]}" },
        { "update", "{\"name\":\"a\",\"set\":[9007199254740992]}" },
        { "update", "{\"name\":\"a\",\"set\":1}" },
        { "update", "{\"name\":\"a\",\"set\":[3,4],\"clear\":[4]}" },
    };
    char message [256];
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        message [0] = 0;
        int rc = accord_module_check_call ("status", refused [i][0], refused [i][1], strlen (refused [i][1]), NULL,
                                           message, sizeof message);
        ck_assert_msg (rc == ACCORD_E_INVALID_ARGUMENT, "%s %s: %d", refused [i][0], refused [i][1], rc);
        ck_assert (message [0]);
    }
    ck_assert_int_eq (accord_module_check_call ("status", "delete", "{}", 2, NULL, message, sizeof message),
                      ACCORD_E_UNKNOWN_METHOD);
    //  At most 1024 indices per update.
    char *big = malloc (16 * 1100);
    strcpy (big, "{\"name\":\"a\",\"set\":[0");
    for (int i = 1; i < 1025; i++)
        sprintf (big + strlen (big), ",%d", i);
    strcat (big, "]}");
    ck_assert_int_eq (accord_module_check_call ("status", "update", big, strlen (big), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    strcpy (strstr (big, ",1024]"), "]}");
    ck_assert_int_eq (accord_module_check_call ("status", "update", big, strlen (big), NULL, message, sizeof message),
                      ACCORD_OK);
    free (big);

    //  Queries: unknown ids are not_found, bad ones say what is wrong.
    char id [256], args [512];
    snprintf (id, sizeof id, "%s/status/none", s_issuer);
    ck_assert_ptr_null (s_get (id, ACCORD_E_NOT_FOUND));
    ck_assert_ptr_null (s_get ("nothing", ACCORD_E_NOT_FOUND));
    snprintf (id, sizeof id, "%s/status/a/bits/0", s_issuer);
    ck_assert_ptr_null (s_get (id, ACCORD_E_NOT_FOUND));
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "status", "get", "{}", &result), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "status", "list", "{}", &result), ACCORD_E_UNKNOWN_METHOD);
    s_run (s_keys [1], 2, "create", "{\"name\":\"a\",\"purpose\":\"revocation\"}", "ok");
    snprintf (id, sizeof id, "%s/status/a", s_issuer);
    const char *bad_index [] = { "131072", "-1", "\"01\"", "\"x\"", "null", "true" };
    for (size_t i = 0; i < sizeof bad_index / sizeof bad_index [0]; i++) {
        snprintf (args, sizeof args, "{\"id\":\"%s\",\"index\":%s}", id, bad_index [i]);
        ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "status", "check", args, &result), ACCORD_E_INVALID_ARGUMENT);
    }
}
END_TEST

Suite *
test_status_suite (void)
{
    Suite *suite = suite_create ("status");
    TCase *tc = tcase_create ("status");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, status_revocation_list);
    tcase_add_test (tc, status_suspension_list);
    tcase_add_test (tc, status_only_the_issuer);
    tcase_add_test (tc, status_malformed);
    suite_add_tcase (suite, tc);
    return suite;
}
