/*  SD-JWT (RFC 9901): issuance with JSON Pointer paths, holder presentation with key binding,
    and verification. Processing follows RFC 9901 section 7.1: digests are looked up among
    the disclosures, each disclosure may be used once, each digest may appear once, and a
    disclosure nobody references sinks the whole SD-JWT. */
#include "accord/error.h"
#include "accord/sdjwt.h"
#include "accord/encoding.h"
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SD            "_sd"
#define S_SD_ALG        "_sd_alg"
#define S_ELLIPSIS      "..."
#define S_HASH_NAME     "sha-256"

void
accord_sdjwt_digest (char out [ACCORD_SDJWT_DIGEST_SIZE], const char *text, size_t len)
{
    uint8_t digest [ACCORD_HASH_SIZE];
    accord_sha256 (digest, text, len);
    char *encoded = accord_base64url_encode (digest, sizeof digest);
    if (encoded && strlen (encoded) == ACCORD_SDJWT_DIGEST_SIZE - 1)
        memcpy (out, encoded, ACCORD_SDJWT_DIGEST_SIZE);
    else
        out [0] = 0;            //  only on allocation failure; matches no digest
    free (encoded);
}

//  --------------------------------------------------------------------------
//  A growable string, for JSON Pointers

typedef struct {
    char *data;
    size_t len;
    size_t size;
    int failed;
} s_str_t;

static void
s_str_put (s_str_t *self, const char *text, size_t len)
{
    if (self->failed)
        return;
    if (self->len + len + 1 > self->size) {
        size_t size = self->size ? self->size : 64;
        while (size < self->len + len + 1)
            size *= 2;
        char *data = realloc (self->data, size);
        if (!data) {
            self->failed = 1;
            return;
        }
        self->data = data;
        self->size = size;
    }
    memcpy (self->data + self->len, text, len);
    self->len += len;
    self->data [self->len] = 0;
}

//  Appends "/" and the RFC 6901 escaped segment; returns the length to pop back to
static size_t
s_path_push (s_str_t *path, const char *segment)
{
    size_t mark = path->len;
    s_str_put (path, "/", 1);
    for (const char *p = segment; *p; p++) {
        if (*p == '~')
            s_str_put (path, "~0", 2);
        else
        if (*p == '/')
            s_str_put (path, "~1", 2);
        else
            s_str_put (path, p, 1);
    }
    return mark;
}

static size_t
s_path_push_index (s_str_t *path, size_t index)
{
    char number [24];
    snprintf (number, sizeof number, "%zu", index);
    return s_path_push (path, number);
}

static void
s_path_pop (s_str_t *path, size_t mark)
{
    if (!path->failed && path->data) {
        path->len = mark;
        path->data [mark] = 0;
    }
}

//  --------------------------------------------------------------------------
//  JSON Pointers (RFC 6901)

typedef struct {
    char **segments;
    size_t count;
} s_pointer_t;

static void
s_pointer_free (s_pointer_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        free (self->segments [i]);
    free (self->segments);
    self->segments = NULL;
    self->count = 0;
}

//  "" is the whole document; otherwise "/" segments with ~0 and ~1 escapes. Returns 0 or -2.
static int
s_pointer_parse (s_pointer_t *self, const char *text, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    if (!text || (*text && *text != '/')) {
        accord_errorf (err, err_size, "path \"%.100s\" is not a JSON Pointer", text ? text : "");
        return -2;
    }
    size_t slashes = 0;
    for (const char *p = text; *p; p++)
        slashes += *p == '/';
    self->segments = calloc (slashes ? slashes : 1, sizeof (char *));
    if (!self->segments) {
        accord_errorf (err, err_size, "out of memory");
        return -2;
    }
    const char *p = text;
    while (*p == '/') {
        p++;
        size_t len = strcspn (p, "/");
        char *segment = malloc (len + 1);
        if (!segment) {
            s_pointer_free (self);
            accord_errorf (err, err_size, "out of memory");
            return -2;
        }
        size_t out = 0;
        for (size_t i = 0; i < len; i++) {
            if (p [i] != '~')
                segment [out++] = p [i];
            else
            if (i + 1 < len && (p [i + 1] == '0' || p [i + 1] == '1'))
                segment [out++] = p [++i] == '0' ? '~' : '/';
            else {
                free (segment);
                s_pointer_free (self);
                accord_errorf (err, err_size, "path \"%.100s\": '~' must be ~0 or ~1", text);
                return -2;
            }
        }
        segment [out] = 0;
        self->segments [self->count++] = segment;
        p += len;
    }
    return 0;
}

//  A canonical array index below len: "0" or [1-9][0-9]*
static int
s_index (const char *segment, size_t len, size_t *index)
{
    if (!*segment || (segment [0] == '0' && segment [1]) || strlen (segment) > 9)
        return -1;
    size_t value = 0;
    for (const char *p = segment; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        value = value * 10 + (size_t) (*p - '0');
    }
    if (value >= len)
        return -1;
    *index = value;
    return 0;
}

//  The value count segments down from root, or NULL
static json_object *
s_navigate (json_object *root, char **segments, size_t count)
{
    json_object *node = root;
    for (size_t i = 0; i < count && node; i++) {
        if (json_object_is_type (node, json_type_object)) {
            json_object *next = NULL;
            node = json_object_object_get_ex (node, segments [i], &next) ? next : NULL;
        }
        else
        if (json_object_is_type (node, json_type_array)) {
            size_t index;
            node = s_index (segments [i], json_object_array_length (node), &index) == 0
                 ? json_object_array_get_idx (node, index) : NULL;
        }
        else
            node = NULL;
    }
    return node;
}

//  --------------------------------------------------------------------------
//  Disclosures and processing

typedef struct {
    const char *text;                       //  the disclosure as received (borrowed)
    size_t len;
    char digest [ACCORD_SDJWT_DIGEST_SIZE];
    json_object *array;                     //  [salt, name, value] or [salt, value]
    int used;
    char *path;                             //  where processing placed it
} s_disclosure_t;

typedef struct {
    s_disclosure_t *items;
    size_t count;
    uint8_t (*seen) [ACCORD_HASH_SIZE];     //  SHA-256 of each embedded digest met
    size_t seen_count;
    size_t seen_size;
    s_str_t path;
    accord_vc_result_t *result;
} s_process_t;

static void
s_disclosures_free (s_disclosure_t *items, size_t count)
{
    for (size_t i = 0; items && i < count; i++) {
        json_object_put (items [i].array);
        free (items [i].path);
    }
    free (items);
}

//  Decodes count disclosures. Returns ACCORD_VC_VALID, malformed, bad_disclosure (a repeat)
//  or internal; *items_out gets the array (also on failure, for the caller to free).
static accord_vc_error_t
s_disclosures_decode (const char *const *texts, const size_t *lens, size_t count,
                      s_disclosure_t **items_out, accord_vc_result_t *result)
{
    *items_out = NULL;
    if (count > ACCORD_SDJWT_MAX_DISCLOSURES)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "more than %d disclosures", ACCORD_SDJWT_MAX_DISCLOSURES);
    s_disclosure_t *items = calloc (count ? count : 1, sizeof *items);
    if (!items)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "out of memory");
    *items_out = items;
    for (size_t i = 0; i < count; i++) {
        s_disclosure_t *item = &items [i];
        item->text = texts [i];
        item->len = lens [i];
        uint8_t *bytes = NULL;
        size_t bytes_len = 0;
        if (item->len == 0 || !item->text
        ||  accord_base64url_decode (&bytes, &bytes_len, item->text, item->len) != 0)
            return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                                   "disclosure %zu is not base64url", i);
        char reason [100] = "";
        item->array = accord_json_parse ((const char *) bytes, bytes_len,
                                         reason, sizeof reason);
        free (bytes);
        size_t n = item->array && json_object_is_type (item->array, json_type_array)
                 ? json_object_array_length (item->array) : 0;
        if (n != 2 && n != 3)
            return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                                   "disclosure %zu is not a JSON array of 2 or 3 items %s",
                                   i, reason);
        if (!json_object_is_type (json_object_array_get_idx (item->array, 0),
                                  json_type_string)
        ||  (n == 3 && !json_object_is_type (json_object_array_get_idx (item->array, 1),
                                             json_type_string)))
            return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                                   "disclosure %zu: salt and claim name must be strings", i);
        accord_sdjwt_digest (item->digest, item->text, item->len);
        for (size_t j = 0; j < i; j++)
            if (strcmp (items [j].digest, item->digest) == 0)
                return accord_vc_fail (result, ACCORD_VC_E_BAD_DISCLOSURE,
                                       "disclosure %zu repeats disclosure %zu", i, j);
    }
    return ACCORD_VC_VALID;
}

//  Notes an embedded digest; the repeat check runs once at the end. Returns 0 or -1.
static int
s_seen (s_process_t *self, const char *digest)
{
    if (self->seen_count == self->seen_size) {
        size_t size = self->seen_size ? self->seen_size * 2 : 64;
        void *seen = realloc (self->seen, size * sizeof self->seen [0]);
        if (!seen) {
            accord_vc_fail (self->result, ACCORD_VC_E_INTERNAL, "out of memory");
            return -1;
        }
        self->seen = seen;
        self->seen_size = size;
    }
    accord_sha256 (self->seen [self->seen_count++], digest, strlen (digest));
    return 0;
}

static s_disclosure_t *
s_lookup (s_process_t *self, const char *digest)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->items [i].digest, digest) == 0)
            return &self->items [i];
    return NULL;
}

//  Marks a disclosure used at the current path. Returns 0, or -1 when it was used already.
static int
s_use (s_process_t *self, s_disclosure_t *item)
{
    if (item->used) {
        accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE,
                        "disclosure %zu is referenced twice", (size_t) (item - self->items));
        return -1;
    }
    item->used = 1;
    item->path = strdup (self->path.data ? self->path.data : "");
    if (!item->path || self->path.failed) {
        accord_vc_fail (self->result, ACCORD_VC_E_INTERNAL, "out of memory");
        return -1;
    }
    return 0;
}

//  The digest of an array element {"...": digest}, or NULL
static const char *
s_placeholder (json_object *element)
{
    if (!json_object_is_type (element, json_type_object)
    ||  json_object_object_length (element) != 1)
        return NULL;
    return accord_json_get_string (element, S_ELLIPSIS);
}

static int s_walk (s_process_t *self, json_object *node, int depth);

static int
s_walk_object (s_process_t *self, json_object *node, int depth)
{
    //  The members the issuer left in clear first; this object's keys do not change here
    json_object_object_foreach (node, key, value) {
        if (strcmp (key, S_SD) == 0)
            continue;
        size_t mark = s_path_push (&self->path, key);
        int rc = s_walk (self, value, depth + 1);
        s_path_pop (&self->path, mark);
        if (rc != 0)
            return rc;
    }
    json_object *sd = NULL;
    if (!json_object_object_get_ex (node, S_SD, &sd))
        return 0;
    if (!json_object_is_type (sd, json_type_array)) {
        accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE, "_sd is not an array");
        return -1;
    }
    size_t n = json_object_array_length (sd);
    for (size_t i = 0; i < n; i++) {
        json_object *entry = json_object_array_get_idx (sd, i);
        if (!json_object_is_type (entry, json_type_string)) {
            accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE,
                            "_sd holds a value that is not a digest string");
            return -1;
        }
        const char *digest = json_object_get_string (entry);
        if (s_seen (self, digest) != 0)
            return -1;
        s_disclosure_t *item = s_lookup (self, digest);
        if (!item)
            continue;               //  not disclosed, or a decoy
        size_t index = (size_t) (item - self->items);
        if (json_object_array_length (item->array) != 3) {
            accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE,
                            "disclosure %zu is an array element but sits in an _sd", index);
            return -1;
        }
        const char *name = json_object_get_string (json_object_array_get_idx (item->array, 1));
        if (strcmp (name, S_SD) == 0 || strcmp (name, S_ELLIPSIS) == 0) {
            accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE,
                            "disclosure %zu uses the reserved name \"%s\"", index, name);
            return -1;
        }
        if (json_object_object_get_ex (node, name, NULL)) {
            accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE,
                            "disclosure %zu: claim \"%.64s\" exists already", index, name);
            return -1;
        }
        json_object *value = json_object_get (json_object_array_get_idx (item->array, 2));
        json_object_object_add (node, name, value);
        size_t mark = s_path_push (&self->path, name);
        int rc = s_use (self, item);
        if (rc == 0)
            rc = s_walk (self, value, depth + 1);
        s_path_pop (&self->path, mark);
        if (rc != 0)
            return rc;
    }
    json_object_object_del (node, S_SD);
    return 0;
}

static int
s_walk_array (s_process_t *self, json_object *node, int depth)
{
    size_t n = json_object_array_length (node);
    if (n == 0)
        return 0;
    json_object **kept = calloc (n, sizeof *kept);
    s_disclosure_t **from = calloc (n, sizeof *from);
    int rc = 0;
    size_t count = 0;
    if (!kept || !from) {
        accord_vc_fail (self->result, ACCORD_VC_E_INTERNAL, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_object *element = json_object_array_get_idx (node, i);
        const char *digest = s_placeholder (element);
        s_disclosure_t *item = NULL;
        if (digest) {
            if (s_seen (self, digest) != 0) {
                rc = -1;
                break;
            }
            item = s_lookup (self, digest);
            if (!item)
                continue;           //  an undisclosed element or a decoy: dropped
            if (json_object_array_length (item->array) != 2) {
                accord_vc_fail (self->result, ACCORD_VC_E_BAD_DISCLOSURE,
                                "disclosure %zu is an object property but sits in an array",
                                (size_t) (item - self->items));
                rc = -1;
                break;
            }
            element = json_object_array_get_idx (item->array, 1);
        }
        kept [count] = json_object_get (element);
        from [count] = item;
        count++;
    }
    if (rc == 0) {
        //  Put the kept values back in order, then process each. Paths use the index in
        //  the result, so a holder holding every disclosure names what it sees
        json_object_array_del_idx (node, 0, n);
        for (size_t j = 0; j < count; j++) {
            json_object_array_add (node, kept [j]);
            kept [j] = NULL;
        }
        for (size_t j = 0; j < count && rc == 0; j++) {
            size_t mark = s_path_push_index (&self->path, j);
            if (from [j])
                rc = s_use (self, from [j]);
            if (rc == 0)
                rc = s_walk (self, json_object_array_get_idx (node, j), depth + 1);
            s_path_pop (&self->path, mark);
        }
    }
    for (size_t j = 0; kept && j < count; j++)
        json_object_put (kept [j]);
    free (kept);
    free (from);
    return rc;
}

static int
s_walk (s_process_t *self, json_object *node, int depth)
{
    if (depth > ACCORD_SDJWT_MAX_DEPTH) {
        accord_vc_fail (self->result, ACCORD_VC_E_MALFORMED,
                        "claims nest deeper than %d", ACCORD_SDJWT_MAX_DEPTH);
        return -1;
    }
    if (json_object_is_type (node, json_type_object))
        return s_walk_object (self, node, depth);
    if (json_object_is_type (node, json_type_array))
        return s_walk_array (self, node, depth);
    return 0;
}

static int
s_hash_compare (const void *a, const void *b)
{
    return memcmp (a, b, ACCORD_HASH_SIZE);
}

//  The _sd_alg rule: absent (sha-256 by default) or "sha-256"
static accord_vc_error_t
s_check_sd_alg (json_object *payload, accord_vc_result_t *result)
{
    json_object *alg = NULL;
    if (json_object_object_get_ex (payload, S_SD_ALG, &alg)
    &&  (!json_object_is_type (alg, json_type_string)
         || strcmp (json_object_get_string (alg), S_HASH_NAME) != 0))
        return accord_vc_fail (result, ACCORD_VC_E_UNSUPPORTED,
                               "_sd_alg %.40s is not sha-256",
                               json_object_is_type (alg, json_type_string)
                               ? json_object_get_string (alg) : "(not a string)");
    return ACCORD_VC_VALID;
}

//  Processes decoded disclosures against payload (borrowed). On valid *claims_out gets the
//  result; items[].path tell where each disclosure went.
static accord_vc_error_t
s_process (json_object *payload, s_disclosure_t *items, size_t count,
           json_object **claims_out, accord_vc_result_t *result)
{
    *claims_out = NULL;
    if (!payload || !json_object_is_type (payload, json_type_object))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "payload is not an object");
    accord_vc_error_t code = s_check_sd_alg (payload, result);
    if (code != ACCORD_VC_VALID)
        return code;
    json_object *claims = NULL;
    if (json_object_deep_copy (payload, &claims, NULL) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "out of memory");

    accord_vc_result_t walk_result = { ACCORD_VC_VALID, "" };
    s_process_t self = { .items = items, .count = count, .result = &walk_result };
    s_str_put (&self.path, "", 0);
    code = ACCORD_VC_VALID;
    if (s_walk (&self, claims, 0) != 0)
        code = accord_vc_fail (result, walk_result.code, "%s", walk_result.message);
    if (code == ACCORD_VC_VALID) {
        json_object_object_del (claims, S_SD_ALG);
        if (self.seen_count > 1)
            qsort (self.seen, self.seen_count, sizeof self.seen [0], s_hash_compare);
        for (size_t i = 1; i < self.seen_count && code == ACCORD_VC_VALID; i++)
            if (memcmp (self.seen [i - 1], self.seen [i], ACCORD_HASH_SIZE) == 0)
                code = accord_vc_fail (result, ACCORD_VC_E_BAD_DISCLOSURE,
                                       "a digest appears more than once");
        for (size_t i = 0; i < count && code == ACCORD_VC_VALID; i++)
            if (!items [i].used)
                code = accord_vc_fail (result, ACCORD_VC_E_BAD_DISCLOSURE,
                                       "disclosure %zu is not referenced by the issuer", i);
    }
    free (self.seen);
    free (self.path.data);
    if (code != ACCORD_VC_VALID) {
        json_object_put (claims);
        return code;
    }
    *claims_out = claims;
    return ACCORD_VC_VALID;
}

accord_vc_error_t
accord_sdjwt_process (json_object *payload, const char *const *disclosures, size_t count,
                      json_object **claims_out, accord_vc_result_t *result)
{
    json_object *claims = NULL;
    if (claims_out)
        *claims_out = NULL;
    if (count && !disclosures)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no disclosures");
    size_t *lens = calloc (count ? count : 1, sizeof *lens);
    if (!lens)
        return accord_vc_fail (result, ACCORD_VC_E_INTERNAL, "out of memory");
    for (size_t i = 0; i < count; i++)
        lens [i] = disclosures [i] ? strlen (disclosures [i]) : 0;
    s_disclosure_t *items = NULL;
    accord_vc_error_t code = s_disclosures_decode (disclosures, lens, count, &items, result);
    if (code == ACCORD_VC_VALID)
        code = s_process (payload, items, count, &claims, result);
    s_disclosures_free (items, count);
    free (lens);
    if (code == ACCORD_VC_VALID) {
        accord_vc_fail (result, ACCORD_VC_VALID, NULL);
        if (claims_out)
            *claims_out = claims;
        else
            json_object_put (claims);
    }
    return code;
}

//  --------------------------------------------------------------------------
//  The compact form

typedef struct {
    const char *jwt;
    size_t jwt_len;
    const char **disclosures;           //  pointers into the text
    size_t *lens;
    size_t count;
    const char *kb;                     //  after the last '~'; kb_len 0 when absent
    size_t kb_len;
    size_t presented_len;               //  up to and with the last '~' (what sd_hash covers)
} s_parts_t;

static void
s_parts_free (s_parts_t *self)
{
    free (self->disclosures);
    free (self->lens);
    memset (self, 0, sizeof *self);
}

static int
s_split (s_parts_t *self, const char *text, size_t len, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    if (!text || len > ACCORD_SDJWT_MAX_SIZE) {
        accord_errorf (err, err_size, "SD-JWT longer than %d characters", ACCORD_SDJWT_MAX_SIZE);
        return -2;
    }
    size_t tildes = 0;
    for (size_t i = 0; i < len; i++)
        tildes += text [i] == '~';
    if (tildes == 0) {
        accord_errorf (err, err_size, "not an SD-JWT: no '~'");
        return -2;
    }
    if (tildes - 1 > ACCORD_SDJWT_MAX_DISCLOSURES) {
        accord_errorf (err, err_size, "more than %d disclosures", ACCORD_SDJWT_MAX_DISCLOSURES);
        return -2;
    }
    self->disclosures = calloc (tildes, sizeof *self->disclosures);
    self->lens = calloc (tildes, sizeof *self->lens);
    if (!self->disclosures || !self->lens) {
        s_parts_free (self);
        accord_errorf (err, err_size, "out of memory");
        return -2;
    }
    const char *start = text;
    const char *end = text + len;
    const char *tilde = memchr (start, '~', len);
    self->jwt = start;
    self->jwt_len = (size_t) (tilde - start);
    start = tilde + 1;
    while ((tilde = memchr (start, '~', (size_t) (end - start))) != NULL) {
        if (tilde == start) {
            s_parts_free (self);
            accord_errorf (err, err_size, "empty disclosure (\"~~\")");
            return -2;
        }
        self->disclosures [self->count] = start;
        self->lens [self->count] = (size_t) (tilde - start);
        self->count++;
        start = tilde + 1;
    }
    self->presented_len = (size_t) (start - text);
    self->kb = start;
    self->kb_len = (size_t) (end - start);
    if (self->jwt_len == 0) {
        s_parts_free (self);
        accord_errorf (err, err_size, "no issuer-signed JWT");
        return -2;
    }
    return 0;
}

//  Splits, decodes the issuer JWT (unverified) and the disclosures, and processes them.
//  For the holder's side. Returns 0 or -2 with err; the caller frees everything.
static int
s_open (const char *text, size_t len, s_parts_t *parts, accord_jws_t **jws,
        s_disclosure_t **items, json_object **claims, char *err, size_t err_size)
{
    *jws = NULL;
    *items = NULL;
    *claims = NULL;
    if (s_split (parts, text, len, err, err_size) != 0)
        return -2;
    *jws = accord_jws_decode (parts->jwt, parts->jwt_len, err, err_size);
    if (!*jws)
        return -2;
    accord_vc_result_t result;
    if (s_disclosures_decode (parts->disclosures, parts->lens, parts->count, items, &result)
        != ACCORD_VC_VALID
    ||  s_process (accord_jws_payload (*jws), *items, parts->count, claims, &result)
        != ACCORD_VC_VALID) {
        accord_errorf (err, err_size, "%s", result.message);
        return -2;
    }
    return 0;
}

json_object *
accord_sdjwt_disclosable (const char *sdjwt, size_t len, char *err, size_t err_size)
{
    s_parts_t parts;
    accord_jws_t *jws = NULL;
    s_disclosure_t *items = NULL;
    json_object *claims = NULL;
    json_object *paths = NULL;
    if (s_open (sdjwt, len, &parts, &jws, &items, &claims, err, err_size) == 0) {
        paths = json_object_new_array ();
        for (size_t i = 0; i < parts.count; i++)
            json_object_array_add (paths, json_object_new_string (items [i].path));
    }
    json_object_put (claims);
    s_disclosures_free (items, parts.count);
    accord_jws_destroy (&jws);
    s_parts_free (&parts);
    return paths;
}

//  --------------------------------------------------------------------------
//  Issuing

//  Claims that must stay visible (validity, key binding, VC framing)
static const char *s_fixed_claims [] = {
    "iss", "iat", "nbf", "exp", "cnf", S_SD_ALG, "@context", "type", "issuer",
    "validFrom", "validUntil", NULL
};

//  1 when obj holds a member "_sd" or "..." anywhere
static int
s_has_reserved (json_object *node, int depth)
{
    if (depth > ACCORD_SDJWT_MAX_DEPTH)
        return 1;
    if (json_object_is_type (node, json_type_object)) {
        json_object_object_foreach (node, key, value) {
            if (strcmp (key, S_SD) == 0 || strcmp (key, S_ELLIPSIS) == 0
            ||  s_has_reserved (value, depth + 1))
                return 1;
        }
    }
    else
    if (json_object_is_type (node, json_type_array)) {
        size_t n = json_object_array_length (node);
        for (size_t i = 0; i < n; i++)
            if (s_has_reserved (json_object_array_get_idx (node, i), depth + 1))
                return 1;
    }
    return 0;
}

//  base64url of 16 random bytes. New string or NULL.
static char *
s_salt (void)
{
    uint8_t salt [ACCORD_SDJWT_SALT_SIZE];
    if (accord_random (salt, sizeof salt) != 0)
        return NULL;
    return accord_base64url_encode (salt, sizeof salt);
}

//  A disclosure [salt, name, value] (name NULL: [salt, value]) and its digest. New string.
static char *
s_disclose (const char *name, json_object *value, char digest [ACCORD_SDJWT_DIGEST_SIZE])
{
    char *salt = s_salt ();
    if (!salt)
        return NULL;
    json_object *array = json_object_new_array ();
    json_object_array_add (array, json_object_new_string (salt));
    if (name)
        json_object_array_add (array, json_object_new_string (name));
    json_object_array_add (array, json_object_get (value));
    free (salt);
    char *json = accord_json_canonical (array);
    json_object_put (array);
    if (!json)
        return NULL;
    char *text = accord_base64url_encode ((const uint8_t *) json, strlen (json));
    free (json);
    if (text)
        accord_sdjwt_digest (digest, text, strlen (text));
    return text;
}

static int
s_string_compare (const void *a, const void *b)
{
    json_object *const *x = a;
    json_object *const *y = b;
    return strcmp (json_object_get_string (*x), json_object_get_string (*y));
}

//  Adds decoys to the _sd array of obj and sorts it. Returns 0 or -1.
static int
s_finish_sd (json_object *obj, size_t decoys)
{
    json_object *sd = accord_json_get_array (obj, S_SD);
    if (!sd)
        return 0;
    for (size_t i = 0; i < decoys; i++) {
        uint8_t noise [ACCORD_SDJWT_SALT_SIZE];
        char digest [ACCORD_SDJWT_DIGEST_SIZE];
        if (accord_random (noise, sizeof noise) != 0)
            return -1;
        accord_sdjwt_digest (digest, (const char *) noise, sizeof noise);
        json_object_array_add (sd, json_object_new_string (digest));
    }
    json_object_array_sort (sd, s_string_compare);
    return 0;
}

typedef struct {
    s_pointer_t pointer;
    const char *text;
} s_path_t;

static int
s_depth_compare (const void *a, const void *b)
{
    const s_path_t *x = a;
    const s_path_t *y = b;
    return x->pointer.count < y->pointer.count ? 1 : x->pointer.count > y->pointer.count ? -1 : 0;
}

//  Replaces the claim at path (inside a copy of the claims) by its digest and appends its
//  disclosure to list. Touched objects go to touched. Returns 0 or -2 with err.
static int
s_issue_one (json_object *root, s_path_t *path, json_object *list, json_object *touched,
             char *err, size_t err_size)
{
    size_t n = path->pointer.count;
    const char *last = path->pointer.segments [n - 1];
    json_object *parent = s_navigate (root, path->pointer.segments, n - 1);
    char digest [ACCORD_SDJWT_DIGEST_SIZE];
    char *disclosure = NULL;
    if (json_object_is_type (parent, json_type_object)) {
        json_object *value = NULL;
        if (!json_object_object_get_ex (parent, last, &value)) {
            accord_errorf (err, err_size, "no claim at %.100s", path->text);
            return -2;
        }
        disclosure = s_disclose (last, value, digest);
        if (!disclosure) {
            accord_errorf (err, err_size, "cannot disclose %.100s (no JCS form or no random)",
                     path->text);
            return -2;
        }
        json_object_object_del (parent, last);
        json_object *sd = accord_json_get_array (parent, S_SD);
        if (!sd) {
            sd = json_object_new_array ();
            json_object_object_add (parent, S_SD, sd);
            json_object_array_add (touched, json_object_get (parent));
        }
        json_object_array_add (sd, json_object_new_string (digest));
    }
    else
    if (json_object_is_type (parent, json_type_array)) {
        size_t index;
        if (s_index (last, json_object_array_length (parent), &index) != 0) {
            accord_errorf (err, err_size, "no array element at %.100s", path->text);
            return -2;
        }
        disclosure = s_disclose (NULL, json_object_array_get_idx (parent, index), digest);
        if (!disclosure) {
            accord_errorf (err, err_size, "cannot disclose %.100s", path->text);
            return -2;
        }
        json_object *placeholder = json_object_new_object ();
        json_object_object_add (placeholder, S_ELLIPSIS, json_object_new_string (digest));
        json_object_array_put_idx (parent, index, placeholder);
    }
    else {
        accord_errorf (err, err_size, "no claim at %.100s", path->text);
        return -2;
    }
    json_object_array_add (list, json_object_new_string (disclosure));
    free (disclosure);
    return 0;
}

char *
accord_sdjwt_issue (accord_key_t *issuer, json_object *claims, const char *const *paths,
                    size_t path_count, const accord_sdjwt_issue_opts_t *opts,
                    char *err, size_t err_size)
{
    accord_sdjwt_issue_opts_t none = { 0 };
    if (!opts)
        opts = &none;
    const char *typ = opts->typ ? opts->typ : ACCORD_SDJWT_TYP;
    size_t typ_len = strlen (typ);
    if (!issuer || !claims || !json_object_is_type (claims, json_type_object)
    ||  (path_count && !paths)) {
        accord_errorf (err, err_size, "issuer key and a claims object are required");
        return NULL;
    }
    if (typ_len < 6 || strcmp (typ + typ_len - 6, "sd-jwt") != 0) {
        accord_errorf (err, err_size, "typ must end with \"sd-jwt\"");
        return NULL;
    }
    if (path_count > ACCORD_SDJWT_MAX_DISCLOSURES || opts->decoys > ACCORD_SDJWT_MAX_DECOYS) {
        accord_errorf (err, err_size, "at most %d disclosable claims and %d decoys per _sd",
                 ACCORD_SDJWT_MAX_DISCLOSURES, ACCORD_SDJWT_MAX_DECOYS);
        return NULL;
    }
    if (s_has_reserved (claims, 0)) {
        accord_errorf (err, err_size, "claims hold \"_sd\" or \"...\" (or nest too deep)");
        return NULL;
    }
    if (json_object_object_get_ex (claims, S_SD_ALG, NULL)
    ||  (opts->holder_key && json_object_object_get_ex (claims, "cnf", NULL))) {
        accord_errorf (err, err_size, "claims hold _sd_alg or cnf, which the issuer sets");
        return NULL;
    }
    json_object *cnf = NULL;
    if (opts->holder_key) {
        json_object *jwk = accord_jwk_from_pubkey (opts->holder_key, ACCORD_PUBKEY_SIZE);
        if (!jwk) {
            accord_errorf (err, err_size, "holder key is not a valid public key");
            return NULL;
        }
        cnf = json_object_new_object ();
        json_object_object_add (cnf, "jwk", jwk);
    }

    s_path_t *parsed = calloc (path_count ? path_count : 1, sizeof *parsed);
    json_object *copy = NULL;
    json_object *list = json_object_new_array ();
    json_object *touched = json_object_new_array ();
    char *token = NULL;
    char *result = NULL;
    int ok = parsed && list && touched && json_object_deep_copy (claims, &copy, NULL) == 0;
    if (!ok)
        accord_errorf (err, err_size, "out of memory");
    for (size_t i = 0; ok && i < path_count; i++) {
        parsed [i].text = paths [i];
        if (s_pointer_parse (&parsed [i].pointer, paths [i], err, err_size) != 0) {
            ok = 0;
            break;
        }
        if (parsed [i].pointer.count == 0) {
            accord_errorf (err, err_size, "the whole document cannot be a disclosure");
            ok = 0;
            break;
        }
        for (size_t j = 0; j < i && ok; j++)
            if (strcmp (paths [i], paths [j]) == 0) {
                accord_errorf (err, err_size, "path %.100s given twice", paths [i]);
                ok = 0;
            }
        for (size_t f = 0; ok && s_fixed_claims [f]; f++)
            if (parsed [i].pointer.count == 1
            &&  strcmp (parsed [i].pointer.segments [0], s_fixed_claims [f]) == 0) {
                accord_errorf (err, err_size, "%s stays visible: it cannot be disclosable",
                         s_fixed_claims [f]);
                ok = 0;
            }
    }
    if (ok) {
        //  Deepest first, so a claim inside another disclosable claim is hidden inside its
        //  parent's disclosure; each depth's _sd arrays are finished (decoys, order) before
        //  the next depth can copy them into a disclosure
        qsort (parsed, path_count, sizeof *parsed, s_depth_compare);
        size_t i = 0;
        while (ok && i < path_count) {
            size_t depth = parsed [i].pointer.count;
            for (; ok && i < path_count && parsed [i].pointer.count == depth; i++)
                ok = s_issue_one (copy, &parsed [i], list, touched, err, err_size) == 0;
            size_t n = json_object_array_length (touched);
            for (size_t t = 0; ok && t < n; t++)
                if (s_finish_sd (json_object_array_get_idx (touched, t), opts->decoys) != 0) {
                    accord_errorf (err, err_size, "no random source");
                    ok = 0;
                }
            json_object_array_del_idx (touched, 0, n);
        }
    }
    if (ok) {
        json_object_object_add (copy, S_SD_ALG, json_object_new_string (S_HASH_NAME));
        if (cnf) {
            json_object_object_add (copy, "cnf", cnf);
            cnf = NULL;
        }
        token = accord_jwt_sign (issuer, typ, opts->kid, copy);
        if (!token) {
            accord_errorf (err, err_size, "signing failed");
            ok = 0;
        }
    }
    if (ok) {
        s_str_t out = { 0 };
        s_str_put (&out, token, strlen (token));
        s_str_put (&out, "~", 1);
        size_t n = json_object_array_length (list);
        for (size_t i = 0; i < n; i++) {
            const char *disclosure = json_object_get_string (json_object_array_get_idx (list, i));
            s_str_put (&out, disclosure, strlen (disclosure));
            s_str_put (&out, "~", 1);
        }
        if (out.failed || out.len > ACCORD_SDJWT_MAX_SIZE) {
            accord_errorf (err, err_size, "SD-JWT longer than %d characters or out of memory",
                     ACCORD_SDJWT_MAX_SIZE);
            free (out.data);
        }
        else
            result = out.data;
    }
    for (size_t i = 0; parsed && i < path_count; i++)
        s_pointer_free (&parsed [i].pointer);
    free (parsed);
    free (token);
    json_object_put (cnf);
    json_object_put (copy);
    json_object_put (list);
    json_object_put (touched);
    return result;
}

//  --------------------------------------------------------------------------
//  Presenting

//  path a is b, or an ancestor of b (b continues with '/')
static int
s_path_covers (const char *a, const char *b)
{
    size_t len = strlen (a);
    return strncmp (a, b, len) == 0 && (b [len] == 0 || b [len] == '/');
}

char *
accord_sdjwt_present (const char *sdjwt, size_t len, const char *const *paths,
                      size_t path_count, accord_key_t *holder, const char *nonce,
                      const char *audience, int64_t now, char *err, size_t err_size)
{
    if (path_count && !paths) {
        accord_errorf (err, err_size, "no paths");
        return NULL;
    }
    if (holder && (!nonce || !audience || now < 0 || now > ACCORD_JWT_MAX_TIME)) {
        accord_errorf (err, err_size, "key binding needs nonce, audience and the time");
        return NULL;
    }
    s_parts_t parts;
    accord_jws_t *jws = NULL;
    s_disclosure_t *items = NULL;
    json_object *claims = NULL;
    char *result = NULL;
    int ok = s_open (sdjwt, len, &parts, &jws, &items, &claims, err, err_size) == 0;
    if (ok && parts.kb_len) {
        accord_errorf (err, err_size, "this SD-JWT carries a key binding JWT already");
        ok = 0;
    }
    char *selected = ok ? calloc (parts.count ? parts.count : 1, 1) : NULL;
    if (ok && !selected) {
        accord_errorf (err, err_size, "out of memory");
        ok = 0;
    }
    for (size_t p = 0; ok && p < path_count; p++) {
        s_pointer_t pointer;
        if (s_pointer_parse (&pointer, paths [p], err, err_size) != 0) {
            ok = 0;
            break;
        }
        int found = s_navigate (claims, pointer.segments, pointer.count) != NULL;
        s_pointer_free (&pointer);
        if (!found) {
            accord_errorf (err, err_size, "no claim at %.100s", paths [p]);
            ok = 0;
            break;
        }
        for (size_t i = 0; i < parts.count; i++)
            if (s_path_covers (items [i].path, paths [p])
            ||  s_path_covers (paths [p], items [i].path))
                selected [i] = 1;
    }
    uint8_t bound [ACCORD_PUBKEY_SIZE];
    if (ok && holder) {
        char reason [120];
        json_object *cnf = accord_json_get_object (claims, "cnf");
        if (accord_jwk_to_pubkey (bound, accord_json_get_object (cnf, "jwk"),
                                  reason, sizeof reason) != 0) {
            accord_errorf (err, err_size, "no usable cnf.jwk to bind to: %s", reason);
            ok = 0;
        }
        else
        if (memcmp (bound, accord_key_public (holder), ACCORD_PUBKEY_SIZE) != 0) {
            accord_errorf (err, err_size, "the holder key is not the one in cnf.jwk");
            ok = 0;
        }
    }
    if (ok) {
        s_str_t out = { 0 };
        s_str_put (&out, parts.jwt, parts.jwt_len);
        s_str_put (&out, "~", 1);
        for (size_t i = 0; i < parts.count; i++)
            if (selected [i]) {
                s_str_put (&out, items [i].text, items [i].len);
                s_str_put (&out, "~", 1);
            }
        if (holder && !out.failed) {
            char sd_hash [ACCORD_SDJWT_DIGEST_SIZE];
            accord_sdjwt_digest (sd_hash, out.data, out.len);
            json_object *kb = json_object_new_object ();
            json_object_object_add (kb, "iat", json_object_new_int64 (now));
            json_object_object_add (kb, "aud", json_object_new_string (audience));
            json_object_object_add (kb, "nonce", json_object_new_string (nonce));
            json_object_object_add (kb, "sd_hash", json_object_new_string (sd_hash));
            char *kb_jwt = accord_jwt_sign (holder, ACCORD_SDJWT_KB_TYP, NULL, kb);
            json_object_put (kb);
            if (kb_jwt)
                s_str_put (&out, kb_jwt, strlen (kb_jwt));
            else
                out.failed = 1;
            free (kb_jwt);
        }
        if (out.failed || out.len > ACCORD_SDJWT_MAX_SIZE) {
            accord_errorf (err, err_size, "out of memory or too long");
            free (out.data);
        }
        else
            result = out.data;
    }
    free (selected);
    json_object_put (claims);
    s_disclosures_free (items, parts.count);
    accord_jws_destroy (&jws);
    s_parts_free (&parts);
    return result;
}

//  --------------------------------------------------------------------------
//  Verifying

//  The issuer of an issuer-signed payload: a credential's issuer, else the JWT's iss
static const char *
s_issuer (json_object *payload)
{
    const char *issuer = accord_vc_issuer (payload);
    return issuer ? issuer : accord_json_get_string (payload, "iss");
}

//  Verifies with a given key, or with the key resolve finds for the header's kid
static accord_vc_error_t
s_verify (const char *sdjwt, size_t len, const uint8_t *issuer_key, size_t issuer_key_len,
          accord_vc_resolver_fn *resolve, void *ctx, const accord_vc_verify_opts_t *opts,
          json_object **claims_out, accord_vc_result_t *result)
{
    if (claims_out)
        *claims_out = NULL;
    if (!opts)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no verification options");
    char reason [160];
    s_parts_t parts;
    if (s_split (&parts, sdjwt, len, reason, sizeof reason) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%s", reason);
    accord_jws_t *jws = NULL, *kb = NULL;
    s_disclosure_t *items = NULL;
    json_object *claims = NULL;
    accord_vc_error_t code = ACCORD_VC_VALID;

    //  Every part must read
    jws = accord_jws_decode (parts.jwt, parts.jwt_len, reason, sizeof reason);
    if (!jws) {
        code = accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "issuer JWT: %s", reason);
        goto done;
    }
    if (parts.kb_len) {
        kb = accord_jws_decode (parts.kb, parts.kb_len, reason, sizeof reason);
        if (!kb) {
            code = accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                                   "key binding JWT: %s", reason);
            goto done;
        }
    }
    code = s_disclosures_decode (parts.disclosures, parts.lens, parts.count, &items, result);
    if (code != ACCORD_VC_VALID)
        goto done;

    //  Algorithms, then types
    json_object *payload = accord_jws_payload (jws);
    if ((code = accord_jws_check_header (jws, result)) != ACCORD_VC_VALID
    ||  (kb && (code = accord_jws_check_header (kb, result)) != ACCORD_VC_VALID)
    ||  (code = s_check_sd_alg (payload, result)) != ACCORD_VC_VALID)
        goto done;
    const char *typ = accord_jws_typ (jws);
    size_t typ_len = typ ? strlen (typ) : 0;
    if (typ_len < 6 || strcmp (typ + typ_len - 6, "sd-jwt") != 0) {
        code = accord_vc_fail (result, ACCORD_VC_E_WRONG_TYPE,
                               "typ %.40s is not an SD-JWT type", typ ? typ : "(none)");
        goto done;
    }
    const char *kb_typ = kb ? accord_jws_typ (kb) : NULL;
    if (kb && (!kb_typ || strcmp (kb_typ, ACCORD_SDJWT_KB_TYP) != 0)) {
        code = accord_vc_fail (result, ACCORD_VC_E_WRONG_TYPE,
                               "key binding JWT typ %.40s is not kb+jwt",
                               kb_typ ? kb_typ : "(none)");
        goto done;
    }

    //  The issuer's key, its signature, then the disclosures
    uint8_t resolved [ACCORD_PUBKEY_SIZE];
    if (resolve) {
        const char *kid = accord_jws_kid (jws);
        const char *issuer = s_issuer (payload);
        if (!kid || !issuer) {
            code = accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%s",
                                   !kid ? "no kid in the issuer JWT's header"
                                        : "no issuer or iss in the issuer JWT");
            goto done;
        }
        if (!accord_vc_kid_of (kid, issuer)) {
            code = accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                                   "kid %.100s is not a key of issuer %.100s", kid, issuer);
            goto done;
        }
        code = resolve (ctx, kid, "assertionMethod", resolved, result);
        if (code != ACCORD_VC_VALID)
            goto done;
        issuer_key = resolved;
        issuer_key_len = sizeof resolved;
    }
    code = accord_jws_verify (jws, issuer_key, issuer_key_len, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    code = s_process (payload, items, parts.count, &claims, result);
    if (code != ACCORD_VC_VALID)
        goto done;

    //  Key binding
    json_object *kb_claims = kb ? accord_jws_payload (kb) : NULL;
    if (!kb && opts->require_key_binding) {
        code = accord_vc_fail (result, ACCORD_VC_E_BAD_KEY_BINDING,
                               "no key binding JWT, and the verifier requires one");
        goto done;
    }
    if (kb) {
        uint8_t holder_key [ACCORD_PUBKEY_SIZE];
        json_object *cnf = accord_json_get_object (claims, "cnf");
        if (accord_jwk_to_pubkey (holder_key, accord_json_get_object (cnf, "jwk"),
                                  reason, sizeof reason) != 0) {
            code = accord_vc_fail (result, ACCORD_VC_E_BAD_KEY_BINDING,
                                   "no holder key to check the KB-JWT with (cnf.jwk: %s)",
                                   reason);
            goto done;
        }
        code = accord_jws_verify (kb, holder_key, sizeof holder_key, result);
        if (code != ACCORD_VC_VALID) {
            char inner [ACCORD_VC_MESSAGE_SIZE];
            memcpy (inner, result ? result->message : "", result ? sizeof inner : 1);
            accord_vc_fail (result, code, "key binding JWT: %.200s", inner);
            goto done;
        }
        char sd_hash [ACCORD_SDJWT_DIGEST_SIZE];
        accord_sdjwt_digest (sd_hash, sdjwt, parts.presented_len);
        const char *claimed = accord_json_get_string (kb_claims, "sd_hash");
        if (!claimed || strcmp (claimed, sd_hash) != 0) {
            code = accord_vc_fail (result, ACCORD_VC_E_BAD_KEY_BINDING,
                                   "sd_hash does not match the presented SD-JWT");
            goto done;
        }
        if (accord_jwt_get_time (kb_claims, "iat", NULL) != 0) {
            code = accord_vc_fail (result, ACCORD_VC_E_BAD_KEY_BINDING,
                                   "key binding JWT has no iat");
            goto done;
        }
    }

    //  Time
    code = accord_vc_check_window (claims, opts, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    if (kb) {
        code = accord_vc_check_holder_proof (kb_claims, opts, "key binding JWT", result);
        if (code != ACCORD_VC_VALID)
            goto done;
    }
    accord_vc_fail (result, ACCORD_VC_VALID, NULL);
    if (claims_out) {
        *claims_out = claims;
        claims = NULL;
    }
done:
    json_object_put (claims);
    s_disclosures_free (items, parts.count);
    accord_jws_destroy (&kb);
    accord_jws_destroy (&jws);
    s_parts_free (&parts);
    return code;
}

accord_vc_error_t
accord_sdjwt_verify (const char *sdjwt, size_t len, const uint8_t *issuer_key,
                     size_t issuer_key_len, const accord_vc_verify_opts_t *opts,
                     json_object **claims_out, accord_vc_result_t *result)
{
    return s_verify (sdjwt, len, issuer_key, issuer_key_len, NULL, NULL, opts, claims_out,
                     result);
}

accord_vc_error_t
accord_sdjwt_verify_resolve (const char *sdjwt, size_t len, accord_vc_resolver_fn *resolve,
                             void *ctx, const accord_vc_verify_opts_t *opts,
                             json_object **claims_out, accord_vc_result_t *result)
{
    if (claims_out)
        *claims_out = NULL;
    if (!resolve)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no resolver");
    return s_verify (sdjwt, len, NULL, 0, resolve, ctx, opts, claims_out, result);
}
