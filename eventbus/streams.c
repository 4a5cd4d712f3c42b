#include "streams.h"
#include "accord/buf.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_INDEX_BITS 20     //  of a stream id's sequence: the event's index in its batch

void
eventbus_stream_key (char out [EVENTBUS_KEY_MAX], const char *chain_id, const char *topic)
{
    snprintf (out, EVENTBUS_KEY_MAX, "accord:%s:events:%s", chain_id, topic);
}

void
eventbus_stream_id (char out [EVENTBUS_STREAM_ID_MAX], uint64_t height, uint32_t tx, uint32_t index)
{
    snprintf (out, EVENTBUS_STREAM_ID_MAX, "%" PRIu64 "-%" PRIu64, height,
              (uint64_t) tx << S_INDEX_BITS | index);
}

int
eventbus_stream_id_parse (const char *text, uint64_t *height, uint32_t *tx, uint32_t *index)
{
    char *end = NULL;
    if (!text || *text < '0' || *text > '9')
        return -2;
    unsigned long long h = strtoull (text, &end, 10);
    if (*end != '-' || end [1] < '0' || end [1] > '9')
        return -2;
    unsigned long long seq = strtoull (end + 1, &end, 10);
    if (*end || h == 0 || (seq >> S_INDEX_BITS) > UINT32_MAX)
        return -2;
    *height = h;
    *tx = (uint32_t) (seq >> S_INDEX_BITS);
    *index = (uint32_t) (seq & ((1u << S_INDEX_BITS) - 1));
    return 0;
}

//  Appends one argument in Redis's protocol (RESP): $len CRLF bytes CRLF.
static void
s_resp_arg (accord_buf_t *out, const char *data, size_t len)
{
    char head [32];
    accord_buf_bytes (out, head, (size_t) snprintf (head, sizeof head, "$%zu\r\n", len));
    accord_buf_bytes (out, data, len);
    accord_buf_bytes (out, "\r\n", 2);
}

static void
s_resp_str (accord_buf_t *out, const char *text)
{
    s_resp_arg (out, text, strlen (text));
}

//  Appends the XADD of one event to out, in RESP (hiredis's own formatting cost more than the
//  rest of indexing).
static void
s_xadd_append (accord_buf_t *out, const char *key, const char *stream_id, const accord_event_t *event,
               uint64_t block_ms)
{
    char time [24] = "", block [24];
    accord_buf_t tags;
    accord_buf_init (&tags);
    accord_buf_u8 (&tags, '[');
    for (size_t i = 0; i < event->tag_count; i++) {
        if (i)
            accord_buf_u8 (&tags, ',');
        accord_json_append_string (&tags, event->tags [i], strlen (event->tags [i]));
    }
    accord_buf_u8 (&tags, ']');
    if (event->has_time)
        snprintf (time, sizeof time, "%" PRIu64, event->time_ms);
    snprintf (block, sizeof block, "%" PRIu64, block_ms);
    char *sig = event->has_sig ? accord_base64url_encode (event->sig, sizeof event->sig) : NULL;
    accord_buf_bytes (out, "*17\r\n", 5);
    s_resp_str (out, "XADD");
    s_resp_str (out, key);
    s_resp_str (out, stream_id);
    s_resp_str (out, "id");
    s_resp_str (out, event->id);
    s_resp_str (out, "publisher");
    s_resp_str (out, event->publisher);
    s_resp_str (out, "tags");
    s_resp_arg (out, (const char *) tags.data, tags.len);
    s_resp_str (out, "payload");
    s_resp_arg (out, event->payload ? (const char *) event->payload : "", event->payload_len);
    s_resp_str (out, "time");
    s_resp_str (out, time);
    s_resp_str (out, "sig");
    s_resp_str (out, sig ? sig : "");
    s_resp_str (out, "block_ms");
    s_resp_str (out, block);
    accord_buf_reset (&tags);
    free (sig);
}

int
eventbus_streams_add_batch (redisContext *redis, const char *chain_id, uint64_t height, uint32_t tx,
                            uint64_t block_ms, const accord_event_batch_t *batch)
{
    char key [EVENTBUS_KEY_MAX];
    eventbus_stream_key (key, chain_id, batch->topic);
    accord_buf_t commands;
    accord_buf_init (&commands);
    for (size_t i = 0; i < batch->count; i++) {
        char stream_id [EVENTBUS_STREAM_ID_MAX];
        eventbus_stream_id (stream_id, height, tx, (uint32_t) i);
        s_xadd_append (&commands, key, stream_id, &batch->events [i], block_ms);
    }
    int appended = !commands.failed
                && redisAppendFormattedCommand (redis, (const char *) commands.data, commands.len) == REDIS_OK;
    accord_buf_reset (&commands);
    if (!appended)
        return -1;
    //  Each reply: added, or an id not above the stream's last (this event, or a later one,
    //  is in already); anything else, or no reply, fails the batch (it is added again later).
    int added = 0;
    for (size_t i = 0; i < batch->count; i++) {
        redisReply *reply = NULL;
        if (redisGetReply (redis, (void **) &reply) != REDIS_OK || !reply)
            return -1;
        int rc = reply->type == REDIS_REPLY_STRING ? 1
               : reply->type == REDIS_REPLY_ERROR && strstr (reply->str, "equal or smaller") ? 0 : -1;
        freeReplyObject (reply);
        if (rc < 0)
            added = -1;
        else if (added >= 0)
            added += rc;
    }
    return added;
}

int
eventbus_streams_add (redisContext *redis, const char *chain_id, uint64_t height, uint32_t tx,
                      uint64_t block_ms, const char *args, size_t args_len)
{
    accord_event_batch_t batch;
    char err [160];
    //  The chain checked every batch: one that does not decode is not one
    int added = accord_event_batch_decode (&batch, args, args_len, err, sizeof err) ? -2
              : eventbus_streams_add_batch (redis, chain_id, height, tx, block_ms, &batch);
    accord_event_batch_reset (&batch);
    return added;
}

int64_t
eventbus_streams_indexed (redisContext *redis, const char *chain_id)
{
    redisReply *reply = redisCommand (redis, "GET accord:%s:events:@indexed", chain_id);
    if (!reply)
        return -1;
    int64_t height = reply->type == REDIS_REPLY_NIL ? 0
                   : reply->type == REDIS_REPLY_STRING ? strtoll (reply->str, NULL, 10) : -1;
    freeReplyObject (reply);
    return height;
}

int
eventbus_streams_set_indexed (redisContext *redis, const char *chain_id, uint64_t height)
{
    //  Raised, never lowered, in one step: another broker may be further on.
    static const char *script =
        "local stored = tonumber (redis.call ('GET', KEYS [1]) or '0') "
        "if tonumber (ARGV [1]) > stored then redis.call ('SET', KEYS [1], ARGV [1]) end return 0";
    redisReply *reply = redisCommand (redis, "EVAL %s 1 accord:%s:events:@indexed %" PRIu64, script, chain_id, height);
    int rc = reply && reply->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (reply)
        freeReplyObject (reply);
    return rc;
}
