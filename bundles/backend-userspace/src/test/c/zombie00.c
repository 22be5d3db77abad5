/* zombie00: a parent with two children that have ended but are not reaped (one exited 7, one killed by SIGTERM) and one that runs on; after a while the parent reaps each by its PID and checks its status, printing "zombies ok" or MISMATCH. With "orphan", also a grandchild whose parent has ended (adopted by init, or by PID 1 of a namespace) that prints its PPID. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* waits for `pid` by PID and checks its status */
static int reap(pid_t pid, int exited, int value)
{
    int st = 0;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    int ok = r == pid && (exited ? WIFEXITED(st) && WEXITSTATUS(st) == value : WIFSIGNALED(st) && WTERMSIG(st) == value);
    printf("reaped %d r=%d errno=%d status=0x%x %s\n", pid, r, r < 0 ? errno : 0, st, ok ? "ok" : "MISMATCH");
    return ok;
}

int main(int argc, char **argv)
{
    int late = argc > 1 ? atoi(argv[1]) : 50;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 2 && strcmp(argv[2], "orphan") == 0) {
        pid_t d = fork();
        if (d == 0) {
            if (fork() == 0) {
                for (long n = 1; n <= late; n++) {
                    printf("orphan n=%ld pid=%d ppid=%d\n", n, getpid(), getppid());
                    nap(20);
                }
                _exit(0);
            }
            _exit(0);
        }
        waitpid(d, NULL, 0);
    }
    pid_t a = fork();
    if (a == 0)
        _exit(7);
    pid_t b = fork();
    if (b == 0) {
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
        _exit(99);
    }
    pid_t c = fork();
    if (c == 0) {
        for (long n = 1;; n++) {
            printf("child n=%ld pid=%d\n", n, getpid());
            nap(20);
        }
    }
    /* wait until both have ended; WNOWAIT leaves them zombies */
    siginfo_t si;
    waitid(P_PID, a, &si, WEXITED | WNOWAIT);
    waitid(P_PID, b, &si, WEXITED | WNOWAIT);
    printf("parent child=%d a=%d b=%d\n", c, a, b);
    for (long n = 1; n <= late; n++) {
        printf("parent n=%ld pid=%d\n", n, getpid());
        nap(20);
    }
    int ok = reap(a, 1, 7) & reap(b, 0, SIGTERM);
    kill(c, SIGKILL);
    ok &= reap(c, 0, SIGKILL);
    printf("zombies %s\n", ok ? "ok" : "MISMATCH");
    return ok ? 0 : 3;
}
