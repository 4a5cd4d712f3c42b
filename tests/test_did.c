/*  The did module (chain/mod_did.c) and accord/did.h on a real store: create, resolve, key
    rotation, versions by id and time, controllers, deactivation, and each refusal. */
#include "chainfx.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [4];       //  validator, alice, alice's second key, mallory

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 4; i++)
        s_keys [i] = accord_key_new ();
    cf_genesis (&s_genesis, s_keys, 1);
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 4; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

//  Runs one transaction in its own block and checks its status.
static void
s_run (accord_tx_t *tx, const char *status)
{
    accord_tx_t *txs [] = { tx };
    const char *statuses [] = { status };
    accord_execution_t *execution = cf_run_block (&s_genesis, txs, 1, statuses);
    accord_execution_destroy (&execution);
}

static json_object *
s_resolve (const char *did, const char *extra)
{
    char args [512];
    snprintf (args, sizeof args, "{\"did\":\"%s\"%s}", did, extra ? extra : "");
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "did", "resolve", args, &result), ACCORD_OK);
    return result;
}

static const char *
s_error (json_object *result)
{
    return accord_json_get_string (accord_json_get_object (result, "didResolutionMetadata"), "error");
}

//  The document of key, with method "#key-N" as its authentication and assertion key.
static json_object *
s_document_with (const char *did, accord_key_t *key, int n)
{
    json_object *doc = accord_did_default_document (did, accord_key_public (key));
    char id [ACCORD_DID_MAX + 16];
    snprintf (id, sizeof id, "%s#key-%d", did, n);
    json_object *method = json_object_array_get_idx (accord_json_get_array (doc, "verificationMethod"), 0);
    json_object_object_add (method, "id", json_object_new_string (id));
    const char *purposes [] = { "authentication", "assertionMethod" };
    for (int p = 0; p < 2; p++) {
        json_object *refs = json_object_new_array ();
        json_object_array_add (refs, json_object_new_string (id));
        json_object_object_add (doc, purposes [p], refs);
    }
    return doc;
}

static accord_tx_t *
s_update (accord_key_t *signer, const char *did, json_object *doc, uint64_t nonce)
{
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "did", json_object_new_string (did));
    json_object_object_add (args, "document", doc);
    accord_tx_t *tx = cf_tx (signer, "did", "update", json_object_to_json_string (args), nonce, 100);
    json_object_put (args);
    return tx;
}

START_TEST (did_syntax)
{
    char did [ACCORD_DID_MAX];
    uint8_t address [ACCORD_DID_ADDRESS_SIZE], digest [ACCORD_HASH_SIZE];
    accord_did_for_key (did, "c1", accord_key_public (s_keys [1]));
    ck_assert_int_eq (strncmp (did, "did:accord:c1:", 14), 0);
    ck_assert_uint_eq (strlen (did), 14 + 40);
    ck_assert_int_eq (accord_did_parse (did, "c1", address), 0);
    accord_sha256 (digest, accord_key_public (s_keys [1]), ACCORD_PUBKEY_SIZE);
    ck_assert_mem_eq (address, digest, ACCORD_DID_ADDRESS_SIZE);
    ck_assert_int_eq (accord_did_parse (did, "c2", address), -1);
    ck_assert_int_eq (accord_did_parse ("did:accord:c1:ABCDEF", "c1", address), -1);
    ck_assert_int_eq (accord_did_parse (NULL, "c1", address), -1);
    //  The default document passes its own checks and names the key for both purposes.
    json_object *doc = accord_did_default_document (did, accord_key_public (s_keys [1]));
    char err [200];
    ck_assert_int_eq (accord_did_document_check (doc, did, err, sizeof err), 0);
    ck_assert (accord_did_key_has_purpose (doc, "authentication", accord_key_public (s_keys [1]), NULL));
    ck_assert (accord_did_key_has_purpose (doc, "assertionMethod", accord_key_public (s_keys [1]), "#key-1"));
    ck_assert (!accord_did_key_has_purpose (doc, "assertionMethod", accord_key_public (s_keys [1]), "#key-2"));
    ck_assert (!accord_did_key_has_purpose (doc, "authentication", accord_key_public (s_keys [2]), NULL));
    //  Broken documents are refused with a reason.
    json_object_object_add (doc, "authentication", json_object_new_string ("#nothing"));
    ck_assert_int_eq (accord_did_document_check (doc, did, err, sizeof err), -1);
    json_object *refs = json_object_new_array ();
    json_object_array_add (refs, json_object_new_string ("#missing"));
    json_object_object_add (doc, "authentication", refs);
    ck_assert_int_eq (accord_did_document_check (doc, did, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "reference"));
    ck_assert_int_eq (accord_did_document_check (doc, "did:accord:c1:other", err, sizeof err), -1);
    json_object_put (doc);
}
END_TEST

START_TEST (did_lifecycle)
{
    char did [ACCORD_DID_MAX];
    accord_did_for_key (did, CF_CHAIN, accord_key_public (s_keys [1]));
    json_object *result = s_resolve (did, NULL);
    ck_assert_str_eq (s_error (result), "notFound");
    json_object_put (result);

    s_run (cf_tx (s_keys [1], "did", "create", "{}", 1, 100), "ok");
    s_run (cf_tx (s_keys [1], "did", "create", "{}", 2, 100), "conflict");
    result = s_resolve (did, NULL);
    ck_assert_ptr_null (s_error (result));
    json_object *doc = accord_json_get_object (result, "didDocument");
    ck_assert_str_eq (accord_json_get_string (doc, "id"), did);
    ck_assert (accord_did_key_has_purpose (doc, "authentication", accord_key_public (s_keys [1]), NULL));
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (result, "didDocumentMetadata"), "versionId"), "1");
    json_object_put (result);

    //  Mallory cannot update it; alice rotates to her second key.
    s_run (s_update (s_keys [3], did, s_document_with (did, s_keys [3], 9), 1), "unauthorized");
    s_run (s_update (s_keys [1], did, s_document_with (did, s_keys [2], 2), 3), "ok");
    result = s_resolve (did, NULL);
    doc = accord_json_get_object (result, "didDocument");
    ck_assert (accord_did_key_has_purpose (doc, "assertionMethod", accord_key_public (s_keys [2]), "#key-2"));
    ck_assert (!accord_did_key_has_purpose (doc, "authentication", accord_key_public (s_keys [1]), NULL));
    json_object *meta = accord_json_get_object (result, "didDocumentMetadata");
    ck_assert_str_eq (accord_json_get_string (meta, "versionId"), "2");
    json_object_put (result);
    //  The old key lost its power; version 1 still resolves with it.
    s_run (s_update (s_keys [1], did, s_document_with (did, s_keys [1], 3), 4), "unauthorized");
    result = s_resolve (did, ",\"versionId\":\"1\"");
    doc = accord_json_get_object (result, "didDocument");
    ck_assert (accord_did_key_has_purpose (doc, "authentication", accord_key_public (s_keys [1]), NULL));
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (result, "didDocumentMetadata"), "nextVersionId"), "2");
    json_object_put (result);
    //  Block times are genesis (22:13:20) + 1 s per height: version 1 at height 1, version 2
    //  at height 4.
    result = s_resolve (did, ",\"versionTime\":\"2023-11-14T22:13:23.999Z\"");
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (result, "didDocumentMetadata"), "versionId"), "1");
    json_object_put (result);
    result = s_resolve (did, ",\"versionTime\":\"2023-11-14T22:13:24Z\"");
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (result, "didDocumentMetadata"), "versionId"), "2");
    json_object_put (result);
    result = s_resolve (did, ",\"versionTime\":\"2023-11-14T23:13:24+01:00\"");
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (result, "didDocumentMetadata"), "versionId"), "2");
    json_object_put (result);
    char bad_time [256];
    snprintf (bad_time, sizeof bad_time, "{\"did\":\"%s\",\"versionTime\":\"2023-11-14 22:13:24\"}", did);
    result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "did", "resolve", bad_time, &result), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_ptr_null (result);
    result = s_resolve (did, ",\"versionTime\":\"2001-01-01T00:00:00Z\"");
    ck_assert_str_eq (s_error (result), "notFound");
    json_object_put (result);
    result = s_resolve (did, ",\"versionId\":\"9\"");
    ck_assert_str_eq (s_error (result), "notFound");
    json_object_put (result);

    //  A document that breaks the rules is refused; deactivation is final.
    json_object *bad = s_document_with (did, s_keys [2], 4);
    json_object_object_add (bad, "id", json_object_new_string ("did:accord:other:00"));
    s_run (s_update (s_keys [2], did, bad, 1), "invalid_argument");
    char args [256];
    snprintf (args, sizeof args, "{\"did\":\"%s\"}", did);
    s_run (cf_tx (s_keys [3], "did", "deactivate", args, 2, 100), "unauthorized");
    s_run (cf_tx (s_keys [2], "did", "deactivate", args, 2, 100), "ok");
    result = s_resolve (did, NULL);
    ck_assert_str_eq (s_error (result), "deactivated");
    ck_assert (json_object_get_boolean (json_object_object_get (accord_json_get_object (result, "didDocumentMetadata"), "deactivated")));
    json_object_put (result);
    s_run (s_update (s_keys [2], did, s_document_with (did, s_keys [2], 5), 3), "conflict");
    s_run (cf_tx (s_keys [2], "did", "deactivate", args, 4, 100), "conflict");

    result = s_resolve ("did:web:example.com", NULL);
    ck_assert_str_eq (s_error (result), "invalidDid");
    json_object_put (result);
}
END_TEST

START_TEST (did_controller)
{
    //  Bob's document names alice as controller: alice's key may update it.
    char alice [ACCORD_DID_MAX], bob [ACCORD_DID_MAX];
    accord_did_for_key (alice, CF_CHAIN, accord_key_public (s_keys [1]));
    accord_did_for_key (bob, CF_CHAIN, accord_key_public (s_keys [3]));
    s_run (cf_tx (s_keys [1], "did", "create", "{}", 1, 100), "ok");
    json_object *doc = accord_did_default_document (bob, accord_key_public (s_keys [3]));
    json_object_object_add (doc, "controller", json_object_new_string (alice));
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "document", doc);
    s_run (cf_tx (s_keys [3], "did", "create", json_object_to_json_string (args), 1, 100), "ok");
    json_object_put (args);
    json_object *next = accord_did_default_document (bob, accord_key_public (s_keys [2]));
    json_object_object_add (next, "controller", json_object_new_string (alice));
    s_run (s_update (s_keys [1], bob, next, 2), "ok");
    //  A document whose creating key does not authenticate is refused at creation.
    char carol [ACCORD_DID_MAX];
    accord_did_for_key (carol, CF_CHAIN, accord_key_public (s_keys [0]));
    json_object *foreign = accord_did_default_document (carol, accord_key_public (s_keys [2]));
    args = json_object_new_object ();
    json_object_object_add (args, "document", foreign);
    s_run (cf_tx (s_keys [0], "did", "create", json_object_to_json_string (args), 1, 100), "invalid_argument");
    json_object_put (args);
}
END_TEST

Suite *
test_did_suite (void)
{
    Suite *suite = suite_create ("did");
    TCase *tc = tcase_create ("did");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, did_syntax);
    tcase_add_test (tc, did_lifecycle);
    tcase_add_test (tc, did_controller);
    suite_add_tcase (suite, tc);
    return suite;
}
