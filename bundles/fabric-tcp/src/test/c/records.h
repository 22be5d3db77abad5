/* records.h: deterministic messages for the datagram/seqpacket scenarios (unixdgram00, udp00), every one checked.
 * Message i of a sequence with salt s: length rlen(i, s, max) (0 for i == 3 when zero lengths are allowed), byte j =
 * (i*7 + j*13 + s) & 0xff, except that the first 4 bytes hold i (when the message has them). Included, not linked. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline size_t rlen(int i, int salt, int max, int zero)
{
    if (zero && i == 3)
        return 0;
    return 1 + (size_t)((i * 131 + salt * 17) % max);
}

static inline void rfill(unsigned char *b, size_t n, int i, int salt)
{
    for (size_t j = 0; j < n; j++)
        b[j] = (unsigned char)((i * 7 + j * 13 + salt) & 0xff);
    if (n >= 4)
        memcpy(b, &i, 4);
}

/* @return 0 when the message is message i of salt s, else prints a MISMATCH line naming it and returns 3 */
static inline int rcheck(const char *who, const unsigned char *b, ssize_t n, int i, int salt, int max, int zero)
{
    size_t want = rlen(i, salt, max, zero);
    if (n != (ssize_t)want) {
        int got = -1;
        if (n >= 4)
            memcpy(&got, b, 4);
        printf("%s MISMATCH: message %d has %zd bytes, expected %zu (its first word says %d)\n", who, i, n, want, got);
        return 3;
    }
    static unsigned char exp[70000];
    rfill(exp, want, i, salt);
    if (memcmp(b, exp, want) != 0) {
        printf("%s MISMATCH: message %d content differs\n", who, i);
        return 3;
    }
    return 0;
}

static inline void nap(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static inline void await_file(const char *path)
{
    while (access(path, F_OK) < 0)
        nap(50);
}

/* sends message i of salt s on fd (to `to` when given), retrying EINTR; @return 0 or 3 */
static inline int rsend(const char *who, int fd, const struct sockaddr *to, socklen_t tolen, int i, int salt, int max, int zero)
{
    static unsigned char b[70000];
    size_t n = rlen(i, salt, max, zero);
    rfill(b, n, i, salt);
    ssize_t w;
    while ((w = sendto(fd, b, n, MSG_NOSIGNAL, to, tolen)) < 0 && errno == EINTR) {
    }
    if (w != (ssize_t)n) {
        printf("%s send of message %d failed: %zd errno=%d (%s)\n", who, i, w, errno, strerror(errno));
        return 3;
    }
    return 0;
}

/* reaps the child; @return its exit status, 99 when it did not exit */
static inline int reap(pid_t child)
{
    int st;
    pid_t r;
    while ((r = waitpid(child, &st, 0)) < 0 && errno == EINTR) {
    }
    return r == child && WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}
