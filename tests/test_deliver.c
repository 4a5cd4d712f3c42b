/*  eventbus/deliver against a real redis-server. Events go into the index as the broker puts
    them there (eventbus_streams_add, @times); the send hook collects the deliveries the module
    makes, as a client would receive them. Time-based behaviour (ack timeouts) is waited for
    with deadlines while the module ticks, never with fixed sleeps. */
#include "redisfx.h"
#include "deliver.h"
#include "streams.h"
#include "accord/did.h"
#include "accord/error.h"
#include "accord/event.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define S_CHAIN     "deliver-test"
#define S_WAIT_MS   10000
#define S_BOSS      "did:accord:deliver-test:boss"      //  the one DID that may read secret/...
#define S_DID       "did:accord:deliver-test:reader"

//  One delivery as the client gets it.
typedef struct {
    char session [32];
    char sub [EVENTBUS_SUB_ID_MAX + 1];
    json_object *meta;
    zframe_t *payload;
} s_got_t;

static eventbus_deliver_t *s_deliver;
static zlistx_t *s_got;             //  s_got_t *
static char s_ended [1024];         //  "session/sub code message|..." of each END sent
static char s_revoked [64];         //  a topic only S_BOSS may read (after a topic update)
static char s_failing [32];         //  a session whose client cannot take more (send fails)
static int s_node_down;             //  topic.may does not answer
static char s_publisher [ACCORD_DID_MAX];

static void
s_got_destroy (void **item)
{
    s_got_t *got = *item;
    json_object_put (got->meta);
    zframe_destroy (&got->payload);
    free (got);
    *item = NULL;
}

static int
s_send_hook (void *ctx, const char *session, zmsg_t **msg_p)
{
    (void) ctx;
    zmsg_t *msg = *msg_p;
    *msg_p = NULL;
    if (streq (session, s_failing)) {
        zmsg_destroy (&msg);
        return -1;
    }
    ck_assert_uint_eq (zmsg_size (msg), 5);
    char *version = zmsg_popstr (msg), *status = zmsg_popstr (msg), *sub = zmsg_popstr (msg),
         *meta = zmsg_popstr (msg);
    ck_assert_str_eq (version, "ACC1");
    if (streq (status, "END")) {
        //  "ACC1" "END" sub code message
        char *message = zmsg_popstr (msg);
        snprintf (s_ended + strlen (s_ended), sizeof s_ended - strlen (s_ended), "%s%s/%s %s %s",
                  s_ended [0] ? "|" : "", session, sub, meta, message);
        zstr_free (&version);
        zstr_free (&status);
        zstr_free (&sub);
        zstr_free (&meta);
        zstr_free (&message);
        zmsg_destroy (&msg);
        return 0;
    }
    ck_assert_str_eq (status, "EVENT");
    s_got_t *got = calloc (1, sizeof *got);
    snprintf (got->session, sizeof got->session, "%s", session);
    snprintf (got->sub, sizeof got->sub, "%s", sub);
    got->meta = json_tokener_parse (meta);
    ck_assert_ptr_nonnull (got->meta);
    got->payload = zmsg_pop (msg);
    zlistx_add_end (s_got, got);
    zstr_free (&version);
    zstr_free (&status);
    zstr_free (&sub);
    zstr_free (&meta);
    zmsg_destroy (&msg);
    return 0;
}

static int
s_may_hook (void *ctx, const char *topic, const char *did, char *err, size_t err_size)
{
    (void) ctx;
    if (s_node_down) {
        snprintf (err, err_size, "the node did not answer");
        return -1;
    }
    if ((strncmp (topic, "secret/", 7) == 0 || streq (topic, s_revoked)) && !streq (did, S_BOSS)) {
        snprintf (err, err_size, "%s may not read %s", did, topic);
        return 0;
    }
    return 1;
}

static redisContext *
s_redis (void)
{
    redisContext *redis = redisConnect ("127.0.0.1", rf_port);
    ck_assert_msg (redis && !redis->err, "cannot reach the test's Redis");
    return redis;
}

//  Block height of topic gets count events in transaction tx, as the broker indexes them:
//  event i has tags [t<i>, all] and the payload "<topic> <event id>". Block time: height s.
static void
s_publish (const char *topic, uint64_t height, uint32_t tx, int count)
{
    json_object *events = json_object_new_array ();
    for (int i = 0; i < count; i++) {
        char id [32], tag [16], payload [300];
        snprintf (id, sizeof id, "m%d-%d-%d", (int) height, (int) tx, i);
        snprintf (tag, sizeof tag, "t%d", i);
        snprintf (payload, sizeof payload, "%s %d:%d:%d", topic, (int) height, (int) tx, i);
        const char *tags [] = { tag, "all" };
        uint64_t time_ms = 5000 + (uint64_t) i;
        json_object_array_add (events, accord_event_build (topic, s_publisher, id, tags, 2, (const uint8_t *) payload,
                                                           strlen (payload), &time_ms, NULL));
    }
    json_object *args = json_object_new_object ();
    json_object_object_add (args, "topic", json_object_new_string (topic));
    json_object_object_add (args, "events", events);
    const char *text = json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN);
    redisContext *redis = s_redis ();
    ck_assert_int_eq (eventbus_streams_add (redis, S_CHAIN, height, tx, height * 1000, text, strlen (text)), count);
    redisReply *reply = redisCommand (redis, "ZADD accord:%s:events:@times %llu %llu", S_CHAIN,
                                      (unsigned long long) height * 1000, (unsigned long long) height);
    ck_assert_ptr_nonnull (reply);
    freeReplyObject (reply);
    redisFree (redis);
    json_object_put (args);
    eventbus_deliver_advanced (s_deliver, topic);
}

typedef struct {
    const char *filter;
    eventbus_from_t from;
    const char *event;          //  EVENTBUS_FROM_EVENT
    uint64_t ms;                //  EVENTBUS_FROM_TIME
    const char *group, *consumer;
    uint32_t credit;            //  default 100
    int zero_credit;            //  credit 0
    uint32_t ack_timeout_ms, max_deliveries;
    const char *tags [3];
} s_sub_args_t;

static void
s_request (eventbus_subscribe_t *request, const s_sub_args_t *args)
{
    memset (request, 0, sizeof *request);
    snprintf (request->filter, sizeof request->filter, "%s", args->filter);
    for (size_t i = 0; i < 3 && args->tags [i]; i++)
        request->tags [request->tag_count++] = args->tags [i];
    request->from = args->from;
    if (args->event)
        ck_assert_int_eq (accord_event_id_parse (args->event, &request->from_height, &request->from_tx,
                                                 &request->from_index), 0);
    request->from_ms = args->ms;
    snprintf (request->group, sizeof request->group, "%s", args->group ? args->group : "");
    snprintf (request->consumer, sizeof request->consumer, "%s", args->consumer ? args->consumer : "");
    request->credit = args->zero_credit ? 0 : args->credit ? args->credit : EVENTBUS_CREDIT_DEFAULT;
    request->ack_timeout_ms = args->ack_timeout_ms ? args->ack_timeout_ms : EVENTBUS_ACK_TIMEOUT_DEFAULT_MS;
    request->max_deliveries = args->max_deliveries ? args->max_deliveries : EVENTBUS_DELIVERIES_DEFAULT;
}

//  Subscribes; returns the subscription id (caller frees) and, when topics is not NULL, the
//  matched topics joined with ','.
static char *
s_subscribe_as (const char *session, const char *did, const s_sub_args_t *args, char *topics, size_t topics_size)
{
    eventbus_subscribe_t request;
    s_request (&request, args);
    json_object *reply = NULL;
    char err [256] = "";
    int rc = eventbus_deliver_subscribe (s_deliver, session, did, &request, &reply, err, sizeof err);
    ck_assert_msg (rc == ACCORD_OK, "subscribe %s: %s (%s)", args->filter, accord_err_name (rc), err);
    char *sub = strdup (json_object_get_string (json_object_object_get (reply, "sub")));
    if (topics) {
        json_object *list = json_object_object_get (reply, "topics");
        topics [0] = 0;
        for (size_t i = 0; i < json_object_array_length (list); i++)
            snprintf (topics + strlen (topics), topics_size - strlen (topics), "%s%s", i ? "," : "",
                      json_object_get_string (json_object_array_get_idx (list, i)));
    }
    json_object_put (reply);
    return sub;
}

static char *
s_subscribe (const char *session, const s_sub_args_t *args)
{
    return s_subscribe_as (session, S_DID, args, NULL, 0);
}

//  The error code of a subscription that must fail.
static int
s_subscribe_fails (const char *session, const char *did, const s_sub_args_t *args)
{
    eventbus_subscribe_t request;
    s_request (&request, args);
    json_object *reply = NULL;
    char err [256] = "";
    int rc = eventbus_deliver_subscribe (s_deliver, session, did, &request, &reply, err, sizeof err);
    ck_assert_msg (rc != ACCORD_OK, "subscribe %s succeeded", args->filter);
    ck_assert_ptr_null (reply);
    ck_assert_msg (err [0], "no reason given");
    return rc;
}

static const char *
s_meta_string (const s_got_t *got, const char *name)
{
    return json_object_get_string (json_object_object_get (got->meta, name));
}

static int64_t
s_meta_int (const s_got_t *got, const char *name)
{
    return json_object_get_int64 (json_object_object_get (got->meta, name));
}

//  The deliveries of sub (NULL: all), their event ids in order joined with ','.
static const char *
s_events (const char *sub)
{
    static char text [8192];
    text [0] = 0;
    for (s_got_t *got = zlistx_first (s_got); got; got = zlistx_next (s_got))
        if (!sub || streq (got->sub, sub))
            snprintf (text + strlen (text), sizeof text - strlen (text), "%s%s", text [0] ? "," : "",
                      s_meta_string (got, "event"));
    return text;
}

static size_t
s_count (const char *sub)
{
    size_t count = 0;
    for (s_got_t *got = zlistx_first (s_got); got; got = zlistx_next (s_got))
        count += !sub || streq (got->sub, sub);
    return count;
}

//  Ticks until sub (NULL: any) has count deliveries, or the deadline; the count it has.
static size_t
s_wait (const char *sub, size_t count)
{
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (s_count (sub) < count && tu_now_ms () < deadline) {
        eventbus_deliver_tick (s_deliver);
        zclock_sleep (5);
    }
    return s_count (sub);
}

//  Ticks for ms, during which sub must get nothing more.
static void
s_wait_nothing (const char *sub, int64_t ms)
{
    size_t count = s_count (sub);
    int64_t until = tu_now_ms () + ms;
    while (tu_now_ms () < until) {
        eventbus_deliver_tick (s_deliver);
        zclock_sleep (5);
    }
    ck_assert_uint_eq (s_count (sub), count);
}

static int64_t
s_stat (const char *name)
{
    json_object *stats = eventbus_deliver_stats (s_deliver);
    json_object *value = json_object_object_get (stats, name);
    int64_t result = json_object_is_type (value, json_type_boolean) ? json_object_get_boolean (value)
                                                                    : json_object_get_int64 (value);
    json_object_put (stats);
    return result;
}

static size_t
s_ack (const char *session, const char *sub, int nack, const char *event)
{
    size_t acked = 0;
    char err [256] = "";
    const char *events [] = { event };
    int rc = eventbus_deliver_ack (s_deliver, session, sub, nack, events, 1, &acked, err, sizeof err);
    ck_assert_msg (rc == ACCORD_OK, "%s: %s", accord_err_name (rc), err);
    return acked;
}

static uint32_t
s_credit (const char *session, const char *sub, uint32_t credit)
{
    uint32_t outstanding = 0;
    char err [256] = "";
    ck_assert_int_eq (eventbus_deliver_credit (s_deliver, session, sub, credit, &outstanding, err, sizeof err),
                      ACCORD_OK);
    return outstanding;
}

static s_got_t *
s_last (void)
{
    return zlistx_last (s_got);
}

//  The consumers of group on topic, joined with ','.
static const char *
s_consumers (const char *topic, const char *group)
{
    static char text [1024];
    text [0] = 0;
    redisReply *reply = rf_command ("XINFO CONSUMERS accord:%s:events:%s %s", S_CHAIN, topic, group);
    ck_assert_ptr_nonnull (reply);
    ck_assert_int_eq (reply->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < reply->elements; i++)
        snprintf (text + strlen (text), sizeof text - strlen (text), "%s%s", i ? "," : "",
                  reply->element [i]->element [1]->str);
    freeReplyObject (reply);
    return text;
}

static s_got_t *
s_nth (size_t n)
{
    s_got_t *got = zlistx_first (s_got);
    while (got && n--)
        got = zlistx_next (s_got);
    return got;
}

static void
s_setup (void)
{
    redisReply *reply = rf_command ("FLUSHALL");
    ck_assert_ptr_nonnull (reply);
    freeReplyObject (reply);
    s_got = zlistx_new ();
    zlistx_set_destructor (s_got, s_got_destroy);
    s_failing [0] = 0;
    s_node_down = 0;
    s_ended [0] = 0;
    s_revoked [0] = 0;
    accord_key_t *key = accord_key_new ();
    accord_did_for_key (s_publisher, S_CHAIN, accord_key_public (key));
    accord_key_destroy (&key);
    eventbus_deliver_hooks_t hooks = { s_send_hook, s_may_hook, NULL };
    s_deliver = eventbus_deliver_new (rf_endpoint (), S_CHAIN, &hooks);
    ck_assert_ptr_nonnull (s_deliver);
    const char *topics [] = { "plant/temp", "plant/pressure", "office/temp", "secret/plans" };
    for (size_t i = 0; i < sizeof topics / sizeof topics [0]; i++)
        eventbus_deliver_topic_added (s_deliver, topics [i]);
}

static void
s_teardown (void)
{
    eventbus_deliver_destroy (&s_deliver);
    zlistx_destroy (&s_got);
}

//  ---------------------------------------------------------------------------------------

START_TEST (deliver_meta)
{
    s_publish ("plant/temp", 3, 1, 2);
    char *sub = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST });
    //  Nothing before the next call: the OK reply goes out first
    ck_assert_uint_eq (s_count (NULL), 0);
    ck_assert_uint_eq (s_wait (sub, 2), 2);
    s_got_t *got = zlistx_first (s_got);
    ck_assert_str_eq (got->session, "a");
    ck_assert_str_eq (got->sub, sub);
    ck_assert_str_eq (s_meta_string (got, "event"), "3:1:0");
    ck_assert_str_eq (s_meta_string (got, "topic"), "plant/temp");
    ck_assert_str_eq (s_meta_string (got, "publisher"), s_publisher);
    ck_assert_str_eq (s_meta_string (got, "id"), "m3-1-0");
    ck_assert_str_eq (json_object_to_json_string_ext (json_object_object_get (got->meta, "tags"), JSON_C_TO_STRING_PLAIN),
                      "[\"t0\",\"all\"]");
    ck_assert_int_eq (s_meta_int (got, "time"), 5000);
    ck_assert_int_eq (s_meta_int (got, "block_ms"), 3000);
    ck_assert (!json_object_object_get_ex (got->meta, "sig", NULL));          //  unsigned
    ck_assert (!json_object_object_get_ex (got->meta, "deliveries", NULL));   //  not a group
    ck_assert_uint_eq (zframe_size (got->payload), strlen ("plant/temp 3:1:0"));
    ck_assert_mem_eq (zframe_data (got->payload), "plant/temp 3:1:0", zframe_size (got->payload));
    ck_assert_int_eq (s_stat ("delivered"), 2);
    ck_assert_int_eq (s_stat ("subscriptions"), 1);
    ck_assert_int_eq (s_stat ("redis"), 1);
    free (sub);
}
END_TEST

START_TEST (deliver_from)
{
    //  Heights 1, 2, 3 (block times 1000, 2000, 3000), two events each
    for (uint64_t h = 1; h <= 3; h++)
        s_publish ("plant/temp", h, 0, 2);
    char *first = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST });
    char *last = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_LAST });
    char *now = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_NOW });
    char *event = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_EVENT,
                                                     .event = "2:0:1" });
    char *time = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_TIME, .ms = 2000 });
    char *between = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_TIME, .ms = 2500 });
    char *future = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_TIME, .ms = 99000 });
    //  An event id before every event, and one past the end
    char *early = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_EVENT,
                                                     .event = "1:0:0" });
    char *late = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_EVENT,
                                                    .event = "9:0:0" });
    ck_assert_uint_eq (s_wait (first, 6), 6);
    ck_assert_uint_eq (s_wait (early, 6), 6);
    s_wait_nothing (NULL, 50);
    ck_assert_str_eq (s_events (first), "1:0:0,1:0:1,2:0:0,2:0:1,3:0:0,3:0:1");
    ck_assert_str_eq (s_events (early), "1:0:0,1:0:1,2:0:0,2:0:1,3:0:0,3:0:1");
    ck_assert_str_eq (s_events (last), "3:0:1");
    ck_assert_str_eq (s_events (now), "");
    ck_assert_str_eq (s_events (event), "2:0:1,3:0:0,3:0:1");
    ck_assert_str_eq (s_events (time), "2:0:0,2:0:1,3:0:0,3:0:1");
    ck_assert_str_eq (s_events (between), "3:0:0,3:0:1");
    ck_assert_str_eq (s_events (future), "");
    ck_assert_str_eq (s_events (late), "");

    //  A new block: everyone gets it
    s_publish ("plant/temp", 4, 0, 1);
    const char *subs [] = { first, last, now, event, time, between, future, early };
    for (size_t i = 0; i < sizeof subs / sizeof subs [0]; i++) {
        s_wait (subs [i], 1);
        const char *events = s_events (subs [i]);
        ck_assert_msg (strlen (events) >= 5 && streq (events + strlen (events) - 5, "4:0:0"), "%s: %s", subs [i], events);
    }
    ck_assert_str_eq (s_events (now), "4:0:0");
    ck_assert_str_eq (s_events (future), "4:0:0");
    ck_assert_str_eq (s_events (late), "");     //  9:0:0 and after only

    //  A group's from applies when it is made on the topic
    char *group = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_EVENT,
                                                     .event = "3:0:1", .group = "g" });
    ck_assert_uint_eq (s_wait (group, 2), 2);
    ck_assert_str_eq (s_events (group), "3:0:1,4:0:0");
    char *group_time = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_TIME,
                                                          .ms = 1500, .group = "h" });
    ck_assert_uint_eq (s_wait (group_time, 5), 5);
    ck_assert_str_eq (s_events (group_time), "2:0:0,2:0:1,3:0:0,3:0:1,4:0:0");
    char *group_last = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_LAST,
                                                          .group = "k" });
    ck_assert_uint_eq (s_wait (group_last, 1), 1);
    ck_assert_str_eq (s_events (group_last), "4:0:0");
    char *group_now = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .group = "n" });
    s_wait_nothing (group_now, 30);
    s_publish ("plant/temp", 5, 0, 1);
    ck_assert_uint_eq (s_wait (group_now, 1), 1);
    ck_assert_str_eq (s_events (group_now), "5:0:0");
    //  Joining an existing group resumes it: the from of a later member does not matter
    char *rejoin = s_subscribe ("c", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                      .group = "n" });
    s_wait_nothing (rejoin, 30);

    const char *all [] = { first, last, now, event, time, between, future, early, late, group, group_time,
                           group_last, group_now, rejoin };
    for (size_t i = 0; i < sizeof all / sizeof all [0]; i++)
        free ((char *) all [i]);
}
END_TEST

START_TEST (deliver_wildcards)
{
    char topics [512];
    char *plus = s_subscribe_as ("a", S_DID, &(s_sub_args_t) { .filter = "+/temp", .from = EVENTBUS_FROM_FIRST },
                                 topics, sizeof topics);
    ck_assert_str_eq (topics, "office/temp,plant/temp");
    char *hash = s_subscribe_as ("a", S_DID, &(s_sub_args_t) { .filter = "plant/#", .from = EVENTBUS_FROM_FIRST },
                                 topics, sizeof topics);
    ck_assert_str_eq (topics, "plant/pressure,plant/temp");
    char *all = s_subscribe_as ("a", S_DID, &(s_sub_args_t) { .filter = "#" }, topics, sizeof topics);
    //  secret/plans left out: this DID may not read it; no dead-letter streams either
    ck_assert_str_eq (topics, "office/temp,plant/pressure,plant/temp");
    char *boss = s_subscribe_as ("b", S_BOSS, &(s_sub_args_t) { .filter = "secret/+" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "secret/plans");
    char *none = s_subscribe_as ("a", S_DID, &(s_sub_args_t) { .filter = "secret/#" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "");

    s_publish ("plant/temp", 1, 0, 1);
    s_publish ("plant/pressure", 1, 1, 1);
    s_publish ("office/temp", 2, 0, 1);
    s_publish ("secret/plans", 2, 1, 1);
    ck_assert_uint_eq (s_wait (plus, 2), 2);
    ck_assert_uint_eq (s_wait (hash, 2), 2);
    ck_assert_uint_eq (s_wait (all, 3), 3);
    ck_assert_uint_eq (s_wait (boss, 1), 1);
    s_wait_nothing (NULL, 30);
    ck_assert_str_eq (s_events (plus), "1:0:0,2:0:0");
    ck_assert_str_eq (s_events (hash), "1:0:0,1:1:0");
    ck_assert_uint_eq (s_count (none), 0);
    ck_assert_str_eq (s_events (boss), "2:1:0");

    //  A topic created after the subscriptions
    eventbus_deliver_topic_added (s_deliver, "lab/temp");
    eventbus_deliver_topic_added (s_deliver, "secret/temp");
    s_publish ("lab/temp", 3, 0, 2);
    s_publish ("secret/temp", 3, 1, 1);
    ck_assert_uint_eq (s_wait (plus, 4), 4);
    ck_assert_uint_eq (s_wait (all, 5), 5);
    ck_assert_uint_eq (s_wait (boss, 2), 2);
    s_wait_nothing (NULL, 30);
    ck_assert_str_eq (s_events (plus), "1:0:0,2:0:0,3:0:0,3:0:1");
    ck_assert_str_eq (s_events (hash), "1:0:0,1:1:0");
    ck_assert_uint_eq (s_count (none), 0);     //  secret/temp: still not allowed
    ck_assert_str_eq (s_events (boss), "2:1:0,3:1:0");

    //  A topic that was known already is not taken in twice
    eventbus_deliver_topic_added (s_deliver, "lab/temp");
    s_publish ("lab/temp", 4, 0, 1);
    ck_assert_uint_eq (s_wait (plus, 5), 5);
    s_wait_nothing (plus, 30);

    free (plus);
    free (hash);
    free (all);
    free (boss);
    free (none);
}
END_TEST

START_TEST (deliver_tags)
{
    s_publish ("plant/temp", 1, 0, 4);      //  event i has tags t<i> and all
    char *one = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                   .credit = 2, .tags = { "t1" } });
    char *two = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                   .tags = { "t3", "nope", "t0" } });
    char *every = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                     .tags = { "all" } });
    char *no = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                  .tags = { "nope" } });
    char *group = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                     .group = "g", .tags = { "t2" } });
    ck_assert_uint_eq (s_wait (every, 4), 4);
    ck_assert_uint_eq (s_wait (group, 1), 1);
    s_wait_nothing (NULL, 30);
    ck_assert_str_eq (s_events (one), "1:0:1");
    ck_assert_str_eq (s_events (two), "1:0:0,1:0:3");
    ck_assert_uint_eq (s_count (no), 0);
    ck_assert_str_eq (s_events (group), "1:0:2");
    //  A group acknowledges what its tags leave out: only the delivered event is pending
    redisReply *reply = rf_command ("XPENDING accord:%s:events:plant/temp g", S_CHAIN);
    ck_assert_ptr_nonnull (reply);
    ck_assert_int_eq (reply->element [0]->integer, 1);
    freeReplyObject (reply);
    //  Filtered events use no credit
    s_publish ("plant/temp", 2, 0, 2);
    ck_assert_uint_eq (s_wait (one, 2), 2);
    ck_assert_str_eq (s_events (one), "1:0:1,2:0:1");
    free (one);
    free (two);
    free (every);
    free (no);
    free (group);
}
END_TEST

START_TEST (deliver_credit)
{
    for (uint64_t h = 1; h <= 10; h++)
        s_publish ("plant/temp", h, 0, 1);
    char *sub = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST, .credit = 3 });
    ck_assert_uint_eq (s_wait (sub, 3), 3);
    s_wait_nothing (sub, 50);
    ck_assert_str_eq (s_events (sub), "1:0:0,2:0:0,3:0:0");
    ck_assert_uint_eq (s_credit ("a", sub, 4), 4);
    ck_assert_uint_eq (s_wait (sub, 7), 7);
    s_wait_nothing (sub, 30);
    //  Capped at EVENTBUS_CREDIT_MAX outstanding
    ck_assert_uint_eq (s_credit ("a", sub, EVENTBUS_CREDIT_MAX), EVENTBUS_CREDIT_MAX);
    ck_assert_uint_eq (s_wait (sub, 10), 10);
    ck_assert_uint_eq (s_credit ("a", sub, 5), EVENTBUS_CREDIT_MAX);
    ck_assert_str_eq (s_events (sub), "1:0:0,2:0:0,3:0:0,4:0:0,5:0:0,6:0:0,7:0:0,8:0:0,9:0:0,10:0:0");

    //  Credit 0: nothing until granted; the same for a group member
    char *zero = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                    .zero_credit = 1 });
    char *member = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                      .group = "g", .zero_credit = 1 });
    s_wait_nothing (zero, 30);
    ck_assert_uint_eq (s_count (member), 0);
    s_credit ("a", zero, 2);
    s_credit ("a", member, 2);
    ck_assert_uint_eq (s_wait (zero, 2), 2);
    ck_assert_uint_eq (s_wait (member, 2), 2);
    s_wait_nothing (NULL, 30);
    ck_assert_str_eq (s_events (member), "1:0:0,2:0:0");

    //  Errors
    uint32_t outstanding;
    char err [256];
    ck_assert_int_eq (eventbus_deliver_credit (s_deliver, "b", sub, 1, &outstanding, err, sizeof err), ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (eventbus_deliver_credit (s_deliver, "a", "999", 1, &outstanding, err, sizeof err), ACCORD_E_NOT_FOUND);
    free (sub);
    free (zero);
    free (member);
}
END_TEST

START_TEST (deliver_group_shares)
{
    //  Three consumers, credit 5 each, granting one more per event and acknowledging each
    char *subs [3];
    const char *sessions [] = { "a", "b", "c" };
    for (int i = 0; i < 3; i++)
        subs [i] = s_subscribe (sessions [i], &(s_sub_args_t) { .filter = "plant/temp", .group = "workers",
                                                                .credit = 5, .ack_timeout_ms = 200 });
    ck_assert_int_eq (s_stat ("groups"), 1);
    for (uint64_t h = 1; h <= 10; h++)
        s_publish ("plant/temp", h, 0, 3);
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    size_t done = 0;
    while (s_count (NULL) < 30 && tu_now_ms () < deadline) {
        eventbus_deliver_tick (s_deliver);
        //  Each delivery acknowledged and its credit given back (which may deliver more)
        while (done < s_count (NULL)) {
            s_got_t *got = s_nth (done++);
            ck_assert_uint_eq (s_ack (got->session, got->sub, 0, s_meta_string (got, "event")), 1);
            s_credit (got->session, got->sub, 1);
        }
        zclock_sleep (5);
    }
    ck_assert_uint_eq (s_count (NULL), 30);
    //  Past the ack timeout: nothing comes again
    s_wait_nothing (NULL, 500);
    zhashx_t *events = zhashx_new ();
    for (s_got_t *got = zlistx_first (s_got); got; got = zlistx_next (s_got)) {
        ck_assert_msg (zhashx_insert (events, s_meta_string (got, "event"), got) == 0, "%s twice",
                       s_meta_string (got, "event"));
        ck_assert_int_eq (s_meta_int (got, "deliveries"), 1);
    }
    zhashx_destroy (&events);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg (s_count (subs [i]) > 0, "consumer %s got nothing", sessions [i]);
        //  Each consumer sees the topic's order
        uint64_t previous = 0;
        for (s_got_t *got = zlistx_first (s_got); got; got = zlistx_next (s_got)) {
            if (!streq (got->sub, subs [i]))
                continue;
            uint64_t height;
            uint32_t tx, index;
            ck_assert_int_eq (accord_event_id_parse (s_meta_string (got, "event"), &height, &tx, &index), 0);
            ck_assert (height * 1000 + index > previous);
            previous = height * 1000 + index;
        }
    }
    ck_assert_int_eq (s_stat ("redelivered"), 0);
    redisReply *reply = rf_command ("XPENDING accord:%s:events:plant/temp workers", S_CHAIN);
    ck_assert_int_eq (reply->element [0]->integer, 0);
    freeReplyObject (reply);
    for (int i = 0; i < 3; i++)
        free (subs [i]);
}
END_TEST

START_TEST (deliver_group_redelivers)
{
    //  a takes two events and goes away without acknowledging them
    char *a = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .credit = 2,
                                                 .ack_timeout_ms = 300 });
    char *b = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .zero_credit = 1,
                                                 .ack_timeout_ms = 300 });
    s_publish ("plant/temp", 1, 0, 4);
    ck_assert_uint_eq (s_wait (a, 2), 2);
    ck_assert_str_eq (s_events (a), "1:0:0,1:0:1");
    eventbus_deliver_session_closed (s_deliver, "a");
    ck_assert_int_eq (s_stat ("subscriptions"), 1);
    int64_t closed = tu_now_ms ();
    s_credit ("b", b, 10);
    //  New ones at once (b acknowledges them), a's after its ack timeout, counted as second
    //  deliveries
    ck_assert_uint_eq (s_count (b), 2);
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:2"), 1);
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:3"), 1);
    ck_assert_uint_eq (s_wait (b, 4), 4);
    ck_assert_str_eq (s_events (b), "1:0:2,1:0:3,1:0:0,1:0:1");
    ck_assert_int_ge (tu_now_ms () - closed, 200);
    s_got_t *got = zlistx_last (s_got);
    ck_assert_int_eq (s_meta_int (got, "deliveries"), 2);
    ck_assert_int_eq (s_stat ("redelivered"), 2);
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:0"), 1);
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:1"), 1);
    //  a's consumer (named after its session), emptied by the sweep, leaves the group
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (!streq (s_consumers ("plant/temp", "g"), "~b/2") && tu_now_ms () < deadline) {
        eventbus_deliver_tick (s_deliver);
        zclock_sleep (5);
    }
    ck_assert_str_eq (s_consumers ("plant/temp", "g"), "~b/2");
    //  Acknowledged twice: nothing more to acknowledge
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:0"), 0);
    s_wait_nothing (NULL, 400);

    //  A consumer that comes back under its name gets what it had first
    eventbus_deliver_session_closed (s_deliver, "b");
    char *w = s_subscribe ("c", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .consumer = "w1",
                                                 .credit = 5, .ack_timeout_ms = 60000 });
    s_publish ("plant/temp", 2, 0, 2);
    ck_assert_uint_eq (s_wait (w, 2), 2);
    ck_assert_str_eq (s_consumers ("plant/temp", "g"), "w1");     //  ~b/2 had nothing pending
    eventbus_deliver_session_closed (s_deliver, "c");
    s_publish ("plant/temp", 3, 0, 1);
    char *w_again = s_subscribe ("d", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .consumer = "w1",
                                                       .credit = 5, .ack_timeout_ms = 60000 });
    ck_assert_uint_eq (s_wait (w_again, 3), 3);
    ck_assert_str_eq (s_events (w_again), "2:0:0,2:0:1,3:0:0");
    got = zlistx_first (s_got);
    for (got = zlistx_first (s_got); got; got = zlistx_next (s_got))
        if (streq (got->sub, w_again))
            ck_assert_int_eq (s_meta_int (got, "deliveries"), streq (s_meta_string (got, "event"), "3:0:0") ? 1 : 2);
    free (a);
    free (b);
    free (w);
    free (w_again);
}
END_TEST

START_TEST (deliver_nack)
{
    char *a = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .credit = 1,
                                                 .ack_timeout_ms = 60000 });
    char *b = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .zero_credit = 1,
                                                 .ack_timeout_ms = 60000 });
    s_publish ("plant/temp", 1, 0, 1);
    ck_assert_uint_eq (s_wait (a, 1), 1);
    s_credit ("b", b, 5);
    s_wait_nothing (b, 30);
    //  Long before the ack timeout, a NACK makes it go again: to b, which has credit
    ck_assert_uint_eq (s_ack ("a", a, 1, "1:0:0"), 1);
    ck_assert_uint_eq (s_wait (b, 1), 1);
    ck_assert_str_eq (s_events (b), "1:0:0");
    ck_assert_int_eq (s_meta_int (s_last (), "deliveries"), 2);
    //  NACK of something not pending, ACK then
    ck_assert_uint_eq (s_ack ("a", a, 1, "7:0:0"), 0);
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:0"), 1);
    s_wait_nothing (NULL, 30);

    //  ACK / NACK errors
    size_t acked;
    char err [256];
    const char *events [] = { "1:0:0" };
    char *plain = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp" });
    ck_assert_int_eq (eventbus_deliver_ack (s_deliver, "a", plain, 0, events, 1, &acked, err, sizeof err),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (eventbus_deliver_ack (s_deliver, "b", a, 0, events, 1, &acked, err, sizeof err),
                      ACCORD_E_NOT_FOUND);
    const char *bad [] = { "x", "0:0:0", "" };
    ck_assert_int_eq (eventbus_deliver_ack (s_deliver, "a", a, 1, bad, 3, &acked, err, sizeof err), ACCORD_OK);
    ck_assert_uint_eq (acked, 0);
    free (a);
    free (b);
    free (plain);
}
END_TEST

//  A member that joins re-reads its own pending entries first (none, here); the sweep, due at
//  once since a NACK, claims entries only for a member done with that: what it claimed for a
//  member still re-reading was read again as that member's own and delivered twice (an event
//  twice in a row to `accord sub --group`)
START_TEST (deliver_claim_after_history)
{
    char *a = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .credit = 1,
                                                 .ack_timeout_ms = 60000 });
    s_publish ("plant/temp", 1, 0, 1);
    ck_assert_uint_eq (s_wait (a, 1), 1);
    ck_assert_uint_eq (s_ack ("a", a, 1, "1:0:0"), 1);
    eventbus_deliver_session_closed (s_deliver, "a");
    char *b = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .credit = 5,
                                                 .ack_timeout_ms = 60000 });
    ck_assert_uint_eq (s_wait (b, 1), 1);
    s_wait_nothing (b, 300);
    ck_assert_str_eq (s_events (b), "1:0:0");
    ck_assert_int_eq (s_meta_int (s_last (), "deliveries"), 2);
    ck_assert_uint_eq (s_ack ("b", b, 0, "1:0:0"), 1);
    eventbus_deliver_session_closed (s_deliver, "b");
    //  The same for a consumer back under its name with an entry idle past the ack timeout:
    //  it gets it once, from its own pending entries
    char *w = s_subscribe ("c", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .consumer = "w1",
                                                 .credit = 5, .ack_timeout_ms = 100 });
    s_publish ("plant/temp", 2, 0, 1);
    ck_assert_uint_eq (s_wait (w, 1), 1);
    eventbus_deliver_session_closed (s_deliver, "c");
    int64_t idle = 0, deadline = tu_now_ms () + S_WAIT_MS;
    while (idle <= 100 && tu_now_ms () < deadline) {
        redisReply *reply = rf_command ("XPENDING accord:%s:events:plant/temp g - + 10", S_CHAIN);
        ck_assert (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1);
        idle = reply->element [0]->element [2]->integer;
        freeReplyObject (reply);
        zclock_sleep (5);
    }
    ck_assert_int_gt (idle, 100);
    char *w_again = s_subscribe ("d", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .consumer = "w1",
                                                       .credit = 5, .ack_timeout_ms = 100 });
    ck_assert_uint_eq (s_wait (w_again, 1), 1);
    ck_assert_uint_eq (s_ack ("d", w_again, 0, "2:0:0"), 1);
    s_wait_nothing (NULL, 300);
    ck_assert_str_eq (s_events (w_again), "2:0:0");
    ck_assert_int_eq (s_meta_int (s_last (), "deliveries"), 2);
    free (a);
    free (b);
    free (w);
    free (w_again);
}
END_TEST

START_TEST (deliver_dead_letter)
{
    char topics [256];
    char *dlq = s_subscribe_as ("d", S_DID, &(s_sub_args_t) { .filter = "$/dlq/plant/temp", .from = EVENTBUS_FROM_FIRST },
                                topics, sizeof topics);
    ck_assert_str_eq (topics, "$/dlq/plant/temp");
    char *dlq_all = s_subscribe_as ("d", S_DID, &(s_sub_args_t) { .filter = "$/dlq/#" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "$/dlq/office/temp,$/dlq/plant/pressure,$/dlq/plant/temp");
    char *a = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .group = "g", .credit = 10,
                                                 .ack_timeout_ms = 100, .max_deliveries = 2 });
    s_publish ("plant/temp", 1, 0, 2);
    ck_assert_uint_eq (s_wait (a, 2), 2);
    ck_assert_uint_eq (s_ack ("a", a, 0, "1:0:1"), 1);
    //  1:0:0 is never acknowledged: delivered again after 100 ms, then dead-lettered
    ck_assert_uint_eq (s_wait (dlq, 1), 1);
    ck_assert_str_eq (s_events (a), "1:0:0,1:0:1,1:0:0");
    s_got_t *got = s_last ();
    ck_assert_str_eq (s_meta_string (got, "topic"), "$/dlq/plant/temp");
    ck_assert_str_eq (s_meta_string (got, "id"), "m1-0-0");
    ck_assert_mem_eq (zframe_data (got->payload), "plant/temp 1:0:0", zframe_size (got->payload));
    json_object *dead = json_object_object_get (got->meta, "dead_letter");
    ck_assert_str_eq (json_object_get_string (json_object_object_get (dead, "event")), "1:0:0");
    ck_assert_str_eq (json_object_get_string (json_object_object_get (dead, "group")), "g");
    ck_assert_int_eq (json_object_get_int (json_object_object_get (dead, "deliveries")), 2);
    ck_assert_uint_eq (s_wait (dlq_all, 1), 1);
    ck_assert_int_eq (s_stat ("dead_lettered"), 1);
    s_wait_nothing (a, 300);
    ck_assert_uint_eq (s_count (dlq), 1);
    //  Acknowledged on the topic's group; the entry in the dead-letter stream has every field
    redisReply *reply = rf_command ("XPENDING accord:%s:events:plant/temp g", S_CHAIN);
    ck_assert_int_eq (reply->element [0]->integer, 0);
    freeReplyObject (reply);
    reply = rf_command ("XRANGE accord:%s:events:$/dlq/plant/temp - +", S_CHAIN);
    ck_assert_uint_eq (reply->elements, 1);
    ck_assert_uint_eq (reply->element [0]->element [1]->elements, 20);
    freeReplyObject (reply);

    //  A group on the dead-letter stream acknowledges by the ids it was given
    char *fixer = s_subscribe ("f", &(s_sub_args_t) { .filter = "$/dlq/plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                     .group = "fixers" });
    ck_assert_uint_eq (s_wait (fixer, 1), 1);
    ck_assert_uint_eq (s_ack ("f", fixer, 0, s_meta_string (s_last (), "event")), 1);
    //  A time on a dead-letter stream: when entries came in
    char *recent = s_subscribe ("f", &(s_sub_args_t) { .filter = "$/dlq/plant/temp", .from = EVENTBUS_FROM_TIME,
                                                      .ms = (uint64_t) zclock_time () + 60000 });
    s_wait_nothing (recent, 30);
    char *old = s_subscribe ("f", &(s_sub_args_t) { .filter = "$/dlq/plant/temp", .from = EVENTBUS_FROM_TIME,
                                                   .ms = (uint64_t) zclock_time () - 60000 });
    ck_assert_uint_eq (s_wait (old, 1), 1);

    //  Unknown and not allowed dead-letter streams
    ck_assert_int_eq (s_subscribe_fails ("d", S_DID, &(s_sub_args_t) { .filter = "$/dlq/no/such" }), ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (s_subscribe_fails ("d", S_DID, &(s_sub_args_t) { .filter = "$/dlq/secret/plans" }),
                      ACCORD_E_UNAUTHORIZED);
    free (dlq);
    free (dlq_all);
    free (a);
    free (fixer);
    free (recent);
    free (old);
}
END_TEST

START_TEST (deliver_slow_subscriber)
{
    //  slow has no credit, stuck's client takes nothing: neither holds back fast
    char *slow = s_subscribe ("slow", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                       .zero_credit = 1 });
    char *stuck = s_subscribe ("stuck", &(s_sub_args_t) { .filter = "plant/#", .from = EVENTBUS_FROM_FIRST });
    char *stuck_group = s_subscribe ("stuck", &(s_sub_args_t) { .filter = "plant/temp", .group = "g" });
    char *fast = s_subscribe ("fast", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST });
    snprintf (s_failing, sizeof s_failing, "stuck");
    for (uint64_t h = 1; h <= 20; h++)
        s_publish (h % 2 ? "plant/temp" : "plant/pressure", h, 0, 5);
    ck_assert_uint_eq (s_wait (fast, 50), 50);
    ck_assert_uint_eq (s_count (slow), 0);
    ck_assert_uint_eq (s_count (stuck), 0);
    //  Sends that failed are tried again on later ticks, from where they stopped, in order
    s_failing [0] = 0;
    ck_assert_uint_eq (s_wait (stuck, 100), 100);
    ck_assert_uint_eq (s_wait (stuck_group, 50), 50);
    uint64_t previous [2] = { 0, 0 };
    for (s_got_t *got = zlistx_first (s_got); got; got = zlistx_next (s_got)) {
        if (!streq (got->sub, stuck))
            continue;
        uint64_t height;
        uint32_t tx, index;
        accord_event_id_parse (s_meta_string (got, "event"), &height, &tx, &index);
        uint64_t *last = &previous [height % 2];
        ck_assert (height * 10 + index > *last);
        *last = height * 10 + index;
    }
    //  The group's events went out once each, counted as first deliveries
    for (s_got_t *got = zlistx_first (s_got); got; got = zlistx_next (s_got))
        if (streq (got->sub, stuck_group))
            ck_assert_int_eq (s_meta_int (got, "deliveries"), 1);
    free (slow);
    free (stuck);
    free (stuck_group);
    free (fast);
}
END_TEST

START_TEST (deliver_redis_restart)
{
    s_publish ("plant/temp", 1, 0, 2);
    char *plain = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST });
    char *member = s_subscribe ("b", &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                      .group = "g" });
    ck_assert_uint_eq (s_wait (plain, 2), 2);
    ck_assert_uint_eq (s_wait (member, 2), 2);
    ck_assert_uint_eq (s_ack ("b", member, 0, "1:0:0"), 1);

    rf_kill ();
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (s_stat ("redis") && tu_now_ms () < deadline) {
        eventbus_deliver_tick (s_deliver);
        zclock_sleep (5);
    }
    ck_assert_int_eq (s_stat ("redis"), 0);
    //  Everything fails softly
    size_t acked;
    char err [256];
    const char *events [] = { "1:0:1" };
    ck_assert_int_eq (eventbus_deliver_ack (s_deliver, "b", member, 0, events, 1, &acked, err, sizeof err),
                      ACCORD_E_UNAVAILABLE);
    ck_assert_int_eq (s_subscribe_fails ("c", S_DID, &(s_sub_args_t) { .filter = "plant/temp" }), ACCORD_E_UNAVAILABLE);
    ck_assert_int_eq (s_subscribe_fails ("c", S_DID, &(s_sub_args_t) { .filter = "plant/temp", .from = EVENTBUS_FROM_FIRST,
                                                                       .group = "h" }), ACCORD_E_UNAVAILABLE);
    ck_assert_int_eq (s_stat ("groups"), 1);
    ck_assert_int_eq (s_stat ("subscriptions"), 2);
    ck_assert_uint_eq (s_credit ("a", plain, 1), EVENTBUS_CREDIT_DEFAULT - 1);
    eventbus_deliver_advanced (s_deliver, "plant/temp");
    eventbus_deliver_topic_added (s_deliver, "plant/humidity");
    eventbus_deliver_tick (s_deliver);

    //  Back, empty: the broker indexes again (the old block, and new ones)
    rf_restart ();
    deadline = tu_now_ms () + S_WAIT_MS;
    while (!s_stat ("redis") && tu_now_ms () < deadline) {
        eventbus_deliver_tick (s_deliver);
        zclock_sleep (5);
    }
    ck_assert_int_eq (s_stat ("redis"), 1);
    s_publish ("plant/temp", 1, 0, 2);
    s_publish ("plant/temp", 2, 0, 1);
    s_publish ("plant/humidity", 3, 0, 1);
    ck_assert_uint_eq (s_wait (plain, 3), 3);
    ck_assert_uint_eq (s_wait (member, 3), 3);
    s_wait_nothing (NULL, 30);
    ck_assert_str_eq (s_events (plain), "1:0:0,1:0:1,2:0:0");
    //  The group is made again where it had got to
    ck_assert_str_eq (s_events (member), "1:0:0,1:0:1,2:0:0");
    ck_assert_uint_eq (s_ack ("b", member, 0, "2:0:0"), 1);
    char *later = s_subscribe ("c", &(s_sub_args_t) { .filter = "plant/+", .from = EVENTBUS_FROM_FIRST });
    ck_assert_uint_eq (s_wait (later, 4), 4);

    //  Flushed under a live connection: the group is made again where it had got to
    redisReply *reply = rf_command ("FLUSHALL");
    ck_assert_ptr_nonnull (reply);
    freeReplyObject (reply);
    s_publish ("plant/temp", 1, 0, 2);
    s_publish ("plant/temp", 2, 0, 1);
    s_publish ("plant/temp", 4, 0, 1);
    ck_assert_uint_eq (s_wait (plain, 4), 4);
    ck_assert_uint_eq (s_wait (member, 4), 4);
    s_wait_nothing (member, 30);
    ck_assert_str_eq (s_events (plain), "1:0:0,1:0:1,2:0:0,4:0:0");
    ck_assert_str_eq (s_events (member), "1:0:0,1:0:1,2:0:0,4:0:0");
    ck_assert_uint_eq (s_ack ("b", member, 0, "4:0:0"), 1);
    free (plain);
    free (member);
    free (later);
}
END_TEST

START_TEST (deliver_errors)
{
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "no/such" }), ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "secret/plans" }), ACCORD_E_UNAUTHORIZED);
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "$/other/plant/temp" }),
                      ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "a/#/b" }), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "" }), ACCORD_E_INVALID_ARGUMENT);
    char *boss = s_subscribe_as ("a", S_BOSS, &(s_sub_args_t) { .filter = "secret/plans" }, NULL, 0);

    //  The node does not answer: a name fails; a filter leaves the topic out until it answers
    s_node_down = 1;
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "plant/temp" }), ACCORD_E_UNAVAILABLE);
    char topics [256];
    char *wild = s_subscribe_as ("a", S_DID, &(s_sub_args_t) { .filter = "plant/+", .from = EVENTBUS_FROM_FIRST },
                                 topics, sizeof topics);
    ck_assert_str_eq (topics, "");
    s_publish ("plant/temp", 1, 0, 1);
    s_wait_nothing (wild, 30);
    s_node_down = 0;
    ck_assert_uint_eq (s_wait (wild, 1), 1);

    //  Unsubscribe, and sessions
    char err [256];
    ck_assert_int_eq (eventbus_deliver_unsubscribe (s_deliver, "b", wild, err, sizeof err), ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (eventbus_deliver_unsubscribe (s_deliver, "a", wild, err, sizeof err), ACCORD_OK);
    ck_assert_int_eq (eventbus_deliver_unsubscribe (s_deliver, "a", wild, err, sizeof err), ACCORD_E_NOT_FOUND);
    s_publish ("plant/temp", 2, 0, 1);
    s_wait_nothing (wild, 30);
    char *member = s_subscribe ("c", &(s_sub_args_t) { .filter = "plant/temp", .group = "g" });
    ck_assert_int_eq (s_stat ("subscriptions"), 2);
    ck_assert_int_eq (s_stat ("groups"), 1);
    eventbus_deliver_session_closed (s_deliver, "c");
    eventbus_deliver_session_closed (s_deliver, "nobody");
    ck_assert_int_eq (s_stat ("subscriptions"), 1);
    ck_assert_int_eq (s_stat ("groups"), 0);
    ck_assert_int_eq (eventbus_deliver_unsubscribe (s_deliver, "c", member, err, sizeof err), ACCORD_E_NOT_FOUND);
    //  Topics that are not names are not taken in
    eventbus_deliver_topic_added (s_deliver, "bad topic");
    eventbus_deliver_topic_added (s_deliver, "$/dlq/x");
    eventbus_deliver_topic_added (s_deliver, NULL);
    ck_assert_int_eq (s_subscribe_fails ("a", S_DID, &(s_sub_args_t) { .filter = "$/dlq/x" }), ACCORD_E_NOT_FOUND);
    //  A Redis endpoint that is not one
    eventbus_deliver_hooks_t hooks = { s_send_hook, s_may_hook, NULL };
    ck_assert_ptr_null (eventbus_deliver_new ("nonsense", S_CHAIN, &hooks));
    hooks.may_subscribe = NULL;
    ck_assert_ptr_null (eventbus_deliver_new (rf_endpoint (), S_CHAIN, &hooks));
    free (boss);
    free (wild);
    free (member);
}
END_TEST

//  What "ACC1" "END" said of session's subscription sub: "code message", or "" when none came.
static const char *
s_end_of (const char *session, const char *sub)
{
    static char text [512];
    char key [64];
    snprintf (key, sizeof key, "%s/%s ", session, sub);
    const char *found = strstr (s_ended, key);
    text [0] = 0;
    if (found && (found == s_ended || found [-1] == '|'))
        snprintf (text, sizeof text, "%.*s", (int) strcspn (found + strlen (key), "|"), found + strlen (key));
    return text;
}

START_TEST (deliver_topic_updated)
{
    char topics [512], err [256];
    uint32_t outstanding;
    //  S_DID reads plant/temp by name, with a filter, its dead-letter stream, in a group; the
    //  boss by name; S_DID also reads office/temp
    char *name = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/temp" });
    char *filter = s_subscribe_as ("a", S_DID, &(s_sub_args_t) { .filter = "plant/#" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "plant/pressure,plant/temp");
    char *dlq = s_subscribe ("a", &(s_sub_args_t) { .filter = "$/dlq/plant/temp" });
    char *group = s_subscribe ("g", &(s_sub_args_t) { .filter = "plant/temp", .group = "grp" });
    char *boss = s_subscribe_as ("b", S_BOSS, &(s_sub_args_t) { .filter = "plant/temp" }, NULL, 0);
    char *office = s_subscribe ("c", &(s_sub_args_t) { .filter = "office/temp" });
    s_publish ("plant/temp", 2, 0, 1);
    ck_assert_uint_eq (s_wait (NULL, 4), 4);
    ck_assert_int_eq (s_stat ("subscriptions"), 6);

    //  An update that changes nothing for them ends nothing
    eventbus_deliver_topic_updated (s_deliver, "plant/temp");
    ck_assert_str_eq (s_ended, "");

    //  The owner leaves S_DID out: each of its subscriptions on the topic ends, with the reason
    strcpy (s_revoked, "plant/temp");
    eventbus_deliver_topic_updated (s_deliver, "plant/temp");
    const char *subs [] = { name, filter, dlq }, *want = "unauthorized the topic plant/temp was updated: "
                                                        S_DID " may not read plant/temp";
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq (s_end_of ("a", subs [i]), want);
    ck_assert_str_eq (s_end_of ("g", group), want);
    ck_assert_str_eq (s_end_of ("b", boss), "");
    ck_assert_str_eq (s_end_of ("c", office), "");
    ck_assert_int_eq (s_stat ("subscriptions"), 2);
    ck_assert_int_eq (eventbus_deliver_credit (s_deliver, "a", name, 1, &outstanding, err, sizeof err), ACCORD_E_NOT_FOUND);
    //  What comes next goes to the boss alone
    size_t before = s_count (NULL);
    s_publish ("plant/temp", 3, 0, 1);
    s_publish ("office/temp", 3, 1, 1);
    ck_assert_uint_eq (s_wait (NULL, before + 2), before + 2);
    s_wait_nothing (NULL, 30);
    ck_assert_str_eq (s_events (boss), "2:0:0,3:0:0");
    ck_assert_str_eq (s_events (office), "3:1:0");

    //  The node does not answer at the update: the topic waits (nothing delivered); a refusal
    //  once it answers ends the subscription as well
    char *pressure = s_subscribe ("a", &(s_sub_args_t) { .filter = "plant/pressure" });
    s_node_down = 1;
    eventbus_deliver_topic_updated (s_deliver, "plant/pressure");
    s_publish ("plant/pressure", 4, 0, 1);
    s_wait_nothing (NULL, 100);
    ck_assert_uint_eq (s_count (pressure), 0);
    ck_assert_str_eq (s_end_of ("a", pressure), "");
    s_node_down = 0;
    strcpy (s_revoked, "plant/pressure");
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (!*s_end_of ("a", pressure) && tu_now_ms () < deadline) {
        eventbus_deliver_tick (s_deliver);
        zclock_sleep (5);
    }
    ck_assert_str_eq (s_end_of ("a", pressure), "unauthorized the topic plant/pressure was updated: "
                                                S_DID " may not read plant/pressure");
    ck_assert_uint_eq (s_count (pressure), 0);

    //  ... and an answer that allows goes on from where it was: nothing ends, nothing is lost
    s_revoked [0] = 0;
    char *resumed = s_subscribe ("r", &(s_sub_args_t) { .filter = "office/temp" });
    s_node_down = 1;
    eventbus_deliver_topic_updated (s_deliver, "office/temp");
    s_publish ("office/temp", 5, 0, 1);
    s_wait_nothing (resumed, 100);
    ck_assert_uint_eq (s_count (resumed), 0);
    s_node_down = 0;
    ck_assert_uint_eq (s_wait (resumed, 1), 1);
    ck_assert_str_eq (s_events (resumed), "5:0:0");
    ck_assert_str_eq (s_end_of ("r", resumed), "");

    //  A filter that left a topic out (its DID could not read it) takes it in once allowed,
    //  placed as at subscribe (here: new events)
    strcpy (s_revoked, "office/temp");
    char *later = s_subscribe_as ("s", S_DID, &(s_sub_args_t) { .filter = "+/temp" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "plant/temp");
    s_revoked [0] = 0;
    eventbus_deliver_topic_updated (s_deliver, "office/temp");
    s_publish ("office/temp", 6, 0, 1);
    ck_assert_uint_eq (s_wait (later, 1), 1);
    s_wait_nothing (later, 30);
    ck_assert_str_eq (s_events (later), "6:0:0");
    ck_assert_str_eq (s_end_of ("s", later), "");
    //  A topic the module did not know yet is taken in as a new one
    char *lab = s_subscribe_as ("t", S_DID, &(s_sub_args_t) { .filter = "lab/#" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "");
    eventbus_deliver_topic_updated (s_deliver, "lab/temp");
    s_publish ("lab/temp", 7, 0, 1);
    ck_assert_uint_eq (s_wait (lab, 1), 1);
    ck_assert_str_eq (s_events (lab), "7:0:0");
    //  A filter whose topics could not be asked at subscribe (the node silent) is not ended by
    //  an update that refuses one: that topic is left out, as at subscribe; the others come
    s_node_down = 1;
    char *unasked = s_subscribe_as ("u", S_DID, &(s_sub_args_t) { .filter = "plant/+" }, topics, sizeof topics);
    ck_assert_str_eq (topics, "");
    s_node_down = 0;
    strcpy (s_revoked, "plant/pressure");
    eventbus_deliver_topic_updated (s_deliver, "plant/pressure");
    s_publish ("plant/pressure", 8, 0, 1);
    s_publish ("plant/temp", 8, 1, 1);
    ck_assert_uint_eq (s_wait (unasked, 1), 1);
    s_wait_nothing (unasked, 30);
    ck_assert_str_eq (s_events (unasked), "8:1:0");
    ck_assert_str_eq (s_end_of ("u", unasked), "");
    //  Not topic names: nothing happens
    eventbus_deliver_topic_updated (s_deliver, NULL);
    eventbus_deliver_topic_updated (s_deliver, "bad topic");
    ck_assert_int_eq (s_stat ("subscriptions"), 6);     //  boss, office, resumed, later, lab, unasked

    free (name);
    free (filter);
    free (dlq);
    free (group);
    free (boss);
    free (office);
    free (pressure);
    free (resumed);
    free (later);
    free (lab);
    free (unasked);
}
END_TEST

Suite *
test_deliver_suite (void)
{
    Suite *suite = suite_create ("deliver");
    TCase *tc = tcase_create ("redis");
    tcase_set_timeout (tc, 60);
    tcase_add_unchecked_fixture (tc, rf_up, rf_down);
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_add_test (tc, deliver_meta);
    tcase_add_test (tc, deliver_from);
    tcase_add_test (tc, deliver_wildcards);
    tcase_add_test (tc, deliver_tags);
    tcase_add_test (tc, deliver_credit);
    tcase_add_test (tc, deliver_group_shares);
    tcase_add_test (tc, deliver_group_redelivers);
    tcase_add_test (tc, deliver_nack);
    tcase_add_test (tc, deliver_claim_after_history);
    tcase_add_test (tc, deliver_dead_letter);
    tcase_add_test (tc, deliver_slow_subscriber);
    tcase_add_test (tc, deliver_redis_restart);
    tcase_add_test (tc, deliver_errors);
    tcase_add_test (tc, deliver_topic_updated);
    suite_add_tcase (suite, tc);
    return suite;
}
