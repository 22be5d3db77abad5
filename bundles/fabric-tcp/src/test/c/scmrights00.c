/* scmrights00: a descriptor in flight (SCM_RIGHTS) in a queued Unix message, not yet received, with no other copy: the
 * parent makes a pipe, writes "AAAA" into it, sends its read end to the child and closes its own copy. MODE stream:
 * with 5 bytes over a socketpair(SOCK_STREAM); dgram: with a 5-byte datagram over a socketpair(SOCK_DGRAM); peeked: with
 * a zero-length datagram that the child has already peeked at (the kernel hides such a message from offset peeks).
 * The parent prints "scmrights sent", the child (after its peek) "scmrights ready" and waits for the file TRIGGER
 * (checkpoints go in between: they must be refused and leave the message as it was). Then the child receives the
 * message, checks its bytes, and reads "AAAA" through the received descriptor. Verdict "scmrights ok mode=M" (exit 0),
 * else a MISMATCH/FAIL line (exit 3).   Usage: scmrights00 stream|dgram|peeked TRIGGER */
#define _GNU_SOURCE
#include <stdlib.h>

#include "records.h"

static int take(int fd, int flags, size_t want, int *got)
{
    char b[16], ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { b, sizeof b };
    struct msghdr m = { NULL, 0, &iov, 1, ctl, sizeof ctl, 0 };
    ssize_t n;
    while ((n = recvmsg(fd, &m, flags | MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (n != (ssize_t)want || (want && memcmp(b, "hello", want) != 0) || !c || c->cmsg_type != SCM_RIGHTS) {
        printf("child MISMATCH: message of %zd bytes (expected %zu), descriptor %s\n", n, want, c ? "present" : "missing");
        return 3;
    }
    memcpy(got, CMSG_DATA(c), sizeof(int));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: scmrights00 stream|dgram|peeked TRIGGER\n");
        return 2;
    }
    const char *mode = argv[1];
    int stream = strcmp(mode, "stream") == 0, peeked = strcmp(mode, "peeked") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int sv[2], p[2];
    if (socketpair(AF_UNIX, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0, sv) < 0 || pipe(p) < 0) {
        perror("socketpair");
        return 2;
    }
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(sv[0]);
        close(p[0]);
        close(p[1]);
        size_t want = peeked ? 0 : 5;
        int fd;
        if (peeked) {
            char b[1];
            while (recv(sv[1], b, 1, MSG_PEEK) < 0 && errno == EINTR) { /* wait for it, without the descriptor */
            }
        }
        printf("scmrights ready pid=%d fd=%d\n", getpid(), sv[1]);
        await_file(argv[2]);
        if (take(sv[1], MSG_DONTWAIT, want, &fd))
            return 3;
        char b[8] = { 0 };
        ssize_t n = read(fd, b, sizeof b);
        if (n != 4 || memcmp(b, "AAAA", 4) != 0) {
            printf("child MISMATCH: the received pipe gave %zd bytes\n", n);
            return 3;
        }
        return 0;
    }
    close(sv[1]);
    if (write(p[1], "AAAA", 4) != 4)
        return 2;
    char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { "hello", peeked ? 0 : 5 };
    struct msghdr m = { NULL, 0, &iov, 1, ctl, sizeof ctl, 0 };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    if (sendmsg(sv[0], &m, 0) < 0) {
        perror("sendmsg");
        return 2;
    }
    close(p[0]); /* the message holds the only copy of the read end */
    printf("scmrights sent parent=%d child=%d mode=%s\n", getpid(), child, mode);
    int cst = reap(child);
    close(p[1]);
    if (cst == 0) {
        printf("scmrights ok mode=%s\n", mode);
        return 0;
    }
    printf("scmrights FAIL child status=%d\n", cst);
    return 3;
}
