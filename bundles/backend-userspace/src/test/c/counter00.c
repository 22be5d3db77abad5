/* counter00: a counter appended to an O_APPEND file, a memory pattern over N MiB and a growing brk heap, all checked continuously; exits 3 on any mismatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile long counter;

static uint64_t pattern(size_t i) { return (i * 0x9E3779B97F4A7C15ull) ^ 0x5151515151515151ull; }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: counter00 OUTFILE MIB [PERIOD_MS]\n");
        return 2;
    }
    long mib = atol(argv[2]);
    long period = argc > 3 ? atol(argv[3]) : 20;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("open");
        return 2;
    }
    FILE *out = fdopen(fd, "a");
    size_t words = (size_t)mib * 1024 * 1024 / 8;
    uint64_t *mem = malloc(words * 8);
    for (size_t i = 0; i < words; i++)
        mem[i] = pattern(i);
    char *heap0 = sbrk(0);
    long heap_pages = 0;
    long eintr = 0;
    for (;;) {
        for (size_t i = 0; i < words; i++) {
            if (mem[i] != pattern(i)) {
                fprintf(out, "MISMATCH at word %zu counter=%ld\n", i, counter);
                fflush(out);
                return 3;
            }
        }
        /* the heap must grow contiguously from where it was, and keep what was written */
        char *p = sbrk(4096);
        if (p != heap0 + heap_pages * 4096) {
            fprintf(out, "BRK MISMATCH %p != %p counter=%ld\n", (void *)p, (void *)(heap0 + heap_pages * 4096), counter);
            fflush(out);
            return 3;
        }
        memset(p, (int)(heap_pages & 0xff), 4096);
        heap_pages++;
        for (long k = 0; k < heap_pages; k++) {
            if ((unsigned char)heap0[k * 4096 + 17] != (unsigned char)(k & 0xff)) {
                fprintf(out, "HEAP MISMATCH page %ld counter=%ld\n", k, counter);
                fflush(out);
                return 3;
            }
        }
        counter++;
        fprintf(out, "counter=%ld pid=%d eintr=%ld\n", counter, getpid(), eintr);
        fflush(out);
        struct timespec ts = { period / 1000, (period % 1000) * 1000000L };
        if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
            eintr++;
    }
}
