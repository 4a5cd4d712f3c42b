/*  What the broker does when things go wrong, on a real four-member network (nodes, identity
    services and brokers started by `accord net start`) sharing a redis-server of the test's
    own; member1's broker runs with eventbus_session_idle_ms = S_IDLE_MS.

    - A client that authenticated and then says nothing past the idle time loses its session:
      its subscription stops, a request answers `unauthorized` (no session), a PING answers
      `"session": false`; HELLO and AUTH make a new one. A library client that keeps polling
      PINGs often enough (a third of the idle time the broker gave at HELLO) and keeps its
      session; one that stops polling is forgotten, and once it runs again it notices (PING),
      makes a new session, subscribes again and receives what was published meanwhile, once.
    - Redis killed (SIGKILL) under live brokers: publishes are still answered, STATUS says
      Redis is down, subscribers get nothing and stay subscribed; Redis back empty on the same
      port, the index is rebuilt from the chain and a plain subscriber receives every event
      published during the outage, in order, each once.
    - topic.update taking a DID off a topic's subscribers ends that DID's subscriptions on the
      topic at every broker ("ACC1" "END" sub "unauthorized" ..., the library's notify
      callback), name and filter alike; other readers go on. */
#include "clusterfx.h"
#include "redisfx.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/eventbus.h"
#include "accord/json.h"
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_TIMEOUT_MS 20000
#define S_IDLE_MS    2000           //  member1's broker
#define S_IDLE       "robust/idle"
#define S_OUTAGE     "robust/outage"
#define S_REVOKE     "robust/revoke"

//  --------------------------------------------------------------------------
//  A raw client (clusterfx's cl_raw_t), which may have deliveries coming

//  One request and its answer ("OK" or the error code, static), deliveries before it dropped;
//  the OK body in *json when json is not NULL (caller puts); the error's message in message.
static const char *
s_raw_call (cl_raw_t *self, const char *command, const char *body, json_object **json, char *message, size_t size)
{
    static char result [32];
    uint32_t id = cl_raw_send (self, command, body, NULL, 0);
    cl_reply_t reply;
    do {
        ck_assert_msg (cl_raw_receive (self, &reply, S_TIMEOUT_MS) == 0, "%s: no answer", command);
        if (streq (reply.status, "EVENT") || streq (reply.status, "END"))
            json_object_put (reply.json);
    } while (streq (reply.status, "EVENT") || streq (reply.status, "END"));
    ck_assert_uint_eq (reply.id, id);
    snprintf (result, sizeof result, "%s", streq (reply.status, "OK") ? "OK" : reply.code);
    if (message)
        snprintf (message, size, "%s", reply.message);
    if (json)
        *json = reply.json;
    else
        json_object_put (reply.json);
    return result;
}

//  SUBSCRIBE filter from "now": the subscription id (static copy); *topics the topics matched
//  when not NULL (caller puts).
static const char *
s_raw_subscribe (cl_raw_t *self, const char *filter, json_object **topics)
{
    static char sub [64];
    char body [256];
    snprintf (body, sizeof body, "{\"filter\":\"%s\",\"credit\":1000}", filter);
    json_object *reply = NULL;
    ck_assert_str_eq (s_raw_call (self, "SUBSCRIBE", body, &reply, NULL, 0), "OK");
    snprintf (sub, sizeof sub, "%s", accord_json_get_string (reply, "sub"));
    if (topics)
        *topics = json_object_get (accord_json_get_array (reply, "topics"));
    json_object_put (reply);
    return sub;
}

//  The next delivery within S_TIMEOUT_MS (the test fails otherwise): its message id (static).
static const char *
s_raw_event (cl_raw_t *self, const char *sub)
{
    static char id [64];
    cl_reply_t reply;
    ck_assert_msg (cl_raw_receive (self, &reply, S_TIMEOUT_MS) == 0, "no delivery");
    ck_assert_msg (streq (reply.status, "EVENT"), "%s %s %s instead of a delivery", reply.status, reply.code,
                   reply.message);
    ck_assert_str_eq (reply.sub, sub);
    snprintf (id, sizeof id, "%s", accord_json_get_string (reply.json, "id"));
    json_object_put (reply.json);
    return id;
}

//  Nothing arrives within timeout_ms (called once what should have come already did elsewhere).
static void
s_raw_nothing (cl_raw_t *self, int timeout_ms)
{
    cl_reply_t reply;
    int rc = cl_raw_receive (self, &reply, timeout_ms);
    ck_assert_msg (rc == -1, "unexpected %s (%s %s %s)", reply.status, reply.sub, reply.code,
                   reply.json ? json_object_to_json_string (reply.json) : "");
}

//  --------------------------------------------------------------------------
//  Brokers

//  The STATUS of member k's broker (caller puts).
static json_object *
s_broker_status (int k)
{
    cl_raw_t raw;
    cl_raw_connect (&raw, k);
    json_object *status = NULL;
    ck_assert_str_eq (s_raw_call (&raw, "STATUS", NULL, &status, NULL, 0), "OK");
    cl_raw_close (&raw);
    return status;
}

static int64_t
s_status_int (json_object *status, const char *object, const char *key)
{
    json_object *in = object ? accord_json_get_object (status, object) : status;
    return json_object_get_int64 (json_object_object_get (in, key));
}

static int
s_status_bool (json_object *status, const char *object, const char *key)
{
    json_object *in = object ? accord_json_get_object (status, object) : status;
    return json_object_get_boolean (json_object_object_get (in, key));
}

//  How many times the brokers rebuilt the index, in all (they share the test's Redis: the
//  first to find it empty rebuilds it for all).
static int64_t
s_rebuilds (void)
{
    int64_t total = 0;
    for (int k = 1; k <= CL_MEMBERS; k++) {
        json_object *status = s_broker_status (k);
        total += s_status_int (status, NULL, "rebuilds");
        json_object_put (status);
    }
    return total;
}

//  Waits until member k's broker has `subscriptions` subscriptions (the test fails otherwise),
//  polling bus (may be NULL) meanwhile so that it keeps its session.
static void
s_wait_subscriptions (int k, int64_t subscriptions, accord_eventbus_t *bus)
{
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS, now = -1;
    while (tu_now_ms () < deadline) {
        json_object *status = s_broker_status (k);
        now = s_status_int (status, NULL, "subscriptions");
        json_object_put (status);
        if (now == subscriptions)
            return;
        if (bus)
            ck_assert_int_ge (accord_eventbus_poll (bus, 50), 0);
        else
            usleep (50 * 1000);
    }
    ck_abort_msg ("member%d's broker has %lld subscriptions, want %lld", k, (long long) now, (long long) subscriptions);
}

//  SIGTERM to member k's broker, and waits until it is gone
static void
s_broker_stop (int k)
{
    pid_t pid = cl_service_pid (k, "eventbus");
    ck_assert_int_gt (pid, 0);
    ck_assert_int_eq (kill (pid, SIGTERM), 0);
    int64_t deadline = tu_now_ms () + CL_WAIT_MS;
    while (kill (pid, 0) == 0 && tu_now_ms () < deadline)
        usleep (10 * 1000);
    ck_assert_msg (kill (pid, 0) != 0, "member%d's broker did not stop", k);
}

//  Member k's config.json gets key = value (JSON text); the broker is started again with it
//  (`accord net start` waits until it answers).
static void
s_broker_reconfigure (int k, const char *key, const char *value)
{
    char path [PATH_MAX], err [256];
    snprintf (path, sizeof path, "%s/config.json", cl_member (k));
    json_object *config = accord_json_load (path, err, sizeof err);
    ck_assert_msg (config != NULL, "%s", err);
    json_object_object_add (config, key, accord_json_parse (value, strlen (value), NULL, 0));
    struct stat info;
    ck_assert_int_eq (stat (path, &info), 0);
    ck_assert_int_eq (accord_json_save (config, path, (int) (info.st_mode & 0777)), 0);
    json_object_put (config);
    s_broker_stop (k);
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member%d", cl_dir, k), 0);
}

//  --------------------------------------------------------------------------
//  The network, its Redis, the actors

static char s_alice [ACCORD_DID_MAX], s_bob [ACCORD_DID_MAX];
static char s_alice_path [PATH_MAX], s_bob_path [PATH_MAX];

//  Only processes run here (the accord tool), in the runner's process: ZeroMQ does not
//  survive the fork of each test.
static void
s_up (void)
{
    rf_up ();
    char options [128];
    snprintf (options, sizeof options, "--redis %s", rf_endpoint ());
    cl_network_up_with (options);
    char *alice = cl_did_create (2, "alice", s_alice_path), *bob = cl_did_create (2, "bob", s_bob_path);
    snprintf (s_alice, sizeof s_alice, "%s", alice);
    snprintf (s_bob, sizeof s_bob, "%s", bob);
    free (alice);
    free (bob);
    const char *topics [] = { S_IDLE, S_OUTAGE };
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq (cl_accord (NULL, "topic create %s --key %s --publishers %s --subscribers '*' --member %s",
                                     topics [i], s_alice_path, s_alice, cl_member (2)), 0);
    ck_assert_int_eq (cl_accord (NULL, "topic create %s --key %s --publishers %s --subscribers %s,%s --member %s",
                                 S_REVOKE, s_alice_path, s_alice, s_alice, s_bob, cl_member (2)), 0);
    char idle [16];
    snprintf (idle, sizeof idle, "%d", S_IDLE_MS);
    s_broker_reconfigure (1, "eventbus_session_idle_ms", idle);
}

static void
s_down (void)
{
    cl_network_down ();
    rf_down ();
}

//  Each test begins when every member has what member2 committed (the topics) and every
//  broker answers.
static void
s_ready (void)
{
    int64_t height = cl_height (2);
    for (int k = 1; k <= CL_MEMBERS; k++) {
        ck_assert_int_ge (cl_wait_height (k, height), height);
        cl_wait_broker (k);
        //  ... with Redis, for the index and for delivery (a test before may have killed it)
        int64_t deadline = zclock_mono () + S_TIMEOUT_MS;
        int up = 0;
        while (!up && zclock_mono () < deadline) {
            json_object *status = s_broker_status (k);
            up = s_status_bool (status, NULL, "redis") && s_status_bool (status, "deliver", "redis");
            json_object_put (status);
            if (!up)
                zclock_sleep (50);
        }
        ck_assert_msg (up, "member%d's broker has no Redis", k);
    }
}

//  --------------------------------------------------------------------------
//  Library clients

typedef struct {
    int count;
    char ids [64][64];                  //  message ids, in the order the callback saw them
} s_seen_t;

static void
s_on_event (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    (void) bus;
    (void) sub;
    s_seen_t *seen = arg;
    if (seen->count < 64)
        snprintf (seen->ids [seen->count], sizeof seen->ids [0], "%s", event->message_id);
    seen->count++;
}

//  A group member that acknowledges each event as it comes
static void
s_on_event_ack (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    s_on_event (bus, sub, event, arg);
    ck_assert_int_eq (accord_eventbus_ack (bus, sub, event->id), ACCORD_OK);
}

typedef struct {
    int count;
    accord_eventbus_sub_t *subs [16];
    int codes [16];
    char messages [16][384];
} s_notes_t;

static void
s_on_notify (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, int code, const char *message, void *arg)
{
    (void) bus;
    s_notes_t *notes = arg;
    if (notes->count < 16) {
        notes->subs [notes->count] = sub;
        notes->codes [notes->count] = code;
        snprintf (notes->messages [notes->count], sizeof notes->messages [0], "%s", message);
    }
    notes->count++;
}

static accord_eventbus_t *
s_bus (int k, accord_key_t *key, s_notes_t *notes)
{
    accord_eventbus_t *bus = cl_eventbus_connect (k, key, S_TIMEOUT_MS);
    if (notes)
        accord_eventbus_set_notify (bus, s_on_notify, notes);
    return bus;
}

static accord_eventbus_sub_t *
s_subscribe (accord_eventbus_t *bus, const char *filter, s_seen_t *seen)
{
    accord_eventbus_sub_opts_t opts = { .filter = filter, .auto_credit = 1 };
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (bus, &opts, s_on_event, seen);
    ck_assert_msg (sub != NULL, "subscribe %s: %s", filter, accord_eventbus_errstr (bus));
    return sub;
}

//  Runs bus until seen has count events (the test fails after S_TIMEOUT_MS).
static void
s_poll_until (accord_eventbus_t *bus, s_seen_t *seen, int count)
{
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS;
    while (seen->count < count && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 100), 0);
    ck_assert_msg (seen->count >= count, "%d events, want %d", seen->count, count);
}

static void
s_on_published (accord_eventbus_t *bus, int code, const char *result, const char *message_id, void *arg)
{
    (void) bus;
    ck_assert_msg (code == ACCORD_OK, "publish %s: %s", message_id, result);
    *(int *) arg = 1;
}

//  Publishes message id on topic with bus and waits for its event id, running also (may be
//  NULL) meanwhile: a client at member1 must run to keep its session.
static void
s_publish_running (accord_eventbus_t *bus, const char *topic, const char *id, accord_eventbus_t *also)
{
    int done = 0;
    accord_eventbus_pub_opts_t opts = { .id = id };
    ck_assert_int_eq (accord_eventbus_publish_async (bus, topic, id, strlen (id), &opts, s_on_published, &done),
                      ACCORD_OK);
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS;
    while (!done && tu_now_ms () < deadline) {
        ck_assert_int_ge (accord_eventbus_poll (bus, also ? 20 : 100), 0);
        if (also)
            ck_assert_int_ge (accord_eventbus_poll (also, 20), 0);
    }
    ck_assert_msg (done, "publish %s: no answer", id);
}

static void
s_publish (accord_eventbus_t *bus, const char *topic, const char *id)
{
    s_publish_running (bus, topic, id, NULL);
}

//  --------------------------------------------------------------------------
//  Idle sessions

START_TEST (a_silent_session_is_forgotten)
{
    s_ready ();
    accord_key_t *alice_key = accord_key_load (s_alice_path), *bob_key = accord_key_load (s_bob_path);
    accord_eventbus_t *publisher = s_bus (2, alice_key, NULL);
    //  What earlier tests left at member1 ends with their sessions
    s_wait_subscriptions (1, 0, NULL);

    //  bob, raw: HELLO says the idle time; he subscribes, then says nothing
    cl_raw_t raw;
    cl_raw_connect (&raw, 1);
    int64_t idle_ms = 0;
    json_object *hello = NULL;
    ck_assert_str_eq (cl_raw_auth (&raw, 1, s_bob, bob_key, 0, &hello), "OK");
    ck_assert_int_eq (accord_json_get_int64 (hello, "session_idle_ms", 1, INT64_MAX, &idle_ms), 0);
    json_object_put (hello);
    ck_assert_int_eq (idle_ms, S_IDLE_MS);
    char sub [64];
    snprintf (sub, sizeof sub, "%s", s_raw_subscribe (&raw, S_IDLE, NULL));
    int64_t silent_since = tu_now_ms ();
    //  bob with the library, who keeps running his client
    s_notes_t notes = { 0 };
    s_seen_t seen = { 0 };
    accord_eventbus_t *keeper = s_bus (1, bob_key, &notes);
    s_subscribe (keeper, S_IDLE, &seen);
    s_publish_running (publisher, S_IDLE, "idle-1", keeper);
    ck_assert_str_eq (s_raw_event (&raw, sub), "idle-1");
    s_poll_until (keeper, &seen, 1);

    //  The raw session goes after the idle time, not before; the keeper's stays
    s_wait_subscriptions (1, 1, keeper);
    ck_assert_int_ge (tu_now_ms () - silent_since, S_IDLE_MS);
    s_publish_running (publisher, S_IDLE, "idle-2", keeper);
    s_poll_until (keeper, &seen, 2);
    s_raw_nothing (&raw, 300);
    //  Twice the idle time more of the keeper running: still its first session
    int64_t until = tu_now_ms () + 2 * S_IDLE_MS;
    while (tu_now_ms () < until)
        ck_assert_int_ge (accord_eventbus_poll (keeper, 100), 0);
    s_publish_running (publisher, S_IDLE, "idle-3", keeper);
    s_poll_until (keeper, &seen, 3);
    ck_assert_uint_eq (accord_eventbus_sessions (keeper), 1);
    ck_assert_int_eq (notes.count, 0);
    ck_assert_str_eq (seen.ids [0], "idle-1");
    ck_assert_str_eq (seen.ids [1], "idle-2");
    ck_assert_str_eq (seen.ids [2], "idle-3");

    //  What the forgotten client is told: unauthorized (no session), PING "session": false
    char body [128], message [512];
    snprintf (body, sizeof body, "{\"sub\":\"%s\",\"credit\":5}", sub);
    ck_assert_str_eq (s_raw_call (&raw, "CREDIT", body, NULL, message, sizeof message), "unauthorized");
    ck_assert_msg (strstr (message, "no session"), "%s", message);
    json_object *pong = NULL;
    ck_assert_str_eq (s_raw_call (&raw, "PING", NULL, &pong, NULL, 0), "OK");
    ck_assert (json_object_is_type (json_object_object_get (pong, "session"), json_type_boolean));
    ck_assert (!json_object_get_boolean (json_object_object_get (pong, "session")));
    json_object_put (pong);
    //  A new session, a new subscription: deliveries again
    ck_assert_str_eq (cl_raw_auth (&raw, 1, s_bob, bob_key, 0, NULL), "OK");
    ck_assert_str_eq (s_raw_call (&raw, "PING", NULL, &pong, NULL, 0), "OK");
    ck_assert (json_object_get_boolean (json_object_object_get (pong, "session")));
    json_object_put (pong);
    snprintf (sub, sizeof sub, "%s", s_raw_subscribe (&raw, S_IDLE, NULL));
    s_publish (publisher, S_IDLE, "idle-4");
    ck_assert_str_eq (s_raw_event (&raw, sub), "idle-4");

    cl_raw_close (&raw);
    accord_eventbus_destroy (&keeper);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&alice_key);
    accord_key_destroy (&bob_key);
}
END_TEST

START_TEST (a_forgotten_library_client_comes_back)
{
    s_ready ();
    accord_key_t *alice_key = accord_key_load (s_alice_path), *bob_key = accord_key_load (s_bob_path);
    accord_eventbus_t *publisher = s_bus (2, alice_key, NULL);
    s_wait_subscriptions (1, 0, NULL);
    s_notes_t notes = { 0 };
    s_seen_t seen = { 0 };
    accord_eventbus_t *sleeper = s_bus (1, bob_key, &notes);
    s_subscribe (sleeper, S_IDLE, &seen);
    s_publish_running (publisher, S_IDLE, "back-1", sleeper);
    s_poll_until (sleeper, &seen, 1);

    //  The client does not run (a process stopped, a long pause): its session is forgotten,
    //  and what is published meanwhile is not delivered to it
    s_wait_subscriptions (1, 0, NULL);
    s_publish (publisher, S_IDLE, "back-2");
    ck_assert_int_eq (seen.count, 1);
    //  Running again: a PING finds the session gone; a new one, the subscription made again
    //  from the last event it had; what it missed comes, once, then what is new
    s_poll_until (sleeper, &seen, 2);
    s_publish_running (publisher, S_IDLE, "back-3", sleeper);
    s_poll_until (sleeper, &seen, 3);
    ck_assert_int_eq (seen.count, 3);
    ck_assert_str_eq (seen.ids [0], "back-1");
    ck_assert_str_eq (seen.ids [1], "back-2");
    ck_assert_str_eq (seen.ids [2], "back-3");
    ck_assert_uint_eq (accord_eventbus_sessions (sleeper), 2);
    ck_assert_int_eq (notes.count, 2);
    ck_assert_int_eq (notes.codes [0], ACCORD_E_UNAVAILABLE);
    ck_assert_msg (strstr (notes.messages [0], "no longer knows the session"), "%s", notes.messages [0]);
    ck_assert_int_eq (notes.codes [1], ACCORD_OK);
    s_wait_subscriptions (1, 1, sleeper);

    accord_eventbus_destroy (&sleeper);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&alice_key);
    accord_key_destroy (&bob_key);
}
END_TEST

//  --------------------------------------------------------------------------
//  Redis killed

START_TEST (redis_killed_under_live_brokers)
{
    s_ready ();
    //  BEFORE events with Redis up; LIVE sent just before it is killed (some may be indexed);
    //  DURING while it is down; one more once it is back
    enum { BEFORE = 5, LIVE = 10, DURING = 5, ALL = BEFORE + LIVE + DURING + 1 };
    accord_key_t *alice_key = accord_key_load (s_alice_path), *bob_key = accord_key_load (s_bob_path);
    accord_eventbus_t *publisher = s_bus (4, alice_key, NULL);
    //  bob reads at member2 (raw: what the broker sends) and at member3 (the library)
    cl_raw_t raw;
    cl_raw_connect (&raw, 2);
    ck_assert_str_eq (cl_raw_auth (&raw, 2, s_bob, bob_key, 0, NULL), "OK");
    char sub [64], id [32];
    snprintf (sub, sizeof sub, "%s", s_raw_subscribe (&raw, S_OUTAGE, NULL));
    s_seen_t seen = { 0 }, group_seen = { 0 };
    accord_eventbus_t *reader = s_bus (3, bob_key, NULL);
    s_subscribe (reader, S_OUTAGE, &seen);
    //  and as a member of a group at member2, acknowledging what he reads
    accord_eventbus_t *member = s_bus (2, bob_key, NULL);
    accord_eventbus_sub_opts_t group_opts = { .filter = S_OUTAGE, .group = "outage", .auto_credit = 1 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (member, &group_opts, s_on_event_ack, &group_seen));
    for (int i = 0; i < BEFORE; i++) {
        snprintf (id, sizeof id, "o-%d", i);
        s_publish (publisher, S_OUTAGE, id);
        ck_assert_str_eq (s_raw_event (&raw, sub), id);
    }
    s_poll_until (reader, &seen, BEFORE);
    s_poll_until (member, &group_seen, BEFORE);
    ck_assert_int_eq (accord_eventbus_flush (member, S_TIMEOUT_MS), ACCORD_OK);     //  acknowledged
    int64_t rebuilds = s_rebuilds ();
    pid_t pids [CL_MEMBERS + 1];
    for (int k = 1; k <= CL_MEMBERS; k++)
        pids [k] = cl_service_pid (k, "eventbus");

    //  Redis killed while bob is receiving and events are on their way: every publish is
    //  answered all the same (the chain has them), and so are those sent while it is down
    int answered [LIVE] = { 0 };
    for (int i = 0; i < LIVE; i++) {
        snprintf (id, sizeof id, "o-%d", BEFORE + i);
        accord_eventbus_pub_opts_t opts = { .id = id };
        ck_assert_int_eq (accord_eventbus_publish_async (publisher, S_OUTAGE, id, strlen (id), &opts, s_on_published,
                                                         &answered [i]), ACCORD_OK);
    }
    snprintf (id, sizeof id, "o-%d", BEFORE);
    ck_assert_str_eq (s_raw_event (&raw, sub), id);
    rf_kill ();
    ck_assert_int_eq (accord_eventbus_flush (publisher, S_TIMEOUT_MS), ACCORD_OK);
    for (int i = 0; i < LIVE; i++)
        ck_assert (answered [i]);
    for (int i = BEFORE + LIVE; i < BEFORE + LIVE + DURING; i++) {
        snprintf (id, sizeof id, "o-%d", i);
        s_publish (publisher, S_OUTAGE, id);
    }
    //  STATUS says so, at the follower and at delivery; bob's subscriptions are still there
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS;
    int down = 0;
    while (!down && tu_now_ms () < deadline) {
        json_object *status = s_broker_status (2);
        down = !s_status_bool (status, NULL, "redis") && !s_status_bool (status, "deliver", "redis");
        if (down)
            ck_assert_int_eq (s_status_int (status, NULL, "subscriptions"), 2);
        json_object_put (status);
        if (!down)
            usleep (50 * 1000);
    }
    ck_assert_msg (down, "member2's STATUS does not say that Redis is down");
    //  What was indexed before the kill came (in order); then nothing: nothing is indexed
    int next = BEFORE + 1;
    cl_reply_t reply;
    while (cl_raw_receive (&raw, &reply, 300) == 0) {
        ck_assert_str_eq (reply.status, "EVENT");
        snprintf (id, sizeof id, "o-%d", next++);
        ck_assert_str_eq (accord_json_get_string (reply.json, "id"), id);
        json_object_put (reply.json);
    }
    ck_assert_int_le (next, BEFORE + LIVE);
    //  A new subscription that needs Redis to place its start is told to try again
    cl_raw_t other;
    cl_raw_connect (&other, 2);
    ck_assert_str_eq (cl_raw_auth (&other, 2, s_bob, bob_key, 0, NULL), "OK");
    char message [512];
    ck_assert_str_eq (s_raw_call (&other, "SUBSCRIBE", "{\"filter\":\"" S_OUTAGE "\"}", NULL, message, sizeof message),
                      "unavailable");
    ck_assert_msg (strstr (message, "Redis"), "%s", message);
    cl_raw_close (&other);

    //  Redis back, empty: the index is rebuilt from the chain and the plain subscriber gets
    //  the rest, in order, once (its cursor is where it was: no repeats), then what is new
    rf_restart ();
    for (; next < BEFORE + LIVE + DURING; next++) {
        snprintf (id, sizeof id, "o-%d", next);
        ck_assert_str_eq (s_raw_event (&raw, sub), id);
    }
    snprintf (id, sizeof id, "o-%d", ALL - 1);
    s_publish (publisher, S_OUTAGE, id);
    ck_assert_str_eq (s_raw_event (&raw, sub), id);
    s_poll_until (reader, &seen, ALL);
    ck_assert_int_eq (seen.count, ALL);
    for (int i = 0; i < ALL; i++) {
        snprintf (id, sizeof id, "o-%d", i);
        ck_assert_str_eq (seen.ids [i], id);
    }
    //  The group: each event at least once (one delivered and not yet acknowledged when Redis
    //  went would not come again: the group is made again past what this broker had read), in
    //  the order of first delivery. Here each came once.
    s_poll_until (member, &group_seen, ALL);
    ck_assert_int_eq (group_seen.count, ALL);
    for (int i = 0; i < ALL; i++) {
        snprintf (id, sizeof id, "o-%d", i);
        ck_assert_str_eq (group_seen.ids [i], id);
    }
    json_object *status = s_broker_status (2);
    ck_assert (s_status_bool (status, NULL, "redis") && s_status_bool (status, "deliver", "redis"));
    json_object_put (status);
    ck_assert_int_gt (s_rebuilds (), rebuilds);
    //  No broker died or was started again meanwhile
    for (int k = 1; k <= CL_MEMBERS; k++) {
        ck_assert_int_eq (cl_service_pid (k, "eventbus"), pids [k]);
        ck_assert_int_eq (kill (pids [k], 0), 0);
    }

    cl_raw_close (&raw);
    accord_eventbus_destroy (&member);
    accord_eventbus_destroy (&reader);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&alice_key);
    accord_key_destroy (&bob_key);
}
END_TEST

//  --------------------------------------------------------------------------
//  A reader taken off a topic

START_TEST (topic_update_ends_a_revoked_reader)
{
    s_ready ();
    accord_key_t *alice_key = accord_key_load (s_alice_path), *bob_key = accord_key_load (s_bob_path);
    accord_eventbus_t *publisher = s_bus (2, alice_key, NULL);
    //  bob reads at member4 with the library, at member3 raw (the topic's name and a filter);
    //  alice reads at member3
    s_notes_t notes = { 0 };
    s_seen_t bob_seen = { 0 }, alice_seen = { 0 };
    accord_eventbus_t *bob = s_bus (4, bob_key, &notes);
    accord_eventbus_sub_t *bob_sub = s_subscribe (bob, S_REVOKE, &bob_seen);
    cl_raw_t raw;
    cl_raw_connect (&raw, 3);
    ck_assert_str_eq (cl_raw_auth (&raw, 3, s_bob, bob_key, 0, NULL), "OK");
    char by_name [64], by_filter [64];
    snprintf (by_name, sizeof by_name, "%s", s_raw_subscribe (&raw, S_REVOKE, NULL));
    json_object *topics = NULL;
    snprintf (by_filter, sizeof by_filter, "%s", s_raw_subscribe (&raw, "robust/+", &topics));
    ck_assert_uint_eq (json_object_array_length (topics), 3);
    json_object_put (topics);
    accord_eventbus_t *alice = s_bus (3, alice_key, NULL);
    s_subscribe (alice, S_REVOKE, &alice_seen);
    s_publish (publisher, S_REVOKE, "r-1");
    s_poll_until (bob, &bob_seen, 1);
    s_poll_until (alice, &alice_seen, 1);
    cl_reply_t reply;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq (cl_raw_receive (&raw, &reply, S_TIMEOUT_MS), 0);
        ck_assert_str_eq (reply.status, "EVENT");
        ck_assert_str_eq (accord_json_get_string (reply.json, "id"), "r-1");
        json_object_put (reply.json);
    }

    //  alice, the owner, leaves bob out of the readers
    json_object *call = json_object_new_object (), *readers = json_object_new_array (), *receipt = NULL;
    json_object_array_add (readers, json_object_new_string (s_alice));
    json_object_object_add (call, "name", json_object_new_string (S_REVOKE));
    json_object_object_add (call, "subscribers", readers);
    ck_assert_int_eq (accord_eventbus_topic_update (publisher, alice_key, call, &receipt), ACCORD_OK);
    json_object_put (call);
    json_object_put (receipt);

    //  member3 ends both of bob's subscriptions there: END sub unauthorized, naming him
    int ended = 0;
    while (ended < 2) {
        ck_assert_msg (cl_raw_receive (&raw, &reply, S_TIMEOUT_MS) == 0, "%d END of 2", ended);
        ck_assert_msg (streq (reply.status, "END"), "%s instead of END", reply.status);
        ck_assert_msg (streq (reply.sub, by_name) || streq (reply.sub, by_filter), "END of %s", reply.sub);
        ck_assert_str_eq (reply.code, "unauthorized");
        ck_assert_msg (strstr (reply.message, s_bob) && strstr (reply.message, S_REVOKE), "%s", reply.message);
        ended++;
    }
    //  member4 ends the library's: its notify callback says so, for that subscription
    int64_t deadline = tu_now_ms () + S_TIMEOUT_MS;
    while (notes.count == 0 && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bob, 100), 0);
    ck_assert_int_eq (notes.count, 1);
    ck_assert_ptr_eq (notes.subs [0], bob_sub);
    ck_assert_int_eq (notes.codes [0], ACCORD_E_UNAUTHORIZED);
    ck_assert_msg (strstr (notes.messages [0], S_REVOKE), "%s", notes.messages [0]);

    //  alice goes on reading; bob gets nothing more
    s_publish (publisher, S_REVOKE, "r-2");
    s_poll_until (alice, &alice_seen, 2);
    ck_assert_str_eq (alice_seen.ids [1], "r-2");
    s_raw_nothing (&raw, 300);
    ck_assert_int_ge (accord_eventbus_poll (bob, 300), 0);
    ck_assert_int_eq (bob_seen.count, 1);
    ck_assert_int_eq (notes.count, 1);
    //  The subscriptions are gone; bob may not subscribe to the topic again, and a filter
    //  leaves it out
    char body [128];
    snprintf (body, sizeof body, "{\"sub\":\"%s\",\"credit\":5}", by_name);
    ck_assert_str_eq (s_raw_call (&raw, "CREDIT", body, NULL, NULL, 0), "not_found");
    ck_assert_str_eq (s_raw_call (&raw, "SUBSCRIBE", "{\"filter\":\"" S_REVOKE "\"}", NULL, NULL, 0), "unauthorized");
    s_raw_subscribe (&raw, "robust/+", &topics);
    ck_assert_uint_eq (json_object_array_length (topics), 2);
    for (size_t i = 0; i < 2; i++)
        ck_assert_str_ne (json_object_get_string (json_object_array_get_idx (topics, i)), S_REVOKE);
    json_object_put (topics);
    ck_assert_int_eq (accord_eventbus_unsubscribe (bob, &bob_sub), ACCORD_OK);

    cl_raw_close (&raw);
    accord_eventbus_destroy (&alice);
    accord_eventbus_destroy (&bob);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&alice_key);
    accord_key_destroy (&bob_key);
}
END_TEST

Suite *
test_cluster_eventbus_recovery_suite (void)
{
    Suite *suite = suite_create ("cluster_eventbus_recovery");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 120);
    tcase_add_unchecked_fixture (tc, s_up, s_down);
    tcase_add_test (tc, a_silent_session_is_forgotten);
    tcase_add_test (tc, a_forgotten_library_client_comes_back);
    tcase_add_test (tc, redis_killed_under_live_brokers);
    tcase_add_test (tc, topic_update_ends_a_revoked_reader);
    suite_add_tcase (suite, tc);
    return suite;
}
