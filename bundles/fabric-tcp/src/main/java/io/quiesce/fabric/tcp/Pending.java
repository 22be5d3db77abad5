package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.NotSupportedException;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections waiting in a job listener's accept queue whose client is a job process. The server end exists in no
 * process, so it is taken off the queue with an accept on this JVM's duplicate of the listener, becomes an endpoint
 * of the listener's process without a descriptor (so the coordinator pairs it with the client), and its bytes are
 * captured. Continue and restart then rebuild the connection the same way: a new socket in the client's process
 * connects to the listener (pending again), the captured bytes are sent again from it, and it replaces the client's
 * descriptor. Pending connections from outside the job cannot be put back: such a checkpoint is refused.
 */
final class Pending {
    private static final Logger LOG = LoggerFactory.getLogger(Pending.class);

    private Pending() {
    }

    /** Takes every pending intra-job connection off its listener's queue; @return their server ends as endpoints */
    static List<Endpoint> takeOff(TcpCheckpoint cp, List<Found> found) throws CheckpointException {
        List<Endpoint> out = new ArrayList<>();
        List<Found> added = new ArrayList<>();
        for (Found l : found) {
            if (!l.listener || l.pendingCount <= 0) {
                continue;
            }
            boolean unix = "unix".equals(l.kind);
            if (unix && l.type != Net.SOCK_STREAM) {
                throw new NotSupportedException("fabric 'tcp' cannot save " + l.describe() + ": " + l.pendingCount
                        + " connections wait in its accept queue; pending seqpacket connections are not supported");
            }
            List<Found> clients = new ArrayList<>();
            for (Found c : found) {
                if (unix ? "unix".equals(c.kind) && c.type == Net.SOCK_STREAM && !c.listener && l.waiting.contains(c.inode)
                        : "tcp".equals(c.kind) && !c.listener && c.remote != null && reaches(l.local, c.remote) && !accepted(found, c)) {
                    clients.add(c);
                }
            }
            if (clients.size() != l.pendingCount) {
                throw new NotSupportedException("fabric 'tcp' cannot save " + l.describe() + ": " + l.pendingCount
                        + " connections wait in its accept queue and " + (l.pendingCount - clients.size())
                        + " of them come from outside the job, which cannot be put back");
            }
            for (int i = 0; i < l.pendingCount; i++) {
                try {
                    if (l.sock.poll(Net.POLLIN, 0) == 0) {
                        throw new IOException("its accept queue is shorter than tcp_info said");
                    }
                    Sock s = l.sock.accept();
                    Found f = new Found();
                    f.sock = s;
                    f.pid = l.pid;
                    f.fd = -1;
                    f.kind = l.kind;
                    f.type = l.type;
                    f.family = l.family;
                    f.state = Net.TCP_ESTABLISHED;
                    if (unix) {
                        // an unaccepted server end has no inode yet, so its client showed no peer: the queue's order
                        // (unix_diag lists the waiting clients in it) says whose connection this is
                        f.inode = s.inode();
                        f.local = "unix:" + f.inode;
                        f.name = s.name();
                        f.remote = "unix:?";
                        for (Found c : clients) {
                            if (c.inode == l.waiting.get(i)) {
                                c.remote = f.local;
                                f.remote = c.local;
                                f.peerName = c.name;
                            }
                        }
                    } else {
                        f.local = s.name();
                        f.remote = s.peer();
                    }
                    f.role = TcpImage.PENDING;
                    f.listenerOf = l;
                    Found client = null;
                    for (Found c : clients) {
                        if (c.local.equals(f.remote)) {
                            client = c;
                        }
                    }
                    if (client == null) {
                        s.close();
                        throw new IOException("the connection from " + f.remote + " has no client in the job");
                    }
                    client.peer = f;
                    client.role = TcpImage.CONNECTED;
                    f.peer = client;
                    added.add(f);
                    out.add(new Endpoint("tcp", cp.host(), l.pid, -1, "tcp-pending", f.local, f.remote));
                } catch (IOException e) {
                    found.addAll(added); // so that resume puts back what was taken
                    numberFrom(found);
                    throw new CheckpointException("fabric 'tcp': cannot take the pending connections off " + l.describe() + ": " + e.getMessage(),
                            l.pid, null, null, e);
                }
            }
            LOG.info("tcp: took {} pending connections off {}", l.pendingCount, l.describe());
        }
        found.addAll(added);
        numberFrom(found);
        return out;
    }

    private static void numberFrom(List<Found> found) {
        for (int i = 0; i < found.size(); i++) {
            found.get(i).id = i;
        }
    }

    /** @return whether the client's server end is a socket of the job (accepted already) */
    private static boolean accepted(List<Found> found, Found c) {
        for (Found s : found) {
            if (s != c && c.remote.equals(s.local) && c.local.equals(s.remote)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether a connection to {@code remote} reaches a listener bound to {@code listen} (maybe a wildcard) */
    static boolean reaches(String listen, String remote) {
        if (listen.equals(remote)) {
            return true;
        }
        String host = listen.substring(0, listen.lastIndexOf(':'));
        boolean any = host.equals("0.0.0.0") || host.equals("[::]") || host.equals("[0:0:0:0:0:0:0:0]");
        return any && listen.substring(listen.lastIndexOf(':')).equals(remote.substring(remote.lastIndexOf(':')));
    }

    /**
     * Continue mode: rebuilds each pending connection (processes still stopped): a new socket in the client's process,
     * connected to the listener so that it waits in the queue again, the captured bytes sent again from it, its
     * half-close, flags and options as the old one's, then put at the client's descriptor (closing the old one). The
     * client's local port changes.
     */
    static void putBack(TcpCheckpoint cp, List<Found> found) throws CheckpointException {
        for (Found s : found) {
            if (!TcpImage.PENDING.equals(s.role) || s.sock == null) {
                continue;
            }
            Found c = s.peer;
            FrozenProcess p = cp.process(c.pid);
            int min = 3;
            for (int fd : TcpCheckpoint.socketFds(c.pid).keySet()) {
                min = Math.max(min, fd + 1);
            }
            TcpImage.SocketImage ci = ImageStore.image(c, null, null);
            try (Injections inj = new Injections()) {
                String at = "unix".equals(c.kind) ? s.listenerOf.name : s.local;
                Sock n = Rebuild.connect(inj, p, ci, min, at, false);
                if (s.incoming != null) {
                    Refill.send(n, s.incoming, c.describe());
                }
                try {
                    if (c.finSent) {
                        n.shutdown(Net.SHUT_WR);
                    }
                    n.setFlags(c.flags);
                } catch (IOException e) {
                    throw new CheckpointException("fabric 'tcp': " + c.describe() + ": " + e.getMessage(), e);
                }
                if (c.cloexec) {
                    inj.cloexec(p, c.fd, true);
                }
                Rebuild.options(n, ci);
                c.sock.close();
                c.sock = n;
            } finally {
                s.sock.close();
                s.sock = null;
            }
            LOG.info("tcp: {} waits in its listener's queue again", c.describe());
        }
    }

}
