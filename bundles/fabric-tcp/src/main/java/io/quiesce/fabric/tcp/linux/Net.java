package io.quiesce.fabric.tcp.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The fabric's binding to glibc. The fabric works on duplicates of a job's sockets taken with
 * {@code pidfd_getfd(2)} (same open file description, so the same socket, queues and options), from any JVM
 * thread. The errno of the last call is read with {@link Native#getLastError()}, which JNA keeps per thread.
 * Results are raw: -1 with errno set.
 */
public interface Net extends Library {
    /** The loaded C library. */
    Net INSTANCE = Native.load("c", Net.class);

    /** Address families. */
    int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16;
    /** Socket types and socket(2) flags. */
    int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5, SOCK_NONBLOCK = 04000, SOCK_CLOEXEC = 02000000;
    /** Option levels (SOL_IP/SOL_IPV6 are IPPROTO_IP/IPPROTO_IPV6; SOL_UDP is also UDP's protocol number). */
    int SOL_IP = 0, SOL_SOCKET = 1, SOL_TCP = 6, SOL_UDP = 17, SOL_IPV6 = 41;
    /** SOL_SOCKET options of datagram sockets. */
    int SO_BROADCAST = 6, SO_PRIORITY = 12, SO_REUSEPORT = 15;
    /** SOL_IP options. */
    int IP_TOS = 1, IP_TTL = 2, IP_MULTICAST_TTL = 33, IP_MULTICAST_LOOP = 34;
    /** SOL_IPV6 options. */
    int IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_HOPS = 18, IPV6_MULTICAST_LOOP = 19, IPV6_V6ONLY = 26, IPV6_TCLASS = 67;
    /** Ancillary data types (SOL_SOCKET): descriptors in flight, sender credentials. */
    int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    /** SOL_SOCKET options. */
    int SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10,
            SO_LINGER = 13, SO_PASSCRED = 16, SO_RCVLOWAT = 18, SO_ACCEPTCONN = 30, SO_PROTOCOL = 38, SO_DOMAIN = 39,
            SO_PEEK_OFF = 42;
    /** Buffer sizes past net.core.[rw]mem_max (CAP_NET_ADMIN over the socket's netns), and the buffer locks
     * (SOCK_SNDBUF_LOCK 1, SOCK_RCVBUF_LOCK 2; readable and clearable, Linux 5.14+). */
    int SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_BUF_LOCK = 72, SOCK_SNDBUF_LOCK = 1, SOCK_RCVBUF_LOCK = 2;
    /** Signals the refill sends to hold a sending process (kill(2)). */
    int SIGCONT = 18, SIGSTOP = 19;
    /** SOL_TCP options. */
    int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6, TCP_INFO = 11,
            TCP_USER_TIMEOUT = 18, TCP_NOTSENT_LOWAT = 25;
    /** recv/send flags. */
    int MSG_PEEK = 2, MSG_CTRUNC = 8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
    /** ioctls (argument int*): bytes in the receive queue; unsent + unacknowledged; not yet sent. */
    int SIOCINQ = 0x541B, SIOCOUTQ = 0x5411, SIOCOUTQNSD = 0x894B;
    /** fcntl commands and flags. */
    int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, FD_CLOEXEC = 1, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    /** shutdown(2). */
    int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
    /** poll(2) events. */
    short POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 16;
    /** errnos the fabric tells apart. */
    int EINTR = 4, ENOENT = 2, EAGAIN = 11, EACCES = 13, EADDRINUSE = 98, EADDRNOTAVAIL = 99, EISCONN = 106, ENOTCONN = 107, ECONNREFUSED = 111,
            EINPROGRESS = 115, EPERM = 1, ENOSYS = 38, ESRCH = 3;
    /** TCP states (tcp_info.tcpi_state, include/net/tcp_states.h). */
    int TCP_ESTABLISHED = 1, TCP_SYN_SENT = 2, TCP_SYN_RECV = 3, TCP_FIN_WAIT1 = 4, TCP_FIN_WAIT2 = 5, TCP_TIME_WAIT = 6,
            TCP_CLOSE = 7, TCP_CLOSE_WAIT = 8, TCP_LAST_ACK = 9, TCP_LISTEN = 10, TCP_CLOSING = 11;
    /** x86_64 system call numbers, for the fabric's own calls and for calls injected into job processes. */
    int SYS_CLOSE = 3, SYS_DUP2 = 33, SYS_SOCKET = 41, SYS_BIND = 49, SYS_FCNTL = 72, SYS_ACCEPT4 = 288, SYS_PIDFD_OPEN = 434,
            SYS_PIDFD_GETFD = 438;

    int socket(int domain, int type, int protocol);

    int bind(int fd, byte[] addr, int len);

    int listen(int fd, int backlog);

    int connect(int fd, byte[] addr, int len);

    int accept4(int fd, byte[] addr, int[] len, int flags);

    int getsockname(int fd, byte[] addr, int[] len);

    int getpeername(int fd, byte[] addr, int[] len);

    int getsockopt(int fd, int level, int name, byte[] value, int[] len);

    int setsockopt(int fd, int level, int name, byte[] value, int len);

    int ioctl(int fd, long request, int[] value);

    long recv(int fd, Pointer buf, long len, int flags);

    long recvmsg(int fd, MsgHdr msg, int flags);

    long sendmsg(int fd, MsgHdr msg, int flags);

    long send(int fd, Pointer buf, long len, int flags);

    long send(int fd, byte[] buf, long len, int flags);

    long recv(int fd, byte[] buf, long len, int flags);

    int fcntl(int fd, int cmd, int arg);

    int shutdown(int fd, int how);

    int close(int fd);

    int kill(int pid, int sig);

    /** @param fds {@code struct pollfd[]}: per entry int fd, short events, short revents */
    int poll(byte[] fds, long nfds, int timeoutMillis);

    /** Raw syscall(2): pidfd_open(pid, 0), pidfd_getfd(pidfd, fd, 0). */
    long syscall(long number, long a1, long a2, long a3);
}
