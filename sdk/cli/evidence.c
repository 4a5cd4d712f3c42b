/*  accord evidence: anchor a hash on the chain, co-sign it (as a key or as a DID), and verify
    it: the record, its signers and the inclusion proof of the anchoring transaction. */
#include "cli.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIDENCE_SIGNERS_ASKED_MAX 64

//  The hash a command is about: HEX (first argument) or the SHA-256 of --file, in lower-case
//  hex. 0, or 1 after printing why.
static int
s_hash (cli_args_t *args, char hex [2 * ACCORD_HASH_SIZE + 1])
{
    const char *given = cli_positional (args, 0), *file = cli_option (args, "--file");
    uint8_t hash [ACCORD_HASH_SIZE];
    if (file && given)
        return cli_fail ("give HEX or --file FILE, not both\n%s", args->help);
    if (file && accord_sha256_file (hash, file))
        return cli_fail ("cannot read %s", file);
    if (!file && (!given || accord_hex_decode_exact (hash, ACCORD_HASH_SIZE, given)))
        return cli_fail ("needs a HEX hash (64 hex characters) or --file FILE\n%s", args->help);
    accord_hex_encode (hex, 2 * ACCORD_HASH_SIZE + 1, hash, ACCORD_HASH_SIZE);
    return 0;
}

int
cli_evidence_anchor (cli_args_t *args)
{
    char hex [2 * ACCORD_HASH_SIZE + 1];
    if (s_hash (args, hex))
        return 1;
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "hash", json_object_new_string (hex));
    const char *meta_text = cli_option (args, "--meta");
    if (meta_text) {
        char err [200];
        json_object *meta = accord_json_parse (meta_text, strlen (meta_text), err, sizeof err);
        if (!meta || !json_object_is_type (meta, json_type_object)) {
            json_object_put (meta);
            json_object_put (call);
            return cli_fail ("--meta must be a JSON object: %s", meta ? "not an object" : err);
        }
        json_object_object_add (call, "meta", meta);
    }
    const char *did = cli_option (args, "--did");
    if (did)
        json_object_object_add (call, "did", json_object_new_string (did));
    int rc = cli_transact_report (args, cli_option (args, "--key"), "evidence", "anchor", call);
    json_object_put (call);
    return rc;
}

int
cli_evidence_sign (cli_args_t *args)
{
    char hex [2 * ACCORD_HASH_SIZE + 1];
    if (s_hash (args, hex))
        return 1;
    accord_key_t *key = cli_key (args, "--key");
    if (!key)
        return 1;
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "hash", json_object_new_string (hex));
    const char *did = cli_option (args, "--did");
    if (did)
        json_object_object_add (call, "did", json_object_new_string (did));
    int rc = cli_transact_key_report (args, key, "evidence", "sign", call, 0);
    json_object_put (call);
    accord_key_destroy (&key);
    return rc;
}

//  The anchored record of hex (caller puts), NULL after printing why.
static json_object *
s_record (accord_client_t *client, const char *hex)
{
    json_object *query = json_object_new_object (), *record = NULL;
    json_object_object_add (query, "hash", json_object_new_string (hex));
    if (cli_query (client, "evidence", "get", query, &record) != ACCORD_OK)
        cli_call_fail (client, "evidence");
    return record;
}

int
cli_evidence_get (cli_args_t *args)
{
    char hex [2 * ACCORD_HASH_SIZE + 1];
    if (s_hash (args, hex))
        return 1;
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *record = s_record (client, hex);
    if (record)
        cli_print_json (record);
    json_object_put (record);
    accord_client_destroy (&client);
    return record ? 0 : 1;
}

//  Finds the transaction that anchored hex in the block at height (an evidence.anchor of that
//  hash whose receipt is ok) and checks its inclusion proof. 0 with its hash in tx, or 1 after
//  printing why.
static int
s_anchoring_tx (accord_client_t *client, const accord_genesis_t *genesis, const char *hex, int64_t height,
                char tx [2 * ACCORD_HASH_SIZE + 1])
{
    json_object *request = json_object_new_object (), *block = NULL;
    json_object_object_add (request, "height", json_object_new_int64 (height));
    json_object_object_add (request, "txs", json_object_new_boolean (1));
    int rc = accord_client_call_json (client, "BLOCK", request, &block);
    json_object_put (request);
    if (rc != ACCORD_OK)
        return cli_call_fail (client, "block");
    json_object *txs = accord_json_get_array (block, "transactions");
    int found = 0;
    for (size_t i = 0; !found && txs && i < json_object_array_length (txs); i++) {
        json_object *item = json_object_array_get_idx (txs, i);
        const char *hash = accord_json_get_string (accord_json_get_object (item, "args"), "hash");
        if (strcmp (accord_json_get_string (item, "module"), "evidence")
        ||  strcmp (accord_json_get_string (item, "method"), "anchor") || !hash || strcasecmp (hash, hex))
            continue;
        json_object *proof = NULL, *receipt = NULL;
        accord_header_t header;
        snprintf (tx, 2 * ACCORD_HASH_SIZE + 1, "%s", accord_json_get_string (item, "hash"));
        if (cli_proof_fetch (client, genesis, tx, &proof, &header) == 0) {
            const char *text = accord_json_get_string (proof, "receipt");
            receipt = text ? accord_json_parse (text, strlen (text), NULL, 0) : NULL;
            const char *status = accord_json_get_string (receipt, "status");
            found = status && strcmp (status, "ok") == 0;
        }
        json_object_put (receipt);
        json_object_put (proof);
    }
    json_object_put (block);
    return found ? 0 : cli_fail ("no verified transaction anchoring %s in block %lld", hex, (long long) height);
}

//  1 when signer (a DID, or a key in hex of either case) is among the record's DIDs or keys.
static int
s_signed_by (json_object *record, const char *signer)
{
    int is_did = strncmp (signer, "did:", 4) == 0;
    json_object *list = accord_json_get_array (record, is_did ? "dids" : "signers");
    for (size_t i = 0; list && i < json_object_array_length (list); i++) {
        const char *item = json_object_get_string (json_object_array_get_idx (list, i));
        if (is_did ? strcmp (item, signer) == 0 : strcasecmp (item, signer) == 0)
            return 1;
    }
    return 0;
}

static void
s_print_list (json_object *record, const char *name, const char *label)
{
    json_object *list = accord_json_get_array (record, name);
    for (size_t i = 0; list && i < json_object_array_length (list); i++)
        printf ("%-13s %s\n", label, json_object_get_string (json_object_array_get_idx (list, i)));
}

int
cli_evidence_verify (cli_args_t *args)
{
    char hex [2 * ACCORD_HASH_SIZE + 1], tx [2 * ACCORD_HASH_SIZE + 1], err [512];
    if (s_hash (args, hex))
        return 1;
    int asked = 0;
    while (cli_option_nth (args, "--signer", asked))
        asked++;
    if (asked > EVIDENCE_SIGNERS_ASKED_MAX)
        return cli_fail ("at most %d --signer", EVIDENCE_SIGNERS_ASKED_MAX);
    accord_node_config_t config;
    accord_genesis_t genesis;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    if (accord_genesis_load (&genesis, config.genesis, err, sizeof err)) {
        accord_client_destroy (&client);
        return cli_fail ("%s", err);
    }
    json_object *record = s_record (client, hex);
    int64_t height = 0;
    int rc = !record || accord_json_get_int64 (record, "height", 1, INT64_MAX, &height)
           ? 1 : s_anchoring_tx (client, &genesis, hex, height, tx);
    accord_client_destroy (&client);
    if (rc) {
        json_object_put (record);
        return 1;
    }
    json_object *required = json_object_new_array ();
    int missing = 0;
    for (int i = 0; i < asked; i++) {
        const char *signer = cli_option_nth (args, "--signer", i);
        int signed_it = s_signed_by (record, signer);
        missing += !signed_it;
        json_object *item = json_object_new_object ();
        json_object_object_add (item, "signer", json_object_new_string (signer));
        json_object_object_add (item, "signed", json_object_new_boolean (signed_it));
        json_object_array_add (required, item);
    }
    if (cli_flag (args, "--json")) {
        json_object *result = json_object_new_object ();
        json_object_object_add (result, "hash", json_object_new_string (hex));
        json_object_object_add (result, "anchored", json_object_new_boolean (1));
        json_object_object_add (result, "tx", json_object_new_string (tx));
        json_object_object_add (result, "proof_verified", json_object_new_boolean (1));
        json_object_object_add (result, "record", json_object_get (record));
        json_object_object_add (result, "required", json_object_get (required));
        json_object_object_add (result, "valid", json_object_new_boolean (missing == 0));
        cli_print_json (result);
        json_object_put (result);
    }
    else {
        printf ("hash          %s\nanchored      at height %lld by tx %s\nproof         verified against "
                "the genesis validator set\nmeta          %s\n", hex, (long long) height, tx,
                json_object_to_json_string_ext (json_object_object_get (record, "meta"), JSON_C_TO_STRING_PLAIN));
        s_print_list (record, "dids", "signer DID");
        s_print_list (record, "signers", "signer key");
        for (int i = 0; i < asked; i++) {
            json_object *item = json_object_array_get_idx (required, i);
            printf ("%-13s %s: %s\n", "required", accord_json_get_string (item, "signer"),
                    json_object_get_boolean (json_object_object_get (item, "signed")) ? "signed" : "NOT SIGNED");
        }
    }
    if (missing)
        cli_fail ("%d of the required signers did not sign", missing);
    json_object_put (required);
    json_object_put (record);
    return missing ? 1 : 0;
}
