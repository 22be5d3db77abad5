/* mmap00: a private file mapping with copied-on-write and untouched pages, a shared file mapping holding a counter, and a PROT_NONE guard; all checked every tick, so a restore must save exactly the changed private pages and remap the rest. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGES 8
#define PG 4096

static unsigned char expected(int page, int i) { return (unsigned char)(page * 31 + i); }

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *path = argv[1];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    unsigned char buf[PG];
    for (int p = 0; p < PAGES; p++) {
        for (int i = 0; i < PG; i++)
            buf[i] = expected(p, i);
        if (write(fd, buf, PG) != PG)
            return 2;
    }
    unsigned char *priv = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    volatile long *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PG);
    unsigned char *guard = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    close(fd);
    if (priv == MAP_FAILED || shared == MAP_FAILED || guard == MAP_FAILED)
        return 2;
    /* pages 0 and 4 are copied on write; the others are only read (they stay file pages) */
    memset(priv, 0xAB, PG);
    memset(priv + 4 * PG, 0xCD, PG);
    volatile unsigned sum = 0;
    for (int p = 0; p < PAGES; p++)
        sum += priv[p * PG + 1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    long local = 0;
    *shared = 0;
    for (;;) {
        for (int p = 0; p < PAGES; p++) {
            for (int i = 0; i < PG; i++) {
                unsigned char want = p == 0 ? 0xAB : p == 4 ? 0xCD : expected(p, i);
                if (p == 2 && i < (int)sizeof(long))
                    continue; /* the shared counter lives there; a private page still shows the file as it was read */
                if (priv[p * PG + i] != want) {
                    printf("PRIVATE MISMATCH page %d byte %d: %d != %d\n", p, i, priv[p * PG + i], want);
                    return 3;
                }
            }
        }
        if (*shared != local) {
            printf("SHARED MISMATCH %ld != %ld\n", *shared, local);
            return 3;
        }
        local++;
        *shared = local;
        printf("tick=%ld pid=%d\n", local, getpid());
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
