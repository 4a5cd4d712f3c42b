/*  Helpers for cluster tests: a network of real accord-chain processes on free loopback
    ports, driven with the accord tool as a user would. */
#include "clusterfx.h"
#include "redisfx.h"
#include "accord/config.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/event.h"
#include "accord/json.h"
#include "accord/tx.h"
#include "accord/wire.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *cl_dir;

//  A base port with the ports of CL_MEMBERS members free above it, and of one more added
//  with `accord net add`.
int
cl_free_base_port (void)
{
    return tu_free_ports (10 * (CL_MEMBERS + 1));
}

//  Runs the accord tool with arguments; returns its exit code and its stdout in *out (caller
//  frees) when out is not NULL.
int
cl_accord (char **out, const char *format, ...)
{
    char args [2048], command [4096];
    va_list ap;
    va_start (ap, format);
    vsnprintf (args, sizeof args, format, ap);
    va_end (ap);
    char *bin = tu_bin ("accord");
    snprintf (command, sizeof command, "%s %s 2>>%s/cli.err", bin, args, cl_dir);
    free (bin);
    FILE *pipe = popen (command, "r");
    if (!pipe)
        return -1;
    char *text = calloc (1, 65536);
    size_t len = fread (text, 1, 65535, pipe);
    text [len] = 0;
    int status = pclose (pipe);
    if (out)
        *out = text;
    else
        free (text);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

char *
cl_errors (void)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/cli.err", cl_dir);
    char *text = accord_file_read (path, 1024 * 1024, NULL);
    return text ? text : strdup ("");
}

char *
cl_member (int k)
{
    static char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/member%d", cl_dir, k);
    return path;
}

json_object *
cl_status (int k)
{
    accord_node_config_t config;
    char err [256];
    if (accord_node_config_load (&config, cl_member (k), err, sizeof err))
        return NULL;
    accord_client_t *client = accord_client_new (config.rpc_endpoint, 1000);
    json_object *status = NULL;
    accord_client_call_json (client, "STATUS", NULL, &status);
    accord_client_destroy (&client);
    return status;
}

int64_t
cl_height (int k)
{
    json_object *status = cl_status (k);
    int64_t height = status ? json_object_get_int64 (json_object_object_get (status, "height")) : -1;
    json_object_put (status);
    return height;
}

//  Waits until member k reaches height; returns its height then.
int64_t
cl_wait_height (int k, int64_t height)
{
    int64_t deadline = tu_now_ms () + CL_WAIT_MS, now = -1;
    while (tu_now_ms () < deadline && (now = cl_height (k)) < height)
        usleep (50 * 1000);
    return now;
}

//  Anchors a fresh hash through member k with the tool; returns the committed height.
int64_t
cl_anchor (int k, const char *label)
{
    uint8_t digest [32];
    char hex [65], *out = NULL;
    accord_sha256 (digest, label, strlen (label));
    accord_hex_encode (hex, sizeof hex, digest, 32);
    int rc = cl_accord (&out, "evidence anchor %s --member %s", hex, cl_member (k));
    ck_assert_msg (rc == 0, "anchor through member%d failed: %s", k, out);
    char *line = strstr (out, "height ");
    int64_t height = line ? atoll (line + 7) : -1;
    free (out);
    return height;
}

char *
cl_block_hash (int k, int64_t height)
{
    char *out = NULL;
    if (cl_accord (&out, "chain block %lld --member %s --json", (long long) height, cl_member (k))) {
        free (out);
        return NULL;
    }
    json_object *block = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    char *hash = block ? strdup (accord_json_get_string (block, "hash")) : NULL;
    json_object_put (block);
    return hash;
}

void
cl_assert_same_chain (int64_t height)
{
    for (int64_t h = 1; h <= height; h++) {
        char *first = cl_block_hash (1, h);
        ck_assert_msg (first != NULL, "member1 has no block %lld", (long long) h);
        for (int k = 2; k <= CL_MEMBERS; k++) {
            char *other = cl_block_hash (k, h);
            ck_assert_msg (other && strcmp (first, other) == 0, "member%d block %lld differs", k, (long long) h);
            free (other);
        }
        free (first);
    }
}

pid_t
cl_service_pid (int k, const char *service)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.pid", cl_member (k), service);
    char *text = accord_file_read (path, 32, NULL);
    pid_t pid = text ? atoi (text) : 0;
    free (text);
    return pid;
}

pid_t
cl_pid (int k)
{
    return cl_service_pid (k, "chain");
}

void
cl_config (int k, accord_node_config_t *config)
{
    char err [256];
    ck_assert_msg (accord_node_config_load (config, cl_member (k), err, sizeof err) == 0, "%s", err);
}

int
cl_broker_answers (int k)
{
    accord_node_config_t config;
    cl_config (k, &config);
    accord_client_t *client = accord_client_new (config.eventbus_endpoint, 500);
    int up = client && accord_client_call (client, "PING", NULL, NULL) == ACCORD_OK;
    accord_client_destroy (&client);
    return up;
}

void
cl_wait_broker (int k)
{
    int64_t deadline = tu_now_ms () + CL_WAIT_MS;
    while (!cl_broker_answers (k) && tu_now_ms () < deadline)
        ;
    ck_assert_msg (cl_broker_answers (k), "member%d's broker does not answer", k);
}

accord_eventbus_t *
cl_eventbus_connect (int k, accord_key_t *key, int timeout_ms)
{
    accord_node_config_t config;
    cl_config (k, &config);
    accord_eventbus_t *bus = accord_eventbus_connect (config.eventbus_endpoint, NULL, key, timeout_ms);
    ck_assert_ptr_nonnull (bus);
    ck_assert_msg (accord_eventbus_errcode (bus) == ACCORD_OK, "connect at member%d: %s", k,
                   accord_eventbus_errstr (bus));
    return bus;
}

redisReply *
cl_redis_command (int k, const char *format, ...)
{
    accord_node_config_t config;
    cl_config (k, &config);
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    ck_assert_int_eq (accord_endpoint_split (config.redis_endpoint, host, &port), 0);
    va_list ap;
    va_start (ap, format);
    redisReply *reply = rf_vcommand_at (host, port, format, ap);
    va_end (ap);
    return reply;
}

void
cl_network_up_with (const char *init_options)
{
    cl_dir = tu_tmpdir ();
    int port = cl_free_base_port ();
    ck_assert_int_ne (port, 0);
    ck_assert_int_eq (cl_accord (NULL, "net init --members %d --dir %s --base-port %d %s", CL_MEMBERS, cl_dir,
                                 port, init_options), 0);
    if (cl_accord (NULL, "net start %s", cl_dir) != 0) {
        //  A failed setup gets no teardown: stop what did start.
        cl_accord (NULL, "net stop %s", cl_dir);
        ck_abort_msg ("net start failed (see %s/cli.err and the members' logs)", cl_dir);
    }
}

void
cl_network_up (void)
{
    cl_network_up_with ("");
}

void
cl_network_down (void)
{
    cl_accord (NULL, "net stop %s", cl_dir);
    if (!getenv ("ACCORD_KEEP_TEST_DIRS"))
        tu_rmtree (cl_dir);
    free (cl_dir);
}

int64_t
cl_status_int (int k, const char *field)
{
    json_object *status = cl_status (k);
    int64_t value = status ? json_object_get_int64 (json_object_object_get (status, field)) : -100;
    json_object_put (status);
    return value;
}

//  Runs `accord did create` at member k with the key in DIR/NAME.key; returns the DID (caller
//  frees) and the key path.
char *
cl_did_create (int k, const char *name, char key_path [PATH_MAX])
{
    snprintf (key_path, PATH_MAX, "%s/%s.key", cl_dir, name);
    char *out = NULL;
    int rc = cl_accord (&out, "did create --out %s --member %s --json", key_path, cl_member (k));
    ck_assert_msg (rc == 0, "did create failed: %s", out);
    json_object *result = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    ck_assert_ptr_nonnull (result);
    char *did = strdup (accord_json_get_string (result, "did"));
    json_object_put (result);
    ck_assert_int_eq (strncmp (did, "did:accord:accord-local:", 24), 0);
    return did;
}

//  Signs module.method(args_json) with key, submits it to member k and waits for its receipt
//  (caller puts). NULL when the node refused it or it did not commit in time.
json_object *
cl_transact (int k, accord_key_t *key, const char *module, const char *method, const char *args_json)
{
    accord_node_config_t config;
    accord_genesis_t genesis;
    char err [256], sender [2 * ACCORD_PUBKEY_SIZE + 1], query [256];
    ck_assert_int_eq (accord_node_config_load (&config, cl_member (k), err, sizeof err), 0);
    ck_assert_int_eq (accord_genesis_load (&genesis, config.genesis, err, sizeof err), 0);
    accord_hex_encode (sender, sizeof sender, accord_key_public (key), ACCORD_PUBKEY_SIZE);
    snprintf (query, sizeof query, "{\"module\":\"system\",\"method\":\"nonce\",\"args\":{\"sender\":\"%s\"}}", sender);
    json_object *request = accord_json_parse (query, strlen (query), NULL, 0), *nonce = NULL, *receipt = NULL;
    accord_client_t *client = accord_client_new (config.rpc_endpoint, CL_WAIT_MS);
    ck_assert_int_eq (accord_client_call_json (client, "QUERY", request, &nonce), ACCORD_OK);
    json_object_put (request);
    accord_tx_t *tx = accord_tx_new (genesis.chain_id, module, method, args_json,
                                     (uint64_t) json_object_get_int64 (json_object_object_get (nonce, "nonce")) + 1,
                                     (uint64_t) cl_height (k) + 1000);
    json_object_put (nonce);
    ck_assert_ptr_nonnull (tx);
    ck_assert_int_eq (accord_tx_sign (tx, key), 0);
    char hash [2 * ACCORD_HASH_SIZE + 1];
    accord_hex_encode (hash, sizeof hash, tx->hash, ACCORD_HASH_SIZE);
    zmsg_t *body = zmsg_new ();
    zmsg_addmem (body, tx->raw, tx->raw_len);
    accord_tx_destroy (&tx);
    if (accord_client_call (client, "SUBMIT", &body, NULL) == ACCORD_OK) {
        request = json_object_new_object ();
        json_object_object_add (request, "tx", json_object_new_string (hash));
        json_object_object_add (request, "wait_ms", json_object_new_int (CL_WAIT_MS - 2000));
        accord_client_call_json (client, "RECEIPT", request, &receipt);
        json_object_put (request);
    }
    accord_client_destroy (&client);
    return receipt;
}

//  --------------------------------------------------------------------------
//  A raw client of a broker

void
cl_raw_connect (cl_raw_t *self, int k)
{
    memset (self, 0, sizeof *self);
    self->dealer = zsock_new (ZMQ_DEALER);
    zsock_set_linger (self->dealer, 0);
    accord_node_config_t config;
    cl_config (k, &config);
    ck_assert_int_eq (zsock_connect (self->dealer, "%s", config.eventbus_endpoint), 0);
}

void
cl_raw_close (cl_raw_t *self)
{
    zsock_destroy (&self->dealer);
}

uint32_t
cl_raw_send (cl_raw_t *self, const char *command, const char *json, const void *data, size_t size)
{
    uint32_t id = ++self->next_id;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "ACC1");
    zmsg_addstr (msg, command);
    zmsg_addmem (msg, &id, sizeof id);
    if (json)
        zmsg_addstr (msg, json);
    if (data)
        zmsg_addmem (msg, data, size);
    ck_assert_int_eq (zmsg_send (&msg, self->dealer), 0);
    return id;
}

int
cl_raw_receive (cl_raw_t *self, cl_reply_t *reply, int timeout_ms)
{
    memset (reply, 0, sizeof *reply);
    zsock_set_rcvtimeo (self->dealer, timeout_ms);
    zmsg_t *msg = zmsg_recv (self->dealer);
    if (!msg)
        return -1;
    char *version = zmsg_popstr (msg), *status = zmsg_popstr (msg);
    zframe_t *id = zmsg_pop (msg);
    ck_assert_str_eq (version, "ACC1");
    snprintf (reply->status, sizeof reply->status, "%s", status);
    if (streq (status, "EVENT") || streq (status, "END"))
        snprintf (reply->sub, sizeof reply->sub, "%.*s", (int) zframe_size (id), (const char *) zframe_data (id));
    else {
        ck_assert_uint_eq (zframe_size (id), sizeof reply->id);
        memcpy (&reply->id, zframe_data (id), sizeof reply->id);
    }
    if (streq (status, "EVENT")) {
        char *meta = zmsg_popstr (msg), *payload = zmsg_popstr (msg);
        snprintf (reply->payload, sizeof reply->payload, "%s", payload ? payload : "");
        reply->json = meta ? accord_json_parse (meta, strlen (meta), NULL, 0) : NULL;
        zstr_free (&meta);
        zstr_free (&payload);
    }
    else if (streq (status, "OK")) {
        zframe_t *body = zmsg_first (msg);
        if (body)
            reply->json = accord_json_parse ((const char *) zframe_data (body), zframe_size (body), NULL, 0);
    }
    else {
        char *code = zmsg_popstr (msg), *message = zmsg_popstr (msg);
        snprintf (reply->code, sizeof reply->code, "%s", code ? code : "");
        snprintf (reply->message, sizeof reply->message, "%s", message ? message : "");
        zstr_free (&code);
        zstr_free (&message);
    }
    zstr_free (&version);
    zstr_free (&status);
    zframe_destroy (&id);
    zmsg_destroy (&msg);
    return 0;
}

const char *
cl_raw_call (cl_raw_t *self, const char *command, const char *body, const void *data, size_t size,
             json_object **json, char *message, size_t message_size)
{
    static char result [32];
    uint32_t id = cl_raw_send (self, command, body, data, size);
    cl_reply_t reply;
    ck_assert_msg (cl_raw_receive (self, &reply, CL_WAIT_MS) == 0, "%s: no answer", command);
    ck_assert_uint_eq (reply.id, id);
    snprintf (result, sizeof result, "%s", streq (reply.status, "OK") ? "OK" : reply.code);
    if (message)
        snprintf (message, message_size, "%s", reply.message);
    if (json)
        *json = reply.json;
    else
        json_object_put (reply.json);
    return result;
}

const char *
cl_raw_auth (cl_raw_t *self, int k, const char *did, accord_key_t *key, int pause_ms, json_object **hello_p)
{
    char broker [16];
    snprintf (broker, sizeof broker, "member%d", k);
    json_object *hello = NULL;
    ck_assert_str_eq (cl_raw_call (self, "HELLO", "{}", NULL, 0, &hello, NULL, 0), "OK");
    ck_assert_str_eq (accord_json_get_string (hello, "chain_id"), "accord-local");
    ck_assert_str_eq (accord_json_get_string (hello, "broker"), broker);
    uint8_t *challenge = NULL, digest [ACCORD_HASH_SIZE], sig [ACCORD_SIG_SIZE];
    size_t len = 0;
    const char *text = accord_json_get_string (hello, "challenge");
    ck_assert_int_eq (accord_base64url_decode (&challenge, &len, text, strlen (text)), 0);
    ck_assert_uint_eq (len, ACCORD_EVENTBUS_CHALLENGE_SIZE);
    accord_eventbus_auth_digest (digest, "accord-local", broker, challenge, did);
    ck_assert_int_eq (accord_key_sign (key, sig, digest), 0);
    char *sig_text = accord_base64url_encode (sig, sizeof sig), body [512];
    snprintf (body, sizeof body, "{\"did\":\"%s\",\"sig\":\"%s\"}", did, sig_text);
    if (pause_ms)
        zclock_sleep (pause_ms);
    json_object *auth = NULL;
    const char *code = cl_raw_call (self, "AUTH", body, NULL, 0, &auth, NULL, 0);
    if (streq (code, "OK")) {
        ck_assert_str_eq (accord_json_get_string (auth, "did"), did);
        ck_assert_ptr_nonnull (accord_json_get_string (auth, "session"));
    }
    json_object_put (auth);
    if (hello_p)
        *hello_p = hello;
    else
        json_object_put (hello);
    free (challenge);
    free (sig_text);
    return code;
}
