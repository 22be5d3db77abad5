/* duplex.h: the deterministic byte stream both ways over one connected stream socket, shared by tcpstream00 and
 * socketpair00 (the same exchange over TCP and over a Unix socketpair). Byte k of a stream with salt s:
 * ((k>>3) ^ s<<48) >> 8*(k&7). */
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
