package io.quiesce.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.codec.ProtocolDecoderException;
import org.apache.mina.core.write.WriteToClosedSessionException;
import org.apache.mina.filter.ssl.SslEvent;
import org.apache.mina.filter.ssl.SslFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

/**
 * The link's life on one end, for both roles. An agent sends its hello once TLS is up; the coordinator checks it
 * (protocol version, identity, user, then its {@link Admission}) and welcomes or refuses; the agent checks the
 * welcome the same way. A refusal is sent to the other end before the connection closes, and logged where it is
 * decided, so both sides can say why. After welcome, frames go to the {@link Link}; heartbeats flow when a side
 * has nothing else to send, and a peer silent for too long is lost.
 */
final class LinkHandler extends IoHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(LinkHandler.class);
    private static final AttributeKey LINK = new AttributeKey(LinkHandler.class, "link");
    private static final AttributeKey REASON = new AttributeKey(LinkHandler.class, "reason");
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quiesce-link-deadlines");
        t.setDaemon(true);
        return t;
    });

    private final Identity self;
    private final Timing timing;
    private final int protocol;
    /** Coordinator role: who may join. Null on an agent. */
    private final Admission admission;
    /** Agent role: completes with the link once welcomed. Null on a coordinator. */
    private final CompletableFuture<Link> welcomed;

    private LinkHandler(Identity self, Timing timing, int protocol, Admission admission, CompletableFuture<Link> welcomed) {
        this.self = self;
        this.timing = timing;
        this.protocol = protocol;
        this.admission = admission;
        this.welcomed = welcomed;
    }

    static LinkHandler coordinator(Identity self, Timing timing, Admission admission) {
        return new LinkHandler(self, timing, ClusterProtocol.VERSION, admission, null);
    }

    static LinkHandler agent(Identity self, Timing timing, int protocol, CompletableFuture<Link> welcomed) {
        return new LinkHandler(self, timing, protocol, null, welcomed);
    }

    private boolean isCoordinator() {
        return admission != null;
    }

    private String peerRole() {
        return isCoordinator() ? "agent" : "coordinator";
    }

    @Override
    public void sessionOpened(IoSession session) {
        session.getConfig().setIdleTime(IdleStatus.WRITER_IDLE, timing.heartbeatSeconds());
        session.getConfig().setIdleTime(IdleStatus.READER_IDLE, timing.lostSeconds());
        DEADLINES.schedule(() -> {
            if (session.getAttribute(LINK) == null && !session.isClosing()) {
                refuse(session, "no " + (isCoordinator() ? "hello" : "welcome") + " within " + ClusterProtocol.HELLO_SECONDS
                        + " s of connecting (TLS handshake and hello)", false);
            }
        }, ClusterProtocol.HELLO_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void event(IoSession session, FilterEvent event) {
        if (event == SslEvent.SECURED && !isCoordinator()) {
            session.write(greeting("hello"));
        }
    }

    private ObjectNode greeting(String op) {
        return FrameCodec.JSON.createObjectNode().put("op", op).put("protocol", protocol)
                .put("host", self.host()).put("user", self.user()).put("version", self.version());
    }

    @Override
    public void messageReceived(IoSession session, Object message) throws Exception {
        ObjectNode m = (ObjectNode) message;
        Link link = (Link) session.getAttribute(LINK);
        if (link != null) {
            link.heard();
            String op = m.path("op").asText("");
            if (op.equals("beat")) {
                return;
            }
            if (op.equals("bye")) {
                closeWith(session, "the " + peerRole() + " " + link.peer().host() + " closed the link: "
                        + Link.printable(m.path("reason").asText("no reason given")), true);
                return;
            }
            link.received(m);
            return;
        }
        String op = m.path("op").asText("");
        if (op.equals("refused") && !isCoordinator()) {
            String reason = Link.printable(m.path("reason").asText("no reason given"));
            closeWith(session, "the coordinator at " + address(session) + " refused this agent: " + reason, true);
            return;
        }
        String expected = isCoordinator() ? "hello" : "welcome";
        if (!op.equals(expected)) {
            refuse(session, "expected a " + expected + " first, got " + (op.isEmpty() ? "a frame without op" : "'" + Link.printable(op) + "'"), true);
            return;
        }
        Identity peer;
        JsonNode p = m.get("protocol");
        if (p == null || !p.isInt()) {
            refuse(session, "its " + expected + " carries no protocol version", true);
            return;
        }
        if (p.asInt() != protocol) {
            refuse(session, "the " + peerRole() + " speaks cluster protocol " + p.asInt() + " and this " + role()
                    + " speaks " + protocol + ": run the same Quiesce version on every host", true);
            return;
        }
        try {
            peer = new Identity(m.path("host").asText(null), m.path("user").asText(null), m.path("version").asText(null));
        } catch (IllegalArgumentException e) {
            refuse(session, "its " + expected + ": " + e.getMessage(), true);
            return;
        }
        if (!peer.user().equals(self.user())) {
            refuse(session, "the " + peerRole() + " " + peer.host() + " runs as user " + peer.user() + " and this " + role()
                    + " as " + self.user() + ": an agent acts only for the user it runs as, so both must run as the same user", true);
            return;
        }
        if (isCoordinator()) {
            String no = admission.admit(peer, address(session));
            if (no != null) {
                refuse(session, no, true);
                return;
            }
            link = new Link(session, self, peer);
            session.setAttribute(LINK, link);
            session.write(greeting("welcome"));
            LOG.info("agent {} joined from {} (user {}, version {})", peer.host(), address(session), peer.user(), peer.version());
            admission.joined(link);
        } else {
            link = new Link(session, self, peer);
            session.setAttribute(LINK, link);
            welcomed.complete(link);
        }
    }

    private String role() {
        return isCoordinator() ? "coordinator" : "agent";
    }

    /** Refuses the other end before it is linked: tells it why, logs it here, closes once the refusal is sent. */
    private void refuse(IoSession session, String reason, boolean tell) {
        String here = (isCoordinator() ? "refused the agent at " : "left the coordinator at ") + address(session) + ": " + reason;
        LOG.warn("{}", here);
        if (isCoordinator()) {
            admission.refused(address(session), reason);
        }
        if (tell) {
            ObjectNode m = FrameCodec.JSON.createObjectNode().put("op", isCoordinator() ? "refused" : "bye").put("reason", reason);
            session.setAttribute(REASON, reasonHere(session, reason));
            session.write(m).addListener(f -> session.closeNow());
            DEADLINES.schedule(() -> session.closeNow(), 2, TimeUnit.SECONDS); // a peer that never reads
        } else {
            closeWith(session, reasonHere(session, reason), true);
        }
    }

    private String reasonHere(IoSession session, String reason) {
        return isCoordinator() ? reason : "this agent left the coordinator at " + address(session) + ": " + reason;
    }

    @Override
    public void sessionIdle(IoSession session, IdleStatus status) {
        Link link = (Link) session.getAttribute(LINK);
        if (status == IdleStatus.WRITER_IDLE && link != null) {
            session.write(FrameCodec.JSON.createObjectNode().put("op", "beat"));
        } else if (status == IdleStatus.READER_IDLE) {
            String who = link == null ? "the " + peerRole() + " at " + address(session) : "the " + peerRole() + " " + link.peer().host();
            LOG.warn("lost {}: nothing heard for {} s", who, timing.lostSeconds());
            closeWith(session, "lost " + who + ": nothing heard for " + timing.lostSeconds() + " s", true);
        }
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        if (session.getAttribute(REASON) != null) {
            LOG.debug("after the link closed: {}", cause.toString());
            return; // the close already has its reason; this is the TLS layer noticing
        }
        Link link = (Link) session.getAttribute(LINK);
        if (cause instanceof WriteToClosedSessionException && link != null) {
            return; // the other end went away; sessionClosed says so
        }
        String reason = describe(session, cause);
        if (link == null && isCoordinator()) {
            LOG.warn("refused the agent at {}: {}", address(session), reason);
            admission.refused(address(session), reason);
        } else {
            LOG.warn("link {} failed: {}", link == null ? "to the coordinator at " + address(session) : "with " + link.peer().host(), reason);
        }
        closeWith(session, reason, true);
    }

    /** Says what went wrong in words a user can act on: TLS failures first, since a wrong key shows up as one. */
    private String describe(IoSession session, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof CertificateException c) {
                return "TLS handshake failed: " + c.getMessage();
            }
            if (t instanceof FrameCodec.FrameException f) {
                return "broken framing from the " + peerRole() + " at " + address(session) + ": " + f.reason();
            }
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException s) {
                String msg = String.valueOf(s.getMessage());
                if (msg.contains("fatal alert") && (msg.contains("certificate") || msg.contains("bad_") || msg.contains("unknown_ca"))) {
                    return "the " + peerRole() + " at " + address(session) + " refused this host's certificate (" + msg
                            + "): the two hosts hold different cluster keys (compare `quiesce cluster show` on both)";
                }
                return "TLS handshake failed: " + msg;
            }
        }
        if (session.getAttribute(SslFilter.SSL_SECURED) == null && cause instanceof WriteToClosedSessionException) {
            return "the " + peerRole() + " at " + address(session) + " broke off the TLS handshake: it holds a different cluster key"
                    + " (compare `quiesce cluster show` on both hosts) or is not a Quiesce " + peerRole();
        }
        if (cause instanceof ProtocolDecoderException p && p.getCause() != null) {
            return "bad frame from the " + peerRole() + " at " + address(session) + ": " + p.getCause().getMessage();
        }
        return cause instanceof IOException && cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    @Override
    public void sessionClosed(IoSession session) {
        String reason = (String) session.getAttribute(REASON);
        Link link = (Link) session.getAttribute(LINK);
        if (reason == null) {
            reason = "the connection " + (link == null ? "with " + address(session) : "with " + link.peer().host()) + " was closed by the other end";
        }
        if (link != null) {
            link.ended(reason);
        } else if (isCoordinator() && session.getAttribute(REASON) == null) {
            String why = session.getAttribute(SslFilter.SSL_SECURED) == null
                    ? "the agent at " + address(session) + " closed the connection during the TLS handshake: it holds a different cluster key"
                            + " (compare `quiesce cluster show` on both hosts) or is not a Quiesce agent"
                    : "the agent at " + address(session) + " closed the connection before its hello";
            session.setAttribute(REASON, why); // reported once: the TLS layer's exception may follow
            LOG.warn("refused the agent at {}: {}", address(session), why);
            admission.refused(address(session), why);
        } else if (welcomed != null) {
            welcomed.completeExceptionally(new ClusterException(reason));
        }
    }

    /** Closes a session with a reason that its link's {@link Link#closed()} and waiting requests will carry. */
    static void closeWith(IoSession session, String reason, boolean now) {
        session.setAttributeIfAbsent(REASON, reason);
        if (now) {
            session.closeNow();
        } else {
            session.closeOnFlush();
        }
    }

    private static InetSocketAddress address(IoSession session) {
        return session.getRemoteAddress() instanceof InetSocketAddress i ? i : null;
    }
}
