/*  accord/error.h: error codes shared by every Accord service, client and tool.
    A code travels on the wire as its name (for example "bad_signature") with a message. */
#ifndef ACCORD_ERROR_H
#define ACCORD_ERROR_H

#include <stddef.h>

typedef enum {
    ACCORD_OK = 0,
    ACCORD_E_MALFORMED,         //  bytes or JSON that do not parse
    ACCORD_E_TOO_LARGE,         //  over a named size limit
    ACCORD_E_VERSION,           //  unknown protocol version
    ACCORD_E_UNKNOWN_COMMAND,   //  RPC command we do not serve
    ACCORD_E_BAD_SIGNATURE,     //  signature does not verify
    ACCORD_E_WRONG_CHAIN,       //  transaction for another chain id
    ACCORD_E_STALE_NONCE,       //  nonce already used (a replay) or below the sender's last
    ACCORD_E_EXPIRED,           //  expiry height already passed
    ACCORD_E_UNKNOWN_MODULE,
    ACCORD_E_UNKNOWN_METHOD,
    ACCORD_E_INVALID_ARGUMENT,  //  arguments a module refuses
    ACCORD_E_POOL_FULL,         //  transaction pool at its limit: retry later
    ACCORD_E_DUPLICATE,         //  already in the pool or on chain
    ACCORD_E_NOT_FOUND,
    ACCORD_E_UNAUTHORIZED,      //  signer may not do this
    ACCORD_E_CONFLICT,          //  state forbids it (exists already, final, ...)
    ACCORD_E_TIMEOUT,
    ACCORD_E_UNAVAILABLE,       //  service not reachable or not ready
    ACCORD_E_INTERNAL,
    ACCORD_E_OVERLOADED,        //  a service at a stated limit (queue, memory): retry later
    ACCORD_E__COUNT
} accord_err_t;

//  Stable lower-case name of a code ("bad_signature"); "unknown" for out-of-range values.
const char *accord_err_name (int code);

//  Code for a name, or ACCORD_E_INTERNAL when the name is unknown.
accord_err_t accord_err_from_name (const char *name);

//  Writes a formatted one-line reason into err (err_size bytes); does nothing when err is NULL
//  or err_size 0. How libaccord's decoders say why they refused their input.
void accord_errorf (char *err, size_t err_size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
