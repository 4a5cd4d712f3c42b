/*  accord/encoding.h: hex, base64url (RFC 4648 section 5, no padding) and base58btc.
    Decoders take untrusted text: they return -2 for malformed input and never read past len. */
#ifndef ACCORD_ENCODING_H
#define ACCORD_ENCODING_H

#include <stddef.h>
#include <stdint.h>

//  The characters of names that end up in DIDs and DID URLs (chain ids, record names, topic
//  levels, method fragments): valid in every part of a DID URL without escaping.
#define ACCORD_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

//  Lower-case hex of data into out, NUL-terminated. out_size must be at least 2 * len + 1.
//  Returns 0, or -1 when out is too small.
int accord_hex_encode (char *out, size_t out_size, const uint8_t *data, size_t len);

//  Decodes hex (either case) of exactly text_len characters into out. Writes the byte count to
//  *out_len. Returns 0; -2 if the text is not hex or has odd length; -1 if out is too small.
int accord_hex_decode (uint8_t *out, size_t out_size, size_t *out_len,
                       const char *text, size_t text_len);

//  Decodes hex that must be exactly `len` bytes (2 * len characters, NUL-terminated text).
//  Returns 0, or -2 when it is not.
int accord_hex_decode_exact (uint8_t *out, size_t len, const char *text);

//  base64url without padding. Returns a new string (caller frees) or NULL on allocation failure.
char *accord_base64url_encode (const uint8_t *data, size_t len);

//  Decodes base64url text (padding refused, non-zero trailing bits refused: one encoding per
//  value). On success *out is a new buffer (caller frees; NUL-terminated for convenience, the
//  terminator not counted in *out_len). Returns 0, -2 malformed, -1 allocation failure.
int accord_base64url_decode (uint8_t **out, size_t *out_len, const char *text, size_t text_len);
//  The same into out (out_size bytes; 3 per 4 characters are enough): 0, -2 malformed, -1 when
//  out is too small.
int accord_base64url_decode_into (uint8_t *out, size_t out_size, size_t *out_len, const char *text,
                                  size_t text_len);

//  base58btc (Bitcoin alphabet; each leading zero byte becomes '1'). New string, caller frees;
//  NULL when the text would be longer than ACCORD_BASE58_MAX_TEXT (the decoder would refuse it).
char *accord_base58btc_encode (const uint8_t *data, size_t len);

//  Decodes base58btc. *out is a new buffer (caller frees). Returns 0, -2 malformed, -1 alloc.
//  Refuses text longer than ACCORD_BASE58_MAX_TEXT characters.
#define ACCORD_BASE58_MAX_TEXT 512
int accord_base58btc_decode (uint8_t **out, size_t *out_len, const char *text, size_t text_len);

#endif
