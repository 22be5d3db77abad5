/* unixlisten00: Unix stream listeners bound to a path and to an abstract name, each with a connection from the child
 * waiting in its accept queue. The parent listens on DIR/l.sock and on @unixlisten00-<pid>; the child connects to
 * both, sends BYTES on each (salts 0xC, 0xE; they sit in the not yet accepted sockets), shuts down its write sides and
 * prints "unixlisten child sent". The parent prints "unixlisten pending" once poll() shows both connections queued,
 * and accepts only once the file TRIGGER exists (checkpoints go in between). It checks both listeners' names, every
 * byte and the EOFs, answers with BYTES on each (salts 0xD, 0xF) that the child checks, reaps the child and prints
 * "unixlisten ok bytes=N" (exit 0), or a MISMATCH/EOF/error line (exit 3).   Usage: unixlisten00 DIR TRIGGER [BYTES] */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stream.h"

static int listener(const struct sockaddr_un *a, socklen_t len)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (const struct sockaddr *)a, len) < 0 || listen(fd, 4) < 0) {
        printf("unixlisten listen failed errno=%d (%s)\n", errno, strerror(errno));
        exit(2);
    }
    return fd;
}

static int connected(const struct sockaddr_un *a, socklen_t len)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)a, len) < 0) {
        printf("child connect failed errno=%d (%s)\n", errno, strerror(errno));
        exit(3);
    }
    return fd;
}

static int accepted(int l)
{
    int fd;
    while ((fd = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0)
        printf("parent accept failed errno=%d (%s)\n", errno, strerror(errno));
    return fd;
}

static int named(int fd, const struct sockaddr_un *a, socklen_t len)
{
    struct sockaddr_un g;
    socklen_t gl = sizeof g;
    if (getsockname(fd, (struct sockaddr *)&g, &gl) < 0 || gl != len || memcmp(&g, a, len) != 0) {
        printf("parent MISMATCH: a listener lost its name (length %u, expected %u)\n", gl, len);
        return 3;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: unixlisten00 DIR TRIGGER [BYTES]\n");
        return 2;
    }
    uint64_t total = argc > 3 ? strtoull(argv[3], NULL, 0) : 100000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sockaddr_un pa = { .sun_family = AF_UNIX }, aa = { .sun_family = AF_UNIX };
    snprintf(pa.sun_path, sizeof pa.sun_path, "%s/l.sock", argv[1]);
    socklen_t pl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(pa.sun_path) + 1);
    int n = snprintf(aa.sun_path + 1, sizeof aa.sun_path - 1, "unixlisten00-%d", getpid());
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    unlink(pa.sun_path);
    int lp = listener(&pa, pl), la = listener(&aa, alen);
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(lp);
        close(la);
        int cp = connected(&pa, pl), ca = connected(&aa, alen);
        int rc = send_stream("child path", cp, total, 0xC) || send_stream("child abstract", ca, total, 0xE);
        if (rc)
            return 3;
        shutdown(cp, SHUT_WR);
        shutdown(ca, SHUT_WR);
        printf("unixlisten child sent=%llu pid=%d\n", (unsigned long long)total, getpid());
        rc = recv_stream("child path", cp, total, 0xD) || recv_stream("child abstract", ca, total, 0xF);
        return rc ? 3 : 0;
    }
    printf("unixlisten path=%s parent=%d child=%d bytes=%llu\n", pa.sun_path, getpid(), child, (unsigned long long)total);
    struct pollfd p[2] = { { lp, POLLIN, 0 }, { la, POLLIN, 0 } };
    for (;;) {
        p[0].revents = p[1].revents = 0;
        while (poll(p, 2, -1) < 0 && errno == EINTR) {
        }
        if ((p[0].revents & POLLIN) && (p[1].revents & POLLIN))
            break;
        nap(10);
    }
    printf("unixlisten pending: both connections are in the accept queues\n");
    while (access(argv[2], F_OK) < 0)
        nap(50);
    int rc = named(lp, &pa, pl) || named(la, &aa, alen);
    int fp = rc ? -1 : accepted(lp), fa = rc ? -1 : accepted(la);
    if (fp < 0 || fa < 0)
        rc = 3;
    rc = rc || recv_stream("parent path", fp, total, 0xC) || recv_stream("parent abstract", fa, total, 0xE);
    rc = rc || send_stream("parent path", fp, total, 0xD) || send_stream("parent abstract", fa, total, 0xF);
    close(fp);
    close(fa);
    if (rc)
        kill(child, SIGKILL);
    int st;
    pid_t r;
    while ((r = waitpid(child, &st, 0)) < 0 && errno == EINTR) {
    }
    int cst = r == child && WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    unlink(pa.sun_path);
    if (rc == 0 && cst == 0) {
        printf("unixlisten ok bytes=%llu\n", (unsigned long long)total);
        return 0;
    }
    printf("unixlisten FAIL parent=%d child status=%d\n", rc, cst);
    return rc ? 3 : (cst ? cst : 3);
}
