/*  accord chain and accord evidence: reading the chain and anchoring evidence. */
#include "cli.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/proof.h"
#include "accord/tx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_EXPIRY_BLOCKS 1000      //  a transaction is valid for this many blocks
#define CLI_COMMIT_WAIT_MS 15000

static int
s_call_fail (accord_client_t *client, const char *what)
{
    return cli_fail ("%s: %s: %s", what, accord_err_name (accord_client_errcode (client)),
                     accord_client_errstr (client));
}

int
cli_chain_status (cli_args_t *args)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *status = NULL;
    int rc = accord_client_call_json (client, "STATUS", NULL, &status);
    if (rc != ACCORD_OK)
        rc = s_call_fail (client, config.rpc_endpoint);
    else if (cli_flag (args, "--json"))
        cli_print_json (status);
    else {
        printf ("chain %s  member %s  height %s  view %s  leader %s  peers %s\nhash %s\n",
                accord_json_get_string (status, "chain_id"), accord_json_get_string (status, "name"),
                json_object_get_string (json_object_object_get (status, "height")),
                json_object_get_string (json_object_object_get (status, "view")),
                json_object_get_string (json_object_object_get (status, "leader")),
                json_object_get_string (json_object_object_get (status, "peers_connected")),
                accord_json_get_string (status, "hash"));
        json_object *validators = accord_json_get_array (status, "validators");
        for (size_t i = 0; validators && i < json_object_array_length (validators); i++) {
            json_object *item = json_object_array_get_idx (validators, i);
            printf ("  %zu %-10s %s\n", i, accord_json_get_string (item, "name"),
                    json_object_get_boolean (json_object_object_get (item, "connected")) ? "connected" : "not connected");
        }
    }
    json_object_put (status);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}

int
cli_chain_block (cli_args_t *args)
{
    const char *height = cli_positional (args, 0);
    if (!height || atoll (height) < 1)
        return cli_fail ("needs a HEIGHT of 1 or more\n%s", args->help);
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "height", json_object_new_int64 (atoll (height)));
    json_object *block = NULL;
    int rc = accord_client_call_json (client, "BLOCK", request, &block);
    if (rc != ACCORD_OK)
        rc = s_call_fail (client, "block");
    else if (cli_flag (args, "--json"))
        cli_print_json (block);
    else {
        json_object *header = accord_json_get_object (block, "header");
        json_object_object_foreach (header, key, value)
            printf ("%-16s %s\n", key, json_object_get_string (value));
        json_object *txs = accord_json_get_array (block, "transactions");
        for (size_t i = 0; txs && i < json_object_array_length (txs); i++)
            printf ("tx %-13zu %s\n", i, json_object_get_string (json_object_array_get_idx (txs, i)));
        json_object *cert = accord_json_get_object (block, "certificate");
        json_object *votes = cert ? accord_json_get_array (cert, "votes") : NULL;
        printf ("certificate      view %s, %zu commit votes\n",
                json_object_get_string (json_object_object_get (cert, "view")),
                votes ? json_object_array_length (votes) : 0);
    }
    json_object_put (request);
    json_object_put (block);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}

int
cli_chain_proof (cli_args_t *args)
{
    const char *tx = cli_positional (args, 0);
    uint8_t hash [ACCORD_HASH_SIZE];
    if (!tx || accord_hex_decode_exact (hash, ACCORD_HASH_SIZE, tx))
        return cli_fail ("needs a TXHASH (64 hex characters)\n%s", args->help);
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    accord_genesis_t genesis;
    char err [512];
    if (accord_genesis_load (&genesis, config.genesis, err, sizeof err)) {
        accord_client_destroy (&client);
        return cli_fail ("%s", err);
    }
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "tx", json_object_new_string (tx));
    json_object *proof = NULL;
    int rc = accord_client_call_json (client, "PROOF", request, &proof);
    accord_header_t header;
    if (rc != ACCORD_OK)
        rc = s_call_fail (client, "proof");
    else if (accord_proof_verify (proof, &genesis.validators, &header, err, sizeof err))
        rc = cli_fail ("proof does NOT verify: %s", err);
    else if (cli_flag (args, "--json"))
        cli_print_json (proof);
    else {
        json_object *cert = accord_json_get_object (proof, "certificate");
        printf ("transaction %s\n  in block %llu at index %s of %s\n  receipt %s\n"
                "  certificate: %zu commit votes of %zu validators (quorum %zu), view %s\n"
                "proof verified against the genesis validator set\n",
                tx, (unsigned long long) header.height,
                json_object_get_string (json_object_object_get (proof, "index")),
                json_object_get_string (json_object_object_get (proof, "count")),
                accord_json_get_string (proof, "receipt"),
                json_object_array_length (accord_json_get_array (cert, "votes")),
                genesis.validators.count, accord_validators_quorum (&genesis.validators),
                json_object_get_string (json_object_object_get (cert, "view")));
    }
    json_object_put (request);
    json_object_put (proof);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}

//  Signs and submits one call with the next nonce of key, waits for its receipt.
//  Returns 0 with the receipt in *receipt_p (caller puts), or 1 after printing the error.
static int
s_transact (accord_client_t *client, const char *chain_id, accord_key_t *key, const char *module,
            const char *method, json_object *call_args, json_object **receipt_p)
{
    char sender [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_hex_encode (sender, sizeof sender, accord_key_public (key), ACCORD_PUBKEY_SIZE);
    json_object *query = json_object_new_object (), *query_args = json_object_new_object ();
    json_object_object_add (query_args, "sender", json_object_new_string (sender));
    json_object_object_add (query, "module", json_object_new_string ("system"));
    json_object_object_add (query, "method", json_object_new_string ("nonce"));
    json_object_object_add (query, "args", query_args);
    json_object *nonce = NULL, *status = NULL;
    int rc = accord_client_call_json (client, "QUERY", query, &nonce);
    if (rc == ACCORD_OK)
        rc = accord_client_call_json (client, "STATUS", NULL, &status);
    json_object_put (query);
    if (rc != ACCORD_OK) {
        json_object_put (nonce);
        return s_call_fail (client, "reading nonce and height");
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
        return s_call_fail (client, "submit rejected");
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "tx", json_object_new_string (hash));
    json_object_object_add (request, "wait_ms", json_object_new_int (CLI_COMMIT_WAIT_MS));
    accord_client_set_timeout (client, CLI_COMMIT_WAIT_MS + 2000);
    rc = accord_client_call_json (client, "RECEIPT", request, receipt_p);
    json_object_put (request);
    if (rc != ACCORD_OK)
        return s_call_fail (client, hash);
    return 0;
}

static accord_key_t *
s_load_client_key (cli_args_t *args, accord_node_config_t *config)
{
    const char *key_path = cli_option (args, "--key");
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/client.key", config->dir);
    accord_key_t *key = accord_key_load (key_path ? key_path : path);
    if (!key)
        cli_fail ("cannot load key %s", key_path ? key_path : path);
    return key;
}

int
cli_evidence_anchor (cli_args_t *args)
{
    const char *hex = cli_positional (args, 0);
    uint8_t hash [ACCORD_HASH_SIZE];
    if (!hex || accord_hex_decode_exact (hash, ACCORD_HASH_SIZE, hex))
        return cli_fail ("needs a HEX hash (64 hex characters)\n%s", args->help);
    json_object *meta = NULL;
    const char *meta_text = cli_option (args, "--meta");
    if (meta_text) {
        char err [200];
        meta = accord_json_parse (meta_text, strlen (meta_text), err, sizeof err);
        if (!meta || !json_object_is_type (meta, json_type_object)) {
            json_object_put (meta);
            return cli_fail ("--meta must be a JSON object: %s", meta ? "not an object" : err);
        }
    }
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    accord_key_t *key = client ? s_load_client_key (args, &config) : NULL;
    accord_genesis_t genesis;
    char err [512];
    int rc = 1;
    if (key && accord_genesis_load (&genesis, config.genesis, err, sizeof err))
        cli_fail ("%s", err);
    else if (key) {
        json_object *call = json_object_new_object ();
        json_object_object_add (call, "hash", json_object_new_string (hex));
        if (meta)
            json_object_object_add (call, "meta", json_object_get (meta));
        json_object *receipt = NULL;
        rc = s_transact (client, genesis.chain_id, key, "evidence", "anchor", call, &receipt);
        if (rc == 0) {
            const char *status = accord_json_get_string (receipt, "status");
            printf ("tx %s\nheight %s\nstatus %s%s%s\n", accord_json_get_string (receipt, "tx"),
                    json_object_get_string (json_object_object_get (receipt, "height")), status,
                    strcmp (status, "ok") ? ": " : "",
                    strcmp (status, "ok") ? accord_json_get_string (receipt, "message") : "");
            rc = strcmp (status, "ok") ? 1 : 0;
        }
        json_object_put (receipt);
        json_object_put (call);
    }
    json_object_put (meta);
    accord_key_destroy (&key);
    accord_client_destroy (&client);
    return rc;
}

int
cli_evidence_get (cli_args_t *args)
{
    const char *hex = cli_positional (args, 0);
    uint8_t hash [ACCORD_HASH_SIZE];
    if (!hex || accord_hex_decode_exact (hash, ACCORD_HASH_SIZE, hex))
        return cli_fail ("needs a HEX hash (64 hex characters)\n%s", args->help);
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *query = json_object_new_object (), *query_args = json_object_new_object ();
    json_object_object_add (query_args, "hash", json_object_new_string (hex));
    json_object_object_add (query, "module", json_object_new_string ("evidence"));
    json_object_object_add (query, "method", json_object_new_string ("get"));
    json_object_object_add (query, "args", query_args);
    json_object *record = NULL;
    int rc = accord_client_call_json (client, "QUERY", query, &record);
    if (rc != ACCORD_OK)
        rc = s_call_fail (client, "evidence");
    else
        cli_print_json (record);
    json_object_put (query);
    json_object_put (record);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}
