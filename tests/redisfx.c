#include "redisfx.h"
#include "accord/config.h"
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RF_WAIT_MS 10000

int rf_port;
static char *s_dir;

static pid_t
s_pid (void)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/redis.pid", s_dir);
    char *text = accord_file_read (path, 32, NULL);
    pid_t pid = text ? atoi (text) : 0;
    free (text);
    return pid;
}

redisReply *
rf_vcommand_at (const char *host, int port, const char *format, va_list ap)
{
    struct timeval timeout = { 1, 0 };
    redisContext *context = redisConnectWithTimeout (host, port, timeout);
    redisReply *reply = context && !context->err ? redisvCommand (context, format, ap) : NULL;
    if (context)
        redisFree (context);
    return reply;
}

redisReply *
rf_command (const char *format, ...)
{
    va_list ap;
    va_start (ap, format);
    redisReply *reply = rf_vcommand_at ("127.0.0.1", rf_port, format, ap);
    va_end (ap);
    return reply;
}

static int
s_answers (void)
{
    redisReply *reply = rf_command ("PING");
    int ok = reply && reply->type == REDIS_REPLY_STATUS;
    if (reply)
        freeReplyObject (reply);
    return ok;
}

void
rf_restart (void)
{
    char port [16], path [PATH_MAX];
    snprintf (port, sizeof port, "%d", rf_port);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        setsid ();
        snprintf (path, sizeof path, "%s/redis.log", s_dir);
        if (!freopen (path, "a", stdout) || !freopen (path, "a", stderr))
            _exit (127);
        execlp ("redis-server", "redis-server", "--bind", "127.0.0.1", "--port", port, "--save", "",
                "--appendonly", "no", "--dir", s_dir, (char *) NULL);
        _exit (127);
    }
    snprintf (path, sizeof path, "%s/redis.pid", s_dir);
    FILE *file = fopen (path, "w");
    ck_assert_ptr_nonnull (file);
    fprintf (file, "%d\n", (int) pid);
    fclose (file);
    int64_t deadline = tu_now_ms () + RF_WAIT_MS;
    while (!s_answers () && tu_now_ms () < deadline)
        usleep (20 * 1000);
    ck_assert_msg (s_answers (), "redis-server did not start on port %d (see %s/redis.log)", rf_port, s_dir);
}

void
rf_up (void)
{
    s_dir = tu_tmpdir ();
    rf_port = tu_free_ports (1);
    rf_restart ();
}

static void
s_signal (int signal)
{
    pid_t pid = s_pid ();
    if (pid <= 0)
        return;
    kill (pid, signal);
    int64_t deadline = tu_now_ms () + RF_WAIT_MS;
    //  Our child when this process started it, else reaped by init: wait for the port.
    while (tu_now_ms () < deadline && (kill (pid, 0) == 0 || s_answers ())) {
        if (waitpid (pid, NULL, WNOHANG) == pid)
            break;
        usleep (20 * 1000);
    }
}

void
rf_kill (void)
{
    s_signal (SIGKILL);
    ck_assert_msg (!s_answers (), "redis-server still answers after SIGKILL");
}

void
rf_down (void)
{
    if (!s_dir)
        return;
    s_signal (SIGTERM);
    if (!getenv ("ACCORD_KEEP_TEST_DIRS"))
        tu_rmtree (s_dir);
    free (s_dir);
    s_dir = NULL;
}

const char *
rf_endpoint (void)
{
    static char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", rf_port);
    return endpoint;
}
