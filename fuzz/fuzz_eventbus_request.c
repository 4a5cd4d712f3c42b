/*  eventbus_request_decode on any body. Input: a command index byte (one of the broker's
    commands or an unknown one), a frame count byte, then the frames, split evenly. The
    decoder must answer with a known code and, on failure, a reason and nothing kept; on
    success it borrows only from what it kept. */
#include "protocol.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *s_commands [] = { "HELLO", "AUTH", "PING", "STATUS", "TOPIC_INFO", "TOPIC_LIST", "TOPIC_CREATE",
                                     "TOPIC_UPDATE", "PUBLISH", "SUBSCRIBE", "CREDIT", "ACK", "NACK", "UNSUBSCRIBE",
                                     "FORGE" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *command = s_commands [data [0] % (sizeof s_commands / sizeof s_commands [0])];
    size_t frames = data [1] % 4, at = 2, left = size - 2;
    zmsg_t *body = zmsg_new ();
    for (size_t i = 0; i < frames; i++) {
        size_t len = i + 1 == frames ? left : left / frames;
        zmsg_addmem (body, data + at, len);
        at += len;
        left -= len;
    }
    eventbus_request_t request;
    char err [256];
    err [0] = 0;
    int rc = eventbus_request_decode (&request, command, &body, err, sizeof err);
    if (body || rc < ACCORD_OK || rc >= ACCORD_E__COUNT)
        abort ();
    if (rc != ACCORD_OK && (!err [0] || request.json || request.payload || request.tx))
        abort ();
    if (rc == ACCORD_OK) {
        if (request.command == EVENTBUS_PUBLISH
        &&  (!request.payload || !request.topic || !request.id || zframe_size (request.payload) > ACCORD_EVENT_PAYLOAD_MAX))
            abort ();
        for (size_t i = 0; i < request.tag_count; i++)
            if (strlen (request.tags [i]) > ACCORD_EVENT_TAG_MAX)
                abort ();
        for (size_t i = 0; i < request.event_count; i++)
            if (strlen (request.events [i]) >= ACCORD_EVENT_ID_TEXT_MAX)
                abort ();
        if ((request.command == EVENTBUS_TOPIC_CREATE || request.command == EVENTBUS_TOPIC_UPDATE) && !request.tx)
            abort ();
        eventbus_request_reset (&request);
    }
    return 0;
}
