package io.quiesce.fabric.tcp;

import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.NotSupportedException;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import io.quiesce.fabric.tcp.linux.UnixDiag;
import java.io.ByteArrayOutputStream;
import io.quiesce.process.ProcFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.sun.jna.Memory;

/**
 * The network part of one checkpoint: finds the job's TCP and Unix stream sockets through duplicates taken with
 * pidfd_getfd (no injection), captures every intra-job connection's queues, and puts back what it consumed.
 *
 * <p>Per direction of a connection the strategy is decided at once from the sender's SIOCOUTQ (facts §2: on
 * loopback a sender's queue is either empty or stuck behind the receiver's closed window, it never drains by
 * itself): empty → {@code peek}, the receiver's queue is copied with MSG_PEEK and nothing changes; else →
 * {@code drain}, the receiver's queue is consumed (each receive opens the window and the kernel moves the sender's
 * bytes over while both stay stopped) until the sender's queue is empty, and {@link #resume()} sends the bytes
 * again from the sender, whose send queue is then empty, so they precede anything the application sends later.
 * Unix stream sockets keep their bytes in the receiver's queue only: always {@code peek}. Message queues (UDP, Unix
 * datagram and seqpacket) are taken and sent again message by message: see {@link Datagrams}.
 */
final class TcpCheckpoint implements FabricCheckpoint {
    private static final ProcFs PROC = new ProcFs(Path.of("/proc"));
    private static final Logger LOG = LoggerFactory.getLogger(TcpCheckpoint.class);
    private static final int DRAIN_CHUNK = 8 << 20;
    private static final long DRAIN_TIMEOUT_MS = 5000;

    private final TcpFabric fabric;
    private final List<FrozenProcess> frozen;
    private final List<Found> found = new ArrayList<>();
    private final Map<String, Found> byEnd = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private boolean drained;
    /** this host's ends of connections to the job's processes on other hosts */
    private final List<Found> remote = new ArrayList<>();
    private CrossHost crossHost;
    /** after settle: what was taken from those ends */
    private Map<Found, byte[]> settled;
    private boolean handedOver;
    /** resume() was called: the job runs on (continue or abort); without it, a drained job was killed after commit. */
    private boolean resumeCalled;

    TcpCheckpoint(TcpFabric fabric, List<FrozenProcess> frozen) {
        this.fabric = fabric;
        this.frozen = frozen;
    }

    @Override
    public List<Endpoint> discover() throws CheckpointException {
        long t0 = System.nanoTime();
        Set<Long> seen = new HashSet<>();
        Map<Long, UnixDiag.Info> unix = null;
        for (FrozenProcess p : frozen) {
            Map<Integer, Long> fds = socketFds(p.pid());
            if (fds.isEmpty()) {
                continue;
            }
            int pidfd;
            try {
                pidfd = Sock.pidfd(p.pid());
            } catch (IOException e) {
                throw new CheckpointException("cannot reach the sockets of process " + p.pid() + ": " + e.getMessage(), p.pid(), null, null, e);
            }
            try {
                for (Map.Entry<Integer, Long> e : fds.entrySet()) {
                    if (!seen.add(e.getValue())) {
                        continue; // a shared socket is claimed once, at its first descriptor
                    }
                    Found f = new Found();
                    f.pid = p.pid();
                    f.fd = e.getKey();
                    f.inode = e.getValue();
                    try {
                        f.sock = Sock.take(pidfd, f.fd);
                        int domain = f.sock.getInt(Net.SOL_SOCKET, Net.SO_DOMAIN);
                        int type = f.sock.getInt(Net.SOL_SOCKET, Net.SO_TYPE);
                        boolean ip = domain == Net.AF_INET || domain == Net.AF_INET6;
                        int protocol = ip ? f.sock.getInt(Net.SOL_SOCKET, Net.SO_PROTOCOL) : 0;
                        boolean tcp = ip && type == Net.SOCK_STREAM && protocol == 6;
                        boolean udp = ip && type == Net.SOCK_DGRAM && protocol == Net.SOL_UDP;
                        boolean unixSock = domain == Net.AF_UNIX && (type == Net.SOCK_STREAM || type == Net.SOCK_DGRAM || type == Net.SOCK_SEQPACKET);
                        if (unixSock) {
                            if (unix == null) {
                                unix = UnixDiag.dump();
                            }
                            UnixDiag.Info info = unix.get(f.inode);
                            unixSock = info != null;
                            if (unixSock) {
                                describeUnix(f, info, type);
                            }
                        }
                        if (tcp) {
                            describeTcp(f, domain);
                        } else if (udp) {
                            Datagrams.describeUdp(f, domain);
                        }
                        if (!tcp && !udp && !unixSock) {
                            f.sock.close(); // not ours: the coordinator refuses the checkpoint, naming it
                            continue;
                        }
                        f.cloexec = cloexec(p.pid(), f.fd);
                        f.flags = f.sock.getFlags();
                    } catch (NotSupportedException ex) {
                        f.sock.close();
                        throw ex;
                    } catch (IOException ex) {
                        if (f.sock != null) {
                            f.sock.close();
                        }
                        throw new CheckpointException("process " + p.pid() + " fd " + f.fd + " (socket:[" + f.inode + "]): " + ex.getMessage(),
                                p.pid(), null, null, ex);
                    }
                    f.id = found.size();
                    found.add(f);
                    byEnd.put(f.pid + ":" + f.fd, f);
                }
            } finally {
                Net.INSTANCE.close(pidfd);
            }
        }
        List<Endpoint> out = new ArrayList<>();
        for (Found f : found) {
            out.add(new Endpoint("tcp", fabric.host(), f.pid, f.fd, f.kind + "-" + (f.listener ? "listen" : Found.state(f.state)), f.local,
                    f.listener ? null : f.remote));
        }
        out.addAll(Pending.takeOff(this, found));
        LOG.debug("tcp: discovered {} sockets in {} ms", found.size(), (System.nanoTime() - t0) / 1_000_000);
        return out;
    }

    List<Found> found() {
        return found;
    }

    String host() {
        return fabric.host();
    }

    private static void describeTcp(Found f, int domain) throws IOException {
        f.kind = "tcp";
        f.family = domain;
        ByteBuffer info = ByteBuffer.wrap(f.sock.getBytes(Net.SOL_TCP, Net.TCP_INFO, 104)).order(ByteOrder.nativeOrder());
        f.state = info.get(0) & 0xff;
        f.local = f.sock.name();
        f.listener = f.state == Net.TCP_LISTEN;
        if (f.listener) {
            f.pendingCount = info.getInt(24); // tcpi_unacked: the accept queue's length for a listener
            f.backlog = info.getInt(28); // tcpi_sacked: its backlog
        } else {
            f.remote = f.sock.peer();
        }
        f.finSent = f.state == Net.TCP_FIN_WAIT1 || f.state == Net.TCP_FIN_WAIT2 || f.state == Net.TCP_CLOSING
                || f.state == Net.TCP_TIME_WAIT || f.state == Net.TCP_LAST_ACK;
        int[][] opts = { { Net.SOL_TCP, Net.TCP_NODELAY }, { Net.SOL_SOCKET, Net.SO_KEEPALIVE }, { Net.SOL_TCP, Net.TCP_KEEPIDLE },
                { Net.SOL_TCP, Net.TCP_KEEPINTVL }, { Net.SOL_TCP, Net.TCP_KEEPCNT }, { Net.SOL_TCP, Net.TCP_USER_TIMEOUT },
                { Net.SOL_TCP, Net.TCP_NOTSENT_LOWAT }, { Net.SOL_SOCKET, Net.SO_OOBINLINE }, { Net.SOL_SOCKET, Net.SO_RCVLOWAT },
                { Net.SOL_SOCKET, Net.SO_SNDBUF }, { Net.SOL_SOCKET, Net.SO_RCVBUF }, { Net.SOL_SOCKET, Net.SO_REUSEADDR },
                { Net.SOL_TCP, Net.TCP_CORK }, { Net.SOL_SOCKET, Net.SO_REUSEPORT } };
        options(f, opts);
        if (f.family == Net.AF_INET6) {
            // an IPv6 socket that is IPv6-only leaves the IPv4 port to another (mpirun listens on both): set before bind
            options(f, new int[][] { { Net.SOL_IPV6, Net.IPV6_V6ONLY } });
        }
    }

    private static void describeUnix(Found f, UnixDiag.Info info, int type) throws IOException, NotSupportedException {
        f.kind = "unix";
        f.family = Net.AF_UNIX;
        f.type = type;
        f.state = info.state();
        f.local = "unix:" + f.inode;
        f.name = f.sock.name();
        f.listener = info.state() == Net.TCP_LISTEN;
        if (f.listener) {
            f.waiting = info.waiting();
            f.pendingCount = f.waiting.size();
            f.backlog = info.backlog();
        } else {
            f.remote = info.peer() != 0 ? "unix:" + info.peer() : null;
            f.peerName = f.remote == null ? null : f.sock.peer();
        }
        if (!f.name.isEmpty() && !f.name.startsWith("/") && !f.name.startsWith("@")) {
            throw new NotSupportedException("fabric 'tcp' cannot save " + f.describe() + ": it is bound to the relative path '" + f.name
                    + "', which cannot be found again reliably (the process may have changed its working directory since)");
        }
        f.finSent = (info.shutdown() & 2) != 0; // SEND_SHUTDOWN
        options(f, new int[][] { { Net.SOL_SOCKET, Net.SO_PASSCRED }, { Net.SOL_SOCKET, Net.SO_RCVLOWAT },
                { Net.SOL_SOCKET, Net.SO_SNDBUF }, { Net.SOL_SOCKET, Net.SO_RCVBUF } });
    }

    static void options(Found f, int[][] opts) throws IOException {
        for (int[] o : opts) {
            Integer v = f.sock.getIntOrNull(o[0], o[1]);
            if (v != null) {
                f.options.add(new TcpImage.Option(o[0], o[1], v));
            }
        }
        byte[] linger = f.sock.getBytes(Net.SOL_SOCKET, Net.SO_LINGER, 8);
        ByteBuffer l = ByteBuffer.wrap(linger).order(ByteOrder.nativeOrder());
        if (l.getInt(0) != 0) {
            f.options.add(new TcpImage.Option(Net.SOL_SOCKET, Net.SO_LINGER, l.getInt(0)));
            f.options.add(new TcpImage.Option(Net.SOL_SOCKET, -Net.SO_LINGER, l.getInt(4)));
        }
    }

    @Override
    public void drain(List<Channel> channels) throws CheckpointException {
        long t0 = System.nanoTime();
        for (Channel c : channels) {
            Found f = c.a().fd() < 0 ? null : byEnd.get(c.a().pid() + ":" + c.a().fd());
            if (f == null || f.type == Net.SOCK_DGRAM) {
                continue; // datagram sockets are saved one by one (Datagrams)
            }
            f.channel = c.id();
            if (f.role == null && c.b() != null && !c.b().host().equals(c.a().host())) {
                if (!"tcp".equals(f.kind) || f.state != Net.TCP_ESTABLISHED) {
                    throw new NotSupportedException("fabric 'tcp' cannot drain " + f.describe() + ": its peer is on host " + c.b().host()
                            + " and the connection is " + Found.state(f.state) + "; only established TCP connections between hosts are saved");
                }
                f.role = TcpImage.REMOTE;
                remote.add(f);
            } else if (f.role == null && c.b() != null) {
                f.peer = byEnd.get(c.b().pid() + ":" + c.b().fd());
                if (f.peer == null) {
                    throw new NotSupportedException("fabric 'tcp' cannot drain " + f.describe() + ": its peer, process " + c.b().pid() + " fd "
                            + c.b().fd() + ", was not found on this host");
                }
            }
        }
        crossHost = new CrossHost(remote);
        crossHost.start(); // reads while the local pairs drain: the other hosts wait on this host's acknowledgements
        drained = true;
        for (Found f : found) {
            if (f.role != null) {
                continue; // pending ends and their clients were paired when taken off the queue
            }
            if (f.type == Net.SOCK_DGRAM) {
                f.role = TcpImage.DATAGRAM;
            } else if (f.listener) {
                f.role = TcpImage.LISTEN;
            } else if (f.peer != null) {
                f.role = TcpImage.CONNECTED;
            } else if (f.remote == null) {
                f.role = TcpImage.UNCONNECTED;
            } else {
                f.role = TcpImage.EXTERNAL;
                external(f);
            }
            if ("tcp".equals(f.kind) && (f.state == Net.TCP_SYN_SENT || f.state == Net.TCP_SYN_RECV)) {
                throw new NotSupportedException("fabric 'tcp' cannot save " + f.describe() + ": its connection is still being set up ("
                        + Found.state(f.state) + ")");
            }
        }
        long bytes = 0;
        for (Found f : found) {
            if (f.peer != null && f.peer.id > f.id) {
                bytes += drainPair(f, f.peer);
            }
        }
        try {
            for (Found f : found) {
                if (TcpImage.DATAGRAM.equals(f.role)) {
                    bytes += Datagrams.capture(f, found, warnings);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp' cannot read a datagram queue: " + e.getMessage(), e);
        }
        crossHost.drain();
        LOG.info("tcp: {} sockets, {} bytes captured in {} ms{}", found.size(), bytes, (System.nanoTime() - t0) / 1_000_000,
                remote.isEmpty() ? "" : "; " + remote.size() + " connections to other hosts acknowledged, still reading them");
    }

    @Override
    public void settle() throws CheckpointException {
        if (crossHost == null || settled != null) {
            return;
        }
        settled = crossHost.settle();
    }

    @Override
    public Map<String, byte[]> taken() {
        handedOver = true;
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        if (settled != null) {
            settled.forEach((f, b) -> out.put(f.channel, b));
        }
        return out;
    }

    @Override
    public void sendAgain(Map<String, byte[]> bytes) throws CheckpointException {
        for (Map.Entry<String, byte[]> e : bytes.entrySet()) {
            Found f = remote.stream().filter(r -> r.channel.equals(e.getKey())).findFirst().orElse(null);
            if (f == null) {
                continue; // another fabric's channel
            }
            byte[] b = e.getValue();
            if ((long) (f.resend == null ? 0 : f.resend.length) + b.length > Integer.MAX_VALUE - 16) {
                throw new CheckpointException("fabric 'tcp': too many bytes to send again from " + f.describe());
            }
            if (f.resend == null) {
                f.resend = b.clone();
            } else {
                byte[] all = java.util.Arrays.copyOf(f.resend, f.resend.length + b.length);
                System.arraycopy(b, 0, all, f.resend.length, b.length);
                f.resend = all;
            }
        }
    }

    private void external(Found f) {
        int unread = 0;
        try {
            unread = f.sock.ioctl(Net.SIOCINQ);
        } catch (IOException e) {
            // reported without the count
        }
        warnings.add(f.describe() + " leads outside the job (peer " + f.remote + "); a restart applies --external (default: fail)"
                + (unread > 0 ? "; its " + unread + " unread bytes are not kept" : ""));
    }

    /** Captures both directions of one intra-job connection; @return the bytes captured */
    long drainPair(Found x, Found y) throws CheckpointException {
        if (!x.kind.equals(y.kind)) {
            throw new CheckpointException(x.describe() + " and " + y.describe() + " were paired but are of different kinds");
        }
        try {
            // decide both directions before touching either
            int outX = unsent(x, y);
            int outY = unsent(y, x);
            return capture(x, y, outX) + capture(y, x, outY);
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp' cannot drain " + x.describe() + " <-> " + y.describe() + ": " + e.getMessage(), x.pid,
                    null, null, e);
        }
    }

    /**
     * @return the bytes of sender → receiver not yet in the receiver's queue: the sender's SIOCOUTQ (unsent plus
     *         unacknowledged; on loopback an acknowledged byte is in the peer's queue, facts §2), or 0 once the receiver
     *         has the sender's FIN, which comes after every byte (its acknowledgement may still be delayed: SIOCOUTQ
     *         then counts the FIN as one byte)
     */
    private static int unsent(Found sender, Found receiver) throws IOException {
        if (!"tcp".equals(sender.kind) || sender.sock == null) {
            return 0; // a Unix stream sender keeps nothing: its bytes are in the receiver's queue
        }
        int r = receiver.state;
        if (sender.finSent && (r == Net.TCP_CLOSE_WAIT || r == Net.TCP_LAST_ACK || r == Net.TCP_CLOSING || r == Net.TCP_TIME_WAIT)) {
            return 0;
        }
        return sender.sock.ioctl(Net.SIOCOUTQ);
    }

    /** Captures the direction sender → receiver into {@code receiver.incoming}. */
    private long capture(Found sender, Found receiver, int senderQueue) throws IOException, CheckpointException {
        long t0 = System.nanoTime();
        if ("unix".equals(receiver.kind)) {
            // a Unix sender keeps nothing: every byte is in the receiver's queue (a pending end's too)
            if (receiver.type == Net.SOCK_SEQPACKET) {
                Records.peek(receiver.sock, receiver.describe()); // refuses descriptors in flight before anything is consumed
                Datagrams.capture(receiver); // consumed, put back by resume (see there why)
                Datagrams.refuseRights(receiver);
            } else {
                receiver.incoming = Records.peekStream(receiver.sock, receiver.describe());
                receiver.strategy = receiver.role.equals(TcpImage.PENDING) ? "pending" : "peek";
            }
        } else if (receiver.role.equals(TcpImage.PENDING)) {
            // the pending end is this JVM's own socket, taken off the listener's queue: consuming it changes nothing the job sees
            receiver.incoming = consume(sender, receiver);
            receiver.strategy = "pending";
        } else if (senderQueue == 0) {
            receiver.incoming = peek(receiver.sock);
            receiver.strategy = "peek";
        } else {
            if (sender.finSent) {
                throw new NotSupportedException("fabric 'tcp' cannot drain " + sender.describe() + ": it shut its sending side down with "
                        + senderQueue + " bytes not yet delivered, which could not be sent again after a resume");
            }
            receiver.incoming = consume(sender, receiver);
            receiver.strategy = "drain";
        }
        int n = receiver.incoming == null ? 0 : receiver.incoming.length;
        if (n > 0 || senderQueue > 0) {
            LOG.info("tcp: {} -> {}: {} bytes by {} (sender queue {}) in {} ms", sender.describe(), receiver.describe(), n, receiver.strategy,
                    senderQueue, (System.nanoTime() - t0) / 1_000_000);
        }
        return n;
    }

    /** @return a copy of the receive queue, nothing consumed; null when empty */
    static byte[] peek(Sock r) throws IOException {
        int inq = r.ioctl(Net.SIOCINQ); // sized right before the peek (facts §3)
        if (inq <= 0) {
            return null;
        }
        Integer off = r.getIntOrNull(Net.SOL_SOCKET, Net.SO_PEEK_OFF);
        if (off != null && off >= 0) {
            r.setInt(Net.SOL_SOCKET, Net.SO_PEEK_OFF, -1); // peek from the head of the queue
        }
        try (Memory m = new Memory(inq)) {
            long n = r.recv(m, inq, Net.MSG_PEEK);
            if (n != inq) {
                throw new IOException("MSG_PEEK returned " + n + " of the " + inq + " queued bytes");
            }
            return m.getByteArray(0, inq);
        } finally {
            if (off != null && off >= 0) {
                r.setInt(Net.SOL_SOCKET, Net.SO_PEEK_OFF, off); // the offset is state the application sees
            }
        }
    }

    /** Receives in the receiver until the sender's send queue is empty; @return the bytes, or null when none */
    private static byte[] consume(Found sender, Found receiver) throws IOException, CheckpointException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long deadline = System.currentTimeMillis() + DRAIN_TIMEOUT_MS;
        try (Memory m = new Memory(DRAIN_CHUNK)) {
            while (true) {
                long n = receiver.sock.recv(m, DRAIN_CHUNK, 0);
                if (n > 0) {
                    out.write(m.getByteArray(0, (int) n), 0, (int) n);
                    continue;
                }
                int left = sender.sock.ioctl(Net.SIOCOUTQ);
                if (left == 0 && (n == 0 || receiver.sock.ioctl(Net.SIOCINQ) == 0)) {
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new CheckpointException("fabric 'tcp': " + sender.describe() + " still holds " + left + " bytes after "
                            + DRAIN_TIMEOUT_MS + " ms of draining " + receiver.describe() + " (" + out.size() + " bytes received)");
                }
                receiver.sock.poll(Net.POLLIN, 5);
            }
        }
        return out.size() == 0 ? null : out.toByteArray();
    }

    @Override
    public List<String> save(Path stagingFolder) throws CheckpointException {
        return ImageStore.save(stagingFolder, found);
    }

    @Override
    public void resume() throws CheckpointException {
        resumeCalled = true;
        if (!drained) {
            return;
        }
        CheckpointException first = null;
        if (crossHost != null) {
            crossHost.stop();
            long lost = settled == null ? crossHost.read() : handedOver ? 0 : settled.values().stream().mapToLong(b -> b.length).sum();
            if (lost > 0) {
                LOG.error("tcp: {} bytes taken from connections to other hosts were not handed to the sending hosts (the checkpoint ended "
                        + "before the hand-over): the job's processes on this host will not receive them", lost);
            }
        }
        for (Found r : remote) {
            try {
                if (r.resend != null) {
                    // first: these bytes were sent before anything the process sends once it runs
                    Refill.send(r.sock, r.resend, r.describe());
                    LOG.info("tcp: sent {} bytes again from {} to its peer on another host", r.resend.length, r.describe());
                }
            } catch (CheckpointException e) {
                LOG.error("tcp: {}", e.getMessage());
                first = e;
            }
        }
        try {
            Datagrams.putBack(found);
        } catch (CheckpointException e) {
            LOG.error("tcp: {}", e.getMessage());
            first = first == null ? e : first;
        }
        for (Found r : found) {
            try {
                if ("drain".equals(r.strategy) && r.incoming != null && r.records == null) {
                    long t0 = System.nanoTime();
                    Refill.send(r.peer.sock, r.incoming, r.peer.describe());
                    LOG.info("tcp: refilled {} bytes from {} in {} ms", r.incoming.length, r.peer.describe(), (System.nanoTime() - t0) / 1_000_000);
                }
            } catch (CheckpointException e) {
                LOG.error("tcp: {}", e.getMessage());
                first = first == null ? e : first;
            }
        }
        try {
            Pending.putBack(this, found);
        } catch (CheckpointException e) {
            LOG.error("tcp: {}", e.getMessage());
            first = first == null ? e : first;
        }
        drained = false;
        if (first != null) {
            throw first;
        }
    }

    FrozenProcess process(long pid) {
        for (FrozenProcess p : frozen) {
            if (p.pid() == pid) {
                return p;
            }
        }
        return null;
    }

    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public void close() {
        if (crossHost != null) {
            crossHost.stop();
        }
        boolean killed = drained && !resumeCalled;
        for (Found f : found) {
            if (f.sock != null) {
                if (killed && "tcp".equals(f.kind) && !f.listener && (f.peer != null || TcpImage.REMOTE.equals(f.role))) {
                    resetOnClose(f);
                }
                f.sock.close();
            }
            if (f.records != null && "drain".equals(f.strategy)) {
                // descriptors taken with messages that were never put back (no resume: the job was killed)
                f.records.stream().filter(m -> m.fds != null).forEach(m -> java.util.Arrays.stream(m.fds).forEach(Net.INSTANCE::close));
            }
        }
    }

    /**
     * Makes the last close of an intra-job connection of a killed job a reset (SO_LINGER on, 0 s) instead of a FIN.
     * This duplicate outlives the killed processes, so its close is the last: the connection goes straight to CLOSE
     * instead of leaving a TIME_WAIT socket on the job's ports for a minute, which would make the restart's bind of
     * a listener on such a port fail with EADDRINUSE when the job's own listener did not set SO_REUSEADDR (mpirun's
     * do not). Both ends are in the image; nothing outside the job sees the reset.
     */
    private static void resetOnClose(Found f) {
        try {
            f.sock.setBytes(Net.SOL_SOCKET, Net.SO_LINGER, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).array());
        } catch (IOException | RuntimeException e) {
            LOG.warn("tcp: {}: cannot set SO_LINGER 0 before closing it ({}); its port may stay in TIME_WAIT", f.describe(), e.getMessage());
        }
    }

    /** @return the socket descriptors of a process, by number */
    static Map<Integer, Long> socketFds(long pid) throws CheckpointException {
        try {
            return PROC.sockets(pid);
        } catch (IOException e) {
            throw new CheckpointException("cannot list /proc/" + pid + "/fd: " + e.getMessage(), pid, null, Path.of("/proc/" + pid + "/fd"), e);
        }
    }

    /** @return whether the descriptor is close-on-exec (the {@code flags:} line of fdinfo, octal) */
    private static boolean cloexec(long pid, int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return (Integer.parseInt(line.substring(6).trim(), 8) & Net.O_CLOEXEC) != 0;
            }
        }
        return false;
    }
}
