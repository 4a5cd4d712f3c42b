/*  The event bus on chain: accord/event.h (events, digest, ids), brokers registered by their
    member (system.set_broker / remove_broker / brokers), and the event module (chain/mod_event.c)
    on a real store: batches, every refusal with the failing event's index, duplicates,
    sizes, publisher signatures, and event.get. */
#include "chainfx.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [6];       //  validators v0 and v1, alice, bob, broker of v0, broker of v1
static char s_alice [ACCORD_DID_MAX], s_bob [ACCORD_DID_MAX];
static uint64_t s_nonce [6];
enum { V0, V1, ALICE, BOB, BROKER, BROKER1 };

static json_object *
s_call (int k, const char *module, const char *method, const char *args, const char *status)
{
    return cf_run_one (&s_genesis, cf_tx (s_keys [k], module, method, args, ++s_nonce [k], 1000), status);
}

static void
s_run (int k, const char *module, const char *method, const char *args, const char *status)
{
    json_object_put (s_call (k, module, method, args, status));
}

static void
s_key_hex (char out [2 * ACCORD_PUBKEY_SIZE + 1], int k)
{
    accord_key_hex (out, accord_key_public (s_keys [k]));
}

//  Member k registers (or removes) broker b.
static void
s_broker (int k, const char *method, int b, const char *status)
{
    char args [256], hex [2 * ACCORD_PUBKEY_SIZE + 1];
    s_key_hex (hex, b);
    snprintf (args, sizeof args, "{\"public_key\":\"%s\"%s}", hex, strcmp (method, "set_broker") ? "" : ",\"name\":\"edge-1\"");
    s_run (k, "system", method, args, status);
}

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 6; i++) {
        s_keys [i] = accord_key_new ();
        s_nonce [i] = 0;
    }
    cf_genesis (&s_genesis, s_keys, 2);
    cf_did_create (&s_genesis, s_keys [ALICE], ++s_nonce [ALICE], s_alice);
    cf_did_create (&s_genesis, s_keys [BOB], ++s_nonce [BOB], s_bob);
    char args [512];
    snprintf (args, sizeof args, "{\"name\":\"plant/temp\",\"publishers\":[\"%s\"],\"subscribers\":[\"*\"]}", s_alice);
    s_run (ALICE, "topic", "create", args, "ok");
    s_broker (V0, "set_broker", BROKER, "ok");
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 6; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

//  An event of publisher (signed by key when not NULL) with message id and text payload.
static json_object *
s_event (const char *topic, const char *publisher, const char *id, const char *text, accord_key_t *key)
{
    const char *tags [] = { "celsius", "line-3" };
    uint64_t time_ms = 1700000000123ULL;
    json_object *event = accord_event_build (topic, publisher, id, tags, 2, (const uint8_t *) text, strlen (text),
                                             &time_ms, key);
    ck_assert_ptr_nonnull (event);
    return event;
}

//  event.publish {topic, events} signed by broker k; checks the status, returns the receipt.
static json_object *
s_publish (int k, const char *topic, json_object *events, const char *status)
{
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "topic", json_object_new_string (topic));
    json_object_object_add (args, "events", events);
    json_object *receipt = s_call (k, "event", "publish", json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN), status);
    json_object_put (args);
    return receipt;
}

//  The text of event.publish's arguments {topic, events} (caller frees; events borrowed).
static char *
s_batch_text (const char *topic, json_object *events)
{
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "topic", json_object_new_string (topic));
    json_object_object_add (args, "events", json_object_get (events));
    char *text = strdup (json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN));
    json_object_put (args);
    return text;
}

//  A batch of one event.
static json_object *
s_one (json_object *event)
{
    json_object *events = json_object_new_array ();
    json_object_array_add (events, event);
    return events;
}

static void
s_assert_message (json_object *receipt, const char *needle)
{
    const char *message = accord_json_get_string (receipt, "message");
    ck_assert_msg (message && strstr (message, needle), "expected '%s' in '%s'", needle, message);
    json_object_put (receipt);
}

static json_object *
s_get (const char *id, int expect)
{
    char args [128];
    snprintf (args, sizeof args, "{\"id\":\"%s\"}", id);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "event", "get", args, &result), expect);
    return result;
}

START_TEST (event_sdk)
{
    //  Ids: strict decimal HEIGHT:TX:INDEX.
    uint64_t height;
    uint32_t tx, index;
    ck_assert_int_eq (accord_event_id_parse ("12:0:7", &height, &tx, &index), 0);
    ck_assert (height == 12 && tx == 0 && index == 7);
    const char *bad [] = { "", "1:2", "0:0:0", "01:0:0", "1:00:0", "1:0:0x", "1:0:-1", "1::0", "1:4294967296:0",
                           "9007199254740992:0:0", " 1:0:0", "1:0:0:0" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        ck_assert_msg (accord_event_id_parse (bad [i], &height, &tx, &index) == -2, "%s accepted", bad [i]);
    char text [ACCORD_EVENT_ID_TEXT_MAX];
    accord_event_id_format (text, 9007199254740991ULL, UINT32_MAX, UINT32_MAX);
    ck_assert_str_eq (text, "9007199254740991:4294967295:4294967295");
    ck_assert_int_eq (accord_event_id_parse (text, &height, &tx, &index), 0);

    //  A built, signed event parses back, and its signature covers every field.
    json_object *item = s_event ("plant/temp", s_alice, "m-1", "21.5", s_keys [ALICE]);
    accord_event_t event;
    char err [160];
    ck_assert_msg (accord_event_parse (&event, item, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (event.id, "m-1");
    ck_assert_uint_eq (event.tag_count, 2);
    ck_assert_uint_eq (event.payload_len, 4);
    ck_assert (event.has_time && event.time_ms == 1700000000123ULL && event.has_sig);
    uint8_t digest [ACCORD_HASH_SIZE], other [ACCORD_HASH_SIZE];
    accord_event_digest (digest, "plant/temp", &event);
    ck_assert_int_eq (accord_sig_verify (accord_key_public (s_keys [ALICE]), ACCORD_PUBKEY_SIZE, event.sig, digest), 0);
    accord_event_digest (other, "plant/temp2", &event);
    ck_assert (memcmp (digest, other, ACCORD_HASH_SIZE));
    event.tag_count = 1;
    accord_event_digest (other, "plant/temp", &event);
    ck_assert (memcmp (digest, other, ACCORD_HASH_SIZE));
    event.tag_count = 2;
    event.has_time = 0;
    accord_event_digest (other, "plant/temp", &event);
    ck_assert (memcmp (digest, other, ACCORD_HASH_SIZE));
    event.has_time = 1;
    event.payload [0] ^= 1;
    accord_event_digest (other, "plant/temp", &event);
    ck_assert (memcmp (digest, other, ACCORD_HASH_SIZE));
    accord_event_reset (&event);
    json_object_put (item);

    //  Refusals, each with a reason.
    const char *refused [] = {
        "[]", "{}", "{\"publisher\":\"alice\",\"id\":\"1\",\"payload\":\"\"}",
        "{\"publisher\":\"did:accord:c:a\",\"payload\":\"\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"a b\",\"payload\":\"\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"ab=\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"a+b/\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"tags\":\"x\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"tags\":[\"x\",\"x\"]}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"tags\":[\"\"]}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"time\":-1}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"time\":1.5}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"sig\":\"AAAA\"}",
        "{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"extra\":1}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        json_object *parsed = accord_json_parse (refused [i], strlen (refused [i]), NULL, 0);
        err [0] = 0;
        ck_assert_msg (accord_event_parse (&event, parsed, err, sizeof err) == -2, "%s accepted", refused [i]);
        ck_assert (err [0]);
        json_object_put (parsed);
    }
    //  Limits: 16 tags of 64 bytes, ids of 128 bytes, 1 MiB of payload; one more is refused.
    char id [ACCORD_EVENT_ID_MAX + 2], tag [ACCORD_EVENT_TAG_MAX + 2];
    memset (id, 'i', sizeof id - 1);
    id [sizeof id - 1] = 0;
    memset (tag, 't', sizeof tag - 1);
    tag [sizeof tag - 1] = 0;
    ck_assert_ptr_null (accord_event_build ("t", s_alice, id, NULL, 0, NULL, 0, NULL, NULL));
    id [ACCORD_EVENT_ID_MAX] = 0;
    uint8_t *payload = calloc (1, ACCORD_EVENT_PAYLOAD_MAX + 1);
    item = accord_event_build ("t", s_alice, id, NULL, 0, payload, ACCORD_EVENT_PAYLOAD_MAX, NULL, NULL);
    ck_assert_int_eq (accord_event_parse (&event, item, err, sizeof err), 0);
    ck_assert_uint_eq (event.payload_len, ACCORD_EVENT_PAYLOAD_MAX);
    accord_event_reset (&event);
    json_object_put (item);
    char *big = accord_base64url_encode (payload, ACCORD_EVENT_PAYLOAD_MAX + 1);
    item = accord_event_build ("t", s_alice, "x", NULL, 0, NULL, 0, NULL, NULL);
    json_object_object_add (item, "payload", json_object_new_string (big));
    ck_assert_int_eq (accord_event_parse (&event, item, err, sizeof err), -2);
    ck_assert_ptr_nonnull (strstr (err, "1 MiB"));
    json_object_put (item);
    free (big);
    free (payload);
    json_object *tags = json_object_new_array ();
    for (int i = 0; i < 17; i++) {
        snprintf (tag, sizeof tag, "t%d", i);
        json_object_array_add (tags, json_object_new_string (tag));
    }
    item = accord_event_build ("t", s_alice, "x", NULL, 0, NULL, 0, NULL, NULL);
    json_object_object_add (item, "tags", tags);
    ck_assert_int_eq (accord_event_parse (&event, item, err, sizeof err), -2);
    json_object_array_del_idx (tags, 16, 1);
    ck_assert_int_eq (accord_event_parse (&event, item, err, sizeof err), 0);
    accord_event_reset (&event);
    json_object_put (item);
}
END_TEST

//  Subscription filters: the examples of MQTT 3.1.1 section 4.7 on our names
START_TEST (event_topic_filters)
{
    static const struct { const char *filter, *topic; int match; } cases [] = {
        { "sport/tennis/player1/#", "sport/tennis/player1", 1 },
        { "sport/tennis/player1/#", "sport/tennis/player1/ranking", 1 },
        { "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", 1 },
        { "sport/tennis/player1/#", "sport/tennis/player2", 0 },
        { "sport/#", "sport", 1 },
        { "#", "sport/tennis", 1 },
        { "sport/tennis/+", "sport/tennis/player1", 1 },
        { "sport/tennis/+", "sport/tennis/player1/ranking", 0 },
        { "sport/tennis/+", "sport/tennis", 0 },
        { "sport/+/player1", "sport/tennis/player1", 1 },
        { "+", "sport", 1 },
        { "+", "sport/tennis", 0 },
        { "+/+", "sport/tennis", 1 },
        { "+/tennis/#", "sport/tennis", 1 },
        { "sport", "sport", 1 },
        { "sport", "sports", 0 },
        { "sport/tennis", "sport", 0 },
        { "sport", "sport/tennis", 0 },
        //  System topics: only a filter that names '$' first
        { "#", "$/dlq/plant/temp", 0 },
        { "+/dlq/#", "$/dlq/plant/temp", 0 },
        { "$/dlq/#", "$/dlq/plant/temp", 1 },
        { "$/+/plant/temp", "$/dlq/plant/temp", 1 },
    };
    char err [256];
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        ck_assert_msg (accord_topic_filter_check (cases [i].filter, err, sizeof err) == 0, "%s: %s",
                       cases [i].filter, err);
        ck_assert_msg (accord_topic_filter_match (cases [i].filter, cases [i].topic) == cases [i].match,
                       "%s on %s", cases [i].filter, cases [i].topic);
    }
    static const char *bad [] = { "", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "#/a",
                                  "a//b", "/a", "a/", "$", "a/$/b", "a b", "sport/tennis/##" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        err [0] = 0;
        ck_assert_msg (accord_topic_filter_check (bad [i], err, sizeof err) == -1, "'%s' accepted", bad [i]);
        ck_assert (err [0]);
    }
    char deep [512] = "a";
    for (int i = 1; i < ACCORD_TOPIC_LEVELS_MAX + 1; i++)
        strcat (deep, "/+");
    ck_assert_int_eq (accord_topic_filter_check (deep, err, sizeof err), -1);
    deep [strlen (deep) - 2] = 0;
    ck_assert_int_eq (accord_topic_filter_check (deep, err, sizeof err), 0);
}
END_TEST

START_TEST (event_brokers_registered_by_members)
{
    char args [256], hex [2 * ACCORD_PUBKEY_SIZE + 1], v0 [2 * ACCORD_PUBKEY_SIZE + 1];
    s_key_hex (hex, BROKER);
    s_key_hex (v0, V0);
    json_object *brokers = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "system", "brokers", "{}", &brokers), ACCORD_OK);
    ck_assert_int_eq (json_object_array_length (brokers), 1);
    json_object *entry = json_object_array_get_idx (brokers, 0);
    ck_assert_str_eq (accord_json_get_string (entry, "public_key"), hex);
    ck_assert_str_eq (accord_json_get_string (entry, "member"), v0);
    ck_assert_str_eq (accord_json_get_string (entry, "member_name"), "v0");
    ck_assert_str_eq (accord_json_get_string (entry, "name"), "edge-1");
    ck_assert (json_object_get_boolean (json_object_object_get (entry, "active")));
    json_object_put (brokers);

    //  Only validators register; another member's broker is not theirs to take or remove.
    s_broker (ALICE, "set_broker", BROKER1, "unauthorized");
    s_broker (V1, "set_broker", BROKER, "conflict");
    s_broker (V1, "remove_broker", BROKER, "unauthorized");
    s_broker (V1, "remove_broker", BROKER1, "not_found");
    s_broker (V0, "remove_broker", BROKER, "ok");
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m", "x", NULL)), "unauthorized"));
    s_broker (V0, "set_broker", BROKER, "ok");
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m", "x", NULL)), "ok"));

    //  At most 16 brokers per member, counted with what earlier transactions of the same
    //  block registered: 15 more in one block go in, the 16th does not.
    accord_tx_t *txs [16];
    const char *statuses [16];
    for (int i = 0; i < 16; i++) {
        accord_key_t *key = accord_key_new ();
        accord_key_hex (hex, accord_key_public (key));
        snprintf (args, sizeof args, "{\"public_key\":\"%s\"}", hex);
        txs [i] = cf_tx (s_keys [V0], "system", "set_broker", args, ++s_nonce [V0], 1000);
        statuses [i] = i < 15 ? "ok" : "conflict";
        accord_key_destroy (&key);
    }
    accord_execution_t *execution = cf_run_block (&s_genesis, txs, 16, statuses);
    accord_execution_destroy (&execution);

    //  v1's broker counts while v1 validates; once voted out, it publishes nothing and any
    //  validator may remove it.
    s_broker (V1, "set_broker", BROKER1, "ok");
    json_object_put (s_publish (BROKER1, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m1", "x", NULL)), "ok"));
    s_key_hex (hex, V1);
    snprintf (args, sizeof args, "{\"public_key\":\"%s\"}", hex);
    s_run (V0, "system", "remove_validator", args, "ok");
    s_run (V1, "system", "remove_validator", args, "ok");
    accord_state_t *state = accord_state_new (cf_fx.store, NULL);
    ck_assert_int_eq (accord_system_validators (state, &s_genesis), 0);
    ck_assert_int_eq (accord_system_broker (state, &s_genesis, accord_key_public (s_keys [BROKER1]), NULL), 0);
    ck_assert_int_eq (accord_system_broker (state, &s_genesis, accord_key_public (s_keys [BROKER]), NULL), 1);
    accord_state_destroy (&state);
    s_assert_message (s_publish (BROKER1, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m2", "x", NULL)),
                                 "unauthorized"), "not a broker registered");
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "system", "brokers", "{}", &brokers), ACCORD_OK);
    int inactive = 0;
    for (size_t i = 0; i < json_object_array_length (brokers); i++)
        inactive += !json_object_get_boolean (json_object_object_get (json_object_array_get_idx (brokers, i), "active"));
    ck_assert_int_eq (inactive, 1);
    json_object_put (brokers);
    s_broker (V0, "remove_broker", BROKER1, "ok");

    const char *refused [] = { "{}", "{\"public_key\":\"02\"}", "{\"public_key\":\"020000000000000000000000000000000000000000000000000000000000000000\"}" };
    char message [256];
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++)
        ck_assert_int_eq (accord_module_check_call ("system", "set_broker", refused [i], strlen (refused [i]), NULL,
                                                    message, sizeof message), ACCORD_E_INVALID_ARGUMENT);
    s_key_hex (hex, BROKER);
    snprintf (args, sizeof args, "{\"public_key\":\"%s\",\"name\":\"a b\"}", hex);
    ck_assert_int_eq (accord_module_check_call ("system", "set_broker", args, strlen (args), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
}
END_TEST

START_TEST (event_batch_published_and_read_back)
{
    json_object *events = json_object_new_array ();
    json_object_array_add (events, s_event ("plant/temp", s_alice, "m-1", "20.5", s_keys [ALICE]));
    json_object_array_add (events, s_event ("plant/temp", s_alice, "m-2", "20.7", NULL));
    json_object_array_add (events, accord_event_build ("plant/temp", s_alice, "m-3", NULL, 0, NULL, 0, NULL, NULL));
    json_object *receipt = s_publish (BROKER, "plant/temp", events, "ok");
    int64_t height = json_object_get_int64 (json_object_object_get (receipt, "height"));
    json_object *log = json_object_array_get_idx (accord_json_get_array (receipt, "logs"), 0);
    char expected [128];
    snprintf (expected, sizeof expected, "{\"count\":3,\"first\":\"%lld:0:0\",\"topic\":\"plant/temp\"}", (long long) height);
    ck_assert_str_eq (json_object_to_json_string_ext (json_object_object_get (log, "data"), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), expected);
    ck_assert_str_eq (accord_json_get_string (log, "event"), "published");
    json_object_put (receipt);

    char id [64];
    snprintf (id, sizeof id, "%lld:0:1", (long long) height);
    json_object *event = s_get (id, ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (event, "id"), id);
    ck_assert_str_eq (accord_json_get_string (event, "topic"), "plant/temp");
    ck_assert_str_eq (accord_json_get_string (event, "publisher"), s_alice);
    ck_assert_str_eq (accord_json_get_string (event, "message_id"), "m-2");
    ck_assert_str_eq (accord_json_get_string (event, "payload"), "MjAuNw");       //  "20.7"
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (accord_json_get_array (event, "tags"), 1)), "line-3");
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (event, "timestamp_ms")),
                      (int64_t) s_genesis.genesis_time_ms + 1000 * height);
    ck_assert_int_eq (json_object_get_int64 (json_object_object_get (event, "publisher_time")), 1700000000123LL);
    ck_assert_ptr_null (json_object_object_get (event, "sig"));
    char broker [2 * ACCORD_PUBKEY_SIZE + 1];
    s_key_hex (broker, BROKER);
    ck_assert_str_eq (accord_json_get_string (event, "broker"), broker);
    json_object_put (event);
    snprintf (id, sizeof id, "%lld:0:0", (long long) height);
    event = s_get (id, ACCORD_OK);
    ck_assert_ptr_nonnull (accord_json_get_string (event, "sig"));
    const char *tx_hash = accord_json_get_string (event, "tx");
    ck_assert_ptr_nonnull (tx_hash);
    char hash [2 * ACCORD_HASH_SIZE + 1];
    snprintf (hash, sizeof hash, "%s", tx_hash);
    json_object_put (event);

    //  raw: the transaction itself, whose hash is the one named.
    json_object *result = NULL;
    char args [128];
    snprintf (args, sizeof args, "{\"id\":\"%s\",\"raw\":true}", id);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "event", "get", args, &result), ACCORD_OK);
    const char *raw_text = accord_json_get_string (result, "tx_raw");
    ck_assert_ptr_null (json_object_object_get (result, "payload"));
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    ck_assert_int_eq (accord_base64url_decode (&raw, &raw_len, raw_text, strlen (raw_text)), 0);
    accord_tx_t *tx = accord_tx_decode (raw, raw_len, NULL, 0);
    ck_assert_ptr_nonnull (tx);
    char decoded [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (decoded, sizeof decoded, tx->hash, ACCORD_HASH_SIZE);
    ck_assert_str_eq (decoded, hash);
    accord_tx_destroy (&tx);
    free (raw);
    json_object_put (result);

    //  Ids that name no event.
    snprintf (id, sizeof id, "%lld:0:3", (long long) height);
    s_get (id, ACCORD_E_NOT_FOUND);
    snprintf (id, sizeof id, "%lld:1:0", (long long) height);
    s_get (id, ACCORD_E_NOT_FOUND);
    s_get ("1:0:0", ACCORD_E_NOT_FOUND);            //  a did.create
    s_get ("999:0:0", ACCORD_E_NOT_FOUND);
    s_get ("1:0", ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "event", "get", "{\"id\":\"1:0:0\",\"raw\":1}", &result),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "event", "list", "{}", &result), ACCORD_E_UNKNOWN_METHOD);
}
END_TEST

START_TEST (event_batch_refused_whole)
{
    //  Each refusal names the failing event; nothing of a refused batch is published.
    s_assert_message (s_publish (V0, "plant/temp", s_one (s_event ("plant/temp", s_alice, "a", "x", NULL)), "unauthorized"),
                      "not a broker");
    s_assert_message (s_publish (BROKER, "plant/none", s_one (s_event ("plant/none", s_alice, "a", "x", NULL)), "not_found"),
                      "no topic");
    json_object *events = json_object_new_array ();
    json_object_array_add (events, s_event ("plant/temp", s_alice, "a", "x", NULL));
    json_object_array_add (events, s_event ("plant/temp", s_bob, "b", "x", NULL));
    json_object *receipt = s_publish (BROKER, "plant/temp", events, "unauthorized");
    int64_t height = json_object_get_int64 (json_object_object_get (receipt, "height"));
    s_assert_message (receipt, "event 1: ");
    char id [64];
    snprintf (id, sizeof id, "%lld:0:0", (long long) height);
    s_get (id, ACCORD_E_NOT_FOUND);
    //  ... and its message id "a" was not spent.
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "a", "x", NULL)), "ok"));
    //  A DID of another chain, an unregistered one, a forged signature.
    s_assert_message (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp",
                      "did:accord:other:0000000000000000000000000000000000000000", "c", "x", NULL)), "invalid_argument"),
                      "event 0: publisher");
    s_assert_message (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "c", "x", s_keys [BOB])),
                                 "bad_signature"), "event 0: 'sig'");
    json_object *signed_elsewhere = s_event ("plant/other", s_alice, "c", "x", s_keys [ALICE]);
    s_assert_message (s_publish (BROKER, "plant/temp", s_one (signed_elsewhere), "bad_signature"), "assertionMethod");
    //  A deactivated publisher publishes nothing more.
    char args [256];
    snprintf (args, sizeof args, "{\"did\":\"%s\"}", s_alice);
    s_run (ALICE, "did", "deactivate", args, "ok");
    s_assert_message (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "d", "x", NULL)), "unauthorized"),
                      "active DID");
}
END_TEST

START_TEST (event_duplicates_within_the_window)
{
    char args [512];
    snprintf (args, sizeof args, "{\"name\":\"plant/other\",\"publishers\":[\"*\"]}");
    s_run (ALICE, "topic", "create", args, "ok");
    snprintf (args, sizeof args, "{\"name\":\"plant/temp\",\"publishers\":[\"*\"]}");
    s_run (ALICE, "topic", "update", args, "ok");
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m", "x", NULL)), "ok"));
    s_assert_message (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m", "y", NULL)), "duplicate"),
                      "event 0: message id 'm'");
    //  Within one batch too.
    json_object *events = json_object_new_array ();
    json_object_array_add (events, s_event ("plant/temp", s_alice, "n", "x", NULL));
    json_object_array_add (events, s_event ("plant/temp", s_alice, "n", "x", NULL));
    s_assert_message (s_publish (BROKER, "plant/temp", events, "duplicate"), "event 1:");
    //  Ids are per publisher and per topic.
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_bob, "m", "x", NULL)), "ok"));
    json_object_put (s_publish (BROKER, "plant/other", s_one (s_event ("plant/other", s_alice, "m", "x", NULL)), "ok"));
    //  The window is the publisher's last 1024 ids on the topic: "m" is forgotten after 1024 more.
    events = json_object_new_array ();
    for (int i = 0; i < 1023; i++) {
        char id [16];
        snprintf (id, sizeof id, "w%d", i);
        json_object_array_add (events, accord_event_build ("plant/temp", s_alice, id, NULL, 0, NULL, 0, NULL, NULL));
    }
    json_object_put (s_publish (BROKER, "plant/temp", events, "ok"));
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m", "x", NULL)), "duplicate"));
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "w1023", "x", NULL)), "ok"));
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "m", "x", NULL)), "ok"));
    json_object_put (s_publish (BROKER, "plant/temp", s_one (s_event ("plant/temp", s_alice, "w1023", "x", NULL)), "duplicate"));
}
END_TEST

START_TEST (event_sizes)
{
    //  One event of 1 MiB goes through admission's check and execution.
    uint8_t *payload = malloc (ACCORD_EVENT_PAYLOAD_MAX);
    memset (payload, 0xa5, ACCORD_EVENT_PAYLOAD_MAX);
    json_object *event = accord_event_build ("plant/temp", s_alice, "big", NULL, 0, payload, ACCORD_EVENT_PAYLOAD_MAX,
                                             NULL, s_keys [ALICE]);
    free (payload);
    json_object *receipt = s_publish (BROKER, "plant/temp", s_one (event), "ok");
    char id [64];
    snprintf (id, sizeof id, "%lld:0:0", (long long) json_object_get_int64 (json_object_object_get (receipt, "height")));
    json_object_put (receipt);
    event = s_get (id, ACCORD_OK);
    ck_assert_uint_eq (strlen (accord_json_get_string (event, "payload")), (ACCORD_EVENT_PAYLOAD_MAX * 4 + 2) / 3);
    json_object_put (event);

    //  Batches: 1 to 1024 events.
    char message [256];
    const char *empty = "{\"topic\":\"plant/temp\",\"events\":[]}";
    ck_assert_int_eq (accord_module_check_call ("event", "publish", empty, strlen (empty), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    json_object *events = json_object_new_array ();
    for (int i = 0; i < 1025; i++) {
        char name [16];
        snprintf (name, sizeof name, "%d", i);
        json_object_array_add (events, accord_event_build ("plant/temp", s_alice, name, NULL, 0, NULL, 0, NULL, NULL));
    }
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "topic", json_object_new_string ("plant/temp"));
    json_object_object_add (args, "events", events);
    const char *text = json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN);
    ck_assert_int_eq (accord_module_check_call ("event", "publish", text, strlen (text), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    json_object_array_del_idx (events, 1024, 1);
    text = json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN);
    ck_assert_int_eq (accord_module_check_call ("event", "publish", text, strlen (text), NULL, message, sizeof message),
                      ACCORD_OK);
    json_object_put (args);

    //  Other modules keep their 64 KiB of arguments.
    char *meta = malloc (ACCORD_MODULE_ARGS_MAX + 64);
    int len = snprintf (meta, ACCORD_MODULE_ARGS_MAX + 64, "{\"hash\":\"%064d\",\"meta\":{\"x\":\"", 0);
    memset (meta + len, 'x', ACCORD_MODULE_ARGS_MAX - len);
    strcpy (meta + ACCORD_MODULE_ARGS_MAX, "\"}}");
    ck_assert_int_eq (accord_module_check_call ("evidence", "anchor", meta, strlen (meta), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull (strstr (message, "at most 65536 bytes"));
    free (meta);
}
END_TEST

START_TEST (event_malformed)
{
    const char *refused [] = {
        "{}",
        "{\"topic\":\"plant/temp\"}",
        "{\"topic\":\"plant/+\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\"}]}",
        "{\"topic\":\"plant/temp\",\"events\":{}}",
        "{\"topic\":\"plant/temp\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\"}],\"x\":1}",
        "{\"topic\":\"plant/temp\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\"},7]}",
    };
    char message [256];
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        message [0] = 0;
        int rc = accord_module_check_call ("event", "publish", refused [i], strlen (refused [i]), NULL, message, sizeof message);
        ck_assert_msg (rc == ACCORD_E_INVALID_ARGUMENT, "%s: %d", refused [i], rc);
        ck_assert (message [0]);
    }
    ck_assert_ptr_nonnull (strstr (message, "event 1:"));
    ck_assert_int_eq (accord_module_check_call ("event", "delete", "{}", 2, NULL, message, sizeof message),
                      ACCORD_E_UNKNOWN_METHOD);
}
END_TEST

//  A batch read from its text (what nodes and brokers do) gives what the tree gives; escapes,
//  white space and key order do not matter; a key twice, a 1025th event or a broken text do.
START_TEST (event_batch_decoded_from_text)
{
    json_object *events = json_object_new_array ();
    json_object_array_add (events, s_event ("plant/temp", s_alice, "m-1", "21.5", s_keys [ALICE]));
    json_object_array_add (events, s_event ("plant/temp", s_alice, "m-2", "", NULL));
    char *text = s_batch_text ("plant/temp", events);
    accord_event_batch_t batch;
    char err [200];
    ck_assert_msg (accord_event_batch_decode (&batch, text, strlen (text), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (batch.topic, "plant/temp");
    ck_assert_uint_eq (batch.count, 2);
    accord_event_t event;
    ck_assert_int_eq (accord_event_parse (&event, json_object_array_get_idx (events, 0), err, sizeof err), 0);
    uint8_t digest [ACCORD_HASH_SIZE], again [ACCORD_HASH_SIZE];
    accord_event_digest (digest, "plant/temp", &event);
    accord_event_digest (again, "plant/temp", &batch.events [0]);
    ck_assert_mem_eq (digest, again, sizeof digest);
    ck_assert (batch.events [0].has_sig && memcmp (batch.events [0].sig, event.sig, ACCORD_SIG_SIZE) == 0);
    ck_assert_str_eq (batch.events [1].id, "m-2");
    ck_assert_uint_eq (batch.events [1].payload_len, 0);
    accord_event_reset (&event);
    accord_event_batch_reset (&batch);
    free (text);
    json_object_put (events);

    const char *same = " { \"events\" : [ { \"payload\" : \"eA\", \"\\u0069d\" : \"a\\u0062\", "
                       "\"publisher\" : \"did:accord:c:a\", \"tags\" : [ \"x\" , \"y\" ] , \"time\" : 0 } ] , "
                       "\"topic\" : \"p\" } ";
    ck_assert_msg (accord_event_batch_decode (&batch, same, strlen (same), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (batch.events [0].id, "ab");
    ck_assert_uint_eq (batch.events [0].tag_count, 2);
    ck_assert (batch.events [0].has_time && batch.events [0].time_ms == 0);
    ck_assert (batch.events [0].payload_len == 1 && batch.events [0].payload [0] == 'x');
    accord_event_batch_reset (&batch);

    const char *refused [] = {
        "{\"topic\":\"p\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"id\":\"2\",\"payload\":\"\"}]}",
        "{\"topic\":\"p\",\"topic\":\"q\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\"}]}",
        "{\"topic\":\"p\",\"events\":[]}",
        "{\"topic\":\"p\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"a\\u0000\",\"payload\":\"\"}]}",
        "{\"topic\":\"p\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\"}]",
        "{\"topic\":\"p\",\"events\":[{\"publisher\":\"did:accord:c:a\",\"id\":\"1\",\"payload\":\"\",\"time\":1e3}]}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        err [0] = 0;
        ck_assert_msg (accord_event_batch_decode (&batch, refused [i], strlen (refused [i]), err, sizeof err) == -2,
                       "%s accepted", refused [i]);
        ck_assert (err [0]);
        ck_assert_ptr_null (batch.events);
    }
    //  At most ACCORD_EVENT_BATCH_MAX events
    events = json_object_new_array ();
    for (int i = 0; i <= ACCORD_EVENT_BATCH_MAX; i++) {
        char id [16];
        snprintf (id, sizeof id, "m-%d", i);
        json_object_array_add (events, accord_event_build ("p", s_alice, id, NULL, 0, NULL, 0, NULL, NULL));
    }
    text = s_batch_text ("p", events);
    ck_assert_int_eq (accord_event_batch_decode (&batch, text, strlen (text), err, sizeof err), -2);
    free (text);
    json_object_array_del_idx (events, 0, 1);
    text = s_batch_text ("p", events);
    ck_assert_int_eq (accord_event_batch_decode (&batch, text, strlen (text), err, sizeof err), 0);
    ck_assert_uint_eq (batch.count, ACCORD_EVENT_BATCH_MAX);
    accord_event_batch_reset (&batch);
    free (text);
    json_object_put (events);
}
END_TEST

Suite *
test_event_suite (void)
{
    Suite *suite = suite_create ("event");
    TCase *tc = tcase_create ("event");
    tcase_set_timeout (tc, 120);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, event_sdk);
    tcase_add_test (tc, event_topic_filters);
    tcase_add_test (tc, event_brokers_registered_by_members);
    tcase_add_test (tc, event_batch_published_and_read_back);
    tcase_add_test (tc, event_batch_refused_whole);
    tcase_add_test (tc, event_duplicates_within_the_window);
    tcase_add_test (tc, event_sizes);
    tcase_add_test (tc, event_malformed);
    tcase_add_test (tc, event_batch_decoded_from_text);
    suite_add_tcase (suite, tc);
    return suite;
}
