/*  accord status: Bitstring Status Lists on the chain; and accord vc revoke | suspend |
    reinstate, which find a credential's entry in them and set or clear its bit. */
#include "cli.h"
#include "accord/jose.h"
#include "accord/json.h"
#include "accord/statuslist.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_SEPARATOR "/status/"

int
cli_status_create (cli_args_t *args)
{
    const char *name = cli_option (args, "--name"), *purpose = cli_option (args, "--purpose");
    const char *size = cli_option (args, "--size");
    char *end = NULL, did [ACCORD_DID_MAX];
    long long bits = size ? strtoll (size, &end, 10) : 0;
    if (!name || !*name || !purpose || (strcmp (purpose, "revocation") && strcmp (purpose, "suspension")))
        return cli_fail ("needs --name NAME and --purpose revocation|suspension\n%s", args->help);
    if (size && (!*size || *end || bits < 0 || !accord_statuslist_size_ok ((uint64_t) bits)))
        return cli_fail ("--size must be a multiple of 8 from %d to %d", ACCORD_STATUSLIST_MIN_BITS,
                         8 * ACCORD_STATUSLIST_MAX_BYTES);
    accord_key_t *key = cli_key (args, "--key");
    if (!key || cli_acting_did (args, key, did)) {
        accord_key_destroy (&key);
        return 1;
    }
    json_object *call = json_object_new_object ();
    if (cli_option (args, "--did"))
        json_object_object_add (call, "did", json_object_new_string (did));
    json_object_object_add (call, "name", json_object_new_string (name));
    json_object_object_add (call, "purpose", json_object_new_string (purpose));
    if (size)
        json_object_object_add (call, "size", json_object_new_int64 (bits));
    int rc = cli_transact_key_report (args, key, "status", "create", call, 1);
    if (rc == 0)
        printf ("%s" STATUS_SEPARATOR "%s\n", did, name);
    json_object_put (call);
    accord_key_destroy (&key);
    return rc;
}

//  status.METHOD {id, index?} at the member's node: the result (caller puts), or NULL after
//  printing why.
static json_object *
s_query (cli_args_t *args, const char *method, const char *id, const char *index)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return NULL;
    json_object *query = json_object_new_object (), *result = NULL;
    json_object_object_add (query, "id", json_object_new_string (id));
    if (index)
        json_object_object_add (query, "index", json_object_new_string (index));
    if (cli_query (client, "status", method, query, &result) != ACCORD_OK)
        cli_call_fail (client, id);
    accord_client_destroy (&client);
    return result;
}

int
cli_status_get (cli_args_t *args)
{
    const char *id = cli_positional (args, 0);
    if (!id)
        return cli_fail ("needs a list ID (DID/status/NAME)\n%s", args->help);
    json_object *record = s_query (args, "get", id, NULL);
    if (!record)
        return 1;
    const char *encoded = accord_json_get_string (record, "encodedList");
    accord_statuslist_t *list = NULL;
    char err [256];
    int rc = 0;
    if (cli_flag (args, "--json"))
        cli_print_json (record);
    else if (!encoded || accord_statuslist_decode (&list, encoded, strlen (encoded), err, sizeof err))
        rc = cli_fail ("%s: the node sent a list that does not decode: %s", id, encoded ? err : "no encodedList");
    else {
        size_t size = accord_statuslist_size (list), set = 0;
        const uint8_t *bytes = accord_statuslist_data (list);
        for (size_t i = 0; i < size / 8; i++)
            set += (size_t) __builtin_popcount (bytes [i]);
        printf ("%s\nissuer %s\npurpose %s  size %zu  set %zu\nlast change at height %s\n", id,
                accord_json_get_string (record, "issuer"), accord_json_get_string (record, "purpose"), size, set,
                json_object_get_string (json_object_object_get (record, "height")));
    }
    accord_statuslist_destroy (&list);
    json_object_put (record);
    return rc;
}

int
cli_status_check (cli_args_t *args)
{
    const char *id = cli_positional (args, 0), *index = cli_positional (args, 1);
    uint64_t number;
    if (!id || !index || accord_statuslist_parse_index (index, &number))
        return cli_fail ("needs a list ID and an INDEX (decimal)\n%s", args->help);
    json_object *result = s_query (args, "check", id, index);
    if (!result)
        return 1;
    int set = json_object_get_boolean (json_object_object_get (result, "set"));
    const char *purpose = accord_json_get_string (result, "purpose");
    if (cli_flag (args, "--json"))
        cli_print_json (result);
    else
        printf ("%s %s: %s\n", id, index, !set ? "not set"
                : strcmp (purpose, "revocation") == 0 ? "set (revoked)" : "set (suspended)");
    json_object_put (result);
    return 0;
}

//  The status entry of purpose in the credential in path (a vc+jwt, or an SD-JWT whose
//  issuer-signed part comes before the first '~'), read without verifying the signature:
//  0 with the list id (copied into list) and the index; 1 after printing why.
static int
s_credential_entry (const char *path, const char *purpose, char *list, size_t list_size, uint64_t *index)
{
    size_t len = 0;
    char *text = accord_file_read (path, ACCORD_JWS_MAX_SIZE * 2, &len);
    if (!text)
        return cli_fail ("cannot read %s (or it is over %d bytes)", path, ACCORD_JWS_MAX_SIZE * 2);
    len = strcspn (text, "~ \t\r\n");
    char err [256];
    accord_jws_t *jws = accord_jws_decode (text, len, err, sizeof err);
    free (text);
    if (!jws)
        return cli_fail ("%s: not a credential (vc+jwt or SD-JWT): %s", path, err);
    json_object *claims = accord_jws_payload (jws);
    const char *found = NULL;
    int rc = accord_statuslist_find_entry (claims, purpose, &found, index, err, sizeof err);
    uint64_t ignored;
    if (rc == 1 && strcmp (purpose, "suspension") == 0
    &&  accord_statuslist_find_entry (claims, "revocation", &found, &ignored, NULL, 0) == 0)
        cli_fail ("%s can only be revoked (its only status list is for revocation), and a revocation is final", path);
    else if (rc == 1)
        cli_fail ("%s has no credentialStatus entry with statusPurpose %s", path, purpose);
    else if (rc)
        cli_fail ("%s: %s", path, err);
    else if (strlen (found) >= list_size)
        rc = cli_fail ("%s: statusListCredential is too long for a list id", path);
    else
        snprintf (list, list_size, "%s", found);
    accord_jws_destroy (&jws);
    return rc ? 1 : 0;
}

//  Sets (value 1) or clears bit index of list id, which must be a list of purpose owned by
//  the acting DID of --key / --did. 0 when done, 1 after printing why.
static int
s_update (cli_args_t *args, const char *id, uint64_t index, const char *purpose, int value)
{
    char text [24], did [ACCORD_DID_MAX];
    snprintf (text, sizeof text, "%" PRIu64, index);
    accord_key_t *key = cli_key (args, "--key");
    if (!key || cli_acting_did (args, key, did)) {
        accord_key_destroy (&key);
        return 1;
    }
    json_object *check = s_query (args, "check", id, text);
    const char *has = check ? accord_json_get_string (check, "purpose") : NULL;
    const char *name = strstr (id, STATUS_SEPARATOR);
    size_t issuer_len = name ? (size_t) (name - id) : 0;
    int rc = 1;
    if (!check)
        ;
    else if (!has || strcmp (has, purpose))
        cli_fail ("%s is a %s list: %s", id, has ? has : "strange",
                  value ? "use the command for that purpose" : "a revocation is final, nothing to reinstate");
    else if (issuer_len != strlen (did) || strncmp (id, did, issuer_len))
        cli_fail ("%s belongs to %.*s, not to %s (give --did when the key acts for another DID)", id,
                  (int) issuer_len, id, did);
    else {
        json_object *call = json_object_new_object (), *indices = json_object_new_array ();
        if (cli_option (args, "--did"))
            json_object_object_add (call, "did", json_object_new_string (did));
        json_object_object_add (call, "name", json_object_new_string (name + strlen (STATUS_SEPARATOR)));
        json_object_array_add (indices, json_object_new_int64 ((int64_t) index));
        json_object_object_add (call, value ? "set" : "clear", indices);
        rc = cli_transact_key_report (args, key, "status", "update", call, 1);
        json_object_put (call);
    }
    json_object_put (check);
    accord_key_destroy (&key);
    return rc;
}

//  vc revoke / suspend / reinstate: the credential's entry of purpose (or --list ID --index N),
//  its bit set to value.
static int
s_vc_status (cli_args_t *args, const char *purpose, int value, const char *done)
{
    const char *path = cli_positional (args, 0), *list = cli_option (args, "--list");
    const char *index_text = cli_option (args, "--index");
    char id [512];
    uint64_t index = 0;
    if (!path == !list || (list && (!index_text || accord_statuslist_parse_index (index_text, &index))))
        return cli_fail ("needs a CREDENTIAL_FILE, or --list ID and --index N\n%s", args->help);
    if (list)
        snprintf (id, sizeof id, "%s", list);
    else if (s_credential_entry (path, purpose, id, sizeof id, &index))
        return 1;
    int rc = s_update (args, id, index, purpose, value);
    if (rc == 0)
        printf ("%s: index %" PRIu64 " of %s\n", done, index, id);
    return rc;
}

int
cli_vc_revoke (cli_args_t *args)
{
    return s_vc_status (args, "revocation", 1, "revoked");
}

int
cli_vc_suspend (cli_args_t *args)
{
    return s_vc_status (args, "suspension", 1, "suspended");
}

int
cli_vc_reinstate (cli_args_t *args)
{
    return s_vc_status (args, "suspension", 0, "reinstated");
}
