/* memfd00: memfds shared by a parent and its forked child: one mapped MAP_SHARED (each sees the other's counter) and MAP_PRIVATE (a private page of its own), its descriptor at a saved offset; one with seals (write, shrink, grow, seal) mapped read-only; one held only by a mapping (also privately with argv[1] = private-lonely, to be refused); names, mode, seals, offset, contents and the refusal of sealed writes checked every tick. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096
#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static unsigned char pattern(int page, int i) { return (unsigned char)(page * 29 + i * 7 + 3); }

static int check_page(const unsigned char *p, int page)
{
    for (int i = 0; i < PG; i++)
        if (p[i] != pattern(page, i))
            return 0;
    return 1;
}

static void fail(const char *who, const char *what)
{
    printf("%s MISMATCH %s (errno %d)\n", who, what, errno);
    exit(3);
}

static int link_is(int fd, const char *want)
{
    char path[64], got[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, got, sizeof got - 1);
    if (n < 0)
        return 0;
    got[n] = 0;
    return strcmp(got, want) == 0;
}

static int maps_has(const char *name)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, name))
            found = 1;
    if (f)
        fclose(f);
    return found;
}

static void run(const char *who, int fd, volatile long *shared, unsigned char *priv, int sealed, const unsigned char *ro,
                const unsigned char *lonely)
{
    volatile long *mine = who[0] == 'p' ? &shared[0] : &shared[1];
    volatile long *other = who[0] == 'p' ? &shared[1] : &shared[0];
    long local = *mine;
    for (;;) {
        if (*mine != local)
            fail(who, "own counter");
        *mine = ++local;
        long seen;
        if (pread(fd, &seen, sizeof seen, who[0] == 'p' ? 0 : sizeof(long)) != sizeof seen || seen != local)
            fail(who, "descriptor and mapping differ");
        if (lseek(fd, 0, SEEK_CUR) != 1234)
            fail(who, "offset");
        if (fcntl(fd, F_GET_SEALS) != F_SEAL_SEAL) /* made without MFD_ALLOW_SEALING */
            fail(who, "seals of the plain memfd");
        if (!link_is(fd, "/memfd:quiesce-data (deleted)") || !maps_has("/memfd:quiesce-data") || !maps_has("/memfd:quiesce-lonely"))
            fail(who, "names");
        if (!check_page(priv + PG, 1) || !check_page(ro, 2) || !check_page(lonely, 4))
            fail(who, "pattern pages");
        if (priv[0] != (who[0] == 'p' ? 'P' : 'C'))
            fail(who, "private page");
        if (fcntl(sealed, F_GET_SEALS) != SEALS)
            fail(who, "seals");
        struct stat st;
        if (fstat(fd, &st) != 0 || (st.st_mode & 07777) != 0640 || st.st_size != 3 * PG)
            fail(who, "mode or size of the plain memfd");
        if (write(sealed, "x", 1) != -1 || errno != EPERM)
            fail(who, "write into a write-sealed memfd");
        if (ftruncate(sealed, PG) != -1 || errno != EPERM)
            fail(who, "ftruncate of a sealed memfd");
        if (mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, sealed, 0) != MAP_FAILED)
            fail(who, "writable shared map of a write-sealed memfd");
        printf("%s n=%ld other=%ld pid=%d\n", who, local, *other, getpid());
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = memfd_create("quiesce-data", MFD_CLOEXEC);
    int sealed = memfd_create("quiesce-sealed", MFD_ALLOW_SEALING);
    int lone = memfd_create("quiesce-lonely", 0);
    if (fd < 0 || sealed < 0 || lone < 0 || ftruncate(fd, 3 * PG) != 0 || ftruncate(lone, 2 * PG) != 0 || fchmod(fd, 0640) != 0)
        return 2;
    unsigned char buf[PG];
    for (int i = 0; i < PG; i++)
        buf[i] = pattern(1, i);
    if (pwrite(fd, buf, PG, PG) != PG)
        return 2;
    for (int i = 0; i < PG; i++)
        buf[i] = pattern(2, i);
    if (write(sealed, buf, PG) != PG || write(sealed, buf, PG) != PG) /* two pages; the mapping shows the second */
        return 2;
    if (fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW) != 0 || fcntl(sealed, F_ADD_SEALS, F_SEAL_SEAL) != 0)
        return 2;
    volatile long *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *priv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    const unsigned char *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, sealed, PG);
    unsigned char *lonely = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, lone, 0);
    if (shared == MAP_FAILED || priv == MAP_FAILED || ro == MAP_FAILED || lonely == MAP_FAILED)
        return 2;
    for (int i = 0; i < PG; i++)
        lonely[i] = pattern(4, i);
    /* with "private-lonely": also mapped privately, which the engine refuses (its unchanged pages are unreachable) */
    if (argc > 1 && strcmp(argv[1], "private-lonely") == 0 && mmap(NULL, PG, PROT_READ, MAP_PRIVATE, lone, 0) == MAP_FAILED)
        return 2;
    close(lone); /* from now on only the mapping holds it */
    if (lseek(fd, 1234, SEEK_SET) != 1234)
        return 2;
    pid_t c = fork();
    if (c == 0) {
        priv[0] = 'C';
        run("child", fd, shared, priv, sealed, ro, lonely);
    }
    priv[0] = 'P';
    printf("parent child=%d\n", c);
    run("parent", fd, shared, priv, sealed, ro, lonely);
    return 0;
}
