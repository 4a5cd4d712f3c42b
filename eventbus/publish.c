#include "publish.h"
#include "streams.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/tx.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SEP "\x1f"        //  between the parts of a repeat key: no topic, DID or id holds it
#define S_SCAN_CHUNK 256    //  stream entries per XREVRANGE when looking for repeats

typedef struct _s_topic_t s_topic_t;

//  One event waiting, or on its way in a batch.
typedef struct {
    char *session;
    accord_request_head_t head;
    char *publisher, *id;
    char *item;                 //  its JSON in the batch
    size_t item_len, payload_len;
} s_event_t;

//  A batch on its way: one transaction.
typedef struct {
    s_topic_t *topic;
    s_event_t **events;
    size_t count;
    char hash [2 * ACCORD_HASH_SIZE + 1];
    uint8_t *raw;
    size_t raw_len;
    uint64_t nonce, expiry;
    int64_t checked_ms;         //  last submitted or looked for on the node
} s_batch_t;

struct _s_topic_t {
    char name [ACCORD_TOPIC_NAME_MAX + 1];
    zlistx_t *waiting;          //  s_event_t, oldest first
    size_t waiting_payload, waiting_text;
    int64_t first_ms;           //  when the oldest waiting event came
    int64_t retry_ms;           //  not before then (the node refused a batch for now)
    size_t batches;             //  on their way
};

//  A message id seen on a topic from a publisher.
typedef struct {
    char *key;                  //  topic S_SEP publisher S_SEP id
    char event_id [ACCORD_EVENT_ID_TEXT_MAX];   //  "" until committed
    s_event_t *waiting;         //  our event for it, not yet answered
    void *pair_handle, *all_handle;             //  in the windows, once committed
    zlistx_t *pair;             //  the window of its (topic, publisher)
} s_seen_t;

struct _eventbus_publish_t {
    zloop_t *loop;
    int timer;                  //  the batch timer, or -1
    int64_t timer_at;           //  when it fires
    accord_client_t *node;
    accord_key_t *key;
    char sender [2 * ACCORD_PUBKEY_SIZE + 1];
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    eventbus_publish_hooks_t hooks;
    uint64_t next_nonce;
    int nonce_known;
    zhashx_t *topics;           //  name -> s_topic_t
    zhashx_t *batches;          //  hash -> s_batch_t (borrowed from its topic)
    zhashx_t *seen;             //  key -> s_seen_t
    zhashx_t *pairs;            //  topic S_SEP publisher -> zlistx_t of s_seen_t, oldest first
    zlistx_t *all;              //  every committed s_seen_t, oldest first
    size_t waiting, bytes;
    uint64_t committed, refused;
};

//  --------------------------------------------------------------------------
//  Events and answers

static void
s_event_destroy (s_event_t **event_p)
{
    s_event_t *event = *event_p;
    if (!event)
        return;
    free (event->session);
    free (event->publisher);
    free (event->id);
    free (event->item);
    free (event);
    *event_p = NULL;
}

//  The key of an entry: topic S_SEP publisher S_SEP id (without the id: the pair's key).
#define S_SEEN_KEY_MAX (ACCORD_TOPIC_NAME_MAX + ACCORD_DID_MAX + ACCORD_EVENT_ID_MAX + 3)

static void
s_seen_key (char out [S_SEEN_KEY_MAX], const char *topic, const char *publisher, const char *id)
{
    snprintf (out, S_SEEN_KEY_MAX, "%s" S_SEP "%s" S_SEP "%s", topic, publisher, id ? id : "");
}

static void
s_seen_delete (eventbus_publish_t *self, s_seen_t *seen)
{
    if (seen->pair_handle)
        zlistx_delete (seen->pair, seen->pair_handle);
    if (seen->all_handle)
        zlistx_delete (self->all, seen->all_handle);
    zhashx_delete (self->seen, seen->key);
}

static s_seen_t *
s_seen_find (eventbus_publish_t *self, const char *topic, const char *publisher, const char *id)
{
    char key [S_SEEN_KEY_MAX];
    s_seen_key (key, topic, publisher, id);
    return zhashx_lookup (self->seen, key);
}

static s_seen_t *
s_seen_get (eventbus_publish_t *self, const char *topic, const char *publisher, const char *id)
{
    s_seen_t *seen = s_seen_find (self, topic, publisher, id);
    if (seen)
        return seen;
    char key [S_SEEN_KEY_MAX];
    s_seen_key (key, topic, publisher, id);
    seen = calloc (1, sizeof *seen);
    if (seen)
        seen->key = strdup (key);
    if (!seen || !seen->key) {
        free (seen);
        return NULL;
    }
    zhashx_insert (self->seen, seen->key, seen);
    return seen;
}

//  An entry falls out of a window: forgotten, unless our event still waits for it.
static void
s_seen_forget (eventbus_publish_t *self, s_seen_t *seen)
{
    if (seen->waiting) {
        zlistx_delete (seen->pair, seen->pair_handle);
        zlistx_delete (self->all, seen->all_handle);
        seen->pair_handle = seen->all_handle = NULL;
        seen->event_id [0] = 0;
    }
    else
        s_seen_delete (self, seen);
}

//  Message id of publisher on topic committed as event_id.
static void
s_seen_commit (eventbus_publish_t *self, const char *topic, const char *publisher, const char *id,
               const char *event_id)
{
    s_seen_t *seen = s_seen_get (self, topic, publisher, id);
    if (!seen)
        return;
    snprintf (seen->event_id, sizeof seen->event_id, "%s", event_id);
    if (seen->all_handle) {     //  again (after the chain's window let it in): the newest now
        zlistx_move_end (seen->pair, seen->pair_handle);
        zlistx_move_end (self->all, seen->all_handle);
        return;
    }
    char pair_key [S_SEEN_KEY_MAX];
    s_seen_key (pair_key, topic, publisher, NULL);
    zlistx_t *pair = zhashx_lookup (self->pairs, pair_key);
    if (!pair) {
        pair = zlistx_new ();
        zhashx_insert (self->pairs, pair_key, pair);
    }
    if (!pair)
        return;
    seen->pair = pair;
    seen->pair_handle = zlistx_add_end (pair, seen);
    seen->all_handle = zlistx_add_end (self->all, seen);
    if (zlistx_size (pair) > EVENTBUS_DEDUP_WINDOW)
        s_seen_forget (self, zlistx_first (pair));
    if (zlistx_size (self->all) > EVENTBUS_DEDUP_ENTRIES_MAX)
        s_seen_forget (self, zlistx_first (self->all));
}

//  Our event no longer waits for its entry.
static void
s_seen_release (eventbus_publish_t *self, const char *topic, s_event_t *event)
{
    s_seen_t *seen = s_seen_find (self, topic, event->publisher, event->id);
    if (!seen || seen->waiting != event)
        return;
    seen->waiting = NULL;
    if (!seen->all_handle)
        s_seen_delete (self, seen);
}

//  {"event", "topic", "id", "duplicate"?}: the answer to a committed PUBLISH (caller frees).
static char *
s_reply (const char *topic, const char *id, const char *event_id, int duplicate)
{
    accord_buf_t text;
    accord_buf_init (&text);
    accord_buf_bytes (&text, "{\"event\":", 9);
    accord_json_append_string (&text, event_id, strlen (event_id));
    accord_buf_bytes (&text, ",\"topic\":", 9);
    accord_json_append_string (&text, topic, strlen (topic));
    accord_buf_bytes (&text, ",\"id\":", 6);
    accord_json_append_string (&text, id, strlen (id));
    if (duplicate)
        accord_buf_bytes (&text, ",\"duplicate\":true", 17);
    accord_buf_bytes (&text, "}", 2);       //  and the NUL
    size_t len;
    return text.failed ? (accord_buf_reset (&text), NULL) : (char *) accord_buf_take (&text, &len);
}

//  Answers one event (ACCORD_OK: committed as event_id) and frees it.
static void
s_answer (eventbus_publish_t *self, const char *topic, s_event_t **event_p, int code, const char *message,
          const char *event_id, int duplicate)
{
    s_event_t *event = *event_p;
    s_seen_release (self, topic, event);
    char *reply = code == ACCORD_OK ? s_reply (topic, event->id, event_id, duplicate) : NULL;
    if (code == ACCORD_OK && !reply) {
        code = ACCORD_E_INTERNAL;
        message = "out of memory";
    }
    if (self->hooks.answer)
        self->hooks.answer (self->hooks.ctx, event->session, &event->head, code, message, reply);
    free (reply);
    if (code == ACCORD_OK && !duplicate)
        self->committed++;
    else if (code != ACCORD_OK)
        self->refused++;
    self->waiting--;
    self->bytes -= event->item_len;
    s_event_destroy (event_p);
}

//  --------------------------------------------------------------------------
//  Topics and batches

static s_topic_t *
s_topic (eventbus_publish_t *self, const char *name)
{
    s_topic_t *topic = zhashx_lookup (self->topics, name);
    if (topic)
        return topic;
    topic = calloc (1, sizeof *topic);
    if (!topic)
        return NULL;
    snprintf (topic->name, sizeof topic->name, "%s", name);
    topic->waiting = zlistx_new ();
    zhashx_insert (self->topics, name, topic);
    return topic;
}

static void
s_topic_destroy (s_topic_t **topic_p)
{
    s_topic_t *topic = *topic_p;
    s_event_t *event;
    while ((event = zlistx_first (topic->waiting))) {
        zlistx_detach_cur (topic->waiting);
        s_event_destroy (&event);
    }
    zlistx_destroy (&topic->waiting);
    free (topic);
    *topic_p = NULL;
}

//  A topic with nothing waiting and nothing on its way is forgotten.
static void
s_topic_sweep (eventbus_publish_t *self, s_topic_t *topic)
{
    if (!topic->batches && zlistx_size (topic->waiting) == 0)
        zhashx_delete (self->topics, topic->name);
}

static void
s_batch_destroy (s_batch_t **batch_p)
{
    s_batch_t *batch = *batch_p;
    for (size_t i = 0; i < batch->count; i++)
        s_event_destroy (&batch->events [i]);
    free (batch->events);
    free (batch->raw);
    free (batch);
    *batch_p = NULL;
}

//  The batch is off its way (answered, or to go again): events still in it go back to the
//  front of the topic's queue, in their order.
static void
s_batch_end (eventbus_publish_t *self, s_batch_t **batch_p)
{
    s_batch_t *batch = *batch_p;
    s_topic_t *topic = batch->topic;
    for (size_t i = batch->count; i-- > 0;) {
        if (!batch->events [i])
            continue;
        zlistx_add_start (topic->waiting, batch->events [i]);
        topic->waiting_payload += batch->events [i]->payload_len;
        topic->waiting_text += batch->events [i]->item_len + 1;
        batch->events [i] = NULL;
    }
    if (zlistx_size (topic->waiting))
        topic->first_ms = zclock_mono () - EVENTBUS_BATCH_MS;      //  due at once
    if (batch->hash [0])
        zhashx_delete (self->batches, batch->hash);
    topic->batches--;
    s_batch_destroy (batch_p);
}

//  The next nonce: above the chain's last for our key, and above what a previous run of the
//  broker may have left in the pool (it started from its own clock, in microseconds).
static int
s_nonce (eventbus_publish_t *self, uint64_t *nonce)
{
    if (!self->nonce_known) {
        json_object *request = json_object_new_object (), *args = json_object_new_object (), *result = NULL;
        json_object_object_add (args, "sender", json_object_new_string (self->sender));
        json_object_object_add (request, "module", json_object_new_string ("system"));
        json_object_object_add (request, "method", json_object_new_string ("nonce"));
        json_object_object_add (request, "args", args);
        int rc = accord_client_call_json (self->node, "QUERY", request, &result);
        json_object_put (request);
        int64_t last = 0;
        if (rc != ACCORD_OK || accord_json_get_int64 (result, "nonce", 0, INT64_MAX, &last)) {
            json_object_put (result);
            return -1;
        }
        json_object_put (result);
        uint64_t floor = (uint64_t) zclock_time () * 1000;
        if (self->next_nonce < floor)
            self->next_nonce = floor;
        if (self->next_nonce <= (uint64_t) last)
            self->next_nonce = (uint64_t) last + 1;
        self->nonce_known = 1;
    }
    *nonce = self->next_nonce++;
    return 0;
}

//  Event n of the batch named by a refusal "event N: ...", or -1; *rest the message after it.
static int
s_event_index (const char *message, size_t count, const char **rest)
{
    unsigned long n = 0;
    int used = 0;
    *rest = message;
    if (!message || sscanf (message, "event %lu: %n", &n, &used) != 1 || used == 0 || n >= count)
        return -1;
    *rest = message + used;
    return (int) n;
}

//  Answers the events of the batch that are repeats of committed events: those the window
//  knows, and with scan those in the topic's stream tail in Redis.
static void
s_answer_repeats (eventbus_publish_t *self, s_batch_t *batch, int scan)
{
    const char *topic = batch->topic->name;
    zhashx_t *wanted = zhashx_new ();
    for (size_t i = 0; i < batch->count; i++) {
        s_event_t *event = batch->events [i];
        s_seen_t *seen = event ? s_seen_find (self, topic, event->publisher, event->id) : NULL;
        if (seen && seen->event_id [0]) {
            char event_id [ACCORD_EVENT_ID_TEXT_MAX];
            strcpy (event_id, seen->event_id);
            s_answer (self, topic, &batch->events [i], ACCORD_OK, "", event_id, 1);
        }
        else if (event) {
            char wanted_key [S_SEEN_KEY_MAX];
            s_seen_key (wanted_key, event->publisher, event->id, NULL);
            zhashx_insert (wanted, wanted_key, &batch->events [i]);
        }
    }
    redisContext *redis = scan && self->hooks.redis ? self->hooks.redis (self->hooks.ctx) : NULL;
    char key [EVENTBUS_KEY_MAX], end [EVENTBUS_STREAM_ID_MAX + 1] = "+";
    eventbus_stream_key (key, self->chain_id, topic);
    for (size_t read = 0; redis && zhashx_size (wanted) && read < EVENTBUS_DEDUP_SCAN_MAX; read += S_SCAN_CHUNK) {
        redisReply *reply = redisCommand (redis, "XREVRANGE %s %s - COUNT %d", key, end, S_SCAN_CHUNK);
        size_t count = reply && reply->type == REDIS_REPLY_ARRAY ? reply->elements : 0;
        for (size_t i = 0; i < count; i++) {
            redisReply *entry = reply->element [i];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 || entry->element [0]->type != REDIS_REPLY_STRING
            ||  entry->element [1]->type != REDIS_REPLY_ARRAY)
                continue;
            const char *publisher = NULL, *id = NULL;
            redisReply *fields = entry->element [1];
            for (size_t f = 0; f + 1 < fields->elements; f += 2) {
                const char *name = fields->element [f]->str, *value = fields->element [f + 1]->str;
                if (name && value && streq (name, "publisher"))
                    publisher = value;
                else if (name && value && streq (name, "id"))
                    id = value;
            }
            snprintf (end, sizeof end, "(%s", entry->element [0]->str);
            char wanted_key [S_SEEN_KEY_MAX] = "";
            if (publisher && id)
                s_seen_key (wanted_key, publisher, id, NULL);
            s_event_t **slot = wanted_key [0] ? zhashx_lookup (wanted, wanted_key) : NULL;
            uint64_t height;
            uint32_t tx, index;
            if (slot && eventbus_stream_id_parse (entry->element [0]->str, &height, &tx, &index) == 0) {
                char event_id [ACCORD_EVENT_ID_TEXT_MAX];
                accord_event_id_format (event_id, height, tx, index);
                s_seen_commit (self, topic, publisher, id, event_id);
                s_answer (self, topic, slot, ACCORD_OK, "", event_id, 1);
                zhashx_delete (wanted, wanted_key);
            }
        }
        if (reply)
            freeReplyObject (reply);
        if (count < S_SCAN_CHUNK)
            break;
    }
    zhashx_destroy (&wanted);
}

//  The chain (or the node at SUBMIT) refused the batch with code: a refusal naming one event
//  fails that event and sends the others again; any other fails them all.
static void
s_refused (eventbus_publish_t *self, s_batch_t **batch_p, int code, const char *message)
{
    s_batch_t *batch = *batch_p;
    const char *topic = batch->topic->name, *rest;
    int n = s_event_index (message, batch->count, &rest);
    if (n < 0) {
        zsys_warning ("batch of %zu events on %s refused: %s: %s", batch->count, topic, accord_err_name (code), message);
        for (size_t i = 0; i < batch->count; i++)
            s_answer (self, topic, &batch->events [i], code, message, NULL, 0);
    }
    else if (code == ACCORD_E_DUPLICATE) {
        //  Repeats come in runs (a client sending again what a killed broker had sent): find
        //  them all now rather than one per block.
        s_answer_repeats (self, batch, 1);
        if (batch->events [n])
            s_answer (self, topic, &batch->events [n], code, rest, NULL, 0);
    }
    else
        s_answer (self, topic, &batch->events [n], code, rest, NULL, 0);
    s_batch_end (self, batch_p);
}

//  SUBMIT of the batch's transaction: ACCORD_OK (or a reply that may hide an admission),
//  or the node's code with its message in err.
static int
s_submit (eventbus_publish_t *self, s_batch_t *batch, char *err, size_t err_size)
{
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, batch->raw, batch->raw_len);
    int rc = accord_client_call (self->node, "SUBMIT", &body, NULL);
    snprintf (err, err_size, "%s", accord_client_errstr (self->node));
    batch->checked_ms = zclock_mono ();
    return rc;
}

//  Signs the batch with a new nonce and submits it. 0 when it is on its way (or may be), or
//  -1 when the batch ended (answered, or back in the queue).
static int
s_send (eventbus_publish_t *self, s_batch_t **batch_p)
{
    s_batch_t *batch = *batch_p;
    char err [512];
    for (int attempt = 0; attempt < 2; attempt++) {
        if (batch->hash [0])
            zhashx_delete (self->batches, batch->hash);
        batch->hash [0] = 0;
        free (batch->raw);
        batch->raw = NULL;
        //  {"events":[...],"topic":"..."}
        size_t text_len = 32 + strlen (batch->topic->name);
        for (size_t i = 0; i < batch->count; i++)
            text_len += batch->events [i]->item_len + 1;
        char *args = malloc (text_len), *at = args;
        uint64_t height = self->hooks.node_height ? self->hooks.node_height (self->hooks.ctx) : 0;
        if (!args || s_nonce (self, &batch->nonce)) {
            free (args);
            batch->topic->retry_ms = zclock_mono () + EVENTBUS_RETRY_MS;
            s_batch_end (self, batch_p);
            return -1;
        }
        at += sprintf (at, "{\"events\":[");
        for (size_t i = 0; i < batch->count; i++) {
            if (i)
                *at++ = ',';
            memcpy (at, batch->events [i]->item, batch->events [i]->item_len);
            at += batch->events [i]->item_len;
        }
        sprintf (at, "],\"topic\":\"%s\"}", batch->topic->name);
        batch->expiry = height + EVENTBUS_EXPIRY_BLOCKS;
        accord_tx_t *tx = accord_tx_new (self->chain_id, "event", "publish", args, batch->nonce, batch->expiry);
        free (args);
        if (!tx || accord_tx_sign (tx, self->key)) {
            accord_tx_destroy (&tx);
            s_refused (self, batch_p, ACCORD_E_INTERNAL, "cannot build the batch's transaction");
            return -1;
        }
        accord_hex_encode (batch->hash, sizeof batch->hash, tx->hash, ACCORD_HASH_SIZE);
        batch->raw = tx->raw;
        batch->raw_len = tx->raw_len;
        tx->raw = NULL;
        accord_tx_destroy (&tx);
        zhashx_insert (self->batches, batch->hash, batch);
        int rc = s_submit (self, batch, err, sizeof err);
        if (rc == ACCORD_OK || rc == ACCORD_E_DUPLICATE || rc == ACCORD_E_TIMEOUT || rc == ACCORD_E_UNAVAILABLE)
            return 0;       //  admitted, or perhaps: followed by its hash, looked for later
        if (rc == ACCORD_E_STALE_NONCE || rc == ACCORD_E_EXPIRED) {
            self->nonce_known = 0;      //  read it again: someone used ours
            continue;
        }
        if (rc == ACCORD_E_POOL_FULL) {
            batch->topic->retry_ms = zclock_mono () + EVENTBUS_RETRY_MS;
            s_batch_end (self, batch_p);
            return -1;
        }
        s_refused (self, batch_p, rc, err);
        return -1;
    }
    batch->topic->retry_ms = zclock_mono () + EVENTBUS_RETRY_MS;
    s_batch_end (self, batch_p);
    return -1;
}

//  Closes a batch from the front of the topic's queue and sends it.
static void
s_flush (eventbus_publish_t *self, s_topic_t *topic)
{
    s_batch_t *batch = calloc (1, sizeof *batch);
    size_t limit = zlistx_size (topic->waiting) < EVENTBUS_BATCH_EVENTS ? zlistx_size (topic->waiting)
                                                                        : EVENTBUS_BATCH_EVENTS;
    if (batch)
        batch->events = calloc (limit ? limit : 1, sizeof *batch->events);
    if (!batch || !batch->events) {
        free (batch);
        return;
    }
    batch->topic = topic;
    size_t payload = 0, text = 0;
    s_event_t *event;
    while (batch->count < limit && (event = zlistx_first (topic->waiting))) {
        if (batch->count && (payload + event->payload_len > EVENTBUS_BATCH_PAYLOAD
                             || text + event->item_len + 1 > EVENTBUS_BATCH_ARGS_MAX))
            break;
        zlistx_detach_cur (topic->waiting);
        payload += event->payload_len;
        text += event->item_len + 1;
        topic->waiting_payload -= event->payload_len;
        topic->waiting_text -= event->item_len + 1;
        batch->events [batch->count++] = event;
    }
    topic->first_ms = zclock_mono ();
    topic->batches++;
    s_send (self, &batch);
}

//  Whether the topic's queue makes a batch now.
static int
s_due (s_topic_t *topic, int64_t now)
{
    size_t count = zlistx_size (topic->waiting);
    return topic->batches < EVENTBUS_TOPIC_BATCHES_MAX && count && now >= topic->retry_ms
        && (count >= EVENTBUS_BATCH_EVENTS || topic->waiting_payload >= EVENTBUS_BATCH_PAYLOAD
            || topic->waiting_text >= EVENTBUS_BATCH_ARGS_MAX || now - topic->first_ms >= EVENTBUS_BATCH_MS);
}

static int s_on_timer (zloop_t *loop, int timer_id, void *arg);

//  Sets the batch timer to fire at (monotonic ms) unless it fires sooner.
static void
s_arm (eventbus_publish_t *self, int64_t at)
{
    int64_t now = zclock_mono ();
    if (self->timer >= 0 && at >= self->timer_at)
        return;
    if (self->timer >= 0)
        zloop_timer_end (self->loop, self->timer);
    self->timer_at = at > now ? at : now + 1;
    self->timer = zloop_timer (self->loop, (size_t) (self->timer_at - now), 1, s_on_timer, self);
}

//  Sends the topic's next batch when it is due, else sets the timer for when it will be; a
//  topic left with nothing is forgotten.
static void
s_schedule (eventbus_publish_t *self, const char *name)
{
    s_topic_t *topic = zhashx_lookup (self->topics, name);
    if (topic && s_due (topic, zclock_mono ()))
        s_flush (self, topic);
    topic = zhashx_lookup (self->topics, name);
    if (topic && topic->batches < EVENTBUS_TOPIC_BATCHES_MAX && zlistx_size (topic->waiting))
        s_arm (self, topic->retry_ms > topic->first_ms + EVENTBUS_BATCH_MS ? topic->retry_ms
                                                                           : topic->first_ms + EVENTBUS_BATCH_MS);
    else if (topic)
        s_topic_sweep (self, topic);
}

static void
s_flush_due (eventbus_publish_t *self)
{
    zlistx_t *names = zhashx_keys (self->topics);
    for (const char *name = zlistx_first (names); name; name = zlistx_next (names))
        s_schedule (self, name);
    zlistx_destroy (&names);
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    eventbus_publish_t *self = arg;
    self->timer = -1;
    s_flush_due (self);
    return 0;
}

//  --------------------------------------------------------------------------
//  The class

static void
s_topic_free (void **item_p)
{
    s_topic_destroy ((s_topic_t **) item_p);
}

static void
s_seen_free (void **item_p)
{
    s_seen_t *seen = *item_p;
    free (seen->key);
    free (seen);
    *item_p = NULL;
}

static void
s_pair_free (void **item_p)
{
    zlistx_destroy ((zlistx_t **) item_p);
}

eventbus_publish_t *
eventbus_publish_new (zloop_t *loop, accord_client_t *node, accord_key_t **key_p, const char *chain_id,
                      const eventbus_publish_hooks_t *hooks)
{
    eventbus_publish_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->timer = -1;
    self->node = node;
    self->key = *key_p;
    *key_p = NULL;
    self->hooks = *hooks;
    snprintf (self->chain_id, sizeof self->chain_id, "%s", chain_id);
    accord_hex_encode (self->sender, sizeof self->sender, accord_key_public (self->key), ACCORD_PUBKEY_SIZE);
    self->topics = zhashx_new ();
    self->batches = zhashx_new ();
    self->seen = zhashx_new ();
    self->pairs = zhashx_new ();
    self->all = zlistx_new ();
    if (!self->topics || !self->batches || !self->seen || !self->pairs || !self->all) {
        eventbus_publish_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->topics, s_topic_free);
    zhashx_set_destructor (self->seen, s_seen_free);
    zhashx_set_destructor (self->pairs, s_pair_free);
    return self;
}

void
eventbus_publish_destroy (eventbus_publish_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    eventbus_publish_t *self = *self_p;
    if (self->timer >= 0)
        zloop_timer_end (self->loop, self->timer);
    if (self->batches)
        for (s_batch_t *batch = zhashx_first (self->batches); batch; batch = zhashx_next (self->batches))
            s_batch_destroy (&batch);
    zhashx_destroy (&self->batches);
    zhashx_destroy (&self->topics);
    zlistx_destroy (&self->all);
    zhashx_destroy (&self->seen);
    zhashx_destroy (&self->pairs);
    accord_key_destroy (&self->key);
    free (self);
    *self_p = NULL;
}

int
eventbus_publish_add (eventbus_publish_t *self, const char *session, const accord_request_head_t *head,
                      const char *did, eventbus_request_t *request, char **reply,
                      char *err, size_t err_size)
{
    *reply = NULL;
    s_seen_t *seen = s_seen_find (self, request->topic, did, request->id);
    if (seen && seen->event_id [0]) {
        *reply = s_reply (request->topic, request->id, seen->event_id, 1);
        return ACCORD_OK;
    }
    if (seen && seen->waiting) {
        snprintf (err, err_size, "message id '%s' is waiting to be published already", request->id);
        return ACCORD_E_DUPLICATE;
    }
    size_t payload_len = request->payload ? zframe_size (request->payload) : 0;
    //  Checked before building the item: 4 characters of base64url per 3 bytes.
    if (self->bytes + payload_len / 3 * 4 + 4096 > EVENTBUS_PUBLISH_BYTES_MAX) {
        snprintf (err, err_size, "the broker holds %zu bytes of events waiting for the chain; retry later", self->bytes);
        return ACCORD_E_OVERLOADED;
    }
    //  The event's item of event.publish, written as text: a tree of it cost more than the rest
    accord_buf_t item;
    accord_buf_init (&item);
    accord_buf_bytes (&item, "{\"publisher\":", 13);
    accord_json_append_string (&item, did, strlen (did));
    accord_buf_bytes (&item, ",\"id\":", 6);
    accord_json_append_string (&item, request->id, strlen (request->id));
    for (size_t i = 0; i < request->tag_count; i++) {
        accord_buf_bytes (&item, i ? "," : ",\"tags\":[", i ? 1 : 9);
        accord_json_append_string (&item, request->tags [i], strlen (request->tags [i]));
    }
    accord_buf_bytes (&item, request->tag_count ? "],\"payload\":" : ",\"payload\":", request->tag_count ? 12 : 11);
    char *payload = accord_base64url_encode (payload_len ? zframe_data (request->payload) : (const uint8_t *) "",
                                             payload_len);
    accord_json_append_string (&item, payload ? payload : "", payload ? strlen (payload) : 0);
    free (payload);
    if (request->has_time) {
        char number [32];
        accord_buf_bytes (&item, number, (size_t) snprintf (number, sizeof number, ",\"time\":%" PRIu64, request->time_ms));
    }
    if (request->has_sig) {
        char *sig = accord_base64url_encode (request->event_sig, ACCORD_SIG_SIZE);
        accord_buf_bytes (&item, ",\"sig\":", 7);
        accord_json_append_string (&item, sig ? sig : "", sig ? strlen (sig) : 0);
        free (sig);
    }
    accord_buf_bytes (&item, "}", 2);       //  and the NUL
    s_event_t *event = payload && !item.failed ? calloc (1, sizeof *event) : NULL;
    if (event) {
        event->session = strdup (session);
        event->head = *head;
        event->publisher = strdup (did);
        event->id = strdup (request->id);
        size_t item_len;
        event->item = (char *) accord_buf_take (&item, &item_len);
        event->payload_len = payload_len;
    }
    accord_buf_reset (&item);
    s_topic_t *topic = event && event->session && event->publisher && event->id && event->item
                     ? s_topic (self, request->topic) : NULL;
    seen = topic ? s_seen_get (self, request->topic, did, request->id) : NULL;
    if (!seen) {
        s_event_destroy (&event);
        snprintf (err, err_size, "out of memory");
        return ACCORD_E_OVERLOADED;
    }
    zframe_destroy (&request->payload);
    event->item_len = strlen (event->item);
    seen->waiting = event;
    if (zlistx_size (topic->waiting) == 0)
        topic->first_ms = zclock_mono ();
    zlistx_add_end (topic->waiting, event);
    topic->waiting_payload += payload_len;
    topic->waiting_text += event->item_len + 1;
    self->waiting++;
    self->bytes += event->item_len;
    s_schedule (self, topic->name);
    return ACCORD_OK;
}

int
eventbus_publish_wants (eventbus_publish_t *self, const char *hash)
{
    return zhashx_lookup (self->batches, hash) != NULL;
}

void
eventbus_publish_receipt (eventbus_publish_t *self, json_object *receipt)
{
    const char *hash = accord_json_get_string (receipt, "tx");
    s_batch_t *batch = hash ? zhashx_lookup (self->batches, hash) : NULL;
    if (!batch)
        return;
    const char *status = accord_json_get_string (receipt, "status");
    const char *message = accord_json_get_string (receipt, "message");
    int64_t height = 0, index = 0;
    accord_json_get_int64 (receipt, "height", 1, INT64_MAX, &height);
    accord_json_get_int64 (receipt, "index", 0, UINT32_MAX, &index);
    int code = status ? (int) accord_err_from_name (status) : ACCORD_E_INTERNAL;
    s_topic_t *topic = batch->topic;
    char name [ACCORD_TOPIC_NAME_MAX + 1];
    strcpy (name, topic->name);
    if (status && streq (status, "ok")) {
        for (size_t i = 0; i < batch->count; i++) {
            char event_id [ACCORD_EVENT_ID_TEXT_MAX];
            accord_event_id_format (event_id, (uint64_t) height, (uint32_t) index, (uint32_t) i);
            s_seen_commit (self, topic->name, batch->events [i]->publisher, batch->events [i]->id, event_id);
            s_answer (self, topic->name, &batch->events [i], ACCORD_OK, "", event_id, 0);
        }
        s_batch_end (self, &batch);
    }
    else if (code == ACCORD_E_STALE_NONCE || code == ACCORD_E_EXPIRED) {
        //  The chain never ran it: it goes again with a new nonce.
        if (code == ACCORD_E_STALE_NONCE)
            self->nonce_known = 0;
        s_batch_end (self, &batch);
    }
    else
        s_refused (self, &batch, code, message ? message : "");
    s_schedule (self, name);
}

void
eventbus_publish_committed (eventbus_publish_t *self, const char *topic, const char *publisher,
                            const char *id, const char *event_id)
{
    s_seen_commit (self, topic, publisher, id, event_id);
}

void
eventbus_publish_tick (eventbus_publish_t *self)
{
    uint64_t height = self->hooks.height ? self->hooks.height (self->hooks.ctx) : 0;
    int64_t now = zclock_mono ();
    zlistx_t *hashes = zhashx_keys (self->batches);
    for (const char *hash = zlistx_first (hashes); hash; hash = zlistx_next (hashes)) {
        s_batch_t *batch = zhashx_lookup (self->batches, hash);
        if (!batch)
            continue;
        if (height >= batch->expiry) {
            //  Every block up to its expiry was followed without it: it can no longer commit.
            s_batch_end (self, &batch);
            continue;
        }
        if (now - batch->checked_ms < EVENTBUS_RESEND_MS)
            continue;
        char request [128], err [512];
        snprintf (request, sizeof request, "{\"tx\":\"%s\"}", hash);
        json_object *args = accord_json_parse (request, strlen (request), NULL, 0);
        int rc = accord_client_call_json (self->node, "RECEIPT", args, NULL);
        json_object_put (args);
        batch->checked_ms = now;
        if (rc != ACCORD_E_NOT_FOUND || strstr (accord_client_errstr (self->node), "pending"))
            continue;   //  committed (the follower will say), in the pool, or the node is away
        //  The node does not know it (restarted, lost its pool): the same transaction again.
        rc = s_submit (self, batch, err, sizeof err);
        if (rc == ACCORD_E_STALE_NONCE || rc == ACCORD_E_EXPIRED) {
            self->nonce_known = 0;
            s_batch_end (self, &batch);
        }
        else if (rc != ACCORD_OK && rc != ACCORD_E_DUPLICATE && rc != ACCORD_E_TIMEOUT && rc != ACCORD_E_UNAVAILABLE
             &&  rc != ACCORD_E_POOL_FULL)
            s_refused (self, &batch, rc, err);
    }
    zlistx_destroy (&hashes);
    s_flush_due (self);
}

json_object *
eventbus_publish_stats (eventbus_publish_t *self)
{
    json_object *stats = json_object_new_object ();
    json_object_object_add (stats, "waiting", json_object_new_int64 ((int64_t) self->waiting));
    json_object_object_add (stats, "in_flight_batches", json_object_new_int64 ((int64_t) zhashx_size (self->batches)));
    json_object_object_add (stats, "committed", json_object_new_int64 ((int64_t) self->committed));
    json_object_object_add (stats, "refused", json_object_new_int64 ((int64_t) self->refused));
    json_object_object_add (stats, "nonce", json_object_new_int64 ((int64_t) self->next_nonce));
    return stats;
}
