/*  Calls that several commands make: module queries, and signed transactions that wait for
    their commit. */
#include "cli.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/tx.h"
#include "accord/verifier.h"
#include <stdio.h>
#include <string.h>

#define CLI_EXPIRY_BLOCKS 1000      //  a transaction is valid for this many blocks
#define CLI_COMMIT_WAIT_MS 15000

int
cli_call_fail (accord_client_t *client, const char *what)
{
    return cli_fail ("%s: %s: %s", what, accord_err_name (accord_client_errcode (client)),
                     accord_client_errstr (client));
}

int
cli_query (accord_client_t *client, const char *module, const char *method, json_object *args,
           json_object **result)
{
    int rc = accord_verifier_client_query (client, module, method, args, result, NULL, 0);
    json_object_put (args);
    return rc;
}

int
cli_transact (accord_client_t *client, const char *chain_id, accord_key_t *key, const char *module,
              const char *method, json_object *call_args, json_object **receipt_p)
{
    char sender [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_hex_encode (sender, sizeof sender, accord_key_public (key), ACCORD_PUBKEY_SIZE);
    json_object *query_args = json_object_new_object ();
    json_object_object_add (query_args, "sender", json_object_new_string (sender));
    json_object *nonce = NULL, *status = NULL;
    int rc = cli_query (client, "system", "nonce", query_args, &nonce);
    if (rc == ACCORD_OK)
        rc = accord_client_call_json (client, "STATUS", NULL, &status);
    if (rc != ACCORD_OK) {
        json_object_put (nonce);
        return cli_call_fail (client, "reading nonce and height");
    }
    int64_t last = json_object_get_int64 (json_object_object_get (nonce, "nonce"));
    int64_t height = json_object_get_int64 (json_object_object_get (status, "height"));
    json_object_put (nonce);
    json_object_put (status);
    const char *args_text = json_object_to_json_string_ext (call_args, JSON_C_TO_STRING_PLAIN);
    accord_tx_t *tx = accord_tx_new (chain_id, module, method, args_text, (uint64_t) last + 1,
                                     (uint64_t) height + CLI_EXPIRY_BLOCKS);
    if (!tx || accord_tx_sign (tx, key)) {
        accord_tx_destroy (&tx);
        return cli_fail ("cannot build the transaction");
    }
    char hash [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, tx->raw, tx->raw_len);
    accord_tx_destroy (&tx);
    rc = accord_client_call (client, "SUBMIT", &body, NULL);
    if (rc != ACCORD_OK)
        return cli_call_fail (client, "submit rejected");
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "tx", json_object_new_string (hash));
    json_object_object_add (request, "wait_ms", json_object_new_int (CLI_COMMIT_WAIT_MS));
    accord_client_set_timeout (client, CLI_COMMIT_WAIT_MS + 2000);
    rc = accord_client_call_json (client, "RECEIPT", request, receipt_p);
    json_object_put (request);
    if (rc != ACCORD_OK)
        return cli_call_fail (client, hash);
    return 0;
}

int
cli_transact_key_report (cli_args_t *args, accord_key_t *key, const char *module, const char *method,
                         json_object *call_args, int quiet)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    accord_genesis_t genesis;
    char err [512];
    int rc = 1;
    if (accord_genesis_load (&genesis, config.genesis, err, sizeof err))
        cli_fail ("%s", err);
    else {
        json_object *receipt = NULL;
        rc = cli_transact (client, genesis.chain_id, key, module, method, call_args, &receipt);
        if (rc == 0) {
            const char *status = accord_json_get_string (receipt, "status");
            int ok = status && strcmp (status, "ok") == 0;
            if (!quiet || !ok)
                fprintf (quiet ? stderr : stdout, "tx %s\nheight %s\nstatus %s%s%s\n",
                         accord_json_get_string (receipt, "tx"),
                         json_object_get_string (json_object_object_get (receipt, "height")), status,
                         ok ? "" : ": ", ok ? "" : accord_json_get_string (receipt, "message"));
            rc = ok ? 0 : 1;
        }
        json_object_put (receipt);
    }
    accord_client_destroy (&client);
    return rc;
}

int
cli_transact_report (cli_args_t *args, const char *key_path, const char *module, const char *method,
                     json_object *call_args)
{
    accord_node_config_t config;
    char err [512];
    const char *member = cli_option (args, "--member");
    if (!member || accord_node_config_load (&config, member, err, sizeof err))
        return cli_fail ("--member DIR is required (a member folder made by 'accord net init')");
    char default_key [PATH_MAX + 16];
    snprintf (default_key, sizeof default_key, "%s/client.key", config.dir);
    if (!key_path)
        key_path = default_key;
    else if (strcmp (key_path, "node") == 0)
        key_path = config.key_file;
    accord_key_t *key = accord_key_load (key_path);
    if (!key)
        return cli_fail ("cannot load key %s", key_path);
    int rc = cli_transact_key_report (args, key, module, method, call_args, 0);
    accord_key_destroy (&key);
    return rc;
}
