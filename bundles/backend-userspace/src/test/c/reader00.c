/* reader00: a parent blocked in read(2) on an empty pipe while its child writes one numbered record every 100 ms; a read interrupted by the freeze must restart (no EINTR, no lost or repeated record) after continue and after restart. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p) < 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(p[0]);
        for (long n = 1;; n++) {
            struct timespec ts = { 0, 100 * 1000000L };
            while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
            }
            if (write(p[1], &n, sizeof n) != sizeof n)
                return 3;
        }
    }
    close(p[1]);
    long expect = 1, eintr = 0;
    for (;;) {
        long n;
        ssize_t got = read(p[0], &n, sizeof n); /* blocks ~100 ms each time: the freeze finds it here */
        if (got < 0 && errno == EINTR) {
            eintr++;
            continue;
        }
        if (got != sizeof n) {
            printf("EOF or short read %zd\n", got);
            return 3;
        }
        if (n != expect)
            printf("MISMATCH got=%ld expected=%ld\n", n, expect);
        expect = n + 1;
        printf("record=%ld pid=%d eintr=%ld\n", n, getpid(), eintr);
    }
}
