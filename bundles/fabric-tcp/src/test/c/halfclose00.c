/* halfclose00: a half-closed TCP connection on 127.0.0.1. The child connects, sends 4096 bytes (salt 0xE) and does
 * shutdown(SHUT_WR); the parent reads them, sees EOF and prints "halfclose eof seen". Then (after the file TRIGGER exists,
 * when given) the parent streams BYTES bytes (salt 0xF) in 64 KiB sends, PACE_US microseconds apart, the other way.
 * Throughout, the parent checks that its socket still reads EOF (recv MSG_DONTWAIT returns 0, not EAGAIN or data) and
 * the child that sending on its shut-down side still fails with EPIPE; the child checks every streamed byte and the
 * final EOF. The parent reaps the child and prints "halfclose ok bytes=N" (exit 0), or a MISMATCH/error line (exit 3).
 * Usage: halfclose00 BYTES [PACE_US [TRIGGER]]   (PACE_US default 0 = full speed)
 * Byte k of a stream with salt s: ((k>>3) ^ s<<48) >> 8*(k&7). */
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

#define HEAD 4096
#define CHUNK 65536

static unsigned char sbyte(uint64_t k, uint64_t salt) { return (unsigned char)((((k >> 3) ^ (salt << 48))) >> (8 * (k & 7))); }

static void nap_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* the parent's side got EOF: it must read as EOF for as long as the connection lives */
static int conn = -1; /* the parent's end */

static int eof_still(const char *when)
{
    static unsigned char b[16];
    for (;;) {
        ssize_t n = recv(conn, b, sizeof b, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        if (n > 0)
            printf("parent MISMATCH: %zd bytes after EOF (%s)\n", n, when);
        else
            printf("parent MISMATCH: EOF lost, recv gives errno=%d (%s) (%s)\n", errno, strerror(errno), when);
        return 3;
    }
}

/* the child's side was shut down for writing: a send must fail with EPIPE */
static int epipe_still(int fd, const char *when)
{
    ssize_t n;
    while ((n = send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 && errno == EINTR) {
    }
    if (n < 0 && errno == EPIPE)
        return 0;
    printf("child MISMATCH: send after SHUT_WR gave %zd errno=%d (%s) (%s)\n", n, n < 0 ? errno : 0, n < 0 ? strerror(errno) : "-", when);
    return 3;
}

static int child_main(struct sockaddr_in *a, uint64_t total)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || (connect(fd, (struct sockaddr *)a, sizeof *a) < 0 && errno != EINPROGRESS)) {
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
    unsigned char *buf = malloc(CHUNK);
    for (int i = 0; i < HEAD; i++)
        buf[i] = sbyte(i, 0xE);
    for (size_t done = 0; done < HEAD;) {
        ssize_t w = send(fd, buf + done, HEAD - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            printf("child send failed errno=%d\n", errno);
            return 3;
        }
        done += w;
    }
    if (shutdown(fd, SHUT_WR) < 0) {
        printf("child shutdown failed errno=%d\n", errno);
        return 3;
    }
    int rc = epipe_still(fd, "right after shutdown");
    if (rc)
        return rc;
    uint64_t off = 0;
    long recvs = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            printf("child recv failed errno=%d (%s) at offset %llu\n", errno, strerror(errno), (unsigned long long)off);
            return 3;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++, off++) {
            if (off >= total) {
                printf("child MISMATCH: byte past the end at offset %llu\n", (unsigned long long)off);
                return 3;
            }
            if (buf[i] != sbyte(off, 0xF)) {
                printf("child MISMATCH at offset %llu: got 0x%02x want 0x%02x\n", (unsigned long long)off, buf[i], sbyte(off, 0xF));
                return 3;
            }
        }
        if (++recvs % 64 == 0 && (rc = epipe_still(fd, "while receiving")))
            return rc;
    }
    if (off != total) {
        printf("child MISMATCH: EOF at offset %llu, expected %llu bytes\n", (unsigned long long)off, (unsigned long long)total);
        return 3;
    }
    if ((rc = epipe_still(fd, "at the end")))
        return rc;
    printf("child done recv=%llu pid=%d\n", (unsigned long long)off, getpid());
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: halfclose00 BYTES [PACE_US [TRIGGER]]\n");
        return 2;
    }
    uint64_t total = strtoull(argv[1], NULL, 0);
    long pace = argc > 2 ? atol(argv[2]) : 0;
    const char *trigger = argc > 3 ? argv[3] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
        perror("listen");
        return 2;
    }
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(lfd);
        return child_main(&a, total);
    }
    printf("halfclose port=%d parent=%d child=%d bytes=%llu pace_us=%ld\n", ntohs(a.sin_port), getpid(), child, (unsigned long long)total, pace);
    while ((conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (conn < 0) {
        printf("parent accept failed errno=%d\n", errno);
        kill(child, SIGKILL);
        return 3;
    }
    close(lfd);
    int one = 1;
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    unsigned char *buf = malloc(CHUNK);
    uint64_t off = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = recv(conn, buf, CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            printf("parent recv failed errno=%d\n", errno);
            rc = 3;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n && !rc; i++, off++)
            if (off >= HEAD || buf[i] != sbyte(off, 0xE)) {
                printf("parent MISMATCH at offset %llu: got 0x%02x want 0x%02x\n", (unsigned long long)off, buf[i], sbyte(off, 0xE));
                rc = 3;
            }
        if (rc)
            break;
    }
    if (!rc && off != HEAD) {
        printf("parent MISMATCH: EOF at offset %llu, expected %d bytes\n", (unsigned long long)off, HEAD);
        rc = 3;
    }
    if (!rc) {
        printf("halfclose eof seen after %llu bytes\n", (unsigned long long)off);
        rc = eof_still("after EOF");
    }
    if (!rc && trigger) {
        while (!rc && access(trigger, F_OK) < 0) {
            nap_us(100000);
            rc = eof_still("waiting for the trigger");
        }
    }
    uint64_t sent = 0;
    long sends = 0;
    while (!rc && sent < total) {
        size_t n = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
        for (size_t i = 0; i < n; i++)
            buf[i] = sbyte(sent + i, 0xF);
        for (size_t done = 0; done < n && !rc;) {
            ssize_t w = send(conn, buf + done, n - done, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                printf("parent send failed errno=%d (%s) at offset %llu\n", errno, strerror(errno), (unsigned long long)(sent + done));
                rc = 3;
            } else
                done += w;
        }
        sent += n;
        if (!rc && ++sends % 16 == 0)
            rc = eof_still("while sending");
        if (pace > 0)
            nap_us(pace);
    }
    if (!rc)
        rc = eof_still("at the end");
    close(conn);
    if (rc)
        kill(child, SIGKILL);
    int st;
    pid_t r;
    while ((r = waitpid(child, &st, 0)) < 0 && errno == EINTR) {
    }
    int cst = r == child && WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    if (rc == 0 && cst == 0) {
        printf("halfclose ok bytes=%llu\n", (unsigned long long)total);
        return 0;
    }
    printf("halfclose FAIL parent=%d child status=%d\n", rc, cst);
    return rc ? rc : (cst ? cst : 3);
}
