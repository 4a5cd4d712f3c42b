/*  The modules' stateless checks (accord_module_check_call, what admission runs on every
    transaction's arguments) on any bytes: input "module\nmethod\nargs". The answer is a known
    code, with a message whenever it is not ok; an accepted call parses to an object (except for
    a module that reads its text itself, which gives none). */
#include "module.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char text [4097];
    if (size >= sizeof text)
        return 0;
    memcpy (text, data, size);
    text [size] = 0;
    char *method = strchr (text, '\n');
    char *args = method ? strchr (method + 1, '\n') : NULL;
    if (!args)
        return 0;
    *method++ = 0;
    *args++ = 0;
    char message [ACCORD_MESSAGE_MAX] = "";
    json_object *parsed = NULL;
    int rc = accord_module_check_call (text, method, args, strlen (args), &parsed, message, sizeof message);
    if (rc == ACCORD_OK) {
        int text_module = accord_module_find (text)->check_text != NULL;
        if (text_module ? parsed != NULL : !json_object_is_type (parsed, json_type_object))
            abort ();
    }
    else if (parsed || !message [0] || (rc != ACCORD_E_UNKNOWN_MODULE && rc != ACCORD_E_UNKNOWN_METHOD
                                       && rc != ACCORD_E_INVALID_ARGUMENT))
        abort ();
    json_object_put (parsed);
    return 0;
}
