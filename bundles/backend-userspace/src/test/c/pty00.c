/* pty00: a parent holds a pty master, its child makes the slave its controlling terminal (setsid + TIOCSCTTY), an echoed line is checked in canonical mode, then the child sets raw mode and both stream byte sequences through the pty with about 2000 bytes left unread in each direction (acks over pipes bound the backlog); each side checks every byte (MISMATCH), the child its termios, window size, session and foreground group (BAD). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BACKLOG 2000

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static unsigned char seq(unsigned long i, int salt) { return (unsigned char)((i * 7 + salt) % 251); }

static int full_write(int fd, const void *b, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, (const char *)b + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += w;
    }
    return 0;
}

/* one side of the stream: write while the peer's unread backlog is small, read at most half as fast */
static int stream(const char *who, int tty, int ackin, int ackout, int mysalt, int peersalt, int child)
{
    unsigned long sent = 0, got = 0, acked = 0;
    unsigned char buf[100];
    fcntl(ackin, F_SETFL, O_NONBLOCK);
    for (long n = 1;; n++) {
        unsigned long a;
        while (read(ackin, &a, sizeof a) == sizeof a)
            acked = a;
        if (sent - acked < BACKLOG) {
            for (int k = 0; k < 100; k++)
                buf[k] = seq(sent + k, mysalt);
            if (full_write(tty, buf, 100) < 0) {
                printf("%s write failed errno=%d\n", who, errno);
                return 3;
            }
            sent += 100;
        }
        struct pollfd p = { tty, POLLIN, 0 };
        if (poll(&p, 1, 0) > 0) {
            ssize_t r = read(tty, buf, 50);
            if (r < 0 && errno == EINTR)
                r = 0;
            if (r < 0) {
                printf("%s EOF errno=%d got=%lu\n", who, errno, got);
                return 3;
            }
            for (ssize_t k = 0; k < r; k++, got++) {
                if (buf[k] != seq(got, peersalt)) {
                    printf("%s MISMATCH at %lu: %u != %u\n", who, got, buf[k], seq(got, peersalt));
                    return 3;
                }
            }
            if (r > 0 && full_write(ackout, &got, sizeof got) < 0)
                return 3;
        }
        if (child) {
            struct termios t;
            struct winsize w;
            pid_t sid = 0;
            if (tcgetattr(tty, &t) < 0 || (t.c_lflag & (ICANON | ECHO)) || (t.c_oflag & OPOST)) {
                printf("%s BAD termios lflag=%o oflag=%o\n", who, t.c_lflag, t.c_oflag);
                return 3;
            }
            if (ioctl(tty, TIOCGWINSZ, &w) < 0 || w.ws_row != 40 || w.ws_col != 132) {
                printf("%s BAD winsize %dx%d\n", who, w.ws_row, w.ws_col);
                return 3;
            }
            if (ioctl(tty, TIOCGSID, &sid) < 0 || sid != getsid(0) || getsid(0) != getpid() || tcgetpgrp(tty) != getpgrp()) {
                printf("%s BAD session sid=%d getsid=%d pgrp=%d fg=%d errno=%d\n", who, sid, getsid(0), getpgrp(), tcgetpgrp(tty), errno);
                return 3;
            }
        }
        if (n % 20 == 0)
            printf("%s n=%ld sent=%lu got=%lu pid=%d\n", who, n, sent, got, getpid());
        nap(5);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
        return 2;
    struct winsize ws = { 40, 132, 0, 0 };
    ioctl(m, TIOCSWINSZ, &ws);
    char name[64];
    snprintf(name, sizeof name, "%s", ptsname(m));
    int pc[2], cp[2], ready[2];
    if (pipe(pc) < 0 || pipe(cp) < 0 || pipe(ready) < 0)
        return 2;
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(m);
        if (setsid() < 0)
            return 2;
        int s = open(name, O_RDWR | O_NOCTTY);
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0 || tcsetpgrp(s, getpgrp()) < 0) {
            printf("child cannot take %s errno=%d\n", name, errno);
            return 2;
        }
        close(ready[0]);
        write(ready[1], "s", 1);
        char line[64];
        ssize_t r = read(s, line, sizeof line - 1); /* canonical: one whole line */
        line[r > 0 ? r : 0] = 0;
        if (strcmp(line, "hello\n") != 0) {
            printf("child BAD line '%s'\n", line);
            return 3;
        }
        struct termios t;
        tcgetattr(s, &t);
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
        write(ready[1], "r", 1);
        close(pc[1]);
        close(cp[0]);
        return stream("C", s, pc[0], cp[1], 3, 1, 1);
    }
    printf("parent child=%d pts=%s\n", child, name);
    char c;
    read(ready[0], &c, 1); /* the child has its terminal */
    full_write(m, "hello\n", 6);
    char echo[16] = { 0 };
    size_t e = 0;
    while (e < 7) {
        ssize_t r = read(m, echo + e, 7 - e);
        if (r <= 0)
            return 3;
        e += r;
    }
    if (memcmp(echo, "hello\r\n", 7) != 0) {
        printf("parent BAD echo '%s'\n", echo);
        return 3;
    }
    read(ready[0], &c, 1); /* raw mode set */
    printf("parent echo ok\n");
    close(pc[0]);
    close(cp[1]);
    return stream("P", m, cp[0], pc[1], 1, 3, 0);
}
