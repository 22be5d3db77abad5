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

#define CHUNK 65536
#define PROGRESS (128ull << 20)

static unsigned char sbyte(uint64_t k, uint64_t salt) { return (unsigned char)((((k >> 3) ^ (salt << 48))) >> (8 * (k & 7))); }

/* fills b with stream bytes [off, off+n) */
static void fill(unsigned char *b, uint64_t off, size_t n, uint64_t salt)
{
    size_t i = 0;
    for (; i < n && ((off + i) & 7); i++)
        b[i] = sbyte(off + i, salt);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t w = ((off + i) >> 3) ^ (salt << 48);
        memcpy(b + i, &w, 8);
    }
#endif
    for (; i < n; i++)
        b[i] = sbyte(off + i, salt);
}

/* index of the first byte of b that differs from stream bytes [off, off+n), or n */
static size_t check(const unsigned char *b, uint64_t off, size_t n, uint64_t salt)
{
    size_t i = 0;
    for (; i < n && ((off + i) & 7); i++)
        if (b[i] != sbyte(off + i, salt))
            return i;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t w = ((off + i) >> 3) ^ (salt << 48), g;
        memcpy(&g, b + i, 8);
        if (g != w)
            break;
    }
#endif
    for (; i < n; i++)
        if (b[i] != sbyte(off + i, salt))
            return i;
    return n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* streams `total` bytes with send_salt out of fd and checks `total` bytes with recv_salt coming in; 0 when all is well */
static int duplex(int fd, const char *who, uint64_t total, uint64_t send_salt, uint64_t recv_salt)
{
    static unsigned char sbuf[CHUNK], rbuf[CHUNK];
    uint64_t soff = 0, roff = 0, next_report = PROGRESS;
    size_t spos = 0, slen = 0;
    long eintr = 0;
    int wr_shut = total == 0, eof = 0;
    if (wr_shut)
        shutdown(fd, SHUT_WR);
    while (!(wr_shut && eof)) {
        struct pollfd p = { fd, (short)((eof ? 0 : POLLIN) | (wr_shut ? 0 : POLLOUT)), 0 };
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR) {
                eintr++;
                continue;
            }
            printf("%s poll failed errno=%d\n", who, errno);
            return 3;
        }
        if (!eof && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = recv(fd, rbuf, CHUNK, 0);
            if (n > 0) {
                if (roff + n > total) {
                    printf("%s MISMATCH: %zd bytes past the end at offset %llu (total %llu)\n", who, n, (unsigned long long)roff,
                           (unsigned long long)total);
                    return 3;
                }
                size_t bad = check(rbuf, roff, n, recv_salt);
                if (bad < (size_t)n) {
                    printf("%s MISMATCH at offset %llu: got 0x%02x want 0x%02x (recv of %zd bytes at %llu)\n", who,
                           (unsigned long long)(roff + bad), rbuf[bad], sbyte(roff + bad, recv_salt), n, (unsigned long long)roff);
                    return 3;
                }
                roff += n;
                if (roff >= next_report) {
                    printf("%s recv=%llu send=%llu eintr=%ld pid=%d\n", who, (unsigned long long)roff, (unsigned long long)soff, eintr,
                           getpid());
                    next_report += PROGRESS;
                }
            } else if (n == 0) {
                if (roff != total) {
                    printf("%s MISMATCH: EOF at offset %llu, expected %llu bytes\n", who, (unsigned long long)roff, (unsigned long long)total);
                    return 3;
                }
                eof = 1;
            } else if (errno == EINTR) {
                eintr++;
            } else if (errno != EAGAIN) {
                printf("%s recv failed errno=%d (%s) at offset %llu\n", who, errno, strerror(errno), (unsigned long long)roff);
                return 3;
            }
        }
        if (!wr_shut && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
            if (spos == slen) {
                uint64_t left = total - soff;
                slen = left < CHUNK ? (size_t)left : CHUNK;
                spos = 0;
                fill(sbuf, soff, slen, send_salt);
            }
            ssize_t n = send(fd, sbuf + spos, slen - spos, MSG_NOSIGNAL);
            if (n > 0) {
                spos += n;
                soff += n;
                if (soff == total) {
                    if (shutdown(fd, SHUT_WR) < 0) {
                        printf("%s shutdown failed errno=%d\n", who, errno);
                        return 3;
                    }
                    wr_shut = 1;
                }
            } else if (n < 0 && errno == EINTR) {
                eintr++;
            } else if (n < 0 && errno != EAGAIN) {
                printf("%s send failed errno=%d (%s) at offset %llu\n", who, errno, strerror(errno), (unsigned long long)soff);
                return 3;
            }
        }
    }
    printf("%s done recv=%llu send=%llu eintr=%ld pid=%d\n", who, (unsigned long long)roff, (unsigned long long)soff, eintr, getpid());
    return 0;
}

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
