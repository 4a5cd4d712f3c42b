#include "benchfx.h"
#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t s_interrupted;
static int64_t s_deadline_us;
static const char *s_name = "bench";

static void
s_on_signal (int sig)
{
    (void) sig;
    s_interrupted = 1;
}

void
bench_init (const char *name, double total_seconds)
{
    s_name = name;
    zsys_init ();
    zsys_handler_set (NULL);
    struct sigaction action = { .sa_handler = s_on_signal };
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
    s_deadline_us = bench_now_us () + (int64_t) (total_seconds * 1e6);
}

int64_t
bench_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
bench_interrupted (void)
{
    return s_interrupted;
}

int
bench_stopping (void)
{
    return s_interrupted || bench_now_us () > s_deadline_us;
}

void
bench_log (const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    fprintf (stderr, "%s: ", s_name);
    vfprintf (stderr, format, ap);
    fprintf (stderr, "\n");
    va_end (ap);
}

static int
s_compare_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

void
bench_sort (double *values, size_t count)
{
    qsort (values, count, sizeof *values, s_compare_double);
}

double
bench_percentile (const double *sorted, size_t count, double p)
{
    if (!count)
        return -1;
    size_t index = (size_t) ceil (p * (double) count) - 1;
    return sorted [index < count ? index : count - 1];
}

//  --------------------------------------------------------------------------
//  The network

int
bench_net_prepare (bench_net_t *self)
{
    const char *bin = getenv ("ACCORD_BIN");
    if (!realpath (bin && *bin ? bin : "build/bin", self->bin)) {
        bench_log ("no binaries in %s (build with make)", bin && *bin ? bin : "build/bin");
        return -1;
    }
    const char *tmp = getenv ("TMPDIR");
    snprintf (self->dir, sizeof self->dir, "%s/accord-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp (self->dir)) {
        bench_log ("mkdtemp: %s", strerror (errno));
        self->dir [0] = '\0';
        return -1;
    }
    snprintf (self->net, sizeof self->net, "%s/net", self->dir);
    return 0;
}

int
bench_tool (bench_net_t *self, const char *format, ...)
{
    char args [2048], command [4096];
    va_list ap;
    va_start (ap, format);
    vsnprintf (args, sizeof args, format, ap);
    va_end (ap);
    snprintf (command, sizeof command, "'%s/accord' %s >>'%s/tool.log' 2>&1", self->bin, args, self->dir);
    int status = system (command);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

//  A base port with 10 ports per member free on loopback above it (`accord net init` gives
//  member K P+10(K-1) to +5, its Redis on +5), or 0.
static int
s_free_base_port (int members)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        int base = 20000 + (int) ((getpid () * 7919 + attempt * 397 + time (NULL)) % 35000);
        int ok = 1;
        for (int port = base; ok && port < base + 10 * members; port++) {
            int fd = socket (AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                                        .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
            ok = fd >= 0 && bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
            if (fd >= 0)
                close (fd);
        }
        if (ok)
            return base;
    }
    return 0;
}

int
bench_net_start (bench_net_t *self, int members)
{
    if (members < 1 || members > BENCH_MEMBERS_MAX)
        return -1;
    self->members = members;
    int port = s_free_base_port (members);
    if (!port) {
        bench_log ("no free ports");
        return -1;
    }
    if (bench_tool (self, "net init --members %d --dir '%s' --base-port %d", members, self->net, port)) {
        bench_log ("accord net init failed; see %s/tool.log", self->dir);
        return -1;
    }
    char err [512];
    for (int k = 0; k < members; k++) {
        char member [PATH_MAX + 16];
        snprintf (member, sizeof member, "%s/member%d", self->net, k + 1);
        if (accord_node_config_load (&self->config [k], member, err, sizeof err)) {
            bench_log ("%s", err);
            return -1;
        }
    }
    if (accord_genesis_load (&self->genesis, self->config [0].genesis, err, sizeof err)) {
        bench_log ("%s", err);
        return -1;
    }
    self->started = 1;
    if (bench_tool (self, "net start '%s'", self->net)) {
        bench_log ("accord net start failed; see %s/tool.log", self->dir);
        return -1;
    }
    return 0;
}

void
bench_net_cleanup (bench_net_t *self)
{
    if (self->started && bench_tool (self, "net stop '%s'", self->net))
        bench_log ("accord net stop failed; see %s/tool.log", self->dir);
    self->started = 0;
    const char *keep = getenv ("ACCORD_BENCH_KEEP");
    if (keep && streq (keep, "1"))
        bench_log ("kept %s", self->dir);
    else if (*self->dir) {
        char command [PATH_MAX + 32];
        snprintf (command, sizeof command, "rm -rf '%s'", self->dir);
        if (system (command))
            bench_log ("could not remove %s", self->dir);
    }
    self->dir [0] = '\0';
}
