/*  byzantine: a TEST-ONLY faulty validator, so that cluster tests can check that the honest
    nodes neither fork nor stall (chain/README.md, "Test-only Byzantine mode").

    Enabled only by the environment variable ACCORD_TEST_BYZANTINE, read once at start:
    a comma-separated list of equivocate, forge, garbage (or all). An unknown name stops the
    node from starting; a known one is logged loudly. Nothing in config.json or genesis.json
    turns it on. Without the variable the node never calls into this file's behaviours.

    The node keeps running its honest code; these hooks replace or add to what it sends:
        equivocate  leader: two different valid blocks for one (height, view), in a different
                    order to different peers, and votes for the block each peer got first;
                    replica: votes for another digest, or two digests, to some peers.
        forge       votes signed with our key that claim another validator; votes with a bad
                    signature; VIEW_CHANGE and NEW_VIEW with huge views and forged or missing
                    certificates; prepared and commit certificates that do not verify; a
                    STATUS that claims a far height, many times a second; blocks with forged
                    commit certificates, also in answer to SYNC_REQUEST.
        garbage     random frames, truncated and oversized frames, bad versions, extra frames,
                    unknown message types, undecodable payloads. */
#ifndef ACCORD_CHAIN_BYZANTINE_H
#define ACCORD_CHAIN_BYZANTINE_H

#include <czmq.h>
#include "accord/config.h"
#include "msg.h"
#include "store.h"

#define ACCORD_BYZ_ENV "ACCORD_TEST_BYZANTINE"

typedef enum {
    ACCORD_BYZ_EQUIVOCATE = 1,
    ACCORD_BYZ_FORGE = 2,
    ACCORD_BYZ_GARBAGE = 4
} accord_byz_mode_t;

typedef struct _accord_byz_t accord_byz_t;

//  What the node lends for one call; everything is borrowed.
typedef struct {
    zsock_t *const *peers;              //  DEALER per validator index (NULL for ourselves)
    int me;                             //  our validator index
    accord_key_t *key;
    const accord_genesis_t *genesis;
    accord_store_t *store;
    uint64_t height;                    //  height being decided
    uint64_t view;
} accord_byz_env_t;

//  From the value of ACCORD_TEST_BYZANTINE. NULL with *err empty when modes is NULL or empty;
//  NULL with a reason in err for an unknown mode.
accord_byz_t *accord_byz_new (const char *modes, char *err, size_t err_size);
void accord_byz_destroy (accord_byz_t **self_p);
//  The modes as given, for logs.
const char *accord_byz_modes (const accord_byz_t *self);

//  Leader: instead of broadcasting PROPOSE for block (ours, executed), send conflicting
//  proposals. Returns 1 when it sent them, 0 when the node should broadcast as usual.
int accord_byz_propose (accord_byz_t *self, const accord_byz_env_t *env, const accord_block_t *block);
//  Instead of broadcasting our PREPARE or COMMIT vote for digest, send conflicting votes.
//  Returns 1 when it sent them, 0 when the node should broadcast as usual.
int accord_byz_vote (accord_byz_t *self, const accord_byz_env_t *env, accord_msg_type_t type,
                     const uint8_t digest [ACCORD_HASH_SIZE]);
//  A peer asked us for blocks from height: answer with a forged one instead. Returns 1 when
//  it answered, 0 when the node should answer as usual.
int accord_byz_sync_request (accord_byz_t *self, const accord_byz_env_t *env, int peer, uint64_t height);
//  Every tick of the node: forged messages and garbage, by mode, at their own pace.
void accord_byz_tick (accord_byz_t *self, const accord_byz_env_t *env);

#endif
