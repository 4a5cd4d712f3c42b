/*  Evidence signed by DIDs (chain/mod_evidence.c with "did"): the record names the DIDs and
    their keys, a rotated DID signs with its new key, and the refusals. Key-only anchoring and
    signing are covered by the store suite. */
#include "chainfx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [5];       //  validator, alice, alice's next key, bob, mallory
static char s_alice [ACCORD_DID_MAX], s_bob [ACCORD_DID_MAX];

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 5; i++)
        s_keys [i] = accord_key_new ();
    cf_genesis (&s_genesis, s_keys, 1);
    cf_did_create (&s_genesis, s_keys [1], 1, s_alice);
    cf_did_create (&s_genesis, s_keys [3], 1, s_bob);
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 5; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

static char s_hash [65];

//  evidence.METHOD of s_hash as did (NULL: the key alone), signed by key.
static json_object *
s_call (accord_key_t *key, uint64_t nonce, const char *method, const char *did, const char *status)
{
    char args [512];
    snprintf (args, sizeof args, "{\"hash\":\"%s\"%s%s%s}", s_hash, did ? ",\"did\":\"" : "", did ? did : "",
              did ? "\"" : "");
    return cf_run_one (&s_genesis, cf_tx (key, "evidence", method, args, nonce, 1000), status);
}

static void
s_run (accord_key_t *key, uint64_t nonce, const char *method, const char *did, const char *status)
{
    json_object_put (s_call (key, nonce, method, did, status));
}

static json_object *
s_record (void)
{
    char args [128];
    snprintf (args, sizeof args, "{\"hash\":\"%s\"}", s_hash);
    json_object *record = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "evidence", "get", args, &record), ACCORD_OK);
    return record;
}

//  The members of array (strings) joined with spaces.
static char *
s_joined (json_object *record, const char *name)
{
    json_object *array = accord_json_get_array (record, name);
    char *out = calloc (1, 4096);
    for (size_t i = 0; array && i < json_object_array_length (array); i++)
        snprintf (out + strlen (out), 4096 - strlen (out), "%s%s", i ? " " : "",
                  json_object_get_string (json_object_array_get_idx (array, i)));
    return out;
}

#define S_ASSERT_LIST(record, name, expected) do { \
    char *s_got = s_joined ((record), (name)); \
    ck_assert_str_eq (s_got, (expected)); \
    free (s_got); \
} while (0)

START_TEST (evidence_signed_by_dids)
{
    memset (s_hash, 'a', 64);
    char alice_key [2 * ACCORD_PUBKEY_SIZE + 1], next_key [2 * ACCORD_PUBKEY_SIZE + 1], bob_key [2 * ACCORD_PUBKEY_SIZE + 1];
    char expected [1024];
    accord_key_hex (alice_key, accord_key_public (s_keys [1]));
    accord_key_hex (next_key, accord_key_public (s_keys [2]));
    accord_key_hex (bob_key, accord_key_public (s_keys [3]));

    json_object *receipt = s_call (s_keys [1], 2, "anchor", s_alice, "ok");
    json_object *log = json_object_array_get_idx (accord_json_get_array (receipt, "logs"), 0);
    ck_assert_str_eq (accord_json_get_string (json_object_object_get (log, "data"), "did"), s_alice);
    json_object_put (receipt);
    s_run (s_keys [3], 2, "sign", s_bob, "ok");
    s_run (s_keys [3], 3, "sign", s_bob, "duplicate");
    s_run (s_keys [3], 4, "sign", NULL, "duplicate");             //  bob's key signed already
    json_object *record = s_record ();
    snprintf (expected, sizeof expected, "%s %s", alice_key, bob_key);
    S_ASSERT_LIST (record, "signers", expected);
    snprintf (expected, sizeof expected, "%s %s", s_alice, s_bob);
    S_ASSERT_LIST (record, "dids", expected);
    json_object_put (record);

    //  Alice rotates; her old key no longer signs as her, her new key does for another hash.
    cf_did_rotate (&s_genesis, s_alice, s_keys [1], s_keys [2], 3);
    memset (s_hash, 'b', 64);
    s_run (s_keys [3], 5, "anchor", NULL, "ok");                  //  a key alone, as before
    s_run (s_keys [1], 4, "sign", s_alice, "unauthorized");
    s_run (s_keys [2], 1, "sign", s_alice, "ok");
    s_run (s_keys [4], 1, "sign", s_alice, "unauthorized");       //  mallory claims alice
    s_run (s_keys [4], 2, "sign", s_bob, "unauthorized");
    record = s_record ();
    snprintf (expected, sizeof expected, "%s %s", bob_key, next_key);
    S_ASSERT_LIST (record, "signers", expected);
    S_ASSERT_LIST (record, "dids", s_alice);
    json_object_put (record);

    //  Unknown hash, a DID of another chain, a deactivated DID.
    memset (s_hash, 'c', 64);
    s_run (s_keys [3], 6, "sign", s_bob, "not_found");
    char message [256], args [256];
    snprintf (args, sizeof args, "{\"hash\":\"%s\",\"did\":\"did:web:example.com\"}", s_hash);
    ck_assert_int_eq (accord_module_check_call ("evidence", "sign", args, strlen (args), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    s_run (s_keys [3], 7, "anchor", "did:accord:other-chain:0000000000000000000000000000000000000000", "invalid_argument");
    snprintf (args, sizeof args, "{\"did\":\"%s\"}", s_bob);
    json_object_put (cf_run_one (&s_genesis, cf_tx (s_keys [3], "did", "deactivate", args, 8, 1000), "ok"));
    s_run (s_keys [3], 9, "anchor", s_bob, "unauthorized");
    s_run (s_keys [3], 10, "anchor", NULL, "ok");                 //  the key still anchors alone
    record = s_record ();
    ck_assert_ptr_null (json_object_object_get (record, "dids"));
    json_object_put (record);
}
END_TEST

Suite *
test_evidence_suite (void)
{
    Suite *suite = suite_create ("evidence");
    TCase *tc = tcase_create ("dids");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, evidence_signed_by_dids);
    suite_add_tcase (suite, tc);
    return suite;
}
