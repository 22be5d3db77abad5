/* eventfd00: a semaphore eventfd (non-blocking, count 5, also dup'ed: one description) and a plain close-on-exec eventfd whose count needs more than 32 bits; at each SIGUSR1 it checks counters, modes and flags, then puts the counters back. */
#define _GNU_SOURCE
#define NAME "eventfd"
#include "usr1.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>

static int sem, sem2, big;

static int check(void)
{
    uint64_t v;
    if (!(fcntl(sem, F_GETFL) & O_NONBLOCK) || (fcntl(sem, F_GETFD) & FD_CLOEXEC))
        FAIL("sem flags fl=%o fd=%d", fcntl(sem, F_GETFL), fcntl(sem, F_GETFD));
    if ((fcntl(big, F_GETFL) & O_NONBLOCK) || !(fcntl(big, F_GETFD) & FD_CLOEXEC))
        FAIL("big flags");
    for (int i = 0; i < 5; i++)
        if (read(i % 2 ? sem2 : sem, &v, 8) != 8 || v != 1)
            FAIL("semaphore read %d gave %llu", i, (unsigned long long)v);
    if (read(sem, &v, 8) != -1 || errno != EAGAIN)
        FAIL("semaphore not empty after 5 reads");
    if (read(big, &v, 8) != 8 || v != 0x100000005ULL)
        FAIL("big count %llx", (unsigned long long)v);
    v = 5;
    write(sem, &v, 8);
    v = 0x100000005ULL;
    write(big, &v, 8);
    return 0;
}

int main(void)
{
    sem = eventfd(5, EFD_SEMAPHORE | EFD_NONBLOCK);
    sem2 = dup(sem);
    big = eventfd(0, EFD_CLOEXEC);
    uint64_t v = 0x100000005ULL;
    if (sem < 0 || big < 0 || write(big, &v, 8) != 8)
        return 2;
    check_loop();
}
