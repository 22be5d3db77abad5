/* evloop00 MODE N: an event-loop server (one epoll: each client's channel, edge-triggered for client 0 and level-triggered for client 1, an eventfd it signals itself every 10 requests, a 20 ms timerfd) serving 2 forked clients that send N numbered requests each over MODE (pipe, socketpair or tcp loopback) and check every reply (MISMATCH); the server ends with "evloop ok" once both clients are done. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 2
enum { EVENTFD = 100, TIMER = 101 };

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int full(int fd, void *b, size_t n, int writing)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = writing ? write(fd, (char *)b + done, n - done) : read(fd, (char *)b + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += r;
    }
    return 0;
}

static int client(int c, int rd, int wr, long n)
{
    for (uint64_t i = 1; i <= (uint64_t)n; i++) {
        uint64_t reply;
        if (full(wr, &i, 8, 1) < 0 || full(rd, &reply, 8, 0) < 0) {
            printf("client %d EOF at %llu errno=%d pid=%d\n", c, (unsigned long long)i, errno, getpid());
            return 3;
        }
        if (reply != i * 2 + c) {
            printf("client %d MISMATCH request %llu reply %llu\n", c, (unsigned long long)i, (unsigned long long)reply);
            return 4;
        }
        if (i % 20 == 0)
            printf("client %d n=%llu pid=%d\n", c, (unsigned long long)i, getpid());
        nap(5);
    }
    printf("client %d done pid=%d\n", c, getpid());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *mode = argv[1];
    long n = atol(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int srd[CLIENTS], swr[CLIENTS], lst = -1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (strcmp(mode, "tcp") == 0) {
        socklen_t len = sizeof addr;
        int one = 1;
        lst = socket(AF_INET, SOCK_STREAM, 0);
        /* as servers do: the port is bound again at a restart while the killed job's connections are in TIME_WAIT */
        if (lst < 0 || setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(lst, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lst, 4) < 0
            || getsockname(lst, (struct sockaddr *)&addr, &len) < 0)
            return 2;
    }
    pid_t kids[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
        int crd, cwr;
        if (strcmp(mode, "pipe") == 0) {
            int up[2], down[2];
            if (pipe(up) < 0 || pipe(down) < 0)
                return 2;
            srd[c] = up[0], cwr = up[1], crd = down[0], swr[c] = down[1];
        } else if (strcmp(mode, "socketpair") == 0) {
            int sv[2];
            if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 2;
            srd[c] = swr[c] = sv[0], crd = cwr = sv[1];
        } else {
            crd = cwr = -1;
        }
        kids[c] = fork();
        if (kids[c] == 0) {
            if (lst >= 0) {
                close(lst);
                crd = cwr = socket(AF_INET, SOCK_STREAM, 0);
                if (connect(crd, (struct sockaddr *)&addr, sizeof addr) < 0)
                    return 2;
            } else {
                close(srd[c]);
                if (swr[c] != srd[c])
                    close(swr[c]);
            }
            return client(c, crd, cwr, n);
        }
        if (lst >= 0) {
            srd[c] = swr[c] = accept(lst, NULL, NULL);
        } else {
            close(crd);
            if (cwr != crd)
                close(cwr);
        }
        if (srd[c] < 0)
            return 2;
        printf("server client %d=%d\n", c, kids[c]);
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int ev = eventfd(0, EFD_NONBLOCK);
    int tm = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec per = { { 0, 20000000 }, { 0, 20000000 } };
    timerfd_settime(tm, 0, &per, NULL);
    for (int c = 0; c < CLIENTS; c++) {
        fcntl(srd[c], F_SETFL, O_NONBLOCK);
        struct epoll_event e = { EPOLLIN | (c == 0 ? EPOLLET : 0), { .u64 = c } };
        epoll_ctl(ep, EPOLL_CTL_ADD, srd[c], &e);
    }
    struct epoll_event e1 = { EPOLLIN, { .u64 = EVENTFD } }, e2 = { EPOLLIN, { .u64 = TIMER } };
    epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e1);
    epoll_ctl(ep, EPOLL_CTL_ADD, tm, &e2);
    printf("server ready pid=%d\n", getpid());
    uint64_t requests = 0, ticks = 0, wakes = 0, signalled = 0;
    int open_clients = CLIENTS;
    while (open_clients > 0) {
        struct epoll_event got[8];
        int k = epoll_wait(ep, got, 8, 2000);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            printf("server MISMATCH epoll_wait gave %d (errno %d): no tick in 2 s\n", k, errno);
            return 5;
        }
        for (int i = 0; i < k; i++) {
            uint64_t v, d = got[i].data.u64;
            if (d == TIMER) {
                if (read(tm, &v, 8) == 8)
                    ticks += v;
            } else if (d == EVENTFD) {
                if (read(ev, &v, 8) == 8)
                    wakes += v;
            } else if (d < CLIENTS) {
                /* edge-triggered: read until EAGAIN; level-triggered: one request per wakeup */
                for (;;) {
                    ssize_t r = read(srd[d], &v, 8);
                    if (r == 0) {
                        epoll_ctl(ep, EPOLL_CTL_DEL, srd[d], NULL);
                        open_clients--;
                        break;
                    }
                    if (r < 0 && (errno == EAGAIN || errno == EINTR))
                        break;
                    if (r != 8) { /* requests are written whole and never split by the channels used */
                        printf("server MISMATCH short request %zd errno %d\n", r, errno);
                        return 6;
                    }
                    uint64_t reply = v * 2 + d;
                    full(swr[d], &reply, 8, 1);
                    if (++requests % 10 == 0) {
                        uint64_t one = 1;
                        write(ev, &one, 8);
                        signalled++;
                    }
                    if (requests % 50 == 0)
                        printf("server requests=%llu ticks=%llu wakes=%llu pid=%d\n", (unsigned long long)requests,
                               (unsigned long long)ticks, (unsigned long long)wakes, getpid());
                    if (d == 1)
                        break;
                }
            }
        }
    }
    int bad = 0;
    for (int c = 0; c < CLIENTS; c++) {
        int st;
        /* any child: restored without a PID namespace and unprivileged, the clients have new PIDs */
        if (waitpid(-1, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad++;
    }
    uint64_t v;
    if (read(ev, &v, 8) == 8)
        wakes += v;
    if (bad || requests != (uint64_t)n * CLIENTS || wakes != signalled || ticks == 0) {
        printf("server MISMATCH requests=%llu wakes=%llu/%llu ticks=%llu bad=%d\n", (unsigned long long)requests,
               (unsigned long long)wakes, (unsigned long long)signalled, (unsigned long long)ticks, bad);
        return 7;
    }
    printf("evloop ok requests=%llu ticks=%llu wakes=%llu\n", (unsigned long long)requests, (unsigned long long)ticks,
           (unsigned long long)wakes);
    return 0;
}
