/*  ecmare.h (private to libaccord): the regular expressions of JSON Schema's `pattern`, a subset
    of ECMA-262 read as with the `u` flag (on code points), matched by a Thompson NFA simulation:
    time O(text length x program size), memory O(program size), no backtracking, no recursion
    while matching. glibc's regexec was measured super-linear on short hostile inputs (seconds
    for `([a-z]+)+b` on 100 KB), which a chain node cannot afford.

    Supported: literals, `.`, `^`, `$`, `\b`, `\B`, `|`, groups `( )`, `(?: )`, `(?<name> )`,
    quantifiers `* + ? {n} {n,} {n,m}` (and their lazy forms, which match the same strings),
    classes `[...]` and `[^...]` with ranges, the escapes `\d \D \w \W \s \S \t \n \v \f \r \0
    \cX \xHH \uHHHH \u{H...}` and `\` before a syntax character or `/`.
    Refused with a reason: lookahead and lookbehind, backreferences (`\1`, `\k<name>`), Unicode
    property escapes (`\p{...}`), octal escapes, lone `{ } ]`, other escapes, repetition
    counts above ACCORD_ECMARE_MAX_REPEAT, group nesting above ACCORD_ECMARE_MAX_GROUPS, and
    programs longer than ACCORD_ECMARE_MAX_PROGRAM steps once repetitions are expanded. */
#ifndef ACCORD_ECMARE_H
#define ACCORD_ECMARE_H

#include <stddef.h>

#define ACCORD_ECMARE_MAX_SOURCE  1024  //  bytes of a pattern
#define ACCORD_ECMARE_MAX_PROGRAM 2048  //  instructions after expanding {n,m}
#define ACCORD_ECMARE_MAX_REPEAT  1000  //  largest n or m in {n,m}
#define ACCORD_ECMARE_MAX_GROUPS  32    //  nesting of ( )

typedef struct _accord_ecmare_t accord_ecmare_t;

//  Compiles len bytes of UTF-8 pattern text. Returns a new matcher, or NULL with a one-line
//  reason in err (may be NULL).
accord_ecmare_t *accord_ecmare_new (const char *pattern, size_t len, char *err, size_t err_size);

//  Frees the matcher and sets *self_p to NULL; safe on NULL and twice.
void accord_ecmare_destroy (accord_ecmare_t **self_p);

//  Instructions in the program: matching costs at most this many steps per character.
size_t accord_ecmare_size (const accord_ecmare_t *self);

//  Searches len bytes of UTF-8 text for a match anywhere (patterns are not anchored unless they
//  say ^ or $). A byte that does not start a valid UTF-8 sequence reads as U+FFFD.
//  Returns 1 on a match, 0 for none, -1 on allocation failure.
int accord_ecmare_search (const accord_ecmare_t *self, const char *text, size_t len);

#endif
