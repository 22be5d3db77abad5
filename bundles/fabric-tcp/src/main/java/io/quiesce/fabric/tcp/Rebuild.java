package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.FrozenProcess;
import io.quiesce.fabric.tcp.TcpImage.Option;
import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import io.quiesce.fabric.tcp.linux.SockAddr;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds sockets inside stopped processes: only {@code socket}, {@code accept4}, {@code dup2} and {@code close} are
 * injected; bind, listen, connect, options and flags are done from this JVM on duplicates (pidfd_getfd), which
 * share the socket. Every new descriptor starts at or above a per-process floor clear of the saved socket numbers,
 * so no temporary descriptor is ever overwritten by a {@code dup2} to a saved number.
 */
final class Rebuild {
    private static final Logger LOG = LoggerFactory.getLogger(Rebuild.class);
    private static final int CONNECT_TIMEOUT_MS = 5000;
    private static final AtomicLong NAMES = new AtomicLong();

    private Rebuild() {
    }

    /**
     * Recreates an intra-job connection: a temporary listener in {@code pa} (on a's saved address when free, else on
     * port 0; an abstract name for Unix sockets), a connection from {@code pb} (from b's saved address when
     * bindable), accepted in {@code pa}; both ends put at their saved numbers.
     *
     * Each end's receive buffer is grown for its captured incoming bytes before listen/connect ({@link Refill#growRcv};
     * the accepted socket inherits the listener's); {@code growth} gets "forced"/"capped" per socket id.
     *
     * @return this JVM's duplicates of a's and b's new sockets
     */
    static Sock[] pair(Injections inj, FrozenProcess pa, SocketImage a, int minA, FrozenProcess pb, SocketImage b, int minB,
            java.util.Map<Integer, Refill.Growth> growth) throws CheckpointException {
        try (Listening l = listenFor(inj, pa, a, minA, growth)) {
            Sock sb = connect(inj, pb, b, minB, l.at(), "tcp".equals(a.kind()), growth);
            Sock sa;
            try {
                sa = accept(inj, l, a, what(b));
            } catch (CheckpointException e) {
                sb.close();
                throw e;
            }
            try {
                if ("tcp".equals(b.kind()) && !b.local().equals(sb.name())) {
                    LOG.info("tcp: {} is now at {} (its saved address was taken)", what(b), sb.name());
                }
            } catch (IOException e) {
                // only for the log
            }
            return new Sock[] { sa, sb };
        }
    }

    /**
     * A temporary listener in a stopped process for one end of a connection: its socket, its descriptor there and
     * the address the other end connects to.
     */
    record Listening(FrozenProcess process, int fd, Sock sock, String at) implements AutoCloseable {
        @Override
        public void close() {
            sock.close();
        }
    }

    /**
     * The listening half of rebuilding a connection: a temporary listener in {@code pa} on a's saved address when
     * free, else on port 0 of its address (an abstract name for Unix sockets), its receive buffer grown for a's
     * captured bytes first (the accepted socket inherits it).
     */
    static Listening listenFor(Injections inj, FrozenProcess pa, SocketImage a, int minA, java.util.Map<Integer, Refill.Growth> growth)
            throws CheckpointException {
        boolean tcp = "tcp".equals(a.kind());
        int lfd = inj.socket(pa, a.family(), a.sockType(), minA);
        Sock l = inj.take(pa, lfd);
        try {
            if (tcp) {
                l.setInt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
                beforeBind(l, a);
                if (l.bind(a.family(), a.local()) != 0) {
                    int e = l.bind(a.family(), SockAddr.withoutPort(a.local()));
                    if (e != 0) {
                        throw new IOException("bind(" + SockAddr.withoutPort(a.local()) + ") failed: " + Errno.name(e));
                    }
                }
            } else {
                String name = "@quiesce-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + NAMES.incrementAndGet();
                int e = l.bind(Net.AF_UNIX, name);
                if (e != 0) {
                    throw new IOException("bind(" + name + ") failed: " + Errno.name(e));
                }
            }
            grow(l, a, growth);
            l.listen(1);
            return new Listening(pa, lfd, l, l.name());
        } catch (IOException e) {
            l.close();
            throw new CheckpointException("fabric 'tcp': cannot listen for " + what(a) + ": " + e.getMessage(), pa.pid(), null, null, e);
        }
    }

    /**
     * The accepting half: waits for the other end's connection on the temporary listener, accepts it in the
     * listener's process at a's saved number and closes the listener there.
     *
     * @param from names the connecting end in errors
     * @return this JVM's duplicate of a's new socket
     */
    static Sock accept(Injections inj, Listening l, SocketImage a, String from) throws CheckpointException {
        try {
            if (l.sock().poll(Net.POLLIN, CONNECT_TIMEOUT_MS) == 0) {
                throw new CheckpointException("fabric 'tcp': the connection from " + from + " did not arrive at " + l.at());
            }
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': " + e.getMessage(), e);
        }
        FrozenProcess pa = l.process();
        int afd = (int) inj.call(pa, "accept4(" + l.fd() + ")", Net.SYS_ACCEPT4, l.fd(), 0, 0, 0);
        inj.close(pa, l.fd());
        inj.place(pa, afd, a.fd());
        Sock sa = inj.take(pa, a.fd());
        try {
            if ("tcp".equals(a.kind()) && !a.local().equals(sa.name())) {
                LOG.info("tcp: {} is now at {} (its saved address was taken)", what(a), sa.name());
            }
        } catch (IOException e) {
            // only for the log
        }
        return sa;
    }

    /**
     * A new socket in {@code p} connected to {@code to} (a listener that is not accepting: the connection waits in
     * its queue), put at the saved number (replacing what is there). For TCP it is first bound to the saved local
     * address when {@code bindSaved} and that is possible.
     *
     * @return this JVM's duplicate of it
     */
    static Sock connect(Injections inj, FrozenProcess p, SocketImage s, int min, String to, boolean bindSaved) throws CheckpointException {
        return connect(inj, p, s, min, to, bindSaved, null);
    }

    /** As above; with {@code growth}, the receive buffer is first grown for the captured incoming bytes. */
    static Sock connect(Injections inj, FrozenProcess p, SocketImage s, int min, String to, boolean bindSaved, java.util.Map<Integer, Refill.Growth> growth)
            throws CheckpointException {
        boolean tcp = "tcp".equals(s.kind());
        int fd = inj.socket(p, s.family(), s.sockType(), min);
        Sock c = inj.take(p, fd);
        try {
            boolean bound = false;
            if (tcp) {
                beforeBind(c, s); // connect binds too
            }
            if (tcp && bindSaved) {
                c.setInt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
                bound = c.bind(s.family(), s.local()) == 0;
            }
            grow(c, s, growth);
            c.setFlags(c.getFlags() | Net.O_NONBLOCK);
            int rc = c.connect(s.family(), to);
            if (tcp && bound && (rc == Net.EADDRNOTAVAIL || rc == Net.EADDRINUSE)) {
                // the saved 4-tuple is still in use (e.g. TIME_WAIT of the old connection): a fresh port
                c.close();
                inj.close(p, fd);
                return connect(inj, p, s, min, to, false, growth);
            }
            if (rc == Net.EINPROGRESS) {
                c.poll(Net.POLLOUT, CONNECT_TIMEOUT_MS);
                rc = c.getInt(Net.SOL_SOCKET, Net.SO_ERROR);
            }
            if (rc != 0) {
                throw new IOException("connect(" + to + ") failed: " + Errno.name(rc));
            }
        } catch (IOException e) {
            c.close();
            throw new CheckpointException("fabric 'tcp': cannot connect " + what(s) + ": " + e.getMessage(), p.pid(), null, null, e);
        }
        inj.place(p, fd, s.fd());
        return c;
    }

    private static void grow(Sock k, SocketImage s, java.util.Map<Integer, Refill.Growth> growth) throws IOException {
        if (growth != null && s.incoming() != null && "tcp".equals(s.kind())) {
            Refill.Growth g = Refill.growRcv(k, s.incoming().length());
            if (g != null) {
                growth.put(s.id(), g);
            }
        }
    }

    /**
     * A listener on its saved address. A taken address is an error naming it, except on a host that restores the
     * parts of several hosts ({@code shared} non-null): the listener then takes a fresh port of the same address,
     * said in {@code shared}. Its connections are rebuilt through the rendezvous, not through its port; only a
     * peer that connects to it later by the old number misses it.
     */
    static Sock listener(Injections inj, FrozenProcess p, SocketImage s, int min, List<String> shared) throws CheckpointException {
        int fd = inj.socket(p, s.family(), s.sockType(), min);
        Sock l = inj.take(p, fd);
        try {
            int e = 0;
            if ("unix".equals(s.kind())) {
                UnixName.bind(inj, p, fd, s, l); // a stale socket file is cleared; a name in use is an error naming it
            } else {
                l.setInt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
                beforeBind(l, s);
                e = l.bind(s.family(), s.local());
                if (e == Net.EADDRINUSE && shared != null) {
                    String fresh = s.local().substring(0, s.local().lastIndexOf(':')) + ":0";
                    e = l.bind(s.family(), fresh);
                    if (e == 0) {
                        shared.add(what(s) + " listened on " + s.local() + ", which is taken on this host: it listens on " + l.name()
                                + " (a peer that connects to the old port later will not reach it)");
                    }
                } else if (e == Net.EADDRINUSE) {
                    e = TimeWaitRemnants.bind(l, s);
                }
            }
            if (e != 0) {
                throw new CheckpointException("fabric 'tcp': the listening address " + s.local() + " of " + what(s) + " is taken (" + Errno.name(e)
                        + ("unix".equals(s.kind()) ? "" : TimeWaitRemnants.holders(s)) + "); free it and restart again", p.pid(), Errno.name(e), null, null);
            }
            l.listen(s.backlog() > 0 ? s.backlog() : 128);
        } catch (IOException e) {
            l.close();
            throw new CheckpointException("fabric 'tcp': cannot listen for " + what(s) + ": " + e.getMessage(), p.pid(), null, null, e);
        } catch (InterruptedException e) {
            l.close();
            Thread.currentThread().interrupt();
            throw new CheckpointException("fabric 'tcp': interrupted while waiting for the port of " + what(s), p.pid(), null, null, e);
        } catch (CheckpointException e) {
            l.close();
            throw e;
        }
        inj.place(p, fd, s.fd());
        return l;
    }

    /**
     * A connection that is already broken, for {@code --external close}: connected to a listener of this JVM whose
     * accepted end is closed at once with a reset (SO_LINGER 0; a Unix peer is just closed). The application's
     * next receive fails with ECONNRESET and then reads end-of-file, a send fails with EPIPE: what it sees after a
     * network failure. Its peer address is that temporary listener's.
     */
    static Sock broken(Injections inj, FrozenProcess p, SocketImage s, int min) throws CheckpointException {
        boolean tcp = "tcp".equals(s.kind());
        try (Sock t = Sock.open(s.family(), s.sockType())) {
            String loop = tcp ? (s.family() == Net.AF_INET6 ? "[::1]:0" : "127.0.0.1:0")
                    : "@quiesce-broken-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
            int e = t.bind(s.family(), loop);
            if (e != 0) {
                throw new IOException("bind(" + loop + ") failed: " + Errno.name(e));
            }
            t.listen(1);
            Sock c = connect(inj, p, s, min, t.name(), false);
            if (t.poll(Net.POLLIN, CONNECT_TIMEOUT_MS) != 0) {
                try (Sock a = t.accept()) {
                    if (tcp) {
                        a.setBytes(Net.SOL_SOCKET, Net.SO_LINGER, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).array());
                    }
                }
            }
            return c;
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': cannot make a closed connection for " + what(s) + ": " + e.getMessage(), p.pid(), null,
                    null, e);
        }
    }

    /** An unconnected socket, bound to its saved address when it had a port (best effort). */
    static Sock unconnected(Injections inj, FrozenProcess p, SocketImage s, int min) throws CheckpointException {
        int fd = inj.socket(p, s.family(), s.sockType(), min);
        Sock c = inj.take(p, fd);
        if ("tcp".equals(s.kind()) && SockAddr.port(s.local()) != 0 && c.bind(s.family(), s.local()) != 0) {
            LOG.warn("tcp: {} could not be bound to its saved address again", what(s));
        }
        if ("unix".equals(s.kind()) && s.name() != null && !s.name().isEmpty()) {
            UnixName.bind(inj, p, fd, s, c);
        }
        inj.place(p, fd, s.fd());
        return c;
    }

    /**
     * The saved options that act only at bind: IPV6_V6ONLY (which cannot be changed once bound: an IPv6 listener
     * rebuilt without it takes the IPv4 port too, and the job's own IPv4 listener on that port then fails with
     * EADDRINUSE) and SO_REUSEPORT.
     */
    static void beforeBind(Sock k, SocketImage s) throws IOException {
        for (Option o : s.options()) {
            if ((o.level() == Net.SOL_IPV6 && o.name() == Net.IPV6_V6ONLY) || (o.level() == Net.SOL_SOCKET && o.name() == Net.SO_REUSEPORT)) {
                Integer now = k.getIntOrNull(o.level(), o.name());
                if (now != null && now != o.value()) {
                    k.setInt(o.level(), o.name(), o.value());
                }
            }
        }
    }

    /**
     * Puts the saved options back. Buffer sizes follow one rule, since whether an application set them (which locks
     * them) cannot be read back: TCP autotuning only grows buffers from the kernel's defaults, so a saved size
     * smaller than the new socket's is the application's and is set again; a larger one is left to autotuning. Unix
     * sockets do not autotune: a size that differs is set again.
     */
    static void options(Sock s, SocketImage img) throws CheckpointException {
        options(s, img, null, null);
    }

    /**
     * As above, comparing saved buffer sizes with the fresh socket's ({@code freshSnd}/{@code freshRcv}, when the
     * refill grew them; null: the current size).
     */
    static void options(Sock s, SocketImage img, Integer freshSnd, Integer freshRcv) throws CheckpointException {
        try {
            Integer lingerOn = null;
            for (Option o : img.options()) {
                if (o.name() == Net.SO_LINGER) {
                    lingerOn = o.value();
                    continue;
                }
                if (o.name() == -Net.SO_LINGER) {
                    s.setBytes(Net.SOL_SOCKET, Net.SO_LINGER,
                            ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(lingerOn == null ? 0 : lingerOn).putInt(o.value()).array());
                    continue;
                }
                if (o.level() == Net.SOL_SOCKET && (o.name() == Net.SO_SNDBUF || o.name() == Net.SO_RCVBUF)) {
                    Integer fresh = o.name() == Net.SO_SNDBUF ? freshSnd : freshRcv;
                    int now = fresh != null ? fresh : s.getInt(o.level(), o.name());
                    if ("tcp".equals(img.kind()) ? o.value() < now : o.value() != now) {
                        s.setInt(o.level(), o.name(), o.value() / 2); // the kernel doubles what it is given
                    }
                    continue;
                }
                if (o.level() == Net.SOL_IPV6 && o.name() == Net.IPV6_V6ONLY) {
                    // set before bind where it matters (beforeBind); a bound socket refuses it with EINVAL, and an
                    // accepted one has its listener's, which only decided which addresses it could be reached at
                    continue;
                }
                Integer now = s.getIntOrNull(o.level(), o.name());
                if (now != null && now != o.value()) {
                    s.setInt(o.level(), o.name(), o.value());
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': cannot restore the options of " + what(img) + ": " + e.getMessage(), e);
        }
    }

    static String what(SocketImage s) {
        String t = s.sockType() == Net.SOCK_DGRAM ? " dgram" : s.sockType() == Net.SOCK_SEQPACKET ? " seqpacket" : "";
        String at = "unix".equals(s.kind()) && s.name() != null
                ? (s.name().isEmpty() ? "unnamed" : s.name()) + (s.remote() != null ? " -> "
                        + (s.peerName() == null || s.peerName().isEmpty() ? "unnamed peer " + s.remote() : s.peerName()) : "")
                : s.local() + (s.remote() != null ? " -> " + s.remote() : "");
        return (s.fd() >= 0 ? "process " + s.pid() + " fd " + s.fd() : "a pending connection of process " + s.pid()) + " (" + s.kind() + t
                + (TcpImage.LISTEN.equals(s.role()) ? " listener " : " ") + at + ")";
    }
}
