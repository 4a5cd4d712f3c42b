#include "msg.h"
#include <stdlib.h>
#include <string.h>

static const char s_peer_tag [] = "accord.peer.v1";

const char *
accord_msg_type_name (int type)
{
    static const char *names [] = { "?", "PROPOSE", "PREPARE", "COMMIT", "VIEW_CHANGE",
                                    "NEW_VIEW", "STATUS", "SYNC_REQUEST", "SYNC_BLOCKS", "TXS" };
    return type > 0 && type < ACCORD_MSG__LAST ? names [type] : "?";
}

static void
s_signing_digest (uint8_t digest [ACCORD_HASH_SIZE], const accord_msg_t *self,
                  const uint8_t *body, size_t body_len, const char *chain_id)
{
    if (self->type == ACCORD_MSG_PREPARE || self->type == ACCORD_MSG_COMMIT) {
        accord_vote_digest (digest, self->type == ACCORD_MSG_PREPARE ? ACCORD_PHASE_PREPARE
                                                                     : ACCORD_PHASE_COMMIT,
                            chain_id, self->view, self->height, self->digest);
        return;
    }
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_bytes (&out, s_peer_tag, sizeof s_peer_tag - 1);
    accord_buf_str8 (&out, chain_id);
    accord_buf_bytes (&out, body, body_len);
    accord_sha256 (digest, out.data, out.len);
    accord_buf_reset (&out);
}

accord_msg_t *
accord_msg_new (accord_msg_type_t type, uint16_t from, uint64_t view, uint64_t height,
                const uint8_t digest [ACCORD_HASH_SIZE], const void *payload,
                size_t payload_len, accord_key_t *key, const char *chain_id)
{
    accord_msg_t *self = calloc (1, sizeof *self);
    self->type = (uint8_t) type;
    self->from = from;
    self->view = view;
    self->height = height;
    if (digest)
        memcpy (self->digest, digest, ACCORD_HASH_SIZE);
    accord_buf_t out;
    accord_buf_init (&out);
    accord_buf_u8 (&out, self->type);
    accord_buf_u16 (&out, from);
    accord_buf_u64 (&out, view);
    accord_buf_u64 (&out, height);
    accord_buf_bytes (&out, self->digest, ACCORD_HASH_SIZE);
    accord_buf_blob (&out, payload, payload_len);
    uint8_t signing [ACCORD_HASH_SIZE];
    s_signing_digest (signing, self, out.data, out.len, chain_id);
    if (accord_key_sign (key, self->sig, signing) || out.failed) {
        accord_buf_reset (&out);
        free (self);
        return NULL;
    }
    accord_buf_bytes (&out, self->sig, ACCORD_SIG_SIZE);
    self->raw = accord_buf_take (&out, &self->raw_len);
    self->payload = self->raw + 1 + 2 + 8 + 8 + ACCORD_HASH_SIZE + 4;
    self->payload_len = payload_len;
    return self;
}

accord_msg_t *
accord_msg_decode (const uint8_t *data, size_t len)
{
    if (len > ACCORD_MSG_MAX)
        return NULL;
    accord_msg_t *self = calloc (1, sizeof *self);
    self->raw = malloc (len ? len : 1);
    if (len)
        memcpy (self->raw, data, len);
    self->raw_len = len;
    accord_reader_t in;
    accord_reader_init (&in, self->raw, len);
    self->type = accord_reader_u8 (&in);
    self->from = accord_reader_u16 (&in);
    self->view = accord_reader_u64 (&in);
    self->height = accord_reader_u64 (&in);
    accord_reader_copy (&in, self->digest, ACCORD_HASH_SIZE);
    self->payload = (uint8_t *) accord_reader_blob (&in, ACCORD_MSG_MAX, &self->payload_len);
    accord_reader_copy (&in, self->sig, ACCORD_SIG_SIZE);
    if (accord_reader_done (&in) || self->type == 0 || self->type >= ACCORD_MSG__LAST
    ||  (self->from >= ACCORD_MAX_VALIDATORS && self->from != ACCORD_MSG_FROM_OBSERVER))
        accord_msg_destroy (&self);
    return self;
}

int
accord_msg_verify (const accord_msg_t *self, const char *chain_id, const accord_validators_t *set)
{
    if (self->from >= set->count)
        return -1;
    uint8_t signing [ACCORD_HASH_SIZE];
    s_signing_digest (signing, self, self->raw, self->raw_len - ACCORD_SIG_SIZE, chain_id);
    return accord_sig_verify_key (set->keys [self->from], self->sig, signing);
}

void
accord_msg_destroy (accord_msg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->raw);
    free (*self_p);
    *self_p = NULL;
}

void
accord_prepared_encode (const accord_prepared_t *self, accord_buf_t *out)
{
    accord_buf_u8 (out, self->block ? 1 : 0);
    if (!self->block)
        return;
    accord_buf_u64 (out, self->view);
    accord_buf_t block;
    accord_buf_init (&block);
    accord_block_encode (self->block, &block, 0);
    accord_buf_blob (out, block.data, block.len);
    accord_buf_reset (&block);
    accord_cert_encode (&self->votes, out);
}

int
accord_prepared_decode (accord_prepared_t *self, accord_reader_t *in)
{
    memset (self, 0, sizeof *self);
    if (accord_reader_u8 (in) == 0)
        return in->failed ? -2 : 0;
    self->view = accord_reader_u64 (in);
    size_t len;
    const uint8_t *raw = accord_reader_blob (in, ACCORD_BLOCK_MAX_BYTES, &len);
    accord_cert_decode (&self->votes, in);
    if (in->failed || !raw)
        return -2;
    self->block = accord_block_decode (raw, len, NULL, 0);
    return self->block ? 0 : -2;
}

int
accord_prepared_verify (const accord_prepared_t *self, uint64_t height,
                        const char *chain_id, const accord_validators_t *set)
{
    if (!self->block)
        return 0;
    const accord_block_t *block = self->block;
    if (block->header.height != height || strcmp (block->header.chain_id, chain_id)
    ||  self->votes.view != self->view)
        return -1;
    uint8_t digest [ACCORD_HASH_SIZE];
    accord_vote_digest (digest, ACCORD_PHASE_PREPARE, chain_id, self->view, height, block->hash);
    return accord_cert_count_valid (&self->votes, set, digest) >= accord_validators_quorum (set) ? 0 : -1;
}

void
accord_prepared_clear (accord_prepared_t *self)
{
    accord_block_destroy (&self->block);
    memset (self, 0, sizeof *self);
}
