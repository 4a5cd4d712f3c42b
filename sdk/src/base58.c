/*  base58btc: the Bitcoin alphabet, as multibase 'z' and did:key use it. Each leading zero byte
    is one leading '1'; the rest is the big-endian number in base 58. The conversion is quadratic,
    so both directions are bounded by ACCORD_BASE58_MAX_TEXT characters. */
#include "accord/encoding.h"
#include <stdlib.h>
#include <string.h>

static const char s_alphabet [] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

//  Digit value of one character, or -1 ('0', 'O', 'I', 'l' and everything else).
static int
s_value (unsigned char c)
{
    if (c >= '1' && c <= '9')
        return c - '1';
    if (c >= 'A' && c <= 'H')
        return c - 'A' + 9;
    if (c >= 'J' && c <= 'N')
        return c - 'J' + 17;
    if (c >= 'P' && c <= 'Z')
        return c - 'P' + 22;
    if (c >= 'a' && c <= 'k')
        return c - 'a' + 33;
    if (c >= 'm' && c <= 'z')
        return c - 'm' + 44;
    return -1;
}

char *
accord_base58btc_encode (const uint8_t *data, size_t len)
{
    if (!data && len)
        return NULL;
    //  Every input byte gives at least one character, so longer input could not decode back
    if (len > ACCORD_BASE58_MAX_TEXT)
        return NULL;
    size_t zeros = 0;
    while (zeros < len && data [zeros] == 0)
        zeros++;

    //  log(256) / log(58) < 1.38: digits needed for the number after the zeros
    size_t size = (len - zeros) * 138 / 100 + 1;
    uint8_t *digits = calloc (size, 1);
    if (!digits)
        return NULL;
    size_t used = 0;                    //  digits in use, least significant at the end
    for (size_t i = zeros; i < len; i++) {
        unsigned carry = data [i];
        size_t j = 0;
        for (size_t k = size; k-- > 0 && (carry || j < used); j++) {
            carry += 256u * digits [k];
            digits [k] = (uint8_t) (carry % 58);
            carry /= 58;
        }
        used = j;
    }
    size_t skip = size - used;
    while (skip < size && digits [skip] == 0)
        skip++;

    size_t text_len = zeros + (size - skip);
    if (text_len > ACCORD_BASE58_MAX_TEXT) {
        free (digits);
        return NULL;
    }
    char *text = malloc (text_len + 1);
    if (!text) {
        free (digits);
        return NULL;
    }
    memset (text, '1', zeros);
    for (size_t k = skip, i = zeros; k < size; k++, i++)
        text [i] = s_alphabet [digits [k]];
    text [text_len] = 0;
    free (digits);
    return text;
}

int
accord_base58btc_decode (uint8_t **out, size_t *out_len, const char *text, size_t text_len)
{
    if (!out || !out_len)
        return -1;
    *out = NULL;
    *out_len = 0;
    if (!text && text_len)
        return -2;
    if (text_len > ACCORD_BASE58_MAX_TEXT)
        return -2;
    const unsigned char *in = (const unsigned char *) text;
    for (size_t i = 0; i < text_len; i++)
        if (s_value (in [i]) < 0)
            return -2;
    size_t zeros = 0;
    while (zeros < text_len && in [zeros] == '1')
        zeros++;

    //  log(58) / log(256) < 0.733: bytes needed for the number after the '1's
    size_t size = (text_len - zeros) * 733 / 1000 + 1;
    uint8_t *bytes = calloc (size, 1);
    if (!bytes)
        return -1;
    size_t used = 0;
    for (size_t i = zeros; i < text_len; i++) {
        unsigned carry = (unsigned) s_value (in [i]);
        size_t j = 0;
        for (size_t k = size; k-- > 0 && (carry || j < used); j++) {
            carry += 58u * bytes [k];
            bytes [k] = (uint8_t) carry;
            carry >>= 8;
        }
        used = j;
    }
    size_t skip = size - used;
    while (skip < size && bytes [skip] == 0)
        skip++;

    size_t len = zeros + (size - skip);
    uint8_t *data = malloc (len + 1);
    if (!data) {
        free (bytes);
        return -1;
    }
    memset (data, 0, zeros);
    memcpy (data + zeros, bytes + skip, size - skip);
    data [len] = 0;
    free (bytes);
    *out = data;
    *out_len = len;
    return 0;
}
