/*  accord vc: verifiable credentials (W3C VC 2.0) issued as vc+jwt or SD-JWT, disclosed by
    their holder, verified against the chain (accord/verifier.h). */
#include "cli.h"
#include "accord/did.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/sdjwt.h"
#include "accord/statuslist.h"
#include "accord/verifier.h"
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define CLI_TOKEN_MAX     (1024 * 1024)     //  bytes of a credential or presentation file
#define CLI_LIST_MAX      64                //  --type, --sd, --reveal values
#define CLI_CLOCK_LEEWAY  60                //  seconds of clock skew forgiven

char *
cli_read_token (const char *path)
{
    size_t len = 0;
    char *text = path ? accord_file_read (path, CLI_TOKEN_MAX, &len) : NULL;
    if (!text) {
        cli_fail ("cannot read %s (at most %d bytes)", path ? path : "(no file)", CLI_TOKEN_MAX);
        return NULL;
    }
    size_t start = 0;
    while (start < len && isspace ((unsigned char) text [start]))
        start++;
    while (len > start && isspace ((unsigned char) text [len - 1]))
        len--;
    memmove (text, text + start, len - start);
    text [len - start] = 0;
    return text;
}

//  cli_resolve, refusing a DID that does not resolve to a usable document
static json_object *
s_resolve (cli_args_t *args, const char *did)
{
    json_object *result = cli_resolve (args, did);
    const char *error = accord_json_get_string (accord_json_get_object (result,
                                                "didResolutionMetadata"), "error");
    if (result && error) {
        cli_fail ("%s: %s", did, error);
        json_object_put (result);
        result = NULL;
    }
    return result;
}

int
cli_key_id (cli_args_t *args, const char *did, accord_key_t *key, const char *relationship,
            char *kid, size_t kid_size)
{
    const uint8_t *public_key = accord_key_public (key);
    if (strncmp (did, ACCORD_DID_KEY_PREFIX, strlen (ACCORD_DID_KEY_PREFIX)) == 0) {
        uint8_t named [ACCORD_PUBKEY_SIZE];
        char err [160];
        if (accord_did_key_decode (named, did, err, sizeof err) != 0)
            return cli_fail ("%s: %s", did, err);
        if (memcmp (named, public_key, ACCORD_PUBKEY_SIZE) != 0)
            return cli_fail ("the key is not the key of %s", did);
        snprintf (kid, kid_size, "%s#%s", did, did + strlen (ACCORD_DID_KEY_PREFIX));
        return 0;
    }
    if (!cli_option (args, "--member")) {
        snprintf (kid, kid_size, "%s", did);
        return 0;
    }
    json_object *resolution = s_resolve (args, did);
    if (!resolution)
        return 1;
    json_object *doc = accord_json_get_object (resolution, "didDocument");
    json_object *methods = accord_json_get_array (doc, "verificationMethod");
    int found = 0;
    for (size_t i = 0; methods && i < json_object_array_length (methods) && !found; i++) {
        const char *id = accord_json_get_string (json_object_array_get_idx (methods, i), "id");
        if (id && accord_did_key_has_purpose (doc, relationship, public_key, id)) {
            snprintf (kid, kid_size, "%s%s", id [0] == '#' ? did : "", id);
            found = 1;
        }
    }
    json_object_put (resolution);
    return found ? 0 : cli_fail ("the key is not a key of %s for %s", did, relationship);
}

//  The issuer DID: --did, the key's did:accord on the member's chain, or its did:key
static int
s_issuer_did (cli_args_t *args, accord_key_t *key, char did [ACCORD_DID_MAX])
{
    if (cli_option (args, "--did") || cli_option (args, "--member"))
        return cli_acting_did (args, key, did);
    char *did_key = accord_did_key_encode (accord_key_public (key));
    if (!did_key || strlen (did_key) >= ACCORD_DID_MAX)
        return cli_fail ("cannot encode the key as did:key");
    snprintf (did, ACCORD_DID_MAX, "%s", did_key);
    free (did_key);
    return 0;
}

//  Every value of option, given several times: up to CLI_LIST_MAX in values; how many there
//  are, or -1 after printing that there are too many
static int
s_values (cli_args_t *args, const char *option, const char *values [CLI_LIST_MAX + 1])
{
    int count = 0;
    while ((values [count] = cli_option_nth (args, option, count)))
        if (++count == CLI_LIST_MAX && cli_option_nth (args, option, count))
            return cli_fail ("at most %d %s", CLI_LIST_MAX, option) * -1;
    return count;
}

//  The status list's purpose and size: from the chain with --member (the list must be the
//  issuer's), else --status-purpose (default revocation) and the default size
static int
s_status_list (cli_args_t *args, const char *list_id, const char *issuer, char *purpose,
               size_t purpose_size, uint64_t *size)
{
    const char *given = cli_option (args, "--status-purpose");
    snprintf (purpose, purpose_size, "%s", given ? given : "revocation");
    *size = ACCORD_STATUSLIST_MIN_BITS;
    if (!cli_option (args, "--member"))
        return 0;
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *query = json_object_new_object (), *record = NULL;
    json_object_object_add (query, "id", json_object_new_string (list_id));
    int rc = 0;
    if (cli_query (client, "status", "get", query, &record) != ACCORD_OK)
        rc = cli_call_fail (client, list_id);
    else {
        const char *owner = accord_json_get_string (record, "issuer");
        const char *chain_purpose = accord_json_get_string (record, "purpose");
        int64_t bits = 0;
        if (!owner || strcmp (owner, issuer) != 0)
            rc = cli_fail ("status list %s belongs to %s, not to %s", list_id,
                           owner ? owner : "nobody", issuer);
        else
        if (!chain_purpose || (given && strcmp (given, chain_purpose) != 0))
            rc = cli_fail ("status list %s is for %s", list_id,
                           chain_purpose ? chain_purpose : "(no purpose)");
        else {
            snprintf (purpose, purpose_size, "%s", chain_purpose);
            if (accord_json_get_int64 (record, "size", 1, INT64_MAX, &bits) == 0)
                *size = (uint64_t) bits;
        }
    }
    json_object_put (record);
    accord_client_destroy (&client);
    return rc;
}

//  The next unused index of list_id, from KEYFILE.status-index ({list id: next index}),
//  locked while it is read and written so that concurrent runs never share an index.
static int
s_allocate_index (const char *key_path, const char *list_id, uint64_t size, uint64_t *index)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s.status-index", key_path);
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock (fd, LOCK_EX) != 0) {
        if (fd >= 0)
            close (fd);
        return cli_fail ("cannot lock %s", path);
    }
    char text [65536];
    ssize_t len = pread (fd, text, sizeof text - 1, 0);
    json_object *state = len > 0 ? accord_json_parse (text, (size_t) len, NULL, 0)
                                 : json_object_new_object ();
    int rc = 0;
    int64_t next = 0;
    if (!state || !json_object_is_type (state, json_type_object))
        rc = cli_fail ("%s is not an index file: remove it only if no credential used it", path);
    else
    if (json_object_object_get_ex (state, list_id, NULL)
    &&  accord_json_get_int64 (state, list_id, 0, INT64_MAX, &next) != 0)
        rc = cli_fail ("%s: bad entry for %s", path, list_id);
    else
    if ((uint64_t) next >= size)
        rc = cli_fail ("status list %s is full (%" PRIu64 " indexes used)", list_id, size);
    else {
        json_object_object_add (state, list_id, json_object_new_int64 (next + 1));
        const char *out = json_object_to_json_string_ext (state, JSON_C_TO_STRING_PLAIN);
        size_t out_len = strlen (out);
        if (ftruncate (fd, 0) != 0 || pwrite (fd, out, out_len, 0) != (ssize_t) out_len
        ||  fsync (fd) != 0)
            rc = cli_fail ("cannot write %s", path);
        *index = (uint64_t) next;
    }
    json_object_put (state);
    close (fd);
    return rc;
}

//  credentialStatus for --status LIST_ID [--status-index N], or NULL (*rc 1 after printing)
static json_object *
s_status_entry (cli_args_t *args, const char *issuer, int *rc)
{
    const char *list_id = cli_option (args, "--status");
    *rc = 0;
    if (!list_id)
        return NULL;
    char purpose [32];
    uint64_t size = 0, index = 0;
    const char *index_text = cli_option (args, "--status-index");
    if (!*list_id || s_status_list (args, list_id, issuer, purpose, sizeof purpose, &size)) {
        *rc = *list_id ? 1 : cli_fail ("--status needs a status list id (ISSUER_DID/status/NAME)");
        return NULL;
    }
    if (index_text) {
        if (accord_statuslist_parse_index (index_text, &index) != 0 || index >= size) {
            *rc = cli_fail ("--status-index must be a decimal index below %" PRIu64, size);
            return NULL;
        }
    }
    else
    if (s_allocate_index (cli_option (args, "--key"), list_id, size, &index)) {
        *rc = 1;
        return NULL;
    }
    json_object *entry = accord_vc_status_entry (list_id, index, purpose);
    if (!entry)
        *rc = cli_fail ("cannot make the status entry (purpose %s)", purpose);
    return entry;
}

//  The 33-byte key the holder binds with: --holder-key's, or --holder's authentication key
static int
s_holder_key (cli_args_t *args, uint8_t key [ACCORD_PUBKEY_SIZE], int *present)
{
    *present = 0;
    const char *holder = cli_option (args, "--holder");
    if (cli_option (args, "--holder-key")) {
        accord_key_t *holder_key = cli_key (args, "--holder-key");
        if (!holder_key)
            return 1;
        memcpy (key, accord_key_public (holder_key), ACCORD_PUBKEY_SIZE);
        accord_key_destroy (&holder_key);
        *present = 1;
        return 0;
    }
    if (!holder)
        return 0;
    char err [160];
    if (strncmp (holder, ACCORD_DID_KEY_PREFIX, strlen (ACCORD_DID_KEY_PREFIX)) == 0) {
        if (accord_did_key_decode (key, holder, err, sizeof err) != 0)
            return cli_fail ("--holder %s: %s", holder, err);
        *present = 1;
        return 0;
    }
    if (!cli_option (args, "--member"))
        return cli_fail ("--holder %s needs --member to find its key (or give --holder-key)", holder);
    json_object *resolution = s_resolve (args, holder);
    if (!resolution)
        return 1;
    accord_vc_result_t result;
    accord_vc_error_t code = accord_did_doc_key (accord_json_get_object (resolution, "didDocument"),
                                                 holder, "authentication", key, &result);
    json_object_put (resolution);
    if (code != ACCORD_VC_VALID)
        return cli_fail ("--holder %s: %s (give --holder-key when it has several keys)", holder,
                         result.message);
    *present = 1;
    return 0;
}

//  The credential of the issue command (caller puts), or NULL after printing
static json_object *
s_build (cli_args_t *args, const char *issuer)
{
    const char *subject_did = cli_option (args, "--subject");
    const char *claims_path = cli_option (args, "--claims");
    const char *valid_from = cli_option (args, "--valid-from");
    const char *valid_until = cli_option (args, "--valid-until");
    if (!subject_did || !*subject_did || !claims_path) {
        cli_fail ("--subject DID and --claims FILE are required\n%s", args->help);
        return NULL;
    }
    int64_t from = (int64_t) time (NULL), until = 0;
    if ((valid_from && accord_datetime_parse (valid_from, &from) != 0)
    ||  (valid_until && accord_datetime_parse (valid_until, &until) != 0)) {
        cli_fail ("--valid-from and --valid-until take a date and time such as 2027-01-31T12:00:00Z");
        return NULL;
    }
    char err [256];
    json_object *subject = accord_json_load (claims_path, err, sizeof err);
    if (!subject || !json_object_is_type (subject, json_type_object)) {
        cli_fail ("%s: %s", claims_path, subject ? "claims must be a JSON object" : err);
        json_object_put (subject);
        return NULL;
    }
    json_object_object_add (subject, "id", json_object_new_string (subject_did));
    const char *types [CLI_LIST_MAX + 1] = { NULL };
    if (s_values (args, "--type", types) < 0) {
        json_object_put (subject);
        return NULL;
    }
    int rc = 0;
    json_object *status = s_status_entry (args, issuer, &rc);
    json_object *credential = NULL;
    if (rc == 0) {
        accord_vc_params_t params = {
            .types = types, .issuer = issuer, .valid_from = from,
            .valid_until = until, .subject = subject, .schema_id = cli_option (args, "--schema"),
            .status = status,
        };
        credential = accord_vc_build (&params, err, sizeof err);
        if (!credential)
            cli_fail ("%s", err);
    }
    json_object_put (status);
    json_object_put (subject);
    return credential;
}

int
cli_vc_issue (cli_args_t *args)
{
    accord_key_t *key = cli_key (args, "--key");
    if (!key)
        return 1;
    char issuer [ACCORD_DID_MAX], kid [2 * ACCORD_DID_MAX], err [256];
    uint8_t holder [ACCORD_PUBKEY_SIZE];
    int bound = 0;
    const char *paths [CLI_LIST_MAX + 1];
    int path_count = s_values (args, "--sd", paths);
    json_object *credential = NULL;
    char *token = NULL;
    int rc = path_count < 0;
    if (!rc)
        rc = s_issuer_did (args, key, issuer)
          || cli_key_id (args, issuer, key, "assertionMethod", kid, sizeof kid)
          || s_holder_key (args, holder, &bound);
    if (!rc && !(credential = s_build (args, issuer)))
        rc = 1;
    if (!rc && path_count) {
        accord_sdjwt_issue_opts_t opts = { .typ = "vc+sd-jwt", .kid = kid,
                                           .holder_key = bound ? holder : NULL };
        token = accord_sdjwt_issue (key, credential, paths, (size_t) path_count, &opts, err,
                                    sizeof err);
    }
    else
    if (!rc)
        token = accord_vc_jwt_sign (key, kid, credential, err, sizeof err);
    if (!rc && !token)
        rc = cli_fail ("%s", err);
    if (token)
        printf ("%s\n", token);
    free (token);
    json_object_put (credential);
    accord_key_destroy (&key);
    return rc;
}

int
cli_vc_disclose (cli_args_t *args)
{
    const char *file = cli_positional (args, 0);
    const char *nonce = cli_option (args, "--nonce"), *audience = cli_option (args, "--aud");
    const char *paths [CLI_LIST_MAX + 1];
    int path_count = s_values (args, "--reveal", paths);
    if (!file)
        return cli_fail ("needs the SD-JWT's FILE\n%s", args->help);
    if (path_count < 0)
        return 1;
    if (!nonce != !audience)
        return cli_fail ("give --nonce and --aud together (they go in the key binding JWT)");
    accord_key_t *key = cli_key (args, "--key");
    char *sdjwt = key ? cli_read_token (file) : NULL;
    int rc = 1;
    if (sdjwt) {
        char err [256];
        char *presented = accord_sdjwt_present (sdjwt, strlen (sdjwt), paths, (size_t) path_count,
                                                nonce ? key : NULL, nonce, audience,
                                                (int64_t) time (NULL), err, sizeof err);
        if (presented) {
            printf ("%s\n", presented);
            rc = 0;
        }
        else
            cli_fail ("%s", err);
        free (presented);
    }
    free (sdjwt);
    accord_key_destroy (&key);
    return rc;
}

//  --------------------------------------------------------------------------
//  Verifying

static int
s_offline_query (void *ctx, const char *module, const char *method, json_object *args,
                 json_object **result, char *err, size_t err_size)
{
    (void) ctx, (void) module, (void) method, (void) args;
    *result = NULL;
    snprintf (err, err_size, "no --member: only did:key credentials verify offline");
    return ACCORD_E_UNAVAILABLE;
}

int
cli_verifier (cli_args_t *args, accord_verifier_t *verifier, accord_client_t **client)
{
    memset (verifier, 0, sizeof *verifier);
    *client = NULL;
    verifier->query = s_offline_query;
    verifier->skip_status = 1;
    if (cli_option (args, "--member")) {
        accord_node_config_t config;
        if (!(*client = cli_member_client (args, &config)))
            return 1;
        verifier->query = accord_verifier_client_query;
        verifier->query_ctx = *client;
        verifier->skip_status = 0;
    }
    verifier->opts.now = (int64_t) time (NULL);
    verifier->opts.leeway = CLI_CLOCK_LEEWAY;
    verifier->opts.nonce = cli_option (args, "--nonce");
    verifier->opts.audience = cli_option (args, "--aud");
    verifier->require_recognized_issuer = cli_flag (args, "--require-issuer");
    verifier->issuer_type = cli_option (args, "--issuer-type");
    return 0;
}

int
cli_print_verdict (cli_args_t *args, accord_vc_error_t code, const accord_vc_result_t *result,
                   json_object *claims)
{
    if (cli_flag (args, "--json")) {
        json_object *verdict = json_object_new_object ();
        json_object_object_add (verdict, "valid", json_object_new_boolean (code == ACCORD_VC_VALID));
        json_object_object_add (verdict, "code", json_object_new_string (accord_vc_error_name (code)));
        json_object_object_add (verdict, "message", json_object_new_string (result->message));
        if (claims)
            json_object_object_add (verdict, "claims", json_object_get (claims));
        printf ("%s\n", json_object_to_json_string_ext (verdict, JSON_C_TO_STRING_PLAIN
                                                                 | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put (verdict);
    }
    else
    if (code == ACCORD_VC_VALID) {
        printf ("valid\n");
        cli_print_json (claims);
    }
    else
        printf ("%s: %s\n", accord_vc_error_name (code), result->message);
    return code == ACCORD_VC_VALID ? 0 : 1;
}

int
cli_verify_file (cli_args_t *args, const char *file, int presentation)
{
    char *token = cli_read_token (file);
    if (!token)
        return 1;
    if (cli_flag (args, "--service")) {
        int rc = cli_identity_verify (args, token, presentation);
        free (token);
        return rc;
    }
    accord_verifier_t verifier;
    accord_client_t *client = NULL;
    int rc = 1;
    if (cli_verifier (args, &verifier, &client) == 0) {
        //  A verifier that names its nonce wants the holder's key binding
        verifier.opts.require_key_binding = !presentation && verifier.opts.nonce != NULL;
        accord_vc_result_t result;
        json_object *verified = NULL;
        accord_vc_error_t code = presentation
            ? accord_verify_presentation (&verifier, token, strlen (token), &verified, &result)
            : accord_verify_credential (&verifier, token, strlen (token), &verified, &result);
        rc = cli_print_verdict (args, code, &result, verified);
        json_object_put (verified);
    }
    accord_client_destroy (&client);
    free (token);
    return rc;
}

int
cli_vc_verify (cli_args_t *args)
{
    const char *file = cli_positional (args, 0);
    if (!file)
        return cli_fail ("needs the credential's FILE\n%s", args->help);
    if (!cli_option (args, "--nonce") != !cli_option (args, "--aud"))
        return cli_fail ("give --nonce and --aud together");
    return cli_verify_file (args, file, 0);
}
