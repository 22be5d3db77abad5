package io.quiesce.cluster;

import org.apache.mina.core.future.ConnectFuture;
import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.transport.socket.nio.NioSocketConnector;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An agent's end of the cluster: one link to its coordinator. */
public final class ClusterClient {
    private ClusterClient() {
    }

    /**
     * Joins a coordinator: TCP, TLS with the cluster key, hello, welcome.
     *
     * @param coordinator where it listens
     * @param key         the cluster key
     * @param self        this agent
     * @param timing      heartbeats
     * @param timeout     how long joining may take
     * @return the link, welcomed; closing it frees everything it holds
     * @throws ClusterException why joining failed, in words: unreachable, a different cluster key on either side, a
     *                          different protocol version, another user, refused by the coordinator
     */
    public static Link join(InetSocketAddress coordinator, ClusterKey key, Identity self, Timing timing, Duration timeout)
            throws ClusterException {
        return join(coordinator, key, self, timing, timeout, ClusterProtocol.VERSION);
    }

    /** As {@link #join}, saying hello with another protocol version (for tests of the refusal). */
    static Link join(InetSocketAddress coordinator, ClusterKey key, Identity self, Timing timing, Duration timeout, int protocol)
            throws ClusterException {
        NioSocketConnector connector = new NioSocketConnector(1);
        connector.setConnectTimeoutMillis(timeout.toMillis());
        SslFilter tls = ClusterServer.tls(key);
        connector.getFilterChain().addLast("tls", tls);
        connector.getFilterChain().addLast("frames", new ProtocolCodecFilter(new FrameCodec()));
        CompletableFuture<Link> welcomed = new CompletableFuture<>();
        connector.setHandler(LinkHandler.agent(self, timing, protocol, welcomed));
        try {
            ConnectFuture f = connector.connect(coordinator);
            if (!f.awaitUninterruptibly(timeout.toMillis()) || !f.isConnected()) {
                Throwable why = f.getException();
                throw new ClusterException("cannot reach the coordinator at " + coordinator + ": "
                        + (why == null ? "no connection within " + timeout.toSeconds() + " s" : why.getMessage()));
            }
            Link link = welcomed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            link.closed().whenComplete((r, e) -> connector.dispose(false));
            return link;
        } catch (ExecutionException e) {
            connector.dispose(false);
            throw e.getCause() instanceof ClusterException c ? c : new ClusterException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            connector.dispose(false);
            throw new ClusterException("the coordinator at " + coordinator + " did not welcome this agent within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            connector.dispose(false);
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while joining the coordinator at " + coordinator);
        } catch (ClusterException e) {
            connector.dispose(false);
            throw e;
        }
    }
}
