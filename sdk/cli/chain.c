/*  accord chain: reading the chain and checking proofs as a light client. */
#include "cli.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/proof.h"
#include "accord/tx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        rc = cli_call_fail (client, config.rpc_endpoint);
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
        rc = cli_call_fail (client, "block");
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
cli_proof_fetch (accord_client_t *client, const accord_genesis_t *genesis, const char *tx,
                 json_object **proof_p, accord_header_t *header)
{
    char err [512];
    json_object *request = json_object_new_object ();
    json_object_object_add (request, "tx", json_object_new_string (tx));
    *proof_p = NULL;
    int rc = accord_client_call_json (client, "PROOF", request, proof_p);
    json_object_put (request);
    if (rc != ACCORD_OK)
        return cli_call_fail (client, "proof");
    if (accord_proof_verify (*proof_p, &genesis->validators, header, err, sizeof err)) {
        json_object_put (*proof_p);
        *proof_p = NULL;
        return cli_fail ("proof of %s does NOT verify: %s", tx, err);
    }
    return 0;
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
    json_object *proof = NULL;
    accord_header_t header;
    int rc = cli_proof_fetch (client, &genesis, tx, &proof, &header);
    if (rc)
        ;
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
    json_object_put (proof);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}
