/*  What a subscriber sees from the event bus, on a real four-member network (nodes, brokers
    and Redis at every member, started by `accord net start`), through the client library as
    an application uses it: events published at member1, read at members 2 and 3.
      - filters with + and #, and tags: exactly the matching events, in each topic's order;
      - replay from first, last, an event id, a time and now;
      - a consumer group of three at member2's broker: each event to exactly one, none lost;
        a group is a member's (kept in its broker's Redis): the group of the same name at
        member3 is another group, which gets every event too;
      - a group consumer killed (SIGKILL) before acknowledging: another consumer of the group,
        at the same broker, gets its events again (deliveries >= 2);
      - a slow subscriber (credit 1, never more) does not hold back another one. */
#include "clusterfx.h"
#include "accord/config.h"
#include "accord/event.h"
#include "accord/eventbus.h"
#include "accord/json.h"
#include "accord/wire.h"
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_TIMEOUT_MS 20000
#define S_WAIT_MS    30000          //  how long a test waits for what it expects
#define S_QUIET_MS   500            //  how long it polls to see that nothing more comes
#define S_MAX        1000

static char s_alice_key [PATH_MAX];
static char *s_alice;

//  --------------------------------------------------------------------------
//  The network: once for the suite. Only the accord tool runs here, in the runner's process
//  (ZeroMQ does not survive the fork of each test).

static void
s_network_up (void)
{
    cl_network_up ();
    s_alice = cl_did_create (1, "alice", s_alice_key);
    const char *topics [] = { "a/x/t", "a/y/t", "b/t", "replay/t", "group/t", "killed/t", "slow/t" };
    for (size_t i = 0; i < sizeof topics / sizeof topics [0]; i++)
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
        cl_wait_broker (k);
    }
}

//  --------------------------------------------------------------------------
//  What a subscriber saw

typedef struct {
    int count;
    int ack;                            //  acknowledge each event (group subscriptions)
    char ids [S_MAX][ACCORD_EVENT_ID_TEXT_MAX];
    char topics [S_MAX][32];
    char payloads [S_MAX][24];
    uint32_t deliveries [S_MAX];
    uint64_t block_ms [S_MAX];
} s_seen_t;

static s_seen_t *
s_seen_new (int ack)
{
    s_seen_t *seen = calloc (1, sizeof *seen);
    ck_assert_ptr_nonnull (seen);
    seen->ack = ack;
    return seen;
}

static void
s_on_event (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    s_seen_t *seen = arg;
    if (seen->count < S_MAX) {
        int i = seen->count;
        snprintf (seen->ids [i], ACCORD_EVENT_ID_TEXT_MAX, "%s", event->id);
        snprintf (seen->topics [i], sizeof seen->topics [i], "%s", event->topic);
        snprintf (seen->payloads [i], sizeof seen->payloads [i], "%.*s",
                  (int) (event->payload_len < 23 ? event->payload_len : 23), (const char *) event->payload);
        seen->deliveries [i] = event->deliveries;
        seen->block_ms [i] = event->block_ms;
    }
    seen->count++;
    if (seen->ack)
        ck_assert_int_eq (accord_eventbus_ack (bus, sub, event->id), ACCORD_OK);
}

static accord_eventbus_sub_t *
s_subscribe (accord_eventbus_t *bus, const accord_eventbus_sub_opts_t *opts, s_seen_t *seen)
{
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (bus, opts, s_on_event, seen);
    ck_assert_msg (sub != NULL, "subscribe %s: %s", opts->filter, accord_eventbus_errstr (bus));
    return sub;
}

//  Polls the clients until each seen [i] has want [i] events, or the deadline; then asserts
static void
s_poll_until (accord_eventbus_t **buses, size_t bus_count, s_seen_t **seen, const int *want, size_t seen_count)
{
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (tu_now_ms () < deadline) {
        size_t done = 0;
        for (size_t i = 0; i < seen_count; i++)
            done += seen [i]->count >= want [i];
        if (done == seen_count)
            break;
        for (size_t i = 0; i < bus_count; i++)
            ck_assert_int_ge (accord_eventbus_poll (buses [i], bus_count > 1 ? 10 : 100), 0);
    }
    for (size_t i = 0; i < seen_count; i++)
        ck_assert_msg (seen [i]->count >= want [i], "subscriber %zu: %d events, want %d", i, seen [i]->count, want [i]);
}

//  Polls the clients for S_QUIET_MS: nothing more may arrive
static void
s_poll_quiet (accord_eventbus_t **buses, size_t bus_count)
{
    int64_t deadline = tu_now_ms () + S_QUIET_MS;
    while (tu_now_ms () < deadline)
        for (size_t i = 0; i < bus_count; i++)
            ck_assert_int_ge (accord_eventbus_poll (buses [i], 10), 0);
}

//  Publishes count events on topic asynchronously, payloads PREFIX0.., tags from tags_of
//  (index -> NULL-terminated list, or NULL), and waits for all their event ids
typedef const char *const *(s_tags_fn) (int index);

static void
s_on_published (accord_eventbus_t *bus, int code, const char *result, const char *message_id, void *arg)
{
    (void) bus;
    (void) message_id;
    char *id = arg;
    if (code == ACCORD_OK)
        snprintf (id, ACCORD_EVENT_ID_TEXT_MAX, "%s", result);
    else
        snprintf (id, ACCORD_EVENT_ID_TEXT_MAX, "error %s", accord_err_name (code));
}

static void
s_publish (accord_eventbus_t *bus, const char *const *topics, int count, const char *prefix, s_tags_fn *tags_of,
           char (*ids) [ACCORD_EVENT_ID_TEXT_MAX])
{
    for (int i = 0; i < count; i++) {
        char payload [24];
        snprintf (payload, sizeof payload, "%s%d", prefix, i);
        accord_eventbus_pub_opts_t opts = { 0 };
        if (tags_of) {
            opts.tags = tags_of (i);
            while (opts.tags [opts.tag_count])
                opts.tag_count++;
        }
        ids [i][0] = 0;
        ck_assert_int_eq (accord_eventbus_publish_async (bus, topics [i], payload, strlen (payload), &opts,
                                                         s_on_published, ids [i]), ACCORD_OK);
    }
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    for (int i = 0; i < count; i++)
        ck_assert_msg (strchr (ids [i], ':') != NULL, "publish %d: %s", i, ids [i]);
}

//  The index of an event in the ids published, or -1
static int
s_index_of (char (*ids) [ACCORD_EVENT_ID_TEXT_MAX], int count, const char *id)
{
    for (int i = 0; i < count; i++)
        if (!strcmp (ids [i], id))
            return i;
    return -1;
}

//  seen holds exactly the published events i for which want [i], each once, each topic's in
//  the order published, with its topic and payload
static void
s_assert_exactly (const s_seen_t *seen, char (*ids) [ACCORD_EVENT_ID_TEXT_MAX], const char *const *topics,
                  const char *prefix, int count, const int *want)
{
    int expected = 0;
    for (int i = 0; i < count; i++)
        expected += want [i];
    ck_assert_msg (seen->count == expected, "%d events, want %d", seen->count, expected);
    int *got = calloc ((size_t) count, sizeof *got);
    for (int k = 0; k < seen->count; k++) {
        int i = s_index_of (ids, count, seen->ids [k]);
        ck_assert_msg (i >= 0, "%s was not published here", seen->ids [k]);
        ck_assert_msg (want [i], "event %d (%s on %s) should not be delivered", i, seen->ids [k], topics [i]);
        ck_assert_msg (!got [i], "event %d delivered twice", i);
        got [i] = 1;
        ck_assert_str_eq (seen->topics [k], topics [i]);
        char payload [24];
        snprintf (payload, sizeof payload, "%s%d", prefix, i);
        ck_assert_str_eq (seen->payloads [k], payload);
        //  The events of the same topic delivered before it were published before it
        for (int j = 0; j < k; j++)
            if (!strcmp (seen->topics [j], seen->topics [k]))
                ck_assert_msg (s_index_of (ids, count, seen->ids [j]) < i, "%s: event %d after a later one",
                               topics [i], i);
    }
    free (got);
}

//  Runs `accord sub ARGS` as a user would, ended after seconds whatever happens (a test that
//  fails leaves no subscriber behind); asserts it exits 0 and returns its stdout (caller frees)
static char *
s_accord_sub (int seconds, const char *format, ...)
{
    char args [1024], command [2048];
    va_list ap;
    va_start (ap, format);
    vsnprintf (args, sizeof args, format, ap);
    va_end (ap);
    char *bin = tu_bin ("accord");
    snprintf (command, sizeof command, "timeout -s KILL %d %s sub %s 2>>%s/cli.err", seconds, bin, args, cl_dir);
    free (bin);
    FILE *pipe = popen (command, "r");
    ck_assert_ptr_nonnull (pipe);
    char *out = calloc (1, 65536);
    size_t len = fread (out, 1, 65535, pipe);
    out [len] = 0;
    int status = pclose (pipe);
    ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "accord sub %s: status %d, printed:\n%s", args,
                   status, out);
    return out;
}

//  --------------------------------------------------------------------------

#define S_WILD_COUNT 30

static const char *const *
s_wild_tags (int i)
{
    static const char *const red [] = { "red", NULL }, *const blue [] = { "blue", "round", NULL },
                             *const green [] = { "green", NULL };
    return i % 3 == 0 ? red : i % 3 == 1 ? blue : green;
}

START_TEST (wildcards_and_tags_get_exactly_their_events)
{
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key), *subscriber = s_connect (2, key);
    s_seen_t *plus = s_seen_new (0), *hash = s_seen_new (0), *tagged = s_seen_new (0);
    accord_eventbus_sub_opts_t plus_opts = { .filter = "a/+/t", .auto_credit = 1 };
    accord_eventbus_sub_opts_t hash_opts = { .filter = "a/#", .auto_credit = 1 };
    const char *tags [] = { "red", "round" };
    accord_eventbus_sub_opts_t tag_opts = { .filter = "#", .tags = tags, .tag_count = 2, .auto_credit = 1 };
    accord_eventbus_sub_t *sub = s_subscribe (subscriber, &plus_opts, plus);
    ck_assert_uint_eq (json_object_array_length (accord_eventbus_sub_topics (sub)), 2);
    s_subscribe (subscriber, &hash_opts, hash);
    s_subscribe (subscriber, &tag_opts, tagged);
    //  Round robin over the three topics, three kinds of tags
    const char *names [] = { "a/x/t", "a/y/t", "b/t" }, *topics [S_WILD_COUNT];
    for (int i = 0; i < S_WILD_COUNT; i++)
        topics [i] = names [(i / 2) % 3];
    char (*ids) [ACCORD_EVENT_ID_TEXT_MAX] = calloc (S_WILD_COUNT, sizeof *ids);
    s_publish (publisher, topics, S_WILD_COUNT, "w", s_wild_tags, ids);
    int want_a [S_WILD_COUNT], want_tags [S_WILD_COUNT], a = 0, t = 0;
    for (int i = 0; i < S_WILD_COUNT; i++) {
        a += want_a [i] = topics [i][0] == 'a';
        t += want_tags [i] = i % 3 != 2;
    }
    s_seen_t *seen [] = { plus, hash, tagged };
    int want [] = { a, a, t };
    s_poll_until (&subscriber, 1, seen, want, 3);
    s_poll_quiet (&subscriber, 1);
    s_assert_exactly (plus, ids, topics, "w", S_WILD_COUNT, want_a);
    s_assert_exactly (hash, ids, topics, "w", S_WILD_COUNT, want_a);
    s_assert_exactly (tagged, ids, topics, "w", S_WILD_COUNT, want_tags);
    //  The same filter with the accord tool at member4, replaying from the first: the
    //  a/* events, "ID PAYLOAD" per line, each once
    char *out = s_accord_sub (20, "'a/+/t' --key %s --member %s --from first --count %d", s_alice_key,
                              cl_member (4), a);
    int *got = calloc (S_WILD_COUNT, sizeof *got), lines = 0, last [2] = { -1, -1 };
    char *save = NULL;
    for (char *line = strtok_r (out, "\n", &save); line; line = strtok_r (NULL, "\n", &save), lines++) {
        char *space = strchr (line, ' ');
        ck_assert_ptr_nonnull (space);
        *space = 0;
        int i = s_index_of (ids, S_WILD_COUNT, line);
        ck_assert_msg (i >= 0 && want_a [i] && !got [i], "accord sub: %s unexpected or twice", line);
        got [i] = 1;
        int x = topics [i][2] == 'x';       //  each topic's in the order published
        ck_assert_msg (i > last [x], "accord sub: %s after a later event of %s", line, topics [i]);
        last [x] = i;
        char payload [24];
        snprintf (payload, sizeof payload, "w%d", i);
        ck_assert_str_eq (space + 1, payload);
    }
    ck_assert_int_eq (lines, a);
    free (got);
    free (out);
    free (ids);
    free (plus);
    free (hash);
    free (tagged);
    accord_eventbus_destroy (&subscriber);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

//  --------------------------------------------------------------------------

START_TEST (replay_from_each_kind_of_start)
{
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key), *subscriber = s_connect (3, key);
    const char *topics [14];
    for (int i = 0; i < 14; i++)
        topics [i] = "replay/t";
    char (*ids) [ACCORD_EVENT_ID_TEXT_MAX] = calloc (14, sizeof *ids);
    //  Two batches, the second committed after the first: 0..4, 5..9
    s_publish (publisher, topics, 5, "r", NULL, ids);
    char (*later) [ACCORD_EVENT_ID_TEXT_MAX] = calloc (5, sizeof *later);
    s_publish (publisher, topics, 5, "q", NULL, later);
    //  The history, as one subscriber from the first sees it; its block times
    s_seen_t *first = s_seen_new (0);
    accord_eventbus_sub_opts_t first_opts = { .filter = "replay/t", .from = "first", .auto_credit = 1 };
    s_subscribe (subscriber, &first_opts, first);
    int ten = 10;
    s_poll_until (&subscriber, 1, &first, &ten, 1);
    for (int i = 0; i < 5; i++) {
        char payload [8];
        snprintf (payload, sizeof payload, "r%d", i);
        ck_assert_str_eq (first->ids [i], ids [i]);
        ck_assert_str_eq (first->payloads [i], payload);
        snprintf (payload, sizeof payload, "q%d", i);
        ck_assert_str_eq (first->ids [5 + i], later [i]);
        ck_assert_str_eq (first->payloads [5 + i], payload);
    }
    //  The others, all made now
    char from_event [ACCORD_EVENT_ID_TEXT_MAX], from_time [24];
    snprintf (from_event, sizeof from_event, "%s", first->ids [3]);
    uint64_t time_ms = first->block_ms [5];     //  the block of the second batch's first event
    ck_assert_uint_gt (time_ms, first->block_ms [0]);
    snprintf (from_time, sizeof from_time, "%llu", (unsigned long long) time_ms);
    int at_or_after = 0;
    for (int i = 0; i < 10; i++)
        at_or_after += first->block_ms [i] >= time_ms;
    ck_assert_int_ge (at_or_after, 5);
    ck_assert_int_lt (at_or_after, 10);
    s_seen_t *last = s_seen_new (0), *event = s_seen_new (0), *time = s_seen_new (0), *now = s_seen_new (0);
    accord_eventbus_sub_opts_t opts = { .filter = "replay/t", .auto_credit = 1 };
    opts.from = "last";
    s_subscribe (subscriber, &opts, last);
    opts.from = from_event;
    s_subscribe (subscriber, &opts, event);
    opts.from = from_time;
    s_subscribe (subscriber, &opts, time);
    opts.from = "now";
    s_subscribe (subscriber, &opts, now);
    //  Let the replays arrive, then two new events
    s_seen_t *replays [] = { last, event, time };
    int replay_want [] = { 1, 7, at_or_after };
    s_poll_until (&subscriber, 1, replays, replay_want, 3);
    s_publish (publisher, topics, 2, "n", NULL, ids + 10);
    s_seen_t *all [] = { first, last, event, time, now };
    int want [] = { 12, 3, 9, at_or_after + 2, 2 };
    s_poll_until (&subscriber, 1, all, want, 5);
    s_poll_quiet (&subscriber, 1);
    for (int k = 0; k < 5; k++) {
        ck_assert_msg (all [k]->count == want [k], "subscriber %d: %d events, want %d", k, all [k]->count, want [k]);
        //  Each a tail of the history, in order
        int skip = 12 - want [k];
        for (int i = 0; i < want [k]; i++)
            ck_assert_str_eq (all [k]->ids [i], first->ids [skip + i]);
    }
    ck_assert_str_eq (last->ids [0], later [4]);
    ck_assert_str_eq (event->ids [0], from_event);
    ck_assert_uint_ge (time->block_ms [0], time_ms);
    ck_assert_str_eq (now->ids [0], ids [10]);
    ck_assert_str_eq (now->payloads [1], "n1");
    free (ids);
    free (later);
    free (first);
    free (last);
    free (event);
    free (time);
    free (now);
    accord_eventbus_destroy (&subscriber);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

//  --------------------------------------------------------------------------

#define S_GROUP_COUNT 300

START_TEST (group_of_three_shares_a_topic)
{
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key);
    //  Three consumers of "workers" at member2, each on a session of its own; and "workers" at
    //  member3, whose broker keeps its groups in member3's Redis: a group of its own
    accord_eventbus_t *members [] = { s_connect (2, key), s_connect (2, key), s_connect (2, key), s_connect (3, key) };
    s_seen_t *seen [] = { s_seen_new (1), s_seen_new (1), s_seen_new (1), s_seen_new (1) };
    const char *consumers [] = { "one", "two", "three", "four" };
    for (int m = 0; m < 4; m++) {
        accord_eventbus_sub_opts_t opts = { .filter = "group/t", .group = "workers", .consumer = consumers [m],
                                            .credit = 10, .auto_credit = 1 };
        s_subscribe (members [m], &opts, seen [m]);
    }
    const char *topics [S_GROUP_COUNT];
    for (int i = 0; i < S_GROUP_COUNT; i++)
        topics [i] = "group/t";
    char (*ids) [ACCORD_EVENT_ID_TEXT_MAX] = calloc (S_GROUP_COUNT, sizeof *ids);
    s_publish (publisher, topics, S_GROUP_COUNT, "g", NULL, ids);
    //  Until the three have S_GROUP_COUNT between them, and member3's group has them all
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while ((seen [0]->count + seen [1]->count + seen [2]->count < S_GROUP_COUNT || seen [3]->count < S_GROUP_COUNT)
       &&  tu_now_ms () < deadline)
        for (int m = 0; m < 4; m++)
            ck_assert_int_ge (accord_eventbus_poll (members [m], 10), 0);
    for (int m = 0; m < 4; m++)
        ck_assert_int_eq (accord_eventbus_flush (members [m], S_WAIT_MS), ACCORD_OK);
    s_poll_quiet (members, 4);
    //  At member2: each event to exactly one of the three, the first time; none lost
    int *got = calloc (S_GROUP_COUNT, sizeof *got);
    for (int m = 0; m < 3; m++)
        for (int k = 0; k < seen [m]->count; k++) {
            int i = s_index_of (ids, S_GROUP_COUNT, seen [m]->ids [k]);
            ck_assert_msg (i >= 0, "%s was not published here", seen [m]->ids [k]);
            ck_assert_msg (!got [i], "event %d delivered to two consumers", i);
            got [i] = 1;
            ck_assert_uint_eq (seen [m]->deliveries [k], 1);
        }
    for (int i = 0; i < S_GROUP_COUNT; i++)
        ck_assert_msg (got [i], "event %d lost", i);
    ck_assert_int_eq (seen [0]->count + seen [1]->count + seen [2]->count, S_GROUP_COUNT);
    //  The three shared them
    for (int m = 0; m < 3; m++)
        ck_assert_msg (seen [m]->count > 0, "consumer %s got none of %d", consumers [m], S_GROUP_COUNT);
    //  At member3: its own group "workers", with every event, once each
    memset (got, 0, S_GROUP_COUNT * sizeof *got);
    for (int k = 0; k < seen [3]->count; k++) {
        int i = s_index_of (ids, S_GROUP_COUNT, seen [3]->ids [k]);
        ck_assert_msg (i >= 0 && !got [i], "member3's group: %s unexpected or twice", seen [3]->ids [k]);
        got [i] = 1;
        ck_assert_uint_eq (seen [3]->deliveries [k], 1);
    }
    ck_assert_int_eq (seen [3]->count, S_GROUP_COUNT);
    free (got);
    free (ids);
    for (int m = 0; m < 4; m++) {
        free (seen [m]);
        accord_eventbus_destroy (&members [m]);
    }
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

//  --------------------------------------------------------------------------

#define S_KILLED_COUNT 10

//  The consumer that dies: a process of its own (forked before this test uses ZeroMQ) that
//  joins group "survivors" at member2 with a 500 ms ack timeout, never acknowledges, and
//  writes a byte to fd per event it receives
static void
s_victim (int fd)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_node_config_t config;
    char err [256];
    if (!key || accord_node_config_load (&config, cl_member (2), err, sizeof err))
        _exit (2);
    accord_eventbus_t *bus = accord_eventbus_connect (config.eventbus_endpoint, NULL, key, S_TIMEOUT_MS);
    if (!bus || accord_eventbus_errcode (bus) != ACCORD_OK)
        _exit (3);
    s_seen_t *seen = s_seen_new (0);
    accord_eventbus_sub_opts_t opts = { .filter = "killed/t", .group = "survivors", .consumer = "victim",
                                        .from = "first", .ack_timeout_ms = 500, .credit = 100 };
    if (!accord_eventbus_subscribe (bus, &opts, s_on_event, seen))
        _exit (4);
    if (write (fd, "s", 1) != 1)
        _exit (5);
    int reported = 0;
    int64_t deadline = tu_now_ms () + 2 * S_WAIT_MS;
    while (tu_now_ms () < deadline) {
        if (accord_eventbus_poll (bus, 100) < 0)
            _exit (6);
        for (; reported < seen->count; reported++)
            if (write (fd, "e", 1) != 1)
                _exit (7);
    }
    _exit (8);
}

//  Reads one byte from fd within the deadline; 0 or -1
static int
s_read_byte (int fd, int64_t deadline, char *byte)
{
    int64_t left = deadline - tu_now_ms ();
    struct pollfd item = { .fd = fd, .events = POLLIN };
    if (left <= 0 || poll (&item, 1, (int) left) != 1)
        return -1;
    return read (fd, byte, 1) == 1 ? 0 : -1;
}

START_TEST (killed_consumer_events_go_to_another_consumer)
{
    int pipe_fds [2];
    ck_assert_int_eq (pipe (pipe_fds), 0);
    pid_t victim = fork ();
    ck_assert_int_ge (victim, 0);
    if (victim == 0) {
        close (pipe_fds [0]);
        s_victim (pipe_fds [1]);
    }
    close (pipe_fds [1]);
    //  The victim subscribed
    char byte = 0;
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    int rc = s_read_byte (pipe_fds [0], deadline, &byte);
    if (rc || byte != 's') {
        kill (victim, SIGKILL);
        waitpid (victim, NULL, 0);
        ck_abort_msg ("the victim did not subscribe");
    }
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key);
    const char *topics [S_KILLED_COUNT];
    for (int i = 0; i < S_KILLED_COUNT; i++)
        topics [i] = "killed/t";
    char (*ids) [ACCORD_EVENT_ID_TEXT_MAX] = calloc (S_KILLED_COUNT, sizeof *ids);
    s_publish (publisher, topics, S_KILLED_COUNT, "k", NULL, ids);
    //  The victim received them all, acknowledged none: SIGKILL
    int received = 0;
    while (received < S_KILLED_COUNT && s_read_byte (pipe_fds [0], deadline, &byte) == 0)
        received++;
    kill (victim, SIGKILL);
    int status = 0;
    waitpid (victim, &status, 0);
    close (pipe_fds [0]);
    ck_assert_msg (received == S_KILLED_COUNT, "the victim received %d events, want %d", received, S_KILLED_COUNT);
    ck_assert (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    //  Another consumer of the group at member2's broker (which keeps the group, in member2's
    //  Redis): the victim's events again
    accord_eventbus_t *survivor = s_connect (2, key);
    s_seen_t *seen = s_seen_new (1);
    accord_eventbus_sub_opts_t opts = { .filter = "killed/t", .group = "survivors", .consumer = "survivor",
                                        .ack_timeout_ms = 500, .auto_credit = 1 };
    s_subscribe (survivor, &opts, seen);
    int want = S_KILLED_COUNT;
    s_poll_until (&survivor, 1, &seen, &want, 1);
    ck_assert_int_eq (accord_eventbus_flush (survivor, S_WAIT_MS), ACCORD_OK);
    s_poll_quiet (&survivor, 1);
    ck_assert_int_eq (seen->count, S_KILLED_COUNT);
    int *got = calloc (S_KILLED_COUNT, sizeof *got);
    for (int k = 0; k < seen->count; k++) {
        int i = s_index_of (ids, S_KILLED_COUNT, seen->ids [k]);
        ck_assert_msg (i >= 0 && !got [i], "%s unexpected or twice", seen->ids [k]);
        got [i] = 1;
        ck_assert_msg (seen->deliveries [k] >= 2, "%s: deliveries %u", seen->ids [k], seen->deliveries [k]);
    }
    free (got);
    free (seen);
    free (ids);
    accord_eventbus_destroy (&survivor);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

//  --------------------------------------------------------------------------

#define S_SLOW_COUNT 300

START_TEST (slow_subscriber_does_not_hold_back_another)
{
    s_ready ();
    accord_key_t *key = accord_key_load (s_alice_key);
    accord_eventbus_t *publisher = s_connect (1, key), *slow = s_connect (2, key), *fast = s_connect (2, key);
    s_seen_t *slow_seen = s_seen_new (0), *fast_seen = s_seen_new (0);
    accord_eventbus_sub_opts_t slow_opts = { .filter = "slow/t", .credit = 1 };
    accord_eventbus_sub_opts_t fast_opts = { .filter = "slow/t", .credit = 50, .auto_credit = 1 };
    accord_eventbus_sub_t *slow_sub = s_subscribe (slow, &slow_opts, slow_seen);
    s_subscribe (fast, &fast_opts, fast_seen);
    const char *topics [S_SLOW_COUNT];
    for (int i = 0; i < S_SLOW_COUNT; i++)
        topics [i] = "slow/t";
    char (*ids) [ACCORD_EVENT_ID_TEXT_MAX] = calloc (S_SLOW_COUNT, sizeof *ids);
    s_publish (publisher, topics, S_SLOW_COUNT, "s", NULL, ids);
    //  All committed: the fast one has them all within a few seconds, while the slow one
    //  keeps its single event
    int64_t start = tu_now_ms ();
    accord_eventbus_t *both [] = { fast, slow };
    int64_t deadline = start + 5000;
    while (fast_seen->count < S_SLOW_COUNT && tu_now_ms () < deadline)
        for (int b = 0; b < 2; b++)
            ck_assert_int_ge (accord_eventbus_poll (both [b], 10), 0);
    ck_assert_msg (fast_seen->count == S_SLOW_COUNT, "the fast subscriber has %d of %d events %lld ms after the last "
                   "commit", fast_seen->count, S_SLOW_COUNT, (long long) (tu_now_ms () - start));
    s_poll_quiet (both, 2);
    int *want = malloc (S_SLOW_COUNT * sizeof *want);
    for (int i = 0; i < S_SLOW_COUNT; i++)
        want [i] = 1;
    s_assert_exactly (fast_seen, ids, topics, "s", S_SLOW_COUNT, want);
    ck_assert_int_eq (slow_seen->count, 1);
    ck_assert_str_eq (slow_seen->ids [0], ids [0]);
    //  Credit for one more: the next one, in order
    ck_assert_int_eq (accord_eventbus_credit (slow, slow_sub, 1), ACCORD_OK);
    int two = 2;
    s_poll_until (&slow, 1, &slow_seen, &two, 1);
    ck_assert_str_eq (slow_seen->ids [1], ids [1]);
    free (want);
    free (ids);
    free (slow_seen);
    free (fast_seen);
    accord_eventbus_destroy (&fast);
    accord_eventbus_destroy (&slow);
    accord_eventbus_destroy (&publisher);
    accord_key_destroy (&key);
}
END_TEST

Suite *
test_cluster_eventbus_delivery_suite (void)
{
    Suite *suite = suite_create ("cluster_eventbus_delivery");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 120);
    tcase_add_unchecked_fixture (tc, s_network_up, s_network_down);
    tcase_add_test (tc, wildcards_and_tags_get_exactly_their_events);
    tcase_add_test (tc, replay_from_each_kind_of_start);
    tcase_add_test (tc, group_of_three_shares_a_topic);
    tcase_add_test (tc, killed_consumer_events_go_to_another_consumer);
    tcase_add_test (tc, slow_subscriber_does_not_hold_back_another);
    suite_add_tcase (suite, tc);
    return suite;
}
