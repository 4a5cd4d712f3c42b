#include "accord/wire.h"
#include "accord/json.h"
#include <stdio.h>
#include <string.h>

static int
s_command_ok (const char *command)
{
    if (!*command)
        return 0;
    for (const char *c = command; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || *c == '_'))
            return 0;
    return 1;
}

int
accord_wire_parse_request (zmsg_t *msg, accord_request_head_t *head, char *err, size_t err_size)
{
    memset (head, 0, sizeof *head);
    size_t frames = zmsg_size (msg);
    if (frames < 3) {
        snprintf (err, err_size, "a request needs version, command and id frames");
        return ACCORD_E_MALFORMED;
    }
    zframe_t *version = zmsg_pop (msg);
    zframe_t *command = zmsg_pop (msg);
    zframe_t *id = zmsg_pop (msg);
    int rc = ACCORD_OK;
    if (zframe_size (id) <= ACCORD_WIRE_ID_MAX) {
        head->id_len = zframe_size (id);
        memcpy (head->id, zframe_data (id), head->id_len);
    }
    else {
        snprintf (err, err_size, "id frame longer than %d bytes", ACCORD_WIRE_ID_MAX);
        rc = ACCORD_E_MALFORMED;
    }
    if (rc == ACCORD_OK && !zframe_streq (version, ACCORD_WIRE_VERSION)) {
        snprintf (err, err_size, "unsupported protocol version (expected %s)", ACCORD_WIRE_VERSION);
        rc = ACCORD_E_VERSION;
    }
    if (rc == ACCORD_OK && (frames > ACCORD_WIRE_MAX_FRAMES
                            || zmsg_content_size (msg) > ACCORD_WIRE_MAX_BYTES)) {
        snprintf (err, err_size, "request over %d frames or %d bytes",
                  ACCORD_WIRE_MAX_FRAMES, ACCORD_WIRE_MAX_BYTES);
        rc = ACCORD_E_TOO_LARGE;
    }
    if (rc == ACCORD_OK) {
        size_t len = zframe_size (command);
        if (len == 0 || len > ACCORD_WIRE_COMMAND_MAX || memchr (zframe_data (command), 0, len)) {
            snprintf (err, err_size, "command frame must be 1 to %d bytes", ACCORD_WIRE_COMMAND_MAX);
            rc = ACCORD_E_MALFORMED;
        }
        else {
            memcpy (head->command, zframe_data (command), len);
            head->command [len] = 0;
            if (!s_command_ok (head->command)) {
                snprintf (err, err_size, "command must be upper-case letters and '_'");
                head->command [0] = 0;
                rc = ACCORD_E_MALFORMED;
            }
        }
    }
    zframe_destroy (&version);
    zframe_destroy (&command);
    zframe_destroy (&id);
    return rc;
}

static zmsg_t *
s_reply_head (const accord_request_head_t *head, const char *status)
{
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, ACCORD_WIRE_VERSION);
    zmsg_addstr (reply, status);
    zmsg_addmem (reply, head->id, head->id_len);
    return reply;
}

zmsg_t *
accord_wire_reply_ok (const accord_request_head_t *head, json_object *json)
{
    zmsg_t *reply = s_reply_head (head, "OK");
    if (json)
        zmsg_addstr (reply, json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN));
    return reply;
}

zmsg_t *
accord_wire_reply_ok_text (const accord_request_head_t *head, const char *text, size_t len)
{
    zmsg_t *reply = s_reply_head (head, "OK");
    zmsg_addmem (reply, text, len);
    return reply;
}

zmsg_t *
accord_wire_reply_err (const accord_request_head_t *head, int code, const char *message)
{
    zmsg_t *reply = s_reply_head (head, "ERR");
    zmsg_addstr (reply, accord_err_name (code));
    zmsg_addstr (reply, message ? message : "");
    return reply;
}

struct _accord_client_t {
    zsock_t *dealer;
    int timeout_ms;
    uint64_t next_id;
    int errcode;
    char errstr [512];
};

accord_client_t *
accord_client_new (const char *endpoint, int timeout_ms)
{
    accord_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer || zsock_connect (self->dealer, "%s", endpoint) != 0) {
        zsock_destroy (&self->dealer);
        free (self);
        return NULL;
    }
    //  A request still queued when the client goes away is of no use to anyone.
    zsock_set_linger (self->dealer, 0);
    self->timeout_ms = timeout_ms;
    self->next_id = (uint64_t) zclock_usecs ();
    return self;
}

void
accord_client_destroy (accord_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy (&(*self_p)->dealer);
    free (*self_p);
    *self_p = NULL;
}

void
accord_client_set_timeout (accord_client_t *self, int timeout_ms)
{
    self->timeout_ms = timeout_ms;
}

static int
s_fail (accord_client_t *self, int code, const char *message)
{
    self->errcode = code;
    snprintf (self->errstr, sizeof self->errstr, "%s", message);
    return code;
}

int
accord_client_call (accord_client_t *self, const char *command, zmsg_t **body_p,
                    zmsg_t **reply_p)
{
    if (reply_p)
        *reply_p = NULL;
    uint64_t id = ++self->next_id;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, ACCORD_WIRE_VERSION);
    zmsg_addstr (msg, command);
    zmsg_addmem (msg, &id, sizeof id);
    if (body_p && *body_p) {
        zframe_t *frame;
        while ((frame = zmsg_pop (*body_p)))
            zmsg_append (msg, &frame);
        zmsg_destroy (body_p);
    }
    if (zmsg_send (&msg, self->dealer) != 0) {
        zmsg_destroy (&msg);
        return s_fail (self, ACCORD_E_UNAVAILABLE, "could not send the request");
    }
    int64_t deadline = zclock_mono () + self->timeout_ms;
    zpoller_t *poller = zpoller_new (self->dealer, NULL);
    int rc = ACCORD_E_TIMEOUT;
    s_fail (self, ACCORD_E_TIMEOUT, "no reply within the timeout (is the service running?)");
    while (1) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0 || !zpoller_wait (poller, (int) left))
            break;
        zmsg_t *reply = zmsg_recv (self->dealer);
        if (!reply)
            break;
        zframe_t *version = zmsg_pop (reply), *status = zmsg_pop (reply), *rid = zmsg_pop (reply);
        int ours = rid && zframe_size (rid) == sizeof id && memcmp (zframe_data (rid), &id, sizeof id) == 0;
        if (ours && (!version || !zframe_streq (version, ACCORD_WIRE_VERSION)))
            rc = s_fail (self, ACCORD_E_VERSION, "reply in an unknown protocol version");
        else if (ours && zframe_streq (status, "OK")) {
            rc = s_fail (self, ACCORD_OK, "");
            if (reply_p) {
                *reply_p = reply;
                reply = NULL;
            }
        }
        else if (ours) {
            char *code = zmsg_popstr (reply);
            char *message = zmsg_popstr (reply);
            rc = s_fail (self, code ? accord_err_from_name (code) : ACCORD_E_MALFORMED,
                         message ? message : "error reply without a message");
            if (rc == ACCORD_OK)
                rc = s_fail (self, ACCORD_E_INTERNAL, message ? message : "");
            zstr_free (&code);
            zstr_free (&message);
        }
        zframe_destroy (&version);
        zframe_destroy (&status);
        zframe_destroy (&rid);
        zmsg_destroy (&reply);
        if (ours)
            break;
    }
    zpoller_destroy (&poller);
    return rc;
}

int
accord_client_call_json (accord_client_t *self, const char *command, json_object *request,
                         json_object **reply)
{
    if (reply)
        *reply = NULL;
    zmsg_t *body = zmsg_new ();
    if (request)
        zmsg_addstr (body, json_object_to_json_string_ext (request, JSON_C_TO_STRING_PLAIN));
    zmsg_t *answer = NULL;
    int rc = accord_client_call (self, command, &body, &answer);
    if (rc != ACCORD_OK)
        return rc;
    zframe_t *frame = zmsg_first (answer);
    if (reply && frame) {
        char err [128];
        *reply = accord_json_parse ((const char *) zframe_data (frame), zframe_size (frame),
                                    err, sizeof err);
        if (!*reply)
            rc = s_fail (self, ACCORD_E_MALFORMED, err);
    }
    zmsg_destroy (&answer);
    return rc;
}

int
accord_client_errcode (accord_client_t *self)
{
    return self->errcode;
}

const char *
accord_client_errstr (accord_client_t *self)
{
    return self->errstr;
}
