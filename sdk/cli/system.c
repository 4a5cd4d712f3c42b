/*  accord system: the network's governance. Validators vote with their node key. */
#include "cli.h"
#include "accord/json.h"
#include "accord/crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Prints the answer of a system query (pretty JSON).
static int
s_show (cli_args_t *args, const char *method)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *result = NULL;
    int rc = cli_query (client, "system", method, NULL, &result);
    if (rc != ACCORD_OK)
        rc = cli_call_fail (client, method);
    else
        cli_print_json (result);
    json_object_put (result);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}

int
cli_system_params (cli_args_t *args)
{
    return s_show (args, "params");
}

int
cli_system_validators (cli_args_t *args)
{
    return s_show (args, "validators");
}

int
cli_system_set_param (cli_args_t *args)
{
    const char *name = cli_positional (args, 0), *value = cli_positional (args, 1);
    char *end = NULL;
    long long number = value ? strtoll (value, &end, 10) : 0;
    if (!name || !value || *end)
        return cli_fail ("needs NAME and an integer VALUE\n%s", args->help);
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "name", json_object_new_string (name));
    json_object_object_add (call, "value", json_object_new_int64 (number));
    int rc = cli_transact_report (args, cli_option (args, "--key") ? cli_option (args, "--key") : "node", "system", "set_param", call);
    json_object_put (call);
    return rc;
}

//  Votes to add (the entry in CARD, a validator.json) or remove (CARD, or a public key).
static int
s_change (cli_args_t *args, const char *method)
{
    const char *what = cli_positional (args, 0);
    if (!what)
        return cli_fail ("needs a validator.json%s\n%s", strcmp (method, "add_validator") ? " or a public key" : "",
                         args->help);
    char err [256];
    json_object *call = NULL;
    if (strlen (what) == 2 * ACCORD_PUBKEY_SIZE && strspn (what, "0123456789abcdefABCDEF") == strlen (what)) {
        call = json_object_new_object ();
        json_object_object_add (call, "public_key", json_object_new_string (what));
    }
    else if (!(call = accord_json_load (what, err, sizeof err)))
        return cli_fail ("%s", err);
    accord_member_t member;
    if (strcmp (method, "add_validator") == 0 && accord_member_from_json (&member, call, err, sizeof err)) {
        json_object_put (call);
        return cli_fail ("%s: %s", what, err);
    }
    int rc = cli_transact_report (args, cli_option (args, "--key") ? cli_option (args, "--key") : "node", "system", method, call);
    json_object_put (call);
    return rc;
}

int
cli_system_add_validator (cli_args_t *args)
{
    return s_change (args, "add_validator");
}

int
cli_system_remove_validator (cli_args_t *args)
{
    return s_change (args, "remove_validator");
}
