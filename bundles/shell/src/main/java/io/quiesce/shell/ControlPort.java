package io.quiesce.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.api.CheckpointService;
import io.quiesce.api.image.SecureFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's control port: JSON lines over TCP on 127.0.0.1, used by bin/quiesce. Its address goes to
 * {@code $QUIESCE_HOME/control}, its secret to {@code $QUIESCE_HOME/token} (0600).
 *
 * <p>Protocol, one request per connection, each end proving it holds the token before the other trusts it:
 * <ol>
 * <li>server: {@code {"quiesce":2,"nonce":SN}}</li>
 * <li>client: {@code {"nonce":CN}}</li>
 * <li>server: {@code {"proof":HMAC(token,"quiesce-server PORT SN CN")}}: a process that does not hold the token
 * (say, another user's listening on the port a dead platform left in {@code control}) cannot send this, and the
 * client sends nothing more</li>
 * <li>client: {@code {"auth":HMAC(token,"quiesce-client PORT SN CN")}}; a wrong one gets {@code {"exit":77}}</li>
 * <li>client: {@code {"command":NAME,"args":[...],"cwd":DIR,"env":{...}}} ({@code env} only for {@code launch})</li>
 * <li>server: {@code {"exit":N,"out":TEXT,"err":TEXT}}, then it closes; anything sent after the request is ignored.</li>
 * </ol>
 * Limits, so that no one can exhaust the platform without the token: lines before authentication are at most
 * {@value #SMALL_LINE} bytes, the request {@value #REQUEST_LINE}; the handshake must finish within
 * {@value #HANDSHAKE_SECONDS} s and the request arrive within {@value #REQUEST_SECONDS} s after it; at most
 * {@value #MAX_CONNECTIONS} connections at once. Refusals are logged at most once per {@value RateLimitedLog#PERIOD_SECONDS} s.
 */
@Component(service = ControlPort.class, immediate = true)
public class ControlPort extends IoHandlerAdapter {
    /** Exit status of a refused (unauthenticated) request. */
    public static final int REFUSED = 77;
    /** Protocol version in the hello. */
    public static final int VERSION = 2;
    static final int SMALL_LINE = 512;
    static final int REQUEST_LINE = 16 << 20;
    static final int HANDSHAKE_SECONDS = 10;
    static final int REQUEST_SECONDS = 30;
    static final int MAX_CONNECTIONS = 32;
    private static final Logger LOG = LoggerFactory.getLogger(ControlPort.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "quiesce.state";

    @Reference
    private CheckpointService service;

    private BundleContext context;
    private NioSocketAcceptor acceptor;
    private ExecutorService workers;
    private ScheduledExecutorService timers;
    private ControlToken token;
    private Commands commands;
    private Path addressFile;
    private int port;
    private volatile String address;
    private final RateLimitedLog refusals = new RateLimitedLog(LOG);

    /** Where one connection is in the protocol. */
    private enum Stage { HELLO_SENT, PROVED, AUTHENTICATED, EXECUTING }

    /** Per-connection state: the stage, the nonces, the line being read and the pending deadline. */
    private static final class Conn {
        Stage stage = Stage.HELLO_SENT;
        final String serverNonce = ControlToken.nonce();
        String clientNonce;
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        ScheduledFuture<?> deadline;
    }

    @Activate
    void activate(BundleContext ctx) throws IOException {
        context = ctx;
        Path home = service.status().home();
        token = ControlToken.loadOrCreate(home.resolve("token"));
        commands = new Commands(service, this::address);
        workers = Executors.newCachedThreadPool(DaemonThreads.named("quiesce-control"));
        timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("quiesce-control-timer"));
        acceptor = new NioSocketAcceptor();
        acceptor.setHandler(this);
        acceptor.setReuseAddress(true);
        acceptor.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress bound = (InetSocketAddress) acceptor.getLocalAddress();
        port = bound.getPort();
        address = bound.getAddress().getHostAddress() + ":" + port;
        addressFile = home.resolve("control");
        SecureFiles.write(addressFile, (address + "\n").getBytes(StandardCharsets.US_ASCII)); // exclusive temporary, then rename
        LOG.info("control port listening on {} (home {})", address, home);
    }

    @Deactivate
    void deactivate() {
        try {
            if (address != null && Files.readString(addressFile).trim().equals(address)) {
                Files.deleteIfExists(addressFile);
            }
        } catch (IOException e) {
            // another platform may own the file now; leave it
        }
        acceptor.unbind();
        acceptor.dispose(false);
        workers.shutdownNow();
        timers.shutdownNow();
    }

    /** @return {@code host:port} of the control port, or null before it is bound */
    public String address() {
        return address;
    }

    @Override
    public void sessionOpened(IoSession session) {
        if (acceptor.getManagedSessionCount() > MAX_CONNECTIONS) {
            refusals.warn("refused control connection from {}: more than {} connections open", session.getRemoteAddress(), MAX_CONNECTIONS);
            session.closeNow();
            return;
        }
        Conn c = new Conn();
        session.setAttribute(STATE, c);
        c.deadline = closeAfter(session, HANDSHAKE_SECONDS, "did not authenticate within " + HANDSHAKE_SECONDS + " s");
        send(session, Map.of("quiesce", VERSION, "nonce", c.serverNonce));
    }

    private ScheduledFuture<?> closeAfter(IoSession session, int seconds, String why) {
        return timers.schedule(() -> {
            if (!session.isClosing()) {
                refusals.warn("closed control connection from {}: {}", session.getRemoteAddress(), why);
                session.closeNow();
            }
        }, seconds, TimeUnit.SECONDS);
    }

    @Override
    public void messageReceived(IoSession session, Object message) {
        Conn c = (Conn) session.getAttribute(STATE);
        if (c == null || session.isClosing()) {
            return;
        }
        IoBuffer buf = (IoBuffer) message;
        while (buf.hasRemaining() && c.stage != Stage.EXECUTING && !session.isClosing()) {
            byte b = buf.get();
            if (b != '\n') {
                c.line.write(b);
                int limit = c.stage == Stage.AUTHENTICATED ? REQUEST_LINE : SMALL_LINE;
                if (c.line.size() > limit) {
                    refusals.warn("closed control connection from {}: a line longer than {} bytes", session.getRemoteAddress(), limit);
                    if (c.stage == Stage.AUTHENTICATED) {
                        reply(session, CommandFailure.USAGE, "", "request larger than " + limit + " bytes");
                    } else {
                        session.closeNow();
                    }
                    return;
                }
                continue;
            }
            String text = c.line.toString(StandardCharsets.UTF_8);
            c.line.reset();
            JsonNode msg;
            try {
                msg = JSON.readTree(text);
            } catch (IOException e) {
                refusals.warn("closed control connection from {}: malformed line: {}", session.getRemoteAddress(), e.getMessage());
                session.closeNow();
                return;
            }
            line(session, c, msg);
        }
        // what comes after the request (a second request on the same connection) is ignored: one reply per connection
    }

    private void line(IoSession session, Conn c, JsonNode msg) {
        switch (c.stage) {
            case HELLO_SENT -> {
                c.clientNonce = msg.path("nonce").asText("");
                if (!c.clientNonce.matches("[0-9a-f]{16,64}")) {
                    refusals.warn("closed control connection from {}: no valid client nonce", session.getRemoteAddress());
                    session.closeNow();
                    return;
                }
                c.stage = Stage.PROVED;
                send(session, Map.of("proof", token.serverProof(port, c.serverNonce, c.clientNonce)));
            }
            case PROVED -> {
                if (!ControlToken.matches(token.clientProof(port, c.serverNonce, c.clientNonce), msg.path("auth").asText(null))) {
                    refusals.warn("refused control connection from {}: wrong token", session.getRemoteAddress());
                    c.stage = Stage.EXECUTING;
                    c.deadline.cancel(false);
                    reply(session, REFUSED, "", "refused: wrong token (the client must read the token file of this QUIESCE_HOME)");
                    return;
                }
                c.stage = Stage.AUTHENTICATED;
                c.deadline.cancel(false);
                c.deadline = closeAfter(session, REQUEST_SECONDS, "authenticated but sent no request within " + REQUEST_SECONDS + " s");
            }
            case AUTHENTICATED -> {
                c.stage = Stage.EXECUTING;
                c.deadline.cancel(false);
                session.suspendRead(); // one request per connection; a command may take long and is not timed
                workers.execute(() -> execute(session, msg));
            }
            default -> {
            }
        }
    }

    private void execute(IoSession session, JsonNode msg) {
        ControlRequest req;
        try {
            req = ControlRequest.parse(msg, Path.of(System.getProperty("user.dir")));
        } catch (CommandFailure f) {
            refusals.warn("control request from {} refused: {}", session.getRemoteAddress(), f.getMessage());
            reply(session, f.exitStatus(), "", f.getMessage());
            return;
        }
        String command = req.command();
        if (command.equals("stop")) {
            reply(session, 0, "stopping the platform (PID " + ProcessHandle.current().pid() + "); jobs keep running", "");
            Thread t = new Thread(this::stopPlatform, "quiesce-stop");
            t.start();
            return;
        }
        try {
            reply(session, 0, commands.run(command, req.args(), new Caller(req.cwd(), req.env())), "");
        } catch (CommandFailure f) {
            reply(session, f.exitStatus(), "", f.getMessage());
        } catch (RuntimeException e) {
            LOG.error("command {} failed unexpectedly", command, e);
            reply(session, CommandFailure.FAILED, "", command + ": internal error: " + e);
        }
    }

    private void stopPlatform() {
        try {
            Thread.sleep(200); // let the reply reach the client
            context.getBundle(0).stop();
        } catch (InterruptedException | BundleException e) {
            LOG.error("cannot stop the platform: {}", e.toString());
        }
    }

    private static void send(IoSession session, Map<String, Object> message) {
        try {
            session.write(IoBuffer.wrap((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            session.closeNow();
        }
    }

    private static void reply(IoSession session, int exit, String out, String err) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exit", exit);
        m.put("out", out);
        m.put("err", err);
        try {
            session.write(IoBuffer.wrap((JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8)))
                    .addListener(f -> session.closeOnFlush());
        } catch (IOException e) {
            session.closeNow();
        }
    }

    @Override
    public void sessionClosed(IoSession session) {
        Conn c = (Conn) session.getAttribute(STATE);
        if (c != null && c.deadline != null) {
            c.deadline.cancel(false);
        }
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        LOG.debug("control connection {} failed: {}", session.getRemoteAddress(), cause.toString());
        session.closeNow();
    }
}
