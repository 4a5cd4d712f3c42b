/*  The accord tool's commands and the helpers they share. */
#ifndef ACCORD_CLI_H
#define ACCORD_CLI_H

#include <json-c/json.h>
#include "accord/config.h"
#include "accord/wire.h"

typedef struct {
    int argc;
    char **argv;            //  the arguments after GROUP COMMAND
    const char *help;
} cli_args_t;

typedef struct {
    const char *group;
    const char *name;
    int (*run) (cli_args_t *args);
    const char *help;
} cli_command_t;

int cli_net_init (cli_args_t *args);
int cli_net_start (cli_args_t *args);
int cli_net_stop (cli_args_t *args);
int cli_chain_status (cli_args_t *args);
int cli_chain_block (cli_args_t *args);
int cli_chain_proof (cli_args_t *args);
int cli_evidence_anchor (cli_args_t *args);
int cli_evidence_get (cli_args_t *args);

//  Value of --name (NULL if absent); a flag without value returns "" when present.
const char *cli_option (cli_args_t *args, const char *name);
int cli_flag (cli_args_t *args, const char *name);
//  The n-th argument that is neither an option nor an option's value, or NULL.
const char *cli_positional (cli_args_t *args, int n);
//  Prints "accord: message" to stderr and returns 1.
int cli_fail (const char *format, ...);
//  A client for the member folder given by --member. NULL (after printing why) on failure.
accord_client_t *cli_member_client (cli_args_t *args, accord_node_config_t *config);
//  Prints JSON pretty to stdout.
void cli_print_json (json_object *obj);

#endif
