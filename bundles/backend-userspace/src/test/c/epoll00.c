/* epoll00: an epoll watching a pipe (EPOLLET), an eventfd (level-triggered), a fired EPOLLONESHOT eventfd (disarmed) and a second epoll (epoll in epoll, watching the eventfd); each SIGUSR1 checks readiness, a fresh edge, that the oneshot is disarmed and can be re-armed by EPOLL_CTL_MOD at its number, and the inner epoll. With argument "stale", a registered descriptor is closed while its file lives on (dup), which the checkpoint must refuse. */
#define _GNU_SOURCE
#define NAME "epoll"
#include "usr1.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

enum { PIPE = 11, LEVEL = 22, ONESHOT = 33, INNER = 44, INNER_EV = 55 };
static int ep, inner, p[2], lt, os, stale;

/* @return a bit mask of the data values epoll_wait(e) reports at once: bit (data / 11) */
static int ready(int e)
{
    struct epoll_event ev[8];
    int n = epoll_wait(e, ev, 8, 0), bits = 0;
    for (int i = 0; i < n; i++)
        bits |= 1 << (ev[i].data.u64 / 11);
    return bits;
}
#define B(x) (1 << ((x) / 11))

static int check(void)
{
    int first = ready(ep);
    /* a level-triggered ready file is always reported; the ET pipe may be once more after a restart */
    if ((first & (B(LEVEL) | B(INNER))) != (B(LEVEL) | B(INNER)) || (first & B(ONESHOT)))
        FAIL("first wait 0x%x", first);
    write(p[1], "x", 1); /* a new edge */
    int edge = ready(ep), again = ready(ep);
    if (!(edge & B(PIPE)) || (again & B(PIPE)) || !(again & B(LEVEL)))
        FAIL("edge 0x%x again 0x%x", edge, again);
    char c;
    read(p[0], &c, 1);
    struct epoll_event ev = { EPOLLIN | EPOLLONESHOT, { .u64 = ONESHOT } };
    if (stale) /* the registration is under the closed number: only the others are checked */
        return 0;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, os, &ev) < 0)
        FAIL("EPOLL_CTL_MOD of the oneshot fd %d: errno %d", os, errno);
    int armed = ready(ep), fired = ready(ep);
    if (!(armed & B(ONESHOT)) || (fired & B(ONESHOT)))
        FAIL("oneshot armed 0x%x fired 0x%x", armed, fired);
    if (ready(inner) != B(INNER_EV))
        FAIL("inner epoll 0x%x", ready(inner));
    if ((fcntl(ep, F_GETFD) & FD_CLOEXEC) == 0 || (fcntl(inner, F_GETFD) & FD_CLOEXEC))
        FAIL("close-on-exec");
    printf("epoll edge-first=%d pid=%d\n", (first & B(PIPE)) != 0, getpid());
    return 0;
}

int main(int argc, char **argv)
{
    ep = epoll_create1(EPOLL_CLOEXEC);
    inner = epoll_create1(0);
    lt = eventfd(1, 0);
    os = eventfd(1, 0);
    if (ep < 0 || inner < 0 || pipe(p) < 0)
        return 2;
    write(p[1], "abc", 3);
    struct epoll_event e1 = { EPOLLIN | EPOLLET, { .u64 = PIPE } }, e2 = { EPOLLIN, { .u64 = LEVEL } },
                       e3 = { EPOLLIN | EPOLLONESHOT, { .u64 = ONESHOT } }, e4 = { EPOLLIN, { .u64 = INNER } },
                       e5 = { EPOLLIN, { .u64 = INNER_EV } };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e1) || epoll_ctl(ep, EPOLL_CTL_ADD, lt, &e2) || epoll_ctl(ep, EPOLL_CTL_ADD, os, &e3)
        || epoll_ctl(inner, EPOLL_CTL_ADD, lt, &e5) || epoll_ctl(ep, EPOLL_CTL_ADD, inner, &e4))
        return 2;
    ready(ep); /* the ET edge and the oneshot are consumed before the checkpoint */
    if (argc > 1 && strcmp(argv[1], "stale") == 0) {
        int keep = dup(os);
        close(os);
        stale = 1;
        printf("stale fd=%d kept as %d\n", os, keep);
    }
    check_loop();
}
