/* halfopen00: what an MPI rank holds half-closed: a pipe whose writers all closed with bytes still in it (its reader
 * gets them, then end-of-file), a pipe whose readers all closed (its writer gets EPIPE), a FIFO at argv[1] held only
 * for reading, and two deleted files that had the same name argv[2] with different contents. At each SIGUSR1 it checks
 * all of that without consuming anything (tee(2) copies the pipe's bytes out), then prints its verdict. */
#define _GNU_SOURCE
#define NAME "halfopen"
#include "usr1.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#define LEFT "bytes left by a writer that is gone"

static int rd_only, wr_only, fifo, first, second;
static const char *fifo_path;

static short revents(int fd, short events)
{
    struct pollfd p = { fd, events, 0 };
    return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static int check(void)
{
    int n = -1;
    if (ioctl(rd_only, FIONREAD, &n) != 0 || n != (int)strlen(LEFT))
        FAIL("read-only pipe holds %d bytes", n);
    if (!(revents(rd_only, POLLIN) & POLLHUP))
        FAIL("read-only pipe has a writer");
    int copy[2];
    char buf[64] = { 0 };
    if (pipe(copy) != 0)
        FAIL("pipe: %s", strerror(errno));
    ssize_t t = tee(rd_only, copy[1], sizeof buf, SPLICE_F_NONBLOCK);
    ssize_t r = read(copy[0], buf, sizeof buf - 1);
    close(copy[0]);
    close(copy[1]);
    if (t != (ssize_t)strlen(LEFT) || r != t || strcmp(buf, LEFT) != 0)
        FAIL("read-only pipe holds '%s' (tee %zd)", buf, t);
    if (!(revents(wr_only, POLLOUT) & POLLERR))
        FAIL("write-only pipe has a reader");
    if (write(wr_only, "x", 1) != -1 || errno != EPIPE)
        FAIL("write to a pipe without readers: %s", strerror(errno));
    struct stat fs, ps;
    if (fstat(fifo, &fs) != 0 || !S_ISFIFO(fs.st_mode) || stat(fifo_path, &ps) != 0 || fs.st_ino != ps.st_ino)
        FAIL("FIFO descriptor is not %s", fifo_path);
    if ((fcntl(fifo, F_GETFL) & O_ACCMODE) != O_RDONLY || read(fifo, buf, sizeof buf) != 0)
        FAIL("FIFO without writers is not at end-of-file");
    struct stat a, b;
    if (fstat(first, &a) != 0 || fstat(second, &b) != 0 || a.st_nlink != 0 || b.st_nlink != 0 || a.st_ino == b.st_ino)
        FAIL("deleted files: nlink %ld %ld", (long)a.st_nlink, (long)b.st_nlink);
    char got[16] = { 0 };
    if (pread(first, got, sizeof got - 1, 0) != 5 || strcmp(got, "first") != 0)
        FAIL("first deleted file holds '%s'", got);
    memset(got, 0, sizeof got);
    if (pread(second, got, sizeof got - 1, 0) != 6 || strcmp(got, "second") != 0)
        FAIL("second deleted file holds '%s'", got);
    return 0;
}

static int deleted(const char *path, const char *contents)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, contents, strlen(contents)) != (ssize_t)strlen(contents) || unlink(path) != 0)
        return -1;
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    int p[2], q[2];
    if (pipe(p) != 0 || write(p[1], LEFT, strlen(LEFT)) != (ssize_t)strlen(LEFT) || pipe(q) != 0)
        return 2;
    close(p[1]);
    close(q[0]);
    rd_only = p[0];
    wr_only = q[1];
    fifo_path = argv[1];
    if (mkfifo(fifo_path, 0600) != 0 || (fifo = open(fifo_path, O_RDONLY | O_NONBLOCK)) < 0)
        return 2;
    first = deleted(argv[2], "first");
    second = deleted(argv[2], "second");
    if (first < 0 || second < 0)
        return 2;
    check_loop();
}
