#include "accord/event.h"
#include "accord/buf.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_EXACT_MAX   (((uint64_t) 1 << 53) - 1)

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

//  1..max bytes of 0x21..0x7e.
static int
s_token_ok (const char *text, size_t max)
{
    size_t len = text ? strlen (text) : 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) text [i] < 0x21 || (unsigned char) text [i] > 0x7e)
            return 0;
    return len > 0 && len <= max;
}

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
    self->publisher = accord_json_get_string (item, "publisher");
    self->id = accord_json_get_string (item, "id");
    if (!self->publisher || strncmp (self->publisher, "did:accord:", 11) || strlen (self->publisher) >= 160)
        return s_fail (self, err, err_size, "'publisher' must be a did:accord DID");
    if (!s_token_ok (self->id, ACCORD_EVENT_ID_MAX)) {
        char message [96];
        snprintf (message, sizeof message, "'id' must be 1 to %d printable ASCII bytes", ACCORD_EVENT_ID_MAX);
        return s_fail (self, err, err_size, message);
    }
    json_object *tags = NULL;
    if (json_object_object_get_ex (item, "tags", &tags)) {
        if (!json_object_is_type (tags, json_type_array) || json_object_array_length (tags) > ACCORD_EVENT_TAGS_MAX)
            return s_fail (self, err, err_size, "'tags' must be an array of at most 16 tags");
        for (size_t i = 0; i < json_object_array_length (tags); i++) {
            json_object *tag = json_object_array_get_idx (tags, i);
            const char *text = json_object_is_type (tag, json_type_string) ? json_object_get_string (tag) : NULL;
            if (!s_token_ok (text, ACCORD_EVENT_TAG_MAX))
                return s_fail (self, err, err_size, "a tag is 1 to 64 printable ASCII bytes");
            for (size_t j = 0; j < i; j++)
                if (strcmp (self->tags [j], text) == 0)
                    return s_fail (self, err, err_size, "'tags' repeats a tag");
            self->tags [self->tag_count++] = text;
        }
    }
    json_object *time = NULL;
    if (json_object_object_get_ex (item, "time", &time)) {
        int64_t value;
        if (accord_json_get_int64 (item, "time", 0, (int64_t) S_EXACT_MAX, &value))
            return s_fail (self, err, err_size, "'time' must be an integer: ms since the epoch");
        self->has_time = 1;
        self->time_ms = (uint64_t) value;
    }
    json_object *payload = NULL;
    if (!json_object_object_get_ex (item, "payload", &payload) || !json_object_is_type (payload, json_type_string))
        return s_fail (self, err, err_size, "'payload' (base64url) is required");
    size_t text_len = (size_t) json_object_get_string_len (payload);
    //  Checked before decoding: 4 characters per 3 bytes, without padding.
    if (text_len > (ACCORD_EVENT_PAYLOAD_MAX / 3) * 4 + 2)
        return s_fail (self, err, err_size, "'payload' is over 1 MiB");
    if (text_len && accord_base64url_decode (&self->payload, &self->payload_len, json_object_get_string (payload), text_len))
        return s_fail (self, err, err_size, "'payload' is not base64url (no padding)");
    if (self->payload_len > ACCORD_EVENT_PAYLOAD_MAX)
        return s_fail (self, err, err_size, "'payload' is over 1 MiB");
    const char *sig = NULL;
    if (json_object_object_get_ex (item, "sig", NULL)) {
        sig = accord_json_get_string (item, "sig");
        uint8_t *bytes = NULL;
        size_t len = 0;
        if (!sig || accord_base64url_decode (&bytes, &len, sig, strlen (sig)) || len != ACCORD_SIG_SIZE) {
            free (bytes);
            return s_fail (self, err, err_size, "'sig' must be base64url of a 64-byte ES256K signature");
        }
        memcpy (self->sig, bytes, ACCORD_SIG_SIZE);
        free (bytes);
        self->has_sig = 1;
    }
    json_object_object_foreach (item, key, value) {
        (void) value;
        if (strcmp (key, "publisher") && strcmp (key, "id") && strcmp (key, "tags") && strcmp (key, "payload")
        &&  strcmp (key, "time") && strcmp (key, "sig"))
            return s_fail (self, err, err_size, "an event has only publisher, id, tags, payload, time and sig");
    }
    return 0;
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
