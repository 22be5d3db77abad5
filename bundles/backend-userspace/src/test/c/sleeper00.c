/* sleeper00: long nanosleeps that must neither return early without EINTR nor lose time; prints every tick with its EINTR count (a resumed nanosleep must restart, not fail). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long period = argc > 1 ? atol(argv[1]) : 300;
    long ticks = 0, eintr = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (;;) {
        struct timespec ts = { period / 1000, (period % 1000) * 1000000L }, rem;
        double t0 = now();
        int rc = nanosleep(&ts, &rem);
        double slept = now() - t0;
        if (rc < 0 && errno == EINTR) {
            eintr++;
        } else if (rc == 0 && slept < period / 1000.0 - 0.002) {
            printf("SHORT SLEEP %.4f s\n", slept);
            return 3;
        }
        ticks++;
        printf("tick=%ld eintr=%ld pid=%d slept=%.3f\n", ticks, eintr, getpid(), slept);
    }
}
