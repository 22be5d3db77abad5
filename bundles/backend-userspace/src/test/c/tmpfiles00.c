/* tmpfiles00: an MPI-like session folder in a temporary folder (argv[1]/session 0700, session/sub 0750): a MAP_SHARED file (0640) where a parent and its forked child count, a FIFO (0620) with bytes in flight, and a log only written; the test deletes the session folder between kill and restart, and every tick checks the folders' and files' kinds and modes and that the file holds what the mapping shows; the FIFO's bytes are checked late. */
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
#define MSG "fifo bytes in flight"

static char dir[256], sub[300], data[400], fifo[400], logpath[400];

static void fail(const char *who, const char *what)
{
    printf("%s MISMATCH %s (errno %d)\n", who, what, errno);
    exit(3);
}

static int is(const char *path, mode_t kind, mode_t mode)
{
    struct stat st;
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind && (st.st_mode & 07777) == mode;
}

static void run(const char *who, int fd, int fifo_r, int logfd, volatile long *m, int late)
{
    volatile long *mine = who[0] == 'p' ? &m[0] : &m[1];
    volatile long *other = who[0] == 'p' ? &m[1] : &m[0];
    long local = *mine;
    for (;;) {
        if (*mine != local)
            fail(who, "own counter");
        *mine = ++local;
        long seen;
        if (pread(fd, &seen, sizeof seen, who[0] == 'p' ? 0 : sizeof(long)) != sizeof seen || seen != local)
            fail(who, "the file and the mapping differ");
        if (!is(dir, S_IFDIR, 0700) || !is(sub, S_IFDIR, 0750) || !is(data, S_IFREG, 0640) || !is(fifo, S_IFIFO, 0620)
            || !is(logpath, S_IFREG, 0600))
            fail(who, "folders or files");
        if (fifo_r >= 0 && local == late) {
            char buf[64] = "";
            ssize_t n = read(fifo_r, buf, sizeof buf - 1);
            printf("%s late %s\n", who, n == (ssize_t)strlen(MSG) && memcmp(buf, MSG, n) == 0 ? "fifo ok" : "MISMATCH fifo");
        }
        if (who[0] == 'p')
            dprintf(logfd, "n=%ld\n", local);
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
    int late = argc > 2 ? atoi(argv[2]) : 60;
    umask(0);
    snprintf(dir, sizeof dir, "%s/session", argv[1]);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(data, sizeof data, "%s/dstore", sub);
    snprintf(fifo, sizeof fifo, "%s/attach_fifo", sub);
    snprintf(logpath, sizeof logpath, "%s/output.log", dir);
    if (mkdir(dir, 0700) != 0 || mkdir(sub, 0750) != 0 || mkfifo(fifo, 0620) != 0)
        return 2;
    int fd = open(data, O_CREAT | O_EXCL | O_RDWR, 0640);
    int logfd = open(logpath, O_CREAT | O_EXCL | O_WRONLY | O_APPEND, 0600);
    int fifo_r = open(fifo, O_RDONLY | O_NONBLOCK);
    int fifo_w = open(fifo, O_WRONLY | O_NONBLOCK);
    if (fd < 0 || logfd < 0 || fifo_r < 0 || fifo_w < 0 || ftruncate(fd, 2 * PG) != 0)
        return 2;
    if (write(fifo_w, MSG, strlen(MSG)) != (ssize_t)strlen(MSG))
        return 2;
    volatile long *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return 2;
    pid_t c = fork();
    if (c == 0)
        run("child", fd, -1, logfd, m, late);
    printf("parent child=%d\n", c);
    run("parent", fd, fifo_r, logfd, m, late);
    return 0;
}
