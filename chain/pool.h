/*  pool: transactions admitted (signature verified, checks passed) and waiting for a block,
    in arrival order, at most `max` of them and `max_bytes` of their encodings. Every transaction here was verified once; a
    proposal that carries one need not verify it again. */
#ifndef ACCORD_CHAIN_POOL_H
#define ACCORD_CHAIN_POOL_H

#include "accord/tx.h"

typedef struct _accord_pool_t accord_pool_t;

accord_pool_t *accord_pool_new (size_t max, size_t max_bytes);
void accord_pool_destroy (accord_pool_t **self_p);
//  Takes over *tx_p on ACCORD_OK; otherwise ACCORD_E_DUPLICATE or ACCORD_E_POOL_FULL and the
//  caller keeps it.
int accord_pool_add (accord_pool_t *self, accord_tx_t **tx_p);
const accord_tx_t *accord_pool_lookup (accord_pool_t *self, const uint8_t hash [ACCORD_HASH_SIZE]);
void accord_pool_remove (accord_pool_t *self, const uint8_t hash [ACCORD_HASH_SIZE]);
size_t accord_pool_size (accord_pool_t *self);
//  Monotonic ms when the oldest waiting transaction arrived (0 when empty).
int64_t accord_pool_oldest_ms (accord_pool_t *self);
//  Iteration in arrival order; borrowed pointers, valid until the pool changes.
const accord_tx_t *accord_pool_first (accord_pool_t *self);
const accord_tx_t *accord_pool_next (accord_pool_t *self);

#endif
