#include "cli.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  Options that take a value; any other --word is a flag.
static const char *s_valued [] = { "--members", "--dir", "--base-port", "--chain-id", "--member",
                                   "--meta", "--key", "--name", "--out", "--document", "--version-id",
                                   "--version-time", "--action", "--type", "--redis", NULL };

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
