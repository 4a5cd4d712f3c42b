/*  accord net: a local network of members on loopback, for development, tests and the demo. */
#include "cli.h"
#include "accord/crypto.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include "accord/tx.h"
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NET_MAX_MEMBERS     16
#define NET_START_WAIT_MS   15000
#define NET_STOP_WAIT_MS    10000
#define NET_REDIS_PORT_OFFSET 5     //  a member's own Redis: its peer port + 5
#define NET_PORT_OFFSET_MAX   NET_REDIS_PORT_OFFSET     //  the highest port a member uses
#define NET_REDIS_PING_MS     200

static int
s_mkdir (const char *path)
{
    return mkdir (path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

//  Creates DIR/NAME: node key (validator), client key, broker key, CURVE certificate, config
//  (peer, RPC, PUB, accord-identity and accord-eventbus on port, port + 1, port + 2, port + 3,
//  port + 4) and validator.json, the entry other members vote on to admit it. Its Redis: the
//  one at redis, or, when redis is NULL, its own (DIR/NAME/redis/, started by net start) on
//  port + NET_REDIS_PORT_OFFSET. Fills member. Returns 0 or 1 after printing why.
static int
s_make_member (const char *dir, const char *name, int port, const char *redis, accord_member_t *member)
{
    char member_dir [PATH_MAX], path [PATH_MAX + 32], endpoint [64], own_redis [64];
    snprintf (member_dir, sizeof member_dir, "%s/%s", dir, name);
    memset (member, 0, sizeof *member);
    snprintf (member->name, sizeof member->name, "%s", name);
    snprintf (member->peer_endpoint, sizeof member->peer_endpoint, "tcp://127.0.0.1:%d", port);
    accord_key_t *key = accord_key_new ();
    accord_key_t *client = accord_key_new ();
    accord_key_t *broker = accord_key_new ();
    zcert_t *cert = zcert_new ();
    int rc = 0;
    snprintf (path, sizeof path, "%s/curve", member_dir);
    if (s_mkdir (member_dir) || s_mkdir (path) || !key || !client || !broker || !cert)
        rc = cli_fail ("cannot create %s", member_dir);
    snprintf (path, sizeof path, "%s/redis", member_dir);
    if (rc == 0 && !redis && s_mkdir (path))
        rc = cli_fail ("cannot create %s: %s", path, strerror (errno));
    snprintf (own_redis, sizeof own_redis, "tcp://127.0.0.1:%d", port + NET_REDIS_PORT_OFFSET);
    if (!redis)
        redis = own_redis;
    snprintf (path, sizeof path, "%s/node.key", member_dir);
    if (rc == 0 && accord_key_save (key, path))
        rc = cli_fail ("cannot write %s", path);
    snprintf (path, sizeof path, "%s/client.key", member_dir);
    if (rc == 0 && accord_key_save (client, path))
        rc = cli_fail ("cannot write %s", path);
    snprintf (path, sizeof path, "%s/broker.key", member_dir);
    if (rc == 0 && accord_key_save (broker, path))
        rc = cli_fail ("cannot write %s", path);
    snprintf (path, sizeof path, "%s/node.cert", member_dir);
    if (rc == 0 && zcert_save (cert, path))
        rc = cli_fail ("cannot write %s", path);
    snprintf (path, sizeof path, "%s/node.cert_secret", member_dir);
    if (rc == 0)
        chmod (path, 0600);
    if (rc == 0) {
        memcpy (member->public_key, accord_key_public (key), ACCORD_PUBKEY_SIZE);
        snprintf (member->curve_key, sizeof member->curve_key, "%s", zcert_public_txt (cert));
        json_object *card = accord_member_to_json (member);
        snprintf (path, sizeof path, "%s/validator.json", member_dir);
        if (accord_json_save (card, path, 0644))
            rc = cli_fail ("cannot write %s", path);
        json_object_put (card);
    }
    json_object *config = json_object_new_object ();
    json_object_object_add (config, "name", json_object_new_string (name));
    json_object_object_add (config, "genesis", json_object_new_string ("genesis.json"));
    json_object_object_add (config, "data_dir", json_object_new_string ("data"));
    json_object_object_add (config, "key_file", json_object_new_string ("node.key"));
    json_object_object_add (config, "curve_cert", json_object_new_string ("node.cert"));
    //  The node lets in the validators in force by itself; this folder is for the
    //  certificates of other nodes the member lets in (its observers).
    json_object_object_add (config, "curve_dir", json_object_new_string ("curve"));
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    json_object_object_add (config, "peer_bind", json_object_new_string (endpoint));
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port + 1);
    json_object_object_add (config, "rpc_bind", json_object_new_string (endpoint));
    json_object_object_add (config, "rpc_endpoint", json_object_new_string (endpoint));
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port + 2);
    json_object_object_add (config, "pub_bind", json_object_new_string (endpoint));
    json_object_object_add (config, "pub_endpoint", json_object_new_string (endpoint));
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port + ACCORD_IDENTITY_PORT_OFFSET);
    json_object_object_add (config, "identity_bind", json_object_new_string (endpoint));
    json_object_object_add (config, "identity_endpoint", json_object_new_string (endpoint));
    json_object_object_add (config, "redis_endpoint", json_object_new_string (redis));
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port + ACCORD_EVENTBUS_PORT_OFFSET);
    json_object_object_add (config, "eventbus_bind", json_object_new_string (endpoint));
    json_object_object_add (config, "eventbus_endpoint", json_object_new_string (endpoint));
    json_object_object_add (config, "broker_key", json_object_new_string ("broker.key"));
    snprintf (path, sizeof path, "%s/config.json", member_dir);
    if (rc == 0 && accord_json_save (config, path, 0644))
        rc = cli_fail ("cannot write %s", path);
    json_object_put (config);
    zcert_destroy (&cert);
    accord_key_destroy (&key);
    accord_key_destroy (&client);
    accord_key_destroy (&broker);
    return rc;
}

int
cli_net_init (cli_args_t *args)
{
    const char *members_arg = cli_option (args, "--members");
    const char *dir = cli_option (args, "--dir");
    const char *port_arg = cli_option (args, "--base-port");
    const char *chain_id = cli_option (args, "--chain-id");
    const char *redis_arg = cli_option (args, "--redis");
    int members = members_arg ? atoi (members_arg) : 0;
    int base_port = port_arg ? atoi (port_arg) : 7100;
    if (members < 1 || members > NET_MAX_MEMBERS || !dir || !*dir)
        return cli_fail ("needs --members N (1 to %d) and --dir DIR\n%s", NET_MAX_MEMBERS, args->help);
    if (base_port < 1024 || base_port + 10 * members > 65535)
        return cli_fail ("--base-port must leave room for %d ports below 65536", 10 * members);
    if (!chain_id || !*chain_id)
        chain_id = "accord-local";
    if (!accord_chain_id_valid (chain_id))
        return cli_fail ("--chain-id must be 1 to %d of A-Z a-z 0-9 . _ -", ACCORD_CHAIN_ID_MAX);
    //  Each member's own Redis (started by net start), or the one given for all.
    char host [ACCORD_ENDPOINT_MAX + 1];
    int redis_port;
    if (redis_arg && (strlen (redis_arg) > ACCORD_ENDPOINT_MAX || accord_endpoint_split (redis_arg, host, &redis_port)))
        return cli_fail ("--redis must be tcp://HOST:PORT");
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/genesis.json", dir);
    if (access (path, F_OK) == 0)
        return cli_fail ("%s exists: refusing to overwrite a network", path);
    if (s_mkdir (dir))
        return cli_fail ("cannot create %s: %s", dir, strerror (errno));

    accord_genesis_t genesis;
    memset (&genesis, 0, sizeof genesis);
    snprintf (genesis.chain_id, sizeof genesis.chain_id, "%s", chain_id);
    genesis.genesis_time_ms = (uint64_t) zclock_time ();
    accord_params_default (&genesis.params);
    int rc = 0;
    for (int k = 0; k < members && rc == 0; k++) {
        char name [32];
        snprintf (name, sizeof name, "member%d", k + 1);
        rc = s_make_member (dir, name, base_port + 10 * k, redis_arg, &genesis.members [k]);
        memcpy (genesis.validators.keys [k], genesis.members [k].public_key, ACCORD_PUBKEY_SIZE);
        genesis.validators.count = genesis.member_count = (size_t) k + 1;
    }
    json_object *genesis_json = accord_genesis_to_json (&genesis);
    for (int k = -1; k < members && rc == 0; k++) {
        if (k < 0)
            snprintf (path, sizeof path, "%s/genesis.json", dir);
        else
            snprintf (path, sizeof path, "%s/%s/genesis.json", dir, genesis.members [k].name);
        if (accord_json_save (genesis_json, path, 0644))
            rc = cli_fail ("cannot write %s", path);
    }
    json_object_put (genesis_json);
    if (rc == 0)
        printf ("network '%s' with %d members in %s (ports %d to %d)\n", chain_id, members, dir, base_port,
                base_port + 10 * (members - 1) + (redis_arg ? ACCORD_EVENTBUS_PORT_OFFSET : NET_REDIS_PORT_OFFSET));
    return rc;
}

//  The member folders of a network, sorted, into names (NULL-terminated, caller frees).
static int
s_members (const char *dir, const char *only, char names [NET_MAX_MEMBERS][64], int *count)
{
    *count = 0;
    DIR *folder = opendir (dir);
    if (!folder)
        return cli_fail ("cannot open %s: %s", dir, strerror (errno));
    struct dirent *entry;
    while ((entry = readdir (folder)) && *count < NET_MAX_MEMBERS) {
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/%s/config.json", dir, entry->d_name);
        if (strlen (entry->d_name) < 64 && access (path, R_OK) == 0
        &&  (!only || strcmp (only, entry->d_name) == 0))
            snprintf (names [(*count)++], 64, "%s", entry->d_name);
    }
    closedir (folder);
    qsort (names, (size_t) *count, 64, (int (*) (const void *, const void *)) strcmp);
    if (*count == 0)
        return cli_fail (only ? "no member '%s' in %s" : "no members in %s%s", only ? only : "", dir);
    return 0;
}

int
cli_net_add (cli_args_t *args)
{
    const char *dir = cli_positional (args, 0);
    if (!dir)
        return cli_fail ("needs DIR (a network made by 'accord net init')\n%s", args->help);
    char names [NET_MAX_MEMBERS][64];
    int count = 0, port = 0;
    if (s_members (dir, NULL, names, &count))
        return 1;
    if (count >= NET_MAX_MEMBERS)
        return cli_fail ("%s has %d members already", dir, count);
    //  The new member gets a Redis of its own, as net init gives each member, unless the
    //  members use a Redis given to net init (no member has a DIR/NAME/redis/): then that one.
    char redis [ACCORD_ENDPOINT_MAX + 1] = ACCORD_REDIS_DEFAULT;
    int own_redis = 0;
    for (int i = 0; i < count; i++) {
        char path [PATH_MAX + 64], err [256];
        accord_node_config_t config;
        snprintf (path, sizeof path, "%s/%s", dir, names [i]);
        int loaded = accord_node_config_load (&config, path, err, sizeof err) == 0;
        const char *colon = loaded ? strrchr (config.peer_bind, ':') : NULL;
        if (colon && atoi (colon + 1) + 10 > port)
            port = atoi (colon + 1) + 10;
        if (loaded)
            strcpy (redis, config.redis_endpoint);
        snprintf (path, sizeof path, "%s/%s/redis", dir, names [i]);
        own_redis |= access (path, F_OK) == 0;
    }
    char name [64];
    const char *name_arg = cli_option (args, "--name");
    snprintf (name, sizeof name, "%s", name_arg ? name_arg : "");
    if (!name_arg)
        for (int k = count + 1; ; k++) {
            char path [PATH_MAX + 64];
            snprintf (name, sizeof name, "member%d", k);
            snprintf (path, sizeof path, "%s/%s", dir, name);
            if (access (path, F_OK) != 0)
                break;
        }
    if (!*name || strchr (name, '/') || name [0] == '.')
        return cli_fail ("--name must be a plain folder name");
    if (port < 1024 || port + NET_PORT_OFFSET_MAX > 65535)
        return cli_fail ("no ports left above the other members'");
    accord_member_t member;
    char genesis_path [PATH_MAX + 32], path [PATH_MAX + 96], err [256];
    snprintf (genesis_path, sizeof genesis_path, "%s/genesis.json", dir);
    json_object *genesis = accord_json_load (genesis_path, err, sizeof err);
    if (!genesis)
        return cli_fail ("%s", err);
    int rc = s_make_member (dir, name, port, own_redis ? NULL : redis, &member);
    snprintf (path, sizeof path, "%s/%s/genesis.json", dir, name);
    if (rc == 0 && accord_json_save (genesis, path, 0644))
        rc = cli_fail ("cannot write %s", path);
    json_object_put (genesis);
    if (rc == 0)
        printf ("member %s in %s/%s (ports %d to %d), not a validator yet: a quorum of validators\n"
                "admits it with 'accord system add-validator %s/%s/validator.json --member ...'\n",
                name, dir, name, port, port + (own_redis ? NET_REDIS_PORT_OFFSET : ACCORD_EVENTBUS_PORT_OFFSET), dir, name);
    return rc;
}

//  The pid recorded in path, or 0.
static pid_t
s_read_pid (const char *path)
{
    char *text = accord_file_read (path, 32, NULL);
    pid_t pid = text ? (pid_t) atoi (text) : 0;
    free (text);
    return pid;
}

//  A process that exists and is not a zombie (a killed node whose parent has not reaped it).
static int
s_alive (pid_t pid)
{
    if (pid <= 0 || kill (pid, 0) != 0)
        return 0;
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    char *stat = accord_file_read (path, 4096, NULL);
    const char *state = stat ? strrchr (stat, ')') : NULL;
    int zombie = state && state [1] == ' ' && state [2] == 'Z';
    free (stat);
    return !zombie;
}

//  Path of program beside this one (accord-chain, accord-identity), else the name for PATH
//  lookup.
static void
s_binary (char *out, size_t size, const char *program)
{
    char self [PATH_MAX];
    ssize_t len = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self [len] = 0;
        char *slash = strrchr (self, '/');
        if (slash) {
            *slash = 0;
            snprintf (out, size, "%s/%s", self, program);
            if (access (out, X_OK) == 0)
                return;
        }
    }
    snprintf (out, size, "%s", program);
}

//  Starts argv (argv [0] found by PATH lookup when it has no '/') in the background, in its
//  own session, output appended to log; writes its pid to pid_path. The pid, or -1.
static pid_t
s_spawn (char *const argv [], const char *log, const char *pid_path)
{
    pid_t pid = fork ();
    if (pid == 0) {
        setsid ();
        int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open ("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2 (fd, STDOUT_FILENO);
            dup2 (fd, STDERR_FILENO);
        }
        if (null >= 0)
            dup2 (null, STDIN_FILENO);
        execvp (argv [0], argv);
        fprintf (stderr, "cannot run %s: %s\n", argv [0], strerror (errno));
        _exit (127);
    }
    FILE *file = pid > 0 ? fopen (pid_path, "w") : NULL;
    if (file) {
        fprintf (file, "%d\n", (int) pid);
        fclose (file);
    }
    return pid;
}

//  Waits until ready (a STATUS answer on endpoint) or the process exits or the wait ends.
static int
s_wait_ready (pid_t pid, const char *endpoint)
{
    accord_client_t *client = accord_client_new (endpoint, 500);
    int64_t deadline = zclock_mono () + NET_START_WAIT_MS;
    int ready = 0;
    while (client && !ready && zclock_mono () < deadline) {
        if (pid > 0 && waitpid (pid, NULL, WNOHANG) == pid)
            break;      //  it exited: the log says why
        ready = accord_client_call_json (client, "STATUS", NULL, NULL) == ACCORD_OK;
        if (!ready)
            zclock_sleep (50);
    }
    accord_client_destroy (&client);
    return ready;
}

//  1 when a Redis answers PING at host:port.
static int
s_redis_answers (const char *host, int port)
{
    struct timeval timeout = { 0, NET_REDIS_PING_MS * 1000 };
    redisContext *context = redisConnectWithTimeout (host, port, timeout);
    if (context && !context->err)
        redisSetTimeout (context, timeout);
    redisReply *reply = context && !context->err ? redisCommand (context, "PING") : NULL;
    int answers = reply && reply->type == REDIS_REPLY_STATUS;
    if (reply)
        freeReplyObject (reply);
    if (context)
        redisFree (context);
    return answers;
}

//  A Redis that net init made: its folder (redis.pid, redis.log, its working folder), the
//  endpoint the members it serves have in their config, and whose it is, for messages.
typedef struct {
    char folder [PATH_MAX];
    char endpoint [ACCORD_ENDPOINT_MAX + 1];
    char label [96];
    pid_t pid;                  //  started by this command, or 0
} net_redis_t;

//  Fills redis with the Redis servers that net init made for the named members: each member's
//  own (DIR/NAME/redis/), and the network's (DIR/redis/) of a network made when members shared
//  one. Members made with a Redis given to net init have none. Returns how many.
static int
s_redis_list (net_redis_t *redis, const char *dir, char names [][64], accord_node_config_t *configs, int count)
{
    int found = 0;
    for (int i = -1; i < count; i++) {
        net_redis_t *item = &redis [found];
        memset (item, 0, sizeof *item);
        if (i < 0)
            snprintf (item->folder, sizeof item->folder, "%s/redis", dir);
        else
            snprintf (item->folder, sizeof item->folder, "%s/%s/redis", dir, names [i]);
        snprintf (item->endpoint, sizeof item->endpoint, "%s", configs [i < 0 ? 0 : i].redis_endpoint);
        snprintf (item->label, sizeof item->label, "%s", i < 0 ? "network" : names [i]);
        struct stat info;
        if (stat (item->folder, &info) == 0 && S_ISDIR (info.st_mode))
            found++;
    }
    return found;
}

//  Starts a Redis that net init made, unless it runs already (its pid file) or something
//  answers on its endpoint. 0, or 1 after printing why.
static int
s_redis_spawn (net_redis_t *self)
{
    char pid_path [PATH_MAX + 16], log [PATH_MAX + 16], host [ACCORD_ENDPOINT_MAX + 1], port_text [16];
    int port;
    self->pid = 0;
    if (accord_endpoint_split (self->endpoint, host, &port))
        return cli_fail ("%s: redis_endpoint '%s' is not tcp://HOST:PORT", self->label, self->endpoint);
    snprintf (pid_path, sizeof pid_path, "%s/redis.pid", self->folder);
    snprintf (log, sizeof log, "%s/redis.log", self->folder);
    pid_t running = s_read_pid (pid_path);
    if (s_alive (running)) {
        printf ("%s: redis-server already running (pid %d)\n", self->label, (int) running);
        return 0;
    }
    if (s_redis_answers (host, port)) {
        fprintf (stderr, "accord: %s: a Redis not started by net start answers on %s: used as it is\n",
                 self->label, self->endpoint);
        return 0;
    }
    snprintf (port_text, sizeof port_text, "%d", port);
    //  A cache: nothing saved to disk, no other host let in.
    char *const argv [] = { "redis-server", "--bind", host, "--port", port_text, "--save", "",
                            "--appendonly", "no", "--dir", self->folder, NULL };
    self->pid = s_spawn (argv, log, pid_path);
    if (self->pid < 0)
        return cli_fail ("%s: cannot start redis-server: %s", self->label, strerror (errno));
    return 0;
}

//  Waits until a Redis started by s_redis_spawn answers PING, exits, or NET_START_WAIT_MS
//  pass. One that does not start is reported, not fatal: the member's identity service
//  answers from its node without a cache, and its broker indexes once Redis is there.
static void
s_redis_wait (net_redis_t *self, int64_t deadline)
{
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    if (self->pid <= 0 || accord_endpoint_split (self->endpoint, host, &port))
        return;
    while (zclock_mono () < deadline && waitpid (self->pid, NULL, WNOHANG) != self->pid) {
        if (s_redis_answers (host, port)) {
            printf ("%s: redis-server running (%s)\n", self->label, self->endpoint);
            return;
        }
        zclock_sleep (50);
    }
    fprintf (stderr, "accord: %s: redis-server did not start (see %s/redis.log); its services run without it\n",
             self->label, self->folder);
}

//  1 when the member's node lists broker as registered by its own node key.
static int
s_broker_registered (accord_client_t *client, const char *broker, const char *member)
{
    json_object *brokers = NULL;
    int found = 0;
    if (cli_query (client, "system", "brokers", NULL, &brokers) == ACCORD_OK)
        for (size_t i = 0; i < json_object_array_length (brokers) && !found; i++) {
            json_object *item = json_object_array_get_idx (brokers, i);
            const char *key = accord_json_get_string (item, "public_key");
            const char *owner = accord_json_get_string (item, "member");
            found = key && owner && streq (key, broker) && streq (owner, member);
        }
    json_object_put (brokers);
    return found;
}

//  Registers each member's broker key (system.set_broker, signed with its node key) unless it
//  is already: every transaction is submitted first, then their commits are awaited. A member
//  that cannot (not a validator yet, no broker.key) gets a warning: its broker runs, and the
//  chain refuses its batches until the key is registered.
static void
s_register_brokers (accord_node_config_t *configs, int count)
{
    accord_client_t *clients [NET_MAX_MEMBERS] = { NULL };
    char hashes [NET_MAX_MEMBERS][2 * ACCORD_HASH_SIZE + 1];
    for (int i = 0; i < count; i++) {
        hashes [i][0] = 0;
        accord_genesis_t genesis;
        char err [512], broker_hex [2 * ACCORD_PUBKEY_SIZE + 1], node_hex [2 * ACCORD_PUBKEY_SIZE + 1];
        accord_key_t *broker = accord_key_load (configs [i].broker_key);
        accord_key_t *node = accord_key_load (configs [i].key_file);
        clients [i] = accord_client_new (configs [i].rpc_endpoint, NET_START_WAIT_MS);
        if (!broker || !node || !clients [i] || accord_genesis_load (&genesis, configs [i].genesis, err, sizeof err))
            fprintf (stderr, "accord: %s: cannot register its broker (%s, %s)\n", configs [i].name,
                     configs [i].broker_key, configs [i].key_file);
        else {
            accord_hex_encode (broker_hex, sizeof broker_hex, accord_key_public (broker), ACCORD_PUBKEY_SIZE);
            accord_hex_encode (node_hex, sizeof node_hex, accord_key_public (node), ACCORD_PUBKEY_SIZE);
            json_object *query = json_object_new_object (), *nonce = NULL, *status = NULL;
            json_object_object_add (query, "sender", json_object_new_string (node_hex));
            int64_t last = 0, height = 0;
            if (s_broker_registered (clients [i], broker_hex, node_hex))
                json_object_put (query);
            else if (cli_query (clients [i], "system", "nonce", query, &nonce) == ACCORD_OK
            &&  accord_client_call_json (clients [i], "STATUS", NULL, &status) == ACCORD_OK
            &&  accord_json_get_int64 (nonce, "nonce", 0, INT64_MAX, &last) == 0
            &&  accord_json_get_int64 (status, "height", 0, INT64_MAX, &height) == 0) {
                char call [256];
                snprintf (call, sizeof call, "{\"name\":\"%s\",\"public_key\":\"%s\"}",
                          strspn (configs [i].name, ACCORD_NAME_CHARS) == strlen (configs [i].name) ? configs [i].name
                                                                                                     : "broker",
                          broker_hex);
                accord_tx_t *tx = accord_tx_new (genesis.chain_id, "system", "set_broker", call, (uint64_t) last + 1,
                                                 (uint64_t) height + 1000);
                zmsg_t *body = zmsg_new ();
                if (tx && accord_tx_sign (tx, node) == 0) {
                    zmsg_addmem (body, tx->raw, tx->raw_len);
                    if (accord_client_call (clients [i], "SUBMIT", &body, NULL) == ACCORD_OK)
                        accord_hex_encode (hashes [i], sizeof hashes [i], tx->hash, ACCORD_HASH_SIZE);
                    else
                        fprintf (stderr, "accord: %s: broker registration refused: %s\n", configs [i].name,
                                 accord_client_errstr (clients [i]));
                }
                zmsg_destroy (&body);
                accord_tx_destroy (&tx);
            }
            json_object_put (nonce);
            json_object_put (status);
        }
        accord_key_destroy (&broker);
        accord_key_destroy (&node);
    }
    for (int i = 0; i < count; i++) {
        json_object *request = json_object_new_object (), *receipt = NULL;
        json_object_object_add (request, "tx", json_object_new_string (hashes [i]));
        json_object_object_add (request, "wait_ms", json_object_new_int (NET_START_WAIT_MS));
        const char *status = NULL;
        if (hashes [i][0]) {
            accord_client_set_timeout (clients [i], NET_START_WAIT_MS + 2000);
            if (accord_client_call_json (clients [i], "RECEIPT", request, &receipt) == ACCORD_OK)
                status = accord_json_get_string (receipt, "status");
            if (status && streq (status, "ok"))
                printf ("%s: broker key registered\n", configs [i].name);
            else
                fprintf (stderr, "accord: %s: broker registration: %s %s\n", configs [i].name,
                         status ? status : accord_client_errstr (clients [i]),
                         receipt ? accord_json_get_string (receipt, "message") : "");
        }
        json_object_put (request);
        json_object_put (receipt);
        accord_client_destroy (&clients [i]);
    }
}

//  Registers the brokers of every member of the network once every member's node runs: a
//  transaction submitted while the validators are short of a quorum would wait, and every
//  failed view change meanwhile doubles the view timeout (members started one at a time).
static void
s_register_network_brokers (const char *dir)
{
    char names [NET_MAX_MEMBERS][64];
    accord_node_config_t configs [NET_MAX_MEMBERS];
    int count = 0;
    if (s_members (dir, NULL, names, &count))
        return;
    for (int i = 0; i < count; i++) {
        char member_dir [PATH_MAX], pid_path [PATH_MAX + 16], err [512];
        snprintf (member_dir, sizeof member_dir, "%s/%s", dir, names [i]);
        snprintf (pid_path, sizeof pid_path, "%s/chain.pid", member_dir);
        if (accord_node_config_load (&configs [i], member_dir, err, sizeof err) || !s_alive (s_read_pid (pid_path))) {
            printf ("brokers: registered once every member's node runs (%s does not yet)\n", names [i]);
            return;
        }
    }
    s_register_brokers (configs, count);
}

int
cli_net_start (cli_args_t *args)
{
    const char *dir = cli_positional (args, 0);
    if (!dir)
        return cli_fail ("needs the network folder\n%s", args->help);
    char names [NET_MAX_MEMBERS][64];
    int count;
    if (s_members (dir, cli_option (args, "--member"), names, &count))
        return 1;
    accord_node_config_t configs [NET_MAX_MEMBERS];
    for (int i = 0; i < count; i++) {
        char member_dir [PATH_MAX], err [512];
        snprintf (member_dir, sizeof member_dir, "%s/%s", dir, names [i]);
        if (accord_node_config_load (&configs [i], member_dir, err, sizeof err))
            return cli_fail ("%s", err);
    }
    //  The members' Redis servers first, all at once, then waited for.
    net_redis_t redis [NET_MAX_MEMBERS + 1];
    int redis_count = s_redis_list (redis, dir, names, configs, count);
    for (int i = 0; i < redis_count; i++)
        if (s_redis_spawn (&redis [i]))
            return 1;
    int64_t redis_deadline = zclock_mono () + NET_START_WAIT_MS;
    for (int i = 0; i < redis_count; i++)
        s_redis_wait (&redis [i], redis_deadline);
    //  The nodes first (each service follows its node), then the brokers' keys on chain, then
    //  the identity services and the brokers.
    static const char *programs [] = { "accord-chain", "accord-identity", "accord-eventbus" };
    static const char *files [] = { "chain", "identity", "eventbus" };
    int rc = 0;
    for (int p = 0; p < 3; p++) {
        if (p == 1 && rc == 0)
            s_register_network_brokers (dir);
        char binary [PATH_MAX];
        s_binary (binary, sizeof binary, programs [p]);
        pid_t pids [NET_MAX_MEMBERS] = { 0 };
        for (int i = 0; i < count; i++) {
            char config [PATH_MAX + 16], pid_path [PATH_MAX + 16], log [PATH_MAX + 16];
            snprintf (config, sizeof config, "%s/config.json", configs [i].dir);
            snprintf (pid_path, sizeof pid_path, "%s/%s.pid", configs [i].dir, files [p]);
            snprintf (log, sizeof log, "%s/%s.log", configs [i].dir, files [p]);
            pid_t running = s_read_pid (pid_path);
            if (s_alive (running)) {
                printf ("%s: %s already running (pid %d)\n", names [i], programs [p], (int) running);
                continue;
            }
            char *const argv [] = { binary, "--config", config, NULL };
            pids [i] = s_spawn (argv, log, pid_path);
            if (pids [i] < 0)
                return cli_fail ("cannot start %s of %s: %s", programs [p], names [i], strerror (errno));
        }
        for (int i = 0; i < count; i++) {
            const char *endpoint = p == 0 ? configs [i].rpc_endpoint
                                 : p == 1 ? configs [i].identity_endpoint : configs [i].eventbus_endpoint;
            if (s_wait_ready (pids [i], endpoint))
                printf ("%s: %s running (%s)\n", names [i], programs [p], endpoint);
            else
                rc = cli_fail ("%s: %s did not start; see %s/%s.log", names [i], programs [p],
                               configs [i].dir, files [p]);
        }
    }
    return rc;
}

//  SIGTERM to the process of each pid file, SIGKILL after NET_STOP_WAIT_MS; removes the files.
static void
s_stop (char pid_paths [][PATH_MAX + 32], const char **labels, int count)
{
    pid_t pids [NET_MAX_MEMBERS * 2 + 1];
    for (int i = 0; i < count; i++) {
        pids [i] = s_read_pid (pid_paths [i]);
        if (s_alive (pids [i]))
            kill (pids [i], SIGTERM);
    }
    int64_t deadline = zclock_mono () + NET_STOP_WAIT_MS;
    for (int i = 0; i < count; i++) {
        while (s_alive (pids [i]) && zclock_mono () < deadline)
            zclock_sleep (20);
        if (s_alive (pids [i])) {
            fprintf (stderr, "accord: %s did not stop in time: killed\n", labels [i]);
            kill (pids [i], SIGKILL);
        }
        if (pids [i] > 0)
            printf ("%s: stopped\n", labels [i]);
        unlink (pid_paths [i]);
    }
}

int
cli_net_stop (cli_args_t *args)
{
    const char *dir = cli_positional (args, 0);
    if (!dir)
        return cli_fail ("needs the network folder\n%s", args->help);
    const char *only = cli_option (args, "--member");
    char names [NET_MAX_MEMBERS][64];
    int count;
    if (s_members (dir, only, names, &count))
        return 1;
    //  Brokers and identity services first (they follow the nodes), then the nodes, then the
    //  members' Redis servers (and the network's, of a network made when members shared one).
    char pid_paths [NET_MAX_MEMBERS + 1][PATH_MAX + 32], labels_text [NET_MAX_MEMBERS][96];
    const char *labels [NET_MAX_MEMBERS + 1];
    static const char *files [] = { "eventbus", "identity", "chain", "redis/redis" };
    for (int p = 0; p < 4; p++) {
        for (int i = 0; i < count; i++) {
            snprintf (pid_paths [i], sizeof pid_paths [i], "%s/%s/%s.pid", dir, names [i], files [p]);
            snprintf (labels_text [i], sizeof labels_text [i], "%s %s", names [i], p == 3 ? "redis" : files [p]);
            labels [i] = labels_text [i];
        }
        int stopping = count;
        if (p == 3 && !only) {
            snprintf (pid_paths [stopping], sizeof pid_paths [stopping], "%s/redis/redis.pid", dir);
            labels [stopping++] = "network redis";
        }
        s_stop (pid_paths, labels, stopping);
    }
    return 0;
}
