#include "accord/tx.h"
#include "accord/buf.h"
#include "accord/encoding.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_tx_tag [] = "accord.tx.v1";

static int
s_name_ok (const char *name, size_t max)
{
    size_t len = name ? strlen (name) : 0;
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) name [i] < 0x21 || (unsigned char) name [i] > 0x7e)
            return 0;
    return 1;
}

accord_tx_t *
accord_tx_new (const char *chain_id, const char *module, const char *method,
               const char *args, uint64_t nonce, uint64_t expiry)
{
    if (!s_name_ok (chain_id, ACCORD_CHAIN_ID_MAX) || !s_name_ok (module, ACCORD_NAME_MAX)
    ||  !s_name_ok (method, ACCORD_NAME_MAX) || !args || strlen (args) > ACCORD_TX_ARGS_MAX)
        return NULL;
    accord_tx_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    strcpy (self->chain_id, chain_id);
    strcpy (self->module, module);
    strcpy (self->method, method);
    self->args = strdup (args);
    self->args_len = strlen (args);
    self->nonce = nonce;
    self->expiry = expiry;
    if (!self->args)
        accord_tx_destroy (&self);
    return self;
}

void
accord_tx_destroy (accord_tx_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_tx_t *self = *self_p;
    free (self->args);
    free (self->raw);
    free (self);
    *self_p = NULL;
}

//  The signed part: every field but the signature.
static void
s_encode_body (const accord_tx_t *self, accord_buf_t *out)
{
    accord_buf_u8 (out, ACCORD_TX_VERSION);
    accord_buf_str8 (out, self->chain_id);
    accord_buf_bytes (out, self->sender, ACCORD_PUBKEY_SIZE);
    accord_buf_u64 (out, self->nonce);
    accord_buf_u64 (out, self->expiry);
    accord_buf_str8 (out, self->module);
    accord_buf_str8 (out, self->method);
    accord_buf_blob (out, self->args, self->args_len);
}

static void
s_hash_body (const uint8_t *body, size_t len, uint8_t hash [ACCORD_HASH_SIZE])
{
    const void *parts [] = { s_tx_tag, body };
    size_t lens [] = { sizeof s_tx_tag - 1, len };
    accord_sha256_parts (hash, 2, parts, lens);
}

int
accord_tx_sign (accord_tx_t *self, accord_key_t *key)
{
    memcpy (self->sender, accord_key_public (key), ACCORD_PUBKEY_SIZE);
    accord_buf_t out;
    accord_buf_init (&out);
    s_encode_body (self, &out);
    s_hash_body (out.data, out.len, self->hash);
    if (accord_key_sign (key, self->sig, self->hash)) {
        accord_buf_reset (&out);
        return -1;
    }
    accord_buf_bytes (&out, self->sig, ACCORD_SIG_SIZE);
    if (out.failed) {
        accord_buf_reset (&out);
        return -1;
    }
    free (self->raw);
    self->raw = accord_buf_take (&out, &self->raw_len);
    return 0;
}

accord_tx_t *
accord_tx_decode (const uint8_t *data, size_t len, char *err, size_t err_size)
{
    char scratch [8];
    if (!err) {
        err = scratch;
        err_size = sizeof scratch;
    }
    if (len > ACCORD_TX_MAX) {
        snprintf (err, err_size, "transaction of %zu bytes exceeds %d", len, ACCORD_TX_MAX);
        return NULL;
    }
    accord_tx_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, err_size, "out of memory");
        return NULL;
    }
    accord_reader_t in;
    accord_reader_init (&in, data, len);
    uint8_t version = accord_reader_u8 (&in);
    accord_reader_str8 (&in, self->chain_id, sizeof self->chain_id);
    accord_reader_copy (&in, self->sender, ACCORD_PUBKEY_SIZE);
    self->nonce = accord_reader_u64 (&in);
    self->expiry = accord_reader_u64 (&in);
    accord_reader_str8 (&in, self->module, sizeof self->module);
    accord_reader_str8 (&in, self->method, sizeof self->method);
    size_t args_len;
    const uint8_t *args = accord_reader_blob (&in, ACCORD_TX_ARGS_MAX, &args_len);
    size_t body_len = len - in.left;
    accord_reader_copy (&in, self->sig, ACCORD_SIG_SIZE);
    if (accord_reader_done (&in)) {
        snprintf (err, err_size, "malformed transaction encoding");
        goto fail;
    }
    if (version != ACCORD_TX_VERSION) {
        snprintf (err, err_size, "unknown transaction version %u", version);
        goto fail;
    }
    if (!s_name_ok (self->chain_id, ACCORD_CHAIN_ID_MAX) || !s_name_ok (self->module, ACCORD_NAME_MAX)
    ||  !s_name_ok (self->method, ACCORD_NAME_MAX)) {
        snprintf (err, err_size, "chain id, module or method is empty or not printable");
        goto fail;
    }
    if (memchr (args, 0, args_len)) {
        snprintf (err, err_size, "arguments contain a NUL byte");
        goto fail;
    }
    self->args = malloc (args_len + 1);
    self->raw = malloc (len);
    if (!self->args || !self->raw) {
        snprintf (err, err_size, "out of memory");
        goto fail;
    }
    memcpy (self->args, args, args_len);
    self->args [args_len] = 0;
    self->args_len = args_len;
    memcpy (self->raw, data, len);
    self->raw_len = len;
    s_hash_body (data, body_len, self->hash);
    return self;
fail:
    accord_tx_destroy (&self);
    return NULL;
}

accord_tx_t *
accord_tx_copy (const accord_tx_t *self)
{
    accord_tx_t *copy = self ? malloc (sizeof *copy) : NULL;
    if (!copy)
        return NULL;
    *copy = *self;
    copy->args = malloc (self->args_len + 1);
    copy->raw = self->raw ? malloc (self->raw_len) : NULL;
    if (!copy->args || (self->raw && !copy->raw)) {
        free (copy->args);
        free (copy->raw);
        free (copy);
        return NULL;
    }
    memcpy (copy->args, self->args, self->args_len + 1);
    if (self->raw)
        memcpy (copy->raw, self->raw, self->raw_len);
    return copy;
}

int
accord_tx_verify (const accord_tx_t *self)
{
    return accord_sig_verify_key (self->sender, self->sig, self->hash);
}

static json_object *
s_hex (const uint8_t *data, size_t len)
{
    char text [2 * ACCORD_SIG_SIZE + 1];
    accord_hex_encode (text, sizeof text, data, len);
    return json_object_new_string (text);
}

json_object *
accord_tx_to_json (const accord_tx_t *self)
{
    json_object *obj = json_object_new_object ();
    json_object_object_add (obj, "hash", s_hex (self->hash, ACCORD_HASH_SIZE));
    json_object_object_add (obj, "chain_id", json_object_new_string (self->chain_id));
    json_object_object_add (obj, "sender", s_hex (self->sender, ACCORD_PUBKEY_SIZE));
    json_object_object_add (obj, "nonce", json_object_new_int64 ((int64_t) self->nonce));
    json_object_object_add (obj, "expiry", json_object_new_int64 ((int64_t) self->expiry));
    json_object_object_add (obj, "module", json_object_new_string (self->module));
    json_object_object_add (obj, "method", json_object_new_string (self->method));
    json_object *args = json_tokener_parse (self->args);
    json_object_object_add (obj, "args", args ? args : json_object_new_string (self->args));
    json_object_object_add (obj, "signature", s_hex (self->sig, ACCORD_SIG_SIZE));
    return obj;
}
