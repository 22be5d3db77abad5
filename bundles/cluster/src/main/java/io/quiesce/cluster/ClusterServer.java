package io.quiesce.cluster;

import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;

import java.io.IOException;
import java.net.InetSocketAddress;

/** A coordinator's end of the cluster: accepts agents' links on one address. */
public final class ClusterServer implements AutoCloseable {
    private final NioSocketAcceptor acceptor;

    private ClusterServer(NioSocketAcceptor acceptor) {
        this.acceptor = acceptor;
    }

    /**
     * Listens for agents.
     *
     * @param at        the address to listen on (port 0 for any free one)
     * @param key       the cluster key; only agents holding it get past TLS
     * @param self      this coordinator, as welcomes tell agents
     * @param timing    heartbeats
     * @param admission decides on and hears of each agent
     * @return the listening server
     * @throws ClusterException naming the address when it cannot be bound
     */
    public static ClusterServer listen(InetSocketAddress at, ClusterKey key, Identity self, Timing timing, Admission admission)
            throws ClusterException {
        NioSocketAcceptor acceptor = new NioSocketAcceptor();
        acceptor.setReuseAddress(true);
        acceptor.setCloseOnDeactivation(true);
        acceptor.getFilterChain().addLast("tls", tls(key));
        acceptor.getFilterChain().addLast("frames", new ProtocolCodecFilter(new FrameCodec()));
        acceptor.setHandler(LinkHandler.coordinator(self, timing, admission));
        try {
            acceptor.bind(at);
        } catch (IOException e) {
            acceptor.dispose();
            throw new ClusterException("cannot listen for agents on " + at + ": " + e.getMessage(), e);
        }
        return new ClusterServer(acceptor);
    }

    static SslFilter tls(ClusterKey key) {
        SslFilter tls = new SslFilter(key.context());
        tls.setEnabledProtocols("TLSv1.3");
        // The blocking pipeline: the other one runs handshake tasks on a thread of its own and keeps a failed
        // certificate check to itself until more bytes arrive, so a wrong key would hang the join instead of failing.
        tls.setUseNonBlockingPipeline(false);
        tls.setNeedClientAuth(true); // an agent without the cluster key never gets a frame through
        return tls;
    }

    /** @return the address agents join (the bound port when 0 was asked) */
    public InetSocketAddress address() {
        return (InetSocketAddress) acceptor.getLocalAddress();
    }

    /** Stops listening and closes every agent's link. */
    @Override
    public void close() {
        acceptor.unbind();
        acceptor.dispose(true);
    }
}
