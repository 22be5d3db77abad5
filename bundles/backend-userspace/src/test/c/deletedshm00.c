/* deletedshm00: shared memory as MPICH makes it: a POSIX shared memory file (shm_open) mapped MAP_SHARED by a parent and its forked child, then unlinked and its descriptors closed, so only the mappings (maps: "/dev/shm/NAME (deleted)") hold it. The child also maps it a second time read-only (before the close) and checks that view against its writable one. Each process bumps its own counter and prints the other's; a pattern page must stay as written. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PG 4096

static unsigned char pattern(int i) { return (unsigned char)(i * 7 + 3); }

static void fail(const char *who, const char *what)
{
    printf("%s MISMATCH %s (errno %d)\n", who, what, errno);
    exit(3);
}

static void run(const char *who, volatile long *m, const volatile long *view)
{
    volatile long *mine = who[0] == 'p' ? &m[0] : &m[1];
    volatile long *other = who[0] == 'p' ? &m[1] : &m[0];
    long local = *mine;
    const unsigned char *page = (const unsigned char *)m + 2 * PG;
    for (;;) {
        if (*mine != local)
            fail(who, "own counter");
        *mine = ++local;
        if (view && view[1] != local)
            fail(who, "the read-only view and the mapping differ");
        for (int i = 0; i < PG; i++)
            if (page[i] != pattern(i))
                fail(who, "pattern page");
        printf("%s n=%ld other=%ld pid=%d\n", who, local, *other, getpid());
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    const char *name = argv[1];
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, 3 * PG) != 0)
        return 2;
    volatile long *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return 2;
    for (int i = 0; i < PG; i++)
        ((unsigned char *)m)[2 * PG + i] = pattern(i);
    pid_t c = fork();
    if (c == 0) {
        const volatile long *view = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
        if (view == MAP_FAILED)
            fail("child", "read-only map");
        close(fd);
        run("child", m, view);
    }
    close(fd);
    if (shm_unlink(name) != 0)
        fail("parent", "shm_unlink");
    printf("parent child=%d\n", c);
    run("parent", m, NULL);
    return 0;
}
