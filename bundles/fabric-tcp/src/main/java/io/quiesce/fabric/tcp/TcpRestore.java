package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network part of a restart (facts §4): {@link #reconnect()} recreates, while every process is stopped,
 * each intra-job connection (temporary listener in one end's process, connect from the other, accept, both ends
 * moved to their saved numbers), then the job's listeners on their saved addresses, the connections that were
 * pending in a listener's queue (connected again, left in the queue), external connections by policy and
 * unconnected sockets, with status flags and close-on-exec; {@link #refill()} sends every captured queue again
 * from the sending end (fully accepted before anything runs), re-creates half-closes with shutdown(SHUT_WR), and
 * puts the options back.
 */
final class TcpRestore implements FabricRestore {
    private static final Logger LOG = LoggerFactory.getLogger(TcpRestore.class);

    private final Path folder;
    private final TcpImage image;
    private final ExternalPolicy policy;
    private final Map<Long, FrozenProcess> byOriginal = new HashMap<>();
    private final Map<Integer, SocketImage> byId = new HashMap<>();
    private final Map<Integer, Sock> socks = new HashMap<>();
    private final Map<Integer, byte[]> queues = new HashMap<>();
    private final Map<Long, Integer> floor = new HashMap<>();
    private final Injections inj = new Injections();
    /** receive buffers grown before the handshake, by socket id */
    private final Map<Integer, Refill.Growth> rcvGrowth = new HashMap<>();
    private final List<Refill.Flow> flows = new ArrayList<>();
    private Refill.Pump pump;
    private final io.quiesce.api.Rendezvous rendezvous;
    /** what each end of a connection to another host sends first, by socket id */
    private final Map<Integer, byte[]> resend = new HashMap<>();
    /** the temporary listeners of this host's accepting ends of connections to other hosts, by socket id */
    private final Map<Integer, Rebuild.Listening> listening = new LinkedHashMap<>();

    /** the saved local addresses of sockets bound to another one here (a part restored on another host), by socket id */
    private final Map<Integer, String> savedLocal;
    private final List<String> warnings;
    private final boolean shared;

    /**
     * @param shared true when this host restores the parts of several hosts: a listener whose port another part
     *               holds here (each host's processes often listened on the same ports) takes a fresh one
     */
    TcpRestore(Path folder, MovedAddresses.Moved moved, List<FrozenProcess> restored, ExternalPolicy policy, boolean shared,
            io.quiesce.api.Rendezvous rendezvous) throws CheckpointException {
        this.rendezvous = rendezvous;
        this.folder = folder;
        this.image = moved.image();
        this.savedLocal = moved.savedLocal();
        this.warnings = new java.util.ArrayList<>(moved.warnings());
        this.shared = shared;
        this.policy = policy;
        restored.forEach(p -> byOriginal.put(p.originalPid(), p));
        List<String> external = new ArrayList<>();
        for (SocketImage s : image.sockets()) {
            byId.put(s.id(), s);
            if (s.fd() >= 0) {
                if (!byOriginal.containsKey(s.pid())) {
                    throw new CheckpointException("fabric 'tcp': process " + s.pid() + " of " + Rebuild.what(s) + " was not restored");
                }
                floor.merge(s.pid(), s.fd() + 1, Math::max);
            }
            if (s.incoming() != null) {
                queues.put(s.id(), ImageStore.read(folder, s.incoming())); // checked before anything changes
            }
            if (s.resend() != null && TcpImage.REMOTE.equals(s.role())) {
                resend.put(s.id(), ImageStore.read(folder, s.resend()));
            }
            if (TcpImage.REMOTE.equals(s.role()) && (s.channel() == null || s.channel().isEmpty() || s.remote() == null)) {
                throw new io.quiesce.api.ImageException("socket " + s.id() + " is a connection to another host without a channel or peer address",
                        folder.resolve(TcpImage.FILE));
            }
            if (TcpImage.EXTERNAL.equals(s.role())) {
                external.add(Rebuild.what(s));
            }
        }
        if (!external.isEmpty() && policy == ExternalPolicy.FAIL) {
            throw new CheckpointException("fabric 'tcp': the job had connections to peers outside it: " + String.join(", ", external)
                    + "; restart with --external close (they come back as broken connections) or --external reconnect (connected anew)");
        }
    }

    private FrozenProcess process(SocketImage s) {
        return byOriginal.get(s.pid());
    }

    private int min(SocketImage s) {
        return floor.getOrDefault(s.pid(), 3);
    }

    /**
     * @return whether this host accepts the connection to another host: its saved local address sorts first (the
     *         saved one: the other host decides from the same two addresses)
     */
    private boolean accepts(SocketImage s) {
        return savedLocal.getOrDefault(s.id(), s.local()).compareTo(s.remote()) < 0;
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The accepting ends of connections to other hosts listen (on their saved address when it is free here, else on
     * a fresh port of it) and publish where; the other hosts connect there in {@link #reconnect}.
     */
    @Override
    public void listen() throws CheckpointException {
        for (SocketImage s : image.sockets()) {
            if (TcpImage.REMOTE.equals(s.role()) && accepts(s)) {
                Rebuild.Listening l = Rebuild.listenFor(inj, process(s), s, min(s), null);
                listening.put(s.id(), l);
                rendezvous.publish(s.channel(), "listen", l.at());
            }
        }
    }

    @Override
    public void reconnect() throws CheckpointException {
        long t0 = System.nanoTime();
        // connections to other hosts first: connect to the other hosts' listeners (their handshake completes in
        // the listen queue, without an accept there), then accept on ours; every host does both in this order
        for (SocketImage s : image.sockets()) {
            if (TcpImage.REMOTE.equals(s.role()) && !accepts(s)) {
                String at;
                try {
                    at = rendezvous.lookup(s.channel(), "listen", java.time.Duration.ofSeconds(10))
                            .orElseThrow(() -> new CheckpointException("fabric 'tcp': the host of the peer of " + Rebuild.what(s) + " published no "
                                    + "address for channel " + s.channel() + " (is that part being restarted too?)"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CheckpointException("fabric 'tcp': interrupted while looking up the peer of " + Rebuild.what(s));
                }
                socks.put(s.id(), Rebuild.connect(inj, process(s), s, min(s), at, true, rcvGrowth));
            }
        }
        for (Map.Entry<Integer, Rebuild.Listening> e : listening.entrySet()) {
            SocketImage s = byId.get(e.getKey());
            try (Rebuild.Listening l = e.getValue()) {
                socks.put(s.id(), Rebuild.accept(inj, l, s, "its peer " + s.remote() + " on another host"));
            }
        }
        listening.clear();
        for (SocketImage s : image.sockets()) {
            if (TcpImage.CONNECTED.equals(s.role()) && s.peer() > s.id() && TcpImage.CONNECTED.equals(byId.get(s.peer()).role())) {
                SocketImage b = byId.get(s.peer());
                Sock[] ab = Rebuild.pair(inj, process(s), s, min(s), process(b), b, min(b), rcvGrowth);
                socks.put(s.id(), ab[0]);
                socks.put(b.id(), ab[1]);
            }
        }
        for (SocketImage s : image.sockets()) {
            if (TcpImage.LISTEN.equals(s.role())) {
                socks.put(s.id(), Rebuild.listener(inj, process(s), s, min(s), shared ? warnings : null));
            }
        }
        for (SocketImage s : image.sockets()) {
            if (TcpImage.PENDING.equals(s.role())) {
                // the client connects to the restored listener; the connection waits in its queue, as it did
                SocketImage client = byId.get(s.peer());
                String at;
                try {
                    at = socks.get(s.listener()).name();
                } catch (IOException e) {
                    throw new CheckpointException("fabric 'tcp': " + e.getMessage(), e);
                }
                socks.put(client.id(), Rebuild.connect(inj, process(client), client, min(client), at, true));
            }
        }
        for (SocketImage s : image.sockets()) {
            if (TcpImage.EXTERNAL.equals(s.role())) {
                if (policy == ExternalPolicy.RECONNECT) {
                    if (!"tcp".equals(s.kind())) {
                        throw new CheckpointException("fabric 'tcp': " + Rebuild.what(s) + " cannot be reconnected: its peer outside the job has no "
                                + "address to connect to; restart with --external close");
                    }
                    socks.put(s.id(), Rebuild.connect(inj, process(s), s, min(s), s.remote(), false));
                } else {
                    socks.put(s.id(), Rebuild.broken(inj, process(s), s, min(s)));
                }
                LOG.info("tcp: {} {}", Rebuild.what(s), policy == ExternalPolicy.RECONNECT ? "reconnected" : "restored as a broken connection");
            } else if (TcpImage.UNCONNECTED.equals(s.role())) {
                socks.put(s.id(), Rebuild.unconnected(inj, process(s), s, min(s)));
            }
        }
        Datagrams.rebuild(inj, image.sockets(), byId, this::process, this::min, socks);
        for (SocketImage s : image.sockets()) {
            Sock k = socks.get(s.id());
            if (k == null || s.fd() < 0) {
                continue;
            }
            try {
                k.setFlags(s.flags());
            } catch (IOException e) {
                throw new CheckpointException("fabric 'tcp': " + Rebuild.what(s) + ": " + e.getMessage(), e);
            }
            if (s.cloexec()) {
                inj.cloexec(process(s), s.fd(), true);
            }
        }
        inj.close();
        LOG.info("tcp: {} sockets rebuilt in {} ms", socks.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Sends every captured queue again from its sender (see {@link Refill}): what the kernel takes while everything
     * is stopped, with buffers grown (forced where this JVM may); when a direction still does not fit, its sending
     * process is held (SIGSTOP queued now, effective right after release) and a {@link Refill.Pump} finishes it after
     * release while the receiver drains, then continues it. Held processes must not wait on each other: a cycle
     * (e.g. both directions of a connection too large) fails the restart, naming the ends; the checkpoint is intact.
     * Half-closes and options of a held process's sockets are done by the pump, after its bytes.
     */
    @Override
    public void refill() throws CheckpointException {
        long t0 = System.nanoTime();
        long bytes = 0;
        long messages = Datagrams.refill(image.sockets(), byId, queues, socks, s -> process(s).pid(), null);
        for (SocketImage s : image.sockets()) {
            byte[] q = queues.get(s.id());
            if (q == null || !(TcpImage.CONNECTED.equals(s.role()) || TcpImage.PENDING.equals(s.role())) || s.records() != null) {
                continue;
            }
            SocketImage from = byId.get(s.peer());
            Refill.Flow f = new Refill.Flow(socks.get(from.id()), socks.get(s.id()), q, Rebuild.what(from), Rebuild.what(s), process(from).pid(),
                    process(s).pid(), from.id());
            f.rcvGrowth = rcvGrowth.get(s.id());
            f.fill();
            flows.add(f);
            bytes += q.length;
            if (f.rcvGrowth != null || f.sndGrowth != null || !f.done()) {
                LOG.info("tcp: refill {}", f);
            }
        }
        for (SocketImage s : image.sockets()) {
            byte[] q = resend.get(s.id());
            if (q == null) {
                continue;
            }
            Refill.Flow f = new Refill.Flow(socks.get(s.id()), null, q, Rebuild.what(s), "its peer " + s.remote() + " on another host",
                    process(s).pid(), -1, s.id());
            f.fill();
            flows.add(f);
            bytes += q.length;
            if (f.sndGrowth != null || !f.done()) {
                LOG.info("tcp: refill {}", f);
            }
        }
        // receivers may run at any time: their buffer goes back to autotuning now (the grown size stays, it only grows)
        for (Refill.Flow f : flows) {
            if (f.rcvGrowth != null) {
                Refill.unlock(f.receiver, Net.SOCK_RCVBUF_LOCK);
            }
        }
        List<Refill.Flow> left = flows.stream().filter(f -> !f.done()).toList();
        Set<Long> held = new LinkedHashSet<>();
        left.forEach(f -> held.add(f.senderPid));
        refuseCycle(left, held);
        Map<Integer, Integer> freshSnd = new HashMap<>();
        flows.forEach(f -> {
            if (f.sndGrowth != null) {
                freshSnd.put(f.senderId, f.freshSndbuf);
            }
        });
        Map<Long, List<SocketImage>> deferred = new HashMap<>();
        for (SocketImage s : image.sockets()) {
            Sock k = socks.get(s.id());
            if (k == null) {
                continue;
            }
            if (held.contains(process(s).pid())) {
                deferred.computeIfAbsent(process(s).pid(), x -> new ArrayList<>()).add(s);
                continue;
            }
            finish(k, s, freshSnd);
        }
        if (!left.isEmpty()) {
            Map<Long, Runnable> fin = new HashMap<>();
            List<Sock> owned = new ArrayList<>();
            for (Map.Entry<Long, List<SocketImage>> e : deferred.entrySet()) {
                Map<SocketImage, Sock> mine = new LinkedHashMap<>();
                e.getValue().forEach(s -> mine.put(s, socks.remove(s.id()))); // the pump finishes and closes them
                owned.addAll(mine.values());
                fin.put(e.getKey(), () -> mine.forEach((s, k) -> {
                    try {
                        finish(k, s, freshSnd);
                    } catch (CheckpointException | RuntimeException ex) {
                        LOG.error("tcp: {}: {}", Rebuild.what(s), ex.getMessage());
                    }
                }));
            }
            pump = new Refill.Pump(left, fin, owned);
            pump.hold(); // last: nothing here throws after the processes are told to stop
            for (Refill.Flow f : left) {
                LOG.warn("tcp: refill from {}: {} of {} bytes queued before release; process {} is held (SIGSTOP, its parent may see "
                        + "CLD_STOPPED) until the rest is queued as {} reads", f.from, f.beforeRelease, f.bytes.length, f.senderPid, f.to);
            }
            pump.start();
        }
        LOG.info("tcp: refilled {} bytes and {} messages in {} ms{}", bytes, messages, (System.nanoTime() - t0) / 1_000_000,
                left.isEmpty() ? "" : "; " + left.stream().mapToLong(f -> f.bytes.length - f.off).sum() + " bytes left for after release");
    }

    private void finish(Sock k, SocketImage s, Map<Integer, Integer> freshSnd) throws CheckpointException {
        if (s.finSent() && !TcpImage.EXTERNAL.equals(s.role())) {
            try {
                k.shutdown(Net.SHUT_WR);
            } catch (IOException e) {
                throw new CheckpointException("fabric 'tcp': " + Rebuild.what(s) + ": " + e.getMessage(), e);
            }
        }
        Refill.Growth g = rcvGrowth.get(s.id());
        Rebuild.options(k, s, freshSnd.get(s.id()), g == null ? null : g.fresh());
    }

    /** Held processes wait for their receivers to read: a receiver that is itself held, waiting back, never would. */
    private static void refuseCycle(List<Refill.Flow> left, Set<Long> held) throws CheckpointException {
        for (Refill.Flow start : left) {
            // walk sender -> receiver edges among held processes; coming back to the start is a cycle
            List<Refill.Flow> path = new ArrayList<>(List.of(start));
            Set<Long> seen = new HashSet<>();
            if (walk(start.receiverPid, start.senderPid, left, held, path, seen)) {
                StringBuilder b = new StringBuilder();
                for (Refill.Flow f : path) {
                    b.append(b.length() == 0 ? "" : "; and ").append(f.from).append(" -> ").append(f.to).append(" (").append(f.beforeRelease)
                            .append(" of ").append(f.bytes.length).append(" bytes fit)");
                }
                throw new CheckpointException("fabric 'tcp': the captured bytes do not fit in the rebuilt connections' buffers and the senders would "
                        + "wait on each other: " + b + ". Each sending process would have to be held until the other reads. Restart with "
                        + "CAP_NET_ADMIN (buffers are then sized to fit) or larger net.core.rmem_max/wmem_max; the checkpoint is unchanged");
            }
        }
    }

    private static boolean walk(long at, long target, List<Refill.Flow> left, Set<Long> held, List<Refill.Flow> path, Set<Long> seen) {
        if (at == target) {
            return true;
        }
        if (!held.contains(at) || !seen.add(at)) {
            return false;
        }
        for (Refill.Flow f : left) {
            if (f.senderPid == at) {
                path.add(f);
                if (walk(f.receiverPid, target, left, held, path, seen)) {
                    return true;
                }
                path.remove(path.size() - 1);
            }
        }
        return false;
    }

    /** @return the refilled directions (for tests and logs) */
    List<Refill.Flow> flows() {
        return flows;
    }

    /** @return whether the refill is over (nothing was left for after release, or the pump ended) */
    boolean pumpOver() {
        return pump == null || pump.over();
    }

    /**
     * Ends the injection scopes and closes this session's duplicates. Called after release by the coordinator (and
     * before it by the test harness): it does not wait for or cancel a pump, which owns the duplicates of the held
     * processes' sockets and ends by itself (see {@link Refill.Pump}).
     */
    @Override
    public void close() {
        listening.values().forEach(Rebuild.Listening::close);
        listening.clear();
        try {
            inj.close();
        } catch (CheckpointException e) {
            LOG.error("tcp: {}", e.getMessage());
        }
        socks.values().forEach(Sock::close);
    }
}
