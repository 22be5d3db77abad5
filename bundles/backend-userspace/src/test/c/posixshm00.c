/* posixshm00: POSIX shared memory (shm_open: a file in /dev/shm, mode 0640) mapped MAP_SHARED by a parent and its forked child (each sees the other's counter), its descriptor kept open; the name must open again and hold what the mapping shows every tick, also after the test removed it between kill and restart. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PG 4096

static unsigned char pattern(int i) { return (unsigned char)(i * 11 + 5); }

static void fail(const char *who, const char *what)
{
    printf("%s MISMATCH %s (errno %d)\n", who, what, errno);
    exit(3);
}

static void run(const char *who, const char *name, int fd, volatile long *m)
{
    volatile long *mine = who[0] == 'p' ? &m[0] : &m[1];
    volatile long *other = who[0] == 'p' ? &m[1] : &m[0];
    long local = *mine;
    const unsigned char *page = (const unsigned char *)m + PG;
    for (;;) {
        if (*mine != local)
            fail(who, "own counter");
        *mine = ++local;
        int again = shm_open(name, O_RDWR, 0);
        long seen;
        struct stat st;
        if (again < 0)
            fail(who, "shm_open of the name");
        if (pread(again, &seen, sizeof seen, who[0] == 'p' ? 0 : sizeof(long)) != sizeof seen || seen != local)
            fail(who, "the name and the mapping differ");
        close(again);
        if (fstat(fd, &st) != 0 || st.st_nlink != 1 || (st.st_mode & 0777) != 0640 || st.st_size != 2 * PG)
            fail(who, "the descriptor's file");
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
    umask(0);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0640);
    if (fd < 0 || ftruncate(fd, 2 * PG) != 0)
        return 2;
    volatile long *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return 2;
    for (int i = 0; i < PG; i++)
        ((unsigned char *)m)[PG + i] = pattern(i);
    pid_t c = fork();
    if (c == 0)
        run("child", name, fd, m);
    printf("parent child=%d\n", c);
    run("parent", name, fd, m);
    return 0;
}
