/*  The event bus client (accord/eventbus.h). One DEALER, its socket monitor (to notice a
    dropped connection), a list of requests waiting for the broker, the subscriptions, and the
    deliveries kept for the next poll. Every request goes through one state machine: made,
    sent in a session (with a fresh request id each time it is sent), answered; a session that
    ends sends the ones that may be repeated again in the next. */
#include "accord/eventbus.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/vc.h"
#include "accord/wire.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define S_SUB_ID_MAX        32          //  the broker's subscription ids
#define S_BACKOFF_MIN_MS    100         //  reconnect and retry delays, doubled up to the max
#define S_BACKOFF_MAX_MS    5000
#define S_EXPIRY_BLOCKS     1000        //  a topic transaction's validity
#define S_READ_BATCH        1000        //  messages read before timers run again
#define S_LINGER_MS         500         //  what destroy gives acknowledgements to leave
#define S_TIMERS_MS         50          //  how often the requests' timers are looked at
//  How the broker's refusal of an AUTH begins when it holds no challenge for the connection
//  (eventbus/README.md, AUTH): the session that gave the challenge is gone, not the DID refused
#define S_NO_CHALLENGE      "no challenge"

typedef enum { S_DOWN, S_HELLO, S_AUTH, S_UP, S_FAILED } s_state_t;

typedef enum {
    S_HELLO_REQ, S_AUTH_REQ, S_PING_REQ, S_PROBE_REQ,   //  the session's own
    S_CALL_REQ,         //  a sync call (STATUS, TOPIC_*)
    S_PUBLISH_REQ,
    S_SUBSCRIBE_REQ,
    S_ACK_REQ, S_NACK_REQ, S_CREDIT_REQ, S_UNSUBSCRIBE_REQ
} s_kind_t;

typedef struct _s_request_t s_request_t;
struct _s_request_t {
    s_kind_t kind;
    char command [ACCORD_WIRE_COMMAND_MAX + 1];
    uint64_t id;                //  of the last send; 0 before
    char key [17];              //  id in hex, its key in requests_by_id
    void *handle;               //  in requests (creation order)
    zmsg_t *body;               //  the body frames, kept to send again (NULL: built at send)
    uint64_t epoch;             //  the session it was last sent in; 0: not sent
    int64_t sent_ms;
    int64_t retry_ms;           //  0, or when to send it again (overloaded, ...)
    int backoff_ms;
    int resend;                 //  may be sent again in a new session
    int resent;                 //  was sent in an earlier session
    int probing;                //  answered unauthorized: waiting for the session check
    //  the outcome, for a sync caller waiting on it (waited), which frees it
    int waited, done, code;
    char message [256];
    zmsg_t *reply;
    //  publish
    accord_eventbus_published_fn *fn;
    void *arg;
    char message_id [ACCORD_EVENT_ID_MAX + 1];
    size_t bytes;               //  its payload's
    //  subscription requests
    accord_eventbus_sub_t *sub;
    json_object *events;        //  ACK / NACK ids
    uint32_t credit;
};

typedef struct {
    uint64_t height;
    uint32_t tx, index;
} s_position_t;

struct _accord_eventbus_sub_t {
    char filter [ACCORD_TOPIC_NAME_MAX + 1];
    char *tags [ACCORD_EVENT_TAGS_MAX];
    size_t tag_count;
    accord_eventbus_from_t from;
    char group [ACCORD_EVENTBUS_GROUP_MAX + 1];
    char consumer [ACCORD_EVENTBUS_GROUP_MAX + 1];
    uint32_t credit, ack_timeout_ms, max_deliveries;
    int auto_credit;
    accord_eventbus_event_fn *fn;
    void *arg;
    char id [S_SUB_ID_MAX + 1];         //  the broker's, in session epoch; "" while unknown
    uint64_t epoch;
    json_object *topics;
    s_request_t *subscribing;           //  the SUBSCRIBE waiting for its answer
    int subscribed;                     //  the broker accepted it once
    int failed;                         //  could not be made again: no more deliveries
    int closed;                         //  unsubscribed inside its callback: freed after it
    uint32_t used;                      //  deliveries since the last credit grant
    uint32_t outstanding;               //  credit the broker has in this session, as far as we know
    uint64_t max_events, given;         //  0 or the events wanted; events given to the callback
    zhashx_t *last;                     //  plain: topic -> s_position_t, the last delivered
    int has_baseline;                   //  plain "now": the first position after subscribing
    s_position_t baseline;
    zlistx_t *acks, *nacks;             //  event ids to send (char *)
};

//  A notification kept until no walk over the client's lists is under way
typedef struct {
    accord_eventbus_sub_t *sub;
    int code;
    char message [384];
} s_note_t;

//  A delivery kept until poll runs its callback
typedef struct {
    accord_eventbus_sub_t *sub;
    uint64_t epoch;
    char *arena;                        //  the event's strings
    zframe_t *payload;
    accord_eventbus_event_t event;
} s_delivery_t;

struct _accord_eventbus_t {
    char endpoint [ACCORD_ENDPOINT_MAX + 1];
    char did [ACCORD_DID_MAX];
    int did_given;
    accord_key_t *key;
    int timeout_ms;
    zsock_t *dealer;
    zsock_t *monitor;
    s_state_t state;
    uint64_t epoch;                     //  sessions so far; the current one when S_UP
    int64_t retry_ms;                   //  S_DOWN: when to say HELLO again
    int backoff_ms;
    int64_t last_send_ms, last_recv_ms;
    int64_t ping_ms;                    //  PING after this long without sending (HELLO may say less)
    int64_t timers_ms;                  //  when s_timers looks at the requests next
    uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE];
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    char broker [ACCORD_MEMBER_NAME_MAX + 1];
    uint64_t next_id;
    zlistx_t *requests;                 //  s_request_t *, in creation order
    zhashx_t *requests_by_id;           //  hex id -> s_request_t * (borrowed)
    size_t publishes;                   //  of them, publishes
    size_t waiting;                     //  publishes, acks, nacks and credits (in_flight)
    size_t publish_bytes;               //  and their payloads' bytes
    size_t max_in_flight;
    uint64_t last_nonce;
    zlistx_t *subs;                     //  accord_eventbus_sub_t *
    zlistx_t *deliveries;               //  s_delivery_t *
    int dispatching;                    //  poll is running event callbacks
    int depth;                          //  callbacks running
    accord_eventbus_sub_t *current;     //  the subscription whose callback runs
    uint64_t callbacks;                 //  run so far
    accord_eventbus_notify_fn *notify;
    void *notify_arg;
    zlistx_t *notes;                    //  s_note_t *, for the notify callback
    zloop_t *loop;
    int timer_id;
    int errcode;
    char errstr [512];
};

static int64_t
s_now (void)
{
    return zclock_mono ();
}

static int
s_fail (accord_eventbus_t *self, int code, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_fail (accord_eventbus_t *self, int code, const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    vsnprintf (self->errstr, sizeof self->errstr, format, ap);
    va_end (ap);
    self->errcode = code;
    return code;
}

static void
s_ok (accord_eventbus_t *self)
{
    self->errcode = ACCORD_OK;
    self->errstr [0] = 0;
}

//  Keeps a notification for s_notes_flush, which runs the callback where that is safe
static void
s_notify (accord_eventbus_t *self, accord_eventbus_sub_t *sub, int code, const char *message)
{
    s_note_t *note = self->notify ? calloc (1, sizeof *note) : NULL;
    if (!note)
        return;
    note->sub = sub;
    note->code = code;
    snprintf (note->message, sizeof note->message, "%s", message);
    if (!zlistx_add_end (self->notes, note))
        free (note);
}

static void
s_notes_flush (accord_eventbus_t *self)
{
    s_note_t *note;
    while ((note = zlistx_detach (self->notes, NULL))) {
        if (self->notify) {
            self->depth++;
            self->notify (self, note->sub, note->code, note->message, self->notify_arg);
            self->depth--;
        }
        free (note);
    }
}

//  --------------------------------------------------------------------------
//  Where a subscription starts

static int
s_position_cmp (const s_position_t *a, const s_position_t *b)
{
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    if (a->tx != b->tx)
        return a->tx < b->tx ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return 0;
}

int
accord_eventbus_from_parse (accord_eventbus_from_t *self, const char *text, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    if (!text || !*text || strcmp (text, "now") == 0)
        return 0;
    if (strcmp (text, "first") == 0) {
        self->kind = ACCORD_EVENTBUS_FROM_FIRST;
        return 0;
    }
    if (strcmp (text, "last") == 0) {
        self->kind = ACCORD_EVENTBUS_FROM_LAST;
        return 0;
    }
    if (strchr (text, ':') && !strchr (text, 'T')) {
        if (accord_event_id_parse (text, &self->height, &self->tx, &self->index)) {
            accord_errorf (err, err_size, "'%.64s' is not an event id (HEIGHT:TX:INDEX)", text);
            return -2;
        }
        self->kind = ACCORD_EVENTBUS_FROM_EVENT;
        return 0;
    }
    self->kind = ACCORD_EVENTBUS_FROM_TIME;
    if (strspn (text, "0123456789") == strlen (text)) {
        //  ms since the epoch, an exact JSON integer
        if (strlen (text) > 16 || (strlen (text) > 1 && text [0] == '0'))
            goto bad;
        self->time_ms = strtoull (text, NULL, 10);
        if (self->time_ms >= ((uint64_t) 1 << 53))
            goto bad;
        return 0;
    }
    int64_t seconds;
    if (accord_datetime_parse (text, &seconds) || seconds < 0)
        goto bad;
    //  accord_datetime_parse drops fractions of a second; keep the milliseconds
    uint64_t ms = 0;
    const char *dot = text [19] == '.' ? text + 20 : NULL;
    for (int i = 0; dot && i < 3; i++)
        ms = ms * 10 + (uint64_t) ((dot [0] >= '0' && dot [0] <= '9') ? *dot++ - '0' : 0);
    self->time_ms = (uint64_t) seconds * 1000 + ms;
    return 0;
bad:
    accord_errorf (err, err_size, "from '%.64s' is not now, first, last, an event id, ms since the epoch "
                   "or an RFC 3339 time", text);
    memset (self, 0, sizeof *self);
    return -2;
}

json_object *
accord_eventbus_from_json (const accord_eventbus_from_t *self)
{
    char id [ACCORD_EVENT_ID_TEXT_MAX];
    switch (self->kind) {
        case ACCORD_EVENTBUS_FROM_FIRST:
            return json_object_new_string ("first");
        case ACCORD_EVENTBUS_FROM_LAST:
            return json_object_new_string ("last");
        case ACCORD_EVENTBUS_FROM_EVENT:
            accord_event_id_format (id, self->height, self->tx, self->index);
            return json_object_new_string (id);
        case ACCORD_EVENTBUS_FROM_TIME:
            return json_object_new_int64 ((int64_t) self->time_ms);
        default:
            return json_object_new_string ("now");
    }
}

//  --------------------------------------------------------------------------
//  Requests

static int
s_waits (s_kind_t kind)
{
    return kind == S_PUBLISH_REQ || kind == S_ACK_REQ || kind == S_NACK_REQ || kind == S_CREDIT_REQ;
}

static s_request_t *
s_request_new (accord_eventbus_t *self, s_kind_t kind, const char *command, zmsg_t **body_p)
{
    s_request_t *request = calloc (1, sizeof *request);
    if (!request)
        return NULL;
    request->kind = kind;
    snprintf (request->command, sizeof request->command, "%s", command);
    if (body_p) {
        request->body = *body_p;
        *body_p = NULL;
    }
    request->handle = zlistx_add_end (self->requests, request);
    if (kind == S_PUBLISH_REQ)
        self->publishes++;
    self->waiting += s_waits (kind);
    return request;
}

//  Takes the request out of the client's lists (it is then the caller's)
static void
s_request_unlink (accord_eventbus_t *self, s_request_t *request)
{
    if (!request->handle)
        return;
    if (request->key [0] && zhashx_lookup (self->requests_by_id, request->key) == request)
        zhashx_delete (self->requests_by_id, request->key);
    zlistx_detach (self->requests, request->handle);
    request->handle = NULL;
    self->waiting -= s_waits (request->kind);
    if (request->kind == S_PUBLISH_REQ) {
        self->publishes--;
        self->publish_bytes -= request->bytes;
    }
    if (request->sub && request->sub->subscribing == request)
        request->sub->subscribing = NULL;
}

static void
s_request_destroy (s_request_t **request_p)
{
    s_request_t *request = *request_p;
    if (!request)
        return;
    zmsg_destroy (&request->body);
    zmsg_destroy (&request->reply);
    json_object_put (request->events);
    free (request);
    *request_p = NULL;
}

static void
s_request_drop (accord_eventbus_t *self, s_request_t *request)
{
    s_request_unlink (self, request);
    s_request_destroy (&request);
}

//  {"sub": id, ...} of a subscription request, built when it is sent
static zmsg_t *
s_sub_body (accord_eventbus_sub_t *sub, const char *field, json_object *value)
{
    json_object *json = json_object_new_object ();
    json_object_object_add (json, "sub", json_object_new_string (sub->id));
    if (field)
        json_object_object_add (json, field, value);
    zmsg_t *body = zmsg_new ();
    zmsg_addstr (body, json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN));
    json_object_put (json);
    return body;
}

static zmsg_t *s_subscribe_body (accord_eventbus_sub_t *sub);

//  Sends request now, with a fresh id. 0, or -1 when it could not be sent (it stays, unsent).
static int
s_send (accord_eventbus_t *self, s_request_t *request)
{
    zmsg_t *body = NULL;
    if (request->kind == S_SUBSCRIBE_REQ && request->sub)
        body = s_subscribe_body (request->sub);
    else if ((request->kind == S_ACK_REQ || request->kind == S_NACK_REQ) && request->sub)
        body = s_sub_body (request->sub, "events", json_object_get (request->events));
    else if (request->kind == S_CREDIT_REQ && request->sub)
        body = s_sub_body (request->sub, "credit", json_object_new_int64 (request->credit));
    else if (request->body)
        body = zmsg_dup (request->body);
    if (request->key [0] && zhashx_lookup (self->requests_by_id, request->key) == request)
        zhashx_delete (self->requests_by_id, request->key);
    request->id = ++self->next_id;
    snprintf (request->key, sizeof request->key, "%016" PRIx64, request->id);
    zhashx_insert (self->requests_by_id, request->key, request);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, ACCORD_WIRE_VERSION);
    zmsg_addstr (msg, request->command);
    zmsg_addmem (msg, &request->id, sizeof request->id);
    zframe_t *frame;
    while (body && (frame = zmsg_pop (body)))
        zmsg_append (msg, &frame);
    zmsg_destroy (&body);
    if (zmsg_send (&msg, self->dealer) != 0) {
        zmsg_destroy (&msg);
        request->epoch = 0;
        return -1;
    }
    if (request->epoch && request->epoch != self->epoch)
        request->resent = 1;
    request->epoch = request->kind == S_HELLO_REQ || request->kind == S_AUTH_REQ ? 0 : self->epoch;
    request->sent_ms = self->last_send_ms = s_now ();
    request->retry_ms = 0;
    request->probing = 0;
    return 0;
}

//  Sends request when the session is up; otherwise it waits for the next session.
static void
s_submit (accord_eventbus_t *self, s_request_t *request)
{
    if (self->state == S_UP && !(request->sub && !request->sub->id [0] && request->kind != S_SUBSCRIBE_REQ))
        s_send (self, request);
}

//  Retry after a backoff (overloaded broker, a repeat of a publish still waiting)
static void
s_retry_later (s_request_t *request)
{
    request->backoff_ms = request->backoff_ms ? request->backoff_ms * 2 : S_BACKOFF_MIN_MS;
    if (request->backoff_ms > S_BACKOFF_MAX_MS)
        request->backoff_ms = S_BACKOFF_MAX_MS;
    request->retry_ms = s_now () + request->backoff_ms;
}

//  --------------------------------------------------------------------------
//  Finishing requests

static int s_sub_resolved (accord_eventbus_t *self, s_request_t *request, int code, const char *message,
                           json_object *reply);

static json_object *
s_reply_json (zmsg_t *reply, size_t max)
{
    zframe_t *frame = reply ? zmsg_first (reply) : NULL;
    if (!frame || zframe_size (frame) > max)
        return NULL;
    return accord_json_parse ((const char *) zframe_data (frame), zframe_size (frame), NULL, 0);
}

//  The request's answer: code (ACCORD_OK with the reply body in *reply_p, taken) or an error
//  and its message.
static void
s_complete (accord_eventbus_t *self, s_request_t *request, int code, const char *message, zmsg_t **reply_p)
{
    s_request_unlink (self, request);
    request->done = 1;
    request->code = code;
    if (message != request->message)
        snprintf (request->message, sizeof request->message, "%s", message ? message : "");
    if (reply_p) {
        request->reply = *reply_p;
        *reply_p = NULL;
    }
    if (request->kind == S_PUBLISH_REQ && code == ACCORD_OK) {
        json_object *json = s_reply_json (request->reply, ACCORD_EVENTBUS_JSON_MAX);
        const char *event = accord_json_get_string (json, "event");
        uint64_t height;
        uint32_t tx, index;
        if (!event || accord_event_id_parse (event, &height, &tx, &index)) {
            request->code = ACCORD_E_MALFORMED;
            snprintf (request->message, sizeof request->message, "the broker's answer holds no event id");
        }
        else
            snprintf (request->message, sizeof request->message, "%s", event);
        json_object_put (json);
    }
    else if (request->kind == S_SUBSCRIBE_REQ) {
        json_object *json = code == ACCORD_OK ? s_reply_json (request->reply, ACCORD_JSON_MAX_SIZE) : NULL;
        request->code = s_sub_resolved (self, request, request->code, request->message, json);
        if (code == ACCORD_OK && request->code != ACCORD_OK)
            snprintf (request->message, sizeof request->message, "the broker's answer to SUBSCRIBE holds no "
                      "subscription id");
        json_object_put (json);
    }
    if (request->waited)
        return;             //  the waiting call reads it and frees it
    if (request->kind == S_PUBLISH_REQ && request->fn) {
        self->depth++;
        request->fn (self, request->code, request->message, request->message_id, request->arg);
        self->depth--;
        self->callbacks++;
    }
    else if ((request->kind == S_ACK_REQ || request->kind == S_NACK_REQ || request->kind == S_CREDIT_REQ)
         &&  code != ACCORD_OK && !(request->sub && request->sub->failed)) {
        char text [384];
        snprintf (text, sizeof text, "%s refused: %s", request->command, request->message);
        s_notify (self, request->sub, code, text);
    }
    s_request_destroy (&request);
}

//  The client fails for good: every request ends with the client's error
static void
s_fatal (accord_eventbus_t *self)
{
    self->state = S_FAILED;
    s_request_t *request;
    while ((request = zlistx_first (self->requests)))
        s_complete (self, request, self->errcode, self->errstr, NULL);
    s_notify (self, NULL, self->errcode, self->errstr);
}

//  --------------------------------------------------------------------------
//  Sessions

static void
s_hello (accord_eventbus_t *self)
{
    zmsg_t *body = zmsg_new ();
    zmsg_addstr (body, "{}");
    s_request_t *request = s_request_new (self, S_HELLO_REQ, "HELLO", &body);
    if (request && s_send (self, request) == 0)
        self->state = S_HELLO;
    else if (request)
        s_request_drop (self, request);
}

//  The session ended (or an attempt to make one failed): back to S_DOWN, the session's own
//  requests dropped, the others made ready for the next session.
static void
s_session_lost (accord_eventbus_t *self, const char *reason)
{
    if (self->state == S_FAILED)
        return;
    int was_up = self->state == S_UP;
    self->state = S_DOWN;
    self->backoff_ms = was_up ? 0 : (self->backoff_ms ? self->backoff_ms * 2 : S_BACKOFF_MIN_MS);
    if (self->backoff_ms > S_BACKOFF_MAX_MS)
        self->backoff_ms = S_BACKOFF_MAX_MS;
    self->retry_ms = s_now () + self->backoff_ms;
    zlistx_t *copy = zlistx_dup (self->requests);
    for (s_request_t *request = zlistx_first (copy); request; request = zlistx_next (copy)) {
        switch (request->kind) {
            case S_HELLO_REQ: case S_AUTH_REQ: case S_PING_REQ: case S_PROBE_REQ:
            case S_CREDIT_REQ: case S_UNSUBSCRIBE_REQ:
                //  a new session has fresh credit and none of the old subscriptions
                s_request_drop (self, request);
                break;
            case S_ACK_REQ: case S_NACK_REQ:
                //  the ids go back to their subscription, for its next session
                if (request->sub && !request->sub->failed) {
                    zlistx_t *queue = request->kind == S_ACK_REQ ? request->sub->acks : request->sub->nacks;
                    for (size_t i = json_object_array_length (request->events); i > 0; i--)
                        zlistx_add_start (queue, strdup (json_object_get_string (
                            json_object_array_get_idx (request->events, i - 1))));
                }
                s_request_drop (self, request);
                break;
            default:
                request->probing = 0;
                if (!request->resend && request->epoch)
                    s_complete (self, request, ACCORD_E_UNAVAILABLE,
                                "the connection to the broker was lost before its answer", NULL);
                break;
        }
    }
    zlistx_destroy (&copy);
    for (accord_eventbus_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs))
        sub->id [0] = 0;
    if (was_up) {
        char text [384];
        snprintf (text, sizeof text, "session lost (%s): reconnecting", reason);
        s_notify (self, NULL, ACCORD_E_UNAVAILABLE, text);
    }
}

static void s_resubscribe (accord_eventbus_t *self);
static void s_sub_destroy (accord_eventbus_sub_t **sub_p);

static void
s_on_hello (accord_eventbus_t *self, zmsg_t *reply)
{
    json_object *json = s_reply_json (reply, ACCORD_EVENTBUS_JSON_MAX);
    const char *challenge = accord_json_get_string (json, "challenge");
    const char *chain_id = accord_json_get_string (json, "chain_id");
    const char *broker = accord_json_get_string (json, "broker");
    //  A broker that ends silent sessions sooner than our PING: a third of its time
    int64_t idle_ms = 0;
    self->ping_ms = accord_json_get_int64 (json, "session_idle_ms", 3, INT64_MAX, &idle_ms) == 0
                  && idle_ms / 3 < ACCORD_EVENTBUS_PING_MS ? idle_ms / 3 : ACCORD_EVENTBUS_PING_MS;
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!challenge || !chain_id || !broker || strlen (chain_id) > ACCORD_CHAIN_ID_MAX
    ||  strlen (broker) > ACCORD_MEMBER_NAME_MAX
    ||  accord_base64url_decode (&bytes, &len, challenge, strlen (challenge)) || len != ACCORD_EVENTBUS_CHALLENGE_SIZE) {
        free (bytes);
        json_object_put (json);
        s_fail (self, ACCORD_E_MALFORMED, "the broker's HELLO answer lacks a challenge, chain_id or broker");
        s_session_lost (self, self->errstr);
        return;
    }
    memcpy (self->challenge, bytes, len);
    free (bytes);
    snprintf (self->chain_id, sizeof self->chain_id, "%s", chain_id);
    snprintf (self->broker, sizeof self->broker, "%s", broker);
    json_object_put (json);
    if (!self->did_given)
        accord_did_for_key (self->did, self->chain_id, accord_key_public (self->key));
    uint8_t digest [ACCORD_HASH_SIZE], sig [ACCORD_SIG_SIZE];
    accord_eventbus_auth_digest (digest, self->chain_id, self->broker, self->challenge, self->did);
    char *sig_text = accord_key_sign (self->key, sig, digest) ? NULL : accord_base64url_encode (sig, sizeof sig);
    if (!sig_text) {
        s_fail (self, ACCORD_E_INTERNAL, "cannot sign the broker's challenge");
        s_fatal (self);
        return;
    }
    json = json_object_new_object ();
    json_object_object_add (json, "did", json_object_new_string (self->did));
    json_object_object_add (json, "sig", json_object_new_string (sig_text));
    free (sig_text);
    zmsg_t *body = zmsg_new ();
    zmsg_addstr (body, json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN));
    json_object_put (json);
    s_request_t *request = s_request_new (self, S_AUTH_REQ, "AUTH", &body);
    if (request && s_send (self, request) == 0)
        self->state = S_AUTH;
    else {
        if (request)
            s_request_drop (self, request);
        s_session_lost (self, "cannot send AUTH");
    }
}

static void
s_on_auth (accord_eventbus_t *self)
{
    self->state = S_UP;
    self->epoch++;
    self->backoff_ms = 0;
    if (self->epoch > 1)
        s_notify (self, NULL, ACCORD_OK, "reconnected: a new session");
    //  Subscriptions first, then every request of an earlier session, in their order
    s_resubscribe (self);
    zlistx_t *copy = zlistx_dup (self->requests);
    for (s_request_t *request = zlistx_first (copy); request; request = zlistx_next (copy))
        if (request->epoch != self->epoch && request->kind != S_SUBSCRIBE_REQ && !request->retry_ms)
            s_submit (self, request);
    zlistx_destroy (&copy);
}

//  The session check after an unauthorized answer (STATUS names the DID of an authenticated
//  session): the session is gone, or the answers were the broker's word.
static void
s_on_probe (accord_eventbus_t *self, int code, zmsg_t *reply)
{
    json_object *json = code == ACCORD_OK ? s_reply_json (reply, ACCORD_JSON_MAX_SIZE) : NULL;
    const char *did = accord_json_get_string (json, "did");
    int alive = did && strcmp (did, self->did) == 0;
    json_object_put (json);
    if (!alive) {
        s_session_lost (self, "the broker no longer knows the session");
        return;
    }
    //  A callback may change the list: look again from the start each time
    for (int more = 1; more; ) {
        more = 0;
        for (s_request_t *request = zlistx_first (self->requests); request; request = zlistx_next (self->requests))
            if (request->probing) {
                s_complete (self, request, ACCORD_E_UNAUTHORIZED, request->message, NULL);
                more = 1;
                break;
            }
    }
}

static int
s_probing (accord_eventbus_t *self)
{
    for (s_request_t *request = zlistx_first (self->requests); request; request = zlistx_next (self->requests))
        if (request->kind == S_PROBE_REQ)
            return 1;
    return 0;
}

static void
s_send_plain (accord_eventbus_t *self, s_kind_t kind, const char *command)
{
    s_request_t *request = s_request_new (self, kind, command, NULL);
    if (request && s_send (self, request))
        s_request_drop (self, request);
}

//  --------------------------------------------------------------------------
//  Deliveries

static accord_eventbus_sub_t *
s_sub_by_id (accord_eventbus_t *self, const char *id)
{
    for (accord_eventbus_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs))
        if (sub->id [0] && strcmp (sub->id, id) == 0)
            return sub;
    return NULL;
}

//  The strings of a delivery's meta, kept in its arena (never longer than the meta's text).
typedef struct {
    accord_json_reader_t *reader;
    char *arena;
    size_t used, size;
} s_meta_t;

//  The string value next, kept; NULL when it is not a string.
static const char *
s_meta_string (s_meta_t *meta)
{
    const char *text;
    size_t len;
    if (accord_json_reader_peek (meta->reader) != json_type_string) {
        accord_json_reader_skip (meta->reader);
        return NULL;
    }
    if (accord_json_reader_string (meta->reader, &text, &len) || meta->used + len + 1 > meta->size)
        return NULL;
    char *copy = meta->arena + meta->used;
    memcpy (copy, text, len + 1);
    meta->used += len + 1;
    return copy;
}

//  The integer value next in [0, max], or -1 (read over all the same).
static int
s_meta_number (s_meta_t *meta, int64_t max, uint64_t *value)
{
    int64_t number;
    if (accord_json_reader_peek (meta->reader) != json_type_int) {
        accord_json_reader_skip (meta->reader);
        return -1;
    }
    if (accord_json_reader_int64 (meta->reader, 0, max, &number))
        return -1;
    *value = (uint64_t) number;
    return 0;
}

//  The dead_letter object {event, group?, deliveries}.
static void
s_meta_dead_letter (s_meta_t *meta, accord_eventbus_event_t *event)
{
    if (accord_json_reader_peek (meta->reader) != json_type_object) {
        accord_json_reader_skip (meta->reader);
        return;
    }
    accord_json_reader_begin (meta->reader, json_type_object);
    while (accord_json_reader_next (meta->reader) == 1) {
        const char *key;
        size_t len;
        uint64_t number;
        if (accord_json_reader_key (meta->reader, &key, &len))
            return;
        if (streq (key, "event"))
            event->dead_event = s_meta_string (meta);
        else if (streq (key, "group"))
            event->dead_group = s_meta_string (meta);
        else if (streq (key, "deliveries") && s_meta_number (meta, UINT32_MAX, &number) == 0)
            event->dead_deliveries = (uint32_t) number;
        else if (!streq (key, "deliveries"))
            accord_json_reader_skip (meta->reader);
    }
}

//  Reads a delivery's meta (eventbus/README.md, EVENT) into event, its strings into arena
//  (size bytes, at least the text's). Keys it does not know are read over: a newer broker may
//  say more. 0, or -1 with err.
static int
s_event_parse (accord_eventbus_event_t *event, const char *text, size_t len, char *arena, size_t size,
               zframe_t *payload, char *err, size_t err_size)
{
    memset (event, 0, sizeof *event);
    s_meta_t meta = { accord_json_reader_new (text, len), arena, 0, size };
    accord_json_reader_t *reader = meta.reader;
    int bad_tags = 0, bad_time = 0, bad_sig = 0, dead = 0, more = -1;
    if (reader && accord_json_reader_begin (reader, json_type_object) == 0) {
        while ((more = accord_json_reader_next (reader)) == 1) {
            const char *key;
            size_t key_len;
            uint64_t number;
            if (accord_json_reader_key (reader, &key, &key_len))
                break;
            if (streq (key, "event"))
                event->id = s_meta_string (&meta);
            else if (streq (key, "topic"))
                event->topic = s_meta_string (&meta);
            else if (streq (key, "publisher"))
                event->publisher = s_meta_string (&meta);
            else if (streq (key, "id"))
                event->message_id = s_meta_string (&meta);
            else if (streq (key, "tags") && accord_json_reader_peek (reader) == json_type_array) {
                accord_json_reader_begin (reader, json_type_array);
                while (accord_json_reader_next (reader) == 1) {
                    const char *tag = s_meta_string (&meta);
                    if (!tag || event->tag_count == ACCORD_EVENT_TAGS_MAX)
                        bad_tags = 1;
                    else
                        event->tags [event->tag_count++] = tag;
                }
            }
            else if (streq (key, "time")) {
                bad_time = s_meta_number (&meta, INT64_MAX, &event->time_ms) != 0;
                event->has_time = 1;
            }
            else if (streq (key, "sig")) {
                const char *sig = s_meta_string (&meta);
                size_t sig_len = 0;
                uint8_t bytes [ACCORD_SIG_SIZE + 3];
                bad_sig = !sig || accord_base64url_decode_into (bytes, sizeof bytes, &sig_len, sig, strlen (sig))
                       || sig_len != ACCORD_SIG_SIZE;
                if (!bad_sig)
                    memcpy (event->sig, bytes, ACCORD_SIG_SIZE);
                event->has_sig = 1;
            }
            else if (streq (key, "block_ms") && s_meta_number (&meta, INT64_MAX, &number) == 0)
                event->block_ms = number;
            else if (streq (key, "deliveries") && s_meta_number (&meta, UINT32_MAX, &number) == 0)
                event->deliveries = (uint32_t) number;
            else if (streq (key, "dead_letter")) {
                dead = 1;
                s_meta_dead_letter (&meta, event);
            }
            else if (!streq (key, "block_ms") && !streq (key, "deliveries"))
                accord_json_reader_skip (reader);
        }
    }
    int broken = !reader || more != 0 || accord_json_reader_end (reader);
    if (broken)
        accord_errorf (err, err_size, "a delivery's meta is not a JSON object: %s",
                       reader ? accord_json_reader_error (reader) : "out of memory");
    accord_json_reader_destroy (&meta.reader);
    if (broken)
        return -1;
    if (!event->id || accord_event_id_parse (event->id, &event->height, &event->tx, &event->index))
        return accord_errorf (err, err_size, "a delivery without an event id"), -1;
    if (!event->topic || !event->publisher || !event->message_id)
        return accord_errorf (err, err_size, "delivery %s lacks its topic, publisher or id", event->id), -1;
    if (bad_tags)
        return accord_errorf (err, err_size, "delivery %s: tags are up to 16 strings", event->id), -1;
    if (bad_time)
        return accord_errorf (err, err_size, "delivery %s: time is not ms", event->id), -1;
    if (bad_sig)
        return accord_errorf (err, err_size, "delivery %s: sig is not 64 bytes of base64url", event->id), -1;
    if (dead && !event->dead_event)
        return accord_errorf (err, err_size, "delivery %s: a dead letter without its event", event->id), -1;
    event->payload = payload ? zframe_data (payload) : (const uint8_t *) "";
    event->payload_len = payload ? zframe_size (payload) : 0;
    return 0;
}

static void
s_delivery_destroy (s_delivery_t **delivery_p)
{
    if (!*delivery_p)
        return;
    free ((*delivery_p)->arena);
    zframe_destroy (&(*delivery_p)->payload);
    free (*delivery_p);
    *delivery_p = NULL;
}

//  The events sub still wants: UINT64_MAX without max_events
static uint64_t
s_left (const accord_eventbus_sub_t *sub)
{
    if (!sub->max_events)
        return UINT64_MAX;
    return sub->max_events > sub->given ? sub->max_events - sub->given : 0;
}

//  One delivery of sub's current session used one credit: with auto_credit, half the window
//  used goes back to the broker. With max_events, the broker's credit is topped up to the
//  window or to what is still wanted, whichever is less, once half the window can be given
//  (or the broker has none left: deliveries the callback did not see, such as repeats
//  dropped after a new session, used some).
static void
s_used (accord_eventbus_t *self, accord_eventbus_sub_t *sub)
{
    if (sub->outstanding)
        sub->outstanding--;
    if (!sub->auto_credit)
        return;
    uint32_t grant = 0;
    if (sub->max_events) {
        uint64_t target = MIN ((uint64_t) sub->credit, s_left (sub));
        if (target > sub->outstanding
        &&  (target - sub->outstanding >= (sub->credit + 1) / 2 || sub->outstanding == 0))
            grant = (uint32_t) (target - sub->outstanding);
    }
    else if (++sub->used >= (sub->credit + 1) / 2) {
        grant = sub->used;
        sub->used = 0;
    }
    s_request_t *request = grant ? s_request_new (self, S_CREDIT_REQ, "CREDIT", NULL) : NULL;
    if (request) {
        request->sub = sub;
        request->credit = grant;
        sub->outstanding += grant;
        s_submit (self, request);
    }
}

//  Drops what is kept for sub: deliveries and notifications
static void
s_sub_forget (accord_eventbus_t *self, accord_eventbus_sub_t *sub)
{
    for (s_delivery_t *delivery = zlistx_first (self->deliveries); delivery; delivery = zlistx_next (self->deliveries))
        if (delivery->sub == sub) {
            zlistx_detach_cur (self->deliveries);
            s_delivery_destroy (&delivery);
        }
    for (s_note_t *note = zlistx_first (self->notes); note; note = zlistx_next (self->notes))
        if (note->sub == sub) {
            zlistx_detach_cur (self->notes);
            free (note);
        }
}

//  "ACC1" "EVENT" sub meta payload, the first two frames gone
static void
s_on_delivery (accord_eventbus_t *self, zframe_t *sub_frame, zmsg_t *rest)
{
    char sub_id [S_SUB_ID_MAX + 1] = "";
    if (zframe_size (sub_frame) <= S_SUB_ID_MAX)
        memcpy (sub_id, zframe_data (sub_frame), zframe_size (sub_frame));
    sub_id [zframe_size (sub_frame) <= S_SUB_ID_MAX ? zframe_size (sub_frame) : 0] = 0;
    accord_eventbus_sub_t *sub = sub_id [0] ? s_sub_by_id (self, sub_id) : NULL;
    if (!sub)
        return;             //  a subscription that ended
    zframe_t *meta_frame = zmsg_pop (rest);
    s_delivery_t *delivery = calloc (1, sizeof *delivery);
    char err [160] = "a delivery without its meta frame";
    size_t meta_len = meta_frame ? zframe_size (meta_frame) : 0;
    if (delivery && meta_frame && meta_len <= ACCORD_EVENTBUS_JSON_MAX)
        delivery->arena = malloc (meta_len + 1);
    if (delivery) {
        delivery->sub = sub;
        delivery->epoch = self->epoch;
        delivery->payload = zmsg_pop (rest);
    }
    if (!delivery || !delivery->arena
    ||  s_event_parse (&delivery->event, (const char *) zframe_data (meta_frame), meta_len, delivery->arena,
                       meta_len + 1, delivery->payload, err, sizeof err)) {
        zframe_destroy (&meta_frame);
        s_delivery_destroy (&delivery);
        s_used (self, sub);         //  it used credit all the same
        s_notify (self, sub, ACCORD_E_MALFORMED, err);
        return;
    }
    zframe_destroy (&meta_frame);
    zlistx_add_end (self->deliveries, delivery);
}

//  "ACC1" "END" sub code message, the first two frames gone: the broker ended the subscription
//  (its DID may no longer read a topic of it). No more deliveries; not made again.
static void
s_on_end (accord_eventbus_t *self, zframe_t *sub_frame, zmsg_t *rest)
{
    char sub_id [S_SUB_ID_MAX + 1] = "", *name = zmsg_popstr (rest), *text = zmsg_popstr (rest), message [384];
    if (zframe_size (sub_frame) <= S_SUB_ID_MAX)
        memcpy (sub_id, zframe_data (sub_frame), zframe_size (sub_frame));
    accord_eventbus_sub_t *sub = sub_id [0] ? s_sub_by_id (self, sub_id) : NULL;
    int code = name ? accord_err_from_name (name) : ACCORD_E_MALFORMED;
    if (sub) {
        sub->failed = 1;
        sub->id [0] = 0;
        zlistx_purge (sub->acks);
        zlistx_purge (sub->nacks);
        snprintf (message, sizeof message, "subscription to %s ended by the broker: %s", sub->filter,
                  text ? text : "no reason given");
        s_notify (self, sub, code == ACCORD_OK ? ACCORD_E_INTERNAL : code, message);
    }
    zstr_free (&name);
    zstr_free (&text);
}

//  --------------------------------------------------------------------------
//  Reading the sockets

//  Reads what the DEALER's monitor said: 1 when the connection dropped since the last look
//  (the session is then lost), else 0.
static int
s_dropped (accord_eventbus_t *self)
{
    int dropped = 0;
    while (self->monitor && (zsock_events (self->monitor) & ZMQ_POLLIN)) {
        zmsg_t *event = zmsg_recv (self->monitor);
        zframe_t *head = event ? zmsg_first (event) : NULL;
        uint16_t number = 0;
        if (head && zframe_size (head) >= 2)
            memcpy (&number, zframe_data (head), 2);
        zmsg_destroy (&event);
        if (number == ZMQ_EVENT_DISCONNECTED)
            dropped = 1;
    }
    if (dropped && self->state != S_DOWN)
        s_session_lost (self, "the connection dropped");
    return dropped;
}

static void
s_on_message (accord_eventbus_t *self, zmsg_t *msg)
{
    zframe_t *version = zmsg_pop (msg), *status = zmsg_pop (msg), *id = zmsg_pop (msg);
    if (!id || !zframe_streq (version, ACCORD_WIRE_VERSION))
        goto done;
    self->last_recv_ms = s_now ();
    if (zframe_streq (status, "EVENT")) {
        s_on_delivery (self, id, msg);
        goto done;
    }
    if (zframe_streq (status, "END")) {
        s_on_end (self, id, msg);
        goto done;
    }
    uint64_t number;
    if (zframe_size (id) != sizeof number)
        goto done;
    memcpy (&number, zframe_data (id), sizeof number);
    char key [17];
    snprintf (key, sizeof key, "%016" PRIx64, number);
    s_request_t *request = zhashx_lookup (self->requests_by_id, key);
    if (!request || request->id != number)
        goto done;
    int code = ACCORD_OK;
    char message [256] = "";
    if (!zframe_streq (status, "OK")) {
        char *name = zmsg_popstr (msg), *text = zmsg_popstr (msg);
        code = name ? accord_err_from_name (name) : ACCORD_E_MALFORMED;
        if (code == ACCORD_OK)
            code = ACCORD_E_INTERNAL;
        snprintf (message, sizeof message, "%s", text ? text : "an error without a message");
        zstr_free (&name);
        zstr_free (&text);
    }
    switch (request->kind) {
        case S_HELLO_REQ:
            //  An answer read before the monitor said the connection dropped may be the dropped
            //  connection's: its challenge is of a session that is gone, AUTH would not find it
            s_request_drop (self, request);
            if (self->state != S_HELLO || s_dropped (self))
                break;
            if (code == ACCORD_OK)
                s_on_hello (self, msg);
            else {
                s_fail (self, code, "HELLO refused: %s", message);
                s_session_lost (self, self->errstr);
            }
            break;
        case S_AUTH_REQ:
            s_request_drop (self, request);
            if (self->state != S_AUTH || s_dropped (self))
                break;
            if (code == ACCORD_OK)
                s_on_auth (self);
            else if (code == ACCORD_E_UNAUTHORIZED && strncmp (message, S_NO_CHALLENGE, strlen (S_NO_CHALLENGE)) == 0)
                //  The broker lost the session between HELLO and AUTH, or the AUTH went on a new
                //  connection: nothing was said about the DID. Start again with HELLO.
                s_session_lost (self, message);
            else if (code == ACCORD_E_UNAUTHORIZED || code == ACCORD_E_MALFORMED) {
                s_fail (self, code, "the broker refused %s: %s", self->did, message);
                s_fatal (self);
            }
            else {
                s_fail (self, code, "AUTH: %s", message);
                s_session_lost (self, self->errstr);
            }
            break;
        case S_PING_REQ: {
            //  "session": false, the broker forgot the session (idle too long): a new one
            json_object *json = code == ACCORD_OK ? s_reply_json (msg, ACCORD_EVENTBUS_JSON_MAX) : NULL;
            json_object *session = NULL;
            int forgotten = json_object_object_get_ex (json, "session", &session)
                         && json_object_is_type (session, json_type_boolean) && !json_object_get_boolean (session)
                         && self->state == S_UP && request->epoch == self->epoch;
            json_object_put (json);
            s_request_drop (self, request);
            if (forgotten)
                s_session_lost (self, "the broker no longer knows the session");
            break;
        }
        case S_PROBE_REQ:
            s_request_drop (self, request);
            if (self->state == S_UP)
                s_on_probe (self, code, msg);
            break;
        default:
            if (code == ACCORD_E_UNAUTHORIZED && strcmp (request->command, "STATUS")) {
                if (self->state != S_UP || request->epoch != self->epoch)
                    break;          //  sent before the session was lost: it goes again
                //  The broker's word, or a broker that no longer knows the session?
                request->probing = 1;
                snprintf (request->message, sizeof request->message, "%s", message);
                if (!s_probing (self))
                    s_send_plain (self, S_PROBE_REQ, "STATUS");
                break;
            }
            if ((code == ACCORD_E_OVERLOADED && request->kind == S_PUBLISH_REQ)
            ||  (code == ACCORD_E_DUPLICATE && request->kind == S_PUBLISH_REQ && request->resent)
            ||  (request->kind == S_SUBSCRIBE_REQ && !request->waited
                 && (code == ACCORD_E_OVERLOADED || code == ACCORD_E_UNAVAILABLE || code == ACCORD_E_TIMEOUT))) {
                //  At its limit, still waiting for the first copy of a publish sent again, or
                //  a subscription made again that the broker cannot make just now
                s_retry_later (request);
                break;
            }
            s_complete (self, request, code, message, &msg);
            break;
    }
done:
    zframe_destroy (&version);
    zframe_destroy (&status);
    zframe_destroy (&id);
    zmsg_destroy (&msg);
}

//  Reads what is waiting on the monitor and the DEALER
static void
s_read (accord_eventbus_t *self)
{
    s_dropped (self);
    for (int i = 0; i < S_READ_BATCH && (zsock_events (self->dealer) & ZMQ_POLLIN); i++) {
        zmsg_t *msg = zmsg_recv (self->dealer);
        if (!msg)
            break;
        s_on_message (self, msg);
    }
}

//  Pending ACK / NACK ids go out in batches, for subscriptions of the current session
static void
s_flush_acks (accord_eventbus_t *self)
{
    if (self->state != S_UP)
        return;
    for (accord_eventbus_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs)) {
        for (int nack = 0; nack < 2 && sub->id [0]; nack++) {
            zlistx_t *queue = nack ? sub->nacks : sub->acks;
            while (zlistx_size (queue)) {
                s_request_t *request = s_request_new (self, nack ? S_NACK_REQ : S_ACK_REQ, nack ? "NACK" : "ACK", NULL);
                if (!request)
                    return;
                request->sub = sub;
                request->events = json_object_new_array ();
                char *id;
                while (json_object_array_length (request->events) < ACCORD_EVENTBUS_ACK_IDS_MAX
                       && (id = zlistx_first (queue))) {
                    json_object_array_add (request->events, json_object_new_string (id));
                    zlistx_delete (queue, zlistx_cursor (queue));
                }
                s_send (self, request);
            }
        }
    }
}

//  Timers: reconnecting, PING, answers that do not come, retries
static void
s_timers (accord_eventbus_t *self)
{
    int64_t now = s_now ();
    if (self->state == S_DOWN && now >= self->retry_ms)
        s_hello (self);
    if (now < self->timers_ms)
        return;
    self->timers_ms = now + S_TIMERS_MS;
    //  Nothing in this walk adds or removes a request
    int waiting = 0, pinging = 0, lost = 0;
    for (s_request_t *request = zlistx_first (self->requests); request && !lost;
         request = zlistx_next (self->requests)) {
        int up = self->state == S_UP;
        if (request->kind == S_HELLO_REQ || request->kind == S_AUTH_REQ) {
            if (now - request->sent_ms >= self->timeout_ms) {
                s_fail (self, ACCORD_E_TIMEOUT, "no answer to %s from %s within %d ms", request->command,
                        self->endpoint, self->timeout_ms);
                lost = 1;
            }
        }
        else if (request->kind == S_PING_REQ || request->kind == S_PROBE_REQ) {
            pinging = 1;
            if (up && now - request->sent_ms >= self->timeout_ms) {
                s_fail (self, ACCORD_E_TIMEOUT, "no answer to %s within %d ms", request->command, self->timeout_ms);
                lost = 1;
            }
        }
        else if (up && request->retry_ms && now >= request->retry_ms)
            s_submit (self, request);
        else if (up && request->epoch != self->epoch && !request->retry_ms && request->kind != S_SUBSCRIBE_REQ)
            s_submit (self, request);       //  could not be sent before
        else if (up && request->epoch == self->epoch)
            waiting = 1;
    }
    //  Out of the walk: this drops requests. A PING after half the timeout without hearing while
    //  requests wait: a call waiting as long as the timeout (publish_async at its bound) then
    //  learns of a lost session within its own time
    if (lost)
        s_session_lost (self, self->errstr);
    if (self->state == S_UP && !pinging
    &&  (now - self->last_send_ms >= self->ping_ms
         || (waiting && now - self->last_recv_ms >= self->timeout_ms / 2)))
        s_send_plain (self, S_PING_REQ, "PING");
}

//  Runs the client until done (ctx) says so: 0; 1 at the deadline (-1: none); 2 when a signal
//  interrupted the wait (and interruptible); -1 when the client failed for good.
static int
s_run (accord_eventbus_t *self, int64_t deadline, int (*done) (accord_eventbus_t *, void *), void *ctx,
       int interruptible)
{
    while (1) {
        s_read (self);
        s_timers (self);
        s_flush_acks (self);
        s_notes_flush (self);
        if (self->state == S_FAILED)
            return -1;
        if (done && done (self, ctx))
            return 0;
        int64_t now = s_now ();
        if (deadline >= 0 && now >= deadline)
            return 1;
        int64_t wait = ACCORD_EVENTBUS_TICK_MS;
        if (deadline >= 0 && deadline - now < wait)
            wait = deadline - now;
        zmq_pollitem_t items [] = { { zsock_resolve (self->dealer), 0, ZMQ_POLLIN, 0 },
                                    { zsock_resolve (self->monitor), 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 2, (long) wait) == -1 && errno == EINTR
        &&  (interruptible || zsys_interrupted))
            return 2;
    }
}

static int
s_request_done (accord_eventbus_t *self, void *ctx)
{
    (void) self;
    return ((s_request_t *) ctx)->done;
}

//  Waits for a request a sync call made (waited): its code, with the request kept for the
//  caller to read and free; or an error with the request gone.
static int
s_wait (accord_eventbus_t *self, s_request_t *request)
{
    int rc = s_run (self, s_now () + self->timeout_ms, s_request_done, request, 0);
    if (request->done)
        return request->code == ACCORD_OK ? (s_ok (self), ACCORD_OK)
             : s_fail (self, request->code, "%s", request->message);
    s_request_unlink (self, request);
    if (rc == -1)
        return self->errcode;
    return s_fail (self, rc == 2 ? ACCORD_E_UNAVAILABLE : ACCORD_E_TIMEOUT,
                   rc == 2 ? "interrupted by a signal" : "no answer from the broker within %d ms", self->timeout_ms);
}

//  A sync call: command with *body_p (taken; NULL: no body). ACCORD_OK with the answer's JSON
//  in *reply (caller puts; may be NULL), or the error. resend: may be repeated in a new session.
static int
s_call (accord_eventbus_t *self, const char *command, zmsg_t **body_p, int resend, json_object **reply)
{
    if (reply)
        *reply = NULL;
    if (self->state == S_FAILED)
        return self->errcode;
    s_request_t *request = s_request_new (self, S_CALL_REQ, command, body_p);
    if (!request)
        return s_fail (self, ACCORD_E_INTERNAL, "out of memory");
    request->waited = 1;
    request->resend = resend;
    s_submit (self, request);
    int rc = s_wait (self, request);
    if (rc == ACCORD_OK && reply) {
        *reply = s_reply_json (request->reply, ACCORD_JSON_MAX_SIZE);
        if (!*reply)
            rc = s_fail (self, ACCORD_E_MALFORMED, "the broker's answer to %s is not JSON", command);
    }
    s_request_destroy (&request);
    return rc;
}

static int
s_call_json (accord_eventbus_t *self, const char *command, json_object *request, json_object **reply)
{
    zmsg_t *body = zmsg_new ();
    if (request)
        zmsg_addstr (body, json_object_to_json_string_ext (request, JSON_C_TO_STRING_PLAIN));
    return s_call (self, command, &body, 1, reply);
}

//  --------------------------------------------------------------------------
//  Connection

//  The first session is made, or its attempt failed (with a reason in errcode)
static int
s_first_session (accord_eventbus_t *self, void *ctx)
{
    (void) ctx;
    return self->state == S_UP || self->errcode != ACCORD_OK;
}

accord_eventbus_t *
accord_eventbus_connect (const char *endpoint, const char *did, accord_key_t *key, int timeout_ms)
{
    accord_eventbus_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->requests = zlistx_new ();
    self->requests_by_id = zhashx_new ();
    self->subs = zlistx_new ();
    self->deliveries = zlistx_new ();
    self->notes = zlistx_new ();
    self->max_in_flight = ACCORD_EVENTBUS_IN_FLIGHT_DEFAULT;
    self->ping_ms = ACCORD_EVENTBUS_PING_MS;
    self->timeout_ms = timeout_ms;
    self->key = key;
    self->timer_id = -1;
    self->state = S_FAILED;             //  until the first HELLO goes
    if (!self->requests || !self->requests_by_id || !self->subs || !self->deliveries || !self->notes) {
        accord_eventbus_destroy (&self);
        return NULL;
    }
    if (!endpoint || !*endpoint || strlen (endpoint) > ACCORD_ENDPOINT_MAX) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "needs a broker endpoint (tcp://HOST:PORT)");
        return self;
    }
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    if (!key || timeout_ms <= 0) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "needs a key and a timeout above 0 ms");
        return self;
    }
    if (did && (strncmp (did, "did:", 4) || strlen (did) >= ACCORD_DID_MAX)) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "'%.64s' is not a DID", did);
        return self;
    }
    if (did) {
        snprintf (self->did, sizeof self->did, "%s", did);
        self->did_given = 1;
    }
    self->dealer = zsock_new (ZMQ_DEALER);
    self->monitor = zsock_new (ZMQ_PAIR);
    char monitor [96];
    static uint64_t s_monitors;       //  one name per client of the process
    snprintf (monitor, sizeof monitor, "inproc://accord-eventbus-monitor-%p-%" PRIu64, (void *) self,
              __atomic_add_fetch (&s_monitors, 1, __ATOMIC_RELAXED));
    if (!self->dealer || !self->monitor
    ||  zmq_socket_monitor (zsock_resolve (self->dealer), monitor, ZMQ_EVENT_DISCONNECTED) != 0
    ||  zsock_connect (self->monitor, "%s", monitor) != 0) {
        s_fail (self, ACCORD_E_INTERNAL, "cannot make the client's sockets");
        return self;
    }
    //  Sends never block: the in-flight bound keeps what waits in memory bounded
    zsock_set_sndhwm (self->dealer, 0);
    zsock_set_sndtimeo (self->dealer, 0);
    zsock_set_linger (self->dealer, 0);
    if (zsock_connect (self->dealer, "%s", endpoint) != 0) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "cannot connect to '%s' (tcp://HOST:PORT)", endpoint);
        return self;
    }
    self->next_id = (uint64_t) zclock_usecs ();
    self->last_send_ms = self->last_recv_ms = s_now ();
    //  Unlike later sessions, the first one is not tried again: its failure is the answer
    s_ok (self);
    self->state = S_DOWN;
    s_hello (self);
    int rc = s_run (self, s_now () + timeout_ms, s_first_session, NULL, 0);
    if (self->state == S_UP)
        s_ok (self);
    else {
        if (self->errcode == ACCORD_OK)
            s_fail (self, rc == 2 ? ACCORD_E_UNAVAILABLE : ACCORD_E_TIMEOUT, rc == 2 ? "interrupted by a signal"
                    : "no answer from the broker at %s within %d ms", endpoint, timeout_ms);
        self->state = S_FAILED;
    }
    return self;
}

void
accord_eventbus_destroy (accord_eventbus_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_eventbus_t *self = *self_p;
    accord_eventbus_detach (self);
    if (self->dealer && self->state == S_UP) {
        s_flush_acks (self);
        zsock_set_linger (self->dealer, S_LINGER_MS);
    }
    s_delivery_t *delivery;
    while (self->deliveries && (delivery = zlistx_detach (self->deliveries, NULL)))
        s_delivery_destroy (&delivery);
    s_request_t *request;
    while (self->requests && (request = zlistx_first (self->requests)))
        s_request_drop (self, request);
    accord_eventbus_sub_t *sub;
    while (self->subs && (sub = zlistx_detach (self->subs, NULL)))
        s_sub_destroy (&sub);
    if (self->dealer && self->monitor)
        zmq_socket_monitor (zsock_resolve (self->dealer), NULL, 0);
    zsock_destroy (&self->monitor);
    zsock_destroy (&self->dealer);
    s_note_t *note;
    while (self->notes && (note = zlistx_detach (self->notes, NULL)))
        free (note);
    zlistx_destroy (&self->notes);
    zlistx_destroy (&self->deliveries);
    zlistx_destroy (&self->subs);
    zhashx_destroy (&self->requests_by_id);
    zlistx_destroy (&self->requests);
    free (self);
    *self_p = NULL;
}

int
accord_eventbus_errcode (accord_eventbus_t *self)
{
    return self->errcode;
}

const char *
accord_eventbus_errstr (accord_eventbus_t *self)
{
    return self->errstr;
}

void
accord_eventbus_set_timeout (accord_eventbus_t *self, int timeout_ms)
{
    if (timeout_ms > 0)
        self->timeout_ms = timeout_ms;
}

const char *
accord_eventbus_did (accord_eventbus_t *self)
{
    return self->did;
}

const char *
accord_eventbus_chain_id (accord_eventbus_t *self)
{
    return self->chain_id;
}

const char *
accord_eventbus_broker (accord_eventbus_t *self)
{
    return self->broker;
}

uint64_t
accord_eventbus_sessions (accord_eventbus_t *self)
{
    return self->epoch;
}

void
accord_eventbus_set_notify (accord_eventbus_t *self, accord_eventbus_notify_fn *fn, void *arg)
{
    self->notify = fn;
    self->notify_arg = arg;
}

//  --------------------------------------------------------------------------
//  Running

static void s_dispatch (accord_eventbus_t *self);

static int
s_has_news (accord_eventbus_t *self, void *ctx)
{
    return self->callbacks != *(uint64_t *) ctx || (!self->dispatching && zlistx_size (self->deliveries));
}

int
accord_eventbus_poll (accord_eventbus_t *self, int timeout_ms)
{
    if (!self->dealer || (self->state == S_FAILED && !zlistx_size (self->deliveries)))
        return -1;
    uint64_t start = self->callbacks;
    int64_t deadline = timeout_ms < 0 ? -1 : s_now () + timeout_ms;
    int rc = 0;
    while (rc == 0) {
        rc = self->state == S_FAILED ? -1 : s_run (self, deadline, s_has_news, &start, 1);
        if (!self->dispatching)
            s_dispatch (self);
        if (self->callbacks != start)
            break;
    }
    if (rc == -1 && self->callbacks == start)
        return -1;
    return (int) (self->callbacks - start);
}

zsock_t *
accord_eventbus_socket (accord_eventbus_t *self)
{
    return self->dealer;
}

static int
s_loop_reader (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    (void) reader;
    return accord_eventbus_poll ((accord_eventbus_t *) arg, 0) < 0 ? -1 : 0;
}

static int
s_loop_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    return accord_eventbus_poll ((accord_eventbus_t *) arg, 0) < 0 ? -1 : 0;
}

int
accord_eventbus_attach (accord_eventbus_t *self, zloop_t *loop)
{
    if (!loop || self->loop || !self->dealer)
        return -1;
    if (zloop_reader (loop, self->dealer, s_loop_reader, self)
    ||  zloop_reader (loop, self->monitor, s_loop_reader, self)) {
        zloop_reader_end (loop, self->dealer);
        return -1;
    }
    self->timer_id = zloop_timer (loop, ACCORD_EVENTBUS_TICK_MS, 0, s_loop_timer, self);
    if (self->timer_id < 0) {
        zloop_reader_end (loop, self->dealer);
        zloop_reader_end (loop, self->monitor);
        return -1;
    }
    self->loop = loop;
    return 0;
}

void
accord_eventbus_detach (accord_eventbus_t *self)
{
    if (!self->loop)
        return;
    zloop_reader_end (self->loop, self->dealer);
    zloop_reader_end (self->loop, self->monitor);
    zloop_timer_end (self->loop, self->timer_id);
    self->loop = NULL;
    self->timer_id = -1;
}

//  --------------------------------------------------------------------------
//  Publishing

int
accord_eventbus_message_id (char out [ACCORD_EVENTBUS_MESSAGE_ID_SIZE])
{
    uint8_t bytes [16];
    if (accord_random (bytes, sizeof bytes))
        return -1;
    accord_hex_encode (out, ACCORD_EVENTBUS_MESSAGE_ID_SIZE, bytes, sizeof bytes);
    return 0;
}

//  A PUBLISH request for the event, checked (accord_event_parse says what is wrong) and
//  signed when asked. NULL with the error in self.
static s_request_t *
s_publish_request (accord_eventbus_t *self, const char *topic, const void *payload, size_t len,
                   const accord_eventbus_pub_opts_t *opts)
{
    static const accord_eventbus_pub_opts_t none;
    if (!opts)
        opts = &none;
    char err [160], generated [ACCORD_EVENTBUS_MESSAGE_ID_SIZE];
    if (self->state == S_FAILED) {
        s_fail (self, self->errcode, "%s", self->errstr);
        return NULL;
    }
    if (!topic || accord_topic_name_check (topic, 0, err, sizeof err)) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "topic: %s", topic ? err : "missing");
        return NULL;
    }
    if (len > ACCORD_EVENT_PAYLOAD_MAX) {
        s_fail (self, ACCORD_E_TOO_LARGE, "the payload is over %d bytes", ACCORD_EVENT_PAYLOAD_MAX);
        return NULL;
    }
    if (len && !payload) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "a payload of %zu bytes at NULL", len);
        return NULL;
    }
    if (opts->tag_count && !opts->tags) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "tag_count without tags");
        return NULL;
    }
    const char *id = opts->id;
    if (!id) {
        if (accord_eventbus_message_id (generated)) {
            s_fail (self, ACCORD_E_INTERNAL, "no random bytes for a message id");
            return NULL;
        }
        id = generated;
    }
    //  The event's fields as the chain will read them (the payload aside)
    json_object *item = json_object_new_object ();
    json_object_object_add (item, "publisher", json_object_new_string (self->did));
    json_object_object_add (item, "id", json_object_new_string (id));
    json_object *tags = json_object_new_array ();
    for (size_t i = 0; i < opts->tag_count; i++)
        json_object_array_add (tags, opts->tags [i] ? json_object_new_string (opts->tags [i]) : NULL);
    json_object_object_add (item, "tags", tags);
    json_object_object_add (item, "payload", json_object_new_string (""));
    if (opts->has_time)
        json_object_object_add (item, "time", json_object_new_int64 (
            opts->time_ms > INT64_MAX ? -1 : (int64_t) opts->time_ms));
    accord_event_t event;
    if (accord_event_parse (&event, item, err, sizeof err)) {
        json_object_put (item);
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "%s", err);
        return NULL;
    }
    accord_event_reset (&event);
    //  The PUBLISH meta: {topic, id, tags?, time?, sig?}
    json_object_object_del (item, "publisher");
    json_object_object_del (item, "payload");
    if (!opts->tag_count)
        json_object_object_del (item, "tags");
    json_object_object_add (item, "topic", json_object_new_string (topic));
    if (opts->sign_key) {
        accord_event_t signed_event = { .publisher = self->did, .id = id, .tag_count = opts->tag_count,
                                        .payload = (uint8_t *) payload, .payload_len = len,
                                        .has_time = opts->has_time, .time_ms = opts->time_ms };
        for (size_t i = 0; i < opts->tag_count; i++)
            signed_event.tags [i] = opts->tags [i];
        uint8_t digest [ACCORD_HASH_SIZE], sig [ACCORD_SIG_SIZE];
        accord_event_digest (digest, topic, &signed_event);
        char *text = accord_key_sign (opts->sign_key, sig, digest) ? NULL : accord_base64url_encode (sig, sizeof sig);
        if (!text) {
            json_object_put (item);
            s_fail (self, ACCORD_E_INTERNAL, "cannot sign the event");
            return NULL;
        }
        json_object_object_add (item, "sig", json_object_new_string (text));
        free (text);
    }
    zmsg_t *body = zmsg_new ();
    zmsg_addstr (body, json_object_to_json_string_ext (item, JSON_C_TO_STRING_PLAIN));
    zmsg_addmem (body, payload, len);
    json_object_put (item);
    s_request_t *request = s_request_new (self, S_PUBLISH_REQ, "PUBLISH", &body);
    if (!request) {
        zmsg_destroy (&body);
        s_fail (self, ACCORD_E_INTERNAL, "out of memory");
        return NULL;
    }
    request->resend = 1;
    request->bytes = len;
    self->publish_bytes += len;
    snprintf (request->message_id, sizeof request->message_id, "%s", id);
    return request;
}

int
accord_eventbus_publish (accord_eventbus_t *self, const char *topic, const void *payload, size_t len,
                         const accord_eventbus_pub_opts_t *opts, char event_id [ACCORD_EVENT_ID_TEXT_MAX])
{
    s_request_t *request = s_publish_request (self, topic, payload, len, opts);
    if (!request)
        return self->errcode;
    request->waited = 1;
    s_submit (self, request);
    int rc = s_wait (self, request);
    if (rc == ACCORD_OK && event_id)
        snprintf (event_id, ACCORD_EVENT_ID_TEXT_MAX, "%s", request->message);
    s_request_destroy (&request);
    return rc;
}

//  Room for one more publish of *ctx bytes: under the count bound, and under the bytes bound
//  (or nothing in flight)
static int
s_slot_free (accord_eventbus_t *self, void *ctx)
{
    return self->publishes < self->max_in_flight
        && (self->publishes == 0 || self->publish_bytes + *(size_t *) ctx <= ACCORD_EVENTBUS_IN_FLIGHT_BYTES);
}

int
accord_eventbus_publish_async (accord_eventbus_t *self, const char *topic, const void *payload, size_t len,
                               const accord_eventbus_pub_opts_t *opts, accord_eventbus_published_fn *fn,
                               void *arg)
{
    if (!s_slot_free (self, &len)) {
        if (self->depth)
            return s_fail (self, ACCORD_E_OVERLOADED, "%zu publishes in flight (the bound) inside a callback",
                           self->publishes);
        int rc = s_run (self, s_now () + self->timeout_ms, s_slot_free, &len, 0);
        if (rc == -1)
            return self->errcode;
        if (rc)
            return s_fail (self, rc == 2 ? ACCORD_E_UNAVAILABLE : ACCORD_E_TIMEOUT,
                           "%zu publishes in flight and none answered within %d ms", self->publishes, self->timeout_ms);
    }
    s_request_t *request = s_publish_request (self, topic, payload, len, opts);
    if (!request)
        return self->errcode;
    request->fn = fn;
    request->arg = arg;
    s_submit (self, request);
    s_ok (self);
    return ACCORD_OK;
}

int
accord_eventbus_set_max_in_flight (accord_eventbus_t *self, size_t max)
{
    if (max < 1 || max > ACCORD_EVENTBUS_IN_FLIGHT_MAX)
        return -1;
    self->max_in_flight = max;
    return 0;
}

size_t
accord_eventbus_in_flight (accord_eventbus_t *self)
{
    size_t count = self->waiting;
    for (accord_eventbus_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs))
        count += zlistx_size (sub->acks) + zlistx_size (sub->nacks);
    return count;
}

static int
s_nothing_in_flight (accord_eventbus_t *self, void *ctx)
{
    (void) ctx;
    return accord_eventbus_in_flight (self) == 0;
}

int
accord_eventbus_flush (accord_eventbus_t *self, int timeout_ms)
{
    int rc = s_run (self, timeout_ms < 0 ? -1 : s_now () + timeout_ms, s_nothing_in_flight, NULL, 0);
    if (rc == -1)
        return self->errcode;
    if (rc)
        return s_fail (self, rc == 2 ? ACCORD_E_UNAVAILABLE : ACCORD_E_TIMEOUT,
                       "%zu requests still waiting for the broker", accord_eventbus_in_flight (self));
    s_ok (self);
    return ACCORD_OK;
}

//  --------------------------------------------------------------------------
//  Subscribing

//  Destructor of list and hash items that are one malloc'd block
static void
s_item_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_sub_destroy (accord_eventbus_sub_t **sub_p)
{
    accord_eventbus_sub_t *sub = *sub_p;
    if (!sub)
        return;
    for (size_t i = 0; i < sub->tag_count; i++)
        free (sub->tags [i]);
    zhashx_destroy (&sub->last);
    zlistx_destroy (&sub->acks);
    zlistx_destroy (&sub->nacks);
    json_object_put (sub->topics);
    free (sub);
    *sub_p = NULL;
}

//  The SUBSCRIBE body: the options, from where the subscription is when it is made again, and
//  the credit it gives the broker (noted as the session's)
static zmsg_t *
s_subscribe_body (accord_eventbus_sub_t *sub)
{
    json_object *json = json_object_new_object ();
    json_object_object_add (json, "filter", json_object_new_string (sub->filter));
    if (sub->tag_count) {
        json_object *tags = json_object_new_array ();
        for (size_t i = 0; i < sub->tag_count; i++)
            json_object_array_add (tags, json_object_new_string (sub->tags [i]));
        json_object_object_add (json, "tags", tags);
    }
    accord_eventbus_from_t from = sub->from;
    if (sub->subscribed && !sub->group [0]) {
        //  The oldest last-delivered event of its topics (dropped again on arrival), or the
        //  baseline when nothing came yet
        const s_position_t *oldest = NULL;
        for (const s_position_t *last = zhashx_first (sub->last); last; last = zhashx_next (sub->last))
            if (!oldest || s_position_cmp (last, oldest) < 0)
                oldest = last;
        if (!oldest && sub->has_baseline)
            oldest = &sub->baseline;
        if (oldest) {
            from.kind = ACCORD_EVENTBUS_FROM_EVENT;
            from.height = oldest->height;
            from.tx = oldest->tx;
            from.index = oldest->index;
        }
    }
    json_object_object_add (json, "from", accord_eventbus_from_json (&from));
    if (sub->group [0]) {
        json_object_object_add (json, "group", json_object_new_string (sub->group));
        json_object_object_add (json, "consumer", json_object_new_string (sub->consumer));
    }
    //  The session's credit: the window, or what is still wanted (the broker takes 1 at least)
    sub->outstanding = (uint32_t) MIN ((uint64_t) sub->credit, MAX (s_left (sub), 1));
    json_object_object_add (json, "credit", json_object_new_int64 (sub->outstanding));
    if (sub->ack_timeout_ms)
        json_object_object_add (json, "ack_timeout_ms", json_object_new_int64 (sub->ack_timeout_ms));
    if (sub->max_deliveries)
        json_object_object_add (json, "max_deliveries", json_object_new_int64 (sub->max_deliveries));
    zmsg_t *body = zmsg_new ();
    zmsg_addstr (body, json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN));
    json_object_put (json);
    return body;
}

//  The answer to a SUBSCRIBE (reply: its body when ACCORD_OK): the code it comes to
static int
s_sub_resolved (accord_eventbus_t *self, s_request_t *request, int code, const char *message, json_object *reply)
{
    accord_eventbus_sub_t *sub = request->sub;
    const char *id = accord_json_get_string (reply, "sub");
    if (code == ACCORD_OK && (!id || !*id || strlen (id) > S_SUB_ID_MAX))
        code = ACCORD_E_MALFORMED, message = "the broker's answer to SUBSCRIBE holds no subscription id";
    if (!sub) {
        //  Unsubscribed while it was being made: end it at the broker too
        if (code == ACCORD_OK && self->state == S_UP) {
            zmsg_t *body = zmsg_new ();
            json_object *json = json_object_new_object ();
            json_object_object_add (json, "sub", json_object_new_string (id));
            zmsg_addstr (body, json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN));
            json_object_put (json);
            s_request_t *unsubscribe = s_request_new (self, S_UNSUBSCRIBE_REQ, "UNSUBSCRIBE", &body);
            if (unsubscribe)
                s_send (self, unsubscribe);
        }
        return code;
    }
    if (code != ACCORD_OK) {
        if (!request->waited) {
            //  Made again in a new session, and refused: no more deliveries
            sub->failed = 1;
            char text [384];
            snprintf (text, sizeof text, "subscription to %s could not be made again: %s", sub->filter, message);
            s_notify (self, sub, code, text);
        }
        return code;
    }
    snprintf (sub->id, sizeof sub->id, "%s", id);
    sub->epoch = self->epoch;
    sub->subscribed = 1;
    sub->used = 0;
    json_object *topics = accord_json_get_array (reply, "topics");
    json_object_put (sub->topics);
    sub->topics = topics ? json_object_get (topics) : json_object_new_array ();
    return ACCORD_OK;
}

static void
s_resubscribe (accord_eventbus_t *self)
{
    for (accord_eventbus_sub_t *sub = zlistx_first (self->subs); sub; sub = zlistx_next (self->subs)) {
        if (sub->failed || sub->closed)
            continue;
        if (sub->subscribing) {
            s_send (self, sub->subscribing);     //  a sync subscribe under way
            continue;
        }
        s_request_t *request = s_request_new (self, S_SUBSCRIBE_REQ, "SUBSCRIBE", NULL);
        if (!request)
            return;
        request->sub = sub;
        request->resend = 1;
        sub->subscribing = request;
        s_send (self, request);
    }
}

static int
s_name_ok (const char *name)
{
    size_t len = strlen (name);
    return len >= 1 && len <= ACCORD_EVENTBUS_GROUP_MAX && strspn (name, ACCORD_NAME_CHARS) == len;
}

//  The options into a new subscription; NULL with the error in self
static accord_eventbus_sub_t *
s_sub_new (accord_eventbus_t *self, const accord_eventbus_sub_opts_t *opts)
{
    char err [160];
    accord_eventbus_from_t from;
    if (!opts || !opts->filter) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "needs a filter");
        return NULL;
    }
    if (accord_topic_filter_check (opts->filter, err, sizeof err)) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "filter: %s", err);
        return NULL;
    }
    if (opts->tag_count > ACCORD_EVENT_TAGS_MAX || (opts->tag_count && !opts->tags)) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "at most %d tags", ACCORD_EVENT_TAGS_MAX);
        return NULL;
    }
    for (size_t i = 0; i < opts->tag_count; i++) {
        size_t len = opts->tags [i] ? strlen (opts->tags [i]) : 0;
        int ok = len >= 1 && len <= ACCORD_EVENT_TAG_MAX;
        for (size_t c = 0; ok && c < len; c++)
            ok = opts->tags [i][c] > 0x20 && opts->tags [i][c] < 0x7f;
        if (!ok) {
            s_fail (self, ACCORD_E_INVALID_ARGUMENT, "a tag is 1 to %d printable ASCII bytes", ACCORD_EVENT_TAG_MAX);
            return NULL;
        }
    }
    if (accord_eventbus_from_parse (&from, opts->from, err, sizeof err)) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "%s", err);
        return NULL;
    }
    if ((opts->group && !s_name_ok (opts->group)) || (opts->consumer && !s_name_ok (opts->consumer))) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "group and consumer names are 1 to %d of A-Z a-z 0-9 . _ -",
                ACCORD_EVENTBUS_GROUP_MAX);
        return NULL;
    }
    if (opts->consumer && !opts->group) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "a consumer belongs to a group");
        return NULL;
    }
    if (opts->credit > ACCORD_EVENTBUS_CREDIT_MAX) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "credit is 1 to %d", ACCORD_EVENTBUS_CREDIT_MAX);
        return NULL;
    }
    if ((opts->ack_timeout_ms || opts->max_deliveries) && !opts->group) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "ack_timeout_ms and max_deliveries apply to groups");
        return NULL;
    }
    if (opts->ack_timeout_ms && (opts->ack_timeout_ms < ACCORD_EVENTBUS_ACK_TIMEOUT_MIN_MS
                                 || opts->ack_timeout_ms > ACCORD_EVENTBUS_ACK_TIMEOUT_MAX_MS)) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "ack_timeout_ms is %d to %d", ACCORD_EVENTBUS_ACK_TIMEOUT_MIN_MS,
                ACCORD_EVENTBUS_ACK_TIMEOUT_MAX_MS);
        return NULL;
    }
    if (opts->max_deliveries > ACCORD_EVENTBUS_DELIVERIES_MAX) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "max_deliveries is 1 to %d", ACCORD_EVENTBUS_DELIVERIES_MAX);
        return NULL;
    }
    accord_eventbus_sub_t *sub = calloc (1, sizeof *sub);
    if (!sub) {
        s_fail (self, ACCORD_E_INTERNAL, "out of memory");
        return NULL;
    }
    snprintf (sub->filter, sizeof sub->filter, "%s", opts->filter);
    for (size_t i = 0; i < opts->tag_count; i++)
        sub->tags [sub->tag_count++] = strdup (opts->tags [i]);
    sub->from = from;
    if (opts->group) {
        snprintf (sub->group, sizeof sub->group, "%s", opts->group);
        if (opts->consumer)
            snprintf (sub->consumer, sizeof sub->consumer, "%s", opts->consumer);
        else {
            //  A name of its own, kept across sessions: a new session gets back what this
            //  consumer was delivered and did not acknowledge
            char id [ACCORD_EVENTBUS_MESSAGE_ID_SIZE];
            if (accord_eventbus_message_id (id) == 0)
                snprintf (sub->consumer, sizeof sub->consumer, "c-%.24s", id);
        }
    }
    sub->credit = opts->credit ? opts->credit : ACCORD_EVENTBUS_CREDIT_DEFAULT;
    sub->ack_timeout_ms = opts->ack_timeout_ms;
    sub->max_deliveries = opts->max_deliveries;
    sub->auto_credit = opts->auto_credit;
    sub->max_events = opts->max_events;
    sub->last = zhashx_new ();
    sub->acks = zlistx_new ();
    sub->nacks = zlistx_new ();
    sub->topics = json_object_new_array ();
    if (sub->last)
        zhashx_set_destructor (sub->last, s_item_free);
    if (sub->acks)
        zlistx_set_destructor (sub->acks, s_item_free);
    if (sub->nacks)
        zlistx_set_destructor (sub->nacks, s_item_free);
    if ((sub->group [0] && !sub->consumer [0]) || !sub->last || !sub->acks || !sub->nacks) {
        s_sub_destroy (&sub);
        s_fail (self, ACCORD_E_INTERNAL, "out of memory");
    }
    return sub;
}

accord_eventbus_sub_t *
accord_eventbus_subscribe (accord_eventbus_t *self, const accord_eventbus_sub_opts_t *opts,
                           accord_eventbus_event_fn *fn, void *arg)
{
    if (self->state == S_FAILED) {
        s_fail (self, self->errcode, "%s", self->errstr);
        return NULL;
    }
    if (!fn) {
        s_fail (self, ACCORD_E_INVALID_ARGUMENT, "needs an event callback");
        return NULL;
    }
    accord_eventbus_sub_t *sub = s_sub_new (self, opts);
    if (!sub)
        return NULL;
    sub->fn = fn;
    sub->arg = arg;
    if (!sub->group [0] && sub->from.kind == ACCORD_EVENTBUS_FROM_NOW) {
        //  Where "now" is, should the subscription have to be made again before any event came
        json_object *status = NULL;
        int64_t indexed;
        if (s_call (self, "STATUS", NULL, 1, &status) == ACCORD_OK
        &&  accord_json_get_int64 (status, "indexed_height", 0, INT64_MAX - 1, &indexed) == 0) {
            sub->has_baseline = 1;
            sub->baseline.height = (uint64_t) indexed + 1;
        }
        json_object_put (status);
    }
    s_request_t *request = s_request_new (self, S_SUBSCRIBE_REQ, "SUBSCRIBE", NULL);
    if (!request) {
        s_sub_destroy (&sub);
        s_fail (self, ACCORD_E_INTERNAL, "out of memory");
        return NULL;
    }
    request->sub = sub;
    request->resend = 1;
    request->waited = 1;
    sub->subscribing = request;
    zlistx_add_end (self->subs, sub);
    s_submit (self, request);
    int rc = s_wait (self, request);
    s_request_destroy (&request);
    if (rc != ACCORD_OK) {
        void *handle = zlistx_find (self->subs, sub);
        if (handle)
            zlistx_detach (self->subs, handle);
        s_sub_forget (self, sub);
        s_sub_destroy (&sub);
        return NULL;
    }
    return sub;
}

json_object *
accord_eventbus_sub_topics (accord_eventbus_sub_t *sub)
{
    return sub->topics;
}

const char *
accord_eventbus_sub_id (accord_eventbus_sub_t *sub)
{
    return sub->id;
}

static int
s_ack (accord_eventbus_t *self, accord_eventbus_sub_t *sub, const char *event_id, int nack)
{
    uint64_t height;
    uint32_t tx, index;
    if (!sub || sub->closed)
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "no such subscription");
    if (!sub->group [0])
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "only group subscriptions take ACK and NACK");
    if (sub->failed)
        return s_fail (self, ACCORD_E_NOT_FOUND, "the subscription to %s was refused or ended", sub->filter);
    if (!event_id || accord_event_id_parse (event_id, &height, &tx, &index))
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "'%.64s' is not an event id", event_id ? event_id : "");
    char *copy = strdup (event_id);
    if (!copy || !zlistx_add_end (nack ? sub->nacks : sub->acks, copy)) {
        free (copy);
        return s_fail (self, ACCORD_E_INTERNAL, "out of memory");
    }
    //  A full batch goes now; the rest when the client next runs
    if (zlistx_size (nack ? sub->nacks : sub->acks) >= ACCORD_EVENTBUS_ACK_IDS_MAX)
        s_flush_acks (self);
    s_ok (self);
    return ACCORD_OK;
}

int
accord_eventbus_ack (accord_eventbus_t *self, accord_eventbus_sub_t *sub, const char *event_id)
{
    return s_ack (self, sub, event_id, 0);
}

int
accord_eventbus_nack (accord_eventbus_t *self, accord_eventbus_sub_t *sub, const char *event_id)
{
    return s_ack (self, sub, event_id, 1);
}

int
accord_eventbus_credit (accord_eventbus_t *self, accord_eventbus_sub_t *sub, uint32_t credit)
{
    if (!sub || sub->closed)
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "no such subscription");
    if (credit < 1 || credit > ACCORD_EVENTBUS_CREDIT_MAX)
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "credit is 1 to %d", ACCORD_EVENTBUS_CREDIT_MAX);
    if (!sub->id [0])
        return s_fail (self, ACCORD_E_UNAVAILABLE, "the subscription is being made again (it starts with fresh credit)");
    s_request_t *request = s_request_new (self, S_CREDIT_REQ, "CREDIT", NULL);
    if (!request)
        return s_fail (self, ACCORD_E_INTERNAL, "out of memory");
    request->sub = sub;
    request->credit = credit;
    sub->outstanding = (uint32_t) MIN ((uint64_t) sub->outstanding + credit, UINT32_MAX);
    s_submit (self, request);
    s_ok (self);
    return ACCORD_OK;
}

int
accord_eventbus_unsubscribe (accord_eventbus_t *self, accord_eventbus_sub_t **sub_p)
{
    if (!sub_p || !*sub_p)
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "no such subscription");
    accord_eventbus_sub_t *sub = *sub_p;
    *sub_p = NULL;
    void *handle = zlistx_find (self->subs, sub);
    if (!handle || sub->closed)
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "no such subscription");
    //  Its acknowledgements go before it ends; its kept deliveries go
    s_flush_acks (self);
    s_sub_forget (self, sub);
    for (s_request_t *request = zlistx_first (self->requests); request; request = zlistx_next (self->requests))
        if (request->sub == sub) {
            if (sub->subscribing == request)
                sub->subscribing = NULL;
            request->sub = NULL;
        }
    if (sub->id [0] && self->state == S_UP) {
        zmsg_t *body = s_sub_body (sub, NULL, NULL);
        s_request_t *request = s_request_new (self, S_UNSUBSCRIBE_REQ, "UNSUBSCRIBE", &body);
        if (request)
            s_send (self, request);
    }
    zlistx_detach (self->subs, handle);
    if (self->current == sub)
        sub->closed = 1;        //  freed when its callback returns
    else
        s_sub_destroy (&sub);
    s_ok (self);
    return ACCORD_OK;
}

//  Runs the callback of one kept delivery
static void
s_deliver (accord_eventbus_t *self, s_delivery_t *delivery)
{
    accord_eventbus_sub_t *sub = delivery->sub;
    const accord_eventbus_event_t *event = &delivery->event;
    int current = delivery->epoch == self->epoch && sub->epoch == self->epoch && sub->id [0];
    int fresh = 1;
    if (!sub->group [0] && !sub->failed) {
        //  A plain subscription made again sees what it delivered already: drop it
        s_position_t position = { event->height, event->tx, event->index };
        s_position_t *last = zhashx_lookup (sub->last, event->topic);
        if (last && s_position_cmp (&position, last) <= 0)
            fresh = 0;
        else if (last)
            *last = position;
        else {
            last = malloc (sizeof *last);
            if (last) {
                *last = position;
                zhashx_insert (sub->last, event->topic, last);
            }
        }
    }
    if (fresh && !sub->failed) {
        sub->given++;
        self->current = sub;
        self->depth++;
        sub->fn (self, sub, event, sub->arg);
        self->depth--;
        self->current = NULL;
        self->callbacks++;
    }
    if (sub->closed) {
        s_sub_destroy (&sub);
        return;
    }
    if (current)
        s_used (self, sub);
}

static void
s_dispatch (accord_eventbus_t *self)
{
    self->dispatching = 1;
    s_delivery_t *delivery;
    while ((delivery = zlistx_detach (self->deliveries, NULL))) {
        s_deliver (self, delivery);
        s_delivery_destroy (&delivery);
    }
    self->dispatching = 0;
}

//  --------------------------------------------------------------------------
//  The broker's other commands

int
accord_eventbus_status (accord_eventbus_t *self, json_object **reply)
{
    return s_call (self, "STATUS", NULL, 1, reply);
}

int
accord_eventbus_topic_info (accord_eventbus_t *self, const char *name, json_object **reply)
{
    char err [160];
    if (reply)
        *reply = NULL;
    if (!name || accord_topic_name_check (name, 1, err, sizeof err))
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "topic: %s", name ? err : "missing");
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "name", json_object_new_string (name));
    int rc = s_call_json (self, "TOPIC_INFO", request, reply);
    json_object_put (request);
    return rc;
}

int
accord_eventbus_topic_list (accord_eventbus_t *self, json_object *query, json_object **reply)
{
    if (reply)
        *reply = NULL;
    if (query && !json_object_is_type (query, json_type_object))
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "the query is a JSON object");
    json_object *empty = query ? NULL : json_object_new_object ();
    int rc = s_call_json (self, "TOPIC_LIST", query ? query : empty, reply);
    json_object_put (empty);
    return rc;
}

int
accord_eventbus_topic_tx (accord_eventbus_t *self, const accord_tx_t *tx, json_object **receipt)
{
    if (receipt)
        *receipt = NULL;
    if (!tx || !tx->raw || strcmp (tx->module, "topic")
    ||  (strcmp (tx->method, "create") && strcmp (tx->method, "update")))
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "needs a signed topic.create or topic.update transaction");
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, tx->raw, tx->raw_len);
    //  Not repeated in a new session: its first copy may have committed
    return s_call (self, strcmp (tx->method, "create") ? "TOPIC_UPDATE" : "TOPIC_CREATE", &body, 0, receipt);
}

static int
s_topic_change (accord_eventbus_t *self, accord_key_t *key, const char *method, json_object *call,
                json_object **receipt)
{
    if (receipt)
        *receipt = NULL;
    if (!key || !json_object_is_type (call, json_type_object))
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "needs a key and the call's arguments (an object)");
    json_object *status = NULL;
    int64_t height;
    int rc = s_call (self, "STATUS", NULL, 1, &status);
    if (rc == ACCORD_OK && accord_json_get_int64 (status, "node_height", 0, INT64_MAX - S_EXPIRY_BLOCKS, &height))
        rc = s_fail (self, ACCORD_E_MALFORMED, "the broker's STATUS has no node_height");
    json_object_put (status);
    if (rc != ACCORD_OK)
        return rc;
    struct timeval now;
    gettimeofday (&now, NULL);
    uint64_t nonce = (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_usec;
    if (nonce <= self->last_nonce)
        nonce = self->last_nonce + 1;
    self->last_nonce = nonce;
    accord_tx_t *tx = accord_tx_new (self->chain_id, "topic", method,
                                     json_object_to_json_string_ext (call, JSON_C_TO_STRING_PLAIN), nonce,
                                     (uint64_t) height + S_EXPIRY_BLOCKS);
    if (!tx || accord_tx_sign (tx, key)) {
        accord_tx_destroy (&tx);
        return s_fail (self, ACCORD_E_INVALID_ARGUMENT, "cannot build the topic.%s transaction", method);
    }
    rc = accord_eventbus_topic_tx (self, tx, receipt);
    accord_tx_destroy (&tx);
    return rc;
}

int
accord_eventbus_topic_create (accord_eventbus_t *self, accord_key_t *key, json_object *call, json_object **receipt)
{
    return s_topic_change (self, key, "create", call, receipt);
}

int
accord_eventbus_topic_update (accord_eventbus_t *self, accord_key_t *key, json_object *call, json_object **receipt)
{
    return s_topic_change (self, key, "update", call, receipt);
}
