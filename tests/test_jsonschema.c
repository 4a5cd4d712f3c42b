/*  JSON Schema: schema checks, every keyword accepting and refusing with the message the user
    sees, limits, and rows from the JSON-Schema-Test-Suite (json-schema-org, tests/draft2020-12:
    type.json, enum.json, additionalProperties.json, pattern.json, minLength.json,
    maxLength.json, uniqueItems.json), keeping the rows whose keywords we support. */
#include "testutil.h"
#include "accord/json.h"
#include "accord/jsonschema.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *
s_parse (const char *text)
{
    char err [256];
    json_object *obj = accord_json_parse (text, strlen (text), err, sizeof err);
    //  "null" parses to NULL with reason "null document"
    ck_assert_msg (obj != NULL || strcmp (err, "null document") == 0,
                   "test JSON does not parse: %s: %s", text, err);
    return obj;
}

//  Validates; returns the code and copies the message.
static int
s_run (const char *schema_text, const char *instance_text, char *err, size_t err_size)
{
    json_object *schema = s_parse (schema_text);
    json_object *instance = s_parse (instance_text);
    int rc = accord_jsonschema_validate (schema, instance, err, err_size);
    json_object_put (schema);
    json_object_put (instance);
    return rc;
}

static void
s_valid (const char *schema, const char *instance)
{
    char err [512] = "";
    int rc = s_run (schema, instance, err, sizeof err);
    ck_assert_msg (rc == 0, "%s refused %s: %d %s", schema, instance, rc, err);
}

static void
s_invalid (const char *schema, const char *instance, const char *message)
{
    char err [512] = "";
    int rc = s_run (schema, instance, err, sizeof err);
    ck_assert_msg (rc == -2, "%s accepted %s (%d %s)", schema, instance, rc, err);
    if (message)
        ck_assert_str_eq (err, message);
}

//  A schema refused by the check, with this message, and by validation with -1.
static void
s_bad_schema (const char *schema_text, const char *message)
{
    json_object *schema = s_parse (schema_text);
    char err [512] = "";
    int rc = accord_jsonschema_check (schema, err, sizeof err);
    ck_assert_msg (rc == -2, "schema accepted: %s", schema_text);
    ck_assert_str_eq (err, message);
    char again [512] = "";
    ck_assert_int_eq (accord_jsonschema_validate (schema, NULL, again, sizeof again), -1);
    ck_assert_str_eq (again, message);
    json_object_put (schema);
}

static void
s_good_schema (const char *schema_text)
{
    json_object *schema = s_parse (schema_text);
    char err [512] = "";
    ck_assert_msg (accord_jsonschema_check (schema, err, sizeof err) == 0,
                   "schema refused: %s: %s", schema_text, err);
    json_object_put (schema);
}

//  The example of the issue: a credential subject
static const char *s_person =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
    "\"$id\":\"https://accord.example/schemas/person/1\",\"title\":\"Person\","
    "\"description\":\"A person over 18\",\"type\":\"object\",\"required\":[\"credentialSubject\"],"
    "\"properties\":{\"credentialSubject\":{\"type\":\"object\","
    "\"required\":[\"name\",\"age\"],\"additionalProperties\":false,\"properties\":{"
    "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":5},"
    "\"age\":{\"type\":\"integer\",\"minimum\":18,\"maximum\":130},"
    "\"country\":{\"enum\":[\"FR\",\"DE\",\"NL\"]},"
    "\"zip\":{\"type\":\"string\",\"pattern\":\"^\\\\d{5}$\"},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,"
    "\"maxItems\":3},"
    "\"address\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}}}";

START_TEST (credential_example)
{
    s_good_schema (s_person);
    s_valid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":18}}");
    s_valid (s_person, "{\"credentialSubject\":{\"name\":\"Zoë\",\"age\":40,\"country\":\"NL\","
                       "\"zip\":\"75001\",\"tags\":[\"a\",\"b\"],\"address\":{\"city\":\"Lyon\"}},"
                       "\"other\":1}");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":17}}",
               "/credentialSubject/age: 17 is below minimum 18");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":18.5}}",
               "/credentialSubject/age: expected integer, got number");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\"}}",
               "/credentialSubject: missing required property 'age'");
    s_invalid (s_person, "{}", "(root): missing required property 'credentialSubject'");
    s_invalid (s_person, "[]", "(root): expected object, got array");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":20,\"extra\":1}}",
               "/credentialSubject/extra: property not allowed (additionalProperties is false)");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":20,\"zip\":\"7500\"}}",
               "/credentialSubject/zip: string does not match pattern '^\\d{5}$'");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":20,"
                         "\"tags\":[\"a\",\"b\",\"a\"]}}",
               "/credentialSubject/tags/2: repeats item 0 (uniqueItems)");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":20,"
                         "\"tags\":[\"a\",7]}}",
               "/credentialSubject/tags/1: expected string, got integer");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":20,"
                         "\"address\":{\"city\":false}}}",
               "/credentialSubject/address/city: expected string, got boolean");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"Ana\",\"age\":20,\"country\":\"IT\"}}",
               "/credentialSubject/country: value is not one of the 3 enum values");
    //  Members are checked in name order, whatever their order in the text
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"\",\"age\":1}}",
               "/credentialSubject/age: 1 is below minimum 18");
    s_invalid (s_person, "{\"credentialSubject\":{\"age\":1,\"name\":\"\"}}",
               "/credentialSubject/age: 1 is below minimum 18");
    s_invalid (s_person, "{\"credentialSubject\":{\"name\":\"\",\"age\":18}}",
               "/credentialSubject/name: string of 0 characters is shorter than minLength 1");
}
END_TEST

START_TEST (keyword_type)
{
    s_valid ("{\"type\":\"null\"}", "null");
    s_valid ("{\"type\":\"boolean\"}", "false");
    s_valid ("{\"type\":\"integer\"}", "-3");
    s_valid ("{\"type\":\"integer\"}", "1.0");
    s_valid ("{\"type\":\"integer\"}", "1e3");
    s_valid ("{\"type\":\"number\"}", "1.5");
    s_valid ("{\"type\":\"number\"}", "7");
    s_valid ("{\"type\":\"string\"}", "\"\"");
    s_valid ("{\"type\":\"array\"}", "[]");
    s_valid ("{\"type\":\"object\"}", "{}");
    s_valid ("{\"type\":[\"string\",\"null\"]}", "null");
    s_invalid ("{\"type\":\"integer\"}", "1.5", "(root): expected integer, got number");
    s_invalid ("{\"type\":\"number\"}", "\"1\"", "(root): expected number, got string");
    s_invalid ("{\"type\":\"null\"}", "0", "(root): expected null, got integer");
    s_invalid ("{\"type\":\"boolean\"}", "null", "(root): expected boolean, got null");
    s_invalid ("{\"type\":\"object\"}", "[]", "(root): expected object, got array");
    s_invalid ("{\"type\":[\"string\",\"null\"]}", "{}",
               "(root): expected string or null, got object");
    s_invalid ("{\"type\":[\"integer\",\"string\",\"null\"]}", "true",
               "(root): expected integer, string or null, got boolean");
}
END_TEST

START_TEST (keyword_numbers)
{
    s_valid ("{\"minimum\":18}", "18");
    s_valid ("{\"minimum\":18}", "18.0");
    s_valid ("{\"minimum\":-1.5}", "-1.5");
    s_invalid ("{\"minimum\":-1.5}", "-1.6", "(root): -1.6 is below minimum -1.5");
    s_valid ("{\"maximum\":3}", "3");
    s_invalid ("{\"maximum\":3}", "3.0001", "(root): 3.0001 is above maximum 3");
    s_valid ("{\"exclusiveMinimum\":1.1}", "1.2");
    s_invalid ("{\"exclusiveMinimum\":1.1}", "1.1", "(root): 1.1 is not above exclusiveMinimum 1.1");
    s_valid ("{\"exclusiveMaximum\":3.0}", "2.9");
    s_invalid ("{\"exclusiveMaximum\":3.0}", "3", "(root): 3 is not below exclusiveMaximum 3");
    s_invalid ("{\"maximum\":1e21}", "2e21", "(root): 2e+21 is above maximum 1e+21");
    //  Numbers are doubles: 2^53 + 1 reads as 2^53
    s_valid ("{\"maximum\":9007199254740992}", "9007199254740993");
    //  Bounds ignore other types
    s_valid ("{\"minimum\":5,\"maximum\":1}", "\"x\"");
    //  Order: minimum, exclusiveMinimum, maximum, exclusiveMaximum
    s_invalid ("{\"exclusiveMaximum\":0,\"minimum\":5}", "1", "(root): 1 is below minimum 5");
}
END_TEST

START_TEST (keyword_strings)
{
    s_valid ("{\"minLength\":2,\"maxLength\":3}", "\"ab\"");
    s_valid ("{\"minLength\":2,\"maxLength\":3}", "\"abc\"");
    s_invalid ("{\"minLength\":2}", "\"a\"",
               "(root): string of 1 characters is shorter than minLength 2");
    s_invalid ("{\"maxLength\":3}", "\"abcd\"",
               "(root): string of 4 characters is longer than maxLength 3");
    //  Code points, not bytes and not UTF-16 units: é is 2 bytes, U+1F4A9 4 bytes (2 units)
    s_valid ("{\"maxLength\":3}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"");
    s_valid ("{\"maxLength\":1}", "\"\\uD83D\\uDCA9\"");
    s_valid ("{\"minLength\":2,\"maxLength\":2}", "\"\xe6\x97\xa5\xf0\x9f\x92\xa9\"");
    s_invalid ("{\"minLength\":2}", "\"\\uD83D\\uDCA9\"",
               "(root): string of 1 characters is shorter than minLength 2");
    //  A length given as 2.0 is an integer
    s_valid ("{\"maxLength\":2.0}", "\"ab\"");
    s_valid ("{\"minLength\":0}", "\"\"");
    //  pattern: searched anywhere, anchors when written
    s_valid ("{\"pattern\":\"a+\"}", "\"xxaayy\"");
    s_invalid ("{\"pattern\":\"^a+$\"}", "\"xxaayy\"",
               "(root): string does not match pattern '^a+$'");
    s_valid ("{\"pattern\":\"^[A-Z]{2}-\\\\d{3,}$\"}", "\"FR-1234\"");
    s_invalid ("{\"pattern\":\"^[A-Z]{2}-\\\\d{3,}$\"}", "\"FR-12\"", NULL);
    s_valid ("{\"pattern\":\"^\\\\S+@\\\\S+\\\\.\\\\w+$\"}", "\"ana@example.org\"");
    s_invalid ("{\"pattern\":\"^\\\\S+@\\\\S+\\\\.\\\\w+$\"}", "\"ana @example.org\"", NULL);
    //  On code points: . is one character whatever its size; \\w and \\d are ASCII
    s_valid ("{\"pattern\":\"^.{3}$\"}", "\"\xc3\xa9\xf0\x9f\x92\xa9x\"");
    s_invalid ("{\"pattern\":\"^\\\\w+$\"}", "\"caf\xc3\xa9\"", NULL);
    s_valid ("{\"pattern\":\"^[\\\\u00e0-\\\\u00ff]+$\"}", "\"\xc3\xa9\xc3\xa0\"");
    //  . does not match line terminators
    s_invalid ("{\"pattern\":\"^a.b$\"}", "\"a\\nb\"", NULL);
    s_valid ("{\"pattern\":\"^a[^x]b$\"}", "\"a\\nb\"");
    //  A NUL inside the string is a character like any other
    s_valid ("{\"pattern\":\"^a\\\\u0000b$\"}", "\"a\\u0000b\"");
    s_valid ("{\"pattern\":\"^a.b$\"}", "\"a\\u0000b\"");
    //  Patterns ignore other types
    s_valid ("{\"pattern\":\"^x$\",\"minLength\":9}", "12");
}
END_TEST

START_TEST (keyword_enum_const)
{
    s_valid ("{\"enum\":[1,\"a\",null,[1,2],{\"k\":true}]}", "1.0");
    s_valid ("{\"enum\":[1,\"a\",null,[1,2],{\"k\":true}]}", "null");
    s_valid ("{\"enum\":[1,\"a\",null,[1,2],{\"k\":true}]}", "[1,2]");
    s_valid ("{\"enum\":[1,\"a\",null,[1,2],{\"k\":true}]}", "{\"k\":true}");
    s_invalid ("{\"enum\":[1,\"a\",null,[1,2],{\"k\":true}]}", "[2,1]",
               "(root): value is not one of the 5 enum values");
    s_invalid ("{\"enum\":[1,\"a\",null,[1,2],{\"k\":true}]}", "{\"k\":true,\"j\":1}", NULL);
    s_invalid ("{\"enum\":[false]}", "0", NULL);
    s_invalid ("{\"enum\":[1]}", "true", NULL);
    s_valid ("{\"const\":{\"a\":[1,{\"b\":null}],\"c\":\"x\"}}", "{\"c\":\"x\",\"a\":[1.0,{\"b\":null}]}");
    s_invalid ("{\"const\":{\"a\":1}}", "{\"a\":2}", "(root): value differs from const");
    s_valid ("{\"const\":null}", "null");
    s_invalid ("{\"const\":null}", "false", "(root): value differs from const");
    s_invalid ("{\"const\":\"a\\u0000b\"}", "\"a\"", NULL);
    s_valid ("{\"const\":\"a\\u0000b\"}", "\"a\\u0000b\"");
}
END_TEST

START_TEST (keyword_arrays)
{
    s_valid ("{\"minItems\":1,\"maxItems\":2}", "[1]");
    s_invalid ("{\"minItems\":1}", "[]", "(root): array of 0 items is shorter than minItems 1");
    s_invalid ("{\"maxItems\":2}", "[1,2,3]", "(root): array of 3 items is longer than maxItems 2");
    s_valid ("{\"items\":{\"type\":\"integer\"}}", "[1,2,3]");
    s_invalid ("{\"items\":{\"type\":\"integer\"}}", "[1,\"2\",true]",
               "/1: expected integer, got string");
    s_valid ("{\"items\":false}", "[]");
    s_invalid ("{\"items\":false}", "[0]", "/0: item not allowed (items is false)");
    s_valid ("{\"items\":{\"items\":{\"minimum\":0}}}", "[[0],[1,2]]");
    s_invalid ("{\"items\":{\"items\":{\"minimum\":0}}}", "[[0],[1,-2]]",
               "/1/1: -2 is below minimum 0");
    s_valid ("{\"uniqueItems\":true}", "[1,\"1\",[1],{\"a\":1},true,null]");
    s_invalid ("{\"uniqueItems\":true}", "[1,2,3,2,1]", "/3: repeats item 1 (uniqueItems)");
    s_invalid ("{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1.0}]",
               "/1: repeats item 0 (uniqueItems)");
    s_valid ("{\"uniqueItems\":false}", "[1,1]");
    //  Order: minItems, maxItems, uniqueItems, then items
    s_invalid ("{\"uniqueItems\":true,\"items\":{\"type\":\"string\"}}", "[1,1]",
               "/1: repeats item 0 (uniqueItems)");
}
END_TEST

START_TEST (keyword_objects)
{
    const char *schema = "{\"properties\":{\"a\":{\"type\":\"string\"},\"b/c~d\":{\"type\":\"null\"}},"
                         "\"additionalProperties\":{\"type\":\"boolean\"},\"required\":[\"a\"]}";
    s_valid (schema, "{\"a\":\"x\",\"b/c~d\":null,\"z\":true}");
    s_invalid (schema, "{\"a\":\"x\",\"z\":1}", "/z: expected boolean, got integer");
    //  RFC 6901 escapes in the pointer
    s_invalid (schema, "{\"a\":\"x\",\"b/c~d\":1}", "/b~1c~0d: expected null, got integer");
    s_invalid (schema, "{\"b/c~d\":null}", "(root): missing required property 'a'");
    //  required before the members; members in name order
    s_invalid (schema, "{\"z\":0,\"a\":1}", "/a: expected string, got integer");
    //  required and properties ignore other types
    s_valid (schema, "[1]");
    s_valid ("{\"additionalProperties\":false}", "{}");
    s_invalid ("{\"additionalProperties\":false}", "{\"x\":null}",
               "/x: property not allowed (additionalProperties is false)");
    s_valid ("{\"properties\":{\"x\":true,\"y\":false}}", "{\"x\":1}");
    s_invalid ("{\"properties\":{\"x\":true,\"y\":false}}", "{\"y\":1}",
               "/y: property not allowed (additionalProperties is false)");
    //  Nested objects
    const char *nested = "{\"properties\":{\"a\":{\"properties\":{\"b\":{\"properties\":"
                         "{\"c\":{\"required\":[\"d\"]}}}}}}}";
    s_valid (nested, "{\"a\":{\"b\":{\"c\":{\"d\":0}}}}");
    s_invalid (nested, "{\"a\":{\"b\":{\"c\":{}}}}", "/a/b/c: missing required property 'd'");
}
END_TEST

START_TEST (boolean_and_annotations)
{
    s_valid ("true", "{\"anything\":[1]}");
    s_valid ("{}", "null");
    s_invalid ("false", "1", "(root): value not allowed (the schema is false)");
    s_good_schema ("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema#\"}");
    s_valid ("{\"$id\":\"urn:x\",\"$comment\":\"c\",\"title\":\"t\",\"description\":\"d\","
             "\"default\":{\"x\":[1]},\"examples\":[1,\"a\"],\"type\":\"integer\"}", "5");
}
END_TEST

//  Rows of the JSON-Schema-Test-Suite (draft2020-12)
static const struct {
    const char *schema;
    const char *data;
    int valid;
} s_suite [] = {
    //  type.json
    { "{\"type\":\"integer\"}", "1", 1 }, { "{\"type\":\"integer\"}", "1.0", 1 },
    { "{\"type\":\"integer\"}", "1.1", 0 }, { "{\"type\":\"integer\"}", "\"1\"", 0 },
    { "{\"type\":\"integer\"}", "{}", 0 }, { "{\"type\":\"integer\"}", "true", 0 },
    { "{\"type\":\"number\"}", "1.1", 1 }, { "{\"type\":\"number\"}", "null", 0 },
    { "{\"type\":\"string\"}", "\"1\"", 1 }, { "{\"type\":\"string\"}", "1.1", 0 },
    { "{\"type\":\"object\"}", "{}", 1 }, { "{\"type\":\"object\"}", "[]", 0 },
    { "{\"type\":\"array\"}", "[]", 1 }, { "{\"type\":\"array\"}", "{}", 0 },
    { "{\"type\":\"boolean\"}", "false", 1 }, { "{\"type\":\"boolean\"}", "0", 0 },
    { "{\"type\":\"boolean\"}", "\"\"", 0 }, { "{\"type\":\"null\"}", "null", 1 },
    { "{\"type\":\"null\"}", "false", 0 }, { "{\"type\":\"null\"}", "\"\"", 0 },
    { "{\"type\":[\"integer\",\"string\"]}", "\"foo\"", 1 },
    { "{\"type\":[\"integer\",\"string\"]}", "1.1", 0 },
    { "{\"type\":[\"string\"]}", "123", 0 },
    { "{\"type\":[\"array\",\"object\",\"null\"]}", "null", 1 },
    { "{\"type\":[\"array\",\"object\",\"null\"]}", "\"foo\"", 0 },
    //  enum.json
    { "{\"enum\":[1,2,3]}", "1", 1 }, { "{\"enum\":[1,2,3]}", "4", 0 },
    { "{\"enum\":[6,\"foo\",[],true,{\"foo\":12}]}", "[]", 1 },
    { "{\"enum\":[6,\"foo\",[],true,{\"foo\":12}]}", "null", 0 },
    { "{\"enum\":[6,\"foo\",[],true,{\"foo\":12}]}", "{\"foo\":false}", 0 },
    { "{\"enum\":[6,\"foo\",[],true,{\"foo\":12}]}", "{\"foo\":12,\"boo\":42}", 0 },
    { "{\"enum\":[6,null]}", "null", 1 }, { "{\"enum\":[6,null]}", "\"test\"", 0 },
    { "{\"enum\":[\"foo\\nbar\",\"foo\\rbar\"]}", "\"foo\\rbar\"", 1 },
    { "{\"enum\":[false]}", "0", 0 }, { "{\"enum\":[[false]]}", "[0.0]", 0 },
    { "{\"enum\":[true]}", "1", 0 }, { "{\"enum\":[0]}", "false", 0 },
    { "{\"enum\":[0]}", "0.0", 1 }, { "{\"enum\":[[1]]}", "[1.0]", 1 },
    { "{\"enum\":[\"hello\\u0000there\"]}", "\"hello\\u0000there\"", 1 },
    { "{\"enum\":[\"hello\\u0000there\"]}", "\"hellothere\"", 0 },
    { "{\"type\":\"object\",\"properties\":{\"foo\":{\"enum\":[\"foo\"]},\"bar\":{\"enum\":[\"bar\"]}},"
      "\"required\":[\"bar\"]}", "{\"foo\":\"foot\",\"bar\":\"bar\"}", 0 },
    { "{\"type\":\"object\",\"properties\":{\"foo\":{\"enum\":[\"foo\"]},\"bar\":{\"enum\":[\"bar\"]}},"
      "\"required\":[\"bar\"]}", "{\"foo\":\"foo\"}", 0 },
    { "{\"type\":\"object\",\"properties\":{\"foo\":{\"enum\":[\"foo\"]},\"bar\":{\"enum\":[\"bar\"]}},"
      "\"required\":[\"bar\"]}", "{\"bar\":\"bar\"}", 1 },
    //  additionalProperties.json
    { "{\"properties\":{\"foo\":{},\"bar\":{}},\"additionalProperties\":false}",
      "{\"foo\":1,\"bar\":2,\"quux\":\"boom\"}", 0 },
    { "{\"properties\":{\"foo\":{},\"bar\":{}},\"additionalProperties\":false}", "[1,2,3]", 1 },
    { "{\"properties\":{\"foo\":{},\"bar\":{}},\"additionalProperties\":{\"type\":\"boolean\"}}",
      "{\"foo\":1,\"bar\":2,\"quux\":true}", 1 },
    { "{\"properties\":{\"foo\":{},\"bar\":{}},\"additionalProperties\":{\"type\":\"boolean\"}}",
      "{\"foo\":1,\"bar\":2,\"quux\":12}", 0 },
    { "{\"additionalProperties\":{\"type\":\"boolean\"}}", "{\"foo\":1}", 0 },
    { "{\"properties\":{\"foo\":{},\"bar\":{}}}", "{\"foo\":1,\"bar\":2,\"quux\":true}", 1 },
    { "{\"additionalProperties\":{\"type\":\"null\"}}", "{\"foo\":null}", 1 },
    //  pattern.json
    { "{\"pattern\":\"^a*$\"}", "\"aaa\"", 1 }, { "{\"pattern\":\"^a*$\"}", "\"abc\"", 0 },
    { "{\"pattern\":\"^a*$\"}", "true", 1 }, { "{\"pattern\":\"^a*$\"}", "1.0", 1 },
    { "{\"pattern\":\"a+\"}", "\"xxaayy\"", 1 },
    { "{\"pattern\":\"^\xcf\x80$\"}", "\"\xcf\x80\"", 1 },
    { "{\"pattern\":\"^\xcf\x80$\"}", "\"p\"", 0 },
    { "{\"pattern\":\"^\xcf\x80$\"}", "\"\xcf\x80\xcf\x80\"", 0 },
    //  minLength.json, maxLength.json
    { "{\"minLength\":2}", "\"fo\"", 1 }, { "{\"minLength\":2}", "\"f\"", 0 },
    { "{\"minLength\":2}", "1", 1 }, { "{\"minLength\":2}", "\"\\uD83D\\uDCA9\"", 0 },
    { "{\"minLength\":2.0}", "\"f\"", 0 },
    { "{\"maxLength\":2}", "\"foo\"", 0 }, { "{\"maxLength\":2}", "100", 1 },
    { "{\"maxLength\":2}", "\"\\uD83D\\uDCA9\\uD83D\\uDCA9\"", 1 },
    { "{\"maxLength\":2.0}", "\"foo\"", 0 },
    //  uniqueItems.json
    { "{\"uniqueItems\":true}", "[1,1]", 0 }, { "{\"uniqueItems\":true}", "[1.0,1.00,1]", 0 },
    { "{\"uniqueItems\":true}", "[0,false]", 1 }, { "{\"uniqueItems\":true}", "[1,true]", 1 },
    { "{\"uniqueItems\":true}", "[{\"foo\":{\"bar\":{\"baz\":true}}},{\"foo\":{\"bar\":{\"baz\":true}}}]", 0 },
    { "{\"uniqueItems\":true}", "[[\"foo\"],[\"bar\"]]", 1 },
    { "{\"uniqueItems\":true}", "[[[1],\"foo\"],[[true],\"foo\"]]", 1 },
    { "{\"uniqueItems\":true}", "[{},[1],true,null,1,\"{}\"]", 1 },
    { "{\"uniqueItems\":true}", "[{},[1],true,null,{},1]", 0 },
    { "{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]", 0 },
    { "{\"uniqueItems\":true}", "[{\"a\":false},{\"a\":0}]", 1 },
    { "{\"uniqueItems\":false}", "[{},[1],true,null,{},1]", 1 },
};

START_TEST (test_suite_rows)
{
    for (size_t i = 0; i < sizeof s_suite / sizeof s_suite [0]; i++) {
        char err [512] = "";
        int rc = s_run (s_suite [i].schema, s_suite [i].data, err, sizeof err);
        ck_assert_msg (rc == (s_suite [i].valid ? 0 : -2), "row %zu: %s with %s gave %d %s",
                       i, s_suite [i].schema, s_suite [i].data, rc, err);
    }
}
END_TEST

START_TEST (malformed_schemas)
{
    s_bad_schema ("1", "schema: a schema must be an object or a boolean");
    s_bad_schema ("null", "schema: a schema must be an object or a boolean");
    s_bad_schema ("{\"format\":\"date-time\"}",
                  "schema: unsupported keyword 'format' (it would not be checked; use pattern)");
    s_bad_schema ("{\"properties\":{\"a\":{\"$ref\":\"#\"}}}",
                  "schema /properties/a: unsupported keyword '$ref'");
    s_bad_schema ("{\"allOf\":[]}", "schema: unsupported keyword 'allOf'");
    s_bad_schema ("{\"minimum\":\"1\"}", "schema /minimum: must be a number");
    s_bad_schema ("{\"properties\":{\"age\":{\"maximum\":null}}}",
                  "schema /properties/age/maximum: must be a number");
    s_bad_schema ("{\"minLength\":-1}", "schema /minLength: must be a non-negative integer");
    s_bad_schema ("{\"maxItems\":1.5}", "schema /maxItems: must be a non-negative integer");
    s_bad_schema ("{\"minItems\":9007199254740992}",
                  "schema /minItems: must be a non-negative integer");
    s_bad_schema ("{\"type\":\"float\"}", "schema /type: unknown type 'float'");
    s_bad_schema ("{\"type\":[]}", "schema /type: must be a type name or a non-empty array of "
                                   "type names");
    s_bad_schema ("{\"type\":[\"string\",\"string\"]}", "schema /type: type 'string' appears twice");
    s_bad_schema ("{\"type\":[\"string\",1]}", "schema /type: item 1 is not a type name");
    s_bad_schema ("{\"required\":\"a\"}", "schema /required: must be an array of property names");
    s_bad_schema ("{\"required\":[\"a\",\"a\"]}", "schema /required: 'a' appears twice");
    s_bad_schema ("{\"required\":[1]}", "schema /required: item 0 is not a string");
    s_bad_schema ("{\"enum\":[]}", "schema /enum: must not be empty");
    s_bad_schema ("{\"enum\":1}", "schema /enum: must be an array");
    s_bad_schema ("{\"items\":[{}]}", "schema /items: must be a schema (an array of schemas is "
                                      "prefixItems in 2020-12, not supported)");
    s_bad_schema ("{\"items\":1}", "schema /items: a schema must be an object or a boolean");
    s_bad_schema ("{\"additionalProperties\":{\"type\":1}}",
                  "schema /additionalProperties/type: must be a type name or a non-empty array "
                  "of type names");
    s_bad_schema ("{\"properties\":[]}", "schema /properties: must be an object of schemas");
    s_bad_schema ("{\"uniqueItems\":1}", "schema /uniqueItems: must be true or false");
    s_bad_schema ("{\"title\":1}", "schema /title: must be a string");
    s_bad_schema ("{\"examples\":{}}", "schema /examples: must be an array");
    s_bad_schema ("{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}",
                  "schema /$schema: unsupported $schema (only "
                  "https://json-schema.org/draft/2020-12/schema)");
    s_bad_schema ("{\"properties\":{\"a\":{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"}}}",
                  "schema /properties/a/$schema: $schema is allowed only at the root");
    s_bad_schema ("{\"properties\":{\"a/b\":{\"pattern\":1}}}",
                  "schema /properties/a~1b/pattern: must be a string");
    //  The first problem in keyword order is reported, whatever the text's order
    s_bad_schema ("{\"type\":\"x\",\"maximum\":\"y\"}", "schema /maximum: must be a number");
    s_bad_schema ("{\"maximum\":\"y\",\"type\":\"x\"}", "schema /maximum: must be a number");
}
END_TEST

START_TEST (malformed_patterns)
{
    static const struct { const char *pattern; const char *reason; } rows [] = {
        { "(?=a)", "lookahead (?= ...) is not supported" },
        { "(?!a)", "lookahead (?! ...) is not supported" },
        { "(?<=a)b", "lookbehind (?<= ...) is not supported" },
        { "(a)\\\\1", "backreferences are not supported" },
        { "(?<n>a)\\\\k<n>", "named backreferences are not supported" },
        { "\\\\p{L}", "Unicode property escapes (\\p{...}) are not supported" },
        { "\\\\012", "octal escapes are not supported" },
        { "a{", "lone '{' at offset 1 (write \\{ for a brace)" },
        { "a}", "lone '}' at offset 1 (write \\})" },
        { "]", "lone ']' at offset 0 (write \\])" },
        { "a**", "nothing to repeat at offset 2" },
        { "^*", "nothing to repeat at offset 1" },
        { "+a", "nothing to repeat at offset 0" },
        { "(a", "missing ')' for the group at offset 0" },
        { "a)", "unmatched ')' at offset 1" },
        { "[a", "missing ']' for the character class at offset 0" },
        { "[z-a]", "range out of order in character class" },
        { "[\\\\d-z]", "a class escape cannot bound a range" },
        { "\\\\q", "invalid escape \\q" },
        { "\\\\", "\\ at the end of the pattern" },
        { "a{1001}", "repetition count above 1000" },
        { "a{3,2}", "numbers out of order in {} quantifier" },
        { "(a{1000}){1000}", "pattern too complex: more than 2048 steps once repetitions are "
                             "expanded" },
        { "((((){1000}){1000}){1000}){1000}", "pattern too complex to compile" },
        { "\\\\x4", "\\x needs two hex digits" },
        { "\\\\u12", "\\u needs four hex digits" },
        { "(?x)", "invalid group (? at offset 0" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows [0]; i++) {
        char schema [256], message [512];
        snprintf (schema, sizeof schema, "{\"properties\":{\"p\":{\"pattern\":\"%s\"}}}",
                  rows [i].pattern);
        snprintf (message, sizeof message, "schema /properties/p/pattern: invalid pattern: %s",
                  rows [i].reason);
        s_bad_schema (schema, message);
    }
    //  Group nesting
    char deep [256] = "{\"pattern\":\"";
    for (int i = 0; i < 33; i++)
        strcat (deep, "(");
    strcat (deep, "a");
    for (int i = 0; i < 33; i++)
        strcat (deep, ")");
    strcat (deep, "\"}");
    s_bad_schema (deep, "schema /pattern: invalid pattern: groups nested deeper than 32");
    //  Length
    char longer [512] = "{\"pattern\":\"";
    for (int i = 0; i < ACCORD_JSONSCHEMA_MAX_PATTERN + 1; i++)
        strcat (longer, "a");
    strcat (longer, "\"}");
    s_bad_schema (longer, "schema /pattern: pattern longer than 256 bytes");
    //  Count
    char many [4096] = "{\"properties\":{";
    for (int i = 0; i <= ACCORD_JSONSCHEMA_MAX_PATTERNS; i++)
        sprintf (many + strlen (many), "%s\"p%02d\":{\"pattern\":\"a\"}", i ? "," : "", i);
    strcat (many, "}}");
    s_bad_schema (many, "schema /properties/p64/pattern: more than 64 patterns in one schema");
}
END_TEST

START_TEST (patterns_supported)
{
    static const struct { const char *pattern; const char *text; int match; } rows [] = {
        { "^(?:ab|c)+$", "abcab", 1 }, { "^(?:ab|c)+$", "abcb", 0 },
        { "^(?<year>\\\\d{4})-(?<m>\\\\d{2})$", "2024-05", 1 },
        { "^a{2}$", "aa", 1 }, { "^a{2}$", "aaa", 0 }, { "^a{2,}$", "aaaa", 1 },
        { "^a{1,2}?$", "aa", 1 }, { "^a*?b$", "aab", 1 }, { "^a+?$", "", 0 },
        { "\\\\bcat\\\\b", "a cat!", 1 }, { "\\\\bcat\\\\b", "cats", 0 }, { "\\\\Bat", "cat", 1 },
        { "^[^\\\\s]+$", "a\\u00a0b", 0 }, { "^\\\\s$", "\\u3000", 1 }, { "^\\\\s$", "\\t", 1 },
        { "^[\\\\w.-]+$", "a.b-c_d", 1 }, { "^[\\\\W]$", "\\u00e9", 1 }, { "^\\\\D\\\\W\\\\S$", "a!b", 1 },
        { "^[\\\\b]$", "\\b", 1 }, { "^\\\\cJ$", "\\n", 1 }, { "^\\\\x41\\\\u0042\\\\u{43}$", "ABC", 1 },
        { "^\\\\uD83D\\\\uDCA9$", "\\uD83D\\uDCA9", 1 }, { "^\\\\u{1F4A9}$", "\\uD83D\\uDCA9", 1 },
        { "^[\\\\u{1F400}-\\\\u{1F4FF}]$", "\\uD83D\\uDCA9", 1 },
        { "^\\\\.\\\\*\\\\+\\\\?\\\\(\\\\)\\\\[\\\\]\\\\{\\\\}\\\\|\\\\^\\\\$\\\\\\\\\\\\/$", ".*+?()[]{}|^$\\\\/", 1 },
        { "^[-a]$", "-", 1 }, { "^[a-]$", "-", 1 }, { "^[\\\\-]$", "-", 1 }, { "^[]$", "", 0 },
        { "^[^]$", "\\n", 1 }, { "^$", "", 1 }, { "^()$", "", 1 }, { "a|", "zzz", 1 },
        { "^(a|b|)+$", "abba", 1 }, { "x$", "x\\n", 0 }, { "^x", "\\nx", 0 },
        { "^(a*)*$", "aaaa", 1 }, { "^(a|aa)*c", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows [0]; i++) {
        char schema [256], instance [256];
        snprintf (schema, sizeof schema, "{\"pattern\":\"%s\"}", rows [i].pattern);
        snprintf (instance, sizeof instance, "\"%s\"", rows [i].text);
        char err [512] = "";
        int rc = s_run (schema, instance, err, sizeof err);
        ck_assert_msg (rc == (rows [i].match ? 0 : -2), "row %zu: %s on %s gave %d %s",
                       i, schema, instance, rc, err);
    }
}
END_TEST

//  Builds {"properties":{"a":{"properties":{"a": ... {}}}}} nested `levels` schemas deep, as
//  objects in code (the parser's own depth limit would stop the text first).
static json_object *
s_nested_schema (int levels)
{
    json_object *schema = json_object_new_object ();
    for (int i = 0; i < levels; i++) {
        json_object *properties = json_object_new_object ();
        json_object_object_add (properties, "a", schema);
        schema = json_object_new_object ();
        json_object_object_add (schema, "properties", properties);
    }
    return schema;
}

START_TEST (limits_depth)
{
    char err [512];
    json_object *schema = s_nested_schema (ACCORD_JSONSCHEMA_MAX_DEPTH);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), 0);
    json_object_put (schema);

    schema = s_nested_schema (ACCORD_JSONSCHEMA_MAX_DEPTH + 1);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), -2);
    char expected [512] = "schema ";
    for (int i = 0; i < ACCORD_JSONSCHEMA_MAX_DEPTH + 1; i++)
        strcat (expected, "/properties/a");
    strcat (expected, ": schemas nested deeper than 16");
    ck_assert_str_eq (err, expected);
    json_object_put (schema);

    //  A very deep schema built in code is refused without walking all of it
    schema = s_nested_schema (5000);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), -2);
    ck_assert_ptr_nonnull (strstr (err, "schemas nested deeper than 16"));
    json_object_put (schema);

    //  const values nest at most 32 deep
    json_object *value = json_object_new_array ();
    for (int i = 0; i < 40; i++) {
        json_object *outer = json_object_new_array ();
        json_object_array_add (outer, value);
        value = outer;
    }
    schema = json_object_new_object ();
    json_object_object_add (schema, "const", value);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), -2);
    ck_assert_str_eq (err, "schema /const: value nested deeper than 32");
    json_object_put (schema);

    //  Deep instances are fine: validation follows the schema, uniqueItems compares
    //  canonical forms (which refuse nesting beyond the JSON limit)
    json_object *instance = json_object_new_array ();
    for (int i = 0; i < 2; i++) {
        json_object *item = json_object_new_array ();
        for (int j = 0; j < 40; j++) {
            json_object *outer = json_object_new_array ();
            json_object_array_add (outer, item);
            item = outer;
        }
        json_object_array_add (instance, item);
    }
    schema = s_parse ("{\"type\":\"array\"}");
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, err, sizeof err), 0);
    json_object_put (schema);
    schema = s_parse ("{\"uniqueItems\":true}");
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, err, sizeof err), -2);
    ck_assert_str_eq (err, "/0: item cannot be compared (no canonical JSON form)");
    json_object_put (schema);
    json_object_put (instance);
}
END_TEST

START_TEST (limits_size)
{
    char err [512];
    //  A large enum under the limit, then over it
    size_t cap = 128 * 1024;
    char *text = malloc (cap);
    strcpy (text, "{\"enum\":[");
    size_t len = strlen (text);
    for (int i = 0; i < 5000; i++)
        len += (size_t) sprintf (text + len, "%s\"v%05d\"", i ? "," : "", i);
    strcpy (text + len, "]}");
    json_object *schema = s_parse (text);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), 0);
    json_object *instance = json_object_new_string ("v04999");
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, err, sizeof err), 0);
    json_object_put (instance);
    json_object_put (schema);

    len = strlen ("{\"enum\":[");
    for (int i = 0; i < 10000; i++)
        len += (size_t) sprintf (text + len, "%s\"v%05d\"", i ? "," : "", i);
    strcpy (text + len, "]}");
    schema = s_parse (text);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), -2);
    ck_assert_str_eq (err, "schema: schema larger than 65536");
    json_object_put (schema);

    //  A long description counts too
    memset (text, 'd', cap);
    memcpy (text, "{\"description\":\"", 16);
    strcpy (text + 70000, "\"}");
    schema = s_parse (text);
    ck_assert_int_eq (accord_jsonschema_check (schema, err, sizeof err), -2);
    ck_assert_str_eq (err, "schema: schema larger than 65536");
    json_object_put (schema);
    free (text);
}
END_TEST

START_TEST (limits_match_work)
{
    char err [512];
    //  A long pattern program on a long string reaches the work limit; a short pattern does not
    json_object *schema = s_parse ("{\"items\":{\"pattern\":\"^(a|b){1,300}$\"}}");
    json_object *instance = json_object_new_array ();
    char *text = malloc (70001);
    memset (text, 'a', 70000);
    text [70000] = 0;
    json_object_array_add (instance, json_object_new_string (text));
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, err, sizeof err), -2);
    ck_assert_str_eq (err, "/0: too much pattern matching in one instance (limit 67108864 "
                           "characters x pattern steps)");
    json_object_put (schema);

    schema = s_parse ("{\"items\":{\"pattern\":\"^a+$\"}}");
    for (int i = 0; i < 10; i++)
        json_object_array_add (instance, json_object_new_string (text));
    int64_t start = tu_now_ms ();
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, err, sizeof err), 0);
    if (!getenv ("ACCORD_UNDER_VALGRIND"))
        ck_assert_int_lt (tu_now_ms () - start, 5000);
    json_object_put (schema);
    json_object_put (instance);
    free (text);
}
END_TEST

START_TEST (limits_long_paths)
{
    //  Property names too long for the pointer kept in messages end it with "/..."
    char *name = malloc (1000);
    memset (name, 'n', 999);
    name [999] = 0;
    json_object *schema = json_object_new_object ();
    json_object *properties = json_object_new_object ();
    json_object_object_add (properties, name, s_parse ("{\"type\":\"string\"}"));
    json_object_object_add (schema, "properties", properties);
    json_object *instance = json_object_new_object ();
    json_object_object_add (instance, name, json_object_new_int (1));
    char err [512];
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, err, sizeof err), -2);
    ck_assert_str_eq (err, "/...: expected string, got integer");
    json_object_put (schema);
    json_object_put (instance);
    free (name);
}
END_TEST

START_TEST (deterministic_messages)
{
    //  The same schema and instance with members in another order give the same message
    const char *a = "{\"properties\":{\"x\":{\"minimum\":1},\"y\":{\"minimum\":1}},"
                    "\"additionalProperties\":false}";
    const char *b = "{\"additionalProperties\":false,"
                    "\"properties\":{\"y\":{\"minimum\":1},\"x\":{\"minimum\":1}}}";
    s_invalid (a, "{\"y\":0,\"x\":0,\"w\":0}", "/w: property not allowed (additionalProperties "
                                               "is false)");
    s_invalid (b, "{\"x\":0,\"w\":0,\"y\":0}", "/w: property not allowed (additionalProperties "
                                               "is false)");
    s_invalid (a, "{\"y\":0,\"x\":0}", "/x: 0 is below minimum 1");
    s_invalid (b, "{\"x\":0,\"y\":0}", "/x: 0 is below minimum 1");
}
END_TEST

START_TEST (null_arguments)
{
    char err [64];
    ck_assert_int_eq (accord_jsonschema_check (NULL, err, sizeof err), -2);
    ck_assert_str_eq (err, "schema: a schema must be an object or a boolean");
    json_object *schema = s_parse ("{\"type\":\"null\"}");
    ck_assert_int_eq (accord_jsonschema_validate (schema, NULL, NULL, 0), 0);
    ck_assert_int_eq (accord_jsonschema_check (schema, NULL, 0), 0);
    //  A small buffer gets a truncated message
    json_object *instance = json_object_new_int (1);
    char tiny [8];
    ck_assert_int_eq (accord_jsonschema_validate (schema, instance, tiny, sizeof tiny), -2);
    ck_assert_str_eq (tiny, "(root):");
    json_object_put (instance);
    json_object_put (schema);
}
END_TEST

Suite *
test_jsonschema_suite (void)
{
    Suite *suite = suite_create ("jsonschema");
    TCase *tc = tcase_create ("keywords");
    tcase_add_test (tc, credential_example);
    tcase_add_test (tc, keyword_type);
    tcase_add_test (tc, keyword_numbers);
    tcase_add_test (tc, keyword_strings);
    tcase_add_test (tc, keyword_enum_const);
    tcase_add_test (tc, keyword_arrays);
    tcase_add_test (tc, keyword_objects);
    tcase_add_test (tc, boolean_and_annotations);
    tcase_add_test (tc, deterministic_messages);
    tcase_add_test (tc, null_arguments);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("vectors");
    tcase_add_test (tc, test_suite_rows);
    tcase_add_test (tc, patterns_supported);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("malformed");
    tcase_add_test (tc, malformed_schemas);
    tcase_add_test (tc, malformed_patterns);
    suite_add_tcase (suite, tc);

    tc = tcase_create ("limits");
    tcase_set_timeout (tc, 60);
    tcase_add_test (tc, limits_depth);
    tcase_add_test (tc, limits_size);
    tcase_add_test (tc, limits_match_work);
    tcase_add_test (tc, limits_long_paths);
    suite_add_tcase (suite, tc);
    return suite;
}
