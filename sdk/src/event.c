#include "accord/event.h"
#include "accord/buf.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_EXACT_MAX   (((uint64_t) 1 << 53) - 1)
#define S_STR(x)      S_STR_ (x)
#define S_STR_(x)     #x

int
accord_topic_name_check (const char *name, int allow_system, char *err, size_t err_size)
{
    size_t len = name ? strlen (name) : 0;
    if (len == 0 || len > ACCORD_TOPIC_NAME_MAX) {
        snprintf (err, err_size, "a topic name has 1 to %d bytes", ACCORD_TOPIC_NAME_MAX);
        return -1;
    }
    const char *level = name;
    size_t levels = 0;
    if (name [0] == '$') {
        if (!allow_system) {
            snprintf (err, err_size, "topic names beginning with '$' are reserved for system topics");
            return -1;
        }
        if (name [1] != '/') {
            snprintf (err, err_size, "a system topic's first level is '$' alone");
            return -1;
        }
        level = name + 2;
        levels = 1;
    }
    for (;;) {
        size_t level_len = strcspn (level, "/");
        if (++levels > ACCORD_TOPIC_LEVELS_MAX) {
            snprintf (err, err_size, "a topic name has at most %d levels", ACCORD_TOPIC_LEVELS_MAX);
            return -1;
        }
        if (level_len == 0) {
            snprintf (err, err_size, "topic name '%.80s' has an empty level", name);
            return -1;
        }
        if (level_len > ACCORD_TOPIC_LEVEL_MAX || strspn (level, ACCORD_NAME_CHARS) < level_len) {
            snprintf (err, err_size, "each level of a topic name is 1 to %d of A-Z a-z 0-9 . _ - "
                      "(no wildcards + #, no spaces)", ACCORD_TOPIC_LEVEL_MAX);
            return -1;
        }
        if (level [level_len] == 0)
            return 0;
        level += level_len + 1;
    }
}

int
accord_topic_filter_check (const char *filter, char *err, size_t err_size)
{
    size_t len = filter ? strlen (filter) : 0;
    if (len == 0 || len > ACCORD_TOPIC_NAME_MAX) {
        snprintf (err, err_size, "a topic filter has 1 to %d bytes", ACCORD_TOPIC_NAME_MAX);
        return -1;
    }
    const char *level = filter;
    for (size_t levels = 1;; levels++) {
        size_t level_len = strcspn (level, "/");
        int last = level [level_len] == 0;
        if (levels > ACCORD_TOPIC_LEVELS_MAX) {
            snprintf (err, err_size, "a topic filter has at most %d levels", ACCORD_TOPIC_LEVELS_MAX);
            return -1;
        }
        int wildcard = level_len == 1 && (level [0] == '+' || level [0] == '#');
        if (level_len == 1 && level [0] == '#' && !last) {
            snprintf (err, err_size, "'#' must be the last level of a topic filter");
            return -1;
        }
        if (!wildcard && !(levels == 1 && level_len == 1 && level [0] == '$' && !last)
        &&  (level_len == 0 || level_len > ACCORD_TOPIC_LEVEL_MAX
             || strspn (level, ACCORD_NAME_CHARS) < level_len)) {
            snprintf (err, err_size, "each level of a topic filter is '+', a last '#', or 1 to %d of "
                      "A-Z a-z 0-9 . _ - ('%.80s')", ACCORD_TOPIC_LEVEL_MAX, filter);
            return -1;
        }
        if (last)
            return 0;
        level += level_len + 1;
    }
}

int
accord_topic_filter_match (const char *filter, const char *topic)
{
    if (topic [0] == '$' && (filter [0] == '+' || filter [0] == '#'))
        return 0;
    const char *f = filter, *t = topic;
    for (;;) {
        size_t f_len = strcspn (f, "/"), t_len = strcspn (t, "/");
        if (f_len == 1 && f [0] == '#')
            return 1;
        if (!(f_len == 1 && f [0] == '+') && (f_len != t_len || memcmp (f, t, f_len)))
            return 0;
        int f_end = f [f_len] == 0, t_end = t [t_len] == 0;
        if (t_end)      //  the topic ends here: so must the filter, or go on with "/#" alone
            return f_end || strcmp (f + f_len, "/#") == 0;
        if (f_end)
            return 0;
        f += f_len + 1;
        t += t_len + 1;
    }
}

//  1..max bytes of 0x21..0x7e (len of them: a U+0000 inside fails too).
static int
s_token_ok_len (const char *text, size_t len, size_t max)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) text [i] < 0x21 || (unsigned char) text [i] > 0x7e)
            return 0;
    return len > 0 && len <= max;
}

static int
s_token_ok (const char *text, size_t max)
{
    return text && s_token_ok_len (text, strlen (text), max);
}

//  --------------------------------------------------------------------------
//  The rules of one event's fields, for both readers (a tree, a batch's text): each returns
//  NULL when the field is right, else what is wrong.

static const char *
s_publisher_wrong (const char *text, size_t len)
{
    return text && len < 160 && strlen (text) == len && strncmp (text, "did:accord:", 11) == 0
         ? NULL : "'publisher' must be a did:accord DID";
}

static const char *
s_id_wrong (const char *text, size_t len)
{
    return text && s_token_ok_len (text, len, ACCORD_EVENT_ID_MAX)
         ? NULL : "'id' must be 1 to " S_STR (ACCORD_EVENT_ID_MAX) " printable ASCII bytes";
}

//  Tag number index of self (the ones before it set).
static const char *
s_tag_wrong (const accord_event_t *self, size_t index, const char *text, size_t len)
{
    if (index >= ACCORD_EVENT_TAGS_MAX)
        return "'tags' must be an array of at most " S_STR (ACCORD_EVENT_TAGS_MAX) " tags";
    if (!text || !s_token_ok_len (text, len, ACCORD_EVENT_TAG_MAX))
        return "a tag is 1 to " S_STR (ACCORD_EVENT_TAG_MAX) " printable ASCII bytes";
    for (size_t j = 0; j < index; j++)
        if (strcmp (self->tags [j], text) == 0)
            return "'tags' repeats a tag";
    return NULL;
}

static const char *s_time_wrong = "'time' must be an integer: ms since the epoch";
static const char *s_payload_missing = "'payload' (base64url) is required";

//  Decodes the payload text into out (room for 3 bytes per 4 characters).
static const char *
s_payload_wrong (const char *text, size_t len, uint8_t *out, size_t *out_len)
{
    //  Checked before decoding: 4 characters per 3 bytes, without padding.
    if (len > (ACCORD_EVENT_PAYLOAD_MAX / 3) * 4 + 2)
        return "'payload' is over 1 MiB";
    if (accord_base64url_decode_into (out, len / 4 * 3 + 2, out_len, text, len))
        return "'payload' is not base64url (no padding)";
    return *out_len > ACCORD_EVENT_PAYLOAD_MAX ? "'payload' is over 1 MiB" : NULL;
}

static const char *
s_sig_wrong (const char *text, size_t len, uint8_t sig [ACCORD_SIG_SIZE])
{
    size_t sig_len = 0;
    uint8_t bytes [ACCORD_SIG_SIZE + 3];
    if (!text || len > (ACCORD_SIG_SIZE / 3 + 1) * 4
    ||  accord_base64url_decode_into (bytes, sizeof bytes, &sig_len, text, len) || sig_len != ACCORD_SIG_SIZE)
        return "'sig' must be base64url of a 64-byte ES256K signature";
    memcpy (sig, bytes, ACCORD_SIG_SIZE);
    return NULL;
}

static const char *s_extra_key = "an event has only publisher, id, tags, payload, time and sig";

static int
s_fail (accord_event_t *self, char *err, size_t err_size, const char *message)
{
    accord_event_reset (self);
    snprintf (err, err_size, "%s", message);
    return -2;
}

int
accord_event_parse (accord_event_t *self, json_object *item, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    if (!json_object_is_type (item, json_type_object))
        return s_fail (self, err, err_size, "an event is an object");
    json_object *field = json_object_object_get (item, "publisher");
    const char *wrong = NULL;
    if (json_object_is_type (field, json_type_string))
        self->publisher = json_object_get_string (field);
    wrong = s_publisher_wrong (self->publisher, field ? (size_t) json_object_get_string_len (field) : 0);
    field = json_object_object_get (item, "id");
    if (!wrong && json_object_is_type (field, json_type_string))
        self->id = json_object_get_string (field);
    if (!wrong)
        wrong = s_id_wrong (self->id, self->id ? (size_t) json_object_get_string_len (field) : 0);
    json_object *tags = NULL;
    if (!wrong && json_object_object_get_ex (item, "tags", &tags)) {
        if (!json_object_is_type (tags, json_type_array))
            wrong = "'tags' must be an array of at most " S_STR (ACCORD_EVENT_TAGS_MAX) " tags";
        for (size_t i = 0; !wrong && i < json_object_array_length (tags); i++) {
            json_object *tag = json_object_array_get_idx (tags, i);
            const char *text = json_object_is_type (tag, json_type_string) ? json_object_get_string (tag) : NULL;
            wrong = s_tag_wrong (self, i, text, text ? (size_t) json_object_get_string_len (tag) : 0);
            if (!wrong)
                self->tags [self->tag_count++] = text;
        }
    }
    if (!wrong && json_object_object_get_ex (item, "time", NULL)) {
        int64_t value = 0;
        if (accord_json_get_int64 (item, "time", 0, (int64_t) S_EXACT_MAX, &value))
            wrong = s_time_wrong;
        self->has_time = 1;
        self->time_ms = (uint64_t) value;
    }
    field = json_object_object_get (item, "payload");
    if (!wrong && !json_object_is_type (field, json_type_string))
        wrong = s_payload_missing;
    if (!wrong) {
        size_t len = (size_t) json_object_get_string_len (field);
        self->payload = malloc (len / 4 * 3 + 3);
        if (!self->payload)
            wrong = "out of memory";
        else
            wrong = s_payload_wrong (json_object_get_string (field), len, self->payload, &self->payload_len);
    }
    if (!wrong && json_object_object_get_ex (item, "sig", &field)) {
        const char *text = json_object_is_type (field, json_type_string) ? json_object_get_string (field) : NULL;
        wrong = s_sig_wrong (text, text ? (size_t) json_object_get_string_len (field) : 0, self->sig);
        self->has_sig = 1;
    }
    json_object_object_foreach (item, key, value) {
        (void) value;
        if (!wrong && strcmp (key, "publisher") && strcmp (key, "id") && strcmp (key, "tags")
        &&  strcmp (key, "payload") && strcmp (key, "time") && strcmp (key, "sig"))
            wrong = s_extra_key;
    }
    return wrong ? s_fail (self, err, err_size, wrong) : 0;
}

//  --------------------------------------------------------------------------
//  A batch from its text

//  The keys of an event, as bits (to refuse one twice)
enum { S_PUBLISHER = 1, S_ID = 2, S_TAGS = 4, S_PAYLOAD = 8, S_TIME = 16, S_SIG = 32 };

typedef struct {
    accord_json_reader_t *reader;
    char *arena;                //  strings and payloads, never moved
    size_t used, size;
    char *err;
    size_t err_size;
} s_batch_read_t;

//  A copy of the string just read, in the arena (NUL-terminated), or NULL.
static const char *
s_keep (s_batch_read_t *in, const char *text, size_t len)
{
    if (in->used + len + 1 > in->size)
        return NULL;            //  cannot happen: nothing decodes longer than its JSON text
    char *copy = in->arena + in->used;
    memcpy (copy, text, len);
    copy [len] = 0;
    in->used += len + 1;
    return copy;
}

//  A string value into the arena; *len its length. NULL when it is not a string (wrong then
//  says so, unless the text is broken).
static const char *
s_read_kept (s_batch_read_t *in, size_t *len)
{
    const char *text = NULL;
    *len = 0;
    if (accord_json_reader_peek (in->reader) != json_type_string)
        return accord_json_reader_skip (in->reader), NULL;
    if (accord_json_reader_string (in->reader, &text, len))
        return NULL;
    return s_keep (in, text, *len);
}

//  One event of the batch. NULL, or what is wrong with it (the text's own error when it
//  breaks JSON).
static const char *
s_read_event (s_batch_read_t *in, accord_event_t *event)
{
    accord_json_reader_t *reader = in->reader;
    if (accord_json_reader_peek (reader) != json_type_object)
        return "an event is an object";
    if (accord_json_reader_begin (reader, json_type_object))
        return accord_json_reader_error (reader);
    unsigned seen = 0;
    int more;
    while ((more = accord_json_reader_next (reader)) == 1) {
        const char *key, *wrong = NULL;
        size_t key_len, len;
        if (accord_json_reader_key (reader, &key, &key_len))
            break;
        unsigned bit = strcmp (key, "publisher") == 0 ? S_PUBLISHER : strcmp (key, "id") == 0 ? S_ID
                     : strcmp (key, "tags") == 0 ? S_TAGS : strcmp (key, "payload") == 0 ? S_PAYLOAD
                     : strcmp (key, "time") == 0 ? S_TIME : strcmp (key, "sig") == 0 ? S_SIG : 0;
        if (bit == 0 || strlen (key) != key_len)
            return s_extra_key;
        if (seen & bit)
            return "an event names a key twice";
        seen |= bit;
        if (bit == S_PUBLISHER) {
            event->publisher = s_read_kept (in, &len);
            wrong = s_publisher_wrong (event->publisher, len);
        }
        else
        if (bit == S_ID) {
            event->id = s_read_kept (in, &len);
            wrong = s_id_wrong (event->id, len);
        }
        else
        if (bit == S_TAGS) {
            if (accord_json_reader_peek (reader) != json_type_array)
                return "'tags' must be an array of at most " S_STR (ACCORD_EVENT_TAGS_MAX) " tags";
            accord_json_reader_begin (reader, json_type_array);
            while (!wrong && accord_json_reader_next (reader) == 1) {
                const char *tag = s_read_kept (in, &len);
                wrong = s_tag_wrong (event, event->tag_count, tag, len);
                if (!wrong)
                    event->tags [event->tag_count++] = tag;
            }
        }
        else
        if (bit == S_TIME) {
            int64_t value = 0;
            if (accord_json_reader_peek (reader) != json_type_int)
                wrong = s_time_wrong;
            else
            if (accord_json_reader_int64 (reader, 0, (int64_t) S_EXACT_MAX, &value) == -2)
                wrong = s_time_wrong;
            event->has_time = 1;
            event->time_ms = (uint64_t) value;
        }
        else
        if (bit == S_PAYLOAD) {
            const char *text = NULL;
            if (accord_json_reader_peek (reader) != json_type_string)
                wrong = s_payload_missing;
            else
            if (accord_json_reader_string (reader, &text, &len) == 0) {
                //  Room: 3 bytes per 4 characters, fewer than the text's own bytes
                event->payload = (uint8_t *) in->arena + in->used;
                wrong = len / 4 * 3 + 2 > in->size - in->used ? "out of room"
                      : s_payload_wrong (text, len, event->payload, &event->payload_len);
                if (!wrong)
                    in->used += event->payload_len;
            }
        }
        else {
            const char *text = s_read_kept (in, &len);
            wrong = s_sig_wrong (text, len, event->sig);
            event->has_sig = 1;
        }
        if (wrong)
            return wrong;
    }
    if (more != 0)
        return accord_json_reader_error (reader);
    if (!(seen & S_PUBLISHER))
        return s_publisher_wrong (NULL, 0);
    if (!(seen & S_ID))
        return s_id_wrong (NULL, 0);
    if (!(seen & S_PAYLOAD))
        return s_payload_missing;
    return NULL;
}

static int
s_batch_fail (accord_event_batch_t *self, s_batch_read_t *in, const char *format, ...)
{
    if (accord_json_reader_error (in->reader) [0])
        snprintf (in->err, in->err_size, "arguments must be a JSON object: %s", accord_json_reader_error (in->reader));
    else {
        va_list args;
        va_start (args, format);
        vsnprintf (in->err, in->err_size, format, args);
        va_end (args);
    }
    accord_json_reader_destroy (&in->reader);
    accord_event_batch_reset (self);
    return -2;
}

int
accord_event_batch_decode (accord_event_batch_t *self, const char *text, size_t len, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    static const char *shape = "publish takes 'topic' and 'events' (1 to " S_STR (ACCORD_EVENT_BATCH_MAX) " events)";
    s_batch_read_t in = { accord_json_reader_new (text, len), malloc (len + 1), 0, len + 1, err, err_size };
    self->arena = in.arena;
    if (!in.reader || !in.arena) {
        accord_json_reader_destroy (&in.reader);
        snprintf (err, err_size, "out of memory");
        accord_event_batch_reset (self);
        return -1;
    }
    accord_json_reader_t *reader = in.reader;
    if (accord_json_reader_peek (reader) != json_type_object || accord_json_reader_begin (reader, json_type_object))
        return s_batch_fail (self, &in, "arguments must be a JSON object");
    int more, has_events = 0;
    size_t cap = 0;
    while ((more = accord_json_reader_next (reader)) == 1) {
        const char *key;
        size_t key_len, topic_len;
        if (accord_json_reader_key (reader, &key, &key_len))
            break;
        if (strcmp (key, "topic") == 0 && strlen (key) == key_len && !self->topic) {
            self->topic = s_read_kept (&in, &topic_len);
            char reason [160];
            if (!self->topic || strlen (self->topic) != topic_len
            ||  accord_topic_name_check (self->topic, 1, reason, sizeof reason))
                return s_batch_fail (self, &in, "'topic': %s", self->topic ? reason : "a topic name is a string");
            continue;
        }
        if (strcmp (key, "events") || strlen (key) != key_len || has_events
        ||  accord_json_reader_peek (reader) != json_type_array)
            return s_batch_fail (self, &in, "%s", shape);
        has_events = 1;
        accord_json_reader_begin (reader, json_type_array);
        int item;
        while ((item = accord_json_reader_next (reader)) == 1) {
            if (self->count == ACCORD_EVENT_BATCH_MAX)
                return s_batch_fail (self, &in, "%s", shape);
            if (self->count == cap) {
                cap = cap ? cap * 2 : 64;
                accord_event_t *events = realloc (self->events, cap * sizeof *events);
                if (!events)
                    return s_batch_fail (self, &in, "out of memory");
                self->events = events;
            }
            accord_event_t *event = &self->events [self->count];
            memset (event, 0, sizeof *event);
            const char *wrong = s_read_event (&in, event);
            if (wrong)
                return s_batch_fail (self, &in, "event %zu: %s", self->count, wrong);
            self->count++;
        }
        if (item != 0)
            break;
    }
    if (more != 0 || accord_json_reader_end (reader))
        return s_batch_fail (self, &in, "arguments must be a JSON object");
    if (!self->topic || self->count == 0)
        return s_batch_fail (self, &in, "%s", self->topic ? shape : "'topic': a topic name is required");
    accord_json_reader_destroy (&in.reader);
    return 0;
}

void
accord_event_batch_reset (accord_event_batch_t *self)
{
    free (self->events);
    free (self->arena);
    memset (self, 0, sizeof *self);
}

void
accord_event_reset (accord_event_t *self)
{
    free (self->payload);
    memset (self, 0, sizeof *self);
}

void
accord_event_digest (uint8_t digest [ACCORD_HASH_SIZE], const char *topic, const accord_event_t *event)
{
    accord_buf_t head;
    accord_buf_init (&head);
    accord_buf_bytes (&head, "accord.event.v1", 15);
    accord_buf_str8 (&head, topic);
    accord_buf_str8 (&head, event->publisher);
    accord_buf_str8 (&head, event->id);
    accord_buf_u8 (&head, (uint8_t) event->tag_count);
    for (size_t i = 0; i < event->tag_count; i++)
        accord_buf_str8 (&head, event->tags [i]);
    accord_buf_u8 (&head, event->has_time ? 1 : 0);
    accord_buf_u64 (&head, event->has_time ? event->time_ms : 0);
    accord_buf_u32 (&head, (uint32_t) event->payload_len);
    const void *parts [] = { head.data, event->payload ? (const void *) event->payload : "" };
    const size_t lens [] = { head.len, event->payload_len };
    accord_sha256_parts (digest, 2, parts, lens);
    accord_buf_reset (&head);
}

void
accord_eventbus_auth_digest (uint8_t digest [ACCORD_HASH_SIZE], const char *chain_id, const char *broker,
                             const uint8_t challenge [ACCORD_EVENTBUS_CHALLENGE_SIZE], const char *did)
{
    accord_buf_t text;
    accord_buf_init (&text);
    accord_buf_bytes (&text, "accord.eventbus.auth.v1", 23);
    accord_buf_str8 (&text, chain_id);
    accord_buf_str8 (&text, broker);
    accord_buf_bytes (&text, challenge, ACCORD_EVENTBUS_CHALLENGE_SIZE);
    accord_buf_str8 (&text, did);
    accord_sha256 (digest, text.data, text.len);
    accord_buf_reset (&text);
}

json_object *
accord_event_build (const char *topic, const char *publisher, const char *id,
                    const char *const *tags, size_t tag_count, const uint8_t *payload,
                    size_t payload_len, const uint64_t *time_ms, accord_key_t *key)
{
    if (!topic || !publisher || !s_token_ok (id, ACCORD_EVENT_ID_MAX) || tag_count > ACCORD_EVENT_TAGS_MAX
    ||  payload_len > ACCORD_EVENT_PAYLOAD_MAX || (time_ms && *time_ms > S_EXACT_MAX))
        return NULL;
    accord_event_t event = { .publisher = publisher, .id = id, .tag_count = tag_count,
                             .payload = (uint8_t *) payload, .payload_len = payload_len,
                             .has_time = time_ms != NULL, .time_ms = time_ms ? *time_ms : 0 };
    for (size_t i = 0; i < tag_count; i++)
        event.tags [i] = tags [i];
    json_object *item = json_object_new_object ();
    json_object_object_add (item, "publisher", json_object_new_string (publisher));
    json_object_object_add (item, "id", json_object_new_string (id));
    if (tag_count) {
        json_object *array = json_object_new_array ();
        for (size_t i = 0; i < tag_count; i++)
            json_object_array_add (array, json_object_new_string (tags [i]));
        json_object_object_add (item, "tags", array);
    }
    char *text = accord_base64url_encode (payload ? payload : (const uint8_t *) "", payload_len);
    json_object_object_add (item, "payload", json_object_new_string (text ? text : ""));
    free (text);
    if (time_ms)
        json_object_object_add (item, "time", json_object_new_int64 ((int64_t) *time_ms));
    if (key) {
        uint8_t digest [ACCORD_HASH_SIZE], sig [ACCORD_SIG_SIZE];
        accord_event_digest (digest, topic, &event);
        char *sig_text = accord_key_sign (key, sig, digest) ? NULL : accord_base64url_encode (sig, sizeof sig);
        if (!sig_text) {
            json_object_put (item);
            return NULL;
        }
        json_object_object_add (item, "sig", json_object_new_string (sig_text));
        free (sig_text);
    }
    return item;
}

//  A decimal number without leading zeros (0 itself allowed) up to max; advances *text.
static int
s_number (const char **text, uint64_t max, uint64_t *value)
{
    const char *p = *text;
    uint64_t number = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 20 || number > (max - (uint64_t) (*p - '0')) / 10)
            return -2;
        number = number * 10 + (uint64_t) (*p - '0');
    }
    if (digits == 0 || (digits > 1 && **text == '0'))
        return -2;
    *text = p;
    *value = number;
    return 0;
}

int
accord_event_id_parse (const char *text, uint64_t *height, uint32_t *tx, uint32_t *index)
{
    uint64_t h, t, i;
    if (!text || s_number (&text, S_EXACT_MAX, &h) || *text++ != ':' || s_number (&text, UINT32_MAX, &t)
    ||  *text++ != ':' || s_number (&text, UINT32_MAX, &i) || *text || h == 0)
        return -2;
    *height = h;
    *tx = (uint32_t) t;
    *index = (uint32_t) i;
    return 0;
}

void
accord_event_id_format (char out [ACCORD_EVENT_ID_TEXT_MAX], uint64_t height, uint32_t tx, uint32_t index)
{
    snprintf (out, ACCORD_EVENT_ID_TEXT_MAX, "%" PRIu64 ":%" PRIu32 ":%" PRIu32, height, tx, index);
}
