#include "cli.h"
#include "accord/did.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  Options that take a value; any other --word is a flag.
static const char *s_valued [] = { "--members", "--dir", "--base-port", "--chain-id", "--member",
                                   "--meta", "--key", "--name", "--out", "--document", "--version-id",
                                   "--version-time", "--action", "--type", "--did", "--file", "--signer",
                                   "--version", "--schema", "--purpose", "--size", "--list", "--index",
                                   "--subject", "--claims", "--status", "--status-index",
                                   "--status-purpose", "--valid-from", "--valid-until", "--sd", "--holder-key",
                                   "--holder", "--reveal", "--nonce", "--aud", "--issuer-type", "--redis",
                                   "--publishers", "--subscribers", "--retention-events", "--retention-seconds",
                                   "--description", "--owner", "--prefix", "--tag", "--id", "--broker",
                                   "--group", "--consumer", "--from", "--credit", "--count", NULL };

static int
s_valued_option (const char *arg)
{
    for (int i = 0; s_valued [i]; i++)
        if (strcmp (arg, s_valued [i]) == 0)
            return 1;
    return 0;
}

const char *
cli_option (cli_args_t *args, const char *name)
{
    for (int i = 0; i < args->argc; i++)
        if (strcmp (args->argv [i], name) == 0)
            return i + 1 < args->argc ? args->argv [i + 1] : "";
    return NULL;
}

const char *
cli_option_nth (cli_args_t *args, const char *name, int n)
{
    for (int i = 0; i + 1 < args->argc; i++)
        if (strcmp (args->argv [i], name) == 0 && n-- == 0)
            return args->argv [i + 1];
    return NULL;
}

int
cli_flag (cli_args_t *args, const char *name)
{
    for (int i = 0; i < args->argc; i++)
        if (strcmp (args->argv [i], name) == 0)
            return 1;
    return 0;
}

const char *
cli_positional (cli_args_t *args, int n)
{
    for (int i = 0; i < args->argc; i++) {
        if (strncmp (args->argv [i], "--", 2) == 0) {
            if (s_valued_option (args->argv [i]))
                i++;
            continue;
        }
        if (n-- == 0)
            return args->argv [i];
    }
    return NULL;
}

int
cli_fail (const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    fprintf (stderr, "accord: ");
    vfprintf (stderr, format, ap);
    fprintf (stderr, "\n");
    va_end (ap);
    return 1;
}

accord_client_t *
cli_member_client (cli_args_t *args, accord_node_config_t *config)
{
    const char *member = cli_option (args, "--member");
    if (!member || !*member) {
        cli_fail ("--member DIR is required (a member folder made by 'accord net init')");
        return NULL;
    }
    char err [512];
    if (accord_node_config_load (config, member, err, sizeof err)) {
        cli_fail ("%s", err);
        return NULL;
    }
    accord_client_t *client = accord_client_new (config->rpc_endpoint, 10000);
    if (!client)
        cli_fail ("cannot connect to %s", config->rpc_endpoint);
    return client;
}

void
cli_print_json (json_object *obj)
{
    printf ("%s\n", json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int
cli_chain_id (cli_args_t *args, char chain_id [ACCORD_CHAIN_ID_MAX + 1])
{
    accord_node_config_t config;
    accord_genesis_t genesis;
    char err [512];
    const char *member = cli_option (args, "--member");
    if (!member || !*member)
        return cli_fail ("--member DIR is required (a member folder made by 'accord net init')");
    if (accord_node_config_load (&config, member, err, sizeof err)
    ||  accord_genesis_load (&genesis, config.genesis, err, sizeof err))
        return cli_fail ("%s", err);
    snprintf (chain_id, ACCORD_CHAIN_ID_MAX + 1, "%s", genesis.chain_id);
    return 0;
}

accord_key_t *
cli_key (cli_args_t *args, const char *option)
{
    const char *path = cli_option (args, option);
    if (!path || !*path) {
        cli_fail ("%s KEYFILE is required", option);
        return NULL;
    }
    accord_key_t *key = accord_key_load (path);
    if (!key)
        cli_fail ("cannot load key %s", path);
    return key;
}

int
cli_acting_did (cli_args_t *args, accord_key_t *key, char did [ACCORD_DID_MAX])
{
    const char *given = cli_option (args, "--did");
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    if (given && strlen (given) >= ACCORD_DID_MAX)
        return cli_fail ("--did: too long for a DID");
    if (given)
        snprintf (did, ACCORD_DID_MAX, "%s", given);
    else if (cli_chain_id (args, chain_id))
        return 1;
    else
        accord_did_for_key (did, chain_id, accord_key_public (key));
    return 0;
}
