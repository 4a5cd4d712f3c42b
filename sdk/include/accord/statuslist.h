/*  accord/statuslist.h: W3C Bitstring Status List v1.0 (revocation and suspension of
    credentials, one bit per credential).

    Bit i is the status of the credential with statusListIndex i; index 0 is the left-most
    (most significant) bit of the first byte. encodedList is "u" (the multibase prefix of
    base64url) followed by base64url without padding of the GZIP (RFC 1952) compression of the
    bitstring. Lists have at least 131,072 bits (16 KiB), the spec's minimum for group privacy.

    encode output is deterministic for a given zlib (mtime 0, default level): an empty 16 KiB
    list encodes to the spec's own example. Compare decoded bits, not encodedList text, across
    machines that may run other zlib versions. */
#ifndef ACCORD_STATUSLIST_H
#define ACCORD_STATUSLIST_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define ACCORD_STATUSLIST_MIN_BITS  131072                  //  the spec's minimum and our default
#define ACCORD_STATUSLIST_MAX_BYTES (2 * 1024 * 1024)       //  decompressed: 16,777,216 entries
//  encodedList text: room for a list that does not compress at all
#define ACCORD_STATUSLIST_MAX_TEXT  (ACCORD_STATUSLIST_MAX_BYTES / 3 * 4 + 1024)

typedef struct _accord_statuslist_t accord_statuslist_t;

//  1 when a list may have `bits` statuses: a multiple of 8 from ACCORD_STATUSLIST_MIN_BITS to
//  8 x ACCORD_STATUSLIST_MAX_BYTES; else 0.
int accord_statuslist_size_ok (uint64_t bits);

//  A list of `bits` statuses, all 0. bits = 0 means the default, ACCORD_STATUSLIST_MIN_BITS;
//  otherwise a size accord_statuslist_size_ok accepts. Returns NULL for another size or on
//  allocation failure.
accord_statuslist_t *accord_statuslist_new (size_t bits);

//  Frees the list and sets *self_p to NULL; safe on NULL and twice.
void accord_statuslist_destroy (accord_statuslist_t **self_p);

//  Number of statuses (bits) in the list.
size_t accord_statuslist_size (const accord_statuslist_t *self);

//  The bitstring, size / 8 bytes, borrowed (lives as long as the list).
const uint8_t *accord_statuslist_data (const accord_statuslist_t *self);

//  Status at index: 1 (set: revoked or suspended) or 0; -1 when index is outside the list
//  (the spec's RANGE_ERROR).
int accord_statuslist_get (const accord_statuslist_t *self, uint64_t index);

//  Sets (value != 0) or clears the status at index. Returns 0, or -1 outside the list.
int accord_statuslist_set (accord_statuslist_t *self, uint64_t index, int value);

//  The bit order on raw bitstring bytes (for lists kept in pieces): the status at index, and
//  setting it; the caller keeps index within the bytes.
int accord_statuslist_bit (const uint8_t *bits, uint64_t index);
void accord_statuslist_bit_put (uint8_t *bits, uint64_t index, int value);

//  Copies len bytes of bitstring into the list from byte offset on (for lists kept in pieces).
//  Returns 0, or -1 when they do not fit.
int accord_statuslist_load (accord_statuslist_t *self, size_t offset, const uint8_t *data, size_t len);

//  encodedList of the list: a new string (caller frees), or NULL on allocation failure.
char *accord_statuslist_encode (const accord_statuslist_t *self);

//  Decodes an encodedList of len bytes into a new list (*list, caller destroys). Refuses a
//  missing 'u' prefix, bad base64url, data that is not one whole GZIP member, a bitstring
//  larger than ACCORD_STATUSLIST_MAX_BYTES (decompression stops there: no zip bombs) or
//  shorter than ACCORD_STATUSLIST_MIN_BITS (the spec's STATUS_LIST_LENGTH_ERROR).
//  Returns 0; -2 when malformed, with a one-line reason in err (may be NULL); -1 on
//  allocation failure.
int accord_statuslist_decode (accord_statuslist_t **list, const char *text, size_t len,
                              char *err, size_t err_size);

//  Reads a statusListIndex: base-10 digits, no sign, no leading zero (except "0"), at most
//  2^53 - 1. Returns 0, or -2 when text is not one.
int accord_statuslist_parse_index (const char *text, uint64_t *index);

//  The credentialSubject of a BitstringStatusListCredential:
//  {"id": id, "type": "BitstringStatusList", "statusPurpose": purpose, "encodedList": ...}
//  id may be NULL (omitted). purpose must be "revocation" or "suspension". Returns a new object
//  (caller puts it), or NULL for another purpose or on allocation failure.
json_object *accord_statuslist_subject (const accord_statuslist_t *self, const char *id,
                                        const char *purpose);

//  A credentialStatus entry:
//  {"id": id, "type": "BitstringStatusListEntry", "statusPurpose": purpose,
//   "statusListIndex": "<index in base 10>", "statusListCredential": list_credential}
//  id may be NULL (omitted) but must not equal list_credential (the spec forbids it);
//  purpose "revocation" or "suspension"; index at most 2^53 - 1. Returns a new object (caller
//  puts it), or NULL when an argument is refused or on allocation failure.
json_object *accord_statuslist_entry (const char *id, const char *purpose, uint64_t index,
                                      const char *list_credential);

#endif
