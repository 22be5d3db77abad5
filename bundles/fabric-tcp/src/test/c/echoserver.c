/* echoserver: a single-threaded TCP echo server for external00 (to run outside the job). It listens on 127.0.0.1 (or ::1
 * with -6) on PORT (0 = any; the port is printed as "echoserver port=P" and written to PORTFILE), echoes every byte of up
 * to 64 clients, and closes a client when it closes its side. With -d DROP it closes each connection (with a reset)
 * once it has echoed DROP bytes on it, to exercise a client's reconnect. It runs until killed.
 * Usage: echoserver [-6] [-p PORT] [-f PORTFILE] [-d DROP] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 64
#define BUF 65536

struct client {
    int fd;
    size_t pos, len;
    uint64_t echoed;
    unsigned char buf[BUF];
};

static struct client cl[MAXC];

static void drop(struct client *c, const char *why)
{
    printf("echoserver close fd=%d echoed=%llu (%s)\n", c->fd, (unsigned long long)c->echoed, why);
    close(c->fd);
    c->fd = -1;
}

int main(int argc, char **argv)
{
    int v6 = 0, port = 0, opt;
    const char *portfile = NULL;
    unsigned long long dropat = 0;
    while ((opt = getopt(argc, argv, "6p:f:d:")) != -1) {
        if (opt == '6')
            v6 = 1;
        else if (opt == 'p')
            port = atoi(optarg);
        else if (opt == 'f')
            portfile = optarg;
        else if (opt == 'd')
            dropat = strtoull(optarg, NULL, 0);
        else {
            fprintf(stderr, "usage: echoserver [-6] [-p PORT] [-f PORTFILE] [-d DROP]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage ss = { 0 };
    socklen_t slen;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_loopback;
        slen = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        slen = sizeof *a;
    }
    int one = 1;
    int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(lfd, (struct sockaddr *)&ss, slen) < 0 ||
        listen(lfd, 16) < 0 || getsockname(lfd, (struct sockaddr *)&ss, &slen) < 0) {
        perror("echoserver listen");
        return 2;
    }
    port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    printf("echoserver port=%d pid=%d%s\n", port, getpid(), v6 ? " ipv6" : "");
    if (portfile) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, portfile) < 0) {
            perror("echoserver portfile");
            return 2;
        }
    }
    for (int i = 0; i < MAXC; i++)
        cl[i].fd = -1;
    for (;;) {
        struct pollfd p[MAXC + 1];
        int idx[MAXC + 1], n = 0;
        p[n] = (struct pollfd){ lfd, POLLIN, 0 };
        idx[n++] = -1;
        for (int i = 0; i < MAXC; i++) {
            struct client *c = &cl[i];
            if (c->fd < 0)
                continue;
            short ev = c->len > c->pos ? POLLOUT : POLLIN;
            p[n] = (struct pollfd){ c->fd, ev, 0 };
            idx[n++] = i;
        }
        if (poll(p, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("echoserver poll");
            return 2;
        }
        for (int k = 1; k < n; k++) {
            struct client *c = &cl[idx[k]];
            if (!p[k].revents)
                continue;
            if (c->len > c->pos) {
                ssize_t w = send(c->fd, c->buf + c->pos, c->len - c->pos, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                if (w < 0) {
                    drop(c, strerror(errno));
                    continue;
                }
                c->pos += w;
                c->echoed += w;
                if (dropat && c->echoed >= dropat) {
                    struct linger l = { 1, 0 };
                    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
                    drop(c, "drop (-d)");
                }
                continue;
            }
            size_t room = BUF;
            if (dropat && dropat - c->echoed < room)
                room = dropat - c->echoed;
            ssize_t r = recv(c->fd, c->buf, room, MSG_DONTWAIT);
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (r <= 0) {
                drop(c, r == 0 ? "client EOF" : strerror(errno));
                continue;
            }
            c->pos = 0;
            c->len = r;
        }
        if (p[0].revents & POLLIN) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
                continue;
            int i = 0;
            while (i < MAXC && cl[i].fd >= 0)
                i++;
            if (i == MAXC) {
                close(fd);
                continue;
            }
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            cl[i].fd = fd;
            cl[i].pos = cl[i].len = 0;
            cl[i].echoed = 0;
            printf("echoserver accept fd=%d\n", fd);
        }
    }
}
