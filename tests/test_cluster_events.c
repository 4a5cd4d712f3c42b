/*  The event bus's on-chain half on a real four-member network: a member registers its broker,
    a DID creates a topic through the accord tool, the broker's batches (one with a 1 MiB
    event) commit, and another member reads each event and checks its inclusion proof. The
    broker itself comes later; here the test packs and signs the batches as it will. */
#include "clusterfx.h"
#include "accord/config.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include "accord/tx.h"
#include "accord/wire.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Submits event.publish {topic, events} signed by key at member k and waits for the receipt
//  (caller puts).
static json_object *
s_publish (int k, accord_key_t *key, uint64_t nonce, const char *topic, json_object *events)
{
    accord_node_config_t config;
    accord_genesis_t genesis;
    char err [256];
    ck_assert_int_eq (accord_node_config_load (&config, cl_member (k), err, sizeof err), 0);
    ck_assert_int_eq (accord_genesis_load (&genesis, config.genesis, err, sizeof err), 0);
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "topic", json_object_new_string (topic));
    json_object_object_add (args, "events", events);
    accord_tx_t *tx = accord_tx_new (genesis.chain_id, "event", "publish",
                                     json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN), nonce,
                                     (uint64_t) cl_height (k) + 1000);
    json_object_put (args);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    accord_client_t *client = accord_client_new (config.rpc_endpoint, CL_WAIT_MS);
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, tx->raw, tx->raw_len);
    ck_assert_msg (accord_client_call (client, "SUBMIT", &body, NULL) == ACCORD_OK, "submit: %s", accord_client_errstr (client));
    json_object *request = json_object_new_object (), *receipt = NULL;
    char hash [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
    json_object_object_add (request, "tx", json_object_new_string (hash));
    json_object_object_add (request, "wait_ms", json_object_new_int (CL_WAIT_MS - 2000));
    ck_assert_int_eq (accord_client_call_json (client, "RECEIPT", request, &receipt), ACCORD_OK);
    json_object_put (request);
    accord_client_destroy (&client);
    accord_tx_destroy (&tx);
    return receipt;
}

//  "HEIGHT:TX:index" of the events of a receipt.
static void
s_event_id (char out [ACCORD_EVENT_ID_TEXT_MAX], json_object *receipt, uint32_t index)
{
    accord_event_id_format (out, (uint64_t) json_object_get_int64 (json_object_object_get (receipt, "height")),
                            (uint32_t) json_object_get_int64 (json_object_object_get (receipt, "index")), index);
}

static char *
s_did_create (int k, const char *key_path)
{
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "did create --out %s --member %s --json", key_path, cl_member (k)), 0);
    json_object *result = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    ck_assert_ptr_nonnull (result);
    char *did = strdup (accord_json_get_string (result, "did"));
    json_object_put (result);
    return did;
}

START_TEST (events_published_and_proved_at_another_member)
{
    char broker_path [PATH_MAX], alice_path [PATH_MAX], bob_path [PATH_MAX], *out = NULL;
    snprintf (broker_path, sizeof broker_path, "%s/broker.key", cl_dir);
    snprintf (alice_path, sizeof alice_path, "%s/alice.key", cl_dir);
    snprintf (bob_path, sizeof bob_path, "%s/bob.key", cl_dir);
    accord_key_t *broker = accord_key_new ();
    ck_assert_int_eq (accord_key_save (broker, broker_path), 0);

    //  Member 1 registers its broker with its node key; every member sees it.
    ck_assert_int_eq (cl_accord (&out, "system set-broker %s --name edge-1 --member %s", broker_path, cl_member (1)), 0);
    free (out);
    cl_wait_height (2, cl_height (1));
    ck_assert_int_eq (cl_accord (&out, "system brokers --member %s", cl_member (2)), 0);
    ck_assert_msg (strstr (out, "edge-1") && strstr (out, "member member1") && !strstr (out, "inactive"), "%s", out);
    free (out);
    //  A client key is not a validator's: refused.
    ck_assert_int_ne (cl_accord (&out, "system set-broker %s --key %s/client.key --member %s", broker_path, cl_member (1),
                                 cl_member (1)), 0);
    free (out);

    //  A DID creates a topic at member 2; member 3 reads it.
    char *alice = s_did_create (2, alice_path), *bob = s_did_create (2, bob_path);
    ck_assert_int_eq (cl_accord (&out, "topic create plant/line-3/temp --key %s --publishers %s --subscribers '*' "
                                 "--retention-events 100000 --retention-seconds 86400 --description 'Line 3' --member %s",
                                 alice_path, alice, cl_member (2)), 0);
    ck_assert_str_eq (out, "plant/line-3/temp\n");
    free (out);
    cl_wait_height (3, cl_height (2));
    ck_assert_int_eq (cl_accord (&out, "topic info plant/line-3/temp --member %s --json", cl_member (3)), 0);
    json_object *topic = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    ck_assert_ptr_nonnull (topic);
    ck_assert_str_eq (accord_json_get_string (topic, "owner"), alice);
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (accord_json_get_object (topic, "retention"), "max_age_s")), 86400);
    json_object_put (topic);
    ck_assert_int_eq (cl_accord (&out, "topic list --prefix plant/ --member %s", cl_member (3)), 0);
    ck_assert_msg (strncmp (out, "plant/line-3/temp  ", 19) == 0, "%s", out);
    free (out);
    //  Only the owner updates; bad names are refused before anything is sent.
    ck_assert_int_ne (cl_accord (&out, "topic update plant/line-3/temp --key %s --description x --member %s", bob_path,
                                 cl_member (3)), 0);
    free (out);
    ck_assert_int_ne (cl_accord (&out, "topic create 'plant/+' --key %s --member %s", alice_path, cl_member (3)), 0);
    free (out);

    //  The broker packs three events (the first signed by alice) into one transaction.
    json_object *events = json_object_new_array ();
    accord_key_t *alice_key = accord_key_load (alice_path);
    const char *tags [] = { "celsius" };
    json_object_array_add (events, accord_event_build ("plant/line-3/temp", alice, "m-1", tags, 1, (const uint8_t *) "21.5",
                                                       4, NULL, alice_key));
    json_object_array_add (events, accord_event_build ("plant/line-3/temp", alice, "m-2", tags, 1, (const uint8_t *) "21.7",
                                                       4, NULL, NULL));
    json_object_array_add (events, accord_event_build ("plant/line-3/temp", alice, "m-3", NULL, 0, (const uint8_t *) "22.0",
                                                       4, NULL, NULL));
    json_object *receipt = s_publish (1, broker, 1, "plant/line-3/temp", events);
    ck_assert_str_eq (accord_json_get_string (receipt, "status"), "ok");
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    s_event_id (id, receipt, 1);
    cl_wait_height (4, json_object_get_int64 (json_object_object_get (receipt, "height")));
    json_object_put (receipt);

    ck_assert_int_eq (cl_accord (&out, "event get %s --member %s", id, cl_member (4)), 0);
    ck_assert_msg (strstr (out, "message id m-2") && strstr (out, "payload (4 bytes) 21.7") && strstr (out, "tags celsius"),
                   "%s", out);
    free (out);
    ck_assert_int_eq (cl_accord (&out, "event proof %s --member %s", id, cl_member (3)), 0);
    ck_assert_msg (strstr (out, "event 1 of 3 in args.events") && strstr (out, "proof verified against the genesis"), "%s", out);
    free (out);

    //  The same message id again: the chain refuses the whole batch.
    events = json_object_new_array ();
    json_object_array_add (events, accord_event_build ("plant/line-3/temp", alice, "m-4", NULL, 0, NULL, 0, NULL, NULL));
    json_object_array_add (events, accord_event_build ("plant/line-3/temp", alice, "m-2", NULL, 0, NULL, 0, NULL, NULL));
    receipt = s_publish (1, broker, 2, "plant/line-3/temp", events);
    ck_assert_str_eq (accord_json_get_string (receipt, "status"), "duplicate");
    ck_assert_ptr_nonnull (strstr (accord_json_get_string (receipt, "message"), "event 1:"));
    s_event_id (id, receipt, 0);
    json_object_put (receipt);
    ck_assert_int_ne (cl_accord (&out, "event get %s --member %s", id, cl_member (1)), 0);
    free (out);

    //  One event of 1 MiB crosses the network (admission, forwarding, block, sync) and proves.
    uint8_t *payload = malloc (ACCORD_EVENT_PAYLOAD_MAX);
    for (size_t i = 0; i < ACCORD_EVENT_PAYLOAD_MAX; i++)
        payload [i] = (uint8_t) (i * 7);
    events = json_object_new_array ();
    json_object_array_add (events, accord_event_build ("plant/line-3/temp", alice, "big", NULL, 0, payload,
                                                       ACCORD_EVENT_PAYLOAD_MAX, NULL, alice_key));
    free (payload);
    receipt = s_publish (1, broker, 3, "plant/line-3/temp", events);
    ck_assert_msg (strcmp (accord_json_get_string (receipt, "status"), "ok") == 0, "%s", accord_json_get_string (receipt, "message"));
    s_event_id (id, receipt, 0);
    cl_wait_height (2, json_object_get_int64 (json_object_object_get (receipt, "height")));
    json_object_put (receipt);
    ck_assert_int_eq (cl_accord (&out, "event proof %s --member %s", id, cl_member (2)), 0);
    ck_assert_msg (strstr (out, "event 0 of 1") && strstr (out, "proof verified"), "%s", out);
    free (out);
    int64_t last = cl_height (1);
    for (int k = 2; k <= CL_MEMBERS; k++)
        cl_wait_height (k, last);
    cl_assert_same_chain (last);

    accord_key_destroy (&alice_key);
    accord_key_destroy (&broker);
    free (alice);
    free (bob);
}
END_TEST

Suite *
test_cluster_events_suite (void)
{
    Suite *suite = suite_create ("cluster_events");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 180);
    tcase_add_unchecked_fixture (tc, cl_network_up, cl_network_down);
    tcase_add_test (tc, events_published_and_proved_at_another_member);
    suite_add_tcase (suite, tc);
    return suite;
}
