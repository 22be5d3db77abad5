/* udp00: UDP datagrams queued between a parent and its child are kept with their source addresses, every one checked.
 * A connected pair A (parent) <-> B (child) on 127.0.0.1; an unconnected socket C (parent, 127.0.0.1, IP_TTL 7,
 * IP_TOS 0x10, SO_BROADCAST, SO_RCVBUF 100000) fed by the child's bound socket D; an unconnected IPv6 socket E
 * (parent, ::1) fed by the child's F. The child sends K datagrams B->A and 8 each D->C and F->E, prints "udp child
 * sent" and waits. The parent prints "udp ports c=P e=Q" first (the test may send datagrams to C from outside the
 * job), reads nothing until the file TRIGGER exists, then checks every datagram (count, order, length, bytes, source
 * address; datagrams on C from other sources are counted as "outside"), that nothing more is queued, the options
 * and addresses; sends K datagrams A->B that the child checks. Verdict "udp ok datagrams=N outside=M" (exit 0), else
 * MISMATCH/FAIL (exit 3).   Usage: udp00 TRIGGER [K]   (default K 30) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdlib.h>

#include "records.h"

#define MAXLEN 3000

static int udp(int family, struct sockaddr_storage *a, socklen_t *alen)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(a, 0, sizeof *a);
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)a;
        s->sin_family = AF_INET;
        s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *alen = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)a;
        s->sin6_family = AF_INET6;
        s->sin6_addr = in6addr_loopback;
        *alen = sizeof *s;
    }
    if (fd < 0 || bind(fd, (struct sockaddr *)a, *alen) < 0 || getsockname(fd, (struct sockaddr *)a, alen) < 0) {
        printf("udp bind failed errno=%d (%s)\n", errno, strerror(errno));
        exit(2);
    }
    return fd;
}

static int port(const struct sockaddr_storage *a)
{
    return ntohs(a->ss_family == AF_INET ? ((struct sockaddr_in *)a)->sin_port : ((struct sockaddr_in6 *)a)->sin6_port);
}

/* receives the next datagram; @return 0 when it is message i from `from`, 1 when it is from elsewhere (outside), else 3 */
static int take(const char *who, int fd, int flags, int i, int salt, int zero, const struct sockaddr_storage *from, socklen_t fromlen)
{
    static unsigned char b[70000];
    struct sockaddr_storage src;
    socklen_t slen = sizeof src;
    ssize_t n;
    while ((n = recvfrom(fd, b, sizeof b, flags, (struct sockaddr *)&src, &slen)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
        printf("%s MISMATCH: datagram %d missing (errno=%d %s)\n", who, i, errno, strerror(errno));
        return 3;
    }
    if (slen != fromlen || memcmp(&src, from, fromlen) != 0)
        return 1;
    return rcheck(who, b, n, i, salt, MAXLEN, zero);
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

static int opt(int fd, int level, int name)
{
    int v = -1;
    socklen_t l = sizeof v;
    getsockopt(fd, level, name, &v, &l);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: udp00 TRIGGER [K]\n");
        return 2;
    }
    int k = argc > 2 ? atoi(argv[2]) : 30;
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sockaddr_storage aa, ba, ca, da, ea, fa;
    socklen_t al, bl, cl, dl, el, fl;
    int a = udp(AF_INET, &aa, &al), b = udp(AF_INET, &ba, &bl), c = udp(AF_INET, &ca, &cl), d = udp(AF_INET, &da, &dl);
    int e = udp(AF_INET6, &ea, &el), f = udp(AF_INET6, &fa, &fl);
    if (connect(a, (struct sockaddr *)&ba, bl) < 0 || connect(b, (struct sockaddr *)&aa, al) < 0) {
        perror("connect");
        return 2;
    }
    int ttl = 7, tos = 0x10, one = 1, rcv = 100000;
    setsockopt(c, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    setsockopt(c, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    setsockopt(c, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    setsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    int rcvset = opt(c, SOL_SOCKET, SO_RCVBUF);
    printf("udp ports c=%d e=%d\n", port(&ca), port(&ea));
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(a);
        close(c);
        close(e);
        int rc = 0;
        for (int i = 0; i < k && !rc; i++)
            rc = rsend("child b", b, NULL, 0, i, 1, MAXLEN, 1);
        for (int i = 0; i < 8 && !rc; i++)
            rc = rsend("child d", d, (struct sockaddr *)&ca, cl, i, 2, MAXLEN, 0) || rsend("child f", f, (struct sockaddr *)&ea, el, i, 3, MAXLEN, 0);
        if (rc)
            return 3;
        printf("udp child sent pid=%d datagrams=%d\n", getpid(), k + 16);
        for (int i = 0; i < k && !rc; i++)
            rc = take("child b", b, 0, i, 4, 1, &aa, al);
        return rc;
    }
    close(b);
    close(d);
    close(f);
    printf("udp parent=%d child=%d k=%d\n", getpid(), child, k);
    await_file(argv[1]);
    int rc = 0, outside = 0;
    for (int i = 0; i < k && !rc; i++)
        rc = take("parent a", a, MSG_DONTWAIT, i, 1, 1, &ba, bl);
    for (int i = 0; i < 8 && !rc; i++) {
        int r;
        while ((r = take("parent c", c, MSG_DONTWAIT, i, 2, 0, &da, dl)) == 1)
            outside++;
        rc = r ? r : take("parent e", e, MSG_DONTWAIT, i, 3, 0, &fa, fl);
    }
    if (rc == 1) {
        printf("parent MISMATCH: a datagram on a or e from an unexpected source\n");
        rc = 3;
    }
    rc = rc || empty("parent a", a) || empty("parent c", c) || empty("parent e", e);
    struct sockaddr_storage g;
    socklen_t gl = sizeof g;
    if (!rc && (opt(c, IPPROTO_IP, IP_TTL) != 7 || opt(c, IPPROTO_IP, IP_TOS) != 0x10 || opt(c, SOL_SOCKET, SO_BROADCAST) != 1
                || opt(c, SOL_SOCKET, SO_RCVBUF) != rcvset || getsockname(c, (struct sockaddr *)&g, &gl) < 0 || gl != cl || memcmp(&g, &ca, cl) != 0
                || getpeername(a, (struct sockaddr *)&g, &(socklen_t){ sizeof g }) < 0 || memcmp(&g, &ba, bl) != 0)) {
        printf("parent MISMATCH: options or addresses changed (ttl=%d tos=%d broadcast=%d rcvbuf=%d, expected %d)\n", opt(c, IPPROTO_IP, IP_TTL),
               opt(c, IPPROTO_IP, IP_TOS), opt(c, SOL_SOCKET, SO_BROADCAST), opt(c, SOL_SOCKET, SO_RCVBUF), rcvset);
        rc = 3;
    }
    for (int i = 0; i < k && !rc; i++)
        rc = rsend("parent a", a, NULL, 0, i, 4, MAXLEN, 1);
    if (rc)
        kill(child, SIGKILL);
    int cst = reap(child);
    if (rc == 0 && cst == 0) {
        printf("udp ok datagrams=%d outside=%d\n", 2 * k + 16, outside);
        return 0;
    }
    printf("udp FAIL parent=%d child status=%d\n", rc, cst);
    return rc ? rc : (cst ? cst : 3);
}
