/*  accord-identity against a real four-member network (each member's service started by
    `accord net start`) and a redis-server of the test's own, which `accord net init --redis`
    gives every member instead of a Redis of its own: every command, changes seen by
    the next request after their commit, the cache in Redis dropped and refilled, Redis killed
    and restarted, bad and oversized requests, and a flood that is turned away, not queued. */
#include "clusterfx.h"
#include "redisfx.h"
#include "accord/config.h"
#include "accord/did.h"
#include "accord/json.h"
#include "accord/keyfmt.h"
#include "accord/statuslist.h"
#include "accord/vc.h"
#include "accord/wire.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SERVICE_TIMEOUT_MS 15000

typedef struct {
    char did [ACCORD_DID_MAX];
    char key_path [PATH_MAX];
    accord_key_t *key;
    char list [ACCORD_DID_MAX + 64];        //  its revocation list
} issuer_t;

static void
s_up (void)
{
    rf_up ();
    char options [128];
    snprintf (options, sizeof options, "--redis %s", rf_endpoint ());
    cl_network_up_with (options);
}

static void
s_down (void)
{
    cl_network_down ();
    rf_down ();
}

static accord_client_t *
s_service (int k)
{
    accord_node_config_t config;
    char err [256];
    ck_assert_int_eq (accord_node_config_load (&config, cl_member (k), err, sizeof err), 0);
    return accord_client_new (config.identity_endpoint, SERVICE_TIMEOUT_MS);
}

//  Calls command with a JSON request text on member k's service; the code, and the reply or
//  the error message in *reply (caller puts).
static int
s_call (int k, const char *command, const char *request_text, json_object **reply)
{
    accord_client_t *client = s_service (k);
    json_object *request = request_text ? accord_json_parse (request_text, strlen (request_text), NULL, 0) : NULL;
    ck_assert (!request_text || request);
    int rc = accord_client_call_json (client, command, request, reply);
    if (rc != ACCORD_OK && reply)
        *reply = json_object_new_string (accord_client_errstr (client));
    json_object_put (request);
    accord_client_destroy (&client);
    return rc;
}

//  A DID made with the tool at member 1, with a revocation list it owns.
static void
s_issuer (issuer_t *self, const char *name)
{
    snprintf (self->key_path, sizeof self->key_path, "%s/%s.key", cl_dir, name);
    char *out = NULL;
    ck_assert_int_eq (cl_accord (&out, "did create --out %s --member %s --json", self->key_path, cl_member (1)), 0);
    json_object *result = accord_json_parse (out, strlen (out), NULL, 0);
    free (out);
    snprintf (self->did, sizeof self->did, "%s", accord_json_get_string (result, "did"));
    json_object_put (result);
    self->key = accord_key_load (self->key_path);
    ck_assert_ptr_nonnull (self->key);
    json_object *receipt = cl_transact (1, self->key, "status", "create", "{\"name\":\"rev\",\"purpose\":\"revocation\"}");
    ck_assert_str_eq (accord_json_get_string (receipt, "status"), "ok");
    json_object_put (receipt);
    snprintf (self->list, sizeof self->list, "%s/status/rev", self->did);
}

//  A vc+jwt from the issuer's key-1 with a revocation entry at index.
static char *
s_credential (issuer_t *issuer, uint64_t index)
{
    json_object *subject = json_object_new_object ();
    json_object_object_add (subject, "id", json_object_new_string ("did:example:alice"));
    json_object_object_add (subject, "degree", json_object_new_string ("MSc"));
    json_object *status = accord_statuslist_entry (NULL, "revocation", index, issuer->list);
    accord_vc_params_t params = { .issuer = issuer->did, .valid_from = (int64_t) time (NULL) - 120,
                                  .subject = subject, .status = status };
    char err [200], kid [ACCORD_DID_MAX + 16];
    json_object *credential = accord_vc_build (&params, err, sizeof err);
    ck_assert_msg (credential != NULL, "%s", err);
    snprintf (kid, sizeof kid, "%s#key-1", issuer->did);
    char *token = accord_vc_jwt_sign (issuer->key, kid, credential, err, sizeof err);
    ck_assert_msg (token != NULL, "%s", err);
    json_object_put (credential);
    json_object_put (subject);
    json_object_put (status);
    return token;
}

//  VERIFY at member k; the verdict's code (static copy).
static const char *
s_verify (int k, const char *token, const char *options)
{
    static char code [64];
    char *request = NULL;
    ck_assert_int_gt (asprintf (&request, "{\"credential\":\"%s\"%s%s}", token, options ? "," : "", options ? options : ""), 0);
    json_object *reply = NULL;
    int rc = s_call (k, "VERIFY", request, &reply);
    free (request);
    ck_assert_msg (rc == ACCORD_OK, "VERIFY failed: %s", json_object_get_string (reply));
    snprintf (code, sizeof code, "%s", accord_json_get_string (reply, "code"));
    ck_assert_int_eq (json_object_get_boolean (json_object_object_get (reply, "valid")), streq (code, "valid"));
    json_object_put (reply);
    return code;
}

static int64_t
s_height (json_object *receipt)
{
    ck_assert_str_eq (accord_json_get_string (receipt, "status"), "ok");
    return json_object_get_int64 (json_object_object_get (receipt, "height"));
}

//  The height tag of a record's entry in Redis, or -1 when there is none.
static int64_t
s_redis_tag (const char *kind, const char *id)
{
    redisReply *reply = rf_command ("GET accord:accord-local:identity:%s:%s", kind, id);
    int64_t tag = reply && reply->type == REDIS_REPLY_STRING ? atoll (reply->str) : -1;
    if (reply)
        freeReplyObject (reply);
    return tag;
}

//  `net init --redis ENDPOINT`: every member's config names that Redis, net made no Redis of
//  the members' own, and each member's service uses the one given.
START_TEST (every_member_uses_the_redis_given)
{
    for (int k = 1; k <= CL_MEMBERS; k++) {
        accord_node_config_t config;
        cl_config (k, &config);
        ck_assert_str_eq (config.redis_endpoint, rf_endpoint ());
        char folder [PATH_MAX + 16];
        snprintf (folder, sizeof folder, "%s/redis", cl_member (k));
        ck_assert_msg (access (folder, F_OK) != 0, "%s exists", folder);
        json_object *reply = NULL;
        ck_assert_int_eq (s_call (k, "STATUS", NULL, &reply), ACCORD_OK);
        ck_assert_str_eq (accord_json_get_string (reply, "redis_endpoint"), rf_endpoint ());
        json_object_put (reply);
    }
}
END_TEST

START_TEST (every_command_answers)
{
    issuer_t issuer;
    s_issuer (&issuer, "university");
    json_object *reply = NULL;
    char request [512];
    //  RESOLVE: a did:accord from the chain, an unknown one, and a did:key without the chain.
    snprintf (request, sizeof request, "{\"did\":\"%s\"}", issuer.did);
    ck_assert_int_eq (s_call (1, "RESOLVE", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (reply, "didDocument"), "id"), issuer.did);
    json_object_put (reply);
    snprintf (request, sizeof request, "{\"did\":\"%s\",\"versionId\":\"1\"}", issuer.did);
    ck_assert_int_eq (s_call (1, "RESOLVE", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (reply, "didDocumentMetadata"), "versionId"), "1");
    json_object_put (reply);
    ck_assert_int_eq (s_call (1, "RESOLVE", "{\"did\":\"did:accord:accord-local:0000000000000000000000000000000000000000\"}", &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (reply, "didResolutionMetadata"), "error"), "notFound");
    json_object_put (reply);
    accord_key_t *holder = accord_key_new ();
    char *did_key = accord_did_key_encode (accord_key_public (holder));
    snprintf (request, sizeof request, "{\"did\":\"%s\"}", did_key);
    ck_assert_int_eq (s_call (2, "RESOLVE", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (reply, "didDocument"), "id"), did_key);
    json_object_put (reply);

    //  SCHEMA: one registered by the issuer, and one that is not.
    json_object *receipt = cl_transact (1, issuer.key, "schema", "register",
        "{\"name\":\"degree\",\"version\":1,\"schema\":{\"type\":\"object\"}}");
    s_height (receipt);
    json_object_put (receipt);
    snprintf (request, sizeof request, "{\"id\":\"%s/schemas/degree/1\"}", issuer.did);
    ck_assert_int_eq (s_call (1, "SCHEMA", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "publisher"), issuer.did);
    json_object_put (reply);
    ck_assert_int_eq (s_call (1, "SCHEMA", "{\"id\":\"did:accord:accord-local:00/schemas/none/1\"}", &reply), ACCORD_E_NOT_FOUND);
    json_object_put (reply);

    //  ISSUER / ISSUERS: not recognized, then recognized by three of four members.
    snprintf (request, sizeof request, "{\"did\":\"%s\"}", issuer.did);
    ck_assert_int_eq (s_call (1, "ISSUER", request, &reply), ACCORD_E_NOT_FOUND);
    json_object_put (reply);
    char *token = s_credential (&issuer, 7);
    ck_assert_str_eq (s_verify (1, token, "\"require_recognized_issuer\":true"), "issuer_not_recognized");
    for (int k = 1; k <= 3; k++)
        ck_assert_int_eq (cl_accord (NULL, "issuer vote %s --action recognize --name University --member %s",
                                     issuer.did, cl_member (k)), 0);
    for (int k = 1; k <= 3; k++)
        ck_assert_int_eq (cl_accord (NULL, "issuer vote %s --action add_type --type university --member %s",
                                     issuer.did, cl_member (k)), 0);
    cl_wait_height (1, cl_height (3));
    ck_assert_int_eq (s_call (1, "ISSUER", request, &reply), ACCORD_OK);
    ck_assert (json_object_get_boolean (json_object_object_get (reply, "recognized")));
    json_object_put (reply);
    ck_assert_int_eq (s_call (1, "ISSUERS", "{\"type\":\"university\"}", &reply), ACCORD_OK);
    ck_assert_int_eq (json_object_array_length (reply), 1);
    json_object_put (reply);

    //  VERIFY with the registry's options; CHECK_STATUS by list and index and by entry.
    ck_assert_str_eq (s_verify (1, token, "\"require_recognized_issuer\":true,\"issuer_type\":\"university\""), "valid");
    ck_assert_str_eq (s_verify (1, token, "\"issuer_type\":\"bank\""), "issuer_not_recognized");
    snprintf (request, sizeof request, "{\"id\":\"%s\",\"index\":7}", issuer.list);
    ck_assert_int_eq (s_call (1, "CHECK_STATUS", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "status"), "valid");
    ck_assert_str_eq (accord_json_get_string (reply, "purpose"), "revocation");
    json_object_put (reply);
    snprintf (request, sizeof request, "{\"credentialStatus\":{\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":"
              "\"revocation\",\"statusListIndex\":\"7\",\"statusListCredential\":\"%s\"}}", issuer.list);
    ck_assert_int_eq (s_call (1, "CHECK_STATUS", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "status"), "valid");
    json_object_put (reply);
    snprintf (request, sizeof request, "{\"id\":\"%s\",\"index\":99999999}", issuer.list);
    ck_assert_int_eq (s_call (1, "CHECK_STATUS", request, &reply), ACCORD_E_INVALID_ARGUMENT);
    json_object_put (reply);

    //  VERIFY_PRESENTATION: the holder's did:key signs a presentation of the credential.
    char kid [256];
    snprintf (kid, sizeof kid, "%s#%s", did_key, did_key + strlen ("did:key:"));
    const char *credentials [] = { token };
    accord_vp_params_t vp = { .holder = did_key, .kid = kid, .credentials = credentials, .credential_count = 1,
                              .nonce = "n-123", .audience = "https://verifier.example", .issued_at = (int64_t) time (NULL) };
    char err [200], *presentation = accord_vp_jwt_sign (holder, &vp, err, sizeof err);
    ck_assert_msg (presentation != NULL, "%s", err);
    char *vp_request = NULL;
    ck_assert_int_gt (asprintf (&vp_request, "{\"presentation\":\"%s\",\"nonce\":\"n-123\",\"aud\":\"https://verifier.example\"}", presentation), 0);
    ck_assert_int_eq (s_call (2, "VERIFY_PRESENTATION", vp_request, &reply), ACCORD_OK);
    ck_assert_msg (json_object_get_boolean (json_object_object_get (reply, "valid")), "%s", json_object_get_string (reply));
    json_object_put (reply);
    free (vp_request);
    ck_assert_int_gt (asprintf (&vp_request, "{\"presentation\":\"%s\",\"nonce\":\"other\",\"aud\":\"https://verifier.example\"}", presentation), 0);
    ck_assert_int_eq (s_call (2, "VERIFY_PRESENTATION", vp_request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "code"), "nonce_mismatch");
    json_object_put (reply);
    free (vp_request);

    //  STATUS: the height followed, Redis up, the cache used.
    ck_assert_int_eq (s_call (1, "STATUS", NULL, &reply), ACCORD_OK);
    ck_assert_int_ge (json_object_get_int64 (json_object_object_get (reply, "height")), cl_height (1) - 1);
    ck_assert (json_object_get_boolean (json_object_object_get (reply, "redis")));
    ck_assert (json_object_get_boolean (json_object_object_get (reply, "node")));
    ck_assert_int_gt (json_object_get_int64 (json_object_object_get (accord_json_get_object (reply, "cache"), "memory_hits")), 0);
    json_object_put (reply);
    free (presentation);
    free (token);
    free (did_key);
    accord_key_destroy (&holder);
    accord_key_destroy (&issuer.key);
}
END_TEST

START_TEST (changes_seen_by_the_next_request)
{
    issuer_t issuer;
    s_issuer (&issuer, "registrar");
    char *token = s_credential (&issuer, 3);
    //  Cached in memory and Redis by the first verification (or, if Redis was slow to
    //  answer then, by a later one).
    int64_t deadline = tu_now_ms () + 10000;
    do
        ck_assert_str_eq (s_verify (1, token, NULL), "valid");
    while ((s_redis_tag ("status", issuer.list) < 0 || s_redis_tag ("did", issuer.did) < 0) && tu_now_ms () < deadline);
    int64_t before = s_redis_tag ("status", issuer.list);
    ck_assert_int_ge (before, 1);
    ck_assert_int_ge (s_redis_tag ("did", issuer.did), 1);

    //  Revocation: the next request after the commit sees it, and the Redis entry is newer.
    json_object *receipt = cl_transact (1, issuer.key, "status", "update", "{\"name\":\"rev\",\"set\":[3]}");
    int64_t revoked_at = s_height (receipt);
    json_object_put (receipt);
    ck_assert_str_eq (s_verify (1, token, NULL), "revoked");
    ck_assert_int_ge (s_redis_tag ("status", issuer.list), revoked_at);
    char request [512];
    json_object *reply = NULL;
    snprintf (request, sizeof request, "{\"id\":\"%s\",\"index\":3}", issuer.list);
    ck_assert_int_eq (s_call (1, "CHECK_STATUS", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "status"), "revoked");
    json_object_put (reply);
    //  Another member's service, once its node has the block.
    cl_wait_height (3, revoked_at);
    ck_assert_str_eq (s_verify (3, token, NULL), "revoked");

    //  Rotation: credentials of the rotated-out key stop verifying at once.
    char *fresh = s_credential (&issuer, 4);
    ck_assert_str_eq (s_verify (1, fresh, NULL), "valid");
    char new_key [PATH_MAX + 8];
    snprintf (new_key, sizeof new_key, "%s.new", issuer.key_path);
    ck_assert_int_eq (cl_accord (NULL, "did rotate %s --key %s --out %s --member %s", issuer.did, issuer.key_path,
                                 new_key, cl_member (1)), 0);
    int64_t rotated_at = cl_height (1);
    ck_assert_str_eq (s_verify (1, fresh, NULL), "key_not_authorized");
    ck_assert_int_ge (s_redis_tag ("did", issuer.did), rotated_at);
    snprintf (request, sizeof request, "{\"did\":\"%s\"}", issuer.did);
    ck_assert_int_eq (s_call (1, "RESOLVE", request, &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (accord_json_get_object (reply, "didDocumentMetadata"), "versionId"), "2");
    json_object_put (reply);

    //  Deactivation, final.
    ck_assert_int_eq (cl_accord (NULL, "did deactivate %s --key %s --member %s", issuer.did, new_key, cl_member (1)), 0);
    ck_assert_str_eq (s_verify (1, fresh, NULL), "did_deactivated");
    free (fresh);
    free (token);
    accord_key_destroy (&issuer.key);
}
END_TEST

START_TEST (redis_killed_then_back)
{
    issuer_t issuer;
    s_issuer (&issuer, "academy");
    char *token = s_credential (&issuer, 1);
    ck_assert_str_eq (s_verify (2, token, NULL), "valid");
    rf_kill ();
    //  Without Redis: still correct, a revocation made meanwhile included.
    ck_assert_str_eq (s_verify (2, token, NULL), "valid");
    json_object *receipt = cl_transact (2, issuer.key, "status", "update", "{\"name\":\"rev\",\"set\":[1]}");
    s_height (receipt);
    json_object_put (receipt);
    ck_assert_str_eq (s_verify (2, token, NULL), "revoked");
    json_object *reply = NULL;
    ck_assert_int_eq (s_call (2, "STATUS", NULL, &reply), ACCORD_OK);
    ck_assert (!json_object_get_boolean (json_object_object_get (reply, "redis")));
    json_object_put (reply);

    //  Back (empty): the service reconnects (STATUS says so) and keeps what it reads from the
    //  chain there again.
    rf_restart ();
    int64_t deadline = tu_now_ms () + 10000;
    int up = 0;
    while (!up && tu_now_ms () < deadline) {
        ck_assert_int_eq (s_call (2, "STATUS", NULL, &reply), ACCORD_OK);
        up = json_object_get_boolean (json_object_object_get (reply, "redis"));
        json_object_put (reply);
        usleep (100 * 1000);
    }
    ck_assert_msg (up, "the service did not reconnect to Redis");
    issuer_t later;
    s_issuer (&later, "academy2");
    char *other = s_credential (&later, 2);
    ck_assert_str_eq (s_verify (2, other, NULL), "valid");
    ck_assert_int_ge (s_redis_tag ("status", later.list), 1);
    ck_assert_int_ge (s_redis_tag ("did", later.did), 1);
    ck_assert_str_eq (s_verify (2, token, NULL), "revoked");
    free (other);
    free (token);
    accord_key_destroy (&issuer.key);
    accord_key_destroy (&later.key);
}
END_TEST

//  Sends raw frames to member 1's service; the reply's status and code ("OK" / an error name).
static char *
s_raw (int count, const char **frames, const size_t *sizes)
{
    accord_node_config_t config;
    char err [256];
    ck_assert_int_eq (accord_node_config_load (&config, cl_member (1), err, sizeof err), 0);
    zsock_t *dealer = zsock_new_dealer (config.identity_endpoint);
    zsock_set_rcvtimeo (dealer, SERVICE_TIMEOUT_MS);
    zmsg_t *msg = zmsg_new ();
    for (int i = 0; i < count; i++)
        zmsg_addmem (msg, frames [i], sizes ? sizes [i] : strlen (frames [i]));
    zmsg_send (&msg, dealer);
    zmsg_t *reply = zmsg_recv (dealer);
    ck_assert_msg (reply != NULL, "no reply");
    char *version = zmsg_popstr (reply), *status = zmsg_popstr (reply), *id = zmsg_popstr (reply);
    char *code = zmsg_popstr (reply);
    char *result = strdup (streq (status, "OK") ? "OK" : code ? code : "?");
    ck_assert_str_eq (version, "ACC1");
    zstr_free (&version);
    zstr_free (&status);
    zstr_free (&id);
    zstr_free (&code);
    zmsg_destroy (&reply);
    zsock_destroy (&dealer);
    return result;
}

#define ASSERT_RAW(expected, ...) do { \
    const char *s_frames [] = { __VA_ARGS__ }; \
    char *s_code = s_raw ((int) (sizeof s_frames / sizeof s_frames [0]), s_frames, NULL); \
    ck_assert_str_eq (s_code, expected); \
    free (s_code); \
} while (0)

START_TEST (bad_requests_get_error_replies)
{
    ASSERT_RAW ("malformed", "ACC1", "RESOLVE");
    ASSERT_RAW ("bad_version", "ACC9", "RESOLVE", "1", "{}");
    ASSERT_RAW ("unknown_command", "ACC1", "FORGE", "1", "{}");
    ASSERT_RAW ("malformed", "ACC1", "resolve", "1", "{}");
    ASSERT_RAW ("malformed", "ACC1", "RESOLVE", "1");
    ASSERT_RAW ("malformed", "ACC1", "RESOLVE", "1", "{\"did\":", "x");
    ASSERT_RAW ("malformed", "ACC1", "RESOLVE", "1", "[1,2]");
    ASSERT_RAW ("malformed", "ACC1", "RESOLVE", "1", "{\"did\":\"a\",\"did\":\"b\"}");
    ASSERT_RAW ("invalid_argument", "ACC1", "RESOLVE", "1", "{\"did\":5}");
    ASSERT_RAW ("invalid_argument", "ACC1", "RESOLVE", "1", "{\"did\":\"did:x:y\",\"extra\":1}");
    ASSERT_RAW ("invalid_argument", "ACC1", "CHECK_STATUS", "1", "{\"id\":\"x\",\"index\":-1}");
    ASSERT_RAW ("invalid_argument", "ACC1", "VERIFY_PRESENTATION", "1", "{\"presentation\":\"x\"}");
    ASSERT_RAW ("OK", "ACC1", "VERIFY", "1", "{\"credential\":\"not.a.token\"}");
    ASSERT_RAW ("OK", "ACC1", "STATUS", "1");
    //  A body over 1 MiB: too_large, and the service goes on.
    size_t big = 1536 * 1024;
    char *body = malloc (big);
    memset (body, 'a', big);
    memcpy (body, "{\"credential\":\"", 15);
    memcpy (body + big - 2, "\"}", 2);
    const char *frames [] = { "ACC1", "VERIFY", "1", body };
    size_t sizes [] = { 4, 6, 1, big };
    char *code = s_raw (4, frames, sizes);
    ck_assert_str_eq (code, "too_large");
    free (code);
    free (body);
    json_object *reply = NULL;
    ck_assert_int_eq (s_call (1, "VERIFY", "{\"credential\":\"a.b.c\"}", &reply), ACCORD_OK);
    ck_assert_str_eq (accord_json_get_string (reply, "code"), "malformed");
    json_object_put (reply);
}
END_TEST

START_TEST (a_flood_is_turned_away)
{
    issuer_t issuer;
    s_issuer (&issuer, "flood");
    char *token = s_credential (&issuer, 9), *request = NULL;
    ck_assert_int_gt (asprintf (&request, "{\"credential\":\"%s\"}", token), 0);
    accord_node_config_t config;
    char err [256];
    ck_assert_int_eq (accord_node_config_load (&config, cl_member (1), err, sizeof err), 0);
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    zsock_set_sndhwm (dealer, 0);
    zsock_set_rcvhwm (dealer, 0);
    zsock_set_rcvtimeo (dealer, SERVICE_TIMEOUT_MS);
    ck_assert_int_eq (zsock_connect (dealer, "%s", config.identity_endpoint), 0);
    enum { SENT = 4000 };
    for (uint32_t i = 0; i < SENT; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, "ACC1");
        zmsg_addstr (msg, "VERIFY");
        zmsg_addmem (msg, &i, sizeof i);
        zmsg_addstr (msg, request);
        zmsg_send (&msg, dealer);
    }
    int ok = 0, busy = 0, other = 0;
    for (int i = 0; i < SENT; i++) {
        zmsg_t *reply = zmsg_recv (dealer);
        if (!reply)
            break;
        zframe_t *version = zmsg_pop (reply);
        zframe_destroy (&version);
        char *status = zmsg_popstr (reply);
        zframe_t *id = zmsg_pop (reply);
        char *code = zmsg_popstr (reply);
        if (streq (status, "OK"))
            ok++;
        else if (code && streq (code, "unavailable"))
            busy++;
        else
            other++;
        zstr_free (&status);
        zstr_free (&code);
        zframe_destroy (&id);
        zmsg_destroy (&reply);
    }
    zsock_destroy (&dealer);
    ck_assert_msg (ok + busy == SENT && other == 0, "every request answered: %d ok, %d busy, %d other", ok, busy, other);
    ck_assert_msg (busy > 0, "a flood of %d is turned away in part (%d ok)", SENT, ok);
    ck_assert_int_ge (ok, 100);
    ck_assert_str_eq (s_verify (1, token, NULL), "valid");
    free (request);
    free (token);
    accord_key_destroy (&issuer.key);
}
END_TEST

Suite *
test_cluster_identity_service_suite (void)
{
    Suite *suite = suite_create ("cluster_identity_service");
    TCase *tc = tcase_create ("cluster");
    tcase_set_timeout (tc, 240);
    tcase_add_unchecked_fixture (tc, s_up, s_down);
    tcase_add_test (tc, every_member_uses_the_redis_given);
    tcase_add_test (tc, every_command_answers);
    tcase_add_test (tc, changes_seen_by_the_next_request);
    tcase_add_test (tc, redis_killed_then_back);
    tcase_add_test (tc, bad_requests_get_error_replies);
    tcase_add_test (tc, a_flood_is_turned_away);
    suite_add_tcase (suite, tc);
    return suite;
}
