/*  accord-eventbus on a real four-member network (nodes, brokers and each member's own Redis
    started by `accord net start`, which registers each member's broker key). The test speaks
    ACC1 itself on a DEALER, as any client would: HELLO, AUTH signed with a DID's key (taken
    even when it comes seconds after the HELLO, past the broker's sweep of idle sessions), PUBLISH at
    member1; the event is answered with its id once committed and is in the topic's stream in
    member2's Redis as member2's broker indexed it. Refusals: bad auth, a publisher the topic
    does not allow, an unknown topic, a payload too large, bad frames. A broker killed with
    SIGKILL while publishing and started again loses nothing it acknowledged, and a client
    sending everything again gets each event once. Each member's Redis is its own: an event
    published at member3 is in member4's Redis and delivered by member4's broker, and member3's
    Redis flushed leaves member4's as it was. One member's Redis flushed: that member's broker
    rebuilds its index from the chain, the others are not touched. */
#include "clusterfx.h"
#include "server.h"
#include "streams.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include "accord/tx.h"
#include "accord/wire.h"
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_TIMEOUT_MS 20000
#define S_TOPIC      "plant/line-1/temp"

//  A PUBLISH of message id on topic with payload text.
static uint32_t
s_publish_send (cl_raw_t *self, const char *topic, const char *id, const char *payload)
{
    char body [512];
    snprintf (body, sizeof body, "{\"topic\":\"%s\",\"id\":\"%s\",\"tags\":[\"celsius\"],\"time\":1700000000000}", topic, id);
    return cl_raw_send (self, "PUBLISH", body, payload, strlen (payload));
}

//  The STATUS of member k's broker (caller puts).
static json_object *
s_broker_status (int k)
{
    cl_raw_t client;
    cl_raw_connect (&client, k);
    json_object *status = NULL;
    ck_assert_str_eq (cl_raw_call (&client, "STATUS", NULL, NULL, 0, &status, NULL, 0), "OK");
    cl_raw_close (&client);
    return status;
}

static int64_t
s_status_int (json_object *status, const char *key)
{
    return json_object_get_int64 (json_object_object_get (status, key));
}

//  Waits until member k's broker has indexed height. Its indexed height then.
static int64_t
s_wait_indexed (int k, int64_t height)
{
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS, indexed = -1;
    while (tu_now_ms () < deadline) {
        json_object *status = s_broker_status (k);
        indexed = s_status_int (status, "indexed_height");
        json_object_put (status);
        if (indexed >= height)
            break;
        usleep (50 * 1000);
    }
    return indexed;
}

static void
s_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  Message id -> the stream id of every entry of topic's stream in member k's Redis (caller
//  destroys); *repeats counts message ids found more than once.
static zhashx_t *
s_stream (int k, const char *topic, int *repeats)
{
    zhashx_t *entries = zhashx_new ();
    zhashx_set_destructor (entries, s_free);
    *repeats = 0;
    redisReply *reply = cl_redis_command (k, "XRANGE accord:accord-local:events:%s - +", topic);
    ck_assert_msg (reply && reply->type == REDIS_REPLY_ARRAY, "XRANGE failed");
    for (size_t i = 0; i < reply->elements; i++) {
        redisReply *entry = reply->element [i], *fields = entry->element [1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2)
            if (streq (fields->element [f]->str, "id")) {
                if (zhashx_lookup (entries, fields->element [f + 1]->str))
                    (*repeats)++;
                zhashx_update (entries, fields->element [f + 1]->str, strdup (entry->element [0]->str));
            }
    }
    freeReplyObject (reply);
    return entries;
}

//  The stream id of event id "H:T:I".
static void
s_stream_id (char out [EVENTBUS_STREAM_ID_MAX], const char *event_id)
{
    uint64_t height;
    uint32_t tx, index;
    ck_assert_int_eq (accord_event_id_parse (event_id, &height, &tx, &index), 0);
    eventbus_stream_id (out, height, tx, index);
}

//  alice (DID and key) owns S_TOPIC, published by her alone and read by anyone.
static char s_alice [ACCORD_DID_MAX], s_bob [ACCORD_DID_MAX];
static accord_key_t *s_alice_key, *s_bob_key;

static void
s_actors (void)
{
    char alice_path [PATH_MAX], bob_path [PATH_MAX], *out = NULL;
    char *alice = cl_did_create (2, "alice", alice_path), *bob = cl_did_create (2, "bob", bob_path);
    strcpy (s_alice, alice);
    strcpy (s_bob, bob);
    free (alice);
    free (bob);
    s_alice_key = accord_key_load (alice_path);
    s_bob_key = accord_key_load (bob_path);
    ck_assert_int_eq (cl_accord (&out, "topic create %s --key %s --publishers %s --subscribers '*' --member %s",
                                 S_TOPIC, alice_path, s_alice, cl_member (2)), 0);
    free (out);
}

//  Each test begins when member1's node has the topic. (Not in the fixture: ZeroMQ used in
//  the parent before Check forks the tests is left half-alive in each child.)
static void
s_ready (void)
{
    cl_wait_height (1, cl_height (2));
}

//  The network (each member with its own Redis) and the actors, once for the suite's tests.
static void
s_up (void)
{
    cl_network_up ();
    s_actors ();
}

static void
s_down (void)
{
    cl_network_down ();
    accord_key_destroy (&s_alice_key);
    accord_key_destroy (&s_bob_key);
}

START_TEST (publish_answers_once_committed_and_indexes)
{
    s_ready ();
    cl_raw_t client;
    cl_raw_connect (&client, 1);
    ck_assert_str_eq (cl_raw_auth (&client, 1, s_alice, s_alice_key, 0, NULL), "OK");
    json_object *reply = NULL;
    ck_assert_str_eq (cl_raw_call (&client, "PING", NULL, NULL, 0, NULL, NULL, 0), "OK");
    ck_assert_str_eq (cl_raw_call (&client, "TOPIC_INFO", "{\"name\":\"" S_TOPIC "\"}", NULL, 0, &reply, NULL, 0), "OK");
    ck_assert_str_eq (accord_json_get_string (reply, "owner"), s_alice);
    json_object_put (reply);

    //  One event: its id once committed, and the chain has it
    reply = NULL;
    s_publish_send (&client, S_TOPIC, "m-1", "21.5");
    cl_reply_t answer;
    ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
    ck_assert_msg (streq (answer.status, "OK"), "%s %s", answer.code, answer.message);
    char first [ACCORD_EVENT_ID_TEXT_MAX];
    snprintf (first, sizeof first, "%s", accord_json_get_string (answer.json, "event"));
    ck_assert_str_eq (accord_json_get_string (answer.json, "id"), "m-1");
    ck_assert_str_eq (accord_json_get_string (answer.json, "topic"), S_TOPIC);
    ck_assert (!json_object_object_get_ex (answer.json, "duplicate", NULL));
    json_object_put (answer.json);
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "event get %s --member %s", first, cl_member (3)), 0);
    ck_assert_msg (strstr (out, "message id m-1") && strstr (out, "21.5"), "%s", out);
    free (out);

    //  Twenty at once: each answered, with distinct ids
    zhashx_t *ids = zhashx_new ();
    for (int i = 0; i < 20; i++) {
        char id [16];
        snprintf (id, sizeof id, "b-%d", i);
        s_publish_send (&client, S_TOPIC, id, "22.0");
    }
    int64_t last_height = 0;
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
        ck_assert_msg (streq (answer.status, "OK"), "%s %s", answer.code, answer.message);
        const char *event = accord_json_get_string (answer.json, "event");
        ck_assert_ptr_null (zhashx_lookup (ids, event));
        zhashx_insert (ids, event, (void *) "x");
        uint64_t height;
        uint32_t tx, index;
        ck_assert_int_eq (accord_event_id_parse (event, &height, &tx, &index), 0);
        if ((int64_t) height > last_height)
            last_height = (int64_t) height;
        json_object_put (answer.json);
    }
    zhashx_destroy (&ids);

    //  The largest event, 1 MiB of binary payload: in a batch of its own
    size_t big = ACCORD_EVENT_PAYLOAD_MAX;
    uint8_t *payload = malloc (big);
    for (size_t i = 0; i < big; i++)
        payload [i] = (uint8_t) (i * 7);
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"" S_TOPIC "\",\"id\":\"big-1\"}", payload, big, &reply, NULL, 0), "OK");
    char big_event [ACCORD_EVENT_ID_TEXT_MAX];
    snprintf (big_event, sizeof big_event, "%s", accord_json_get_string (reply, "event"));
    json_object_put (reply);

    //  A repeat of a committed message id: the first's event id, marked duplicate
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"" S_TOPIC "\",\"id\":\"m-1\"}", "other", 5, &reply, NULL, 0), "OK");
    ck_assert_str_eq (accord_json_get_string (reply, "event"), first);
    ck_assert (json_object_get_boolean (json_object_object_get (reply, "duplicate")));
    json_object_put (reply);

    //  member2's broker indexed it all: its STATUS, and the stream in member2's Redis
    ck_assert_int_ge (s_wait_indexed (2, last_height), last_height);
    json_object *status = s_broker_status (2);
    ck_assert_str_eq (accord_json_get_string (status, "service"), "accord-eventbus");
    ck_assert_str_eq (accord_json_get_string (status, "name"), "member2");
    ck_assert (json_object_get_boolean (json_object_object_get (status, "redis")));
    ck_assert (json_object_get_boolean (json_object_object_get (status, "node")));
    json_object_put (status);
    char stream_id [EVENTBUS_STREAM_ID_MAX];
    s_stream_id (stream_id, first);
    redisReply *entry = cl_redis_command (2, "XRANGE accord:accord-local:events:%s %s %s", S_TOPIC, stream_id, stream_id);
    ck_assert_msg (entry && entry->type == REDIS_REPLY_ARRAY && entry->elements == 1, "event %s is not in the stream", first);
    redisReply *fields = entry->element [0]->element [1];
    int seen = 0;
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        const char *name = fields->element [f]->str, *value = fields->element [f + 1]->str;
        if (streq (name, "id"))
            seen += streq (value, "m-1");
        else if (streq (name, "publisher"))
            seen += streq (value, s_alice);
        else if (streq (name, "payload"))
            seen += streq (value, "21.5");
        else if (streq (name, "tags"))
            seen += streq (value, "[\"celsius\"]");
    }
    ck_assert_int_eq (seen, 4);
    freeReplyObject (entry);
    s_stream_id (stream_id, big_event);
    ck_assert_int_ge (s_wait_indexed (2, atoll (stream_id)), atoll (stream_id));
    entry = cl_redis_command (2, "XRANGE accord:accord-local:events:%s %s %s", S_TOPIC, stream_id, stream_id);
    ck_assert_msg (entry && entry->type == REDIS_REPLY_ARRAY && entry->elements == 1, "event %s is not in the stream", big_event);
    fields = entry->element [0]->element [1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2)
        if (streq (fields->element [f]->str, "payload")) {
            ck_assert_uint_eq (fields->element [f + 1]->len, big);
            ck_assert_mem_eq (fields->element [f + 1]->str, payload, big);
        }
    freeReplyObject (entry);
    free (payload);
    int repeats = 0;
    zhashx_t *stream = s_stream (2, S_TOPIC, &repeats);
    ck_assert_int_eq (repeats, 0);
    ck_assert_uint_ge (zhashx_size (stream), 21);
    zhashx_destroy (&stream);
    cl_raw_close (&client);
}
END_TEST

START_TEST (refusals)
{
    s_ready ();
    cl_raw_t client;
    cl_raw_connect (&client, 1);
    //  Nothing before authentication; AUTH needs a challenge, and a signature by the DID
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"" S_TOPIC "\",\"id\":\"x\"}", "p", 1, NULL, NULL, 0), "unauthorized");
    ck_assert_str_eq (cl_raw_call (&client, "TOPIC_INFO", "{\"name\":\"" S_TOPIC "\"}", NULL, 0, NULL, NULL, 0), "unauthorized");
    ck_assert_str_eq (cl_raw_call (&client, "AUTH", "{\"did\":\"did:accord:accord-local:00\",\"sig\":\"AA\"}", NULL, 0, NULL, NULL, 0),
                      "invalid_argument");
    uint8_t sig [ACCORD_SIG_SIZE] = { 0 };
    char *zero = accord_base64url_encode (sig, sizeof sig), body [1024];
    snprintf (body, sizeof body, "{\"did\":\"%s\",\"sig\":\"%s\"}", s_alice, zero);
    ck_assert_str_eq (cl_raw_call (&client, "AUTH", body, NULL, 0, NULL, NULL, 0), "unauthorized");
    //  bob's key for alice's DID, an unknown DID, another chain's DID
    ck_assert_str_eq (cl_raw_auth (&client, 1, s_alice, s_bob_key, 0, NULL), "unauthorized");
    accord_key_t *stranger = accord_key_new ();
    char unknown [ACCORD_DID_MAX];
    accord_did_for_key (unknown, "accord-local", accord_key_public (stranger));
    ck_assert_str_eq (cl_raw_auth (&client, 1, unknown, stranger, 0, NULL), "unauthorized");
    accord_did_for_key (unknown, "other-chain", accord_key_public (stranger));
    ck_assert_str_eq (cl_raw_auth (&client, 1, unknown, stranger, 0, NULL), "unauthorized");
    //  A challenge is good for one AUTH: the same signature again is refused
    ck_assert_str_eq (cl_raw_auth (&client, 1, s_bob, s_bob_key, 0, NULL), "OK");
    ck_assert_str_eq (cl_raw_call (&client, "AUTH", body, NULL, 0, NULL, NULL, 0), "unauthorized");
    //  Still bob: he may not publish on alice's topic; no topic; too large; bad frames
    cl_reply_t answer;
    s_publish_send (&client, S_TOPIC, "bob-1", "x");
    ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
    ck_assert_str_eq (answer.code, "unauthorized");
    ck_assert_msg (strstr (answer.message, s_bob), "%s", answer.message);
    s_publish_send (&client, "plant/no-such-topic", "bob-2", "x");
    ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
    ck_assert_str_eq (answer.code, "not_found");
    size_t big = ACCORD_EVENT_PAYLOAD_MAX + 1;
    char *payload = calloc (1, big);
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"" S_TOPIC "\",\"id\":\"big\"}", payload, big, NULL, NULL, 0), "too_large");
    free (payload);
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"" S_TOPIC "\",\"id\":", "x", 1, NULL, NULL, 0), "malformed");
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"" S_TOPIC "\",\"id\":\"x\"}", NULL, 0, NULL, NULL, 0), "malformed");
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", "{\"topic\":\"a/+\",\"id\":\"x\"}", "p", 1, NULL, NULL, 0), "invalid_argument");
    ck_assert_str_eq (cl_raw_call (&client, "FORGE", "{}", NULL, 0, NULL, NULL, 0), "unknown_command");
    ck_assert_str_eq (cl_raw_call (&client, "TOPIC_INFO", "{\"name\":\"plant/no-such-topic\"}", NULL, 0, NULL, NULL, 0), "not_found");
    //  Bad framing: a reply where there is an id to answer to, and the broker goes on
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "ACC9");
    zmsg_addstr (msg, "PING");
    uint32_t id = 77;
    zmsg_addmem (msg, &id, sizeof id);
    zmsg_send (&msg, client.dealer);
    ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
    ck_assert_str_eq (answer.code, "bad_version");
    ck_assert_str_eq (cl_raw_call (&client, "PING", NULL, NULL, 0, NULL, NULL, 0), "OK");
    accord_key_destroy (&stranger);
    free (zero);
    cl_raw_close (&client);
}
END_TEST

//  A signed transaction calling topic.method with args, by key at member k's chain: its
//  encoding (caller destroys).
static zframe_t *
s_topic_tx (accord_key_t *key, const char *chain_id, const char *method, const char *args)
{
    char sender [2 * ACCORD_PUBKEY_SIZE + 1], query [256];
    accord_hex_encode (sender, sizeof sender, accord_key_public (key), ACCORD_PUBKEY_SIZE);
    snprintf (query, sizeof query, "{\"module\":\"system\",\"method\":\"nonce\",\"args\":{\"sender\":\"%s\"}}", sender);
    json_object *request = accord_json_parse (query, strlen (query), NULL, 0), *nonce = NULL;
    accord_node_config_t config;
    cl_config (1, &config);
    accord_client_t *node = accord_client_new (config.rpc_endpoint, S_TIMEOUT_MS);
    ck_assert_int_eq (accord_client_call_json (node, "QUERY", request, &nonce), ACCORD_OK);
    accord_client_destroy (&node);
    json_object_put (request);
    accord_tx_t *tx = accord_tx_new (chain_id, "topic", method, args,
                                     (uint64_t) json_object_get_int64 (json_object_object_get (nonce, "nonce")) + 1,
                                     (uint64_t) cl_height (1) + 1000);
    json_object_put (nonce);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    zframe_t *frame = zframe_new (tx->raw, tx->raw_len);
    accord_tx_destroy (&tx);
    return frame;
}

//  A TOPIC_CREATE / TOPIC_UPDATE; "OK" or the code (static), the receipt in *receipt.
static const char *
s_topic_call (cl_raw_t *client, const char *command, zframe_t **tx_p, json_object **receipt)
{
    zframe_t *tx = *tx_p;
    const char *code = cl_raw_call (client, command, NULL, zframe_data (tx), zframe_size (tx), receipt, NULL, 0);
    zframe_destroy (tx_p);
    return code;
}

//  A client slow to answer its challenge keeps it. The broker ends idle sessions in a sweep
//  once a second; a session made by HELLO used to count as idle since forever until its first
//  message after HELLO, so an AUTH that came after a sweep found no challenge ("no challenge:
//  send HELLO first"), which a loaded machine hit now and then. The pause, longer than two
//  sweeps, is what is tested, not a wait for something.
START_TEST (a_slow_answer_to_the_challenge_is_taken)
{
    s_ready ();
    cl_raw_t client;
    cl_raw_connect (&client, 1);
    ck_assert_str_eq (cl_raw_auth (&client, 1, s_alice, s_alice_key, 2500, NULL), "OK");
    json_object *status = NULL;
    ck_assert_str_eq (cl_raw_call (&client, "STATUS", NULL, NULL, 0, &status, NULL, 0), "OK");
    ck_assert_str_eq (accord_json_get_string (status, "did"), s_alice);
    json_object_put (status);
    cl_raw_close (&client);
}
END_TEST

START_TEST (topics_through_the_broker)
{
    s_ready ();
    cl_raw_t client;
    cl_raw_connect (&client, 3);
    ck_assert_str_eq (cl_raw_auth (&client, 3, s_alice, s_alice_key, 0, NULL), "OK");
    json_object *reply = NULL;
    ck_assert_str_eq (cl_raw_call (&client, "TOPIC_LIST", "{\"prefix\":\"plant/\"}", NULL, 0, &reply, NULL, 0), "OK");
    json_object *topics = accord_json_get_array (reply, "topics");
    ck_assert_uint_ge (json_object_array_length (topics), 1);
    ck_assert_str_eq (accord_json_get_string (json_object_array_get_idx (topics, 0), "name"), S_TOPIC);
    json_object_put (reply);

    //  alice creates a topic through the broker: the receipt once committed
    char args [512];
    snprintf (args, sizeof args, "{\"name\":\"plant/line-2/rpm\",\"publishers\":[\"%s\"]}", s_alice);
    zframe_t *tx = s_topic_tx (s_alice_key, "accord-local", "create", args);
    ck_assert_str_eq (s_topic_call (&client, "TOPIC_CREATE", &tx, &reply), "OK");
    ck_assert_str_eq (accord_json_get_string (reply, "status"), "ok");
    ck_assert_int_ge (json_object_get_int64 (json_object_object_get (reply, "height")), 1);
    json_object_put (reply);
    ck_assert_str_eq (cl_raw_call (&client, "TOPIC_INFO", "{\"name\":\"plant/line-2/rpm\"}", NULL, 0, &reply, NULL, 0), "OK");
    ck_assert_str_eq (accord_json_get_string (reply, "owner"), s_alice);
    json_object_put (reply);
    //  bob may not update it: the receipt's code; the wrong call, the wrong chain
    tx = s_topic_tx (s_bob_key, "accord-local", "update", "{\"name\":\"plant/line-2/rpm\",\"description\":\"x\"}");
    ck_assert_str_eq (s_topic_call (&client, "TOPIC_UPDATE", &tx, NULL), "unauthorized");
    tx = s_topic_tx (s_alice_key, "accord-local", "update", "{\"name\":\"plant/line-2/rpm\",\"description\":\"x\"}");
    ck_assert_str_eq (s_topic_call (&client, "TOPIC_CREATE", &tx, NULL), "invalid_argument");
    tx = s_topic_tx (s_alice_key, "other-chain", "update", "{\"name\":\"plant/line-2/rpm\",\"description\":\"x\"}");
    ck_assert_str_eq (s_topic_call (&client, "TOPIC_UPDATE", &tx, NULL), "wrong_chain");
    //  A topic that exists already: the chain's conflict
    tx = s_topic_tx (s_alice_key, "accord-local", "create", args);
    ck_assert_str_eq (s_topic_call (&client, "TOPIC_CREATE", &tx, NULL), "conflict");
    cl_raw_close (&client);
}
END_TEST

START_TEST (subscribers_get_the_events)
{
    s_ready ();
    //  Published at member1 (the earlier tests), read at member2 by bob, who may read
    cl_raw_t client;
    cl_raw_connect (&client, 2);
    ck_assert_str_eq (cl_raw_auth (&client, 2, s_bob, s_bob_key, 0, NULL), "OK");
    json_object *reply = NULL;
    ck_assert_str_eq (cl_raw_call (&client, "SUBSCRIBE", "{\"filter\":\"plant/+/temp\",\"from\":\"first\",\"credit\":3}",
                              NULL, 0, &reply, NULL, 0), "OK");
    char sub [64];
    snprintf (sub, sizeof sub, "%s", accord_json_get_string (reply, "sub"));
    json_object *topics = accord_json_get_array (reply, "topics");
    ck_assert_uint_eq (json_object_array_length (topics), 1);
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (topics, 0)), S_TOPIC);
    json_object_put (reply);
    //  Three deliveries (its credit), in chain order, then two more once granted
    cl_reply_t answer;
    char previous [ACCORD_EVENT_ID_TEXT_MAX] = "";
    int events = 0, credit_answered = 0;
    uint32_t credit_id = 0;
    while (events < 5 || !credit_answered) {
        ck_assert_msg (cl_raw_receive (&client, &answer, S_TIMEOUT_MS) == 0, "%d deliveries of 5", events);
        if (streq (answer.status, "EVENT")) {
            ck_assert_str_eq (answer.sub, sub);
            ck_assert_str_eq (accord_json_get_string (answer.json, "topic"), S_TOPIC);
            ck_assert_str_eq (accord_json_get_string (answer.json, "publisher"), s_alice);
            const char *event = accord_json_get_string (answer.json, "event");
            uint64_t h1, h2 = 0;
            uint32_t t1, t2 = 0, i1, i2 = 0;
            ck_assert_int_eq (accord_event_id_parse (event, &h1, &t1, &i1), 0);
            if (*previous)
                accord_event_id_parse (previous, &h2, &t2, &i2);
            ck_assert_msg (!*previous || h1 > h2 || (h1 == h2 && (t1 > t2 || (t1 == t2 && i1 > i2))),
                           "%s after %s", event, previous);
            snprintf (previous, sizeof previous, "%s", event);
            if (events == 0) {      //  from "first": the first event published on the topic
                ck_assert_str_eq (accord_json_get_string (answer.json, "id"), "m-1");
                ck_assert_str_eq (answer.payload, "21.5");
            }
            if (++events == 3) {
                char body [128];
                snprintf (body, sizeof body, "{\"sub\":\"%s\",\"credit\":2}", sub);
                credit_id = cl_raw_send (&client, "CREDIT", body, NULL, 0);
            }
        }
        else {
            ck_assert_uint_eq (answer.id, credit_id);
            ck_assert_str_eq (answer.status, "OK");
            credit_answered = 1;
        }
        json_object_put (answer.json);
    }
    char body [128];
    snprintf (body, sizeof body, "{\"sub\":\"%s\",\"events\":[\"%s\"]}", sub, previous);
    uint32_t id = cl_raw_send (&client, "ACK", body, NULL, 0);
    for (;;) {
        ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
        json_object_put (answer.json);
        if (!streq (answer.status, "EVENT"))
            break;
    }
    ck_assert_uint_eq (answer.id, id);
    ck_assert_str_eq (answer.code, "invalid_argument");     //  not a group subscription
    snprintf (body, sizeof body, "{\"sub\":\"%s\"}", sub);
    id = cl_raw_send (&client, "UNSUBSCRIBE", body, NULL, 0);
    for (;;) {
        ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
        json_object_put (answer.json);
        if (!streq (answer.status, "EVENT"))
            break;
    }
    ck_assert_uint_eq (answer.id, id);
    ck_assert_str_eq (answer.status, "OK");
    ck_assert_str_eq (cl_raw_call (&client, "UNSUBSCRIBE", body, NULL, 0, NULL, NULL, 0), "not_found");
    //  A topic alice's readers list leaves bob out of: none here ('*'); a name that does not exist
    ck_assert_str_eq (cl_raw_call (&client, "SUBSCRIBE", "{\"filter\":\"plant/none\"}", NULL, 0, NULL, NULL, 0), "not_found");
    cl_raw_close (&client);
}
END_TEST

START_TEST (a_flood_is_told_overloaded)
{
    s_ready ();
    //  More publishes than a session may have waiting, sent at once: the first are taken,
    //  the rest refused at once; each answered
    enum { SENT = EVENTBUS_SESSION_PUBLISH_MAX + 200 };
    cl_raw_t client;
    cl_raw_connect (&client, 4);
    ck_assert_str_eq (cl_raw_auth (&client, 4, s_alice, s_alice_key, 0, NULL), "OK");
    for (int i = 0; i < SENT; i++) {
        char id [16];
        snprintf (id, sizeof id, "o-%d", i);
        s_publish_send (&client, S_TOPIC, id, "1");
    }
    int ok = 0, overloaded = 0, other = 0;
    cl_reply_t answer;
    for (int i = 0; i < SENT; i++) {
        ck_assert_msg (cl_raw_receive (&client, &answer, S_TIMEOUT_MS) == 0, "answer %d of %d missing", i, SENT);
        if (streq (answer.status, "OK"))
            ok++;
        else if (streq (answer.code, "overloaded"))
            overloaded++;
        else
            other++;
        json_object_put (answer.json);
    }
    ck_assert_msg (other == 0 && overloaded > 0 && ok >= EVENTBUS_SESSION_PUBLISH_MAX,
                   "%d ok, %d overloaded, %d other", ok, overloaded, other);
    cl_raw_close (&client);
}
END_TEST

START_TEST (a_killed_broker_loses_nothing_it_acknowledged)
{
    s_ready ();
    enum { FIRST = 100, COUNT = 300 };
    cl_raw_t client;
    cl_raw_connect (&client, 1);
    ck_assert_str_eq (cl_raw_auth (&client, 1, s_alice, s_alice_key, 0, NULL), "OK");
    zhashx_t *acknowledged = zhashx_new ();
    zhashx_set_destructor (acknowledged, s_free);
    cl_reply_t answer;
    //  The first events answered; then the others sent, and SIGKILL once a batch of them is
    //  on its way to the chain
    for (int i = 0; i < COUNT; i++) {
        char id [16];
        snprintf (id, sizeof id, "k-%d", i);
        s_publish_send (&client, S_TOPIC, id, "23.1");
        for (int k = 0; i + 1 == FIRST && k < FIRST; k++) {
            ck_assert_int_eq (cl_raw_receive (&client, &answer, S_TIMEOUT_MS), 0);
            ck_assert_msg (streq (answer.status, "OK"), "%s %s", answer.code, answer.message);
            zhashx_insert (acknowledged, accord_json_get_string (answer.json, "id"),
                           strdup (accord_json_get_string (answer.json, "event")));
            json_object_put (answer.json);
        }
    }
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS, in_flight = 0;
    while (!in_flight && tu_now_ms () < deadline) {
        json_object *status = s_broker_status (1);
        in_flight = s_status_int (accord_json_get_object (status, "publish"), "in_flight_batches");
        json_object_put (status);
    }
    ck_assert_int_gt (in_flight, 0);
    pid_t pid = cl_service_pid (1, "eventbus");
    ck_assert_int_gt (pid, 0);
    ck_assert_int_eq (kill (pid, SIGKILL), 0);
    //  What was answered before the kill took effect
    while (cl_raw_receive (&client, &answer, 200) == 0) {
        if (streq (answer.status, "OK"))
            zhashx_insert (acknowledged, accord_json_get_string (answer.json, "id"),
                           strdup (accord_json_get_string (answer.json, "event")));
        json_object_put (answer.json);
    }
    cl_raw_close (&client);
    ck_assert_uint_lt (zhashx_size (acknowledged), COUNT);
    ck_assert_uint_ge (zhashx_size (acknowledged), FIRST);

    //  Started again; the client sends everything again
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member1", cl_dir), 0);
    cl_raw_connect (&client, 1);
    ck_assert_str_eq (cl_raw_auth (&client, 1, s_alice, s_alice_key, 0, NULL), "OK");
    for (int i = 0; i < COUNT; i++) {
        char id [16];
        snprintf (id, sizeof id, "k-%d", i);
        s_publish_send (&client, S_TOPIC, id, "23.1");
    }
    zhashx_t *events = zhashx_new ();
    zhashx_set_destructor (events, s_free);
    int64_t last_height = 0;
    for (int i = 0; i < COUNT; i++) {
        ck_assert_msg (cl_raw_receive (&client, &answer, S_TIMEOUT_MS) == 0, "answer %d of %d missing", i, COUNT);
        ck_assert_msg (streq (answer.status, "OK"), "%s %s", answer.code, answer.message);
        const char *id = accord_json_get_string (answer.json, "id"), *event = accord_json_get_string (answer.json, "event");
        const char *before = zhashx_lookup (acknowledged, id);
        ck_assert_msg (!before || streq (before, event), "%s was acknowledged as %s, now %s", id, before, event);
        zhashx_insert (events, id, strdup (event));
        uint64_t height;
        uint32_t tx, index;
        ck_assert_int_eq (accord_event_id_parse (event, &height, &tx, &index), 0);
        if ((int64_t) height > last_height)
            last_height = (int64_t) height;
        json_object_put (answer.json);
    }
    ck_assert_uint_eq (zhashx_size (events), COUNT);
    cl_raw_close (&client);

    //  On chain once each, where the answers say: the index of another member, in its Redis
    ck_assert_int_ge (s_wait_indexed (2, last_height), last_height);
    int repeats = 0;
    zhashx_t *stream = s_stream (2, S_TOPIC, &repeats);
    ck_assert_int_eq (repeats, 0);
    for (const char *event = zhashx_first (events); event; event = zhashx_next (events)) {
        const char *id = zhashx_cursor (events);
        char stream_id [EVENTBUS_STREAM_ID_MAX];
        s_stream_id (stream_id, event);
        const char *found = zhashx_lookup (stream, id);
        ck_assert_msg (found && streq (found, stream_id), "%s (%s) is not in the stream", id, event);
    }
    zhashx_destroy (&stream);
    zhashx_destroy (&events);
    zhashx_destroy (&acknowledged);
}
END_TEST

//  How many times member k's broker rebuilt its index.
static int64_t
s_rebuilds (int k)
{
    json_object *status = s_broker_status (k);
    int64_t rebuilds = s_status_int (status, "rebuilds");
    json_object_put (status);
    return rebuilds;
}

//  A Redis reply (taken over and freed) as an integer (a number in a string too, as GET
//  gives), or -1 when it is neither.
static long long
s_reply_int (redisReply *reply)
{
    long long value = !reply ? -1 : reply->type == REDIS_REPLY_INTEGER ? reply->integer
                    : reply->type == REDIS_REPLY_STRING ? atoll (reply->str) : -1;
    if (reply)
        freeReplyObject (reply);
    return value;
}

//  1 when two streams (s_stream) hold the same message ids at the same stream ids.
static int
s_same_stream (zhashx_t *one, zhashx_t *other)
{
    if (zhashx_size (one) != zhashx_size (other))
        return 0;
    for (const char *stream_id = zhashx_first (one); stream_id; stream_id = zhashx_next (one)) {
        const char *found = zhashx_lookup (other, zhashx_cursor (one));
        if (!found || !streq (found, stream_id))
            return 0;
    }
    return 1;
}

//  Publishes one event as alice at member k and waits for its id, then until every member's
//  broker has indexed its block. Its event id in event, its height.
static int64_t
s_publish_indexed (int k, const char *message_id, char event [ACCORD_EVENT_ID_TEXT_MAX])
{
    cl_raw_t client;
    cl_raw_connect (&client, k);
    char broker [16], body [256];
    snprintf (broker, sizeof broker, "member%d", k);
    ck_assert_str_eq (cl_raw_auth (&client, k, s_alice, s_alice_key, 0, NULL), "OK");
    snprintf (body, sizeof body, "{\"topic\":\"" S_TOPIC "\",\"id\":\"%s\"}", message_id);
    json_object *reply = NULL;
    ck_assert_str_eq (cl_raw_call (&client, "PUBLISH", body, "1", 1, &reply, NULL, 0), "OK");
    snprintf (event, ACCORD_EVENT_ID_TEXT_MAX, "%s", accord_json_get_string (reply, "event"));
    json_object_put (reply);
    cl_raw_close (&client);
    uint64_t height;
    uint32_t tx, index;
    ck_assert_int_eq (accord_event_id_parse (event, &height, &tx, &index), 0);
    for (int m = 1; m <= CL_MEMBERS; m++)
        ck_assert_int_ge (s_wait_indexed (m, (int64_t) height), (int64_t) height);
    return (int64_t) height;
}

//  Flushes member k's Redis and waits until its broker has rebuilt its index to the size of
//  before (the stream of S_TOPIC before the flush); rebuilds was its count before.
static void
s_flush_and_wait_rebuilt (int k, zhashx_t *before, int64_t rebuilds)
{
    redisReply *flushed = cl_redis_command (k, "FLUSHALL");
    ck_assert_ptr_nonnull (flushed);
    freeReplyObject (flushed);
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS;
    int repeats = 0, rebuilt = 0;
    while (!rebuilt && tu_now_ms () < deadline) {
        zhashx_t *after = s_stream (k, S_TOPIC, &repeats);
        rebuilt = s_rebuilds (k) > rebuilds && s_same_stream (before, after);
        zhashx_destroy (&after);
        if (!rebuilt)
            usleep (50 * 1000);
    }
    ck_assert_int_gt (s_rebuilds (k), rebuilds);
    zhashx_t *after = s_stream (k, S_TOPIC, &repeats);
    ck_assert_int_eq (repeats, 0);
    ck_assert_msg (s_same_stream (before, after), "member%d's stream after its rebuild: %zu entries, %zu before", k,
                   zhashx_size (after), zhashx_size (before));
    zhashx_destroy (&after);
}

//  Each member's Redis is its own (net init: DIR/NAME/redis/, on the member's peer port + 5).
START_TEST (each_member_indexes_into_its_own_redis)
{
    s_ready ();
    //  Four Redis servers: each member's endpoint on its peer port + 5, a process of its own
    //  (its pid in the member's redis folder, its own run_id)
    char run_ids [CL_MEMBERS + 1][64];
    for (int k = 1; k <= CL_MEMBERS; k++) {
        accord_node_config_t config;
        cl_config (k, &config);
        char host [ACCORD_ENDPOINT_MAX + 1], want [64], path [PATH_MAX + 32];
        int port;
        ck_assert_int_eq (accord_endpoint_split (config.peer_bind, host, &port), 0);
        snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port + 5);
        ck_assert_str_eq (config.redis_endpoint, want);
        snprintf (path, sizeof path, "%s/redis/redis.pid", cl_member (k));
        char *pid = accord_file_read (path, 32, NULL);
        ck_assert_msg (pid && kill (atoi (pid), 0) == 0, "member%d's Redis: no process in %s", k, path);
        free (pid);
        redisReply *info = cl_redis_command (k, "INFO server");
        ck_assert_msg (info && info->type == REDIS_REPLY_STRING, "member%d's Redis does not answer", k);
        const char *run_id = strstr (info->str, "run_id:");
        ck_assert_ptr_nonnull (run_id);
        snprintf (run_ids [k], sizeof run_ids [k], "%.*s", (int) strcspn (run_id + 7, "\r\n"), run_id + 7);
        freeReplyObject (info);
        for (int j = 1; j < k; j++)
            ck_assert_str_ne (run_ids [j], run_ids [k]);
    }
    //  Published at member3: in member4's own Redis, as member4's broker indexed it
    char event [ACCORD_EVENT_ID_TEXT_MAX], stream_id [EVENTBUS_STREAM_ID_MAX];
    s_publish_indexed (3, "own-1", event);
    s_stream_id (stream_id, event);
    int repeats = 0;
    zhashx_t *at_3 = s_stream (3, S_TOPIC, &repeats), *at_4 = s_stream (4, S_TOPIC, &repeats);
    ck_assert_int_eq (repeats, 0);
    ck_assert_str_eq (zhashx_lookup (at_4, "own-1"), stream_id);
    ck_assert_msg (s_same_stream (at_3, at_4), "members 3 and 4 index the same chain differently");
    long long indexed_4 = s_reply_int (cl_redis_command (4, "GET accord:accord-local:events:@indexed"));
    ck_assert_int_ge (indexed_4, atoll (stream_id));
    int64_t rebuilds_3 = s_rebuilds (3), rebuilds_4 = s_rebuilds (4);

    //  member3's Redis flushed: its broker rebuilds its index; member4's Redis keeps its stream
    //  and its index, and member4's broker rebuilds nothing
    s_flush_and_wait_rebuilt (3, at_3, rebuilds_3);
    zhashx_t *still_4 = s_stream (4, S_TOPIC, &repeats);
    ck_assert (s_same_stream (at_4, still_4));
    ck_assert_int_ge (s_reply_int (cl_redis_command (4, "GET accord:accord-local:events:@indexed")), indexed_4);
    ck_assert_int_eq (s_rebuilds (4), rebuilds_4);
    ck_assert_int_eq (s_reply_int (cl_redis_command (4, "XLEN accord:accord-local:events:%s", S_TOPIC)),
                      (long long) zhashx_size (at_4));

    //  member4's broker delivers it, from its own index
    cl_raw_t client;
    cl_raw_connect (&client, 4);
    ck_assert_str_eq (cl_raw_auth (&client, 4, s_bob, s_bob_key, 0, NULL), "OK");
    char body [256];
    snprintf (body, sizeof body, "{\"filter\":\"" S_TOPIC "\",\"from\":\"%s\",\"credit\":1}", event);
    ck_assert_str_eq (cl_raw_call (&client, "SUBSCRIBE", body, NULL, 0, NULL, NULL, 0), "OK");
    cl_reply_t delivery;
    ck_assert_int_eq (cl_raw_receive (&client, &delivery, S_TIMEOUT_MS), 0);
    ck_assert_str_eq (delivery.status, "EVENT");
    ck_assert_str_eq (accord_json_get_string (delivery.json, "event"), event);
    ck_assert_str_eq (accord_json_get_string (delivery.json, "id"), "own-1");
    ck_assert_str_eq (accord_json_get_string (delivery.json, "publisher"), s_alice);
    ck_assert_str_eq (delivery.payload, "1");
    json_object_put (delivery.json);
    cl_raw_close (&client);
    zhashx_destroy (&at_3);
    zhashx_destroy (&at_4);
    zhashx_destroy (&still_4);
}
END_TEST

START_TEST (redis_flushed_the_index_is_rebuilt)
{
    s_ready ();
    char event [ACCORD_EVENT_ID_TEXT_MAX], stream_id [EVENTBUS_STREAM_ID_MAX];
    int64_t height = s_publish_indexed (1, "f-1", event);
    int64_t rebuilds [CL_MEMBERS + 1];
    zhashx_t *before [CL_MEMBERS + 1];
    for (int k = 1; k <= CL_MEMBERS; k++) {
        int repeats = 0;
        rebuilds [k] = s_rebuilds (k);
        before [k] = s_stream (k, S_TOPIC, &repeats);
        ck_assert_int_eq (repeats, 0);
    }

    //  member1's Redis flushed: member1's broker finds its @indexed gone and rebuilds the index
    //  from the chain, every event at its stream id again
    s_flush_and_wait_rebuilt (1, before [1], rebuilds [1]);
    int repeats = 0;
    zhashx_t *after = s_stream (1, S_TOPIC, &repeats);
    s_stream_id (stream_id, event);
    ck_assert_str_eq (zhashx_lookup (after, "f-1"), stream_id);
    ck_assert_int_ge (s_wait_indexed (1, height), height);
    ck_assert_int_ge (s_reply_int (cl_redis_command (1, "GET accord:accord-local:events:@indexed")), height);
    zhashx_destroy (&after);
    //  The other members' Redis servers and brokers were not touched
    for (int k = 2; k <= CL_MEMBERS; k++) {
        after = s_stream (k, S_TOPIC, &repeats);
        ck_assert_msg (s_same_stream (before [k], after), "member%d's stream changed", k);
        ck_assert_int_eq (s_rebuilds (k), rebuilds [k]);
        ck_assert_int_ge (s_reply_int (cl_redis_command (k, "GET accord:accord-local:events:@indexed")), height);
        zhashx_destroy (&after);
    }
    for (int k = 1; k <= CL_MEMBERS; k++)
        zhashx_destroy (&before [k]);
}
END_TEST

Suite *
test_cluster_eventbus_suite (void)
{
    Suite *suite = suite_create ("cluster_eventbus");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 240);
    tcase_add_unchecked_fixture (tc, s_up, s_down);
    tcase_add_test (tc, publish_answers_once_committed_and_indexes);
    tcase_add_test (tc, refusals);
    tcase_add_test (tc, a_slow_answer_to_the_challenge_is_taken);
    tcase_add_test (tc, topics_through_the_broker);
    tcase_add_test (tc, subscribers_get_the_events);
    tcase_add_test (tc, a_flood_is_told_overloaded);
    tcase_add_test (tc, a_killed_broker_loses_nothing_it_acknowledged);
    tcase_add_test (tc, each_member_indexes_into_its_own_redis);
    tcase_add_test (tc, redis_flushed_the_index_is_rebuilt);
    suite_add_tcase (suite, tc);
    return suite;
}
