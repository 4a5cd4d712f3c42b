/*  accord/config.h: the network's genesis (shared by every member) and one member's node
    configuration, both JSON files written by `accord net init`.

    genesis.json: { "chain_id", "genesis_time_ms", "params": { "block_max_txs",
      "block_interval_ms", "view_timeout_ms" }, "validators": [ { "name", "public_key" (hex,
      33 bytes), "curve_key" (Z85, 40 chars), "peer_endpoint" } ] }
    config.json:  { "name", "genesis", "data_dir", "key_file", "curve_cert", "curve_dir",
      "peer_bind", "rpc_bind", "pub_bind", "rpc_endpoint", "pub_endpoint",
      and optionally "identity_bind", "identity_endpoint", "redis_endpoint", "eventbus_bind",
      "eventbus_endpoint", "broker_key", "eventbus_session_idle_ms" }
    Relative paths in config.json are relative to the folder that holds it. The keys of the
    member's services (read by accord-identity, accord-eventbus and the accord tool) have
    defaults: identity_bind is peer_bind's host on peer_bind's port + 3, eventbus_bind the same
    on port + 4, identity_endpoint and eventbus_endpoint are their binds, redis_endpoint is
    ACCORD_REDIS_DEFAULT, broker_key is broker.key beside config.json, eventbus_session_idle_ms
    (how long accord-eventbus keeps a client session that sends nothing) is
    ACCORD_EVENTBUS_SESSION_IDLE_MS, within ACCORD_EVENTBUS_SESSION_IDLE_MIN_MS .. _MAX_MS. */
#ifndef ACCORD_CONFIG_H
#define ACCORD_CONFIG_H

#include <limits.h>
#include <json-c/json.h>
#include "block.h"

#define ACCORD_ENDPOINT_MAX 255
#define ACCORD_MEMBER_NAME_MAX 63
#define ACCORD_IDENTITY_PORT_OFFSET 3               //  identity_bind port - peer_bind port
#define ACCORD_EVENTBUS_PORT_OFFSET 4               //  eventbus_bind port - peer_bind port
#define ACCORD_REDIS_DEFAULT "tcp://127.0.0.1:6379"
#define ACCORD_EVENTBUS_SESSION_IDLE_MS     60000       //  eventbus_session_idle_ms: default
#define ACCORD_EVENTBUS_SESSION_IDLE_MIN_MS 1000        //  ... and its bounds
#define ACCORD_EVENTBUS_SESSION_IDLE_MAX_MS 3600000

typedef struct {
    char name [ACCORD_MEMBER_NAME_MAX + 1];
    uint8_t public_key [ACCORD_PUBKEY_SIZE];
    char curve_key [41];
    char peer_endpoint [ACCORD_ENDPOINT_MAX + 1];
} accord_member_t;

typedef struct {
    uint32_t block_max_txs;         //  a block closes when it holds this many
    uint32_t block_interval_ms;     //  ... or this long after its first transaction arrived
    uint32_t view_timeout_ms;       //  first view-change timeout; doubles per failed view
} accord_params_t;

typedef struct {
    char chain_id [ACCORD_CHAIN_ID_MAX + 1];
    uint64_t genesis_time_ms;
    accord_params_t params;
    size_t member_count;
    accord_member_t members [ACCORD_MAX_VALIDATORS];
    accord_validators_t validators;     //  derived from members, in order
} accord_genesis_t;

//  1 when chain_id is 1..ACCORD_CHAIN_ID_MAX characters of A-Z a-z 0-9 . _ - (it appears in
//  DIDs, did:accord:<chain id>:<address>, whose syntax allows no more).
int accord_chain_id_valid (const char *chain_id);
//  Defaults for parameters a genesis leaves out.
void accord_params_default (accord_params_t *self);
json_object *accord_params_to_json (const accord_params_t *self);
//  One validator entry {name, public_key, curve_key, peer_endpoint}. 0 or -1 with err.
int accord_member_from_json (accord_member_t *self, json_object *item, char *err, size_t err_size);
json_object *accord_member_to_json (const accord_member_t *self);
//  Replaces members and validators with a JSON array of validator entries (checked: 1 to
//  ACCORD_MAX_VALIDATORS, distinct keys). Unchanged on error.
int accord_genesis_set_members (accord_genesis_t *self, json_object *members, char *err, size_t err_size);
json_object *accord_genesis_members_json (const accord_genesis_t *self);
//  Reads and checks a genesis file. Returns 0 or -1 with a reason in err.
int accord_genesis_load (accord_genesis_t *self, const char *path, char *err, size_t err_size);
int accord_genesis_from_json (accord_genesis_t *self, json_object *obj, char *err, size_t err_size);
json_object *accord_genesis_to_json (const accord_genesis_t *self);

typedef struct {
    char dir [PATH_MAX];            //  the folder that holds config.json
    char name [ACCORD_MEMBER_NAME_MAX + 1];
    char genesis [PATH_MAX];
    char data_dir [PATH_MAX];
    char key_file [PATH_MAX];
    char curve_cert [PATH_MAX];     //  this node's CURVE certificate (secret file)
    char curve_dir [PATH_MAX];      //  public CURVE certificates of the validators allowed in
    char peer_bind [ACCORD_ENDPOINT_MAX + 1];
    char rpc_bind [ACCORD_ENDPOINT_MAX + 1];
    char pub_bind [ACCORD_ENDPOINT_MAX + 1];
    char rpc_endpoint [ACCORD_ENDPOINT_MAX + 1];    //  where clients connect
    char pub_endpoint [ACCORD_ENDPOINT_MAX + 1];
    char identity_bind [ACCORD_ENDPOINT_MAX + 1];       //  accord-identity's ROUTER
    char identity_endpoint [ACCORD_ENDPOINT_MAX + 1];   //  where its clients connect
    char redis_endpoint [ACCORD_ENDPOINT_MAX + 1];      //  tcp://HOST:PORT of its Redis
    char eventbus_bind [ACCORD_ENDPOINT_MAX + 1];       //  accord-eventbus's ROUTER
    char eventbus_endpoint [ACCORD_ENDPOINT_MAX + 1];   //  where its clients connect
    char broker_key [PATH_MAX];                         //  the broker's secp256k1 key (hex)
    uint32_t eventbus_session_idle_ms;                  //  a client session silent this long ends
} accord_node_config_t;

//  Loads DIR/config.json when path is a folder, else the file itself. 0 or -1 with err.
int accord_node_config_load (accord_node_config_t *self, const char *path, char *err, size_t err_size);

//  Splits "tcp://HOST:PORT" into host (at least ACCORD_ENDPOINT_MAX + 1 bytes) and port.
//  0, or -1 when endpoint is not of that form.
int accord_endpoint_split (const char *endpoint, char *host, int *port);

//  Reads a whole file (at most max bytes) into a new NUL-terminated buffer. NULL on failure.
char *accord_file_read (const char *path, size_t max, size_t *len);
//  Parses a JSON file strictly (accord_json_parse). NULL with err on failure.
json_object *accord_json_load (const char *path, char *err, size_t err_size);
//  Writes JSON pretty-printed to path with mode. 0 or -1.
int accord_json_save (json_object *obj, const char *path, int mode);

#endif
