/*  base64url (RFC 4648 section 5) without padding. The decoder is strict so that every value
    has exactly one text: no padding, no white space, no characters of other alphabets, and the
    unused low bits of the last character must be zero. */
#include "accord/encoding.h"
#include <stdint.h>
#include <stdlib.h>

static const char s_alphabet [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

//  Value of one character, or -1 when it is not in the url-safe alphabet.
static int
s_value (unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

char *
accord_base64url_encode (const uint8_t *data, size_t len)
{
    if (!data && len)
        return NULL;
    //  4 characters per 3 bytes, a partial group gives 2 or 3; refuse sizes that would overflow
    if (len / 3 >= (SIZE_MAX - 4) / 4)
        return NULL;
    size_t text_len = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
    char *text = malloc (text_len + 1);
    if (!text)
        return NULL;
    char *out = text;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t group = (uint32_t) data [i] << 16 | (uint32_t) data [i + 1] << 8 | data [i + 2];
        *out++ = s_alphabet [group >> 18 & 63];
        *out++ = s_alphabet [group >> 12 & 63];
        *out++ = s_alphabet [group >> 6 & 63];
        *out++ = s_alphabet [group & 63];
    }
    if (len - i == 1) {
        uint32_t group = (uint32_t) data [i] << 16;
        *out++ = s_alphabet [group >> 18 & 63];
        *out++ = s_alphabet [group >> 12 & 63];
    }
    else
    if (len - i == 2) {
        uint32_t group = (uint32_t) data [i] << 16 | (uint32_t) data [i + 1] << 8;
        *out++ = s_alphabet [group >> 18 & 63];
        *out++ = s_alphabet [group >> 12 & 63];
        *out++ = s_alphabet [group >> 6 & 63];
    }
    *out = 0;
    return text;
}

int
accord_base64url_decode (uint8_t **out, size_t *out_len, const char *text, size_t text_len)
{
    if (!out || !out_len)
        return -1;
    *out = NULL;
    *out_len = 0;
    if (!text && text_len)
        return -2;
    //  One character left over carries only 6 bits: never a whole byte
    if (text_len % 4 == 1)
        return -2;
    size_t len = text_len / 4 * 3 + (text_len % 4 ? text_len % 4 - 1 : 0);
    uint8_t *data = malloc (len + 1);
    if (!data)
        return -1;

    const unsigned char *in = (const unsigned char *) text;
    size_t i = 0;
    uint8_t *p = data;
    for (; i + 4 <= text_len; i += 4) {
        int a = s_value (in [i]), b = s_value (in [i + 1]);
        int c = s_value (in [i + 2]), d = s_value (in [i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0)
            goto malformed;
        uint32_t group = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6 | (uint32_t) d;
        *p++ = (uint8_t) (group >> 16);
        *p++ = (uint8_t) (group >> 8);
        *p++ = (uint8_t) group;
    }
    if (text_len - i == 2) {
        int a = s_value (in [i]), b = s_value (in [i + 1]);
        //  the last character's low 4 bits fall outside the byte: they must be zero
        if (a < 0 || b < 0 || (b & 15))
            goto malformed;
        *p++ = (uint8_t) (a << 2 | b >> 4);
    }
    else
    if (text_len - i == 3) {
        int a = s_value (in [i]), b = s_value (in [i + 1]), c = s_value (in [i + 2]);
        //  ... and here its low 2 bits
        if (a < 0 || b < 0 || c < 0 || (c & 3))
            goto malformed;
        uint32_t group = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6;
        *p++ = (uint8_t) (group >> 16);
        *p++ = (uint8_t) (group >> 8);
    }
    *p = 0;
    *out = data;
    *out_len = len;
    return 0;

malformed:
    free (data);
    return -2;
}
