/*  Cluster tests: four real accord-chain processes on loopback, driven through the accord
    tool and the client library as a user would. The network is started once for the test
    case (unchecked fixture, in the parent process) and stopped even when a test fails. */
#include "clusterfx.h"
#include "accord/config.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/proof.h"
#include "accord/tx.h"
#include "accord/wire.h"
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

START_TEST (four_nodes_commit)
{
    int64_t height = cl_anchor (2, "four nodes commit");
    ck_assert_int_ge (height, 1);
    for (int k = 1; k <= CL_MEMBERS; k++)
        ck_assert_int_ge (cl_wait_height (k, height), height);
    cl_assert_same_chain (height);
    char hex [65], *out = NULL;
    uint8_t digest [32];
    accord_sha256 (digest, "four nodes commit", 17);
    accord_hex_encode (hex, sizeof hex, digest, 32);
    ck_assert_int_eq (cl_accord (&out, "evidence get %s --member %s", hex, cl_member (3)), 0);
    ck_assert_ptr_nonnull (strstr (out, hex));
    free (out);
    //  Every member sees the other three.
    int connected = 0;
    for (int64_t deadline = tu_now_ms () + CL_WAIT_MS; connected < CL_MEMBERS - 1 && tu_now_ms () < deadline; ) {
        json_object *status = cl_status (4);
        connected = status ? json_object_get_int (json_object_object_get (status, "peers_connected")) : 0;
        json_object_put (status);
        if (connected < CL_MEMBERS - 1)
            usleep (50 * 1000);
    }
    ck_assert_int_eq (connected, CL_MEMBERS - 1);
}
END_TEST

//  A subscriber of log/evidence/ gets the anchored event with the block's height; one that
//  asked for blocks only gets no log.
START_TEST (logs_reach_subscribers)
{
    accord_node_config_t config;
    char err [256];
    ck_assert_int_eq (accord_node_config_load (&config, cl_member (4), err, sizeof err), 0);
    zsock_t *logs = zsock_new_sub (config.pub_endpoint, "log/evidence/");
    zsock_t *blocks = zsock_new_sub (config.pub_endpoint, "block");
    ck_assert_ptr_nonnull (logs);
    ck_assert_ptr_nonnull (blocks);
    zsock_set_rcvtimeo (logs, CL_WAIT_MS);
    zsock_set_rcvtimeo (blocks, CL_WAIT_MS);
    zclock_sleep (300);         //  subscriptions travel to the publisher first
    int64_t height = cl_anchor (1, "logs reach subscribers");
    char hex [65];
    uint8_t digest [32];
    accord_sha256 (digest, "logs reach subscribers", 22);
    accord_hex_encode (hex, sizeof hex, digest, 32);
    char *topic = NULL, *body = NULL;
    ck_assert_int_eq (zstr_recvx (logs, &topic, &body, NULL), 2);
    ck_assert_str_eq (topic, "log/evidence/anchored");
    json_object *event = accord_json_parse (body, strlen (body), err, sizeof err);
    ck_assert_msg (event != NULL, "%s: %s", body, err);
    ck_assert_str_eq (accord_json_get_string (event, "module"), "evidence");
    ck_assert_str_eq (accord_json_get_string (event, "event"), "anchored");
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (event, "data"), "hash"), hex);
    int64_t value = 0;
    ck_assert_int_eq (accord_json_get_int64 (event, "height", 1, INT64_MAX, &value), 0);
    ck_assert_int_eq (value, height);
    ck_assert_ptr_nonnull (accord_json_get_string (event, "tx"));
    json_object_put (event);
    zstr_free (&topic);
    zstr_free (&body);
    //  The block subscriber sees blocks and nothing else
    zsock_set_rcvtimeo (blocks, 2000);
    zmsg_t *msg;
    int seen = 0;
    while ((msg = zmsg_recv (blocks))) {
        char *first = zmsg_popstr (msg);
        ck_assert_str_eq (first, "block");
        seen++;
        zstr_free (&first);
        zmsg_destroy (&msg);
    }
    ck_assert_int_ge (seen, 1);
    zsock_destroy (&logs);
    zsock_destroy (&blocks);
}
END_TEST

//  Submits one raw frame to member 1 and returns the error code of the reply.
static int
s_submit_raw (const void *data, size_t len, char *message, size_t size)
{
    accord_node_config_t config;
    char err [256];
    accord_node_config_load (&config, cl_member (1), err, sizeof err);
    accord_client_t *client = accord_client_new (config.rpc_endpoint, 5000);
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, data, len);
    int rc = accord_client_call (client, "SUBMIT", &body, NULL);
    snprintf (message, size, "%s", accord_client_errstr (client));
    accord_client_destroy (&client);
    return rc;
}

static int
s_submit_tx (const char *chain, const char *module, const char *method, const char *args,
             uint64_t nonce, uint64_t expiry, accord_key_t *key, int corrupt)
{
    accord_tx_t *tx = accord_tx_new (chain, module, method, args, nonce, expiry);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    if (corrupt)
        tx->raw [tx->raw_len - 5] ^= 0x40;
    char message [256];
    int rc = s_submit_raw (tx->raw, tx->raw_len, message, sizeof message);
    ck_assert_msg (rc == ACCORD_OK || strlen (message) > 0, "error %d without a message", rc);
    accord_tx_destroy (&tx);
    return rc;
}

START_TEST (rejections_have_reasons)
{
    accord_key_t *key = accord_key_new ();
    const char *anchor = "{\"hash\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";
    int64_t height = cl_height (1);
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "anchor", anchor, 1, height + 100, key, 1), ACCORD_E_BAD_SIGNATURE);
    ck_assert_int_eq (s_submit_tx ("other-chain", "evidence", "anchor", anchor, 1, height + 100, key, 0), ACCORD_E_WRONG_CHAIN);
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "anchor", anchor, 1, height > 0 ? height - 1 : 0, key, 0), ACCORD_E_EXPIRED);
    ck_assert_int_eq (s_submit_tx ("accord-local", "ledger", "pay", "{}", 1, height + 100, key, 0), ACCORD_E_UNKNOWN_MODULE);
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "erase", anchor, 1, height + 100, key, 0), ACCORD_E_UNKNOWN_METHOD);
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "anchor", "{\"hash\":\"xyz\"}", 1, height + 100, key, 0), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "anchor", "{not json", 1, height + 100, key, 0), ACCORD_E_INVALID_ARGUMENT);
    char message [256];
    ck_assert_int_eq (s_submit_raw ("garbage", 7, message, sizeof message), ACCORD_E_MALFORMED);
    //  A committed transaction sent again is a replay.
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "anchor", anchor, 1, height + 100, key, 0), ACCORD_OK);
    ck_assert_int_eq (s_submit_tx ("accord-local", "evidence", "anchor", anchor, 1, height + 100, key, 0), ACCORD_E_DUPLICATE);
    ck_assert_int_ge (cl_wait_height (1, height + 1), height + 1);
    int64_t deadline = tu_now_ms () + CL_WAIT_MS;
    int rc;
    while ((rc = s_submit_tx ("accord-local", "evidence", "anchor", anchor, 1, height + 100, key, 0)) == ACCORD_E_DUPLICATE
           && tu_now_ms () < deadline)
        usleep (50 * 1000);
    ck_assert_int_eq (rc, ACCORD_E_STALE_NONCE);
    accord_key_destroy (&key);

    //  Protocol errors on the RPC socket.
    accord_node_config_t config;
    char err [256];
    accord_node_config_load (&config, cl_member (1), err, sizeof err);
    accord_client_t *client = accord_client_new (config.rpc_endpoint, 5000);
    ck_assert_int_eq (accord_client_call_json (client, "TELEPORT", NULL, NULL), ACCORD_E_UNKNOWN_COMMAND);
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "tx", json_object_new_string ("abcd"));
    ck_assert_int_eq (accord_client_call_json (client, "RECEIPT", request, NULL), ACCORD_E_INVALID_ARGUMENT);
    json_object_put (request);
    request = json_object_new_object ();
    json_object_object_add (request, "height", json_object_new_int64 (1000000));
    ck_assert_int_eq (accord_client_call_json (client, "BLOCK", request, NULL), ACCORD_E_NOT_FOUND);
    json_object_put (request);
    accord_client_destroy (&client);
    zsock_t *raw = zsock_new_dealer (config.rpc_endpoint);
    zsock_set_rcvtimeo (raw, 5000);
    zstr_sendx (raw, "ACC9", "STATUS", "id", NULL);
    char *version = NULL, *status = NULL, *id = NULL, *code = NULL, *text = NULL;
    ck_assert_int_eq (zstr_recvx (raw, &version, &status, &id, &code, &text, NULL), 5);
    ck_assert_str_eq (status, "ERR");
    ck_assert_str_eq (code, "bad_version");
    zstr_free (&version); zstr_free (&status); zstr_free (&id); zstr_free (&code); zstr_free (&text);
    zsock_destroy (&raw);
}
END_TEST

START_TEST (proof_verifies_and_tampering_fails)
{
    int64_t height = cl_anchor (1, "proof");
    for (int k = 2; k <= CL_MEMBERS; k++)
        ck_assert_int_ge (cl_wait_height (k, height), height);
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "chain block %lld --member %s --json", (long long) height, cl_member (2)), 0);
    json_object *block = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    const char *tx = json_object_get_string (json_object_array_get_idx (accord_json_get_array (block, "transactions"), 0));
    ck_assert_int_eq (cl_accord (&out, "chain proof %s --member %s", tx, cl_member (3)), 0);
    ck_assert_ptr_nonnull (strstr (out, "proof verified"));
    free (out);
    ck_assert_int_eq (cl_accord (&out, "chain proof %s --member %s --json", tx, cl_member (4)), 0);
    json_object *proof = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    accord_genesis_t genesis;
    char err [256], path [PATH_MAX];
    snprintf (path, sizeof path, "%s/genesis.json", cl_dir);
    ck_assert_int_eq (accord_genesis_load (&genesis, path, err, sizeof err), 0);
    ck_assert_int_eq (accord_proof_verify (proof, &genesis.validators, NULL, err, sizeof err), 0);
    //  A forged receipt no longer matches the receipts root.
    json_object_object_add (proof, "receipt", json_object_new_string ("{\"status\":\"ok\",\"forged\":true}"));
    ck_assert_int_eq (accord_proof_verify (proof, &genesis.validators, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "receipt"));
    json_object_put (proof);
    json_object_put (block);
}
END_TEST

START_TEST (leader_killed_others_go_on)
{
    json_object *status = cl_status (1);
    int leader = json_object_get_int (json_object_object_get (status, "leader")) + 1;
    json_object_put (status);
    ck_assert_int_eq (kill (cl_pid (leader), SIGKILL), 0);
    int other = leader % CL_MEMBERS + 1;
    int64_t before = cl_height (other);
    for (int k = 1; k <= CL_MEMBERS; k++)
        if (k != leader)
            ck_assert_int_ge (cl_wait_height (k, before), before);
    int64_t height = cl_anchor (other, "after the leader died");
    ck_assert_int_gt (height, before);
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member%d", cl_dir, leader), 0);
    ck_assert_int_ge (cl_wait_height (leader, height), height);
    cl_assert_same_chain (height);
}
END_TEST

START_TEST (stopped_node_catches_up)
{
    ck_assert_int_eq (cl_accord (NULL, "net stop %s --member member4", cl_dir), 0);
    int64_t height = 0;
    for (int i = 0; i < 3; i++) {
        char label [32];
        snprintf (label, sizeof label, "while member4 is down %d", i);
        height = cl_anchor (1 + i % 3, label);
    }
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member4", cl_dir), 0);
    ck_assert_int_ge (cl_wait_height (4, height), height);
    cl_assert_same_chain (height);
}
END_TEST

START_TEST (restart_all_loses_nothing)
{
    int64_t height = cl_anchor (3, "before the restart");
    for (int k = 1; k <= CL_MEMBERS; k++)
        cl_wait_height (k, height);
    ck_assert_int_eq (cl_accord (NULL, "net stop %s", cl_dir), 0);
    ck_assert_int_eq (cl_accord (NULL, "net start %s", cl_dir), 0);
    for (int k = 1; k <= CL_MEMBERS; k++)
        ck_assert_int_ge (cl_height (k), height);
    int64_t after = cl_anchor (2, "after the restart");
    ck_assert_int_gt (after, height);
    for (int k = 1; k <= CL_MEMBERS; k++)
        ck_assert_int_ge (cl_wait_height (k, after), after);
    cl_assert_same_chain (after);
}
END_TEST

//  Three of four validators vote view_timeout_ms = 1500: the vote that reaches the quorum
//  changes the parameter, the query shows it and every node runs with it.
START_TEST (validators_vote_a_parameter)
{
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "system set-param view_timeout_ms 1500 --member %s", cl_member (1)), 0);
    ck_assert_ptr_nonnull (strstr (out, "status ok"));
    free (out);
    ck_assert_int_ne (cl_accord (&out, "system set-param view_timeout_ms 1500 --member %s", cl_member (1)), 0);
    ck_assert_msg (strstr (out, "duplicate") != NULL, "a second vote is refused: %s", out);
    free (out);
    ck_assert_int_ne (cl_accord (NULL, "system set-param no_such_param 1 --member %s", cl_member (1)), 0);
    ck_assert_int_eq (cl_accord (NULL, "system set-param view_timeout_ms 1500 --member %s", cl_member (2)), 0);
    ck_assert_int_eq (cl_accord (&out, "system params --member %s", cl_member (4)), 0);
    ck_assert_msg (strstr (out, "\"view_timeout_ms\":1000") || strstr (out, "\"view_timeout_ms\": 1000"),
                   "two votes of four change nothing: %s", out);
    free (out);
    ck_assert_int_eq (cl_accord (&out, "system set-param view_timeout_ms 1500 --member %s", cl_member (3)), 0);
    char *line = strstr (out, "height ");
    int64_t changed = line ? atoll (line + 7) : -1;
    free (out);
    ck_assert_int_eq (cl_accord (&out, "system params --member %s", cl_member (4)), 0);
    ck_assert_msg (strstr (out, "1500") != NULL, "the quorum changed it: %s", out);
    free (out);
    for (int k = 1; k <= CL_MEMBERS; k++) {
        ck_assert_int_ge (cl_wait_height (k, changed), changed);
        json_object *status = cl_status (k);
        json_object *params = status ? accord_json_get_object (status, "params") : NULL;
        int64_t timeout = 0;
        ck_assert_int_eq (accord_json_get_int64 (params, "view_timeout_ms", 1, 1000000, &timeout), 0);
        ck_assert_int_eq (timeout, 1500);
        json_object_put (status);
    }
}
END_TEST

//  A fifth organisation joins: `net add` makes its folder, it starts outside the set, three
//  validators vote it in, it catches up and takes part: with member1 down, the four others
//  (a quorum of five) still commit. A proof of a block after the change verifies from the
//  genesis set alone. Then it is voted out again.
START_TEST (a_validator_joins_and_leaves)
{
    char *out = NULL, card [PATH_MAX];
    ck_assert_int_eq (cl_accord (&out, "net add %s", cl_dir), 0);
    free (out);
    snprintf (card, sizeof card, "%s/member5/validator.json", cl_dir);
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member5", cl_dir), 0);
    ck_assert_int_eq (cl_status_int (5, "index"), -1);
    //  With a Redis of its own, as net init gives the others: on its peer port + 5, running
    accord_node_config_t config, other;
    cl_config (5, &config);
    cl_config (4, &other);
    char host [ACCORD_ENDPOINT_MAX + 1], want [64];
    int port;
    ck_assert_int_eq (accord_endpoint_split (config.peer_bind, host, &port), 0);
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port + 5);
    ck_assert_str_eq (config.redis_endpoint, want);
    ck_assert_str_ne (config.redis_endpoint, other.redis_endpoint);
    redisReply *pong = cl_redis_command (5, "PING");
    ck_assert_msg (pong && pong->type == REDIS_REPLY_STATUS, "member5's Redis does not answer");
    freeReplyObject (pong);
    ck_assert_int_eq (cl_accord (NULL, "system add-validator %s --member %s", card, cl_member (1)), 0);
    ck_assert_int_eq (cl_accord (NULL, "system add-validator %s --member %s", card, cl_member (2)), 0);
    ck_assert_int_eq (cl_accord (&out, "system add-validator %s --member %s", card, cl_member (3)), 0);
    char *line = strstr (out, "height ");
    int64_t changed = line ? atoll (line + 7) : -1;
    free (out);
    ck_assert_int_gt (changed, 0);
    ck_assert_int_eq (cl_accord (&out, "system validators --member %s", cl_member (4)), 0);
    ck_assert_msg (strstr (out, "member5") != NULL, "member5 is in the set: %s", out);
    free (out);
    //  The new validator syncs from the others and finds itself in the set.
    ck_assert_int_ge (cl_wait_height (5, changed), changed);
    int64_t deadline = tu_now_ms () + CL_WAIT_MS;
    while (cl_status_int (5, "index") != 4 && tu_now_ms () < deadline)
        usleep (50 * 1000);
    ck_assert_int_eq (cl_status_int (5, "index"), 4);

    ck_assert_int_eq (cl_accord (NULL, "net stop %s --member member1", cl_dir), 0);
    int64_t height = cl_anchor (5, "anchored through the new validator");
    ck_assert_int_gt (height, changed);
    uint8_t digest [32];
    char hex [65], tx [65] = "";
    const char *label = "four of five without member1";
    accord_sha256 (digest, label, strlen (label));
    accord_hex_encode (hex, sizeof hex, digest, 32);
    ck_assert_int_eq (cl_accord (&out, "evidence anchor %s --member %s", hex, cl_member (2)), 0);
    ck_assert_int_eq (sscanf (out, "tx %64s\nheight %lld", tx, (long long *) &height), 2);
    free (out);
    for (int k = 2; k <= 5; k++)
        ck_assert_int_ge (cl_wait_height (k, height), height);
    char *hash2 = cl_block_hash (2, height), *hash5 = cl_block_hash (5, height);
    ck_assert_ptr_nonnull (hash2);
    ck_assert_ptr_nonnull (hash5);
    ck_assert_str_eq (hash2, hash5);
    free (hash2);
    free (hash5);
    //  The proof of a transaction after the change verifies from the genesis set.
    ck_assert_int_eq (cl_accord (&out, "chain proof %s --member %s", tx, cl_member (4)), 0);
    ck_assert_msg (strstr (out, "verified") != NULL, "proof verified: %s", out);
    free (out);

    //  member1 comes back and catches up; then the five vote member5 out (quorum 4).
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member1", cl_dir), 0);
    ck_assert_int_ge (cl_wait_height (1, height), height);
    char key [67];
    json_object *entry = accord_json_load (card, NULL, 0);
    snprintf (key, sizeof key, "%s", accord_json_get_string (entry, "public_key"));
    json_object_put (entry);
    for (int k = 1; k <= 4; k++)
        ck_assert_int_eq (cl_accord (NULL, "system remove-validator %s --member %s", key, cl_member (k)), 0);
    deadline = tu_now_ms () + CL_WAIT_MS;
    while (cl_status_int (5, "index") != -1 && tu_now_ms () < deadline)
        usleep (50 * 1000);
    ck_assert_int_eq (cl_status_int (5, "index"), -1);
    ck_assert_int_eq (cl_accord (NULL, "net stop %s --member member5", cl_dir), 0);
    pong = cl_redis_command (5, "PING");
    ck_assert_msg (!pong, "member5's Redis still answers after net stop --member member5");
    height = cl_anchor (4, "back to four");
    for (int k = 1; k <= CL_MEMBERS; k++)
        ck_assert_int_ge (cl_wait_height (k, height), height);
    cl_assert_same_chain (height);
}
END_TEST

Suite *
test_cluster_chain_suite (void)
{
    Suite *suite = suite_create ("cluster_chain");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 180);
    tcase_add_unchecked_fixture (tc, cl_network_up, cl_network_down);
    tcase_add_test (tc, four_nodes_commit);
    tcase_add_test (tc, logs_reach_subscribers);
    tcase_add_test (tc, rejections_have_reasons);
    tcase_add_test (tc, proof_verifies_and_tampering_fails);
    tcase_add_test (tc, leader_killed_others_go_on);
    tcase_add_test (tc, stopped_node_catches_up);
    tcase_add_test (tc, restart_all_loses_nothing);
    tcase_add_test (tc, validators_vote_a_parameter);
    tcase_add_test (tc, a_validator_joins_and_leaves);
    suite_add_tcase (suite, tc);
    return suite;
}
