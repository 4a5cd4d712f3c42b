#include "accord/config.h"
#include "accord/encoding.h"
#include "accord/json.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
accord_file_read (const char *path, size_t max, size_t *len)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    char *data = malloc (max + 1);
    size_t got = data ? fread (data, 1, max + 1, file) : 0;
    fclose (file);
    if (!data || got > max) {
        free (data);
        return NULL;
    }
    data [got] = 0;
    if (len)
        *len = got;
    return data;
}

json_object *
accord_json_load (const char *path, char *err, size_t err_size)
{
    size_t len;
    char *text = accord_file_read (path, ACCORD_JSON_MAX_SIZE, &len);
    if (!text) {
        snprintf (err, err_size, "%s: cannot read (%s)", path, errno ? strerror (errno) : "too large");
        return NULL;
    }
    char reason [200];
    json_object *obj = accord_json_parse (text, len, reason, sizeof reason);
    free (text);
    if (!obj)
        snprintf (err, err_size, "%s: %s", path, reason);
    return obj;
}

int
accord_json_save (json_object *obj, const char *path, int mode)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    const char *text = json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen (text);
    int rc = write (fd, text, len) == (ssize_t) len && write (fd, "\n", 1) == 1 ? 0 : -1;
    if (close (fd))
        rc = -1;
    return rc;
}

void
accord_params_default (accord_params_t *self)
{
    self->block_max_txs = 5000;
    self->block_interval_ms = 100;
    self->view_timeout_ms = 1000;
}

static int
s_copy_string (char *out, size_t out_size, json_object *obj, const char *key)
{
    const char *value = accord_json_get_string (obj, key);
    if (!value || !*value || strlen (value) >= out_size)
        return -1;
    strcpy (out, value);
    return 0;
}

int
accord_chain_id_valid (const char *chain_id)
{
    size_t len = chain_id ? strlen (chain_id) : 0;
    if (len == 0 || len > ACCORD_CHAIN_ID_MAX)
        return 0;
    return strspn (chain_id, ACCORD_NAME_CHARS) == len;
}

int
accord_genesis_from_json (accord_genesis_t *self, json_object *obj, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    accord_params_default (&self->params);
    int64_t value;
    if (s_copy_string (self->chain_id, sizeof self->chain_id, obj, "chain_id")
    ||  !accord_chain_id_valid (self->chain_id)) {
        snprintf (err, err_size, "genesis: chain_id must be 1 to %d of A-Z a-z 0-9 . _ -", ACCORD_CHAIN_ID_MAX);
        return -1;
    }
    if (accord_json_get_int64 (obj, "genesis_time_ms", 0, INT64_MAX, &value) == 0)
        self->genesis_time_ms = (uint64_t) value;
    json_object *params = accord_json_get_object (obj, "params");
    if (params) {
        if (accord_json_get_int64 (params, "block_max_txs", 1, ACCORD_BLOCK_MAX_TXS, &value) == 0)
            self->params.block_max_txs = (uint32_t) value;
        if (accord_json_get_int64 (params, "block_interval_ms", 1, 60000, &value) == 0)
            self->params.block_interval_ms = (uint32_t) value;
        if (accord_json_get_int64 (params, "view_timeout_ms", 50, 600000, &value) == 0)
            self->params.view_timeout_ms = (uint32_t) value;
    }
    char reason [200];
    if (accord_genesis_set_members (self, accord_json_get_array (obj, "validators"), reason, sizeof reason)) {
        snprintf (err, err_size, "genesis: %s", reason);
        return -1;
    }
    return 0;
}

int
accord_member_from_json (accord_member_t *self, json_object *item, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    if (s_copy_string (self->name, sizeof self->name, item, "name")
    ||  s_copy_string (self->curve_key, sizeof self->curve_key, item, "curve_key")
    ||  strlen (self->curve_key) != 40
    ||  s_copy_string (self->peer_endpoint, sizeof self->peer_endpoint, item, "peer_endpoint")
    ||  accord_hex_decode_exact (self->public_key, ACCORD_PUBKEY_SIZE, accord_json_get_string (item, "public_key"))
    ||  accord_pubkey_check (self->public_key, ACCORD_PUBKEY_SIZE)) {
        snprintf (err, err_size, "a validator needs name, public_key (33-byte hex), curve_key (Z85) "
                  "and peer_endpoint");
        return -1;
    }
    return 0;
}

json_object *
accord_member_to_json (const accord_member_t *self)
{
    char key [2 * ACCORD_PUBKEY_SIZE + 1];
    accord_hex_encode (key, sizeof key, self->public_key, ACCORD_PUBKEY_SIZE);
    json_object *item = json_object_new_object ();
    json_object_object_add (item, "name", json_object_new_string (self->name));
    json_object_object_add (item, "public_key", json_object_new_string (key));
    json_object_object_add (item, "curve_key", json_object_new_string (self->curve_key));
    json_object_object_add (item, "peer_endpoint", json_object_new_string (self->peer_endpoint));
    return item;
}

int
accord_genesis_set_members (accord_genesis_t *self, json_object *members, char *err, size_t err_size)
{
    size_t count = json_object_is_type (members, json_type_array) ? json_object_array_length (members) : 0;
    if (count == 0 || count > ACCORD_MAX_VALIDATORS) {
        snprintf (err, err_size, "needs 1 to %d validators", ACCORD_MAX_VALIDATORS);
        return -1;
    }
    accord_member_t list [ACCORD_MAX_VALIDATORS];
    accord_validators_t set = { .count = 0 };
    for (size_t i = 0; i < count; i++) {
        char reason [160];
        if (accord_member_from_json (&list [i], json_object_array_get_idx (members, i), reason, sizeof reason)) {
            snprintf (err, err_size, "validator %zu: %s", i, reason);
            return -1;
        }
        if (accord_validators_find (&set, list [i].public_key) >= 0) {
            snprintf (err, err_size, "validator %zu repeats a public key", i);
            return -1;
        }
        memcpy (set.keys [i], list [i].public_key, ACCORD_PUBKEY_SIZE);
        set.count = i + 1;
    }
    memcpy (self->members, list, count * sizeof list [0]);
    self->member_count = count;
    self->validators = set;
    return 0;
}

json_object *
accord_genesis_members_json (const accord_genesis_t *self)
{
    json_object *members = json_object_new_array ();
    for (size_t i = 0; i < self->member_count; i++)
        json_object_array_add (members, accord_member_to_json (&self->members [i]));
    return members;
}

int
accord_genesis_load (accord_genesis_t *self, const char *path, char *err, size_t err_size)
{
    json_object *obj = accord_json_load (path, err, err_size);
    if (!obj)
        return -1;
    int rc = accord_genesis_from_json (self, obj, err, err_size);
    json_object_put (obj);
    return rc;
}

json_object *
accord_params_to_json (const accord_params_t *self)
{
    json_object *params = json_object_new_object ();
    json_object_object_add (params, "block_max_txs", json_object_new_int64 (self->block_max_txs));
    json_object_object_add (params, "block_interval_ms", json_object_new_int64 (self->block_interval_ms));
    json_object_object_add (params, "view_timeout_ms", json_object_new_int64 (self->view_timeout_ms));
    return params;
}

json_object *
accord_genesis_to_json (const accord_genesis_t *self)
{
    json_object *obj = json_object_new_object ();
    json_object_object_add (obj, "chain_id", json_object_new_string (self->chain_id));
    json_object_object_add (obj, "genesis_time_ms", json_object_new_int64 ((int64_t) self->genesis_time_ms));
    json_object_object_add (obj, "params", accord_params_to_json (&self->params));
    json_object_object_add (obj, "validators", accord_genesis_members_json (self));
    return obj;
}

//  A path from config.json, made absolute against the config's folder.
static int
s_path (char *out, size_t out_size, const char *dir, json_object *obj, const char *key)
{
    const char *value = accord_json_get_string (obj, key);
    if (!value || !*value)
        return -1;
    int len = value [0] == '/' ? snprintf (out, out_size, "%s", value)
                               : snprintf (out, out_size, "%s/%s", dir, value);
    return len > 0 && (size_t) len < out_size ? 0 : -1;
}

int
accord_endpoint_split (const char *endpoint, char *host, int *port)
{
    const char *start = endpoint && strncmp (endpoint, "tcp://", 6) == 0 ? endpoint + 6 : NULL;
    const char *colon = start ? strrchr (start, ':') : NULL;
    if (!colon || colon == start || (size_t) (colon - start) > ACCORD_ENDPOINT_MAX)
        return -1;
    char *end;
    long value = strtol (colon + 1, &end, 10);
    if (end == colon + 1 || *end || value < 1 || value > 65535)
        return -1;
    memcpy (host, start, (size_t) (colon - start));
    host [colon - start] = 0;
    *port = (int) value;
    return 0;
}

//  An optional endpoint key: its value, else peer_bind's host on peer_bind's port + offset.
//  0, or -1 when the value is not a string or there is no port to derive it from.
static int
s_service_bind (char out [ACCORD_ENDPOINT_MAX + 1], json_object *obj, const char *key, const char *peer_bind,
                int offset)
{
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    if (json_object_object_get_ex (obj, key, NULL))
        return s_copy_string (out, ACCORD_ENDPOINT_MAX + 1, obj, key);
    if (accord_endpoint_split (peer_bind, host, &port) || port + offset > 65535)
        return -1;
    snprintf (out, ACCORD_ENDPOINT_MAX + 1, "tcp://%s:%d", host, port + offset);
    return 0;
}

//  An optional key, or its default.
static int
s_optional_string (char *out, size_t size, json_object *obj, const char *key, const char *fallback)
{
    if (json_object_object_get_ex (obj, key, NULL))
        return s_copy_string (out, size, obj, key);
    snprintf (out, size, "%s", fallback);
    return 0;
}

//  The optional keys of accord-identity and accord-eventbus, with their defaults (config.h).
static int
s_service_keys (accord_node_config_t *self, json_object *obj, const char *file, char *err, size_t err_size)
{
    const char *bad = NULL;
    char host [ACCORD_ENDPOINT_MAX + 1];
    int port;
    if (s_service_bind (self->identity_bind, obj, "identity_bind", self->peer_bind, ACCORD_IDENTITY_PORT_OFFSET))
        bad = "identity_bind";
    else if (s_optional_string (self->identity_endpoint, sizeof self->identity_endpoint, obj, "identity_endpoint",
                                self->identity_bind))
        bad = "identity_endpoint";
    else if (s_optional_string (self->redis_endpoint, sizeof self->redis_endpoint, obj, "redis_endpoint",
                                ACCORD_REDIS_DEFAULT)
         ||  accord_endpoint_split (self->redis_endpoint, host, &port))
        bad = "redis_endpoint";
    else if (s_service_bind (self->eventbus_bind, obj, "eventbus_bind", self->peer_bind, ACCORD_EVENTBUS_PORT_OFFSET))
        bad = "eventbus_bind";
    else if (s_optional_string (self->eventbus_endpoint, sizeof self->eventbus_endpoint, obj, "eventbus_endpoint",
                                self->eventbus_bind))
        bad = "eventbus_endpoint";
    if (bad) {
        snprintf (err, err_size, "%s: '%s' is malformed (an endpoint tcp://HOST:PORT)", file, bad);
        return -1;
    }
    int given = json_object_object_get_ex (obj, "broker_key", NULL);
    if (given && s_path (self->broker_key, sizeof self->broker_key, self->dir, obj, "broker_key")) {
        snprintf (err, err_size, "%s: 'broker_key' is not a path", file);
        return -1;
    }
    if (!given)
        snprintf (self->broker_key, sizeof self->broker_key, "%s/broker.key", self->dir);
    int64_t idle_ms = ACCORD_EVENTBUS_SESSION_IDLE_MS;
    if (json_object_object_get_ex (obj, "eventbus_session_idle_ms", NULL)
    &&  accord_json_get_int64 (obj, "eventbus_session_idle_ms", ACCORD_EVENTBUS_SESSION_IDLE_MIN_MS,
                               ACCORD_EVENTBUS_SESSION_IDLE_MAX_MS, &idle_ms)) {
        snprintf (err, err_size, "%s: 'eventbus_session_idle_ms' is not a whole number of ms from %d to %d", file,
                  ACCORD_EVENTBUS_SESSION_IDLE_MIN_MS, ACCORD_EVENTBUS_SESSION_IDLE_MAX_MS);
        return -1;
    }
    self->eventbus_session_idle_ms = (uint32_t) idle_ms;
    return 0;
}

int
accord_node_config_load (accord_node_config_t *self, const char *path, char *err, size_t err_size)
{
    memset (self, 0, sizeof *self);
    char file [PATH_MAX];
    struct stat info;
    if (stat (path, &info) == 0 && S_ISDIR (info.st_mode)) {
        snprintf (self->dir, sizeof self->dir, "%s", path);
        snprintf (file, sizeof file, "%s/config.json", path);
    }
    else {
        snprintf (file, sizeof file, "%s", path);
        snprintf (self->dir, sizeof self->dir, "%s", path);
        char *slash = strrchr (self->dir, '/');
        if (slash)
            *slash = 0;
        else
            strcpy (self->dir, ".");
    }
    json_object *obj = accord_json_load (file, err, err_size);
    if (!obj)
        return -1;
    int rc = 0;
    const char *missing = NULL;
    if (s_copy_string (self->name, sizeof self->name, obj, "name"))
        missing = "name";
    else if (s_path (self->genesis, sizeof self->genesis, self->dir, obj, "genesis"))
        missing = "genesis";
    else if (s_path (self->data_dir, sizeof self->data_dir, self->dir, obj, "data_dir"))
        missing = "data_dir";
    else if (s_path (self->key_file, sizeof self->key_file, self->dir, obj, "key_file"))
        missing = "key_file";
    else if (s_path (self->curve_cert, sizeof self->curve_cert, self->dir, obj, "curve_cert"))
        missing = "curve_cert";
    else if (s_path (self->curve_dir, sizeof self->curve_dir, self->dir, obj, "curve_dir"))
        missing = "curve_dir";
    else if (s_copy_string (self->peer_bind, sizeof self->peer_bind, obj, "peer_bind"))
        missing = "peer_bind";
    else if (s_copy_string (self->rpc_bind, sizeof self->rpc_bind, obj, "rpc_bind"))
        missing = "rpc_bind";
    else if (s_copy_string (self->pub_bind, sizeof self->pub_bind, obj, "pub_bind"))
        missing = "pub_bind";
    else if (s_copy_string (self->rpc_endpoint, sizeof self->rpc_endpoint, obj, "rpc_endpoint"))
        missing = "rpc_endpoint";
    else if (s_copy_string (self->pub_endpoint, sizeof self->pub_endpoint, obj, "pub_endpoint"))
        missing = "pub_endpoint";
    if (missing) {
        snprintf (err, err_size, "%s: '%s' is missing or too long", file, missing);
        rc = -1;
    }
    if (rc == 0)
        rc = s_service_keys (self, obj, file, err, err_size);
    json_object_put (obj);
    return rc;
}
