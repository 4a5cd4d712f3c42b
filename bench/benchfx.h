/*  bench/benchfx: what the benchmarks share: a clock and a deadline, progress lines on stderr,
    percentiles, and a network started as a user starts one (`accord net init`, `accord net
    start`) in a temporary folder that is always stopped and removed (ACCORD_BENCH_KEEP=1 keeps
    it). Built binaries come from $ACCORD_BIN (default build/bin). */
#ifndef BENCH_BENCHFX_H
#define BENCH_BENCHFX_H

#include "accord/config.h"
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MEMBERS_MAX 8

//  Names the benchmark for progress lines, catches SIGINT/SIGTERM, ignores SIGPIPE and sets the
//  hard stop total_seconds from now.
void bench_init (const char *name, double total_seconds);
int64_t bench_now_us (void);
//  1 once interrupted or past the hard stop.
int bench_stopping (void);
int bench_interrupted (void);
void bench_log (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

//  Sorts values in place; the p-th (0..1) percentile of sorted values, -1 when count is 0.
void bench_sort (double *values, size_t count);
double bench_percentile (const double *sorted, size_t count, double p);

typedef struct {
    char bin [PATH_MAX];                    //  the built binaries
    char dir [PATH_MAX];                    //  our temporary folder
    char net [PATH_MAX];                    //  the network inside it
    int members;
    int started;
    accord_node_config_t config [BENCH_MEMBERS_MAX];
    accord_genesis_t genesis;
} bench_net_t;

//  Finds the binaries and makes the temporary folder. 0 or -1 (after logging why).
int bench_net_prepare (bench_net_t *self);
//  Runs the accord tool with arguments (printf-style), output appended to DIR/tool.log; its
//  exit code.
int bench_tool (bench_net_t *self, const char *format, ...) __attribute__ ((format (printf, 2, 3)));
//  `accord net init` of members on free loopback ports, loads their configs and genesis, and
//  `accord net start`. 0 or -1 (after logging why).
int bench_net_start (bench_net_t *self, int members);
//  `accord net stop` when started; then removes the folder unless ACCORD_BENCH_KEEP=1.
void bench_net_cleanup (bench_net_t *self);

#endif
