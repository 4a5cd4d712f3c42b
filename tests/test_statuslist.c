/*  Bitstring Status List v1.0. Vectors: the encodedList of the W3C Recommendation
    (2025-05-15, Examples 3 and 5: an empty list of 131,072 entries), its credentialStatus entry
    (Example 4) and credentialSubject (Example 5); and a list with bits 0, 2, 9, 94567 and
    131071 set, encoded by another implementation (CPython 3.11 gzip.compress (mtime=0), level
    9, base64.urlsafe_b64encode) to check decoding and the bit order independently of our
    encoder. */
#include "testutil.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/statuslist.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *s_spec_list =
    "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
static const char *s_python_list =
    "uH4sIAAAAAAACA-3QAREAAAQEMN9MVFHl4LYImy4AAAAAAAAAAAAAAJ6JAgAAAIBrsobU7QgAQAAA";

//  GZIP of bytes (zlib, mtime 0) as an encodedList: "u" + base64url.
static char *
s_encode_bytes (const uint8_t *data, size_t len, int level)
{
    z_stream z;
    memset (&z, 0, sizeof z);
    ck_assert_int_eq (deflateInit2 (&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong bound = deflateBound (&z, (uLong) len);
    uint8_t *out = malloc (bound);
    z.next_in = (Bytef *) data;
    z.avail_in = (uInt) len;
    z.next_out = out;
    z.avail_out = (uInt) bound;
    ck_assert_int_eq (deflate (&z, Z_FINISH), Z_STREAM_END);
    char *b64 = accord_base64url_encode (out, z.total_out);
    deflateEnd (&z);
    free (out);
    char *text = malloc (strlen (b64) + 2);
    sprintf (text, "u%s", b64);
    free (b64);
    return text;
}

//  "u" + base64url of raw bytes
static char *
s_wrap (const uint8_t *data, size_t len)
{
    char *b64 = accord_base64url_encode (data, len);
    char *text = malloc (strlen (b64) + 2);
    sprintf (text, "u%s", b64);
    free (b64);
    return text;
}

static uint8_t *
s_unwrap (const char *text, size_t *len)
{
    uint8_t *data;
    ck_assert_int_eq (accord_base64url_decode (&data, len, text + 1, strlen (text) - 1), 0);
    return data;
}

static void
s_refused (const char *text, size_t len, const char *message)
{
    accord_statuslist_t *list = (accord_statuslist_t *) 1;
    char err [256] = "";
    ck_assert_int_eq (accord_statuslist_decode (&list, text, len, err, sizeof err), -2);
    ck_assert_ptr_null (list);
    ck_assert_str_eq (err, message);
}

static void
s_check_canonical (json_object *obj, const char *expected_json)
{
    char err [256];
    json_object *expected = accord_json_parse (expected_json, strlen (expected_json),
                                               err, sizeof err);
    ck_assert_ptr_nonnull (expected);
    char *a = accord_json_canonical (obj);
    char *b = accord_json_canonical (expected);
    ck_assert_str_eq (a, b);
    free (a);
    free (b);
    json_object_put (expected);
}

START_TEST (spec_example_decodes)
{
    accord_statuslist_t *list = NULL;
    char err [256];
    ck_assert_int_eq (accord_statuslist_decode (&list, s_spec_list, strlen (s_spec_list),
                                                err, sizeof err), 0);
    ck_assert_uint_eq (accord_statuslist_size (list), 131072);
    const uint8_t *data = accord_statuslist_data (list);
    for (size_t i = 0; i < 16384; i++)
        ck_assert_uint_eq (data [i], 0);
    ck_assert_int_eq (accord_statuslist_get (list, 0), 0);
    ck_assert_int_eq (accord_statuslist_get (list, 94567), 0);     //  Example 4's index
    ck_assert_int_eq (accord_statuslist_get (list, 131071), 0);
    ck_assert_int_eq (accord_statuslist_get (list, 131072), -1);
    accord_statuslist_destroy (&list);
    accord_statuslist_destroy (&list);
    ck_assert_ptr_null (list);
}
END_TEST

START_TEST (spec_example_encodes)
{
    //  zlib's default level and header give the spec's bytes exactly
    accord_statuslist_t *list = accord_statuslist_new (0);
    ck_assert_ptr_nonnull (list);
    char *text = accord_statuslist_encode (list);
    ck_assert_str_eq (text, s_spec_list);
    free (text);

    //  Example 5's credentialSubject
    json_object *subject = accord_statuslist_subject (list, "https://example.com/status/3#list",
                                                      "revocation");
    ck_assert_ptr_nonnull (subject);
    s_check_canonical (subject, "{\"id\":\"https://example.com/status/3#list\","
                       "\"type\":\"BitstringStatusList\",\"statusPurpose\":\"revocation\","
                       "\"encodedList\":\"uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAA"
                       "IC3AYbSVKsAQAAA\"}");
    json_object_put (subject);
    accord_statuslist_destroy (&list);
}
END_TEST

START_TEST (spec_entry)
{
    //  Example 4's credentialStatus
    json_object *entry = accord_statuslist_entry ("https://example.com/credentials/status/3#94567",
                                                  "revocation", 94567,
                                                  "https://example.com/credentials/status/3");
    ck_assert_ptr_nonnull (entry);
    s_check_canonical (entry, "{\"id\":\"https://example.com/credentials/status/3#94567\","
                       "\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"revocation\","
                       "\"statusListIndex\":\"94567\","
                       "\"statusListCredential\":\"https://example.com/credentials/status/3\"}");
    json_object_put (entry);

    //  Example 1's suspension entry, without an id
    entry = accord_statuslist_entry (NULL, "suspension", 23452,
                                     "https://example.com/credentials/status/4");
    s_check_canonical (entry, "{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":"
                       "\"suspension\",\"statusListIndex\":\"23452\",\"statusListCredential\":"
                       "\"https://example.com/credentials/status/4\"}");
    json_object_put (entry);

    //  Refused: other purposes, the entry id equal to the list's URL, no list, a large index
    ck_assert_ptr_null (accord_statuslist_entry (NULL, "message", 1, "https://x/1"));
    ck_assert_ptr_null (accord_statuslist_entry (NULL, "refresh", 1, "https://x/1"));
    ck_assert_ptr_null (accord_statuslist_entry (NULL, NULL, 1, "https://x/1"));
    ck_assert_ptr_null (accord_statuslist_entry ("https://x/1", "revocation", 1, "https://x/1"));
    ck_assert_ptr_null (accord_statuslist_entry (NULL, "revocation", 1, NULL));
    ck_assert_ptr_null (accord_statuslist_entry (NULL, "revocation", 1, ""));
    ck_assert_ptr_null (accord_statuslist_entry (NULL, "revocation", 9007199254740992ULL,
                                                 "https://x/1"));
    entry = accord_statuslist_entry (NULL, "revocation", 9007199254740991ULL, "https://x/1");
    ck_assert_str_eq (accord_json_get_string (entry, "statusListIndex"), "9007199254740991");
    json_object_put (entry);

    accord_statuslist_t *list = accord_statuslist_new (0);
    ck_assert_ptr_null (accord_statuslist_subject (list, NULL, "message"));
    json_object *subject = accord_statuslist_subject (list, NULL, "suspension");
    ck_assert_ptr_null (accord_json_get_string (subject, "id"));
    ck_assert_str_eq (accord_json_get_string (subject, "statusPurpose"), "suspension");
    json_object_put (subject);
    accord_statuslist_destroy (&list);
}
END_TEST

START_TEST (other_encoder)
{
    static const uint64_t set [] = { 0, 2, 9, 94567, 131071 };
    accord_statuslist_t *list = NULL;
    char err [256];
    ck_assert_int_eq (accord_statuslist_decode (&list, s_python_list, strlen (s_python_list),
                                                err, sizeof err), 0);
    ck_assert_uint_eq (accord_statuslist_size (list), 131072);
    size_t count = 0;
    for (uint64_t i = 0; i < 131072; i++)
        count += (size_t) accord_statuslist_get (list, i);
    ck_assert_uint_eq (count, 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq (accord_statuslist_get (list, set [i]), 1);
    const uint8_t *data = accord_statuslist_data (list);
    ck_assert_uint_eq (data [0], 0xA0);             //  indexes 0 and 2: 1010 0000
    ck_assert_uint_eq (data [1], 0x40);             //  index 9: the second bit of byte 1
    ck_assert_uint_eq (data [94567 / 8], 0x01);     //  94567 = 8 x 11820 + 7
    ck_assert_uint_eq (data [16383], 0x01);

    //  Our encoding of the same bits decodes to the same bytes
    accord_statuslist_t *ours = accord_statuslist_new (0);
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq (accord_statuslist_set (ours, set [i], 1), 0);
    ck_assert_mem_eq (accord_statuslist_data (ours), data, 16384);
    char *text = accord_statuslist_encode (ours);
    accord_statuslist_t *back = NULL;
    ck_assert_int_eq (accord_statuslist_decode (&back, text, strlen (text), err, sizeof err), 0);
    ck_assert_mem_eq (accord_statuslist_data (back), data, 16384);
    free (text);
    accord_statuslist_destroy (&back);
    accord_statuslist_destroy (&ours);
    accord_statuslist_destroy (&list);
}
END_TEST

START_TEST (bit_order)
{
    accord_statuslist_t *list = accord_statuslist_new (0);
    const uint8_t *data = accord_statuslist_data (list);
    ck_assert_int_eq (accord_statuslist_set (list, 0, 1), 0);
    ck_assert_uint_eq (data [0], 0x80);
    ck_assert_int_eq (accord_statuslist_set (list, 7, 1), 0);
    ck_assert_uint_eq (data [0], 0x81);
    ck_assert_int_eq (accord_statuslist_set (list, 8, 5), 0);       //  any non-zero sets
    ck_assert_uint_eq (data [1], 0x80);
    ck_assert_int_eq (accord_statuslist_set (list, 131071, 1), 0);
    ck_assert_uint_eq (data [16383], 0x01);
    ck_assert_int_eq (accord_statuslist_get (list, 8), 1);
    ck_assert_int_eq (accord_statuslist_get (list, 9), 0);
    ck_assert_int_eq (accord_statuslist_set (list, 0, 0), 0);       //  suspension lifted
    ck_assert_uint_eq (data [0], 0x01);
    ck_assert_int_eq (accord_statuslist_get (list, 0), 0);
    ck_assert_int_eq (accord_statuslist_set (list, 131072, 1), -1);
    ck_assert_int_eq (accord_statuslist_set (list, UINT64_MAX, 1), -1);
    ck_assert_int_eq (accord_statuslist_get (list, UINT64_MAX), -1);
    accord_statuslist_destroy (&list);
}
END_TEST

START_TEST (roundtrip_sizes)
{
    //  Larger lists, random bits, round trip
    static const size_t sizes [] = { 131072, 131080, 1048576, 8 * ACCORD_STATUSLIST_MAX_BYTES };
    srand (7);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes [0]; s++) {
        accord_statuslist_t *list = accord_statuslist_new (sizes [s]);
        ck_assert_ptr_nonnull (list);
        ck_assert_uint_eq (accord_statuslist_size (list), sizes [s]);
        for (int i = 0; i < 1000; i++)
            accord_statuslist_set (list, (uint64_t) rand () % sizes [s], 1);
        char *text = accord_statuslist_encode (list);
        ck_assert_ptr_nonnull (text);
        ck_assert_int_eq (text [0], 'u');
        accord_statuslist_t *back = NULL;
        char err [256];
        ck_assert_int_eq (accord_statuslist_decode (&back, text, strlen (text), err, sizeof err), 0);
        ck_assert_uint_eq (accord_statuslist_size (back), sizes [s]);
        ck_assert_mem_eq (accord_statuslist_data (back), accord_statuslist_data (list),
                          sizes [s] / 8);
        free (text);
        accord_statuslist_destroy (&back);
        accord_statuslist_destroy (&list);
    }
    //  A list that does not compress at all still fits the text limit
    accord_statuslist_t *list = accord_statuslist_new (8 * ACCORD_STATUSLIST_MAX_BYTES);
    for (uint64_t i = 0; i < 8 * (uint64_t) ACCORD_STATUSLIST_MAX_BYTES; i++)
        if (rand () & 1)
            accord_statuslist_set (list, i, 1);
    char *text = accord_statuslist_encode (list);
    ck_assert_uint_le (strlen (text), ACCORD_STATUSLIST_MAX_TEXT);
    accord_statuslist_t *back = NULL;
    ck_assert_int_eq (accord_statuslist_decode (&back, text, strlen (text), NULL, 0), 0);
    ck_assert_mem_eq (accord_statuslist_data (back), accord_statuslist_data (list),
                      ACCORD_STATUSLIST_MAX_BYTES);
    free (text);
    accord_statuslist_destroy (&back);
    accord_statuslist_destroy (&list);

    //  Sizes refused
    ck_assert_ptr_null (accord_statuslist_new (131071));
    ck_assert_ptr_null (accord_statuslist_new (131073));
    ck_assert_ptr_null (accord_statuslist_new (1024));
    ck_assert_ptr_null (accord_statuslist_new (8 * (size_t) ACCORD_STATUSLIST_MAX_BYTES + 8));
}
END_TEST

START_TEST (parse_index)
{
    uint64_t index = 7;
    ck_assert_int_eq (accord_statuslist_parse_index ("0", &index), 0);
    ck_assert_uint_eq (index, 0);
    ck_assert_int_eq (accord_statuslist_parse_index ("94567", &index), 0);
    ck_assert_uint_eq (index, 94567);
    ck_assert_int_eq (accord_statuslist_parse_index ("9007199254740991", &index), 0);
    ck_assert_uint_eq (index, 9007199254740991ULL);
    static const char *bad [] = {
        "", "007", "-1", "+1", "1.0", "1e3", " 1", "1 ", "0x10", "9007199254740992",
        "18446744073709551616", "99999999999999999999999"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        index = 7;
        ck_assert_msg (accord_statuslist_parse_index (bad [i], &index) == -2, "accepted '%s'",
                       bad [i]);
        ck_assert_uint_eq (index, 7);
    }
    ck_assert_int_eq (accord_statuslist_parse_index (NULL, &index), -2);
}
END_TEST

START_TEST (malformed_text)
{
    s_refused ("", 0, "encodedList must start with 'u' (multibase base64url)");
    s_refused (s_spec_list + 1, strlen (s_spec_list) - 1,
               "encodedList must start with 'u' (multibase base64url)");
    s_refused ("zH4sIAAAA", 9, "encodedList must start with 'u' (multibase base64url)");
    s_refused ("u", 1, "encodedList is not GZIP data");
    s_refused ("uH4sI!AAA", 9, "encodedList is not base64url without padding");
    s_refused ("uH4s+AAA", 8, "encodedList is not base64url without padding");
    s_refused ("uAA==", 5, "encodedList is not base64url without padding");
    //  Text that is not valid base64url length (5 characters cannot end a group)
    s_refused ("uAAAAA", 6, "encodedList is not base64url without padding");

    //  Longer than any list we accept could need
    size_t len = ACCORD_STATUSLIST_MAX_TEXT + 1;
    char *text = malloc (len);
    memset (text, 'A', len);
    text [0] = 'u';
    char message [128];
    snprintf (message, sizeof message, "encodedList longer than %d characters",
              ACCORD_STATUSLIST_MAX_TEXT);
    s_refused (text, len, message);
    free (text);
}
END_TEST

START_TEST (malformed_gzip)
{
    //  Not GZIP: plain bytes, a zlib stream (RFC 1950) of a valid bitstring, raw deflate
    static const uint8_t plain [] = "this is not gzip data at all";
    char *text = s_wrap (plain, sizeof plain);
    s_refused (text, strlen (text), "encodedList is not GZIP data");
    free (text);

    uint8_t *zeros = calloc (16384, 1);
    uLongf zlen = compressBound (16384);
    uint8_t *zlib = malloc (zlen);
    ck_assert_int_eq (compress (zlib, &zlen, zeros, 16384), Z_OK);
    text = s_wrap (zlib, zlen);
    s_refused (text, strlen (text), "encodedList is not GZIP data");
    free (text);
    free (zlib);

    //  The spec's list damaged: truncated, a CRC that does not match, a bad block, extra bytes
    size_t gz_len;
    uint8_t *gz = s_unwrap (s_spec_list, &gz_len);
    text = s_wrap (gz, gz_len - 8);
    s_refused (text, strlen (text), "encodedList GZIP data is truncated");
    free (text);
    text = s_wrap (gz, 20);
    s_refused (text, strlen (text), "encodedList GZIP data is truncated");
    free (text);

    gz [gz_len - 8] ^= 1;           //  CRC-32
    text = s_wrap (gz, gz_len);
    s_refused (text, strlen (text), "encodedList GZIP data is corrupt: incorrect data check");
    free (text);
    gz [gz_len - 8] ^= 1;

    gz [gz_len - 2] ^= 1;           //  ISIZE
    text = s_wrap (gz, gz_len);
    s_refused (text, strlen (text), "encodedList GZIP data is corrupt: incorrect length check");
    free (text);
    gz [gz_len - 2] ^= 1;

    uint8_t saved = gz [10];
    gz [10] = 0x07;                 //  BFINAL 1, BTYPE 11: reserved
    text = s_wrap (gz, gz_len);
    s_refused (text, strlen (text), "encodedList GZIP data is corrupt: invalid block type");
    free (text);
    gz [10] = saved;

    gz [2] = 7;                     //  compression method other than deflate
    text = s_wrap (gz, gz_len);
    s_refused (text, strlen (text), "encodedList GZIP data is corrupt: unknown compression method");
    free (text);
    gz [2] = 8;

    uint8_t *twice = malloc (2 * gz_len);
    memcpy (twice, gz, gz_len);
    memcpy (twice + gz_len, gz, gz_len);
    text = s_wrap (twice, gz_len + 1);
    s_refused (text, strlen (text), "encodedList GZIP data is followed by other bytes");
    free (text);
    text = s_wrap (twice, 2 * gz_len);      //  two members: we read exactly one
    s_refused (text, strlen (text), "encodedList GZIP data is followed by other bytes");
    free (text);
    free (twice);

    //  Untouched, it still decodes
    text = s_wrap (gz, gz_len);
    accord_statuslist_t *list = NULL;
    ck_assert_int_eq (accord_statuslist_decode (&list, text, strlen (text), NULL, 0), 0);
    accord_statuslist_destroy (&list);
    free (text);
    free (gz);
    free (zeros);
}
END_TEST

START_TEST (limits_length)
{
    //  Shorter than the minimum (the spec's STATUS_LIST_LENGTH_ERROR)
    uint8_t *zeros = calloc (ACCORD_STATUSLIST_MAX_BYTES + 1, 1);
    char *text = s_encode_bytes (zeros, 16383, Z_DEFAULT_COMPRESSION);
    s_refused (text, strlen (text), "status list of 131064 entries is shorter than the minimum "
                                    "131072");
    free (text);
    text = s_encode_bytes (zeros, 0, Z_DEFAULT_COMPRESSION);
    s_refused (text, strlen (text), "status list of 0 entries is shorter than the minimum "
                                    "131072");
    free (text);

    //  The largest list decodes; one byte more is refused
    text = s_encode_bytes (zeros, ACCORD_STATUSLIST_MAX_BYTES, 9);
    accord_statuslist_t *list = NULL;
    ck_assert_int_eq (accord_statuslist_decode (&list, text, strlen (text), NULL, 0), 0);
    ck_assert_uint_eq (accord_statuslist_size (list), 8 * (size_t) ACCORD_STATUSLIST_MAX_BYTES);
    accord_statuslist_destroy (&list);
    free (text);
    text = s_encode_bytes (zeros, ACCORD_STATUSLIST_MAX_BYTES + 1, 9);
    s_refused (text, strlen (text), "status list larger than 2097152 bytes once decompressed");
    free (text);
    free (zeros);
}
END_TEST

START_TEST (limits_bomb)
{
    //  64 MiB of zeros in ~64 KB of GZIP: refused after inflating 2 MiB, quickly
    z_stream z;
    memset (&z, 0, sizeof z);
    ck_assert_int_eq (deflateInit2 (&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t chunk = 1024 * 1024, out_size = 1024 * 1024;
    uint8_t *zeros = calloc (chunk, 1);
    uint8_t *out = malloc (out_size);
    z.next_out = out;
    z.avail_out = (uInt) out_size;
    for (int i = 0; i < 64; i++) {
        z.next_in = zeros;
        z.avail_in = (uInt) chunk;
        ck_assert_int_eq (deflate (&z, i == 63 ? Z_FINISH : Z_NO_FLUSH),
                          i == 63 ? Z_STREAM_END : Z_OK);
    }
    size_t gz_len = z.total_out;
    deflateEnd (&z);
    char *text = s_wrap (out, gz_len);
    ck_assert_uint_lt (strlen (text), 100 * 1024);
    int64_t start = tu_now_ms ();
    s_refused (text, strlen (text), "status list larger than 2097152 bytes once decompressed");
    if (!getenv ("ACCORD_UNDER_VALGRIND"))
        ck_assert_int_lt (tu_now_ms () - start, 2000);
    free (text);
    free (out);
    free (zeros);
}
END_TEST

//  The entry of a purpose in a credential's credentialStatus (object or array; the spec's
//  Example 4 shape), and the refusals.
START_TEST (find_entry)
{
    const char *credential =
        "{\"credentialStatus\":[{\"id\":\"https://example.com/credentials/status/3#94567\","
        "\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"revocation\","
        "\"statusListIndex\":\"94567\",\"statusListCredential\":\"https://example.com/credentials/status/3\"},"
        "{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"suspension\",\"statusListIndex\":\"0\","
        "\"statusListCredential\":\"did:accord:c:00/status/s\"}]}";
    json_object *claims = accord_json_parse (credential, strlen (credential), NULL, 0);
    ck_assert_ptr_nonnull (claims);
    const char *list = NULL;
    uint64_t index = 1;
    char err [200];
    ck_assert_int_eq (accord_statuslist_find_entry (claims, "revocation", &list, &index, err, sizeof err), 0);
    ck_assert_str_eq (list, "https://example.com/credentials/status/3");
    ck_assert_uint_eq (index, 94567);
    ck_assert_int_eq (accord_statuslist_find_entry (claims, "suspension", &list, &index, err, sizeof err), 0);
    ck_assert_str_eq (list, "did:accord:c:00/status/s");
    ck_assert_uint_eq (index, 0);
    ck_assert_int_eq (accord_statuslist_find_entry (claims, "refresh", &list, &index, err, sizeof err), 1);
    json_object_put (claims);

    const char *single = "{\"credentialStatus\":{\"statusPurpose\":\"suspension\",\"statusListIndex\":\"12\","
                         "\"statusListCredential\":\"L\"}}";
    claims = accord_json_parse (single, strlen (single), NULL, 0);
    ck_assert_int_eq (accord_statuslist_find_entry (claims, "suspension", &list, &index, err, sizeof err), 0);
    ck_assert_uint_eq (index, 12);
    ck_assert_int_eq (accord_statuslist_find_entry (claims, "revocation", &list, &index, err, sizeof err), 1);
    json_object_put (claims);

    const char *bad [] = {
        "{\"credentialStatus\":{\"statusPurpose\":\"revocation\",\"statusListIndex\":12,\"statusListCredential\":\"L\"}}",
        "{\"credentialStatus\":{\"statusPurpose\":\"revocation\",\"statusListIndex\":\"012\",\"statusListCredential\":\"L\"}}",
        "{\"credentialStatus\":{\"statusPurpose\":\"revocation\",\"statusListIndex\":\"1\"}}",
        "{\"credentialStatus\":[{\"statusPurpose\":\"revocation\",\"statusListIndex\":\"1\",\"statusListCredential\":7}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        claims = accord_json_parse (bad [i], strlen (bad [i]), NULL, 0);
        err [0] = 0;
        ck_assert_int_eq (accord_statuslist_find_entry (claims, "revocation", &list, &index, err, sizeof err), -2);
        ck_assert (err [0]);
        json_object_put (claims);
    }
    const char *none [] = { "{}", "{\"credentialStatus\":7}", "{\"credentialStatus\":[1,\"x\",null]}" };
    for (size_t i = 0; i < sizeof none / sizeof none [0]; i++) {
        claims = accord_json_parse (none [i], strlen (none [i]), NULL, 0);
        ck_assert_int_eq (accord_statuslist_find_entry (claims, "revocation", &list, &index, NULL, 0), 1);
        json_object_put (claims);
    }
}
END_TEST

Suite *
test_statuslist_suite (void)
{
    Suite *suite = suite_create ("statuslist");
    TCase *tc = tcase_create ("vectors");
    tcase_add_test (tc, spec_example_decodes);
    tcase_add_test (tc, spec_example_encodes);
    tcase_add_test (tc, spec_entry);
    tcase_add_test (tc, other_encoder);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("roundtrip");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, bit_order);
    tcase_add_test (tc, roundtrip_sizes);
    tcase_add_test (tc, parse_index);
    tcase_add_test (tc, find_entry);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_add_test (tc, malformed_text);
    tcase_add_test (tc, malformed_gzip);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("limits");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, limits_length);
    tcase_add_test (tc, limits_bomb);
    suite_add_tcase (suite, tc);
    return suite;
}
