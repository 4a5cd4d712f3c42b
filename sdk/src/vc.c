/*  Verification results, dates, DID document key lookup, and W3C VC 2.0 credentials and
    presentations secured as JWT (VC-JOSE-COSE). */
#include "accord/error.h"
#include "accord/vc.h"
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/statuslist.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_VC_TYP            "vc+jwt"
#define S_VP_TYP            "vp+jwt"
#define S_ENVELOPE_PREFIX   "data:application/vc+jwt,"

static const char *s_names [ACCORD_VC_E__COUNT] = {
    [ACCORD_VC_VALID]                   = "valid",
    [ACCORD_VC_E_MALFORMED]             = "malformed",
    [ACCORD_VC_E_UNSUPPORTED]           = "unsupported",
    [ACCORD_VC_E_WRONG_TYPE]            = "wrong_type",
    [ACCORD_VC_E_UNKNOWN_DID]           = "unknown_did",
    [ACCORD_VC_E_DID_DEACTIVATED]       = "did_deactivated",
    [ACCORD_VC_E_KEY_NOT_AUTHORIZED]    = "key_not_authorized",
    [ACCORD_VC_E_BAD_SIGNATURE]         = "bad_signature",
    [ACCORD_VC_E_BAD_DISCLOSURE]        = "bad_disclosure",
    [ACCORD_VC_E_BAD_KEY_BINDING]       = "bad_key_binding",
    [ACCORD_VC_E_ISSUER_NOT_RECOGNIZED] = "issuer_not_recognized",
    [ACCORD_VC_E_SCHEMA_VIOLATION]      = "schema_violation",
    [ACCORD_VC_E_NOT_YET_VALID]         = "not_yet_valid",
    [ACCORD_VC_E_EXPIRED]               = "expired",
    [ACCORD_VC_E_REVOKED]               = "revoked",
    [ACCORD_VC_E_SUSPENDED]             = "suspended",
    [ACCORD_VC_E_NONCE_MISMATCH]        = "nonce_mismatch",
    [ACCORD_VC_E_AUDIENCE_MISMATCH]     = "audience_mismatch",
    [ACCORD_VC_E_INTERNAL]              = "internal",
};

const char *
accord_vc_error_name (int code)
{
    if (code < 0 || code >= ACCORD_VC_E__COUNT)
        return "unknown";
    return s_names [code];
}

accord_vc_error_t
accord_vc_error_from_name (const char *name)
{
    for (int code = 0; name && code < ACCORD_VC_E__COUNT; code++)
        if (strcmp (s_names [code], name) == 0)
            return (accord_vc_error_t) code;
    return ACCORD_VC_E__COUNT;
}

accord_vc_error_t
accord_vc_fail (accord_vc_result_t *result, accord_vc_error_t code, const char *format, ...)
{
    if (result) {
        result->code = code;
        result->message [0] = 0;
        if (format) {
            va_list args;
            va_start (args, format);
            vsnprintf (result->message, sizeof result->message, format, args);
            va_end (args);
        }
    }
    return code;
}

//  --------------------------------------------------------------------------
//  Dates

//  Days from 1970-01-01 to 0001-01-01 counted backwards, and the range we format
#define S_DAYS_0001_TO_1970  INT64_C (719162)
#define S_MIN_TIME          (-S_DAYS_0001_TO_1970 * 86400)
#define S_MAX_TIME           ACCORD_JWT_MAX_TIME

static int
s_is_leap (int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month (int64_t year, int month)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return month == 2 && s_is_leap (year) ? 29 : days [month - 1];
}

//  Days from 0001-01-01 to the first of January of year (year >= 1)
static int64_t
s_days_before_year (int64_t year)
{
    int64_t y = year - 1;
    return 365 * y + y / 4 - y / 100 + y / 400;
}

//  Days since 1970-01-01 of a valid date
static int64_t
s_days_since_epoch (int64_t year, int month, int day)
{
    int64_t days = s_days_before_year (year);
    for (int m = 1; m < month; m++)
        days += s_days_in_month (year, m);
    return days + day - 1 - S_DAYS_0001_TO_1970;
}

//  Reads exactly n decimal digits
static int
s_digits (const char *text, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (text [i] < '0' || text [i] > '9')
            return -1;
        v = v * 10 + (text [i] - '0');
    }
    *value = v;
    return 0;
}

int
accord_datetime_parse (const char *text, int64_t *seconds)
{
    int year, month, day, hour, minute, second;
    if (!text
    ||  s_digits (text, 4, &year) || text [4] != '-'
    ||  s_digits (text + 5, 2, &month) || text [7] != '-'
    ||  s_digits (text + 8, 2, &day) || text [10] != 'T'
    ||  s_digits (text + 11, 2, &hour) || text [13] != ':'
    ||  s_digits (text + 14, 2, &minute) || text [16] != ':'
    ||  s_digits (text + 17, 2, &second))
        return -2;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > s_days_in_month (year, month)
    ||  hour > 23 || minute > 59 || second > 59)
        return -2;
    const char *p = text + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -2;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int offset = 0;
    if (*p == 'Z')
        p++;
    else
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (s_digits (p + 1, 2, &oh) || p [3] != ':' || s_digits (p + 4, 2, &om)
        ||  om > 59 || oh * 60 + om > 14 * 60)
            return -2;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    }
    else
        return -2;              //  dateTimeStamp: the time zone is required
    if (*p)
        return -2;
    int64_t result = s_days_since_epoch (year, month, day) * 86400
                   + hour * 3600 + minute * 60 + second - offset;
    if (seconds)
        *seconds = result;
    return 0;
}

int
accord_datetime_format (char out [ACCORD_DATETIME_SIZE], int64_t seconds)
{
    if (!out || seconds < S_MIN_TIME || seconds > S_MAX_TIME)
        return -1;
    int64_t days = seconds / 86400;
    int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days--;
    }
    int64_t from_0001 = days + S_DAYS_0001_TO_1970;
    //  An estimate below the true year, then walk up
    int64_t year = from_0001 * 400 / 146097 + 1;
    if (year < 1)
        year = 1;
    while (year > 1 && s_days_before_year (year) > from_0001)
        year--;
    while (s_days_before_year (year + 1) <= from_0001)
        year++;
    int64_t day_of_year = from_0001 - s_days_before_year (year);
    int month = 1;
    while (day_of_year >= s_days_in_month (year, month)) {
        day_of_year -= s_days_in_month (year, month);
        month++;
    }
    snprintf (out, ACCORD_DATETIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02dZ",
              (int) year, month, (int) day_of_year + 1,
              (int) (rest / 3600), (int) (rest / 60 % 60), (int) (rest % 60));
    return 0;
}

//  --------------------------------------------------------------------------
//  DID documents

//  Length of the DID part of a DID URL (up to '#', '?' or '/' after the method-specific id)
static size_t
s_did_len (const char *url)
{
    return strcspn (url, "/?#");
}

//  Does id (absolute or "#fragment") name the verification method abs_id of document did?
static int
s_same_id (const char *id, const char *abs_id, const char *did)
{
    if (!id)
        return 0;
    if (id [0] == '#') {
        size_t did_len = strlen (did);
        return strncmp (abs_id, did, did_len) == 0 && strcmp (abs_id + did_len, id) == 0;
    }
    return strcmp (id, abs_id) == 0;
}

accord_vc_error_t
accord_did_doc_key (json_object *doc, const char *kid, const char *relationship,
                    uint8_t pubkey [ACCORD_PUBKEY_SIZE], accord_vc_result_t *result)
{
    const char *did = accord_json_get_string (doc, "id");
    if (!did || !kid || !relationship || !pubkey)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "DID document without id");
    json_object *methods = accord_json_get_array (doc, "verificationMethod");
    size_t method_count = methods ? json_object_array_length (methods) : 0;

    //  The absolute id of the method kid names; longer ids are refused, never truncated
    char abs_id [1024];
    if (strlen (did) + strlen (kid) >= sizeof abs_id)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "kid or DID too long");
    if (kid [0] == '#')
        snprintf (abs_id, sizeof abs_id, "%s%s", did, kid);
    else {
        size_t did_len = s_did_len (kid);
        if (did_len != strlen (did) || strncmp (kid, did, did_len) != 0)
            return accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                                   "kid %.100s belongs to another DID than %.100s", kid, did);
        if (kid [did_len] == 0) {
            //  A bare DID: only unambiguous with exactly one verification method
            json_object *only = method_count == 1
                              ? json_object_array_get_idx (methods, 0) : NULL;
            const char *only_id = accord_json_get_string (only, "id");
            if (!only_id)
                return accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                                       "kid %.100s names no single verification method", kid);
            if (strlen (did) + strlen (only_id) >= sizeof abs_id)
                return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "method id too long");
            if (only_id [0] == '#')
                snprintf (abs_id, sizeof abs_id, "%s%s", did, only_id);
            else
                snprintf (abs_id, sizeof abs_id, "%s", only_id);
        }
        else
            snprintf (abs_id, sizeof abs_id, "%s", kid);
    }

    //  The relationship lists methods by reference or embeds them
    json_object *listed = accord_json_get_array (doc, relationship);
    json_object *method = NULL;
    int authorized = 0;
    size_t listed_count = listed ? json_object_array_length (listed) : 0;
    for (size_t i = 0; i < listed_count && !authorized; i++) {
        json_object *item = json_object_array_get_idx (listed, i);
        if (json_object_is_type (item, json_type_string))
            authorized = s_same_id (json_object_get_string (item), abs_id, did);
        else
        if (s_same_id (accord_json_get_string (item, "id"), abs_id, did)) {
            authorized = 1;
            method = item;
        }
    }
    for (size_t i = 0; i < method_count && !method; i++) {
        json_object *item = json_object_array_get_idx (methods, i);
        if (s_same_id (accord_json_get_string (item, "id"), abs_id, did))
            method = item;
    }
    if (!method)
        return accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                               "no verification method %.160s", abs_id);
    if (!authorized)
        return accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                               "%.160s is not listed under %.40s", abs_id, relationship);
    char reason [160];
    if (accord_vm_public_key (pubkey, method, reason, sizeof reason) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%.100s: %s", abs_id, reason);
    return accord_vc_fail (result, ACCORD_VC_VALID, NULL);
}

accord_vc_error_t
accord_vc_resolve_did_key (void *ctx, const char *kid, const char *relationship,
                           uint8_t pubkey [ACCORD_PUBKEY_SIZE], accord_vc_result_t *result)
{
    (void) ctx;
    if (!kid)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no kid");
    if (strncmp (kid, ACCORD_DID_KEY_PREFIX, strlen (ACCORD_DID_KEY_PREFIX)) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_UNKNOWN_DID,
                               "%.100s cannot be resolved offline (did:key only)", kid);
    char did [256];
    size_t did_len = s_did_len (kid);
    if (did_len >= sizeof did)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "DID too long");
    memcpy (did, kid, did_len);
    did [did_len] = 0;
    char reason [160];
    json_object *doc = accord_did_key_document (did, reason, sizeof reason);
    if (!doc)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%s", reason);
    accord_vc_error_t code = accord_did_doc_key (doc, kid, relationship, pubkey, result);
    json_object_put (doc);
    return code;
}

//  --------------------------------------------------------------------------
//  Credentials

//  The string, or one of the strings of an array, equals want
static int
s_has_type (json_object *type, const char *want)
{
    if (json_object_is_type (type, json_type_string))
        return strcmp (json_object_get_string (type), want) == 0;
    if (!json_object_is_type (type, json_type_array))
        return 0;
    size_t n = json_object_array_length (type);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx (type, i);
        if (json_object_is_type (item, json_type_string)
        &&  strcmp (json_object_get_string (item), want) == 0)
            return 1;
    }
    return 0;
}

//  type: a string or a non-empty array of strings
static int
s_type_valid (json_object *type)
{
    if (json_object_is_type (type, json_type_string))
        return 1;
    if (!json_object_is_type (type, json_type_array) || json_object_array_length (type) == 0)
        return 0;
    size_t n = json_object_array_length (type);
    for (size_t i = 0; i < n; i++)
        if (!json_object_is_type (json_object_array_get_idx (type, i), json_type_string))
            return 0;
    return 1;
}

//  @context: an array whose first item is the VC 2.0 context
static int
s_context_valid (json_object *obj)
{
    json_object *context = accord_json_get_array (obj, "@context");
    if (!context || json_object_array_length (context) == 0)
        return 0;
    json_object *first = json_object_array_get_idx (context, 0);
    if (!json_object_is_type (first, json_type_string)
    ||  strcmp (json_object_get_string (first), ACCORD_VC_CONTEXT_V2) != 0)
        return 0;
    size_t n = json_object_array_length (context);
    for (size_t i = 1; i < n; i++) {
        json_object *item = json_object_array_get_idx (context, i);
        if (!json_object_is_type (item, json_type_string)
        &&  !json_object_is_type (item, json_type_object))
            return 0;
    }
    return 1;
}

//  An object or a non-empty array of objects, each passing need_id / need_type
static int
s_objects_valid (json_object *value, int need_id, int need_type)
{
    json_object *single [1] = { value };
    size_t n = 1;
    json_object **items = single;
    if (json_object_is_type (value, json_type_array)) {
        n = json_object_array_length (value);
        if (n == 0)
            return 0;
        items = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *item = items ? items [i] : json_object_array_get_idx (value, i);
        if (!json_object_is_type (item, json_type_object))
            return 0;
        if (need_id && !accord_json_get_string (item, "id"))
            return 0;
        json_object *type = NULL;
        if (need_type && (!json_object_object_get_ex (item, "type", &type) || !s_type_valid (type)))
            return 0;
    }
    return 1;
}

const char *
accord_vc_issuer (json_object *credential)
{
    json_object *issuer = NULL;
    if (!credential || !json_object_object_get_ex (credential, "issuer", &issuer))
        return NULL;
    if (json_object_is_type (issuer, json_type_string))
        return json_object_get_string (issuer);
    return accord_json_get_string (issuer, "id");
}

accord_vc_error_t
accord_vc_check (json_object *credential, accord_vc_result_t *result)
{
    if (!credential || !json_object_is_type (credential, json_type_object))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "credential is not an object");
    if (!s_context_valid (credential))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "@context must be an array starting with %s",
                               ACCORD_VC_CONTEXT_V2);
    json_object *value = NULL;
    if (!json_object_object_get_ex (credential, "type", &value) || !s_type_valid (value)
    ||  !s_has_type (value, "VerifiableCredential"))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "type must include VerifiableCredential");
    if (json_object_object_get_ex (credential, "id", &value)
    &&  !json_object_is_type (value, json_type_string))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "id is not a string");
    const char *issuer = accord_vc_issuer (credential);
    if (!issuer || !*issuer)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "issuer must be a string or an object with an id");
    if (!json_object_object_get_ex (credential, "credentialSubject", &value)
    ||  !s_objects_valid (value, 0, 0))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "credentialSubject must be an object or array of objects");
    int64_t from = 0, until = 0;
    int has_from = json_object_object_get_ex (credential, "validFrom", &value);
    if (has_from && accord_datetime_parse (accord_json_get_string (credential, "validFrom"),
                                           &from) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "validFrom is not a dateTimeStamp");
    int has_until = json_object_object_get_ex (credential, "validUntil", &value);
    if (has_until && accord_datetime_parse (accord_json_get_string (credential, "validUntil"),
                                            &until) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "validUntil is not a dateTimeStamp");
    if (has_from && has_until && until < from)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "validUntil before validFrom");
    if (json_object_object_get_ex (credential, "credentialSchema", &value)
    &&  !s_objects_valid (value, 1, 1))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "credentialSchema needs id and type");
    if (json_object_object_get_ex (credential, "credentialStatus", &value)
    &&  !s_objects_valid (value, 0, 1))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "credentialStatus needs a type");
    return accord_vc_fail (result, ACCORD_VC_VALID, NULL);
}

//  Adds "name": dateTimeStamp of seconds. Returns 0 or -1 when out of range.
static int
s_add_datetime (json_object *obj, const char *name, int64_t seconds)
{
    char text [ACCORD_DATETIME_SIZE];
    if (accord_datetime_format (text, seconds) != 0)
        return -1;
    json_object_object_add (obj, name, json_object_new_string (text));
    return 0;
}

//  A deep copy, or NULL
static json_object *
s_copy (json_object *obj)
{
    json_object *copy = NULL;
    if (!obj || json_object_deep_copy (obj, &copy, NULL) != 0)
        return NULL;
    return copy;
}

json_object *
accord_vc_build (const accord_vc_params_t *params, char *err, size_t err_size)
{
    if (!params || !params->issuer || !*params->issuer) {
        accord_errorf (err, err_size, "issuer is required");
        return NULL;
    }
    if (!params->subject || !json_object_is_type (params->subject, json_type_object)) {
        accord_errorf (err, err_size, "credentialSubject must be an object");
        return NULL;
    }
    if (params->valid_until && params->valid_until < params->valid_from) {
        accord_errorf (err, err_size, "validUntil before validFrom");
        return NULL;
    }
    json_object *vc = json_object_new_object ();
    json_object *context = json_object_new_array ();
    json_object_array_add (context, json_object_new_string (ACCORD_VC_CONTEXT_V2));
    json_object_object_add (vc, "@context", context);
    if (params->id)
        json_object_object_add (vc, "id", json_object_new_string (params->id));
    json_object *types = json_object_new_array ();
    json_object_array_add (types, json_object_new_string ("VerifiableCredential"));
    for (size_t i = 0; params->types && params->types [i]; i++)
        json_object_array_add (types, json_object_new_string (params->types [i]));
    json_object_object_add (vc, "type", types);
    json_object_object_add (vc, "issuer", json_object_new_string (params->issuer));
    if (s_add_datetime (vc, "validFrom", params->valid_from) != 0
    ||  (params->valid_until && s_add_datetime (vc, "validUntil", params->valid_until) != 0)) {
        accord_errorf (err, err_size, "validFrom / validUntil out of range");
        json_object_put (vc);
        return NULL;
    }
    json_object_object_add (vc, "credentialSubject", s_copy (params->subject));
    if (params->schema_id) {
        json_object *schema = json_object_new_object ();
        json_object_object_add (schema, "id", json_object_new_string (params->schema_id));
        json_object_object_add (schema, "type", json_object_new_string ("JsonSchema"));
        json_object_object_add (vc, "credentialSchema", schema);
    }
    if (params->status)
        json_object_object_add (vc, "credentialStatus", s_copy (params->status));
    accord_vc_result_t check;
    if (accord_vc_check (vc, &check) != ACCORD_VC_VALID) {
        accord_errorf (err, err_size, "%s", check.message);
        json_object_put (vc);
        return NULL;
    }
    return vc;
}

json_object *
accord_vc_status_entry (const char *list_credential, uint64_t index, const char *purpose)
{
    if (!list_credential)
        return NULL;
    char id [1100];
    snprintf (id, sizeof id, "%.1000s#%" PRIu64, list_credential, index);
    return accord_statuslist_entry (id, purpose, index, list_credential);
}

//  Signs claims with header {alg, typ, cty, kid}
static char *
s_sign (accord_key_t *key, const char *typ, const char *cty, const char *kid,
        json_object *claims)
{
    json_object *header = json_object_new_object ();
    json_object_object_add (header, "typ", json_object_new_string (typ));
    json_object_object_add (header, "cty", json_object_new_string (cty));
    json_object_object_add (header, "kid", json_object_new_string (kid));
    char *token = accord_jws_sign (key, header, claims);
    json_object_put (header);
    return token;
}

int
accord_vc_kid_of (const char *kid, const char *did)
{
    if (!kid)
        return 0;
    size_t did_len = s_did_len (kid);
    return did && did_len == strlen (did) && strncmp (kid, did, did_len) == 0;
}

char *
accord_vc_jwt_sign (accord_key_t *key, const char *kid, json_object *credential,
                    char *err, size_t err_size)
{
    accord_vc_result_t check;
    if (!key || !kid) {
        accord_errorf (err, err_size, "key and kid are required");
        return NULL;
    }
    if (accord_vc_check (credential, &check) != ACCORD_VC_VALID) {
        accord_errorf (err, err_size, "%s", check.message);
        return NULL;
    }
    if (!accord_vc_kid_of (kid, accord_vc_issuer (credential))) {
        accord_errorf (err, err_size, "kid %.100s is not a key of the issuer", kid);
        return NULL;
    }
    char *token = s_sign (key, S_VC_TYP, "vc", kid, credential);
    if (!token)
        accord_errorf (err, err_size, "signing failed");
    return token;
}

accord_vc_error_t
accord_vc_check_window (json_object *claims, const accord_vc_verify_opts_t *opts,
                        accord_vc_result_t *result)
{
    if (!opts)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no verification options");
    int64_t now = opts->now;
    int64_t leeway = opts->leeway > 0 ? opts->leeway : 0;
    int64_t from, until;
    json_object *value = NULL;
    const char *text = accord_json_get_string (claims, "validFrom");
    if ((json_object_object_get_ex (claims, "validFrom", &value) && !text)
    ||  (text && accord_datetime_parse (text, &from) != 0))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "validFrom is not a dateTimeStamp");
    if (text && now + leeway < from)
        return accord_vc_fail (result, ACCORD_VC_E_NOT_YET_VALID,
                               "valid from %s", text);
    text = accord_json_get_string (claims, "validUntil");
    if ((json_object_object_get_ex (claims, "validUntil", &value) && !text)
    ||  (text && accord_datetime_parse (text, &until) != 0))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "validUntil is not a dateTimeStamp");
    if (text && now - leeway >= until)
        return accord_vc_fail (result, ACCORD_VC_E_EXPIRED, "valid until %s", text);
    return accord_jwt_check_time (claims, now, leeway, result);
}

//  Verifies a vc+jwt with a given key, or with resolve when it is not NULL
static accord_vc_error_t
s_vc_verify (const char *token, size_t len, const uint8_t *issuer_key, size_t issuer_key_len,
             accord_vc_resolver_fn *resolve, void *ctx, const accord_vc_verify_opts_t *opts,
             json_object **credential_out, accord_vc_result_t *result)
{
    if (credential_out)
        *credential_out = NULL;
    if (!opts)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no verification options");
    char reason [160];
    accord_jws_t *jws = accord_jws_decode (token, len, reason, sizeof reason);
    if (!jws)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%s", reason);
    json_object *credential = accord_jws_payload (jws);
    const char *typ = accord_jws_typ (jws);
    const char *kid = accord_jws_kid (jws);
    uint8_t resolved [ACCORD_PUBKEY_SIZE];
    accord_vc_error_t code = accord_jws_check_header (jws, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    if (!typ || strcmp (typ, S_VC_TYP) != 0) {
        code = accord_vc_fail (result, ACCORD_VC_E_WRONG_TYPE,
                               "typ %.40s is not vc+jwt", typ ? typ : "(none)");
        goto done;
    }
    code = accord_vc_check (credential, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    if (resolve && !kid) {
        code = accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no kid in the header");
        goto done;
    }
    if (kid && !accord_vc_kid_of (kid, accord_vc_issuer (credential))) {
        code = accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                               "kid %.100s is not a key of issuer %.100s",
                               kid, accord_vc_issuer (credential));
        goto done;
    }
    if (resolve) {
        code = resolve (ctx, kid, "assertionMethod", resolved, result);
        if (code != ACCORD_VC_VALID)
            goto done;
        issuer_key = resolved;
        issuer_key_len = sizeof resolved;
    }
    code = accord_jws_verify (jws, issuer_key, issuer_key_len, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    code = accord_vc_check_window (credential, opts, result);
    if (code == ACCORD_VC_VALID && credential_out)
        *credential_out = json_object_get (credential);
done:
    accord_jws_destroy (&jws);
    if (code == ACCORD_VC_VALID)
        accord_vc_fail (result, ACCORD_VC_VALID, NULL);
    return code;
}

accord_vc_error_t
accord_vc_jwt_verify (const char *token, size_t len, const uint8_t *issuer_key,
                      size_t issuer_key_len, const accord_vc_verify_opts_t *opts,
                      json_object **credential_out, accord_vc_result_t *result)
{
    return s_vc_verify (token, len, issuer_key, issuer_key_len, NULL, NULL, opts,
                        credential_out, result);
}

accord_vc_error_t
accord_vc_jwt_verify_resolve (const char *token, size_t len, accord_vc_resolver_fn *resolve,
                              void *ctx, const accord_vc_verify_opts_t *opts,
                              json_object **credential_out, accord_vc_result_t *result)
{
    if (!resolve)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no resolver");
    return s_vc_verify (token, len, NULL, 0, resolve, ctx, opts, credential_out, result);
}

//  --------------------------------------------------------------------------
//  Presentations

char *
accord_vp_jwt_sign (accord_key_t *key, const accord_vp_params_t *params,
                    char *err, size_t err_size)
{
    if (!key || !params || !params->holder || !params->kid || !params->nonce
    ||  !params->audience || (params->credential_count && !params->credentials)) {
        accord_errorf (err, err_size, "key, holder, kid, nonce and audience are required");
        return NULL;
    }
    if (!accord_vc_kid_of (params->kid, params->holder)) {
        accord_errorf (err, err_size, "kid %.100s is not a key of the holder", params->kid);
        return NULL;
    }
    if (params->issued_at < 0 || params->issued_at > ACCORD_JWT_MAX_TIME
    ||  params->expires_in < 0 || params->expires_in > ACCORD_JWT_MAX_TIME - params->issued_at) {
        accord_errorf (err, err_size, "iat / exp out of range");
        return NULL;
    }
    json_object *vp = json_object_new_object ();
    json_object *context = json_object_new_array ();
    json_object_array_add (context, json_object_new_string (ACCORD_VC_CONTEXT_V2));
    json_object_object_add (vp, "@context", context);
    json_object *type = json_object_new_array ();
    json_object_array_add (type, json_object_new_string ("VerifiablePresentation"));
    json_object_object_add (vp, "type", type);
    json_object_object_add (vp, "holder", json_object_new_string (params->holder));
    json_object *list = json_object_new_array ();
    json_object_object_add (vp, "verifiableCredential", list);
    for (size_t i = 0; i < params->credential_count; i++) {
        const char *token = params->credentials [i];
        char reason [160] = "";
        accord_jws_t *jws = token ? accord_jws_decode (token, strlen (token),
                                                       reason, sizeof reason) : NULL;
        const char *typ = accord_jws_typ (jws);
        int ok = typ && strcmp (typ, S_VC_TYP) == 0;
        accord_jws_destroy (&jws);
        if (!ok) {
            accord_errorf (err, err_size, "credential %zu is not a vc+jwt %s", i, reason);
            json_object_put (vp);
            return NULL;
        }
        size_t url_len = strlen (S_ENVELOPE_PREFIX) + strlen (token) + 1;
        char *url = malloc (url_len);
        if (!url) {
            accord_errorf (err, err_size, "out of memory");
            json_object_put (vp);
            return NULL;
        }
        snprintf (url, url_len, "%s%s", S_ENVELOPE_PREFIX, token);
        json_object *envelope = json_object_new_object ();
        json_object_object_add (envelope, "@context",
                                json_object_new_string (ACCORD_VC_CONTEXT_V2));
        json_object_object_add (envelope, "id", json_object_new_string (url));
        json_object_object_add (envelope, "type",
                                json_object_new_string ("EnvelopedVerifiableCredential"));
        json_object_array_add (list, envelope);
        free (url);
    }
    json_object_object_add (vp, "nonce", json_object_new_string (params->nonce));
    json_object_object_add (vp, "aud", json_object_new_string (params->audience));
    json_object_object_add (vp, "iat", json_object_new_int64 (params->issued_at));
    if (params->expires_in)
        json_object_object_add (vp, "exp",
                                json_object_new_int64 (params->issued_at + params->expires_in));
    char *token = s_sign (key, S_VP_TYP, "vp", params->kid, vp);
    json_object_put (vp);
    if (!token)
        accord_errorf (err, err_size, "signing failed");
    return token;
}

//  The vc+jwt inside an EnvelopedVerifiableCredential (borrowed), or NULL
static const char *
s_enveloped_token (json_object *item)
{
    json_object *type = NULL;
    if (!json_object_is_type (item, json_type_object)
    ||  !json_object_object_get_ex (item, "type", &type)
    ||  !s_has_type (type, "EnvelopedVerifiableCredential"))
        return NULL;
    const char *id = accord_json_get_string (item, "id");
    size_t prefix = strlen (S_ENVELOPE_PREFIX);
    if (!id || strncmp (id, S_ENVELOPE_PREFIX, prefix) != 0)
        return NULL;
    return id + prefix;
}

//  Structure of a presentation's claims: VALID or MALFORMED
static accord_vc_error_t
s_vp_check (json_object *vp, accord_vc_result_t *result)
{
    json_object *value = NULL;
    if (!s_context_valid (vp))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "@context must be an array starting with %s",
                               ACCORD_VC_CONTEXT_V2);
    if (!json_object_object_get_ex (vp, "type", &value) || !s_type_valid (value)
    ||  !s_has_type (value, "VerifiablePresentation"))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                               "type must include VerifiablePresentation");
    if (!accord_json_get_string (vp, "holder"))
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "holder is required");
    if (json_object_object_get_ex (vp, "verifiableCredential", &value)) {
        if (!json_object_is_type (value, json_type_array))
            return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                                   "verifiableCredential is not an array");
        size_t n = json_object_array_length (value);
        for (size_t i = 0; i < n; i++)
            if (!s_enveloped_token (json_object_array_get_idx (value, i)))
                return accord_vc_fail (result, ACCORD_VC_E_MALFORMED,
                                       "credential %zu is not an enveloped vc+jwt", i);
    }
    int64_t iat;
    if (accord_jwt_get_time (vp, "iat", &iat) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "iat is required");
    return ACCORD_VC_VALID;
}

accord_vc_error_t
accord_vc_check_holder_proof (json_object *claims, const accord_vc_verify_opts_t *opts,
                              const char *what, accord_vc_result_t *result)
{
    if (!opts || !what)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no verification options");
    int64_t iat = 0;
    accord_jwt_get_time (claims, "iat", &iat);
    int64_t leeway = opts->leeway > 0 ? opts->leeway : 0;
    int64_t max_age = opts->max_age > 0 ? opts->max_age : ACCORD_VC_DEFAULT_MAX_AGE;
    if (iat > opts->now + leeway)
        return accord_vc_fail (result, ACCORD_VC_E_NOT_YET_VALID,
                               "%s issued in the future (iat %lld, now %lld)", what,
                               (long long) iat, (long long) opts->now);
    if (iat < opts->now - max_age - leeway)
        return accord_vc_fail (result, ACCORD_VC_E_EXPIRED,
                               "%s older than %lld s (iat %lld, now %lld)", what,
                               (long long) max_age, (long long) iat, (long long) opts->now);
    accord_vc_error_t code = accord_jwt_check_time (claims, opts->now, opts->leeway, result);
    if (code != ACCORD_VC_VALID)
        return code;
    //  This verifier, this transaction
    const char *nonce = accord_json_get_string (claims, "nonce");
    if (!nonce)
        return accord_vc_fail (result, ACCORD_VC_E_NONCE_MISMATCH, "%s has no nonce", what);
    if (!opts->nonce || strcmp (nonce, opts->nonce) != 0)
        return accord_vc_fail (result, ACCORD_VC_E_NONCE_MISMATCH, "%s",
                               !opts->nonce ? "verifier expects no nonce"
                               : "nonce differs from the verifier's");
    if (!opts->audience || !accord_jwt_has_audience (claims, opts->audience))
        return accord_vc_fail (result, ACCORD_VC_E_AUDIENCE_MISMATCH,
                               "%s is not for this audience", what);
    return ACCORD_VC_VALID;
}

accord_vc_error_t
accord_vp_jwt_verify (const char *token, size_t len, accord_vc_resolver_fn *resolve,
                      void *ctx, const accord_vc_verify_opts_t *opts,
                      json_object **presentation_out, json_object **credentials_out,
                      accord_vc_result_t *result)
{
    if (presentation_out)
        *presentation_out = NULL;
    if (credentials_out)
        *credentials_out = NULL;
    if (!resolve || !opts)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no resolver or options");
    char reason [160];
    accord_jws_t *jws = accord_jws_decode (token, len, reason, sizeof reason);
    if (!jws)
        return accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "%s", reason);
    json_object *vp = accord_jws_payload (jws);
    json_object *credentials = json_object_new_array ();
    const char *typ = accord_jws_typ (jws);
    const char *kid = accord_jws_kid (jws);
    const char *holder = accord_json_get_string (vp, "holder");
    uint8_t holder_key [ACCORD_PUBKEY_SIZE];
    accord_vc_error_t code = accord_jws_check_header (jws, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    if (!typ || strcmp (typ, S_VP_TYP) != 0) {
        code = accord_vc_fail (result, ACCORD_VC_E_WRONG_TYPE,
                               "typ %.40s is not vp+jwt", typ ? typ : "(none)");
        goto done;
    }
    code = s_vp_check (vp, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    if (!kid) {
        code = accord_vc_fail (result, ACCORD_VC_E_MALFORMED, "no kid in the header");
        goto done;
    }
    if (!accord_vc_kid_of (kid, holder)) {
        code = accord_vc_fail (result, ACCORD_VC_E_KEY_NOT_AUTHORIZED,
                               "kid %.100s is not a key of holder %.100s", kid, holder);
        goto done;
    }
    code = resolve (ctx, kid, "authentication", holder_key, result);
    if (code != ACCORD_VC_VALID)
        goto done;
    code = accord_jws_verify (jws, holder_key, sizeof holder_key, result);
    if (code != ACCORD_VC_VALID)
        goto done;

    json_object *list = accord_json_get_array (vp, "verifiableCredential");
    size_t n = list ? json_object_array_length (list) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *vc_token = s_enveloped_token (json_object_array_get_idx (list, i));
        json_object *credential = NULL;
        code = s_vc_verify (vc_token, strlen (vc_token), NULL, 0, resolve, ctx, opts,
                            &credential, result);
        if (code != ACCORD_VC_VALID) {
            if (result) {
                char inner [ACCORD_VC_MESSAGE_SIZE];
                memcpy (inner, result->message, sizeof inner);
                accord_vc_fail (result, code, "credential %zu: %.200s", i, inner);
            }
            goto done;
        }
        json_object_array_add (credentials, credential);
    }

    code = accord_vc_check_holder_proof (vp, opts, "presentation", result);
    if (code != ACCORD_VC_VALID)
        goto done;
    accord_vc_fail (result, ACCORD_VC_VALID, NULL);
    if (presentation_out)
        *presentation_out = json_object_get (vp);
    if (credentials_out) {
        *credentials_out = credentials;
        credentials = NULL;
    }
done:
    json_object_put (credentials);
    accord_jws_destroy (&jws);
    return code;
}
