/*  eventbus/deliver: subscriptions read from the index (deliver.h; eventbus/README.md,
    "Delivery" and "Subscribe").

    A plain subscription holds a cursor per matched topic: the id of the last entry it sent, read
    on with XRANGE. A group subscription is a member of the Redis consumer group of each matched
    topic: it reads its own pending entries first (XREADGROUP from 0), then new ones (>); a sweep
    per (topic, group) hands entries idle past the ack timeout to a member with credit
    (XAUTOCLAIM), and dead-letters those that reached the delivery limit.

    Nothing is queued here: each read takes at most what the subscription's credit allows, and
    is sent at once. Work goes in turns: a call serves every subscription that has credit and
    something to read, one batch per topic per round, for at most S_PUMP_SLICE_MS; when work is
    left (eventbus_deliver_unfinished) the server calls again as soon as its loop had a turn. A send that fails leaves the event where it was (a plain cursor does not
    move; a group entry is handed back to the sweep with its delivery count as it was). */
#include "deliver.h"
#include "streams.h"
#include "accord/config.h"
#include "accord/error.h"
#include "accord/json.h"
#include "accord/wire.h"
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_READ_BATCH        64      //  entries per read (each up to 1 MiB of payload)
#define S_PUMP_SLICE_MS     10      //  work per call: the server's loop has its turn between calls
#define S_REDIS_TIMEOUT_MS  1000    //  connect and per-command
#define S_REDIS_RETRY_MS    1000    //  between connection attempts while Redis is down
#define S_ASK_RETRY_MS      1000    //  between topic.may attempts while the node does not answer
#define S_SWEEP_MAX_MS      1000    //  a group's pending entries are looked at least this often
//  The idle time given to an entry that is to be redelivered now: past every ack timeout.
#define S_REDELIVER_IDLE_MS EVENTBUS_ACK_TIMEOUT_MAX_MS
#define S_DLQ_MAXLEN        "100000"    //  entries a dead-letter stream keeps (MAXLEN ~)
#define S_DLQ_PREFIX        "$/dlq/"
//  Consumer names made from a session ("~SESSION/SUB": one per subscription, never reused):
//  '~' is not a name character, so they never meet a name a client chose.
#define S_CONSUMER_PREFIX   "~"
#define S_ID_ZERO           "0-0"

typedef enum { S_ASK, S_ALLOWED, S_REFUSED } s_access_t;

typedef struct _s_sub_t s_sub_t;
typedef struct _s_group_t s_group_t;

//  One matched topic of a subscription.
typedef struct {
    s_sub_t *sub;
    char *topic;                            //  "$/dlq/T" for a dead-letter stream
    char *key;                              //  its stream
    s_access_t access;                      //  S_ASK while topic.may could not be asked
    int recheck;                            //  S_ASK after a topic update: a refusal ends the sub
    int64_t ask_at;
    char start [EVENTBUS_STREAM_ID_MAX];    //  group: where the group begins if we make it
    char pos [EVENTBUS_STREAM_ID_MAX];      //  plain: the last id sent; group: of the history
    int history;                            //  group: still re-reading its own pending entries
    int more;                               //  there may be entries to read
    s_group_t *group;                       //  group subscriptions
    void *member;                           //  its handle in group->members
} s_cursor_t;

struct _s_sub_t {
    char id [EVENTBUS_SUB_ID_MAX + 1];
    char *session, *did;
    char filter [ACCORD_TOPIC_NAME_MAX + 1];
    char *tags [ACCORD_EVENT_TAGS_MAX];
    size_t tag_count;
    eventbus_from_t from;
    uint64_t from_ms;
    char later [EVENTBUS_STREAM_ID_MAX];    //  where topics matched after the subscription start
    int time_found;                         //  EVENTBUS_FROM_TIME: a block at or after it exists
    char group [EVENTBUS_GROUP_MAX + 1];    //  "" for a plain subscription
    char *consumer;                         //  group subscriptions
    uint32_t credit, ack_timeout_ms, max_deliveries;
    s_cursor_t **cursors;
    size_t count, alloc, next;              //  next: where the next turn starts
    int blocked;                            //  a send failed: wait for the next tick
    char *ended;                            //  why the broker ends it (s_end_marked), or NULL
    int probing;                            //  ...and read one entry at a time until one goes
    zhashx_t *by_topic;                     //  topic -> s_cursor_t *, borrowed
};

//  One Redis consumer group on one stream, shared by the subscriptions of that group here.
struct _s_group_t {
    char *name, *topic, *key;
    int created;                            //  made or found on the stream since we connected
    int failing;                            //  its last creation failed (logged once)
    char last [EVENTBUS_STREAM_ID_MAX];     //  highest id read as new: where it is made again
    char sweep [EVENTBUS_STREAM_ID_MAX];    //  XAUTOCLAIM's cursor
    int64_t sweep_at;
    int tidy;                               //  consumers may have gone: look when tidy_at comes
    int64_t tidy_at;
    zlistx_t *members;                      //  s_cursor_t *, borrowed
};

struct _eventbus_deliver_t {
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    redisContext *redis;                    //  NULL while down
    int64_t retry_at;
    int failing;
    char *chain_id;
    eventbus_deliver_hooks_t hooks;
    int reconnected;                        //  connected since the last s_settle
    int64_t ping_at;                        //  next check that Redis is there
    int unfinished;                         //  the last pump left work
    int64_t node_quiet_until;               //  topic.may did not answer: not asked till then
    zhashx_t *topics;                       //  names of the topics that exist (a set)
    s_sub_t **subs;                         //  every subscription (an array: loops nest)
    size_t sub_count, sub_alloc, turn;      //  turn: where the next pump starts
    zhashx_t *sub_ids;                      //  id -> s_sub_t *, borrowed
    zhashx_t *groups;                       //  "group stream-key" -> s_group_t *
    uint64_t sub_seq;
    uint64_t delivered, redelivered, dead_lettered;
};

static void s_mark_topic (eventbus_deliver_t *self, const char *topic);

//  ---------------------------------------------------------------------------------------
//  Redis: one synchronous connection with timeouts; down means every call fails at once
//  until the next attempt is due.

static void
s_redis_down (eventbus_deliver_t *self)
{
    if (self->redis) {
        zsys_warning ("deliver: redis %s:%d: %s", self->host, self->port,
                      self->redis->errstr [0] ? self->redis->errstr : "no reply");
        redisFree (self->redis);
        self->redis = NULL;
    }
    self->retry_at = zclock_mono () + S_REDIS_RETRY_MS;
}

//  The connection, made now if it is down and an attempt is due; NULL while down.
static redisContext *
s_redis (eventbus_deliver_t *self)
{
    if (self->redis || zclock_mono () < self->retry_at)
        return self->redis;
    struct timeval timeout = { S_REDIS_TIMEOUT_MS / 1000, (S_REDIS_TIMEOUT_MS % 1000) * 1000 };
    redisContext *redis = redisConnectWithTimeout (self->host, self->port, timeout);
    if (!redis || redis->err || redisSetTimeout (redis, timeout) != REDIS_OK) {
        if (!self->failing)
            zsys_warning ("deliver: redis %s:%d: cannot connect: %s", self->host, self->port,
                          redis ? redis->errstr : "out of memory");
        self->failing = 1;
        if (redis)
            redisFree (redis);
        self->retry_at = zclock_mono () + S_REDIS_RETRY_MS;
        return NULL;
    }
    if (self->failing)
        zsys_info ("deliver: redis %s:%d: connected", self->host, self->port);
    self->failing = 0;
    self->redis = redis;
    self->reconnected = 1;      //  seen to by s_settle, outside any loop
    return redis;
}

//  A command (redisCommand format, every argument a %s); the reply (caller frees), which may
//  be an error reply, or NULL when Redis did not answer.
static redisReply *
s_command (eventbus_deliver_t *self, const char *format, ...)
{
    if (!s_redis (self))
        return NULL;
    va_list ap;
    va_start (ap, format);
    redisReply *reply = redisvCommand (self->redis, format, ap);
    va_end (ap);
    if (!reply)
        s_redis_down (self);
    return reply;
}

//  Pipelining: commands appended (argv; lens NULL for text), then their replies read in order.
static int
s_append (eventbus_deliver_t *self, int argc, const char **argv, const size_t *lens)
{
    return s_redis (self) && redisAppendCommandArgv (self->redis, argc, argv, lens) == REDIS_OK ? 0 : -1;
}

static redisReply *
s_reply (eventbus_deliver_t *self)
{
    void *reply = NULL;
    if (self->redis && redisGetReply (self->redis, &reply) != REDIS_OK) {
        s_redis_down (self);
        reply = NULL;
    }
    return reply;
}

//  The error reply starts with code ("NOGROUP", "BUSYGROUP").
static int
s_error_is (const redisReply *reply, const char *code)
{
    return reply && reply->type == REDIS_REPLY_ERROR && strncmp (reply->str, code, strlen (code)) == 0;
}

//  The element's text when it is one, else NULL.
static const char *
s_text (const redisReply *reply)
{
    return reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) ? reply->str : NULL;
}

//  ---------------------------------------------------------------------------------------
//  Stream ids "MS-SEQ": compared as number pairs.

static int
s_id_split (const char *id, uint64_t *ms, uint64_t *seq)
{
    char *end = NULL;
    if (!id || *id < '0' || *id > '9')
        return -1;
    *ms = strtoull (id, &end, 10);
    if (*end != '-' || end [1] < '0' || end [1] > '9')
        return -1;
    *seq = strtoull (end + 1, &end, 10);
    return *end ? -1 : 0;
}

static int
s_id_cmp (const char *a, const char *b)
{
    uint64_t a_ms = 0, a_seq = 0, b_ms = 0, b_seq = 0;
    s_id_split (a, &a_ms, &a_seq);
    s_id_split (b, &b_ms, &b_seq);
    return a_ms != b_ms ? (a_ms < b_ms ? -1 : 1) : a_seq != b_seq ? (a_seq < b_seq ? -1 : 1) : 0;
}

//  The id just before MS-SEQ: a cursor that reads on from MS-SEQ itself.
static void
s_id_before (char out [EVENTBUS_STREAM_ID_MAX], uint64_t ms, uint64_t seq)
{
    if (seq > 0)
        snprintf (out, EVENTBUS_STREAM_ID_MAX, "%" PRIu64 "-%" PRIu64, ms, seq - 1);
    else if (ms > 0)
        snprintf (out, EVENTBUS_STREAM_ID_MAX, "%" PRIu64 "-%" PRIu64, ms - 1, UINT64_MAX);
    else
        snprintf (out, EVENTBUS_STREAM_ID_MAX, S_ID_ZERO);
}

static void
s_id_copy (char out [EVENTBUS_STREAM_ID_MAX], const char *id)
{
    snprintf (out, EVENTBUS_STREAM_ID_MAX, "%s", id);
}

//  ---------------------------------------------------------------------------------------
//  Entries as XRANGE / XREADGROUP / XAUTOCLAIM give them: [id, [field, value, ...]].

typedef struct {
    const char *stream_id;
    const redisReply *id, *publisher, *tags, *payload, *time, *sig, *block_ms;
    const redisReply *group, *deliveries, *event;       //  dead-letter entries
} s_entry_t;

//  0, or -1 when the entry is not one of ours (deleted, or fields missing).
static int
s_entry_parse (s_entry_t *self, const redisReply *entry)
{
    memset (self, 0, sizeof *self);
    if (!entry || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2
    ||  !(self->stream_id = s_text (entry->element [0])))
        return -1;
    const redisReply *fields = entry->element [1];
    if (fields->type != REDIS_REPLY_ARRAY)
        return -1;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const char *name = s_text (fields->element [i]);
        const redisReply *value = fields->element [i + 1];
        if (!name || value->type != REDIS_REPLY_STRING)
            continue;
        const redisReply **slot = streq (name, "id") ? &self->id
                                : streq (name, "publisher") ? &self->publisher
                                : streq (name, "tags") ? &self->tags
                                : streq (name, "payload") ? &self->payload
                                : streq (name, "time") ? &self->time
                                : streq (name, "sig") ? &self->sig
                                : streq (name, "block_ms") ? &self->block_ms
                                : streq (name, "group") ? &self->group
                                : streq (name, "deliveries") ? &self->deliveries
                                : streq (name, "event") ? &self->event : NULL;
        if (slot)
            *slot = value;
    }
    return self->id && self->publisher && self->payload ? 0 : -1;
}

//  Whether the entry carries one of the tags sub asks for (any entry, when it asks for none).
static int
s_tags_match (const s_sub_t *sub, const s_entry_t *entry)
{
    if (sub->tag_count == 0)
        return 1;
    json_object *tags = entry->tags ? accord_json_parse (entry->tags->str, entry->tags->len, NULL, 0) : NULL;
    int match = 0;
    for (size_t i = 0; json_object_is_type (tags, json_type_array) && i < json_object_array_length (tags); i++) {
        const char *tag = json_object_get_string (json_object_array_get_idx (tags, i));
        for (size_t j = 0; tag && j < sub->tag_count && !match; j++)
            match = streq (tag, sub->tags [j]);
    }
    json_object_put (tags);
    return match;
}

//  How many entries a read for sub may take: what its credit allows, one batch at most, one
//  while its client takes nothing (a client that is gone costs no more than that).
static size_t
s_want (const s_sub_t *sub)
{
    return sub->probing ? MIN (sub->credit, 1) : MIN (sub->credit, S_READ_BATCH);
}

//  ,"name":value for a decimal field of the entry, when it has one.
static void
s_put_number (accord_buf_t *meta, const char *name, const redisReply *value)
{
    if (!value || value->len == 0)
        return;
    char text [64];
    accord_buf_bytes (meta, text, (size_t) snprintf (text, sizeof text, ",\"%s\":%llu", name,
                                                     strtoull (value->str, NULL, 10)));
}

static void
s_put_field (accord_buf_t *meta, const char *name, const char *text, size_t len)
{
    accord_buf_bytes (meta, ",\"", 2);
    accord_buf_bytes (meta, name, strlen (name));
    accord_buf_bytes (meta, "\":", 2);
    accord_json_append_string (meta, text, len);
}

//  The entry's tags: the JSON array the index holds, as it is; [] when it is missing or bad.
static void
s_put_tags (accord_buf_t *meta, const s_entry_t *entry)
{
    accord_buf_bytes (meta, ",\"tags\":", 8);
    accord_json_reader_t *reader = entry->tags ? accord_json_reader_new (entry->tags->str, entry->tags->len) : NULL;
    int good = reader && accord_json_reader_peek (reader) == json_type_array && accord_json_reader_skip (reader) == 0
            && accord_json_reader_end (reader) == 0;
    accord_json_reader_destroy (&reader);
    if (good)
        accord_buf_bytes (meta, entry->tags->str, entry->tags->len);
    else
        accord_buf_bytes (meta, "[]", 2);
}

//  "H:T:I" of a stream id (a dead-letter entry's id "MS-SEQ" reads "MS:0:SEQ"); -1 when the
//  id is not one of ours.
static int
s_event_id (char out [ACCORD_EVENT_ID_TEXT_MAX], const char *stream_id)
{
    uint64_t height;
    uint32_t tx, index;
    if (eventbus_stream_id_parse (stream_id, &height, &tx, &index))
        return -1;
    accord_event_id_format (out, height, tx, index);
    return 0;
}

//  The delivery "ACC1" "EVENT" sub meta payload (README, "Delivery"); deliveries 0 for a
//  plain subscription. Takes tags. NULL when the entry's id is not one of ours.
static zmsg_t *
s_delivery (const s_sub_t *sub, const char *topic, const s_entry_t *entry, uint32_t deliveries)
{
    char event [ACCORD_EVENT_ID_TEXT_MAX];
    if (s_event_id (event, entry->stream_id))
        return NULL;
    //  Written as text: a tree per delivery cost more than the rest of it
    accord_buf_t meta;
    accord_buf_init (&meta);
    accord_buf_bytes (&meta, "{\"event\":", 9);
    accord_json_append_string (&meta, event, strlen (event));
    s_put_field (&meta, "topic", topic, strlen (topic));
    s_put_field (&meta, "publisher", entry->publisher->str, entry->publisher->len);
    s_put_field (&meta, "id", entry->id->str, entry->id->len);
    s_put_tags (&meta, entry);
    s_put_number (&meta, "time", entry->time);
    if (entry->sig && entry->sig->len > 0)
        s_put_field (&meta, "sig", entry->sig->str, entry->sig->len);
    s_put_number (&meta, "block_ms", entry->block_ms);
    if (deliveries) {
        char text [48];
        accord_buf_bytes (&meta, text, (size_t) snprintf (text, sizeof text, ",\"deliveries\":%" PRIu32, deliveries));
    }
    if (entry->event) {
        accord_buf_bytes (&meta, ",\"dead_letter\":{\"event\":", 24);
        accord_json_append_string (&meta, entry->event->str, entry->event->len);
        if (entry->group)
            s_put_field (&meta, "group", entry->group->str, entry->group->len);
        s_put_number (&meta, "deliveries", entry->deliveries);
        accord_buf_u8 (&meta, '}');
    }
    accord_buf_u8 (&meta, '}');
    zmsg_t *msg = meta.failed ? NULL : zmsg_new ();
    if (msg) {
        zmsg_addstr (msg, ACCORD_WIRE_VERSION);
        zmsg_addstr (msg, "EVENT");
        zmsg_addstr (msg, sub->id);
        zmsg_addmem (msg, meta.data, meta.len);
        zmsg_addmem (msg, entry->payload->str, entry->payload->len);
    }
    accord_buf_reset (&meta);
    return msg;
}

//  Sends entry to sub: 1 sent, 0 nothing to send (not one of ours), -1 the send failed (the
//  subscription then waits for the next tick). Counts the delivery and uses one credit.
static int
s_send (eventbus_deliver_t *self, s_sub_t *sub, const char *topic, const s_entry_t *entry, uint32_t deliveries)
{
    zmsg_t *msg = s_delivery (sub, topic, entry, deliveries);
    if (!msg)
        return 0;
    if (self->hooks.send (self->hooks.ctx, sub->session, &msg) != 0) {
        zmsg_destroy (&msg);
        sub->blocked = 1;
        sub->probing = 1;
        return -1;
    }
    zmsg_destroy (&msg);
    sub->probing = 0;
    sub->credit--;
    self->delivered++;
    if (deliveries > 1)
        self->redelivered++;
    return 1;
}

//  ---------------------------------------------------------------------------------------
//  Topics and dead-letter streams.

static int
s_is_dlq (const char *topic)
{
    return strncmp (topic, S_DLQ_PREFIX, strlen (S_DLQ_PREFIX)) == 0;
}

//  The topic whose permissions and existence govern topic: itself, or a dead-letter stream's.
static const char *
s_base_topic (const char *topic)
{
    return s_is_dlq (topic) ? topic + strlen (S_DLQ_PREFIX) : topic;
}

static char *
s_key (eventbus_deliver_t *self, const char *topic)
{
    char key [EVENTBUS_KEY_MAX];
    eventbus_stream_key (key, self->chain_id, topic);
    return strdup (key);
}

//  topic.may subscribe: 1, 0 or -1 (reason in err). After the node did not answer, it is not
//  asked again for S_ASK_RETRY_MS: a call that times out is paid once, not once per topic.
static int
s_may (eventbus_deliver_t *self, const char *topic, const char *did, char *err, size_t err_size)
{
    if (zclock_mono () < self->node_quiet_until) {
        accord_errorf (err, err_size, "the node did not answer topic.may; try again later");
        return -1;
    }
    int rc = self->hooks.may_subscribe (self->hooks.ctx, s_base_topic (topic), did, err, err_size);
    if (rc < 0)
        self->node_quiet_until = zclock_mono () + S_ASK_RETRY_MS;
    return rc;
}

//  ---------------------------------------------------------------------------------------
//  Consumer groups.

static void
s_group_destroy (s_group_t **self_p)
{
    if (*self_p) {
        s_group_t *self = *self_p;
        zlistx_destroy (&self->members);
        free (self->name);
        free (self->topic);
        free (self->key);
        free (self);
        *self_p = NULL;
    }
}

static s_group_t *
s_group_get (eventbus_deliver_t *self, const char *name, const char *topic, const char *key)
{
    char *index = zsys_sprintf ("%s %s", name, key);
    s_group_t *group = zhashx_lookup (self->groups, index);
    if (!group) {
        group = calloc (1, sizeof *group);
        group->name = strdup (name);
        group->topic = strdup (topic);
        group->key = strdup (key);
        group->members = zlistx_new ();
        s_id_copy (group->sweep, S_ID_ZERO);
        zhashx_insert (self->groups, index, group);
    }
    zstr_free (&index);
    return group;
}

//  The group's ack timeout and delivery limit: the smallest its subscriptions here gave.
static void
s_group_limits (s_group_t *self, uint32_t *ack_timeout_ms, uint32_t *max_deliveries)
{
    *ack_timeout_ms = EVENTBUS_ACK_TIMEOUT_MAX_MS;
    *max_deliveries = EVENTBUS_DELIVERIES_MAX;
    for (s_cursor_t *c = zlistx_first (self->members); c; c = zlistx_next (self->members)) {
        *ack_timeout_ms = MIN (*ack_timeout_ms, c->sub->ack_timeout_ms);
        *max_deliveries = MIN (*max_deliveries, c->sub->max_deliveries);
    }
}

//  Makes the group on its stream at start (or where it had got to, after Redis lost it), or
//  finds it there. 0, or -1 when Redis did not.
static int
s_group_create (eventbus_deliver_t *self, s_group_t *group, const char *start)
{
    if (group->created)
        return 0;
    const char *at = group->last [0] ? group->last : start;
    redisReply *reply = s_command (self, "XGROUP CREATE %s %s %s MKSTREAM", group->key, group->name, at);
    if (reply && (reply->type == REDIS_REPLY_STATUS || s_error_is (reply, "BUSYGROUP"))) {
        group->created = 1;
        group->failing = 0;
        if (!group->last [0] && reply->type == REDIS_REPLY_STATUS)
            s_id_copy (group->last, at);
    }
    else
    if (reply && !group->failing) {
        zsys_warning ("deliver: cannot make group %s on %s: %s", group->name, group->topic,
                      reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        group->failing = 1;
    }
    if (reply)
        freeReplyObject (reply);
    return group->created ? 0 : -1;
}

//  The delivery counts of pending entries (XPENDING of each id); 1 for an entry not found.
static void
s_pending_counts (eventbus_deliver_t *self, s_group_t *group, const redisReply *entries,
                  uint32_t *counts)
{
    size_t appended = 0;
    for (size_t i = 0; i < entries->elements; i++) {
        counts [i] = 1;
        const redisReply *entry = entries->element [i];
        const char *id = entry->type == REDIS_REPLY_ARRAY && entry->elements > 0 ? s_text (entry->element [0]) : NULL;
        const char *argv [] = { "XPENDING", group->key, group->name, id ? id : S_ID_ZERO, id ? id : S_ID_ZERO, "1" };
        if (s_append (self, 6, argv, NULL) == 0)
            appended++;
    }
    for (size_t i = 0; i < appended; i++) {
        redisReply *reply = s_reply (self);
        if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
        &&  reply->element [0]->type == REDIS_REPLY_ARRAY && reply->element [0]->elements == 4
        &&  reply->element [0]->element [3]->type == REDIS_REPLY_INTEGER)
            counts [i] = (uint32_t) reply->element [0]->element [3]->integer;
        if (reply)
            freeReplyObject (reply);
    }
}

static void
s_ack (eventbus_deliver_t *self, s_group_t *group, const char *stream_id)
{
    redisReply *reply = s_command (self, "XACK %s %s %s", group->key, group->name, stream_id);
    if (reply)
        freeReplyObject (reply);
}

//  Hands pending entries of consumer back to the sweep at once, each with the delivery count
//  it had before this read (counts [i] - 1).
static void
s_undeliver (eventbus_deliver_t *self, s_group_t *group, const char *consumer, const redisReply *entries,
             const uint32_t *counts, size_t from)
{
    char idle [16];
    snprintf (idle, sizeof idle, "%d", S_REDELIVER_IDLE_MS);
    size_t appended = 0;
    for (size_t i = from; i < entries->elements; i++) {
        const redisReply *entry = entries->element [i];
        const char *id = entry->type == REDIS_REPLY_ARRAY && entry->elements > 0 ? s_text (entry->element [0]) : NULL;
        char retries [16];
        snprintf (retries, sizeof retries, "%" PRIu32, counts [i] > 0 ? counts [i] - 1 : 0);
        const char *argv [] = { "XCLAIM", group->key, group->name, consumer, "0", id, "IDLE", idle,
                                "RETRYCOUNT", retries, "JUSTID" };
        if (id && s_append (self, 11, argv, NULL) == 0)
            appended++;
    }
    for (size_t i = 0; i < appended; i++) {
        redisReply *reply = s_reply (self);
        if (reply)
            freeReplyObject (reply);
    }
    s_id_copy (group->sweep, S_ID_ZERO);
    group->sweep_at = 0;
}

//  Moves an entry that reached the delivery limit to its topic's dead-letter stream and
//  acknowledges it. An entry of a dead-letter stream is only acknowledged: it stays where it is.
static void
s_dead_letter (eventbus_deliver_t *self, s_group_t *group, const s_entry_t *entry, uint32_t deliveries)
{
    if (!s_is_dlq (group->topic)) {
        char *topic = zsys_sprintf (S_DLQ_PREFIX "%s", group->topic);
        char *key = s_key (self, topic);
        char event [ACCORD_EVENT_ID_TEXT_MAX], count [16];
        if (s_event_id (event, entry->stream_id))
            s_id_copy (event, entry->stream_id);
        snprintf (count, sizeof count, "%" PRIu32, deliveries);
        const redisReply *fields [] = { entry->id, entry->publisher, entry->tags, entry->payload, entry->time,
                                        entry->sig, entry->block_ms };
        const char *names [] = { "id", "publisher", "tags", "payload", "time", "sig", "block_ms" };
        const char *argv [6 + 2 * 7 + 6] = { "XADD", key, "MAXLEN", "~", S_DLQ_MAXLEN, "*" };
        size_t lens [6 + 2 * 7 + 6], argc = 6;
        for (size_t i = 0; i < 7; i++) {
            argv [argc++] = names [i];
            argv [argc++] = fields [i] ? fields [i]->str : "";
        }
        const char *extra [] = { "group", group->name, "deliveries", count, "event", event };
        for (size_t i = 0; i < 6; i++)
            argv [argc++] = extra [i];
        for (size_t i = 0; i < argc; i++)
            lens [i] = strlen (argv [i]);
        lens [6 + 2 * 3 + 1] = entry->payload->len;     //  binary
        int added = s_append (self, (int) argc, argv, lens) == 0;
        redisReply *reply = added ? s_reply (self) : NULL;
        added = reply && reply->type == REDIS_REPLY_STRING;
        if (reply && !added)
            zsys_warning ("deliver: cannot dead-letter %s of %s: %s", event, group->topic,
                          reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        if (reply)
            freeReplyObject (reply);
        free (key);
        if (added) {
            self->dead_lettered++;
            s_mark_topic (self, topic);
        }
        zstr_free (&topic);
        if (!added)
            return;     //  still pending: the sweep tries again
    }
    s_ack (self, group, entry->stream_id);
}

//  What became of an entry read for a group member.
typedef enum { S_FAILED = -1, S_SENT, S_SKIP, S_DONE } s_outcome_t;

//  One entry read for a group member, delivered count times now (the first time: 1):
//  S_SENT, S_SKIP (nothing to deliver: the caller acknowledges it), S_DONE (dead-lettered),
//  or S_FAILED (the send failed).
static s_outcome_t
s_group_deliver (eventbus_deliver_t *self, s_cursor_t *c, const redisReply *raw, uint32_t count,
                 uint32_t max_deliveries)
{
    s_entry_t entry;
    if (s_entry_parse (&entry, raw))
        return S_SKIP;      //  deleted since (retention), or not ours
    if (count > max_deliveries) {
        s_dead_letter (self, c->group, &entry, count - 1);
        return S_DONE;
    }
    if (!s_tags_match (c->sub, &entry))
        return S_SKIP;      //  the group's events this member's tags leave out
    int rc = s_send (self, c->sub, c->topic, &entry, count);
    return rc > 0 ? S_SENT : rc == 0 ? S_SKIP : S_FAILED;
}

//  The entries array of an XREADGROUP reply on one stream, or NULL when there is none.
static const redisReply *
s_stream_entries (const redisReply *reply)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 1)
        return NULL;
    const redisReply *stream = reply->element [0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 || stream->element [1]->type != REDIS_REPLY_ARRAY
    ||  stream->element [1]->elements > S_READ_BATCH)     //  we never ask for more
        return NULL;
    return stream->element [1];
}

//  Where a batch of group entries came from.
typedef enum { S_HISTORY, S_NEW, S_CLAIMED } s_source_t;

//  Delivers a read batch of group entries with their counts; the number handled. On a failed
//  send, this entry and the rest go back to the sweep.
static size_t
s_group_batch (eventbus_deliver_t *self, s_cursor_t *c, s_source_t source, const redisReply *entries,
               const uint32_t *counts)
{
    uint32_t ack_timeout_ms, max_deliveries;
    s_group_limits (c->group, &ack_timeout_ms, &max_deliveries);
    const char *argv [3 + S_READ_BATCH] = { "XACK", c->group->key, c->group->name };
    size_t argc = 3, handled = 0;
    for (size_t i = 0; i < entries->elements && i < S_READ_BATCH; i++) {
        const redisReply *entry = entries->element [i];
        const char *id = entry->type == REDIS_REPLY_ARRAY && entry->elements == 2 ? s_text (entry->element [0]) : NULL;
        s_outcome_t outcome = s_group_deliver (self, c, entry, counts [i], max_deliveries);
        if (outcome == S_FAILED) {
            s_undeliver (self, c->group, c->sub->consumer, entries, counts, i);
            break;
        }
        if (outcome == S_SKIP && id)
            argv [argc++] = id;
        handled++;
        if (id && source == S_HISTORY)
            s_id_copy (c->pos, id);
        else
        if (id && source == S_NEW && s_id_cmp (id, c->group->last) > 0)
            s_id_copy (c->group->last, id);
    }
    //  What there was nothing to deliver of is acknowledged at once, in one command
    redisReply *reply = argc > 3 && s_append (self, (int) argc, argv, NULL) == 0 ? s_reply (self) : NULL;
    if (reply)
        freeReplyObject (reply);
    return handled;
}

//  One read of a group member: its own pending entries first, then new ones.
static size_t
s_read_group (eventbus_deliver_t *self, s_cursor_t *c)
{
    s_group_t *group = c->group;
    if (s_group_create (self, group, c->start))
        return 0;
    char count [16];
    size_t want = s_want (c->sub);
    snprintf (count, sizeof count, "%zu", want);
    redisReply *reply = s_command (self, "XREADGROUP GROUP %s %s COUNT %s STREAMS %s %s", group->name,
                                   c->sub->consumer, count, c->key, c->history ? c->pos : ">");
    if (!reply)
        return 0;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (s_error_is (reply, "NOGROUP"))
            group->created = 0;     //  Redis lost it: made again on the next read
        else
            zsys_warning ("deliver: XREADGROUP %s on %s: %s", group->name, c->topic, reply->str);
        freeReplyObject (reply);
        return 0;
    }
    const redisReply *entries = s_stream_entries (reply);
    size_t handled = 0;
    if (!entries || entries->elements == 0) {
        if (c->history)
            handled = 1;        //  its own pending entries are done: new ones now
        else
            c->more = 0;
        c->history = 0;
    }
    else {
        uint32_t counts [S_READ_BATCH];
        if (c->history)
            s_pending_counts (self, group, entries, counts);
        else
            for (size_t i = 0; i < entries->elements && i < S_READ_BATCH; i++)
                counts [i] = 1;
        handled = s_group_batch (self, c, c->history ? S_HISTORY : S_NEW, entries, counts);
        if (!c->history && entries->elements < want)
            c->more = 0;
    }
    freeReplyObject (reply);
    return handled;
}

//  Removes the consumers of the group that were named after a session (S_CONSUMER_PREFIX),
//  hold nothing pending and are no subscription here: nobody reads as them again.
static void
s_tidy (eventbus_deliver_t *self, s_group_t *group)
{
    group->tidy = 0;
    group->tidy_at = zclock_mono () + S_SWEEP_MAX_MS;
    redisReply *reply = s_command (self, "XINFO CONSUMERS %s %s", group->key, group->name);
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *info = reply->element [i];
        const char *name = NULL;
        long long pending = -1;
        for (size_t j = 0; info->type == REDIS_REPLY_ARRAY && j + 1 < info->elements; j += 2) {
            const char *field = s_text (info->element [j]);
            if (field && streq (field, "name"))
                name = s_text (info->element [j + 1]);
            else
            if (field && streq (field, "pending") && info->element [j + 1]->type == REDIS_REPLY_INTEGER)
                pending = info->element [j + 1]->integer;
        }
        if (!name || pending != 0 || strncmp (name, S_CONSUMER_PREFIX, strlen (S_CONSUMER_PREFIX)))
            continue;
        int live = 0;
        for (s_cursor_t *c = zlistx_first (group->members); c && !live; c = zlistx_next (group->members))
            live = streq (c->sub->consumer, name);
        redisReply *deleted = live ? NULL : s_command (self, "XGROUP DELCONSUMER %s %s %s", group->key, group->name, name);
        if (deleted)
            freeReplyObject (deleted);
    }
    if (reply)
        freeReplyObject (reply);
}

//  A member of the group that can take deliveries now, in turn; NULL when none. Not one still
//  re-reading its own pending entries: what the sweep claimed for it would be among them, and
//  be delivered twice.
static s_cursor_t *
s_group_pick (s_group_t *self)
{
    size_t size = zlistx_size (self->members);
    for (size_t i = 0; i < size; i++) {
        s_cursor_t *c = zlistx_first (self->members);
        zlistx_move_end (self->members, zlistx_cursor (self->members));
        if (c->access == S_ALLOWED && c->sub->credit > 0 && !c->sub->blocked && !c->history)
            return c;
    }
    return NULL;
}

//  Hands the group's entries idle past its ack timeout to a member with credit.
static void
s_sweep (eventbus_deliver_t *self, s_group_t *group)
{
    s_cursor_t *c = s_group_pick (group);
    if (!c || s_group_create (self, group, c->start))
        return;
    uint32_t ack_timeout_ms, max_deliveries;
    s_group_limits (group, &ack_timeout_ms, &max_deliveries);
    char idle [16], count [16];
    snprintf (idle, sizeof idle, "%" PRIu32, ack_timeout_ms);
    snprintf (count, sizeof count, "%zu", s_want (c->sub));
    redisReply *reply = s_command (self, "XAUTOCLAIM %s %s %s %s %s COUNT %s", group->key, group->name,
                                   c->sub->consumer, idle, group->sweep, count);
    if (!reply)
        return;
    int64_t interval = MAX (EVENTBUS_TICK_MS, MIN (S_SWEEP_MAX_MS, ack_timeout_ms / 4));
    group->sweep_at = zclock_mono () + interval;
    if (s_error_is (reply, "NOGROUP"))
        group->created = 0;
    else
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 && s_text (reply->element [0])
    &&  reply->element [1]->type == REDIS_REPLY_ARRAY) {
        const char *next = s_text (reply->element [0]);
        const redisReply *entries = reply->element [1];
        uint32_t counts [S_READ_BATCH];
        if (entries->elements > 0 && entries->elements <= S_READ_BATCH) {
            s_pending_counts (self, group, entries, counts);
            s_group_batch (self, c, S_CLAIMED, entries, counts);
            group->tidy = 1;    //  what was claimed may have been all a gone consumer had
        }
        s_id_copy (group->sweep, next);
        if (!streq (next, S_ID_ZERO))
            group->sweep_at = 0;    //  more of the pending list to look at: on the next tick
    }
    else
        zsys_warning ("deliver: XAUTOCLAIM %s on %s: %s", group->name, group->topic,
                      reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    freeReplyObject (reply);
}

//  ---------------------------------------------------------------------------------------
//  Plain subscriptions.

static size_t
s_read_plain (eventbus_deliver_t *self, s_cursor_t *c)
{
    char start [EVENTBUS_STREAM_ID_MAX + 1], count [16];
    size_t want = s_want (c->sub);
    snprintf (start, sizeof start, "(%s", c->pos);
    snprintf (count, sizeof count, "%zu", want);
    redisReply *reply = s_command (self, "XRANGE %s %s + COUNT %s", c->key, start, count);
    if (!reply)
        return 0;
    size_t handled = 0;
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < reply->elements; i++) {
            s_entry_t entry;
            if (s_entry_parse (&entry, reply->element [i]) == 0) {
                if (s_tags_match (c->sub, &entry) && s_send (self, c->sub, c->topic, &entry, 0) < 0)
                    break;      //  not sent: the cursor stays before it
            }
            if (entry.stream_id)
                s_id_copy (c->pos, entry.stream_id);
            handled++;
        }
        if (handled == reply->elements && reply->elements < want)
            c->more = 0;
    }
    else {
        zsys_warning ("deliver: XRANGE on %s: %s", c->topic,
                      reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        c->more = 0;
    }
    freeReplyObject (reply);
    return handled;
}

//  ---------------------------------------------------------------------------------------
//  Subscriptions and their turns.

static void
s_cursor_destroy (s_cursor_t **self_p)
{
    if (*self_p) {
        s_cursor_t *self = *self_p;
        if (self->group)
            zlistx_delete (self->group->members, self->member);
        free (self->topic);
        free (self->key);
        free (self);
        *self_p = NULL;
    }
}

static void
s_sub_destroy (s_sub_t **self_p)
{
    if (*self_p) {
        s_sub_t *self = *self_p;
        for (size_t i = 0; i < self->count; i++)
            s_cursor_destroy (&self->cursors [i]);
        free (self->cursors);
        zhashx_destroy (&self->by_topic);
        for (size_t i = 0; i < self->tag_count; i++)
            free (self->tags [i]);
        free (self->session);
        free (self->did);
        free (self->consumer);
        free (self->ended);
        free (self);
        *self_p = NULL;
    }
}

static s_cursor_t *
s_cursor_find (s_sub_t *sub, const char *topic)
{
    return zhashx_lookup (sub->by_topic, topic);
}

//  Where a cursor of sub on topic starts. later: the topic was matched after the
//  subscription, so every event of it is new. 0, or -1 when Redis did not answer.
static int
s_start (eventbus_deliver_t *self, s_sub_t *sub, s_cursor_t *c, int later)
{
    eventbus_from_t from = sub->from;
    if (from == EVENTBUS_FROM_TIME && s_is_dlq (c->topic)) {
        //  A dead-letter stream's ids are the times its entries came in
        s_id_before (c->start, sub->from_ms, 0);
        return 0;
    }
    if (from == EVENTBUS_FROM_TIME && !sub->time_found)
        from = EVENTBUS_FROM_NOW;       //  no block at or after the time yet: new events only
    if (later || from == EVENTBUS_FROM_FIRST || from == EVENTBUS_FROM_EVENT || from == EVENTBUS_FROM_TIME) {
        s_id_copy (c->start, sub->later);
        return 0;
    }
    //  Now: after the stream's last entry. Last: before it.
    redisReply *reply = s_command (self, "XREVRANGE %s + - COUNT %s", c->key, from == EVENTBUS_FROM_LAST ? "2" : "1");
    if (!reply)
        return -1;
    size_t which = from == EVENTBUS_FROM_LAST ? 1 : 0;
    const char *id = reply->type == REDIS_REPLY_ARRAY && reply->elements > which
                   && reply->element [which]->type == REDIS_REPLY_ARRAY && reply->element [which]->elements == 2
                   ? s_text (reply->element [which]->element [0]) : NULL;
    s_id_copy (c->start, id ? id : S_ID_ZERO);
    freeReplyObject (reply);
    return 0;
}

//  A cursor of sub on topic (not there yet), with access as topic.may said. For a group, the
//  group is made on the stream now at subscribe (where the subscription starts must not wait
//  for a read), or on the first read of a topic matched later. 0, or -1 when Redis did not
//  answer.
static int
s_cursor_add (eventbus_deliver_t *self, s_sub_t *sub, const char *topic, s_access_t access, int later)
{
    s_cursor_t *c = calloc (1, sizeof *c);
    c->sub = sub;
    c->topic = strdup (topic);
    c->key = s_key (self, topic);
    c->access = access;
    c->ask_at = zclock_mono () + S_ASK_RETRY_MS;
    c->more = 1;
    if (sub->count == sub->alloc) {
        sub->alloc = sub->alloc ? sub->alloc * 2 : 4;
        sub->cursors = realloc (sub->cursors, sub->alloc * sizeof *sub->cursors);
    }
    sub->cursors [sub->count++] = c;
    zhashx_insert (sub->by_topic, topic, c);
    if (s_start (self, sub, c, later))
        return -1;
    if (!sub->group [0]) {
        s_id_copy (c->pos, c->start);
        return 0;
    }
    c->group = s_group_get (self, sub->group, topic, c->key);
    c->member = zlistx_add_end (c->group->members, c);
    c->history = 1;
    s_id_copy (c->pos, S_ID_ZERO);
    //  A DID not (yet) known to be allowed places no group
    return later || access != S_ALLOWED ? 0 : s_group_create (self, c->group, c->start);
}

//  Serves one turn of sub: a read for each of its topics that may have entries, while it has
//  credit. The number of entries handled.
static size_t
s_serve (eventbus_deliver_t *self, s_sub_t *sub)
{
    size_t handled = 0;
    for (size_t i = 0; i < sub->count && sub->credit > 0 && !sub->blocked && self->redis; i++) {
        s_cursor_t *c = sub->cursors [(sub->next + i) % sub->count];
        if (c->more && c->access == S_ALLOWED)
            handled += c->group ? s_read_group (self, c) : s_read_plain (self, c);
    }
    if (sub->count)
        sub->next = (sub->next + 1) % sub->count;   //  the next turn starts at the next topic
    return handled;
}


//  After a (re)connection: every cursor reads again, every group is looked for again (Redis
//  may have been flushed or replaced while we were away).
static void
s_settle (eventbus_deliver_t *self)
{
    if (!self->reconnected)
        return;
    self->reconnected = 0;
    for (size_t i = 0; i < self->sub_count; i++)
        for (size_t j = 0; j < self->subs [i]->count; j++)
            self->subs [i]->cursors [j]->more = 1;
    for (s_group_t *group = zhashx_first (self->groups); group; group = zhashx_next (self->groups)) {
        group->created = 0;
        group->sweep_at = 0;
    }
}

//  Turns for every subscription with credit and something to read, until nothing is left or
//  S_PUMP_SLICE_MS is spent. The next pump starts with the next subscription.
static void
s_pump (eventbus_deliver_t *self)
{
    s_settle (self);
    int64_t deadline = zclock_mono () + S_PUMP_SLICE_MS;
    size_t handled = 1;
    while (handled && s_redis (self) && zclock_mono () < deadline) {
        handled = 0;
        for (size_t i = 0; i < self->sub_count && zclock_mono () < deadline; i++)
            handled += s_serve (self, self->subs [(self->turn + i) % self->sub_count]);
    }
    self->unfinished = handled > 0 && self->redis;
    self->turn = self->sub_count ? (self->turn + 1) % self->sub_count : 0;
}

//  Every cursor on topic may have entries to read.
static void
s_mark_topic (eventbus_deliver_t *self, const char *topic)
{
    for (size_t i = 0; i < self->sub_count; i++) {
        s_cursor_t *c = s_cursor_find (self->subs [i], topic);
        if (c)
            c->more = 1;
    }
}

static s_sub_t *
s_sub_find (eventbus_deliver_t *self, const char *session, const char *id, char *err, size_t err_size)
{
    s_sub_t *sub = id ? zhashx_lookup (self->sub_ids, id) : NULL;
    if (!sub || !session || !streq (sub->session, session)) {
        accord_errorf (err, err_size, "no subscription '%.40s' in this session", id ? id : "");
        return NULL;
    }
    return sub;
}

static void
s_sub_remove (eventbus_deliver_t *self, s_sub_t *sub)
{
    zhashx_delete (self->sub_ids, sub->id);
    for (size_t i = 0; i < self->sub_count; i++)
        if (self->subs [i] == sub) {
            memmove (self->subs + i, self->subs + i + 1, (self->sub_count - i - 1) * sizeof *self->subs);
            self->sub_count--;
            break;
        }
    s_group_t **groups = calloc (sub->count + 1, sizeof *groups);
    size_t group_count = 0;
    for (size_t i = 0; i < sub->count; i++)
        if (sub->cursors [i]->group)
            groups [group_count++] = sub->cursors [i]->group;
    int named_here = sub->consumer && strncmp (sub->consumer, S_CONSUMER_PREFIX, strlen (S_CONSUMER_PREFIX)) == 0;
    s_sub_destroy (&sub);
    for (size_t i = 0; i < group_count; i++) {
        //  Its pending entries stay for the sweep; a consumer of ours with none goes now
        if (named_here && self->redis)
            s_tidy (self, groups [i]);
        //  A group without a member here goes; the Redis group stays, with what is pending
        if (zlistx_size (groups [i]->members) == 0) {
            char *index = zsys_sprintf ("%s %s", groups [i]->name, groups [i]->key);
            zhashx_delete (self->groups, index);
            zstr_free (&index);
        }
    }
    free (groups);
}

static s_sub_t *
s_sub_new (eventbus_deliver_t *self, const char *session, const char *did, const eventbus_subscribe_t *request)
{
    s_sub_t *sub = calloc (1, sizeof *sub);
    sub->by_topic = zhashx_new ();
    snprintf (sub->id, sizeof sub->id, "%" PRIu64, ++self->sub_seq);
    sub->session = strdup (session);
    sub->did = strdup (did ? did : "");
    snprintf (sub->filter, sizeof sub->filter, "%s", request->filter);
    for (size_t i = 0; i < request->tag_count && i < ACCORD_EVENT_TAGS_MAX; i++)
        if (request->tags [i])
            sub->tags [sub->tag_count++] = strdup (request->tags [i]);
    sub->from = request->from;
    sub->from_ms = request->from_ms;
    snprintf (sub->group, sizeof sub->group, "%s", request->group);
    if (sub->group [0])
        sub->consumer = request->consumer [0] ? strdup (request->consumer)
                                              : zsys_sprintf (S_CONSUMER_PREFIX "%s/%s", session, sub->id);
    //  The decoder checked the ranges; kept within them anyway, as state depends on them. 0,
    //  out of range, stands for not given; credit 0 is a credit (nothing until CREDIT).
    uint32_t ack_timeout_ms = request->ack_timeout_ms ? request->ack_timeout_ms : EVENTBUS_ACK_TIMEOUT_DEFAULT_MS;
    uint32_t max_deliveries = request->max_deliveries ? request->max_deliveries : EVENTBUS_DELIVERIES_DEFAULT;
    sub->credit = MIN (request->credit, EVENTBUS_CREDIT_MAX);
    sub->ack_timeout_ms = MAX (EVENTBUS_ACK_TIMEOUT_MIN_MS, MIN (ack_timeout_ms, EVENTBUS_ACK_TIMEOUT_MAX_MS));
    sub->max_deliveries = MIN (max_deliveries, EVENTBUS_DELIVERIES_MAX);
    return sub;
}

//  Where the topics matched after the subscription start (sub->later), and for a time,
//  whether a block at or after it is indexed. 0, or -1 when Redis did not answer.
static int
s_later (eventbus_deliver_t *self, s_sub_t *sub, const eventbus_subscribe_t *request)
{
    s_id_copy (sub->later, S_ID_ZERO);
    if (request->from == EVENTBUS_FROM_EVENT) {
        char id [EVENTBUS_STREAM_ID_MAX];
        uint64_t ms, seq;
        eventbus_stream_id (id, request->from_height, request->from_tx, request->from_index);
        if (s_id_split (id, &ms, &seq) == 0)
            s_id_before (sub->later, ms, seq);
    }
    else
    if (request->from == EVENTBUS_FROM_TIME) {
        char times [EVENTBUS_KEY_MAX], ms [24];
        eventbus_stream_key (times, self->chain_id, "@times");
        snprintf (ms, sizeof ms, "%" PRIu64, request->from_ms);
        redisReply *reply = s_command (self, "ZRANGEBYSCORE %s %s +inf LIMIT 0 1", times, ms);
        if (!reply)
            return -1;
        const char *height = reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 ? s_text (reply->element [0]) : NULL;
        if (height && *height >= '0' && *height <= '9') {
            sub->time_found = 1;
            s_id_before (sub->later, strtoull (height, NULL, 10), 0);
        }
        freeReplyObject (reply);
    }
    return 0;
}

static int
s_strcmp (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  ---------------------------------------------------------------------------------------
//  Subscriptions the broker ends: their DID may no longer read one of their topics.

//  Marks sub to be ended (once, the first reason kept) by s_end_marked.
static void
s_end_mark (s_sub_t *sub, const char *topic, const char *reason)
{
    if (!sub->ended)
        sub->ended = zsys_sprintf ("the topic %s was updated: %s", topic, reason);
}

//  Ends every marked subscription: "ACC1" "END" sub "unauthorized" reason to its session (lost
//  when the client's queue is full or it is gone), then it is removed as by UNSUBSCRIBE.
static void
s_end_marked (eventbus_deliver_t *self)
{
    for (size_t i = self->sub_count; i > 0; i--) {
        s_sub_t *sub = self->subs [i - 1];
        if (!sub->ended)
            continue;
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, ACCORD_WIRE_VERSION);
        zmsg_addstr (msg, "END");
        zmsg_addstr (msg, sub->id);
        zmsg_addstr (msg, accord_err_name (ACCORD_E_UNAUTHORIZED));
        zmsg_addstr (msg, sub->ended);
        zsys_info ("deliver: subscription %s of session %s ended: %s", sub->id, sub->session, sub->ended);
        if (self->hooks.send (self->hooks.ctx, sub->session, &msg) != 0)
            zmsg_destroy (&msg);
        s_sub_remove (self, sub);
    }
}

//  ---------------------------------------------------------------------------------------
//  The interface.

static void
s_group_destructor (void **item)
{
    s_group_destroy ((s_group_t **) item);
}

eventbus_deliver_t *
eventbus_deliver_new (const char *redis_endpoint, const char *chain_id, const eventbus_deliver_hooks_t *hooks)
{
    if (!redis_endpoint || !chain_id || !hooks || !hooks->send || !hooks->may_subscribe)
        return NULL;
    eventbus_deliver_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (accord_endpoint_split (redis_endpoint, self->host, &self->port)) {
        free (self);
        return NULL;
    }
    self->chain_id = strdup (chain_id);
    self->hooks = *hooks;
    self->topics = zhashx_new ();
    self->sub_ids = zhashx_new ();
    self->groups = zhashx_new ();
    zhashx_set_destructor (self->groups, s_group_destructor);
    s_redis (self);
    return self;
}

void
eventbus_deliver_destroy (eventbus_deliver_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    eventbus_deliver_t *self = *self_p;
    for (size_t i = 0; i < self->sub_count; i++)
        s_sub_destroy (&self->subs [i]);
    free (self->subs);
    zhashx_destroy (&self->sub_ids);
    zhashx_destroy (&self->groups);
    zhashx_destroy (&self->topics);
    if (self->redis)
        redisFree (self->redis);
    free (self->chain_id);
    free (self);
    *self_p = NULL;
}

void
eventbus_deliver_topic_added (eventbus_deliver_t *self, const char *topic)
{
    char err [160];
    if (!topic || accord_topic_name_check (topic, 0, err, sizeof err) || zhashx_lookup (self->topics, topic))
        return;
    zhashx_insert (self->topics, topic, self);
    char *dlq = zsys_sprintf (S_DLQ_PREFIX "%s", topic);
    for (size_t i = 0; i < self->sub_count; i++) {
        s_sub_t *sub = self->subs [i];
        const char *name = accord_topic_filter_match (sub->filter, topic) ? topic
                         : accord_topic_filter_match (sub->filter, dlq) ? dlq : NULL;
        if (!name || s_cursor_find (sub, name))
            continue;
        int may = s_may (self, name, sub->did, err, sizeof err);
        if (may != 0)       //  not asked yet when the node did not answer: on a tick
            s_cursor_add (self, sub, name, may > 0 ? S_ALLOWED : S_ASK, 1);
    }
    zstr_free (&dlq);
}

int
eventbus_deliver_subscribe (eventbus_deliver_t *self, const char *session, const char *did,
                            const eventbus_subscribe_t *request, json_object **reply,
                            char *err, size_t err_size)
{
    *reply = NULL;
    if (!session || !request) {
        accord_errorf (err, err_size, "no session or no request");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    if (accord_topic_filter_check (request->filter, err, err_size))
        return ACCORD_E_INVALID_ARGUMENT;
    s_sub_t *sub = s_sub_new (self, session, did, request);
    int rc = ACCORD_OK;
    if (s_later (self, sub, request))
        rc = ACCORD_E_UNAVAILABLE;
    else
    if (!strpbrk (sub->filter, "+#")) {
        //  A name: it must exist, and this DID must be allowed to read it
        if (!zhashx_lookup (self->topics, s_base_topic (sub->filter))) {
            accord_errorf (err, err_size, "no topic '%s'", sub->filter);
            rc = ACCORD_E_NOT_FOUND;
        }
        else {
            int may = s_may (self, sub->filter, sub->did, err, err_size);
            rc = may < 0 ? ACCORD_E_UNAVAILABLE : may == 0 ? ACCORD_E_UNAUTHORIZED
               : s_cursor_add (self, sub, sub->filter, S_ALLOWED, 0) ? ACCORD_E_UNAVAILABLE : ACCORD_OK;
        }
    }
    else {
        //  A filter: the topics it matches now that this DID may read (a dead-letter stream
        //  stands with its topic), in name order
        size_t count = 0, size = zhashx_size (self->topics);
        char **names = calloc (size + 1, sizeof *names);
        for (void *item = zhashx_first (self->topics); item; item = zhashx_next (self->topics)) {
            const char *topic = zhashx_cursor (self->topics);
            char *dlq = zsys_sprintf (S_DLQ_PREFIX "%s", topic);
            if (accord_topic_filter_match (sub->filter, topic))
                names [count++] = strdup (topic);
            else
            if (accord_topic_filter_match (sub->filter, dlq))
                names [count++] = strdup (dlq);
            zstr_free (&dlq);
        }
        qsort (names, count, sizeof *names, s_strcmp);
        for (size_t i = 0; i < count && rc == ACCORD_OK; i++) {
            char reason [160];
            int may = s_may (self, names [i], sub->did, reason, sizeof reason);
            if (may != 0 && s_cursor_add (self, sub, names [i], may > 0 ? S_ALLOWED : S_ASK, 0))
                rc = ACCORD_E_UNAVAILABLE;
        }
        for (size_t i = 0; i < count; i++)
            free (names [i]);
        free (names);
    }
    if (rc == ACCORD_E_UNAVAILABLE && (!self->redis || (err && !err [0])))
        accord_errorf (err, err_size, "the event index (Redis) %s; try again later",
                       self->redis ? "could not place the subscription" : "is not reachable");
    if (rc != ACCORD_OK) {
        s_sub_remove (self, sub);       //  not registered: this takes its groups away
        return rc;
    }
    if (self->sub_count == self->sub_alloc) {
        self->sub_alloc = self->sub_alloc ? self->sub_alloc * 2 : 16;
        self->subs = realloc (self->subs, self->sub_alloc * sizeof *self->subs);
    }
    self->subs [self->sub_count++] = sub;
    zhashx_insert (self->sub_ids, sub->id, sub);
    json_object *topics = json_object_new_array ();
    for (size_t i = 0; i < sub->count; i++)
        if (sub->cursors [i]->access == S_ALLOWED)
            json_object_array_add (topics, json_object_new_string (sub->cursors [i]->topic));
    *reply = json_object_new_object ();
    json_object_object_add (*reply, "sub", json_object_new_string (sub->id));
    json_object_object_add (*reply, "topics", topics);
    return ACCORD_OK;
}

int
eventbus_deliver_credit (eventbus_deliver_t *self, const char *session, const char *sub_id,
                         uint32_t credit, uint32_t *outstanding, char *err, size_t err_size)
{
    s_sub_t *sub = s_sub_find (self, session, sub_id, err, err_size);
    if (!sub)
        return ACCORD_E_NOT_FOUND;
    sub->credit = (uint32_t) MIN ((uint64_t) sub->credit + credit, EVENTBUS_CREDIT_MAX);
    *outstanding = sub->credit;
    s_pump (self);
    return ACCORD_OK;
}

int
eventbus_deliver_ack (eventbus_deliver_t *self, const char *session, const char *sub_id, int nack,
                      const char **events, size_t count, size_t *acked, char *err, size_t err_size)
{
    *acked = 0;
    s_sub_t *sub = s_sub_find (self, session, sub_id, err, err_size);
    if (!sub)
        return ACCORD_E_NOT_FOUND;
    if (!sub->group [0]) {
        accord_errorf (err, err_size, "subscription %s is not a group subscription", sub->id);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    //  XACK key group ID... / XCLAIM key group consumer 0 ID... IDLE ms JUSTID: the ids on
    //  each of the subscription's streams (an event id names one event of one topic)
    char (*ids) [EVENTBUS_STREAM_ID_MAX] = calloc (count + 1, sizeof *ids);
    const char **argv = calloc (count + 8, sizeof *argv);
    char idle [16];
    snprintf (idle, sizeof idle, "%d", S_REDELIVER_IDLE_MS);
    argv [0] = nack ? "XCLAIM" : "XACK";
    argv [2] = sub->group;
    argv [3] = sub->consumer;
    argv [4] = "0";
    size_t argc = nack ? 5 : 3;
    for (size_t i = 0; i < count; i++) {
        uint64_t height;
        uint32_t tx, index;
        if (events [i] && accord_event_id_parse (events [i], &height, &tx, &index) == 0) {
            eventbus_stream_id (ids [i], height, tx, index);
            argv [argc++] = ids [i];
        }
    }
    size_t id_count = argc - (nack ? 5 : 3);
    if (nack) {
        argv [argc++] = "IDLE";
        argv [argc++] = idle;
        argv [argc++] = "JUSTID";
    }
    size_t appended = 0;
    for (size_t i = 0; i < sub->count && id_count > 0; i++) {
        s_cursor_t *c = sub->cursors [i];
        if (c->access != S_ALLOWED)
            continue;
        argv [1] = c->key;
        if (s_append (self, (int) argc, argv, NULL) == 0)
            appended++;
        if (nack) {
            //  What it gave back is to be delivered again now: the sweep looks from the start
            s_id_copy (c->group->sweep, S_ID_ZERO);
            c->group->sweep_at = 0;
        }
    }
    int rc = ACCORD_OK;
    for (size_t i = 0; i < appended; i++) {
        redisReply *reply = s_reply (self);
        if (!reply)
            rc = ACCORD_E_UNAVAILABLE;
        else
        if (reply->type == REDIS_REPLY_INTEGER)
            *acked += (size_t) reply->integer;
        else
        if (reply->type == REDIS_REPLY_ARRAY)
            *acked += reply->elements;
        if (reply)
            freeReplyObject (reply);
    }
    if (id_count > 0 && !self->redis)
        rc = ACCORD_E_UNAVAILABLE;
    if (rc == ACCORD_E_UNAVAILABLE)
        accord_errorf (err, err_size, "the event index (Redis) is not reachable; try again later");
    free (argv);
    free (ids);
    return rc;
}

int
eventbus_deliver_unsubscribe (eventbus_deliver_t *self, const char *session, const char *sub_id,
                              char *err, size_t err_size)
{
    s_sub_t *sub = s_sub_find (self, session, sub_id, err, err_size);
    if (!sub)
        return ACCORD_E_NOT_FOUND;
    s_sub_remove (self, sub);
    return ACCORD_OK;
}

void
eventbus_deliver_session_closed (eventbus_deliver_t *self, const char *session)
{
    for (size_t i = self->sub_count; session && i > 0; i--)
        if (streq (self->subs [i - 1]->session, session))
            s_sub_remove (self, self->subs [i - 1]);
}

void
eventbus_deliver_topic_updated (eventbus_deliver_t *self, const char *topic)
{
    char err [160];
    if (!topic || accord_topic_name_check (topic, 0, err, sizeof err))
        return;
    eventbus_deliver_topic_added (self, topic);         //  when the broker did not know it yet
    char *dlq = zsys_sprintf (S_DLQ_PREFIX "%s", topic);
    for (size_t i = 0; i < self->sub_count; i++) {
        s_sub_t *sub = self->subs [i];
        s_cursor_t *cursors [2] = { s_cursor_find (sub, topic), s_cursor_find (sub, dlq) };
        const char *name = accord_topic_filter_match (sub->filter, topic) ? topic
                         : accord_topic_filter_match (sub->filter, dlq) ? dlq : NULL;
        if (!cursors [0] && !cursors [1] && !(name && strpbrk (sub->filter, "+#")))
            continue;
        char reason [512];
        int may = s_may (self, topic, sub->did, reason, sizeof reason);
        for (size_t k = 0; k < 2; k++) {
            s_cursor_t *c = cursors [k];
            if (!c)
                continue;
            if (may == 0 && (c->access == S_ALLOWED || c->recheck))
                s_end_mark (sub, topic, reason);
            else
            if (may == 0)
                c->access = S_REFUSED;      //  never allowed yet (the node did not say): as a tick would
            else
            if (may < 0 && c->access != S_REFUSED) {
                //  Not delivered until the node says again (on a tick); a refusal then ends a
                //  subscription that could read it
                c->recheck = c->recheck || c->access == S_ALLOWED;
                c->access = S_ASK;
                c->ask_at = zclock_mono () + S_ASK_RETRY_MS;
            }
            else
            if (may > 0) {
                c->access = S_ALLOWED;
                c->recheck = 0;
                c->more = 1;
            }
        }
        //  A filter that left the topic out because the DID could not read it takes it in now,
        //  placed as at subscribe
        if (may > 0 && name && !cursors [0] && !cursors [1] && strpbrk (sub->filter, "+#") && self->redis
        &&  s_cursor_add (self, sub, name, S_ALLOWED, 0))
            s_cursor_find (sub, name)->access = S_REFUSED;     //  Redis could not place it: left out
    }
    zstr_free (&dlq);
    s_end_marked (self);
    s_pump (self);
}

void
eventbus_deliver_advanced (eventbus_deliver_t *self, const char *topic)
{
    if (topic)
        s_mark_topic (self, topic);
    s_pump (self);
}

void
eventbus_deliver_reread (eventbus_deliver_t *self)
{
    for (size_t i = 0; i < self->sub_count; i++)
        for (size_t j = 0; j < self->subs [i]->count; j++)
            self->subs [i]->cursors [j]->more = 1;
    s_pump (self);
}

void
eventbus_deliver_tick (eventbus_deliver_t *self)
{
    int64_t now = zclock_mono ();
    if (self->redis && now >= self->ping_at) {
        //  Notices a Redis that went away while nothing was read
        self->ping_at = now + S_REDIS_RETRY_MS;
        redisReply *reply = s_command (self, "PING");
        if (reply)
            freeReplyObject (reply);
    }
    if (!s_redis (self))
        return;
    s_settle (self);
    for (size_t i = 0; i < self->sub_count; i++) {
        s_sub_t *sub = self->subs [i];
        sub->blocked = 0;
        for (size_t j = 0; j < sub->count; j++) {
            s_cursor_t *c = sub->cursors [j];
            if (c->access != S_ASK || now < c->ask_at)
                continue;
            char reason [512];
            int may = s_may (self, c->topic, sub->did, reason, sizeof reason);
            c->access = may > 0 ? S_ALLOWED : may == 0 ? S_REFUSED : S_ASK;
            c->ask_at = now + S_ASK_RETRY_MS;
            if (may == 0 && c->recheck)
                s_end_mark (sub, s_base_topic (c->topic), reason);
            if (may >= 0)
                c->recheck = 0;
        }
    }
    s_end_marked (self);
    for (s_group_t *group = zhashx_first (self->groups); group; group = zhashx_next (self->groups)) {
        if (group->sweep_at <= now)
            s_sweep (self, group);
        if (group->tidy && group->tidy_at <= now)
            s_tidy (self, group);
    }
    s_pump (self);
}

int
eventbus_deliver_unfinished (eventbus_deliver_t *self)
{
    return self->unfinished;
}

json_object *
eventbus_deliver_stats (eventbus_deliver_t *self)
{
    json_object *stats = json_object_new_object ();
    json_object_object_add (stats, "subscriptions", json_object_new_int64 ((int64_t) self->sub_count));
    json_object_object_add (stats, "groups", json_object_new_int64 ((int64_t) zhashx_size (self->groups)));
    json_object_object_add (stats, "delivered", json_object_new_int64 ((int64_t) self->delivered));
    json_object_object_add (stats, "redelivered", json_object_new_int64 ((int64_t) self->redelivered));
    json_object_object_add (stats, "dead_lettered", json_object_new_int64 ((int64_t) self->dead_lettered));
    json_object_object_add (stats, "redis", json_object_new_boolean (self->redis != NULL));
    return stats;
}
