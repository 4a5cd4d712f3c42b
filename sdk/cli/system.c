/*  accord system: the network's governance. Validators vote with their node key. */
#include "cli.h"
#include "accord/json.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
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

//  The broker key named by the first argument: 33-byte hex, or a key file (its public key).
static int
s_broker_key (cli_args_t *args, char hex [2 * ACCORD_PUBKEY_SIZE + 1])
{
    const char *what = cli_positional (args, 0);
    if (!what)
        return cli_fail ("needs the broker's KEYFILE or public key (hex)\n%s", args->help);
    uint8_t key [ACCORD_PUBKEY_SIZE];
    if (accord_hex_decode_exact (key, ACCORD_PUBKEY_SIZE, what) == 0) {
        accord_hex_encode (hex, 2 * ACCORD_PUBKEY_SIZE + 1, key, ACCORD_PUBKEY_SIZE);
        return 0;
    }
    accord_key_t *loaded = accord_key_load (what);
    if (!loaded)
        return cli_fail ("%s is neither a public key in hex nor a key file", what);
    accord_hex_encode (hex, 2 * ACCORD_PUBKEY_SIZE + 1, accord_key_public (loaded), ACCORD_PUBKEY_SIZE);
    accord_key_destroy (&loaded);
    return 0;
}

static int
s_broker_call (cli_args_t *args, const char *method)
{
    char hex [2 * ACCORD_PUBKEY_SIZE + 1];
    if (s_broker_key (args, hex))
        return 1;
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "public_key", json_object_new_string (hex));
    const char *name = cli_option (args, "--name");
    if (name && strcmp (method, "set_broker") == 0)
        json_object_object_add (call, "name", json_object_new_string (name));
    int rc = cli_transact_report (args, cli_option (args, "--key") ? cli_option (args, "--key") : "node", "system", method, call);
    json_object_put (call);
    return rc;
}

int
cli_system_set_broker (cli_args_t *args)
{
    return s_broker_call (args, "set_broker");
}

int
cli_system_remove_broker (cli_args_t *args)
{
    return s_broker_call (args, "remove_broker");
}

int
cli_system_brokers (cli_args_t *args)
{
    if (cli_flag (args, "--json"))
        return s_show (args, "brokers");
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *result = NULL;
    int rc = cli_query (client, "system", "brokers", NULL, &result);
    if (rc != ACCORD_OK)
        rc = cli_call_fail (client, "brokers");
    for (size_t i = 0; rc == ACCORD_OK && i < json_object_array_length (result); i++) {
        json_object *item = json_object_array_get_idx (result, i);
        const char *member = accord_json_get_string (item, "member_name");
        printf ("%s  %-16s member %s%s\n", accord_json_get_string (item, "public_key"),
                *accord_json_get_string (item, "name") ? accord_json_get_string (item, "name") : "-",
                member ? member : accord_json_get_string (item, "member"),
                json_object_get_boolean (json_object_object_get (item, "active")) ? "" : " (not a validator: inactive)");
    }
    json_object_put (result);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}
