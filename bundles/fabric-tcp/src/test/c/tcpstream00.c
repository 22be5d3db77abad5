/* tcpstream00: a parent listens on 127.0.0.1 (port 0), forks a child that connects; both stream a deterministic byte
 * sequence in both directions at full speed (non-blocking, poll, TCP_NODELAY, so the windows are full at any freeze)
 * and check every received byte; after BYTES per direction both shut down, and the parent prints
 * "tcpstream ok bytes=N" after reaping the child (exit 0), or a MISMATCH/EOF/error line (exit 3).
 * Byte k of a stream with salt s: ((k>>3) ^ s<<48) >> 8*(k&7); salt 0xA parent->child, 0xB child->parent. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "duplex.h"

static void tune(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tcpstream00 BYTES   (bytes per direction)\n");
        return 2;
    }
    uint64_t total = strtoull(argv[1], NULL, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
        perror("listen");
        return 2;
    }
    double t0 = now();
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(lfd);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)) {
            printf("child connect failed errno=%d\n", errno);
            return 3;
        }
        struct pollfd p = { fd, POLLOUT, 0 };
        while (poll(&p, 1, -1) < 0 && errno == EINTR) {
        }
        int err = 0;
        socklen_t elen = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err) {
            printf("child connect failed errno=%d\n", err);
            return 3;
        }
        tune(fd);
        int rc = duplex(fd, "child", total, 0xB, 0xA);
        close(fd);
        return rc;
    }
    printf("tcpstream port=%d parent=%d child=%d bytes=%llu\n", ntohs(a.sin_port), getpid(), child, (unsigned long long)total);
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0) {
        printf("parent accept failed errno=%d\n", errno);
        kill(child, SIGKILL);
        return 3;
    }
    close(lfd);
    tune(fd);
    int rc = duplex(fd, "parent", total, 0xA, 0xB);
    close(fd);
    if (rc)
        kill(child, SIGKILL);
    int st;
    pid_t r;
    while ((r = waitpid(child, &st, 0)) < 0 && errno == EINTR) {
    }
    int cst = r == child && WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    double dt = now() - t0;
    if (rc == 0 && cst == 0) {
        printf("tcpstream %.1f MB/s per direction in %.2f s\n", total / 1e6 / dt, dt);
        printf("tcpstream ok bytes=%llu\n", (unsigned long long)total);
        return 0;
    }
    printf("tcpstream FAIL parent=%d child status=%d (raw %d)\n", rc, cst, r == child ? st : -1);
    return rc ? rc : (cst ? cst : 3);
}
