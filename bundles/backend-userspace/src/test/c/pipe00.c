/* pipe00: a parent writes a byte sequence into a pipe faster than its child reads it, so the pipe is full at the freeze; the child checks every byte (MISMATCH/EOF on loss) and both print their progress. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static unsigned char expected(unsigned long i) { return (unsigned char)(i % 251); }

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
        close(p[1]);
        unsigned long got = 0;
        unsigned char buf[512];
        for (long n = 1;; n++) {
            ssize_t r = read(p[0], buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                printf("child EOF r=%zd errno=%d got=%lu\n", r, errno, got);
                return 3;
            }
            for (ssize_t k = 0; k < r; k++, got++) {
                if (buf[k] != expected(got)) {
                    printf("child MISMATCH at %lu: %u != %u\n", got, buf[k], expected(got));
                    return 3;
                }
            }
            if (n % 10 == 0)
                printf("child n=%ld got=%lu pid=%d\n", n, got, getpid());
            nap(5);
        }
    }
    close(p[0]);
    printf("parent child=%d\n", child);
    unsigned long sent = 0;
    unsigned char buf[4096];
    for (long n = 1;; n++) {
        for (size_t k = 0; k < sizeof buf; k++)
            buf[k] = expected(sent + k);
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t w = write(p[1], buf + off, sizeof buf - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                printf("parent write failed errno=%d\n", errno);
                return 3;
            }
            off += w;
        }
        sent += sizeof buf;
        if (n % 10 == 0)
            printf("parent n=%ld sent=%lu pid=%d\n", n, sent, getpid());
        nap(1);
    }
}
