/*  eventbus/streams: the broker's index of committed events, one Redis Stream per topic.

        key     accord:<chain id>:events:<topic>
        id      <height>-<tx << 20 | index>     from the event id HEIGHT:TX:INDEX, so a stream's
                                                order is the chain's and replay from an event id
                                                is an XRANGE (a batch holds at most 1024 events)
        fields  id (the publisher's message id), publisher, tags (JSON array), payload (bytes),
                time (publisher's ms, or ""), sig (base64url, or ""), block_ms

    Adding is idempotent: Redis refuses an id not above the stream's last, and such an event is
    counted as already there, so a block applied again (after a restart, or in a rebuild from
    the chain) adds nothing. accord:<chain id>:events:@indexed holds the height up to which
    every committed block's events are in. */
#ifndef EVENTBUS_STREAMS_H
#define EVENTBUS_STREAMS_H

#include <hiredis/hiredis.h>
#include "accord/event.h"
#include <stddef.h>
#include <stdint.h>

#define EVENTBUS_STREAM_ID_MAX  48      //  "HEIGHT-SEQ" and its NUL
#define EVENTBUS_KEY_MAX        512

//  The stream key of a topic: accord:<chain id>:events:<topic>.
void eventbus_stream_key (char out [EVENTBUS_KEY_MAX], const char *chain_id, const char *topic);

//  The stream id of event HEIGHT:TX:INDEX, and back (0, or -2 when text is not one of ours).
void eventbus_stream_id (char out [EVENTBUS_STREAM_ID_MAX], uint64_t height, uint32_t tx, uint32_t index);
int eventbus_stream_id_parse (const char *text, uint64_t *height, uint32_t *tx, uint32_t *index);

//  Adds the events of the committed event.publish transaction at (height, tx) to their
//  topic's stream, in one pipeline. Returns the number of events the stream did not have yet,
//  or -1 when Redis did not answer (the caller applies the block again later).
//  eventbus_streams_add takes the transaction's arguments as JSON text, as on chain, and
//  returns -2 when they are not an event batch.
int eventbus_streams_add_batch (redisContext *redis, const char *chain_id, uint64_t height, uint32_t tx,
                                uint64_t block_ms, const accord_event_batch_t *batch);
int eventbus_streams_add (redisContext *redis, const char *chain_id, uint64_t height, uint32_t tx,
                          uint64_t block_ms, const char *args, size_t args_len);

//  The height up to which every block is indexed (0 when none), or -1 when Redis did not
//  answer; and recording it (0 or -1): it only rises, since the brokers of one chain may share
//  a Redis and one may be further on; it falls only when Redis loses it.
int64_t eventbus_streams_indexed (redisContext *redis, const char *chain_id);
int eventbus_streams_set_indexed (redisContext *redis, const char *chain_id, uint64_t height);

#endif
