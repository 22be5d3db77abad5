/* pty03: full pty queues: the child (slave, raw mode) and the parent (master) each write 8000 sequence bytes without the other reading (the line discipline holds 4095 of them, the kernel's flip buffers the rest), then, once file ARGV1 exists, each reads and checks all of the other's bytes (MISMATCH) and prints "done". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define N 8000

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int side(const char *who, int fd, int mysalt, int peersalt, const char *go)
{
    unsigned char b[N];
    for (int i = 0; i < N; i++)
        b[i] = (unsigned char)((i * 13 + mysalt) % 251);
    size_t off = 0;
    while (off < N) {
        ssize_t w = write(fd, b + off, N - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            printf("%s write failed errno=%d\n", who, errno);
            return 3;
        }
        off += w;
    }
    printf("%s wrote pid=%d\n", who, getpid());
    struct stat sb;
    while (stat(go, &sb) < 0)
        nap(10);
    for (int got = 0; got < N;) {
        ssize_t r = read(fd, b, sizeof b);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            printf("%s EOF errno=%d got=%d\n", who, errno, got);
            return 3;
        }
        for (ssize_t k = 0; k < r; k++, got++) {
            if (b[k] != (unsigned char)((got * 13 + peersalt) % 251)) {
                printf("%s MISMATCH at %d\n", who, got);
                return 3;
            }
        }
    }
    printf("%s done pid=%d\n", who, getpid());
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
        return 2;
    int s = open(ptsname(m), O_RDWR | O_NOCTTY);
    struct termios t;
    tcgetattr(s, &t);
    cfmakeraw(&t);
    tcsetattr(s, TCSANOW, &t);
    pid_t c = fork();
    if (c < 0)
        return 2;
    if (c == 0) {
        close(m);
        return side("C", s, 5, 9, argv[1]);
    }
    close(s);
    printf("parent child=%d\n", c);
    return side("P", m, 9, 5, argv[1]);
}
