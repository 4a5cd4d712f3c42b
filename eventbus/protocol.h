/*  eventbus/protocol: the broker's side of the eventbus protocol (eventbus/README.md): it turns
    the body frames of one request into a checked eventbus_request_t. Every limit of the
    protocol is checked here, before anything is allocated for it, so the rest of the broker
    handles only well-formed requests. fuzz/fuzz_eventbus_request.c drives the decoder. */
#ifndef EVENTBUS_PROTOCOL_H
#define EVENTBUS_PROTOCOL_H

#include "accord/crypto.h"
#include "accord/error.h"
#include "accord/event.h"
#include "accord/eventbus.h"
#include "accord/tx.h"
#include <czmq.h>
#include <json-c/json.h>

//  The protocol's limits are the client's (accord/eventbus.h), so both sides check the same.
#define EVENTBUS_GROUP_MAX          ACCORD_EVENTBUS_GROUP_MAX
#define EVENTBUS_SUB_ID_MAX         32
#define EVENTBUS_CREDIT_MAX         ACCORD_EVENTBUS_CREDIT_MAX
#define EVENTBUS_CREDIT_DEFAULT     ACCORD_EVENTBUS_CREDIT_DEFAULT
#define EVENTBUS_ACK_IDS_MAX        ACCORD_EVENTBUS_ACK_IDS_MAX
#define EVENTBUS_ACK_TIMEOUT_DEFAULT_MS 30000
#define EVENTBUS_ACK_TIMEOUT_MIN_MS ACCORD_EVENTBUS_ACK_TIMEOUT_MIN_MS
#define EVENTBUS_ACK_TIMEOUT_MAX_MS ACCORD_EVENTBUS_ACK_TIMEOUT_MAX_MS
#define EVENTBUS_DELIVERIES_DEFAULT 5
#define EVENTBUS_DELIVERIES_MAX     ACCORD_EVENTBUS_DELIVERIES_MAX
#define EVENTBUS_REQUEST_JSON_MAX   (64 * 1024)     //  the JSON frame of any request
#define EVENTBUS_TX_MAX             (128 * 1024)    //  TOPIC_CREATE / TOPIC_UPDATE transaction

typedef enum {
    EVENTBUS_HELLO, EVENTBUS_AUTH, EVENTBUS_PING, EVENTBUS_STATUS,
    EVENTBUS_TOPIC_INFO, EVENTBUS_TOPIC_LIST, EVENTBUS_TOPIC_CREATE, EVENTBUS_TOPIC_UPDATE,
    EVENTBUS_PUBLISH, EVENTBUS_SUBSCRIBE, EVENTBUS_CREDIT, EVENTBUS_ACK, EVENTBUS_NACK,
    EVENTBUS_UNSUBSCRIBE
} eventbus_command_t;

//  Where a subscription starts.
typedef enum {
    EVENTBUS_FROM_NOW, EVENTBUS_FROM_FIRST, EVENTBUS_FROM_LAST, EVENTBUS_FROM_EVENT, EVENTBUS_FROM_TIME
} eventbus_from_t;

typedef struct {
    char filter [ACCORD_TOPIC_NAME_MAX + 1];        //  checked with accord_topic_filter_check
    const char *tags [ACCORD_EVENT_TAGS_MAX];       //  borrowed from json
    size_t tag_count;
    eventbus_from_t from;
    uint64_t from_height;                           //  EVENTBUS_FROM_EVENT
    uint32_t from_tx, from_index;
    uint64_t from_ms;                               //  EVENTBUS_FROM_TIME
    char group [EVENTBUS_GROUP_MAX + 1];            //  "" when not a group subscription
    char consumer [EVENTBUS_GROUP_MAX + 1];         //  "" when not given
    uint32_t credit;
    uint32_t ack_timeout_ms;
    uint32_t max_deliveries;
} eventbus_subscribe_t;

typedef struct {
    eventbus_command_t command;
    json_object *json;              //  the parsed JSON body, or NULL (owned; strings below borrow it)
    //  AUTH
    const char *did;
    uint8_t sig [ACCORD_SIG_SIZE];
    //  TOPIC_INFO (name), TOPIC_LIST (prefix, owner, after, limit)
    const char *name, *prefix, *owner, *after;
    uint32_t limit;                 //  0 when not given
    //  TOPIC_CREATE / TOPIC_UPDATE: the transaction frame (owned), its hash, chain id and expiry
    zframe_t *tx;
    uint8_t tx_hash [ACCORD_HASH_SIZE];
    char tx_chain_id [ACCORD_CHAIN_ID_MAX + 1];
    uint64_t tx_expiry;
    //  PUBLISH: topic, message id, tags, time, sig and the payload frame (owned)
    const char *topic, *id;
    const char *tags [ACCORD_EVENT_TAGS_MAX];
    size_t tag_count;
    int has_time;
    uint64_t time_ms;
    int has_sig;
    uint8_t event_sig [ACCORD_SIG_SIZE];
    zframe_t *payload;
    //  SUBSCRIBE
    eventbus_subscribe_t subscribe;
    //  CREDIT, ACK, NACK, UNSUBSCRIBE
    const char *sub;
    uint32_t credit;
    const char *events [EVENTBUS_ACK_IDS_MAX];     //  ACK / NACK, checked event ids
    size_t event_count;
} eventbus_request_t;

//  Decodes the body frames of command (taken from *body_p, which is destroyed) into self.
//  Returns ACCORD_OK, or with the reason in err: ACCORD_E_UNKNOWN_COMMAND; ACCORD_E_MALFORMED
//  (frames or JSON: the wrong number of frames, not a JSON object, a member missing, unknown
//  or of the wrong type); ACCORD_E_TOO_LARGE (a frame over its limit); ACCORD_E_INVALID_ARGUMENT
//  (a value outside its rule: names, ids, ranges). self then holds nothing to free.
//  HELLO, PING and STATUS ignore their body frames. On success call eventbus_request_reset.
int eventbus_request_decode (eventbus_request_t *self, const char *command, zmsg_t **body_p,
                             char *err, size_t err_size);
void eventbus_request_reset (eventbus_request_t *self);

//  The commands, for messages: "HELLO AUTH ...".
extern const char *eventbus_request_commands;

#endif
