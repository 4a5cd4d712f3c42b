#include "execute.h"
#include "module.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/merkle.h"
#include <stdio.h>
#include <string.h>

static void
s_nonce_key (char key [96], const uint8_t sender [ACCORD_PUBKEY_SIZE])
{
    char hex [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_key_hex (hex, sender);
    snprintf (key, 96, "nonce/%s", hex);
}

//  Integers below 2^53 are exact in JSON; their canonical (RFC 8785) form is their decimal
//  text. Nonces, heights and indexes are written and read in that form without a JSON parser
//  on the hot path, and through json-c beyond it, so the bytes are the same either way.
#define S_EXACT_MAX ((uint64_t) 1 << 53)

uint64_t
accord_nonce_get (accord_state_t *state, const uint8_t sender [ACCORD_PUBKEY_SIZE])
{
    char key [96];
    s_nonce_key (key, sender);
    size_t len = 0;
    uint8_t *data = accord_state_get (state, key, &len);
    if (!data)
        return 0;
    uint64_t nonce = 0;
    int plain = len > 0 && len <= 15 && (data [0] != '0' || len == 1);
    for (size_t i = 0; plain && i < len; i++) {
        if (data [i] < '0' || data [i] > '9')
            plain = 0;
        else
            nonce = nonce * 10 + (uint64_t) (data [i] - '0');
    }
    if (!plain) {
        json_object *value = accord_json_parse ((const char *) data, len, NULL, 0);
        nonce = value ? (uint64_t) json_object_get_int64 (value) : 0;
        json_object_put (value);
    }
    free (data);
    return nonce;
}

static int
s_nonce_put (accord_state_t *state, const uint8_t sender [ACCORD_PUBKEY_SIZE], uint64_t nonce)
{
    char key [96];
    s_nonce_key (key, sender);
    if (nonce < S_EXACT_MAX) {
        char text [24];
        int len = snprintf (text, sizeof text, "%llu", (unsigned long long) nonce);
        return accord_state_put (state, key, text, (size_t) len);
    }
    json_object *value = json_object_new_int64 ((int64_t) nonce);
    int rc = accord_state_put_json (state, key, value);
    json_object_put (value);
    return rc;
}

//  Runs one transaction; returns its status code, with the reason in message.
static int
s_run_tx (accord_exec_t *ctx, accord_state_t *block_state, const accord_block_t *block)
{
    const accord_tx_t *tx = ctx->tx;
    if (strcmp (tx->chain_id, block->header.chain_id)) {
        snprintf (ctx->message, sizeof ctx->message, "transaction is for chain '%s'", tx->chain_id);
        return ACCORD_E_WRONG_CHAIN;
    }
    if (tx->expiry < block->header.height) {
        snprintf (ctx->message, sizeof ctx->message, "expired at height %llu", (unsigned long long) tx->expiry);
        return ACCORD_E_EXPIRED;
    }
    uint64_t last = accord_nonce_get (block_state, tx->sender);
    if (tx->nonce <= last) {
        snprintf (ctx->message, sizeof ctx->message, "nonce %llu is not above %llu",
                  (unsigned long long) tx->nonce, (unsigned long long) last);
        return ACCORD_E_STALE_NONCE;
    }
    //  The nonce is spent even when the module refuses the call, so the call cannot be replayed.
    s_nonce_put (block_state, tx->sender, tx->nonce);
    int rc = accord_module_execute_call (ctx);
    if (rc == ACCORD_OK)
        accord_state_merge (ctx->state);
    return rc;
}

//  Canonical JSON of an integer as the old json-c path wrote it (int64): decimal text when
//  exact, else through the canonical writer.
static void
s_canonical_int (char out [40], uint64_t value)
{
    if (value < S_EXACT_MAX) {
        snprintf (out, 40, "%llu", (unsigned long long) value);
        return;
    }
    json_object *number = json_object_new_int64 ((int64_t) value);
    char *text = accord_json_canonical (number);
    snprintf (out, 40, "%s", text ? text : "null");
    free (text);
    json_object_put (number);
}

//  Appends a JSON string: names and messages are plain ASCII in practice and go as they are;
//  anything else through the canonical writer. -1 when it has no canonical form.
static int
s_put_string (accord_buf_t *out, const char *text)
{
    int plain = 1;
    for (const unsigned char *p = (const unsigned char *) text; *p && plain; p++)
        plain = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\';
    if (plain) {
        accord_buf_u8 (out, '"');
        accord_buf_bytes (out, text, strlen (text));
        accord_buf_u8 (out, '"');
        return 0;
    }
    json_object *string = json_object_new_string (text);
    char *canonical = accord_json_canonical (string);
    json_object_put (string);
    if (!canonical)
        return -1;
    accord_buf_bytes (out, canonical, strlen (canonical));
    free (canonical);
    return 0;
}

//  The receipt's canonical text, written directly with its members in RFC 8785 order:
//  {"height", "index", "logs": [{"data", "event", "module"}], "message", "status", "tx"}.
//  NULL when a log's data has no canonical form.
static char *
s_receipt_text (uint64_t height, size_t index, int rc, const char *message,
                const accord_logs_t *logs, const char *hash, size_t *len)
{
    char number [40];
    accord_buf_t out;
    accord_buf_init (&out);
    int failed = 0;
    s_canonical_int (number, height);
    accord_buf_bytes (&out, "{\"height\":", 10);
    accord_buf_bytes (&out, number, strlen (number));
    s_canonical_int (number, index);
    accord_buf_bytes (&out, ",\"index\":", 9);
    accord_buf_bytes (&out, number, strlen (number));
    accord_buf_bytes (&out, ",\"logs\":[", 9);
    for (size_t i = 0; rc == ACCORD_OK && i < logs->count; i++) {
        const accord_log_t *log = &logs->items [i];
        if (!log->data)
            failed = 1;
        else {
            accord_buf_bytes (&out, i ? ",{\"data\":" : "{\"data\":", i ? 9 : 8);
            accord_buf_bytes (&out, log->data, strlen (log->data));
            accord_buf_bytes (&out, ",\"event\":", 9);
            failed |= s_put_string (&out, log->event);
            accord_buf_bytes (&out, ",\"module\":", 10);
            failed |= s_put_string (&out, log->module);
            accord_buf_u8 (&out, '}');
        }
    }
    accord_buf_bytes (&out, "],\"message\":", 12);
    failed |= s_put_string (&out, message);
    accord_buf_bytes (&out, ",\"status\":", 10);
    failed |= s_put_string (&out, accord_err_name (rc));
    accord_buf_bytes (&out, ",\"tx\":", 6);
    failed |= s_put_string (&out, hash);
    accord_buf_bytes (&out, "}", 2);          //  with the NUL
    if (failed || out.failed) {
        accord_buf_reset (&out);
        *len = 0;
        return NULL;
    }
    char *text = (char *) accord_buf_take (&out, len);
    *len -= 1;
    return text;
}

accord_execution_t *
accord_execution_run (accord_store_t *store, const accord_genesis_t *genesis,
                      const accord_block_t *block)
{
    accord_execution_t *self = calloc (1, sizeof *self);
    self->state = accord_state_new (store, NULL);
    self->count = block->tx_count;
    self->receipts = calloc (block->tx_count + 1, sizeof *self->receipts);
    self->receipt_lens = calloc (block->tx_count + 1, sizeof *self->receipt_lens);
    uint8_t (*leaves)[ACCORD_HASH_SIZE] = malloc ((block->tx_count + 1) * ACCORD_HASH_SIZE);
    for (size_t i = 0; i < block->tx_count; i++) {
        const accord_tx_t *tx = block->txs [i];
        accord_exec_t ctx = {
            .state = accord_state_new (store, self->state), .tx = tx, .genesis = genesis,
            .height = block->header.height, .timestamp_ms = block->header.timestamp_ms,
            .index = (uint32_t) i
        };
        int rc = s_run_tx (&ctx, self->state, block);
        char hash [2 * ACCORD_HASH_SIZE + 1];
        accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
        size_t len = 0;
        char *text = s_receipt_text (block->header.height, i, rc, rc ? ctx.message : "", &ctx.logs, hash, &len);
        self->receipts [i] = (uint8_t *) text;
        self->receipt_lens [i] = len;
        accord_merkle_leaf_hash (leaves [i], text, len);
        //  The logs of a successful transaction move to the block's list
        for (size_t j = 0; rc == ACCORD_OK && j < ctx.logs.count; j++) {
            accord_logs_t *logs = &self->logs;
            if (logs->count == logs->cap) {
                size_t cap = logs->cap ? 2 * logs->cap : 64;
                accord_log_t *items = realloc (logs->items, cap * sizeof *items);
                if (!items)
                    break;
                logs->items = items;
                logs->cap = cap;
            }
            logs->items [logs->count++] = ctx.logs.items [j];
            ctx.logs.items [j].data = NULL;
        }
        accord_logs_reset (&ctx.logs);
        accord_state_destroy (&ctx.state);
    }
    accord_merkle_root (self->receipts_root, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, block->tx_count);
    free (leaves);
    uint8_t prev_root [ACCORD_HASH_SIZE];
    accord_store_state_root (store, prev_root);
    accord_state_root (self->state, prev_root, self->state_root);
    accord_genesis_t *next = malloc (sizeof *next);
    *next = *genesis;
    if (accord_system_validators (self->state, next))
        *next = *genesis;   //  cannot happen: the module wrote a checked set
    accord_validators_hash (&next->validators, self->next_validators_hash);
    free (next);
    return self;
}

void
accord_execution_destroy (accord_execution_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_execution_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free (self->receipts [i]);
    free (self->receipts);
    free (self->receipt_lens);
    accord_logs_reset (&self->logs);
    accord_state_destroy (&self->state);
    free (self);
    *self_p = NULL;
}
