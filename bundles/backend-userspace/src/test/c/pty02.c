/* pty02: job control on a pty: a session leader (C) holds the slave as controlling terminal and runs a child (G) in its own foreground process group, which reads one line in canonical mode with echo; the parent (P, master) types half a line ("abc"), waits for file ARGV1, then types the rest ("def\n"): G must read "abcdef\n" and still be the foreground group of C's session, also through the /dev/tty it opened, and P must get the echo "abcdef\r\n". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
        return 2;
    char name[64];
    snprintf(name, sizeof name, "%s", ptsname(m));
    pid_t c = fork();
    if (c < 0)
        return 2;
    if (c == 0) {
        close(m);
        setsid();
        int s = open(name, O_RDWR); /* a session leader's first terminal open makes it the controlling terminal */
        if (s < 0 || tcgetsid(s) != getpid())
            return 2;
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            while (tcgetpgrp(s) != getpgrp())
                nap(1);
            int t = open("/dev/tty", O_RDWR); /* the controlling terminal by its generic name */
            printf("G ready pid=%d\n", getpid());
            char line[64];
            ssize_t r;
            while ((r = read(s, line, sizeof line - 1)) < 0 && errno == EINTR) {
            }
            line[r > 0 ? r : 0] = 0;
            int fg = tcgetpgrp(s) == getpgrp(), sess = getsid(0) == getppid(), tty = t >= 0 && tcgetpgrp(t) == getpgrp();
            printf("G line=%s fg=%d session=%d tty=%d pid=%d\n", strcmp(line, "abcdef\n") == 0 ? "abcdef" : "MISMATCH", fg, sess, tty,
                    getpid());
            return 0;
        }
        setpgid(g, g);
        tcsetpgrp(s, g);
        printf("C grandchild=%d\n", g);
        int st = -1;
        pid_t w;
        while ((w = waitpid(g, &st, 0)) < 0 && errno == EINTR) {
        }
        if (w < 0)
            printf("C G wait failed errno=%s pid=%d\n", errno == ECHILD ? "ECHILD" : "other", getpid());
        else
            printf("C G ended status=%d pid=%d\n", st, getpid());
        for (;;)
            pause();
    }
    printf("parent child=%d pts=%s\n", c, name);
    struct stat sb;
    char echo[32] = { 0 };
    size_t e = 0;
    nap(200); /* G reads in canonical mode by now, or will: the half line waits in the line discipline either way */
    write(m, "abc", 3);
    while (e < 3) {
        ssize_t r = read(m, echo + e, 3 - e);
        if (r > 0)
            e += r;
    }
    printf("P typed half\n");
    while (stat(argv[1], &sb) < 0)
        nap(10);
    write(m, "def\n", 4);
    while (e < 8) {
        ssize_t r = read(m, echo + e, 8 - e);
        if (r > 0)
            e += r;
    }
    printf("P echo %s pid=%d\n", memcmp(echo, "abcdef\r\n", 8) == 0 ? "ok" : "MISMATCH", getpid());
    for (;;)
        pause();
}
