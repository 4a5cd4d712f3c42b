/*  tests/clusterfx: cluster tests run real accord-chain processes (CL_MEMBERS members, made
    with `accord net init` in a temporary folder on free loopback ports) and drive them with the
    accord tool. cl_network_up / cl_network_down are an unchecked fixture: the network is
    stopped even when a test fails; ACCORD_KEEP_TEST_DIRS=1 keeps the folder. */
#ifndef ACCORD_TESTS_CLUSTERFX_H
#define ACCORD_TESTS_CLUSTERFX_H

#include "testutil.h"
#include "accord/config.h"
#include "accord/crypto.h"
#include "accord/eventbus.h"
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#define CL_MEMBERS 4
#define CL_WAIT_MS 20000

extern char *cl_dir;

int cl_free_base_port (void);
int cl_accord (char **out, const char *format, ...);
//  What the accord tool wrote to stderr since the network started (caller frees).
char *cl_errors (void);
char *cl_member (int k);
json_object *cl_status (int k);
int64_t cl_height (int k);
int64_t cl_wait_height (int k, int64_t height);
int64_t cl_anchor (int k, const char *label);
char *cl_block_hash (int k, int64_t height);
void cl_assert_same_chain (int64_t height);
//  The pid in member k's SERVICE.pid (service "chain", "identity", "eventbus"), or 0.
pid_t cl_service_pid (int k, const char *service);
//  The pid of member k's node, or 0.
pid_t cl_pid (int k);
//  Member k's config.json (the test fails when it does not load).
void cl_config (int k, accord_node_config_t *config);
//  1 when member k's accord-eventbus answers PING.
int cl_broker_answers (int k);
//  Waits at most CL_WAIT_MS until member k's broker answers; the test fails otherwise.
void cl_wait_broker (int k);
//  A client of member k's broker proving key's DID (the test fails when it cannot connect).
accord_eventbus_t *cl_eventbus_connect (int k, accord_key_t *key, int timeout_ms);
//  A raw client of member k's broker: ACC1 on a DEALER, for tests of the protocol itself.
typedef struct {
    zsock_t *dealer;
    uint32_t next_id;
} cl_raw_t;

//  One message from the broker.
typedef struct {
    char status [16];           //  "OK" / "ERR" / "EVENT" / "END"
    char code [32];             //  ERR and END
    char message [512];
    json_object *json;          //  the OK body or a delivery's meta (caller puts), or NULL
    uint32_t id;                //  OK and ERR: the request's
    char sub [64];              //  EVENT and END: the subscription
    char payload [64];          //  EVENT: the start of the payload
} cl_reply_t;

void cl_raw_connect (cl_raw_t *self, int k);
void cl_raw_close (cl_raw_t *self);
//  Sends command with body frames (JSON text, then a binary frame when data is not NULL); the
//  request id.
uint32_t cl_raw_send (cl_raw_t *self, const char *command, const char *json, const void *data, size_t size);
//  The next message within timeout_ms: 0, or -1 when none came.
int cl_raw_receive (cl_raw_t *self, cl_reply_t *reply, int timeout_ms);
//  One request and the next message, which must be its answer within CL_WAIT_MS: "OK" or the
//  error code (static); the OK body in *json when json is not NULL (caller puts), the error's
//  message in message when not NULL.
const char *cl_raw_call (cl_raw_t *self, const char *command, const char *body, const void *data, size_t size,
                         json_object **json, char *message, size_t message_size);
//  HELLO and AUTH at member k as did, signing the challenge with key, pause_ms after the HELLO
//  answer: the code of AUTH. HELLO's answer in *hello when not NULL (caller puts).
const char *cl_raw_auth (cl_raw_t *self, int k, const char *did, accord_key_t *key, int pause_ms,
                         json_object **hello);

//  A command (redisCommand format) to member k's Redis, the redis_endpoint of its config (its
//  own, unless the network was made with --redis), on a new connection: the reply (caller
//  frees with freeReplyObject), or NULL when that Redis does not answer.
redisReply *cl_redis_command (int k, const char *format, ...);
void cl_network_up (void);
//  The same with more `accord net init` options (e.g. "--redis tcp://127.0.0.1:PORT").
void cl_network_up_with (const char *init_options);
void cl_network_down (void);
int64_t cl_status_int (int k, const char *field);
//  Runs `accord did create` at member k with the key in cl_dir/NAME.key; returns the DID (caller
//  frees) and the key path.
char *cl_did_create (int k, const char *name, char key_path [PATH_MAX]);

json_object *cl_transact (int k, accord_key_t *key, const char *module, const char *method, const char *args_json);

#endif
