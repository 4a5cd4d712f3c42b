/*  accord_statuslist_decode on any bytes, twice: the input as encodedList text, and the input
    as GZIP bytes ("u" + its base64url) so that the fuzzer reaches inflate directly. A list it
    accepts has a legal size and survives encode then decode unchanged; a refusal is -2 with a
    reason and no list. */
#include "accord/encoding.h"
#include "accord/statuslist.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
s_decode (const char *text, size_t len)
{
    accord_statuslist_t *list = (accord_statuslist_t *) 1;
    char err [256] = "";
    int rc = accord_statuslist_decode (&list, text, len, err, sizeof err);
    if (rc != 0) {
        if (rc != -2 || list || !err [0])
            abort ();
        return;
    }
    size_t bits = accord_statuslist_size (list);
    if (bits % 8 || bits < ACCORD_STATUSLIST_MIN_BITS
    ||  bits > 8 * (size_t) ACCORD_STATUSLIST_MAX_BYTES)
        abort ();
    if (accord_statuslist_get (list, bits) != -1 || accord_statuslist_get (list, bits - 1) < 0)
        abort ();
    char *again = accord_statuslist_encode (list);
    if (!again)
        abort ();
    accord_statuslist_t *back = NULL;
    if (accord_statuslist_decode (&back, again, strlen (again), NULL, 0) != 0
    ||  accord_statuslist_size (back) != bits
    ||  memcmp (accord_statuslist_data (back), accord_statuslist_data (list), bits / 8) != 0)
        abort ();
    accord_statuslist_destroy (&back);
    free (again);
    accord_statuslist_destroy (&list);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_decode ((const char *) data, size);
    char *b64 = accord_base64url_encode (data, size);
    if (!b64)
        abort ();
    size_t len = strlen (b64);
    char *text = malloc (len + 2);
    if (!text)
        abort ();
    text [0] = 'u';
    memcpy (text + 1, b64, len + 1);
    s_decode (text, len + 1);
    free (text);
    free (b64);
    return 0;
}
