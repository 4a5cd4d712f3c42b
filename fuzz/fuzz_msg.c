/*  accord_msg_decode on any bytes, then accord_prepared_decode over the payload (what a
    VIEW_CHANGE carries and what the store keeps). Decoded fields stay inside the input, and a
    prepared certificate that decodes can be checked and cleared. */
#include "msg.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static accord_validators_t s_set;

static void
s_init_set (void)
{
    if (s_set.count)
        return;
    for (uint8_t i = 0; i < 4; i++) {
        uint8_t secret [ACCORD_SECRET_SIZE] = { 0 };
        secret [ACCORD_SECRET_SIZE - 1] = (uint8_t) (i + 1);
        accord_key_t *key = accord_key_new_from_secret (secret);
        if (!key)
            abort ();
        memcpy (s_set.keys [i], accord_key_public (key), ACCORD_PUBKEY_SIZE);
        accord_key_destroy (&key);
    }
    s_set.count = 4;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_init_set ();
    accord_msg_t *msg = accord_msg_decode (data, size);
    if (!msg)
        return 0;
    if (msg->type == 0 || msg->type >= ACCORD_MSG__LAST || (msg->from >= ACCORD_MAX_VALIDATORS && msg->from != ACCORD_MSG_FROM_OBSERVER)
    ||  msg->raw_len != size || msg->payload < msg->raw
    ||  msg->payload + msg->payload_len + ACCORD_SIG_SIZE != msg->raw + msg->raw_len)
        abort ();
    int verified = accord_msg_verify (msg, "fuzz", &s_set);
    if (verified != 0 && verified != -1)
        abort ();

    //  Payloads are read from exact-size copies so an over-read shows
    uint8_t *payload = malloc (msg->payload_len ? msg->payload_len : 1);
    if (!payload)
        abort ();
    memcpy (payload, msg->payload, msg->payload_len);
    accord_reader_t in;
    accord_reader_init (&in, payload, msg->payload_len);
    accord_prepared_t prepared;
    if (accord_prepared_decode (&prepared, &in) == 0) {
        if (prepared.votes.count > ACCORD_MAX_VALIDATORS)
            abort ();
        if (prepared.block) {
            accord_prepared_verify (&prepared, prepared.block->header.height,
                                    prepared.block->header.chain_id, &s_set);
            accord_buf_t out;
            accord_buf_init (&out);
            accord_prepared_encode (&prepared, &out);
            if (out.failed)
                abort ();
            accord_buf_reset (&out);
        }
    }
    accord_prepared_clear (&prepared);
    free (payload);
    accord_msg_destroy (&msg);
    return 0;
}
