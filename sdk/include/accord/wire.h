/*  accord/wire.h: the request/reply protocol every Accord service speaks over ZeroMQ, and its
    client.

    Grammar (each item one ZeroMQ frame):
        request = version command id *body
        reply   = version status id *body
        version = "ACC1"
        command = 1..32 upper-case letters and '_'      (SUBMIT, STATUS, ...)
        id      = 0..32 bytes chosen by the client, echoed in the reply
        status  = "OK" / "ERR"
        body    = for OK: one JSON text (or what the command documents);
                  for ERR: code message, where code is an error name (accord/error.h)
    A request of more than ACCORD_WIRE_MAX_FRAMES frames or ACCORD_WIRE_MAX_BYTES bytes, or one
    that breaks the grammar, gets an ERR reply (malformed, too_large, bad_version or
    unknown_command) when it has an id frame to answer to, and is dropped otherwise. */
#ifndef ACCORD_WIRE_H
#define ACCORD_WIRE_H

#include <czmq.h>
#include <json-c/json.h>
#include "error.h"

#define ACCORD_WIRE_VERSION    "ACC1"
#define ACCORD_WIRE_MAX_FRAMES 10003
#define ACCORD_WIRE_MAX_BYTES  (32 * 1024 * 1024)
#define ACCORD_WIRE_ID_MAX     32
#define ACCORD_WIRE_COMMAND_MAX 32

typedef struct {
    char command [ACCORD_WIRE_COMMAND_MAX + 1];
    uint8_t id [ACCORD_WIRE_ID_MAX];
    size_t id_len;
} accord_request_head_t;

//  Takes the version, command and id frames off the front of msg (after any routing frames the
//  caller removed) and fills head. Returns ACCORD_OK or an error code with a message in err.
//  On ACCORD_E_VERSION/UNKNOWN_COMMAND/MALFORMED/TOO_LARGE, head->id is still set when the id
//  frame was readable (id_len may be 0), so the caller can answer.
int accord_wire_parse_request (zmsg_t *msg, accord_request_head_t *head, char *err, size_t err_size);

//  A reply to head: OK with one JSON body (json may be NULL for no body; borrowed).
zmsg_t *accord_wire_reply_ok (const accord_request_head_t *head, json_object *json);
//  The same with a body already serialized (len bytes of JSON text, copied).
zmsg_t *accord_wire_reply_ok_text (const accord_request_head_t *head, const char *text, size_t len);
//  An ERR reply with code and message.
zmsg_t *accord_wire_reply_err (const accord_request_head_t *head, int code, const char *message);

//  The client: a DEALER connected to one service endpoint; calls wait at most timeout_ms.
//  Like a hiredis context it carries the last error: accord_client_errcode / _errstr.
typedef struct _accord_client_t accord_client_t;

accord_client_t *accord_client_new (const char *endpoint, int timeout_ms);
void accord_client_destroy (accord_client_t **self_p);
void accord_client_set_timeout (accord_client_t *self, int timeout_ms);

//  Sends command with the body frames of *body_p (taken over; may be NULL) and waits for the
//  reply with the same id. On OK returns ACCORD_OK and the reply body frames in *reply_p
//  (caller destroys; may be NULL when not wanted). Otherwise returns the error code.
int accord_client_call (accord_client_t *self, const char *command, zmsg_t **body_p,
                        zmsg_t **reply_p);

//  Same with a JSON request (borrowed; NULL sends no body) and a JSON reply (caller puts).
int accord_client_call_json (accord_client_t *self, const char *command, json_object *request,
                             json_object **reply);

int accord_client_errcode (accord_client_t *self);
const char *accord_client_errstr (accord_client_t *self);

#endif
