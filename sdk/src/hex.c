/*  Hex encoding: lower case out, either case in. */
#include "accord/encoding.h"
#include <string.h>

int
accord_hex_encode (char *out, size_t out_size, const uint8_t *data, size_t len)
{
    static const char digits [] = "0123456789abcdef";
    if (out_size < 2 * len + 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        out [2 * i] = digits [data [i] >> 4];
        out [2 * i + 1] = digits [data [i] & 15];
    }
    out [2 * len] = 0;
    return 0;
}

static int
s_nibble (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
accord_hex_decode (uint8_t *out, size_t out_size, size_t *out_len,
                   const char *text, size_t text_len)
{
    if (text_len % 2)
        return -2;
    if (out_size < text_len / 2)
        return -1;
    for (size_t i = 0; i < text_len / 2; i++) {
        int high = s_nibble (text [2 * i]);
        int low = s_nibble (text [2 * i + 1]);
        if (high < 0 || low < 0)
            return -2;
        out [i] = (uint8_t) (high << 4 | low);
    }
    if (out_len)
        *out_len = text_len / 2;
    return 0;
}

int
accord_hex_decode_exact (uint8_t *out, size_t len, const char *text)
{
    if (!text || strlen (text) != 2 * len)
        return -2;
    return accord_hex_decode (out, len, NULL, text, 2 * len) == 0 ? 0 : -2;
}
