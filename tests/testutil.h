/*  Helpers the test suites share: temporary folders, test vectors, built binaries. */
#ifndef ACCORD_TESTUTIL_H
#define ACCORD_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

//  A fresh folder under $TMPDIR (or /tmp), path returned in a static buffer per call site's
//  copy: the caller copies it. Aborts the test when it cannot.
char *tu_tmpdir (void);

//  Removes a folder tree (best effort).
void tu_rmtree (const char *path);

//  Path of a built binary: $ACCORD_BIN/name, or build/bin/name. Returns a new string.
char *tu_bin (const char *name);

//  Decodes hex into a new buffer (test data only: aborts the test on bad hex).
uint8_t *tu_unhex (const char *hex, size_t *len);

//  A copy of a compact JWS (caller frees) whose payload has its first `from` replaced by `to`
//  (same length), the signature kept: a tampered token. Aborts the test when from is absent.
char *tu_jwt_tamper (const char *token, const char *from, const char *to);

//  A loopback TCP port with count - 1 free ports above it; aborts the test when none is found.
int tu_free_ports (int count);

//  Milliseconds on a monotonic clock.
int64_t tu_now_ms (void);

#endif
