/* unixdgram00: Unix datagram and seqpacket messages queued between a parent and its child are kept, every one checked.
 * The parent makes a socketpair(SOCK_DGRAM) and a socketpair(SOCK_SEQPACKET), a datagram socket bound to DIR/p.sock
 * with SO_PASSCRED, and one bound to an abstract name; the child sends K messages on each pair (one of the datagrams
 * has length 0), and 8 datagrams to each named socket: to the path alternately from an unnamed socket and from one
 * bound to an abstract name (an unnamed sender shows an address of length 0), to the abstract one from the named socket. It prints "unixdgram child sent" and waits.
 * The parent reads nothing until the file TRIGGER exists (checkpoints go in between), then checks every message:
 * count, order, length, bytes, the sender's address (empty for the unnamed one), the credentials' uid/gid on the
 * path socket, that nothing more is queued, that its sockets kept their names and options; then it sends K messages
 * back on each pair, which the child checks. Verdict "unixdgram ok messages=N" (exit 0), else MISMATCH/FAIL (exit 3).
 * Usage: unixdgram00 DIR TRIGGER [K]   (default K 50) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/un.h>

#include "records.h"

#define MAXLEN 3000

static int take_flags = MSG_DONTWAIT; /* the child waits for the replies */

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a->sun_path + 1, name, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int bound(int type, const struct sockaddr_un *a, socklen_t len)
{
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (const struct sockaddr *)a, len) < 0) {
        printf("unixdgram bind failed errno=%d (%s)\n", errno, strerror(errno));
        exit(2);
    }
    return fd;
}

/* receives message i; checks it and, when `from` is given, that the sender's address is exactly it (NULL name: unnamed) */
static int take(const char *who, int fd, int i, int salt, int zero, const struct sockaddr_un *from, socklen_t fromlen, int creds)
{
    static unsigned char b[70000];
    struct sockaddr_un src;
    char ctl[256];
    struct iovec iov = { b, sizeof b };
    struct msghdr m = { &src, sizeof src, &iov, 1, ctl, sizeof ctl, 0 };
    ssize_t n;
    while ((n = recvmsg(fd, &m, take_flags)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
        printf("%s MISMATCH: message %d missing (errno=%d %s)\n", who, i, errno, strerror(errno));
        return 3;
    }
    if (rcheck(who, b, n, i, salt, MAXLEN, zero))
        return 3;
    if (from && (m.msg_namelen != fromlen || memcmp(&src, from, fromlen) != 0)) {
        printf("%s MISMATCH: message %d came from an address of %u bytes (%s%s), expected %u bytes\n", who, i, m.msg_namelen,
               m.msg_namelen > 2 && src.sun_path[0] == 0 ? "@" : "", m.msg_namelen > 2 ? src.sun_path + (src.sun_path[0] == 0) : "", fromlen);
        return 3;
    }
    if (creds) {
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        if (!c || c->cmsg_type != SCM_CREDENTIALS) {
            printf("%s MISMATCH: message %d has no credentials\n", who, i);
            return 3;
        }
        struct ucred u;
        memcpy(&u, CMSG_DATA(c), sizeof u);
        if (u.uid != getuid() || u.gid != getgid()) {
            printf("%s MISMATCH: message %d credentials uid=%d gid=%d, expected %d/%d\n", who, i, u.uid, u.gid, getuid(), getgid());
            return 3;
        }
        if (i == 0)
            printf("%s credentials pid=%d uid=%d gid=%d\n", who, u.pid, u.uid, u.gid);
    }
    return 0;
}

static int empty(const char *who, int fd)
{
    char b[1];
    ssize_t n = recv(fd, b, 1, MSG_DONTWAIT);
    if (n >= 0 || errno != EAGAIN) {
        printf("%s MISMATCH: more queued than was sent (recv=%zd errno=%d)\n", who, n, errno);
        return 3;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: unixdgram00 DIR TRIGGER [K]\n");
        return 2;
    }
    int k = argc > 3 ? atoi(argv[3]) : 50;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int dg[2], sq[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sq) < 0) {
        perror("socketpair");
        return 2;
    }
    struct sockaddr_un pa = { .sun_family = AF_UNIX }, aa, ca;
    snprintf(pa.sun_path, sizeof pa.sun_path, "%s/p.sock", argv[1]);
    socklen_t palen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(pa.sun_path) + 1);
    char name[64];
    snprintf(name, sizeof name, "unixdgram00-a-%d", getpid());
    socklen_t aalen = abstract(&aa, name);
    snprintf(name, sizeof name, "unixdgram00-c-%d", getpid());
    socklen_t calen = abstract(&ca, name);
    unlink(pa.sun_path);
    int p = bound(SOCK_DGRAM, &pa, palen);
    int one = 1;
    setsockopt(p, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    int a = bound(SOCK_DGRAM, &aa, aalen);
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(dg[0]);
        close(sq[0]);
        close(p);
        close(a);
        int c1 = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int c2 = bound(SOCK_DGRAM, &ca, calen);
        int rc = 0;
        for (int i = 0; i < k && !rc; i++)
            rc = rsend("child dgram", dg[1], NULL, 0, i, 1, MAXLEN, 1) || rsend("child seqpacket", sq[1], NULL, 0, i, 2, MAXLEN, 0);
        for (int i = 0; i < 8 && !rc; i++)
            rc = rsend("child path", i % 2 ? c2 : c1, (struct sockaddr *)&pa, palen, i, 3, MAXLEN, 0)
                 || rsend("child abstract", c2, (struct sockaddr *)&aa, aalen, i, 4, MAXLEN, 0);
        if (rc)
            return 3;
        printf("unixdgram child sent pid=%d messages=%d\n", getpid(), 2 * k + 16);
        take_flags = 0;
        for (int i = 0; i < k && !rc; i++)
            rc = take("child dgram", dg[1], i, 5, 1, NULL, 0, 0) == 0 ? 0 : 3;
        if (rc)
            return rc;
        for (int i = 0; i < k && !rc; i++)
            rc = take("child seqpacket", sq[1], i, 6, 0, NULL, 0, 0);
        return rc;
    }
    close(dg[1]);
    close(sq[1]);
    printf("unixdgram parent=%d child=%d k=%d path=%s\n", getpid(), child, k, pa.sun_path);
    await_file(argv[2]);
    int rc = 0;
    for (int i = 0; i < k && !rc; i++)
        rc = take("parent dgram", dg[0], i, 1, 1, NULL, 0, 0) || take("parent seqpacket", sq[0], i, 2, 0, NULL, 0, 0);
    struct sockaddr_un unnamed = { .sun_family = AF_UNIX };
    for (int i = 0; i < 8 && !rc; i++)
        rc = take("parent path", p, i, 3, 0, i % 2 ? &ca : &unnamed, i % 2 ? calen : 0, 1)
             || take("parent abstract", a, i, 4, 0, &ca, calen, 0);
    rc = rc || empty("parent dgram", dg[0]) || empty("parent seqpacket", sq[0]) || empty("parent path", p) || empty("parent abstract", a);
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    int pc = 0;
    socklen_t pclen = sizeof pc;
    if (!rc && (getsockname(p, (struct sockaddr *)&got, &glen) < 0 || glen != palen || memcmp(&got, &pa, palen) != 0
                || getsockopt(p, SOL_SOCKET, SO_PASSCRED, &pc, &pclen) < 0 || pc != 1)) {
        printf("parent MISMATCH: the path socket lost its name or SO_PASSCRED (%d)\n", pc);
        rc = 3;
    }
    for (int i = 0; i < k && !rc; i++)
        rc = rsend("parent dgram", dg[0], NULL, 0, i, 5, MAXLEN, 1) || rsend("parent seqpacket", sq[0], NULL, 0, i, 6, MAXLEN, 0);
    if (rc)
        kill(child, SIGKILL);
    int cst = reap(child);
    unlink(pa.sun_path);
    if (rc == 0 && cst == 0) {
        printf("unixdgram ok messages=%d\n", 4 * k + 16);
        return 0;
    }
    printf("unixdgram FAIL parent=%d child status=%d\n", rc, cst);
    return rc ? rc : (cst ? cst : 3);
}
