#include "protocol.h"
#include "accord/did.h"
#include "accord/encoding.h"
#include "accord/error.h"
#include "accord/json.h"
#include "accord/vc.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *eventbus_request_commands =
    "HELLO AUTH PING STATUS TOPIC_INFO TOPIC_LIST TOPIC_CREATE TOPIC_UPDATE PUBLISH SUBSCRIBE CREDIT ACK NACK "
    "UNSUBSCRIBE";

#define S_MEMBERS_MAX 8
#define S_EXACT_MAX   ((INT64_C (1) << 53) - 1)

//  Each command's name, its body (frames: 0 none read, 1 a JSON object, 2 a JSON object and
//  the payload, -1 one binary transaction) and the members its JSON may hold.
static const struct {
    const char *name;
    eventbus_command_t command;
    int frames;
    const char *members [S_MEMBERS_MAX];
} s_commands [] = {
    { "HELLO", EVENTBUS_HELLO, 0, { NULL } },
    { "AUTH", EVENTBUS_AUTH, 1, { "did", "sig" } },
    { "PING", EVENTBUS_PING, 0, { NULL } },
    { "STATUS", EVENTBUS_STATUS, 0, { NULL } },
    { "TOPIC_INFO", EVENTBUS_TOPIC_INFO, 1, { "name" } },
    { "TOPIC_LIST", EVENTBUS_TOPIC_LIST, 1, { "prefix", "owner", "after", "limit" } },
    { "TOPIC_CREATE", EVENTBUS_TOPIC_CREATE, -1, { NULL } },
    { "TOPIC_UPDATE", EVENTBUS_TOPIC_UPDATE, -1, { NULL } },
    { "PUBLISH", EVENTBUS_PUBLISH, 2, { "topic", "id", "tags", "time", "sig" } },
    { "SUBSCRIBE", EVENTBUS_SUBSCRIBE, 1, { "filter", "tags", "from", "group", "consumer", "credit",
                                            "ack_timeout_ms", "max_deliveries" } },
    { "CREDIT", EVENTBUS_CREDIT, 1, { "sub", "credit" } },
    { "ACK", EVENTBUS_ACK, 1, { "sub", "events" } },
    { "NACK", EVENTBUS_NACK, 1, { "sub", "events" } },
    { "UNSUBSCRIBE", EVENTBUS_UNSUBSCRIBE, 1, { "sub" } },
};
#define S_COMMAND_COUNT (sizeof s_commands / sizeof s_commands [0])

static int
s_fail (char *err, size_t err_size, int code, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_fail (char *err, size_t err_size, int code, const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    if (err && err_size)
        vsnprintf (err, err_size, format, ap);
    va_end (ap);
    return code;
}

//  1 when text is 1..max bytes of 0x21..0x7e (message ids, tags, subscription ids).
static int
s_token_ok (const char *text, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) text [i] < 0x21 || (unsigned char) text [i] > 0x7e)
            return 0;
    return 1;
}

//  A string member. *out NULL when absent. ACCORD_OK, or ACCORD_E_MALFORMED when required and
//  absent or not a string, ACCORD_E_INVALID_ARGUMENT when outside min..max bytes or holding a NUL.
static int
s_string (json_object *body, const char *key, int required, size_t min, size_t max, const char **out,
          char *err, size_t err_size)
{
    json_object *value = NULL;
    *out = NULL;
    if (!json_object_object_get_ex (body, key, &value))
        return required ? s_fail (err, err_size, ACCORD_E_MALFORMED, "'%s' is required", key) : ACCORD_OK;
    if (!json_object_is_type (value, json_type_string))
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "'%s' must be a string", key);
    size_t len = (size_t) json_object_get_string_len (value);
    const char *text = json_object_get_string (value);
    if (len < min || len > max || strlen (text) != len)
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'%s' must have %zu to %zu bytes", key, min, max);
    *out = text;
    return ACCORD_OK;
}

//  An integer member in min..max; *value untouched when absent. ACCORD_OK or an error.
static int
s_integer (json_object *body, const char *key, int64_t min, int64_t max, int64_t *value, char *err,
           size_t err_size)
{
    json_object *member = NULL;
    if (!json_object_object_get_ex (body, key, &member))
        return ACCORD_OK;
    if (!json_object_is_type (member, json_type_int) && !json_object_is_type (member, json_type_double))
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "'%s' must be an integer", key);
    if (accord_json_get_int64 (body, key, min, max, value))
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'%s' must be %" PRId64 " to %" PRId64, key, min, max);
    return ACCORD_OK;
}

//  base64url of a 64-byte signature.
static int
s_signature (json_object *body, const char *key, int required, uint8_t sig [ACCORD_SIG_SIZE], int *has,
             char *err, size_t err_size)
{
    const char *text;
    int rc = s_string (body, key, required, 1, 128, &text, err, err_size);
    if (has)
        *has = 0;
    if (rc != ACCORD_OK || !text)
        return rc;
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (accord_base64url_decode (&bytes, &len, text, strlen (text)) || len != ACCORD_SIG_SIZE) {
        free (bytes);
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'%s' must be base64url of a 64-byte ES256K signature", key);
    }
    memcpy (sig, bytes, ACCORD_SIG_SIZE);
    free (bytes);
    if (has)
        *has = 1;
    return ACCORD_OK;
}

//  "tags": 0..ACCORD_EVENT_TAGS_MAX distinct tags (at least min), borrowed into tags.
static int
s_tags (json_object *body, size_t min, const char **tags, size_t *count, char *err, size_t err_size)
{
    json_object *array = NULL;
    *count = 0;
    if (!json_object_object_get_ex (body, "tags", &array))
        return ACCORD_OK;
    if (!json_object_is_type (array, json_type_array))
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "'tags' must be an array of strings");
    size_t length = json_object_array_length (array);
    if (length < min || length > ACCORD_EVENT_TAGS_MAX)
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'tags' holds %zu to %d tags", min, ACCORD_EVENT_TAGS_MAX);
    for (size_t i = 0; i < length; i++) {
        json_object *tag = json_object_array_get_idx (array, i);
        if (!json_object_is_type (tag, json_type_string))
            return s_fail (err, err_size, ACCORD_E_MALFORMED, "'tags' must be an array of strings");
        const char *text = json_object_get_string (tag);
        if (!s_token_ok (text, (size_t) json_object_get_string_len (tag), ACCORD_EVENT_TAG_MAX))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "a tag is 1 to %d printable ASCII bytes",
                           ACCORD_EVENT_TAG_MAX);
        for (size_t j = 0; j < i; j++)
            if (strcmp (tags [j], text) == 0)
                return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'tags' repeats '%s'", text);
        tags [(*count)++] = text;
    }
    return ACCORD_OK;
}

//  A group or consumer name: 1..EVENTBUS_GROUP_MAX of ACCORD_NAME_CHARS, copied into out.
static int
s_group_name (json_object *body, const char *key, char out [EVENTBUS_GROUP_MAX + 1], char *err, size_t err_size)
{
    const char *text;
    int rc = s_string (body, key, 0, 1, EVENTBUS_GROUP_MAX, &text, err, err_size);
    if (rc == ACCORD_OK && text && strspn (text, ACCORD_NAME_CHARS) != strlen (text))
        rc = s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'%s' is 1 to %d of A-Z a-z 0-9 . _ -", key,
                     EVENTBUS_GROUP_MAX);
    if (rc == ACCORD_OK && text)
        strcpy (out, text);
    return rc;
}

//  "from": "now", "first", "last", an event id, ms since the epoch, or RFC 3339 text.
static int
s_from (json_object *body, eventbus_subscribe_t *sub, char *err, size_t err_size)
{
    json_object *value = NULL;
    sub->from = EVENTBUS_FROM_NOW;
    if (!json_object_object_get_ex (body, "from", &value))
        return ACCORD_OK;
    if (json_object_is_type (value, json_type_int) || json_object_is_type (value, json_type_double)) {
        int64_t ms = 0;
        int rc = s_integer (body, "from", 0, S_EXACT_MAX, &ms, err, err_size);
        sub->from = EVENTBUS_FROM_TIME;
        sub->from_ms = (uint64_t) ms;
        return rc;
    }
    if (!json_object_is_type (value, json_type_string))
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "'from' must be a string or an integer (ms)");
    const char *text = json_object_get_string (value);
    int64_t seconds;
    if (streq (text, "now"))
        sub->from = EVENTBUS_FROM_NOW;
    else if (streq (text, "first"))
        sub->from = EVENTBUS_FROM_FIRST;
    else if (streq (text, "last"))
        sub->from = EVENTBUS_FROM_LAST;
    else if (accord_event_id_parse (text, &sub->from_height, &sub->from_tx, &sub->from_index) == 0)
        sub->from = EVENTBUS_FROM_EVENT;
    else if (strlen (text) < 64 && accord_datetime_parse (text, &seconds) == 0 && seconds >= 0) {
        //  accord_datetime_parse drops fractions of a second: keep the milliseconds.
        uint64_t ms = 0;
        if (text [19] == '.')
            for (int i = 0, scale = 100; i < 3 && text [20 + i] >= '0' && text [20 + i] <= '9'; i++, scale /= 10)
                ms += (uint64_t) (text [20 + i] - '0') * (uint64_t) scale;
        sub->from = EVENTBUS_FROM_TIME;
        sub->from_ms = (uint64_t) seconds * 1000 + ms;
    }
    else
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT,
                       "'from' is \"now\", \"first\", \"last\", an event id H:T:I, ms since the epoch or an RFC 3339 time");
    return ACCORD_OK;
}

static int
s_subscribe (json_object *body, eventbus_subscribe_t *sub, char *err, size_t err_size)
{
    const char *filter;
    char reason [160];
    int rc = s_string (body, "filter", 1, 1, ACCORD_TOPIC_NAME_MAX, &filter, err, err_size);
    if (rc != ACCORD_OK)
        return rc;
    if (accord_topic_filter_check (filter, reason, sizeof reason))
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'filter': %s", reason);
    strcpy (sub->filter, filter);
    int64_t credit = EVENTBUS_CREDIT_DEFAULT, ack_timeout = EVENTBUS_ACK_TIMEOUT_DEFAULT_MS;
    int64_t deliveries = EVENTBUS_DELIVERIES_DEFAULT;
    if ((rc = s_tags (body, 1, sub->tags, &sub->tag_count, err, err_size))
    ||  (rc = s_from (body, sub, err, err_size))
    ||  (rc = s_group_name (body, "group", sub->group, err, err_size))
    ||  (rc = s_group_name (body, "consumer", sub->consumer, err, err_size))
    ||  (rc = s_integer (body, "credit", 1, EVENTBUS_CREDIT_MAX, &credit, err, err_size))
    ||  (rc = s_integer (body, "ack_timeout_ms", EVENTBUS_ACK_TIMEOUT_MIN_MS, EVENTBUS_ACK_TIMEOUT_MAX_MS,
                         &ack_timeout, err, err_size))
    ||  (rc = s_integer (body, "max_deliveries", 1, EVENTBUS_DELIVERIES_MAX, &deliveries, err, err_size)))
        return rc;
    if (!*sub->group && (*sub->consumer || json_object_object_get_ex (body, "ack_timeout_ms", NULL)
                         || json_object_object_get_ex (body, "max_deliveries", NULL)))
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT,
                       "'consumer', 'ack_timeout_ms' and 'max_deliveries' apply to a group subscription ('group')");
    sub->credit = (uint32_t) credit;
    sub->ack_timeout_ms = (uint32_t) ack_timeout;
    sub->max_deliveries = (uint32_t) deliveries;
    return ACCORD_OK;
}

static int
s_events (json_object *body, eventbus_request_t *self, char *err, size_t err_size)
{
    json_object *array = NULL;
    if (!json_object_object_get_ex (body, "events", &array) || !json_object_is_type (array, json_type_array))
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "'events' (an array of event ids) is required");
    size_t length = json_object_array_length (array);
    if (length == 0 || length > EVENTBUS_ACK_IDS_MAX)
        return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'events' holds 1 to %d event ids", EVENTBUS_ACK_IDS_MAX);
    for (size_t i = 0; i < length; i++) {
        json_object *item = json_object_array_get_idx (array, i);
        if (!json_object_is_type (item, json_type_string))
            return s_fail (err, err_size, ACCORD_E_MALFORMED, "'events' must be an array of strings");
        uint64_t height;
        uint32_t tx, index;
        const char *text = json_object_get_string (item);
        if ((size_t) json_object_get_string_len (item) >= ACCORD_EVENT_ID_TEXT_MAX
        ||  accord_event_id_parse (text, &height, &tx, &index))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'events' item %zu is not an event id H:T:I", i);
        self->events [self->event_count++] = text;
    }
    return ACCORD_OK;
}

//  The members of a JSON body, checked (the body has only known members).
static int
s_members (eventbus_request_t *self, char *err, size_t err_size)
{
    json_object *body = self->json;
    char reason [160];
    int rc = ACCORD_OK;
    int64_t number = 0;
    switch (self->command) {
    case EVENTBUS_AUTH:
        if ((rc = s_string (body, "did", 1, 1, ACCORD_DID_MAX - 1, &self->did, err, err_size)))
            return rc;
        return s_signature (body, "sig", 1, self->sig, NULL, err, err_size);
    case EVENTBUS_TOPIC_INFO:
        if ((rc = s_string (body, "name", 1, 1, ACCORD_TOPIC_NAME_MAX, &self->name, err, err_size)))
            return rc;
        if (accord_topic_name_check (self->name, 0, reason, sizeof reason))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'name': %s", reason);
        return ACCORD_OK;
    case EVENTBUS_TOPIC_LIST:
        if ((rc = s_string (body, "prefix", 0, 0, ACCORD_TOPIC_NAME_MAX, &self->prefix, err, err_size))
        ||  (rc = s_string (body, "owner", 0, 1, ACCORD_DID_MAX - 1, &self->owner, err, err_size))
        ||  (rc = s_string (body, "after", 0, 0, ACCORD_TOPIC_NAME_MAX, &self->after, err, err_size))
        ||  (rc = s_integer (body, "limit", 1, 1000, &number, err, err_size)))
            return rc;
        self->limit = (uint32_t) number;
        return ACCORD_OK;
    case EVENTBUS_PUBLISH: {
        if ((rc = s_string (body, "topic", 1, 1, ACCORD_TOPIC_NAME_MAX, &self->topic, err, err_size)))
            return rc;
        if (accord_topic_name_check (self->topic, 0, reason, sizeof reason))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'topic': %s", reason);
        if ((rc = s_string (body, "id", 1, 1, ACCORD_EVENT_ID_MAX, &self->id, err, err_size)))
            return rc;
        if (!s_token_ok (self->id, strlen (self->id), ACCORD_EVENT_ID_MAX))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'id' is 1 to %d printable ASCII bytes",
                           ACCORD_EVENT_ID_MAX);
        number = -1;
        if ((rc = s_tags (body, 0, self->tags, &self->tag_count, err, err_size))
        ||  (rc = s_integer (body, "time", 0, S_EXACT_MAX, &number, err, err_size))
        ||  (rc = s_signature (body, "sig", 0, self->event_sig, &self->has_sig, err, err_size)))
            return rc;
        self->has_time = number >= 0;
        self->time_ms = self->has_time ? (uint64_t) number : 0;
        return ACCORD_OK;
    }
    case EVENTBUS_SUBSCRIBE:
        return s_subscribe (body, &self->subscribe, err, err_size);
    case EVENTBUS_CREDIT:
    case EVENTBUS_ACK:
    case EVENTBUS_NACK:
    case EVENTBUS_UNSUBSCRIBE:
        if ((rc = s_string (body, "sub", 1, 1, EVENTBUS_SUB_ID_MAX, &self->sub, err, err_size)))
            return rc;
        if (!s_token_ok (self->sub, strlen (self->sub), EVENTBUS_SUB_ID_MAX))
            return s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "'sub' is not a subscription id");
        if (self->command == EVENTBUS_CREDIT) {
            if (!json_object_object_get_ex (body, "credit", NULL))
                return s_fail (err, err_size, ACCORD_E_MALFORMED, "'credit' is required");
            rc = s_integer (body, "credit", 1, EVENTBUS_CREDIT_MAX, &number, err, err_size);
            self->credit = (uint32_t) number;
        }
        else if (self->command != EVENTBUS_UNSUBSCRIBE)
            rc = s_events (body, self, err, err_size);
        return rc;
    default:
        return ACCORD_OK;
    }
}

//  TOPIC_CREATE / TOPIC_UPDATE: one frame, a transaction calling topic.create / topic.update.
static int
s_transaction (eventbus_request_t *self, zmsg_t *body, char *err, size_t err_size)
{
    if (zmsg_size (body) != 1)
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "expects one frame: a transaction");
    zframe_t *frame = zmsg_first (body);
    if (zframe_size (frame) > EVENTBUS_TX_MAX)
        return s_fail (err, err_size, ACCORD_E_TOO_LARGE, "a transaction frame has at most %d bytes", EVENTBUS_TX_MAX);
    char reason [160] = "";
    accord_tx_t *tx = accord_tx_decode (zframe_data (frame), zframe_size (frame), reason, sizeof reason);
    if (!tx)
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "not a transaction: %s", reason);
    const char *method = self->command == EVENTBUS_TOPIC_CREATE ? "create" : "update";
    int rc = ACCORD_OK;
    if (strcmp (tx->module, "topic") || strcmp (tx->method, method))
        rc = s_fail (err, err_size, ACCORD_E_INVALID_ARGUMENT, "the transaction calls %s.%s, not topic.%s", tx->module,
                     tx->method, method);
    else {
        memcpy (self->tx_hash, tx->hash, ACCORD_HASH_SIZE);
        strcpy (self->tx_chain_id, tx->chain_id);
        self->tx_expiry = tx->expiry;
        self->tx = zmsg_pop (body);
    }
    accord_tx_destroy (&tx);
    return rc;
}

//  The JSON object frame (and for PUBLISH the payload frame after it).
static int
s_json (eventbus_request_t *self, size_t which, zmsg_t *body, char *err, size_t err_size)
{
    size_t frames = (size_t) s_commands [which].frames;
    if (zmsg_size (body) != frames)
        return s_fail (err, err_size, ACCORD_E_MALFORMED, frames == 1 ? "expects one JSON object frame"
                       : "expects two frames: a JSON object and the payload");
    zframe_t *frame = zmsg_first (body);
    if (zframe_size (frame) > EVENTBUS_REQUEST_JSON_MAX)
        return s_fail (err, err_size, ACCORD_E_TOO_LARGE, "a JSON frame has at most %d bytes", EVENTBUS_REQUEST_JSON_MAX);
    if (frames == 2 && zframe_size (zmsg_next (body)) > ACCORD_EVENT_PAYLOAD_MAX)
        return s_fail (err, err_size, ACCORD_E_TOO_LARGE, "a payload has at most %d bytes", ACCORD_EVENT_PAYLOAD_MAX);
    char reason [160];
    self->json = accord_json_parse ((const char *) zframe_data (frame), zframe_size (frame), reason, sizeof reason);
    if (!self->json)
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "body is not JSON: %s", reason);
    if (!json_object_is_type (self->json, json_type_object))
        return s_fail (err, err_size, ACCORD_E_MALFORMED, "body must be a JSON object");
    json_object_object_foreach (self->json, key, value) {
        (void) value;
        int known = 0;
        for (size_t i = 0; i < S_MEMBERS_MAX && s_commands [which].members [i] && !known; i++)
            known = streq (key, s_commands [which].members [i]);
        if (!known)
            return s_fail (err, err_size, ACCORD_E_MALFORMED, "%s takes no member '%.64s'", s_commands [which].name, key);
    }
    int rc = s_members (self, err, err_size);
    if (rc == ACCORD_OK && frames == 2) {
        zframe_t *json_frame = zmsg_pop (body);
        zframe_destroy (&json_frame);
        self->payload = zmsg_pop (body);
    }
    return rc;
}

int
eventbus_request_decode (eventbus_request_t *self, const char *command, zmsg_t **body_p,
                         char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    zmsg_t *body = body_p ? *body_p : NULL;
    if (body_p)
        *body_p = NULL;
    size_t which = 0;
    while (which < S_COMMAND_COUNT && !(command && streq (s_commands [which].name, command)))
        which++;
    int rc = ACCORD_OK;
    if (which == S_COMMAND_COUNT)
        rc = s_fail (err, err_size, ACCORD_E_UNKNOWN_COMMAND, "unknown command (%s)", eventbus_request_commands);
    else {
        self->command = s_commands [which].command;
        if (!body)
            body = zmsg_new ();
        if (s_commands [which].frames < 0)
            rc = s_transaction (self, body, err, err_size);
        else if (s_commands [which].frames > 0)
            rc = s_json (self, which, body, err, err_size);
    }
    zmsg_destroy (&body);
    if (rc != ACCORD_OK)
        eventbus_request_reset (self);
    return rc;
}

void
eventbus_request_reset (eventbus_request_t *self)
{
    json_object_put (self->json);
    zframe_destroy (&self->tx);
    zframe_destroy (&self->payload);
    memset (self, 0, sizeof *self);
}
