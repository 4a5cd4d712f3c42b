/*  accord_wire_parse_request on any frames. Input: a sequence of (u8 length, length bytes)
    frames; a last length longer than what is left takes the rest. The parser must answer with
    a code, leave the body frames to the caller, and never set an id longer than the limit or a
    command outside [A-Z_]. Replies built from the head must hold the id. */
#include "accord/wire.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    if (!msg)
        abort ();
    size_t pos = 0, frames = 0;
    while (pos < size) {
        size_t len = data [pos++];
        if (len > size - pos)
            len = size - pos;
        zmsg_addmem (msg, data + pos, len);
        pos += len;
        frames++;
    }
    accord_request_head_t head;
    char err [160];
    err [0] = 0;
    int rc = accord_wire_parse_request (msg, &head, err, sizeof err);
    if (rc < ACCORD_OK || rc >= ACCORD_E__COUNT || head.id_len > ACCORD_WIRE_ID_MAX)
        abort ();
    if (rc != ACCORD_OK && !err [0])
        abort ();
    if (rc == ACCORD_OK) {
        size_t len = strlen (head.command);
        if (len == 0 || len > ACCORD_WIRE_COMMAND_MAX || frames < 3 || zmsg_size (msg) != frames - 3)
            abort ();
        for (size_t i = 0; i < len; i++)
            if (!((head.command [i] >= 'A' && head.command [i] <= 'Z') || head.command [i] == '_'))
                abort ();
    }
    zmsg_t *reply = rc == ACCORD_OK ? accord_wire_reply_ok (&head, NULL)
                                    : accord_wire_reply_err (&head, rc, err);
    zmsg_first (reply);
    zmsg_next (reply);
    zframe_t *id = zmsg_next (reply);
    if (!id || zframe_size (id) != head.id_len || memcmp (zframe_data (id), head.id, head.id_len) != 0)
        abort ();
    zmsg_destroy (&reply);
    zmsg_destroy (&msg);
    return 0;
}
