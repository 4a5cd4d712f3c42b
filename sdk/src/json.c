/*  JSON: strict parsing of untrusted text over json-c, and the RFC 8785 (JCS) canonical form.

    json-c 0.16 is lenient even with JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8: it
    accepts NaN, Infinity, "1." and "-01", raw control characters in strings, overlong UTF-8
    and UTF-8-encoded surrogates; it turns lone \u surrogates into U+FFFD (and the valid pairs
    for U+xD800..U+xDFFF too), keeps the last of duplicate keys, cuts keys at \u0000, clamps
    integers beyond 64 bits, and reads 1e400 as infinity. So a validating scan of our own
    (RFC 8259 plus I-JSON, RFC 7493) runs first and json-c only builds the tree, from a copy
    edited where it would go wrong; its own checks stay on as a second line. Integers beyond
    2^53 - 1 become doubles, as ECMAScript reads them, so that the canonical form and the
    accessors agree on the value.

    json-c cannot write canonical JSON (sorted keys, ECMAScript numbers), so the serializer
    below is ours too. */
#include "accord/error.h"
#include "accord/json.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Digits that always round-trip an IEEE 754 double
#define S_MAX_DIGITS 17

//  Length of the UTF-8 sequence at p (RFC 3629: shortest form, no surrogates, at most
//  U+10FFFF), or 0 when it is not one. Reads at most `avail` bytes.
static size_t
s_utf8_length (const unsigned char *p, size_t avail)
{
    if (avail == 0)
        return 0;
    unsigned char c = p [0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char low = 0x80, high = 0xBF;     //  range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            low = 0xA0;                         //  overlong below U+0800
        if (c == 0xED)
            high = 0x9F;                        //  U+D800..U+DFFF are not characters
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            low = 0x90;                         //  overlong below U+10000
        if (c == 0xF4)
            high = 0x8F;                        //  above U+10FFFF
    }
    else
        return 0;
    if (avail < len || p [1] < low || p [1] > high)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p [i] < 0x80 || p [i] > 0xBF)
            return 0;
    return len;
}

static int
s_utf8_valid (const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *) text;
    for (size_t i = 0; i < len; ) {
        size_t n = s_utf8_length (p + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}


//  --------------------------------------------------------------------------
//  Growable byte buffer, for decoded keys and for canonical output

typedef struct {
    char *data;
    size_t len;
    size_t size;
    int failed;                 //  an allocation failed: the content is incomplete
} s_buf_t;

static void
s_put (s_buf_t *buf, const void *bytes, size_t len)
{
    if (buf->failed)
        return;
    if (len > SIZE_MAX - 1 - buf->len) {
        buf->failed = 1;
        return;
    }
    if (buf->len + len + 1 > buf->size) {
        size_t size = buf->size ? buf->size : 16;
        while (size < buf->len + len + 1)
            size = size > SIZE_MAX / 2 ? buf->len + len + 1 : size * 2;
        char *data = realloc (buf->data, size);
        if (!data) {
            buf->failed = 1;
            return;
        }
        buf->data = data;
        buf->size = size;
    }
    memcpy (buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data [buf->len] = 0;
}

static void
s_put_to_buf (void *buf, const void *bytes, size_t len)
{
    s_put (buf, bytes, len);
}

static void
s_puts (s_buf_t *buf, const char *text)
{
    s_put (buf, text, strlen (text));
}

static void
s_put_utf8 (s_buf_t *buf, uint32_t cp)
{
    unsigned char out [4];
    size_t len;
    if (cp < 0x80) {
        out [0] = (unsigned char) cp;
        len = 1;
    }
    else
    if (cp < 0x800) {
        out [0] = (unsigned char) (0xC0 | cp >> 6);
        out [1] = (unsigned char) (0x80 | (cp & 0x3F));
        len = 2;
    }
    else
    if (cp < 0x10000) {
        out [0] = (unsigned char) (0xE0 | cp >> 12);
        out [1] = (unsigned char) (0x80 | (cp >> 6 & 0x3F));
        out [2] = (unsigned char) (0x80 | (cp & 0x3F));
        len = 3;
    }
    else {
        out [0] = (unsigned char) (0xF0 | cp >> 18);
        out [1] = (unsigned char) (0x80 | (cp >> 12 & 0x3F));
        out [2] = (unsigned char) (0x80 | (cp >> 6 & 0x3F));
        out [3] = (unsigned char) (0x80 | (cp & 0x3F));
        len = 4;
    }
    s_put (buf, out, len);
}


//  --------------------------------------------------------------------------
//  The validating scan: RFC 8259 grammar, plus what I-JSON and json-c's limits need

//  A change to the text before json-c sees it: `cut` bytes at pos become `insert`.
typedef struct {
    size_t pos;
    size_t cut;
    char insert [4];
    size_t insert_len;
} s_edit_t;

typedef struct {
    const unsigned char *text;
    size_t len;
    size_t pos;
    int depth;                  //  arrays and objects open around pos
    s_edit_t *edits;            //  what json-c must be given differently, in text order
    size_t edit_count;
    size_t edit_size;
    char *err;
    size_t err_size;
} s_scan_t;

typedef struct {
    char *bytes;                //  decoded key, caller frees
    size_t len;
    size_t pos;                 //  where it started, for the message
} s_key_t;

static int s_scan_value (s_scan_t *scan);

static void
s_scan_ws (s_scan_t *scan)
{
    while (scan->pos < scan->len) {
        unsigned char c = scan->text [scan->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        scan->pos++;
    }
}

static int
s_scan_edit (s_scan_t *scan, size_t pos, size_t cut, const char *insert, size_t insert_len)
{
    if (scan->edit_count == scan->edit_size) {
        size_t size = scan->edit_size ? scan->edit_size * 2 : 16;
        s_edit_t *bigger = realloc (scan->edits, size * sizeof *bigger);
        if (!bigger) {
            accord_errorf (scan->err, scan->err_size, "out of memory");
            return -1;
        }
        scan->edits = bigger;
        scan->edit_size = size;
    }
    s_edit_t *edit = &scan->edits [scan->edit_count++];
    edit->pos = pos;
    edit->cut = cut;
    memcpy (edit->insert, insert, insert_len);
    edit->insert_len = insert_len;
    return 0;
}

static int
s_scan_unexpected (s_scan_t *scan, const char *expected)
{
    if (scan->pos >= scan->len)
        accord_errorf (scan->err, scan->err_size, "unexpected end of input, expected %s", expected);
    else {
        unsigned char c = scan->text [scan->pos];
        if (c >= 0x20 && c < 0x7F)
            accord_errorf (scan->err, scan->err_size, "unexpected '%c' at byte %zu, expected %s",
                     c, scan->pos, expected);
        else
            accord_errorf (scan->err, scan->err_size, "unexpected byte 0x%02x at byte %zu, expected %s",
                     c, scan->pos, expected);
    }
    return -1;
}

static int
s_hex4 (const unsigned char *p, uint32_t *value)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p [i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t) (c - '0');
        else
        if (c >= 'a' && c <= 'f')
            v |= (uint32_t) (c - 'a' + 10);
        else
        if (c >= 'A' && c <= 'F')
            v |= (uint32_t) (c - 'A' + 10);
        else
            return -1;
    }
    *value = v;
    return 0;
}

//  Scans a string at pos (on its opening quote). When decoded is not NULL, appends the
//  string's characters to it (for comparing keys).
static int
s_scan_string (s_scan_t *scan, s_buf_t *decoded)
{
    size_t start = scan->pos++;
    while (1) {
        if (scan->pos >= scan->len) {
            accord_errorf (scan->err, scan->err_size, "unterminated string starting at byte %zu", start);
            return -1;
        }
        const unsigned char *p = scan->text + scan->pos;
        size_t avail = scan->len - scan->pos;
        if (p [0] == '"') {
            scan->pos++;
            return 0;
        }
        if (p [0] < 0x20) {
            accord_errorf (scan->err, scan->err_size,
                     "control character 0x%02x in string at byte %zu (must be escaped)",
                     p [0], scan->pos);
            return -1;
        }
        if (p [0] >= 0x20 && p [0] < 0x80 && p [0] != '\\') {
            //  A run of plain ASCII at once: most strings are nothing else
            size_t n = 1;
            while (n < avail && p [n] >= 0x20 && p [n] < 0x80 && p [n] != '"' && p [n] != '\\')
                n++;
            if (decoded)
                s_put (decoded, p, n);
            scan->pos += n;
            continue;
        }
        if (p [0] != '\\') {
            size_t n = s_utf8_length (p, avail);
            if (n == 0) {
                accord_errorf (scan->err, scan->err_size, "invalid UTF-8 at byte %zu", scan->pos);
                return -1;
            }
            if (decoded)
                s_put (decoded, p, n);
            scan->pos += n;
            continue;
        }
        if (avail < 2) {
            accord_errorf (scan->err, scan->err_size, "unterminated string starting at byte %zu", start);
            return -1;
        }
        static const char names [] = "\"\\/bfnrt";
        static const char values [] = "\"\\/\b\f\n\r\t";
        const char *simple = p [1] ? strchr (names, p [1]) : NULL;
        if (simple) {
            if (decoded)
                s_put (decoded, &values [simple - names], 1);
            scan->pos += 2;
            continue;
        }
        uint32_t cp;
        if (p [1] != 'u' || avail < 6 || s_hex4 (p + 2, &cp)) {
            accord_errorf (scan->err, scan->err_size, "invalid escape in string at byte %zu", scan->pos);
            return -1;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            accord_errorf (scan->err, scan->err_size, "lone low surrogate \\u%04x at byte %zu",
                     (unsigned) cp, scan->pos);
            return -1;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            //  A high surrogate must be followed by an escaped low surrogate
            uint32_t low;
            if (avail < 12 || p [6] != '\\' || p [7] != 'u' || s_hex4 (p + 8, &low)
            ||  low < 0xDC00 || low > 0xDFFF) {
                accord_errorf (scan->err, scan->err_size, "lone high surrogate \\u%04x at byte %zu",
                         (unsigned) cp, scan->pos);
                return -1;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            //  json-c 0.16 turns pairs for U+xD800..U+xDFFF (U+1F800, U+2D800, ...) into
            //  U+FFFD: it gets the character as UTF-8 instead
            char utf8 [4] = {
                (char) (0xF0 | cp >> 18), (char) (0x80 | (cp >> 12 & 0x3F)),
                (char) (0x80 | (cp >> 6 & 0x3F)), (char) (0x80 | (cp & 0x3F))
            };
            if (s_scan_edit (scan, scan->pos, 12, utf8, 4))
                return -1;
            scan->pos += 12;
        }
        else
            scan->pos += 6;
        if (decoded)
            s_put_utf8 (decoded, cp);
    }
}

//  True when the digits (no leading zeros) make a larger number than limit.
static int
s_digits_above (const unsigned char *digits, size_t len, const char *limit)
{
    size_t limit_len = strlen (limit);
    if (len != limit_len)
        return len > limit_len;
    return memcmp (digits, limit, len) > 0;
}

static int
s_scan_number (s_scan_t *scan)
{
    const unsigned char *t = scan->text;
    size_t start = scan->pos, pos = scan->pos, len = scan->len;
    int integer = 1;
    if (pos < len && t [pos] == '-')
        pos++;
    size_t digits = pos;
    if (pos < len && t [pos] == '0')
        pos++;
    else
    if (pos < len && t [pos] >= '1' && t [pos] <= '9') {
        while (pos < len && t [pos] >= '0' && t [pos] <= '9')
            pos++;
    }
    else
        goto malformed;
    size_t digits_end = pos;
    if (pos < len && t [pos] == '.') {
        integer = 0;
        pos++;
        if (pos >= len || t [pos] < '0' || t [pos] > '9')
            goto malformed;
        while (pos < len && t [pos] >= '0' && t [pos] <= '9')
            pos++;
    }
    if (pos < len && (t [pos] == 'e' || t [pos] == 'E')) {
        integer = 0;
        pos++;
        if (pos < len && (t [pos] == '+' || t [pos] == '-'))
            pos++;
        if (pos >= len || t [pos] < '0' || t [pos] > '9')
            goto malformed;
        while (pos < len && t [pos] >= '0' && t [pos] <= '9')
            pos++;
    }
    //  An integer beyond 2^53 - 1 is read as a double, as ECMAScript and I-JSON read it, so
    //  that the canonical form and the accessors see one value (json-c would keep 2^53 + 1
    //  exact while JCS writes 2^53, and would clamp beyond 64 bits without a word).
    //  "e0" after it makes json-c read it as a double, rounded once.
    if (integer && s_digits_above (t + digits, digits_end - digits, "9007199254740991")
    &&  s_scan_edit (scan, pos, 0, "e0", 2))
        return -1;
    scan->pos = pos;
    return 0;

malformed:
    scan->pos = pos;
    accord_errorf (scan->err, scan->err_size, "malformed number at byte %zu", start);
    return -1;
}

static int
s_key_compare (const void *a, const void *b)
{
    const s_key_t *x = a, *y = b;
    size_t len = x->len < y->len ? x->len : y->len;
    int diff = memcmp (x->bytes, y->bytes, len);
    if (diff)
        return diff;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int
s_scan_open (s_scan_t *scan)
{
    if (scan->depth >= ACCORD_JSON_MAX_DEPTH) {
        accord_errorf (scan->err, scan->err_size, "nesting deeper than %d at byte %zu",
                 ACCORD_JSON_MAX_DEPTH, scan->pos);
        return -1;
    }
    scan->depth++;
    scan->pos++;
    s_scan_ws (scan);
    return 0;
}

static int
s_scan_object (s_scan_t *scan)
{
    if (s_scan_open (scan))
        return -1;
    int rc = -1;
    s_key_t *keys = NULL;
    size_t count = 0, size = 0;
    if (scan->pos < scan->len && scan->text [scan->pos] == '}') {
        scan->pos++;
        scan->depth--;
        return 0;
    }
    while (1) {
        if (scan->pos >= scan->len || scan->text [scan->pos] != '"') {
            s_scan_unexpected (scan, "a quoted key");
            goto done;
        }
        if (count == size) {
            size_t new_size = size ? size * 2 : 8;
            s_key_t *bigger = realloc (keys, new_size * sizeof *keys);
            if (!bigger) {
                accord_errorf (scan->err, scan->err_size, "out of memory");
                goto done;
            }
            keys = bigger;
            size = new_size;
        }
        s_buf_t key = { NULL, 0, 0, 0 };
        size_t key_pos = scan->pos;
        s_put (&key, "", 0);            //  an empty key still gets a buffer
        if (s_scan_string (scan, &key)) {
            free (key.data);
            goto done;
        }
        if (key.failed) {
            free (key.data);
            accord_errorf (scan->err, scan->err_size, "out of memory");
            goto done;
        }
        keys [count++] = (s_key_t) { key.data, key.len, key_pos };
        //  json-c keys are C strings: it would cut this one short
        if (memchr (key.data, 0, key.len)) {
            accord_errorf (scan->err, scan->err_size, "object key with U+0000 at byte %zu", key_pos);
            goto done;
        }
        s_scan_ws (scan);
        if (scan->pos >= scan->len || scan->text [scan->pos] != ':') {
            s_scan_unexpected (scan, "':'");
            goto done;
        }
        scan->pos++;
        s_scan_ws (scan);
        if (s_scan_value (scan))
            goto done;
        s_scan_ws (scan);
        if (scan->pos < scan->len && scan->text [scan->pos] == ',') {
            scan->pos++;
            s_scan_ws (scan);
            continue;
        }
        if (scan->pos < scan->len && scan->text [scan->pos] == '}') {
            scan->pos++;
            break;
        }
        s_scan_unexpected (scan, "',' or '}'");
        goto done;
    }
    //  RFC 8259 leaves duplicate names undefined and json-c silently keeps the last: refuse
    qsort (keys, count, sizeof *keys, s_key_compare);
    for (size_t i = 1; i < count; i++)
        if (s_key_compare (&keys [i - 1], &keys [i]) == 0) {
            size_t pos = keys [i - 1].pos > keys [i].pos ? keys [i - 1].pos : keys [i].pos;
            accord_errorf (scan->err, scan->err_size, "duplicate object key at byte %zu", pos);
            goto done;
        }
    scan->depth--;
    rc = 0;
done:
    for (size_t i = 0; i < count; i++)
        free (keys [i].bytes);
    free (keys);
    return rc;
}

static int
s_scan_array (s_scan_t *scan)
{
    if (s_scan_open (scan))
        return -1;
    if (scan->pos < scan->len && scan->text [scan->pos] == ']') {
        scan->pos++;
        scan->depth--;
        return 0;
    }
    while (1) {
        if (s_scan_value (scan))
            return -1;
        s_scan_ws (scan);
        if (scan->pos < scan->len && scan->text [scan->pos] == ',') {
            scan->pos++;
            s_scan_ws (scan);
            continue;
        }
        if (scan->pos < scan->len && scan->text [scan->pos] == ']') {
            scan->pos++;
            scan->depth--;
            return 0;
        }
        return s_scan_unexpected (scan, "',' or ']'");
    }
}

static int
s_scan_literal (s_scan_t *scan, const char *word)
{
    size_t len = strlen (word);
    if (scan->len - scan->pos < len || memcmp (scan->text + scan->pos, word, len) != 0)
        return s_scan_unexpected (scan, "a value");
    scan->pos += len;
    return 0;
}

static int
s_scan_value (s_scan_t *scan)
{
    if (scan->pos >= scan->len)
        return s_scan_unexpected (scan, "a value");
    unsigned char c = scan->text [scan->pos];
    if (c == '{')
        return s_scan_object (scan);
    if (c == '[')
        return s_scan_array (scan);
    if (c == '"')
        return s_scan_string (scan, NULL);
    if (c == '-' || (c >= '0' && c <= '9'))
        return s_scan_number (scan);
    if (c == 't')
        return s_scan_literal (scan, "true");
    if (c == 'f')
        return s_scan_literal (scan, "false");
    if (c == 'n')
        return s_scan_literal (scan, "null");
    return s_scan_unexpected (scan, "a value");
}

//  json-c reads numbers beyond the double range as infinity: find them in the tree.
static int
s_all_finite (json_object *obj)
{
    switch (json_object_get_type (obj)) {
        case json_type_double:
            return isfinite (json_object_get_double (obj));
        case json_type_array: {
            size_t count = json_object_array_length (obj);
            for (size_t i = 0; i < count; i++)
                if (!s_all_finite (json_object_array_get_idx (obj, i)))
                    return 0;
            return 1;
        }
        case json_type_object: {
            struct json_object_iter it;
            json_object_object_foreachC (obj, it)
                if (!s_all_finite (it.val))
                    return 0;
            return 1;
        }
        default:
            return 1;
    }
}

static json_object *s_tokenize (const char *text, size_t len, char *err, size_t err_size);

//  A plain JSON string at p: printable ASCII without escapes. Its length, or -1.
static int
s_flat_string (const char *p, const char *end)
{
    const char *start = p;
    while (p < end && *p != '"') {
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e || *p == '\\')
            return -1;
        p++;
    }
    return p < end ? (int) (p - start) : -1;
}

//  The common shape of transaction arguments and requests, {"key":"value",...} without white
//  space, escapes or other types, built without the tokenizer. NULL when the text has any
//  other shape (or a key twice): the full parser then decides, with its error message.
static json_object *
s_parse_flat (const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    if (len < 2 || *p++ != '{')
        return NULL;
    json_object *obj = json_object_new_object ();
    if (!obj)
        return NULL;
    if (*p == '}' && p + 1 == end)
        return obj;
    while (p < end) {
        char key [64];
        int key_len = *p == '"' ? s_flat_string (p + 1, end) : -1;
        if (key_len < 0 || key_len >= (int) sizeof key)
            break;
        memcpy (key, p + 1, (size_t) key_len);
        key [key_len] = 0;
        p += key_len + 2;
        if (end - p < 2 || p [0] != ':' || p [1] != '"' || json_object_object_get_ex (obj, key, NULL))
            break;
        p += 2;
        int value_len = s_flat_string (p, end);
        if (value_len < 0)
            break;
        json_object *value = json_object_new_string_len (p, value_len);
        if (!value || json_object_object_add (obj, key, value)) {
            json_object_put (value);
            break;
        }
        p += value_len + 1;
        if (p + 1 == end && *p == '}')
            return obj;
        if (p >= end || *p++ != ',')
            break;
    }
    json_object_put (obj);
    return NULL;
}

json_object *
accord_json_parse (const char *text, size_t len, char *err, size_t err_size)
{
    if (err && err_size)
        err [0] = 0;
    if (!text) {
        accord_errorf (err, err_size, "no input");
        return NULL;
    }
    if (len > ACCORD_JSON_MAX_SIZE) {
        accord_errorf (err, err_size, "document of %zu bytes is over the limit of %d",
                 len, ACCORD_JSON_MAX_SIZE);
        return NULL;
    }
    //  json-c stops at a NUL as if the input ended there
    const char *nul = memchr (text, 0, len);
    if (nul) {
        accord_errorf (err, err_size, "NUL byte at byte %zu", (size_t) (nul - text));
        return NULL;
    }
    json_object *flat = s_parse_flat (text, len);
    if (flat)
        return flat;
    s_scan_t scan = { (const unsigned char *) text, len, 0, 0, NULL, 0, 0, err, err_size };
    s_scan_ws (&scan);
    if (scan.pos == len) {
        accord_errorf (err, err_size, "empty document");
        return NULL;
    }
    int rc = s_scan_value (&scan);
    s_scan_ws (&scan);
    if (rc == 0 && scan.pos != len) {
        accord_errorf (err, err_size, "trailing data at byte %zu", scan.pos);
        rc = -1;
    }
    char *copy = NULL;
    if (rc == 0 && scan.edit_count) {
        //  Every edit inserts at most 2 bytes more than it cuts
        copy = malloc (len + 2 * scan.edit_count + 1);
        if (copy) {
            size_t from = 0, to = 0;
            for (size_t i = 0; i < scan.edit_count; i++) {
                const s_edit_t *edit = &scan.edits [i];
                memcpy (copy + to, text + from, edit->pos - from);
                to += edit->pos - from;
                memcpy (copy + to, edit->insert, edit->insert_len);
                to += edit->insert_len;
                from = edit->pos + edit->cut;
            }
            memcpy (copy + to, text + from, len - from);
            len = to + len - from;
            copy [len] = 0;
            text = copy;
        }
        else {
            accord_errorf (err, err_size, "out of memory");
            rc = -1;
        }
    }
    free (scan.edits);
    if (rc)
        return NULL;
    json_object *obj = s_tokenize (text, len, err, err_size);
    free (copy);
    return obj;
}

//  One tokenizer per thread, kept: making one (a stack for every level) cost as much as
//  parsing a small document. Freed when its thread ends.
static pthread_key_t s_tokener_key;
static pthread_once_t s_tokener_once = PTHREAD_ONCE_INIT;

static void
s_tokener_free (void *tok)
{
    json_tokener_free (tok);
}

static void
s_tokener_key_make (void)
{
    pthread_key_create (&s_tokener_key, s_tokener_free);
}

static struct json_tokener *
s_tokener (void)
{
    pthread_once (&s_tokener_once, s_tokener_key_make);
    struct json_tokener *tok = pthread_getspecific (s_tokener_key);
    if (!tok) {
        //  json-c counts a scalar inside the deepest container as one more level
        tok = json_tokener_new_ex (ACCORD_JSON_MAX_DEPTH + 1);
        if (!tok)
            return NULL;
        int flags = JSON_TOKENER_STRICT;
#ifdef JSON_TOKENER_VALIDATE_UTF8
        flags |= JSON_TOKENER_VALIDATE_UTF8;
#endif
        json_tokener_set_flags (tok, flags);
        pthread_setspecific (s_tokener_key, tok);
    }
    json_tokener_reset (tok);
    return tok;
}

//  json-c builds the tree of text that the scan accepted.
static json_object *
s_tokenize (const char *text, size_t len, char *err, size_t err_size)
{
    struct json_tokener *tok = s_tokener ();
    if (!tok) {
        accord_errorf (err, err_size, "out of memory");
        return NULL;
    }
    json_object *obj = json_tokener_parse_ex (tok, text, (int) len);
    enum json_tokener_error error = json_tokener_get_error (tok);
    size_t end = json_tokener_get_parse_end (tok);
    if (error == json_tokener_continue) {
        //  A number at the end of the input needs a terminator to be complete
        obj = json_tokener_parse_ex (tok, "", 1);
        error = json_tokener_get_error (tok);
        end = len;
    }
    json_tokener_reset (tok);
    if (error != json_tokener_success) {
        json_object_put (obj);
        accord_errorf (err, err_size, "json-c: %s", json_tokener_error_desc (error));
        return NULL;
    }
    if (end != len) {
        json_object_put (obj);
        accord_errorf (err, err_size, "trailing data at byte %zu", end);
        return NULL;
    }
    if (!obj) {
        accord_errorf (err, err_size, "null document");
        return NULL;
    }
    if (!s_all_finite (obj)) {
        json_object_put (obj);
        accord_errorf (err, err_size, "number out of the double range");
        return NULL;
    }
    return obj;
}


//  Writes text (len bytes) as a JSON string in its RFC 8785 form through put: quoted, with
//  \" \\ and control characters escaped and nothing else. The canonical writer (into an
//  s_buf_t) and accord_json_append_string (into an accord_buf_t) both write strings with it.
typedef void (s_put_fn) (void *buf, const void *bytes, size_t len);

static void
s_put_escaped (s_put_fn *put, void *buf, const char *text, size_t len)
{
    static const char hex [] = "0123456789abcdef";
    put (buf, "\"", 1);
    size_t run = 0;             //  start of bytes to copy as they are
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text [i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put (buf, text + run, i - run);
        run = i + 1;
        const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (named)
            put (buf, named, 2);
        else {
            char escape [6] = { '\\', 'u', '0', '0', hex [c >> 4], hex [c & 15] };
            put (buf, escape, sizeof escape);
        }
    }
    put (buf, text + run, len - run);
    put (buf, "\"", 1);
}

static void
s_put_to_accord_buf (void *buf, const void *bytes, size_t len)
{
    accord_buf_bytes (buf, bytes, len);
}

void
accord_json_append_string (accord_buf_t *buf, const char *text, size_t len)
{
    s_put_escaped (s_put_to_accord_buf, buf, text, len);
}

//  --------------------------------------------------------------------------
//  The pull reader: the scan above, one value at a time, without a tree

struct _accord_json_reader_t {
    s_scan_t scan;
    s_buf_t string;             //  the last key or string read, decoded
    uint64_t objects;           //  bit d: the container at depth d is an object
    uint64_t started;           //  bit d: it has had a member or item already
    int failed;
    char err [200];
};

accord_json_reader_t *
accord_json_reader_new (const char *text, size_t len)
{
    accord_json_reader_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->scan = (s_scan_t) { (const unsigned char *) text, len, 0, 0, NULL, 0, 0, self->err, sizeof self->err };
    if (!text)
        self->scan.len = 0;
    if (len > ACCORD_JSON_MAX_SIZE) {
        accord_errorf (self->err, sizeof self->err, "document of %zu bytes is over the limit of %d", len,
                       ACCORD_JSON_MAX_SIZE);
        self->failed = 1;
    }
    s_scan_ws (&self->scan);
    return self;
}

void
accord_json_reader_destroy (accord_json_reader_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_json_reader_t *self = *self_p;
    free (self->scan.edits);
    free (self->string.data);
    free (self);
    *self_p = NULL;
}

const char *
accord_json_reader_error (accord_json_reader_t *self)
{
    return self->failed ? self->err : "";
}

//  Every call ends here: -1 and stays failed once the scan failed.
static int
s_reader_done (accord_json_reader_t *self, int rc)
{
    if (rc)
        self->failed = 1;
    //  The edits are json-c's business, not the reader's
    self->scan.edit_count = 0;
    s_scan_ws (&self->scan);
    return self->failed ? -1 : 0;
}

json_type
accord_json_reader_peek (accord_json_reader_t *self)
{
    if (self->failed || self->scan.pos >= self->scan.len)
        return json_type_null;
    unsigned char c = self->scan.text [self->scan.pos];
    return c == '{' ? json_type_object : c == '[' ? json_type_array : c == '"' ? json_type_string
         : c == 't' || c == 'f' ? json_type_boolean : c == '-' || (c >= '0' && c <= '9') ? json_type_int
         : json_type_null;
}

int
accord_json_reader_begin (accord_json_reader_t *self, json_type type)
{
    if (self->failed)
        return -1;
    char open = type == json_type_object ? '{' : '[';
    if (self->scan.pos >= self->scan.len || self->scan.text [self->scan.pos] != open)
        return s_reader_done (self, s_scan_unexpected (&self->scan, type == json_type_object ? "'{'" : "'['"));
    int rc = s_scan_open (&self->scan);
    if (rc == 0) {
        uint64_t bit = (uint64_t) 1 << self->scan.depth;
        self->objects = type == json_type_object ? self->objects | bit : self->objects & ~bit;
        self->started &= ~bit;
    }
    return s_reader_done (self, rc);
}

int
accord_json_reader_next (accord_json_reader_t *self)
{
    if (self->failed || self->scan.depth == 0)
        return -1;
    uint64_t bit = (uint64_t) 1 << self->scan.depth;
    char close = self->objects & bit ? '}' : ']';
    s_scan_t *scan = &self->scan;
    if (scan->pos < scan->len && scan->text [scan->pos] == close) {
        scan->pos++;
        scan->depth--;
        s_reader_done (self, 0);
        return self->failed ? -1 : 0;
    }
    if (self->started & bit) {
        if (scan->pos >= scan->len || scan->text [scan->pos] != ',')
            return s_reader_done (self, s_scan_unexpected (scan, close == '}' ? "',' or '}'" : "',' or ']'"));
        scan->pos++;
        s_scan_ws (scan);
    }
    self->started |= bit;
    return self->failed ? -1 : 1;
}

//  The string at pos, decoded into self->string (NUL-terminated).
static int
s_reader_string (accord_json_reader_t *self, const char *expected)
{
    self->string.len = 0;
    s_put (&self->string, "", 0);
    if (self->scan.pos >= self->scan.len || self->scan.text [self->scan.pos] != '"')
        return s_scan_unexpected (&self->scan, expected);
    int rc = s_scan_string (&self->scan, &self->string);
    if (rc == 0 && self->string.failed) {
        accord_errorf (self->err, sizeof self->err, "out of memory");
        rc = -1;
    }
    return rc;
}

int
accord_json_reader_key (accord_json_reader_t *self, const char **key, size_t *len)
{
    if (self->failed)
        return -1;
    size_t key_pos = self->scan.pos;
    int rc = s_reader_string (self, "a quoted key");
    if (rc == 0 && memchr (self->string.data, 0, self->string.len)) {
        accord_errorf (self->err, sizeof self->err, "object key with U+0000 at byte %zu", key_pos);
        rc = -1;
    }
    if (rc == 0) {
        s_scan_ws (&self->scan);
        if (self->scan.pos >= self->scan.len || self->scan.text [self->scan.pos] != ':')
            rc = s_scan_unexpected (&self->scan, "':'");
        else
            self->scan.pos++;
    }
    *key = self->string.data;
    *len = self->string.len;
    return s_reader_done (self, rc);
}

int
accord_json_reader_string (accord_json_reader_t *self, const char **value, size_t *len)
{
    if (self->failed)
        return -1;
    int rc = s_reader_string (self, "a string");
    *value = self->string.data;
    *len = self->string.len;
    return s_reader_done (self, rc);
}

int
accord_json_reader_int64 (accord_json_reader_t *self, int64_t min, int64_t max, int64_t *value)
{
    if (self->failed)
        return -1;
    size_t start = self->scan.pos;
    if (accord_json_reader_peek (self) != json_type_int)
        return s_reader_done (self, s_scan_unexpected (&self->scan, "a number"));
    if (s_reader_done (self, s_scan_number (&self->scan)))
        return -1;
    //  As accord_json_get_int64 reads a tree: a JSON integer (no fraction, no exponent) of at
    //  most 2^53 - 1, which strtoll reads exactly
    const unsigned char *t = self->scan.text;
    size_t end = start;
    while (end < self->scan.len && (t [end] == '-' || (t [end] >= '0' && t [end] <= '9')))
        end++;
    char digits [24];
    if (end - start >= sizeof digits || (end < self->scan.len && (t [end] == '.' || t [end] == 'e' || t [end] == 'E')))
        return -2;
    memcpy (digits, t + start, end - start);
    digits [end - start] = 0;
    long long number = strtoll (digits, NULL, 10);
    if (number > 9007199254740991LL || number < -9007199254740991LL || number < min || number > max)
        return -2;
    *value = number;
    return 0;
}

int
accord_json_reader_skip (accord_json_reader_t *self)
{
    if (self->failed)
        return -1;
    if (self->scan.pos >= self->scan.len)
        return s_reader_done (self, s_scan_unexpected (&self->scan, "a value"));
    //  A container's own members are checked by the scan, duplicates included
    return s_reader_done (self, s_scan_value (&self->scan));
}

int
accord_json_reader_end (accord_json_reader_t *self)
{
    if (self->failed)
        return -1;
    if (self->scan.depth || self->scan.pos != self->scan.len) {
        accord_errorf (self->err, sizeof self->err, "trailing data at byte %zu", self->scan.pos);
        self->failed = 1;
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  RFC 8785 serialization

//  Finds an n-digit decimal that reads back as value, as digits * 10^scale: the nearest one
//  (printf rounds exactly, ties to even), else a neighbour of it. Returns 1 when there is one.
static int
s_round_trip (double value, int n, uint64_t *digits, int *scale)
{
    char text [48];
    snprintf (text, sizeof text, "%.*e", n - 1, value);
    char *e = strchr (text, 'e');
    uint64_t nearest = 0;
    for (char *p = text; p < e; p++)
        if (*p >= '0' && *p <= '9')         //  skips the radix character, whatever the locale
            nearest = nearest * 10 + (uint64_t) (*p - '0');
    *scale = atoi (e + 1) - (n - 1);
    *digits = nearest;
    if (strtod (text, NULL) == value)
        return 1;
    //  Beside a power of two the interval that reads back is lopsided (the gap below is half
    //  the gap above), so the neighbour on the wide side can read back when the nearest does
    //  not: 2^-1017 is 7.120236347223045e-307, not 7.1202363472230444e-307.
    uint64_t neighbours [2] = { nearest + 1, nearest - 1 };
    for (int i = 0; i < 2; i++) {
        snprintf (text, sizeof text, "%llue%d", (unsigned long long) neighbours [i], *scale);
        if (neighbours [i] > 0 && strtod (text, NULL) == value) {
            *digits = neighbours [i];
            return 1;
        }
    }
    return 0;
}

//  Writes ECMAScript's Number::toString of a finite double into out (at least 32 bytes):
//  the fewest digits that read back as the same double, the nearest such, laid out as ES does.
static void
s_format_double (double value, char *out)
{
    if (value == 0) {
        strcpy (out, "0");                  //  -0 as well
        return;
    }
    if (value < 0) {
        *out++ = '-';
        value = -value;
    }
    //  If some n-digit decimal reads back, it is also an (n + 1)-digit one (add a zero):
    //  bisect for the fewest. 17 digits always read back.
    uint64_t digits;
    int scale;
    int low = 1, high = S_MAX_DIGITS;
    while (low < high) {
        int middle = (low + high) / 2;
        if (s_round_trip (value, middle, &digits, &scale))
            high = middle;
        else
            low = middle + 1;
    }
    s_round_trip (value, low, &digits, &scale);
    while (digits % 10 == 0) {
        digits /= 10;
        scale++;
    }
    char d [24];
    int k = snprintf (d, sizeof d, "%llu", (unsigned long long) digits);
    int n = k + scale;                      //  value = 0.d * 10^n
    if (k <= n && n <= 21) {
        memcpy (out, d, (size_t) k);
        memset (out + k, '0', (size_t) (n - k));
        out [n] = 0;
    }
    else
    if (0 < n && n <= 21) {
        memcpy (out, d, (size_t) n);
        out [n] = '.';
        strcpy (out + n + 1, d + n);
    }
    else
    if (-6 < n && n <= 0) {
        memcpy (out, "0.", 2);
        memset (out + 2, '0', (size_t) -n);
        strcpy (out + 2 - n, d);
    }
    else {
        int exponent = n - 1;
        *out++ = d [0];
        if (k > 1) {
            *out++ = '.';
            memcpy (out, d + 1, (size_t) (k - 1));
            out += k - 1;
        }
        sprintf (out, "e%c%d", exponent < 0 ? '-' : '+', abs (exponent));
    }
}

//  Writes a string with RFC 8785's minimal escaping. -1 when it is not valid UTF-8.
static int
s_put_string (s_buf_t *buf, const char *text, size_t len)
{
    if (!s_utf8_valid (text, len))
        return -1;
    s_put_escaped (s_put_to_buf, buf, text, len);
    return 0;
}

//  Next UTF-16 code unit of valid UTF-8, or -1 at the end.
typedef struct {
    const unsigned char *p;
    int32_t pending;                        //  low surrogate still to give, or -1
} s_utf16_t;

static int32_t
s_utf16_next (s_utf16_t *it)
{
    if (it->pending >= 0) {
        int32_t unit = it->pending;
        it->pending = -1;
        return unit;
    }
    const unsigned char *p = it->p;
    if (!*p)
        return -1;
    uint32_t cp;
    if (p [0] < 0x80) {
        cp = p [0];
        it->p += 1;
    }
    else
    if (p [0] < 0xE0) {
        cp = (uint32_t) (p [0] & 0x1F) << 6 | (p [1] & 0x3F);
        it->p += 2;
    }
    else
    if (p [0] < 0xF0) {
        cp = (uint32_t) (p [0] & 0x0F) << 12 | (uint32_t) (p [1] & 0x3F) << 6 | (p [2] & 0x3F);
        it->p += 3;
    }
    else {
        cp = (uint32_t) (p [0] & 0x07) << 18 | (uint32_t) (p [1] & 0x3F) << 12
           | (uint32_t) (p [2] & 0x3F) << 6 | (p [3] & 0x3F);
        it->p += 4;
    }
    if (cp < 0x10000)
        return (int32_t) cp;
    cp -= 0x10000;
    it->pending = (int32_t) (0xDC00 | (cp & 0x3FF));
    return (int32_t) (0xD800 | cp >> 10);
}

typedef struct {
    const char *key;
    json_object *value;
} s_member_t;

//  RFC 8785 section 3.2.3: order by UTF-16 code units. UTF-8 byte order differs from it for
//  characters above U+FFFF against U+E000..U+FFFF.
static int
s_member_compare (const void *a, const void *b)
{
    s_utf16_t x = { (const unsigned char *) ((const s_member_t *) a)->key, -1 };
    s_utf16_t y = { (const unsigned char *) ((const s_member_t *) b)->key, -1 };
    while (1) {
        int32_t ux = s_utf16_next (&x), uy = s_utf16_next (&y);
        if (ux != uy)
            return ux < uy ? -1 : 1;
        if (ux < 0)
            return 0;
    }
}

static int s_canonical (s_buf_t *buf, json_object *obj, int depth);

static int
s_canonical_object (s_buf_t *buf, json_object *obj, int depth)
{
    size_t count = (size_t) json_object_object_length (obj);
    s_member_t *members = calloc (count ? count : 1, sizeof *members);
    if (!members)
        return -1;
    size_t i = 0;
    struct json_object_iter it;
    json_object_object_foreachC (obj, it) {
        if (i == count || !s_utf8_valid (it.key, strlen (it.key))) {
            free (members);
            return -1;
        }
        members [i++] = (s_member_t) { it.key, it.val };
    }
    count = i;
    qsort (members, count, sizeof *members, s_member_compare);
    int rc = 0;
    s_put (buf, "{", 1);
    for (i = 0; i < count; i++) {
        //  Only json_object_object_add_ex with KEY_IS_NEW can make twins; JCS has no form for them
        if (i > 0 && strcmp (members [i - 1].key, members [i].key) == 0) {
            rc = -1;
            break;
        }
        if (i > 0)
            s_put (buf, ",", 1);
        if (s_put_string (buf, members [i].key, strlen (members [i].key))) {
            rc = -1;
            break;
        }
        s_put (buf, ":", 1);
        if (s_canonical (buf, members [i].value, depth + 1)) {
            rc = -1;
            break;
        }
    }
    s_put (buf, "}", 1);
    free (members);
    return rc;
}

static int
s_canonical (s_buf_t *buf, json_object *obj, int depth)
{
    char number [32];
    switch (json_object_get_type (obj)) {
        case json_type_null:
            s_puts (buf, "null");
            return 0;
        case json_type_boolean:
            s_puts (buf, json_object_get_boolean (obj) ? "true" : "false");
            return 0;
        case json_type_double: {
            double value = json_object_get_double (obj);
            if (!isfinite (value))
                return -1;
            s_format_double (value, number);
            s_puts (buf, number);
            return 0;
        }
        case json_type_int: {
            //  json-c holds int64 or uint64; get_int64 caps the latter at INT64_MAX
            int64_t value = json_object_get_int64 (obj);
            uint64_t big = value == INT64_MAX ? json_object_get_uint64 (obj) : 0;
            const int64_t exact = (int64_t) 1 << 53;    //  integers a double holds exactly
            if (big > (uint64_t) INT64_MAX)
                s_format_double ((double) big, number);
            else
            if (value > -exact && value < exact)
                snprintf (number, sizeof number, "%lld", (long long) value);
            else
                s_format_double ((double) value, number);
            s_puts (buf, number);
            return 0;
        }
        case json_type_string:
            return s_put_string (buf, json_object_get_string (obj),
                                 (size_t) json_object_get_string_len (obj));
        case json_type_array: {
            if (depth >= ACCORD_JSON_MAX_DEPTH)
                return -1;
            size_t count = json_object_array_length (obj);
            s_put (buf, "[", 1);
            for (size_t i = 0; i < count; i++) {
                if (i > 0)
                    s_put (buf, ",", 1);
                if (s_canonical (buf, json_object_array_get_idx (obj, i), depth + 1))
                    return -1;
            }
            s_put (buf, "]", 1);
            return 0;
        }
        case json_type_object:
            if (depth >= ACCORD_JSON_MAX_DEPTH)
                return -1;
            return s_canonical_object (buf, obj, depth);
    }
    return -1;
}

char *
accord_json_canonical (json_object *obj)
{
    s_buf_t buf = { NULL, 0, 0, 0 };
    if (s_canonical (&buf, obj, 0) || buf.failed) {
        free (buf.data);
        return NULL;
    }
    return buf.data;
}


//  --------------------------------------------------------------------------
//  Accessors

static json_object *
s_member (json_object *obj, const char *key, json_type type)
{
    json_object *value = NULL;
    if (!obj || !key || !json_object_is_type (obj, json_type_object)
    ||  !json_object_object_get_ex (obj, key, &value)
    ||  !json_object_is_type (value, type))
        return NULL;
    return value;
}

const char *
accord_json_get_string (json_object *obj, const char *key)
{
    json_object *value = s_member (obj, key, json_type_string);
    return value ? json_object_get_string (value) : NULL;
}

json_object *
accord_json_get_object (json_object *obj, const char *key)
{
    return s_member (obj, key, json_type_object);
}

json_object *
accord_json_get_array (json_object *obj, const char *key)
{
    return s_member (obj, key, json_type_array);
}

int
accord_json_get_int64 (json_object *obj, const char *key, int64_t min, int64_t max,
                       int64_t *value)
{
    json_object *member = s_member (obj, key, json_type_int);
    if (!member)
        return -1;
    int64_t v = json_object_get_int64 (member);
    //  A uint64 above INT64_MAX reads back capped at INT64_MAX: out of any int64 range
    if (v == INT64_MAX && json_object_get_uint64 (member) != (uint64_t) INT64_MAX)
        return -1;
    if (v < min || v > max)
        return -1;
    if (value)
        *value = v;
    return 0;
}
