/* listen00: a listener with a connection waiting in its accept queue. The parent listens on 127.0.0.1 (port 0) and forks
 * a child that connects, sends BYTES bytes (salt 0xC) and shuts its side down; the parent sees the connection pending
 * (poll on the listener), prints "listen pending", and accepts only after DELAY_MS milliseconds or, when the argument is
 * not a number, once the file TRIGGER exists (checked every 100 ms, no time limit). It then checks every byte and EOF,
 * answers with BYTES bytes (salt 0xD) that the child checks, reaps the child and prints "listen ok bytes=N" (exit 0),
 * or a MISMATCH/EOF/error line (exit 3).   Usage: listen00 [BYTES [DELAY_MS|TRIGGER]]   (defaults 1000, 3000)
 * Byte k of a stream with salt s: ((k>>3) ^ s<<48) >> 8*(k&7). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "stream.h"

int main(int argc, char **argv)
{
    uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000;
    const char *wait = argc > 2 ? argv[2] : "3000";
    int delay = 1;
    for (const char *c = wait; *c; c++)
        if (!isdigit((unsigned char)*c))
            delay = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 4) < 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
        perror("listen");
        return 2;
    }
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
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        int rc = send_stream("child", fd, total, 0xC);
        if (rc)
            return rc;
        shutdown(fd, SHUT_WR);
        printf("child connected and sent=%llu pid=%d\n", (unsigned long long)total, getpid());
        rc = recv_stream("child", fd, total, 0xD);
        close(fd);
        return rc;
    }
    printf("listen port=%d parent=%d child=%d bytes=%llu wait=%s\n", ntohs(a.sin_port), getpid(), child, (unsigned long long)total, wait);
    struct pollfd p = { lfd, POLLIN, 0 };
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    printf("listen pending: a connection is in the accept queue\n");
    if (delay) {
        nap(atol(wait));
    } else {
        while (access(wait, F_OK) < 0)
            nap(100);
    }
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0) {
        printf("parent accept failed errno=%d (%s)\n", errno, strerror(errno));
        kill(child, SIGKILL);
        return 3;
    }
    close(lfd);
    printf("listen accepted\n");
    int rc = recv_stream("parent", fd, total, 0xC);
    if (!rc)
        rc = send_stream("parent", fd, total, 0xD);
    close(fd);
    if (rc)
        kill(child, SIGKILL);
    int st;
    pid_t r;
    while ((r = waitpid(child, &st, 0)) < 0 && errno == EINTR) {
    }
    int cst = r == child && WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    if (rc == 0 && cst == 0) {
        printf("listen ok bytes=%llu\n", (unsigned long long)total);
        return 0;
    }
    printf("listen FAIL parent=%d child status=%d\n", rc, cst);
    return rc ? rc : (cst ? cst : 3);
}
