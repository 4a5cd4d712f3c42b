/*  accord/config.h: a member's config.json, the keys of its services with their defaults
    (identity and eventbus endpoints from peer_bind's port, Redis, the broker key beside the
    file), given values, and values refused. */
#include "testutil.h"
#include "accord/config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_REQUIRED "\"name\":\"m1\",\"genesis\":\"genesis.json\",\"data_dir\":\"data\",\"key_file\":\"node.key\"," \
                   "\"curve_cert\":\"node.cert\",\"curve_dir\":\"curve\",\"peer_bind\":\"tcp://127.0.0.1:7100\"," \
                   "\"rpc_bind\":\"tcp://127.0.0.1:7101\",\"pub_bind\":\"tcp://127.0.0.1:7102\"," \
                   "\"rpc_endpoint\":\"tcp://127.0.0.1:7101\",\"pub_endpoint\":\"tcp://127.0.0.1:7102\""

//  Loads a config.json holding the required keys and more (JSON members, may be "").
static int
s_load (accord_node_config_t *config, const char *dir, const char *more, char *err, size_t err_size)
{
    char path [512];
    snprintf (path, sizeof path, "%s/config.json", dir);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fprintf (file, "{" S_REQUIRED "%s%s}", *more ? "," : "", more);
    fclose (file);
    return accord_node_config_load (config, dir, err, err_size);
}

START_TEST (service_defaults)
{
    char *dir = tu_tmpdir (), err [512], expected [600];
    accord_node_config_t config;
    ck_assert_int_eq (s_load (&config, dir, "", err, sizeof err), 0);
    ck_assert_str_eq (config.identity_bind, "tcp://127.0.0.1:7103");
    ck_assert_str_eq (config.identity_endpoint, "tcp://127.0.0.1:7103");
    ck_assert_str_eq (config.eventbus_bind, "tcp://127.0.0.1:7104");
    ck_assert_str_eq (config.eventbus_endpoint, "tcp://127.0.0.1:7104");
    ck_assert_str_eq (config.redis_endpoint, ACCORD_REDIS_DEFAULT);
    ck_assert_uint_eq (config.eventbus_session_idle_ms, 60000);
    snprintf (expected, sizeof expected, "%s/broker.key", dir);
    ck_assert_str_eq (config.broker_key, expected);
    tu_rmtree (dir);
    free (dir);
}
END_TEST

START_TEST (service_values)
{
    char *dir = tu_tmpdir (), err [512], expected [600];
    accord_node_config_t config;
    ck_assert_int_eq (s_load (&config, dir, "\"eventbus_bind\":\"tcp://0.0.0.0:9000\","
                              "\"eventbus_endpoint\":\"tcp://bus.example:9000\",\"broker_key\":\"keys/edge.key\","
                              "\"redis_endpoint\":\"tcp://10.0.0.5:6380\"", err, sizeof err), 0);
    ck_assert_str_eq (config.eventbus_bind, "tcp://0.0.0.0:9000");
    ck_assert_str_eq (config.eventbus_endpoint, "tcp://bus.example:9000");
    ck_assert_str_eq (config.redis_endpoint, "tcp://10.0.0.5:6380");
    snprintf (expected, sizeof expected, "%s/keys/edge.key", dir);
    ck_assert_str_eq (config.broker_key, expected);
    //  The endpoint follows a given bind; an absolute key path stays as it is
    ck_assert_int_eq (s_load (&config, dir, "\"eventbus_bind\":\"tcp://127.0.0.1:9100\",\"broker_key\":\"/etc/b.key\"",
                              err, sizeof err), 0);
    ck_assert_str_eq (config.eventbus_endpoint, "tcp://127.0.0.1:9100");
    ck_assert_str_eq (config.broker_key, "/etc/b.key");
    //  Refused: not strings, empty
    ck_assert_int_eq (s_load (&config, dir, "\"eventbus_bind\":5", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "eventbus_bind"), "%s", err);
    ck_assert_int_eq (s_load (&config, dir, "\"eventbus_endpoint\":\"\"", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "eventbus_endpoint"), "%s", err);
    ck_assert_int_eq (s_load (&config, dir, "\"broker_key\":\"\"", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "broker_key"), "%s", err);
    ck_assert_int_eq (s_load (&config, dir, "\"redis_endpoint\":\"redis://x\"", err, sizeof err), -1);
    tu_rmtree (dir);
    free (dir);
}
END_TEST

START_TEST (session_idle)
{
    char *dir = tu_tmpdir (), err [512];
    accord_node_config_t config;
    //  Its bounds are taken; a value outside them, or not a whole number, is refused by name
    ck_assert_int_eq (s_load (&config, dir, "\"eventbus_session_idle_ms\":1000", err, sizeof err), 0);
    ck_assert_uint_eq (config.eventbus_session_idle_ms, ACCORD_EVENTBUS_SESSION_IDLE_MIN_MS);
    ck_assert_int_eq (s_load (&config, dir, "\"eventbus_session_idle_ms\":3600000", err, sizeof err), 0);
    ck_assert_uint_eq (config.eventbus_session_idle_ms, ACCORD_EVENTBUS_SESSION_IDLE_MAX_MS);
    static const char *bad [] = { "999", "3600001", "0", "-5", "1500.5", "\"2000\"", "null" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char more [96];
        snprintf (more, sizeof more, "\"eventbus_session_idle_ms\":%s", bad [i]);
        ck_assert_msg (s_load (&config, dir, more, err, sizeof err) == -1, "%s was taken", bad [i]);
        ck_assert_msg (strstr (err, "eventbus_session_idle_ms") && strstr (err, "1000 to 3600000"), "%s", err);
    }
    tu_rmtree (dir);
    free (dir);
}
END_TEST

Suite *
test_config_suite (void)
{
    Suite *suite = suite_create ("config");
    TCase *tc = tcase_create ("roundtrip");
    tcase_add_test (tc, service_defaults);
    tcase_add_test (tc, service_values);
    tcase_add_test (tc, session_idle);
    suite_add_tcase (suite, tc);
    return suite;
}
