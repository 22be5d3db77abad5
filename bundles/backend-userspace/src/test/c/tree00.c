/* tree00: a 3-level tree (root -> A, B; A -> G) where each parent waitpid()s each child by its PID and checks its exit status; the root prints "tree ok" (exit 0) or "tree FAIL" (exit 3). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long life;

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static void tick(const char *name)
{
    for (long n = 1; n <= life; n++) {
        if (n % 5 == 0)
            printf("%s tick=%ld pid=%d ppid=%d\n", name, n, getpid(), getppid());
        nap(25);
    }
}

/* waits for `pid` by PID; returns 1 when it exited with `want` */
static int reap(const char *name, pid_t pid, int want)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    int ok = r == pid && WIFEXITED(st) && WEXITSTATUS(st) == want;
    printf("%s reaped child=%d r=%d errno=%d status=%d %s\n", name, pid, r, r < 0 ? errno : 0,
           r == pid ? WEXITSTATUS(st) : -1, ok ? "ok" : "MISMATCH");
    return ok;
}

int main(int argc, char **argv)
{
    life = argc > 1 ? atol(argv[1]) : 60;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t a = fork();
    if (a == 0) {
        pid_t g = fork();
        if (g == 0) {
            tick("G");
            return 30;
        }
        printf("A child=%d\n", g);
        tick("A");
        return reap("A", g, 30) ? 20 : 99;
    }
    pid_t b = fork();
    if (b == 0) {
        tick("B");
        return 21;
    }
    printf("root a=%d b=%d\n", a, b);
    int ok = reap("root", a, 20) & reap("root", b, 21);
    printf("tree %s\n", ok ? "ok" : "FAIL");
    return ok ? 0 : 3;
}
