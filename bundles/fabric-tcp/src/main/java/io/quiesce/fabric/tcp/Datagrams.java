package io.quiesce.fabric.tcp;

import com.sun.jna.Memory;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.NotSupportedException;
import io.quiesce.fabric.tcp.TcpImage.Message;
import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import io.quiesce.fabric.tcp.linux.SockAddr;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP (IPv4, IPv6) and Unix datagram sockets, and the records of Unix seqpacket connections.
 *
 * <p>Checkpoint: a datagram socket keeps nothing on the sending side (a UDP datagram on loopback and a Unix
 * datagram are in the receiver's queue as soon as send returns), so the receiver's queue is read with
 * {@link Records#peek} and nothing changes: a continue has nothing to put back. Each message keeps its length and
 * sender address, and the job socket that sent it is found by that address: a Unix receiver connected to a job
 * peer gets everything from that peer; an unconnected one from a job socket bound to the sender's name, or, for an
 * unnamed sender, from an unnamed socket of the platform (the receiver sees the same empty address). A Unix
 * datagram from a named socket outside the job is refused. A UDP datagram from outside the job is kept on continue
 * and dropped at restart, with a warning at checkpoint (UDP may lose datagrams; the job's own are never lost).
 *
 * <p>Restart: each socket is created in its process, its options set, bound to its saved address (a Unix path by
 * a bind injected into the process, so the file is its own, after {@link UnixName} cleared a stale one; an unnamed
 * Unix socket that is connected to or holds messages gets an abstract name), then connected as it was; then every
 * message is sent again, in queue order, from its sender's rebuilt socket to the receiver, and the receiver's
 * queue is counted to prove that all arrived.
 */
final class Datagrams {
    private static final Logger LOG = LoggerFactory.getLogger(Datagrams.class);
    private static final AtomicLong NAMES = new AtomicLong();

    private Datagrams() {
    }

    static void describeUdp(Found f, int domain) throws IOException {
        f.kind = "udp";
        f.family = domain;
        f.type = Net.SOCK_DGRAM;
        f.local = f.sock.name();
        f.remote = f.sock.peer();
        f.state = f.remote != null ? Net.TCP_ESTABLISHED : Net.TCP_CLOSE;
        int ipl = domain == Net.AF_INET6 ? Net.SOL_IPV6 : Net.SOL_IP;
        int[][] ip = domain == Net.AF_INET6
                ? new int[][] { { ipl, Net.IPV6_V6ONLY }, { ipl, Net.IPV6_UNICAST_HOPS }, { ipl, Net.IPV6_TCLASS }, { ipl, Net.IPV6_MULTICAST_HOPS },
                        { ipl, Net.IPV6_MULTICAST_LOOP } }
                : new int[][] { { ipl, Net.IP_TTL }, { ipl, Net.IP_TOS }, { ipl, Net.IP_MULTICAST_TTL }, { ipl, Net.IP_MULTICAST_LOOP } };
        int[][] sol = { { Net.SOL_SOCKET, Net.SO_REUSEADDR }, { Net.SOL_SOCKET, Net.SO_REUSEPORT }, { Net.SOL_SOCKET, Net.SO_BROADCAST },
                { Net.SOL_SOCKET, Net.SO_PRIORITY }, { Net.SOL_SOCKET, Net.SO_RCVLOWAT }, { Net.SOL_SOCKET, Net.SO_SNDBUF },
                { Net.SOL_SOCKET, Net.SO_RCVBUF } };
        int[][] all = new int[ip.length + sol.length][];
        System.arraycopy(sol, 0, all, 0, sol.length);
        System.arraycopy(ip, 0, all, sol.length, ip.length);
        TcpCheckpoint.options(f, all);
    }

    /** Keeps messages in {@code f} (bytes one after the other in {@code incoming}, lengths and senders in records). */
    static void keep(Found f, List<Records.Peeked> q) {
        f.records = msgs(q);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        q.forEach(p -> b.write(p.data(), 0, p.data().length));
        f.incoming = b.size() == 0 ? null : b.toByteArray();
        if (f.records.isEmpty()) {
            f.records = null;
        }
    }

    private static List<Found.Msg> msgs(List<Records.Peeked> q) {
        List<Found.Msg> out = new ArrayList<>();
        for (Records.Peeked p : q) {
            Found.Msg m = new Found.Msg(p.data().length, p.from());
            if (p.creds() != null) {
                m.uid = p.creds()[1];
                m.gid = p.creds()[2];
            }
            m.fds = p.fds();
            out.add(m);
        }
        return out;
    }

    /**
     * Captures a datagram socket's queue (see {@link #capture(Found)}) and finds who sends each message again.
     *
     * @return the bytes captured
     */
    static long capture(Found f, List<Found> found, List<String> warnings) throws IOException, NotSupportedException {
        boolean unix = "unix".equals(f.kind);
        if (unix && f.remote != null) {
            for (Found o : found) {
                if ("unix".equals(o.kind) && f.remote.equals(o.local)) {
                    f.peer = o;
                }
            }
            if (f.peer == null && (f.peerName == null || f.peerName.isEmpty())) {
                throw new NotSupportedException("fabric 'tcp' cannot save " + f.describe() + ": it is connected to an unnamed socket outside the job, "
                        + "which could not be connected to again");
            }
        }
        // first check, without consuming, that every message can be sent again (and carries no descriptors)
        senders(f, msgs(Records.peek(f.sock, f.describe())), found);
        capture(f);
        int outside = senders(f, f.records == null ? List.of() : f.records, found);
        refuseRights(f);
        if (f.records == null) {
            return 0;
        }
        if (outside > 0) {
            List<String> from = new ArrayList<>();
            f.records.stream().filter(m -> m.sender == Message.DROPPED && !from.contains(m.from)).forEach(m -> from.add(m.from));
            warnings.add(f.describe() + ": " + outside + " queued datagram(s) from outside the job (" + String.join(", ", from)
                    + ") were dropped: they cannot be sent again from their senders' addresses (UDP may lose datagrams)");
        }
        long withCreds = f.records.stream().filter(m -> m.uid != null).count();
        if (withCreds > 0) {
            warnings.add(f.describe() + ": " + withCreds + " queued message(s) carry sender credentials (SO_PASSCRED); they are sent again with "
                    + "the saved uid/gid and the sending process's PID where the platform may (CAP_SYS_ADMIN, e.g. root), otherwise with the "
                    + "platform's own credentials (same user; its PID, which reads as 0 inside the job's PID namespace)");
        }
        LOG.info("tcp: {}: {} queued messages, {} bytes taken to be sent again{}", f.describe(), f.records.size(),
                f.incoming == null ? 0 : f.incoming.length, outside > 0 ? " (" + outside + " from outside the job dropped)" : "");
        return f.incoming == null ? 0 : f.incoming.length;
    }

    /**
     * Consumes a message queue: an offset peek cannot be exact, since the kernel hides a zero-length message from
     * it once that message has been peeked (by the application, or by an earlier checkpoint). So every message
     * queue is taken and sent again before anything runs, by {@link #putBack} on continue and {@link #refill} at
     * restart, from the socket that sent it (same address); messages are kept whole and in order. Descriptors that
     * came with a message (SCM_RIGHTS) are kept open here and sent with it again; such a checkpoint is refused.
     */
    static void capture(Found f) throws IOException, NotSupportedException { // then refuseRights
        keep(f, Records.take(f.sock, f.describe()));
        f.strategy = "drain";
    }

    /** Refuses a taken queue that held descriptors (after its senders are known, so that resume can put it back). */
    static void refuseRights(Found f) throws NotSupportedException {
        for (Found.Msg p : f.records == null ? List.<Found.Msg>of() : f.records) {
            if (p.fds != null) {
                throw new NotSupportedException("fabric 'tcp' cannot save " + f.describe() + ": a queued message carries " + p.fds.length
                        + " file descriptor(s) passed with SCM_RIGHTS and not yet received, which cannot be kept (the queue is put back as it was)");
            }
        }
    }

    /**
     * Finds the job socket that sends each message again: a connected Unix receiver's peer; for an unconnected one the
     * job socket bound to the sender's name, or the platform for an unnamed sender; for UDP the job socket bound to
     * the source address. A Unix message nobody in the job can send again is refused.
     *
     * @return how many UDP datagrams came from outside the job (marked {@link Message#DROPPED})
     */
    private static int senders(Found f, List<Found.Msg> msgs, List<Found> found) throws NotSupportedException {
        boolean unix = "unix".equals(f.kind);
        int outside = 0;
        for (Found.Msg m : msgs) {
            boolean unnamed = m.from == null || m.from.isEmpty();
            if (unix && f.remote != null) {
                if (f.peer == null || !(unnamed ? f.peer.name.isEmpty() : m.from.equals(f.peer.name))) {
                    throw new NotSupportedException("fabric 'tcp' cannot save " + f.describe() + ": a queued datagram from " + (unnamed ? "an unnamed socket" : m.from)
                            + " did not come from its connected peer" + (f.peer == null ? " (outside the job)" : "")
                            + ", so it could not be sent again");
                }
                m.by = f.peer;
            } else if (unix) {
                if (!unnamed) {
                    m.by = byName(found, m.from);
                    if (m.by == null) {
                        throw new NotSupportedException("fabric 'tcp' cannot save " + f.describe() + ": a queued datagram comes from " + m.from
                                + ", which is no socket of the job, so it could not be sent again from that address");
                    }
                }
            } else {
                m.by = udpSender(found, f, m.from);
                if (m.by == null) {
                    m.sender = Message.DROPPED;
                    outside++;
                }
            }
        }
        return outside;
    }

    private static Found byName(List<Found> found, String name) {
        for (Found o : found) {
            if ("unix".equals(o.kind) && o.type == Net.SOCK_DGRAM && name.equals(o.name)) {
                return o;
            }
        }
        return null;
    }

    /** @return the job's UDP socket bound to the datagram's source (exactly, or on a wildcard address with that port) */
    private static Found udpSender(List<Found> found, Found receiver, String from) {
        if (from == null) {
            return null;
        }
        for (Found o : found) {
            if ("udp".equals(o.kind) && o.family == receiver.family && Pending.reaches(o.local, from)) {
                return o;
            }
        }
        return null;
    }

    /**
     * Rebuilds every datagram socket of the image in its process: create, options, bind, then (once all are bound)
     * connect; puts each at its saved number.
     */
    static void rebuild(Injections inj, List<SocketImage> sockets, Map<Integer, SocketImage> byId, Function<SocketImage, FrozenProcess> process,
            Function<SocketImage, Integer> min, Map<Integer, Sock> socks) throws CheckpointException {
        Map<Integer, Integer> fds = new HashMap<>();
        List<Integer> targets = new ArrayList<>();
        for (SocketImage s : sockets) {
            if (TcpImage.DATAGRAM.equals(s.role()) && s.peer() >= 0) {
                targets.add(s.peer());
            }
        }
        for (SocketImage s : sockets) {
            if (!TcpImage.DATAGRAM.equals(s.role())) {
                continue;
            }
            FrozenProcess p = process.apply(s);
            int fd = inj.socket(p, s.family(), Net.SOCK_DGRAM, min.apply(s));
            Sock k = inj.take(p, fd);
            socks.put(s.id(), k);
            fds.put(s.id(), fd);
            Rebuild.options(k, s); // before bind: SO_REUSEADDR/SO_REUSEPORT/IPV6_V6ONLY act there
            try {
                if ("udp".equals(s.kind())) {
                    if (SockAddr.port(s.local()) != 0) {
                        int e = k.bind(s.family(), s.local());
                        if (e != 0) {
                            throw new CheckpointException("fabric 'tcp': the address " + s.local() + " of " + Rebuild.what(s) + " is taken (" + Errno.name(e)
                                    + "); free it and restart again", p.pid(), Errno.name(e), null, null);
                        }
                    }
                } else if (!s.name().isEmpty()) {
                    UnixName.bind(inj, p, fd, s, k);
                } else if (targets.contains(s.id()) || s.records() != null) {
                    // to be connected to or sent to, an unnamed Unix datagram socket needs a name: an abstract one
                    String name = "@quiesce-dgram-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + NAMES.incrementAndGet();
                    int e = k.bind(Net.AF_UNIX, name);
                    if (e != 0) {
                        throw new IOException("bind(" + name + ") failed: " + Errno.name(e));
                    }
                }
            } catch (IOException e) {
                throw new CheckpointException("fabric 'tcp': cannot bind " + Rebuild.what(s) + ": " + e.getMessage(), p.pid(), null, null, e);
            }
        }
        for (SocketImage s : sockets) {
            if (!TcpImage.DATAGRAM.equals(s.role()) || s.remote() == null) {
                continue;
            }
            Sock k = socks.get(s.id());
            String to = s.remote();
            try {
                if ("unix".equals(s.kind())) {
                    to = s.peer() >= 0 ? socks.get(s.peer()).name() : s.peerName();
                }
                int e = k.connect(s.family(), to);
                if (e != 0) {
                    throw new IOException("connect(" + to + ") failed: " + Errno.name(e));
                }
            } catch (IOException e) {
                throw new CheckpointException("fabric 'tcp': cannot connect " + Rebuild.what(s) + ": " + e.getMessage(), process.apply(s).pid(), null, null, e);
            }
        }
        for (SocketImage s : sockets) {
            if (fds.containsKey(s.id())) {
                inj.place(process.apply(s), fds.get(s.id()), s.fd());
            }
        }
    }

    /**
     * Sends every captured message again (datagram sockets and seqpacket connections), in queue order per receiver,
     * from its sender's rebuilt socket, then counts the receiver's queue.
     *
     * @param queues captured bytes by socket id
     * @param pidOf  the (restored) PID of a socket's process (for SCM_CREDENTIALS)
     * @param fds    on continue, the descriptors that came with each message by receiver id (null entries: none); at
     *               restart null
     * @return the messages sent
     */
    static long refill(List<SocketImage> sockets, Map<Integer, SocketImage> byId, Map<Integer, byte[]> queues, Map<Integer, Sock> socks,
            Function<SocketImage, Long> pidOf, Map<Integer, int[][]> fds) throws CheckpointException {
        long sent = 0;
        Sock platform = null;
        boolean[] credWarned = { false };
        try {
            for (SocketImage r : sockets) {
                if (r.records() == null || !(TcpImage.DATAGRAM.equals(r.role()) || TcpImage.CONNECTED.equals(r.role()))) {
                    continue;
                }
                Sock to = socks.get(r.id());
                byte[] bytes = queues.get(r.id());
                byte[] addr = null;
                if (TcpImage.DATAGRAM.equals(r.role())) {
                    String name = to.name();
                    if ("udp".equals(r.kind())) {
                        name = loopback(name, r.family());
                    }
                    addr = name.isEmpty() ? null : SockAddr.encode(r.family(), name);
                }
                Integer rcvbuf = null;
                if ("udp".equals(r.kind()) && bytes != null) {
                    // room for the skb overhead too (a rebuilt socket's buffer may be smaller than the one that held them); set back below
                    rcvbuf = to.getInt(Net.SOL_SOCKET, Net.SO_RCVBUF);
                    Refill.growRcv(to, bytes.length + 2048L * r.records().size());
                }
                int expected = 0;
                int dropped = 0;
                try (Memory m = new Memory(Math.max(1, bytes == null ? 1 : bytes.length))) {
                    if (bytes != null) {
                        m.write(0, bytes, 0, bytes.length);
                    }
                    long off = 0;
                    int index = -1;
                    for (Message msg : r.records()) {
                        index++;
                        int sender = TcpImage.CONNECTED.equals(r.role()) ? r.peer() : msg.sender();
                        if (sender == Message.DROPPED) {
                            dropped++;
                            off += msg.length();
                            continue;
                        }
                        Sock from;
                        long pid;
                        if (sender == Message.PLATFORM) {
                            if (platform == null) {
                                platform = Sock.open(Net.AF_UNIX, Net.SOCK_DGRAM);
                            }
                            from = platform;
                            pid = ProcessHandle.current().pid();
                        } else {
                            from = socks.get(sender);
                            pid = pidOf.apply(byId.get(sender));
                        }
                        int[] passed = fds == null || fds.get(r.id()) == null ? null : fds.get(r.id())[index];
                        byte[] creds = msg.uid() == null ? null : Records.credsMessage((int) pid, msg.uid(), msg.gid());
                        send(from, m, off, msg.length(), addr, creds, passed == null ? null : Records.rightsMessage(passed), r, credWarned);
                        off += msg.length();
                        expected++;
                        sent++;
                    }
                }
                if ("udp".equals(r.kind())) {
                    // UDP drops what does not fit: count (a Unix send either queues the message or fails)
                    int arrived = Records.peek(to, Rebuild.what(r)).size();
                    if (rcvbuf != null) {
                        to.setInt(Net.SOL_SOCKET, Net.SO_RCVBUF, rcvbuf / 2);
                    }
                    if (arrived != expected) {
                        throw new CheckpointException("fabric 'tcp': " + expected + " datagrams were sent again to " + Rebuild.what(r) + " but " + arrived
                                + " are in its queue (a full receive buffer drops datagrams)");
                    }
                }
                LOG.info("tcp: {}: {} messages sent again{}", Rebuild.what(r), expected,
                        dropped > 0 ? "; " + dropped + " datagram(s) from outside the job dropped" : "");
                if (dropped > 0) {
                    LOG.warn("tcp: {}: {} queued datagram(s) from outside the job were dropped at restart", Rebuild.what(r), dropped);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': " + e.getMessage(), e);
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
        return sent;
    }

    /**
     * Continue: sends every consumed message queue again from the original senders (processes still stopped), with
     * the descriptors that came with the messages; then closes this JVM's copies of those descriptors.
     */
    static void putBack(List<Found> found) throws CheckpointException {
        Map<Integer, SocketImage> byId = new HashMap<>();
        Map<Integer, Sock> socks = new HashMap<>();
        Map<Integer, byte[]> queues = new HashMap<>();
        Map<Integer, int[][]> fds = new HashMap<>();
        List<SocketImage> with = new ArrayList<>();
        for (Found f : found) {
            SocketImage s = ImageStore.image(f, null, null);
            byId.put(f.id, s);
            if (f.sock != null) {
                socks.put(f.id, f.sock);
            }
            if (f.records != null && "drain".equals(f.strategy)) {
                with.add(s);
                queues.put(f.id, f.incoming);
                fds.put(f.id, f.records.stream().map(m -> m.fds).toArray(int[][]::new));
            }
        }
        if (with.isEmpty()) {
            return;
        }
        try {
            long n = refill(with, byId, queues, socks, SocketImage::pid, fds);
            LOG.info("tcp: {} messages put back", n);
        } finally {
            for (Found f : found) {
                if (f.records != null && "drain".equals(f.strategy)) {
                    f.records.stream().filter(m -> m.fds != null).forEach(m -> java.util.Arrays.stream(m.fds).forEach(Net.INSTANCE::close));
                    f.strategy = "put back";
                }
            }
        }
    }

    /**
     * One message: with the saved uid/gid and the sender's PID as credentials when the receiver had asked for them
     * (allowed to root; as a plain user the kernel refuses another PID, so the platform's own credentials go).
     */
    private static void send(Sock from, Memory m, long off, int len, byte[] addr, byte[] creds, byte[] rights, SocketImage r, boolean[] credWarned)
            throws IOException, CheckpointException {
        for (int attempt = 0;; attempt++) {
            byte[] ctl = creds == null ? rights : rights == null ? creds : concat(creds, rights);
            long n = from.sendMsg(m, off, len, addr, ctl);
            if (n == -Net.EPERM && creds != null) {
                if (!credWarned[0]) {
                    credWarned[0] = true;
                    LOG.warn("tcp: {}: the messages sent again carry the platform's credentials (SCM_CREDENTIALS), not their senders' (EPERM)", Rebuild.what(r));
                }
                creds = null; // the kernel then gives this JVM's
                continue;
            }
            if (n == len) {
                return;
            }
            if (n == -Net.EAGAIN && attempt == 0) {
                // the sender's buffer holds its messages until they are read: give it room (its saved size comes back with the options)
                Refill.growSnd(from, 64L << 20);
                continue;
            }
            throw new CheckpointException("fabric 'tcp': cannot send a " + len + "-byte message again to " + Rebuild.what(r) + ": "
                    + (n < 0 ? Errno.name((int) -n) : "only " + n + " bytes were sent"));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** A wildcard UDP address as a destination: the loopback address of its family, same port. */
    private static String loopback(String local, int family) {
        String host = local.substring(0, local.lastIndexOf(':'));
        if (host.equals("0.0.0.0")) {
            return "127.0.0.1" + local.substring(local.lastIndexOf(':'));
        }
        if (host.equals("[::]") || host.equals("[0:0:0:0:0:0:0:0]")) {
            return "[::1]" + local.substring(local.lastIndexOf(':'));
        }
        return local;
    }
}
