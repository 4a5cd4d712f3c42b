/*  The topic module (chain/mod_topic.c) on a real store: topic names, creation and updates by
    the owner only (also after a hand-over), who may publish and subscribe (DIDs, issuer types,
    "*"), listing with a cursor, and each refusal. */
#include "chainfx.h"
#include "accord/event.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static accord_genesis_t s_genesis;
static accord_key_t *s_keys [5];       //  validator, alice, bob, carol (a university), dave
static char s_dids [5][ACCORD_DID_MAX];
static uint64_t s_nonce [5];

static json_object *
s_call_as (int k, const char *module, const char *method, const char *args, const char *status)
{
    return cf_run_one (&s_genesis, cf_tx (s_keys [k], module, method, args, ++s_nonce [k], 1000), status);
}

static void
s_run (int k, const char *method, const char *args, const char *status)
{
    json_object_put (s_call_as (k, "topic", method, args, status));
}

static void
s_setup (void)
{
    cf_setup ();
    for (size_t i = 0; i < 5; i++) {
        s_keys [i] = accord_key_new ();
        s_nonce [i] = 0;
    }
    cf_genesis (&s_genesis, s_keys, 1);
    for (int k = 1; k <= 3; k++)
        cf_did_create (&s_genesis, s_keys [k], ++s_nonce [k], s_dids [k]);
    accord_did_for_key (s_dids [4], CF_CHAIN, accord_key_public (s_keys [4]));     //  never registered
    //  carol is a recognized issuer of type university (one validator: one vote is a quorum).
    char args [512];
    snprintf (args, sizeof args, "{\"action\":\"recognize\",\"did\":\"%s\",\"name\":\"Uni\"}", s_dids [3]);
    json_object_put (s_call_as (0, "issuer", "vote", args, "ok"));
    snprintf (args, sizeof args, "{\"action\":\"add_type\",\"did\":\"%s\",\"type\":\"university\"}", s_dids [3]);
    json_object_put (s_call_as (0, "issuer", "vote", args, "ok"));
}

static void
s_teardown (void)
{
    for (size_t i = 0; i < 5; i++)
        accord_key_destroy (&s_keys [i]);
    cf_teardown ();
}

static json_object *
s_get (const char *name, int expect)
{
    char args [512];
    snprintf (args, sizeof args, "{\"name\":\"%s\"}", name);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "get", args, &result), expect);
    return result;
}

//  topic.may: 1 allowed, 0 not; the reason goes to reason.
static int
s_may (const char *name, const char *did, const char *action, char reason [256])
{
    char args [512];
    snprintf (args, sizeof args, "{\"name\":\"%s\",\"did\":\"%s\",\"action\":\"%s\"}", name, did, action);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "may", args, &result), ACCORD_OK);
    snprintf (reason, 256, "%s", accord_json_get_string (result, "reason"));
    int allowed = json_object_get_boolean (json_object_object_get (result, "allowed"));
    json_object_put (result);
    return allowed;
}

static const char *
s_message (json_object *receipt)
{
    return accord_json_get_string (receipt, "message");
}

START_TEST (topic_names)
{
    const char *good [] = { "a", "org/plant/temp", "A.b_c-9/x", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p" };
    const char *bad [] = { "", "/a", "a/", "a//b", "a/+/b", "a/#", "+", "#", "a b", "caf\xc3\xa9", "$SYS/x",
                           "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", "a\tb" };
    char err [160];
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++)
        ck_assert_msg (accord_topic_name_check (good [i], 0, err, sizeof err) == 0, "%s: %s", good [i], err);
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        err [0] = 0;
        ck_assert_msg (accord_topic_name_check (bad [i], 0, err, sizeof err) == -1, "%s accepted", bad [i]);
        ck_assert (err [0]);
    }
    ck_assert_ptr_nonnull (strstr ((accord_topic_name_check ("$/dlq/a", 0, err, sizeof err), err), "reserved"));
    ck_assert_int_eq (accord_topic_name_check ("$/dlq/a", 1, err, sizeof err), 0);
    ck_assert_int_eq (accord_topic_name_check ("$SYS", 1, err, sizeof err), -1);
    char level [ACCORD_TOPIC_LEVEL_MAX + 2];
    memset (level, 'x', sizeof level - 1);
    level [sizeof level - 1] = 0;
    ck_assert_int_eq (accord_topic_name_check (level, 0, err, sizeof err), -1);
    level [ACCORD_TOPIC_LEVEL_MAX] = 0;
    ck_assert_int_eq (accord_topic_name_check (level, 0, err, sizeof err), 0);
    char name [ACCORD_TOPIC_NAME_MAX + 2];
    memset (name, 'x', sizeof name - 1);
    name [sizeof name - 1] = 0;
    for (size_t i = 60; i < sizeof name - 1; i += 61)
        name [i] = '/';
    ck_assert_int_eq (accord_topic_name_check (name, 0, err, sizeof err), -1);
    name [ACCORD_TOPIC_NAME_MAX] = 0;
    ck_assert_msg (accord_topic_name_check (name, 0, err, sizeof err) == 0, "%s", err);
}
END_TEST

START_TEST (topic_create_and_update_by_the_owner)
{
    char args [1024];
    snprintf (args, sizeof args, "{\"name\":\"org/plant/temp\",\"publishers\":[\"%s\"],\"subscribers\":[\"*\"],"
              "\"retention\":{\"max_events\":1000,\"max_age_s\":86400},\"description\":\"Temperatures\"}", s_dids [2]);
    json_object *receipt = s_call_as (1, "topic", "create", args, "ok");
    ck_assert_ptr_nonnull (strstr (json_object_to_json_string_ext (receipt, JSON_C_TO_STRING_PLAIN), "\"event\":\"created\""));
    json_object_put (receipt);
    json_object *topic = s_get ("org/plant/temp", ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (topic, "owner"), s_dids [1]);
    ck_assert_str_eq (accord_json_get_string (topic, "description"), "Temperatures");
    ck_assert_str_eq (json_object_to_json_string (json_object_object_get (topic, "retention")),
                      "{ \"max_age_s\": 86400, \"max_events\": 1000 }");
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (accord_json_get_array (topic, "publishers"), 0)), s_dids [2]);
    json_object_put (topic);

    //  Defaults: only the owner publishes and subscribes.
    s_run (2, "create", "{\"name\":\"bob/private\"}", "ok");
    topic = s_get ("bob/private", ACCORD_OK);
    ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (accord_json_get_array (topic, "subscribers"), 0)), s_dids [2]);
    ck_assert_int_eq (json_object_array_length (accord_json_get_array (topic, "publishers")), 1);
    ck_assert_int_eq (json_object_object_length (json_object_object_get (topic, "retention")), 0);
    json_object_put (topic);

    //  A second create is a conflict, whoever asks.
    receipt = s_call_as (2, "topic", "create", "{\"name\":\"org/plant/temp\"}", "conflict");
    ck_assert_ptr_nonnull (strstr (s_message (receipt), "exists"));
    json_object_put (receipt);
    //  Only the owner updates.
    receipt = s_call_as (2, "topic", "update", "{\"name\":\"org/plant/temp\",\"description\":\"mine\"}", "unauthorized");
    ck_assert_ptr_nonnull (strstr (s_message (receipt), "only the owner"));
    json_object_put (receipt);
    s_run (1, "update", "{\"name\":\"org/plant/temp\",\"description\":\"Celsius\",\"subscribers\":[]}", "ok");
    topic = s_get ("org/plant/temp", ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (topic, "description"), "Celsius");
    ck_assert_int_eq (json_object_array_length (accord_json_get_array (topic, "subscribers")), 0);
    ck_assert_int_eq (json_object_array_length (accord_json_get_array (topic, "publishers")), 1);   //  unchanged
    json_object_put (topic);
    s_run (1, "update", "{\"name\":\"no/such\",\"description\":\"x\"}", "not_found");

    //  Hand-over: to an unregistered DID refused; to bob, after which alice is an outsider.
    snprintf (args, sizeof args, "{\"name\":\"org/plant/temp\",\"owner\":\"%s\"}", s_dids [4]);
    s_run (1, "update", args, "invalid_argument");
    snprintf (args, sizeof args, "{\"name\":\"org/plant/temp\",\"owner\":\"%s\"}", s_dids [2]);
    receipt = s_call_as (1, "topic", "update", args, "ok");
    ck_assert_ptr_nonnull (strstr (json_object_to_json_string_ext (receipt, JSON_C_TO_STRING_PLAIN), "\"event\":\"updated\""));
    json_object_put (receipt);
    s_run (1, "update", "{\"name\":\"org/plant/temp\",\"description\":\"back\"}", "unauthorized");
    s_run (2, "update", "{\"name\":\"org/plant/temp\",\"description\":\"bob's\"}", "ok");

    //  Acting as a DID the key does not control, or a DID of another chain.
    snprintf (args, sizeof args, "{\"name\":\"x/y\",\"did\":\"%s\"}", s_dids [1]);
    s_run (2, "create", args, "unauthorized");
    s_run (2, "create", "{\"name\":\"x/y\",\"publishers\":[\"did:accord:other:0000000000000000000000000000000000000000\"]}",
           "invalid_argument");
    s_get ("x/y", ACCORD_E_NOT_FOUND);
}
END_TEST

START_TEST (topic_may_publish_and_subscribe)
{
    char args [1024], reason [256];
    snprintf (args, sizeof args, "{\"name\":\"grades\",\"publishers\":[\"type:university\",\"%s\"],"
              "\"subscribers\":[\"*\"]}", s_dids [2]);
    s_run (1, "create", args, "ok");
    //  bob is listed, carol a university; alice owns the topic but is not a publisher.
    ck_assert (s_may ("grades", s_dids [2], "publish", reason));
    ck_assert_ptr_nonnull (strstr (reason, "listed"));
    ck_assert (s_may ("grades", s_dids [3], "publish", reason));
    ck_assert_ptr_nonnull (strstr (reason, "university"));
    ck_assert (!s_may ("grades", s_dids [1], "publish", reason));
    ck_assert_ptr_nonnull (strstr (reason, "not among"));
    //  Anyone with an active DID subscribes; an unregistered DID does nothing.
    ck_assert (s_may ("grades", s_dids [1], "subscribe", reason));
    ck_assert (!s_may ("grades", s_dids [4], "subscribe", reason));
    ck_assert_ptr_nonnull (strstr (reason, "registered"));
    //  The type counts while the issuer is recognized.
    snprintf (args, sizeof args, "{\"action\":\"revoke\",\"did\":\"%s\"}", s_dids [3]);
    json_object_put (s_call_as (0, "issuer", "vote", args, "ok"));
    ck_assert (!s_may ("grades", s_dids [3], "publish", reason));
    //  A deactivated DID may nothing, even where "*" applies.
    snprintf (args, sizeof args, "{\"did\":\"%s\"}", s_dids [2]);
    json_object_put (s_call_as (2, "did", "deactivate", args, "ok"));
    ck_assert (!s_may ("grades", s_dids [2], "publish", reason));
    ck_assert (!s_may ("grades", s_dids [2], "subscribe", reason));
    //  Bad questions.
    json_object *result = NULL;
    snprintf (args, sizeof args, "{\"name\":\"grades\",\"did\":\"%s\",\"action\":\"delete\"}", s_dids [1]);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "may", args, &result), ACCORD_E_INVALID_ARGUMENT);
    snprintf (args, sizeof args, "{\"name\":\"nothing\",\"did\":\"%s\",\"action\":\"publish\"}", s_dids [1]);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "may", args, &result), ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "may", "{\"name\":\"grades\"}", &result),
                      ACCORD_E_INVALID_ARGUMENT);
}
END_TEST

//  Names of a topic.list answer, joined by spaces, and its cursor.
static char *
s_list (const char *args, char next [ACCORD_TOPIC_NAME_MAX + 1])
{
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "list", args, &result), ACCORD_OK);
    json_object *topics = accord_json_get_array (result, "topics");
    char *names = calloc (1, 4096);
    for (size_t i = 0; i < json_object_array_length (topics); i++)
        snprintf (names + strlen (names), 4096 - strlen (names), "%s%s", i ? " " : "",
                  accord_json_get_string (json_object_array_get_idx (topics, i), "name"));
    const char *cursor = accord_json_get_string (result, "next");
    snprintf (next, ACCORD_TOPIC_NAME_MAX + 1, "%s", cursor ? cursor : "");
    json_object_put (result);
    return names;
}

START_TEST (topic_list_with_cursor)
{
    const char *names [] = { "org/a", "org/b", "org/c", "orgx", "plant/t" };
    for (size_t i = 0; i < 5; i++) {
        char args [128];
        snprintf (args, sizeof args, "{\"name\":\"%s\"}", names [i]);
        s_run (i == 4 ? 2 : 1, "create", args, "ok");
    }
    char next [ACCORD_TOPIC_NAME_MAX + 1], args [512];
    char *got = s_list ("{}", next);
    ck_assert_str_eq (got, "org/a org/b org/c orgx plant/t");
    ck_assert_str_eq (next, "");
    free (got);
    got = s_list ("{\"prefix\":\"org/\"}", next);
    ck_assert_str_eq (got, "org/a org/b org/c");
    free (got);
    //  Pages of two, each from the cursor of the last.
    got = s_list ("{\"limit\":2}", next);
    ck_assert_str_eq (got, "org/a org/b");
    ck_assert_str_eq (next, "org/b");
    free (got);
    snprintf (args, sizeof args, "{\"limit\":2,\"after\":\"%s\"}", next);
    got = s_list (args, next);
    ck_assert_str_eq (got, "org/c orgx");
    free (got);
    snprintf (args, sizeof args, "{\"limit\":2,\"after\":\"%s\"}", next);
    got = s_list (args, next);
    ck_assert_str_eq (got, "plant/t");
    ck_assert_str_eq (next, "");
    free (got);
    snprintf (args, sizeof args, "{\"owner\":\"%s\"}", s_dids [2]);
    got = s_list (args, next);
    ck_assert_str_eq (got, "plant/t");
    free (got);
    json_object *result = NULL;
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "list", "{\"limit\":0}", &result), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "list", "{\"limit\":1001}", &result), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "get", "{}", &result), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (cf_query (cf_fx.store, &s_genesis, "topic", "delete", "{}", &result), ACCORD_E_UNKNOWN_METHOD);
}
END_TEST

START_TEST (topic_malformed)
{
    const char *refused [][2] = {
        { "create", "{}" },
        { "create", "{\"name\":\"a/+\"}" },
        { "create", "{\"name\":\"$/dlq/a\"}" },
        { "create", "{\"name\":\"a\",\"publishers\":\"*\"}" },
        { "create", "{\"name\":\"a\",\"publishers\":[\"bob\"]}" },
        { "create", "{\"name\":\"a\",\"publishers\":[\"*\",\"*\"]}" },
        { "create", "{\"name\":\"a\",\"subscribers\":[\"type:Uni\"]}" },
        { "create", "{\"name\":\"a\",\"subscribers\":[7]}" },
        { "create", "{\"name\":\"a\",\"retention\":{\"max_events\":0}}" },
        { "create", "{\"name\":\"a\",\"retention\":{\"max_age_s\":\"1d\"}}" },
        { "create", "{\"name\":\"a\",\"retention\":{\"forever\":true}}" },
        { "create", "{\"name\":\"a\",\"retention\":5}" },
        { "create", "{\"name\":\"a\",\"description\":5}" },
        { "create", "{\"name\":\"a\",\"owner\":\"did:accord:x:y\"}" },
        { "create", "{\"name\":\"a\",\"colour\":\"blue\"}" },
        { "create", "{\"name\":\"a\",\"did\":\"did:web:example.com\"}" },
        { "update", "{\"name\":\"a\"}" },
        { "update", "{\"name\":\"a\",\"owner\":\"alice\"}" },
    };
    char message [256];
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        message [0] = 0;
        int rc = accord_module_check_call ("topic", refused [i][0], refused [i][1], strlen (refused [i][1]), NULL,
                                           message, sizeof message);
        ck_assert_msg (rc == ACCORD_E_INVALID_ARGUMENT, "%s %s: %d", refused [i][0], refused [i][1], rc);
        ck_assert (message [0]);
    }
    ck_assert_int_eq (accord_module_check_call ("topic", "delete", "{}", 2, NULL, message, sizeof message),
                      ACCORD_E_UNKNOWN_METHOD);
    //  Limits: 64 rules and 1024 bytes of description are fine, one more is not.
    char *args = malloc (8192);
    strcpy (args, "{\"name\":\"a\",\"publishers\":[");
    for (int i = 0; i < 65; i++)
        sprintf (args + strlen (args), "%s\"did:accord:%s:%040d\"", i ? "," : "", CF_CHAIN, i);
    strcat (args, "]}");
    ck_assert_int_eq (accord_module_check_call ("topic", "create", args, strlen (args), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    strcpy (strrchr (args, ','), "]}");
    ck_assert_int_eq (accord_module_check_call ("topic", "create", args, strlen (args), NULL, message, sizeof message),
                      ACCORD_OK);
    snprintf (args, 8192, "{\"name\":\"a\",\"description\":\"%01025d\"}", 0);
    ck_assert_int_eq (accord_module_check_call ("topic", "create", args, strlen (args), NULL, message, sizeof message),
                      ACCORD_E_INVALID_ARGUMENT);
    snprintf (args, 8192, "{\"name\":\"a\",\"description\":\"%01024d\"}", 0);
    ck_assert_int_eq (accord_module_check_call ("topic", "create", args, strlen (args), NULL, message, sizeof message),
                      ACCORD_OK);
    free (args);
}
END_TEST

Suite *
test_topic_suite (void)
{
    Suite *suite = suite_create ("topic");
    TCase *tc = tcase_create ("topic");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, topic_names);
    tcase_add_test (tc, topic_create_and_update_by_the_owner);
    tcase_add_test (tc, topic_may_publish_and_subscribe);
    tcase_add_test (tc, topic_list_with_cursor);
    tcase_add_test (tc, topic_malformed);
    suite_add_tcase (suite, tc);
    return suite;
}
