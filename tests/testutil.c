#include "testutil.h"
#include "accord/encoding.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

char *
tu_tmpdir (void)
{
    const char *base = getenv ("TMPDIR");
    char template [PATH_MAX];
    snprintf (template, sizeof template, "%s/accord-test-XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp (template);
    ck_assert_msg (dir != NULL, "mkdtemp: %s", strerror (errno));
    return strdup (dir);
}

void
tu_rmtree (const char *path)
{
    if (!path || !*path || strcmp (path, "/") == 0)
        return;
    char command [PATH_MAX + 32];
    snprintf (command, sizeof command, "rm -rf '%s'", path);
    if (system (command) != 0)
        fprintf (stderr, "warning: could not remove %s\n", path);
}

char *
tu_bin (const char *name)
{
    const char *dir = getenv ("ACCORD_BIN");
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir && *dir ? dir : "build/bin", name);
    return strdup (path);
}

uint8_t *
tu_unhex (const char *hex, size_t *len)
{
    size_t text_len = strlen (hex);
    uint8_t *out = malloc (text_len / 2 + 1);
    ck_assert_ptr_nonnull (out);
    ck_assert_int_eq (accord_hex_decode (out, text_len / 2 + 1, len, hex, text_len), 0);
    return out;
}

int64_t
tu_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
tu_jwt_tamper (const char *token, const char *from, const char *to)
{
    const char *dot1 = strchr (token, '.'), *dot2 = strchr (dot1 + 1, '.');
    uint8_t *payload = NULL;
    size_t len = 0;
    ck_assert_int_eq (accord_base64url_decode (&payload, &len, dot1 + 1, (size_t) (dot2 - dot1 - 1)), 0);
    char *text = strndup ((const char *) payload, len);
    char *at = strstr (text, from);
    ck_assert_ptr_nonnull (at);
    memcpy (at, to, strlen (to));
    char *encoded = accord_base64url_encode ((const uint8_t *) text, len);
    char *out = malloc (strlen (token) + strlen (encoded) + 1);
    sprintf (out, "%.*s.%s%s", (int) (dot1 - token), token, encoded, dot2);
    free (encoded);
    free (text);
    free (payload);
    return out;
}

int
tu_free_ports (int count)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        //  Below the kernel's ephemeral range (32768 and up on Linux), where another process's
        //  outgoing connection could take a port between this check and the bind.
        int base = 20000 + (int) ((getpid () * 7919 + attempt * 397 + tu_now_ms ()) % (12500 - count));
        int ok = 1;
        for (int port = base; ok && port < base + count; port++) {
            int fd = socket (AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                                        .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
            ok = fd >= 0 && bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
            if (fd >= 0)
                close (fd);
        }
        if (ok)
            return base;
    }
    ck_abort_msg ("no %d free loopback ports", count);
    return 0;
}
