#include "accord/buf.h"
#include <stdlib.h>
#include <string.h>

void
accord_buf_init (accord_buf_t *self)
{
    memset (self, 0, sizeof *self);
}

void
accord_buf_reset (accord_buf_t *self)
{
    free (self->data);
    accord_buf_init (self);
}

uint8_t *
accord_buf_take (accord_buf_t *self, size_t *len)
{
    uint8_t *data = self->data;
    if (len)
        *len = self->len;
    accord_buf_init (self);
    return data;
}

static int
s_reserve (accord_buf_t *self, size_t more)
{
    if (self->failed)
        return -1;
    if (self->len + more <= self->cap)
        return 0;
    size_t cap = self->cap ? self->cap : 256;
    while (cap < self->len + more)
        cap *= 2;
    uint8_t *data = realloc (self->data, cap);
    if (!data) {
        self->failed = 1;
        return -1;
    }
    self->data = data;
    self->cap = cap;
    return 0;
}

void
accord_buf_bytes (accord_buf_t *self, const void *data, size_t len)
{
    if (len == 0 || s_reserve (self, len))
        return;
    memcpy (self->data + self->len, data, len);
    self->len += len;
}

static void
s_put_be (accord_buf_t *self, uint64_t value, int bytes)
{
    uint8_t out [8];
    for (int i = 0; i < bytes; i++)
        out [i] = (uint8_t) (value >> (8 * (bytes - 1 - i)));
    accord_buf_bytes (self, out, (size_t) bytes);
}

void accord_buf_u8 (accord_buf_t *self, uint8_t value) { s_put_be (self, value, 1); }
void accord_buf_u16 (accord_buf_t *self, uint16_t value) { s_put_be (self, value, 2); }
void accord_buf_u32 (accord_buf_t *self, uint32_t value) { s_put_be (self, value, 4); }
void accord_buf_u64 (accord_buf_t *self, uint64_t value) { s_put_be (self, value, 8); }

void
accord_buf_str8 (accord_buf_t *self, const char *text)
{
    size_t len = strlen (text);
    if (len > 255) {
        self->failed = 1;
        return;
    }
    accord_buf_u8 (self, (uint8_t) len);
    accord_buf_bytes (self, text, len);
}

void
accord_buf_blob (accord_buf_t *self, const void *data, size_t len)
{
    if (len > UINT32_MAX) {
        self->failed = 1;
        return;
    }
    accord_buf_u32 (self, (uint32_t) len);
    accord_buf_bytes (self, data, len);
}

void
accord_reader_init (accord_reader_t *self, const void *data, size_t len)
{
    self->ptr = data;
    self->left = data ? len : 0;
    self->failed = 0;
}

const uint8_t *
accord_reader_bytes (accord_reader_t *self, size_t len)
{
    if (self->failed || len > self->left) {
        self->failed = 1;
        return NULL;
    }
    const uint8_t *start = self->ptr;
    self->ptr += len;
    self->left -= len;
    return start;
}

static uint64_t
s_get_be (accord_reader_t *self, int bytes)
{
    const uint8_t *in = accord_reader_bytes (self, (size_t) bytes);
    uint64_t value = 0;
    for (int i = 0; in && i < bytes; i++)
        value = value << 8 | in [i];
    return value;
}

uint8_t accord_reader_u8 (accord_reader_t *self) { return (uint8_t) s_get_be (self, 1); }
uint16_t accord_reader_u16 (accord_reader_t *self) { return (uint16_t) s_get_be (self, 2); }
uint32_t accord_reader_u32 (accord_reader_t *self) { return (uint32_t) s_get_be (self, 4); }
uint64_t accord_reader_u64 (accord_reader_t *self) { return s_get_be (self, 8); }

void
accord_reader_copy (accord_reader_t *self, void *out, size_t len)
{
    const uint8_t *in = accord_reader_bytes (self, len);
    if (in)
        memcpy (out, in, len);
    else
        memset (out, 0, len);
}

void
accord_reader_str8 (accord_reader_t *self, char *out, size_t out_size)
{
    size_t len = accord_reader_u8 (self);
    out [0] = 0;
    if (len + 1 > out_size) {
        self->failed = 1;
        return;
    }
    const uint8_t *in = accord_reader_bytes (self, len);
    if (!in)
        return;
    for (size_t i = 0; i < len; i++)
        if (in [i] < 0x20) {
            self->failed = 1;
            return;
        }
    memcpy (out, in, len);
    out [len] = 0;
}

const uint8_t *
accord_reader_blob (accord_reader_t *self, size_t max, size_t *len)
{
    size_t size = accord_reader_u32 (self);
    *len = 0;
    if (size > max) {
        self->failed = 1;
        return NULL;
    }
    const uint8_t *in = accord_reader_bytes (self, size);
    if (in)
        *len = size;
    return in;
}

int
accord_reader_done (accord_reader_t *self)
{
    return self->failed || self->left ? -2 : 0;
}
