/*  identity_request_decode on any body. Input: a command index byte (one of the service's
    commands or an unknown one), then the body frame. The decoder must answer with a code, a
    message on failure, and on success borrow only from the body it kept. */
#include "request.h"
#include "accord/error.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *s_commands [] = { "RESOLVE", "SCHEMA", "ISSUER", "ISSUERS", "CHECK_STATUS",
                                     "VERIFY", "VERIFY_PRESENTATION", "STATUS", "FORGE" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *command = s_commands [data [0] % (sizeof s_commands / sizeof s_commands [0])];
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, data + 1, size - 1);
    identity_request_t request;
    char err [256];
    err [0] = 0;
    int rc = identity_request_decode (&request, command, body, err, sizeof err);
    if (rc < ACCORD_OK || rc >= ACCORD_E__COUNT || (rc != ACCORD_OK && !err [0]))
        abort ();
    if (rc == ACCORD_OK && request.command != IDENTITY_STATUS && !request.body)
        abort ();
    if (rc == ACCORD_OK && request.token && strlen (request.token) != request.token_len)
        abort ();
    identity_request_reset (&request);
    zmsg_destroy (&body);
    return 0;
}
