/* quiesce-watchdog: ends the platform (SIGKILL) when it gives no sign of life for too long while a job is frozen, so that the kernel detaches its tracees and the job runs on. */
/*
 * Usage: quiesce-watchdog PLATFORM_PID, started by the platform with its stdin a pipe from the platform:
 *   "arm SECONDS\n"  a job is being frozen; from now on a "beat" must come at least every SECONDS
 *   "beat\n"         the platform is alive
 *   "disarm\n"       no job is frozen any more
 * End of file on stdin (the platform closed the pipe or died): exit 0. The platform is addressed through a pidfd
 * taken at start, so a recycled PID is never signalled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: quiesce-watchdog PLATFORM_PID\n");
        return 2;
    }
    pid_t platform = (pid_t)atol(argv[1]);
    if (platform <= 1 || getppid() != platform) {
        fprintf(stderr, "quiesce-watchdog: PID %s is not my parent; refusing to watch it\n", argv[1]);
        return 2;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, platform, 0);
    if (pidfd < 0) {
        fprintf(stderr, "quiesce-watchdog: pidfd_open(%d): %s\n", (int)platform, strerror(errno));
        return 2;
    }
    /* Signals for the platform's session are not for us; only the pipe's end stops us. */
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    char buf[256];
    size_t len = 0;
    int armed = 0;
    long long deadline_ms = 0, last = 0;
    for (;;) {
        int timeout = -1;
        if (armed) {
            long long left = last + deadline_ms - now_ms();
            timeout = left < 0 ? 0 : (int)(left > 1000000 ? 1000000 : left);
        }
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int r = poll(&p, 1, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "quiesce-watchdog: poll: %s\n", strerror(errno));
            return 1;
        }
        if (r == 0) {
            if (armed && now_ms() - last >= deadline_ms) {
                fprintf(stderr, "quiesce-watchdog: the platform (PID %d) gave no sign of life for %lld s while a job was frozen:"
                        " killing it (SIGKILL) so that the kernel detaches the job's processes and they run on\n",
                        (int)platform, deadline_ms / 1000);
                fflush(stderr);
                if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                    fprintf(stderr, "quiesce-watchdog: pidfd_send_signal(%d, SIGKILL): %s\n", (int)platform, strerror(errno));
                return 0;
            }
            continue;
        }
        ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0; /* the platform closed the pipe (stopped, or died: then nothing is frozen by it any more) */
        len += (size_t)n;
        buf[len] = 0;
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = 0;
            long seconds;
            if (sscanf(line, "arm %ld", &seconds) == 1 && seconds > 0) {
                armed = 1;
                deadline_ms = seconds * 1000LL;
                last = now_ms();
            } else if (strcmp(line, "beat") == 0) {
                last = now_ms();
            } else if (strcmp(line, "disarm") == 0) {
                armed = 0;
            } else {
                fprintf(stderr, "quiesce-watchdog: ignoring unknown command '%s'\n", line);
            }
            line = nl + 1;
        }
        len = strlen(line);
        memmove(buf, line, len);
        if (len == sizeof buf - 1)
            len = 0; /* an overlong line: drop it */
    }
}
