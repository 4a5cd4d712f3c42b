/*  accord/eventbus.h: the event bus client. It speaks the broker's protocol
    (eventbus/README.md, "Protocol") over one DEALER connected to a member's accord-eventbus:
    it proves a DID (HELLO, AUTH), publishes events and waits for their event ids, subscribes
    with a callback per event, and calls the broker's topic commands.

    One client belongs to one thread. Nothing runs behind the caller's back: the client works
    when it is called, in accord_eventbus_poll (or in the zloop handlers that
    accord_eventbus_attach installs) and in the calls that wait (the sync calls, a
    publish_async at its in-flight bound, flush). Callbacks run from those calls:
      - a publish callback from any call that waits;
      - an event callback only from accord_eventbus_poll: deliveries that arrive while a sync
        call waits are kept (at most the subscriptions' credit) until the next poll.
    A callback may call the client (publish, ack, credit, unsubscribe, even sync calls), but not
    destroy it; a publish_async made inside a callback does not wait for a slot: at the bound it
    returns ACCORD_E_OVERLOADED.

    Robustness. The client notices a lost session: the connection dropped (a socket monitor),
    an `unauthorized` answer that a check shows to come from a broker that no longer knows the
    session, a PING answered `"session": false` (the broker forgot a session that was silent
    for its eventbus_session_idle_ms), or a PING not answered within the timeout (a PING goes
    after half the timeout without hearing while requests wait). It then says HELLO and AUTH
    again (retrying until it succeeds, or until the broker refuses the DID: then the client
    fails for good; an AUTH answered "no challenge", the session that gave it being gone, is
    retried), subscribes its subscriptions again and sends again every publish not yet answered,
    with the same message id: the broker answers a repeat of a committed message id with the
    first event id, so each publish is answered once and is on the chain once. While idle it
    sends a PING every ACCORD_EVENTBUS_PING_MS, or every third of the session_idle_ms the
    broker gave at HELLO when that is shorter, so the broker keeps the session.

    After a new session, a group subscription resumes where its group is (the same consumer
    name, so what it was delivered and did not acknowledge comes again); a plain subscription
    subscribes again from the oldest last-delivered event of its topics (from its baseline
    when it received nothing yet: for "now" the broker's indexed height at subscribe time) and
    drops what it delivered already, so each event of a topic reaches the callback once, in
    chain order.

    Errors: calls return ACCORD_OK or an accord_err_t code and keep the last error, as
    accord_client_t does (accord_eventbus_errcode / _errstr). Ownership: strings and keys
    given to a call are borrowed for the call (the key given to connect for the client's
    life); what a call returns through a json_object ** is the caller's. */
#ifndef ACCORD_EVENTBUS_H
#define ACCORD_EVENTBUS_H

#include <stddef.h>
#include <stdint.h>
#include <czmq.h>
#include <json-c/json.h>
#include "crypto.h"
#include "error.h"
#include "event.h"
#include "tx.h"

//  The protocol's limits that a client checks before sending (the broker checks them again).
#define ACCORD_EVENTBUS_CREDIT_MAX       10000  //  outstanding deliveries of a subscription
#define ACCORD_EVENTBUS_CREDIT_DEFAULT   100
#define ACCORD_EVENTBUS_ACK_IDS_MAX      1000   //  event ids in one ACK / NACK
#define ACCORD_EVENTBUS_GROUP_MAX        64     //  group and consumer names: ACCORD_NAME_CHARS
#define ACCORD_EVENTBUS_ACK_TIMEOUT_MIN_MS 100
#define ACCORD_EVENTBUS_ACK_TIMEOUT_MAX_MS 3600000
#define ACCORD_EVENTBUS_DELIVERIES_MAX   100
#define ACCORD_EVENTBUS_JSON_MAX         (64 * 1024)    //  a delivery's meta frame

//  The client's own rules.
#define ACCORD_EVENTBUS_PING_MS          10000  //  PING after this long without sending (at most)
#define ACCORD_EVENTBUS_TICK_MS          250    //  how often timers need a poll
#define ACCORD_EVENTBUS_IN_FLIGHT_DEFAULT 1000  //  publishes waiting for their event id
#define ACCORD_EVENTBUS_IN_FLIGHT_MAX    10000
#define ACCORD_EVENTBUS_IN_FLIGHT_BYTES  (64 * 1024 * 1024)    //  and their payloads at most
#define ACCORD_EVENTBUS_MESSAGE_ID_SIZE  33     //  a generated message id (32 hex) and its NUL

typedef struct _accord_eventbus_t accord_eventbus_t;
typedef struct _accord_eventbus_sub_t accord_eventbus_sub_t;

//  --------------------------------------------------------------------------
//  Connection

//  Connects to the broker at endpoint and authenticates as did (NULL: the key's did:accord on
//  the broker's chain) with key, an authentication key of the DID (borrowed: it must outlive
//  the client, which signs again on every new session). Sync calls wait at most timeout_ms
//  (which is also the PING and reconnect timeout). Like a hiredis context, the client comes
//  back even when connecting failed: check accord_eventbus_errcode (ACCORD_OK when
//  connected), then destroy it either way. NULL only when memory runs out.
accord_eventbus_t *accord_eventbus_connect (const char *endpoint, const char *did, accord_key_t *key,
                                            int timeout_ms);
//  Closes the connection. Publishes still in flight are dropped without their callbacks
//  (flush first to wait for them); acknowledgements are sent first.
void accord_eventbus_destroy (accord_eventbus_t **self_p);

int accord_eventbus_errcode (accord_eventbus_t *self);
const char *accord_eventbus_errstr (accord_eventbus_t *self);
void accord_eventbus_set_timeout (accord_eventbus_t *self, int timeout_ms);

//  What the broker said at HELLO and the DID of the session (borrowed).
const char *accord_eventbus_did (accord_eventbus_t *self);
const char *accord_eventbus_chain_id (accord_eventbus_t *self);
const char *accord_eventbus_broker (accord_eventbus_t *self);
//  How many sessions the client has had (1 after connect; each reconnect adds one).
uint64_t accord_eventbus_sessions (accord_eventbus_t *self);

//  Things that happen away from any call's result: the session lost (ACCORD_E_UNAVAILABLE)
//  and back (ACCORD_OK), a subscription that could not be made again, a subscription the
//  broker ended (ACCORD_E_UNAUTHORIZED: a topic.update took away its DID's right to read one of
//  its topics), a refused CREDIT / ACK, a delivery that does not parse. sub is the subscription
//  concerned, or NULL. A subscription refused or ended delivers nothing more (deliveries not
//  yet run are dropped) and is not made again; unsubscribe it to free it.
typedef void (accord_eventbus_notify_fn) (accord_eventbus_t *self, accord_eventbus_sub_t *sub, int code,
                                          const char *message, void *arg);
void accord_eventbus_set_notify (accord_eventbus_t *self, accord_eventbus_notify_fn *fn, void *arg);

//  Runs the client for at most timeout_ms (0: what is ready now; -1: until something
//  happens): reads replies and deliveries, runs the callbacks, sends PINGs and pending
//  acknowledgements, reconnects. Returns how many callbacks ran (event and publish ones), or
//  -1 when the client failed for good (errcode says why). Returns early, with what it did,
//  when a signal interrupts it.
int accord_eventbus_poll (accord_eventbus_t *self, int timeout_ms);

//  The DEALER, for callers with a poller of their own: when it is readable, and at least
//  every ACCORD_EVENTBUS_TICK_MS, call accord_eventbus_poll (self, 0). The socket changes
//  never, but do not read from it.
zsock_t *accord_eventbus_socket (accord_eventbus_t *self);

//  Puts the client on a czmq reactor: readers on its sockets and a timer, each calling
//  accord_eventbus_poll (self, 0); a handler returns -1 (ending zloop_start) when the client
//  failed for good. One loop at a time; 0 or -1.
int accord_eventbus_attach (accord_eventbus_t *self, zloop_t *loop);
void accord_eventbus_detach (accord_eventbus_t *self);

//  --------------------------------------------------------------------------
//  Publishing

typedef struct {
    const char *id;                 //  message id (1..128 of 0x21..0x7e); NULL: a fresh one
    const char *const *tags;        //  tag_count distinct tags
    size_t tag_count;
    int has_time;                   //  the publisher's clock: time_ms, ms since the epoch
    uint64_t time_ms;
    accord_key_t *sign_key;         //  signs the event (accord_event_digest) with this key, which
                                    //  must be in the DID's assertionMethod; NULL: unsigned
} accord_eventbus_pub_opts_t;

//  A fresh message id: 16 random bytes in hex. 0 or -1.
int accord_eventbus_message_id (char out [ACCORD_EVENTBUS_MESSAGE_ID_SIZE]);

//  Publishes payload (len bytes, 0..ACCORD_EVENT_PAYLOAD_MAX) on topic and waits until the
//  broker answers with its event id (once committed): ACCORD_OK with event_id ("H:T:I"), or
//  the error. opts may be NULL. A publish that times out may still commit: publish again
//  with the same opts->id to learn its event id.
int accord_eventbus_publish (accord_eventbus_t *self, const char *topic, const void *payload, size_t len,
                             const accord_eventbus_pub_opts_t *opts,
                             char event_id [ACCORD_EVENT_ID_TEXT_MAX]);

//  Called once per async publish: code ACCORD_OK with result the event id, or an error code
//  with result its message. message_id is the event's (given or generated).
typedef void (accord_eventbus_published_fn) (accord_eventbus_t *self, int code, const char *result,
                                             const char *message_id, void *arg);

//  Sends a publish and returns: ACCORD_OK once it is on its way (fn will be called), or an
//  error for arguments it refuses (fn is not called). At most max_in_flight publishes, and
//  ACCORD_EVENTBUS_IN_FLIGHT_BYTES of payload (or one publish), wait at a time; at the bound
//  the call runs the client until there is room (ACCORD_E_TIMEOUT when there is none within
//  the timeout). Throughput is about what is in flight divided by the time to a commit.
int accord_eventbus_publish_async (accord_eventbus_t *self, const char *topic, const void *payload, size_t len,
                                   const accord_eventbus_pub_opts_t *opts, accord_eventbus_published_fn *fn,
                                   void *arg);
//  1..ACCORD_EVENTBUS_IN_FLIGHT_MAX (default ACCORD_EVENTBUS_IN_FLIGHT_DEFAULT). 0 or -1.
int accord_eventbus_set_max_in_flight (accord_eventbus_t *self, size_t max);
//  Publishes, acknowledgements and credit grants waiting for the broker.
size_t accord_eventbus_in_flight (accord_eventbus_t *self);
//  Runs the client until nothing waits for the broker (publishes, ACK, NACK, CREDIT):
//  ACCORD_OK, or ACCORD_E_TIMEOUT after timeout_ms, or the client's failure.
int accord_eventbus_flush (accord_eventbus_t *self, int timeout_ms);

//  --------------------------------------------------------------------------
//  Subscribing

//  Where a subscription starts: "now" (default), "first", "last", an event id "H:T:I", ms
//  since the epoch (digits), or an RFC 3339 time (2026-01-31T12:00:00Z, offsets and
//  fractions of a second allowed).
typedef enum {
    ACCORD_EVENTBUS_FROM_NOW, ACCORD_EVENTBUS_FROM_FIRST, ACCORD_EVENTBUS_FROM_LAST,
    ACCORD_EVENTBUS_FROM_EVENT, ACCORD_EVENTBUS_FROM_TIME
} accord_eventbus_from_kind_t;

typedef struct {
    accord_eventbus_from_kind_t kind;
    uint64_t height;                //  FROM_EVENT
    uint32_t tx, index;
    uint64_t time_ms;               //  FROM_TIME
} accord_eventbus_from_t;

//  Parses a from text (NULL or "" is "now"). 0, or -2 with the reason in err.
int accord_eventbus_from_parse (accord_eventbus_from_t *self, const char *text, char *err, size_t err_size);
//  Its value in a SUBSCRIBE body: "now", "first", "last", "H:T:I" or ms as a number (caller puts).
json_object *accord_eventbus_from_json (const accord_eventbus_from_t *self);

typedef struct {
    const char *filter;             //  a topic name, a filter with + and #, or $/dlq/TOPIC
    const char *const *tags;        //  deliver events carrying one of these tags (tag_count)
    size_t tag_count;
    const char *from;               //  accord_eventbus_from_parse; NULL: "now"
    const char *group;              //  NULL: a plain subscription
    const char *consumer;           //  with group; NULL: a random name the client keeps
    uint32_t credit;                //  0: ACCORD_EVENTBUS_CREDIT_DEFAULT
    uint32_t ack_timeout_ms;        //  0: the broker's default
    uint32_t max_deliveries;        //  0: the broker's default
    int auto_credit;                //  grant credit back as callbacks return (when half the
                                    //  window is used); otherwise call accord_eventbus_credit
    uint64_t max_events;            //  0: no end; else the events the caller will take: the
                                    //  credit given at SUBSCRIBE, and back with auto_credit,
                                    //  never passes max_events less those given to the callback,
                                    //  so a group member that stops there holds none it did not get
} accord_eventbus_sub_opts_t;

//  One delivered event, borrowed for the callback.
typedef struct {
    const char *id;                 //  "H:T:I"
    uint64_t height;
    uint32_t tx, index;
    const char *topic;
    const char *publisher;
    const char *message_id;
    const char *tags [ACCORD_EVENT_TAGS_MAX];
    size_t tag_count;
    const uint8_t *payload;
    size_t payload_len;
    int has_time;                   //  the publisher's clock
    uint64_t time_ms;
    int has_sig;                    //  the publisher's signature (accord_event_digest), which
    uint8_t sig [ACCORD_SIG_SIZE];  //  the chain checked; check it with accord_did_verify_assertion
    uint64_t block_ms;              //  the time of the block that holds it
    uint32_t deliveries;            //  group subscriptions: 1 the first time; else 0
    //  An entry of a dead-letter stream ($/dlq/TOPIC; its id is the entry's, "MS:0:SEQ"): the
    //  event it was on its topic, the group that did not acknowledge it and how many times the
    //  group was given it. NULL, NULL, 0 otherwise.
    const char *dead_event;
    const char *dead_group;
    uint32_t dead_deliveries;
} accord_eventbus_event_t;

typedef void (accord_eventbus_event_fn) (accord_eventbus_t *self, accord_eventbus_sub_t *sub,
                                         const accord_eventbus_event_t *event, void *arg);

//  Subscribes and waits for the broker's answer: the subscription (the client's; valid until
//  unsubscribed or the client is destroyed), or NULL (errcode says why).
accord_eventbus_sub_t *accord_eventbus_subscribe (accord_eventbus_t *self, const accord_eventbus_sub_opts_t *opts,
                                                  accord_eventbus_event_fn *fn, void *arg);
//  The topics the filter matched at the last SUBSCRIBE (a JSON array, borrowed).
json_object *accord_eventbus_sub_topics (accord_eventbus_sub_t *sub);
//  The broker's id of the subscription in the current session, "" while it is being made again.
const char *accord_eventbus_sub_id (accord_eventbus_sub_t *sub);

//  Acknowledges (or, nack, asks to redeliver at once) an event of a group subscription. The
//  ids are sent in batches of up to ACCORD_EVENTBUS_ACK_IDS_MAX when the client next runs
//  (flush waits for their answers). ACCORD_OK, or ACCORD_E_INVALID_ARGUMENT (not an event id,
//  not a group subscription), ACCORD_E_NOT_FOUND (the subscription was refused or ended).
int accord_eventbus_ack (accord_eventbus_t *self, accord_eventbus_sub_t *sub, const char *event_id);
int accord_eventbus_nack (accord_eventbus_t *self, accord_eventbus_sub_t *sub, const char *event_id);
//  Lets the broker send credit more events (1..ACCORD_EVENTBUS_CREDIT_MAX); sent now, answered
//  later (a refusal goes to the notify callback).
int accord_eventbus_credit (accord_eventbus_t *self, accord_eventbus_sub_t *sub, uint32_t credit);
//  Ends a subscription (also from inside its own callback): no callback for it runs after
//  this. *sub_p is set to NULL. ACCORD_OK, or an error when it cannot be sent.
int accord_eventbus_unsubscribe (accord_eventbus_t *self, accord_eventbus_sub_t **sub_p);

//  --------------------------------------------------------------------------
//  The broker's other commands (sync; *reply is the caller's)

//  STATUS: the broker's health (eventbus/README.md).
int accord_eventbus_status (accord_eventbus_t *self, json_object **reply);
//  TOPIC_INFO: topic.get of name.
int accord_eventbus_topic_info (accord_eventbus_t *self, const char *name, json_object **reply);
//  TOPIC_LIST: topic.list; query {prefix?, owner?, after?, limit?} (borrowed; NULL: {}).
int accord_eventbus_topic_list (accord_eventbus_t *self, json_object *query, json_object **reply);
//  TOPIC_CREATE / TOPIC_UPDATE with a transaction signed by its sender (a topic.create or
//  topic.update call; accord/tx.h): waits for the receipt (ACCORD_OK when it says ok; the
//  receipt's code otherwise).
int accord_eventbus_topic_tx (accord_eventbus_t *self, const accord_tx_t *tx, json_object **receipt);
//  Builds, signs with key and sends topic.create / topic.update with the arguments call
//  (borrowed; {did?, name, publishers?, ...} as the topic module takes them). The nonce is
//  the time in microseconds (strictly above the sender's last one unless the sender used
//  larger nonces), the expiry the broker's node height + 1000.
int accord_eventbus_topic_create (accord_eventbus_t *self, accord_key_t *key, json_object *call,
                                  json_object **receipt);
int accord_eventbus_topic_update (accord_eventbus_t *self, accord_key_t *key, json_object *call,
                                  json_object **receipt);

#endif
