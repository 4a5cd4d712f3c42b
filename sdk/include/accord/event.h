/*  accord/event.h: the event bus's shared vocabulary, used by the chain's topic and event
    modules, the accord tool and the broker: topic names, one event of a batch as it travels in
    an event.publish transaction, the digest a publisher signs, and event ids.

    Topic name: MQTT-style levels separated by '/', 1 to ACCORD_TOPIC_LEVELS_MAX levels, each 1 to
    ACCORD_TOPIC_LEVEL_MAX of A-Z a-z 0-9 . _ - (a safe ASCII subset of MQTT's UTF-8 names: no
    wildcards '+' '#', no empty level, no white space), at most ACCORD_TOPIC_NAME_MAX bytes in all.
    A name beginning with '$' is a system topic (e.g. a topic's dead-letter topic, later): its
    first level is '$' and a level as above; nobody creates one with topic.create.

    Event (one item of event.publish's "events"), JSON:
        publisher   did:accord DID, the event's author
        id          the publisher's message id: 1..ACCORD_EVENT_ID_MAX bytes of 0x21..0x7e
        tags?       0..ACCORD_EVENT_TAGS_MAX distinct tags, each 1..ACCORD_EVENT_TAG_MAX bytes
                    of 0x21..0x7e
        payload     base64url (no padding) of 0..ACCORD_EVENT_PAYLOAD_MAX bytes
        time?       the publisher's clock, ms since the epoch (integer, 0..2^53-1)
        sig?        base64url of a 64-byte compact ES256K signature over accord_event_digest,
                    by a key in the publisher's assertionMethod
    Digest = SHA-256("accord.event.v1" || str8 topic || str8 publisher || str8 id || u8 tag count
    || str8 each tag, in order || u8 has time || u64 time (0 when absent) || u32 payload length
    || payload); integers big-endian, str8 = u8 length + bytes.

    Event id: "HEIGHT:TX:INDEX" (decimal, no leading zeros): the block height, the transaction's
    index in the block and the event's index in the transaction's batch. */
#ifndef ACCORD_EVENT_H
#define ACCORD_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "crypto.h"

#define ACCORD_TOPIC_NAME_MAX     255
#define ACCORD_TOPIC_LEVELS_MAX   16
#define ACCORD_TOPIC_LEVEL_MAX    64
#define ACCORD_EVENT_ID_MAX       128
#define ACCORD_EVENT_TAGS_MAX     16
#define ACCORD_EVENT_TAG_MAX      64
#define ACCORD_EVENT_PAYLOAD_MAX  (1024 * 1024)
#define ACCORD_EVENT_ID_TEXT_MAX  48      //  "HEIGHT:TX:INDEX" with its NUL
#define ACCORD_EVENT_BATCH_MAX    1024    //  events of one event.publish

//  Checks a topic name. allow_system: whether a '$' system name is acceptable. 0, or -1 with
//  the reason in err.
int accord_topic_name_check (const char *name, int allow_system, char *err, size_t err_size);

//  Checks a subscription filter (MQTT 3.1.1 rules on our names): levels as in a topic name,
//  or '+' (exactly one level), or '#' (any number of levels, zero included) as the last level
//  only; '$' as the first level names system topics. 0, or -1 with the reason in err.
int accord_topic_filter_check (const char *filter, char *err, size_t err_size);

//  1 when the topic name matches the (checked) filter, else 0. "a/#" also matches "a"; a
//  system topic ('$' first) is matched only by a filter whose first level is '$'.
int accord_topic_filter_match (const char *filter, const char *topic);

//  One event, parsed. Strings are borrowed from the JSON it came from; payload is owned.
typedef struct {
    const char *publisher;
    const char *id;
    const char *tags [ACCORD_EVENT_TAGS_MAX];
    size_t tag_count;
    uint8_t *payload;
    size_t payload_len;
    int has_time;
    uint64_t time_ms;
    int has_sig;
    uint8_t sig [ACCORD_SIG_SIZE];
} accord_event_t;

//  Parses one event object (rules above; the publisher need only start with "did:accord:",
//  the chain checks the rest). 0, or -2 with the first problem in err; self then holds
//  nothing to free. On success call accord_event_reset.
int accord_event_parse (accord_event_t *self, json_object *item, char *err, size_t err_size);
void accord_event_reset (accord_event_t *self);

//  An event.publish batch {topic, events: [event]}, decoded from its JSON text in one pass
//  (accord_json_reader) by the rules above: events of a batch borrow their strings and payload
//  from it (never accord_event_reset one).
typedef struct {
    const char *topic;
    accord_event_t *events;
    size_t count;               //  1..ACCORD_EVENT_BATCH_MAX
    char *arena;                //  what they point into
} accord_event_batch_t;

//  0; -2 with the first problem in err ("event N: ..." for an event's); -1 out of memory.
int accord_event_batch_decode (accord_event_batch_t *self, const char *text, size_t len, char *err, size_t err_size);
void accord_event_batch_reset (accord_event_batch_t *self);

//  The digest a publisher signs (above).
void accord_event_digest (uint8_t digest [ACCORD_HASH_SIZE], const char *topic, const accord_event_t *event);

//  What a client signs to prove its DID to a broker (eventbus/README.md, AUTH): SHA-256 of
//  "accord.eventbus.auth.v1" || str8 chain_id || str8 broker || challenge || str8 did.
#define ACCORD_EVENTBUS_CHALLENGE_SIZE 32
void accord_eventbus_auth_digest (uint8_t digest [ACCORD_HASH_SIZE], const char *chain_id, const char *broker,
                                  const uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE], const char *did);

//  The JSON item of an event for event.publish: {publisher, id, tags?, payload, time?, sig?}
//  (caller puts); signs it with key when key is not NULL (key must then be an assertionMethod
//  key of the publisher). NULL when a field is out of its limits.
json_object *accord_event_build (const char *topic, const char *publisher, const char *id,
                                 const char *const *tags, size_t tag_count, const uint8_t *payload,
                                 size_t payload_len, const uint64_t *time_ms, accord_key_t *key);

//  Parses "HEIGHT:TX:INDEX". 0, or -2 when it is not an event id.
int accord_event_id_parse (const char *text, uint64_t *height, uint32_t *tx, uint32_t *index);
void accord_event_id_format (char out [ACCORD_EVENT_ID_TEXT_MAX], uint64_t height, uint32_t tx, uint32_t index);

#endif
