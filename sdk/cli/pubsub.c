/*  accord pub / accord sub: events through a member's broker (accord-eventbus), with the
    client of accord/eventbus.h. */
#include "cli.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/eventbus.h"
#include "accord/json.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_BUS_TIMEOUT_MS  10000
#define CLI_BUS_FLUSH_MS    60000       //  what pub waits at the end for its last answers
#define CLI_PUB_RING        4096        //  answers kept until the lines before them are printed

//  The broker's endpoint: --broker, else the eventbus_endpoint of --member's config. 0, or 1
//  after printing why.
static int
s_endpoint (cli_args_t *args, char endpoint [ACCORD_ENDPOINT_MAX + 1])
{
    const char *broker = cli_option (args, "--broker");
    if (broker && *broker) {
        snprintf (endpoint, ACCORD_ENDPOINT_MAX + 1, "%s", broker);
        return 0;
    }
    const char *member = cli_option (args, "--member");
    if (!member || !*member)
        return cli_fail ("--member DIR or --broker ENDPOINT is required\n%s", args->help);
    accord_node_config_t config;
    char err [512];
    if (accord_node_config_load (&config, member, err, sizeof err))
        return cli_fail ("%s", err);
    snprintf (endpoint, ACCORD_ENDPOINT_MAX + 1, "%s", config.eventbus_endpoint);
    return 0;
}

//  Session lost and back, subscriptions refused: said on stderr
static void
s_notify (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, int code, const char *message, void *arg)
{
    (void) bus;
    fprintf (stderr, "accord: broker: %s%s%s\n", code ? accord_err_name (code) : "", code ? ": " : "", message);
    if (sub && code)
        *(int *) arg = 1;           //  the subscription is gone: the command fails
}

//  A client connected to the broker as --did (default: the key's DID) with --key; NULL after
//  printing why. *key_p is the caller's (it must outlive the client).
static accord_eventbus_t *
s_connect (cli_args_t *args, accord_key_t **key_p, int *failed)
{
    char endpoint [ACCORD_ENDPOINT_MAX + 1];
    if (s_endpoint (args, endpoint))
        return NULL;
    *key_p = cli_key (args, "--key");
    if (!*key_p)
        return NULL;
    accord_eventbus_t *bus = accord_eventbus_connect (endpoint, cli_option (args, "--did"), *key_p,
                                                      CLI_BUS_TIMEOUT_MS);
    if (!bus)
        cli_fail ("out of memory");
    else if (accord_eventbus_errcode (bus)) {
        cli_fail ("broker %s: %s: %s", endpoint, accord_err_name (accord_eventbus_errcode (bus)),
                  accord_eventbus_errstr (bus));
        accord_eventbus_destroy (&bus);
    }
    if (bus)
        accord_eventbus_set_notify (bus, s_notify, failed);
    return bus;
}

//  Every value of --tag (at most ACCORD_EVENT_TAGS_MAX + 1, so that one too many is seen)
static size_t
s_tags (cli_args_t *args, const char *tags [ACCORD_EVENT_TAGS_MAX + 1])
{
    size_t count = 0;
    while (count <= ACCORD_EVENT_TAGS_MAX && (tags [count] = cli_option_nth (args, "--tag", (int) count)))
        count++;
    return count;
}

//  --------------------------------------------------------------------------
//  accord pub

//  The answer to one line: its slot in the ring is the publish callback's argument (it is
//  not used again before the line is printed)
typedef struct {
    int done, code;
    char text [256];                    //  the event id, or the error
} s_answer_t;

typedef struct {
    accord_eventbus_t *bus;
    uint64_t sent, printed;             //  lines sent, lines whose answer is printed
    s_answer_t ring [CLI_PUB_RING];
    int failed;
} s_pub_t;

static void
s_answer (s_answer_t *answer, int code, const char *text)
{
    answer->done = 1;
    answer->code = code;
    snprintf (answer->text, sizeof answer->text, "%s", text);
}

static void
s_on_published (accord_eventbus_t *bus, int code, const char *result, const char *message_id, void *arg)
{
    (void) bus;
    (void) message_id;
    s_answer (arg, code, result);
}

//  Prints the answers of the lines in order, as far as they came
static void
s_pub_print (s_pub_t *pub)
{
    while (pub->printed < pub->sent && pub->ring [pub->printed % CLI_PUB_RING].done) {
        s_answer_t *slot = &pub->ring [pub->printed % CLI_PUB_RING];
        if (slot->code == ACCORD_OK)
            printf ("%s\n", slot->text);
        else {
            cli_fail ("line %llu: %s: %s", (unsigned long long) pub->printed + 1, accord_err_name (slot->code),
                      slot->text);
            pub->failed = 1;
        }
        slot->done = 0;
        pub->printed++;
    }
    fflush (stdout);
}

//  Each line of standard input (its newline removed) one event, many in flight
static int
s_pub_lines (s_pub_t *pub, const char *topic, accord_eventbus_pub_opts_t *opts)
{
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    while ((len = getline (&line, &size, stdin)) >= 0) {
        if (len && line [len - 1] == '\n')
            line [--len] = 0;
        //  The ring has room for this line's answer once the oldest ones are printed
        while (pub->sent - pub->printed >= CLI_PUB_RING) {
            if (accord_eventbus_poll (pub->bus, 100) < 0) {
                free (line);
                return cli_fail ("%s", accord_eventbus_errstr (pub->bus));
            }
            s_pub_print (pub);
        }
        s_answer_t *slot = &pub->ring [pub->sent % CLI_PUB_RING];
        int rc = accord_eventbus_publish_async (pub->bus, topic, line, (size_t) len, opts, s_on_published, slot);
        if (rc != ACCORD_OK) {
            //  Refused before it left: its answer is the error, in its place
            s_answer (slot, rc, accord_eventbus_errstr (pub->bus));
            if (rc != ACCORD_E_INVALID_ARGUMENT && rc != ACCORD_E_TOO_LARGE) {
                pub->sent++;
                free (line);
                return 1;       //  the client cannot go on: what was sent is still flushed
            }
        }
        pub->sent++;
        s_pub_print (pub);
    }
    free (line);
    if (ferror (stdin))
        return cli_fail ("cannot read standard input");
    return 0;
}

int
cli_pub (cli_args_t *args)
{
    const char *topic = cli_positional (args, 0), *data = cli_positional (args, 1);
    char err [160];
    if (!topic || accord_topic_name_check (topic, 0, err, sizeof err))
        return cli_fail ("needs a TOPIC%s%s\n%s", topic ? ": " : "", topic ? err : "", args->help);
    if (cli_positional (args, 2))
        return cli_fail ("one DATA argument at most (quote it)\n%s", args->help);
    const char *tags [ACCORD_EVENT_TAGS_MAX + 1];
    accord_eventbus_pub_opts_t opts = { .id = cli_option (args, "--id") };
    opts.tags = tags;
    opts.tag_count = s_tags (args, tags);
    if (opts.tag_count > ACCORD_EVENT_TAGS_MAX)
        return cli_fail ("at most %d --tag", ACCORD_EVENT_TAGS_MAX);
    if (opts.id && !data)
        return cli_fail ("--id names one event: give its DATA (lines of standard input get ids of their own)");
    accord_key_t *key = NULL;
    int failed = 0;
    accord_eventbus_t *bus = s_connect (args, &key, &failed);
    if (!bus) {
        accord_key_destroy (&key);
        return 1;
    }
    if (cli_flag (args, "--sign"))
        opts.sign_key = key;
    int rc = 0;
    if (data) {
        char id [ACCORD_EVENT_ID_TEXT_MAX];
        if (accord_eventbus_publish (bus, topic, data, strlen (data), &opts, id) == ACCORD_OK)
            printf ("%s\n", id);
        else
            rc = cli_fail ("%s: %s: %s", topic, accord_err_name (accord_eventbus_errcode (bus)),
                           accord_eventbus_errstr (bus));
    }
    else {
        s_pub_t *pub = calloc (1, sizeof *pub);
        if (!pub)
            rc = cli_fail ("out of memory");
        else {
            pub->bus = bus;
            rc = s_pub_lines (pub, topic, &opts);
            if (accord_eventbus_flush (bus, CLI_BUS_FLUSH_MS) != ACCORD_OK)
                rc = cli_fail ("%s", accord_eventbus_errstr (bus));
            s_pub_print (pub);
            if (pub->printed < pub->sent)
                rc = cli_fail ("%llu events without an answer", (unsigned long long) (pub->sent - pub->printed));
            rc = rc || pub->failed;
            free (pub);
        }
    }
    accord_eventbus_destroy (&bus);
    accord_key_destroy (&key);
    return rc;
}

//  --------------------------------------------------------------------------
//  accord sub

static volatile sig_atomic_t s_stop;

static void
s_on_signal (int signal)
{
    (void) signal;
    s_stop = 1;
}

typedef struct {
    int json;
    int group;
    uint64_t count, seen;               //  count 0: no end
} s_sub_t;

static void
s_print_json (const accord_eventbus_event_t *event)
{
    json_object *out = json_object_new_object ();
    json_object_object_add (out, "id", json_object_new_string (event->id));
    json_object_object_add (out, "topic", json_object_new_string (event->topic));
    json_object_object_add (out, "publisher", json_object_new_string (event->publisher));
    json_object_object_add (out, "message_id", json_object_new_string (event->message_id));
    json_object *tags = json_object_new_array ();
    for (size_t i = 0; i < event->tag_count; i++)
        json_object_array_add (tags, json_object_new_string (event->tags [i]));
    json_object_object_add (out, "tags", tags);
    char *payload = accord_base64url_encode (event->payload, event->payload_len);
    json_object_object_add (out, "payload", json_object_new_string (payload ? payload : ""));
    free (payload);
    if (event->has_time)
        json_object_object_add (out, "time", json_object_new_int64 ((int64_t) event->time_ms));
    if (event->has_sig) {
        char *sig = accord_base64url_encode (event->sig, sizeof event->sig);
        json_object_object_add (out, "sig", json_object_new_string (sig ? sig : ""));
        free (sig);
    }
    json_object_object_add (out, "block_ms", json_object_new_int64 ((int64_t) event->block_ms));
    if (event->deliveries)
        json_object_object_add (out, "deliveries", json_object_new_int64 (event->deliveries));
    if (event->dead_event) {
        json_object *dead = json_object_new_object ();
        json_object_object_add (dead, "event", json_object_new_string (event->dead_event));
        if (event->dead_group)
            json_object_object_add (dead, "group", json_object_new_string (event->dead_group));
        json_object_object_add (dead, "deliveries", json_object_new_int64 (event->dead_deliveries));
        json_object_object_add (out, "dead_letter", dead);
    }
    printf ("%s\n", json_object_to_json_string_ext (out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put (out);
}

static void
s_on_event (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    s_sub_t *self = arg;
    if (self->count && self->seen >= self->count) {
        //  Past --count (credit stops at --count, so only after a new session): another
        //  consumer of the group takes it at once
        if (self->group)
            accord_eventbus_nack (bus, sub, event->id);
        return;
    }
    if (self->json)
        s_print_json (event);
    else {
        printf ("%s ", event->id);
        fwrite (event->payload, 1, event->payload_len, stdout);
        printf ("\n");
    }
    fflush (stdout);
    self->seen++;
    //  Printed: done with, for the group
    if (self->group)
        accord_eventbus_ack (bus, sub, event->id);
}

//  A positive number option into *value (0 when absent). 0, or 1 after printing why.
static int
s_number (cli_args_t *args, const char *name, uint64_t max, uint64_t *value)
{
    const char *text = cli_option (args, name);
    *value = 0;
    if (!text)
        return 0;
    char *end = NULL;
    unsigned long long number = strtoull (text, &end, 10);
    if (!*text || *end || *text == '-' || number < 1 || number > max)
        return cli_fail ("%s needs a number from 1 to %llu", name, (unsigned long long) max);
    *value = number;
    return 0;
}

int
cli_sub (cli_args_t *args)
{
    const char *filter = cli_positional (args, 0);
    char err [160];
    if (!filter || accord_topic_filter_check (filter, err, sizeof err))
        return cli_fail ("needs a FILTER%s%s\n%s", filter ? ": " : "", filter ? err : "", args->help);
    uint64_t credit, count;
    if (s_number (args, "--credit", ACCORD_EVENTBUS_CREDIT_MAX, &credit)
    ||  s_number (args, "--count", UINT64_MAX, &count))
        return 1;
    const char *tags [ACCORD_EVENT_TAGS_MAX + 1];
    accord_eventbus_sub_opts_t opts = { .filter = filter, .tags = tags, .from = cli_option (args, "--from"),
                                        .group = cli_option (args, "--group"),
                                        .consumer = cli_option (args, "--consumer"),
                                        .credit = (uint32_t) credit, .auto_credit = 1,
                                        //  the broker sends no more than it prints: a group
                                        //  consumer leaves the rest to the others at once
                                        .max_events = count };
    opts.tag_count = s_tags (args, tags);
    if (opts.tag_count > ACCORD_EVENT_TAGS_MAX)
        return cli_fail ("at most %d --tag", ACCORD_EVENT_TAGS_MAX);
    accord_eventbus_from_t from;
    if (accord_eventbus_from_parse (&from, opts.from, err, sizeof err))
        return cli_fail ("--from: %s", err);
    //  SIGINT and SIGTERM end the command (exit 0), between two events
    zsys_handler_set (NULL);
    struct sigaction action = { .sa_handler = s_on_signal };
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    accord_key_t *key = NULL;
    int failed = 0;
    accord_eventbus_t *bus = s_connect (args, &key, &failed);
    if (!bus) {
        accord_key_destroy (&key);
        return 1;
    }
    s_sub_t self = { .json = cli_flag (args, "--json"), .group = opts.group != NULL, .count = count };
    int rc = 0;
    if (!accord_eventbus_subscribe (bus, &opts, s_on_event, &self))
        rc = cli_fail ("%s: %s: %s", filter, accord_err_name (accord_eventbus_errcode (bus)),
                       accord_eventbus_errstr (bus));
    while (rc == 0 && !s_stop && !failed && (!count || self.seen < count))
        if (accord_eventbus_poll (bus, 500) < 0)
            rc = cli_fail ("%s: %s", accord_err_name (accord_eventbus_errcode (bus)), accord_eventbus_errstr (bus));
    if (failed)
        rc = 1;
    //  What was printed is acknowledged before the command ends
    if (self.group && accord_eventbus_flush (bus, CLI_BUS_TIMEOUT_MS) != ACCORD_OK && !rc)
        rc = cli_fail ("acknowledgements: %s", accord_eventbus_errstr (bus));
    accord_eventbus_destroy (&bus);
    accord_key_destroy (&key);
    return rc;
}
