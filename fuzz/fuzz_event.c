/*  The event bus's decoders (accord/event.h) on any bytes: input "topic\nid\nevent JSON". A
    topic name and an event id are accepted or refused, never more; an event that parses
    has fields within their limits and gives a digest. The id line is also read as a
    subscription filter and matched against the topic: a topic name is a filter that matches
    itself, and "#" matches every topic that is not a system topic. The event JSON is also
    read as the one event of a batch, from text (accord_event_batch_decode): it must be
    accepted exactly when the tree's parse accepts it, with the same fields. */
#include "accord/event.h"
#include "accord/json.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char text [4097];
    if (size >= sizeof text)
        return 0;
    memcpy (text, data, size);
    text [size] = 0;
    char *id = strchr (text, '\n');
    char *json = id ? strchr (id + 1, '\n') : NULL;
    if (!json)
        return 0;
    *id++ = 0;
    *json++ = 0;
    char err [160];
    int system = accord_topic_name_check (text, 1, err, sizeof err) == 0;
    if (accord_topic_name_check (text, 0, err, sizeof err) == 0 && (!system || text [0] == '$'))
        abort ();
    if (system) {
        if (accord_topic_filter_check (text, err, sizeof err) || !accord_topic_filter_match (text, text)
        ||  accord_topic_filter_match ("#", text) != (text [0] != '$'))
            abort ();
        if (accord_topic_filter_check (id, err, sizeof err) == 0)
            accord_topic_filter_match (id, text);
    }
    uint64_t height;
    uint32_t tx, index;
    if (accord_event_id_parse (id, &height, &tx, &index) == 0) {
        char again [ACCORD_EVENT_ID_TEXT_MAX];
        accord_event_id_format (again, height, tx, index);
        if (strcmp (again, id))
            abort ();
    }
    json_object *item = accord_json_parse (json, strlen (json), NULL, 0);
    accord_event_t event;
    int parsed = item && accord_event_parse (&event, item, err, sizeof err) == 0;
    char batch_text [4200];
    snprintf (batch_text, sizeof batch_text, "{\"topic\":\"t\",\"events\":[%s]}", json);
    accord_event_batch_t batch;
    int decoded = accord_event_batch_decode (&batch, batch_text, strlen (batch_text), err, sizeof err) == 0;
    if (decoded != parsed)
        abort ();
    if (parsed) {
        uint8_t digest [ACCORD_HASH_SIZE], again [ACCORD_HASH_SIZE];
        if (event.tag_count > ACCORD_EVENT_TAGS_MAX || event.payload_len > ACCORD_EVENT_PAYLOAD_MAX
        ||  strlen (event.id) > ACCORD_EVENT_ID_MAX || batch.count != 1)
            abort ();
        accord_event_digest (digest, "t", &event);
        accord_event_digest (again, "t", &batch.events [0]);
        if (memcmp (digest, again, sizeof digest) || event.has_sig != batch.events [0].has_sig
        ||  (event.has_sig && memcmp (event.sig, batch.events [0].sig, sizeof event.sig)))
            abort ();
        accord_event_reset (&event);
    }
    accord_event_batch_reset (&batch);
    json_object_put (item);
    return 0;
}
