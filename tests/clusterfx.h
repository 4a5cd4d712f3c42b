/*  tests/clusterfx: cluster tests run real accord-chain processes (CL_MEMBERS members, made
    with `accord net init` in a temporary folder on free loopback ports) and drive them with the
    accord tool. cl_network_up / cl_network_down are an unchecked fixture: the network is
    stopped even when a test fails; ACCORD_KEEP_TEST_DIRS=1 keeps the folder. */
#ifndef ACCORD_TESTS_CLUSTERFX_H
#define ACCORD_TESTS_CLUSTERFX_H

#include "testutil.h"
#include "accord/crypto.h"
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
pid_t cl_pid (int k);
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
