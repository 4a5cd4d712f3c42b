/*  Commands that ask the member's accord-identity service (identity/README.md) rather than the
    node: `accord identity status`, and `accord vc verify --service` / `accord vp verify
    --service`, which send the token to the service's VERIFY / VERIFY_PRESENTATION. */
#include "cli.h"
#include "accord/json.h"
#include "accord/vc.h"
#include <stdio.h>
#include <string.h>

#define CLI_IDENTITY_TIMEOUT_MS 10000

//  Sends command with request (borrowed) to the accord-identity of --member. ACCORD_OK with
//  *reply, or 1 after printing why.
static int
s_call (cli_args_t *args, const char *command, json_object *request, json_object **reply)
{
    const char *member = cli_option (args, "--member");
    accord_node_config_t config;
    char err [512];
    if (!member || !*member)
        return cli_fail ("--member DIR is required (its config names the identity service)");
    if (accord_node_config_load (&config, member, err, sizeof err))
        return cli_fail ("%s", err);
    accord_client_t *client = accord_client_new (config.identity_endpoint, CLI_IDENTITY_TIMEOUT_MS);
    if (!client)
        return cli_fail ("cannot connect to %s", config.identity_endpoint);
    int rc = accord_client_call_json (client, command, request, reply);
    if (rc != ACCORD_OK) {
        char what [ACCORD_ENDPOINT_MAX + 64];
        snprintf (what, sizeof what, "accord-identity at %s", config.identity_endpoint);
        rc = cli_call_fail (client, what);
    }
    accord_client_destroy (&client);
    return rc;
}

int
cli_identity_status (cli_args_t *args)
{
    json_object *status = NULL;
    if (s_call (args, "STATUS", NULL, &status) != ACCORD_OK)
        return 1;
    if (cli_flag (args, "--json"))
        printf ("%s\n", json_object_to_json_string_ext (status, JSON_C_TO_STRING_PLAIN));
    else {
        json_object *cache = json_object_object_get (status, "cache");
        printf ("service %s of %s, chain %s: height %s (node %s), node %s, redis %s (%s)\n"
                "cache: %s entries, %s memory hits, %s redis hits, %s misses; queue %s of %s\n",
                accord_json_get_string (status, "service"), accord_json_get_string (status, "name"),
                accord_json_get_string (status, "chain_id"),
                json_object_get_string (json_object_object_get (status, "height")),
                json_object_get_string (json_object_object_get (status, "node_height")),
                json_object_get_boolean (json_object_object_get (status, "node")) ? "up" : "down",
                json_object_get_boolean (json_object_object_get (status, "redis")) ? "up" : "down",
                accord_json_get_string (status, "redis_endpoint"),
                json_object_get_string (json_object_object_get (cache, "entries")),
                json_object_get_string (json_object_object_get (cache, "memory_hits")),
                json_object_get_string (json_object_object_get (cache, "redis_hits")),
                json_object_get_string (json_object_object_get (cache, "misses")),
                json_object_get_string (json_object_object_get (status, "queue")),
                json_object_get_string (json_object_object_get (status, "queue_max")));
    }
    json_object_put (status);
    return 0;
}

int
cli_identity_verify (cli_args_t *args, const char *token, int presentation)
{
    json_object *request = json_object_new_object ();
    json_object_object_add (request, presentation ? "presentation" : "credential", json_object_new_string (token));
    const char *nonce = cli_option (args, "--nonce"), *aud = cli_option (args, "--aud");
    const char *issuer_type = cli_option (args, "--issuer-type");
    if (nonce)
        json_object_object_add (request, "nonce", json_object_new_string (nonce));
    if (aud)
        json_object_object_add (request, "aud", json_object_new_string (aud));
    if (cli_flag (args, "--require-issuer") || issuer_type)
        json_object_object_add (request, "require_recognized_issuer", json_object_new_boolean (1));
    if (issuer_type)
        json_object_object_add (request, "issuer_type", json_object_new_string (issuer_type));
    //  As `vc verify` does locally: a verifier that names its nonce wants the key binding
    if (!presentation && nonce)
        json_object_object_add (request, "require_key_binding", json_object_new_boolean (1));
    json_object *reply = NULL;
    int rc = s_call (args, presentation ? "VERIFY_PRESENTATION" : "VERIFY", request, &reply);
    json_object_put (request);
    if (rc != ACCORD_OK)
        return 1;
    const char *name = accord_json_get_string (reply, "code");
    accord_vc_error_t code = name ? accord_vc_error_from_name (name) : ACCORD_VC_E__COUNT;
    if (code == ACCORD_VC_E__COUNT) {
        json_object_put (reply);
        return cli_fail ("accord-identity answered a verdict without a known code");
    }
    accord_vc_result_t result = { code, "" };
    snprintf (result.message, sizeof result.message, "%s", accord_json_get_string (reply, "message") ?: "");
    rc = cli_print_verdict (args, code, &result,
                            json_object_object_get (reply, presentation ? "presentation" : "claims"));
    json_object_put (reply);
    return rc;
}
