/*  base64url both ways: text that decodes must encode back to the same text (the strict
    decoder allows one text per value), and any bytes must survive encode then decode. */
#include "accord/encoding.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t *decoded = NULL;
    size_t decoded_len = 0;
    int rc = accord_base64url_decode (&decoded, &decoded_len, (const char *) data, size);
    if (rc == 0) {
        char *text = accord_base64url_encode (decoded, decoded_len);
        if (!text || strlen (text) != size || memcmp (text, data, size) != 0)
            abort ();
        free (text);
        free (decoded);
    }
    else
    if (rc != -2 || decoded)
        abort ();

    char *text = accord_base64url_encode (data, size);
    if (!text)
        abort ();
    if (accord_base64url_decode (&decoded, &decoded_len, text, strlen (text)) != 0
    ||  decoded_len != size || (size && memcmp (decoded, data, size) != 0))
        abort ();
    free (decoded);
    free (text);
    return 0;
}
