/* socketpair00: a parent and its child joined by socketpair(AF_UNIX, SOCK_STREAM) stream a deterministic byte sequence in
 * both directions at full speed (non-blocking, poll, so both socket buffers are full at any freeze) and check every
 * received byte; after BYTES per direction both shut down, and the parent prints "socketpair ok bytes=N" after reaping
 * the child (exit 0), or a MISMATCH/EOF/error line (exit 3).
 * Byte k of a stream with salt s: ((k>>3) ^ s<<48) >> 8*(k&7); salt 0xA parent->child, 0xB child->parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "duplex.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: socketpair00 BYTES   (bytes per direction)\n");
        return 2;
    }
    uint64_t total = strtoull(argv[1], NULL, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
        perror("socketpair");
        return 2;
    }
    double t0 = now();
    pid_t child = fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        close(sv[0]);
        int rc = duplex(sv[1], "child", total, 0xB, 0xA);
        close(sv[1]);
        return rc;
    }
    close(sv[1]);
    printf("socketpair parent=%d child=%d fd=%d bytes=%llu\n", getpid(), child, sv[0], (unsigned long long)total);
    int rc = duplex(sv[0], "parent", total, 0xA, 0xB);
    close(sv[0]);
    if (rc)
        kill(child, SIGKILL);
    int st;
    pid_t r;
    while ((r = waitpid(child, &st, 0)) < 0 && errno == EINTR) {
    }
    int cst = r == child && WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    double dt = now() - t0;
    if (rc == 0 && cst == 0) {
        printf("socketpair %.1f MB/s per direction in %.2f s\n", total / 1e6 / dt, dt);
        printf("socketpair ok bytes=%llu\n", (unsigned long long)total);
        return 0;
    }
    printf("socketpair FAIL parent=%d child status=%d (raw %d)\n", rc, cst, r == child ? st : -1);
    return rc ? rc : (cst ? cst : 3);
}
