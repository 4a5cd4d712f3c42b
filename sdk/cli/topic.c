/*  accord topic: the event bus's topics on the chain (module topic). */
#include "cli.h"
#include "accord/event.h"
#include "accord/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_TOPIC_PAGE 1000

//  "a,b,c" as a JSON array of strings (empty items dropped; "" gives []).
static json_object *
s_list_arg (const char *text)
{
    json_object *list = json_object_new_array ();
    while (text && *text) {
        size_t len = strcspn (text, ",");
        if (len)
            json_object_array_add (list, json_object_new_string_len (text, (int) len));
        text += len + (text [len] == ',');
    }
    return list;
}

//  A positive integer option into *value; 0 when absent or valid, 1 after printing why.
static int
s_count_option (cli_args_t *args, const char *name, int64_t *value, int *given)
{
    const char *text = cli_option (args, name);
    *given = text != NULL;
    if (!text)
        return 0;
    char *end = NULL;
    long long number = strtoll (text, &end, 10);
    if (!*text || *end || number < 1)
        return cli_fail ("%s needs a positive integer", name);
    *value = number;
    return 0;
}

//  The arguments of topic.create / topic.update from the options; NULL after printing why.
static json_object *
s_topic_call (cli_args_t *args, const char *name)
{
    char err [160];
    if (!name || accord_topic_name_check (name, 0, err, sizeof err)) {
        cli_fail ("needs a topic NAME%s%s\n%s", name ? ": " : "", name ? err : "", args->help);
        return NULL;
    }
    int64_t events = 0, seconds = 0;
    int has_events, has_seconds;
    if (s_count_option (args, "--retention-events", &events, &has_events)
    ||  s_count_option (args, "--retention-seconds", &seconds, &has_seconds))
        return NULL;
    json_object *call = json_object_new_object ();
    json_object_object_add (call, "name", json_object_new_string (name));
    if (cli_option (args, "--did"))
        json_object_object_add (call, "did", json_object_new_string (cli_option (args, "--did")));
    const char *lists [] = { "--publishers", "publishers", "--subscribers", "subscribers" };
    for (int i = 0; i < 4; i += 2)
        if (cli_option (args, lists [i]))
            json_object_object_add (call, lists [i + 1], s_list_arg (cli_option (args, lists [i])));
    if (has_events || has_seconds) {
        json_object *retention = json_object_new_object ();
        if (has_events)
            json_object_object_add (retention, "max_events", json_object_new_int64 (events));
        if (has_seconds)
            json_object_object_add (retention, "max_age_s", json_object_new_int64 (seconds));
        json_object_object_add (call, "retention", retention);
    }
    if (cli_option (args, "--description"))
        json_object_object_add (call, "description", json_object_new_string (cli_option (args, "--description")));
    if (cli_option (args, "--owner"))
        json_object_object_add (call, "owner", json_object_new_string (cli_option (args, "--owner")));
    return call;
}

static int
s_change (cli_args_t *args, const char *method)
{
    const char *name = cli_positional (args, 0);
    json_object *call = s_topic_call (args, name);
    if (!call)
        return 1;
    accord_key_t *key = cli_key (args, "--key");
    int rc = key ? cli_transact_key_report (args, key, "topic", method, call, 1) : 1;
    if (rc == 0)
        printf ("%s\n", name);
    accord_key_destroy (&key);
    json_object_put (call);
    return rc;
}

int
cli_topic_create (cli_args_t *args)
{
    return s_change (args, "create");
}

int
cli_topic_update (cli_args_t *args)
{
    return s_change (args, "update");
}

//  "a, b, c" of a JSON array of strings into out.
static void
s_join (char *out, size_t size, json_object *list)
{
    out [0] = 0;
    for (size_t i = 0; list && i < json_object_array_length (list); i++)
        snprintf (out + strlen (out), size - strlen (out), "%s%s", i ? ", " : "",
                  json_object_get_string (json_object_array_get_idx (list, i)));
    if (!out [0])
        snprintf (out, size, "(nobody)");
}

int
cli_topic_info (cli_args_t *args)
{
    const char *name = cli_positional (args, 0);
    if (!name)
        return cli_fail ("needs a topic NAME\n%s", args->help);
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    json_object *query = json_object_new_object (), *topic = NULL;
    json_object_object_add (query, "name", json_object_new_string (name));
    int rc = cli_query (client, "topic", "get", query, &topic);
    if (rc != ACCORD_OK)
        rc = cli_call_fail (client, name);
    else if (cli_flag (args, "--json"))
        cli_print_json (topic);
    else {
        char list [8192];
        json_object *retention = accord_json_get_object (topic, "retention");
        json_object *events = json_object_object_get (retention, "max_events");
        json_object *age = json_object_object_get (retention, "max_age_s");
        printf ("%s\nowner %s\n", name, accord_json_get_string (topic, "owner"));
        s_join (list, sizeof list, accord_json_get_array (topic, "publishers"));
        printf ("publishers %s\n", list);
        s_join (list, sizeof list, accord_json_get_array (topic, "subscribers"));
        printf ("subscribers %s\n", list);
        printf ("retention %s events, %s seconds\n", events ? json_object_get_string (events) : "all",
                age ? json_object_get_string (age) : "any");
        printf ("description %s\ncreated at height %s, last changed at height %s\n",
                accord_json_get_string (topic, "description"),
                json_object_get_string (json_object_object_get (topic, "created_height")),
                json_object_get_string (json_object_object_get (topic, "height")));
    }
    json_object_put (topic);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}

int
cli_topic_list (cli_args_t *args)
{
    accord_node_config_t config;
    accord_client_t *client = cli_member_client (args, &config);
    if (!client)
        return 1;
    //  Every page, each from the cursor of the last.
    json_object *all = json_object_new_array ();
    char *after = NULL;
    int rc = ACCORD_OK;
    do {
        json_object *query = json_object_new_object (), *page = NULL;
        if (cli_option (args, "--prefix"))
            json_object_object_add (query, "prefix", json_object_new_string (cli_option (args, "--prefix")));
        if (cli_option (args, "--owner"))
            json_object_object_add (query, "owner", json_object_new_string (cli_option (args, "--owner")));
        if (after)
            json_object_object_add (query, "after", json_object_new_string (after));
        json_object_object_add (query, "limit", json_object_new_int (CLI_TOPIC_PAGE));
        rc = cli_query (client, "topic", "list", query, &page);
        free (after);
        after = NULL;
        if (rc != ACCORD_OK) {
            cli_call_fail (client, "topic list");
            break;
        }
        json_object *topics = accord_json_get_array (page, "topics");
        for (size_t i = 0; topics && i < json_object_array_length (topics); i++)
            json_object_array_add (all, json_object_get (json_object_array_get_idx (topics, i)));
        if (accord_json_get_string (page, "next"))
            after = strdup (accord_json_get_string (page, "next"));
        json_object_put (page);
    } while (after);
    if (rc == ACCORD_OK && cli_flag (args, "--json"))
        cli_print_json (all);
    for (size_t i = 0; rc == ACCORD_OK && !cli_flag (args, "--json") && i < json_object_array_length (all); i++) {
        json_object *topic = json_object_array_get_idx (all, i);
        printf ("%s  %s  %s\n", accord_json_get_string (topic, "name"), accord_json_get_string (topic, "owner"),
                accord_json_get_string (topic, "description"));
    }
    json_object_put (all);
    accord_client_destroy (&client);
    return rc ? 1 : 0;
}
