/*  bench-chain: throughput, latency and fail-over of a 4-validator Accord chain on loopback.

    Starts the network as a user would (`accord net init`, `accord net start`), pre-signs
    evidence.anchor transactions from many sender keys, and offers them open-loop (at a fixed
    rate, never waiting for replies) through SUBMIT on every member's RPC socket. Commits are
    learned from the members' PUB sockets ("block" topic). Phases:
      1. ceiling: this machine's secp256k1 verifications per second on one core, before the
         network starts, times cores, divided by the validators (each verifies every tx once);
      2. saturation: rising offered rates; chain.tps is the highest committed rate measured in
         the steady part of a step;
      3. latency: 80 % of chain.tps for a while, submit (scheduled time) to commit notification;
      4. fail-over: the same load, the leader is killed with SIGKILL, time to the next block
         decided in a later view.
    Commit notifications come from members 3 and 4 (the first to publish a height counts).
    ACCORD_BENCH_WORKLOAD=did offers did.create transactions instead (bench-identity's
    identity.did_create_tps), ACCORD_BENCH_PHASES=saturation stops after phase 2.
    Prints `name: value` lines on stdout; progress goes to stderr. The network is always stopped
    and its folder removed (ACCORD_BENCH_KEEP=1 keeps it). Built binaries come from $ACCORD_BIN
    (default build/bin). */
#include "benchfx.h"
#include "accord/config.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/tx.h"
#include "accord/wire.h"
#include <czmq.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MEMBERS            4
#define SENDERS            2048             //  sender keys; sender s submits through member s % 4
#define MAX_TXS            (1 << 20)
#define MAX_HEIGHTS        (1 << 20)
#define SUBMIT_BATCH       500              //  frames per SUBMIT at most
#define TICK_US            5000             //  the sender's pacing step
#define CEILING_SECONDS    2.0              //  in CEILING_RUNS runs
#define CEILING_RUNS       4
#define STEP_SECONDS       5.0              //  one saturation step
#define STEP_WARMUP        1.5              //  ... of which the first seconds are not measured
#define STEP_FIRST         0.35             //  first step, as a share of the ceiling
#define STEP_FACTOR        1.2
#define STEP_MAX           8
#define STEP_OVERLOADED    0.8              //  committed below this share of offered: stop
#define LATENCY_SECONDS    10.0
#define LATENCY_SHARE      0.8
#define FAILOVER_BEFORE    3.0              //  seconds of load before the kill
#define FAILOVER_WAIT      15.0             //  longest wait for the next view's commit
#define DRAIN_SECONDS      30.0
#define TOTAL_SECONDS      170              //  hard stop, under make's 3 minutes

typedef struct {
    uint8_t *raw;
    size_t len;
    uint8_t hash [ACCORD_HASH_SIZE];
    int64_t due_us;                         //  scheduled submit time
    int64_t commit_us;                      //  first commit notification, 0 before
} btx_t;

typedef struct {
    int64_t recv_us;
    uint64_t height;
    uint64_t view;
    size_t txs;
} bblock_t;

typedef struct {
    size_t first, count;                    //  transactions [first, first + count)
    double rate;                            //  per second
    int64_t start_us;
    size_t sent;
} load_t;

typedef struct {
    bench_net_t net;
    accord_client_t *clients [MEMBERS];
    zsock_t *rpc [MEMBERS];                 //  DEALERs for SUBMIT
    zsock_t *sub;                           //  SUB on every member's PUB
    int alive [MEMBERS];
    uint64_t next_id;

    accord_key_t *senders [SENDERS];
    uint64_t nonces [SENDERS];
    btx_t *txs;
    size_t tx_count;
    uint32_t *table;                        //  tx hash -> index + 1, open addressing
    size_t table_mask;
    size_t committed;                       //  transactions of ours seen committed
    size_t foreign;                         //  transactions in blocks that are not ours

    uint8_t *seen;                          //  heights already counted
    uint64_t max_height;
    bblock_t *blocks;
    size_t block_count;

    size_t sent, admitted, rejected, send_failed;
    char first_error [256];
} bench_t;

//  --------------------------------------------------------------------------
//  The network, through the accord tool

static int
s_network_start (bench_t *self)
{
    if (bench_net_start (&self->net, MEMBERS))
        return -1;
    for (int k = 0; k < MEMBERS; k++) {
        self->clients [k] = accord_client_new (self->net.config [k].rpc_endpoint, 3000);
        self->rpc [k] = zsock_new (ZMQ_DEALER);
        zsock_set_sndhwm (self->rpc [k], 100000);
        zsock_set_rcvhwm (self->rpc [k], 100000);
        zsock_set_sndtimeo (self->rpc [k], 0);
        zsock_set_rcvtimeo (self->rpc [k], 0);
        zsock_set_linger (self->rpc [k], 0);
        if (zsock_connect (self->rpc [k], "%s", self->net.config [k].rpc_endpoint))
            return -1;
        self->alive [k] = 1;
    }
    self->sub = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (self->sub, 100000);
    zsock_set_rcvtimeo (self->sub, 0);
    zsock_set_subscribe (self->sub, "block");
    //  Two members' blocks: one of them outlives the leader's kill (the first height seen
    //  counts, from either).
    for (int k = MEMBERS - 2; k < MEMBERS; k++)
        if (zsock_connect (self->sub, "%s", self->net.config [k].pub_endpoint))
            return -1;
    return 0;
}

static void
s_network_stop (bench_t *self)
{
    for (int k = 0; k < MEMBERS; k++) {
        accord_client_destroy (&self->clients [k]);
        zsock_destroy (&self->rpc [k]);
    }
    zsock_destroy (&self->sub);
}

static json_object *
s_status (bench_t *self, int k)
{
    json_object *status = NULL;
    if (accord_client_call_json (self->clients [k], "STATUS", NULL, &status) != ACCORD_OK)
        return NULL;
    return status;
}

//  Transaction signatures the live members checked so far (STATUS tx_verifications).
static double
s_nodes_verifications (bench_t *self)
{
    double total = 0;
    for (int k = 0; k < MEMBERS; k++) {
        json_object *status = self->alive [k] ? s_status (self, k) : NULL;
        total += (double) json_object_get_int64 (json_object_object_get (status, "tx_verifications"));
        json_object_put (status);
    }
    return total;
}

//  Waits until every member sees every other one. 0 or -1.
static int
s_wait_connected (bench_t *self, double seconds)
{
    int64_t deadline = bench_now_us () + (int64_t) (seconds * 1e6);
    while (!bench_stopping () && bench_now_us () < deadline) {
        int ready = 0;
        for (int k = 0; k < MEMBERS; k++) {
            json_object *status = s_status (self, k);
            int64_t connected = 0;
            if (status)
                accord_json_get_int64 (status, "peers_connected", 0, MEMBERS, &connected);
            json_object_put (status);
            ready += connected == MEMBERS - 1;
        }
        if (ready == MEMBERS)
            return 0;
        zclock_sleep (100);
    }
    return -1;
}

//  --------------------------------------------------------------------------
//  Transactions

static void
s_table_insert (bench_t *self, size_t index)
{
    uint64_t key;
    memcpy (&key, self->txs [index].hash, sizeof key);
    size_t slot = (size_t) key & self->table_mask;
    while (self->table [slot])
        slot = (slot + 1) & self->table_mask;
    self->table [slot] = (uint32_t) index + 1;
}

static btx_t *
s_table_find (bench_t *self, const uint8_t hash [ACCORD_HASH_SIZE])
{
    uint64_t key;
    memcpy (&key, hash, sizeof key);
    for (size_t slot = (size_t) key & self->table_mask; self->table [slot];
         slot = (slot + 1) & self->table_mask) {
        btx_t *tx = &self->txs [self->table [slot] - 1];
        if (memcmp (tx->hash, hash, ACCORD_HASH_SIZE) == 0)
            return tx;
    }
    return NULL;
}

typedef struct {
    bench_t *bench;
    accord_tx_t **txs;
    size_t from, to;
    int failed;
} sign_job_t;

//  ACCORD_BENCH_WORKLOAD=did: did.create transactions, each signed by a fresh key (a new
//  DID), instead of evidence.anchor from the SENDERS keys.
static int
s_workload_did (void)
{
    const char *workload = getenv ("ACCORD_BENCH_WORKLOAD");
    return workload && streq (workload, "did");
}

static void *
s_sign_worker (void *arg)
{
    sign_job_t *job = arg;
    int fresh = s_workload_did ();
    for (size_t i = job->from; i < job->to; i++) {
        size_t sender = (job->bench->tx_count + i) % SENDERS;
        accord_key_t *key = fresh ? accord_key_new () : job->bench->senders [sender];
        if (!key || accord_tx_sign (job->txs [i], key))
            job->failed = 1;
        if (fresh)
            accord_key_destroy (&key);
    }
    return NULL;
}

//  Makes and signs count more transactions (evidence.anchor of distinct hashes). Transaction
//  i is sent by sender i % SENDERS with that sender's next nonce (or, for the did workload,
//  is a did.create by a key of its own). 0 or -1.
static int
s_presign (bench_t *self, size_t count)
{
    if (self->tx_count + count > MAX_TXS)
        count = MAX_TXS - self->tx_count;
    accord_tx_t **txs = calloc (count ? count : 1, sizeof *txs);
    for (size_t i = 0; i < count; i++) {
        size_t index = self->tx_count + i;
        uint8_t digest [ACCORD_HASH_SIZE];
        char label [64], hex [2 * ACCORD_HASH_SIZE + 1], args [128];
        snprintf (label, sizeof label, "accord bench %d %zu", (int) getpid (), index);
        accord_sha256 (digest, label, strlen (label));
        accord_hex_encode (hex, sizeof hex, digest, sizeof digest);
        snprintf (args, sizeof args, "{\"hash\":\"%s\"}", hex);
        txs [i] = s_workload_did ()
                ? accord_tx_new (self->net.genesis.chain_id, "did", "create", "{}", 1, 1000000000)
                : accord_tx_new (self->net.genesis.chain_id, "evidence", "anchor", args,
                                 ++self->nonces [index % SENDERS], 1000000000);
        if (!txs [i])
            return -1;
    }
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    int workers = cores > 1 ? (int) (cores < 8 ? cores : 8) : 1;
    pthread_t threads [8];
    sign_job_t jobs [8];
    for (int w = 0; w < workers; w++) {
        jobs [w] = (sign_job_t) { self, txs, count * (size_t) w / (size_t) workers,
                                  count * (size_t) (w + 1) / (size_t) workers, 0 };
        pthread_create (&threads [w], NULL, s_sign_worker, &jobs [w]);
    }
    int rc = 0;
    for (int w = 0; w < workers; w++) {
        pthread_join (threads [w], NULL);
        rc |= jobs [w].failed;
    }
    for (size_t i = 0; i < count; i++) {
        btx_t *tx = &self->txs [self->tx_count];
        tx->raw = txs [i]->raw;
        tx->len = txs [i]->raw_len;
        txs [i]->raw = NULL;
        memcpy (tx->hash, txs [i]->hash, ACCORD_HASH_SIZE);
        accord_tx_destroy (&txs [i]);
        s_table_insert (self, self->tx_count++);
    }
    free (txs);
    return rc ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  The event loop: send what is due, read replies and blocks

static void
s_on_block (bench_t *self, zmsg_t *msg, int64_t now)
{
    char *topic = zmsg_popstr (msg);
    char *height_text = zmsg_popstr (msg);
    zframe_t *raw = zmsg_first (msg);
    uint64_t height = height_text ? strtoull (height_text, NULL, 10) : 0;
    if (topic && streq (topic, "block") && raw && height > 0 && height < MAX_HEIGHTS
    &&  !self->seen [height]) {
        char err [128];
        accord_block_t *block = accord_block_decode (zframe_data (raw), zframe_size (raw), err, sizeof err);
        if (block) {
            self->seen [height] = 1;
            if (height > self->max_height)
                self->max_height = height;
            for (size_t i = 0; i < block->tx_count; i++) {
                btx_t *tx = s_table_find (self, block->txs [i]->hash);
                if (!tx)
                    self->foreign++;
                else if (!tx->commit_us) {
                    tx->commit_us = now;
                    self->committed++;
                }
            }
            self->blocks [self->block_count++] = (bblock_t) { now, height, block->cert.view, block->tx_count };
            accord_block_destroy (&block);
        }
        else
            bench_log ("block %llu does not decode: %s", (unsigned long long) height, err);
    }
    zstr_free (&topic);
    zstr_free (&height_text);
}

static void
s_on_reply (bench_t *self, zmsg_t *msg)
{
    zframe_t *version = zmsg_first (msg);
    zframe_t *status = zmsg_next (msg);
    zmsg_next (msg);        //  id
    zframe_t *body = zmsg_next (msg);
    if (!version || !status)
        return;
    if (zframe_streq (status, "OK") && body) {
        //  A JSON array of {"hash"} or {"error", "message"} per transaction (or one object).
        const char *data = (const char *) zframe_data (body);
        size_t size = zframe_size (body), errors = 0, items = 0;
        for (const char *at = data; (at = memmem (at, size - (size_t) (at - data), "{\"", 2)); at += 2)
            items++;
        const char *first = memmem (data, size, "\"error\"", 7);
        for (const char *at = first; at; at = memmem (at + 7, size - (size_t) (at + 7 - data), "\"error\"", 7))
            errors++;
        if (errors && !*self->first_error)
            snprintf (self->first_error, sizeof self->first_error, "%.*s",
                      (int) (size - (size_t) (first - data) < 200 ? size - (size_t) (first - data) : 200), first);
        self->rejected += errors;
        self->admitted += items - errors;
    }
    else {
        zframe_t *code = body, *message = zmsg_next (msg);
        self->rejected++;
        if (!*self->first_error)
            snprintf (self->first_error, sizeof self->first_error, "%.*s: %.*s",
                      code ? (int) zframe_size (code) : 0, code ? (char *) zframe_data (code) : "",
                      message ? (int) zframe_size (message) : 0, message ? (char *) zframe_data (message) : "");
    }
}

static int
s_member_for (bench_t *self, size_t index)
{
    int k = (int) (index % SENDERS % MEMBERS);
    for (int i = 0; i < MEMBERS && !self->alive [k]; i++)
        k = (k + 1) % MEMBERS;
    return k;
}

static void
s_send_due (bench_t *self, load_t *load, int64_t now)
{
    if (!load || load->sent >= load->count)
        return;
    double elapsed = (double) (now - load->start_us) / 1e6;
    size_t due = elapsed < 0 ? 0 : (size_t) (elapsed * load->rate) + 1;
    if (due > load->count)
        due = load->count;
    zmsg_t *batch [MEMBERS] = { NULL };
    for (; load->sent < due; load->sent++) {
        size_t index = load->first + load->sent;
        btx_t *tx = &self->txs [index];
        tx->due_us = load->start_us + (int64_t) ((double) load->sent * 1e6 / load->rate);
        int k = s_member_for (self, index);
        if (!batch [k]) {
            uint64_t id = ++self->next_id;
            batch [k] = zmsg_new ();
            zmsg_addstr (batch [k], ACCORD_WIRE_VERSION);
            zmsg_addstr (batch [k], "SUBMIT");
            zmsg_addmem (batch [k], &id, sizeof id);
        }
        zmsg_addmem (batch [k], tx->raw, tx->len);
        self->sent++;
        if (zmsg_size (batch [k]) >= SUBMIT_BATCH + 3 || load->sent + 1 == due) {
            size_t frames = zmsg_size (batch [k]) - 3;
            if (zmsg_send (&batch [k], self->rpc [k])) {
                self->send_failed += frames;
                zmsg_destroy (&batch [k]);
            }
        }
    }
    for (int k = 0; k < MEMBERS; k++) {
        if (!batch [k])
            continue;
        size_t frames = zmsg_size (batch [k]) - 3;
        if (zmsg_send (&batch [k], self->rpc [k])) {
            self->send_failed += frames;
            zmsg_destroy (&batch [k]);
        }
    }
}

//  Runs the loop until time until (or until done returns true, checked every pass).
//  Wakes for commit notifications only (their time is the measurement); replies are read in
//  passing, so that the bench itself costs the machine little.
static void
s_run (bench_t *self, load_t *load, int64_t until, int (*done) (bench_t *, void *), void *arg)
{
    zmq_pollitem_t items [1] = { { zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0 } };
    int64_t next_tick = bench_now_us ();
    while (!bench_stopping ()) {
        int64_t now = bench_now_us ();
        if (now >= until || (done && done (self, arg)))
            break;
        if (now >= next_tick) {
            s_send_due (self, load, now);
            next_tick = now + TICK_US;
        }
        int64_t wake = until < next_tick ? until : next_tick;
        long wait_ms = (long) ((wake - now + 999) / 1000);
        if (zmq_poll (items, 1, wait_ms > 0 ? wait_ms : 1) < 0 && errno != EINTR)
            break;
        zmsg_t *msg;
        while ((msg = zmsg_recv (self->sub)))
            s_on_block (self, msg, bench_now_us ()), zmsg_destroy (&msg);
        for (int k = 0; k < MEMBERS; k++)
            while ((msg = zmsg_recv (self->rpc [k])))
                s_on_reply (self, msg), zmsg_destroy (&msg);
    }
}

static int
s_all_committed (bench_t *self, void *arg)
{
    (void) arg;
    return self->committed + self->rejected + self->send_failed >= self->sent;
}

//  Waits until every transaction sent so far is committed (or was refused). 0 or -1.
static int
s_drain (bench_t *self, double seconds)
{
    s_run (self, NULL, bench_now_us () + (int64_t) (seconds * 1e6), s_all_committed, NULL);
    return s_all_committed (self, NULL) ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  Phases

//  Committed transactions per second in blocks first seen in [from, to): the first block's
//  transactions were gathered before the window and are not counted. -1 when too few blocks.
static double
s_commit_rate (bench_t *self, int64_t from, int64_t to)
{
    size_t first = SIZE_MAX, last = 0, txs = 0;
    for (size_t i = 0; i < self->block_count; i++) {
        bblock_t *block = &self->blocks [i];
        if (block->recv_us < from || block->recv_us >= to)
            continue;
        if (first == SIZE_MAX)
            first = i;
        else
            txs += block->txs;
        last = i;
    }
    if (first == SIZE_MAX || last == first || self->blocks [last].recv_us <= self->blocks [first].recv_us)
        return -1;
    return (double) txs * 1e6 / (double) (self->blocks [last].recv_us - self->blocks [first].recv_us);
}

//  One step of offered load for seconds; returns the committed rate in its steady part.
static double
s_step (bench_t *self, double rate, double seconds, int *sustained)
{
    size_t count = (size_t) (rate * seconds);
    size_t first = self->tx_count;
    if (s_presign (self, count))
        return -1;
    load_t load = { first, self->tx_count - first, rate, bench_now_us (), 0 };
    int64_t end = load.start_us + (int64_t) (seconds * 1e6);
    s_run (self, &load, end, NULL, NULL);
    //  Sustained: what was sent more than a second ago is committed, and commits kept pace.
    size_t late = 0;
    for (size_t i = first; i < first + load.sent; i++)
        if (!self->txs [i].commit_us && self->txs [i].due_us < end - 1000000)
            late++;
    double committed = s_commit_rate (self, load.start_us + (int64_t) (STEP_WARMUP * 1e6), end);
    *sustained = late < (size_t) (rate * 0.05) && committed >= 0.9 * rate;
    int drained = s_drain (self, DRAIN_SECONDS) == 0;
    bench_log ("offered %.0f tx/s: committed %.0f tx/s in the steady part, %zu late at the end%s%s",
           rate, committed, late, *sustained ? " (sustained)" : " (saturated)",
           drained ? "" : ", NOT drained");
    if (!drained)
        return -2;
    return committed;
}

static int
s_view_after (bench_t *self, void *arg)
{
    const uint64_t *view = arg;
    for (size_t i = 0; i < self->block_count; i++)
        if (self->blocks [i].view > *view)
            return 1;
    return 0;
}

//  CPU seconds (user + system, every thread) the live members used so far.
static int s_leader_pid (bench_t *self, int k);

static double
s_nodes_cpu (bench_t *self)
{
    double total = 0;
    long ticks = sysconf (_SC_CLK_TCK);
    for (int k = 0; k < MEMBERS; k++) {
        char path [64];
        snprintf (path, sizeof path, "/proc/%d/stat", s_leader_pid (self, k));
        char *stat = self->alive [k] ? accord_file_read (path, 4096, NULL) : NULL;
        const char *end = stat ? strrchr (stat, ')') : NULL;
        unsigned long utime = 0, stime = 0;
        //  After the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt
        //  cmajflt utime stime (fields 3 to 15)
        if (end && sscanf (end + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                           &utime, &stime) == 2)
            total += (double) (utime + stime) / (double) ticks;
        free (stat);
    }
    return total;
}

static int
s_leader_pid (bench_t *self, int k)
{
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/chain.pid", self->net.config [k].dir);
    char *text = accord_file_read (path, 32, NULL);
    int pid = text ? atoi (text) : 0;
    free (text);
    return pid;
}

//  Kills the leader under load; returns ms from the kill to the first commit in a later
//  view, or -1.
static double
s_failover (bench_t *self, double rate)
{
    double seconds = FAILOVER_BEFORE + FAILOVER_WAIT;
    size_t first = self->tx_count;
    if (s_presign (self, (size_t) (rate * seconds)))
        return -1;
    load_t load = { first, self->tx_count - first, rate, bench_now_us (), 0 };
    s_run (self, &load, load.start_us + (int64_t) (FAILOVER_BEFORE * 1e6), NULL, NULL);
    //  Ask a member that is not the leader (asking them in turn until one answers).
    int64_t leader = -1, view = -1;
    for (int k = 0; k < MEMBERS && leader < 0; k++) {
        json_object *status = s_status (self, k);
        if (status) {
            accord_json_get_int64 (status, "leader", 0, MEMBERS - 1, &leader);
            accord_json_get_int64 (status, "view", 0, INT64_MAX, &view);
        }
        json_object_put (status);
    }
    if (leader < 0)
        return -1;
    //  The leader's view is the one its blocks are decided in: wait for one decided later.
    uint64_t last_view = (uint64_t) view;
    for (size_t i = 0; i < self->block_count; i++)
        if (self->blocks [i].view > last_view)
            last_view = self->blocks [i].view;
    int pid = s_leader_pid (self, (int) leader);
    if (pid <= 0 || kill (pid, SIGKILL)) {
        bench_log ("cannot kill the leader member%d (pid %d)", (int) leader + 1, pid);
        return -1;
    }
    int64_t killed = bench_now_us ();
    self->alive [leader] = 0;
    bench_log ("killed the leader member%d (pid %d) in view %llu", (int) leader + 1, pid,
           (unsigned long long) last_view);
    s_run (self, &load, killed + (int64_t) (FAILOVER_WAIT * 1e6), s_view_after, &last_view);
    for (size_t i = 0; i < self->block_count; i++)
        if (self->blocks [i].view > last_view && self->blocks [i].recv_us >= killed)
            return (double) (self->blocks [i].recv_us - killed) / 1000.0;
    return -1;
}

//  --------------------------------------------------------------------------

static int
s_bench (bench_t *self)
{
    //  1. The verification ceiling, before anything else runs on the machine.
    //  The best of a few short runs: what one core does when nothing else interferes.
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    double per_core = 0;
    for (int run = 0; run < CEILING_RUNS; run++) {
        double rate = accord_bench_verify_rate (CEILING_SECONDS / CEILING_RUNS);
        if (rate > per_core)
            per_core = rate;
    }
    if (per_core <= 0) {
        bench_log ("verify benchmark failed");
        return -1;
    }
    double ceiling = per_core * (double) cores / MEMBERS;
    printf ("chain.cores: %ld\n", cores);
    printf ("chain.verify_per_s_per_core: %.0f\n", per_core);
    printf ("chain.verify_ceiling_tps: %.0f\n", ceiling);
    fflush (stdout);

    if (s_network_start (self))
        return -1;
    for (int s = 0; s < SENDERS; s++)
        if (!(self->senders [s] = accord_key_new ()))
            return -1;
    if (s_wait_connected (self, 15)) {
        bench_log ("members did not connect to each other");
        return -1;
    }
    //  Warm-up: the first block (which may cost a view change while links come up).
    if (s_presign (self, 200))
        return -1;
    load_t warm = { 0, self->tx_count, 400, bench_now_us (), 0 };
    s_run (self, &warm, warm.start_us + 500000, NULL, NULL);
    if (s_drain (self, 20)) {
        bench_log ("warm-up transactions were not committed (%zu of %zu; %s)", self->committed,
               self->tx_count, self->first_error);
        return -1;
    }

    //  2. Saturation: rising offered rates; chain.tps is the highest committed rate of a step.
    //  The search ends after two steps in a row that commits did not keep up with, or one
    //  clearly overloaded. ACCORD_BENCH_RATE offers that rate only (for profiling).
    //  When a step falls behind right after one that kept up, the rate between the two is tried
    //  next (open-loop overload costs throughput: every offered transaction is verified 4 times).
    const char *fixed = getenv ("ACCORD_BENCH_RATE");
    double best = 0, rate = fixed && atof (fixed) > 0 ? atof (fixed) : STEP_FIRST * ceiling;
    double kept_up = 0;
    int behind = 0, halved = 0;
    for (int step = 0; step < (fixed ? 1 : STEP_MAX) && !bench_stopping (); step++) {
        int sustained = 0;
        double committed = s_step (self, rate, STEP_SECONDS, &sustained);
        if (committed == -2)
            return -1;
        if (committed > best)
            best = committed;
        behind = sustained ? 0 : behind + 1;
        if (sustained)
            kept_up = rate;
        if (!sustained && kept_up > 0 && !halved) {
            halved = 1;
            rate = sqrt (kept_up * rate);
            continue;
        }
        if (behind == 2 || committed < STEP_OVERLOADED * rate)
            break;
        rate *= STEP_FACTOR;
    }
    if (best <= 0 || bench_stopping ())
        return -1;
    printf ("chain.tps: %.0f\n", best);
    printf ("chain.tps_vs_ceiling: %.2f\n", best / ceiling);
    fflush (stdout);
    const char *phases = getenv ("ACCORD_BENCH_PHASES");
    if (phases && streq (phases, "saturation"))
        return 0;

    //  3. Latency at 80 % of saturation.
    double offered = LATENCY_SHARE * best;
    size_t first = self->tx_count;
    if (s_presign (self, (size_t) (offered * LATENCY_SECONDS)))
        return -1;
    load_t load = { first, self->tx_count - first, offered, bench_now_us (), 0 };
    double cpu = s_nodes_cpu (self), verifications = s_nodes_verifications (self);
    size_t committed = self->committed;
    s_run (self, &load, load.start_us + (int64_t) (LATENCY_SECONDS * 1e6), NULL, NULL);
    s_drain (self, DRAIN_SECONDS);
    cpu = s_nodes_cpu (self) - cpu;
    verifications = s_nodes_verifications (self) - verifications;
    committed = self->committed - committed;
    double *latencies = malloc ((load.count + 1) * sizeof *latencies);
    size_t count = 0, missing = 0;
    for (size_t i = first; i < first + load.count; i++) {
        if (!self->txs [i].due_us)
            continue;       //  never sent: the phase ended first
        if (self->txs [i].commit_us)
            latencies [count++] = (double) (self->txs [i].commit_us - self->txs [i].due_us) / 1000.0;
        else
            missing++;
    }
    bench_sort (latencies, count);
    bench_log ("latency phase: %zu transactions at %.0f tx/s, %zu not committed", load.count, offered, missing);
    printf ("chain.latency_offered_tps: %.0f\n", offered);
    //  What the four nodes cost together per transaction (all threads, user and system).
    printf ("chain.node_cpu_us_per_tx: %.0f\n", committed ? cpu * 1e6 / (double) committed : -1);
    //  The ceiling counts one per validator (4); more means a transaction was checked twice.
    printf ("chain.verifications_per_tx: %.2f\n", committed ? verifications / (double) committed : -1);
    printf ("chain.latency_p50_ms: %.0f\n", bench_percentile (latencies, count, 0.50));
    if (missing > load.count / 100)
        printf ("chain.latency_p99_ms: inf\n");
    else
        printf ("chain.latency_p99_ms: %.0f\n", bench_percentile (latencies, count + missing, 0.99));
    fflush (stdout);
    free (latencies);

    //  4. Fail-over under the same load.
    double failover = s_failover (self, offered);
    if (failover < 0)
        printf ("chain.failover_ms: inf\n");
    else
        printf ("chain.failover_ms: %.0f\n", failover);
    fflush (stdout);
    bench_log ("signed %zu, sent %zu: admitted %zu, refused %zu (%s), not sent %zu; committed %zu, foreign %zu",
           self->tx_count, self->sent, self->admitted, self->rejected, *self->first_error ? self->first_error : "none",
           self->send_failed, self->committed, self->foreign);
    return 0;
}

static void
s_cleanup (bench_t *self)
{
    s_network_stop (self);
    bench_net_cleanup (&self->net);
    for (int s = 0; s < SENDERS; s++)
        accord_key_destroy (&self->senders [s]);
    for (size_t i = 0; i < self->tx_count; i++)
        free (self->txs [i].raw);
    free (self->txs);
    free (self->table);
    free (self->seen);
    free (self->blocks);
}

int
main (int argc, char **argv)
{
    (void) argc;
    (void) argv;
    bench_init ("bench-chain", TOTAL_SECONDS);
    bench_t *self = calloc (1, sizeof *self);
    if (!self || bench_net_prepare (&self->net)) {
        free (self);
        return 1;
    }
    self->txs = calloc (MAX_TXS, sizeof *self->txs);
    self->table_mask = 2 * MAX_TXS - 1;
    self->table = calloc (2 * MAX_TXS, sizeof *self->table);
    self->seen = calloc (MAX_HEIGHTS, 1);
    self->blocks = calloc (MAX_HEIGHTS, sizeof *self->blocks);
    int rc = self->txs && self->table && self->seen && self->blocks ? s_bench (self) : -1;
    if (rc)
        bench_log (bench_interrupted () ? "interrupted" : bench_stopping () ? "out of time" : "failed");
    s_cleanup (self);
    free (self);
    return rc ? 1 : 0;
}
