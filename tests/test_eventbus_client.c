/*  The event bus client (accord/eventbus.h). Without a broker: arguments, from texts, message
    ids, connecting to nothing. Against a broker of the test's own (an actor speaking the
    protocol of eventbus/README.md from memory, with a chain of one list): authentication,
    publish sync and async with a bound, signed events, subscriptions with credit given back,
    groups and acknowledgements, a zloop, and what the client does when the broker restarts
    (the connection drops), forgets the session (the connection stays), loses it between HELLO
    and AUTH ("no challenge") or refuses for real.
    The real broker on a real network is in test_cluster_eventbus_client.c. */
#include "testutil.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/eventbus.h"
#include "accord/json.h"
#include <check.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_CHAIN     "fake-chain"
#define S_BROKER    "fake"
#define S_TIMEOUT   2000
#define S_WAIT_MS   10000       //  what a test waits for a condition at most

//  --------------------------------------------------------------------------
//  The fake broker

typedef struct {
    char topic [ACCORD_TOPIC_NAME_MAX + 1];
    char publisher [ACCORD_DID_MAX];
    char message_id [ACCORD_EVENT_ID_MAX + 1];
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    char *meta_sig;                     //  the sig the publisher gave, or NULL
    zframe_t *payload;
} f_event_t;

typedef struct {
    zframe_t *peer;                     //  routing id
    uint8_t request [8];                //  the request id to answer
    json_object *meta;
    zframe_t *payload;
} f_waiting_t;

typedef struct {
    zframe_t *peer;
    char id [16];
    char filter [ACCORD_TOPIC_NAME_MAX + 1];
    size_t cursor;                      //  next event to look at
    int64_t credit;
    int group;
} f_sub_t;

typedef struct {
    zsock_t *pipe;
    zsock_t *router;
    int port;
    uint8_t pubkey [ACCORD_PUBKEY_SIZE];
    char did [ACCORD_DID_MAX];
    zhashx_t *sessions;                 //  peer hex -> "challenge hex" before AUTH, "did" after
    zlistx_t *waiting;                  //  f_waiting_t *
    f_event_t *events;                  //  the chain
    size_t event_count, event_max;
    zlistx_t *subs;                     //  f_sub_t *
    uint64_t height;
    int hold;                           //  publishes wait and do not commit
    int64_t idle_ms;                    //  what HELLO says of session_idle_ms (0: nothing)
    int mute;                           //  requests are dropped unanswered
    int lose;                           //  challenges to forget as soon as they are given
    int next_sub;
    int64_t publishes, repeats, acks, nacks, pings, credits, subscribes, unsubscribes, delivered;
} fake_t;

static char *
f_peer_key (zframe_t *peer)
{
    return zframe_strhex (peer);
}

static void
f_send (fake_t *self, zframe_t *peer, const uint8_t request [8], const char *status, const char *body,
        const char *body2)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &(zframe_t *) { zframe_dup (peer) });
    zmsg_addstr (msg, "ACC1");
    zmsg_addstr (msg, status);
    zmsg_addmem (msg, request, 8);
    if (body)
        zmsg_addstr (msg, body);
    if (body2)
        zmsg_addstr (msg, body2);
    zmsg_send (&msg, self->router);
}

static void
f_ok (fake_t *self, zframe_t *peer, const uint8_t request [8], json_object *json)
{
    f_send (self, peer, request, "OK", json ? json_object_to_json_string (json) : NULL, NULL);
    json_object_put (json);
}

static void
f_err (fake_t *self, zframe_t *peer, const uint8_t request [8], const char *code, const char *message)
{
    f_send (self, peer, request, "ERR", code, message);
}

//  Sends subscriptions what their credit allows
static void
f_deliver (fake_t *self)
{
    for (f_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs))
        while (sub->credit > 0 && sub->cursor < self->event_count) {
            f_event_t *event = &self->events [sub->cursor++];
            if (!accord_topic_filter_match (sub->filter, event->topic))
                continue;
            json_object *meta = json_object_new_object ();
            json_object_object_add (meta, "event", json_object_new_string (event->id));
            json_object_object_add (meta, "topic", json_object_new_string (event->topic));
            json_object_object_add (meta, "publisher", json_object_new_string (event->publisher));
            json_object_object_add (meta, "id", json_object_new_string (event->message_id));
            json_object_object_add (meta, "tags", json_object_new_array ());
            if (event->meta_sig)
                json_object_object_add (meta, "sig", json_object_new_string (event->meta_sig));
            json_object_object_add (meta, "block_ms", json_object_new_int64 (1700000000000));
            if (sub->group)
                json_object_object_add (meta, "deliveries", json_object_new_int (1));
            zmsg_t *msg = zmsg_new ();
            zmsg_append (msg, &(zframe_t *) { zframe_dup (sub->peer) });
            zmsg_addstr (msg, "ACC1");
            zmsg_addstr (msg, "EVENT");
            zmsg_addstr (msg, sub->id);
            zmsg_addstr (msg, json_object_to_json_string (meta));
            zmsg_append (msg, &(zframe_t *) { zframe_dup (event->payload) });
            zmsg_send (&msg, self->router);
            json_object_put (meta);
            sub->credit--;
            self->delivered++;
        }
}

static void
f_waiting_destroy (f_waiting_t **waiting_p)
{
    zframe_destroy (&(*waiting_p)->peer);
    zframe_destroy (&(*waiting_p)->payload);
    json_object_put ((*waiting_p)->meta);
    free (*waiting_p);
    *waiting_p = NULL;
}

//  A block: every waiting publish commits and is answered
static void
f_commit (fake_t *self)
{
    if (self->hold || !zlistx_size (self->waiting))
        return;
    self->height++;
    uint32_t index = 0;
    f_waiting_t *waiting;
    while ((waiting = zlistx_detach (self->waiting, NULL))) {
        if (self->event_count == self->event_max) {
            self->event_max = self->event_max ? 2 * self->event_max : 256;
            self->events = realloc (self->events, self->event_max * sizeof *self->events);
        }
        f_event_t *event = &self->events [self->event_count++];
        memset (event, 0, sizeof *event);
        snprintf (event->topic, sizeof event->topic, "%s", accord_json_get_string (waiting->meta, "topic"));
        snprintf (event->publisher, sizeof event->publisher, "%s", self->did);
        snprintf (event->message_id, sizeof event->message_id, "%s", accord_json_get_string (waiting->meta, "id"));
        const char *sig = accord_json_get_string (waiting->meta, "sig");
        event->meta_sig = sig ? strdup (sig) : NULL;
        accord_event_id_format (event->id, self->height, 0, index++);
        event->payload = waiting->payload;
        waiting->payload = NULL;
        json_object *answer = json_object_new_object ();
        json_object_object_add (answer, "event", json_object_new_string (event->id));
        json_object_object_add (answer, "topic", json_object_new_string (event->topic));
        json_object_object_add (answer, "id", json_object_new_string (event->message_id));
        f_ok (self, waiting->peer, waiting->request, answer);
        f_waiting_destroy (&waiting);
    }
    f_deliver (self);
}

static void
f_publish (fake_t *self, zframe_t *peer, const uint8_t request [8], zmsg_t *body)
{
    self->publishes++;
    char *text = zmsg_popstr (body);
    zframe_t *payload = zmsg_pop (body);
    json_object *meta = text ? accord_json_parse (text, strlen (text), NULL, 0) : NULL;
    free (text);
    const char *topic = accord_json_get_string (meta, "topic"), *id = accord_json_get_string (meta, "id");
    if (!topic || !id || !payload) {
        f_err (self, peer, request, "malformed", "PUBLISH needs meta and payload");
        goto done;
    }
    if (strncmp (topic, "closed/", 7) == 0) {
        f_err (self, peer, request, "unauthorized", "the DID may not publish on this topic");
        goto done;
    }
    const char *sig = accord_json_get_string (meta, "sig");
    if (sig) {
        //  The chain checks a signature: so does this one, with the publisher's key
        accord_event_t event = { .publisher = self->did, .id = id, .payload = zframe_data (payload),
                                 .payload_len = zframe_size (payload) };
        json_object *tags = accord_json_get_array (meta, "tags");
        for (size_t i = 0; tags && i < json_object_array_length (tags) && i < ACCORD_EVENT_TAGS_MAX; i++)
            event.tags [event.tag_count++] = json_object_get_string (json_object_array_get_idx (tags, i));
        int64_t time;
        if (accord_json_get_int64 (meta, "time", 0, INT64_MAX, &time) == 0) {
            event.has_time = 1;
            event.time_ms = (uint64_t) time;
        }
        uint8_t digest [ACCORD_HASH_SIZE], *bytes = NULL;
        size_t len = 0;
        accord_event_digest (digest, topic, &event);
        int bad = accord_base64url_decode (&bytes, &len, sig, strlen (sig)) || len != ACCORD_SIG_SIZE
               || accord_sig_verify (self->pubkey, ACCORD_PUBKEY_SIZE, bytes, digest);
        free (bytes);
        if (bad) {
            f_err (self, peer, request, "bad_signature", "the event's signature does not verify");
            goto done;
        }
    }
    for (size_t i = 0; i < self->event_count; i++)
        if (strcmp (self->events [i].message_id, id) == 0 && strcmp (self->events [i].topic, topic) == 0) {
            self->repeats++;
            json_object *answer = json_object_new_object ();
            json_object_object_add (answer, "event", json_object_new_string (self->events [i].id));
            json_object_object_add (answer, "duplicate", json_object_new_boolean (1));
            f_ok (self, peer, request, answer);
            goto done;
        }
    for (f_waiting_t *waiting = zlistx_first (self->waiting); waiting; waiting = zlistx_next (self->waiting))
        if (strcmp (accord_json_get_string (waiting->meta, "id"), id) == 0) {
            f_err (self, peer, request, "duplicate", "that message id waits for its block");
            goto done;
        }
    f_waiting_t *waiting = calloc (1, sizeof *waiting);
    waiting->peer = zframe_dup (peer);
    memcpy (waiting->request, request, 8);
    waiting->meta = meta;
    waiting->payload = payload;
    meta = NULL;
    payload = NULL;
    zlistx_add_end (self->waiting, waiting);
done:
    json_object_put (meta);
    zframe_destroy (&payload);
}

static f_sub_t *
f_sub_find (fake_t *self, zframe_t *peer, const char *id)
{
    for (f_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs))
        if (id && strcmp (sub->id, id) == 0 && zframe_eq (sub->peer, peer))
            return sub;
    return NULL;
}

static void
f_request (fake_t *self, zmsg_t *msg)
{
    zframe_t *peer = zmsg_pop (msg);
    char *version = zmsg_popstr (msg), *command = zmsg_popstr (msg);
    zframe_t *request_frame = zmsg_pop (msg);
    uint8_t request [8] = { 0 };
    if (!request_frame || zframe_size (request_frame) != 8 || !version || strcmp (version, "ACC1"))
        goto done;
    memcpy (request, zframe_data (request_frame), 8);
    char *key = f_peer_key (peer);
    const char *session = zhashx_lookup (self->sessions, key);
    int authed = session && strncmp (session, "did:", 4) == 0;
    json_object *body = NULL;
    if (zmsg_size (msg) && strcmp (command, "PUBLISH")) {
        char *text = zmsg_popstr (msg);
        body = accord_json_parse (text, strlen (text), NULL, 0);
        free (text);
    }
    if (strcmp (command, "HELLO") == 0) {
        uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE];
        char hex [2 * sizeof challenge + 1];
        accord_random (challenge, sizeof challenge);
        accord_hex_encode (hex, sizeof hex, challenge, sizeof challenge);
        zhashx_update (self->sessions, key, strdup (hex));
        char *text = accord_base64url_encode (challenge, sizeof challenge);
        json_object *answer = json_object_new_object ();
        json_object_object_add (answer, "challenge", json_object_new_string (text));
        json_object_object_add (answer, "chain_id", json_object_new_string (S_CHAIN));
        json_object_object_add (answer, "broker", json_object_new_string (S_BROKER));
        if (self->idle_ms)
            json_object_object_add (answer, "session_idle_ms", json_object_new_int64 (self->idle_ms));
        free (text);
        f_ok (self, peer, request, answer);
        if (self->lose > 0) {
            //  As a broker that lost the session between HELLO and AUTH
            self->lose--;
            zhashx_delete (self->sessions, key);
        }
    }
    else if (strcmp (command, "AUTH") == 0 && (!session || authed))
        f_err (self, peer, request, "unauthorized", "no challenge: send HELLO first");
    else if (strcmp (command, "AUTH") == 0) {
        const char *did = accord_json_get_string (body, "did"), *sig = accord_json_get_string (body, "sig");
        uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE], digest [ACCORD_HASH_SIZE], *bytes = NULL;
        size_t len = 0;
        int good = did && sig && strcmp (did, self->did) == 0
                && accord_hex_decode_exact (challenge, sizeof challenge, session) == 0
                && accord_base64url_decode (&bytes, &len, sig, strlen (sig)) == 0 && len == ACCORD_SIG_SIZE;
        if (good) {
            accord_eventbus_auth_digest (digest, S_CHAIN, S_BROKER, challenge, did);
            good = accord_sig_verify (self->pubkey, ACCORD_PUBKEY_SIZE, bytes, digest) == 0;
        }
        free (bytes);
        if (good) {
            zhashx_update (self->sessions, key, strdup (did));
            json_object *answer = json_object_new_object ();
            json_object_object_add (answer, "did", json_object_new_string (did));
            json_object_object_add (answer, "session", json_object_new_string (key));
            f_ok (self, peer, request, answer);
        }
        else {
            zhashx_delete (self->sessions, key);        //  a challenge is good for one AUTH
            f_err (self, peer, request, "unauthorized", "the signature is not the DID's");
        }
    }
    else if (strcmp (command, "PING") == 0) {
        self->pings++;
        json_object *answer = json_object_new_object ();
        json_object_object_add (answer, "session", json_object_new_boolean (authed));
        f_ok (self, peer, request, answer);
    }
    else if (strcmp (command, "STATUS") == 0) {
        json_object *answer = json_object_new_object ();
        json_object_object_add (answer, "service", json_object_new_string ("accord-eventbus"));
        json_object_object_add (answer, "chain_id", json_object_new_string (S_CHAIN));
        if (authed)
            json_object_object_add (answer, "did", json_object_new_string (session));
        json_object_object_add (answer, "node_height", json_object_new_int64 ((int64_t) self->height));
        json_object_object_add (answer, "indexed_height", json_object_new_int64 ((int64_t) self->height));
        f_ok (self, peer, request, answer);
    }
    else if (!authed)
        f_err (self, peer, request, "unauthorized", "no session: HELLO and AUTH first");
    else if (strcmp (command, "PUBLISH") == 0)
        f_publish (self, peer, request, msg);
    else if (strcmp (command, "SUBSCRIBE") == 0) {
        self->subscribes++;
        const char *filter = accord_json_get_string (body, "filter");
        json_object *from = json_object_object_get (body, "from");
        int64_t credit = 100;
        accord_json_get_int64 (body, "credit", 1, 10000, &credit);
        f_sub_t *sub = calloc (1, sizeof *sub);
        sub->peer = zframe_dup (peer);
        snprintf (sub->id, sizeof sub->id, "s%d", ++self->next_sub);
        snprintf (sub->filter, sizeof sub->filter, "%s", filter ? filter : "#");
        sub->credit = credit;
        sub->group = accord_json_get_string (body, "group") != NULL;
        const char *from_text = json_object_get_string (from);
        uint64_t height;
        uint32_t tx, index;
        if (from_text && strcmp (from_text, "first") == 0)
            sub->cursor = 0;
        else if (from_text && accord_event_id_parse (from_text, &height, &tx, &index) == 0) {
            while (sub->cursor < self->event_count) {
                uint64_t h;
                uint32_t t, i;
                accord_event_id_parse (self->events [sub->cursor].id, &h, &t, &i);
                if (h > height || (h == height && (t > tx || (t == tx && i >= index))))
                    break;
                sub->cursor++;
            }
        }
        else
            sub->cursor = self->event_count;
        zlistx_add_end (self->subs, sub);
        json_object *answer = json_object_new_object ();
        json_object_object_add (answer, "sub", json_object_new_string (sub->id));
        json_object *topics = json_object_new_array ();
        json_object_array_add (topics, json_object_new_string (sub->filter));
        json_object_object_add (answer, "topics", topics);
        f_ok (self, peer, request, answer);
        f_deliver (self);
    }
    else if (strcmp (command, "CREDIT") == 0 || strcmp (command, "ACK") == 0 || strcmp (command, "NACK") == 0
         ||  strcmp (command, "UNSUBSCRIBE") == 0) {
        f_sub_t *sub = f_sub_find (self, peer, accord_json_get_string (body, "sub"));
        json_object *answer = json_object_new_object ();
        if (!sub) {
            json_object_put (answer);
            f_err (self, peer, request, "not_found", "no such subscription");
        }
        else if (strcmp (command, "CREDIT") == 0) {
            int64_t credit = 0;
            accord_json_get_int64 (body, "credit", 1, 10000, &credit);
            self->credits++;
            sub->credit += credit;
            json_object_object_add (answer, "credit", json_object_new_int64 (sub->credit));
            f_ok (self, peer, request, answer);
            f_deliver (self);
        }
        else if (strcmp (command, "UNSUBSCRIBE") == 0) {
            self->unsubscribes++;
            zlistx_delete (self->subs, zlistx_find (self->subs, sub));
            zframe_destroy (&sub->peer);
            free (sub);
            f_ok (self, peer, request, answer);
        }
        else {
            size_t count = json_object_array_length (accord_json_get_array (body, "events"));
            if (strcmp (command, "ACK") == 0)
                self->acks += (int64_t) count;
            else
                self->nacks += (int64_t) count;
            json_object_object_add (answer, "count", json_object_new_int64 ((int64_t) count));
            f_ok (self, peer, request, answer);
        }
    }
    else
        f_err (self, peer, request, "unknown_command", "not served here");
    json_object_put (body);
    free (key);
done:
    zframe_destroy (&peer);
    zframe_destroy (&request_frame);
    free (version);
    free (command);
    zmsg_destroy (&msg);
}

//  What a restarted broker knows: the chain; no session, subscription or waiting publish
static void
f_forget (fake_t *self)
{
    zhashx_purge (self->sessions);
    f_waiting_t *waiting;
    while ((waiting = zlistx_detach (self->waiting, NULL)))
        f_waiting_destroy (&waiting);
    f_sub_t *sub;
    while ((sub = zlistx_detach (self->subs, NULL))) {
        zframe_destroy (&sub->peer);
        free (sub);
    }
}

static void
f_bind (fake_t *self)
{
    self->router = zsock_new (ZMQ_ROUTER);
    zsock_set_linger (self->router, 0);
    if (!self->port) {
        self->port = zsock_bind (self->router, "tcp://127.0.0.1:*");
        return;
    }
    //  The old socket's listener closes in the background: bind again until the port is free
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (zsock_bind (self->router, "tcp://127.0.0.1:%d", self->port) < 0 && tu_now_ms () < deadline)
        zclock_sleep (5);
}

//  Sends what a broker should not: to the peer of the first subscription, messages that break
//  the grammar, answers to nothing, and deliveries whose meta is wrong in every way
static void
f_garbage (fake_t *self)
{
    f_sub_t *sub = zlistx_first (self->subs);
    if (!sub)
        return;
    const char *metas [] = { "not json", "[]", "{}", "{\"event\":\"1:2\"}",
                             "{\"event\":\"1:0:0\",\"topic\":\"a\",\"publisher\":\"did:x\"}",
                             "{\"event\":\"1:0:0\",\"topic\":\"a\",\"publisher\":\"p\",\"id\":\"m\",\"tags\":[1]}",
                             "{\"event\":\"1:0:0\",\"topic\":\"a\",\"publisher\":\"p\",\"id\":\"m\",\"sig\":\"!!\"}",
                             "{\"event\":\"1:0:0\",\"topic\":\"a\",\"publisher\":\"p\",\"id\":\"m\",\"time\":-1}",
                             "{\"event\":\"1:0:0\",\"topic\":\"a\",\"publisher\":\"p\",\"id\":\"m\",\"tags\":"
                             "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\","
                             "\"14\",\"15\",\"16\",\"17\"]}", NULL };
    for (int i = 0; metas [i]; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_append (msg, &(zframe_t *) { zframe_dup (sub->peer) });
        zmsg_addstr (msg, "ACC1");
        zmsg_addstr (msg, "EVENT");
        zmsg_addstr (msg, sub->id);
        zmsg_addstr (msg, metas [i]);
        zmsg_addstr (msg, "payload");
        zmsg_send (&msg, self->router);
    }
    const char *frames [][5] = {
        { NULL }, { "ACC2", "OK", "12345678", NULL }, { "ACC1", NULL }, { "ACC1", "OK", NULL },
        { "ACC1", "OK", "123", "{}", NULL }, { "ACC1", "OK", "unknown!", "{}", NULL },
        { "ACC1", "ERR", "unknown!", NULL }, { "ACC1", "EVENT", NULL }, { "ACC1", "EVENT", "nosuchsub", "{}", NULL },
        { "ACC1", "EVENT", "0123456789012345678901234567890123456789", NULL }, { "ACC1", "EVENT", "", "{}", NULL },
        { "ACC1", "EVENT", NULL, NULL }
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames [0]; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_append (msg, &(zframe_t *) { zframe_dup (sub->peer) });
        for (int f = 0; frames [i][f]; f++)
            zmsg_addstr (msg, frames [i][f]);
        if (i == sizeof frames / sizeof frames [0] - 1)
            zmsg_addstr (msg, sub->id);         //  a delivery without its meta
        zmsg_send (&msg, self->router);
    }
}

//  The actor. Commands on its pipe: PORT (answers the port), RESTART (closes its socket and
//  binds again: the connections drop), FORGET (a restart the connections do not see), LOSE (the
//  next challenge given is forgotten at once: its AUTH finds no challenge), HOLD /
//  RELEASE (publishes wait / commit), MUTE / UNMUTE (a hung broker: nothing is answered),
//  GARBAGE (f_garbage), STATS (answers "publishes repeats acks nacks pings credits
//  subscribes unsubscribes events delivered"), EVENTS (answers each committed message id, in
//  order, one frame each), $TERM.
static void
fake_actor (zsock_t *pipe, void *args)
{
    fake_t *self = calloc (1, sizeof *self);
    self->pipe = pipe;
    memcpy (self->pubkey, args, ACCORD_PUBKEY_SIZE);
    accord_did_for_key (self->did, S_CHAIN, self->pubkey);
    self->sessions = zhashx_new ();
    zhashx_set_destructor (self->sessions, (zhashx_destructor_fn *) zstr_free);
    self->waiting = zlistx_new ();
    self->subs = zlistx_new ();
    f_bind (self);
    zsock_signal (pipe, 0);
    int running = 1;
    while (running) {
        zpoller_t *poller = zpoller_new (pipe, self->router, NULL);
        void *which = zpoller_wait (poller, 5);
        zpoller_destroy (&poller);
        if (which == self->router) {
            zmsg_t *msg = zmsg_recv (self->router);
            if (msg && self->mute)
                zmsg_destroy (&msg);
            if (msg)
                f_request (self, msg);
        }
        else if (which == pipe) {
            char *command = zstr_recv (pipe);
            if (!command || strcmp (command, "$TERM") == 0)
                running = 0;
            else if (strcmp (command, "PORT") == 0)
                zsock_send (pipe, "i", self->port);
            else if (strcmp (command, "RESTART") == 0) {
                zsock_destroy (&self->router);
                f_forget (self);
                f_bind (self);
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "FORGET") == 0) {
                f_forget (self);
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "SHORTIDLE") == 0) {
                self->idle_ms = 600;
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "END") == 0) {
                //  Every subscription ends, as after a topic.update that took the DID off
                f_sub_t *sub;
                while ((sub = zlistx_detach (self->subs, NULL))) {
                    zmsg_t *msg = zmsg_new ();
                    zmsg_append (msg, &(zframe_t *) { zframe_dup (sub->peer) });
                    zmsg_addstr (msg, "ACC1");
                    zmsg_addstr (msg, "END");
                    zmsg_addstr (msg, sub->id);
                    zmsg_addstr (msg, "unauthorized");
                    zmsg_addstr (msg, "the topic e/t was updated: you may not read it");
                    zmsg_send (&msg, self->router);
                    zframe_destroy (&sub->peer);
                    free (sub);
                }
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "LOSE") == 0) {
                self->lose++;
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "MUTE") == 0 || strcmp (command, "UNMUTE") == 0) {
                self->mute = strcmp (command, "MUTE") == 0;
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "HOLD") == 0 || strcmp (command, "RELEASE") == 0) {
                self->hold = strcmp (command, "HOLD") == 0;
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "STATS") == 0)
                zsock_send (pipe, "8888888888", self->publishes, self->repeats, self->acks, self->nacks,
                            self->pings, self->credits, self->subscribes, self->unsubscribes,
                            (int64_t) self->event_count, self->delivered);
            else if (strcmp (command, "GARBAGE") == 0) {
                f_garbage (self);
                zsock_signal (pipe, 0);
            }
            else if (strcmp (command, "EVENTS") == 0) {
                zmsg_t *msg = zmsg_new ();
                for (size_t i = 0; i < self->event_count; i++)
                    zmsg_addstr (msg, self->events [i].message_id);
                zmsg_send (&msg, pipe);
            }
            free (command);
        }
        if (!self->mute)
            f_commit (self);
    }
    f_forget (self);
    for (size_t i = 0; i < self->event_count; i++) {
        zframe_destroy (&self->events [i].payload);
        free (self->events [i].meta_sig);
    }
    free (self->events);
    zhashx_destroy (&self->sessions);
    zlistx_destroy (&self->waiting);
    zlistx_destroy (&self->subs);
    zsock_destroy (&self->router);
    free (self);
}

//  --------------------------------------------------------------------------
//  Fixture: a key, its DID on the fake chain, a fake broker

static accord_key_t *s_key;
static zactor_t *s_fake;
static char s_endpoint [64];
static char s_did [ACCORD_DID_MAX];

static void
s_fake_up (void)
{
    s_key = accord_key_new ();
    ck_assert_ptr_nonnull (s_key);
    accord_did_for_key (s_did, S_CHAIN, accord_key_public (s_key));
    s_fake = zactor_new (fake_actor, (void *) accord_key_public (s_key));
    ck_assert_ptr_nonnull (s_fake);
    zstr_send (s_fake, "PORT");
    int port = 0;
    zsock_recv (s_fake, "i", &port);
    snprintf (s_endpoint, sizeof s_endpoint, "tcp://127.0.0.1:%d", port);
}

static void
s_fake_down (void)
{
    zactor_destroy (&s_fake);
    accord_key_destroy (&s_key);
}

static void
s_fake_command (const char *command)
{
    zstr_send (s_fake, command);
    zsock_wait (s_fake);
}

typedef struct {
    int64_t publishes, repeats, acks, nacks, pings, credits, subscribes, unsubscribes, events, delivered;
} s_stats_t;

static s_stats_t
s_fake_stats (void)
{
    s_stats_t stats;
    zstr_send (s_fake, "STATS");
    zsock_recv (s_fake, "8888888888", &stats.publishes, &stats.repeats, &stats.acks, &stats.nacks,
                &stats.pings, &stats.credits, &stats.subscribes, &stats.unsubscribes, &stats.events,
                &stats.delivered);
    return stats;
}

static accord_eventbus_t *
s_connect (void)
{
    accord_eventbus_t *bus = accord_eventbus_connect (s_endpoint, NULL, s_key, S_TIMEOUT);
    ck_assert_ptr_nonnull (bus);
    ck_assert_msg (accord_eventbus_errcode (bus) == ACCORD_OK, "connect: %s", accord_eventbus_errstr (bus));
    return bus;
}

//  Events a subscription callback saw
typedef struct {
    int count;
    char ids [2048][ACCORD_EVENT_ID_TEXT_MAX];
    char payloads [2048][32];
    int ack;                            //  acknowledge each
    int unsubscribe_at;                 //  unsubscribe inside the callback at this count (0: never)
    accord_eventbus_sub_t **sub_p;
} s_seen_t;

static void
s_on_event (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    s_seen_t *seen = arg;
    if (seen->count < 2048) {
        snprintf (seen->ids [seen->count], ACCORD_EVENT_ID_TEXT_MAX, "%s", event->id);
        snprintf (seen->payloads [seen->count], 32, "%.*s", (int) (event->payload_len < 31 ? event->payload_len : 31),
                  (const char *) event->payload);
    }
    seen->count++;
    if (seen->ack)
        ck_assert_int_eq (accord_eventbus_ack (bus, sub, event->id), ACCORD_OK);
    if (seen->unsubscribe_at && seen->count == seen->unsubscribe_at)
        ck_assert_int_eq (accord_eventbus_unsubscribe (bus, seen->sub_p), ACCORD_OK);
}

//  Polls until seen has count events (or S_WAIT_MS passed)
static void
s_poll_until (accord_eventbus_t *bus, s_seen_t *seen, int count)
{
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (seen->count < count && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 100), 0);
    ck_assert_msg (seen->count == count, "%d events, want %d", seen->count, count);
}

//  Publish callbacks: each publish's result, by its index in arg order
typedef struct {
    int calls [4096];
    int codes [4096];
    char ids [4096][ACCORD_EVENT_ID_TEXT_MAX];
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
    slot->results->done++;
}

//  --------------------------------------------------------------------------
//  Without a broker

START_TEST (from_texts)
{
    accord_eventbus_from_t from;
    char err [160];
    ck_assert_int_eq (accord_eventbus_from_parse (&from, NULL, err, sizeof err), 0);
    ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_NOW);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "now", err, sizeof err), 0);
    ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_NOW);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "first", err, sizeof err), 0);
    ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_FIRST);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "last", err, sizeof err), 0);
    ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_LAST);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "42:1:7", err, sizeof err), 0);
    ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_EVENT);
    ck_assert (from.height == 42 && from.tx == 1 && from.index == 7);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "1700000000123", err, sizeof err), 0);
    ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_TIME);
    ck_assert (from.time_ms == 1700000000123ULL);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "0", err, sizeof err), 0);
    ck_assert (from.kind == ACCORD_EVENTBUS_FROM_TIME && from.time_ms == 0);
    //  RFC 3339: 2023-11-14T22:13:20Z is 1700000000 s; fractions kept to the millisecond
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "2023-11-14T22:13:20Z", err, sizeof err), 0);
    ck_assert (from.kind == ACCORD_EVENTBUS_FROM_TIME && from.time_ms == 1700000000000ULL);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "2023-11-14T22:13:20.25Z", err, sizeof err), 0);
    ck_assert (from.time_ms == 1700000000250ULL);
    ck_assert_int_eq (accord_eventbus_from_parse (&from, "2023-11-14T23:13:20.123456+01:00", err, sizeof err), 0);
    ck_assert (from.time_ms == 1700000000123ULL);
    const char *bad [] = { "later", "12:0", "1:2:3:4", "01:2:3", "-5", "1e9", "017", "99999999999999999",
                           "2023-13-01T00:00:00Z", "2023-11-14T22:13:20", "2023-11-14 22:13:20Z",
                           "1969-12-31T23:59:59Z", "NOW", " now", "18446744073709551616:0:0", NULL };
    for (int i = 0; bad [i]; i++) {
        err [0] = 0;
        ck_assert_msg (accord_eventbus_from_parse (&from, bad [i], err, sizeof err) == -2, "%s accepted", bad [i]);
        ck_assert_msg (err [0], "no reason for %s", bad [i]);
        ck_assert_int_eq (from.kind, ACCORD_EVENTBUS_FROM_NOW);
    }
    //  The wire forms: names and ids as text, times as a number
    const char *texts [] = { "now", "first", "last", "42:1:7", "1700000000123" };
    const char *wire [] = { "\"now\"", "\"first\"", "\"last\"", "\"42:1:7\"", "1700000000123" };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq (accord_eventbus_from_parse (&from, texts [i], err, sizeof err), 0);
        json_object *json = accord_eventbus_from_json (&from);
        ck_assert_str_eq (json_object_to_json_string (json), wire [i]);
        json_object_put (json);
    }
}
END_TEST

START_TEST (message_ids)
{
    zhashx_t *seen = zhashx_new ();
    for (int i = 0; i < 1000; i++) {
        char id [ACCORD_EVENTBUS_MESSAGE_ID_SIZE];
        ck_assert_int_eq (accord_eventbus_message_id (id), 0);
        ck_assert_uint_eq (strlen (id), 32);
        ck_assert_uint_eq (strspn (id, "0123456789abcdef"), 32);
        ck_assert_int_eq (zhashx_insert (seen, id, (void *) 1), 0);
    }
    zhashx_destroy (&seen);
}
END_TEST

START_TEST (connect_refused_arguments)
{
    accord_key_t *key = accord_key_new ();
    const char *endpoints [] = { NULL, "", "nonsense", "tcp://", NULL };
    for (int i = 0; i < 4; i++) {
        accord_eventbus_t *bus = accord_eventbus_connect (endpoints [i], NULL, key, 200);
        ck_assert_ptr_nonnull (bus);
        ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_INVALID_ARGUMENT);
        ck_assert (strlen (accord_eventbus_errstr (bus)) > 0);
        //  A failed client refuses calls, never crashes
        ck_assert_int_eq (accord_eventbus_poll (bus, 0), -1);
        ck_assert_int_ne (accord_eventbus_publish (bus, "a/b", "x", 1, NULL, NULL), ACCORD_OK);
        accord_eventbus_destroy (&bus);
        ck_assert_ptr_null (bus);
    }
    accord_eventbus_t *bus = accord_eventbus_connect ("tcp://127.0.0.1:1", NULL, NULL, 200);
    ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_INVALID_ARGUMENT);
    accord_eventbus_destroy (&bus);
    bus = accord_eventbus_connect ("tcp://127.0.0.1:1", "not-a-did", key, 200);
    ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_INVALID_ARGUMENT);
    accord_eventbus_destroy (&bus);
    bus = accord_eventbus_connect ("tcp://127.0.0.1:1", NULL, key, 0);
    ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_INVALID_ARGUMENT);
    accord_eventbus_destroy (&bus);
    accord_eventbus_destroy (&bus);         //  safe twice
    accord_key_destroy (&key);
}
END_TEST

START_TEST (connect_nobody_there)
{
    accord_key_t *key = accord_key_new ();
    int port = tu_free_ports (1);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    int64_t start = tu_now_ms ();
    accord_eventbus_t *bus = accord_eventbus_connect (endpoint, NULL, key, 300);
    ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_TIMEOUT);
    ck_assert_int_lt (tu_now_ms () - start, 2000);
    ck_assert_ptr_nonnull (strstr (accord_eventbus_errstr (bus), endpoint));
    accord_eventbus_destroy (&bus);
    accord_key_destroy (&key);
}
END_TEST

//  --------------------------------------------------------------------------
//  Against the fake broker

START_TEST (connect_and_auth)
{
    accord_eventbus_t *bus = s_connect ();
    ck_assert_str_eq (accord_eventbus_did (bus), s_did);
    ck_assert_str_eq (accord_eventbus_chain_id (bus), S_CHAIN);
    ck_assert_str_eq (accord_eventbus_broker (bus), S_BROKER);
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 1);
    json_object *status = NULL;
    ck_assert_int_eq (accord_eventbus_status (bus, &status), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (status, "did"), s_did);
    json_object_put (status);
    accord_eventbus_destroy (&bus);
    //  The DID given explicitly
    bus = accord_eventbus_connect (s_endpoint, s_did, s_key, S_TIMEOUT);
    ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_OK);
    accord_eventbus_destroy (&bus);
    //  Another key for that DID: refused, with the broker's reason
    accord_key_t *other = accord_key_new ();
    bus = accord_eventbus_connect (s_endpoint, s_did, other, S_TIMEOUT);
    ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_UNAUTHORIZED);
    ck_assert_ptr_nonnull (strstr (accord_eventbus_errstr (bus), "not the DID's"));
    ck_assert_int_eq (accord_eventbus_poll (bus, 0), -1);
    accord_eventbus_destroy (&bus);
    accord_key_destroy (&other);
}
END_TEST

//  A broker that lost the session between HELLO and AUTH says "no challenge": that is no
//  refusal of the DID, the client says HELLO again (it used to fail the connect)
START_TEST (connect_after_lost_challenges)
{
    s_fake_command ("LOSE");
    s_fake_command ("LOSE");
    accord_eventbus_t *bus = s_connect ();
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 1);
    json_object *status = NULL;
    ck_assert_int_eq (accord_eventbus_status (bus, &status), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (status, "did"), s_did);
    json_object_put (status);
    accord_eventbus_destroy (&bus);
}
END_TEST

START_TEST (publish_arguments)
{
    accord_eventbus_t *bus = s_connect ();
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    static uint8_t big [ACCORD_EVENT_PAYLOAD_MAX + 1];
    ck_assert_int_eq (accord_eventbus_publish (bus, NULL, "x", 1, NULL, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/+", "x", 1, NULL, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_publish (bus, "$/dlq/a", "x", 1, NULL, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_publish (bus, "a//b", "x", 1, NULL, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", big, sizeof big, NULL, id), ACCORD_E_TOO_LARGE);
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", NULL, 3, NULL, id), ACCORD_E_INVALID_ARGUMENT);
    accord_eventbus_pub_opts_t opts = { .id = "has space" };
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &opts, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull (strstr (accord_eventbus_errstr (bus), "'id'"));
    opts.id = "";
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &opts, id), ACCORD_E_INVALID_ARGUMENT);
    char long_id [ACCORD_EVENT_ID_MAX + 2];
    memset (long_id, 'i', sizeof long_id - 1);
    long_id [sizeof long_id - 1] = 0;
    opts.id = long_id;
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &opts, id), ACCORD_E_INVALID_ARGUMENT);
    const char *tags [17] = { "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "t12",
                              "t13", "t14", "t15", "t16" };
    accord_eventbus_pub_opts_t tagged = { .tags = tags, .tag_count = 17 };
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &tagged, id), ACCORD_E_INVALID_ARGUMENT);
    const char *twice [] = { "t", "t" };
    tagged = (accord_eventbus_pub_opts_t) { .tags = twice, .tag_count = 2 };
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &tagged, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull (strstr (accord_eventbus_errstr (bus), "repeats"));
    const char *blank [] = { "a b" };
    tagged = (accord_eventbus_pub_opts_t) { .tags = blank, .tag_count = 1 };
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &tagged, id), ACCORD_E_INVALID_ARGUMENT);
    tagged = (accord_eventbus_pub_opts_t) { .tags = NULL, .tag_count = 1 };
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &tagged, id), ACCORD_E_INVALID_ARGUMENT);
    accord_eventbus_pub_opts_t timed = { .has_time = 1, .time_ms = ((uint64_t) 1 << 53) + 1 };
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", "x", 1, &timed, id), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_publish_async (bus, "a/+", "x", 1, NULL, s_on_published, NULL),
                      ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (bus, 0), -1);
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (bus, ACCORD_EVENTBUS_IN_FLIGHT_MAX + 1), -1);
    //  None of it reached the broker; a good one does, with an empty payload
    ck_assert_int_eq (s_fake_stats ().publishes, 0);
    ck_assert_int_eq (accord_eventbus_publish (bus, "a/b", NULL, 0, NULL, id), ACCORD_OK);
    ck_assert_int_eq (s_fake_stats ().publishes, 1);
    accord_eventbus_destroy (&bus);
}
END_TEST

START_TEST (subscribe_arguments)
{
    accord_eventbus_t *bus = s_connect ();
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t bad [] = {
        { .filter = NULL }, { .filter = "a/#/b" }, { .filter = "a/b+" }, { .filter = "" },
        { .filter = "a", .from = "yesterday" }, { .filter = "a", .group = "g r" }, { .filter = "a", .group = "" },
        { .filter = "a", .consumer = "c" }, { .filter = "a", .credit = ACCORD_EVENTBUS_CREDIT_MAX + 1 },
        { .filter = "a", .group = "g", .ack_timeout_ms = 99 }, { .filter = "a", .group = "g", .max_deliveries = 101 },
        { .filter = "a", .ack_timeout_ms = 1000 }, { .filter = "a", .tags = NULL, .tag_count = 1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        ck_assert_msg (accord_eventbus_subscribe (bus, &bad [i], s_on_event, seen) == NULL, "case %zu", i);
        ck_assert_int_eq (accord_eventbus_errcode (bus), ACCORD_E_INVALID_ARGUMENT);
    }
    accord_eventbus_sub_opts_t good = { .filter = "a/#" };
    ck_assert_ptr_null (accord_eventbus_subscribe (bus, &good, NULL, seen));
    ck_assert_int_eq (s_fake_stats ().subscribes, 0);
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (bus, &good, s_on_event, seen);
    ck_assert_ptr_nonnull (sub);
    ck_assert (strlen (accord_eventbus_sub_id (sub)) > 0);
    ck_assert_uint_eq (json_object_array_length (accord_eventbus_sub_topics (sub)), 1);
    //  ACK belongs to groups; ids must be event ids; credit in range
    ck_assert_int_eq (accord_eventbus_ack (bus, sub, "1:0:0"), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_credit (bus, sub, 0), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_credit (bus, sub, ACCORD_EVENTBUS_CREDIT_MAX + 1), ACCORD_E_INVALID_ARGUMENT);
    accord_eventbus_sub_opts_t group = { .filter = "a/#", .group = "g" };
    accord_eventbus_sub_t *grouped = accord_eventbus_subscribe (bus, &group, s_on_event, seen);
    ck_assert_ptr_nonnull (grouped);
    ck_assert_int_eq (accord_eventbus_ack (bus, grouped, "1:0"), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_ack (bus, grouped, NULL), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_unsubscribe (bus, &sub), ACCORD_OK);
    ck_assert_ptr_null (sub);
    ck_assert_int_eq (accord_eventbus_unsubscribe (bus, &sub), ACCORD_E_INVALID_ARGUMENT);
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    accord_eventbus_destroy (&bus);
    free (seen);
}
END_TEST

START_TEST (publish_sync_and_async)
{
    accord_eventbus_t *bus = s_connect ();
    char first [ACCORD_EVENT_ID_TEXT_MAX], again [ACCORD_EVENT_ID_TEXT_MAX];
    accord_eventbus_pub_opts_t opts = { .id = "m-1" };
    ck_assert_int_eq (accord_eventbus_publish (bus, "plant/temp", "21.5", 4, &opts, first), ACCORD_OK);
    uint64_t height;
    uint32_t tx, index;
    ck_assert_int_eq (accord_event_id_parse (first, &height, &tx, &index), 0);
    //  The same message id again: the broker answers with the first event id
    ck_assert_int_eq (accord_eventbus_publish (bus, "plant/temp", "21.5", 4, &opts, again), ACCORD_OK);
    ck_assert_str_eq (first, again);
    //  Refused by the broker: its code and message
    ck_assert_int_eq (accord_eventbus_publish (bus, "closed/x", "1", 1, NULL, first), ACCORD_E_UNAUTHORIZED);
    ck_assert_ptr_nonnull (strstr (accord_eventbus_errstr (bus), "may not publish"));
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 1);     //  the session was not in question
    //  Many in flight, at most 8 at a time: every callback once, in order of the ids
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (bus, 8), 0);
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t slots [300];
    for (int i = 0; i < 300; i++) {
        char payload [16];
        snprintf (payload, sizeof payload, "p%d", i);
        slots [i] = (s_slot_t) { results, i };
        ck_assert_int_eq (accord_eventbus_publish_async (bus, "plant/temp", payload, strlen (payload), NULL,
                                                         s_on_published, &slots [i]), ACCORD_OK);
        ck_assert_uint_le (accord_eventbus_in_flight (bus), 8);
    }
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    ck_assert_uint_eq (accord_eventbus_in_flight (bus), 0);
    ck_assert_int_eq (results->done, 300);
    for (int i = 0; i < 300; i++) {
        ck_assert_int_eq (results->calls [i], 1);
        ck_assert_int_eq (results->codes [i], ACCORD_OK);
        uint64_t h;
        uint32_t t, x;
        ck_assert_int_eq (accord_event_id_parse (results->ids [i], &h, &t, &x), 0);
        ck_assert (i == 0 || strcmp (results->ids [i], results->ids [i - 1]));
    }
    //  An async refusal goes to the callback
    results->done = 0;
    ck_assert_int_eq (accord_eventbus_publish_async (bus, "closed/y", "1", 1, NULL, s_on_published, &slots [0]),
                      ACCORD_OK);
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    ck_assert_int_eq (results->codes [0], ACCORD_E_UNAUTHORIZED);
    ck_assert_int_eq (s_fake_stats ().events, 301);
    free (results);
    accord_eventbus_destroy (&bus);
}
END_TEST

START_TEST (publish_signed)
{
    accord_eventbus_t *bus = s_connect ();
    const char *tags [] = { "alarm", "line-3" };
    accord_eventbus_pub_opts_t opts = { .tags = tags, .tag_count = 2, .has_time = 1, .time_ms = 1700000000000,
                                        .sign_key = s_key };
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    ck_assert_int_eq (accord_eventbus_publish (bus, "plant/alarm", "hot", 3, &opts, id), ACCORD_OK);
    //  Signed with a key the DID does not have: the broker's bad_signature
    accord_key_t *other = accord_key_new ();
    opts.sign_key = other;
    ck_assert_int_eq (accord_eventbus_publish (bus, "plant/alarm", "hot", 3, &opts, id), ACCORD_E_BAD_SIGNATURE);
    accord_key_destroy (&other);
    accord_eventbus_destroy (&bus);
}
END_TEST

START_TEST (subscribe_with_auto_credit)
{
    accord_eventbus_t *bus = s_connect ();
    accord_eventbus_t *publisher = s_connect ();
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "plant/+", .credit = 10, .auto_credit = 1 };
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (bus, &opts, s_on_event, seen);
    ck_assert_ptr_nonnull (sub);
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (publisher, 50), 0);
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t slots [500];
    for (int i = 0; i < 500; i++) {
        char payload [16];
        snprintf (payload, sizeof payload, "e%d", i);
        slots [i] = (s_slot_t) { results, i };
        ck_assert_int_eq (accord_eventbus_publish_async (publisher, i % 2 ? "plant/a" : "plant/b", payload,
                                                         strlen (payload), NULL, s_on_published, &slots [i]), ACCORD_OK);
    }
    ck_assert_int_eq (accord_eventbus_flush (publisher, S_WAIT_MS), ACCORD_OK);
    //  A window of 10, given back 5 at a time: all 500, in the order of the chain
    s_poll_until (bus, seen, 500);
    for (int i = 0; i < 500; i++) {
        char payload [16];
        snprintf (payload, sizeof payload, "e%d", i);
        ck_assert_str_eq (seen->payloads [i], payload);
        ck_assert_str_eq (seen->ids [i], results->ids [i]);
    }
    ck_assert_int_ge (s_fake_stats ().credits, 98);
    //  Without auto credit, the window is all there is
    s_seen_t *few = calloc (1, sizeof *few);
    accord_eventbus_sub_opts_t fixed = { .filter = "plant/a", .from = "first", .credit = 7 };
    accord_eventbus_sub_t *limited = accord_eventbus_subscribe (bus, &fixed, s_on_event, few);
    ck_assert_ptr_nonnull (limited);
    s_poll_until (bus, few, 7);
    ck_assert_int_eq (accord_eventbus_poll (bus, 200), 0);
    ck_assert_int_eq (few->count, 7);
    ck_assert_int_eq (accord_eventbus_credit (bus, limited, 3), ACCORD_OK);
    s_poll_until (bus, few, 10);
    //  max_events: the broker is given credit for no more than that, window or auto credit:
    //  9 with a window of 4, 3 with a window of 100
    for (int i = 0; i < 2; i++) {
        s_seen_t *capped = calloc (1, sizeof *capped);
        accord_eventbus_sub_opts_t opts_capped = { .filter = "plant/a", .from = "first", .auto_credit = 1,
                                                   .credit = i ? 100 : 4, .max_events = i ? 3 : 9 };
        ck_assert_ptr_nonnull (accord_eventbus_subscribe (bus, &opts_capped, s_on_event, capped));
        s_poll_until (bus, capped, i ? 3 : 9);
        ck_assert_int_eq (accord_eventbus_poll (bus, 200), 0);
        ck_assert_int_eq (capped->count, i ? 3 : 9);
        free (capped);
    }
    free (few);
    free (seen);
    free (results);
    accord_eventbus_destroy (&publisher);
    accord_eventbus_destroy (&bus);
}
END_TEST

START_TEST (group_acks_and_unsubscribe_in_callback)
{
    accord_eventbus_t *bus = s_connect ();
    s_seen_t *seen = calloc (1, sizeof *seen);
    seen->ack = 1;
    accord_eventbus_sub_opts_t opts = { .filter = "g/#", .group = "workers", .from = "first", .auto_credit = 1 };
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (bus, &opts, s_on_event, seen);
    ck_assert_ptr_nonnull (sub);
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq (accord_eventbus_publish (bus, "g/x", "w", 1, NULL, id), ACCORD_OK);
    s_poll_until (bus, seen, 30);
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    ck_assert_int_eq (s_fake_stats ().acks, 30);
    //  A subscription that ends itself from its callback: nothing after that
    s_seen_t *once = calloc (1, sizeof *once);
    accord_eventbus_sub_opts_t all = { .filter = "g/#", .from = "first" };
    accord_eventbus_sub_t *short_lived = accord_eventbus_subscribe (bus, &all, s_on_event, once);
    once->unsubscribe_at = 3;
    once->sub_p = &short_lived;
    s_poll_until (bus, once, 3);
    ck_assert_ptr_null (short_lived);
    ck_assert_int_eq (accord_eventbus_poll (bus, 200), 0);
    ck_assert_int_eq (once->count, 3);
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    ck_assert_int_eq (s_fake_stats ().unsubscribes, 1);
    free (once);
    free (seen);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  zloop: the client's handlers and a timer of the test's, which publishes
typedef struct {
    accord_eventbus_t *bus;
    s_seen_t *seen;
    int published;
} s_loop_ctx_t;

static void
s_loop_published (accord_eventbus_t *bus, int code, const char *result, const char *message_id, void *arg)
{
    (void) bus;
    (void) result;
    (void) message_id;
    ck_assert_int_eq (code, ACCORD_OK);
    ((s_loop_ctx_t *) arg)->published++;
}

static int
s_loop_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_loop_ctx_t *ctx = arg;
    ck_assert_int_eq (accord_eventbus_publish_async (ctx->bus, "loop/t", "z", 1, NULL, s_loop_published, ctx),
                      ACCORD_OK);
    return 0;
}

static int
s_loop_check (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_loop_ctx_t *ctx = arg;
    return ctx->seen->count >= 20 ? -1 : 0;
}

START_TEST (zloop_callbacks)
{
    accord_eventbus_t *bus = s_connect ();
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "loop/#", .auto_credit = 1, .credit = 4 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (bus, &opts, s_on_event, seen));
    zloop_t *loop = zloop_new ();
    s_loop_ctx_t ctx = { bus, seen, 0 };
    ck_assert_int_eq (accord_eventbus_attach (bus, loop), 0);
    ck_assert_int_eq (accord_eventbus_attach (bus, loop), -1);     //  one loop at a time
    zloop_timer (loop, 5, 20, s_loop_tick, &ctx);
    zloop_timer (loop, 10, 0, s_loop_check, &ctx);
    zloop_timer (loop, S_WAIT_MS, 1, s_loop_check, &ctx);
    zloop_start (loop);
    ck_assert_int_eq (seen->count, 20);
    ck_assert_int_ge (ctx.published, 20);
    accord_eventbus_detach (bus);
    zloop_destroy (&loop);
    free (seen);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  The broker restarts while publishes are in flight: the client makes a new session,
//  subscribes again, sends what was not answered with the same ids; every publish is
//  answered once, every event is on the chain once, the subscriber sees each once.
static void
s_restart_during_publishing (const char *how, int lose)
{
    //  A broker that forgets sessions without dropping connections is not one that restarted:
    //  only a publisher notices (by the unauthorized answers), so only RESTART has a listener
    int listening = strcmp (how, "RESTART") == 0;
    accord_eventbus_t *bus = s_connect ();
    accord_eventbus_t *listener = s_connect ();
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "r/#", .auto_credit = 1, .credit = 50 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (listener, &opts, s_on_event, seen));
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t slots [1000];
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (bus, 64), 0);
    for (int i = 0; i < 1000; i++) {
        char payload [16];
        snprintf (payload, sizeof payload, "r%d", i);
        slots [i] = (s_slot_t) { results, i };
        if (i == 400) {
            //  Some answered, some waiting at the broker (lost with it), some not sent yet
            s_fake_command ("HOLD");
            ck_assert_int_ge (accord_eventbus_poll (bus, 50), 0);
            for (int lost = 0; lost < lose; lost++)
                s_fake_command ("LOSE");
            s_fake_command (how);
            s_fake_command ("RELEASE");
        }
        ck_assert_int_eq (accord_eventbus_publish_async (bus, "r/t", payload, strlen (payload), NULL,
                                                         s_on_published, &slots [i]), ACCORD_OK);
        if (i % 50 == 0)
            accord_eventbus_poll (listener, 0);
    }
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    for (int i = 0; i < 1000; i++) {
        ck_assert_msg (results->calls [i] == 1, "publish %d answered %d times", i, results->calls [i]);
        ck_assert_int_eq (results->codes [i], ACCORD_OK);
    }
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 2);
    //  On the chain once each
    zstr_send (s_fake, "EVENTS");
    zmsg_t *events = zmsg_recv (s_fake);
    ck_assert_uint_eq (zmsg_size (events), 1000);
    zhashx_t *ids = zhashx_new ();
    for (zframe_t *frame = zmsg_first (events); frame; frame = zmsg_next (events)) {
        char *id = zframe_strdup (frame);
        ck_assert_msg (zhashx_insert (ids, id, (void *) 1) == 0, "message id %s twice on the chain", id);
        free (id);
    }
    zhashx_destroy (&ids);
    zmsg_destroy (&events);
    //  The subscriber: each event once, in chain order, across its own new session
    if (listening) {
        s_poll_until (listener, seen, 1000);
        zhashx_t *payloads = zhashx_new ();
        for (int i = 0; i < 1000; i++) {
            ck_assert_msg (zhashx_insert (payloads, seen->payloads [i], (void *) 1) == 0, "%s delivered twice",
                           seen->payloads [i]);
            uint64_t h0 = 0, h1;
            uint32_t t0 = 0, t1, x0 = 0, x1;
            ck_assert_int_eq (accord_event_id_parse (seen->ids [i], &h1, &t1, &x1), 0);
            if (i)
                accord_event_id_parse (seen->ids [i - 1], &h0, &t0, &x0);
            ck_assert_msg (i == 0 || h1 > h0 || (h1 == h0 && x1 > x0), "%s after %s", seen->ids [i], seen->ids [i - 1]);
        }
        zhashx_destroy (&payloads);
        ck_assert_int_eq (accord_eventbus_poll (listener, 200), 0);
        ck_assert_uint_eq (accord_eventbus_sessions (listener), 2);
    }
    free (results);
    free (seen);
    accord_eventbus_destroy (&listener);
    accord_eventbus_destroy (&bus);
}

START_TEST (broker_restart)
{
    s_restart_during_publishing ("RESTART", 0);
}
END_TEST

START_TEST (broker_forgets_sessions)
{
    s_restart_during_publishing ("FORGET", 0);
}
END_TEST

//  A publish_async waiting at the in-flight bound while the broker forgot the session and what
//  it held: nothing is answered, nothing is sent; the client notices by a PING (after half its
//  timeout without hearing: after a whole one, the call's own timeout came first) and the
//  call returns once the publishes sent again are answered
START_TEST (broker_forgets_sessions_at_the_bound)
{
    accord_eventbus_t *bus = s_connect ();
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t slots [9];
    ck_assert_int_eq (accord_eventbus_set_max_in_flight (bus, 8), 0);
    s_fake_command ("HOLD");
    for (int i = 0; i < 9; i++) {
        if (i == 8) {
            //  The eight held at the broker, then forgotten with the session
            int64_t deadline = tu_now_ms () + S_WAIT_MS;
            while (s_fake_stats ().publishes < 8 && tu_now_ms () < deadline)
                zclock_sleep (5);
            ck_assert_int_eq (s_fake_stats ().publishes, 8);
            s_fake_command ("FORGET");
            s_fake_command ("RELEASE");
        }
        slots [i] = (s_slot_t) { results, i };
        ck_assert_int_eq (accord_eventbus_publish_async (bus, "f/t", "x", 1, NULL, s_on_published, &slots [i]),
                          ACCORD_OK);
    }
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    for (int i = 0; i < 9; i++) {
        ck_assert_int_eq (results->calls [i], 1);
        ck_assert_int_eq (results->codes [i], ACCORD_OK);
    }
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 2);
    free (results);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  The restarted broker loses the first sessions again between HELLO and AUTH: the clients say
//  HELLO again; a publish_async at its bound meanwhile waits, it does not fail (unauthorized)
START_TEST (broker_restart_then_lost_challenges)
{
    s_restart_during_publishing ("RESTART", 3);
}
END_TEST

//  --------------------------------------------------------------------------
//  The accord tool against the fake broker (--broker)

static char *s_dir;
static char s_key_path [PATH_MAX];

static void
s_cli_up (void)
{
    s_fake_up ();
    s_dir = tu_tmpdir ();
    snprintf (s_key_path, sizeof s_key_path, "%s/alice.key", s_dir);
    ck_assert_int_eq (accord_key_save (s_key, s_key_path), 0);
}

static void
s_cli_down (void)
{
    if (!getenv ("ACCORD_KEEP_TEST_DIRS"))
        tu_rmtree (s_dir);
    free (s_dir);
    s_fake_down ();
}

//  Runs `accord ARGS` (with a 30 s limit) in a shell; its exit code, its stdout in *out
static int
s_accord (char **out, const char *format, ...)
{
    char args [2048], command [4096];
    va_list ap;
    va_start (ap, format);
    vsnprintf (args, sizeof args, format, ap);
    va_end (ap);
    char *bin = tu_bin ("accord");
    snprintf (command, sizeof command, "timeout 30 %s %s 2>>%s/cli.err", bin, args, s_dir);
    free (bin);
    FILE *pipe = popen (command, "r");
    ck_assert_ptr_nonnull (pipe);
    char *text = calloc (1, 1 << 20);
    size_t len = fread (text, 1, (1 << 20) - 1, pipe);
    text [len] = 0;
    int status = pclose (pipe);
    *out = text;
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

START_TEST (cli_pub_and_sub)
{
    //  One event from the command line, one id back
    char *out = NULL;
    int rc = s_accord (&out, "pub plant/t --key %s --broker %s --tag a --tag b --id first-one --sign 'hello world'",
                       s_key_path, s_endpoint);
    ck_assert_msg (rc == 0, "pub: %d %s", rc, out);
    char first [ACCORD_EVENT_ID_TEXT_MAX];
    ck_assert_int_eq (sscanf (out, "%47s", first), 1);
    uint64_t h;
    uint32_t t, x;
    ck_assert_int_eq (accord_event_id_parse (first, &h, &t, &x), 0);
    free (out);
    //  Lines of standard input: one id each, in input order (the broker's chain order here)
    char input [PATH_MAX];
    snprintf (input, sizeof input, "%s/lines.txt", s_dir);
    FILE *file = fopen (input, "w");
    for (int i = 0; i < 2000; i++)
        fprintf (file, "line %d\n", i);
    fclose (file);
    rc = s_accord (&out, "pub plant/t --key %s --did %s --broker %s < %s", s_key_path, s_did, s_endpoint, input);
    ck_assert_msg (rc == 0, "pub: %d", rc);
    zlist_t *lines = zlist_new ();
    zlist_autofree (lines);
    for (char *line = strtok (out, "\n"); line; line = strtok (NULL, "\n"))
        zlist_append (lines, line);
    ck_assert_uint_eq (zlist_size (lines), 2000);
    free (out);
    //  sub: the id and the payload, from the first event, --count of them
    rc = s_accord (&out, "sub 'plant/#' --key %s --broker %s --from first --count 3", s_key_path, s_endpoint);
    ck_assert_msg (rc == 0, "sub: %d %s", rc, out);
    char want [256];
    char *line0 = zlist_first (lines), *line1 = zlist_next (lines);
    snprintf (want, sizeof want, "%s hello world\n%s line 0\n%s line 1\n", first, line0, line1);
    ck_assert_str_eq (out, want);
    free (out);
    //  Each printed id is the id of its line
    rc = s_accord (&out, "sub plant/t --key %s --broker %s --from first --count 2001", s_key_path, s_endpoint);
    ck_assert_int_eq (rc, 0);
    zhashx_t *ids = zhashx_new ();
    zhashx_set_destructor (ids, (zhashx_destructor_fn *) zstr_free);
    for (char *line = strtok (out, "\n"); line; line = strtok (NULL, "\n")) {
        char *space = strchr (line, ' ');
        ck_assert_ptr_nonnull (space);
        *space = 0;
        zhashx_insert (ids, space + 1, strdup (line));
    }
    ck_assert_uint_eq (zhashx_size (ids), 2001);
    int i = 0;
    for (char *id = zlist_first (lines); id; id = zlist_next (lines), i++) {
        char payload [32];
        snprintf (payload, sizeof payload, "line %d", i);
        ck_assert_str_eq (id, (char *) zhashx_lookup (ids, payload));
    }
    zhashx_destroy (&ids);
    free (out);
    //  --json, a group (acknowledged), a later start
    int64_t delivered = s_fake_stats ().delivered;
    rc = s_accord (&out, "sub plant/t --key %s --broker %s --from %s --count 1 --json --group g1",
                   s_key_path, s_endpoint, first);
    ck_assert_msg (rc == 0, "sub --json: %d %s", rc, out);
    json_object *event = accord_json_parse (out, strlen (out), NULL, 0);
    ck_assert_ptr_nonnull (event);
    ck_assert_str_eq (accord_json_get_string (event, "id"), first);
    ck_assert_str_eq (accord_json_get_string (event, "topic"), "plant/t");
    ck_assert_str_eq (accord_json_get_string (event, "publisher"), s_did);
    ck_assert_str_eq (accord_json_get_string (event, "message_id"), "first-one");
    ck_assert_str_eq (accord_json_get_string (event, "payload"), "aGVsbG8gd29ybGQ");
    ck_assert_ptr_nonnull (accord_json_get_string (event, "sig"));
    ck_assert_int_eq (json_object_get_int (json_object_object_get (event, "deliveries")), 1);
    json_object_put (event);
    free (out);
    //  It was sent the one it printed (--count caps the credit), acknowledged, none to give back
    ck_assert_int_eq (s_fake_stats ().delivered - delivered, 1);
    ck_assert_int_eq (s_fake_stats ().acks, 1);
    ck_assert_int_eq (s_fake_stats ().nacks, 0);
    zlist_destroy (&lines);
}
END_TEST

START_TEST (cli_refusals)
{
    char *out = NULL;
    //  Bad arguments: exit 1, nothing on stdout, no crash
    const char *bad [] = {
        "pub 'a/+' --key %s --broker %s x", "pub --key %s --broker %s", "pub a/b --key %s --broker %s x y",
        "pub a/b --key %s --broker %s --id 'a b' x", "pub a/b --key %s --broker %s --id only-one",
        "sub 'a/#/b' --key %s --broker %s", "sub a --key %s --broker %s --from yesterday",
        "sub a --key %s --broker %s --credit 0", "sub a --key %s --broker %s --count -1",
        "sub a --key %s --broker %s --group 'g r'", "pub closed/x --key %s --broker %s data", NULL };
    for (int i = 0; bad [i]; i++) {
        char format [256];
        snprintf (format, sizeof format, "%s", bad [i]);
        int rc = s_accord (&out, format, s_key_path, s_endpoint);
        ck_assert_msg (rc == 1, "%s: exit %d", bad [i], rc);
        ck_assert_msg (!*out, "%s printed %s", bad [i], out);
        free (out);
    }
    //  No key, no broker
    ck_assert_int_eq (s_accord (&out, "pub a/b x --broker %s", s_endpoint), 1);
    free (out);
    ck_assert_int_eq (s_accord (&out, "pub a/b x --key %s", s_key_path), 1);
    free (out);
    ck_assert_int_eq (s_accord (&out, "pub a/b x --key %s/none.key --broker %s", s_dir, s_endpoint), 1);
    free (out);
    //  Lines refused by the broker: said on stderr, the others published, exit 1
    char input [PATH_MAX];
    snprintf (input, sizeof input, "%s/mixed.txt", s_dir);
    FILE *file = fopen (input, "w");
    fprintf (file, "one\ntwo\n");
    fclose (file);
    ck_assert_int_eq (s_accord (&out, "pub closed/y --key %s --broker %s < %s", s_key_path, s_endpoint, input), 1);
    ck_assert_str_eq (out, "");
    free (out);
}
END_TEST

//  accord sub until SIGTERM: exit 0
START_TEST (cli_sub_until_signal)
{
    int fds [2];
    ck_assert_int_eq (pipe (fds), 0);
    char *bin = tu_bin ("accord");
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        dup2 (fds [1], 1);
        close (fds [0]);
        execl (bin, bin, "sub", "s/#", "--key", s_key_path, "--broker", s_endpoint, "--from", "first", (char *) NULL);
        _exit (127);
    }
    free (bin);
    close (fds [1]);
    accord_eventbus_t *bus = s_connect ();
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    ck_assert_int_eq (accord_eventbus_publish (bus, "s/1", "ping", 4, NULL, id), ACCORD_OK);
    //  Its line, then the signal
    char line [256] = "";
    size_t len = 0;
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (!strchr (line, '\n') && tu_now_ms () < deadline) {
        struct timeval wait = { 0, 100000 };
        fd_set set;
        FD_ZERO (&set);
        FD_SET (fds [0], &set);
        if (select (fds [0] + 1, &set, NULL, NULL, &wait) > 0) {
            ssize_t got = read (fds [0], line + len, sizeof line - len - 1);
            if (got <= 0)
                break;
            len += (size_t) got;
            line [len] = 0;
        }
    }
    char want [128];
    snprintf (want, sizeof want, "%s ping\n", id);
    kill (pid, SIGTERM);
    int status = 0;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    close (fds [0]);
    accord_eventbus_destroy (&bus);
    ck_assert_str_eq (line, want);
    ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}
END_TEST

//  Notifications, counted by code
static void
s_on_notify (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, int code, const char *message, void *arg)
{
    (void) bus;
    (void) sub;
    (void) message;
    ((int *) arg) [code < ACCORD_E__COUNT ? code : 0]++;
}

START_TEST (broker_says_nonsense)
{
    accord_eventbus_t *bus = s_connect ();
    int notes [ACCORD_E__COUNT] = { 0 };
    accord_eventbus_set_notify (bus, s_on_notify, notes);
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "n/#", .auto_credit = 1, .credit = 4 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (bus, &opts, s_on_event, seen));
    s_fake_command ("GARBAGE");
    //  Every bad delivery said, none delivered; the rest ignored; the client works on
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (notes [ACCORD_E_MALFORMED] < 10 && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 50), 0);
    ck_assert_int_eq (notes [ACCORD_E_MALFORMED], 10);
    ck_assert_int_eq (seen->count, 0);
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    ck_assert_int_eq (accord_eventbus_publish (bus, "n/1", "fine", 4, NULL, id), ACCORD_OK);
    s_poll_until (bus, seen, 1);
    ck_assert_str_eq (seen->payloads [0], "fine");
    //  The bad deliveries used credit, which came back
    ck_assert_int_ge (s_fake_stats ().credits, 5);
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 1);
    free (seen);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  An idle client PINGs every ACCORD_EVENTBUS_PING_MS, so the broker keeps its session
START_TEST (idle_client_pings)
{
    accord_eventbus_t *bus = s_connect ();
    int64_t start = tu_now_ms (), deadline = start + ACCORD_EVENTBUS_PING_MS + 5000;
    while (s_fake_stats ().pings < 1 && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 200), 0);
    ck_assert_int_eq (s_fake_stats ().pings, 1);
    ck_assert_int_ge (tu_now_ms () - start, ACCORD_EVENTBUS_PING_MS - 500);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  A broker that stops answering (the connection stays): the unanswered PING ends the
//  session; once it answers again, a new session, and the publish goes through
START_TEST (hung_broker)
{
    accord_eventbus_t *bus = s_connect ();
    int notes [ACCORD_E__COUNT] = { 0 };
    accord_eventbus_set_notify (bus, s_on_notify, notes);
    s_fake_command ("MUTE");
    s_results_t *results = calloc (1, sizeof *results);
    s_slot_t slot = { results, 0 };
    ck_assert_int_eq (accord_eventbus_publish_async (bus, "h/1", "x", 1, NULL, s_on_published, &slot), ACCORD_OK);
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (!notes [ACCORD_E_UNAVAILABLE] && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 100), 0);
    ck_assert_int_eq (notes [ACCORD_E_UNAVAILABLE], 1);
    ck_assert_int_eq (results->done, 0);
    s_fake_command ("UNMUTE");
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    ck_assert_int_eq (results->calls [0], 1);
    ck_assert_int_eq (results->codes [0], ACCORD_OK);
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 2);
    ck_assert_int_eq (notes [ACCORD_OK], 1);        //  "reconnected"
    free (results);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  A broker that ends sessions sooner than ACCORD_EVENTBUS_PING_MS says so at HELLO: the
//  client PINGs at a third of its time
START_TEST (short_idle_pings_sooner)
{
    s_fake_command ("SHORTIDLE");
    accord_eventbus_t *bus = s_connect ();
    int64_t start = tu_now_ms (), deadline = start + S_WAIT_MS;
    while (s_fake_stats ().pings < 3 && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 50), 0);
    ck_assert_int_ge (s_fake_stats ().pings, 3);
    ck_assert_int_lt (tu_now_ms () - start, 3000);     //  about 600 ms; 30 s at the default
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 1);
    accord_eventbus_destroy (&bus);
}
END_TEST

//  A subscriber that only listens, whose session the broker forgot (the connection stays):
//  its next PING answers "session": false; a new session, the subscription made again, and
//  what was published meanwhile comes, once
START_TEST (forgotten_listener_comes_back)
{
    s_fake_command ("SHORTIDLE");
    accord_eventbus_t *bus = s_connect (), *publisher = s_connect ();
    int notes [ACCORD_E__COUNT] = { 0 };
    accord_eventbus_set_notify (bus, s_on_notify, notes);
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "f/#", .auto_credit = 1 };
    ck_assert_ptr_nonnull (accord_eventbus_subscribe (bus, &opts, s_on_event, seen));
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    ck_assert_int_eq (accord_eventbus_publish (publisher, "f/t", "one", 3, NULL, id), ACCORD_OK);
    s_poll_until (bus, seen, 1);
    s_fake_command ("FORGET");
    //  (the publisher's session was forgotten too: its unauthorized answer tells it)
    ck_assert_int_eq (accord_eventbus_publish (publisher, "f/t", "two", 3, NULL, id), ACCORD_OK);
    s_poll_until (bus, seen, 2);
    ck_assert_str_eq (seen->payloads [0], "one");
    ck_assert_str_eq (seen->payloads [1], "two");
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 2);
    ck_assert_int_eq (notes [ACCORD_E_UNAVAILABLE], 1);
    ck_assert_int_eq (notes [ACCORD_OK], 1);
    free (seen);
    accord_eventbus_destroy (&publisher);
    accord_eventbus_destroy (&bus);
}
END_TEST

typedef struct {
    int count;
    accord_eventbus_sub_t *sub;
    int code;
    char message [384];
} s_note_t;

static void
s_on_note (accord_eventbus_t *bus, accord_eventbus_sub_t *sub, int code, const char *message, void *arg)
{
    (void) bus;
    s_note_t *note = arg;
    note->count++;
    note->sub = sub;
    note->code = code;
    snprintf (note->message, sizeof note->message, "%s", message);
}

//  The broker ends a subscription (END: its DID may no longer read the topic): the notify
//  callback says so for it; no more events; it is not made again in a new session
START_TEST (subscription_ended_by_broker)
{
    accord_eventbus_t *bus = s_connect ();
    s_note_t note = { 0 };
    accord_eventbus_set_notify (bus, s_on_note, &note);
    s_seen_t *seen = calloc (1, sizeof *seen);
    accord_eventbus_sub_opts_t opts = { .filter = "e/#", .auto_credit = 1, .group = "g" };
    accord_eventbus_sub_t *sub = accord_eventbus_subscribe (bus, &opts, s_on_event, seen);
    ck_assert_ptr_nonnull (sub);
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    ck_assert_int_eq (accord_eventbus_publish (bus, "e/t", "one", 3, NULL, id), ACCORD_OK);
    s_poll_until (bus, seen, 1);
    s_fake_command ("END");
    int64_t deadline = tu_now_ms () + S_WAIT_MS;
    while (!note.count && tu_now_ms () < deadline)
        ck_assert_int_ge (accord_eventbus_poll (bus, 50), 0);
    ck_assert_int_eq (note.count, 1);
    ck_assert_ptr_eq (note.sub, sub);
    ck_assert_int_eq (note.code, ACCORD_E_UNAUTHORIZED);
    ck_assert_msg (strstr (note.message, "e/#") && strstr (note.message, "may not read"), "%s", note.message);
    ck_assert_str_eq (accord_eventbus_sub_id (sub), "");
    //  Nothing to acknowledge there any more; nothing waits
    ck_assert_int_eq (accord_eventbus_ack (bus, sub, id), ACCORD_E_NOT_FOUND);
    ck_assert_int_eq (accord_eventbus_flush (bus, S_WAIT_MS), ACCORD_OK);
    //  A new session (the broker restarts): not subscribed again
    int64_t subscribes = s_fake_stats ().subscribes;
    s_fake_command ("RESTART");
    ck_assert_int_eq (accord_eventbus_publish (bus, "e/t", "two", 3, NULL, id), ACCORD_OK);
    ck_assert_uint_eq (accord_eventbus_sessions (bus), 2);
    ck_assert_int_eq (accord_eventbus_poll (bus, 200), 0);
    ck_assert_int_eq (seen->count, 1);
    ck_assert_int_eq (s_fake_stats ().subscribes, subscribes);
    ck_assert_int_eq (accord_eventbus_unsubscribe (bus, &sub), ACCORD_OK);
    free (seen);
    accord_eventbus_destroy (&bus);
}
END_TEST

Suite *
test_eventbus_client_suite (void)
{
    Suite *suite = suite_create ("eventbus_client");
    TCase *tc = tcase_create ("arguments");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, from_texts);
    tcase_add_test (tc, message_ids);
    tcase_add_test (tc, connect_refused_arguments);
    tcase_add_test (tc, connect_nobody_there);
    suite_add_tcase (suite, tc);
    tc = tcase_create ("fake_broker");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_fake_up, s_fake_down);
    tcase_add_test (tc, connect_and_auth);
    tcase_add_test (tc, connect_after_lost_challenges);
    tcase_add_test (tc, publish_arguments);
    tcase_add_test (tc, subscribe_arguments);
    tcase_add_test (tc, publish_sync_and_async);
    tcase_add_test (tc, publish_signed);
    tcase_add_test (tc, subscribe_with_auto_credit);
    tcase_add_test (tc, group_acks_and_unsubscribe_in_callback);
    tcase_add_test (tc, zloop_callbacks);
    tcase_add_test (tc, broker_says_nonsense);
    suite_add_tcase (suite, tc);
    tc = tcase_create ("robustness");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_fake_up, s_fake_down);
    tcase_add_test (tc, broker_restart);
    tcase_add_test (tc, broker_forgets_sessions);
    tcase_add_test (tc, broker_forgets_sessions_at_the_bound);
    tcase_add_test (tc, broker_restart_then_lost_challenges);
    tcase_add_test (tc, idle_client_pings);
    tcase_add_test (tc, hung_broker);
    tcase_add_test (tc, short_idle_pings_sooner);
    tcase_add_test (tc, forgotten_listener_comes_back);
    tcase_add_test (tc, subscription_ended_by_broker);
    suite_add_tcase (suite, tc);
    tc = tcase_create ("cli");
    tcase_set_timeout (tc, 60);
    tcase_add_checked_fixture (tc, s_cli_up, s_cli_down);
    tcase_add_test (tc, cli_pub_and_sub);
    tcase_add_test (tc, cli_refusals);
    tcase_add_test (tc, cli_sub_until_signal);
    suite_add_tcase (suite, tc);
    return suite;
}
