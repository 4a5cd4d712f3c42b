/*  bench-eventbus: the event bus on a 4-validator network on loopback, started as a user starts
    one (`accord net start`: nodes, one accord-eventbus and one Redis per member), used through
    the client library as applications use it.

    A publisher DID owns topic bench/events; publishers connect to the brokers of members 1
    and 3, subscribers to members 2 and 4, all in this process (one thread, one poller). Each
    payload is 256 bytes and starts with its scheduled send time, so a subscriber knows each
    event's latency. Phases:
      1. saturation: the publishers keep EVENTBUS_IN_FLIGHT publishes waiting each;
         eventbus.publish_per_s is the rate at which events reach the subscriber at member 2
         in the steady part (after SAT_WARMUP);
      2. latency: publishing paced at half that rate; eventbus.e2e_p50_ms / e2e_p99_ms from
         the scheduled send to the delivery at member 2;
      3. fan-out: 10 subscribers (members 2 and 4) on the topic, the publishers at full speed;
         eventbus.fanout_per_s is the deliveries per second to all of them.

    Baselines, measured in the same run on the same machine:
      zmq.loopback_msgs_per_s   256-byte messages through one ZeroMQ TCP connection on loopback
                                (PUSH to PULL, one thread each): what one broker connection
                                could carry at best
      redis.xadd_per_s          pipelined XADDs of a 256-byte event with our stream's fields to
                                member 2's Redis, which member 2's broker indexes into and its
                                subscriber is served from: what indexing could do at best
    Prints `name: value` lines on stdout; progress goes to stderr. */
#include "benchfx.h"
#include "accord/config.h"
#include "accord/eventbus.h"
#include "accord/json.h"
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOTAL_SECONDS       170             //  hard stop, under make's 3 minutes
#define BASELINE_SECONDS    2.0
#define EVENT_BYTES         256
#define XADD_PIPELINE       1000
#define TOPIC               "bench/events"
#define PUBLISHERS          2               //  at members 1 and 3
#define FANOUT_SUBSCRIBERS  10              //  at members 2 and 4
#define IN_FLIGHT           4000            //  publishes waiting, per publisher
#define CLIENT_TIMEOUT_MS   10000
#define SAT_SECONDS         12.0
#define SAT_WARMUP          3.0
#define LATENCY_SECONDS     10.0
#define LATENCY_WARMUP      2.0
#define FANOUT_SECONDS      8.0
#define FANOUT_WARMUP       2.0
#define MAX_SAMPLES         (1 << 21)

//  --------------------------------------------------------------------------
//  Baselines

typedef struct {
    zsock_t *push;
    volatile int stop;
} s_pusher_t;

static void *
s_push_worker (void *arg)
{
    s_pusher_t *pusher = arg;
    uint8_t data [EVENT_BYTES] = { 0 };
    while (!pusher->stop) {
        zframe_t *frame = zframe_new (data, sizeof data);
        if (zframe_send (&frame, pusher->push, 0))
            zframe_destroy (&frame);
    }
    return NULL;
}

//  Messages per second received over one TCP connection on loopback, or -1.
static double
s_zmq_loopback_rate (void)
{
    zsock_t *pull = zsock_new (ZMQ_PULL), *push = zsock_new (ZMQ_PUSH);
    int port = pull ? zsock_bind (pull, "tcp://127.0.0.1:*") : -1;
    if (port < 0 || !push || zsock_connect (push, "tcp://127.0.0.1:%d", port)) {
        zsock_destroy (&pull);
        zsock_destroy (&push);
        return -1;
    }
    zsock_set_linger (push, 0);
    zsock_set_sndtimeo (push, 100);
    zsock_set_rcvtimeo (pull, 1000);
    s_pusher_t pusher = { push, 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_push_worker, &pusher);
    size_t count = 0;
    int64_t start = 0, end = 0;
    while (!bench_stopping ()) {
        zframe_t *frame = zframe_recv (pull);
        if (!frame)
            break;
        zframe_destroy (&frame);
        //  The clock starts at the first message, once the connection is up.
        int64_t now = bench_now_us ();
        if (!start)
            start = now;
        count++;
        end = now;
        if (now - start >= (int64_t) (BASELINE_SECONDS * 1e6))
            break;
    }
    pusher.stop = 1;
    pthread_join (thread, NULL);
    zsock_destroy (&push);
    zsock_destroy (&pull);
    return end > start ? (double) (count - 1) * 1e6 / (double) (end - start) : -1;
}

//  XADDs per second to the Redis at endpoint, pipelined, or -1.
static double
s_redis_xadd_rate (const char *endpoint)
{
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    if (accord_endpoint_split (endpoint, host, &port))
        return -1;
    redisContext *redis = redisConnect (host, port);
    if (!redis || redis->err) {
        bench_log ("redis at %s: %s", endpoint, redis ? redis->errstr : "no memory");
        redisFree (redis);
        return -1;
    }
    const char *key = "accord-bench:xadd";
    char payload [EVENT_BYTES];
    memset (payload, 'x', sizeof payload);
    size_t count = 0;
    int64_t start = bench_now_us (), end = start;
    int failed = 0;
    while (!failed && !bench_stopping () && end - start < (int64_t) (BASELINE_SECONDS * 1e6)) {
        for (int i = 0; i < XADD_PIPELINE; i++)
            redisAppendCommand (redis, "XADD %s * id m%llu publisher did:accord:bench:publisher tags [] payload %b time %s sig %s block_ms %s",
                                key, (unsigned long long) (count + (size_t) i), payload, sizeof payload, "", "", "1700000000000");
        for (int i = 0; i < XADD_PIPELINE; i++) {
            redisReply *reply = NULL;
            if (redisGetReply (redis, (void **) &reply) != REDIS_OK || !reply || reply->type == REDIS_REPLY_ERROR) {
                if (!failed)
                    bench_log ("XADD: %s", reply ? reply->str : redis->errstr);
                failed = 1;
            }
            freeReplyObject (reply);
        }
        count += XADD_PIPELINE;
        end = bench_now_us ();
    }
    freeReplyObject (redisCommand (redis, "DEL %s", key));
    redisFree (redis);
    return failed || end <= start ? -1 : (double) count * 1e6 / (double) (end - start);
}

//  --------------------------------------------------------------------------
//  Clients

typedef struct {
    bench_net_t *net;
    accord_key_t *publisher_key, *subscriber_key;
    accord_eventbus_t *publishers [PUBLISHERS];
    accord_eventbus_t *subscribers [FANOUT_SUBSCRIBERS];
    int subscriber_count;
    zpoller_t *poller;
    size_t published, refused;              //  publish callbacks
    char first_error [256];
    //  Deliveries to subscriber 0 (its latency samples) and to all of them.
    size_t delivered [FANOUT_SUBSCRIBERS];
    double *latency_ms;
    int64_t *delivered_us;                  //  when subscriber 0 got each of its events
    size_t samples;
    uint64_t sequence;
    int64_t progress_us;                    //  last progress line
    unsigned next_publisher;
} bench_t;

static void
s_on_published (accord_eventbus_t *client, int code, const char *result, const char *message_id, void *arg)
{
    (void) client;
    (void) message_id;
    bench_t *self = arg;
    if (code == ACCORD_OK)
        self->published++;
    else if (self->refused++ == 0)
        snprintf (self->first_error, sizeof self->first_error, "%s: %s", accord_err_name (code), result);
}

static void
s_on_event (accord_eventbus_t *client, accord_eventbus_sub_t *sub, const accord_eventbus_event_t *event, void *arg)
{
    (void) sub;
    bench_t *self = arg;
    int k = 0;
    while (k < self->subscriber_count && self->subscribers [k] != client)
        k++;
    if (k == self->subscriber_count)
        return;
    self->delivered [k]++;
    if (k == 0 && event->payload_len >= 8 && self->samples < MAX_SAMPLES) {
        int64_t due = 0, now = bench_now_us ();
        memcpy (&due, event->payload, sizeof due);
        self->latency_ms [self->samples] = (double) (now - due) / 1000.0;
        self->delivered_us [self->samples++] = now;
    }
}

//  The path of a file in the bench's folder.
static void
s_path (bench_t *self, char *out, size_t size, const char *name)
{
    snprintf (out, size, "%s/%s", self->net->dir, name);
}

//  A DID made at member1 for a key written to DIR/name. 0 or -1.
static int
s_did_create (bench_t *self, const char *name, accord_key_t **key)
{
    char path [PATH_MAX + 32];
    s_path (self, path, sizeof path, name);
    if (bench_tool (self->net, "did create --out '%s' --member '%s'", path, self->net->config [0].dir)
    ||  !(*key = accord_key_load (path))) {
        bench_log ("did create failed; see %s/tool.log", self->net->dir);
        return -1;
    }
    return 0;
}

static int
s_setup (bench_t *self)
{
    if (s_did_create (self, "publisher.key", &self->publisher_key)
    ||  s_did_create (self, "subscriber.key", &self->subscriber_key))
        return -1;
    char path [PATH_MAX + 32];
    s_path (self, path, sizeof path, "publisher.key");
    if (bench_tool (self->net, "topic create %s --key '%s' --subscribers '*' --member '%s'", TOPIC, path,
                    self->net->config [0].dir)) {
        bench_log ("topic create failed; see %s/tool.log", self->net->dir);
        return -1;
    }
    self->poller = zpoller_new (NULL);
    for (int p = 0; p < PUBLISHERS; p++) {
        const accord_node_config_t *member = &self->net->config [2 * p];
        self->publishers [p] = accord_eventbus_connect (member->eventbus_endpoint, NULL, self->publisher_key,
                                                        CLIENT_TIMEOUT_MS);
        if (!self->publishers [p] || accord_eventbus_errcode (self->publishers [p]) != ACCORD_OK) {
            bench_log ("publisher at %s: %s", member->name,
                       self->publishers [p] ? accord_eventbus_errstr (self->publishers [p]) : "no memory");
            return -1;
        }
        accord_eventbus_set_max_in_flight (self->publishers [p], IN_FLIGHT);
        zpoller_add (self->poller, accord_eventbus_socket (self->publishers [p]));
    }
    return 0;
}

//  Subscriber k at member 2 (even k) or 4 (odd k), on the topic from now. 0 or -1.
static int
s_subscribe (bench_t *self, int k)
{
    const accord_node_config_t *member = &self->net->config [k % 2 ? 3 : 1];
    accord_eventbus_t *client = accord_eventbus_connect (member->eventbus_endpoint, NULL, self->subscriber_key,
                                                         CLIENT_TIMEOUT_MS);
    accord_eventbus_sub_opts_t opts = { .filter = TOPIC, .credit = ACCORD_EVENTBUS_CREDIT_MAX, .auto_credit = 1 };
    if (!client || accord_eventbus_errcode (client) != ACCORD_OK
    ||  !accord_eventbus_subscribe (client, &opts, s_on_event, self)) {
        bench_log ("subscriber %d at %s: %s", k, member->name, client ? accord_eventbus_errstr (client) : "no memory");
        accord_eventbus_destroy (&client);
        return -1;
    }
    self->subscribers [self->subscriber_count++] = client;
    zpoller_add (self->poller, accord_eventbus_socket (client));
    return 0;
}

//  Runs every client for what is ready, waiting at most wait_ms for something. -1 when one
//  failed for good.
static int
s_poll (bench_t *self, int wait_ms)
{
    zpoller_wait (self->poller, wait_ms);
    for (int p = 0; p < PUBLISHERS; p++)
        if (accord_eventbus_poll (self->publishers [p], 0) < 0) {
            bench_log ("publisher %d: %s", p, accord_eventbus_errstr (self->publishers [p]));
            return -1;
        }
    for (int k = 0; k < self->subscriber_count; k++)
        if (accord_eventbus_poll (self->subscribers [k], 0) < 0) {
            bench_log ("subscriber %d: %s", k, accord_eventbus_errstr (self->subscribers [k]));
            return -1;
        }
    return 0;
}

//  Publishes from every publisher: at full speed (rate 0: keeping IN_FLIGHT waiting each)
//  or paced at rate events per second, for seconds. 0 or -1.
static int
s_publish (bench_t *self, double rate, double seconds)
{
    uint8_t payload [EVENT_BYTES];
    memset (payload, 'e', sizeof payload);
    int64_t start = bench_now_us (), end = start + (int64_t) (seconds * 1e6);
    uint64_t sent = 0;
    while (!bench_stopping () && bench_now_us () < end) {
        int64_t now = bench_now_us ();
        uint64_t due_count = rate > 0 ? (uint64_t) ((double) (now - start) * rate / 1e6) : UINT64_MAX;
        //  One event per publisher in turn, skipping those with a full window.
        int blocked = 0;
        while (sent < due_count && blocked < PUBLISHERS) {
            accord_eventbus_t *client = self->publishers [self->next_publisher++ % PUBLISHERS];
            if (accord_eventbus_in_flight (client) >= IN_FLIGHT) {
                blocked++;
                continue;
            }
            blocked = 0;
            //  The scheduled time: when a paced event was due, else now.
            int64_t due = rate > 0 ? start + (int64_t) ((double) sent * 1e6 / rate) : bench_now_us ();
            memcpy (payload, &due, sizeof due);
            uint64_t sequence = ++self->sequence;
            memcpy (payload + sizeof due, &sequence, sizeof sequence);
            if (accord_eventbus_publish_async (client, TOPIC, payload, sizeof payload, NULL, s_on_published,
                                               self) != ACCORD_OK) {
                bench_log ("publish: %s", accord_eventbus_errstr (client));
                return -1;
            }
            sent++;
        }
        if (s_poll (self, rate > 0 ? 1 : 5))
            return -1;
        if (now - self->progress_us >= 1000000) {
            self->progress_us = now;
            bench_log ("%.1f s: sent %llu, answered %zu, delivered %zu", (double) (now - start) / 1e6,
                       (unsigned long long) sent, self->published + self->refused, self->delivered [0]);
        }
    }
    return bench_stopping () ? -1 : 0;
}

//  Runs the clients until every publish is answered and subscriber 0 has what was published,
//  at most seconds.
static void
s_drain (bench_t *self, double seconds)
{
    int64_t end = bench_now_us () + (int64_t) (seconds * 1e6);
    while (!bench_stopping () && bench_now_us () < end) {
        size_t waiting = 0;
        for (int p = 0; p < PUBLISHERS; p++)
            waiting += accord_eventbus_in_flight (self->publishers [p]);
        if (!waiting && self->delivered [0] >= self->published)
            return;
        if (s_poll (self, 10))
            return;
    }
}

//  Events per second delivered to subscriber 0 between from and to (µs, monotonic).
static double
s_delivery_rate (bench_t *self, size_t first_sample, int64_t from, int64_t to)
{
    size_t count = 0;
    for (size_t i = first_sample; i < self->samples; i++)
        count += self->delivered_us [i] >= from && self->delivered_us [i] < to;
    return to > from ? (double) count * 1e6 / (double) (to - from) : 0;
}

static int
s_bench (bench_t *self)
{
    double zmq_rate = s_zmq_loopback_rate ();
    if (zmq_rate <= 0) {
        bench_log ("zmq loopback baseline failed");
        return -1;
    }
    printf ("zmq.loopback_msgs_per_s: %.0f\n", zmq_rate);
    fflush (stdout);
    if (bench_net_start (self->net, 4))
        return -1;
    double xadd_rate = s_redis_xadd_rate (self->net->config [1].redis_endpoint);      //  member 2's
    if (xadd_rate <= 0) {
        bench_log ("redis XADD baseline failed");
        return -1;
    }
    printf ("redis.xadd_per_s: %.0f\n", xadd_rate);
    fflush (stdout);
    if (s_setup (self) || s_subscribe (self, 0))
        return -1;

    //  1. Saturation.
    bench_log ("saturation: %d publishers, %d publishes in flight each, %.0f s", PUBLISHERS, IN_FLIGHT, SAT_SECONDS);
    int64_t start = bench_now_us ();
    if (s_publish (self, 0, SAT_SECONDS))
        return -1;
    int64_t end = bench_now_us ();
    s_drain (self, 20);
    double rate = s_delivery_rate (self, 0, start + (int64_t) (SAT_WARMUP * 1e6), end);
    bench_log ("published %zu, refused %zu%s%s, delivered %zu", self->published, self->refused,
               self->refused ? ", first: " : "", self->first_error, self->delivered [0]);
    printf ("eventbus.publish_per_s: %.0f\n", rate);
    printf ("eventbus.publish_vs_redis_xadd: %.3f\n", rate / xadd_rate);
    fflush (stdout);
    if (rate <= 0)
        return -1;

    //  2. Latency at half of saturation.
    bench_log ("latency: %.0f events/s for %.0f s", rate / 2, LATENCY_SECONDS);
    size_t first_sample = self->samples;
    start = bench_now_us ();
    if (s_publish (self, rate / 2, LATENCY_SECONDS))
        return -1;
    s_drain (self, 20);
    size_t count = 0;
    double *latencies = malloc ((self->samples - first_sample + 1) * sizeof *latencies);
    for (size_t i = first_sample; latencies && i < self->samples; i++)
        if (self->delivered_us [i] >= start + (int64_t) (LATENCY_WARMUP * 1e6))
            latencies [count++] = self->latency_ms [i];
    bench_sort (latencies, count);
    printf ("eventbus.e2e_rate_per_s: %.0f\n", rate / 2);
    printf ("eventbus.e2e_p50_ms: %.1f\n", bench_percentile (latencies, count, 0.50));
    printf ("eventbus.e2e_p99_ms: %.1f\n", bench_percentile (latencies, count, 0.99));
    fflush (stdout);
    free (latencies);

    //  3. Fan-out to 10 subscribers.
    for (int k = 1; k < FANOUT_SUBSCRIBERS; k++)
        if (s_subscribe (self, k))
            return -1;
    bench_log ("fan-out: %d subscribers, publishers at full speed for %.0f s", FANOUT_SUBSCRIBERS, FANOUT_SECONDS);
    size_t before [FANOUT_SUBSCRIBERS] = { 0 };
    if (s_publish (self, 0, FANOUT_WARMUP))
        return -1;
    for (int k = 0; k < FANOUT_SUBSCRIBERS; k++)
        before [k] = self->delivered [k];
    start = bench_now_us ();
    if (s_publish (self, 0, FANOUT_SECONDS - FANOUT_WARMUP))
        return -1;
    end = bench_now_us ();
    size_t deliveries = 0;
    for (int k = 0; k < FANOUT_SUBSCRIBERS; k++)
        deliveries += self->delivered [k] - before [k];
    printf ("eventbus.fanout_per_s: %.0f\n", (double) deliveries * 1e6 / (double) (end - start));
    fflush (stdout);
    return 0;
}

static void
s_cleanup (bench_t *self)
{
    for (int p = 0; p < PUBLISHERS; p++)
        accord_eventbus_destroy (&self->publishers [p]);
    for (int k = 0; k < self->subscriber_count; k++)
        accord_eventbus_destroy (&self->subscribers [k]);
    zpoller_destroy (&self->poller);
    accord_key_destroy (&self->publisher_key);
    accord_key_destroy (&self->subscriber_key);
    free (self->latency_ms);
    free (self->delivered_us);
    bench_net_cleanup (self->net);
}

int
main (void)
{
    bench_init ("bench-eventbus", TOTAL_SECONDS);
    bench_net_t net = { 0 };
    bench_t *self = calloc (1, sizeof *self);
    int rc = -1;
    if (self && bench_net_prepare (&net) == 0) {
        self->net = &net;
        self->latency_ms = malloc (MAX_SAMPLES * sizeof *self->latency_ms);
        self->delivered_us = malloc (MAX_SAMPLES * sizeof *self->delivered_us);
        rc = self->latency_ms && self->delivered_us ? s_bench (self) : -1;
        if (rc)
            bench_log (bench_interrupted () ? "interrupted" : bench_stopping () ? "out of time" : "failed");
        s_cleanup (self);
    }
    free (self);
    return rc ? 1 : 0;
}
