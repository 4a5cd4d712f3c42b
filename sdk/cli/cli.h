/*  The accord tool's commands and the helpers they share. */
#ifndef ACCORD_CLI_H
#define ACCORD_CLI_H

#include <json-c/json.h>
#include "accord/config.h"
#include "accord/block.h"
#include "accord/crypto.h"
#include "accord/did.h"
#include "accord/verifier.h"
#include "accord/wire.h"

typedef struct {
    int argc;
    char **argv;            //  the arguments after GROUP COMMAND
    const char *help;
} cli_args_t;

typedef struct {
    const char *group;
    const char *name;               //  NULL: a command of one word (accord pub)
    int (*run) (cli_args_t *args);
    const char *help;
} cli_command_t;

int cli_net_init (cli_args_t *args);
int cli_net_start (cli_args_t *args);
int cli_net_stop (cli_args_t *args);
int cli_net_add (cli_args_t *args);
int cli_chain_status (cli_args_t *args);
int cli_chain_block (cli_args_t *args);
int cli_chain_proof (cli_args_t *args);
int cli_evidence_anchor (cli_args_t *args);
int cli_evidence_get (cli_args_t *args);
int cli_evidence_sign (cli_args_t *args);
int cli_evidence_verify (cli_args_t *args);
int cli_schema_register (cli_args_t *args);
int cli_schema_get (cli_args_t *args);
int cli_status_create (cli_args_t *args);
int cli_status_get (cli_args_t *args);
int cli_status_check (cli_args_t *args);
int cli_vc_revoke (cli_args_t *args);
int cli_vc_suspend (cli_args_t *args);
int cli_vc_reinstate (cli_args_t *args);
int cli_did_create (cli_args_t *args);
int cli_did_resolve (cli_args_t *args);
int cli_did_update (cli_args_t *args);
int cli_did_rotate (cli_args_t *args);
int cli_did_deactivate (cli_args_t *args);
int cli_issuer_propose (cli_args_t *args);
int cli_issuer_vote (cli_args_t *args);
int cli_issuer_list (cli_args_t *args);
int cli_vc_issue (cli_args_t *args);
int cli_vc_disclose (cli_args_t *args);
int cli_vc_verify (cli_args_t *args);
int cli_vp_create (cli_args_t *args);
int cli_vp_verify (cli_args_t *args);
int cli_identity_status (cli_args_t *args);
//  `vc verify --service` / `vp verify --service`: the verdict of the member's accord-identity
//  on token, printed as cli_print_verdict does; 0 only when valid.
int cli_identity_verify (cli_args_t *args, const char *token, int presentation);
int cli_system_params (cli_args_t *args);
int cli_system_validators (cli_args_t *args);
int cli_system_set_param (cli_args_t *args);
int cli_system_add_validator (cli_args_t *args);
int cli_system_remove_validator (cli_args_t *args);
int cli_system_set_broker (cli_args_t *args);
int cli_system_remove_broker (cli_args_t *args);
int cli_system_brokers (cli_args_t *args);
int cli_topic_create (cli_args_t *args);
int cli_topic_update (cli_args_t *args);
int cli_topic_info (cli_args_t *args);
int cli_topic_list (cli_args_t *args);
int cli_event_get (cli_args_t *args);
int cli_event_proof (cli_args_t *args);
int cli_pub (cli_args_t *args);
int cli_sub (cli_args_t *args);

//  Value of --name (NULL if absent); a flag without value returns "" when present.
const char *cli_option (cli_args_t *args, const char *name);
//  Value of the n-th (from 0) --name of an option given several times, or NULL.
const char *cli_option_nth (cli_args_t *args, const char *name, int n);
int cli_flag (cli_args_t *args, const char *name);
//  The kid of key for did: did:key's own method; for did:accord, with --member, the id of
//  the verification method of key listed under relationship in the DID's current document;
//  without --member the bare DID (which names the document's only method). 0, or 1 after
//  printing why.
int cli_key_id (cli_args_t *args, const char *did, accord_key_t *key, const char *relationship,
                char *kid, size_t kid_size);
//  DID Resolution result of did from the node of --member (--version-id / --version-time when
//  given; caller puts), or NULL after printing why.
json_object *cli_resolve (cli_args_t *args, const char *did);
//  The whole of a credential or presentation file, surrounding white space removed (caller
//  frees), or NULL after printing why.
char *cli_read_token (const char *path);
//  A verifier for the options of vc verify / vp verify: the node of --member as its source
//  (*client, caller destroys), or offline (did:key only, no status) without it; --nonce,
//  --aud, --require-issuer, --issuer-type. 0, or 1 after printing why.
int cli_verifier (cli_args_t *args, accord_verifier_t *verifier, accord_client_t **client);
//  Prints a verdict: "valid" and the claims, or "CODE: message"; with --json
//  {valid, code, message, claims?}. Returns the exit code (0 only when valid).
//  Verifies the credential (presentation != 0: the presentation) in file as `vc verify` /
//  `vp verify` do: through the member's accord-identity with --service, else with the
//  chain-backed verifier; prints the verdict. 0 only when valid.
int cli_verify_file (cli_args_t *args, const char *file, int presentation);
int cli_print_verdict (cli_args_t *args, accord_vc_error_t code, const accord_vc_result_t *result,
                       json_object *claims);
//  The n-th argument that is neither an option nor an option's value, or NULL.
const char *cli_positional (cli_args_t *args, int n);
//  Prints "accord: message" to stderr and returns 1.
int cli_fail (const char *format, ...);
//  A client for the member folder given by --member. NULL (after printing why) on failure.
accord_client_t *cli_member_client (cli_args_t *args, accord_node_config_t *config);
//  Prints "accord: WHAT: code: message" for the client's last error; returns 1.
int cli_call_fail (accord_client_t *client, const char *what);
//  QUERY module.method with args (taken over; NULL for none). ACCORD_OK with *result.
int cli_query (accord_client_t *client, const char *module, const char *method, json_object *args,
               json_object **result);
//  Signs a call with the sender's next nonce, submits it and waits for its receipt. 0 with
//  *receipt_p (caller puts), or 1 after printing the error.
int cli_transact (accord_client_t *client, const char *chain_id, accord_key_t *key, const char *module,
                  const char *method, json_object *call_args, json_object **receipt_p);
//  cli_transact for the member of --member, signed with key_path ("node" for the member's
//  validator key, NULL for DIR/client.key); prints tx, height and status. 0 when the
//  transaction committed with status ok.
int cli_transact_report (cli_args_t *args, const char *key_path, const char *module, const char *method,
                         json_object *call_args);
//  The same with a key in hand; quiet prints nothing on success (failures go to stderr).
int cli_transact_key_report (cli_args_t *args, accord_key_t *key, const char *module, const char *method,
                             json_object *call_args, int quiet);
//  The chain id of the member folder of --member; 0, or 1 after printing why.
int cli_chain_id (cli_args_t *args, char chain_id [ACCORD_CHAIN_ID_MAX + 1]);
//  The key in the file of option (--key), or NULL after printing why.
accord_key_t *cli_key (cli_args_t *args, const char *option);
//  The DID a signing command acts as: --did, else the did:accord DID of key on the member's
//  chain (the chain decides whether key may act for it). 0, or 1 after printing why.
int cli_acting_did (cli_args_t *args, accord_key_t *key, char did [ACCORD_DID_MAX]);
//  Fetches the inclusion proof of transaction tx (hex) and checks it against the genesis
//  validator set as a light client (accord_proof_verify). 0 with *proof_p (caller puts) and the
//  header of its block, or 1 after printing why.
int cli_proof_fetch (accord_client_t *client, const accord_genesis_t *genesis, const char *tx,
                     json_object **proof_p, accord_header_t *header);
//  Prints JSON pretty to stdout.
void cli_print_json (json_object *obj);

#endif
