/*  Strict JSON parsing and RFC 8785 (JCS) canonical form. The expected bytes come from
    RFC 8785 (sections 3.2.2 to 3.2.4 and appendix B), from the test data its author publishes
    (github.com/cyberphone/json-canonicalization, testdata/), and where marked from V8's
    Number.prototype.toString, which RFC 8785 names as its reference. */
#include "testutil.h"
#include "accord/json.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double
s_double_from_bits (uint64_t bits)
{
    double value;
    memcpy (&value, &bits, sizeof value);
    return value;
}

//  Canonical form of a double built directly, or NULL.
static char *
s_canonical_double (double value)
{
    json_object *obj = json_object_new_double (value);
    ck_assert_ptr_nonnull (obj);
    char *text = accord_json_canonical (obj);
    json_object_put (obj);
    return text;
}

//  Parses text (which must parse) and checks its canonical form.
static void
s_check_canonical (const char *text, const char *expected)
{
    char err [256];
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    ck_assert_msg (obj != NULL, "parse failed: %s", err);
    char *canonical = accord_json_canonical (obj);
    ck_assert_ptr_nonnull (canonical);
    ck_assert_str_eq (canonical, expected);

    //  The canonical form parses back to itself
    json_object *again = accord_json_parse (canonical, strlen (canonical), err, sizeof err);
    ck_assert_msg (again != NULL, "canonical form does not parse: %s", err);
    char *twice = accord_json_canonical (again);
    ck_assert_ptr_nonnull (twice);
    ck_assert_str_eq (twice, canonical);
    free (twice);
    json_object_put (again);
    free (canonical);
    json_object_put (obj);
}

//  Checks that text is refused, with a message that contains `reason`.
static void
s_check_refused (const char *text, size_t len, const char *reason)
{
    char err [256] = "untouched";
    json_object *obj = accord_json_parse (text, len, err, sizeof err);
    ck_assert_msg (obj == NULL, "accepted: %.*s", (int) (len > 60 ? 60 : len), text);
    ck_assert_msg (strstr (err, reason) != NULL, "'%.*s': message '%s' lacks '%s'",
                   (int) (len > 60 ? 60 : len), text, err, reason);
}

//  RFC 8785 appendix B, every finite row
START_TEST (numbers_appendix_b)
{
    static const struct { uint64_t bits; const char *text; } rows [] = {
        { 0x0000000000000000, "0" },                         //  zero
        { 0x8000000000000000, "0" },                         //  minus zero
        { 0x0000000000000001, "5e-324" },                    //  min pos number
        { 0x8000000000000001, "-5e-324" },                   //  min neg number
        { 0x7fefffffffffffff, "1.7976931348623157e+308" },   //  max pos number
        { 0xffefffffffffffff, "-1.7976931348623157e+308" },  //  max neg number
        { 0x4340000000000000, "9007199254740992" },          //  max pos int
        { 0xc340000000000000, "-9007199254740992" },         //  max neg int
        { 0x4430000000000000, "295147905179352830000" },     //  ~2**68
        { 0x44b52d02c7e14af5, "9.999999999999997e+22" },
        { 0x44b52d02c7e14af6, "1e+23" },
        { 0x44b52d02c7e14af7, "1.0000000000000001e+23" },
        { 0x444b1ae4d6e2ef4e, "999999999999999700000" },
        { 0x444b1ae4d6e2ef4f, "999999999999999900000" },
        { 0x444b1ae4d6e2ef50, "1e+21" },
        { 0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7" },
        { 0x3eb0c6f7a0b5ed8d, "0.000001" },
        { 0x41b3de4355555553, "333333333.3333332" },
        { 0x41b3de4355555554, "333333333.33333325" },
        { 0x41b3de4355555555, "333333333.3333333" },
        { 0x41b3de4355555556, "333333333.3333334" },
        { 0x41b3de4355555557, "333333333.33333343" },
        { 0xbecbf647612f3696, "-0.0000033333333333333333" },
        { 0x43143ff3c1cb0959, "1424953923781206.2" },        //  round to even
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows [0]; i++) {
        char *text = s_canonical_double (s_double_from_bits (rows [i].bits));
        ck_assert_msg (text != NULL, "%016llx has no form", (unsigned long long) rows [i].bits);
        ck_assert_msg (strcmp (text, rows [i].text) == 0, "%016llx: '%s', expected '%s'",
                       (unsigned long long) rows [i].bits, text, rows [i].text);
        free (text);

        //  The same through the parser: the expected text reads back as itself
        char array [64], expected [64];
        snprintf (array, sizeof array, "[%s]", rows [i].text);
        snprintf (expected, sizeof expected, "[%s]", rows [i].text);
        s_check_canonical (array, expected);
    }
}
END_TEST

START_TEST (numbers_no_form)
{
    //  Appendix B: NaN and Infinity are errors
    ck_assert_ptr_null (s_canonical_double (s_double_from_bits (0x7fffffffffffffff)));
    ck_assert_ptr_null (s_canonical_double (s_double_from_bits (0x7ff0000000000000)));
    ck_assert_ptr_null (s_canonical_double (s_double_from_bits (0xfff0000000000000)));
    ck_assert_ptr_null (s_canonical_double (NAN));
    //  ... also deep inside a structure
    json_object *array = json_object_new_array ();
    json_object *object = json_object_new_object ();
    json_object_object_add (object, "x", json_object_new_double (INFINITY));
    json_object_array_add (array, json_object_new_int (1));
    json_object_array_add (array, object);
    ck_assert_ptr_null (accord_json_canonical (array));
    json_object_put (array);
}
END_TEST

START_TEST (numbers_layout)
{
    //  Section 3.2.2 numbers, written other ways in the input
    s_check_canonical ("[1E30, 4.50, 2e-3, 0.000000000000000000000000001, 333333333.33333329]",
                       "[1e+30,4.5,0.002,1e-27,333333333.3333333]");
    //  cyberphone testdata structures.json: 56.0 is 56
    s_check_canonical ("[56.0, -0.0, -0, 0e10, 1E+2, 1e-7, 1e-6, 1e21, 1e20]",
                       "[56,0,0,0,100,1e-7,0.000001,1e+21,100000000000000000000]");
    //  V8: 2**-1017 is 7.120236347223045e-307. Beside a power of two the nearest 16-digit
    //  decimal does not read back but the one above it does: a "%.17g, fewer while it reads
    //  back" search gives 7.1202363472230444e-307 here.
    char *text = s_canonical_double (ldexp (1, -1017));
    ck_assert_str_eq (text, "7.120236347223045e-307");
    free (text);
}
END_TEST

//  Integers: json-c keeps int64 exactly; JCS sees every number as a double
START_TEST (numbers_integers)
{
    //  Up to 2^53 - 1 integers stay integers, exact
    s_check_canonical ("[9007199254740991,-9007199254740991,0,-1,123456789]",
                       "[9007199254740991,-9007199254740991,0,-1,123456789]");
    //  Beyond, the parser reads them as doubles, as ECMAScript does (V8: Number("...") + "")
    s_check_canonical ("[9007199254740993,18446744073709551616,-9223372036854775809]",
                       "[9007199254740992,18446744073709552000,-9223372036854776000]");
    //  Appendix B's ~2**68 written as a JSON integer
    s_check_canonical ("295147905179352830000", "295147905179352830000");

    char err [128];
    const char *text = "{\"big\":9007199254740993,\"safe\":9007199254740991}";
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    ck_assert_ptr_nonnull (obj);
    int64_t value = 0;
    ck_assert_int_eq (accord_json_get_int64 (obj, "big", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "safe", INT64_MIN, INT64_MAX, &value), 0);
    ck_assert_int_eq (value, 9007199254740991LL);
    json_object_put (obj);

    //  Built in code, an int64 beyond 2^53 goes through double as ES would (V8 again)
    json_object *big = json_object_new_int64 (INT64_MAX);
    char *canonical = accord_json_canonical (big);
    ck_assert_str_eq (canonical, "9223372036854776000");
    free (canonical);
    json_object_put (big);
    big = json_object_new_uint64 (UINT64_MAX);
    canonical = accord_json_canonical (big);
    ck_assert_str_eq (canonical, "18446744073709552000");
    free (canonical);
    json_object_put (big);
    big = json_object_new_int64 (-9007199254740993LL);
    canonical = accord_json_canonical (big);
    ck_assert_str_eq (canonical, "-9007199254740992");
    free (canonical);
    json_object_put (big);
}
END_TEST

//  RFC 8785 sections 3.2.2 to 3.2.4: the sample, to the UTF-8 bytes of 3.2.4
START_TEST (rfc8785_sample)
{
    const char *input =
        "{\n"
        "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
        "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        "  \"literals\": [null, true, false]\n"
        "}";
    const char *hex =
        "7b226c69746572616c73223a5b6e756c6c2c7472"
        "75652c66616c73655d2c226e756d62657273223a"
        "5b3333333333333333332e333333333333332c31"
        "652b33302c342e352c302e3030322c31652d3237"
        "5d2c22737472696e67223a22e282ac245c753030"
        "30665c6e4127425c225c5c5c5c5c222f227d";
    size_t len;
    uint8_t *expected = tu_unhex (hex, &len);
    char err [128];
    json_object *obj = accord_json_parse (input, strlen (input), err, sizeof err);
    ck_assert_msg (obj != NULL, "%s", err);
    char *canonical = accord_json_canonical (obj);
    ck_assert_ptr_nonnull (canonical);
    ck_assert_uint_eq (strlen (canonical), len);
    ck_assert (memcmp (canonical, expected, len) == 0);
    //  The same as text (section 3.2.3, display line break removed)
    ck_assert_str_eq (canonical,
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    free (canonical);
    free (expected);
    json_object_put (obj);
}
END_TEST

//  RFC 8785 section 3.2.3: properties sorted by UTF-16 code units. By UTF-8 bytes the emoji
//  (F0 9F 98 80) would come after U+FB33 (EF AC B3); by UTF-16 (D83D DE00) it comes before.
START_TEST (rfc8785_sorting)
{
    s_check_canonical (
        "{\n"
        "  \"\\u20ac\": \"Euro Sign\",\n"
        "  \"\\r\": \"Carriage Return\",\n"
        "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
        "  \"1\": \"One\",\n"
        "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
        "  \"\\u0080\": \"Control\",\n"
        "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
        "}",
        "{\"\\r\":\"Carriage Return\","
        "\"1\":\"One\","
        "\"\xc2\x80\":\"Control\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
        "\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}
END_TEST

//  cyberphone/json-canonicalization testdata: input/NAME.json -> output/NAME.json
START_TEST (rfc8785_testdata)
{
    //  structures.json
    s_check_canonical (
        "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n"
        "  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ { } ],\n  \"A\": { }\n}",
        "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{}],"
        "\"A\":{},\"a\":{}}");
    //  values.json
    s_check_canonical (
        "{\n  \"numbers\": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n"
        "  \"escaping\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        "  \"literals\": [null, true, false]\n}",
        "{\"escaping\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\",\"literals\":[null,true,false],"
        "\"numbers\":[1e+30,4.5,333333333.3333333,0.002,1e-27]}");
    //  weird.json: U+0080 and U+007F are written as they are
    s_check_canonical (
        "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n"
        "  \"\\ud83d\\ude02\": \"Smiley\",\n"
        "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n"
        "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
        "  \"</script>\": \"Browser Challenge\"\n}\n",
        "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\xc2\x80\":\"Control\x7f\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x82\":\"Smiley\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    //  unicode.json: no Unicode normalization
    s_check_canonical ("{\n  \"Unnormalized Unicode\":\"\\u1e0d\\u0307\"\n}\n",
                       "{\"Unnormalized Unicode\":\"\xe1\xb8\x8d\xcc\x87\"}");
    //  french.json: code units, not locale
    s_check_canonical (
        "{\n  \"peach\": \"This sorting order\",\n  \"p\xc3\xa9" "ch\xc3\xa9\": \"is wrong "
        "according to French\",\n  \"p\xc3\xaa" "che\": \"but canonicalization MUST\",\n"
        "  \"sin\":   \"ingnore locale\"\n}\n",
        "{\"peach\":\"This sorting order\",\"p\xc3\xa9" "ch\xc3\xa9\":\"is wrong according to "
        "French\",\"p\xc3\xaa" "che\":\"but canonicalization MUST\",\"sin\":\"ingnore locale\"}");
    //  arrays.json: element order kept, members inside sorted
    s_check_canonical ("[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": [ ]\n  }\n]",
                       "[56,{\"1\":[],\"10\":null,\"d\":true}]");
}
END_TEST

//  RFC 8785 section 3.2.2.2: \" \\ \b \f \n \r \t, other C0 controls as lower-case \u00XX,
//  everything else (DEL, U+2028, "/") as it is
START_TEST (strings_escaping)
{
    s_check_canonical ("\"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001F\\u001a\"",
                       "\"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f\\u001a\"");
    s_check_canonical ("\"\\u007f\\u2028\\u2029\\/\\u003C\\u00e9\"",
                       "\"\x7f\xe2\x80\xa8\xe2\x80\xa9/<\xc3\xa9\"");
    s_check_canonical ("\"\\ud800\\udc00\\udbff\\udfff\"",
                       "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
    //  A string built in code can hold bytes that are not UTF-8: it has no JCS form
    json_object *bad = json_object_new_string_len ("a\xff", 2);
    ck_assert_ptr_null (accord_json_canonical (bad));
    json_object_put (bad);
    json_object *object = json_object_new_object ();
    json_object_object_add (object, "\xc0\xaf", json_object_new_int (1));
    ck_assert_ptr_null (accord_json_canonical (object));
    json_object_put (object);
    //  NULL is JSON null
    char *text = accord_json_canonical (NULL);
    ck_assert_str_eq (text, "null");
    free (text);
}
END_TEST

//  RFC 8259 section 7: a character beyond the BMP may be escaped as a UTF-16 surrogate pair.
//  json-c 0.16 alone decodes the pairs for U+xD800..U+xDFFF (32768 characters, such as
//  U+1F800 in Supplemental Arrows-C) as U+FFFD (EF BF BD).
START_TEST (strings_surrogate_pairs)
{
    s_check_canonical ("[\"\\ud83e\\udc00\", \"\\ud836\\udc00\", \"\\ud876\\uddff\"]",
                       "[\"\xf0\x9f\xa0\x80\",\"\xf0\x9d\xa0\x80\",\"\xf0\xad\xa7\xbf\"]");
    s_check_canonical ("{\"\\ud83e\\udc00\":1,\"\\ud83d\\ude00\":2}",
                       "{\"\xf0\x9f\x98\x80\":2,\"\xf0\x9f\xa0\x80\":1}");
    //  The same characters as raw UTF-8
    s_check_canonical ("\"\xf0\x9f\xa0\x80\"", "\"\xf0\x9f\xa0\x80\"");
}
END_TEST

//  What json-c 0.16 accepts even with JSON_TOKENER_STRICT, and we do not
START_TEST (malformed_lenient_json_c)
{
    s_check_refused ("NaN", 3, "unexpected 'N'");
    s_check_refused ("[Infinity]", 10, "unexpected 'I'");
    s_check_refused ("[-Infinity]", 11, "malformed number");
    s_check_refused ("[1.]", 4, "malformed number");
    s_check_refused ("1.", 2, "malformed number");
    s_check_refused ("[-01]", 5, "unexpected '1'");
    s_check_refused ("00", 2, "trailing data");
    s_check_refused ("[1e400]", 7, "double range");
    s_check_refused ("-1E+999", 7, "double range");
    s_check_refused ("\"a\tb\"", 5, "control character");
    s_check_refused ("\"a\nb\"", 5, "control character");
    s_check_refused ("\"\x1f\"", 3, "control character");
    s_check_refused ("\"\xc0\xaf\"", 4, "invalid UTF-8");       //  overlong '/'
    s_check_refused ("\"\xed\xa0\x80\"", 5, "invalid UTF-8");   //  U+D800 in UTF-8
    s_check_refused ("\"\xf4\x90\x80\x80\"", 6, "invalid UTF-8"); //  above U+10FFFF
    s_check_refused ("\"\\ud800\"", 8, "lone high surrogate");
    s_check_refused ("\"\\ud800x\"", 9, "lone high surrogate");
    s_check_refused ("\"\\ud800\\ud800\"", 14, "lone high surrogate");
    s_check_refused ("\"\\udc00\\ud800\"", 14, "lone low surrogate");
    s_check_refused ("{\"a\":1,\"a\":2}", 13, "duplicate object key at byte 7");
    s_check_refused ("{\"a\":{\"b\":1},\"\\u0061\":2}", 24, "duplicate object key");
    s_check_refused ("[{\"x\":1,\"y\":2,\"x\":[]}]", 22, "duplicate object key");
    s_check_refused ("{\"a\\u0000b\":1}", 14, "U+0000");
}
END_TEST

START_TEST (malformed_syntax)
{
    static const struct { const char *text, *reason; } cases [] = {
        { "", "empty document" },
        { " \n\t ", "empty document" },
        { "null", "null document" },
        { " null ", "null document" },
        { "{} x", "trailing data at byte 3" },
        { "{}{}", "trailing data" },
        { "1 2", "trailing data" },
        { "/* c */ {}", "unexpected '/'" },
        { "{} // c", "trailing data" },
        { "[1,]", "expected a value" },
        { "{\"a\":1,}", "expected a quoted key" },
        { "{a:1}", "expected a quoted key" },
        { "{'a':1}", "expected a quoted key" },
        { "['a']", "unexpected '''" },
        { "[1 2]", "expected ',' or ']'" },
        { "{\"a\" 1}", "expected ':'" },
        { "{\"a\":1 \"b\":2}", "expected ',' or '}'" },
        { "[", "unexpected end of input" },
        { "{\"a\":", "unexpected end of input" },
        { "\"abc", "unterminated string" },
        { "\"abc\\", "unterminated string" },
        { "\"\\x41\"", "invalid escape" },
        { "\"\\u12\"", "invalid escape" },
        { "\"\\u12G4\"", "invalid escape" },
        { "\"\\U0041\"", "invalid escape" },
        { "tru", "unexpected 't'" },
        { "True", "unexpected 'T'" },
        { "nul", "unexpected 'n'" },
        { "+1", "unexpected '+'" },
        { ".5", "unexpected '.'" },
        { "1e", "malformed number" },
        { "1e+", "malformed number" },
        { "-", "malformed number" },
        { "0x10", "trailing data" },
        { "\xef\xbb\xbf{}", "unexpected byte 0xef" },   //  a byte order mark
        { "\v{}", "unexpected byte 0x0b" },
        { "{}\xc2\xa0", "trailing data" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++)
        s_check_refused (cases [i].text, strlen (cases [i].text), cases [i].reason);
    //  NUL bytes: json-c would stop at the first one and call the rest trailing garbage
    s_check_refused ("{}\0", 3, "NUL byte at byte 2");
    s_check_refused ("\"a\0b\"", 5, "NUL byte at byte 2");
    char err [64];
    ck_assert_ptr_null (accord_json_parse (NULL, 0, err, sizeof err));
    ck_assert_str_eq (err, "no input");
    //  err may be NULL
    ck_assert_ptr_null (accord_json_parse ("[", 1, NULL, 0));
}
END_TEST

//  Flat objects of plain strings take a short path: what it builds must be what the full
//  parser builds, and anything it does not handle must still get the full parser's verdict.
START_TEST (flat_objects_as_full_parser)
{
    static const char *accepted [] = {
        "{}",
        "{\"hash\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}",
        "{\"b\":\"2\",\"a\":\"1\",\"\":\"\"}",
        "{\"k\":\"with space ~!@#$%^&*()_+{}[]:;',./<>?|`\"}",
        "{\"k\":\"v\", \"w\":\"x\"}",                  //  white space: full parser
        "{\"k\":\"\\u00e9\"}",                            //  an escape: full parser
        "{\"k\":\"caf\xc3\xa9\"}",                        //  UTF-8: full parser
        "{\"k\":1,\"l\":\"m\"}",                          //  a number: full parser
    };
    for (size_t i = 0; i < sizeof accepted / sizeof accepted [0]; i++) {
        char err [128];
        json_object *obj = accord_json_parse (accepted [i], strlen (accepted [i]), err, sizeof err);
        ck_assert_msg (obj != NULL, "%s refused: %s", accepted [i], err);
        //  The same text through json-c directly
        json_object *reference = json_tokener_parse (accepted [i]);
        ck_assert_ptr_nonnull (reference);
        ck_assert_str_eq (json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PLAIN),
                          json_object_to_json_string_ext (reference, JSON_C_TO_STRING_PLAIN));
        json_object_put (reference);
        json_object_put (obj);
    }
    s_check_refused ("{\"a\":\"1\",\"a\":\"2\"}", 17, "duplicate object key");
    s_check_refused ("{\"a\":\"1\",}", 10, "expected a quoted key");
    s_check_refused ("{\"a\":\"1\"", 8, "unexpected end of input");
    s_check_refused ("{\"a\":\"1\"}x", 10, "trailing data");
    s_check_refused ("{\"a\":\"\x01\"}", 9, "control");
}
END_TEST

//  Depth: 32 nested arrays or objects pass (a scalar inside the deepest too), 33 do not
static char *
s_nested (int depth, const char *open, const char *inside, const char *close)
{
    size_t size = (size_t) depth * (strlen (open) + strlen (close)) + strlen (inside) + 1;
    char *text = malloc (size), *p = text;
    ck_assert_ptr_nonnull (text);
    for (int i = 0; i < depth; i++)
        p += sprintf (p, "%s", open);
    p += sprintf (p, "%s", inside);
    for (int i = 0; i < depth; i++)
        p += sprintf (p, "%s", close);
    return text;
}

START_TEST (limits_depth)
{
    static const struct { const char *open, *inside, *close; } shapes [] = {
        { "[", "", "]" }, { "[", "1", "]" }, { "{\"a\":", "1", "}" }, { "[{\"a\":", "\"s\"", "}]" },
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes [0]; i++) {
        int limit = ACCORD_JSON_MAX_DEPTH;
        if (strchr (shapes [i].open + 1, '{'))
            limit /= 2;                     //  two levels per step
        char *text = s_nested (limit, shapes [i].open, shapes [i].inside, shapes [i].close);
        char err [128];
        json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
        ck_assert_msg (obj != NULL, "%s: %s", text, err);
        char *canonical = accord_json_canonical (obj);
        ck_assert_ptr_nonnull (canonical);
        free (canonical);
        json_object_put (obj);
        free (text);

        text = s_nested (limit + 1, shapes [i].open, shapes [i].inside, shapes [i].close);
        s_check_refused (text, strlen (text), "nesting deeper than 32");
        free (text);
    }
    //  A tree built in code deeper than the parser allows has no canonical form here
    json_object *root = json_object_new_array ();
    json_object *leaf = root;
    for (int i = 0; i < ACCORD_JSON_MAX_DEPTH; i++) {
        json_object *child = json_object_new_array ();
        json_object_array_add (leaf, child);
        leaf = child;
    }
    ck_assert_ptr_null (accord_json_canonical (root));
    json_object_put (root);
}
END_TEST

START_TEST (limits_size)
{
    //  One byte over the limit is refused before any parsing; at the limit it parses
    size_t size = ACCORD_JSON_MAX_SIZE;
    char *text = malloc (size + 1);
    ck_assert_ptr_nonnull (text);
    text [0] = '"';
    memset (text + 1, 'a', size - 2);
    text [size - 1] = '"';
    text [size] = ' ';
    char err [128];
    json_object *obj = accord_json_parse (text, size, err, sizeof err);
    ck_assert_msg (obj != NULL, "%s", err);
    ck_assert_int_eq (json_object_get_string_len (obj), (int) size - 2);
    json_object_put (obj);
    s_check_refused (text, size + 1, "over the limit");
    free (text);
}
END_TEST

START_TEST (accessors)
{
    const char *text = "{\"s\":\"text\",\"o\":{\"k\":1},\"a\":[1,2],\"i\":-42,\"d\":1.5,"
                       "\"n\":null,\"t\":true,\"e\":1e2}";
    char err [128];
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    ck_assert_msg (obj != NULL, "%s", err);

    ck_assert_str_eq (accord_json_get_string (obj, "s"), "text");
    ck_assert_ptr_null (accord_json_get_string (obj, "o"));
    ck_assert_ptr_null (accord_json_get_string (obj, "n"));
    ck_assert_ptr_null (accord_json_get_string (obj, "missing"));
    ck_assert_ptr_null (accord_json_get_string (NULL, "s"));
    ck_assert_ptr_null (accord_json_get_string (obj, NULL));

    json_object *inner = accord_json_get_object (obj, "o");
    ck_assert_ptr_nonnull (inner);
    ck_assert_ptr_null (accord_json_get_object (obj, "a"));
    ck_assert_ptr_nonnull (accord_json_get_array (obj, "a"));
    ck_assert_ptr_null (accord_json_get_array (obj, "o"));
    //  On something that is not an object they find nothing
    ck_assert_ptr_null (accord_json_get_object (accord_json_get_array (obj, "a"), "o"));

    int64_t value = 7;
    ck_assert_int_eq (accord_json_get_int64 (obj, "i", -100, 100, &value), 0);
    ck_assert_int_eq (value, -42);
    ck_assert_int_eq (accord_json_get_int64 (inner, "k", 1, 1, &value), 0);
    ck_assert_int_eq (value, 1);
    value = 7;
    ck_assert_int_eq (accord_json_get_int64 (obj, "i", 0, 100, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "i", -100, -43, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "d", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "e", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "t", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "s", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "missing", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (value, 7);
    json_object_put (obj);

    //  A uint64 beyond INT64_MAX, built in code, is outside every int64 range
    obj = json_object_new_object ();
    json_object_object_add (obj, "u", json_object_new_uint64 ((uint64_t) INT64_MAX + 1));
    json_object_object_add (obj, "m", json_object_new_int64 (INT64_MAX));
    ck_assert_int_eq (accord_json_get_int64 (obj, "u", INT64_MIN, INT64_MAX, &value), -1);
    ck_assert_int_eq (accord_json_get_int64 (obj, "m", INT64_MIN, INT64_MAX, &value), 0);
    ck_assert_int_eq (value, INT64_MAX);
    json_object_put (obj);
}
END_TEST

//  The pull reader walks a document part by part by the parser's rules
START_TEST (reader_walk)
{
    const char *text = " {\"a\" : [1, \"x\\u0041\", {\"k\":null}], \"b\":-42, \"\\u0063\":1.5 } ";
    accord_json_reader_t *reader = accord_json_reader_new (text, strlen (text));
    const char *key, *value;
    size_t len;
    int64_t number;
    ck_assert_int_eq (accord_json_reader_peek (reader), json_type_object);
    ck_assert_int_eq (accord_json_reader_begin (reader, json_type_object), 0);
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_key (reader, &key, &len), 0);
    ck_assert_str_eq (key, "a");
    ck_assert_int_eq (accord_json_reader_begin (reader, json_type_array), 0);
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_int64 (reader, 0, 10, &number), 0);
    ck_assert_int_eq (number, 1);
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_string (reader, &value, &len), 0);
    ck_assert_str_eq (value, "xA");
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_skip (reader), 0);
    ck_assert_int_eq (accord_json_reader_next (reader), 0);
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_key (reader, &key, &len), 0);
    ck_assert_int_eq (accord_json_reader_int64 (reader, 0, 10, &number), -2);         //  out of range, read
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_key (reader, &key, &len), 0);
    ck_assert_str_eq (key, "c");
    ck_assert_int_eq (accord_json_reader_int64 (reader, 0, 10, &number), -2);         //  not an integer
    ck_assert_int_eq (accord_json_reader_next (reader), 0);
    ck_assert_int_eq (accord_json_reader_end (reader), 0);
    ck_assert_str_eq (accord_json_reader_error (reader), "");
    accord_json_reader_destroy (&reader);

    //  What the parser refuses, the reader does, and it stays refused
    const char *refused [] = { "[1,]", "[1 2]", "{\"a\":1,}", "[\"\\ud800\"]", "[01]", "[1] x", "{\"a\":[}",
                               "[\"\x01\"]", "[\"\xc0\xaf\"]", "[nul]" };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        reader = accord_json_reader_new (refused [i], strlen (refused [i]));
        int read = accord_json_reader_skip (reader) == 0 && accord_json_reader_end (reader) == 0;
        ck_assert_msg (!read, "%s read", refused [i]);
        ck_assert (accord_json_reader_error (reader) [0]);
        ck_assert_int_eq (accord_json_reader_skip (reader), -1);
        accord_json_reader_destroy (&reader);
    }
    //  Keys: a U+0000 in one is refused (json-c would cut it), as the parser does
    text = "{\"a\\u0000b\":1}";
    reader = accord_json_reader_new (text, strlen (text));
    ck_assert_int_eq (accord_json_reader_begin (reader, json_type_object), 0);
    ck_assert_int_eq (accord_json_reader_next (reader), 1);
    ck_assert_int_eq (accord_json_reader_key (reader, &key, &len), -1);
    ck_assert_ptr_nonnull (strstr (accord_json_reader_error (reader), "U+0000"));
    accord_json_reader_destroy (&reader);
}
END_TEST

Suite *
test_json_suite (void)
{
    Suite *suite = suite_create ("json");
    TCase *tc = tcase_create ("numbers");
    tcase_add_test (tc, numbers_appendix_b);
    tcase_add_test (tc, numbers_no_form);
    tcase_add_test (tc, numbers_layout);
    tcase_add_test (tc, numbers_integers);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("canonical");
    tcase_add_test (tc, rfc8785_sample);
    tcase_add_test (tc, rfc8785_sorting);
    tcase_add_test (tc, rfc8785_testdata);
    tcase_add_test (tc, strings_escaping);
    tcase_add_test (tc, strings_surrogate_pairs);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_add_test (tc, malformed_lenient_json_c);
    tcase_add_test (tc, malformed_syntax);
    tcase_add_test (tc, flat_objects_as_full_parser);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("limits");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, limits_depth);
    tcase_add_test (tc, limits_size);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("accessors");
    tcase_add_test (tc, accessors);
    tcase_add_test (tc, reader_walk);
    suite_add_tcase (suite, tc);
    return suite;
}
