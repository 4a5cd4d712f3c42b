/*  eventbus/retention: keeps accord:<chain>:events:@times (a sorted set: member a block height,
    score its timestamp_ms, one per indexed block that held events) from growing forever.

    @times answers two questions: where "from: TIME" starts (the first height at or after a
    time) and where max_age_s retention cuts a stream (the first height younger than the cut).
    An entry is needed only while some stream may still hold an event of its height: once none
    does, both questions answer the same without it (the next entry names the same first event).
    So the rule is: remove the heights below the lowest height any event stream of the chain
    still holds (the first entry of each topic's stream; dead-letter streams, whose ids are
    times, do not count), and never a height above the one the caller has indexed (a broker
    sharing the Redis may be further on). Removing only heights below what is held is safe
    whatever the block times; it finds them all because block times never fall (accord-chain
    refuses a block older than its parent).

    The lowest height held takes a SCAN of the chain's keys and one XRANGE per stream, so it is
    done every EVENTBUS_TIMES_TRIM_EVERY heights, not after every block: @times keeps at most
    that many entries more than it needs. Every function talks to Redis synchronously on the
    caller's connection and returns -1 when Redis did not answer (the caller's context then
    carries the error). */
#ifndef EVENTBUS_RETENTION_H
#define EVENTBUS_RETENTION_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#define EVENTBUS_TIMES_TRIM_EVERY   256     //  heights between two trims of @times
#define EVENTBUS_TIMES_TRIM_MAX     50000   //  entries one trim removes at most (the rest: next time)

//  The lowest height whose events some event stream of chain_id still holds, in *low;
//  UINT64_MAX when no stream holds an event. 0 or -1.
int eventbus_retention_low_height (redisContext *redis, const char *chain_id, uint64_t *low);

//  Removes from @times every height below min (the lowest height held, indexed + 1), at most
//  EVENTBUS_TIMES_TRIM_MAX of them. The number removed, or -1.
int64_t eventbus_retention_trim_times (redisContext *redis, const char *chain_id, uint64_t indexed);

//  What the follower calls once block height is indexed: trims @times when height is a
//  multiple of EVENTBUS_TIMES_TRIM_EVERY. 0 or -1.
int eventbus_retention_after_block (redisContext *redis, const char *chain_id, uint64_t height);

#endif
