/*  accord issuer: the registry of recognized issuers, governed by validator votes. */
#include "cli.h"
#include "accord/json.h"
#include <stdio.h>
#include <string.h>

//  The member's validator votes for issuer.vote {action, did, name?, type?}.
static int
s_vote (cli_args_t *args, const char *action)
{
    const char *did = cli_positional (args, 0);
    const char *name = cli_option (args, "--name"), *type = cli_option (args, "--type");
    if (!did)
        return cli_fail ("needs an issuer DID\n%s", args->help);
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "action", json_object_new_string (action));
    json_object_object_add (call, "did", json_object_new_string (did));
    if (name)
        json_object_object_add (call, "name", json_object_new_string (name));
    if (type)
        json_object_object_add (call, "type", json_object_new_string (type));
    int rc = cli_transact_report (args, cli_option (args, "--key") ? cli_option (args, "--key") : "node", "issuer", "vote", call);
    json_object_put (call);
    return rc;
}

int
cli_issuer_propose (cli_args_t *args)
{
    if (!cli_option (args, "--name"))
        return cli_fail ("needs --name NAME\n%s", args->help);
    return s_vote (args, "recognize");
}

int
cli_issuer_vote (cli_args_t *args)
{
    const char *action = cli_option (args, "--action");
    if (!action)
        return cli_fail ("needs --action recognize|revoke|add_type|remove_type\n%s", args->help);
    return s_vote (args, action);
}

int
cli_issuer_list (cli_args_t *args)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *query = json_object_new_object (), *result = NULL;
    const char *type = cli_option (args, "--type");
    if (type)
        json_object_object_add (query, "type", json_object_new_string (type));
    int rc = cli_query (client, "issuer", "list", query, &result);
    if (rc != ACCORD_OK)
        rc = cli_call_fail (client, "issuer list");
    else if (cli_flag (args, "--json"))
        cli_print_json (result);
    else
        for (size_t i = 0; i < json_object_array_length (result); i++) {
            json_object *issuer = json_object_array_get_idx (result, i);
            json_object *types = accord_json_get_array (issuer, "types");
            printf ("%s  %s  %s\n", accord_json_get_string (issuer, "did"), accord_json_get_string (issuer, "name"),
                    types ? json_object_to_json_string_ext (types, JSON_C_TO_STRING_PLAIN) : "[]");
        }
    json_object_put (result);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}
