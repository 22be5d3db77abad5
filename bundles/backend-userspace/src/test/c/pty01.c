/* pty01: a parent holds a pty master and forks a child whose stdin is the slave (a job whose stdio is someone else's terminal, when only the child is checkpointed); both print progress, and the child reads what the parent types (MISMATCH on a wrong line). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
        return 2;
    char name[64];
    snprintf(name, sizeof name, "%s", ptsname(m));
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(m);
        int s = open(name, O_RDWR | O_NOCTTY);
        if (s < 0 || dup2(s, 0) < 0)
            return 2;
        close(s);
        char line[64];
        for (long n = 1;; n++) {
            ssize_t r = read(0, line, sizeof line - 1);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                printf("child EOF errno=%d\n", errno);
                return 3;
            }
            line[r] = 0;
            if (strcmp(line, "tick\n") != 0) {
                printf("child MISMATCH '%s'\n", line);
                return 3;
            }
            printf("child n=%ld pid=%d\n", n, getpid());
        }
    }
    printf("parent child=%d pts=%s\n", child, name);
    char drain[256];
    for (long n = 1;; n++) {
        if (write(m, "tick\n", 5) != 5)
            return 3;
        struct pollfd p = { m, POLLIN, 0 };
        while (poll(&p, 1, 0) > 0 && read(m, drain, sizeof drain) > 0) {
        } /* the echoes */
        nap(20);
    }
}
