/* dualstack00: listeners as mpirun makes them, on loopback. The parent listens on [::1] with IPV6_V6ONLY set and on
 * 127.0.0.1 with SO_REUSEPORT set, both on one port and without SO_REUSEADDR; a child connects to each and the two
 * exchange ROUNDS numbered messages over both connections (each checked), printing "dual n=N pid=P" every 100 rounds.
 * At the end the parent checks that the options are still set, that both listeners accept a new connection, reaps the
 * child and prints "dual ok rounds=N" (exit 0), or a MISMATCH/FAIL line (exit 3). With "remnant", a first connection
 * to [::1] is closed by the parent first, leaving a TIME_WAIT on the listener's port that refuses it to any new
 * listener for a minute (prints "dual remnant").   Usage: dualstack00 ROUNDS [remnant] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

#define FAIL(...) do { printf("dual FAIL "); printf(__VA_ARGS__); printf(" errno=%d (%s)\n", errno, strerror(errno)); exit(3); } while (0)

static int get_int(int fd, int level, int name)
{
    int v = -1;
    socklen_t n = sizeof v;
    if (getsockopt(fd, level, name, &v, &n) != 0)
        FAIL("getsockopt %d/%d", level, name);
    return v;
}

static void exact(int fd, void *buf, size_t len, int wr)
{
    for (size_t done = 0; done < len;) {
        ssize_t r = wr ? send(fd, (char *)buf + done, len - done, MSG_NOSIGNAL) : recv(fd, (char *)buf + done, len - done, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            FAIL("%s returned %zd after %zu of %zu bytes", wr ? "send" : "recv", r, done, len);
        done += r;
    }
}

static int connect_to(int family, const char *addr, int port)
{
    struct sockaddr_storage ss = { 0 };
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, addr, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, addr, &a->sin_addr);
        len = sizeof *a;
    }
    int s = socket(family, SOCK_STREAM, 0);
    while (s >= 0 && connect(s, (struct sockaddr *)&ss, len) != 0)
        if (errno != EINTR)
            FAIL("connect to %s port %d", addr, port);
    return s;
}

static int accept_one(int l)
{
    for (;;) {
        int a = accept(l, NULL, NULL);
        if (a >= 0)
            return a;
        if (errno != EINTR)
            FAIL("accept");
    }
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 1000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int one = 1;
    int l6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    socklen_t n6 = sizeof a6;
    if (l6 < 0 || setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0 || bind(l6, (struct sockaddr *)&a6, sizeof a6) != 0
            || listen(l6, 8) != 0 || getsockname(l6, (struct sockaddr *)&a6, &n6) != 0)
        FAIL("IPv6 listener");
    int port = ntohs(a6.sin6_port);
    int l4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (l4 < 0 || setsockopt(l4, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 || bind(l4, (struct sockaddr *)&a4, sizeof a4) != 0
            || listen(l4, 8) != 0)
        FAIL("IPv4 listener on port %d", port);
    printf("dual listening port=%d\n", port);
    pid_t child = fork();
    if (child < 0)
        FAIL("fork");
    if (child == 0) {
        close(l4);
        close(l6);
        if (argc > 2) {
            char b;
            int t = connect_to(AF_INET6, "::1", port);
            while (read(t, &b, 1) < 0 && errno == EINTR) {
            }
            close(t); /* after the parent's close: the parent's end stays in TIME_WAIT */
        }
        int c6 = connect_to(AF_INET6, "::1", port), c4 = connect_to(AF_INET, "127.0.0.1", port);
        for (long n = 1; n <= rounds; n++) {
            long got6, got4;
            exact(c6, &n, sizeof n, 1);
            exact(c4, &n, sizeof n, 1);
            exact(c6, &got6, sizeof got6, 0);
            exact(c4, &got4, sizeof got4, 0);
            if (got6 != -n || got4 != 2 * n) {
                printf("dual MISMATCH round %ld: %ld %ld\n", n, got6, got4);
                exit(3);
            }
            if (n % 100 == 0)
                printf("dual n=%ld pid=%d\n", n, getpid());
            nap(1);
        }
        exit(0);
    }
    if (argc > 2) {
        close(accept_one(l6));
        printf("dual remnant\n");
    }
    int s6 = accept_one(l6), s4 = accept_one(l4);
    for (long n = 1; n <= rounds; n++) {
        long v6, v4;
        exact(s6, &v6, sizeof v6, 0);
        exact(s4, &v4, sizeof v4, 0);
        if (v6 != n || v4 != n) {
            printf("dual MISMATCH parent round %ld: %ld %ld\n", n, v6, v4);
            exit(3);
        }
        v6 = -n;
        v4 = 2 * n;
        exact(s6, &v6, sizeof v6, 1);
        exact(s4, &v4, sizeof v4, 1);
    }
    if (get_int(l6, IPPROTO_IPV6, IPV6_V6ONLY) != 1 || get_int(l4, SOL_SOCKET, SO_REUSEPORT) != 1
            || get_int(l6, SOL_SOCKET, SO_REUSEADDR) != 0 || get_int(l4, SOL_SOCKET, SO_REUSEADDR) != 0)
        FAIL("options after %ld rounds: v6only %d reuseport %d reuseaddr %d %d", rounds, get_int(l6, IPPROTO_IPV6, IPV6_V6ONLY),
                get_int(l4, SOL_SOCKET, SO_REUSEPORT), get_int(l6, SOL_SOCKET, SO_REUSEADDR), get_int(l4, SOL_SOCKET, SO_REUSEADDR));
    int n6c = connect_to(AF_INET6, "::1", port), n4c = connect_to(AF_INET, "127.0.0.1", port);
    close(accept_one(l6));
    close(accept_one(l4));
    close(n6c);
    close(n4c);
    int status = 0;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            FAIL("waitpid %d", child);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        FAIL("child status %#x", status);
    printf("dual ok rounds=%ld\n", rounds);
    return 0;
}
