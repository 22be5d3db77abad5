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
import java.util.List;
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

    TcpRestore(Path folder, TcpImage image, List<FrozenProcess> restored, ExternalPolicy policy) throws CheckpointException {
        this.folder = folder;
        this.image = image;
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

    @Override
    public void reconnect() throws CheckpointException {
        long t0 = System.nanoTime();
        for (SocketImage s : image.sockets()) {
            if (TcpImage.CONNECTED.equals(s.role()) && s.peer() > s.id() && TcpImage.CONNECTED.equals(byId.get(s.peer()).role())) {
                SocketImage b = byId.get(s.peer());
                Sock[] ab = Rebuild.pair(inj, process(s), s, min(s), process(b), b, min(b));
                socks.put(s.id(), ab[0]);
                socks.put(b.id(), ab[1]);
            }
        }
        for (SocketImage s : image.sockets()) {
            if (TcpImage.LISTEN.equals(s.role())) {
                socks.put(s.id(), Rebuild.listener(inj, process(s), s, min(s)));
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

    @Override
    public void refill() throws CheckpointException {
        long t0 = System.nanoTime();
        long bytes = 0;
        for (SocketImage s : image.sockets()) {
            byte[] q = queues.get(s.id());
            if (q == null || !(TcpImage.CONNECTED.equals(s.role()) || TcpImage.PENDING.equals(s.role()))) {
                continue;
            }
            Sock sender = socks.get(s.peer());
            Refill.send(sender, q, Rebuild.what(byId.get(s.peer())));
            bytes += q.length;
        }
        for (SocketImage s : image.sockets()) {
            Sock k = socks.get(s.id());
            if (k == null) {
                continue;
            }
            if (s.finSent() && !TcpImage.EXTERNAL.equals(s.role())) {
                try {
                    k.shutdown(Net.SHUT_WR);
                } catch (IOException e) {
                    throw new CheckpointException("fabric 'tcp': " + Rebuild.what(s) + ": " + e.getMessage(), e);
                }
            }
            Rebuild.options(k, s);
        }
        LOG.info("tcp: refilled {} bytes in {} ms", bytes, (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public void close() {
        try {
            inj.close();
        } catch (CheckpointException e) {
            LOG.error("tcp: {}", e.getMessage());
        }
        socks.values().forEach(Sock::close);
    }
}
