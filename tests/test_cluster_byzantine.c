/*  Cluster tests with a Byzantine member: four real accord-chain processes on loopback, one of
    them started with the test-only ACCORD_TEST_BYZANTINE modes (chain/byzantine.h). The honest
    three must keep committing what is submitted to them, hold the same block at every height,
    and log why they refused what the faulty one sent. A process with a CURVE key outside the
    genesis allowlist must be refused at the peer socket.

    Each TCase starts its own network in an unchecked fixture (in the parent process), so the
    network is stopped even when the test fails or times out. */
#include "clusterfx.h"
#include "byzantine.h"
#include "msg.h"
#include "accord/config.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/wire.h"
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MEMBERS 4
#define WAIT_MS 20000           //  any single condition we poll for
#define ANCHOR_MS 15000         //  the tool's own wait for a receipt
#define ROUNDS 3                //  anchors per honest member, at least ...
#define EXPOSURE_MS 5000        //  ... and rounds until the faulty member ran this long
#define LOG_MAX (64 * 1024 * 1024)

static char *s_dir;
static int s_byz;               //  the Byzantine member (1-based), 0 for none
static const char *s_modes;
static char s_up_error [256];   //  why the fixture could not start the network, "" if it did


//  Starts the accord tool with arguments (and env, "NAME=value" or NULL, in its environment);
//  its stdout is read from the returned pipe.
static FILE *
s_accord_open (const char *env, const char *args)
{
    char command [4096];
    char *bin = tu_bin ("accord");
    snprintf (command, sizeof command, "%s %s %s 2>>%s/cli.err", env ? env : "", bin, args, s_dir);
    free (bin);
    return popen (command, "r");
}

//  Waits for a tool started with s_accord_open: exit code, stdout in *out (caller frees).
static int
s_accord_close (FILE *pipe, char **out)
{
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

static int
s_accord (char **out, const char *env, const char *format, ...)
{
    char args [2048];
    va_list ap;
    va_start (ap, format);
    vsnprintf (args, sizeof args, format, ap);
    va_end (ap);
    return s_accord_close (s_accord_open (env, args), out);
}

static char *
s_member (int k)
{
    static char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/member%d", s_dir, k);
    return path;
}

static accord_client_t *
s_client (int k)
{
    accord_node_config_t config;
    char err [256];
    if (accord_node_config_load (&config, s_member (k), err, sizeof err))
        return NULL;
    return accord_client_new (config.rpc_endpoint, 2000);
}

static json_object *
s_status (int k)
{
    accord_client_t *client = s_client (k);
    json_object *status = NULL;
    if (client)
        accord_client_call_json (client, "STATUS", NULL, &status);
    accord_client_destroy (&client);
    return status;
}

static int64_t
s_status_int (int k, const char *key)
{
    json_object *status = s_status (k);
    int64_t value = status ? json_object_get_int64 (json_object_object_get (status, key)) : -1;
    json_object_put (status);
    return value;
}

//  Waits until member k reaches height; returns its height then.
static int64_t
s_wait_height (int k, int64_t height)
{
    int64_t deadline = tu_now_ms () + WAIT_MS, now = -1;
    while (tu_now_ms () < deadline && (now = s_status_int (k, "height")) < height)
        usleep (50 * 1000);
    return now;
}

//  Waits until every honest member hears from all the others, so that the first proposal
//  reaches everyone (a message to a peer not connected yet is dropped).
static void
s_wait_connected (void)
{
    for (int k = 1; k <= MEMBERS; k++) {
        if (k == s_byz)
            continue;
        int64_t deadline = tu_now_ms () + WAIT_MS, connected = 0;
        while ((connected = s_status_int (k, "peers_connected")) < MEMBERS - 1 && tu_now_ms () < deadline)
            usleep (50 * 1000);
        ck_assert_msg (connected == MEMBERS - 1, "member%d hears %lld peers", k, (long long) connected);
    }
}

static void
s_anchor_hex (const char *label, char hex [65])
{
    uint8_t digest [32];
    accord_sha256 (digest, label, strlen (label));
    accord_hex_encode (hex, 65, digest, 32);
}

//  Anchors one fresh hash through each honest member with the tool, all at once when
//  together is set (so that blocks hold several transactions), else one after the other.
//  Returns the highest committed height.
static int64_t
s_anchor_round (int round, int together)
{
    FILE *pipes [MEMBERS + 1] = { NULL };
    int64_t highest = 0;
    for (int k = 1; k <= MEMBERS; k++) {
        if (k == s_byz)
            continue;
        char label [96], hex [65], args [PATH_MAX + 128];
        snprintf (label, sizeof label, "byzantine %s member%d round %d", s_modes, k, round);
        s_anchor_hex (label, hex);
        snprintf (args, sizeof args, "evidence anchor %s --member %s", hex, s_member (k));
        int64_t started = tu_now_ms ();
        pipes [k] = s_accord_open (NULL, args);
        ck_assert_ptr_nonnull (pipes [k]);
        if (together)
            continue;
        char *out = NULL;
        int rc = s_accord_close (pipes [k], &out);
        pipes [k] = NULL;
        ck_assert_msg (rc == 0, "anchor through member%d failed (%s): %s", k, label, out);
        char *line = strstr (out, "height ");
        int64_t height = line ? atoll (line + 7) : -1;
        free (out);
        ck_assert_msg (height > highest, "member%d committed at height %lld", k, (long long) height);
        ck_assert_int_lt (tu_now_ms () - started, ANCHOR_MS + 2000);
        highest = height;
    }
    for (int k = 1; k <= MEMBERS; k++) {
        if (!pipes [k])
            continue;
        char *out = NULL;
        int rc = s_accord_close (pipes [k], &out);
        ck_assert_msg (rc == 0, "anchor through member%d failed (round %d): %s", k, round, out);
        char *line = strstr (out, "height ");
        int64_t height = line ? atoll (line + 7) : -1;
        free (out);
        ck_assert_int_ge (height, 1);
        if (height > highest)
            highest = height;
    }
    return highest;
}

static char *
s_block_hash (int k, int64_t height)
{
    accord_client_t *client = s_client (k);
    json_object *request = json_object_new_object (), *block = NULL;
    json_object_object_add (request, "height", json_object_new_int64 (height));
    char *hash = NULL;
    if (client && accord_client_call_json (client, "BLOCK", request, &block) == ACCORD_OK)
        hash = strdup (accord_json_get_string (block, "hash"));
    json_object_put (block);
    json_object_put (request);
    accord_client_destroy (&client);
    return hash;
}

//  Every honest member holds the same block at every height up to height.
static void
s_assert_no_fork (int64_t height)
{
    int first = s_byz == 1 ? 2 : 1;
    for (int64_t h = 1; h <= height; h++) {
        char *expected = s_block_hash (first, h);
        ck_assert_msg (expected != NULL, "member%d has no block %lld", first, (long long) h);
        for (int k = first + 1; k <= MEMBERS; k++) {
            if (k == s_byz)
                continue;
            char *other = s_block_hash (k, h);
            ck_assert_msg (other && strcmp (expected, other) == 0, "member%d block %lld is %s, member%d's is %s",
                           k, (long long) h, other ? other : "missing", first, expected);
            free (other);
        }
        free (expected);
    }
}

static int
s_log_has (int k, const char *needle)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/chain.log", s_member (k));
    size_t len = 0;
    char *text = accord_file_read (path, LOG_MAX, &len);
    int found = text && memmem (text, len, needle, strlen (needle)) != NULL;
    free (text);
    return found;
}

//  Waits until member k's log holds needle.
static int
s_wait_log (int k, const char *needle)
{
    int64_t deadline = tu_now_ms () + WAIT_MS;
    while (!s_log_has (k, needle)) {
        if (tu_now_ms () >= deadline)
            return 0;
        usleep (100 * 1000);
    }
    return 1;
}

//  Waits until the logs of every honest member (or of one at least, when any is set) hold needle.
static void
s_assert_honest_logs (const char *needle, int any)
{
    int64_t deadline = tu_now_ms () + WAIT_MS;
    for (;;) {
        int found = 0, honest = 0;
        for (int k = 1; k <= MEMBERS; k++)
            if (k != s_byz) {
                honest++;
                found += s_log_has (k, needle);
            }
        if (found == honest || (any && found > 0))
            return;
        ck_assert_msg (tu_now_ms () < deadline, "'%s' is in %d of %d honest logs", needle, found, honest);
        usleep (100 * 1000);
    }
}

//  Peak resident memory of member k's node in KiB, or -1.
static long
s_peak_kib (int k)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/chain.pid", s_member (k));
    char *text = accord_file_read (path, 32, NULL);
    snprintf (path, sizeof path, "/proc/%d/status", text ? atoi (text) : 0);
    free (text);
    text = accord_file_read (path, 65536, NULL);
    const char *line = text ? strstr (text, "VmHWM:") : NULL;
    long kib = line ? atol (line + 6) : -1;
    free (text);
    return kib;
}

//  The fixture asserts nothing (a failed unchecked setup would skip the teardown and leave
//  nodes running): it notes what went wrong, and the test asserts that.
static void
s_network_up (int byz, const char *modes)
{
    s_dir = tu_tmpdir ();
    s_byz = byz;
    s_modes = modes;
    s_up_error [0] = 0;
    int port = cl_free_base_port ();
    if (!port || s_accord (NULL, NULL, "net init --members %d --dir %s --base-port %d", MEMBERS, s_dir, port)) {
        snprintf (s_up_error, sizeof s_up_error, "net init failed (base port %d)", port);
        return;
    }
    for (int k = 1; k <= MEMBERS && !s_up_error [0]; k++) {
        char env [128];
        snprintf (env, sizeof env, "%s=%s", ACCORD_BYZ_ENV, k == byz ? modes : "");
        if (s_accord (NULL, env, "net start %s --member member%d", s_dir, k))
            snprintf (s_up_error, sizeof s_up_error, "member%d did not start", k);
    }
}

static void
s_network_down (void)
{
    s_accord (NULL, NULL, "net stop %s", s_dir);
    if (!getenv ("ACCORD_KEEP_TEST_DIRS"))
        tu_rmtree (s_dir);
    free (s_dir);
    s_dir = NULL;
}

//  One network per TCase: the Byzantine member and its modes.
static void s_up_equivocating_leader (void) { s_network_up (1, "equivocate"); }
static void s_up_equivocating_replica (void) { s_network_up (3, "equivocate"); }
static void s_up_forging (void) { s_network_up (2, "forge"); }
static void s_up_garbage (void) { s_network_up (4, "garbage"); }
static void s_up_equivocating_forging_leader (void) { s_network_up (1, "equivocate,forge"); }
static void s_up_all_leader (void) { s_network_up (1, "equivocate,forge,garbage"); }
static void s_up_honest (void) { s_network_up (0, NULL); }

START_TEST (honest_three_commit_without_fork)
{
    ck_assert_msg (!s_up_error [0], "%s", s_up_error);
    int64_t started = tu_now_ms ();
    ck_assert_msg (s_wait_log (s_byz, "TEST-ONLY BYZANTINE MODE"), "member%d is not Byzantine", s_byz);
    s_wait_connected ();
    int64_t height = 0;
    for (int round = 0; round < ROUNDS || tu_now_ms () - started < EXPOSURE_MS; round++) {
        int64_t reached = s_anchor_round (round, round > 0);
        ck_assert_int_gt (reached, height);
        height = reached;
    }
    int garbage = strstr (s_modes, "garbage") != NULL;
    if (garbage)
        ck_assert (s_wait_log (s_byz, "BYZANTINE: sending a frame"));
    for (int k = 1; k <= MEMBERS; k++)
        if (k != s_byz)
            ck_assert_int_ge (s_wait_height (k, height), height);
    s_assert_no_fork (height);

    //  The faulty member did misbehave, and the honest ones say what they refused.
    int equivocate = strstr (s_modes, "equivocate") != NULL;
    if (equivocate && s_byz == 1) {
        ck_assert (s_log_has (s_byz, "BYZANTINE: sent two proposals"));
        s_assert_honest_logs ("sent two proposals for view", 1);
    }
    if (equivocate)
        s_assert_honest_logs ("voted for two blocks", 1);
    if (strstr (s_modes, "forge")) {
        char needle [64];
        snprintf (needle, sizeof needle, "bad signature (claims validator %d)", s_byz % MEMBERS);
        s_assert_honest_logs (needle, 0);
        snprintf (needle, sizeof needle, "bad signature (claims validator %d)", s_byz - 1);
        s_assert_honest_logs (needle, 0);
        s_assert_honest_logs ("refused VIEW_CHANGE", 0);
        s_assert_honest_logs ("refused NEW_VIEW", 0);
        s_assert_honest_logs ("dropped unsolicited SYNC_BLOCKS", 0);
    }
    if (garbage) {
        s_assert_honest_logs ("dropped a malformed peer message", 0);
        //  The frame over the size limit closed the connection; nobody buffered its 64 MiB.
        for (int k = 1; k <= MEMBERS; k++)
            if (k != s_byz) {
                long kib = s_peak_kib (k);
                ck_assert_msg (kib > 0 && kib < 48 * 1024, "member%d peaked at %ld KiB", k, kib);
            }
    }
    printf ("cluster_byzantine: member%d '%s': %lld blocks in %lld ms\n", s_byz, s_modes,
            (long long) height, (long long) (tu_now_ms () - started));
}
END_TEST

//  Connects a DEALER to member k's peer socket, as a CURVE client with cert (NULL: no CURVE),
//  and sends a message that would be well formed from validator 0. Returns the socket.
static zsock_t *
s_intruder (int k, const accord_genesis_t *genesis, zcert_t *cert)
{
    accord_node_config_t config;
    char err [256];
    ck_assert_int_eq (accord_node_config_load (&config, s_member (k), err, sizeof err), 0);
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    ck_assert_ptr_nonnull (sock);
    if (cert) {
        zcert_apply (cert, sock);
        zsock_set_curve_serverkey (sock, genesis->members [k - 1].curve_key);
    }
    zsock_set_sndtimeo (sock, 1000);
    zsock_set_rcvtimeo (sock, 500);
    zsock_set_linger (sock, 0);
    ck_assert_int_eq (zsock_connect (sock, "%s", config.peer_bind), 0);
    accord_key_t *key = accord_key_new ();
    accord_msg_t *msg = accord_msg_new (ACCORD_MSG_STATUS, 0, 0, 1000000, NULL, NULL, 0, key, genesis->chain_id);
    ck_assert_ptr_nonnull (msg);
    zmsg_t *out = zmsg_new ();
    zmsg_addstr (out, ACCORD_PEER_VERSION);
    zmsg_addmem (out, msg->raw, msg->raw_len);
    //  Whether it is queued depends on how far the refused handshake got: not checked.
    if (zmsg_send (&out, sock))
        zmsg_destroy (&out);
    accord_msg_destroy (&msg);
    accord_key_destroy (&key);
    return sock;
}

START_TEST (unlisted_key_refused)
{
    ck_assert_msg (!s_up_error [0], "%s", s_up_error);
    s_wait_connected ();
    accord_genesis_t genesis;
    char err [256], path [PATH_MAX];
    snprintf (path, sizeof path, "%s/genesis.json", s_dir);
    ck_assert_int_eq (accord_genesis_load (&genesis, path, err, sizeof err), 0);
    int64_t before = s_status_int (2, "height");

    //  CURVE with a key that is not in member2's allowlist: the handshake fails.
    zcert_t *cert = zcert_new ();
    zsock_t *intruder = s_intruder (2, &genesis, cert);
    char needle [128];
    snprintf (needle, sizeof needle, "denied (CURVE) client_key=%s", zcert_public_txt (cert));
    ck_assert_msg (s_wait_log (2, needle), "member2 did not log the refusal of %s", zcert_public_txt (cert));
    zmsg_t *reply = zmsg_recv (intruder);
    ck_assert_ptr_null (reply);
    zsock_destroy (&intruder);
    zcert_destroy (&cert);
    //  No CURVE at all, and bytes that are not ZMTP.
    intruder = s_intruder (2, &genesis, NULL);
    zsock_destroy (&intruder);
    accord_node_config_t config;
    ck_assert_int_eq (accord_node_config_load (&config, s_member (2), err, sizeof err), 0);
    int port = atoi (strrchr (config.peer_bind, ':') + 1);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                                .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    ck_assert_int_eq (connect (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    ck_assert_int_eq (write (fd, "GET / HTTP/1.0\r\n\r\n\xff\x00\x01garbage", 27), 27);
    close (fd);

    //  Nothing the intruders sent reached the node, and the chain goes on.
    ck_assert (!s_log_has (2, "claims validator 0"));
    ck_assert (!s_log_has (2, "dropped a malformed peer message"));
    char hex [65], *out = NULL;
    s_anchor_hex ("after the intruders", hex);
    ck_assert_int_eq (s_accord (&out, NULL, "evidence anchor %s --member %s", hex, s_member (2)), 0);
    char *line = strstr (out, "height ");
    int64_t height = line ? atoll (line + 7) : -1;
    free (out);
    ck_assert_int_gt (height, before);
    for (int k = 1; k <= MEMBERS; k++)
        ck_assert_int_ge (s_wait_height (k, height), height);
    s_assert_no_fork (height);
    ck_assert_int_eq (s_status_int (2, "peers_connected"), MEMBERS - 1);
}
END_TEST

//  An unknown mode stops the node at start, before it opens its store or binds.
START_TEST (unknown_mode_refused)
{
    ck_assert_msg (!s_up_error [0], "%s", s_up_error);
    char *bin = tu_bin ("accord-chain"), command [PATH_MAX * 2];
    snprintf (command, sizeof command, "%s=equivocate,teleport %s --config %s/config.json 2>&1",
              ACCORD_BYZ_ENV, bin, s_member (2));
    free (bin);
    char *out = NULL;
    int rc = s_accord_close (popen (command, "r"), &out);
    ck_assert_int_eq (rc, 1);
    ck_assert_msg (strstr (out, "unknown mode 'teleport'"), "%s", out);
    free (out);
    ck_assert_int_ge (s_status_int (2, "height"), 0);
}
END_TEST

static TCase *
s_add_case (Suite *suite, const char *name, void (*up) (void), const TTest *test)
{
    TCase *tc = tcase_create (name);
    tcase_set_timeout (tc, 120);
    tcase_add_unchecked_fixture (tc, up, s_network_down);
    tcase_add_test (tc, test);
    suite_add_tcase (suite, tc);
    return tc;
}

Suite *
test_cluster_byzantine_suite (void)
{
    Suite *suite = suite_create ("cluster_byzantine");
    s_add_case (suite, "equivocating_leader", s_up_equivocating_leader, honest_three_commit_without_fork);
    s_add_case (suite, "equivocating_replica", s_up_equivocating_replica, honest_three_commit_without_fork);
    s_add_case (suite, "forging", s_up_forging, honest_three_commit_without_fork);
    s_add_case (suite, "garbage", s_up_garbage, honest_three_commit_without_fork);
    s_add_case (suite, "equivocating_forging_leader", s_up_equivocating_forging_leader, honest_three_commit_without_fork);
    s_add_case (suite, "everything_as_leader", s_up_all_leader, honest_three_commit_without_fork);
    TCase *tc = s_add_case (suite, "intruder", s_up_honest, unlisted_key_refused);
    tcase_add_test (tc, unknown_mode_refused);
    return suite;
}
