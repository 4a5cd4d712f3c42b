/*  module: the native modules that transactions call instead of a VM. A module checks a
    call's arguments without state (at admission), executes it deterministically against a
    state overlay, and answers read-only queries. Adding a module is one file and one line in
    modules.c. */
#ifndef ACCORD_CHAIN_MODULE_H
#define ACCORD_CHAIN_MODULE_H

#include <json-c/json.h>
#include "accord/config.h"
#include "accord/did.h"
#include "accord/error.h"
#include "accord/tx.h"
#include "store.h"

#define ACCORD_MESSAGE_MAX 256

//  One event a transaction logged: published on PUB as log/<module>/<event> and part of its
//  receipt. data is the canonical (RFC 8785) JSON text of the module's data, or NULL when the
//  data has no canonical form (the receipt then cannot be written either).
typedef struct {
    uint32_t index;                 //  of the transaction in its block
    char module [ACCORD_NAME_MAX + 1];
    char event [ACCORD_NAME_MAX + 1];
    char *data;                     //  owned
} accord_log_t;

//  A growing list of logs.
typedef struct {
    accord_log_t *items;
    size_t count;
    size_t cap;
} accord_logs_t;

void accord_logs_reset (accord_logs_t *self);

typedef struct {
    accord_state_t *state;          //  this transaction's overlay
    const accord_tx_t *tx;
    const accord_genesis_t *genesis;
    uint64_t height;
    uint64_t timestamp_ms;          //  the block's
    uint32_t index;                 //  of the transaction in its block
    accord_logs_t logs;             //  the events of this transaction (accord_exec_log)
    char message [ACCORD_MESSAGE_MAX];
} accord_exec_t;

typedef struct {
    accord_state_t *state;          //  committed state
    accord_store_t *store;          //  for queries that read blocks (event.get)
    const accord_genesis_t *genesis;    //  with the validator set in force
    char message [ACCORD_MESSAGE_MAX];
} accord_query_t;

//  A module's arguments are at most this many bytes of JSON text unless it says otherwise
//  (args_max): only the event module needs transactions of megabytes.
#define ACCORD_MODULE_ARGS_MAX (64 * 1024)

typedef struct {
    const char *name;
    //  Stateless check of a call. ACCORD_OK, ACCORD_E_UNKNOWN_METHOD or
    //  ACCORD_E_INVALID_ARGUMENT with a message.
    int (*check) (const char *method, json_object *args, char *message, size_t size);
    //  Executes a checked call. ACCORD_OK or an error code with ctx->message; on error the
    //  transaction's writes are discarded.
    int (*execute) (accord_exec_t *ctx, const char *method, json_object *args);
    //  Read-only query; *result is new (caller puts).
    int (*query) (accord_query_t *ctx, const char *method, json_object *args, json_object **result);
    //  Bytes of arguments it accepts (up to ACCORD_TX_ARGS_MAX); 0: ACCORD_MODULE_ARGS_MAX.
    size_t args_max;
    //  A module whose arguments are too large to build a tree of every time (event batches of
    //  megabytes, checked and executed on every node) gives these instead of check and
    //  execute: the arguments come as JSON text, which it reads itself. execute_text checks
    //  the call too.
    int (*check_text) (const char *method, const char *args, size_t len, char *message, size_t size);
    int (*execute_text) (accord_exec_t *ctx, const char *method, const char *args, size_t len);
} accord_module_t;

//  The registered module of that name, or NULL.
const accord_module_t *accord_module_find (const char *name);

//  Checks a transaction's module, method and arguments (JSON object text). On success and when
//  args_p is not NULL, *args_p is the parsed object (caller puts; NULL for a module that reads
//  its text itself).
int accord_module_check_call (const char *module, const char *method, const char *args,
                              size_t args_len, json_object **args_p, char *message, size_t size);
//  Checks and executes ctx->tx's call: ACCORD_OK, or an error code with ctx->message.
int accord_module_execute_call (accord_exec_t *ctx);

//  Appends an event {module, event, data} to ctx->logs; takes over data (kept as its canonical
//  text). Module and event names are at most ACCORD_NAME_MAX bytes.
void accord_exec_log (accord_exec_t *ctx, const char *module, const char *event, json_object *data);
//  Same with data already in canonical JSON text (taken over; NULL for no canonical form).
void accord_exec_log_text (accord_exec_t *ctx, const char *module, const char *event, char *data);

//  The parameters in force: genesis values overridden by those the validators voted for
//  (module system).
void accord_system_params (accord_state_t *state, const accord_genesis_t *genesis, accord_params_t *params);
//  Replaces network's members and validators with the set in force in state, when the
//  validators changed it since genesis. 0, or -1 when the stored set is unreadable.
int accord_system_validators (accord_state_t *state, accord_genesis_t *network);

//  Whether key is the key of a broker registered under a member that is a validator in force
//  in network (module system: system.set_broker); its member's key in hex into member when
//  not NULL. 1 or 0.
int accord_system_broker (accord_state_t *state, const accord_genesis_t *network,
                          const uint8_t key [ACCORD_PUBKEY_SIZE], char member [2 * ACCORD_PUBKEY_SIZE + 1]);

//  Issuer types (module issuer): 1 to 64 of a-z 0-9 _ -.
int accord_issuer_type_ok (const char *type);
//  1 when did is a recognized issuer of that type in the issuer registry, else 0.
int accord_issuer_has_type (accord_state_t *state, const char *did, const char *type);

//  The record of topic name (module topic), or NULL (caller puts).
json_object *accord_topic_get (accord_state_t *state, const char *name);
//  Whether did may "publish" or "subscribe" on topic (its record): did must be a registered,
//  active DID and match an entry of the topic's publishers / subscribers: its own DID, "*"
//  (anyone with an active DID) or "type:T" (a recognized issuer of type T). The topic module's
//  topic.may and the event module both decide with it. ACCORD_OK when allowed;
//  ACCORD_E_UNAUTHORIZED when not; ACCORD_E_INVALID_ARGUMENT for another action. reason says
//  why either way.
int accord_topic_may (accord_state_t *state, const char *chain_id, json_object *topic, const char *did,
                      const char *action, char *reason, size_t size);

//  Records the sender's vote (validators only: else ACCORD_E_UNAUTHORIZED; twice:
//  ACCORD_E_DUPLICATE) on the proposal stored under key. ACCORD_OK with the votes so far in
//  *count; once they reach the quorum of the validators in force the votes are deleted and
//  the caller applies the proposal.
int accord_exec_vote (accord_exec_t *ctx, const char *key, size_t *count);

//  The current document of a did:accord DID of this chain in state (module did), or NULL
//  (caller puts); *deactivated, when not NULL, says whether the DID is deactivated.
json_object *accord_did_current (accord_state_t *state, const char *chain_id, const char *did, int *deactivated);

//  The DID a transaction acts as (modules schema, status, evidence): did when not NULL (the
//  call's "did" argument), else the DID of the sender's key. It must be registered and active,
//  and the sender an authentication key of its current document or of the current document of
//  an active controller, so a DID whose key was rotated keeps acting with its new key.
//  ACCORD_OK with the DID in out; ACCORD_E_INVALID_ARGUMENT (not a did:accord DID of this
//  chain) or ACCORD_E_UNAUTHORIZED with ctx->message.
int accord_did_actor (accord_exec_t *ctx, const char *did, char out [ACCORD_DID_MAX]);
//  The stateless part, for a module's check: "did", when present, is a did:accord DID string.
//  ACCORD_OK or ACCORD_E_INVALID_ARGUMENT with message.
int accord_did_actor_check (json_object *args, char *message, size_t size);

//  Names that modules put in record ids (a schema's, a status list's): 1 to
//  ACCORD_RECORD_NAME_MAX of A-Z a-z 0-9 . _ - (no '/', so an id splits one way only).
#define ACCORD_RECORD_NAME_MAX 64
int accord_record_name_ok (const char *name);

//  Hex of a public key (67 bytes with NUL) for state keys and JSON.
void accord_key_hex (char out [2 * ACCORD_PUBKEY_SIZE + 1], const uint8_t key [ACCORD_PUBKEY_SIZE]);

#endif
