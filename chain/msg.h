/*  msg: messages between validators (peer protocol "ACP1", see README.md).

    One frame after the "ACP1" frame:
        u8 type, u16 from (validator index), u64 view, u64 height, 32 digest, blob payload,
        64 signature
    `from` is 0xFFFF for a node outside the validator set (an observer, or a validator that
    has not yet caught up to the block that admitted it); such a node may only ask for
    blocks (SYNC_REQUEST), which are answered on the requesting connection and need no
    signature check because every block carries its certificate.
    PREPARE and COMMIT sign the vote digest (accord/block.h) so that their signatures form
    certificates; every other type signs SHA-256("accord.peer.v1" || str8 chain id || the
    bytes before the signature). */
#ifndef ACCORD_CHAIN_MSG_H
#define ACCORD_CHAIN_MSG_H

#include "accord/block.h"

#define ACCORD_PEER_VERSION "ACP1"
#define ACCORD_MSG_MAX (ACCORD_BLOCK_MAX_BYTES + 4096)
#define ACCORD_MSG_FROM_OBSERVER 0xFFFF

typedef enum {
    ACCORD_MSG_PROPOSE = 1,       //  digest = block hash; payload = block without certificate
    ACCORD_MSG_PREPARE,           //  digest = block hash
    ACCORD_MSG_COMMIT,            //  digest = block hash
    ACCORD_MSG_VIEW_CHANGE,       //  view = the view asked for; payload = prepared certificate
    ACCORD_MSG_NEW_VIEW,          //  payload = view changes + the block to decide
    ACCORD_MSG_STATUS,            //  height = last committed, digest = its hash
    ACCORD_MSG_SYNC_REQUEST,      //  height = first height wanted
    ACCORD_MSG_SYNC_BLOCKS,       //  payload = u16 count, count x blob block with certificate
    ACCORD_MSG_TXS,               //  payload = u32 count, count x blob transaction
    ACCORD_MSG__LAST
} accord_msg_type_t;

typedef struct {
    uint8_t type;
    uint16_t from;
    uint64_t view;
    uint64_t height;
    uint8_t digest [ACCORD_HASH_SIZE];
    uint8_t *payload;           //  points into raw
    size_t payload_len;
    uint8_t sig [ACCORD_SIG_SIZE];
    uint8_t *raw;               //  owned encoding
    size_t raw_len;
} accord_msg_t;

const char *accord_msg_type_name (int type);

//  Builds and signs a message; payload is copied. NULL on failure.
accord_msg_t *accord_msg_new (accord_msg_type_t type, uint16_t from, uint64_t view, uint64_t height,
                              const uint8_t digest [ACCORD_HASH_SIZE], const void *payload,
                              size_t payload_len, accord_key_t *key, const char *chain_id);
//  Decodes (does not verify). NULL for malformed input.
accord_msg_t *accord_msg_decode (const uint8_t *data, size_t len);
//  0 when the signature is from validator `from` of set, else -1.
int accord_msg_verify (const accord_msg_t *self, const char *chain_id, const accord_validators_t *set);
void accord_msg_destroy (accord_msg_t **self_p);

//  A prepared certificate: a block and a quorum of PREPARE votes for it in one view.
typedef struct {
    uint64_t view;
    accord_block_t *block;      //  owned
    accord_cert_t votes;        //  votes.view == view, PREPARE phase
} accord_prepared_t;

void accord_prepared_encode (const accord_prepared_t *self, accord_buf_t *out);
//  Decodes from a reader (a VIEW_CHANGE payload or the store). Returns 0 or -2.
int accord_prepared_decode (accord_prepared_t *self, accord_reader_t *in);
//  Checks block height, chain and the votes' quorum. 0 or -1.
int accord_prepared_verify (const accord_prepared_t *self, uint64_t height,
                            const char *chain_id, const accord_validators_t *set);
void accord_prepared_clear (accord_prepared_t *self);

#endif
