/*  accord/buf.h: the binary writer and reader every Accord codec is built on. Integers are
    big-endian. A reader never reads past its end: a short or malformed input sets `failed` and
    every later read fails too, so a decoder checks once at the end. */
#ifndef ACCORD_BUF_H
#define ACCORD_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;      //  owned; NULL until the first write
    size_t len;
    size_t cap;
    int failed;         //  an allocation failed; the content is incomplete
} accord_buf_t;

void accord_buf_init (accord_buf_t *self);
//  Frees the content and re-initializes.
void accord_buf_reset (accord_buf_t *self);
//  Hands the content to the caller (who frees it) and re-initializes.
uint8_t *accord_buf_take (accord_buf_t *self, size_t *len);
void accord_buf_bytes (accord_buf_t *self, const void *data, size_t len);
void accord_buf_u8 (accord_buf_t *self, uint8_t value);
void accord_buf_u16 (accord_buf_t *self, uint16_t value);
void accord_buf_u32 (accord_buf_t *self, uint32_t value);
void accord_buf_u64 (accord_buf_t *self, uint64_t value);
//  A string of at most 255 bytes behind a u8 length; longer strings set failed.
void accord_buf_str8 (accord_buf_t *self, const char *text);
//  Bytes behind a u32 length.
void accord_buf_blob (accord_buf_t *self, const void *data, size_t len);

typedef struct {
    const uint8_t *ptr;
    size_t left;
    int failed;
} accord_reader_t;

void accord_reader_init (accord_reader_t *self, const void *data, size_t len);
uint8_t accord_reader_u8 (accord_reader_t *self);
uint16_t accord_reader_u16 (accord_reader_t *self);
uint32_t accord_reader_u32 (accord_reader_t *self);
uint64_t accord_reader_u64 (accord_reader_t *self);
//  Copies len bytes into out; zero-fills out on failure.
void accord_reader_copy (accord_reader_t *self, void *out, size_t len);
//  Borrows len bytes (NULL on failure).
const uint8_t *accord_reader_bytes (accord_reader_t *self, size_t len);
//  A u8-length string into out (NUL-terminated). Fails when longer than out_size - 1, or when
//  it holds a NUL or a byte below 0x20 (names and ids are printable).
void accord_reader_str8 (accord_reader_t *self, char *out, size_t out_size);
//  A u32-length blob, borrowed; fails when longer than max.
const uint8_t *accord_reader_blob (accord_reader_t *self, size_t max, size_t *len);
//  0 when every read succeeded and nothing is left over, else -2.
int accord_reader_done (accord_reader_t *self);

#endif
