/*  accord did: decentralized identifiers on the chain (did:accord). */
#include "cli.h"
#include "accord/did.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

json_object *
cli_resolve (cli_args_t *args, const char *did)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return NULL;
    json_object *query = json_object_new_object (), *result = NULL;
    json_object_object_add (query, "did", json_object_new_string (did));
    const char *version = cli_option (args, "--version-id"), *when = cli_option (args, "--version-time");
    if (version)
        json_object_object_add (query, "versionId", json_object_new_string (version));
    if (when)
        json_object_object_add (query, "versionTime", json_object_new_string (when));
    if (cli_query (client, "did", "resolve", query, &result) != ACCORD_OK)
        cli_call_fail (client, "resolve");
    accord_client_destroy (&client);
    return result;
}

int
cli_did_create (cli_args_t *args)
{
    const char *out = cli_option (args, "--out");
    if (!out || !*out)
        return cli_fail ("--out KEYFILE is required (the new DID's key is written there)\n%s", args->help);
    if (access (out, F_OK) == 0)
        return cli_fail ("%s exists: refusing to overwrite a key", out);
    char chain_id [ACCORD_CHAIN_ID_MAX + 1], did [ACCORD_DID_MAX];
    if (cli_chain_id (args, chain_id))
        return 1;
    accord_key_t *key = accord_key_new ();
    if (!key || accord_key_save (key, out)) {
        accord_key_destroy (&key);
        return cli_fail ("cannot write %s", out);
    }
    accord_did_for_key (did, chain_id, accord_key_public (key));
    json_object *call = json_object_new_object ();
    int rc = cli_transact_key_report (args, key, "did", "create", call, 1);
    json_object_put (call);
    accord_key_destroy (&key);
    if (rc == 0 && cli_flag (args, "--json")) {
        json_object *result = json_object_new_object ();
        json_object_object_add (result, "did", json_object_new_string (did));
        json_object_object_add (result, "key", json_object_new_string (out));
        printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put (result);
    }
    else if (rc == 0)
        printf ("%s\n", did);
    return rc;
}

int
cli_did_resolve (cli_args_t *args)
{
    const char *did = cli_positional (args, 0);
    if (!did)
        return cli_fail ("needs a DID\n%s", args->help);
    json_object *result = cli_resolve (args, did);
    if (!result)
        return 1;
    json_object *resolution = accord_json_get_object (result, "didResolutionMetadata");
    const char *error = accord_json_get_string (resolution, "error");
    json_object *doc = json_object_object_get (result, "didDocument");
    int rc = 0;
    if (error && strcmp (error, "deactivated"))
        rc = cli_fail ("%s: %s", did, error);
    else if (cli_flag (args, "--json"))
        cli_print_json (doc);
    else {
        json_object *meta = accord_json_get_object (result, "didDocumentMetadata");
        printf ("%s  version %s  created %s  updated %s%s\n", did, accord_json_get_string (meta, "versionId"),
                accord_json_get_string (meta, "created"), accord_json_get_string (meta, "updated"),
                error ? "  DEACTIVATED" : "");
        cli_print_json (doc);
    }
    if (error && !rc)
        rc = 1;     //  deactivated: the document is shown, the exit code says it is not usable
    json_object_put (result);
    return rc;
}

//  Submits did.METHOD {did, document?} signed with --key.
static int
s_change (cli_args_t *args, const char *method, const char *did, json_object *document)
{
    accord_key_t *key = cli_key (args, "--key");
    if (!key) {
        json_object_put (document);
        return 1;
    }
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "did", json_object_new_string (did));
    if (document)
        json_object_object_add (call, "document", document);
    int rc = cli_transact_key_report (args, key, "did", method, call, 0);
    json_object_put (call);
    accord_key_destroy (&key);
    return rc;
}

int
cli_did_update (cli_args_t *args)
{
    const char *did = cli_positional (args, 0), *path = cli_option (args, "--document");
    if (!did || !path)
        return cli_fail ("needs a DID and --document FILE\n%s", args->help);
    char err [256];
    json_object *document = accord_json_load (path, err, sizeof err);
    if (!document)
        return cli_fail ("%s", err);
    return s_change (args, "update", did, document);
}

int
cli_did_rotate (cli_args_t *args)
{
    const char *did = cli_positional (args, 0), *out = cli_option (args, "--out");
    if (!did || !out || !*out)
        return cli_fail ("needs a DID, --key OLDKEY and --out NEWKEY\n%s", args->help);
    if (access (out, F_OK) == 0)
        return cli_fail ("%s exists: refusing to overwrite a key", out);
    accord_key_t *old_key = cli_key (args, "--key");
    if (!old_key)
        return 1;
    json_object *result = cli_resolve (args, did);
    json_object *doc = result ? json_object_object_get (result, "didDocument") : NULL;
    accord_key_t *new_key = accord_key_new ();
    json_object *next = doc ? accord_did_rotate (doc, accord_key_public (old_key), accord_key_public (new_key)) : NULL;
    int rc = 1;
    if (!result)
        ;
    else if (!doc)
        cli_fail ("%s: %s", did, accord_json_get_string (accord_json_get_object (result, "didResolutionMetadata"), "error"));
    else if (!next)
        cli_fail ("the key in --key is not a verification method of %s", did);
    else if (accord_key_save (new_key, out))
        cli_fail ("cannot write %s", out);
    else {
        rc = s_change (args, "update", did, next);
        next = NULL;
        if (rc == 0)
            printf ("%s now uses the key in %s; the old key no longer acts for it\n", did, out);
        else
            unlink (out);
    }
    json_object_put (next);
    json_object_put (result);
    accord_key_destroy (&new_key);
    accord_key_destroy (&old_key);
    return rc;
}

int
cli_did_deactivate (cli_args_t *args)
{
    const char *did = cli_positional (args, 0);
    if (!did)
        return cli_fail ("needs a DID\n%s", args->help);
    return s_change (args, "deactivate", did, NULL);
}
