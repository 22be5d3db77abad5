/* quiesce-rsh: the remote-exec command for launchers that expect ssh or rsh (Open MPI's plm_rsh_agent, MPICH
 * hydra's -launcher-exec). Run inside a job (QUIESCE_JOB set), it starts its command on another host of the
 * cluster as a piece of the same job, and relays stdin, stdout, stderr and the exit status, as ssh would:
 *
 *   quiesce-rsh [ssh options] [USER@]HOST COMMAND...      the client, in the job on this host
 *   quiesce-rsh --serve -- COMMAND                        the relay, started by HOST's agent as the job's piece
 *
 * The client asks its platform over $QUIESCE_HOME/rexec.sock (a UNIX socket in the user's 0700 home; the
 * platform checks the caller's user and that the PID is a process of the job). The platform asks HOST's agent,
 * over the cluster's TLS link, to start the relay with the address and port the client listens on and a one-use
 * secret of 32 random bytes. The relay connects back and sends the secret's first half; the client checks it and
 * answers with the second half, which the relay checks: each end proves itself to the other before a byte of the
 * job's data flows. The client stops listening once the relay is in.
 *
 * From then on everything is inside the job: the client and the relay are ordinary processes of it, joined by one
 * TCP connection between the hosts, and the command is the relay's child on pipes. A checkpoint saves them like
 * any other processes, drains that connection like any other, and a restart (also onto other hosts) rebuilds it;
 * the platform plays no part after the start. Single-threaded, poll(2) only, every descriptor bounded: writes to
 * pipes go PIPE_BUF at a time after POLLOUT, so stdio never has to be made non-blocking (its flags are shared
 * with other processes). The stream between the hosts is framed (type, length, data) and not encrypted, like the
 * job's own TCP traffic. Exit status: the command's, 128+N when it was killed by signal N, 255 for quiesce-rsh's
 * own errors (as ssh). Built static with glibc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OWN_ERROR 255
#define FRAME_MAX 65536              /* longest frame payload */
#define HEADER 5                     /* type, then the payload's length (4 bytes, big-endian) */
#define UP_CAP (4 * (HEADER + FRAME_MAX))
#define PROOF_HEX 32                 /* each end's half of the secret */
#define GREETING "QRSH1 "
#define GREETING_LEN (sizeof GREETING - 1 + PROOF_HEX + 1)
#define ACCEPT_SECONDS 120           /* the platform must answer, and the relay connect, within this (the platform may wait 30 s for a checkpoint of the job, then for the target host) */
#define HANDSHAKE_SECONDS 20
#define REPLY_MAX 4096

/* frame types */
#define F_STDIN 'i'
#define F_STDIN_EOF 'e'
#define F_STDOUT 'o'
#define F_STDERR 'r'
#define F_EXIT 'x'

static const char *self = "quiesce-rsh";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", self);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(OWN_ERROR);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* waits until fd is ready for `events`, at most until `deadline_ms`; 0 on time-out */
static int wait_fd(int fd, short events, long long deadline_ms)
{
    for (;;) {
        long long left = deadline_ms - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { .fd = fd, .events = events };
        int n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            die("poll: %s", strerrorname_np(errno));
    }
}

/* reads exactly len bytes before the deadline; returns 0 on time-out or end of stream, -errno on error */
static int read_exact(int fd, void *buf, size_t len, long long deadline_ms)
{
    size_t got = 0;
    while (got < len) {
        if (!wait_fd(fd, POLLIN, deadline_ms))
            return 0;
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -errno;
        }
        got += (size_t)n;
    }
    return 1;
}

static int write_all(int fd, const void *buf, size_t len, long long deadline_ms)
{
    size_t done = 0;
    while (done < len) {
        if (!wait_fd(fd, POLLOUT, deadline_ms))
            return 0;
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 1;
}

/* compares in constant time */
static int same(const char *a, const char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

static void set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        die("fcntl: %s", strerrorname_np(errno));
}

/* ---- frames ------------------------------------------------------------------------------------------------ */

/* bytes queued for the socket */
struct upstream {
    unsigned char buf[UP_CAP];
    size_t off, len;
};

static size_t up_room(const struct upstream *u)
{
    return UP_CAP - u->len + u->off;
}

/* appends a frame header; the payload goes at the returned pointer (room checked by the caller) */
static unsigned char *up_frame(struct upstream *u, char type, size_t payload)
{
    if (u->off > 0) {
        memmove(u->buf, u->buf + u->off, u->len - u->off);
        u->len -= u->off;
        u->off = 0;
    }
    unsigned char *h = u->buf + u->len;
    h[0] = (unsigned char)type;
    h[1] = (unsigned char)(payload >> 24);
    h[2] = (unsigned char)(payload >> 16);
    h[3] = (unsigned char)(payload >> 8);
    h[4] = (unsigned char)payload;
    u->len += HEADER + payload;
    return h + HEADER;
}

/* sends what the socket takes now; -1 when the peer is gone */
static int up_flush(struct upstream *u, int sock)
{
    while (u->off < u->len) {
        ssize_t n = write(sock, u->buf + u->off, u->len - u->off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 0;
            return -1;
        }
        u->off += (size_t)n;
    }
    u->off = u->len = 0;
    return 0;
}

/* frames from the socket */
struct downstream {
    unsigned char buf[HEADER + FRAME_MAX];
    size_t len;
};

/* reads what the socket has; 0 at end of stream, -1 on error, else 1 */
static int down_fill(struct downstream *d, int sock)
{
    for (;;) {
        ssize_t n = read(sock, d->buf + d->len, sizeof d->buf - d->len);
        if (n > 0) {
            d->len += (size_t)n;
            return 1;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? 1 : -1;
    }
}

/* a whole frame at the head of the buffer: its type and payload; 0 when it is not all in yet */
static int down_frame(struct downstream *d, char *type, unsigned char **payload, size_t *len)
{
    if (d->len < HEADER)
        return 0;
    size_t n = ((size_t)d->buf[1] << 24) | ((size_t)d->buf[2] << 16) | ((size_t)d->buf[3] << 8) | d->buf[4];
    if (n > FRAME_MAX)
        die("protocol error: a frame of %zu bytes (at most %d)", n, FRAME_MAX);
    if (d->len < HEADER + n)
        return 0;
    *type = (char)d->buf[0];
    *payload = d->buf + HEADER;
    *len = n;
    return 1;
}

static void down_consume(struct downstream *d)
{
    size_t n = HEADER + (((size_t)d->buf[1] << 24) | ((size_t)d->buf[2] << 16) | ((size_t)d->buf[3] << 8) | d->buf[4]);
    memmove(d->buf, d->buf + n, d->len - n);
    d->len -= n;
}

/* one frame's payload on its way to a pipe: written PIPE_BUF bytes at a time, each after POLLOUT, so never blocks */
struct pending {
    int fd;
    unsigned char buf[FRAME_MAX];
    size_t off, len;
};

/* writes the next piece; 0 when the reader is gone (the rest of the output to it is dropped, as ssh does) */
static int pending_write(struct pending *p)
{
    size_t n = p->len - p->off;
    ssize_t w = write(p->fd, p->buf + p->off, n > PIPE_BUF ? PIPE_BUF : n);
    if (w < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 1;
        p->off = p->len = 0;
        return 0;
    }
    p->off += (size_t)w;
    if (p->off == p->len)
        p->off = p->len = 0;
    return 1;
}

/* ---- the client ------------------------------------------------------------------------------------------- */

/* asks the platform; the reply's line, NUL-terminated, in reply */
static void ask_platform(const char *job, const char *host, int port, const char *command, char *reply)
{
    const char *home = getenv("QUIESCE_HOME");
    char fallback[PATH_MAX];
    if (home == NULL || home[0] == '\0') {
        const char *h = getenv("HOME");
        if (h == NULL || h[0] != '/')
            die("neither QUIESCE_HOME nor HOME is set: cannot find the platform");
        snprintf(fallback, sizeof fallback, "%s/.quiesce", h);
        home = fallback;
    }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if ((size_t)snprintf(a.sun_path, sizeof a.sun_path, "%s/rexec.sock", home) >= sizeof a.sun_path)
        die("%s/rexec.sock: path too long for a UNIX socket (at most %zu bytes)", home, sizeof a.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerrorname_np(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("cannot reach the platform at %s: %s (is it running for QUIESCE_HOME=%s?)", a.sun_path, strerrorname_np(errno), home);
    /* fields NUL-separated, the end of the request the end of the stream: the command may hold any byte but NUL */
    char head[512];
    int hl = snprintf(head, sizeof head, "rexec1%c%s%c%s%c%d%c%ld%c", 0, job, 0, host, 0, port, 0, (long)getpid(), 0);
    if (hl < 0 || (size_t)hl >= sizeof head)
        die("job or host name too long");
    long long deadline = now_ms() + 1000LL * ACCEPT_SECONDS;
    if (write_all(fd, head, (size_t)hl, deadline) <= 0 || write_all(fd, command, strlen(command), deadline) <= 0 || shutdown(fd, SHUT_WR) < 0)
        die("cannot send the request to the platform at %s: %s", a.sun_path, strerrorname_np(errno));
    size_t got = 0;
    for (;;) {
        if (!wait_fd(fd, POLLIN, deadline))
            die("the platform at %s did not answer within %d s", a.sun_path, ACCEPT_SECONDS);
        ssize_t n = read(fd, reply + got, REPLY_MAX - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("reading the platform's answer: %s", strerrorname_np(errno));
        if (n == 0)
            break;
        got += (size_t)n;
        if (got == REPLY_MAX - 1)
            die("the platform's answer is too long");
    }
    close(fd);
    reply[got] = '\0';
    char *nl = strchr(reply, '\n');
    if (nl == NULL)
        die("the platform closed without answering (see its log)");
    *nl = '\0';
}

/* the relay's connection, once it proved itself and this end answered */
static int accept_relay(int listener, const char *secret, const char *host)
{
    long long deadline = now_ms() + 1000LL * ACCEPT_SECONDS;
    for (;;) {
        if (!wait_fd(listener, POLLIN, deadline))
            die("the relay on host %s did not connect back within %d s (a firewall between the hosts?)", host, ACCEPT_SECONDS);
        int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
                continue;
            die("accept: %s", strerrorname_np(errno));
        }
        char g[GREETING_LEN];
        long long hs = now_ms() + 1000LL * HANDSHAKE_SECONDS;
        if (read_exact(c, g, sizeof g, hs < deadline ? hs : deadline) == 1 && memcmp(g, GREETING, sizeof GREETING - 1) == 0
                && g[sizeof g - 1] == '\n' && same(g + sizeof GREETING - 1, secret, PROOF_HEX)) {
            char answer[GREETING_LEN];
            memcpy(answer, GREETING, sizeof GREETING - 1);
            memcpy(answer + sizeof GREETING - 1, secret + PROOF_HEX, PROOF_HEX);
            answer[sizeof answer - 1] = '\n';
            if (write_all(c, answer, sizeof answer, hs) == 1)
                return c;
        }
        /* a stranger, or a relay that gave up: keep waiting for the right one until the deadline */
        fprintf(stderr, "%s: refused a connection that did not prove itself the relay of host %s\n", self, host);
        close(c);
    }
}

static void run_local(const char *command) __attribute__((noreturn));
static void run_local(const char *command)
{
    signal(SIGPIPE, SIG_DFL);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    die("/bin/sh: %s", strerrorname_np(errno));
}

static int client(const char *host, const char *command)
{
    const char *job = getenv("QUIESCE_JOB");
    if (job == NULL || job[0] == '\0')
        die("not inside a Quiesce job (QUIESCE_JOB is not set): start the launcher with `quiesce launch`");
    int listener = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int v6 = listener >= 0;
    if (!v6)
        listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        die("socket: %s", strerrorname_np(errno));
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (v6) {
        int off = 0;
        setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off); /* v4-mapped too: the relay may come over either */
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        sl = sizeof(struct sockaddr_in6);
    } else {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        sl = sizeof(struct sockaddr_in);
    }
    if (bind(listener, (struct sockaddr *)&ss, sl) < 0 || listen(listener, 4) < 0 || getsockname(listener, (struct sockaddr *)&ss, &sl) < 0)
        die("cannot listen for the relay: %s", strerrorname_np(errno));
    int port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);

    char reply[REPLY_MAX];
    ask_platform(job, host, port, command, reply);
    if (strncmp(reply, "error ", 6) == 0)
        die("%s", reply + 6);
    if (strcmp(reply, "ok local") == 0) {
        close(listener);
        run_local(command); /* this host: the command replaces the client, as a child of the launcher like ssh's */
    }
    char secret[2 * PROOF_HEX + 1];
    if (sscanf(reply, "ok remote %64s", secret) != 1 || !is_hex(secret, 2 * PROOF_HEX))
        die("the platform answered something else than expected: %s", reply);

    int sock = accept_relay(listener, secret, host);
    close(listener);
    memset(secret, 0, sizeof secret);
    set_nonblocking(sock);

    static struct upstream up;
    static struct downstream down;
    static struct pending out;
    int stdin_open = 1;
    int dropped[3] = { 0, 0, 0 };
    for (;;) {
        /* frames that are all in: output waits in `out` until its pipe took it */
        char type;
        unsigned char *payload;
        size_t len;
        while (out.len == 0 && down_frame(&down, &type, &payload, &len)) {
            if (type == F_STDOUT || type == F_STDERR) {
                int fd = type == F_STDOUT ? 1 : 2;
                if (!dropped[fd] && len > 0) {
                    out.fd = fd;
                    memcpy(out.buf, payload, len);
                    out.off = 0;
                    out.len = len;
                }
            } else if (type == F_EXIT && len == 1) {
                return payload[0];
            } else {
                die("protocol error: frame type %d from the relay of host %s", type, host);
            }
            down_consume(&down);
        }
        struct pollfd p[3];
        int n = 0, ip = -1, op = -1;
        int sp = n++;
        p[sp] = (struct pollfd){ .fd = sock, .events = (short)((out.len == 0 ? POLLIN : 0) | (up.len > up.off ? POLLOUT : 0)) };
        if (stdin_open && up_room(&up) >= HEADER + FRAME_MAX) {
            ip = n++;
            p[ip] = (struct pollfd){ .fd = 0, .events = POLLIN };
        }
        if (out.len > 0) {
            op = n++;
            p[op] = (struct pollfd){ .fd = out.fd, .events = POLLOUT };
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerrorname_np(errno));
        }
        if (ip >= 0 && p[ip].revents) {
            unsigned char tmp[FRAME_MAX];
            ssize_t r = read(0, tmp, sizeof tmp);
            if (r > 0) {
                memcpy(up_frame(&up, F_STDIN, (size_t)r), tmp, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                up_frame(&up, F_STDIN_EOF, 0);
                stdin_open = 0;
            }
        }
        if (op >= 0 && p[op].revents && !pending_write(&out))
            dropped[out.fd] = 1;
        if (p[sp].revents & POLLOUT && up_flush(&up, sock) < 0)
            die("connection to the relay of host %s lost: %s", host, strerrorname_np(errno));
        if (p[sp].revents & (POLLIN | POLLHUP | POLLERR) && out.len == 0) {
            int r = down_fill(&down, sock);
            if (r == 0)
                die("connection to the relay of host %s closed before the command's exit status", host);
            if (r < 0)
                die("connection to the relay of host %s lost: %s", host, strerrorname_np(errno));
        }
    }
}

/* ---- the relay ----------------------------------------------------------------------------------------------- */

static int connect_client(const char *address, const char *port, long long deadline)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
    struct addrinfo *ai;
    int e = getaddrinfo(address, port, &hints, &ai);
    if (e != 0)
        die("bad address %s port %s: %s", address, port, gai_strerror(e));
    int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        die("socket: %s", strerrorname_np(errno));
    if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
        die("cannot connect to the client at %s port %s: %s", address, port, strerrorname_np(errno));
    freeaddrinfo(ai);
    if (!wait_fd(s, POLLOUT, deadline))
        die("cannot connect to the client at %s port %s: timed out", address, port);
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0)
        die("cannot connect to the client at %s port %s: %s", address, port, strerrorname_np(err));
    return s;
}

static int serve(const char *command)
{
    const char *address = getenv("QUIESCE_REXEC_ADDRESS"), *port = getenv("QUIESCE_REXEC_PORT");
    char *env_secret = getenv("QUIESCE_REXEC_SECRET");
    if (address == NULL || port == NULL || env_secret == NULL || strlen(env_secret) != 2 * PROOF_HEX || !is_hex(env_secret, 2 * PROOF_HEX))
        die("--serve is started by the platform (QUIESCE_REXEC_ADDRESS, _PORT and _SECRET), not by hand");
    char secret[2 * PROOF_HEX + 1];
    memcpy(secret, env_secret, sizeof secret);
    memset(env_secret, 'x', 2 * PROOF_HEX); /* not left in /proc/PID/environ for the job's lifetime */
    char where[128];
    snprintf(where, sizeof where, "%s port %s", address, port);
    long long deadline = now_ms() + 1000LL * HANDSHAKE_SECONDS;
    int sock = connect_client(address, port, deadline);
    char g[GREETING_LEN];
    memcpy(g, GREETING, sizeof GREETING - 1);
    memcpy(g + sizeof GREETING - 1, secret, PROOF_HEX);
    g[sizeof g - 1] = '\n';
    char a[GREETING_LEN];
    if (write_all(sock, g, sizeof g, deadline) != 1 || read_exact(sock, a, sizeof a, deadline) != 1)
        die("the client at %s did not answer the greeting", where);
    if (memcmp(a, GREETING, sizeof GREETING - 1) != 0 || a[sizeof a - 1] != '\n' || !same(a + sizeof GREETING - 1, secret + PROOF_HEX, PROOF_HEX))
        die("the client at %s did not prove itself: refused", where);
    memset(secret, 0, sizeof secret);
    unsetenv("QUIESCE_REXEC_ADDRESS");
    unsetenv("QUIESCE_REXEC_PORT");
    unsetenv("QUIESCE_REXEC_SECRET");

    /* What the command leaves running (a daemon it detached, as orted --daemonize) is adopted here, not by the
     * namespace's init: this relay is the root of the job's piece on this host, and the piece must live as long as
     * they do, as a daemon started through ssh outlives its session. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        die("prctl(PR_SET_CHILD_SUBREAPER): %s", strerrorname_np(errno));
    int in[2], outp[2], errp[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
        die("pipe: %s", strerrorname_np(errno));
    pid_t child = fork();
    if (child < 0)
        die("fork: %s", strerrorname_np(errno));
    if (child == 0) {
        dup2(in[0], 0);
        dup2(outp[1], 1);
        dup2(errp[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        fprintf(stderr, "%s: /bin/sh: %s\n", self, strerrorname_np(errno));
        _exit(127);
    }
    close(in[0]);
    close(outp[1]);
    close(errp[1]);
    int to_child = in[1], from[2] = { outp[0], errp[0] };
    const char from_type[2] = { F_STDOUT, F_STDERR };
    set_nonblocking(sock);

    static struct upstream up;
    static struct downstream down;
    static struct pending stdin_data; /* fd is to_child */
    stdin_data.fd = to_child;
    int stdin_eof = 0;
    for (;;) {
        char type;
        unsigned char *payload;
        size_t len;
        while (stdin_data.len == 0 && down_frame(&down, &type, &payload, &len)) {
            if (type == F_STDIN) {
                if (to_child >= 0 && len > 0) {
                    memcpy(stdin_data.buf, payload, len);
                    stdin_data.off = 0;
                    stdin_data.len = len;
                }
            } else if (type == F_STDIN_EOF) {
                stdin_eof = 1;
            } else {
                die("protocol error: frame type %d from the client at %s", type, where);
            }
            down_consume(&down);
        }
        if (stdin_eof && stdin_data.len == 0 && to_child >= 0) {
            close(to_child);
            to_child = -1;
        }
        if (from[0] < 0 && from[1] < 0)
            break;
        struct pollfd p[4];
        int n = 0, cp = -1, fp[2] = { -1, -1 };
        int sp = n++;
        p[sp] = (struct pollfd){ .fd = sock, .events = (short)((stdin_data.len == 0 ? POLLIN : 0) | (up.len > up.off ? POLLOUT : 0)) };
        for (int i = 0; i < 2; i++) {
            if (from[i] >= 0 && up_room(&up) >= HEADER + FRAME_MAX) {
                fp[i] = n++;
                p[fp[i]] = (struct pollfd){ .fd = from[i], .events = POLLIN };
            }
        }
        if (stdin_data.len > 0 && to_child >= 0) {
            cp = n++;
            p[cp] = (struct pollfd){ .fd = to_child, .events = POLLOUT };
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerrorname_np(errno));
        }
        for (int i = 0; i < 2; i++) {
            if (fp[i] >= 0 && p[fp[i]].revents) {
                unsigned char tmp[FRAME_MAX];
                ssize_t r = read(from[i], tmp, sizeof tmp);
                if (r > 0) {
                    memcpy(up_frame(&up, from_type[i], (size_t)r), tmp, (size_t)r);
                } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                    close(from[i]);
                    from[i] = -1;
                }
            }
        }
        if (cp >= 0 && p[cp].revents && !pending_write(&stdin_data)) {
            close(to_child); /* the command closed its stdin: what else comes is dropped */
            to_child = -1;
        }
        int lost = 0;
        if (p[sp].revents & POLLOUT && up_flush(&up, sock) < 0)
            lost = 1;
        if (!lost && p[sp].revents & (POLLIN | POLLHUP | POLLERR) && stdin_data.len == 0)
            lost = down_fill(&down, sock) <= 0;
        if (lost) {
            /* the client is gone (its launcher ended it): end the command as sshd does when the session drops */
            kill(child, SIGHUP);
            waitpid(child, NULL, 0);
            return OWN_ERROR;
        }
    }

    /* the command's output ended: its status, then everything still queued, then an orderly close */
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
        ;
    int status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : OWN_ERROR;
    *up_frame(&up, F_EXIT, 1) = (unsigned char)status;
    long long end = now_ms() + 1000LL * HANDSHAKE_SECONDS;
    int told = 1;
    while (told && up.off < up.len) {
        if (!wait_fd(sock, POLLOUT, end) || up_flush(&up, sock) < 0)
            told = 0; /* the client is gone or stuck: nothing more to tell it */
    }
    if (told) {
        /* Half-close and read until the client closes, so that unread data here cannot turn our close into a reset
         * that would discard the status before the client read it. */
        shutdown(sock, SHUT_WR);
        while (wait_fd(sock, POLLIN, end)) {
            unsigned char sink[4096];
            ssize_t r = read(sock, sink, sizeof sink);
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
                break;
        }
    }
    close(sock);
    /* the session is over; what the command left running keeps the piece alive until it ends too */
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    return status;
}

/* ---- arguments ------------------------------------------------------------------------------------------------ */

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr, "usage: %s [-l USER] [-p PORT] [-o OPTION] [-xXTtnqaAkC46] [USER@]HOST COMMAND...\n"
                    "       (in a Quiesce job, where a launcher expects ssh or rsh)\n", self);
    exit(OWN_ERROR);
}

/* joins the arguments with spaces, as ssh does: the remote shell splits them again */
static char *joined(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (s == NULL)
        die("out of memory");
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a reader gone shows as EPIPE where it is written */
    if (argc >= 2 && strcmp(argv[1], "--serve") == 0) {
        self = "quiesce-rsh --serve";
        if (argc < 4 || strcmp(argv[2], "--") != 0)
            die("usage: quiesce-rsh --serve -- COMMAND");
        return serve(joined(argc - 3, argv + 3));
    }
    const char *user = NULL;
    int i = 1;
    /* the options launchers pass to ssh: accepted, and the ones that mean nothing here ignored */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i] + 1;
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (; *o; o++) {
            if (strchr("xXTtnqaAkC46vN", *o) != NULL) {
                if (*o == 'N')
                    die("-N (no command) is not supported");
                continue;
            }
            if (strchr("lpoiFEJ", *o) != NULL) {
                const char *v = o[1] ? o + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (v == NULL)
                    usage();
                if (*o == 'l')
                    user = v;
                break;
            }
            fprintf(stderr, "%s: unknown option -%c\n", self, *o);
            usage();
        }
    }
    if (i + 1 >= argc)
        usage();
    char *host = argv[i++];
    char *at = strrchr(host, '@');
    if (at != NULL) {
        *at = '\0';
        user = host;
        host = at + 1;
    }
    if (user != NULL) {
        struct passwd *pw = getpwuid(getuid());
        if (pw == NULL || strcmp(pw->pw_name, user) != 0)
            die("user %s: a job's pieces run as the user who runs the job (%s)", user, pw == NULL ? "unknown" : pw->pw_name);
    }
    if (host[0] == '\0' || strlen(host) > 255 || strpbrk(host, " /\t\n") != NULL)
        die("bad host name '%s'", host);
    return client(host, joined(argc - i, argv + i));
}
