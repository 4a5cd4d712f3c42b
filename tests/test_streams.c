/*  eventbus/streams against a real redis-server: stream ids, events added to their topic's
    stream with every field, adding again changes nothing, refusals, the indexed height, and
    Redis gone. */
#include "redisfx.h"
#include "streams.h"
#include "accord/crypto.h"
#include "accord/did.h"
#include "accord/event.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define S_CHAIN "stream-test"

static redisContext *
s_connect (void)
{
    redisContext *redis = redisConnect ("127.0.0.1", rf_port);
    ck_assert_msg (redis && !redis->err, "cannot reach the test's Redis");
    return redis;
}

//  event.publish arguments for topic with count events from publisher; event i carries
//  payload "p<i>" with a NUL inside, tags [t<i>, all], time 1000 + i, signed when key.
static char *
s_batch (const char *topic, const char *publisher, int count, accord_key_t *key)
{
    json_object *events = json_object_new_array ();
    for (int i = 0; i < count; i++) {
        char id [16], tag [16];
        uint8_t payload [4] = { 'p', (uint8_t) ('0' + i), 0, 0xff };
        snprintf (id, sizeof id, "m%d", i);
        snprintf (tag, sizeof tag, "t%d", i);
        const char *tags [] = { tag, "all" };
        uint64_t time_ms = 1000 + (uint64_t) i;
        json_object *event = accord_event_build (topic, publisher, id, tags, 2, payload, sizeof payload,
                                                 &time_ms, key);
        ck_assert_ptr_nonnull (event);
        json_object_array_add (events, event);
    }
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "topic", json_object_new_string (topic));
    json_object_object_add (args, "events", events);
    char *text = strdup (json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN));
    json_object_put (args);
    return text;
}

START_TEST (stream_ids)
{
    char id [EVENTBUS_STREAM_ID_MAX];
    eventbus_stream_id (id, 5, 2, 3);
    ck_assert_str_eq (id, "5-2097155");
    uint64_t height;
    uint32_t tx, index;
    ck_assert_int_eq (eventbus_stream_id_parse (id, &height, &tx, &index), 0);
    ck_assert (height == 5 && tx == 2 && index == 3);
    eventbus_stream_id (id, 18446744073709551615ull, 4000000, 1023);
    ck_assert_int_eq (eventbus_stream_id_parse (id, &height, &tx, &index), 0);
    ck_assert (height == 18446744073709551615ull && tx == 4000000 && index == 1023);
    static const char *bad [] = { "", "5", "5-", "-5", "5-x", "0-1", "a-1", "5-1-2", " 5-1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        ck_assert_msg (eventbus_stream_id_parse (bad [i], &height, &tx, &index) == -2, "'%s'", bad [i]);
    char key [EVENTBUS_KEY_MAX];
    eventbus_stream_key (key, S_CHAIN, "plant/temp");
    ck_assert_str_eq (key, "accord:stream-test:events:plant/temp");
}
END_TEST

START_TEST (stream_add)
{
    redisContext *redis = s_connect ();
    accord_key_t *key = accord_key_new ();
    char publisher [ACCORD_DID_MAX];
    accord_did_for_key (publisher, S_CHAIN, accord_key_public (key));
    char *batch = s_batch ("plant/temp", publisher, 3, key);

    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, 7, 1, 1700000000123, batch, strlen (batch)), 3);
    //  The same block again (a restart, a rebuild): nothing new
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, 7, 1, 1700000000123, batch, strlen (batch)), 0);
    redisReply *range = redisCommand (redis, "XRANGE accord:%s:events:plant/temp - +", S_CHAIN);
    ck_assert_ptr_nonnull (range);
    ck_assert_int_eq (range->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq (range->elements, 3);
    for (size_t i = 0; i < 3; i++) {
        redisReply *entry = range->element [i];
        char want [EVENTBUS_STREAM_ID_MAX];
        eventbus_stream_id (want, 7, 1, (uint32_t) i);
        ck_assert_str_eq (entry->element [0]->str, want);
        redisReply *fields = entry->element [1];
        ck_assert_uint_eq (fields->elements, 14);
        char message_id [8], tags [32], time [8];
        snprintf (message_id, sizeof message_id, "m%zu", i);
        snprintf (tags, sizeof tags, "[\"t%zu\",\"all\"]", i);
        snprintf (time, sizeof time, "%zu", 1000 + i);
        const uint8_t payload [4] = { 'p', (uint8_t) ('0' + i), 0, 0xff };
        ck_assert_str_eq (fields->element [0]->str, "id");
        ck_assert_str_eq (fields->element [1]->str, message_id);
        ck_assert_str_eq (fields->element [3]->str, publisher);
        ck_assert_str_eq (fields->element [5]->str, tags);
        ck_assert_str_eq (fields->element [6]->str, "payload");
        ck_assert_uint_eq (fields->element [7]->len, sizeof payload);
        ck_assert_mem_eq (fields->element [7]->str, payload, sizeof payload);
        ck_assert_str_eq (fields->element [9]->str, time);
        ck_assert_uint_eq (strlen (fields->element [11]->str), 86);    //  64-byte signature, base64url
        ck_assert_str_eq (fields->element [13]->str, "1700000000123");
    }
    freeReplyObject (range);

    //  A later transaction of the same block, and one of another topic
    char *other = s_batch ("plant/pressure", publisher, 1, NULL);
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, 7, 2, 1700000000123, batch, strlen (batch)), 3);
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, 8, 0, 1700000001000, other, strlen (other)), 1);
    redisReply *length = redisCommand (redis, "XLEN accord:%s:events:plant/temp", S_CHAIN);
    ck_assert_int_eq (length->integer, 6);
    freeReplyObject (length);
    length = redisCommand (redis, "XLEN accord:%s:events:plant/pressure", S_CHAIN);
    ck_assert_int_eq (length->integer, 1);
    freeReplyObject (length);

    //  Not an event batch
    static const char *bad [] = { "", "{}", "{\"topic\":\"a b\",\"events\":[]}", "{\"topic\":\"t\"}",
                                  "{\"topic\":\"t\",\"events\":[{\"id\":\"x\"}]}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        ck_assert_msg (eventbus_streams_add (redis, S_CHAIN, 9, 0, 0, bad [i], strlen (bad [i])) == -2, "'%s'", bad [i]);

    //  The indexed height
    ck_assert_int_eq (eventbus_streams_indexed (redis, S_CHAIN), 0);
    ck_assert_int_eq (eventbus_streams_set_indexed (redis, S_CHAIN, 8), 0);
    ck_assert_int_eq (eventbus_streams_indexed (redis, S_CHAIN), 8);
    //  It only rises
    ck_assert_int_eq (eventbus_streams_set_indexed (redis, S_CHAIN, 5), 0);
    ck_assert_int_eq (eventbus_streams_indexed (redis, S_CHAIN), 8);
    ck_assert_int_eq (eventbus_streams_set_indexed (redis, S_CHAIN, 9), 0);
    ck_assert_int_eq (eventbus_streams_indexed (redis, S_CHAIN), 9);

    free (other);
    free (batch);
    accord_key_destroy (&key);
    redisFree (redis);
}
END_TEST

START_TEST (stream_redis_gone)
{
    redisContext *redis = s_connect ();
    char publisher [ACCORD_DID_MAX];
    accord_key_t *key = accord_key_new ();
    accord_did_for_key (publisher, S_CHAIN, accord_key_public (key));
    char *batch = s_batch ("plant/temp", publisher, 2, NULL);
    rf_kill ();
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, 3, 0, 0, batch, strlen (batch)), -1);
    ck_assert_int_eq (eventbus_streams_indexed (redis, S_CHAIN), -1);
    ck_assert_int_eq (eventbus_streams_set_indexed (redis, S_CHAIN, 3), -1);
    redisFree (redis);
    rf_restart ();
    redis = s_connect ();
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, 3, 0, 0, batch, strlen (batch)), 2);
    redisFree (redis);
    free (batch);
    accord_key_destroy (&key);
}
END_TEST

//  Each test gets an empty Redis of its own
static void
s_setup (void)
{
    rf_up ();
}

static void
s_teardown (void)
{
    rf_down ();
}

Suite *
test_streams_suite (void)
{
    Suite *suite = suite_create ("streams");
    TCase *tc = tcase_create ("roundtrip");
    tcase_add_test (tc, stream_ids);
    suite_add_tcase (suite, tc);
    tc = tcase_create ("redis");
    tcase_set_timeout (tc, 30);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, stream_add);
    tcase_add_test (tc, stream_redis_gone);
    suite_add_tcase (suite, tc);
    return suite;
}
