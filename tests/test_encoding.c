/*  base64url and base58btc against published vectors: RFC 4648 section 10, RFC 7515
    (JWS) appendices A.1 and C, Bitcoin Core's base58_encode_decode.json and the multibase
    test vectors (the CSV files in multiformats/multibase, tests/). */
#include "testutil.h"
#include "accord/encoding.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *data_hex;
    const char *text;
} vector_t;

//  Encodes the bytes, checks the text, decodes the text and checks the bytes.
static void
s_check_base64url (const uint8_t *data, size_t len, const char *text)
{
    char *encoded = accord_base64url_encode (data, len);
    ck_assert_ptr_nonnull (encoded);
    ck_assert_str_eq (encoded, text);
    free (encoded);

    uint8_t *decoded = NULL;
    size_t decoded_len = 99;
    ck_assert_int_eq (accord_base64url_decode (&decoded, &decoded_len, text, strlen (text)), 0);
    ck_assert_ptr_nonnull (decoded);
    ck_assert_uint_eq (decoded_len, len);
    ck_assert (len == 0 || memcmp (decoded, data, len) == 0);
    ck_assert_int_eq (decoded [len], 0);
    free (decoded);
}

static void
s_check_base58 (const uint8_t *data, size_t len, const char *text)
{
    char *encoded = accord_base58btc_encode (data, len);
    ck_assert_ptr_nonnull (encoded);
    ck_assert_str_eq (encoded, text);
    free (encoded);

    uint8_t *decoded = NULL;
    size_t decoded_len = 99;
    ck_assert_int_eq (accord_base58btc_decode (&decoded, &decoded_len, text, strlen (text)), 0);
    ck_assert_ptr_nonnull (decoded);
    ck_assert_uint_eq (decoded_len, len);
    ck_assert (len == 0 || memcmp (decoded, data, len) == 0);
    free (decoded);
}

static int
s_base64url_decode_rc (const char *text, size_t len)
{
    uint8_t *out = (uint8_t *) "sentinel";
    size_t out_len = 99;
    int rc = accord_base64url_decode (&out, &out_len, text, len);
    if (rc != 0) {
        ck_assert_ptr_null (out);
        ck_assert_uint_eq (out_len, 0);
    }
    else
        free (out);
    return rc;
}

static int
s_base58_decode_rc (const char *text, size_t len)
{
    uint8_t *out = (uint8_t *) "sentinel";
    size_t out_len = 99;
    int rc = accord_base58btc_decode (&out, &out_len, text, len);
    if (rc != 0) {
        ck_assert_ptr_null (out);
        ck_assert_uint_eq (out_len, 0);
    }
    else
        free (out);
    return rc;
}

//  RFC 4648 section 10, padding removed as section 5 with "no padding" has it
START_TEST (base64url_rfc4648)
{
    static const struct { const char *data, *text; } vectors [] = {
        { "", "" },
        { "f", "Zg" },
        { "fo", "Zm8" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg" },
        { "fooba", "Zm9vYmE" },
        { "foobar", "Zm9vYmFy" },
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors [0]; i++)
        s_check_base64url ((const uint8_t *) vectors [i].data, strlen (vectors [i].data),
                           vectors [i].text);
}
END_TEST

START_TEST (base64url_jose)
{
    //  RFC 7515 appendix C: the octets that use both url-safe characters
    static const uint8_t octets [] = { 3, 236, 255, 224, 193 };
    s_check_base64url (octets, sizeof octets, "A-z_4ME");
    //  RFC 7515 appendix A.1: the JWS Protected Header, CRLF and all
    const char *header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
    s_check_base64url ((const uint8_t *) header, strlen (header),
                       "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
    //  RFC 7515 appendix A.1: the JWS Payload
    const char *payload = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n"
                          " \"http://example.com/is_root\":true}";
    s_check_base64url ((const uint8_t *) payload, strlen (payload),
                       "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
                       "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ");
    //  RFC 4648 table 2: values 62 and 63 are '-' and '_'
    static const uint8_t dashes [] = { 0xFB, 0xEF, 0xBE }, underscores [] = { 0xFF, 0xFF, 0xFF };
    s_check_base64url (dashes, sizeof dashes, "----");
    s_check_base64url (underscores, sizeof underscores, "____");
}
END_TEST

START_TEST (base64url_multibase)
{
    //  multibase tests: the 'u' (base64url) rows, prefix removed
    s_check_base64url ((const uint8_t *) "yes mani !", 10, "eWVzIG1hbmkgIQ");
    s_check_base64url ((const uint8_t *) "\0yes mani !", 11, "AHllcyBtYW5pICE");
    s_check_base64url ((const uint8_t *) "\0\0yes mani !", 12, "AAB5ZXMgbWFuaSAh");
    s_check_base64url ((const uint8_t *) "Decentralize everything!!", 25,
                       "RGVjZW50cmFsaXplIGV2ZXJ5dGhpbmchIQ");
}
END_TEST

START_TEST (base64url_malformed)
{
    static const char *texts [] = {
        "Zg=", "Zg==", "Zm8=", "Zm9vYg==",  //  padding
        "Z", "Zm9vY", "Zm9vYmFyZ",          //  a lone 6-bit character is no byte
        "Zh", "Zm9", "Zm9vYh", "AB",        //  non-zero bits after the last byte
        "Zm+v", "Zm/v",                     //  base64 without url-safe substitutions
        "Zm9 v", "Zm9v\n", " Zm9v", "Zm9v.", "Zm9v*", "Zm\xc3\xa9v",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++)
        ck_assert_msg (s_base64url_decode_rc (texts [i], strlen (texts [i])) == -2,
                       "'%s' should be malformed", texts [i]);
    //  An embedded NUL counts as a character that is not in the alphabet
    ck_assert_int_eq (s_base64url_decode_rc ("Zm\0v", 4), -2);
    //  Only len bytes are read: "Zm9vYmFy" cut to "Zm9vYm" is "foob" with 4 stray bits
    ck_assert_int_eq (s_base64url_decode_rc ("Zm9vYmFy", 6), -2);
    ck_assert_int_eq (s_base64url_decode_rc ("Zm9vYmFy", 4), 0);
    ck_assert_int_eq (s_base64url_decode_rc (NULL, 3), -2);
    ck_assert_int_eq (s_base64url_decode_rc (NULL, 0), 0);
    uint8_t *out;
    size_t out_len;
    ck_assert_int_eq (accord_base64url_decode (NULL, &out_len, "Zg", 2), -1);
    ck_assert_int_eq (accord_base64url_decode (&out, NULL, "Zg", 2), -1);
    ck_assert_ptr_null (accord_base64url_encode (NULL, 1));
}
END_TEST

//  Bitcoin Core src/test/data/base58_encode_decode.json, every row
static const vector_t s_bitcoin [] = {
    { "", "" },
    { "61", "2g" },
    { "626262", "a3gV" },
    { "636363", "aPEr" },
    { "73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2" },
    { "00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L" },
    { "516b6fcd0f", "ABnLTmg" },
    { "bf4f89001e670274dd", "3SEo3LWLoPntC" },
    { "572e4794", "3EFU7m" },
    { "ecac89cad93923c02321", "EJDM8drfXA6uyA" },
    { "10c8511e", "Rt5zm" },
    { "00000000000000000000", "1111111111" },
    { "00000000000000000000000000000000000000000000000000000000000000000000000000000000",
      "1111111111111111111111111111111111111111" },
    { "00000000000000000000000000000000000000000000000000000000000000000000000000000001",
      "1111111111111111111111111111111111111112" },
    { "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000000000000000000000000000000000ec39d04c37e71e5d591881f6",
      "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
      "5TYzLYH1udmLdzCLM" },
    { "000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz" },
    { "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
      "2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f5051525354555657"
      "58595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283"
      "8485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
      "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadb"
      "dcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
      "1cWB5HCBdLjAuqGGReWE3R3CguuwSjw6RHn39s2yuDRTS5NsBgNiFpWgAnEx6VQi8csexkgYw3mdYrMHr8x9i7a"
      "EwP8kZ7vccXWqKDvGv3u1GxFKPuAkn8JCPPGDMf3vMMnbzm6Nh9zh1gcNsMvH3ZNLmP5fSG6DGbbi2tuwMWPthr"
      "4boWwCxf7ewSgNQeacyozhKDDQQ1qL5fQFUW52QKUZDZ5fw3KXNQJMcNTcaB723LchjeKun7MuGW5qyCBZYzA1K"
      "jofN1gYBV3NqyhQJ3Ns746GNuf9N2pQPmHz4xpnSrrfCvy6TVVz5d4PdrjeshsWQwpZsZGzvbdAdN8MKV5QsBDY" },
    { "271F359E", "zzzzy" },
    { "271F359F", "zzzzz" },
    { "271F35A0", "211111" },
    { "271F35A1", "211112" },
};

START_TEST (base58_bitcoin)
{
    for (size_t i = 0; i < sizeof s_bitcoin / sizeof s_bitcoin [0]; i++) {
        size_t len;
        uint8_t *data = tu_unhex (s_bitcoin [i].data_hex, &len);
        s_check_base58 (data, len, s_bitcoin [i].text);
        free (data);
    }
}
END_TEST

START_TEST (base58_multibase)
{
    //  The multibase draft's example (section 2.1) and the 'z' rows of its tests, prefix removed
    s_check_base58 ((const uint8_t *) "Hello World!", 12, "2NEpo7TZRRrLZSi2U");
    s_check_base58 ((const uint8_t *) "yes mani !", 10, "7paNL19xttacUY");
    s_check_base58 ((const uint8_t *) "\0yes mani !", 11, "17paNL19xttacUY");
    s_check_base58 ((const uint8_t *) "\0\0yes mani !", 12, "117paNL19xttacUY");
    s_check_base58 ((const uint8_t *) "Decentralize everything!!", 25,
                    "UXE7GvtEk8XTXs1GF8HSGbVA9FCX9SEBPe");
    //  Each leading zero byte is one '1', whatever follows
    static const uint8_t zero [] = { 0 }, zeros [] = { 0, 0, 0 }, zero_one [] = { 0, 1 };
    s_check_base58 (zero, 1, "1");
    s_check_base58 (zeros, 3, "111");
    s_check_base58 (zero_one, 2, "12");
}
END_TEST

START_TEST (base58_malformed)
{
    static const char *texts [] = {
        "0", "O", "I", "l",                 //  left out of the alphabet as look-alikes
        "2NEpo7TZRRrLZSi2U0", "2NEpoO7", "2NIpo", "2lNEpo",
        " 2g", "2g ", "2g\n", "+2g", "2-g", "2_g", "2g=", "\xc3\xa9", "z2NEpo7TZRRrLZSi2U!",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++)
        ck_assert_msg (s_base58_decode_rc (texts [i], strlen (texts [i])) == -2,
                       "'%s' should be malformed", texts [i]);
    ck_assert_int_eq (s_base58_decode_rc ("2g\0", 3), -2);
    ck_assert_int_eq (s_base58_decode_rc (NULL, 2), -2);
    ck_assert_int_eq (s_base58_decode_rc (NULL, 0), 0);
    uint8_t *out;
    size_t out_len;
    ck_assert_int_eq (accord_base58btc_decode (NULL, &out_len, "2g", 2), -1);
    ck_assert_int_eq (accord_base58btc_decode (&out, NULL, "2g", 2), -1);
    ck_assert_ptr_null (accord_base58btc_encode (NULL, 1));
}
END_TEST

START_TEST (base58_limits)
{
    char text [ACCORD_BASE58_MAX_TEXT + 2];
    memset (text, '1', sizeof text);
    //  512 '1's are 512 zero bytes; one more is refused before any work
    uint8_t *out = NULL;
    size_t out_len = 0;
    ck_assert_int_eq (accord_base58btc_decode (&out, &out_len, text, ACCORD_BASE58_MAX_TEXT), 0);
    ck_assert_uint_eq (out_len, ACCORD_BASE58_MAX_TEXT);
    for (size_t i = 0; i < out_len; i++)
        ck_assert_int_eq (out [i], 0);
    char *encoded = accord_base58btc_encode (out, out_len);
    ck_assert_ptr_nonnull (encoded);
    ck_assert_uint_eq (strlen (encoded), ACCORD_BASE58_MAX_TEXT);
    free (encoded);
    free (out);
    ck_assert_int_eq (s_base58_decode_rc (text, ACCORD_BASE58_MAX_TEXT + 1), -2);
    memset (text, 'z', sizeof text);
    ck_assert_int_eq (s_base58_decode_rc (text, ACCORD_BASE58_MAX_TEXT), 0);
    ck_assert_int_eq (s_base58_decode_rc (text, ACCORD_BASE58_MAX_TEXT + 1), -2);

    //  The encoder refuses what the decoder would refuse: 400 bytes of 0xff need 547 digits
    uint8_t data [ACCORD_BASE58_MAX_TEXT + 1];
    memset (data, 0xff, sizeof data);
    ck_assert_ptr_null (accord_base58btc_encode (data, 400));
    ck_assert_ptr_null (accord_base58btc_encode (data, sizeof data));
    encoded = accord_base58btc_encode (data, 300);     //  300 bytes need 410 digits
    ck_assert_ptr_nonnull (encoded);
    ck_assert_uint_eq (strlen (encoded), 410);
    free (encoded);
}
END_TEST

//  The whole alphabet, one digit at a time: each character is its own value
START_TEST (base58_alphabet)
{
    const char *alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    ck_assert_uint_eq (strlen (alphabet), 58);
    for (int i = 1; i < 58; i++) {
        uint8_t byte = (uint8_t) i;
        char text [2] = { alphabet [i], 0 };
        s_check_base58 (&byte, 1, text);
    }
}
END_TEST

Suite *
test_encoding_suite (void)
{
    Suite *suite = suite_create ("encoding");
    TCase *tc = tcase_create ("base64url");
    tcase_add_test (tc, base64url_rfc4648);
    tcase_add_test (tc, base64url_jose);
    tcase_add_test (tc, base64url_multibase);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("base58");
    tcase_add_test (tc, base58_bitcoin);
    tcase_add_test (tc, base58_multibase);
    tcase_add_test (tc, base58_alphabet);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_add_test (tc, base64url_malformed);
    tcase_add_test (tc, base58_malformed);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("limits");
    tcase_add_test (tc, base58_limits);
    suite_add_tcase (suite, tc);
    return suite;
}
