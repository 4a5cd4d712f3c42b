/*  accord schema: credential schemas on the chain, owned by a DID. */
#include "cli.h"
#include "accord/json.h"
#include "accord/jsonschema.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cli_schema_register (cli_args_t *args)
{
    const char *name = cli_option (args, "--name"), *version = cli_option (args, "--version");
    const char *path = cli_option (args, "--schema");
    char *end = NULL, err [512], did [ACCORD_DID_MAX];
    long long number = version ? strtoll (version, &end, 10) : 0;
    if (!name || !path || !version || !*version || *end || number < 1)
        return cli_fail ("needs --name NAME, --version N (1 or more) and --schema FILE\n%s", args->help);
    json_object *schema = accord_json_load (path, err, sizeof err);
    if (!schema)
        return cli_fail ("%s", err);
    if (accord_jsonschema_check (schema, err, sizeof err)) {
        json_object_put (schema);
        return cli_fail ("%s: not a schema we accept: %s", path, err);
    }
    accord_key_t *key = cli_key (args, "--key");
    if (!key || cli_acting_did (args, key, did)) {
        accord_key_destroy (&key);
        json_object_put (schema);
        return 1;
    }
    json_object *call = json_object_new_object ();
    if (cli_option (args, "--did"))
        json_object_object_add (call, "did", json_object_new_string (did));
    json_object_object_add (call, "name", json_object_new_string (name));
    json_object_object_add (call, "version", json_object_new_int64 (number));
    json_object_object_add (call, "schema", schema);
    int rc = cli_transact_key_report (args, key, "schema", "register", call, 1);
    if (rc == 0)
        printf ("%s/schemas/%s/%lld\n", did, name, number);
    json_object_put (call);
    accord_key_destroy (&key);
    return rc;
}

int
cli_schema_get (cli_args_t *args)
{
    const char *id = cli_positional (args, 0);
    if (!id)
        return cli_fail ("needs a schema ID (DID/schemas/NAME/VERSION)\n%s", args->help);
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *query = json_object_new_object (), *record = NULL;
    json_object_object_add (query, "id", json_object_new_string (id));
    int rc = cli_query (client, "schema", "get", query, &record);
    if (rc != ACCORD_OK)
        rc = cli_call_fail (client, "schema");
    else if (cli_flag (args, "--json"))
        cli_print_json (record);
    else {
        printf ("%s\npublisher %s\nname %s  version %s  height %s\n", id, accord_json_get_string (record, "publisher"),
                accord_json_get_string (record, "name"),
                json_object_get_string (json_object_object_get (record, "version")),
                json_object_get_string (json_object_object_get (record, "height")));
        cli_print_json (json_object_object_get (record, "schema"));
    }
    json_object_put (record);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}
