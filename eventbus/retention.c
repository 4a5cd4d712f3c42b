/*  eventbus/retention: trimming @times (retention.h). */
#include "retention.h"
#include "streams.h"
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SCAN_COUNT    "1000"      //  keys SCAN looks at per call
#define S_PIPELINE      128         //  XRANGE commands sent before their replies are read
#define S_BATCH         500         //  @times entries read per ZRANGE

//  The text of a string or status reply, else NULL.
static const char *
s_text (const redisReply *reply)
{
    return reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) ? reply->str : NULL;
}

//  Sends XRANGE key - + COUNT 1 for each of count keys and lowers *low to the height of each
//  stream's first entry. A key that is not a stream (WRONGTYPE) or is empty counts for
//  nothing. 0 or -1.
static int
s_first_heights (redisContext *redis, char **keys, size_t count, uint64_t *low)
{
    for (size_t i = 0; i < count; i++) {
        const char *argv [] = { "XRANGE", keys [i], "-", "+", "COUNT", "1" };
        if (redisAppendCommandArgv (redis, 6, argv, NULL) != REDIS_OK)
            return -1;
    }
    for (size_t i = 0; i < count; i++) {
        void *raw = NULL;
        if (redisGetReply (redis, &raw) != REDIS_OK)
            return -1;
        redisReply *reply = raw;
        const redisReply *entry = reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 ? reply->element [0] : NULL;
        const char *id = entry && entry->type == REDIS_REPLY_ARRAY && entry->elements == 2 ? s_text (entry->element [0]) : NULL;
        uint64_t height;
        uint32_t tx, index;
        if (id && eventbus_stream_id_parse (id, &height, &tx, &index) == 0 && height < *low)
            *low = height;
        freeReplyObject (reply);
    }
    return 0;
}

int
eventbus_retention_low_height (redisContext *redis, const char *chain_id, uint64_t *low)
{
    char prefix [EVENTBUS_KEY_MAX], pattern [EVENTBUS_KEY_MAX + 1], cursor [32] = "0";
    eventbus_stream_key (prefix, chain_id, "");
    snprintf (pattern, sizeof pattern, "%s*", prefix);     //  chain ids hold no glob characters
    size_t prefix_len = strlen (prefix);
    *low = UINT64_MAX;
    do {
        const char *argv [] = { "SCAN", cursor, "MATCH", pattern, "COUNT", S_SCAN_COUNT };
        redisReply *reply = redisCommandArgv (redis, 6, argv, NULL);
        if (!reply)
            return -1;
        const char *next = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 ? s_text (reply->element [0]) : NULL;
        const redisReply *keys = next ? reply->element [1] : NULL;
        if (!next || keys->type != REDIS_REPLY_ARRAY || strlen (next) >= sizeof cursor) {
            freeReplyObject (reply);
            return -1;
        }
        snprintf (cursor, sizeof cursor, "%s", next);
        //  Topics' streams only: not @times, @indexed, nor the dead-letter streams ($/dlq/...)
        char *streams [S_PIPELINE];
        size_t count = 0;
        int rc = 0;
        for (size_t i = 0; i < keys->elements && rc == 0; i++) {
            const char *key = s_text (keys->element [i]);
            if (!key || strlen (key) <= prefix_len || key [prefix_len] == '@' || key [prefix_len] == '$')
                continue;
            streams [count++] = (char *) key;
            if (count == S_PIPELINE) {
                rc = s_first_heights (redis, streams, count, low);
                count = 0;
            }
        }
        if (rc == 0 && count)
            rc = s_first_heights (redis, streams, count, low);
        freeReplyObject (reply);
        if (rc)
            return -1;
    } while (strcmp (cursor, "0") != 0);
    return 0;
}

int64_t
eventbus_retention_trim_times (redisContext *redis, const char *chain_id, uint64_t indexed)
{
    uint64_t low;
    if (eventbus_retention_low_height (redis, chain_id, &low))
        return -1;
    uint64_t below = low < indexed + 1 ? low : indexed + 1;
    char times [EVENTBUS_KEY_MAX];
    eventbus_stream_key (times, chain_id, "@times");
    //  Lowest scores first. Heights below `below` have times at or below that of any height
    //  from `below` on (times never fall): after the first entry to keep (score S), only
    //  entries of score S can still go, and the first entry above S ends the walk. Entries
    //  kept are skipped with the offset; those removed leave the ranks.
    int64_t removed = 0;
    long offset = 0;
    int have_keep = 0, done = 0;
    double keep_score = 0;
    while (!done && removed < EVENTBUS_TIMES_TRIM_MAX) {
        char start [24], stop [24];
        snprintf (start, sizeof start, "%ld", offset);
        snprintf (stop, sizeof stop, "%ld", offset + S_BATCH - 1);
        const char *argv [] = { "ZRANGE", times, start, stop, "WITHSCORES" };
        redisReply *reply = redisCommandArgv (redis, 5, argv, NULL);
        if (!reply)
            return -1;
        if (reply->type != REDIS_REPLY_ARRAY) {
            int error = reply->type == REDIS_REPLY_ERROR;
            freeReplyObject (reply);
            return error ? -1 : removed;
        }
        const char *zrem [2 + S_BATCH] = { "ZREM", times };
        size_t argc = 2;
        done = reply->elements < 2 * S_BATCH;
        for (size_t i = 0; i + 1 < reply->elements; i += 2) {
            const char *member = s_text (reply->element [i]), *score_text = s_text (reply->element [i + 1]);
            double score = score_text ? strtod (score_text, NULL) : 0;     //  block ms: exact in a double
            char *end = NULL;
            uint64_t height = member ? strtoull (member, &end, 10) : 0;
            int ours = member && end != member && *end == 0;
            if (have_keep && score > keep_score) {
                done = 1;
                break;
            }
            if (ours && height < below && removed + (int64_t) (argc - 2) >= EVENTBUS_TIMES_TRIM_MAX) {
                done = 1;       //  enough for one call
                break;
            }
            if (ours && height < below)
                zrem [argc++] = member;
            else {
                if (!have_keep) {
                    have_keep = 1;
                    keep_score = score;
                }
                offset++;
            }
        }
        redisReply *gone = argc > 2 ? redisCommandArgv (redis, (int) argc, zrem, NULL) : NULL;
        freeReplyObject (reply);
        if (argc > 2 && !gone)
            return -1;
        if (gone && gone->type == REDIS_REPLY_INTEGER)
            removed += gone->integer;
        if (gone)
            freeReplyObject (gone);
    }
    return removed;
}

int
eventbus_retention_after_block (redisContext *redis, const char *chain_id, uint64_t height)
{
    if (!redis || height % EVENTBUS_TIMES_TRIM_EVERY != 0)
        return 0;
    int64_t removed = eventbus_retention_trim_times (redis, chain_id, height);
    if (removed > 0)
        zsys_debug ("@times: %" PRId64 " heights below what the streams hold removed", removed);
    return removed < 0 ? -1 : 0;
}
