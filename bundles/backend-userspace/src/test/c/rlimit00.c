/* rlimit00: lowers its RLIMIT_NOFILE (soft 100, hard 200) and RLIMIT_CORE (soft 0, hard 1 MiB), then checks them on every tick, so a restore must set them back rather than keep the restorer's. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct rlimit nofile = { 100, 200 }, core = { 0, 1 << 20 };
    if (setrlimit(RLIMIT_NOFILE, &nofile) || setrlimit(RLIMIT_CORE, &core)) {
        perror("setrlimit");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long tick = 1;; tick++) {
        struct rlimit n, c;
        getrlimit(RLIMIT_NOFILE, &n);
        getrlimit(RLIMIT_CORE, &c);
        printf("tick=%ld pid=%d nofile=%llu/%llu core=%llu/%llu\n", tick, getpid(), (unsigned long long)n.rlim_cur,
               (unsigned long long)n.rlim_max, (unsigned long long)c.rlim_cur, (unsigned long long)c.rlim_max);
        if (n.rlim_cur != nofile.rlim_cur || n.rlim_max != nofile.rlim_max || c.rlim_cur != core.rlim_cur || c.rlim_max != core.rlim_max)
            printf("MISMATCH limits\n");
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
