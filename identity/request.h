/*  identity/request: the body of an accord-identity request, decoded and checked before the
    service acts on it. Every command but STATUS takes exactly one frame holding a JSON object
    (strict, accord/json.h) whose members are the ones the command documents; anything else is
    refused with a code and a message (identity/README.md). */
#ifndef IDENTITY_REQUEST_H
#define IDENTITY_REQUEST_H

#include <czmq.h>
#include <json-c/json.h>
#include <stdint.h>

#define IDENTITY_REQUEST_MAX (1024 * 1024)     //  bytes of a request body (= ACCORD_JSON_MAX_SIZE)

typedef enum {
    IDENTITY_RESOLVE,               //  {did, versionId?, versionTime?}
    IDENTITY_SCHEMA,                //  {id}
    IDENTITY_ISSUER,                //  {did}
    IDENTITY_ISSUERS,               //  {type?}
    IDENTITY_CHECK_STATUS,          //  {id, index} or {credentialStatus}
    IDENTITY_VERIFY,                //  {credential, nonce?, aud?, require_recognized_issuer?,
                                    //   issuer_type?, require_key_binding?}
    IDENTITY_VERIFY_PRESENTATION,   //  {presentation, nonce, aud, require_recognized_issuer?,
                                    //   issuer_type?}
    IDENTITY_STATUS,                //  no body
} identity_command_t;

typedef struct {
    identity_command_t command;
    json_object *body;              //  owned; the strings below borrow from it
    const char *did;                //  RESOLVE, ISSUER
    const char *id;                 //  SCHEMA, CHECK_STATUS
    const char *type;               //  ISSUERS (NULL: every recognized issuer)
    json_object *version_id;        //  RESOLVE: string or integer, as the node takes it
    const char *version_time;       //  RESOLVE
    uint64_t index;                 //  CHECK_STATUS with id
    json_object *credential_status; //  CHECK_STATUS: an entry or an array of entries
    const char *token;              //  VERIFY: credential, VERIFY_PRESENTATION: presentation
    size_t token_len;
    const char *nonce;
    const char *audience;           //  "aud"
    const char *issuer_type;
    int require_recognized_issuer;
    int require_key_binding;
} identity_request_t;

//  Decodes the body frames of command into self (reset it after use). Returns ACCORD_OK, or
//  unknown_command, malformed (not one JSON object frame), too_large (over
//  IDENTITY_REQUEST_MAX) or invalid_argument (a member missing, of the wrong type or unknown),
//  with a message in err.
int identity_request_decode (identity_request_t *self, const char *command, zmsg_t *body,
                             char *err, size_t err_size);

//  Frees what decode kept.
void identity_request_reset (identity_request_t *self);

//  The commands, for messages: "RESOLVE SCHEMA ...".
extern const char *identity_request_commands;

#endif
