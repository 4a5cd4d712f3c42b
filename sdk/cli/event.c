/*  accord event: events on the chain by id (HEIGHT:TX:INDEX), and their inclusion proofs. */
#include "cli.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include "accord/tx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  event.get {id, raw} at the member's node; the result (caller puts) or NULL after printing why.
static json_object *
s_get (accord_client_t *client, const char *id, int raw)
{
    json_object *query = json_object_new_object (), *event = NULL;
    json_object_object_add (query, "id", json_object_new_string (id));
    if (raw)
        json_object_object_add (query, "raw", json_object_new_boolean (1));
    if (cli_query (client, "event", "get", query, &event) != ACCORD_OK)
        cli_call_fail (client, id);
    return event;
}

static const char *
s_id_arg (cli_args_t *args)
{
    const char *id = cli_positional (args, 0);
    uint64_t height;
    uint32_t tx, index;
    if (!id || accord_event_id_parse (id, &height, &tx, &index)) {
        cli_fail ("needs an event ID (HEIGHT:TX:INDEX)\n%s", args->help);
        return NULL;
    }
    return id;
}

//  Prints a payload as text when it is printable, else as base64url.
static void
s_print_payload (const char *encoded)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (accord_base64url_decode (&data, &len, encoded, strlen (encoded))) {
        printf ("payload (not base64url) %s\n", encoded);
        return;
    }
    int text = 1;
    for (size_t i = 0; i < len && text; i++)
        text = (data [i] >= 0x20 && data [i] < 0x7f) || data [i] == '\n' || data [i] == '\t';
    if (text)
        printf ("payload (%zu bytes) %s\n", len, (char *) data);
    else
        printf ("payload (%zu bytes, base64url) %s\n", len, encoded);
    free (data);
}

int
cli_event_get (cli_args_t *args)
{
    const char *id = s_id_arg (args);
    if (!id)
        return 1;
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *event = s_get (client, id, 0);
    accord_client_destroy (&client);
    if (!event)
        return 1;
    if (cli_flag (args, "--json"))
        cli_print_json (event);
    else {
        json_object *tags = accord_json_get_array (event, "tags");
        printf ("event %s\ntopic %s\npublisher %s\nmessage id %s\ntags", id, accord_json_get_string (event, "topic"),
                accord_json_get_string (event, "publisher"), accord_json_get_string (event, "message_id"));
        for (size_t i = 0; tags && i < json_object_array_length (tags); i++)
            printf (" %s", json_object_get_string (json_object_array_get_idx (tags, i)));
        printf ("\ntime %s ms (block), publisher's %s\nsigned by the publisher: %s\nbroker %s\ntransaction %s\n",
                json_object_get_string (json_object_object_get (event, "timestamp_ms")),
                json_object_object_get (event, "publisher_time")
                ? json_object_get_string (json_object_object_get (event, "publisher_time")) : "-",
                json_object_object_get (event, "sig") ? "yes (checked by the chain)" : "no",
                accord_json_get_string (event, "broker"), accord_json_get_string (event, "tx"));
        s_print_payload (accord_json_get_string (event, "payload"));
    }
    json_object_put (event);
    return 0;
}

//  Checks that the raw transaction of answer is an event batch with hash tx whose event index
//  is the one answer names. 0 with the batch's size, or 1 after printing why.
static int
s_check_position (json_object *answer, const char *tx_hex, size_t *count)
{
    const char *raw_text = accord_json_get_string (answer, "tx_raw");
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    accord_tx_t *tx = NULL;
    if (raw_text && accord_base64url_decode (&raw, &raw_len, raw_text, strlen (raw_text)) == 0)
        tx = accord_tx_decode (raw, raw_len, NULL, 0);
    free (raw);
    char hash [2 * ACCORD_HASH_SIZE + 1] = "";
    if (tx)
        accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
    json_object *call = tx ? accord_json_parse (tx->args, tx->args_len, NULL, 0) : NULL;
    json_object *events = accord_json_get_array (call, "events");
    int64_t index = json_object_get_int64 (json_object_object_get (answer, "index"));
    json_object *item = events && index >= 0 ? json_object_array_get_idx (events, (size_t) index) : NULL;
    const char *message_id = accord_json_get_string (item, "id"), *publisher = accord_json_get_string (item, "publisher");
    int rc = 0;
    if (!tx || strcmp (hash, tx_hex) || strcmp (tx->module, "event") || strcmp (tx->method, "publish"))
        rc = cli_fail ("the node's transaction is not the event batch %s", tx_hex);
    else if (!item || !message_id || !publisher || strcmp (message_id, accord_json_get_string (answer, "message_id"))
         ||  strcmp (publisher, accord_json_get_string (answer, "publisher")))
        rc = cli_fail ("event %lld of the batch is not the event the node described", (long long) index);
    else
        *count = json_object_array_length (events);
    json_object_put (call);
    accord_tx_destroy (&tx);
    return rc;
}

int
cli_event_proof (cli_args_t *args)
{
    const char *id = s_id_arg (args);
    if (!id)
        return 1;
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    accord_genesis_t genesis;
    char err [512];
    json_object *answer = NULL, *proof = NULL, *receipt = NULL;
    accord_header_t header;
    size_t count = 0;
    int rc = 1;
    if (accord_genesis_load (&genesis, config.genesis, err, sizeof err))
        cli_fail ("%s", err);
    else if (!(answer = s_get (client, id, 1)))
        ;
    else if (s_check_position (answer, accord_json_get_string (answer, "tx"), &count)
         ||  cli_proof_fetch (client, &genesis, accord_json_get_string (answer, "tx"), &proof, &header))
        ;
    else {
        const char *text = accord_json_get_string (proof, "receipt");
        receipt = text ? accord_json_parse (text, strlen (text), NULL, 0) : NULL;
        const char *status = accord_json_get_string (receipt, "status");
        int64_t tx_index = json_object_get_int64 (json_object_object_get (answer, "tx_index"));
        if (!status || strcmp (status, "ok"))
            cli_fail ("the batch's receipt says %s: its events were not published", status ? status : "nothing");
        else if ((int64_t) header.height != json_object_get_int64 (json_object_object_get (answer, "height"))
             ||  json_object_get_int64 (json_object_object_get (proof, "index")) != tx_index)
            cli_fail ("the proof is for another position than %s", id);
        else
            rc = 0;
    }
    if (rc == 0 && cli_flag (args, "--json")) {
        json_object *out = json_object_new_object ();
        json_object_object_add (out, "event", json_object_new_string (id));
        json_object_object_add (out, "index", json_object_get (json_object_object_get (answer, "index")));
        json_object_object_add (out, "events", json_object_new_int64 ((int64_t) count));
        json_object_object_add (out, "tx_raw", json_object_get (json_object_object_get (answer, "tx_raw")));
        json_object_object_add (out, "proof", json_object_get (proof));
        cli_print_json (out);
        json_object_put (out);
    }
    else if (rc == 0) {
        json_object *cert = accord_json_get_object (proof, "certificate");
        printf ("event %s\n  topic %s, publisher %s, message id %s\n"
                "  event %s of %zu in args.events of transaction %s (signed by broker %s)\n"
                "  transaction %s of %s in block %llu, receipt status ok\n"
                "  certificate: %zu commit votes of %zu validators (quorum %zu), view %s\n"
                "proof verified against the genesis validator set\n", id,
                accord_json_get_string (answer, "topic"), accord_json_get_string (answer, "publisher"),
                accord_json_get_string (answer, "message_id"),
                json_object_get_string (json_object_object_get (answer, "index")), count,
                accord_json_get_string (answer, "tx"), accord_json_get_string (answer, "broker"),
                json_object_get_string (json_object_object_get (proof, "index")),
                json_object_get_string (json_object_object_get (proof, "count")), (unsigned long long) header.height,
                json_object_array_length (accord_json_get_array (cert, "votes")), genesis.validators.count,
                accord_validators_quorum (&genesis.validators), json_object_get_string (json_object_object_get (cert, "view")));
    }
    json_object_put (receipt);
    json_object_put (proof);
    json_object_put (answer);
    accord_client_destroy (&client);
    return rc;
}
