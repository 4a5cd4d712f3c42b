/*  accord vp: presentations (vp+jwt) of vc+jwt credentials, signed by their holder for one
    verifier's nonce and audience, and their verification against the chain. */
#include "cli.h"
#include "accord/json.h"
#include "accord/vc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLI_VP_CREDENTIALS_MAX 32

int
cli_vp_create (cli_args_t *args)
{
    const char *holder = cli_option (args, "--holder");
    const char *nonce = cli_option (args, "--nonce"), *audience = cli_option (args, "--aud");
    if (!holder || !nonce || !audience || !cli_positional (args, 0))
        return cli_fail ("needs --holder DID, --nonce N, --aud A and a CREDENTIAL_FILE\n%s",
                         args->help);
    accord_key_t *key = cli_key (args, "--key");
    if (!key)
        return 1;
    char *credentials [CLI_VP_CREDENTIALS_MAX] = { NULL };
    size_t count = 0;
    int rc = 0;
    for (const char *file; !rc && (file = cli_positional (args, (int) count)); count++) {
        if (count == CLI_VP_CREDENTIALS_MAX)
            rc = cli_fail ("at most %d credentials", CLI_VP_CREDENTIALS_MAX);
        else
        if (!(credentials [count] = cli_read_token (file)))
            rc = 1;
    }
    char kid [2 * ACCORD_DID_MAX], err [256];
    if (!rc)
        rc = cli_key_id (args, holder, key, "authentication", kid, sizeof kid);
    if (!rc) {
        accord_vp_params_t params = {
            .holder = holder, .kid = kid, .credentials = (const char *const *) credentials,
            .credential_count = count, .nonce = nonce, .audience = audience,
            .issued_at = (int64_t) time (NULL),
        };
        char *token = accord_vp_jwt_sign (key, &params, err, sizeof err);
        if (token)
            printf ("%s\n", token);
        else
            rc = cli_fail ("%s", err);
        free (token);
    }
    for (size_t i = 0; i < CLI_VP_CREDENTIALS_MAX; i++)
        free (credentials [i]);
    accord_key_destroy (&key);
    return rc;
}

int
cli_vp_verify (cli_args_t *args)
{
    const char *file = cli_positional (args, 0);
    if (!file || !cli_option (args, "--nonce") || !cli_option (args, "--aud")
    ||  !cli_option (args, "--member"))
        return cli_fail ("needs the presentation's FILE, --nonce, --aud and --member\n%s",
                         args->help);
    return cli_verify_file (args, file, 1);
}
