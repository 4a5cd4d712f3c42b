#include "accord/error.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *s_names [ACCORD_E__COUNT] = {
    [ACCORD_OK]                  = "ok",
    [ACCORD_E_MALFORMED]         = "malformed",
    [ACCORD_E_TOO_LARGE]         = "too_large",
    [ACCORD_E_VERSION]           = "bad_version",
    [ACCORD_E_UNKNOWN_COMMAND]   = "unknown_command",
    [ACCORD_E_BAD_SIGNATURE]     = "bad_signature",
    [ACCORD_E_WRONG_CHAIN]       = "wrong_chain",
    [ACCORD_E_STALE_NONCE]       = "stale_nonce",
    [ACCORD_E_EXPIRED]           = "expired",
    [ACCORD_E_UNKNOWN_MODULE]    = "unknown_module",
    [ACCORD_E_UNKNOWN_METHOD]    = "unknown_method",
    [ACCORD_E_INVALID_ARGUMENT]  = "invalid_argument",
    [ACCORD_E_POOL_FULL]         = "pool_full",
    [ACCORD_E_DUPLICATE]         = "duplicate",
    [ACCORD_E_NOT_FOUND]         = "not_found",
    [ACCORD_E_UNAUTHORIZED]      = "unauthorized",
    [ACCORD_E_CONFLICT]          = "conflict",
    [ACCORD_E_TIMEOUT]           = "timeout",
    [ACCORD_E_UNAVAILABLE]       = "unavailable",
    [ACCORD_E_INTERNAL]          = "internal",
    [ACCORD_E_OVERLOADED]        = "overloaded",
};

const char *
accord_err_name (int code)
{
    if (code < 0 || code >= ACCORD_E__COUNT)
        return "unknown";
    return s_names [code];
}

accord_err_t
accord_err_from_name (const char *name)
{
    for (int code = 0; name && code < ACCORD_E__COUNT; code++)
        if (strcmp (s_names [code], name) == 0)
            return (accord_err_t) code;
    return ACCORD_E_INTERNAL;
}

void
accord_errorf (char *err, size_t err_size, const char *format, ...)
{
    if (!err || !err_size)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (err, err_size, format, args);
    va_end (args);
}
