/* pipe00: holds both ends of a pipe (not restorable yet) and prints ticks; the dump must refuse it naming the fd, and the process must run on after resume. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p) < 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long n = 1;; n++) {
        printf("n=%ld\n", n);
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
