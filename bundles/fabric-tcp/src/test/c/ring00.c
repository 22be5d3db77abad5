/* ring00: the root forks K ranks joined in a ring over TCP on 127.0.0.1 (rank i connects to rank i+1's listener, which
 * is closed after its accept) and a token of MSGSIZE bytes goes round HOPS times: hop h is sent by rank h%K, it carries
 * a 16-byte header (h, ~h ^ magic) and a payload derived from h, and its receiver checks every byte and that the hops
 * arrive in sequence. Every HOPS/100 hops the receiving rank appends "hop N rank R pid P" to OUTFILE (O_APPEND; without
 * OUTFILE every HOPS/10 hops to stdout); the start and the verdict go to both. The root reaps every
 * rank by PID and prints the throughput and "ring ok hops=H" (exit 0), or names the failed rank (exit 3).
 * Usage: ring00 K HOPS [MSGSIZE [OUTFILE]]   (K 2..16, MSGSIZE >= 16, default 65536) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXK 16
#define MAGIC 0x51554945534345ull /* "QUIESCE" */
#define GOLD 0x9E3779B97F4A7C15ull

static int K, out = -1;
static long hops, every;
static size_t msgsize;

struct record {
    int rank, status;
    double start, end; /* CLOCK_MONOTONIC: start = rank 0 sends hop 0; end = hop HOPS-1 received and checked */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* prints a line to stdout and appends it to OUTFILE (one write, so lines from several ranks do not mix) */
static void say(int to_stdout, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    if (to_stdout || out < 0)
        fputs(line, stdout);
    if (out >= 0)
        while (write(out, line, n) < 0 && errno == EINTR) {
        }
}

/* payload byte k (counted from the start of the message) of hop h */
static unsigned char pbyte(uint64_t k, uint64_t h) { return (unsigned char)((((k >> 3) ^ (h * GOLD))) >> (8 * (k & 7))); }

static void make(unsigned char *b, uint64_t h)
{
    uint64_t hdr[2] = { h, ~h ^ MAGIC };
    memcpy(b, hdr, 16);
    size_t k = 16;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; k + 8 <= msgsize; k += 8) {
        uint64_t w = (k >> 3) ^ (h * GOLD);
        memcpy(b + k, &w, 8);
    }
#endif
    for (; k < msgsize; k++)
        b[k] = pbyte(k, h);
}

/* checks a received message against hop h; returns 0 or prints a MISMATCH line naming the offset */
static int verify(int rank, const unsigned char *b, uint64_t h)
{
    uint64_t hdr[2];
    memcpy(hdr, b, 16);
    if (hdr[0] != h || hdr[1] != (~h ^ MAGIC)) {
        say(1, "rank %d MISMATCH in header: hop %llu (check %016llx), expected hop %llu\n", rank, (unsigned long long)hdr[0],
            (unsigned long long)hdr[1], (unsigned long long)h);
        return 3;
    }
    size_t k = 16;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; k + 8 <= msgsize; k += 8) {
        uint64_t w = (k >> 3) ^ (h * GOLD), g;
        memcpy(&g, b + k, 8);
        if (g != w)
            break;
    }
#endif
    for (; k < msgsize; k++)
        if (b[k] != pbyte(k, h)) {
            say(1, "rank %d MISMATCH at hop %llu offset %zu (stream offset %llu): got 0x%02x want 0x%02x\n", rank, (unsigned long long)h, k,
                (unsigned long long)(h * msgsize + k), b[k], pbyte(k, h));
            return 3;
        }
    return 0;
}

/* reads exactly n bytes; 0, or -1 on EOF (errno 0) or error */
static int readn(int fd, unsigned char *b, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = recv(fd, b + *got, n - *got, 0);
        if (r > 0)
            *got += r;
        else if (r < 0 && errno == EINTR)
            continue;
        else {
            if (r == 0)
                errno = 0;
            return -1;
        }
    }
    return 0;
}

static int writen(int fd, const unsigned char *b, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, b + off, n - off, MSG_NOSIGNAL);
        if (w > 0)
            off += w;
        else if (w < 0 && errno == EINTR)
            continue;
        else
            return -1;
    }
    return 0;
}

static int connect_to(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS))
        return -1;
    struct pollfd p = { fd, POLLOUT, 0 };
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    int err = 0;
    socklen_t elen = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err) {
        errno = err;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

static int rank_main(int r, int lfd, int nextport, int res)
{
    struct record rec = { r, 0, 0, 0 };
    int one = 1;
    int next = connect_to(nextport);
    if (next < 0) {
        say(1, "rank %d connect to port %d failed errno=%d\n", r, nextport, errno);
        return 3;
    }
    int prev;
    while ((prev = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (prev < 0) {
        say(1, "rank %d accept failed errno=%d\n", r, errno);
        return 3;
    }
    close(lfd);
    setsockopt(next, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(prev, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    unsigned char *sbuf = malloc(msgsize), *rbuf = malloc(msgsize);
    if (!sbuf || !rbuf)
        return 2;
    if (r == 0 && hops > 0) {
        make(sbuf, 0);
        rec.start = now();
        if (writen(next, sbuf, msgsize) < 0) {
            say(1, "rank 0 send of hop 0 failed errno=%d\n", errno);
            return 3;
        }
    }
    for (long h = (r + K - 1) % K; h < hops; h += K) {
        size_t got;
        if (readn(prev, rbuf, msgsize, &got) < 0) {
            say(1, "rank %d MISMATCH: %s at hop %ld after %zu of %zu bytes (stream offset %llu)\n", r, errno ? strerror(errno) : "EOF", h,
                got, msgsize, (unsigned long long)(h * msgsize + got));
            return 3;
        }
        if ((rec.status = verify(r, rbuf, h)))
            return rec.status;
        if (h == hops - 1)
            rec.end = now();
        if ((h + 1) % every == 0 && (out >= 0 || (h + 1) % (every * 10) == 0))
            say(0, "hop %ld rank %d pid %d\n", h + 1, r, getpid());
        if (h + 1 < hops) {
            make(sbuf, h + 1);
            if (writen(next, sbuf, msgsize) < 0) {
                say(1, "rank %d send of hop %ld failed errno=%d (%s)\n", r, h + 1, errno, strerror(errno));
                return 3;
            }
        }
    }
    /* no more hops: the previous rank must close its side with nothing more in the stream */
    shutdown(next, SHUT_WR);
    for (;;) {
        ssize_t n = recv(prev, rbuf, msgsize, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            say(1, "rank %d MISMATCH: %zd bytes after the last hop\n", r, n);
            return 3;
        }
        if (n < 0) {
            say(1, "rank %d error at the end errno=%d (%s)\n", r, errno, strerror(errno));
            return 3;
        }
        break;
    }
    close(prev);
    close(next);
    while (write(res, &rec, sizeof rec) < 0 && errno == EINTR) {
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ring00 K HOPS [MSGSIZE [OUTFILE]]\n");
        return 2;
    }
    K = atoi(argv[1]);
    hops = atol(argv[2]);
    msgsize = argc > 3 ? strtoul(argv[3], NULL, 0) : 65536;
    if (K < 2 || K > MAXK || hops < 0 || msgsize < 16) {
        fprintf(stderr, "ring00: K must be 2..%d, HOPS >= 0, MSGSIZE >= 16\n", MAXK);
        return 2;
    }
    if (argc > 4 && (out = open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        perror(argv[4]);
        return 2;
    }
    every = hops / 100 > 0 ? hops / 100 : 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int lfd[MAXK], port[MAXK], res[2];
    for (int i = 0; i < K; i++) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof a;
        lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd[i] < 0 || bind(lfd[i], (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd[i], 1) < 0 ||
            getsockname(lfd[i], (struct sockaddr *)&a, &alen) < 0) {
            perror("listen");
            return 2;
        }
        port[i] = ntohs(a.sin_port);
    }
    if (pipe2(res, O_CLOEXEC) < 0)
        return 2;
    pid_t pid[MAXK];
    for (int i = 0; i < K; i++) {
        pid[i] = fork();
        if (pid[i] < 0) {
            perror("fork");
            for (int j = 0; j < i; j++)
                kill(pid[j], SIGKILL);
            return 2;
        }
        if (pid[i] == 0) {
            close(res[0]);
            for (int j = 0; j < K; j++)
                if (j != i)
                    close(lfd[j]);
            _exit(rank_main(i, lfd[i], port[(i + 1) % K], res[1]));
        }
    }
    for (int i = 0; i < K; i++)
        close(lfd[i]);
    close(res[1]);
    char ports[MAXK * 8] = "", pids[MAXK * 12] = "";
    for (int i = 0; i < K; i++) {
        snprintf(ports + strlen(ports), sizeof ports - strlen(ports), "%s%d", i ? "," : "", port[i]);
        snprintf(pids + strlen(pids), sizeof pids - strlen(pids), "%s%d", i ? "," : "", pid[i]);
    }
    say(1, "ring K=%d hops=%ld msgsize=%zu root=%d ranks=%s ports=%s\n", K, hops, msgsize, getpid(), pids, ports);
    int failed = 0;
    for (int left = K; left > 0;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            say(1, "ring root waitpid failed errno=%d\n", errno);
            failed = 1;
            break;
        }
        int i = 0;
        while (i < K && pid[i] != w)
            i++;
        if (i == K)
            continue; /* not a rank (e.g. reparented under an init) */
        left--;
        pid[i] = 0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            say(1, "ring rank %d (pid %d) failed: %s %d\n", i, w, WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            if (!failed)
                for (int j = 0; j < K; j++)
                    if (pid[j] > 0)
                        kill(pid[j], SIGKILL);
            failed = 1;
        }
    }
    if (failed) {
        say(1, "ring FAIL hops=%ld\n", hops);
        return 3;
    }
    double start = 0, end = 0;
    struct record rec;
    int n = 0;
    for (;;) {
        ssize_t r = read(res[0], &rec, sizeof rec);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != sizeof rec)
            break;
        n++;
        if (rec.rank == 0)
            start = rec.start;
        if (rec.end > 0)
            end = rec.end;
    }
    if (n != K) {
        say(1, "ring FAIL: %d of %d ranks reported\n", n, K);
        return 3;
    }
    double dt = end - start;
    if (hops > 0 && dt > 0)
        say(1, "ring K=%d msgsize=%zu hops=%ld time=%.3f s %.1f MB/s %.0f hops/s\n", K, msgsize, hops, dt, hops * (double)msgsize / 1e6 / dt,
            hops / dt);
    say(1, "ring ok hops=%ld\n", hops);
    return 0;
}
