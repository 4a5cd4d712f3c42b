/*  bench-identity: what verifying credentials and creating DIDs cost.

    1. identity.verify_ceiling_per_s: accord_bench_verify_rate on one core, the best of four
       0.5 s runs (as bench-chain measures its ceiling), before anything else runs;
    2. identity.vc_verify_per_s: accord_verify_credential of one vc+jwt (issuer did:accord,
       credentialSchema and a revocation credentialStatus entry) on one thread, through an
       in-memory source that holds the issuer's document, the schema and the status list
       decoded (accord_memory_source_t: what a cache in front of the chain would serve);
       identity.vc_verify_vs_ceiling is the ratio to 1;
    3. identity.sdjwt_verify_per_s: the same credential as an SD-JWT with two disclosed
       claims and a key binding JWT (nonce, audience), key binding required: two signatures;
    4. identity.did_create_tps: bench-chain's saturation phase on 4 validators on loopback
       with did.create transactions, each by a key of its own, pre-signed
       (ACCORD_BENCH_WORKLOAD=did ACCORD_BENCH_PHASES=saturation); its chain.tps.
    Prints `name: value` lines on stdout; progress goes to stderr. Built binaries come from
    $ACCORD_BIN (default build/bin). */
#include "accord/crypto.h"
#include "accord/did.h"
#include "accord/json.h"
#include "accord/sdjwt.h"
#include "accord/statuslist.h"
#include "accord/verifier.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CEILING_RUNS      4
#define CEILING_SECONDS   0.5           //  each run
#define VERIFY_SECONDS    2.0           //  each verification rate
#define CHAIN_ID          "accord-bench"
#define NONCE             "bench-nonce"
#define AUDIENCE          "https://verifier.example"

static void
s_log (const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    fprintf (stderr, "bench-identity: ");
    vfprintf (stderr, format, ap);
    fprintf (stderr, "\n");
    va_end (ap);
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

//  Verifications of token per second on this thread, or -1 when one is not valid
static double
s_rate (const accord_verifier_t *verifier, const char *token)
{
    size_t len = strlen (token), count = 0;
    accord_vc_result_t result;
    double start = s_now (), elapsed = 0;
    while (elapsed < VERIFY_SECONDS) {
        for (int i = 0; i < 100; i++, count++)
            if (accord_verify_credential (verifier, token, len, NULL, &result) != ACCORD_VC_VALID) {
                s_log ("credential does not verify: %s: %s", accord_vc_error_name (result.code),
                       result.message);
                return -1;
            }
        elapsed = s_now () - start;
    }
    return (double) count / elapsed;
}

//  The issuer's chain as a cache would hold it: document, schema, status list
static int
s_source_fill (accord_memory_source_t *source, accord_key_t *issuer, const char *did,
               const char *schema_id, const char *list_id)
{
    json_object *resolution = json_object_new_object ();
    json_object_object_add (resolution, "didDocument",
                            accord_did_default_document (did, accord_key_public (issuer)));
    json_object_object_add (resolution, "didDocumentMetadata", json_object_new_object ());
    json_object_object_add (resolution, "didResolutionMetadata", json_object_new_object ());
    char text [1024];
    snprintf (text, sizeof text, "{\"id\":\"%s\",\"publisher\":\"%s\",\"name\":\"person\","
              "\"version\":1,\"schema\":{\"type\":\"object\",\"required\":[\"credentialSubject\"],"
              "\"properties\":{\"credentialSubject\":{\"type\":\"object\","
              "\"required\":[\"id\",\"name\"],\"properties\":{\"id\":{\"type\":\"string\"},"
              "\"name\":{\"type\":\"string\",\"maxLength\":100},\"degree\":{\"type\":\"string\","
              "\"enum\":[\"BSc\",\"MSc\",\"PhD\"]}}}}}}", schema_id, did);
    json_object *schema = accord_json_parse (text, strlen (text), NULL, 0);
    accord_statuslist_t *list = accord_statuslist_new (0);
    char *encoded = list ? accord_statuslist_encode (list) : NULL;
    json_object *status = json_object_new_object ();
    json_object_object_add (status, "id", json_object_new_string (list_id));
    json_object_object_add (status, "issuer", json_object_new_string (did));
    json_object_object_add (status, "purpose", json_object_new_string ("revocation"));
    json_object_object_add (status, "encodedList", json_object_new_string (encoded ? encoded : ""));
    free (encoded);
    accord_statuslist_destroy (&list);
    return accord_memory_source_put (source, "did", "resolve", did, &resolution)
         | accord_memory_source_put (source, "schema", "get", schema_id, &schema)
         | accord_memory_source_put (source, "status", "get", list_id, &status);
}

//  Prints the two verification rates; *vc_rate gets the first. 0 or -1.
static int
s_verify_rates (double *vc_rate)
{
    accord_key_t *issuer = accord_key_new (), *holder = accord_key_new ();
    accord_memory_source_t *source = accord_memory_source_new ();
    char did [ACCORD_DID_MAX], holder_did [ACCORD_DID_MAX], kid [ACCORD_DID_MAX + 16];
    char schema_id [ACCORD_DID_MAX + 64], list_id [ACCORD_DID_MAX + 64], err [256] = "";
    if (!issuer || !holder || !source)
        return -1;
    accord_did_for_key (did, CHAIN_ID, accord_key_public (issuer));
    accord_did_for_key (holder_did, CHAIN_ID, accord_key_public (holder));
    snprintf (kid, sizeof kid, "%s#key-1", did);
    snprintf (schema_id, sizeof schema_id, "%s/schemas/person/1", did);
    snprintf (list_id, sizeof list_id, "%s/status/revocation", did);
    int rc = s_source_fill (source, issuer, did, schema_id, list_id);

    json_object *subject = json_object_new_object ();
    json_object_object_add (subject, "id", json_object_new_string (holder_did));
    json_object_object_add (subject, "name", json_object_new_string ("Alice Example"));
    json_object_object_add (subject, "degree", json_object_new_string ("MSc"));
    json_object *status = accord_vc_status_entry (list_id, 4242, "revocation");
    static const char *types [] = { "UniversityDegreeCredential", NULL };
    int64_t now = (int64_t) time (NULL);
    accord_vc_params_t params = { .types = types, .issuer = did, .valid_from = now - 3600,
                                  .valid_until = now + 365 * 86400, .subject = subject,
                                  .schema_id = schema_id, .status = status };
    json_object *vc = accord_vc_build (&params, err, sizeof err);
    char *jwt = vc ? accord_vc_jwt_sign (issuer, kid, vc, err, sizeof err) : NULL;
    static const char *paths [] = { "/credentialSubject/name", "/credentialSubject/degree" };
    accord_sdjwt_issue_opts_t sd_opts = { .kid = kid, .holder_key = accord_key_public (holder) };
    char *issued = vc ? accord_sdjwt_issue (issuer, vc, paths, 2, &sd_opts, err, sizeof err) : NULL;
    char *sdjwt = issued ? accord_sdjwt_present (issued, strlen (issued), paths, 2, holder, NONCE,
                                                 AUDIENCE, now, err, sizeof err) : NULL;
    if (rc || !jwt || !sdjwt) {
        s_log ("cannot build the credentials: %s", err);
        rc = -1;
    }
    else {
        accord_verifier_t verifier = {
            .query = accord_memory_source_query, .query_ctx = source,
            .status_bit = accord_memory_source_status_bit, .status_ctx = source,
            .opts = { .now = now, .leeway = 60, .nonce = NONCE, .audience = AUDIENCE },
        };
        *vc_rate = s_rate (&verifier, jwt);
        verifier.opts.require_key_binding = 1;
        double sd_rate = *vc_rate > 0 ? s_rate (&verifier, sdjwt) : -1;
        if (*vc_rate > 0 && sd_rate > 0) {
            printf ("identity.vc_verify_per_s: %.0f\n", *vc_rate);
            printf ("identity.sdjwt_verify_per_s: %.0f\n", sd_rate);
            fflush (stdout);
        }
        else
            rc = -1;
    }
    free (sdjwt);
    free (issued);
    free (jwt);
    json_object_put (vc);
    json_object_put (status);
    json_object_put (subject);
    accord_memory_source_destroy (&source);
    accord_key_destroy (&holder);
    accord_key_destroy (&issuer);
    return rc;
}

//  bench-chain's saturation with did.create; its chain.tps, or -1
static double
s_did_create_tps (void)
{
    const char *bin = getenv ("ACCORD_BIN");
    char dir [PATH_MAX], command [PATH_MAX + 128];
    if (!realpath (bin && *bin ? bin : "build/bin", dir)) {
        s_log ("no binaries in %s (build with make)", bin && *bin ? bin : "build/bin");
        return -1;
    }
    snprintf (command, sizeof command,
              "ACCORD_BENCH_WORKLOAD=did ACCORD_BENCH_PHASES=saturation '%s/bench-chain'", dir);
    FILE *pipe = popen (command, "r");
    if (!pipe)
        return -1;
    char line [256];
    double tps = -1;
    while (fgets (line, sizeof line, pipe))
        if (strncmp (line, "chain.tps: ", 11) == 0)
            tps = atof (line + 11);
    if (pclose (pipe) != 0)
        s_log ("bench-chain failed (its progress is above)");
    return tps;
}

int
main (void)
{
    double ceiling = 0;
    for (int run = 0; run < CEILING_RUNS; run++) {
        double rate = accord_bench_verify_rate (CEILING_SECONDS);
        if (rate > ceiling)
            ceiling = rate;
    }
    if (ceiling <= 0) {
        s_log ("verify benchmark failed");
        return 1;
    }
    printf ("identity.verify_ceiling_per_s: %.0f\n", ceiling);
    fflush (stdout);
    double vc_rate = 0;
    if (s_verify_rates (&vc_rate))
        return 1;
    printf ("identity.vc_verify_vs_ceiling: %.2f\n", vc_rate / ceiling);
    fflush (stdout);
    s_log ("did.create on 4 validators (bench-chain, saturation phase)");
    double tps = s_did_create_tps ();
    if (tps <= 0) {
        printf ("identity.did_create_tps: 0\n");
        return 1;
    }
    printf ("identity.did_create_tps: %.0f\n", tps);
    return 0;
}
