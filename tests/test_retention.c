/*  eventbus/retention against a real redis-server: the lowest height the event streams hold
    (dead-letter streams, @times, @indexed and other chains left out), @times trimmed below it
    and never above the indexed height, entries of equal time, a trim bounded per call, the
    follower's every-N-heights call, "from: TIME" answered the same after a trim, Redis gone. */
#include "redisfx.h"
#include "retention.h"
#include "streams.h"
#include "accord/crypto.h"
#include "accord/did.h"
#include "accord/event.h"
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CHAIN "retention-test"
#define S_TIMES "accord:" S_CHAIN ":events:@times"

static redisContext *
s_connect (void)
{
    redisContext *redis = redisConnect ("127.0.0.1", rf_port);
    ck_assert_msg (redis && !redis->err, "cannot reach the test's Redis");
    return redis;
}

//  One event on topic at height (tx 0), through the broker's own indexing code.
static void
s_event (redisContext *redis, const char *topic, uint64_t height)
{
    accord_key_t *key = accord_key_new ();
    char publisher [ACCORD_DID_MAX], id [32];
    accord_did_for_key (publisher, S_CHAIN, accord_key_public (key));
    accord_key_destroy (&key);
    snprintf (id, sizeof id, "m-%" PRIu64, height);
    json_object *event = accord_event_build (topic, publisher, id, NULL, 0, (const uint8_t *) "x", 1, NULL, NULL);
    ck_assert_ptr_nonnull (event);
    json_object *events = json_object_new_array (), *args = json_object_new_object ();
    json_object_array_add (events, event);
    json_object_object_add (args, "topic", json_object_new_string (topic));
    json_object_object_add (args, "events", events);
    const char *text = json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN);
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, height, 0, 1000 * height, text, strlen (text)), 1);
    json_object_put (args);
}

//  A command that must succeed (its reply freed).
static void
s_do (redisContext *redis, const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    redisReply *reply = redisvCommand (redis, format, ap);
    va_end (ap);
    ck_assert_msg (reply && reply->type != REDIS_REPLY_ERROR, "%s: %s", format, reply ? reply->str : "no reply");
    freeReplyObject (reply);
}

//  The heights in @times, lowest time first, as "h h h".
static const char *
s_times (redisContext *redis)
{
    static char text [1024];
    text [0] = 0;
    redisReply *reply = redisCommand (redis, "ZRANGE %s 0 -1", S_TIMES);
    ck_assert (reply && reply->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < reply->elements; i++)
        snprintf (text + strlen (text), sizeof text - strlen (text), "%s%s", i ? " " : "", reply->element [i]->str);
    freeReplyObject (reply);
    return text;
}

static uint64_t
s_low (redisContext *redis)
{
    uint64_t low = 0;
    ck_assert_int_eq (eventbus_retention_low_height (redis, S_CHAIN, &low), 0);
    return low;
}

//  Where "from: TIME" starts: the first height at or after ms (0: none).
static uint64_t
s_from_time (redisContext *redis, uint64_t ms)
{
    redisReply *reply = redisCommand (redis, "ZRANGEBYSCORE %s %" PRIu64 " +inf LIMIT 0 1", S_TIMES, ms);
    ck_assert (reply && reply->type == REDIS_REPLY_ARRAY);
    uint64_t height = reply->elements ? strtoull (reply->element [0]->str, NULL, 10) : 0;
    freeReplyObject (reply);
    return height;
}

START_TEST (low_height)
{
    redisContext *redis = s_connect ();
    //  Nothing held
    ck_assert (s_low (redis) == UINT64_MAX);
    s_event (redis, "plant/a", 3);
    s_event (redis, "plant/a", 10);
    s_event (redis, "plant/b", 5);
    s_event (redis, "plant/b", 12);
    //  Not event streams, or not this chain's: @times, @indexed, a dead-letter stream (its ids
    //  are times, here a small one), another chain's stream
    s_do (redis, "ZADD %s 1000 1", S_TIMES);
    ck_assert_int_eq (eventbus_streams_set_indexed (redis, S_CHAIN, 12), 0);
    s_do (redis, "XADD accord:%s:events:$/dlq/plant/a 1-1 id x", S_CHAIN);
    s_do (redis, "XADD accord:other-chain:events:plant/a 1-0 id x");
    ck_assert_uint_eq (s_low (redis), 3);
    //  Retention cuts plant/a: plant/b holds the lowest now; then both cut
    s_do (redis, "XTRIM accord:%s:events:plant/a MINID 10-0", S_CHAIN);
    ck_assert_uint_eq (s_low (redis), 5);
    s_do (redis, "XTRIM accord:%s:events:plant/b MINID 12-0", S_CHAIN);
    ck_assert_uint_eq (s_low (redis), 10);
    //  Streams emptied by retention hold nothing (the keys stay)
    s_do (redis, "XTRIM accord:%s:events:plant/a MINID 99-0", S_CHAIN);
    s_do (redis, "XTRIM accord:%s:events:plant/b MINID 99-0", S_CHAIN);
    ck_assert (s_low (redis) == UINT64_MAX);
    //  Many topics: more than one SCAN step and one pipeline
    for (int i = 0; i < 700; i++) {
        char topic [32];
        snprintf (topic, sizeof topic, "many/t%d", i);
        s_event (redis, topic, 1000 + (uint64_t) i);
    }
    ck_assert_uint_eq (s_low (redis), 1000);
    redisFree (redis);
}
END_TEST

START_TEST (trim_below_what_is_held)
{
    redisContext *redis = s_connect ();
    uint64_t heights [] = { 3, 5, 10, 12 };
    for (size_t i = 0; i < 4; i++) {
        s_event (redis, heights [i] % 2 ? "plant/b" : "plant/a", heights [i]);
        s_do (redis, "ZADD %s %" PRIu64 " %" PRIu64, S_TIMES, 1000 * heights [i], heights [i]);
    }
    //  Every height is held: nothing goes
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 12), 0);
    ck_assert_str_eq (s_times (redis), "3 5 10 12");
    //  plant/b (3, 5) cut to 5: 3 is held by no stream
    s_do (redis, "XTRIM accord:%s:events:plant/b MINID 5-0", S_CHAIN);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 12), 1);
    ck_assert_str_eq (s_times (redis), "5 10 12");
    //  "from: TIME" before everything held starts at the first event held, as before
    ck_assert_uint_eq (s_from_time (redis, 0), 5);
    ck_assert_uint_eq (s_from_time (redis, 4500), 5);
    //  plant/b emptied, plant/a (10, 12) cut to 12: the lowest held is 12
    s_do (redis, "XTRIM accord:%s:events:plant/b MINID 99-0", S_CHAIN);
    s_do (redis, "XTRIM accord:%s:events:plant/a MINID 12-0", S_CHAIN);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 12), 2);
    ck_assert_str_eq (s_times (redis), "12");
    //  Nothing held at all: up to the indexed height only (a broker further on may have added
    //  heights above it, with their events)
    s_do (redis, "XTRIM accord:%s:events:plant/a MINID 99-0", S_CHAIN);
    s_do (redis, "ZADD %s 13000 13 14000 14", S_TIMES);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 13), 2);
    ck_assert_str_eq (s_times (redis), "14");
    //  No @times at all
    s_do (redis, "DEL %s", S_TIMES);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 20), 0);
    redisFree (redis);
}
END_TEST

START_TEST (trim_equal_times)
{
    redisContext *redis = s_connect ();
    //  Blocks of the same millisecond: members of one score sort as text ("10" before "9")
    s_do (redis, "ZADD %s 500 8 700 9 700 10 700 11 700 12 900 13", S_TIMES);
    s_event (redis, "plant/a", 10);
    s_event (redis, "plant/a", 13);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 13), 2);
    ck_assert_str_eq (s_times (redis), "10 11 12 13");
    ck_assert_uint_eq (s_from_time (redis, 600), 10);
    redisFree (redis);
}
END_TEST

START_TEST (trim_is_bounded)
{
    redisContext *redis = s_connect ();
    enum { COUNT = EVENTBUS_TIMES_TRIM_MAX + 700 };
    //  COUNT heights, ZADD 1000 at a time
    for (int first = 1; first <= COUNT; first += 1000) {
        const char *argv [2 + 2 * 1000];
        char texts [2 * 1000][24];
        int argc = 2;
        argv [0] = "ZADD";
        argv [1] = S_TIMES;
        for (int h = first; h < first + 1000 && h <= COUNT; h++) {
            snprintf (texts [argc - 2], sizeof texts [0], "%d", 1000 * h);
            argv [argc] = texts [argc - 2];
            argc++;
            snprintf (texts [argc - 2], sizeof texts [0], "%d", h);
            argv [argc] = texts [argc - 2];
            argc++;
        }
        redisReply *reply = redisCommandArgv (redis, argc, argv, NULL);
        ck_assert (reply && reply->type == REDIS_REPLY_INTEGER);
        freeReplyObject (reply);
    }
    s_event (redis, "plant/a", COUNT);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, COUNT), EVENTBUS_TIMES_TRIM_MAX);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, COUNT), COUNT - 1 - EVENTBUS_TIMES_TRIM_MAX);
    char last [16];
    snprintf (last, sizeof last, "%d", COUNT);
    ck_assert_str_eq (s_times (redis), last);
    redisFree (redis);
}
END_TEST

START_TEST (after_block)
{
    redisContext *redis = s_connect ();
    s_do (redis, "ZADD %s 1000 1 2000 2", S_TIMES);
    s_event (redis, "plant/a", 2);
    //  Only every EVENTBUS_TIMES_TRIM_EVERY heights
    ck_assert_int_eq (eventbus_retention_after_block (redis, S_CHAIN, EVENTBUS_TIMES_TRIM_EVERY + 1), 0);
    ck_assert_str_eq (s_times (redis), "1 2");
    ck_assert_int_eq (eventbus_retention_after_block (redis, S_CHAIN, EVENTBUS_TIMES_TRIM_EVERY), 0);
    ck_assert_str_eq (s_times (redis), "2");
    ck_assert_int_eq (eventbus_retention_after_block (NULL, S_CHAIN, EVENTBUS_TIMES_TRIM_EVERY), 0);
    //  Redis gone: -1, and nothing else happens
    rf_kill ();
    uint64_t low;
    ck_assert_int_eq (eventbus_retention_low_height (redis, S_CHAIN, &low), -1);
    ck_assert_int_eq (eventbus_retention_trim_times (redis, S_CHAIN, 2), -1);
    ck_assert_int_eq (eventbus_retention_after_block (redis, S_CHAIN, 2 * EVENTBUS_TIMES_TRIM_EVERY), -1);
    redisFree (redis);
    rf_restart ();
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
test_retention_suite (void)
{
    Suite *suite = suite_create ("retention");
    TCase *tc = tcase_create ("redis");
    tcase_set_timeout (tc, 30);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, low_height);
    tcase_add_test (tc, trim_below_what_is_held);
    tcase_add_test (tc, trim_equal_times);
    tcase_add_test (tc, trim_is_bounded);
    tcase_add_test (tc, after_block);
    suite_add_tcase (suite, tc);
    return suite;
}
