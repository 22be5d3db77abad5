/* stream.h: blocking send and check of a deterministic byte stream over one socket, shared by listen00 and unixlisten00
 * (included, not linked). Byte k of a stream with salt s: ((k>>3) ^ s<<48) >> 8*(k&7). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static unsigned char sbyte(uint64_t k, uint64_t salt) { return (unsigned char)((((k >> 3) ^ (salt << 48))) >> (8 * (k & 7))); }

static void nap(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int send_stream(const char *who, int fd, uint64_t total, uint64_t salt)
{
    unsigned char buf[4096];
    for (uint64_t off = 0; off < total;) {
        size_t n = total - off < sizeof buf ? (size_t)(total - off) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = sbyte(off + i, salt);
        size_t done = 0;
        while (done < n) {
            ssize_t w = send(fd, buf + done, n - done, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                printf("%s send failed errno=%d (%s) at offset %llu\n", who, errno, strerror(errno), (unsigned long long)(off + done));
                return 3;
            }
            done += w;
        }
        off += n;
    }
    return 0;
}

/* reads until EOF and checks that exactly `total` stream bytes came */
static int recv_stream(const char *who, int fd, uint64_t total, uint64_t salt)
{
    unsigned char buf[4096];
    uint64_t off = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            printf("%s recv failed errno=%d (%s) at offset %llu\n", who, errno, strerror(errno), (unsigned long long)off);
            return 3;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++, off++) {
            if (off >= total) {
                printf("%s MISMATCH: byte past the end at offset %llu (expected %llu bytes)\n", who, (unsigned long long)off, (unsigned long long)total);
                return 3;
            }
            if (buf[i] != sbyte(off, salt)) {
                printf("%s MISMATCH at offset %llu: got 0x%02x want 0x%02x\n", who, (unsigned long long)off, buf[i], sbyte(off, salt));
                return 3;
            }
        }
    }
    if (off != total) {
        printf("%s MISMATCH: EOF at offset %llu, expected %llu bytes\n", who, (unsigned long long)off, (unsigned long long)total);
        return 3;
    }
    return 0;
}
