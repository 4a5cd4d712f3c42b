/*  W3C Bitstring Status List v1.0: the bitstring, its GZIP + multibase base64url encoding, and
    the JSON of the status list credential's subject and of a credential's status entry.
    GZIP is zlib's (deflateInit2 / inflateInit2 with the gzip wrapper). Decoding inflates into a
    buffer that grows up to ACCORD_STATUSLIST_MAX_BYTES and stops there, so a small encodedList
    cannot make us allocate or work more than that. */
#include "accord/statuslist.h"
#include "accord/encoding.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define S_MAX_INDEX 9007199254740991ULL     //  2^53 - 1: an index every JSON reader keeps exact
#define S_GZIP_MIN  18                      //  10-byte header, empty deflate block, 8-byte trailer

struct _accord_statuslist_t {
    uint8_t *bits;
    size_t bytes;
};

static int s_error (char *err, size_t err_size, int rc, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Writes the reason and returns rc.
static int
s_error (char *err, size_t err_size, int rc, const char *format, ...)
{
    if (err && err_size) {
        va_list args;
        va_start (args, format);
        vsnprintf (err, err_size, format, args);
        va_end (args);
    }
    return rc;
}

int
accord_statuslist_size_ok (uint64_t bits)
{
    return bits % 8 == 0 && bits >= ACCORD_STATUSLIST_MIN_BITS && bits / 8 <= ACCORD_STATUSLIST_MAX_BYTES;
}

accord_statuslist_t *
accord_statuslist_new (size_t bits)
{
    if (bits == 0)
        bits = ACCORD_STATUSLIST_MIN_BITS;
    if (!accord_statuslist_size_ok (bits))
        return NULL;
    accord_statuslist_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bytes = bits / 8;
    self->bits = calloc (self->bytes, 1);
    if (!self->bits) {
        free (self);
        return NULL;
    }
    return self;
}

void
accord_statuslist_destroy (accord_statuslist_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->bits);
    free (*self_p);
    *self_p = NULL;
}

size_t
accord_statuslist_size (const accord_statuslist_t *self)
{
    return self->bytes * 8;
}

const uint8_t *
accord_statuslist_data (const accord_statuslist_t *self)
{
    return self->bits;
}

int
accord_statuslist_bit (const uint8_t *bits, uint64_t index)
{
    return bits [index / 8] >> (7 - index % 8) & 1;
}

void
accord_statuslist_bit_put (uint8_t *bits, uint64_t index, int value)
{
    uint8_t mask = (uint8_t) (0x80 >> (index % 8));
    if (value)
        bits [index / 8] |= mask;
    else
        bits [index / 8] &= (uint8_t) ~mask;
}

int
accord_statuslist_get (const accord_statuslist_t *self, uint64_t index)
{
    if (index / 8 >= self->bytes)
        return -1;
    return accord_statuslist_bit (self->bits, index);
}

int
accord_statuslist_set (accord_statuslist_t *self, uint64_t index, int value)
{
    if (index / 8 >= self->bytes)
        return -1;
    accord_statuslist_bit_put (self->bits, index, value);
    return 0;
}

int
accord_statuslist_load (accord_statuslist_t *self, size_t offset, const uint8_t *data, size_t len)
{
    if (offset > self->bytes || len > self->bytes - offset)
        return -1;
    memcpy (self->bits + offset, data, len);
    return 0;
}

char *
accord_statuslist_encode (const accord_statuslist_t *self)
{
    z_stream z;
    memset (&z, 0, sizeof z);
    //  windowBits 15 + 16: a GZIP header (mtime 0, no name) and trailer around the deflate data
    if (deflateInit2 (&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        != Z_OK)
        return NULL;
    uLong bound = deflateBound (&z, (uLong) self->bytes);
    uint8_t *compressed = malloc (bound);
    char *text = NULL;
    if (compressed) {
        z.next_in = self->bits;
        z.avail_in = (uInt) self->bytes;
        z.next_out = compressed;
        z.avail_out = (uInt) bound;
        if (deflate (&z, Z_FINISH) == Z_STREAM_END) {
            char *b64 = accord_base64url_encode (compressed, z.total_out);
            if (b64) {
                size_t len = strlen (b64);
                text = malloc (len + 2);
                if (text) {
                    text [0] = 'u';
                    memcpy (text + 1, b64, len + 1);
                }
                free (b64);
            }
        }
        free (compressed);
    }
    deflateEnd (&z);
    return text;
}

//  Inflates one whole GZIP member into *out (at most ACCORD_STATUSLIST_MAX_BYTES).
static int
s_gunzip (uint8_t **out, size_t *out_len, const uint8_t *data, size_t len,
          char *err, size_t err_size)
{
    *out = NULL;
    *out_len = 0;
    if (len < S_GZIP_MIN || data [0] != 0x1f || data [1] != 0x8b)
        return s_error (err, err_size, -2, "encodedList is not GZIP data");
    z_stream z;
    memset (&z, 0, sizeof z);
    //  windowBits 15 + 32: zlib detects the wrapper; the magic above already requires GZIP
    if (inflateInit2 (&z, 15 + 32) != Z_OK)
        return s_error (err, err_size, -1, "out of memory");
    z.next_in = (Bytef *) data;
    z.avail_in = (uInt) len;
    size_t size = 16 * 1024;
    uint8_t *buffer = malloc (size);
    int rc = buffer ? 0 : s_error (err, err_size, -1, "out of memory");
    while (rc == 0) {
        if (z.total_out == size) {
            //  Full: grow, but never past the limit (+ 1 byte to see that it is passed)
            if (size > ACCORD_STATUSLIST_MAX_BYTES) {
                rc = s_error (err, err_size, -2, "status list larger than %d bytes once "
                              "decompressed", ACCORD_STATUSLIST_MAX_BYTES);
                break;
            }
            size_t bigger = size * 2 > ACCORD_STATUSLIST_MAX_BYTES
                          ? (size_t) ACCORD_STATUSLIST_MAX_BYTES + 1 : size * 2;
            uint8_t *grown = realloc (buffer, bigger);
            if (!grown) {
                rc = s_error (err, err_size, -1, "out of memory");
                break;
            }
            buffer = grown;
            size = bigger;
        }
        z.next_out = buffer + z.total_out;
        z.avail_out = (uInt) (size - z.total_out);
        int status = inflate (&z, Z_NO_FLUSH);
        if (status == Z_STREAM_END) {
            if (z.avail_in != 0)
                rc = s_error (err, err_size, -2, "encodedList GZIP data is followed by other "
                              "bytes");
            else
            if (z.total_out > ACCORD_STATUSLIST_MAX_BYTES)
                rc = s_error (err, err_size, -2, "status list larger than %d bytes once "
                              "decompressed", ACCORD_STATUSLIST_MAX_BYTES);
            break;
        }
        if (status == Z_MEM_ERROR)
            rc = s_error (err, err_size, -1, "out of memory");
        else
        if (status == Z_BUF_ERROR || (status == Z_OK && z.avail_in == 0 && z.avail_out != 0))
            rc = s_error (err, err_size, -2, "encodedList GZIP data is truncated");
        else
        if (status != Z_OK)
            rc = s_error (err, err_size, -2, "encodedList GZIP data is corrupt: %s",
                          z.msg ? z.msg : "unknown error");
    }
    size_t total = z.total_out;
    inflateEnd (&z);
    if (rc) {
        free (buffer);
        return rc;
    }
    *out = buffer;
    *out_len = total;
    return 0;
}

int
accord_statuslist_decode (accord_statuslist_t **list, const char *text, size_t len,
                          char *err, size_t err_size)
{
    *list = NULL;
    if (err && err_size)
        err [0] = 0;
    if (!text || len == 0 || text [0] != 'u')
        return s_error (err, err_size, -2, "encodedList must start with 'u' (multibase "
                        "base64url)");
    if (len > ACCORD_STATUSLIST_MAX_TEXT)
        return s_error (err, err_size, -2, "encodedList longer than %d characters",
                        ACCORD_STATUSLIST_MAX_TEXT);
    uint8_t *compressed;
    size_t compressed_len;
    int rc = accord_base64url_decode (&compressed, &compressed_len, text + 1, len - 1);
    if (rc == -1)
        return s_error (err, err_size, -1, "out of memory");
    if (rc)
        return s_error (err, err_size, -2, "encodedList is not base64url without padding");
    uint8_t *bits;
    size_t bytes;
    rc = s_gunzip (&bits, &bytes, compressed, compressed_len, err, err_size);
    free (compressed);
    if (rc)
        return rc;
    if (bytes < ACCORD_STATUSLIST_MIN_BITS / 8) {
        free (bits);
        return s_error (err, err_size, -2, "status list of %zu entries is shorter than the "
                        "minimum %d", bytes * 8, ACCORD_STATUSLIST_MIN_BITS);
    }
    accord_statuslist_t *self = calloc (1, sizeof *self);
    if (!self) {
        free (bits);
        return s_error (err, err_size, -1, "out of memory");
    }
    uint8_t *fitted = realloc (bits, bytes);
    self->bits = fitted ? fitted : bits;
    self->bytes = bytes;
    *list = self;
    return 0;
}

int
accord_statuslist_parse_index (const char *text, uint64_t *index)
{
    if (!text || !*text || (text [0] == '0' && text [1]))
        return -2;
    uint64_t value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -2;
        value = value * 10 + (uint64_t) (*p - '0');
        if (value > S_MAX_INDEX)
            return -2;
    }
    *index = value;
    return 0;
}

static int
s_purpose_ok (const char *purpose)
{
    return purpose && (strcmp (purpose, "revocation") == 0 || strcmp (purpose, "suspension") == 0);
}

//  Adds a string member; returns -1 on allocation failure.
static int
s_add_string (json_object *obj, const char *key, const char *value)
{
    json_object *member = json_object_new_string (value);
    if (!member)
        return -1;
    if (json_object_object_add (obj, key, member)) {
        json_object_put (member);
        return -1;
    }
    return 0;
}

json_object *
accord_statuslist_subject (const accord_statuslist_t *self, const char *id, const char *purpose)
{
    if (!self || !s_purpose_ok (purpose))
        return NULL;
    char *encoded = accord_statuslist_encode (self);
    json_object *subject = encoded ? json_object_new_object () : NULL;
    if (subject
    && ((id && s_add_string (subject, "id", id))
    ||  s_add_string (subject, "type", "BitstringStatusList")
    ||  s_add_string (subject, "statusPurpose", purpose)
    ||  s_add_string (subject, "encodedList", encoded))) {
        json_object_put (subject);
        subject = NULL;
    }
    free (encoded);
    return subject;
}

json_object *
accord_statuslist_entry (const char *id, const char *purpose, uint64_t index,
                         const char *list_credential)
{
    if (!s_purpose_ok (purpose) || !list_credential || !*list_credential
    ||  index > S_MAX_INDEX || (id && strcmp (id, list_credential) == 0))
        return NULL;
    char number [24];
    snprintf (number, sizeof number, "%" PRIu64, index);
    json_object *entry = json_object_new_object ();
    if (entry
    && ((id && s_add_string (entry, "id", id))
    ||  s_add_string (entry, "type", "BitstringStatusListEntry")
    ||  s_add_string (entry, "statusPurpose", purpose)
    ||  s_add_string (entry, "statusListIndex", number)
    ||  s_add_string (entry, "statusListCredential", list_credential))) {
        json_object_put (entry);
        entry = NULL;
    }
    return entry;
}
