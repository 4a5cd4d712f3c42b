/*  node: the accord-chain server actor. See node.h and README.md.

    Consensus is PBFT with one block in flight: for the next height, the leader of the current
    view proposes; replicas that accept it PREPARE; a quorum of prepares makes the block
    prepared (persisted before anything else is sent) and the replica COMMITs; a quorum of
    commits decides it. A replica with work waiting and no decision within the view timeout
    asks for the next view; the new leader gathers a quorum of VIEW_CHANGEs and sends NEW_VIEW,
    which re-proposes the highest prepared block it saw so that nothing prepared is lost. */
#include "node.h"
#include "byzantine.h"
#include "execute.h"
#include "module.h"
#include "msg.h"
#include "pool.h"
#include "store.h"
#include "accord/service.h"
#include "accord/config.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/merkle.h"
#include "accord/wire.h"
#include <dirent.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#define NODE_POOL_MAX          200000
#define NODE_POOL_BYTES        ((size_t) 1024 * 1024 * 1024)   //  event batches reach 2 MiB each
#define NODE_TICK_MS           5
#define NODE_HEARTBEAT_MS      500
#define NODE_PEER_ALIVE_MS     (3 * NODE_HEARTBEAT_MS)
#define NODE_FORWARD_BATCH     512
#define NODE_FORWARD_MS        40       //  longest a forwarded transaction waits for its batch
#define NODE_FORWARD_BYTES     (16 * 1024 * 1024)   //  a TXS message stays far below ACCORD_MSG_MAX
//  What a block's transactions may take, leaving room for its header and certificate.
#define NODE_BLOCK_TX_BYTES    (ACCORD_BLOCK_MAX_BYTES - 64 * 1024)
#define NODE_SYNC_BATCH        64
#define NODE_SYNC_BYTES        (8 * 1024 * 1024)
#define NODE_SYNC_RETRY_MS     1000
#define NODE_RELINK_MS         3000
#define NODE_VIEW_TIMEOUT_CAP  60000
#define NODE_WAIT_MAX_MS       60000
#define NODE_PEER_FRAME_MAX    (ACCORD_MSG_MAX + 1024)     //  on the wire, CURVE framing included

typedef struct {
    int present;
    uint64_t view;
    uint8_t digest [ACCORD_HASH_SIZE];
    uint8_t sig [ACCORD_SIG_SIZE];
} vote_t;

typedef struct {
    zframe_t *routing;
    accord_request_head_t head;
    uint8_t hash [ACCORD_HASH_SIZE];
    int64_t deadline;
} waiter_t;

typedef struct {
    zsock_t *pipe;
    zloop_t *loop;
    accord_node_config_t config;
    accord_genesis_t genesis;           //  chain id from genesis.json; members and validators
                                        //  are the set in force (votes change it)
    accord_params_t params;             //  in force (votes change them)
    int me;                             //  validator index, -1 outside the set (observer)
    accord_key_t *key;
    zcert_t *cert;
    zactor_t *auth;
    zsock_t *peer_router;
    zsock_t *rpc;
    zsock_t *pub;                       //  XPUB: we see what subscribers ask for
    zlistx_t *subscriptions;            //  topic prefixes someone subscribed to (char *)
    zsock_t *peers [ACCORD_MAX_VALIDATORS];
    int64_t peer_seen [ACCORD_MAX_VALIDATORS];     //  last message from it
    int64_t peer_linked [ACCORD_MAX_VALIDATORS];   //  when our link to it was made
    int64_t sync_pending [ACCORD_MAX_VALIDATORS];  //  when we asked it for blocks, 0 if answered
    uint64_t peer_height [ACCORD_MAX_VALIDATORS];
    accord_store_t *store;
    accord_pool_t *pool;

    //  Consensus for the next height.
    uint64_t height;                    //  next height to decide
    uint64_t view;
    int changing;                       //  asked for view `view` and waiting for NEW_VIEW
    accord_block_t *proposal;           //  accepted proposal in `view`
    accord_execution_t *execution;      //  of the proposal
    int sent_prepare;
    int sent_commit;
    vote_t prepares [ACCORD_MAX_VALIDATORS];
    vote_t commits [ACCORD_MAX_VALIDATORS];
    accord_prepared_t prepared;         //  highest prepared certificate at this height
    accord_msg_t *view_changes [ACCORD_MAX_VALIDATORS];    //  latest per validator
    int64_t deadline;                   //  view change when reached; 0 = no work waiting
    int attempts;                       //  failed views since the last decision
    uint64_t no_vote_view;              //  after a restart: no PREPARE up to this view ...
    uint64_t no_vote_height;            //  ... at this height

    accord_buf_t forward;               //  admitted transactions not yet sent to peers
    uint32_t forward_count;
    uint64_t tx_verifications;          //  transaction signatures checked (STATUS): the main cost
    int64_t forward_since;              //  when the oldest of them was admitted
    zlistx_t *waiters;
    int64_t sync_asked [ACCORD_MAX_VALIDATORS];     //  per peer: a faulty one must not starve the rest
    int sync_peer;                      //  observers ask validators for blocks in turn
    uint64_t last_timestamp;
    accord_byz_t *byz;                  //  test-only faulty behaviour (byzantine.h); NULL
} node_t;

static void s_check_quorums (node_t *self);
static int s_load_validators (node_t *self);
static void s_link_peer (node_t *self, size_t i);
static void s_accept_proposal (node_t *self, accord_block_t **block_p, accord_execution_t **execution_p,
                               const char *via);

static uint64_t
s_now_ms (void)
{
    return (uint64_t) zclock_time ();
}

static size_t
s_quorum (node_t *self)
{
    return accord_validators_quorum (&self->genesis.validators);
}

static int
s_leader (node_t *self, uint64_t view)
{
    return (int) (view % self->genesis.validators.count);
}

static int64_t
s_view_timeout (node_t *self)
{
    int64_t timeout = self->params.view_timeout_ms;
    for (int i = 0; i < self->attempts && timeout < NODE_VIEW_TIMEOUT_CAP; i++)
        timeout *= 2;
    return timeout < NODE_VIEW_TIMEOUT_CAP ? timeout : NODE_VIEW_TIMEOUT_CAP;
}

static void
s_hex (char *out, size_t size, const uint8_t *data, size_t len)
{
    accord_hex_encode (out, size, data, len);
}

//  --------------------------------------------------------------------------
//  Sending to peers

static void
s_send_to (node_t *self, int index, const accord_msg_t *msg)
{
    zsock_t *peer = self->peers [index];
    if (!peer)
        return;
    zmsg_t *out = zmsg_new ();
    zmsg_addstr (out, ACCORD_PEER_VERSION);
    zmsg_addmem (out, msg->raw, msg->raw_len);
    //  Never block the loop on a slow or absent peer: it catches up by sync.
    if (zmsg_send (&out, peer))
        zmsg_destroy (&out);
}

static void
s_broadcast (node_t *self, const accord_msg_t *msg)
{
    for (size_t i = 0; i < self->genesis.validators.count; i++)
        if ((int) i != self->me)
            s_send_to (self, (int) i, msg);
}

static accord_msg_t *
s_msg (node_t *self, accord_msg_type_t type, uint64_t view, uint64_t height,
       const uint8_t *digest, const void *payload, size_t payload_len)
{
    uint16_t from = self->me < 0 ? ACCORD_MSG_FROM_OBSERVER : (uint16_t) self->me;
    return accord_msg_new (type, from, view, height, digest, payload, payload_len,
                           self->key, self->genesis.chain_id);
}

static void
s_broadcast_new (node_t *self, accord_msg_type_t type, uint64_t view, uint64_t height,
                 const uint8_t *digest, const void *payload, size_t payload_len)
{
    accord_msg_t *msg = s_msg (self, type, view, height, digest, payload, payload_len);
    if (msg)
        s_broadcast (self, msg);
    accord_msg_destroy (&msg);
}

//  What the test-only Byzantine hooks may use for one call.
static accord_byz_env_t
s_byz_env (node_t *self)
{
    return (accord_byz_env_t) { .peers = self->peers, .me = self->me, .key = self->key,
                                .genesis = &self->genesis, .store = self->store,
                                .height = self->height, .view = self->view };
}

static void
s_flush_forward (node_t *self)
{
    if (!self->forward_count)
        return;
    accord_buf_t payload;
    accord_buf_init (&payload);
    accord_buf_u32 (&payload, self->forward_count);
    accord_buf_bytes (&payload, self->forward.data, self->forward.len);
    s_broadcast_new (self, ACCORD_MSG_TXS, self->view, self->height, NULL, payload.data, payload.len);
    accord_buf_reset (&payload);
    accord_buf_reset (&self->forward);
    self->forward_count = 0;
}

//  Queues an admitted transaction's encoding for the next TXS to the peers.
static void
s_forward (node_t *self, const uint8_t *raw, size_t len)
{
    if (self->forward_count && self->forward.len + 4 + len > NODE_FORWARD_BYTES)
        s_flush_forward (self);
    if (!self->forward_count)
        self->forward_since = zclock_mono ();
    accord_buf_blob (&self->forward, raw, len);
    if (++self->forward_count >= NODE_FORWARD_BATCH)
        s_flush_forward (self);
}

//  On a view change: the next leader may never have had our waiting transactions (a forward
//  is dropped while the link is down, right after a start; one it only saw in a proposal died
//  with the view), and peers that lack them never time out to join us. Send the oldest again;
//  a peer that has them drops the copies as duplicates. PBFT clients retransmit likewise.
static void
s_relay_pool (node_t *self)
{
    s_flush_forward (self);
    size_t count = 0;
    for (const accord_tx_t *tx = accord_pool_first (self->pool);
         tx && count < NODE_FORWARD_BATCH; tx = accord_pool_next (self->pool), count++)
        s_forward (self, tx->raw, tx->raw_len);
    s_flush_forward (self);
}

//  --------------------------------------------------------------------------
//  Persistence of the view (with the height it belongs to) and of the prepared certificate

static void
s_save_view (node_t *self)
{
    uint8_t value [16];
    accord_buf_t out = { .data = NULL };
    accord_buf_init (&out);
    accord_buf_u64 (&out, self->height);
    accord_buf_u64 (&out, self->view);
    memcpy (value, out.data, 16);
    accord_buf_reset (&out);
    if (accord_store_meta_put (self->store, "view", value, sizeof value))
        zsys_error ("%s: cannot persist the view", self->config.name);
}

static int
s_save_prepared (node_t *self)
{
    accord_buf_t out;
    accord_buf_init (&out);
    accord_prepared_encode (&self->prepared, &out);
    int rc = out.failed ? -1 : accord_store_meta_put (self->store, "prepared", out.data, out.len);
    accord_buf_reset (&out);
    return rc;
}

//  --------------------------------------------------------------------------
//  Work and timers

static int
s_has_work (node_t *self)
{
    return accord_pool_size (self->pool) > 0 || self->proposal || self->prepared.block;
}

static void
s_arm_deadline (node_t *self)
{
    if (self->me < 0)
        return;
    if (!s_has_work (self))
        self->deadline = 0;
    else if (!self->deadline)
        self->deadline = zclock_mono () + s_view_timeout (self);
}

static void
s_reset_round (node_t *self)
{
    accord_block_destroy (&self->proposal);
    accord_execution_destroy (&self->execution);
    self->sent_prepare = self->sent_commit = 0;
}

//  --------------------------------------------------------------------------
//  Deciding a block

//  Whether some subscriber's prefix matches topic.
static int
s_subscribed (node_t *self, const char *topic)
{
    for (const char *prefix = zlistx_first (self->subscriptions); prefix;
         prefix = zlistx_next (self->subscriptions))
        if (strncmp (topic, prefix, strlen (prefix)) == 0)
            return 1;
    return 0;
}

//  A subscription change from the XPUB socket: byte 1 subscribe / 0 unsubscribe, then the
//  prefix. XPUB passes the first subscription to a prefix and the last unsubscription only,
//  so the list is exactly the prefixes someone holds.
static int
s_on_subscription (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    node_t *self = arg;
    zframe_t *frame = zframe_recv (reader);
    size_t size = frame ? zframe_size (frame) : 0;
    const uint8_t *data = frame ? zframe_data (frame) : NULL;
    if (size >= 1 && size <= 256 && (data [0] == 0 || data [0] == 1)) {
        char *prefix = malloc (size);
        if (prefix) {
            memcpy (prefix, data + 1, size - 1);
            prefix [size - 1] = 0;
            void *handle = zlistx_find (self->subscriptions, prefix);
            if (data [0] == 1 && !handle && strlen (prefix) == size - 1) {
                zlistx_add_end (self->subscriptions, prefix);
                prefix = NULL;
            }
            else if (data [0] == 0 && handle)
                zlistx_delete (self->subscriptions, handle);
            free (prefix);
        }
    }
    zframe_destroy (&frame);
    return 0;
}

static void
s_publish (node_t *self, const accord_block_t *block, accord_execution_t *execution)
{
    accord_buf_t raw;
    accord_buf_init (&raw);
    accord_block_encode (block, &raw, 1);
    char height [24];
    snprintf (height, sizeof height, "%llu", (unsigned long long) block->header.height);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "block");
    zmsg_addstr (msg, height);
    zmsg_addmem (msg, raw.data, raw.len);
    zmsg_send (&msg, self->pub);
    accord_buf_reset (&raw);
    //  {"module", "event", "data", "height", "index", "tx"}; names are plain ASCII (module
    //  code), data is canonical JSON.
    for (size_t i = 0; i < execution->logs.count; i++) {
        const accord_log_t *log = &execution->logs.items [i];
        char topic [96], tx [2 * ACCORD_HASH_SIZE + 1];
        snprintf (topic, sizeof topic, "log/%s/%s", log->module, log->event);
        if (!s_subscribed (self, topic))
            continue;               //  PUB would drop it: do not build it
        s_hex (tx, sizeof tx, block->txs [log->index]->hash, ACCORD_HASH_SIZE);
        char *body = NULL;
        if (asprintf (&body, "{\"module\":\"%s\",\"event\":\"%s\",\"data\":%s,\"height\":%llu,\"index\":%u,\"tx\":\"%s\"}",
                      log->module, log->event, log->data ? log->data : "null",
                      (unsigned long long) block->header.height, log->index, tx) < 0)
            continue;
        zstr_sendx (self->pub, topic, body, NULL);
        free (body);
    }
}

static json_object *
s_receipt_json (node_t *self, uint64_t height, uint32_t index)
{
    size_t len;
    uint8_t *raw = accord_store_receipt (self->store, height, index, &len);
    json_object *receipt = raw ? accord_json_parse ((char *) raw, len, NULL, 0) : NULL;
    free (raw);
    return receipt;
}

static void
s_answer_waiters (node_t *self, int expire_only)
{
    int64_t now = zclock_mono ();
    for (waiter_t *waiter = zlistx_first (self->waiters); waiter; waiter = zlistx_next (self->waiters)) {
        uint64_t height;
        uint32_t index;
        zmsg_t *reply = NULL;
        if (!expire_only && accord_store_tx_location (self->store, waiter->hash, &height, &index) == 0) {
            json_object *receipt = s_receipt_json (self, height, index);
            reply = accord_wire_reply_ok (&waiter->head, receipt);
            json_object_put (receipt);
        }
        else if (now >= waiter->deadline)
            reply = accord_wire_reply_err (&waiter->head, ACCORD_E_TIMEOUT,
                                           "transaction not committed within the wait");
        if (!reply)
            continue;
        zmsg_prepend (reply, &waiter->routing);
        zmsg_send (&reply, self->rpc);
        //  Detaching moves the cursor back one, so the loop goes on from the right place.
        zlistx_detach_cur (self->waiters);
        free (waiter);
    }
}

//  Reads the parameters in force from committed state (votes change them between blocks).
static void
s_load_params (node_t *self)
{
    accord_state_t *state = accord_state_new (self->store, NULL);
    accord_system_params (state, &self->genesis, &self->params);
    accord_state_destroy (&state);
}

//  Commits a decided block: store, pool, publish, next height.
static int
s_commit_block (node_t *self, accord_block_t *block, accord_execution_t *execution)
{
    if (accord_store_commit (self->store, block, execution->receipts, execution->receipt_lens,
                             execution->state, execution->state_root)) {
        zsys_error ("%s: cannot write block %llu", self->config.name,
                    (unsigned long long) block->header.height);
        return -1;
    }
    for (size_t i = 0; i < block->tx_count; i++)
        accord_pool_remove (self->pool, block->txs [i]->hash);
    self->last_timestamp = block->header.timestamp_ms;
    s_load_params (self);
    if (memcmp (block->header.next_validators_hash, block->header.validators_hash, ACCORD_HASH_SIZE)) {
        s_load_validators (self);
        zsys_info ("%s: validator set changed at %llu: %zu validators, we are %d", self->config.name,
                   (unsigned long long) block->header.height, self->genesis.member_count, self->me);
    }
    s_publish (self, block, execution);
    self->height = block->header.height + 1;
    //  A new height is a new instance: start in the view that decided the last one.
    self->view = block->cert.view;
    self->changing = 0;
    self->attempts = 0;
    self->deadline = 0;
    memset (self->prepares, 0, sizeof self->prepares);
    memset (self->commits, 0, sizeof self->commits);
    for (size_t i = 0; i < ACCORD_MAX_VALIDATORS; i++)
        accord_msg_destroy (&self->view_changes [i]);
    accord_prepared_clear (&self->prepared);
    s_answer_waiters (self, 0);
    s_arm_deadline (self);
    return 0;
}

static void
s_decide (node_t *self)
{
    accord_block_t *block = self->proposal;
    block->cert.view = self->view;
    block->cert.count = 0;
    for (size_t i = 0; i < self->genesis.validators.count; i++) {
        vote_t *vote = &self->commits [i];
        if (vote->present && vote->view == self->view && memcmp (vote->digest, block->hash, ACCORD_HASH_SIZE) == 0) {
            block->cert.votes [block->cert.count].index = (uint16_t) i;
            memcpy (block->cert.votes [block->cert.count].sig, vote->sig, ACCORD_SIG_SIZE);
            block->cert.count++;
        }
    }
    accord_execution_t *execution = self->execution;
    self->proposal = NULL;
    self->execution = NULL;
    self->sent_prepare = self->sent_commit = 0;
    if (s_commit_block (self, block, execution) == 0)
        zsys_debug ("%s: committed %llu (%zu txs, view %llu)", self->config.name,
                    (unsigned long long) block->header.height, block->tx_count,
                    (unsigned long long) block->cert.view);
    accord_block_destroy (&block);
    accord_execution_destroy (&execution);
}

static size_t
s_count_votes (node_t *self, vote_t *votes, const uint8_t digest [ACCORD_HASH_SIZE])
{
    size_t count = 0;
    for (size_t i = 0; i < self->genesis.validators.count; i++)
        if (votes [i].present && votes [i].view == self->view
        &&  memcmp (votes [i].digest, digest, ACCORD_HASH_SIZE) == 0)
            count++;
    return count;
}

static void
s_record_vote (vote_t *vote, uint64_t view, const uint8_t digest [ACCORD_HASH_SIZE],
               const uint8_t sig [ACCORD_SIG_SIZE])
{
    if (vote->present && vote->view > view)
        return;
    vote->present = 1;
    vote->view = view;
    memcpy (vote->digest, digest, ACCORD_HASH_SIZE);
    memcpy (vote->sig, sig, ACCORD_SIG_SIZE);
}

static void
s_vote (node_t *self, accord_msg_type_t type)
{
    accord_msg_t *msg = s_msg (self, type, self->view, self->height, self->proposal->hash, NULL, 0);
    if (!msg)
        return;
    s_record_vote (type == ACCORD_MSG_PREPARE ? &self->prepares [self->me] : &self->commits [self->me],
                   self->view, self->proposal->hash, msg->sig);
    accord_byz_env_t env = s_byz_env (self);
    if (!self->byz || !accord_byz_vote (self->byz, &env, type, self->proposal->hash))
        s_broadcast (self, msg);
    accord_msg_destroy (&msg);
}

static void
s_check_quorums (node_t *self)
{
    if (!self->proposal || self->changing)
        return;
    if (!self->sent_commit && s_count_votes (self, self->prepares, self->proposal->hash) >= s_quorum (self)) {
        //  Prepared: persist the certificate before sending COMMIT, so that a restart of
        //  every node cannot lose a value some node may have decided.
        accord_prepared_t prepared = { .view = self->view, .votes.view = self->view };
        for (size_t i = 0; i < self->genesis.validators.count; i++) {
            vote_t *vote = &self->prepares [i];
            if (vote->present && vote->view == self->view
            &&  memcmp (vote->digest, self->proposal->hash, ACCORD_HASH_SIZE) == 0) {
                prepared.votes.votes [prepared.votes.count].index = (uint16_t) i;
                memcpy (prepared.votes.votes [prepared.votes.count].sig, vote->sig, ACCORD_SIG_SIZE);
                prepared.votes.count++;
            }
        }
        accord_prepared_clear (&self->prepared);
        self->prepared = prepared;
        self->prepared.block = accord_block_copy (self->proposal);
        if (self->prepared.block)
            self->prepared.block->cert = (accord_cert_t) { 0 };
        if (!self->prepared.block || s_save_prepared (self)) {
            zsys_error ("%s: cannot persist prepared certificate", self->config.name);
            return;
        }
        self->sent_commit = 1;
        if (self->me >= 0)
            s_vote (self, ACCORD_MSG_COMMIT);
    }
    if (self->proposal && s_count_votes (self, self->commits, self->proposal->hash) >= s_quorum (self))
        s_decide (self);
}

//  --------------------------------------------------------------------------
//  Proposals

//  Checks a proposed block against our state and executes it. 0 or -1 with reason.
static int
s_validate_block (node_t *self, const accord_block_t *block, accord_execution_t **execution_p,
                  char *reason, size_t size)
{
    const accord_header_t *header = &block->header;
    uint8_t last_hash [ACCORD_HASH_SIZE], set_hash [ACCORD_HASH_SIZE];
    accord_store_last_hash (self->store, last_hash);
    accord_validators_hash (&self->genesis.validators, set_hash);
    if (header->height != self->height || strcmp (header->chain_id, self->genesis.chain_id)
    ||  memcmp (header->prev_hash, last_hash, ACCORD_HASH_SIZE)
    ||  memcmp (header->validators_hash, set_hash, ACCORD_HASH_SIZE)) {
        snprintf (reason, size, "does not extend our chain");
        return -1;
    }
    if (header->timestamp_ms < self->last_timestamp || header->tx_count == 0
    ||  header->proposer >= self->genesis.validators.count) {
        snprintf (reason, size, "bad timestamp, proposer or an empty block");
        return -1;
    }
    for (size_t i = 0; i < block->tx_count; i++) {
        const accord_tx_t *tx = block->txs [i];
        //  Transactions from our pool were verified when they were admitted. The hash does
        //  not cover the signature, so the pooled copy must match byte for byte.
        const accord_tx_t *pooled = accord_pool_lookup (self->pool, tx->hash);
        bool same = pooled && pooled->raw_len == tx->raw_len
                 && memcmp (pooled->raw, tx->raw, tx->raw_len) == 0;
        if (same)
            continue;
        self->tx_verifications++;
        if (accord_tx_verify (tx)) {
            snprintf (reason, size, "transaction %zu has a bad signature", i);
            return -1;
        }
    }
    accord_execution_t *execution = accord_execution_run (self->store, &self->genesis, block);
    if (memcmp (execution->receipts_root, header->receipts_root, ACCORD_HASH_SIZE)
    ||  memcmp (execution->state_root, header->state_root, ACCORD_HASH_SIZE)
    ||  memcmp (execution->next_validators_hash, header->next_validators_hash, ACCORD_HASH_SIZE)) {
        snprintf (reason, size, "receipts root, state root or next validator set differ from our execution");
        accord_execution_destroy (&execution);
        return -1;
    }
    *execution_p = execution;
    return 0;
}

//  Takes over *block_p. execution_p, when it holds an execution, is the leader's own run of a
//  block it just built from its pool: it is taken over instead of checking and executing the
//  block a second time.
static void
s_accept_proposal (node_t *self, accord_block_t **block_p, accord_execution_t **execution_p,
                   const char *via)
{
    accord_block_t *block = *block_p;
    accord_execution_t *execution = execution_p ? *execution_p : NULL;
    if (execution_p)
        *execution_p = NULL;
    if (self->proposal) {
        accord_execution_destroy (&execution);
        if (memcmp (self->proposal->hash, block->hash, ACCORD_HASH_SIZE))
            zsys_warning ("%s: leader %d sent two proposals for view %llu height %llu (equivocation)",
                          self->config.name, s_leader (self, self->view),
                          (unsigned long long) self->view, (unsigned long long) self->height);
        accord_block_destroy (block_p);
        return;
    }
    char reason [128];
    if (!execution && s_validate_block (self, block, &execution, reason, sizeof reason)) {
        zsys_warning ("%s: refused %s for height %llu: %s", self->config.name, via,
                      (unsigned long long) self->height, reason);
        accord_block_destroy (block_p);
        return;
    }
    self->proposal = block;
    self->execution = execution;
    *block_p = NULL;
    int barred = self->height == self->no_vote_height && self->view <= self->no_vote_view;
    if (self->me >= 0 && !barred && !self->sent_prepare) {
        self->sent_prepare = 1;
        s_vote (self, ACCORD_MSG_PREPARE);
    }
    s_arm_deadline (self);
    s_check_quorums (self);
}

//  Builds a block from the pool (leader), with its execution in *execution_p. NULL when
//  nothing is waiting.
static accord_block_t *
s_build_block (node_t *self, accord_execution_t **execution_p)
{
    accord_block_t *block = accord_block_new ();
    accord_header_t *header = &block->header;
    strcpy (header->chain_id, self->genesis.chain_id);
    header->height = self->height;
    accord_store_last_hash (self->store, header->prev_hash);
    uint64_t now = s_now_ms ();
    header->timestamp_ms = now > self->last_timestamp ? now : self->last_timestamp;
    header->proposer = (uint16_t) self->me;
    accord_validators_hash (&self->genesis.validators, header->validators_hash);
    size_t bytes = 0;
    for (const accord_tx_t *tx = accord_pool_first (self->pool);
         tx && block->tx_count < self->params.block_max_txs; tx = accord_pool_next (self->pool)) {
        if (bytes + 4 + tx->raw_len > NODE_BLOCK_TX_BYTES)
            break;          //  the rest waits for the next block, in arrival order
        bytes += 4 + tx->raw_len;
        accord_tx_t *copy = accord_tx_copy (tx);
        if (copy && accord_block_add_tx (block, &copy))
            accord_tx_destroy (&copy);
    }
    if (block->tx_count == 0) {
        accord_block_destroy (&block);
        return NULL;
    }
    header->tx_count = (uint32_t) block->tx_count;
    accord_block_tx_root (block, header->tx_root);
    accord_execution_t *execution = accord_execution_run (self->store, &self->genesis, block);
    memcpy (header->receipts_root, execution->receipts_root, ACCORD_HASH_SIZE);
    memcpy (header->state_root, execution->state_root, ACCORD_HASH_SIZE);
    memcpy (header->next_validators_hash, execution->next_validators_hash, ACCORD_HASH_SIZE);
    *execution_p = execution;
    accord_header_hash (header, block->hash);
    return block;
}

static void
s_propose (node_t *self)
{
    accord_execution_t *execution = NULL;
    accord_block_t *block = s_build_block (self, &execution);
    if (!block)
        return;
    //  Peers get the transactions we admitted before the block that holds them (one
    //  connection per peer keeps the order), so they need not verify them from the block.
    s_flush_forward (self);
    accord_buf_t raw;
    accord_buf_init (&raw);
    accord_block_encode (block, &raw, 0);
    accord_byz_env_t env = s_byz_env (self);
    if (!self->byz || !accord_byz_propose (self->byz, &env, block))
        s_broadcast_new (self, ACCORD_MSG_PROPOSE, self->view, self->height, block->hash, raw.data, raw.len);
    accord_buf_reset (&raw);
    s_accept_proposal (self, &block, &execution, "own proposal");
    accord_block_destroy (&block);
}

//  --------------------------------------------------------------------------
//  View change

static void
s_start_view_change (node_t *self, uint64_t view)
{
    if (view <= self->view && (self->changing || view < self->view))
        return;
    zsys_info ("%s: asking for view %llu at height %llu", self->config.name,
               (unsigned long long) view, (unsigned long long) self->height);
    self->view = view;
    self->changing = 1;
    s_reset_round (self);
    s_save_view (self);
    accord_buf_t payload;
    accord_buf_init (&payload);
    accord_prepared_encode (&self->prepared, &payload);
    accord_msg_t *msg = s_msg (self, ACCORD_MSG_VIEW_CHANGE, view, self->height, NULL, payload.data, payload.len);
    accord_buf_reset (&payload);
    if (!msg)
        return;
    s_broadcast (self, msg);
    accord_msg_destroy (&self->view_changes [self->me]);
    self->view_changes [self->me] = msg;
    self->deadline = zclock_mono () + s_view_timeout (self);
    self->attempts++;
    s_relay_pool (self);
}

//  Validates a VIEW_CHANGE for our height, with its prepared certificate (filled in when
//  prepared is not NULL). 0 or -1.
static int
s_view_change_valid (node_t *self, const accord_msg_t *msg, accord_prepared_t *prepared)
{
    accord_prepared_t local;
    accord_prepared_t *cert = prepared ? prepared : &local;
    accord_reader_t in;
    accord_reader_init (&in, msg->payload, msg->payload_len);
    int rc = msg->type == ACCORD_MSG_VIEW_CHANGE && msg->height == self->height
             && accord_prepared_decode (cert, &in) == 0 && accord_reader_done (&in) == 0
             && accord_prepared_verify (cert, self->height, self->genesis.chain_id,
                                        &self->genesis.validators) == 0 ? 0 : -1;
    if (!prepared || rc)
        accord_prepared_clear (cert);
    return rc;
}

//  From a quorum of view changes: the prepared certificate with the highest view, if any.
static void
s_highest_prepared (node_t *self, accord_msg_t **msgs, size_t count, accord_prepared_t *best)
{
    memset (best, 0, sizeof *best);
    for (size_t i = 0; i < count; i++) {
        accord_prepared_t cert;
        if (s_view_change_valid (self, msgs [i], &cert) == 0 && cert.block
        &&  (!best->block || cert.view > best->view)) {
            accord_prepared_clear (best);
            *best = cert;
        }
        else
            accord_prepared_clear (&cert);
    }
}

static void
s_enter_view (node_t *self, uint64_t view, accord_block_t **block_p, accord_execution_t **execution_p)
{
    self->view = view;
    self->changing = 0;
    s_reset_round (self);
    s_save_view (self);
    self->deadline = 0;
    s_arm_deadline (self);
    zsys_info ("%s: in view %llu, leader %d", self->config.name, (unsigned long long) view, s_leader (self, view));
    if (block_p && *block_p)
        s_accept_proposal (self, block_p, execution_p, "new-view block");
}

static void
s_try_new_view (node_t *self)
{
    if (!self->changing || s_leader (self, self->view) != self->me)
        return;
    accord_msg_t *msgs [ACCORD_MAX_VALIDATORS];
    size_t count = 0;
    for (size_t i = 0; i < self->genesis.validators.count; i++)
        if (self->view_changes [i] && self->view_changes [i]->view == self->view)
            msgs [count++] = self->view_changes [i];
    if (count < s_quorum (self))
        return;
    accord_prepared_t best;
    s_highest_prepared (self, msgs, count, &best);
    accord_block_t *block = best.block;
    best.block = NULL;
    accord_execution_t *execution = NULL;
    if (!block)
        block = s_build_block (self, &execution);
    accord_buf_t payload;
    accord_buf_init (&payload);
    accord_buf_u16 (&payload, (uint16_t) count);
    for (size_t i = 0; i < count; i++)
        accord_buf_blob (&payload, msgs [i]->raw, msgs [i]->raw_len);
    accord_buf_u8 (&payload, block ? 1 : 0);
    if (block) {
        accord_buf_t raw;
        accord_buf_init (&raw);
        accord_block_encode (block, &raw, 0);
        accord_buf_blob (&payload, raw.data, raw.len);
        accord_buf_reset (&raw);
    }
    s_broadcast_new (self, ACCORD_MSG_NEW_VIEW, self->view, self->height, NULL, payload.data, payload.len);
    accord_buf_reset (&payload);
    accord_prepared_clear (&best);
    s_enter_view (self, self->view, &block, &execution);
    accord_block_destroy (&block);
    accord_execution_destroy (&execution);
}

static void
s_on_view_change (node_t *self, accord_msg_t **msg_p)
{
    accord_msg_t *msg = *msg_p;
    if (msg->height != self->height)
        return;
    if (s_view_change_valid (self, msg, NULL)) {
        zsys_warning ("%s: refused VIEW_CHANGE %llu from %d: prepared certificate malformed or does not verify",
                      self->config.name, (unsigned long long) msg->view, msg->from);
        return;
    }
    accord_msg_t *old = self->view_changes [msg->from];
    if (old && old->view >= msg->view)
        return;
    accord_msg_destroy (&self->view_changes [msg->from]);
    self->view_changes [msg->from] = msg;
    *msg_p = NULL;
    //  f + 1 validators asking for views above ours: at least one is honest, so join the
    //  smallest of those views rather than wait for our own timer.
    uint64_t current = self->view;
    size_t above = 0;
    uint64_t smallest = UINT64_MAX;
    for (size_t i = 0; i < self->genesis.validators.count; i++) {
        accord_msg_t *vc = self->view_changes [i];
        if ((int) i != self->me && vc && vc->view > current) {
            above++;
            if (vc->view < smallest)
                smallest = vc->view;
        }
    }
    if (above > accord_validators_faulty (&self->genesis.validators))
        s_start_view_change (self, smallest);
    s_try_new_view (self);
}

static void
s_on_new_view (node_t *self, const accord_msg_t *msg)
{
    if (msg->height != self->height || msg->from != s_leader (self, msg->view)
    ||  msg->view < self->view || (msg->view == self->view && !self->changing))
        return;
    accord_reader_t in;
    accord_reader_init (&in, msg->payload, msg->payload_len);
    size_t count = accord_reader_u16 (&in);
    if (count > self->genesis.validators.count)
        return;
    accord_msg_t *vcs [ACCORD_MAX_VALIDATORS] = { NULL };
    uint8_t seen [ACCORD_MAX_VALIDATORS] = { 0 };
    size_t valid = 0;
    accord_block_t *block = NULL;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const uint8_t *raw = accord_reader_blob (&in, ACCORD_MSG_MAX, &len);
        accord_msg_t *vc = raw ? accord_msg_decode (raw, len) : NULL;
        if (vc && vc->type == ACCORD_MSG_VIEW_CHANGE && vc->view == msg->view && !seen [vc->from]
        &&  accord_msg_verify (vc, self->genesis.chain_id, &self->genesis.validators) == 0
        &&  s_view_change_valid (self, vc, NULL) == 0) {
            seen [vc->from] = 1;
            vcs [valid++] = vc;
        }
        else
            accord_msg_destroy (&vc);
    }
    if (accord_reader_u8 (&in)) {
        size_t len;
        const uint8_t *raw = accord_reader_blob (&in, ACCORD_BLOCK_MAX_BYTES, &len);
        block = raw ? accord_block_decode (raw, len, NULL, 0) : NULL;
        if (!block)
            in.failed = 1;
    }
    accord_prepared_t best = { 0 };
    int ok = accord_reader_done (&in) == 0 && valid >= s_quorum (self);
    if (ok) {
        s_highest_prepared (self, vcs, valid, &best);
        //  The new leader must re-propose the highest prepared block, unchanged.
        if (best.block && (!block || memcmp (block->hash, best.block->hash, ACCORD_HASH_SIZE)))
            ok = 0;
    }
    if (ok)
        s_enter_view (self, msg->view, &block, NULL);
    else
        zsys_warning ("%s: refused NEW_VIEW %llu from %d", self->config.name,
                      (unsigned long long) msg->view, msg->from);
    accord_prepared_clear (&best);
    accord_block_destroy (&block);
    for (size_t i = 0; i < valid; i++)
        accord_msg_destroy (&vcs [i]);
}

//  --------------------------------------------------------------------------
//  Sync: blocks we missed, checked by their certificates

static void
s_ask_sync (node_t *self, int peer)
{
    int64_t now = zclock_mono ();
    if (peer < 0 || peer == self->me || now - self->sync_asked [peer] < NODE_SYNC_RETRY_MS)
        return;
    self->sync_asked [peer] = now;
    if (!self->sync_pending [peer])
        self->sync_pending [peer] = now;
    accord_msg_t *msg = s_msg (self, ACCORD_MSG_SYNC_REQUEST, self->view, self->height, NULL, NULL, 0);
    if (msg)
        s_send_to (self, peer, msg);
    accord_msg_destroy (&msg);
}

//  Answers on the connection the request came in on: any node we let in may read blocks.
static void
s_on_sync_request (node_t *self, const accord_msg_t *msg, zframe_t *routing)
{
    uint64_t last = accord_store_height (self->store);
    if (msg->height == 0)
        return;
    //  Nothing new is answered too (zero blocks): the answer shows the link works.
    accord_buf_t payload;
    accord_buf_init (&payload);
    accord_buf_u16 (&payload, 0);
    uint16_t count = 0;
    for (uint64_t height = msg->height; height <= last && count < NODE_SYNC_BATCH
         && payload.len < NODE_SYNC_BYTES; height++, count++) {
        size_t len;
        uint8_t *raw = accord_store_block (self->store, height, &len);
        if (!raw)
            break;
        accord_buf_blob (&payload, raw, len);
        free (raw);
    }
    if (payload.data) {
        payload.data [0] = (uint8_t) (count >> 8);
        payload.data [1] = (uint8_t) count;
    }
    accord_msg_t *reply = s_msg (self, ACCORD_MSG_SYNC_BLOCKS, self->view, msg->height, NULL, payload.data, payload.len);
    if (reply) {
        zmsg_t *out = zmsg_new ();
        zmsg_addmem (out, zframe_data (routing), zframe_size (routing));
        zmsg_addstr (out, ACCORD_PEER_VERSION);
        zmsg_addmem (out, reply->raw, reply->raw_len);
        if (zmsg_send (&out, self->peer_router))
            zmsg_destroy (&out);
    }
    accord_msg_destroy (&reply);
    accord_buf_reset (&payload);
}

//  Blocks from peer (the index of the link they came on), each checked by its certificate
//  against the set in force at its height.
static void
s_on_sync_blocks (node_t *self, const accord_msg_t *msg, int peer)
{
    accord_reader_t in;
    accord_reader_init (&in, msg->payload, msg->payload_len);
    size_t count = accord_reader_u16 (&in);
    size_t applied = 0;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const uint8_t *raw = accord_reader_blob (&in, ACCORD_BLOCK_MAX_BYTES, &len);
        char reason [128] = "malformed block";
        accord_block_t *block = raw ? accord_block_decode (raw, len, reason, sizeof reason) : NULL;
        if (!block)
            break;
        if (block->header.height < self->height) {
            accord_block_destroy (&block);
            continue;
        }
        accord_execution_t *execution = NULL;
        int committed = 0;
        if (accord_cert_verify (&block->cert, &block->header, &self->genesis.validators, reason, sizeof reason) == 0
        &&  s_validate_block (self, block, &execution, reason, sizeof reason) == 0) {
            s_reset_round (self);
            committed = s_commit_block (self, block, execution) == 0;
        }
        else
            zsys_warning ("%s: sync block %llu from %d refused: %s", self->config.name,
                          (unsigned long long) block->header.height, peer, reason);
        accord_execution_destroy (&execution);
        accord_block_destroy (&block);
        //  The rest of the batch builds on this block: stop at the first one refused.
        if (!committed)
            break;
        applied++;
    }
    if (applied) {
        zsys_info ("%s: synced to height %llu from %d", self->config.name,
                   (unsigned long long) accord_store_height (self->store), peer);
        self->sync_asked [peer] = 0;
        //  A full batch means there is probably more.
        if (applied == count && peer < (int) self->genesis.member_count)
            s_ask_sync (self, peer);
    }
}

//  --------------------------------------------------------------------------
//  Transaction admission (RPC and peers)

//  Checks and pools one transaction; ACCORD_OK or an error with message.
static int
s_admit (node_t *self, accord_tx_t **tx_p, char *message, size_t size)
{
    accord_tx_t *tx = *tx_p;
    if (strcmp (tx->chain_id, self->genesis.chain_id)) {
        snprintf (message, size, "transaction is for chain '%s', this is '%s'", tx->chain_id, self->genesis.chain_id);
        return ACCORD_E_WRONG_CHAIN;
    }
    if (tx->expiry < self->height) {
        snprintf (message, size, "expiry height %llu has passed (next block is %llu)",
                  (unsigned long long) tx->expiry, (unsigned long long) self->height);
        return ACCORD_E_EXPIRED;
    }
    if (accord_pool_lookup (self->pool, tx->hash)) {
        snprintf (message, size, "transaction is already waiting in the pool");
        return ACCORD_E_DUPLICATE;
    }
    accord_state_t *state = accord_state_new (self->store, NULL);
    uint64_t last = accord_nonce_get (state, tx->sender);
    accord_state_destroy (&state);
    if (tx->nonce <= last) {
        snprintf (message, size, "nonce %llu is not above the sender's last nonce %llu (replay or stale)",
                  (unsigned long long) tx->nonce, (unsigned long long) last);
        return ACCORD_E_STALE_NONCE;
    }
    int rc = accord_module_check_call (tx->module, tx->method, tx->args, tx->args_len, NULL, message, size);
    if (rc)
        return rc;
    self->tx_verifications++;
    if (accord_tx_verify (tx)) {
        snprintf (message, size, "signature does not verify for the sender key");
        return ACCORD_E_BAD_SIGNATURE;
    }
    rc = accord_pool_add (self->pool, tx_p);
    if (rc == ACCORD_E_POOL_FULL)
        snprintf (message, size, "transaction pool is full (%d transactions or %zu MiB); retry later", NODE_POOL_MAX,
                  NODE_POOL_BYTES >> 20);
    return rc;
}

static void
s_on_peer_txs (node_t *self, const accord_msg_t *msg)
{
    accord_reader_t in;
    accord_reader_init (&in, msg->payload, msg->payload_len);
    uint32_t count = accord_reader_u32 (&in);
    for (uint32_t i = 0; i < count && !in.failed; i++) {
        size_t len;
        const uint8_t *raw = accord_reader_blob (&in, ACCORD_TX_MAX, &len);
        accord_tx_t *tx = raw ? accord_tx_decode (raw, len, NULL, 0) : NULL;
        char message [ACCORD_MESSAGE_MAX];
        if (tx)
            s_admit (self, &tx, message, sizeof message);
        accord_tx_destroy (&tx);
    }
    s_arm_deadline (self);
}

//  --------------------------------------------------------------------------
//  Peer messages

//  A validator whose STATUS says it has not heard us lately does not get what we send:
//  make our link to it anew (at most once per NODE_RELINK_MS).
static void
s_check_link (node_t *self, const accord_msg_t *status)
{
    if (self->me < 0 || status->payload_len != 8)
        return;
    int heard = status->payload [self->me / 8] & (1 << (self->me % 8));
    if (!heard && zclock_mono () - self->peer_linked [status->from] > NODE_RELINK_MS)
        s_link_peer (self, status->from);
}

static int
s_on_peer (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    node_t *self = arg;
    zmsg_t *in = zmsg_recv (reader);
    if (!in)
        return 0;
    zframe_t *routing = zmsg_pop (in);
    zframe_t *version = zmsg_pop (in);
    zframe_t *body = zmsg_pop (in);
    accord_msg_t *msg = NULL;
    if (version && body && zframe_streq (version, ACCORD_PEER_VERSION) && zmsg_size (in) == 0)
        msg = accord_msg_decode (zframe_data (body), zframe_size (body));
    if (!msg)
        zsys_warning ("%s: dropped a malformed peer message", self->config.name);
    //  Reading blocks and handing over transactions (each signed by its sender) are open to
    //  any node the allowlist let in, validator or not.
    else if (msg->type == ACCORD_MSG_SYNC_REQUEST) {
        accord_byz_env_t env = s_byz_env (self);
        if (!self->byz || msg->from >= self->genesis.member_count
        ||  !accord_byz_sync_request (self->byz, &env, msg->from, msg->height))
            s_on_sync_request (self, msg, routing);
    }
    else if (msg->type == ACCORD_MSG_TXS)
        s_on_peer_txs (self, msg);
    else if (accord_msg_verify (msg, self->genesis.chain_id, &self->genesis.validators))
        zsys_warning ("%s: dropped a %s with a bad signature (claims validator %d)",
                      self->config.name, accord_msg_type_name (msg->type), msg->from);
    else if (msg->from != self->me) {
        self->peer_seen [msg->from] = zclock_mono ();
        switch (msg->type) {
            case ACCORD_MSG_STATUS:
                self->peer_height [msg->from] = msg->height;
                s_check_link (self, msg);
                if (msg->height >= self->height)
                    s_ask_sync (self, msg->from);
                break;
            case ACCORD_MSG_TXS:
            case ACCORD_MSG_SYNC_REQUEST:
                break;      //  handled above, from any admitted node
            case ACCORD_MSG_SYNC_BLOCKS:
                //  Blocks are taken only as answers, on our own link to the peer we asked.
                zsys_warning ("%s: dropped unsolicited SYNC_BLOCKS from %d", self->config.name, msg->from);
                break;
            case ACCORD_MSG_PROPOSE:
                if (msg->height > self->height)
                    s_ask_sync (self, msg->from);
                else if (msg->height == self->height && msg->view == self->view && !self->changing
                     &&  msg->from == s_leader (self, msg->view)) {
                    char reason [128] = "";
                    accord_block_t *block = accord_block_decode (msg->payload, msg->payload_len, reason, sizeof reason);
                    if (block && memcmp (block->hash, msg->digest, ACCORD_HASH_SIZE) == 0
                    &&  block->header.proposer == msg->from)
                        s_accept_proposal (self, &block, NULL, "proposal");
                    else
                        zsys_warning ("%s: refused proposal from %d for height %llu: %s", self->config.name,
                                      msg->from, (unsigned long long) msg->height,
                                      block ? "hash or proposer does not match the message" : reason);
                    accord_block_destroy (&block);
                }
                break;
            case ACCORD_MSG_PREPARE:
            case ACCORD_MSG_COMMIT:
                if (msg->height > self->height)
                    s_ask_sync (self, msg->from);
                else if (msg->height == self->height) {
                    vote_t *vote = msg->type == ACCORD_MSG_PREPARE ? &self->prepares [msg->from]
                                                                   : &self->commits [msg->from];
                    if (vote->present && vote->view == msg->view
                    &&  memcmp (vote->digest, msg->digest, ACCORD_HASH_SIZE))
                        zsys_warning ("%s: validator %d voted for two blocks in view %llu height %llu (%s equivocation)",
                                      self->config.name, msg->from, (unsigned long long) msg->view,
                                      (unsigned long long) msg->height, accord_msg_type_name (msg->type));
                    s_record_vote (vote, msg->view, msg->digest, msg->sig);
                    s_check_quorums (self);
                }
                break;
            case ACCORD_MSG_VIEW_CHANGE:
                if (msg->height > self->height)
                    s_ask_sync (self, msg->from);
                else
                    s_on_view_change (self, &msg);
                break;
            case ACCORD_MSG_NEW_VIEW:
                if (msg->height > self->height)
                    s_ask_sync (self, msg->from);
                else
                    s_on_new_view (self, msg);
                break;
        }
    }
    accord_msg_destroy (&msg);
    zframe_destroy (&routing);
    zframe_destroy (&version);
    zframe_destroy (&body);
    zmsg_destroy (&in);
    return 0;
}

//  Answers to our SYNC_REQUESTs come back on our link to that peer.
static int
s_on_peer_reply (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    node_t *self = arg;
    zmsg_t *in = zmsg_recv (reader);
    if (!in)
        return 0;
    int peer = -1;
    for (size_t i = 0; i < self->genesis.member_count; i++)
        if (self->peers [i] == reader)
            peer = (int) i;
    zframe_t *version = zmsg_pop (in);
    zframe_t *body = zmsg_pop (in);
    accord_msg_t *msg = NULL;
    if (version && body && zframe_streq (version, ACCORD_PEER_VERSION) && zmsg_size (in) == 0)
        msg = accord_msg_decode (zframe_data (body), zframe_size (body));
    if (msg && msg->type == ACCORD_MSG_SYNC_BLOCKS && peer >= 0) {
        self->sync_pending [peer] = 0;
        s_on_sync_blocks (self, msg, peer);
    }
    else
        zsys_warning ("%s: dropped an unexpected reply from peer %d", self->config.name, peer);
    accord_msg_destroy (&msg);
    zframe_destroy (&version);
    zframe_destroy (&body);
    zmsg_destroy (&in);
    return 0;
}

//  --------------------------------------------------------------------------
//  RPC

static zmsg_t *
s_rpc_submit (node_t *self, const accord_request_head_t *head, zmsg_t *body)
{
    size_t count = zmsg_size (body);
    if (count == 0)
        return accord_wire_reply_err (head, ACCORD_E_MALFORMED, "SUBMIT needs one transaction frame or more");
    //  The reply as json-c would print it (plain): [{"hash":hex} or {"error":..,"message":..}, ..],
    //  the common items written directly.
    accord_buf_t results;
    accord_buf_init (&results);
    accord_buf_u8 (&results, '[');
    int single_rc = ACCORD_OK;
    char message [ACCORD_MESSAGE_MAX] = "";
    for (zframe_t *frame = zmsg_first (body); frame; frame = zmsg_next (body)) {
        char reason [ACCORD_MESSAGE_MAX];
        accord_tx_t *tx = accord_tx_decode (zframe_data (frame), zframe_size (frame), reason, sizeof reason);
        int rc = ACCORD_E_MALFORMED;
        uint8_t hash [ACCORD_HASH_SIZE];
        if (tx) {
            memcpy (hash, tx->hash, ACCORD_HASH_SIZE);
            rc = s_admit (self, &tx, reason, sizeof reason);
            if (rc == ACCORD_OK && self->peers [0 == self->me ? 1 % self->genesis.validators.count : 0]) {
                s_forward (self, zframe_data (frame), zframe_size (frame));
            }
            accord_tx_destroy (&tx);
        }
        if (results.len > 1)
            accord_buf_u8 (&results, ',');
        if (rc == ACCORD_OK) {
            char item [2 * ACCORD_HASH_SIZE + 16];
            memcpy (item, "{\"hash\":\"", 9);
            s_hex (item + 9, 2 * ACCORD_HASH_SIZE + 1, hash, ACCORD_HASH_SIZE);
            memcpy (item + 9 + 2 * ACCORD_HASH_SIZE, "\"}", 2);
            accord_buf_bytes (&results, item, 11 + 2 * ACCORD_HASH_SIZE);
        }
        else {
            json_object *result = json_object_new_object ();
            json_object_object_add (result, "error", json_object_new_string (accord_err_name (rc)));
            json_object_object_add (result, "message", json_object_new_string (reason));
            const char *text = json_object_to_json_string_ext (result, JSON_C_TO_STRING_PLAIN);
            accord_buf_bytes (&results, text, strlen (text));
            json_object_put (result);
        }
        single_rc = rc;
        snprintf (message, sizeof message, "%s", reason);
    }
    s_arm_deadline (self);
    accord_buf_u8 (&results, ']');
    zmsg_t *reply;
    if (count == 1 && single_rc != ACCORD_OK)
        reply = accord_wire_reply_err (head, single_rc, message);
    else if (results.failed)
        reply = accord_wire_reply_err (head, ACCORD_E_INTERNAL, "out of memory");
    else if (count == 1)
        reply = accord_wire_reply_ok_text (head, (char *) results.data + 1, results.len - 2);
    else
        reply = accord_wire_reply_ok_text (head, (char *) results.data, results.len);
    accord_buf_reset (&results);
    return reply;
}

static int
s_parse_hash (json_object *request, const char *key, uint8_t hash [ACCORD_HASH_SIZE])
{
    const char *text = accord_json_get_string (request, key);
    return text && accord_hex_decode_exact (hash, ACCORD_HASH_SIZE, text) == 0 ? 0 : -1;
}

static zmsg_t *
s_rpc_receipt (node_t *self, zframe_t **routing_p, const accord_request_head_t *head, json_object *request)
{
    uint8_t hash [ACCORD_HASH_SIZE];
    if (s_parse_hash (request, "tx", hash))
        return accord_wire_reply_err (head, ACCORD_E_INVALID_ARGUMENT, "'tx' must be a transaction hash in hex");
    uint64_t height;
    uint32_t index;
    if (accord_store_tx_location (self->store, hash, &height, &index) == 0) {
        json_object *receipt = s_receipt_json (self, height, index);
        zmsg_t *reply = accord_wire_reply_ok (head, receipt);
        json_object_put (receipt);
        return reply;
    }
    int64_t wait_ms = 0;
    accord_json_get_int64 (request, "wait_ms", 0, NODE_WAIT_MAX_MS, &wait_ms);
    if (wait_ms <= 0)
        return accord_wire_reply_err (head, ACCORD_E_NOT_FOUND,
                                      accord_pool_lookup (self->pool, hash) ? "transaction is pending"
                                                                           : "no such transaction");
    waiter_t *waiter = calloc (1, sizeof *waiter);
    waiter->routing = *routing_p;
    *routing_p = NULL;
    waiter->head = *head;
    memcpy (waiter->hash, hash, ACCORD_HASH_SIZE);
    waiter->deadline = zclock_mono () + wait_ms;
    zlistx_add_end (self->waiters, waiter);
    return NULL;
}

static zmsg_t *
s_rpc_block (node_t *self, const accord_request_head_t *head, json_object *request)
{
    int64_t height = 0;
    uint8_t hash [ACCORD_HASH_SIZE];
    if (s_parse_hash (request, "hash", hash) == 0) {
        uint64_t found;
        if (accord_store_block_height (self->store, hash, &found))
            return accord_wire_reply_err (head, ACCORD_E_NOT_FOUND, "no block with that hash");
        height = (int64_t) found;
    }
    else if (accord_json_get_int64 (request, "height", 1, INT64_MAX, &height))
        return accord_wire_reply_err (head, ACCORD_E_INVALID_ARGUMENT, "give 'height' (1 or more) or 'hash'");
    size_t len;
    uint8_t *raw = accord_store_block (self->store, (uint64_t) height, &len);
    if (!raw)
        return accord_wire_reply_err (head, ACCORD_E_NOT_FOUND, "no block at that height");
    accord_block_t *block = accord_block_decode (raw, len, NULL, 0);
    if (!block) {
        free (raw);
        return accord_wire_reply_err (head, ACCORD_E_INTERNAL, "stored block does not decode");
    }
    json_object *txs_flag;
    int with_txs = json_object_object_get_ex (request, "txs", &txs_flag) && json_object_get_boolean (txs_flag);
    json_object *result = accord_block_to_json (block, with_txs);
    json_object_object_add (result, "header_raw", accord_header_hex_json (&block->header));
    zmsg_t *reply = accord_wire_reply_ok (head, result);
    json_object_put (result);
    accord_block_destroy (&block);
    free (raw);
    return reply;
}

static zmsg_t *
s_rpc_status (node_t *self, const accord_request_head_t *head)
{
    json_object *status = json_object_new_object ();
    uint8_t hash [ACCORD_HASH_SIZE];
    char hex [2 * ACCORD_HASH_SIZE + 1];
    accord_store_last_hash (self->store, hash);
    s_hex (hex, sizeof hex, hash, ACCORD_HASH_SIZE);
    json_object_object_add (status, "chain_id", json_object_new_string (self->genesis.chain_id));
    json_object_object_add (status, "name", json_object_new_string (self->config.name));
    json_object_object_add (status, "index", json_object_new_int (self->me));
    json_object_object_add (status, "height", json_object_new_int64 ((int64_t) accord_store_height (self->store)));
    json_object_object_add (status, "hash", json_object_new_string (hex));
    json_object_object_add (status, "view", json_object_new_int64 ((int64_t) self->view));
    json_object_object_add (status, "view_changing", json_object_new_boolean (self->changing));
    json_object_object_add (status, "leader", json_object_new_int (s_leader (self, self->view)));
    json_object_object_add (status, "pool", json_object_new_int64 ((int64_t) accord_pool_size (self->pool)));
    json_object_object_add (status, "params", accord_params_to_json (&self->params));
    json_object_object_add (status, "tx_verifications", json_object_new_int64 ((int64_t) self->tx_verifications));
    json_object *validators = json_object_new_array ();
    int64_t now = zclock_mono ();
    int connected = 0;
    for (size_t i = 0; i < self->genesis.member_count; i++) {
        char key [2 * ACCORD_PUBKEY_SIZE + 1];
        accord_key_hex (key, self->genesis.members [i].public_key);
        int alive = (int) i == self->me || (self->peer_seen [i] && now - self->peer_seen [i] < NODE_PEER_ALIVE_MS);
        if (alive && (int) i != self->me)
            connected++;
        json_object *item = json_object_new_object ();
        json_object_object_add (item, "name", json_object_new_string (self->genesis.members [i].name));
        json_object_object_add (item, "public_key", json_object_new_string (key));
        json_object_object_add (item, "connected", json_object_new_boolean (alive));
        json_object_array_add (validators, item);
    }
    json_object_object_add (status, "validators", validators);
    json_object_object_add (status, "peers_connected", json_object_new_int (connected));
    zmsg_t *reply = accord_wire_reply_ok (head, status);
    json_object_put (status);
    return reply;
}

static zmsg_t *
s_rpc_query (node_t *self, const accord_request_head_t *head, json_object *request)
{
    const char *module_name = accord_json_get_string (request, "module");
    const char *method = accord_json_get_string (request, "method");
    json_object *args = accord_json_get_object (request, "args");
    const accord_module_t *module = module_name ? accord_module_find (module_name) : NULL;
    if (!module)
        return accord_wire_reply_err (head, ACCORD_E_UNKNOWN_MODULE, "QUERY needs a known 'module'");
    if (!method)
        return accord_wire_reply_err (head, ACCORD_E_UNKNOWN_METHOD, "QUERY needs 'method'");
    json_object *empty = args ? NULL : json_object_new_object ();
    accord_query_t ctx = { .state = accord_state_new (self->store, NULL), .store = self->store, .genesis = &self->genesis };
    json_object *result = NULL;
    int rc = module->query (&ctx, method, args ? args : empty, &result);
    accord_state_destroy (&ctx.state);
    json_object_put (empty);
    zmsg_t *reply = rc == ACCORD_OK ? accord_wire_reply_ok (head, result)
                                    : accord_wire_reply_err (head, rc, ctx.message);
    json_object_put (result);
    return reply;
}

static json_object *
s_path_json (uint8_t (*path)[ACCORD_HASH_SIZE], size_t len)
{
    json_object *array = json_object_new_array ();
    for (size_t i = 0; i < len; i++) {
        char hex [2 * ACCORD_HASH_SIZE + 1];
        s_hex (hex, sizeof hex, path [i], ACCORD_HASH_SIZE);
        json_object_array_add (array, json_object_new_string (hex));
    }
    return array;
}

//  The blocks below height that changed the validator set, each with its header, certificate
//  and the new set, so that a light client can walk from the genesis set to the one that
//  certifies height.
static json_object *
s_validator_changes (node_t *self, uint64_t height)
{
    json_object *result = json_object_new_array ();
    accord_state_t *state = accord_state_new (self->store, NULL);
    json_object *changes = accord_state_get_json (state, "system/validator_changes");
    accord_state_destroy (&state);
    for (size_t i = 0; changes && i < json_object_array_length (changes); i++) {
        json_object *change = json_object_array_get_idx (changes, i);
        uint64_t at = (uint64_t) json_object_get_int64 (json_object_object_get (change, "height"));
        size_t len;
        uint8_t *raw = at < height ? accord_store_block (self->store, at, &len) : NULL;
        accord_block_t *block = raw ? accord_block_decode (raw, len, NULL, 0) : NULL;
        free (raw);
        if (!block)
            continue;
        json_object *item = json_object_new_object ();
        json_object_object_add (item, "height", json_object_new_int64 ((int64_t) at));
        json_object_object_add (item, "header", accord_header_hex_json (&block->header));
        json_object_object_add (item, "certificate", accord_cert_to_json (&block->cert));
        json_object_object_add (item, "validators", json_object_get (json_object_object_get (change, "validators")));
        json_object_array_add (result, item);
        accord_block_destroy (&block);
    }
    json_object_put (changes);
    return result;
}

static zmsg_t *
s_rpc_proof (node_t *self, const accord_request_head_t *head, json_object *request)
{
    uint8_t hash [ACCORD_HASH_SIZE];
    if (s_parse_hash (request, "tx", hash))
        return accord_wire_reply_err (head, ACCORD_E_INVALID_ARGUMENT, "'tx' must be a transaction hash in hex");
    uint64_t height;
    uint32_t index;
    if (accord_store_tx_location (self->store, hash, &height, &index))
        return accord_wire_reply_err (head, ACCORD_E_NOT_FOUND, "transaction is not on chain");
    size_t len;
    uint8_t *raw = accord_store_block (self->store, height, &len);
    accord_block_t *block = raw ? accord_block_decode (raw, len, NULL, 0) : NULL;
    free (raw);
    if (!block)
        return accord_wire_reply_err (head, ACCORD_E_INTERNAL, "stored block does not decode");
    size_t count = block->tx_count;
    uint8_t (*leaves)[ACCORD_HASH_SIZE] = malloc (count * ACCORD_HASH_SIZE);
    uint8_t path [ACCORD_MERKLE_MAX_PATH][ACCORD_HASH_SIZE];
    size_t path_len = 0;
    json_object *proof = json_object_new_object ();
    for (size_t i = 0; i < count; i++)
        accord_merkle_leaf_hash (leaves [i], block->txs [i]->hash, ACCORD_HASH_SIZE);
    accord_merkle_proof (path, &path_len, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, count, index);
    json_object_object_add (proof, "tx_path", s_path_json (path, path_len));
    char *receipt = NULL;
    for (size_t i = 0; i < count; i++) {
        size_t receipt_len = 0;
        uint8_t *data = accord_store_receipt (self->store, height, (uint32_t) i, &receipt_len);
        accord_merkle_leaf_hash (leaves [i], data, receipt_len);
        if (i == index)
            receipt = (char *) data;
        else
            free (data);
    }
    accord_merkle_proof (path, &path_len, (const uint8_t (*)[ACCORD_HASH_SIZE]) leaves, count, index);
    json_object_object_add (proof, "receipt_path", s_path_json (path, path_len));
    free (leaves);
    char hex [2 * ACCORD_HASH_SIZE + 1];
    s_hex (hex, sizeof hex, hash, ACCORD_HASH_SIZE);
    json_object_object_add (proof, "tx", json_object_new_string (hex));
    json_object_object_add (proof, "height", json_object_new_int64 ((int64_t) height));
    json_object_object_add (proof, "index", json_object_new_int64 (index));
    json_object_object_add (proof, "count", json_object_new_int64 ((int64_t) count));
    json_object_object_add (proof, "receipt", json_object_new_string (receipt ? receipt : ""));
    free (receipt);
    json_object_object_add (proof, "header", accord_header_hex_json (&block->header));
    json_object_object_add (proof, "certificate", accord_cert_to_json (&block->cert));
    accord_block_destroy (&block);
    json_object_object_add (proof, "validator_changes", s_validator_changes (self, height));
    zmsg_t *reply = accord_wire_reply_ok (head, proof);
    json_object_put (proof);
    return reply;
}

static int
s_on_rpc (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    node_t *self = arg;
    zmsg_t *in = zmsg_recv (reader);
    if (!in)
        return 0;
    zframe_t *routing = zmsg_pop (in);
    accord_request_head_t head;
    char err [200];
    int rc = accord_wire_parse_request (in, &head, err, sizeof err);
    zmsg_t *reply = NULL;
    if (rc != ACCORD_OK)
        reply = accord_wire_reply_err (&head, rc, err);
    else if (streq (head.command, "SUBMIT"))
        reply = s_rpc_submit (self, &head, in);
    else if (streq (head.command, "STATUS"))
        reply = s_rpc_status (self, &head);
    else {
        json_object *request = NULL;
        zframe_t *frame = zmsg_first (in);
        if (zmsg_size (in) == 1)
            request = accord_json_parse ((const char *) zframe_data (frame), zframe_size (frame), err, sizeof err);
        else
            snprintf (err, sizeof err, "expects one JSON frame");
        if (request && !json_object_is_type (request, json_type_object)) {
            json_object_put (request);
            request = NULL;
            snprintf (err, sizeof err, "request must be a JSON object");
        }
        if (!streq (head.command, "RECEIPT") && !streq (head.command, "BLOCK")
        &&  !streq (head.command, "QUERY") && !streq (head.command, "PROOF")) {
            snprintf (err, sizeof err, "unknown command '%s' (SUBMIT RECEIPT BLOCK STATUS QUERY PROOF)", head.command);
            reply = accord_wire_reply_err (&head, ACCORD_E_UNKNOWN_COMMAND, err);
        }
        else if (!request)
            reply = accord_wire_reply_err (&head, ACCORD_E_MALFORMED, err);
        else if (streq (head.command, "RECEIPT"))
            reply = s_rpc_receipt (self, &routing, &head, request);
        else if (streq (head.command, "BLOCK"))
            reply = s_rpc_block (self, &head, request);
        else if (streq (head.command, "QUERY"))
            reply = s_rpc_query (self, &head, request);
        else
            reply = s_rpc_proof (self, &head, request);
        json_object_put (request);
    }
    if (reply && routing) {
        zmsg_prepend (reply, &routing);
        zmsg_send (&reply, reader);
    }
    zmsg_destroy (&reply);
    zframe_destroy (&routing);
    zmsg_destroy (&in);
    return 0;
}

//  --------------------------------------------------------------------------
//  The validator set in force and what hangs on it: our index, the links to the other
//  validators and the CURVE allowlist of the peer socket.

static void
s_unlink_peer (node_t *self, size_t i)
{
    if (self->peers [i] && self->loop)
        zloop_reader_end (self->loop, self->peers [i]);
    zsock_destroy (&self->peers [i]);
}

//  Our link to validator i. libzmq does not retry a CURVE handshake that the peer refused
//  (a node outside the set is refused until the validators admit it), so a link that does
//  not carry is made anew: see s_relink_broken_peers and the STATUS bitmap.
static void
s_link_peer (node_t *self, size_t i)
{
    s_unlink_peer (self, i);
    zsock_t *peer = zsock_new (ZMQ_DEALER);
    zcert_apply (self->cert, peer);
    zsock_set_curve_serverkey (peer, self->genesis.members [i].curve_key);
    zsock_set_sndtimeo (peer, 0);
    zsock_set_sndhwm (peer, 100000);
    zsock_set_immediate (peer, 1);
    zsock_set_linger (peer, 0);
    zsock_set_reconnect_ivl (peer, 100);
    zsock_set_reconnect_ivl_max (peer, 1000);
    if (zsock_connect (peer, "%s", self->genesis.members [i].peer_endpoint))
        zsys_warning ("%s: cannot connect to %s", self->config.name, self->genesis.members [i].peer_endpoint);
    self->peers [i] = peer;
    self->peer_linked [i] = zclock_mono ();
    zloop_reader (self->loop, peer, s_on_peer_reply, self);
}

static void
s_close_peers (node_t *self)
{
    for (size_t i = 0; i < ACCORD_MAX_VALIDATORS; i++) {
        s_unlink_peer (self, i);
        self->peer_seen [i] = 0;
        self->peer_height [i] = 0;
    }
}

static void
s_connect_peers (node_t *self)
{
    for (size_t i = 0; i < self->genesis.member_count; i++)
        if ((int) i != self->me)
            s_link_peer (self, i);
}

//  Links that we know do not carry: a sync request unanswered for NODE_RELINK_MS (every
//  request gets an answer, even an empty one).
static void
s_relink_broken_peers (node_t *self)
{
    int64_t now = zclock_mono ();
    for (size_t i = 0; i < self->genesis.member_count; i++)
        if (self->sync_pending [i] && now - self->sync_pending [i] > NODE_RELINK_MS) {
            self->sync_pending [i] = 0;
            s_link_peer (self, i);
        }
}

//  Saves a public certificate as DIR/NAME-N.cert unless its key is among keys [0 .. *count).
static void
s_allow (node_t *self, const char *dir, const char *name, const uint8_t *public_key,
         uint8_t (*keys)[32], size_t *count)
{
    for (size_t i = 0; i < *count; i++)
        if (memcmp (keys [i], public_key, 32) == 0)
            return;     //  zcertstore refuses (asserts on) a key twice
    uint8_t no_secret [32] = { 0 };
    zcert_t *cert = zcert_new_from (public_key, no_secret);
    char path [PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s-%zu.cert", dir, name, *count);
    if (zcert_save_public (cert, path))
        zsys_error ("%s: cannot write %s", self->config.name, path);
    zcert_destroy (&cert);
    memcpy (keys [(*count)++], public_key, 32);
}

//  The peer socket lets in the validators in force and the certificates the operator put in
//  curve_dir (its observers). zauth reads a folder the node owns, DATA/allowlist, rebuilt
//  from both whenever the set changes.
static void
s_write_allowlist (node_t *self)
{
    char allow_dir [PATH_MAX + 16];
    snprintf (allow_dir, sizeof allow_dir, "%s/allowlist", self->config.data_dir);
    mkdir (allow_dir, 0700);
    DIR *dir = opendir (allow_dir);
    for (struct dirent *entry = dir ? readdir (dir) : NULL; entry; entry = readdir (dir))
        if (entry->d_name [0] != '.') {
            char path [PATH_MAX + 300];
            snprintf (path, sizeof path, "%s/%s", allow_dir, entry->d_name);
            unlink (path);
        }
    if (dir)
        closedir (dir);
    uint8_t (*keys)[32] = malloc (1024 * 32);
    size_t count = 0;
    for (size_t i = 0; i < self->genesis.member_count; i++) {
        uint8_t public_key [32];
        if (zmq_z85_decode (public_key, self->genesis.members [i].curve_key))
            s_allow (self, allow_dir, "validator", public_key, keys, &count);
    }
    dir = opendir (self->config.curve_dir);
    for (struct dirent *entry = dir ? readdir (dir) : NULL; entry && count < 1024; entry = readdir (dir)) {
        char path [PATH_MAX + 300];
        snprintf (path, sizeof path, "%s/%s", self->config.curve_dir, entry->d_name);
        size_t len = strlen (entry->d_name);
        zcert_t *cert = len > 5 && strcmp (entry->d_name + len - 5, ".cert") == 0 ? zcert_load (path) : NULL;
        if (cert)
            s_allow (self, allow_dir, "operator", zcert_public_key (cert), keys, &count);
        zcert_destroy (&cert);
    }
    if (dir)
        closedir (dir);
    free (keys);
    zstr_sendx (self->auth, "CURVE", allow_dir, NULL);
    zsock_wait (self->auth);
}

//  Reads the set in force from committed state and rebuilds what depends on it.
static int
s_load_validators (node_t *self)
{
    accord_state_t *state = accord_state_new (self->store, NULL);
    int rc = accord_system_validators (state, &self->genesis);
    accord_state_destroy (&state);
    if (rc) {
        zsys_error ("%s: the stored validator set is unreadable", self->config.name);
        return -1;
    }
    self->me = accord_validators_find (&self->genesis.validators, accord_key_public (self->key));
    s_close_peers (self);
    s_write_allowlist (self);
    s_connect_peers (self);
    return 0;
}

//  --------------------------------------------------------------------------
//  Timers and the pipe

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    node_t *self = arg;
    //  Each TXS message costs a signature and a verification per peer: batch for a while.
    if (self->forward_count && zclock_mono () - self->forward_since >= NODE_FORWARD_MS)
        s_flush_forward (self);
    if (self->me >= 0 && !self->changing && !self->proposal && s_leader (self, self->view) == self->me) {
        size_t waiting = accord_pool_size (self->pool);
        if (waiting >= self->params.block_max_txs
        ||  (waiting && zclock_mono () - accord_pool_oldest_ms (self->pool) >= self->params.block_interval_ms))
            s_propose (self);
    }
    s_arm_deadline (self);
    if (self->deadline && zclock_mono () >= self->deadline)
        s_start_view_change (self, self->view + 1);
    if (zlistx_size (self->waiters))
        s_answer_waiters (self, 1);
    if (self->byz) {
        accord_byz_env_t env = s_byz_env (self);
        accord_byz_tick (self->byz, &env);
    }
    return 0;
}

static int
s_on_heartbeat (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    node_t *self = arg;
    s_relink_broken_peers (self);
    if (self->me < 0) {
        //  Outside the set nobody sends us STATUS: ask each validator in turn for blocks.
        self->sync_peer = (self->sync_peer + 1) % (int) self->genesis.member_count;
        s_ask_sync (self, self->sync_peer);
        return 0;
    }
    uint8_t hash [ACCORD_HASH_SIZE];
    accord_store_last_hash (self->store, hash);
    //  The payload says which validators we heard lately, so each can tell whether its link
    //  to us carries.
    uint8_t heard [8] = { 0 };
    int64_t now = zclock_mono ();
    for (size_t i = 0; i < self->genesis.member_count; i++)
        if (self->peer_seen [i] && now - self->peer_seen [i] < NODE_PEER_ALIVE_MS)
            heard [i / 8] |= (uint8_t) (1 << (i % 8));
    s_broadcast_new (self, ACCORD_MSG_STATUS, self->view, accord_store_height (self->store), hash,
                     heard, sizeof heard);
    //  A view change of ours that nobody answered yet: say it again for peers that restarted.
    if (self->changing && self->view_changes [self->me])
        s_broadcast (self, self->view_changes [self->me]);
    return 0;
}

//  --------------------------------------------------------------------------
//  Start and stop

static int
s_start (node_t *self, const char *config_path)
{
    char err [512];
    if (accord_node_config_load (&self->config, config_path, err, sizeof err))
        return accord_service_fail (self->pipe, "%s", err);
    if (accord_genesis_load (&self->genesis, self->config.genesis, err, sizeof err))
        return accord_service_fail (self->pipe, "%s", err);
    self->key = accord_key_load (self->config.key_file);
    if (!self->key)
        return accord_service_fail (self->pipe, "cannot load key %s", self->config.key_file);
    self->byz = accord_byz_new (getenv (ACCORD_BYZ_ENV), err, sizeof err);
    if (*err)
        return accord_service_fail (self->pipe, "%s", err);
    for (int i = 0; self->byz && i < 3; i++)
        zsys_warning ("%s: *** TEST-ONLY BYZANTINE MODE '%s' (%s): this node misbehaves on purpose; "
                      "never set %s outside tests ***", self->config.name, accord_byz_modes (self->byz),
                      ACCORD_BYZ_ENV, ACCORD_BYZ_ENV);
    self->cert = zcert_load (self->config.curve_cert);
    if (!self->cert)
        return accord_service_fail (self->pipe, "cannot load CURVE certificate %s", self->config.curve_cert);
    self->store = accord_store_new (self->config.data_dir, err, sizeof err);
    if (!self->store)
        return accord_service_fail (self->pipe, "%s", err);
    s_load_params (self);
    self->pool = accord_pool_new (NODE_POOL_MAX, NODE_POOL_BYTES);
    self->waiters = zlistx_new ();
    accord_buf_init (&self->forward);

    //  Restore consensus state: the height, the view (if it belongs to this height) and the
    //  prepared certificate. After a restart we do not PREPARE again in the view we were in.
    self->height = accord_store_height (self->store) + 1;
    size_t len;
    uint8_t *raw = accord_store_block (self->store, self->height - 1, &len);
    accord_block_t *last = raw ? accord_block_decode (raw, len, NULL, 0) : NULL;
    if (last) {
        self->view = last->cert.view;
        self->last_timestamp = last->header.timestamp_ms;
    }
    accord_block_destroy (&last);
    free (raw);
    raw = accord_store_meta_get (self->store, "view", &len);
    if (raw && len == 16) {
        accord_reader_t in;
        accord_reader_init (&in, raw, len);
        uint64_t height = accord_reader_u64 (&in), view = accord_reader_u64 (&in);
        if (height == self->height && view > self->view)
            self->view = view;
    }
    free (raw);
    //  A node that ran before may have voted in this view before it stopped; a new one has not.
    raw = accord_store_meta_get (self->store, "started", &len);
    if (raw) {
        self->no_vote_height = self->height;
        self->no_vote_view = self->view;
    }
    else if (accord_store_meta_put (self->store, "started", "1", 1))
        return accord_service_fail (self->pipe, "cannot write to the store in %s", self->config.data_dir);
    free (raw);
    raw = accord_store_meta_get (self->store, "prepared", &len);
    if (raw) {
        accord_reader_t in;
        accord_reader_init (&in, raw, len);
        if (accord_prepared_decode (&self->prepared, &in) || !self->prepared.block
        ||  self->prepared.block->header.height != self->height)
            accord_prepared_clear (&self->prepared);
        free (raw);
    }

    //  CURVE: only validators' certificates may connect to the peer socket.
    self->auth = zactor_new (zauth, NULL);
    zstr_sendx (self->auth, "VERBOSE", NULL);
    zsock_wait (self->auth);
    self->peer_router = zsock_new (ZMQ_ROUTER);
    zcert_apply (self->cert, self->peer_router);
    zsock_set_curve_server (self->peer_router, 1);
    zsock_set_rcvhwm (self->peer_router, 100000);
    //  A validator's frame larger than any message closes its connection before we buffer it.
    zsock_set_maxmsgsize (self->peer_router, NODE_PEER_FRAME_MAX);
    if (zsock_bind (self->peer_router, "%s", self->config.peer_bind) < 0)
        return accord_service_fail (self->pipe, "cannot bind peer endpoint %s", self->config.peer_bind);
    self->loop = zloop_new ();
    if (s_load_validators (self))
        return accord_service_fail (self->pipe, "%s", "cannot load the validator set");
    self->rpc = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (self->rpc, 0);
    zsock_set_rcvhwm (self->rpc, 100000);
    zsock_set_sndhwm (self->rpc, 100000);
    if (zsock_bind (self->rpc, "%s", self->config.rpc_bind) < 0)
        return accord_service_fail (self->pipe, "cannot bind RPC endpoint %s", self->config.rpc_bind);
    self->pub = zsock_new (ZMQ_XPUB);
    zsock_set_sndhwm (self->pub, 100000);
    self->subscriptions = zlistx_new ();
    zlistx_set_destructor (self->subscriptions, (czmq_destructor *) zstr_free);
    zlistx_set_comparator (self->subscriptions, (czmq_comparator *) strcmp);
    if (zsock_bind (self->pub, "%s", self->config.pub_bind) < 0)
        return accord_service_fail (self->pipe, "cannot bind PUB endpoint %s", self->config.pub_bind);

    zloop_reader (self->loop, self->pipe, accord_service_on_pipe, NULL);
    zloop_reader (self->loop, self->peer_router, s_on_peer, self);
    zloop_reader (self->loop, self->rpc, s_on_rpc, self);
    zloop_reader (self->loop, self->pub, s_on_subscription, self);
    zloop_timer (self->loop, NODE_TICK_MS, 0, s_on_tick, self);
    zloop_timer (self->loop, NODE_HEARTBEAT_MS, 0, s_on_heartbeat, self);
    zsys_info ("%s: chain %s, validator %d of %zu, height %llu, view %llu; peer %s rpc %s pub %s",
               self->config.name, self->genesis.chain_id, self->me, self->genesis.validators.count,
               (unsigned long long) accord_store_height (self->store), (unsigned long long) self->view,
               self->config.peer_bind, self->config.rpc_bind, self->config.pub_bind);
    zstr_sendx (self->pipe, "READY", NULL);
    return 0;
}

static void
s_stop (node_t *self)
{
    s_close_peers (self);
    zloop_destroy (&self->loop);
    for (size_t i = 0; i < ACCORD_MAX_VALIDATORS; i++)
        accord_msg_destroy (&self->view_changes [i]);
    zsock_destroy (&self->peer_router);
    zsock_destroy (&self->rpc);
    zsock_destroy (&self->pub);
    zlistx_destroy (&self->subscriptions);
    zactor_destroy (&self->auth);
    if (self->waiters) {
        for (waiter_t *waiter = zlistx_first (self->waiters); waiter; waiter = zlistx_next (self->waiters)) {
            zframe_destroy (&waiter->routing);
            free (waiter);
        }
        zlistx_destroy (&self->waiters);
    }
    s_reset_round (self);
    accord_prepared_clear (&self->prepared);
    accord_buf_reset (&self->forward);
    accord_pool_destroy (&self->pool);
    accord_store_destroy (&self->store);
    zcert_destroy (&self->cert);
    accord_key_destroy (&self->key);
    accord_byz_destroy (&self->byz);
}

void
accord_node_actor (zsock_t *pipe, void *config_path)
{
    node_t *self = calloc (1, sizeof *self);
    self->pipe = pipe;
    self->me = -1;
    zsock_signal (pipe, 0);
    if (s_start (self, config_path) == 0)
        zloop_start (self->loop);
    s_stop (self);
    free (self);
}
