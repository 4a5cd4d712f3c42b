/*  event: batches of events (accord/event.h), each transaction packed and signed by a broker
    registered on chain under a validator member (system.set_broker).
      publish {topic, events: [event]}     1 to ACCORD_EVENT_BATCH_MAX events on one topic
    Every event is checked: the topic exists; the publisher is a registered, active DID allowed
    to publish (accord_topic_may, the rule of topic.may); its message id was not among the last
    EVENT_DEDUP_IDS ids of that publisher on that topic (earlier in the batch included); its
    signature, when it carries one, verifies with an assertionMethod key of the publisher's
    current document. One bad event fails the whole batch (message "event N: ..."), so a
    broker either gets every event of a batch on chain or none.
    Events are not kept in state: they stay in the block, and the id of event N of transaction T
    at height H is "H:T:N".
      query get {id: "H:T:N", raw?: bool}  {id, topic, publisher, message_id, tags, payload,
                                            publisher_time?, sig?, timestamp_ms (the block's),
                                            height, tx (hash), tx_index, index, broker (key hex)};
                                            with raw: the transaction's encoding (base64url) as
                                            tx_raw instead of the payload, for proofs
    State: event/seen/<SHA-256 of topic NUL publisher, hex> = u32 count of ids seen ||
    min(count, EVENT_DEDUP_IDS) × the first 16 bytes of SHA-256(message id), a ring.
    Logs: event published {topic, count, first} (first = the id of event 0). */
#include "module.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_DEDUP_IDS 1024
#define EVENT_SEEN_SIZE 16          //  bytes of an id's hash kept
#define EVENT_SEEN_KEY  (11 + 2 * ACCORD_HASH_SIZE + 1)

static int
s_method_check (const char *method, char *message, size_t size)
{
    if (strcmp (method, "publish") == 0)
        return ACCORD_OK;
    snprintf (message, size, "event has no method '%s' (publish)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

//  A batch is read from its text once per check and once per execution (accord_event_batch_t):
//  a tree of a megabyte of events cost several times more.
static int
s_check_text (const char *method, const char *args, size_t len, char *message, size_t size)
{
    int rc = s_method_check (method, message, size);
    if (rc)
        return rc;
    accord_event_batch_t batch;
    rc = accord_event_batch_decode (&batch, args, len, message, size);
    accord_event_batch_reset (&batch);
    return rc == 0 ? ACCORD_OK : rc == -1 ? ACCORD_E_INTERNAL : ACCORD_E_INVALID_ARGUMENT;
}

//  The recent ids of one publisher on the topic, loaded once per batch and written back once,
//  with an index of the ring's slots by hash (the ids are SHA-256: any bytes of one are a
//  hash) so that a batch of N events costs N lookups, not N scans of the ring.
#define EVENT_INDEX_SIZE 4096       //  > ring + one batch's evictions: never full
#define EVENT_INDEX_GONE 0xFFFF     //  a slot evicted from the ring (0: never used)

typedef struct {
    char key [EVENT_SEEN_KEY];
    uint8_t *data;              //  u32 count, then the ring
    size_t len;
    uint16_t *index;            //  EVENT_INDEX_SIZE of: 0, EVENT_INDEX_GONE, or ring slot + 1
} s_seen_t;

static size_t
s_index_start (const uint8_t *id)
{
    return ((size_t) id [0] << 8 | id [1]) % EVENT_INDEX_SIZE;
}

//  The index position that holds slot (ring slot + 1), or id when slot is 0; SIZE_MAX when
//  there is none.
static size_t
s_index_find (const s_seen_t *seen, const uint8_t *id, uint16_t slot)
{
    size_t at = s_index_start (id);
    for (size_t probes = 0; probes < EVENT_INDEX_SIZE; probes++, at = (at + 1) % EVENT_INDEX_SIZE) {
        uint16_t value = seen->index [at];
        if (value == 0)
            return SIZE_MAX;
        if (value == EVENT_INDEX_GONE)
            continue;
        if (slot ? value == slot
                 : memcmp (seen->data + 4 + (size_t) (value - 1) * EVENT_SEEN_SIZE, id, EVENT_SEEN_SIZE) == 0)
            return at;
    }
    return SIZE_MAX;
}

static void
s_index_put (s_seen_t *seen, const uint8_t *id, uint16_t slot)
{
    size_t at = s_index_start (id);
    while (seen->index [at] != 0 && seen->index [at] != EVENT_INDEX_GONE)
        at = (at + 1) % EVENT_INDEX_SIZE;
    seen->index [at] = slot;
}

static void
s_seen_key (char out [EVENT_SEEN_KEY], const char *topic, const char *publisher)
{
    uint8_t digest [ACCORD_HASH_SIZE];
    const void *parts [] = { topic, "", publisher };
    const size_t lens [] = { strlen (topic), 1, strlen (publisher) };
    accord_sha256_parts (digest, 3, parts, lens);
    char hex [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (hex, sizeof hex, digest, ACCORD_HASH_SIZE);
    snprintf (out, EVENT_SEEN_KEY, "event/seen/%s", hex);
}

static s_seen_t *
s_seen_for (accord_exec_t *ctx, s_seen_t *seen, size_t *count, const char *topic, const char *publisher)
{
    char key [EVENT_SEEN_KEY];
    s_seen_key (key, topic, publisher);
    for (size_t i = 0; i < *count; i++)
        if (strcmp (seen [i].key, key) == 0)
            return &seen [i];
    s_seen_t *entry = &seen [(*count)++];
    memcpy (entry->key, key, sizeof key);
    entry->data = malloc (4 + EVENT_DEDUP_IDS * EVENT_SEEN_SIZE);
    entry->len = 4;
    memset (entry->data, 0, 4);
    size_t len = 0;
    uint8_t *stored = accord_state_get (ctx->state, key, &len);
    if (stored && len >= 4 && len <= 4 + EVENT_DEDUP_IDS * EVENT_SEEN_SIZE && (len - 4) % EVENT_SEEN_SIZE == 0) {
        memcpy (entry->data, stored, len);
        entry->len = len;
    }
    free (stored);
    entry->index = calloc (EVENT_INDEX_SIZE, sizeof *entry->index);
    for (size_t slot = 0; entry->index && 4 + (slot + 1) * EVENT_SEEN_SIZE <= entry->len; slot++)
        s_index_put (entry, entry->data + 4 + slot * EVENT_SEEN_SIZE, (uint16_t) (slot + 1));
    return entry;
}

//  1 when id is among the ids seen (and then not added), else adds it and returns 0.
static int
s_seen_add (s_seen_t *seen, const char *id)
{
    uint8_t digest [ACCORD_HASH_SIZE];
    accord_sha256 (digest, id, strlen (id));
    if (s_index_find (seen, digest, 0) != SIZE_MAX)
        return 1;
    uint32_t total = (uint32_t) seen->data [0] << 24 | (uint32_t) seen->data [1] << 16
                   | (uint32_t) seen->data [2] << 8 | seen->data [3];
    size_t slot = total % EVENT_DEDUP_IDS;
    uint8_t *entry = seen->data + 4 + slot * EVENT_SEEN_SIZE;
    if (4 + (slot + 1) * EVENT_SEEN_SIZE <= seen->len) {
        //  The oldest id leaves the ring, and the index
        size_t at = s_index_find (seen, entry, (uint16_t) (slot + 1));
        if (at != SIZE_MAX)
            seen->index [at] = EVENT_INDEX_GONE;
    }
    memcpy (entry, digest, EVENT_SEEN_SIZE);
    s_index_put (seen, entry, (uint16_t) (slot + 1));
    if (4 + (slot + 1) * EVENT_SEEN_SIZE > seen->len)
        seen->len = 4 + (slot + 1) * EVENT_SEEN_SIZE;
    total = total == UINT32_MAX ? EVENT_DEDUP_IDS : total + 1;     //  keeps the slot order
    for (int i = 0; i < 4; i++)
        seen->data [i] = (uint8_t) (total >> (24 - 8 * i));
    return 0;
}

//  Checks event n against the chain; ACCORD_OK or a code with ctx->message. allowed holds the
//  publisher last found allowed in this batch (a batch usually comes from few publishers, so
//  the permission is decided once per run of one publisher's events).
static int
s_check_event (accord_exec_t *ctx, const char *topic_name, json_object *topic, size_t n,
               const accord_event_t *event, s_seen_t *seen, size_t *seen_count, char **allowed)
{
    const char *chain_id = ctx->genesis->chain_id;
    uint8_t address [ACCORD_DID_ADDRESS_SIZE];
    char reason [ACCORD_MESSAGE_MAX - 32];
    int known = *allowed && strcmp (*allowed, event->publisher) == 0;
    if (!known && accord_did_parse (event->publisher, chain_id, address)) {
        snprintf (ctx->message, sizeof ctx->message, "event %zu: publisher %.160s is not a DID of chain %s", n,
                  event->publisher, chain_id);
        return ACCORD_E_INVALID_ARGUMENT;
    }
    int rc = known ? ACCORD_OK
                   : accord_topic_may (ctx->state, chain_id, topic, event->publisher, "publish", reason, sizeof reason);
    if (rc) {
        snprintf (ctx->message, sizeof ctx->message, "event %zu: %s", n, reason);
        return rc;
    }
    if (!known) {
        free (*allowed);
        *allowed = strdup (event->publisher);
    }
    if (event->has_sig) {
        uint8_t digest [ACCORD_HASH_SIZE];
        accord_event_digest (digest, topic_name, event);
        json_object *document = accord_did_current (ctx->state, chain_id, event->publisher, NULL);
        rc = accord_did_verify_assertion (document, digest, event->sig);
        json_object_put (document);
        if (rc) {
            snprintf (ctx->message, sizeof ctx->message, "event %zu: 'sig' does not verify with an assertionMethod key "
                      "of %.160s", n, event->publisher);
            return ACCORD_E_BAD_SIGNATURE;
        }
    }
    s_seen_t *ring = s_seen_for (ctx, seen, seen_count, topic_name, event->publisher);
    if (!ring->data || !ring->index) {
        snprintf (ctx->message, sizeof ctx->message, "out of memory");
        return ACCORD_E_INTERNAL;
    }
    if (s_seen_add (ring, event->id)) {
        snprintf (ctx->message, sizeof ctx->message, "event %zu: message id '%.128s' of %.160s was published on this topic "
                  "already (among its last %d)", n, event->id, event->publisher, EVENT_DEDUP_IDS);
        return ACCORD_E_DUPLICATE;
    }
    return ACCORD_OK;
}

static int
s_publish (accord_exec_t *ctx, const accord_event_batch_t *batch)
{
    char member [2 * ACCORD_PUBKEY_SIZE + 1];
    if (!accord_system_broker (ctx->state, ctx->genesis, ctx->tx->sender, member)) {
        snprintf (ctx->message, sizeof ctx->message, "the sender is not a broker registered under a validator member "
                  "(system.set_broker)");
        return ACCORD_E_UNAUTHORIZED;
    }
    const char *topic_name = batch->topic;
    json_object *topic = accord_topic_get (ctx->state, topic_name);
    if (!topic) {
        snprintf (ctx->message, sizeof ctx->message, "no topic %s", topic_name);
        return ACCORD_E_NOT_FOUND;
    }
    size_t count = batch->count, seen_count = 0;
    s_seen_t *seen = calloc (count, sizeof *seen);
    char *allowed = NULL;
    int rc = seen ? ACCORD_OK : ACCORD_E_INTERNAL;
    for (size_t i = 0; rc == ACCORD_OK && i < count; i++)
        rc = s_check_event (ctx, topic_name, topic, i, &batch->events [i], seen, &seen_count, &allowed);
    free (allowed);
    for (size_t i = 0; i < seen_count; i++) {
        if (rc == ACCORD_OK && accord_state_put (ctx->state, seen [i].key, seen [i].data, seen [i].len)) {
            snprintf (ctx->message, sizeof ctx->message, "cannot write state");
            rc = ACCORD_E_INTERNAL;
        }
        free (seen [i].data);
        free (seen [i].index);
    }
    free (seen);
    json_object_put (topic);
    if (rc)
        return rc;
    char first [ACCORD_EVENT_ID_TEXT_MAX];
    accord_event_id_format (first, ctx->height, ctx->index, 0);
    json_object *log = json_object_new_object ();
    json_object_object_add (log, "topic", json_object_new_string (topic_name));
    json_object_object_add (log, "count", json_object_new_int64 ((int64_t) count));
    json_object_object_add (log, "first", json_object_new_string (first));
    accord_exec_log (ctx, "event", "published", log);
    return ACCORD_OK;
}

static int
s_execute_text (accord_exec_t *ctx, const char *method, const char *args, size_t len)
{
    int rc = s_method_check (method, ctx->message, sizeof ctx->message);
    if (rc)
        return rc;
    accord_event_batch_t batch;
    rc = accord_event_batch_decode (&batch, args, len, ctx->message, sizeof ctx->message);
    if (rc == 0)
        rc = s_publish (ctx, &batch);
    else
        rc = rc == -1 ? ACCORD_E_INTERNAL : ACCORD_E_INVALID_ARGUMENT;
    accord_event_batch_reset (&batch);
    return rc;
}

static int
s_not_found (accord_query_t *ctx, const char *format, const char *id)
{
    snprintf (ctx->message, sizeof ctx->message, format, id);
    return ACCORD_E_NOT_FOUND;
}

//  Whether transaction index of the block at height committed with status ok.
static int
s_committed_ok (accord_store_t *store, uint64_t height, uint32_t index)
{
    size_t len = 0;
    uint8_t *text = accord_store_receipt (store, height, index, &len);
    json_object *receipt = text ? accord_json_parse ((const char *) text, len, NULL, 0) : NULL;
    free (text);
    const char *status = accord_json_get_string (receipt, "status");
    int ok = status && strcmp (status, "ok") == 0;
    json_object_put (receipt);
    return ok;
}

static json_object *
s_event_json (const char *id, const accord_block_t *block, uint32_t tx_index, uint32_t index,
              json_object *args, json_object *item, int raw)
{
    const accord_tx_t *tx = block->txs [tx_index];
    char hash [2 * ACCORD_HASH_SIZE + 1], broker [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
    accord_key_hex (broker, tx->sender);
    json_object *result = json_object_new_object ();
    json_object_object_add (result, "id", json_object_new_string (id));
    json_object_object_add (result, "topic", json_object_get (json_object_object_get (args, "topic")));
    json_object_object_add (result, "publisher", json_object_get (json_object_object_get (item, "publisher")));
    json_object_object_add (result, "message_id", json_object_get (json_object_object_get (item, "id")));
    json_object *tags = json_object_object_get (item, "tags");
    json_object_object_add (result, "tags", tags ? json_object_get (tags) : json_object_new_array ());
    if (raw) {
        char *text = accord_base64url_encode (tx->raw, tx->raw_len);
        json_object_object_add (result, "tx_raw", json_object_new_string (text ? text : ""));
        free (text);
    }
    else
        json_object_object_add (result, "payload", json_object_get (json_object_object_get (item, "payload")));
    if (json_object_object_get (item, "time"))
        json_object_object_add (result, "publisher_time", json_object_get (json_object_object_get (item, "time")));
    if (json_object_object_get (item, "sig"))
        json_object_object_add (result, "sig", json_object_get (json_object_object_get (item, "sig")));
    json_object_object_add (result, "timestamp_ms", json_object_new_int64 ((int64_t) block->header.timestamp_ms));
    json_object_object_add (result, "height", json_object_new_int64 ((int64_t) block->header.height));
    json_object_object_add (result, "tx", json_object_new_string (hash));
    json_object_object_add (result, "tx_index", json_object_new_int64 (tx_index));
    json_object_object_add (result, "index", json_object_new_int64 (index));
    json_object_object_add (result, "broker", json_object_new_string (broker));
    return result;
}

static int
s_get (accord_query_t *ctx, json_object *args, json_object **result)
{
    const char *id = accord_json_get_string (args, "id");
    json_object *raw_flag = json_object_object_get (args, "raw");
    uint64_t height;
    uint32_t tx_index, index;
    if (accord_event_id_parse (id, &height, &tx_index, &index)
    ||  (raw_flag && !json_object_is_type (raw_flag, json_type_boolean))) {
        snprintf (ctx->message, sizeof ctx->message, "get needs 'id', an event id HEIGHT:TX:INDEX, and 'raw'?: boolean");
        return ACCORD_E_INVALID_ARGUMENT;
    }
    size_t len = 0;
    uint8_t *data = height <= accord_store_height (ctx->store) ? accord_store_block (ctx->store, height, &len) : NULL;
    if (!data)
        return s_not_found (ctx, "no event %s: the chain has no block at that height", id);
    accord_block_t *block = accord_block_decode (data, len, NULL, 0);
    free (data);
    if (!block) {
        snprintf (ctx->message, sizeof ctx->message, "stored block does not decode");
        return ACCORD_E_INTERNAL;
    }
    const accord_tx_t *tx = tx_index < block->tx_count ? block->txs [tx_index] : NULL;
    json_object *tx_args = NULL, *item = NULL;
    int rc = ACCORD_OK;
    if (!tx || strcmp (tx->module, "event") || strcmp (tx->method, "publish"))
        rc = s_not_found (ctx, "no event %s: that transaction is not an event batch", id);
    else if (!s_committed_ok (ctx->store, height, tx_index))
        rc = s_not_found (ctx, "no event %s: that batch was refused, its events were not published", id);
    else if (!(tx_args = accord_json_parse (tx->args, tx->args_len, NULL, 0))
         ||  !(item = json_object_array_get_idx (accord_json_get_array (tx_args, "events"), index)))
        rc = s_not_found (ctx, "no event %s: the batch is shorter", id);
    else
        *result = s_event_json (id, block, tx_index, index, tx_args, item,
                                raw_flag && json_object_get_boolean (raw_flag));
    json_object_put (tx_args);
    accord_block_destroy (&block);
    return rc;
}

static int
s_query (accord_query_t *ctx, const char *method, json_object *args, json_object **result)
{
    if (strcmp (method, "get") == 0)
        return s_get (ctx, args, result);
    snprintf (ctx->message, sizeof ctx->message, "event has no query '%s' (get)", method);
    return ACCORD_E_UNKNOWN_METHOD;
}

const accord_module_t accord_module_event = { .name = "event", .query = s_query, .args_max = ACCORD_TX_ARGS_MAX,
                                             .check_text = s_check_text, .execute_text = s_execute_text };
