/*  bench-eventbus: the event bus on a 4-validator network on loopback, started as a user starts
    one (`accord net start`: nodes, Redis, one accord-eventbus per member).

    Baselines, measured in the same run on the same machine:
      zmq.loopback_msgs_per_s   256-byte messages through one ZeroMQ TCP connection on loopback
                                (PUSH to PULL, one thread each): what one broker connection
                                could carry at best
      redis.xadd_per_s          pipelined XADDs of a 256-byte event with our stream's fields to
                                the network's Redis: what indexing could do at best
    Prints `name: value` lines on stdout; progress goes to stderr. */
#include "benchfx.h"
#include "accord/config.h"
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

static int
s_bench (bench_net_t *net)
{
    double zmq_rate = s_zmq_loopback_rate ();
    if (zmq_rate <= 0) {
        bench_log ("zmq loopback baseline failed");
        return -1;
    }
    printf ("zmq.loopback_msgs_per_s: %.0f\n", zmq_rate);
    fflush (stdout);
    if (bench_net_start (net, 4))
        return -1;
    double xadd_rate = s_redis_xadd_rate (net->config [1].redis_endpoint);
    if (xadd_rate <= 0) {
        bench_log ("redis XADD baseline failed");
        return -1;
    }
    printf ("redis.xadd_per_s: %.0f\n", xadd_rate);
    fflush (stdout);
    return 0;
}

int
main (void)
{
    bench_init ("bench-eventbus", TOTAL_SECONDS);
    bench_net_t net = { 0 };
    int rc = bench_net_prepare (&net) ? -1 : s_bench (&net);
    if (rc)
        bench_log (bench_interrupted () ? "interrupted" : bench_stopping () ? "out of time" : "failed");
    bench_net_cleanup (&net);
    return rc ? 1 : 0;
}
