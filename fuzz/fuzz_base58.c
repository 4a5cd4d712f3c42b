/*  base58btc both ways: text that decodes must encode back to the same text, and bytes the
    encoder takes must decode back to themselves. */
#include "accord/encoding.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  Bytes that always fit in ACCORD_BASE58_MAX_TEXT digits: 374 * log(256) / log(58) < 511
#define MAX_SURE_BYTES 374

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t *decoded = NULL;
    size_t decoded_len = 0;
    int rc = accord_base58btc_decode (&decoded, &decoded_len, (const char *) data, size);
    if (rc == 0) {
        char *text = accord_base58btc_encode (decoded, decoded_len);
        if (!text || strlen (text) != size || memcmp (text, data, size) != 0)
            abort ();
        free (text);
        free (decoded);
    }
    else
    if (rc != -2 || decoded)
        abort ();

    char *text = accord_base58btc_encode (data, size);
    if (!text) {
        if (size <= MAX_SURE_BYTES)
            abort ();
        return 0;
    }
    if (accord_base58btc_decode (&decoded, &decoded_len, text, strlen (text)) != 0
    ||  decoded_len != size || (size && memcmp (decoded, data, size) != 0))
        abort ();
    free (decoded);
    free (text);
    return 0;
}
