/* external00: a client of an echo server outside the job. It connects to HOST PORT (IPv4 or IPv6) and sends requests of
 * CHUNK bytes of a deterministic stream (salt 0x5), PACE_US microseconds apart; each request's echo must come back
 * byte for byte before the next one is sent. On a connection error (EPIPE, ECONNRESET, EOF, ...) mode "reconnect"
 * prints what happened, connects again (retrying once a second for up to 120 s) and resends the unanswered request;
 * mode "fail" prints "external00 connection lost: ..." and exits 4. At the end it shuts its side down, expects the
 * server's EOF and prints "external ok bytes=N requests=R reconnects=C" (exit 0); a wrong byte is a MISMATCH (exit 3).
 * Usage: external00 HOST PORT BYTES [reconnect|fail [CHUNK [PACE_US]]]   (defaults: fail 16384 1000)
 * Byte k of a stream with salt s: ((k>>3) ^ s<<48) >> 8*(k&7). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SALT 0x5

static unsigned char sbyte(uint64_t k, uint64_t salt) { return (unsigned char)((((k >> 3) ^ (salt << 48))) >> (8 * (k & 7))); }

static void nap_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* one connection attempt to any address of host:port; the socket, or -1 with errno set */
static int dial(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai) {
        printf("external00 cannot resolve %s %s: %s\n", host, port, gai_strerror(gai));
        exit(2);
    }
    int fd = -1, err = ECONNREFUSED;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
            err = errno;
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd p = { fd, POLLOUT, 0 };
        while (poll(&p, 1, -1) < 0 && errno == EINTR) {
        }
        socklen_t elen = sizeof err;
        err = 0;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err) {
            close(fd);
            fd = -1;
            continue;
        }
        break;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        errno = err;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct sockaddr_storage me;
    socklen_t mlen = sizeof me;
    char mh[NI_MAXHOST] = "?", ms[NI_MAXSERV] = "?";
    if (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
        getnameinfo((struct sockaddr *)&me, mlen, mh, sizeof mh, ms, sizeof ms, NI_NUMERICHOST | NI_NUMERICSERV);
    printf("external00 connected to %s %s from %s port %s\n", host, port, mh, ms);
    return fd;
}

/* the socket after (re)connecting, retrying for up to 120 s; -1 when that fails */
static int dial_retry(const char *host, const char *port, int retry)
{
    for (int attempt = 1;; attempt++) {
        int fd = dial(host, port);
        if (fd >= 0)
            return fd;
        printf("external00 connect to %s %s failed: %s (attempt %d)\n", host, port, strerror(errno), attempt);
        if (!retry || attempt >= 120)
            return -1;
        nap_us(1000000);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: external00 HOST PORT BYTES [reconnect|fail [CHUNK [PACE_US]]]\n");
        return 2;
    }
    const char *host = argv[1], *port = argv[2];
    uint64_t total = strtoull(argv[3], NULL, 0);
    int reconnect = argc > 4 && strcmp(argv[4], "reconnect") == 0;
    if (argc > 4 && !reconnect && strcmp(argv[4], "fail") != 0) {
        fprintf(stderr, "external00: mode must be reconnect or fail\n");
        return 2;
    }
    size_t chunk = argc > 5 ? strtoul(argv[5], NULL, 0) : 16384;
    long pace = argc > 6 ? atol(argv[6]) : 1000;
    if (chunk == 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("external00 pid=%d bytes=%llu mode=%s chunk=%zu pace_us=%ld\n", getpid(), (unsigned long long)total, reconnect ? "reconnect" : "fail",
           chunk, pace);
    unsigned char *req = malloc(chunk), *rsp = malloc(chunk);
    int fd = dial_retry(host, port, reconnect);
    if (fd < 0) {
        printf("external00 connection failed\n");
        return 4;
    }
    uint64_t off = 0; /* every byte before off has come back */
    long requests = 0, reconnects = 0;
    const char *what = NULL;
    int err = 0;
    for (int done = 0; !done;) {
        what = NULL;
        if (off < total) {
            size_t n = total - off < chunk ? (size_t)(total - off) : chunk;
            for (size_t i = 0; i < n; i++)
                req[i] = sbyte(off + i, SALT);
            for (size_t w = 0; w < n && !what;) {
                ssize_t r = send(fd, req + w, n - w, MSG_NOSIGNAL);
                if (r > 0)
                    w += r;
                else if (r < 0 && errno == EINTR)
                    continue;
                else
                    what = "send", err = errno;
            }
            size_t got = 0;
            while (!what && got < n) {
                ssize_t r = recv(fd, rsp + got, n - got, 0);
                if (r > 0) {
                    for (ssize_t i = 0; i < r; i++)
                        if (rsp[got + i] != req[got + i]) {
                            printf("external00 MISMATCH at offset %llu: got 0x%02x want 0x%02x (request %ld)\n",
                                   (unsigned long long)(off + got + i), rsp[got + i], req[got + i], requests);
                            return 3;
                        }
                    got += r;
                } else if (r < 0 && errno == EINTR)
                    continue;
                else
                    what = r == 0 ? "EOF" : "recv", err = r == 0 ? 0 : errno;
            }
            if (!what) {
                off += n;
                requests++;
                if (requests % 1000 == 0 || pace >= 10000) /* slow runs: every request, so progress shows at once */
                    printf("external00 requests=%ld offset=%llu\n", requests, (unsigned long long)off);
                if (pace > 0 && off < total)
                    nap_us(pace);
            }
        } else {
            /* all answered: close our side, the server must close its side with nothing more */
            shutdown(fd, SHUT_WR);
            ssize_t r;
            while ((r = recv(fd, rsp, chunk, 0)) < 0 && errno == EINTR) {
            }
            if (r > 0) {
                printf("external00 MISMATCH: %zd bytes after the last echo\n", r);
                return 3;
            }
            if (r < 0)
                what = "recv at the end", err = errno;
            done = r == 0;
        }
        if (what) {
            printf("external00 connection lost: %s %s at offset %llu after %ld requests\n", what, err ? strerror(err) : "(peer closed)",
                   (unsigned long long)off, requests);
            close(fd);
            if (!reconnect)
                return 4;
            if ((fd = dial_retry(host, port, 1)) < 0) {
                printf("external00 reconnect failed after 120 attempts\n");
                return 4;
            }
            reconnects++;
            printf("external00 reconnected (#%ld), resuming at offset %llu\n", reconnects, (unsigned long long)off);
        }
    }
    close(fd);
    printf("external ok bytes=%llu requests=%ld reconnects=%ld\n", (unsigned long long)total, requests, reconnects);
    return 0;
}
