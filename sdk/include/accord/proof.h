/*  accord/proof.h: checking a transaction and receipt inclusion proof as a light client, with
    the validator set alone.

    A proof (the PROOF reply of accord-chain) is JSON: { "tx" (hash hex), "height", "index",
    "count", "tx_path" [hex], "receipt" (canonical receipt text), "receipt_path" [hex],
    "header" (header encoding hex), "certificate" {view, votes}, "validator_changes"
    [{height, header, certificate, validators}] }.
    Starting from the set the caller trusts (the genesis validators), each validator change
    must be certified by the set trusted so far and its header must name the new set as the
    next one; the last set reached must certify the proof's header. It holds when that
    certificate carries a quorum of commit votes for the header,
    the transaction hash sits at index of the header's transactions root, and the receipt sits
    at the same index of its receipts root. */
#ifndef ACCORD_PROOF_H
#define ACCORD_PROOF_H

#include <json-c/json.h>
#include "block.h"

//  0 when the proof holds, else -1 with the first failed check in err. header_out, when not
//  NULL, receives the proven header.
int accord_proof_verify (json_object *proof, const accord_validators_t *set,
                         accord_header_t *header_out, char *err, size_t err_size);

#endif
