package io.quiesce.fabric.tcp.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.quiesce.api.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A socket descriptor of this JVM: usually a duplicate of a job process's socket taken with {@code pidfd_getfd(2)}
 * (same open file description, so the same socket: options, queues and status flags are shared with the job).
 * Failures are {@link IOException}s naming the call and errno. Not thread-safe; {@link #close()} is idempotent.
 */
public final class Sock implements AutoCloseable {
    private static final Net NET = Net.INSTANCE;
    private int fd;

    private Sock(int fd) {
        this.fd = fd;
    }

    /** Wraps a descriptor this JVM owns. */
    public static Sock of(int fd) {
        return new Sock(fd);
    }

    /**
     * @param pidfd a pidfd of the process (see {@link #pidfd})
     * @param fd    its descriptor
     * @return a duplicate of the process's descriptor in this JVM (close-on-exec)
     */
    public static Sock take(int pidfd, int fd) throws IOException {
        long r = NET.syscall(Net.SYS_PIDFD_GETFD, pidfd, fd, 0);
        if (r < 0) {
            throw new IOException("pidfd_getfd(fd " + fd + ") failed: " + Errno.name(Native.getLastError()));
        }
        return new Sock((int) r);
    }

    /** @return a pidfd of {@code pid}, to be closed with {@link Net#close} */
    public static int pidfd(long pid) throws IOException {
        long r = NET.syscall(Net.SYS_PIDFD_OPEN, pid, 0, 0);
        if (r < 0) {
            throw new IOException("pidfd_open(" + pid + ") failed: " + Errno.name(Native.getLastError()));
        }
        return (int) r;
    }

    /** A new socket of this JVM. */
    public static Sock open(int family, int type) throws IOException {
        int r = NET.socket(family, type | Net.SOCK_CLOEXEC, 0);
        if (r < 0) {
            throw fail("socket", Native.getLastError());
        }
        return new Sock(r);
    }

    /** @return the descriptor number in this JVM */
    public int fd() {
        return fd;
    }

    public int getInt(int level, int name) throws IOException {
        byte[] v = new byte[4];
        int[] len = { 4 };
        if (NET.getsockopt(fd, level, name, v, len) < 0) {
            throw fail("getsockopt(" + level + ":" + name + ")", Native.getLastError());
        }
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt();
    }

    /** @return the option's value, or null when this socket has no such option (EOPNOTSUPP, ENOPROTOOPT) */
    public Integer getIntOrNull(int level, int name) {
        byte[] v = new byte[4];
        int[] len = { 4 };
        if (NET.getsockopt(fd, level, name, v, len) < 0) {
            return null;
        }
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt();
    }

    public void setInt(int level, int name, int value) throws IOException {
        byte[] v = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
        if (NET.setsockopt(fd, level, name, v, 4) < 0) {
            throw fail("setsockopt(" + level + ":" + name + ", " + value + ")", Native.getLastError());
        }
    }

    /** @return raw option bytes (e.g. struct linger, struct tcp_info), as long as the kernel filled them */
    public byte[] getBytes(int level, int name, int size) throws IOException {
        byte[] v = new byte[size];
        int[] len = { size };
        if (NET.getsockopt(fd, level, name, v, len) < 0) {
            throw fail("getsockopt(" + level + ":" + name + ")", Native.getLastError());
        }
        return java.util.Arrays.copyOf(v, len[0]);
    }

    public void setBytes(int level, int name, byte[] value) throws IOException {
        if (NET.setsockopt(fd, level, name, value, value.length) < 0) {
            throw fail("setsockopt(" + level + ":" + name + ")", Native.getLastError());
        }
    }

    /** @return an int-valued ioctl (SIOCINQ, SIOCOUTQ, SIOCOUTQNSD) */
    public int ioctl(int request) throws IOException {
        int[] v = new int[1];
        if (NET.ioctl(fd, request, v) < 0) {
            throw fail("ioctl(0x" + Integer.toHexString(request) + ")", Native.getLastError());
        }
        return v[0];
    }

    /** @return the local address (text form of {@link SockAddr}) */
    public String name() throws IOException {
        byte[] a = new byte[SockAddr.MAX];
        int[] len = { a.length };
        if (NET.getsockname(fd, a, len) < 0) {
            throw fail("getsockname", Native.getLastError());
        }
        return SockAddr.decode(a, len[0]);
    }

    /** @return the peer's address, or null when not connected */
    public String peer() throws IOException {
        byte[] a = new byte[SockAddr.MAX];
        int[] len = { a.length };
        if (NET.getpeername(fd, a, len) < 0) {
            int e = Native.getLastError();
            if (e == Net.ENOTCONN) {
                return null;
            }
            throw fail("getpeername", e);
        }
        return SockAddr.decode(a, len[0]);
    }

    public int getFlags() throws IOException {
        int r = NET.fcntl(fd, Net.F_GETFL, 0);
        if (r < 0) {
            throw fail("fcntl(F_GETFL)", Native.getLastError());
        }
        return r;
    }

    public void setFlags(int flags) throws IOException {
        if (NET.fcntl(fd, Net.F_SETFL, flags) < 0) {
            throw fail("fcntl(F_SETFL)", Native.getLastError());
        }
    }

    /** @return 0 on success, else the errno (EADDRINUSE is the caller's to handle) */
    public int bind(int family, String address) {
        byte[] a = SockAddr.encode(family, address);
        return NET.bind(fd, a, a.length) < 0 ? Native.getLastError() : 0;
    }

    public void listen(int backlog) throws IOException {
        if (NET.listen(fd, backlog) < 0) {
            throw fail("listen", Native.getLastError());
        }
    }

    /** @return 0 when connected, else the errno (EINPROGRESS for a non-blocking socket on its way) */
    public int connect(int family, String address) {
        byte[] a = SockAddr.encode(family, address);
        return NET.connect(fd, a, a.length) < 0 ? Native.getLastError() : 0;
    }

    /** @return the accepted connection (close-on-exec), or null when none is waiting (non-blocking listener) */
    public Sock accept() throws IOException {
        int r = NET.accept4(fd, null, null, Net.SOCK_CLOEXEC);
        if (r < 0) {
            int e = Native.getLastError();
            if (e == Net.EAGAIN) {
                return null;
            }
            throw fail("accept4", e);
        }
        return new Sock(r);
    }

    public void shutdown(int how) throws IOException {
        if (NET.shutdown(fd, how) < 0) {
            throw fail("shutdown(" + how + ")", Native.getLastError());
        }
    }

    /**
     * @param events  POLLIN/POLLOUT
     * @param timeout milliseconds
     * @return the revents, 0 on timeout
     */
    public int poll(short events, int timeout) throws IOException {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(fd).putShort(events).putShort((short) 0).array();
        int r;
        do {
            r = NET.poll(p, 1, timeout);
        } while (r < 0 && Native.getLastError() == Net.EINTR);
        if (r < 0) {
            throw fail("poll", Native.getLastError());
        }
        return r == 0 ? 0 : ByteBuffer.wrap(p).order(ByteOrder.nativeOrder()).getShort(6);
    }

    /**
     * Waits until one of several sockets has one of the events, or the timeout passes.
     *
     * @return true when one has
     */
    public static boolean pollAny(java.util.List<Sock> socks, short events, int timeout) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 * socks.size()).order(ByteOrder.nativeOrder());
        socks.forEach(k -> b.putInt(k.fd).putShort(events).putShort((short) 0));
        byte[] p = b.array();
        int r;
        do {
            r = NET.poll(p, socks.size(), timeout);
        } while (r < 0 && Native.getLastError() == Net.EINTR);
        if (r < 0) {
            throw fail("poll", Native.getLastError());
        }
        return r > 0;
    }

    /**
     * Receives without waiting.
     *
     * @return bytes received (0 at end of stream), or -1 when the queue is empty (EAGAIN)
     */
    public long recv(Memory buf, long len, int flags) throws IOException {
        long r = NET.recv(fd, buf, len, flags | Net.MSG_DONTWAIT);
        if (r < 0) {
            int e = Native.getLastError();
            if (e == Net.EAGAIN) {
                return -1;
            }
            throw fail("recv", e);
        }
        return r;
    }

    /** @return bytes accepted into the send queue (maybe fewer than asked; 0 when full), without waiting or SIGPIPE */
    public long send(Memory buf, long offset, long len) throws IOException {
        long r = NET.send(fd, buf.share(offset), len, Net.MSG_DONTWAIT | Net.MSG_NOSIGNAL);
        if (r < 0) {
            int e = Native.getLastError();
            if (e == Net.EAGAIN) {
                return 0;
            }
            throw fail("send", e);
        }
        return r;
    }

    /**
     * One message received (or peeked) with recvmsg(2).
     *
     * @param length  bytes received into the buffer
     * @param from    the sender's address in {@link SockAddr}'s text form; null when the kernel gave none
     * @param control the ancillary data as the kernel wrote it (cmsghdrs)
     * @param flags   msg_flags (MSG_TRUNC, MSG_CTRUNC)
     */
    public record Received(long length, String from, byte[] control, int flags) {
    }

    /**
     * Receives one message without waiting, with the sender's address and up to {@code ctl.size()} bytes of ancillary
     * data (descriptors in it are installed close-on-exec in this JVM: the caller closes them).
     *
     * @return the message, or null when the queue is empty (EAGAIN)
     */
    public Received recvMsg(Memory buf, long len, Memory ctl, int flags) throws IOException {
        try (Memory name = new Memory(SockAddr.MAX); Memory iov = new Memory(16)) {
            iov.setPointer(0, buf);
            iov.setLong(8, len);
            MsgHdr h = new MsgHdr();
            h.name = name;
            h.namelen = SockAddr.MAX;
            h.iov = iov;
            h.iovlen = 1;
            h.control = ctl;
            h.controllen = ctl.size();
            long r = NET.recvmsg(fd, h, flags | Net.MSG_DONTWAIT | Net.MSG_CMSG_CLOEXEC);
            if (r < 0) {
                int e = Native.getLastError();
                if (e == Net.EAGAIN) {
                    return null;
                }
                throw fail("recvmsg", e);
            }
            h.read();
            String from = null;
            if (h.namelen >= 2) {
                from = SockAddr.decode(name.getByteArray(0, h.namelen), h.namelen);
            }
            return new Received(r, from, ctl.getByteArray(0, (int) h.controllen), h.flags);
        }
    }

    /**
     * Sends one message without waiting or SIGPIPE.
     *
     * @param to      the destination ({@link SockAddr#encode}), or null for the connected peer
     * @param control ancillary data (cmsghdrs), or null
     * @return the bytes sent, or minus the errno (-EAGAIN when the buffers are full)
     */
    public long sendMsg(Memory data, long offset, long len, byte[] to, byte[] control) {
        try (Memory name = new Memory(SockAddr.MAX); Memory iov = new Memory(16);
                Memory ctl = new Memory(control == null || control.length == 0 ? 1 : control.length)) {
            iov.setPointer(0, data.share(offset));
            iov.setLong(8, len);
            MsgHdr h = new MsgHdr();
            if (to != null) {
                name.write(0, to, 0, to.length);
                h.name = name;
                h.namelen = to.length;
            }
            h.iov = iov;
            h.iovlen = 1;
            if (control != null && control.length > 0) {
                ctl.write(0, control, 0, control.length);
                h.control = ctl;
                h.controllen = control.length;
            }
            long r = NET.sendmsg(fd, h, Net.MSG_DONTWAIT | Net.MSG_NOSIGNAL);
            return r < 0 ? -Native.getLastError() : r;
        }
    }

    /** @return the inode of the socket (what {@code /proc/PID/fd} shows as {@code socket:[N]}) */
    public long inode() throws IOException {
        String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        if (!link.startsWith("socket:[")) {
            throw new IOException("fd " + fd + " is no socket: " + link);
        }
        return Long.parseLong(link.substring(8, link.length() - 1));
    }

    @Override
    public void close() {
        if (fd >= 0) {
            NET.close(fd);
            fd = -1;
        }
    }

    private static IOException fail(String call, int errno) {
        return new IOException(call + " failed: " + Errno.name(errno));
    }
}
