/*  accord: the command-line tool. Every command has --help, prints errors to stderr and exits
    non-zero on failure.

    accord net init --members N --dir DIR [--base-port P] [--chain-id ID] [--redis ENDPOINT]
    accord net start DIR [--member NAME]     accord net stop DIR [--member NAME]
    accord net add DIR [--name NAME]
    accord chain status --member DIR [--json]
    accord chain block HEIGHT --member DIR [--json]
    accord chain proof TXHASH --member DIR [--json]
    accord evidence anchor HEX|--file F --member DIR [--meta JSON] [--key FILE] [--did DID]
    accord evidence get HEX|--file F --member DIR
    accord evidence sign HEX|--file F --key KEYFILE [--did DID] --member DIR
    accord evidence verify HEX|--file F --member DIR [--signer DID|KEYHEX]... [--json]
    accord schema register --key K --name N --version V --schema FILE [--did DID] --member DIR
    accord schema get ID --member DIR [--json]
    accord status create --key K --name N --purpose P [--size BITS] [--did DID] --member DIR
    accord status get ID --member DIR [--json]   accord status check ID INDEX --member DIR
    accord vc revoke|suspend|reinstate FILE|--list ID --index N --key K [--did DID] --member DIR
    accord did create --out KEYFILE --member DIR [--json]
    accord did resolve DID --member DIR [--version-id N | --version-time T] [--json]
    accord did update DID --document FILE --key KEYFILE --member DIR
    accord did rotate DID --key KEYFILE --out NEWKEYFILE --member DIR
    accord did deactivate DID --key KEYFILE --member DIR
    accord issuer propose DID --name NAME --member DIR
    accord issuer vote DID --action ACTION [--name NAME] [--type TYPE] --member DIR
    accord issuer list [--type TYPE] --member DIR [--json]
    accord vc issue --key KEYFILE --subject DID --claims FILE [--type T]... [--schema ID]
                    [--status LIST_ID [--status-index N]] [--valid-from T] [--valid-until T] [--sd PATH]...
                    [--holder-key KEYFILE | --holder DID] [--did DID] [--member DIR]
    accord vc disclose FILE --key HOLDER_KEY --reveal PATH... [--nonce N --aud A]
    accord vc verify FILE [--member DIR] [--nonce N --aud A] [--require-issuer]
                     [--issuer-type T] [--json]
    accord vp create --key HOLDER_KEY --holder DID --nonce N --aud A CREDENTIAL_FILE...
    accord vp verify FILE --nonce N --aud A --member DIR [--json]
    accord system params|validators --member DIR
    accord system set-param NAME VALUE --member DIR
    accord system add-validator CARD --member DIR
    accord system remove-validator CARD|PUBKEY --member DIR
    accord system set-broker KEYFILE|PUBKEY [--name N] --member DIR
    accord system remove-broker KEYFILE|PUBKEY --member DIR     accord system brokers --member DIR [--json]
    accord topic create|update NAME --key K [--did DID] [--publishers L] [--subscribers L]
                 [--retention-events N] [--retention-seconds S] [--description T] [--owner DID] --member DIR
    accord topic info NAME --member DIR [--json]    accord topic list [--prefix P] [--owner DID] --member DIR [--json]
    accord event get ID --member DIR [--json]       accord event proof ID --member DIR [--json]
    accord pub TOPIC --key KEYFILE [--did DID] [--tag T]... [--id MSGID] [--sign]
               [--member DIR | --broker ENDPOINT] [DATA]
    accord sub FILTER --key KEYFILE [--did DID] [--group G] [--consumer C] [--from WHERE] [--tag T]...
               [--credit N] [--count N] [--json] [--member DIR | --broker ENDPOINT] */
#include "cli.h"
#include <stdio.h>
#include <string.h>

static const cli_command_t s_commands [] = {
    { "net", "init", cli_net_init,
      "accord net init --members N --dir DIR [--base-port P] [--chain-id ID] [--redis ENDPOINT]\n"
      "  Creates a local network: DIR/genesis.json and per member DIR/memberK/ with its keys,\n"
      "  CURVE certificate, broker key, config and genesis. Member K listens on P+10(K-1) (peers),\n"
      "  +1 (RPC), +2 (PUB), +3 (accord-identity), +4 (accord-eventbus), and has its own Redis\n"
      "  on +5 (DIR/memberK/redis/, started by net start), which its identity service and broker\n"
      "  use. Default base port 7100, chain id accord-local. With --redis tcp://HOST:PORT every\n"
      "  member uses that Redis instead, and net start leaves Redis alone." },
    { "net", "start", cli_net_start,
      "accord net start DIR [--member NAME]\n"
      "  Starts every member's Redis (DIR/NAME/redis/) and node (or one member's), registers\n"
      "  each member's broker key (system.set_broker, unless registered), then starts their\n"
      "  accord-identity services and accord-eventbus brokers, in the background: pids in\n"
      "  DIR/NAME/chain.pid, identity.pid, eventbus.pid and redis/redis.pid, logs beside them;\n"
      "  returns when each answers (Redis PING, the others STATUS). What already runs, or a\n"
      "  Redis that already answers on the member's redis_endpoint, is left alone." },
    { "net", "stop", cli_net_stop,
      "accord net stop DIR [--member NAME]\n"
      "  Stops every member's broker, identity service, node and Redis (or one member's):\n"
      "  SIGTERM, then SIGKILL after 10 s." },
    { "net", "add", cli_net_add,
      "accord net add DIR [--name NAME]\n"
      "  Creates one more member folder (keys, certificate, config, the network's genesis, its\n"
      "  own Redis folder unless the network uses a --redis one) on the next free ports, and its\n"
      "  DIR/NAME/validator.json. It runs as an observer until a quorum of validators admits it\n"
      "  with 'accord system add-validator'." },
    { "chain", "status", cli_chain_status,
      "accord chain status --member DIR [--json]\n"
      "  Height, last hash, view, leader and which validators are connected." },
    { "chain", "block", cli_chain_block,
      "accord chain block HEIGHT --member DIR [--json]\n"
      "  The block header (with its hash), transaction hashes and commit certificate." },
    { "chain", "proof", cli_chain_proof,
      "accord chain proof TXHASH --member DIR [--json]\n"
      "  Fetches the inclusion proof of a transaction and its receipt and checks it against the\n"
      "  validator set of the genesis, as a light client would." },
    { "evidence", "anchor", cli_evidence_anchor,
      "accord evidence anchor HEX|--file FILE --member DIR [--meta JSON] [--key FILE] [--did DID]\n"
      "  Anchors a 32-byte hash (or the SHA-256 of FILE), waits for the commit, prints the\n"
      "  transaction hash and height. Signs with --key (default DIR/client.key), as DID with --did." },
    { "evidence", "get", cli_evidence_get,
      "accord evidence get HEX|--file FILE --member DIR\n"
      "  The anchored record: hash, metadata, signers (keys), DIDs that signed, height, time." },
    { "evidence", "sign", cli_evidence_sign,
      "accord evidence sign HEX|--file FILE --key KEYFILE [--did DID] --member DIR\n"
      "  Co-signs an anchored hash with the key; with --did, as that DID: the chain checks that\n"
      "  the DID is active and the key one of its authentication keys (or of its controller's),\n"
      "  and the record then names the DID among its signers." },
    { "evidence", "verify", cli_evidence_verify,
      "accord evidence verify HEX|--file FILE --member DIR [--signer DID|KEYHEX]... [--json]\n"
      "  Prints the record and its signers, finds the transaction that anchored the hash and checks\n"
      "  its inclusion proof against the genesis validator set. Exits 0 only when the hash is\n"
      "  anchored and every --signer (a DID or a key in hex) signed it." },
    { "schema", "register", cli_schema_register,
      "accord schema register --key KEYFILE --name NAME --version N --schema FILE [--did DID] --member DIR\n"
      "  Publishes the JSON Schema in FILE as version N of NAME, owned by the key's DID (or --did\n"
      "  DID, which the key must be an authentication key of); prints the schema id." },
    { "schema", "get", cli_schema_get,
      "accord schema get ID --member DIR [--json]\n"
      "  The schema record: publisher, name, version, height and the JSON Schema (--json: the record)." },
    { "status", "create", cli_status_create,
      "accord status create --key KEYFILE --name NAME --purpose revocation|suspension [--size BITS]\n"
      "                     [--did DID] --member DIR\n"
      "  Creates a Bitstring Status List owned by the key's DID (or --did DID); prints its id,\n"
      "  DID/status/NAME, the statusListCredential of the credentials that use it. BITS: a\n"
      "  multiple of 8 from 131072 (the default) to 16777216." },
    { "status", "get", cli_status_get,
      "accord status get ID --member DIR [--json]\n"
      "  The list: issuer, purpose, size, the last change and how many bits are set (--json: the\n"
      "  record with its encodedList, as the chain returns it)." },
    { "status", "check", cli_status_check,
      "accord status check ID INDEX --member DIR [--json]\n"
      "  Whether bit INDEX of the list is set (revoked or suspended, by the list's purpose).\n"
      "  Exits 0 when the question was answered, set or not." },
    { "vc", "revoke", cli_vc_revoke,
      "accord vc revoke CREDENTIAL_FILE|--list ID --index N --key KEYFILE [--did DID] --member DIR\n"
      "  Sets the credential's bit in its revocation list (the credentialStatus entry with\n"
      "  statusPurpose revocation; the list must belong to the key's DID or --did). Final." },
    { "vc", "suspend", cli_vc_suspend,
      "accord vc suspend CREDENTIAL_FILE|--list ID --index N --key KEYFILE [--did DID] --member DIR\n"
      "  Sets the credential's bit in its suspension list." },
    { "vc", "reinstate", cli_vc_reinstate,
      "accord vc reinstate CREDENTIAL_FILE|--list ID --index N --key KEYFILE [--did DID] --member DIR\n"
      "  Clears the credential's bit in its suspension list. A revocation is never undone." },
    { "did", "create", cli_did_create,
      "accord did create --out KEYFILE --member DIR [--json]\n"
      "  Makes a key (saved 0600 in KEYFILE), registers did:accord:<chain>:<address> with the\n"
      "  default document (that key for authentication and assertion), waits for the commit and\n"
      "  prints the DID ({\"did\", \"key\"} with --json)." },
    { "did", "resolve", cli_did_resolve,
      "accord did resolve DID --member DIR [--version-id N | --version-time 2026-01-31T12:00:00Z] [--json]\n"
      "  The DID document (the latest, or that version); --json prints the document alone.\n"
      "  Exits 1 for an invalid, unknown or deactivated DID." },
    { "did", "update", cli_did_update,
      "accord did update DID --document FILE --key KEYFILE --member DIR\n"
      "  Replaces the document (a new version), signed by an authentication key of the DID or\n"
      "  of one of its controllers." },
    { "did", "rotate", cli_did_rotate,
      "accord did rotate DID --key KEYFILE --out NEWKEYFILE --member DIR\n"
      "  Makes a new key and replaces the key of KEYFILE with it in every role it had, signed by\n"
      "  the old key. Verifiers check credentials against the issuer's current document, so\n"
      "  what the old key signed stops verifying: rotate this way when a key is compromised;\n"
      "  for a routine change add the new key with 'did update' and drop the old one later." },
    { "did", "deactivate", cli_did_deactivate,
      "accord did deactivate DID --key KEYFILE --member DIR\n"
      "  Deactivates the DID for good." },
    { "issuer", "propose", cli_issuer_propose,
      "accord issuer propose DID --name NAME --member DIR\n"
      "  The member's validator votes to recognize DID as an authority issuer. It is recognized\n"
      "  once a quorum of validators voted the same (with 'issuer vote --action recognize')." },
    { "issuer", "vote", cli_issuer_vote,
      "accord issuer vote DID --action recognize|revoke|add_type|remove_type [--name NAME]\n"
      "                   [--type TYPE] --member DIR\n"
      "  The member's validator votes on a change to the issuer registry (signed with its node\n"
      "  key, or --key FILE); the change applies when a quorum voted for the same call." },
    { "issuer", "list", cli_issuer_list,
      "accord issuer list [--type TYPE] --member DIR [--json]\n"
      "  The recognized issuers (of that type): DID, name, types." },
    { "vc", "issue", cli_vc_issue,
      "accord vc issue --key KEYFILE --subject DID --claims FILE [--type T]... [--schema ID]\n"
      "                [--status LIST_ID [--status-index N] [--status-purpose P]]\n"
      "                [--valid-from T] [--valid-until T] [--sd PATH]...\n"
      "                [--holder-key KEYFILE | --holder DID]\n"
      "                [--did ISSUER_DID] [--member DIR]\n"
      "  Prints a W3C VC 2.0 credential signed with KEYFILE (ES256K): a compact vc+jwt, or with\n"
      "  --sd an SD-JWT in which each PATH (a JSON Pointer such as /credentialSubject/age) is\n"
      "  selectively disclosable, bound to the holder's key when --holder-key or --holder is\n"
      "  given. credentialSubject is the JSON object of FILE with id DID. The issuer is --did, or\n"
      "  the key's did:accord on the chain of --member, or its did:key; kid is the issuer's\n"
      "  verification method for the key (looked up with --member). --status adds a\n"
      "  BitstringStatusListEntry of that list (ISSUER_DID/status/NAME, read from the chain with\n"
      "  --member); without --status-index the next unused index is taken from\n"
      "  KEYFILE.status-index (locked, never handed out twice). validFrom is --valid-from or\n"
      "  now; times are like 2027-01-31T12:00:00Z." },
    { "vc", "disclose", cli_vc_disclose,
      "accord vc disclose FILE --key HOLDER_KEY --reveal PATH... [--nonce N --aud A]\n"
      "  Prints the holder's presentation of the SD-JWT in FILE with only the claims at each\n"
      "  PATH (and those on the way to them) disclosed; with --nonce and --aud it ends with a\n"
      "  key binding JWT signed by HOLDER_KEY for that verifier." },
    { "vc", "verify", cli_vc_verify,
      "accord vc verify FILE [--member DIR [--service]] [--nonce N --aud A] [--require-issuer]\n"
      "                 [--issuer-type T] [--json]\n"
      "  Verifies the vc+jwt or SD-JWT in FILE against the chain of --member: the issuer's\n"
      "  current DID document, the signature, the validity window, credentialSchema and\n"
      "  credentialStatus; with --require-issuer the issuer must be recognized in the issuer\n"
      "  registry (--issuer-type: and of that type); with --nonce and --aud an SD-JWT must carry\n"
      "  the holder's key binding JWT for them. Prints 'valid' and the verified claims, or the\n"
      "  failed check's code and message ({valid, code, message, claims} with --json); exits 0\n"
      "  only when valid. Without --member it works offline: only did:key credentials verify\n"
      "  and status is not checked. With --service the member's accord-identity verifies it\n"
      "  (VERIFY) and the tool prints its verdict." },
    { "vp", "create", cli_vp_create,
      "accord vp create --key HOLDER_KEY --holder DID --nonce N --aud A CREDENTIAL_FILE...\n"
      "                 [--member DIR]\n"
      "  Prints a vp+jwt presentation of the vc+jwt credentials in the files, signed by the\n"
      "  holder's key for the verifier's nonce and audience. kid is the holder's authentication\n"
      "  method for the key (looked up with --member; without it, the bare DID, which names a\n"
      "  document's only method)." },
    { "vp", "verify", cli_vp_verify,
      "accord vp verify FILE --nonce N --aud A --member DIR [--service] [--json]\n"
      "  Verifies the presentation in FILE: the holder's signature and DID, nonce and audience,\n"
      "  and every credential in it as 'vc verify' does. Prints 'valid' and the presentation, or\n"
      "  the failed check's code and message; exits 0 only when valid. With --service the\n"
      "  member's accord-identity verifies it (VERIFY_PRESENTATION)." },
    { "identity", "status", cli_identity_status,
      "accord identity status --member DIR [--json]\n"
      "  Health of the member's accord-identity: chain height it applied and its node's,\n"
      "  node and Redis up or down, cache counters, requests waiting." },
    { "system", "params", cli_system_params,
      "accord system params --member DIR\n"
      "  The parameters in force (genesis values, or what the validators voted since)." },
    { "system", "validators", cli_system_validators,
      "accord system validators --member DIR\n"
      "  The validator set: index, name, public key." },
    { "system", "set-param", cli_system_set_param,
      "accord system set-param NAME VALUE --member DIR\n"
      "  The member's validator votes NAME = VALUE (block_max_txs, block_interval_ms,\n"
      "  view_timeout_ms), signed with its node key. The value takes effect from the block after\n"
      "  the one where a quorum of validators voted for it." },
    { "system", "add-validator", cli_system_add_validator,
      "accord system add-validator CARD --member DIR\n"
      "  The member's validator votes to admit the validator described in CARD (a\n"
      "  validator.json: name, public_key, curve_key, peer_endpoint). Once a quorum voted, it\n"
      "  certifies blocks from the next one on." },
    { "system", "remove-validator", cli_system_remove_validator,
      "accord system remove-validator CARD|PUBKEY --member DIR\n"
      "  The member's validator votes to remove a validator." },
    { "system", "set-broker", cli_system_set_broker,
      "accord system set-broker KEYFILE|PUBKEY [--name NAME] --member DIR\n"
      "  Registers the member's event broker: its public key (from KEYFILE, or 33-byte hex), signed\n"
      "  with the member's node key (no vote: a member vouches for its own broker). The event\n"
      "  module takes batches only from such brokers, while their member is a validator." },
    { "system", "remove-broker", cli_system_remove_broker,
      "accord system remove-broker KEYFILE|PUBKEY --member DIR\n"
      "  Removes a broker the member registered (or, once its member is no longer a validator,\n"
      "  any member's)." },
    { "system", "brokers", cli_system_brokers,
      "accord system brokers --member DIR [--json]\n"
      "  The registered brokers: key, name, member, and whether they count (member a validator)." },
    { "topic", "create", cli_topic_create,
      "accord topic create NAME --key KEYFILE [--did DID] [--publishers LIST] [--subscribers LIST]\n"
      "                    [--retention-events N] [--retention-seconds S] [--description TEXT] --member DIR\n"
      "  Creates a topic owned by the key's DID (or --did DID). NAME: levels a/b/c, each 1 to 64 of\n"
      "  A-Z a-z 0-9 . _ - (no + # or $). LIST: comma-separated DIDs, type:T (recognized issuers\n"
      "  of type T) or * (anyone with an active DID); both lists default to the owner alone.\n"
      "  Retention: what each member's broker keeps of the topic (default: everything)." },
    { "topic", "update", cli_topic_update,
      "accord topic update NAME --key KEYFILE [--did DID] [--publishers LIST] [--subscribers LIST]\n"
      "                    [--retention-events N] [--retention-seconds S] [--description TEXT]\n"
      "                    [--owner DID] --member DIR\n"
      "  The owner changes what it gives (a list replaces the list; --publishers '' closes the\n"
      "  topic to new events; the retention options replace the retention) or hands the topic\n"
      "  over to another DID with --owner." },
    { "topic", "info", cli_topic_info,
      "accord topic info NAME --member DIR [--json]\n"
      "  The topic: owner, publishers, subscribers, retention, description, heights." },
    { "topic", "list", cli_topic_list,
      "accord topic list [--prefix P] [--owner DID] --member DIR [--json]\n"
      "  The topics (whose names begin with P, or of that owner), one per line: name, owner,\n"
      "  description." },
    { "event", "get", cli_event_get,
      "accord event get ID --member DIR [--json]\n"
      "  The event HEIGHT:TX:INDEX as the chain holds it: topic, publisher, message id, tags,\n"
      "  block time, the broker that packed it, and its payload (text when printable)." },
    { "event", "proof", cli_event_proof,
      "accord event proof ID --member DIR [--json]\n"
      "  Fetches the event's transaction and its inclusion proof, checks the proof against the\n"
      "  genesis validator set (commit certificate, Merkle path, receipt status ok) and that the\n"
      "  event is item INDEX of the transaction's events; prints where it is." },
    { "pub", NULL, cli_pub,
      "accord pub TOPIC --key KEYFILE [--did DID] [--tag T]... [--id MSGID] [--sign]\n"
      "           [--member DIR | --broker ENDPOINT] [DATA]\n"
      "  Publishes DATA on TOPIC through the member's broker (its config's eventbus_endpoint, or\n"
      "  ENDPOINT) as DID (default: the key's DID, which the key authenticates), and prints its\n"
      "  event id (HEIGHT:TX:INDEX) once committed. Without DATA each line of standard input is\n"
      "  one event, many in flight, and the event ids are printed one per line in input order (a\n"
      "  line refused is said on stderr, and the exit status is 1). --id: the message id (default:\n"
      "  a random one); --tag: up to 16; --sign: the event is signed with the key, which must then\n"
      "  be in the DID's assertionMethod." },
    { "sub", NULL, cli_sub,
      "accord sub FILTER --key KEYFILE [--did DID] [--group G] [--consumer C] [--from WHERE]\n"
      "           [--tag T]... [--credit N] [--count N] [--json] [--member DIR | --broker ENDPOINT]\n"
      "  Prints the events of the topics FILTER matches (a name, + for one level, # for the rest),\n"
      "  one line each: the event id, a space, the payload; with --json one object per line (id,\n"
      "  topic, publisher, message_id, tags, payload in base64url, time, sig, block_ms,\n"
      "  deliveries). Until interrupted (SIGINT or SIGTERM, exit 0) or --count events. WHERE: now\n"
      "  (default), first, last, an event id, ms since the epoch or an RFC 3339 time. --group:\n"
      "  share the events with the group's other consumers, each acknowledged once printed.\n"
      "  --tag: only events with one of these tags. --credit: events in flight (default 100)." },
};

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: accord GROUP COMMAND [ARGS] | accord pub|sub [ARGS]   (--help after either)\n\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands [0]; i++) {
        const char *help = s_commands [i].help;
        const char *end = strchr (help, '\n');
        fprintf (out, "  %.*s\n", (int) (end ? end - help : (long) strlen (help)), help);
    }
}

int
main (int argc, char *argv [])
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "help") == 0) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands [0]; i++) {
        const cli_command_t *command = &s_commands [i];
        if (strcmp (argv [1], command->group)
        ||  (command->name && (argc < 3 || strcmp (argv [2], command->name))))
            continue;
        int first = command->name ? 3 : 2;     //  the command's own arguments
        for (int a = first; a < argc; a++)
            if (strcmp (argv [a], "--help") == 0) {
                printf ("%s\n", command->help);
                return 0;
            }
        cli_args_t args = { .argc = argc - first, .argv = argv + first, .help = command->help };
        return command->run (&args);
    }
    fprintf (stderr, "accord: unknown command '%s%s%s'\n\n", argv [1], argc > 2 ? " " : "", argc > 2 ? argv [2] : "");
    s_usage (stderr);
    return 2;
}
