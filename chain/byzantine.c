/*  byzantine: the test-only faulty validator. See byzantine.h and README.md.

    Everything here is sent with our own validator key: a Byzantine validator holds its key
    but no other. What it cannot do (sign for another validator, make a quorum alone) is
    exactly what the honest nodes rely on; what it can do is try. */
#include "byzantine.h"
#include "execute.h"
#include <stdlib.h>
#include <string.h>

#define BYZ_MODES_MAX   64
#define BYZ_OVERSIZE_AT 3           //  the first heartbeat that may send a frame over the limit
#define BYZ_SPLIT_PERIOD 5          //  equivocating leader: no early COMMIT at these heights
#define BYZ_BEAT_MS     500         //  forged messages and garbage, this often
#define BYZ_CLAIM_MS    20          //  a STATUS that claims a far height, this often

struct _accord_byz_t {
    int modes;
    char text [BYZ_MODES_MAX];
    uint64_t beats;
    int64_t next_beat;
    int64_t next_claim;
    int oversized;                  //  sent the frame over the limit
    //  Our last equivocation as leader, and which block each peer got first.
    int proposed;
    uint64_t height;
    uint64_t view;
    uint8_t first [ACCORD_MAX_VALIDATORS][ACCORD_HASH_SIZE];
};

static const struct {
    const char *name;
    int modes;
} s_names [] = {
    { "equivocate", ACCORD_BYZ_EQUIVOCATE },
    { "forge", ACCORD_BYZ_FORGE },
    { "garbage", ACCORD_BYZ_GARBAGE },
    { "all", ACCORD_BYZ_EQUIVOCATE | ACCORD_BYZ_FORGE | ACCORD_BYZ_GARBAGE }
};

accord_byz_t *
accord_byz_new (const char *modes, char *err, size_t err_size)
{
    snprintf (err, err_size, "%s", "");
    if (!modes || !*modes)
        return NULL;
    if (strlen (modes) >= BYZ_MODES_MAX) {
        snprintf (err, err_size, "%s is too long", ACCORD_BYZ_ENV);
        return NULL;
    }
    int set = 0;
    for (const char *item = modes; ; item++) {
        size_t len = strcspn (item, ",");
        int found = 0;
        for (size_t i = 0; i < sizeof s_names / sizeof s_names [0]; i++)
            if (strlen (s_names [i].name) == len && strncmp (item, s_names [i].name, len) == 0) {
                set |= s_names [i].modes;
                found = 1;
            }
        if (!found) {
            snprintf (err, err_size, "%s: unknown mode '%.*s' (equivocate, forge, garbage, all)",
                      ACCORD_BYZ_ENV, (int) len, item);
            return NULL;
        }
        item += len;
        if (!*item)
            break;
    }
    accord_byz_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, err_size, "out of memory");
        return NULL;
    }
    self->modes = set;
    snprintf (self->text, sizeof self->text, "%s", modes);
    return self;
}

void
accord_byz_destroy (accord_byz_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

const char *
accord_byz_modes (const accord_byz_t *self)
{
    return self->text;
}

//  --------------------------------------------------------------------------
//  Sending

static void
s_random (void *buf, size_t len)
{
    if (accord_random (buf, len))
        memset (buf, 0x42, len);
}

static size_t
s_count (const accord_byz_env_t *env)
{
    return env->genesis->validators.count;
}

static int
s_is_peer (const accord_byz_env_t *env, size_t index)
{
    return (int) index != env->me && env->peers [index];
}

//  Sends frames (version may be NULL: one frame only; extra may be NULL).
static void
s_send_frames (zsock_t *peer, const char *version, const void *body, size_t len, const char *extra)
{
    zmsg_t *out = zmsg_new ();
    if (version)
        zmsg_addstr (out, version);
    zmsg_addmem (out, body, len);
    if (extra)
        zmsg_addstr (out, extra);
    if (zmsg_send (&out, peer))
        zmsg_destroy (&out);
}

//  A message signed with our key; from may claim another validator, spoil breaks the signature.
static accord_msg_t *
s_signed (const accord_byz_env_t *env, int type, uint16_t from, uint64_t view, uint64_t height,
          const uint8_t *digest, const void *payload, size_t len, int spoil)
{
    accord_msg_t *msg = accord_msg_new ((accord_msg_type_t) type, from, view, height, digest, payload,
                                        len, env->key, env->genesis->chain_id);
    if (msg && spoil)
        msg->raw [msg->raw_len - 1 - ACCORD_SIG_SIZE / 2] ^= 0x01;
    return msg;
}

static void
s_send_signed (const accord_byz_env_t *env, size_t peer, int type, uint16_t from, uint64_t view,
               uint64_t height, const uint8_t *digest, const void *payload, size_t len, int spoil)
{
    accord_msg_t *msg = s_signed (env, type, from, view, height, digest, payload, len, spoil);
    if (msg)
        s_send_frames (env->peers [peer], ACCORD_PEER_VERSION, msg->raw, msg->raw_len, NULL);
    accord_msg_destroy (&msg);
}

//  --------------------------------------------------------------------------
//  Equivocation

//  Another valid block for the same height: one transaction fewer, or a later timestamp.
static accord_block_t *
s_variant (const accord_byz_env_t *env, const accord_block_t *block)
{
    accord_buf_t raw;
    accord_buf_init (&raw);
    accord_block_encode (block, &raw, 0);
    accord_block_t *other = raw.failed ? NULL : accord_block_decode (raw.data, raw.len, NULL, 0);
    accord_buf_reset (&raw);
    if (!other)
        return NULL;
    if (other->tx_count >= 2)
        accord_tx_destroy (&other->txs [--other->tx_count]);
    else
        other->header.timestamp_ms++;
    other->header.tx_count = (uint32_t) other->tx_count;
    accord_block_tx_root (other, other->header.tx_root);
    accord_execution_t *execution = accord_execution_run (env->store, env->genesis, other);
    if (!execution) {
        accord_block_destroy (&other);
        return NULL;
    }
    memcpy (other->header.receipts_root, execution->receipts_root, ACCORD_HASH_SIZE);
    memcpy (other->header.state_root, execution->state_root, ACCORD_HASH_SIZE);
    accord_execution_destroy (&execution);
    accord_header_hash (&other->header, other->hash);
    return other;
}

int
accord_byz_propose (accord_byz_t *self, const accord_byz_env_t *env, const accord_block_t *block)
{
    if (!(self->modes & ACCORD_BYZ_EQUIVOCATE) || env->me < 0)
        return 0;
    accord_block_t *other = s_variant (env, block);
    if (!other)
        return 0;
    const accord_block_t *blocks [2] = { block, other };
    accord_buf_t raw [2];
    for (int i = 0; i < 2; i++) {
        accord_buf_init (&raw [i]);
        accord_block_encode (blocks [i], &raw [i], 0);
    }
    self->proposed = 1;
    self->height = env->height;
    self->view = env->view;
    //  Peers with an even index get our block first, the others the variant; each gets both,
    //  so every honest peer holds one and sees the other.
    for (size_t peer = 0; peer < s_count (env); peer++) {
        if (!s_is_peer (env, peer))
            continue;
        int first = (int) (peer % 2);
        for (int k = 0; k < 2; k++) {
            int which = (first + k) % 2;
            s_send_signed (env, peer, ACCORD_MSG_PROPOSE, (uint16_t) env->me, env->view, env->height,
                           blocks [which]->hash, raw [which].data, raw [which].len, 0);
        }
        memcpy (self->first [peer], blocks [first]->hash, ACCORD_HASH_SIZE);
    }
    zsys_warning ("BYZANTINE: sent two proposals for height %llu view %llu",
                  (unsigned long long) env->height, (unsigned long long) env->view);
    for (int i = 0; i < 2; i++)
        accord_buf_reset (&raw [i]);
    accord_block_destroy (&other);
    return 1;
}

int
accord_byz_vote (accord_byz_t *self, const accord_byz_env_t *env, accord_msg_type_t type,
                 const uint8_t digest [ACCORD_HASH_SIZE])
{
    if (!(self->modes & ACCORD_BYZ_EQUIVOCATE) || env->me < 0)
        return 0;
    int leading = self->proposed && self->height == env->height && self->view == env->view;
    uint8_t other [ACCORD_HASH_SIZE];
    memcpy (other, digest, ACCORD_HASH_SIZE);
    other [0] ^= 0x5a;
    uint16_t me = (uint16_t) env->me;
    for (size_t peer = 0; peer < s_count (env); peer++) {
        if (!s_is_peer (env, peer))
            continue;
        if (leading) {
            //  Vote for whichever block this peer got first, and COMMIT at once, so that the
            //  peers holding the same block decide it in this view while the others fall
            //  behind and must sync; except every BYZ_SPLIT_PERIOD heights, when no COMMIT
            //  comes and the prepared block must survive a view change.
            s_send_signed (env, peer, type, me, env->view, env->height, self->first [peer], NULL, 0, 0);
            if (type == ACCORD_MSG_PREPARE && env->height % BYZ_SPLIT_PERIOD != 0)
                s_send_signed (env, peer, ACCORD_MSG_COMMIT, me, env->view, env->height,
                               self->first [peer], NULL, 0, 0);
            continue;
        }
        //  Replica: a vote for another digest, both (two votes in one view, the wrong one
        //  last), or none; never a vote the honest nodes can count.
        switch ((peer + env->height) % 3) {
            case 0:
                s_send_signed (env, peer, type, me, env->view, env->height, other, NULL, 0, 0);
                break;
            case 1:
                s_send_signed (env, peer, type, me, env->view, env->height, digest, NULL, 0, 0);
                s_send_signed (env, peer, type, me, env->view, env->height, other, NULL, 0, 0);
                break;
            default:
                break;
        }
    }
    return 1;
}

//  --------------------------------------------------------------------------
//  Forgery

//  An empty block for height, with a certificate of `phase` votes that claims every
//  validator but carries only our signature.
static accord_block_t *
s_forged_block (const accord_byz_env_t *env, accord_phase_t phase, uint64_t view, uint64_t height)
{
    accord_block_t *block = accord_block_new ();
    if (!block)
        return NULL;
    accord_header_t *header = &block->header;
    snprintf (header->chain_id, sizeof header->chain_id, "%s", env->genesis->chain_id);
    header->height = height;
    accord_store_last_hash (env->store, header->prev_hash);
    header->timestamp_ms = (uint64_t) zclock_time ();
    header->proposer = (uint16_t) env->me;
    accord_block_tx_root (block, header->tx_root);
    s_random (header->receipts_root, ACCORD_HASH_SIZE);
    s_random (header->state_root, ACCORD_HASH_SIZE);
    accord_validators_hash (&env->genesis->validators, header->validators_hash);
    accord_header_hash (header, block->hash);
    uint8_t digest [ACCORD_HASH_SIZE], sig [ACCORD_SIG_SIZE];
    accord_vote_digest (digest, phase, env->genesis->chain_id, view, height, block->hash);
    if (accord_key_sign (env->key, sig, digest)) {
        accord_block_destroy (&block);
        return NULL;
    }
    block->cert.view = view;
    for (size_t i = 0; i < s_count (env); i++) {
        block->cert.votes [i].index = (uint16_t) i;
        memcpy (block->cert.votes [i].sig, sig, ACCORD_SIG_SIZE);
    }
    block->cert.count = (uint16_t) s_count (env);
    return block;
}

//  A VIEW_CHANGE payload whose prepared certificate does not verify.
static void
s_forged_prepared (const accord_byz_env_t *env, uint64_t view, accord_buf_t *out)
{
    accord_prepared_t prepared = { .view = view };
    prepared.block = s_forged_block (env, ACCORD_PHASE_PREPARE, view, env->height);
    if (prepared.block)
        prepared.votes = prepared.block->cert;
    accord_prepared_encode (&prepared, out);
    accord_prepared_clear (&prepared);
}

//  A NEW_VIEW payload for view: with rotate 0 no view changes at all; otherwise our own
//  VIEW_CHANGE with a forged certificate, repeated, and VIEW_CHANGEs that claim the others.
static void
s_forged_new_view (const accord_byz_env_t *env, uint64_t view, int rotate, accord_buf_t *out)
{
    if (rotate % 2 == 0) {
        accord_buf_u16 (out, 0);
        accord_buf_u8 (out, 0);
        return;
    }
    accord_buf_t prepared;
    accord_buf_init (&prepared);
    s_forged_prepared (env, view, &prepared);
    size_t count = s_count (env);
    accord_buf_u16 (out, (uint16_t) count);
    for (size_t i = 0; i < count; i++) {
        uint16_t from = i % 2 ? (uint16_t) i : (uint16_t) env->me;
        accord_msg_t *vc = s_signed (env, ACCORD_MSG_VIEW_CHANGE, from, view, env->height, NULL,
                                     prepared.data, prepared.len, 0);
        if (vc)
            accord_buf_blob (out, vc->raw, vc->raw_len);
        else
            accord_buf_blob (out, NULL, 0);
        accord_msg_destroy (&vc);
    }
    accord_block_t *block = s_forged_block (env, ACCORD_PHASE_PREPARE, view, env->height);
    accord_buf_u8 (out, block ? 1 : 0);
    if (block) {
        accord_buf_t raw;
        accord_buf_init (&raw);
        accord_block_encode (block, &raw, 0);
        accord_buf_blob (out, raw.data, raw.len);
        accord_buf_reset (&raw);
    }
    accord_block_destroy (&block);
    accord_buf_reset (&prepared);
}

//  A SYNC_BLOCKS payload: one block for height whose commit certificate is ours alone.
static void
s_forged_sync (const accord_byz_env_t *env, uint64_t height, accord_buf_t *out)
{
    accord_block_t *block = s_forged_block (env, ACCORD_PHASE_COMMIT, env->view, height);
    accord_buf_u16 (out, block ? 1 : 0);
    if (block) {
        accord_buf_t raw;
        accord_buf_init (&raw);
        accord_block_encode (block, &raw, 1);
        accord_buf_blob (out, raw.data, raw.len);
        accord_buf_reset (&raw);
    }
    accord_block_destroy (&block);
}

int
accord_byz_sync_request (accord_byz_t *self, const accord_byz_env_t *env, int peer, uint64_t height)
{
    if (!(self->modes & ACCORD_BYZ_FORGE) || env->me < 0 || peer < 0 || !s_is_peer (env, (size_t) peer))
        return 0;
    accord_buf_t sync;
    accord_buf_init (&sync);
    s_forged_sync (env, height, &sync);
    s_send_signed (env, (size_t) peer, ACCORD_MSG_SYNC_BLOCKS, (uint16_t) env->me, env->view, height,
                   NULL, sync.data, sync.len, 0);
    accord_buf_reset (&sync);
    return 1;
}

static void
s_forge (accord_byz_t *self, const accord_byz_env_t *env)
{
    size_t n = s_count (env);
    uint16_t me = (uint16_t) env->me;
    uint16_t other = (uint16_t) ((env->me + 1) % n);
    //  A view that we lead and that a node can still add one to.
    uint64_t huge = (UINT64_MAX / n - 1) * n + me;
    uint8_t digest [ACCORD_HASH_SIZE];
    s_random (digest, sizeof digest);

    accord_buf_t forged_vc, no_cert, new_view, sync;
    accord_buf_init (&forged_vc);
    accord_buf_init (&no_cert);
    accord_buf_init (&new_view);
    accord_buf_init (&sync);
    s_forged_prepared (env, huge - n, &forged_vc);
    accord_buf_u8 (&no_cert, 0);
    s_forged_new_view (env, huge, (int) self->beats, &new_view);
    s_forged_sync (env, env->height, &sync);

    for (size_t peer = 0; peer < n; peer++) {
        if (!s_is_peer (env, peer))
            continue;
        //  Votes: signed by us but claiming another validator; ours with a broken signature.
        s_send_signed (env, peer, ACCORD_MSG_PREPARE, other, env->view, env->height, digest, NULL, 0, 0);
        s_send_signed (env, peer, ACCORD_MSG_COMMIT, me, env->view, env->height, digest, NULL, 0, 1);
        //  View changes to huge views: a prepared certificate that does not verify; none.
        s_send_signed (env, peer, ACCORD_MSG_VIEW_CHANGE, me, huge - n, env->height, NULL,
                       forged_vc.data, forged_vc.len, 0);
        s_send_signed (env, peer, ACCORD_MSG_VIEW_CHANGE, me, huge - 2 * n, env->height, NULL,
                       no_cert.data, no_cert.len, 0);
        //  NEW_VIEW for a huge view we lead, without a quorum of valid view changes.
        s_send_signed (env, peer, ACCORD_MSG_NEW_VIEW, me, huge, env->height, NULL,
                       new_view.data, new_view.len, 0);
        //  A block for the height being decided whose commit certificate is ours alone.
        s_send_signed (env, peer, ACCORD_MSG_SYNC_BLOCKS, me, env->view, env->height, NULL,
                       sync.data, sync.len, 0);
        //  A vote for a height nobody is at, in a view nobody is in.
        s_send_signed (env, peer, ACCORD_MSG_PREPARE, me, huge, env->height + 1000, digest, NULL, 0, 0);
    }
    accord_buf_reset (&forged_vc);
    accord_buf_reset (&no_cert);
    accord_buf_reset (&new_view);
    accord_buf_reset (&sync);
}

//  --------------------------------------------------------------------------
//  Garbage

//  Once, to the last peer: one frame past the size limit. Encrypting 64 MiB stalls our own
//  sockets for a while, so not while we lead the view (that would spoil the equivocation).
static void
s_oversize (accord_byz_t *self, const accord_byz_env_t *env)
{
    size_t n = s_count (env);
    if (self->oversized || self->beats < BYZ_OVERSIZE_AT || n < 2 || env->view % n == (uint64_t) env->me)
        return;
    size_t peer = (int) (n - 1) == env->me ? n - 2 : n - 1;
    zframe_t *frame = s_is_peer (env, peer) ? zframe_new (NULL, ACCORD_MSG_MAX + 65536) : NULL;
    if (!frame)
        return;
    self->oversized = 1;
    memset (zframe_data (frame), 0, zframe_size (frame));
    zsys_warning ("BYZANTINE: sending a frame of %zu bytes to %zu", zframe_size (frame), peer);
    if (zstr_sendm (env->peers [peer], ACCORD_PEER_VERSION) == 0)
        zframe_send (&frame, env->peers [peer], ZFRAME_DONTWAIT);
    zframe_destroy (&frame);
}

static void
s_garbage (accord_byz_t *self, const accord_byz_env_t *env)
{
    uint8_t noise [512];
    s_random (noise, sizeof noise);
    size_t noise_len = 1 + noise [0] % (sizeof noise - 1);
    accord_msg_t *status = s_signed (env, ACCORD_MSG_STATUS, (uint16_t) env->me, env->view,
                                     env->height, NULL, NULL, 0, 0);
    accord_msg_t *unknown = s_signed (env, 42, (uint16_t) env->me, env->view, env->height, NULL,
                                      NULL, 0, 0);
    accord_msg_t *propose = s_signed (env, ACCORD_MSG_PROPOSE, (uint16_t) env->me, env->view,
                                      env->height, noise, noise, noise_len, 0);
    accord_msg_t *txs = s_signed (env, ACCORD_MSG_TXS, (uint16_t) env->me, env->view, env->height,
                                  NULL, noise, noise_len, 0);
    //  A header whose payload length claims nearly 4 GiB.
    accord_buf_t lying;
    accord_buf_init (&lying);
    accord_buf_u8 (&lying, ACCORD_MSG_STATUS);
    accord_buf_u16 (&lying, (uint16_t) env->me);
    accord_buf_u64 (&lying, env->view);
    accord_buf_u64 (&lying, env->height);
    accord_buf_bytes (&lying, noise, ACCORD_HASH_SIZE);
    accord_buf_u32 (&lying, 0xfffffff0u);
    accord_buf_bytes (&lying, noise, ACCORD_SIG_SIZE);

    for (size_t peer = 0; peer < s_count (env); peer++) {
        if (!s_is_peer (env, peer))
            continue;
        zsock_t *sock = env->peers [peer];
        s_send_frames (sock, NULL, noise, noise_len, NULL);
        s_send_frames (sock, ACCORD_PEER_VERSION, noise, noise_len, NULL);
        s_send_frames (sock, ACCORD_PEER_VERSION, "", 0, NULL);
        s_send_frames (sock, ACCORD_PEER_VERSION, lying.data, lying.len, NULL);
        if (status) {
            s_send_frames (sock, ACCORD_PEER_VERSION, status->raw, status->raw_len / 2, NULL);
            s_send_frames (sock, ACCORD_PEER_VERSION, status->raw, status->raw_len, "extra frame");
            s_send_frames (sock, "ACP9", status->raw, status->raw_len, NULL);
        }
        if (unknown)
            s_send_frames (sock, ACCORD_PEER_VERSION, unknown->raw, unknown->raw_len, NULL);
        if (propose)
            s_send_frames (sock, ACCORD_PEER_VERSION, propose->raw, propose->raw_len, NULL);
        if (txs)
            s_send_frames (sock, ACCORD_PEER_VERSION, txs->raw, txs->raw_len, NULL);
    }
    s_oversize (self, env);
    accord_buf_reset (&lying);
    accord_msg_destroy (&status);
    accord_msg_destroy (&unknown);
    accord_msg_destroy (&propose);
    accord_msg_destroy (&txs);
}

void
accord_byz_tick (accord_byz_t *self, const accord_byz_env_t *env)
{
    int64_t now = zclock_mono ();
    if (env->me < 0)
        return;
    if ((self->modes & ACCORD_BYZ_FORGE) && now >= self->next_claim) {
        //  Claim a height far ahead, often: each claim invites a SYNC_REQUEST to us.
        self->next_claim = now + BYZ_CLAIM_MS;
        uint8_t digest [ACCORD_HASH_SIZE];
        s_random (digest, sizeof digest);
        for (size_t peer = 0; peer < s_count (env); peer++)
            if (s_is_peer (env, peer))
                s_send_signed (env, peer, ACCORD_MSG_STATUS, (uint16_t) env->me, env->view,
                               env->height + 1000000, digest, NULL, 0, 0);
    }
    if (now < self->next_beat)
        return;
    self->next_beat = now + BYZ_BEAT_MS;
    self->beats++;
    if (self->modes & ACCORD_BYZ_FORGE)
        s_forge (self, env);
    if (self->modes & ACCORD_BYZ_GARBAGE)
        s_garbage (self, env);
}
