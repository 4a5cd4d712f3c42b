/*  base64url (RFC 4648 section 5) without padding. The decoder is strict so that every value
    has exactly one text: no padding, no white space, no characters of other alphabets, and the
    unused low bits of the last character must be zero. */
#include "accord/encoding.h"
#include <stdint.h>
#include <stdlib.h>

static const char s_alphabet [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

//  Value + 1 of each character of the url-safe alphabet; 0 for every other byte.
static const unsigned char s_values [256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

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
accord_base64url_decode_into (uint8_t *out, size_t out_size, size_t *out_len, const char *text, size_t text_len)
{
    *out_len = 0;
    if (!text && text_len)
        return -2;
    //  One character left over carries only 6 bits: never a whole byte
    if (text_len % 4 == 1)
        return -2;
    size_t len = text_len / 4 * 3 + (text_len % 4 ? text_len % 4 - 1 : 0);
    if (len > out_size)
        return -1;
    const unsigned char *in = (const unsigned char *) text;
    size_t i = 0;
    uint8_t *p = out;
    for (; i + 4 <= text_len; i += 4) {
        int a = s_values [in [i]] - 1, b = s_values [in [i + 1]] - 1;
        int c = s_values [in [i + 2]] - 1, d = s_values [in [i + 3]] - 1;
        if ((a | b | c | d) < 0)
            return -2;
        uint32_t group = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6 | (uint32_t) d;
        *p++ = (uint8_t) (group >> 16);
        *p++ = (uint8_t) (group >> 8);
        *p++ = (uint8_t) group;
    }
    if (text_len - i == 2) {
        int a = s_values [in [i]] - 1, b = s_values [in [i + 1]] - 1;
        //  the last character's low 4 bits fall outside the byte: they must be zero
        if (a < 0 || b < 0 || (b & 15))
            return -2;
        *p++ = (uint8_t) (a << 2 | b >> 4);
    }
    else
    if (text_len - i == 3) {
        int a = s_values [in [i]] - 1, b = s_values [in [i + 1]] - 1, c = s_values [in [i + 2]] - 1;
        //  ... and here its low 2 bits
        if (a < 0 || b < 0 || c < 0 || (c & 3))
            return -2;
        uint32_t group = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6;
        *p++ = (uint8_t) (group >> 16);
        *p++ = (uint8_t) (group >> 8);
    }
    *out_len = len;
    return 0;
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
    size_t size = text_len / 4 * 3 + 3;
    uint8_t *data = malloc (size + 1);
    if (!data)
        return -1;
    int rc = accord_base64url_decode_into (data, size, out_len, text, text_len);
    if (rc) {
        free (data);
        return rc;
    }
    data [*out_len] = 0;
    *out = data;
    return 0;
}
