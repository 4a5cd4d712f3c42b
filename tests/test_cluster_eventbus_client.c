/*  The event bus client (accord/eventbus.h) and `accord pub` / `accord sub` against the real
    brokers of a real four-member network (nodes, brokers and Redis started by `accord net
    start`): a topic made through a broker, events published at member1 with the library
    arrive at member2 in order with every field (signatures checked against the publisher's
    DID document); the tool as a user runs it; and a broker killed with SIGKILL while a client
    publishes asynchronously, then started again: the client makes a new session, sends again
    what was not answered, every publish is answered once, and the topic's stream holds every
    event once. */
#include "clusterfx.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/eventbus.h"
#include "accord/json.h"
#include "accord/wire.h"
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_TIMEOUT_MS 20000
#define S_TOPIC      "plant/line-3/temp"

//  --------------------------------------------------------------------------
//  Brokers

//  Starts member k's broker (as `accord net start` does for a member whose node runs) and
//  waits until it answers
static void
s_broker_start (int k)
{
    ck_assert_int_eq (cl_accord (NULL, "net start %s --member member%d", cl_dir, k), 0);
    cl_wait_broker (k);
}

//  SIGKILL, and waits until it is gone
static void
s_broker_kill (int k)
{
    pid_t pid = cl_service_pid (k, "eventbus");
    ck_assert_int_gt (pid, 0);
    ck_assert_int_eq (kill (pid, SIGKILL), 0);
    int64_t deadline = tu_now_ms () + CL_WAIT_MS;
    while (kill (pid, 0) == 0 && tu_now_ms () < deadline)
        usleep (10 * 1000);
    ck_assert_msg (kill (pid, 0) != 0, "member%d's broker survived SIGKILL", k);
}

//  --------------------------------------------------------------------------
//  Clients

static char s_alice_key [PATH_MAX];
static char *s_alice;

//  The network, Alice (a DID made at member1) and the topics. Only the accord tool runs here,
//  in the runner's process: ZeroMQ does not survive the fork of each test.
static void
s_network_up (void)
{
    cl_network_up ();
    s_alice = cl_did_create (1, "alice", s_alice_key);
    const char *topics [] = { S_TOPIC, "plant/kill" };
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq (cl_accord (NULL, "topic create %s --key %s --subscribers '*' --member %s", topics [i],
                                     s_alice_key, cl_member (1)), 0);
}

static void
s_network_down (void)
{
    cl_network_down ();
    free (s_alice);
    s_alice = NULL;
}

static accord_eventbus_t *
s_connect (int k, accord_key_t *key)
{
    return cl_eventbus_connect (k, key, S_TIMEOUT_MS);
}

//  At the start of each test: every member has what member1 committed, every broker answers
static void
s_ready (void)
{
    int64_t height = cl_height (1);
    for (int k = 1; k <= CL_MEMBERS; k++) {
        ck_assert_int_ge (cl_wait_height (k, height), height);
        ck_assert_msg (cl_broker_answers (k), "member%d's broker does not answer (net start starts it)", k);
    }
}

typedef struct {
    int count;
    char ids [5000][ACCORD_EVENT_ID_TEXT_MAX];
    char payloads [5000][24];
    int bad;                            //  an event whose fields are not what was published
    json_object *doc;                   //  the publisher's DID document, for signatures
    int signatures;
} s_seen_t;

static void
s_on_event (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    (void) bus;
    (void) sub;
    s_seen_t *seen = arg;
    if (seen->count < 5000) {
        snprintf (seen->ids [seen->count], ACCORD_EVENT_ID_TEXT_MAX, "%s", event->id);
        snprintf (seen->payloads [seen->count], 24, "%.*s", (int) (event->payload_len < 23 ? event->payload_len : 23),
                  (const char *) event->payload);
    }
    seen->count++;
    if (strcmp (event->publisher, s_alice) || !event->block_ms)
        seen->bad++;
    if (event->has_sig) {
        //  What a subscriber does with a signed event: the digest, the publisher's document
        accord_event_t signed_event = { .publisher = event->publisher, .id = event->message_id,
                                        .tag_count = event->tag_count, .payload = (uint8_t *) event->payload,
                                        .payload_len = event->payload_len, .has_time = event->has_time,
                                        .time_ms = event->time_ms };
        for (size_t i = 0; i < event->tag_count; i++)
            signed_event.tags [i] = event->tags [i];
        uint8_t digest [ACCORD_HASH_SIZE];
        accord_event_digest (digest, event->topic, &signed_event);
        if (seen->doc && accord_did_verify_assertion (seen->doc, digest, event->sig) == 0)
            seen->signatures++;
        else
            seen->bad++;
    }
}

//  A consumer that never manages: each event NACKed
static void
s_on_event_nack (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    ((s_seen_t *) arg)->count++;
    ck_assert_int_eq (accord_eventbus_nack (bus, sub, event->id), ACCORD_OK);
}

//  A dead letter: what it was
typedef struct {
    int count;
    char event [ACCORD_EVENT_ID_TEXT_MAX], group [32], payload [32];
    uint32_t deliveries;
} s_dead_t;

static void
s_on_dead (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    (void) bus;
    (void) sub;
    s_dead_t *dead = arg;
    dead->count++;
    snprintf (dead->event, sizeof dead->event, "%s", event->dead_event ? event->dead_event : "");
    snprintf (dead->group, sizeof dead->group, "%s", event->dead_group ? event->dead_group : "");
    snprintf (dead->payload, sizeof dead->payload, "%.*s", (int) event->payload_len, (const char *) event->payload);
    dead->deliveries = event->dead_deliveries;
}

static void
s_poll_until (accord_eventbus_t *bus, s_seen_t *seen, int count)
{
    int64_t deadline = tu_now_ms () + 60000;
    while (seen->count < count && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 100), 0);
    ck_assert_msg (seen->count == count, "%d events, want %d", seen->count, count);
}

//  1 when event id a comes before b on the chain
static int
s_before (const char *a, const char *b)
{
    uint64_t ha, hb;
    uint32_t ta, tb, ia, ib;
    ck_assert_int_eq (accord_event_id_parse (a, &ha, &ta, &ia), 0);
    ck_assert_int_eq (accord_event_id_parse (b, &hb, &tb, &ib), 0);
    return ha < hb || (ha == hb && (ta < tb || (ta == tb && ia < ib)));
}

typedef struct {
    int calls [5000];
    int codes [5000];
    char ids [5000][ACCORD_EVENT_ID_TEXT_MAX];
    int done;
} s_results_t;

typedef struct {
    s_results_t *results;
    int index;
} s_slot_t;

static void
s_on_published (accord_eventbus_t *bus, int code, const char *result, const char *message_id, void *arg)
{
    (void) bus;
    (void) message_id;
    s_slot_t *slot = arg;
    slot->results->calls [slot->index]++;
    slot->results->codes [slot->index] = code;
    snprintf (slot->results->ids [slot->index], ACCORD_EVENT_ID_TEXT_MAX, "%s", code == ACCORD_OK ? result : "");
    if (code != ACCORD_OK)
        fprintf (stderr, "publish %d: %s: %s\n", slot->index, accord_err_name (code), result);
    slot->results->done++;
}

//  --------------------------------------------------------------------------

START_TEST (library_publish_at_one_member_receive_at_another)
{
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key), *subscriber = s_connect (2, key);
    ck_assert_str_eq (accord_eventbus_did (publisher), s_alice);
    ck_assert_str_eq (accord_eventbus_chain_id (publisher), "accord-local");
    //  The broker's own calls
    json_object *reply = NULL;
    ck_assert_int_eq (accord_eventbus_status (subscriber, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "service"), "accord-eventbus");
    ck_assert_str_eq (accord_json_get_string (reply, "did"), s_alice);
    json_object_put (reply);
    ck_assert_int_eq (accord_eventbus_topic_info (subscriber, S_TOPIC, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "owner"), s_alice);
    json_object_put (reply);
    ck_assert_int_eq (accord_eventbus_topic_info (subscriber, "plant/none", &reply), ACCORD_E_NOT_FOUND);
    json_object *query = json_object_new_object ();
    json_object_object_add (query, "prefix", json_object_new_string ("plant/"));
    ck_assert_int_eq (accord_eventbus_topic_list (subscriber, query, &reply), ACCORD_OK);
    ck_assert_uint_eq (json_object_array_length (accord_json_get_array (reply, "topics")), 2);     //  (before line-4)
    json_object_put (reply);
    json_object_put (query);
    //  The owner makes a topic and changes it through the broker: the receipts come back
    json_object *call = json_object_new_object (), *receipt = NULL;
    json_object_object_add (call, "name", json_object_new_string ("plant/line-4/temp"));
    ck_assert_msg (accord_eventbus_topic_create (publisher, key, call, &receipt) == ACCORD_OK, "topic create: %s",
                   accord_eventbus_errstr (publisher));
    ck_assert_str_eq (accord_json_get_string (receipt, "status"), "ok");
    json_object_put (receipt);
    ck_assert_int_eq (accord_eventbus_topic_create (publisher, key, call, &receipt), ACCORD_E_CONFLICT);
    json_object_object_add (call, "description", json_object_new_string ("line 4"));
    ck_assert_int_eq (accord_eventbus_topic_update (publisher, key, call, &receipt), ACCORD_OK);
    json_object_put (receipt);
    json_object_put (call);
    ck_assert_int_eq (accord_eventbus_topic_info (publisher, "plant/line-4/temp", &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "description"), "line 4");
    json_object_put (reply);
    cl_wait_height (2, cl_height (1));
    //  Subscribed at member2 before anything is published
    s_seen_t *seen = calloc (1, sizeof *seen);
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "did resolve %s --member %s --json", s_alice, cl_member (2)), 0);
    seen->doc = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    accord_eventbus_sub_opts_t opts = { .filter = "plant/+/temp", .credit = 20, .auto_credit = 1 };
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (subscriber, &opts, s_on_event, seen);
    ck_assert_msg (sub != NULL, "subscribe: %s", accord_eventbus_errstr (subscriber));
    ck_assert_uint_eq (json_object_array_length (accord_eventbus_sub_topics (sub)), 2);
    //  300 at member1, many in flight, tagged, every tenth signed
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t *slots = calloc (300, sizeof *slots);
    for (int i = 0; i < 300; i++) {
        char payload [24];
        snprintf (payload, sizeof payload, "n%d", i);
        const char *tags [] = { i % 2 ? "odd" : "even" };
        accord_eventbus_pub_opts_t pub = { .tags = tags, .tag_count = 1, .has_time = 1, .time_ms = 1700000000000 + i,
                                           .sign_key = i % 10 ? NULL : key };
        slots [i] = (s_slot_t) { results, i };
        ck_assert_int_eq (accord_eventbus_publish_async (publisher, S_TOPIC, payload, strlen (payload), &pub,
                                                         s_on_published, &slots [i]), ACCORD_OK);
    }
    ck_assert_int_eq (accord_eventbus_flush (publisher, 60000), ACCORD_OK);
    for (int i = 0; i < 300; i++)
        ck_assert_int_eq (results->codes [i], ACCORD_OK);
    //  At member2: all of them, in the order they were published, with their fields
    s_poll_until (subscriber, seen, 300);
    for (int i = 0; i < 300; i++) {
        char payload [24];
        snprintf (payload, sizeof payload, "n%d", i);
        ck_assert_str_eq (seen->payloads [i], payload);
        ck_assert_str_eq (seen->ids [i], results->ids [i]);
        ck_assert (i == 0 || s_before (seen->ids [i - 1], seen->ids [i]));
    }
    ck_assert_int_eq (seen->bad, 0);
    ck_assert_int_eq (seen->signatures, 30);
    //  Sync: the id the chain holds it at
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    accord_eventbus_pub_opts_t named = { .id = "reading-1" };
    ck_assert_int_eq (accord_eventbus_publish (publisher, S_TOPIC, "42", 2, &named, id), ACCORD_OK);
    ck_assert_int_eq (cl_accord (&out, "event get %s --member %s --json", id, cl_member (3)), 0);
    json_object *event = accord_json_parse (out, strlen (out), NULL, 0);
    ck_assert_str_eq (accord_json_get_string (event, "message_id"), "reading-1");
    json_object_put (event);
    free (out);
    //  Refusals from the broker
    ck_assert_int_eq (accord_eventbus_publish (publisher, "plant/none", "x", 1, NULL, id), ACCORD_E_NOT_FOUND);
    accord_key_t *other = accord_key_new ();
    accord_eventbus_pub_opts_t forged = { .sign_key = other };
    ck_assert_int_eq (accord_eventbus_publish (publisher, S_TOPIC, "x", 1, &forged, id), ACCORD_E_BAD_SIGNATURE);
    accord_key_destroy (&other);
    ck_assert_uint_eq (accord_eventbus_sessions (publisher), 1);
    s_poll_until (subscriber, seen, 301);
    //  A group that gives up on an event: after max_deliveries it is a dead letter, which a
    //  subscription to the topic's dead-letter stream reads
    s_seen_t *nacked = calloc (1, sizeof *nacked);
    accord_eventbus_sub_opts_t failing = { .filter = S_TOPIC, .group = "fails", .from = id, .max_deliveries = 1,
                                           .ack_timeout_ms = 100, .auto_credit = 1 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (subscriber, &failing, s_on_event_nack, nacked));
    s_poll_until (subscriber, nacked, 1);
    s_dead_t dead = { 0 };
    accord_eventbus_sub_opts_t letters = { .filter = "$/dlq/" S_TOPIC, .from = "first" };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (subscriber, &letters, s_on_dead, &dead));
    int64_t deadline = tu_now_ms () + 30000;
    while (!dead.count && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (subscriber, 100), 0);
    ck_assert_int_eq (dead.count, 1);
    ck_assert_str_eq (dead.event, id);
    ck_assert_str_eq (dead.group, "fails");
    ck_assert_str_eq (dead.payload, "42");
    ck_assert_uint_eq (dead.deliveries, 1);
    ck_assert_int_eq (nacked->count, 1);
    free (nacked);
    json_object_put (seen->doc);
    free (seen);
    free (slots);
    free (results);
    accord_eventbus_destroy (&subscriber);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

static char *
s_path (const char *name)
{
    static char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", cl_dir, name);
    return path;
}

START_TEST (cli_pub_and_sub_as_a_user)
{
    s_ready ();
    FILE *file = fopen (s_path ("lines.txt"), "w");
    for (int i = 0; i < 500; i++)
        fprintf (file, "reading %d\n", i);
    fclose (file);
    char *out = NULL;
    int rc = cl_accord (&out, "pub %s --key %s --member %s --tag cli < %s", S_TOPIC, s_alice_key, cl_member (1),
                        s_path ("lines.txt"));
    ck_assert_msg (rc == 0, "pub: %d %s", rc, out);
    char *ids [500], *save = NULL;
    int count = 0;
    for (char *line = strtok_r (out, "\n", &save); line && count < 500; line = strtok_r (NULL, "\n", &save))
        ids [count++] = line;
    ck_assert_int_eq (count, 500);
    //  Another member, from the first of them: "ID PAYLOAD" per line, in order
    char *sub = NULL;
    rc = cl_accord (&sub, "sub 'plant/#' --key %s --member %s --from %s --count 500 --tag cli", s_alice_key,
                    cl_member (3), ids [0]);
    ck_assert_msg (rc == 0, "sub: %d", rc);
    char *line = sub;
    for (int i = 0; i < 500; i++) {
        char want [96];
        int len = snprintf (want, sizeof want, "%s reading %d\n", ids [i], i);
        ck_assert_msg (strncmp (line, want, (size_t) len) == 0, "line %d: %.60s, want %s", i, line, want);
        line += len;
    }
    ck_assert_str_eq (line, "");
    free (sub);
    //  A group: two runs share the events, each taking up where the group is
    for (int run = 0; run < 2; run++) {
        rc = cl_accord (&sub, "sub %s --key %s --member %s --from %s --count 3 --group readers --json", S_TOPIC,
                        s_alice_key, cl_member (4), ids [0]);
        ck_assert_int_eq (rc, 0);
        char *next = NULL;
        int i = 0;
        for (char *item = strtok_r (sub, "\n", &next); item; item = strtok_r (NULL, "\n", &next), i++) {
            json_object *event = accord_json_parse (item, strlen (item), NULL, 0);
            ck_assert_ptr_nonnull (event);
            ck_assert_str_eq (accord_json_get_string (event, "id"), ids [3 * run + i]);
            ck_assert_str_eq (accord_json_get_string (event, "publisher"), s_alice);
            ck_assert_str_eq (accord_json_get_string (event, "topic"), S_TOPIC);
            ck_assert_str_eq (json_object_get_string (json_object_array_get_idx (accord_json_get_array (event, "tags"), 0)),
                              "cli");
            uint8_t *payload = NULL;
            size_t len = 0;
            const char *text = accord_json_get_string (event, "payload");
            ck_assert_int_eq (accord_base64url_decode (&payload, &len, text, strlen (text)), 0);
            char want [32];
            snprintf (want, sizeof want, "reading %d", 3 * run + i);
            ck_assert_str_eq ((char *) payload, want);
            free (payload);
            json_object_put (event);
        }
        ck_assert_int_eq (i, 3);
        free (sub);
    }
    //  Each run was sent only what it printed (--count caps the credit) and acknowledged it:
    //  nothing of the group waits for an ack timeout
    redisReply *pending = cl_redis_command (4, "XPENDING accord:accord-local:events:%s readers", S_TOPIC);
    ck_assert (pending && pending->type == REDIS_REPLY_ARRAY && pending->elements >= 1);
    ck_assert_int_eq (pending->element [0]->integer, 0);
    freeReplyObject (pending);
    //  One event from the command line, signed
    rc = cl_accord (&sub, "pub %s 'one more' --key %s --member %s --sign --id cli-1", S_TOPIC, s_alice_key, cl_member (2));
    ck_assert_int_eq (rc, 0);
    free (sub);
    //  What a user gets wrong: exit 1, a reason on stderr
    ck_assert_int_eq (cl_accord (NULL, "pub plant/none x --key %s --member %s", s_alice_key, cl_member (1)), 1);
    ck_assert_int_eq (cl_accord (NULL, "sub plant/none --key %s --member %s --count 1", s_alice_key, cl_member (1)), 1);
    char *errors = cl_errors ();
    ck_assert_ptr_nonnull (strstr (errors, "not_found"));
    free (errors);
    free (out);
}
END_TEST

//  The broker killed while a client publishes asynchronously, then started again
START_TEST (broker_killed_during_async_publishing)
{
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key), *listener = s_connect (2, key);
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "plant/kill", .credit = 500, .auto_credit = 1 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (listener, &opts, s_on_event, seen));
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (publisher, 200), 0);
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t *slots = calloc (4000, sizeof *slots);
    int killed = 0;
    for (int i = 0; i < 4000; i++) {
        if (!killed && results->done >= 1000) {
            //  Some answered, some waiting for their block, some not sent yet
            s_broker_kill (1);
            s_broker_start (1);
            killed = 1;
        }
        char payload [24];
        snprintf (payload, sizeof payload, "k%d", i);
        slots [i] = (s_slot_t) { results, i };
        ck_assert_int_eq (accord_eventbus_publish_async (publisher, "plant/kill", payload, strlen (payload), NULL,
                                                         s_on_published, &slots [i]), ACCORD_OK);
        if (i % 100 == 0)
            ck_assert_int_ge (accord_eventbus_poll (listener, 0), 0);
    }
    ck_assert (killed);
    ck_assert_int_eq (accord_eventbus_flush (publisher, 60000), ACCORD_OK);
    //  Every publish answered once, with its event id
    zhashx_t *ids = zhashx_new ();
    for (int i = 0; i < 4000; i++) {
        ck_assert_msg (results->calls [i] == 1, "publish %d answered %d times", i, results->calls [i]);
        ck_assert_int_eq (results->codes [i], ACCORD_OK);
        ck_assert_msg (zhashx_insert (ids, results->ids [i], (void *) 1) == 0, "event id %s twice", results->ids [i]);
    }
    zhashx_destroy (&ids);
    ck_assert_uint_eq (accord_eventbus_sessions (publisher), 2);
    //  The listener at member2: each event once, in chain order; nothing more after
    s_poll_until (listener, seen, 4000);
    zhashx_t *payloads = zhashx_new ();
    for (int i = 0; i < 4000; i++) {
        ck_assert_msg (zhashx_insert (payloads, seen->payloads [i], (void *) 1) == 0, "%s delivered twice",
                       seen->payloads [i]);
        ck_assert (i == 0 || s_before (seen->ids [i - 1], seen->ids [i]));
    }
    zhashx_destroy (&payloads);
    ck_assert_int_eq (accord_eventbus_poll (listener, 500), 0);
    //  The stream of the restarted broker's member, read from the first event: each once
    char *out = NULL;
    int rc = cl_accord (&out, "sub plant/kill --key %s --member %s --from first --count 4000 --credit 5000",
                        s_alice_key, cl_member (1));
    ck_assert_int_eq (rc, 0);
    zhashx_t *lines = zhashx_new ();
    int count = 0;
    char *save = NULL;
    for (char *line = strtok_r (out, "\n", &save); line; line = strtok_r (NULL, "\n", &save), count++) {
        char *space = strchr (line, ' ');
        ck_assert_ptr_nonnull (space);
        ck_assert_msg (zhashx_insert (lines, space + 1, (void *) 1) == 0, "%s twice in the stream", space + 1);
    }
    ck_assert_int_eq (count, 4000);
    zhashx_destroy (&lines);
    free (out);
    free (slots);
    free (results);
    free (seen);
    accord_eventbus_destroy (&listener);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

Suite *
test_cluster_eventbus_client_suite (void)
{
    Suite *suite = suite_create ("cluster_eventbus_client");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 300);
    tcase_add_unchecked_fixture (tc, s_network_up, s_network_down);
    tcase_add_test (tc, library_publish_at_one_member_receive_at_another);
    tcase_add_test (tc, cli_pub_and_sub_as_a_user);
    tcase_add_test (tc, broker_killed_during_async_publishing);
    suite_add_tcase (suite, tc);
    return suite;
}
