package io.quiesce.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.mina.core.session.IoSession;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One authenticated link between a coordinator and an agent, both ways: either end sends requests
 * ({@code {"op":..,"id":n,"body":{..}}}) and gets their replies ({@code {"re":n,"body":{..}}} or
 * {@code {"re":n,"error":".."}}), or notices (no id, no reply). Requests are answered one at a time in arrival
 * order by the link's {@link RequestHandler}. When the link closes, for whatever reason, every request waiting for a
 * reply fails with that reason. Thread-safe.
 */
public final class Link {
    static final Pattern OP = Pattern.compile("[a-z][a-z0-9.-]{0,47}");

    private final IoSession session;
    private final Identity self;
    private final Identity peer;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<ObjectNode>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final ExecutorService worker;
    private volatile RequestHandler handler;
    private final Map<String, java.util.function.Consumer<ObjectNode>> inline = new ConcurrentHashMap<>();
    private volatile long lastHeard = System.nanoTime();

    Link(IoSession session, Identity self, Identity peer) {
        this.session = session;
        this.self = self;
        this.peer = peer;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "quiesce-link-" + peer.host());
            t.setDaemon(true);
            return t;
        });
        this.handler = (link, op, body) -> {
            throw new ClusterException(self.host() + " does not answer '" + op + "'");
        };
    }

    /** @return who this end is */
    public Identity self() {
        return self;
    }

    /** @return who the other end is, as its hello or welcome said and the link's checks accepted */
    public Identity peer() {
        return peer;
    }

    /** @return the other end's address */
    public InetSocketAddress remoteAddress() {
        SocketAddress a = session.getRemoteAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    /** @return this end's address: where the peer reaches this host (since 1.1) */
    public InetSocketAddress localAddress() {
        SocketAddress a = session.getLocalAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    /** @return true until the link closes */
    public boolean isOpen() {
        return !closed.isDone();
    }

    /** @return milliseconds since the peer was last heard from (any frame, heartbeats included) */
    public long silentMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeard);
    }

    /** @param handler answers the peer's requests from now on */
    public void onRequest(RequestHandler handler) {
        this.handler = handler;
    }

    /**
     * Takes the notices {@code op} as they arrive, on the I/O thread, ahead of any request still being answered:
     * for small signs of life (lease renewals) that must not wait behind a long request. The consumer must be quick
     * and must not block.
     */
    public void onNotice(String op, java.util.function.Consumer<ObjectNode> consumer) {
        inline.put(checkOp(op), consumer);
    }

    /** @return completes with the reason once the link is closed (by either end, or the peer lost) */
    public CompletableFuture<String> closed() {
        return closed;
    }

    /**
     * Sends a request.
     *
     * @param op   what is asked
     * @param body its body
     * @return the reply's body, or fails with a {@link ClusterException} carrying the peer's error or why the link
     *         closed
     */
    public CompletableFuture<ObjectNode> request(String op, ObjectNode body) {
        long id = ids.incrementAndGet();
        CompletableFuture<ObjectNode> reply = new CompletableFuture<>();
        if (!isOpen()) {
            reply.completeExceptionally(lost());
            return reply;
        }
        pending.put(id, reply);
        ObjectNode m = FrameCodec.JSON.createObjectNode().put("op", checkOp(op)).put("id", id);
        m.set("body", body);
        session.write(m);
        if (!isOpen()) { // closed while we registered: sessionClosed may have run before put
            fail(pending.remove(id));
        }
        return reply;
    }

    /**
     * Sends a request and waits for its reply.
     *
     * @throws ClusterException the peer's error, the link's loss, or no reply within the timeout (naming the op)
     */
    public ObjectNode call(String op, ObjectNode body, Duration timeout) throws ClusterException {
        try {
            return request(op, body).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ClusterException c ? c : new ClusterException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new ClusterException(peer.host() + " gave no answer to '" + op + "' within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while waiting for " + peer.host() + " to answer '" + op + "'");
        }
    }

    /** Sends a notice: a request nobody answers. */
    public void notify(String op, ObjectNode body) {
        ObjectNode m = FrameCodec.JSON.createObjectNode().put("op", checkOp(op));
        m.set("body", body);
        session.write(m);
    }

    /** Closes the link, telling the peer why (best effort). */
    public void close(String reason) {
        if (isOpen()) {
            session.write(FrameCodec.JSON.createObjectNode().put("op", "bye").put("reason", reason));
            LinkHandler.closeWith(session, reason, false);
        }
    }

    @Override
    public String toString() {
        return peer.host() + " at " + remoteAddress();
    }

    // ---- called by LinkHandler on Mina's I/O thread

    void heard() {
        lastHeard = System.nanoTime();
    }

    /** A frame after welcome: a reply, a request or a notice. */
    void received(ObjectNode m) throws FrameCodec.FrameException {
        JsonNode re = m.get("re");
        if (re != null) {
            if (!re.canConvertToLong()) {
                throw new FrameCodec.FrameException("a reply whose 're' is not a number");
            }
            CompletableFuture<ObjectNode> reply = pending.remove(re.asLong());
            if (reply == null) {
                return; // its request was given up on, or a peer answering what was never asked: nothing to do
            }
            JsonNode error = m.get("error");
            if (error != null) {
                reply.completeExceptionally(new ClusterException(peer.host() + ": " + printable(error.asText())));
            } else {
                reply.complete(body(m));
            }
            return;
        }
        String op = m.path("op").asText("");
        if (!OP.matcher(op).matches()) {
            throw new FrameCodec.FrameException("a frame with neither a reply id nor a valid op");
        }
        JsonNode id = m.get("id");
        if (id != null && !id.canConvertToLong()) {
            throw new FrameCodec.FrameException("a request whose 'id' is not a number");
        }
        ObjectNode body = body(m);
        java.util.function.Consumer<ObjectNode> quick = id == null ? inline.get(op) : null;
        if (quick != null) {
            quick.accept(body);
            return;
        }
        worker.execute(() -> answer(op, id == null ? null : id.asLong(), body));
    }

    private void answer(String op, Long id, ObjectNode body) {
        ObjectNode reply = FrameCodec.JSON.createObjectNode();
        try {
            ObjectNode out = handler.handle(this, op, body);
            reply.set("body", out == null ? FrameCodec.JSON.createObjectNode() : out);
        } catch (Exception e) {
            String msg = e.getMessage();
            reply.put("error", msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg);
        }
        if (id != null && isOpen()) {
            reply.put("re", id);
            session.write(reply);
        }
    }

    void ended(String reason) {
        closed.complete(reason);
        pending.keySet().forEach(id -> fail(pending.remove(id)));
        worker.shutdown();
    }

    private void fail(CompletableFuture<ObjectNode> reply) {
        if (reply != null) {
            reply.completeExceptionally(lost());
        }
    }

    private ClusterException lost() {
        return new ClusterException("the link to " + peer.host() + " is closed: " + closed.getNow("closing"));
    }

    private static ObjectNode body(ObjectNode m) {
        return m.get("body") instanceof ObjectNode b ? b : FrameCodec.JSON.createObjectNode();
    }

    private static String checkOp(String op) {
        if (!OP.matcher(op).matches()) {
            throw new IllegalArgumentException("bad op '" + op + "'");
        }
        return op;
    }

    static String printable(String s) {
        String t = s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
        return t.replaceAll("[\\p{Cntrl}&&[^\n\t]]", "?");
    }
}
